//! `diff`: what changed between a baseline and an incident, two bundles
//! or two time windows of one. Signatures new, gone and changed in rate
//! (a rate test with each side's covered time as exposure, adjusted
//! across signatures), usage deltas (peaks and lows of memory, disk,
//! load), dependency changes (the deps layer's diff of the two sides'
//! lockfiles), Postgres statistics (query rates and times, connections,
//! settings: [`postgres`]) and configuration file changes (a line diff,
//! redacted).
//!
//! # Limitations
//! - Two windows of one bundle share its files: configuration files are
//!   not compared, and dependency changes are those the bundle's own
//!   snapshots place between the baseline's start and the incident's end
//!   (changes without a time are counted, not listed).
//! - Signature ids come from templates mined on each side separately; a
//!   template mined more coarsely on one side shows as gone there and new
//!   on the other.
//! - Files are paired by path inside the bundle, after the top folder
//!   shared by all entries (`sb_host_date/`) is taken off; a renamed file
//!   is one removed and one added.
//! - Configuration files over 4,000 lines are reported as changed without
//!   a line diff.

mod lines;
pub mod postgres;
mod render;

use crate::analysis::contrast::{self, RateChange};
use crate::analysis::{self, Config, Window};
use crate::bundle::{self, Bundle};
use crate::model::Sample;
use crate::redact::Redactor;
use crate::report::Report;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

pub use render::markdown;

/// One side of the comparison as the diff describes it.
#[derive(Debug, Clone, Serialize)]
pub struct SideInfo {
    pub label: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// The exposure used for rates: the window's length, or the time the
    /// bundle's records span; none when no record has a time.
    pub covered_secs: Option<f64>,
    pub records: u64,
    pub signatures: usize,
    /// Files of the side that were recognised (not skipped).
    pub files_read: usize,
}

/// A signature whose rate changed, or that is new or gone.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureChange {
    pub id: String,
    pub template: String,
    pub tier: String,
    pub severity: String,
    pub change: RateChange,
    pub baseline: u64,
    pub incident: u64,
    pub baseline_per_hour: f64,
    pub incident_per_hour: f64,
    /// Incident rate over baseline rate (both smoothed by half a count).
    pub ratio: f64,
    pub p_value: f64,
    /// Benjamini–Hochberg adjusted across all signatures of the diff.
    pub q_value: f64,
}

/// A usage figure on both sides.
#[derive(Debug, Clone, Serialize)]
pub struct UsageDelta {
    pub metric: String,
    pub host: String,
    /// The hosts of the figure on each side (`a → b` when they differ).
    /// `mount=/` and the like, when the metric has one.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub labels: String,
    /// `peak` (highest) or `low` (lowest, for free and available figures).
    pub stat: &'static str,
    pub baseline: Option<f64>,
    pub incident: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<f64>,
}

/// A configuration file that differs.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigChange {
    /// Path inside the bundle, top folder taken off.
    pub path: String,
    /// `added`, `removed` or `changed`.
    pub kind: &'static str,
    /// Changed lines, `-N: text` (baseline line N) and `+N: text`
    /// (incident line N), redacted.
    pub lines: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Everything `diff` found.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub baseline: SideInfo,
    pub incident: SideInfo,
    /// What makes the comparison less than it seems: a window outside the
    /// bundle's logs, windows that overlap.
    pub notes: Vec<String>,
    /// New, gone, up and down, most significant first.
    pub signatures: Vec<SignatureChange>,
    /// Signatures seen on either side whose rate did not change
    /// significantly.
    pub unchanged_signatures: usize,
    pub usage: Vec<UsageDelta>,
    pub dependencies: Vec<crate::deps::Change>,
    /// Dependency files that are on one side only, or could not be read.
    pub dependency_notes: Vec<String>,
    pub configs: Vec<ConfigChange>,
    pub postgres: postgres::PostgresDiff,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redactions: Option<BTreeMap<String, u64>>,
}

/// What one side brings.
struct Side {
    info: SideInfo,
    report: Report,
    samples: Vec<Sample>,
    dumps: Vec<crate::postgres::PgDump>,
    /// Dumps not read, and problems in those read.
    pg_issues: Vec<String>,
    /// The window of the bundle this side covers, if any.
    window: Option<Window>,
    /// `max_connections` from the side's postgresql.conf.
    conf_max: Option<u32>,
}

impl Side {
    fn pg_input(&self) -> postgres::PgInput<'_> {
        postgres::PgInput {
            dumps: &self.dumps,
            window: self.window,
            conf_max: self.conf_max,
        }
    }
}

fn side(label: String, bundle: &Bundle, config: &Config, window: Option<Window>) -> Side {
    let report = analysis::analyze_bundle(bundle, config);
    let snaps = analysis::snapshots(bundle, config);
    let covered_secs = match window {
        Some(w) => Some(w.secs()),
        None => match (report.bundle.start, report.bundle.end) {
            (Some(s), Some(e)) => Some((e.as_millisecond() - s.as_millisecond()) as f64 / 1000.0),
            _ => None,
        },
    }
    .map(|secs| secs.max(1.0));
    let info = SideInfo {
        label,
        start: window.map(|w| w.start).or(report.bundle.start),
        end: window.map(|w| w.end).or(report.bundle.end),
        covered_secs,
        records: report.bundle.records,
        signatures: report.signatures.len(),
        files_read: report
            .inventory
            .iter()
            .filter(|e| e.status != "skipped")
            .count(),
    };
    Side {
        info,
        report,
        samples: snaps.samples,
        dumps: snaps.dumps,
        pg_issues: snaps.pg_issues,
        window,
        conf_max: analysis::pg_max_connections(bundle),
    }
}

/// Two bundles: `baseline` (when it worked) and `incident`.
pub fn bundles(
    baseline: &Path,
    incident: &Path,
    config: &Config,
    redactor: Option<&mut Redactor>,
) -> Result<Diff, bundle::OpenError> {
    let (a, b) = (
        bundle::open(baseline, &config.limits)?,
        bundle::open(incident, &config.limits)?,
    );
    let mut base = side(baseline.display().to_string(), &a, config, None);
    let mut inc = side(incident.display().to_string(), &b, config, None);
    let (deps, notes) = dependency_changes(&a, &base.report, &b, &inc.report);
    let mut redactor = redactor;
    let configs = config_changes(&a, &base.report, &b, &inc.report, redactor.as_deref_mut());
    let mut d = compare(&mut base, &mut inc, deps, notes, redactor);
    d.configs = configs;
    Ok(d)
}

/// Two windows of one bundle.
pub fn windows(
    path: &Path,
    baseline: Window,
    incident: Window,
    config: &mut Config,
    redactor: Option<&mut Redactor>,
) -> Result<Diff, bundle::OpenError> {
    let b = bundle::open(path, &config.limits)?;
    let name = path.display();
    config.window = Some(baseline);
    let mut base = side(
        format!("{name} [{}..{}]", baseline.start, baseline.end),
        &b,
        config,
        Some(baseline),
    );
    config.window = Some(incident);
    let mut inc = side(
        format!("{name} [{}..{}]", incident.start, incident.end),
        &b,
        config,
        Some(incident),
    );
    // Changes are placed in time by the first log line that shows the new
    // version running, which may lie outside both windows: place them on
    // the whole bundle.
    config.window = None;
    let whole = analysis::analyze_bundle(&b, config);
    let (from, to) = (
        baseline.start.min(incident.start),
        baseline.end.max(incident.end),
    );
    let all = &whole.changes;
    let deps: Vec<crate::deps::Change> = all
        .iter()
        .filter(|c| c.time.is_some_and(|t| from <= t && t < to))
        .cloned()
        .collect();
    let untimed = all.iter().filter(|c| c.time.is_none()).count();
    let mut notes = Vec::new();
    if untimed > 0 {
        notes.push(format!(
            "{} in the bundle no time and cannot be placed in either window; see \
             `outsidein analyze`",
            crate::model::count(untimed, "dependency change has", "dependency changes have")
        ));
    }
    let samples = (base.samples.len(), inc.samples.len());
    let mut d = compare(&mut base, &mut inc, deps, notes, redactor);
    d.notes = window_notes(
        (baseline, incident),
        (whole.bundle.start, whole.bundle.end),
        (d.baseline.records, d.incident.records),
        samples,
    );
    Ok(d)
}

/// Says when a window lies outside the bundle's logs or holds no record
/// (its side counts nothing, so everything on the other side looks new or
/// gone), and when the windows overlap (records in the overlap count on
/// both sides). A window that holds usage samples is not outside the
/// bundle, only without log records.
fn window_notes(
    (baseline, incident): (Window, Window),
    (start, end): (Option<Timestamp>, Option<Timestamp>),
    records: (u64, u64),
    samples: (usize, usize),
) -> Vec<String> {
    let mut out = Vec::new();
    for (label, w, n, k) in [
        ("baseline", baseline, records.0, samples.0),
        ("incident", incident, records.1, samples.1),
    ] {
        let outside = match (start, end) {
            (Some(s), Some(e)) => w.end <= s || w.start > e,
            _ => true,
        };
        if n == 0 && k > 0 {
            out.push(format!(
                "the {label} window {}..{} holds no log record, only {k} usage samples: \
                 its signatures count nothing, so what the other side has shows as new or gone",
                w.start, w.end
            ));
        } else if outside {
            let span = match (start, end) {
                (Some(s), Some(e)) => format!("{s} to {e}"),
                _ => "no time".into(),
            };
            out.push(format!(
                "the {label} window {}..{} lies outside the bundle's logs ({span}): \
                 it counts nothing, so what the other side has shows as new or gone",
                w.start, w.end
            ));
        } else if n == 0 {
            out.push(format!(
                "the {label} window {}..{} holds no log record",
                w.start, w.end
            ));
        }
    }
    let (from, to) = (
        baseline.start.max(incident.start),
        baseline.end.min(incident.end),
    );
    if from < to {
        out.push(format!(
            "the windows overlap from {from} to {to}: records there count on both sides"
        ));
    }
    out
}

fn compare(
    base: &mut Side,
    inc: &mut Side,
    dependencies: Vec<crate::deps::Change>,
    dependency_notes: Vec<String>,
    redactor: Option<&mut Redactor>,
) -> Diff {
    let mut redactions = None;
    let mut pg = postgres::compare(&base.pg_input(), &inc.pg_input());
    for (label, side) in [("baseline", &*base), ("incident", &*inc)] {
        pg.notes
            .extend(side.pg_issues.iter().map(|i| format!("{label}: {i}")));
    }
    if let Some(r) = redactor {
        r.redact_report(&mut base.report);
        r.redact_report(&mut inc.report);
        pg.redact(r);
        redactions = Some(r.counts());
    }
    let (signatures, unchanged_signatures) = signature_changes(base, inc);
    let mut notes = Vec::new();
    for (name, side) in [("baseline", &base.info), ("incident", &inc.info)] {
        if side.covered_secs.is_none() && side.records > 0 {
            notes.push(format!(
                "no log record of the {name} has a time: signatures are compared by presence \
                 (new or gone), not by rate; {unchanged_signatures} seen on both sides are not \
                 compared"
            ));
        }
    }
    Diff {
        usage: usage_deltas(&base.samples, &inc.samples),
        baseline: base.info.clone(),
        incident: inc.info.clone(),
        notes,
        signatures,
        unchanged_signatures,
        dependencies,
        dependency_notes,
        configs: Vec::new(),
        postgres: pg,
        redactions,
    }
}

fn signature_changes(base: &Side, inc: &Side) -> (Vec<SignatureChange>, usize) {
    let mut ids: BTreeMap<&str, (u64, u64, &crate::report::model::Signature)> = BTreeMap::new();
    for s in &base.report.signatures {
        ids.entry(&s.id).or_insert((0, 0, s)).0 += s.count;
    }
    for s in &inc.report.signatures {
        let e = ids.entry(&s.id).or_insert((0, 0, s));
        e.1 += s.count;
        e.2 = s;
    }
    // Without a time on one side there is no exposure to compare rates
    // by: 0 against any count is still new or gone.
    let timed = base.info.covered_secs.zip(inc.info.covered_secs);
    let (bs, is) = timed.unwrap_or((1.0, 1.0));
    let tests = contrast::rate_tests(ids.values().map(|(b, i, _)| (*b, *i)), bs, is);
    let mut out = Vec::new();
    let mut same = 0;
    for ((id, (_, _, s)), (mut t, q)) in ids.iter().zip(tests) {
        let change = match (timed, t.baseline, t.incident) {
            (Some(_), ..) => t.class(q),
            (None, 0, _) => RateChange::New,
            (None, _, 0) => RateChange::Gone,
            (None, ..) => RateChange::Same,
        };
        if timed.is_none() {
            t.baseline_per_hour = f64::NAN;
            t.incident_per_hour = f64::NAN;
            t.ratio = f64::NAN;
        }
        if change == RateChange::Same {
            same += 1;
            continue;
        }
        out.push(SignatureChange {
            id: id.to_string(),
            template: s.template.clone(),
            tier: crate::batch::rows::name_of(&s.tier),
            severity: s.severity.as_str().into(),
            change,
            baseline: t.baseline,
            incident: t.incident,
            baseline_per_hour: t.baseline_per_hour,
            incident_per_hour: t.incident_per_hour,
            ratio: t.ratio,
            p_value: if timed.is_some() { t.p_value } else { f64::NAN },
            q_value: if timed.is_some() { q } else { f64::NAN },
        });
    }
    out.sort_by(|a, b| {
        a.q_value
            .total_cmp(&b.q_value)
            .then(b.ratio.total_cmp(&a.ratio))
            .then((b.baseline + b.incident).cmp(&(a.baseline + a.incident)))
            .then(a.id.cmp(&b.id))
    });
    (out, same)
}

/// Usage metrics worth a line, and whether their low (not their peak)
/// is what matters.
fn usage_stat(metric: &str) -> Option<&'static str> {
    let low = [
        "mem.available_bytes",
        "mem.free_bytes",
        "disk.avail_bytes",
        "disk.inodes_free",
    ];
    if low.contains(&metric) {
        return Some("low");
    }
    let peak = metric.starts_with("mem.")
        || metric.starts_with("swap.")
        || metric.starts_with("load.")
        || metric == "disk.use_pct"
        || metric == "disk.used_bytes"
        || metric == "disk.inodes_use_pct"
        || metric == "proc.rss_bytes"
        || metric == "proc.cpu_pct";
    peak.then_some("peak")
}

/// Metric and labels: hosts are taken together (two bundles are often
/// of two hosts), their extreme kept.
type UsageKey = (String, String);

/// Lowest and highest value of each figure, and the hosts it came from.
/// When two captures measured one size at one instant (`free -h` and
/// `free -m` of one snapshot), only the more precise counts.
fn extremes(samples: &[Sample]) -> BTreeMap<UsageKey, (f64, f64, String)> {
    let mut m: BTreeMap<UsageKey, (f64, f64, String)> = BTreeMap::new();
    for s in crate::usage::most_precise(samples) {
        if usage_stat(&s.metric).is_none() || !s.value.is_finite() {
            continue;
        }
        // Per mount for disks; processes are taken together (their
        // highest), as pids differ between bundles.
        let labels = s
            .label("mount")
            .map(|m| format!("mount={m}"))
            .unwrap_or_default();
        let e = m.entry((s.metric.clone(), labels)).or_insert((
            f64::INFINITY,
            f64::NEG_INFINITY,
            String::new(),
        ));
        e.0 = e.0.min(s.value);
        e.1 = e.1.max(s.value);
        if !e.2.split(", ").any(|h| h == s.host) {
            if !e.2.is_empty() {
                e.2.push_str(", ");
            }
            e.2.push_str(&s.host);
        }
    }
    m
}

fn usage_deltas(base: &[Sample], inc: &[Sample]) -> Vec<UsageDelta> {
    let (a, b) = (extremes(base), extremes(inc));
    let mut keys: Vec<&UsageKey> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|k| {
            let stat = usage_stat(&k.0).unwrap_or("peak");
            let pick = |m: &BTreeMap<UsageKey, (f64, f64, String)>| {
                m.get(k)
                    .map(|(lo, hi, _)| if stat == "low" { *lo } else { *hi })
            };
            let (x, y) = (pick(&a), pick(&b));
            let hosts = |m: &BTreeMap<UsageKey, (f64, f64, String)>| {
                m.get(k).map(|e| e.2.clone()).unwrap_or_else(|| "-".into())
            };
            let (ha, hb) = (hosts(&a), hosts(&b));
            UsageDelta {
                metric: k.0.clone(),
                host: if ha == hb {
                    ha
                } else {
                    format!("{ha} → {hb}")
                },
                labels: k.1.clone(),
                stat,
                baseline: x,
                incident: y,
                delta: x.zip(y).map(|(x, y)| y - x),
            }
        })
        .collect()
}

/// The top folder every entry shares, taken off to pair files of two
/// bundles.
fn relative(bundle: &Bundle) -> impl Fn(&str) -> String {
    let first = bundle
        .entries
        .first()
        .and_then(|e| e.path.split_once('/').map(|(t, _)| format!("{t}/")));
    let shared = first.filter(|t| {
        bundle
            .entries
            .iter()
            .all(|e| e.path.starts_with(t.as_str()))
    });
    move |p: &str| match &shared {
        Some(t) => p.strip_prefix(t.as_str()).unwrap_or(p).to_string(),
        None => p.to_string(),
    }
}

/// Entries of one inventory kind, by relative path.
fn files_of<'a>(bundle: &'a Bundle, report: &Report, kind: &str) -> BTreeMap<String, &'a [u8]> {
    let rel = relative(bundle);
    let wanted: std::collections::BTreeSet<&str> = report
        .inventory
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| e.path.as_str())
        .collect();
    bundle
        .entries
        .iter()
        .filter(|e| wanted.contains(e.path.as_str()))
        .map(|e| (rel(&e.path), &e.data[..]))
        .collect()
}

fn dependency_changes(
    a: &Bundle,
    ra: &Report,
    b: &Bundle,
    rb: &Report,
) -> (Vec<crate::deps::Change>, Vec<String>) {
    let (fa, fb) = (
        files_of(a, ra, "dependencies"),
        files_of(b, rb, "dependencies"),
    );
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    for (path, before) in &fa {
        let Some(after) = fb.get(path) else {
            notes.push(format!("{path}: in the baseline only"));
            continue;
        };
        let labels = [format!("before/{path}"), format!("after/{path}")];
        let files = [
            crate::deps::DepFile {
                path: &labels[0],
                bytes: before,
                mtime: None,
            },
            crate::deps::DepFile {
                path: &labels[1],
                bytes: after,
                mtime: None,
            },
        ];
        let outcome = crate::deps::analyze_files(&files);
        for i in &outcome.issues {
            notes.push(i.to_string());
        }
        changes.extend(outcome.changes);
    }
    for path in fb.keys().filter(|p| !fa.contains_key(*p)) {
        notes.push(format!("{path}: in the incident only"));
    }
    (changes, notes)
}

const MAX_DIFF_LINES: usize = 4000;

fn config_changes(
    a: &Bundle,
    ra: &Report,
    b: &Bundle,
    rb: &Report,
    mut redactor: Option<&mut Redactor>,
) -> Vec<ConfigChange> {
    let (fa, fb) = (files_of(a, ra, "config"), files_of(b, rb, "config"));
    // The reports' redactor, so a password gets one token everywhere.
    let mut red = |s: &str| match redactor.as_deref_mut() {
        Some(r) => r.text(s),
        None => s.to_string(),
    };
    let mut out = Vec::new();
    let mut paths: Vec<&String> = fa.keys().chain(fb.keys()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        let text = |m: &BTreeMap<String, &[u8]>| {
            m.get(path).map(|d| String::from_utf8_lossy(d).into_owned())
        };
        let (x, y) = (text(&fa), text(&fb));
        let (kind, lines, note) = match (&x, &y) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(_), None) => ("removed", vec![], None),
            (None, Some(_)) => ("added", vec![], None),
            (Some(x), Some(y)) => {
                let (xl, yl): (Vec<&str>, Vec<&str>) = (x.lines().collect(), y.lines().collect());
                if xl.len().max(yl.len()) > MAX_DIFF_LINES {
                    (
                        "changed",
                        vec![],
                        Some(format!("over {MAX_DIFF_LINES} lines: not diffed")),
                    )
                } else {
                    let lines = lines::diff(&xl, &yl)
                        .into_iter()
                        .map(|(sign, n, l)| format!("{sign}{n}: {}", red(l)))
                        .collect();
                    ("changed", lines, None)
                }
            }
            (None, None) => continue,
        };
        out.push(ConfigChange {
            path: path.clone(),
            kind,
            lines,
            note,
        });
    }
    out
}

/// The JSON form of a diff.
pub fn json(d: &Diff) -> String {
    serde_json::to_string_pretty(d).expect("diff serializes") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_read_and_checked() {
        let w = Window::parse("2026-12-04T16:18:00Z..2026-12-04T16:20:30Z").unwrap();
        assert_eq!(w.secs(), 150.0);
        assert!(w.contains("2026-12-04T16:18:00Z".parse().unwrap()));
        assert!(!w.contains("2026-12-04T16:20:30Z".parse().unwrap()));
        assert!(Window::parse("2026-12-04T16:20:30Z..2026-12-04T16:18:00Z").is_err());
        assert!(Window::parse("2026-12-04T16:18:00Z").is_err());
        assert!(Window::parse("2026-12-04 16:18..2026-12-04 16:20").is_err());
    }

    #[test]
    fn free_memory_is_compared_at_its_low_and_use_at_its_peak() {
        let s = |metric: &str, host: &str, v: f64| Sample {
            time: jiff::Timestamp::from_second(1_796_342_400).unwrap(),
            host: host.into(),
            metric: metric.into(),
            labels: vec![],
            value: v,
            source: "system/free".into(),
            time_source: crate::model::TimeSource::Path,
        };
        let base = [
            s("mem.available_bytes", "a", 8.0),
            s("mem.available_bytes", "a", 6.0),
        ];
        let inc = [
            s("mem.available_bytes", "b", 3.0),
            s("mem.available_bytes", "b", 1.0),
            s("load.1m", "b", 4.5),
        ];
        let d = usage_deltas(&base, &inc);
        let avail = d
            .iter()
            .find(|u| u.metric == "mem.available_bytes")
            .unwrap();
        assert_eq!(
            (avail.stat, avail.baseline, avail.incident),
            ("low", Some(6.0), Some(1.0))
        );
        assert_eq!(avail.delta, Some(-5.0));
        assert_eq!(avail.host, "a → b");
        let load = d.iter().find(|u| u.metric == "load.1m").unwrap();
        assert_eq!((load.baseline, load.incident), (None, Some(4.5)));
    }
}
