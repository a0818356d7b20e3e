//! System usage snapshots: top and htop captures, ps, free, df, du, vmstat,
//! iostat, uptime, /proc (meminfo, loadavg, pressure) and cgroup memory
//! files, turned into [`Sample`]s, then into findings (leaks, disks filling,
//! deleted-but-open files, swap, spikes).
//!
//! Each snapshot is one tool's output at one time on one host. [`detect`]
//! tells the tool from the content (the file name is only a hint, needed for
//! files such as `memory.current` that hold a bare number); [`parse`] turns
//! it into samples with dotted metric names (`proc.rss_bytes`,
//! `disk.used_bytes`, ...), sizes always in bytes. A snapshot's time comes
//! from its content when it has one, else from the caller's fallback (the
//! path, then the mtime), and every sample says which ([`TimeSource`]).
//!
//! # Limitations
//! Tools print times of day in the host's zone with no offset: a content
//! clock (top, uptime) is trusted only when it lies within two hours of the
//! fallback time, whose date it borrows; otherwise the fallback wins.

mod analyze;
mod disk;
pub mod frame;
mod locale;
mod memory;
mod procs;
pub mod units;

pub use analyze::{analyze, human, UsageAnalysis};

use crate::model::{FileIssue, Sample, TimeSource};
use jiff::Timestamp;
use serde::Serialize;

/// The tools and files a usage snapshot can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotKind {
    Top,
    Htop,
    Ps,
    Free,
    Df,
    Du,
    Vmstat,
    Iostat,
    Uptime,
    Meminfo,
    Loadavg,
    Pressure,
    CgroupMemoryCurrent,
    CgroupMemoryMax,
    CgroupMemoryEvents,
}

impl SnapshotKind {
    pub fn name(&self) -> &'static str {
        match self {
            SnapshotKind::Top => "top",
            SnapshotKind::Htop => "htop",
            SnapshotKind::Ps => "ps",
            SnapshotKind::Free => "free",
            SnapshotKind::Df => "df",
            SnapshotKind::Du => "du",
            SnapshotKind::Vmstat => "vmstat",
            SnapshotKind::Iostat => "iostat",
            SnapshotKind::Uptime => "uptime",
            SnapshotKind::Meminfo => "meminfo",
            SnapshotKind::Loadavg => "loadavg",
            SnapshotKind::Pressure => "pressure",
            SnapshotKind::CgroupMemoryCurrent => "cgroup_memory_current",
            SnapshotKind::CgroupMemoryMax => "cgroup_memory_max",
            SnapshotKind::CgroupMemoryEvents => "cgroup_memory_events",
        }
    }
}

/// Where a snapshot came from and the times to fall back on.
#[derive(Debug, Clone)]
pub struct SnapshotCtx<'a> {
    pub path: &'a str,
    pub host: &'a str,
    /// The path's time, else the mtime, decided by the caller.
    pub fallback_time: Option<(Timestamp, TimeSource)>,
}

impl<'a> SnapshotCtx<'a> {
    /// A context whose fallback time is read from the path's name.
    pub fn from_path(path: &'a str, host: &'a str) -> Self {
        let fallback_time = crate::time::from_path(path).map(|t| (t, TimeSource::Path));
        SnapshotCtx {
            path,
            host,
            fallback_time,
        }
    }

    pub(crate) fn issue(&self, line: Option<usize>, message: impl Into<String>) -> FileIssue {
        FileIssue {
            path: self.path.to_string(),
            line: line.map(|l| l as u64),
            message: message.into(),
        }
    }
}

/// What one snapshot yielded: its samples and the problems met on the way
/// (lines skipped, a table cut short); samples are kept even when issues
/// are present.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Parsed {
    pub samples: Vec<Sample>,
    pub issues: Vec<FileIssue>,
}

/// Tells the snapshot's tool from its content, with the file name as hint.
pub fn detect(path: &str, text: &str) -> Option<SnapshotKind> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if let Some(kind) = detect_cgroup(name, text) {
        return Some(kind);
    }
    let head: String = text.lines().take(12).collect::<Vec<_>>().join("\n");
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let kind = if first.starts_with("top - ") || head.contains("\nTasks:") && head.contains("PID") {
        SnapshotKind::Top
    } else if procs::looks_like_htop(&head) {
        SnapshotKind::Htop
    } else if first.starts_with("MemTotal:") {
        SnapshotKind::Meminfo
    } else if first.starts_with("some avg10=") {
        SnapshotKind::Pressure
    } else if is_df_header(first) {
        SnapshotKind::Df
    } else if (first.starts_with("procs") || first.starts_with("proc."))
        && text.lines().take(4).any(memory::is_vmstat_header)
    {
        SnapshotKind::Vmstat
    } else if head.contains("avg-cpu:")
        || head
            .lines()
            .any(|l| l.starts_with("Device") && l.contains("/s"))
    {
        SnapshotKind::Iostat
    } else if memory::is_loadavg(first) {
        SnapshotKind::Loadavg
    } else if memory::is_uptime(first) {
        SnapshotKind::Uptime
    } else if memory::is_free_header(first) {
        SnapshotKind::Free
    } else if procs::is_ps_header(first) {
        SnapshotKind::Ps
    } else if disk::looks_like_du(text) {
        SnapshotKind::Du
    } else {
        return name_hint(name);
    };
    Some(kind)
}

/// A `df` header in any known locale: `Filesystem ... Mounted on`.
fn is_df_header(line: &str) -> bool {
    let english = locale::df_header(line);
    english.starts_with("Filesystem") && english.contains("Mounted on")
}

fn detect_cgroup(name: &str, text: &str) -> Option<SnapshotKind> {
    let value = text.trim();
    match name {
        n if n.ends_with("memory.current") && value.parse::<u64>().is_ok() => {
            Some(SnapshotKind::CgroupMemoryCurrent)
        }
        n if n.ends_with("memory.max") && (value == "max" || value.parse::<u64>().is_ok()) => {
            Some(SnapshotKind::CgroupMemoryMax)
        }
        n if n.ends_with("memory.events") && value.lines().any(|l| l.starts_with("oom")) => {
            Some(SnapshotKind::CgroupMemoryEvents)
        }
        _ => None,
    }
}

/// Content that matched nothing: a file named after a tool still gets that
/// parser, which then reports what it could not read.
fn name_hint(name: &str) -> Option<SnapshotKind> {
    let stem = name.split(['-', '_', '.']).next()?.to_ascii_lowercase();
    Some(match stem.as_str() {
        "free" => SnapshotKind::Free,
        "df" => SnapshotKind::Df,
        "du" => SnapshotKind::Du,
        "vmstat" => SnapshotKind::Vmstat,
        "iostat" => SnapshotKind::Iostat,
        "meminfo" => SnapshotKind::Meminfo,
        "loadavg" => SnapshotKind::Loadavg,
        _ => return None,
    })
}

/// Parses one snapshot of `kind`. An `Err` means nothing usable was read;
/// partial reads come back as `Ok` with `issues`.
pub fn parse(kind: SnapshotKind, ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let parsed = match kind {
        SnapshotKind::Top => procs::parse_top(ctx, text)?,
        SnapshotKind::Htop => procs::parse_htop(ctx, text)?,
        SnapshotKind::Ps => procs::parse_ps(ctx, text)?,
        SnapshotKind::Free => memory::parse_free(ctx, text)?,
        SnapshotKind::Vmstat => memory::parse_vmstat(ctx, text)?,
        SnapshotKind::Uptime => memory::parse_uptime(ctx, text)?,
        SnapshotKind::Meminfo => memory::parse_meminfo(ctx, text)?,
        SnapshotKind::Loadavg => memory::parse_loadavg(ctx, text)?,
        SnapshotKind::Pressure => memory::parse_pressure(ctx, text)?,
        SnapshotKind::CgroupMemoryCurrent
        | SnapshotKind::CgroupMemoryMax
        | SnapshotKind::CgroupMemoryEvents => memory::parse_cgroup(kind, ctx, text)?,
        SnapshotKind::Df => disk::parse_df(ctx, text)?,
        SnapshotKind::Du => disk::parse_du(ctx, text)?,
        SnapshotKind::Iostat => disk::parse_iostat(ctx, text)?,
    };
    let mut parsed = parsed;
    cut_short(kind, ctx, text, &mut parsed);
    if parsed.samples.is_empty() {
        let why = parsed.issues.first().map(|i| i.message.clone());
        return Err(ctx.issue(
            parsed
                .issues
                .first()
                .and_then(|i| i.line.map(|l| l as usize)),
            why.unwrap_or_else(|| format!("no {} figures found", kind.name())),
        ));
    }
    Ok(parsed)
}

/// Notes a table whose last line has no line end: the tools print one, so
/// the capture was cut there (a copy stopped, a disk filled) and that row
/// may be incomplete (`kwor` for `kworker/...`) though it reads well.
/// Left alone when the parser already reported that line.
fn cut_short(kind: SnapshotKind, ctx: &SnapshotCtx, text: &str, parsed: &mut Parsed) {
    let table = matches!(
        kind,
        SnapshotKind::Top
            | SnapshotKind::Ps
            | SnapshotKind::Free
            | SnapshotKind::Vmstat
            | SnapshotKind::Df
            | SnapshotKind::Du
            | SnapshotKind::Iostat
    );
    if !table || text.is_empty() || text.ends_with('\n') {
        return;
    }
    let line = text.lines().count();
    if parsed.issues.iter().any(|i| i.line == Some(line as u64)) {
        return;
    }
    let last = text.lines().last().unwrap_or("").trim();
    parsed.issues.push(ctx.issue(
        Some(line),
        format!(
            "the file ends inside this line (no line end): cut short, `{last}` may be incomplete"
        ),
    ));
}

/// The samples with, of each size (`_bytes`) measured by two captures at
/// one instant on one host, only the more precise (see [`step`]): `free
/// -m`'s 19569 MiB over `free -h`'s 19 GiB.
///
/// # Limitations
/// A precise figure that happens to be a round number of a larger unit
/// (16384 MiB) looks as coarse as a rounded one; of equals, the first read
/// is kept.
pub fn most_precise(samples: &[Sample]) -> Vec<&Sample> {
    type Instant<'a> = (&'a str, &'a str, &'a [(String, String)], Timestamp);
    let mut best: std::collections::HashMap<Instant, (f64, &str)> = Default::default();
    for s in samples.iter().filter(|s| s.metric.ends_with("_bytes")) {
        let key = (s.metric.as_str(), s.host.as_str(), &s.labels[..], s.time);
        let g = step(s.value);
        let e = best.entry(key).or_insert((g, s.source.as_str()));
        if g < e.0 {
            *e = (g, s.source.as_str());
        }
    }
    samples
        .iter()
        .filter(|s| {
            !s.metric.ends_with("_bytes")
                || best
                    .get(&(s.metric.as_str(), s.host.as_str(), &s.labels[..], s.time))
                    .is_none_or(|(_, src)| *src == s.source)
        })
        .collect()
}

/// The coarsest step a size is a whole multiple of, among the binary units
/// and their tenths the tools print: 7.2 GiB (`free -h`) steps by a tenth
/// of a GiB, 7417 MiB (`free -m`) by a MiB, 7777280 KiB by a KiB.
fn step(bytes: f64) -> f64 {
    let whole = |q: f64| (q - q.round()).abs() < 1e-6;
    for unit in (0..5).rev().map(|k| 1024f64.powi(k)) {
        let q = bytes / unit;
        if whole(q) {
            return unit;
        }
        if whole(q * 10.0) {
            return unit / 10.0;
        }
    }
    0.0
}

/// Collects samples for one snapshot time.
pub(crate) struct Out<'a> {
    ctx: &'a SnapshotCtx<'a>,
    pub time: Timestamp,
    pub time_source: TimeSource,
    pub parsed: Parsed,
}

impl<'a> Out<'a> {
    /// Starts a snapshot at its content time, else the fallback; without
    /// either the snapshot cannot be placed and is refused.
    pub fn new(ctx: &'a SnapshotCtx<'a>, content: Option<Timestamp>) -> Result<Self, FileIssue> {
        let (time, time_source) = match (content, ctx.fallback_time) {
            (Some(t), _) => (t, TimeSource::Content),
            (None, Some(f)) => f,
            (None, None) => {
                return Err(ctx.issue(None, "no time in the content and no fallback time given"))
            }
        };
        Ok(Out {
            ctx,
            time,
            time_source,
            parsed: Parsed::default(),
        })
    }

    pub fn push(&mut self, metric: &str, labels: &[(&str, &str)], value: f64) {
        if !value.is_finite() {
            return;
        }
        let mut labels: Vec<(String, String)> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        labels.sort();
        self.parsed.samples.push(Sample {
            time: self.time,
            host: self.ctx.host.to_string(),
            metric: metric.to_string(),
            labels,
            value,
            source: self.ctx.path.to_string(),
            time_source: self.time_source,
        });
    }

    /// Records a problem at 0-based line `idx`.
    pub fn issue(&mut self, idx: usize, message: impl Into<String>) {
        let issue = self.ctx.issue(Some(idx + 1), message);
        self.parsed.issues.push(issue);
    }
}

/// A content clock (hours, minutes, seconds) placed on the fallback's date:
/// `None` when there is no fallback or the clock lies more than two hours
/// from it (another zone, or a stale file).
pub(crate) fn clock_near(ctx: &SnapshotCtx, h: i8, m: i8, s: i8) -> Option<Timestamp> {
    let (fallback, _) = ctx.fallback_time?;
    let day = fallback.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let clock = jiff::civil::Time::new(h, m, s, 0).ok()?;
    let t = day
        .to_datetime(clock)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()?
        .timestamp();
    let best = [-1i64, 0, 1]
        .iter()
        .filter_map(|d| t.checked_add(jiff::SignedDuration::from_hours(24 * d)).ok())
        .min_by_key(|c| (c.as_second() - fallback.as_second()).abs())?;
    ((best.as_second() - fallback.as_second()).abs() <= 7200).then_some(best)
}

/// Reads `HH:MM:SS` into its parts.
pub(crate) fn hms(s: &str) -> Option<(i8, i8, i8)> {
    let mut it = s.trim().split(':').map(|p| p.parse::<i8>().ok());
    Some((it.next()??, it.next()??, it.next()??))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content_then_name() {
        let cases = [
            ("x/top-1.txt", "top - 15:34:39 up 31 min,  0 user,  load average: 0.42, 1.58, 2.34\n", SnapshotKind::Top),
            ("a", "               total        used        free      shared  buff/cache   available\nMem:  1 2 3 4 5 6\n", SnapshotKind::Free),
            ("a", "Filesystem     1K-blocks     Used Available Use% Mounted on\n", SnapshotKind::Df),
            ("a", "43M\t/tmp/a\n0\t/tmp/b\n", SnapshotKind::Du),
            ("a", "0.38 1.55 2.33 5/145 21131\n", SnapshotKind::Loadavg),
            ("a", "MemTotal:       24683664 kB\n", SnapshotKind::Meminfo),
            ("a", "USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n", SnapshotKind::Ps),
            ("a", " 16:02:27 up 5 min,  0 user,  load average: 4.47, 2.00, 0.80\n", SnapshotKind::Uptime),
            ("cg/memory.current", "123456\n", SnapshotKind::CgroupMemoryCurrent),
            ("free-de.txt", "garbage\n", SnapshotKind::Free),
        ];
        for (path, text, want) in cases {
            assert_eq!(detect(path, text), Some(want), "{path}: {text}");
        }
        assert_eq!(detect("notes.txt", "hello\n"), None);
    }

    #[test]
    fn clock_borrows_the_fallback_date() {
        let fb: Timestamp = "2026-12-04T15:34:40Z".parse().unwrap();
        let ctx = SnapshotCtx {
            path: "p",
            host: "h",
            fallback_time: Some((fb, TimeSource::Path)),
        };
        assert_eq!(
            clock_near(&ctx, 15, 34, 39).unwrap().to_string(),
            "2026-12-04T15:34:39Z"
        );
        assert_eq!(clock_near(&ctx, 3, 0, 0), None);
        let late: Timestamp = "2026-12-05T00:00:10Z".parse().unwrap();
        let ctx = SnapshotCtx {
            fallback_time: Some((late, TimeSource::Path)),
            ..ctx
        };
        assert_eq!(
            clock_near(&ctx, 23, 59, 50).unwrap().to_string(),
            "2026-12-04T23:59:50Z"
        );
    }
}
