//! The Postgres statistics dumps of two sides, compared: each query's call
//! rate (a rate test with the span of each side's pg_stat_statements dumps
//! as exposure, adjusted across queries) and its mean time per call, peak
//! connections by state and application, `max_connections`, and the
//! settings that differ between the last pg_settings dump of each side.
//!
//! # Limitations
//! - A side needs two pg_stat_statements dumps for query rates: counters
//!   are cumulative, and one dump gives no delta. The diff says when a side
//!   has fewer.
//! - The exposure of query rates is the time the side's deltas span, from
//!   the reading the first was taken against to the last dump, hosts
//!   taken together; a delta counts on the side that holds the middle of
//!   the time between its two readings, so up to half a dump interval of
//!   calls at a window's edge can count on the other side.
//! - Queries are matched by fingerprint across sides (`queryid` differs
//!   between servers); two statements with one fingerprint are one query.

use crate::analysis::contrast::{self, RateChange};
use crate::analysis::Window;
use crate::postgres::{PgDump, PgView, QueryStep};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

/// Mean time per call must change by this factor, with at least
/// [`MIN_CALLS`] calls on each side, to be called slower or faster.
const LATENCY_FACTOR: f64 = 2.0;
const MIN_CALLS: f64 = 10.0;

/// A query whose call rate or time per call changed.
#[derive(Debug, Clone, Serialize)]
pub struct QueryChange {
    pub fingerprint_id: String,
    pub fingerprint: String,
    /// Of the call rate: new, gone, up, down or same.
    pub change: RateChange,
    /// `slower` or `faster` when the mean time per call moved by
    /// a factor of two or more; empty otherwise.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub latency: &'static str,
    pub baseline_calls: u64,
    pub incident_calls: u64,
    pub baseline_calls_per_s: f64,
    pub incident_calls_per_s: f64,
    pub baseline_mean_ms: Option<f64>,
    pub incident_mean_ms: Option<f64>,
    pub baseline_total_ms: f64,
    pub incident_total_ms: f64,
    pub q_value: f64,
}

/// Peak connections of one kind on both sides.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionPeak {
    /// `state`, `application` or `total`.
    pub by: String,
    pub name: String,
    pub baseline: Option<u32>,
    pub incident: Option<u32>,
}

/// A server setting that differs between the sides' last pg_settings dumps.
#[derive(Debug, Clone, Serialize)]
pub struct SettingChange {
    pub name: String,
    pub baseline: Option<String>,
    pub incident: Option<String>,
}

/// Both sides' Postgres statistics, compared.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PostgresDiff {
    /// Statements dumps on each side, and the seconds they span.
    pub baseline_dumps: usize,
    pub incident_dumps: usize,
    pub baseline_secs: f64,
    pub incident_secs: f64,
    /// Queries that changed, most significant first.
    pub queries: Vec<QueryChange>,
    /// Queries seen on either side that did not change.
    pub unchanged_queries: usize,
    pub connections: Vec<ConnectionPeak>,
    pub max_connections: (Option<u32>, Option<u32>),
    pub settings: Vec<SettingChange>,
    /// What could not be compared, and why.
    pub notes: Vec<String>,
}

/// One side as the caller has it: every statistics dump of its bundle
/// (counters need the readings before a window), the window the side
/// covers (none: all of the bundle), and `max_connections` from its
/// postgresql.conf.
pub struct PgInput<'a> {
    pub dumps: &'a [PgDump],
    pub window: Option<Window>,
    pub conf_max: Option<u32>,
}

/// One query's calls and time summed over a side.
#[derive(Default)]
struct Agg {
    fingerprint: String,
    calls: f64,
    total_ms: f64,
}

/// What one side's dumps give.
struct PgSide {
    statements: usize,
    secs: f64,
    queries: BTreeMap<String, Agg>,
    analysis: crate::postgres::PgAnalysis,
    settings: Option<BTreeMap<String, String>>,
}

fn side(input: &PgInput) -> PgSide {
    let within = |t: Timestamp| input.window.is_none_or(|w| w.contains(t));
    let kept: Vec<PgDump>;
    let in_window: &[PgDump] = match input.window {
        None => input.dumps,
        Some(_) => {
            kept = input
                .dumps
                .iter()
                .filter(|d| within(d.time))
                .cloned()
                .collect();
            &kept
        }
    };
    // Gauges (connections, settings) from the dumps in the window; query
    // deltas from the whole series, so that a row a top-N dump lost for a
    // while is compared with its last reading, each kept on the side that
    // holds the middle of the time it spans.
    let analysis = crate::postgres::analyze_dumps_with(in_window, input.conf_max);
    let whole = input
        .window
        .map(|_| crate::postgres::analyze_dumps_with(input.dumps, input.conf_max));
    let half = |q: &QueryStep| jiff::SignedDuration::from_secs_f64(q.secs / 2.0);
    let steps = whole
        .as_ref()
        .unwrap_or(&analysis)
        .query_steps
        .iter()
        .filter(|q| within(q.end - half(q)));
    let mut queries: BTreeMap<String, Agg> = BTreeMap::new();
    for q in steps {
        let e = queries.entry(q.fingerprint_id.clone()).or_default();
        e.fingerprint.clone_from(&q.fingerprint);
        e.calls += q.calls;
        e.total_ms += q.total_ms;
    }
    let statements = in_window
        .iter()
        .filter(|d| d.view == PgView::Statements)
        .count();
    // Exposure: the intervals between consecutive statements dumps whose
    // middle the side holds, as for the deltas.
    let mut times: Vec<Timestamp> = input
        .dumps
        .iter()
        .filter(|d| d.view == PgView::Statements)
        .map(|d| d.time)
        .collect();
    times.sort();
    times.dedup();
    let secs = times
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).as_secs_f64())
        .zip(times.iter())
        .filter(|(len, t)| within(**t + jiff::SignedDuration::from_secs_f64(len / 2.0)))
        .map(|(len, _)| len)
        .sum();
    let settings = in_window
        .iter()
        .filter(|d| d.view == PgView::Settings)
        .max_by(|a, b| (a.time, &a.path).cmp(&(b.time, &b.path)))
        .map(|d| {
            d.rows
                .iter()
                .filter_map(|r| Some((r.get("name")?.to_string(), r.get("setting")?.to_string())))
                .collect()
        });
    PgSide {
        statements,
        secs,
        queries,
        analysis,
        settings,
    }
}

fn mean(q: Option<&Agg>) -> Option<f64> {
    q.filter(|q| q.calls > 0.0).map(|q| q.total_ms / q.calls)
}

/// Compares the dumps of the two sides.
pub fn compare(base: &PgInput, inc: &PgInput) -> PostgresDiff {
    let (a, b) = (side(base), side(inc));
    let mut d = PostgresDiff {
        baseline_dumps: a.statements,
        incident_dumps: b.statements,
        baseline_secs: a.secs,
        incident_secs: b.secs,
        max_connections: (a.analysis.max_connections, b.analysis.max_connections),
        ..PostgresDiff::default()
    };
    for (label, s) in [("baseline", &a), ("incident", &b)] {
        if s.statements < 2 {
            d.notes.push(format!(
                "the {label} has {} pg_stat_statements dump{}: query rates need two",
                s.statements,
                if s.statements == 1 { "" } else { "s" }
            ));
        }
    }
    if a.statements >= 2 && b.statements >= 2 {
        queries(&mut d, &a, &b);
    }
    d.connections = connections(&a.analysis, &b.analysis);
    if let (Some(x), Some(y)) = (&a.settings, &b.settings) {
        let names: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
        d.settings = names
            .into_iter()
            .filter(|n| x.get(*n) != y.get(*n))
            .map(|n| SettingChange {
                name: n.clone(),
                baseline: x.get(n).cloned(),
                incident: y.get(n).cloned(),
            })
            .collect();
    }
    d
}

impl PostgresDiff {
    /// Redacts query texts and setting values (`primary_conninfo` can hold
    /// a password); a setting is redacted as `name = value`, so that rules
    /// keyed on the name apply.
    pub fn redact(&mut self, r: &mut crate::redact::Redactor) {
        for q in &mut self.queries {
            q.fingerprint = r.text(&q.fingerprint);
        }
        for c in &mut self.connections {
            c.name = r.text(&c.name);
        }
        for n in &mut self.notes {
            *n = r.text(n);
        }
        for s in &mut self.settings {
            let name = s.name.clone();
            for v in [&mut s.baseline, &mut s.incident].into_iter().flatten() {
                *v = r.setting(&name, v);
            }
        }
    }
}

fn queries(d: &mut PostgresDiff, a: &PgSide, b: &PgSide) {
    let ids: std::collections::BTreeSet<&String> =
        a.queries.keys().chain(b.queries.keys()).collect();
    let calls = |s: &PgSide, id: &str| s.queries.get(id).map_or(0, |q| q.calls.round() as u64);
    let tests = contrast::rate_tests(
        ids.iter().map(|id| (calls(a, id), calls(b, id))),
        a.secs,
        b.secs,
    );
    for (id, (t, q)) in ids.into_iter().zip(tests) {
        let (qa, qb) = (a.queries.get(id), b.queries.get(id));
        let (ma, mb) = (mean(qa), mean(qb));
        let enough = |x: Option<&Agg>| x.is_some_and(|x| x.calls >= MIN_CALLS);
        let latency = match (ma, mb) {
            (Some(x), Some(y)) if enough(qa) && enough(qb) && x > 0.0 && y > 0.0 => {
                if y >= LATENCY_FACTOR * x {
                    "slower"
                } else if x >= LATENCY_FACTOR * y {
                    "faster"
                } else {
                    ""
                }
            }
            _ => "",
        };
        let change = t.class(q);
        if change == RateChange::Same && latency.is_empty() {
            d.unchanged_queries += 1;
            continue;
        }
        let known = qb.or(qa).expect("the query is on one side");
        d.queries.push(QueryChange {
            fingerprint_id: id.clone(),
            fingerprint: known.fingerprint.clone(),
            change,
            latency,
            baseline_calls: t.baseline,
            incident_calls: t.incident,
            baseline_calls_per_s: t.baseline_per_hour / 3600.0,
            incident_calls_per_s: t.incident_per_hour / 3600.0,
            baseline_mean_ms: ma,
            incident_mean_ms: mb,
            baseline_total_ms: qa.map_or(0.0, |q| q.total_ms),
            incident_total_ms: qb.map_or(0.0, |q| q.total_ms),
            q_value: q,
        });
    }
    d.queries.sort_by(|x, y| {
        x.q_value
            .total_cmp(&y.q_value)
            .then(
                (y.incident_total_ms - y.baseline_total_ms)
                    .total_cmp(&(x.incident_total_ms - x.baseline_total_ms)),
            )
            .then(x.fingerprint_id.cmp(&y.fingerprint_id))
    });
}

fn connections(
    a: &crate::postgres::PgAnalysis,
    b: &crate::postgres::PgAnalysis,
) -> Vec<ConnectionPeak> {
    let mut m: BTreeMap<(String, String), ConnectionPeak> = BTreeMap::new();
    for (side, analysis) in [(0, a), (1, b)] {
        for c in &analysis.connections {
            let e = m
                .entry((c.by.clone(), c.name.clone()))
                .or_insert_with(|| ConnectionPeak {
                    by: c.by.clone(),
                    name: c.name.clone(),
                    baseline: None,
                    incident: None,
                });
            let slot = if side == 0 {
                &mut e.baseline
            } else {
                &mut e.incident
            };
            *slot = Some(slot.map_or(c.peak, |p| p.max(c.peak)));
        }
    }
    m.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A replication password in a setting is not written out.
    #[test]
    fn settings_are_redacted() {
        let mut d = PostgresDiff {
            settings: vec![SettingChange {
                name: "primary_conninfo".into(),
                baseline: Some("host=10.0.0.5 user=rep password=Sekr1t-pass".into()),
                incident: None,
            }],
            ..PostgresDiff::default()
        };
        let mut r = crate::redact::Redactor::numbered(false, &[]).unwrap();
        d.redact(&mut r);
        let v = d.settings[0].baseline.as_deref().unwrap();
        assert!(!v.contains("Sekr1t"), "{v}");
        assert!(v.starts_with("host=10.0.0.5 user=rep password=<"), "{v}");
    }

    /// QA: a command with spaces under a secret's name goes whole.
    #[test]
    fn a_passphrase_command_is_redacted_whole() {
        let mut r = crate::redact::Redactor::numbered(false, &[]).unwrap();
        let v = r.setting("ssl_passphrase_command", "echo Sup3rS3cretPass");
        assert!(v.starts_with("<password:") && !v.contains("Sup3r"), "{v}");
    }

    #[test]
    fn no_dumps_on_a_side_is_said() {
        let none = |conf_max| PgInput {
            dumps: &[],
            window: None,
            conf_max,
        };
        let d = compare(&none(Some(20)), &none(None));
        assert_eq!(d.max_connections, (Some(20), None));
        assert_eq!(d.notes.len(), 2);
        assert!(d.notes[0].contains("baseline has 0 pg_stat_statements dumps"));
    }
}
