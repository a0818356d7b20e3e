//! Interning a bucket's tokens before merging: each key of the bucket
//! becomes a row of token ids (see [`merge`](super::merge)).

use super::merge::{sum_hash, Rows, W, WILD};
use super::{prefetch, prefetch_at, PREFETCH_AHEAD};
use xxhash_rust::xxh3::xxh3_64;

/// Keys between a token's hashing, when its slot of the table is asked
/// for ahead, and its look-up.
const AHEAD: usize = 8;
/// Tokens the ring between hashing and look-up holds at most beyond one
/// key's: keys of thousands of tokens are looked up fewer keys ahead
/// (none beyond [`RING_TOKENS`] tokens), so that the ring stays small
/// (nine keys of 32k tokens each were 9 MB).
const RING_TOKENS: usize = 4096;

/// The keys `ks` (of `n` tokens each, key `k`'s text `text(k)`) as rows
/// of interned tokens, and the tokens' text by id ([`W`] first, then in
/// order of first appearance).
///
/// Tokens are interned by their xxh3, no string compare, and each position
/// remembers its last token: a token equal to it (most of a bucket's
/// words are its constants) takes that one's id with a compare of bytes,
/// no hash and no look-up. The others are nearly all new (a user name a
/// key): each is hashed [`AHEAD`] keys before it is looked up, and its
/// slot asked for then. Looked up as they came, in a table of hundreds of
/// thousands, each waited for its slot: half the time of merging a
/// million OpenSSH lines' keys.
pub(super) fn intern<'a>(
    text: impl Fn(usize) -> &'a str,
    n: usize,
    ks: Vec<usize>,
) -> (Vec<&'a str>, Rows) {
    let mut table = Table::for_tokens(ks.len() + n);
    let mut names: Vec<&str> = Vec::with_capacity(ks.len() + n);
    names.push(WILD);
    table.id(xxh3_64(WILD.as_bytes()), || W);
    // Each key's tokens are cut and hashed (stage one) `ahead` keys
    // before they get their ids (stage two), through a ring of
    // `ahead + 1` keys' tokens. Stage one keeps each position's last token
    // as stage two would see it: the same keys in the same order.
    let mut last_seen: Vec<&[u8]> = vec![WILD.as_bytes(); n];
    let mut last_id: Vec<u32> = vec![W; n];
    let ahead = AHEAD.min(RING_TOKENS / n.max(1));
    let mut ring: Vec<Cut> = vec![Cut::Same; (ahead + 1) * n];
    // One vector for all rows: one small vector per key (two, with its
    // list of keys) was a third of the time on keys by the hundred
    // thousand.
    let mut toks = vec![W; n * ks.len()];
    for j in 0..ks.len() + ahead {
        if let Some(&k) = ks.get(j) {
            prefetch(ks.get(j + PREFETCH_AHEAD).map(|&a| text(a)));
            let cuts = &mut ring[(j % (ahead + 1)) * n..][..n];
            // Cut at spaces, which are ASCII, as bytes: `str::split`
            // looks for each space with a `memchr` call, dear on short
            // tokens. A key of `n` tokens has `n - 1` spaces.
            let words = text(k).as_bytes().split(|&c| c == b' ');
            for ((cut, t), last) in cuts.iter_mut().zip(words).zip(last_seen.iter_mut()) {
                *cut = match same(last, t) {
                    true => Cut::Same,
                    false => {
                        *last = t;
                        let hash = xxh3_64(t);
                        table.prefetch(hash);
                        Cut::New(hash, t)
                    }
                };
            }
        }
        let Some(i) = j.checked_sub(ahead) else {
            continue;
        };
        let cuts = &ring[(i % (ahead + 1)) * n..][..n];
        let row = &mut toks[i * n..][..n];
        for ((slot, cut), last) in row.iter_mut().zip(cuts).zip(last_id.iter_mut()) {
            if let Cut::New(hash, t) = *cut {
                *last = table.id(hash, || {
                    // SAFETY: `t` is a piece of a `&str` cut at ASCII
                    // spaces, which are whole characters: valid UTF-8.
                    // Checked again, the check was a fiftieth of mining
                    // a million OpenSSH lines (a new user name a key).
                    names.push(unsafe { std::str::from_utf8_unchecked(t) });
                    names.len() as u32 - 1
                });
            }
            *slot = *last;
        }
    }
    let sums = toks.chunks_exact(n).map(sum_hash).collect();
    (
        names,
        Rows {
            n,
            toks,
            keys: ks,
            sums,
        },
    )
}

/// Whether tokens `a` and `b` are equal: up to 16 bytes by two loads of 8
/// (or 4) bytes from each end, overlapping, with no call; longer ones by
/// the slice compare, which calls `memcmp` (the calls were a thirtieth of
/// mining a million OpenSSH lines, nearly all on short words).
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let at8 = |s: &[u8], i: usize| u64::from_le_bytes(s[i..i + 8].try_into().unwrap());
    let at4 = |s: &[u8], i: usize| u32::from_le_bytes(s[i..i + 4].try_into().unwrap());
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => at4(a, 0) == at4(b, 0) && at4(a, n - 4) == at4(b, n - 4),
        8..=16 => at8(a, 0) == at8(b, 0) && at8(a, n - 8) == at8(b, n - 8),
        _ => a == b,
    }
}

/// A token as stage one of [`intern`] leaves it: the same as the last one
/// at its position, or another, with its hash.
#[derive(Clone, Copy)]
enum Cut<'a> {
    Same,
    New(u64, &'a [u8]),
}

/// Token ids by hash: open addressing with linear probing, a slot
/// `(hash, id + 1)`, 0 when empty (so that a new table is zeroed memory,
/// not written). Written here, not taken from a map crate, to ask for a
/// slot ahead of its look-up.
struct Table {
    slots: Vec<(u64, u32)>,
    len: usize,
}

impl Table {
    /// A table for about `n` tokens before it grows (at most three
    /// quarters full).
    fn for_tokens(n: usize) -> Table {
        Table {
            slots: empty_slots((n + n / 2).next_power_of_two().max(16)),
            len: 0,
        }
    }

    fn home(&self, hash: u64) -> usize {
        hash as usize & (self.slots.len() - 1)
    }

    /// Asks the processor for the slot where a look-up of `hash` begins.
    #[inline]
    fn prefetch(&self, hash: u64) {
        prefetch_at(self.slots.as_ptr().wrapping_add(self.home(hash)));
    }

    /// The id of `hash`, made by `new` when it is new.
    #[inline]
    fn id(&mut self, hash: u64, new: impl FnOnce() -> u32) -> u32 {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut at = self.home(hash);
        loop {
            match self.slots[at] {
                (_, 0) => {
                    let id = new();
                    self.slots[at] = (hash, id + 1);
                    self.len += 1;
                    return id;
                }
                (h, id) if h == hash => return id - 1,
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Twice the slots, every entry placed again.
    #[cold]
    fn grow(&mut self) {
        let twice = empty_slots(self.slots.len() * 2);
        let old = std::mem::replace(&mut self.slots, twice);
        let mask = self.slots.len() - 1;
        for (hash, id) in old.into_iter().filter(|&(_, id)| id != 0) {
            let mut at = self.home(hash);
            while self.slots[at].1 != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = (hash, id);
        }
    }
}

/// `n` empty slots, zeroed memory faulted in writable at once: the
/// look-ups read a slot before they write it (see
/// [`crate::alloc::populate`]).
fn empty_slots(n: usize) -> Vec<(u64, u32)> {
    let mut slots = vec![(0, 0); n];
    crate::alloc::populate(&mut slots);
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair of tokens of 0 to 20 bytes that differ in one byte, or
    /// in length only, compares unequal; each equals itself.
    #[test]
    fn same_is_the_slice_compare() {
        for n in 0..=20usize {
            let a: Vec<u8> = (0..n as u8).map(|i| b'a' + i).collect();
            assert!(same(&a, &a.clone()), "{n}");
            for at in 0..n {
                let mut b = a.clone();
                b[at] = b'Z';
                assert!(!same(&a, &b), "{n} at {at}");
            }
            assert!(!same(&a, &a[..n.saturating_sub(1)]) || n == 0, "{n}");
        }
    }

    /// Ids are given in order of first appearance, one a distinct token
    /// (a token in two positions has one id), through the table's growth
    /// and across the ring's turns; equal tokens in one position take the
    /// last one's id without a look-up.
    #[test]
    fn tokens_get_one_id_each_in_order_of_first_appearance() {
        let texts: Vec<String> = (0..5000)
            .map(|i| format!("x{i} b <*> u{} a{}", i / 3, (i + 1) % 7))
            .collect();
        let keys: Vec<&str> = texts.iter().map(String::as_str).collect();
        let ks: Vec<usize> = (0..keys.len()).rev().collect();
        let (names, rows) = intern(|k| keys[k], 5, ks.clone());
        let mut want: Vec<&str> = vec![WILD];
        for &k in &ks {
            for t in keys[k].split(' ') {
                if !want.contains(&t) {
                    want.push(t);
                }
            }
        }
        assert_eq!(names, want);
        for (i, &k) in ks.iter().enumerate() {
            let row: Vec<&str> = rows.row(i).iter().map(|&t| names[t as usize]).collect();
            assert_eq!(row.join(" "), keys[k]);
            assert_eq!(rows.sums[i], sum_hash(rows.row(i)));
        }
        assert_eq!(rows.keys, ks);
        // Fewer keys than the ring holds, and none.
        let (names, rows) = intern(|k| keys[k], 5, vec![3, 1]);
        assert_eq!(rows.toks.len(), 10);
        assert_eq!(names.len(), 1 + 7);
        let (names, rows) = intern(|k| keys[k], 5, vec![]);
        assert_eq!((names, rows.toks.len()), (vec![WILD], 0));
    }

    /// Keys of thousands of tokens are looked up with fewer keys between,
    /// or none: the same ids.
    #[test]
    fn long_keys_get_the_same_ids_with_a_shorter_ring() {
        for n in [RING_TOKENS / 3, RING_TOKENS + 1, 3 * RING_TOKENS] {
            let texts: Vec<String> = (0..20)
                .map(|i| {
                    (0..n)
                        .map(|p| format!("t{}", (p * 7 + i / 2) % (n + 3)))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            let keys: Vec<&str> = texts.iter().map(String::as_str).collect();
            let (names, rows) = intern(|k| keys[k], n, (0..keys.len()).collect());
            for (i, key) in keys.iter().enumerate() {
                let row: Vec<&str> = rows.row(i).iter().map(|&t| names[t as usize]).collect();
                assert_eq!(row.join(" "), *key, "{n} tokens, key {i}");
            }
            let distinct: std::collections::HashSet<&str> =
                keys.iter().flat_map(|k| k.split(' ')).collect();
            assert_eq!(names.len(), distinct.len() + 1, "{n} tokens");
        }
    }
}
