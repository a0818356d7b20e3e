//! Findings from problem signatures: which signatures are problems, and
//! how they group into one finding per knowledge-base kind.

use super::signatures::SigAgg;
use crate::model::{Evidence as Ev, Finding, Severity};
use crate::report::inline_code;
use jiff::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// Knowledge-base weight at or above which a signature is a problem.
const PROBLEM_WEIGHT: f64 = 3.0;

/// `first to last` for a title: times of day when both fall on one day,
/// full dates otherwise; `no time` when the evidence has none.
pub(super) fn fmt_span(first: Option<Timestamp>, last: Option<Timestamp>) -> String {
    let (Some(a), Some(b)) = (first, last) else {
        return "no time".into();
    };
    let day = |t: Timestamp| t.strftime("%Y-%m-%d").to_string();
    let shape = if day(a) == day(b) {
        "%H:%M:%S"
    } else {
        "%Y-%m-%d %H:%M:%S"
    };
    if a == b {
        return format!("at {} UTC", a.strftime(shape));
    }
    format!("{} to {} UTC", a.strftime(shape), b.strftime(shape))
}

pub(super) fn is_problem(s: &SigAgg) -> bool {
    match &s.kb {
        Some(k) => !k.lifecycle && k.weight >= PROBLEM_WEIGHT,
        None => s.row.severity >= Severity::Error,
    }
}

/// Problem signatures become findings, grouped by knowledge-base kind so
/// that the Postgres log's and the application's view of one problem read
/// as one finding.
pub(super) fn signature_findings(sigs: &[SigAgg]) -> Vec<Finding> {
    let mut groups: BTreeMap<String, Vec<&SigAgg>> = BTreeMap::new();
    for s in sigs.iter().filter(|s| is_problem(s)) {
        groups.entry(group_key(s)).or_default().push(s);
    }
    groups
        .into_iter()
        .map(|(kind, group)| group_finding(kind, &group))
        .collect()
}

/// The finding a problem signature joins: its knowledge-base kind, or its
/// own id.
pub(super) fn group_key(s: &SigAgg) -> String {
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
                if count == 1 {
                    let s = lead.row.severity.as_str();
                    let a = if s.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "An"
                    } else {
                        "A"
                    };
                    format!("{a} {s} signature, seen once.")
                } else {
                    format!("A recurring {} signature.", lead.row.severity.as_str())
                },
                lead.row.tier,
            )
        }
    };
    let title = format!(
        "{} ({}, {}, {})",
        inline_code(&crate::model::excerpt(&lead.row.template, 100)),
        if count == 1 {
            "once".to_string()
        } else {
            format!("{count} times")
        },
        fmt_span(first, last),
        crate::model::count(sources.len(), "source", "sources")
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
    // The title counts the lead signature; the sources count the whole
    // group, which says so when it holds more than the lead (a tester
    // read "52 times" over sources that summed to 83).
    let all = match group.len() {
        1 => String::new(),
        n => {
            let total: u64 = group.iter().map(|s| s.row.count).sum();
            format!(" ({total} records of {n} signatures of this kind)")
        }
    };
    let mut detail = format!(
        "{meaning} Seen on {} in {}{all}.",
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
