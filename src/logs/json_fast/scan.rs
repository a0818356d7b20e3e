//! The strict scanner of the fast JSON reader (see the parent module):
//! one object read byte by byte, the keys [`super::json_line`] reads
//! picked as it goes, strings ended at quotes found ahead where the line
//! allows it.

use super::quotes::{Quotes, Taken};
use super::*;

/// A strict JSON scanner for the common case: one object of strings
/// without `\u` escapes, numbers without exponents, literals, nested
/// objects and arrays. It fills a [`Keyed`] as the serde path does, and
/// gives up (`None`) at anything else, valid or not, for serde_json to
/// decide; so where it answers, serde_json reads the line the same.
pub(super) struct Scan<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// Where the line's quotes are, when `ahead`: for a line without
    /// backslashes or control characters (most), whose strings then end
    /// at the next quote.
    quotes: Quotes,
    ahead: bool,
}

/// Deepest nesting the scanner follows (serde_json refuses past 128).
const SCAN_DEPTH: usize = 64;

impl<'a> Scan<'a> {
    /// A scanner of `s`, its quotes not found yet ([`Self::top`] finds
    /// them, in place: a scanner returned with them was copied whole).
    #[inline(always)]
    pub(super) fn new(s: &'a str) -> Self {
        Scan {
            s,
            b: s.as_bytes(),
            i: 0,
            quotes: Quotes::new(),
            ahead: false,
        }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            // JSON's white space is at most a space: one comparison for
            // the bytes that end it (all of them, in most logs).
            if c > b' ' || !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                break;
            }
            self.i += 1;
        }
    }

    /// The byte at `self.i` once any white space there is passed over:
    /// one comparison where there is none (most logs), so that the white
    /// space between tokens is looked for only where the next byte is
    /// read anyway.
    #[inline(always)]
    fn next(&mut self) -> Option<u8> {
        let c = *self.b.get(self.i)?;
        if c > b' ' {
            return Some(c);
        }
        self.ws();
        self.peek()
    }

    /// `:` after any white space, passed over.
    #[inline(always)]
    fn colon(&mut self) -> Option<()> {
        (self.next()? == b':').then(|| self.i += 1)
    }

    #[inline(always)]
    fn expect(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.i += 1)
    }

    /// Whether every value read was borrowed from the line or is a
    /// number (owning no memory): so on the path of the quotes found
    /// ahead, which reads strings without escapes only.
    pub(super) fn borrowed_only(&self) -> bool {
        self.ahead
    }

    /// The whole line: one object, then nothing.
    pub(super) fn top(&mut self, keyed: &mut Keyed<'a>) -> Option<()> {
        self.ahead = self.quotes.find(self.b);
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
        if self.ahead {
            return self.object_ahead(depth, into);
        }
        self.expect(b'{')?;
        if self.next()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            // `self.i` is at the key's first byte, past any white space.
            if let Keep::Nothing = into {
                // No key is kept this deep: passed over unread.
                self.skip_string()?;
                self.colon()?;
                self.skip_here(depth + 1)?;
            } else {
                let key = self.string()?;
                self.colon()?;
                self.member(&key, depth + 1, &mut into)?;
            }
            match self.next()? {
                b',' => {
                    self.i += 1;
                    self.next()?;
                }
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// [`Self::object`] on the path of the quotes found ahead: the place
    /// in the line and the quotes not taken yet are kept in locals
    /// ([`Ahead`]) while members with string values (most) are read here,
    /// and handed back to `self` for the other values, read as
    /// [`Self::member`] reads them. With that state in `self`, stored and
    /// loaded again around every write to the values kept, 50,000 pino
    /// lines took 295.0M instructions against 285.3M (callgrind).
    #[inline(always)]
    fn object_ahead(&mut self, depth: usize, mut into: Keep<'_, 'a>) -> Option<()> {
        self.expect(b'{')?;
        if self.next()? == b'}' {
            self.i += 1;
            return Some(());
        }
        let b = self.b;
        let mut at = self.at();
        loop {
            // The key, its first quote at `at.i`.
            let (from, to) = self.quotes.string_at(&mut at.taken, at.i)?;
            at.i = to + 1;
            let mut c = *b.get(at.i)?;
            if c == b':' {
                at.i += 1;
                c = *b.get(at.i)?;
            } else {
                self.set_at(at);
                self.colon()?;
                c = self.next()?;
                at = self.at();
            }
            if c == b'"' {
                let (v0, v1) = self.quotes.string_at(&mut at.taken, at.i)?;
                at.i = v1 + 1;
                into.string(self.text(from, to), self.text(v0, v1));
            } else if let Some((n, len)) = plain_integer(&b[at.i..]) {
                at.i += len;
                into.number(self.text(from, to), n);
            } else if !(c == b'{' && depth < SCAN_DEPTH && self.flat(&mut at, &mut into, from, to))
            {
                self.set_at(at);
                match into {
                    Keep::Nothing => self.skip_here(depth + 1)?,
                    _ => self.member(self.text(from, to), depth + 1, &mut into)?,
                }
                at = self.at();
            }
            c = *b.get(at.i)?;
            if c <= b' ' {
                self.set_at(at);
                c = self.next()?;
                at = self.at();
            }
            match c {
                b',' => at.i += 1,
                b'}' => {
                    at.i += 1;
                    self.set_at(at);
                    return Some(());
                }
                _ => return None,
            }
            if b.get(at.i).is_some_and(|&c| c <= b' ') {
                self.set_at(at);
                self.next()?;
                at = self.at();
            }
        }
    }

    /// The object at `at.i`, value of the key `self.text(from, to)` of
    /// an object whose keys go as `into` says, read in place where it is
    /// flat (members with string or plain integer values, no white
    /// space: pino's `req`, `res`, `err`, `pool`), `at` moved past it;
    /// `false`, `at` unmoved and the values kept so far to be read again,
    /// for any other object, which [`Self::member`] then reads (or
    /// refuses). Read through [`Self::member`], such an object cost a
    /// call and its own [`Self::object_ahead`], the scanner's place
    /// stored and loaded back around it.
    #[inline(always)]
    fn flat(&self, at: &mut Ahead, into: &mut Keep<'_, 'a>, from: usize, to: usize) -> bool {
        let key = self.text(from, to);
        match into {
            Keep::Top(keyed) => match slot(key) {
                Some(s) if (X0..X0 + 4).contains(&s) => {
                    // As [`Self::member`]: the last of a repeated key wins.
                    let obj = &mut keyed.objs[s - X0];
                    if obj.is_some() {
                        *obj = None;
                    }
                    let read = self.flat_ahead(at, Some(obj.get_or_insert_with(Inner::default)));
                    if read {
                        keyed.put(s, Leaf::Other);
                    }
                    read
                }
                Some(_) => false,
                None => self.flat_ahead(at, None),
            },
            Keep::Inner(inner) => inner.slot(key).is_none() && self.flat_ahead(at, None),
            Keep::Nothing => self.flat_ahead(at, None),
        }
    }

    /// [`Self::flat`] of the object at `at.i`, its inner keys kept in
    /// `inner` if any.
    #[inline(always)]
    fn flat_ahead(&self, at: &mut Ahead, mut inner: Option<&mut Inner<'a>>) -> bool {
        let b = self.b;
        let (mut i, mut t) = (at.i + 1, at.taken);
        loop {
            let Some((from, to)) = self.quotes.string_at(&mut t, i) else {
                return false;
            };
            i = to + 1;
            if b.get(i) != Some(&b':') {
                return false;
            }
            i += 1;
            let value = match b.get(i) {
                Some(b'"') => {
                    let Some((v0, v1)) = self.quotes.string_at(&mut t, i) else {
                        return false;
                    };
                    i = v1 + 1;
                    Leaf::Str(Cow::Borrowed(self.text(v0, v1)))
                }
                Some(_) => {
                    let Some((n, len)) = plain_integer(&b[i..]) else {
                        return false;
                    };
                    i += len;
                    Leaf::Num(n.into())
                }
                None => return false,
            };
            if let Some(kept) = inner.as_mut().and_then(|n| n.slot(self.text(from, to))) {
                *kept = value;
            }
            match b.get(i) {
                Some(b',') => i += 1,
                Some(b'}') => {
                    *at = Ahead { i: i + 1, taken: t };
                    return true;
                }
                _ => return false,
            }
        }
    }

    /// Where the scanner is, for [`Self::object_ahead`]'s locals.
    #[inline(always)]
    fn at(&self) -> Ahead {
        Ahead {
            i: self.i,
            taken: self.quotes.next,
        }
    }

    /// Puts the scanner where [`Self::object_ahead`]'s locals are.
    #[inline(always)]
    fn set_at(&mut self, at: Ahead) {
        self.i = at.i;
        self.quotes.next = at.taken;
    }

    /// The value of `key`, kept or passed over as `into` says.
    fn member(&mut self, key: &str, depth: usize, into: &mut Keep<'_, 'a>) -> Option<()> {
        match into {
            Keep::Top(keyed) => match slot(key) {
                // The last of a repeated key wins, as in `serde_json::Map`.
                Some(slot) if (X0..X0 + 4).contains(&slot) => {
                    let obj = &mut keyed.objs[slot - X0];
                    let value = if self.next()? == b'{' {
                        // Read in place (a line the scanner leaves is read
                        // again from the start). Not `insert`: its drop of
                        // the value before, out of line, is for a repeated
                        // key only.
                        if obj.is_some() {
                            *obj = None;
                        }
                        let inner = obj.get_or_insert_with(Inner::default);
                        self.object(depth, Keep::Inner(inner))?;
                        Leaf::Other
                    } else {
                        *obj = None;
                        self.value(depth)?
                    };
                    keyed.put(slot, value);
                }
                Some(slot) => keyed.put(slot, self.value(depth)?),
                None => self.skip_here(depth)?,
            },
            Keep::Inner(inner) => match inner.slot(key) {
                Some(kept) => *kept = self.value(depth)?,
                None => self.skip_here(depth)?,
            },
            Keep::Nothing => self.skip(depth)?,
        }
        Some(())
    }

    /// A value kept: a string, a number (read as serde_json reads it), or
    /// anything else passed over.
    #[inline(always)]
    fn value(&mut self, depth: usize) -> Option<Leaf<'a>> {
        match self.next()? {
            b'"' => self.string().map(Leaf::Str),
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                if let Some((n, len)) = plain_integer(&self.b[start..]) {
                    self.i += len;
                    return Some(Leaf::Num(n.into()));
                }
                self.number()?;
                self.text(start, self.i).parse().ok().map(Leaf::Num)
            }
            _ => self.skip(depth).map(|_| Leaf::Other),
        }
    }

    /// [`Self::skip`], a string whose end was found ahead or a number
    /// passed over here (most values passed over), without the call and
    /// its dispatch.
    #[inline(always)]
    fn skip_here(&mut self, depth: usize) -> Option<()> {
        match self.next()? {
            b'"' if self.ahead => {
                self.i = self.quotes.string(self.i)?.1 + 1;
                Some(())
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => self.skip(depth),
        }
    }

    /// Passes over one value.
    fn skip(&mut self, depth: usize) -> Option<()> {
        match self.next()? {
            b'"' => self.skip_string(),
            b'-' | b'0'..=b'9' => self.number(),
            b'{' => self.object(depth, Keep::Nothing),
            b'[' => {
                if depth > SCAN_DEPTH {
                    return None;
                }
                self.i += 1;
                if self.next()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    match self.next()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
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

    /// Passes over `-?(0|[1-9][0-9]*)(\.[0-9]+)?`; an exponent is left
    /// to serde_json (which refuses one out of range).
    #[inline]
    fn number(&mut self) -> Option<()> {
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
        Some(())
    }

    /// `self.s[from..to]`, for ends next to ASCII bytes the scanner found
    /// (quotes, a number's first byte and the byte after it): `&s[..]`
    /// checks both for a character's boundary out of line, a call for
    /// every string of a line.
    #[inline(always)]
    fn text(&self, from: usize, to: usize) -> &'a str {
        debug_assert!(from <= to && self.s.is_char_boundary(from) && self.s.is_char_boundary(to));
        // SAFETY: every caller gives `from <= to <= self.s.len()`, each
        // just after or at an ASCII byte of `self.s` (or at its end), so
        // at a character's boundary.
        unsafe { self.s.get_unchecked(from..to) }
    }

    /// A string at `self.i`: borrowed, or owned where it has escapes; a
    /// `\u` escape or a control character is left to serde_json.
    #[inline(always)]
    fn string(&mut self) -> Option<Cow<'a, str>> {
        if self.ahead {
            let (from, at) = self.quotes.string(self.i)?;
            self.i = at + 1;
            return Some(Cow::Borrowed(self.text(from, at)));
        }
        self.expect(b'"')?;
        let from = self.i;
        let at = stop_at(self.b, from)?;
        if self.b[at] == b'"' {
            // No escape (most strings): borrowed at once.
            self.i = at + 1;
            return Some(Cow::Borrowed(self.text(from, at)));
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
        if self.ahead {
            self.i = self.quotes.string(self.i)?.1 + 1;
            return Some(());
        }
        self.expect(b'"')?;
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
pub(super) static STOP: [bool; 256] = {
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
pub(super) fn stop_at(b: &[u8], from: usize) -> Option<usize> {
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

/// Up to 19 digits at the start of `rest`, no sign, no fraction, no
/// exponent (most numbers of a log line): their value, a u64 as
/// serde_json reads it, without its parser, and their length; `None` for
/// any other number, and for a `0` followed by a digit (which
/// [`Scan::number`] refuses).
#[inline(always)]
fn plain_integer(rest: &[u8]) -> Option<(u64, usize)> {
    let mut n = 0u64;
    let mut len = 0;
    while let Some(&c) = rest.get(len) {
        if !c.is_ascii_digit() {
            break;
        }
        n = n.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
        len += 1;
    }
    let plain = (1..20).contains(&len)
        && (rest[0] != b'0' || len == 1)
        && !matches!(rest.get(len), Some(b'.' | b'e' | b'E'));
    plain.then_some((n, len))
}

/// The place in the line and the quotes not taken yet, as
/// [`Scan::object_ahead`] keeps them.
#[derive(Clone, Copy)]
struct Ahead {
    i: usize,
    taken: Taken,
}

impl<'a> Keep<'_, 'a> {
    /// Keeps the string `value` of `key` as [`Scan::member`] does.
    #[inline(always)]
    fn string(&mut self, key: &str, value: &'a str) {
        match self {
            Keep::Top(keyed) => {
                if let Some(slot) = slot(key) {
                    // The last of a repeated key wins.
                    if (X0..X0 + 4).contains(&slot) {
                        keyed.objs[slot - X0] = None;
                    }
                    keyed.put(slot, Leaf::Str(Cow::Borrowed(value)));
                }
            }
            Keep::Inner(inner) => {
                if let Some(kept) = inner.slot(key) {
                    *kept = Leaf::Str(Cow::Borrowed(value));
                }
            }
            Keep::Nothing => {}
        }
    }

    /// Keeps the plain integer `n`, value of `key`, as [`Scan::member`]
    /// does.
    #[inline(always)]
    fn number(&mut self, key: &str, n: u64) {
        match self {
            Keep::Top(keyed) => {
                if let Some(slot) = slot(key) {
                    if (X0..X0 + 4).contains(&slot) {
                        keyed.objs[slot - X0] = None;
                    }
                    keyed.put(slot, Leaf::Num(n.into()));
                }
            }
            Keep::Inner(inner) => {
                if let Some(kept) = inner.slot(key) {
                    *kept = Leaf::Num(n.into());
                }
            }
            Keep::Nothing => {}
        }
    }
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
