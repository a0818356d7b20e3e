//! `outsidein batch` over small archives of real bundles: the sample
//! bundle (fixtures/) as an archive and as a folder, a byte-identical copy,
//! a broken archive, and the memory-and-disk bundle from ../shared when
//! it is there.

use super::analyze::{run, shared};
use polars::prelude::*;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixed redaction key so that two runs write the same templates.
const KEY_ENV: (&str, &str) = ("OUTSIDEIN_REDACT_KEY", "batch-test-key");

pub fn batch(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_outsidein"))
        .arg("batch")
        .args(args)
        .env(KEY_ENV.0, KEY_ENV.1)
        .output()
        .expect("binary runs")
}

fn ok(out: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "stderr: {err}");
    err
}

/// An archive folder: the sample twice (one a copy under another name),
/// the sample as a folder, a file that is no archive under an archive's
/// name, a note that is no bundle, and memory-and-disk when available.
pub fn archive(dir: &Path) -> usize {
    let fx = root().join("fixtures");
    std::fs::copy(
        fx.join("sample-bundle.tar.gz"),
        dir.join("2026-12-04-sample.tar.gz"),
    )
    .unwrap();
    std::fs::copy(
        fx.join("sample-bundle.tar.gz"),
        dir.join("copy-of-sample.tar.gz"),
    )
    .unwrap();
    copy_dir(&fx.join("sample-bundle"), &dir.join("sample-folder"));
    std::fs::write(dir.join("broken.tar.gz"), b"this is not gzip\n").unwrap();
    std::fs::write(dir.join("NOTES.txt"), b"which incidents these are\n").unwrap();
    match shared() {
        Some(s) => {
            std::fs::copy(
                s.join("bundles/memory-and-disk.tar.gz"),
                dir.join("memory-and-disk.tar.gz"),
            )
            .unwrap();
            3
        }
        None => 2,
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else if t.is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn parquet(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn table(out: &Path, name: &str, part: &str) -> PathBuf {
    out.join("tables")
        .join(name)
        .join(part)
        .join(format!("{name}.parquet"))
}

fn strings(df: &DataFrame, col: &str) -> Vec<Option<String>> {
    let ca = df.column(col).unwrap().str().unwrap();
    (0..ca.len())
        .map(|i| ca.get(i).map(str::to_string))
        .collect()
}

#[test]
fn batch_reports_tables_duplicates_failures_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("archive");
    std::fs::create_dir(&input).unwrap();
    let analyzed = archive(&input);
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    let err = ok(&batch(&[input.to_str().unwrap(), "-o", o, "-j", "2"]));
    assert!(err.contains("NOTES.txt: not a bundle"), "{err}");
    assert!(err.contains("broken.tar.gz"), "{err}");

    let run_info = json(&out.join("run.json"));
    assert_eq!(run_info["analyzed"], analyzed);
    assert_eq!(run_info["duplicates"], 1);
    assert_eq!(run_info["failed"], 1);
    assert!(run_info["peak_rss_kib"].as_u64().unwrap() > 1000);

    // incidents: one row per input bundle, with its fate.
    let inc = parquet(&table(&out, "incidents", "shard=0-of-1"));
    assert_eq!(inc.height(), analyzed + 2);
    let status = strings(&inc, "status");
    let source = strings(&inc, "source");
    let ids = strings(&inc, "incident_id");
    let row = |name: &str| {
        source
            .iter()
            .position(|s| s.as_deref().unwrap().ends_with(name))
            .unwrap()
    };
    let (a, b) = (
        row("2026-12-04-sample.tar.gz"),
        row("copy-of-sample.tar.gz"),
    );
    assert_eq!(ids[a], ids[b], "same bytes, same incident id");
    // The first by path is analyzed, the other names it.
    assert_eq!(status[a].as_deref(), Some("analyzed"));
    assert_eq!(status[b].as_deref(), Some("duplicate"));
    assert!(strings(&inc, "duplicate_of")[b]
        .as_deref()
        .unwrap()
        .ends_with("2026-12-04-sample.tar.gz"));
    let broken = row("broken.tar.gz");
    assert_eq!(status[broken].as_deref(), Some("failed"));
    assert!(strings(&inc, "error")[broken]
        .as_deref()
        .unwrap()
        .contains("broken.tar.gz"));
    assert_eq!(
        strings(&inc, "top_finding_kind")[a].as_deref(),
        Some("pg.too_many_clients")
    );
    // Times are UTC datetimes.
    assert_eq!(
        inc.column("start").unwrap().dtype(),
        &DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
    );

    // The incident's own report is there, and the occurrences match it
    // signature for signature.
    let id = ids[a].clone().unwrap();
    let report = json(&out.join("incidents").join(&id).join("report.json"));
    assert!(out.join("incidents").join(&id).join("report.md").is_file());
    let sigs = report["signatures"].as_array().unwrap();
    let occ = parquet(&table(&out, "occurrences", "shard=0-of-1"));
    let occ_ids = strings(&occ, "incident_id");
    let count = occ.column("count").unwrap().u64().unwrap();
    let counts: Vec<Option<u64>> = (0..count.len()).map(|i| count.get(i)).collect();
    let mine: Vec<usize> = (0..occ.height())
        .filter(|&i| occ_ids[i].as_deref() == Some(id.as_str()))
        .collect();
    assert_eq!(mine.len(), sigs.len());
    let total: u64 = mine.iter().map(|&i| counts[i].unwrap()).sum();
    let want: u64 = sigs.iter().map(|s| s["count"].as_u64().unwrap()).sum();
    assert_eq!(total, want);
    let findings = parquet(&table(&out, "findings", "shard=0-of-1"));
    assert_eq!(
        strings(&findings, "incident_id")
            .iter()
            .filter(|i| i.as_deref() == Some(id.as_str()))
            .count(),
        report["findings"].as_array().unwrap().len()
    );
    assert!(out
        .join("tables/changes/shard=0-of-1/changes.csv")
        .is_file());

    // Recurrence: `sorry, too many clients already` in the archive and in
    // the folder copy (different bytes, same incident): two incidents.
    let rec = parquet(&out.join("tables/recurrence/recurrence.parquet"));
    let tmpl = strings(&rec, "template");
    let i = tmpl
        .iter()
        .position(|t| t.as_deref() == Some("sorry, too many clients already"))
        .unwrap();
    assert_eq!(
        rec.column("incidents").unwrap().u64().unwrap().get(i),
        Some(2)
    );
    let summary = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(summary.contains("## Signatures recurring across incidents"));
    assert!(summary.contains("sorry, too many clients already"));
    assert!(summary.contains("same content as"));

    // A rerun skips what is done and writes the same tables.
    let csv_before =
        std::fs::read(out.join("tables/occurrences/shard=0-of-1/occurrences.csv")).unwrap();
    ok(&batch(&[input.to_str().unwrap(), "-o", o, "-j", "2"]));
    let again = json(&out.join("run.json"));
    assert_eq!(again["analyzed"], 0);
    assert_eq!(again["skipped_done"], analyzed);
    let csv_after =
        std::fs::read(out.join("tables/occurrences/shard=0-of-1/occurrences.csv")).unwrap();
    assert_eq!(csv_before, csv_after);
    // --force analyzes again.
    ok(&batch(&[
        input.to_str().unwrap(),
        "-o",
        o,
        "-j",
        "2",
        "--force",
    ]));
    assert_eq!(json(&out.join("run.json"))["analyzed"], analyzed);
    // No temporary file or folder is left anywhere in the output.
    let mut left = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.to_string_lossy().contains("outsidein-tmp") {
                left.push(p.clone());
            }
            if p.is_dir() {
                stack.push(p);
            }
        }
    }
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn batch_reads_a_list_file_and_checks_its_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("bundles.txt");
    let sample = root().join("fixtures/sample-bundle.tar.gz");
    std::fs::write(
        &list,
        format!(
            "# incidents of December\n{}\n\nmissing.tar.gz\n",
            sample.display()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    ok(&batch(&[
        list.to_str().unwrap(),
        "-o",
        o,
        "--format",
        "json,html",
    ]));
    let info = json(&out.join("run.json"));
    assert_eq!(
        (info["analyzed"].as_u64(), info["failed"].as_u64()),
        (Some(1), Some(1))
    );
    let inc = parquet(&table(&out, "incidents", "shard=0-of-1"));
    let errors = strings(&inc, "error");
    // A relative name is read from the list file's folder.
    let missing = errors.iter().flatten().next().unwrap();
    assert!(
        missing.contains(&tmp.path().join("missing.tar.gz").display().to_string()),
        "{missing}"
    );
    let id = strings(&inc, "incident_id")
        .into_iter()
        .zip(strings(&inc, "status"))
        .find(|(_, s)| s.as_deref() == Some("analyzed"))
        .unwrap()
        .0
        .unwrap();
    assert!(out
        .join("incidents")
        .join(&id)
        .join("report.json")
        .is_file());
    assert!(!out.join("incidents").join(&id).join("report.md").exists());
    let html =
        std::fs::read_to_string(out.join("incidents").join(&id).join("report.html")).unwrap();
    assert!(html.contains("<html") && html.contains("too many clients"));
    for bad in [&["--shard", "3/3"][..], &["--shard", "x"][..]] {
        let mut args = vec![list.to_str().unwrap(), "-o", o];
        args.extend_from_slice(bad);
        assert_eq!(batch(&args).status.code(), Some(2));
    }
    let missing_input = tmp.path().join("nothing-here");
    assert_eq!(
        batch(&[missing_input.to_str().unwrap(), "-o", o])
            .status
            .code(),
        Some(3)
    );
}

/// The rows of a CSV table of every partition under `tables/<name>/`,
/// header left out, sorted.
fn csv_rows(out: &Path, name: &str) -> Vec<String> {
    let dir = out.join("tables").join(name);
    let mut rows = Vec::new();
    let mut files = vec![dir.join(format!("{name}.csv"))];
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files.push(p.join(format!("{name}.csv")));
        }
    }
    for f in files.into_iter().filter(|f| f.is_file()) {
        let text = std::fs::read_to_string(&f).unwrap();
        let recs = super::signature::read_csv(&text);
        rows.extend(recs.into_iter().skip(1).map(|r| r.join("\u{1f}")));
    }
    rows.sort();
    rows
}

#[test]
fn three_shards_union_equals_the_single_run() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("archive");
    std::fs::create_dir(&input).unwrap();
    archive(&input);
    let i = input.to_str().unwrap();
    let single = tmp.path().join("single");
    ok(&batch(&[i, "-o", single.to_str().unwrap(), "-j", "2"]));
    let sharded = tmp.path().join("sharded");
    let s = sharded.to_str().unwrap();
    let mut taken = 0;
    for k in 0..3 {
        let shard = format!("{k}/3");
        let err = ok(&batch(&[i, "-o", s, "--shard", &shard, "-j", "1"]));
        assert!(err.contains("--merge"), "{err}");
        let info = json(&sharded.join(format!("run-shard={k}-of-3.json")));
        taken += info["in_shard"].as_u64().unwrap();
    }
    let all = json(&single.join("run.json"))["inputs"].as_u64().unwrap();
    assert_eq!(taken, all, "every input in exactly one shard");
    let merged = run(&["batch", "--merge", "-o", s]);
    assert_eq!(merged.status.code(), Some(0));
    for table in [
        "incidents",
        "occurrences",
        "changes",
        "findings",
        "recurrence",
    ] {
        let (a, b) = (csv_rows(&single, table), csv_rows(&sharded, table));
        assert!(!a.is_empty(), "{table}");
        assert_eq!(a, b, "{table}");
    }
    // A signature seen in two shards is a row of each: the union, made
    // distinct, is the single run's.
    let mut b = csv_rows(&sharded, "signatures");
    b.dedup();
    assert_eq!(csv_rows(&single, "signatures"), b);
    assert_eq!(
        std::fs::read_to_string(single.join("summary.md")).unwrap(),
        std::fs::read_to_string(sharded.join("summary.md")).unwrap()
    );
}

/// A python that has the `duckdb` package.
fn python_with_duckdb() -> PathBuf {
    super::python::with(&[("duckdb", "duckdb")])
}

#[test]
fn duckdb_reads_the_shards_as_one_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("archive");
    std::fs::create_dir(&input).unwrap();
    let analyzed = archive(&input) as u64;
    let out = tmp.path().join("out");
    let o = out.to_str().unwrap();
    for k in 0..2 {
        ok(&batch(&[
            input.to_str().unwrap(),
            "-o",
            o,
            "--shard",
            &format!("{k}/2"),
        ]));
    }
    let script = r#"
import duckdb, json, sys
t = sys.argv[1] + "/tables"
q = lambda sql: duckdb.sql(sql).fetchall()
src = lambda name: f"read_parquet('{t}/{name}/*/*.parquet', hive_partitioning = true)"
print(json.dumps({
  "incidents": q(f"select count(*) from {src('incidents')}")[0][0],
  "analyzed": q(f"select count(*) from {src('incidents')} where status = 'analyzed'")[0][0],
  "shards": q(f"select count(distinct shard) from {src('incidents')}")[0][0],
  "start_type": q(f"select typeof(start) from {src('incidents')} limit 1")[0][0],
  "per_incident": dict(q(f"select incident_id, count(*) from {src('occurrences')} group by 1")),
  "findings": dict(q(f"select incident_id, count(*) from {src('findings')} group by 1")),
  "changes": dict(q(f"select incident_id, count(*) from {src('changes')} group by 1")),
  "signatures": q(f"select count(distinct signature_id) from {src('signatures')}")[0][0],
  "hosts_type": q(f"select typeof(hosts) from {src('incidents')} limit 1")[0][0],
  "hosts": dict(q(f"select incident_id, hosts from {src('incidents')} where status = 'analyzed'")),
}))
"#;
    let py = python_with_duckdb();
    let res = std::process::Command::new(&py)
        .args(["-c", script, o])
        .output()
        .unwrap();
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let got: Value = serde_json::from_slice(&res.stdout).unwrap();
    let runs: Vec<Value> = (0..2)
        .map(|k| json(&out.join(format!("run-shard={k}-of-2.json"))))
        .collect();
    let inputs: u64 = runs.iter().map(|r| r["in_shard"].as_u64().unwrap()).sum();
    assert_eq!(got["incidents"].as_u64(), Some(inputs));
    assert_eq!(got["analyzed"].as_u64(), Some(analyzed));
    assert_eq!(got["shards"].as_u64(), Some(2));
    assert_eq!(got["start_type"], "TIMESTAMP WITH TIME ZONE");
    // Lists are lists in Parquet.
    assert_eq!(got["hosts_type"], "VARCHAR[]");
    // Each incident's counts are those of its own JSON report.
    let mut distinct = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(out.join("incidents")).unwrap() {
        let dir = e.unwrap().path();
        let r = json(&dir.join("report.json"));
        let id = dir.file_name().unwrap().to_str().unwrap().to_string();
        let n = |k: &str| r[k].as_array().unwrap().len() as u64;
        assert_eq!(got["hosts"][&id], r["bundle"]["hosts"], "{id}");
        assert_eq!(
            got["per_incident"][&id].as_u64(),
            Some(n("signatures")),
            "{id}"
        );
        assert_eq!(
            got["findings"][&id].as_u64().unwrap_or(0),
            n("findings"),
            "{id}"
        );
        assert_eq!(
            got["changes"][&id].as_u64().unwrap_or(0),
            n("changes"),
            "{id}"
        );
        for s in r["signatures"].as_array().unwrap() {
            distinct.insert(s["id"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(got["signatures"].as_u64(), Some(distinct.len() as u64));
}

/// A list file naming the first `n` bundles of `dir`.
fn list_of(dir: &Path, n: usize, list: &Path) {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    names.sort();
    assert!(names.len() >= n);
    std::fs::write(list, names[..n].join("\n") + "\n").unwrap();
}

/// Memory is bounded by the bundles in flight, not by their number: 200
/// small bundles generated from the real ones (benches/gen_bundles.py)
/// peak at most 1.5 times what 50 of them do, as `batch` measures its
/// own peak (VmHWM) into run.json.
#[test]
fn peak_memory_does_not_grow_with_the_number_of_bundles() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    let mut args = vec![
        root().join("benches/gen_bundles.py").display().to_string(),
        "--count".into(),
        "200".into(),
        "--small".into(),
        "--out".into(),
        gen.display().to_string(),
        root()
            .join("fixtures/sample-bundle.tar.gz")
            .display()
            .to_string(),
    ];
    if let Some(s) = shared() {
        args.push(
            s.join("bundles/memory-and-disk.tar.gz")
                .display()
                .to_string(),
        );
    }
    let made = std::process::Command::new("python3")
        .args(&args)
        .status()
        .expect("python3 runs");
    assert!(made.success());
    let mut peaks = Vec::new();
    for n in [50, 200] {
        let list = tmp.path().join(format!("list-{n}.txt"));
        list_of(&gen, n, &list);
        let out = tmp.path().join(format!("out-{n}"));
        ok(&batch(&[
            list.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-j",
            "2",
            "--format",
            "json",
        ]));
        let info = json(&out.join("run.json"));
        assert_eq!(info["analyzed"].as_u64(), Some(n as u64));
        peaks.push(info["peak_rss_kib"].as_u64().unwrap());
        // Each generated bundle is another day: recurrence sees them all.
        let rec = parquet(&out.join("tables/recurrence/recurrence.parquet"));
        let most = rec.column("incidents").unwrap().u64().unwrap().max();
        assert!(most.unwrap() as usize >= n / 2, "{most:?}");
    }
    let (p50, p200) = (peaks[0], peaks[1]);
    eprintln!("peak RSS: 50 bundles {p50} KiB, 200 bundles {p200} KiB");
    assert!(p200 * 2 <= p50 * 3, "50: {p50} KiB, 200: {p200} KiB");
}

/// A run killed while it writes leaves no incident without its marker; a
/// rerun finishes the rest, skips what was done, and clears what the
/// killed run left under temporary names.
#[test]
fn a_killed_run_leaves_no_half_written_incident_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let gen = tmp.path().join("gen");
    let made = std::process::Command::new("python3")
        .arg(root().join("benches/gen_bundles.py"))
        .args(["--count", "16", "--out"])
        .arg(&gen)
        .arg(root().join("fixtures/sample-bundle.tar.gz"))
        .status()
        .expect("python3 runs");
    assert!(made.success());
    let out = tmp.path().join("out");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_outsidein"))
        .args([
            "batch",
            gen.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "-j",
            "1",
        ])
        .env(KEY_ENV.0, KEY_ENV.1)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let finished = |out: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(out.join("incidents"))
            .map(|rd| {
                rd.map(|e| e.unwrap().path())
                    .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
                    .collect()
            })
            .unwrap_or_default()
    };
    // Kill it once two incidents are done, while it is on the next ones.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while finished(&out).len() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = finished(&out);
    assert!(done.len() >= 2 && done.len() < 16, "{}", done.len());
    for d in &done {
        for f in ["done.json", "rows.json", "report.md", "report.json"] {
            assert!(d.join(f).is_file(), "{}: no {f}", d.display());
        }
    }
    assert!(!out.join("run.json").exists(), "killed before the end");
    ok(&batch(&[
        gen.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "-j",
        "2",
    ]));
    let info = json(&out.join("run.json"));
    assert_eq!(info["skipped_done"].as_u64(), Some(done.len() as u64));
    assert_eq!(info["analyzed"].as_u64(), Some(16 - done.len() as u64));
    let left: Vec<String> = std::fs::read_dir(out.join("incidents"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(
        parquet(&table(&out, "incidents", "shard=0-of-1")).height(),
        16
    );
}

/// The real cases in ../shared/cases (three bundle folders and a README):
/// each dependency change of each case's own report is a `changes` row,
/// and the top findings are those of `analyze`.
#[test]
fn batch_over_the_shared_cases() {
    let Some(s) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let err = ok(&batch(&[
        s.join("cases").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    assert!(err.contains("README.md: not a bundle"), "{err}");
    let csv = std::fs::read_to_string(out.join("tables/changes/shard=0-of-1/changes.csv")).unwrap();
    let rows = super::signature::read_csv(&csv);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let inc = parquet(&table(&out, "incidents", "shard=0-of-1"));
    let (ids, sources) = (strings(&inc, "incident_id"), strings(&inc, "source"));
    let id_of = |case: &str| {
        let i = sources
            .iter()
            .position(|s| s.as_deref().unwrap().ends_with(case))
            .unwrap();
        ids[i].clone().unwrap()
    };
    let pg_pool = id_of("02-pg-pool-340-client-ref");
    let row = rows[1..]
        .iter()
        .find(|r| r[col("incident_id")] == pg_pool && r[col("package")] == "pg-pool")
        .expect("pg-pool change of case 02");
    assert_eq!(
        (
            row[col("from_version")].as_str(),
            row[col("to_version")].as_str()
        ),
        ("3.3.0", "3.4.0")
    );
    // Times in the CSV say they are UTC.
    assert!(row[col("time")].ends_with('Z'), "{row:?}");
    for case in [
        "01-grouparoo-umzug-prerelease-drift",
        "02-pg-pool-340-client-ref",
        "17-grouparoo-pg-bump-control",
    ] {
        let out = super::analyze::run(&[
            "analyze",
            s.join("cases").join(case).to_str().unwrap(),
            "--format",
            "json",
        ]);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let id = id_of(case);
        let mine = rows[1..]
            .iter()
            .filter(|r| r[col("incident_id")] == id)
            .count();
        assert_eq!(mine, report["changes"].as_array().unwrap().len(), "{case}");
        let kinds = strings(&inc, "top_finding_kind");
        let i = ids
            .iter()
            .position(|x| x.as_deref() == Some(id.as_str()))
            .unwrap();
        assert_eq!(
            kinds[i].as_deref(),
            report["findings"][0]["kind"].as_str(),
            "{case}"
        );
    }
}

/// Writes `n` ISO-syslog lines to `path`.
fn syslog_log(path: &Path, n: usize) {
    let text: String = (0..n)
        .map(|i| {
            format!("2026-12-04T10:00:{i:02}Z host-h app[1]: ERROR connect ECONNREFUSED 127.0.0.1:5432\n")
        })
        .collect();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Runs `batch INPUT -o OUT`, which must analyze one bundle, and gives
/// that bundle's incident id.
fn only_incident(input: &Path, out: &Path) -> String {
    ok(&batch(&[
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    let inc = parquet(&table(out, "incidents", "shard=0-of-1"));
    assert_eq!(strings(&inc, "status"), vec![Some("analyzed".to_string())]);
    assert_eq!(strings(&inc, "error"), vec![None]);
    strings(&inc, "incident_id")[0].clone().unwrap()
}

/// A bundle folder holding a file whose name is not UTF-8 was hashed by
/// the name made UTF-8, a file that does not exist: the bundle failed with
/// `cannot read: No such file or directory`. It is read as `analyze`
/// reads it, and its id is its bytes'.
#[cfg(unix)]
#[test]
fn batch_reads_a_bundle_folder_whose_file_name_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let bad = std::ffi::OsStr::from_bytes(b"bad\xff.log");
    let input = tmp.path().join("in");
    syslog_log(&input.join("b1/logs").join(bad), 40);
    let out = tmp.path().join("out");
    let id = only_incident(&input, &out);
    let batch_report = json(&out.join("incidents").join(&id).join("report.json"));
    let analyzed = run(&[
        "analyze",
        input.join("b1").to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&analyzed.stdout).unwrap();
    assert_eq!(batch_report["inventory"], report["inventory"]);
    assert_eq!(report["inventory"][0]["path"], "logs/bad\u{fffd}.log");
    assert_eq!(report["inventory"][0]["records"], 40);
    // The id is the content's: the same bytes again hash the same; the
    // same folder with the name made UTF-8 hashes differently.
    let again = tmp.path().join("again");
    syslog_log(&again.join("b1/logs").join(bad), 40);
    assert_eq!(only_incident(&again, &tmp.path().join("out2")), id);
    let good = tmp.path().join("good");
    syslog_log(&good.join("b1/logs/bad\u{fffd}.log"), 40);
    assert_ne!(only_incident(&good, &tmp.path().join("out3")), id);
}

/// Every table file under `OUT/tables` (CSV and Parquet), by its path
/// below `tables`, with its bytes.
fn table_files(out: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let root = out.join("tables");
    super::analyze::walk(&root)
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p.strip_prefix(&root).unwrap().to_path_buf(), bytes)
        })
        .collect()
}

/// A resumed run read each incident's rows back from `rows.json` with
/// serde_json's default number parsing, which is not correctly rounded:
/// a score of 7.8061799739838875 came back as 7.806179973983888 and the
/// findings tables differed from a fresh run's.
#[test]
fn batch_resumed_run_writes_tables_byte_identical_to_a_fresh_run() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("archive");
    std::fs::create_dir(&input).unwrap();
    archive(&input);
    let (resumed, fresh) = (tmp.path().join("resumed"), tmp.path().join("fresh"));
    let into = |out: &Path| {
        ok(&batch(&[
            input.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]))
    };
    into(&resumed);
    into(&resumed);
    assert_eq!(json(&resumed.join("run.json"))["analyzed"], 0);
    into(&fresh);
    // The case holds a score that serde_json's default parsing misreads.
    let csv =
        std::fs::read_to_string(fresh.join("tables/findings/shard=0-of-1/findings.csv")).unwrap();
    let rows = super::signature::read_csv(&csv);
    let col = rows[0].iter().position(|h| h == "score").unwrap();
    let misread = rows[1..]
        .iter()
        .map(|r| r[col].as_str())
        .filter(|s| serde_json::from_str::<f64>(s).ok() != s.parse::<f64>().ok())
        .count();
    assert!(misread > 0, "no score here tells the two parsers apart");
    let (a, b) = (table_files(&resumed), table_files(&fresh));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{} differs", path.display());
    }
}

/// The incidents table's (source file name, status, error) rows.
fn incident_rows(out: &Path) -> Vec<(String, String, Option<String>)> {
    let inc = parquet(&table(out, "incidents", "shard=0-of-1"));
    let names = strings(&inc, "source").into_iter().map(|s| {
        let s = s.unwrap();
        Path::new(&s)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned()
    });
    let mut rows: Vec<_> = names
        .zip(strings(&inc, "status"))
        .zip(strings(&inc, "error"))
        .map(|((n, s), e)| (n, s.unwrap(), e))
        .collect();
    rows.sort();
    rows
}

/// A FIFO or a link to a device in the folder or a list hung the batch
/// (the hash read blocked, or never ended on /dev/zero): each is a
/// failed row naming what it is, found without opening it, and the
/// sample beside it is analyzed.
#[cfg(unix)]
#[test]
fn batch_refuses_a_fifo_and_a_device_without_blocking() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::copy(
        root().join("fixtures/sample-bundle.tar.gz"),
        input.join("a.tar.gz"),
    )
    .unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(input.join("stray.tar.gz"))
        .status()
        .unwrap();
    assert!(made.success());
    std::os::unix::fs::symlink("/dev/zero", input.join("zero.tar")).unwrap();
    let out = tmp.path().join("out");
    let err = ok(&batch(&[
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    assert!(
        err.contains("stray.tar.gz: cannot read: not a regular file"),
        "{err}"
    );
    let rows = incident_rows(&out);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        ("a.tar.gz", "analyzed")
    );
    let (fifo, dev) = (&rows[1], &rows[2]);
    assert_eq!(
        (fifo.0.as_str(), fifo.1.as_str()),
        ("stray.tar.gz", "failed")
    );
    assert!(
        fifo.2.as_deref().unwrap().contains("a FIFO (named pipe)"),
        "{fifo:?}"
    );
    assert_eq!((dev.0.as_str(), dev.1.as_str()), ("zero.tar", "failed"));
    assert!(
        dev.2.as_deref().unwrap().contains("a character device"),
        "{dev:?}"
    );

    // The same through a list file.
    let list = tmp.path().join("list.txt");
    std::fs::write(&list, "in/a.tar.gz\n/dev/zero\nin/stray.tar.gz\n").unwrap();
    let out2 = tmp.path().join("out2");
    ok(&batch(&[
        list.to_str().unwrap(),
        "-o",
        out2.to_str().unwrap(),
    ]));
    let rows = incident_rows(&out2);
    let statuses: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(statuses, ["analyzed", "failed", "failed"], "{rows:?}");
}

/// An empty folder and a zero-byte archive hashed alike (xxh3 of
/// nothing), so one was called a duplicate of the other; and the progress
/// line said "analyzed" for a bundle with no recognised file.
#[test]
fn an_empty_folder_and_an_empty_archive_are_two_incidents() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(input.join("a-empty-dir")).unwrap();
    std::fs::write(input.join("b-zero-byte.tar.gz"), b"").unwrap();
    let out = tmp.path().join("out");
    let err = ok(&batch(&[
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]));
    let inc = parquet(&table(&out, "incidents", "shard=0-of-1"));
    let ids = strings(&inc, "incident_id");
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    let rows = incident_rows(&out);
    let statuses: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(statuses, ["no-recognised-files", "failed"], "{rows:?}");
    assert!(err.contains("a-empty-dir: no-recognised-files ("), "{err}");
    assert!(!err.contains("a-empty-dir: analyzed"), "{err}");
}

/// A lone log file was a bundle when a list named it but "not a bundle"
/// in the folder: both now ignore it, naming why.
#[test]
fn a_lone_log_file_is_not_a_bundle_in_a_folder_nor_in_a_list() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    syslog_log(&input.join("app.log"), 3);
    let list = tmp.path().join("list.txt");
    std::fs::write(&list, "in/app.log\n").unwrap();
    for (src, out) in [(&input, "out-dir"), (&list, "out-list")] {
        let out = tmp.path().join(out);
        let err = ok(&batch(&[
            src.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]));
        assert!(
            err.contains("app.log: not a bundle: neither a folder nor an archive"),
            "{err}"
        );
        let info = json(&out.join("run.json"));
        assert_eq!(info["inputs"], 0);
        assert_eq!(
            info["ignored"][0]["path"],
            input.join("app.log").display().to_string()
        );
    }
}

/// A zstd text bomb (a 600 MiB run of one Postgres line in ~60 KB)
/// costs far more memory than a cap allows: the allocation failure
/// aborted the whole batch (no tables, every rerun the same). Each bundle
/// is analyzed in a child process, so the bomb is a failed row naming the
/// abort and the sample beside it is analyzed.
#[cfg(unix)]
#[test]
fn a_bundle_that_aborts_under_a_memory_cap_is_a_failed_row() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(input.join("bomb")).unwrap();
    std::fs::copy(
        root().join("fixtures/sample-bundle.tar.gz"),
        input.join("a.tar.gz"),
    )
    .unwrap();
    let made = std::process::Command::new("sh")
        .arg("-c")
        .arg(
            "yes '2026-12-04 10:00:00.123 UTC [4242] FATAL:  sorry, too many clients already' \
             | head -c 600M | zstd -q -1 -o \"$1\"",
        )
        .arg("sh")
        .arg(input.join("bomb/postgresql.log.zst"))
        .status()
        .unwrap();
    assert!(made.success());
    let out = tmp.path().join("out");
    let run = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1500000 && exec \"$0\" batch \"$1\" -o \"$2\" -j 2")
        .arg(env!("CARGO_BIN_EXE_outsidein"))
        .arg(&input)
        .arg(&out)
        .env(KEY_ENV.0, KEY_ENV.1)
        .output()
        .unwrap();
    ok(&run);
    let rows = incident_rows(&out);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        (rows[0].0.as_str(), rows[0].1.as_str()),
        ("a.tar.gz", "analyzed")
    );
    let (name, status, error) = &rows[1];
    assert_eq!((name.as_str(), status.as_str()), ("bomb", "failed"));
    let error = error.as_deref().unwrap();
    assert!(error.contains("signal 6 (SIGABRT"), "{error}");
    assert!(error.contains("memory allocation of"), "{error}");
    // Nothing of the child is left in the output folder.
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
