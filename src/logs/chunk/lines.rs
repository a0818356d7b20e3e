//! The physical lines of a piece of a file: where each ends, found 64
//! bytes at a time, and the line ranges cut there.
//!
//! # Limitations
//! - Line ends are found 64 bytes at a time with SSE2 on x86_64 only;
//!   elsewhere byte by byte.
//! - The windows with bytes that are not plain ASCII (NUL, 0x80 and up)
//!   are found in the same pass, and a line in none of them is read as
//!   UTF-8 unchecked: framing a 140 MB HDFS file took 96 -> 89 ms of
//!   task-clock with the UTF-8 and NUL passes over every block gone (one
//!   thread, least of 5, load 8). Where they are in a window is not kept:
//!   the plain lines beside such a byte are checked with it, a block at a
//!   time (`chunk.rs`). A file with such bytes on every line pays both the
//!   windows' test and the blocks' check: 200,000 HDFS lines with Cyrillic
//!   words took 29 ms, as before (each line checked alone: 28 -> 42 ms;
//!   the bytes' places kept: 31 -> 33; one thread, least of 5, load 7 to
//!   8).

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

    /// Whether the line just cut, from `start`, holds only ASCII bytes
    /// other than NUL, as found with its line end: such a line is UTF-8
    /// without a check, and holds no NUL. False also for a plain line
    /// that shares 64 bytes with one that is not.
    #[inline(always)]
    pub(in crate::logs) fn plain(&self, start: usize) -> bool {
        self.seps.odd_end <= start.saturating_sub(self.from)
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
/// same pass finds the windows with bytes that are not plain ASCII text
/// (NUL, or 0x80 and up), so that a line in none needs no UTF-8 check: a
/// check of its own, a pass over the bytes, was a tenth of framing an
/// HDFS file.
struct Seps<'b> {
    bytes: &'b [u8],
    sep: u8,
    /// Where the window of `bits` starts.
    base: usize,
    /// The occurrences in the window `base..base + 64` not yet handed
    /// out: bit `i` for byte `base + i`.
    bits: u64,
    /// Where the last window with a byte that is NUL or 0x80 and up ends
    /// (0: none), this one included.
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
            odd_end: if odd { 64 } else { 0 },
        }
    }
}

impl Iterator for Seps<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.base += 64;
            let rest = self.bytes.get(self.base..).filter(|r| !r.is_empty())?;
            let odd;
            (self.bits, odd) = window(rest, self.sep);
            if odd {
                self.odd_end = self.base + 64;
            }
        }
        let at = self.base + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(at)
    }
}

/// Where `sep` is among the first 64 bytes of `b` (fewer at its end), as
/// bits, and whether any of them is NUL or 0x80 and up.
#[inline]
fn window(b: &[u8], sep: u8) -> (u64, bool) {
    match b.first_chunk::<64>() {
        Some(whole) => window64(whole, sep),
        None => {
            let mut padded = [0; 64];
            padded[..b.len()].copy_from_slice(b);
            // The padding's bits dropped, whatever the separator; its
            // NULs not looked at.
            let (bits, _) = window64(&padded, sep);
            let odd = b.iter().any(|&c| c == 0 || c >= 0x80);
            (bits & ((1u64 << b.len()) - 1), odd)
        }
    }
}

/// [`window`] of 64 bytes, 16 at a time with SSE2 (part of x86_64). The
/// odd bytes are looked for in the four parts at once: whether there are
/// any is all that is kept (where they are cost more than it saved, in a
/// file with them on every line).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn window64(b: &[u8; 64], sep: u8) -> (u64, bool) {
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
        (bits, _mm_movemask_epi8(any) != 0)
    }
}

/// [`window`] of 64 bytes, byte by byte where SSE2 is not at hand.
#[cfg(not(target_arch = "x86_64"))]
fn window64(b: &[u8; 64], sep: u8) -> (u64, bool) {
    let bits = b
        .iter()
        .enumerate()
        .fold(0, |bits, (i, &c)| bits | u64::from(c == sep) << i);
    (bits, b.iter().any(|&c| c == 0 || c >= 0x80))
}

#[cfg(test)]
mod tests {
    use super::{LineRanges, Seps};

    /// No line with a NUL or a byte of 0x80 and up is plain, and a line
    /// is plain where no such byte lies in the 64-byte windows it spans:
    /// texts of every length and start around the windows' edges, with
    /// such bytes at every place of a window, lines of one byte and of
    /// several windows, a BOM, carriage returns, no final separator.
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
                    let base = lines.from();
                    let odd = |c: &u8| *c == 0 || *c >= 0x80;
                    while let Some((n, start, end)) = lines.next() {
                        // The windows from the line's start to its
                        // separator's (to the text's end for the last).
                        let (to, cut) = (lines.to, lines.sep());
                        let at = b[end..to].iter().position(|&c| c == cut);
                        let w0 = base + (start - base) / 64 * 64;
                        let w1 = at.map_or(to, |i| {
                            let p = end + i;
                            (base + (p - base) / 64 * 64 + 64).min(to)
                        });
                        let clear = !b[w0..w1].iter().any(odd);
                        let plain = lines.plain(start);
                        assert!(!plain || !b[start..end].iter().any(odd), "{from} {len} {n}");
                        assert_eq!(plain, clear, "{from} {len} {sep:?} {n}");
                        checked[plain as usize] += 1;
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
