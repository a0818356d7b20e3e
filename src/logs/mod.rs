//! Log records: format detection, framing of multi-line records, and the
//! split of each record into header fields and message.
//!
//! A file's format is chosen from its content: every known format reads
//! the first lines, and the one that reads the most wins (ties go to the
//! more specific format, listed first). The winner and its margin over the
//! runner-up are kept for `--debug` and the inventory. Framing then reads
//! every line: a line the format reads starts a record; any other line
//! continues the record before it (stack traces, a statement over several
//! lines), and a line before the first record is counted as unparsed. A
//! runtime's own crash report (a Go panic, the JVM's uncaught exception)
//! begins a record of its own, and a runtime's dump stays one record
//! where no header marks records (`plain`, or between JSON lines); see
//! `multiline.rs`.
//!
//! # Limitations
//! - One format per file: a file that mixes formats is read with the one
//!   that reads most of its first lines.
//! - A JSON value spread over several lines is read as one record only
//!   when it opens with `{` alone on its line in a JSON log (as
//!   `JSON.stringify(x, null, 2)` and `jq .` print it) and closes within
//!   2,000 lines; otherwise its lines are continuation text of the record
//!   before. Detection counts such a value's lines as read when it closes
//!   within the lines sampled (200), so a file of such values alone is a
//!   JSON log if its values are shorter than that.
//!   A top-level array printed so (`[` alone, as `jq .` prints one) is not
//!   gathered.
//! - A runtime's dump is one record however long it is (see
//!   `multiline.rs`), so a goroutine dump of thousands of goroutines is
//!   cut at the 64 KiB message bound, and the file is marked partial.
//! - `analyze` and `timeline` detect a file's format on the whole lines
//!   of its first 64 KiB, or on its first line alone where that is longer
//!   (a JSON log of large payloads), read up to 1 MiB: a file whose first
//!   line is longer than that gets no format and is reported as unread.
//! - dmesg's seconds since boot get no time here; the analysis puts them
//!   on the wall clock once the bundle's boot time is known
//!   (`crate::time::boot`).
//! - [`frame`] copies every record out of the file ([`Record`]), so its
//!   result grows with the input (about 3x a file's size); the streaming
//!   [`frame_visit`] hands borrowed [`RecordRef`]s to a callback and keeps
//!   none, for a memory of the mapped pages and a constant. `analyze` and
//!   `timeline` still use [`frame`], which costs about 2.5 times the CPU
//!   time of framing alone (one thread, the 8 bench files: 3.25 to 3.42 s
//!   a pass against 1.23 to 1.34; `INGEST_OWNED=1` in `benches/ingest.rs`): a
//!   quarter of it `malloc` and `free` of the owned texts, a seventh page
//!   faults of their fresh memory, peak RSS 1.3 GB.
//! - Detect + frame + timestamp (`benches/ingest_vs_rg_lnav.sh`, 1,068
//!   MB, 2 threads): 1,311 to 1,473 MB/s in the quietest runs before the
//!   records were built in place (0.20 to 0.22 of `rg -c ''` in the same
//!   run); after, at load 5 to 6 (no quiet minute came), 403 to 646 MB/s
//!   against rg's 1,287 to 1,943 (0.22 to 0.35, swinging from run to
//!   run). In CPU time, which the load distorts less: 1.26 to 1.33 s a
//!   pass on one thread (1.51 to 1.62 before, in the same minutes)
//!   against `rg -j1 -c ''`'s 0.38 to 0.42: 0.29 to 0.32 of rg, so issue
//!   3's "within 2x of rg" (0.5) is not met.
//!   Per CPU second: about 540 MB/s (pino JSON) to 1,500 (Postgres,
//!   HDFS); see benches/README.md for where the time goes.
//! - The hand-written readers (`fast.rs`, `structured.rs`) cover `hdfs`,
//!   `bgl`, `spark`, `syslog-rfc3164`, `nginx-combined`, `postgres-stderr`
//!   and `json`; every other format, a user's format and any line those
//!   readers are not sure of go through the regex (70 to 150 MB/s a
//!   thread).

mod builtin;
mod chunk;
#[cfg(test)]
pub(crate) mod corpus;
mod fast;
mod format;
mod frame;
mod json_fast;
mod messages;
mod multiline;
mod structured;
mod trouble;

pub use format::{Fields, Format, FormatDef, FormatError, SampleDef};
pub use frame::{frame, frame_visit, LogFile, Record, RecordRef, CHUNK_BYTES};
pub use messages::{messages, MessageFile, Messages};
pub use trouble::infer_severity;

use std::borrow::Cow;
use std::path::Path;

/// How many leading lines detection reads.
const DETECT_LINES: usize = 200;

/// The formats in play: the built-in ones and any the user defined.
pub struct Registry {
    formats: Vec<Format>,
}

/// The outcome of detection for one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Detection {
    /// Index into [`Registry::formats`].
    #[serde(skip)]
    pub index: usize,
    pub format: String,
    /// Lines of the sample the winner read.
    pub score: usize,
    /// Lines the runner-up read.
    pub runner_up: Option<(String, usize)>,
    /// Non-empty lines sampled.
    pub sampled: usize,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::with_compiled(Vec::new())
    }
}

impl Registry {
    /// The built-in formats after the user's own (which win ties),
    /// each of those compiled and checked against its samples.
    pub fn with_user_formats(user: Vec<FormatDef>) -> Result<Registry, FormatError> {
        let user = user
            .into_iter()
            .map(Format::compile_user)
            .collect::<Result<_, _>>()?;
        Ok(Registry::with_compiled(user))
    }

    /// The built-in formats after the user's own, already compiled
    /// ([`Format::compile_user`]). The built-in regexes are compiled in
    /// parallel: one after another they take about 20 ms, a tenth of
    /// mining a million lines.
    pub fn with_compiled(user: Vec<Format>) -> Registry {
        use rayon::prelude::*;
        let builtins: Vec<Format> = (builtin::BUILTIN.par_iter())
            .map(|b| Format::compile_builtin(FormatDef::from(b)).expect("built-in formats compile"))
            .collect();
        Registry {
            formats: user.into_iter().chain(builtins).collect(),
        }
    }

    /// The built-in formats alone, compiled once in the process and
    /// shared by every caller after: what [`messages`] detects with, so
    /// that mining one text after another (a batch) compiles them once.
    pub fn builtin() -> &'static Registry {
        static BUILTIN: std::sync::LazyLock<Registry> = std::sync::LazyLock::new(Registry::default);
        &BUILTIN
    }

    pub fn formats(&self) -> &[Format] {
        &self.formats
    }

    pub fn get(&self, index: usize) -> &Format {
        &self.formats[index]
    }

    /// Picks the format that reads most of the first lines of `text`.
    /// `None` when no format reads at least one line in ten.
    pub fn detect(&self, text: &str) -> Option<Detection> {
        let lines: Vec<&str> = frame::lines(text)
            .map(|(_, l)| l)
            .filter(|l| !l.trim().is_empty())
            .take(DETECT_LINES)
            .collect();
        if lines.is_empty() {
            return None;
        }
        let mut scores: Vec<(usize, usize)> = self
            .formats
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.is_fallback())
            .map(|(i, f)| {
                let read = lines.iter().filter(|l| f.parse(l).is_some()).count();
                // Values printed over several lines are read whole.
                let gathered = match f.reads_json() {
                    true => chunk::gathered_json_lines(f, &lines),
                    false => 0,
                };
                (i, read + gathered)
            })
            .collect();
        // Stable sort keeps the table order among equal scores.
        scores.sort_by_key(|s| std::cmp::Reverse(s.1));
        let (index, score) = scores[0];
        // Indented lines continue a record (a statement's body, a stack
        // trace): a Postgres log whose first lines are one long statement
        // is still a Postgres log. A format must read a tenth of the rest.
        let heads = heads(&lines);
        if score == 0 || score * 10 < heads.len() {
            return self.fallback(&lines, &heads);
        }
        let runner_up = scores
            .get(1)
            .filter(|(_, s)| *s > 0)
            .map(|&(i, s)| (self.formats[i].name().to_string(), s));
        Some(Detection {
            index,
            format: self.formats[index].name().to_string(),
            score,
            runner_up,
            sampled: lines.len(),
        })
    }
}

/// Lines of a sample that could begin a record: not indented, and not
/// the other lines of a runtime's dump (a goroutine dump's function lines
/// and registers, a traceback's final line; see `multiline.rs`).
fn heads<'s>(lines: &[&'s str]) -> Vec<&'s str> {
    let mut prev: Option<&str> = None;
    let mut heads = Vec::new();
    for &l in lines {
        let continues = multiline::always_continues(l)
            || prev.is_some_and(|p| multiline::continues_after(p, l));
        if !continues {
            heads.push(l);
        }
        prev = Some(l);
    }
    heads
}

impl Registry {
    /// The last-resort reader, for text that only a human wrote or pasted
    /// and for runtimes' own output: chosen when most lines that could
    /// begin a record (`heads`: a goroutine dump's hex and registers do
    /// not) are short words, not data.
    fn fallback(&self, lines: &[&str], heads: &[&str]) -> Option<Detection> {
        let index = self.formats.iter().position(|f| f.is_fallback())?;
        let texty = heads
            .iter()
            .filter(|l| {
                l.len() < 2000 && l.chars().filter(|c| c.is_alphabetic()).count() * 2 > l.len()
            })
            .count();
        (texty * 2 > heads.len()).then(|| Detection {
            index,
            format: self.formats[index].name().to_string(),
            score: texty,
            runner_up: None,
            sampled: lines.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{TimeCtx, TimeParser};

    /// QA: one statement over 199 indented lines after its header made
    /// the file unreadable (no format read a tenth of its lines).
    #[test]
    fn a_long_statement_at_the_start_does_not_hide_the_format() {
        let mut text =
            "2026-12-04 00:00:00.000 UTC [1000] LOG:  duration: 0.000 ms  statement: SELECT *\n"
                .to_string();
        for i in 0..199 {
            text.push_str(&format!("    FROM items_{i}\n"));
        }
        let d = Registry::default().detect(&text).expect("detected");
        assert_eq!(d.format, "postgres-stderr");
    }

    /// QA: a SIGQUIT goroutine dump alone (no log line before it) was
    /// no known format: its hex arguments, file lines and registers are not
    /// words. Only the lines that could begin a record are weighed, and
    /// the dump is one record.
    #[test]
    fn a_goroutine_dump_alone_is_one_plain_record() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/traces/go-dump.log");
        let text = std::fs::read_to_string(path).unwrap();
        let dump = text.split_once('\n').unwrap().1;
        let reg = Registry::default();
        let d = reg.detect(dump).expect("detected");
        assert_eq!((d.format.as_str(), d.score), ("plain", 1));
        let log = frame(reg.get(d.index), dump.as_bytes(), &TimeCtx::default());
        assert_eq!(log.records.len(), 1);
        assert_eq!(log.records[0].head(), "SIGQUIT: quit");
        // Every non-blank line of the dump.
        let non_blank = dump.lines().filter(|l| !l.is_empty()).count();
        assert_eq!(
            (log.records[0].lines as usize, log.unparsed),
            (non_blank, 0)
        );
    }

    /// Every built-in sample is read by its own format, yields the fields
    /// it promises, and is detected as that format on its own.
    #[test]
    fn builtin_samples_yield_their_fields() {
        let reg = Registry::default();
        let ctx = TimeCtx {
            reference: Some("2026-12-20T00:00:00Z".parse().unwrap()),
            ..TimeCtx::default()
        };
        let mut checked = 0;
        for f in reg.formats() {
            for s in &f.def.samples {
                if let Err(why) = f.check_sample(s) {
                    panic!("{}: {}: {why}", f.name(), s.line);
                }
                // With the collection time as the year's reference too.
                if let (Some(want), Some(text)) = (&s.time, f.parse(&s.line).unwrap().time) {
                    let t = TimeParser::new().parse(&text, &ctx).expect(&text);
                    let want: jiff::Timestamp = want.parse().unwrap();
                    assert_eq!(t.ts, want, "{}: time of {}", f.name(), s.line);
                }
                let d = reg.detect(&s.line).expect("detected");
                assert_eq!(d.format, f.name(), "detection of {}", s.line);
                checked += 1;
            }
        }
        assert!(reg.formats().len() >= 40, "{} formats", reg.formats().len());
        assert!(checked >= 30, "{checked} samples");
    }

    #[test]
    fn user_format_without_msg_group_is_refused() {
        let def = FormatDef {
            name: "broken".into(),
            description: String::new(),
            regex: r"^(?P<time>\S+) .*$".into(),
            continuation_levels: vec![],
            samples: vec![],
        };
        let err = Registry::with_user_formats(vec![def]).err().unwrap();
        assert_eq!(err.to_string(), "format `broken`: regex has no `msg` group");
    }

    /// QA: samples of a user's format were never checked.
    #[test]
    fn user_format_samples_are_checked() {
        let def = |time: &str, line: &str| FormatDef {
            name: "myapp".into(),
            description: String::new(),
            regex: r"^(?P<time>\S+ \S+) (?P<level>[A-Z]+) (?P<msg>.*)$".into(),
            continuation_levels: vec![],
            samples: vec![SampleDef {
                line: line.into(),
                time: Some(time.into()),
                level: Some("error".into()),
                msg: "boom".into(),
            }],
        };
        let ok = def("2026-12-04T15:35:01Z", "2026-12-04 15:35:01 ERROR boom");
        assert!(Registry::with_user_formats(vec![ok.clone()]).is_ok());
        let cases = [
            (
                def("2026-12-04T16:35:01Z", "2026-12-04 15:35:01 ERROR boom"),
                "format `myapp`: sample 1 (`2026-12-04 15:35:01 ERROR boom`): the time \
                 `2026-12-04 15:35:01` reads as 2026-12-04T15:35:01Z, the sample says \
                 2026-12-04T16:35:01Z",
            ),
            (
                def("2026-12-04T15:35:01Z", "15:35:01 ERROR boom"),
                "format `myapp`: sample 1 (`15:35:01 ERROR boom`): the format does not read \
                 the line",
            ),
            (
                FormatDef {
                    samples: vec![],
                    ..ok.clone()
                },
                "format `myapp`: no sample line; give at least one real line and the \
                 fields it must yield",
            ),
            (
                FormatDef {
                    regex: r"^(?P<time>\S+ \S+ (?P<msg>.*)$".into(),
                    ..ok
                },
                "",
            ),
        ];
        for (d, want) in cases {
            let err = Registry::with_user_formats(vec![d])
                .err()
                .unwrap()
                .to_string();
            if want.is_empty() {
                // The error quotes the regex as written.
                assert!(err.contains(r"(?P<msg>.*)$"), "{err}");
            } else {
                assert_eq!(err, want);
            }
        }
    }
}
