//! The Markdown form of a [`Diff`].

use super::Diff;
use crate::analysis::contrast::RateChange;
use std::fmt::Write;

use crate::batch::summary::cell;

fn span(s: &super::SideInfo) -> String {
    match (s.start, s.end) {
        (Some(a), Some(b)) => format!("{a} to {b}"),
        _ => "no time".into(),
    }
}

/// Bytes as MiB, percentages and loads as they are.
fn value(metric: &str, v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if metric.ends_with("_bytes") => format!("{:.1} MiB", v / 1048576.0),
        Some(v) => format!("{v:.2}"),
    }
}

pub fn markdown(d: &Diff) -> String {
    let mut s = crate::report::Md::default();
    let _ = writeln!(s, "# What changed\n");
    for (name, side) in [("Baseline", &d.baseline), ("Incident", &d.incident)] {
        s.push_str("- ");
        s.strong(name);
        let _ = writeln!(
            s,
            ": {} ({}{}, {}, {})",
            cell(&side.label, 200),
            span(side),
            side.covered_secs
                .map(|c| format!("; {c:.0} s covered"))
                .unwrap_or_default(),
            crate::model::count(side.records as usize, "record", "records"),
            crate::model::count(side.signatures, "signature", "signatures")
        );
    }
    if let Some(r) = &d.redactions {
        let _ = writeln!(s, "\n{}", crate::redact::summary_line(Some(r)));
    }
    for n in &d.notes {
        s.push('\n');
        s.strong("Note:");
        let _ = writeln!(s, " {}", cell(n, 400));
    }
    let _ = writeln!(s, "\n## Signatures\n");
    if d.baseline.covered_secs.is_some() && d.incident.covered_secs.is_some() {
        let _ = writeln!(
            s,
            "Rate test per signature with each side's covered time as exposure, \
             Benjamini–Hochberg adjusted; {} more signatures did not change significantly.\n",
            d.unchanged_signatures
        );
    } else {
        let _ = writeln!(
            s,
            "A side without times has no exposure to compare rates by: signatures are new or \
             gone; {} seen on both sides are not compared.\n",
            d.unchanged_signatures
        );
    }
    for (title, kinds) in [
        ("New", &[RateChange::New][..]),
        ("Gone", &[RateChange::Gone][..]),
        ("Changed in rate", &[RateChange::Up, RateChange::Down][..]),
    ] {
        let rows: Vec<_> = d
            .signatures
            .iter()
            .filter(|c| kinds.contains(&c.change))
            .collect();
        let _ = writeln!(s, "### {title} ({})\n", rows.len());
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "| signature | tier | baseline | incident | per hour | ratio | q | template |\n\
             |---|---|---|---|---|---|---|---|"
        );
        for c in rows.iter().take(100) {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
                c.id,
                c.tier,
                c.baseline,
                c.incident,
                if c.baseline_per_hour.is_nan() {
                    "-".to_string()
                } else {
                    format!("{:.1} → {:.1}", c.baseline_per_hour, c.incident_per_hour)
                },
                if c.ratio.is_nan() {
                    "-".to_string()
                } else {
                    format!("{:.2}", c.ratio)
                },
                if c.q_value.is_nan() {
                    "-".to_string()
                } else {
                    format!("{:.1e}", c.q_value)
                },
                cell(&c.template, 100)
            );
        }
        if rows.len() > 100 {
            let _ = writeln!(s, "\n{} more in the JSON form.", rows.len() - 100);
        }
        s.push('\n');
    }
    let _ = writeln!(s, "## Usage\n");
    let usage: Vec<_> = d.usage.iter().filter(|u| u.delta != Some(0.0)).collect();
    if usage.is_empty() {
        let _ = writeln!(
            s,
            "No usage figure differs (or neither side has snapshots).\n"
        );
    } else {
        let _ = writeln!(
            s,
            "| metric | host | | baseline | incident |\n|---|---|---|---|---|"
        );
        for u in usage {
            let _ = writeln!(
                s,
                "| {}{} | {} | {} | {} | {} |",
                u.metric,
                if u.labels.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", u.labels)
                },
                cell(&u.host, 40),
                u.stat,
                value(&u.metric, u.baseline),
                value(&u.metric, u.incident)
            );
        }
        s.push('\n');
    }
    let _ = writeln!(s, "## Dependencies\n");
    if d.dependencies.is_empty() {
        let _ = writeln!(s, "No dependency change.");
    }
    for c in &d.dependencies {
        let _ = writeln!(
            s,
            "- {} `{}` {}: {} → {}{}",
            c.ecosystem,
            c.package,
            c.kind,
            c.from.as_deref().unwrap_or("-"),
            c.to.as_deref().unwrap_or("-"),
            if c.flags.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.flags.join(", "))
            }
        );
    }
    for n in &d.dependency_notes {
        let _ = writeln!(s, "- note: {}", cell(n, 300));
    }
    postgres(&mut s, &d.postgres);
    let _ = writeln!(s, "\n## Configuration files\n");
    if d.configs.is_empty() {
        let _ = writeln!(s, "No configuration file differs.");
    }
    for c in &d.configs {
        let _ = writeln!(s, "### `{}` ({})\n", cell(&c.path, 200), c.kind);
        if let Some(n) = &c.note {
            let _ = writeln!(s, "{n}\n");
        }
        if !c.lines.is_empty() {
            let _ = writeln!(s, "```diff");
            for l in c.lines.iter().take(200) {
                let _ = writeln!(s, "{}", l.replace("```", "'''"));
            }
            let _ = writeln!(s, "```\n");
        }
    }
    s.finish()
}

/// Milliseconds with two decimals, or `-` where a side has no calls.
fn ms(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.2}"))
}

/// A setting's value: `-` when the side has no such setting, `''` when
/// it is set to the empty string.
fn setting(v: Option<&str>) -> String {
    match v {
        None => "-".into(),
        Some("") => "`''`".into(),
        Some(v) => cell(v, 60),
    }
}

fn postgres(s: &mut crate::report::Md, p: &super::postgres::PostgresDiff) {
    let _ = writeln!(s, "\n## Postgres\n");
    // A span is only said for two dumps or more (one dump spans nothing).
    let side = |dumps: usize, secs: f64| match dumps {
        0 | 1 => format!("{dumps}"),
        _ => format!("{dumps} over {:.0} s", secs.max(0.0)),
    };
    let _ = writeln!(
        s,
        "pg_stat_statements dumps: {} (baseline), {} (incident).",
        side(p.baseline_dumps, p.baseline_secs),
        side(p.incident_dumps, p.incident_secs)
    );
    for n in &p.notes {
        let _ = writeln!(s, "- note: {n}");
    }
    let num = |v: Option<u32>| v.map_or("-".to_string(), |v| v.to_string());
    if p.max_connections.0 != p.max_connections.1 || p.max_connections.0.is_some() {
        let _ = writeln!(
            s,
            "\n`max_connections`: {} → {}.",
            num(p.max_connections.0),
            num(p.max_connections.1)
        );
    }
    let rates = p.baseline_dumps >= 2 && p.incident_dumps >= 2;
    if rates {
        let _ = writeln!(
            s,
            "\n### Queries ({} changed, {} unchanged)\n",
            p.queries.len(),
            p.unchanged_queries
        );
    }
    if !p.queries.is_empty() {
        let _ = writeln!(
            s,
            "Call rate tested per query with each side's dump span as exposure, \
             Benjamini–Hochberg adjusted; mean time per call compared when both sides \
             have 10 calls or more.\n"
        );
        let _ = writeln!(
            s,
            "| calls | time per call | calls baseline → incident | ms per call | q | query |\n\
             |---|---|---|---|---|---|"
        );
        for q in p.queries.iter().take(30) {
            let _ = writeln!(
                s,
                "| {} | {} | {} → {} | {} → {} | {:.1e} | {} |",
                q.change.as_str(),
                if q.latency.is_empty() { "-" } else { q.latency },
                q.baseline_calls,
                q.incident_calls,
                ms(q.baseline_mean_ms),
                ms(q.incident_mean_ms),
                q.q_value,
                cell(&q.fingerprint, 100)
            );
        }
        if p.queries.len() > 30 {
            let _ = writeln!(s, "\n{} more in the JSON form.", p.queries.len() - 30);
        }
    }
    let moved: Vec<_> = p
        .connections
        .iter()
        .filter(|c| c.baseline != c.incident)
        .collect();
    if !moved.is_empty() {
        let _ = writeln!(
            s,
            "\n### Peak connections ({} unchanged not listed)\n\n\
             | by | name | baseline | incident |\n|---|---|---|---|",
            p.connections.len() - moved.len()
        );
        for c in moved {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                c.by,
                cell(&c.name, 60),
                num(c.baseline),
                num(c.incident)
            );
        }
    }
    if !p.settings.is_empty() {
        let _ = writeln!(
            s,
            "\n### Settings that differ\n\n| setting | baseline | incident |\n|---|---|---|"
        );
        for c in &p.settings {
            let _ = writeln!(
                s,
                "| {} | {} | {} |",
                crate::report::inline_code(&c.name.replace('|', "\\|")),
                setting(c.baseline.as_deref()),
                setting(c.incident.as_deref())
            );
        }
    }
}
