//! The structured readers: JSON lines and logfmt. Keys are found by name
//! among the ones common loggers use.
//!
//! # Limitations
//! - Nested time or message keys are read only where a known logger puts
//!   them (pino's `err.message`, pino-http's `req`/`res`).
//! - logfmt values with escaped quotes keep their backslashes.

use super::format::Fields;
use crate::model::Severity;
use serde_json::{Map, Value};
use std::borrow::Cow;

pub(super) const TIME_KEYS: &[&str] = &[
    "time",
    "timestamp",
    "@timestamp",
    "ts",
    "t",
    "date",
    "datetime",
    "__REALTIME_TIMESTAMP",
];
pub(super) const LEVEL_KEYS: &[&str] = &[
    "level",
    "error_severity",
    "severity",
    "lvl",
    "log.level",
    "levelname",
    "PRIORITY",
];
pub(super) const MSG_KEYS: &[&str] = &["msg", "message", "MESSAGE", "log", "event", "text"];
pub(super) const HOST_KEYS: &[&str] = &["hostname", "host", "_HOSTNAME", "host.name"];

pub(super) fn scalar(v: &Value) -> Option<Cow<'static, str>> {
    match v {
        Value::String(s) => Some(Cow::Owned(s.clone())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

pub(super) fn first<'m>(
    obj: &'m Map<String, Value>,
    keys: &[&str],
) -> Option<(&'m str, &'m Value)> {
    keys.iter()
        .find_map(|k| obj.get_key_value(*k).map(|(k, v)| (k.as_str(), v)))
}

/// One JSON object per line.
pub(crate) fn json_line(line: &str) -> Option<Fields<'static>> {
    let line = line.trim();
    if !line.starts_with('{') {
        return None;
    }
    let obj: Map<String, Value> = serde_json::from_str(line).ok()?;
    let mut f = Fields::default();
    if let Some((key, v)) = first(&obj, TIME_KEYS) {
        f.time = scalar(v);
        if key == "__REALTIME_TIMESTAMP" {
            // journald export: microseconds since the epoch, as a string.
            f.time = f.time.map(|t| Cow::Owned(t.trim().to_string()));
        }
    }
    if let Some((key, v)) = first(&obj, LEVEL_KEYS) {
        f.level = match (key, v) {
            ("PRIORITY", _) => scalar(v)
                .and_then(|p| p.parse::<u8>().ok())
                .map(syslog_priority),
            (_, Value::Number(n)) => Severity::parse(&n.to_string()),
            (_, Value::String(s)) => Severity::parse(s),
            _ => None,
        };
    }
    let mut msg = first(&obj, MSG_KEYS)
        .and_then(|(_, v)| scalar(v))
        .unwrap_or_default();
    if let Some(Value::Object(err)) = obj.get("err").or_else(|| obj.get("error")) {
        if let Some(Value::String(em)) = err.get("message") {
            if !msg.contains(em.as_str()) {
                msg = Cow::Owned(if msg.is_empty() {
                    em.clone()
                } else {
                    format!("{msg}: {em}")
                });
            }
        }
    }
    f.msg = Cow::Owned(msg.trim_end().to_string());
    f.host = first(&obj, HOST_KEYS).and_then(|(_, v)| scalar(v));
    if let Some(Value::Object(req)) = obj.get("req") {
        f.method = req.get("method").and_then(scalar);
        f.path = req.get("url").and_then(scalar);
    }
    if let Some(Value::Object(res)) = obj.get("res") {
        f.status = res
            .get("statusCode")
            .and_then(Value::as_u64)
            .map(|s| s as u16);
    }
    f.proc = ["service", "name", "SYSLOG_IDENTIFIER"]
        .iter()
        .find_map(|k| obj.get(*k))
        .and_then(scalar);
    Some(f)
}

pub(crate) fn syslog_priority(p: u8) -> Severity {
    match p {
        0..=2 => Severity::Fatal,
        3 => Severity::Error,
        4 => Severity::Warn,
        5 => Severity::Notice,
        6 => Severity::Info,
        _ => Severity::Debug,
    }
}

/// `key=value key="quoted value"` pairs; needs a `msg` or `message` key
/// and a `level` key to count as logfmt.
pub(crate) fn logfmt_line(line: &str) -> Option<Fields<'_>> {
    let mut f = Fields::default();
    let (mut has_msg, mut has_level) = (false, false);
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        let eq = rest.find('=')?;
        let key = &rest[..eq];
        if key.is_empty() || key.contains(char::is_whitespace) {
            return None;
        }
        rest = &rest[eq + 1..];
        let value;
        if let Some(q) = rest.strip_prefix('"') {
            let mut end = None;
            let mut escaped = false;
            for (i, c) in q.char_indices() {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        end = Some(i);
                        break;
                    }
                    _ => escaped = false,
                }
            }
            let end = end?;
            value = &q[..end];
            rest = q[end + 1..].trim_start();
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            value = &rest[..end];
            rest = rest[end..].trim_start();
        }
        match key {
            "time" | "ts" | "t" | "timestamp" => f.time = Some(Cow::Borrowed(value)),
            "level" | "lvl" | "severity" => {
                f.level = Severity::parse(value);
                has_level = true;
            }
            "msg" | "message" => {
                f.msg = Cow::Borrowed(value);
                has_msg = true;
            }
            "host" | "hostname" => f.host = Some(Cow::Borrowed(value)),
            "method" => f.method = Some(Cow::Borrowed(value)),
            "path" | "url" => f.path = Some(Cow::Borrowed(value)),
            "status" => f.status = value.parse().ok(),
            _ => {}
        }
    }
    (has_msg && has_level).then_some(f)
}
