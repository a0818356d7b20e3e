//! The one report model every renderer reads. Its JSON form is a contract:
//! `schema_version` changes when a field changes meaning or goes away.

use crate::model::{Evidence, Finding, Severity, Spike, Tier, TimeSource};
use jiff::Timestamp;
use serde::Serialize;

/// Bumped on any incompatible change of the JSON report.
pub const SCHEMA_VERSION: &str = "1.0";

/// The outside-in report of one bundle: what `analyze --format json`
/// writes.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Version of this format (`major.minor`); the major part changes
    /// when a field changes meaning or goes away.
    pub schema_version: &'static str,
    /// The program that wrote the report.
    pub tool: Tool,
    /// The bundle analyzed: name, hosts, time span, size.
    pub bundle: BundleInfo,
    /// The top findings, one line each.
    pub summary: Vec<String>,
    /// Ranked, most important first.
    pub findings: Vec<Finding>,
    /// Health of each outside-in tier, in tier order.
    pub tiers: Vec<TierStatus>,
    /// Trouble on the connections between tiers.
    pub connections: Vec<Connection>,
    /// Every log template mined from the bundle, most frequent first.
    pub signatures: Vec<Signature>,
    /// Windows where a usage series or a log rate rose far above its
    /// baseline, highest score first.
    pub spikes: Vec<Spike>,
    /// Dependency changes, in time order.
    pub changes: Vec<crate::deps::Change>,
    /// Lockfile format changes, reported once instead of as many changes.
    pub format_changes: Vec<crate::deps::FormatChange>,
    /// The same package at different versions in instances of one tier.
    pub version_skew: Vec<crate::deps::Skew>,
    /// Known-compromised versions present in the newest snapshots.
    pub known_compromised: Vec<crate::deps::KnownBad>,
    /// Changes, restarts, first and last sightings and findings, in time
    /// order.
    pub timeline: Vec<TimelineEvent>,
    /// What to add where the evidence ran out.
    pub instrumentation: Vec<Advice>,
    /// Every file of the bundle and what became of it, by path.
    pub inventory: Vec<InventoryEntry>,
    /// How well each log source covers the bundle's time.
    pub completeness: Vec<Coverage>,
    /// Host pairs whose clocks disagree, measured on requests both logged.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clock_skew: Vec<crate::analysis::skew::ClockSkew>,
    /// Distinct values replaced by redaction tokens, by kind (`password`,
    /// `email`, `jwt`, ...). Empty when redaction found nothing; omitted
    /// when the report was made with `--no-redact`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redactions: Option<std::collections::BTreeMap<String, u64>>,
    /// The series the HTML report charts, bounded in size.
    pub charts: super::charts::Charts,
}

/// The program that wrote the report.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    /// Always `outsidein`.
    pub name: &'static str,
    /// Its version.
    pub version: &'static str,
}

/// The bundle analyzed.
#[derive(Debug, Clone, Serialize)]
pub struct BundleInfo {
    /// File or folder name of the bundle.
    pub name: String,
    /// Hosts named by the bundle and its logs.
    pub hosts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// When the bundle was collected.
    pub collection_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Where the collection time came from: `path` (the bundle's name)
    /// or `mtime` (the newest file time).
    pub collection_time_source: Option<TimeSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Time of the earliest log record.
    pub start: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Time of the latest log record.
    pub end: Option<Timestamp>,
    /// Files in the bundle, read or not.
    pub files: usize,
    /// Log records read.
    pub records: u64,
}

/// Health of one tier, judged from its findings.
#[derive(Debug, Clone, Serialize)]
pub struct TierStatus {
    /// The tier.
    pub tier: Tier,
    /// `failing`, `degraded`, `changed` (dependency changes only), `ok` or
    /// `no evidence`.
    pub status: &'static str,
    /// Indexes into `findings`.
    pub findings: Vec<usize>,
    /// Files that speak for this tier.
    pub sources: Vec<String>,
}

/// Trouble on the connection between two tiers.
#[derive(Debug, Clone, Serialize)]
pub struct Connection {
    /// The tier that reported the trouble (the client side).
    pub from: Tier,
    /// The tier it could not reach or use.
    pub to: Tier,
    /// refused, timeout, reset, dns, auth, tls, limit.
    pub class: String,
    /// Log records that report it.
    pub count: u64,
    /// The first such record.
    pub first: Option<Timestamp>,
    /// The last such record.
    pub last: Option<Timestamp>,
    /// Ids of the signatures that report it.
    pub signatures: Vec<String>,
}

/// A recurring log template and where it was seen.
#[derive(Debug, Clone, Serialize)]
pub struct Signature {
    /// Stable across runs and bundles: derived from the template text.
    pub id: String,
    /// The message with its variable parts written `<*>`.
    pub template: String,
    /// Log records that match it.
    pub count: u64,
    /// The first matching record with a time.
    pub first_seen: Option<Timestamp>,
    /// The last matching record with a time.
    pub last_seen: Option<Timestamp>,
    /// Host and count, most first.
    pub hosts: Vec<(String, u64)>,
    /// Source file and count, most first.
    pub sources: Vec<(String, u64)>,
    /// The most severe level its records carry.
    pub severity: Severity,
    /// The tier its records speak for.
    pub tier: Tier,
    /// The knowledge-base entry it matched, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Routes (access logs and request logs) and count, most first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<(String, u64)>,
    /// Statistics of each `<*>` of the template, in order.
    pub params: Vec<crate::signature::ParamStats>,
    /// The first matching record.
    pub example: Evidence,
    /// How it recurs: `one-off`, `burst`, `periodic`, `bursty` or
    /// `steady`.
    pub recurrence: &'static str,
    /// The typical time between occurrences, in seconds, when periodic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_s: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
/// One moment of the incident.
pub struct TimelineEvent {
    /// When.
    pub time: Timestamp,
    /// change, lifecycle, first_seen, last_seen, spike, finding.
    pub kind: &'static str,
    /// What happened.
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The log line or snapshot that shows it.
    pub evidence: Option<Evidence>,
}

/// What to add where the evidence ran out.
#[derive(Debug, Clone, Serialize)]
pub struct Advice {
    /// What to add, in a few words.
    pub title: String,
    /// Where and why.
    pub detail: String,
}

/// One file of the bundle and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct InventoryEntry {
    /// Path inside the bundle.
    pub path: String,
    /// log, usage, pg_stats, dependencies, config, unknown.
    pub kind: String,
    /// parsed, partial, skipped, failed.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Why it is partial, skipped or failed, with the first line not
    /// read.
    pub reason: Option<String>,
    /// Records, samples, rows or packages read from it.
    pub records: u64,
    /// The detected format or snapshot kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Where its times came from: `content`, `path` or `mtime`.
    pub time_source: Option<TimeSource>,
    /// For a rotated log (`app.log.2.gz`), its family (`app.log`), its age
    /// in the family (0 for the newest) and the family's size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation: Option<crate::analysis::rotation::Rotation>,
}

/// How well one log source covers the bundle's time.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// The log file.
    pub source: String,
    /// Its earliest record.
    pub start: Option<Timestamp>,
    /// Its latest record.
    pub end: Option<Timestamp>,
    /// Records read.
    pub records: u64,
    /// Lines read.
    pub lines: u64,
    /// Lines no format reads (kept as text of the record before).
    pub unparsed: u64,
    /// Records without a readable time.
    pub no_time: u64,
    /// Times without a zone, read in the assumed zone.
    pub zone_assumed: u64,
    /// Times without a year, given the collection year.
    pub year_inferred: u64,
    /// Lines with bytes that are not UTF-8.
    pub invalid_utf8: u64,
    /// The longest stretch without a record, in seconds, and where it
    /// starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub largest_gap: Option<(Timestamp, i64)>,
}
