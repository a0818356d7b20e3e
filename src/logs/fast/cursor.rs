//! What the fast readers move through a line with: a cursor, and where a
//! run of bytes of one class ends, found several bytes at a time.
//!
//! # Limitations
//! - Three ways to find a run's end stand side by side, each kept where
//!   it measured faster: eight bytes at a time in a word ([`range_end`]:
//!   graphic bytes, digits, capitals), 16 at a time with SSE2
//!   ([`run_end`]: a logger's name, up to a byte), and the stops of a
//!   line's first 128 bytes found at once ([`Stops`]: BGL's tokens). SSE2
//!   for each graphic run made BGL's reading slower (156 -> 160 ms of
//!   task-clock, one thread, load 7); the stops found once made it faster
//!   (159 -> 148 ms, load 7). A BGL header within them takes its nine
//!   token ends from the bits at once ([`Stops::token_ends`]): the split
//!   of a million raw BGL lines, 44 -> 42 ms (one thread, least of 5 runs
//!   in one process, 5 rounds alternating, load 3), for 4% more
//!   instructions. Syslog and access-log headers still search each token.
//! - A [`Fixed`] part (a date, a clock; 24 bytes at most) is tested eight
//!   bytes at a time only where the line holds whole words of eight past
//!   its start; near the line's end, byte by byte.

/// A position in a line, moved on by what matched there.
pub(super) struct Cursor<'a> {
    pub(super) b: &'a [u8],
    pub(super) at: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn new(line: &'a str) -> Self {
        Cursor {
            b: line.as_bytes(),
            at: 0,
        }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }

    /// Takes `c` or fails.
    pub(super) fn byte(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.at += 1)
    }

    /// Takes the longest run (at least one) of bytes in `class`; the
    /// classes are ASCII, so the run stops at any other byte.
    pub(super) fn run(&mut self, class: impl Fn(u8) -> bool) -> Option<(usize, usize)> {
        let start = self.at;
        while self.peek().is_some_and(&class) {
            self.at += 1;
        }
        (self.at > start).then_some((start, self.at))
    }

    /// Takes exactly `n` ASCII digits: all `n` tested, without a branch
    /// a byte (a BGL header has some 34 digits).
    pub(super) fn digits(&mut self, n: usize) -> Option<()> {
        let d = self.b.get(self.at..self.at + n)?;
        (d.iter().fold(true, |all, c| all & c.is_ascii_digit())).then(|| self.at += n)
    }

    /// Takes the bytes of `p`: eight at a time where the line holds whole
    /// words of them, one by one (as [`Cursor::digits`] and
    /// [`Cursor::byte`]) near its end.
    #[inline(always)]
    pub(super) fn fixed(&mut self, p: &Fixed) -> Option<()> {
        let n = p.text.len().div_ceil(8);
        match self.b.get(self.at..self.at + 8 * n) {
            Some(b) => {
                let mut bad = 0;
                for (chunk, w) in b.chunks_exact(8).zip(&p.words[..n]) {
                    bad |= w.misses(u64::from_le_bytes(chunk.try_into().expect("eight")));
                }
                (bad == 0).then(|| self.at += p.text.len())
            }
            None => {
                for &c in p.text {
                    match c {
                        b'#' => self.digits(1)?,
                        c => self.byte(c)?,
                    }
                }
                Some(())
            }
        }
    }

    /// [`Cursor::run`] of ASCII capitals (a level word), eight bytes at a
    /// time: the loop byte by byte, whose exit the CPU mispredicts where
    /// level words differ in length, held a tenth of the samples of
    /// reading raw HDFS headers (`perf annotate`).
    pub(super) fn upper_run(&mut self) -> Option<(usize, usize)> {
        let start = self.at;
        self.at = upper_end(self.b, start);
        (self.at > start).then_some((start, self.at))
    }

    /// [`Cursor::run`] of ASCII digits, eight bytes at a time (see
    /// [`digit_end`]).
    pub(super) fn digit_run(&mut self) -> Option<(usize, usize)> {
        let start = self.at;
        self.at = digit_end(self.b, start);
        (self.at > start).then_some((start, self.at))
    }

    /// `HH:MM:SS` and an optional `.` with digits, which must follow it
    /// (`\d\d:\d\d:\d\d(?:\.\d+)?` where no `.` comes after).
    pub(super) fn clock(&mut self) -> Option<()> {
        const CLOCK: Fixed = Fixed::new(b"##:##:##");
        self.fixed(&CLOCK)?;
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.digit_run()?;
        }
        Some(())
    }

    /// A `\S+` token followed by one space (taken): ASCII only, since a
    /// byte of another character could be Unicode white space.
    #[inline]
    pub(super) fn token(&mut self) -> Option<(usize, usize)> {
        let end = graphic_end(self.b, self.at);
        self.token_to(end)
    }

    /// [`Cursor::token`], its end found in `stops` (of this line).
    #[inline(always)]
    pub(super) fn token_in(&mut self, stops: &Stops) -> Option<(usize, usize)> {
        let end = stops.graphic_end(self.b, self.at);
        self.token_to(end)
    }

    /// The token from the cursor to `end`, where a space must follow.
    #[inline(always)]
    fn token_to(&mut self, end: usize) -> Option<(usize, usize)> {
        let start = self.at;
        self.at = end;
        if end == start {
            return None;
        }
        self.byte(b' ')?;
        Some((start, end))
    }
}

/// A fixed part of a header, such as a date: `#` stands for an ASCII
/// digit, any other byte for itself; up to 24 bytes, tested eight at a
/// time ([`Cursor::fixed`]) rather than a byte and a branch each.
pub(super) struct Fixed {
    text: &'static [u8],
    /// What each eight bytes of `text` must be; bytes past its end match
    /// anything.
    words: [Word; 3],
}

/// What eight bytes of a [`Fixed`] must be.
#[derive(Clone, Copy)]
struct Word {
    /// The literal bytes, where `mask` is `0xff`.
    lit: u64,
    mask: u64,
    /// `0x80` where a digit must be.
    digit: u64,
}

impl Word {
    /// Nonzero where `w` is not what the word says.
    #[inline(always)]
    fn misses(&self, w: u64) -> u64 {
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        // A digit XOR `0` is 0 to 9; anything else is 10 or more, or has
        // its high bit set. Adding 0x76 to the low seven bits sets the
        // high bit of those from 10 up, without a carry between bytes.
        let d = w ^ 0x3030_3030_3030_3030;
        let not_digit = (((d & LOW7) + 0x7676_7676_7676_7676) | d) & self.digit;
        ((w ^ self.lit) & self.mask) | not_digit
    }
}

impl Fixed {
    /// The pattern `text` (`#` a digit), at most 24 bytes.
    pub(super) const fn new(text: &'static [u8]) -> Fixed {
        assert!(text.len() <= 24);
        let none = Word {
            lit: 0,
            mask: 0,
            digit: 0,
        };
        let mut words = [none; 3];
        let mut i = 0;
        while i < text.len() {
            let (w, shift) = (i / 8, 8 * (i % 8));
            match text[i] {
                b'#' => words[w].digit |= 0x80 << shift,
                c => {
                    words[w].lit |= (c as u64) << shift;
                    words[w].mask |= 0xff << shift;
                }
            }
            i += 1;
        }
        Fixed { text, words }
    }
}

/// Where the bytes that are not ASCII graphic (`!` to `~`) lie among the
/// first 128 of a line (past its end: all of them), as bits, found 16
/// bytes at a time before the line is read: each token of a header then
/// ends at the next bit. A BGL header has nine tokens, short ones among
/// them, and a search begun anew for each (eight bytes at a time) was a
/// seventh of reading a BGL line.
pub(super) struct Stops {
    stops: u128,
    /// The spaces among them.
    spaces: u128,
}

impl Stops {
    /// Bytes covered.
    const LEN: usize = 128;

    pub(super) fn new(b: &[u8]) -> Self {
        match b.first_chunk::<{ Stops::LEN }>() {
            Some(head) => stops128(head),
            None => {
                // Zero is not graphic: the padding stops every token.
                let mut padded = [0; Stops::LEN];
                padded[..b.len()].copy_from_slice(b);
                stops128(&padded)
            }
        }
    }

    /// Where the first `N` tokens of the line end, where the line starts
    /// with them, each followed by one space and all among the bytes
    /// covered: the first `N` stops, each found by taking the one before
    /// off the bits, not by a search from where the one before ended (a
    /// chain of shifts, each waiting on the last). `None` where a token is
    /// empty, a stop is not a space (or past the line's end), or the
    /// `N`-th stop is past the bytes covered.
    #[inline(always)]
    pub(super) fn token_ends<const N: usize>(&self) -> Option<[usize; N]> {
        let mut bits = self.stops;
        let mut ends = [0; N];
        for end in &mut ends {
            // 128 where no stop is left.
            *end = bits.trailing_zeros() as usize;
            bits &= bits.wrapping_sub(1);
        }
        let taken = self.stops ^ bits;
        let spaced = taken & !self.spaces == 0;
        let filled = taken & (taken << 1 | 1) == 0;
        (spaced && filled && ends[N - 1] < Stops::LEN).then_some(ends)
    }

    /// [`graphic_end`] of `b` (the line these are of) from `from`.
    #[inline(always)]
    fn graphic_end(&self, b: &[u8], from: usize) -> usize {
        let rest = self.stops.checked_shr(from as u32).unwrap_or(0);
        if rest != 0 {
            return from + rest.trailing_zeros() as usize;
        }
        // Graphic up to the bytes covered, or started past them.
        graphic_end(b, from.max(Stops::LEN))
    }
}

/// The bytes of `b` that are not ASCII graphic, and its spaces, as bits:
/// 16 at a time with SSE2 (part of x86_64).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn stops128(b: &[u8; Stops::LEN]) -> Stops {
    use std::arch::x86_64::*;
    let (mut stops, mut spaces) = (0u128, 0u128);
    for k in 0..Stops::LEN / 16 {
        // SAFETY: SSE2 is part of x86_64; the load reads 16 of the 128
        // bytes of `b`, unaligned.
        let (graphic, space) = unsafe {
            let v = _mm_loadu_si128(b[16 * k..].as_ptr().cast());
            let space = _mm_set1_epi8(b' ' as i8);
            // As signed bytes, those from 0x80 are below `!` and fall out.
            let above = _mm_cmpgt_epi8(v, space);
            let below = _mm_cmpgt_epi8(_mm_set1_epi8(0x7f), v);
            (
                _mm_movemask_epi8(_mm_and_si128(above, below)),
                _mm_movemask_epi8(_mm_cmpeq_epi8(v, space)),
            )
        };
        stops |= u128::from(!graphic as u16) << (16 * k);
        spaces |= u128::from(space as u16) << (16 * k);
    }
    Stops { stops, spaces }
}

/// [`stops128`] byte by byte, where SSE2 is not at hand.
#[cfg(not(target_arch = "x86_64"))]
fn stops128(b: &[u8; Stops::LEN]) -> Stops {
    let bits = |f: fn(&u8) -> bool| {
        (b.iter().enumerate()).fold(0, |bits, (i, c)| bits | u128::from(f(c)) << i)
    };
    Stops {
        stops: bits(|c| !c.is_ascii_graphic()),
        spaces: bits(|c| *c == b' '),
    }
}

/// Where the run of ASCII graphic bytes (`!` to `~`) from `from` ends.
/// Tokens of a header (BGL's node names, hosts, an access log's fields)
/// are long enough that a loop byte by byte was most of BGL's reading
/// time. (16 bytes at a time with SSE2, as [`run_end`], made BGL's
/// reading slower: 156 -> 160 ms of task-clock, one thread, load 7.)
fn graphic_end(b: &[u8], from: usize) -> usize {
    range_end::<b'!', b'~'>(b, from)
}

/// Where the run of ASCII digits from `from` ends (a BGL header has runs
/// of 10 and 6).
pub(super) fn digit_end(b: &[u8], from: usize) -> usize {
    range_end::<b'0', b'9'>(b, from)
}

/// Where the run of ASCII graphic bytes but `[` and `:` from `from` ends
/// (a syslog tag's name), eight bytes at a time as [`range_end`] (byte by
/// byte: the split of 200k raw OpenSSH lines took 3% more instructions).
pub(super) fn tag_name_end(b: &[u8], from: usize) -> usize {
    let stops = |w: u64| {
        range_stops::<b'!', b'~'>(w)
            | zeros(w ^ (u64::from(b'[') * ONES))
            | zeros(w ^ (u64::from(b':') * ONES))
    };
    word_run_end(b, from, stops, |c| {
        c.is_ascii_graphic() && c != b'[' && c != b':'
    })
}

/// Where the run of ASCII capitals from `from` ends.
pub(super) fn upper_end(b: &[u8], from: usize) -> usize {
    range_end::<b'A', b'Z'>(b, from)
}

/// Where the run of bytes from `LO` to `HI` (both ASCII) from `from`
/// ends: eight bytes at a time, then byte by byte.
#[inline(always)]
fn range_end<const LO: u8, const HI: u8>(b: &[u8], from: usize) -> usize {
    word_run_end(b, from, range_stops::<LO, HI>, |c| (LO..=HI).contains(&c))
}

/// Where the run from `from` ends: each whole word of eight bytes tested
/// by `stops` (the high bit of each byte that ends the run, exact up to
/// the lowest), then the last bytes one by one by `keeps`.
#[inline(always)]
fn word_run_end(
    b: &[u8],
    from: usize,
    stops: impl Fn(u64) -> u64,
    keeps: impl Fn(u8) -> bool,
) -> usize {
    let mut i = from;
    while let Some(word) = b.get(i..i + 8) {
        let stop = stops(u64::from_le_bytes(word.try_into().expect("eight bytes")));
        if stop != 0 {
            return i + stop.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    i + b[i..].iter().take_while(|&&c| keeps(c)).count()
}

/// A byte of each of eight.
const ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of each of eight bytes.
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The bytes of `w` below `LO` and above `HI` (and from 0x80 up), as
/// their high bits; exact up to the lowest one flagged, which is all that
/// is read.
#[inline(always)]
fn range_stops<const LO: u8, const HI: u8>(w: u64) -> u64 {
    let below = w.wrapping_sub(LO as u64 * ONES) & !w & HIGH;
    let above = (w.wrapping_add((0x7f - HI) as u64 * ONES) | w) & HIGH;
    below | above
}

/// The zero bytes of `w`, as their high bits; exact up to the lowest one
/// flagged.
#[inline(always)]
fn zeros(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGH
}

/// `\w`, `.` and `$` in ASCII (a logger's name).
fn logger(c: u8) -> bool {
    LOGGER[c as usize]
}

/// Where the run of [`logger`] bytes from `from` ends ([`run_end`]). A
/// logger's name (`dfs.DataNode$PacketResponder`) is long enough that the
/// loop byte by byte, whose exit the CPU mispredicts, was most of reading
/// an HDFS or Spark header.
pub(super) fn logger_end(b: &[u8], from: usize) -> usize {
    run_end(b, from, Class::Logger)
}

/// The bytes a run of [`run_end`] takes.
#[derive(Clone, Copy)]
pub(super) enum Class {
    /// [`logger`]'s.
    Logger,
    /// Any but this one.
    Not(u8),
}

impl Class {
    fn keeps(self, c: u8) -> bool {
        match self {
            Class::Logger => logger(c),
            Class::Not(stop) => c != stop,
        }
    }

    /// The bytes of `block` that the class does not take, as bits.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn stops(self, block: &[u8; 16]) -> u32 {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86_64; the load reads the 16 bytes of
        // `block`, unaligned.
        let kept = unsafe {
            let v = _mm_loadu_si128(block.as_ptr().cast());
            let set = |c: u8| _mm_set1_epi8(c as i8);
            // `lo..=hi` of bytes as signed ones: those from 0x80 are
            // below every bound, and fall outside.
            let within = |v: __m128i, lo: u8, hi: u8| {
                _mm_and_si128(
                    _mm_cmpgt_epi8(v, set(lo - 1)),
                    _mm_cmpgt_epi8(set(hi + 1), v),
                )
            };
            let kept = match self {
                Class::Logger => {
                    let digit = within(v, b'0', b'9');
                    let letter = within(_mm_or_si128(v, set(0x20)), b'a', b'z');
                    let marks = _mm_or_si128(
                        _mm_cmpeq_epi8(v, set(b'_')),
                        _mm_or_si128(_mm_cmpeq_epi8(v, set(b'.')), _mm_cmpeq_epi8(v, set(b'$'))),
                    );
                    _mm_or_si128(_mm_or_si128(digit, letter), marks)
                }
                Class::Not(stop) => _mm_xor_si128(_mm_cmpeq_epi8(v, set(stop)), set(0xff)),
            };
            _mm_movemask_epi8(kept)
        };
        !(kept as u32) & 0xffff
    }
}

/// Where the run of bytes of `class` from `from` ends: 16 bytes at a time
/// with SSE2 (part of x86_64) while that many are left, then byte by
/// byte.
#[inline(always)]
pub(super) fn run_end(b: &[u8], from: usize, class: Class) -> usize {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    while let Some(block) = b.get(i..).and_then(|r| r.first_chunk::<16>()) {
        let stop = class.stops(block);
        if stop != 0 {
            return i + stop.trailing_zeros() as usize;
        }
        i += 16;
    }
    i + b[i..].iter().take_while(|c| class.keeps(**c)).count()
}

/// [`logger`]'s bytes, looked up rather than tested one class at a time.
static LOGGER: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'$';
        c += 1;
    }
    t
};

pub(super) fn upper(c: u8) -> bool {
    c.is_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    /// Where the run of ASCII graphic bytes of `b` from `from` ends, byte
    /// by byte.
    fn naive_graphic_end(b: &[u8], from: usize) -> usize {
        from + b[from..]
            .iter()
            .take_while(|c| c.is_ascii_graphic())
            .count()
    }

    /// The end of a graphic run found eight bytes at a time is the one
    /// found byte by byte: every start, a stop of each kind at every place.
    #[test]
    fn graphic_end_as_byte_by_byte() {
        for stop in [b' ', 0, b'\t', 0x20, 0x7f, 0x80, 0xc3, 0xff] {
            for at in 0..30 {
                let mut b: Vec<u8> = b"!~R02-M1-N0-C:J12-U11\x7e\x21az".to_vec();
                b.insert(at.min(b.len()), stop);
                for from in 0..=b.len() {
                    let naive = naive_graphic_end(&b, from);
                    assert_eq!(super::graphic_end(&b, from), naive, "{b:?} from {from}");
                }
            }
        }
    }

    /// The end of a graphic run read from a line's [`super::Stops`] is
    /// the one found byte by byte: lines shorter and longer than the bytes
    /// covered, every start, a stop of each kind at every place, and runs
    /// that cross the end of the bytes covered.
    #[test]
    fn stops_as_byte_by_byte() {
        let base: Vec<u8> = b"- 1117838570 R02-M1-N0-C:J12-U11 RAS ".repeat(5);
        for stop in [b' ', 0, b'\t', 0x7f, 0x80, 0xc3, 0xff] {
            for len in [0, 1, 17, 63, 64, 127, 128, 129, 140, 185] {
                for at in (0..len + 1).step_by(5).chain([126, 127, 128, 129]) {
                    let mut b = base[..len].to_vec();
                    if at < len {
                        b[at] = stop;
                    }
                    let stops = super::Stops::new(&b);
                    for from in 0..=b.len() {
                        let naive = naive_graphic_end(&b, from);
                        let got = stops.graphic_end(&b, from);
                        assert_eq!(got, naive, "{b:?} from {from}");
                    }
                }
            }
        }
        // One run across the bytes covered.
        let long = vec![b'x'; 300];
        assert_eq!(super::Stops::new(&long).graphic_end(&long, 3), 300);
    }

    /// The end of a run found 16 bytes at a time is the one found byte by
    /// byte, for each class: every start, every byte as the stop at every
    /// place.
    #[test]
    fn run_end_as_byte_by_byte() {
        use super::Class;
        let classes = [Class::Logger, Class::Not(b']'), Class::Not(0)];
        for class in classes {
            for stop in 0..=255u8 {
                for at in (0..40).step_by(3) {
                    let mut b: Vec<u8> = b"dfs.DataNode$Packet:Responder_09azAZ~!".to_vec();
                    b.insert(at.min(b.len()), stop);
                    for from in 0..=b.len() {
                        let naive =
                            from + b[from..].iter().take_while(|c| class.keeps(**c)).count();
                        assert_eq!(super::run_end(&b, from, class), naive, "{b:?} from {from}");
                    }
                }
            }
        }
    }

    /// The end of a syslog tag's name found eight bytes at a time is the
    /// one found byte by byte: every start, every byte value as the stop
    /// at every place.
    #[test]
    fn tag_name_end_as_byte_by_byte() {
        let name = |c: &u8| c.is_ascii_graphic() && *c != b'[' && *c != b':';
        for stop in 0..=255u8 {
            for at in 0..20 {
                let mut b: Vec<u8> = b"sshd(pam_unix)~!Zz09".to_vec();
                b.insert(at.min(b.len()), stop);
                for from in 0..=b.len() {
                    let naive = from + b[from..].iter().take_while(|c| name(c)).count();
                    assert_eq!(super::tag_name_end(&b, from), naive, "{b:?} from {from}");
                }
            }
        }
    }

    /// The end of a digit run found eight bytes at a time is the one
    /// found byte by byte: every start, every byte value as the stop at
    /// every place.
    #[test]
    fn digit_end_as_byte_by_byte() {
        for stop in 0..=255u8 {
            for at in 0..20 {
                let mut b: Vec<u8> = b"0123456789987654".to_vec();
                b.insert(at.min(b.len()), stop);
                for from in 0..=b.len() {
                    let naive = from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
                    assert_eq!(super::digit_end(&b, from), naive, "{b:?} from {from}");
                }
            }
        }
    }
}
