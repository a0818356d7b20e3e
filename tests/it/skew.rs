//! Clock skew between two hosts, measured on real traffic: nginx 1.22 as
//! a reverse proxy (host `proxy`) in front of a Python app (host `app`)
//! whose clock faketime set 42 s ahead, on loopback, and the same run
//! without the shift (fixtures/skew/make.sh).

use super::analyze::run;
use serde_json::Value;
use std::path::PathBuf;

fn bundle() -> String {
    fixture("bundle")
}

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/skew")
        .join(name);
    p.to_str().unwrap().to_string()
}

#[test]
fn skew_of_a_clock_set_42_s_ahead_is_found() {
    let out = run(&["analyze", &bundle(), "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let skew = report["clock_skew"].as_array().unwrap();
    assert_eq!(skew.len(), 1, "{skew:?}");
    let k = &skew[0];
    assert_eq!(
        (k["host"].as_str(), k["other"].as_str()),
        (Some("app"), Some("proxy"))
    );
    // The proxy runs 42 s behind the app; nginx writes whole seconds, so
    // the estimate is good to one second.
    let offset = k["offset_s"].as_f64().unwrap();
    assert!((offset + 42.0).abs() <= 1.0, "{offset}");
    // 60 products, 6 POSTs and 4 missing pages pair; /health, requested
    // six times, cannot.
    assert_eq!(k["pairs"], 70);
    let md = run(&["analyze", &bundle()]);
    let md = String::from_utf8(md.stdout).unwrap();
    assert!(
        md.contains("Clock skew: `proxy` runs 42.6 s behind `app` (median of 70"),
        "{md}"
    );
    let html = run(&["analyze", &bundle(), "--format", "html"]);
    let html = String::from_utf8(html.stdout).unwrap();
    assert!(
        html.contains("<td>proxy</td><td>-42.6 s</td><td>app</td>"),
        "{html}"
    );
}

#[test]
fn skew_is_not_reported_when_the_clocks_agree() {
    // The same run without faketime: the pairs' median is 0.5 s (nginx
    // writes whole seconds), under the threshold.
    let out = run(&["analyze", &fixture("bundle-same-clock"), "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["bundle"]["hosts"],
        serde_json::json!(["app", "proxy"])
    );
    assert!(
        report.get("clock_skew").is_none(),
        "{}",
        report["clock_skew"]
    );
}

#[test]
fn skew_is_not_reported_for_one_host() {
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample-bundle");
    let out = run(&["analyze", sample.to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report.get("clock_skew").is_none(),
        "{}",
        report["clock_skew"]
    );
}
