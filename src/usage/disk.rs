//! Disk snapshots: `df` (`-h`, `-k`, `-m`, `-P`, `-i`, `-T`; English or
//! German headers), `du` (`-s`, `-h`,
//! `-k`, nested listings) and `iostat -x` (sysstat's old and new columns).
//!
//! # Limitations
//! A bare `du` number is read as KiB (du's default block size); `du -b` or
//! `--block-size` output without a suffix cannot be recognised. Mount points
//! with spaces are kept whole only as the last column. iostat keeps only
//! its last report (the first is the since-boot average) unless `-t` stamps
//! each one; its stamps are read as UTC, and a slashed date whose
//! numbers are both 12 or less (`05/12/2026`) is taken in the order that
//! lands nearer the snapshot's path or modification time (US order when
//! it has neither).

use super::units::{has_suffix, size_or_plain};
use super::{Out, Parsed, SnapshotCtx};
use crate::model::FileIssue;
use regex::Regex;
use std::sync::LazyLock;

const KIB: f64 = 1024.0;

/// `df` in any of its block-size and inode forms.
pub fn parse_df(ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let mut out = Out::new(ctx, None)?;
    let lines: Vec<&str> = text.lines().collect();
    let header = lines.first().copied().unwrap_or("");
    let header_norm = super::locale::df_header(header).replace("Mounted on", "Mounted_on");
    let cols: Vec<&str> = header_norm.split_whitespace().collect();
    if cols.first() != Some(&"Filesystem") || cols.len() < 5 {
        return Err(ctx.issue(
            Some(1),
            format!(
                "expected a df header `Filesystem ... Mounted on`, found `{header}` (another \
                 locale?)"
            ),
        ));
    }
    let inodes = cols
        .iter()
        .any(|c| c.starts_with("Inodes") || c.starts_with("IUse"));
    // `-T` puts the file system's type before the sizes.
    let typed = cols.get(1) == Some(&"Type");
    let unit = df_unit(cols[if typed { 2 } else { 1 }]);
    let mut pending: Option<&str> = None;
    for (i, line) in lines.iter().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let mut cells: Vec<&str> = line.split_whitespace().collect();
        // A long device name sits alone on its line; the numbers follow.
        if cells.len() == 1 && pending.is_none() {
            pending = Some(cells[0]);
            continue;
        }
        if let Some(fs) = pending.take() {
            cells.insert(0, fs);
        }
        if cells.len() < cols.len() {
            out.issue(
                i,
                format!("df row has {} of {} columns", cells.len(), cols.len()),
            );
            continue;
        }
        let mount = cells[cols.len() - 1..].join(" ");
        let labels = [("mount", mount.as_str()), ("fs", cells[0])];
        let first = if typed { 2 } else { 1 };
        for (col, cell) in cols
            .iter()
            .zip(&cells)
            .skip(first)
            .take(cols.len() - 1 - first)
        {
            let (metric, value) = if col.ends_with('%') || *col == "Capacity" {
                let pct = cell.trim_end_matches('%').parse::<f64>().ok();
                (
                    if inodes {
                        "disk.inodes_use_pct"
                    } else {
                        "disk.use_pct"
                    },
                    pct,
                )
            } else if inodes {
                let name = match *col {
                    "Inodes" => "disk.inodes_total",
                    "IUsed" => "disk.inodes_used",
                    _ => "disk.inodes_free",
                };
                (name, size_or_plain(cell, 1.0))
            } else {
                let name = match *col {
                    "Used" => "disk.used_bytes",
                    "Avail" | "Available" => "disk.avail_bytes",
                    _ => "disk.size_bytes",
                };
                (
                    name,
                    size_or_plain(cell, if has_suffix(cell) { 1.0 } else { unit }),
                )
            };
            match value {
                Some(v) => out.push(metric, &labels, v),
                None if *cell == "-" => {}
                None => out.issue(i, format!("expected a number under {col}, found `{cell}`")),
            }
        }
    }
    if pending.is_some() {
        out.issue(lines.len() - 1, "df output ends after a device name: cut?");
    }
    Ok(out.parsed)
}

fn df_unit(size_col: &str) -> f64 {
    match size_col {
        "1M-blocks" => KIB * KIB,
        "512-blocks" => 512.0,
        "Size" => 1.0,
        _ => KIB,
    }
}

static DU_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([\d.,]+[KMGTPE]?i?B?)\t(.+)$").unwrap());

/// Most lines are `SIZE<TAB>PATH`.
pub fn looks_like_du(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(50)
        .collect();
    !lines.is_empty() && lines.iter().filter(|l| DU_LINE.is_match(l)).count() * 5 >= lines.len() * 4
}

/// `du` listings: one `SIZE<TAB>PATH` line per directory.
pub fn parse_du(ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let mut out = Out::new(ctx, None)?;
    let suffixed = text
        .lines()
        .any(|l| l.split('\t').next().is_some_and(has_suffix));
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let Some(c) = DU_LINE.captures(line) else {
            out.issue(
                i,
                format!(
                    "expected `SIZE<TAB>PATH`, found `{}`",
                    crate::model::excerpt(line, 80)
                ),
            );
            continue;
        };
        let plain = if suffixed { 1.0 } else { KIB };
        match size_or_plain(&c[1], plain) {
            Some(v) => out.push("du.bytes", &[("path", &c[2])], v),
            None => out.issue(i, format!("unreadable size `{}`", &c[1])),
        }
    }
    Ok(out.parsed)
}

/// A report's `-t` stamp as sysstat prints it in any locale: `12/05/26
/// 02:29:59` (C), `12/05/2026 02:29:59 AM` (en_US), `05/12/2026` (fr_FR,
/// pt_BR: day first), `05/12/26` (es_ES), `05.12.2026` (de_DE, pl_PL),
/// `2026年12月05日 02时29分45秒` (zh_CN), or ISO 8601 (`S_TIME_FORMAT=ISO`).
static IOSTAT_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\d{1,2})([/.])(\d{1,2})[/.](\d{4}|\d{2}) (\d{1,2}):(\d{2}):(\d{2})(?: (AM|PM))?\s*$|^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})|^(\d{4})年(\d{1,2})月(\d{1,2})日 (\d{1,2})时(\d{2})分(\d{2})秒\s*$",
    )
    .unwrap()
});

/// `iostat -x`: the avg-cpu block and the device table of the last report.
pub fn parse_iostat(ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let lines: Vec<&str> = text.lines().collect();
    // A report starts at its timestamp (with -t) or its avg-cpu line.
    let stamps: Vec<usize> = (0..lines.len())
        .filter(|i| IOSTAT_TIME.is_match(lines[*i]))
        .collect();
    let cpu_at: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].starts_with("avg-cpu"))
        .collect();
    let dev_at: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].starts_with("Device"))
        .collect();
    let Some(&last_dev) = dev_at.last() else {
        return Err(ctx.issue(Some(1), "expected an iostat `Device ...` table"));
    };
    let start = stamps
        .iter()
        .chain(&cpu_at)
        .filter(|i| **i < last_dev)
        .max()
        .copied()
        .unwrap_or(0);
    let read: Vec<Stamp> = stamps.iter().filter_map(|i| stamp(lines[*i])).collect();
    let day_first = day_first(&read, ctx.fallback_time.map(|(t, _)| t));
    let time = stamps
        .iter()
        .rev()
        .find(|i| **i <= last_dev)
        .and_then(|i| stamp(lines[*i]))
        .and_then(|s| s.time(day_first));
    let mut out = Out::new(ctx, time)?;
    if let Some(&c) = cpu_at.iter().rev().find(|c| **c >= start) {
        let names: Vec<&str> = lines[c].split_whitespace().skip(1).collect();
        let vals = lines
            .get(c + 1)
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_default();
        for (n, v) in names.iter().zip(vals) {
            if let Ok(v) = v.replace(',', ".").parse::<f64>() {
                out.push(
                    &format!("iostat.cpu_{}_pct", n.trim_start_matches('%')),
                    &[],
                    v,
                );
            }
        }
    }
    let names: Vec<&str> = lines[last_dev].split_whitespace().collect();
    for (i, line) in lines.iter().enumerate().skip(last_dev + 1) {
        let cells: Vec<&str> = line.split_whitespace().collect();
        if cells.is_empty() {
            break;
        }
        if cells.len() != names.len() {
            out.issue(
                i,
                format!("iostat row has {} of {} columns", cells.len(), names.len()),
            );
            continue;
        }
        let device = cells[0].trim_end_matches(':');
        for (name, cell) in names.iter().zip(&cells).skip(1) {
            let Some((metric, scale)) = iostat_metric(name) else {
                continue;
            };
            if let Ok(v) = cell.replace(',', ".").parse::<f64>() {
                out.push(metric, &[("device", device)], v * scale);
            }
        }
    }
    Ok(out.parsed)
}

fn iostat_metric(name: &str) -> Option<(&'static str, f64)> {
    Some(match name {
        "r/s" => ("io.reads_per_s", 1.0),
        "w/s" => ("io.writes_per_s", 1.0),
        "rkB/s" => ("io.read_bytes_per_s", KIB),
        "wkB/s" => ("io.write_bytes_per_s", KIB),
        "r_await" => ("io.read_await_ms", 1.0),
        "w_await" => ("io.write_await_ms", 1.0),
        "await" => ("io.await_ms", 1.0),
        "aqu-sz" | "avgqu-sz" => ("io.queue_size", 1.0),
        "%util" => ("io.util_pct", 1.0),
        _ => return None,
    })
}

/// One `-t` stamp as read, before the order of a slashed date's first two
/// numbers is known.
#[derive(Clone, Copy)]
struct Stamp {
    /// The date's two numbers in the order printed (`05/12`), or month and
    /// day where the form says (`2026年12月05日`, ISO).
    first: i8,
    second: i8,
    /// Dotted and Chinese dates put the day first or say which is which.
    order: Option<bool>,
    year: i16,
    clock: (i8, i8, i8),
}

impl Stamp {
    fn time(&self, day_first: bool) -> Option<jiff::Timestamp> {
        let (month, day) = if self.order.unwrap_or(day_first) {
            (self.second, self.first)
        } else {
            (self.first, self.second)
        };
        let (h, m, s) = self.clock;
        jiff::civil::Date::new(self.year, month, day)
            .ok()?
            .to_datetime(jiff::civil::Time::new(h, m, s, 0).ok()?)
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    }
}

fn stamp(line: &str) -> Option<Stamp> {
    let c = IOSTAT_TIME.captures(line.trim())?;
    let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<i16>().ok());
    if let Some(iso) = c.get(9) {
        let dt: jiff::civil::DateTime = iso.as_str().parse().ok()?;
        return Some(Stamp {
            first: dt.month(),
            second: dt.day(),
            order: Some(false),
            year: dt.year(),
            clock: (dt.hour(), dt.minute(), dt.second()),
        });
    }
    if c.get(10).is_some() {
        return Some(Stamp {
            first: n(11)? as i8,
            second: n(12)? as i8,
            order: Some(false),
            year: n(10)?,
            clock: (n(13)? as i8, n(14)? as i8, n(15)? as i8),
        });
    }
    let mut hour = n(5)?;
    match c.get(8).map(|m| m.as_str()) {
        Some("PM") if hour < 12 => hour += 12,
        Some("AM") if hour == 12 => hour = 0,
        _ => {}
    }
    let year = n(4)?;
    Some(Stamp {
        first: n(1)? as i8,
        second: n(3)? as i8,
        order: (&c[2] == ".").then_some(true),
        year: if year < 100 { 2000 + year } else { year },
        clock: (hour as i8, n(6)? as i8, n(7)? as i8),
    })
}

/// Whether slashed dates put the day first: a first number above 12
/// says so, a second above 12 says not; else the reading nearer the
/// snapshot's own time (its path or modification time) wins, and without
/// one the US order.
fn day_first(stamps: &[Stamp], near: Option<jiff::Timestamp>) -> bool {
    let slashed = || stamps.iter().filter(|s| s.order.is_none());
    if slashed().any(|s| s.first > 12) {
        return true;
    }
    if slashed().any(|s| s.second > 12) {
        return false;
    }
    let (Some(near), Some(s)) = (near, slashed().next_back()) else {
        return false;
    };
    let off = |day_first| {
        s.time(day_first)
            .map_or(i64::MAX, |t| (t.as_second() - near.as_second()).abs())
    };
    off(true) < off(false)
}
