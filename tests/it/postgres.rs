//! Postgres statistics dumps: the shared bundle's 39 expanded dumps, the
//! five psql forms captured from a local Postgres 15, column sets of
//! versions 12-17 (pg_stat_statements, and four views in aligned form, one
//! test per version family), counter resets, dumps cut mid-row and a
//! series that mixes two versions' column sets.

use outsidein::model::TimeSource;
use outsidein::postgres::{self, PgDump, PgFormat, PgView};
use outsidein::usage::SnapshotCtx;
use std::path::Path;

fn read_dump(rel: &str, text: &str) -> Result<PgDump, outsidein::model::FileIssue> {
    let ctx = SnapshotCtx::from_path(rel, "shop-prod-03");
    postgres::parse_dump(&ctx, text)
}

fn bundle_dumps() -> Option<Vec<PgDump>> {
    let dir = crate::usage::bundle_dir()?.join("postgres");
    let mut out = Vec::new();
    let mut folders: Vec<_> = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    folders.sort();
    for f in folders {
        let mut files: Vec<_> = std::fs::read_dir(&f)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for p in files {
            let rel = p
                .strip_prefix(dir.parent()?)
                .ok()?
                .to_string_lossy()
                .to_string();
            let text = std::fs::read_to_string(&p).ok()?;
            assert!(postgres::detect_dump(&rel, &text).is_some(), "{rel}");
            let d = read_dump(&rel, &text).unwrap_or_else(|e| panic!("{e}"));
            assert!(d.issues.is_empty(), "{rel}: {:?}", d.issues);
            out.push(d);
        }
    }
    Some(out)
}

#[test]
fn shared_bundle_dumps() {
    let Some(dumps) = bundle_dumps() else { return };
    assert_eq!(dumps.len(), 39 * 6);
    assert!(dumps
        .iter()
        .all(|d| d.format == PgFormat::Expanded && d.time_source == TimeSource::Path));
    let a = postgres::analyze_dumps_with(&dumps, Some(50));
    for f in &a.findings {
        eprintln!("[{}] {} :: {}", f.kind, f.title, f.detail);
    }
    for c in &a.connections {
        eprintln!("conn {} {} peak {} at {}", c.by, c.name, c.peak, c.at);
    }
    let reads = &a.spikes[0];
    assert_eq!(reads.metric, "pg.db.blks_read_per_s");
    assert_eq!((reads.baseline, reads.peak), (67.6, 916.9));
    let hit = a
        .findings
        .iter()
        .find(|f| f.kind == "pg.cache_hit_drop")
        .unwrap();
    assert_eq!(hit.title, "Cache hit ratio of shop fell to 93.3%");
    let top = &a.top_queries[0];
    eprintln!("top {:?}", top);
    let seq = a
        .findings
        .iter()
        .find(|f| f.kind == "pg.seq_scan_large")
        .expect("seq scans");
    assert!(seq.title.contains("orders"), "{}", seq.title);
}

/// The same two dumps of each view, captured from Postgres 15 in every
/// psql form (fixtures/postgres/capture.sh), read back to the same rows.
#[test]
fn pg15_every_form_agrees() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/postgres/pg15");
    let views = [
        ("pg_stat_statements", PgView::Statements),
        ("pg_stat_user_tables", PgView::UserTables),
        ("pg_stat_user_indexes", PgView::UserIndexes),
        ("pg_stat_database", PgView::Database),
        ("pg_stat_activity", PgView::Activity),
        ("pg_locks", PgView::Locks),
        ("pg_settings", PgView::Settings),
        ("database_sizes", PgView::DatabaseSizes),
        ("table_sizes", PgView::TableSizes),
    ];
    let forms = [
        ("aligned.txt", PgFormat::Aligned),
        ("expanded.txt", PgFormat::Expanded),
        ("unaligned.txt", PgFormat::Unaligned),
        ("csv", PgFormat::Csv),
        ("json", PgFormat::Json),
    ];
    for (name, view) in views {
        let mut rows = None;
        for (ext, format) in forms {
            let rel = format!("pg15/2026-12-04_160500/1-{name}.{ext}");
            let text = std::fs::read_to_string(dir.join(format!("1-{name}.{ext}"))).unwrap();
            let d = read_dump(&rel, &text).unwrap_or_else(|e| panic!("{rel}: {e}"));
            assert_eq!((d.view, d.format), (view, format), "{rel}");
            assert!(d.issues.is_empty(), "{rel}: {:?}", d.issues);
            // Each form is a separate psql run a moment apart: counters
            // move, so compare the shape and the text columns.
            let shape: Vec<(Vec<String>, Option<String>)> = d
                .rows
                .iter()
                .map(|r| {
                    (
                        r.cells.keys().cloned().collect(),
                        r.get("query").map(str::to_string),
                    )
                })
                .collect();
            match &rows {
                None => rows = Some(shape),
                Some(want) if view == PgView::Activity => {
                    assert_eq!(shape.len(), want.len(), "{rel}")
                }
                Some(want) => assert_eq!(&shape, want, "{rel}"),
            }
        }
    }
}

/// pg_stat_statements as each version from 12 to 17 names its columns
/// (fixtures/postgres/versions/make.sh): one spelling after parsing.
#[test]
fn column_sets_12_to_17() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/postgres/versions");
    for v in 12..=17 {
        let name = format!("pg{v}-pg_stat_statements.csv");
        let text = std::fs::read_to_string(dir.join(&name)).unwrap();
        let d = read_dump(&format!("pg/2026-12-04_150000/{name}"), &text).unwrap();
        assert_eq!(d.view, PgView::Statements, "{name}");
        assert!(d.columns.iter().any(|c| c == "total_exec_time"), "{name}");
        assert!(
            d.columns.iter().any(|c| c == "shared_blk_read_time"),
            "{name}"
        );
        assert_eq!(d.rows[1].num("total_exec_time"), Some(3.25), "{name}");
    }
}

fn csv_dump(at: &str, text: &str) -> PgDump {
    read_dump(&format!("pg/{at}/pg_stat_database.csv"), text).unwrap()
}

/// stats_reset moved and a counter went down: the delta is the new value,
/// never negative, and the reset is kept as a sample.
#[test]
fn counter_resets_never_go_negative() {
    let h = "datname,numbackends,xact_commit,blks_read,blks_hit,stats_reset\n";
    let dumps = [
        csv_dump(
            "2026-12-04_150000",
            &format!("{h}shop,3,1000,10,5000,2026-12-01 00:00:00+00\n"),
        ),
        csv_dump(
            "2026-12-04_150100",
            &format!("{h}shop,3,1600,20,8000,2026-12-01 00:00:00+00\n"),
        ),
        csv_dump(
            "2026-12-04_150200",
            &format!("{h}shop,3,50,5,900,2026-12-04 15:01:30+00\n"),
        ),
        csv_dump(
            "2026-12-04_150300",
            &format!("{h}shop,3,20,1,100,2026-12-04 15:01:30+00\n"),
        ),
    ];
    let a = postgres::analyze_dumps(&dumps);
    let rates: Vec<f64> = a
        .samples
        .iter()
        .filter(|s| s.metric == "pg.db.xact_commit_per_s")
        .map(|s| s.value)
        .collect();
    assert_eq!(rates, [10.0, 50.0 / 60.0, 20.0 / 60.0]);
    let resets = a
        .samples
        .iter()
        .filter(|s| s.metric == "pg.db.counter_reset")
        .count();
    assert_eq!(resets, 2);
}

/// Dumps cut mid-row keep the rows before the cut and say where.
#[test]
fn cut_dumps() {
    let aligned = " datname | xact_commit \n---------+-------------\n shop    |        1000\n post";
    let d = read_dump("pg/2026-12-04_150000/pg_stat_database.txt", aligned).unwrap();
    assert_eq!(d.rows.len(), 1);
    assert_eq!(d.issues[0].line, Some(4));
    let expanded = "-[ RECORD 1 ]+-----\ndatname     | shop\nxact_commit | 10\n-[ RECORD 2 ]+-----\ndatname     | postgres\n";
    let d = read_dump("pg/2026-12-04_150000/pg_stat_database.txt", expanded).unwrap();
    assert_eq!(d.rows.len(), 1);
    assert_eq!(d.issues[0].line, Some(4));
    assert!(
        d.issues[0].message.contains("cut after `datname`"),
        "{}",
        d.issues[0].message
    );
    let err = read_dump("pg/x/pg_stat_database.txt", "hello world\n").unwrap_err();
    assert!(err.message.contains("not a psql table"), "{}", err.message);
}

/// The local Postgres 15 capture: the lock holder and its waiter, the top
/// query between the two dumps, max_connections from pg_settings.
#[test]
fn pg15_locks_and_top_queries() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/postgres/pg15");
    let mut dumps = Vec::new();
    for (n, folder) in [(1, "2026-12-04_160500"), (2, "2026-12-04_160510")] {
        for name in [
            "pg_locks.aligned.txt",
            "pg_stat_activity.csv",
            "pg_settings.json",
            "pg_stat_statements.expanded.txt",
        ] {
            let text = std::fs::read_to_string(dir.join(format!("{n}-{name}"))).unwrap();
            dumps.push(read_dump(&format!("pg15/{folder}/{name}"), &text).unwrap());
        }
    }
    let a = postgres::analyze_dumps(&dumps);
    assert_eq!(a.max_connections, Some(20));
    let lock = a
        .findings
        .iter()
        .find(|f| f.kind == "pg.lock_holder")
        .expect("lock holder");
    assert_eq!(lock.title, "pid 24994 holds a lock 1 session wait on");
    assert!(
        lock.detail
            .contains("(holder: SELECT pg_sleep(8);) blocked pid 24998"),
        "{}",
        lock.detail
    );
    // The holder's pg_sleep(8) finished between the dumps: 8 s in one call.
    let top = &a.top_queries[0];
    assert_eq!(
        (top.fingerprint.as_str(), top.calls),
        ("select pg_sleep(?)", 1.0)
    );
    assert!((top.total_ms - 8000.0).abs() < 50.0, "{}", top.total_ms);
    let fp = "update pgbench_branches set bbalance = bbalance + ? where bid = ?";
    let branches = a.top_queries.iter().find(|q| q.fingerprint == fp).unwrap();
    // 2590 cumulative calls in the second dump, 1332 in the first.
    assert_eq!(branches.calls, 1258.0);
}

/// A server log's `duration: ... statement:` line and the
/// pg_stat_statements entry for the same statement share a fingerprint.
#[test]
fn log_line_joins_pg_stat_statements() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/postgres/pg15");
    let text = std::fs::read_to_string(dir.join("1-pg_stat_statements.csv")).unwrap();
    let d = read_dump("pg15/2026-12-04_160500/pg_stat_statements.csv", &text).unwrap();
    let line = "2026-12-04 16:05:01.123 UTC [24990] LOG:  duration: 3.112 ms  statement: UPDATE pgbench_branches SET bbalance = bbalance + -4123 WHERE bid = 1;";
    let (ms, sql) = postgres::log_statement(line).unwrap();
    assert_eq!(ms, 3.112);
    let fp = postgres::fingerprint(sql);
    let hit = d
        .rows
        .iter()
        .find(|r| postgres::fingerprint(r.get("query").unwrap()) == fp);
    assert_eq!(
        hit.and_then(|r| r.get("queryid")),
        Some("2749555932451016658")
    );
    // Multi-line text in the dump matches the one-line log form.
    let multi = postgres::fingerprint("SELECT count(*) FROM pgbench_accounts WHERE abalance > 0");
    assert!(d
        .rows
        .iter()
        .any(|r| postgres::fingerprint(r.get("query").unwrap()) == multi));
}

/// Four app servers with twelve connections each against 50: the tier
/// imbalance finding; and a session idle in transaction.
#[test]
fn too_many_app_servers_and_idle_in_transaction() {
    let mut text = String::from("pid,application_name,state,state_change,query\n");
    for app in 1..=4 {
        for c in 0..12 {
            let state = if app == 1 && c == 0 {
                "idle in transaction"
            } else {
                "idle"
            };
            text.push_str(&format!(
                "{}{c:02},shop-api-{app},{state},2026-12-04 15:58:00+00,SELECT 1\n",
                app * 100
            ));
        }
    }
    let d = read_dump("pg/2026-12-04_160000/pg_stat_activity.csv", &text).unwrap();
    let a = postgres::analyze_dumps_with(&[d], Some(50));
    let f = a
        .findings
        .iter()
        .find(|f| f.kind == "pg.tier_imbalance")
        .expect("imbalance");
    assert!(
        f.title.starts_with("48 of max_connections 50 in use (96%)"),
        "{}",
        f.title
    );
    assert!(
        f.detail
            .contains("`shop-api` runs 4 instances, which held 12, 12, 12 and 12 connections at their busiest (48 together"),
        "{}",
        f.detail
    );
    let idle = a
        .findings
        .iter()
        .find(|f| f.kind == "pg.idle_in_transaction")
        .unwrap();
    assert!(
        idle.detail
            .contains("pid 10000 (shop-api-1) sat idle in transaction for 120 s"),
        "{}",
        idle.detail
    );
}

/// Usage snapshots are not dumps and dumps are not usage snapshots.
#[test]
fn detectors_do_not_overlap() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for sub in ["postgres/pg15", "postgres/versions", "usage/live"] {
        for e in std::fs::read_dir(root.join(sub)).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if [".sh", ".py", ".md"].iter().any(|x| name.ends_with(x)) {
                continue;
            }
            let text = std::fs::read_to_string(e.path()).unwrap();
            let rel = format!("{sub}/{name}");
            let usage = outsidein::usage::detect(&rel, &text);
            let pg = postgres::detect_dump(&rel, &text);
            if sub.starts_with("postgres") {
                assert_eq!(
                    (usage.map(|k| k.name()), pg.is_some()),
                    (None, true),
                    "{rel}"
                );
            } else {
                assert!(pg.is_none(), "{rel}: {pg:?}");
            }
        }
    }
}

/// (view file name, columns present, columns absent, implied version).
type ViewCase = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    Option<u32>,
);

/// What one version family's column sets must yield: the columns it adds
/// (present) and those later versions add (absent).
struct Family {
    versions: &'static [u32],
    views: [ViewCase; 4],
}

fn sample_value(a: &postgres::PgAnalysis, metric: &str, label: &str) -> Vec<f64> {
    a.samples
        .iter()
        .filter(|s| s.metric == metric && s.labels.iter().any(|(_, v)| v == label))
        .map(|s| s.value)
        .collect()
}

/// Reads the two aligned dumps of each view for every version of the
/// family (fixtures/postgres/versions/README.md) and checks the columns,
/// the version they imply, and the deltas between the dumps.
fn check_family(f: &Family) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/postgres/versions");
    for v in f.versions {
        let mut dumps = Vec::new();
        for (view, present, absent, implied) in &f.views {
            for (n, at) in [(1, "2026-12-04_150000"), (2, "2026-12-04_150100")] {
                let name = format!("pg{v}-{view}-{n}.aligned.txt");
                let text = std::fs::read_to_string(dir.join(&name)).unwrap();
                let d = read_dump(&format!("pg{v}/{at}/{view}.txt"), &text)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(d.view.name(), *view, "{name}");
                assert_eq!(d.format, PgFormat::Aligned, "{name}");
                assert!(d.issues.is_empty(), "{name}: {:?}", d.issues);
                for c in *present {
                    assert!(d.columns.iter().any(|x| x == c), "{name}: no {c}");
                }
                for c in *absent {
                    assert!(!d.columns.iter().any(|x| x == c), "{name}: has {c}");
                }
                assert_eq!(d.min_version(), *implied, "{name}");
                dumps.push(d);
            }
        }
        let a = postgres::analyze_dumps(&dumps);
        assert!(a.issues.is_empty(), "pg{v}: {:?}", a.issues);
        assert!(
            a.samples.iter().all(|s| s.value >= 0.0),
            "pg{v}: a negative sample"
        );
        // 600 commits, 60 sequential and 600 index scans in 60 s.
        assert_eq!(
            sample_value(&a, "pg.db.xact_commit_per_s", "shop"),
            [10.0],
            "pg{v}"
        );
        assert_eq!(
            sample_value(&a, "pg.table.seq_scan_per_s", "public.orders"),
            [1.0],
            "pg{v}"
        );
        assert_eq!(
            sample_value(&a, "pg.index.idx_scan_per_s", "orders.orders_pkey"),
            [10.0],
            "pg{v}"
        );
        // Two client backends; the parallel worker is not a connection.
        let total = a.connections.iter().find(|c| c.by == "total").unwrap();
        assert_eq!(total.peak, 2, "pg{v}");
        let seq = a
            .findings
            .iter()
            .find(|x| x.kind == "pg.seq_scan_large")
            .unwrap_or_else(|| panic!("pg{v}: no seq scan finding"));
        assert_eq!(
            seq.title,
            "60 sequential scans on public.orders read 20000 rows each"
        );
        // Counters only the newer versions have.
        let sessions = sample_value(&a, "pg.db.sessions_per_s", "shop");
        assert_eq!(sessions, if *v >= 14 { vec![1.0] } else { vec![] }, "pg{v}");
        let newpage = sample_value(&a, "pg.table.n_tup_newpage_upd_per_s", "public.orders");
        assert_eq!(newpage, if *v >= 16 { vec![1.0] } else { vec![] }, "pg{v}");
        let ins = sample_value(&a, "pg.table.n_ins_since_vacuum", "public.orders");
        assert_eq!(
            ins,
            if *v >= 13 { vec![60.0, 120.0] } else { vec![] },
            "pg{v}"
        );
    }
}

const ACT: &str = "pg_stat_activity";
const DB: &str = "pg_stat_database";
const TAB: &str = "pg_stat_user_tables";
const IDX: &str = "pg_stat_user_indexes";

#[test]
fn versions_pg12() {
    check_family(&Family {
        versions: &[12],
        views: [
            (
                ACT,
                &["pid", "backend_type"],
                &["leader_pid", "query_id"],
                None,
            ),
            (
                DB,
                &["checksum_failures", "checksum_last_failure"],
                &["sessions"],
                None,
            ),
            (TAB, &["n_mod_since_analyze"], &["n_ins_since_vacuum"], None),
            (IDX, &["idx_scan"], &["last_idx_scan"], None),
        ],
    });
}

#[test]
fn versions_pg13() {
    check_family(&Family {
        versions: &[13],
        views: [
            (ACT, &["leader_pid"], &["query_id"], Some(13)),
            (DB, &["checksum_failures"], &["session_time"], None),
            (TAB, &["n_ins_since_vacuum"], &["last_seq_scan"], Some(13)),
            (IDX, &["idx_scan"], &["last_idx_scan"], None),
        ],
    });
}

#[test]
fn versions_pg14_15() {
    let db14: &[&str] = &[
        "session_time",
        "active_time",
        "idle_in_transaction_time",
        "sessions",
        "sessions_abandoned",
        "sessions_fatal",
        "sessions_killed",
        "checksum_failures",
    ];
    check_family(&Family {
        versions: &[14, 15],
        views: [
            (ACT, &["leader_pid", "query_id"], &[], Some(14)),
            (DB, db14, &[], Some(14)),
            (
                TAB,
                &["n_ins_since_vacuum"],
                &["n_tup_newpage_upd"],
                Some(13),
            ),
            (IDX, &["idx_scan"], &["last_idx_scan"], None),
        ],
    });
}

#[test]
fn versions_pg16_17() {
    check_family(&Family {
        versions: &[16, 17],
        views: [
            (ACT, &["leader_pid", "query_id"], &[], Some(14)),
            (DB, &["sessions", "checksum_last_failure"], &[], Some(14)),
            (
                TAB,
                &["last_seq_scan", "last_idx_scan", "n_tup_newpage_upd"],
                &[],
                Some(16),
            ),
            (IDX, &["last_idx_scan"], &[], Some(16)),
        ],
    });
}

/// A dump cut inside a number, in every psql form: the rows before the cut
/// are kept, the cut row is not taken for a whole one, and the issue names
/// the line.
#[test]
fn cut_mid_row_in_every_form() {
    let cases = [
        (
            "aligned.txt",
            " datname  | xact_commit \n----------+-------------\n postgres |         100\n shop     |          16",
            4,
        ),
        ("unaligned.txt", "datname|xact_commit\npostgres|100\nshop|16", 3),
        ("csv", "datname,xact_commit\npostgres,100\nshop,16", 3),
        (
            "expanded.txt",
            "-[ RECORD 1 ]+---------\ndatname     | postgres\nxact_commit | 100\n-[ RECORD 2 ]+---------\ndatname     | shop\nxact_commit | 16",
            6,
        ),
        (
            "json",
            "{\"datname\":\"postgres\",\"xact_commit\":100}\n{\"datname\":\"shop\",\"xact_commit\":16",
            2,
        ),
    ];
    for (ext, text, line) in cases {
        let rel = format!("pg/2026-12-04_150000/pg_stat_database.{ext}");
        let d = read_dump(&rel, text).unwrap_or_else(|e| panic!("{ext}: {e}"));
        assert_eq!(d.view, PgView::Database, "{ext}");
        let names: Vec<_> = d.rows.iter().filter_map(|r| r.get("datname")).collect();
        assert_eq!(names, ["postgres"], "{ext}");
        assert_eq!(d.issues[0].line, Some(line), "{ext}: {:?}", d.issues);
        assert!(d.issues[0].path.ends_with(ext), "{ext}");
    }
}

/// The middle dump of three was cut and lost the `shop` row: its rate in
/// the third dump is taken from the first, over both intervals, not from
/// zero; nothing is negative.
#[test]
fn a_cut_dump_between_whole_ones() {
    let h = "datname,xact_commit\n";
    let dumps = [
        csv_dump(
            "2026-12-04_150000",
            &format!("{h}postgres,100\nshop,1000\n"),
        ),
        csv_dump("2026-12-04_150100", &format!("{h}postgres,160\nshop,16")),
        csv_dump(
            "2026-12-04_150200",
            &format!("{h}postgres,220\nshop,2200\n"),
        ),
    ];
    assert_eq!(dumps[1].rows.len(), 1);
    assert_eq!(dumps[1].issues[0].line, Some(3));
    let a = postgres::analyze_dumps(&dumps);
    assert!(a.samples.iter().all(|s| s.value >= 0.0));
    assert_eq!(
        sample_value(&a, "pg.db.xact_commit_per_s", "shop"),
        [1200.0 / 120.0]
    );
    assert_eq!(
        sample_value(&a, "pg.db.xact_commit_per_s", "postgres"),
        [1.0, 1.0]
    );
    assert!(sample_value(&a, "pg.db.counter_reset", "shop").is_empty());
}

/// A bundle whose pg_stat_database dumps come from Postgres 13, then 14
/// (an upgrade, or two capture scripts): both read, one issue on the
/// second dump's header naming the columns, deltas over the shared
/// columns only, none negative.
#[test]
fn mixed_versions_in_one_series() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/postgres/versions");
    let read = |v: u32, n: u32, at: &str| {
        let text =
            std::fs::read_to_string(dir.join(format!("pg{v}-pg_stat_database-{n}.aligned.txt")))
                .unwrap();
        read_dump(&format!("pg/{at}/pg_stat_database.txt"), &text).unwrap()
    };
    let dumps = [
        read(13, 1, "2026-12-04_150000"),
        read(14, 2, "2026-12-04_150100"),
    ];
    let a = postgres::analyze_dumps(&dumps);
    assert_eq!(a.issues.len(), 1, "{:?}", a.issues);
    let issue = &a.issues[0];
    assert_eq!(
        (issue.path.as_str(), issue.line),
        ("pg/2026-12-04_150100/pg_stat_database.txt", Some(1))
    );
    assert!(
        issue
            .message
            .contains("Postgres 12 or later; this one Postgres 14 or later")
            && issue.message.contains(
                "added active_time, idle_in_transaction_time, session_time, sessions, \
                 sessions_abandoned, sessions_fatal, sessions_killed"
            ),
        "{}",
        issue.message
    );
    assert!(a.samples.iter().all(|s| s.value >= 0.0));
    assert_eq!(sample_value(&a, "pg.db.xact_commit_per_s", "shop"), [10.0]);
    // The first dump has no sessions column: no rate, rather than the
    // cumulative count taken for one minute's.
    assert!(sample_value(&a, "pg.db.sessions_per_s", "shop").is_empty());
}

/// A real `pg_stat_reset()` between two dumps (fixtures/pg-reset/capture.sh,
/// Postgres 15): the third dump's counters are lower than the second's and
/// its stats_reset is set, so the report names one counter-reset gap at
/// that dump.
#[test]
fn real_stats_reset_is_an_evidence_gap() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pg-reset/bundle");
    let mut dumps: Vec<_> = std::fs::read_dir(root.join("postgres"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dumps.sort();
    assert_eq!(dumps.len(), 3);
    let commits = |dir: &Path| -> (u64, String) {
        let text = std::fs::read_to_string(dir.join("pg_stat_database.csv")).unwrap();
        let row = text.lines().find(|l| l.starts_with("postgres,")).unwrap();
        let cols: Vec<&str> = row.split(',').collect();
        (cols[2].parse().unwrap(), cols[7].to_string())
    };
    let ((second, before), (third, after)) = (commits(&dumps[1]), commits(&dumps[2]));
    assert!(third < second && before.is_empty() && !after.is_empty());
    let out = super::analyze::run(&["analyze", root.to_str().unwrap(), "--format", "json"]);
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let gaps = r["evidence_gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["kind"], "counter_reset");
    let third_dir = dumps[2].file_name().unwrap().to_str().unwrap();
    assert_eq!(
        gaps[0]["source"],
        format!("postgres/{third_dir}/pg_stat_database.csv")
    );
    assert!(gaps[0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("pg.db: counters of 1 row"));
}

/// QA: the sample's collector dumps the top 15 statements, and the
/// collector's own `SELECT relname, seq_scan, ...` falls out of them after
/// 16:18:47 (2 calls) and is back at 16:22:12 (12 calls). Its delta there
/// is the 10 calls since its last reading, not 12 "new" ones.
#[test]
fn a_row_back_in_a_top_n_dump_is_compared_with_its_last_reading() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/sample-bundle/sb_shop-demo-01_20261204_162345/postgres");
    let mut dumps = Vec::new();
    let mut folders: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    folders.sort();
    for f in folders {
        let text = std::fs::read_to_string(dir.join(&f).join("pg_stat_statements.txt")).unwrap();
        dumps.push(read_dump(&format!("postgres/{f}/pg_stat_statements.txt"), &text).unwrap());
    }
    let a = postgres::analyze_dumps(&dumps);
    let steps: Vec<(String, f64, f64)> = a
        .query_steps
        .iter()
        .filter(|q| q.fingerprint.starts_with("select relname, seq_scan"))
        .map(|q| (q.end.to_string(), q.secs, q.calls))
        .collect();
    assert_eq!(
        steps,
        [
            ("2026-12-04T16:18:47Z".to_string(), 20.0, 1.0),
            ("2026-12-04T16:22:12Z".to_string(), 205.0, 10.0),
            ("2026-12-04T16:22:33Z".to_string(), 21.0, 1.0),
        ]
    );
}

/// QA: two pg_settings dumps saying 30 then 50: max_connections is the
/// later one's, as the settings diff reads it.
#[test]
fn max_connections_is_the_latest_settings_dump() {
    let h = "name,setting\n";
    let dumps: Vec<PgDump> = [("2026-12-04_162111", 30), ("2026-12-04_162345", 50)]
        .iter()
        .rev()
        .map(|(at, v)| {
            read_dump(
                &format!("pg/{at}/pg_settings.csv"),
                &format!("{h}max_connections,{v}\n"),
            )
            .unwrap()
        })
        .collect();
    assert_eq!(postgres::analyze_dumps(&dumps).max_connections, Some(50));
}
