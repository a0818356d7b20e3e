//! The first step of mining: each chunk of messages masked into its
//! keys, a repeated message reusing the first one's key, and the keys of
//! all chunks joined and numbered in order of hash (see the parent
//! module).

use super::shape::Shapes;
use super::*;
use crate::alloc::stretches;
use std::collections::hash_map::Entry;
use std::sync::atomic::{AtomicU32, Ordering};

/// One distinct key: its hash and number of messages.
#[derive(Clone, Copy)]
pub(super) struct Key {
    pub(super) hash: u64,
    pub(super) lines: u64,
}

/// A chunk's distinct keys in order of first message, each with where its
/// text is in `text` (one string for all, not one allocation a key).
#[derive(Default)]
pub(super) struct KeyList {
    pub(super) list: Vec<(Key, KeyText)>,
    pub(super) text: String,
}

/// Where a key's text is in its chunk's text, and how many tokens it has
/// (counted while its bytes are at hand, for merging to bucket keys by
/// without reading their texts again).
#[derive(Clone, Copy)]
pub(super) struct KeyText {
    start: u32,
    end: u32,
    pub(super) tokens: u32,
}

#[cfg(test)]
impl KeyText {
    pub(super) fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Appends `key` to `text`, returning where it is there. Panics when
/// `text` would pass 4 GiB, past what its `u32` offsets hold: the texts
/// are sliced there unchecked (`Keys::text` of `AllKeys`).
pub(super) fn add_text(text: &mut String, key: &str) -> KeyText {
    let start = text.len() as u32;
    text.push_str(key);
    let end = u32::try_from(text.len()).expect("a chunk's keys fit in 4 GiB");
    KeyText {
        start,
        end,
        tokens: merge::token_count(key),
    }
}

/// What the first pass keeps of one chunk of [`CHUNK`] messages: each
/// message's key as an index into the chunk's distinct keys, those keys as
/// indices among all keys, and the messages' value spans. Statistics look
/// a key up among the chunk's few keys, read in the order they came: among
/// all of them (321k for a million OpenSSH lines) nearly each message's
/// look-up missed the cache.
pub(super) struct Chunk {
    pub(super) ids: Vec<u16>,
    pub(super) keys: Vec<u32>,
    pub(super) spans: ChunkSpans,
}

/// A chunk's key indices fit in [`Chunk::ids`].
const _: () = assert!(CHUNK <= 1 << 16);

/// The values of one chunk of messages as masking found them, kept from
/// the first pass so that statistics need not mask again. Each value is
/// packed in 4 bytes, its distance from the end of the value before (or
/// from the start of the message) and its length, 16 bits each; message
/// `i`'s values run from `ends[i - 1]` to `ends[i]` (without [`SPILL`]). A
/// message with a value too far or too long for that keeps none and has
/// [`SPILL`] set: it is masked again.
#[derive(Default)]
pub(super) struct ChunkSpans {
    pub(super) packed: Vec<u32>,
    pub(super) ends: Vec<u32>,
}

/// Flag of [`ChunkSpans::ends`]: this message's values were not kept.
pub(super) const SPILL: u32 = 1 << 31;

impl ChunkSpans {
    pub(super) fn push(&mut self, vars: &[mask::Span]) {
        let fits = vars
            .iter()
            .scan(0, |prev, v| {
                let ok = v.start.checked_sub(*prev).is_some_and(|d| d <= 0xffff)
                    && v.end - v.start <= 0xffff;
                *prev = v.end;
                Some(ok)
            })
            .all(|ok| ok);
        let mut prev = 0;
        if fits {
            for v in vars {
                self.packed.push((v.start - prev) << 16 | (v.end - v.start));
                prev = v.end;
            }
        }
        self.ends
            .push(self.packed.len() as u32 | if fits { 0 } else { SPILL });
    }

    /// Message `j`'s values again, for a later message equal to it.
    pub(super) fn repeat(&mut self, j: usize) {
        let lo = if j == 0 { 0 } else { self.ends[j - 1] & !SPILL };
        let hi = self.ends[j] & !SPILL;
        self.packed.extend_from_within(lo as usize..hi as usize);
        self.ends
            .push(self.packed.len() as u32 | (self.ends[j] & SPILL));
    }

    /// Message `i`'s values into `out`, or false when they were not kept.
    pub(super) fn of(&self, i: usize, out: &mut Vec<mask::Span>) -> bool {
        out.clear();
        if self.ends[i] & SPILL != 0 {
            return false;
        }
        let lo = if i == 0 { 0 } else { self.ends[i - 1] & !SPILL };
        let mut prev = 0;
        for &p in &self.packed[lo as usize..self.ends[i] as usize] {
            let start = prev + (p >> 16);
            prev = start + (p & 0xffff);
            out.push(mask::Span { start, end: prev });
        }
        true
    }
}

/// All distinct keys of the messages, sorted by hash, each with its text
/// where the first chunk that holds it keeps it: the chunks' texts are
/// kept, not copied into one (a million OpenSSH lines hold 321k keys, and
/// the copy was new memory, faulted in page by page).
pub(super) struct AllKeys {
    pub(super) list: Vec<Key>,
    /// Key `i`'s count of tokens.
    pub(super) tokens: Vec<u32>,
    /// Key `i`'s text: `texts[c][start..end]` for `place[i] = (c, start,
    /// end)`.
    place: Vec<Place>,
    texts: Vec<String>,
}

/// Where a key's text is: chunk, start and end in that chunk's text.
type Place = (u32, u32, u32);

/// A chunk's key texts fit in `u32` offsets when its messages are at most
/// 64 KiB long, as [`crate::logs::messages`] cuts them: at most [`CHUNK`]
/// keys of at most three times that (masking writes at most three bytes,
/// `<*>`, for one). Longer messages from another caller are checked as
/// their keys are kept ([`add_text`]).
const _: () = assert!(CHUNK as u64 * 3 * (64 << 10) <= u32::MAX as u64);

impl merge::Keys for AllKeys {
    fn len(&self) -> usize {
        self.list.len()
    }

    /// Text of key `i`.
    fn text(&self, i: usize) -> &str {
        let (c, start, end) = self.place[i];
        let text = &self.texts[c as usize];
        // Slicing would check that the range starts and ends on a
        // character boundary, which reads the text: keys are read in order
        // of hash and their texts lie in order of arrival, so each check
        // missed the cache (a tenth of the time of a million OpenSSH
        // lines, and it undid the prefetch of texts ahead, made by this
        // same call).
        debug_assert!(text.is_char_boundary(start as usize) && text.is_char_boundary(end as usize));
        // SAFETY: `place` was made from the ranges of a chunk's `KeyList`,
        // each around a whole `&str` appended to that chunk's text (its
        // end checked to fit in `u32` by `add_text`), which is never cut
        // or changed after.
        unsafe { text.get_unchecked(start as usize..end as usize) }
    }

    fn lines(&self, i: usize) -> u64 {
        self.list[i].lines
    }
}

/// Each chunk's keys and spans (see [`Chunk`]; spans only if `values`),
/// and the distinct keys with their text sorted by hash.
///
/// Chunks are masked in parallel; their keys are then joined by sorting
/// every chunk's (hash, chunk, key) once, equal hashes kept in chunk
/// order, and reading off runs of one hash. A map of all keys filled
/// chunk after chunk, one look-up a chunk's key, cost a cache miss each
/// among hundreds of thousands of keys, and ran on one thread.
pub(super) fn key_ids(messages: &[&str], values: bool) -> (Vec<Chunk>, AllKeys) {
    let parts: Vec<(Vec<u16>, KeyList, ChunkSpans)> = messages
        .par_chunks(CHUNK)
        .map(|c| chunk_keys(c, values))
        .collect();
    let mut order: Vec<(u64, u64)> = Vec::with_capacity(parts.iter().map(|p| p.1.list.len()).sum());
    for (c, (_, keys, _)) in parts.iter().enumerate() {
        let c = (c as u64) << 16;
        order.extend(keys.list.iter().zip(0..).map(|((k, _), j)| (k.hash, c | j)));
    }
    par_sort(&mut order);
    // Runs of one hash are read in parallel segments, each cut where a
    // run begins and numbering its runs from the count of the segments
    // before. Each key of each chunk is written its rank once, so the
    // writes from the segments never meet (atomics only to share them).
    let segments = segments_at_runs(&order, rayon::current_num_threads() * 4);
    let runs: Vec<u32> = (segments.par_windows(2))
        .map(|w| order[w[0]..w[1]].chunk_by(|a, b| a.0 == b.0).count() as u32)
        .collect();
    let firsts = runs.iter().scan(0, |at, &n| {
        *at += n;
        Some(*at - n)
    });
    let global: Vec<Vec<AtomicU32>> = (parts.iter())
        .map(|p| p.1.list.iter().map(|_| AtomicU32::new(0)).collect())
        .collect();
    let unpack = |cj: u64| ((cj >> 16) as usize, (cj & 0xffff) as usize);
    // Each segment writes its keys straight into its stretch of the three
    // lists, as long as its runs: grown a key at a time and joined after,
    // they were copied at each doubling and once more into one (3k of the
    // page faults of a million OpenSSH lines).
    let total = runs.iter().map(|&n| n as usize).sum();
    let mut list: Vec<Key> = Vec::with_capacity(total);
    let mut place: Vec<Place> = Vec::with_capacity(total);
    let mut tokens: Vec<u32> = Vec::with_capacity(total);
    let lens = || runs.iter().map(|&n| n as usize);
    let stretches = (stretches(list.spare_capacity_mut(), lens()).into_iter())
        .zip(stretches(place.spare_capacity_mut(), lens()))
        .zip(stretches(tokens.spare_capacity_mut(), lens()));
    (segments.par_windows(2))
        .zip(firsts.collect::<Vec<_>>())
        .zip(stretches.collect::<Vec<_>>())
        .for_each(|((w, first), ((list, place), tokens))| {
            let segment = &order[w[0]..w[1]];
            let mut at = 0;
            let mut written = 0;
            for (rank, run) in (first..).zip(segment.chunk_by(|a, b| a.0 == b.0)) {
                let mut lines = 0;
                for &(_, cj) in run {
                    // The chunks' keys are read and written at random
                    // (in order of hash): asked for ahead, as the walk
                    // waited on each.
                    if let Some(&(_, ahead)) = segment.get(at + WALK_AHEAD) {
                        let (c, j) = unpack(ahead);
                        prefetch_at(parts[c].1.list.as_ptr().wrapping_add(j));
                        prefetch_at(global[c].as_ptr().wrapping_add(j));
                    }
                    at += 1;
                    let (c, j) = unpack(cj);
                    lines += parts[c].1.list[j].0.lines;
                    global[c][j].store(rank, Ordering::Relaxed);
                }
                let (c, j) = unpack(run[0].1);
                let r = &parts[c].1.list[j].1;
                list[written].write(Key {
                    hash: run[0].0,
                    lines,
                });
                place[written].write((c as u32, r.start, r.end));
                tokens[written].write(r.tokens);
                written += 1;
            }
            // Each stretch is as long as the segment's runs, counted
            // above by the same cut: all its slots are written.
            assert_eq!(written, list.len(), "runs counted twice alike");
        });
    // SAFETY: the stretches cover the first `total` slots of each list,
    // and each was written whole (asserted above; a panic there comes
    // before these lines).
    unsafe {
        list.set_len(total);
        place.set_len(total);
        tokens.set_len(total);
    }
    let global = global.into_iter().map(|g| {
        g.into_iter()
            .map(AtomicU32::into_inner)
            .collect::<Vec<u32>>()
    });
    drop(order);
    let mut chunks = Vec::with_capacity(parts.len());
    let mut texts = Vec::with_capacity(parts.len());
    for ((ids, keys, spans), keys_global) in parts.into_iter().zip(global) {
        chunks.push(Chunk {
            ids,
            keys: keys_global,
            spans,
        });
        texts.push(keys.text);
    }
    (
        chunks,
        AllKeys {
            list,
            tokens,
            place,
            texts,
        },
    )
}

/// How many keys ahead the walk over the sorted keys asks for a chunk's
/// key and rank.
const WALK_AHEAD: usize = 8;

/// Sorts `pairs` (made in increasing order of their second member, which
/// is unique) as [`merge::sort_by_hash`] does, in parallel: spread over 256
/// buckets by the hash's top byte in one stable pass, then each bucket
/// sorted on its own. One radix sort on one thread was 12 to 19 ms of a
/// million OpenSSH lines' keys.
fn par_sort(pairs: &mut Vec<(u64, u64)>) {
    const BUCKETS: usize = 256;
    if pairs.len() < 1 << 16 {
        merge::sort_by_hash(pairs);
        return;
    }
    let bucket = |h: u64| (h >> 56) as usize;
    let mut ends = [0usize; BUCKETS];
    for &(h, _) in pairs.iter() {
        ends[bucket(h)] += 1;
    }
    let mut at = [0usize; BUCKETS];
    let mut sum = 0;
    for (a, e) in at.iter_mut().zip(ends.iter_mut()) {
        *a = sum;
        sum += *e;
        *e = sum;
    }
    let mut spread = vec![(0u64, 0u64); pairs.len()];
    for &pair in pairs.iter() {
        let b = bucket(pair.0);
        spread[at[b]] = pair;
        at[b] += 1;
    }
    let mut rest = &mut spread[..];
    let mut parts = Vec::with_capacity(BUCKETS);
    let mut start = 0;
    for e in ends {
        let (part, after) = rest.split_at_mut(e - start);
        parts.push(part);
        rest = after;
        start = e;
    }
    // Within a bucket the second members are unique, so the order of
    // pairs is total and an unstable sort gives the one answer.
    parts.into_par_iter().for_each(|p| p.sort_unstable());
    *pairs = spread;
}

/// Bounds of about `n` segments of `order` (sorted by hash), each cut
/// where a run of one hash begins: `0`, the cuts, `order.len()`.
fn segments_at_runs(order: &[(u64, u64)], n: usize) -> Vec<usize> {
    let mut bounds = vec![0];
    for s in 1..n {
        let mut at = (order.len() * s / n).max(*bounds.last().unwrap());
        while at > 0 && at < order.len() && order[at].0 == order[at - 1].0 {
            at += 1;
        }
        if at > *bounds.last().unwrap() && at < order.len() {
            bounds.push(at);
        }
    }
    bounds.push(order.len());
    bounds
}

/// Key index (into the chunk's own keys) of each message of one chunk, its
/// distinct keys in order of first message, and its value spans (none
/// kept unless `values`).
/// A message of a shape met before in the chunk (the same bytes but for
/// its digits, see [`super::shape`]) takes the first one's key and the
/// values at the first one's places instead of being masked again,
/// unless that key holds digits of its message (`r24=<*>`), where only an
/// equal message does. A million lines of HDFS hold 270 shapes. Where the
/// first [`MEMO_TRIAL`] messages hold fewer than one repeat in
/// [`MEMO_MIN_RATE`], the chunk stops looking.
pub(super) fn chunk_keys(chunk: &[&str], values: bool) -> (Vec<u16>, KeyList, ChunkSpans) {
    SCRATCH.with_borrow_mut(|scratch| chunk_keys_in(chunk, values, scratch))
}

/// What masking a chunk uses and drops once the chunk is done, kept by
/// each thread from one chunk to the next: made anew for each chunk, its
/// tables and kept shapes were new memory each time, faulted in page by
/// page (about a tenth of the pages a million OpenSSH lines touch).
#[derive(Default)]
struct Scratch {
    m: Masked,
    /// Key hash to its index in the chunk's keys.
    at: IdMap<u16>,
    /// Shape hash to the index of the first message of that shape and
    /// where `shapes` keeps its shape.
    seen: IdMap<(u32, u32)>,
    /// Per key of the chunk: whether its text holds a digit copied from
    /// the message (a `key=` name), which messages of its shape may not
    /// share (see `shape`).
    digits: Vec<bool>,
    shapes: Shapes,
    /// The chunk's keys while it is masked, copied out whole at its end.
    keys: KeyList,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

fn chunk_keys_in(
    chunk: &[&str],
    values: bool,
    scratch: &mut Scratch,
) -> (Vec<u16>, KeyList, ChunkSpans) {
    let Scratch {
        m,
        at,
        seen,
        digits,
        shapes,
        keys,
    } = scratch;
    at.clear();
    seen.clear();
    digits.clear();
    shapes.clear();
    keys.list.clear();
    keys.text.clear();
    let mut spans = ChunkSpans::default();
    spans.ends.reserve_exact(chunk.len());
    let mut ids: Vec<u16> = Vec::with_capacity(chunk.len());
    // Sized for the trial, then for the whole chunk if it goes on looking:
    // not grown step by step.
    seen.reserve(MEMO_TRIAL);
    let mut repeats = 0;
    for (i, msg) in chunk.iter().enumerate() {
        let memo = i < MEMO_TRIAL || repeats * MEMO_MIN_RATE >= MEMO_TRIAL;
        if i == MEMO_TRIAL && memo {
            seen.reserve(chunk.len() - seen.len());
        }
        let first = match memo {
            true => match seen.entry(shapes.of(msg.as_bytes())) {
                Entry::Occupied(e) => Some(*e.get()),
                Entry::Vacant(e) => {
                    e.insert((i as u32, shapes.keep()));
                    None
                }
            },
            false => None,
        };
        let first = first
            .filter(|&(j, at)| {
                shapes.holds(at) && (!digits[ids[j as usize] as usize] || chunk[j as usize] == *msg)
            })
            .map(|(j, _)| j as usize);
        let k = match first {
            Some(j) => {
                repeats += 1;
                if values {
                    spans.repeat(j);
                }
                ids[j]
            }
            None => {
                mask_key(msg, m);
                if values {
                    spans.push(&m.vars);
                }
                let hash = xxh3_64(&m.key);
                *at.entry(hash).or_insert_with(|| {
                    // A key is its message with ASCII spans replaced:
                    // valid UTF-8, checked by the fast validator, not by
                    // the lossy one's chunk iterator.
                    let text = match std::str::from_utf8(&m.key) {
                        Ok(key) => add_text(&mut keys.text, key),
                        Err(_) => add_text(&mut keys.text, &String::from_utf8_lossy(&m.key)),
                    };
                    keys.list.push((Key { hash, lines: 0 }, text));
                    digits.push(has_digit(&m.key));
                    keys.list.len() as u16 - 1
                })
            }
        };
        keys.list[k as usize].0.lines += 1;
        ids.push(k);
    }
    spans.packed.shrink_to_fit();
    // Grown a key at a time in the thread's scratch (its pages faulted in
    // by the first chunks), then copied once into blocks of their size:
    // grown in place, each chunk's keys and texts were copied at each
    // doubling and touched twice the memory they kept (9k of the 25k
    // page faults of a million OpenSSH lines).
    // Their new pages are faulted in by one call each, not one fault a
    // page as the copy first writes it (see `populated_copy`).
    let text = populated_copy(keys.text.as_bytes());
    let kept = KeyList {
        list: populated_copy(&keys.list),
        // SAFETY: a byte for byte copy of a `String`'s bytes.
        text: unsafe { String::from_utf8_unchecked(text) },
    };
    // A chunk of long messages grows the scratch beyond what the next
    // chunks need, and a thread keeps it for as long as the process runs.
    let held = keys.text.capacity() + keys.list.capacity() * size_of::<(Key, KeyText)>();
    if held > SCRATCH_KEEP {
        *keys = KeyList::default();
    }
    shapes.trim(SCRATCH_KEEP);
    (ids, kept, spans)
}

/// A copy of `items` in a block of their size whose pages are faulted in
/// writable by one call before the copy writes them
/// ([`crate::alloc::populated_vec`]): each chunk's keys and key texts,
/// copied out of the scratch, took a page fault each 4 KiB (the page
/// faults of those copies were about 15 ms of CPU a run of a million
/// OpenSSH lines, `perf record` of one run a process).
fn populated_copy<T: Copy>(items: &[T]) -> Vec<T> {
    let mut out = crate::alloc::populated_vec(items.len());
    out.extend_from_slice(items);
    out
}

/// Bytes of keys, and of kept shapes, a thread's [`Scratch`] holds on to
/// from one chunk to the next; more is let go after the chunk.
const SCRATCH_KEEP: usize = 16 << 20;

/// Whether `bytes` hold an ASCII digit: 32 bytes at a time with no branch
/// inside (the compiler makes it vector code); a byte loop that stopped at
/// the first digit was a twelfth of masking a chunk of OpenSSH lines.
fn has_digit(bytes: &[u8]) -> bool {
    bytes.chunks(32).any(|c| {
        c.iter()
            .fold(false, |any, &b| any | (b.wrapping_sub(b'0') < 10))
    })
}

/// Messages of a chunk over which repeats are counted before the chunk
/// stops looking for them.
pub(super) const MEMO_TRIAL: usize = 2048;
/// One repeat in this many messages keeps the chunk looking.
pub(super) const MEMO_MIN_RATE: usize = 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn has_digit_finds_a_digit_anywhere() {
        for len in 0..80 {
            let mut v = vec![b'a'; len];
            assert!(!has_digit(&v));
            for at in 0..len {
                for d in [b'0', b'9'] {
                    v[at] = d;
                    assert!(has_digit(&v), "{len} {at}");
                }
                v[at] = [b'/', b':', 0xff][at % 3];
                assert!(!has_digit(&v), "{len} {at}");
            }
        }
    }

    /// The keys of a chunk are whole after the scratch they grew in is let
    /// go, and a chunk of long messages leaves the thread's scratch empty.
    #[test]
    fn a_chunk_of_long_keys_is_kept_whole_and_not_held_in_the_scratch() {
        let word = |i: usize| {
            format!(
                "{}{}",
                (b'a' + (i % 26) as u8) as char,
                (b'a' + (i / 26) as u8) as char
            )
        };
        let long: Vec<String> = (0..300)
            .map(|i| format!("{} {} 7", word(i), "x".repeat(60_000)))
            .collect();
        let chunk: Vec<&str> = long.iter().map(String::as_str).collect();
        let (ids, keys, _) = chunk_keys(&chunk, false);
        assert_eq!(keys.list.len(), 300);
        assert_eq!(ids, (0..300).collect::<Vec<u16>>());
        for (i, (_, text)) in keys.list.iter().enumerate() {
            let want = format!("{} {} <*>", word(i), "x".repeat(60_000));
            assert_eq!(&keys.text[text.range()], want);
        }
        SCRATCH.with_borrow(|s| {
            assert_eq!(s.keys.text.capacity(), 0);
            assert_eq!(s.shapes.kept_bytes(), 0);
        });
        // A chunk of short messages keeps its scratch for the next.
        let (_, keys, _) = chunk_keys(&["a b 1", "c d 2"], false);
        assert_eq!(keys.list.len(), 2);
        SCRATCH.with_borrow(|s| assert!(s.keys.text.capacity() > 0));
    }

    #[test]
    fn segments_cut_only_where_a_run_begins_and_cover_all() {
        let order: Vec<(u64, u64)> = [1, 1, 1, 2, 3, 3, 3, 3, 4, 5, 5]
            .iter()
            .zip(0..)
            .map(|(&h, i)| (h, i))
            .collect();
        for n in 1..=12 {
            let b = segments_at_runs(&order, n);
            assert_eq!((b[0], *b.last().unwrap()), (0, order.len()), "{n}");
            assert!(b.windows(2).all(|w| w[0] < w[1]), "{n}: {b:?}");
            for &at in &b[1..b.len() - 1] {
                assert_ne!(order[at].0, order[at - 1].0, "{n}: cut inside a run");
            }
        }
        assert_eq!(segments_at_runs(&[], 4), vec![0, 0]);
        assert_eq!(segments_at_runs(&[(7, 0), (7, 1)], 4), vec![0, 2]);
    }

    #[test]
    fn the_parallel_sort_is_the_radix_sort() {
        // Hashes with repeats and every top byte, second members rising.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let pairs: Vec<(u64, u64)> = (0..200_000u64)
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (if i % 7 == 0 { x >> 40 << 40 } else { x }, i)
            })
            .collect();
        let (mut a, mut b) = (pairs.clone(), pairs);
        merge::sort_by_hash(&mut a);
        par_sort(&mut b);
        assert!(a == b);
    }
}
