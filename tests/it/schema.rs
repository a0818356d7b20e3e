//! The JSON report against its schema, `schema/report.schema.json`: the
//! reports of the sample bundle, of the shared bundle and cases, and of
//! shared lockfiles that fill the dependency sections validate (with Python's `jsonschema`, an independent draft 2020-12
//! validator, formats checked), a broken report does not, and every
//! property of the schema says what it means.

use super::analyze::{analyze_as, sample_tar, shared};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn schema_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schema/report.schema.json")
}

fn schema() -> Value {
    serde_json::from_slice(&std::fs::read(schema_path()).unwrap()).expect("schema is JSON")
}

/// Validates each JSON file; prints `PATH ERRORS` per file, then each
/// error's path and message.
const VALIDATE: &str = r#"
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(
    schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
for path in sys.argv[2:]:
    errors = list(v.iter_errors(json.load(open(path))))
    print(path, len(errors))
    for e in errors[:10]:
        print("  ", list(e.absolute_path), e.message[:300])
"#;

/// A Python 3 that has `jsonschema`, with the package that checks
/// `date-time` formats.
fn python() -> PathBuf {
    super::python::with(&[
        ("jsonschema", "jsonschema"),
        ("rfc3339_validator", "rfc3339-validator"),
    ])
}

/// Error counts per file, and the validator's whole output.
fn validate(files: &[PathBuf]) -> (Vec<usize>, String) {
    let out = Command::new(python())
        .args(["-c", VALIDATE])
        .arg(schema_path())
        .args(files)
        .output()
        .expect("python runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "validator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let counts = text
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    (counts, text)
}

fn write_report(dir: &Path, name: &str, bundle: &Path) -> PathBuf {
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, analyze_as(bundle, "json", &[])).unwrap();
    path
}

#[test]
fn real_reports_validate_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![write_report(dir.path(), "sample", &sample_tar())];
    // Fixtures that fill the fields the sample leaves out: clock skew,
    // rotation families, times from the boot time, a periodic precursor
    // (the cron-lock job before its lock timeouts).
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for (name, rel) in [
        ("skew", "skew/bundle"),
        ("rotation", "rotation/bundle"),
        ("boot", "boot/host"),
        ("pg-reset", "pg-reset/bundle"),
        ("cron-lock", "cron-lock/sb_orders-demo-01_20261204_193444"),
    ] {
        files.push(write_report(dir.path(), name, &fixtures.join(rel)));
    }
    if let Some(shared) = shared() {
        let bundle = shared.join("bundles/memory-and-disk.tar.gz");
        files.push(write_report(dir.path(), "memory-and-disk", &bundle));
        for case in std::fs::read_dir(shared.join("cases")).unwrap() {
            let case = case.unwrap().path();
            if case.is_dir() {
                let name = case.file_name().unwrap().to_string_lossy().into_owned();
                files.push(write_report(dir.path(), &name, &case));
            }
        }
        assert!(files.len() >= 5, "the shared bundle and cases: {files:?}");
        // Loghub's Apache log: the one real log here whose recurring error
        // has a precursor.
        let apache = shared.join("data/loghub2k/Apache/Apache_2k.log");
        files.push(write_report(dir.path(), "apache", &apache));
        files.extend(dependency_reports(dir.path(), &shared));
    }
    let (counts, text) = validate(&files);
    assert_eq!(counts.len(), files.len(), "{text}");
    assert!(counts.iter().all(|&n| n == 0), "{text}");
    if shared().is_some() {
        // Every property of the schema is met in some report, so a field
        // renamed in the code cannot linger in the schema.
        let schema = schema();
        let mut seen = BTreeSet::new();
        for f in &files {
            let report: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
            met(&schema, &schema, "#", &report, &mut seen);
        }
        let unmet: Vec<String> = all_properties(&schema)
            .into_iter()
            .filter(|p| !seen.contains(p))
            .collect();
        assert!(unmet.is_empty(), "never in a report: {unmet:?}");
    }
}

/// The schema a `$ref` points at (within `$defs`), with its name.
fn resolve<'a>(root: &'a Value, s: &'a Value, at: &str) -> (&'a Value, String) {
    match s.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/$defs/");
            (&root["$defs"][name], format!("#/$defs/{name}"))
        }
        None => (s, at.to_string()),
    }
}

/// Records `schema path/property` for every property `value` carries.
fn met(root: &Value, s: &Value, at: &str, value: &Value, seen: &mut BTreeSet<String>) {
    let (s, at) = resolve(root, s, at);
    match value {
        Value::Object(o) => {
            for (k, v) in o {
                if let Some(p) = s["properties"].get(k) {
                    seen.insert(format!("{at}/{k}"));
                    met(root, p, &format!("{at}/{k}"), v, seen);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let item = s["prefixItems"].get(i).unwrap_or(&s["items"]);
                met(root, item, &format!("{at}[]"), v, seen);
            }
        }
        _ => {}
    }
}

/// Every `schema path/property` of the top level and of each definition.
fn all_properties(schema: &Value) -> Vec<String> {
    let top = std::iter::once(("#".to_string(), schema));
    let defs = schema["$defs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(n, d)| (format!("#/$defs/{n}"), d));
    top.chain(defs)
        .flat_map(|(at, d)| {
            d["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .map(move |(k, _)| format!("{at}/{k}"))
        })
        .collect()
}

/// Reports whose dependency sections are not empty, from the shared
/// lockfile corpus: a lockfile format change (yarn berry's cache key), a
/// known-compromised version (flatmap-stream), and version skew (the two
/// lockfiles of that incident on two hosts).
fn dependency_reports(dir: &Path, shared: &Path) -> Vec<PathBuf> {
    let deps = shared.join("deps");
    let incident = deps.join("incident-flatmap-stream-introduced-geojson-schema");
    let skew = dir.join("skew");
    for (host, side) in [("web-1", "before.json"), ("web-2", "after.json")] {
        std::fs::create_dir_all(skew.join(host).join("app")).unwrap();
        let to = skew.join(host).join("app/package-lock.json");
        std::fs::copy(incident.join(side), to).unwrap();
    }
    let reports = [
        (
            "format-change",
            deps.join("clipanion-yarn-berry-remaster-153"),
            "format_changes",
        ),
        ("known-compromised", incident.clone(), "known_compromised"),
        ("version-skew", skew, "version_skew"),
    ];
    reports
        .into_iter()
        .map(|(name, bundle, section)| {
            let path = write_report(dir, name, &bundle);
            let r: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            assert!(
                !r[section].as_array().unwrap().is_empty(),
                "{name}: no {section}"
            );
            path
        })
        .collect()
}

#[test]
fn a_report_that_breaks_the_contract_fails_validation() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_report(dir.path(), "sample", &sample_tar());
    let mut report: Value = serde_json::from_slice(&std::fs::read(&good).unwrap()).unwrap();
    // A field the schema does not know, a required field gone, a time
    // that is not RFC 3339, and a tier that does not exist.
    report["findings"][0]["confidence"] = 0.9.into();
    report["inventory"][0]
        .as_object_mut()
        .unwrap()
        .remove("status");
    report["findings"][0]["evidence"][0]["time"] = "04/Dec/2026:16:20:41".into();
    report["signatures"][0]["tier"] = "frontend".into();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, serde_json::to_vec(&report).unwrap()).unwrap();
    let (counts, text) = validate(&[good, bad]);
    assert_eq!(counts[0], 0, "{text}");
    assert_eq!(counts[1], 4, "{text}");
}

/// Every property and every definition of the schema, by its path.
fn described(v: &Value, at: &str, missing: &mut Vec<String>, seen: &mut usize) {
    let Some(obj) = v.as_object() else { return };
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        for (name, p) in props {
            *seen += 1;
            let d = p.get("description").and_then(Value::as_str).unwrap_or("");
            if d.trim().len() < 3 {
                missing.push(format!("{at}/properties/{name}"));
            }
        }
    }
    for (k, child) in obj {
        described(child, &format!("{at}/{k}"), missing, seen);
    }
}

#[test]
fn every_property_has_a_description() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let (mut missing, mut seen) = (Vec::new(), 0);
    described(&schema, "#", &mut missing, &mut seen);
    assert!(seen > 150, "only {seen} properties");
    assert!(missing.is_empty(), "no description: {missing:#?}");
    for (name, def) in schema["$defs"].as_object().unwrap() {
        assert!(def["description"].is_string(), "$defs/{name} undescribed");
    }
}

#[test]
fn schema_version_matches_the_code() {
    assert_eq!(
        schema()["properties"]["schema_version"]["const"],
        outsidein::report::model::SCHEMA_VERSION
    );
}
