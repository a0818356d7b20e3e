//! Template mining throughput.
//!
//! Without arguments: criterion over the Loghub-2k messages (skipped when
//! `shared/` is absent). With `SIG_BENCH_FILES=a.content:b.content`: groups
//! each file (one message a line) three times (`SIG_BENCH_RUNS`) after
//! reading it, as `outsidein signatures` does (`signature::group`), and
//! prints the best run as `file lines seconds lines_per_s groups`; with
//! `SIG_BENCH_STATS=1` it mines with the statistics of every template's
//! variables (`signature::mine`, as `analyze` does) instead. A file named
//! `*.log` is a raw log: each run also detects its format and cuts every
//! line's header off (`logs::messages`, as `outsidein signatures` does)
//! before mining, and that is timed too (the built-in formats' regexes are
//! compiled before the clock starts, once a process). With `SIG_BENCH_SPLIT=1` a raw
//! log's run is the header split alone. With `SIG_BENCH_PRED_DIR` it also
//! writes `<stem>.jsonl` predictions for the grouping scorer and
//! `<stem>.templates.json`, the templates (with their statistics under
//! `SIG_BENCH_STATS=1`).

use criterion::Criterion;
use outsidein::signature::{group, mine, Mined};
use std::path::Path;
use std::time::Instant;

fn main() {
    match std::env::var("SIG_BENCH_FILES") {
        Ok(files) => files.split(':').for_each(|f| time_file(Path::new(f))),
        Err(_) => criterion_main(),
    }
}

fn time_file(path: &Path) {
    // Bytes that are not UTF-8 read as U+FFFD, as `outsidein signatures`
    // reads them; valid text is not copied.
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let raw = path.extension().is_some_and(|e| e == "log");
    // The built-in formats are compiled before the clock starts, as
    // Drain3's miner is made before its own: a cost of the process, not of
    // the lines (about 10 ms of CPU, whatever the file).
    outsidein::logs::Registry::builtin();
    if raw && std::env::var_os("SIG_BENCH_SPLIT").is_some() {
        return time_split(path, &text);
    }
    let lines: Vec<&str> = match raw {
        true => vec![],
        false => text.lines().collect(),
    };
    // Best of three: the machine is shared, the fastest run is the least
    // disturbed one.
    let mut secs = f64::MAX;
    let mut mined = None;
    let runs: usize = std::env::var("SIG_BENCH_RUNS").map_or(3, |r| r.parse().unwrap());
    let how = match std::env::var_os("SIG_BENCH_STATS").is_some_and(|v| v == "1") {
        true => mine,
        false => group,
    };
    for _ in 0..runs {
        // The last run's result is dropped first, so that peak memory is
        // that of one run.
        drop(mined.take());
        let start = Instant::now();
        let m = match raw {
            true => {
                let messages = outsidein::logs::messages(&text);
                how(&messages.texts())
            }
            false => how(&lines),
        };
        secs = secs.min(start.elapsed().as_secs_f64());
        mined = Some(m);
    }
    let mined = mined.expect("at least one run");
    let n = mined.assignment.len();
    let rate = n as f64 / secs;
    println!(
        "{} {n} {secs:.3} {rate:.0} {}",
        path.display(),
        mined.templates.len()
    );
    if let Ok(dir) = std::env::var("SIG_BENCH_PRED_DIR") {
        let stem = path.file_stem().unwrap().to_string_lossy();
        write_predictions(&Path::new(&dir).join(format!("{stem}.jsonl")), &mined);
    }
}

/// With `SIG_BENCH_SPLIT` set, a raw log's header split alone
/// (`logs::messages`: detection, then every line's header cut off), timed
/// as the whole run is: `file lines seconds lines_per_s`.
fn time_split(path: &Path, text: &str) {
    let runs: usize = std::env::var("SIG_BENCH_RUNS").map_or(3, |r| r.parse().unwrap());
    let mut secs = f64::MAX;
    let mut n = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let messages = outsidein::logs::messages(text);
        secs = secs.min(start.elapsed().as_secs_f64());
        n = messages.len();
    }
    let rate = n as f64 / secs;
    println!("{} {n} {secs:.3} {rate:.0}", path.display());
}

fn write_predictions(path: &Path, mined: &Mined) {
    use std::io::Write;
    let create = |path: &Path| {
        std::fs::File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    };
    let mut out = std::io::BufWriter::new(create(path));
    for (i, &t) in mined.assignment.iter().enumerate() {
        let tpl = &mined.templates[t as usize];
        let rec = serde_json::json!({"line": i + 1, "template_id": tpl.id});
        writeln!(out, "{rec}").unwrap();
    }
    // Templates with their parameter statistics, to compare two builds.
    let path = path.with_extension("templates.json");
    serde_json::to_writer_pretty(create(&path), &mined.templates).unwrap();
}

fn criterion_main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/loghub2k");
    let Ok(dirs) = std::fs::read_dir(&root) else {
        eprintln!("skipped: {} not found", root.display());
        return;
    };
    let mut lines = vec![];
    for d in dirs.flatten().filter(|d| d.path().is_dir()) {
        let name = d.file_name().to_string_lossy().into_owned();
        if let Ok(t) = std::fs::read_to_string(d.path().join(format!("{name}_2k.log"))) {
            lines.extend(t.lines().map(str::to_string));
        }
    }
    let msgs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("signature");
    g.throughput(criterion::Throughput::Elements(msgs.len() as u64));
    g.bench_function("mine_loghub2k_raw_lines", |b| b.iter(|| mine(&msgs)));
    g.finish();
    c.final_summary();
}
