//! yarn.lock, classic (v1) and berry (yarn 2+), read line by line.
//!
//! Both formats are a list of entries keyed by the specs that resolved to
//! them, with two-space indented fields. Classic writes `version "1.2.3"`,
//! berry writes YAML `version: 1.2.3`. A line reader is much faster than a
//! YAML parser on these files and tolerates a file cut mid-entry.
//!
//! # Limitations
//! Classic yarn.lock does not say which names the project declares: the
//! package.json beside it is needed for direct/transitive. Berry `patch:`
//! entries fold into name@version; `resolutions` are not interpreted; YAML
//! escapes inside quoted strings are not decoded; neither format records
//! install scripts or licenses.

use std::collections::BTreeSet;

use super::lockfile::{Format, Instance, ParseError, Parsed};

#[derive(Default)]
struct Entry {
    key: String,
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    resolution: Option<String>,
    checksum: Option<String>,
    link_type: Option<String>,
    deps: Vec<String>,
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(s)
}

/// The package name of a spec such as `"@babel/core@^7.0.0"`.
pub fn spec_name(spec: &str) -> &str {
    let spec = unquote(spec);
    match spec.get(1..).and_then(|r| r.find('@')) {
        Some(i) => &spec[..i + 1],
        None => spec,
    }
}

/// Splits an entry into lines: top-level keys, two-space fields, and
/// four-space members of dependency maps.
fn entries(text: &str, berry: bool) -> (Vec<Entry>, Vec<(String, String)>) {
    let mut out: Vec<Entry> = Vec::new();
    let mut meta = Vec::new();
    let mut in_meta = false;
    let mut in_deps = false;
    for line in text.lines() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            in_meta = line.starts_with("__metadata:");
            if !in_meta && line.trim_end().ends_with(':') {
                let key = line.trim_end().trim_end_matches(':').to_string();
                out.push(Entry {
                    key,
                    ..Entry::default()
                });
            }
            in_deps = false;
            continue;
        }
        let depth = line.len() - line.trim_start().len();
        let body = line.trim();
        let (k, v) = match body.split_once(if berry { ": " } else { " " }) {
            Some((k, v)) => (unquote(k), unquote(v)),
            None => (unquote(body.trim_end_matches(':')), ""),
        };
        if in_meta {
            meta.push((k.to_string(), v.to_string()));
            continue;
        }
        let Some(e) = out.last_mut() else { continue };
        if depth >= 4 {
            if in_deps {
                e.deps.push(k.to_string());
            }
            continue;
        }
        in_deps = v.is_empty() && k.ends_with("ependencies");
        let slot = match k {
            "version" => &mut e.version,
            "resolved" => &mut e.resolved,
            "integrity" => &mut e.integrity,
            "resolution" => &mut e.resolution,
            "checksum" => &mut e.checksum,
            "linkType" => &mut e.link_type,
            _ => continue,
        };
        *slot = Some(v.to_string());
    }
    (out, meta)
}

/// Reads a classic yarn.lock.
pub fn parse_v1(text: &str) -> Result<Parsed, ParseError> {
    let (entries, _) = entries(text, false);
    let mut p = Parsed::new(Format::YarnV1);
    for e in entries {
        let first = e.key.split(", ").next().unwrap_or(&e.key);
        let name = spec_name(first).to_string();
        let Some(version) = e.version else { continue };
        p.edges
            .extend(e.deps.into_iter().map(|d| (name.clone(), d)));
        p.instances.push(Instance {
            name,
            version,
            integrity: e.integrity,
            resolved: e.resolved,
            path: e.key,
            ..Instance::default()
        });
    }
    if p.instances.is_empty() && text.lines().any(|l| !l.is_empty() && !l.starts_with('#')) {
        return Err(ParseError::new(
            "parse-error",
            None,
            "no yarn.lock entry with a version",
        ));
    }
    Ok(p)
}

/// Reads a yarn 2+ (berry) lockfile.
pub fn parse_berry(text: &str) -> Result<Parsed, ParseError> {
    let (entries, meta) = entries(text, true);
    let mut p = Parsed::new(Format::YarnBerry);
    let get = |k: &str| meta.iter().find(|(m, _)| m == k).map(|(_, v)| v.clone());
    let cache_key = get("cacheKey");
    p.format_detail = format!(
        "yarn-berry (metadata version {}, cacheKey {})",
        get("version").unwrap_or_default(),
        cache_key.clone().unwrap_or_default()
    );
    p.cache_key = cache_key.clone();
    let mut direct = BTreeSet::new();
    for e in entries {
        let res = e.resolution.clone().unwrap_or_default();
        let (name, rest) = match res.get(1..).and_then(|r| r.find('@')) {
            Some(i) => (res[..i + 1].to_string(), &res[i + 2..]),
            None => (
                spec_name(e.key.split(", ").next().unwrap_or("")).to_string(),
                "",
            ),
        };
        if rest.starts_with("workspace:") {
            direct.extend(e.deps.iter().cloned());
            continue;
        }
        if e.link_type.as_deref() == Some("soft") {
            continue;
        }
        // An entry without a version (a diff fragment) says nothing.
        let Some(version) = e.version else { continue };
        let checksum = e.checksum.map(|c| match &cache_key {
            Some(k) if !c.contains('/') => format!("{k}/{c}"),
            _ => c,
        });
        p.edges
            .extend(e.deps.into_iter().map(|d| (name.clone(), d)));
        p.instances.push(Instance {
            name,
            version,
            integrity: checksum,
            resolved: Some(res),
            path: e.key,
            ..Instance::default()
        });
    }
    p.direct = Some(direct);
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_entry() {
        let y1 = "# yarn lockfile v1\n\n\n\"@babel/code-frame@^7.0.0\", \"@babel/code-frame@^7.10.4\":\n  \
                  version \"7.10.4\"\n  resolved \"https://registry.yarnpkg.com/x.tgz#168da1a\"\n  \
                  integrity sha512-XYZ\n  dependencies:\n    \"@babel/highlight\" \"^7.10.4\"\n\n\
                  node-ipc@^9.1.1:\n  version \"9.2.2\"\n";
        let p = parse_v1(y1).unwrap();
        let got: Vec<_> = p
            .instances
            .iter()
            .map(|i| (&*i.name, &*i.version, i.integrity.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("@babel/code-frame", "7.10.4", Some("sha512-XYZ")),
                ("node-ipc", "9.2.2", None)
            ]
        );
        assert_eq!(
            p.edges,
            [(
                "@babel/code-frame".to_string(),
                "@babel/highlight".to_string()
            )]
        );
    }

    #[test]
    fn berry_entry_and_workspace() {
        let yb =
            "__metadata:\n  version: 6\n  cacheKey: 8\n\n\"a@npm:^1.0.0\":\n  version: 1.2.0\n  \
                  resolution: \"a@npm:1.2.0\"\n  checksum: abcdef\n  languageName: node\n  \
                  linkType: hard\n\n\"root@workspace:.\":\n  version: 0.0.0-use.local\n  \
                  resolution: \"root@workspace:.\"\n  dependencies:\n    a: ^1.0.0\n  \
                  languageName: unknown\n  linkType: soft\n";
        let p = parse_berry(yb).unwrap();
        let got: Vec<_> = p
            .instances
            .iter()
            .map(|i| (&*i.name, &*i.version, i.integrity.as_deref()))
            .collect();
        assert_eq!(got, [("a", "1.2.0", Some("8/abcdef"))]);
        assert_eq!(p.direct.unwrap().into_iter().collect::<Vec<_>>(), ["a"]);
    }
}
