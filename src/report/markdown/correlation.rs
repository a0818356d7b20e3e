//! The correlation sections of the Markdown: rate spikes explained,
//! signatures that shift, anomalies with their candidate causes, recurring
//! errors and instances that disagree. They yield rows first when the
//! report must shrink.

use super::{cell, code, more, Md};
use crate::report::fmt;
use crate::report::model::*;
use crate::report::time as t;
use std::fmt::Write;

/// Rows of the correlation sections: they yield before the outside-in
/// tables when the report must shrink.
fn budget(rows: usize, cap: usize) -> usize {
    (rows / 4).clamp(1, cap)
}

/// An over-represented key as a table cell: a signature's template and
/// short id, else the key itself.
fn key_cell(o: &OverRepresented) -> String {
    match &o.label {
        Some(l) => format!("{} `{}`", cell(&code(l)), fmt::short_id(&o.key)),
        None => cell(&o.key),
    }
}

pub(super) fn spike_explanations(w: &mut Md, r: &Report, rows: usize) {
    if r.spike_explanations.is_empty() {
        return;
    }
    let _ = writeln!(w, "### Rate spikes explained\n\n{}\n", fmt::SPIKES_INTRO);
    let n = budget(rows, 4);
    for e in r.spike_explanations.iter().take(n) {
        w.strong(&format!("{} to {} UTC", t(Some(e.start)), t(Some(e.end))));
        let _ = writeln!(
            w,
            " on {} ({}): {}.\n",
            e.host,
            fmt::window_metrics(e),
            fmt::window_counts(e)
        );
        if e.items.is_empty() {
            let _ = writeln!(w, "Nothing is significantly over-represented.\n");
            continue;
        }
        let _ = writeln!(
            w,
            "| Dimension | Key | In window | Outside | Ratio | p |\n|---|---|---|---|---|---|"
        );
        let shown = budget(rows, 4) * 4;
        for o in e.items.iter().take(shown) {
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} |",
                o.dimension,
                key_cell(o),
                o.window,
                o.baseline,
                fmt::ratio(o.ratio),
                fmt::p_value(o.p_value)
            );
        }
        more(w, e.items.len(), shown, "keys");
        w.push('\n');
    }
    more(w, r.spike_explanations.len(), n, "spike windows");
}

pub(super) fn signature_shifts(w: &mut Md, r: &Report, rows: usize) {
    if r.signature_shifts.is_empty() {
        return;
    }
    let _ = writeln!(w, "### New, gone and changed signatures\n");
    let _ = writeln!(w, "{}\n", fmt::SHIFTS_INTRO);
    let _ = writeln!(
        w,
        "| Change | Signature | At | Per hour before → after | p | Leading candidate cause |\n\
         |---|---|---|---|---|---|"
    );
    let n = budget(rows, 8);
    for x in r.signature_shifts.iter().take(n) {
        let _ = writeln!(
            w,
            "| {} | {} `{}` | {} | {} | {} | {} |",
            x.change,
            cell(&code(&crate::model::excerpt(&x.template, 90))),
            fmt::short_id(&x.signature),
            fmt::shift_at(x.at, x.until),
            fmt::per_hour(x.before_per_hour, x.after_per_hour),
            fmt::p_value(x.p_value),
            x.causes
                .first()
                .map(|c| cell(&fmt::cause_line(c)))
                .unwrap_or_default()
        );
    }
    more(w, r.signature_shifts.len(), n, "shifts");
    w.push('\n');
}

pub(super) fn anomalies(w: &mut Md, r: &Report, rows: usize) {
    if r.anomalies.is_empty() {
        return;
    }
    let _ = writeln!(w, "### What preceded each anomaly\n");
    let n = budget(rows, 8);
    for a in r.anomalies.iter().take(n) {
        w.push_str("- ");
        w.strong(&format!(
            "{} UTC, {}",
            t(Some(a.time)),
            a.kind.replace('_', " ")
        ));
        let _ = writeln!(w, ": {}", a.title.replace('\n', " "));
        if a.causes.is_empty() {
            let _ = writeln!(w, "  - {}", fmt::NO_CAUSE);
        }
        for c in a.causes.iter().take(2) {
            let _ = writeln!(w, "  - {}", fmt::cause_line(c));
        }
    }
    more(w, r.anomalies.len(), n, "anomalies");
    w.push('\n');
}

pub(super) fn intermittent(w: &mut Md, r: &Report, rows: usize) {
    if r.intermittent.is_empty() {
        return;
    }
    let _ = writeln!(
        w,
        "### Recurring errors: episodes, confinement, precursors\n"
    );
    let _ = writeln!(w, "{}\n", fmt::INTERMITTENT_INTRO);
    let _ = writeln!(
        w,
        "| Signature | Recurs | Episodes (window) | Days | Confined to | Precursors |\n\
         |---|---|---|---|---|---|"
    );
    let n = budget(rows, 8);
    for x in r.intermittent.iter().take(n) {
        let pre: Vec<String> = x
            .precursors
            .iter()
            .map(|p| fmt::precursor(p, code))
            .collect();
        let _ = writeln!(
            w,
            "| {} `{}` | {} | {} ({} s) | {} | {} | {} |",
            cell(&code(&crate::model::excerpt(&x.template, 90))),
            fmt::short_id(&x.signature),
            fmt::recurs(x.recurrence, x.period_s),
            x.episodes,
            x.window_s,
            fmt::days(x),
            cell(&fmt::confined(x)),
            cell(&pre.join("; "))
        );
    }
    more(w, r.intermittent.len(), n, "recurring errors");
    w.push('\n');
}

pub(super) fn disagreements(w: &mut Md, r: &Report, rows: usize) {
    if r.disagreements.is_empty() {
        return;
    }
    let _ = writeln!(w, "### Instances that disagree\n");
    let n = budget(rows, 6);
    for d in r.disagreements.iter().take(n) {
        let _ = writeln!(
            w,
            "- {} ({}).",
            d.title.replace('\n', " "),
            fmt::disagreement_counts(d)
        );
    }
    more(w, r.disagreements.len(), n, "instances");
    w.push('\n');
}
