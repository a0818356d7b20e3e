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
//! copied into each chunk that holds the key. A message of a shape seen
//! before in its chunk of lines (the same bytes, digits aside: masking
//! treats all digits alike, see [`shape`](mod@shape)) takes the first
//! one's key and value places without being masked again.
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
//!   Mining those lines peaks at 198 MiB (grouping) and 234 to 236 MiB
//!   (with statistics, at the plans), input included, under the 256 MiB
//!   aimed at; a process that mines several such inputs in a row holds
//!   more (294 MiB after three, measured when one peaked at 257), as
//!   glibc keeps freed large blocks on a fragmented heap.
//! - Speed (`benches/drain3_vs_outsidein.sh`, figures in
//!   `benches/README.md`): Drain3 mines each raw 1M-line file in ten
//!   slices and, after each, outsidein mines the whole file once in a
//!   process of its own (two threads, grouping alone as `outsidein
//!   signatures` does), so that both are timed in the same stretches of
//!   time; each rate is lines over summed times. In twelve runs in two
//!   series (2026-12-06 07:40-07:47 and 08:04-08:11 UTC, load 1.0 to
//!   1.7) outsidein mined 19.7M to 26.4M, 12.0M to 15.3M, 22.3M to
//!   29.9M and 5.5M to 7.0M lines a second on HDFS, BGL, Spark and
//!   OpenSSH, 139x-179x, 102x-130x, 121x-162x and 123x-149x Drain3's
//!   rate; with the statistics, 44x to 93x. In five runs before them,
//!   on the same mining code, BGL once fell to 93x: the machine's speed
//!   swings for seconds at a time, and two threads suffer from it more
//!   than Drain3's one (outsidein's BGL runs averaged 92 ms there
//!   against 69 to 84 in the other four, while Drain3 ran at its usual
//!   rate).
//!   The header split sizes each piece's room from 8 sampled pieces
//!   (see [`crate::logs::messages`]); alone, it took 25 ms least for
//!   BGL and 18 for OpenSSH on two threads. The built-in
//!   formats are compiled before the clock starts, once a process (about
//!   10 ms of CPU whatever the file).
//!   New memory is dear on this machine (a first touch of a 4 KiB page
//!   took 2 to 14 µs, the zeroing and the hypervisor's share): large
//!   blocks are put on huge pages ([`crate::alloc`]), each thread reuses
//!   its masking tables from chunk to chunk and grows a chunk's keys in
//!   them before copying them out whole, the join writes the keys once
//!   into lists of their size, and key texts stay where their chunk wrote
//!   them. Grouping a million raw OpenSSH lines faulted 57.4k pages at
//!   this session's start and 18.5k after (one thread, reading the file
//!   included); what is left is mostly the chunks' keys and texts, kept
//!   until the end. The interning table and each chunk's copied keys are
//!   faulted in by one `MADV_POPULATE_WRITE` call each
//!   ([`crate::alloc::populate`]): the table is read before it is
//!   written, and a zeroed page read first maps the shared zero page,
//!   copied on the first write, each copy flushing the other processor's
//!   TLB (about 11 ms of CPU a run of a million OpenSSH lines, a fifth
//!   of merging them).
//!   Interning asks for each new token's slot 8 keys ahead of its
//!   look-up ([`intern`](mod@intern)): looked up as they came, OpenSSH's
//!   user names (one new token a key) each waited for their slot.
//!   Most messages are not masked at all: whole messages repeat seldom
//!   (1M, 923k, 624k and 479k distinct messages in a million lines of
//!   HDFS, OpenSSH, Spark and BGL), shapes often (270, 509k, 2,086 and
//!   179k), and a message of a shape seen before in its chunk takes that
//!   one's key. Taking each message's shape (32 bytes at a time) and
//!   looking it up is then the largest part of mining HDFS and Spark, the
//!   header split the next. User names without digits keep OpenSSH's
//!   shapes nearly as many as its messages: half its lines are masked, and
//!   its 321k distinct keys are interned and merged (one token-count
//!   bucket a task, the largest first: its three largest hold 61k, 97k
//!   and 160k keys, so one thread merges the largest while the other
//!   merges the next two), about as much time as masking.
//!   Masking itself classifies each message's bytes once into bit masks
//!   (spaces, cut bytes, digits), by AVX2 where the processor has it and
//!   byte by byte elsewhere, and finds words, pieces and paths from the
//!   masks; each word still costs bookkeeping (key text, value spans; a
//!   word of up to 16 bytes is copied into the key by two overlapping
//!   loads and stores, not a `memcpy` call), and the value of
//!   `key=value` and date words a byte loop. Statistics hash
//!   and count every value a second time.
//!   The file's text and each line's message entry (16 bytes) are held
//!   beside mining: a million raw OpenSSH lines peak at 198 MiB grouped,
//!   234 to 236 MiB with statistics (each chunk's key texts are kept
//!   whole: a key met in several chunks keeps its text in each).
//!   Chunks are [`CHUNK`] lines, small enough that a chunk's tables stay
//!   in a processor's own cache; at four times the size, masking a
//!   million OpenSSH lines took 73 to 114 ms against 68 to 79, the most
//!   when the machine was slow.

mod intern;
mod keys;
pub mod mask;
pub mod merge;
mod params;
mod shape;
pub mod stats;

use keys::*;
use mask::{mask, mask_key, Masked};
use params::*;
use rayon::prelude::*;
use stats::{IdMap, ParamAcc};
use xxhash_rust::xxh3::xxh3_64;

/// How many keys ahead [`prefetch`] asks for a key's text. Keys are
/// visited in order of their hash, their texts lie in order of arrival:
/// each key's first read missed the cache, and waiting for it was most of
/// the time of [`intern`](intern::intern) on OpenSSH's 321k keys.
const PREFETCH_AHEAD: usize = 8;

/// Asks the processor to bring the start of `key`'s text into the cache.
#[inline]
fn prefetch(key: Option<&str>) {
    if let Some(key) = key {
        prefetch_at(key.as_ptr());
    }
}

/// Asks the processor to bring the bytes at `at` into the cache.
#[inline]
fn prefetch_at<T>(at: *const T) {
    // SAFETY: a prefetch only hints the cache; it reads nothing and
    // cannot fault, whatever the address.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(at as *const i8);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// Lines per chunk of parallel work. Fixed, so results do not depend on the
/// thread count. A chunk's tables (its shapes, its keys) stay in a
/// processor's own cache at this size: at four times it they did not,
/// and masking a million OpenSSH lines took 73 to 114 ms on two threads
/// against 68 to 79 (five runs each, alternating, temporary timers); the
/// slower the machine was at the time, the more it gained. Smaller chunks
/// mask more messages again (the first of each shape in each chunk), which
/// HDFS, with its few shapes, pays for.
const CHUNK: usize = 1 << 13;

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
    /// One entry per `<*>` of `text`, in order ([`mine`]); none from
    /// [`group`].
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

/// Groups `messages` into templates, with the statistics of each
/// template's variables. Parallel on the current rayon pool,
/// deterministic for any thread count.
pub fn mine(messages: &[&str]) -> Mined {
    mine_with(messages, true)
}

/// [`mine`] without the statistics (each template's `params` left
/// empty): the same assignment, ids, texts and counts, for a caller that
/// reads no more than which template each message has, as
/// `outsidein signatures` does. Masking then keeps no value spans, and
/// the statistics pass, about a third of mining, does not run.
pub fn group(messages: &[&str]) -> Mined {
    mine_with(messages, false)
}

fn mine_with(messages: &[&str], stats: bool) -> Mined {
    // Its large vectors are filled whole: on huge pages, a fault each
    // 2 MiB, not each 4 KiB.
    crate::alloc::with_huge_pages(|| mine_on_huge_pages(messages, stats))
}

fn mine_on_huge_pages(messages: &[&str], stats: bool) -> Mined {
    let (chunks, keys) = key_ids(messages, stats);
    let (key_tpl, tpl_tokens) = merge::merge(&keys, &keys.tokens);

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
    drop(key_tpl);
    // Each template's messages, summed over its keys (each key knows its
    // own): a pass over the keys, not over every message's template.
    let mut counts = vec![0u64; order.len()];
    for (&r, key) in key_rank.iter().zip(&keys.list) {
        counts[r as usize] += key.lines;
    }
    let mut assignment = vec![0u32; messages.len()];
    (assignment.par_chunks_mut(CHUNK))
        .zip(&chunks)
        .for_each(|(out, chunk)| {
            let tpl: Vec<u32> = chunk.keys.iter().map(|&k| key_rank[k as usize]).collect();
            for (a, &l) in out.iter_mut().zip(&chunk.ids) {
                *a = tpl[l as usize];
            }
        });

    let accs = match stats {
        true => {
            let slots: Vec<Vec<Slot>> = order.iter().map(|&t| slots_of(&tpl_tokens[t])).collect();
            let plans = Plans::build(&keys, &key_rank, &slots);
            drop(key_rank);
            drop(keys);
            let lines = Lines {
                messages,
                chunks: &chunks,
                plans: &plans,
            };
            param_stats(&lines, &assignment, &slots)
        }
        false => vec![vec![]; order.len()],
    };
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

/// `outsidein signatures FILE --format jsonl|json`: one
/// `{"line": N, "template": ..., "template_id": ...}` per line of FILE, its
/// message read by [`crate::logs::messages`] (FILE opened within
/// `limits`); JSON Lines when `jsonl`, else one JSON array. Returns the
/// exit code.
pub fn cli(
    path: &std::path::Path,
    jsonl: bool,
    limits: &crate::bundle::Limits,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<i32> {
    use anyhow::Context;
    use std::io::Write;
    let file = crate::logs::MessageFile::open(path, limits)
        .with_context(|| format!("reading messages from {}", path.display()))?;
    let text = file.text();
    // A file cut at the size limit ends inside a line: that part of a
    // line is left out, not mined as a message of its own. A cut between
    // a CRLF's two bytes ends a whole line.
    let whole = match file.truncated() {
        Some(why) => {
            // Lines end at line feeds, or at carriage returns alone in a
            // text without a line feed (old Mac files).
            let end = match text.ends_with('\r') {
                true => text.len(),
                false => (text.rfind('\n').or_else(|| text.rfind('\r'))).map_or(0, |i| i + 1),
            };
            let rest = match text.len() - end {
                0 => String::new(),
                n => format!(", the {n} bytes of a line after them are not"),
            };
            eprintln!(
                "outsidein: warning: {}: {why}; the lines before the cut are mined{rest}",
                path.display()
            );
            &text[..end]
        }
        None => &text[..],
    };
    let lines = crate::logs::messages(whole);
    // Only each line's template is printed: no statistics.
    let mined = group(&lines.texts());
    // Each template's fields as JSON once, not once a line.
    let tails: Vec<Vec<u8>> = mined
        .templates
        .iter()
        .map(|t| {
            let mut tail = b",\"template\":".to_vec();
            serde_json::to_writer(&mut tail, &t.text)?;
            tail.extend_from_slice(b",\"template_id\":");
            serde_json::to_writer(&mut tail, &t.id)?;
            tail.push(b'}');
            Ok(tail)
        })
        .collect::<serde_json::Result<_>>()?;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    if !jsonl {
        out.write_all(b"[")?;
    }
    let mut number = itoa::Buffer::new();
    for (i, ((line, _), &t)) in lines.iter().zip(&mined.assignment).enumerate() {
        if !jsonl && i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"{\"line\":")?;
        out.write_all(number.format(line).as_bytes())?;
        out.write_all(&tails[t as usize])?;
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

    /// Messages of one shape (digits aside, the same bytes) take the
    /// first one's key and the values at its places, except where that
    /// key holds digits of the message (`r24=`): then only an equal
    /// message does.
    #[test]
    fn messages_of_one_shape_share_the_first_ones_key() {
        let chunk = [
            "got 17 from 10.0.0.1",
            "r24=0x1 ok",
            "got 42 from 10.9.8.7",
            "r25=0x2 ok",
            "r24=0x1 ok",
            "got 42 from 10.9.8.7x",
        ];
        let (ids, keys, spans) = chunk_keys(&chunk, true);
        let key = |i: usize| &keys.text[keys.list[ids[i] as usize].1.range()];
        assert_eq!(ids[0], ids[2]);
        assert_eq!(values(&spans, 2, chunk[2]), Some(vec!["42", "10.9.8.7"]));
        assert_eq!((key(1), key(3)), ("r24=<*> ok", "r25=<*> ok"));
        assert_eq!(ids[1], ids[4]);
        assert_eq!(key(5), "got <*> from <*>");
        assert_eq!(values(&spans, 5, chunk[5]), Some(vec!["42", "10.9.8.7x"]));
        assert_eq!(keys.list.len(), 3);
    }

    #[test]
    fn repeated_messages_take_the_first_ones_key_and_values() {
        let long = format!("x {} y 7", "z".repeat(70_000));
        let chunk = ["a 1 b 22", "c d", "a 1 b 22", &long, &long, "a 1 b 3"];
        let (ids, keys, spans) = chunk_keys(&chunk, true);
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
        assert_eq!(&keys.text[key.1.range()], "a <*> b <*>");
        assert_eq!(key.0.lines, 3);
    }
}
