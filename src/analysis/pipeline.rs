//! The `analyze` job: open, detect, parse in parallel, mine, correlate,
//! and fill one [`Report`].
//!
//! Each entry of the bundle is detected and parsed on its own (rayon over
//! entries), then results are merged in path order, so the report is the
//! same whatever the thread count.

use super::{correlate, signatures};
use crate::bundle::{self, Bundle, Entry, Limits};
use crate::logs::{self, LogFile, Registry};
use crate::model::{FileIssue, TimeSource};
use crate::report::model::*;
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
                        ctx.zone.iana_name().unwrap_or("the --timezone zone"),
                        log.year_inferred
                    );
                }
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
    let items = bundle
        .entries
        .par_iter()
        .map(|e| parse_guarded(e, &host, &ctx, config))
        .collect();
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
            path: e.path.clone(),
            host: host.to_string(),
            parsed: Parsed::Other {
                kind: "unknown",
                status: "failed",
                reason: Some(format!(
                    "a parser failed on this file (a bug; please report it): {what}"
                )),
            },
            truncated: e.truncated.clone(),
        }
    })
}

fn parse_entry(e: &Entry, host: &str, ctx: &TimeCtx, config: &Config) -> Item {
    let item = |parsed| Item {
        path: e.path.clone(),
        host: host.to_string(),
        parsed,
        truncated: e.truncated.clone(),
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
fn unread_container(head: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| head.starts_with(magic);
    Some(if starts(b"PK\x03\x04") {
        "a zip archive inside the bundle; nested archives are not opened"
    } else if starts(&[0x1f, 0x8b]) {
        "gzip data inside the bundle under a name without .gz; not opened"
    } else if starts(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        "xz-compressed; only gzip is decompressed"
    } else if starts(&[0x28, 0xb5, 0x2f, 0xfd]) {
        "zstd-compressed; only gzip is decompressed"
    } else if starts(b"BZh") && head.get(3).is_some_and(|d| d.is_ascii_digit()) {
        "bzip2-compressed; only gzip is decompressed"
    } else if head.len() > 262 && &head[257..262] == b"ustar" {
        "a tar archive inside the bundle; nested archives are not opened"
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
    let mut out: Vec<InventoryEntry> = items
        .iter()
        .map(|it| {
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
                },
            };
            if let Some(info) = deps.files.iter().find(|f| f.path == it.path) {
                e.status = match info.status.as_str() {
                    "failed" => "failed",
                    "partial" => "partial",
                    _ => "parsed",
                };
                e.reason = info.reason.clone();
                e.records = info.packages as u64;
                e.format = Some(info.format.clone());
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
    pub severity: crate::model::Severity,
    pub message: String,
}

/// Every log record of the bundle on one clock, in time order; records
/// without a time come last, in file and line order.
pub fn timeline(path: &Path, config: &Config) -> Result<Vec<TimelineRow>, bundle::OpenError> {
    let bundle = bundle::open(path, &config.limits)?;
    let (items, _, _) = parse_all(&bundle, config);
    let mut rows: Vec<TimelineRow> = items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => Some((it, log)),
            _ => None,
        })
        .flat_map(|(it, log)| {
            log.records.iter().map(move |r| TimelineRow {
                time: r.time,
                no_time: r.time.is_none().then_some("no readable time in the record"),
                source: it.path.clone(),
                line: r.line,
                format: log.format.clone(),
                host: r.host.clone().unwrap_or_else(|| it.host.clone()),
                severity: r.severity,
                message: r.message.clone(),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.time.is_none(), a.time, &a.source, a.line).cmp(&(
            b.time.is_none(),
            b.time,
            &b.source,
            b.line,
        ))
    });
    Ok(rows)
}
