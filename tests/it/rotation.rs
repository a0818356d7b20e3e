//! Rotated log families, made by the real logrotate over Python logging
//! output without times (fixtures/rotation/make.sh): numbered with
//! compression (`app.log.3.gz` … `app.log`) and dated (`worker.log-20261201.gz`
//! … `worker.log`). Each line numbers its job, counting up across the
//! family, so file order is checkable.

use super::analyze::{run, run_jsonl};
use serde_json::Value;
use std::path::PathBuf;

fn bundle() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/rotation/bundle");
    p.to_str().unwrap().to_string()
}

/// The job number in `INFO app: job 12 done`.
fn job(message: &str) -> u32 {
    let tail = message.split("job ").nth(1).unwrap();
    tail.split(' ').next().unwrap().parse().unwrap()
}

fn timeline(threads: &str) -> Vec<Value> {
    run_jsonl(&["timeline", &bundle(), "-j", threads])
}

#[test]
fn rotation_records_without_time_keep_family_order() {
    let rows = timeline("2");
    assert_eq!(rows.len(), 80);
    for family in ["app", "worker"] {
        let jobs: Vec<u32> = rows
            .iter()
            .filter(|r| {
                r["source"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("logs/{family}.log"))
            })
            .map(|r| job(r["message"].as_str().unwrap()))
            .collect();
        assert_eq!(jobs, (1..=40).collect::<Vec<_>>(), "{family}");
    }
    // Oldest file first: the numbered family counts down, the dated one
    // goes by date, and the file without a suffix comes last.
    let mut sources: Vec<&str> = rows.iter().map(|r| r["source"].as_str().unwrap()).collect();
    sources.dedup();
    assert_eq!(
        sources,
        [
            "logs/app.log.3.gz",
            "logs/app.log.2.gz",
            "logs/app.log.1",
            "logs/app.log",
            "logs/worker.log-20261201.gz",
            "logs/worker.log-20261202.gz",
            "logs/worker.log-20261203",
            "logs/worker.log",
        ]
    );
    assert_eq!(timeline("1"), rows, "one thread and two give one timeline");
}

#[test]
fn rotation_family_is_the_source_and_listed() {
    let out = run(&["analyze", &bundle(), "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let done = report["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["template"] == "INFO app: job <*> done")
        .unwrap();
    // Jobs 1 to 40 less the five multiples of 7, from four files.
    assert_eq!(done["sources"], serde_json::json!([["logs/app.log", 35]]));
    let inv = report["inventory"].as_array().unwrap();
    let rot = |path: &str| {
        let e = inv.iter().find(|e| e["path"] == path).unwrap();
        (
            e["rotation"]["family"].clone(),
            e["rotation"]["age"].as_u64().unwrap(),
        )
    };
    assert_eq!(rot("logs/app.log.3.gz"), ("logs/app.log".into(), 3));
    assert_eq!(rot("logs/app.log"), ("logs/app.log".into(), 0));
    assert_eq!(
        rot("logs/worker.log-20261201.gz"),
        ("logs/worker.log".into(), 3)
    );
    assert_eq!(
        rot("logs/worker.log-20261203"),
        ("logs/worker.log".into(), 1)
    );
    let md = run(&["analyze", &bundle()]);
    let md = String::from_utf8(md.stdout).unwrap();
    let line = "Rotated family `logs/app.log`: 4 files, oldest first: \
                `app.log.3.gz`, `app.log.2.gz`, `app.log.1`, `app.log`.";
    assert!(md.contains(line), "{md}");
}

/// A family with a rotation missing (the bundle lost `app.log.2.gz`): the
/// report's evidence gaps name the family and the missing number; the
/// complete family has no gap.
#[test]
fn rotation_hole_is_an_evidence_gap() {
    let analyze = |dir: &str| -> Value {
        let out = run(&["analyze", dir, "--format", "json"]);
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(analyze(&bundle())["evidence_gaps"], serde_json::json!([]));
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    for e in std::fs::read_dir(PathBuf::from(bundle()).join("logs")).unwrap() {
        let e = e.unwrap();
        if e.file_name() != "app.log.2.gz" {
            std::fs::copy(e.path(), logs.join(e.file_name())).unwrap();
        }
    }
    let r = analyze(tmp.path().to_str().unwrap());
    let gaps = r["evidence_gaps"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["kind"], "rotated_away");
    assert_eq!(gaps[0]["source"], "logs/app.log");
    assert!(gaps[0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("rotation 2 of this family is missing"));
}
