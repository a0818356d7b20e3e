//! Framing one piece of a file: its physical lines (byte ranges, the
//! separator decided on the piece or given), each read by the format into
//! the record it begins or joined to the record before, with the time of
//! each header read once per distinct text; the piece's account of its
//! lines. [`super::frame`] cuts files into pieces and joins the accounts.

use super::format::{infer_severity, Format};
use super::frame::{cut_message, cut_owned, LogFile, RecordRef, MAX_MESSAGE};
use crate::time::{FastTime, TimeCtx, TimeParser};

/// The time text of the line before and what it read as: lines of one
/// second (or millisecond) repeat it, and reading it again would give the
/// same result, since the parser tries the shape that read it first. A new
/// text is read by [`FastTime`] where it knows the shape, by the general
/// parser otherwise.
struct LastTime {
    text: String,
    parsed: Option<crate::time::Parsed>,
    fast: FastTime,
}

impl LastTime {
    fn new(ctx: &TimeCtx) -> Self {
        LastTime {
            text: String::new(),
            parsed: None,
            fast: FastTime::new(ctx),
        }
    }

    fn parse(
        &mut self,
        text: &str,
        times: &TimeParser,
        ctx: &TimeCtx,
    ) -> Option<crate::time::Parsed> {
        if self.text != text || self.text.is_empty() {
            self.parsed = self.fast.parse(text).or_else(|| times.parse(text, ctx));
            self.text.clear();
            self.text.push_str(text);
        }
        self.parsed
    }
}

/// The byte ranges of the physical lines of `bytes`, as [`super::frame::lines`]
/// cuts them: `sep` given (a chunk of a file whose
/// separator was decided on the whole file), or decided here with a
/// leading BOM taken off. Calls `each(n, start, end)` with the 1-based
/// line number within `bytes`.
fn line_ranges(bytes: &[u8], sep: Option<u8>, mut each: impl FnMut(u64, usize, usize)) {
    let (from, sep) = match sep {
        Some(sep) => (0, sep),
        None => {
            let from = if bytes.starts_with("\u{feff}".as_bytes()) {
                3
            } else {
                0
            };
            let rest = &bytes[from..];
            let cr_only =
                memchr::memchr(b'\n', rest).is_none() && memchr::memchr(b'\r', rest).is_some();
            (from, if cr_only { b'\r' } else { b'\n' })
        }
    };
    let mut to = bytes.len();
    if to > from && bytes[to - 1] == sep {
        to -= 1;
    }
    if from == to {
        each(1, from, to);
        return;
    }
    let mut start = from;
    let mut n = 0;
    let mut emit = |start: usize, end: usize| {
        n += 1;
        let end = if end > start && bytes[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        if end > start {
            each(n, start, end);
        }
    };
    for at in memchr::memchr_iter(sep, &bytes[from..to]) {
        emit(start, from + at);
        start = from + at + 1;
    }
    emit(start, to);
}

/// A piece of a file as text, or `Err` where it has bytes that are not
/// UTF-8.
pub(super) type Utf8<'a> = Result<&'a str, ()>;

/// Frames one piece of a file: the whole of it, or a chunk that starts at
/// a record. Keeps the account of the piece's lines and the record not
/// yet complete.
pub(super) struct ChunkFramer<'f, 'a> {
    format: &'f Format,
    ctx: &'f TimeCtx,
    times: TimeParser,
    last_time: LastTime,
    /// Physical lines of the file before this piece.
    before: u64,
    out: LogFile,
    pending: Option<RecordRef<'a>>,
}

impl<'f, 'a> ChunkFramer<'f, 'a> {
    pub(super) fn new(format: &'f Format, ctx: &'f TimeCtx, before: u64) -> Self {
        ChunkFramer {
            format,
            ctx,
            times: TimeParser::new(),
            last_time: LastTime::new(ctx),
            before,
            out: LogFile {
                format: format.name().to_string(),
                ..LogFile::default()
            },
            pending: None,
        }
    }

    /// Frames `bytes` (`text`, where they are UTF-8), handing each record
    /// to `visit`; returns the account.
    pub(super) fn run<S>(
        mut self,
        bytes: &'a [u8],
        text: Utf8<'a>,
        sep: Option<u8>,
        state: &mut S,
        visit: &(dyn Fn(&mut S, RecordRef<'a>) + Sync),
    ) -> LogFile {
        let mut emit = |framer: &mut Self, record: Option<RecordRef<'a>>| {
            if let Some(done) = std::mem::replace(&mut framer.pending, record) {
                visit(state, done);
            }
        };
        let has_nul = memchr::memchr(0, bytes).is_some();
        match text {
            Ok(text) if has_nul => line_ranges(bytes, sep, |n, start, end| {
                let line = &text[start..end];
                if line.contains('\0') {
                    for record in self.nul_line(n, line) {
                        emit(&mut self, Some(record));
                    }
                } else if let Some(record) = self.line(n, line) {
                    emit(&mut self, Some(record));
                }
            }),
            Ok(text) => line_ranges(bytes, sep, |n, start, end| {
                let record = self.line(n, &text[start..end]);
                if record.is_some() {
                    emit(&mut self, record);
                }
            }),
            Err(_) => {
                // Only the lines with bytes that are not UTF-8 are copied.
                let mut invalid = 0;
                line_ranges(bytes, sep, |n, start, end| {
                    let records = match std::str::from_utf8(&bytes[start..end]) {
                        Ok(line) if has_nul && line.contains('\0') => self.nul_line(n, line),
                        Ok(line) => {
                            invalid += line.contains('\u{fffd}') as u64;
                            self.line(n, line).into_iter().collect()
                        }
                        Err(_) => {
                            invalid += 1;
                            let line = String::from_utf8_lossy(&bytes[start..end]);
                            if has_nul && line.contains('\0') {
                                self.nul_line(n, &line)
                            } else {
                                self.line(n, &line)
                                    .map(RecordRef::into_static)
                                    .into_iter()
                                    .collect()
                            }
                        }
                    };
                    for record in records {
                        emit(&mut self, Some(record));
                    }
                });
                // As `str::lines` counts them: a file cut at carriage
                // returns alone is one line there.
                let cr_only = sep.is_none() && memchr::memchr(b'\n', bytes).is_none();
                self.out.invalid_utf8 = if cr_only { 1 } else { invalid };
            }
        }
        emit(&mut self, None);
        self.out
    }

    /// Reads line `n`, which holds NUL bytes, without them: zero-filled
    /// space (a crash, a preallocated file) that ended without a line feed
    /// would otherwise glue the next line to the record before, or fill a
    /// message with NULs. The text after a NUL run that begins a record is
    /// read as a line of its own (same line number); other text on either
    /// side of NULs is joined as if they were not there. A line of nothing
    /// but NULs is counted, not read. Returns the records it begins.
    fn nul_line(&mut self, n: u64, line: &str) -> Vec<RecordRef<'static>> {
        self.out.nul_led += 1;
        self.out.first_nul.get_or_insert(self.before + n);
        let mut parts: Vec<String> = Vec::new();
        for piece in line.split('\0').filter(|p| !p.is_empty()) {
            let starts = self.format.begins_record(piece);
            match parts.last_mut() {
                Some(last) if !starts => last.push_str(piece),
                _ => parts.push(piece.to_string()),
            }
        }
        if parts.iter().all(|p| p.trim().is_empty()) {
            self.out.lines = self.before + n;
            self.out.nul_only += 1;
            return Vec::new();
        }
        let mut records = Vec::new();
        for part in &parts {
            if let Some(r) = self.line(n, part) {
                records.push(r.into_static());
            }
        }
        records
    }

    /// Reads line `n` of the piece: returns the record it begins, or joins
    /// it to the record before (or counts it as unparsed).
    fn line<'l>(&mut self, n: u64, line: &'l str) -> Option<RecordRef<'l>> {
        let n = self.before + n;
        self.out.lines = n;
        let out = &mut self.out;
        match self
            .format
            .parse(line)
            .or_else(|| self.format.foreign(line))
        {
            Some(f) if !self.format.is_continuation(&f) => {
                let time = f
                    .time
                    .as_deref()
                    .and_then(|t| self.last_time.parse(t, &self.times, self.ctx));
                if let Some(p) = time {
                    out.zone_assumed += p.zone_assumed as u64;
                    out.year_inferred += p.year_inferred as u64;
                } else {
                    out.no_time += 1;
                    if out.first_no_time.is_none() {
                        out.first_no_time = Some((n, crate::model::excerpt(line, 160)));
                    }
                }
                let mut message = f.msg;
                out.cut += cut_message(&mut message) as u64;
                let severity = f.level.unwrap_or_else(|| infer_severity(&message));
                Some(RecordRef {
                    line: n,
                    lines: 1,
                    time: time.map(|p| p.ts),
                    host: f.host,
                    proc: f.proc,
                    severity,
                    message,
                    method: f.method,
                    route: f.path,
                    status: f.status,
                    upstream_time: f.upstream_time,
                })
            }
            other => {
                match &mut self.pending {
                    Some(rec) => {
                        out.continuation += 1;
                        rec.lines += 1;
                        if rec.message.len() < MAX_MESSAGE {
                            let message = rec.message.to_mut();
                            message.push('\n');
                            match &other {
                                // A DETAIL or STATEMENT line: keep its level word.
                                Some(f) => {
                                    message.push_str(f.level_word.unwrap_or(""));
                                    message.push_str(": ");
                                    message.push_str(&f.msg);
                                }
                                None => message.push_str(line),
                            }
                            out.cut += cut_owned(message) as u64;
                        }
                    }
                    None => {
                        out.unparsed += 1;
                        if out.first_unparsed.is_none() {
                            out.first_unparsed = Some((n, crate::model::excerpt(line, 160)));
                        }
                    }
                }
                None
            }
        }
    }
}
