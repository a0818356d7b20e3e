//! The evidence model shared by every stage: what parsers produce and what
//! the analysis and the report consume.
//!
//! Parsers turn files into three kinds of evidence: log [`Record`](crate::logs::Record)s, usage
//! [`Sample`]s (system snapshots and Postgres statistics) and dependency
//! changes (see [`crate::deps`]). The analysis turns evidence into ranked
//! [`Finding`]s, each pointing at its [`Evidence`].

use jiff::Timestamp;
use serde::Serialize;

/// How bad a log record says it is, normalised across formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Trace,
    Debug,
    #[default]
    Info,
    Notice,
    Warn,
    Error,
    Fatal,
}

/// Whether `w` is a non-negative JSON number: digits, an optional
/// fraction, an optional exponent.
fn plain_number(w: &str) -> bool {
    let b = w.as_bytes();
    let digits = |i: usize| i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = digits(0);
    if i == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        let j = digits(i + 1);
        if j == i + 1 {
            return false;
        }
        i = j;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let j = digits(i);
        if j == i {
            return false;
        }
        i = j;
    }
    i == b.len()
}

impl Severity {
    /// Reads the level words and numbers that common loggers print
    /// (syslog names, pino/bunyan numbers, Postgres and Redis words).
    pub fn parse(word: &str) -> Option<Severity> {
        // The words most logs print, as they print them, before the
        // general path (which reads them the same).
        match word {
            "INFO" | "info" | "LOG" | "30" => Some(Severity::Info),
            "WARN" | "warn" | "WARNING" => Some(Severity::Warn),
            "ERROR" | "error" => Some(Severity::Error),
            "DEBUG" | "debug" => Some(Severity::Debug),
            "FATAL" | "fatal" => Some(Severity::Fatal),
            _ => Severity::parse_any(word),
        }
    }

    /// A pino or bunyan numeric level, as [`Severity::parse`] reads its
    /// digits.
    pub fn from_number(n: u32) -> Severity {
        match n {
            0..=10 => Severity::Trace,
            11..=20 => Severity::Debug,
            21..=30 => Severity::Info,
            31..=40 => Severity::Warn,
            41..=50 => Severity::Error,
            _ => Severity::Fatal,
        }
    }

    /// [`Severity::parse`] by the general path: trimmed, numbers,
    /// Redis's marks, then words in any case.
    fn parse_any(word: &str) -> Option<Severity> {
        let w = word
            .trim()
            .trim_matches(|c| c == '[' || c == ']' || c == ':');
        // pino and bunyan numeric levels; one written as a decimal or
        // with an exponent (`50.0`, `1e10`: JSON encoders write numbers
        // so) reads as the whole number at or above it, so that `30.5` is
        // above info, and one past u32 as the highest.
        let number = match w.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) if plain_number(w) => w
                .parse::<f64>()
                .ok()
                .map(|x| x.ceil().min(u32::MAX as f64) as u32),
            Err(_) => None,
        };
        if let Some(n) = number {
            return Some(Severity::from_number(n));
        }
        // Redis marks levels with one character.
        match w {
            "#" => return Some(Severity::Warn),
            "*" => return Some(Severity::Info),
            "-" | "." => return Some(Severity::Debug),
            _ => {}
        }
        // Lower-cased on the stack: every known word is short.
        let mut buf = [0u8; 16];
        let lower = buf.get_mut(..w.len())?;
        lower.copy_from_slice(w.as_bytes());
        lower.make_ascii_lowercase();
        let lower = std::str::from_utf8(lower).ok()?;
        Some(match lower {
            // Four-letter and three-letter forms: log15 and Grafana
            // (`dbug`, `eror`), Serilog and zerolog's console (`VRB`,
            // `DBG`, `FTL`, `TRC`).
            "trace" | "finest" | "finer" | "trc" | "vrb" => Severity::Trace,
            "debug" | "debug1" | "debug2" | "debug3" | "debug4" | "debug5" | "fine" | "verbose"
            | "d" | "dbug" | "dbg" => Severity::Debug,
            "info" | "information" | "informational" | "log" | "statement" | "config" | "i"
            | "inf" => Severity::Info,
            "notice" | "note" => Severity::Notice,
            "warn" | "warning" | "w" | "wrn" => Severity::Warn,
            "error" | "err" | "severe" | "e" | "failure" | "fail" | "erro" | "eror" => {
                Severity::Error
            }
            "fatal" | "panic" | "crit" | "critical" | "alert" | "emerg" | "emergency" | "f"
            | "ftl" => Severity::Fatal,
            _ => return None,
        })
    }

    pub fn is_problem(self) -> bool {
        self >= Severity::Warn
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Trace => "trace",
            Severity::Debug => "debug",
            Severity::Info => "info",
            Severity::Notice => "notice",
            Severity::Warn => "warn",
            Severity::Error => "error",
            Severity::Fatal => "fatal",
        }
    }
}

/// The outside-in tiers a finding or a signature belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Web and worker processes of the application.
    Application,
    /// Postgres, Redis and other stores the application owns.
    Data,
    /// Remote sources and destinations: other databases, SaaS APIs.
    SourcesDestinations,
    /// Load balancers, DNS, firewalls, permissions.
    Networking,
    /// The host itself: memory, disk, CPU, kernel.
    System,
    /// Packages and runtimes.
    Dependencies,
    Unknown,
}

impl Tier {
    pub fn title(self) -> &'static str {
        match self {
            Tier::Application => "Application",
            Tier::Data => "Data",
            Tier::SourcesDestinations => "Sources and destinations",
            Tier::Networking => "Networking",
            Tier::System => "System",
            Tier::Dependencies => "Dependencies",
            Tier::Unknown => "Unclassified",
        }
    }
}

/// Where a snapshot's time came from, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeSource {
    /// The file's content carries its own time.
    Content,
    /// Taken from the file's or a parent folder's name.
    Path,
    /// The archive entry's or file's modification time.
    Mtime,
    /// Seconds since boot (dmesg) added to the host's boot time as the
    /// bundle gives it (`/proc/stat` btime, `uptime -s`, ...).
    BootTime,
}

/// One measured value at one time: a usage snapshot figure or a Postgres
/// statistic.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sample {
    pub time: Timestamp,
    pub host: String,
    /// Dotted name, e.g. `mem.used_bytes`, `proc.rss_bytes`,
    /// `pg.db.xact_commit`.
    pub metric: String,
    /// Extra dimensions (`pid`, `command`, `mount`, `table`, ...), sorted.
    pub labels: Vec<(String, String)>,
    pub value: f64,
    /// The file it came from.
    pub source: String,
    pub time_source: TimeSource,
}

impl Sample {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A pointer at the evidence behind a finding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evidence {
    /// Path of the file inside the bundle.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Line number (1-based) of the record's first line.
    pub line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Time of the record or snapshot.
    pub time: Option<Timestamp>,
    /// A short excerpt, at most a few hundred characters.
    pub excerpt: String,
}

/// One conclusion of the analysis, ranked by `score` (higher first).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    /// Stable machine name of the check that produced it, e.g.
    /// `pg.too_many_clients`.
    pub kind: String,
    /// The tier it speaks for.
    pub tier: Tier,
    /// One line: what went wrong, how often, when.
    pub title: String,
    /// The explanation: what the evidence shows and the candidate
    /// causes that precede it.
    pub detail: String,
    /// Weight for ranking, higher first; a heuristic, not a
    /// probability.
    pub score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// When it started: the first evidence with a time.
    pub time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// When it ended: the last evidence with a time.
    pub end: Option<Timestamp>,
    /// The log lines and snapshots it rests on.
    pub evidence: Vec<Evidence>,
}

/// A problem with one input file, kept for the inventory.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileIssue {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    pub message: String,
}

impl std::fmt::Display for FileIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.path, l, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// `n` and the noun in its number: `1 change`, `2 changes`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `s` with a leading `'` when a spreadsheet opening a CSV would run it
/// as a formula: it begins with `=`, `+`, `-`, `@`, a tab or a carriage
/// return (OWASP's list for CSV injection). Negative numbers are kept.
pub fn defuse_formula(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    // `-inf` and `-NaN` parse, but a spreadsheet reads them as formulas.
    if risky && !s.parse::<f64>().is_ok_and(f64::is_finite) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Truncates `s` to at most `max` characters on a char boundary, marking
/// the cut with an ellipsis.
pub fn excerpt(s: &str, max: usize) -> String {
    let s = s.trim_end();
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push('…');
    out
}

/// A window where a series rose far above its own baseline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Spike {
    /// Metric name, or `signature:<id>` for a signature's rate.
    pub metric: String,
    /// Host the series was measured on.
    pub host: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    /// Extra dimensions of the series (`mount`, `query`, ...), as
    /// key-value pairs.
    pub labels: Vec<(String, String)>,
    /// First point of the window.
    pub start: Timestamp,
    /// Last point of the window.
    pub end: Timestamp,
    /// Median of the series outside the window.
    pub baseline: f64,
    /// Highest value in the window.
    pub peak: f64,
    /// When the peak was measured.
    pub peak_time: Timestamp,
    /// How many robust deviations (MAD units) the peak stands above the
    /// baseline.
    pub score: f64,
    /// The file (or `access logs`) the series came from.
    pub source: String,
}

#[cfg(test)]
mod tests {
    use super::Severity;

    #[test]
    fn formulas_are_defused_numbers_kept() {
        use super::defuse_formula;
        assert_eq!(defuse_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse_formula("+1+cmd"), "'+1+cmd");
        assert_eq!(defuse_formula("-12.5"), "-12.5");
        assert_eq!(defuse_formula("-inf"), "'-inf");
        assert_eq!(defuse_formula("-NaN"), "'-NaN");
        assert_eq!(defuse_formula("GET /x"), "GET /x");
    }

    /// The common words read before the general path read as it reads
    /// them.
    #[test]
    fn common_level_words_read_as_the_general_path_reads_them() {
        let words = [
            "INFO", "info", "LOG", "30", "WARN", "warn", "WARNING", "ERROR", "error", "DEBUG",
            "debug", "FATAL", "fatal",
        ];
        for w in words {
            assert!(Severity::parse(w).is_some(), "{w}");
            assert_eq!(Severity::parse(w), Severity::parse_any(w), "{w}");
        }
        assert_eq!(Severity::parse("[Warning]:"), Some(Severity::Warn));
        assert_eq!(Severity::parse("CRIT"), Some(Severity::Fatal));
        assert_eq!(Severity::parse("INFOS"), None);
    }

    /// QA: Grafana's (log15's) `lvl=eror` and `lvl=dbug` read as no
    /// level; Serilog's short forms too.
    #[test]
    fn short_level_words() {
        for (w, s) in [
            ("eror", Severity::Error),
            ("dbug", Severity::Debug),
            ("DBG", Severity::Debug),
            ("VRB", Severity::Trace),
            ("TRC", Severity::Trace),
            ("FTL", Severity::Fatal),
            ("WRN", Severity::Warn),
            ("INF", Severity::Info),
        ] {
            assert_eq!(Severity::parse(w), Some(s), "{w}");
        }
    }

    /// QA: a pino level written as a decimal (`50.0`) read as no level,
    /// so the record fell to info. It reads as the whole number at or
    /// above it; what is not a plain decimal stays unread.
    #[test]
    fn numeric_levels_written_as_decimals() {
        assert_eq!(Severity::parse("50.0"), Some(Severity::Error));
        assert_eq!(Severity::parse("30.0"), Some(Severity::Info));
        assert_eq!(Severity::parse("30.5"), Some(Severity::Warn));
        assert_eq!(Severity::parse("60.0"), Some(Severity::Fatal));
        // QA: the same number written otherwise reads the same.
        for (a, b) in [
            ("1e10", "10000000000"),
            ("4294967296.0", "4294967296"),
            ("1e-10", "1e-5"),
        ] {
            assert_eq!(Severity::parse(a), Severity::parse(b), "{a} {b}");
        }
        assert_eq!(Severity::parse("10000000000"), Some(Severity::Fatal));
        assert_eq!(Severity::parse("1e-10"), Some(Severity::Trace));
        assert_eq!(Severity::parse("4.5E1"), Some(Severity::Error));
        for w in ["50.", ".5", "5.0.1", "-50.0", "NaN", "1e", "e5", "1e+"] {
            assert_eq!(Severity::parse(w), None, "{w}");
        }
    }
}
