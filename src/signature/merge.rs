//! Merging keys into templates: values without digits (user names, host
//! names, `null`) survive masking, so two keys of the same length that differ
//! in one position may be one template. A position becomes `<*>` for a set of
//! keys equal everywhere else when the set shows at least [`MIN_DISTINCT`]
//! different tokens there, or when one of them already holds `<*>` there.
//! Two keys that differ in one word only (`opened` / `closed`) stay apart.
//! The rule runs to a fixed point and never looks at arrival order, so the
//! result depends only on the set of keys. Keys of different token counts
//! never merge, so each count's bucket is merged on its own, in parallel.

use super::stats::{FastMap as HashMap, IdMap};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// How many different tokens at one position make it a variable.
pub const MIN_DISTINCT: usize = 3;
/// Messages per key, on average, below which a group's keys count as
/// one-offs (see `rare_values`).
pub const RARE_LINES_PER_KEY: u64 = 2;
/// Keys a group of one-off keys needs before its differences count as
/// values: a few rare messages that share words may still be different
/// messages (`mapred.task.id is deprecated. Instead, use ...`).
pub const MIN_RARE_KEYS: usize = 2 * MIN_DISTINCT;

/// The text of a value in a key or template.
pub(super) const WILD: &str = "<*>";
/// Interned id of [`WILD`].
pub(super) const W: u32 = 0;

/// The keys merging reads, by index: each one's text and how many
/// messages have it. Mining gives its own list of keys, read where masking
/// left them: a list of every key's text and one of its count, made for
/// merging, were 7.5 MB of new memory for a million OpenSSH lines' 321k
/// keys, 1.5 to 5.6 ms of their time on two threads.
pub trait Keys: Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn text(&self, k: usize) -> &str;
    fn lines(&self, k: usize) -> u64;
}

/// Key `k` is `.0[k]`, with `.1[k]` messages (the two of one length).
impl Keys for (&[&str], &[u64]) {
    fn len(&self) -> usize {
        assert_eq!(self.0.len(), self.1.len(), "a count for each key");
        self.0.len()
    }
    fn text(&self, k: usize) -> &str {
        self.0[k]
    }
    fn lines(&self, k: usize) -> u64 {
        self.1[k]
    }
}

/// Merges `keys` (space-separated tokens, `tokens[k]` of them for key
/// `k`, see [`token_count`]) and returns, for each key, the index of its
/// template in the returned list of template token vectors. Templates
/// come out sorted by their text.
pub fn merge<K: Keys>(keys: &K, tokens: &[u32]) -> (Vec<u32>, Vec<Vec<String>>) {
    assert_eq!(keys.len(), tokens.len(), "a token count for each key");
    // Indexed by count, not a map: a look-up in a map for each key was
    // half of this step. The counts come with the keys: counted here,
    // reading the keys' texts in hash order, out of cache, they were a
    // tenth of merging OpenSSH's 321k keys.
    // Counted first, so that each count's list is made at its size and
    // its pages faulted in by one call (`crate::alloc::populated_vec`):
    // grown a key at a time, the lists were copied at each doubling and
    // faulted in a page at a time (3 ms of OpenSSH's 321k keys, on one
    // thread).
    let mut sizes: Vec<usize> = vec![];
    for &n in tokens {
        let n = n as usize;
        if n >= sizes.len() {
            sizes.resize(n + 1, 0);
        }
        sizes[n] += 1;
    }
    let mut by_len: Vec<Vec<usize>> = (sizes.iter())
        .map(|&s| crate::alloc::populated_vec(s))
        .collect();
    for (k, &n) in tokens.iter().enumerate() {
        by_len[n as usize].push(k);
    }
    // Buckets are independent, tokens too: each bucket interns its own
    // (interning the 2.6M tokens of 321k keys on one thread was a third
    // of the time) and is merged in parallel, the largest first, one a
    // task: handed out in length order, OpenSSH's two largest (97k and
    // 160k keys) fell to one thread while the other had little left. The
    // result is joined by text, so the order of buckets does not show.
    let mut buckets: Vec<(usize, Vec<usize>)> = (by_len.into_iter().enumerate())
        .filter(|(_, ks)| !ks.is_empty())
        .collect();
    buckets.sort_by_key(|(n, ks)| (std::cmp::Reverse(ks.len()), *n));
    let merged: Vec<(Vec<&str>, Vec<Tpl>)> = buckets
        .into_par_iter()
        .with_max_len(1)
        .map(|(n, ks)| {
            let (names, rows) = super::intern::intern(|k| keys.text(k), n, ks);
            let out = merge_bucket(rare_values(rows, names.len(), keys), &names);
            (names, out)
        })
        .collect();
    // Each template's keys are gathered as their buckets' lists, not
    // copied into one list a template (a copy of every key's index), and
    // templates are numbered in order of text.
    let mut texts: BTreeMap<Vec<&str>, Vec<&[usize]>> = BTreeMap::new();
    for (names, bucket) in &merged {
        for (tpl, ks, _) in bucket {
            let words = tpl.iter().map(|&t| names[t as usize]).collect();
            texts.entry(words).or_default().push(ks);
        }
    }
    let mut assign = vec![0u32; tokens.len()];
    let mut out = Vec::with_capacity(texts.len());
    for (ti, (tpl, lists)) in texts.into_iter().enumerate() {
        for &k in lists.into_iter().flatten() {
            assign[k] = ti as u32;
        }
        out.push(tpl.into_iter().map(str::to_string).collect());
    }
    (assign, out)
}

/// One bucket's keys before grouping: key `i` (index `keys[i]`) has the
/// tokens `toks[i * n..(i + 1) * n]` and the sum of their [`mix`] hashes.
pub(super) struct Rows {
    pub(super) n: usize,
    pub(super) toks: Vec<u32>,
    pub(super) keys: Vec<usize>,
    pub(super) sums: Vec<u64>,
}

impl Rows {
    pub(super) fn row(&self, i: usize) -> &[u32] {
        &self.toks[i * self.n..(i + 1) * self.n]
    }
}

/// A template in the making: tokens, the keys it holds, and the sum of its
/// tokens' [`mix`] hashes.
type Tpl = (Vec<u32>, Vec<usize>, u64);

/// One bucket of keys with the same token count, run to a fixed point.
fn merge_bucket(mut cur: Vec<Tpl>, names: &[&str]) -> Vec<Tpl> {
    let n = cur[0].0.len();
    loop {
        let mut changed = false;
        for p in 0..n {
            changed |= merge_position(&mut cur, p, names);
        }
        if !changed {
            return cur;
        }
    }
}

/// Keys whose differing words are nearly all one-offs (at most
/// [`RARE_LINES_PER_KEY`] messages per key on average) differ by values, not
/// by wording. Brain's idea finds them: within a bucket, a key's constant
/// part is the largest set of its words that share one frequency (ties go
/// to the more frequent); keys with the same constant part form a group,
/// and in a group of at least [`MIN_RARE_KEYS`] such rare keys each other
/// position with at least [`MIN_DISTINCT`] different words becomes `<*>`. This catches values in
/// several positions at once, which the one-position rule cannot.
fn rare_values(mut rows: Rows, n_names: usize, keys: &impl Keys) -> Vec<Tpl> {
    let n = rows.n;
    let weight = |i: usize| keys.lines(rows.keys[i]);
    let mut freq = Freq::new(n, n_names);
    for i in 0..rows.keys.len() {
        let w = weight(i);
        for (p, &tok) in rows.row(i).iter().enumerate() {
            freq.add(p, tok, w);
        }
    }
    // Constant part of each key, as the sum of its (position, token) hashes;
    // a hash collision only joins two groups that then need the rule below.
    let mut groups: HashMap<u64, (Vec<bool>, Vec<usize>)> = HashMap::default();
    let (mut fs, mut sorted) = (vec![], vec![]);
    for i in 0..rows.keys.len() {
        let row = rows.row(i);
        fs.clear();
        fs.extend(row.iter().enumerate().map(|(p, &tok)| freq.get(p, tok)));
        sorted.clear();
        sorted.extend_from_slice(&fs);
        sorted.sort_unstable();
        let best = sorted
            .chunk_by(|a, b| a == b)
            .max_by_key(|run| (run.len(), run[0]))
            .map_or(0, |run| run[0]);
        let h = row
            .iter()
            .zip(&fs)
            .enumerate()
            .filter(|&(_, (_, &f))| f == best)
            .fold(0u64, |h, (p, (&tok, _))| h.wrapping_add(mix(p, tok)));
        groups
            .entry(h)
            .or_insert_with(|| (fs.iter().map(|&f| f == best).collect(), vec![]))
            .1
            .push(i);
    }
    for (in_lcp, members) in groups.into_values() {
        let total: u64 = members.iter().map(|&i| weight(i)).sum();
        if members.len() < MIN_RARE_KEYS || total > RARE_LINES_PER_KEY * members.len() as u64 {
            continue;
        }
        let wild: Vec<bool> = (0..n)
            .map(|p| !in_lcp[p] && enough_distinct(members.iter().map(|&i| rows.row(i)[p])))
            .collect();
        let consts = in_lcp.iter().filter(|&&c| c).count();
        let runs = (0..n)
            .filter(|&p| wild[p] && (p == 0 || !wild[p - 1]))
            .count();
        if consts <= runs {
            continue;
        }
        for &i in &members {
            let row = &mut rows.toks[i * n..(i + 1) * n];
            for p in (0..n).filter(|&p| wild[p]) {
                row[p] = W;
            }
            rows.sums[i] = sum_hash(row);
        }
    }
    dedup((0..rows.keys.len()).map(|i| (rows.row(i), [rows.keys[i]], rows.sums[i])))
}

/// Messages a bucket holds at each (position, token). Nearly every token
/// of a bucket is met at one position only: each token has one cell, for
/// the first position it was met at, and [`W`] one a position; a token met
/// at a second position counts there in a map keyed by `mix(p, tok)`, a
/// bijection of (position, token). A table of every position by every
/// token (the 160k keys of eight tokens of a million OpenSSH lines need
/// 1.3M cells, 10 MB) was new memory, faulted in page by page, for cells
/// nearly all zero.
struct Freq {
    /// Token `t`'s count at position `at[t]` ([`NOWHERE`] before it is met).
    cells: Vec<u64>,
    at: Vec<u32>,
    wild: Vec<u64>,
    other: IdMap<u64>,
}

/// [`Freq::at`] of a token not met yet.
const NOWHERE: u32 = u32::MAX;

impl Freq {
    /// For templates of `n` tokens whose ids are below `n_names`.
    fn new(n: usize, n_names: usize) -> Freq {
        Freq {
            cells: vec![0; n_names],
            at: vec![NOWHERE; n_names],
            wild: vec![0; n],
            other: IdMap::default(),
        }
    }

    #[inline]
    fn add(&mut self, p: usize, tok: u32, w: u64) {
        let t = tok as usize;
        if tok == W {
            self.wild[p] += w;
        } else if self.at[t] == p as u32 {
            self.cells[t] += w;
        } else if self.at[t] == NOWHERE {
            self.at[t] = p as u32;
            self.cells[t] = w;
        } else {
            *self.other.entry(mix(p, tok)).or_default() += w;
        }
    }

    #[inline]
    fn get(&self, p: usize, tok: u32) -> u64 {
        let t = tok as usize;
        if tok == W {
            self.wild[p]
        } else if self.at[t] == p as u32 {
            self.cells[t]
        } else {
            self.other[&mix(p, tok)]
        }
    }
}

/// Whether `toks` holds at least [`MIN_DISTINCT`] different tokens; stops
/// as soon as it does.
fn enough_distinct(toks: impl Iterator<Item = u32>) -> bool {
    let mut seen = [0u32; MIN_DISTINCT];
    let mut n = 0;
    for t in toks {
        if !seen[..n].contains(&t) {
            seen[n] = t;
            n += 1;
            if n == MIN_DISTINCT {
                return true;
            }
        }
    }
    false
}

/// Joins equal templates, in order of first appearance. Templates are found
/// by their sum hash; only hashes shared by different token lists (rare)
/// need the exact map. Takes templates with their keys and sum hash, as
/// [`Tpl`]s or as borrowed rows; only the first of equal ones is copied.
fn dedup<R, K>(cur: impl IntoIterator<Item = (R, K, u64)>) -> Vec<Tpl>
where
    R: AsRef<[u32]> + Into<Vec<u32>>,
    K: IntoIterator<Item = usize>,
{
    let mut by_sum: IdMap<usize> = IdMap::default();
    let mut exact: HashMap<Vec<u32>, usize> = HashMap::default();
    let mut next: Vec<Tpl> = vec![];
    for (t, ks, h) in cur {
        let t_ = t.as_ref();
        let j = match by_sum.get(&h) {
            Some(&j) if next[j].0 == t_ => Some(j),
            Some(_) => exact.get(t_).copied(),
            None => {
                by_sum.insert(h, next.len());
                None
            }
        };
        match j {
            Some(j) => next[j].1.extend(ks),
            None => {
                if by_sum[&h] != next.len() {
                    exact.insert(t_.to_vec(), next.len());
                }
                next.push((t.into(), ks.into_iter().collect(), h));
            }
        }
    }
    next
}

/// How many tokens `key` has: one more than its spaces (a key's words are
/// cut at single spaces).
pub fn token_count(key: &str) -> u32 {
    memchr::memchr_iter(b' ', key.as_bytes()).count() as u32 + 1
}

/// A well-spread hash of (position, token); a template hashes to the sum.
fn mix(p: usize, tok: u32) -> u64 {
    let mut z = ((p as u64) << 32 | tok as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(super) fn sum_hash(t: &[u32]) -> u64 {
    t.iter()
        .enumerate()
        .fold(0u64, |h, (q, &tok)| h.wrapping_add(mix(q, tok)))
}

/// Sorts `pairs`, made in increasing order of their second member, as
/// `sort_unstable` would: by hash, then by that member. Large lists are
/// sorted by the hash alone with a stable radix sort, 11 bits a pass,
/// which keeps equal hashes in the order they were made: the 160k keys of
/// one of OpenSSH's token counts were sorted once per position and round,
/// a twelfth of a million lines' instructions by comparisons.
pub(super) fn sort_by_hash<T: Copy + Ord>(pairs: &mut Vec<(u64, T)>) {
    const BITS: u32 = 11;
    const MASK: u64 = (1 << BITS) - 1;
    debug_assert!(pairs.windows(2).all(|w| w[0].1 < w[1].1));
    if pairs.len() < 4096 {
        pairs.sort_unstable();
        return;
    }
    let mut other = pairs.clone();
    let mut count = vec![0usize; 1 << BITS];
    for shift in (0..64).step_by(BITS as usize) {
        count.fill(0);
        for &(h, _) in pairs.iter() {
            count[((h >> shift) & MASK) as usize] += 1;
        }
        // A pass whose digit is the same for all moves nothing.
        if count.contains(&pairs.len()) {
            continue;
        }
        let mut at = 0;
        for c in count.iter_mut() {
            (*c, at) = (at, at + *c);
        }
        for &pair in pairs.iter() {
            let d = ((pair.0 >> shift) & MASK) as usize;
            other[count[d]] = pair;
            count[d] += 1;
        }
        std::mem::swap(pairs, &mut other);
    }
}

/// Applies the rule at position `p`; merges templates that became equal.
/// Returns whether any token changed.
fn merge_position(cur: &mut Vec<Tpl>, p: usize, names: &[&str]) -> bool {
    // Templates equal except at p, grouped by a hash of the rest: sorted
    // (hash, index) pairs, one run per group.
    let mut rest: Vec<(u64, usize)> = cur
        .iter()
        .enumerate()
        .map(|(i, (t, _, sum))| (sum.wrapping_sub(mix(p, t[p])), i))
        .collect();
    sort_by_hash(&mut rest);
    let mut moved = false;
    let runs = rest.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1);
    let mut group: Vec<usize> = vec![];
    for run in runs {
        group.clear();
        group.extend(run.iter().map(|&(_, i)| i));
        let toks: Vec<u32> = group.iter().map(|&i| cur[i].0[p]).collect();
        let first = &cur[group[0]].0;
        let same_rest = group.iter().all(|&i| {
            cur[i]
                .0
                .iter()
                .zip(first)
                .enumerate()
                .all(|(q, (a, b))| q == p || a == b)
        });
        if !same_rest {
            continue; // a hash collision: leave these apart
        }
        for (&i, to) in group.iter().zip(targets(first, &toks, p, names)) {
            if let Some(tok) = to.filter(|&t| t != cur[i].0[p]) {
                cur[i].2 = cur[i]
                    .2
                    .wrapping_sub(mix(p, cur[i].0[p]))
                    .wrapping_add(mix(p, tok));
                cur[i].0[p] = tok;
                moved = true;
            }
        }
    }
    if moved {
        *cur = dedup(std::mem::take(cur));
    }
    moved
}

/// What each token at `p` of a group (templates equal except at `p`, with
/// tokens `toks` there) becomes (`None`: stays): `<*>` for all when the rule
/// holds, else tokens that differ only by an empty value (`()` and `(<*>)`)
/// become the one with the value.
fn targets(tpl: &[u32], toks: &[u32], p: usize, names: &[&str]) -> Vec<Option<u32>> {
    let has_wild = toks.contains(&W);
    let consts = tpl
        .iter()
        .enumerate()
        .filter(|&(q, &t)| q != p && t != W)
        .count();
    let wilds = tpl.len() - consts;
    if (has_wild || toks.len() >= MIN_DISTINCT) && consts > wilds {
        return vec![Some(W); toks.len()];
    }
    // For each bare form, the least (first, on ties) token with a value:
    // one pass, where asking every token of every other made a group of
    // n tokens cost n squared (8,000 `key<N>=val<N>` keys: 0.6 s). Bare
    // forms are made here, for the group's tokens only: made for every
    // token of a bucket beforehand, they were 7 MB of new memory on a
    // million OpenSSH lines, nearly all of it for tokens with no value.
    let mut with_value: HashMap<Cow<str>, u32> = HashMap::default();
    for &o in toks {
        let name = names[o as usize];
        if name.contains(WILD) {
            with_value
                .entry(bare(name))
                .and_modify(|m| {
                    if name < names[*m as usize] {
                        *m = o;
                    }
                })
                .or_insert(o);
        }
    }
    toks.iter()
        .map(|&t| with_value.get(&bare(names[t as usize])).copied())
        .collect()
}

/// `name` with its values (`<*>`) taken out.
fn bare(name: &str) -> Cow<'_, str> {
    match name.contains(WILD) {
        true => Cow::Owned(name.replace(WILD, "")),
        false => Cow::Borrowed(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xxhash_rust::xxh3::xxh3_64;

    /// Tokens that differ only by an empty value become the least one with
    /// the value, as asking every token of the group for each gave: bare
    /// forms shared by several valued tokens, by none, and by one alone.
    #[test]
    fn targets_take_the_least_token_with_the_value() {
        let mut names: Vec<String> = vec![WILD.into(), "x".into()];
        for i in 0..300 {
            let form = format!("k{}", i % 40);
            names.push(format!("{form}()"));
            names.push(match i % 3 {
                0 => format!("{form}({WILD})"),
                1 => format!("{form}({WILD}{WILD})"),
                _ => format!("{form}y({WILD})"),
            });
        }
        let bare: Vec<Cow<str>> = (names.iter())
            .map(|n| Cow::Owned(n.replace(WILD, "")))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let toks: Vec<u32> = (2..names.len() as u32).collect();
        // A template of one varying position and nothing else constant, so
        // that the rule of `<*>` for all does not hold.
        let got = targets(&[1, W], &toks, 0, &names);
        let want: Vec<Option<u32>> = (toks.iter())
            .map(|&t| {
                (toks.iter())
                    .filter(|&&o| names[o as usize].contains(WILD))
                    .filter(|&&o| bare[o as usize] == bare[t as usize])
                    .min_by_key(|&&o| names[o as usize])
                    .copied()
            })
            .collect();
        assert_eq!(got, want);
        assert!(got.iter().filter(|t| t.is_some()).count() > 300);
    }

    /// The radix sort gives what `sort_unstable` gives, with hashes that
    /// repeat (equal ones keep their order), share their low or high
    /// bits, or are all equal.
    #[test]
    fn sort_by_hash_equals_sort_unstable() {
        let hashes: [fn(u64) -> u64; 4] = [
            |i| xxh3_64(&(i % 3000).to_le_bytes()),
            |i| xxh3_64(&i.to_le_bytes()) << 40,
            |i| xxh3_64(&i.to_le_bytes()) >> 40,
            |_| 7,
        ];
        for (k, hash) in hashes.into_iter().enumerate() {
            for n in [10, 4095, 4096, 20_000] {
                let mut pairs: Vec<(u64, usize)> = (0..n as u64).map(hash).zip(0..).collect();
                let mut want = pairs.clone();
                want.sort_unstable();
                sort_by_hash(&mut pairs);
                assert!(pairs == want, "hashes {k}, {n} pairs");
            }
        }
    }

    #[test]
    fn user_names_merge_but_two_verbs_do_not() {
        let keys = [
            "Invalid user admin from <*>",
            "Invalid user test from <*>",
            "Invalid user oracle from <*>",
            "session opened for user root",
            "session closed for user root",
        ];
        let (assign, tpls) = merge(&(&keys[..], &[1; 5][..keys.len()]), &counts(&keys));
        let texts: Vec<String> = tpls.iter().map(|t| t.join(" ")).collect();
        assert_eq!(assign[0], assign[1]);
        assert_eq!(assign[1], assign[2]);
        assert_ne!(assign[3], assign[4]);
        assert!(texts.contains(&"Invalid user <*> from <*>".to_string()));
    }

    fn counts(keys: &[&str]) -> Vec<u32> {
        keys.iter().map(|k| token_count(k)).collect()
    }

    #[test]
    fn existing_wildcard_absorbs_a_constant() {
        let keys = ["a <*> b", "a x b"];
        let (assign, tpls) = merge(&(&keys[..], &[1; 5][..keys.len()]), &counts(&keys));
        assert_eq!(assign[0], assign[1]);
        assert_eq!(tpls.len(), 1);
    }
}
