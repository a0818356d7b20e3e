//! `outsidein analyze` run as a user runs it, on the real sample bundle in
//! fixtures/ and on the real bundles and cases in ../shared.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// ../shared, where the real bundles and cases are kept (tests only).
/// `OUTSIDEIN_SHARED`, else ../shared beside the clone, else
/// /work/shared.
pub fn shared() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("OUTSIDEIN_SHARED").map(PathBuf::from),
        Some(root().join("../shared")),
        Some(PathBuf::from("/work/shared")),
    ];
    let found = candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("deps").is_dir());
    if found.is_none() {
        eprintln!("skipped: no ../shared or /work/shared");
    }
    found
}

pub fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_outsidein"))
        .args(args)
        .output()
        .expect("binary runs")
}

/// Runs a command that prints JSON lines (`timeline`) and reads them.
pub fn run_jsonl(args: &[&str]) -> Vec<Value> {
    let out = run(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `analyze PATH --format FORMAT EXTRA...`, checked to exit 0: the
/// report's bytes.
pub fn analyze_as(path: &Path, format: &str, extra: &[&str]) -> Vec<u8> {
    let p = path.to_str().unwrap();
    let mut args = vec!["analyze", p, "--format", format];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

pub fn analyze_json(path: &Path, extra: &[&str]) -> Value {
    serde_json::from_slice(&analyze_as(path, "json", extra)).expect("JSON report")
}

pub fn sample_tar() -> PathBuf {
    root().join("fixtures/sample-bundle.tar.gz")
}

fn sample_dir() -> PathBuf {
    root().join("fixtures/sample-bundle")
}

pub(crate) fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}"))
}

/// The sample bundle's incident (fixtures/make-sample-bundle/README.md):
/// clients beyond max_connections from 16:20:41.605 (Postgres) to
/// 16:21:49.871 (the worker's last `batch failed`).
#[test]
fn sample_bundle_top_finding_is_too_many_clients_with_evidence() {
    let r = analyze_json(&sample_tar(), &[]);
    assert_eq!(str_of(&r, "schema_version"), "1.0");
    let top = &r["findings"][0];
    assert_eq!(str_of(top, "kind"), "pg.too_many_clients");
    assert_eq!(str_of(top, "tier"), "data");
    assert_eq!(str_of(top, "time"), "2026-12-04T16:20:41.605Z");
    assert_eq!(str_of(top, "end"), "2026-12-04T16:21:49.871Z");
    let ev = top["evidence"].as_array().unwrap();
    assert!(ev.iter().any(
        |e| str_of(e, "path").ends_with("logs/postgresql/postgresql.log")
            && e["line"].as_u64().is_some()
    ));
    assert!(r["summary"][0]
        .as_str()
        .unwrap()
        .contains("too many clients"));
    // pg_stat_activity at max_connections joins the log's view.
    assert!(str_of(top, "title").contains("20 of max_connections 20 in use (100%)"));
    // So do the pools the instances log at start-up: 15 + 15 + 4 against
    // max_connections = 20 (ground truth: "up to 34 connections").
    assert!(str_of(top, "title")
        .contains("pools may open 34 connections (15 + 15 + 4), max_connections is 20"));
    assert!(ev
        .iter()
        .any(|e| str_of(e, "path").ends_with("logs/app/api-1.log")
            && e["line"] == 123
            && str_of(e, "excerpt") == "shop-api started … \"pool_max\":15"));
    // The load that set it off, ranked first among the events before it:
    // requests per 2 s bucket rose from 5 to 64.
    assert!(str_of(top, "detail").contains(
        "Before it, closest and most consistent first: usage http.requests rose from 5 to 64 \
         on shop-demo-01, 1.6 s before; restart `shutting down`, 30.4 s before."
    ));
    let spike = r["spikes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["metric"] == "http.requests")
        .expect("request spike");
    assert_eq!(str_of(spike, "start"), "2026-12-04T16:20:40Z");
    assert_eq!(str_of(spike, "end"), "2026-12-04T16:21:40Z");
    assert_eq!(
        (spike["baseline"].as_f64(), spike["peak"].as_f64()),
        (Some(5.0), Some(64.0))
    );
    let data = r["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tier"] == "data")
        .unwrap();
    assert_eq!(str_of(data, "status"), "failing");
}

#[test]
fn sample_bundle_signature_counts_match_grep() {
    let r = analyze_json(&sample_tar(), &[]);
    let sigs = r["signatures"].as_array().unwrap();
    // grep -c 'too many clients' logs/postgresql/postgresql.log: 294
    let pg = sigs
        .iter()
        .find(|s| {
            s["template"] == "sorry, too many clients already"
                && s["sources"][0][0]
                    .as_str()
                    .unwrap()
                    .ends_with("postgresql.log")
        })
        .expect("Postgres signature");
    assert_eq!(pg["count"], 294);
    assert_eq!(pg["hosts"][0][0], "shop-demo-01");
    // ECONNREFUSED to Redis: 5 per process, three processes.
    let refused = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "redis.refused")
        .expect("Redis refused finding");
    assert!(refused["title"].as_str().unwrap().contains("(15 times"));
    assert_eq!(str_of(refused, "time"), "2026-12-04T16:21:53.787Z");
    assert_eq!(str_of(refused, "end"), "2026-12-04T16:22:15.808Z");
}

/// pg_stat_statements dumped with `total_exec_time AS total_ms`: the
/// report slow query (pg_sleep) takes 922,595.8 ms over 1013 calls.
#[test]
fn sample_bundle_top_query_from_aliased_columns() {
    let r = analyze_json(&sample_tar(), &[]);
    let top = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "pg.top_queries")
        .expect("top queries");
    let detail = str_of(top, "detail");
    assert!(
        detail.contains("922596 ms in 1013 calls (910.76 ms each)"),
        "{detail}"
    );
    assert!(detail.contains("pg_sleep"), "{detail}");
}

#[test]
fn sample_bundle_dependency_change_is_placed_by_the_restart_line_and_not_blamed() {
    let r = analyze_json(&sample_tar(), &[]);
    let pg = r["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["package"] == "pg")
        .expect("pg change");
    assert_eq!((str_of(pg, "from"), str_of(pg, "to")), ("8.11.3", "8.12.0"));
    assert_eq!(str_of(pg, "kind"), "upgraded");
    // api-1 logs "shop-api started" with pg_version 8.12.0 at 16:20:07.371.
    assert_eq!(str_of(pg, "time"), "2026-12-04T16:20:07.371Z");
    let top = &r["findings"][0];
    assert!(
        !str_of(top, "title").contains("after pg"),
        "the bump is a red herring"
    );
    assert!(str_of(top, "detail").contains("not known to come from such a change"));
}

#[test]
fn folder_and_archive_give_the_same_findings() {
    let a = analyze_json(&sample_tar(), &[]);
    let b = analyze_json(&sample_dir(), &[]);
    assert_eq!(a["findings"], b["findings"]);
    assert_eq!(a["signatures"], b["signatures"]);
}

#[test]
fn report_is_identical_across_thread_counts() {
    let tar = sample_tar();
    let p = tar.to_str().unwrap();
    let one = run(&["analyze", p, "-j", "1"]);
    let two = run(&["analyze", p, "-j", "2"]);
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn markdown_report_of_the_sample_bundle() {
    let out = run(&["analyze", sample_tar().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.chars().count() <= 65_536);
    insta::assert_snapshot!("sample_bundle_markdown", md);
}

#[test]
fn inventory_accounts_for_every_file() {
    let r = analyze_json(&sample_dir(), &[]);
    let files = walk(&sample_dir());
    let inv = r["inventory"].as_array().unwrap();
    // Every file on disk appears once (a .gz under its decompressed name).
    assert_eq!(inv.len(), files.len());
    assert_eq!(r["bundle"]["files"].as_u64().unwrap() as usize, files.len());
    for e in inv {
        let status = str_of(e, "status");
        assert!(
            ["parsed", "partial", "skipped", "failed"].contains(&status),
            "{e}"
        );
        if status != "parsed" {
            assert!(e["reason"].is_string(), "no reason for {e}");
        }
    }
}

pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn bad_files_are_listed_with_their_reason_and_the_rest_is_analyzed() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let pg =
        "2026-12-04 15:39:02.117 UTC [23011] app@shop FATAL:  sorry, too many clients already\n";
    std::fs::write(logs.join("postgresql.log"), pg.repeat(3)).unwrap();
    std::fs::write(logs.join("blob.bin"), [0u8, 1, 2, 0, 0, 0, 7, 0]).unwrap();
    std::fs::write(logs.join("notes.txt"), "#### ???? ====\n%%%% 1234 ====\n").unwrap();
    // A gzip stream cut in the middle.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, pg.repeat(2000).as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    std::fs::write(logs.join("postgresql.log.1.gz"), &bytes[..bytes.len() / 2]).unwrap();
    let r = analyze_json(dir.path(), &[]);
    let entry = |name: &str| {
        r["inventory"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| str_of(e, "path").ends_with(name))
            .unwrap_or_else(|| panic!("{name} in inventory"))
            .clone()
    };
    assert_eq!(str_of(&entry("blob.bin"), "status"), "skipped");
    assert!(str_of(&entry("blob.bin"), "reason").contains("binary"));
    let notes = entry("notes.txt");
    assert_eq!(str_of(&notes, "status"), "skipped");
    assert!(str_of(&notes, "reason").contains("line 1 looks like: #### ???? ===="));
    let cut = entry("postgresql.log.1.gz");
    assert_eq!(str_of(&cut, "status"), "partial");
    assert!(
        str_of(&cut, "reason").contains("stream ends early"),
        "{cut}"
    );
    assert!(
        cut["records"].as_u64().unwrap() > 0,
        "what could be read is kept"
    );
    assert_eq!(str_of(&r["findings"][0], "kind"), "pg.too_many_clients");
}

/// Regression: with `--timezone` the advice said "UTC was assumed"
/// although the zone-less times were read in the given zone.
#[test]
fn zone_advice_names_the_timezone_given() {
    let advice = |extra: &[&str]| -> String {
        let r = analyze_json(&sample_dir(), extra);
        let items = r["instrumentation"].as_array().unwrap();
        let a = items
            .iter()
            .find(|a| str_of(a, "title") == "Log times with their UTC offset")
            .expect("the sample's redis and nginx logs carry no zone");
        str_of(a, "detail").to_string()
    };
    let berlin = advice(&["--timezone", "Europe/Berlin"]);
    assert!(
        berlin.starts_with("27 records carry no zone; Europe/Berlin was assumed"),
        "{berlin}"
    );
    let utc = advice(&[]);
    assert!(
        utc.starts_with("27 records carry no zone; UTC was assumed"),
        "{utc}"
    );
}

/// Runs `args` with a standard output whose reader is gone before the
/// child writes, as `| head` leaves it, and returns the exit code and
/// standard error.
fn run_into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_outsidein"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("binary ends");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), err)
}

/// Regression: `signatures FILE | head -1` said "Broken pipe" and exited 1.
#[test]
fn closed_stdout_ends_quietly_with_zero() {
    let dir = sample_dir();
    let log = dir.join("sb_shop-demo-01_20261204_162345/logs/app/api-1.log");
    let (d, l) = (dir.to_str().unwrap(), log.to_str().unwrap());
    let runs: [&[&str]; 7] = [
        &["signatures", l],
        &["signatures", l, "--format", "json"],
        &["timeline", l],
        &["timeline", l, "--format", "csv"],
        &["analyze", d, "--format", "json"],
        &["formats"],
        &["timeline", "--help"],
    ];
    for args in runs {
        let (code, err) = run_into_closed_pipe(args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
    }
}

/// Regression: `-o -` wrote a file named `-`; it means standard output,
/// for `analyze` and `diff`.
#[test]
fn dash_output_is_standard_output() {
    let cwd = tempfile::tempdir().unwrap();
    let in_cwd = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_outsidein"))
            .args(args)
            .current_dir(cwd.path())
            .output()
            .expect("binary runs");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        out.stdout
    };
    let sample = sample_dir();
    let s = sample.to_str().unwrap();
    let report = in_cwd(&["analyze", s, "--format", "json", "-o", "-"]);
    assert_eq!(report, in_cwd(&["analyze", s, "--format", "json"]));
    let windows = [
        "--baseline-window",
        "2026-12-04T16:18:00Z..2026-12-04T16:20:30Z",
        "--incident-window",
        "2026-12-04T16:20:30Z..2026-12-04T16:22:30Z",
    ];
    let diff = |extra: &[&str]| {
        let mut args = vec!["diff", s];
        args.extend_from_slice(&windows);
        args.extend_from_slice(extra);
        in_cwd(&args)
    };
    let d: Value = serde_json::from_slice(&diff(&["--format", "json", "-o", "-"])).unwrap();
    assert!(!d["signatures"].as_array().unwrap().is_empty(), "{d}");
    assert_eq!(diff(&["-o", "-"]), diff(&[]));
    assert!(!cwd.path().join("-").exists(), "no file named -");
}

/// The exit-code contract written in the README.
#[test]
fn exit_codes() {
    assert_eq!(
        run(&["analyze", "/nonexistent/bundle"]).status.code(),
        Some(3)
    );
    assert_eq!(run(&["analyze"]).status.code(), Some(2));
    assert_eq!(run(&["bogus"]).status.code(), Some(2));
    let sample = sample_tar();
    let s = sample.to_str().unwrap();
    assert_eq!(
        run(&["analyze", s, "--timezone", "Mars/Olympus"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["analyze", s, "-o", "/nonexistent/dir/r.md"])
            .status
            .code(),
        Some(5)
    );
    let empty = tempfile::tempdir().unwrap();
    let junk = empty.path().join("junk.bin");
    std::fs::write(&junk, [0u8; 64]).unwrap();
    let out = run(&["analyze", empty.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--debug"));
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("report.json");
    let out = run(&[
        "analyze",
        s,
        "--format",
        "json",
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let written: Value = serde_json::from_slice(&std::fs::read(&target).unwrap()).unwrap();
    assert_eq!(written["findings"][0]["kind"], "pg.too_many_clients");
    // Nothing else was written beside the report.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn shared_bundle_runs_cleanly() {
    let Some(shared) = shared() else { return };
    let r = analyze_json(&shared.join("bundles/memory-and-disk.tar.gz"), &[]);
    assert_eq!(r["inventory"].as_array().unwrap().len(), 883);
    assert!(r["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["status"] != "failed"));
    // What an engineer concludes: the import worker's memory climbs until
    // V8 aborts it (`FATAL ERROR: ... JavaScript heap out of memory` on
    // its stderr, between its JSON lines) and it is restarted; and the
    // uploads disk filled and uploads failed with ENOSPC. Two problems,
    // the first two findings.
    let kinds: Vec<&str> = (0..2).map(|i| str_of(&r["findings"][i], "kind")).collect();
    assert_eq!(kinds, ["usage.memory_growth", "usage.disk_full"]);
    let top = &r["findings"][1];
    let title = str_of(top, "title");
    assert!(
        title.contains("srv/uploads filled up (150.0 MiB)"),
        "{title}"
    );
    assert!(
        title.contains("ENOSPC") && title.contains("(390 times"),
        "{title}"
    );
    // Its evidence: the df snapshots before and after, and the first
    // ENOSPC line of the API's log (api.log line 1229, 15:38:47).
    let ev = top["evidence"].as_array().unwrap();
    assert!(ev.iter().any(
        |e| str_of(e, "path").ends_with("system/df/df-20261204T154109Z.txt")
            && str_of(e, "excerpt").contains("used 150.0 MiB")
    ));
    assert!(ev
        .iter()
        .any(|e| str_of(e, "path").ends_with("logs/app/api.log")
            && e["line"] == 1229
            && str_of(e, "excerpt").contains("ENOSPC")));
    let second = &r["findings"][0];
    let title = str_of(second, "title");
    assert!(
        title.contains("node worker.js") && title.contains("shop-import-worker"),
        "{title}"
    );
    // Three crashes, each told by two syslog lines, count three times;
    // V8's three aborts (two in worker.log, one in its rotated file).
    assert!(
        title.contains(
            "`FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out \
                        of memory` (3 times, no time, 2 sources)"
        ) && title.contains("Failed with result 'signal'.` (3 times"),
        "{title}"
    );
    // Nothing in a Postgres template database explains the crash (its
    // causes named template1's cache hits).
    let detail = str_of(second, "detail");
    assert!(!detail.contains("template1"), "{detail}");
    assert!(detail.contains("replaced 3 times (pids 20945"), "{detail}");
    let ev = second["evidence"].as_array().unwrap();
    assert!(ev
        .iter()
        .any(|e| str_of(e, "path").ends_with("logs/syslog/syslog")
            && e["line"] == 3
            && str_of(e, "excerpt").contains("code=killed")));
    assert!(ev
        .iter()
        .any(|e| str_of(e, "path").ends_with("logs/app/worker.log")
            && e["line"] == 15
            && str_of(e, "excerpt").starts_with("FATAL ERROR: Reached heap limit")));
    // The three crashes recur about every 110 s (15:36:22 to 15:40:00).
    let killed = r["intermittent"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| str_of(x, "template").starts_with("shop-import-worker: Failed with result"))
        .expect("the worker's crashes as a recurring error");
    assert_eq!(str_of(killed, "recurrence"), "periodic");
    assert_eq!(killed["episodes"], 3);
}

/// The pasted cases: each top finding names the dependency the error's
/// stack or kind points at; the control raises no alarm.
#[test]
fn shared_cases_name_the_changed_dependency() {
    let Some(shared) = shared() else { return };
    let cases = [
        (
            "01-grouparoo-umzug-prerelease-drift",
            "umzug 3.0.0-beta.5 → 3.0.0-beta.6",
        ),
        ("02-pg-pool-340-client-ref", "pg-pool 3.3.0 → 3.4.0"),
    ];
    for (case, change) in cases {
        let r = analyze_json(&shared.join("cases").join(case), &[]);
        let top = &r["findings"][0];
        assert_eq!(str_of(top, "kind"), "app.type_error", "{case}");
        assert!(
            str_of(top, "title").ends_with(&format!(", its stack through {change}")),
            "{case}: {top}"
        );
        let cited = top["evidence"].as_array().unwrap();
        assert!(
            cited
                .iter()
                .any(|e| str_of(e, "path").contains("package-lock")),
            "{case}"
        );
        // And the error itself, by file and line.
        assert!(
            cited.iter().any(|e| e["line"].is_u64()
                && str_of(e, "path").ends_with(".log")
                && str_of(e, "excerpt").starts_with("TypeError")),
            "{case}: {cited:?}"
        );
        // Case 01's lockfiles' only time is their copy time, years after
        // the error: the change is not placed, and the inventory says why.
        // (Case 02's log has no time to compare with.)
        assert_eq!(r["bundle"]["start"].is_null(), case.starts_with("02"));
        if !r["bundle"]["start"].is_null() {
            let (package, _) = change.split_once(' ').unwrap();
            let c = r["changes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["package"] == package)
                .unwrap();
            assert!(c["time"].is_null(), "{case}: {c}");
            let after = str_of(c, "after");
            let line = r["inventory"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| str_of(e, "path") == after)
                .unwrap();
            assert!(
                str_of(line, "reason").contains("not placed in time: the file's only time"),
                "{case}: {line}"
            );
        }
    }
    let control = analyze_json(&shared.join("cases/17-grouparoo-pg-bump-control"), &[]);
    assert_eq!(control["summary"][0], "No problem found in the evidence.");
    assert!(control["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["kind"] == "deps.change"));
}

/// The charts of the sample bundle show its incident
/// (fixtures/make-sample-bundle/README.md): the burst of requests shaded
/// as a spike, Postgres connections reaching max_connections (20), and
/// the pg bump and the restarts as markers; every series within bounds.
#[test]
fn sample_bundle_charts_show_the_incident() {
    let r = analyze_json(&sample_tar(), &[]);
    let charts = &r["charts"];
    let panel = |id: &str| {
        charts["panels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .unwrap_or_else(|| panic!("no {id} panel"))
    };
    let series = |id: &str, metric: &str| {
        panel(id)["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["metric"] == metric)
            .unwrap_or_else(|| panic!("no {metric} in {id}"))
            .clone()
    };
    let peak = |s: &Value| {
        s["points"]
            .as_array()
            .unwrap()
            .iter()
            .max_by(|a, b| {
                a["v"]
                    .as_f64()
                    .unwrap()
                    .total_cmp(&b["v"].as_f64().unwrap())
            })
            .map(|p| (str_of(p, "t").to_string(), p["v"].as_f64().unwrap()))
            .unwrap()
    };
    let (at, most) = peak(&series("log_rates", "http.requests"));
    assert!(most >= 50.0, "requests peak {most}");
    assert!(("2026-12-04T16:20:40Z"..="2026-12-04T16:21:45Z").contains(&at.as_str()));
    assert!(panel("log_rates")["spikes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| str_of(w, "label").starts_with("http.requests")
            && str_of(w, "start") <= "2026-12-04T16:20:45Z"
            && str_of(w, "end") >= "2026-12-04T16:21:30Z"));
    assert_eq!(panel("connections")["limit"]["value"], 20.0);
    assert_eq!(peak(&series("connections", "pg.conn.total")).1, 20.0);
    let markers = charts["markers"].as_array().unwrap();
    assert!(markers.iter().any(|m| m["kind"] == "change"
        && str_of(m, "label").contains("pg 8.11.3 → 8.12.0")
        && str_of(m, "time").starts_with("2026-12-04T16:20:07")));
    assert!(markers.iter().filter(|m| m["kind"] == "lifecycle").count() >= 2);
    for p in charts["panels"].as_array().unwrap() {
        assert!(p["series"].as_array().unwrap().len() <= 6);
        for s in p["series"].as_array().unwrap() {
            let pts = s["points"].as_array().unwrap();
            assert!(pts.len() >= 2 && pts.len() <= 240);
            assert!(pts
                .windows(2)
                .all(|w| str_of(&w[0], "t") < str_of(&w[1], "t")));
        }
    }
}

/// The request spike (16:20:40 to 16:21:40 in 2 s buckets) explained
/// against the rest of the logs: Postgres refusing clients, the apps'
/// 500s, and `/api/report`, the route that holds a Postgres connection
/// longest (ground truth: 70 % of the spike's load). Counts checked with
/// grep: 294 `too many clients` in postgresql.log, of which 4 after
/// 16:21:42; 259 `request failed` in the app logs, all inside.
#[test]
fn sample_bundle_request_spike_is_explained_by_too_many_clients_and_500s() {
    let r = analyze_json(&sample_tar(), &[]);
    let e = r["spike_explanations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["metrics"][0] == "http.requests")
        .expect("the request spike is explained");
    assert_eq!(str_of(e, "start"), "2026-12-04T16:20:40Z");
    assert_eq!(str_of(e, "end"), "2026-12-04T16:21:42Z");
    let items = e["items"].as_array().unwrap();
    let find = |dim: &str, pred: &dyn Fn(&Value) -> bool| {
        items
            .iter()
            .find(|i| i["dimension"] == dim && pred(i))
            .unwrap_or_else(|| panic!("{dim} in {e}"))
            .clone()
    };
    let pg = find("signature", &|i| {
        i["label"] == "sorry, too many clients already"
    });
    assert_eq!(
        (pg["window"].as_u64(), pg["baseline"].as_u64()),
        (Some(290), Some(4))
    );
    assert!(pg["p_value"].as_f64().unwrap() < 1e-20);
    let app = find("signature", &|i| {
        i["label"] == "request failed: sorry, too many clients already"
    });
    assert_eq!(
        (app["window"].as_u64(), app["baseline"].as_u64()),
        (Some(259), Some(0))
    );
    let status = find("status", &|i| i["key"] == "500");
    assert_eq!(status["baseline"], 0);
    assert!(status["ratio"].as_f64().unwrap() > 100.0);
    let route = find("route", &|i| i["key"] == "/api/report");
    assert!(route["ratio"].as_f64().unwrap() > 5.0, "{route}");
    // The product pages, served from the Redis cache, are not named.
    assert!(!items.iter().any(|i| i["key"] == "/api/products/<n>"));
    // The Redis outage is a window of its own, explained by ioredis.
    let redis = r["spike_explanations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| str_of(e, "start") == "2026-12-04T16:21:54Z")
        .expect("the Redis outage window");
    assert!(redis["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["label"] == "redis reconnecting"));
}

/// New and gone, tied to what came before: Postgres' `too many clients`
/// comes and goes (16:20:41.605 to 16:21:49.868, none before or after),
/// and the closest thing before it is the rise in requests, not the pg
/// bump 34 s earlier; the apps' Redis errors follow Redis' own shutdown
/// line by a third of a second.
#[test]
fn sample_bundle_shifts_and_their_causes() {
    let r = analyze_json(&sample_tar(), &[]);
    let shifts = r["signature_shifts"].as_array().unwrap();
    let shift = |tpl: &str| {
        shifts
            .iter()
            .find(|x| x["template"] == tpl)
            .unwrap_or_else(|| panic!("{tpl} in {shifts:?}"))
            .clone()
    };
    let pg = shift("sorry, too many clients already");
    assert_eq!(str_of(&pg, "change"), "transient");
    assert_eq!(str_of(&pg, "at"), "2026-12-04T16:20:41.605Z");
    assert_eq!(str_of(&pg, "until"), "2026-12-04T16:21:49.868Z");
    assert_eq!(
        (pg["before"].as_u64(), pg["after"].as_u64()),
        (Some(0), Some(294))
    );
    assert!(pg["p_value"].as_f64().unwrap() < 1e-20);
    let lead = &pg["causes"][0];
    assert_eq!(str_of(lead, "kind"), "usage");
    assert!(str_of(lead, "title").starts_with("http.requests rose from 5 to 64"));
    assert_eq!(lead["lag_s"], 1.605);
    assert!(pg["causes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["kind"] != "deploy"));
    let cache = shift(
        "cache read failed, falling back to database: Stream isn't writeable and \
         enableOfflineQueue options is false",
    );
    let lead = &cache["causes"][0];
    assert_eq!(str_of(lead, "kind"), "restart");
    assert_eq!(lead["lag_s"], 0.324);
    assert!(str_of(&lead["evidence"], "path").ends_with("logs/redis/redis-server.log"));
    assert_eq!(lead["evidence"]["line"], 13);
    // npm install's disk writes (vmstat at 16:20:08) follow the deploy,
    // placed by api-1's start line with pg 8.12.0, by 0.6 s.
    let anomalies = r["anomalies"].as_array().unwrap();
    let disk = anomalies
        .iter()
        .find(|a| a["kind"] == "usage_spike" && str_of(a, "time") == "2026-12-04T16:20:08Z")
        .expect("the disk-write spike");
    let lead = &disk["causes"][0];
    assert_eq!(str_of(lead, "kind"), "deploy");
    assert!(str_of(&lead["evidence"], "path").ends_with("logs/app/api-1.log"));
    assert_eq!(lead["evidence"]["line"], 123);
    // The rotated access.log.1 hands over to access.log: no source goes
    // quiet in this bundle.
    assert!(anomalies.iter().all(|a| a["kind"] != "quiet_source"));
}

/// Recurring errors: api-2 logged 212 of the 259 `request failed` (grep
/// -c in api-2.log: 212), every 500 on `/api/report` is on that route,
/// and the worker's failed batches come every 2 s, its poll interval.
#[test]
fn sample_bundle_recurring_errors_are_confined() {
    let r = analyze_json(&sample_tar(), &[]);
    let all = r["intermittent"].as_array().unwrap();
    let find = |tpl: &str| {
        all.iter()
            .find(|x| x["template"] == tpl)
            .unwrap_or_else(|| panic!("{tpl}"))
            .clone()
    };
    let failed = find("request failed: sorry, too many clients already");
    let c = &failed["confined"][0];
    assert_eq!(str_of(c, "dimension"), "instance");
    assert!(str_of(c, "key").ends_with("logs/app/api-2.log"));
    assert_eq!(c["window"], 212);
    assert_eq!(failed["days"][0], serde_json::json!(["2026-12-04", 259]));
    let report = find("GET /api/report <*> Internal Server Error");
    let c = &report["confined"][0];
    assert_eq!(
        (str_of(c, "dimension"), str_of(c, "key")),
        ("route", "/api/report")
    );
    assert_eq!(c["window"], 161);
    let batch = find("batch failed: sorry, too many clients already");
    assert_eq!(str_of(&batch, "recurrence"), "periodic");
    assert_eq!(batch["period_s"], 2.001);
    // One host only: no host confinement is claimed.
    assert!(all
        .iter()
        .flat_map(|x| x["confined"].as_array().unwrap())
        .all(|c| c["dimension"] != "host"));
}

/// The two API instances disagree: api-2 logged 217 errors (level 50) in
/// 1435 records, api-1 52 in 1269 (grep -c '"level":50' and grep -c .).
/// The worker plays another role and is not compared with them.
#[test]
fn sample_bundle_api_instances_disagree_on_error_rate() {
    let r = analyze_json(&sample_tar(), &[]);
    let d = r["disagreements"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{d:?}");
    assert!(str_of(&d[0], "key").ends_with("logs/app/api-2.log"));
    assert_eq!(
        (d[0]["errors"].as_u64(), d[0]["records"].as_u64()),
        (Some(217), Some(1435))
    );
    assert_eq!(
        (d[0]["peer_errors"].as_u64(), d[0]["peer_records"].as_u64()),
        (Some(52), Some(1269))
    );
    assert!(d[0]["p_value"].as_f64().unwrap() < 1e-10);
}

/// A copy of the sample bundle as if collected at `collected` (HHMMSS):
/// snapshots and dumps taken before then, and each log's lines before
/// `cut(path)` (HH:MM:SS; the logs are in time order, and a line without
/// a time stays with the one before it).
fn cut_sample(to: &Path, collected: &str, cut: impl Fn(&str) -> String) -> PathBuf {
    let time = regex::Regex::new(r"[^\d](\d\d:\d\d:\d\d)").unwrap();
    let stamp = regex::Regex::new(r"[_T](\d{6})Z?(?:/|\.txt$)").unwrap();
    let from = sample_dir().join("sb_shop-demo-01_20261204_162345");
    let top = to.join(format!("sb_shop-demo-01_20261204_{collected}"));
    for file in walk(&from) {
        let rel = file.strip_prefix(&from).unwrap();
        let r = rel.to_str().unwrap();
        if stamp.captures(r).is_some_and(|c| &c[1] >= collected) {
            continue;
        }
        let bytes = std::fs::read(&file).unwrap();
        let kept = if r.starts_with("logs/") && !r.ends_with(".gz") {
            let cutoff = cut(r);
            let text = String::from_utf8(bytes).unwrap();
            let end = text
                .lines()
                .position(|l| time.captures(l).is_some_and(|c| c[1] >= *cutoff))
                .unwrap_or(usize::MAX);
            let lines: Vec<&str> = text.lines().take(end).collect();
            if lines.is_empty() {
                continue;
            }
            (lines.join("\n") + "\n").into_bytes()
        } else {
            bytes
        };
        let dest = top.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, kept).unwrap();
    }
    top
}

/// The sample bundle's stretch before the incident, as it would have been
/// collected at 16:20:30 (the spike starts at 16:20:41), with the
/// configuration and the lockfiles of the bump at 16:20:06.
fn healthy_stretch(to: &Path) -> PathBuf {
    cut_sample(to, "162030", |_| "16:20:30".into())
}

/// A source going quiet: the sample bundle with the worker's log cut at
/// 16:21:00, as if the worker had hung there. Its last line left is
/// worker.log:47, `batch failed` at 16:20:59.814 (2 s batches); the other
/// logs run on to 16:23:45.
#[test]
fn sample_bundle_worker_going_quiet_is_an_anomaly() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = cut_sample(dir.path(), "162345", |r| {
        if r == "logs/app/worker.log" {
            "16:21:00"
        } else {
            "99:99:99"
        }
        .into()
    });
    let r = analyze_json(&bundle, &[]);
    let quiet: Vec<&Value> = r["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "quiet_source")
        .collect();
    assert_eq!(quiet.len(), 1, "{quiet:?}");
    let q = quiet[0];
    assert!(str_of(q, "title").contains("logs/app/worker.log stops logging at 2026-12-04 16:20:59"));
    assert!(str_of(&q["evidence"], "path").ends_with("logs/app/worker.log"));
    assert_eq!(q["evidence"]["line"], 47);
    assert_eq!(str_of(q, "time"), "2026-12-04T16:20:59.814Z");
    // What came just before it: Postgres' load rising in the dump of
    // 16:20:50, 9.8 s earlier.
    let lead = &q["causes"][0];
    assert_eq!(str_of(lead, "kind"), "usage");
    assert_eq!(lead["lag_s"], 9.814);
    assert!(str_of(lead, "title").starts_with("pg.db."), "{lead}");
}

/// Negative control: the stretch before the spike, with its pg bump and
/// rolling restart, raises no alarm: no finding scores as failing (15,
/// the tiers' threshold), no tier fails. What remains is a warning at
/// most: the one deliberate slow report query of the baseline (README:
/// "1 in the baseline").
#[test]
fn sample_bundle_healthy_stretch_raises_no_alarm() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = healthy_stretch(dir.path());
    let r = analyze_json(&bundle, &[]);
    assert!(
        r["bundle"]["records"].as_u64().unwrap() > 500,
        "{}",
        r["bundle"]
    );
    let alarms: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["score"].as_f64().unwrap() >= 15.0)
        .filter(|f| {
            !["deps.change", "pg.top_queries", "pg.top_queries_by_calls"]
                .contains(&str_of(f, "kind"))
        })
        .collect();
    assert!(alarms.is_empty(), "{alarms:?}");
    assert!(r["tiers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["status"] != "failing"));
    assert_eq!(
        r["signature_shifts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["problem"] == true)
            .count(),
        0
    );
    assert!(r["anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["kind"] != "rate_spike"));
    assert_eq!(r["disagreements"].as_array().unwrap().len(), 0);
}

/// The shared bundle's Markdown would pass a GitHub comment's 65,536
/// characters: the correlation sections yield first (2 of its 4 shifts
/// shown), then the tables (15 of its 65 spikes).
#[test]
fn shared_bundle_markdown_fits_and_correlation_yields_first() {
    let Some(shared) = shared() else { return };
    let b = shared.join("bundles/memory-and-disk.tar.gz");
    let out = run(&["analyze", b.to_str().unwrap()]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.chars().count() <= 65_536);
    assert!(md.contains("*2 more shifts not shown; see the JSON report.*"));
    assert!(md.contains("*50 more spikes not shown; see the JSON report.*"));
    assert!(md.contains("### Recurring errors: episodes, confinement, precursors"));
}

/// Every restart of the import worker is a timeline marker, the middle one
/// too: syslog lines 5, 9 and 13 (`grep -n "restart counter"` over the
/// bundle's logs/syslog/syslog); each `Started shop-import-worker` line
/// after them is marked as well.
#[test]
fn shared_bundle_marks_every_restart() {
    let Some(shared) = shared() else { return };
    let r = analyze_json(&shared.join("bundles/memory-and-disk.tar.gz"), &[]);
    let marks: Vec<(String, u64)> = r["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "lifecycle" && str_of(e, "title").contains("restart counter"))
        .map(|e| {
            let ev = &e["evidence"];
            assert!(str_of(ev, "path").ends_with("logs/syslog/syslog"));
            (str_of(e, "time").to_string(), ev["line"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        marks,
        [
            ("2026-12-04T15:36:24.087136Z".to_string(), 5),
            ("2026-12-04T15:38:12.497668Z".to_string(), 9),
            ("2026-12-04T15:40:02.416608Z".to_string(), 13),
        ]
    );
    let started = r["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| str_of(e, "title").starts_with("Started shop-import-worker"))
        .count();
    assert_eq!(started, 4);
}

/// QA: a crash loop of 120 systemd restarts over two rotated files. The
/// timeline marks 64 of them spread evenly in time (counters 1, 2, 4, ...,
/// 118, 120: `k * 119 / 63 + 1`), not the first 63 in file order, and its
/// last marker says how many are not marked (the HTML chart's own bound:
/// `analysis::charts` tests).
#[test]
fn a_crash_loop_is_marked_over_its_whole_length() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("b/logs/syslog");
    std::fs::create_dir_all(&dir).unwrap();
    let line = |n: u32| {
        let t = 32 + 30 * (n - 1);
        format!(
            "2026-12-04T{:02}:{:02}:{:02}.000000+00:00 host-r2 systemd[1]: myapp.service: \
             Scheduled restart job, restart counter is at {n}.\n",
            10 + t / 3600,
            t / 60 % 60,
            t % 60
        )
    };
    let old: String = (1..=50).map(line).collect();
    let new: String = (51..=120).map(line).collect();
    std::fs::write(dir.join("syslog.1"), old).unwrap();
    std::fs::write(dir.join("syslog"), new).unwrap();
    let r = analyze_json(&tmp.path().join("b"), &[]);
    let marks: Vec<&Value> = r["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "lifecycle")
        .collect();
    let counters: Vec<u32> = marks
        .iter()
        .map(|e| {
            let t = str_of(e, "title");
            let at = t.find("counter is at ").unwrap() + 14;
            t[at..].split('.').next().unwrap().parse().unwrap()
        })
        .collect();
    let expected: Vec<u32> = (0..64).map(|k| k * 119 / 63 + 1).collect();
    assert_eq!(counters, expected);
    assert!(str_of(marks[63], "title").ends_with("(64 of 120 occurrences marked, spread evenly)"));
}

/// nginx's `$upstream_response_time` as a series: in the shared bundle the
/// 5 s bucket from 15:38:39 holds 61 timed requests averaging 17.1 ms
/// (awk over access.log and its rotated file), against a median of 6 ms.
#[test]
fn shared_bundle_upstream_time_series() {
    let Some(shared) = shared() else { return };
    let r = analyze_json(&shared.join("bundles/memory-and-disk.tar.gz"), &[]);
    let s = r["spikes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["metric"] == "http.upstream_ms")
        .expect("an upstream time spike");
    assert_eq!(str_of(s, "start"), "2026-12-04T15:38:39Z");
    assert_eq!(
        (s["baseline"].as_f64(), s["peak"].as_f64()),
        (Some(6.0), Some(17.0))
    );
}

/// The correlation sections keep the report byte-identical across thread
/// counts, in JSON as in Markdown (a fixed redaction key, so tokens match).
#[test]
fn shared_bundle_json_is_identical_across_thread_counts() {
    let Some(shared) = shared() else { return };
    let b = shared.join("bundles/memory-and-disk.tar.gz");
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, "a fixed key for this test\n").unwrap();
    let args = |j| {
        run(&[
            "analyze",
            b.to_str().unwrap(),
            "--format",
            "json",
            "--redact-key-file",
            key.to_str().unwrap(),
            "-j",
            j,
        ])
    };
    let (one, two) = (args("1"), args("2"));
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(one.stdout, two.stdout);
    let r: Value = serde_json::from_slice(&one.stdout).unwrap();
    assert!(!r["anomalies"].as_array().unwrap().is_empty());
}

/// A precursor on real data: in Loghub's Apache log, mod_jk's `workerEnv
/// in error state` comes in 150 episodes, and 141 of them follow a
/// `jk2_init() Found child N in scoreboard slot M` line within the
/// precursor window (a child process starting), against a chance of about
/// 12 %.
#[test]
fn apache_error_state_is_preceded_by_child_init() {
    let Some(shared) = shared() else { return };
    let r = analyze_json(&shared.join("data/loghub2k/Apache/Apache_2k.log"), &[]);
    let e = r["intermittent"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| str_of(i, "template").starts_with("mod_jk child workerEnv in error state"))
        .expect("the recurring error");
    assert_eq!(e["count"], 539);
    assert_eq!(e["episodes"], 150);
    let p = &e["precursors"][0];
    assert_eq!(str_of(p, "kind"), "signature");
    assert!(str_of(p, "label").contains("Found child <*> in scoreboard slot"));
    assert_eq!(
        (p["preceded"].as_u64(), p["of"].as_u64()),
        (Some(141), Some(150))
    );
    let base = p["base_rate"].as_f64().unwrap();
    assert!(base > 0.05 && base < 0.2, "{base}");
    assert!(p["p_value"].as_f64().unwrap() < 1e-50);
}

/// A copy of the sample bundle in `to`, with `extra` written at its path
/// inside the bundle's top folder.
fn sample_with(to: &Path, extra: &str, text: &str) -> PathBuf {
    let from = sample_dir();
    for file in walk(&from) {
        let dest = to.join(file.strip_prefix(&from).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&file, dest).unwrap();
    }
    let path = to.join("sb_shop-demo-01_20261204_162345").join(extra);
    std::fs::write(path, text).unwrap();
    to.to_path_buf()
}

/// The log-rate chart's bucket, in seconds.
fn rate_bucket(report: &Value) -> u64 {
    let panels = report["charts"]["panels"].as_array().unwrap();
    let rates = panels.iter().find(|p| p["id"] == "log_rates").unwrap();
    rates["bucket_s"].as_u64().unwrap()
}

/// One line dated 1970 (a clock whose RTC was never set) is set aside:
/// the span, the chart buckets and the header stay the bundle's, and the
/// inventory and completeness say where the line is.
#[test]
fn a_record_dated_1970_is_set_aside_not_placed_on_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let line = "1970-01-01T00:00:05Z ERROR rtc not set\n";
    let bundle = sample_with(dir.path(), "logs/rtc.log", line);
    let report = analyze_json(&bundle, &[]);
    let base = analyze_json(&sample_dir(), &[]);
    assert!(str_of(&report["bundle"], "start").starts_with("2026-12-04T16:18"));
    assert_eq!(report["bundle"]["start"], base["bundle"]["start"]);
    assert_eq!(rate_bucket(&report), rate_bucket(&base));
    let rtc = "sb_shop-demo-01_20261204_162345/logs/rtc.log";
    let inv = report["inventory"].as_array().unwrap();
    let entry = inv.iter().find(|e| e["path"] == rtc).unwrap();
    let reason = str_of(entry, "reason");
    assert!(
        reason.starts_with("1 record with an implausible time, set aside from the timeline, first at line 1: before 2000-01-01"),
        "{reason}"
    );
    let cov = report["completeness"].as_array().unwrap();
    let cov = cov.iter().find(|c| c["source"] == rtc).unwrap();
    assert_eq!(cov["implausible_time"], 1);
    assert_eq!(cov["start"], Value::Null);
    let html = String::from_utf8(analyze_as(&bundle, "html", &[])).unwrap();
    assert!(html.contains("Logs from 2026-12-04 16:18:20 to 2026-12-04 16:23:45"));
    assert!(html.contains("0 (+1 implausible)"));
}

/// A log two years older than the bundle's collection time (from its
/// name) is said to be so, not mixed into the bundle's span.
#[test]
fn a_log_years_older_than_the_collection_is_said_to_be_so() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("sb_web1_20261204_120000/logs");
    std::fs::create_dir_all(&top).unwrap();
    std::fs::write(
        top.join("app.log"),
        "2026-12-04T11:00:00Z ERROR db down\n2026-12-04T11:30:00Z INFO db up\n",
    )
    .unwrap();
    std::fs::write(
        top.join("old.log"),
        "2024-12-04T11:00:00Z ERROR db down\n2024-12-04T11:05:00Z ERROR db down\n",
    )
    .unwrap();
    // A usage snapshot named two years before: its samples are set aside.
    let df = sample_dir().join("sb_shop-demo-01_20261204_162345/system/df/df-20261204T161825Z.txt");
    let snap = dir.path().join("sb_web1_20261204_120000/system/df");
    std::fs::create_dir_all(&snap).unwrap();
    std::fs::copy(df, snap.join("df-20241204T110000Z.txt")).unwrap();
    let report = analyze_json(dir.path(), &[]);
    assert_eq!(str_of(&report["bundle"], "start"), "2026-12-04T11:00:00Z");
    let inv = report["inventory"].as_array().unwrap();
    let snap = inv
        .iter()
        .find(|e| e["path"] == "sb_web1_20261204_120000/system/df/df-20241204T110000Z.txt")
        .unwrap();
    assert_eq!(snap["records"], 0);
    assert!(str_of(snap, "reason").ends_with(
        "samples with an implausible time set aside, the first more than 400 days before \
         the collection time (2026-12-04): 2024-12-04T11:00:00Z"
    ));
    let inv = report["inventory"].as_array().unwrap();
    let old = inv
        .iter()
        .find(|e| e["path"] == "sb_web1_20261204_120000/logs/old.log")
        .unwrap();
    assert_eq!(
        str_of(old, "reason"),
        "2 records with an implausible time, set aside from the timeline, first at line 1: \
         more than 400 days before the collection time (2026-12-04): \
         2024-12-04T11:00:00Z db down"
    );
}
