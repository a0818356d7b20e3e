//! Log ingest throughput: detect + frame + timestamp over files, no report.
//!
//! `INGEST_FILES=a.log:b.log` (required): each file is mapped, its format
//! detected from its first 64 KiB and every line framed into records with
//! their times, as `analyze` does, files in parallel and large files in
//! chunks, through the streaming visitor ([`outsidein::logs::frame_visit`]):
//! records are counted as they complete and none is kept, so memory is the
//! mapped pages of the files being framed and a constant. Runs
//! `INGEST_RUNS` times (default 3) and prints the best run as
//! `bytes seconds MB_per_s records lines no_time anon_peak_kib`, the last
//! being the most anonymous (not file-backed) memory seen after a file was
//! framed (`RssAnon` of /proc/self/status). Threads: `RAYON_NUM_THREADS`.
//!
//! `INGEST_OWNED=1` frames through [`outsidein::logs::frame`] instead, as
//! `analyze` and `timeline` do: every record copied out of the file into
//! an owned [`outsidein::logs::Record`] and kept until the file is done
//! (memory then grows with the largest files framed at once).

use outsidein::logs::{frame, frame_visit, Registry};
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
    let anon = std::sync::atomic::AtomicU64::new(0);
    let mut best = f64::MAX;
    let mut counts = Counts::default();
    for _ in 0..runs {
        let start = Instant::now();
        counts = files
            .par_iter()
            .map(|f| {
                let counts = ingest(f, &registry, &ctx);
                anon.fetch_max(rss_anon_kib(), std::sync::atomic::Ordering::Relaxed);
                counts
            })
            .reduce(Counts::default, add);
        best = best.min(start.elapsed().as_secs_f64());
    }
    let mb_s = counts.bytes as f64 / 1e6 / best;
    println!(
        "{} {best:.3} {mb_s:.0} {} {} {} {}",
        counts.bytes,
        counts.records,
        counts.lines,
        counts.no_time,
        anon.into_inner()
    );
}

/// Resident anonymous memory of this process, KiB (0 where unknown).
fn rss_anon_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
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
    let format = registry.get(detection.index);
    if std::env::var_os("INGEST_OWNED").is_some() {
        let log = frame(format, &map, ctx);
        return Counts {
            bytes: map.len() as u64,
            records: log.records.len() as u64,
            lines: log.lines,
            no_time: log.no_time,
        };
    }
    let (log, records) = frame_visit(format, &map, ctx, || 0u64, |n, _| *n += 1);
    Counts {
        bytes: map.len() as u64,
        records: records.iter().map(|(_, n)| n).sum(),
        lines: log.lines,
        no_time: log.no_time,
    }
}
