//! Framing: physical lines into records, with every line accounted for.
//!
//! A file larger than two [`CHUNK_BYTES`] is cut into chunks of about that
//! size, each starting at a line that begins a record, and the chunks are
//! framed in parallel (rayon) and joined in order. The cuts depend only on
//! the bytes and the format, never on the thread count, so the result is
//! the same for any number of threads.
//!
//! Records are lent to a visitor as they complete ([`frame_visit`]),
//! their text borrowed from the file's bytes ([`RecordRef`]) where it is
//! one valid UTF-8 line; [`frame`] copies them into [`Record`]s. A
//! record is built in the slot of the one before it, field by field, once
//! that one was visited: copying a record or a line's fields whole, just
//! after they were written, took a seventh of the time. Each
//! chunk numbers its lines from 1 as it cuts them, and the same pass finds
//! the lines that are not plain ASCII: only those are checked for UTF-8
//! (the lines with bad bytes are read from repaired copies), so each byte
//! is read from memory once; the accounts of the chunks are joined in order, and
//! the lines of the chunks before each one make its numbers the whole
//! file's. Times go to [`FastTime`](crate::time::FastTime) first, to the general
//! [`TimeParser`](crate::time::TimeParser) for the shapes it does not know, and a text that repeats
//! the line before's is not read again.
//!
//! # Limitations
//! - A chunk reads its timestamps with a fresh [`TimeParser`](crate::time::TimeParser): where two
//!   time shapes could both read a text, a chunk may settle on another
//!   shape than the line before the cut did. Texts read by [`FastTime`](crate::time::FastTime) do
//!   not go through the general parser, so its memory of the last shape
//!   that worked does not follow them (the same caveat, for files that
//!   mix shapes; text by text the two give the same result, which a test
//!   holds them to).
//! - A streaming visitor ([`frame_visit`]) sees line numbers within the
//!   record's chunk, since the lines before a chunk are known only once
//!   the chunks before it are framed; it gets each chunk's offset with its
//!   state, after.
//! - A visitor that keeps borrowed records keeps the file's bytes mapped.
//! - Where no line within [`CUT_SCAN_BYTES`] after a nominal cut begins a
//!   record (a stack trace of megabytes), that cut is dropped and the chunk
//!   before it grows.
//! - The file's pages are mapped by faults as the search for line ends
//!   reaches them, and unmapped with the map: the
//!   same faults and unmapping as `rg --mmap` (perf, the 1 GB bench set,
//!   2 threads: 16,700 of the file's faults as rg's, and some 1,300 of
//!   anonymous memory; 149-194 ms of system time against rg's 112-152,
//!   load 8). Runs of 230-310 ms had block reads: pages of the set
//!   evicted by other work and read again through readahead. Reading
//!   the files with `read` into a buffer instead costs more system time
//!   (`dd bs=256k` of the set: 174-221 ms).
//! - A chunk is cut only at a line the format reads: never at the `{` of
//!   a JSON value printed over several lines, so a file of such values
//!   alone is framed in one piece, on one thread.

use super::chunk::{ChunkFramer, LineRanges};
use super::format::Format;
use crate::model::Severity;
use crate::time::TimeCtx;
use jiff::Timestamp;
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;

/// Nominal size of a chunk of a large file; fixed, so that cuts do not
/// depend on the thread count.
pub const CHUNK_BYTES: usize = 4 << 20;
/// How far past a nominal cut the first line that begins a record is
/// looked for.
pub const CUT_SCAN_BYTES: usize = 1 << 20;

/// Longest message kept for one record; the rest is counted, not kept.
pub(super) const MAX_MESSAGE: usize = 64 * 1024;

/// One log record: a header line and its continuation lines.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Record {
    /// 1-based line of the header.
    pub line: u64,
    /// Physical lines in the record (1 + continuation lines).
    pub lines: u32,
    pub time: Option<Timestamp>,
    pub host: Option<String>,
    pub proc: Option<String>,
    pub severity: Severity,
    /// The message with continuation lines joined by `\n`.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upstream_time: Option<f64>,
}

impl Record {
    /// The line of the message that templates are mined from: its first,
    /// but the line that names the exception where a runtime's dump opens
    /// with something else (a Python `Traceback`, Node's caret block).
    pub fn head(&self) -> &str {
        super::multiline::head(&self.message)
    }
}

/// A framed log file and the account of its lines.
#[derive(Debug, Default, Clone, Serialize)]
pub struct LogFile {
    pub format: String,
    pub records: Vec<Record>,
    pub lines: u64,
    /// Lines before the first record that the format did not read.
    pub unparsed: u64,
    pub first_unparsed: Option<(u64, String)>,
    /// Lines joined to the record before them.
    pub continuation: u64,
    /// Records whose time could not be read.
    pub no_time: u64,
    pub first_no_time: Option<(u64, String)>,
    /// Lines of the records whose time was implausible for the bundle
    /// and removed (see `analysis::plausible`), in line order.
    pub implausible: Vec<u64>,
    /// The first of them: its line, and why with an excerpt.
    pub first_implausible: Option<(u64, String)>,
    pub zone_assumed: u64,
    pub year_inferred: u64,
    /// Lines with bytes that are not UTF-8 (kept, replaced by U+FFFD).
    pub invalid_utf8: u64,
    /// Records cut at the message length bound.
    pub cut: u64,
    /// Lines that held NUL bytes (a stretch zero-filled by a crash or
    /// preallocated, often ended without a line feed): the NULs are taken
    /// out and the rest read as a line.
    pub nul_led: u64,
    /// Of them, lines that held nothing but NUL bytes: counted, not read.
    pub nul_only: u64,
    /// The first line that held NUL bytes.
    pub first_nul: Option<u64>,
}

/// Cuts `msg` at [`MAX_MESSAGE`] bytes on a character boundary; true when
/// it was longer.
pub(super) fn cut_owned(msg: &mut String) -> bool {
    let long = msg.len() > MAX_MESSAGE;
    if long {
        msg.truncate(msg.floor_char_boundary(MAX_MESSAGE));
    }
    long
}

/// [`cut_owned`] for a message that may still borrow from the file.
/// Inlined: called apart once a record, it was a percent of framing an
/// HDFS file (perf), for a length compared.
#[inline]
pub(super) fn cut_message(msg: &mut Cow<'_, str>) -> bool {
    match msg {
        Cow::Owned(m) => cut_owned(m),
        Cow::Borrowed(m) => {
            let long = m.len() > MAX_MESSAGE;
            if long {
                *m = &m[..m.floor_char_boundary(MAX_MESSAGE)];
            }
            long
        }
    }
}

/// Physical lines with their 1-based numbers; `\r\n` and a leading BOM are
/// taken off, empty lines skipped (see [`LineRanges`]).
///
/// A file with carriage returns and no line feed at all (classic Mac
/// endings) is split at its carriage returns.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (u64, &str)> {
    LineRanges::new(text.as_bytes(), None).map(|(n, start, end)| (n, &text[start..end]))
}

/// One record as framing hands it to a visitor ([`frame_visit`]): its
/// text borrowed from the file's bytes where it is one valid UTF-8 line,
/// owned where continuation lines were joined to it or bytes were not
/// UTF-8.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordRef<'a> {
    /// 1-based line of the header within its chunk: add the chunk's
    /// offset ([`frame_visit`]) for the file's.
    pub line: u64,
    /// Physical lines in the record (1 + continuation lines).
    pub lines: u32,
    pub time: Option<Timestamp>,
    pub host: Option<Cow<'a, str>>,
    pub proc: Option<Cow<'a, str>>,
    pub severity: Severity,
    /// The message with continuation lines joined by `\n`.
    pub message: Cow<'a, str>,
    pub method: Option<Cow<'a, str>>,
    pub route: Option<Cow<'a, str>>,
    pub status: Option<u16>,
    pub upstream_time: Option<f64>,
}

impl RecordRef<'_> {
    /// The record with its text copied out of the file (text already
    /// owned is moved, not copied); what is left behind is empty.
    pub fn take_owned(&mut self) -> Record {
        let own = |c: &mut Option<Cow<'_, str>>| c.take().map(Cow::into_owned);
        Record {
            line: self.line,
            lines: self.lines,
            time: self.time,
            host: own(&mut self.host),
            proc: own(&mut self.proc),
            severity: self.severity,
            message: std::mem::take(&mut self.message).into_owned(),
            method: own(&mut self.method),
            route: own(&mut self.route),
            status: self.status,
            upstream_time: self.upstream_time,
        }
    }

    /// The record borrowing nothing: for lines read from a repaired copy.
    pub(super) fn into_static(self) -> RecordRef<'static> {
        let own = |c: Option<Cow<'_, str>>| c.map(|c| Cow::Owned(c.into_owned()));
        RecordRef {
            line: self.line,
            lines: self.lines,
            time: self.time,
            host: own(self.host),
            proc: own(self.proc),
            severity: self.severity,
            message: Cow::Owned(self.message.into_owned()),
            method: own(self.method),
            route: own(self.route),
            status: self.status,
            upstream_time: self.upstream_time,
        }
    }
}

/// Frames `bytes` with `format`, reading times with `ctx`; a large file in
/// parallel chunks (see the module's doc). Built on [`frame_visit`], with
/// every record copied out.
pub fn frame(format: &Format, bytes: &[u8], ctx: &TimeCtx) -> LogFile {
    frame_in_chunks(format, bytes, ctx, CHUNK_BYTES)
}

fn frame_in_chunks(format: &Format, bytes: &[u8], ctx: &TimeCtx, chunk: usize) -> LogFile {
    let push = |v: &mut Vec<Record>, r: &mut RecordRef| v.push(r.take_owned());
    let (mut log, parts) = visit_in_chunks(format, bytes, ctx, chunk, &Vec::new, &push);
    log.records
        .reserve_exact(parts.iter().map(|(_, p)| p.len()).sum());
    for (before, part) in parts {
        log.records.extend(part.into_iter().map(|mut r| {
            r.line += before;
            r
        }));
    }
    log
}

/// Frames `bytes` with `format` and hands each record to `visit` once it
/// is complete (after its continuation lines), without keeping it (the
/// visitor may take its text: the record is dropped after the call; it is
/// lent rather than given so that it is built in place and never moved): the
/// streaming form of [`frame`], whose memory is the file's pages and a
/// constant. A large file is framed in parallel chunks (see the module's
/// doc); each chunk gets its own state from `init`, and the states come
/// back in file order, each with the lines of the file before its chunk,
/// with the account of the file's lines (the [`LogFile`] without
/// records). Within a chunk, records arrive in line order, their line
/// numbers within the chunk: add the chunk's offset for the file's.
pub fn frame_visit<'a, S, I, V>(
    format: &Format,
    bytes: &'a [u8],
    ctx: &TimeCtx,
    init: I,
    visit: V,
) -> (LogFile, Vec<(u64, S)>)
where
    S: Send,
    I: Fn() -> S + Sync,
    V: Fn(&mut S, &mut RecordRef<'a>) + Sync,
{
    visit_in_chunks(format, bytes, ctx, CHUNK_BYTES, &init, &visit)
}

/// [`frame_visit`] with the chunk size given (small in tests); the
/// callbacks taken as trait objects, one call per record.
fn visit_in_chunks<'a, S: Send>(
    format: &Format,
    bytes: &'a [u8],
    ctx: &TimeCtx,
    chunk: usize,
    init: &(dyn Fn() -> S + Sync),
    visit: &(dyn Fn(&mut S, &mut RecordRef<'a>) + Sync),
) -> (LogFile, Vec<(u64, S)>) {
    let bom = if bytes.starts_with("\u{feff}".as_bytes()) {
        3
    } else {
        0
    };
    let body = &bytes[bom..];
    if body.len() < 2 * chunk || memchr::memchr(b'\n', body).is_none() {
        // Small, or lines cut at carriage returns alone: one piece.
        let mut state = init();
        let (log, _) = ChunkFramer::new(format, ctx).run(bytes, None, &mut state, visit);
        return (log, vec![(0, state)]);
    }
    let cuts = cuts(format, body, chunk);
    let parts: Vec<(LogFile, u64, S)> = cuts
        .par_windows(2)
        .map(|w| {
            let mut state = init();
            let framer = ChunkFramer::new(format, ctx);
            let (log, lines) = framer.run(&body[w[0]..w[1]], Some(b'\n'), &mut state, visit);
            (log, lines, state)
        })
        .collect();
    // Every chunk but the last ends with a line feed, so the next one's
    // first line follows its last.
    let mut before = 0;
    let mut logs = Vec::with_capacity(parts.len());
    let mut states = Vec::with_capacity(parts.len());
    for (log, lines, state) in parts {
        logs.push((before, log));
        states.push((before, state));
        before += lines;
    }
    (join(logs), states)
}

/// Where chunks start: 0, then the first line that begins a record at or
/// after each `chunk` bytes past the cut before, and the end.
fn cuts(format: &Format, body: &[u8], chunk: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    let mut nominal = chunk;
    while nominal + chunk / 2 < body.len() {
        if let Some(cut) = record_start_after(format, body, nominal) {
            if cut > *cuts.last().unwrap() && cut < body.len() {
                cuts.push(cut);
            }
        }
        nominal = cuts.last().unwrap().max(&nominal) + chunk;
    }
    cuts.push(body.len());
    cuts
}

/// The start of the first line after `from` that begins a record, within
/// [`CUT_SCAN_BYTES`].
fn record_start_after(format: &Format, body: &[u8], from: usize) -> Option<usize> {
    let limit = (from + CUT_SCAN_BYTES).min(body.len());
    let mut start = from + memchr::memchr(b'\n', &body[from..limit])? + 1;
    while start < limit {
        let end = memchr::memchr(b'\n', &body[start..]).map_or(body.len(), |e| start + e);
        let line = String::from_utf8_lossy(&body[start..end]);
        let line = line.strip_suffix('\r').unwrap_or(&line);
        // An indented JSON object may be a member of a value printed
        // over several lines: no place to cut.
        let nested = format.reads_json() && line.starts_with(char::is_whitespace);
        if !nested
            && format.begins_record(line)
            && !format.continues(prev(body, start).as_deref(), line)
        {
            return Some(start);
        }
        start = end + 1;
    }
    None
}

/// The last non-blank line before the one at `start`, as framing keeps it
/// for [`Format::continues`] (bytes that are not UTF-8 replaced), so that
/// a chunk begins where framing the whole file begins a record.
fn prev(body: &[u8], start: usize) -> Option<Cow<'_, str>> {
    let mut end = start.checked_sub(1)?;
    loop {
        let from = memchr::memrchr(b'\n', &body[..end]).map_or(0, |i| i + 1);
        let line = &body[from..end];
        if line.iter().any(|b| !b.is_ascii_whitespace()) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            return Some(String::from_utf8_lossy(line));
        }
        end = from.checked_sub(1)?;
    }
}

/// Joins the accounts of one file's chunks, in order, each with the lines
/// of the file before it, which make its line numbers the file's.
fn join(parts: Vec<(u64, LogFile)>) -> LogFile {
    let mut out = LogFile::default();
    for (i, (before, part)) in parts.into_iter().enumerate() {
        if i == 0 {
            out.format = part.format;
        }
        if part.lines > 0 {
            out.lines = before + part.lines;
        }
        let rebase = |(n, text): (u64, String)| (before + n, text);
        out.first_unparsed = out.first_unparsed.or(part.first_unparsed.map(rebase));
        out.first_no_time = out.first_no_time.or(part.first_no_time.map(rebase));
        out.unparsed += part.unparsed;
        out.continuation += part.continuation;
        out.no_time += part.no_time;
        out.zone_assumed += part.zone_assumed;
        out.year_inferred += part.year_inferred;
        out.invalid_utf8 += part.invalid_utf8;
        out.cut += part.cut;
        out.nul_led += part.nul_led;
        out.nul_only += part.nul_only;
        out.first_nul = out.first_nul.or(part.first_nul.map(|n| before + n));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::Registry;

    fn pool(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
    }

    fn framed(text: &str) -> LogFile {
        let reg = Registry::default();
        let d = reg.detect(text).expect("detected");
        frame(reg.get(d.index), text.as_bytes(), &TimeCtx::default())
    }

    /// Each record's line, lines, severity and message's head.
    fn heads(f: &LogFile) -> Vec<(u64, u32, &str, &str)> {
        (f.records.iter())
            .map(|r| (r.line, r.lines, r.severity.as_str(), r.head()))
            .collect()
    }

    /// Two Postgres records, the first over four lines.
    const PG_RECORDS: &str = "\
2026-12-04 15:39:02.117 UTC [23011] app@shop ERROR:  duplicate key value violates unique constraint \"orders_pkey\"
2026-12-04 15:39:02.117 UTC [23011] app@shop DETAIL:  Key (id)=(42) already exists.
2026-12-04 15:39:02.117 UTC [23011] app@shop STATEMENT:  INSERT INTO orders (id)
\tVALUES (42)
2026-12-04 15:39:03.001 UTC [23012] LOG:  checkpoint starting: time
";

    #[test]
    fn postgres_detail_and_statement_join_their_record() {
        let f = framed(PG_RECORDS);
        assert_eq!(f.format, "postgres-stderr");
        assert_eq!(f.records.len(), 2);
        assert_eq!(f.records[0].lines, 4);
        assert!(f.records[0]
            .message
            .contains("DETAIL: Key (id)=(42) already exists."));
        assert!(f.records[0].message.ends_with("\tVALUES (42)"));
        assert_eq!(f.records[0].severity, Severity::Error);
        assert_eq!(f.continuation, 3);
        assert_eq!(f.unparsed, 0);
    }

    /// A JSON record printed over several lines inside a JSON-lines log is
    /// one record, from its `{` line; braces that never close leave their
    /// lines to the record before, as continuation lines.
    #[test]
    fn a_pretty_printed_json_record_is_one_record() {
        let text = "\
{\"time\":\"2026-12-01T10:00:00Z\",\"level\":\"info\",\"msg\":\"hello\"}
{
  \"time\": \"2026-12-01T10:01:00Z\",
  \"level\": \"error\",
  \"msg\": \"big } { \\\" ]\",
  \"detail\": {\"b\": [1, 2]}
}
{\"time\":\"2026-12-01T10:00:05Z\",\"level\":\"info\",\"msg\":\"after\"}
{
  \"never\": \"closed\"
";
        let f = framed(text);
        assert_eq!(
            heads(&f),
            [
                (1, 1, "info", "hello"),
                (2, 6, "error", "big } { \" ]"),
                (8, 3, "info", "after"),
            ]
        );
        assert_eq!((f.lines, f.continuation, f.unparsed), (10, 2, 0));
    }

    /// A `{` alone followed by JSON records of one line each (a line cut
    /// after its first byte) is no value printed over several lines: the
    /// records after it stay records, and the `{` continues the record
    /// before. They were gathered, up to 2,000 lines, into the record
    /// before, their times and severities lost, with no word of it.
    #[test]
    fn a_lone_brace_before_json_records_gathers_none_of_them() {
        let rec = |i: u32, level: &str| {
            format!(
                "{{\"time\":\"2026-12-01T10:0{i}:00Z\",\"level\":\"{level}\",\"msg\":\"m{i}\"}}\n"
            )
        };
        let mut text = rec(0, "info") + &rec(1, "info") + "{\n";
        for i in 2..6 {
            text += &rec(i, "error");
        }
        text += "{\n  [\"an array where a key should be\"]\n";
        text += &rec(6, "warn");
        let f = framed(&text);
        assert_eq!(
            heads(&f),
            [
                (1, 1, "info", "m0"),
                (2, 2, "info", "m1"),
                (4, 1, "error", "m2"),
                (5, 1, "error", "m3"),
                (6, 1, "error", "m4"),
                (7, 3, "error", "m5"),
                (10, 1, "warn", "m6"),
            ]
        );
        assert_eq!((f.lines, f.continuation, f.unparsed), (10, 3, 0));
    }

    /// Node's own stderr between pino's JSON lines (an uncaught
    /// exception, a stray line) makes records without a time; the stack
    /// stays with its exception.
    #[test]
    fn node_stack_trace_stays_one_record_and_stray_lines_are_counted() {
        let text = "\
garbage before the first record
{\"level\":50,\"time\":1764862509453,\"msg\":\"uncaught\"}
TypeError: client.ref is not a function
    at BoundPool._acquireClient (/app/node_modules/pg-pool/index.js:311:12)
{\"level\":30,\"time\":1764862510453,\"msg\":\"ok\"}
{\"level\":60,\"time\":1764862511453,\"msg\":\"fatal: database connectio
";
        let f = framed(text);
        assert_eq!(f.format, "json");
        let got: Vec<_> = f
            .records
            .iter()
            .map(|r| (r.line, r.lines, r.time.is_some(), r.head()))
            .collect();
        assert_eq!(
            got,
            [
                (1, 1, false, "garbage before the first record"),
                (2, 1, true, "uncaught"),
                (3, 2, false, "TypeError: client.ref is not a function"),
                (5, 1, true, "ok"),
                // The last record, cut short by a crash: not glued to "ok".
                (
                    6,
                    1,
                    false,
                    "{\"level\":60,\"time\":1764862511453,\"msg\":\"fatal: database connectio"
                ),
            ]
        );
        assert_eq!(f.records[4].severity, crate::model::Severity::Fatal);
        assert_eq!((f.unparsed, f.no_time), (0, 3));
        assert_eq!(f.first_no_time.as_ref().unwrap().0, 1);
    }

    /// A postgres log whose records span lines (DETAIL, STATEMENT and a
    /// statement over two lines), cut into many small chunks: the same
    /// result as in one piece, for one thread and for two.
    #[test]
    fn chunks_join_to_the_whole_for_any_thread_count() {
        let record = PG_RECORDS;
        let mut bytes = b"stray line before any record\n".to_vec();
        for _ in 0..200 {
            bytes.extend_from_slice(record.as_bytes());
        }
        bytes.extend_from_slice(b"2026-12-04 15:39:04 UTC [1] LOG:  bad \xff byte\n");
        let reg = Registry::default();
        let format = reg.get(reg.detect(record).unwrap().index);
        let ctx = TimeCtx::default();
        let whole = frame_in_chunks(format, &bytes, &ctx, bytes.len());
        assert_eq!(whole.records.len(), 401);
        for threads in [1, 2] {
            let pool = pool(threads);
            let chunked = pool.install(|| frame_in_chunks(format, &bytes, &ctx, 1000));
            assert!(cuts(format, &bytes, 1000).len() > 20);
            assert_eq!(chunked.records, whole.records, "{threads} threads");
            assert_eq!(chunked.lines, whole.lines);
            assert_eq!(chunked.continuation, 600);
            assert_eq!(chunked.unparsed, 1);
            assert_eq!(chunked.first_unparsed, whole.first_unparsed);
            assert_eq!(chunked.invalid_utf8, 1);
            assert_eq!(chunked.no_time, whole.no_time);
            // A visitor gets each chunk's offset with its state.
            let keep = |v: &mut Vec<u64>, r: &mut RecordRef| v.push(r.line);
            let (_, parts) =
                pool.install(|| visit_in_chunks(format, &bytes, &ctx, 1000, &Vec::new, &keep));
            let lines: Vec<u64> = parts
                .into_iter()
                .flat_map(|(before, v)| v.into_iter().map(move |n| before + n))
                .collect();
            let want: Vec<u64> = whole.records.iter().map(|r| r.line).collect();
            assert_eq!(lines, want, "{threads} threads");
        }
    }

    /// Runtimes' dumps (every log of fixtures/traces), each written 40 times over
    /// and cut into small chunks: the cuts fall where records begin, so
    /// the records are the whole file's, 40 times one copy's, for one
    /// thread and for two. (A chunk cut at a goroutine's function line or
    /// a traceback's last line would begin a record there.)
    #[test]
    fn chunks_of_runtime_dumps_join_to_the_whole() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/traces");
        let reg = Registry::default();
        let ctx = TimeCtx::default();
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".log"))
            .collect();
        names.sort();
        assert!(names.len() >= 15, "{names:?}");
        for name in &names {
            let one = std::fs::read(dir.join(name)).unwrap();
            let format = reg.get(reg.detect(&String::from_utf8_lossy(&one)).unwrap().index);
            let single = frame_in_chunks(format, &one, &ctx, one.len()).records.len();
            let bytes = one.repeat(40);
            let whole = frame_in_chunks(format, &bytes, &ctx, bytes.len());
            assert_eq!(whole.records.len(), 40 * single, "{name}");
            // About twenty chunks, whatever the file's size; none in a
            // file of pretty-printed JSON values (see the Limitations).
            let chunk = bytes.len() / 20;
            let pieces = cuts(format, &bytes, chunk).len() - 1;
            assert_eq!(pieces > 10, *name != "node-pretty.log", "{name}: {pieces}");
            for threads in [1, 2] {
                let pool = pool(threads);
                let chunked = pool.install(|| frame_in_chunks(format, &bytes, &ctx, chunk));
                assert_eq!(chunked.records, whole.records, "{name}, {threads} threads");
                assert_eq!(chunked.continuation, whole.continuation, "{name}");
            }
        }
    }

    /// A U+FFFD written in a line of a valid file is text, but in a file
    /// with bad bytes it counts among the invalid lines, also where it came
    /// long before the bad bytes.
    #[test]
    fn replacement_characters_count_as_invalid_only_beside_bad_bytes() {
        let mut bytes = "2026/12/04 15:39:02 [error] 1#1: *1 got \u{fffd} back\n"
            .as_bytes()
            .to_vec();
        while bytes.len() < 200 << 10 {
            bytes.extend_from_slice(b"2026/12/04 15:39:03 [warn] 1#1: ok\n");
        }
        let valid = framed(std::str::from_utf8(&bytes).unwrap());
        assert_eq!(valid.format, "nginx-error");
        assert_eq!(valid.invalid_utf8, 0);
        assert_eq!(valid.records[0].message, "got \u{fffd} back");
        bytes.extend_from_slice(b"2026/12/04 15:39:04 [warn] 1#1: bad \xff byte\n");
        let reg = Registry::default();
        let format = reg.get(reg.detect(&String::from_utf8_lossy(&bytes)).unwrap().index);
        let f = frame(format, &bytes, &TimeCtx::default());
        assert_eq!(f.invalid_utf8, 2);
        assert_eq!(f.records.len(), valid.records.len() + 1);
        assert_eq!(f.records.last().unwrap().message, "bad \u{fffd} byte");
        assert_eq!(f.records.last().unwrap().line, f.lines);
    }

    /// Lines are found 64 bytes at a time, and with them the bytes that
    /// are not plain ASCII: a character of two bytes, a bad byte or a NUL
    /// at every place of a window, at the end of a line or before its
    /// last byte, lines of one window and of two. Characters are read in
    /// place, bad bytes from a repaired copy and counted, NULs taken out.
    #[test]
    fn odd_bytes_at_every_place_of_a_window() {
        let head = "2026/12/04 15:39:02 [warn] 1#1: ";
        let mut bytes = Vec::new();
        let mut want = Vec::new();
        for fill in 0..140 {
            for (odd, read) in [(&b"\xc3\xa9"[..], "é"), (b"\xff", "\u{fffd}"), (b"\0", "")] {
                for tail in ["", "b"] {
                    bytes.extend_from_slice(head.as_bytes());
                    bytes.extend(std::iter::repeat_n(b'a', fill));
                    bytes.extend_from_slice(odd);
                    bytes.extend_from_slice(tail.as_bytes());
                    bytes.push(b'\n');
                    let msg = format!("{}{read}{tail}", "a".repeat(fill));
                    want.push((msg, odd == b"\xc3\xa9"));
                }
            }
        }
        let reg = Registry::default();
        let format = reg.get(reg.detect(head).unwrap().index);
        let ctx = TimeCtx::default();
        let (log, parts) = frame_visit(format, &bytes, &ctx, Vec::new, |v, r| {
            let borrowed = matches!(r.message, Cow::Borrowed(_));
            v.push((std::mem::take(&mut r.message).into_owned(), borrowed));
        });
        let got: Vec<_> = parts.into_iter().flat_map(|(_, v)| v).collect();
        assert_eq!(got, want);
        assert_eq!(log.invalid_utf8, 140 * 2);
        assert_eq!((log.nul_led, log.continuation), (140 * 2, 0));
    }

    /// The visitor sees each record once, complete, in line order: one
    /// line borrowed from the bytes, joined or repaired lines owned.
    #[test]
    fn visitor_borrows_single_lines_and_owns_joined_ones() {
        let mut bytes = PG_RECORDS.as_bytes().to_vec();
        bytes.extend_from_slice(b"2026-12-04 15:39:04.000 UTC [1] LOG:  bad \xff byte\n");
        let reg = Registry::default();
        let format = reg.get(reg.detect(PG_RECORDS).unwrap().index);
        let (log, parts) = frame_visit(format, &bytes, &TimeCtx::default(), Vec::new, |v, r| {
            v.push((
                r.line,
                r.lines,
                matches!(r.message, Cow::Borrowed(_)),
                std::mem::take(&mut r.message),
            ))
        });
        let got: Vec<_> = parts.into_iter().flat_map(|(_, v)| v).collect();
        assert_eq!(got.len(), 3);
        assert_eq!((got[0].0, got[0].1, got[0].2), (1, 4, false));
        assert!(got[0].3.ends_with("\tVALUES (42)"));
        assert_eq!((got[1].0, got[1].1, got[1].2), (5, 1, true));
        assert_eq!(got[1].3, "checkpoint starting: time");
        assert_eq!((got[2].0, got[2].2), (6, false));
        assert_eq!(got[2].3, "bad \u{fffd} byte");
        assert!(log.records.is_empty());
        assert_eq!((log.lines, log.continuation, log.invalid_utf8), (6, 3, 1));
    }

    /// QA: a zero-filled stretch with no line feed after it glued the next
    /// record to the one before, or filled a message. NULs are taken out
    /// and counted.
    #[test]
    fn a_nul_run_before_a_record_is_taken_off_not_glued() {
        let mut bytes = b"2026/12/04 15:39:02 [error] 1#1: *1 first\n".to_vec();
        bytes.extend(std::iter::repeat_n(0u8, 5000));
        bytes.extend_from_slice(b"2026/12/04 15:39:03 [warn] 1#1: second\n");
        bytes.extend(std::iter::repeat_n(0u8, 300));
        bytes.extend_from_slice(b"\n2026/12/04 15:39:04 [warn] 1#1: thi");
        bytes.extend(std::iter::repeat_n(0u8, 70000));
        bytes.extend_from_slice(b"rd");
        // A record cut without its line feed, NULs, then the next record.
        bytes.extend(std::iter::repeat_n(0u8, 40));
        bytes.extend_from_slice(b"2026/12/04 15:39:05 [warn] 1#1: fourth \xc3\xa9\n");
        let f = framed(&String::from_utf8(bytes).unwrap());
        assert_eq!(f.records.len(), 4);
        assert_eq!(f.records[2].message, "third");
        assert_eq!(f.records[3].message, "fourth é");
        assert_eq!(f.records[3].line, f.records[2].line);
        assert_eq!(f.cut, 0);
        assert_eq!(f.records[0].message, "first");
        assert_eq!(f.records[1].message, "second");
        assert_eq!(f.records[1].line, 2);
        assert_eq!((f.nul_led, f.nul_only, f.first_nul), (3, 1, Some(2)));
        assert_eq!(f.continuation, 0);
    }

    #[test]
    fn crlf_bom_and_invalid_utf8_are_read() {
        let mut bytes =
            b"\xef\xbb\xbf2026/12/04 15:39:02 [error] 1#1: *1 bad \xff byte\r\n".to_vec();
        bytes.extend_from_slice(b"2026/12/04 15:39:03 [warn] 1#1: ok\r\n");
        let reg = Registry::default();
        let text = String::from_utf8_lossy(&bytes);
        let d = reg.detect(&text).unwrap();
        let f = frame(reg.get(d.index), &bytes, &TimeCtx::default());
        assert_eq!(f.format, "nginx-error");
        assert_eq!(f.records.len(), 2);
        assert_eq!(f.invalid_utf8, 1);
        assert_eq!(f.records[1].message, "ok");
    }
}
