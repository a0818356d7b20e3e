//! Framing one piece of a file: its physical lines (byte ranges, the
//! separator decided on the piece or given), each read by the format into
//! the record it begins or joined to the record before, with the time of
//! each header read once per distinct text; the piece's account of its
//! lines, numbered within the piece. [`super::frame`] cuts files into
//! pieces, joins the accounts and turns the numbers into the file's.
//!
//! How a header's time is read from the line before's: see
//! [`last_time`].

use super::format::Format;
use super::frame::{cut_message, cut_owned, LogFile, RecordRef, MAX_MESSAGE};
use super::trouble::TroubleWindow;
use crate::time::{TimeCtx, TimeParser};
use std::borrow::Cow;

mod last_time;
mod lines;
use last_time::LastTime;
pub(super) use lines::LineRanges;

/// Lines of `bytes` (valid UTF-8, cut at `sep`) that hold a U+FFFD and
/// no NUL: a piece with bytes that are not UTF-8 counts such lines among
/// its invalid ones, and the lines before its first bad line were read
/// before that was known.
fn replacement_lines(bytes: &[u8], sep: u8) -> u64 {
    let finder = memchr::memmem::Finder::new("\u{fffd}");
    let mut count = 0;
    let mut from = 0;
    while let Some(i) = finder.find(&bytes[from..]) {
        let hit = from + i;
        let start = memchr::memrchr(sep, &bytes[..hit]).map_or(0, |s| s + 1);
        let end = memchr::memchr(sep, &bytes[hit..]).map_or(bytes.len(), |e| hit + e);
        count += memchr::memchr(0, &bytes[start..end]).is_none() as u64;
        from = end;
    }
    count
}

/// Bytes checked for UTF-8 and NULs at once, from a line that is not
/// plain ASCII on: the lines of a file in another script than Latin are
/// then not checked one by one (that doubled the instructions of framing
/// an HDFS file with Cyrillic words on each line).
const CHECK_BLOCK: usize = 64 << 10;

/// A stretch of a piece checked for UTF-8 and NULs at once: whole lines,
/// from a line's start to a separator (or the end).
#[derive(Default)]
struct Block<'a> {
    start: usize,
    end: usize,
    /// The stretch as text, `None` where it has bytes that are not UTF-8.
    text: Option<&'a str>,
    /// Whether it holds NUL bytes.
    nul: bool,
}

impl<'a> Block<'a> {
    /// The block of the line `bytes[start..end]`: it and the lines after
    /// it up to the first separator [`CHECK_BLOCK`] bytes on.
    fn check(bytes: &'a [u8], start: usize, end: usize, sep: u8) -> Self {
        let at = (start + CHECK_BLOCK).max(end);
        let stop = if at >= bytes.len() {
            bytes.len()
        } else {
            memchr::memchr(sep, &bytes[at..]).map_or(bytes.len(), |i| at + i)
        };
        let stretch = &bytes[start..stop];
        Block {
            start,
            end: stop,
            text: simdutf8::basic::from_utf8(stretch).ok(),
            nul: memchr::memchr(0, stretch).is_some(),
        }
    }
}

/// How a piece's lines that are not plain ASCII came out: the block they
/// were last checked in, and once one had bytes that are not UTF-8, the
/// lines counted as invalid (those with a U+FFFD too: see
/// [`replacement_lines`]).
#[derive(Default)]
struct Odd<'a> {
    block: Block<'a>,
    /// Where the lines of a block that is UTF-8 without NULs end, as long
    /// as no line had bad bytes: those lines need no check of their own.
    clean_end: usize,
    repaired: bool,
    invalid: u64,
    /// The separator the piece's lines are cut at.
    sep: u8,
}

/// Frames one piece of a file: the whole of it, or a chunk that starts at
/// a record. Keeps the account of the piece's lines and the record not
/// yet complete.
pub(super) struct ChunkFramer<'f, 'a> {
    format: &'f Format,
    ctx: &'f TimeCtx,
    times: TimeParser,
    last_time: LastTime,
    out: LogFile,
    pending: Option<RecordRef<'a>>,
    /// A pretty-printed JSON value being gathered, from its `{` line.
    value: Option<JsonValue>,
    /// The last non-blank line before the one being read: whether a line
    /// without a header continues a runtime's dump depends on it (see
    /// `multiline.rs`).
    prev: Option<Cow<'a, str>>,
    /// Whether the pending record's severity was inferred from its words
    /// (the format gave no level): its continuation lines may raise it.
    inferred: bool,
    /// The words that mean trouble in the piece, found a stretch at a time
    /// for the messages of its lines where the format gives no level.
    trouble: TroubleWindow<'a>,
}

/// The lines of one JSON value that spans lines (`JSON.stringify(x, null,
/// 2)` in a JSON-lines log), gathered until its braces close.
struct JsonValue {
    /// Line of its `{`, within the piece.
    start: u64,
    lines: u32,
    text: String,
    depth: u32,
    in_string: bool,
    escaped: bool,
}

/// The most lines a value may take before it is given up as not one.
const MAX_VALUE_LINES: u32 = 2000;

impl JsonValue {
    fn new(start: u64, line: &str) -> Self {
        let mut v = JsonValue {
            start,
            lines: 0,
            text: String::new(),
            depth: 0,
            in_string: false,
            escaped: false,
        };
        v.push(line);
        v
    }

    /// Whether `line` cannot be the value's next line: directly inside
    /// its outer object, where only a member's key (or the closing `}`)
    /// may come, it opens an object or array. A `{` line followed by
    /// JSON records of one line each (a line cut after its first byte,
    /// say) gathered up to [`MAX_VALUE_LINES`] records into the record
    /// before.
    fn broken_by(&self, line: &str) -> bool {
        self.depth == 1
            && !self.in_string
            && matches!(line.trim_start().as_bytes().first(), Some(b'{' | b'['))
    }

    /// Adds a line; true once the value's braces and brackets close.
    fn push(&mut self, line: &str) -> bool {
        if self.lines > 0 {
            self.text.push('\n');
        }
        self.text.push_str(line);
        self.lines += 1;
        for b in line.bytes() {
            match (self.in_string, self.escaped, b) {
                (true, true, _) => self.escaped = false,
                (true, false, b'\\') => self.escaped = true,
                (true, false, b'"') => self.in_string = false,
                (true, false, _) => {}
                (false, _, b'"') => self.in_string = true,
                (false, _, b'{' | b'[') => self.depth += 1,
                (false, _, b'}' | b']') => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        self.depth == 0
    }
}

/// Lines of a detection sample that belong to JSON values printed over
/// several lines (a `{` alone, as framing gathers them) that `format`
/// reads as records: a file of such values alone is a JSON log.
pub(super) fn gathered_json_lines(format: &Format, lines: &[&str]) -> usize {
    let mut count = 0;
    let mut value: Option<JsonValue> = None;
    for line in lines {
        if value.as_ref().is_some_and(|v| v.broken_by(line)) {
            value = None;
        }
        let Some(v) = &mut value else {
            if format.opens_json_value(line) {
                value = Some(JsonValue::new(0, line));
            }
            continue;
        };
        if v.push(line) || v.lines >= MAX_VALUE_LINES {
            let v = value.take().unwrap();
            count += format.parse(&v.text).map_or(0, |_| v.lines as usize);
        }
    }
    count
}

/// What a header gives a record beyond its fields ([`ChunkFramer::head`]).
struct Head<'l> {
    time: Option<jiff::Timestamp>,
    severity: crate::model::Severity,
    message: std::borrow::Cow<'l, str>,
}

impl<'l> RecordRef<'l> {
    /// The record of `lines` lines from line `n`: `head`, and the text of
    /// `f` taken out of it.
    fn build(n: u64, lines: u32, head: Head<'l>, f: &mut super::Fields<'l>) -> Self {
        RecordRef {
            line: n,
            lines,
            time: head.time,
            host: f.host.take(),
            proc: f.proc.take(),
            severity: head.severity,
            message: head.message,
            method: f.method.take(),
            route: f.path.take(),
            status: f.status,
            upstream_time: f.upstream_time,
        }
    }

    /// [`RecordRef::build`] written over this record, field by field;
    /// inlined for the same reason as [`ChunkFramer::set_prev`].
    #[inline(always)]
    fn refill(&mut self, n: u64, lines: u32, head: Head<'l>, f: &mut super::Fields<'l>) {
        self.line = n;
        self.lines = lines;
        self.time = head.time;
        self.host = f.host.take();
        self.proc = f.proc.take();
        self.severity = head.severity;
        // The message composed for the record before (an access log's)
        // lends its buffer to the next one.
        if let Cow::Owned(old) = std::mem::replace(&mut self.message, head.message) {
            super::format::give_back(old);
        }
        self.method = f.method.take();
        self.route = f.path.take();
        self.status = f.status;
        self.upstream_time = f.upstream_time;
    }
}

impl<'f, 'a> ChunkFramer<'f, 'a> {
    pub(super) fn new(format: &'f Format, ctx: &'f TimeCtx) -> Self {
        ChunkFramer {
            format,
            ctx,
            times: TimeParser::new(),
            last_time: LastTime::new(ctx),
            out: LogFile {
                format: format.name().to_string(),
                ..LogFile::default()
            },
            pending: None,
            value: None,
            prev: None,
            inferred: false,
            trouble: TroubleWindow::default(),
        }
    }

    /// Frames `bytes`, handing each record to `visit`; returns the
    /// account, its line numbers within `bytes`, and the lines numbered
    /// (empty ones included).
    ///
    /// A line of plain ASCII (no NUL, no byte of 0x80 and up, as the
    /// search for line ends finds them) is read in place unchecked; only
    /// the others are checked for UTF-8 and NULs, and those with bad bytes
    /// read from repaired copies.
    pub(super) fn run<S>(
        mut self,
        bytes: &'a [u8],
        sep: Option<u8>,
        state: &mut S,
        visit: &(dyn Fn(&mut S, &mut RecordRef<'a>) + Sync),
    ) -> (LogFile, u64) {
        let mut lines = LineRanges::new(bytes, sep);
        let cut_at = lines.sep();
        self.trouble = TroubleWindow::new(bytes, cut_at);
        let mut odd = Odd {
            sep: cut_at,
            ..Odd::default()
        };
        while let Some((n, start, end)) = lines.next() {
            let line = if lines.plain(start) || end <= odd.clean_end {
                // SAFETY: the line's bytes are all ASCII (`plain`), or it
                // lies in a block found to be UTF-8, cut at ASCII bytes.
                unsafe { std::str::from_utf8_unchecked(&bytes[start..end]) }
            } else {
                match self.odd_line(n, bytes, (start, end), &mut odd, state, visit) {
                    Some(line) => line,
                    None => continue,
                }
            };
            self.line_in_place(n, line, state, visit);
            self.set_prev(Cow::Borrowed(line));
        }
        if odd.repaired {
            // As `str::lines` counts them: a file cut at carriage returns
            // alone is one line there.
            let cr_only = sep.is_none() && memchr::memchr(b'\n', bytes).is_none();
            self.out.invalid_utf8 = if cr_only { 1 } else { odd.invalid };
        }
        if let Some(v) = self.value.take() {
            // Braces never closed: its lines continue the record before.
            self.continue_with(&v);
        }
        self.emit(None, state, visit);
        (self.out, lines.numbered())
    }

    /// Reads line `n`, `bytes[start..end]`, which holds a NUL or a byte of
    /// 0x80 and up, where it is not valid UTF-8 without NULs (a line with
    /// bad bytes is read from a repaired copy, and counted; one with NULs
    /// by [`Self::nul_line`]); returns it where it is, to be read in place.
    /// The block from the line on is checked at once ([`Block`]); in a
    /// block with bad bytes, lines are checked one by one.
    #[inline(never)]
    fn odd_line<S>(
        &mut self,
        n: u64,
        bytes: &'a [u8],
        (start, end): (usize, usize),
        odd: &mut Odd<'a>,
        state: &mut S,
        visit: &(dyn Fn(&mut S, &mut RecordRef<'a>) + Sync),
    ) -> Option<&'a str> {
        if end > odd.block.end {
            odd.block = Block::check(bytes, start, end, odd.sep);
            if odd.block.text.is_none() && !odd.repaired {
                odd.repaired = true;
                odd.invalid += replacement_lines(&bytes[..start], odd.sep);
            }
            if odd.block.text.is_some() && !odd.block.nul && !odd.repaired {
                odd.clean_end = odd.block.end;
            }
        }
        let block = &odd.block;
        let line = match block.text {
            Some(text) => Ok(&text[start - block.start..end - block.start]),
            // The bad bytes may be on another line of the block.
            None => std::str::from_utf8(&bytes[start..end]),
        };
        let Ok(line) = line else {
            if !odd.repaired {
                odd.repaired = true;
                odd.invalid += replacement_lines(&bytes[..start], odd.sep);
            }
            odd.invalid += 1;
            let line = String::from_utf8_lossy(&bytes[start..end]);
            let records = if block.nul && line.contains('\0') {
                self.nul_line(n, &line)
            } else {
                let record = self.line(n, &line).map(RecordRef::into_static);
                record.into_iter().collect()
            };
            for record in records {
                self.emit(Some(record), state, visit);
            }
            self.set_prev(Cow::Owned(line.into_owned()));
            return None;
        };
        if odd.block.nul && line.contains('\0') {
            for record in self.nul_line(n, line) {
                self.emit(Some(record), state, visit);
            }
            self.set_prev(Cow::Borrowed(line));
            return None;
        }
        if odd.repaired {
            odd.invalid += line.contains('\u{fffd}') as u64;
        }
        Some(line)
    }

    /// Whether the record being framed is below `warn` (or there is none):
    /// a traceback after it was not logged with it.
    fn pending_quiet(&self) -> bool {
        self.pending
            .as_ref()
            .is_none_or(|p| p.severity < crate::model::Severity::Warn)
    }

    /// Keeps `line` as the line before the next one, unless it is blank.
    /// Inlined, so that a borrowed line is written into place rather than
    /// built aside and copied (the copy stalls on the stores just made).
    #[inline(always)]
    fn set_prev(&mut self, line: Cow<'a, str>) {
        if line.bytes().any(|b| !b.is_ascii_whitespace()) {
            self.prev = Some(line);
        }
    }

    /// Hands the pending record to `visit`, complete, and puts `record`
    /// (if any) in its place.
    fn emit<S>(
        &mut self,
        record: Option<RecordRef<'a>>,
        state: &mut S,
        visit: &(dyn Fn(&mut S, &mut RecordRef<'a>) + Sync),
    ) {
        if let Some(done) = &mut self.pending {
            visit(state, done);
        }
        // Not `self.pending = record`: that copies a `None` whole.
        match record {
            Some(record) => self.pending = Some(record),
            None => self.pending = None,
        }
    }

    /// [`Self::line`] for a line borrowed from the piece, the common case:
    /// the pending record is handed on and the one the line begins is
    /// written over it field by field, so that neither the fields read
    /// nor the record are copied whole (a struct just written and copied
    /// at once costs the copy and a stall).
    fn line_in_place<S>(
        &mut self,
        n: u64,
        line: &'a str,
        state: &mut S,
        visit: &(dyn Fn(&mut S, &mut RecordRef<'a>) + Sync),
    ) {
        if self.value.is_some() || self.format.opens_json_value(line) {
            if let Some(record) = self.line(n, line) {
                self.emit(Some(record), state, visit);
            }
            return;
        }
        self.out.lines = n;
        // `Format::parse`, then `foreign`, with the fields read in place.
        let mut read = match self.format.fast() {
            Some(fast) => fast(line),
            None => None,
        };
        super::fast::take(&mut read);
        if read.is_none() {
            read = self.format.parse_slow(line);
        }
        let prev = self.prev.as_deref();
        if read.is_none() {
            read = self.format.foreign(line, prev);
        }
        if read.is_none() {
            read = self
                .format
                .uncaught_traceback(line, prev, self.pending_quiet());
        }
        match &mut read {
            Some(f) if !self.format.is_continuation(f) && !self.format.continues(prev, line) => {
                if let Some(done) = &mut self.pending {
                    visit(state, done);
                }
                let head = self.head(n, line, f);
                match &mut self.pending {
                    Some(p) => p.refill(n, 1, head, f),
                    None => self.pending = Some(RecordRef::build(n, 1, head, f)),
                }
            }
            _ => {
                // A level word's line (DETAIL) keeps it; a dump's line as is.
                let by_level = read.filter(|f| self.format.is_continuation(f));
                self.join(n, line, by_level.as_ref());
            }
        }
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
        self.out.first_nul.get_or_insert(n);
        let mut parts: Vec<String> = Vec::new();
        for piece in line.split('\0').filter(|p| !p.is_empty()) {
            let starts = self.format.begins_record(piece);
            match parts.last_mut() {
                Some(last) if !starts => last.push_str(piece),
                _ => parts.push(piece.to_string()),
            }
        }
        if parts.iter().all(|p| p.trim().is_empty()) {
            self.out.lines = n;
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
    /// it to the record before (or counts it as unparsed). In a JSON log a
    /// `{` alone starts a [`JsonValue`], read once its braces close.
    fn line<'l>(&mut self, n: u64, line: &'l str) -> Option<RecordRef<'l>> {
        self.out.lines = n;
        if let Some(v) = &mut self.value {
            if v.broken_by(line) {
                // Not one value: its lines continue the record before, and
                // this line is read as any other (a JSON record of its
                // own, say, that would otherwise have been gathered).
                let v = self.value.take().unwrap();
                self.continue_with(&v);
            } else {
                if !v.push(line) && v.lines < MAX_VALUE_LINES {
                    return None;
                }
                let v = self.value.take().unwrap();
                return self.close_value(v);
            }
        }
        if self.format.opens_json_value(line) {
            self.value = Some(JsonValue::new(n, line));
            return None;
        }
        let prev = self.prev.as_deref();
        let quiet = self.pending_quiet();
        match self
            .format
            .parse(line)
            .or_else(|| self.format.foreign(line, prev))
            .or_else(|| self.format.uncaught_traceback(line, prev, quiet))
        {
            Some(mut f)
                if !self.format.is_continuation(&f) && !self.format.continues(prev, line) =>
            {
                Some(self.record(n, line, 1, &mut f))
            }
            other => {
                // A level word's line (DETAIL) keeps it; a dump's line as is.
                let by_level = other.filter(|f| self.format.is_continuation(f));
                self.join(n, line, by_level.as_ref());
                None
            }
        }
    }

    /// The record a gathered JSON value makes, or, when it does not read
    /// as one, its lines continuing the record before.
    fn close_value(&mut self, v: JsonValue) -> Option<RecordRef<'static>> {
        match self.format.parse(&v.text) {
            Some(mut f) if !self.format.is_continuation(&f) => {
                Some(self.record(v.start, &v.text, v.lines, &mut f).into_static())
            }
            _ => {
                self.continue_with(&v);
                None
            }
        }
    }

    /// A gathered value's lines as continuation lines of the pending
    /// record, or unparsed lines when there is none.
    fn continue_with(&mut self, v: &JsonValue) {
        for (i, line) in v.text.split('\n').enumerate() {
            self.join(v.start + i as u64, line, None);
        }
    }

    /// The record `f` read from `text` (`lines` physical lines from line
    /// `n`), its time read and counted; its text is taken out of `f`.
    fn record<'l>(
        &mut self,
        n: u64,
        text: &str,
        lines: u32,
        f: &mut super::Fields<'l>,
    ) -> RecordRef<'l> {
        let head = self.head(n, text, f);
        RecordRef::build(n, lines, head, f)
    }

    /// What the header `f` read from `text` (line `n`) gives beyond its
    /// fields, counted: its time, its message (taken out of `f`, cut) and
    /// its severity.
    #[inline]
    fn head<'l>(&mut self, n: u64, text: &str, f: &mut super::Fields<'l>) -> Head<'l> {
        let out = &mut self.out;
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
                out.first_no_time = Some((n, crate::model::excerpt(text, 160)));
            }
        }
        let mut message = std::mem::take(&mut f.msg);
        out.cut += cut_message(&mut message) as u64;
        self.inferred = f.level.is_none();
        let severity = f.level.unwrap_or_else(|| self.trouble.severity(&message));
        Head {
            time: time.map(|p| p.ts),
            severity,
            message,
        }
    }

    /// Joins line `n` to the pending record (a continuation line; `other`
    /// its fields when the format read it as one), or counts it unparsed
    /// when no record is pending.
    fn join(&mut self, n: u64, line: &str, other: Option<&super::Fields>) {
        let out = &mut self.out;
        match &mut self.pending {
            Some(rec) => {
                out.continuation += 1;
                rec.lines += 1;
                // An exception's own line (not its indented frames) tells
                // how bad a record without a level was: `ValueError: ...`
                // after a `Traceback`, `panic: ...` after a log line.
                if self.inferred && !line.starts_with(char::is_whitespace) {
                    rec.severity = rec.severity.max(self.trouble.severity(line));
                }
                if rec.message.len() < MAX_MESSAGE {
                    let message = rec.message.to_mut();
                    message.push('\n');
                    match other {
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
    }
}
