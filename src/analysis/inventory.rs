//! The report's inventory: one line per bundle entry saying what it was
//! read as, how much of it was read, and why not all of it; and the
//! per-file warnings drawn from it.

use super::pipeline::{Item, Parsed};
use crate::bundle::Bundle;
use crate::logs::LogFile;
use crate::model::{FileIssue, TimeSource};
use crate::report::model::*;

pub(super) fn inventory(
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
            if it.truncated.is_some() {
                e.status = "partial";
            }
            // A note (NUL bytes in a text file) and a cut add to the reason.
            for t in [&it.note, &it.truncated].into_iter().flatten() {
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
    // The entry names the file: an issue of that file says its line only.
    let reason = issues
        .iter()
        .map(|i| match (i.path == path, i.line) {
            (true, Some(l)) => format!("line {l}: {}", i.message),
            (true, None) => i.message.clone(),
            (false, _) => i.to_string(),
        })
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
    if let Some(n) = log.first_nul {
        reasons.push(format!(
            "{} lines held NUL bytes (zero-filled space), taken out, first at line {n}; \
             {} held nothing else and were not read",
            log.nul_led, log.nul_only
        ));
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
