//! The `timeline` job: every log record of the bundle merged onto one
//! clock.

use super::dmesg::{DMESG_RAW, NO_BOOT_TIME};
use super::pipeline::{parse_all, Config, Item, Parsed};
use crate::bundle;
use jiff::Timestamp;
use std::path::Path;

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

/// Every log record of the bundle on one clock, in time order. A record
/// without a time sorts just after the timed record before it in its file
/// (its time stays null); a file's records before any time come last.
/// Records of equal time, and those without, keep file order: a rotated
/// family's files oldest first, then line.
///
/// Also returns, as `path: why`, each file that gives no record although
/// it may hold log lines (no known format reads it, it could not be read,
/// or it was judged binary) and each log whose lines are not all in the
/// rows (lines before its first record, lines of NUL bytes alone): the
/// timeline would otherwise leave them out without a word.
pub fn timeline(
    path: &Path,
    config: &Config,
) -> Result<(Vec<TimelineRow>, Vec<String>), bundle::OpenError> {
    let bundle = bundle::open(path, &config.limits)?;
    let (items, _, _) = parse_all(&bundle, config);
    let mut unread: Vec<String> = items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Other {
                kind: "unknown" | "log",
                status: "skipped" | "failed",
                reason,
            } => Some(format!(
                "{}: {}",
                it.path,
                reason.as_deref().unwrap_or("not read")
            )),
            Parsed::Other {
                kind: "binary",
                reason,
                ..
            } => Some(format!(
                "{}: judged binary, not read: {}",
                it.path,
                reason.as_deref().unwrap_or("not text")
            )),
            Parsed::Log { log, .. } => left_out_lines(&it.path, log),
            _ => None,
        })
        .collect();
    // A file cut at a size limit, or by the end of a truncated archive:
    // what lay past the cut is not in the timeline.
    unread.extend(items.iter().filter_map(|it| {
        it.truncated.as_ref().map(|why| {
            format!(
                "{}: cut short, records past the cut are missing: {why}",
                it.path
            )
        })
    }));
    unread.extend(
        bundle
            .skipped
            .iter()
            .map(|s| format!("{}: {}", s.path, s.reason)),
    );
    let mut rows: Vec<(&Item, Option<jiff::Timestamp>, TimelineRow)> = items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => Some((it, log)),
            _ => None,
        })
        .flat_map(|(it, log)| {
            // A record without a time keeps its place in its file: it
            // sorts just after the timed record before it (V8's abort
            // between two JSON lines), and only a file's records before
            // any time go to the end.
            let mut last = None;
            log.records.iter().map(move |r| {
                last = r.time.or(last);
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
                (it, last, row)
            })
        })
        .collect();
    rows.sort_by(|(ia, ea, a), (ib, eb, b)| {
        (ea.is_none(), ea)
            .cmp(&(eb.is_none(), eb))
            .then_with(|| ia.file_order().cmp(&ib.file_order()))
            .then(a.line.cmp(&b.line))
    });
    Ok((rows.into_iter().map(|(_, _, r)| r).collect(), unread))
}

/// What a log's rows leave out of its lines, as `path: why`: the lines
/// before its first record, which its format does not read, and the lines
/// of NUL bytes alone. `None` when every line is in a row.
fn left_out_lines(path: &str, log: &crate::logs::LogFile) -> Option<String> {
    let mut parts = Vec::new();
    if let Some((n, l)) = &log.first_unparsed {
        parts.push(format!(
            "{} line{} before the first record not read as {} and not in the timeline, \
             first at line {n}: {l}",
            log.unparsed,
            if log.unparsed == 1 { "" } else { "s" },
            log.format
        ));
    }
    if log.nul_only > 0 {
        parts.push(format!(
            "{} line{} of NUL bytes alone not in the timeline",
            log.nul_only,
            if log.nul_only == 1 { "" } else { "s" }
        ));
    }
    (!parts.is_empty()).then(|| format!("{path}: {}", parts.join("; ")))
}
