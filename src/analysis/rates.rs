//! Log rates as series: requests, server errors and the mean upstream
//! response time from access logs, and each problem signature's count,
//! per time bucket, with empty buckets kept as zeros (except for the
//! upstream time, which has no value there) so that a burst stands out
//! from its baseline.

use super::pipeline::{Item, Parsed};
use super::signatures::SigAgg;
use crate::model::{Sample, TimeSource};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

/// Buckets per bundle span, about: enough to see a burst of a minute in an
/// hour of logs.
const TARGET_BUCKETS: i64 = 120;

/// A bucket width from a ladder of round durations.
pub(crate) fn bucket_width(start: Timestamp, end: Timestamp) -> SignedDuration {
    let span = end.duration_since(start).as_secs().max(1);
    let ladder = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400,
    ];
    let want = span / TARGET_BUCKETS;
    let secs = ladder.iter().copied().find(|&s| s >= want).unwrap_or(86400);
    SignedDuration::from_secs(secs)
}

/// Counts per bucket over [start, end], zeros included, as samples.
fn series(
    times: impl Iterator<Item = Timestamp>,
    metric: &str,
    host: &str,
    source: &str,
    (start, end, width): (Timestamp, Timestamp, SignedDuration),
) -> Vec<Sample> {
    let w = width.as_secs();
    let n = (end.duration_since(start).as_secs() / w + 1) as usize;
    let mut counts = vec![0u64; n];
    for t in times {
        let i = (t.duration_since(start).as_secs() / w) as usize;
        if let Some(c) = counts.get_mut(i) {
            *c += 1;
        }
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, c)| Sample {
            time: start + SignedDuration::from_secs(i as i64 * w),
            host: host.to_string(),
            metric: metric.to_string(),
            labels: Vec::new(),
            value: c as f64,
            source: source.to_string(),
            time_source: TimeSource::Content,
        })
        .collect()
}

/// Request and 5xx rates per access log, and problem signatures' rates,
/// with the bucket width they are counted in.
pub(crate) fn samples(items: &[Item], sigs: &[&SigAgg]) -> (Vec<Sample>, SignedDuration) {
    let times: Vec<Timestamp> = sigs.iter().flat_map(|s| s.times.iter().copied()).collect();
    type Requests = Vec<(Timestamp, Option<u16>, Option<f64>)>;
    let access: Vec<(&Item, Requests)> = items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } if log.format == "nginx-combined" => Some((
                it,
                log.records
                    .iter()
                    .filter_map(|r| Some((r.time?, r.status, r.upstream_time)))
                    .collect(),
            )),
            _ => None,
        })
        .collect();
    let all = times
        .iter()
        .copied()
        .chain(access.iter().flat_map(|(_, v)| v.iter().map(|x| x.0)));
    let (Some(start), Some(end)) = (all.clone().min(), all.max()) else {
        return (Vec::new(), SignedDuration::from_secs(1));
    };
    let frame = (start, end, bucket_width(start, end));
    let mut out = Vec::new();
    let mut by_host: BTreeMap<&str, Requests> = BTreeMap::new();
    for (it, recs) in &access {
        by_host
            .entry(it.host.as_str())
            .or_default()
            .extend(recs.iter().copied());
    }
    for (host, recs) in &by_host {
        out.extend(series(
            recs.iter().map(|r| r.0),
            "http.requests",
            host,
            "access logs",
            frame,
        ));
        let errors = recs
            .iter()
            .filter(|r| r.1.is_some_and(|s| s >= 500))
            .map(|r| r.0);
        out.extend(series(errors, "http.5xx", host, "access logs", frame));
        out.extend(upstream_ms(recs, host, frame));
    }
    for s in sigs.iter().filter(|s| s.times.len() >= 5) {
        let metric = format!("signature:{}", s.row.id);
        let source = s.row.sources.first().map(|(p, _)| p.as_str()).unwrap_or("");
        let host = s
            .row
            .hosts
            .first()
            .map(|(h, _)| h.as_str())
            .unwrap_or("unknown");
        out.extend(series(
            s.times.iter().copied(),
            &metric,
            host,
            source,
            frame,
        ));
    }
    (out, frame.2)
}

/// The mean upstream response time per bucket, in milliseconds, where the
/// access log records it (`$upstream_response_time`); buckets without a
/// timed request are left out rather than read as zero.
fn upstream_ms(
    recs: &[(Timestamp, Option<u16>, Option<f64>)],
    host: &str,
    (start, _, width): (Timestamp, Timestamp, SignedDuration),
) -> Vec<Sample> {
    let w = width.as_secs();
    let mut sums: BTreeMap<i64, (f64, u64)> = BTreeMap::new();
    for (t, _, u) in recs {
        let Some(u) = u else { continue };
        let b = sums
            .entry(t.duration_since(start).as_secs() / w)
            .or_default();
        b.0 += u;
        b.1 += 1;
    }
    sums.into_iter()
        .map(|(i, (sum, n))| Sample {
            time: start + SignedDuration::from_secs(i * w),
            host: host.to_string(),
            metric: "http.upstream_ms".to_string(),
            labels: Vec::new(),
            value: (sum / n as f64 * 1000.0).round(),
            source: "access logs".to_string(),
            time_source: TimeSource::Content,
        })
        .collect()
}
