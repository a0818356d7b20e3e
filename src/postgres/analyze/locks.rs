//! pg_locks: the lock holders others wait on, named from the nearest
//! pg_stat_activity dump.

use super::*;

pub(super) fn locks(
    a: &mut PgAnalysis,
    series: &[&PgDump],
    all: &BTreeMap<(String, PgView), Vec<&PgDump>>,
) {
    for d in series {
        let mut holders: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let waiting: Vec<&PgRow> = d
            .rows
            .iter()
            .filter(|r| matches!(r.get("granted"), Some("f" | "false")))
            .collect();
        for r in &d.rows {
            let Some(pid) = r.get("pid") else { continue };
            let blocked_by = r.get("blocked_by").unwrap_or("{}").trim_matches(['{', '}']);
            for h in blocked_by
                .split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
            {
                let w = holders.entry(h.to_string()).or_default();
                if !w.contains(&pid.to_string()) {
                    w.push(pid.to_string());
                }
            }
        }
        if holders.is_empty() && waiting.is_empty() {
            continue;
        }
        let activity = all.get(&(d.host.clone(), PgView::Activity)).and_then(|v| {
            v.iter()
                .min_by_key(|x| (x.time.as_second() - d.time.as_second()).abs())
        });
        for (holder, waiters) in &holders {
            let query = activity
                .and_then(|act| act.rows.iter().find(|r| r.get("pid") == Some(holder)))
                .map(|r| {
                    format!(
                        " ({}: {})",
                        r.get("application_name").unwrap_or("?"),
                        crate::model::excerpt(r.get("query").unwrap_or(""), 120)
                    )
                })
                .unwrap_or_default();
            a.findings.push(Finding {
                kind: "pg.lock_holder".into(),
                tier: Tier::Data,
                title: format!(
                    "pid {holder} holds a lock {} wait on",
                    crate::model::count(waiters.len(), "session", "sessions")
                ),
                detail: format!(
                    "At {}, pid {holder}{query} blocked {} {}.",
                    hms(d.time),
                    if waiters.len() == 1 { "pid" } else { "pids" },
                    waiters.join(", ")
                ),
                score: 60.0,
                time: Some(d.time),
                end: None,
                evidence: vec![ev(d, None, format!("blocked_by {{{holder}}}"))],
            });
        }
        if holders.is_empty() {
            a.findings.push(Finding {
                kind: "pg.lock_wait".into(),
                tier: Tier::Data,
                title: format!(
                    "{} not granted",
                    crate::model::count(waiting.len(), "lock", "locks")
                ),
                detail: format!(
                    "At {}, {} waited; the dump has no blocked_by column to name the holder.",
                    hms(d.time),
                    crate::model::count(waiting.len(), "lock request", "lock requests")
                ),
                score: 50.0,
                time: Some(d.time),
                end: None,
                evidence: vec![ev(d, waiting.first().copied(), "granted = f".into())],
            });
        }
    }
}
