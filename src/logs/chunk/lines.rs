//! The physical lines of a piece of a file: where each ends, found 64
//! bytes at a time, and the line ranges cut there.
//!
//! # Limitations
//! - Line ends are found 64 bytes at a time with SSE2 on x86_64 only;
//!   elsewhere byte by byte.

/// The physical lines of `bytes` as byte ranges, with their 1-based
/// numbers within `bytes`: split at the separator (given, for a chunk of a
/// file whose separator was decided on the whole file; or decided here, a
/// leading BOM taken off: line feeds, or carriage returns where there is
/// no line feed at all, as classic Mac files end their lines), one
/// trailing separator and each line's `\r` taken off, empty lines skipped
/// (but numbered). An empty text is one empty line. Every line cut of the
/// crate goes through here ([`crate::logs::frame::lines`] for text).
pub(in crate::logs) struct LineRanges<'b> {
    bytes: &'b [u8],
    seps: Seps<'b>,
    /// Where the lines start in `bytes` (after a BOM).
    from: usize,
    /// Where the next line starts.
    start: usize,
    /// Where the last line ends (before one trailing separator).
    to: usize,
    /// Number of the line last cut.
    n: u64,
    sep: u8,
    done: bool,
}

impl<'b> LineRanges<'b> {
    pub(in crate::logs) fn new(bytes: &'b [u8], sep: Option<u8>) -> Self {
        let (from, sep) = match sep {
            Some(sep) => (0, sep),
            None => {
                let from = if bytes.starts_with("\u{feff}".as_bytes()) {
                    3
                } else {
                    0
                };
                let rest = &bytes[from..];
                let cr_only =
                    memchr::memchr(b'\n', rest).is_none() && memchr::memchr(b'\r', rest).is_some();
                (from, if cr_only { b'\r' } else { b'\n' })
            }
        };
        let mut to = bytes.len();
        if to > from && bytes[to - 1] == sep {
            to -= 1;
        }
        LineRanges {
            bytes,
            seps: Seps::new(&bytes[from..to], sep),
            from,
            start: from,
            to,
            n: 0,
            sep,
            done: false,
        }
    }

    /// Where the lines start in the bytes: after a BOM.
    pub(in crate::logs) fn from(&self) -> usize {
        self.from
    }

    /// The separator lines are cut at.
    pub(in crate::logs) fn sep(&self) -> u8 {
        self.sep
    }

    /// Lines numbered so far: once the iterator is spent, the piece's
    /// lines, empty ones included.
    pub(in crate::logs) fn numbered(&self) -> u64 {
        self.n
    }

    /// Whether the line `bytes[start..end]` just cut holds only ASCII
    /// bytes other than NUL, as found with its line end: such a line is
    /// UTF-8 without a check, and holds no NUL.
    #[inline(always)]
    pub(in crate::logs) fn plain(&self, start: usize, end: usize) -> bool {
        start == end || self.seps.plain(start - self.from, end - self.from)
    }
}

impl Iterator for LineRanges<'_> {
    /// `(n, start, end)`: line `n` is `bytes[start..end]`.
    type Item = (u64, usize, usize);

    /// Inlined into the loop that reads the lines: called apart, once a
    /// line, it was a tenth of framing an HDFS file (perf), its state
    /// loaded and stored back on each call.
    #[inline(always)]
    fn next(&mut self) -> Option<Self::Item> {
        if self.from == self.to {
            // An empty text: one empty line.
            let first = !self.done;
            self.done = true;
            self.n = 1;
            return first.then_some((1, self.from, self.to));
        }
        while !self.done {
            let (start, end) = match self.seps.next() {
                Some(at) => {
                    let start = self.start;
                    self.start = self.from + at + 1;
                    (start, self.from + at)
                }
                None => {
                    self.done = true;
                    (self.start, self.to)
                }
            };
            self.n += 1;
            let end = if end > start && self.bytes[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            if end > start {
                return Some((self.n, start, end));
            }
        }
        None
    }
}

/// Where a byte occurs in a text, found 64 bytes at a time as bits and
/// handed out one by one: lines are short, and a search started anew for
/// each (`memchr`'s) cost a call and its set-up per line (a tenth of
/// framing a file of raw Loghub lines, with the loop that used it). The
/// same pass finds the bytes that are not plain ASCII text (NUL, or 0x80
/// and up), so that a line without any needs no UTF-8 check: a check of
/// its own, a pass over the bytes, was a tenth of framing an HDFS file.
struct Seps<'b> {
    bytes: &'b [u8],
    sep: u8,
    /// Where the window of `bits` starts.
    base: usize,
    /// The occurrences in the window `base..base + 64` not yet handed
    /// out: bit `i` for byte `base + i`.
    bits: u64,
    /// The bytes of the window that are NUL or 0x80 and up, as `bits`.
    odd: u64,
    /// One past the last such byte before the window (0: none).
    odd_end: usize,
}

impl<'b> Seps<'b> {
    fn new(bytes: &'b [u8], sep: u8) -> Self {
        let (bits, odd) = window(bytes, sep);
        Seps {
            bytes,
            sep,
            base: 0,
            bits,
            odd,
            odd_end: 0,
        }
    }

    /// Whether `bytes[start..end]` holds no NUL and no byte of 0x80 and
    /// up, where `end` is at most the last occurrence handed out (or the
    /// end of the text, once they are all out).
    #[inline(always)]
    fn plain(&self, start: usize, end: usize) -> bool {
        // The window's odd bytes before `end`: `end` is in the window,
        // or before it once the text is spent.
        let k = end.saturating_sub(self.base);
        let before = match k {
            64.. => self.odd,
            _ => self.odd & ((1u64 << k) - 1),
        };
        let odd_end = match before {
            0 => self.odd_end,
            _ => self.base + 64 - before.leading_zeros() as usize,
        };
        odd_end <= start
    }
}

impl Iterator for Seps<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            if self.odd != 0 {
                self.odd_end = self.base + 64 - self.odd.leading_zeros() as usize;
                self.odd = 0;
            }
            self.base += 64;
            let rest = self.bytes.get(self.base..).filter(|r| !r.is_empty())?;
            (self.bits, self.odd) = window(rest, self.sep);
        }
        let at = self.base + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(at)
    }
}

/// Where `sep` is among the first 64 bytes of `b` (fewer at its end), and
/// where bytes are NUL or 0x80 and up, as bits.
#[inline]
fn window(b: &[u8], sep: u8) -> (u64, u64) {
    match b.first_chunk::<64>() {
        Some(whole) => window64(whole, sep),
        None => {
            let mut padded = [0; 64];
            padded[..b.len()].copy_from_slice(b);
            // The padding's bits dropped, whatever the separator.
            let (bits, odd) = window64(&padded, sep);
            let real = (1u64 << b.len()) - 1;
            (bits & real, odd & real)
        }
    }
}

/// [`window`] of 64 bytes, 16 at a time with SSE2 (part of x86_64). The
/// odd bytes are first looked for in the four parts at once: most windows
/// have none, and need no bits of them.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn window64(b: &[u8; 64], sep: u8) -> (u64, u64) {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of x86_64; each load reads 16 of the 64 bytes
    // of `b`, unaligned.
    unsafe {
        let v: [__m128i; 4] = std::array::from_fn(|k| _mm_loadu_si128(b[16 * k..].as_ptr().cast()));
        let bits = v.iter().enumerate().fold(0, |bits, (k, v)| {
            let hits = _mm_movemask_epi8(_mm_cmpeq_epi8(*v, _mm_set1_epi8(sep as i8)));
            bits | u64::from(hits as u16) << (16 * k)
        });
        // As signed bytes, NUL and 0x80 and up are those below 1.
        let odd = v.map(|v| _mm_cmpgt_epi8(_mm_set1_epi8(1), v));
        let any = _mm_or_si128(_mm_or_si128(odd[0], odd[1]), _mm_or_si128(odd[2], odd[3]));
        if _mm_movemask_epi8(any) == 0 {
            return (bits, 0);
        }
        let odd = odd.iter().enumerate().fold(0, |all, (k, o)| {
            all | u64::from(_mm_movemask_epi8(*o) as u16) << (16 * k)
        });
        (bits, odd)
    }
}

/// [`window`] of 64 bytes, byte by byte where SSE2 is not at hand.
#[cfg(not(target_arch = "x86_64"))]
fn window64(b: &[u8; 64], sep: u8) -> (u64, u64) {
    b.iter().enumerate().fold((0, 0), |(bits, odd), (i, &c)| {
        let is_odd = c == 0 || c >= 0x80;
        (
            bits | u64::from(c == sep) << i,
            odd | u64::from(is_odd) << i,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{LineRanges, Seps};

    /// A line is plain exactly where it holds no NUL and no byte of 0x80
    /// and up: texts of every length and start around the windows' edges,
    /// with such bytes at every place of a window, lines of one byte and
    /// of several windows, a BOM, carriage returns, no final separator.
    #[test]
    fn plain_lines_are_those_without_odd_bytes() {
        let mut text = b"\xef\xbb\xbf".to_vec();
        for i in 0..900u32 {
            let r = i.wrapping_mul(2_654_435_761) >> 11;
            text.push(match r % 53 {
                0..=6 => b'\n',
                7 => b'\r',
                8 => 0,
                9 => 0x80 + (r % 128) as u8,
                _ => b'a' + (r % 26) as u8,
            });
        }
        text.extend_from_slice(&[b'y'; 200]);
        text.push(0xff);
        text.extend_from_slice(&[b'z'; 130]);
        let mut checked = [0; 2];
        for from in (0..70).chain([300, 512]) {
            for len in (0..=text.len() - from)
                .step_by(5)
                .chain([text.len() - from])
            {
                let b = &text[from..from + len];
                for sep in [None, Some(b'\n'), Some(b'\r')] {
                    let mut lines = LineRanges::new(b, sep);
                    while let Some((n, start, end)) = lines.next() {
                        let odd = b[start..end].iter().any(|&c| c == 0 || c >= 0x80);
                        assert_eq!(lines.plain(start, end), !odd, "{from} {len} {sep:?} {n}");
                        checked[odd as usize] += 1;
                    }
                }
            }
        }
        assert!(checked[0] > 10_000 && checked[1] > 10_000, "{checked:?}");
    }

    /// The separators found 64 bytes at a time are memchr's: texts of
    /// every length around the windows' edges, separators at every place
    /// of a window, runs of them, and none.
    #[test]
    fn seps_as_memchr() {
        let mut text = Vec::new();
        for i in 0..300u32 {
            // A pseudo-random byte, a line feed one time in seven.
            let r = i.wrapping_mul(2_654_435_761) >> 13;
            text.push(if r % 7 == 0 {
                b'\n'
            } else {
                b'a' + (r % 26) as u8
            });
        }
        text.extend_from_slice(&[b'\n'; 70]);
        text.extend_from_slice(&[b'x'; 130]);
        for from in 0..70 {
            for len in (0..=text.len() - from)
                .step_by(7)
                .chain([text.len() - from])
            {
                let b = &text[from..from + len];
                for sep in [b'\n', b'x', 0] {
                    let ours: Vec<usize> = Seps::new(b, sep).collect();
                    let theirs: Vec<usize> = memchr::memchr_iter(sep, b).collect();
                    assert_eq!(ours, theirs, "from {from}, len {len}, sep {sep}");
                }
            }
        }
    }
}
