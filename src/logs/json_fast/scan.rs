//! The strict scanner of the fast JSON reader (see the parent module):
//! one object read byte by byte, the keys [`super::json_line`] reads
//! picked as it goes, strings ended at quotes found ahead where the line
//! allows it.

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

/// The quotes of a short line as bits (bit `i % 64` of word `i / 64` for
/// byte `i`), found 16 bytes at a time, then taken in order: in a line
/// without backslashes every quote opens or closes a string, and the
/// scanner reads every string in turn. Taking the next one costs a few
/// instructions where finding it byte by byte or eight at a time takes a
/// loop whose exit the CPU mispredicts, once per string; and where a
/// string ends does not wait on where it starts (a string's end looked
/// for from its start was a chain of loads through the whole line).
struct Quotes {
    words: [u64; QUOTE_WORDS],
    next: Taken,
}

/// Where the taking of a line's quotes is: the word being taken from,
/// and its quotes not taken yet. Apart from the words, so that a loop
/// can keep it in registers ([`Scan::object_ahead`]).
#[derive(Clone, Copy)]
struct Taken {
    w: usize,
    bits: u64,
}

/// Longest line (in 64-byte words) whose quotes are found ahead.
const QUOTE_WORDS: usize = 16;

impl Quotes {
    /// No quotes, for [`Self::find`] to fill.
    fn new() -> Self {
        Quotes {
            words: [0; QUOTE_WORDS],
            next: Taken { w: 0, bits: 0 },
        }
    }

    /// Sets the quotes of `b` in these words (which hold none), each word
    /// made in a register and written once; `false` where `b` holds a
    /// backslash or a control character (a string may then have escapes,
    /// or be refused), or is longer than [`QUOTE_WORDS`] words. Found in
    /// place: a `Quotes` built aside, then moved into the scanner, was
    /// read back before its stores were done (a tenth of the reader's
    /// time, perf).
    /// Each 64 bytes are read 32 at a time where the CPU has AVX2 (half
    /// the instructions of 16 at a time), the rest 16 at a time.
    #[cfg(target_arch = "x86_64")]
    fn find(&mut self, b: &[u8]) -> bool {
        if b.len() > QUOTE_WORDS * 64 {
            return false;
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2.
            return unsafe { self.find_avx2(b) };
        }
        self.find_in(b, |word| {
            let (mut quotes, mut bad) = (0u64, 0u64);
            for k in 0..4 {
                let (quote, odd) = Self::block(&word[k * 16..]);
                quotes |= u64::from(quote) << (k * 16);
                bad |= u64::from(odd);
            }
            (quotes, bad)
        })
    }

    /// [`Self::find`] with AVX2, which the caller makes sure of.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn find_avx2(&mut self, b: &[u8]) -> bool {
        self.find_in(b, |word| {
            let (q0, b0) = half_avx2(&word[..32]);
            let (q1, b1) = half_avx2(&word[32..]);
            (q0 | q1 << 32, b0 | b1)
        })
    }

    /// [`Self::find`] of a line of at most [`QUOTE_WORDS`] words, each
    /// whole word's quotes and its backslashes and control characters
    /// (any bits) found by `word`.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn find_in(&mut self, b: &[u8], word: impl Fn(&[u8]) -> (u64, u64)) -> bool {
        let mut odd = 0u64;
        let mut words = b.chunks_exact(64);
        for (w, bytes) in words.by_ref().enumerate() {
            let (quotes, bad) = word(bytes);
            self.words[w] = quotes;
            odd |= bad;
        }
        let rest = words.remainder();
        if rest.is_empty() {
            self.next.bits = self.words[0];
            return odd == 0;
        }
        let mut quotes = 0u64;
        let mut blocks = rest.chunks_exact(16);
        for (k, block) in blocks.by_ref().enumerate() {
            let (quote, bad) = Self::block(block);
            quotes |= u64::from(quote) << (k * 16);
            odd |= u64::from(bad);
        }
        let tail = blocks.remainder().len();
        if tail > 0 {
            let at = rest.len() - tail;
            // The last 16 bytes, less those already read: a block that
            // starts at a multiple of 16 and is shorter than 16 stays in
            // its word.
            let (quote, bad) = match b.len().checked_sub(16) {
                Some(from) => {
                    let (quote, bad) = Self::block(&b[from..]);
                    (quote >> (16 - tail), bad >> (16 - tail))
                }
                None => b.iter().enumerate().fold((0, 0), |(quote, bad), (j, &c)| {
                    let stop = c == b'\\' || c < 0x20;
                    (
                        quote | u32::from(c == b'"') << j,
                        bad | u32::from(stop) << j,
                    )
                }),
            };
            quotes |= u64::from(quote) << at;
            odd |= u64::from(bad);
        }
        self.words[(b.len() - rest.len()) / 64] = quotes;
        self.next.bits = self.words[0];
        odd == 0
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
    fn find(&mut self, _: &[u8]) -> bool {
        false
    }

    /// The first quote not taken yet at `t`, taken.
    #[inline(always)]
    fn take(&self, t: &mut Taken) -> Option<usize> {
        while t.bits == 0 {
            t.w += 1;
            t.bits = *self.words.get(t.w)?;
        }
        let at = t.w * 64 + t.bits.trailing_zeros() as usize;
        t.bits &= t.bits - 1;
        Some(at)
    }

    /// The string at `i`, as its first byte and its closing quote: the
    /// next two quotes at `t`, the first of which must be at `i` (every
    /// quote before `i` having been taken); `None` where it is not.
    #[inline(always)]
    fn string_at(&self, t: &mut Taken, i: usize) -> Option<(usize, usize)> {
        if self.take(t)? != i {
            return None;
        }
        Some((i + 1, self.take(t)?))
    }

    /// [`Self::string_at`] from the quotes not taken yet.
    #[inline(always)]
    fn string(&mut self, i: usize) -> Option<(usize, usize)> {
        let mut t = self.next;
        let string = self.string_at(&mut t, i);
        self.next = t;
        string
    }
}

/// The quotes among the 32 bytes of `half` as bits, and its backslashes
/// and control characters.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn half_avx2(half: &[u8]) -> (u64, u64) {
    use std::arch::x86_64::*;
    assert!(half.len() >= 32);
    // SAFETY: the load reads 32 bytes of `half`, which has them,
    // unaligned.
    let v = unsafe { _mm256_loadu_si256(half.as_ptr().cast()) };
    let quote = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'"' as i8));
    let slash = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b'\\' as i8));
    // Bytes up to 0x1f: the unsigned minimum with 0x1f is the byte.
    let control = _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1f)), v);
    (
        u64::from(_mm256_movemask_epi8(quote) as u32),
        u64::from(_mm256_movemask_epi8(_mm256_or_si256(slash, control)) as u32),
    )
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
            } else {
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
                if let Some(n) = self.plain_integer() {
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

    /// Up to 19 digits at `self.i`, no sign, no fraction, no exponent
    /// (most numbers of a log line): their value, a u64 as serde_json
    /// reads it, without its parser; `None`, `self.i` unmoved, for any
    /// other number, and for a `0` followed by a digit (which
    /// [`Self::number`] refuses).
    #[inline(always)]
    fn plain_integer(&mut self) -> Option<u64> {
        let rest = &self.b[self.i..];
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
        plain.then(|| {
            self.i += len;
            n
        })
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

    /// The quotes found ahead, taken in order, are the ones found byte by
    /// byte, for lines of every length around the 16-byte, 32-byte and
    /// 64-byte blocks and up to the bound, 16 bytes at a time or 32; a string is taken only where its
    /// quote is the next;
    /// a line with a backslash or a control character anywhere, or a
    /// longer line, gets none.
    /// A 64-byte word's quotes and stops 16 bytes at a time, as
    /// [`Quotes::find`] reads them without AVX2.
    #[cfg(target_arch = "x86_64")]
    fn word_sse2(word: &[u8]) -> (u64, u64) {
        (0..4).fold((0, 0), |(quotes, bad), k| {
            let (quote, odd) = Quotes::block(&word[k * 16..]);
            (quotes | u64::from(quote) << (k * 16), bad | u64::from(odd))
        })
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn quotes_found_ahead_as_byte_by_byte() {
        let bytes = b"az\xe9~ {}\x80:";
        for len in (0..200).chain([1000, 1023, 1024, 1025]) {
            let line: Vec<u8> = (0..len)
                .map(|i| match i % 13 {
                    3 | 4 | 11 => b'"',
                    k => bytes[k % bytes.len()],
                })
                .collect();
            let mut q = Quotes::new();
            if !q.find(&line) {
                assert!(len > QUOTE_WORDS * 64, "{len}");
                continue;
            }
            // 16 bytes at a time as with AVX2 (where the CPU has it).
            let mut sse2 = Quotes::new();
            assert!(sse2.find_in(&line, word_sse2), "{len}");
            assert_eq!(sse2.words, q.words, "{len}");
            let naive: Vec<usize> = (0..len).filter(|&i| line[i] == b'"').collect();
            let mut t = q.next;
            let taken: Vec<usize> = std::iter::from_fn(|| q.take(&mut t)).collect();
            assert_eq!(taken, naive, "{len}");
            if let [open, close, ..] = naive[..] {
                let mut q = Quotes::new();
                q.find(&line);
                assert_eq!(q.string(open), Some((open + 1, close)), "{len}");
                let mut q = Quotes::new();
                q.find(&line);
                assert_eq!(q.string(open + 1), None, "{len}");
            }
            for stop in [b'\\', b'\n', b'\t', 0, 0x1f] {
                for at in [0, len / 2, len.saturating_sub(1)]
                    .into_iter()
                    .filter(|&a| a < len)
                {
                    let mut bad = line.clone();
                    bad[at] = stop;
                    assert!(!Quotes::new().find(&bad), "{len} {at} {stop}");
                    let sse2 = Quotes::new().find_in(&bad, word_sse2);
                    assert!(!sse2, "{len} {at} {stop}");
                }
            }
        }
    }
}
