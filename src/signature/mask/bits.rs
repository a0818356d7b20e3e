//! The byte classes of a message that masking asks about, as bit masks
//! ([`Bits`]): by AVX2 where the processor has it, else byte by byte.

use super::*;

/// Which of a [`Bits`] entry's masks: spaces and tabs, cut bytes, digits.
pub(super) const SPACE_BITS: usize = 0;
pub(super) const CUT_BITS: usize = 1;
pub(super) const DIGIT_BITS: usize = 2;

/// The classes of a message's bytes that masking asks about, as bit
/// masks: entry `k` holds bytes `64 k..64 k + 64`, bit `j` of each mask
/// for byte `64 k + j` ([`SPACE`], [`CUT`] and [`DIGIT`], in that order).
/// Finding a word's end or whether it holds a digit is then a few bit
/// operations per 64 bytes instead of a look-up and a branch per byte.
#[derive(Default)]
pub(super) struct Bits(pub(super) Vec<[u64; 3]>);

impl Bits {
    /// The masks of `b`; with `SIMD`, by AVX2 where the processor has it.
    pub(super) fn classify<const SIMD: bool>(&mut self, b: &[u8]) {
        self.0.clear();
        self.0.resize(b.len().div_ceil(64), [0; 3]);
        #[cfg(target_arch = "x86_64")]
        if SIMD && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            unsafe { classify_avx2(b, &mut self.0) };
            return;
        }
        for (k, &c) in b.iter().enumerate() {
            let class = CLASS[c as usize];
            let masks = &mut self.0[k / 64];
            let bit = 1u64 << (k % 64);
            for (m, cl) in masks.iter_mut().zip([SPACE, CUT, DIGIT]) {
                if class & cl != 0 {
                    *m |= bit;
                }
            }
        }
    }

    /// The first byte from `i` on whose bit in mask `which` is `set`, or
    /// `len` when there is none before it.
    #[inline(always)]
    pub(super) fn next(&self, which: usize, set: bool, i: usize, len: usize) -> usize {
        let flip = if set { 0 } else { u64::MAX };
        let mut k = i / 64;
        let Some(masks) = self.0.get(k) else {
            return len;
        };
        let mut m = (masks[which] ^ flip) & (u64::MAX << (i % 64));
        loop {
            if m != 0 {
                return (k * 64 + m.trailing_zeros() as usize).min(len);
            }
            k += 1;
            match self.0.get(k) {
                Some(masks) => m = masks[which] ^ flip,
                None => return len,
            }
        }
    }

    /// Whether any byte of `i..end` (not empty) is set in mask `which`.
    #[inline(always)]
    pub(super) fn any(&self, which: usize, i: usize, end: usize) -> bool {
        let (first, last) = (i / 64, (end - 1) / 64);
        let head = u64::MAX << (i % 64);
        let tail = u64::MAX >> (63 - (end - 1) % 64);
        if first == last {
            return self.0[first][which] & head & tail != 0;
        }
        self.0[first][which] & head != 0
            || self.0[first + 1..last].iter().any(|m| m[which] != 0)
            || self.0[last][which] & tail != 0
    }
}

/// [`NIBBLE_LO`] and [`NIBBLE_HI`] classify a byte by its two halves: a
/// byte is in a class when the entries of its low and of its high half
/// share a bit of that class. One bit for each high half that holds bytes
/// of a class: tabs (`0x09`), then spaces, then cut bytes `"'(),.`, then
/// digits, cut bytes `:;<=>`, `@`, `[]` and `{|}`.
const NIBBLE_BITS: [(u8, u8, &[u8]); 8] = [
    (SPACE, 0x0, b"\t"),
    (SPACE, 0x2, b" "),
    (CUT, 0x2, b"\"'(),."),
    (DIGIT, 0x3, b"0123456789"),
    (CUT, 0x3, b":;<=>"),
    (CUT, 0x4, b"@"),
    (CUT, 0x5, b"[]"),
    (CUT, 0x7, b"{|}"),
];

/// Per class, the bits of [`NIBBLE_BITS`] that stand for it.
const fn nibble_class(class: u8) -> u8 {
    let mut out = 0;
    let mut k = 0;
    while k < NIBBLE_BITS.len() {
        if NIBBLE_BITS[k].0 == class {
            out |= 1 << k;
        }
        k += 1;
    }
    out
}

/// The table of low halves (`HIGH` false) or of high halves.
const fn nibble_table<const HIGH: bool>() -> [u8; 16] {
    let mut t = [0u8; 16];
    let mut k = 0;
    while k < NIBBLE_BITS.len() {
        let (_, hi, bytes) = NIBBLE_BITS[k];
        let mut j = 0;
        while j < bytes.len() {
            let c = bytes[j];
            assert!(c >> 4 == hi);
            match HIGH {
                true => t[hi as usize] |= 1 << k,
                false => t[(c & 15) as usize] |= 1 << k,
            }
            j += 1;
        }
        k += 1;
    }
    t
}

const NIBBLE_LO: [u8; 16] = nibble_table::<false>();
const NIBBLE_HI: [u8; 16] = nibble_table::<true>();

/// [`Bits::classify`] by AVX2, 32 bytes at a time (see [`classify32`]).
/// The last bytes of a message shorter than 32 are copied into a block of
/// zeros, which are in no class.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn classify_avx2(b: &[u8], out: &mut [[u64; 3]]) {
    let mut put = |h: usize, m: [u64; 3]| {
        for (o, m) in out[h / 2].iter_mut().zip(m) {
            *o |= m << (32 * (h % 2));
        }
    };
    let whole = b.len() / 32;
    for h in 0..whole {
        // SAFETY: the 32 bytes from `32 h` lie within `b`.
        put(h, unsafe { classify32(b[32 * h..].as_ptr()) });
    }
    let rest = b.len() % 32;
    if rest > 0 && whole > 0 {
        // The last 32 bytes, their masks shifted so that the bytes of the
        // block before drop out: no copy.
        // SAFETY: the 32 bytes before the end lie within `b`.
        let m = unsafe { classify32(b[b.len() - 32..].as_ptr()) };
        put(whole, m.map(|m| m >> (32 - rest)));
    } else if rest > 0 {
        let mut last = [0u8; 32];
        last[..rest].copy_from_slice(b);
        // SAFETY: `last` is 32 bytes long.
        put(whole, unsafe { classify32(last.as_ptr()) });
    }
}

/// The [`SPACE`], [`CUT`] and [`DIGIT`] masks of the 32 bytes at `p`, bit
/// `j` for byte `j`: each byte's halves looked up in [`NIBBLE_LO`] and
/// [`NIBBLE_HI`] by `vpshufb`, the two entries and'ed. The caller
/// guarantees AVX2 and 32 readable bytes at `p`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn classify32(p: *const u8) -> [u64; 3] {
    use std::arch::x86_64::*;
    let lo_t = _mm256_broadcastsi128_si256(_mm_loadu_si128(NIBBLE_LO.as_ptr() as *const __m128i));
    let hi_t = _mm256_broadcastsi128_si256(_mm_loadu_si128(NIBBLE_HI.as_ptr() as *const __m128i));
    let nibble = _mm256_set1_epi8(15);
    let x = _mm256_loadu_si256(p as *const __m256i);
    let lo = _mm256_shuffle_epi8(lo_t, _mm256_and_si256(x, nibble));
    let hi = _mm256_shuffle_epi8(hi_t, _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble));
    let c = _mm256_and_si256(lo, hi);
    let zero = _mm256_setzero_si256();
    [SPACE, CUT, DIGIT].map(|class| {
        let m = _mm256_set1_epi8(nibble_class(class) as i8);
        let none = _mm256_cmpeq_epi8(_mm256_and_si256(c, m), zero);
        !(_mm256_movemask_epi8(none) as u32) as u64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every place of messages of 1 to 130 bytes
    /// (across 32- and 64-byte blocks and the zero-filled last one): the
    /// masks by AVX2 equal those by the byte loop, which are the bytes'
    /// classes; `next` and `any` answer as a walk over the bytes would.
    #[test]
    fn bits_by_avx2_equal_the_byte_loop() {
        let (mut fast, mut slow) = (Bits::default(), Bits::default());
        let masks = [(SPACE_BITS, SPACE), (CUT_BITS, CUT), (DIGIT_BITS, DIGIT)];
        for c in 0..=255u8 {
            for len in [1, 2, 31, 32, 33, 63, 64, 65, 96, 127, 128, 130] {
                for at in 0..len {
                    let mut msg = vec![b'x'; len];
                    msg[at] = c;
                    fast.classify::<true>(&msg);
                    slow.classify::<false>(&msg);
                    assert_eq!(fast.0, slow.0, "{c} at {at} of {len}");
                    for (which, class) in masks {
                        let set = CLASS[c as usize] & class != 0;
                        let first = if set { at } else { len };
                        assert_eq!(slow.next(which, true, 0, len), first);
                        assert_eq!(slow.next(which, true, at, len), first);
                        let unset = usize::from(set && at == 0);
                        assert_eq!(slow.next(which, false, 0, len), unset);
                        assert_eq!(slow.any(which, 0, len), set);
                        assert_eq!(slow.any(which, at, at + 1), set);
                        assert!(at == 0 || !slow.any(which, 0, at));
                    }
                }
            }
        }
    }
}
