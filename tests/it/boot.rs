//! dmesg's seconds since boot on the wall clock. fixtures/boot/host holds
//! a real `dmesg` of this machine with its /proc/stat, /proc/uptime,
//! `uptime`, `uptime -s` and `date --utc`, captured at one moment (the boot
//! was at 2026-12-04 15:56:41 UTC by btime), and `who -b` and `journalctl
//! --list-boots` output made by the real tools for that boot (see
//! fixtures/boot/README.md). Each case copies the dmesg with one
//! kind of clue into a folder laid out as sosreport lays them.

use super::analyze::{run, run_jsonl};
use serde_json::Value;
use std::fs;
use std::path::PathBuf;

const DMESG: &str = "sos_commands/kernel/dmesg";

/// A folder bundle holding the dmesg and the given fixture files.
fn bundle(files: &[&str]) -> tempfile::TempDir {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/boot/host");
    let dir = tempfile::tempdir().unwrap();
    for f in files.iter().chain(&[DMESG]) {
        let to = dir.path().join(f);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(src.join(f), to).unwrap();
    }
    dir
}

fn timeline(dir: &tempfile::TempDir, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["timeline", dir.path().to_str().unwrap()];
    args.extend_from_slice(extra);
    run_jsonl(&args)
}

/// The first and last dmesg record times (`[0.000000]` and `[1.361086]`).
fn span(rows: &[Value]) -> (String, String) {
    let dmesg: Vec<_> = rows.iter().filter(|r| r["source"] == DMESG).collect();
    assert_eq!(dmesg.len(), 341);
    let t = |r: &Value| r["time"].as_str().unwrap_or("null").to_string();
    (t(dmesg[0]), t(dmesg[340]))
}

#[test]
fn boot_from_proc_stat_btime() {
    let b = bundle(&["proc/stat"]);
    let want = (
        "2026-12-04T15:56:41Z".into(),
        "2026-12-04T15:56:42.361086Z".into(),
    );
    assert_eq!(span(&timeline(&b, &[])), want);
    let out = run(&["analyze", b.path().to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let inv = report["inventory"].as_array().unwrap();
    let line = |p: &str| inv.iter().find(|e| e["path"] == p).unwrap().clone();
    assert_eq!(line(DMESG)["time_source"], "boot_time");
    assert_eq!(line(DMESG)["status"], "parsed");
    assert_eq!(line("proc/stat")["kind"], "boot_time");
}

#[test]
fn boot_from_uptime_s_in_the_assumed_zone() {
    let b = bundle(&["sos_commands/host/uptime_-s"]);
    assert_eq!(span(&timeline(&b, &[])).0, "2026-12-04T15:56:41Z");
    // `uptime -s` prints local time: read in Paris, it is an hour earlier.
    let paris = timeline(&b, &["--timezone", "Europe/Paris"]);
    assert_eq!(span(&paris).0, "2026-12-04T14:56:41Z");
}

#[test]
fn boot_from_proc_uptime_and_the_bundles_date() {
    // 18:28:41 by `date --utc`, less 9120.34 s of /proc/uptime.
    let b = bundle(&["proc/uptime", "sos_commands/date/date_--utc"]);
    let want = (
        "2026-12-04T15:56:40.66Z".into(),
        "2026-12-04T15:56:42.021086Z".into(),
    );
    assert_eq!(span(&timeline(&b, &[])), want);
}

#[test]
fn boot_from_who_b_to_the_minute() {
    let b = bundle(&["sos_commands/host/who_-b"]);
    assert_eq!(span(&timeline(&b, &[])).0, "2026-12-04T15:56:00Z");
}

#[test]
fn boot_from_journalctl_list_boots_wins_over_uptime_s() {
    // list-boots says UTC itself, so --timezone does not move it, while
    // `uptime -s` beside it would be read an hour earlier.
    let files = [
        "sos_commands/logs/journalctl_--list-boots",
        "sos_commands/host/uptime_-s",
    ];
    let b = bundle(&files);
    let paris = timeline(&b, &["--timezone", "Europe/Paris"]);
    assert_eq!(span(&paris).0, "2026-12-04T15:56:41Z");
}

#[test]
fn boot_btime_wins_over_the_others() {
    let all = [
        "proc/stat",
        "proc/uptime",
        "sos_commands/date/date_--utc",
        "sos_commands/host/uptime",
        "sos_commands/host/uptime_-s",
        "sos_commands/host/who_-b",
    ];
    let b = bundle(&all);
    let paris = timeline(&b, &["--timezone", "Europe/Paris"]);
    assert_eq!(span(&paris).0, "2026-12-04T15:56:41Z");
}

#[test]
fn boot_unknown_leaves_no_time_and_says_why() {
    let b = bundle(&[]);
    let rows = timeline(&b, &[]);
    assert_eq!(span(&rows), ("null".into(), "null".into()));
    let why = rows[0]["no_time"].as_str().unwrap();
    assert!(
        why.starts_with("seconds since boot, and the bundle has no boot time"),
        "{why}"
    );
    // The CSV keeps the reason too (it once dropped it).
    let csv = run(&["timeline", b.path().to_str().unwrap(), "--format", "csv"]);
    let csv = String::from_utf8(csv.stdout).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time,no_time,source,line,format,host,severity,message")
    );
    let first = lines.next().unwrap();
    assert!(first.starts_with(&format!(",{}", csv_cell(why))), "{first}");
    assert_eq!(lines.count() + 1, rows.len());
    let out = run(&["analyze", b.path().to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &report["inventory"][0];
    assert_eq!(e["status"], "partial");
    let reason = e["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("341 records without a readable time, first at line 1:"),
        "{reason}"
    );
    assert!(reason.contains("the bundle has no boot time"), "{reason}");
}

/// A CSV cell as RFC 4180 writes it: quoted when it holds a comma, quote
/// or line break.
fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
