//! Processes whose memory climbs, followed across restarts by command
//! name, against the memory limit when one is known.
//!
//! A process that climbs while it loads (a linker, `addr2line` reading
//! debug info, a cache warming) is normal, so a leak is claimed only for
//! one PID climbing steadily over at least [`MIN_LEAK_SPAN_SECS`], or for a
//! command whose runs climb and are replaced at least [`MIN_RESTARTS`]
//! times (a restart on a memory ceiling).
//!
//! # Limitations
//! A leak seen over less than [`MIN_LEAK_SPAN_SECS`] (ten minutes) of snapshots, in a process
//! never restarted, is not reported, however steep; a short-lived command
//! run again and again that climbs the same way each run (a batch job
//! loading its input) reads as a restart on a ceiling.

use super::*;

/// Shortest span of snapshots over which one PID's climb is called a leak.
const MIN_LEAK_SPAN_SECS: i64 = 600;
/// Fewest climbing runs replaced by the next that make a restart pattern.
pub(super) const MIN_RESTARTS: usize = 2;

/// One PID's climb: slope in bytes per second and its points.
pub(super) struct Incarnation<'a> {
    pid: String,
    points: Vec<&'a Sample>,
    slope: f64,
    /// Rises steadily, by a real amount, and is still rising at the end.
    climbing: bool,
    /// Climbing over at least [`MIN_LEAK_SPAN_SECS`].
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

pub(super) fn incarnation<'a>(pid: String, points: Vec<&'a Sample>) -> Incarnation<'a> {
    let xy: Vec<(f64, f64)> = points.iter().map(|s| (secs(s.time), s.value)).collect();
    let slope = theil_sen(&xy).unwrap_or(0.0);
    let ys: Vec<f64> = xy.iter().map(|p| p.1).collect();
    let (start, end) = (ys[0], ys[ys.len() - 1]);
    // Still climbing at the end: shared memory being touched (Postgres'
    // checkpointer) rises then flattens; a leak keeps going.
    let tail = theil_sen(&xy[xy.len() / 2..]).unwrap_or(0.0);
    // A quarter of what it started with, but never more than 256 MiB: a
    // 1.9 GiB process gaining 470 MiB in twelve minutes leaks too.
    let climbing = points.len() >= 4
        && rising_share(&ys) >= 0.75
        && end - start >= (10.0 * MIB).max((0.25 * start).min(256.0 * MIB))
        && slope > 0.0
        && tail >= 0.3 * slope;
    let span = points[points.len() - 1].time.as_second() - points[0].time.as_second();
    Incarnation {
        pid,
        points,
        slope,
        climbing,
        leaking: climbing && span >= MIN_LEAK_SPAN_SECS,
    }
}

/// Processes whose resident memory keeps climbing, by command across
/// restarts.
pub(super) fn memory_growth(samples: &[Sample]) -> Vec<Finding> {
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
        if !lives.iter().any(|l| l.leaking) && restarts(&lives) < MIN_RESTARTS {
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
pub(super) fn memory_limits(samples: &[Sample]) -> BTreeMap<String, f64> {
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

/// How many climbing runs were replaced by a later PID of the same
/// command, when the runs follow one another (0 for a pool side by side).
fn restarts(lives: &[Incarnation]) -> usize {
    if !sequential(lives) {
        return 0;
    }
    lives[..lives.len().saturating_sub(1)]
        .iter()
        .filter(|l| l.climbing)
        .count()
}

/// One PID after another is a restart; PIDs side by side are a pool.
fn sequential(lives: &[Incarnation]) -> bool {
    lives
        .windows(2)
        .all(|w| w[1].first().time > w[0].last().time)
}

pub(super) fn first_metric<'a>(lives: &'a [Incarnation]) -> &'a str {
    lives
        .first()
        .map(|l| l.first().metric.as_str())
        .unwrap_or("")
}

pub(super) fn leak_finding(
    host: &str,
    cmd: &str,
    lives: &[Incarnation],
    limit: Option<f64>,
) -> Finding {
    let restarted = restarts(lives) >= MIN_RESTARTS;
    let leaking: Vec<&Incarnation> = lives
        .iter()
        .filter(|l| l.leaking || restarted && l.climbing)
        .collect();
    let slopes: Vec<f64> = leaking.iter().map(|l| l.slope).collect();
    let rate_h = median(&slopes).unwrap_or(0.0) * 3600.0;
    // A restart pattern is projected for the PID running now; a single
    // leak for the PID that leaks, not for a later one of the same name.
    let current = if restarted {
        lives.last().expect("at least one incarnation")
    } else {
        leaking[leaking.len() - 1]
    };
    let pids: Vec<&str> = lives.iter().map(|l| l.pid.as_str()).collect();
    let what = if first_metric(lives) == "proc.private_bytes" {
        "private (RES - SHR)"
    } else {
        "resident"
    };
    let mut detail = format!(
        "`{cmd}` on {host}: {what} memory climbs {} per hour (median Theil-Sen slope over {}",
        human(rate_h),
        crate::model::count(leaking.len(), "growing run", "growing runs")
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
    let replaced: Vec<&Incarnation> = if restarted {
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
            " It was replaced {} (pids {}), each time near {} (median peak), about every \
             {:.1} min: a restart on a memory ceiling (heap limit or OOM kill).",
            match replaced.len() {
                1 => "once".to_string(),
                n => format!("{n} times"),
            },
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rss(values_mib: &[f64]) -> Vec<Sample> {
        let bytes: Vec<f64> = values_mib.iter().map(|v| v * MIB).collect();
        crate::analysis::series::minutely("proc.rss_bytes", &bytes)
    }

    /// QA: a 1.9 GiB process gaining 470 MiB over twelve minutes (24%)
    /// was no leak, as growth had to be a quarter of the start.
    #[test]
    fn a_large_process_gaining_hundreds_of_mib_leaks() {
        let big: Vec<f64> = (0..13).map(|i| 1946.0 + 40.0 * i as f64).collect();
        let s = rss(&big);
        assert!(incarnation("1".into(), s.iter().collect()).leaking);
        // Growth that levels off at the end is no leak, whatever its size.
        let mut flat = big.clone();
        flat[7..].fill(2226.0);
        let s = rss(&flat);
        assert!(!incarnation("1".into(), s.iter().collect()).leaking);
    }
}
