//! What a log format is: a name, a description, a verbose regex with named
//! groups (or one of the structured readers, JSON and logfmt), and real
//! sample lines with the fields they must yield.
//!
//! Users add formats without recompiling through a JSON definition file
//! holding the same fields (`--format-def FILE`):
//!
//! ```json
//! {"name": "myapp", "description": "our app",
//!  "regex": "^(?P<time>\\S+ \\S+) (?P<level>[A-Z]+) (?P<msg>.*)$",
//!  "samples": [{"line": "2026-12-04 15:35:01 ERROR boom",
//!               "time": "2026-12-04T15:35:01Z", "level": "error", "msg": "boom"}]}
//! ```

use super::trouble::infer_severity;
use crate::model::Severity;
use regex::Regex;
use serde::{Deserialize, Serialize};

/// A built-in format, as written in [`super::builtin`].
pub(crate) struct Builtin {
    pub name: &'static str,
    pub description: &'static str,
    pub regex: &'static str,
    pub continuation_levels: &'static [&'static str],
    pub samples: &'static [Sample],
}

/// A real line and what it must yield.
pub(crate) struct Sample {
    pub line: &'static str,
    pub time: Option<&'static str>,
    pub level: Option<&'static str>,
    pub msg: &'static str,
}

/// A format definition, built in or read from a user's file. A key this
/// does not know (a misspelt `regexp`) is refused, not ignored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormatDef {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Verbose-mode regex with named groups; empty for the structured
    /// readers (`json`, `logfmt`).
    #[serde(default)]
    pub regex: String,
    /// Level words that continue the record before them (Postgres DETAIL).
    #[serde(default)]
    pub continuation_levels: Vec<String>,
    #[serde(default)]
    pub samples: Vec<SampleDef>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SampleDef {
    pub line: String,
    /// The UTC time the line must yield (RFC 3339), if it has one.
    pub time: Option<String>,
    /// The normalised severity it must yield (`info`, `error`, ...).
    pub level: Option<String>,
    pub msg: String,
}

impl From<&Builtin> for FormatDef {
    fn from(b: &Builtin) -> Self {
        FormatDef {
            name: b.name.into(),
            description: b.description.into(),
            regex: b.regex.into(),
            continuation_levels: b
                .continuation_levels
                .iter()
                .map(|s| s.to_string())
                .collect(),
            samples: b
                .samples
                .iter()
                .map(|s| SampleDef {
                    line: s.line.into(),
                    time: s.time.map(Into::into),
                    level: s.level.map(Into::into),
                    msg: s.msg.into(),
                })
                .collect(),
        }
    }
}

/// The fields one line yields, borrowed from it.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Fields<'a> {
    pub time: Option<std::borrow::Cow<'a, str>>,
    /// Seconds since boot (dmesg), when that is all the line has.
    pub uptime: Option<f64>,
    pub host: Option<std::borrow::Cow<'a, str>>,
    pub level: Option<Severity>,
    /// The raw level word, for continuation levels.
    pub level_word: Option<&'a str>,
    pub proc: Option<std::borrow::Cow<'a, str>>,
    pub msg: std::borrow::Cow<'a, str>,
    pub method: Option<std::borrow::Cow<'a, str>>,
    pub path: Option<std::borrow::Cow<'a, str>>,
    pub status: Option<u16>,
    pub upstream_time: Option<f64>,
}

enum Reader {
    Regex(Box<Header>),
    Json,
    Logfmt,
    Plain,
}

/// A compiled format regex. Most end in `(?P<msg>.*)$`: the message is the
/// rest of the line. Such a regex is compiled without that tail, with an
/// empty `msg` group where the message starts, so that capturing (the
/// costly part of reading a line) covers the header only; leftmost-first
/// matching picks the same header either way, since the tail matches any
/// rest.
struct Header {
    re: Regex,
    msg_to_end: bool,
    /// Index of each named group in [`GROUPS`] order, resolved once.
    groups: [Option<usize>; GROUPS.len()],
}

/// Indices into [`GROUPS`].
const G_TIME: usize = 0;
const G_UPTIME: usize = 1;
const G_HOST: usize = 2;
const G_LEVEL: usize = 3;
const G_PROC: usize = 4;
const G_MSG: usize = 5;
const G_METHOD: usize = 6;
const G_PATH: usize = 7;
const G_STATUS: usize = 8;
const G_URT: usize = 9;
const G_PRI: usize = 10;
/// The named groups a format regex may have.
const GROUPS: [&str; 11] = [
    "time", "uptime", "host", "level", "proc", "msg", "method", "path", "status", "urt", "pri",
];

/// `pattern` with each `\d` written `[0-9]`: a built-in format reads
/// ASCII digits only. Unicode's decimal digits (`\d` by default) are
/// read by no time or number parser after the regex, and they make the
/// regexes five times as costly to compile: 27 against 5.4 ms for the
/// built-in ones, one after another (2026-12-05, load 3), a fixed cost
/// of every run that a million-line file's mining (about 190 ms on two
/// threads) felt. A built-in pattern holds no escaped backslash before a
/// `d` (tested), so every `\d` found is the class.
fn ascii_digits(pattern: &str) -> String {
    pattern.replace(r"\d", "[0-9]")
}

impl Header {
    fn new(regex: &str) -> Result<Header, regex::Error> {
        const TAIL: &str = "(?P<msg>.*)$";
        let (re, msg_to_end) = match regex.trim_end().strip_suffix(TAIL) {
            // An error is told of the regex as written, not as rewritten.
            Some(head) => match Regex::new(&format!("{head}(?P<msg>)")) {
                Ok(re) => (re, true),
                Err(e) => return Err(Regex::new(regex).err().unwrap_or(e)),
            },
            None => (Regex::new(regex)?, false),
        };
        let index = |g: &str| re.capture_names().position(|n| n == Some(g));
        let groups = GROUPS.map(index);
        Ok(Header {
            re,
            msg_to_end,
            groups,
        })
    }

    /// Named group `GROUPS[g]` in `c`.
    fn get<'a>(&self, c: &regex::Captures<'a>, g: usize) -> Option<regex::Match<'a>> {
        self.groups[g].and_then(|i| c.get(i))
    }
}

/// A format ready to read lines.
pub struct Format {
    pub def: FormatDef,
    reader: Reader,
    /// The hand-written readers tried first, for built-in formats that
    /// have them (see `fast.rs`).
    fast: Option<super::fast::Readers>,
}

/// Why a user's format definition was refused.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("format `{name}`: regex does not compile: {source}")]
    Regex { name: String, source: regex::Error },
    #[error("format `{name}`: regex has no `msg` group")]
    NoMsg { name: String },
    #[error(
        "format `{name}`: no sample line; give at least one real line and the fields it must yield"
    )]
    NoSample { name: String },
    #[error("format `{name}`: sample {} (`{line}`): {why}", index + 1)]
    Sample {
        name: String,
        /// 0-based index of the sample in the definition.
        index: usize,
        line: String,
        why: String,
    },
}

impl Format {
    pub fn compile(def: FormatDef) -> Result<Format, FormatError> {
        let pattern = def.regex.clone();
        Format::compile_as(def, &pattern)
    }

    /// [`Format::compile`] with `pattern` compiled in place of the
    /// definition's regex (which the format still shows).
    fn compile_as(def: FormatDef, pattern: &str) -> Result<Format, FormatError> {
        let reader = match (def.name.as_str(), def.regex.is_empty()) {
            ("json", true) => Reader::Json,
            ("logfmt", true) => Reader::Logfmt,
            ("plain", true) => Reader::Plain,
            _ => {
                let header = Header::new(pattern).map_err(|source| FormatError::Regex {
                    name: def.name.clone(),
                    source,
                })?;
                let re = &header.re;
                let has = |g: &str| re.capture_names().any(|n| n == Some(g));
                let access_log = has("method") && has("path");
                if !has("msg") && !access_log {
                    return Err(FormatError::NoMsg {
                        name: def.name.clone(),
                    });
                }
                Reader::Regex(Box::new(header))
            }
        };
        Ok(Format {
            def,
            reader,
            fast: None,
        })
    }

    /// A user's format: compiled, and refused unless it has samples and
    /// reads every one of them into the fields it promises.
    pub fn compile_user(def: FormatDef) -> Result<Format, FormatError> {
        let format = Format::compile(def)?;
        let name = || format.def.name.clone();
        if format.def.samples.is_empty() {
            return Err(FormatError::NoSample { name: name() });
        }
        for (index, s) in format.def.samples.iter().enumerate() {
            format.check_sample(s).map_err(|why| FormatError::Sample {
                name: name(),
                index,
                line: s.line.clone(),
                why,
            })?;
        }
        Ok(format)
    }

    /// Whether this format reads `s.line` into the message, UTC time and
    /// severity that `s` promises; what differs otherwise. A time without
    /// a year takes it from the promised time.
    pub fn check_sample(&self, s: &SampleDef) -> Result<(), String> {
        let got = self
            .parse(&s.line)
            .ok_or("the format does not read the line")?;
        if got.msg != s.msg {
            return Err(format!(
                "the message read is `{}`, the sample says `{}`",
                got.msg, s.msg
            ));
        }
        if let Some(want) = &s.time {
            let want_ts: jiff::Timestamp = want
                .parse()
                .map_err(|e| format!("the sample's time `{want}` is not RFC 3339: {e}"))?;
            let text = got.time.as_deref().ok_or("the line yields no time")?;
            let ctx = crate::time::TimeCtx {
                reference: Some(want_ts),
                ..crate::time::TimeCtx::default()
            };
            let t = crate::time::TimeParser::new()
                .parse(text, &ctx)
                .ok_or_else(|| format!("`{text}` is not a time outsidein can read"))?;
            if t.ts != want_ts {
                return Err(format!(
                    "the time `{text}` reads as {}, the sample says {want}",
                    t.ts
                ));
            }
        }
        if let Some(want) = &s.level {
            let level = got.level.unwrap_or_else(|| infer_severity(&got.msg));
            if level.as_str() != want {
                return Err(format!(
                    "the severity read is `{}`, the sample says `{want}`",
                    level.as_str()
                ));
            }
        }
        Ok(())
    }

    /// A built-in format, with its hand-written reader if it has one.
    /// Its regex's `\d` is compiled as `[0-9]` ([`ascii_digits`]).
    pub(crate) fn compile_builtin(def: FormatDef) -> Result<Format, FormatError> {
        let pattern = ascii_digits(&def.regex);
        let mut format = Format::compile_as(def, &pattern)?;
        format.fast = super::fast::readers(format.name());
        Ok(format)
    }

    /// A line that the format does not read but that stands on its own
    /// (`prev` is the last non-blank line before it, if any).
    ///
    /// In a JSON or logfmt log: a runtime's own output between the
    /// application's records, such as V8's `FATAL ERROR: Reached heap
    /// limit ... JavaScript heap out of memory` on stderr. It begins a
    /// record without a time (counted as such) instead of hiding in the
    /// record before it. Blank and indented lines, stack frames (V8's
    /// numbered native frames too), the lines of a pretty-printed JSON
    /// value and the other lines of a runtime's dump (see `multiline.rs`)
    /// still continue the record before.
    ///
    /// In any other format: a runtime's crash header (a Go `panic:`,
    /// `Exception in thread "main"`, Node's and Ruby's uncaught
    /// exceptions), which no logger wrote.
    pub fn foreign<'a>(&self, line: &'a str, prev: Option<&str>) -> Option<Fields<'a>> {
        let cause = || prev.is_some_and(|p| super::multiline::continues_after(p, line));
        if !matches!(self.reader, Reader::Json | Reader::Logfmt) {
            return (super::multiline::crash_start(line) && !cause()).then(|| headerless(line));
        }
        // A pretty-printed value's own lines: `{` or `[` alone, or a line
        // that closes one or holds a member. A JSON record cut short
        // (`{"level":60,"msg":"fatal: database connectio`, the last line
        // a crash wrote) is a record of its own.
        let t = line.trim_end();
        let json_part = t == "{" || t == "[" || t.starts_with(['}', ']', '"', ',']);
        // V8's native frames past the ninth: `10: 0x10baae6 v8::...`.
        let numbered_frame = line
            .split_once(": 0x")
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        (!json_part && !numbered_frame && !cause())
            .then(|| plain_line(line))
            .flatten()
    }

    /// Whether `line`, which the `plain` reader read as a record, continues
    /// the record whose last non-blank line is `prev` all the same: a
    /// traceback's final exception line, a goroutine's function line (see
    /// `multiline.rs`). False for every other format: a line it reads
    /// begins a record.
    #[inline]
    pub fn continues(&self, prev: Option<&str>, line: &str) -> bool {
        matches!(self.reader, Reader::Plain)
            && prev.is_some_and(|p| super::multiline::continues_after(p, line))
    }

    /// Whether `line` opens a JSON value printed over several lines (a
    /// `{` alone) in a JSON log: its lines are gathered and read as one
    /// record.
    #[inline]
    pub fn opens_json_value(&self, line: &str) -> bool {
        self.reads_json() && line.trim_end() == "{"
    }

    /// Whether this is the JSON reader.
    pub fn reads_json(&self) -> bool {
        matches!(self.reader, Reader::Json)
    }

    /// The last-resort reader, chosen only when no other format reads
    /// enough lines.
    pub fn is_fallback(&self) -> bool {
        matches!(self.reader, Reader::Plain)
    }

    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// Whether `line` begins a record: the format reads it, and its level
    /// does not make it a continuation.
    /// A Python traceback that no logger introduced: an uncaught
    /// exception printed on stderr between a timestamped log's lines. It
    /// begins a record of its own when the record before is below
    /// `warn` (`quiet`: a `logger.exception` or `exc_info` line is at
    /// least that, and keeps its traceback) and no chained traceback or
    /// `basicConfig()` line leads to it. Framing alone asks this, never
    /// the chunk cutter, which cuts only at lines the format reads.
    pub fn uncaught_traceback<'a>(
        &self,
        line: &'a str,
        prev: Option<&str>,
        quiet: bool,
    ) -> Option<Fields<'a>> {
        let chained = || prev.is_some_and(|p| super::multiline::continues_after(p, line));
        (quiet && line.starts_with("Traceback (most recent call last):") && !chained())
            .then(|| headerless(line))
    }

    pub fn begins_record(&self, line: &str) -> bool {
        self.parse(line).is_some_and(|f| !self.is_continuation(&f))
    }

    /// True when this line continues the record before it by its level.
    #[inline]
    pub fn is_continuation(&self, f: &Fields) -> bool {
        f.level_word
            .is_some_and(|w| self.def.continuation_levels.iter().any(|c| c == w))
    }

    /// The hand-written reader, if this format has one.
    pub(crate) fn fast(&self) -> Option<super::fast::Reader> {
        self.fast.map(|r| r.fields)
    }

    /// Reads one line, or `None` when it is not in this format.
    pub fn parse<'a>(&self, line: &'a str) -> Option<Fields<'a>> {
        let mut read = self.fast.and_then(|fast| (fast.fields)(line));
        super::fast::take(&mut read);
        if read.is_some() {
            return read;
        }
        self.parse_slow(line)
    }

    /// The message [`Format::parse`] reads from one line, without the
    /// other fields where the hand-written reader is sure.
    pub fn message<'a>(&self, line: &'a str) -> Option<std::borrow::Cow<'a, str>> {
        let msg = self.fast.and_then(|fast| (fast.message)(line));
        if let Some(msg) = msg.filter(|m| !m.is_empty()) {
            return Some(msg);
        }
        self.parse_slow(line).map(|f| f.msg)
    }

    /// Where the fast reader finds the message start, for a format whose
    /// reader can ([`super::fast::Start`]).
    pub(crate) fn start(&self) -> Option<super::fast::Start> {
        self.fast.and_then(|r| r.start)
    }

    /// [`Format::message`] with the message start found by `start`, the
    /// format's own ([`Format::start`]): inlined where `start` is a
    /// constant, so that a loop over lines makes no call but for lines
    /// the fast reader leaves to the regex.
    #[inline(always)]
    pub(crate) fn message_from<'a>(
        &self,
        start: super::fast::Start,
        line: &'a str,
    ) -> Option<std::borrow::Cow<'a, str>> {
        match start.of(line) {
            Some(at) if at < line.len() => Some(std::borrow::Cow::Borrowed(&line[at..])),
            _ => self.message_slow(line),
        }
    }

    /// The message the regex or structured reader reads, out of the loops
    /// that call [`Format::message_from`].
    #[inline(never)]
    #[cold]
    fn message_slow<'a>(&self, line: &'a str) -> Option<std::borrow::Cow<'a, str>> {
        self.parse_slow(line).map(|f| f.msg)
    }

    /// [`Format::parse`] by the format's regex or structured reader alone.
    pub(crate) fn parse_slow<'a>(&self, line: &'a str) -> Option<Fields<'a>> {
        match &self.reader {
            Reader::Json => super::structured::json_line(line),
            Reader::Logfmt => super::structured::logfmt_line(line),
            Reader::Plain => plain_line(line),
            Reader::Regex(re) => regex_line(re, line),
        }
    }
}

/// A line with no header: a record unless it looks like the continuation
/// of one wherever it stands (indented, a stack frame, a `Caused by`; see
/// `multiline::always_continues`).
fn plain_line(line: &str) -> Option<Fields<'_>> {
    (!super::multiline::always_continues(line)).then(|| headerless(line))
}

/// The fields of a line without a header: its text is the message. A
/// runtime's crash header is at least an error (`SIGQUIT: quit` has no
/// word that says so); any other line's level is left to its words.
fn headerless(line: &str) -> Fields<'_> {
    let msg = line.trim_end();
    let crash = super::multiline::crash_start(msg);
    Fields {
        level: crash.then(|| infer_severity(msg).max(Severity::Error)),
        msg: std::borrow::Cow::Borrowed(msg),
        ..Fields::default()
    }
}

fn regex_line<'a>(header: &Header, line: &'a str) -> Option<Fields<'a>> {
    let c = header.re.captures(line)?;
    let get = |k: usize| header.get(&c, k).map(|m| m.as_str());
    let cow = |k: usize| get(k).map(std::borrow::Cow::Borrowed);
    let msg = match header.msg_to_end {
        true => header.get(&c, G_MSG).map(|m| &line[m.start()..]),
        false => get(G_MSG),
    };
    let mut f = Fields {
        time: cow(G_TIME),
        uptime: get(G_UPTIME).and_then(|u| u.parse().ok()),
        host: cow(G_HOST),
        level_word: get(G_LEVEL),
        proc: cow(G_PROC),
        msg: msg.map(std::borrow::Cow::Borrowed).unwrap_or_default(),
        method: cow(G_METHOD),
        path: cow(G_PATH),
        status: get(G_STATUS).and_then(|s| s.parse().ok()),
        upstream_time: get(G_URT).and_then(|s| s.trim().parse().ok()),
        ..Fields::default()
    };
    f.level = f.level_word.and_then(Severity::parse);
    if let Some(pri) = get(G_PRI).and_then(|p| p.parse::<u8>().ok()) {
        f.level = Some(super::structured::syslog_priority(pri % 8));
    }
    if let (Some(m), Some(p)) = (&f.method, &f.path) {
        let (msg, level) = access_log_message(m, p, f.status);
        f.msg = msg.into();
        f.level = Some(level);
    }
    Some(f)
}

/// Access logs: the message is the request and its outcome, what
/// signatures group on, and the level is the status's class; for the
/// fields of a line with a method and a path.
pub(crate) fn access_log_message(m: &str, p: &str, status: Option<u16>) -> (String, Severity) {
    // `{m} {p} {status} {reason}`, trimmed, in one allocation and without
    // the formatting machinery (a tenth of an access log's reading time).
    // The reason phrase keeps outcomes apart once numbers are masked.
    let mut msg = SPARE.take();
    msg.clear();
    msg.reserve(m.len() + p.len() + 32);
    for part in [m, " ", p, " "] {
        msg.push_str(part);
    }
    if let Some(s) = status {
        msg.push_str(super::json_fast::itoa(s.into(), &mut [0; 20]));
        msg.push(' ');
        msg.push_str(reason_phrase(s));
    }
    msg.truncate(msg.trim_end().len());
    let level = match status {
        Some(500..) => Severity::Error,
        Some(400..) => Severity::Warn,
        _ => Severity::Info,
    };
    (msg, level)
}

thread_local! {
    /// The buffer of a composed message that framing was done with (the
    /// record before, once visited), for the next one: an access log's
    /// lines then compose their messages without an allocation each
    /// (`malloc` and `free` were a twentieth of an nginx file's framing).
    static SPARE: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
}

/// Gives the buffer of a message no longer needed to the next access-log
/// message composed on this thread.
#[inline]
pub(super) fn give_back(msg: String) {
    if msg.capacity() > 0 {
        SPARE.set(msg);
    }
}

/// The HTTP reason phrase of a status code, or its class.
// Known codes come first; the ranges after them name the class of the rest.
#[allow(clippy::match_overlapping_arm)]
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        499 => "Client Closed Request",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        100..=199 => "Informational",
        200..=299 => "Success",
        300..=399 => "Redirection",
        400..=499 => "Client Error",
        _ => "Server Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A message composed in a buffer given back holds nothing of the
    /// text before.
    #[test]
    fn access_log_message_in_a_buffer_given_back() {
        give_back("GET /a/very/long/path/from/the/line/before 503 x".into());
        let (msg, level) = access_log_message("GET", "/x", Some(200));
        assert_eq!((msg.as_str(), level), ("GET /x 200 OK", Severity::Info));
        give_back(msg);
        let (msg, _) = access_log_message("POST", "/y", None);
        assert_eq!(msg, "POST /y");
    }

    /// A built-in regex with `[0-9]` for `\d` reads every corpus line as
    /// the regex as written does, and no longer reads Unicode digits.
    #[test]
    fn builtin_regexes_read_ascii_digits_as_written() {
        let lines = crate::logs::corpus::real_lines();
        let mut read = 0;
        for b in super::super::builtin::BUILTIN {
            assert!(!b.regex.contains(r"\\d"), "{}", b.name);
            let written = Format::compile(FormatDef::from(b)).unwrap();
            let ascii = Format::compile_builtin(FormatDef::from(b)).unwrap();
            for l in &lines {
                let want = written.parse_slow(l);
                read += want.is_some() as usize;
                assert_eq!(ascii.parse_slow(l), want, "{}: {l}", b.name);
            }
        }
        assert!(read > 1000, "{read} lines read");
        // Arabic-Indic digits in the time: a Unicode `\d` read them, and
        // no time parser after it could.
        let line = "Dec 1\u{660} 06:55:46 LabSZ sshd[24200]: Invalid user webmaster";
        let b = (super::super::builtin::BUILTIN.iter())
            .find(|b| b.name == "syslog-rfc3164")
            .expect("syslog is built in");
        let written = Format::compile(FormatDef::from(b)).unwrap();
        let ascii = Format::compile_builtin(FormatDef::from(b)).unwrap();
        let time = written.parse_slow(line).and_then(|f| f.time);
        assert_eq!(time.as_deref(), Some("Dec 1\u{660} 06:55:46"));
        assert_eq!(ascii.parse_slow(line), None);
    }
}
