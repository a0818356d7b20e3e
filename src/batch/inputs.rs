//! Which bundles a batch reads: the archives and bundle folders in a
//! folder, or the paths a list file names; each one's content hash, and
//! the share of them a shard takes.

use std::io::Read;
use std::path::{Path, PathBuf};
use xxhash_rust::xxh3::Xxh3;

/// One bundle to analyze.
#[derive(Debug, Clone)]
pub struct Input {
    /// As found (joined to the folder or the list file's folder).
    pub path: PathBuf,
    /// 16 hex digits: xxh3 of the archive's bytes, or of a tag and a
    /// folder's sorted relative paths and contents. Of the path itself when unreadable.
    pub id: String,
    /// Why the content could not be hashed (the bundle is then reported
    /// as failed without being opened).
    pub error: Option<String>,
}

/// An entry of the input folder or list that is not a bundle, and why.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Ignored {
    pub path: String,
    pub reason: String,
}

/// The names of the archives `bundle::open` reads.
const ARCHIVE_SUFFIXES: [&str; 11] = [
    ".tar.gz", ".tgz", ".tar", ".zip", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".tar.bz2", ".tbz2",
    ".tbz",
];

/// Why a regular file of the folder or list is not taken as a bundle.
const NOT_A_BUNDLE: &str =
    "neither a folder nor an archive (.tar, .tar.gz, .tar.xz, .tar.zst, .tar.bz2, .zip)";

fn is_archive_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ARCHIVE_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// The bundles under `source`: a folder's archives and sub-folders, sorted
/// by name (hidden entries and other files are returned as ignored); or, when `source` is a file, the paths
/// it lists one a line (blank lines and `#` comments skipped; relative
/// paths are read from the list file's folder; a listed regular file
/// that is not named as an archive is ignored, as in a folder). `skip` is a folder never
/// taken as a bundle (the output folder, when it lies inside).
pub fn discover(
    source: &Path,
    skip: Option<&Path>,
) -> std::io::Result<(Vec<PathBuf>, Vec<Ignored>)> {
    let mut found = Vec::new();
    let mut ignored = Vec::new();
    let meta = std::fs::metadata(source)?;
    if meta.is_dir() {
        let mut names: Vec<_> = std::fs::read_dir(source)?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|e| e.path())
            .collect();
        names.sort();
        let skip = skip.and_then(|s| s.canonicalize().ok());
        for p in names {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') {
                ignored.push(Ignored {
                    path: p.display().to_string(),
                    reason: "hidden (a name starting with a dot)".into(),
                });
                continue;
            }
            let is_dir = std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir());
            if is_dir && skip.is_some() && p.canonicalize().ok() == skip {
                continue;
            }
            if is_dir || is_archive_name(&name) {
                found.push(p);
            } else {
                ignored.push(Ignored {
                    path: p.display().to_string(),
                    reason: NOT_A_BUNDLE.into(),
                });
            }
        }
    } else {
        let text = std::fs::read_to_string(source)?;
        let base = source.parent().unwrap_or(Path::new("."));
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let p = base.join(line);
            // The folder's rule: a regular file is a bundle only under an
            // archive's name (a lone log is `analyze`'s, not a batch's).
            let plain = std::fs::metadata(&p).is_ok_and(|m| m.is_file());
            if plain && !is_archive_name(line) {
                ignored.push(Ignored {
                    path: p.display().to_string(),
                    reason: NOT_A_BUNDLE.into(),
                });
            } else {
                found.push(p);
            }
        }
    }
    Ok((found, ignored))
}

/// Hashes each path's content (streaming, so memory stays small).
///
/// The file type is checked first (through links, without opening): a
/// FIFO, socket or device would block the read or never end, so it is
/// refused at once as `analyze` refuses it.
pub fn identify(path: &Path) -> Input {
    let hashed = match std::fs::metadata(path) {
        Ok(m) if !m.is_dir() && !m.is_file() => Err(std::io::Error::other(format!(
            "not a regular file or folder but {}; not opened",
            kind(&m.file_type())
        ))),
        Ok(_) => content_hash(path),
        Err(e) => Err(e),
    };
    match hashed {
        Ok(h) => Input {
            path: path.to_path_buf(),
            id: format!("{h:016x}"),
            error: None,
        },
        Err(e) => Input {
            path: path.to_path_buf(),
            id: format!(
                "{:016x}",
                xxhash_rust::xxh3::xxh3_64(path.to_string_lossy().as_bytes())
            ),
            error: Some(format!("{}: cannot read: {e}", path.display())),
        },
    }
}

/// What a file that is neither a regular file nor a folder is.
fn kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        } else if t.is_socket() {
            return "a socket";
        } else if t.is_char_device() {
            return "a character device";
        } else if t.is_block_device() {
            return "a block device";
        }
    }
    let _ = t;
    "a special file"
}

fn content_hash(path: &Path) -> std::io::Result<u64> {
    let meta = std::fs::metadata(path)?;
    let mut h = Xxh3::new();
    if meta.is_dir() {
        // A tag first, so that no folder shares an id with an archive
        // (an empty folder and a zero-byte file would both hash nothing).
        h.update(b"outsidein folder\0");
        let mut files = Vec::new();
        walk(path, &[], &mut files)?;
        files.sort();
        for (rel, full) in files {
            h.update(&rel);
            h.update(&[0]);
            let m = std::fs::symlink_metadata(&full)?;
            if m.file_type().is_symlink() {
                // A link is hashed as its target's name, never followed.
                h.update(b"->");
                h.update(&name_bytes(std::fs::read_link(&full)?.as_os_str()));
            } else {
                h.update(&m.len().to_le_bytes());
                stream(&full, &mut h)?;
            }
            h.update(&[0]);
        }
    } else {
        stream(path, &mut h)?;
    }
    Ok(h.digest())
}

fn stream(path: &Path, h: &mut Xxh3) -> std::io::Result<()> {
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        h.update(&buf[..n]);
    }
}

/// A file name's bytes as the file system holds them, so a name that is
/// not UTF-8 is hashed (and found again) as it is.
#[cfg(unix)]
fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    std::os::unix::ffi::OsStrExt::as_bytes(name).to_vec()
}

#[cfg(not(unix))]
fn name_bytes(name: &std::ffi::OsStr) -> Vec<u8> {
    name.to_string_lossy().into_owned().into_bytes()
}

/// The regular files and links under `dir`: each one's relative path as
/// bytes (`/`-separated; the order and what is hashed) and its full path
/// (what is read).
fn walk(dir: &Path, prefix: &[u8], out: &mut Vec<(Vec<u8>, PathBuf)>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let mut rel = prefix.to_vec();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend(name_bytes(&e.file_name()));
        let t = e.file_type()?;
        if t.is_dir() {
            walk(&e.path(), &rel, out)?;
        } else if t.is_file() || t.is_symlink() {
            out.push((rel, e.path()));
        }
    }
    Ok(())
}

/// A deterministic share of the inputs: shard `index` of `count`.
///
/// Shares are taken by content hash, not by path: two copies of one
/// bundle always fall in the same shard, so duplicates are found across
/// the whole archive and the shards' union is exactly the single run;
/// and renaming or moving a bundle does not move it to another shard.
/// The price is that every shard hashes every input (a streaming read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Reads `I/N` with `0 <= I < N` (Kubernetes' `JOB_COMPLETION_INDEX`
    /// counts from 0).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("--shard {s}: expected I/N, e.g. 0/3"))?;
        let index: u64 = i
            .trim()
            .parse()
            .map_err(|_| format!("--shard {s}: I is not a number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("--shard {s}: N is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!("--shard {s}: need 0 <= I < N"));
        }
        Ok(Shard { index, count })
    }

    pub fn takes(&self, id: &str) -> bool {
        let h = u64::from_str_radix(id, 16).unwrap_or(0);
        h % self.count == self.index
    }

    /// The hive-style partition folder name, `shard=I-of-N`.
    pub fn partition(&self) -> String {
        format!("shard={}-of-{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_id_once() {
        let ids: Vec<String> = (0..300u64)
            .map(|i| format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes())))
            .collect();
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        for id in &ids {
            assert_eq!(shards.iter().filter(|s| s.takes(id)).count(), 1);
        }
        let sizes: Vec<usize> = shards
            .iter()
            .map(|s| ids.iter().filter(|id| s.takes(id)).count())
            .collect();
        assert!(sizes.iter().all(|&n| n > 70), "{sizes:?}");
    }

    #[test]
    fn shard_flag_is_checked() {
        assert_eq!(Shard::parse("2/3").unwrap(), Shard { index: 2, count: 3 });
        assert!(Shard::parse("3/3").is_err());
        assert!(Shard::parse("1").is_err());
        assert!(Shard::parse("a/3").is_err());
    }
}
