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
    /// Each log-rate spike window, and what it holds more of than the rest
    /// of the bundle.
    pub spike_explanations: Vec<SpikeExplanation>,
    /// Signatures that appear, stop, come and go, or change rate,
    /// significant ones only, problems first.
    pub signature_shifts: Vec<SignatureShift>,
    /// Rate spikes, usage spikes and sources going quiet, in time order,
    /// each with its ranked candidate causes.
    pub anomalies: Vec<Anomaly>,
    /// Recurring error signatures: recurrence, precursors, confinement,
    /// days.
    pub intermittent: Vec<Intermittent>,
    /// Instances of one tier whose error rates disagree.
    pub disagreements: Vec<Disagreement>,
    /// Distinct values replaced by redaction tokens, by kind (`password`,
    /// `email`, `jwt`, ...). Empty when redaction found nothing; omitted
    /// when the report was made with `--no-redact`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redactions: Option<std::collections::BTreeMap<String, u64>>,
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
    /// `failing` (a problem finding scores 15 or more), `degraded` (a
    /// lesser problem), `changed` (dependency changes only), `ok` (no
    /// problem; perhaps descriptions such as the top queries) or `no
    /// evidence`.
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

/// Why a rate spike happened, as far as the logs tell: which keys (a
/// signature, host, source, route or status code) are over-represented in
/// the spike's window against the rest of the bundle's covered time (log
/// rate analysis, offline).
#[derive(Debug, Clone, Serialize)]
pub struct SpikeExplanation {
    /// The log-rate series that spiked in this window (`http.requests`,
    /// `http.5xx`, `signature:<id>`), widest spike first.
    pub metrics: Vec<String>,
    /// Host of the widest spike.
    pub host: String,
    /// First instant of the window.
    pub start: Timestamp,
    /// First instant after the window (the end of the last bucket).
    pub end: Timestamp,
    /// The baseline is every timed log record of the bundle outside the
    /// window; this is the first record's time.
    pub baseline_start: Timestamp,
    /// The last timed record's time.
    pub baseline_end: Timestamp,
    /// Timed log records inside the window.
    pub window_records: u64,
    /// Timed log records in the baseline.
    pub baseline_records: u64,
    /// Significantly over-represented keys, most significant first within
    /// each dimension, at most a few per dimension.
    pub items: Vec<OverRepresented>,
}

/// One key that a window holds more of than its baseline.
#[derive(Debug, Clone, Serialize)]
pub struct OverRepresented {
    /// `signature`, `host`, `source`, `route` or `status`.
    pub dimension: &'static str,
    /// The signature id, host name, file path, route or status code.
    pub key: String,
    /// The signature's template, when the dimension is `signature`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Occurrences inside the window.
    pub window: u64,
    /// Occurrences in the baseline.
    pub baseline: u64,
    /// Share of the window over share of the baseline (smoothed by half a
    /// count).
    pub ratio: f64,
    /// G-test p-value, Benjamini–Hochberg-corrected over the keys of its
    /// dimension.
    pub p_value: f64,
}

/// A signature that appears only after a time, stops, comes and goes, or
/// changes its rate, with the test that says so.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureShift {
    /// Signature id.
    pub signature: String,
    /// The signature's template, cut to 160 characters.
    pub template: String,
    /// `new` (absent before `at`, present after), `gone` (present before,
    /// absent after), `transient` (appears and stops: both tests
    /// significant, `at` is the appearance, `until` the last occurrence),
    /// `up` or `down` (rate changed at `at`, the best single split).
    pub change: &'static str,
    /// The change point.
    pub at: Timestamp,
    /// The last occurrence, for `transient` signatures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    /// Occurrences before the change point.
    pub before: u64,
    /// Occurrences at and after the change point.
    pub after: u64,
    /// Occurrences per hour before the change point, over the time the
    /// signature's own sources cover.
    pub before_per_hour: f64,
    /// Occurrences per hour from the change point on.
    pub after_per_hour: f64,
    /// Rate test (G) p-value, Benjamini–Hochberg-corrected over every
    /// test of this kind in the bundle.
    pub p_value: f64,
    /// The signature is a problem (an error, or a knowledge-base problem).
    pub problem: bool,
    /// Ranked candidate causes that precede the change point.
    pub causes: Vec<Cause>,
}

/// Something that stands out and asks for a cause: a rate spike, a usage
/// spike, a source that stops logging.
#[derive(Debug, Clone, Serialize)]
pub struct Anomaly {
    /// `rate_spike`, `usage_spike` or `quiet_source`.
    pub kind: &'static str,
    /// What happened, in words.
    pub title: String,
    /// When it starts.
    pub time: Timestamp,
    /// Hosts it was seen on.
    pub hosts: Vec<String>,
    /// Where it shows: the spike's source, or a quiet source's last line.
    pub evidence: Evidence,
    /// Ranked candidate causes that precede it.
    pub causes: Vec<Cause>,
}

/// A candidate cause of an anomaly: an event that precedes it.
#[derive(Debug, Clone, Serialize)]
pub struct Cause {
    /// `deploy` (dependency change), `config` (configuration file
    /// changed), `restart` (a stop, shutdown or deploy line in a log),
    /// `usage` (a spike in a usage series or in the request rate) or
    /// `signature` (another signature appearing, or an error rate
    /// spiking).
    pub kind: &'static str,
    /// The cause in words.
    pub title: String,
    /// Seconds from the cause's latest occurrence before the anomaly to
    /// the anomaly.
    pub lag_s: f64,
    /// Hosts the cause was seen on.
    pub hosts: Vec<String>,
    /// Whether a host of the cause is a host of the anomaly.
    pub same_host: bool,
    /// Occurrences of the cause followed by the anomaly within the cause
    /// window (five minutes): how consistently it precedes.
    pub followed: u64,
    /// The cause's occurrences in the whole bundle.
    pub occurrences: u64,
    /// Closeness (1 / (1 + lag / 60 s)) times consistency
    /// (`followed / occurrences`) times a host factor (0.7 on another
    /// host) times a prior (0.5 for another signature, often a symptom of
    /// the same cause), 0 to 1; the ranking key, not a probability.
    pub score: f64,
    /// Where the cause shows; its excerpt names the latest occurrence
    /// before the anomaly when the cause recurs.
    pub evidence: Evidence,
}

/// How one recurring error signature behaves: how it recurs, what precedes
/// it, where it is confined, and on which days.
#[derive(Debug, Clone, Serialize)]
pub struct Intermittent {
    /// Signature id.
    pub signature: String,
    /// The signature's template, cut to 160 characters.
    pub template: String,
    /// Occurrences in the bundle.
    pub count: u64,
    /// `one-off`, `burst`, `periodic`, `bursty` or `steady`.
    pub recurrence: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_s: Option<f64>,
    /// Episodes: runs of occurrences with no gap longer than the precursor
    /// window; precursors are looked for before each episode's start.
    pub episodes: u64,
    /// Occurrences per UTC day (`YYYY-MM-DD`), in day order.
    pub days: Vec<(String, u64)>,
    /// Keys that hold significantly more of this signature than of all
    /// records (one host, one source, one route).
    pub confined: Vec<OverRepresented>,
    /// Signatures and usage spikes over-represented in the windows before
    /// its episodes.
    pub precursors: Vec<Precursor>,
}

/// Something that tends to come shortly before a recurring error.
#[derive(Debug, Clone, Serialize)]
pub struct Precursor {
    /// `signature` or `usage`.
    pub kind: &'static str,
    /// Signature id, or `metric@host` for a usage spike.
    pub key: String,
    /// The signature's template, or `metric@host spikes`.
    pub label: String,
    /// The precursor itself recurs periodically (a cron-like job), with
    /// this period in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_s: Option<f64>,
    /// Episodes with the precursor in the window before them.
    pub preceded: u64,
    /// Episodes looked at.
    pub of: u64,
    /// The share of the covered time that lies within the window after an
    /// occurrence of the precursor: how often it would precede by chance.
    pub base_rate: f64,
    /// Over-representation in the windows before episodes against the rest
    /// of the time (share over share, smoothed by half a count).
    pub ratio: f64,
    /// G-test p-value, Benjamini–Hochberg-corrected over the candidates.
    pub p_value: f64,
}

/// Instances of one tier that disagree: one log stream (an instance) with
/// significantly more error records than its peers of the same format and
/// role.
#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    /// `error_rate` (error records per instance); the only kind so far.
    pub kind: &'static str,
    /// The disagreement in words.
    pub title: String,
    /// The source (instance) that stands out.
    pub key: String,
    /// Its records at level error or worse.
    pub errors: u64,
    /// Its records in all.
    pub records: u64,
    /// Its peers' error records, summed.
    pub peer_errors: u64,
    /// Its peers' records in all, summed.
    pub peer_records: u64,
    /// Its share of the group's errors over its share of the group's
    /// other records (smoothed by half a count).
    pub ratio: f64,
    /// G-test p-value, Benjamini–Hochberg-corrected over the group's
    /// instances.
    pub p_value: f64,
}
