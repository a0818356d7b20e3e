//! Swap in use and OOM kills.

use super::*;

/// Swap in use or swapping traffic.
pub(super) fn swap_use(samples: &[Sample]) -> Vec<Finding> {
    let mut by_host: BTreeMap<&str, (f64, Option<&Sample>, f64)> = BTreeMap::new();
    for s in samples {
        let e = by_host.entry(s.host.as_str()).or_insert((0.0, None, 0.0));
        match s.metric.as_str() {
            "swap.used_bytes" | "vm.swpd_bytes" if s.value > e.0 => *e = (s.value, Some(s), e.2),
            "vm.swap_in_bytes_per_s" | "vm.swap_out_bytes_per_s" => e.2 = e.2.max(s.value),
            _ => {}
        }
    }
    by_host
        .into_iter()
        .filter_map(|(host, (peak, at, traffic))| {
            let at = at?;
            Some(Finding {
                kind: "usage.swap".into(),
                tier: Tier::System,
                title: format!("Swap in use on {host}: up to {}", human(peak)),
                detail: format!(
                    "{host} used up to {} of swap (at {}); peak swapping traffic {}/s.",
                    human(peak),
                    hhmmss(at.time),
                    human(traffic)
                ),
                score: if traffic > 0.0 { 50.0 } else { 30.0 },
                time: Some(at.time),
                end: None,
                evidence: vec![evidence(at, format!("swap used {}", human(peak)))],
            })
        })
        .collect()
}

/// cgroup `memory.events` reporting OOM kills.
pub(super) fn oom_kills(samples: &[Sample]) -> Vec<Finding> {
    samples
        .iter()
        .filter(|s| s.metric == "cgroup.memory_events" && s.label("event") == Some("oom_kill"))
        .filter(|s| s.value > 0.0)
        .max_by(|a, b| a.value.total_cmp(&b.value))
        .map(|s| Finding {
            kind: "usage.oom_kill".into(),
            tier: Tier::System,
            title: format!(
                "{} in cgroup {}",
                if s.value == 1.0 {
                    "1 OOM kill".to_string()
                } else {
                    format!("{} OOM kills", s.value)
                },
                s.label("cgroup").unwrap_or("?")
            ),
            detail: format!("memory.events counts {} oom_kill on {}.", s.value, s.host),
            score: 75.0,
            time: Some(s.time),
            end: None,
            evidence: vec![evidence(s, format!("oom_kill {}", s.value))],
        })
        .into_iter()
        .collect()
}
