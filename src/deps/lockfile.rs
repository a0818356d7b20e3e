//! The flat model every parser produces, and detection of a file's format
//! from its content (the name is only a hint).
//!
//! A lockfile, manifest or package list becomes a list of package
//! [`Instance`]s (name, version, integrity, resolved URL, install script,
//! license), the set of names the project itself declares (`direct`) and
//! name-level dependency edges, used to say through which parent a
//! transitive package came.
//!
//! # Limitations
//! Detection reads the first 4 KB for JSON and YAML markers and the first
//! 50 lines for package lists; a list that starts with a long free-text
//! preamble is not recognised. A JSON file is a package-lock only with a
//! `lockfileVersion` (or a lockfile name).

use std::collections::BTreeSet;

use super::version::Scheme;

/// Every input format the deps layer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    NpmLock(u8),
    PackageJson,
    YarnV1,
    YarnBerry,
    Pnpm(u8),
    CargoLock,
    CargoMetadata,
    DpkgL,
    DpkgQuery,
    DpkgLog,
    AptHistory,
    RpmQa,
    ApkInfo,
    PipFreeze,
    Requirements,
    Patch,
}

impl Format {
    pub fn ecosystem(self) -> &'static str {
        use Format::*;
        match self {
            NpmLock(_) | PackageJson | YarnV1 | YarnBerry | Pnpm(_) => "npm",
            CargoLock | CargoMetadata => "cargo",
            DpkgL | DpkgQuery | DpkgLog | AptHistory => "debian",
            RpmQa => "rpm",
            ApkInfo => "alpine",
            PipFreeze | Requirements => "pypi",
            Patch => "diff",
        }
    }

    pub fn scheme(self) -> Scheme {
        match self.ecosystem() {
            "debian" | "rpm" | "alpine" => Scheme::Debian,
            "pypi" => Scheme::Pep440,
            _ => Scheme::Semver,
        }
    }

    /// The family a series is built from: files of one family can be diffed
    /// against each other even when the lockfile version changed.
    pub fn family(self) -> &'static str {
        use Format::*;
        match self {
            NpmLock(_) => "npm-lock",
            PackageJson => "package-json",
            YarnV1 | YarnBerry => "yarn-lock",
            Pnpm(_) => "pnpm-lock",
            CargoLock => "cargo-lock",
            CargoMetadata => "cargo-metadata",
            DpkgL | DpkgQuery => "dpkg",
            DpkgLog | AptHistory => "dpkg-log",
            RpmQa => "rpm",
            ApkInfo => "apk",
            PipFreeze | Requirements => "pip",
            Patch => "patch",
        }
    }

    pub fn name(self) -> String {
        use Format::*;
        match self {
            NpmLock(v) => format!("npm-v{v}"),
            PackageJson => "package-json".into(),
            YarnV1 => "yarn-v1".into(),
            YarnBerry => "yarn-berry".into(),
            Pnpm(v) => format!("pnpm-{v}"),
            CargoLock => "cargo-lock".into(),
            CargoMetadata => "cargo-metadata".into(),
            DpkgL => "dpkg-l".into(),
            DpkgQuery => "dpkg-query".into(),
            DpkgLog => "dpkg-log".into(),
            AptHistory => "apt-history".into(),
            RpmQa => "rpm-qa".into(),
            ApkInfo => "apk-info".into(),
            PipFreeze => "pip-freeze".into(),
            Requirements => "requirements".into(),
            Patch => "unified-diff".into(),
        }
    }

    /// Whether the format is a snapshot of installed/locked packages (as
    /// opposed to a manifest, a log or a diff).
    pub fn is_snapshot(self) -> bool {
        !matches!(
            self,
            Format::PackageJson | Format::DpkgLog | Format::AptHistory | Format::Patch
        )
    }
}

/// One installed or locked copy of a package.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Instance {
    pub name: String,
    pub version: String,
    pub integrity: Option<String>,
    pub resolved: Option<String>,
    /// `None` when the format does not record install scripts.
    pub install_script: Option<bool>,
    pub license: Option<String>,
    pub dev: Option<bool>,
    /// Install path or lock key, for messages.
    pub path: String,
}

impl Instance {
    /// A bare name and version, as package lists give them.
    pub fn plain(name: &str, version: &str, path: &str) -> Self {
        let (name, version, path) = (name.to_string(), version.to_string(), path.to_string());
        Instance {
            name,
            version,
            path,
            ..Instance::default()
        }
    }
}

/// A parsed snapshot.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub format: Format,
    /// What a format change compares: lockfile version, yarn metadata,
    /// Cargo.lock version.
    pub format_detail: String,
    pub instances: Vec<Instance>,
    /// Names the project (root or any workspace) declares; `None` when the
    /// format cannot tell.
    pub direct: Option<BTreeSet<String>>,
    /// Name-level dependency edges (parent, child).
    pub edges: Vec<(String, String)>,
    pub install_scripts_known: bool,
    pub licenses_known: bool,
    /// yarn berry cacheKey, to recognise checksum churn from a cache change.
    pub cache_key: Option<String>,
}

impl Parsed {
    pub fn new(format: Format) -> Self {
        Parsed {
            format,
            format_detail: format.name(),
            instances: Vec::new(),
            direct: None,
            edges: Vec::new(),
            install_scripts_known: false,
            licenses_known: false,
            cache_key: None,
        }
    }
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub code: &'static str,
    pub line: Option<u64>,
    pub message: String,
}

impl ParseError {
    pub fn new(code: &'static str, line: Option<u64>, message: impl Into<String>) -> Self {
        ParseError {
            code,
            line,
            message: message.into(),
        }
    }
}

/// The file name without its folders.
pub fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Detects the format from the text, with the file name as a tie-breaker.
pub fn detect(path: &str, text: &str) -> Option<Format> {
    let name = base_name(path).to_ascii_lowercase();
    let s = text.trim_start();
    if s.is_empty() {
        return None;
    }
    if looks_like_patch(s) {
        return Some(Format::Patch);
    }
    if s.starts_with('{') {
        return detect_json(&name, s);
    }
    let head = &text[..floor(text, 4000)];
    if head.contains("# yarn lockfile v1") {
        return Some(Format::YarnV1);
    }
    if head.lines().any(|l| l.starts_with("__metadata:")) {
        return Some(Format::YarnBerry);
    }
    if let Some(l) = head.lines().find(|l| l.starts_with("lockfileVersion:")) {
        let v = l["lockfileVersion:".len()..]
            .trim()
            .trim_matches(['\'', '"']);
        let major = v.split('.').next()?.parse().ok()?;
        return Some(Format::Pnpm(major));
    }
    if text.lines().any(|l| l.trim_end() == "[[package]]") {
        return Some(Format::CargoLock);
    }
    detect_lines(&name, text)
}

fn floor(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub fn looks_like_patch(s: &str) -> bool {
    if s.starts_with("diff --git ") {
        return true;
    }
    if s.starts_with("From ") && s.contains("\ndiff --git ") {
        return true;
    }
    (s.starts_with("--- ") || s.contains("\n--- ")) && s.contains("\n+++ ") && s.contains("\n@@ ")
}

fn detect_json(name: &str, s: &str) -> Option<Format> {
    let head = &s[..floor(s, 4000)];
    if let Some(i) = head.find("\"lockfileVersion\"") {
        let rest = head[i + 17..].trim_start().strip_prefix(':')?.trim_start();
        // npm writes a number; a string there (`"6.0"`) is another tool's
        // JSON that mentions a lockfile (a test oracle's expected output).
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            let v = rest
                .bytes()
                .take_while(u8::is_ascii_digit)
                .fold(0u8, |a, b| a.saturating_mul(10).saturating_add(b - b'0'));
            return Some(Format::NpmLock(v.max(1)));
        }
    }
    // cargo metadata puts workspace_members at the end; its head is a
    // packages array whose entries carry an id and a manifest path.
    let cargo_head = head.starts_with("{\"packages\":[")
        && head.contains("\"id\":")
        && (head.contains("\"manifest_path\"") || head.contains("\"targets\""));
    if cargo_head || s.contains("\"workspace_members\"") {
        return Some(Format::CargoMetadata);
    }
    // `package.json`, or a copy named for its side (`package.before.json`)
    // that declares dependencies.
    let manifest_copy = name.starts_with("package.")
        && name.ends_with(".json")
        && (head.contains("\"dependencies\"") || head.contains("\"devDependencies\""));
    if name.ends_with("package.json") || manifest_copy {
        return Some(Format::PackageJson);
    }
    if name.contains("package-lock") || name.contains("shrinkwrap") {
        // A cut-off lockfile may lose its version field; read as v1 to let
        // the JSON error speak.
        return Some(Format::NpmLock(1));
    }
    None
}

fn detect_lines(name: &str, text: &str) -> Option<Format> {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(50)
        .collect();
    let first = *lines.first()?;
    if lines
        .iter()
        .take(8)
        .any(|l| l.starts_with("||/ Name") || l.starts_with("Desired="))
    {
        return Some(Format::DpkgL);
    }
    if lines.len() >= 3 && lines.iter().take(5).all(|l| is_dpkg_l_row(l)) {
        return Some(Format::DpkgL);
    }
    if first.starts_with("Start-Date:") || name.starts_with("history.log") {
        return Some(Format::AptHistory);
    }
    let dpkg_log = lines
        .iter()
        .filter(|l| super::system::is_dpkg_log_line(l))
        .count();
    if dpkg_log * 10 >= lines.len() * 9 {
        return Some(Format::DpkgLog);
    }
    let tabbed = lines.iter().filter(|l| is_dpkg_query_row(l)).count();
    let revision = lines.iter().any(|l| {
        l.split('\t')
            .nth(1)
            .is_some_and(|v| v.contains(['-', ':', '+', '~']))
    });
    if tabbed >= 1 && revision && tabbed * 10 >= lines.len() * 9 {
        return Some(Format::DpkgQuery);
    }
    let pip = lines
        .iter()
        .filter(|l| super::system::is_pip_line(l))
        .count();
    let req_name = name.starts_with("requirements") || name.ends_with(".in");
    let pins = lines
        .iter()
        .filter(|l| !l.trim_start().starts_with('#'))
        .count();
    if pins > 0 && pip * 10 >= lines.len() * 9 {
        let pinned = lines.iter().all(|l| !l.contains(">=") && !l.contains("~="));
        return Some(if pinned && !req_name {
            Format::PipFreeze
        } else {
            Format::Requirements
        });
    }
    if req_name {
        return Some(Format::Requirements);
    }
    if lines
        .iter()
        .all(|l| super::system::rpm_split(l.trim()).is_some())
        && (name.contains("rpm")
            || lines
                .iter()
                .any(|l| l.contains(".x86_64") || l.contains(".noarch")))
    {
        return Some(Format::RpmQa);
    }
    if lines
        .iter()
        .all(|l| super::system::apk_split(l.trim()).is_some())
    {
        return Some(Format::ApkInfo);
    }
    None
}

/// `ii  name  version  arch  description`: two state letters, an optional
/// error letter, then two spaces.
fn is_dpkg_l_row(l: &str) -> bool {
    let b = l.as_bytes();
    b.len() > 5
        && matches!(b[0], b'u' | b'i' | b'h' | b'r' | b'p')
        && matches!(b[1], b'n' | b'c' | b'H' | b'U' | b'F' | b'W' | b't' | b'i')
        && (b[2..4] == *b"  " || (b[2].is_ascii_uppercase() && b[3] == b' '))
        && l.split_whitespace().count() >= 4
}

/// `name<TAB>version` with a Debian package name and a version that
/// starts with a digit (or is empty: not installed).
fn is_dpkg_query_row(l: &str) -> bool {
    let Some((n, v)) = l.split_once('\t') else {
        return false;
    };
    let name_ok = n.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.:".contains(&b));
    name_ok && !v.contains('\t') && (v.is_empty() || v.starts_with(|c: char| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_table() {
        let cases: &[(&str, &str, Option<Format>)] = &[
            (
                "package-lock.json",
                "{\n  \"lockfileVersion\": 3,\n",
                Some(Format::NpmLock(3)),
            ),
            // QA: an oracle's expected.json was read as a lockfile.
            (
                "expected.json",
                "{\n \"inputs\": {\"before\": {\"lockfileVersion\": \"6.0\"}}}\n",
                None,
            ),
            (
                "package-lock.json",
                "{\"name\": \"x\", \"dependencies\": {",
                Some(Format::NpmLock(1)),
            ),
            (
                "app/package.json",
                "{\"name\": \"x\"}",
                Some(Format::PackageJson),
            ),
            (
                "yarn.lock",
                "# yarn lockfile v1\n\na@1:\n  version \"1\"\n",
                Some(Format::YarnV1),
            ),
            (
                "yarn.lock",
                "__metadata:\n  version: 8\n",
                Some(Format::YarnBerry),
            ),
            (
                "pnpm-lock.yaml",
                "lockfileVersion: '9.0'\n",
                Some(Format::Pnpm(9)),
            ),
            (
                "pnpm-lock.yaml",
                "lockfileVersion: 5.3\n",
                Some(Format::Pnpm(5)),
            ),
            (
                "Cargo.lock",
                "version = 3\n\n[[package]]\nname = \"a\"\n",
                Some(Format::CargoLock),
            ),
            (
                "q.txt",
                "jq\t1.6-2.1+deb12u1\nlibjq1:amd64\t1.6\ntree\t\n",
                Some(Format::DpkgQuery),
            ),
            (
                "freeze.txt",
                "certifi==2020.12.5\nrequests==2.25.1\n",
                Some(Format::PipFreeze),
            ),
            (
                "requirements.txt",
                "requests>=2.0\n# c\n",
                Some(Format::Requirements),
            ),
            (
                "rpm-qa.txt",
                "bash-5.1.8-6.el9.x86_64\nzlib-1.2.11-40.el9.x86_64\n",
                Some(Format::RpmQa),
            ),
            (
                "apk.txt",
                "musl-1.2.4-r2\nbusybox-1.36.1-r5\n",
                Some(Format::ApkInfo),
            ),
            (
                "dpkg.log",
                "2026-12-04 15:38:59 status installed jq:amd64 1.6-2.1+deb12u3\n",
                Some(Format::DpkgLog),
            ),
            (
                "x.patch",
                "diff --git a/yarn.lock b/yarn.lock\n",
                Some(Format::Patch),
            ),
            ("notes.txt", "hello world\n", None),
            (
                "pg.log",
                "2026-12-04 15:38:59 UTC [12] LOG: checkpoint\n",
                None,
            ),
            ("metrics.tsv", "mem.used\t123\ncpu\t4\n", None),
            ("notes.sh", "# only\n# comments\n", None),
            ("story.txt", "it  was a dark night\n", None),
        ];
        for (path, text, want) in cases {
            assert_eq!(detect(path, text), *want, "{path}: {text:?}");
        }
    }
}
