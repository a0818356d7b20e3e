//! The structured readers: JSON lines and logfmt. Keys are found by name
//! among the ones common loggers use.
//!
//! # Limitations
//! - Nested time or message keys are read only where a known logger puts
//!   them (pino's `err.message`, pino-http's `req`/`res`).
//! - logfmt values with escaped quotes keep their backslashes.
//! - A JSON line without a text message (no message key, or an object
//!   there) gets a message made from its other members or that value's
//!   JSON; such lines are read by `serde_json` into a map, not by the fast
//!   reader, which costs several times as much per line.

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
    let time = first(&obj, TIME_KEYS);
    if let Some((key, v)) = time {
        f.time = scalar(v);
        if key == "__REALTIME_TIMESTAMP" {
            // journald export: microseconds since the epoch, as a string.
            f.time = f.time.map(|t| Cow::Owned(t.trim().to_string()));
        }
    }
    let level = first(&obj, LEVEL_KEYS);
    if let Some((key, v)) = level {
        f.level = match (key, v) {
            ("PRIORITY", _) => scalar(v)
                .and_then(|p| p.parse::<u8>().ok())
                .map(syslog_priority),
            (_, Value::Number(n)) => Severity::parse(&n.to_string()),
            (_, Value::String(s)) => Severity::parse(s),
            _ => None,
        };
    }
    let msg_value = first(&obj, MSG_KEYS);
    let mut msg = msg_value.and_then(|(_, v)| scalar(v)).unwrap_or_default();
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
    let host = first(&obj, HOST_KEYS);
    if msg.is_empty() {
        // Another message key's text, first; then a message that is not
        // text (an object, a list, true) as its JSON; where there is no
        // message key, or a null one (pino's `logger.info({...})`), the
        // other members as `key=value`, so that the record still says
        // something and its signature groups by those keys.
        let text = MSG_KEYS.iter().find_map(|k| match obj.get(*k) {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => None,
        });
        msg = match (text, msg_value) {
            (Some(text), _) => Cow::Owned(text),
            (None, Some((_, Value::String(_) | Value::Number(_)))) => msg,
            (None, Some((_, v))) if !v.is_null() => Cow::Owned(v.to_string()),
            (None, _) => Cow::Owned(members_text(line, [time, level, host, msg_value])),
        };
    }
    f.msg = Cow::Owned(msg.trim_end().to_string());
    f.host = host.and_then(|(_, v)| scalar(v));
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

/// The members of the JSON object `line` but the `read` ones (time,
/// level, host, a null message) as `key=value`, space-separated, in the
/// line's order: a text as it is, or as JSON where it is empty or holds
/// a space, `=` or `"`; any other value as its JSON (numbers as
/// `serde_json` prints them: `1e2` as `100.0`).
fn members_text(line: &str, read: [Option<(&str, &Value)>; 4]) -> String {
    let read: Vec<&str> = read.iter().flatten().map(|(k, _)| *k).collect();
    let Ok(Ordered(members)) = serde_json::from_str::<Ordered>(line) else {
        return String::new();
    };
    let mut out = String::new();
    for (k, v) in members.iter().filter(|(k, _)| !read.contains(&k.as_str())) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(k);
        out.push('=');
        match v {
            Value::String(s) if !s.is_empty() && !s.contains([' ', '=', '"']) => out.push_str(s),
            v => out.push_str(&v.to_string()),
        }
    }
    out
}

/// A JSON object's members in the order written (`Map` sorts them).
struct Ordered(Vec<(String, Value)>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Ordered, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = m.next_entry()? {
                    members.push(member);
                }
                Ok(Ordered(members))
            }
        }
        d.deserialize_map(Members)
    }
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

/// `key=value key="quoted value"` pairs; needs a `msg` or `message` key,
/// and a `level` or a time key beside it, to count as logfmt (go-kit and
/// Prometheus write `ts=... caller=... msg=...` without a level; the
/// record's severity is then inferred from its words).
pub(crate) fn logfmt_line(line: &str) -> Option<Fields<'_>> {
    let mut f = Fields::default();
    let (mut has_msg, mut has_level, mut has_time) = (false, false, false);
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
            "time" | "ts" | "t" | "timestamp" => {
                f.time = Some(Cow::Borrowed(value));
                has_time = true;
            }
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
    (has_msg && (has_level || has_time)).then_some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA: a pino level written as a decimal read as no level.
    #[test]
    fn json_level_written_as_a_decimal() {
        let f = json_line(r#"{"level":50.0,"time":1764862509453,"msg":"boom"}"#).unwrap();
        assert_eq!(f.level, Some(Severity::Error));
    }

    /// QA: a JSON line whose message is not text, or that has no
    /// message key (pino's `logger.info({orderId})`), got an empty
    /// message. The first is its JSON; the second, its other members.
    #[test]
    fn json_message_not_text_or_missing() {
        let f = json_line(r#"{"level":30,"time":1764862509453,"msg":{"text":"hi","n":2}}"#);
        assert_eq!(f.unwrap().msg, r#"{"n":2,"text":"hi"}"#);
        let line = r#"{"level":40,"time":1764862509453,"pid":7,"hostname":"web-1","orderId":"o-17","retry":{"n":2}}"#;
        let f = json_line(line).unwrap();
        assert_eq!(f.msg, r#"pid=7 orderId=o-17 retry={"n":2}"#);
        assert_eq!(
            (f.level, f.host.as_deref()),
            (Some(Severity::Warn), Some("web-1"))
        );
        for (line, msg) in [
            (r#"{"time":1,"msg":null}"#, ""),
            (r#"{"time":1,"msg":null,"k":"v"}"#, "k=v"),
            (r#"{"time":1,"msg":{},"message":"real text"}"#, "real text"),
            (r#"{"time":1,"msg":[],"message":"","text":"t"}"#, "t"),
            (
                r#"{"zeta":1,"alpha":"x y=z","b":""}"#,
                r#"zeta=1 alpha="x y=z" b="""#,
            ),
            (r#"{"time":1,"msg":""}"#, ""),
            (r#"{"time":1,"msg":true}"#, "true"),
            (r#"{"time":1,"err":{"message":"boom"}}"#, "boom"),
            (r#"{"time":1}"#, ""),
        ] {
            assert_eq!(json_line(line).unwrap().msg, msg, "{line}");
        }
    }

    /// QA: logfmt without `level=` (go-kit, Prometheus) was not logfmt.
    /// A message with a time beside it is; a message alone is not.
    #[test]
    fn logfmt_with_a_time_and_no_level() {
        let line = r#"ts=2026-12-04T16:18:23.341Z caller=main.go:512 msg="Server is ready to receive web requests.""#;
        let f = logfmt_line(line).unwrap();
        assert_eq!(f.time.as_deref(), Some("2026-12-04T16:18:23.341Z"));
        assert_eq!(f.msg, "Server is ready to receive web requests.");
        assert_eq!(f.level, None);
        assert!(logfmt_line(r#"caller=main.go:512 msg="ready""#).is_none());
        assert!(logfmt_line("level=warn msg=slow").is_some());
    }
}
