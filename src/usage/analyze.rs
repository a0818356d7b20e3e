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

use crate::analysis::series::{find_spikes, group, median, rising_share, secs, theil_sen};
use crate::model::{Evidence, Finding, Sample, Spike, Tier};
use jiff::Timestamp;
use serde::Serialize;
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
    let spikes: Vec<Spike> = find_spikes(&system)
        .into_iter()
        .filter(meaningful)
        .collect();
    findings.extend(spike_findings(&spikes));
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

/// One PID's climb: slope in bytes per second and its points.
struct Incarnation<'a> {
    pid: String,
    points: Vec<&'a Sample>,
    slope: f64,
    leaking: bool,
}

impl Incarnation<'_> {
    fn first(&self) -> &Sample {
        self.points[0]
    }
    fn last(&self) -> &Sample {
        self.points[self.points.len() - 1]
    }
    fn peak(&self) -> f64 {
        self.points.iter().map(|s| s.value).fold(f64::MIN, f64::max)
    }
}

fn incarnation<'a>(pid: String, points: Vec<&'a Sample>) -> Incarnation<'a> {
    let xy: Vec<(f64, f64)> = points.iter().map(|s| (secs(s.time), s.value)).collect();
    let slope = theil_sen(&xy).unwrap_or(0.0);
    let ys: Vec<f64> = xy.iter().map(|p| p.1).collect();
    let (start, end) = (ys[0], ys[ys.len() - 1]);
    // Still climbing at the end: shared memory being touched (Postgres'
    // checkpointer) rises then flattens; a leak keeps going.
    let tail = theil_sen(&xy[xy.len() / 2..]).unwrap_or(0.0);
    let leaking = points.len() >= 4
        && rising_share(&ys) >= 0.75
        && end - start >= (10.0 * MIB).max(0.25 * start)
        && slope > 0.0
        && tail >= 0.3 * slope;
    Incarnation {
        pid,
        points,
        slope,
        leaking,
    }
}

/// Processes whose resident memory keeps climbing, by command across
/// restarts.
fn memory_growth(samples: &[Sample]) -> Vec<Finding> {
    // Private memory (RES - SHR, from top) where known, else RSS.
    let mut by_cmd: BTreeMap<(String, String), BTreeMap<String, Vec<&Sample>>> = BTreeMap::new();
    let mut private: BTreeMap<(String, String), BTreeMap<String, Vec<&Sample>>> = BTreeMap::new();
    for s in samples {
        let map = match s.metric.as_str() {
            "proc.rss_bytes" => &mut by_cmd,
            "proc.private_bytes" => &mut private,
            _ => continue,
        };
        let cmd = s.label("command").unwrap_or("?").to_string();
        let pid = s.label("pid").unwrap_or("?").to_string();
        map.entry((s.host.clone(), cmd))
            .or_default()
            .entry(pid)
            .or_default()
            .push(s);
    }
    by_cmd.extend(private);
    let limits = memory_limits(samples);
    let mut out = Vec::new();
    for ((host, cmd), pids) in by_cmd {
        let mut lives: Vec<Incarnation> = pids
            .into_iter()
            .map(|(pid, mut pts)| {
                pts.sort_by_key(|s| s.time);
                incarnation(pid, pts)
            })
            .collect();
        lives.sort_by_key(|l| l.first().time);
        if !lives.iter().any(|l| l.leaking) {
            continue;
        }
        out.push(leak_finding(
            &host,
            &cmd,
            &lives,
            limits.get(&host).copied(),
        ));
    }
    out
}

/// The memory a process could grow into per host: cgroup limit, else RAM.
fn memory_limits(samples: &[Sample]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for s in samples {
        if matches!(
            s.metric.as_str(),
            "mem.total_bytes" | "meminfo.mem_total_bytes"
        ) {
            out.entry(s.host.clone()).or_insert(s.value);
        }
    }
    for s in samples
        .iter()
        .filter(|s| s.metric == "cgroup.memory_max_bytes")
    {
        out.insert(s.host.clone(), s.value);
    }
    out
}

fn first_metric<'a>(lives: &'a [Incarnation]) -> &'a str {
    lives
        .first()
        .map(|l| l.first().metric.as_str())
        .unwrap_or("")
}

fn leak_finding(host: &str, cmd: &str, lives: &[Incarnation], limit: Option<f64>) -> Finding {
    let leaking: Vec<&Incarnation> = lives.iter().filter(|l| l.leaking).collect();
    let slopes: Vec<f64> = leaking.iter().map(|l| l.slope).collect();
    let rate_h = median(&slopes).unwrap_or(0.0) * 3600.0;
    let current = lives.last().expect("at least one incarnation");
    let pids: Vec<&str> = lives.iter().map(|l| l.pid.as_str()).collect();
    let what = if first_metric(lives) == "proc.private_bytes" {
        "private (RES - SHR)"
    } else {
        "resident"
    };
    let mut detail = format!(
        "`{cmd}` on {host}: {what} memory climbs {} per hour (median Theil-Sen slope over {} \
         growing run(s)",
        human(rate_h),
        leaking.len()
    );
    for l in &leaking {
        detail.push_str(&format!(
            "; pid {} {} → {} from {} to {}",
            l.pid,
            human(l.first().value),
            human(l.last().value),
            l.first().time.strftime("%H:%M:%S"),
            l.last().time.strftime("%H:%M:%S")
        ));
    }
    detail.push_str(").");
    // One PID after another is a restart; PIDs side by side are a pool.
    let sequential = lives
        .windows(2)
        .all(|w| w[1].first().time > w[0].last().time);
    let replaced: Vec<&Incarnation> = if sequential {
        lives[..lives.len() - 1].iter().collect()
    } else {
        Vec::new()
    };
    let mut projection = None;
    if !replaced.is_empty() {
        let peaks: Vec<f64> = replaced.iter().map(|l| l.peak()).collect();
        let ceiling = median(&peaks).unwrap_or(0.0);
        let lifetimes: Vec<f64> = lives
            .windows(2)
            .map(|w| secs(w[1].first().time) - secs(w[0].first().time))
            .collect();
        detail.push_str(&format!(
            " It was replaced {} time(s) (pids {}), each time near {} (median peak), about every \
             {:.1} min: a restart on a memory ceiling (heap limit or OOM kill).",
            replaced.len(),
            pids.join(" → "),
            human(ceiling),
            median(&lifetimes).unwrap_or(0.0) / 60.0
        ));
        projection = Some(("the ceiling of the previous runs", ceiling));
    } else if let Some(l) = limit {
        projection = Some(("the memory limit", l));
    }
    if let (Some((what, cap)), true) = (projection, rate_h > 0.0) {
        let now = current.last();
        if cap > now.value {
            let secs_left = (cap - now.value) / (rate_h / 3600.0);
            let when = now
                .time
                .checked_add(jiff::SignedDuration::from_secs(secs_left as i64));
            if let Ok(when) = when {
                detail.push_str(&format!(
                    " At this rate pid {} ({} at {}) reaches {what} ({}) around {}.",
                    current.pid,
                    human(now.value),
                    now.time.strftime("%H:%M:%S"),
                    human(cap),
                    hhmmss(when)
                ));
            }
        }
    }
    let first = leaking[0];
    let last = leaking[leaking.len() - 1];
    Finding {
        kind: "usage.memory_growth".into(),
        tier: Tier::Application,
        title: format!("Memory of `{cmd}` climbs {} per hour", human(rate_h)),
        detail,
        score: 60.0 + 10.0 * replaced.len() as f64,
        time: Some(first.first().time),
        end: Some(last.last().time),
        evidence: vec![
            evidence(
                first.first(),
                format!("{cmd} pid {} RSS {}", first.pid, human(first.first().value)),
            ),
            evidence(
                last.last(),
                format!("{cmd} pid {} RSS {}", last.pid, human(last.last().value)),
            ),
        ],
    }
}

/// Disks whose used space grows, with the `du` directories that grew.
fn disk_filling(samples: &[Sample]) -> Vec<Finding> {
    let series = group(samples);
    let mounts: Vec<(String, String)> = series
        .keys()
        .filter(|(m, _, _)| m == "disk.used_bytes")
        .filter_map(|(_, h, l)| Some((h.clone(), l.iter().find(|(k, _)| k == "mount")?.1.clone())))
        .collect();
    let growth = du_growth(&series);
    let mut out = Vec::new();
    for ((metric, host, labels), pts) in &series {
        if metric != "disk.used_bytes" || pts.len() < 3 {
            continue;
        }
        let mount = labels
            .iter()
            .find(|(k, _)| k == "mount")
            .map(|(_, v)| v.as_str())
            .unwrap_or("?");
        let (first, last) = (pts[0], pts[pts.len() - 1]);
        let grown = last.value - first.value;
        let size = series_value(&series, "disk.size_bytes", host, labels).unwrap_or(0.0);
        let avail = series_value(&series, "disk.avail_bytes", host, labels).unwrap_or(0.0);
        let xy: Vec<(f64, f64)> = pts.iter().map(|s| (secs(s.time), s.value)).collect();
        let slope = theil_sen(&xy).unwrap_or(0.0);
        if grown < (10.0 * MIB).max(0.01 * size) || slope <= 0.0 {
            continue;
        }
        let dirs: Vec<&(String, f64, f64, f64)> = growth
            .iter()
            .filter(|(h, (path, ..))| h == host && mount_of(path, host, &mounts) == Some(mount))
            .map(|(_, rest)| rest)
            .collect();
        out.push(disk_finding(host, mount, pts, size, avail, slope, &dirs));
    }
    out
}

fn series_value(
    series: &BTreeMap<crate::analysis::series::SeriesKey, Vec<&Sample>>,
    metric: &str,
    host: &str,
    labels: &[(String, String)],
) -> Option<f64> {
    let key = (metric.to_string(), host.to_string(), labels.to_vec());
    series.get(&key).and_then(|v| v.last()).map(|s| s.value)
}

/// The longest df mount point holding `path`.
fn mount_of<'m>(path: &str, host: &str, mounts: &'m [(String, String)]) -> Option<&'m str> {
    mounts
        .iter()
        .filter(|(h, m)| h == host && (path == m || m == "/" || path.starts_with(&format!("{m}/"))))
        .map(|(_, m)| m.as_str())
        .max_by_key(|m| m.len())
}

/// Per du path: growth not explained by a listed child, first, last, own
/// growth; largest first.
type DuGrowth = (String, (String, f64, f64, f64));

fn du_growth(series: &BTreeMap<crate::analysis::series::SeriesKey, Vec<&Sample>>) -> Vec<DuGrowth> {
    let mut rows: Vec<(String, String, f64, f64)> = Vec::new();
    for ((metric, host, labels), pts) in series {
        if metric != "du.bytes" || pts.len() < 2 {
            continue;
        }
        let path = labels
            .iter()
            .find(|(k, _)| k == "path")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        rows.push((host.clone(), path, pts[0].value, pts[pts.len() - 1].value));
    }
    let mut out: Vec<DuGrowth> = rows
        .iter()
        .map(|(host, path, a, b)| {
            let children: f64 = rows
                .iter()
                .filter(|(h, p, ..)| h == host && p.starts_with(&format!("{path}/")))
                .filter(|(h, p, ..)| {
                    // Only direct listed children, not grandchildren.
                    !rows.iter().any(|(h2, q, ..)| {
                        h2 == h
                            && q != p
                            && q.starts_with(&format!("{path}/"))
                            && p.starts_with(&format!("{q}/"))
                    })
                })
                .map(|(_, _, ca, cb)| cb - ca)
                .sum();
            (host.clone(), (path.clone(), *a, *b, (b - a) - children))
        })
        .filter(|(_, (_, _, _, own))| *own > 0.0)
        .collect();
    out.sort_by(|x, y| y.1 .3.total_cmp(&x.1 .3));
    out
}

fn disk_finding(
    host: &str,
    mount: &str,
    pts: &[&Sample],
    size: f64,
    avail: f64,
    slope: f64,
    dirs: &[&(String, f64, f64, f64)],
) -> Finding {
    let (first, last) = (pts[0], pts[pts.len() - 1]);
    let full_at = pts.iter().find(|s| size > 0.0 && s.value >= 0.99 * size);
    let mut detail = format!(
        "{mount} on {host}: used {} → {} between {} and {} ({} per hour, Theil-Sen).",
        human(first.value),
        human(last.value),
        first.time.strftime("%H:%M:%S"),
        last.time.strftime("%H:%M:%S"),
        human(slope * 3600.0)
    );
    let title;
    if let Some(full) = full_at {
        detail.push_str(&format!(
            " Full ({} of {}) from {}.",
            human(full.value),
            human(size),
            hhmmss(full.time)
        ));
        title = format!("Disk {mount} filled up ({})", human(size));
    } else {
        let left = avail / slope;
        let when = last
            .time
            .checked_add(jiff::SignedDuration::from_secs(left as i64))
            .ok();
        if let Some(when) = when {
            detail.push_str(&format!(
                " {} free; projected full around {}.",
                human(avail),
                hhmmss(when)
            ));
        }
        title = format!(
            "Disk {mount} is filling ({} per hour)",
            human(slope * 3600.0)
        );
    }
    if !dirs.is_empty() {
        let grew: Vec<String> = dirs
            .iter()
            .take(3)
            .map(|(p, a, b, own)| format!("{p} {} → {} (+{})", human(*a), human(*b), human(*own)))
            .collect();
        detail.push_str(&format!(
            " Directories that grew (du): {}.",
            grew.join("; ")
        ));
    }
    Finding {
        kind: if full_at.is_some() {
            "usage.disk_full".into()
        } else {
            "usage.disk_filling".into()
        },
        tier: Tier::System,
        title,
        detail,
        score: if full_at.is_some() { 80.0 } else { 55.0 },
        time: Some(first.time),
        end: Some(last.time),
        evidence: vec![
            evidence(first, format!("{mount} used {}", human(first.value))),
            evidence(last, format!("{mount} used {}", human(last.value))),
        ],
    }
}

/// Directories whose own size (less their listed children) grew by half or
/// more, outside the mounts already reported as filling.
fn dir_growth(samples: &[Sample], disks: &[Finding]) -> Vec<Finding> {
    let series = group(samples);
    let grown: Vec<DuGrowth> = du_growth(&series)
        .into_iter()
        .filter(|(_, (path, a, _, own))| {
            *own >= (10.0 * MIB).max(0.5 * a)
                && !disks.iter().any(|d| d.title.contains(path.as_str()))
        })
        .collect();
    let Some((host, (top_path, ..))) = grown.first() else {
        return Vec::new();
    };
    let key = |p: &str| {
        (
            "du.bytes".to_string(),
            host.clone(),
            vec![("path".to_string(), p.to_string())],
        )
    };
    let pts = series.get(&key(top_path)).cloned().unwrap_or_default();
    let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
        return Vec::new();
    };
    let hours = (secs(last.time) - secs(first.time)).max(1.0) / 3600.0;
    let list: Vec<String> = grown
        .iter()
        .take(3)
        .map(|(_, (p, a, b, own))| {
            format!(
                "{p} {} → {} (+{}, {} per hour)",
                human(*a),
                human(*b),
                human(*own),
                human(own / hours)
            )
        })
        .collect();
    vec![Finding {
        kind: "usage.dir_growth".into(),
        tier: Tier::System,
        title: format!("{top_path} grew by {}", human(grown[0].1 .3)),
        detail: format!(
            "Between {} and {} on {host}, du saw these directories grow: {}.",
            hhmmss(first.time),
            hhmmss(last.time),
            list.join("; ")
        ),
        score: 45.0,
        time: Some(first.time),
        end: Some(last.time),
        evidence: vec![
            evidence(first, format!("{top_path} {}", human(first.value))),
            evidence(last, format!("{top_path} {}", human(last.value))),
        ],
    }]
}

/// `df` used far above what `du` counts at the same mount point: space held
/// by deleted files that a process still has open.
fn df_above_du(samples: &[Sample]) -> Vec<Finding> {
    let mut du: BTreeMap<(&str, &str, Timestamp), &Sample> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.metric == "du.bytes") {
        du.insert((s.host.as_str(), s.label("path").unwrap_or(""), s.time), s);
    }
    let mut worst: BTreeMap<(&str, &str), (f64, &Sample, &Sample)> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.metric == "disk.used_bytes") {
        let mount = s.label("mount").unwrap_or("");
        // The du taken closest in time (within a minute) at that mount point.
        let near = du
            .range(
                (s.host.as_str(), mount, Timestamp::MIN)..=(s.host.as_str(), mount, Timestamp::MAX),
            )
            .min_by_key(|(k, _)| (k.2.as_second() - s.time.as_second()).abs())
            .filter(|(k, _)| (k.2.as_second() - s.time.as_second()).abs() <= 60);
        let Some((_, d)) = near else { continue };
        let gap = s.value - d.value;
        if gap > (100.0 * MIB).max(0.2 * s.value) {
            let e = worst.entry((s.host.as_str(), mount)).or_insert((gap, s, d));
            if gap > e.0 {
                *e = (gap, s, d);
            }
        }
    }
    worst
        .into_iter()
        .map(|((host, mount), (gap, df, du))| Finding {
            kind: "usage.deleted_open_files".into(),
            tier: Tier::System,
            title: format!("{mount}: df counts {} more than du finds", human(gap)),
            detail: format!(
                "On {host} at {}, df says {} used on {mount} but du finds {}: {} is likely held by \
                 deleted files still open (check `lsof +L1`; restarting the holder frees it).",
                hhmmss(df.time),
                human(df.value),
                human(du.value),
                human(gap)
            ),
            score: 65.0,
            time: Some(df.time),
            end: None,
            evidence: vec![
                evidence(df, format!("df used {}", human(df.value))),
                evidence(du, format!("du {}", human(du.value))),
            ],
        })
        .collect()
}

/// Swap in use or swapping traffic.
fn swap_use(samples: &[Sample]) -> Vec<Finding> {
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
fn oom_kills(samples: &[Sample]) -> Vec<Finding> {
    samples
        .iter()
        .filter(|s| s.metric == "cgroup.memory_events" && s.label("event") == Some("oom_kill"))
        .filter(|s| s.value > 0.0)
        .max_by(|a, b| a.value.total_cmp(&b.value))
        .map(|s| Finding {
            kind: "usage.oom_kill".into(),
            tier: Tier::System,
            title: format!(
                "{} OOM kill(s) in cgroup {}",
                s.value,
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

/// A rise large enough to matter in the metric's own unit: a statistically
/// clear jump from 0 to 1 zombie or 48 KiB of writeback is still noise.
fn meaningful(s: &Spike) -> bool {
    let rise = s.peak - s.baseline;
    let m = s.metric.as_str();
    if m.ends_with("_bytes") {
        rise >= 10.0 * MIB
    } else if m.ends_with("_pct") {
        rise >= 10.0
    } else if m.starts_with("load.") {
        rise >= 1.0
    } else if m.starts_with("tasks.") || m.starts_with("procs.") || m.starts_with("vm.procs_") {
        rise >= 4.0
    } else {
        true
    }
}

/// The load, CPU and memory spikes worth a line of their own.
fn spike_findings(spikes: &[Spike]) -> Vec<Finding> {
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
                title: format!("{} spiked to {} on {}", s.metric, fmt(s.peak), s.host),
                detail: format!(
                    "{} rose from a baseline of {} to {} at {} (window {} – {}, {:.1} robust deviations).",
                    s.metric,
                    fmt(s.baseline),
                    fmt(s.peak),
                    hhmmss(s.peak_time),
                    s.start.strftime("%H:%M:%S"),
                    s.end.strftime("%H:%M:%S"),
                    s.score
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
