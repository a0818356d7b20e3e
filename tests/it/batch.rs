//! `outsidein batch` over small archives of real bundles: the sample
//! bundle (fixtures/) as an archive and as a folder, a byte-identical copy,
//! a broken archive, and the memory-and-disk bundle from ../shared when
//! it is there.

use super::analyze::shared;
use polars::prelude::*;
use serde_json::Value;
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

fn copy_dir(from: &Path, to: &Path) {
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
        "json",
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
