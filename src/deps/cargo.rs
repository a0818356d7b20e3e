//! Cargo.lock (versions 1 to 4) and `cargo metadata --format-version 1`.
//!
//! Workspace members (packages without a `source`) are the project: their
//! dependencies are the direct names, and they are not themselves reported.
//! Cargo.lock v1 keeps checksums in a `[metadata]` table; later versions
//! put them on each package. cargo metadata adds licenses and build
//! scripts (`custom-build` targets), which Cargo.lock lacks.
//!
//! # Limitations
//! Path dependencies outside the workspace look like workspace members in
//! Cargo.lock (no source either). Features and target-specific
//! dependencies are not compared.

use std::collections::{BTreeSet, HashSet};

use cargo_metadata::{Metadata, TargetKind};
use serde::Deserialize;

use super::lockfile::{Format, Instance, ParseError, Parsed};

#[derive(Deserialize)]
struct Lock {
    version: Option<u32>,
    #[serde(default)]
    package: Vec<LockPackage>,
    #[serde(default)]
    metadata: toml::Table,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// Reads a Cargo.lock.
pub fn parse_lock(text: &str) -> Result<Parsed, ParseError> {
    let lock: Lock = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| 1 + text[..s.start].matches('\n').count() as u64);
        ParseError::new(
            "parse-error",
            line,
            format!("invalid TOML: {}", e.message()),
        )
    })?;
    let mut p = Parsed::new(Format::CargoLock);
    let v1 = lock.metadata.keys().any(|k| k.starts_with("checksum "));
    let version = lock.version.unwrap_or(if v1 { 1 } else { 2 });
    p.format_detail = format!("Cargo.lock v{version}");
    let mut direct = BTreeSet::new();
    for pkg in lock.package {
        let deps = pkg
            .dependencies
            .iter()
            .map(|d| d.split(' ').next().unwrap_or(d).to_string());
        let Some(source) = pkg.source else {
            direct.extend(deps);
            continue;
        };
        p.edges.extend(deps.map(|d| (pkg.name.clone(), d)));
        let key = format!("checksum {} {} ({source})", pkg.name, pkg.version);
        let checksum = pkg.checksum.or_else(|| {
            lock.metadata
                .get(&key)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        });
        p.instances.push(Instance {
            path: format!("{} {}", pkg.name, pkg.version),
            name: pkg.name,
            version: pkg.version,
            integrity: checksum.map(|c| format!("sha256:{c}")),
            resolved: Some(source),
            ..Instance::default()
        });
    }
    p.direct = Some(direct);
    Ok(p)
}

/// Reads `cargo metadata --format-version 1` output.
pub fn parse_metadata(text: &str) -> Result<Parsed, ParseError> {
    let meta: Metadata =
        serde_json::from_str(text).map_err(|e| super::npm::json_error(&e, text))?;
    let members: HashSet<_> = meta.workspace_members.iter().collect();
    let mut p = Parsed::new(Format::CargoMetadata);
    p.install_scripts_known = true;
    p.licenses_known = true;
    let mut direct = BTreeSet::new();
    for pkg in &meta.packages {
        let deps = pkg.dependencies.iter().map(|d| d.name.clone());
        if members.contains(&pkg.id) {
            direct.extend(deps);
            continue;
        }
        p.edges.extend(deps.map(|d| (pkg.name.to_string(), d)));
        let license = pkg
            .license
            .clone()
            .or_else(|| pkg.license_file.as_ref().map(|f| format!("file:{f}")));
        let build = pkg
            .targets
            .iter()
            .any(|t| t.kind.contains(&TargetKind::CustomBuild));
        p.instances.push(Instance {
            name: pkg.name.to_string(),
            version: pkg.version.to_string(),
            resolved: pkg.source.as_ref().map(|s| s.repr.clone()),
            license,
            install_script: Some(build),
            path: pkg.id.repr.clone(),
            ..Instance::default()
        });
    }
    p.direct = Some(direct);
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REG: &str = "registry+https://github.com/rust-lang/crates.io-index";

    #[test]
    fn v1_metadata_checksums_and_v3_inline() {
        let c1 = format!(
            "[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \
             \"regex 1.3.0 ({REG})\",\n]\n\n[[package]]\nname = \"regex\"\nversion = \"1.3.0\"\n\
             source = \"{REG}\"\n\n[metadata]\n\"checksum regex 1.3.0 ({REG})\" = \"abc\"\n"
        );
        let p = parse_lock(&c1).unwrap();
        assert_eq!(p.instances[0].integrity.as_deref(), Some("sha256:abc"));
        assert_eq!(p.format_detail, "Cargo.lock v1");
        assert_eq!(p.direct.unwrap().into_iter().collect::<Vec<_>>(), ["regex"]);
        let c3 = format!(
            "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\
             dependencies = [\n \"regex\",\n]\n\n[[package]]\nname = \"regex\"\n\
             version = \"1.3.0\"\nsource = \"{REG}\"\nchecksum = \"abd\"\n"
        );
        let p = parse_lock(&c3).unwrap();
        assert_eq!(p.instances[0].integrity.as_deref(), Some("sha256:abd"));
        assert_eq!(p.format_detail, "Cargo.lock v3");
    }
}
