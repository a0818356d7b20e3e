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

/// A format definition, built in or read from a user's file.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    Regex(Box<Regex>),
    Json,
    Logfmt,
    Plain,
}

/// A format ready to read lines.
pub struct Format {
    pub def: FormatDef,
    reader: Reader,
}

/// Why a user's format definition was refused.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("format `{name}`: regex does not compile: {source}")]
    Regex { name: String, source: regex::Error },
    #[error("format `{name}`: regex has no `msg` group")]
    NoMsg { name: String },
}

impl Format {
    pub fn compile(def: FormatDef) -> Result<Format, FormatError> {
        let reader = match (def.name.as_str(), def.regex.is_empty()) {
            ("json", true) => Reader::Json,
            ("logfmt", true) => Reader::Logfmt,
            ("plain", true) => Reader::Plain,
            _ => {
                let re = Regex::new(&def.regex).map_err(|source| FormatError::Regex {
                    name: def.name.clone(),
                    source,
                })?;
                let has = |g: &str| re.capture_names().any(|n| n == Some(g));
                let access_log = has("method") && has("path");
                if !has("msg") && !access_log {
                    return Err(FormatError::NoMsg {
                        name: def.name.clone(),
                    });
                }
                Reader::Regex(Box::new(re))
            }
        };
        Ok(Format { def, reader })
    }

    /// The last-resort reader, chosen only when no other format reads
    /// enough lines.
    pub fn is_fallback(&self) -> bool {
        matches!(self.reader, Reader::Plain)
    }

    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// True when this line continues the record before it by its level.
    pub fn is_continuation(&self, f: &Fields) -> bool {
        f.level_word
            .is_some_and(|w| self.def.continuation_levels.iter().any(|c| c == w))
    }

    /// Reads one line, or `None` when it is not in this format.
    pub fn parse<'a>(&self, line: &'a str) -> Option<Fields<'a>> {
        match &self.reader {
            Reader::Json => super::structured::json_line(line),
            Reader::Logfmt => super::structured::logfmt_line(line),
            Reader::Plain => plain_line(line),
            Reader::Regex(re) => regex_line(re, line),
        }
    }
}

/// A line with no header: a record unless it looks like the continuation
/// of one (indented, a stack frame, a `Caused by`).
fn plain_line(line: &str) -> Option<Fields<'_>> {
    let t = line.trim_end();
    let continues = t.is_empty()
        || t.starts_with(char::is_whitespace)
        || t.starts_with("at ")
        || t.starts_with("Caused by")
        || t.starts_with("...");
    (!continues).then(|| Fields {
        msg: std::borrow::Cow::Borrowed(t),
        ..Fields::default()
    })
}

fn regex_line<'a>(re: &Regex, line: &'a str) -> Option<Fields<'a>> {
    let c = re.captures(line)?;
    let get = |k: &str| c.name(k).map(|m| m.as_str());
    let cow = |k: &str| get(k).map(std::borrow::Cow::Borrowed);
    let mut f = Fields {
        time: cow("time"),
        uptime: get("uptime").and_then(|u| u.parse().ok()),
        host: cow("host"),
        level_word: get("level"),
        proc: cow("proc"),
        msg: cow("msg").unwrap_or_default(),
        method: cow("method"),
        path: cow("path"),
        status: get("status").and_then(|s| s.parse().ok()),
        upstream_time: get("urt").and_then(|s| s.trim().parse().ok()),
        ..Fields::default()
    };
    f.level = f.level_word.and_then(Severity::parse);
    if let Some(pri) = get("pri").and_then(|p| p.parse::<u8>().ok()) {
        f.level = Some(super::structured::syslog_priority(pri % 8));
    }
    if let (Some(m), Some(p)) = (&f.method, &f.path) {
        // Access logs: the message is the request and its outcome, what
        // signatures group on.
        // The reason phrase keeps outcomes apart once numbers are masked.
        let status = f
            .status
            .map(|s| format!("{s} {}", reason_phrase(s)))
            .unwrap_or_default();
        f.msg = format!("{m} {p} {status}").trim_end().to_string().into();
        f.level = Some(match f.status {
            Some(500..) => Severity::Error,
            Some(400..) => Severity::Warn,
            _ => Severity::Info,
        });
    }
    Some(f)
}

/// Severity for formats that carry no level: words that mean trouble.
pub fn infer_severity(msg: &str) -> Severity {
    let lower = msg.to_ascii_lowercase();
    const FATAL: &[&str] = &["panic", "fatal", "out of memory", "oom-kill", "segfault"];
    const ERROR: &[&str] = &[
        "error",
        "fail",
        "refused",
        "denied",
        "exception",
        "killed",
        "timed out",
        "timeout",
        "unreachable",
        "abort",
        "could not",
        "cannot",
        "unable to",
    ];
    if FATAL.iter().any(|w| lower.contains(w)) {
        Severity::Fatal
    } else if ERROR.iter().any(|w| lower.contains(w)) {
        Severity::Error
    } else if lower.contains("warn") {
        Severity::Warn
    } else {
        Severity::Info
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
