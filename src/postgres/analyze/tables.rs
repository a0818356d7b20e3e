//! pg_stat_database and pg_stat_user_tables: rates, cache-hit drops and
//! sequential scans over large tables.

use super::*;

/// The cumulative counters of pg_stat_database that deltas are taken of.
pub(super) const DATABASE_COUNTERS: [&str; 19] = [
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

/// The cumulative counters of pg_stat_user_tables that deltas are taken of.
pub(super) const TABLE_COUNTERS: [&str; 9] = [
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

pub(super) fn databases(a: &mut PgAnalysis, series: &[&PgDump]) {
    let counters = DATABASE_COUNTERS;
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

pub(super) fn tables(a: &mut PgAnalysis, series: &[&PgDump]) {
    let key = ["schemaname", "relname"];
    let counters = TABLE_COUNTERS;
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
