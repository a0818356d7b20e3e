//! Instances of one tier that disagree: among log streams of one format
//! and role (`api-1.log` and `api-2.log`), one that holds significantly more of
//! the group's error records than of its records in all (a G-test over
//! the streams, [`contrast`]). A rotated file and its successor are one
//! stream.
//!
//! Versions that differ between instances are reported by the deps layer
//! (version skew); connections against `max_connections` and per-instance
//! pool peaks by the Postgres layer (`pg.tier_imbalance`).
//!
//! # Limitations
//! - Load balancer queueing (upstream response times, 502/504 per
//!   upstream) is not compared between upstreams yet.
//! - Pool sizes are read from what instances held in pg_stat_activity,
//!   not from the applications' configuration.
//! - Instances are told apart by log file; instances that share one file
//!   are one instance here.

use super::contrast;
use super::explain::Timed;
use super::shifts::stream_of;
use crate::model::Severity;
use crate::report::model::Disagreement;
use std::collections::BTreeMap;

/// The role a stream plays: its path with digit runs as `<n>`, so that
/// `api-1.log` and `api-2.log` (or `web-1/app.log` and `web-2/app.log`)
/// are instances of one role and `worker.log` is another.
fn role(stream: &str) -> String {
    DIGITS.replace_all(stream, "<n>").into_owned()
}

static DIGITS: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| regex::Regex::new(r"\d+").unwrap());

/// Errors and records per stream of one (format, role) group.
type Streams<'a> = BTreeMap<&'a str, (u64, u64)>;

/// Instances whose share of their group's errors stands out.
pub(crate) fn error_rates(records: &[Timed], formats: &BTreeMap<&str, &str>) -> Vec<Disagreement> {
    let mut groups: BTreeMap<(&str, String), Streams> = BTreeMap::new();
    for r in records {
        let Some(format) = formats.get(r.source) else {
            continue;
        };
        let e = groups
            .entry((format, role(stream_of(r.source))))
            .or_default()
            .entry(stream_of(r.source))
            .or_default();
        e.0 += (r.severity >= Severity::Error) as u64;
        e.1 += 1;
    }
    let mut out = Vec::new();
    for ((format, _), streams) in groups.into_iter().filter(|(_, s)| s.len() >= 2) {
        let errors: u64 = streams.values().map(|v| v.0).sum();
        let all: u64 = streams.values().map(|v| v.1).sum();
        let clean: BTreeMap<String, u64> = streams
            .iter()
            .map(|(k, v)| (k.to_string(), v.1 - v.0))
            .collect();
        let window = streams.iter().map(|(k, v)| (*k, v.0));
        for s in contrast::over_represented(window, errors, &clean, all - errors)
            .into_iter()
            .filter(|s| s.significant)
        {
            let (e, n) = streams[s.key.as_str()];
            let (pe, pn) = (errors - e, all - n);
            let rate = |a: u64, b: u64| 100.0 * a as f64 / b.max(1) as f64;
            out.push(Disagreement {
                kind: "error_rate",
                title: format!(
                    "{} logs errors in {:.1} % of its records, its peers ({format}) in {:.1} %",
                    s.key,
                    rate(e, n),
                    rate(pe, pn)
                ),
                key: s.key.clone(),
                errors: e,
                records: n,
                peer_errors: pe,
                peer_records: pn,
                ratio: s.ratio,
                p_value: s.p_value,
            });
        }
    }
    out.sort_by(|a, b| {
        a.p_value
            .total_cmp(&b.p_value)
            .then_with(|| a.key.cmp(&b.key))
    });
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn roles() {
        assert_eq!(
            super::role("b/logs/app/api-2.log"),
            "b/logs/app/api-<n>.log"
        );
        assert_eq!(
            super::role("b/web-1/app.log"),
            super::role("b/web-2/app.log")
        );
        assert_ne!(
            super::role("b/logs/app/worker.log"),
            super::role("b/logs/app/api.log")
        );
    }
}
