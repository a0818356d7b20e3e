//! Postgres statistics dumps in each of their layouts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outsidein::postgres::{detect_dump, parse_dump};
use outsidein::usage::SnapshotCtx;

const NAMES: &[&str] = &[
    "postgres/2026-12-04_161847/pg_stat_activity.txt",
    "postgres/2026-12-04_161847/pg_stat_statements.txt",
    "postgres/2026-12-04_161847/pg_stat_database.csv",
    "postgres/2026-12-04_161847/pg_stat_user_tables.txt",
    "postgres/pg_stat_activity.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let path = NAMES[pick as usize % NAMES.len()];
    let text = String::from_utf8_lossy(bytes);
    let _ = detect_dump(path, &text);
    let ctx = SnapshotCtx::from_path(path, "db");
    let _ = parse_dump(&ctx, &text);
});
