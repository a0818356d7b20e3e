//! `summary.md`: the archive at a glance. Signatures that recur across
//! incidents, those new in the latest incident, those whose rate rises,
//! and the bundles that failed or were duplicates.

use super::rows::IncidentRow;
use super::tables::{time_order, RecurrenceRow};
use super::Tables;
use std::fmt::Write;

/// Markdown table cell text: one line, pipes escaped, backticks made
/// quotes, at most `max` characters. (`<` and `>` are made entities over
/// the whole page by [`crate::report::markdown_safe`].)
pub(crate) fn cell(s: &str, max: usize) -> String {
    crate::model::excerpt(&s.replace(['\n', '\r'], " "), max)
        .replace('|', "\\|")
        .replace('`', "'")
}

fn when(r: &IncidentRow) -> String {
    r.when()
        .map(|t| t.to_string())
        .unwrap_or_else(|| "no time".into())
}

pub fn render(t: &Tables, rec: &[RecurrenceRow]) -> String {
    let mut s = String::new();
    let order = time_order(&t.incidents);
    let count = |st: &str| t.incidents.iter().filter(|r| r.status == st).count();
    let _ = writeln!(s, "# Incidents across the archive\n");
    let _ = writeln!(
        s,
        "{} bundles: {} analyzed, {} with no recognised file, {} duplicates, {} failed. \
         Tables are in `tables/`; each incident's report in `incidents/<incident_id>/`.\n",
        t.incidents.len(),
        order.len(),
        count("no-recognised-files"),
        count("duplicate"),
        count("failed"),
    );
    let _ = writeln!(s, "## Incidents in time order\n");
    let earlier = order.len().saturating_sub(100);
    if earlier > 0 {
        let _ = writeln!(
            s,
            "The latest 100; {earlier} earlier ones are in `tables/incidents`.\n"
        );
    }
    let _ = writeln!(
        s,
        "| incident | start | hosts | top finding |\n|---|---|---|---|"
    );
    for r in &order[earlier..] {
        let _ = writeln!(
            s,
            "| `{}` ({}) | {} | {} | {} |",
            r.incident_id,
            cell(&r.source, 60),
            when(r),
            cell(&r.hosts.join(", "), 60),
            cell(r.top_finding_title.as_deref().unwrap_or("none"), 100),
        );
    }
    let recurring: Vec<&RecurrenceRow> = rec.iter().filter(|r| r.incidents >= 2).collect();
    let _ = writeln!(s, "\n## Signatures recurring across incidents\n");
    if recurring.is_empty() {
        let _ = writeln!(s, "None: no signature was seen in two incidents.");
    } else {
        let _ = writeln!(
            s,
            "| signature | incidents | count | first seen | last seen | trend | template |\n\
             |---|---|---|---|---|---|---|"
        );
        for r in recurring.iter().take(50) {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} | {} | {} |",
                r.signature_id,
                r.incidents,
                r.total_count,
                r.first_seen.map(|t| t.to_string()).unwrap_or_default(),
                r.last_seen.map(|t| t.to_string()).unwrap_or_default(),
                r.trend.as_deref().unwrap_or("-"),
                cell(&r.template, 100),
            );
        }
        if recurring.len() > 50 {
            let _ = writeln!(s, "\n{} more in `tables/recurrence`.", recurring.len() - 50);
        }
    }
    let _ = writeln!(s, "\n## New in the latest incident\n");
    match order.last() {
        None => {
            let _ = writeln!(s, "No incident was analyzed.");
        }
        Some(latest) => {
            let new: Vec<&RecurrenceRow> = rec.iter().filter(|r| r.new_in_latest).collect();
            let _ = writeln!(
                s,
                "Latest: `{}` ({}, {}). {} signatures seen there and in no earlier incident.\n",
                latest.incident_id,
                cell(&latest.source, 60),
                when(latest),
                new.len()
            );
            for r in new.iter().take(50) {
                let _ = writeln!(
                    s,
                    "- `{}` ×{} ({}, {}): {}",
                    r.signature_id,
                    r.total_count,
                    r.severity,
                    r.tier,
                    cell(&r.template, 120)
                );
            }
        }
    }
    let rising: Vec<&RecurrenceRow> = rec.iter().filter(|r| r.rising).collect();
    let _ = writeln!(
        s,
        "\n## Rising\n\nSignatures whose rate in the later half of the incidents is \
         significantly higher than in the earlier half (rate test on covered time, \
         Benjamini–Hochberg q < 0.01): {}.\n",
        rising.len()
    );
    for r in rising.iter().take(50) {
        let _ = writeln!(
            s,
            "- `{}` ratio {:.1}, q {:.2e}: {}",
            r.signature_id,
            r.ratio.unwrap_or(f64::NAN),
            r.q_value.unwrap_or(1.0),
            cell(&r.template, 120)
        );
    }
    let bad: Vec<&IncidentRow> = t
        .incidents
        .iter()
        .filter(|r| r.status == "failed" || r.status == "duplicate")
        .collect();
    if !bad.is_empty() {
        let _ = writeln!(s, "\n## Not analyzed\n");
        for r in bad {
            let why = match r.status.as_str() {
                "duplicate" => format!(
                    "same content as {}",
                    r.duplicate_of.as_deref().unwrap_or("?")
                ),
                _ => r.error.clone().unwrap_or_default(),
            };
            let _ = writeln!(
                s,
                "- {} ({}): {}",
                cell(&r.source, 100),
                r.status,
                cell(&why, 200)
            );
        }
    }
    crate::report::markdown_safe(&s)
}
