//! pg_stat_activity: connections by state and application against
//! `max_connections`, and sessions idle in transaction.

use super::*;

pub(super) fn activity(a: &mut PgAnalysis, series: &[&PgDump]) {
    let mut peaks: BTreeMap<(String, String), (u32, Timestamp)> = BTreeMap::new();
    let mut idle_tx: Vec<(f64, &PgDump, &PgRow)> = Vec::new();
    for d in series {
        let clients: Vec<&PgRow> = d
            .rows
            .iter()
            .filter(|r| r.get("backend_type").is_none_or(|t| t == "client backend"))
            .collect();
        let mut counts: BTreeMap<(String, String), u32> = BTreeMap::new();
        *counts.entry(("total".into(), "all".into())).or_default() += clients.len() as u32;
        for r in &clients {
            let state = r.get("state").unwrap_or("unknown").to_string();
            *counts.entry(("state".into(), state.clone())).or_default() += 1;
            *counts
                .entry((
                    "application".into(),
                    r.get("application_name").unwrap_or("").to_string(),
                ))
                .or_default() += 1;
            if state.starts_with("idle in transaction") {
                let since = r.get("state_change").and_then(pg_time);
                let secs = since
                    .map(|s| (d.time.as_millisecond() - s.as_millisecond()) as f64 / 1000.0)
                    .unwrap_or(0.0);
                idle_tx.push((secs, d, r));
            }
        }
        for ((by, name), n) in counts {
            let labels = vec![(by.clone(), name.clone())];
            a.samples
                .push(sample(d, &format!("pg.conn.{by}"), labels, f64::from(n)));
            let e = peaks.entry((by, name)).or_insert((0, d.time));
            if n > e.0 {
                *e = (n, d.time);
            }
        }
    }
    a.connections = peaks
        .iter()
        .map(|((by, name), (peak, at))| ConnCount {
            by: by.clone(),
            name: name.clone(),
            peak: *peak,
            at: *at,
        })
        .collect();
    connection_findings(a, series);
    if let Some((secs, d, r)) = idle_tx.iter().max_by(|x, y| x.0.total_cmp(&y.0)) {
        a.findings.push(Finding {
            kind: "pg.idle_in_transaction".into(),
            tier: Tier::Data,
            title: format!(
                "{} idle in transaction, longest {:.0} s",
                crate::model::count(idle_tx.len(), "session", "sessions"),
                secs
            ),
            detail: format!(
                "pid {} ({}) sat idle in transaction for {secs:.0} s at {}; it holds its locks and snapshot meanwhile. Last query: {}",
                r.get("pid").unwrap_or("?"), r.get("application_name").unwrap_or("?"), hms(d.time),
                crate::model::excerpt(r.get("query").unwrap_or(""), 160)
            ),
            score: 55.0,
            time: Some(d.time),
            end: None,
            evidence: vec![ev(d, Some(r), format!("pid {} idle in transaction", r.get("pid").unwrap_or("?")))],
        });
    }
}

/// Peak client connections against `max_connections`, and the application
/// tier's share of them.
pub(super) fn connection_findings(a: &mut PgAnalysis, series: &[&PgDump]) {
    let Some(max) = a.max_connections else { return };
    let Some(total) = a.connections.iter().find(|c| c.by == "total") else {
        return;
    };
    // Instances of one app: `shop-api-1`, `shop-api-2` -> `shop-api`.
    let mut tiers: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let mut peaks: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for c in a
        .connections
        .iter()
        .filter(|c| c.by == "application" && !c.name.is_empty())
    {
        let base = c
            .name
            .trim_end_matches(|ch: char| ch.is_ascii_digit())
            .trim_end_matches(['-', '_']);
        peaks.entry(base.to_string()).or_default().push(c.peak);
        let e = tiers.entry(base.to_string()).or_insert((0, 0));
        e.0 += 1;
        e.1 = e.1.max(c.peak);
    }
    let pct = 100.0 * f64::from(total.peak) / f64::from(max);
    let dump = series
        .iter()
        .find(|d| d.time == total.at)
        .copied()
        .or(series.last().copied());
    let evidence: Vec<Evidence> = dump
        .map(|d| ev(d, None, format!("{} client connections", total.peak)))
        .into_iter()
        .collect();
    let (app, (instances, per)) = tiers
        .iter()
        .max_by_key(|(_, (n, p))| n * p)
        .map(|(k, v)| (k.clone(), *v))
        .unwrap_or_default();
    let projected = instances * per;
    let held: Vec<String> = peaks
        .get(&app)
        .map(|v| v.iter().map(|p| p.to_string()).collect())
        .unwrap_or_default();
    let held_sum: u32 = peaks.get(&app).map(|v| v.iter().sum()).unwrap_or(0);
    if pct >= 80.0 || (instances >= 2 && f64::from(projected) >= 0.8 * f64::from(max)) {
        a.findings.push(Finding {
            kind: "pg.tier_imbalance".into(),
            tier: Tier::Data,
            title: format!(
                "{} of max_connections {max} in use ({pct:.0}%): the application tier's connections reach the data tier's limit",
                total.peak
            ),
            detail: format!(
                "At {} Postgres had {} client connections of {max}. `{app}` runs {}, which held {} connections at their busiest ({held_sum} together; {projected} if every instance peaked at once). Size the pools so that instances × pool size stays under max_connections, or add a pooler (PgBouncer).",
                hms(total.at), total.peak,
                crate::model::count(instances as usize, "instance", "instances"),
                natural_list(&held)
            ),
            score: 70.0,
            time: Some(total.at),
            end: None,
            evidence,
        });
    }
}

pub(super) fn pg_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    let s = if s.len() > 19 && &s[10..11] == " " {
        format!("{}T{}", &s[..10], &s[11..])
    } else {
        s.to_string()
    };
    let s = match s.rfind(['+', '-']) {
        Some(i) if i > 18 && s.len() - i == 3 => format!("{s}:00"),
        _ => s,
    };
    s.parse().ok()
}

/// `a`, `a and b`, `a, b and c`.
fn natural_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
