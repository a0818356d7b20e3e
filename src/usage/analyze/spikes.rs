//! Spikes in load, CPU, memory and I/O that matter in their unit, as
//! findings.

use super::*;

/// The smallest rise that matters in the metric's unit: a statistically
/// clear jump from 0 to 1 zombie or 48 KiB of writeback is still noise.
/// 0 for metrics whose unit is not known here (rates of blocks, I/O waits).
pub(super) fn min_rise(metric: &str) -> f64 {
    let m = metric;
    if m.ends_with("_bytes") {
        10.0 * MIB
    } else if m.ends_with("_pct") {
        10.0
    } else if m.starts_with("load.") {
        1.0
    } else if m.starts_with("tasks.") || m.starts_with("procs.") || m.starts_with("vm.procs_") {
        4.0
    } else {
        0.0
    }
}

/// A spike whose rise reaches [`min_rise`] and is not relief: free or
/// available memory, idle CPU and free disk rising are no incident.
pub(super) fn meaningful(s: &Spike) -> bool {
    let relief = s
        .metric
        .split(['.', '_'])
        .any(|part| part == "free" || part == "idle" || part.starts_with("avail"));
    !relief && s.peak - s.baseline >= min_rise(&s.metric)
}

/// The smallest deviation of a metric's baseline worth a z-score: a rise
/// of [`min_rise`] is then [`SPIKE_Z`] deviations on a flat baseline.
pub(super) fn min_scale(metric: &str) -> f64 {
    min_rise(metric) / SPIKE_Z
}

/// The process with the most resident memory on the spike's host within
/// its window, as ` Largest process in the window: ...`; empty when no
/// process table covers it.
fn largest_process(s: &Spike, samples: &[Sample]) -> String {
    let top = samples
        .iter()
        .filter(|p| p.metric == "proc.rss_bytes" && p.host == s.host)
        .filter(|p| s.start <= p.time && p.time <= s.end)
        .max_by(|a, b| a.value.total_cmp(&b.value));
    match top {
        Some(p) => format!(
            " Largest process in the window: `{}` pid {} with {} resident at {}.",
            p.label("command").unwrap_or("?"),
            p.label("pid").unwrap_or("?"),
            human(p.value),
            p.time.strftime("%H:%M:%S")
        ),
        None => String::new(),
    }
}

/// The load, CPU and memory spikes worth a line of their own; a memory
/// spike names the largest process of its window.
pub(super) fn spike_findings(spikes: &[Spike], samples: &[Sample]) -> Vec<Finding> {
    let notable = [
        "load.1m",
        "cpu.user_pct",
        "cpu.system_pct",
        "cpu.iowait_pct",
        "vm.cpu_iowait_pct",
        "vm.procs_running",
        "vm.procs_blocked",
        "mem.used_bytes",
        "io.util_pct",
        "psi.some_avg10",
    ];
    spikes
        .iter()
        .filter(|s| notable.contains(&s.metric.as_str()))
        .take(6)
        .map(|s| {
            let fmt = |v: f64| if s.metric.ends_with("_bytes") { human(v) } else { format!("{v:.2}") };
            Finding {
                kind: "usage.spike".into(),
                tier: Tier::System,
                // A bundle that names no host gives "unknown": not a place.
                title: match s.host.as_str() {
                    "unknown" => format!("{} spiked to {}", s.metric, fmt(s.peak)),
                    host => format!("{} spiked to {} on {host}", s.metric, fmt(s.peak)),
                },
                detail: format!(
                    "{} rose from a baseline of {} to {} at {} (window {} – {}, {:.1} robust deviations).{}",
                    s.metric,
                    fmt(s.baseline),
                    fmt(s.peak),
                    hhmmss(s.peak_time),
                    s.start.strftime("%H:%M:%S"),
                    s.end.strftime("%H:%M:%S"),
                    s.score,
                    if s.metric.starts_with("mem.") {
                        largest_process(s, samples)
                    } else {
                        String::new()
                    }
                ),
                score: 20.0 + s.score.min(30.0),
                time: Some(s.start),
                end: Some(s.end),
                evidence: vec![Evidence {
                    path: s.source.clone(),
                    line: None,
                    time: Some(s.peak_time),
                    excerpt: format!("{} = {}", s.metric, fmt(s.peak)),
                }],
            }
        })
        .collect()
}
