//! The third step of mining: each message's values counted per template
//! position, through a plan worked out once per key (see the parent
//! module and [`stats`](super::stats)).

use super::*;
use memchr::memmem;
use merge::{Keys, WILD};

pub(super) fn slots_of(tokens: &[String]) -> Vec<Slot> {
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
pub(super) struct Lines<'a> {
    pub(super) messages: &'a [&'a str],
    pub(super) chunks: &'a [Chunk],
    pub(super) plans: &'a Plans,
}

/// Per template, per parameter accumulators over all messages.
pub(super) fn param_stats(
    lines: &Lines,
    assignment: &[u32],
    slots: &[Vec<Slot>],
) -> Vec<Vec<ParamAcc>> {
    let n_params: Vec<usize> = slots.iter().map(|s| params_of(s)).collect();
    let mut total: Vec<Vec<ParamAcc>> = n_params
        .iter()
        .map(|&n| vec![ParamAcc::default(); n])
        .collect();
    // Waves of one chunk per thread bound the memory held by partial
    // accumulators; merging in chunk order keeps the result deterministic.
    // Each wave's accumulators are cleared and filled again by the next
    // wave, so that their tables are allocated and grown once, not once a
    // chunk.
    let threads = rayon::current_num_threads();
    let n_chunks = lines.chunks.len();
    let mut parts: Vec<Vec<Vec<ParamAcc>>> = (0..threads.min(n_chunks))
        .map(|_| vec![Vec::new(); slots.len()])
        .collect();
    for first in (0..n_chunks).step_by(threads) {
        let wave = first..(first + threads).min(n_chunks);
        let parts = &mut parts[..wave.len()];
        (parts.par_iter_mut().zip(wave))
            .for_each(|(accs, c)| chunk_stats(lines, c, assignment, slots, &n_params, accs));
        // Templates merge independently: in parallel, each in chunk order.
        total.par_iter_mut().enumerate().for_each(|(t, tot)| {
            for part in parts.iter() {
                for (a, b) in tot.iter_mut().zip(&part[t]) {
                    a.merge(b);
                }
            }
        });
    }
    total
}

/// Accumulators of chunk `c` of the messages into `accs` (one list per
/// template, left empty for a template none of whose messages had a
/// parameter yet), cleared first.
pub(super) fn chunk_stats(
    lines: &Lines,
    c: usize,
    assignment: &[u32],
    slots: &[Vec<Slot>],
    n_params: &[usize],
    accs: &mut [Vec<ParamAcc>],
) {
    accs.iter_mut().flatten().for_each(ParamAcc::clear);
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
}

/// How one key token's values become parameters, worked out once per key
/// (see [`add_known`]).
#[derive(Clone, Copy)]
pub(super) enum Op {
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
pub(super) struct Plans {
    /// By key index: its ops' range in `ops` and its number of values.
    pub(super) at: Vec<(u32, u32, u32)>,
    pub(super) ops: Vec<Op>,
}

impl Plans {
    /// Plans of all `keys`, key `k` under the template of slots
    /// `slots[tpl[k]]`; built in parallel pieces, joined in key order.
    pub(super) fn build(keys: &AllKeys, tpl: &[u32], slots: &[Vec<Slot>]) -> Plans {
        const PIECE: usize = 4096;
        let n = keys.len();
        let pieces: Vec<Plans> = (0..n.div_ceil(PIECE))
            .into_par_iter()
            .map(|p| {
                let mut part = Plans::default();
                let wild = memmem::Finder::new(WILD);
                for k in p * PIECE..((p + 1) * PIECE).min(n) {
                    let ahead = k + PREFETCH_AHEAD;
                    prefetch((ahead < n).then(|| keys.text(ahead)));
                    part.push(keys.text(k), &slots[tpl[k] as usize], &wild);
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
    /// The key's `<*>`s and spaces are found by `memchr` in one pass each
    /// (`wild` finds `<*>`), not by a byte loop per token and another
    /// over the key: on the 321k keys of a million OpenSSH lines that was
    /// most of the time of building their plans.
    pub(super) fn push(&mut self, key: &str, slots: &[Slot], wild: &memmem::Finder) {
        let b = key.as_bytes();
        let ops = &mut self.ops;
        let lo = ops.len() as u32;
        let mut wilds = wild.find_iter(b).peekable();
        let mut ends = memchr::memchr_iter(b' ', b).chain([b.len()]);
        let (mut start, mut v) = (0, 0u32);
        for (i, slot) in slots.iter().enumerate() {
            let Some(end) = ends.next() else { break };
            let tok = &b[start..end];
            // The token's `<*>`s: how many, where the first and the last.
            let (mut n, mut first, mut last) = (0u32, 0, 0);
            while let Some(p) = wilds.next_if(|&p| p < end) {
                if n == 0 {
                    first = p - start;
                }
                last = p - start;
                n += 1;
            }
            match slot {
                Slot::Whole if n == 0 => ops.push(Op::Const {
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
            start = end + 1;
        }
        let total = v + wilds.count() as u32;
        self.at.push((lo, ops.len() as u32, total));
    }

    /// The plans of `keys`, in that order: key `keys[i]`'s is the new
    /// plans' `i`.
    pub(super) fn subset(&self, keys: &[u32]) -> Plans {
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
    pub(super) fn of(&self, k: u32) -> (usize, &[Op]) {
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
pub(super) fn add_known(
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

pub(super) fn params_of(slots: &[Slot]) -> usize {
    slots
        .iter()
        .map(|s| match s {
            Slot::Whole => 1,
            Slot::Own(n) => *n as usize,
        })
        .sum()
}

pub(super) fn add_params(m: &Masked, msg: &str, line: u32, slots: &[Slot], accs: &mut [ParamAcc]) {
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
pub(super) fn finish_param(acc: &ParamAcc, messages: &[&str]) -> ParamStats {
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
