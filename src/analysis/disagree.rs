//! Instances of one tier that disagree: among log streams of one format
//! and role (`api-1.log` and `api-2.log`), one that holds significantly more of
//! the group's error records than of its records in all (a G-test over
//! the streams, [`contrast`]). A rotated file and its successor are one
//! stream.
//!
//! Also the pools the instances log at start-up against Postgres'
//! `max_connections`. Versions that differ between instances are reported
//! by the deps layer (version skew); connections held against
//! `max_connections` and per-instance peaks by the Postgres layer
//! (`pg.tier_imbalance`).
//!
//! # Limitations
//! - Load balancer queueing is seen only through the upstream response
//!   time series (`http.upstream_ms`, in `rates`) and the 5xx rate:
//!   nginx's `$request_time` is not kept, so the time a request waits in
//!   the balancer itself is not measured, and upstreams are not compared
//!   with each other.
//! - Pool sizes are read from the instances' own log lines
//!   (`"pool_max":15`), not from their configuration files, and a pool
//!   logged is taken to be a Postgres pool when postgresql.conf sets
//!   `max_connections`.
//! - Instances are told apart by log file; instances that share one file
//!   are one instance here.

use super::contrast;
use super::explain::Timed;
use super::shifts::{stream_of, Source};
use crate::model::{Finding, Severity, Tier};
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
pub(crate) fn error_rates(
    records: &[Timed],
    sources: &BTreeMap<&str, Source>,
) -> Vec<Disagreement> {
    // Counted per (format, stream) first: one map lookup per record.
    let mut counts: BTreeMap<(&str, &str), (u64, u64)> = BTreeMap::new();
    for r in records {
        let Some(src) = sources.get(r.source) else {
            continue;
        };
        let e = counts.entry((src.format, src.stream)).or_default();
        e.0 += (r.severity >= Severity::Error) as u64;
        e.1 += 1;
    }
    let mut groups: BTreeMap<(&str, String), Streams> = BTreeMap::new();
    for ((format, stream), n) in counts {
        groups
            .entry((format, role(stream)))
            .or_default()
            .insert(stream, n);
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

/// A connection pool's size as a process logged it at start-up.
pub(crate) struct Pool {
    /// The log stream (instance) that logged it.
    pub stream: String,
    pub size: u32,
    pub evidence: crate::model::Evidence,
}

/// Keys under which applications log their connection pool's size
/// (`"pool_max":15`, `poolSize=10`, `max_pool_size: 20`).
static POOL: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
    regex::bytes::Regex::new(
        r#"(?i)["']?\b(?:pg_?)?(?:pool_?max|max_?pool(?:_?size)?|pool_?size|connection_?limit)["']?\s*[:=]\s*(\d{1,5})\b"#,
    )
    .unwrap()
});

/// The lines (start and end offsets, in order) that hold a substring
/// every [`POOL`] key has (`ool`, `imit` in either case): a fast scan,
/// so that the regex runs on a few lines rather than on whole logs.
fn candidate_lines(data: &[u8]) -> Vec<(usize, usize)> {
    let mut starts: Vec<usize> = [&b"ool"[..], b"OOL", b"imit", b"IMIT"]
        .iter()
        .flat_map(|n| memchr::memmem::find_iter(data, n))
        .map(|at| memchr::memrchr(b'\n', &data[..at]).map_or(0, |i| i + 1))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    starts
        .into_iter()
        .map(|a| {
            (
                a,
                memchr::memchr(b'\n', &data[a..]).map_or(data.len(), |i| a + i),
            )
        })
        .collect()
}

/// The last pool size each log stream states, from the raw lines (JSON
/// fields beside the message are not part of a record's message).
pub(crate) fn pool_sizes(
    bundle: &crate::bundle::Bundle,
    items: &[super::pipeline::Item],
) -> Vec<Pool> {
    use super::pipeline::Parsed;
    let mut last: BTreeMap<String, Pool> = BTreeMap::new();
    for (entry, item) in bundle.entries.iter().zip(items) {
        let Parsed::Log { log, .. } = &item.parsed else {
            continue;
        };
        let data: &[u8] = &entry.data;
        let mut line = 1u64;
        let mut counted = 0usize;
        let matches = candidate_lines(data).into_iter().flat_map(|(a, b)| {
            POOL.captures_iter(&data[a..b])
                .map(move |c| (a + c.get(0).unwrap().start(), c))
        });
        for (at, c) in matches {
            let m = c.get(0).unwrap();
            line += memchr::memchr_iter(b'\n', &data[counted..at]).count() as u64;
            counted = at;
            let Some(size) = std::str::from_utf8(&c[1]).ok().and_then(|s| s.parse().ok()) else {
                continue;
            };
            let i = log.records.partition_point(|r| r.line <= line);
            let Some(rec) = i.checked_sub(1).map(|i| &log.records[i]) else {
                continue;
            };
            let stream = stream_of(&item.path).to_string();
            let later = last
                .get(&stream)
                .is_none_or(|p| p.evidence.time <= rec.time);
            if later {
                let text = format!(
                    "{} … {}",
                    crate::model::excerpt(rec.head(), 120),
                    String::from_utf8_lossy(m.as_bytes())
                );
                last.insert(
                    stream.clone(),
                    Pool {
                        stream,
                        size,
                        evidence: crate::model::Evidence {
                            path: item.path.clone(),
                            line: Some(line),
                            time: rec.time,
                            excerpt: crate::model::excerpt(&text, 240),
                        },
                    },
                );
            }
        }
    }
    last.into_values().collect()
}

/// A finding when the pools the instances logged can together open more
/// connections than Postgres allows.
pub(crate) fn pool_finding(pools: &[Pool], max_connections: Option<u32>) -> Option<Finding> {
    let max = max_connections?;
    let total: u32 = pools.iter().map(|p| p.size).sum();
    if pools.is_empty() || total <= max {
        return None;
    }
    let parts: Vec<String> = pools
        .iter()
        .map(|p| format!("{} in {}", p.size, p.stream))
        .collect();
    let sizes: Vec<String> = pools.iter().map(|p| p.size.to_string()).collect();
    Some(Finding {
        kind: "pg.pool_oversubscribed".into(),
        tier: Tier::Data,
        title: format!(
            "pools may open {total} connections ({}), max_connections is {max}",
            sizes.join(" + ")
        ),
        detail: format!(
            "The instances log connection pools of {}: {total} connections at full load, \
             over Postgres' max_connections of {max} (from postgresql.conf). Under load the \
             last to ask are refused.",
            parts.join(", ")
        ),
        score: 12.0,
        // A setting, not an event: joined to a problem it must not move
        // the problem's start.
        time: None,
        end: None,
        evidence: pools.iter().map(|p| p.evidence.clone()).collect(),
    })
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
