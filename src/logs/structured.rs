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

const TIME_KEYS: &[&str] = &[
    "time",
    "timestamp",
    "@timestamp",
    "ts",
    "t",
    "date",
    "datetime",
    "__REALTIME_TIMESTAMP",
];
const LEVEL_KEYS: &[&str] = &[
    "level",
    "error_severity",
    "severity",
    "lvl",
    "log.level",
    "levelname",
    "PRIORITY",
];
const MSG_KEYS: &[&str] = &["msg", "message", "MESSAGE", "log", "event", "text"];
const HOST_KEYS: &[&str] = &["hostname", "host", "_HOSTNAME", "host.name"];

fn scalar(v: &Value) -> Option<Cow<'static, str>> {
    match v {
        Value::String(s) => Some(Cow::Owned(s.clone())),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

fn first<'m>(obj: &'m Map<String, Value>, keys: &[&str]) -> Option<(&'m str, &'m Value)> {
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

/// A JSON value as the fast reader keeps it: a string (borrowed where it
/// has no escapes), a number, or anything else; `Missing` where the key
/// is absent. Objects keep the few inner keys the fields come from
/// (`message`, `method`, `url`, `statusCode`). Every value is read in
/// full, as `serde_json::Value` reads it, so that the same lines are
/// refused.
enum Val<'a> {
    Str(Cow<'a, str>),
    Num(serde_json::Number),
    Obj(Inner<'a>),
    Other,
}

/// The inner keys kept from an object value.
#[derive(Default)]
struct Inner<'a> {
    message: Leaf<'a>,
    method: Leaf<'a>,
    url: Leaf<'a>,
    status_code: Leaf<'a>,
}

/// A value inside an object: as [`Val`], without looking further in.
#[derive(Default)]
enum Leaf<'a> {
    #[default]
    Missing,
    Str(Cow<'a, str>),
    Num(serde_json::Number),
    Other,
}

/// What a JSON value reads as, for [`Val`] (`deep`, keeping an object's
/// inner keys) or [`Leaf`].
struct ValVisitor {
    deep: bool,
}

/// A value read by [`ValVisitor`].
enum Read<'a> {
    Str(Cow<'a, str>),
    Num(serde_json::Number),
    Obj(Inner<'a>),
    Other,
}

impl<'de> serde::de::Visitor<'de> for ValVisitor {
    type Value = Read<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Read<'de>, E> {
        Ok(Read::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Read<'de>, E> {
        Ok(Read::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Read<'de>, E> {
        Ok(Read::Str(Cow::Owned(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Read<'de>, E> {
        Ok(Read::Num(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Read<'de>, E> {
        Ok(Read::Num(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Read<'de>, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Read::Other, Read::Num))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Read<'de>, E> {
        Ok(Read::Other)
    }
    fn visit_unit<E>(self) -> Result<Read<'de>, E> {
        Ok(Read::Other)
    }
    fn visit_none<E>(self) -> Result<Read<'de>, E> {
        Ok(Read::Other)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Read<'de>, A::Error> {
        while seq.next_element::<Leaf>()?.is_some() {}
        Ok(Read::Other)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Read<'de>, A::Error> {
        let mut inner = Inner::default();
        while let Some(key) = map.next_key::<Leaf>()? {
            let value = map.next_value::<Leaf>()?;
            let Leaf::Str(key) = key else { continue };
            if !self.deep {
                continue;
            }
            // The last of a repeated key wins, as in `serde_json::Map`.
            match key.as_ref() {
                "message" => inner.message = value,
                "method" => inner.method = value,
                "url" => inner.url = value,
                "statusCode" => inner.status_code = value,
                _ => {}
            }
        }
        Ok(if self.deep {
            Read::Obj(inner)
        } else {
            Read::Other
        })
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Val<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match d.deserialize_any(ValVisitor { deep: true })? {
            Read::Str(s) => Val::Str(s),
            Read::Num(n) => Val::Num(n),
            Read::Obj(o) => Val::Obj(o),
            Read::Other => Val::Other,
        })
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Leaf<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match d.deserialize_any(ValVisitor { deep: false })? {
            Read::Str(s) => Leaf::Str(s),
            Read::Num(n) => Leaf::Num(n),
            Read::Obj(_) | Read::Other => Leaf::Other,
        })
    }
}

/// Where each key list of [`json_line`] starts among the slots of
/// [`Keyed`], one slot a key, the lists in this order.
const T0: usize = 0;
const L0: usize = T0 + TIME_KEYS.len();
const M0: usize = L0 + LEVEL_KEYS.len();
const H0: usize = M0 + MSG_KEYS.len();
const X0: usize = H0 + HOST_KEYS.len();
/// The other keys read: error, request, response, process.
const OTHER_KEYS: [&str; 7] = [
    "err",
    "error",
    "req",
    "res",
    "service",
    "name",
    "SYSLOG_IDENTIFIER",
];
const SLOTS: usize = X0 + OTHER_KEYS.len();

/// The slots of the keys [`json_line`] reads, by the key's length.
static SLOT_BY_LEN: std::sync::LazyLock<Vec<Vec<(&str, usize)>>> = std::sync::LazyLock::new(|| {
    let lists = [
        (T0, TIME_KEYS),
        (L0, LEVEL_KEYS),
        (M0, MSG_KEYS),
        (H0, HOST_KEYS),
        (X0, &OTHER_KEYS[..]),
    ];
    let mut by_len: Vec<Vec<(&str, usize)>> = vec![Vec::new(); 32];
    for (at, keys) in lists {
        for (i, k) in keys.iter().enumerate() {
            by_len[k.len()].push((k, at + i));
        }
    }
    by_len
});

/// The slot of a key [`json_line`] reads.
fn slot(key: &str) -> Option<usize> {
    let same_len = SLOT_BY_LEN.get(key.len())?;
    same_len.iter().find(|(k, _)| *k == key).map(|(_, i)| *i)
}

/// The values of the keys [`json_line`] reads, by [`slot`]; the objects
/// under `err`, `error`, `req` and `res` apart.
struct Keyed<'a> {
    vals: [Leaf<'a>; SLOTS],
    objs: [Option<Inner<'a>>; 4],
}

/// Reads one JSON object into a [`Keyed`] in place.
struct KeyedSeed<'k, 'a>(&'k mut Keyed<'a>);

impl<'de: 'a, 'a> serde::de::DeserializeSeed<'de> for KeyedSeed<'_, 'a> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de: 'a, 'a> serde::de::Visitor<'de> for KeyedSeed<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let keyed = self.0;
        while let Some(key) = map.next_key::<Leaf>()? {
            let Some(slot) = (match &key {
                Leaf::Str(k) => slot(k),
                _ => None,
            }) else {
                map.next_value::<Leaf>()?;
                continue;
            };
            // The last of a repeated key wins, as in `serde_json::Map`.
            if (X0..X0 + 4).contains(&slot) {
                keyed.objs[slot - X0] = None;
                keyed.vals[slot] = match map.next_value::<Val>()? {
                    Val::Obj(inner) => {
                        keyed.objs[slot - X0] = Some(inner);
                        Leaf::Other
                    }
                    Val::Str(s) => Leaf::Str(s),
                    Val::Num(n) => Leaf::Num(n),
                    Val::Other => Leaf::Other,
                };
            } else {
                keyed.vals[slot] = map.next_value::<Leaf>()?;
            }
        }
        Ok(())
    }
}

/// A scalar as [`scalar`] gives it: a string, or a number's text.
fn leaf_scalar<'a>(v: &Leaf<'a>) -> Option<Cow<'a, str>> {
    match v {
        Leaf::Str(s) => Some(s.clone()),
        Leaf::Num(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// [`json_line`] without building a `serde_json::Value`: the keys it reads
/// are picked as the object is parsed, strings borrowed where they have
/// no escapes. Gives the same fields; `None` (not sure) for a line with a
/// `\u` escape, whose lone surrogates `serde_json` treats apart.
pub(crate) fn json_line_fast(line: &str) -> Option<Fields<'_>> {
    let line = line.trim();
    let escaped_u = || {
        memchr::memchr_iter(b'\\', line.as_bytes())
            .any(|i| line.as_bytes().get(i + 1) == Some(&b'u'))
    };
    if !line.starts_with('{') || escaped_u() {
        return None;
    }
    let mut keyed = Keyed {
        vals: Default::default(),
        objs: Default::default(),
    };
    let mut de = serde_json::Deserializer::from_str(line);
    serde::de::DeserializeSeed::deserialize(KeyedSeed(&mut keyed), &mut de).ok()?;
    de.end().ok()?;
    let v = &keyed.vals;
    let first = |from: usize, to: usize| {
        (from..to)
            .find(|&i| !matches!(v[i], Leaf::Missing))
            .map(|i| (i, &v[i]))
    };
    let mut f = Fields::default();
    if let Some((i, t)) = first(T0, L0) {
        f.time = leaf_scalar(t);
        if TIME_KEYS[i - T0] == "__REALTIME_TIMESTAMP" {
            f.time = f.time.map(|t| match t {
                Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
                Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
            });
        }
    }
    if let Some((i, l)) = first(L0, M0) {
        f.level = match (LEVEL_KEYS[i - L0], l) {
            ("PRIORITY", _) => leaf_scalar(l)
                .and_then(|p| p.parse::<u8>().ok())
                .map(syslog_priority),
            (_, Leaf::Num(n)) => match n.as_u64() {
                Some(u) => Severity::parse(itoa(u, &mut [0; 20])),
                None => Severity::parse(&n.to_string()),
            },
            (_, Leaf::Str(s)) => Severity::parse(s),
            _ => None,
        };
    }
    let mut msg = first(M0, H0)
        .and_then(|(_, m)| leaf_scalar(m))
        .unwrap_or_default();
    let err = match &v[X0] {
        Leaf::Missing => &keyed.objs[1],
        _ => &keyed.objs[0],
    };
    if let Some(Inner {
        message: Leaf::Str(em),
        ..
    }) = err
    {
        if !msg.contains(em.as_ref()) {
            msg = Cow::Owned(if msg.is_empty() {
                em.to_string()
            } else {
                format!("{msg}: {em}")
            });
        }
    }
    f.msg = match msg {
        Cow::Borrowed(m) => Cow::Borrowed(m.trim_end()),
        Cow::Owned(m) => Cow::Owned(m.trim_end().to_string()),
    };
    f.host = first(H0, X0).and_then(|(_, h)| leaf_scalar(h));
    if let Some(req) = &keyed.objs[2] {
        f.method = leaf_scalar(&req.method);
        f.path = leaf_scalar(&req.url);
    }
    if let Some(res) = &keyed.objs[3] {
        f.status = match &res.status_code {
            Leaf::Num(n) => n.as_u64().map(|s| s as u16),
            _ => None,
        };
    }
    f.proc = first(X0 + 4, SLOTS).and_then(|(_, p)| leaf_scalar(p));
    Some(f)
}

/// `n` in decimal, written into `buf`.
fn itoa(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).expect("digits")
}
