//! Change precedes effect: for every anomaly (a signature that appears or
//! changes rate, a rate spike, a usage spike, a source that stops logging)
//! the events that came shortly before it are ranked as candidate causes:
//! dependency changes (deploys), stops and restarts seen in the logs,
//! spikes in usage and request rates, and other signatures appearing.
//!
//! A candidate ranks high when it comes close before the anomaly (within
//! a minute scores about twice what five minutes scores), when it is
//! consistent (its occurrences are followed by the anomaly rather than
//! happening all the time), and when it was seen on the anomaly's host.
//!
//! # Limitations
//! - Configuration changes are not candidates yet: the bundle's config
//!   files are read for settings (`max_connections`) but not diffed over
//!   time.
//! - The score is a ranking key, not a probability; coming before is not
//!   causing, and an unseen cause (external load) is never named.

use super::changes::Deploy;
use super::signatures::SigAgg;
use crate::model::{Evidence as Ev, Spike};
use crate::report::model::{Anomaly, Cause};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeSet;

/// How far before an anomaly an event still counts as a candidate.
const WINDOW: SignedDuration = SignedDuration::from_mins(30);

/// An occurrence of a candidate counts as followed by the anomaly when the
/// anomaly comes within this long after it.
const FOLLOW: SignedDuration = SignedDuration::from_mins(5);

/// Lag at which closeness is one half.
const HALF_LAG_S: f64 = 60.0;

/// Candidates named per anomaly.
const MAX_CAUSES: usize = 3;

/// An event class that may cause what follows it.
pub(crate) struct Candidate {
    pub kind: &'static str,
    /// What it is, to keep an anomaly from being its own cause.
    pub key: String,
    pub title: String,
    /// Occurrences, sorted.
    pub times: Vec<Timestamp>,
    pub hosts: Vec<String>,
    pub evidence: Ev,
}

/// The key of a spike: its metric, labels and host.
pub(crate) fn spike_key(s: &Spike) -> String {
    let labels: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{}{{{}}}@{}", s.metric, labels.join(","), s.host)
}

/// A spike in words: `http.requests 5 → 64 (shop-demo-01)`.
pub(crate) fn spike_title(s: &Spike) -> String {
    let labels: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let labels = if labels.is_empty() {
        String::new()
    } else {
        format!(" {}", labels.join(" "))
    };
    format!(
        "{}{labels} rose from {} to {} on {}",
        s.metric,
        value(&s.metric, s.baseline),
        value(&s.metric, s.peak),
        s.host
    )
}

/// A number as short as it reads: integers and large values without
/// decimals, small ones with three.
fn num(v: f64) -> String {
    if (v.fract() == 0.0 && v.abs() < 1e15) || v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        // Three decimals at most, none that are trailing zeros: `1.6`,
        // not `1.600` (which reads as a thousand and six hundred).
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A spike's value: sizes in binary units, other numbers by [`num`].
fn value(metric: &str, v: f64) -> String {
    super::series::show_size(metric, v).unwrap_or_else(|| num(v))
}

pub(crate) fn spike_evidence(s: &Spike) -> Ev {
    Ev {
        path: s.source.clone(),
        line: None,
        time: Some(s.start),
        excerpt: format!(
            "{} {} → {}",
            s.metric,
            value(&s.metric, s.baseline),
            value(&s.metric, s.peak)
        ),
    }
}

/// Every candidate the bundle offers: deploys, stop and restart lines,
/// spikes, and the signatures that appear (`appearing`: id, title, time,
/// hosts, evidence).
pub(crate) fn candidates(
    sigs: &[SigAgg],
    deploys: &[Deploy],
    spikes: &[Spike],
    appearing: Vec<(String, String, Timestamp, Vec<String>, Ev)>,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for d in deploys {
        let Some(time) = d.time else { continue };
        out.push(Candidate {
            kind: "deploy",
            key: format!("deploy:{}", d.after),
            title: format!("dependencies changed: {}", d.headline()),
            times: vec![time],
            hosts: Vec::new(),
            evidence: d.placed.cloned().unwrap_or_else(|| d.evidence()),
        });
    }
    for s in sigs.iter().filter(|s| super::correlate::is_stop(s)) {
        out.push(Candidate {
            kind: "restart",
            key: s.row.id.clone(),
            title: crate::report::inline_code(&crate::model::excerpt(&s.row.template, 80)),
            times: s.times.clone(),
            hosts: s.row.hosts.iter().map(|(h, _)| h.clone()).collect(),
            evidence: s.row.example.clone(),
        });
    }
    // Postgres's template databases are copied by CREATE DATABASE and read
    // by monitoring that connects to them; their block counts explain no
    // application's failure (the shared bundle's import-worker crash was
    // "preceded" by template1's cache hits).
    let template = |s: &&Spike| {
        s.labels
            .iter()
            .any(|(k, v)| k == "datname" && matches!(v.as_str(), "template0" | "template1"))
    };
    for s in spikes.iter().filter(|s| !template(s)) {
        // A rise in errors is a symptom of something; a rise in requests
        // or in a usage series can be the something.
        let errors = s.metric.starts_with("signature:") || s.metric == "http.5xx";
        out.push(Candidate {
            kind: if errors { "signature" } else { "usage" },
            key: spike_key(s),
            title: spike_title(s),
            times: vec![s.start],
            hosts: vec![s.host.clone()],
            evidence: spike_evidence(s),
        });
    }
    for (id, title, time, hosts, evidence) in appearing {
        out.push(Candidate {
            kind: "signature",
            key: id,
            title: format!("{title} appears"),
            times: vec![time],
            hosts,
            evidence,
        });
    }
    out
}

/// The candidates that precede an anomaly at `at` on `hosts`, best first;
/// `exclude` lists the anomaly's own keys.
pub(crate) fn rank(
    cands: &[Candidate],
    at: Timestamp,
    hosts: &[String],
    exclude: &[&str],
) -> Vec<Cause> {
    let mut out: Vec<Cause> = cands
        .iter()
        // The anomaly's own keys, and the rate spikes of its own
        // signatures (`signature:<id>…`).
        .filter(|c| {
            !exclude.iter().any(|e| {
                c.key == *e
                    || c.key
                        .strip_prefix("signature:")
                        .is_some_and(|k| k.starts_with(e))
            })
        })
        .filter_map(|c| cause(c, at, hosts))
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.lag_s.total_cmp(&b.lag_s))
            .then_with(|| a.title.cmp(&b.title))
    });
    // One line per event: a spike seen by two series at one instant is
    // named once.
    let mut seen = BTreeSet::new();
    out.retain(|c| seen.insert((c.kind, c.title.clone())));
    out.truncate(MAX_CAUSES);
    out
}

fn cause(c: &Candidate, at: Timestamp, hosts: &[String]) -> Option<Cause> {
    // The latest occurrence strictly before the anomaly; a spike a second
    // at least before it (what a snapshot sees at the same instant is a
    // symptom).
    let margin = if c.kind == "usage" {
        SignedDuration::from_secs(1)
    } else {
        SignedDuration::from_millis(1)
    };
    let i = c.times.partition_point(|t| *t <= at - margin);
    let latest = *c.times.get(i.checked_sub(1)?)?;
    let lag = at.duration_since(latest);
    if lag > WINDOW {
        return None;
    }
    let followed = c
        .times
        .iter()
        .filter(|t| **t < at && at.duration_since(**t) <= FOLLOW)
        .count() as u64;
    let occurrences = c.times.len() as u64;
    let same_host =
        c.hosts.is_empty() || hosts.is_empty() || c.hosts.iter().any(|h| hosts.contains(h));
    let lag_s = lag.as_secs_f64();
    let closeness = 1.0 / (1.0 + lag_s / HALF_LAG_S);
    let consistency = (followed.max(1)) as f64 / occurrences as f64;
    let host = if same_host { 1.0 } else { 0.7 };
    // Another error appearing is most often a symptom of the same cause
    // (the server's and the client's side of one failure), so it ranks
    // below a change, a stop or a rise in load at the same lag.
    let prior = if c.kind == "signature" { 0.5 } else { 1.0 };
    Some(Cause {
        kind: c.kind,
        title: c.title.clone(),
        lag_s: (lag_s * 1000.0).round() / 1000.0,
        hosts: c.hosts.clone(),
        same_host,
        followed,
        occurrences,
        score: ((prior * closeness * consistency * host) * 1000.0).round() / 1000.0,
        evidence: evidence_near(c, latest),
    })
}

/// The candidate's evidence, with the time of the occurrence that
/// precedes.
fn evidence_near(c: &Candidate, latest: Timestamp) -> Ev {
    let mut e = c.evidence.clone();
    if e.time != Some(latest) && c.times.len() > 1 {
        e.excerpt = format!(
            "{} (latest before: {} UTC)",
            e.excerpt,
            latest.strftime("%H:%M:%S")
        );
    }
    e
}

/// Rate spikes (one per explained window), the strongest usage spikes and
/// sources that stop logging, each with its candidate causes, in time
/// order.
pub(crate) fn anomalies(
    spikes: &[Spike],
    windows: &[crate::report::model::SpikeExplanation],
    quiet: Vec<(String, Timestamp, String, Ev)>,
    cands: &[Candidate],
) -> Vec<Anomaly> {
    let mut out = Vec::new();
    for w in windows {
        let widest = |s: &&Spike| Some(&s.metric) == w.metrics.first() && s.start == w.start;
        let Some(s) = spikes.iter().find(widest) else {
            continue;
        };
        let keys: Vec<String> = spikes
            .iter()
            .filter(|s| w.metrics.contains(&s.metric))
            .map(spike_key)
            .collect();
        let exclude: Vec<&str> = keys.iter().map(String::as_str).collect();
        out.push(Anomaly {
            kind: "rate_spike",
            title: spike_title(s),
            time: w.start,
            hosts: vec![w.host.clone()],
            evidence: spike_evidence(s),
            causes: rank(cands, w.start, std::slice::from_ref(&w.host), &exclude),
        });
    }
    let usage = spikes
        .iter()
        .filter(|s| !super::explain::is_log_rate(s))
        .take(MAX_USAGE);
    for s in usage {
        let key = spike_key(s);
        out.push(Anomaly {
            kind: "usage_spike",
            title: spike_title(s),
            time: s.start,
            hosts: vec![s.host.clone()],
            evidence: spike_evidence(s),
            causes: rank(cands, s.start, std::slice::from_ref(&s.host), &[&key]),
        });
    }
    for (title, time, host, evidence) in quiet {
        out.push(Anomaly {
            kind: "quiet_source",
            title,
            time,
            causes: rank(cands, time, std::slice::from_ref(&host), &[]),
            hosts: vec![host],
            evidence,
        });
    }
    out.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.title.cmp(&b.title)));
    out
}

/// Usage spikes given causes: the strongest, by score.
const MAX_USAGE: usize = 6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_without_trailing_zeros() {
        assert_eq!(num(1.6), "1.6");
        assert_eq!(num(67.6), "67.6");
        assert_eq!(num(0.125), "0.125");
        assert_eq!(num(0.0004), "0");
        assert_eq!(num(4.0), "4");
        assert_eq!(num(535.4), "535");
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_764_864_000 + s).unwrap()
    }

    fn cand(kind: &'static str, key: &str, times: &[i64]) -> Candidate {
        Candidate {
            kind,
            key: key.into(),
            title: key.into(),
            times: times.iter().map(|&s| at(s)).collect(),
            hosts: vec!["web-1".into()],
            evidence: Ev {
                path: "x.log".into(),
                line: Some(1),
                time: Some(at(times[0])),
                excerpt: key.into(),
            },
        }
    }

    #[test]
    fn close_and_consistent_beats_frequent() {
        // A cron line every 10 minutes, the last 30 s before the error;
        // a deploy once, 60 s before it.
        let cron: Vec<i64> = (0..10).map(|i| i * 600 - 5400 + 570).collect();
        let cands = [
            cand("signature", "cron", &cron),
            cand("deploy", "deploy", &[-60]),
            cand("usage", "later", &[10]),
            cand("restart", "self", &[-5]),
        ];
        let out = rank(&cands, at(0), &["web-1".into()], &["self"]);
        assert_eq!(out[0].title, "deploy");
        assert_eq!(out[0].lag_s, 60.0);
        assert_eq!(out[0].score, 0.5);
        assert_eq!(out[1].title, "cron");
        // Ten runs in the bundle (one after the error), one followed.
        assert_eq!((out[1].followed, out[1].occurrences), (1, 10));
        assert_eq!(out[1].lag_s, 30.0);
        // What comes after the anomaly is never a cause.
        assert!(out.iter().all(|c| c.title != "later"));
    }
}
