//! Log template mining: messages to signatures with stable ids.
//!
//! Mining runs in three steps. Each message is *masked* ([`mask`](mod@mask)): values
//! that hold a digit or look like hex, follow `key=`, or belong to a
//! date become `<*>`, whitespace folds, and lists of values fold into one
//! `<*>`; the result is the message's key. Distinct keys are few next to the
//! messages, so the second step, [`merge`], works on keys only: keys of equal
//! length whose other words are one-offs (Brain's frequency grouping), or
//! that differ in one position with several different words there (user
//! names, host names), become one template; keys of each token count are
//! merged on their own, in parallel. The third step assigns each message
//! its template and gathers per-variable statistics ([`stats`]) from the
//! value spans the first step kept, so each message is masked once; what a
//! key's values become is worked out once per key, not per message, and
//! copied into each chunk that holds the key. A message repeated within its chunk of lines takes the first
//! one's key and values without being masked again.
//! Steps one and three run on rayon over fixed chunks of lines and merge the
//! chunks in order, so ids, templates and statistics are the same for any
//! thread count. A template's id is the xxh3 of its text: the same template
//! gets the same id in every run, bundle and release that keeps the masking
//! rules.
//!
//! # Limitations
//!
//! - A value without a digit that never varies in the data (`Failed password
//!   for root`) stays a constant, and a position where fewer than
//!   [`merge::MIN_DISTINCT`] words were seen stays split into one template
//!   per word; more data makes such splits merge.
//! - Conversely, three or more constant words in one position of otherwise
//!   equal messages merge (`portmap startup succeeded`, `hcid startup
//!   succeeded`, ... give `<*> startup succeeded`), unless the template would
//!   keep no more constant words than variables.
//! - A value made of a varying number of words without digits (`Set(yarn,
//!   curi)`, `java.vendor=Oracle Corporation`) changes the token count and so
//!   the template.
//! - Constants that hold a digit (`ssh2`, `log4j`) are masked: the template
//!   reads `<*>` there although the word never varies. Templates are made for
//!   grouping; their text is not Loghub's (PA about 0.73 on Loghub-2k).
//! - A path without a digit stays a constant (routes such as `/api/report`
//!   name the problem); paths of that kind that vary split a template until
//!   [`merge::MIN_DISTINCT`] of them are seen in one position.
//! - Date words and size units are English abbreviations (`Jun`, `PDT`,
//!   `KB`); other languages' dates keep their words.
//! - Beyond [`stats::EXACT_CAP`] distinct values per position the distinct
//!   count is a HyperLogLog estimate (about 3%) and a value first seen after
//!   the cap cannot become the top value.
//! - Two keys whose 64-bit hashes collide are taken as one key.
//! - Each distinct key is kept while merging: data with millions of distinct
//!   keys (values without digits in every message) costs memory and time in
//!   proportion.
//! - The value spans of every message (4 bytes a value, plus 4 a message)
//!   and its key index (2 bytes) are held from the first step to the
//!   third, and each key's statistics plan (24 bytes a value position)
//!   from the second: about 25 MB and 26 MB for a million OpenSSH lines.
//!   Mining those lines peaks at 200 to 217 MiB, input included; a
//!   process that mines several such inputs in a row holds more (294 MiB
//!   after three), as glibc keeps freed large blocks on a fragmented heap.
//! - About 0.7 to 7 million messages a second on two threads of a shared
//!   machine (`benches/drain3_vs_outsidein.sh`, figures in
//!   `benches/README.md`): 5x to 8x (OpenSSH), 14x to 32x (HDFS, Spark) and
//!   61x to 117x (BGL) Drain3's rate, as the load goes; 100x only on BGL,
//!   and only on a quiet machine. One thread spends about 300 ns of CPU a
//!   message on HDFS, 230 on BGL and Spark, 590 on OpenSSH; 100x needs
//!   about 70 to 110. Masking is half of it or more: a byte loop with a
//!   class lookup per byte (word ends, then each piece of a word that
//!   holds a cut byte or a digit) is about half of masking, and the rest
//!   is bookkeeping per word (key text, date and unit checks, value
//!   spans); statistics hash and count every value a second time. The
//!   321k distinct keys of a million OpenSSH lines (user names without
//!   digits) cost as much again: collected per chunk, then interned and
//!   grouped one token-count bucket per thread, and half of them fall in
//!   one bucket. Whole messages repeat too seldom to skip masking: 1M,
//!   923k, 624k and 479k distinct messages in a million lines of HDFS,
//!   OpenSSH, Spark and BGL.

pub mod mask;
pub mod merge;
pub mod stats;

use mask::{mask, mask_key, Masked};
use rayon::prelude::*;
use stats::{IdMap, ParamAcc};
use std::ops::Range;
use xxhash_rust::xxh3::xxh3_64;

/// Lines per chunk of parallel work. Fixed, so results do not depend on the
/// thread count.
const CHUNK: usize = 1 << 15;

/// The result of [`mine`].
#[derive(Clone, Debug)]
pub struct Mined {
    /// For each message, the index of its template in `templates`.
    pub assignment: Vec<u32>,
    /// Templates sorted by id.
    pub templates: Vec<Template>,
}

/// One signature.
#[derive(serde::Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// xxh3 of `text`, 16 hex digits.
    pub id: String,
    /// Template text, `<*>` where values vary.
    pub text: String,
    /// Messages with this template.
    pub count: u64,
    /// One entry per `<*>` of `text`, in order.
    pub params: Vec<ParamStats>,
}

/// Statistics of one variable of a template.
#[derive(serde::Serialize, Clone, Debug, PartialEq, Eq)]
pub struct ParamStats {
    /// Distinct values (estimated beyond [`stats::EXACT_CAP`]).
    pub distinct: u64,
    /// The most frequent value.
    pub top: String,
    /// How often `top` was seen.
    pub top_count: u64,
}

/// How one token position of a template turns into parameters.
#[derive(Clone, Copy)]
enum Slot {
    /// The whole token is one parameter (merged position).
    Whole,
    /// The token's own `<*>`s are parameters (this many).
    Own(u32),
}

/// Groups `messages` into templates. Parallel on the current rayon pool,
/// deterministic for any thread count.
pub fn mine(messages: &[&str]) -> Mined {
    let (chunks, keys) = key_ids(messages);
    let key_refs: Vec<&str> = (0..keys.list.len()).map(|i| keys.text(i)).collect();
    let key_lines: Vec<u64> = keys.list.iter().map(|(k, _)| k.lines).collect();
    let (key_tpl, tpl_tokens) = merge::merge(&key_refs, &key_lines);

    // Order templates by id.
    let texts: Vec<String> = tpl_tokens.iter().map(|t| t.join(" ")).collect();
    let ids: Vec<String> = texts
        .iter()
        .map(|t| format!("{:016x}", xxh3_64(t.as_bytes())))
        .collect();
    let mut order: Vec<usize> = (0..texts.len()).collect();
    order.sort_by(|&a, &b| ids[a].cmp(&ids[b]));
    let mut rank = vec![0u32; order.len()];
    for (r, &t) in order.iter().enumerate() {
        rank[t] = r as u32;
    }
    let key_rank: Vec<u32> = key_tpl.iter().map(|&t| rank[t as usize]).collect();
    let mut assignment = vec![0u32; messages.len()];
    (assignment.par_chunks_mut(CHUNK))
        .zip(&chunks)
        .for_each(|(out, chunk)| {
            let tpl: Vec<u32> = chunk.keys.iter().map(|&k| key_rank[k as usize]).collect();
            for (a, &l) in out.iter_mut().zip(&chunk.ids) {
                *a = tpl[l as usize];
            }
        });

    let slots: Vec<Vec<Slot>> = order.iter().map(|&t| slots_of(&tpl_tokens[t])).collect();
    let plans = Plans::build(&keys, &key_rank, &slots);
    drop(key_rank);
    drop(key_refs);
    drop(keys);
    let lines = Lines {
        messages,
        chunks: &chunks,
        plans: &plans,
    };
    let accs = param_stats(&lines, &assignment, &slots);
    let mut counts = vec![0u64; order.len()];
    for &a in &assignment {
        counts[a as usize] += 1;
    }
    let templates = order
        .iter()
        .enumerate()
        .map(|(r, &t)| Template {
            id: ids[t].clone(),
            text: texts[t].clone(),
            count: counts[r],
            params: accs[r].iter().map(|a| finish_param(a, messages)).collect(),
        })
        .collect();
    Mined {
        assignment,
        templates,
    }
}

/// One distinct key: its hash and number of messages.
#[derive(Clone, Copy)]
struct Key {
    hash: u64,
    lines: u64,
}

/// Distinct keys, each with the range of its text in `text`: one string for
/// all, not one allocation a key (a million OpenSSH lines hold 321k keys).
/// A chunk's keys are in order of first message, all keys sorted by hash.
#[derive(Default)]
struct KeyList {
    list: Vec<(Key, Range<usize>)>,
    text: String,
}

impl KeyList {
    /// Text of key `i`.
    fn text(&self, i: usize) -> &str {
        &self.text[self.list[i].1.clone()]
    }
}

/// Appends `key` to `text`, returning its range there.
fn add_text(text: &mut String, key: &str) -> Range<usize> {
    let start = text.len();
    text.push_str(key);
    start..text.len()
}

/// What the first pass keeps of one chunk of [`CHUNK`] messages: each
/// message's key as an index into the chunk's distinct keys, those keys as
/// indices among all keys, and the messages' value spans. Statistics look
/// a key up among the chunk's few keys, read in the order they came: among
/// all of them (321k for a million OpenSSH lines) nearly each message's
/// look-up missed the cache.
struct Chunk {
    ids: Vec<u16>,
    keys: Vec<u32>,
    spans: ChunkSpans,
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
struct ChunkSpans {
    packed: Vec<u32>,
    ends: Vec<u32>,
}

/// Flag of [`ChunkSpans::ends`]: this message's values were not kept.
const SPILL: u32 = 1 << 31;

impl ChunkSpans {
    fn push(&mut self, vars: &[mask::Span]) {
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
    fn repeat(&mut self, j: usize) {
        let lo = if j == 0 { 0 } else { self.ends[j - 1] & !SPILL };
        let hi = self.ends[j] & !SPILL;
        self.packed.extend_from_within(lo as usize..hi as usize);
        self.ends
            .push(self.packed.len() as u32 | (self.ends[j] & SPILL));
    }

    /// Message `i`'s values into `out`, or false when they were not kept.
    fn of(&self, i: usize, out: &mut Vec<mask::Span>) -> bool {
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

/// Each chunk's keys and spans (see [`Chunk`]), and the distinct keys with
/// their text sorted by hash.
fn key_ids(messages: &[&str]) -> (Vec<Chunk>, KeyList) {
    let mut chunks = Vec::with_capacity(messages.len().div_ceil(CHUNK));
    // Keys in order of first chunk, found by hash.
    let mut at: IdMap<u32> = IdMap::default();
    let mut all = KeyList::default();
    let mut absorb = |parts: Vec<(Vec<u16>, KeyList, ChunkSpans)>| {
        for (ids, keys, spans) in parts {
            // A chunk's key index to the index among all keys: one look-up
            // a distinct key, not one a message.
            let mut local = Vec::with_capacity(keys.list.len());
            for (k, r) in keys.list {
                let g = *at.entry(k.hash).or_insert_with(|| {
                    let text = add_text(&mut all.text, &keys.text[r]);
                    all.list.push((Key { lines: 0, ..k }, text));
                    all.list.len() as u32 - 1
                });
                all.list[g as usize].0.lines += k.lines;
                local.push(g);
            }
            chunks.push(Chunk {
                ids,
                keys: local,
                spans,
            });
        }
    };
    // Waves of one chunk per thread, merged in order, as in `param_stats`;
    // a wave is merged while the next one is masked (hundreds of thousands
    // of distinct keys make merging a tenth of the time).
    let wave = CHUNK * rayon::current_num_threads();
    let mut pending = None;
    for msgs in messages.chunks(wave) {
        let (parts, ()) = rayon::join(
            || msgs.par_chunks(CHUNK).map(chunk_keys).collect(),
            || {
                if let Some(p) = pending.take() {
                    absorb(p);
                }
            },
        );
        pending = Some(parts);
    }
    if let Some(p) = pending {
        absorb(p);
    }
    drop(at);
    // Sorted by hash, so that indices do not depend on arrival order: one
    // sort of (hash, index) pairs, the keys then moved to their rank in
    // place, one swap each.
    let mut order: Vec<(u64, u32)> = (all.list.iter().map(|(k, _)| k.hash)).zip(0..).collect();
    order.sort_unstable();
    let mut rank = vec![0u32; order.len()];
    for (r, &(_, g)) in order.iter().enumerate() {
        rank[g as usize] = r as u32;
    }
    drop(order);
    chunks.par_iter_mut().for_each(|c| {
        c.keys.iter_mut().for_each(|g| *g = rank[*g as usize]);
    });
    for i in 0..rank.len() {
        while rank[i] as usize != i {
            let r = rank[i] as usize;
            all.list.swap(i, r);
            rank.swap(i, r);
        }
    }
    (chunks, all)
}

/// Key index (into the chunk's own keys) of each message of one chunk, its
/// distinct keys in order of first message, and its value spans.
/// A message met before in the chunk (a fifth of BGL's and Spark's) takes
/// the first one's key and values instead of being masked again; where
/// the first [`MEMO_TRIAL`] messages hold fewer than one repeat in
/// [`MEMO_MIN_RATE`], the chunk stops looking.
fn chunk_keys(chunk: &[&str]) -> (Vec<u16>, KeyList, ChunkSpans) {
    let mut m = Masked::default();
    let mut keys = KeyList::default();
    // Key hash to its index in `keys`.
    let mut at: IdMap<u16> = IdMap::default();
    let mut spans = ChunkSpans::default();
    spans.ends.reserve_exact(chunk.len());
    let mut ids: Vec<u16> = Vec::with_capacity(chunk.len());
    // Message hash to the index of its first message.
    let mut seen: IdMap<u32> = IdMap::default();
    let mut repeats = 0;
    for (i, msg) in chunk.iter().enumerate() {
        let memo = i < MEMO_TRIAL || repeats * MEMO_MIN_RATE >= MEMO_TRIAL;
        let first = memo
            .then(|| *seen.entry(xxh3_64(msg.as_bytes())).or_insert(i as u32) as usize)
            .filter(|&j| j != i && chunk[j] == *msg);
        let k = match first {
            Some(j) => {
                repeats += 1;
                spans.repeat(j);
                ids[j]
            }
            None => {
                mask_key(msg, &mut m);
                spans.push(&m.vars);
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
                    keys.list.len() as u16 - 1
                })
            }
        };
        keys.list[k as usize].0.lines += 1;
        ids.push(k);
    }
    spans.packed.shrink_to_fit();
    (ids, keys, spans)
}

/// Messages of a chunk over which repeats are counted before the chunk
/// stops looking for them.
const MEMO_TRIAL: usize = 2048;
/// One repeat in this many messages keeps the chunk looking.
const MEMO_MIN_RATE: usize = 20;

fn slots_of(tokens: &[String]) -> Vec<Slot> {
    tokens
        .iter()
        .map(|t| match t.as_str() {
            "<*>" => Slot::Whole,
            t => Slot::Own(t.matches("<*>").count() as u32),
        })
        .collect()
}

/// What the statistics pass reads: the messages, what the first pass kept
/// of each chunk, and the keys' plans.
struct Lines<'a> {
    messages: &'a [&'a str],
    chunks: &'a [Chunk],
    plans: &'a Plans,
}

/// Per template, per parameter accumulators over all messages.
fn param_stats(lines: &Lines, assignment: &[u32], slots: &[Vec<Slot>]) -> Vec<Vec<ParamAcc>> {
    let n_params: Vec<usize> = slots.iter().map(|s| params_of(s)).collect();
    let mut total: Vec<Vec<ParamAcc>> = n_params
        .iter()
        .map(|&n| vec![ParamAcc::default(); n])
        .collect();
    // Waves of one chunk per thread bound the memory held by partial
    // accumulators; merging in chunk order keeps the result deterministic.
    let threads = rayon::current_num_threads();
    let n_chunks = lines.chunks.len();
    for first in (0..n_chunks).step_by(threads) {
        let parts: Vec<Vec<Vec<ParamAcc>>> = (first..(first + threads).min(n_chunks))
            .into_par_iter()
            .map(|c| chunk_stats(lines, c, assignment, slots, &n_params))
            .collect();
        // Templates merge independently: in parallel, each in chunk order.
        total.par_iter_mut().enumerate().for_each(|(t, tot)| {
            for part in &parts {
                for (a, b) in tot.iter_mut().zip(&part[t]) {
                    a.merge(b);
                }
            }
        });
    }
    total
}

/// Accumulators of chunk `c` of the messages.
fn chunk_stats(
    lines: &Lines,
    c: usize,
    assignment: &[u32],
    slots: &[Vec<Slot>],
    n_params: &[usize],
) -> Vec<Vec<ParamAcc>> {
    let mut accs: Vec<Vec<ParamAcc>> = vec![Vec::new(); slots.len()];
    let mut m = Masked::default();
    let mut vars = vec![];
    let chunk = &lines.chunks[c];
    let plans = lines.plans.subset(&chunk.keys);
    let base = c * CHUNK;
    let hi = (base + CHUNK).min(lines.messages.len());
    for (i, line) in (base..hi).enumerate() {
        let t = assignment[line] as usize;
        if n_params[t] == 0 {
            continue;
        }
        if accs[t].is_empty() {
            accs[t] = vec![ParamAcc::default(); n_params[t]];
        }
        let msg = lines.messages[line];
        let kept = chunk.spans.of(i, &mut vars)
            && add_known(
                plans.of(chunk.ids[i] as u32),
                msg,
                &vars,
                line as u32,
                &mut accs[t],
            );
        if !kept {
            mask(msg, &mut m);
            add_params(&m, msg, line as u32, &slots[t], &mut accs[t]);
        }
    }
    accs
}

/// How one key token's values become parameters, worked out once per key
/// (see [`add_known`]).
#[derive(Clone, Copy)]
enum Op {
    /// A merged position whose key token holds no value: the token itself
    /// (its xxh3), recorded by its token index.
    Const { hash: u64, token: u32 },
    /// A merged position: values `v..v + n` with the constant text around
    /// them, `pre` bytes before the first and `post` after the last.
    Whole { v: u32, n: u32, pre: u32, post: u32 },
    /// Values `v..v + n`, one parameter each, in a position of `width`
    /// parameters: a key merged into a template whose token there holds
    /// another number of `<*>` fills at most `width` and skips the rest.
    Own { v: u32, n: u32, width: u32 },
}

/// The [`Op`]s of every key, built once for all chunks: a key's plan
/// depends only on its text and its template.
#[derive(Default)]
struct Plans {
    /// By key index: its ops' range in `ops` and its number of values.
    at: Vec<(u32, u32, u32)>,
    ops: Vec<Op>,
}

impl Plans {
    /// Plans of all `keys`, key `k` under the template of slots
    /// `slots[tpl[k]]`; built in parallel pieces, joined in key order.
    fn build(keys: &KeyList, tpl: &[u32], slots: &[Vec<Slot>]) -> Plans {
        const PIECE: usize = 4096;
        let n = keys.list.len();
        let pieces: Vec<Plans> = (0..n.div_ceil(PIECE))
            .into_par_iter()
            .map(|p| {
                let mut part = Plans::default();
                for k in p * PIECE..((p + 1) * PIECE).min(n) {
                    part.push(keys.text(k), &slots[tpl[k] as usize]);
                }
                part
            })
            .collect();
        let mut all = Plans {
            at: Vec::with_capacity(n),
            ops: Vec::with_capacity(pieces.iter().map(|p| p.ops.len()).sum()),
        };
        for part in pieces {
            let base = all.ops.len() as u32;
            all.at
                .extend((part.at.iter()).map(|&(lo, hi, total)| (lo + base, hi + base, total)));
            all.ops.extend_from_slice(&part.ops);
        }
        all
    }

    /// Appends the plan of a key of text `key` under a template of `slots`.
    fn push(&mut self, key: &str, slots: &[Slot]) {
        let ops = &mut self.ops;
        let lo = ops.len() as u32;
        let mut v = 0u32;
        let toks = key.as_bytes().split(|&c| c == b' ');
        for (i, (tok, slot)) in toks.zip(slots).enumerate() {
            let (nv, first, last) = wilds(tok);
            let n = nv as u32;
            match slot {
                Slot::Whole if nv == 0 => ops.push(Op::Const {
                    hash: xxh3_64(tok),
                    token: i as u32,
                }),
                Slot::Whole => ops.push(Op::Whole {
                    v,
                    n,
                    pre: first as u32,
                    post: (tok.len() - last - 3) as u32,
                }),
                Slot::Own(0) => {}
                Slot::Own(w) => ops.push(Op::Own { v, n, width: *w }),
            }
            v += n;
        }
        let total = wilds(key.as_bytes()).0 as u32;
        self.at.push((lo, ops.len() as u32, total));
    }

    /// The plans of `keys`, in that order: key `keys[i]`'s is the new
    /// plans' `i`.
    fn subset(&self, keys: &[u32]) -> Plans {
        let mut out = Plans {
            at: Vec::with_capacity(keys.len()),
            ops: vec![],
        };
        for &k in keys {
            let (total, ops) = self.of(k);
            let lo = out.ops.len() as u32;
            out.ops.extend_from_slice(ops);
            out.at.push((lo, out.ops.len() as u32, total as u32));
        }
        out
    }

    /// The plan of key `k`: its number of values and its ops.
    fn of(&self, k: u32) -> (usize, &[Op]) {
        let (lo, hi, total) = self.at[k as usize];
        (total as usize, &self.ops[lo as usize..hi as usize])
    }
}

/// [`add_params`] without masking again, following the key's plan: each
/// token's values are the next ones of `vars`, as many as the key's token
/// holds `<*>`; a whole token is its values with the constant text around
/// them, or, without values, the key's token itself, recorded by its token
/// index (see [`finish_param`]). Returns false, having added nothing, when
/// the key's values do not match `vars` one to one: a literal `<*>` in the
/// message that masking kept (it is cut at `<` and `>`, so it stays in the
/// key) makes the key hold more `<*>` than values; one inside the value
/// of `key=value` is part of that value, and the key holds its `<*>` once.
fn add_known(
    (total, plan): (usize, &[Op]),
    msg: &str,
    vars: &[mask::Span],
    line: u32,
    accs: &mut [ParamAcc],
) -> bool {
    if total != vars.len() {
        return false;
    }
    let b = msg.as_bytes();
    let mut k = 0;
    let span = |start: u32, end: u32| (xxh3_64(&b[start as usize..end as usize]), start, end);
    for op in plan {
        match *op {
            Op::Const { hash, token } => {
                accs[k].add(hash, line, u32::MAX, token);
                k += 1;
            }
            Op::Whole { v, n, pre, post } => {
                let (h, start, end) = span(
                    vars[v as usize].start - pre,
                    vars[(v + n - 1) as usize].end + post,
                );
                accs[k].add(h, line, start, end);
                k += 1;
            }
            Op::Own { v, n, width } => {
                for s in vars[v as usize..(v + n) as usize]
                    .iter()
                    .take(width as usize)
                {
                    let (h, start, end) = span(s.start, s.end);
                    accs[k].add(h, line, start, end);
                    k += 1;
                }
                k += (width as usize).saturating_sub(n as usize);
            }
        }
    }
    true
}

/// How many `<*>` `text` holds, where the first starts and the last.
fn wilds(text: &[u8]) -> (usize, usize, usize) {
    let (mut n, mut first, mut last) = (0, 0, 0);
    let mut p = 0;
    while p + 3 <= text.len() {
        if text[p] == b'<' && text[p + 1] == b'*' && text[p + 2] == b'>' {
            if n == 0 {
                first = p;
            }
            last = p;
            n += 1;
            p += 3;
        } else {
            p += 1;
        }
    }
    (n, first, last)
}

fn params_of(slots: &[Slot]) -> usize {
    slots
        .iter()
        .map(|s| match s {
            Slot::Whole => 1,
            Slot::Own(n) => *n as usize,
        })
        .sum()
}

fn add_params(m: &Masked, msg: &str, line: u32, slots: &[Slot], accs: &mut [ParamAcc]) {
    let mut k = 0;
    for (i, slot) in slots.iter().enumerate() {
        // A position of `width` parameters takes at most that many of the
        // message's values there (see [`Op::Own`]).
        let (spans, width): (&[mask::Span], usize) = match slot {
            Slot::Whole => match m.tokens.get(i) {
                Some(t) => (std::slice::from_ref(&t.raw), 1),
                None => (&[], 1),
            },
            Slot::Own(0) => continue,
            Slot::Own(w) if i < m.tokens.len() => (m.token_vars(i), *w as usize),
            Slot::Own(w) => (&[], *w as usize),
        };
        for s in spans.iter().take(width) {
            let v = &msg.as_bytes()[s.start as usize..s.end as usize];
            accs[k].add(xxh3_64(v), line, s.start, s.end);
            k += 1;
        }
        k += width.saturating_sub(spans.len());
    }
}

/// A value's text is its span in the line where it was first seen; a
/// constant word in a merged position was recorded as `(u32::MAX, token
/// index)` and is found by masking that line.
fn finish_param(acc: &ParamAcc, messages: &[&str]) -> ParamStats {
    let top = acc.top();
    let text = |s: stats::Seen| {
        let msg = messages[s.line as usize];
        let raw = if s.start == u32::MAX {
            let mut m = Masked::default();
            mask(msg, &mut m);
            // A message with fewer tokens (an empty one merged in) has
            // no word there: the value reads empty.
            m.tokens
                .get(s.end as usize)
                .map_or(mask::Span { start: 0, end: 0 }, |t| t.raw)
        } else {
            mask::Span {
                start: s.start,
                end: s.end,
            }
        };
        msg[raw.start as usize..raw.end as usize].to_string()
    };
    ParamStats {
        distinct: acc.distinct(),
        top: top.map_or_else(String::new, text),
        top_count: top.map_or(0, |s| s.count),
    }
}

/// `outsidein signatures FILE --format jsonl|json`: one
/// `{"line": N, "template_id": ..., "template": ...}` per line of FILE, read
/// through [`crate::logs::read_messages`]; JSON Lines when `jsonl`, else one
/// JSON array. Returns the exit code.
pub fn cli(
    path: &std::path::Path,
    jsonl: bool,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<i32> {
    use anyhow::Context;
    use std::io::Write;
    let (lines, cut) = crate::logs::read_messages(path)
        .with_context(|| format!("reading messages from {}", path.display()))?;
    if let Some(why) = cut {
        eprintln!(
            "outsidein: warning: {}: {why}; the lines before are mined",
            path.display()
        );
    }
    let msgs: Vec<&str> = lines.iter().map(|(_, m)| m.as_str()).collect();
    let mined = mine(&msgs);
    let mut out = std::io::BufWriter::new(out);
    if !jsonl {
        out.write_all(b"[")?;
    }
    for (i, ((line, _), &t)) in lines.iter().zip(&mined.assignment).enumerate() {
        let tpl = &mined.templates[t as usize];
        let rec = serde_json::json!({"line": line, "template_id": tpl.id, "template": tpl.text});
        if !jsonl && i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut out, &rec)?;
        if jsonl {
            out.write_all(b"\n")?;
        }
    }
    if !jsonl {
        out.write_all(b"]\n")?;
    }
    out.flush()?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA: keys with another number of `<*>` in a position than their
    /// template (an empty `app=` beside `app=psql`), and empty messages
    /// merged with one-word ones, overran the statistics and panicked.
    #[test]
    fn keys_unlike_their_template_and_empty_messages_do_not_panic() {
        let kv = [
            "user=app,db=shop,app=psql,client=127.0.0.1 HINT: something",
            "user=app,db=shop,app=,client=127.0.0.1 HINT: something",
            "a=x,b=1",
            "a=,b=1",
        ];
        let m = mine(&kv);
        assert_eq!(m.assignment[0], m.assignment[1]);
        assert_eq!(m.assignment[2], m.assignment[3]);
        let empty = ["1", "", "", "\n", "aaaaaaaaaaa\n"];
        let m = mine(&empty);
        assert_eq!(m.assignment.len(), 5);
        let total: u64 = m.templates.iter().map(|t| t.count).sum();
        assert_eq!(total, 5);
    }

    /// Values of message `i` of a chunk as text.
    fn values<'a>(spans: &ChunkSpans, i: usize, msg: &'a str) -> Option<Vec<&'a str>> {
        let mut out = vec![];
        spans.of(i, &mut out).then(|| {
            out.iter()
                .map(|s| &msg[s.start as usize..s.end as usize])
                .collect()
        })
    }

    #[test]
    fn literal_wildcards_in_messages_stay_apart_from_values() {
        let msgs = [
            "k=x<*>y end",
            "k=z<*>w end",
            "k=q end",
            "got <*> 7",
            "got <*> 8",
            "got <*> 9",
        ];
        let mined = mine(&msgs);
        let by_text = |t: &str| {
            let tpl = mined.templates.iter().find(|x| x.text == t);
            tpl.unwrap_or_else(|| panic!("no {t} in {:?}", mined.templates))
        };
        let k = by_text("k=<*> end");
        assert_eq!((k.count, k.params[0].distinct), (3, 3));
        assert_eq!(k.params[0].top, "x<*>y");
        let got = by_text("got <*> <*>");
        assert_eq!(got.params.len(), 2);
        assert_eq!(
            (got.params[0].distinct, got.params[0].top.as_str()),
            (1, "<*>")
        );
        assert_eq!(
            (got.params[1].distinct, got.params[1].top.as_str()),
            (3, "7")
        );
    }

    #[test]
    fn repeated_messages_take_the_first_ones_key_and_values() {
        let long = format!("x {} y 7", "z".repeat(70_000));
        let chunk = ["a 1 b 22", "c d", "a 1 b 22", &long, &long, "a 1 b 3"];
        let (ids, keys, spans) = chunk_keys(&chunk);
        assert_eq!(ids[0], ids[2]);
        assert_eq!(ids[0], ids[5]);
        assert_eq!(values(&spans, 2, chunk[2]), Some(vec!["1", "22"]));
        assert_eq!(values(&spans, 5, chunk[5]), Some(vec!["1", "3"]));
        // A message whose values were too far to keep is masked again by
        // statistics, repeated or not.
        assert_eq!(values(&spans, 3, chunk[3]), None);
        assert_eq!(values(&spans, 4, chunk[4]), None);
        assert_eq!(ids[3], ids[4]);
        let key = &keys.list[ids[0] as usize];
        assert_eq!(&keys.text[key.1.clone()], "a <*> b <*>");
        assert_eq!(key.0.lines, 3);
    }
}
