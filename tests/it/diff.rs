//! `outsidein diff` on the real sample bundle: two windows of it, and the
//! bundle against the state it was in before (the lockfile it had before
//! the bump, the `max_connections` it had before), with memory-and-disk
//! from ../shared when it is there.

use super::analyze::{run, shared, str_of};
use super::batch::copy_dir;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn diff_json(args: &[&str]) -> Value {
    let mut all = vec!["diff", "--format", "json"];
    all.extend_from_slice(args);
    let out = run(&all);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON diff")
}

fn signature<'a>(d: &'a Value, template: &str) -> &'a Value {
    d["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["template"] == template)
        .unwrap_or_else(|| panic!("{template} not among the changes"))
}

/// The sample's incident starts at 16:20:41 (fixtures/make-sample-bundle):
/// the window before it has no `too many clients`, the one after has all
/// 294 of the Postgres log's.
#[test]
fn two_windows_of_the_sample_bundle() {
    let sample = root().join("fixtures/sample-bundle.tar.gz");
    let d = diff_json(&[
        sample.to_str().unwrap(),
        "--baseline-window",
        "2026-12-04T16:18:00Z..2026-12-04T16:20:30Z",
        "--incident-window",
        "2026-12-04T16:20:30Z..2026-12-04T16:22:30Z",
    ]);
    assert_eq!(d["baseline"]["covered_secs"], 150.0);
    assert_eq!(d["incident"]["covered_secs"], 120.0);
    let s = signature(&d, "sorry, too many clients already");
    assert_eq!(s["change"], "new");
    assert_eq!(
        (s["baseline"].as_u64(), s["incident"].as_u64()),
        (Some(0), Some(294))
    );
    assert!(s["q_value"].as_f64().unwrap() < 1e-50);
    // 10 report requests before, 995 in the incident window.
    let r = signature(&d, "GET /api/report <*> OK");
    assert_eq!(r["change"], "up");
    assert_eq!(
        (r["baseline"].as_u64(), r["incident"].as_u64()),
        (Some(10), Some(995))
    );
    // The pg bump at 16:20:07 lies between the windows' edges.
    assert_pg_bump(&d);
    assert_report_query(&d);
    // Usage from the system snapshots of each window.
    let used = d["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["metric"] == "mem.used_bytes")
        .unwrap();
    assert!(used["baseline"].as_f64().unwrap() > used["incident"].as_f64().unwrap());
    // Bad windows are a command-line error.
    let bad = run(&[
        "diff",
        sample.to_str().unwrap(),
        "--baseline-window",
        "2026-12-04T16:20:00Z..yesterday",
        "--incident-window",
        "2026-12-04T16:20:30Z..2026-12-04T16:22:30Z",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--baseline-window"));
}

/// The Postgres dumps of the two windows (postgres/2026-12-04_*/, one
/// every 20 s or so): a delta between two dumps counts on the side that
/// holds the middle of its interval, so the baseline has the six intervals
/// from 16:18:27 to 16:20:30 and the incident the six from 16:20:30 to
/// 16:22:33 (123 s each). The report query (`pg_sleep`) has 10 calls at
/// 16:20:30 (none at 16:18:27) and 1006 at 16:22:33, 7,619.2 and
/// 916,473.3 ms: 10 calls before, 996 after at (916473.3 - 7619.2) / 996
/// = 912.50 ms each. Connections peak at 5 before and at 20
/// (= max_connections) after.
fn assert_report_query(d: &Value) {
    let pg = &d["postgres"];
    assert_eq!(
        (pg["baseline_dumps"].as_u64(), pg["incident_dumps"].as_u64()),
        (Some(6), Some(6))
    );
    assert_eq!(
        (pg["baseline_secs"].as_f64(), pg["incident_secs"].as_f64()),
        (Some(123.0), Some(123.0))
    );
    let q = pg["queries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| str_of(q, "fingerprint").contains("pg_sleep"))
        .expect("the report query changed");
    assert_eq!(q["change"], "up");
    assert_eq!(
        (q["baseline_calls"].as_u64(), q["incident_calls"].as_u64()),
        (Some(10), Some(996))
    );
    let mean = q["incident_mean_ms"].as_f64().unwrap();
    assert!((mean - (916473.3 - 7619.2) / 996.0).abs() < 0.01, "{mean}");
    assert_eq!(pg["queries"][0]["fingerprint_id"], q["fingerprint_id"]);
    let total = pg["connections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["by"] == "total")
        .unwrap();
    assert_eq!(
        (total["baseline"].as_u64(), total["incident"].as_u64()),
        (Some(5), Some(20))
    );
    assert_eq!(pg["max_connections"], serde_json::json!([20, 20]));
}

/// The sample's bump: pg 8.11.3 to 8.12.0.
fn assert_pg_bump(d: &Value) {
    let pg = d["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["package"] == "pg")
        .expect("pg change");
    assert_eq!(
        (pg["from"].as_str(), pg["to"].as_str()),
        (Some("8.11.3"), Some("8.12.0"))
    );
}

/// The sample bundle as it was before: its `.before` lockfile and
/// manifest in place, `max_connections = 100`, and a .env with another
/// password; the incident is the sample with a .env of its own.
#[test]
fn the_sample_against_its_state_before_the_bump() {
    let tmp = tempfile::tempdir().unwrap();
    let top = "sb_shop-demo-01_20261204_162345";
    let (base, inc) = (tmp.path().join("before"), tmp.path().join("after"));
    copy_dir(&root().join("fixtures/sample-bundle"), &inc);
    copy_dir(&root().join("fixtures/sample-bundle"), &base);
    let app = base.join(top).join("app/shop-api");
    std::fs::rename(
        app.join("package-lock.before.json"),
        app.join("package-lock.json"),
    )
    .unwrap();
    std::fs::rename(app.join("package.before.json"), app.join("package.json")).unwrap();
    let inc_app = inc.join(top).join("app/shop-api");
    std::fs::remove_file(inc_app.join("package-lock.before.json")).unwrap();
    std::fs::remove_file(inc_app.join("package.before.json")).unwrap();
    let conf = base.join(top).join("config/postgresql.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(
        &conf,
        text.replace("\nmax_connections = 20\n", "\nmax_connections = 100\n"),
    )
    .unwrap();
    let env = |dir: &Path, pw: &str| {
        std::fs::write(
            dir.join(top).join("config/app.env"),
            format!(
                "NODE_ENV=production\nDATABASE_URL=postgres://shop_app:{pw}@127.0.0.1:5432/shop\n"
            ),
        )
        .unwrap()
    };
    env(&base, "Old-Passw0rd-1");
    env(&inc, "New-Passw0rd-2");
    let d = diff_json(&[base.to_str().unwrap(), inc.to_str().unwrap()]);
    assert_pg_bump(&d);
    let configs = d["configs"].as_array().unwrap();
    let pgconf = configs
        .iter()
        .find(|c| c["path"] == "config/postgresql.conf")
        .expect("postgresql.conf changed");
    assert_eq!(
        pgconf["lines"],
        serde_json::json!(["-19: max_connections = 100", "+19: max_connections = 20"])
    );
    let envc = configs
        .iter()
        .find(|c| c["path"] == "config/app.env")
        .unwrap();
    let text = envc["lines"].to_string();
    assert!(!text.contains("Passw0rd"), "{text}");
    assert!(text.contains("<url-password:"), "{text}");
    // Only those two configuration files differ.
    assert_eq!(configs.len(), 2, "{configs:?}");
    // The same dumps on both sides: no query changed, and the
    // configuration's max_connections is each side's.
    assert_eq!(d["postgres"]["queries"].as_array().unwrap().len(), 0);
    assert_eq!(
        d["postgres"]["max_connections"],
        serde_json::json!([100, 20])
    );
    // The same logs on both sides: no signature changes.
    assert_eq!(d["signatures"].as_array().unwrap().len(), 0);

    // Markdown to a file.
    let md = tmp.path().join("diff.md");
    let out = run(&[
        "diff",
        base.to_str().unwrap(),
        inc.to_str().unwrap(),
        "-o",
        md.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("+19: max_connections = 20"), "{text}");
    assert!(text.contains("`max_connections`: 100 → 20."), "{text}");
    assert!(
        text.contains("npm `pg` upgraded: 8.11.3 → 8.12.0"),
        "{text}"
    );
}

/// The sample (connections) against memory-and-disk (a disk filling up):
/// ENOSPC is new, and the uploads disk is full on the incident's side.
#[test]
fn two_different_incidents() {
    let Some(s) = shared() else { return };
    let d = diff_json(&[
        root()
            .join("fixtures/sample-bundle.tar.gz")
            .to_str()
            .unwrap(),
        s.join("bundles/memory-and-disk.tar.gz").to_str().unwrap(),
    ]);
    let e = signature(&d, "upload failed: ENOSPC: no space left on device, write");
    assert_eq!(
        (e["change"].as_str(), e["incident"].as_u64()),
        (Some("new"), Some(390))
    );
    assert_eq!(
        signature(&d, "sorry, too many clients already")["change"],
        "gone"
    );
    let disk = d["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| {
            u["metric"] == "disk.use_pct" && u["labels"].as_str().unwrap().ends_with("/srv/uploads")
        })
        .unwrap();
    assert_eq!(disk["incident"], 100.0);
    let nginx = d["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"] == "config/nginx.conf")
        .unwrap();
    let lines = nginx["lines"].to_string();
    assert!(lines.contains("worker_connections 512") && lines.contains("worker_connections 1024"));
}

/// QA: a window a day off lies outside the bundle's logs; the diff says
/// so first instead of only listing every signature as new. Overlapping
/// windows are said too.
#[test]
fn a_misplaced_or_overlapping_window_is_said() {
    let sample = root().join("fixtures/sample-bundle.tar.gz");
    let d = diff_json(&[
        sample.to_str().unwrap(),
        "--baseline-window",
        "2026-12-03T16:18:00Z..2026-12-03T16:22:00Z",
        "--incident-window",
        "2026-12-04T16:20:00Z..2026-12-04T16:24:00Z",
    ]);
    let notes = d["notes"].to_string();
    assert!(
        notes.contains("the baseline window 2026-12-03T16:18:00Z..2026-12-03T16:22:00Z lies outside the bundle's logs (2026-12-04T16:18:20.006Z to 2026-12-04T16:23:45.528Z)"),
        "{notes}"
    );
    let d = diff_json(&[
        sample.to_str().unwrap(),
        "--baseline-window",
        "2026-12-04T16:18:00Z..2026-12-04T16:21:00Z",
        "--incident-window",
        "2026-12-04T16:20:00Z..2026-12-04T16:24:00Z",
    ]);
    assert_eq!(
        d["notes"],
        serde_json::json!([
            "the windows overlap from 2026-12-04T16:20:00Z to 2026-12-04T16:21:00Z: records there count on both sides"
        ])
    );
}

/// QA: bad counter cells (`1e308`, `abc`) in one dump crashed the debug
/// build or invented calls. The rows are left out with the file and line
/// named, and no query changes: the next dump is compared with the last
/// good reading.
#[test]
fn bad_counters_in_a_dump_are_named_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let inc = tmp.path().join("inc");
    copy_dir(&root().join("fixtures/sample-bundle"), &inc);
    let dump = inc
        .join("sb_shop-demo-01_20261204_162345/postgres/2026-12-04_162131/pg_stat_statements.txt");
    let text = std::fs::read_to_string(&dump).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (i, bad) in [(3, "1e308"), (4, "abc")] {
        let mut cells: Vec<String> = lines[i].split('|').map(str::to_string).collect();
        cells[1] = format!("{bad:>w$} ", w = cells[1].len() - 1);
        lines[i] = cells.join("|");
    }
    std::fs::write(&dump, lines.join("\n") + "\n").unwrap();
    let sample = root().join("fixtures/sample-bundle");
    let d = diff_json(&[sample.to_str().unwrap(), inc.to_str().unwrap()]);
    let pg = &d["postgres"];
    assert_eq!(pg["queries"].as_array().unwrap().len(), 0, "{pg}");
    let notes: Vec<&str> = pg["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].starts_with("incident: sb_shop-demo-01_20261204_162345/postgres/2026-12-04_162131/pg_stat_statements.txt:4: `calls` is `1e308`"), "{notes:?}");
    assert!(
        notes[1].contains("pg_stat_statements.txt:5: `calls` is `abc`"),
        "{notes:?}"
    );
}

/// QA: with `free -h` and `free -m` in one snapshot, diff took the low of
/// available memory from `free -h`'s rounding (19 GiB → 16 GiB); the
/// windows, full of usage samples, were called outside the bundle.
#[test]
fn usage_windows_take_the_precise_capture() {
    let stress = root().join("fixtures/usage/qa/stress");
    let d = diff_json(&[
        stress.to_str().unwrap(),
        "--baseline-window",
        "2026-12-04T23:42:50Z..2026-12-04T23:43:25Z",
        "--incident-window",
        "2026-12-04T23:43:26Z..2026-12-04T23:43:50Z",
    ]);
    let avail = d["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["metric"] == "mem.available_bytes")
        .expect("available memory");
    let mib = 1024.0 * 1024.0;
    assert_eq!(avail["baseline"].as_f64(), Some(19569.0 * mib));
    assert_eq!(avail["incident"].as_f64(), Some(16886.0 * mib));
    let notes = d["notes"].to_string();
    assert!(
        notes.contains(
            "the baseline window 2026-12-04T23:42:50Z..2026-12-04T23:43:25Z holds no log record, only"
        ),
        "{notes}"
    );
    assert!(!notes.contains("outside"), "{notes}");
}

/// QA: a side whose logs carry no time was given one second of exposure,
/// so 0 → 294 `too many clients` read as "unchanged"; an empty side gave
/// exit 0. Now an untimed side is compared by presence, with a note, and
/// a side with nothing recognised exits 4 as `analyze` does.
#[test]
fn an_untimed_or_empty_side() {
    let sample = root().join("fixtures/sample-bundle.tar.gz");
    if let Some(s) = shared() {
        let case = s.join("cases/02-pg-pool-340-client-ref");
        let d = diff_json(&[case.to_str().unwrap(), sample.to_str().unwrap()]);
        assert!(d["baseline"]["covered_secs"].is_null());
        let note = d["notes"][0].as_str().unwrap();
        assert!(
            note.starts_with("no log record of the baseline has a time"),
            "{note}"
        );
        let s = signature(&d, "sorry, too many clients already");
        assert_eq!(s["change"], "new");
        assert_eq!(
            (s["baseline"].as_u64(), s["incident"].as_u64()),
            (Some(0), Some(294))
        );
        assert!(s["q_value"].is_null() && s["baseline_per_hour"].is_null());
    }
    let empty = tempfile::tempdir().unwrap();
    let out = run(&[
        "diff",
        sample.to_str().unwrap(),
        empty.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("was recognised"));
}
