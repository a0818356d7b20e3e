//! Markdown for a bug report: a summary on top, then the outside-in
//! sections, evidence in collapsible blocks. The whole stays within a
//! GitHub comment (65,536 characters): long tables are cut from their
//! least important end first, and the cut is said.

use super::fmt;
use super::model::*;
use super::time as t;
use crate::model::{Evidence, Finding};
use std::collections::BTreeMap;
use std::fmt::Write;

mod correlation;
mod escape;

use correlation::{anomalies, disagreements, intermittent, signature_shifts, spike_explanations};
pub(crate) use escape::{code_span_end, guard, inline_code, Md};

/// GitHub's limit on a comment body.
pub const MAX_CHARS: usize = 65_536;

/// How many rows of each part are shown.
#[derive(Clone, Copy)]
struct Rows {
    inventory_notes: usize,
    completeness: usize,
    timeline: usize,
    spikes: usize,
    signatures: usize,
    changes: usize,
    /// Findings per tier, and usage findings.
    findings: usize,
    /// Evidence items per finding.
    evidence: usize,
    /// Rows of each correlation section (spike explanations, shifts,
    /// anomalies, recurring errors, disagreeing instances).
    correlation: usize,
}

const ALL: Rows = Rows {
    inventory_notes: 120,
    completeness: 60,
    timeline: 120,
    spikes: 60,
    signatures: 60,
    changes: 60,
    findings: 10,
    evidence: usize::MAX,
    correlation: 60,
};

/// One trim step: the part it cuts, and how.
type Trim = (&'static str, fn(&mut Rows));

/// The parts a trim step cuts, least important first: the long tails of
/// the correlation sections (their top rows stay), the inventory's
/// notes, the evidence completeness table and the timeline go before the
/// spikes, signatures and changes, and the findings and their evidence
/// go last.
const TRIMS: &[Trim] = &[
    ("correlation", |r| r.correlation = 30),
    ("correlation", |r| r.correlation = 8),
    ("inventory notes", |r| r.inventory_notes = 20),
    ("evidence completeness", |r| r.completeness = 15),
    ("timeline", |r| r.timeline = 30),
    ("spikes", |r| r.spikes = 15),
    ("signatures", |r| r.signatures = 30),
    ("inventory notes", |r| r.inventory_notes = 4),
    ("evidence completeness", |r| r.completeness = 4),
    ("timeline", |r| r.timeline = 8),
    ("spikes", |r| r.spikes = 4),
    ("signatures", |r| r.signatures = 10),
    ("dependency changes", |r| r.changes = 15),
    ("correlation", |r| r.correlation = 4),
    ("evidence", |r| r.evidence = 8),
    ("findings", |r| r.findings = 5),
    ("evidence", |r| r.evidence = 3),
    ("dependency changes", |r| r.changes = 4),
    ("signatures", |r| r.signatures = 4),
    ("findings", |r| r.findings = 2),
    ("correlation", |r| r.correlation = 2),
];

/// Renders the report; when it is longer than 65,536 characters, cuts parts
/// least important first until it fits, and says at the top what was cut.
pub fn render(r: &Report) -> String {
    let mut rows = ALL;
    let mut cut: Vec<&str> = Vec::new();
    let mut out = render_with(r, rows, &cut);
    for (part, trim) in TRIMS {
        if out.chars().count() <= MAX_CHARS {
            return out;
        }
        trim(&mut rows);
        if !cut.contains(part) {
            cut.push(part);
        }
        out = render_with(r, rows, &cut);
    }
    if out.chars().count() <= MAX_CHARS {
        return out;
    }
    let at = out
        .char_indices()
        .nth(MAX_CHARS - 200)
        .map(|(i, _)| i)
        .unwrap_or(out.len());
    out.truncate(at);
    out.push_str("\n\n*Report cut here to fit a GitHub comment; see the JSON report.*\n");
    out
}

/// A table cell: no newlines, pipes escaped.
pub(super) fn cell(s: &str) -> String {
    s.replace('\n', " ").replace('|', "\\|")
}

/// Inline code that survives backticks inside.
pub(super) fn code(s: &str) -> String {
    inline_code(s)
}

pub(super) fn more(w: &mut Md, total: usize, shown: usize, what: &str) {
    if total > shown {
        w.push('\n');
        w.note_line(&format!(
            "{} more {what} not shown; see the JSON report.",
            total - shown
        ));
    }
}

/// The report with at most `rows` rows in each part, saying which parts
/// were `cut`.
fn render_with(r: &Report, rows: Rows, cut: &[&str]) -> String {
    let mut w = Md::default();
    header(&mut w, r, cut);
    tiers(&mut w, r, rows);
    connections(&mut w, r);
    disagreements(&mut w, r, rows.correlation);
    usage(&mut w, r, rows);
    changes(&mut w, r, rows.changes);
    problems(&mut w, r, rows.signatures);
    spike_explanations(&mut w, r, rows.correlation);
    signature_shifts(&mut w, r, rows.correlation);
    anomalies(&mut w, r, rows.correlation);
    intermittent(&mut w, r, rows.correlation);
    instrumentation(&mut w, r);
    timeline(&mut w, r, rows.timeline);
    completeness(&mut w, r, rows.completeness);
    inventory(&mut w, r, rows.inventory_notes);
    w.finish()
}

fn header(w: &mut Md, r: &Report, cut: &[&str]) {
    let b = &r.bundle;
    let _ = writeln!(w, "# outsidein report: {}\n", b.name);
    let source = b
        .collection_time_source
        .map(|s| {
            format!(
                " (from the {})",
                if matches!(s, crate::model::TimeSource::Path) {
                    "bundle name"
                } else {
                    "newest file time"
                }
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        w,
        "Hosts: {} · Logs from {} to {} UTC · Collected {}{} · {}, {} · \
         outsidein {} (report schema {})\n",
        crate::report::fmt::host_list(&b.hosts),
        t(b.start),
        t(b.end),
        t(b.collection_time),
        source,
        crate::model::count(b.files, "file", "files"),
        crate::model::count(b.records as usize, "log record", "log records"),
        r.tool.version,
        r.schema_version
    );
    let _ = writeln!(
        w,
        "{}\n",
        crate::redact::summary_line(r.redactions.as_ref())
    );
    if !cut.is_empty() {
        w.note_line(&format!(
            "Trimmed to fit a GitHub comment ({MAX_CHARS} characters): fewer rows of {}; \
             each cut list says how many it left out, and the JSON report has them all.",
            cut.join(", ")
        ));
        w.push('\n');
    }
    let _ = writeln!(w, "## Summary\n");
    if r.summary.is_empty() {
        let _ = writeln!(w, "No problem found in the evidence.\n");
    }
    for s in &r.summary {
        // Ranked lines (`1. ...`) make an ordered list; others a bullet
        // each, so that they do not run together as one paragraph.
        let ranked = s
            .split_once(". ")
            .is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        let _ = writeln!(w, "{}{s}", if ranked { "" } else { "- " });
    }
    w.push('\n');
}

fn evidence_block(w: &mut Md, ev: &[Evidence], rows: usize) {
    if ev.is_empty() {
        return;
    }
    let _ = writeln!(w, "  <details><summary>Evidence ({})</summary>\n", ev.len());
    for e in ev.iter().take(rows) {
        let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        let when = match e.time {
            Some(_) => format!(" at {} UTC", t(e.time)),
            None => " (no time)".into(),
        };
        let _ = writeln!(
            w,
            "  - {}{at}{when}: {}",
            e.path.replace('\n', "\\n").replace('\r', "\\r"),
            code(&e.excerpt)
        );
    }
    if ev.len() > rows {
        w.push_str("  - ");
        w.note_line(&format!(
            "{} more not shown; see the JSON report.",
            ev.len() - rows
        ));
    }
    let _ = writeln!(w, "\n  </details>\n");
}

fn finding(w: &mut Md, f: &Finding, evidence: usize) {
    w.push_str("- ");
    w.strong(&f.title);
    let _ = writeln!(w, " (score {:.1}, `{}`)", f.score, f.kind);
    let _ = writeln!(w, "  {}", f.detail.replace('\n', " "));
    evidence_block(w, &f.evidence, evidence);
}

fn tiers(w: &mut Md, r: &Report, rows: Rows) {
    let _ = writeln!(w, "## 1. Each tier on its own\n");
    let _ = writeln!(
        w,
        "| Tier | Status | Findings | Sources |\n|---|---|---|---|"
    );
    for ts in &r.tiers {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} |",
            ts.tier.title(),
            ts.status,
            ts.findings.len(),
            ts.sources.len()
        );
    }
    w.push('\n');
    for ts in r.tiers.iter().filter(|t| !t.findings.is_empty()) {
        let _ = writeln!(w, "### {}: {}\n", ts.tier.title(), ts.status);
        for &i in ts.findings.iter().take(rows.findings) {
            finding(w, &r.findings[i], rows.evidence);
        }
        more(w, ts.findings.len(), rows.findings, "findings");
    }
}

fn connections(w: &mut Md, r: &Report) {
    let _ = writeln!(w, "## 2. Connections between tiers\n");
    if r.connections.is_empty() {
        let _ = writeln!(w, "No connection errors between tiers were found.\n");
        return;
    }
    let _ = writeln!(
        w,
        "| From | To | Problem | Count | First | Last |\n|---|---|---|---|---|---|"
    );
    for c in &r.connections {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            c.from.title(),
            c.to.title(),
            c.class,
            c.count,
            t(c.first),
            t(c.last)
        );
    }
    w.push('\n');
}

fn usage(w: &mut Md, r: &Report, rows: Rows) {
    let _ = writeln!(w, "## 3. Changes in usage\n");
    let usage: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.kind.starts_with("usage.") || f.kind.starts_with("pg.stats"))
        .collect();
    for f in usage.iter().take(rows.findings) {
        finding(w, f, rows.evidence);
    }
    if r.spikes.is_empty() {
        let _ = writeln!(w, "No spike stands out from its series' baseline.\n");
        return;
    }
    let _ = writeln!(
        w,
        "| Metric | Host | Labels | From | To | Baseline | Peak |\n|---|---|---|---|---|---|---|"
    );
    for s in r.spikes.iter().take(rows.spikes) {
        let labels: Vec<String> = s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&s.metric),
            cell(&s.host),
            cell(&labels.join(" ")),
            t(Some(s.start)),
            t(Some(s.end)),
            crate::report::fmt::spike_value(&s.metric, s.baseline),
            crate::report::fmt::spike_value(&s.metric, s.peak)
        );
    }
    more(w, r.spikes.len(), rows.spikes, "spikes");
    w.push('\n');
}

fn changes(w: &mut Md, r: &Report, rows: usize) {
    let _ = writeln!(w, "## 4. Changes in dependencies\n");
    if r.changes.is_empty() {
        let _ = writeln!(w, "No dependency change found in the bundle.\n");
        return;
    }
    let _ = writeln!(
        w,
        "| Package | Change | From | To | Flags | Time |\n|---|---|---|---|---|---|"
    );
    for c in r.changes.iter().take(rows) {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&c.package),
            cell(&c.kind),
            cell(c.from.as_deref().unwrap_or("")),
            cell(c.to.as_deref().unwrap_or("")),
            cell(&c.flags.join(", ")),
            t(c.time)
        );
    }
    more(w, r.changes.len(), rows, "changes");
    w.push('\n');
}

fn problems(w: &mut Md, r: &Report, rows: usize) {
    let _ = writeln!(w, "## 5. Recurring and reproducible problems\n");
    let sigs = r.problem_signatures();
    if sigs.is_empty() {
        let _ = writeln!(w, "No warning or error signature recurs.\n");
        return;
    }
    let _ = writeln!(
        w,
        "| Signature | Count | Severity | Tier | Recurs | First | Last | Hosts | Routes |\n\
         |---|---|---|---|---|---|---|---|---|"
    );
    for s in sigs.iter().take(rows) {
        let hosts: Vec<String> = s.hosts.iter().map(|(h, n)| format!("{h} ({n})")).collect();
        let routes: Vec<String> = s
            .routes
            .iter()
            .take(3)
            .map(|(h, n)| format!("{h} ({n})"))
            .collect();
        let _ = writeln!(
            w,
            "| {} `{}` | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&code(&crate::model::excerpt(&s.template, 120))),
            fmt::short_id(&s.id),
            s.count,
            s.severity.as_str(),
            s.tier.title(),
            fmt::recurs(s.recurrence, s.period_s),
            t(s.first_seen),
            t(s.last_seen),
            cell(&hosts.join(", ")),
            cell(&routes.join(", "))
        );
    }
    more(w, sigs.len(), rows, "signatures");
    w.push('\n');
}

fn instrumentation(w: &mut Md, r: &Report) {
    let _ = writeln!(w, "## 6. Instrumentation to add\n");
    if r.instrumentation.is_empty() {
        let _ = writeln!(w, "The evidence covers the findings; nothing to add.\n");
    }
    for a in &r.instrumentation {
        w.push_str("- ");
        w.strong(&a.title);
        let _ = writeln!(w, " {}", a.detail);
    }
    w.push('\n');
}

fn timeline(w: &mut Md, r: &Report, rows: usize) {
    let _ = writeln!(w, "## Timeline (UTC)\n");
    let _ = writeln!(w, "| Time | Event | What | Where |\n|---|---|---|---|");
    let shown = rows;
    for e in r.timeline.iter().take(shown) {
        let at = e
            .evidence
            .as_ref()
            .map(|e| format!("{}:{}", e.path, e.line.unwrap_or(0)))
            .unwrap_or_default();
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} |",
            t(Some(e.time)),
            e.kind,
            cell(&e.title),
            cell(&at)
        );
    }
    more(w, r.timeline.len(), shown, "events");
    w.push('\n');
}

fn completeness(w: &mut Md, r: &Report, rows: usize) {
    let _ = writeln!(w, "## Evidence completeness\n");
    let _ = writeln!(
        w,
        "| Source | From | To | Records | Unparsed | No time | Zone assumed | Year inferred | Largest gap |\n\
         |---|---|---|---|---|---|---|---|---|"
    );
    for c in r.completeness.iter().take(rows) {
        let gap = c
            .largest_gap
            .map(|(at, s)| format!("{s} s from {}", t(Some(at))))
            .unwrap_or_default();
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&c.source),
            t(c.start),
            t(c.end),
            c.records,
            c.unparsed,
            fmt::no_time(c),
            c.zone_assumed,
            c.year_inferred,
            gap
        );
    }
    more(w, r.completeness.len(), rows, "sources");
    w.push('\n');
    for k in &r.clock_skew {
        let side = if k.offset_s > 0.0 {
            "ahead of"
        } else {
            "behind"
        };
        let _ = writeln!(
            w,
            "Clock skew: {} runs {:.1} s {side} {} (median of {} requests both logged; \
             spread {:.1} s). Times of the two hosts are compared as written.\n",
            code(&k.other),
            k.offset_s.abs(),
            code(&k.host),
            k.pairs,
            k.spread_s
        );
    }
    for g in r.evidence_gaps.iter().take(rows) {
        let at = g
            .time
            .map(|x| format!(" at {}", t(Some(x))))
            .unwrap_or_default();
        let _ = writeln!(
            w,
            "Evidence gap ({}): {}{at}: {}.\n",
            g.kind.replace('_', " "),
            code(&g.source),
            g.detail
        );
    }
    more(w, r.evidence_gaps.len(), rows, "evidence gaps");
}

/// Files grouped by folder, kind, format and status; files with a reason
/// are listed one by one.
fn inventory(w: &mut Md, r: &Report, rows: usize) {
    let _ = writeln!(w, "## Inventory\n");
    let mut groups: BTreeMap<(String, &str, &str, String), (usize, u64)> = BTreeMap::new();
    let mut odd = Vec::new();
    for e in &r.inventory {
        if e.reason.is_some() {
            odd.push(e);
            continue;
        }
        let dir = e
            .path
            .rsplit_once('/')
            .map(|(d, _)| d)
            .unwrap_or("")
            .to_string();
        let fmt = e.format.clone().unwrap_or_default();
        let g = groups
            .entry((dir, e.kind.as_str(), e.status, fmt))
            .or_default();
        g.0 += 1;
        g.1 += e.records;
    }
    let _ = writeln!(
        w,
        "| Folder | Files | Kind | Format | Status | Records |\n|---|---|---|---|---|---|"
    );
    for ((dir, kind, status, fmt), (n, recs)) in &groups {
        let _ = writeln!(
            w,
            "| {}/ | {} | {} | {} | {} | {} |",
            cell(dir),
            n,
            kind,
            cell(fmt),
            status,
            recs
        );
    }
    w.push('\n');
    if !odd.is_empty() {
        let _ = writeln!(w, "Files with a note:\n");
        for e in odd.iter().take(rows) {
            let _ = writeln!(
                w,
                "- {} ({}, {}): {}",
                e.path,
                e.kind,
                e.status,
                e.reason.as_deref().unwrap_or("")
            );
        }
        more(w, odd.len(), rows, "files");
        w.push('\n');
    }
    rotated_families(w, r);
}

/// One line per rotated log family: its files, oldest first.
fn rotated_families(w: &mut Md, r: &Report) {
    let mut families: BTreeMap<&str, Vec<(u32, &str)>> = BTreeMap::new();
    for e in &r.inventory {
        if let Some(rot) = &e.rotation {
            let name = e.path.rsplit('/').next().unwrap_or(&e.path);
            families
                .entry(&rot.family)
                .or_default()
                .push((rot.age, name));
        }
    }
    for (family, mut files) in families {
        files.sort_by(|a, b| b.cmp(a));
        let names: Vec<_> = files.iter().map(|(_, n)| code(n)).collect();
        let _ = writeln!(
            w,
            "Rotated family {}: {} files, oldest first: {}.\n",
            code(family),
            files.len(),
            names.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample bundle's report, blown up past the limit: many more
    /// files with notes, timeline events and evidence lines.
    fn oversized() -> Report {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sample-bundle.tar.gz");
        let mut r = crate::analysis::analyze(path.as_ref(), &Default::default()).unwrap();
        let template = r.inventory[0].clone();
        r.inventory.extend((0..3000).map(|i| InventoryEntry {
            path: format!("logs/rotated/app.log.{i}"),
            reason: Some("no known format reads its lines".into()),
            ..template.clone()
        }));
        let events = r.timeline.clone();
        for _ in 0..20 {
            r.timeline.extend(events.iter().cloned());
        }
        let ev = r.findings[0].evidence.clone();
        for _ in 0..30 {
            r.findings[0].evidence.extend(ev.iter().cloned());
        }
        r
    }

    #[test]
    fn an_oversized_report_is_trimmed_least_important_first_and_says_so() {
        let r = oversized();
        assert!(render_with(&r, ALL, &[]).chars().count() > MAX_CHARS);
        let md = render(&r);
        assert!(md.chars().count() <= MAX_CHARS, "{}", md.chars().count());
        assert!(!md.contains("Report cut here"), "trimmed, not cut blind");
        let note = md
            .lines()
            .find(|l| l.starts_with("*Trimmed to fit a GitHub comment"))
            .expect("the cut is said");
        // The correlation tables' tails and the inventory's notes go
        // first; the findings are kept whole.
        assert!(
            note.contains("fewer rows of correlation, inventory notes"),
            "{note}"
        );
        assert!(!note.contains("findings"), "{note}");
        assert!(md.contains(&r.findings[0].title));
        assert!(md.contains("more files not shown"));
        // The summary stays on top, right after the note.
        let summary = md.find("## Summary").unwrap();
        assert!(summary < md.find("## 1. Each tier").unwrap());
        assert!(md[summary..].contains(&super::escape::guard(&r.summary[0])));
    }

    #[test]
    fn a_report_that_fits_is_not_trimmed() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/sample-bundle.tar.gz");
        let r = crate::analysis::analyze(path.as_ref(), &Default::default()).unwrap();
        let md = render(&r);
        assert!(!md.contains("Trimmed to fit"));
        assert_eq!(md, render_with(&r, ALL, &[]));
    }
}
