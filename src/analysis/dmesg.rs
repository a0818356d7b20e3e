//! Kernel ring-buffer records (`dmesg` without `-T`) put on the wall
//! clock: their seconds since boot plus the boot time of the file's host,
//! when the bundle gives one.

use super::pipeline::{Item, Parsed};
use crate::bundle::Bundle;
use crate::logs::LogFile;
use crate::time::boot::{self as boot_time, Clue};
use crate::time::TimeCtx;
use jiff::Timestamp;

/// The log format whose records carry seconds since boot.
pub(super) const DMESG_RAW: &str = "kernel-dmesg";

/// Why a dmesg record has no time when the bundle gave no boot time.
pub(super) const NO_BOOT_TIME: &str = "seconds since boot, and the bundle has no boot time \
     (/proc/stat btime, journalctl --list-boots, uptime -s, who -b, /proc/uptime)";

/// Puts dmesg's seconds since boot on the wall clock with the boot time
/// of the file's host, when the bundle gives one (see
/// [`crate::time::boot`]); otherwise its records keep no time, and the
/// file's first such record says why.
pub(super) fn place_dmesg(bundle: &Bundle, items: &mut [Item], ctx: &TimeCtx) {
    if !items.iter().any(is_raw_dmesg) {
        return;
    }
    let mut clues: Vec<(String, String, Clue)> = Vec::new();
    let mut snapshots: Vec<(String, Timestamp, f64)> = Vec::new();
    for (e, it) in bundle.entries.iter().zip(items.iter()) {
        if let Parsed::Usage { parsed, .. } = &it.parsed {
            let up = parsed
                .samples
                .iter()
                .find(|s| s.metric == "system.uptime_seconds");
            snapshots.extend(up.map(|s| (s.host.clone(), s.time, s.value)));
        }
        if may_hold_boot_clue(&e.path) && e.data.len() <= 1 << 20 {
            let text = String::from_utf8_lossy(&e.data);
            if let Some(c) = boot_time::clue(&e.path, &text, ctx) {
                clues.push((it.host.clone(), it.path.clone(), c));
            }
        }
    }
    for (e, it) in bundle.entries.iter().zip(items.iter_mut()) {
        if !is_raw_dmesg(it) {
            continue;
        }
        let host_clues: Vec<(String, Clue)> = clues
            .iter()
            .filter(|(h, _, _)| *h == it.host)
            .map(|(_, p, c)| (p.clone(), c.clone()))
            .collect();
        let snapshot = snapshots
            .iter()
            .filter(|(h, _, _)| *h == it.host)
            .map(|&(_, t, v)| (t, v))
            .min_by_key(|&(t, _)| t);
        let boot = boot_time::resolve(&host_clues, ctx.reference, snapshot);
        let Parsed::Log { log, .. } = &mut it.parsed else {
            continue;
        };
        match &boot {
            Some(b) => place_records(log, &e.data, b.time),
            None => {
                if let Some((_, first)) = &mut log.first_no_time {
                    *first = format!("{first} ({NO_BOOT_TIME})");
                }
            }
        }
        it.boot = boot;
    }
}

fn is_raw_dmesg(it: &Item) -> bool {
    matches!(&it.parsed, Parsed::Log { log, .. } if log.format == DMESG_RAW)
}

/// Files that may tell the boot time, by name.
pub(super) fn may_hold_boot_clue(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "stat"
        || ["uptime", "who", "date"]
            .iter()
            .any(|p| name.starts_with(p))
        || name.contains("list-boots")
}

/// Gives each record without a time the boot time plus the seconds its
/// header line starts with. Records are in line order, so the lines are
/// walked once beside them.
fn place_records(log: &mut LogFile, data: &[u8], boot: Timestamp) {
    let mut lines = data.split(|&b| b == b'\n').zip(1u64..);
    let mut placed = 0;
    let mut first_left = None;
    for r in log.records.iter_mut() {
        let Some((line, _)) = lines.by_ref().find(|(_, n)| *n >= r.line) else {
            break;
        };
        if r.time.is_some() {
            continue;
        }
        let secs = seconds_since_boot(line);
        let since = secs.and_then(|s| jiff::SignedDuration::try_from_secs_f64(s).ok());
        r.time = since.and_then(|d| boot.checked_add(d).ok());
        if r.time.is_some() {
            placed += 1;
        } else if first_left.is_none() {
            let text = String::from_utf8_lossy(line);
            first_left = Some((r.line, crate::model::excerpt(&text, 160)));
        }
    }
    log.no_time -= placed.min(log.no_time);
    log.first_no_time = first_left;
}

/// The `12.345678` of a line that starts `[   12.345678] `.
fn seconds_since_boot(line: &[u8]) -> Option<f64> {
    let rest = line.strip_prefix(b"[")?;
    let end = memchr::memchr(b']', rest)?;
    std::str::from_utf8(&rest[..end]).ok()?.trim().parse().ok()
}
