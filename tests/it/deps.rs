//! The deps layer against the shared oracle corpus (`/work/shared/deps`):
//! every before/after pair, the truncated diff and the bad inputs.
//!
//! Each pair's files are handed to `analyze_files` as a bundle would hand
//! them; the change list is projected onto what `expected.json` records
//! (package, kind, from, to, direct and the flags the oracle computes) and
//! compared as a set. Where our reading differs from the oracle on purpose,
//! a test states our reading and the argument is in the final report.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use outsidein::deps::{analyze_files, DepFile, DepsOutcome};
use serde_json::Value;

/// ../shared/deps beside the clone, else where the workplace keeps it.
fn corpus() -> PathBuf {
    super::analyze::shared()
        .map(|s| s.join("deps"))
        .expect("the dependency corpus (../shared/deps or /work/shared/deps)")
}

/// Files of a pair folder as a bundle would hold them (no oracle files).
fn pair_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if p.is_dir() || ["expected.json", "meta.json", "note.md"].contains(&name.as_str()) {
            continue;
        }
        out.push((
            format!("{}/{name}", dir.file_name().unwrap().to_string_lossy()),
            std::fs::read(&p).unwrap(),
        ));
    }
    out.sort();
    out
}

fn run(dir: &Path) -> DepsOutcome {
    analyze(&pair_files(dir))
}

fn analyze(files: &[(String, Vec<u8>)]) -> DepsOutcome {
    let refs: Vec<DepFile> = files
        .iter()
        .map(|(p, b)| DepFile {
            path: p,
            bytes: b,
            mtime: None,
        })
        .collect();
    analyze_files(&refs)
}

const ORACLE_FLAGS: [&str; 10] = [
    "major",
    "semver-breaking",
    "install-script-added",
    "license-changed",
    "license-spelling-only",
    "hash-algorithm-only",
    "hash-value-changed",
    "hash-algorithm-downgrade",
    "registry-host-changed",
    "scheme-changed",
];

type Row = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<bool>,
    Vec<String>,
);

fn versioned(kind: &str) -> bool {
    matches!(kind, "upgraded" | "downgraded" | "changed")
}

/// Same-version records name their version in from and to.
fn same_version(kind: &str) -> bool {
    matches!(kind, "integrity-changed" | "resolved-changed")
}

fn expected_rows(exp: &Value) -> BTreeSet<Row> {
    let mut rows = BTreeSet::new();
    for c in exp["changes"].as_array().into_iter().flatten() {
        let kind = c["kind"].as_str().unwrap().to_string();
        let t = |k: &str| c.get(k).and_then(Value::as_bool) == Some(true);
        let mut flags = Vec::new();
        let mut add = |cond: bool, f: &str| {
            if cond {
                flags.push(f.to_string())
            }
        };
        add(t("major_jump"), "major");
        add(t("semver_breaking"), "semver-breaking");
        add(t("install_script_added"), "install-script-added");
        let lic = c.get("license_changed").filter(|l| l.is_object());
        add(lic.is_some(), "license-changed");
        add(
            lic.is_some_and(|l| l["equivalent_after_normalisation"] == true),
            "license-spelling-only",
        );
        if kind == "integrity-changed" {
            let same = t("same_algorithm_value_changed");
            add(!same, "hash-algorithm-only");
            add(same, "hash-value-changed");
            add(t("algorithm_downgraded"), "hash-algorithm-downgrade");
        }
        add(t("host_changed"), "registry-host-changed");
        add(t("scheme_changed"), "scheme-changed");
        flags.sort();
        let s = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
        let (from, to) = if versioned(&kind) {
            (s("from"), s("to"))
        } else if same_version(&kind) {
            (s("version"), s("version"))
        } else {
            (None, None)
        };
        let direct = c["direct"].as_bool();
        rows.insert((
            c["name"].as_str().unwrap().to_string(),
            kind,
            from,
            to,
            direct,
            flags,
        ));
    }
    rows
}

fn our_rows(o: &DepsOutcome) -> BTreeSet<Row> {
    o.changes
        .iter()
        .map(|c| {
            let mut flags: Vec<String> = c
                .flags
                .iter()
                .filter(|f| ORACLE_FLAGS.contains(&f.as_str()))
                .cloned()
                .collect();
            flags.sort();
            let keep = versioned(&c.kind) || same_version(&c.kind);
            let (from, to) = if keep {
                (c.from.clone(), c.to.clone())
            } else {
                (None, None)
            };
            (c.package.clone(), c.kind.clone(), from, to, c.direct, flags)
        })
        .collect()
}

fn expected(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap()
}

/// Pairs where our reading differs from the oracle on purpose; each has its
/// own test below.
const READ_DIFFERENTLY: [&str; 2] = [
    "clipanion-yarn-berry-remaster-153",
    "diff-truncated-node-ipc-remediated",
];

fn pair_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").exists())
        .collect();
    dirs.sort();
    dirs
}

fn report(dir: &Path, want: &BTreeSet<Row>, got: &BTreeSet<Row>) -> Option<String> {
    if want == got {
        return None;
    }
    let missing: Vec<_> = want.difference(got).take(5).collect();
    let extra: Vec<_> = got.difference(want).take(5).collect();
    Some(format!(
        "{}: {} expected, {} ours; missing {:?}; extra {:?}",
        dir.file_name().unwrap().to_string_lossy(),
        want.len(),
        got.len(),
        missing,
        extra
    ))
}

#[test]
fn deps_oracle_every_pair_agrees() {
    let dirs = pair_dirs();
    assert_eq!(dirs.len(), 32, "31 pairs and the truncated diff");
    let mut failures = Vec::new();
    let mut agree = 0;
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let o = run(dir);
        let (want, got) = (expected_rows(&expected(dir)), our_rows(&o));
        match report(dir, &want, &got) {
            None => agree += 1,
            Some(_) if READ_DIFFERENTLY.contains(&name.as_str()) => {}
            Some(r) => failures.push(r),
        }
    }
    eprintln!("oracle agreement: {agree}/{} pairs exactly", dirs.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn deps_oracle_known_bad_introduced_and_removed() {
    for dir in pair_dirs() {
        let exp = expected(&dir);
        let o = run(&dir);
        for (key, flag) in [
            ("introduced", "known-compromised"),
            ("removed", "known-compromised-removed"),
        ] {
            let want: BTreeSet<String> = exp["known_bad"][key]
                .as_array()
                .into_iter()
                .flatten()
                .map(|k| k["name"].as_str().unwrap().to_string())
                .collect();
            let got: BTreeSet<String> = o
                .changes
                .iter()
                .filter(|c| c.has(flag))
                .map(|c| c.package.clone())
                .collect();
            assert_eq!(got, want, "{} {key}", dir.display());
        }
    }
}

/// Our reading: a yarn cacheKey change (8 -> 10c0) rewrites every checksum
/// without any content change. We report it once as a format change with
/// the count, not as 376 integrity-changed records; every other record
/// agrees with the oracle.
#[test]
fn deps_berry_cache_key_change_is_reported_once() {
    let dir = corpus().join("clipanion-yarn-berry-remaster-153");
    let o = run(&dir);
    let exp = expected_rows(&expected(&dir));
    let (folded, rest): (BTreeSet<Row>, BTreeSet<Row>) = exp
        .into_iter()
        .partition(|r| r.1 == "integrity-changed" && r.5 == ["hash-algorithm-only"]);
    assert_eq!(folded.len(), 376);
    assert_eq!(our_rows(&o), rest);
    assert_eq!(o.format_changes.len(), 1);
    let note = o.format_changes[0].note.as_deref().unwrap();
    assert!(
        note.starts_with("376 same-version checksum changes"),
        "{note}"
    );
}

/// Our reading: the truncated diff also changes package.json in a complete
/// hunk, and before.package.json is in the folder, so direct/transitive is
/// known (all four are transitive); the oracle leaves it null because it
/// applies only the yarn.lock section.
#[test]
fn deps_truncated_diff_applies_whole_hunks_only() {
    let dir = corpus().join("diff-truncated-node-ipc-remediated");
    let o = run(&dir);
    let strip = |rows: BTreeSet<Row>| -> BTreeSet<Row> {
        rows.into_iter()
            .map(|(a, b, c, d, _, f)| (a, b, c, d, None, f))
            .collect()
    };
    assert_eq!(strip(our_rows(&o)), strip(expected_rows(&expected(&dir))));
    assert!(o.changes.iter().all(|c| c.direct == Some(false)));
    assert!(!o
        .changes
        .iter()
        .any(|c| c.package == "node-ipc" || c.package == "peacenotwar"));
    let issue = o
        .issues
        .iter()
        .find(|i| i.message.contains("truncated-diff"))
        .expect("a warning");
    assert!(
        issue.message.contains("@@ -11571,16 +11571,14 @@"),
        "{issue}"
    );
    let info = o
        .files
        .iter()
        .find(|f| f.path.ends_with("diff.patch"))
        .unwrap();
    assert_eq!(info.status, "partial");
}

fn bad(name: &str) -> DepsOutcome {
    run(&corpus().join("bad-inputs").join(name))
}

#[test]
fn deps_bad_truncated_json_names_file_and_line() {
    let o = bad("truncated-json-npm-v3");
    assert!(o.changes.is_empty(), "no change list from a truncated file");
    let i = o
        .issues
        .iter()
        .find(|i| i.path.ends_with("after.json"))
        .unwrap();
    assert_eq!(i.line, Some(1699));
    assert!(i.message.contains("line 1699 column 77, byte 65536"), "{i}");
    assert!(
        i.message.contains("truncated") && i.message.contains("64 KiB"),
        "{i}"
    );
    let f = o
        .files
        .iter()
        .find(|f| f.path.ends_with("after.json"))
        .unwrap();
    assert_eq!(f.status, "failed");
}

#[test]
fn deps_bad_bom_is_a_warning_and_diff_works() {
    let o = bad("bom-npm-v3");
    let i = o
        .issues
        .iter()
        .find(|i| i.path.ends_with("after.json"))
        .unwrap();
    assert!(i.message.starts_with("warning [bom]"), "{i}");
    let got: Vec<_> = o.changes.iter().map(|c| (&*c.package, &*c.kind)).collect();
    assert_eq!(got, [("flatted", "upgraded")]);
}

#[test]
fn deps_bad_crlf_one_side_is_a_warning_and_diff_works() {
    let o = bad("crlf-pnpm-v6");
    let i = o
        .issues
        .iter()
        .find(|i| i.path.ends_with("after.yaml"))
        .unwrap();
    assert!(i.message.starts_with("warning [crlf]"), "{i}");
    assert!(o
        .issues
        .iter()
        .any(|i| i.message.starts_with("warning [mixed-line-endings]")));
    let got: Vec<_> = o
        .changes
        .iter()
        .map(|c| (&*c.package, &*c.kind, c.direct))
        .collect();
    assert_eq!(
        got,
        [
            ("@types/node", "upgraded", Some(true)),
            ("undici-types", "upgraded", Some(false))
        ]
    );
}

#[test]
fn deps_bad_merge_conflict_names_the_lines() {
    let o = bad("merge-conflict-pnpm");
    assert!(o.changes.is_empty());
    let i = o
        .issues
        .iter()
        .find(|i| i.path.ends_with("after.yaml"))
        .unwrap();
    assert_eq!(i.line, Some(316));
    assert!(
        i.message.contains("merge-conflict") && i.message.contains("316/319/322"),
        "{i}"
    );
    let sides = o
        .issues
        .iter()
        .find(|i| i.message.contains("merge-conflict-sides"))
        .unwrap();
    assert!(
        sides.message.contains("HEAD has `tar: 6.1.10")
            && sides.message.contains("main has `tar: 6.1.11"),
        "{sides}"
    );
}

#[test]
fn deps_bad_empty_file_never_means_everything_removed() {
    let o = bad("empty-file");
    assert!(o.changes.is_empty());
    let i = o
        .issues
        .iter()
        .find(|i| i.path.ends_with("after.json"))
        .unwrap();
    assert!(
        i.message.contains("[empty]") && i.message.contains("0 bytes"),
        "{i}"
    );
}

/// dpkg changes take the time of their dpkg.log line, as the oracle does.
#[test]
fn deps_dpkg_changes_are_timed_by_dpkg_log() {
    for pair in [
        "dpkg-l-install-tree",
        "dpkg-query-downgrade-jq",
        "dpkg-l-security-upgrade-jq",
    ] {
        let dir = corpus().join(pair);
        let exp = expected(&dir);
        let o = run(&dir);
        for c in exp["changes"].as_array().unwrap() {
            let want = c["time"].as_str().unwrap().replace(' ', "T") + "Z";
            let ours = o
                .changes
                .iter()
                .find(|x| x.package == c["name"].as_str().unwrap())
                .unwrap();
            assert_eq!(ours.time.map(|t| t.to_string()), Some(want), "{pair}");
        }
    }
}

/// A transitive change names a parent that depends on it.
#[test]
fn deps_transitive_change_names_its_parent() {
    let o = run(&corpus().join("incident-flatmap-stream-introduced-geojson-schema"));
    let es = o
        .changes
        .iter()
        .find(|c| c.package == "event-stream")
        .unwrap();
    assert_eq!(es.direct, Some(false));
    assert!(es.parent.is_some(), "{es:?}");
    let fm = o
        .changes
        .iter()
        .find(|c| c.package == "flatmap-stream")
        .unwrap();
    assert_eq!(fm.parent.as_deref(), Some("event-stream"));
    assert!(fm.has("known-compromised"));
    assert!(o
        .known_compromised
        .iter()
        .any(|k| k.package == "flatmap-stream"));
}

fn lock(versions: &[(&str, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "{\"lockfileVersion\": 3, \"packages\": {\"\": {\"dependencies\": {\"a\": \"*\"}}",
    );
    for (n, v) in versions {
        s.push_str(&format!(",\"node_modules/{n}\": {{\"version\": \"{v}\"}}"));
    }
    s.push_str("}}");
    s.into_bytes()
}

/// Snapshots in time-named folders are ordered by that time, whatever the
/// input order, and diffed pairwise; sibling hosts at one time are skew.
#[test]
fn deps_series_in_snapshot_folders_and_host_skew() {
    let files = [
        (
            "b/2026-12-04_1600/web-1/package-lock.json",
            lock(&[("a", "1.2.0"), ("c", "1.0.0")]),
        ),
        (
            "b/2026-12-04_1500/web-1/package-lock.json",
            lock(&[("a", "1.1.0")]),
        ),
        (
            "b/2026-12-04_1700/web-1/package-lock.json",
            lock(&[("a", "2.0.0"), ("c", "1.0.0")]),
        ),
        (
            "b/2026-12-04_1700/web-2/package-lock.json",
            lock(&[("a", "1.2.0"), ("c", "1.0.0")]),
        ),
    ];
    let files: Vec<(String, Vec<u8>)> =
        files.into_iter().map(|(p, b)| (p.to_string(), b)).collect();
    let o = analyze(&files);
    let got: Vec<_> = o
        .changes
        .iter()
        .map(|c| {
            (
                c.package.as_str(),
                c.kind.as_str(),
                c.to.as_deref(),
                c.time.map(|t| t.to_string()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "a",
                "upgraded",
                Some("1.2.0"),
                Some("2026-12-04T16:00:00Z".into())
            ),
            (
                "c",
                "added",
                Some("1.0.0"),
                Some("2026-12-04T16:00:00Z".into())
            ),
            (
                "a",
                "upgraded",
                Some("2.0.0"),
                Some("2026-12-04T17:00:00Z".into())
            ),
        ]
    );
    assert!(o.changes[2].has("major"));
    assert_eq!(o.skew.len(), 1, "{:?}", o.skew);
    assert_eq!(o.skew[0].package, "a");
}

/// A diff alone (no base in the bundle) is read from its hunks for
/// yarn.lock v1.
#[test]
fn deps_yarn_diff_without_base_reads_hunks() {
    let path = corpus().join("incident-node-ipc-remediated-pomodorologger/diff.patch");
    let bytes = std::fs::read(path).unwrap();
    let o = analyze_files(&[DepFile {
        path: "diff.patch",
        bytes: &bytes,
        mtime: None,
    }]);
    let got: BTreeSet<_> = o
        .changes
        .iter()
        .map(|c| (c.package.as_str(), c.kind.as_str()))
        .collect();
    for want in [
        ("node-ipc", "downgraded"),
        ("peacenotwar", "removed"),
        ("event-pubsub", "upgraded"),
        ("js-queue", "downgraded"),
    ] {
        assert!(got.contains(&want), "{want:?} in {got:?}");
    }
    let ipc = o.changes.iter().find(|c| c.package == "node-ipc").unwrap();
    assert!(ipc.has("known-compromised-removed"), "{ipc:?}");
}

#[test]
fn deps_cli_json_and_markdown() {
    let dir = corpus().join("incident-flatmap-stream-remediated-geojson-schema");
    let (b, a) = (dir.join("before.json"), dir.join("after.json"));
    let mut out = Vec::new();
    assert_eq!(
        outsidein::deps::cli(&b, Some(&a), true, &mut out).unwrap(),
        0
    );
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["changes"].as_array().unwrap().len(), 2);
    assert!(v["changes"][0]["before"]
        .as_str()
        .unwrap()
        .ends_with("before.json"));
    let mut md = Vec::new();
    assert_eq!(
        outsidein::deps::cli(&b, Some(&a), false, &mut md).unwrap(),
        0
    );
    let md = String::from_utf8(md).unwrap();
    assert!(
        md.contains("| event-stream | downgraded | 3.3.6 | 3.3.5 |"),
        "{md}"
    );
    let empty = corpus().join("bad-inputs/empty-file/after.json");
    let mut out = Vec::new();
    assert_eq!(
        outsidein::deps::cli(&b, Some(&empty), true, &mut out).unwrap(),
        1
    );
}

#[test]
fn deps_is_dependency_file_table() {
    use outsidein::deps::is_dependency_file;
    let cases: &[(&str, &[u8], bool)] = &[
        ("x/package-lock.json", b"{", true),
        ("x/yarn.lock", b"", true),
        (
            "host/dpkg-l.txt",
            b"Desired=Unknown/Install/Remove/Purge/Hold\n",
            true,
        ),
        ("pip.txt", b"requests==2.31.0\nurllib3==2.2.1\n", true),
        (
            "logs/app.log",
            b"2026-12-04T15:00:00Z INFO started\n",
            false,
        ),
        ("meta.json", b"{\"repo\": \"x\"}", false),
        ("fix.patch", b"diff --git a/yarn.lock b/yarn.lock\n", true),
        (
            "app/node_modules/x/package.json",
            b"{\"name\": \"x\"}",
            false,
        ),
    ];
    for (path, head, want) in cases {
        assert_eq!(is_dependency_file(path, head), *want, "{path}");
    }
}

/// rpm and apk lists in before/after folders; apt history alone gives
/// timed changes.
#[test]
fn deps_os_package_lists_and_apt_history() {
    let files = [
        (
            "before/rpm-qa.txt",
            &b"bash-5.1.8-6.el9.x86_64\nopenssl-3.0.7-24.el9.x86_64\n"[..],
        ),
        (
            "after/rpm-qa.txt",
            b"bash-5.1.8-9.el9.x86_64\nopenssl-3.0.7-24.el9.x86_64\n",
        ),
        ("before/apk.txt", b"musl-1.2.4-r2\nbusybox-1.36.1-r5\n"),
        ("after/apk.txt", b"musl-1.2.4-r1\n"),
    ];
    let files: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(p, b)| (p.to_string(), b.to_vec()))
        .collect();
    let o = analyze(&files);
    let got: BTreeSet<_> = o
        .changes
        .iter()
        .map(|c| (c.ecosystem.as_str(), c.package.as_str(), c.kind.as_str()))
        .collect();
    let want: BTreeSet<_> = [
        ("rpm", "bash", "upgraded"),
        ("alpine", "musl", "downgraded"),
        ("alpine", "busybox", "removed"),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
    let hist = "Start-Date: 2026-12-04  15:17:39\nCommandline: apt-get install tree\n\
                Install: tree:amd64 (2.1.0-1)\nEnd-Date: 2026-12-04  15:17:40\n";
    let o = analyze(&[(
        "var/log/apt/history.log".to_string(),
        hist.as_bytes().to_vec(),
    )]);
    assert_eq!(o.changes.len(), 1);
    assert_eq!(o.changes[0].kind, "added");
    assert_eq!(
        o.changes[0].time.unwrap().to_string(),
        "2026-12-04T15:17:39Z"
    );
}

#[test]
fn deps_cli_markdown_snapshot() {
    let dir = Path::new("../shared/deps/incident-flatmap-stream-remediated-geojson-schema");
    let mut md = Vec::new();
    let code = outsidein::deps::cli(
        &dir.join("before.json"),
        Some(&dir.join("after.json")),
        false,
        &mut md,
    );
    assert_eq!(code.unwrap(), 0);
    insta::assert_snapshot!(String::from_utf8(md).unwrap());
}

/// A package.json series with no lockfile beside it is diffed as declared
/// ranges.
#[test]
fn deps_lone_manifests_are_diffed() {
    let files = [
        (
            "snap/2026-12-04_1500/package.json",
            r#"{"dependencies": {"a": "^1.2.0", "b": "~2.0.0"}}"#,
        ),
        (
            "snap/2026-12-04_1600/package.json",
            r#"{"dependencies": {"a": "^2.0.0"}}"#,
        ),
    ];
    let files: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
        .collect();
    let o = analyze(&files);
    let got: Vec<_> = o
        .changes
        .iter()
        .map(|c| (c.package.as_str(), c.kind.as_str(), c.direct))
        .collect();
    assert_eq!(
        got,
        [("a", "upgraded", Some(true)), ("b", "removed", Some(true))]
    );
}

/// A line-based lockfile cut mid-line is an error, not a list of removals.
#[test]
fn deps_truncated_yarn_lock_is_not_compared() {
    let full =
        std::fs::read(corpus().join("incident-node-ipc-remediated-pomodorologger/before.lock"))
            .unwrap();
    let cut = full[..65536].to_vec();
    let o = analyze(&[
        ("x/before/yarn.lock".into(), full),
        ("x/after/yarn.lock".into(), cut),
    ]);
    assert!(o.changes.is_empty(), "{} changes", o.changes.len());
    let i = o
        .issues
        .iter()
        .find(|i| i.path == "x/after/yarn.lock" && i.message.contains("[truncated]"))
        .unwrap();
    assert!(
        i.message.contains("[truncated]") && i.message.contains("64 KiB"),
        "{i}"
    );
}

/// The oracle's npm v2 hand case: every kind and the drift flags.
#[test]
fn deps_oracle_hand_case_npm_v2() {
    let before = r#"{"lockfileVersion": 2, "packages": {
        "": {"dependencies": {"a": "^1", "c": "1", "e": "1"}, "devDependencies": {"f": "1"}},
        "node_modules/a": {"version": "1.0.0", "integrity": "sha512-AAA", "license": "MIT"},
        "node_modules/c": {"version": "2.0.0", "integrity": "sha512-CCC", "license": "MIT"},
        "node_modules/d": {"version": "1.1.0", "integrity": "sha512-DDD",
                           "resolved": "https://registry.npmjs.org/d/-/d-1.1.0.tgz"},
        "node_modules/e": {"version": "3.0.0", "integrity": "sha1-EEE", "license": "MIT"},
        "node_modules/f": {"version": "1.0.0", "license": "MIT", "dev": true},
        "node_modules/g": {"version": "1.0.0"},
        "node_modules/h": {"version": "2.0.0"},
        "node_modules/x/node_modules/h": {"version": "1.0.0"}}}"#;
    let after = r#"{"lockfileVersion": 2, "packages": {
        "": {"dependencies": {"a": "^2", "e": "1", "b": "1"}, "devDependencies": {"f": "1"}},
        "node_modules/a": {"version": "2.1.0", "integrity": "sha512-AA2", "license": "MIT"},
        "node_modules/b": {"version": "0.1.0", "hasInstallScript": true, "license": "ISC"},
        "node_modules/d": {"version": "1.1.0", "integrity": "sha512-DDX",
                           "resolved": "http://evil.example/d/-/d-1.1.0.tgz"},
        "node_modules/e": {"version": "3.0.0", "integrity": "sha512-EEE", "license": "MIT"},
        "node_modules/f": {"version": "1.0.0", "license": "GPL-3.0", "dev": true,
                           "hasInstallScript": true},
        "node_modules/g": {"version": "1.0.0"},
        "node_modules/y/node_modules/g": {"version": "0.9.0"},
        "node_modules/h": {"version": "2.0.0"}}}"#;
    let o = analyze(&[
        (
            "before/package-lock.json".into(),
            before.as_bytes().to_vec(),
        ),
        ("after/package-lock.json".into(), after.as_bytes().to_vec()),
    ]);
    let got: BTreeSet<(&str, &str, String)> = o
        .changes
        .iter()
        .map(|c| (c.package.as_str(), c.kind.as_str(), c.flags.join(",")))
        .collect();
    let want: BTreeSet<(&str, &str, String)> = [
        ("a", "upgraded", "major,semver-breaking"),
        ("b", "added", "install-script-added"),
        ("c", "removed", ""),
        ("d", "integrity-changed", "hash-value-changed"),
        (
            "d",
            "resolved-changed",
            "registry-host-changed,scheme-changed,http-downgrade",
        ),
        ("e", "integrity-changed", "hash-algorithm-only"),
        (
            "f",
            "metadata-changed",
            "install-script-added,license-changed,dev",
        ),
        ("g", "version-added", ""),
        ("h", "version-removed", ""),
    ]
    .into_iter()
    .map(|(a, b, c)| (a, b, c.to_string()))
    .collect();
    assert_eq!(got, want);
}

/// npm pairs: the install-path view agrees with the oracle's `paths`.
#[test]
fn deps_oracle_npm_install_paths() {
    for dir in pair_dirs() {
        let exp = expected(&dir);
        let Some(paths) = exp.get("paths") else {
            continue;
        };
        let o = run(&dir);
        for (key, kind) in [
            ("changed", "changed"),
            ("added", "added"),
            ("removed", "removed"),
        ] {
            let want: BTreeSet<String> = paths[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["path"].as_str().unwrap().to_string())
                .collect();
            let got: BTreeSet<String> = o
                .install_paths
                .iter()
                .filter(|p| p.kind == kind)
                .map(|p| p.path.clone())
                .collect();
            assert_eq!(got, want, "{} {key}", dir.display());
        }
    }
    let o = run(&corpus().join("grouparoo-npm-v1-ssri-2883"));
    assert!(o
        .install_paths
        .iter()
        .any(|p| p.package == "minipass" && p.kind == "changed"));
}

/// With several candidate bases, a diff is applied to the one it fits.
#[test]
fn deps_diff_finds_the_base_it_applies_to() {
    let base_a = "requests==2.25.1\nurllib3==1.26.20\n";
    let base_b = "flask==2.0.0\nwerkzeug==2.0.0\n";
    let diff = "--- a/requirements.txt\n+++ b/requirements.txt\n@@ -1,2 +1,2 @@\n flask==2.0.0\n\
                -werkzeug==2.0.0\n+werkzeug==3.0.1\n";
    let o = analyze(&[
        ("a/requirements.txt".into(), base_a.as_bytes().to_vec()),
        ("b/requirements.txt".into(), base_b.as_bytes().to_vec()),
        ("fix.diff".into(), diff.as_bytes().to_vec()),
    ]);
    let got: Vec<_> = o
        .changes
        .iter()
        .map(|c| (c.package.as_str(), c.kind.as_str(), c.before.as_str()))
        .collect();
    assert_eq!(got, [("werkzeug", "upgraded", "b/requirements.txt")]);
}

/// QA: `deps OLD NEW` found no change when the two paths did not read as
/// one series (`x.lock` and `y.lock`); it compares them as given.
#[test]
fn deps_command_compares_the_two_files_whatever_their_names() {
    let pair = corpus().join("cargo-lock-scratch-upgrade");
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = (dir.path().join("x.lock"), dir.path().join("v2-y.lock"));
    std::fs::copy(pair.join("before.lock"), &x).unwrap();
    std::fs::copy(pair.join("after.lock"), &y).unwrap();
    let changes = |a: &Path, b: &Path| -> Vec<Value> {
        let out = super::analyze::run(&[
            "deps",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--format",
            "json",
        ]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| serde_json::json!([c["package"], c["kind"], c["from"], c["to"]]))
            .collect()
    };
    let named = changes(&pair.join("before.lock"), &pair.join("after.lock"));
    assert!(named.len() > 10, "{}", named.len());
    assert_eq!(changes(&x, &y), named);
}
