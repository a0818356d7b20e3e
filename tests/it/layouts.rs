//! Hosts and services from the folder layouts of real collection tools,
//! built by fixtures/layouts/make.sh with real log lines: a sos-collector
//! archive of two sosreports (nested .tar.xz members) and a troubleshoot.sh
//! support bundle.

use super::analyze::{run, run_jsonl};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn fixture(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/layouts")
        .join(name);
    p.to_str().unwrap().to_string()
}

/// Per file of the timeline: (host, service, records, records with a time).
fn by_file(bundle: &str) -> BTreeMap<String, (String, String, u32, u32)> {
    let mut out = BTreeMap::new();
    for r in run_jsonl(&["timeline", &fixture(bundle)]) {
        let file = r["source"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        let host = r["host"].as_str().unwrap().to_string();
        let service = r["service"].as_str().unwrap_or("").to_string();
        let e = out.entry(file).or_insert((host, service, 0, 0));
        e.2 += 1;
        e.3 += u32::from(!r["time"].is_null());
    }
    out
}

fn row(host: &str, service: &str, n: u32, timed: u32) -> (String, String, u32, u32) {
    (host.into(), service.into(), n, timed)
}

#[test]
fn layouts_sos_collector_gives_each_sosreport_its_host() {
    let got = by_file("sos-collector.tar.xz");
    let want = BTreeMap::from([
        ("access.log".to_string(), row("web-01", "nginx", 30, 30)),
        // web-01's own /proc/stat dates its dmesg.
        ("dmesg".to_string(), row("web-01", "kernel", 341, 341)),
        // The case id 01234567 is not part of the host name.
        ("redis-server.log".to_string(), row("db1", "redis", 26, 26)),
    ]);
    assert_eq!(got, want);
    let out = run(&[
        "analyze",
        &fixture("sos-collector.tar.xz"),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hosts = report["bundle"]["hosts"].as_array().unwrap();
    assert!(
        hosts.contains(&"web-01".into()) && hosts.contains(&"db1".into()),
        "{hosts:?}"
    );
}

#[test]
fn layouts_troubleshoot_pod_logs_name_pod_and_container() {
    let got = by_file("support-bundle-2026-12-04T16_23_45.tar.gz");
    let want = BTreeMap::from([
        (
            "nginx-previous.log".to_string(),
            row("web-5c9d7b8f6d-q2w9x", "shop/nginx", 20, 20),
        ),
        (
            "nginx.log".to_string(),
            row("web-5c9d7b8f6d-q2w9x", "shop/nginx", 20, 20),
        ),
        (
            "redis.log".to_string(),
            row("redis-0", "shop/redis", 26, 26),
        ),
    ]);
    assert_eq!(got, want);
    // The run before the restart and the current one are one family.
    let out = run(&[
        "analyze",
        &fixture("support-bundle-2026-12-04T16_23_45.tar.gz"),
    ]);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("files, oldest first: `nginx-previous.log`, `nginx.log`."),
        "{md}"
    );
}
