//! HTML for reading in a browser: one self-contained file with the same
//! outside-in sections as the Markdown, and charts drawn as inline SVG
//! (see [`super::svg`]).
//!
//! Nothing is fetched: no script, stylesheet, font or image is linked,
//! the page has no JavaScript, and a Content-Security-Policy of
//! `default-src 'none'` says so to the browser. Every text from the
//! bundle is escaped, since log lines are written by whoever sent the
//! requests.
//!
//! # Limitations
//! - Long tables are cut at [`MAX_ROWS`] rows, with a note; the JSON
//!   report has them whole.
//! - Charts are static pictures: no zoom, and tooltips come from the
//!   browser's own `<title>` handling.

use super::fmt;
use super::model::*;
use super::svg;
use super::time as t;
use crate::model::{Evidence, Finding};
use std::fmt::Write;

mod correlation;

use correlation::{anomalies, disagreements, intermittent, signature_shifts, spike_explanations};

/// Rows shown of any one table.
pub const MAX_ROWS: usize = 500;

const STYLE: &str = "\
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1b1f23;background:#fff}\
main{max-width:1000px;margin:0 auto;padding:16px 24px}\
h1{font-size:22px}\
h2{font-size:18px;border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:28px}\
h3{font-size:15px}.meta{color:#57606a}\
table{border-collapse:collapse;margin:8px 0;font-size:13px}\
th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#f6f8fa}td.n{text-align:right}\
code{font:12px ui-monospace,monospace;background:#f6f8fa;padding:1px 3px;word-break:break-all}\
details{margin:4px 0 8px 16px}summary{cursor:pointer;color:#0969da}\
.note{color:#57606a;font-style:italic}.nw{white-space:nowrap}\
.failing{color:#cf222e;font-weight:bold}.degraded{color:#9a6700;font-weight:bold}\
svg.chart{width:100%;height:auto;display:block;margin:4px 0}\
svg text{font:11px system-ui,sans-serif;fill:#57606a}\
.axis line,.grid line{stroke:#d0d7de;stroke-width:1}\
.series{fill:none;stroke-width:1.6}\
.c0{stroke:#0969da}.c1{stroke:#cf222e}.c2{stroke:#1a7f37}.c3{stroke:#8250df}\
.c4{stroke:#bc4c00}.c5{stroke:#57606a}\
.spike{fill:#ffd33d;fill-opacity:.35}\
.marker line{stroke:#8250df;stroke-width:1.2;stroke-dasharray:4 3}\
.marker.lifecycle line{stroke:#bc4c00}\
.marker-label{fill:#8250df;font-weight:bold}\
.limit line{stroke:#cf222e;stroke-dasharray:6 4}.limit text{fill:#cf222e}\
.event{fill:#0969da}.event.change{fill:#8250df}.event.lifecycle{fill:#bc4c00}\
.event.finding{fill:#cf222e}.event.spike{fill:#d4a72c}.event.shift{fill:#1a7f37}\
.explained rect{fill:none;stroke:#9a6700;stroke-width:1.2;stroke-dasharray:3 2}\
.explained text{fill:#9a6700;font-weight:bold}\
.legend{list-style:none;padding:0;margin:0 0 12px;font-size:12px}\
.legend li{display:inline-block;margin-right:14px}\
.sw{display:inline-block;width:14px;height:0;border-top:3px solid;\
vertical-align:middle;margin-right:4px}\
.sw.c0{border-color:#0969da}.sw.c1{border-color:#cf222e}.sw.c2{border-color:#1a7f37}\
.sw.c3{border-color:#8250df}.sw.c4{border-color:#bc4c00}.sw.c5{border-color:#57606a}\
";

/// Escapes text for HTML content and double-quoted attributes.
/// Unicode's bidirectional embedding, override and isolate controls, and
/// the directional marks.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Bidirectional overrides and isolates would reorder what
            // follows (`gnp.exe` shown as `exe.png`).
            c if is_bidi_control(c) => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text whose code spans (as the analysis writes them with
/// [`crate::report::inline_code`]) become `<code>`. Spans are found as
/// CommonMark finds them: a run of n backticks up to the next run of
/// exactly n, one padding space stripped from each end when both are
/// there; a run with no partner is text. A message with its own
/// backticks (``` ``a `tick` here`` ```) shows as written.
pub(super) fn rich(s: &str) -> String {
    let b = s.as_bytes();
    let run_at = |i: usize| b[i..].iter().take_while(|&&c| c == b'`').count();
    let mut out = String::with_capacity(s.len() + 16);
    let (mut i, mut plain) = (0, 0);
    while i < b.len() {
        if b[i] != b'`' {
            i += 1;
            continue;
        }
        let n = run_at(i);
        let close = crate::report::markdown::code_span_end(b, i, n);
        let Some(close) = close else {
            i += n;
            continue;
        };
        out.push_str(&esc(&s[plain..i]));
        let inner = &s[i + n..close];
        let inner = match inner.strip_prefix(' ').and_then(|t| t.strip_suffix(' ')) {
            Some(t) if !t.trim().is_empty() => t,
            _ => inner,
        };
        out.push_str("<code>");
        out.push_str(&esc(inner));
        out.push_str("</code>");
        i = close + n;
        plain = i;
    }
    out.push_str(&esc(&s[plain..]));
    out
}

/// Renders the report as one HTML page.
pub fn render(r: &Report) -> String {
    let mut w = String::new();
    let _ = write!(
        w,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>outsidein report: {}</title><style>{STYLE}</style></head>\n<body><main>\n",
        esc(&r.bundle.name)
    );
    header(&mut w, r);
    charts(&mut w, r);
    tiers(&mut w, r);
    connections(&mut w, r);
    usage(&mut w, r);
    changes(&mut w, r);
    problems(&mut w, r);
    instrumentation(&mut w, r);
    timeline(&mut w, r);
    completeness(&mut w, r);
    inventory(&mut w, r);
    w.push_str("</main></body></html>\n");
    w
}

fn header(w: &mut String, r: &Report) {
    let b = &r.bundle;
    let hosts = crate::report::fmt::host_list(&b.hosts);
    let _ = write!(
        w,
        "<h1>outsidein report: {}</h1>\n<p class=\"meta\">Hosts: {} · Logs from {} to {} UTC · \
         Collected {} · {}, {} · outsidein {} (report schema {})</p>\n\
         <p class=\"meta\">{}</p>\n",
        esc(&b.name),
        esc(&hosts),
        t(b.start),
        t(b.end),
        t(b.collection_time),
        crate::model::count(b.files, "file", "files"),
        crate::model::count(b.records as usize, "log record", "log records"),
        esc(r.tool.version),
        esc(r.schema_version),
        esc(&crate::redact::summary_line(r.redactions.as_ref()))
    );
    w.push_str("<section id=\"summary\"><h2>Summary</h2>\n");
    if r.summary.is_empty() {
        w.push_str("<p>No problem found in the evidence.</p>\n");
    }
    let (tag, items) = match numbered(&r.summary) {
        Some(items) => ("ol", items),
        None => ("ul", r.summary.iter().map(String::as_str).collect()),
    };
    let _ = writeln!(w, "<{tag}>");
    for s in items {
        let _ = writeln!(w, "<li>{}</li>", rich(s));
    }
    let _ = writeln!(w, "</{tag}></section>");
}

/// The summary's items without their leading `N. ` when every item has
/// one, so that an `<ol>` numbers them once; else `None`.
fn numbered(items: &[String]) -> Option<Vec<&str>> {
    items
        .iter()
        .map(|s| {
            let (n, rest) = s.split_once(". ")?;
            let digits = !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
            digits.then_some(rest)
        })
        .collect::<Option<Vec<&str>>>()
        .filter(|v| !v.is_empty())
}

/// Opens a section with its heading.
pub(super) fn section(w: &mut String, id: &str, title: &str) {
    let _ = writeln!(w, "<section id=\"{id}\"><h2>{}</h2>", esc(title));
}

/// A table: header cells, then rows of already escaped cells, cut at
/// [`MAX_ROWS`] with a note.
pub(super) fn table(w: &mut String, head: &[&str], rows: Vec<Vec<String>>, what: &str) {
    w.push_str("<table><thead><tr>");
    for h in head {
        let _ = write!(w, "<th>{}</th>", esc(h));
    }
    w.push_str("</tr></thead><tbody>\n");
    let total = rows.len();
    for row in rows.into_iter().take(MAX_ROWS) {
        w.push_str("<tr>");
        for c in row {
            let _ = write!(w, "<td>{c}</td>");
        }
        w.push_str("</tr>\n");
    }
    w.push_str("</tbody></table>\n");
    more(w, total, MAX_ROWS, what);
}

pub(super) fn more(w: &mut String, total: usize, shown: usize, what: &str) {
    if total > shown {
        let _ = writeln!(
            w,
            "<p class=\"note\">{} more {what} not shown; see the JSON report.</p>",
            total - shown
        );
    }
}

fn charts(w: &mut String, r: &Report) {
    section(w, "charts", "Charts");
    let Some(axis) = svg::TimeAxis::of(&r.charts) else {
        w.push_str("<p>No series with a time to chart.</p></section>\n");
        return;
    };
    w.push_str("<h3>Timeline</h3>\n");
    w.push_str(&svg::timeline(r, &axis));
    if !r.charts.markers.is_empty() {
        w.push_str("\n<ol class=\"markers\">\n");
        for m in &r.charts.markers {
            let _ = writeln!(
                w,
                "<li>{} UTC · {} · {}</li>",
                t(Some(m.time)),
                esc(&m.kind),
                rich(&m.label)
            );
        }
        w.push_str("</ol>\n");
    }
    for p in &r.charts.panels {
        let bucket = p
            .bucket_s
            .map(|b| format!(" (count per {b} s)"))
            .unwrap_or_default();
        let _ = writeln!(w, "<h3>{}{}</h3>", esc(&p.title), esc(&bucket));
        w.push_str(&svg::panel(p, &axis, r));
        w.push_str("\n<ul class=\"legend\">");
        for (i, s) in p.series.iter().enumerate() {
            let _ = write!(
                w,
                "<li><span class=\"sw c{}\"></span>{}</li>",
                i % 6,
                rich(&s.name)
            );
        }
        w.push_str("</ul>\n");
        if p.series_omitted > 0 {
            let _ = writeln!(
                w,
                "<p class=\"note\">{} more series not drawn.</p>",
                p.series_omitted
            );
        }
    }
    w.push_str("</section>\n");
}

pub(super) fn evidence_block(w: &mut String, ev: &[Evidence]) {
    if ev.is_empty() {
        return;
    }
    let _ = writeln!(w, "<details><summary>Evidence ({})</summary><ul>", ev.len());
    for e in ev {
        let _ = writeln!(w, "<li>{}</li>", evidence_item(e));
    }
    w.push_str("</ul></details>\n");
}

/// One piece of evidence: where, when, and the line itself.
pub(super) fn evidence_item(e: &Evidence) -> String {
    let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
    format!(
        "{}{} at {} UTC: <code>{}</code>",
        esc(&e.path),
        at,
        t(e.time),
        esc(&e.excerpt)
    )
}

fn finding(w: &mut String, f: &Finding) {
    let _ = writeln!(
        w,
        "<li><strong>{}</strong> (score {:.1}, <code>{}</code>)<br>{}",
        rich(&f.title),
        f.score,
        esc(&f.kind),
        rich(&f.detail)
    );
    evidence_block(w, &f.evidence);
    w.push_str("</li>\n");
}

fn tiers(w: &mut String, r: &Report) {
    section(w, "tiers", "1. Each tier on its own");
    let rows = r
        .tiers
        .iter()
        .map(|ts| {
            vec![
                esc(ts.tier.title()),
                format!(
                    "<span class=\"{}\">{}</span>",
                    ts.status.replace(' ', "-"),
                    esc(ts.status)
                ),
                ts.findings.len().to_string(),
                ts.sources.len().to_string(),
            ]
        })
        .collect();
    table(w, &["Tier", "Status", "Findings", "Sources"], rows, "tiers");
    for ts in r.tiers.iter().filter(|t| !t.findings.is_empty()) {
        let _ = writeln!(
            w,
            "<h3>{}: {}</h3><ul>",
            esc(ts.tier.title()),
            esc(ts.status)
        );
        for &i in &ts.findings {
            finding(w, &r.findings[i]);
        }
        w.push_str("</ul>\n");
    }
    w.push_str("</section>\n");
}

fn connections(w: &mut String, r: &Report) {
    section(w, "connections", "2. Connections between tiers");
    if r.connections.is_empty() {
        w.push_str("<p>No connection errors between tiers were found.</p>\n");
    } else {
        let rows = r
            .connections
            .iter()
            .map(|c| {
                vec![
                    esc(c.from.title()),
                    esc(c.to.title()),
                    esc(&c.class),
                    c.count.to_string(),
                    t(c.first),
                    t(c.last),
                ]
            })
            .collect();
        let head = ["From", "To", "Problem", "Count", "First", "Last"];
        table(w, &head, rows, "connections");
    }
    disagreements(w, r);
    w.push_str("</section>\n");
}

fn usage(w: &mut String, r: &Report) {
    section(w, "usage", "3. Changes in usage");
    let usage: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.kind.starts_with("usage.") || f.kind.starts_with("pg.stats"))
        .collect();
    if !usage.is_empty() {
        w.push_str("<ul>\n");
        usage.iter().for_each(|f| finding(w, f));
        w.push_str("</ul>\n");
    }
    if r.spikes.is_empty() {
        w.push_str("<p>No spike stands out from its series' baseline.</p>\n");
    } else {
        let rows = r
            .spikes
            .iter()
            .map(|s| {
                let labels: Vec<String> =
                    s.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                vec![
                    esc(&s.metric),
                    esc(&s.host),
                    esc(&labels.join(" ")),
                    t(Some(s.start)),
                    t(Some(s.end)),
                    crate::report::fmt::spike_value(&s.metric, s.baseline),
                    crate::report::fmt::spike_value(&s.metric, s.peak),
                ]
            })
            .collect();
        let head = ["Metric", "Host", "Labels", "From", "To", "Baseline", "Peak"];
        table(w, &head, rows, "spikes");
    }
    w.push_str("</section>\n");
}

fn changes(w: &mut String, r: &Report) {
    section(w, "dependencies", "4. Changes in dependencies");
    if r.changes.is_empty() {
        w.push_str("<p>No dependency change found in the bundle.</p>\n");
    } else {
        let rows = r
            .changes
            .iter()
            .map(|c| {
                vec![
                    esc(&c.package),
                    esc(&c.kind),
                    esc(c.from.as_deref().unwrap_or("")),
                    esc(c.to.as_deref().unwrap_or("")),
                    esc(&c.flags.join(", ")),
                    t(c.time),
                ]
            })
            .collect();
        let head = ["Package", "Change", "From", "To", "Flags", "Time"];
        table(w, &head, rows, "changes");
    }
    w.push_str("</section>\n");
}

fn problems(w: &mut String, r: &Report) {
    section(w, "signatures", "5. Recurring and reproducible problems");
    let sigs = r.problem_signatures();
    if sigs.is_empty() {
        w.push_str("<p>No warning or error signature recurs.</p>\n");
    } else {
        signature_table(w, &sigs);
    }
    spike_explanations(w, r);
    signature_shifts(w, r);
    anomalies(w, r);
    intermittent(w, r);
    w.push_str("</section>\n");
}

/// The warning and error signatures, most frequent first.
fn signature_table(w: &mut String, sigs: &[&Signature]) {
    let pairs = |v: &[(String, u64)]| -> String {
        let s: Vec<String> = v
            .iter()
            .take(3)
            .map(|(h, n)| format!("{h} ({n})"))
            .collect();
        esc(&s.join(", "))
    };
    let rows = sigs
        .iter()
        .map(|s| {
            vec![
                template_cell(&s.template, &s.id),
                s.count.to_string(),
                esc(s.severity.as_str()),
                esc(s.tier.title()),
                esc(&fmt::recurs(s.recurrence, s.period_s)),
                t(s.first_seen),
                t(s.last_seen),
                pairs(&s.hosts),
                pairs(&s.routes),
            ]
        })
        .collect();
    let head = [
        "Signature",
        "Count",
        "Severity",
        "Tier",
        "Recurs",
        "First",
        "Last",
        "Hosts",
        "Routes",
    ];
    table(w, &head, rows, "signatures");
}

fn instrumentation(w: &mut String, r: &Report) {
    section(w, "instrumentation", "6. Instrumentation to add");
    if r.instrumentation.is_empty() {
        w.push_str("<p>The evidence covers the findings; nothing to add.</p>\n");
    } else {
        w.push_str("<ul>\n");
        for a in &r.instrumentation {
            let _ = writeln!(
                w,
                "<li><strong>{}</strong> {}</li>",
                rich(&a.title),
                rich(&a.detail)
            );
        }
        w.push_str("</ul>\n");
    }
    w.push_str("</section>\n");
}

fn timeline(w: &mut String, r: &Report) {
    section(w, "timeline", "Timeline (UTC)");
    let rows = r
        .timeline
        .iter()
        .map(|e| {
            let at = e
                .evidence
                .as_ref()
                .map(|e| format!("{}:{}", e.path, e.line.unwrap_or(0)))
                .unwrap_or_default();
            vec![t(Some(e.time)), esc(e.kind), rich(&e.title), esc(&at)]
        })
        .collect();
    table(w, &["Time", "Event", "What", "Where"], rows, "events");
    w.push_str("</section>\n");
}

fn completeness(w: &mut String, r: &Report) {
    section(w, "completeness", "Evidence completeness");
    let rows = r
        .completeness
        .iter()
        .map(|c| {
            let gap = c
                .largest_gap
                .map(|(at, s)| format!("{s} s from {}", t(Some(at))))
                .unwrap_or_default();
            vec![
                esc(&c.source),
                t(c.start),
                t(c.end),
                c.records.to_string(),
                c.unparsed.to_string(),
                fmt::no_time(c),
                c.zone_assumed.to_string(),
                c.year_inferred.to_string(),
                gap,
            ]
        })
        .collect();
    let head = [
        "Source",
        "From",
        "To",
        "Records",
        "Unparsed",
        "No time",
        "Zone assumed",
        "Year inferred",
        "Largest gap",
    ];
    table(w, &head, rows, "sources");
    if !r.clock_skew.is_empty() {
        w.push_str("<h3>Clock skew</h3>\n");
        let rows = r
            .clock_skew
            .iter()
            .map(|k| {
                vec![
                    esc(&k.other),
                    format!("{:+.1} s", k.offset_s),
                    esc(&k.host),
                    format!("{:.1} s", k.spread_s),
                    k.pairs.to_string(),
                    esc(k.matched_by),
                ]
            })
            .collect();
        let head = [
            "Host",
            "Ahead by",
            "Of host",
            "Spread",
            "Pairs",
            "Matched by",
        ];
        table(w, &head, rows, "host pairs");
    }
    if !r.evidence_gaps.is_empty() {
        w.push_str("<h3>Evidence gaps</h3>\n");
        let rows = r
            .evidence_gaps
            .iter()
            .map(|g| {
                vec![
                    esc(&g.kind.replace('_', " ")),
                    esc(&g.source),
                    g.time.map(|x| t(Some(x))).unwrap_or_default(),
                    esc(&g.detail),
                ]
            })
            .collect();
        table(w, &["Gap", "Source", "Seen", "What"], rows, "gaps");
    }
    w.push_str("</section>\n");
}

fn inventory(w: &mut String, r: &Report) {
    section(w, "inventory", "Inventory");
    let rows = r
        .inventory
        .iter()
        .map(|e| {
            vec![
                esc(&e.path),
                esc(&e.kind),
                esc(e.format.as_deref().unwrap_or("")),
                esc(e.status),
                e.records.to_string(),
                esc(&inventory_note(e)),
            ]
        })
        .collect();
    let head = ["Path", "Kind", "Format", "Status", "Records", "Note"];
    table(w, &head, rows, "files");
    w.push_str("</section>\n");
}

/// The reason a file was not fully read, and its place in a rotation
/// family.
fn inventory_note(e: &crate::report::model::InventoryEntry) -> String {
    let rotation = e.rotation.as_ref().map(|rot| match rot.age {
        0 => format!("newest of {} rotated files of {}", rot.of, rot.family),
        n => format!("rotation {n} of {} files of {}", rot.of, rot.family),
    });
    [e.reason.clone(), rotation]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ")
}

/// A signature as a table cell: its template as code, and its short id.
pub(super) fn template_cell(template: &str, id: &str) -> String {
    format!(
        "<code>{}</code> {}",
        esc(&crate::model::excerpt(template, 160)),
        esc(fmt::short_id(id))
    )
}

#[cfg(test)]
mod tests {
    use super::correlation::{causes_cell, key_cell};
    use super::*;

    #[test]
    fn code_spans_as_commonmark_reads_them() {
        let span = crate::report::inline_code("a `tick` here");
        assert_eq!(
            rich(&format!("x {span} y")),
            "x <code>a `tick` here</code> y"
        );
        assert_eq!(rich("`a` and `b`"), "<code>a</code> and <code>b</code>");
        // A backtick with no partner is text.
        assert_eq!(
            rich("`x` and a lone ` here"),
            "<code>x</code> and a lone ` here"
        );
        assert_eq!(rich(&crate::report::inline_code("```")), "<code>```</code>");
        // Bidirectional overrides cannot reorder the text after them.
        assert_eq!(esc("gnp\u{202e}.exe"), "gnp\u{fffd}.exe");
    }

    #[test]
    fn esc_neutralises_markup_and_attribute_breaks() {
        let hostile = r#"<script>alert(1)</script> "onerror=alert(1) 'x' &amp;"#;
        let e = esc(hostile);
        assert_eq!(
            e,
            "&lt;script&gt;alert(1)&lt;/script&gt; &quot;onerror=alert(1) &#39;x&#39; &amp;amp;"
        );
    }

    /// Signature templates, paths, excerpts and cause titles come from
    /// the bundle: in the correlation tables' cells they stay text.
    #[test]
    fn correlation_cells_escape_bundle_text() {
        let bad = "<img src=x onerror=alert(1)>";
        let o = OverRepresented {
            dimension: "signature",
            key: "0123456789abcdef".into(),
            label: Some(bad.into()),
            window: 3,
            baseline: 0,
            ratio: 9.0,
            p_value: 0.01,
        };
        let cause = Cause {
            kind: "restart",
            title: format!("`{bad}` and {bad}"),
            lag_s: 1.0,
            hosts: vec![],
            same_host: true,
            followed: 1,
            occurrences: 1,
            score: 0.9,
            evidence: Evidence {
                path: format!("logs/{bad}.log"),
                line: Some(4),
                time: None,
                excerpt: bad.into(),
            },
        };
        let cells = [key_cell(&o), causes_cell(&[cause], 1)];
        for c in cells {
            assert!(!c.contains("<img"), "{c}");
            assert!(c.contains("&lt;img src=x onerror=alert(1)&gt;"), "{c}");
        }
        assert!(key_cell(&o).ends_with("</code> 01234567"));
    }

    #[test]
    fn rich_codes_backtick_pairs_and_escapes_inside() {
        assert_eq!(rich("first `a<b` seen"), "first <code>a&lt;b</code> seen");
        // An odd backtick is text, not an open code span.
        assert_eq!(rich("it`s <b>"), "it`s &lt;b&gt;");
    }
}
