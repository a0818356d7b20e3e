//! Log ingest throughput: detect + frame + timestamp over files, no report.
//!
//! `INGEST_FILES=a.log:b.log` (required): each file is mapped, its format
//! detected from its first 64 KiB and every line framed into records with
//! their times, as `analyze` does, files in parallel and large files in
//! chunks ([`outsidein::logs::frame`]). Each file's records are dropped once
//! counted, so memory holds the records of the files being framed, not of
//! all. Runs `INGEST_RUNS` times (default 3) and prints the best run as
//! `bytes seconds MB_per_s records lines no_time`. Threads: `RAYON_NUM_THREADS`.

use outsidein::logs::{frame, Registry};
use outsidein::time::TimeCtx;
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

/// What one pass over the files counted.
#[derive(Default, Clone, Copy)]
struct Counts {
    bytes: u64,
    records: u64,
    lines: u64,
    no_time: u64,
}

fn main() {
    let files: Vec<PathBuf> = std::env::var("INGEST_FILES")
        .expect("INGEST_FILES=a.log:b.log")
        .split(':')
        .map(PathBuf::from)
        .collect();
    let runs: usize = std::env::var("INGEST_RUNS").map_or(3, |r| r.parse().unwrap());
    let registry = Registry::default();
    // A fixed collection time for years missing from syslog-style lines.
    let ctx = TimeCtx {
        reference: Some("2026-12-04T16:23:45Z".parse().unwrap()),
        ..TimeCtx::default()
    };
    let mut best = f64::MAX;
    let mut counts = Counts::default();
    for _ in 0..runs {
        let start = Instant::now();
        counts = files
            .par_iter()
            .map(|f| ingest(f, &registry, &ctx))
            .reduce(Counts::default, add);
        best = best.min(start.elapsed().as_secs_f64());
    }
    let mb_s = counts.bytes as f64 / 1e6 / best;
    println!(
        "{} {best:.3} {mb_s:.0} {} {} {}",
        counts.bytes, counts.records, counts.lines, counts.no_time
    );
}

fn add(a: Counts, b: Counts) -> Counts {
    Counts {
        bytes: a.bytes + b.bytes,
        records: a.records + b.records,
        lines: a.lines + b.lines,
        no_time: a.no_time + b.no_time,
    }
}

fn ingest(path: &PathBuf, registry: &Registry, ctx: &TimeCtx) -> Counts {
    let file = std::fs::File::open(path).expect("readable input");
    // SAFETY: the bench's inputs are not modified while it runs.
    let map = unsafe { memmap2::Mmap::map(&file) }.expect("mappable input");
    let head = String::from_utf8_lossy(&map[..map.len().min(64 * 1024)]);
    let detection = registry
        .detect(&head)
        .unwrap_or_else(|| panic!("{}: no format", path.display()));
    let log = frame(registry.get(detection.index), &map, ctx);
    Counts {
        bytes: map.len() as u64,
        records: log.records.len() as u64,
        lines: log.lines,
        no_time: log.no_time,
    }
}
