//! From evidence to the report: findings ranked by weight and recurrence,
//! the status of each tier, the connections between tiers, candidate
//! causes that precede each problem, the timeline, and advice where the
//! evidence runs out.

use super::changes;
use super::coverage::{advice, completeness, tiers};
use super::findings::{group_key, is_problem, signature_findings};
use super::pipeline::{Evidence, Parsed};
use super::signatures::SigAgg;
use crate::model::{Evidence as Ev, Finding, Tier};
use crate::report::inline_code;
use crate::report::model::*;
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, BTreeSet};

/// The report, and the problems met across files that the inventory
/// should carry.
pub(crate) fn report(ev: &Evidence, sigs: Vec<SigAgg>) -> (Report, Vec<crate::model::FileIssue>) {
    let lifecycle = lifecycle_events(&sigs);
    let deploys = changes::deploys(ev.deps, ev.placed);
    let mut findings = signature_findings(&sigs);
    let from_logs = findings.len();
    let index = SigIndex::new(&sigs);
    for f in findings.iter_mut() {
        let group = index.group(&f.kind);
        let sensitive =
            (group.iter()).any(|s| s.kb.as_ref().is_some_and(|k| k.dependency_sensitive));
        let stack: String = (group.iter())
            .map(|s| s.stack.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        changes::link(f, sensitive, &stack, &deploys);
    }
    findings.extend(changes::findings(ev.deps, &deploys));
    let mut usage = usage_evidence(ev, &sigs);
    let issues = std::mem::take(&mut usage.issues);
    let chart_input = std::mem::take(&mut usage.charts);
    let evidence_gaps = counter_resets(&chart_input.usage);
    findings.extend(usage.findings);
    let records = super::explain::timed(ev.items);
    let spike_explanations =
        super::explain::explain(&records, &sigs, &usage.spikes, usage.rate_width);
    let cover = super::shifts::coverage(&records);
    let mut signature_shifts = super::shifts::shifts(&sigs, &cover, is_problem);
    let cands = super::causes::candidates(
        &sigs,
        &deploys,
        &usage.spikes,
        appearing(&index, &signature_shifts),
    );
    for x in signature_shifts.iter_mut() {
        let hosts = hosts_of(&index, &x.signature);
        x.causes = super::causes::rank(&cands, x.at, &hosts, &[&x.signature]);
    }
    for f in findings[..from_logs].iter_mut() {
        cite_causes(f, &index, &cands);
    }
    let sources = super::shifts::sources(ev.items);
    let intermittent =
        super::intermittent::analyse(&sigs, &records, &sources, &usage.spikes, is_problem);
    for f in findings[..from_logs].iter_mut() {
        cite_precursors(f, &index, &intermittent);
    }
    let anomalies = super::causes::anomalies(
        &usage.spikes,
        &spike_explanations,
        super::shifts::quiet_sources(ev.items),
        &cands,
    );
    let mut anomalies = anomalies;
    for a in anomalies.iter_mut() {
        a.title = readable(&a.title, &index);
        for c in a.causes.iter_mut() {
            c.title = readable(&c.title, &index);
        }
    }
    for c in signature_shifts
        .iter_mut()
        .flat_map(|x| x.causes.iter_mut())
    {
        c.title = readable(&c.title, &index);
    }
    findings.extend(super::disagree::pool_finding(
        ev.pools,
        ev.pg_max_connections,
    ));
    join(
        &mut findings,
        "pg.too_many_clients",
        &["pg.tier_imbalance", "pg.pool_oversubscribed"],
    );
    join(&mut findings, "usage.disk_full", &["system.disk_full"]);
    join(
        &mut findings,
        "usage.memory_growth",
        &[
            "app.killed",
            "app.heap_oom",
            "kernel.oom_kill",
            "usage.oom_kill",
        ],
    );
    rank(&mut findings);
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        bundle: bundle_info(ev, &sigs),
        summary: Vec::new(),
        tiers: Vec::new(),
        connections: connections(&sigs),
        signatures: Vec::new(),
        spikes: usage.spikes,
        changes: ev.deps.changes.clone(),
        format_changes: ev.deps.format_changes.clone(),
        version_skew: ev.deps.skew.clone(),
        known_compromised: ev.deps.known_compromised.clone(),
        timeline: Vec::new(),
        instrumentation: advice(ev, &sigs),
        inventory: Vec::new(),
        completeness: completeness(ev),
        clock_skew: super::skew::estimate(ev.items),
        evidence_gaps,
        spike_explanations,
        signature_shifts,
        anomalies,
        intermittent,
        disagreements: super::disagree::error_rates(&records, &sources),
        findings,
        redactions: None,
        charts: Default::default(),
    };
    report.timeline = timeline(&sigs, &lifecycle, &report.findings);
    for d in &deploys {
        if let Some(time) = d.time {
            report.timeline.push(TimelineEvent {
                time,
                kind: "change",
                title: format!("dependencies changed: {}", d.headline()),
                evidence: None,
            });
        }
    }
    report
        .timeline
        .sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.title.cmp(&b.title)));
    report.tiers = tiers(ev, &sigs, &report.findings);
    report.summary = summary(&report.findings);
    report.signatures = sigs.into_iter().map(|s| s.row).collect();
    report.charts = super::charts::build(&chart_input, &report);
    (report, issues)
}

/// A title with each `signature:<id>` (a signature's rate series) named
/// by its template, which a reader can recognise.
fn readable(title: &str, sigs: &SigIndex) -> String {
    let Some(at) = title.find("signature:") else {
        return title.to_string();
    };
    let rest = &title[at + "signature:".len()..];
    let id: String = rest.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    match sigs.id(&id) {
        Some(s) => format!(
            "{}{}{}",
            &title[..at],
            inline_code(&crate::model::excerpt(&s.row.template, 60)),
            &rest[id.len()..]
        ),
        None => title.to_string(),
    }
}

/// The hosts a signature was seen on.
fn hosts_of(sigs: &SigIndex, id: &str) -> Vec<String> {
    sigs.id(id)
        .map(|s| s.row.hosts.iter().map(|(h, _)| h.clone()).collect())
        .unwrap_or_default()
}

/// The signatures found by id and by the finding they join
/// ([`group_key`]), each key made once: looked up by a walk over all of
/// them for every finding, a log of thousands of distinct errors took
/// minutes (QA: 16,000 distinct error lines, 85 s).
struct SigIndex<'a> {
    by_id: std::collections::HashMap<&'a str, &'a SigAgg>,
    by_kind: std::collections::HashMap<String, Vec<&'a SigAgg>>,
}

impl<'a> SigIndex<'a> {
    fn new(sigs: &'a [SigAgg]) -> Self {
        let mut by_kind: std::collections::HashMap<String, Vec<&SigAgg>> = Default::default();
        for s in sigs {
            by_kind.entry(group_key(s)).or_default().push(s);
        }
        // The first of an id, as a walk would find it.
        let mut by_id = std::collections::HashMap::with_capacity(sigs.len());
        for s in sigs {
            by_id.entry(s.row.id.as_str()).or_insert(s);
        }
        SigIndex { by_id, by_kind }
    }

    fn id(&self, id: &str) -> Option<&'a SigAgg> {
        self.by_id.get(id).copied()
    }

    /// The signatures of finding kind `kind`, in their order.
    fn group(&self, kind: &str) -> &[&'a SigAgg] {
        self.by_kind.get(kind).map_or(&[], Vec::as_slice)
    }
}

/// Signatures that appear (new or transient), as candidate causes of what
/// follows them.
fn appearing(
    sigs: &SigIndex,
    shifts: &[SignatureShift],
) -> Vec<(String, String, Timestamp, Vec<String>, Ev)> {
    shifts
        .iter()
        .filter(|x| matches!(x.change, "new" | "transient"))
        .filter_map(|x| {
            let s = sigs.id(&x.signature)?;
            let title = inline_code(&crate::model::excerpt(&s.row.template, 80));
            Some((
                x.signature.clone(),
                title,
                x.at,
                hosts_of(sigs, &x.signature),
                s.row.example.clone(),
            ))
        })
        .collect()
}

/// Usage and statistics checks score on a 0 to 100 scale; log findings on
/// weight × (1 + log10(1 + count)), 10 to 40 for most. This brings the
/// first onto the second.
const USAGE_SCALE: f64 = 0.4;

/// What snapshots, statistics dumps and log rates say.
struct UsageEvidence {
    findings: Vec<Finding>,
    /// Problems found across files (a dump whose columns differ from the
    /// one before it), for the inventory.
    issues: Vec<crate::model::FileIssue>,
    spikes: Vec<crate::model::Spike>,
    /// The samples the charts draw.
    charts: super::charts::ChartInput,
    /// The bucket width of the log-rate series.
    rate_width: SignedDuration,
}

fn usage_evidence(ev: &Evidence, sigs: &[SigAgg]) -> UsageEvidence {
    let mut samples = Vec::new();
    let mut dumps = Vec::new();
    for it in ev.items {
        match &it.parsed {
            Parsed::Usage { parsed, .. } => samples.extend(parsed.samples.iter().cloned()),
            Parsed::PgDump(d) => dumps.push(d.clone()),
            _ => {}
        }
    }
    let usage = crate::usage::analyze(&samples);
    let pg = crate::postgres::analyze_dumps_with(&dumps, ev.pg_max_connections);
    let problems: Vec<&SigAgg> = sigs.iter().filter(|s| is_problem(s)).collect();
    let (rate_samples, rate_width) = super::rates::samples(ev.items, &problems);
    let mut spikes = usage.spikes;
    spikes.extend(pg.spikes);
    spikes.extend(
        crate::analysis::series::find_spikes(&rate_samples)
            .into_iter()
            .filter(|s| s.peak >= 5.0),
    );
    spikes.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.start.cmp(&b.start))
            .then_with(|| a.metric.cmp(&b.metric))
    });
    let mut findings = usage.findings;
    findings.extend(pg.findings);
    for f in findings.iter_mut() {
        f.score *= USAGE_SCALE;
    }
    samples.extend(pg.samples);
    UsageEvidence {
        findings,
        spikes,
        issues: pg.issues,
        charts: super::charts::ChartInput {
            rates: rate_samples,
            usage: samples,
            max_connections: pg.max_connections,
            queries: pg
                .top_queries
                .iter()
                .map(|q| (q.fingerprint_id.clone(), q.fingerprint.clone()))
                .collect(),
        },
        rate_width,
    }
}

/// Names the candidate causes that come before a problem (see
/// [`super::causes`]): the two best, with their lags, and the best one's
/// evidence. The problem's own signatures, and their rate spikes, are not
/// its causes.
fn cite_causes(f: &mut Finding, sigs: &SigIndex, cands: &[super::causes::Candidate]) {
    let Some(at) = f.time else { return };
    let group = sigs.group(&f.kind);
    let ids: Vec<&str> = group.iter().map(|s| s.row.id.as_str()).collect();
    let hosts: BTreeSet<String> = group
        .iter()
        .flat_map(|s| s.row.hosts.iter().map(|(h, _)| h.clone()))
        .collect();
    let hosts: Vec<String> = hosts.into_iter().collect();
    let causes = super::causes::rank(cands, at, &hosts, &ids);
    let Some(best) = causes.first() else { return };
    let named: Vec<String> = causes
        .iter()
        .take(2)
        .map(|c| {
            let title = readable(&c.title, sigs);
            format!("{} {title}, {:.1} s before", c.kind, c.lag_s)
        })
        .collect();
    f.detail.push_str(&format!(
        " Before it, closest and most consistent first: {}.",
        named.join("; ")
    ));
    if !f.evidence.contains(&best.evidence) {
        f.evidence.push(best.evidence.clone());
    }
}

/// Statistics counters that started over between two dumps, one gap per
/// dump file and statistic.
fn counter_resets(samples: &[crate::model::Sample]) -> Vec<EvidenceGap> {
    let mut by: BTreeMap<(&str, &str), (Timestamp, u64)> = BTreeMap::new();
    for s in samples {
        if let Some(stat) = s.metric.strip_suffix(".counter_reset") {
            let e = by.entry((&s.source, stat)).or_insert((s.time, 0));
            e.1 += 1;
        }
    }
    by.into_iter()
        .map(|((source, stat), (time, rows))| EvidenceGap {
            kind: "counter_reset",
            source: source.to_string(),
            time: Some(time),
            detail: format!(
                "{stat}: counters of {rows} row{} started over since the dump before \
                 (stats_reset changed or a value went down); their rates over that \
                 interval are unknown",
                if rows == 1 { "" } else { "s" }
            ),
        })
        .collect()
}

/// Says what tends to come shortly before a finding's episodes (a job
/// that starts before each burst of errors): the strongest precursor of
/// the finding's signatures, with how often it preceded and how often
/// chance would have it.
fn cite_precursors(f: &mut Finding, sigs: &SigIndex, recurring: &[Intermittent]) {
    let ids: BTreeSet<&str> = (sigs.group(&f.kind).iter())
        .map(|s| s.row.id.as_str())
        .collect();
    let best = recurring
        .iter()
        .filter(|i| ids.contains(i.signature.as_str()))
        .flat_map(|i| i.precursors.iter().map(move |p| (i, p)))
        .min_by(|a, b| a.1.p_value.total_cmp(&b.1.p_value));
    let Some((i, p)) = best else { return };
    let what = match p.kind {
        "signature" => inline_code(&crate::model::excerpt(&p.label, 60)),
        _ => p.label.clone(),
    };
    let every = p
        .period_s
        .map(|s| format!(", itself every {s:.0} s"))
        .unwrap_or_default();
    f.detail.push_str(&format!(
        " Its episodes follow {}{every}: {} of {} episodes had it in the {:.0} s before, \
         where chance gives {:.0}%.",
        what,
        p.preceded,
        p.of,
        i.window_s,
        p.base_rate * 100.0
    ));
}

/// Folds findings that tell one story from two sides into the first: the
/// log's `too many clients` and pg_stat_activity at max_connections; df
/// full and ENOSPC errors; a process's memory climbing and it being killed.
/// The joined finding keeps both details and all evidence, and outranks
/// either alone.
fn join(findings: &mut Vec<Finding>, into: &str, from: &[&str]) {
    if !findings.iter().any(|f| f.kind == into) {
        return;
    }
    let (joined, kept): (Vec<Finding>, Vec<Finding>) = std::mem::take(findings)
        .into_iter()
        .partition(|f| from.contains(&f.kind.as_str()));
    *findings = kept;
    let target = findings
        .iter_mut()
        .find(|f| f.kind == into)
        .expect("checked above");
    for f in joined {
        target.title = format!("{}; {}", target.title, f.title);
        target.detail = format!("{} {}", target.detail, f.detail);
        target.score = target.score.max(f.score) + 0.5 * target.score.min(f.score);
        target.time = target.time.into_iter().chain(f.time).min();
        target.end = target.end.into_iter().chain(f.end).max();
        target.evidence.extend(f.evidence);
    }
}

/// Sorts findings by score, then by time and title for a total order.
pub(crate) fn rank(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.time.cmp(&b.time))
            .then_with(|| a.title.cmp(&b.title))
    });
}

/// Findings that report a change or describe the workload rather than a
/// problem: a dependency change, the top queries by time and by calls.
pub(crate) fn is_informational(f: &Finding) -> bool {
    matches!(
        f.kind.as_str(),
        "deps.change" | "pg.top_queries" | "pg.top_queries_by_calls"
    )
}

/// The top three problems, one line each; changes only when no problem
/// was found.
pub(crate) fn summary(findings: &[Finding]) -> Vec<String> {
    let problems: Vec<&Finding> = findings.iter().filter(|f| !is_informational(f)).collect();
    if problems.is_empty() {
        let mut out = vec!["No problem found in the evidence.".to_string()];
        out.extend(
            findings
                .iter()
                .take(3)
                .map(|f| format!("Change: {}", f.title)),
        );
        return out;
    }
    problems
        .into_iter()
        .take(3)
        .enumerate()
        .map(|(i, f)| format!("{}. {}: {}", i + 1, f.tier.title(), f.title))
        .collect()
}

/// A restart, deploy or start seen in the logs.
pub(crate) struct Lifecycle {
    pub time: Timestamp,
    pub title: String,
    pub evidence: Ev,
}

/// A stop, shutdown or deploy line: these can cause what follows; a start
/// line only says a process is up.
pub(crate) fn is_stop(s: &SigAgg) -> bool {
    s.kb.as_ref().is_some_and(|k| {
        k.lifecycle
            && (k.kind.ends_with("shutdown") || k.kind == "app.stop" || k.kind == "app.deploy")
    })
}

/// Every start, restart, stop and deploy line as a timeline event; where
/// a signature's occurrences were thinned, its last event says how many
/// are not marked.
fn lifecycle_events(sigs: &[SigAgg]) -> Vec<Lifecycle> {
    let mut out: Vec<Lifecycle> = sigs
        .iter()
        .filter(|s| s.kb.as_ref().is_some_and(|k| k.lifecycle))
        .flat_map(|s| {
            let n = s.occurrences.len();
            s.occurrences.iter().enumerate().filter_map(move |(i, e)| {
                let mut title = e.excerpt.clone();
                if i + 1 == n && s.occurrences_omitted > 0 {
                    title.push_str(&format!(
                        " ({} of {} occurrences marked, spread evenly)",
                        n,
                        n as u64 + s.occurrences_omitted
                    ));
                }
                Some(Lifecycle {
                    time: e.time?,
                    title,
                    evidence: e.clone(),
                })
            })
        })
        .collect();
    out.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.title.cmp(&b.title)));
    out
}

fn connections(sigs: &[SigAgg]) -> Vec<Connection> {
    let mut by: BTreeMap<(Tier, Tier, String), Connection> = BTreeMap::new();
    for s in sigs {
        let Some(k) = &s.kb else { continue };
        let (Some(class), Some(peer)) = (&k.connection, k.peer) else {
            continue;
        };
        // The client side of the connection comes first.
        let (from, to) = match (k.tier, peer) {
            (Tier::Data, Tier::Application) => (Tier::Application, Tier::Data),
            (Tier::SourcesDestinations, p) => (p, Tier::SourcesDestinations),
            (t, p) => (t, p),
        };
        let c = by
            .entry((from, to, class.clone()))
            .or_insert_with(|| Connection {
                from,
                to,
                class: class.clone(),
                count: 0,
                first: None,
                last: None,
                signatures: Vec::new(),
            });
        c.count += s.row.count;
        c.first = c.first.into_iter().chain(s.row.first_seen).min();
        c.last = c.last.into_iter().chain(s.row.last_seen).max();
        c.signatures.push(s.row.id.clone());
    }
    let mut v: Vec<Connection> = by.into_values().collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.class.cmp(&b.class)));
    v
}

fn bundle_info(ev: &Evidence, sigs: &[SigAgg]) -> BundleInfo {
    let mut hosts: BTreeSet<String> = BTreeSet::new();
    for s in sigs {
        hosts.extend(s.row.hosts.iter().map(|(h, _)| h.clone()));
    }
    hosts.remove("unknown");
    let start = sigs.iter().filter_map(|s| s.row.first_seen).min();
    let end = sigs.iter().filter_map(|s| s.row.last_seen).max();
    BundleInfo {
        name: String::new(),
        hosts: hosts.into_iter().collect(),
        collection_time: ev.collection_time,
        collection_time_source: None,
        start,
        end,
        files: 0,
        records: sigs.iter().map(|s| s.row.count).sum(),
    }
}

fn timeline(sigs: &[SigAgg], lifecycle: &[Lifecycle], findings: &[Finding]) -> Vec<TimelineEvent> {
    let mut out: Vec<TimelineEvent> = lifecycle
        .iter()
        .map(|l| TimelineEvent {
            time: l.time,
            kind: "lifecycle",
            title: l.title.clone(),
            evidence: Some(l.evidence.clone()),
        })
        .collect();
    for s in sigs.iter().filter(|s| is_problem(s)) {
        if let Some(t) = s.row.first_seen {
            out.push(TimelineEvent {
                time: t,
                kind: "first_seen",
                title: format!(
                    "first {}",
                    inline_code(&crate::model::excerpt(&s.row.template, 100))
                ),
                evidence: Some(s.row.example.clone()),
            });
        }
    }
    for f in findings {
        if let (Some(end), Some(_)) = (f.end, f.time) {
            out.push(TimelineEvent {
                time: end,
                kind: "last_seen",
                title: format!("last of {}", f.kind),
                evidence: None,
            });
        }
    }
    out.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.title.cmp(&b.title)));
    out
}
