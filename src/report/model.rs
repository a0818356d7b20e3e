//! The one report model every renderer reads. Its JSON form is a contract:
//! `schema_version` changes when a field changes meaning or goes away.

use crate::model::{Evidence, Finding, Severity, Spike, Tier, TimeSource};
use jiff::Timestamp;
use serde::Serialize;

/// Bumped on any incompatible change of the JSON report.
pub const SCHEMA_VERSION: &str = "1.0";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: &'static str,
    pub tool: Tool,
    pub bundle: BundleInfo,
    /// The top findings, one line each.
    pub summary: Vec<String>,
    /// Ranked, most important first.
    pub findings: Vec<Finding>,
    pub tiers: Vec<TierStatus>,
    pub connections: Vec<Connection>,
    pub signatures: Vec<Signature>,
    pub spikes: Vec<Spike>,
    /// Dependency changes, in time order.
    pub changes: Vec<crate::deps::Change>,
    /// Lockfile format changes, reported once instead of as many changes.
    pub format_changes: Vec<crate::deps::FormatChange>,
    /// The same package at different versions in instances of one tier.
    pub version_skew: Vec<crate::deps::Skew>,
    /// Known-compromised versions present in the newest snapshots.
    pub known_compromised: Vec<crate::deps::KnownBad>,
    pub timeline: Vec<TimelineEvent>,
    pub instrumentation: Vec<Advice>,
    pub inventory: Vec<InventoryEntry>,
    pub completeness: Vec<Coverage>,
    /// Distinct values replaced by redaction tokens, by kind (`password`,
    /// `email`, `jwt`, ...). Empty when redaction found nothing; omitted
    /// when the report was made with `--no-redact`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redactions: Option<std::collections::BTreeMap<String, u64>>,
    /// The series the HTML report charts, bounded in size.
    pub charts: super::charts::Charts,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct BundleInfo {
    pub name: String,
    pub hosts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection_time: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection_time_source: Option<TimeSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
    pub files: usize,
    pub records: u64,
}

/// Health of one tier, judged from its findings.
#[derive(Debug, Clone, Serialize)]
pub struct TierStatus {
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
    pub from: Tier,
    pub to: Tier,
    /// refused, timeout, reset, dns, auth, tls, limit.
    pub class: String,
    pub count: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    pub signatures: Vec<String>,
}

/// A recurring log template and where it was seen.
#[derive(Debug, Clone, Serialize)]
pub struct Signature {
    /// Stable across runs and bundles: derived from the template text.
    pub id: String,
    pub template: String,
    pub count: u64,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    /// Host and count, most first.
    pub hosts: Vec<(String, u64)>,
    /// Source file and count, most first.
    pub sources: Vec<(String, u64)>,
    pub severity: Severity,
    pub tier: Tier,
    /// The knowledge-base entry it matched, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Routes (access logs and request logs) and count, most first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<(String, u64)>,
    pub params: Vec<crate::signature::ParamStats>,
    pub example: Evidence,
    /// How it recurs: `one-off`, `burst`, `periodic`, `bursty` or
    /// `steady`.
    pub recurrence: &'static str,
    /// The typical time between occurrences, in seconds, when periodic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_s: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimelineEvent {
    pub time: Timestamp,
    /// change, lifecycle, first_seen, spike, finding.
    pub kind: &'static str,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

/// What to add where the evidence ran out.
#[derive(Debug, Clone, Serialize)]
pub struct Advice {
    pub title: String,
    pub detail: String,
}

/// One file of the bundle and what became of it.
#[derive(Debug, Clone, Serialize)]
pub struct InventoryEntry {
    pub path: String,
    /// log, usage, pg_stats, dependencies, config, unknown.
    pub kind: String,
    /// parsed, partial, skipped, failed.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub records: u64,
    /// The detected format or snapshot kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_source: Option<TimeSource>,
}

/// How well one log source covers the bundle's time.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub source: String,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub records: u64,
    pub lines: u64,
    pub unparsed: u64,
    pub no_time: u64,
    pub zone_assumed: u64,
    pub year_inferred: u64,
    pub invalid_utf8: u64,
    /// The longest stretch without a record, in seconds, and where it
    /// starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub largest_gap: Option<(Timestamp, i64)>,
}
