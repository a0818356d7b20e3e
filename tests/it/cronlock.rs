//! The cron-lock incident (fixtures/cron-lock/README.md): a job started
//! every 25 s locks `orders` for about 3 s, and the app's statements,
//! which run with `lock_timeout = 1s`, fail with Postgres' `canceling
//! statement due to lock timeout` during some of those seconds. Made by
//! real Postgres 15 and Node on loopback. Every expected value here is
//! measured from the fixture's files, as grep and awk would.

use crate::analyze::analyze_json;
use jiff::Timestamp;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn bundle() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cron-lock");
    std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("sb_"))
        .expect("the bundle folder in fixtures/cron-lock")
}

/// Numbered lines (from 1) of a bundle file that contain `needle`.
fn grep(rel: &str, needle: &str) -> Vec<(usize, String)> {
    std::fs::read_to_string(bundle().join(rel))
        .unwrap()
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

const PG: &str = "logs/postgresql/postgresql.log";
const APP: &str = "logs/app/orders-api.log";
const JOB: &str = "logs/cron/nightly-rollup.log";
const LOCK_TIMEOUT: &str = "canceling statement due to lock timeout";

/// The `"time"` of a pino JSON line.
fn json_time(line: &str) -> Timestamp {
    let v: Value = serde_json::from_str(line).unwrap();
    v["time"].as_str().unwrap().parse().unwrap()
}

/// The time in Postgres' prefix `%m`: `2026-12-04 19:29:45.416 UTC`.
fn pg_time(line: &str) -> Timestamp {
    format!("{}T{}Z", &line[..10], &line[11..23])
        .parse()
        .unwrap()
}

/// What the fixture's files say, measured without outsidein.
struct Truth {
    starts: Vec<Timestamp>,
    /// Median gap between job starts, in seconds.
    period_s: f64,
    pg_timeouts: Vec<(usize, Timestamp)>,
    app_timeouts: usize,
    /// Job runs followed by at least one lock timeout before the next run.
    runs_with_timeouts: usize,
}

fn truth() -> Truth {
    let starts: Vec<Timestamp> = grep(JOB, r#""msg":"nightly-rollup started""#)
        .iter()
        .map(|(_, l)| json_time(l))
        .collect();
    let mut gaps: Vec<f64> = starts
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).as_secs_f64())
        .collect();
    gaps.sort_by(f64::total_cmp);
    let pg_timeouts: Vec<(usize, Timestamp)> = grep(PG, &format!("ERROR:  {LOCK_TIMEOUT}"))
        .iter()
        .map(|(n, l)| (*n, pg_time(l)))
        .collect();
    let app_timeouts = grep(APP, r#""msg":"query failed""#)
        .iter()
        .filter(|(_, l)| l.contains(LOCK_TIMEOUT))
        .count();
    let mut runs: Vec<usize> = pg_timeouts
        .iter()
        .filter_map(|(_, t)| starts.iter().rposition(|s| s <= t))
        .collect();
    runs.dedup();
    Truth {
        period_s: gaps[gaps.len() / 2],
        starts,
        pg_timeouts,
        app_timeouts,
        runs_with_timeouts: runs.len(),
    }
}

#[test]
fn fixture_ground_truth_is_as_documented() {
    // fixtures/cron-lock/README.md, from ground-truth.sh.
    let t = truth();
    assert_eq!(t.starts.len(), 12);
    assert!((t.period_s - 25.04).abs() < 0.01, "{}", t.period_s);
    assert_eq!(t.pg_timeouts.len(), 67);
    assert_eq!(t.app_timeouts, 67);
    assert_eq!(t.runs_with_timeouts, 12);
    // Every lock timeout comes after a job start (none before the first).
    assert!(t.pg_timeouts.iter().all(|(_, x)| *x > t.starts[0]));
}

/// The lock timeouts are a recurring error whose precursor is the job's
/// start line, with the job's period; the top finding names them and
/// cites the lines.
#[test]
fn cron_lock_timeouts_are_preceded_by_the_job_start() {
    let t = truth();
    let r = analyze_json(&bundle(), &[]);
    let all = r["intermittent"].as_array().unwrap();
    // The Postgres side and the app side of the same failure.
    for (template, count) in [
        (format!("{LOCK_TIMEOUT} at character"), t.pg_timeouts.len()),
        (format!("query failed: {LOCK_TIMEOUT}"), t.app_timeouts),
    ] {
        let e = all
            .iter()
            .find(|i| i["template"].as_str().unwrap().starts_with(&template))
            .unwrap_or_else(|| panic!("{template} in {all:?}"));
        assert_eq!(e["count"].as_u64(), Some(count as u64), "{e}");
        assert_eq!(
            e["episodes"].as_u64(),
            Some(t.runs_with_timeouts as u64),
            "{e}"
        );
        // The window stays under the job's period, so windows do not
        // reach back into the run before.
        let w = e["window_s"].as_f64().unwrap();
        assert!(w > 2.0 && w < t.period_s, "{e}");
        let p = e["precursors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["label"] == "nightly-rollup started")
            .unwrap_or_else(|| panic!("the job's start line in {e}"));
        assert_eq!(p["kind"], "signature");
        let period = p["period_s"].as_f64().expect("the job recurs periodically");
        assert!(
            (period - t.period_s).abs() < 0.5,
            "{period} vs {}",
            t.period_s
        );
        assert_eq!(p["preceded"].as_u64(), Some(t.runs_with_timeouts as u64));
        assert_eq!(p["of"].as_u64(), Some(t.runs_with_timeouts as u64));
        // By chance the start line would lie in a window less than half
        // the time (window / period).
        let base = p["base_rate"].as_f64().unwrap();
        assert!((base - w / t.period_s).abs() < 0.05, "{base}");
        assert!(p["p_value"].as_f64().unwrap() < 1e-6);
    }

    let top = &r["findings"][0];
    assert_eq!(top["kind"], "pg.lock_timeout");
    // The finding itself says what comes before each burst.
    let runs = t.runs_with_timeouts;
    let said = format!(
        "Its episodes follow `nightly-rollup started`, itself every {:.0} s: {runs} of {runs} \
         episodes",
        t.period_s
    );
    assert!(top["detail"].as_str().unwrap().contains(&said), "{top}");
    assert_eq!(
        top["time"].as_str().unwrap().parse::<Timestamp>().unwrap(),
        t.pg_timeouts[0].1
    );
    let ev = top["evidence"].as_array().unwrap();
    for (path, file_lines) in [(PG, grep(PG, LOCK_TIMEOUT)), (APP, grep(APP, LOCK_TIMEOUT))] {
        let cited: Vec<u64> = ev
            .iter()
            .filter(|e| e["path"] == path)
            .map(|e| e["line"].as_u64().unwrap())
            .collect();
        assert!(!cited.is_empty(), "{path} cited in {ev:?}");
        for n in cited {
            assert!(
                file_lines.iter().any(|(m, _)| *m as u64 == n),
                "{path}:{n} is a lock timeout line"
            );
        }
    }
    assert_eq!(ev[0]["line"].as_u64(), Some(t.pg_timeouts[0].0 as u64));
}
