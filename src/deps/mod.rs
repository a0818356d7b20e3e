//! Dependency lockfiles, manifests, package lists and their diffs: what
//! changed in the packages of a deployment, when, and how risky it looks.
//!
//! Every input (npm, yarn, pnpm and Cargo lockfiles, `cargo metadata`,
//! dpkg/rpm/apk/pip package lists, dpkg and apt logs, unified diffs of any
//! of these) is reduced to a flat list of package instances by one parser
//! per format ([`lockfile::Instance`]). Files of one bundle are grouped into
//! series (the same logical file in several snapshot folders, before/after
//! names), ordered in time and diffed pairwise by package name
//! ([`diff`]). Each [`Change`] carries short stable flags: the semver level
//! of the jump, hash and registry drift, install scripts, license changes
//! and versions known to be compromised. A lockfile format change is
//! reported once in [`DepsOutcome::format_changes`]; the same package at
//! different versions on sibling hosts is reported as [`Skew`].
//!
//! Input problems never turn into changes: an empty, truncated or
//! conflicted file is a [`FileIssue`] with its path and line, and the pair
//! it belongs to is not compared ("everything was removed" is never said).
//!
//! The change model follows `reference_diff.py` of the shared corpus,
//! which the integration tests check pair by pair.

mod cargo;
pub mod diff;
pub mod input;
pub mod known_bad;
pub mod lockfile;
mod npm;
pub mod patch;
mod pnpm;
mod render;
mod series;
pub mod system;
pub mod version;
mod yarn;

use jiff::Timestamp;
use serde::Serialize;

use crate::model::FileIssue;
use lockfile::{Format, ParseError, Parsed};

pub use render::cli;
pub use series::analyze_files;

/// One file handed to the deps layer.
#[derive(Debug, Clone, Copy)]
pub struct DepFile<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
    pub mtime: Option<Timestamp>,
}

/// Everything the deps layer found in one bundle.
#[derive(Debug, Default, Serialize)]
pub struct DepsOutcome {
    pub changes: Vec<Change>,
    pub issues: Vec<FileIssue>,
    pub files: Vec<DepFileInfo>,
    pub format_changes: Vec<FormatChange>,
    pub skew: Vec<Skew>,
    /// Known-compromised versions present in the latest snapshot of a series.
    pub known_compromised: Vec<KnownBad>,
    /// npm install-path changes, a finer view than `changes` (a nested
    /// copy that changed while the name's versions stayed the same).
    pub install_paths: Vec<PathChange>,
}

/// One npm install path (`node_modules/a/node_modules/b`) that changed.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PathChange {
    pub path: String,
    pub package: String,
    /// changed, added or removed.
    pub kind: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Inventory line for one dependency file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DepFileInfo {
    pub path: String,
    pub format: String,
    pub packages: usize,
    /// `parsed`, `partial` or `failed`.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One package change between two snapshots.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Change {
    /// `npm`, `cargo`, `debian`, `rpm`, `alpine`, `pypi`.
    pub ecosystem: String,
    /// Package name.
    pub package: String,
    /// added, removed, upgraded, downgraded, changed, version-added,
    /// version-removed, integrity-changed, resolved-changed,
    /// metadata-changed.
    pub kind: String,
    /// Version before; null when added.
    pub from: Option<String>,
    /// Version after; null when removed.
    pub to: Option<String>,
    /// Declared by the project (root or a workspace); `None` when the
    /// format cannot tell.
    pub direct: Option<bool>,
    /// A package that depends on this one (for transitive changes).
    pub parent: Option<String>,
    /// Short stable strings: major, minor, patch, prerelease, revision,
    /// semver-breaking, hash-algorithm-only, hash-value-changed,
    /// hash-algorithm-downgrade, registry-host-changed, scheme-changed,
    /// http-downgrade, source-kind-changed (registry, git, tarball or
    /// path), git-source (now from git), git-repository-changed,
    /// git-commit-changed, install-script-added, license-changed,
    /// license-spelling-only, known-compromised, known-compromised-removed,
    /// dev.
    pub flags: Vec<String>,
    /// When the change took effect: the first log line showing the new
    /// version, else the later snapshot's path time or file time.
    pub time: Option<Timestamp>,
    /// Path of the earlier snapshot.
    pub before: String,
    /// Path of the later snapshot (or `diff#file` for a diff).
    pub after: String,
}

impl Change {
    pub fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

/// A lockfile format change, reported once per pair.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FormatChange {
    /// Path of the earlier snapshot.
    pub before: String,
    /// Path of the later snapshot.
    pub after: String,
    /// Format (and version) before.
    pub from: String,
    /// Format (and version) after.
    pub to: String,
    /// Time of the later snapshot.
    pub time: Option<Timestamp>,
    /// What the change explains, e.g. checksum records folded.
    pub note: Option<String>,
}

/// The same package at different versions in sibling files (one per host).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Skew {
    /// `npm`, `cargo`, `debian`, `rpm`, `alpine`, `pypi`.
    pub ecosystem: String,
    /// Package name.
    pub package: String,
    /// One entry per sibling file that holds the package.
    pub instances: Vec<SkewInstance>,
}

/// The versions of a skewed package in one file.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SkewInstance {
    /// The file.
    pub path: String,
    /// The versions of the package it holds.
    pub versions: Vec<String>,
}

/// A known-compromised version present in a snapshot.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KnownBad {
    /// Package name.
    pub package: String,
    /// The compromised version.
    pub version: String,
    /// What is known about it.
    pub note: String,
    /// The snapshot that holds it.
    pub path: String,
}

/// Cheap check on name + first bytes: is this a lockfile, manifest,
/// package list or diff we read?
pub fn is_dependency_file(path: &str, head: &[u8]) -> bool {
    // Installed packages' own manifests are not the project's.
    if path.contains("node_modules/") || path.contains("site-packages/") {
        return false;
    }
    let name = lockfile::base_name(path).to_ascii_lowercase();
    let by_name = matches!(
        name.as_str(),
        "package-lock.json"
            | "npm-shrinkwrap.json"
            | "package.json"
            | "yarn.lock"
            | "pnpm-lock.yaml"
            | "cargo.lock"
            | "dpkg.log"
            | "history.log"
            | "requirements.txt"
    ) || name.starts_with("requirements")
        || name.starts_with("dpkg.log")
        || name.ends_with(".patch")
        || name.ends_with(".diff");
    if by_name {
        return true;
    }
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}');
    match lockfile::detect(path, text) {
        // A diff of something other than dependency files is not ours.
        Some(Format::Patch) => {
            let names = [
                "package",
                "yarn.lock",
                "pnpm-lock",
                "Cargo.lock",
                "requirements",
            ];
            names.iter().any(|n| text.contains(n))
        }
        Some(Format::PackageJson) => {
            // `package.before.json` is a package.json too.
            let plain = [".before", ".after", ".old", ".new", ".prev", ".orig"]
                .iter()
                .fold(name.clone(), |n, side| n.replace(side, ""));
            plain.ends_with("package.json")
        }
        Some(_) => true,
        None => false,
    }
}

/// Parses a snapshot's text in its detected format.
pub fn parse_text(format: Format, text: &str) -> Result<Parsed, ParseError> {
    if let Some(e) = cut_mid_line(format, text) {
        return Err(e);
    }
    match format {
        Format::NpmLock(v) => npm::parse_lock(text, v),
        Format::PackageJson => npm::parse_manifest(text),
        Format::YarnV1 => yarn::parse_v1(text),
        Format::YarnBerry => yarn::parse_berry(text),
        Format::Pnpm(_) => pnpm::parse(text),
        Format::CargoLock => cargo::parse_lock(text),
        Format::CargoMetadata => cargo::parse_metadata(text),
        Format::DpkgL => system::parse_dpkg_l(text),
        Format::DpkgQuery => system::parse_dpkg_query(text),
        Format::RpmQa => system::parse_rpm(text),
        Format::ApkInfo => system::parse_apk(text),
        Format::PipFreeze | Format::Requirements => system::parse_pip(text, format),
        Format::DpkgLog | Format::AptHistory | Format::Patch => Err(ParseError::new(
            "unknown-format",
            None,
            "not a package snapshot",
        )),
    }
}

/// Line-based lockfiles always end with a newline; one that stops mid-line
/// was cut (a size cap, a full disk) and would make everything after the
/// cut look removed.
fn cut_mid_line(format: Format, text: &str) -> Option<ParseError> {
    let line_based = matches!(
        format,
        Format::YarnV1 | Format::YarnBerry | Format::Pnpm(_) | Format::CargoLock
    );
    if !line_based || text.ends_with('\n') {
        return None;
    }
    let line = 1 + memchr::memchr_iter(b'\n', text.as_bytes()).count() as u64;
    let cap = if text.len().is_power_of_two() && text.len() >= 4096 {
        format!(
            " ({} KiB exactly, a likely collector size cap)",
            text.len() / 1024
        )
    } else {
        String::new()
    };
    let msg = format!(
        "ends mid-line at line {line}, byte {}{cap}, with no final newline: the file is \
         truncated, so no change list is given for it",
        text.len()
    );
    Some(ParseError::new("truncated", Some(line), msg))
}

/// Names a package.json declares, for direct/transitive in v1 lockfiles.
pub fn manifest_direct(text: &str) -> Result<std::collections::BTreeSet<String>, ParseError> {
    npm::manifest_direct(text)
}

/// Compares two snapshots that are already parsed.
pub fn diff_parsed(before: &Parsed, after: &Parsed) -> diff::PairDiff {
    diff::diff(before, after)
}
