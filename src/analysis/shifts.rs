//! New, gone and changed: signatures that appear only after a time, stop,
//! come and go, or change their rate, each with a rate test
//! ([`contrast::rate_test`]) comparing before and after its change point;
//! and log sources that go quiet before the rest of the bundle does.
//!
//! A signature's before and after are measured over the time its own
//! sources cover, so a log that starts late (rotated away, or a process
//! started midway) does not make every one of its signatures new.
//!
//! # Limitations
//! - One change point per signature: the appearance, the stop, or the
//!   single split that best separates two rates. A rate that changes twice
//!   (up, then back down) is called by its stronger change.
//! - Counts are taken as independent events (see [`contrast`]).

use super::contrast;
use super::explain::Timed;
use super::pipeline::{Item, Parsed};
use super::signatures::SigAgg;
use crate::model::Evidence as Ev;
use crate::report::model::SignatureShift;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

/// Fewer occurrences than this never make a shift.
const MIN_COUNT: usize = 3;

/// A rate change counts only at this factor or more (either way).
const MIN_FACTOR: f64 = 4.0;

/// A split's G must exceed the appearance's and the stop's by this factor
/// to name the change instead of them.
const SPLIT_BETTER: f64 = 1.5;

/// Before and after a change point, each side must cover at least this
/// share of the signature's covered time, and [`MIN_SIDE`]: three seconds
/// of silence at a log's start prove nothing.
const MIN_SIDE_SHARE: f64 = 0.05;
const MIN_SIDE: f64 = 30.0;

/// At most this many shifts are kept, problems first.
const MAX_SHIFTS: usize = 40;

/// A source is quiet when its silence before the logs' end is at least
/// this long and this many times its median gap.
const QUIET_MIN: SignedDuration = SignedDuration::from_mins(2);
const QUIET_GAPS: f64 = 20.0;

/// Names of rotated log files: `x.log.1`, `x.log-20261204`,
/// `x.log-20261204-1796398629` (logrotate's `dateext` with `%s`).
static ROTATED: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"(\.\d+|-\d{8}(-\d+)?)(\.gz)?$").unwrap());

/// A log file's format and the stream it belongs to, worked out once per
/// file rather than per record.
pub(crate) struct Source<'a> {
    pub format: &'a str,
    pub stream: &'a str,
}

/// Every log file of the bundle, by path.
pub(crate) fn sources(items: &[Item]) -> BTreeMap<&str, Source<'_>> {
    items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => Some((
                it.path.as_str(),
                Source {
                    format: log.format.as_str(),
                    stream: stream_of(&it.path),
                },
            )),
            _ => None,
        })
        .collect()
}

/// The log stream a file belongs to: its path without a rotation suffix.
pub(crate) fn stream_of(path: &str) -> &str {
    ROTATED.find(path).map_or(path, |m| &path[..m.start()])
}

/// The first and last timed record of each source.
pub(crate) fn coverage<'a>(records: &[Timed<'a>]) -> BTreeMap<&'a str, (Timestamp, Timestamp)> {
    let mut out: BTreeMap<&str, (Timestamp, Timestamp)> = BTreeMap::new();
    for r in records {
        let e = out.entry(r.source).or_insert((r.time, r.time));
        e.0 = e.0.min(r.time);
        e.1 = e.1.max(r.time);
    }
    out
}

fn secs(a: Timestamp, b: Timestamp) -> f64 {
    b.duration_since(a).as_secs_f64()
}

/// The three tests of one signature.
struct Tests {
    appear: contrast::RateTest,
    stop: contrast::RateTest,
    split: Option<(Timestamp, usize, contrast::RateTest)>,
}

fn tests(s: &SigAgg, (cs, ce): (Timestamp, Timestamp)) -> Tests {
    let t = &s.times;
    let n = t.len() as u64;
    let (first, last) = (t[0], t[t.len() - 1]);
    let min_side = MIN_SIDE.max(MIN_SIDE_SHARE * secs(cs, ce));
    let sides = |at: Timestamp| secs(cs, at) >= min_side && secs(at, ce) >= min_side;
    // A test whose sides are too short is one that cannot show a change.
    let none = contrast::rate_test(0, 1.0, 0, 1.0);
    let appear = if secs(cs, first) >= min_side {
        contrast::rate_test(0, secs(cs, first), n, secs(first, ce))
    } else {
        none.clone()
    };
    let stop = if secs(last, ce) >= min_side {
        contrast::rate_test(n, secs(cs, last), 0, secs(last, ce))
    } else {
        none
    };
    let split = (1..t.len())
        .filter(|&i| t[i] > t[i - 1] && sides(t[i]))
        .map(|i| {
            let r = contrast::rate_test(i as u64, secs(cs, t[i]), n - i as u64, secs(t[i], ce));
            (t[i], i, r)
        })
        .max_by(|a, b| a.2.g.total_cmp(&b.2.g).then(b.0.cmp(&a.0)));
    Tests {
        appear,
        stop,
        split,
    }
}

/// Signatures that appear, stop, come and go, or change rate, significant
/// at [`contrast::ALPHA`] after correction over every test made.
pub(crate) fn shifts(
    sigs: &[SigAgg],
    cover: &BTreeMap<&str, (Timestamp, Timestamp)>,
    is_problem: impl Fn(&SigAgg) -> bool,
) -> Vec<SignatureShift> {
    let tested: Vec<(&SigAgg, Tests)> = sigs
        .iter()
        .filter(|s| s.times.len() >= MIN_COUNT)
        .filter_map(|s| {
            let spans = s
                .row
                .sources
                .iter()
                .filter_map(|(p, _)| cover.get(p.as_str()));
            let cs = spans.clone().map(|c| c.0).min()?;
            let ce = spans.map(|c| c.1).max()?;
            Some((s, tests(s, (cs, ce))))
        })
        .collect();
    let mut p = Vec::new();
    for (_, t) in &tested {
        p.push(t.appear.p_value);
        p.push(t.stop.p_value);
        p.push(t.split.as_ref().map_or(1.0, |x| x.2.p_value));
    }
    let q = contrast::adjust(&p);
    let mut out: Vec<SignatureShift> = tested
        .iter()
        .enumerate()
        .filter_map(|(i, (s, t))| classify(s, t, [q[3 * i], q[3 * i + 1], q[3 * i + 2]]))
        .map(|mut x| {
            x.problem = is_problem(sigs.iter().find(|s| s.row.id == x.signature).unwrap());
            x
        })
        .collect();
    out.sort_by(|a, b| {
        b.problem
            .cmp(&a.problem)
            .then(a.p_value.total_cmp(&b.p_value))
            .then_with(|| a.signature.cmp(&b.signature))
    });
    out.truncate(MAX_SHIFTS);
    out
}

fn classify(s: &SigAgg, t: &Tests, [qa, qs, qx]: [f64; 3]) -> Option<SignatureShift> {
    let n = s.times.len() as u64;
    let (first, last) = (s.times[0], s.times[s.times.len() - 1]);
    let sig = |r: &contrast::RateTest, q: f64| r.class(q) != contrast::RateChange::Same;
    let shift = |change, at, until, r: &contrast::RateTest, before, q: f64| SignatureShift {
        signature: s.row.id.clone(),
        template: crate::model::excerpt(&s.row.template, 160),
        change,
        at,
        until,
        before,
        after: n - before,
        before_per_hour: round(r.baseline_per_hour),
        after_per_hour: round(r.incident_per_hour),
        p_value: q,
        problem: false,
        causes: Vec::new(),
    };
    // A split that separates the rates far better than the first or last
    // occurrence does (one early occurrence, then a burst) names the
    // change.
    if let Some((at, i, r)) = &t.split {
        let strong = r.ratio >= MIN_FACTOR || r.ratio <= 1.0 / MIN_FACTOR;
        let better = r.g > SPLIT_BETTER * t.appear.g.max(t.stop.g);
        let change = match r.class(qx) {
            contrast::RateChange::Up => Some("up"),
            contrast::RateChange::Down => Some("down"),
            _ => None,
        };
        if let (Some(change), true, true) = (change, strong, better) {
            return Some(shift(change, *at, None, r, *i as u64, qx));
        }
    }
    match (sig(&t.appear, qa), sig(&t.stop, qs)) {
        (true, true) => Some(shift(
            "transient",
            first,
            Some(last),
            &t.appear,
            0,
            qa.max(qs),
        )),
        (true, false) => Some(shift("new", first, None, &t.appear, 0, qa)),
        (false, true) => Some(shift("gone", last, None, &t.stop, n, qs)),
        (false, false) => {
            let (at, i, r) = t.split.as_ref()?;
            let strong = r.ratio >= MIN_FACTOR || r.ratio <= 1.0 / MIN_FACTOR;
            let change = match r.class(qx) {
                contrast::RateChange::Up => "up",
                contrast::RateChange::Down => "down",
                _ => return None,
            };
            strong.then(|| shift(change, *at, None, r, *i as u64, qx))
        }
    }
}

fn round(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Log sources that stop writing well before the bundle's logs end:
/// (title, time of the last record, host, the last record as evidence).
pub(crate) fn quiet_sources(items: &[Item]) -> Vec<(String, Timestamp, String, Ev)> {
    let logs: Vec<(&Item, &crate::logs::LogFile)> = items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => Some((it, log)),
            _ => None,
        })
        .collect();
    let Some(end) = logs
        .iter()
        .flat_map(|(_, l)| l.records.iter().filter_map(|r| r.time))
        .max()
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (it, log) in logs {
        // A rotated file (`access.log.1`) hands over to its successor.
        if ROTATED.is_match(&it.path) {
            continue;
        }
        let mut times: Vec<Timestamp> = log.records.iter().filter_map(|r| r.time).collect();
        if times.len() < 20 {
            continue;
        }
        times.sort();
        let mut gaps: Vec<f64> = times.windows(2).map(|w| secs(w[0], w[1])).collect();
        gaps.sort_by(f64::total_cmp);
        let median = gaps[gaps.len() / 2];
        let last = times[times.len() - 1];
        let silence = secs(last, end);
        if silence < QUIET_MIN.as_secs_f64() || silence < QUIET_GAPS * median {
            continue;
        }
        let Some(rec) = log.records.iter().rev().find(|r| r.time == Some(last)) else {
            continue;
        };
        let title = format!(
            "{} stops logging at {} UTC, {:.0} s before the logs end (a record every {:.1} s \
             before, at the median)",
            it.path,
            last.strftime("%Y-%m-%d %H:%M:%S"),
            silence,
            median
        );
        let host = rec.host.clone().unwrap_or_else(|| it.host.clone());
        let ev = Ev {
            path: it.path.clone(),
            line: Some(rec.line),
            time: Some(last),
            excerpt: crate::model::excerpt(rec.head(), 240),
        };
        out.push((title, last, host, ev));
    }
    out
}
