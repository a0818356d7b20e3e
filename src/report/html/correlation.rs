//! The correlation sections of the HTML page: rate spikes explained,
//! signatures that shift, anomalies with their candidate causes, recurring
//! errors and instances that disagree, each cause list with its evidence
//! collapsed.

use super::{esc, evidence_block, evidence_item, rich, table, template_cell};
use crate::report::fmt;
use crate::report::model::*;
use crate::report::time as t;
use std::fmt::Write;

/// An over-represented key as a table cell: a signature's template and
/// short id, else the key itself.
pub(super) fn key_cell(o: &OverRepresented) -> String {
    match &o.label {
        Some(l) => template_cell(l, &o.key),
        None => esc(&o.key),
    }
}

/// The leading `lead` candidate causes, then every candidate with its
/// evidence, collapsed.
pub(super) fn causes_cell(causes: &[Cause], lead: usize) -> String {
    if causes.is_empty() {
        return String::new();
    }
    let mut c: Vec<String> = causes
        .iter()
        .take(lead)
        .map(|x| rich(&fmt::cause_line(x)))
        .collect();
    let mut all = format!(
        "<details><summary>Candidates with evidence ({})</summary><ol>",
        causes.len()
    );
    for x in causes {
        let _ = write!(
            all,
            "<li>{}<br>{}</li>",
            rich(&fmt::cause_line(x)),
            evidence_item(&x.evidence)
        );
    }
    all.push_str("</ol></details>");
    c.push(all);
    c.join("<br>")
}

/// A number, a ratio or a time span that must not break across lines
/// (`2.7e-79` would at its hyphen), escaped.
fn nw(s: &str) -> String {
    format!("<span class=\"nw\">{}</span>", esc(s))
}

/// A subsection's heading and the sentence that says how to read it.
fn subsection(w: &mut String, id: &str, title: &str, intro: &str) {
    let _ = writeln!(w, "<h3 id=\"{id}\">{}</h3>", esc(title));
    if !intro.is_empty() {
        let _ = writeln!(w, "<p>{}</p>", esc(intro));
    }
}

/// Each rate-spike window (numbered `W1`, `W2`, ... as on the timeline
/// chart) and the keys it holds significantly more of.
pub(super) fn spike_explanations(w: &mut String, r: &Report) {
    if r.spike_explanations.is_empty() {
        return;
    }
    let title = "Rate spikes explained";
    subsection(w, "spike-explanations", title, fmt::SPIKES_INTRO);
    for (i, e) in r.spike_explanations.iter().enumerate() {
        let _ = writeln!(
            w,
            "<p><strong>W{} · {} to {} UTC</strong> on {} ({}): {}.</p>",
            i + 1,
            t(Some(e.start)),
            t(Some(e.end)),
            esc(&e.host),
            esc(&fmt::window_metrics(e)),
            esc(&fmt::window_counts(e))
        );
        if e.items.is_empty() {
            w.push_str("<p>Nothing is significantly over-represented.</p>\n");
            continue;
        }
        let rows = e
            .items
            .iter()
            .map(|o| {
                vec![
                    esc(o.dimension),
                    key_cell(o),
                    o.window.to_string(),
                    o.baseline.to_string(),
                    nw(&fmt::ratio(o.ratio)),
                    nw(&fmt::p_value(o.p_value)),
                ]
            })
            .collect();
        let head = ["Dimension", "Key", "In window", "Outside", "Ratio", "p"];
        table(w, &head, rows, "keys");
    }
}

/// A correlation subsection: nothing when `items` is empty, else its
/// heading `(id, title, intro)` and one table row per item.
fn subtable<T>(
    w: &mut String,
    items: &[T],
    (id, title, intro): (&str, &str, &str),
    head: &[&str],
    what: &str,
    row: impl Fn(&T) -> Vec<String>,
) {
    if items.is_empty() {
        return;
    }
    subsection(w, id, title, intro);
    table(w, head, items.iter().map(row).collect(), what);
}

pub(super) fn signature_shifts(w: &mut String, r: &Report) {
    let heading = (
        "signature-shifts",
        "New, gone and changed signatures",
        fmt::SHIFTS_INTRO,
    );
    let head = [
        "Change",
        "Signature",
        "At",
        "Per hour before → after",
        "p",
        "Leading candidate cause",
    ];
    subtable(w, &r.signature_shifts, heading, &head, "shifts", |x| {
        vec![
            esc(x.change),
            template_cell(&x.template, &x.signature),
            fmt::shift_at(x.at, x.until),
            nw(&fmt::per_hour(x.before_per_hour, x.after_per_hour)),
            nw(&fmt::p_value(x.p_value)),
            causes_cell(&x.causes, 1),
        ]
    });
}

pub(super) fn anomalies(w: &mut String, r: &Report) {
    let heading = ("anomalies", "What preceded each anomaly", "");
    let head = ["Time", "Kind", "What", "Hosts", "Candidate causes"];
    subtable(w, &r.anomalies, heading, &head, "anomalies", |a| {
        let mut what = rich(&a.title);
        evidence_block(&mut what, std::slice::from_ref(&a.evidence));
        let causes = match causes_cell(&a.causes, 2) {
            c if c.is_empty() => esc(fmt::NO_CAUSE),
            c => c,
        };
        vec![
            t(Some(a.time)),
            esc(&a.kind.replace('_', " ")),
            what,
            esc(&a.hosts.join(", ")),
            causes,
        ]
    });
}

pub(super) fn intermittent(w: &mut String, r: &Report) {
    let heading = (
        "intermittent",
        "Recurring errors: episodes, confinement, precursors",
        fmt::INTERMITTENT_INTRO,
    );
    let head = [
        "Signature",
        "Count",
        "Recurs",
        "Episodes (window)",
        "Days",
        "Confined to",
        "Precursors",
    ];
    let code = |s: &str| format!("<code>{}</code>", esc(s));
    subtable(
        w,
        &r.intermittent,
        heading,
        &head,
        "recurring errors",
        |x| {
            let pre: Vec<String> = x
                .precursors
                .iter()
                .map(|p| fmt::precursor(p, code))
                .collect();
            vec![
                template_cell(&x.template, &x.signature),
                x.count.to_string(),
                esc(&fmt::recurs(x.recurrence, x.period_s)),
                format!("{} ({} s)", x.episodes, x.window_s),
                esc(&fmt::days(x)),
                esc(&fmt::confined(x)),
                pre.join("<br>"),
            ]
        },
    );
}

pub(super) fn disagreements(w: &mut String, r: &Report) {
    let heading = ("disagreements", "Instances that disagree", "");
    let head = ["Instance", "Errors", "Peers' errors", "Ratio", "p"];
    subtable(w, &r.disagreements, heading, &head, "instances", |d| {
        vec![
            rich(&d.title),
            nw(&format!("{} of {}", d.errors, d.records)),
            nw(&format!("{} of {}", d.peer_errors, d.peer_records)),
            nw(&fmt::ratio(d.ratio)),
            nw(&fmt::p_value(d.p_value)),
        ]
    });
}
