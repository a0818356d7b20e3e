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

use super::layout;
use super::rotation::{self, Rotation};
use super::{correlate, signatures};
use crate::bundle::{self, Bundle, Entry, Limits};
use crate::logs::{self, LogFile, Registry};
use crate::model::{FileIssue, TimeSource};
use crate::report::model::*;
use crate::time::boot::{self as boot_time, BootTime, Clue};
use crate::time::TimeCtx;
use jiff::Timestamp;
use rayon::prelude::*;
use regex::Regex;
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
}

impl Item {
    /// The source its records count for: a rotated file's family base
    /// (`app.log` for `app.log.2.gz`), else its own path.
    pub fn source(&self) -> &str {
        self.rotation.as_ref().map_or(&self.path, |r| &r.family)
    }

    /// Orders files for records of equal time (or none): a family's files
    /// oldest first, at the family's place by path, then other paths.
    fn file_order(&self) -> (&str, std::cmp::Reverse<u32>, &str) {
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
fn pg_max_connections(bundle: &Bundle) -> Option<u32> {
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
fn parse_all(bundle: &Bundle, config: &Config) -> (Vec<Item>, TimeCtx, String) {
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

/// The log format whose records carry seconds since boot.
const DMESG_RAW: &str = "kernel-dmesg";

/// Why a dmesg record has no time when the bundle gave no boot time.
const NO_BOOT_TIME: &str = "seconds since boot, and the bundle has no boot time \
     (/proc/stat btime, journalctl --list-boots, uptime -s, who -b, /proc/uptime)";

/// Puts dmesg's seconds since boot on the wall clock with the boot time
/// of the file's host, when the bundle gives one (see
/// [`crate::time::boot`]); otherwise its records keep no time, and the
/// file's first such record says why.
fn place_dmesg(bundle: &Bundle, items: &mut [Item], ctx: &TimeCtx) {
    if !items.iter().any(is_raw_dmesg) {
        return;
    }
    let mut clues: Vec<(String, String, Clue)> = Vec::new();
    let mut snapshots: Vec<(String, Timestamp, f64)> = Vec::new();
    for (e, it) in bundle.entries.iter().zip(items.iter()) {
        if let Parsed::Usage { parsed, .. } = &it.parsed {
            let up = parsed
                .samples
                .iter()
                .find(|s| s.metric == "system.uptime_seconds");
            snapshots.extend(up.map(|s| (s.host.clone(), s.time, s.value)));
        }
        if may_hold_boot_clue(&e.path) && e.data.len() <= 1 << 20 {
            let text = String::from_utf8_lossy(&e.data);
            if let Some(c) = boot_time::clue(&e.path, &text, ctx) {
                clues.push((it.host.clone(), it.path.clone(), c));
            }
        }
    }
    for (e, it) in bundle.entries.iter().zip(items.iter_mut()) {
        if !is_raw_dmesg(it) {
            continue;
        }
        let host_clues: Vec<(String, Clue)> = clues
            .iter()
            .filter(|(h, _, _)| *h == it.host)
            .map(|(_, p, c)| (p.clone(), c.clone()))
            .collect();
        let snapshot = snapshots
            .iter()
            .filter(|(h, _, _)| *h == it.host)
            .map(|&(_, t, v)| (t, v))
            .min_by_key(|&(t, _)| t);
        let boot = boot_time::resolve(&host_clues, ctx.reference, snapshot);
        let Parsed::Log { log, .. } = &mut it.parsed else {
            continue;
        };
        match &boot {
            Some(b) => place_records(log, &e.data, b.time),
            None => {
                if let Some((_, first)) = &mut log.first_no_time {
                    *first = format!("{first} ({NO_BOOT_TIME})");
                }
            }
        }
        it.boot = boot;
    }
}

fn is_raw_dmesg(it: &Item) -> bool {
    matches!(&it.parsed, Parsed::Log { log, .. } if log.format == DMESG_RAW)
}

/// Files that may tell the boot time, by name.
fn may_hold_boot_clue(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "stat"
        || ["uptime", "who", "date"]
            .iter()
            .any(|p| name.starts_with(p))
        || name.contains("list-boots")
}

/// Gives each record without a time the boot time plus the seconds its
/// header line starts with. Records are in line order, so the lines are
/// walked once beside them.
fn place_records(log: &mut LogFile, data: &[u8], boot: Timestamp) {
    let mut lines = data.split(|&b| b == b'\n').zip(1u64..);
    let mut placed = 0;
    let mut first_left = None;
    for r in log.records.iter_mut() {
        let Some((line, _)) = lines.by_ref().find(|(_, n)| *n >= r.line) else {
            break;
        };
        if r.time.is_some() {
            continue;
        }
        let secs = seconds_since_boot(line);
        let since = secs.and_then(|s| jiff::SignedDuration::try_from_secs_f64(s).ok());
        r.time = since.and_then(|d| boot.checked_add(d).ok());
        if r.time.is_some() {
            placed += 1;
        } else if first_left.is_none() {
            let text = String::from_utf8_lossy(line);
            first_left = Some((r.line, crate::model::excerpt(&text, 160)));
        }
    }
    log.no_time -= placed.min(log.no_time);
    log.first_no_time = first_left;
}

/// The `12.345678` of a line that starts `[   12.345678] `.
fn seconds_since_boot(line: &[u8]) -> Option<f64> {
    let rest = line.strip_prefix(b"[")?;
    let end = memchr::memchr(b']', rest)?;
    std::str::from_utf8(&rest[..end]).ok()?.trim().parse().ok()
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
        }
    })
}

fn parse_entry(e: &Entry, host: &str, ctx: &TimeCtx, config: &Config) -> Item {
    let item = |parsed| Item {
        path: e.stored.clone().unwrap_or_else(|| e.path.clone()),
        host: host.to_string(),
        parsed,
        truncated: e.truncated.clone(),
        rotation: None,
        boot: None,
        service: None,
    };
    let other = |kind, status, reason: Option<String>| Parsed::Other {
        kind,
        status,
        reason,
    };
    let data: &[u8] = &e.data;
    if data.is_empty() {
        return item(other("empty", "skipped", Some("empty file".into())));
    }
    let head = &data[..data.len().min(64 * 1024)];
    if let Some(reason) = unread_container(head) {
        return item(other("unknown", "skipped", Some(reason.into())));
    }
    if looks_binary(head) {
        return item(other(
            "binary",
            "skipped",
            Some("binary content, not text".into()),
        ));
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
    match config.registry.detect(&head_text) {
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

/// The usage samples (memory, disk, load, processes...) of an opened
/// bundle, in `config.window` when set; for comparing two bundles' usage.
/// Reads only the snapshot files, not the logs.
pub fn usage_samples(bundle: &Bundle, config: &Config) -> Vec<crate::model::Sample> {
    let host = bundle_host(bundle).unwrap_or_else(|| "unknown".to_string());
    let mut out: Vec<crate::model::Sample> = bundle
        .entries
        .par_iter()
        .filter(|e| !e.data.is_empty())
        .filter_map(|e| {
            let head = &e.data[..e.data.len().min(64 * 1024)];
            if looks_binary(head) || crate::deps::is_dependency_file(&e.path, head) {
                return None;
            }
            // A parser's panic loses only this file's samples, as in analyze.
            let read =
                std::panic::AssertUnwindSafe(|| snapshot(e, &host, &String::from_utf8_lossy(head)));
            match std::panic::catch_unwind(read).ok()?? {
                Parsed::Usage { parsed, .. } => Some(parsed.samples),
                _ => None,
            }
        })
        .flatten()
        .filter(|s| config.window.is_none_or(|w| w.contains(s.time)))
        .collect();
    out.sort_by(|a, b| (a.time, &a.metric, &a.source).cmp(&(b.time, &b.metric, &b.source)));
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

/// Why a file that is itself a container or another encoding is not read.
/// The bundle reader opens archives and compressed files; what reaches
/// here is one it could not open (cut inside its first bytes, or nested
/// inside another compressed stream).
fn unread_container(head: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| head.starts_with(magic);
    Some(if starts(b"PK\x03\x04") {
        "zip data that could not be opened as an archive"
    } else if starts(&[0x1f, 0x8b])
        || starts(&[0xfd, b'7', b'z', b'X', b'Z', 0])
        || starts(&[0x28, 0xb5, 0x2f, 0xfd])
        || (starts(b"BZh") && head.get(3).is_some_and(|d| d.is_ascii_digit()))
    {
        "compressed data that could not be decompressed"
    } else if head.len() > 262 && &head[257..262] == b"ustar" {
        "tar data that could not be opened as an archive"
    } else if starts(&[0xff, 0xfe]) || starts(&[0xfe, 0xff]) {
        "UTF-16 text; only UTF-8 (and ASCII) is read"
    } else {
        return None;
    })
}

fn looks_binary(head: &[u8]) -> bool {
    let nul = memchr::memchr_iter(0, head).count();
    nul * 100 > head.len().max(1)
}

fn is_config(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    [".conf", ".cnf", ".ini", ".yaml", ".yml", ".toml", ".env"]
        .iter()
        .any(|s| name.ends_with(s))
        || path.split('/').any(|c| c == "config" || c == "etc")
}

fn inventory(
    bundle: &Bundle,
    items: &[Item],
    deps: &crate::deps::DepsOutcome,
) -> Vec<InventoryEntry> {
    let mut out: Vec<InventoryEntry> = bundle
        .entries
        .iter()
        .zip(items)
        .map(|(entry, it)| {
            let mut e = match &it.parsed {
                Parsed::Log { log, .. } => log_inventory(&it.path, log),
                Parsed::Usage { kind, parsed } => snapshot_inventory(
                    &it.path,
                    "usage",
                    kind.name().to_string(),
                    parsed.samples.len(),
                    parsed.samples.first().map(|s| s.time_source),
                    &parsed.issues,
                ),
                Parsed::PgDump(d) => snapshot_inventory(
                    &it.path,
                    "pg_stats",
                    format!("{} ({:?})", d.view.name(), d.format).to_lowercase(),
                    d.rows.len(),
                    Some(d.time_source),
                    &d.issues,
                ),
                Parsed::Other {
                    kind,
                    status,
                    reason,
                } => InventoryEntry {
                    path: it.path.clone(),
                    kind: kind.to_string(),
                    status,
                    reason: reason.clone(),
                    records: 0,
                    format: None,
                    time_source: None,
                    rotation: None,
                },
            };
            // The deps layer knows a file by its entry's path.
            if let Some(info) = deps.files.iter().find(|f| f.path == entry.path) {
                e.status = match info.status.as_str() {
                    "failed" => "failed",
                    "partial" => "partial",
                    _ => "parsed",
                };
                e.reason = info.reason.clone();
                e.records = info.packages as u64;
                e.format = Some(info.format.clone());
            }
            e.rotation = it.rotation.clone();
            if it.boot.is_some() {
                e.time_source = Some(TimeSource::BootTime);
            }
            if let Some(t) = &it.truncated {
                e.status = "partial";
                let r = e
                    .reason
                    .take()
                    .map(|r| format!("{r}; "))
                    .unwrap_or_default();
                e.reason = Some(format!("{r}{t}"));
            }
            e
        })
        .collect();
    out.extend(bundle.skipped.iter().map(|s| InventoryEntry {
        path: s.path.clone(),
        kind: "unknown".into(),
        status: "skipped",
        reason: Some(s.reason.clone()),
        records: 0,
        format: None,
        time_source: None,
        rotation: None,
    }));
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn snapshot_inventory(
    path: &str,
    kind: &str,
    format: String,
    records: usize,
    time_source: Option<TimeSource>,
    issues: &[FileIssue],
) -> InventoryEntry {
    let reason = issues
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    InventoryEntry {
        path: path.to_string(),
        kind: kind.to_string(),
        status: if issues.is_empty() {
            "parsed"
        } else {
            "partial"
        },
        reason: (!issues.is_empty()).then_some(reason),
        records: records as u64,
        format: Some(format),
        time_source,
        rotation: None,
    }
}

fn log_inventory(path: &str, log: &LogFile) -> InventoryEntry {
    let mut reasons = Vec::new();
    if let Some((n, l)) = &log.first_unparsed {
        reasons.push(format!(
            "{} unparsed lines, first at line {n}: {l}",
            log.unparsed
        ));
    }
    if let Some((n, l)) = &log.first_no_time {
        reasons.push(format!(
            "{} records without a readable time, first at line {n}: {l}",
            log.no_time
        ));
    }
    if let Some((n, l)) = &log.first_implausible {
        let k = log.implausible.len();
        reasons.push(format!(
            "{k} record{} with an implausible time, set aside from the timeline, first at \
             line {n}: {l}",
            if k == 1 { "" } else { "s" }
        ));
    }
    if log.invalid_utf8 > 0 {
        reasons.push(format!(
            "{} lines with bytes that are not UTF-8",
            log.invalid_utf8
        ));
    }
    if log.cut > 0 {
        reasons.push(format!("{} records cut at 64 KiB", log.cut));
    }
    let status = if reasons.is_empty() {
        "parsed"
    } else {
        "partial"
    };
    InventoryEntry {
        path: path.to_string(),
        kind: "log".into(),
        status,
        reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
        records: log.records.len() as u64,
        format: Some(log.format.clone()),
        time_source: Some(TimeSource::Content),
        rotation: None,
    }
}

/// Per-file problems worth a warning line on stderr.
pub fn warnings(report: &Report) -> Vec<FileIssue> {
    report
        .inventory
        .iter()
        .filter(|e| match e.status {
            "failed" | "partial" => true,
            // A skipped document or empty file is expected in a bundle;
            // a refused archive entry or an unknown format is worth a line.
            "skipped" => !matches!(e.kind.as_str(), "document" | "empty"),
            _ => false,
        })
        .map(|e| FileIssue {
            path: e.path.clone(),
            line: None,
            message: e.reason.clone().unwrap_or_default(),
        })
        .collect()
}

/// One row of the merged timeline.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimelineRow {
    /// RFC 3339 UTC, or null with `no_time` saying why.
    pub time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_time: Option<&'static str>,
    pub source: String,
    pub line: u64,
    pub format: String,
    pub host: String,
    /// The service the bundle's layout names, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub severity: crate::model::Severity,
    pub message: String,
}

/// Why a record whose time was set aside has none.
const IMPLAUSIBLE: &str = "its time is implausible for the bundle (before 2000, or far from \
     the collection time); see the file's inventory line";

/// Every log record of the bundle on one clock, in time order; records
/// without a time come last. Records of equal time, and those without,
/// keep file order: a rotated family's files oldest first, then line.
pub fn timeline(path: &Path, config: &Config) -> Result<Vec<TimelineRow>, bundle::OpenError> {
    let bundle = bundle::open(path, &config.limits)?;
    let (items, _, _) = parse_all(&bundle, config);
    let mut rows: Vec<(&Item, TimelineRow)> = items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => Some((it, log)),
            _ => None,
        })
        .flat_map(|(it, log)| {
            log.records.iter().map(move |r| {
                let row = TimelineRow {
                    time: r.time,
                    no_time: r.time.is_none().then_some(
                        if log.format == DMESG_RAW && it.boot.is_none() {
                            NO_BOOT_TIME
                        } else if log.implausible.binary_search(&r.line).is_ok() {
                            IMPLAUSIBLE
                        } else {
                            "no readable time in the record"
                        },
                    ),
                    source: it.path.clone(),
                    line: r.line,
                    format: log.format.clone(),
                    host: r.host.clone().unwrap_or_else(|| it.host.clone()),
                    service: it.service.clone(),
                    severity: r.severity,
                    message: r.message.clone(),
                };
                (it, row)
            })
        })
        .collect();
    rows.sort_by(|(ia, a), (ib, b)| {
        (a.time.is_none(), a.time)
            .cmp(&(b.time.is_none(), b.time))
            .then_with(|| ia.file_order().cmp(&ib.file_order()))
            .then(a.line.cmp(&b.line))
    });
    Ok(rows.into_iter().map(|(_, r)| r).collect())
}
