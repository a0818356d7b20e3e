//! Log records: format detection, framing of multi-line records, and the
//! split of each record into header fields and message.
//!
//! A file's format is chosen from its content: every known format reads
//! the first lines, and the one that reads the most wins (ties go to the
//! more specific format, listed first). The winner and its margin over the
//! runner-up are kept for `--debug` and the inventory. Framing then reads
//! every line: a line the format reads starts a record; any other line
//! continues the record before it (stack traces, a statement over several
//! lines), and a line before the first record is counted as unparsed. A
//! runtime's own crash report (a Go panic, the JVM's uncaught exception)
//! begins a record of its own, and a runtime's dump stays one record
//! where no header marks records (`plain`, or between JSON lines); see
//! `multiline.rs`.
//!
//! # Limitations
//! - One format per file: a file that mixes formats is read with the one
//!   that reads most of its first lines.
//! - A JSON value spread over several lines is read as one record only
//!   when it opens with `{` alone on its line in a JSON log (as
//!   `JSON.stringify(x, null, 2)` and `jq .` print it) and closes within
//!   2,000 lines; otherwise its lines are continuation text of the record
//!   before. Detection counts such a value's lines as read when it closes
//!   within the lines sampled (200), so a file of such values alone is a
//!   JSON log if its values are shorter than that.
//!   A top-level array printed so (`[` alone, as `jq .` prints one) is not
//!   gathered.
//! - A runtime's dump is one record however long it is (see
//!   `multiline.rs`), so a goroutine dump of thousands of goroutines is
//!   cut at the 64 KiB message bound, and the file is marked partial.
//! - `analyze` and `timeline` detect a file's format on the whole lines
//!   of its first 64 KiB, or on its first line alone where that is longer
//!   (a JSON log of large payloads), read up to 1 MiB: a file whose first
//!   line is longer than that gets no format and is reported as unread.
//! - dmesg's seconds since boot get no time here; the analysis puts them
//!   on the wall clock once the bundle's boot time is known
//!   (`crate::time::boot`).
//! - [`frame`] copies every record out of the file ([`Record`]), so its
//!   result grows with the input (about 3x a file's size); the streaming
//!   [`frame_visit`] hands borrowed [`RecordRef`]s to a callback and keeps
//!   none, for a memory of the mapped pages and a constant. `analyze` and
//!   `timeline` still use [`frame`], which costs about 2.5 times the CPU
//!   time of framing alone (one thread, the 8 bench files: 3.25 to 3.42 s
//!   a pass against 1.23 to 1.34; `INGEST_OWNED=1` in `benches/ingest.rs`): a
//!   quarter of it `malloc` and `free` of the owned texts, a seventh page
//!   faults of their fresh memory, peak RSS 1.3 GB.
//! - Detect + frame + timestamp (`benches/ingest_vs_rg_lnav.sh`, 1,068
//!   MB, 2 threads): 1,311 to 1,473 MB/s in the quietest runs before the
//!   records were built in place (0.20 to 0.22 of `rg -c ''` in the same
//!   run); after, at load 5 to 6 (no quiet minute came), 403 to 646 MB/s
//!   against rg's 1,287 to 1,943 (0.22 to 0.35, swinging from run to
//!   run). In CPU time, which the load distorts less: 1.26 to 1.33 s a
//!   pass on one thread (1.51 to 1.62 before, in the same minutes)
//!   against `rg -j1 -c ''`'s 0.38 to 0.42: 0.29 to 0.32 of rg, so issue
//!   3's "within 2x of rg" (0.5) is not met.
//!   Per CPU second: about 540 MB/s (pino JSON) to 1,500 (Postgres,
//!   HDFS); see benches/README.md for where the time goes.
//! - [`messages`], the header split that `signatures` mines, costs some
//!   56 M instructions whatever the file (the built-in regexes compiled
//!   for detection, 47 M of it), then a line of raw Loghub logs (the
//!   first 200k lines, one thread): about 380 on HDFS, 580 on BGL, 345
//!   on Spark and 555 on OpenSSH (callgrind, `SIG_BENCH_SPLIT=1` in
//!   `benches/signatures.rs`, one run minus none). Cutting the lines
//!   (`LineRanges`, SSE2, 64 bytes at a time) took about 145 of HDFS's
//!   before its `next` was inlined.
//! - The hand-written readers (`fast.rs`, `structured.rs`) cover `hdfs`,
//!   `bgl`, `spark`, `syslog-rfc3164`, `nginx-combined`, `postgres-stderr`
//!   and `json`; every other format, a user's format and any line those
//!   readers are not sure of go through the regex (70 to 150 MB/s a
//!   thread).

mod builtin;
mod chunk;
#[cfg(test)]
pub(crate) mod corpus;
mod fast;
mod format;
mod frame;
mod json_fast;
mod multiline;
mod structured;
mod trouble;

pub use format::{Fields, Format, FormatDef, FormatError, SampleDef};
pub use frame::{frame, frame_visit, LogFile, Record, RecordRef, CHUNK_BYTES};
pub use trouble::infer_severity;

use std::borrow::Cow;
use std::path::Path;

/// How many leading lines detection reads.
const DETECT_LINES: usize = 200;

/// The formats in play: the built-in ones and any the user defined.
pub struct Registry {
    formats: Vec<Format>,
}

/// The outcome of detection for one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Detection {
    /// Index into [`Registry::formats`].
    #[serde(skip)]
    pub index: usize,
    pub format: String,
    /// Lines of the sample the winner read.
    pub score: usize,
    /// Lines the runner-up read.
    pub runner_up: Option<(String, usize)>,
    /// Non-empty lines sampled.
    pub sampled: usize,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::with_compiled(Vec::new())
    }
}

impl Registry {
    /// The built-in formats after the user's own (which win ties),
    /// each of those compiled and checked against its samples.
    pub fn with_user_formats(user: Vec<FormatDef>) -> Result<Registry, FormatError> {
        let user = user
            .into_iter()
            .map(Format::compile_user)
            .collect::<Result<_, _>>()?;
        Ok(Registry::with_compiled(user))
    }

    /// The built-in formats after the user's own, already compiled
    /// ([`Format::compile_user`]). The built-in regexes are compiled in
    /// parallel: one after another they take about 20 ms, a tenth of
    /// mining a million lines.
    pub fn with_compiled(user: Vec<Format>) -> Registry {
        use rayon::prelude::*;
        let builtins: Vec<Format> = (builtin::BUILTIN.par_iter())
            .map(|b| Format::compile_builtin(FormatDef::from(b)).expect("built-in formats compile"))
            .collect();
        Registry {
            formats: user.into_iter().chain(builtins).collect(),
        }
    }

    /// The built-in formats alone, compiled once in the process and
    /// shared by every caller after: what [`messages`] detects with, so
    /// that mining one text after another (a batch) compiles them once.
    pub fn builtin() -> &'static Registry {
        static BUILTIN: std::sync::LazyLock<Registry> = std::sync::LazyLock::new(Registry::default);
        &BUILTIN
    }

    pub fn formats(&self) -> &[Format] {
        &self.formats
    }

    pub fn get(&self, index: usize) -> &Format {
        &self.formats[index]
    }

    /// Picks the format that reads most of the first lines of `text`.
    /// `None` when no format reads at least one line in ten.
    pub fn detect(&self, text: &str) -> Option<Detection> {
        let lines: Vec<&str> = frame::lines(text)
            .map(|(_, l)| l)
            .filter(|l| !l.trim().is_empty())
            .take(DETECT_LINES)
            .collect();
        if lines.is_empty() {
            return None;
        }
        let mut scores: Vec<(usize, usize)> = self
            .formats
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.is_fallback())
            .map(|(i, f)| {
                let read = lines.iter().filter(|l| f.parse(l).is_some()).count();
                // Values printed over several lines are read whole.
                let gathered = match f.reads_json() {
                    true => chunk::gathered_json_lines(f, &lines),
                    false => 0,
                };
                (i, read + gathered)
            })
            .collect();
        // Stable sort keeps the table order among equal scores.
        scores.sort_by_key(|s| std::cmp::Reverse(s.1));
        let (index, score) = scores[0];
        // Indented lines continue a record (a statement's body, a stack
        // trace): a Postgres log whose first lines are one long statement
        // is still a Postgres log. A format must read a tenth of the rest.
        let heads = heads(&lines);
        if score == 0 || score * 10 < heads.len() {
            return self.fallback(&lines, &heads);
        }
        let runner_up = scores
            .get(1)
            .filter(|(_, s)| *s > 0)
            .map(|&(i, s)| (self.formats[i].name().to_string(), s));
        Some(Detection {
            index,
            format: self.formats[index].name().to_string(),
            score,
            runner_up,
            sampled: lines.len(),
        })
    }
}

/// Lines of a sample that could begin a record: not indented, and not
/// the other lines of a runtime's dump (a goroutine dump's function lines
/// and registers, a traceback's final line; see `multiline.rs`).
fn heads<'s>(lines: &[&'s str]) -> Vec<&'s str> {
    let mut prev: Option<&str> = None;
    let mut heads = Vec::new();
    for &l in lines {
        let continues = multiline::always_continues(l)
            || prev.is_some_and(|p| multiline::continues_after(p, l));
        if !continues {
            heads.push(l);
        }
        prev = Some(l);
    }
    heads
}

impl Registry {
    /// The last-resort reader, for text that only a human wrote or pasted
    /// and for runtimes' own output: chosen when most lines that could
    /// begin a record (`heads`: a goroutine dump's hex and registers do
    /// not) are short words, not data.
    fn fallback(&self, lines: &[&str], heads: &[&str]) -> Option<Detection> {
        let index = self.formats.iter().position(|f| f.is_fallback())?;
        let texty = heads
            .iter()
            .filter(|l| {
                l.len() < 2000 && l.chars().filter(|c| c.is_alphabetic()).count() * 2 > l.len()
            })
            .count();
        (texty * 2 > heads.len()).then(|| Detection {
            index,
            format: self.formats[index].name().to_string(),
            score: texty,
            runner_up: None,
            sampled: lines.len(),
        })
    }
}

/// A log file opened for its messages ([`messages`]): what template
/// mining is scored on.
pub struct MessageFile {
    entry: crate::bundle::Entry,
}

impl MessageFile {
    /// Opens `path` as `analyze` opens a bundle, so a compressed file
    /// (gzip, xz, zstd, bzip2) is decompressed within `limits`;
    /// an archive or folder of several files is refused, as is what
    /// `analyze` would not read as text (binary content, another
    /// encoding); runs of NUL bytes are no reason to refuse a log.
    pub fn open(path: &Path, limits: &crate::bundle::Limits) -> std::io::Result<MessageFile> {
        use crate::bundle::{self, OpenError};
        let bad = |msg: String| std::io::Error::new(std::io::ErrorKind::InvalidData, msg);
        let mut opened = bundle::open(path, limits).map_err(|e| match e {
            OpenError::Io { source, .. } => source,
            e => bad(e.to_string()),
        })?;
        let entry = match (opened.entries.len(), opened.skipped.as_slice()) {
            (1, []) => opened.entries.pop().expect("one entry"),
            (0, [s]) => return Err(bad(format!("not read: {}", s.reason))),
            (entries, skipped) => {
                let n = entries + skipped.len();
                let msg = format!("an archive or folder of {n} files; give one log file");
                return Err(bad(msg));
            }
        };
        if let Some(why) = crate::analysis::why_not_text(&entry.data) {
            return Err(bad(why));
        }
        Ok(MessageFile { entry })
    }

    /// Why the file was read only in part, if it was.
    pub fn truncated(&self) -> Option<&str> {
        self.entry.truncated.as_deref()
    }

    /// The file's text, bytes that are not UTF-8 replaced by U+FFFD.
    /// Valid text is borrowed after one SIMD check (`from_utf8_lossy`
    /// alone walks it in chunks at a tenth of the speed: a tenth of a
    /// million raw BGL lines' CPU).
    pub fn text(&self) -> Cow<'_, str> {
        match simdutf8::basic::from_utf8(&self.entry.data) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(&self.entry.data),
        }
    }
}

/// For every physical line of `text`, its 1-based number and its message:
/// the header cut off by the format detected on the first lines (among
/// [`Registry::builtin`], compiled at the first call), or the
/// whole line where that format does not read it; cut at 64 KiB as in
/// `analyze`. Lines are read in parallel (rayon), in order whatever the
/// thread count; a message borrows from `text` unless the format composes
/// it (an access log's).
pub fn messages<'t>(text: &'t str) -> Messages<'t> {
    use fast::Start;
    let registry = Registry::builtin();
    let format = registry.detect(text).map(|d| registry.get(d.index));
    let Some(f) = format else {
        return read_lines(text, Cow::Borrowed);
    };
    // One loop for each format whose message start the fast reader finds,
    // the finder inlined in it (see `fast::Start`).
    macro_rules! from {
        ($start:expr) => {
            read_lines(text, |line| {
                f.message_from($start, line).unwrap_or(Cow::Borrowed(line))
            })
        };
    }
    match f.start() {
        Some(Start::Hdfs) => from!(Start::Hdfs),
        Some(Start::Bgl) => from!(Start::Bgl),
        Some(Start::Spark) => from!(Start::Spark),
        Some(Start::Syslog) => from!(Start::Syslog),
        None => read_lines(text, |line| f.message(line).unwrap_or(Cow::Borrowed(line))),
    }
}

/// [`messages`] with `read` giving each line's message, before the cut at
/// 64 KiB.
fn read_lines<'t, R>(text: &'t str, read: R) -> Messages<'t>
where
    R: Fn(&'t str) -> Cow<'t, str> + Sync,
{
    use rayon::prelude::*;
    // Pieces of about MESSAGE_PIECE bytes cut after a separator, each cut
    // into lines and read on its own. A piece counts its empty lines, as
    // the whole text's lines would, so that numbers are made whole-file by
    // adding the lines of the pieces before.
    let whole = chunk::LineRanges::new(text.as_bytes(), None);
    let (from, sep) = (whole.from(), whole.sep());
    let mut cuts = vec![from];
    while let Some(&at) = cuts.last().filter(|&&at| at < text.len()) {
        let end = (at + MESSAGE_PIECE).min(text.len());
        let next = memchr::memchr(sep, &text.as_bytes()[end..]).map_or(text.len(), |i| end + i + 1);
        cuts.push(next);
    }
    if cuts.len() <= 2 {
        // A text of one piece (or none): its own lines, BOM and all.
        let mut texts = Vec::with_capacity(count_lines(text.as_bytes(), sep));
        let piece = read_piece(&read, whole, text, texts.spare_capacity_mut());
        // SAFETY: `read_piece` wrote the first `written` slots.
        unsafe { texts.set_len(piece.written) };
        return Messages {
            texts,
            runs: piece.runs,
            owned: piece.owned,
        };
    }
    // Each piece writes its messages straight into its own stretch of one
    // vector, as long as the piece's lines (a piece's lines found once
    // more by a count of its separators): a vector a piece, copied into
    // one after, was twice the memory, all of it new pages.
    let counts: Vec<usize> = cuts
        .par_windows(2)
        .map(|w| count_lines(&text.as_bytes()[w[0]..w[1]], sep))
        .collect();
    let mut texts: Vec<&str> = Vec::with_capacity(counts.iter().sum());
    let mut stretches = Vec::with_capacity(counts.len());
    let mut rest = &mut texts.spare_capacity_mut()[..];
    for &c in &counts {
        let (stretch, after) = rest.split_at_mut(c);
        stretches.push(stretch);
        rest = after;
    }
    let pieces: Vec<(u64, Piece)> = (cuts.par_windows(2).zip(stretches))
        .map(|(w, out)| {
            let piece = &text[w[0]..w[1]];
            let mut lines = chunk::LineRanges::new(piece.as_bytes(), Some(sep));
            let read = read_piece(&read, lines.by_ref(), piece, out);
            (lines.numbered(), read)
        })
        .collect();
    // The pieces' messages made one run, the slots their empty lines left
    // unwritten taken out.
    let mut all = Messages {
        texts: vec![],
        runs: Vec::new(),
        owned: Vec::new(),
    };
    let (mut at, mut stretch, mut before) = (0, 0, 0);
    let slots = texts.spare_capacity_mut();
    for ((numbered, piece), count) in pieces.into_iter().zip(counts) {
        slots.copy_within(stretch..stretch + piece.written, at);
        all.runs
            .extend(piece.runs.into_iter().map(|(i, n)| (at + i, before + n)));
        all.owned
            .extend(piece.owned.into_iter().map(|(i, m)| (at + i, m)));
        before += numbered;
        at += piece.written;
        stretch += count;
    }
    // SAFETY: slots `..at` hold the messages of every piece, each written
    // by `read_piece` and moved down over the unwritten slots before it.
    unsafe { texts.set_len(at) };
    all.texts = texts;
    all
}

/// How many lines `bytes`, cut at `sep`, holds at most: its separators and
/// one. Counted in bytes a block of 255 at a time, without a branch, which
/// the compiler turns into vector compares and adds; `memchr_iter(..)
/// .count()`, which visits each separator, made the header split of a
/// million OpenSSH or BGL lines 2 ms slower (23 -> 25, 31 -> 33 ms).
fn count_lines(bytes: &[u8], sep: u8) -> usize {
    let mut n = 1;
    for block in bytes.chunks(255) {
        n += block.iter().fold(0u8, |n, &b| n + (b == sep) as u8) as usize;
    }
    n
}

/// The messages of the lines of one piece of text, in order: each line's
/// message by `read`, cut at 64 KiB, written into the first slots of
/// `out` (which has a slot for each line, empty ones too).
#[inline(always)]
fn read_piece<'t>(
    read: &impl Fn(&'t str) -> Cow<'t, str>,
    lines: impl Iterator<Item = (u64, usize, usize)>,
    piece: &'t str,
    out: &mut [std::mem::MaybeUninit<&'t str>],
) -> Piece {
    let mut read_lines = Piece::default();
    // The number the line after the last one read would have.
    let mut next = 0;
    for (n, a, b) in lines.filter(|&(_, a, b)| b > a) {
        if n != next {
            read_lines.runs.push((read_lines.written, n));
        }
        next = n + 1;
        let mut msg = read(&piece[a..b]);
        frame::cut_message(&mut msg);
        let slot = &mut out[read_lines.written];
        match msg {
            Cow::Borrowed(m) => {
                slot.write(m);
            }
            Cow::Owned(m) => {
                read_lines.owned.push((read_lines.written, m));
                slot.write("");
            }
        }
        read_lines.written += 1;
    }
    read_lines
}

/// The messages of a text (see [`messages`]), 16 bytes a message beside
/// the text: one vector of messages that [`Messages::texts`] lends whole
/// to mining, and the line numbers as runs of consecutive lines (one run
/// a piece of text where no line is empty).
pub struct Messages<'a> {
    /// Every message in order; empty where the format composed it.
    texts: Vec<&'a str>,
    /// Runs of messages on consecutive lines: `(i, n)` says that message
    /// `i` is on line `n` (1-based, in the whole text), and each message
    /// after it up to the next run on the line after the one before.
    runs: Vec<(usize, u64)>,
    /// The composed messages, by index, in order.
    owned: Vec<(usize, String)>,
}

/// What one piece of text read beside its messages: how many it wrote, and
/// as [`Messages`], indices and line numbers within the piece.
#[derive(Default)]
struct Piece {
    written: usize,
    runs: Vec<(usize, u64)>,
    owned: Vec<(usize, String)>,
}

impl<'a> Messages<'a> {
    /// Number of messages.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// Whether no line held a message.
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// Every message, in order: borrowed whole unless a format composed
    /// some (then a copy of the list, not of the texts).
    pub fn texts(&self) -> Cow<'_, [&str]> {
        if self.owned.is_empty() {
            return Cow::Borrowed(&self.texts);
        }
        let mut texts = self.texts.clone();
        for (i, m) in &self.owned {
            texts[*i] = m;
        }
        Cow::Owned(texts)
    }

    /// Each message with its 1-based line number in the text, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &str)> + '_ {
        let mut owned = self.owned.iter().peekable();
        let ends = (self.runs.iter().skip(1).map(|r| r.0)).chain([self.texts.len()]);
        (self.runs.iter().zip(ends))
            .flat_map(|(&(start, line), end)| {
                (start..end).map(move |i| (i, line + (i - start) as u64))
            })
            .map(move |(i, line)| {
                let text = match owned.next_if(|(j, _)| *j == i) {
                    Some((_, m)) => m.as_str(),
                    None => self.texts[i],
                };
                (line, text)
            })
    }
}

/// Bytes of text [`messages`] reads as one piece of parallel work.
const MESSAGE_PIECE: usize = 1 << 20;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{TimeCtx, TimeParser};

    /// [`messages`] read whole, one line after another.
    fn messages_serial(text: &str) -> Vec<(u64, String)> {
        let registry = Registry::default();
        let format = registry.detect(text).map(|d| registry.get(d.index));
        frame::lines(text)
            .map(|(n, line)| {
                let mut msg = format
                    .and_then(|f| f.parse(line))
                    .map_or(Cow::Borrowed(line), |f| f.msg);
                frame::cut_message(&mut msg);
                (n, msg.into_owned())
            })
            .collect()
    }

    /// The message-only readers and the composed messages kept apart give
    /// what each format's whole reader gives, line for line, on real logs
    /// of the formats that have a fast reader (an access log's messages
    /// are composed, a pino line's read by the JSON scanner); and
    /// [`Messages::texts`] lends the same messages as [`Messages::iter`].
    #[test]
    fn messages_read_as_the_formats_parse() {
        let bundle = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/sample-bundle/sb_shop-demo-01_20261204_162345/logs");
        let mut files = vec![
            (bundle.join("nginx/access.log"), "nginx-combined"),
            (bundle.join("app/api-1.log"), "json"),
            (bundle.join("postgresql/postgresql.log"), "postgres-stderr"),
        ];
        let loghub = corpus::shared().join("data/loghub2k");
        for (system, format) in [
            ("BGL", "bgl"),
            ("OpenSSH", "syslog-rfc3164"),
            ("Spark", "spark"),
        ] {
            let path = loghub.join(format!("{system}/{system}_2k.log"));
            if path.exists() {
                files.push((path, format));
            }
        }
        let registry = Registry::default();
        for (path, name) in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let detected = registry.detect(&text).map(|d| registry.get(d.index).name());
            assert_eq!(detected, Some(name), "{}", path.display());
            assert!(fast::readers(name).is_some(), "{name}");
            let got = messages(&text);
            let listed: Vec<(u64, String)> = got.iter().map(|(n, m)| (n, m.to_string())).collect();
            let want = messages_serial(&text);
            assert!(want.len() > 100, "{}: {}", path.display(), want.len());
            assert_eq!(listed, want, "{}", path.display());
            let texts: Vec<&str> = got.iter().map(|(_, m)| m).collect();
            assert_eq!(got.texts().as_ref(), texts.as_slice(), "{}", path.display());
            // Access log messages are composed, not borrowed.
            if name == "nginx-combined" {
                assert_eq!(got.owned.len(), got.len());
            }
        }
        // Every built-in format with a fast reader has a message-only one.
        for f in registry.formats() {
            assert_eq!(
                f.fast().is_some(),
                fast::readers(f.name()).is_some(),
                "{}",
                f.name()
            );
        }
    }

    /// Texts of several pieces give the line numbers and messages of the
    /// whole text read line by line: a BOM, CRLF endings, runs of empty
    /// lines across piece cuts, lines the format does not read, a line
    /// over 64 KiB, carriage returns alone; and no trailing line feed.
    #[test]
    fn messages_in_pieces_are_the_whole_texts() {
        let shared = corpus::shared().join("data/loghub2k/HDFS/HDFS_2k.log");
        let Ok(hdfs) = std::fs::read_to_string(&shared) else {
            eprintln!("skipped: {} not found", shared.display());
            return;
        };
        let mut text = String::from("\u{feff}");
        let mut i = 0;
        while text.len() < 3 * MESSAGE_PIECE {
            for (j, line) in hdfs.lines().enumerate() {
                text.push_str(line);
                text.push_str(match (i + j) % 7 {
                    0 => "\r\n",
                    1 => "\n\n\n",
                    _ => "\n",
                });
            }
            text.push_str("not a header at all\n");
            text.push_str(&"x".repeat(70_000));
            text.push('\n');
            i += 1;
        }
        text.push_str("081109 203615 148 INFO dfs.DataNode$PacketResponder: last");
        let want = messages_serial(&text);
        let got: Vec<(u64, String)> = (messages(&text).iter())
            .map(|(n, m)| (n, m.to_string()))
            .collect();
        assert!(got.len() > 10_000, "{}", got.len());
        assert_eq!(got.len(), want.len());
        assert_eq!(got, want);
        assert_eq!(
            got[0].1,
            "PacketResponder 1 for block blk_38865049064139660 terminating"
        );
        assert_eq!(got.last().unwrap().1, "last");
        assert_eq!(got[1].0, 2);
        // Carriage returns alone separate the lines of a file without a
        // line feed.
        let cr = text.replace("\r\n", "\r").replace('\n', "\r");
        let got: Vec<(u64, String)> = (messages(&cr).iter())
            .map(|(n, m)| (n, m.to_string()))
            .collect();
        assert_eq!(got, messages_serial(&cr));
        assert_eq!(got.len(), want.len());
        // Texts without a line that holds a byte give no message.
        for empty in ["", "\n", "\r", "\u{feff}", "\u{feff}\n", "\r\n\r\n"] {
            assert!(messages(empty).is_empty(), "{empty:?}");
        }
        let m = messages("\n\na");
        assert_eq!(m.iter().collect::<Vec<_>>(), vec![(3, "a")]);
        assert_eq!(m.len(), 1);
    }

    /// Every built-in sample is read by its own format, yields the fields
    /// it promises, and is detected as that format on its own.
    /// QA: one statement over 199 indented lines after its header made
    /// the file unreadable (no format read a tenth of its lines).
    #[test]
    fn a_long_statement_at_the_start_does_not_hide_the_format() {
        let mut text =
            "2026-12-04 00:00:00.000 UTC [1000] LOG:  duration: 0.000 ms  statement: SELECT *\n"
                .to_string();
        for i in 0..199 {
            text.push_str(&format!("    FROM items_{i}\n"));
        }
        let d = Registry::default().detect(&text).expect("detected");
        assert_eq!(d.format, "postgres-stderr");
    }

    /// QA: a SIGQUIT goroutine dump alone (no log line before it) was
    /// no known format: its hex arguments, file lines and registers are not
    /// words. Only the lines that could begin a record are weighed, and
    /// the dump is one record.
    #[test]
    fn a_goroutine_dump_alone_is_one_plain_record() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/traces/go-dump.log");
        let text = std::fs::read_to_string(path).unwrap();
        let dump = text.split_once('\n').unwrap().1;
        let reg = Registry::default();
        let d = reg.detect(dump).expect("detected");
        assert_eq!((d.format.as_str(), d.score), ("plain", 1));
        let log = frame(reg.get(d.index), dump.as_bytes(), &TimeCtx::default());
        assert_eq!(log.records.len(), 1);
        assert_eq!(log.records[0].head(), "SIGQUIT: quit");
        // Every non-blank line of the dump.
        let non_blank = dump.lines().filter(|l| !l.is_empty()).count();
        assert_eq!(
            (log.records[0].lines as usize, log.unparsed),
            (non_blank, 0)
        );
    }

    #[test]
    fn builtin_samples_yield_their_fields() {
        let reg = Registry::default();
        let ctx = TimeCtx {
            reference: Some("2026-12-20T00:00:00Z".parse().unwrap()),
            ..TimeCtx::default()
        };
        let mut checked = 0;
        for f in reg.formats() {
            for s in &f.def.samples {
                if let Err(why) = f.check_sample(s) {
                    panic!("{}: {}: {why}", f.name(), s.line);
                }
                // With the collection time as the year's reference too.
                if let (Some(want), Some(text)) = (&s.time, f.parse(&s.line).unwrap().time) {
                    let t = TimeParser::new().parse(&text, &ctx).expect(&text);
                    let want: jiff::Timestamp = want.parse().unwrap();
                    assert_eq!(t.ts, want, "{}: time of {}", f.name(), s.line);
                }
                let d = reg.detect(&s.line).expect("detected");
                assert_eq!(d.format, f.name(), "detection of {}", s.line);
                checked += 1;
            }
        }
        assert!(reg.formats().len() >= 40, "{} formats", reg.formats().len());
        assert!(checked >= 30, "{checked} samples");
    }

    #[test]
    fn user_format_without_msg_group_is_refused() {
        let def = FormatDef {
            name: "broken".into(),
            description: String::new(),
            regex: r"^(?P<time>\S+) .*$".into(),
            continuation_levels: vec![],
            samples: vec![],
        };
        let err = Registry::with_user_formats(vec![def]).err().unwrap();
        assert_eq!(err.to_string(), "format `broken`: regex has no `msg` group");
    }

    /// QA: samples of a user's format were never checked.
    #[test]
    fn user_format_samples_are_checked() {
        let def = |time: &str, line: &str| FormatDef {
            name: "myapp".into(),
            description: String::new(),
            regex: r"^(?P<time>\S+ \S+) (?P<level>[A-Z]+) (?P<msg>.*)$".into(),
            continuation_levels: vec![],
            samples: vec![SampleDef {
                line: line.into(),
                time: Some(time.into()),
                level: Some("error".into()),
                msg: "boom".into(),
            }],
        };
        let ok = def("2026-12-04T15:35:01Z", "2026-12-04 15:35:01 ERROR boom");
        assert!(Registry::with_user_formats(vec![ok.clone()]).is_ok());
        let cases = [
            (
                def("2026-12-04T16:35:01Z", "2026-12-04 15:35:01 ERROR boom"),
                "format `myapp`: sample 1 (`2026-12-04 15:35:01 ERROR boom`): the time \
                 `2026-12-04 15:35:01` reads as 2026-12-04T15:35:01Z, the sample says \
                 2026-12-04T16:35:01Z",
            ),
            (
                def("2026-12-04T15:35:01Z", "15:35:01 ERROR boom"),
                "format `myapp`: sample 1 (`15:35:01 ERROR boom`): the format does not read \
                 the line",
            ),
            (
                FormatDef {
                    samples: vec![],
                    ..ok.clone()
                },
                "format `myapp`: no sample line; give at least one real line and the \
                 fields it must yield",
            ),
            (
                FormatDef {
                    regex: r"^(?P<time>\S+ \S+ (?P<msg>.*)$".into(),
                    ..ok
                },
                "",
            ),
        ];
        for (d, want) in cases {
            let err = Registry::with_user_formats(vec![d])
                .err()
                .unwrap()
                .to_string();
            if want.is_empty() {
                // The error quotes the regex as written.
                assert!(err.contains(r"(?P<msg>.*)$"), "{err}");
            } else {
                assert_eq!(err, want);
            }
        }
    }
}
