//! Where a short JSON line's quotes are, found ahead of the scanner
//! ([`super::scan`]) 32 bytes at a time with AVX2, else 16 with SSE2, and
//! taken in order as its strings are read.

/// The quotes of a short line as bits (bit `i % 64` of word `i / 64` for
/// byte `i`), found 16 bytes at a time, then taken in order: in a line
/// without backslashes every quote opens or closes a string, and the
/// scanner reads every string in turn. Taking the next one costs a few
/// instructions where finding it byte by byte or eight at a time takes a
/// loop whose exit the CPU mispredicts, once per string; and where a
/// string ends does not wait on where it starts (a string's end looked
/// for from its start was a chain of loads through the whole line).
pub(super) struct Quotes {
    words: [u64; QUOTE_WORDS],
    pub(super) next: Taken,
}

/// Where the taking of a line's quotes is: the word being taken from,
/// and its quotes not taken yet. Apart from the words, so that a loop
/// can keep it in registers ([`Scan::object_ahead`]).
#[derive(Clone, Copy)]
pub(super) struct Taken {
    w: usize,
    bits: u64,
}

/// Longest line (in 64-byte words) whose quotes are found ahead.
const QUOTE_WORDS: usize = 16;

impl Quotes {
    /// No quotes, for [`Self::find`] to fill.
    pub(super) fn new() -> Self {
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
    pub(super) fn find(&mut self, b: &[u8]) -> bool {
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
    pub(super) fn find(&mut self, _: &[u8]) -> bool {
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
    pub(super) fn string_at(&self, t: &mut Taken, i: usize) -> Option<(usize, usize)> {
        if self.take(t)? != i {
            return None;
        }
        Some((i + 1, self.take(t)?))
    }

    /// [`Self::string_at`] from the quotes not taken yet.
    #[inline(always)]
    pub(super) fn string(&mut self, i: usize) -> Option<(usize, usize)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64-byte word's quotes and stops 16 bytes at a time, as
    /// [`Quotes::find`] reads them without AVX2.
    #[cfg(target_arch = "x86_64")]
    fn word_sse2(word: &[u8]) -> (u64, u64) {
        (0..4).fold((0, 0), |(quotes, bad), k| {
            let (quote, odd) = Quotes::block(&word[k * 16..]);
            (quotes | u64::from(quote) << (k * 16), bad | u64::from(odd))
        })
    }

    /// The quotes found ahead, taken in order, are the ones found byte by
    /// byte, for lines of every length around the 16-byte, 32-byte and
    /// 64-byte blocks and up to the bound, 16 bytes at a time or 32; a
    /// string is taken only where its quote is the next; a line with a
    /// backslash or a control character anywhere, or a longer line, gets
    /// none.
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
