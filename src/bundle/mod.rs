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

mod archive;
mod limits;

pub use limits::Limits;

use jiff::Timestamp;
use memmap2::Mmap;
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
}

impl Bundle {
    /// The latest modification time among the entries, used as the
    /// collection time when nothing better is known.
    pub fn latest_mtime(&self) -> Option<Timestamp> {
        self.entries.iter().filter_map(|e| e.mtime).max()
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
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut bundle = Bundle {
        name,
        entries: Vec::new(),
        skipped: Vec::new(),
    };
    if meta.is_dir() {
        walk_dir(path, path, limits, &mut bundle);
        bundle.entries.sort_by(|a, b| a.path.cmp(&b.path));
        return Ok(bundle);
    }
    let lower = bundle.name.to_ascii_lowercase();
    if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        let file = fs::File::open(path).map_err(io)?;
        archive::read_tar(flate2::read::MultiGzDecoder::new(file), limits, &mut bundle).map_err(
            |reason| OpenError::Archive {
                path: path.to_path_buf(),
                reason,
            },
        )?;
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
        add_file(path, &name, limits, &mut bundle);
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
        let Ok(meta) = fs::symlink_metadata(&p) else {
            bundle.skipped.push(Skipped {
                path: r,
                reason: "cannot stat".into(),
            });
            continue;
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
            if bundle.entries.len() >= limits.max_files {
                bundle.skipped.push(Skipped {
                    path: r,
                    reason: limits.files_reason(),
                });
                continue;
            }
            add_file(&p, &r, limits, bundle);
        } else {
            bundle.skipped.push(Skipped {
                path: r,
                reason: "not a regular file".into(),
            });
        }
    }
}

/// Reads one file from disk: mapped when large and plain, decompressed when
/// gzip.
fn add_file(path: &Path, rel: &str, limits: &Limits, bundle: &mut Bundle) {
    let skip = |bundle: &mut Bundle, reason: String| {
        bundle.skipped.push(Skipped {
            path: rel.to_string(),
            reason,
        })
    };
    let file = match fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return skip(bundle, format!("cannot open: {e}")),
    };
    let meta = file.metadata().ok();
    let mtime = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| Timestamp::try_from(t).ok());
    let len = meta.map(|m| m.len()).unwrap_or(0);
    if len > limits.max_entry_bytes {
        return skip(bundle, limits.entry_reason(len));
    }
    if rel.ends_with(".gz") {
        let mut gz = flate2::read::MultiGzDecoder::new(file);
        let (data, truncated) = limits::read_bounded(&mut gz, limits.max_entry_bytes);
        let path = rel.trim_end_matches(".gz").to_string();
        bundle.entries.push(Entry {
            path,
            data: Data::Owned(data),
            mtime,
            truncated,
        });
        return;
    }
    let data = if len >= limits.mmap_threshold {
        // SAFETY: the map is read-only; a file changed underneath us
        // while mapped can give torn reads, which parsing tolerates.
        match unsafe { Mmap::map(&file) } {
            Ok(m) => Data::Mapped(m),
            Err(e) => return skip(bundle, format!("cannot map: {e}")),
        }
    } else {
        let mut v = Vec::with_capacity(len as usize);
        if let Err(e) = (&file).take(limits.max_entry_bytes).read_to_end(&mut v) {
            return skip(bundle, format!("cannot read: {e}"));
        }
        Data::Owned(v)
    };
    bundle.entries.push(Entry {
        path: rel.to_string(),
        data,
        mtime,
        truncated: None,
    });
}
