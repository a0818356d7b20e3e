//! From consecutive dumps to deltas, rates and findings: the queries that
//! cost the most time and calls between dumps, queries new since the
//! previous dump, tables whose rows, dead tuples or size jumped, sequential
//! scans over large tables, cache-hit drops, connections by state and
//! application against `max_connections`, sessions idle in transaction and
//! the lock holders others wait on.
//!
//! Counters in pg_stat_* views are cumulative. A delta is taken between
//! consecutive dumps of the same view on the same host; when `stats_reset`
//! changed or a counter went down the counter was reset (or the
//! pg_stat_statements entry evicted and re-created), and the delta is the
//! new value, never negative. A row missing from a dump that was cut short
//! is compared with the last dump that had it; a counter the previous dump
//! lacks (another major version) gives no delta, and the change of column
//! set becomes an issue on the later dump.
//!
//! # Limitations
//! Rows are matched across dumps by name (`datname`, `schemaname.relname`,
//! `queryid` with `userid` and `dbid` when present, else the query's
//! fingerprint); a table dropped and re-created under the same name looks
//! like a reset.

use super::{fingerprint, fingerprint_id, PgDump, PgRow, PgView};
use crate::analysis::series::{find_spikes, median};
use crate::model::{Evidence, FileIssue, Finding, Sample, Spike, Tier};
use crate::usage::human;
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

/// What the dumps say, for the report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PgAnalysis {
    /// Rates per second between dumps and gauges, as usage samples
    /// (`pg.db.xact_commit_per_s`, `pg.table.n_dead_tup`, ...).
    pub samples: Vec<Sample>,
    pub findings: Vec<Finding>,
    pub spikes: Vec<Spike>,
    pub max_connections: Option<u32>,
    /// Peak client connections per state and per application.
    pub connections: Vec<ConnCount>,
    /// Queries by total execution time between the first and last dump.
    pub top_queries: Vec<QueryDelta>,
    /// Dumps whose columns differ from the previous dump of the same view
    /// and host (another major version, or another query): deltas are
    /// taken over the columns both have.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<FileIssue>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConnCount {
    /// `state`, `application` or `total`.
    pub by: String,
    pub name: String,
    pub peak: u32,
    pub at: Timestamp,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QueryDelta {
    pub fingerprint_id: String,
    pub fingerprint: String,
    pub queryid: Option<String>,
    pub calls: f64,
    pub total_ms: f64,
    pub mean_ms: f64,
    /// First dump the entry appeared in, when after the first dump.
    pub new_at: Option<Timestamp>,
    pub path: String,
}

/// [`analyze_dumps_with`] without a configured `max_connections`.
pub fn analyze_dumps(dumps: &[PgDump]) -> PgAnalysis {
    analyze_dumps_with(dumps, None)
}

/// Analyzes dumps of any views and hosts; `conf_max` is `max_connections`
/// from postgresql.conf when no pg_settings dump says it.
pub fn analyze_dumps_with(dumps: &[PgDump], conf_max: Option<u32>) -> PgAnalysis {
    let mut by_view: BTreeMap<(String, PgView), Vec<&PgDump>> = BTreeMap::new();
    for d in dumps {
        by_view.entry((d.host.clone(), d.view)).or_default().push(d);
    }
    for v in by_view.values_mut() {
        v.sort_by_key(|d| d.time);
    }
    let mut a = PgAnalysis {
        max_connections: settings_max(dumps).or(conf_max),
        ..Default::default()
    };
    for ((_, view), series) in &by_view {
        a.issues.extend(column_changes(series));
        match view {
            PgView::Statements => statements(&mut a, series),
            PgView::Database => databases(&mut a, series),
            PgView::UserTables => tables(&mut a, series),
            PgView::UserIndexes => {
                let c = ["idx_scan", "idx_tup_read", "idx_tup_fetch"];
                for d in deltas(series, &["relname", "indexrelname"], &c) {
                    push_rates(&mut a.samples, "pg.index", "index", &d);
                }
            }
            PgView::TableSizes | PgView::DatabaseSizes => sizes(&mut a, *view, series),
            PgView::Activity => activity(&mut a, series),
            PgView::Locks => locks(&mut a, series, &by_view),
            PgView::Settings => {}
        }
    }
    a.spikes = find_spikes(&a.samples)
        .into_iter()
        .filter(meaningful)
        .collect();
    a.findings
        .sort_by(|x, y| y.score.total_cmp(&x.score).then(x.time.cmp(&y.time)));
    a
}

/// A dump whose column set differs from the one before it: where, what
/// changed, and the versions the two sets imply.
fn column_changes(series: &[&PgDump]) -> Vec<FileIssue> {
    let mut out = Vec::new();
    for pair in series.windows(2) {
        let (prev, cur) = (pair[0], pair[1]);
        let (added, missing) = super::versions::column_diff(&cur.columns, &prev.columns);
        if added.is_empty() && missing.is_empty() {
            continue;
        }
        let version = |d: &PgDump| {
            d.min_version()
                .map_or("12 or later".to_string(), |v| format!("{v} or later"))
        };
        let mut message = format!(
            "columns differ from the previous {} dump ({}, Postgres {}; this one Postgres {})",
            cur.view.name(),
            prev.path,
            version(prev),
            version(cur)
        );
        if !added.is_empty() {
            message.push_str(&format!("; added {}", added.join(", ")));
        }
        if !missing.is_empty() {
            message.push_str(&format!("; missing {}", missing.join(", ")));
        }
        message.push_str(": deltas use the columns both have");
        // The header line in table forms; the first record in the others.
        let line = match cur.format {
            super::PgFormat::Expanded | super::PgFormat::Json => cur.rows.first().map(|r| r.line),
            _ => Some(1),
        };
        out.push(FileIssue {
            path: cur.path.clone(),
            line,
            message,
        });
    }
    out
}

/// A rise that matters in the metric's unit: a query going from 0.03 to
/// 0.23 ms per second is a statistical outlier, not an event.
fn meaningful(s: &Spike) -> bool {
    let rise = s.peak - s.baseline;
    match s.metric.as_str() {
        m if m.ends_with("exec_ms_per_s") => rise >= 50.0,
        m if m.ends_with("_per_s") => rise >= 1.0,
        m if m.starts_with("pg.conn.") || m.ends_with("numbackends") => rise >= 3.0,
        m if m.ends_with("_bytes") => rise >= 10.0 * 1024.0 * 1024.0,
        m if m.ends_with("cache_hit_ratio") => false,
        _ => true,
    }
}

fn settings_max(dumps: &[PgDump]) -> Option<u32> {
    dumps
        .iter()
        .filter(|d| d.view == PgView::Settings)
        .flat_map(|d| &d.rows)
        .find(|r| r.get("name") == Some("max_connections"))
        .and_then(|r| r.get("setting")?.parse().ok())
}

/// One row's counter deltas between two consecutive dumps.
struct Delta<'a> {
    key: String,
    row: &'a PgRow,
    dump: &'a PgDump,
    prev: &'a PgDump,
    secs: f64,
    values: BTreeMap<&'static str, f64>,
    /// Absent from the previous dump.
    new: bool,
    reset: bool,
}

fn row_key(row: &PgRow, cols: &[&str]) -> String {
    cols.iter()
        .filter_map(|c| row.get(c))
        .collect::<Vec<_>>()
        .join(".")
}

fn deltas<'a>(series: &[&'a PgDump], key: &[&str], counters: &[&'static str]) -> Vec<Delta<'a>> {
    let mut out = Vec::new();
    // The last dump each row was seen in, for rows a cut dump lost.
    let mut seen: BTreeMap<String, (&'a PgDump, &'a PgRow)> = BTreeMap::new();
    if let Some(&first) = series.first() {
        seen.extend(first.rows.iter().map(|r| (row_key(r, key), (first, r))));
    }
    for pair in series.windows(2) {
        let (prev, cur) = (pair[0], pair[1]);
        if cur.time <= prev.time {
            continue;
        }
        let before: BTreeMap<String, &PgRow> =
            prev.rows.iter().map(|r| (row_key(r, key), r)).collect();
        for row in &cur.rows {
            let k = row_key(row, key);
            let base = match before.get(&k) {
                Some(r) => Some((prev, *r)),
                // The previous dump was cut short and may have lost the
                // row: compare with the last dump that had it.
                None if !prev.issues.is_empty() => seen.get(&k).copied(),
                None => None,
            };
            let from = base.map_or(prev, |b| b.0);
            let old = base.map(|b| b.1);
            out.push(delta(k, row, cur, from, old, counters));
        }
        seen.extend(cur.rows.iter().map(|r| (row_key(r, key), (cur, r))));
    }
    out
}

/// A row's counter deltas against its `old` reading in dump `from`.
fn delta<'a>(
    key: String,
    row: &'a PgRow,
    dump: &'a PgDump,
    from: &'a PgDump,
    old: Option<&'a PgRow>,
    counters: &[&'static str],
) -> Delta<'a> {
    let secs = (dump.time.as_millisecond() - from.time.as_millisecond()) as f64 / 1000.0;
    let reset = old.is_some_and(|o| {
        o.get("stats_reset").is_some() && o.get("stats_reset") != row.get("stats_reset")
    });
    let mut values = BTreeMap::new();
    let mut went_down = false;
    for c in counters {
        let Some(now) = row.num(c) else { continue };
        let then = old.and_then(|o| o.num(c));
        let d = match (old, then) {
            (_, Some(t)) if !reset && now >= t => now - t,
            (_, Some(_)) => {
                went_down = true;
                now
            }
            // A row new since the previous dump counts from zero.
            (None, None) => now,
            // The previous dump lacks the column (another major version,
            // another query): no delta can be told.
            (Some(_), None) => continue,
        };
        values.insert(*c, d);
    }
    Delta {
        key,
        row,
        dump,
        prev: from,
        secs,
        values,
        new: old.is_none(),
        reset: reset || went_down,
    }
}

fn sample(dump: &PgDump, metric: &str, labels: Vec<(String, String)>, value: f64) -> Sample {
    Sample {
        time: dump.time,
        host: dump.host.clone(),
        metric: metric.to_string(),
        labels,
        value,
        source: dump.path.clone(),
        time_source: dump.time_source,
    }
}

fn push_rates(out: &mut Vec<Sample>, prefix: &str, label: &str, d: &Delta) {
    if d.reset {
        // Kept visible: a reset explains a rate that starts over.
        let labels = vec![(label.to_string(), d.key.clone())];
        out.push(sample(
            d.dump,
            &format!("{prefix}.counter_reset"),
            labels,
            1.0,
        ));
    }
    for (c, v) in &d.values {
        let labels = vec![(label.to_string(), d.key.clone())];
        out.push(sample(
            d.dump,
            &format!("{prefix}.{c}_per_s"),
            labels,
            v / d.secs,
        ));
    }
}

fn ev(dump: &PgDump, row: Option<&PgRow>, excerpt: String) -> Evidence {
    Evidence {
        path: dump.path.clone(),
        line: row.map(|r| r.line),
        time: Some(dump.time),
        excerpt,
    }
}

fn hms(t: Timestamp) -> String {
    t.strftime("%H:%M:%S").to_string()
}

fn statements(a: &mut PgAnalysis, series: &[&PgDump]) {
    let key = ["queryid", "userid", "dbid"];
    let counters = [
        "calls",
        "total_exec_time",
        "rows",
        "shared_blks_hit",
        "shared_blks_read",
    ];
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
        .filter(|q| q.new_at.is_some() && all_ms > 0.0 && q.total_ms >= 0.1 * all_ms)
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
    list.truncate(20);
    a.top_queries = list;
}

fn databases(a: &mut PgAnalysis, series: &[&PgDump]) {
    let counters = [
        "xact_commit",
        "xact_rollback",
        "blks_read",
        "blks_hit",
        "tup_returned",
        "tup_fetched",
        "tup_inserted",
        "tup_updated",
        "tup_deleted",
        "temp_files",
        "temp_bytes",
        "deadlocks",
        // Postgres 14 and later.
        "sessions",
        "sessions_abandoned",
        "sessions_fatal",
        "sessions_killed",
        "session_time",
        "active_time",
        "idle_in_transaction_time",
    ];
    for d in series {
        for r in &d.rows {
            if let (Some(db), Some(n)) = (r.get("datname"), r.num("numbackends")) {
                a.samples.push(sample(
                    d,
                    "pg.db.numbackends",
                    vec![("datname".into(), db.into())],
                    n,
                ));
            }
        }
    }
    let mut ratios: BTreeMap<String, Vec<(f64, &Delta)>> = BTreeMap::new();
    let all = deltas(series, &["datname"], &counters);
    for d in &all {
        push_rates(&mut a.samples, "pg.db", "datname", d);
        let hit = d.values.get("blks_hit").copied().unwrap_or(0.0);
        let read = d.values.get("blks_read").copied().unwrap_or(0.0);
        if hit + read >= 1000.0 {
            let ratio = hit / (hit + read);
            let labels = vec![("datname".to_string(), d.key.clone())];
            a.samples
                .push(sample(d.dump, "pg.db.cache_hit_ratio", labels, ratio));
            ratios.entry(d.key.clone()).or_default().push((ratio, d));
        }
    }
    for (db, rs) in ratios {
        let values: Vec<f64> = rs.iter().map(|r| r.0).collect();
        let mid = median(&values).unwrap_or(1.0);
        let Some((low, d)) = rs.iter().min_by(|x, y| x.0.total_cmp(&y.0)) else {
            continue;
        };
        if *low < 0.95 && mid - low >= 0.05 {
            a.findings.push(Finding {
                kind: "pg.cache_hit_drop".into(),
                tier: Tier::Data,
                title: format!("Cache hit ratio of {db} fell to {:.1}%", 100.0 * low),
                detail: format!(
                    "Between {} and {} the buffer cache served {:.1}% of {db}'s block reads (median {:.1}% over {} intervals): the working set outgrew shared_buffers or a scan read cold data.",
                    hms(d.prev.time), hms(d.dump.time), 100.0 * low, 100.0 * mid, values.len()
                ),
                score: 45.0,
                time: Some(d.prev.time),
                end: Some(d.dump.time),
                evidence: vec![ev(d.dump, Some(d.row), format!("blks_hit {} blks_read {}", d.row.get("blks_hit").unwrap_or("?"), d.row.get("blks_read").unwrap_or("?")))],
            });
        }
    }
}

fn tables(a: &mut PgAnalysis, series: &[&PgDump]) {
    let key = ["schemaname", "relname"];
    let counters = [
        "seq_scan",
        "seq_tup_read",
        "idx_scan",
        "idx_tup_fetch",
        "n_tup_ins",
        "n_tup_upd",
        "n_tup_del",
        "n_tup_hot_upd",
        // Postgres 16 and later.
        "n_tup_newpage_upd",
    ];
    let mut scans: BTreeMap<String, (f64, f64, Option<&Delta>)> = BTreeMap::new();
    let all = deltas(series, &key, &counters);
    for d in &all {
        push_rates(&mut a.samples, "pg.table", "table", d);
        let e = scans.entry(d.key.clone()).or_insert((0.0, 0.0, None));
        e.0 += d.values.get("seq_scan").copied().unwrap_or(0.0);
        e.1 += d.values.get("seq_tup_read").copied().unwrap_or(0.0);
        if d.values.get("seq_scan").copied().unwrap_or(0.0) > 0.0 {
            e.2 = Some(d);
        }
    }
    let mut gauges: BTreeMap<String, Vec<(&PgDump, &PgRow)>> = BTreeMap::new();
    for d in series {
        for r in &d.rows {
            let k = row_key(r, &key);
            // n_ins_since_vacuum: Postgres 13 and later.
            for g in [
                "n_live_tup",
                "n_dead_tup",
                "n_mod_since_analyze",
                "n_ins_since_vacuum",
            ] {
                if let Some(v) = r.num(g) {
                    a.samples.push(sample(
                        d,
                        &format!("pg.table.{g}"),
                        vec![("table".into(), k.clone())],
                        v,
                    ));
                }
            }
            gauges.entry(k).or_default().push((d, r));
        }
    }
    for (table, (n, rows, last)) in scans {
        let Some(d) = last else { continue };
        if n >= 1.0 && rows / n >= 10_000.0 {
            let live = d.row.num("n_live_tup").unwrap_or(0.0);
            let first = all
                .iter()
                .find(|x| x.key == table && x.values.get("seq_scan").copied().unwrap_or(0.0) > 0.0)
                .map(|x| x.prev.time)
                .unwrap_or(d.prev.time);
            a.findings.push(Finding {
                kind: "pg.seq_scan_large".into(),
                tier: Tier::Data,
                title: format!("{n:.0} sequential scans on {table} read {:.0} rows each", rows / n),
                detail: format!(
                    "Between {} and {}, {table} was scanned sequentially {n:.0} times reading {rows:.0} rows ({:.0} per scan; the table holds {live:.0} live rows). An index on the filtered columns would avoid it.",
                    hms(first), hms(d.dump.time), rows / n
                ),
                score: 50.0,
                time: Some(first),
                end: Some(d.dump.time),
                evidence: vec![ev(d.dump, Some(d.row), format!("seq_scan {} seq_tup_read {}", d.row.get("seq_scan").unwrap_or("?"), d.row.get("seq_tup_read").unwrap_or("?")))],
            });
        }
    }
    for (table, pts) in gauges {
        for (col, what) in [("n_live_tup", "live rows"), ("n_dead_tup", "dead tuples")] {
            let vals: Vec<Point> = pts
                .iter()
                .filter_map(|(d, r)| Some((*d, *r, r.num(col)?)))
                .collect();
            jump(a, &format!("table {table}"), &vals, col, what, 10_000.0);
        }
    }
}

/// One gauge reading: the dump, its row and the value.
type Point<'a> = (&'a PgDump, &'a PgRow, f64);

/// A gauge that at least doubled and grew by `floor` between the first
/// dump and its peak.
fn jump(a: &mut PgAnalysis, table: &str, vals: &[Point], col: &str, what: &str, floor: f64) {
    let (Some(first), Some(peak)) = (vals.first(), vals.iter().max_by(|x, y| x.2.total_cmp(&y.2)))
    else {
        return;
    };
    if peak.2 < 2.0 * first.2 || peak.2 - first.2 < floor {
        return;
    }
    let is_size = col.ends_with("bytes");
    let fmt = |v: f64| if is_size { human(v) } else { format!("{v:.0}") };
    let hours = (peak.0.time.as_millisecond() - first.0.time.as_millisecond()) as f64 / 3.6e6;
    a.findings.push(Finding {
        kind: format!("pg.{}_jump", if is_size { "size" } else { col }),
        tier: Tier::Data,
        title: format!(
            "{what} of {table} jumped {:.1}x to {}",
            peak.2 / first.2.max(1.0),
            fmt(peak.2)
        ),
        detail: format!(
            "{table}: {what} {} at {} → {} at {} ({} per hour).",
            fmt(first.2),
            hms(first.0.time),
            fmt(peak.2),
            hms(peak.0.time),
            fmt((peak.2 - first.2) / hours.max(1e-9))
        ),
        score: 42.0,
        time: Some(first.0.time),
        end: Some(peak.0.time),
        evidence: vec![
            ev(first.0, Some(first.1), format!("{col} {}", fmt(first.2))),
            ev(peak.0, Some(peak.1), format!("{col} {}", fmt(peak.2))),
        ],
    });
}

fn size_of(r: &PgRow, exact: &str, pretty: &str) -> Option<f64> {
    r.num(exact)
        .or_else(|| crate::usage::units::parse_size(r.get(pretty)?))
}

fn sizes(a: &mut PgAnalysis, view: PgView, series: &[&PgDump]) {
    let (key, metric, label) = match view {
        PgView::TableSizes => ("relname", "pg.table.total_bytes", "table"),
        _ => ("datname", "pg.db.size_bytes", "datname"),
    };
    let mut by: BTreeMap<String, Vec<Point>> = BTreeMap::new();
    for d in series {
        for r in &d.rows {
            let Some(name) = r.get(key) else { continue };
            let v = if view == PgView::TableSizes {
                size_of(r, "total_bytes", "total_size")
            } else {
                size_of(r, "size_bytes", "size")
            };
            if let Some(v) = v {
                a.samples
                    .push(sample(d, metric, vec![(label.into(), name.into())], v));
                by.entry(name.to_string()).or_default().push((d, r, v));
            }
        }
    }
    for (name, pts) in by {
        let subject = if view == PgView::TableSizes {
            "table"
        } else {
            "database"
        };
        jump(
            a,
            &format!("{subject} {name}"),
            &pts,
            "bytes",
            "size",
            10.0 * 1024.0 * 1024.0,
        );
    }
}

fn activity(a: &mut PgAnalysis, series: &[&PgDump]) {
    let mut peaks: BTreeMap<(String, String), (u32, Timestamp)> = BTreeMap::new();
    let mut idle_tx: Vec<(f64, &PgDump, &PgRow)> = Vec::new();
    for d in series {
        let clients: Vec<&PgRow> = d
            .rows
            .iter()
            .filter(|r| r.get("backend_type").is_none_or(|t| t == "client backend"))
            .collect();
        let mut counts: BTreeMap<(String, String), u32> = BTreeMap::new();
        *counts.entry(("total".into(), "all".into())).or_default() += clients.len() as u32;
        for r in &clients {
            let state = r.get("state").unwrap_or("unknown").to_string();
            *counts.entry(("state".into(), state.clone())).or_default() += 1;
            *counts
                .entry((
                    "application".into(),
                    r.get("application_name").unwrap_or("").to_string(),
                ))
                .or_default() += 1;
            if state.starts_with("idle in transaction") {
                let since = r.get("state_change").and_then(pg_time);
                let secs = since
                    .map(|s| (d.time.as_millisecond() - s.as_millisecond()) as f64 / 1000.0)
                    .unwrap_or(0.0);
                idle_tx.push((secs, d, r));
            }
        }
        for ((by, name), n) in counts {
            let labels = vec![(by.clone(), name.clone())];
            a.samples
                .push(sample(d, &format!("pg.conn.{by}"), labels, f64::from(n)));
            let e = peaks.entry((by, name)).or_insert((0, d.time));
            if n > e.0 {
                *e = (n, d.time);
            }
        }
    }
    a.connections = peaks
        .iter()
        .map(|((by, name), (peak, at))| ConnCount {
            by: by.clone(),
            name: name.clone(),
            peak: *peak,
            at: *at,
        })
        .collect();
    connection_findings(a, series);
    if let Some((secs, d, r)) = idle_tx.iter().max_by(|x, y| x.0.total_cmp(&y.0)) {
        a.findings.push(Finding {
            kind: "pg.idle_in_transaction".into(),
            tier: Tier::Data,
            title: format!("{} session(s) idle in transaction, longest {:.0} s", idle_tx.len(), secs),
            detail: format!(
                "pid {} ({}) sat idle in transaction for {secs:.0} s at {}; it holds its locks and snapshot meanwhile. Last query: {}",
                r.get("pid").unwrap_or("?"), r.get("application_name").unwrap_or("?"), hms(d.time),
                crate::model::excerpt(r.get("query").unwrap_or(""), 160)
            ),
            score: 55.0,
            time: Some(d.time),
            end: None,
            evidence: vec![ev(d, Some(r), format!("pid {} idle in transaction", r.get("pid").unwrap_or("?")))],
        });
    }
}

/// Peak client connections against `max_connections`, and the application
/// tier's share of them.
fn connection_findings(a: &mut PgAnalysis, series: &[&PgDump]) {
    let Some(max) = a.max_connections else { return };
    let Some(total) = a.connections.iter().find(|c| c.by == "total") else {
        return;
    };
    // Instances of one app: `shop-api-1`, `shop-api-2` -> `shop-api`.
    let mut tiers: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    for c in a
        .connections
        .iter()
        .filter(|c| c.by == "application" && !c.name.is_empty())
    {
        let base = c
            .name
            .trim_end_matches(|ch: char| ch.is_ascii_digit())
            .trim_end_matches(['-', '_']);
        let e = tiers.entry(base.to_string()).or_insert((0, 0));
        e.0 += 1;
        e.1 = e.1.max(c.peak);
    }
    let pct = 100.0 * f64::from(total.peak) / f64::from(max);
    let dump = series
        .iter()
        .find(|d| d.time == total.at)
        .copied()
        .or(series.last().copied());
    let evidence: Vec<Evidence> = dump
        .map(|d| ev(d, None, format!("{} client connections", total.peak)))
        .into_iter()
        .collect();
    let (app, (instances, per)) = tiers
        .iter()
        .max_by_key(|(_, (n, p))| n * p)
        .map(|(k, v)| (k.clone(), *v))
        .unwrap_or_default();
    let projected = instances * per;
    if pct >= 80.0 || (instances >= 2 && f64::from(projected) >= 0.8 * f64::from(max)) {
        a.findings.push(Finding {
            kind: "pg.tier_imbalance".into(),
            tier: Tier::Data,
            title: format!("{} of max_connections {max} in use ({pct:.0}%): too many app servers for the data tier", total.peak),
            detail: format!(
                "At {} Postgres had {} client connections of {max}. `{app}` runs {instances} instance(s) holding up to {per} each ({projected} in all). Size the pools so that instances × pool size stays under max_connections, or add a pooler (PgBouncer).",
                hms(total.at), total.peak
            ),
            score: 70.0,
            time: Some(total.at),
            end: None,
            evidence,
        });
    }
}

fn pg_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let s = if s.len() > 19 && &s[10..11] == " " {
        format!("{}T{}", &s[..10], &s[11..])
    } else {
        s.to_string()
    };
    let s = match s.rfind(['+', '-']) {
        Some(i) if i > 18 && s.len() - i == 3 => format!("{s}:00"),
        _ => s,
    };
    s.parse().ok()
}

fn locks(a: &mut PgAnalysis, series: &[&PgDump], all: &BTreeMap<(String, PgView), Vec<&PgDump>>) {
    for d in series {
        let mut holders: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let waiting: Vec<&PgRow> = d
            .rows
            .iter()
            .filter(|r| matches!(r.get("granted"), Some("f" | "false")))
            .collect();
        for r in &d.rows {
            let Some(pid) = r.get("pid") else { continue };
            let blocked_by = r.get("blocked_by").unwrap_or("{}").trim_matches(['{', '}']);
            for h in blocked_by
                .split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
            {
                let w = holders.entry(h.to_string()).or_default();
                if !w.contains(&pid.to_string()) {
                    w.push(pid.to_string());
                }
            }
        }
        if holders.is_empty() && waiting.is_empty() {
            continue;
        }
        let activity = all.get(&(d.host.clone(), PgView::Activity)).and_then(|v| {
            v.iter()
                .min_by_key(|x| (x.time.as_second() - d.time.as_second()).abs())
        });
        for (holder, waiters) in &holders {
            let query = activity
                .and_then(|act| act.rows.iter().find(|r| r.get("pid") == Some(holder)))
                .map(|r| {
                    format!(
                        " ({}: {})",
                        r.get("application_name").unwrap_or("?"),
                        crate::model::excerpt(r.get("query").unwrap_or(""), 120)
                    )
                })
                .unwrap_or_default();
            a.findings.push(Finding {
                kind: "pg.lock_holder".into(),
                tier: Tier::Data,
                title: format!(
                    "pid {holder} holds a lock {} session(s) wait on",
                    waiters.len()
                ),
                detail: format!(
                    "At {}, pid {holder}{query} blocked pid(s) {}.",
                    hms(d.time),
                    waiters.join(", ")
                ),
                score: 60.0,
                time: Some(d.time),
                end: None,
                evidence: vec![ev(d, None, format!("blocked_by {{{holder}}}"))],
            });
        }
        if holders.is_empty() {
            a.findings.push(Finding {
                kind: "pg.lock_wait".into(),
                tier: Tier::Data,
                title: format!("{} lock(s) not granted", waiting.len()),
                detail: format!("At {}, {} lock request(s) waited; the dump has no blocked_by column to name the holder.", hms(d.time), waiting.len()),
                score: 50.0,
                time: Some(d.time),
                end: None,
                evidence: vec![ev(d, waiting.first().copied(), "granted = f".into())],
            });
        }
    }
}
