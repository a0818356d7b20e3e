//! Postgres statistics dumps (pg_stat_statements, pg_stat_user_tables,
//! pg_stat_user_indexes, pg_stat_activity, pg_stat_database, pg_locks,
//! pg_settings, database and table sizes) in any psql output form, and SQL
//! fingerprints that join them to server logs.
//!
//! [`detect_dump`] tells the view from the columns (the file name is a
//! hint); [`parse_dump`] reads the rows and renames columns that changed
//! across Postgres 10-17 to one spelling (`total_time` and
//! `total_exec_time_ms` become `total_exec_time`, `blk_read_time` becomes
//! `shared_blk_read_time`); [`PgDump::min_version`] tells the oldest major
//! version whose columns the dump has. [`analyze_dumps`] turns consecutive dumps of
//! cumulative counters into deltas and rates, and those into findings.
//!
//! # Limitations
//! A dump's time is its caller's fallback (the folder's or file's name,
//! else the mtime): psql output carries none. Only the columns the checks
//! need are renamed; others keep the spelling of their version. An empty
//! result printed without column names (`(0 rows)` from `psql -x`, or an
//! empty `row_to_json` file) is known by its file name only.

mod analyze;
mod fingerprint;
mod table;
mod versions;

pub use analyze::{
    analyze_dumps, analyze_dumps_with, ConnCount, PgAnalysis, QueryDelta, QueryStep,
};
pub use fingerprint::{fingerprint, fingerprint_id};
pub use table::{PgFormat, PgRow};
pub use versions::min_version;

use crate::model::{FileIssue, TimeSource};
use crate::usage::SnapshotCtx;
use jiff::Timestamp;
use serde::Serialize;

/// The statistics views (and size queries) a dump can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PgView {
    Statements,
    UserTables,
    UserIndexes,
    Activity,
    Database,
    Locks,
    Settings,
    DatabaseSizes,
    TableSizes,
}

impl PgView {
    pub fn name(&self) -> &'static str {
        match self {
            PgView::Statements => "pg_stat_statements",
            PgView::UserTables => "pg_stat_user_tables",
            PgView::UserIndexes => "pg_stat_user_indexes",
            PgView::Activity => "pg_stat_activity",
            PgView::Database => "pg_stat_database",
            PgView::Locks => "pg_locks",
            PgView::Settings => "pg_settings",
            PgView::DatabaseSizes => "database_sizes",
            PgView::TableSizes => "table_sizes",
        }
    }

    /// The view a column set belongs to.
    fn from_columns(cols: &[String]) -> Option<PgView> {
        let has = |c: &str| cols.iter().any(|x| x == c);
        Some(if has("queryid") || (has("query") && has("calls")) {
            PgView::Statements
        } else if has("locktype") && has("mode") {
            PgView::Locks
        } else if has("indexrelname") {
            PgView::UserIndexes
        } else if has("relname") && (has("seq_scan") || has("n_live_tup") || has("n_tup_ins")) {
            PgView::UserTables
        } else if has("relname") && (has("total_bytes") || has("total_size") || has("table_size")) {
            PgView::TableSizes
        } else if has("datname") && (has("xact_commit") || has("blks_hit") || has("numbackends")) {
            PgView::Database
        } else if has("pid") && (has("state") || has("backend_start") || has("application_name")) {
            PgView::Activity
        } else if has("name") && has("setting") {
            PgView::Settings
        } else if has("datname") && (has("size_bytes") || has("size")) {
            PgView::DatabaseSizes
        } else {
            return None;
        })
    }

    fn from_name(path: &str) -> Option<PgView> {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let views = [
            PgView::Statements,
            PgView::UserTables,
            PgView::UserIndexes,
            PgView::Activity,
            PgView::Database,
            PgView::Locks,
            PgView::Settings,
            PgView::DatabaseSizes,
            PgView::TableSizes,
        ];
        views.into_iter().find(|v| name.contains(v.name()))
    }
}

/// One dump: one view at one time, in one psql form.
#[derive(Debug, Clone, Serialize)]
pub struct PgDump {
    pub path: String,
    pub host: String,
    pub time: Timestamp,
    pub time_source: TimeSource,
    pub view: PgView,
    pub format: PgFormat,
    /// Column names after renaming to one spelling.
    pub columns: Vec<String>,
    pub rows: Vec<PgRow>,
    /// Problems met while reading (rows cut, footer missing); the rows read
    /// are kept.
    pub issues: Vec<FileIssue>,
}

impl PgDump {
    /// The oldest Postgres major version with this dump's columns, when
    /// they tell (see [`min_version`]).
    pub fn min_version(&self) -> Option<u32> {
        min_version(self.view, &self.columns)
    }
}

/// One spelling for columns renamed across versions.
fn canonical(col: &str) -> String {
    let c = col.trim().to_ascii_lowercase();
    let c = c.strip_suffix("_ms").unwrap_or(&c).to_string();
    match c.as_str() {
        "total_time" => "total_exec_time".into(),
        "mean_time" => "mean_exec_time".into(),
        "min_time" => "min_exec_time".into(),
        "max_time" => "max_exec_time".into(),
        "stddev_time" => "stddev_exec_time".into(),
        // Aliases collectors give: `total_exec_time AS total_ms`.
        "total" => "total_exec_time".into(),
        "mean" => "mean_exec_time".into(),
        "min" => "min_exec_time".into(),
        "max" => "max_exec_time".into(),
        "blk_read_time" => "shared_blk_read_time".into(),
        "blk_write_time" => "shared_blk_write_time".into(),
        "procpid" => "pid".into(),
        "current_query" => "query".into(),
        _ => c,
    }
}

fn read_table(text: &str) -> Option<(PgFormat, table::Table)> {
    match text.trim() {
        // psql -x prints only this for an empty result: no column names;
        // `row_to_json` over no rows prints nothing.
        "(0 rows)" => return Some((PgFormat::Expanded, table::Table::default())),
        "" => return Some((PgFormat::Json, table::Table::default())),
        _ => {}
    }
    let format = table::detect_format(text)?;
    let mut t = table::read(format, text);
    t.columns = t.columns.iter().map(|c| canonical(c)).collect();
    for row in &mut t.rows {
        row.cells = std::mem::take(&mut row.cells)
            .into_iter()
            .map(|(k, v)| (canonical(&k), v))
            .collect();
    }
    Some((format, t))
}

/// Which view the dump holds: from its columns, else its name when the
/// text is a psql table at all.
pub fn detect_dump(path: &str, text: &str) -> Option<PgView> {
    let (_, t) = read_table(head(text, 64 * 1024))?;
    PgView::from_columns(&t.columns).or_else(|| PgView::from_name(path))
}

/// The first `max` bytes of `text`, cut after a line end: enough to know
/// a dump by its columns without reading a large log whole.
fn head(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind('\n') {
        Some(nl) => &text[..=nl],
        None => &text[..end],
    }
}

/// Reads one dump. `Err` when nothing could be read; rows cut short come
/// back in `issues` with the rows before them kept.
pub fn parse_dump(ctx: &SnapshotCtx, text: &str) -> Result<PgDump, FileIssue> {
    let issue = |line: Option<u64>, msg: String| FileIssue {
        path: ctx.path.to_string(),
        line,
        message: msg,
    };
    let Some((format, t)) = read_table(text) else {
        return Err(issue(
            Some(1),
            "not a psql table (aligned, unaligned, CSV, expanded or JSON)".into(),
        ));
    };
    let Some(view) = PgView::from_columns(&t.columns).or_else(|| PgView::from_name(ctx.path))
    else {
        return Err(issue(
            Some(1),
            format!("columns match no known view: {}", t.columns.join(", ")),
        ));
    };
    let Some((time, time_source)) = ctx.fallback_time else {
        return Err(issue(
            None,
            "a dump carries no time and no fallback time was given".into(),
        ));
    };
    if t.rows.is_empty() && !t.issues.is_empty() {
        let (line, msg) = t.issues[0].clone();
        return Err(issue(line, msg));
    }
    let mut t = t;
    let bad = drop_bad_counters(view, &mut t.rows);
    t.issues.extend(bad);
    Ok(PgDump {
        path: ctx.path.to_string(),
        host: ctx.host.to_string(),
        time,
        time_source,
        view,
        format,
        columns: t.columns,
        rows: t.rows,
        issues: t.issues.into_iter().map(|(l, m)| issue(l, m)).collect(),
    })
}

/// Largest counter value taken as read: 2^53, past which an f64 no
/// longer counts by ones; no server reaches it.
const MAX_COUNTER: f64 = 9_007_199_254_740_992.0;

/// Takes out each row with a counter cell that is not a number from 0 to
/// [`MAX_COUNTER`] (`abc`, `-5`, `1e308`, `NaN`) and says where. Such a row
/// is as if the dump had missed it: the next dump's reading is compared
/// with the last good one, so no calls are lost or invented.
fn drop_bad_counters(view: PgView, rows: &mut Vec<PgRow>) -> Vec<(Option<u64>, String)> {
    let mut out = Vec::new();
    rows.retain(|row| {
        let bad = analyze::counters(view).iter().find_map(|&c| {
            let v = row.get(c)?;
            let ok = row
                .num(c)
                .is_some_and(|n| n.is_finite() && (0.0..=MAX_COUNTER).contains(&n));
            (!ok).then_some((c, v))
        });
        if let Some((c, v)) = bad {
            out.push((
                Some(row.line),
                format!(
                    "`{c}` is `{}`, not a counter (a number from 0 to 2^53); row not used",
                    crate::model::excerpt(v, 40)
                ),
            ));
        }
        bad.is_none()
    });
    out
}

/// `max_connections` from a postgresql.conf text (the last setting wins,
/// as in the server).
pub fn max_connections_from_conf(text: &str) -> Option<u32> {
    text.lines().rev().find_map(|l| {
        let l = l.split('#').next()?.trim();
        let (k, v) = l.split_once('=').or_else(|| l.split_once(' '))?;
        (k.trim() == "max_connections").then(|| v.trim().trim_matches('\'').parse().ok())?
    })
}

/// A `duration: 12.3 ms  statement: SELECT ...` log message: milliseconds
/// and the SQL, to join with [`fingerprint`].
pub fn log_statement(message: &str) -> Option<(f64, &str)> {
    let rest = &message[message.find("duration: ")? + 10..];
    let (ms, rest) = rest.split_once(" ms")?;
    let sql = rest
        .split_once("statement: ")
        .or_else(|| rest.split_once("execute "))?
        .1;
    let sql = sql
        .split_once(": ")
        .filter(|(name, _)| !name.contains(' '))
        .map_or(sql, |(_, s)| s);
    Some((ms.trim().parse().ok()?, sql.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_renamed_across_versions() {
        assert_eq!(canonical("total_time"), "total_exec_time");
        assert_eq!(canonical("total_exec_time_ms"), "total_exec_time");
        assert_eq!(canonical("blk_read_time"), "shared_blk_read_time");
        assert_eq!(
            max_connections_from_conf("max_connections = 100\n#x\nmax_connections = 50 # low\n"),
            Some(50)
        );
        let (ms, sql) = log_statement("duration: 12.5 ms  statement: SELECT 1").unwrap();
        assert_eq!((ms, sql), (12.5, "SELECT 1"));
        let (_, sql) = log_statement("duration: 0.3 ms  execute S_1: SELECT $1").unwrap();
        assert_eq!(sql, "SELECT $1");
    }
}
