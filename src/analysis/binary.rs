//! Whether a file is text: the binary test (bytes outside NUL runs judged
//! by the control characters logs do not carry, and the magic numbers of
//! binaries that can pass for text) and the containers the bundle reader
//! could not open.
//!
//! # Limitations
//! - The verdict rests on the first 64 KiB outside NUL runs and a 1%
//!   cutoff: a text file whose binary part starts later is read as text.

/// Why a file that is itself a container or another encoding is not read.
/// The bundle reader opens archives and compressed files; what reaches
/// here is one it could not open (cut inside its first bytes, or nested
/// inside another compressed stream).
pub(super) fn unread_container(head: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| head.starts_with(magic);
    Some(if starts(b"PK\x03\x04") {
        "zip data that could not be opened as an archive"
    } else if starts(&[0x1f, 0x8b])
        || starts(&[0xfd, b'7', b'z', b'X', b'Z', 0])
        || starts(&[0x28, 0xb5, 0x2f, 0xfd])
        || (starts(b"BZh") && head.get(3).is_some_and(|d| d.is_ascii_digit()))
    {
        "compressed data that could not be decompressed"
    } else if head.len() > 262 && &head[257..262] == b"ustar" {
        "tar data that could not be opened as an archive"
    } else if starts(&[0xff, 0xfe]) || starts(&[0xfe, 0xff]) {
        "UTF-16 text; only UTF-8 (and ASCII) is read"
    } else {
        return None;
    })
}

/// Why a file's `data` is not read as text, as `analyze` tells it: a
/// container it could not open, another encoding, or binary content. An
/// empty file is text without lines.
pub(crate) fn why_not_text(data: &[u8]) -> Option<String> {
    if data.is_empty() {
        return None;
    }
    let head = &data[..data.len().min(64 * 1024)];
    match unread_container(head) {
        Some(why) => Some(why.to_string()),
        None => Bytes::scan(data, false).binary(),
    }
}

/// Whether `data` is not text; reads no further than the verdict needs
/// (the NUL count of a whole text file is for [`Bytes::note`] only).
pub(super) fn looks_binary(data: &[u8]) -> bool {
    Bytes::scan(data, false).binary().is_some()
}

/// NUL runs at least this long are space, not content: the tail of a
/// preallocated file, or a stretch a crash left zero-filled. The binary
/// test leaves them out; shorter ones count against the file.
const NUL_RUN: usize = 16;

/// How many bytes outside NUL runs the binary test judges, from the start.
const JUDGED: usize = 64 * 1024;

/// What the binary test saw of a file: its NUL bytes, and the first
/// [`JUDGED`] bytes outside NUL runs with how many of them text does not
/// hold.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Bytes {
    /// NUL bytes in the whole file.
    nul: u64,
    /// Runs of at least [`NUL_RUN`] NUL bytes.
    runs: u64,
    /// NUL bytes in those runs.
    run_bytes: u64,
    /// Where the first such run starts.
    first_run: Option<usize>,
    /// What the file's first bytes say it is, when they name a binary
    /// format whose content can be mostly text (a database of messages).
    magic: Option<&'static str>,
    /// Bytes judged: outside NUL runs, from the start of the file.
    judged: usize,
    /// Of them, bytes that text does not hold: NUL bytes in short runs
    /// and control characters other than the few logs carry.
    odd: usize,
}

impl Bytes {
    /// Scans `data`. A file judged binary is not scanned past [`JUDGED`]
    /// bytes; a text file is scanned whole, to count its NUL bytes.
    pub(super) fn of(data: &[u8]) -> Bytes {
        Bytes::scan(data, true)
    }

    /// [`Bytes::of`], going past the judged bytes of a text file only
    /// when `whole` (to count its NUL bytes).
    fn scan(data: &[u8], whole: bool) -> Bytes {
        let mut b = Bytes {
            magic: binary_magic(data),
            ..Bytes::default()
        };
        if b.magic.is_some() {
            return b;
        }
        let mut at = 0;
        while at < data.len() {
            // Without `whole`, nothing past the judged share is looked at.
            let limit = match whole {
                true => data.len(),
                false => (at + JUDGED.saturating_sub(b.judged)).min(data.len()),
            };
            let nul = memchr::memchr(0, &data[at..limit]).map_or(limit, |i| at + i);
            b.judge(&data[at..nul], false);
            if b.judged >= JUDGED && (b.is_binary() || !whole) {
                break;
            }
            let end = data[nul..]
                .iter()
                .position(|&c| c != 0)
                .map_or(data.len(), |i| nul + i);
            let len = end - nul;
            b.nul += len as u64;
            if len >= NUL_RUN {
                b.runs += 1;
                b.run_bytes += len as u64;
                b.first_run.get_or_insert(nul);
            } else {
                b.judge(&data[nul..end], true);
            }
            at = end;
        }
        b
    }

    /// Adds what is left of the judged share of `bytes`.
    fn judge(&mut self, bytes: &[u8], nul: bool) {
        let take = &bytes[..bytes.len().min(JUDGED - self.judged.min(JUDGED))];
        self.judged += take.len();
        self.odd += if nul {
            take.len()
        } else {
            take.iter().filter(|&&c| odd_control(c)).count()
        };
    }

    /// More than one judged byte in a hundred is not text.
    fn is_binary(&self) -> bool {
        self.odd * 100 > self.judged
    }

    /// Why the file is not read as text, if it is not.
    pub(super) fn binary(&self) -> Option<String> {
        if let Some(what) = self.magic {
            Some(format!("binary content ({what}), not text"))
        } else if self.judged == 0 {
            Some(format!("only NUL bytes ({} of them), no text", self.nul))
        } else if self.is_binary() {
            Some("binary content, not text".into())
        } else {
            None
        }
    }

    /// What the inventory says of a text file that holds NUL bytes.
    pub(super) fn note(&self) -> Option<String> {
        if self.nul == 0 || self.binary().is_some() {
            return None;
        }
        let runs = match (self.runs, self.first_run) {
            (0, _) | (_, None) => String::new(),
            (n, Some(at)) => format!(
                ", {} in {n} run{} of {NUL_RUN} or more from byte {at} (space preallocated, \
                 or zero-filled by a crash)",
                if self.run_bytes == self.nul {
                    "all".to_string()
                } else {
                    format!("{} of them", self.run_bytes)
                },
                if n == 1 { "" } else { "s" },
            ),
        };
        Some(format!("holds {} NUL bytes{runs}; read as text", self.nul))
    }
}

/// The binary format `data` starts with, among those whose content can
/// pass for text by its bytes alone.
fn binary_magic(data: &[u8]) -> Option<&'static str> {
    [
        (&b"SQLite format 3\0"[..], "an SQLite database"),
        (b"\x7fELF", "an ELF executable or library"),
        (b"%PDF-", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
    ]
    .into_iter()
    .find(|(magic, _)| data.starts_with(magic))
    .map(|(_, what)| what)
}

/// A control character that text, logs included, does not hold. Tab,
/// line ends, form feed, escape (colours), bell, backspace, SOH (the FIX
/// protocol's separator) and the record and unit separators (JSON text
/// sequences) are text; the rest of C0 and DEL are not.
fn odd_control(c: u8) -> bool {
    matches!(c, 2..=6 | 14..=26 | 28..=29 | 127)
}
