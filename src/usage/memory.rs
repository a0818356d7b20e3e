//! Memory, CPU and load snapshots: `free` (old and new layouts, any unit
//! flag), `vmstat` (one-shot, interval, `-t`), `uptime`, /proc/meminfo,
//! /proc/loadavg, /proc/pressure/* and cgroup v2 memory files.
//!
//! # Limitations
//! `free` does not print its unit: suffixed cells (`-h`) are read as such;
//! bare numbers take the unit in the file name (`free-m`, `free_b`) or else
//! the one that makes total memory look like a real machine's (closest to
//! 16 GiB on a log scale). vmstat does not print its unit either: its
//! memory columns are read as KiB unless the file name carries the `-S`
//! flag (`vmstat-SM.txt`, `vmstat_S_m`); a `vmstat -S M` capture under
//! another name is read 1024 times too small, and no other file of a
//! bundle (a command list) is consulted. Without `-t`, an interval vmstat is reduced to its last line
//! (the first is the since-boot average) at the snapshot's time. Only
//! English and German labels are known (see `locale`); others are
//! reported, not guessed.

use super::procs::push_load;
use super::units::{has_suffix, size_or_plain};
use super::{clock_near, hms, Out, Parsed, SnapshotCtx, SnapshotKind};
use crate::model::FileIssue;
use regex::Regex;
use std::sync::LazyLock;

const KIB: f64 = 1024.0;

static LOADAVG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\d+\.\d+ \d+\.\d+ \d+\.\d+ \d+/\d+ \d+$").unwrap());
static UPTIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(\d{1,2}:\d{2}:\d{2})\s+up\s+(.*?),\s+(\d+)\s+users?,\s+load average").unwrap()
});

pub fn is_loadavg(line: &str) -> bool {
    LOADAVG.is_match(line.trim())
}

pub fn is_uptime(line: &str) -> bool {
    UPTIME.is_match(line)
}

pub fn is_free_header(line: &str) -> bool {
    let line = super::locale::free_header(line);
    let w: Vec<&str> = line.split_whitespace().collect();
    w.first() == Some(&"total") && w.contains(&"used") && w.contains(&"free")
}

/// `free` in any layout procps has printed.
pub fn parse_free(ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let mut out = Out::new(ctx, None)?;
    let lines: Vec<&str> = text.lines().collect();
    let Some(h) = lines.iter().position(|l| !l.trim().is_empty()) else {
        return Err(ctx.issue(None, "empty free output"));
    };
    if !is_free_header(lines[h]) {
        return Err(ctx.issue(
            Some(h + 1),
            format!(
                "expected a free header `total used free ...`, found `{}` (another locale?)",
                lines[h].trim()
            ),
        ));
    }
    let header = super::locale::free_header(lines[h]);
    let cols: Vec<&str> = header.split_whitespace().collect();
    let unit = free_unit(ctx.path, &lines[h + 1..]);
    for (i, line) in lines.iter().enumerate().skip(h + 1) {
        // Chinese prints a full-width colon.
        let Some((label, rest)) = line.split_once([':', '：']) else {
            if !line.trim().is_empty() {
                out.issue(
                    i,
                    format!("expected `Label: numbers`, found `{}`", line.trim()),
                );
            }
            continue;
        };
        let cells: Vec<&str> = rest.split_whitespace().collect();
        let row = super::locale::free_row(label.trim());
        // `Swap:` fills only total, used and free.
        let want = match row {
            "Mem" => cols.len(),
            "Swap" => 3,
            _ => 0,
        };
        if cells.len() < want {
            out.issue(
                i,
                format!("free row `{row}:` has {} of {want} columns", cells.len()),
            );
        }
        match row {
            "Mem" => free_row(&mut out, "mem", &cols, &cells, unit),
            "Swap" => free_row(&mut out, "swap", &cols, &cells, unit),
            "-/+ buffers/cache" => {
                // Old layout: used and free without buffers and cache.
                let v = |k: usize| cells.get(k).and_then(|c| size_or_plain(c, unit));
                if let (Some(used), Some(free)) = (v(0), v(1)) {
                    out.push("mem.used_bytes", &[], used);
                    out.push("mem.available_bytes", &[], free);
                }
            }
            "Low" | "High" | "Total" | "Comm" => {}
            other => out.issue(i, format!("unknown free row `{other}:` (another locale?)")),
        }
    }
    Ok(out.parsed)
}

fn free_row(out: &mut Out, prefix: &str, cols: &[&str], cells: &[&str], unit: f64) {
    // Layouts before procps 3.3.10 have no `available` and count caches in
    // `used`; their `-/+ buffers/cache` row carries the real figure.
    let old_layout = !cols.contains(&"available");
    let mut caches = None;
    for (col, cell) in cols.iter().zip(cells) {
        let Some(v) = size_or_plain(cell, unit) else {
            continue;
        };
        let name = match *col {
            "used" if old_layout && prefix == "mem" => continue,
            "total" | "used" | "free" | "shared" | "available" => *col,
            "buff/cache" => "buff_cache",
            "buffers" | "cache" | "cached" => {
                caches = Some(caches.unwrap_or(0.0) + v);
                continue;
            }
            _ => continue,
        };
        out.push(&format!("{prefix}.{name}_bytes"), &[], v);
    }
    if let (Some(v), "mem") = (caches, prefix) {
        out.push("mem.buff_cache_bytes", &[], v);
    }
}

/// The unit of `free`'s bare numbers (see the module's limitations).
fn free_unit(path: &str, rows: &[&str]) -> f64 {
    let cells: Vec<&str> = rows
        .iter()
        .flat_map(|l| l.split_whitespace().skip(1))
        .collect();
    if cells.iter().any(|c| has_suffix(c)) {
        return 1.0;
    }
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    for (flag, unit) in [("b", 1.0), ("k", KIB), ("m", KIB * KIB), ("g", KIB.powi(3))] {
        if name.contains(&format!("free-{flag}")) || name.contains(&format!("free_{flag}")) {
            return unit;
        }
    }
    let total = rows
        .iter()
        .filter_map(|l| l.split_once([':', '：']))
        .find(|(label, _)| super::locale::free_row(label.trim()) == "Mem")
        .and_then(|(_, cells)| cells.split_whitespace().next())
        .and_then(|c| c.parse::<f64>().ok())
        .unwrap_or(0.0);
    let typical = 16.0 * KIB.powi(3);
    [1.0, KIB, KIB * KIB, KIB.powi(3)]
        .into_iter()
        .min_by(|a, b| {
            let d = |u: f64| ((total * u).max(1.0).log2() - typical.log2()).abs();
            d(*a).total_cmp(&d(*b))
        })
        .unwrap_or(KIB)
}

/// vmstat's column header, `r  b  swpd ...` in any known locale.
pub fn is_vmstat_header(line: &str) -> bool {
    super::locale::vmstat_header(line).starts_with("r b ")
}

/// `vmstat`, one-shot or with an interval, with or without `-t`.
pub fn parse_vmstat(ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(h) = lines.iter().position(|l| is_vmstat_header(l)) else {
        return Err(ctx.issue(Some(1), "expected vmstat's `r  b  swpd ...` column header"));
    };
    let header = super::locale::vmstat_header(lines[h]);
    let names: Vec<&str> = header.split_whitespace().collect();
    let unit = vmstat_unit(ctx.path);
    let rows: Vec<(usize, Vec<&str>)> = lines
        .iter()
        .enumerate()
        .skip(h + 1)
        .filter(|(_, l)| {
            l.split_whitespace()
                .next()
                .is_some_and(|w| w.parse::<u64>().is_ok())
        })
        .map(|(i, l)| (i, l.split_whitespace().collect()))
        .collect();
    if rows.is_empty() {
        return Err(ctx.issue(Some(h + 2), "vmstat header without data lines"));
    }
    // With -t the header ends in a zone name and each line in date and time.
    let stamped = rows[0].1.len() > names.len();
    let mut parsed = Parsed::default();
    let chosen: Vec<&(usize, Vec<&str>)> = if stamped {
        rows.iter().collect()
    } else {
        rows.last().into_iter().collect()
    };
    for (idx, cells) in chosen {
        let time = stamped.then(|| vmstat_time(cells)).flatten();
        let mut out = Out::new(ctx, time)?;
        if cells.len() < names.len() {
            out.issue(
                *idx,
                format!("vmstat line has {} of {} columns", cells.len(), names.len()),
            );
        }
        for (name, cell) in names.iter().zip(cells.iter()) {
            let Ok(v) = cell.parse::<f64>() else { continue };
            let (metric, scale) = vmstat_metric(name);
            // `-S` scales the memory columns only, not si/so nor bi/bo.
            let scale = if metric.starts_with("vm.") && metric.ends_with("_bytes") {
                unit
            } else {
                scale
            };
            if !metric.is_empty() {
                out.push(&metric, &[], v * scale);
            }
        }
        parsed.samples.append(&mut out.parsed.samples);
        parsed.issues.append(&mut out.parsed.issues);
    }
    Ok(parsed)
}

static VMSTAT_S: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[-_ ])S[-_ ]?([kKmM])(?:[-_. ]|$)").unwrap());

/// The unit of vmstat's memory columns from the `-S` flag in the file
/// name (`k` 1000, `K` 1024, `m` 10^6, `M` 2^20 bytes), else KiB.
fn vmstat_unit(path: &str) -> f64 {
    let name = path.rsplit('/').next().unwrap_or(path);
    match VMSTAT_S.captures(name).map(|c| c[1].to_string()).as_deref() {
        Some("k") => 1000.0,
        Some("m") => 1e6,
        Some("M") => KIB * KIB,
        _ => KIB,
    }
}

fn vmstat_time(cells: &[&str]) -> Option<jiff::Timestamp> {
    let n = cells.len();
    let text = format!("{}T{}", cells.get(n - 2)?, cells.get(n - 1)?);
    let dt: jiff::civil::DateTime = text.parse().ok()?;
    dt.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

fn vmstat_metric(name: &str) -> (String, f64) {
    let m = |s: &str, k: f64| (s.to_string(), k);
    match name {
        "r" => m("vm.procs_running", 1.0),
        "b" => m("vm.procs_blocked", 1.0),
        "swpd" | "free" | "buff" | "cache" | "inact" | "active" => {
            (format!("vm.{name}_bytes"), KIB)
        }
        "si" => m("vm.swap_in_bytes_per_s", KIB),
        "so" => m("vm.swap_out_bytes_per_s", KIB),
        "bi" => m("vm.blocks_in_per_s", 1.0),
        "bo" => m("vm.blocks_out_per_s", 1.0),
        "in" => m("vm.interrupts_per_s", 1.0),
        "cs" => m("vm.context_switches_per_s", 1.0),
        "us" | "sy" | "id" | "wa" | "st" | "gu" => {
            let long = match name {
                "us" => "user",
                "sy" => "system",
                "id" => "idle",
                "wa" => "iowait",
                "st" => "steal",
                _ => "guest",
            };
            (format!("vm.cpu_{long}_pct"), 1.0)
        }
        _ => (String::new(), 1.0),
    }
}

/// `uptime`'s one line: clock, uptime, users, load.
pub fn parse_uptime(ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let line = text.lines().find(|l| is_uptime(l));
    let Some(c) = line.and_then(|l| UPTIME.captures(l)) else {
        return Err(ctx.issue(
            Some(1),
            "expected `HH:MM:SS up ..., N users, load average: ...`",
        ));
    };
    let content = hms(&c[1]).and_then(|(h, m, s)| clock_near(ctx, h, m, s));
    let mut out = Out::new(ctx, content)?;
    push_load(&mut out, line.unwrap_or(""));
    if let Ok(users) = c[3].parse() {
        out.push("system.users", &[], users);
    }
    if let Some(secs) = uptime_secs(&c[2]) {
        out.push("system.uptime_seconds", &[], secs);
    }
    Ok(out.parsed)
}

/// `3 days,  4:05`, `10:01`, `5 min`, `1 day, 12 min` in seconds.
fn uptime_secs(s: &str) -> Option<f64> {
    let mut total = 0.0;
    for part in s.split(',') {
        let p = part.trim();
        if let Some((h, m)) = p.split_once(':') {
            total += h.trim().parse::<f64>().ok()? * 3600.0 + m.trim().parse::<f64>().ok()? * 60.0;
        } else {
            let mut w = p.split_whitespace();
            let n: f64 = w.next()?.parse().ok()?;
            total += n * match w.next()? {
                u if u.starts_with("day") => 86400.0,
                u if u.starts_with("hr") || u.starts_with("hour") => 3600.0,
                u if u.starts_with("min") => 60.0,
                _ => return None,
            };
        }
    }
    Some(total)
}

/// /proc/loadavg: three loads, runnable/total tasks, last pid.
pub fn parse_loadavg(ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let line = text.lines().next().unwrap_or("").trim();
    if !is_loadavg(line) {
        return Err(ctx.issue(
            Some(1),
            format!("expected `0.38 1.55 2.33 5/145 21131`, found `{line}`"),
        ));
    }
    let mut out = Out::new(ctx, None)?;
    let w: Vec<&str> = line.split_whitespace().collect();
    for (name, cell) in ["load.1m", "load.5m", "load.15m"].iter().zip(&w) {
        out.push(name, &[], cell.parse().unwrap_or(f64::NAN));
    }
    if let Some((run, total)) = w[3].split_once('/') {
        out.push("procs.runnable", &[], run.parse().unwrap_or(f64::NAN));
        out.push("procs.total", &[], total.parse().unwrap_or(f64::NAN));
    }
    Ok(out.parsed)
}

/// `MemTotal` -> `mem_total`, `Active(anon)` -> `active_anon`.
fn snake(key: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    out.trim_matches('_').to_string()
}

/// /proc/meminfo: every `Key: value [kB]` line.
pub fn parse_meminfo(ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let mut out = Out::new(ctx, None)?;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parsed = line.split_once(':').and_then(|(k, v)| {
            let mut w = v.split_whitespace();
            let n: f64 = w.next()?.parse().ok()?;
            Some((k, n, w.next()))
        });
        match parsed {
            Some((k, n, Some("kB"))) => {
                out.push(&format!("meminfo.{}_bytes", snake(k)), &[], n * KIB)
            }
            Some((k, n, _)) => out.push(&format!("meminfo.{}", snake(k)), &[], n),
            None => out.issue(
                i,
                format!("expected `Key:  value kB`, found `{}`", line.trim()),
            ),
        }
    }
    Ok(out.parsed)
}

/// /proc/pressure/{cpu,memory,io}: `some`/`full` averages and totals.
pub fn parse_pressure(ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let mut out = Out::new(ctx, None)?;
    let name = ctx.path.to_ascii_lowercase();
    let resource = ["memory", "cpu", "io", "irq"]
        .into_iter()
        .find(|r| name.rsplit('/').next().unwrap_or("").contains(r))
        .unwrap_or("unknown");
    for (i, line) in text.lines().enumerate() {
        let mut w = line.split_whitespace();
        let Some(kind @ ("some" | "full")) = w.next() else {
            if !line.trim().is_empty() {
                out.issue(
                    i,
                    format!("expected `some avg10=...`, found `{}`", line.trim()),
                );
            }
            continue;
        };
        for pair in w {
            let Some((k, v)) = pair.split_once('=') else {
                continue;
            };
            let Ok(v) = v.parse::<f64>() else { continue };
            let metric = if k == "total" {
                format!("psi.{kind}_total_us")
            } else {
                format!("psi.{kind}_{k}")
            };
            out.push(&metric, &[("resource", resource)], v);
        }
    }
    Ok(out.parsed)
}

/// cgroup v2 `memory.current`, `memory.max` and `memory.events`.
pub fn parse_cgroup(
    kind: SnapshotKind,
    ctx: &SnapshotCtx,
    text: &str,
) -> Result<Parsed, FileIssue> {
    let mut out = Out::new(ctx, None)?;
    let mut dirs = ctx.path.rsplit('/').skip(1);
    let cgroup = dirs.next().unwrap_or("/").to_string();
    let labels = [("cgroup", cgroup.as_str())];
    let value = text.trim();
    match kind {
        SnapshotKind::CgroupMemoryCurrent | SnapshotKind::CgroupMemoryMax => {
            let metric = if kind == SnapshotKind::CgroupMemoryMax {
                "max"
            } else {
                "current"
            };
            match value.parse::<f64>() {
                Ok(v) => out.push(&format!("cgroup.memory_{metric}_bytes"), &labels, v),
                Err(_) if value == "max" => out.push("cgroup.memory_max_unlimited", &labels, 1.0),
                Err(_) => out.issue(0, format!("expected a byte count, found `{value}`")),
            }
        }
        _ => {
            for (i, line) in text.lines().enumerate() {
                let mut w = line.split_whitespace();
                match (w.next(), w.next().and_then(|n| n.parse::<f64>().ok())) {
                    (Some(event), Some(n)) => out.push(
                        "cgroup.memory_events",
                        &[("cgroup", &cgroup), ("event", event)],
                        n,
                    ),
                    _ if line.trim().is_empty() => {}
                    _ => out.issue(
                        i,
                        format!("expected `event count`, found `{}`", line.trim()),
                    ),
                }
            }
        }
    }
    Ok(out.parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_names() {
        assert_eq!(snake("MemTotal"), "mem_total");
        assert_eq!(snake("Active(anon)"), "active_anon");
        assert_eq!(snake("HugePages_Total"), "huge_pages_total");
        assert_eq!(
            uptime_secs("3 days,  4:05"),
            Some(3.0 * 86400.0 + 4.0 * 3600.0 + 300.0)
        );
        assert_eq!(uptime_secs("5 min"), Some(300.0));
    }

    #[test]
    fn free_unit_from_magnitude() {
        assert_eq!(free_unit("x", &["Mem:  24105 1 2"]), KIB * KIB);
        assert_eq!(free_unit("x", &["Mem:  24683664 1 2"]), KIB);
        assert_eq!(free_unit("x", &["Mem:  25276071936 1 2"]), 1.0);
        assert_eq!(free_unit("free-m.txt", &["Mem:  240 1 2"]), KIB * KIB);
    }

    #[test]
    fn vmstat_unit_from_the_s_flag_in_the_name() {
        assert_eq!(
            vmstat_unit("snap/2026-12-04_220000/vmstat-SM.txt"),
            KIB * KIB
        );
        assert_eq!(vmstat_unit("vmstat_S_m"), 1e6);
        assert_eq!(vmstat_unit("snap/vmstat-tw.txt"), KIB);
        assert_eq!(vmstat_unit("vmstat.txt"), KIB);
    }
}
