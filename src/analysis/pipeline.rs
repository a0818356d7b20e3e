//! The `analyze` job: open, detect, parse in parallel, mine, correlate,
//! and fill one [`Report`].
//!
//! Each entry of the bundle is detected and parsed on its own (rayon over
//! entries), then results are merged in path order, so the report is the
//! same whatever the thread count.
//!
//! # Limitations
//! - A decompressed file is reported by its name in the bundle
//!   (`app.log.2.gz`) in the inventory, evidence and timeline; a usage
//!   sample's `source` and a dependency change's path still give the name
//!   without the suffix.
//! - Whether a file is text: see [`super::binary`].

use super::binary::{looks_binary, unread_container, Bytes};
use super::dmesg::{may_hold_boot_clue, place_dmesg};
use super::inventory::inventory;
use super::layout;
use super::rotation::{self, Rotation};
use super::{correlate, signatures};
use crate::bundle::{self, Bundle, Entry, Limits};
use crate::logs::{self, LogFile, Registry};
use crate::model::{FileIssue, TimeSource};
use crate::report::model::*;
use crate::time::boot::{self as boot_time, BootTime};
use crate::time::TimeCtx;
use jiff::Timestamp;
use rayon::prelude::*;
use regex::Regex;
use std::borrow::Cow;
use std::path::Path;
use std::sync::LazyLock;

/// The decisions `analyze` runs with.
#[derive(Default)]
pub struct Config {
    pub limits: Limits,
    pub time: TimeCtx,
    pub registry: Registry,
    pub kb: super::kb::Kb,
    /// Explains detection decisions on stderr.
    pub debug: bool,
    /// Keep only log records and usage samples in this stretch of time
    /// (for comparing two windows of one bundle); records without a time
    /// are left out with it.
    pub window: Option<Window>,
}

/// A stretch of time, start included, end excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Window {
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }

    /// Reads `START..END`, both RFC 3339.
    pub fn parse(s: &str) -> Result<Window, String> {
        let (a, b) = s
            .split_once("..")
            .ok_or_else(|| format!("{s}: expected START..END (RFC 3339)"))?;
        let t = |x: &str| {
            x.trim()
                .parse::<Timestamp>()
                .map_err(|e| format!("{x}: not an RFC 3339 time: {e}"))
        };
        let (start, end) = (t(a)?, t(b)?);
        if start >= end {
            return Err(format!("{s}: the window ends before it starts"));
        }
        Ok(Window { start, end })
    }

    pub fn secs(&self) -> f64 {
        (self.end.as_millisecond() - self.start.as_millisecond()) as f64 / 1000.0
    }
}

/// What one entry turned out to be.
pub(crate) enum Parsed {
    Log {
        log: LogFile,
        detection: logs::Detection,
    },
    Usage {
        kind: crate::usage::SnapshotKind,
        parsed: crate::usage::Parsed,
    },
    PgDump(crate::postgres::PgDump),
    Other {
        kind: &'static str,
        status: &'static str,
        reason: Option<String>,
    },
}

/// A parsed entry with where it came from.
pub(crate) struct Item {
    pub path: String,
    pub host: String,
    pub parsed: Parsed,
    pub truncated: Option<String>,
    /// The rotation family the file belongs to, if any.
    pub rotation: Option<Rotation>,
    /// For dmesg with seconds since boot, the boot time its records were
    /// placed against.
    pub boot: Option<BootTime>,
    /// The service the bundle's layout names for the file (`nginx` for a
    /// sosreport's `var/log/nginx/`, `NAMESPACE/CONTAINER` for a
    /// troubleshoot.sh pod log).
    pub service: Option<String>,
    /// What the inventory should say of a file read as text although it
    /// holds NUL bytes (how many, in how many runs, from where).
    pub note: Option<String>,
}

impl Item {
    /// The source its records count for: a rotated file's family base
    /// (`app.log` for `app.log.2.gz`), else its own path.
    pub fn source(&self) -> &str {
        self.rotation.as_ref().map_or(&self.path, |r| &r.family)
    }

    /// Orders files for records of equal time (or none): a family's files
    /// oldest first, at the family's place by path, then other paths.
    pub(super) fn file_order(&self) -> (&str, std::cmp::Reverse<u32>, &str) {
        let age = self.rotation.as_ref().map_or(0, |r| r.age);
        (self.source(), std::cmp::Reverse(age), &self.path)
    }
}

/// Everything the correlation step reads.
pub(crate) struct Evidence<'a> {
    pub items: &'a [Item],
    pub deps: &'a crate::deps::DepsOutcome,
    /// Log lines that show a changed dependency running, by the changed
    /// snapshot's path.
    pub placed: &'a [(String, crate::model::Evidence)],
    /// `max_connections` as the bundle's postgresql.conf sets it.
    pub pg_max_connections: Option<u32>,
    /// Connection pool sizes the instances log.
    pub pools: &'a [super::disagree::Pool],
    pub collection_time: Option<Timestamp>,
    pub kb: &'a super::kb::Kb,
    /// Zone that times written without one were read in (`--timezone`).
    pub zone: &'a jiff::tz::TimeZone,
}

/// The name of `zone` as the user gave it, for messages.
pub(crate) fn zone_name(zone: &jiff::tz::TimeZone) -> &str {
    zone.iana_name().unwrap_or("the --timezone zone")
}

/// Opens and analyzes the bundle at `path`.
pub fn analyze(path: &Path, config: &Config) -> Result<Report, bundle::OpenError> {
    let bundle = bundle::open(path, &config.limits)?;
    Ok(analyze_bundle(&bundle, config))
}

/// Analyzes an opened bundle.
pub fn analyze_bundle(bundle: &Bundle, config: &Config) -> Report {
    let (collection_time, collection_source) = collection_time(bundle);
    let (items, ctx, default_host) = parse_all(bundle, config);
    if config.debug {
        for it in &items {
            if let Parsed::Log { log, .. } = &it.parsed {
                if log.zone_assumed > 0 || log.year_inferred > 0 {
                    eprintln!(
                        "debug: {}: {} times without a zone read as {}; {} without a year \
                         given the year of the collection time",
                        it.path,
                        log.zone_assumed,
                        zone_name(&ctx.zone),
                        log.year_inferred
                    );
                }
            }
            if let Some(b) = &it.boot {
                eprintln!(
                    "debug: {}: seconds since boot placed after the boot at {} from {}",
                    it.path, b.time, b.how
                );
            }
            if let Parsed::Log { detection: d, .. } = &it.parsed {
                let runner = d.runner_up.as_ref().map(|(n, s)| format!("{n} {s}"));
                eprintln!(
                    "debug: {}: format {} read {}/{} lines (runner-up: {})",
                    it.path,
                    d.format,
                    d.score,
                    d.sampled,
                    runner.as_deref().unwrap_or("none")
                );
            }
        }
    }
    let mut deps = dependency_changes(bundle, &items);
    let placed = super::changes::place_by_logs(bundle, &items, &mut deps);
    let last_log = items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => log.records.iter().filter_map(|r| r.time).max(),
            _ => None,
        })
        .max();
    super::changes::unplace_copy_times(bundle, &mut deps, &placed, last_log);
    let pools = super::disagree::pool_sizes(bundle, &items);
    let evidence = Evidence {
        items: &items,
        deps: &deps,
        placed: &placed,
        pools: &pools,
        collection_time,
        kb: &config.kb,
        pg_max_connections: pg_max_connections(bundle),
        zone: &ctx.zone,
    };
    let sigs = signatures::build(&evidence);
    let (mut report, cross_file) = correlate::report(&evidence, sigs);
    report.bundle.name = bundle.name.clone();
    report.bundle.collection_time = collection_time;
    report.bundle.collection_time_source = collection_source;
    report.bundle.files = bundle.entries.len() + bundle.skipped.len();
    if !report.bundle.hosts.contains(&default_host) && default_host != "unknown" {
        report.bundle.hosts.insert(0, default_host);
    }
    report.inventory = inventory(bundle, &items, &deps);
    let paths: Vec<&str> = bundle.entries.iter().map(|e| e.path.as_str()).collect();
    let rotated_away = rotation::missing(&paths)
        .into_iter()
        .map(|(family, holes)| {
            let list: Vec<String> = holes.iter().map(u32::to_string).collect();
            EvidenceGap {
                kind: "rotated_away",
                source: family,
                time: None,
                detail: format!(
                    "rotation{} {} of this family {} missing: the bundle lacks that stretch of \
                 its log",
                    if holes.len() == 1 { "" } else { "s" },
                    list.join(", "),
                    if holes.len() == 1 { "is" } else { "are" }
                ),
            }
        });
    report.evidence_gaps.splice(0..0, rotated_away);
    for issue in cross_file {
        if let Some(e) = report.inventory.iter_mut().find(|e| e.path == issue.path) {
            e.status = if e.status == "parsed" {
                "partial"
            } else {
                e.status
            };
            let r = e
                .reason
                .take()
                .map(|r| format!("{r}; "))
                .unwrap_or_default();
            let at = issue
                .line
                .map(|l| format!("line {l}: "))
                .unwrap_or_default();
            e.reason = Some(format!("{r}{at}{}", issue.message));
        }
    }
    report
}

/// The last `max_connections` any postgresql.conf in the bundle sets.
pub(crate) fn pg_max_connections(bundle: &Bundle) -> Option<u32> {
    bundle
        .entries
        .iter()
        .filter(|e| e.path.ends_with("postgresql.conf") || e.path.ends_with("postgresql.auto.conf"))
        .filter_map(|e| {
            crate::postgres::max_connections_from_conf(&String::from_utf8_lossy(&e.data))
        })
        .next_back()
}

/// Hands every dependency file to the deps layer at once, so it can group
/// versions of one file into series and diff them in time order.
fn dependency_changes(bundle: &Bundle, items: &[Item]) -> crate::deps::DepsOutcome {
    let files: Vec<crate::deps::DepFile> = bundle
        .entries
        .iter()
        .zip(items)
        .filter(|(_, it)| {
            matches!(
                it.parsed,
                Parsed::Other {
                    kind: "dependencies",
                    ..
                }
            )
        })
        .map(|(e, _)| crate::deps::DepFile {
            path: &e.path,
            bytes: &e.data,
            mtime: e.mtime,
        })
        .collect();
    crate::deps::analyze_files(&files)
}

/// Detects and parses every entry in parallel, reading times against the
/// bundle's collection time. Returns the items in entry order, the time
/// context used, and the bundle's default host.
pub(super) fn parse_all(bundle: &Bundle, config: &Config) -> (Vec<Item>, TimeCtx, String) {
    let mut ctx = config.time.clone();
    ctx.reference = ctx.reference.or(collection_time(bundle).0);
    let host = bundle_host(bundle).unwrap_or_else(|| "unknown".to_string());
    let mut items: Vec<Item> = bundle
        .entries
        .par_iter()
        .map(|e| {
            let place = layout::place(&e.path);
            let mut it = parse_guarded(e, place.host.as_deref().unwrap_or(&host), &ctx, config);
            it.service = place.service;
            it
        })
        .collect();
    let paths: Vec<&str> = bundle.entries.iter().map(|e| e.path.as_str()).collect();
    for (it, r) in items.iter_mut().zip(rotation::families(&paths)) {
        it.rotation = r;
    }
    place_dmesg(bundle, &mut items, &ctx);
    let (at, source) = collection_time(bundle);
    super::plausible::set_aside(&mut items, at.zip(source));
    if let Some(w) = config.window {
        for it in &mut items {
            match &mut it.parsed {
                Parsed::Log { log, .. } => log
                    .records
                    .retain(|r| r.time.is_some_and(|t| w.contains(t))),
                Parsed::Usage { parsed, .. } => parsed.samples.retain(|s| w.contains(s.time)),
                _ => {}
            }
        }
    }
    (items, ctx, host)
}

/// The time the bundle was collected: from its name, else the newest
/// entry's modification time.
fn collection_time(bundle: &Bundle) -> (Option<Timestamp>, Option<TimeSource>) {
    let top = bundle
        .entries
        .first()
        .map(|e| e.path.split('/').next().unwrap_or(""));
    let named =
        crate::time::from_path(&bundle.name).or_else(|| top.and_then(crate::time::from_path));
    if let Some(t) = named {
        return (Some(t), Some(TimeSource::Path));
    }
    match bundle.latest_mtime() {
        Some(t) => (Some(t), Some(TimeSource::Mtime)),
        None => (None, None),
    }
}

static BUNDLE_HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:sb|sosreport|support-bundle|bundle)[_-]([A-Za-z0-9.-]+?)[_-]\d{8}").unwrap()
});

/// The host a bundle was taken from, as its top folder or file name says
/// (`sb_<host>_<date>`, `sosreport-<host>-<date>`).
fn bundle_host(bundle: &Bundle) -> Option<String> {
    let top = bundle
        .entries
        .first()
        .map(|e| e.path.split('/').next().unwrap_or(""));
    [Some(bundle.name.as_str()), top]
        .into_iter()
        .flatten()
        .find_map(|n| BUNDLE_HOST.captures(n).map(|c| c[1].to_string()))
}

/// [`parse_entry`], with a parser's panic turned into a failed inventory
/// line for that file so the rest of the bundle is still analyzed.
fn parse_guarded(e: &Entry, host: &str, ctx: &TimeCtx, config: &Config) -> Item {
    let run = std::panic::AssertUnwindSafe(|| parse_entry(e, host, ctx, config));
    std::panic::catch_unwind(run).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Item {
            path: e.stored.clone().unwrap_or_else(|| e.path.clone()),
            host: host.to_string(),
            parsed: Parsed::Other {
                kind: "unknown",
                status: "failed",
                reason: Some(format!(
                    "a parser failed on this file (a bug; please report it): {what}"
                )),
            },
            truncated: e.truncated.clone(),
            rotation: None,
            boot: None,
            service: None,
            note: None,
        }
    })
}

/// Most bytes detection reads to finish a first line longer than the
/// head (a JSON log of large payloads).
const LONG_FIRST_LINE: usize = 1 << 20;

/// The text a log format is detected on: the head, or where the head holds
/// no whole line, the first line read on to its end (up to
/// [`LONG_FIRST_LINE`] bytes) and as much again as the head after it, so
/// that a file of lines longer than the head is still detected by its
/// lines, and a long first line of another kind (a banner) does not
/// decide alone. A head of nothing but blank lines holds nothing to
/// detect by: the text after them is taken instead (a file that opened
/// with 64 KiB of empty lines was read as no format at all).
fn detection_text<'h>(data: &[u8], head: &[u8], head_text: &'h str) -> Cow<'h, str> {
    if head.len() < data.len() && head.iter().all(u8::is_ascii_whitespace) {
        let lead = (data.iter())
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(data.len());
        let rest = &data[lead..];
        let head = &rest[..rest.len().min(head.len())];
        let text = String::from_utf8_lossy(head);
        return Cow::Owned(detection_text(rest, head, &text).into_owned());
    }
    if data.len() == head.len() || memchr::memchr(b'\n', head).is_some() {
        return Cow::Borrowed(head_text);
    }
    let upto = data.len().min(LONG_FIRST_LINE);
    let end = memchr::memchr(b'\n', &data[head.len()..upto]).map_or(upto, |i| head.len() + i);
    let end = data.len().min(end + head.len());
    Cow::Owned(String::from_utf8_lossy(&data[..end]).into_owned())
}

fn parse_entry(e: &Entry, host: &str, ctx: &TimeCtx, config: &Config) -> Item {
    let data: &[u8] = &e.data;
    let head = &data[..data.len().min(64 * 1024)];
    let bytes = (!data.is_empty() && unread_container(head).is_none()).then(|| Bytes::of(data));
    let item = |parsed| Item {
        path: e.stored.clone().unwrap_or_else(|| e.path.clone()),
        host: host.to_string(),
        parsed,
        truncated: e.truncated.clone(),
        rotation: None,
        boot: None,
        service: None,
        note: bytes.as_ref().and_then(Bytes::note),
    };
    let other = |kind, status, reason: Option<String>| Parsed::Other {
        kind,
        status,
        reason,
    };
    if data.is_empty() {
        return item(other("empty", "skipped", Some("empty file".into())));
    }
    if let Some(reason) = unread_container(head) {
        return item(other("unknown", "skipped", Some(reason.into())));
    }
    if let Some(reason) = bytes.as_ref().and_then(Bytes::binary) {
        return item(other("binary", "skipped", Some(reason)));
    }
    let head_text = String::from_utf8_lossy(head);
    if crate::deps::is_dependency_file(&e.path, head) {
        return item(other("dependencies", "parsed", None));
    }
    if let Some(parsed) = snapshot(e, host, &head_text) {
        return item(parsed);
    }
    if is_config(&e.path) {
        return item(other("config", "parsed", None));
    }
    if may_hold_boot_clue(&e.path) && boot_time::clue(&e.path, &head_text, ctx).is_some() {
        return item(other("boot_time", "parsed", None));
    }
    match config
        .registry
        .detect(&detection_text(data, head, &head_text))
    {
        Some(d) if config.registry.get(d.index).is_fallback() && is_document(&e.path) => {
            let reason = "a document or table by its name (csv, md, license, checksums), not a log";
            item(other("document", "skipped", Some(reason.into())))
        }
        Some(detection) => {
            let log = logs::frame(config.registry.get(detection.index), data, ctx);
            item(Parsed::Log { log, detection })
        }
        None => {
            let first = head_text
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            let reason = format!(
                "no known format reads its lines; line 1 looks like: {}",
                crate::model::excerpt(first, 120)
            );
            item(other("unknown", "skipped", Some(reason)))
        }
    }
}

/// The snapshot files of a bundle, read without its logs (for `diff`).
#[derive(Default)]
pub struct Snapshots {
    /// Samples in the window, when one is set.
    pub samples: Vec<crate::model::Sample>,
    /// Every Postgres dump, whatever the window: counters need the
    /// readings taken before it.
    pub dumps: Vec<crate::postgres::PgDump>,
    /// Postgres dumps that could not be read, and what went wrong in the
    /// ones read (`path: line N: why`), in the window.
    pub pg_issues: Vec<String>,
}

/// The usage samples (memory, disk, load, processes...) and the Postgres
/// statistics dumps of an opened bundle, in `config.window` when set; for
/// comparing two bundles. Reads only the snapshot files, not the logs.
pub fn snapshots(bundle: &Bundle, config: &Config) -> Snapshots {
    let host = bundle_host(bundle).unwrap_or_else(|| "unknown".to_string());
    let parsed: Vec<(&str, Parsed)> = bundle
        .entries
        .par_iter()
        .filter(|e| !e.data.is_empty())
        .filter_map(|e| {
            let head = &e.data[..e.data.len().min(64 * 1024)];
            if looks_binary(&e.data) || crate::deps::is_dependency_file(&e.path, head) {
                return None;
            }
            // A parser's panic loses only this file, as in analyze.
            let read =
                std::panic::AssertUnwindSafe(|| snapshot(e, &host, &String::from_utf8_lossy(head)));
            Some((e.path.as_str(), std::panic::catch_unwind(read).ok()??))
        })
        .collect();
    let within = |t| config.window.is_none_or(|w| w.contains(t));
    let mut out = Snapshots::default();
    for (path, p) in parsed {
        match p {
            Parsed::Usage { parsed, .. } => out
                .samples
                .extend(parsed.samples.into_iter().filter(|s| within(s.time))),
            Parsed::PgDump(d) => {
                if within(d.time) {
                    out.pg_issues.extend(d.issues.iter().map(|i| i.to_string()));
                }
                out.dumps.push(d)
            }
            Parsed::Other {
                kind: "pg_stats",
                reason,
                ..
            } => out
                .pg_issues
                .push(format!("{path}: {}", reason.unwrap_or_default())),
            _ => {}
        }
    }
    out.samples
        .sort_by(|a, b| (a.time, &a.metric, &a.source).cmp(&(b.time, &b.metric, &b.source)));
    out.dumps
        .sort_by(|a, b| (a.time, &a.path).cmp(&(b.time, &b.path)));
    out.pg_issues.sort();
    out
}

/// Reads a usage snapshot or a Postgres statistics dump; its time comes
/// from its content, else its path, else its file time.
fn snapshot(e: &Entry, host: &str, head: &str) -> Option<Parsed> {
    let is_dump = crate::postgres::detect_dump(&e.path, head).is_some();
    let kind = if is_dump {
        None
    } else {
        Some(crate::usage::detect(&e.path, head)?)
    };
    let fallback = crate::time::from_path(&e.path)
        .map(|t| (t, TimeSource::Path))
        .or_else(|| e.mtime.map(|t| (t, TimeSource::Mtime)));
    let ctx = crate::usage::SnapshotCtx {
        path: &e.path,
        host,
        fallback_time: fallback,
    };
    let text = String::from_utf8_lossy(&e.data);
    let failed = |issue: FileIssue| Parsed::Other {
        kind: if is_dump { "pg_stats" } else { "usage" },
        status: "failed",
        reason: Some(issue.to_string()),
    };
    Some(match kind {
        None => crate::postgres::parse_dump(&ctx, &text).map_or_else(failed, Parsed::PgDump),
        Some(kind) => crate::usage::parse(kind, &ctx, &text)
            .map_or_else(failed, |parsed| Parsed::Usage { kind, parsed }),
    })
}

/// Names that say a text file is a document or a table, not a log; only
/// consulted when no log format but the last-resort reader takes it.
fn is_document(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let stem = name.split('.').next().unwrap_or("");
    [
        ".csv", ".tsv", ".md", ".rst", ".sha256", ".sha1", ".md5", ".html", ".xml",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
        || [
            "license", "licence", "readme", "notice", "copying", "manifest", "citation",
        ]
        .contains(&stem)
}

fn is_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    [".conf", ".cnf", ".ini", ".yaml", ".yml", ".toml", ".env"]
        .iter()
        .any(|s| name.ends_with(s))
        || path.split('/').any(|c| c == "config" || c == "etc")
}
