//! The change model: two parsed snapshots compared by package name.
//!
//! For each name the sets of versions before and after are compared, as the
//! oracle (`reference_diff.py`) does: added, removed, upgraded, downgraded,
//! changed (not orderable), version-added (a new duplicate), version-removed
//! (a copy deduplicated). Versions present on both sides add records when
//! their integrity or resolved URL changed, and metadata-changed covers an
//! install script or license that changed with no version change.
//!
//! # Limitations
//! Comparison is by name, not by dependency path: a nested copy that moved
//! is seen only as a version-set change. A yarn berry cacheKey change
//! rewrites every checksum; those same-version checksum changes are folded
//! into one count instead of one record each. A resolved URL's kind is
//! told from its spelling: GitHub's codeload tarballs (yarn v1's `github:`
//! dependencies) are git sources named by their commit; other hosts'
//! archive URLs of a commit are `tarball`s.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::known_bad;
use super::lockfile::{Format, Instance, Parsed};
use super::version::{self, Scheme};
use super::{Change, PathChange};

/// The outcome of comparing two snapshots.
#[derive(Debug, Default)]
pub struct PairDiff {
    pub changes: Vec<Change>,
    /// npm install-path changes (npm lockfiles on both sides only).
    pub paths: Vec<PathChange>,
    /// Same-version checksum changes explained by a yarn cacheKey change.
    pub folded_checksums: usize,
}

struct Side<'a> {
    p: &'a Parsed,
    by_name: BTreeMap<&'a str, Vec<&'a Instance>>,
    /// child -> parents, from the name-level edges.
    parents: HashMap<&'a str, Vec<&'a str>>,
}

impl<'a> Side<'a> {
    fn new(p: &'a Parsed) -> Self {
        let mut by_name: BTreeMap<&str, Vec<&Instance>> = BTreeMap::new();
        for i in &p.instances {
            by_name.entry(i.name.as_str()).or_default().push(i);
        }
        let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
        for (parent, child) in &p.edges {
            parents
                .entry(child.as_str())
                .or_default()
                .push(parent.as_str());
        }
        Side {
            p,
            by_name,
            parents,
        }
    }

    fn versions(&self, name: &str) -> BTreeSet<&'a str> {
        let list = self.by_name.get(name).map(Vec::as_slice).unwrap_or(&[]);
        list.iter().map(|i| i.version.as_str()).collect()
    }

    /// A parent that depends on `name`, preferring declared (direct) ones.
    fn parent(&self, name: &str) -> Option<String> {
        let direct = self.p.direct.as_ref();
        let parents = self.parents.get(name)?;
        let best = parents
            .iter()
            .min_by_key(|p| (!direct.is_some_and(|d| d.contains(**p)), **p));
        best.map(|p| p.to_string())
    }
}

fn sorted(set: impl IntoIterator<Item = impl AsRef<str>>, scheme: Scheme) -> Vec<String> {
    let mut v: Vec<String> = set.into_iter().map(|s| s.as_ref().to_string()).collect();
    version::sort(&mut v, scheme);
    v
}

/// Compares `before` with `after`.
pub fn diff(before: &Parsed, after: &Parsed) -> PairDiff {
    let scheme = after.format.scheme();
    let (b, a) = (Side::new(before), Side::new(after));
    let names: BTreeSet<&str> = b.by_name.keys().chain(a.by_name.keys()).copied().collect();
    let cache_churn = before.cache_key.is_some() && before.cache_key != after.cache_key;
    let mut out = PairDiff::default();
    for name in names {
        let ib = b.by_name.get(name).map(Vec::as_slice).unwrap_or(&[]);
        let ia = a.by_name.get(name).map(Vec::as_slice).unwrap_or(&[]);
        let side = if ia.is_empty() { &b } else { &a };
        let direct = side.p.direct.as_ref().map(|d| d.contains(name));
        let base = Change {
            ecosystem: after.format.ecosystem().to_string(),
            package: name.to_string(),
            kind: String::new(),
            from: None,
            to: None,
            direct,
            parent: if direct == Some(true) {
                None
            } else {
                side.parent(name)
            },
            flags: Vec::new(),
            time: None,
            before: String::new(),
            after: String::new(),
        };
        let mut meta_flags = Vec::new();
        if install_script_added(before, after, ib, ia) {
            meta_flags.push("install-script-added".to_string());
        }
        meta_flags.extend(license_flags(before, after, ib, ia));
        if !ia.is_empty() && ia.iter().all(|i| i.dev == Some(true)) {
            meta_flags.push("dev".to_string());
        }
        let (old, new) = (b.versions(name), a.versions(name));
        if let Some(mut c) = version_change(&base, &old, &new, scheme) {
            c.flags.extend(meta_flags);
            c.flags.extend(known_bad_flags(name, &old, &new));
            out.changes.push(c);
        } else if meta_flags.iter().any(|f| f != "dev") {
            let v = sorted(&new, scheme).pop();
            let kind = "metadata-changed".to_string();
            let c = Change {
                kind,
                from: v.clone(),
                to: v,
                flags: meta_flags,
                ..base.clone()
            };
            out.changes.push(c);
        }
        for v in sorted(old.intersection(&new), scheme) {
            drift(&base, (ib, ia), &v, cache_churn, &mut out);
        }
    }
    if matches!(
        (before.format, after.format),
        (Format::NpmLock(_), Format::NpmLock(_))
    ) {
        out.paths = path_changes(before, after);
    }
    out
}

/// Install-path view of two npm lockfiles: a nested copy can change while
/// the name's version set stays the same.
fn path_changes(before: &Parsed, after: &Parsed) -> Vec<PathChange> {
    let map = |p: &'_ Parsed| -> BTreeMap<String, (String, String)> {
        let pairs = p
            .instances
            .iter()
            .map(|i| (i.path.clone(), (i.name.clone(), i.version.clone())));
        pairs.collect()
    };
    let (mb, ma) = (map(before), map(after));
    let mut out = Vec::new();
    for path in mb.keys().chain(ma.keys()).collect::<BTreeSet<_>>() {
        let (b, a) = (mb.get(path), ma.get(path));
        let kind = match (b, a) {
            (Some(b), Some(a)) if b.1 != a.1 => "changed",
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            _ => continue,
        };
        out.push(PathChange {
            path: path.clone(),
            package: a.or(b).map(|x| x.0.clone()).unwrap_or_default(),
            kind: kind.to_string(),
            from: b.map(|x| x.1.clone()),
            to: a.map(|x| x.1.clone()),
        });
    }
    out
}

/// Same-version records: integrity and resolved URL changes of `v`.
fn drift(
    base: &Change,
    (ib, ia): (&[&Instance], &[&Instance]),
    v: &str,
    cache_churn: bool,
    out: &mut PairDiff,
) {
    let pick = |l: &[&Instance], f: fn(&Instance) -> Option<&String>| -> BTreeSet<String> {
        l.iter()
            .filter(|i| i.version == v)
            .filter_map(|i| f(i).cloned())
            .collect()
    };
    let record = |kind: &str, flags: Vec<String>| Change {
        kind: kind.into(),
        from: Some(v.to_string()),
        to: Some(v.to_string()),
        flags,
        ..base.clone()
    };
    let (hb, ha) = (
        pick(ib, |i| i.integrity.as_ref()),
        pick(ia, |i| i.integrity.as_ref()),
    );
    if !hb.is_empty() && !ha.is_empty() && hb != ha {
        let flags = integrity_flags(&hb, &ha);
        let benign = flags.iter().any(|f| f == "hash-algorithm-only");
        if cache_churn && benign && all_yarn(&hb, &ha) {
            out.folded_checksums += 1;
        } else {
            out.changes.push(record("integrity-changed", flags));
        }
    }
    let (rb, ra) = (
        pick(ib, |i| i.resolved.as_ref()),
        pick(ia, |i| i.resolved.as_ref()),
    );
    if !rb.is_empty() && !ra.is_empty() && rb != ra {
        out.changes
            .push(record("resolved-changed", resolved_flags(&rb, &ra)));
    }
}

fn all_yarn(hb: &BTreeSet<String>, ha: &BTreeSet<String>) -> bool {
    hb.iter()
        .chain(ha)
        .all(|h| hash_algo(h).starts_with("yarn-cache:"))
}

fn version_change(
    base: &Change,
    old: &BTreeSet<&str>,
    new: &BTreeSet<&str>,
    scheme: Scheme,
) -> Option<Change> {
    let top = |s: &BTreeSet<&str>| sorted(s, scheme).pop();
    let (kind, from, to) = if old.is_empty() {
        ("added", None, top(new))
    } else if new.is_empty() {
        ("removed", top(old), None)
    } else if old == new {
        return None;
    } else {
        let rem: BTreeSet<&str> = old.difference(new).copied().collect();
        let add: BTreeSet<&str> = new.difference(old).copied().collect();
        match (rem.is_empty(), add.is_empty()) {
            (false, false) => {
                let (r, a) = (top(&rem)?, top(&add)?);
                let kind = match version::compare(&a, &r, scheme) {
                    Some(Ordering::Greater) => "upgraded",
                    Some(Ordering::Less) => "downgraded",
                    _ => "changed",
                };
                let mut c = Change {
                    kind: kind.into(),
                    ..base.clone()
                };
                c.flags = jump_flags(&r, &a, scheme);
                c.from = Some(r);
                c.to = Some(a);
                return Some(c);
            }
            (true, false) => ("version-added", None, Some(sorted(&add, scheme).join(", "))),
            _ => (
                "version-removed",
                Some(sorted(&rem, scheme).join(", ")),
                None,
            ),
        }
    };
    Some(Change {
        kind: kind.into(),
        from,
        to,
        ..base.clone()
    })
}

/// major/minor/patch/prerelease level of a version jump, and whether it
/// breaks a caret range.
fn jump_flags(from: &str, to: &str, scheme: Scheme) -> Vec<String> {
    let mut flags = Vec::new();
    let (Some(f), Some(t)) = (
        version::leading_numbers(from, scheme),
        version::leading_numbers(to, scheme),
    ) else {
        return flags;
    };
    let level = if f[0] != t[0] {
        "major"
    } else if f[1] != t[1] {
        "minor"
    } else if f[2] != t[2] {
        "patch"
    } else if version::is_prerelease(from, scheme) || version::is_prerelease(to, scheme) {
        "prerelease"
    } else {
        "revision"
    };
    flags.push(level.to_string());
    // 1.0 → 1.1rc1 is a minor jump onto a prerelease: say both.
    if level != "prerelease"
        && version::is_prerelease(to, scheme)
        && !version::is_prerelease(from, scheme)
    {
        flags.push("prerelease".to_string());
    }
    let breaking =
        f[0] != t[0] || (f[0] == 0 && f[1] != t[1]) || (f[0] == 0 && f[1] == 0 && f[2] != t[2]);
    if scheme == Scheme::Semver && breaking {
        flags.push("semver-breaking".to_string());
    }
    flags
}

fn install_script_added(
    before: &Parsed,
    after: &Parsed,
    ib: &[&Instance],
    ia: &[&Instance],
) -> bool {
    let known = after.install_scripts_known && (ib.is_empty() || before.install_scripts_known);
    let had = ib.iter().any(|i| i.install_script == Some(true));
    let has = ia.iter().any(|i| i.install_script == Some(true));
    known && !ia.is_empty() && has && !had
}

/// `MIT/Apache-2.0` and `Apache-2.0 OR MIT` read the same.
fn norm_license(l: &str) -> String {
    let l = l.replace('/', " OR ").replace(['(', ')'], "");
    let mut parts: Vec<String> = l
        .split(" OR ")
        .map(|p| p.trim().to_ascii_uppercase())
        .filter(|p| !p.is_empty())
        .collect();
    parts.sort();
    parts.join(" OR ")
}

fn license_flags(
    before: &Parsed,
    after: &Parsed,
    ib: &[&Instance],
    ia: &[&Instance],
) -> Vec<String> {
    if !(before.licenses_known && after.licenses_known) {
        return Vec::new();
    }
    let set = |l: &[&Instance]| -> BTreeSet<String> {
        l.iter().filter_map(|i| i.license.clone()).collect()
    };
    let (lb, la) = (set(ib), set(ia));
    if lb.is_empty() || la.is_empty() || lb == la {
        return Vec::new();
    }
    let mut flags = vec!["license-changed".to_string()];
    let nb: BTreeSet<String> = lb.iter().map(|l| norm_license(l)).collect();
    let na: BTreeSet<String> = la.iter().map(|l| norm_license(l)).collect();
    if nb == na {
        flags.push("license-spelling-only".to_string());
    }
    flags
}

fn known_bad_flags(name: &str, old: &BTreeSet<&str>, new: &BTreeSet<&str>) -> Vec<String> {
    let mut flags = Vec::new();
    if new
        .difference(old)
        .any(|v| known_bad::lookup(name, v).is_some())
    {
        flags.push("known-compromised".to_string());
    }
    if old
        .difference(new)
        .any(|v| known_bad::lookup(name, v).is_some())
    {
        flags.push("known-compromised-removed".to_string());
    }
    flags
}

/// The algorithm of one integrity value.
pub fn hash_algo(h: &str) -> String {
    if h.starts_with("sha256:") {
        return "sha256".into();
    }
    if let Some((algo, _)) = h.split_once('-') {
        if algo == "md5"
            || (algo.starts_with("sha") && algo[3..].bytes().all(|b| b.is_ascii_digit()))
        {
            return algo.into();
        }
    }
    match h.split_once('/') {
        Some((key, _)) => format!("yarn-cache:{key}"),
        None => "unknown".into(),
    }
}

fn rank(algo: &str) -> i32 {
    ["md5", "sha1", "sha256", "sha384", "sha512"]
        .iter()
        .position(|a| *a == algo)
        .map_or(-1, |p| p as i32)
}

fn integrity_flags(hb: &BTreeSet<String>, ha: &BTreeSet<String>) -> Vec<String> {
    let split = |s: &BTreeSet<String>| -> BTreeMap<String, BTreeSet<String>> {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for h in s.iter().flat_map(|v| v.split_whitespace()) {
            m.entry(hash_algo(h)).or_default().insert(h.to_string());
        }
        m
    };
    let (sb, sa) = (split(hb), split(ha));
    let same_algo = sb.iter().any(|(k, v)| sa.get(k).is_some_and(|w| w != v));
    let top =
        |m: &BTreeMap<String, BTreeSet<String>>| m.keys().map(|k| rank(k)).max().unwrap_or(-1);
    let mut flags = vec![if same_algo {
        "hash-value-changed"
    } else {
        "hash-algorithm-only"
    }
    .to_string()];
    if (0..top(&sb)).contains(&top(&sa)) {
        flags.push("hash-algorithm-downgrade".to_string());
    }
    flags
}

/// Host of a resolved URL, with cargo/git prefixes removed.
pub fn host(u: &str) -> Option<String> {
    let u = ["registry+", "sparse+", "git+"]
        .iter()
        .find_map(|p| u.strip_prefix(p))
        .unwrap_or(u);
    let (_, rest) = u.split_once("://")?;
    let auth = rest.split(['/', '?', '#']).next()?;
    let auth = auth.rsplit('@').next()?;
    let h = auth.split(':').next()?;
    (!h.is_empty()).then(|| h.to_ascii_lowercase())
}

fn resolved_flags(rb: &BTreeSet<String>, ra: &BTreeSet<String>) -> Vec<String> {
    let hosts =
        |s: &BTreeSet<String>| -> BTreeSet<String> { s.iter().filter_map(|u| host(u)).collect() };
    let schemes = |s: &BTreeSet<String>| -> BTreeSet<String> {
        s.iter()
            .filter_map(|u| u.split_once("://").map(|(s, _)| s.to_string()))
            .collect()
    };
    let mut flags = Vec::new();
    if hosts(rb) != hosts(ra) {
        flags.push("registry-host-changed".to_string());
    }
    let (sb, sa) = (schemes(rb), schemes(ra));
    if sb != sa {
        flags.push("scheme-changed".to_string());
        if sa.contains("http") && sb.contains("https") {
            flags.push("http-downgrade".to_string());
        }
    }
    let sources =
        |s: &BTreeSet<String>| -> BTreeSet<Source> { s.iter().map(|u| source(u)).collect() };
    let (ob, oa) = (sources(rb), sources(ra));
    let kinds = |s: &BTreeSet<Source>| -> BTreeSet<&str> { s.iter().map(|o| o.kind).collect() };
    if kinds(&ob) != kinds(&oa) {
        // crates.io to a fork on the same host reads as a scheme change
        // alone otherwise (`registry+https` → `git+https`).
        flags.push("source-kind-changed".to_string());
        if kinds(&oa).contains("git") {
            flags.push("git-source".to_string());
        }
    }
    let git = |s: &BTreeSet<Source>| -> BTreeMap<String, BTreeSet<String>> {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for o in s.iter().filter(|o| o.kind == "git") {
            m.entry(o.place.clone())
                .or_default()
                .extend(o.commit.clone());
        }
        m
    };
    let (gb, ga) = (git(&ob), git(&oa));
    if !gb.is_empty() && !ga.is_empty() {
        if gb.keys().ne(ga.keys()) {
            flags.push("git-repository-changed".to_string());
        } else if gb != ga {
            // Same version, same repository, other code.
            flags.push("git-commit-changed".to_string());
        }
    }
    flags
}

/// Where a resolved package comes from: its kind (`registry`, `git`,
/// `tarball`, `path`), the place (repository or URL without query and
/// fragment, lower-cased host) and, for git, the commit or ref after `#`.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Source {
    kind: &'static str,
    place: String,
    commit: Option<String>,
}

fn source(u: &str) -> Source {
    let (base, fragment) = match u.split_once('#') {
        Some((b, f)) => (b, Some(f.to_string())),
        None => (u, None),
    };
    let place = base.split('?').next().unwrap_or(base);
    let place = place
        .trim_start_matches("git+")
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .to_ascii_lowercase();
    // yarn v1 writes a `github:` dependency as a codeload tarball named
    // by its commit: `https://codeload.github.com/o/r/tar.gz/<sha>`.
    if let Some(rest) = base.strip_prefix("https://codeload.github.com/") {
        let parts: Vec<&str> = rest.split('/').collect();
        if let [owner, repo, _, commit, ..] = parts.as_slice() {
            return Source {
                kind: "git",
                place: format!("github.com/{owner}/{repo}").to_ascii_lowercase(),
                commit: Some(commit.to_string()),
            };
        }
    }
    let kind = if u.starts_with("git+")
        || u.starts_with("git://")
        || u.starts_with("git@")
        || u.starts_with("github:")
        || base.ends_with(".git")
    {
        "git"
    } else if ["file:", "link:", "path+", "portal:", "workspace:"]
        .iter()
        .any(|p| u.starts_with(p))
    {
        "path"
    } else if u.starts_with("registry+") || u.starts_with("sparse+") || u.contains("/-/") {
        // Cargo registries; npm-style registry tarballs (`/name/-/name-1.0.0.tgz`).
        "registry"
    } else if u.contains("://") {
        "tarball"
    } else {
        // Yarn berry's `npm:1.0.0` and other registry references.
        "registry"
    };
    Source {
        kind,
        place,
        commit: fragment.filter(|_| kind == "git"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_algorithms() {
        assert_eq!(
            host("registry+https://github.com/rust-lang/crates.io-index").as_deref(),
            Some("github.com")
        );
        assert_eq!(
            host("http://registry.npmjs.org/a/-/a-1.tgz").as_deref(),
            Some("registry.npmjs.org")
        );
        assert_eq!(host("a@npm:1.0.0"), None);
        assert_eq!(hash_algo("sha512-AAA"), "sha512");
        assert_eq!(hash_algo("10c0/abc"), "yarn-cache:10c0");
        assert_eq!(hash_algo("sha256:abc"), "sha256");
    }

    /// QA: crates.io to a fork on the same host, and a git dependency
    /// moved to another commit, each said as what it is.
    #[test]
    fn sources_tell_registry_git_and_commit() {
        let set = |u: &[&str]| u.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        let crates = set(&["registry+https://github.com/rust-lang/crates.io-index"]);
        let fork = set(&["git+https://github.com/evil/serde?rev=abcdef#abcdef01"]);
        let f = resolved_flags(&crates, &fork);
        assert_eq!(f, ["scheme-changed", "source-kind-changed", "git-source"]);
        let a = set(&["git+https://github.com/example/mylib?branch=main#1111"]);
        let b = set(&["git+https://github.com/example/mylib?branch=main#2222"]);
        assert_eq!(resolved_flags(&a, &b), ["git-commit-changed"]);
        let c = set(&["git+https://github.com/other/mylib#2222"]);
        assert_eq!(resolved_flags(&a, &c), ["git-repository-changed"]);
        let y1 = set(&["https://codeload.github.com/o/r/tar.gz/1111"]);
        let y2 = set(&["https://codeload.github.com/o/r/tar.gz/2222"]);
        assert_eq!(resolved_flags(&y1, &y2), ["git-commit-changed"]);
        let npm = set(&["https://registry.npmjs.org/a/-/a-1.0.0.tgz"]);
        let mirror = set(&["https://registry.npmmirror.com/a/-/a-1.0.0.tgz"]);
        assert_eq!(resolved_flags(&npm, &mirror), ["registry-host-changed"]);
    }

    /// QA: a minor jump onto a prerelease said only "minor".
    #[test]
    fn a_jump_onto_a_prerelease_says_so() {
        assert_eq!(
            jump_flags("1.0", "1.1rc1", Scheme::Pep440),
            ["minor", "prerelease"]
        );
        assert_eq!(
            jump_flags("1.6-2.1", "1.7~rc1-1", Scheme::Debian),
            ["minor", "prerelease"]
        );
        assert_eq!(jump_flags("1.1rc1", "1.1", Scheme::Pep440), ["prerelease"]);
    }

    #[test]
    fn licenses_normalise() {
        assert_eq!(
            norm_license("Unlicense/MIT"),
            norm_license("MIT OR Unlicense")
        );
        assert_ne!(
            norm_license("(MIT OR Apache-2.0) AND Unicode-3.0"),
            norm_license("(MIT OR Apache-2.0) AND Unicode-DFS-2016")
        );
    }
}
