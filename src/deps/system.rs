//! OS and Python package lists: `dpkg -l`, `dpkg-query -W`, `rpm -qa`,
//! `apk info -v`, `pip freeze`, requirements files, and the logs that say
//! when packages changed: `/var/log/dpkg.log` and apt's `history.log`.
//!
//! # Limitations
//! dpkg names keep the `:arch` suffix exactly as dpkg prints it, so a
//! package listed once with and once without it counts as two names. rpm
//! lines are split as name-version-release.arch from the right; a name
//! with no arch suffix needs a version that starts with a digit. apk lines
//! need the `-rN` release suffix. Requirements files keep a range such as
//! `>=2.0` as the "version", which compares as `changed`. Log times are
//! read as UTC (dpkg writes local time without a zone). Which packages of
//! a requirements file are direct is known only from pip-compile's
//! `# via` notes, or when some line is not an exact `==` pin (a file
//! written by hand); a file of exact pins alone may be `pip freeze`
//! output, so its packages' `direct` is unknown.

use std::sync::LazyLock;

use jiff::civil::DateTime;
use jiff::Timestamp;
use regex::Regex;

use super::lockfile::{Format, Instance, ParseError, Parsed};

static DPKG_L: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^
        ([a-zA-Z])([a-zA-Z])([a-zA-Z\ ]?)  # desired, status, error flags
        \s+(\S+)\s+(\S+)\s+(\S+)           # name, version, architecture
        \s*(.*)$                           # description",
    )
    .unwrap()
});

/// `dpkg -l`: rows whose status letter is not `n` (not installed) or `c`
/// (config files only).
pub fn parse_dpkg_l(text: &str) -> Result<Parsed, ParseError> {
    let mut p = Parsed::new(Format::DpkgL);
    for line in text.lines() {
        if line.starts_with("Desired=") || line.starts_with("||/") {
            continue;
        }
        let Some(c) = DPKG_L.captures(line) else {
            continue;
        };
        if matches!(&c[2], "n" | "c") {
            continue;
        }
        p.instances.push(Instance {
            name: c[4].to_string(),
            version: c[5].to_string(),
            path: format!("{} {}", &c[4], &c[6]),
            ..Instance::default()
        });
    }
    Ok(p)
}

/// `dpkg-query -W`: `name<TAB>version`; an empty version is not installed.
pub fn parse_dpkg_query(text: &str) -> Result<Parsed, ParseError> {
    let mut p = Parsed::new(Format::DpkgQuery);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut parts = line.split('\t');
        let name = parts.next().unwrap_or("");
        let version = parts.next().unwrap_or("").trim();
        if !version.is_empty() {
            p.instances.push(Instance::plain(name, version, name));
        }
    }
    Ok(p)
}

const RPM_ARCHES: [&str; 10] = [
    "x86_64", "noarch", "i686", "i386", "aarch64", "ppc64le", "s390x", "armv7hl", "src", "arm64",
];

/// Splits `bash-5.1.8-6.el9.x86_64` into (`bash`, `5.1.8-6.el9`).
pub fn rpm_split(line: &str) -> Option<(&str, &str)> {
    let body = match line.rsplit_once('.') {
        Some((b, arch)) if RPM_ARCHES.contains(&arch) => b,
        _ => line,
    };
    let (rest, _release) = body.rsplit_once('-')?;
    let (name, _version) = rest.rsplit_once('-')?;
    let vr = &body[name.len() + 1..];
    (!name.is_empty() && vr.starts_with(|c: char| c.is_ascii_digit()) && !line.contains(' '))
        .then_some((name, vr))
}

/// Splits `musl-1.2.4-r2` into (`musl`, `1.2.4-r2`).
pub fn apk_split(line: &str) -> Option<(&str, &str)> {
    let (rest, rel) = line.rsplit_once('-')?;
    if !(rel.starts_with('r') && rel.len() > 1 && rel[1..].bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let (name, version) = rest.rsplit_once('-')?;
    let ok = !name.is_empty() && version.starts_with(|c: char| c.is_ascii_digit());
    (ok && !line.contains(' ')).then_some((name, &line[name.len() + 1..]))
}

fn parse_split(
    text: &str,
    format: Format,
    split: fn(&str) -> Option<(&str, &str)>,
) -> Result<Parsed, ParseError> {
    let mut p = Parsed::new(format);
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let Some((name, version)) = split(line.trim()) else {
            let msg = format!("expected name-version such as `musl-1.2.4-r2`, found `{line}`");
            return Err(ParseError::new("parse-error", Some(i as u64 + 1), msg));
        };
        p.instances
            .push(Instance::plain(name, version, line.trim()));
    }
    Ok(p)
}

pub fn parse_rpm(text: &str) -> Result<Parsed, ParseError> {
    parse_split(text, Format::RpmQa, rpm_split)
}

pub fn parse_apk(text: &str) -> Result<Parsed, ParseError> {
    parse_split(text, Format::ApkInfo, apk_split)
}

/// PEP 503 normalised project name.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

static PIP_PIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(===?|>=|<=|~=|!=|>|<)\s*([^;#\s]+)").unwrap()
});
static PIP_URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s+@\s+(\S+)").unwrap());
static PIP_EDITABLE_NOTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\(([A-Za-z0-9_.\-]+)==([^)\s]+)\)\s*$").unwrap());
static EGG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"#egg=([A-Za-z0-9_.\-]+)").unwrap());

/// Whether a line reads as pip freeze or requirements content.
pub fn is_pip_line(l: &str) -> bool {
    let l = l.trim();
    l.starts_with('#')
        || l.starts_with("-e ")
        || l.starts_with("-r ")
        || l.starts_with("--")
        || PIP_PIN.is_match(l)
        || PIP_URL.is_match(l)
}

/// `pip freeze` and requirements files. Editable installs take their
/// version from pip's comment line when there is one.
pub fn parse_pip(text: &str, format: Format) -> Result<Parsed, ParseError> {
    let mut p = Parsed::new(format);
    let mut pending: Option<(String, String)> = None;
    let mut via = Via::default();
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if via.note(line, p.instances.last().map(|i| i.name.as_str())) {
            continue;
        }
        if line.starts_with('#') {
            pending = PIP_EDITABLE_NOTE
                .captures(line)
                .map(|c| (c[1].into(), c[2].into()));
            continue;
        }
        let base = Instance {
            path: line.to_string(),
            ..Instance::default()
        };
        if let Some(url) = line.strip_prefix("-e ").map(str::trim) {
            let (name, version) = match pending.take() {
                Some((n, v)) => (pep503(&n), v),
                None => match EGG.captures(url) {
                    Some(c) => (pep503(&c[1]), url.to_string()),
                    None => (url.to_string(), url.to_string()),
                },
            };
            p.instances.push(Instance {
                name,
                version,
                resolved: Some(url.into()),
                ..base
            });
            continue;
        }
        pending = None;
        if let Some(c) = PIP_PIN.captures(line) {
            let version = match &c[3] {
                "==" | "===" => c[4].to_string(),
                op => format!("{op}{}", &c[4]),
            };
            p.instances.push(Instance {
                name: pep503(&c[1]),
                version,
                ..base
            });
        } else if let Some(c) = PIP_URL.captures(line) {
            let url = c[3].to_string();
            let i = Instance {
                name: pep503(&c[1]),
                version: url.clone(),
                ..base
            };
            p.instances.push(Instance {
                resolved: Some(url),
                ..i
            });
        }
    }
    if !via.by.is_empty() {
        // pip-compile's notes, whatever the file is named.
        p.direct = Some(via.direct());
    } else if format == Format::Requirements {
        // `pip freeze` writes exact pins, editable installs and no option.
        let exact_pins_only = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|l| !l.is_empty() && !l.starts_with("-e ") && !l.starts_with("--"))
            .all(|l| PIP_PIN.captures(l).is_some_and(|c| &c[3] == "=="));
        p.direct = if exact_pins_only {
            None
        } else {
            Some(p.instances.iter().map(|i| i.name.clone()).collect())
        };
    }
    Ok(p)
}

/// pip-compile's notes of why each package is in a requirements file:
/// `# via -r requirements.in` (asked for by the project) or `# via
/// requests` (pulled in), on the pin's line or on comment lines under it.
#[derive(Default)]
struct Via {
    by: std::collections::BTreeMap<String, Vec<String>>,
    /// The package whose `# via` list is open.
    open: Option<String>,
}

impl Via {
    /// Takes `line` when it is part of a `# via` note (true), given the
    /// package read last.
    fn note(&mut self, line: &str, last: Option<&str>) -> bool {
        let (code, comment) = match line.split_once('#') {
            Some((c, m)) => (c.trim(), m.trim()),
            None => (line, ""),
        };
        if let Some(rest) = comment.strip_prefix("via") {
            let owner = if code.is_empty() {
                last.map(str::to_string)
            } else {
                PIP_PIN.captures(code).map(|c| pep503(&c[1]))
            };
            if let Some(owner) = owner {
                let entry = self.by.entry(owner.clone()).or_default();
                entry.extend(
                    rest.split(',')
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty()),
                );
                self.open = Some(owner);
            }
            // A pin with the note on its line is read as a pin too.
            return code.is_empty();
        }
        match (&self.open, code.is_empty() && line.starts_with('#')) {
            (Some(owner), true) => {
                self.by
                    .entry(owner.clone())
                    .or_default()
                    .push(comment.to_string());
                true
            }
            _ => {
                self.open = None;
                false
            }
        }
    }

    /// Packages a requirement of the project asked for (`-r file`,
    /// `-c file`, setup.py, pyproject.toml).
    fn direct(&self) -> std::collections::BTreeSet<String> {
        let ours = |v: &String| {
            v.starts_with("-r ")
                || v.starts_with("-c ")
                || v.ends_with(".in")
                || v.ends_with(".py")
                || v.ends_with(".toml")
                || v.ends_with(".cfg")
        };
        self.by
            .iter()
            .filter(|(_, vs)| vs.iter().any(ours))
            .map(|(n, _)| n.clone())
            .collect()
    }
}

/// One package action from dpkg.log or apt's history.log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEvent {
    pub time: Option<Timestamp>,
    /// `install`, `upgrade`, `downgrade`, `remove`, `purge`, or for dpkg.log
    /// status lines `status installed` / `status not-installed`.
    pub action: String,
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub line: u64,
}

static DPKG_LOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^(\d{4}-\d\d-\d\d\ \d\d:\d\d:\d\d)\s+    # local time, no zone
        (install|upgrade|remove|purge|status\ installed|status\ not-installed)\s+
        (\S+)\s+(\S+)(?:\s+(\S+))?",
    )
    .unwrap()
});

/// A dpkg.log line: local time, then one of dpkg's own verbs.
pub fn is_dpkg_log_line(l: &str) -> bool {
    const VERBS: [&str; 9] = [
        "startup",
        "status",
        "configure",
        "install",
        "upgrade",
        "remove",
        "purge",
        "trigproc",
        "conffile",
    ];
    let b = l.as_bytes();
    let stamp = b.len() > 20
        && b[4] == b'-'
        && b[10] == b' '
        && b[13] == b':'
        && b[..4].iter().all(u8::is_ascii_digit);
    stamp
        && l.get(20..)
            .and_then(|rest| rest.split(' ').next())
            .is_some_and(|w| VERBS.contains(&w))
}

fn utc(s: &str) -> Option<Timestamp> {
    let dt: DateTime = s
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .parse()
        .ok()?;
    dt.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

fn none_as_empty(v: Option<&str>) -> Option<String> {
    v.filter(|v| *v != "<none>").map(str::to_string)
}

/// Reads dpkg.log package actions (configure/trigproc lines are skipped).
pub fn parse_dpkg_log(text: &str) -> Vec<LogEvent> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(c) = DPKG_LOG.captures(line) else {
            continue;
        };
        let action = c[2].to_string();
        let (from, to) = if action.starts_with("status") {
            (None, none_as_empty(c.get(4).map(|m| m.as_str())))
        } else {
            (
                none_as_empty(c.get(4).map(|m| m.as_str())),
                none_as_empty(c.get(5).map(|m| m.as_str())),
            )
        };
        let name = c[3].to_string();
        let time = utc(&c[1]);
        out.push(LogEvent {
            time,
            action,
            name,
            from,
            to,
            line: i as u64 + 1,
        });
    }
    out
}

static APT_ITEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\S+) \(([^,)]+)(?:, ([^)]+))?\)").unwrap());

/// Reads apt's history.log: `Install:`, `Upgrade:`, `Downgrade:`,
/// `Remove:` and `Purge:` lines, timed by the block's `Start-Date:`.
pub fn parse_apt_history(text: &str) -> Vec<LogEvent> {
    let mut out = Vec::new();
    let mut time = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(d) = line.strip_prefix("Start-Date:") {
            time = utc(d.trim());
            continue;
        }
        let Some((verb, items)) = line.split_once(": ") else {
            continue;
        };
        let action = match verb {
            "Install" | "Reinstall" => "install",
            "Upgrade" => "upgrade",
            "Downgrade" => "downgrade",
            "Remove" => "remove",
            "Purge" => "purge",
            _ => continue,
        };
        for c in APT_ITEM.captures_iter(items) {
            let a = c[2].trim().to_string();
            let b = c.get(3).map(|m| m.as_str().trim().to_string());
            let (from, to) = match action {
                "install" => (None, Some(a)),
                "remove" | "purge" => (Some(a), None),
                _ => (Some(a), b),
            };
            let name = c[1].to_string();
            let ev = LogEvent {
                time,
                action: action.into(),
                name,
                from,
                to,
                line: i as u64 + 1,
            };
            out.push(ev);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real pip-compile output: its `# via` notes say which pins are the
    /// project's own.
    #[test]
    fn pip_compile_notes_tell_direct_packages() {
        let text = include_str!("../../fixtures/deps/pip-compile/requirements.txt");
        let p = parse_pip(text, Format::Requirements).unwrap();
        assert_eq!(p.instances.len(), 5);
        let direct: Vec<_> = p.direct.unwrap().into_iter().collect();
        assert_eq!(direct, ["requests", "urllib3"]);
    }

    /// QA: `pip freeze` saved as requirements.txt made every package
    /// direct; exact pins alone cannot tell, a hand-written range can.
    #[test]
    fn frozen_pins_leave_direct_unknown() {
        let frozen = "certifi==2024.2.2\nrequests==2.31.0\n-e git+https://x/y.git@1#egg=y\n";
        assert_eq!(
            parse_pip(frozen, Format::Requirements).unwrap().direct,
            None
        );
        let written = "requests>=2.31\nflask==3.0.0\n";
        let p = parse_pip(written, Format::Requirements).unwrap();
        assert_eq!(p.direct.unwrap().len(), 2);
    }

    #[test]
    fn dpkg_l_skips_removed_rows() {
        let dl = "Desired=Unknown/Install/Remove/Purge/Hold\n||/ Name  Version  Architecture \
                  Description\n+++-=====-=====-=====-=====\nii  jq  1.6-2.1+deb12u1  amd64  \
                  lightweight\nrc  old  1.0  amd64  gone\n";
        let p = parse_dpkg_l(dl).unwrap();
        let got: Vec<_> = p
            .instances
            .iter()
            .map(|i| (&*i.name, &*i.version))
            .collect();
        assert_eq!(got, [("jq", "1.6-2.1+deb12u1")]);
    }

    #[test]
    fn split_table() {
        assert_eq!(
            rpm_split("bash-5.1.8-6.el9.x86_64"),
            Some(("bash", "5.1.8-6.el9"))
        );
        assert_eq!(
            rpm_split("python3-libs-3.9.18-1.el9.x86_64"),
            Some(("python3-libs", "3.9.18-1.el9"))
        );
        assert_eq!(apk_split("musl-1.2.4-r2"), Some(("musl", "1.2.4-r2")));
        assert_eq!(
            apk_split("ca-certificates-bundle-20240226-r0"),
            Some(("ca-certificates-bundle", "20240226-r0"))
        );
        assert_eq!(apk_split("hello world"), None);
    }

    #[test]
    fn pip_editable_and_urls() {
        let text = "# Editable install with no version control (local_tool==0.1.0)\n-e /tmp/localtool\n\
                    foo @ file:///tmp/foo\nRequests==2.31.0\n-e git+https://x/y.git@abc#egg=Bar_Baz\n";
        let p = parse_pip(text, Format::PipFreeze).unwrap();
        let got: Vec<_> = p
            .instances
            .iter()
            .map(|i| (&*i.name, &*i.version))
            .collect();
        assert_eq!(
            got,
            [
                ("local-tool", "0.1.0"),
                ("foo", "file:///tmp/foo"),
                ("requests", "2.31.0"),
                ("bar-baz", "git+https://x/y.git@abc#egg=Bar_Baz")
            ]
        );
    }

    #[test]
    fn logs() {
        let log = "2026-12-04 15:38:58 upgrade jq:amd64 1.6-2.1+deb12u3 1.6-2.1+deb12u1\n\
                   2026-12-04 15:38:59 status installed jq:amd64 1.6-2.1+deb12u1\n\
                   2026-12-04 15:38:59 configure jq:amd64 1.6-2.1+deb12u1 <none>\n";
        let ev = parse_dpkg_log(log);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].from.as_deref(), Some("1.6-2.1+deb12u3"));
        assert_eq!(ev[1].time.unwrap().to_string(), "2026-12-04T15:38:59Z");
        let hist = "Start-Date: 2026-12-04  15:38:58\nCommandline: apt-get install tree\n\
                    Install: tree:amd64 (2.1.0-1)\nUpgrade: jq:amd64 (1.6-2.1+deb12u1, 1.6-2.1+deb12u3)\n\
                    End-Date: 2026-12-04  15:38:59\n";
        let ev = parse_apt_history(hist);
        let got: Vec<_> = ev
            .iter()
            .map(|e| (&*e.action, &*e.name, e.to.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("install", "tree:amd64", Some("2.1.0-1")),
                ("upgrade", "jq:amd64", Some("1.6-2.1+deb12u3"))
            ]
        );
    }
}
