//! Usage snapshots: detection from content and name, then parsing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outsidein::usage::{detect, parse, SnapshotCtx};

const NAMES: &[&str] = &[
    "system/2026-12-04_161847/top.txt",
    "system/free.txt",
    "system/df.txt",
    "system/vmstat.txt",
    "system/iostat.txt",
    "system/ps.txt",
    "system/meminfo",
    "system/loadavg",
    "system/docker_stats.txt",
    "system/ss.txt",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let path = NAMES[pick as usize % NAMES.len()];
    let text = String::from_utf8_lossy(bytes);
    if let Some(kind) = detect(path, &text) {
        let ctx = SnapshotCtx::from_path(path, "host");
        let _ = parse(kind, &ctx, &text);
    }
});
