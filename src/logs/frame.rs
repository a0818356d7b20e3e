//! Framing: physical lines into records, with every line accounted for.
//!
//! A file larger than two [`CHUNK_BYTES`] is cut into chunks of about that
//! size, each starting at a line that begins a record, and the chunks are
//! framed in parallel (rayon) and joined in order. The cuts depend only on
//! the bytes and the format, never on the thread count, so the result is
//! the same for any number of threads.
//!
//! # Limitations
//! - A chunk reads its timestamps with a fresh [`TimeParser`]: where two
//!   time shapes could both read a text, a chunk may settle on another
//!   shape than the line before the cut did.
//! - Where no line within [`CUT_SCAN_BYTES`] after a nominal cut begins a
//!   record (a stack trace of megabytes), that cut is dropped and the chunk
//!   before it grows.

use super::format::{infer_severity, Format};
use crate::model::Severity;
use crate::time::{TimeCtx, TimeParser};
use jiff::Timestamp;
use rayon::prelude::*;
use serde::Serialize;

/// Nominal size of a chunk of a large file; fixed, so that cuts do not
/// depend on the thread count.
pub const CHUNK_BYTES: usize = 4 << 20;
/// How far past a nominal cut the first line that begins a record is
/// looked for.
pub const CUT_SCAN_BYTES: usize = 1 << 20;

/// Longest message kept for one record; the rest is counted, not kept.
const MAX_MESSAGE: usize = 64 * 1024;

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
    /// The first line of the message, what templates are mined from.
    pub fn head(&self) -> &str {
        self.message.split('\n').next().unwrap_or("")
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
}

/// Cuts a message at [`MAX_MESSAGE`] bytes on a character boundary.
pub(crate) fn cut(mut msg: String) -> String {
    if msg.len() > MAX_MESSAGE {
        msg.truncate(msg.floor_char_boundary(MAX_MESSAGE));
    }
    msg
}

/// Physical lines with their 1-based numbers; `\r\n` and a leading BOM are
/// taken off.
///
/// A file with carriage returns and no line feed at all (classic Mac
/// endings) is split at its carriage returns.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (u64, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let sep = if !text.contains('\n') && text.contains('\r') {
        '\r'
    } else {
        '\n'
    };
    split_lines(text, sep)
}

/// [`lines`] with the separator given: for a chunk of a file whose
/// separator was decided on the whole file.
fn split_lines(text: &str, sep: char) -> impl Iterator<Item = (u64, &str)> {
    let text = text.strip_suffix(sep).unwrap_or(text);
    text.split(sep)
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.is_empty() || text.is_empty())
}

/// Frames `bytes` with `format`, reading times with `ctx`; a large file in
/// parallel chunks (see the module's doc).
pub fn frame(format: &Format, bytes: &[u8], ctx: &TimeCtx) -> LogFile {
    frame_in_chunks(format, bytes, ctx, CHUNK_BYTES)
}

fn frame_in_chunks(format: &Format, bytes: &[u8], ctx: &TimeCtx, chunk: usize) -> LogFile {
    let bom = if bytes.starts_with("\u{feff}".as_bytes()) {
        3
    } else {
        0
    };
    let body = &bytes[bom..];
    if body.len() < 2 * chunk || memchr::memchr(b'\n', body).is_none() {
        // Small, or lines cut at carriage returns alone: one piece.
        return frame_chunk(format, bytes, None, ctx);
    }
    let cuts = cuts(format, body, chunk);
    let parts: Vec<(LogFile, u64)> = cuts
        .par_windows(2)
        .map(|w| {
            let chunk = &body[w[0]..w[1]];
            let physical = memchr::memchr_iter(b'\n', chunk).count() as u64;
            (frame_chunk(format, chunk, Some('\n'), ctx), physical)
        })
        .collect();
    join(parts)
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
        if format
            .parse(line)
            .is_some_and(|f| !format.is_continuation(&f))
        {
            return Some(start);
        }
        start = end + 1;
    }
    None
}

/// Joins the framed chunks of one file, in order; each comes with its
/// count of physical lines, by which the line numbers after it move.
fn join(parts: Vec<(LogFile, u64)>) -> LogFile {
    let mut out = LogFile::default();
    let mut offset = 0;
    for (i, (part, physical)) in parts.into_iter().enumerate() {
        if i == 0 {
            out.format = part.format;
        }
        if part.lines > 0 {
            out.lines = offset + part.lines;
        }
        let moved = |(n, text): (u64, String)| (n + offset, text);
        out.first_unparsed = out.first_unparsed.or(part.first_unparsed.map(moved));
        out.first_no_time = out.first_no_time.or(part.first_no_time.map(moved));
        out.unparsed += part.unparsed;
        out.continuation += part.continuation;
        out.no_time += part.no_time;
        out.zone_assumed += part.zone_assumed;
        out.year_inferred += part.year_inferred;
        out.invalid_utf8 += part.invalid_utf8;
        out.cut += part.cut;
        out.records.extend(part.records.into_iter().map(|mut r| {
            r.line += offset;
            r
        }));
        offset += physical;
    }
    out
}

/// The time text of the line before and what it read as: lines of one
/// second (or millisecond) repeat it, and reading it again would give the
/// same result, since the parser tries the shape that read it first.
#[derive(Default)]
struct LastTime {
    text: String,
    parsed: Option<crate::time::Parsed>,
}

impl LastTime {
    fn parse(
        &mut self,
        text: &str,
        times: &TimeParser,
        ctx: &TimeCtx,
    ) -> Option<crate::time::Parsed> {
        if self.text != text || self.text.is_empty() {
            self.parsed = times.parse(text, ctx);
            self.text.clear();
            self.text.push_str(text);
        }
        self.parsed
    }
}

/// Frames one piece of a file: the whole of it (`sep` decided here), or a
/// chunk that starts at a record (`sep` decided on the whole file).
fn frame_chunk(format: &Format, bytes: &[u8], sep: Option<char>, ctx: &TimeCtx) -> LogFile {
    let text = String::from_utf8_lossy(bytes);
    let mut out = LogFile {
        format: format.name().to_string(),
        ..LogFile::default()
    };
    if let std::borrow::Cow::Owned(_) = text {
        out.invalid_utf8 = text.lines().filter(|l| l.contains('\u{fffd}')).count() as u64;
    }
    let times = TimeParser::new();
    let mut last_time = LastTime::default();
    let lines: Box<dyn Iterator<Item = (u64, &str)>> = match sep {
        Some(sep) => Box::new(split_lines(&text, sep)),
        None => Box::new(lines(&text)),
    };
    for (n, line) in lines {
        out.lines = n;
        let fields = format.parse(line);
        match fields {
            Some(f) if !format.is_continuation(&f) => {
                let time = f
                    .time
                    .as_deref()
                    .and_then(|t| last_time.parse(t, &times, ctx));
                if let Some(p) = time {
                    out.zone_assumed += p.zone_assumed as u64;
                    out.year_inferred += p.year_inferred as u64;
                } else {
                    out.no_time += 1;
                    if out.first_no_time.is_none() {
                        out.first_no_time = Some((n, crate::model::excerpt(line, 160)));
                    }
                }
                let mut message = f.msg.into_owned();
                if message.len() > MAX_MESSAGE {
                    message.truncate(message.floor_char_boundary(MAX_MESSAGE));
                    out.cut += 1;
                }
                let severity = f.level.unwrap_or_else(|| infer_severity(&message));
                out.records.push(Record {
                    line: n,
                    lines: 1,
                    time: time.map(|p| p.ts),
                    host: f.host.map(|h| h.into_owned()),
                    proc: f.proc.map(|p| p.into_owned()),
                    severity,
                    message,
                    method: f.method.map(|m| m.into_owned()),
                    route: f.path.map(|p| p.into_owned()),
                    status: f.status,
                    upstream_time: f.upstream_time,
                });
            }
            other => match out.records.last_mut() {
                Some(rec) => {
                    out.continuation += 1;
                    rec.lines += 1;
                    if rec.message.len() < MAX_MESSAGE {
                        rec.message.push('\n');
                        match &other {
                            // A DETAIL or STATEMENT line: keep its level word.
                            Some(f) => {
                                rec.message.push_str(f.level_word.unwrap_or(""));
                                rec.message.push_str(": ");
                                rec.message.push_str(&f.msg);
                            }
                            None => rec.message.push_str(line),
                        }
                        if rec.message.len() > MAX_MESSAGE {
                            let cut = rec.message.floor_char_boundary(MAX_MESSAGE);
                            rec.message.truncate(cut);
                            out.cut += 1;
                        }
                    }
                }
                None => {
                    out.unparsed += 1;
                    if out.first_unparsed.is_none() {
                        out.first_unparsed = Some((n, crate::model::excerpt(line, 160)));
                    }
                }
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::Registry;

    fn framed(text: &str) -> LogFile {
        let reg = Registry::default();
        let d = reg.detect(text).expect("detected");
        frame(reg.get(d.index), text.as_bytes(), &TimeCtx::default())
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

    #[test]
    fn node_stack_trace_stays_one_record_and_stray_lines_are_counted() {
        let text = "\
garbage before the first record
{\"level\":50,\"time\":1764862509453,\"msg\":\"uncaught\"}
TypeError: client.ref is not a function
    at BoundPool._acquireClient (/app/node_modules/pg-pool/index.js:311:12)
{\"level\":30,\"time\":1764862510453,\"msg\":\"ok\"}
";
        let f = framed(text);
        assert_eq!(f.format, "json");
        assert_eq!(f.records.len(), 2);
        assert_eq!(f.records[0].lines, 3);
        assert_eq!(f.unparsed, 1);
        assert_eq!(f.first_unparsed.as_ref().unwrap().0, 1);
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
        let whole = frame_chunk(format, &bytes, None, &ctx);
        assert_eq!(whole.records.len(), 401);
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let chunked = pool.install(|| frame_in_chunks(format, &bytes, &ctx, 1000));
            assert!(cuts(format, &bytes, 1000).len() > 20);
            assert_eq!(chunked.records, whole.records, "{threads} threads");
            assert_eq!(chunked.lines, whole.lines);
            assert_eq!(chunked.continuation, 600);
            assert_eq!(chunked.unparsed, 1);
            assert_eq!(chunked.first_unparsed, whole.first_unparsed);
            assert_eq!(chunked.invalid_utf8, 1);
            assert_eq!(chunked.no_time, whole.no_time);
        }
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
