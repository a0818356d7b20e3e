//! Opening a bundle: a folder, a `.tar`/`.tar.gz`/`.tgz` or `.zip` archive,
//! or a single file, read in place without extracting anything to disk.
//!
//! Every entry met is accounted for: it either becomes an [`Entry`] with its
//! bytes (decompressed when it is a `.gz` file), or a [`Skipped`] line that
//! says why (a link, a path leaving the archive, a size over the limits, a
//! truncated stream). Large plain files in a folder are memory-mapped.
//!
//! # Limitations
//! - Nested archives (a tar inside a tar) are listed as skipped, not opened.
//! - Only gzip is decompressed; `.xz`, `.zst` and `.bz2` files are listed
//!   as skipped with that reason.
//! - A folder's symbolic links are never followed; they are listed.
//! - A folder's hard links are read as the files they are: a link made to
//!   a file outside the folder is read like any other file in it.
//! - A plain file that is truncated by another process while it is mapped
//!   can stop the process (SIGBUS); bundles are meant to be copies, not
//!   live folders.

mod archive;
mod guard;
mod limits;

pub use limits::Limits;

use jiff::Timestamp;
use memmap2::Mmap;
use std::collections::HashSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The bytes of one entry: mapped from disk or held in memory.
pub enum Data {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

impl std::ops::Deref for Data {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Data::Mapped(m) => m,
            Data::Owned(v) => v,
        }
    }
}

/// One readable file of the bundle.
pub struct Entry {
    /// Path inside the bundle, `/`-separated, never absolute, no `..`.
    pub path: String,
    pub data: Data,
    pub mtime: Option<Timestamp>,
    /// Set when the entry was decompressed and the stream ended early or
    /// hit a limit: what could be read is kept, with this reason.
    pub truncated: Option<String>,
}

/// An entry that was not read, and why.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// Everything found at the input path.
pub struct Bundle {
    /// A name for the bundle: the archive's or folder's file name.
    pub name: String,
    pub entries: Vec<Entry>,
    pub skipped: Vec<Skipped>,
    /// Decompressed bytes kept so far, against `max_total_bytes`.
    total: u64,
    /// Names already taken, so a second entry of one name is refused.
    names: HashSet<String>,
}

impl Bundle {
    /// The latest modification time among the entries, used as the
    /// collection time when nothing better is known.
    pub fn latest_mtime(&self) -> Option<Timestamp> {
        self.entries.iter().filter_map(|e| e.mtime).max()
    }

    fn skip(&mut self, path: &str, reason: String) {
        self.skipped.push(Skipped {
            path: path.to_string(),
            reason,
        });
    }

    /// How many bytes the next entry may take, or `None` (with the entry
    /// listed as skipped) when it is refused before anything is read: its
    /// name is taken, it is an archive or compression not read, or the
    /// file count or the total is spent.
    fn admit(&mut self, limits: &Limits, name: &str) -> Option<u64> {
        let refusal = if self.names.contains(name) {
            Some("an entry of the same name came earlier; only the first is read".into())
        } else if let Some(reason) = not_opened(name) {
            Some(reason)
        } else if self.entries.len() >= limits.max_files {
            Some(limits.files_reason())
        } else if self.total >= limits.max_total_bytes {
            Some(limits.total_reason())
        } else {
            None
        };
        if let Some(reason) = refusal {
            self.skip(name, reason);
            return None;
        }
        let left = limits.max_total_bytes - self.total;
        Some(left.min(limits.max_entry_bytes))
    }

    /// Keeps an entry read under `name`. A `.gz` entry is decompressed,
    /// within `bound`, and loses its suffix unless that name is taken.
    fn keep(
        &mut self,
        name: &str,
        raw: Vec<u8>,
        read_why: Option<String>,
        (bound, limits): (u64, &Limits),
        mtime: Option<Timestamp>,
    ) {
        let (data, truncated, path) = match name.strip_suffix(".gz") {
            Some(stem) if raw.starts_with(&[0x1f, 0x8b]) => {
                let mut gz = flate2::read::MultiGzDecoder::new(&raw[..]);
                let (inner, why) = limits::read_bounded(&mut gz, bound, limits);
                let path = if self.names.contains(stem) {
                    name
                } else {
                    stem
                };
                (inner, read_why.or(why), path.to_string())
            }
            _ => (raw, read_why, name.to_string()),
        };
        self.names.insert(name.to_string());
        self.names.insert(path.clone());
        self.total += data.len() as u64;
        self.entries.push(Entry {
            path,
            data: Data::Owned(data),
            mtime,
            truncated,
        });
    }
}

/// Why an entry is listed rather than read, judged by its name: an archive
/// inside the bundle, or a compression other than gzip.
fn not_opened(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let archive = [".tar", ".tar.gz", ".tgz", ".zip", ".7z", ".rar"];
    if archive.iter().any(|ext| lower.ends_with(ext)) {
        return Some("an archive inside the bundle; nested archives are not opened".into());
    }
    let other = [
        (".xz", "xz"),
        (".zst", "zstd"),
        (".bz2", "bzip2"),
        (".lz4", "lz4"),
    ];
    other
        .iter()
        .find(|(ext, _)| lower.ends_with(ext))
        .map(|(_, how)| format!("compressed with {how}; only gzip is decompressed"))
}

/// Errors that stop the whole bundle from being opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a readable archive: {reason}")]
    Archive { path: PathBuf, reason: String },
}

/// Opens the bundle at `path`, whatever its shape.
pub fn open(path: &Path, limits: &Limits) -> Result<Bundle, OpenError> {
    let io = |source| OpenError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = fs::metadata(path).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut bundle = Bundle {
        name,
        entries: Vec::new(),
        skipped: Vec::new(),
        total: 0,
        names: HashSet::new(),
    };
    if meta.is_dir() {
        walk_dir(path, path, limits, &mut bundle);
        bundle.entries.sort_by(|a, b| a.path.cmp(&b.path));
        return Ok(bundle);
    }
    if !meta.is_file() {
        return Err(OpenError::Archive {
            path: path.to_path_buf(),
            reason: "not a regular file, folder or archive (a device, a pipe or a socket)".into(),
        });
    }
    let lower = bundle.name.to_ascii_lowercase();
    if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        let file = fs::File::open(path).map_err(io)?;
        let gz = flate2::read::MultiGzDecoder::new(file);
        archive::read_tar(gz, limits, &mut bundle).map_err(|reason| OpenError::Archive {
            path: path.to_path_buf(),
            reason,
        })?;
    } else if lower.ends_with(".tar") {
        let file = fs::File::open(path).map_err(io)?;
        archive::read_tar(file, limits, &mut bundle).map_err(|reason| OpenError::Archive {
            path: path.to_path_buf(),
            reason,
        })?;
    } else if lower.ends_with(".zip") {
        let file = fs::File::open(path).map_err(io)?;
        archive::read_zip(file, limits, &mut bundle).map_err(|reason| OpenError::Archive {
            path: path.to_path_buf(),
            reason,
        })?;
    } else {
        let name = bundle.name.clone();
        add_file(path, &name, &meta, limits, &mut bundle);
    }
    bundle.entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(bundle)
}

fn walk_dir(root: &Path, dir: &Path, limits: &Limits, bundle: &mut Bundle) {
    let rel = |p: &Path| {
        p.strip_prefix(root)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    let mut items: Vec<_> = match fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
        Err(e) => {
            bundle.skipped.push(Skipped {
                path: rel(dir),
                reason: format!("cannot list: {e}"),
            });
            return;
        }
    };
    items.sort();
    for p in items {
        let r = rel(&p);
        let meta = match fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) => {
                bundle.skip(&r, format!("cannot stat: {e}"));
                continue;
            }
        };
        let ft = meta.file_type();
        if ft.is_symlink() {
            bundle.skipped.push(Skipped {
                path: r,
                reason: "symbolic link, not followed".into(),
            });
        } else if ft.is_dir() {
            walk_dir(root, &p, limits, bundle);
        } else if ft.is_file() {
            add_file(&p, &r, &meta, limits, bundle);
        } else {
            bundle.skipped.push(Skipped {
                path: r,
                reason: "not a regular file".into(),
            });
        }
    }
}

/// Reads one file from disk: mapped when large and plain, decompressed when
/// gzip. `seen` is what `symlink_metadata` said of the path; the opened file
/// must still be that regular file.
fn add_file(path: &Path, rel: &str, seen: &fs::Metadata, limits: &Limits, bundle: &mut Bundle) {
    let Some(bound) = bundle.admit(limits, rel) else {
        return;
    };
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return bundle.skip(rel, format!("cannot open: {e}")),
    };
    let meta = match file.metadata() {
        Ok(m) if m.is_file() && same_file(&m, seen) => m,
        Ok(_) => {
            return bundle.skip(
                rel,
                "changed into another file while the bundle was read".into(),
            )
        }
        Err(e) => return bundle.skip(rel, format!("cannot stat: {e}")),
    };
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| Timestamp::try_from(t).ok());
    let len = meta.len();
    if rel.ends_with(".gz") {
        let (raw, why) = limits::read_bounded(&mut (&file), limits.max_entry_bytes, limits);
        return bundle.keep(rel, raw, why, (bound, limits), mtime);
    }
    if len > bound {
        let reason = if len > limits.max_entry_bytes {
            limits.entry_reason(len)
        } else {
            limits.total_reason()
        };
        return bundle.skip(rel, reason);
    }
    let data = if len >= limits.mmap_threshold {
        // SAFETY: the map is read-only; a file changed underneath us
        // while mapped can give torn reads, which parsing tolerates (a
        // file truncated underneath us is in the module's limitations).
        match unsafe { Mmap::map(&file) } {
            Ok(m) => Data::Mapped(m),
            Err(e) => return bundle.skip(rel, format!("cannot map: {e}")),
        }
    } else {
        let mut v = Vec::with_capacity(len as usize);
        if let Err(e) = (&file).take(bound).read_to_end(&mut v) {
            return bundle.skip(rel, format!("cannot read: {e}"));
        }
        Data::Owned(v)
    };
    bundle.names.insert(rel.to_string());
    bundle.total += data.len() as u64;
    bundle.entries.push(Entry {
        path: rel.to_string(),
        data,
        mtime,
        truncated: None,
    });
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &fs::Metadata, _: &fs::Metadata) -> bool {
    true
}
