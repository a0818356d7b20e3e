//! A message's *shape*: its bytes with every ASCII digit read as `0`.
//!
//! Masking ([`super::mask`]) decides every step by byte classes, in which
//! all digits are one class (and all are hex digits), and by the bytes
//! that are not digits; it compares no digit with another. Two messages
//! of one shape are therefore masked alike: the same value spans, and the
//! same key but where the key copies digits from the message (the name
//! of `r24=0x1f`, whose value is masked but whose name is kept). The
//! first pass of mining uses this to mask a message once per shape in a
//! chunk instead of once per distinct text: a million HDFS lines hold 270
//! shapes, Spark's 2,086, BGL's 179k and OpenSSH's 509k, against 1M,
//! 624k, 479k and 923k distinct messages (Python over the `.content`
//! files of `make_big.py`).
//!
//! A shape is taken 32 bytes at a time by AVX2 where the processor has
//! it, and 8 at a time in a word elsewhere and for the last bytes: each
//! digit turns into `0` by clearing its low half (a digit is `0x30` to
//! `0x39`). The first message of each shape in a chunk keeps its shape,
//! and later ones are compared with that, not with its bytes.
//!
//! # Limitations
//! - The hash is made for the table of one chunk's shapes, not for
//!   anything kept or compared across runs; two shapes whose hashes
//!   collide are told apart by [`same_shape`], at the cost of masking.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The ways [`Shapes::take`] may take a shape.
const WORDS: u8 = 0;
const AVX2: u8 = 1;
const BEST: u8 = 2;

/// `0x01` in every byte.
const ONES: u64 = u64::from_ne_bytes([1; 8]);
/// `0x80` in every byte.
const HIGH: u64 = ONES * 0x80;

/// `w` with the low half of each ASCII digit byte cleared: each digit
/// reads as `0`, every other byte as it was.
#[inline(always)]
fn shaped(w: u64) -> u64 {
    // A byte is a digit when it is 0x30 + d with d < 10: xor with 0x30
    // leaves d, and d + 0x76 has its high bit set exactly when d >= 10
    // (no byte carries into the next: d's high bit is cleared first and
    // kept aside in `t`).
    let t = w ^ (ONES * 0x30);
    let ge10 = (t & !HIGH).wrapping_add(ONES * 0x76);
    let digit = !(ge10 | t) & HIGH;
    // 0x80 -> 0x0f in each digit byte.
    w & !((digit >> 7) * 0x0f)
}

/// The last `1..=7` bytes of a message (the length of `rest`), zero-filled
/// into one word.
#[inline(always)]
fn tail(rest: &[u8]) -> u64 {
    let mut t = [0u8; 8];
    t[..rest.len()].copy_from_slice(rest);
    u64::from_le_bytes(t)
}

/// The shapes of one chunk's messages: the last one taken, and those kept
/// (the first message of each shape), to compare the next messages with
/// in memory that stays in cache, not with the first message's own bytes
/// far back in the text.
#[derive(Default)]
pub(super) struct Shapes {
    /// The last shape taken, zero-filled to a whole word.
    words: Vec<u64>,
    /// Its length in bytes.
    len: usize,
    /// Kept shapes, each its length in bytes and then its words.
    kept: Vec<u64>,
}

impl Shapes {
    /// Takes `msg`'s shape and returns its hash (xxh3 of the shaped bytes
    /// and the zeros after them, seeded with the length).
    pub(super) fn of(&mut self, msg: &[u8]) -> u64 {
        self.take::<BEST>(msg)
    }

    /// [`Shapes::of`] by the widest of the ways up to `WAY` that the
    /// processor has: [`BEST`] (AVX-512, see [`shape_avx512`]), [`AVX2`]
    /// (whole blocks of 32 bytes, the rest as by [`WORDS`]) or [`WORDS`]
    /// (8 bytes at a time in a word). The same words: a test compares all.
    #[inline(always)]
    fn take<const WAY: u8>(&mut self, msg: &[u8]) -> u64 {
        self.words.clear();
        self.len = msg.len();
        let n = msg.len().div_ceil(8);
        #[cfg(target_arch = "x86_64")]
        if WAY > AVX2
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512vl")
        {
            // Whole blocks of 32 bytes written, then cut to the words the
            // message fills.
            self.words.resize(msg.len().div_ceil(32) * 4, 0);
            // SAFETY: the processor has AVX-512BW and VL, checked just
            // above.
            unsafe { shape_avx512(msg, &mut self.words) };
            self.words.truncate(n);
            return xxh3_64_with_seed(as_bytes(&self.words), msg.len() as u64);
        }
        self.words.resize(n, 0);
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if WAY > WORDS && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            done = unsafe { shape_avx2(msg, &mut self.words) };
        }
        let words = &mut self.words[done / 8..];
        let mut chunks = msg[done..].chunks_exact(8);
        for (w, c) in words.iter_mut().zip(&mut chunks) {
            *w = shaped(u64::from_le_bytes(c.try_into().unwrap()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            *self.words.last_mut().unwrap() = shaped(tail(rest));
        }
        xxh3_64_with_seed(as_bytes(&self.words), msg.len() as u64)
    }

    /// Forgets the shapes kept, keeping their memory for the next chunk.
    pub(super) fn clear(&mut self) {
        self.kept.clear();
    }

    /// Bytes the kept shapes hold, for tests of [`Shapes::trim`].
    #[cfg(test)]
    pub(super) fn kept_bytes(&self) -> usize {
        self.kept.capacity() * size_of::<u64>()
    }

    /// Lets the kept shapes' memory go when it holds more than `bytes`.
    pub(super) fn trim(&mut self, bytes: usize) {
        if self.kept.capacity() * size_of::<u64>() > bytes {
            self.kept = Vec::new();
        }
    }

    /// Keeps the last shape taken; returns where, for [`Shapes::holds`].
    pub(super) fn keep(&mut self) -> u32 {
        let at = self.kept.len() as u32;
        self.kept.push(self.len as u64);
        self.kept.extend_from_slice(&self.words);
        at
    }

    /// Whether the last shape taken is the one kept at `at`: the same
    /// length, and at each byte the same byte or two digits.
    pub(super) fn holds(&self, at: u32) -> bool {
        let at = at as usize;
        self.kept[at] == self.len as u64
            && self.kept[at + 1..at + 1 + self.words.len()] == self.words[..]
    }
}

/// The whole 32-byte blocks of `msg` shaped into `words` (which holds a
/// word for every 8 bytes of `msg`) by AVX2; returns the bytes done.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn shape_avx2(msg: &[u8], words: &mut [u64]) -> usize {
    use std::arch::x86_64::*;
    let blocks = msg.len() / 32;
    assert!(words.len() >= blocks * 4);
    for k in 0..blocks {
        // SAFETY: bytes `32 k..32 k + 32` lie within `msg`, and words
        // `4 k..4 k + 4` within `words` (asserted above); both unaligned.
        unsafe {
            let x = _mm256_loadu_si256(msg.as_ptr().add(32 * k).cast());
            _mm256_storeu_si256(words.as_mut_ptr().add(4 * k).cast(), shape32(x));
        }
    }
    blocks * 32
}

/// `msg` shaped into `words` (a word for every 8 bytes of `msg`, rounded up
/// to whole blocks of 32) 32 bytes at a time, the last block read with an
/// AVX-512 mask that leaves the bytes past the message zero: no loop over
/// a message's last bytes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw,avx512vl")]
unsafe fn shape_avx512(msg: &[u8], words: &mut [u64]) {
    use std::arch::x86_64::*;
    let blocks = msg.len().div_ceil(32);
    assert!(words.len() >= blocks * 4);
    for k in 0..blocks {
        let n = (msg.len() - 32 * k).min(32);
        // SAFETY: the mask reads only bytes `32 k..32 k + n`, which lie
        // within `msg`; words `4 k..4 k + 4` lie within `words` (asserted
        // above); both unaligned.
        unsafe {
            let x = _mm256_maskz_loadu_epi8(u32::MAX >> (32 - n), msg.as_ptr().add(32 * k).cast());
            _mm256_storeu_si256(words.as_mut_ptr().add(4 * k).cast(), shape32(x));
        }
    }
}

/// 32 bytes shaped: a byte is a digit when it lies between `0` and `9`,
/// unsigned (the larger of it and `0` and the smaller of it and `9` are
/// both itself), and a digit's low half is cleared.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn shape32(x: std::arch::x86_64::__m256i) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::*;
    let (zero, nine) = (_mm256_set1_epi8(b'0' as i8), _mm256_set1_epi8(b'9' as i8));
    let digit = _mm256_and_si256(
        _mm256_cmpeq_epi8(_mm256_max_epu8(x, zero), x),
        _mm256_cmpeq_epi8(_mm256_min_epu8(x, nine), x),
    );
    _mm256_andnot_si256(_mm256_and_si256(digit, _mm256_set1_epi8(0x0f)), x)
}

/// The bytes of `words`, in memory order (little-endian words hold the
/// message's bytes in order).
fn as_bytes(words: &[u64]) -> &[u8] {
    // SAFETY: u64 has no padding and any alignment suits u8; the slice
    // covers exactly the words' bytes.
    unsafe { std::slice::from_raw_parts(words.as_ptr().cast(), std::mem::size_of_val(words)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value, at every place of a word: digits read as `0`,
    /// the rest unchanged, whatever the bytes beside it.
    #[test]
    fn shaped_reads_digits_as_zero_and_nothing_else() {
        for c in 0..=255u8 {
            for at in 0..8 {
                for fill in [0u8, b'0', b'9', b'/', b':', 0x7f, 0x80, 0xb9, 0xff] {
                    let mut w = [fill; 8];
                    w[at] = c;
                    let want = w.map(|b| if b.is_ascii_digit() { b'0' } else { b });
                    let got = shaped(u64::from_le_bytes(w)).to_le_bytes();
                    assert_eq!(got, want, "{c:#x} at {at} among {fill:#x}");
                }
            }
        }
    }

    /// Every byte value at every place of messages of 1 to 100 bytes
    /// (across 8- and 32-byte blocks and the zero-filled last word): the
    /// shape by AVX-512 and by AVX2 (where the processor has them) equals
    /// the one 8 bytes at a time, and the message's digits read as `0`.
    #[test]
    fn shapes_by_every_way_are_the_same() {
        let mut ways = [0, 1, 2].map(|_| Shapes::default());
        for c in 0..=255u8 {
            for len in [1, 7, 8, 9, 31, 32, 33, 40, 63, 64, 65, 100] {
                for at in 0..len {
                    let mut msg = vec![b'5'; len];
                    msg[at] = c;
                    let [w, a, b] = &mut ways;
                    let h = w.take::<WORDS>(&msg);
                    assert_eq!(h, a.take::<AVX2>(&msg), "{c} at {at} of {len}");
                    assert_eq!(h, b.take::<BEST>(&msg), "{c} at {at} of {len}");
                    assert_eq!((&w.words, &w.words), (&a.words, &b.words));
                    let want = msg
                        .iter()
                        .map(|&b| if b.is_ascii_digit() { b'0' } else { b });
                    assert!(as_bytes(&w.words).iter().copied().take(len).eq(want));
                    assert!(as_bytes(&w.words)[len..].iter().all(|&b| b == 0));
                }
            }
        }
    }

    #[test]
    fn shapes_of_messages() {
        let a = b"Received block blk_-1608999687919862906 of size 67108864 from /10.250.10.6";
        let b = b"Received block blk_-5018427381296350273 of size 91178784 from /10.251.79.2";
        let same = |x: &[u8], y: &[u8]| Shapes::default().of(x) == Shapes::default().of(y);
        // Whether `y`'s shape is `x`'s, as the chunk asks.
        let hold = |x: &[u8], y: &[u8]| {
            let mut s = Shapes::default();
            s.of(b"another message first");
            s.keep();
            s.of(x);
            let at = s.keep();
            s.of(y);
            s.holds(at)
        };
        assert!(same(a, b));
        assert!(hold(a, b) && hold(b, a));
        let c = b"Received block blk_-5018427381296350273 of size 9117878 from /10.251.79.2";
        let d = b"Received block blk_-5018427381296350273 of size 91178784 from /10.251.79.a";
        assert!(!hold(a, c) && !hold(a, d) && !hold(c, a) && !hold(d, a));
        assert!(!same(a, c) && !same(a, d));
        // Messages shorter than a word, and empty ones; a zero byte is
        // not the zero fill after a message.
        assert!(hold(b"a1", b"a7") && !hold(b"a1", b"b1") && same(b"a1", b"a7"));
        assert!(!same(b"", b"\0") && !hold(b"", b"\0") && !hold(b"\0", b""));
        assert!(hold(b"", b"") && same(b"", b""));
    }

    /// What the first pass of mining counts on: a message whose digits
    /// are changed for others is masked at the same values, into the
    /// same key unless the key holds digits, and then into the key with
    /// the digits changed the same way. Over the Loghub-2k lines when
    /// `shared/` is there and over lines made to test the rules that look
    /// at digits (hex runs and pairs, date words and units next to
    /// numbers, `key=` names, paths and dotted names).
    #[test]
    fn masking_is_the_same_for_every_message_of_a_shape() {
        use super::super::mask::{mask, Masked};
        let mut lines: Vec<String> = [
            "r24=0x1f r25=0x00000000 a9b=7 x1=y",
            "mac 00:0d:60:e9:23:7e 0a-1b-2c-3d deadbeef 0badbeef 1234567 abc1234f",
            "Jun 5 12:00 ok at Fri Jun 17 07:07:00 2005 size 913.0 B free 5.8 KB 7 bytes",
            "Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106",
            "core.2275 10.0.0.1.lan /var/log/app9/x.log ids [1, 2, 3] (TID 3) 1.0.",
            "9 99 999 0 00 0x0 9a a9 9-9 9:9 9.9 9,9 9;9 9=9 =9 9= 12ab:34 ab12:34:56",
        ]
        .map(String::from)
        .to_vec();
        let root = crate::logs::corpus::shared().join("data/loghub2k");
        for d in std::fs::read_dir(root).into_iter().flatten().flatten() {
            let name = d.file_name().to_string_lossy().into_owned();
            if let Ok(t) = std::fs::read_to_string(d.path().join(format!("{name}_2k.log"))) {
                lines.extend(t.lines().map(String::from));
            }
        }
        let (mut a, mut b) = (Masked::default(), Masked::default());
        for line in &lines {
            for step in [1u8, 3, 9] {
                let other: String = (line.chars())
                    .map(|c| match c.to_digit(10) {
                        Some(d) => char::from(b'0' + (d as u8 + step) % 10),
                        None => c,
                    })
                    .collect();
                mask(line, &mut a);
                mask(&other, &mut b);
                assert_eq!(a.vars, b.vars, "{line}");
                let mut shapes = Shapes::default();
                let hash = shapes.of(line.as_bytes());
                let at = shapes.keep();
                assert_eq!(shapes.of(other.as_bytes()), hash, "{line}");
                assert!(shapes.holds(at), "{line}");
                match a.key.iter().any(u8::is_ascii_digit) {
                    false => assert_eq!(a.key, b.key, "{line}"),
                    true => {
                        assert_eq!(a.key.len(), b.key.len(), "{line}");
                        assert!(Shapes::default().of(&a.key) == Shapes::default().of(&b.key));
                    }
                }
            }
        }
        assert!(lines.len() > 16_000, "the Loghub-2k lines were read");
    }
}
