//! The fast reader of JSON lines: a strict scanner that picks the keys
//! [`json_line`] reads while checking every value as `serde_json` would,
//! with a borrowed serde path for the lines it leaves (escapes, exponents).
//! It gives the fields `json_line` gives, or none where that gives none
//! (tested below).
//!
//! # Limitations
//! - A string with a `\u` escape or a number with an exponent goes the
//!   slower serde path.
//! - Strings end at the line's quotes found ahead (32 bytes at a time
//!   with AVX2, 16 without), and taken in order, only on x86_64 and for
//!   lines of at most 1 KiB without a backslash or a control character;
//!   other lines find each string's end eight bytes at a time. The
//!   reader (quotes found, keys looked up and fields made included) is
//!   still 58% of the instructions of the ingest bench over 50,000 pino
//!   lines and 78% of framing's (callgrind, 2026-12-05 21:25 UTC),
//!   about 2,900 instructions a line, spread over every member of a line
//!   (about 40 instructions for a key, as many for a string value): 50k
//!   pino lines take 248.5M instructions against 277.3M before flat
//!   objects and plain integers were read in `Scan::object_ahead`'s loop
//!   (`Scan::flat`) and an error's message joined without `format!`, and
//!   295.0M before objects were read with their place in locals. Each of
//!   the two 140 MB pino files of `benches/ingest_vs_rg_lnav.sh` takes
//!   about 127 and 126 ms on one thread against 131 and 138 before the
//!   last change and 145 and 151 before the first (task-clock, least of
//!   5, 20:58 to 21:24 UTC, load 5 to 8; see the commits of that day),
//!   about 9 of them a process's fixed cost; and the same code linked at
//!   other addresses ran up to 8% slower (162 against 149 ms, 19:10
//!   UTC, load 8), so gains of a few percent here may not survive an
//!   unrelated change. `rg -j1 -c ''` takes about 20 ms for each.
//! - An object inside the line's is read in the loop of the line's
//!   (`Scan::flat`) only where it is flat: members with string or plain
//!   integer values, no white space; any other one (an inner object or
//!   list, a number with a sign or a fraction) goes through
//!   `Scan::member` and an `object` of its own, a call and the scanner's
//!   place stored and loaded back around it.
//! - The line's end is found by the framer's own pass over the bytes
//!   (`chunk::LineRanges`, 4.5% of a pino file's time, perf 16:30 UTC;
//!   2.3% of the instructions for 50k pino lines, callgrind 21:25 UTC)
//!   and the quotes by a second pass over the line here; the two are
//!   not one pass yet.
//! - Tried on 2026-12-05 and dropped, being slower or no faster (least
//!   of 5, load 7 to 8): counting a number's digits eight bytes at a time
//!   and reading up to eight at once (162.7 -> 165.2 and 169.4 -> 174.2
//!   ms: the byte loop's exit is well predicted on pino's numbers);
//!   gathering the backslashes and control characters of every 16 bytes
//!   as bytes, made bits once per line (155.9 -> 156.8, 164.8 -> 165.8).
//!   Later that day (load 5 to 8): a number passed over read first as a
//!   plain integer (283.1M instructions against 285.3M for 50k lines,
//!   but 151-152 ms against 146-147); the key's slot looked up once and
//!   handed to `Scan::member` inlined into `object_ahead` (288.4M) or
//!   out of line (301.1M); the quotes found 64 bytes at a time with
//!   AVX-512 and a masked load for the last bytes (144 against 145 ms).
//!   At 21:15 UTC (load 5 to 7.5): the top object's keys looked up by
//!   place against the line before's (a memo in a thread-local, each key
//!   compared as two words, its slot kept: 257.9M instructions for 50k
//!   lines against 253.6M, 137 and 144 ms against 133 and 139), and the
//!   values of keys not read written to a slot of their own rather than
//!   branched on (255.6M, 134 and 139 ms against 133 and 137).
//! - The ISO time of each pino line is read whole by the framer's time
//!   reader (`chunk::LastTime`, `time::fast`): about 8% of a pino file's
//!   time (perf, 14:05 UTC); no memo of its text up to the second yet.
//! - A first stage as simdjson's (each 64-byte word of the line classed
//!   by AVX-512, its tokens kept as bits, then the grammar walked token
//!   by token) was tried on 2026-12-05 and cost as much as this scanner
//!   on those files (235 to 240 ms against 236 to 243), or more with the
//!   token positions written to an array first (250 to 254): a pino line
//!   is about 100 tokens in 300 bytes, with no white space to pass over,
//!   and its strings' ends were already found ahead. Finding the quotes
//!   64 bytes at a time with AVX-512 gained nothing either (234 against
//!   232 ms), nor did the two-stage scanner on lines with escaped stack
//!   traces (99 against 101 ms for 100,000 lines).

use super::format::Fields;
use super::structured::*;
use crate::model::Severity;
use std::borrow::Cow;

mod quotes;
mod scan;
mod slots;
use scan::Scan;
use slots::*;

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

impl<'a> Inner<'a> {
    /// Where the value of inner key `key` is kept, if it is: the keys
    /// have four lengths, so one comparison tells.
    #[inline(always)]
    fn slot(&mut self, key: &str) -> Option<&mut Leaf<'a>> {
        let (name, kept) = match key.len() {
            3 => ("url", &mut self.url),
            6 => ("method", &mut self.method),
            7 => ("message", &mut self.message),
            10 => ("statusCode", &mut self.status_code),
            _ => return None,
        };
        (name.len() == key.len() && key_words(name.as_bytes()) == key_words(key.as_bytes()))
            .then_some(kept)
    }
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
            if let Some(kept) = inner.slot(&key) {
                *kept = value;
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

/// The values of the keys [`json_line`] reads, by [`slot`]; the objects
/// under `err`, `error`, `req` and `res` apart. Which slots hold a value
/// is kept as bits, so that finding the first key of a list present and
/// dropping the values read touch those slots alone (looking at all 32
/// for each line was a few percent of a pino file's time), and the
/// other slots are never written: a line no longer begins with a store
/// to each of them.
struct Keyed<'a> {
    /// Slot `i` holds a value where bit `i` of `set` says so, and is
    /// uninitialized otherwise; [`Keyed`]'s `drop` drops the slots set.
    vals: [std::mem::MaybeUninit<Leaf<'a>>; SLOTS],
    objs: [Option<Inner<'a>>; 4],
    /// Bit `i` for a value in slot `i`.
    set: u64,
}

impl<'a> Keyed<'a> {
    fn new() -> Self {
        Keyed {
            vals: [const { std::mem::MaybeUninit::uninit() }; SLOTS],
            objs: Default::default(),
            set: 0,
        }
    }

    /// Keeps `value` (never [`Leaf::Missing`]) in `slot`, over any value
    /// of a key repeated before: the last one wins, as in
    /// `serde_json::Map`.
    #[inline(always)]
    fn put(&mut self, slot: usize, value: Leaf<'a>) {
        if self.has(slot) {
            // SAFETY: the bit of `slot` is set: it holds a value.
            unsafe { self.vals[slot].assume_init_drop() };
        }
        self.vals[slot].write(value);
        self.set |= 1 << slot;
    }

    /// The first slot of `from..to` that holds a value, and the value.
    fn first(&self, from: usize, to: usize) -> Option<(usize, &Leaf<'a>)> {
        let among = self.set & ((1u64 << to) - 1) & !((1u64 << from) - 1);
        (among != 0).then(|| {
            let i = among.trailing_zeros() as usize;
            // SAFETY: the bit of `i` is set: it holds a value.
            (i, unsafe { self.vals[i].assume_init_ref() })
        })
    }

    /// The values held, in slot order.
    #[cfg(test)]
    fn values(&self) -> impl Iterator<Item = &Leaf<'a>> {
        (0..SLOTS).filter_map(|i| self.first(i, i + 1).map(|(_, v)| v))
    }

    /// Whether `slot` holds a value.
    fn has(&self, slot: usize) -> bool {
        self.set & (1 << slot) != 0
    }
}

impl Drop for Keyed<'_> {
    fn drop(&mut self) {
        let mut set = self.set;
        while set != 0 {
            // SAFETY: the bit of this slot is set: it holds a value,
            // dropped once (`set` is not read again).
            unsafe { self.vals[set.trailing_zeros() as usize].assume_init_drop() };
            set &= set - 1;
        }
    }
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
                let value = match map.next_value::<Val>()? {
                    Val::Obj(inner) => {
                        keyed.objs[slot - X0] = Some(inner);
                        Leaf::Other
                    }
                    Val::Str(s) => Leaf::Str(s),
                    Val::Num(n) => Leaf::Num(n),
                    Val::Other => Leaf::Other,
                };
                keyed.put(slot, value);
            } else {
                keyed.put(slot, map.next_value::<Leaf>()?);
            }
        }
        Ok(())
    }
}

/// A scalar as [`scalar`] gives it: a string, or a number's text. Read
/// in place: a value moved out of [`Keyed`] and read at once stalled on
/// the copy (a store not forwarded to the load that reads it whole: 7%
/// of a pino file's time, perf). A string borrowed from the line (most)
/// is taken here, inlined; the others in [`owned_scalar`]: `leaf_scalar`
/// itself had become a call for every value, its result written through
/// memory and read back (with [`message`]: 257.7M instructions for 50,000
/// pino lines against 253.6M, callgrind).
#[inline(always)]
fn leaf_scalar<'a>(v: &Leaf<'a>) -> Option<Cow<'a, str>> {
    match v {
        Leaf::Str(Cow::Borrowed(s)) => Some(Cow::Borrowed(s)),
        _ => owned_scalar(v),
    }
}

/// [`leaf_scalar`] of a value not borrowed from the line.
#[inline(never)]
fn owned_scalar<'a>(v: &Leaf<'a>) -> Option<Cow<'a, str>> {
    match v {
        Leaf::Str(s) => Some(Cow::Owned(s.to_string())),
        Leaf::Num(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// [`json_line`] without building a `serde_json::Value`: the keys it reads
/// are picked as the object is parsed, strings borrowed where they have
/// no escapes. Gives the same fields; `None` (not sure) for a line with a
/// `\u` escape, whose lone surrogates `serde_json` treats apart.
pub(crate) fn json_line_fast(line: &str) -> Option<Fields<'_>> {
    // Most lines begin and end with a brace: nothing to trim.
    let line = match line.as_bytes() {
        [b'{', .., b'}'] => line,
        _ => line.trim(),
    };
    if !line.starts_with('{') {
        return None;
    }
    let mut keyed = std::mem::ManuallyDrop::new(Keyed::new());
    let mut scan = Scan::new(line);
    let scanned = scan.top(&mut keyed).is_some();
    if scanned && scan.borrowed_only() {
        // Not dropped: nothing read there owns memory, and dropping each
        // value only to find that was 2% to 3% of a pino file's time.
        return Some(fields(&keyed));
    }
    let mut keyed = std::mem::ManuallyDrop::into_inner(keyed);
    if !scanned {
        // The scanner stops at every string with a `\u` escape; such a
        // line is `json_line`'s (looked for only here, off the common path).
        let escaped_u = memchr::memchr_iter(b'\\', line.as_bytes())
            .any(|i| line.as_bytes().get(i + 1) == Some(&b'u'));
        if escaped_u {
            return None;
        }
        // Something else the scanner leaves to serde_json: start again there.
        keyed = Keyed::new();
        let mut de = serde_json::Deserializer::from_str(line);
        serde::de::DeserializeSeed::deserialize(KeyedSeed(&mut keyed), &mut de).ok()?;
        de.end().ok()?;
    }
    Some(fields(&keyed))
}

/// The fields of a line, from the values of the keys read.
#[inline(always)]
fn fields<'a>(keyed: &Keyed<'a>) -> Fields<'a> {
    let mut f = Fields::default();
    if let Some((i, t)) = keyed.first(T0, L0) {
        f.time = leaf_scalar(t);
        if TIME_KEYS[i - T0] == "__REALTIME_TIMESTAMP" {
            f.time = f.time.map(|t| match t {
                Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
                Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
            });
        }
    }
    if let Some((i, l)) = keyed.first(L0, M0) {
        f.level = match (LEVEL_KEYS[i - L0], l) {
            ("PRIORITY", l) => leaf_scalar(l)
                .and_then(|p| p.parse::<u8>().ok())
                .map(syslog_priority),
            (_, Leaf::Num(n)) => match n.as_u64() {
                // The digits as `Severity::parse` reads them.
                Some(u) => match u32::try_from(u) {
                    Ok(u) => Some(Severity::from_number(u)),
                    Err(_) => Severity::parse(itoa(u, &mut [0; 20])),
                },
                None => Severity::parse(&n.to_string()),
            },
            (_, Leaf::Str(s)) => Severity::parse(s),
            _ => None,
        };
    }
    let err = match keyed.has(X0) {
        false => &keyed.objs[1],
        true => &keyed.objs[0],
    };
    let err_message = match err {
        Some(Inner {
            message: Leaf::Str(em),
            ..
        }) => Some(em),
        _ => None,
    };
    f.msg = match (keyed.first(M0, H0), err_message) {
        // Most lines: a message borrowed from the line, no error's.
        (Some((_, Leaf::Str(Cow::Borrowed(m)))), None) => Cow::Borrowed(trim_end(m)),
        (msg, em) => message(msg.map(|(_, m)| m), em),
    };
    f.host = keyed.first(H0, X0).and_then(|(_, h)| leaf_scalar(h));
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
    f.proc = keyed.first(X0 + 4, SLOTS).and_then(|(_, p)| leaf_scalar(p));
    f
}

/// The message of a line from its message's value `msg` and its error's
/// message `em`, where that is not `msg` alone borrowed from the line:
/// the error's message added where the message does not hold it. Out of
/// line: in place, its `Cow` was written through memory a word at a time
/// and read back whole on the common path too.
#[inline(never)]
fn message<'a>(msg: Option<&Leaf<'a>>, em: Option<&Cow<'a, str>>) -> Cow<'a, str> {
    let mut msg = msg.and_then(leaf_scalar).unwrap_or_default();
    if let Some(em) = em {
        if !msg.contains(em.as_ref()) {
            // Not `format!`, and trimmed in place: a line with an error's
            // message cost about 1,700 instructions more than one without
            // (3,340 such lines of 50,000 pino lines, callgrind).
            let mut joined = String::with_capacity(msg.len() + 2 + em.len());
            if !msg.is_empty() {
                joined.push_str(&msg);
                joined.push_str(": ");
            }
            joined.push_str(em);
            msg = Cow::Owned(joined);
        }
    }
    match msg {
        Cow::Borrowed(m) => Cow::Borrowed(trim_end(m)),
        Cow::Owned(mut m) => {
            m.truncate(m.trim_end().len());
            Cow::Owned(m)
        }
    }
}

/// `s.trim_end()`, without its look at the last character where that
/// is an ASCII byte other than white space (most messages).
#[inline(always)]
fn trim_end(s: &str) -> &str {
    match s.as_bytes().last() {
        Some(&c) if c > b' ' && c < 0x80 => s,
        _ => s.trim_end(),
    }
}

/// `n` in decimal, written into `buf`.
pub(super) fn itoa(mut n: u64, buf: &mut [u8; 20]) -> &str {
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

#[cfg(test)]
mod tests {
    use super::scan::{stop_at, STOP};
    use super::*;

    /// The fast JSON reader (scanner, then serde path) gives what
    /// `json_line` gives on lines made to reach its corners: escapes,
    /// repeated keys, numbers of every shape, nesting, nulls, bad JSON.
    #[test]
    fn fast_json_reads_as_json_line() {
        let base = r#"{"level":30,"time":"2026-12-04T16:18:23.341Z","pid":23936,"hostname":"shop-demo-01","req":{"id":"4c11","method":"GET","url":"/api/products/9"},"res":{"statusCode":200},"msg":"request completed"}"#;
        let lines = [
            base.to_string(),
            base.replace("request completed", r#"a \"quoted\" \\ word\n"#),
            base.replace("request completed", r"caf\u00e9"),
            base.replace(r#""level":30"#, r#""level":30,"level":"error""#),
            // A repeated key whose first value owns memory (dropped when
            // the second is kept).
            base.replace(r#""msg":"request completed""#, r#""msg":"a "b"","msg":"c \ d""#),
            base.replace(r#""level":30"#, r#""level":3.5e1"#),
            base.replace(r#""level":30"#, r#""level":-0"#),
            base.replace(r#""level":30"#, r#""level":012"#),
            base.replace(r#""level":30"#, r#""level":1.50"#),
            base.replace(r#""level":30"#, r#""level":99999999999999999999999"#),
            base.replace(r#""level":30"#, r#""level":1e400"#),
            base.replace(r#""level":30"#, r#""level":[1,{"a":[]}],"PRIORITY":"3""#),
            // Levels around the bounds of the integers read as they are
            // scanned (19 digits) and of a numeric level (a u32).
            base.replace(r#""level":30"#, r#""level":0"#),
            base.replace(r#""level":30"#, r#""level":60"#),
            base.replace(r#""level":30"#, r#""level":00"#),
            base.replace(r#""level":30"#, r#""level":-30"#),
            base.replace(r#""level":30"#, r#""level":30.0"#),
            base.replace(r#""level":30"#, r#""level":4294967295"#),
            base.replace(r#""level":30"#, r#""level":4294967296"#),
            base.replace(r#""level":30"#, r#""level":9999999999999999999"#),
            base.replace(r#""level":30"#, r#""level":18446744073709551615"#),
            base.replace(r#""level":30"#, r#""level":18446744073709551616"#),
            base.replace(r#""statusCode":200"#, r#""statusCode":0"#),
            base.replace(r#""statusCode":200"#, r#""statusCode":200."#),
            // Inner keys near the ones read: same length, one byte off.
            base.replace(r#""url""#, r#""urk""#),
            base.replace(r#""method""#, r#""metho""#),
            base.replace("statusCode", "statuscode"),
            base.replace(r#""msg":"request completed""#, r#""err":{"messagf":"boom"}"#),
            base.replace(r#""msg":"request completed""#, r#""err":{"messages":"boom"}"#),
            base.replace(r#""time":"2026-12-04T16:18:23.341Z""#, r#""time":null,"timestamp":"x""#),
            base.replace(r#""time":"2026-12-04T16:18:23.341Z""#, r#""time":1764862509453"#),
            base.replace(r#""statusCode":200"#, r#""statusCode":70000"#),
            base.replace(r#""statusCode":200"#, r#""statusCode":-1"#),
            base.replace(r#""req":{"#, r#""req":{"req":{"method":"PUT"},"#),
            base.replace(r#""msg":"request completed""#, r#""err":{"message":"boom"},"error":{"message":"x"}"#),
            base.replace(r#""msg":"request completed""#, r#""err":"no","error":{"message":"x"}"#),
            base.replace(r#""msg":"request completed""#, r#""msg":"boom here","err":{"message":"boom"}"#),
            base.replace(r#""msg":"request completed""#, r#""msg":"  ","err":{"message":"e"}"#),
            // Objects read in place where flat (string and plain integer
            // values), left to the general path otherwise: repeated keys,
            // inner objects, numbers of other shapes, an object where a
            // scalar is read, white space, nothing.
            base.replace(r#""pid":23936"#, r#""pool":{"total":2,"idle":0,"n":12345678901234567890}"#),
            base.replace(r#""pid":23936"#, r#""pool":{"total":01}"#),
            base.replace(r#""pid":23936"#, r#""pool":{"total":1.5,"idle":-1}"#),
            base.replace(r#""pid":23936"#, r#""pool":{"total":1e5}"#),
            base.replace(r#""pid":23936"#, r#""pool":{"a":{"b":1},"c":2}"#),
            base.replace(r#""pid":23936"#, r#""pool":{},"x":{"y":true}"#),
            base.replace(r#""pid":23936"#, r#""pool":{"a":1 }"#),
            base.replace(r#""pid":23936"#, r#""pool":{"a":"b""c":1}"#),
            base.replace(r#""pid":23936"#, r#""pool":{"a":2x}"#),
            base.replace(r#""method":"GET""#, r#""method":"GET","method":"PUT","h":{"a":"b"}"#),
            base.replace(r#""statusCode":200"#, r#""statusCode":200,"statusCode":"x""#),
            base.replace(r#""res":{"#, r#""res":{"statusCode":1},"res":{"#),
            base.replace(r#""res":{"statusCode":200}"#, r#""res":7"#),
            base.replace(r#""res":{"statusCode":200}"#, r#""res":{"statusCode":200},"res":7"#),
            base.replace(r#""msg":"request completed""#, r#""msg":{"a":1},"message":"m""#),
            base.replace(r#""level":30"#, r#""level":{"a":1}"#),
            base.replace(r#""msg":"request completed""#, r#""err":{"message":"a","message":"b"},"err":{"code":1}"#),
            base.replace(r#""pid":23936"#, r#""pid":true,"x":false,"y":null"#),
            base.replace(r#""pid":23936"#, "\"pid\":\"a\tb\""),
            base.replace(r#""pid":23936"#, r#""p\"id":1"#),
            base.replace("hostname", "host.name"),
            format!("  {base}  "),
            // White space at every kind of place, and an empty inner
            // object, on the path of the quotes found ahead.
            base.replace(',', " ,\t"),
            base.replace("\":", "\":\n"),
            base.replace(r#""statusCode":200"#, ""),
            // Messages that end in white space, or in a character that
            // is not ASCII (one of them white space).
            base.replace("request completed", "done  "),
            base.replace("request completed", "caf\u{e9}"),
            base.replace("request completed", "x\u{a0}"),
            format!("{base} x"),
            format!("{base},"),
            base.replace('}', " } "),
            base.replace(':', " : "),
            base[..base.len() - 1].to_string(),
            r#"{"__REALTIME_TIMESTAMP":" 1764862501000000 ","MESSAGE":"m","SYSLOG_IDENTIFIER":"s"}"#.into(),
            r#"{"a":{"b":{"c":{"d":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}}}"#.into(),
            "{}".into(),
            "{".into(),
            "[1]".into(),
        ];
        let mut fast_read = 0;
        for l in &lines {
            // `None` is "not sure": the format then asks `json_line`.
            let mut fast = json_line_fast(l);
            crate::logs::fast::take(&mut fast);
            if let Some(fast) = fast {
                fast_read += 1;
                assert_eq!(Some(fast), json_line(l), "{l}");
            }
        }
        // Lines without a text message are `json_line`'s.
        assert!(fast_read >= 23, "{fast_read}");
        // The scanner itself (without the serde path) reads the common ones.
        let mut keyed = Keyed::new();
        assert!(Scan::new(base).top(&mut keyed).is_some());
        // Eight bytes at a time, as byte by byte: every start, stops of
        // each kind at every place, bytes above 0x7f around them.
        for stop in [b'"', b'\\', b'\n', 0x01, 0x1f] {
            for at in 0..20 {
                let mut b: Vec<u8> = "ab\u{e9}cd\u{20ac}xyzw!~ ".repeat(2).into_bytes();
                b.insert(at, stop);
                for from in 0..b.len() {
                    let naive = b[from..]
                        .iter()
                        .position(|&c| STOP[c as usize])
                        .map(|i| from + i);
                    assert_eq!(stop_at(&b, from), naive, "{b:?} from {from}");
                }
            }
        }
        assert!(matches!(&keyed.objs[2], Some(Inner { method: Leaf::Str(m), .. }) if m == "GET"));
    }

    /// What the scanner reads, serde_json reads the same (and what it
    /// refuses is left to it): lines whose members cross 16- and 64-byte
    /// boundaries at every byte, lines past 1 KiB, and an escape, a
    /// control character, a number or a stray byte put at every place of
    /// a member.
    #[test]
    fn fast_json_at_every_place() {
        let base = r#"{"level":30,"time":"2026-12-04T16:18:23.341Z","pid":23936,"hostname":"h1","req":{"id":"4c11","method":"GET","url":"/a/b"},"res":{"statusCode":200},"pool":{"n":[1,true,null,-2.5]},"load":{"total":2,"idle":0},"msg":"done","err":{"message":"boom"}}"#;
        let mut lines = vec![];
        for pad in 0..70 {
            let padded = base.replace(r#""pid""#, &format!(r#""{}":0,"pid""#, "p".repeat(pad)));
            lines.push(padded);
        }
        // Past the bound of the quotes found ahead, with and without an
        // escape.
        lines.push(base.replace("done", &"d".repeat(1100)));
        lines.push(base.replace(
            "done",
            &format!(
                r"{}
",
                "d".repeat(1100)
            ),
        ));
        let stray = [
            r"\", r#"\""#, r"\n", r"\\", r"\u00e9", r"\x", "\t", "\u{1}", "\n", "\r", " ", "\"",
            "1", ".5", "e5", "}", "]", ",", ":", "x", "\u{e9}", "\u{7f}",
        ];
        let mid = base.len() / 2;
        for at in 0..base.len() {
            for (k, s) in stray.iter().enumerate() {
                // Every place for some, every third for the rest.
                if k > 6 && (at + k) % 3 != 0 {
                    continue;
                }
                let pad = " ".repeat((at + k) % 64);
                let mut l = format!("{}{pad}", &base[..mid]);
                l.push_str(&base[mid..]);
                if at <= l.len() && l.is_char_boundary(at) {
                    l.insert_str(at, s);
                    lines.push(l);
                }
            }
        }
        let (mut scanned, mut fast_read) = (0, 0);
        for l in &lines {
            let mut keyed = Keyed::new();
            let mut scan = Scan::new(l.trim());
            if scan.top(&mut keyed).is_some() {
                scanned += 1;
                // What `json_line_fast` leaves undropped owns nothing.
                if scan.borrowed_only() {
                    let inner = keyed.objs.iter().flatten();
                    let mut leaves = keyed
                        .values()
                        .chain(inner.flat_map(|i| [&i.message, &i.method, &i.url, &i.status_code]));
                    assert!(
                        leaves.all(|v| !matches!(v, Leaf::Str(Cow::Owned(_)))),
                        "{l}"
                    );
                }
                let serde: Result<serde_json::Map<String, serde_json::Value>, _> =
                    serde_json::from_str(l);
                assert!(serde.is_ok(), "scanned, refused by serde_json: {l}");
            }
            if let Some(fast) = json_line_fast(l) {
                fast_read += 1;
                assert_eq!(Some(fast), json_line(l), "{l}");
            }
        }
        assert!(scanned > lines.len() / 4, "{scanned} of {}", lines.len());
        assert!(fast_read > scanned, "{fast_read} {scanned}");
    }
}
