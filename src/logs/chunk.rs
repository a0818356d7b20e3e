//! Framing one piece of a file: its physical lines (byte ranges, the
//! separator decided on the piece or given), each read by the format into
//! the record it begins or joined to the record before, with the time of
//! each header read once per distinct text; the piece's account of its
//! lines, numbered within the piece. [`super::frame`] cuts files into
//! pieces, joins the accounts and turns the numbers into the file's.
//!
//! # Limitations
//! - A time text is read from the line before's only when the two are
//!   the same, or differ in the digits of the minutes, seconds and
//!   fraction of a text of 8 to 32 bytes that [`FastTime`] read (its
//!   hour's): a longer text (ISO 8601 with nanoseconds and an offset) is
//!   read whole unless it repeats, and the first text of each hour costs
//!   more than before (where its digits lie is found). Framing the first
//!   200,000 lines of the 140 MB test files takes fewer instructions
//!   than with the fraction alone read from the line before (callgrind,
//!   ingest bench, one thread): OpenSSH 7.5%, HDFS 6.8%, BGL 3.0% (its
//!   hour changes on 23% of its lines), nginx 2.6%, Spark 3.4%, Postgres
//!   2.1%.

use super::format::Format;
use super::frame::{cut_message, cut_owned, LogFile, RecordRef, MAX_MESSAGE};
use super::trouble::TroubleWindow;
use crate::time::{FastTime, Hour, TimeCtx, TimeParser};
use std::borrow::Cow;

mod lines;
pub(super) use lines::LineRanges;

/// The time text of the line before and what it read as: lines of one
/// second (or millisecond) repeat it, and reading it again would give the
/// same result, since the parser tries the shape that read it first. A new
/// text is read by [`FastTime`] where it knows the shape, by the general
/// parser otherwise; one of 8 to 32 bytes that differs from a text
/// [`FastTime`] read only in the digits of its minutes, seconds and
/// fraction (`2026-12-04 16:19:21.006 UTC` after `16:18:20.001 UTC`) is
/// of the same hour: those digits alone are read, on the hour's answer
/// ([`Hour`]).
struct LastTime {
    /// The last text, where it has 8 to 32 bytes: then its bytes are
    /// compared as two numbers, and `text` is not kept.
    ends: Option<Ends>,
    /// The last text, where it is shorter or longer.
    text: String,
    parsed: Option<crate::time::Parsed>,
    /// The hour of the last text, where [`FastTime`] read it and it has
    /// 8 to 32 bytes, with the [`Ends`] of a text of its length whose
    /// bytes are all ones where the hour's texts may differ, zeros
    /// elsewhere.
    hour: Option<(Hour, Ends)>,
    fast: FastTime,
}

/// A text of 8 to 32 bytes as its length, its first 16 bytes and its last
/// 16 (8 and 8 for one shorter than 16), which together cover it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Ends {
    len: usize,
    head: u128,
    tail: u128,
}

impl Ends {
    #[inline(always)]
    fn of(b: &[u8]) -> Option<Ends> {
        let len = b.len();
        let (head, tail) = if len >= 16 {
            let head = u128::from_le_bytes(*b.first_chunk::<16>()?);
            (head, u128::from_le_bytes(*b.last_chunk::<16>()?))
        } else {
            let head = u64::from_le_bytes(*b.first_chunk::<8>()?);
            (
                head.into(),
                u64::from_le_bytes(*b.last_chunk::<8>()?).into(),
            )
        };
        (len <= 32).then_some(Ends { len, head, tail })
    }

    /// Whether `self` and `other` differ at most in the bytes where
    /// `vary` has ones.
    #[inline(always)]
    fn same_but(&self, other: &Ends, vary: &Ends) -> bool {
        self.len == other.len
            && (self.head ^ other.head) & !vary.head == 0
            && (self.tail ^ other.tail) & !vary.tail == 0
    }
}

impl LastTime {
    fn new(ctx: &TimeCtx) -> Self {
        LastTime {
            ends: None,
            text: String::new(),
            parsed: None,
            hour: None,
            fast: FastTime::new(ctx),
        }
    }

    /// `text` as a time, from the line before's where it can. Inlined
    /// into the framer: called apart, its answer went back through memory,
    /// written in pieces and read whole at once, a stall that was a fifth
    /// of its time (perf).
    #[inline(always)]
    fn parse(
        &mut self,
        text: &str,
        times: &TimeParser,
        ctx: &TimeCtx,
    ) -> Option<crate::time::Parsed> {
        let Some(ends) = Ends::of(text.as_bytes()) else {
            return self.parse_other(text, times, ctx);
        };
        if self.ends == Some(ends) {
            return self.parsed;
        }
        let parsed = match self.same_hour(text.as_bytes(), &ends) {
            Some(p) => Some(p),
            None => self.read(text, times, ctx),
        };
        self.ends = Some(ends);
        self.parsed = parsed;
        parsed
    }

    /// [`Self::parse`] of a text shorter than 8 bytes or longer than 32.
    #[inline(never)]
    fn parse_other(
        &mut self,
        text: &str,
        times: &TimeParser,
        ctx: &TimeCtx,
    ) -> Option<crate::time::Parsed> {
        if self.ends.is_none() && same_text(&self.text, text) && !self.text.is_empty() {
            return self.parsed;
        }
        self.parsed = self.read(text, times, ctx);
        self.ends = None;
        self.text.clear();
        self.text.push_str(text);
        self.parsed
    }

    /// `text` read anew, and its hour kept.
    #[inline(never)]
    fn read(
        &mut self,
        text: &str,
        times: &TimeParser,
        ctx: &TimeCtx,
    ) -> Option<crate::time::Parsed> {
        let fast = self.fast.parse(text);
        let last = self.hour.take();
        self.hour = fast.and_then(|p| {
            let hour = self.fast.hour(text, &p)?;
            // The bytes that vary are those of the hour before, where its
            // text had the same shape.
            if let Some((h, vary)) = last {
                let key = |h: &Hour| (h.min_at, h.sec_at, h.digits);
                if key(&h) == key(&hour) && vary.len == text.len() {
                    return Some((hour, vary));
                }
            }
            let mut vary = [0u8; 32];
            let fraction = hour.sec_at + 3..hour.sec_at + 3 + hour.digits;
            for at in [hour.min_at, hour.min_at + 1, hour.sec_at, hour.sec_at + 1]
                .into_iter()
                .chain(fraction)
            {
                *vary.get_mut(at)? = 0xff;
            }
            Some((hour, Ends::of(vary.get(..text.len())?)?))
        });
        fast.or_else(|| times.parse(text, ctx))
    }

    /// `b` (its [`Ends`] `ends`) read from the hour of the last text,
    /// where the two differ only in the digits of the minutes, seconds and
    /// fraction: the shape, the hour and the zone are the same, and
    /// [`FastTime`] would read the seconds into the hour and the
    /// nanoseconds from those digits alone.
    #[inline(always)]
    fn same_hour(&self, b: &[u8], ends: &Ends) -> Option<crate::time::Parsed> {
        let (h, vary) = self.hour.as_ref()?;
        if !ends.same_but(self.ends.as_ref()?, vary) {
            return None;
        }
        let (m, s) = (two_digits(b, h.min_at)?, two_digits(b, h.sec_at)?);
        let into = m * 60 + s;
        if m > 59 || s > 59 || into < h.within.0 || into > h.within.1 {
            return None;
        }
        let mut nanos = 0;
        if h.digits > 0 {
            for &d in b.get(h.sec_at + 3..h.sec_at + 3 + h.digits)? {
                let v = d.wrapping_sub(b'0');
                (v <= 9).then_some(())?;
                nanos = nanos * 10 + i32::from(v);
            }
            nanos *= crate::time::FRACTION_SCALE[h.digits];
        }
        // In range: `within` stops at the last second there is.
        let ts = jiff::Timestamp::constant(h.base + into, nanos);
        Some(crate::time::Parsed {
            ts,
            zone_assumed: h.zone_assumed,
            year_inferred: h.year_inferred,
        })
    }
}

/// The two ASCII digits at `at` in `b` as a number.
#[inline(always)]
fn two_digits(b: &[u8], at: usize) -> Option<i64> {
    let [a, b] = *b.get(at..at + 2)?.first_chunk::<2>()?;
    let (a, b) = (a.wrapping_sub(b'0'), b.wrapping_sub(b'0'));
    (a <= 9 && b <= 9).then(|| i64::from(a * 10 + b))
}

/// `a == b`, their last eight bytes compared first: where a log's time
/// has a fraction, the text changes at its end from one line to the next,
/// and memcmp over the whole of it showed in perf (2% to 3% of BGL).
#[inline]
fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if let (Some(x), Some(y)) = (a.last_chunk::<8>(), b.last_chunk::<8>()) {
        if x != y {
            return false;
        }
    }
    a == b
}

/// Bytes checked for UTF-8 at a time while framing: small enough to be
/// read again from the cache when the lines are cut and read, large
/// enough that the check runs at memory speed.
pub(super) const UTF8_BLOCK: usize = 64 << 10;

/// A stretch of a piece checked for UTF-8 at once: whole lines, from a
/// line's start to a separator (or the end).
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
    /// it up to the first separator [`UTF8_BLOCK`] bytes on.
    fn check(bytes: &'a [u8], start: usize, end: usize, sep: u8) -> Self {
        let at = (start + UTF8_BLOCK).max(end);
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

/// Lines of `bytes` (valid UTF-8, cut at `sep`) that hold a U+FFFD and
/// no NUL: a piece with bytes that are not UTF-8 counts such lines among
/// its invalid ones, and the lines before its first bad block were read
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
    /// The words that mean trouble in the block being read, found once
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
    /// UTF-8 is checked a block at a time ([`UTF8_BLOCK`], cut at a
    /// separator) as the lines reach it, so that the bytes come from
    /// memory once; the lines of a block that is UTF-8 are read in place.
    /// From the first block with other bytes on, lines are checked one by
    /// one, and only those with bad bytes are read from repaired copies.
    pub(super) fn run<S>(
        mut self,
        bytes: &'a [u8],
        sep: Option<u8>,
        state: &mut S,
        visit: &(dyn Fn(&mut S, &mut RecordRef<'a>) + Sync),
    ) -> (LogFile, u64) {
        let mut lines = LineRanges::new(bytes, sep);
        let cut_at = lines.sep();
        let mut block = Block::default();
        // Whether a block of this piece had bytes that are not UTF-8, and
        // the lines counted as such since.
        let mut repaired = false;
        let mut invalid = 0;
        for (n, start, end) in lines.by_ref() {
            if end > block.end {
                block = Block::check(bytes, start, end, cut_at);
                self.trouble.reset(block.text.unwrap_or_default());
                if block.text.is_none() && !repaired {
                    repaired = true;
                    invalid += replacement_lines(&bytes[..start], cut_at);
                }
            }
            let line = match block.text {
                Some(text) => Ok(&text[start - block.start..end - block.start]),
                // The bad bytes may be on another line of the block.
                None => std::str::from_utf8(&bytes[start..end]),
            };
            let Ok(line) = line else {
                invalid += 1;
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
                continue;
            };
            if block.nul && line.contains('\0') {
                for record in self.nul_line(n, line) {
                    self.emit(Some(record), state, visit);
                }
                self.set_prev(Cow::Borrowed(line));
                continue;
            }
            if repaired {
                invalid += line.contains('\u{fffd}') as u64;
            }
            self.line_in_place(n, line, state, visit);
            self.set_prev(Cow::Borrowed(line));
        }
        if repaired {
            // As `str::lines` counts them: a file cut at carriage returns
            // alone is one line there.
            let cr_only = sep.is_none() && memchr::memchr(b'\n', bytes).is_none();
            self.out.invalid_utf8 = if cr_only { 1 } else { invalid };
        }
        if let Some(v) = self.value.take() {
            // Braces never closed: its lines continue the record before.
            self.continue_with(&v);
        }
        self.emit(None, state, visit);
        (self.out, lines.numbered())
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
            if !v.push(line) && v.lines < MAX_VALUE_LINES {
                return None;
            }
            let v = self.value.take().unwrap();
            return self.close_value(v);
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

#[cfg(test)]
mod tests {
    use super::{same_text, Ends, LastTime};
    use crate::time::{FastTime, TimeCtx, TimeParser};

    /// A time that differs from the one before in the digits of its
    /// minutes, seconds and fraction alone is read from its hour, as the
    /// parsers read it; any other difference, or a text the fast reader
    /// does not read, is read anew. A syslog time is read from its hour
    /// on the side of the collection time (a day on) that the hour's text
    /// was on, whatever the fraction of the collection time's second.
    /// Texts shorter than 8 bytes or longer than 32 are read anew unless
    /// the same as the one before.
    #[test]
    fn last_time_same_hour() {
        let texts = [
            "2026-12-04 16:18:20.006 UTC",
            "2026-12-04 16:18:20.019 UTC",
            "2026-12-04 16:18:20.019 UTC",
            "2026-12-04 16:18:20.9x9 UTC",
            "2026-12-04 16:18:20.999 UTC",
            "2026-12-04 16:18:21.000 UTC",
            "2026-12-04 16:18:59.000 UTC",
            "2026-12-04 16:18:60.000 UTC",
            "2026-12-04 16:18:0x.000 UTC",
            "2026-12-04 16:5x:00.000 UTC",
            "2026-12-04 16:59:59.999 UTC",
            "2026-12-04 16:60:00.000 UTC",
            "2026-12-04 16:00:00.000 UTC",
            "2026-12-04 16:18:21.000 GMT",
            "2026-12-04 16:18:21.001+01:00",
            "2026-12-04 16:18:29.002+01:00",
            "2026-12-04 16:19:29.002+01:00",
            "2026-12-04 16:19:29,002+01:00",
            "2005-06-03-15.42.50.675872",
            "2005-06-03-15.42.50.000001",
            "2005-06-03-15.42.50.999999",
            "2005-06-03-15.42.51.999999",
            "2005-06-03-15.42.09.999999",
            "2005-06-03-15.43.09.999999",
            "1970-01-01T00:00:00.5+01:00",
            "1970-01-01T00:00:00.7+01:00",
            "1970-01-01T01:00:00.7+01:00",
            "1970-01-01T01:00:01.7+01:00",
            "2026-12-04T16:18:20.123456789Z",
            "2026-12-04T16:18:20.923456789Z",
            "2026-12-04T16:18:20.1234567891Z",
            "2026-12-04T16:18:20.9234567891Z",
            "2026-12-04T16:18:20Z",
            "2026-12-04T16:18:21Z",
            "9999-12-31T23:59:58Z",
            "9999-12-31T23:59:59Z",
            "081109 203615",
            "081109 203659",
            "081109 203660",
            "081109 2036 5",
            "17/06/09 20:10:40",
            "17/06/09 20:10:41",
            "04/Dec/2026:15:39:02 +0000",
            "04/Dec/2026:15:39:03 +0000",
            "04/Dec/2026:15:39:03 +0100",
            "1764862509453",
            "1764862509454",
            "2026-12-04T16:18:20.123456789+01:00",
            "2026-12-04T16:18:20.123456789+01:00",
            "2026-12-04T16:18:21.123456789+01:00",
            "7",
            "7",
            "Dec  5 16:23:44",
            "Dec  5 16:23:45",
            "Dec  5 16:23:46",
            "Dec  5 16:23:59",
            "Dec  5 16:23:10",
            "Dec  5 16:23:47",
            "Dec  5 16:59:59",
            "Dec  5 16:00:00",
            "Dec  5 16:23:45",
            "Dec  5 16:24:47",
            "Dec  5 16:24:00",
            "Dec  5 16:22:59",
            "Dec  5 16:22:00",
            "Feb 29 16:22:00",
            "Feb 29 16:22:01",
        ];
        let times = TimeParser::new();
        let mut all_hits = Vec::new();
        for reference in [
            None,
            Some("2026-12-04T16:23:45Z"),
            Some("2026-12-04T16:23:45.5Z"),
        ] {
            let ctx = TimeCtx {
                reference: reference.map(|r| r.parse().unwrap()),
                ..TimeCtx::default()
            };
            let fast = FastTime::new(&ctx);
            let mut last = LastTime::new(&ctx);
            let mut hits = 0;
            for (i, t) in texts.iter().enumerate() {
                if i > 0 && texts[i - 1] != *t {
                    hits += Ends::of(t.as_bytes())
                        .and_then(|e| last.same_hour(t.as_bytes(), &e))
                        .is_some() as usize;
                }
                let expected = fast.parse(t).or_else(|| times.parse(t, &ctx));
                assert_eq!(last.parse(t, &times, &ctx), expected, "{t} {reference:?}");
            }
            all_hits.push(hits);
        }
        assert_eq!(all_hits, [16, 22, 22]);
    }

    /// The time texts compared tail first are equal where `==` says so:
    /// texts shorter and longer than the tail, differing at every place.
    #[test]
    fn same_text_as_eq() {
        let base = "2005-06-03-15.42.50.675872";
        for len in 0..=base.len() {
            let a = &base[..len];
            assert!(same_text(a, a), "{a}");
            for at in 0..len {
                let mut b = a.as_bytes().to_vec();
                b[at] = b'x';
                let b = String::from_utf8(b).unwrap();
                assert_eq!(same_text(a, &b), a == b, "{a} {b}");
            }
            assert!(!same_text(a, base) || len == base.len(), "{a}");
        }
    }
}
