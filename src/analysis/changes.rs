//! Dependency changes as findings and as candidate causes.
//!
//! Changes are grouped by the pair of snapshots they come from (one
//! deploy). A problem is linked to a change only when its kind is one that
//! code changes cause (a `TypeError: x is not a function` after a bump);
//! other problems that follow a change get it named as "also changed",
//! never as the cause, since a capacity or network fault does not become
//! a dependency bug by happening after a deploy.

use crate::deps::{Change, DepsOutcome};
use crate::model::{Evidence as Ev, Finding, Tier};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

/// How long after a dependency change a dependency-sensitive error still
/// points at it.
const CHANGE_WINDOW: SignedDuration = SignedDuration::from_hours(24);

/// The changes of one snapshot pair.
pub(crate) struct Deploy<'a> {
    pub before: &'a str,
    pub after: &'a str,
    pub time: Option<Timestamp>,
    pub changes: Vec<&'a Change>,
    /// The log line that first shows the new versions running.
    pub placed: Option<&'a Ev>,
}

impl Deploy<'_> {
    /// `pg 8.11.3 → 8.12.0, +2 removed`: direct changes first.
    pub fn headline(&self) -> String {
        let mut sorted = self.changes.clone();
        sorted.sort_by_key(|c| {
            (
                c.direct != Some(true),
                !is_version_move(c),
                c.package.clone(),
            )
        });
        let shown: Vec<String> = sorted.iter().take(3).map(|c| describe(c)).collect();
        let rest = self.changes.len().saturating_sub(shown.len());
        let mut s = shown.join(", ");
        if rest > 0 {
            s.push_str(&format!(" and {rest} more"));
        }
        s
    }

    pub(crate) fn evidence(&self) -> Ev {
        Ev {
            path: self.after.to_string(),
            line: None,
            time: self.time,
            excerpt: format!("{} → {}: {}", self.before, self.after, self.headline()),
        }
    }
}

fn is_version_move(c: &Change) -> bool {
    matches!(c.kind.as_str(), "upgraded" | "downgraded" | "changed")
}

/// One change in words.
pub(crate) fn describe(c: &Change) -> String {
    match (c.from.as_deref(), c.to.as_deref()) {
        (Some(f), Some(t)) => format!("{} {f} → {t}", c.package),
        (None, Some(t)) => format!("{} {t} added", c.package),
        (Some(f), None) => format!("{} {f} removed", c.package),
        (None, None) => format!("{} {}", c.package, c.kind),
    }
}

pub(crate) fn deploys<'a>(deps: &'a DepsOutcome, placed: &'a [(String, Ev)]) -> Vec<Deploy<'a>> {
    let mut by: BTreeMap<(&str, &str), Deploy> = BTreeMap::new();
    for c in &deps.changes {
        let d = by.entry((&c.before, &c.after)).or_insert_with(|| Deploy {
            before: &c.before,
            after: &c.after,
            time: c.time,
            changes: Vec::new(),
            placed: placed.iter().find(|(p, _)| p == &c.after).map(|(_, e)| e),
        });
        d.time = d.time.max(c.time);
        d.changes.push(c);
    }
    let mut v: Vec<Deploy> = by.into_values().collect();
    v.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.after.cmp(b.after)));
    v
}

/// A finding per deploy, and one per known-compromised package.
pub(crate) fn findings(deps: &DepsOutcome, deploys: &[Deploy]) -> Vec<Finding> {
    let mut out: Vec<Finding> = deploys
        .iter()
        .map(|d| {
            let direct = d.changes.iter().filter(|c| c.direct == Some(true)).count();
            let major = d.changes.iter().filter(|c| c.has("major")).count();
            let risky = d
                .changes
                .iter()
                .filter(|c| {
                    c.has("install-script-added")
                        || c.has("http-downgrade")
                        || c.has("hash-value-changed")
                        || c.has("git-source")
                        || c.has("git-repository-changed")
                })
                .count();
            Finding {
                kind: "deps.change".into(),
                tier: Tier::Dependencies,
                title: format!("Dependencies changed: {}", d.headline()),
                detail: format!(
                    "{} between {} and {} ({direct} direct, {major} major, {risky} with \
                     install scripts, http, changed hashes or code now from another git \
                     repository).",
                    crate::model::count(d.changes.len(), "change", "changes"),
                    d.before,
                    d.after
                ),
                score: 3.0
                    + (direct.min(3) as f64) * 0.5
                    + (major.min(3) as f64) * 0.5
                    + risky.min(2) as f64,
                time: d.time,
                end: None,
                evidence: std::iter::once(d.evidence())
                    .chain(d.placed.cloned())
                    .collect(),
            }
        })
        .collect();
    for k in &deps.known_compromised {
        out.push(Finding {
            kind: "deps.known_compromised".into(),
            tier: Tier::Dependencies,
            title: format!(
                "Known-compromised package present: {} {}",
                k.package, k.version
            ),
            detail: k.note.clone(),
            score: 28.0,
            time: None,
            end: None,
            evidence: vec![Ev {
                path: k.path.clone(),
                line: None,
                time: None,
                excerpt: format!("{} {}", k.package, k.version),
            }],
        });
    }
    for s in &deps.skew {
        let versions: Vec<String> = s
            .instances
            .iter()
            .map(|i| format!("{} in {}", i.versions.join("/"), i.path))
            .collect();
        out.push(Finding {
            kind: "deps.version_skew".into(),
            tier: Tier::Dependencies,
            title: format!("Version skew: {} differs between instances", s.package),
            detail: format!("{}: {}.", s.package, versions.join("; ")),
            score: 6.0,
            time: None,
            end: None,
            evidence: s
                .instances
                .iter()
                .map(|i| Ev {
                    path: i.path.clone(),
                    line: None,
                    time: None,
                    excerpt: format!("{} {}", s.package, i.versions.join(", ")),
                })
                .collect(),
        });
    }
    out
}

/// Links a problem finding to a deploy. A deploy whose changed package
/// the error's stack trace runs through is blamed outright. Otherwise,
/// errors that code changes cause are blamed on the deploy before them (or
/// on the latest one, when the error carries no time) and ranked up;
/// other errors only mention a deploy shortly before them.
pub(crate) fn link(f: &mut Finding, sensitive: bool, stack: &str, deploys: &[Deploy]) {
    for frame in stack_packages(stack) {
        let hit = deploys.iter().rev().find_map(|d| {
            d.changes
                .iter()
                .find(|c| c.package == frame)
                .map(|c| (d, c))
        });
        if let Some((d, c)) = hit {
            f.detail.push_str(&format!(
                " Its stack trace runs through {}, which changed: {}; that change is the \
                 likely cause.",
                c.package,
                describe(c)
            ));
            // Not "after": the change may carry no time, or only a
            // file's copy time.
            f.title
                .push_str(&format!(", its stack through {}", describe(c)));
            f.score *= 2.0;
            f.evidence.push(d.evidence());
            return;
        }
    }
    let before = |d: &&Deploy| match (f.time, d.time) {
        (Some(first), Some(t)) => t <= first && first.duration_since(t) <= CHANGE_WINDOW,
        (None, _) => sensitive,
        _ => false,
    };
    let Some(d) = deploys.iter().rev().find(before) else {
        return;
    };
    let when = match (f.time, d.time) {
        (Some(first), Some(t)) => format!("{} s after", first.duration_since(t).as_secs()),
        _ => "without a time of its own, in the same bundle as".into(),
    };
    if sensitive {
        f.detail.push_str(&format!(
            " It appears {when} the dependency change {}: errors of this kind come from code \
             that no longer matches its dependencies, so that change is the likely cause.",
            d.headline()
        ));
        f.title.push_str(&format!(" after {}", d.headline()));
        f.score *= 1.5;
    } else {
        f.detail.push_str(&format!(
            " Dependencies also changed shortly before ({}); errors of this kind are not \
             known to come from such a change.",
            d.headline()
        ));
    }
    f.evidence.push(d.evidence());
}

/// The package each stack frame runs in, innermost `node_modules` folder
/// of the frame's path, top frame first.
fn stack_packages(stack: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in stack.lines() {
        let Some(i) = line.rfind("node_modules/") else {
            continue;
        };
        let rest = &line[i + "node_modules/".len()..];
        let mut parts = rest.split('/');
        let name = match parts.next() {
            Some(scope) if scope.starts_with('@') => {
                format!("{scope}/{}", parts.next().unwrap_or(""))
            }
            Some(n) => n.to_string(),
            None => continue,
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Places changes in time from the logs: the first log line that names a
/// directly changed package beside its new version (`"pg_version":"8.12.0"`
/// in a start-up line) shows the new version running, so the change
/// happened by then. File times in a bundle are often copy times, so a log
/// line is the better witness where one exists. Returns, per changed
/// snapshot, the line used.
pub(crate) fn place_by_logs(
    bundle: &crate::bundle::Bundle,
    items: &[super::pipeline::Item],
    deps: &mut DepsOutcome,
) -> Vec<(String, Ev)> {
    use super::pipeline::Parsed;
    let mut placed: Vec<(String, Ev)> = Vec::new();
    let wanted: Vec<(String, String, String)> = deps
        .changes
        .iter()
        .filter(|c| c.direct == Some(true))
        .filter_map(|c| Some((c.after.clone(), c.package.clone(), c.to.clone()?)))
        .take(50)
        .collect();
    for (after, package, version) in wanted {
        let finder = memchr::memmem::Finder::new(version.as_bytes());
        let mut best: Option<Ev> = None;
        for (entry, item) in bundle.entries.iter().zip(items) {
            let Parsed::Log { log, .. } = &item.parsed else {
                continue;
            };
            for at in finder.find_iter(&entry.data) {
                let Some(ev) = witness(&entry.data, at, &package, &version, log, &item.path) else {
                    continue;
                };
                if best.as_ref().is_none_or(|b| ev.time < b.time) {
                    best = Some(ev);
                }
                break;
            }
        }
        let Some(ev) = best else { continue };
        for c in deps.changes.iter_mut().filter(|c| c.after == after) {
            c.time = ev.time;
        }
        if !placed.iter().any(|(p, _)| p == &after) {
            placed.push((after, ev));
        }
    }
    placed
}

/// Takes back the time of changes whose only witness is their file's
/// modification time when that time is later than every log record:
/// copying a file into a bundle sets it, and a change after the logs end
/// explains nothing in them (a 2026 copy time on a 2020 incident's
/// lockfile put the change six years after the error it caused). The
/// file's inventory line says why its changes have no time.
pub(crate) fn unplace_copy_times(
    bundle: &crate::bundle::Bundle,
    deps: &mut DepsOutcome,
    placed: &[(String, Ev)],
    last_log: Option<Timestamp>,
) {
    let Some(last_log) = last_log else { return };
    let mut afters: Vec<String> = deps.changes.iter().map(|c| c.after.clone()).collect();
    afters.sort();
    afters.dedup();
    for after in afters {
        if placed.iter().any(|(p, _)| *p == after) || crate::time::from_path(&after).is_some() {
            continue;
        }
        let Some(mtime) = bundle
            .entries
            .iter()
            .find(|e| e.path == after)
            .and_then(|e| e.mtime)
        else {
            continue;
        };
        let mut moved = 0;
        for c in deps.changes.iter_mut().filter(|c| c.after == after) {
            if c.time == Some(mtime) && mtime > last_log {
                c.time = None;
                moved += 1;
            }
        }
        if moved == 0 {
            continue;
        }
        let why = format!(
            "its {} not placed in time: the file's only time, its modification time {}, \
             is later than every log record (the last at {}), as a copy into the bundle \
             makes it",
            crate::model::count(moved, "change is", "changes are"),
            mtime.strftime("%Y-%m-%d %H:%M:%S UTC"),
            last_log.strftime("%Y-%m-%d %H:%M:%S UTC"),
        );
        if let Some(info) = deps.files.iter_mut().find(|f| f.path == after) {
            info.reason = Some(match info.reason.take() {
                Some(r) => format!("{r}; {why}"),
                None => why,
            });
        }
    }
}

/// The log record holding byte `at`, if its line names `package` and the
/// version stands alone there (not inside a longer version).
fn witness(
    data: &[u8],
    at: usize,
    package: &str,
    version: &str,
    log: &crate::logs::LogFile,
    path: &str,
) -> Option<Ev> {
    let start = memchr::memrchr(b'\n', &data[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |i| at + i);
    let line = String::from_utf8_lossy(&data[start..end]);
    let ok_edge = |b: Option<&u8>| b.is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'.');
    if !ok_edge(data.get(at + version.len())) || !ok_edge(at.checked_sub(1).map(|i| &data[i])) {
        return None;
    }
    if !line.contains(package) {
        return None;
    }
    let line_no = memchr::memchr_iter(b'\n', &data[..start]).count() as u64 + 1;
    let i = log
        .records
        .partition_point(|r| r.line <= line_no)
        .checked_sub(1)?;
    let rec = &log.records[i];
    Some(Ev {
        path: path.to_string(),
        line: Some(line_no),
        time: Some(rec.time?),
        excerpt: crate::model::excerpt(&line, 240),
    })
}
