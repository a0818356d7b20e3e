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
    /// Where the evidence has holes the coverage table does not show:
    /// rotated files missing from a family, statistics counters reset
    /// between two dumps.
    pub evidence_gaps: Vec<EvidenceGap>,
    /// Distinct values replaced by redaction tokens, by kind (`password`,
    /// `email`, `jwt`, ...). Empty when redaction found nothing; omitted
    /// when the report was made with `--no-redact`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redactions: Option<std::collections::BTreeMap<String, u64>>,
    /// The series the HTML report charts, bounded in size.
    pub charts: super::charts::Charts,
}

impl Report {
    /// The signatures section 5 lists: warnings and errors, and any the
    /// knowledge base names.
    pub fn problem_signatures(&self) -> Vec<&Signature> {
        self.signatures
            .iter()
            .filter(|s| s.severity.is_problem() || s.kind.is_some())
            .collect()
    }
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
    /// Routes (access logs and request logs) by shape, numeric segments
    /// as `<n>` and no query, and count, most first.
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
    /// Records whose time was implausible for the bundle (before 2000,
    /// or far from the collection time), kept off the timeline.
    pub implausible_time: u64,
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
    /// The typical time between occurrences, in seconds, when periodic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_s: Option<f64>,
    /// Episodes: runs of occurrences with no gap longer than the precursor
    /// window; precursors are looked for before each episode's start.
    pub episodes: u64,
    /// The precursor window, in seconds: 60, or half the shortest gap
    /// between bursts when the signature's bursts come closer together
    /// than that.
    pub window_s: f64,
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

/// A hole in the evidence: something the bundle should hold and does not,
/// or a counter that started over.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceGap {
    /// `rotated_away` (numbered rotations missing between the newest and
    /// the oldest file of a family) or `counter_reset` (a cumulative
    /// statistic went down or its `stats_reset` changed between dumps, so
    /// its rate over that interval is unknown).
    pub kind: &'static str,
    /// The family's base path, or the dump file after the reset.
    pub source: String,
    /// When the reset was seen; omitted for missing files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<Timestamp>,
    /// What is missing, in words.
    pub detail: String,
}
