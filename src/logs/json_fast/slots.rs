//! How the fast JSON reader finds the keys it reads: each key's slot
//! among the values kept for a line, by one look-up in a table built at
//! compile time and one comparison of a key's bytes as two words.
//!
//! # Limitations
//! - The table holds the keys of [`TIME_KEYS`], [`LEVEL_KEYS`],
//!   [`MSG_KEYS`], [`HOST_KEYS`] and [`OTHER_KEYS`] only; a key longer
//!   than 16 bytes is compared byte by byte after the two words.

use super::super::structured::*;

/// Where each key list of [`json_line`] starts among the slots of
/// [`Keyed`], one slot a key, the lists in this order.
pub(super) const T0: usize = 0;
pub(super) const L0: usize = T0 + TIME_KEYS.len();
pub(super) const M0: usize = L0 + LEVEL_KEYS.len();
pub(super) const H0: usize = M0 + MSG_KEYS.len();
pub(super) const X0: usize = H0 + HOST_KEYS.len();
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
pub(super) const SLOTS: usize = X0 + OTHER_KEYS.len();
/// Each key list with the slot it starts at.
const KEY_LISTS: [(usize, &[&str]); 5] = [
    (T0, TIME_KEYS),
    (L0, LEVEL_KEYS),
    (M0, MSG_KEYS),
    (H0, HOST_KEYS),
    (X0, &OTHER_KEYS),
];

/// Size of [`SLOT_TABLE`], a power of two.
const TABLE: usize = 128;

/// Where a key of length `len`, first byte `first` and last byte `last`
/// sits in [`SLOT_TABLE`]: a hash that no two keys read share (checked
/// as the table is built, at compile time).
#[inline(always)]
const fn slot_hash(len: usize, first: u8, last: u8) -> usize {
    (len.wrapping_mul(14) + first as usize * 9 + last as usize) & (TABLE - 1)
}

/// A key [`json_line`] reads, in [`SLOT_TABLE`]: its length, its bytes
/// as [`key_words`] gives them (kept here, so that finding a key loads
/// no bytes of the table's through a pointer) and its slot. No pointer
/// either (a key longer than 16 bytes is compared with [`slot_key`]'s):
/// a table with one is placed by the loader and reached through one more
/// load, on the path of every key.
#[derive(Clone, Copy)]
struct SlotKey {
    len: usize,
    words: (u64, u64),
    slot: usize,
}

/// The keys [`json_line`] reads with their slots, at their
/// [`slot_hash`]: a key is found by one look-up and one comparison, and
/// most keys that are not read (pino's `pid`, `port`) by the look-up.
const SLOT_TABLE: [Option<SlotKey>; TABLE] = {
    let lists = KEY_LISTS;
    let mut table: [Option<SlotKey>; TABLE] = [None; TABLE];
    let mut l = 0;
    while l < lists.len() {
        let (at, keys) = lists[l];
        let mut i = 0;
        while i < keys.len() {
            let k = keys[i].as_bytes();
            let h = slot_hash(k.len(), k[0], k[k.len() - 1]);
            assert!(table[h].is_none(), "two keys share a slot hash");
            table[h] = Some(SlotKey {
                len: k.len(),
                words: key_words_const(k),
                slot: at + i,
            });
            i += 1;
        }
        l += 1;
    }
    table
};

/// The slot of a key [`json_line`] reads.
#[inline(always)]
pub(super) fn slot(key: &str) -> Option<usize> {
    let b = key.as_bytes();
    let (first, last) = (*b.first()?, *b.last()?);
    let k = SLOT_TABLE[slot_hash(b.len(), first, last)]?;
    let same = k.len == b.len()
        && k.words == key_words(b)
        && (b.len() <= 16 || slot_key(k.slot).as_bytes() == b);
    same.then_some(k.slot)
}

/// The key read into `slot`.
#[cold]
fn slot_key(slot: usize) -> &'static str {
    let (at, keys) = KEY_LISTS
        .into_iter()
        .rfind(|&(at, _)| at <= slot)
        .expect("a slot of a list");
    keys[slot - at]
}

/// The bytes of a key (of at least one byte) as two words, equal for two
/// keys of the same length up to 16 bytes only where their bytes are:
/// up to three bytes, the first, middle and last; up to eight, the first
/// four and the last four; then the first eight and the last eight (two
/// words that overlap cover up to twice their size). Loaded a word at a
/// time: the keys are short, where `==` on slices calls memcmp.
#[inline(always)]
pub(super) fn key_words(k: &[u8]) -> (u64, u64) {
    fn u32_at(s: &[u8], at: usize) -> u64 {
        u32::from_le_bytes(s[at..at + 4].try_into().expect("four bytes")).into()
    }
    fn u64_at(s: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(s[at..at + 8].try_into().expect("eight bytes"))
    }
    let n = k.len();
    match n {
        0..=3 => (three(k), 0),
        4..=8 => (u32_at(k, 0) | u32_at(k, n - 4) << 32, 0),
        _ => (u64_at(k, 0), u64_at(k, n - 8)),
    }
}

/// [`key_words`] at compile time, byte by byte.
const fn key_words_const(k: &[u8]) -> (u64, u64) {
    const fn le(k: &[u8], at: usize, len: usize) -> u64 {
        let mut w = 0;
        let mut i = 0;
        while i < len {
            w |= (k[at + i] as u64) << (8 * i);
            i += 1;
        }
        w
    }
    let n = k.len();
    match n {
        0..=3 => (three(k), 0),
        4..=8 => (le(k, 0, 4) | le(k, n - 4, 4) << 32, 0),
        _ => (le(k, 0, 8), le(k, n - 8, 8)),
    }
}

/// The first, middle and last bytes of a key of one to three bytes (all
/// of its bytes) in one word; 0 for none.
#[inline(always)]
const fn three(k: &[u8]) -> u64 {
    let n = k.len();
    if n == 0 {
        return 0;
    }
    k[0] as u64 | (k[n / 2] as u64) << 8 | (k[n - 1] as u64) << 16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key read is found in its own slot, by the table as by its
    /// position in the lists; keys not read, of the same lengths and ends
    /// or prefixes of read ones, are in none.
    #[test]
    fn slots_of_keys_read() {
        let lists = KEY_LISTS;
        let all: Vec<&str> = lists
            .iter()
            .flat_map(|(_, keys)| keys.iter().copied())
            .collect();
        let mut found = 0;
        for (at, keys) in lists {
            for (i, k) in keys.iter().enumerate() {
                assert_eq!(slot(k), Some(at + i), "{k}");
                found += 1;
                let mut longer = k.to_string();
                longer.insert(k.len() / 2, 'x');
                let mut changed = k.to_string().into_bytes();
                changed[k.len() / 2] ^= 1;
                let changed = String::from_utf8(changed).unwrap();
                for other in [longer.as_str(), &changed, &k[..k.len() - 1]] {
                    if !all.contains(&other) {
                        assert_eq!(slot(other), None, "{other}");
                    }
                }
            }
        }
        assert_eq!(found, SLOTS);
        for k in [
            "",
            "pid",
            "tame",
            "tIme",
            "msh",
            "hostnamf",
            "levels",
            "_HOSTNAMEX",
        ] {
            assert_eq!(slot(k), None, "{k}");
        }
    }
}
