//! pnpm-lock.yaml, lockfile versions 5.x, 6.x and 9.x.
//!
//! Package keys differ by version: `/name/1.0.0_peer` (5), `/name@1.0.0(peer)`
//! (6) and `name@1.0.0` (9, with peers in a separate `snapshots` section).
//! Direct names come from `importers` (workspaces) or, for a single
//! project, the top-level dependency sections.
//!
//! # Limitations
//! Peer-dependency variants fold into name@version. Version 9 no longer
//! records `requiresBuild`, so install scripts are unknown there. Parsed
//! with serde_yaml into a generic tree, which costs a few milliseconds per
//! 100 KB.

use std::collections::BTreeSet;

use serde_yaml::{Mapping, Value};

use super::lockfile::{Format, Instance, ParseError, Parsed};

const SECTIONS: [&str; 3] = ["dependencies", "devDependencies", "optionalDependencies"];

fn yaml_error(e: &serde_yaml::Error) -> ParseError {
    let line = e.location().map(|l| l.line() as u64);
    ParseError::new("parse-error", line, format!("invalid YAML: {e}"))
}

/// Splits a package key into name and version.
pub fn split_key(key: &str, major: u8) -> Option<(&str, &str)> {
    let k = key.strip_prefix('/').unwrap_or(key);
    if major >= 6 {
        let k = k.split('(').next()?;
        let i = k.get(1..)?.find('@')? + 1;
        return Some((&k[..i], &k[i + 1..]));
    }
    let mut parts = k.splitn(3, '/');
    let first = parts.next()?;
    if first.starts_with('@') {
        let scope_len = first.len() + 1 + parts.next()?.len();
        let rest = parts.next()?;
        return Some((&k[..scope_len], rest.split('_').next()?));
    }
    let rest = parts.next()?;
    Some((first, rest.split('_').next()?))
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The names a dependency section declares; a package depended on through
/// an alias (`sw: {specifier: npm:string-width@^4.2.0}`, or the v5 form
/// `sw: npm:string-width@4.2.3`) by its real name too.
fn keys_of<'a>(m: &'a Value, sect: &str) -> impl Iterator<Item = String> + 'a {
    let sect = m.get(sect).and_then(Value::as_mapping);
    sect.into_iter().flat_map(|m| {
        m.iter().flat_map(|(k, v)| {
            let spec = v.get("specifier").and_then(str_of).or_else(|| str_of(v));
            let real = spec.as_deref().and_then(alias_target);
            str_of(k).into_iter().chain(real)
        })
    })
}

/// `string-width` of `npm:string-width@^4.2.0` (scoped names keep their
/// leading `@`).
fn alias_target(spec: &str) -> Option<String> {
    let rest = spec.strip_prefix("npm:")?;
    let at = rest.rfind('@').filter(|&i| i > 0)?;
    Some(rest[..at].to_string())
}

/// Reads a pnpm lockfile.
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let doc: Value = serde_yaml::from_str(text).map_err(|e| yaml_error(&e))?;
    let lv = doc
        .get("lockfileVersion")
        .and_then(str_of)
        .unwrap_or_default();
    let major: u8 = lv
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(5);
    let mut p = Parsed::new(Format::Pnpm(major));
    p.format_detail = format!("pnpm-lock {lv}");
    let mut direct = BTreeSet::new();
    match doc.get("importers").and_then(Value::as_mapping) {
        Some(importers) => {
            for imp in importers.values() {
                direct.extend(SECTIONS.iter().flat_map(|s| keys_of(imp, s)));
            }
        }
        None => direct.extend(SECTIONS.iter().flat_map(|s| keys_of(&doc, s))),
    }
    p.direct = Some(direct);
    p.install_scripts_known = major < 9;
    let empty = Mapping::new();
    let packages = doc
        .get("packages")
        .and_then(Value::as_mapping)
        .unwrap_or(&empty);
    for (key, e) in packages {
        let Some(key) = str_of(key) else { continue };
        let Some((kname, kversion)) = split_key(&key, major) else {
            continue;
        };
        let name = e
            .get("name")
            .and_then(str_of)
            .unwrap_or_else(|| kname.to_string());
        let version = e
            .get("version")
            .and_then(str_of)
            .unwrap_or_else(|| kversion.to_string());
        if name.is_empty() || version.is_empty() {
            continue;
        }
        let res = e.get("resolution");
        let field = |k: &str| res.and_then(|r| r.get(k)).and_then(str_of);
        let resolved = field("tarball").or_else(|| {
            Some(format!(
                "{}#{}",
                field("repo")?,
                field("commit").unwrap_or_default()
            ))
        });
        for s in ["dependencies", "optionalDependencies"] {
            p.edges.extend(keys_of(e, s).map(|d| (name.clone(), d)));
        }
        let requires_build = e
            .get("requiresBuild")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        p.instances.push(Instance {
            integrity: field("integrity"),
            resolved,
            install_script: (major < 9).then_some(requires_build),
            dev: e.get("dev").and_then(Value::as_bool),
            path: key.clone(),
            name,
            version,
            ..Instance::default()
        });
    }
    if major >= 9 {
        let snaps = doc
            .get("snapshots")
            .and_then(Value::as_mapping)
            .unwrap_or(&empty);
        for (key, e) in snaps {
            let Some((name, _)) = str_of(key)
                .as_deref()
                .and_then(|k| split_key(k, major).map(|(n, v)| (n.to_string(), v.to_string())))
            else {
                continue;
            };
            for s in ["dependencies", "optionalDependencies"] {
                p.edges.extend(keys_of(e, s).map(|d| (name.clone(), d)));
            }
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA: a package depended on through an alias was called transitive.
    #[test]
    fn aliased_dependencies_are_direct_by_their_real_name() {
        let v9 = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      sw:\n        \
                  specifier: npm:string-width@^4.2.0\n        version: string-width@4.2.3\n      \
                  '@s/x':\n        specifier: npm:@scope/real@1.0.0\n        version: 1.0.0\n";
        let direct: Vec<_> = parse(v9).unwrap().direct.unwrap().into_iter().collect();
        assert_eq!(direct, ["@s/x", "@scope/real", "string-width", "sw"]);
    }

    #[test]
    fn keys_of_every_version() {
        assert_eq!(
            split_key("/@babel/core/7.16.0", 5),
            Some(("@babel/core", "7.16.0"))
        );
        assert_eq!(
            split_key("/next/12.0.7_react-dom@17.0.2", 5),
            Some(("next", "12.0.7"))
        );
        assert_eq!(
            split_key("/@vitest/coverage-v8@0.34.6(vitest@0.34.6)", 6),
            Some(("@vitest/coverage-v8", "0.34.6"))
        );
        assert_eq!(
            split_key("vite@8.0.3(@types/node@25.5.0)", 9),
            Some(("vite", "8.0.3"))
        );
    }

    #[test]
    fn v5_requires_build_and_direct() {
        let p5 =
            "lockfileVersion: 5.4\n\nspecifiers:\n  a: ^1.0.0\n\ndependencies:\n  a: 1.0.0\n\n\
                  packages:\n\n  /a/1.0.0:\n    resolution: {integrity: sha512-A}\n    \
                  dependencies:\n      b: 2.0.0\n    dev: false\n\n  /b/2.0.0:\n    \
                  resolution: {integrity: sha512-B}\n    requiresBuild: true\n    dev: false\n";
        let p = parse(p5).unwrap();
        let got: Vec<_> = p
            .instances
            .iter()
            .map(|i| (&*i.name, &*i.version, i.install_script))
            .collect();
        assert_eq!(
            got,
            [("a", "1.0.0", Some(false)), ("b", "2.0.0", Some(true))]
        );
        assert_eq!(p.direct.unwrap().into_iter().collect::<Vec<_>>(), ["a"]);
    }
}
