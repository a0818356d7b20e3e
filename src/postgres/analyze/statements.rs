//! pg_stat_statements: the queries that cost the most time and calls
//! between dumps, and queries new since the previous dump.

use super::*;

/// The cumulative counters of pg_stat_statements that deltas are taken of.
pub(super) const STATEMENT_COUNTERS: [&str; 5] = [
    "calls",
    "total_exec_time",
    "rows",
    "shared_blks_hit",
    "shared_blks_read",
];

pub(super) fn statements(a: &mut PgAnalysis, series: &[&PgDump]) {
    let key = ["queryid", "userid", "dbid"];
    let counters = STATEMENT_COUNTERS;
    let first_time = series.first().map(|d| d.time);
    let mut totals: BTreeMap<String, QueryDelta> = BTreeMap::new();
    for d in deltas(series, &key, &counters) {
        let query = d.row.get("query").unwrap_or("");
        let fp = fingerprint(query);
        let k = if d.key.is_empty() {
            fingerprint_id(&fp)
        } else {
            d.key.clone()
        };
        let labels = vec![("query".to_string(), fingerprint_id(&fp))];
        let calls = d.values.get("calls").copied().unwrap_or(0.0);
        let ms = d.values.get("total_exec_time").copied().unwrap_or(0.0);
        a.samples.push(sample(
            d.dump,
            "pg.stmt.calls_per_s",
            labels.clone(),
            calls / d.secs,
        ));
        a.samples
            .push(sample(d.dump, "pg.stmt.exec_ms_per_s", labels, ms / d.secs));
        let e = totals.entry(k).or_insert_with(|| QueryDelta {
            fingerprint_id: fingerprint_id(&fp),
            fingerprint: fp.clone(),
            queryid: d.row.get("queryid").map(str::to_string),
            calls: 0.0,
            total_ms: 0.0,
            mean_ms: 0.0,
            new_at: (d.new && Some(d.prev.time) >= first_time).then_some(d.dump.time),
            path: d.dump.path.clone(),
        });
        e.calls += calls;
        e.total_ms += ms;
        a.query_steps.push(QueryStep {
            fingerprint_id: fingerprint_id(&fp),
            fingerprint: fp,
            end: d.dump.time,
            secs: d.secs,
            calls,
            total_ms: ms,
        });
    }
    let mut list: Vec<QueryDelta> = totals.into_values().collect();
    for q in &mut list {
        q.mean_ms = if q.calls > 0.0 {
            q.total_ms / q.calls
        } else {
            0.0
        };
    }
    list.sort_by(|x, y| y.total_ms.total_cmp(&x.total_ms));
    let (Some(first), Some(last)) = (series.first(), series.last()) else {
        return;
    };
    let all_ms: f64 = list.iter().map(|q| q.total_ms).sum();
    let line = |q: &QueryDelta| {
        format!(
            "{:.0} ms in {:.0} calls ({:.2} ms each): {}",
            q.total_ms,
            q.calls,
            q.mean_ms,
            crate::model::excerpt(&q.fingerprint, 120)
        )
    };
    if let Some(top) = list.first().filter(|q| q.total_ms > 0.0) {
        let lines: Vec<String> = list.iter().take(3).map(line).collect();
        a.findings.push(Finding {
            kind: "pg.top_queries".into(),
            tier: Tier::Data,
            title: format!(
                "Top query by time: {:.0}% of execution time between dumps",
                100.0 * top.total_ms / all_ms.max(1e-9)
            ),
            detail: format!(
                "Between {} and {} ({} dumps): {}.",
                hms(first.time),
                hms(last.time),
                series.len(),
                lines.join("; ")
            ),
            score: 40.0,
            time: Some(first.time),
            end: Some(last.time),
            evidence: vec![ev(last, None, crate::model::excerpt(&top.fingerprint, 160))],
        });
    }
    let mut by_calls = list.clone();
    by_calls.sort_by(|x, y| y.calls.total_cmp(&x.calls));
    if let Some(top) = by_calls.first().filter(|q| q.calls > 0.0) {
        let lines: Vec<String> = by_calls.iter().take(3).map(line).collect();
        a.findings.push(Finding {
            kind: "pg.top_queries_by_calls".into(),
            tier: Tier::Data,
            title: format!("Most called query: {:.0} calls between dumps", top.calls),
            detail: format!(
                "Between {} and {}: {}.",
                hms(first.time),
                hms(last.time),
                lines.join("; ")
            ),
            score: 30.0,
            time: Some(first.time),
            end: Some(last.time),
            evidence: vec![ev(last, None, crate::model::excerpt(&top.fingerprint, 160))],
        });
    }
    for q in list
        .iter()
        // A query first seen in the opening fifth of the dumps may only
        // not have run yet when they started; "new" needs a baseline.
        .filter(|q| {
            let settled = first.time
                + jiff::SignedDuration::from_secs(
                    last.time.duration_since(first.time).as_secs() / 5,
                );
            q.new_at.is_some_and(|t| t > settled) && all_ms > 0.0 && q.total_ms >= 0.1 * all_ms
        })
        .take(3)
    {
        let at = q.new_at.unwrap_or(first.time);
        a.findings.push(Finding {
            kind: "pg.new_query".into(),
            tier: Tier::Data,
            title: format!(
                "New query since {} takes {:.0}% of execution time",
                hms(at),
                100.0 * q.total_ms / all_ms.max(1e-9)
            ),
            detail: format!("First seen in the dump at {}: {}.", hms(at), line(q)),
            // A new query weighs by its share of the time spent.
            score: 20.0 + 40.0 * q.total_ms / all_ms,
            time: Some(at),
            end: None,
            evidence: vec![Evidence {
                path: q.path.clone(),
                line: None,
                time: Some(at),
                excerpt: crate::model::excerpt(&q.fingerprint, 160),
            }],
        });
    }
    a.top_queries = list;
}
