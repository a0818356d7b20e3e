//! Hand-written header readers for the busiest built-in formats: byte by
//! byte, no regex, nothing allocated (but an access log's message, which
//! is composed, in the buffer of the one before where framing gives it
//! back: see `format::give_back`).
//!
//! Each reader follows the path that the format's regex takes first
//! (greedy parts as long as they go, lazy ones as short, alternatives in
//! order) and answers only when that path matches, so that its [`Fields`]
//! are the regex's; at any other turn (a byte that is not ASCII where the
//! regex's Unicode classes could read it otherwise, a part that does not
//! match) it answers `None`, "not sure", and the regex decides. A
//! differential test holds them to it (see the tests of `format.rs`).
//!
//! # Limitations
//! - Only built-in formats have one: `hdfs`, `bgl`, `spark`,
//!   `syslog-rfc3164`, `nginx-combined` and `postgres-stderr` (and `json`,
//!   in `structured.rs`); a user's format (`--format-def`) is read by its
//!   regex, even one named as a built-in.
//! - Lines that the regex does not read at all cost both readers.
//! - `logs::messages` finds the message start of `hdfs`, `bgl`, `spark`
//!   and `syslog-rfc3164` lines in a loop of its own for each ([`Start`]);
//!   `nginx-combined`, `postgres-stderr` and `json` messages still come
//!   through [`super::Format::message`], a call through a pointer a line.
//! - A logger's name and an access log's bracketed time are scanned 16
//!   bytes at a time on x86_64 only (SSE2); elsewhere byte by byte.

use super::format::{access_log_message, Fields};
use crate::model::Severity;
use std::borrow::Cow;

mod cursor;
use cursor::{
    digit_end, logger_end, run_end, tag_name_end, upper, upper_end, Class, Cursor, Fixed, Stops,
};

/// A fast reader: `Some` only with the regex's own fields.
pub(crate) type Reader = for<'a> fn(&'a str) -> Option<Fields<'a>>;

/// A fast reader that gives the message alone (`logs::messages`, which
/// mines messages and needs no other field).
pub(crate) type MessageReader = for<'a> fn(&'a str) -> Option<Cow<'a, str>>;

/// A built-in format's fast reader, whole and for the message alone.
#[derive(Clone, Copy)]
pub(crate) struct Readers {
    pub(crate) fields: Reader,
    /// The same reader called directly rather than through a pointer, so
    /// that the compiler can leave the other fields unmade (building and
    /// moving the whole [`Fields`] was a third of reading a raw BGL line).
    pub(crate) message: MessageReader,
    /// Where the message starts, for a reader that finds it before
    /// building any field.
    pub(crate) start: Option<Start>,
}

/// A built-in format whose reader finds where the message starts before
/// building any field: `logs::messages` reads a whole piece of text with
/// [`Start::of`] inlined in its loop, chosen once per piece rather than
/// called through a pointer a line (the calls, the `Cow` and `Option`
/// moved between them were a third of cutting a raw HDFS line's header).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Start {
    Hdfs,
    Bgl,
    Spark,
    Syslog,
}

impl Start {
    /// Where the message of `line` starts, where the format's fast reader
    /// reads the line: its answer, the fields left unmade.
    #[inline(always)]
    pub(crate) fn of(self, line: &str) -> Option<usize> {
        let at = match self {
            Start::Hdfs => hdfs_at(line),
            Start::Bgl => bgl_at(line),
            Start::Spark => spark_at(line),
            Start::Syslog => syslog_rfc3164_at(line),
        };
        at.map(|at| at.msg)
    }
}

/// A fast reader's answer, taken only when its message is not empty: a
/// line without one (a JSON line with no text message) is left to the
/// format's own reader, which makes a message where it can. Checked here,
/// outside the readers: inside the JSON reader the same check cost a
/// pino file a fifth of its time (the fields were no longer built in
/// place).
/// In place: `Option::filter` moved the whole [`Fields`] (a `memmove` of
/// 5% of a pino file's time).
#[inline(always)]
pub(crate) fn take(read: &mut Option<Fields<'_>>) {
    if read.as_ref().is_some_and(|f| f.msg.is_empty()) {
        *read = None;
    }
}

/// The fast readers of the built-in format `name`, if it has them.
pub(crate) fn readers(name: &str) -> Option<Readers> {
    macro_rules! readers {
        ($reader:path) => {{
            fn only_message(line: &str) -> Option<Cow<'_, str>> {
                $reader(line).map(|f| f.msg)
            }
            Readers {
                fields: $reader,
                message: only_message,
                start: None,
            }
        }};
        // A format whose reader finds where each field lies before
        // building any: the message reader takes the message's start alone
        // (building the fields and reading the level word was half of
        // reading a raw Spark or HDFS line).
        ($reader:path, $start:expr) => {{
            fn only_message(line: &str) -> Option<Cow<'_, str>> {
                $start.of(line).map(|at| Cow::Borrowed(&line[at..]))
            }
            Readers {
                fields: $reader,
                message: only_message,
                start: Some($start),
            }
        }};
    }
    Some(match name {
        "hdfs" => readers!(hdfs, Start::Hdfs),
        "bgl" => readers!(bgl, Start::Bgl),
        "spark" => readers!(spark, Start::Spark),
        "syslog-rfc3164" => readers!(syslog_rfc3164, Start::Syslog),
        "nginx-combined" => readers!(nginx_combined),
        "postgres-stderr" => readers!(postgres_stderr),
        "json" => readers!(super::json_fast::json_line_fast),
        _ => return None,
    })
}

/// Where the fields of a line lie, found before any is built: byte
/// ranges into the line (`msg` to its end), empty where the format has no
/// such field (`proc` none where the line has none).
#[derive(Clone, Copy, Debug, PartialEq)]
struct At {
    time: (usize, usize),
    host: (usize, usize),
    level: (usize, usize),
    proc: Option<(usize, usize)>,
    msg: usize,
}

/// Where the fields of a `time level logger: msg` line (HDFS, Spark) lie,
/// the time ending at `time_end` and the cursor after its space.
#[inline(always)]
fn level_logger_at(time_end: usize, mut c: Cursor<'_>) -> Option<At> {
    let level = c.upper_run()?;
    c.byte(b' ')?;
    let start = c.at;
    c.at = logger_end(c.b, start);
    (c.at > start).then_some(())?;
    c.byte(b':')?;
    c.byte(b' ')?;
    Some(At {
        time: (0, time_end),
        host: (0, 0),
        level,
        proc: None,
        msg: c.at,
    })
}

/// The fields of a line with a time, a level word and a message.
#[inline]
fn leveled<'a>(time: &'a str, level: &'a str, msg: &'a str) -> Fields<'a> {
    Fields {
        time: Some(Cow::Borrowed(time)),
        level_word: Some(level),
        level: Severity::parse(level),
        msg: Cow::Borrowed(msg),
        ..Fields::default()
    }
}

/// The fields of a line with a time, a level word and a message, from
/// where they lie.
fn leveled_at(line: &str, at: At) -> Fields<'_> {
    let span = |(a, b): (usize, usize)| &line[a..b];
    leveled(span(at.time), span(at.level), &line[at.msg..])
}

/// `081109 203615 148 INFO dfs.DataNode$PacketResponder: message`.
fn hdfs(line: &str) -> Option<Fields<'_>> {
    hdfs_at(line).map(|at| leveled_at(line, at))
}

/// Where the fields of an [`hdfs`] line lie.
#[inline(always)]
fn hdfs_at(line: &str) -> Option<At> {
    const DATE_TIME: Fixed = Fixed::new(b"###### ###### ");
    let mut c = Cursor::new(line);
    c.fixed(&DATE_TIME)?;
    c.digit_run()?;
    c.byte(b' ')?;
    level_logger_at(13, c)
}

/// `17/06/09 20:10:40 INFO spark.SecurityManager: message`.
fn spark(line: &str) -> Option<Fields<'_>> {
    spark_at(line).map(|at| leveled_at(line, at))
}

/// Where the fields of a [`spark`] line lie.
#[inline(always)]
fn spark_at(line: &str) -> Option<At> {
    const DATE_TIME: Fixed = Fixed::new(b"##/##/## ##:##:## ");
    let mut c = Cursor::new(line);
    c.fixed(&DATE_TIME)?;
    level_logger_at(17, c)
}

/// `- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872
/// R02-M1-N0-C:J12-U11 RAS KERNEL INFO message`.
fn bgl(line: &str) -> Option<Fields<'_>> {
    let at = bgl_at(line)?;
    let span = |(a, b): (usize, usize)| &line[a..b];
    let level = span(at.level);
    // Built in the place it is returned to (a copy of the fields after
    // writing them cost a tenth of a BGL file's time).
    Some(Fields {
        time: Some(Cow::Borrowed(span(at.time))),
        host: Some(Cow::Borrowed(span(at.host))),
        level_word: Some(level),
        level: Severity::parse(level),
        proc: at.proc.map(|p| Cow::Borrowed(span(p))),
        msg: Cow::Borrowed(&line[at.msg..]),
        ..Fields::default()
    })
}

/// The nine tokens of a [`bgl`] header (the message after them), each
/// followed by one space.
const BGL_TOKENS: usize = 9;

/// `- 1117838570 2005.06.03 `: the date after the seconds.
const BGL_DATE: Fixed = Fixed::new(b" ####.##.## ");

/// `2005-06-03-15.42.50.`: the time before its fraction.
const BGL_TIME: Fixed = Fixed::new(b"####-##-##-##.##.##.");

/// Where the fields of a [`bgl`] line lie.
#[inline(always)]
fn bgl_at(line: &str) -> Option<At> {
    let stops = Stops::new(line.as_bytes());
    match stops.token_ends::<BGL_TOKENS>() {
        Some(ends) => bgl_at_ends(line, ends),
        None => bgl_at_by_token(line, &stops),
    }
}

/// [`bgl_at`] of a line whose nine tokens end at `ends`, each followed by
/// one space: the tokens checked each on its own, as [`bgl_at_by_token`]
/// reads them one after another.
#[inline(always)]
fn bgl_at_ends(line: &str, ends: [usize; BGL_TOKENS]) -> Option<At> {
    let mut starts = [0; BGL_TOKENS];
    for k in 1..BGL_TOKENS {
        starts[k] = ends[k - 1] + 1;
    }
    let mut c = Cursor::new(line);
    let b = c.b;
    // The seconds: nine or ten digits, then the date (with the spaces
    // around it, and so the token's end).
    let secs = ends[1] - starts[1];
    let mut ok = digit_end(b, starts[1]) == ends[1] && (9..=10).contains(&secs);
    c.at = ends[1];
    ok &= c.fixed(&BGL_DATE).is_some() && c.at == starts[3];
    // The time: its fixed part, then digits up to the token's end.
    c.at = starts[4];
    ok &= c.fixed(&BGL_TIME).is_some() && c.at < ends[4] && digit_end(b, c.at) == ends[4];
    // The level word: capitals up to the token's end.
    ok &= upper_end(b, starts[8]) == ends[8];
    ok.then_some(At {
        time: (starts[4], ends[4]),
        host: (starts[3], ends[3]),
        level: (starts[8], ends[8]),
        proc: Some((starts[6], ends[7])),
        msg: ends[8] + 1,
    })
}

/// [`bgl_at`] a token after another, each searched from the end of the
/// one before: for the lines whose header is not all among the bytes
/// covered by `stops`.
#[cold]
#[inline(never)]
fn bgl_at_by_token(line: &str, stops: &Stops) -> Option<At> {
    let mut c = Cursor::new(line);
    c.token_in(stops)?;
    let (e0, e1) = c.digit_run()?;
    if !(9..=10).contains(&(e1 - e0)) {
        return None;
    }
    c.fixed(&BGL_DATE)?;
    let host = c.token_in(stops)?;
    let t0 = c.at;
    c.fixed(&BGL_TIME)?;
    let (_, t1) = c.digit_run()?;
    c.byte(b' ')?;
    c.token_in(stops)?;
    let (p0, _) = c.token_in(stops)?;
    let (_, p1) = c.token_in(stops)?;
    let level = c.upper_run()?;
    c.byte(b' ')?;
    Some(At {
        time: (t0, t1),
        host,
        level,
        proc: Some((p0, p1)),
        msg: c.at,
    })
}

/// `Dec 10 06:55:46 LabSZ sshd[24200]: message`, with an optional
/// `<pri>` and a tag that may be missing.
fn syslog_rfc3164(line: &str) -> Option<Fields<'_>> {
    let at = syslog_rfc3164_at(line)?;
    let span = |(a, b): (usize, usize)| Cow::Borrowed(&line[a..b]);
    Some(Fields {
        time: Some(span(at.time)),
        host: Some(span(at.host)),
        proc: at.proc.map(span),
        msg: Cow::Borrowed(&line[at.msg..]),
        ..Fields::default()
    })
}

/// Where the fields of a [`syslog_rfc3164`] line lie.
#[inline(always)]
fn syslog_rfc3164_at(line: &str) -> Option<At> {
    let mut c = Cursor::new(line);
    if c.peek() == Some(b'<') {
        c.at += 1;
        let (d0, d1) = c.digit_run()?;
        if d1 - d0 > 3 {
            return None;
        }
        c.byte(b'>')?;
    }
    let t0 = c.at;
    c.run(upper).filter(|(a, b)| b - a == 1)?;
    c.run(|b| b.is_ascii_lowercase())
        .filter(|(a, b)| b - a == 2)?;
    c.byte(b' ')?;
    if c.byte(b' ').is_none() {
        c.digits(1)?;
    }
    c.digits(1)?;
    c.byte(b' ')?;
    c.clock()?;
    let t1 = c.at;
    c.byte(b' ')?;
    let host = c.token()?;
    let after_host = c.at;
    let (proc, mut msg) = match syslog_tag(&mut c) {
        Tag::Read(p0, p1) => (Some((p0, p1)), c.at),
        Tag::None => (None, after_host),
        Tag::Unsure => return None,
    };
    // `\ *`: the spaces before the message.
    while c.b.get(msg) == Some(&b' ') {
        msg += 1;
    }
    Some(At {
        time: (t0, t1),
        host,
        level: (0, 0),
        proc,
        msg,
    })
}

/// What the optional tag of a syslog line came to.
enum Tag {
    /// The tag's `proc` span; the cursor is after its `:` and space.
    Read(usize, usize),
    /// The regex skips the tag: no part of it matches.
    None,
    /// Another path of the regex could read it: let the regex decide.
    Unsure,
}

/// The tag `name[pid]: `, `name(sub)[pid]: `, `name 1.4.1: `, ...: the
/// regex's `(?:name(?:\([^)]*\))?(?:\ [\d.]+)?(?:\[(\d+)\])?:\ ?)?`.
#[inline]
fn syslog_tag(c: &mut Cursor) -> Tag {
    let start = c.at;
    // `[^\s\[:]+`: ASCII only; a paren in it leaves shorter names (with
    // the `(...)` part) to the regex.
    let end = tag_name_end(c.b, start);
    if end == start {
        return match c.peek() {
            Some(b) if b >= 0x80 => Tag::Unsure,
            _ => Tag::None,
        };
    }
    c.at = end;
    if c.peek().is_some_and(|b| b >= 0x80) {
        return Tag::Unsure;
    }
    let mut proc_end = end;
    if c.peek() == Some(b' ') {
        let save = c.at;
        c.at += 1;
        match c.run(|b| b.is_ascii_digit() || b == b'.') {
            Some(_) if c.peek().is_some_and(|b| b >= 0x80) => return Tag::Unsure,
            Some((_, v1)) => proc_end = v1,
            None if c.peek().is_some_and(|b| b >= 0x80) => return Tag::Unsure,
            None => c.at = save,
        }
    }
    if c.peek() == Some(b'[') {
        let save = c.at;
        c.at += 1;
        let pid = c.digit_run();
        if c.peek().is_some_and(|b| b >= 0x80) {
            return Tag::Unsure;
        }
        if pid.is_none() || c.byte(b']').is_none() {
            c.at = save;
        }
    }
    if c.byte(b':').is_none() {
        // The longest name is tried first; where it fails, a shorter one
        // followed by `(...)` could still match.
        return match c.b[start..end].contains(&b'(') {
            true => Tag::Unsure,
            false => Tag::None,
        };
    }
    c.byte(b' ');
    Tag::Read(start, proc_end)
}

/// `127.0.0.1 - - [04/Dec/2026:15:37:09 +0000] "GET /path HTTP/1.1" 200
/// 2055 "-" "curl/7.88.1" 0.002 0.001`.
fn nginx_combined(line: &str) -> Option<Fields<'_>> {
    let mut c = Cursor::new(line);
    let b = c.b;
    c.token()?;
    c.token()?;
    c.token()?;
    c.byte(b'[')?;
    let t0 = c.at;
    c.at = run_end(b, t0, Class::Not(b']'));
    let t1 = c.at;
    (t1 > t0).then_some(())?;
    c.byte(b']')?;
    c.byte(b' ')?;
    c.byte(b'"')?;
    let (m0, m1) = c.run(upper)?;
    c.byte(b' ')?;
    let (p0, p1) = c.run(|b| b.is_ascii_graphic())?;
    if b[p0..p1].contains(&b'"') {
        return None;
    }
    if c.peek() == Some(b' ') {
        // ` [^"]*` up to the first quote.
        c.at = p1 + memchr::memchr(b'"', &b[p1..])?;
    }
    c.byte(b'"')?;
    c.byte(b' ')?;
    let s0 = c.at;
    c.digits(3)?;
    let s1 = c.at;
    c.byte(b' ')?;
    if c.byte(b'-').is_none() {
        c.digit_run()?;
    }
    if c.peek().is_some_and(|b| b >= 0x80) {
        return None;
    }
    // The optional parts: each taken when it matches, as the regex does,
    // since what follows them (`.*`) always matches.
    let save = c.at;
    let quoted = |c: &mut Cursor| -> Option<()> {
        c.byte(b' ')?;
        c.byte(b'"')?;
        c.at += memchr::memchr(b'"', &c.b[c.at..])? + 1;
        Some(())
    };
    if quoted(&mut c).and_then(|_| quoted(&mut c)).is_none() {
        c.at = save;
    }
    let mut urt = None;
    for (i, class) in [rt_class as fn(u8) -> bool, urt_class]
        .into_iter()
        .enumerate()
    {
        if c.peek() != Some(b' ') {
            break;
        }
        let save = c.at;
        c.at += 1;
        let got = c.run(class).or_else(|| {
            c.byte(b'-')?;
            Some((c.at - 1, c.at))
        });
        if c.peek().is_some_and(|b| b >= 0x80) {
            return None;
        }
        match got {
            Some((u0, u1)) if i == 1 => urt = Some(&line[u0..u1]),
            Some(_) => {}
            None => c.at = save,
        }
    }
    let status = line[s0..s1].parse().ok();
    let (method, path) = (&line[m0..m1], &line[p0..p1]);
    let (msg, level) = access_log_message(method, path, status);
    // Built in the place it is returned to, as in `bgl`.
    Some(Fields {
        time: Some(Cow::Borrowed(&line[t0..t1])),
        level: Some(level),
        msg: Cow::Owned(msg),
        method: Some(Cow::Borrowed(method)),
        path: Some(Cow::Borrowed(path)),
        status,
        upstream_time: urt.and_then(|u| u.trim().parse().ok()),
        ..Fields::default()
    })
}

/// `$request_time`: `[\d.]`.
fn rt_class(b: u8) -> bool {
    b.is_ascii_digit() || b == b'.'
}

/// `$upstream_response_time`: `[\d.,:\ ]`.
fn urt_class(b: u8) -> bool {
    b.is_ascii_digit() || matches!(b, b'.' | b',' | b':' | b' ')
}

/// The level words of `postgres-stderr`, in the regex's order.
const PG_LEVELS: [&[u8]; 14] = [
    b"LOG",
    b"ERROR",
    b"FATAL",
    b"PANIC",
    b"WARNING",
    b"NOTICE",
    b"INFO",
    b"DEBUG",
    b"DETAIL",
    b"HINT",
    b"STATEMENT",
    b"CONTEXT",
    b"QUERY",
    b"LOCATION",
];

/// `2026-12-04 15:39:02.117 UTC [23011] app@shop ERROR:  message`: an
/// ISO time with an optional fraction and zone, then any prefix, then the
/// first level word followed by `:` and spaces.
fn postgres_stderr(line: &str) -> Option<Fields<'_>> {
    let mut c = Cursor::new(line);
    let b = c.b;
    for (n, sep) in [(4, &b"-"[..]), (2, b"-"), (2, b"T ")] {
        c.digits(n)?;
        sep.contains(&c.peek()?).then_some(())?;
        c.at += 1;
    }
    c.clock()?;
    match c.peek()? {
        b' ' => {
            let upper_end = c.at + 1 + b[c.at + 1..].iter().take_while(|b| upper(**b)).count();
            if (2..=5).contains(&(upper_end - c.at - 1)) && b.get(upper_end) == Some(&b' ') {
                c.at = upper_end;
            }
        }
        b'+' | b'-' => {
            c.at += 1;
            c.digits(2)?;
            let save = c.at;
            c.byte(b':');
            if c.digits(2).is_none() {
                c.at = save;
                if c.digits(2).is_none() {
                    c.at = save;
                }
            }
        }
        _ => {}
    }
    let time_end = c.at;
    c.run(|b| b == b' ')?;
    // `[^:]*?` cannot pass a colon, so the level word is the one that
    // ends at the first colon after the prefix (no level word ends
    // another). `[pid]` and what may follow it hold no colon and no level
    // word, so this holds from here whether the regex took them or not.
    let colon = c.at + memchr::memchr(b':', &b[c.at..])?;
    if b.get(colon + 1) != Some(&b' ') {
        return None;
    }
    let head = &b[c.at..colon];
    let len = match head.last() {
        // `DEBUG\d?`, its digit taken where there is one.
        Some(d) if d.is_ascii_digit() && head[..head.len() - 1].ends_with(b"DEBUG") => 6,
        _ => PG_LEVELS.iter().find(|w| head.ends_with(w))?.len(),
    };
    let level = &line[colon - len..colon];
    let msg = line[colon + 1..].trim_start_matches(' ');
    Some(leveled(&line[..time_end], level, msg))
}

#[cfg(test)]
mod tests {
    use crate::logs::{corpus, FormatDef, Registry};

    /// Every line of the corpus (built-in samples, Loghub 2k, fixtures and
    /// mutations) that a fast reader reads gets the fields its format's
    /// regex (or JSON reader) gives; and the fast readers read nearly all
    /// the real lines their regex reads. A message reader reads the same
    /// lines and gives the same message.
    #[test]
    fn fast_readers_give_the_regex_fields() {
        let registry = Registry::default();
        let real = corpus::real_lines();
        let lines = corpus::all_lines(&registry);
        assert!(lines.len() > real.len() + 10_000, "{} lines", lines.len());
        let mut formats = 0;
        for f in registry.formats() {
            let Some(fast) = f.fast() else { continue };
            formats += 1;
            let only = super::readers(f.name()).expect("a fast reader").message;
            for l in &lines {
                let mut got = fast(l);
                super::take(&mut got);
                if let Some(got) = got {
                    assert_eq!(only(l).as_ref(), Some(&got.msg), "{}: {l:?}", f.name());
                    assert_eq!(Some(got), f.parse_slow(l), "{}: {l:?}", f.name());
                } else {
                    // An empty message is left to the format's own reader.
                    let msg = only(l).filter(|m| !m.is_empty());
                    assert_eq!(msg, None, "{}: {l:?}", f.name());
                }
            }
            // A JSON line with no message key is `json_line`'s by design
            // (its message is made from its other members): the JSON rows
            // of the Postgres dumps in fixtures/ are such lines.
            let has_message = |l: &str| {
                f.name() != "json"
                    || serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(l)
                        .is_ok_and(|o| {
                            crate::logs::structured::MSG_KEYS
                                .iter()
                                .any(|k| o.get(*k).is_some_and(|v| v.is_string()))
                        })
            };
            let real: Vec<&String> = real.iter().filter(|l| has_message(l)).collect();
            let slow = real.iter().filter(|l| f.parse_slow(l).is_some()).count();
            let quick = real
                .iter()
                .filter(|l| {
                    let mut got = fast(l);
                    super::take(&mut got);
                    got.is_some()
                })
                .count();
            assert!(slow >= 5, "{}: {slow} real lines", f.name());
            assert!(quick * 100 >= slow * 99, "{}: {quick} of {slow}", f.name());
        }
        assert_eq!(formats, 7);
    }

    /// A BGL header read from where its nine tokens end gives what reading
    /// a token after another gives: a real line with each byte replaced
    /// by a space, a tab, a digit, letters, marks and a character that is
    /// not ASCII, each byte taken out and doubled, cut at each place, and
    /// headers longer than the bytes the stops cover.
    #[test]
    fn bgl_token_ends_read_as_token_by_token() {
        let line = "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 \
            2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO \
            instruction cache parity error corrected";
        let mut lines = vec![];
        for i in 0..line.len() {
            for by in [" ", "\t", "7", "x", "Q", ".", "-", ":", "\u{e9}", "  ", ""] {
                lines.push(format!("{}{by}{}", &line[..i], &line[i + 1..]));
            }
            lines.push(line[..i].to_string());
            lines.push(format!("{}{}", &line[..=i], &line[i..]));
        }
        for n in 0..60 {
            let host = format!("R02-M1-N0-C:J12-U11{}", "x".repeat(n));
            lines.push(line.replacen("R02-M1-N0-C:J12-U11", &host, 1));
        }
        let mut ends = 0;
        for l in &lines {
            let stops = super::Stops::new(l.as_bytes());
            ends += stops.token_ends::<{ super::BGL_TOKENS }>().is_some() as usize;
            let want = super::bgl_at_by_token(l, &stops);
            assert_eq!(super::bgl_at(l), want, "{l:?}");
        }
        assert!(ends > lines.len() / 2, "{ends} of {}", lines.len());
        assert!(super::bgl_at(line).is_some());
    }

    /// A user's format keeps its regex, even under a built-in's name.
    #[test]
    fn user_formats_have_no_fast_reader() {
        let def = FormatDef {
            name: "hdfs".into(),
            description: String::new(),
            regex: r"^(?P<time>\d{6} \d{6}) (?P<msg>.*)$".into(),
            continuation_levels: vec![],
            samples: vec![crate::logs::SampleDef {
                line: "081109 203615 148 INFO dfs.DataNode: x".into(),
                time: Some("2008-11-09T20:36:15Z".into()),
                level: None,
                msg: "148 INFO dfs.DataNode: x".into(),
            }],
        };
        let registry = Registry::with_user_formats(vec![def]).unwrap();
        let user = &registry.formats()[0];
        assert!(user.fast().is_none());
        let line = "081109 203615 148 INFO dfs.DataNode: x";
        assert_eq!(user.parse(line).unwrap().msg, "148 INFO dfs.DataNode: x");
        let builtin = registry.formats().iter().rfind(|f| f.name() == "hdfs");
        assert_eq!(builtin.unwrap().parse(line).unwrap().msg, "x");
    }
}
