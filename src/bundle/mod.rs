//! Opening a bundle: a folder, a tar (plain or compressed with gzip, xz,
//! zstd or bzip2) or zip archive, or a single file, read in place without
//! extracting anything to disk.
//!
//! What a file is comes from its first bytes, not its name: compressed
//! files are decompressed and archives inside the bundle are opened, to
//! three archives deep (see `member.rs`). Every entry met is
//! accounted for: it either becomes an [`Entry`] with its bytes, or a
//! [`Skipped`] line that says why (a link, a path leaving the archive, a
//! size over the limits, a truncated stream, an archive nested too deep).
//! Large plain files in a folder are memory-mapped.
//!
//! # Limitations
//! - Archives nested more than three deep inside the bundle are listed,
//!   not opened; a compressed stream inside a compressed stream (a `.gz`
//!   of a `.xz`) is listed, not read.
//! - lz4, 7z and rar are recognised and listed, not read.
//! - A zip inside the bundle is held in memory (within the per-file limit)
//!   while its members are read, since its directory is at its end; a tar
//!   inside the bundle is streamed.
//! - A folder's symbolic links are never followed; they are listed.
//! - A zip's bzip2 members (method 12) are decompressed without checking
//!   their CRC; deflate64, lzma, xz and zstd members of a zip are listed
//!   as unreadable. A zip with same-name members is read from its local
//!   headers (the zip crate keeps only the last of a name), so one whose
//!   members carry their sizes after the data (a streamed zip) is read up
//!   to the first such member.
//! - A folder's hard links are read as the files they are: a link made to
//!   a file outside the folder is read like any other file in it.
//! - A plain file that is truncated by another process while it is mapped
//!   can stop the process (SIGBUS); bundles are meant to be copies, not
//!   live folders.

mod archive;
mod guard;
mod limits;
mod member;
mod sniff;

pub use limits::Limits;

use jiff::Timestamp;
use member::{Member, Scope};
use memmap2::Mmap;
use sniff::Shape;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{Cursor, Read};
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
    /// Path inside the bundle, `/`-separated, never absolute, no `..`;
    /// for a decompressed file, without its compression suffix
    /// (`app.log` for `app.log.gz`), so that what a file is can be told
    /// by the name of its content.
    pub path: String,
    /// The file's name as it is in the bundle, when that differs from
    /// `path` (`app.log.gz`): the name reports give it.
    pub stored: Option<String>,
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
    /// Decompressed entries kept under their name without the suffix
    /// (`app.log` for `app.log.gz`), to their full name: a later file of
    /// the bundle that really has the short name takes it back, and the
    /// decompressed one is renamed to its full name, so both are read.
    peeled: HashMap<String, String>,
    /// Archives opened inside the bundle: they count as files.
    opened: usize,
    /// Decompressed bytes that went through archives inside the bundle,
    /// against `max_total_bytes`.
    nested: u64,
}

impl Bundle {
    /// The latest modification time among the entries, used as the
    /// collection time when nothing better is known.
    pub fn latest_mtime(&self) -> Option<Timestamp> {
        self.entries.iter().filter_map(|e| e.mtime).max()
    }

    /// Files read so far: entries kept and archives opened.
    fn files_taken(&self) -> usize {
        self.entries.len() + self.opened
    }

    fn skip(&mut self, path: &str, reason: String) {
        self.skipped.push(Skipped {
            path: path.to_string(),
            reason,
        });
    }

    /// How many bytes the next entry may take, or `None` (with the entry
    /// listed as skipped) when it is refused before anything is read: its
    /// name is taken, or the file count or the total is spent. An entry
    /// whose `size` is known to be 0 costs nothing and is not refused for
    /// the total (it is read, and listed as the empty file it is). A name
    /// taken only by a decompressed entry that lost its suffix is given
    /// back: that entry takes its full name.
    fn admit(&mut self, limits: &Limits, name: &str, size: Option<u64>) -> Option<u64> {
        if let Some(full) = self.peeled.remove(name) {
            if let Some(e) = self.entries.iter_mut().find(|e| e.path == name) {
                e.path = full;
                e.stored = None;
            }
            self.names.remove(name);
        }
        let refusal = if self.names.contains(name) {
            Some("an entry of the same name came earlier; only the first is read".into())
        } else if self.files_taken() >= limits.max_files {
            Some(limits.files_reason())
        } else if self.total >= limits.max_total_bytes && size != Some(0) {
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

    /// Keeps an entry read under `name` (`stored` in the bundle), with why
    /// it stopped early if it did.
    fn keep(
        &mut self,
        (name, stored): (&str, &str),
        data: Vec<u8>,
        truncated: Option<String>,
        mtime: Option<Timestamp>,
    ) {
        self.names.insert(name.to_string());
        self.total += data.len() as u64;
        self.entries.push(Entry {
            path: name.to_string(),
            stored: (stored != name).then(|| stored.to_string()),
            data: Data::Owned(data),
            mtime,
            truncated,
        });
    }
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
    // `.` or `..` have no file name: the folder's own name, else the path.
    let name = match path.file_name() {
        Some(n) => printable(&n.to_string_lossy()),
        None => fs::canonicalize(path)
            .ok()
            .and_then(|p| p.file_name().map(|n| printable(&n.to_string_lossy())))
            .unwrap_or_else(|| printable(&path.to_string_lossy())),
    };
    let mut bundle = Bundle {
        name,
        entries: Vec::new(),
        skipped: Vec::new(),
        total: 0,
        names: HashSet::new(),
        peeled: HashMap::new(),
        opened: 0,
        nested: 0,
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
    let file = fs::File::open(path).map_err(io)?;
    open_file(path, file, &meta, limits, &mut bundle).map_err(|reason| OpenError::Archive {
        path: path.to_path_buf(),
        reason,
    })?;
    bundle.entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(bundle)
}

/// Reads the bundle when it is one file: an archive (compressed or not,
/// told by its first bytes), a compressed file, or a plain file. An archive
/// that cannot be read at all is an error; its members at the top level
/// have no prefix.
fn open_file(
    path: &Path,
    file: fs::File,
    meta: &fs::Metadata,
    limits: &Limits,
    bundle: &mut Bundle,
) -> Result<(), String> {
    let top = Scope::default();
    let (head, err) = sniff::peek(&mut &file);
    if let Some(e) = err {
        return Err(e.to_string());
    }
    let name = bundle.name.clone();
    match sniff::shape(&head) {
        Shape::Zip => archive::read_zip(file, limits, bundle, &top),
        Shape::Tar => archive::read_tar(Cursor::new(head).chain(file), limits, bundle, &top),
        Shape::Compressed(c) => {
            let mut dec = c.decoder(Cursor::new(head).chain(file));
            let (inner, err) = sniff::peek(&mut dec);
            match (sniff::shape(&inner), err) {
                (Shape::Tar, None) => {
                    // Skipping a cut or refused member still decompresses
                    // it; the stream is bounded so that costs bounded time.
                    let left = limits.max_total_bytes.saturating_mul(STREAM_FACTOR);
                    let why = format!(
                        "the bundle decompresses to more than {STREAM_FACTOR} times the total \
                         limit ({left} bytes); the rest is not read"
                    );
                    let stream = Cursor::new(inner).chain(dec);
                    let budget = member::Budget {
                        inner: stream,
                        left,
                        why,
                    };
                    archive::read_tar(budget, limits, bundle, &top)
                }
                (Shape::Zip, None) => {
                    let mut stream = Cursor::new(inner).chain(dec);
                    let (bytes, why) =
                        limits::read_bounded(&mut stream, limits.max_entry_bytes, limits);
                    if let Some(why) = why {
                        bundle.skip("(rest of archive)", why);
                    }
                    archive::read_zip(Cursor::new(bytes), limits, bundle, &top)
                }
                (_, err) => {
                    let m = Member {
                        scope: &top,
                        name,
                        at: format!("{} stream", c.name()),
                        mtime: mtime_of(meta),
                        size: None,
                    };
                    let bound = limits.max_entry_bytes.min(limits.max_total_bytes);
                    bundle.take_stream(limits, &m, (inner, err), &mut dec, bound, Some(c));
                    Ok(())
                }
            }
        }
        Shape::Unread(kind) => Err(format!("{kind} data; {kind} is not read")),
        Shape::Plain if named_archive(&name) => {
            Err("named like an archive, but it starts with neither a tar nor a zip header".into())
        }
        Shape::Plain => {
            add_file(path, &name, meta, limits, bundle);
            Ok(())
        }
    }
}

/// How many times the total limit a compressed bundle's tar stream may
/// decompress to, members skipped past the limits included.
const STREAM_FACTOR: u64 = 4;

/// A name that promises an archive: read as plain text it would mislead.
fn named_archive(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".tar", ".tgz", ".txz", ".tzst", ".tbz2", ".zip"]
        .iter()
        .any(|ext| lower.ends_with(ext))
        || lower.contains(".tar.")
}

fn mtime_of(meta: &fs::Metadata) -> Option<Timestamp> {
    meta.modified()
        .ok()
        .and_then(|t| Timestamp::try_from(t).ok())
}

/// A name as reports and terminals show it: control characters (a
/// newline, an escape sequence) become `\u{fffd}`, so a file name cannot
/// forge a line of a report or drive a terminal.
pub(crate) fn printable(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

fn walk_dir(root: &Path, dir: &Path, limits: &Limits, bundle: &mut Bundle) {
    let rel = |p: &Path| {
        printable(
            &p.strip_prefix(root)
                .unwrap_or(p)
                .to_string_lossy()
                .replace('\\', "/"),
        )
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
    let Some(bound) = bundle.admit(limits, rel, Some(seen.len())) else {
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
    let mtime = mtime_of(&meta);
    let len = meta.len();
    let (head, err) = sniff::peek(&mut &file);
    if err.is_some() || sniff::shape(&head) != Shape::Plain {
        let m = Member {
            scope: &Scope::default(),
            name: rel.to_string(),
            at: String::new(),
            mtime,
            size: Some(len),
        };
        return bundle.take_stream(limits, &m, (head, err), &mut &file, bound, None);
    }
    if len > bound {
        let reason = if len > limits.max_entry_bytes {
            limits.entry_reason(len)
        } else {
            limits.left_reason(len, bound)
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
        let mut v = head;
        v.reserve(len as usize);
        if let Err(e) = (&file)
            .take(bound.saturating_sub(v.len() as u64))
            .read_to_end(&mut v)
        {
            return bundle.skip(rel, format!("cannot read: {e}"));
        }
        Data::Owned(v)
    };
    bundle.names.insert(rel.to_string());
    bundle.total += data.len() as u64;
    bundle.entries.push(Entry {
        path: rel.to_string(),
        stored: None,
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
