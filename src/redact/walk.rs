//! The walk over every string of a [`Report`] that a renderer writes.
//! A field added to the report model must be added here too; the
//! integration tests plant secrets in every source kind to catch a miss.

use super::{Redactor, Span};
use crate::model::Evidence;
use crate::report::Report;
use crate::signature::ParamStats;

/// Both passes over the report.
pub fn report(r: &mut Redactor, report: &mut Report) {
    for sig in &mut report.signatures {
        params(r, &sig.template, &mut sig.params);
    }
    strings(report, &mut |s| *s = r.text(s));
    r.freeze();
    strings(report, &mut |s| *s = r.known_values(s));
    for sig in &mut report.signatures {
        for p in &mut sig.params {
            p.top = r.known_values(&p.top);
        }
    }
}

/// Parameter values are read in their template's context: a value alone
/// (`hunter2`) says nothing, `password=hunter2` does.
fn params(r: &mut Redactor, template: &str, params: &mut [ParamStats]) {
    let pieces: Vec<&str> = template.split("<*>").collect();
    if pieces.len() != params.len() + 1 {
        return;
    }
    let mut composed = String::new();
    let mut ranges = Vec::with_capacity(params.len());
    for (piece, p) in pieces.iter().zip(params.iter()) {
        composed.push_str(piece);
        let start = composed.len();
        composed.push_str(&p.top);
        ranges.push((start, composed.len()));
    }
    composed.push_str(pieces[pieces.len() - 1]);
    let spans = r.spans(&composed);
    for (p, &(a, b)) in params.iter_mut().zip(&ranges) {
        let over: Vec<&Span> = spans.iter().filter(|s| s.start < b && a < s.end).collect();
        if over.is_empty() {
            continue;
        }
        if over.iter().all(|s| a <= s.start && s.end <= b) {
            let inner: Vec<Span> = over
                .iter()
                .map(|s| Span {
                    start: s.start - a,
                    end: s.end - a,
                    kind: s.kind,
                    ip: s.ip,
                })
                .collect();
            p.top = r.apply(&composed[a..b], &inner);
        } else {
            let tokens: Vec<String> = over
                .iter()
                .map(|s| r.token(s, &composed[s.start..s.end]))
                .collect();
            p.top = tokens.join(" ");
        }
    }
}

fn evidence(e: &mut Evidence, f: &mut dyn FnMut(&mut String)) {
    f(&mut e.path);
    f(&mut e.excerpt);
}

fn pairs(v: &mut [(String, u64)], f: &mut dyn FnMut(&mut String)) {
    v.iter_mut().for_each(|(s, _)| f(s));
}

/// Every string a renderer writes, except parameter values.
fn strings(report: &mut Report, f: &mut dyn FnMut(&mut String)) {
    let b = &mut report.bundle;
    f(&mut b.name);
    b.hosts.iter_mut().for_each(&mut *f);
    report.summary.iter_mut().for_each(&mut *f);
    for x in &mut report.findings {
        f(&mut x.title);
        f(&mut x.detail);
        x.evidence.iter_mut().for_each(|e| evidence(e, f));
    }
    for t in &mut report.tiers {
        t.sources.iter_mut().for_each(&mut *f);
    }
    for c in &mut report.connections {
        f(&mut c.class);
        c.signatures.iter_mut().for_each(&mut *f);
    }
    for s in &mut report.signatures {
        f(&mut s.template);
        pairs(&mut s.hosts, f);
        pairs(&mut s.sources, f);
        pairs(&mut s.routes, f);
        s.kind.iter_mut().for_each(&mut *f);
        evidence(&mut s.example, f);
    }
    for s in &mut report.spikes {
        f(&mut s.metric);
        f(&mut s.host);
        f(&mut s.source);
        for (k, v) in &mut s.labels {
            f(k);
            f(v);
        }
    }
    changes(report, f);
    for t in &mut report.timeline {
        f(&mut t.title);
        t.evidence.iter_mut().for_each(|e| evidence(e, f));
    }
    for a in &mut report.instrumentation {
        f(&mut a.title);
        f(&mut a.detail);
    }
    for e in &mut report.inventory {
        f(&mut e.path);
        f(&mut e.kind);
        e.reason.iter_mut().for_each(&mut *f);
        e.format.iter_mut().for_each(&mut *f);
    }
    for c in &mut report.completeness {
        f(&mut c.source);
    }
    charts(&mut report.charts, f);
    correlation(report, f);
}

/// The correlation sections: templates, keys (hosts, paths, routes),
/// cause titles and their evidence; and the hosts of clock skew.
fn correlation(report: &mut Report, f: &mut dyn FnMut(&mut String)) {
    let cause = |c: &mut crate::report::model::Cause, f: &mut dyn FnMut(&mut String)| {
        f(&mut c.title);
        c.hosts.iter_mut().for_each(&mut *f);
        evidence(&mut c.evidence, f);
    };
    let over = |o: &mut crate::report::model::OverRepresented, f: &mut dyn FnMut(&mut String)| {
        f(&mut o.key);
        o.label.iter_mut().for_each(&mut *f);
    };
    for x in &mut report.spike_explanations {
        x.metrics.iter_mut().for_each(&mut *f);
        f(&mut x.host);
        x.items.iter_mut().for_each(|o| over(o, f));
    }
    for x in &mut report.signature_shifts {
        f(&mut x.template);
        x.causes.iter_mut().for_each(|c| cause(c, f));
    }
    for x in &mut report.anomalies {
        f(&mut x.title);
        x.hosts.iter_mut().for_each(&mut *f);
        evidence(&mut x.evidence, f);
        x.causes.iter_mut().for_each(|c| cause(c, f));
    }
    for x in &mut report.intermittent {
        f(&mut x.template);
        x.confined.iter_mut().for_each(|o| over(o, f));
        for p in &mut x.precursors {
            f(&mut p.key);
            f(&mut p.label);
        }
    }
    for x in &mut report.disagreements {
        f(&mut x.title);
        f(&mut x.key);
    }
    for k in &mut report.clock_skew {
        f(&mut k.host);
        f(&mut k.other);
    }
    for g in &mut report.evidence_gaps {
        f(&mut g.source);
        f(&mut g.detail);
    }
}

/// The charts' legends and tooltips: signature templates, timeline titles
/// and spike labels, as the sections above have them.
fn charts(c: &mut crate::report::charts::Charts, f: &mut dyn FnMut(&mut String)) {
    for p in &mut c.panels {
        for s in &mut p.series {
            f(&mut s.name);
            f(&mut s.metric);
            f(&mut s.host);
        }
        p.limit.iter_mut().for_each(|l| f(&mut l.label));
        p.spikes.iter_mut().for_each(|w| f(&mut w.label));
    }
    c.markers.iter_mut().for_each(|m| f(&mut m.label));
}

/// The dependency sections: versions and paths can carry a resolved URL.
fn changes(report: &mut Report, f: &mut dyn FnMut(&mut String)) {
    for c in &mut report.changes {
        f(&mut c.package);
        c.from.iter_mut().for_each(&mut *f);
        c.to.iter_mut().for_each(&mut *f);
        c.parent.iter_mut().for_each(&mut *f);
        c.flags.iter_mut().for_each(&mut *f);
        f(&mut c.before);
        f(&mut c.after);
    }
    for c in &mut report.format_changes {
        f(&mut c.before);
        f(&mut c.after);
        f(&mut c.from);
        f(&mut c.to);
        c.note.iter_mut().for_each(&mut *f);
    }
    for s in &mut report.version_skew {
        f(&mut s.package);
        for i in &mut s.instances {
            f(&mut i.path);
            i.versions.iter_mut().for_each(&mut *f);
        }
    }
    for k in &mut report.known_compromised {
        f(&mut k.package);
        f(&mut k.version);
        f(&mut k.note);
        f(&mut k.path);
    }
}
