//! The columns that Postgres 13 to 17 added to the views we read, and the
//! oldest major version a dump's column set implies. Between 12 and 17 the
//! views other than pg_stat_statements only gained columns; the renames
//! (`total_time`, `blk_read_time`, ...) are undone in [`super::canonical`]
//! before this is asked, so it looks at added columns only.
//!
//! # Limitations
//! A dump that selects only some columns implies only what those say: a
//! `SELECT datname, xact_commit` from Postgres 17 tells no version.

use super::PgView;

/// (view, column after renaming, major version that added it).
const ADDED: &[(PgView, &str, u32)] = &[
    (PgView::Statements, "plans", 13),
    (PgView::Statements, "total_plan_time", 13),
    (PgView::Statements, "wal_records", 13),
    (PgView::Statements, "toplevel", 14),
    (PgView::Statements, "temp_blk_read_time", 15),
    (PgView::Statements, "jit_functions", 15),
    (PgView::Statements, "local_blk_read_time", 17),
    (PgView::Statements, "jit_deform_count", 17),
    (PgView::Statements, "stats_since", 17),
    (PgView::Activity, "leader_pid", 13),
    (PgView::Activity, "query_id", 14),
    (PgView::Database, "session_time", 14),
    (PgView::Database, "active_time", 14),
    (PgView::Database, "idle_in_transaction_time", 14),
    (PgView::Database, "sessions", 14),
    (PgView::Database, "sessions_abandoned", 14),
    (PgView::Database, "sessions_fatal", 14),
    (PgView::Database, "sessions_killed", 14),
    (PgView::UserTables, "n_ins_since_vacuum", 13),
    (PgView::UserTables, "last_seq_scan", 16),
    (PgView::UserTables, "last_idx_scan", 16),
    (PgView::UserTables, "n_tup_newpage_upd", 16),
    (PgView::UserIndexes, "last_idx_scan", 16),
];

/// The oldest Postgres major version that has every column of `columns`
/// in `view`; `None` when no column added after 12 is present.
pub fn min_version(view: PgView, columns: &[String]) -> Option<u32> {
    ADDED
        .iter()
        .filter(|(v, c, _)| *v == view && columns.iter().any(|x| x == c))
        .map(|(_, _, major)| *major)
        .max()
}

/// Columns of `view` that one side has and the other lacks, each list
/// sorted: (only in `a`, only in `b`).
pub fn column_diff(a: &[String], b: &[String]) -> (Vec<String>, Vec<String>) {
    let only = |x: &[String], y: &[String]| {
        let mut v: Vec<String> = x.iter().filter(|c| !y.contains(c)).cloned().collect();
        v.sort();
        v
    };
    (only(a, b), only(b, a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_from_added_columns() {
        let cols = |s: &str| s.split(',').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(min_version(PgView::Activity, &cols("pid,state")), None);
        assert_eq!(
            min_version(PgView::Activity, &cols("pid,leader_pid,query_id")),
            Some(14)
        );
        assert_eq!(
            min_version(PgView::UserIndexes, &cols("indexrelname,last_idx_scan")),
            Some(16)
        );
        let (a, b) = column_diff(&cols("x,sessions,y"), &cols("y,x,z"));
        assert_eq!((a, b), (cols("sessions"), cols("z")));
    }
}
