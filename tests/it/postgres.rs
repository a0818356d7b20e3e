//! Postgres statistics dumps: the shared bundle's 39 expanded dumps, the
//! five psql forms captured from a local Postgres 15, column sets of
//! versions 12-17, counter resets and cut dumps.

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
