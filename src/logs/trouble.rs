//! Severity from words that mean trouble, for lines whose format carries
//! no level: one message at a time ([`infer_severity`]), or from the marks
//! of a stretch of lines found once ([`TroubleWindow`], what framing asks).

use crate::model::Severity;

/// Words that mean trouble, by the severity they give, most severe first;
/// matched without regard to ASCII case.
const TROUBLE_WORDS: [(Severity, &[&str]); 3] = [
    (
        Severity::Fatal,
        &["panic", "fatal", "out of memory", "oom-kill", "segfault"],
    ),
    (
        Severity::Error,
        &[
            "error",
            "fail",
            "refused",
            "denied",
            "exception",
            "killed",
            "timed out",
            "timeout",
            "unreachable",
            "abort",
            "could not",
            "cannot",
            "unable to",
        ],
    ),
    (Severity::Warn, &["warn"]),
];

/// [`TROUBLE_WORDS`] as searchers of literals run over the message
/// lower-cased (ASCII), by the least severity still worth finding: all
/// the words, then those above warn, then the fatal ones alone. A search
/// begins with all of them; where it finds a word it goes on from the
/// byte after the word's start (so that no word is hidden inside another
/// one found, as in `timed out of memory`) with the words more severe than
/// the worst found, and stops at a fatal one. At each place the most
/// severe word that starts there is the one found. SIMD literal search
/// (Teddy) in place of one regex per severity: those took 37% of an
/// OpenSSH file's framing time (perf, 2026-12-05). `None` where the
/// CPU has no vector search: the regexes then.
static TROUBLE: std::sync::LazyLock<Option<[Trouble; 3]>> = std::sync::LazyLock::new(|| {
    let above = |least: Severity| -> Option<Trouble> {
        let mut builder = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
            .builder();
        let mut severities = Vec::new();
        for (sev, words) in TROUBLE_WORDS.iter().filter(|(sev, _)| *sev >= least) {
            for w in *words {
                builder.add(w);
                severities.push(*sev);
            }
        }
        let searcher = builder.build().filter(|s| s.minimum_len() <= PAD)?;
        Some(Trouble {
            searcher,
            severities,
        })
    };
    Some([
        above(Severity::Warn)?,
        above(Severity::Error)?,
        above(Severity::Fatal)?,
    ])
});

/// A searcher of some of [`TROUBLE_WORDS`], with the severity of each.
struct Trouble {
    searcher: aho_corasick::packed::Searcher,
    severities: Vec<Severity>,
}

/// [`TROUBLE_WORDS`] as one regex per severity, for a CPU without the
/// vector search of [`TROUBLE`].
static TROUBLE_REGEXES: std::sync::LazyLock<Vec<(Severity, regex::bytes::Regex)>> =
    std::sync::LazyLock::new(|| trouble_regexes(""));

/// One regex per severity of [`TROUBLE_WORDS`], with `flags` (`i` for
/// case-insensitive).
fn trouble_regexes(flags: &str) -> Vec<(Severity, regex::bytes::Regex)> {
    TROUBLE_WORDS
        .iter()
        .map(|(sev, words)| {
            let alt: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
            let re = regex::bytes::Regex::new(&format!("(?{flags}-u){}", alt.join("|")));
            (*sev, re.expect("literal words"))
        })
        .collect()
}

thread_local! {
    /// The message lower-cased, reused from one message to the next.
    static LOWER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Zero bytes after the lower-cased message: the vector search reads at
/// least its minimum length from any place, and no word holds a zero byte,
/// so none is found in them.
const PAD: usize = 64;

/// Severity for formats that carry no level: words that mean trouble,
/// without regard to ASCII case; the most severe wins.
///
/// Framing asks a [`TroubleWindow`] instead, which searches a block of
/// lines at once and comes here only for messages that are not slices of
/// it (joined, repaired or composed ones).
///
/// # Limitations
/// - Most syslog messages are short, and the vector search has a cost
///   per call that they do not repay: searched one by one, the words took
///   more than a quarter of an OpenSSH file's framing time (perf, one
///   thread, 2026-12-05: the literal search 18%, the lower-cased copy and
///   the loop around it 10%). Searched a block at a time, they take 18%
///   (the literal search 13%, the lower-cased copy and the marks 5%),
///   the headers' bytes searched too. The block copied and lower-cased in
///   one pass rather than two: 5% fewer instructions for the whole
///   framing of 200,000 OpenSSH lines (callgrind, 440 -> 418 million).
/// - A stretch's search begins again after each word found, from the byte
///   after its start: a call and its set-up a word. Of the first 200,000
///   OpenSSH lines of the bench set, 111,900 hold `fail` (and 4,700
///   `error`, 100 `fatal`, no other word), so the literal search is
///   called about once every 200 bytes: 20.5% of that file's framing time
///   (perf, one thread, 2026-12-05 21:05 UTC), its hottest part the check
///   of the words it found; the stretch's lower-cased copy 9.3%, most of
///   it the first read of the bytes from memory (no UTF-8 pass reads them
///   before any more), the marks walked 2.8%. One automaton over the
///   stretch with overlapping matches makes no call a word, but steps a
///   byte at a time, each waiting on the one before: aho-corasick's DFA
///   with `find_overlapping_iter` (marks sorted by start) took OpenSSH's
///   framing to 301 ms against 126 (one thread, task-clock, least of 5,
///   2026-12-05 22:09 UTC, load 1.5); not kept.
pub fn infer_severity(msg: &str) -> Severity {
    /// Messages up to this long are lower-cased on the stack.
    const SHORT: usize = 256;
    let len = msg.len();
    if len <= SHORT {
        let mut buf = [0u8; SHORT + PAD];
        buf[..len].copy_from_slice(msg.as_bytes());
        buf[..len].make_ascii_lowercase();
        return trouble_in(&buf[..len + PAD], len);
    }
    LOWER.with_borrow_mut(|lower| {
        lower.clear();
        lower.extend_from_slice(msg.as_bytes());
        lower.make_ascii_lowercase();
        lower.resize(len + PAD, 0);
        trouble_in(lower, len)
    })
}

/// The severity of the most severe of [`TROUBLE_WORDS`] in the first `len`
/// bytes of `lower`, which has [`PAD`] zero bytes after them.
fn trouble_in(lower: &[u8], len: usize) -> Severity {
    let Some(searchers) = &*TROUBLE else {
        return TROUBLE_REGEXES
            .iter()
            .find(|(_, re)| re.is_match(&lower[..len]))
            .map_or(Severity::Info, |(sev, _)| *sev);
    };
    let mut worst = Severity::Info;
    let mut from = 0;
    while from < len {
        let t = match worst {
            Severity::Warn => &searchers[1],
            Severity::Error => &searchers[2],
            _ => &searchers[0],
        };
        // Never shorter than the vector search reads, the zeros included.
        let end = len.max(from + t.searcher.minimum_len());
        let Some(m) = t
            .searcher
            .find_in(lower, aho_corasick::Span::from(from..end))
        else {
            break;
        };
        worst = t.severities[m.pattern().as_usize()];
        if worst == Severity::Fatal {
            break;
        }
        from = m.start() + 1;
    }
    worst
}

/// The words that mean trouble in the messages of a piece of a file being
/// framed, found a stretch of about [`STRETCH`] bytes at a time (from the
/// first message asked to a separator) for all the messages borrowed
/// from it, in place of one search per message: most messages are short,
/// and the vector search has a cost per call that they do not repay. A
/// message answers from the places where words start within it; one that
/// is not a slice of the piece, or where a word runs past its end (and
/// could hide a shorter one that does not), is searched alone.
#[derive(Default)]
pub(super) struct TroubleWindow<'a> {
    /// The piece, which messages are borrowed from. Its bytes need not
    /// all be UTF-8: the words are ASCII, so a word found in a message
    /// that is a slice of it is found in the message alone.
    piece: &'a [u8],
    /// The separator its lines are cut at.
    sep: u8,
    /// Where the stretch searched begins in the piece, and ends.
    from: usize,
    to: usize,
    /// Whether `marks` were found for a stretch.
    found: bool,
    /// The stretch lower-cased (ASCII), then [`PAD`] zero bytes.
    lower: Vec<u8>,
    /// Each place in the stretch where one of the words starts, in order,
    /// with the most severe word that starts there.
    marks: Vec<Mark>,
    /// The first mark at or after the last message asked: messages come
    /// in order, so the marks are walked rather than searched.
    next: usize,
}

/// Bytes searched at once by a [`TroubleWindow`], from a message on, up
/// to the next separator: small enough to be read again from the cache,
/// where the lines were just read.
const STRETCH: usize = 64 << 10;

/// Longest stretch a [`TroubleWindow`] lower-cases and searches whole. A
/// longer one holds a line longer than [`STRETCH`] (one of 100 MB, say),
/// whose message is cut at 64 KiB anyway: its messages are searched
/// alone, so that the copy stays small (a 100 MB syslog line took 87 MB
/// more at its peak when the whole line was copied).
const WINDOW_MAX: usize = 1 << 20;

/// Where one of [`TROUBLE_WORDS`] was found in a [`TroubleWindow`].
#[derive(Clone, Copy)]
struct Mark {
    start: u32,
    end: u32,
    severity: Severity,
}

impl<'a> TroubleWindow<'a> {
    /// The window over `piece`, whose lines are cut at `sep`; nothing is
    /// searched before a message is asked.
    pub(super) fn new(piece: &'a [u8], sep: u8) -> Self {
        TroubleWindow {
            piece,
            sep,
            ..TroubleWindow::default()
        }
    }

    /// [`infer_severity`] of `msg`.
    pub(super) fn severity(&mut self, msg: &str) -> Severity {
        self.of_slice(msg).unwrap_or_else(|| infer_severity(msg))
    }

    /// The severity of `msg` from the marks, where it is a slice of the
    /// piece and no word found in it runs past its end.
    fn of_slice(&mut self, msg: &str) -> Option<Severity> {
        let start = (msg.as_ptr() as usize).checked_sub(self.piece.as_ptr() as usize)?;
        let end = start + msg.len();
        if end > self.piece.len() {
            return None;
        }
        if !self.found || start < self.from || end > self.to {
            self.find_from(start, end)?;
        }
        let (start, end) = (start - self.from, end - self.from);
        let marks = &self.marks;
        let mut first = self.next;
        if first > 0 && marks[first - 1].start as usize >= start {
            // A message before the last one asked.
            first = marks.partition_point(|m| (m.start as usize) < start);
        }
        while marks.get(first).is_some_and(|m| (m.start as usize) < start) {
            first += 1;
        }
        self.next = first;
        let mut worst = Severity::Info;
        for m in marks[first..].iter() {
            if m.start as usize >= end {
                break;
            }
            if m.end as usize > end {
                return None;
            }
            worst = worst.max(m.severity);
        }
        Some(worst)
    }

    /// Searches the stretch that begins with the message `start..end` of
    /// the piece; `None` where it would be longer than [`WINDOW_MAX`].
    #[inline(never)]
    fn find_from(&mut self, start: usize, end: usize) -> Option<()> {
        let len = self.piece.len();
        let at = (start + STRETCH).max(end);
        let to = match at < len {
            true => memchr::memchr(self.sep, &self.piece[at..]).map_or(len, |i| at + i),
            false => len,
        };
        let t = &TROUBLE.as_ref()?[0];
        if to - start > WINDOW_MAX {
            return None;
        }
        (self.from, self.to) = (start, to);
        self.find(t);
        Some(())
    }

    /// Finds the marks of the stretch with `t`, which has every word, most
    /// severe first: at each place where words start, the one found is
    /// the most severe of them.
    fn find(&mut self, t: &Trouble) {
        self.found = true;
        self.marks.clear();
        self.next = 0;
        let text = &self.piece[self.from..self.to];
        let len = text.len();
        // Copied and lower-cased in one pass (a copy, then lower-casing it
        // in place, read and wrote the stretch twice).
        self.lower.clear();
        let lower = text.iter().map(|b| b.to_ascii_lowercase());
        self.lower.extend(lower);
        self.lower.resize(len + PAD, 0);
        let mut from = 0;
        while from < len {
            // Never shorter than the vector search reads, the zeros included.
            let end = len.max(from + t.searcher.minimum_len());
            let span = aho_corasick::Span::from(from..end);
            let Some(m) = t.searcher.find_in(&self.lower, span) else {
                break;
            };
            self.marks.push(Mark {
                start: m.start() as u32,
                end: m.end() as u32,
                severity: t.severities[m.pattern().as_usize()],
            });
            from = m.start() + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Matching lower-cased text gives what case-insensitive regexes give,
    /// on the corpus lines and on words in odd case.
    #[test]
    fn infer_severity_as_case_insensitive_regexes() {
        let regexes = trouble_regexes("i");
        let by_regex = |m: &str| {
            regexes
                .iter()
                .find(|(_, re)| re.is_match(m.as_bytes()))
                .map_or(Severity::Info, |(sev, _)| *sev)
        };
        let mut lines = crate::logs::corpus::real_lines();
        let odd = [
            "TIMED OUT of Memory",
            "a Timeout of memory",
            "refusedeniedfailwarn",
            "oOm-KiLl",
            "SegFault",
            "wärN",
            "ÉRROR",
            "",
        ];
        lines.extend(odd.map(String::from));
        // Past the messages lower-cased on the stack, and words at the ends.
        for word in ["oom-kill", "Unable To", "warn", "x"] {
            for len in [0, 1, 40, 255, 256, 257, 600] {
                lines.push(format!("{word}{}", "timed ou".repeat(len / 8)));
                lines.push(format!("{}{word}", "a fai".repeat(len / 5)));
            }
        }
        let mut seen = std::collections::BTreeMap::new();
        for l in &lines {
            let got = infer_severity(l);
            assert_eq!(got, by_regex(l), "{l:?}");
            *seen.entry(got).or_insert(0) += 1;
        }
        assert_eq!(seen.len(), 4, "{seen:?}");
    }

    /// Severities read from the marks of the stretches of a piece of many
    /// lines are those of a search of each message alone: whole lines,
    /// their tails, slices that end inside a word, messages asked out of
    /// order, and text that is not from the piece.
    #[test]
    fn trouble_window_as_one_message_at_a_time() {
        let mut lines = crate::logs::corpus::real_lines();
        lines.extend(["TIMED OUT of Memory", "x oOm-KiLl", "", "warn", "Fail"].map(String::from));
        let piece = lines.join("\n");
        assert!(piece.len() > 10 * STRETCH, "{} bytes", piece.len());
        let mut window = TroubleWindow::new(piece.as_bytes(), b'\n');
        let (mut at, mut cases, mut stretches) = (0, 0, 0);
        for l in &lines {
            let line = &piece[at..at + l.len()];
            at += l.len() + 1;
            for cut in [0, 1, 5, 12, line.len() / 3, line.len() / 2] {
                let from = line.floor_char_boundary(cut.min(line.len()));
                let to = line.floor_char_boundary(line.len().saturating_sub(cut));
                for msg in [line, &line[from..], &line[..to.max(from)][from..]] {
                    let before = (window.from, window.found);
                    assert_eq!(window.severity(msg), infer_severity(msg), "{msg:?}");
                    stretches += ((window.from, window.found) != before) as usize;
                    cases += 1;
                }
            }
        }
        assert!(stretches > 10 && cases > 10_000, "{stretches} {cases}");
        let apart = String::from("a fatal error");
        assert_eq!(window.severity(&apart), Severity::Fatal);
    }

    /// A stretch longer than [`WINDOW_MAX`] (one very long line) is not
    /// copied: its messages are searched alone.
    #[test]
    fn trouble_window_leaves_a_long_line_to_its_message() {
        let line = format!("{} timed out", "x".repeat(WINDOW_MAX));
        let mut window = TroubleWindow::new(line.as_bytes(), b'\n');
        assert_eq!(window.severity(&line[..100]), Severity::Info);
        assert!(!window.found && window.lower.capacity() == 0);
        // The line's tail alone is a short stretch.
        let msg = &line[line.len() - 20..];
        assert_eq!(window.severity(msg), Severity::Error);
        assert!(window.found && window.lower.capacity() < 1024);
    }
}
