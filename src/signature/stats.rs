//! Per-variable statistics in bounded memory: exact distinct counts and top
//! values while a position has few values, a HyperLogLog estimate of the
//! distinct count beyond that. Accumulators are filled per fixed chunk of
//! lines and merged in chunk order, so the result does not depend on the
//! thread count.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// Distinct values tracked exactly per position and chunk; beyond it the
/// distinct count is estimated and new values no longer compete for top.
pub const EXACT_CAP: usize = 1024;
const HLL_BITS: u32 = 10;
const HLL_REGS: usize = 1 << HLL_BITS;

/// A fast hasher (FxHash's scheme): identity for keys that are already good
/// 64-bit hashes, a word-at-a-time mix for the short keys of merging.
#[derive(Default)]
pub struct IdHasher(u64);

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap()));
        }
        let rest = chunks.remainder();
        let mut last = [0u8; 8];
        last[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(last) ^ (rest.len() as u64) << 56);
    }
    fn write_u8(&mut self, n: u8) {
        self.add(n as u64);
    }
    fn write_u32(&mut self, n: u32) {
        self.add(n as u64);
    }
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = if self.0 == 0 {
            n
        } else {
            (self.0 ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
        };
    }
}

/// A hash map with [`IdHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
pub type IdMap<V> = HashMap<u64, V, BuildHasherDefault<IdHasher>>;

/// Where a value was first seen: line index and byte span in that line.
#[derive(Clone, Copy, Debug)]
pub struct Seen {
    pub count: u64,
    pub line: u32,
    pub start: u32,
    pub end: u32,
}

/// Statistics of one variable position.
///
/// The HyperLogLog registers hold only the values the exact map turned
/// away: every other value is a key of the map (entries are never
/// removed), so the registers of all values are those plus the map's keys,
/// folded in when the estimate is asked for. Registers are a maximum over
/// the values' hashes, so this gives the same estimate as registering
/// every value on arrival, without a register update per value or a 1 KiB
/// table per position that never overflows.
#[derive(Clone, Default)]
pub struct ParamAcc {
    exact: IdMap<Seen>,
    overflow: bool,
    hll: Option<Box<[u8; HLL_REGS]>>,
}

impl ParamAcc {
    /// Counts one value whose hash is `h`, seen at `line`, bytes `start..end`.
    pub fn add(&mut self, h: u64, line: u32, start: u32, end: u32) {
        let full = self.exact.len() >= EXACT_CAP;
        match self.exact.get_mut(&h) {
            Some(s) => s.count += 1,
            None if full => self.turn_away(h),
            None => {
                self.exact.insert(
                    h,
                    Seen {
                        count: 1,
                        line,
                        start,
                        end,
                    },
                );
            }
        }
    }

    /// Forgets every value, keeping the exact map's table for the next
    /// values.
    pub fn clear(&mut self) {
        self.exact.clear();
        self.overflow = false;
        self.hll = None;
    }

    /// A value with hash `h` the full exact map cannot take: counted by the
    /// estimate only.
    fn turn_away(&mut self, h: u64) {
        self.overflow = true;
        register(self.hll.get_or_insert_with(|| Box::new([0; HLL_REGS])), h);
    }

    /// Adds `other`, which covers lines after the ones `self` covers.
    pub fn merge(&mut self, other: &ParamAcc) {
        if let Some(theirs) = &other.hll {
            let mine = self.hll.get_or_insert_with(|| Box::new([0; HLL_REGS]));
            for (r, o) in mine.iter_mut().zip(theirs.iter()) {
                *r = (*r).max(*o);
            }
        }
        self.overflow |= other.overflow;
        if self.exact.len() >= EXACT_CAP {
            // Full: no value of `other` enters, the order does not matter.
            for (h, s) in &other.exact {
                match self.exact.get_mut(h) {
                    Some(mine) => mine.count += s.count,
                    None => self.turn_away(*h),
                }
            }
            return;
        }
        // Sorted by first line so that the cap keeps the earliest values.
        let mut theirs: Vec<(&u64, &Seen)> = other.exact.iter().collect();
        theirs.sort_unstable_by_key(|(h, s)| (s.line, s.start, **h));
        for (h, s) in theirs {
            let full = self.exact.len() >= EXACT_CAP;
            match self.exact.get_mut(h) {
                Some(mine) => mine.count += s.count,
                None if full => self.turn_away(*h),
                None => {
                    self.exact.insert(*h, *s);
                }
            }
        }
    }

    /// Distinct values: exact when no value was turned away, else estimated.
    pub fn distinct(&self) -> u64 {
        if !self.overflow {
            return self.exact.len() as u64;
        }
        let mut regs = self.hll.clone().unwrap_or_else(|| Box::new([0; HLL_REGS]));
        for &h in self.exact.keys() {
            register(&mut regs, h);
        }
        (hll_estimate(&regs) as u64).max(self.exact.len() as u64)
    }

    /// The most frequent tracked value; ties go to the one seen first.
    pub fn top(&self) -> Option<Seen> {
        self.exact
            .values()
            .max_by(|a, b| {
                a.count
                    .cmp(&b.count)
                    .then((b.line, b.start).cmp(&(a.line, a.start)))
            })
            .copied()
    }
}

/// Counts hash `h` in the HyperLogLog registers `regs`.
fn register(regs: &mut [u8; HLL_REGS], h: u64) {
    let idx = (h >> (64 - HLL_BITS)) as usize;
    let rank = ((h << HLL_BITS) | (1 << (HLL_BITS - 1))).leading_zeros() as u8 + 1;
    if regs[idx] < rank {
        regs[idx] = rank;
    }
}

fn hll_estimate(regs: &[u8; HLL_REGS]) -> f64 {
    let m = HLL_REGS as f64;
    let alpha = 0.7213 / (1.0 + 1.079 / m);
    let sum: f64 = regs.iter().map(|&r| 2f64.powi(-(r as i32))).sum();
    let raw = alpha * m * m / sum;
    let zeros = regs.iter().filter(|&&r| r == 0).count();
    if raw <= 2.5 * m && zeros > 0 {
        m * (m / zeros as f64).ln()
    } else {
        raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_below_cap_and_estimated_above() {
        let mut a = ParamAcc::default();
        for i in 0..100u64 {
            a.add(xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()), i as u32, 0, 1);
        }
        assert_eq!(a.distinct(), 100);
        let mut b = ParamAcc::default();
        for i in 0..50_000u64 {
            b.add(xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes()), i as u32, 0, 1);
        }
        let d = b.distinct() as f64;
        assert!((d - 50_000.0).abs() / 50_000.0 < 0.1, "estimate {d}");
    }

    /// Registers filled only with the values the map turned away, plus the
    /// map's keys at the end, equal registers filled with every value.
    #[test]
    fn estimate_equals_registering_every_value() {
        let h = |i: u64| xxhash_rust::xxh3::xxh3_64(&i.to_le_bytes());
        // Three chunks that overlap, the first below the cap, the others
        // above it.
        let chunks = [0..700u64, 500..2_500, 2_000..9_000];
        let mut every = [0u8; HLL_REGS];
        let mut total = ParamAcc::default();
        for (c, values) in chunks.into_iter().enumerate() {
            let mut acc = ParamAcc::default();
            for i in values {
                acc.add(h(i), c as u32 * 10_000 + i as u32, 0, 1);
                register(&mut every, h(i));
            }
            total.merge(&acc);
        }
        assert!(total.overflow);
        let eager = (hll_estimate(&every) as u64).max(total.exact.len() as u64);
        assert_eq!(total.distinct(), eager);
        assert!((total.distinct() as f64 - 9_000.0).abs() < 900.0);
    }

    #[test]
    fn top_counts_across_merged_chunks() {
        let mut a = ParamAcc::default();
        let mut b = ParamAcc::default();
        a.add(1, 0, 0, 1);
        a.add(2, 1, 0, 1);
        b.add(2, 5, 0, 1);
        b.add(3, 6, 0, 1);
        a.merge(&b);
        let top = a.top().unwrap();
        assert_eq!((top.count, top.line), (2, 1));
        assert_eq!(a.distinct(), 3);
    }
}
