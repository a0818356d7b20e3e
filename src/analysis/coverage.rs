//! Tier status, per-source coverage, and advice where the evidence runs
//! out.

use super::correlate::is_informational;
use super::findings::is_problem;
use super::pipeline::{Evidence, Parsed};
use super::signatures::SigAgg;
use crate::model::{Finding, Tier};
use crate::report::model::*;
use jiff::Timestamp;
use std::collections::BTreeSet;

const TIERS: [Tier; 6] = [
    Tier::Application,
    Tier::Data,
    Tier::SourcesDestinations,
    Tier::Networking,
    Tier::System,
    Tier::Dependencies,
];

pub(crate) fn tiers(ev: &Evidence, sigs: &[SigAgg], findings: &[Finding]) -> Vec<TierStatus> {
    TIERS
        .iter()
        .map(|&tier| {
            let idx: Vec<usize> = findings
                .iter()
                .enumerate()
                .filter(|(_, f)| f.tier == tier)
                .map(|(i, _)| i)
                .collect();
            let mut sources: BTreeSet<String> = BTreeSet::new();
            for it in ev.items {
                if let Parsed::Log { log, .. } = &it.parsed {
                    if super::signatures::tier_of_format(&log.format) == tier {
                        sources.insert(it.path.clone());
                    }
                }
            }
            for s in sigs.iter().filter(|s| s.row.tier == tier) {
                sources.extend(s.row.sources.iter().map(|(p, _)| p.clone()));
            }
            let worst = idx
                .iter()
                .filter(|&&i| !is_informational(&findings[i]))
                .map(|&i| findings[i].score)
                .fold(0.0, f64::max);
            let only_changes = idx.iter().all(|&i| is_informational(&findings[i]));
            let changed = idx.iter().any(|&i| findings[i].kind == "deps.change");
            let status = if !idx.is_empty() && only_changes && changed {
                "changed"
            } else if !idx.is_empty() && only_changes {
                "ok"
            } else if worst >= 15.0 {
                "failing"
            } else if !idx.is_empty() {
                "degraded"
            } else if !sources.is_empty() {
                "ok"
            } else {
                "no evidence"
            };
            TierStatus {
                tier,
                status,
                findings: idx,
                sources: sources.into_iter().collect(),
            }
        })
        .collect()
}

pub(super) fn completeness(ev: &Evidence) -> Vec<Coverage> {
    ev.items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => {
                let mut times: Vec<Timestamp> = log.records.iter().filter_map(|r| r.time).collect();
                times.sort();
                let largest_gap = times
                    .windows(2)
                    .map(|w| (w[0], w[1].duration_since(w[0]).as_secs()))
                    .max_by_key(|(t, g)| (*g, std::cmp::Reverse(*t)));
                Some(Coverage {
                    source: it.path.clone(),
                    start: times.first().copied(),
                    end: times.last().copied(),
                    records: log.records.len() as u64,
                    lines: log.lines,
                    unparsed: log.unparsed,
                    no_time: log.no_time,
                    implausible_time: log.implausible.len() as u64,
                    zone_assumed: log.zone_assumed,
                    year_inferred: log.year_inferred,
                    invalid_utf8: log.invalid_utf8,
                    largest_gap,
                })
            }
            _ => None,
        })
        .collect()
}

/// Advice where the evidence runs out.
pub(super) fn advice(ev: &Evidence, sigs: &[SigAgg]) -> Vec<Advice> {
    let mut out = Vec::new();
    let formats: BTreeSet<&str> = ev
        .items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => Some(log.format.as_str()),
            _ => None,
        })
        .collect();
    let kinds: BTreeSet<&str> = sigs
        .iter()
        .filter_map(|s| s.kb.as_ref())
        .map(|k| k.kind.as_str())
        .collect();
    let has = |prefix: &str| kinds.iter().any(|k| k.starts_with(prefix));
    if has("redis.") && !formats.contains("redis") {
        out.push(Advice {
            title: "Add the Redis server log".into(),
            detail: "The application reports Redis errors but the bundle holds no Redis log, \
                     so whether Redis was down, full or refusing cannot be told."
                .into(),
        });
    }
    if has("pg.") && !formats.contains("postgres-stderr") {
        out.push(Advice {
            title: "Add the Postgres server log".into(),
            detail: "Postgres errors are reported by clients but the server's own log is absent."
                .into(),
        });
    }
    if has("lb.") && !formats.contains("nginx-combined") {
        out.push(Advice {
            title: "Add the load balancer's access log".into(),
            detail: "Upstream errors appear without the access log that gives status codes, \
                     routes and request times."
                .into(),
        });
    }
    let assumed: u64 = ev
        .items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => Some(log.zone_assumed),
            _ => None,
        })
        .sum();
    if assumed > 0 {
        out.push(Advice {
            title: "Log times with their UTC offset".into(),
            detail: format!(
                "{assumed} records carry no zone; {} was assumed (change with --timezone). \
                 Configure loggers to write RFC 3339 times with an offset.",
                super::pipeline::zone_name(ev.zone)
            ),
        });
    }
    let timeless: Vec<&str> = ev
        .items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } if log.no_time > 0 => Some(it.path.as_str()),
            _ => None,
        })
        .collect();
    if !timeless.is_empty() {
        out.push(Advice {
            title: "Keep the timestamps with the errors".into(),
            detail: format!(
                "Records without a time cannot be placed on the timeline or joined to \
                 changes and usage ({}). Attach the log as written, with its time prefix, \
                 rather than a pasted excerpt.",
                timeless.join(", ")
            ),
        });
    }
    let problems = sigs
        .iter()
        .filter(|s| is_problem(s) && s.row.tier == Tier::Application);
    if problems.clone().any(|s| s.row.routes.is_empty()) && formats.contains("json") {
        out.push(Advice {
            title: "Log the route and request id with every application error".into(),
            detail: "Application errors are logged without the request they belong to, so \
                     they cannot be joined to the load balancer's lines or to each other. \
                     Add a request id (pino-http's req.id) and the route to error logs."
                .into(),
        });
    }
    out
}
