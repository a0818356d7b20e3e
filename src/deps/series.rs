//! From the files of one bundle to changes: grouping into series, ordering
//! in time, pairwise diffs, diffs read from patches, version skew across
//! sibling hosts.
//!
//! A series is the same logical file seen several times: the path with
//! its time tokens (`2026-12-04_1500`) and before/after words removed is
//! its key. Within a series, files are ordered by the time in their path,
//! else their mtime, else by before/after words and name. Sibling series
//! whose paths differ in one folder only (`web-1/` vs `web-2/`) are
//! instances of one tier: their latest snapshots are compared for skew.
//!
//! # Limitations
//! A failed file is left out of its series, so its neighbours are compared
//! with each other. Times in paths and logs are read as UTC.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use jiff::Timestamp;
use rayon::prelude::*;
use regex::Regex;

use super::input::{self, Diagnostic, Severity};
use super::lockfile::{self, base_name, Format, Parsed};
use super::system::{self, LogEvent};
use super::{known_bad, patch, version};
use super::{
    Change, DepFile, DepFileInfo, DepsOutcome, FormatChange, KnownBad, Skew, SkewInstance,
};

/// One input after reading and parsing.
struct Loaded<'a> {
    path: &'a str,
    text: String,
    format: Option<Format>,
    parsed: Option<Parsed>,
    diagnostics: Vec<Diagnostic>,
    time: Option<Timestamp>,
}

fn load<'a>(f: &DepFile<'a>) -> Loaded<'a> {
    let read = input::read(f.bytes);
    let mut diagnostics = read.diagnostics.clone();
    let time = crate::time::from_path(f.path).or(f.mtime);
    let format = if read.has_error() {
        lockfile::detect(f.path, &String::from_utf8_lossy(f.bytes))
    } else {
        lockfile::detect(f.path, &read.text)
    };
    let mut parsed = None;
    if !read.has_error() {
        match format {
            Some(fmt) if fmt.is_snapshot() || fmt == Format::PackageJson => {
                match super::parse_text(fmt, &read.text) {
                    Ok(p) => parsed = Some(p),
                    Err(e) => {
                        let msg = with_size_cap(&e.message, f.bytes.len());
                        diagnostics.push(Diagnostic::error(e.code, e.line, msg))
                    }
                }
            }
            Some(_) => {}
            None => {
                let msg = "not a lockfile, manifest, package list or diff this tool reads";
                diagnostics.push(Diagnostic::error("unknown-format", None, msg));
            }
        }
    }
    if diagnostics.iter().any(|d| d.code == "merge-conflict") {
        diagnostics.extend(conflict_note(f.path, &read.text));
    }
    let text = read.text.into_owned();
    Loaded {
        path: f.path,
        text,
        format,
        parsed,
        diagnostics,
        time,
    }
}

/// What the two sides of a conflicted lockfile disagree on, as a note:
/// package versions when both sides parse and differ, else the lines of the
/// first region.
fn conflict_note(path: &str, text: &str) -> Option<Diagnostic> {
    let (ours, theirs, on, tn) = input::conflict_sides(text);
    let fmt = lockfile::detect(path, &ours)?;
    let parsed = (
        super::parse_text(fmt, &ours),
        super::parse_text(fmt, &theirs),
    );
    let changes = match parsed {
        (Ok(a), Ok(b)) => super::diff::diff(&a, &b).changes,
        _ => Vec::new(),
    };
    let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "absent".into());
    let mut shown: Vec<String> = changes
        .iter()
        .take(6)
        .map(|c| format!("{} {} ({on}) vs {} ({tn})", c.package, v(&c.from), v(&c.to)))
        .collect();
    if shown.is_empty() {
        let region = |start: &str, stop: &str| -> String {
            let lines = text.lines().skip_while(|l| !l.starts_with(start)).skip(1);
            let kept: Vec<&str> = lines
                .take_while(|l| !l.starts_with(stop))
                .map(str::trim)
                .collect();
            kept.join("; ")
        };
        shown.push(format!(
            "{on} has `{}`, {tn} has `{}`",
            region("<<<<<<<", "======="),
            region("=======", ">>>>>>>")
        ));
    }
    let more = changes.len().saturating_sub(shown.len());
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let msg = format!("the conflict's sides differ: {}{tail}", shown.join(", "));
    Some(Diagnostic::warning("merge-conflict-sides", None, msg))
}

/// Names a power-of-two file size as the likely cause of a cut.
fn with_size_cap(msg: &str, len: usize) -> String {
    if msg.contains("truncated") && !msg.contains("KiB") && len.is_power_of_two() && len >= 4096 {
        format!(
            "{msg}; the file is {} KiB exactly, a likely collector size cap",
            len / 1024
        )
    } else {
        msg.to_string()
    }
}

impl Loaded<'_> {
    fn failed(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    fn info(&self) -> DepFileInfo {
        let errors: Vec<&Diagnostic> = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        let reason = errors
            .first()
            .copied()
            .or(self.diagnostics.first())
            .map(|d| d.message.clone());
        DepFileInfo {
            path: self.path.to_string(),
            format: self.format.map_or("unknown".into(), Format::name),
            packages: self.parsed.as_ref().map_or(0, |p| p.instances.len()),
            status: if errors.is_empty() {
                "parsed"
            } else {
                "failed"
            }
            .into(),
            reason,
        }
    }
}

/// Groups the files of one bundle into series, orders each in time, diffs
/// consecutive pairs and reads diffs.
pub fn analyze_files(files: &[DepFile]) -> DepsOutcome {
    let mut loaded: Vec<Loaded> = files.par_iter().map(load).collect();
    let mut out = account(&loaded);
    attach_manifests(&mut loaded);
    let series = group(&loaded);
    for s in series.values() {
        for w in s.windows(2) {
            compare(&loaded[w[0]], &loaded[w[1]], &mut out);
        }
        if let Some(&last) = s.last() {
            list_known_bad(&loaded[last], &mut out);
        }
    }
    for (i, l) in loaded.iter().enumerate() {
        if l.format == Some(Format::Patch) && !l.failed() {
            read_patch(i, &loaded, &mut out);
        }
    }
    apply_log_times(&loaded, &mut out);
    out.skew = skew(&loaded, &series);
    out.changes.sort_by(|a, b| {
        (a.time, &a.after, &a.package, &a.kind).cmp(&(b.time, &b.after, &b.package, &b.kind))
    });
    out
}

/// Two snapshots compared as given, `old` then `new`, whatever their paths
/// say (the `deps OLD NEW` command: two files named `x.lock` and `y.lock`
/// are no series by their names, and found no change). A diff among them
/// is read as [`analyze_files`] reads it.
pub fn analyze_pair(old: &DepFile, new: &DepFile) -> DepsOutcome {
    let loaded: Vec<Loaded> = [old, new].par_iter().map(|f| load(f)).collect();
    if loaded.iter().any(|l| l.format == Some(Format::Patch)) {
        return analyze_files(&[*old, *new]);
    }
    let mut out = account(&loaded);
    compare(&loaded[0], &loaded[1], &mut out);
    list_known_bad(&loaded[1], &mut out);
    out
}

/// Each file's inventory line and diagnostics.
fn account(loaded: &[Loaded]) -> DepsOutcome {
    let mut out = DepsOutcome::default();
    for l in loaded {
        out.files.push(l.info());
        out.issues
            .extend(l.diagnostics.iter().map(|d| d.to_issue(l.path)));
    }
    out
}

static TIME_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"20\d\d-?[01]\d-?[0-3]\d(?:[T_\- ]?[0-2]\d[:\-]?[0-5]\d(?:[:\-]?[0-5]\d)?)?Z?")
        .unwrap()
});
static SIDE_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(^|[/._-])(before|after|old|new|prev|previous|current|orig)([/._-]|$)")
        .unwrap()
});

/// Rank of a before/after word in a path: earlier words sort first.
fn side_rank(path: &str) -> u8 {
    let lower = path.to_ascii_lowercase();
    for c in SIDE_WORD.captures_iter(&lower) {
        match &c[2] {
            "before" | "old" | "prev" | "previous" | "orig" => return 0,
            "after" | "new" | "current" => return 2,
            _ => {}
        }
    }
    1
}

/// The series key: folders and name with time tokens and side words cut.
fn series_key(path: &str) -> String {
    let no_time = TIME_TOKEN.replace_all(path, "*");
    let parts: Vec<String> = no_time
        .split('/')
        .map(|c| {
            // `package-lock.before.json` and `package-lock.json` are one
            // series: the side word goes with one of its separators.
            SIDE_WORD
                .replace_all(c, |m: &regex::Captures| {
                    if m[1].is_empty() {
                        String::new()
                    } else {
                        m[3].to_string()
                    }
                })
                .into_owned()
        })
        .collect();
    parts.join("/")
}

fn group(loaded: &[Loaded]) -> BTreeMap<String, Vec<usize>> {
    let mut series: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    // A package.json is diffed only where no npm lockfile sits beside it.
    let lock_dirs: BTreeSet<String> = loaded
        .iter()
        .filter(|l| {
            l.format
                .is_some_and(|f| f.is_snapshot() && f.ecosystem() == "npm")
        })
        .map(|l| dir_stem(l.path).0)
        .collect();
    for (i, l) in loaded.iter().enumerate() {
        let (Some(fmt), Some(_)) = (l.format, &l.parsed) else {
            continue;
        };
        let lone_manifest = fmt == Format::PackageJson && !lock_dirs.contains(&dir_stem(l.path).0);
        if (fmt.is_snapshot() || lone_manifest) && !l.failed() {
            series
                .entry(format!("{}|{}", fmt.family(), series_key(l.path)))
                .or_default()
                .push(i);
        }
    }
    // A failed file still belongs to its series for the inventory, but is
    // not compared: its neighbours are.
    for s in series.values_mut() {
        // An explicit before/after name outranks file times, which in a
        // bundle are often the time it was copied.
        s.sort_by_key(|&i| (side_rank(loaded[i].path), loaded[i].time, loaded[i].path));
    }
    series
}

/// Gives npm v1 and yarn v1 lockfiles the direct names of the package.json
/// beside them.
fn attach_manifests(loaded: &mut [Loaded]) {
    let manifests: Vec<(String, String, BTreeSet<String>)> = loaded
        .iter()
        .filter(|l| l.format == Some(Format::PackageJson))
        .filter_map(|l| {
            let direct = l.parsed.as_ref()?.direct.clone()?;
            let (dir, stem) = dir_stem(l.path);
            Some((
                dir,
                stem.trim_end_matches("package.json")
                    .trim_end_matches('.')
                    .into(),
                direct,
            ))
        })
        .collect();
    for l in loaded.iter_mut() {
        let Some(p) = l.parsed.as_mut() else { continue };
        if p.direct.is_some() || p.format == Format::PackageJson || p.format.ecosystem() != "npm" {
            continue;
        }
        let (dir, stem) = dir_stem(l.path);
        let stem = stem.split('.').next().unwrap_or("");
        let m = manifests
            .iter()
            .find(|(d, s, _)| *d == dir && (s.is_empty() || s == stem));
        if let Some((_, _, direct)) = m {
            p.direct = Some(direct.clone());
        }
    }
}

fn dir_stem(path: &str) -> (String, String) {
    match path.rsplit_once('/') {
        Some((d, n)) => (d.to_string(), n.to_string()),
        None => (String::new(), path.to_string()),
    }
}

/// Diffs two snapshots of one series into `out`.
fn compare(b: &Loaded, a: &Loaded, out: &mut DepsOutcome) {
    let (Some(pb), Some(pa)) = (&b.parsed, &a.parsed) else {
        return;
    };
    let crlf = |l: &Loaded| l.diagnostics.iter().any(|d| d.code == "crlf");
    if crlf(b) != crlf(a) {
        let (c, lf) = if crlf(b) {
            (b.path, a.path)
        } else {
            (a.path, b.path)
        };
        let msg = format!(
            "warning [mixed-line-endings]: {c} uses CRLF and {lf} LF; compared after \
             normalising, so no line or hash counts as changed for it"
        );
        out.issues.push(crate::model::FileIssue {
            path: a.path.into(),
            line: None,
            message: msg,
        });
    }
    push_pair(pb, pa, (b.path, a.path.to_string()), a.time, out);
}

fn push_pair(
    pb: &Parsed,
    pa: &Parsed,
    (before, after): (&str, String),
    time: Option<Timestamp>,
    out: &mut DepsOutcome,
) {
    let d = super::diff::diff(pb, pa);
    if pb.format_detail != pa.format_detail {
        let mut notes = Vec::new();
        if d.folded_checksums > 0 {
            notes.push(format!(
                "{} same-version checksum changes come from the yarn cacheKey change and are \
                 not listed one by one",
                d.folded_checksums
            ));
        }
        if pb.install_scripts_known && !pa.install_scripts_known {
            notes.push("the new format no longer records install scripts".to_string());
        }
        let note = (!notes.is_empty()).then(|| notes.join("; "));
        out.format_changes.push(FormatChange {
            before: before.to_string(),
            after: after.clone(),
            from: pb.format_detail.clone(),
            to: pa.format_detail.clone(),
            time,
            note,
        });
    }
    out.install_paths.extend(d.paths);
    for mut c in d.changes {
        c.before = before.to_string();
        c.after = after.clone();
        c.time = time;
        out.changes.push(c);
    }
}

fn list_known_bad(l: &Loaded, out: &mut DepsOutcome) {
    let Some(p) = &l.parsed else { return };
    let mut seen = BTreeSet::new();
    for i in &p.instances {
        if let Some(note) = known_bad::lookup(&i.name, &i.version) {
            if seen.insert((&i.name, &i.version)) {
                out.known_compromised.push(KnownBad {
                    package: i.name.clone(),
                    version: i.version.clone(),
                    note: note.to_string(),
                    path: l.path.to_string(),
                });
            }
        }
    }
}

/// The family a diffed file name implies (`yarn.lock` -> yarn-lock).
fn family_of_name(name: &str) -> Option<&'static str> {
    let n = name.to_ascii_lowercase();
    Some(match n.as_str() {
        "package-lock.json" | "npm-shrinkwrap.json" => "npm-lock",
        "package.json" => "package-json",
        "yarn.lock" => "yarn-lock",
        "pnpm-lock.yaml" => "pnpm-lock",
        "cargo.lock" => "cargo-lock",
        _ if n.starts_with("requirements") => "pip",
        _ => return None,
    })
}

/// Reads one diff: each file section is applied to its base when the
/// bundle holds it, else read from the hunk lines.
fn read_patch(idx: usize, loaded: &[Loaded], out: &mut DepsOutcome) {
    let l = &loaded[idx];
    let files = patch::parse(&l.text);
    let mut manifest_after: Option<BTreeSet<String>> = None;
    for fp in &files {
        warn_truncated(l.path, fp, out);
        if family_of_name(base_name(&fp.new_path)) != Some("package-json") {
            continue;
        }
        if let Some((_, text)) = first_applying(loaded, idx, "package-json", fp) {
            manifest_after = super::manifest_direct(&text).ok();
        }
    }
    for fp in &files {
        let name = base_name(&fp.new_path);
        let Some(family) = family_of_name(name).filter(|f| *f != "package-json") else {
            continue;
        };
        let after = format!("{}#{}", l.path, fp.new_path);
        let bases = find_bases(loaded, idx, family, &fp.new_path);
        if bases.is_empty() {
            read_fragments(fp, l, after, out);
            continue;
        }
        match first_applying(loaded, idx, family, fp) {
            Some((base, text)) => apply_to_base(
                (base, text),
                (l, after),
                manifest_after.clone(),
                loaded,
                out,
            ),
            None => {
                let line = bases.iter().find_map(|b| patch::apply(&b.text, fp).err());
                let msg = format!(
                    "error [patch-mismatch]: the hunks of {} apply to none of the {} candidate \
                     base files (first: {})",
                    fp.new_path,
                    bases.len(),
                    bases[0].path
                );
                let issue = crate::model::FileIssue {
                    path: l.path.into(),
                    line,
                    message: msg,
                };
                out.issues.push(issue);
            }
        }
    }
}

fn warn_truncated(path: &str, fp: &patch::FilePatch, out: &mut DepsOutcome) {
    for h in fp.truncated() {
        let msg = format!(
            "warning [truncated-diff]: the hunk @@ -{},{} +{},{} @@ of {} is cut short; it and \
             everything after it are unknown and not reported",
            h.old_start, h.old_count, h.new_start, h.new_count, fp.new_path
        );
        out.issues.push(crate::model::FileIssue {
            path: path.into(),
            line: Some(h.line),
            message: msg,
        });
        if let Some(info) = out.files.iter_mut().find(|f| f.path == path) {
            info.status = "partial".into();
            info.reason = Some(format!("diff truncated in {}", fp.new_path));
        }
    }
}

/// The bundle files a diff section may apply to, best first: same name
/// first, else any snapshot of the same family; before-side names and
/// earlier times first.
fn find_bases<'l, 'a>(
    loaded: &'l [Loaded<'a>],
    idx: usize,
    family: &str,
    target: &str,
) -> Vec<&'l Loaded<'a>> {
    let mut pool: Vec<&Loaded> = loaded
        .iter()
        .enumerate()
        .filter(|(i, l)| *i != idx && !l.failed() && l.format.is_some_and(|f| f.family() == family))
        .map(|(_, l)| l)
        .collect();
    if pool.iter().any(|l| base_name(l.path) == base_name(target)) {
        pool.retain(|l| base_name(l.path) == base_name(target));
    }
    pool.sort_by_key(|l| (side_rank(l.path), l.time, l.path));
    pool
}

/// The first base the diff section applies to, with the patched text.
fn first_applying<'l, 'a>(
    loaded: &'l [Loaded<'a>],
    idx: usize,
    family: &str,
    fp: &patch::FilePatch,
) -> Option<(&'l Loaded<'a>, String)> {
    find_bases(loaded, idx, family, &fp.new_path)
        .into_iter()
        .find_map(|b| patch::apply(&b.text, fp).ok().map(|t| (b, t)))
}

fn apply_to_base(
    (base, text): (&Loaded, String),
    (l, after): (&Loaded, String),
    manifest: Option<BTreeSet<String>>,
    loaded: &[Loaded],
    out: &mut DepsOutcome,
) {
    // A diff stored next to both of its sides adds nothing.
    if loaded.iter().any(|o| o.path != base.path && o.text == text) {
        return;
    }
    let (Some(pb), Some(fmt)) = (&base.parsed, base.format) else {
        return;
    };
    match super::parse_text(fmt, &text) {
        Ok(mut pa) => {
            if pa.direct.is_none() {
                pa.direct = manifest.or_else(|| pb.direct.clone());
            }
            push_pair(pb, &pa, (base.path, after), l.time, out);
        }
        Err(e) => {
            let d = Diagnostic::error(
                e.code,
                e.line,
                format!("{after} after the diff: {}", e.message),
            );
            out.issues.push(d.to_issue(l.path));
        }
    }
}

/// Without a base: compare the before and after fragments of the hunks,
/// for line-based formats.
fn read_fragments(fp: &patch::FilePatch, l: &Loaded, after: String, out: &mut DepsOutcome) {
    let (old, new) = patch::fragments(fp);
    let fmt = match family_of_name(base_name(&fp.new_path)) {
        Some("yarn-lock") if !new.contains("resolution: ") => Format::YarnV1,
        Some("yarn-lock") => Format::YarnBerry,
        Some("cargo-lock") => Format::CargoLock,
        Some("pip") => Format::Requirements,
        _ => {
            let msg = format!(
                "warning [no-base]: {} is diffed but its base file is not in the bundle; \
                 this format cannot be read from hunks alone",
                fp.new_path
            );
            out.issues.push(crate::model::FileIssue {
                path: l.path.into(),
                line: None,
                message: msg,
            });
            return;
        }
    };
    let before = format!("{}#{} (before)", l.path, fp.old_path);
    match (super::parse_text(fmt, &old), super::parse_text(fmt, &new)) {
        (Ok(pb), Ok(pa)) => push_pair(&pb, &pa, (&before, after), l.time, out),
        (Err(e), _) | (_, Err(e)) => {
            let msg = format!(
                "warning [no-base]: the hunks of {} cannot be read without the base file: {}",
                fp.new_path, e.message
            );
            let issue = crate::model::FileIssue {
                path: l.path.into(),
                line: None,
                message: msg,
            };
            out.issues.push(issue);
        }
    }
}

/// Debian changes take the time of their dpkg.log / apt history line; when
/// the bundle holds no Debian snapshots, the logs' actions are the changes.
fn apply_log_times(loaded: &[Loaded], out: &mut DepsOutcome) {
    let mut events: Vec<(&str, LogEvent)> = Vec::new();
    for l in loaded.iter().filter(|l| !l.failed()) {
        match l.format {
            Some(Format::DpkgLog) => events.extend(
                system::parse_dpkg_log(&l.text)
                    .into_iter()
                    .map(|e| (l.path, e)),
            ),
            Some(Format::AptHistory) => events.extend(
                system::parse_apt_history(&l.text)
                    .into_iter()
                    .map(|e| (l.path, e)),
            ),
            _ => {}
        }
    }
    if events.is_empty() {
        return;
    }
    let has_snapshots = out.changes.iter().any(|c| c.ecosystem == "debian");
    if !has_snapshots {
        out.changes
            .extend(events.iter().filter_map(|(p, e)| log_change(p, e)));
        return;
    }
    let mut last: BTreeMap<&str, Timestamp> = BTreeMap::new();
    for (_, e) in &events {
        let done = matches!(
            e.action.as_str(),
            "status installed" | "status not-installed" | "remove" | "purge"
        );
        if let (true, Some(t)) = (done, e.time) {
            last.insert(e.name.as_str(), t);
            last.insert(e.name.split(':').next().unwrap_or(""), t);
        }
    }
    for c in out.changes.iter_mut().filter(|c| c.ecosystem == "debian") {
        let bare = c.package.split(':').next().unwrap_or("");
        if let Some(t) = last.get(c.package.as_str()).or(last.get(bare)) {
            c.time = Some(*t);
        }
    }
}

fn log_change(path: &str, e: &LogEvent) -> Option<Change> {
    let kind = match (e.action.as_str(), &e.from, &e.to) {
        ("install", None, Some(_)) => "added",
        ("remove" | "purge", Some(_), _) => "removed",
        ("upgrade" | "downgrade" | "install", Some(f), Some(t)) => {
            match version::compare(f, t, version::Scheme::Debian)? {
                std::cmp::Ordering::Less => "upgraded",
                std::cmp::Ordering::Greater => "downgraded",
                std::cmp::Ordering::Equal => return None,
            }
        }
        _ => return None,
    };
    Some(Change {
        ecosystem: "debian".into(),
        package: e.name.clone(),
        kind: kind.into(),
        from: e.from.clone(),
        to: e.to.clone(),
        direct: None,
        parent: None,
        flags: Vec::new(),
        time: e.time,
        before: format!("{path}:{}", e.line),
        after: format!("{path}:{}", e.line),
    })
}

/// Latest snapshots of sibling series (paths differing in one folder) that
/// hold the same package at different versions.
fn skew(loaded: &[Loaded], series: &BTreeMap<String, Vec<usize>>) -> Vec<Skew> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (key, s) in series {
        let (family, path) = key.split_once('|').unwrap_or(("", key));
        let parts: Vec<&str> = path.split('/').collect();
        for hole in 0..parts.len().saturating_sub(1) {
            let mut p = parts.clone();
            p[hole] = "?";
            let group = format!("{family}|{}", p.join("/"));
            groups
                .entry(group)
                .or_default()
                .push(*s.last().unwrap_or(&0));
        }
    }
    let mut out = Vec::new();
    for members in groups.values().filter(|m| m.len() > 1) {
        let snaps: Vec<(&str, &Parsed)> = members
            .iter()
            .filter_map(|&i| Some((loaded[i].path, loaded[i].parsed.as_ref()?)))
            .collect();
        out.extend(skew_of(&snaps));
    }
    out
}

fn skew_of(snaps: &[(&str, &Parsed)]) -> Vec<Skew> {
    let mut by_name: BTreeMap<&str, Vec<(String, BTreeSet<&str>)>> = BTreeMap::new();
    for (path, p) in snaps {
        let mut mine: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for i in &p.instances {
            mine.entry(&i.name).or_default().insert(&i.version);
        }
        for (n, v) in mine {
            by_name.entry(n).or_default().push((path.to_string(), v));
        }
    }
    let eco = snaps.first().map_or("", |(_, p)| p.format.ecosystem());
    by_name
        .into_iter()
        .filter(|(_, v)| v.len() > 1 && v.iter().any(|(_, s)| *s != v[0].1))
        .map(|(n, v)| Skew {
            ecosystem: eco.to_string(),
            package: n.to_string(),
            instances: v
                .into_iter()
                .map(|(path, s)| SkewInstance {
                    path,
                    versions: s.into_iter().map(String::from).collect(),
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_keys_drop_times_and_sides() {
        let cases = [
            (
                "snap/2026-12-04_1500/app/package-lock.json",
                "snap/*/app/package-lock.json",
            ),
            ("before.json", "json"),
            ("x/after.package.json", "x/package.json"),
            ("app/package-lock.before.json", "app/package-lock.json"),
            (
                "sb_web-1_20261204_154114/Cargo.lock",
                "sb_web-1_*/Cargo.lock",
            ),
        ];
        for (path, want) in cases {
            assert_eq!(series_key(path), want, "{path}");
        }
        assert!(side_rank("before.json") < side_rank("after.json"));
    }
}
