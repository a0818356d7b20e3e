//! The fast reader of JSON lines: a strict scanner that picks the keys
//! [`json_line`] reads while checking every value as `serde_json` would,
//! with a borrowed serde path for the lines it leaves (escapes, exponents).
//! It gives the fields `json_line` gives, or none where that gives none
//! (tested below).
//!
//! # Limitations
//! - A string with a `\u` escape or a number with an exponent goes the
//!   slower serde path.
//! - Strings end at the line's quotes found ahead, 16 bytes at a time,
//!   only on x86_64 and for lines of at most 1 KiB without a backslash or
//!   a control character; other lines find each string's end eight bytes
//!   at a time. The scanner is still about three fifths of a pino
//!   file's CPU time (perf, 2026-12-05): the two 140 MB pino files of
//!   `benches/ingest_vs_rg_lnav.sh` take 0.52 CPU seconds on one thread
//!   (0.55 before the quotes were found ahead); `rg -j1 -c ''` 0.11.

use super::format::Fields;
use super::structured::*;
use crate::model::Severity;
use std::borrow::Cow;

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
#[inline]
fn slot(key: &str) -> Option<usize> {
    let same_len = SLOT_BY_LEN.get(key.len())?;
    let first = key.as_bytes().first()?;
    // Byte by byte: the keys are short, and `==` on slices calls memcmp.
    same_len
        .iter()
        .find(|(k, _)| k.as_bytes()[0] == *first && k.bytes().zip(key.bytes()).all(|(a, b)| a == b))
        .map(|(_, i)| *i)
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
    if !line.starts_with('{') {
        return None;
    }
    let mut keyed = Keyed {
        vals: Default::default(),
        objs: Default::default(),
    };
    if Scan::new(line).top(&mut keyed).is_none() {
        // The scanner stops at every string with a `\u` escape; such a
        // line is `json_line`'s (looked for only here, off the common path).
        let escaped_u = memchr::memchr_iter(b'\\', line.as_bytes())
            .any(|i| line.as_bytes().get(i + 1) == Some(&b'u'));
        if escaped_u {
            return None;
        }
        // Something else the scanner leaves to serde_json: start again there.
        keyed = Keyed {
            vals: Default::default(),
            objs: Default::default(),
        };
        let mut de = serde_json::Deserializer::from_str(line);
        serde::de::DeserializeSeed::deserialize(KeyedSeed(&mut keyed), &mut de).ok()?;
        de.end().ok()?;
    }
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

/// A strict JSON scanner for the common case: one object of strings
/// without `\u` escapes, numbers without exponents, literals, nested
/// objects and arrays. It fills a [`Keyed`] as the serde path does, and
/// gives up (`None`) at anything else, valid or not, for serde_json to
/// decide; so where it answers, serde_json reads the line the same.
struct Scan<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// Where the line's quotes are, for a line without backslashes or
    /// control characters (most): its strings then end at the next quote.
    quotes: Option<Quotes>,
}

/// The quotes of a short line as bits (bit `i % 64` of word `i / 64` for
/// byte `i`), found 16 bytes at a time: looking one up takes a few
/// instructions where finding it byte by byte or eight at a time takes a
/// loop whose exit the CPU mispredicts, once per string.
struct Quotes([u64; QUOTE_WORDS]);

/// Longest line (in 64-byte words) whose quotes are found ahead.
const QUOTE_WORDS: usize = 16;

impl Quotes {
    /// The quotes of `b`, or `None` where it holds a backslash or a
    /// control character (a string may then have escapes, or be refused),
    /// or is longer than [`QUOTE_WORDS`] words.
    #[cfg(target_arch = "x86_64")]
    fn find(b: &[u8]) -> Option<Quotes> {
        if b.len() > QUOTE_WORDS * 64 {
            return None;
        }
        let mut q = Quotes([0; QUOTE_WORDS]);
        let mut odd = 0u32;
        let mut blocks = b.chunks_exact(16);
        for (k, block) in blocks.by_ref().enumerate() {
            let (quote, bad) = Self::block(block);
            odd |= bad;
            q.0[k / 4] |= u64::from(quote) << (k % 4 * 16);
        }
        let rest = blocks.remainder().len();
        if rest > 0 {
            let base = b.len() - rest;
            // The last 16 bytes, less those already read: a block that
            // starts at a multiple of 16 and is shorter than 16 stays in
            // its word.
            let (quote, bad) = match b.len().checked_sub(16) {
                Some(from) => {
                    let (quote, bad) = Self::block(&b[from..]);
                    (quote >> (16 - rest), bad >> (16 - rest))
                }
                None => b.iter().enumerate().fold((0, 0), |(quote, bad), (j, &c)| {
                    let stop = c == b'\\' || c < 0x20;
                    (
                        quote | u32::from(c == b'"') << j,
                        bad | u32::from(stop) << j,
                    )
                }),
            };
            odd |= bad;
            q.0[base / 64] |= u64::from(quote) << (base % 64);
        }
        (odd == 0).then_some(q)
    }

    /// The quotes among the first 16 bytes of `block` as bits, and its
    /// backslashes and control characters.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn block(block: &[u8]) -> (u32, u32) {
        use std::arch::x86_64::*;
        assert!(block.len() >= 16);
        // SAFETY: SSE2 is part of x86_64; the load reads 16 bytes of
        // `block`, which has them, unaligned.
        unsafe {
            let v = _mm_loadu_si128(block.as_ptr().cast());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let slash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            // Bytes up to 0x1f: the unsigned minimum with 0x1f is the byte.
            let control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            (
                _mm_movemask_epi8(quote) as u32,
                _mm_movemask_epi8(_mm_or_si128(slash, control)) as u32,
            )
        }
    }

    /// Elsewhere every line takes the general path.
    #[cfg(not(target_arch = "x86_64"))]
    fn find(_: &[u8]) -> Option<Quotes> {
        None
    }

    /// The first quote at or after `from`.
    #[inline]
    fn next(&self, from: usize) -> Option<usize> {
        let mut w = from / 64;
        let mut bits = *self.0.get(w)? & (!0u64 << (from % 64));
        while bits == 0 {
            w += 1;
            bits = *self.0.get(w)?;
        }
        Some(w * 64 + bits.trailing_zeros() as usize)
    }
}

/// Deepest nesting the scanner follows (serde_json refuses past 128).
const SCAN_DEPTH: usize = 64;

impl<'a> Scan<'a> {
    fn new(s: &'a str) -> Self {
        Scan {
            s,
            b: s.as_bytes(),
            i: 0,
            quotes: Quotes::find(s.as_bytes()),
        }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    #[inline(always)]
    fn expect(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.i += 1)
    }

    /// The whole line: one object, then nothing.
    fn top(mut self, keyed: &mut Keyed<'a>) -> Option<()> {
        self.ws();
        self.object(0, Keep::Top(keyed))?;
        self.ws();
        (self.i == self.b.len()).then_some(())
    }

    /// An object at `self.i`, its keys kept as `into` says.
    fn object(&mut self, depth: usize, mut into: Keep<'_, 'a>) -> Option<()> {
        if depth > SCAN_DEPTH {
            return None;
        }
        self.expect(b'{')?;
        self.ws();
        if self.expect(b'}').is_some() {
            return Some(());
        }
        loop {
            if let Keep::Nothing = into {
                // No key is kept this deep: passed over unread.
                self.skip_string()?;
                self.ws();
                self.expect(b':')?;
                self.ws();
                self.skip(depth + 1)?;
            } else {
                let key = self.string()?;
                self.ws();
                self.expect(b':')?;
                self.ws();
                self.member(&key, depth + 1, &mut into)?;
            }
            self.ws();
            if self.expect(b',').is_some() {
                self.ws();
                continue;
            }
            return self.expect(b'}');
        }
    }

    /// The value of `key`, kept or passed over as `into` says.
    fn member(&mut self, key: &str, depth: usize, into: &mut Keep<'_, 'a>) -> Option<()> {
        match into {
            Keep::Top(keyed) => match slot(key) {
                // The last of a repeated key wins, as in `serde_json::Map`.
                Some(slot) if (X0..X0 + 4).contains(&slot) => {
                    keyed.objs[slot - X0] = None;
                    keyed.vals[slot] = if self.peek() == Some(b'{') {
                        let mut inner = Inner::default();
                        self.object(depth, Keep::Inner(&mut inner))?;
                        keyed.objs[slot - X0] = Some(inner);
                        Leaf::Other
                    } else {
                        self.value(depth)?
                    };
                }
                Some(slot) => keyed.vals[slot] = self.value(depth)?,
                None => self.skip(depth)?,
            },
            Keep::Inner(inner) => {
                let kept = match key {
                    "message" => &mut inner.message,
                    "method" => &mut inner.method,
                    "url" => &mut inner.url,
                    "statusCode" => &mut inner.status_code,
                    _ => return self.skip(depth),
                };
                *kept = self.value(depth)?;
            }
            Keep::Nothing => self.skip(depth)?,
        }
        Some(())
    }

    /// A value kept: a string, a number (read as serde_json reads it), or
    /// anything else passed over.
    #[inline(always)]
    fn value(&mut self, depth: usize) -> Option<Leaf<'a>> {
        match self.peek()? {
            b'"' => self.string().map(Leaf::Str),
            b'-' | b'0'..=b'9' => {
                let text = self.number()?;
                // Up to 19 digits, no sign, no fraction: a u64, as
                // serde_json reads it, without its parser.
                if text.len() < 20 && text.bytes().all(|c| c.is_ascii_digit()) {
                    let n = text.bytes().fold(0u64, |n, c| n * 10 + u64::from(c - b'0'));
                    return Some(Leaf::Num(n.into()));
                }
                text.parse().ok().map(Leaf::Num)
            }
            _ => self.skip(depth).map(|_| Leaf::Other),
        }
    }

    /// Passes over one value.
    fn skip(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => self.skip_string(),
            b'-' | b'0'..=b'9' => self.number().map(|_| ()),
            b'{' => self.object(depth, Keep::Nothing),
            b'[' => {
                if depth > SCAN_DEPTH {
                    return None;
                }
                self.i += 1;
                self.ws();
                if self.expect(b']').is_some() {
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    self.ws();
                    if self.expect(b',').is_some() {
                        self.ws();
                        continue;
                    }
                    return self.expect(b']');
                }
            }
            _ => {
                let word = [&b"true"[..], b"false", b"null"]
                    .into_iter()
                    .find(|w| self.b[self.i..].starts_with(w))?;
                self.i += word.len();
                Some(())
            }
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`: its text; an exponent is left to
    /// serde_json (which refuses one out of range).
    #[inline]
    fn number(&mut self) -> Option<&'a str> {
        let start = self.i;
        self.expect(b'-');
        let digits = |sc: &mut Self| {
            let from = sc.i;
            while sc.peek().is_some_and(|c| c.is_ascii_digit()) {
                sc.i += 1;
            }
            sc.i - from
        };
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => {
                digits(self);
            }
            _ => return None,
        }
        if self.expect(b'.').is_some() && digits(self) == 0 {
            return None;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            return None;
        }
        Some(&self.s[start..self.i])
    }

    /// A string at `self.i`: borrowed, or owned where it has escapes; a
    /// `\u` escape or a control character is left to serde_json.
    #[inline(always)]
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.expect(b'"')?;
        let from = self.i;
        if let Some(q) = &self.quotes {
            let at = q.next(from)?;
            self.i = at + 1;
            return Some(Cow::Borrowed(&self.s[from..at]));
        }
        let at = stop_at(self.b, from)?;
        if self.b[at] == b'"' {
            // No escape (most strings): borrowed at once.
            self.i = at + 1;
            return Some(Cow::Borrowed(&self.s[from..at]));
        }
        self.escaped_string()
    }

    /// The rest of a string from `self.i`, where a stop other than its
    /// closing quote comes first.
    fn escaped_string(&mut self) -> Option<Cow<'a, str>> {
        let mut owned = String::new();
        loop {
            let from = self.i;
            let at = stop_at(self.b, from)?;
            if self.b[at] < 0x20 {
                return None;
            }
            self.i = at + 1;
            owned.push_str(&self.s[from..at]);
            if self.b[at] == b'"' {
                return Some(Cow::Owned(owned));
            }
            owned.push(match self.peek()? {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                _ => return None,
            });
            self.i += 1;
        }
    }

    /// Passes over a string, refusing what [`Self::string`] refuses.
    #[inline(always)]
    fn skip_string(&mut self) -> Option<()> {
        self.expect(b'"')?;
        if let Some(q) = &self.quotes {
            self.i = q.next(self.i)? + 1;
            return Some(());
        }
        loop {
            let at = stop_at(self.b, self.i)?;
            match self.b[at] {
                b'"' => {
                    self.i = at + 1;
                    return Some(());
                }
                b'\\' => match self.b.get(at + 1)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i = at + 2,
                    _ => return None,
                },
                _ => return None,
            }
        }
    }
}

/// The bytes that end a run of plain string content: a quote, a
/// backslash, a control character.
static STOP: [bool; 256] = {
    let mut stop = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        stop[c] = true;
        c += 1;
    }
    stop[b'"' as usize] = true;
    stop[b'\\' as usize] = true;
    stop
};

/// The first byte at or after `from` that ends plain string content (a
/// quote, a backslash, a control character): eight bytes at a time, then
/// byte by byte. Strings are short mostly, where a vector search costs
/// more than it saves.
#[inline]
fn stop_at(b: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Bytes of `x` that are zero, as their high bit; exact up to the
    // lowest one flagged, which is all that is read.
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut i = from;
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let control = w.wrapping_sub(0x20 * ONES) & !w & HIGH;
        let found = zero(w ^ (b'"' as u64 * ONES)) | zero(w ^ (b'\\' as u64 * ONES)) | control;
        if found != 0 {
            return Some(i + found.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| STOP[c as usize])
        .map(|at| i + at)
}

/// Where the keys of an object being scanned go.
enum Keep<'k, 'a> {
    /// The line's object: the keys [`json_line`] reads.
    Top(&'k mut Keyed<'a>),
    /// An object under `err`, `error`, `req` or `res`.
    Inner(&'k mut Inner<'a>),
    /// Deeper: none.
    Nothing,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quotes found ahead are the ones found byte by byte, for lines
    /// of every length around the 16-byte blocks and up to the bound;
    /// a line with a backslash or a control character anywhere, or a
    /// longer line, gets none.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn quotes_found_ahead_as_byte_by_byte() {
        let bytes = b"az\xe9~ {}\x80:";
        for len in (0..100).chain([1000, 1023, 1024, 1025]) {
            let line: Vec<u8> = (0..len)
                .map(|i| match i % 13 {
                    3 | 4 | 11 => b'"',
                    k => bytes[k % bytes.len()],
                })
                .collect();
            let Some(q) = Quotes::find(&line) else {
                assert!(len > QUOTE_WORDS * 64, "{len}");
                continue;
            };
            for from in 0..=len {
                let naive = line[from..].iter().position(|&c| c == b'"');
                assert_eq!(q.next(from), naive.map(|i| from + i), "{len} {from}");
            }
            for stop in [b'\\', b'\n', b'\t', 0, 0x1f] {
                for at in [0, len / 2, len.saturating_sub(1)]
                    .into_iter()
                    .filter(|&a| a < len)
                {
                    let mut bad = line.clone();
                    bad[at] = stop;
                    assert!(Quotes::find(&bad).is_none(), "{len} {at} {stop}");
                }
            }
        }
    }

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
            base.replace(r#""level":30"#, r#""level":3.5e1"#),
            base.replace(r#""level":30"#, r#""level":-0"#),
            base.replace(r#""level":30"#, r#""level":012"#),
            base.replace(r#""level":30"#, r#""level":1.50"#),
            base.replace(r#""level":30"#, r#""level":99999999999999999999999"#),
            base.replace(r#""level":30"#, r#""level":1e400"#),
            base.replace(r#""level":30"#, r#""level":[1,{"a":[]}],"PRIORITY":"3""#),
            base.replace(r#""time":"2026-12-04T16:18:23.341Z""#, r#""time":null,"timestamp":"x""#),
            base.replace(r#""time":"2026-12-04T16:18:23.341Z""#, r#""time":1764862509453"#),
            base.replace(r#""statusCode":200"#, r#""statusCode":70000"#),
            base.replace(r#""statusCode":200"#, r#""statusCode":-1"#),
            base.replace(r#""req":{"#, r#""req":{"req":{"method":"PUT"},"#),
            base.replace(r#""msg":"request completed""#, r#""err":{"message":"boom"},"error":{"message":"x"}"#),
            base.replace(r#""msg":"request completed""#, r#""err":"no","error":{"message":"x"}"#),
            base.replace(r#""msg":"request completed""#, r#""msg":"boom here","err":{"message":"boom"}"#),
            base.replace(r#""msg":"request completed""#, r#""msg":"  ","err":{"message":"e"}"#),
            base.replace(r#""pid":23936"#, r#""pid":true,"x":false,"y":null"#),
            base.replace(r#""pid":23936"#, "\"pid\":\"a\tb\""),
            base.replace(r#""pid":23936"#, r#""p\"id":1"#),
            base.replace("hostname", "host.name"),
            format!("  {base}  "),
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
            if let Some(fast) = json_line_fast(l) {
                fast_read += 1;
                assert_eq!(Some(fast), json_line(l), "{l}");
            }
        }
        assert!(fast_read >= 25, "{fast_read}");
        // The scanner itself (without the serde path) reads the common ones.
        let mut keyed = Keyed {
            vals: Default::default(),
            objs: Default::default(),
        };
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
}
