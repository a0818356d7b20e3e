//! npm `package-lock.json` / `npm-shrinkwrap.json` (lockfileVersion 1, 2
//! and 3) and `package.json` manifests.
//!
//! v2 and v3 are read from the `packages` map, keyed by install path; the
//! v1-compatible `dependencies` section of v2 is ignored. v1 is the nested
//! `dependencies` tree. Direct names come from `packages[""]` and workspace
//! folders (v2/v3) or from the package.json beside the lockfile (v1).
//!
//! # Limitations
//! `overrides` are not interpreted; `link: true` entries (workspace
//! symlinks) are skipped; v1 records no install scripts nor licenses, so
//! those flags stay unknown for it.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::lockfile::{Format, Instance, ParseError, Parsed};

const SECTIONS: [&str; 4] = [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

/// Turns a serde_json error into a diagnostic with line and column; a text
/// that ends inside a value is called truncated.
pub fn json_error(e: &serde_json::Error, text: &str) -> ParseError {
    let line = Some(e.line() as u64);
    if e.classify() == serde_json::error::Category::Eof {
        let len = text.len();
        let cap = if len.is_power_of_two() && len >= 4096 {
            format!(" ({} KiB exactly, a likely collector size cap)", len / 1024)
        } else {
            String::new()
        };
        // serde_json points at the last byte read; the input ends just after.
        let msg = format!(
            "JSON ends early at line {} column {}, byte {len}{cap}: the file is truncated, \
             so no change list is given for it",
            e.line(),
            e.column() + 1
        );
        return ParseError::new("truncated", line, msg);
    }
    let msg = format!(
        "invalid JSON at line {} column {}: {e}",
        e.line(),
        e.column()
    );
    ParseError::new("invalid-json", line, msg)
}

/// Reads a lockfile of any npm version. v2 and v3 are read into typed
/// entries that borrow their text from the file (a `serde_json::Value`
/// tree of an 80 MB lockfile took about seven times the file); v1 as a
/// value tree.
pub fn parse_lock(text: &str, version: u8) -> Result<Parsed, ParseError> {
    let doc: LockDoc = serde_json::from_str(text).map_err(|e| json_error(&e, text))?;
    let lv = doc.lockfile_version.0.unwrap_or(version as u64);
    let mut p = Parsed::new(Format::NpmLock(lv as u8));
    p.format_detail = format!("npm-v{lv}");
    match doc.packages {
        Some(packages) if lv >= 2 => read_packages(&packages, &mut p),
        _ => {
            let doc: Value = serde_json::from_str(text).map_err(|e| json_error(&e, text))?;
            if let Some(deps) = doc.get("dependencies").and_then(Value::as_object) {
                walk_v1(deps, "", None, &mut p);
            }
        }
    }
    Ok(p)
}

/// The parts of a v2/v3 lockfile read. Each field is [`Loose`]: a value
/// of another JSON type reads as absent, as `Value::as_*` would give.
#[derive(serde::Deserialize)]
struct LockDoc<'a> {
    #[serde(rename = "lockfileVersion", default)]
    lockfile_version: Loose<u64>,
    /// Not [`Loose`]: that would hold the whole map in serde's buffer
    /// first. A `packages` that is not an object fails the file.
    #[serde(borrow, default)]
    packages: Option<BTreeMap<Cow<'a, str>, Entry<'a>>>,
}

/// One `packages` entry.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Entry<'a> {
    #[serde(borrow)]
    version: Loose<Cow<'a, str>>,
    #[serde(borrow)]
    integrity: Loose<Cow<'a, str>>,
    #[serde(borrow)]
    resolved: Loose<Cow<'a, str>>,
    license: Option<Value>,
    link: Loose<bool>,
    #[serde(rename = "hasInstallScript")]
    has_install_script: Loose<bool>,
    dev: Loose<bool>,
    #[serde(rename = "devOptional")]
    dev_optional: Loose<bool>,
    #[serde(borrow)]
    dependencies: Loose<BTreeMap<Cow<'a, str>, serde::de::IgnoredAny>>,
    #[serde(borrow, rename = "devDependencies")]
    dev_dependencies: Loose<BTreeMap<Cow<'a, str>, serde::de::IgnoredAny>>,
    #[serde(borrow, rename = "optionalDependencies")]
    optional_dependencies: Loose<BTreeMap<Cow<'a, str>, serde::de::IgnoredAny>>,
    #[serde(borrow, rename = "peerDependencies")]
    peer_dependencies: Loose<BTreeMap<Cow<'a, str>, serde::de::IgnoredAny>>,
}

impl Entry<'_> {
    /// The names its dependency sections declare, in [`SECTIONS`] order.
    fn section_names(&self) -> impl Iterator<Item = &str> {
        [
            &self.dependencies,
            &self.dev_dependencies,
            &self.optional_dependencies,
            &self.peer_dependencies,
        ]
        .into_iter()
        .filter_map(|m| m.0.as_ref())
        .flat_map(|m| m.keys().map(|k| k.as_ref()))
    }
}

/// A field read if it has the expected JSON type, absent otherwise.
struct Loose<T>(Option<T>);

impl<T> Default for Loose<T> {
    fn default() -> Self {
        Loose(None)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Loose<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Either<T> {
            Is(T),
            Other(serde::de::IgnoredAny),
        }
        Ok(Loose(match Either::deserialize(d)? {
            Either::Is(v) => Some(v),
            Either::Other(_) => None,
        }))
    }
}

fn section_names(e: &Value) -> impl Iterator<Item = &String> {
    SECTIONS
        .iter()
        .filter_map(|s| e.get(*s).and_then(Value::as_object))
        .flat_map(|m| m.keys())
}

fn read_packages(packages: &BTreeMap<Cow<'_, str>, Entry<'_>>, p: &mut Parsed) {
    let mut direct = BTreeSet::new();
    for (path, e) in packages {
        if !path.contains("node_modules/") {
            direct.extend(e.section_names().map(str::to_string));
        }
    }
    p.direct = Some(direct);
    p.install_scripts_known = true;
    p.licenses_known = true;
    for (path, e) in packages {
        let Some((_, name)) = path.rsplit_once("node_modules/") else {
            continue;
        };
        if e.link.0 == Some(true) {
            continue;
        }
        let Some(version) = &e.version.0 else {
            continue;
        };
        for child in e.section_names() {
            p.edges.push((name.to_string(), child.to_string()));
        }
        let flag = |f: &Loose<bool>| f.0.unwrap_or(false);
        let text = |f: &Loose<Cow<str>>| f.0.as_deref().map(str::to_string);
        p.instances.push(Instance {
            name: name.to_string(),
            version: version.to_string(),
            integrity: text(&e.integrity),
            resolved: text(&e.resolved),
            install_script: Some(flag(&e.has_install_script)),
            license: license(e.license.as_ref()),
            dev: Some(flag(&e.dev) || flag(&e.dev_optional)),
            path: path.to_string(),
        });
    }
}

fn str_field(e: &Value, k: &str) -> Option<String> {
    e.get(k).and_then(Value::as_str).map(str::to_string)
}

fn license(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("type").and_then(Value::as_str).map(str::to_string),
        Value::Array(a) => {
            let parts: Vec<String> = a
                .iter()
                .map(|x| match x {
                    Value::Object(o) => o.get("type").and_then(Value::as_str).unwrap_or("").into(),
                    other => other.as_str().unwrap_or("").to_string(),
                })
                .collect();
            Some(parts.join(" OR "))
        }
        _ => None,
    }
}

/// `npm:real-name@1.2.3` aliases keep the alias as name and the real version.
fn alias_version(v: &str) -> &str {
    match v.strip_prefix("npm:") {
        Some(spec) => match spec.rfind('@') {
            Some(i) if i > 0 => &spec[i + 1..],
            _ => v,
        },
        None => v,
    }
}

fn walk_v1(deps: &Map<String, Value>, prefix: &str, parent: Option<&str>, p: &mut Parsed) {
    for (name, e) in deps {
        let path = format!("{prefix}node_modules/{name}");
        if let Some(v) = e.get("version").and_then(Value::as_str) {
            if let Some(parent) = parent {
                p.edges.push((parent.to_string(), name.clone()));
            }
            if let Some(req) = e.get("requires").and_then(Value::as_object) {
                p.edges
                    .extend(req.keys().map(|k| (name.clone(), k.clone())));
            }
            p.instances.push(Instance {
                name: name.clone(),
                version: alias_version(v).to_string(),
                integrity: str_field(e, "integrity"),
                resolved: str_field(e, "resolved"),
                dev: Some(e.get("dev").and_then(Value::as_bool).unwrap_or(false)),
                path: path.clone(),
                ..Instance::default()
            });
        }
        if let Some(nested) = e.get("dependencies").and_then(Value::as_object) {
            walk_v1(nested, &format!("{path}/"), Some(name), p);
        }
    }
}

/// The names a package.json declares in its dependency sections.
pub fn manifest_direct(text: &str) -> Result<BTreeSet<String>, ParseError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| json_error(&e, text))?;
    Ok(section_names(&doc).cloned().collect())
}

/// A package.json read as a snapshot of declared ranges (for a series of
/// manifests without a lockfile).
pub fn parse_manifest(text: &str) -> Result<Parsed, ParseError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| json_error(&e, text))?;
    let mut p = Parsed::new(Format::PackageJson);
    for sect in SECTIONS {
        let Some(m) = doc.get(sect).and_then(Value::as_object) else {
            continue;
        };
        for (name, range) in m {
            p.instances.push(Instance {
                name: name.clone(),
                version: range.as_str().unwrap_or("").to_string(),
                dev: Some(sect == "devDependencies"),
                path: format!("{sect}.{name}"),
                ..Instance::default()
            });
        }
    }
    p.direct = Some(p.instances.iter().map(|i| i.name.clone()).collect());
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v2_reads_packages_and_workspaces() {
        let text = r#"{"lockfileVersion": 2, "packages": {
            "": {"dependencies": {"a": "^1"}, "devDependencies": {"f": "1"}},
            "packages/w": {"dependencies": {"w1": "1"}},
            "node_modules/a": {"version": "1.0.0", "hasInstallScript": true, "license": "MIT"},
            "node_modules/x/node_modules/h": {"version": "1.0.0", "dev": true},
            "node_modules/w": {"resolved": "packages/w", "link": true}
        }}"#;
        let p = parse_lock(text, 2).unwrap();
        let names: Vec<_> = p
            .instances
            .iter()
            .map(|i| (&*i.name, i.install_script))
            .collect();
        assert_eq!(names, [("a", Some(true)), ("h", Some(false))]);
        let direct: Vec<_> = p.direct.unwrap().into_iter().collect();
        assert_eq!(direct, ["a", "f", "w1"]);
    }

    #[test]
    fn v1_nested_and_alias() {
        let text = r#"{"lockfileVersion": 1, "dependencies": {
            "s": {"version": "npm:string-width@4.2.3"},
            "p": {"version": "1.0.0", "dependencies": {"q": {"version": "2.0.0"}}}}}"#;
        let p = parse_lock(text, 1).unwrap();
        let got: Vec<_> = p
            .instances
            .iter()
            .map(|i| (&*i.path, &*i.version))
            .collect();
        assert_eq!(
            got,
            [
                ("node_modules/p", "1.0.0"),
                ("node_modules/p/node_modules/q", "2.0.0"),
                ("node_modules/s", "4.2.3"),
            ]
        );
        assert!(p.direct.is_none());
    }

    #[test]
    fn fields_of_another_type_read_as_absent() {
        let text = r#"{"lockfileVersion": 3, "packages": {
            "": {"dependencies": {"a": "^1"}, "devDependencies": ["not", "a", "map"]},
            "node_modules/a": {"version": "1.0.0", "dev": "yes", "integrity": 7,
                               "license": {"type": "MIT"}},
            "node_modules/b": {"version": 2}}}"#;
        let p = parse_lock(text, 3).unwrap();
        assert_eq!(p.direct.unwrap().into_iter().collect::<Vec<_>>(), ["a"]);
        assert_eq!(p.instances.len(), 1);
        let a = &p.instances[0];
        assert_eq!((a.dev, a.integrity.as_deref()), (Some(false), None));
        assert_eq!(a.license.as_deref(), Some("MIT"));
    }

    #[test]
    fn truncated_json_names_the_position() {
        let e = parse_lock(
            "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": {\"vers",
            3,
        )
        .unwrap_err();
        assert_eq!(e.code, "truncated");
        assert_eq!(e.line, Some(1));
    }
}
