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
//! new value, never negative. A row missing from a dump (one cut short, or
//! a top-N dump it fell out of for a while) is compared with the last dump
//! that had it when it comes back; a counter the previous dump
//! lacks (another major version) gives no delta, and the change of column
//! set becomes an issue on the later dump.
//!
//! # Limitations
//! Rows are matched across dumps by name (`datname`, `schemaname.relname`,
//! `queryid` with `userid` and `dbid` when present, else the query's
//! fingerprint); a table dropped and re-created under the same name looks
//! like a reset.

mod activity;
mod deltas;
mod growth;
mod locks;
mod statements;
mod tables;

use super::{fingerprint, fingerprint_id, PgDump, PgRow, PgView};
use crate::analysis::series::{find_spikes, median};
use crate::model::{Evidence, FileIssue, Finding, Sample, Spike, Tier};
use crate::usage::human;
use activity::activity;
use deltas::{column_changes, deltas, push_rates, row_key, Delta};
use growth::{jump, sizes, Point};
use jiff::Timestamp;
use locks::locks;
use serde::Serialize;
use statements::statements;
use std::collections::BTreeMap;
use tables::{databases, tables};

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
    /// Every query seen, by total execution time between the first and
    /// last dump, most first (the report cites the first few and names
    /// each in the query chart's legend).
    pub top_queries: Vec<QueryDelta>,
    /// Every pg_stat_statements delta: one query between two dumps, so a
    /// caller can sum them over a window of its own.
    #[serde(skip)]
    pub query_steps: Vec<QueryStep>,
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

/// The cumulative counters of pg_stat_user_indexes that deltas are taken of.
const INDEX_COUNTERS: [&str; 3] = ["idx_scan", "idx_tup_read", "idx_tup_fetch"];

/// The cumulative counters of a view that deltas are taken of: their
/// cells must be numbers from 0 to 2^53 (see [`super::parse_dump`]).
pub fn counters(view: PgView) -> &'static [&'static str] {
    match view {
        PgView::Statements => &statements::STATEMENT_COUNTERS,
        PgView::Database => &tables::DATABASE_COUNTERS,
        PgView::UserTables => &tables::TABLE_COUNTERS,
        PgView::UserIndexes => &INDEX_COUNTERS,
        _ => &[],
    }
}

/// One query's calls and execution time between two statements dumps.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryStep {
    pub fingerprint_id: String,
    pub fingerprint: String,
    /// The dump the delta ends at, and the seconds since the reading it
    /// was taken against.
    pub end: Timestamp,
    pub secs: f64,
    pub calls: f64,
    pub total_ms: f64,
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
                for d in deltas(series, &["relname", "indexrelname"], &INDEX_COUNTERS) {
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

/// `max_connections` as the latest pg_settings dump that has it says.
fn settings_max(dumps: &[PgDump]) -> Option<u32> {
    dumps
        .iter()
        .filter(|d| d.view == PgView::Settings)
        .filter_map(|d| {
            let row = d
                .rows
                .iter()
                .find(|r| r.get("name") == Some("max_connections"))?;
            Some((d.time, &d.path, row.get("setting")?.parse().ok()?))
        })
        .max_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)))
        .map(|(_, _, v)| v)
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
