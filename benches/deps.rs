//! Diffing the largest corpus pairs end to end (read, detect, parse both
//! sides, compare): `cargo bench --bench deps`.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use outsidein::deps::{analyze_files, DepFile};

const PAIRS: [(&str, &str); 2] = [
    ("clipanion-yarn-berry-remaster-153", "lock"),
    ("defu-pnpm-v6-to-v9", "yaml"),
];

fn corpus(pair: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/deps")
        .join(pair)
}

fn bench_pairs(c: &mut Criterion) {
    let mut group = c.benchmark_group("deps_diff_pair");
    for (pair, ext) in PAIRS {
        let dir = corpus(pair);
        let before = std::fs::read(dir.join(format!("before.{ext}"))).expect("corpus pair");
        let after = std::fs::read(dir.join(format!("after.{ext}"))).expect("corpus pair");
        let (bp, ap) = (
            format!("{pair}/before.{ext}"),
            format!("{pair}/after.{ext}"),
        );
        let files = [
            DepFile {
                path: &bp,
                bytes: &before,
                mtime: None,
            },
            DepFile {
                path: &ap,
                bytes: &after,
                mtime: None,
            },
        ];
        group.bench_function(pair, |b| b.iter(|| analyze_files(&files)));
    }
    group.finish();
}

criterion_group!(benches, bench_pairs);
criterion_main!(benches);
