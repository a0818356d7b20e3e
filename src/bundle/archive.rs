//! Tar and zip archives, read entry by entry from the stream.
//!
//! Entry names are checked before anything is kept: an absolute path or a
//! `..` component would point out of the bundle, so such entries are listed
//! as skipped. Links are never resolved. Each member is handed to
//! [`Bundle::take`], which opens archives nested inside.

use super::member::{Member, Scope};
use super::{guard::TarGuard, Bundle, Limits};
use jiff::Timestamp;
use std::io::{Read, Seek};

/// Normalises an archive entry name, or says why it is refused.
pub(crate) fn safe_name(raw: &str) -> Result<String, String> {
    let raw = raw.replace('\\', "/");
    if raw.starts_with('/') || raw.as_bytes().get(1) == Some(&b':') {
        return Err("absolute path in archive, not read".into());
    }
    let mut parts = Vec::new();
    for comp in raw.split('/') {
        match comp {
            "" | "." => {}
            ".." => return Err("path leaves the archive (`..`), not read".into()),
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Err("empty name in archive, not read".into());
    }
    Ok(super::printable(&parts.join("/")))
}

/// Why the archive is not read past member `i`: the file count is spent,
/// or the archive holds far more members than files could be read (a
/// stream of folders or links only costs time).
fn rest_not_read(i: usize, bundle: &Bundle, limits: &Limits) -> Option<String> {
    let members = limits.max_files.saturating_mul(4);
    let why = if bundle.files_taken() >= limits.max_files {
        limits.files_reason()
    } else if i >= members {
        format!("more than {members} members (folders, links and refused names included)")
    } else {
        return None;
    };
    Some(format!(
        "{why}; the rest of the archive, from entry {i}, is not read"
    ))
}

/// Reads a tar stream (already decompressed); its members' paths start
/// with the scope's prefix.
pub(crate) fn read_tar(
    r: impl Read,
    limits: &Limits,
    bundle: &mut Bundle,
    scope: &Scope,
) -> Result<(), String> {
    let mut ar = tar::Archive::new(TarGuard::new(r));
    let entries = ar.entries().map_err(|e| e.to_string())?;
    for (i, entry) in entries.enumerate() {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) if i == 0 => return Err(e.to_string()),
            Err(e) => {
                let reason = format!("archive unreadable after entry {i}: {e}");
                bundle.skip(&scope.join("(rest of archive)"), reason);
                break;
            }
        };
        if let Some(reason) = rest_not_read(i, bundle, limits) {
            bundle.skip(&scope.join("(rest of archive)"), reason);
            break;
        }
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            continue;
        }
        let name = match safe_name(&raw) {
            Ok(n) => scope.join(&n),
            Err(reason) => {
                bundle.skip(&scope.join(&raw), reason);
                continue;
            }
        };
        if !kind.is_file() {
            let reason = match kind {
                tar::EntryType::Symlink | tar::EntryType::Link => "link, not followed".into(),
                other => format!("not a regular file ({other:?})"),
            };
            bundle.skip(&name, reason);
            continue;
        }
        let mtime = entry
            .header()
            .mtime()
            .ok()
            .and_then(|s| Timestamp::from_second(s as i64).ok());
        let size = entry.size();
        let member = Member {
            scope,
            name,
            at: format!("entry {i}"),
            mtime,
            size: Some(size),
        };
        let mut whole = Whole {
            inner: &mut entry,
            size,
            left: size,
        };
        bundle.take(limits, &member, &mut whole);
    }
    Ok(())
}

/// A tar member's data, which fails when the archive ends before the
/// member's declared size: the `tar` crate reports such a cut as a plain
/// end of data, and the member would pass for whole.
struct Whole<R> {
    inner: R,
    /// The size the member's header declares.
    size: u64,
    /// Bytes of it not read yet.
    left: u64,
}

impl<R: Read> Read for Whole<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.left > 0 && !buf.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                format!(
                    "the archive ends inside this entry: {} of its {} bytes are missing",
                    self.left, self.size
                ),
            ));
        }
        self.left = self.left.saturating_sub(n as u64);
        Ok(n)
    }
}

/// Reads a zip archive through its central directory; when that is lost
/// (a truncated zip), through the local headers from the start, keeping
/// what can be read.
pub(crate) fn read_zip(
    mut r: impl Read + Seek,
    limits: &Limits,
    bundle: &mut Bundle,
    scope: &Scope,
) -> Result<(), String> {
    let declared = declared_entries(&mut r);
    let mut zip = match zip::ZipArchive::new(&mut r) {
        Ok(z) => z,
        Err(e) => {
            let why = format!(
                "central directory unreadable ({e}); entries read from their local headers"
            );
            return read_zip_stream(r, limits, bundle, scope, e.to_string(), why);
        }
    };
    // The zip crate keeps one entry per name, the last: when the central
    // directory lists more entries than names, the local headers are read
    // in order instead, so that the first of a name is kept and the
    // others listed as skipped, as in a tar.
    if let Some(n) = declared.filter(|&n| n > zip.len()) {
        let names = zip.len();
        drop(zip);
        let why = format!(
            "{n} entries under {names} names; entries read from their local headers, \
             the first of each name kept"
        );
        return read_zip_stream(r, limits, bundle, scope, "no entry".into(), why);
    }
    for i in 0..zip.len() {
        if let Some(reason) = rest_not_read(i, bundle, limits) {
            bundle.skip(&scope.join("(rest of archive)"), reason);
            break;
        }
        let why = match zip.by_index(i) {
            Ok(mut file) => {
                zip_entry(i, &mut file, false, limits, bundle, scope);
                continue;
            }
            Err(e) => format!("unreadable zip entry {i}: {e}"),
        };
        // The zip crate is built without its bzip2 (another bzip2 crate
        // version); a bzip2 entry (method 12) is decompressed here.
        if let Ok(mut raw) = zip.by_index_raw(i) {
            if raw.compression() == zip::CompressionMethod::BZIP2 {
                zip_entry(i, &mut raw, true, limits, bundle, scope);
                continue;
            }
        }
        let name = zip.name_for_index(i).and_then(|n| safe_name(n).ok());
        let name = name.unwrap_or_else(|| format!("(entry {i})"));
        bundle.skip(&scope.join(&name), why);
    }
    Ok(())
}

/// Reads the entries one after another from their local headers.
fn read_zip_stream(
    mut r: impl Read + Seek,
    limits: &Limits,
    bundle: &mut Bundle,
    scope: &Scope,
    lost: String,
    why: String,
) -> Result<(), String> {
    let len = r
        .seek(std::io::SeekFrom::End(0))
        .map_err(|e| e.to_string())?;
    r.seek(std::io::SeekFrom::Start(0))
        .map_err(|e| e.to_string())?;
    // Unbuffered, so that the count is where an entry's data starts once
    // its local header is read (the decompressors buffer their input).
    let pos = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let mut r = Counted {
        inner: r,
        pos: pos.clone(),
    };
    for i in 0.. {
        if let Some(reason) = rest_not_read(i, bundle, limits) {
            bundle.skip(&scope.join("(rest of archive)"), reason);
            break;
        }
        match zip::read::read_zipfile_from_stream(&mut r) {
            Ok(Some(mut file)) => {
                let (size, left) = (file.compressed_size(), len.saturating_sub(pos.get()));
                if size > left && !file.is_dir() {
                    // The zip is cut inside this entry: say so, as a tar does.
                    let mut cut = Cut {
                        file,
                        why: format!(
                            "the archive ends inside this entry: {} of its {size} compressed \
                             bytes are missing",
                            size - left
                        ),
                    };
                    zip_cut_entry(i, &mut cut, limits, bundle, scope);
                } else {
                    zip_entry(i, &mut file, false, limits, bundle, scope)
                }
            }
            Ok(None) if i == 0 => return Err(lost),
            Ok(None) => break,
            Err(_) if i == 0 => return Err(lost),
            Err(e) => {
                let reason = format!("zip unreadable after entry {i}: {e}");
                bundle.skip(&scope.join("(rest of archive)"), reason);
                break;
            }
        }
    }
    bundle.skip(&scope.join("(zip central directory)"), why);
    Ok(())
}

/// A reader that counts the bytes read through it.
struct Counted<R> {
    inner: R,
    pos: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pos.set(self.pos.get() + n as u64);
        Ok(n)
    }
}

/// A zip entry that the end of the archive cuts: its read ends in an
/// error that says so (the decompressor's own would say only that its
/// stream is incomplete, and a stored entry would pass for whole).
struct Cut<'a, R: Read> {
    file: zip::read::ZipFile<'a, R>,
    why: String,
}

impl<R: Read> Read for Cut<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.file.read(buf) {
            Ok(0) if !buf.is_empty() => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                self.why.clone(),
            )),
            Ok(n) => Ok(n),
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                self.why.clone(),
            )),
        }
    }
}

/// [`zip_entry`] for an entry the archive's end cuts.
fn zip_cut_entry<R: Read>(
    i: usize,
    cut: &mut Cut<'_, R>,
    limits: &Limits,
    bundle: &mut Bundle,
    scope: &Scope,
) {
    let Some(member) = zip_member(i, &cut.file, bundle, scope) else {
        return;
    };
    bundle.take(limits, &member, cut);
}

/// The number of entries the zip's end-of-central-directory record
/// declares (`None` when it is not found, or is a zip64 one).
fn declared_entries(r: &mut (impl Read + Seek)) -> Option<usize> {
    use std::io::SeekFrom;
    let len = r.seek(SeekFrom::End(0)).ok()?;
    let tail = len.min(22 + 65535);
    r.seek(SeekFrom::Start(len - tail)).ok()?;
    let mut buf = Vec::with_capacity(tail as usize);
    r.by_ref().take(tail).read_to_end(&mut buf).ok()?;
    r.seek(SeekFrom::Start(0)).ok()?;
    let at = buf.windows(4).rposition(|w| w == b"PK\x05\x06")?;
    let n = buf.get(at + 10..at + 12)?;
    let n = u16::from_le_bytes([n[0], n[1]]);
    (n != u16::MAX).then_some(n as usize)
}

/// Hands one zip entry to the bundle; `bzip2` when `file` is the raw
/// data of a bzip2 entry, decompressed here (its CRC is not checked).
fn zip_entry<R: Read>(
    i: usize,
    file: &mut zip::read::ZipFile<'_, R>,
    bzip2: bool,
    limits: &Limits,
    bundle: &mut Bundle,
    scope: &Scope,
) {
    let Some(member) = zip_member(i, file, bundle, scope) else {
        return;
    };
    if bzip2 {
        bundle.take(limits, &member, &mut bzip2::read::BzDecoder::new(file));
    } else {
        bundle.take(limits, &member, file);
    }
}

/// The member a zip entry is, or `None` when it is a folder, or is
/// refused (listed as skipped with why).
fn zip_member<'s, R: Read>(
    i: usize,
    file: &zip::read::ZipFile<'_, R>,
    bundle: &mut Bundle,
    scope: &'s Scope,
) -> Option<Member<'s>> {
    if file.is_dir() {
        return None;
    }
    let raw = file.name().to_string();
    let name = match safe_name(&raw) {
        Ok(n) => scope.join(&n),
        Err(reason) => {
            bundle.skip(&scope.join(&raw), reason);
            return None;
        }
    };
    if file.is_symlink() {
        bundle.skip(&name, "link, not followed".into());
        return None;
    }
    let mtime = file.last_modified().and_then(|dt| {
        jiff::civil::date(dt.year() as i16, dt.month() as i8, dt.day() as i8)
            .at(dt.hour() as i8, dt.minute() as i8, dt.second() as i8, 0)
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    });
    let member = Member {
        scope,
        name,
        at: format!("zip entry {i}"),
        mtime,
        size: Some(file.size()),
    };
    Some(member)
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn names_that_leave_the_archive_are_refused() {
        assert_eq!(safe_name("./a/b.log").unwrap(), "a/b.log");
        assert!(safe_name("../etc/passwd").is_err());
        assert!(safe_name("a/../../x").is_err());
        assert!(safe_name("/etc/passwd").is_err());
        assert!(safe_name("C:/x").is_err());
        assert!(safe_name("./").is_err());
        assert!(safe_name("").is_err());
    }
}
