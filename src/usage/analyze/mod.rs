//! From usage samples to findings: processes whose memory climbs (and the
//! restarts that cut them short), disks filling and the directories that
//! filled them, `df` far above `du` (deleted files still open), swap use,
//! OOM kills, and spikes in load, CPU, memory and I/O.
//!
//! Trends are Theil-Sen slopes and spikes come from
//! [`crate::analysis::series`]; thresholds are relative to each series
//! (its own level and spread), with small absolute floors so that a few
//! KiB of jitter on an idle machine never becomes a finding.
//!
//! # Limitations
//! A process is followed by its short command name across PIDs, so two
//! workers with the same script are merged into one history of
//! incarnations. Disk projections are straight lines; bursty writers make
//! them optimistic or pessimistic.

mod deleted_files;
mod disk;
mod memory;
mod pressure;
mod spikes;

use crate::analysis::series::{
    find_gauge_spikes, group, median, rising_share, secs, theil_sen, SPIKE_Z,
};
use crate::model::{Evidence, Finding, Sample, Spike, Tier};
use deleted_files::df_above_du;
use disk::{dir_growth, disk_filling};
use jiff::Timestamp;
use memory::memory_growth;
use pressure::{oom_kills, swap_use};
use serde::Serialize;
use spikes::{meaningful, min_scale, spike_findings};
use std::collections::BTreeMap;

const MIB: f64 = 1024.0 * 1024.0;

/// Findings and spikes drawn from usage samples.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UsageAnalysis {
    pub findings: Vec<Finding>,
    pub spikes: Vec<Spike>,
}

/// Runs every usage check over `samples` (any hosts, any order).
pub fn analyze(samples: &[Sample]) -> UsageAnalysis {
    let mut findings = Vec::new();
    findings.extend(memory_growth(samples));
    let disks = disk_filling(samples);
    findings.extend(dir_growth(samples, &disks));
    findings.extend(disks);
    findings.extend(df_above_du(samples));
    findings.extend(swap_use(samples));
    findings.extend(oom_kills(samples));
    let system: Vec<Sample> = samples
        .iter()
        .filter(|s| !s.metric.starts_with("proc."))
        .cloned()
        .collect();
    let spikes: Vec<Spike> = find_gauge_spikes(&system, min_scale)
        .into_iter()
        .filter(meaningful)
        .collect();
    findings.extend(spike_findings(&spikes, samples));
    findings.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.time.cmp(&b.time)));
    UsageAnalysis { findings, spikes }
}

/// Human size, binary units.
pub fn human(bytes: f64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes;
    let mut i = 0;
    while v.abs() >= 1024.0 && i + 1 < units.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{v:.0} {}", units[i])
    } else {
        format!("{v:.1} {}", units[i])
    }
}

fn hhmmss(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn evidence(s: &Sample, excerpt: String) -> Evidence {
    Evidence {
        path: s.source.clone(),
        line: None,
        time: Some(s.time),
        excerpt,
    }
}
