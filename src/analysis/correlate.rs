//! From evidence to the report: findings ranked by weight and recurrence,
//! the status of each tier, the connections between tiers, candidate
//! causes that precede each problem, the timeline, and advice where the
//! evidence runs out.

use super::changes;
use super::pipeline::{Evidence, Parsed};
use super::signatures::SigAgg;
use crate::model::{Evidence as Ev, Finding, Severity, Tier};
use crate::report::model::*;
use jiff::{SignedDuration, Timestamp};
use std::collections::{BTreeMap, BTreeSet};

/// Knowledge-base weight at or above which a signature is a problem.
const PROBLEM_WEIGHT: f64 = 3.0;

/// The report, and the problems met across files that the inventory
/// should carry.
pub(crate) fn report(ev: &Evidence, sigs: Vec<SigAgg>) -> (Report, Vec<crate::model::FileIssue>) {
    let lifecycle = lifecycle_events(&sigs);
    let deploys = changes::deploys(ev.deps, ev.placed);
    let mut findings = signature_findings(&sigs);
    let from_logs = findings.len();
    for f in findings.iter_mut() {
        let group = sigs.iter().filter(|s| group_key(s) == f.kind);
        let sensitive = group
            .clone()
            .any(|s| s.kb.as_ref().is_some_and(|k| k.dependency_sensitive));
        let stack: String = group
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
        appearing(&sigs, &signature_shifts),
    );
    for x in signature_shifts.iter_mut() {
        let hosts = hosts_of(&sigs, &x.signature);
        x.causes = super::causes::rank(&cands, x.at, &hosts, &[&x.signature]);
    }
    for f in findings[..from_logs].iter_mut() {
        cite_causes(f, &sigs, &cands);
    }
    let sources = super::shifts::sources(ev.items);
    let intermittent =
        super::intermittent::analyse(&sigs, &records, &sources, &usage.spikes, is_problem);
    for f in findings[..from_logs].iter_mut() {
        cite_precursors(f, &sigs, &intermittent);
    }
    let anomalies = super::causes::anomalies(
        &usage.spikes,
        &spike_explanations,
        super::shifts::quiet_sources(ev.items),
        &cands,
    );
    let mut anomalies = anomalies;
    for a in anomalies.iter_mut() {
        a.title = readable(&a.title, &sigs);
        for c in a.causes.iter_mut() {
            c.title = readable(&c.title, &sigs);
        }
    }
    for c in signature_shifts
        .iter_mut()
        .flat_map(|x| x.causes.iter_mut())
    {
        c.title = readable(&c.title, &sigs);
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
fn readable(title: &str, sigs: &[SigAgg]) -> String {
    let Some(at) = title.find("signature:") else {
        return title.to_string();
    };
    let rest = &title[at + "signature:".len()..];
    let id: String = rest.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    match sigs.iter().find(|s| s.row.id == id) {
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
fn hosts_of(sigs: &[SigAgg], id: &str) -> Vec<String> {
    sigs.iter()
        .find(|s| s.row.id == id)
        .map(|s| s.row.hosts.iter().map(|(h, _)| h.clone()).collect())
        .unwrap_or_default()
}

/// Signatures that appear (new or transient), as candidate causes of what
/// follows them.
fn appearing(
    sigs: &[SigAgg],
    shifts: &[SignatureShift],
) -> Vec<(String, String, Timestamp, Vec<String>, Ev)> {
    shifts
        .iter()
        .filter(|x| matches!(x.change, "new" | "transient"))
        .filter_map(|x| {
            let s = sigs.iter().find(|s| s.row.id == x.signature)?;
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
fn cite_causes(f: &mut Finding, sigs: &[SigAgg], cands: &[super::causes::Candidate]) {
    let Some(at) = f.time else { return };
    let group: Vec<&SigAgg> = sigs.iter().filter(|s| group_key(s) == f.kind).collect();
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
fn cite_precursors(f: &mut Finding, sigs: &[SigAgg], recurring: &[Intermittent]) {
    let ids: BTreeSet<&str> = sigs
        .iter()
        .filter(|s| group_key(s) == f.kind)
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
        .map(|(i, f)| format!("{}. [{}] {}", i + 1, f.tier.title(), f.title))
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

fn lifecycle_events(sigs: &[SigAgg]) -> Vec<Lifecycle> {
    let mut out: Vec<Lifecycle> = sigs
        .iter()
        .filter(|s| is_stop(s))
        .flat_map(|s| {
            let mut ev = vec![s.row.example.clone()];
            if s.last.line != s.row.example.line || s.last.path != s.row.example.path {
                ev.push(s.last.clone());
            }
            ev.into_iter().filter_map(|e| {
                Some(Lifecycle {
                    time: e.time?,
                    title: e.excerpt.clone(),
                    evidence: e,
                })
            })
        })
        .collect();
    out.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.title.cmp(&b.title)));
    out
}

/// `first to last` for a title: times of day when both fall on one day,
/// full dates otherwise; `no time` when the evidence has none.
fn fmt_span(first: Option<Timestamp>, last: Option<Timestamp>) -> String {
    let (Some(a), Some(b)) = (first, last) else {
        return "no time".into();
    };
    let day = |t: Timestamp| t.strftime("%Y-%m-%d").to_string();
    let shape = if day(a) == day(b) {
        "%H:%M:%S"
    } else {
        "%Y-%m-%d %H:%M:%S"
    };
    format!("{} to {} UTC", a.strftime(shape), b.strftime(shape))
}

fn is_problem(s: &SigAgg) -> bool {
    match &s.kb {
        Some(k) => !k.lifecycle && k.weight >= PROBLEM_WEIGHT,
        None => s.row.severity >= Severity::Error,
    }
}

/// Problem signatures become findings, grouped by knowledge-base kind so
/// that the Postgres log's and the application's view of one problem read
/// as one finding.
fn signature_findings(sigs: &[SigAgg]) -> Vec<Finding> {
    let mut groups: BTreeMap<String, Vec<&SigAgg>> = BTreeMap::new();
    for s in sigs.iter().filter(|s| is_problem(s)) {
        groups.entry(group_key(s)).or_default().push(s);
    }
    groups
        .into_iter()
        .map(|(kind, group)| group_finding(kind, &group))
        .collect()
}

/// Markdown inline code that survives backticks inside and stays on one
/// line.
pub(crate) fn inline_code(s: &str) -> String {
    crate::report::inline_code(s)
}

/// The finding a problem signature joins: its knowledge-base kind, or its
/// own id.
fn group_key(s: &SigAgg) -> String {
    match &s.kb {
        Some(k) => k.kind.clone(),
        None => format!("signature.{}", s.row.id),
    }
}

fn group_finding(kind: String, group: &[&SigAgg]) -> Finding {
    // One problem told by several sources (the server's log and each
    // client's) is counted once: by the signature that saw it most.
    let lead = group[0];
    let count: u64 = lead.row.count;
    let first = group.iter().filter_map(|s| s.row.first_seen).min();
    let last = group.iter().filter_map(|s| s.row.last_seen).max();
    let hosts: BTreeSet<&str> = group
        .iter()
        .flat_map(|s| s.row.hosts.iter().map(|(h, _)| h.as_str()))
        .collect();
    let sources: BTreeSet<&str> = group
        .iter()
        .flat_map(|s| s.row.sources.iter().map(|(p, _)| p.as_str()))
        .collect();
    let (weight, meaning, tier) = match &lead.kb {
        Some(k) => (k.weight, k.meaning.clone(), k.tier),
        None => {
            let w = if lead.row.severity >= Severity::Fatal {
                6.0
            } else {
                4.0
            };
            (
                w,
                format!("A recurring {} signature.", lead.row.severity.as_str()),
                lead.row.tier,
            )
        }
    };
    let title = format!(
        "{} ({} times, {}, {} source{})",
        inline_code(&crate::model::excerpt(&lead.row.template, 100)),
        count,
        fmt_span(first, last),
        sources.len(),
        if sources.len() == 1 { "" } else { "s" }
    );
    let mut per_source: BTreeMap<&str, u64> = BTreeMap::new();
    for s in group {
        for (p, n) in &s.row.sources {
            *per_source.entry(p.as_str()).or_default() += n;
        }
    }
    let counted: Vec<String> = per_source
        .iter()
        .map(|(p, n)| format!("{p} ({n})"))
        .collect();
    let mut detail = format!(
        "{meaning} Seen on {} in {}.",
        hosts.iter().copied().collect::<Vec<_>>().join(", "),
        counted.join(", ")
    );
    if let Some(routes) = routes_of(group) {
        detail.push_str(&format!(" Routes: {routes}."));
    }
    let mut evidence: Vec<Ev> = group.iter().map(|s| s.row.example.clone()).collect();
    evidence.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.path.cmp(&b.path)));
    evidence.truncate(4);
    let last_ev = group
        .iter()
        .map(|s| &s.last)
        .max_by_key(|e| e.time)
        .unwrap();
    if !evidence.contains(last_ev) {
        evidence.push(last_ev.clone());
    }
    Finding {
        kind,
        tier,
        title,
        detail,
        score: weight * (1.0 + (1.0 + count as f64).log10()),
        time: first,
        end: last,
        evidence,
    }
}

fn routes_of(group: &[&SigAgg]) -> Option<String> {
    let mut routes: BTreeMap<&str, u64> = BTreeMap::new();
    for s in group {
        for (r, n) in &s.row.routes {
            *routes.entry(r).or_default() += n;
        }
    }
    let mut v: Vec<_> = routes.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let shown: Vec<String> = v
        .iter()
        .take(3)
        .map(|(r, n)| format!("{r} ({n})"))
        .collect();
    (!shown.is_empty()).then(|| shown.join(", "))
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

const TIERS: [Tier; 6] = [
    Tier::Application,
    Tier::Data,
    Tier::SourcesDestinations,
    Tier::Networking,
    Tier::System,
    Tier::Dependencies,
];

pub(crate) fn tiers(ev: &Evidence, sigs: &[SigAgg], findings: &[Finding]) -> Vec<TierStatus> {
    TIERS
        .iter()
        .map(|&tier| {
            let idx: Vec<usize> = findings
                .iter()
                .enumerate()
                .filter(|(_, f)| f.tier == tier)
                .map(|(i, _)| i)
                .collect();
            let mut sources: BTreeSet<String> = BTreeSet::new();
            for it in ev.items {
                if let Parsed::Log { log, .. } = &it.parsed {
                    if super::signatures::tier_of_format(&log.format) == tier {
                        sources.insert(it.path.clone());
                    }
                }
            }
            for s in sigs.iter().filter(|s| s.row.tier == tier) {
                sources.extend(s.row.sources.iter().map(|(p, _)| p.clone()));
            }
            let worst = idx
                .iter()
                .filter(|&&i| !is_informational(&findings[i]))
                .map(|&i| findings[i].score)
                .fold(0.0, f64::max);
            let only_changes = idx.iter().all(|&i| is_informational(&findings[i]));
            let changed = idx.iter().any(|&i| findings[i].kind == "deps.change");
            let status = if !idx.is_empty() && only_changes && changed {
                "changed"
            } else if !idx.is_empty() && only_changes {
                "ok"
            } else if worst >= 15.0 {
                "failing"
            } else if !idx.is_empty() {
                "degraded"
            } else if !sources.is_empty() {
                "ok"
            } else {
                "no evidence"
            };
            TierStatus {
                tier,
                status,
                findings: idx,
                sources: sources.into_iter().collect(),
            }
        })
        .collect()
}

fn completeness(ev: &Evidence) -> Vec<Coverage> {
    ev.items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => {
                let mut times: Vec<Timestamp> = log.records.iter().filter_map(|r| r.time).collect();
                times.sort();
                let largest_gap = times
                    .windows(2)
                    .map(|w| (w[0], w[1].duration_since(w[0]).as_secs()))
                    .max_by_key(|(t, g)| (*g, std::cmp::Reverse(*t)));
                Some(Coverage {
                    source: it.path.clone(),
                    start: times.first().copied(),
                    end: times.last().copied(),
                    records: log.records.len() as u64,
                    lines: log.lines,
                    unparsed: log.unparsed,
                    no_time: log.no_time,
                    implausible_time: log.implausible.len() as u64,
                    zone_assumed: log.zone_assumed,
                    year_inferred: log.year_inferred,
                    invalid_utf8: log.invalid_utf8,
                    largest_gap,
                })
            }
            _ => None,
        })
        .collect()
}

/// Advice where the evidence runs out.
fn advice(ev: &Evidence, sigs: &[SigAgg]) -> Vec<Advice> {
    let mut out = Vec::new();
    let formats: BTreeSet<&str> = ev
        .items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => Some(log.format.as_str()),
            _ => None,
        })
        .collect();
    let kinds: BTreeSet<&str> = sigs
        .iter()
        .filter_map(|s| s.kb.as_ref())
        .map(|k| k.kind.as_str())
        .collect();
    let has = |prefix: &str| kinds.iter().any(|k| k.starts_with(prefix));
    if has("redis.") && !formats.contains("redis") {
        out.push(Advice {
            title: "Add the Redis server log".into(),
            detail: "The application reports Redis errors but the bundle holds no Redis log, \
                     so whether Redis was down, full or refusing cannot be told."
                .into(),
        });
    }
    if has("pg.") && !formats.contains("postgres-stderr") {
        out.push(Advice {
            title: "Add the Postgres server log".into(),
            detail: "Postgres errors are reported by clients but the server's own log is absent."
                .into(),
        });
    }
    if has("lb.") && !formats.contains("nginx-combined") {
        out.push(Advice {
            title: "Add the load balancer's access log".into(),
            detail: "Upstream errors appear without the access log that gives status codes, \
                     routes and request times."
                .into(),
        });
    }
    let assumed: u64 = ev
        .items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => Some(log.zone_assumed),
            _ => None,
        })
        .sum();
    if assumed > 0 {
        out.push(Advice {
            title: "Log times with their UTC offset".into(),
            detail: format!(
                "{assumed} records carry no zone; {} was assumed (change with --timezone). \
                 Configure loggers to write RFC 3339 times with an offset.",
                super::pipeline::zone_name(ev.zone)
            ),
        });
    }
    let timeless: Vec<&str> = ev
        .items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } if log.no_time > 0 => Some(it.path.as_str()),
            _ => None,
        })
        .collect();
    if !timeless.is_empty() {
        out.push(Advice {
            title: "Keep the timestamps with the errors".into(),
            detail: format!(
                "Records without a time cannot be placed on the timeline or joined to \
                 changes and usage ({}). Attach the log as written, with its time prefix, \
                 rather than a pasted excerpt.",
                timeless.join(", ")
            ),
        });
    }
    let problems = sigs
        .iter()
        .filter(|s| is_problem(s) && s.row.tier == Tier::Application);
    if problems.clone().any(|s| s.row.routes.is_empty()) && formats.contains("json") {
        out.push(Advice {
            title: "Log the route and request id with every application error".into(),
            detail: "Application errors are logged without the request they belong to, so \
                     they cannot be joined to the load balancer's lines or to each other. \
                     Add a request id (pino-http's req.id) and the route to error logs."
                .into(),
        });
    }
    out
}
