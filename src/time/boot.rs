//! A host's boot time, found in the files of its bundle, so that dmesg's
//! seconds since boot can be put on the wall clock.
//!
//! Each file may hold a clue. In order of trust:
//! 1. `/proc/stat`'s `btime` line: the boot time in epoch seconds;
//! 2. `journalctl --list-boots`: the first entry of boot 0;
//! 3. `uptime -s`: the boot time as local time;
//! 4. `who -b`: `system boot` as local time, to the minute;
//! 5. `/proc/uptime`'s seconds, taken from the bundle's own clock: the
//!    output of `date` (UTC), else the collection time;
//! 6. a usage snapshot's uptime (`uptime`'s `up 2:32`) at its own time, to
//!    the minute.
//!
//! # Limitations
//! - Local times (`uptime -s`, `who -b`) are read in the `--timezone`
//!   zone; the host's own zone is not looked for.
//! - dmesg's clock is the kernel's monotonic clock: it stops while the
//!   machine is suspended and drifts from the wall clock, so times late in
//!   a long uptime can be off (as `dmesg -T`'s are).
//! - A dmesg saved from an earlier boot (`/var/log/dmesg.0`) is placed
//!   against the current boot's time all the same.

use super::{TimeCtx, TimeParser};
use jiff::{SignedDuration, Timestamp};
use regex::Regex;
use std::sync::LazyLock;

/// A boot time and the evidence it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootTime {
    pub time: Timestamp,
    /// What it was read from: `/proc/stat btime (proc/stat)`.
    pub how: String,
}

/// What one file tells about the boot time.
#[derive(Debug, Clone, PartialEq)]
pub enum Clue {
    /// The boot time itself; the rank orders clues by trust (lower wins).
    Boot {
        time: Timestamp,
        rank: u8,
        how: &'static str,
    },
    /// Seconds since boot at some moment the bundle's clock must give.
    Uptime(f64),
    /// The bundle's clock: the output of `date` in UTC.
    Now(Timestamp),
}

static BTIME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?m)^btime (\d{1,12})$").unwrap());
static LIST_BOOTS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^\s*0\s+[0-9a-f]{32}\s+\w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?: (\S+))?")
        .unwrap()
});
static LOCAL_TIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s*$").unwrap());
static WHO_B: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*system boot\s+(\d{4}-\d\d-\d\d \d\d:\d\d)\s*$").unwrap());
static PROC_UPTIME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d+\.\d\d) \d+\.\d\d\s*$").unwrap());
static DATE_UTC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\w{3} (\w{3}) +(\d{1,2}) (\d\d:\d\d:\d\d) (?:UTC|GMT) (\d{4})\s*$").unwrap()
});

/// The clue in one file, judged by its name and first lines.
pub fn clue(path: &str, text: &str, ctx: &TimeCtx) -> Option<Clue> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let local = |s: &str| TimeParser::new().parse(s, ctx).map(|p| p.ts);
    if name == "stat" {
        let secs: i64 = BTIME.captures(text)?[1].parse().ok()?;
        let time = Timestamp::from_second(secs).ok()?;
        return Some(Clue::Boot {
            time,
            rank: 0,
            how: "/proc/stat btime",
        });
    }
    if let Some(c) = LIST_BOOTS.captures(text) {
        let zoned = match c.get(2).map(|z| z.as_str()) {
            Some(z @ ("UTC" | "GMT")) => format!("{} {z}", &c[1]),
            _ => c[1].to_string(),
        };
        let time = TimeParser::new().parse(&zoned, ctx).map(|p| p.ts)?;
        return Some(Clue::Boot {
            time,
            rank: 1,
            how: "journalctl --list-boots",
        });
    }
    if name.starts_with("uptime") {
        if let Some(c) = LOCAL_TIME.captures(first) {
            return Some(Clue::Boot {
                time: local(&c[1])?,
                rank: 2,
                how: "uptime -s",
            });
        }
        if let Some(c) = PROC_UPTIME.captures(first) {
            return Some(Clue::Uptime(c[1].parse().ok()?));
        }
    }
    if let Some(c) = WHO_B.captures(text) {
        return Some(Clue::Boot {
            time: local(&c[1])?,
            rank: 3,
            how: "who -b",
        });
    }
    if name.starts_with("date") {
        let c = DATE_UTC.captures(first)?;
        let text = format!("{} {} {} {}", &c[2], &c[1], &c[4], &c[3]);
        let t = jiff::fmt::strtime::parse("%d %b %Y %H:%M:%S", &text).ok()?;
        let t = t
            .to_datetime()
            .ok()?
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .ok()?;
        return Some(Clue::Now(t.timestamp()));
    }
    None
}

/// The best boot time the clues give. `now` is the collection time, used
/// with an uptime when no `date` output was found; `snapshot` is a usage
/// snapshot's (time, uptime seconds), the last resort.
pub fn resolve(
    clues: &[(String, Clue)],
    now: Option<Timestamp>,
    snapshot: Option<(Timestamp, f64)>,
) -> Option<BootTime> {
    let best = clues
        .iter()
        .filter_map(|(path, c)| match c {
            Clue::Boot { time, rank, how } => Some((*rank, path, *time, *how)),
            _ => None,
        })
        .min_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    if let Some((_, path, time, how)) = best {
        return Some(BootTime {
            time,
            how: format!("{how} ({path})"),
        });
    }
    let date = clues.iter().find_map(|(p, c)| match c {
        Clue::Now(t) => Some((*t, p.as_str())),
        _ => None,
    });
    let uptime = clues.iter().find_map(|(p, c)| match c {
        Clue::Uptime(s) => Some((*s, p.as_str())),
        _ => None,
    });
    let since = |at: Timestamp, secs: f64| {
        at.checked_sub(SignedDuration::try_from_secs_f64(secs).ok()?)
            .ok()
    };
    if let Some((secs, path)) = uptime {
        let (at, clock) = match (date, now) {
            (Some((t, p)), _) => (t, format!("the date in {p}")),
            (None, Some(t)) => (t, "the collection time".to_string()),
            (None, None) => return None,
        };
        let how = format!("/proc/uptime ({path}) before {clock}");
        return since(at, secs).map(|time| BootTime { time, how });
    }
    let (at, secs) = snapshot?;
    let how = "uptime in a usage snapshot, before its time (to the minute)".to_string();
    since(at, secs).map(|time| BootTime { time, how })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn boot(path: &str, text: &str) -> Option<Timestamp> {
        match clue(path, text, &TimeCtx::default())? {
            Clue::Boot { time, .. } => Some(time),
            _ => None,
        }
    }

    #[test]
    fn clues_from_this_machine() {
        // Captured here at one moment (fixtures/boot).
        let stat = "cpu  1 2 3\nintr 1\nctxt 2\nbtime 1796399801\nprocesses 9\n";
        assert_eq!(boot("proc/stat", stat), Some(ts("2026-12-04T15:56:41Z")));
        assert_eq!(
            boot("x/uptime_-s", "2026-12-04 15:56:41\n"),
            Some(ts("2026-12-04T15:56:41Z"))
        );
        let up = clue("proc/uptime", "9120.34 1237.90\n", &TimeCtx::default());
        assert_eq!(up, Some(Clue::Uptime(9120.34)));
        let date = clue(
            "date_--utc",
            "Fri Dec  4 18:28:41 UTC 2026\n",
            &TimeCtx::default(),
        );
        assert_eq!(date, Some(Clue::Now(ts("2026-12-04T18:28:41Z"))));
    }

    #[test]
    fn list_boots_takes_boot_0_of_several() {
        // `who -b` as it printed for this boot; list-boots in the shape
        // systemd 252 prints (fixtures/boot), with an earlier boot added.
        let who = "         system boot  2026-12-04 15:56\n";
        assert_eq!(boot("who_-b", who), Some(ts("2026-12-04T15:56:00Z")));
        let boots = "IDX BOOT ID                          FIRST ENTRY                 LAST ENTRY\n \
                     -1 6b9d2a4f1c3e4b5a8d7f6e5d4c3b2a19 Thu 2026-12-03 08:00:01 UTC Thu 2026-12-03 23:59:59 UTC\n  \
                     0 0f1e2d3c4b5a69788796a5b4c3d2e1f0 Fri 2026-12-04 15:56:42 UTC Fri 2026-12-04 18:28:41 UTC\n";
        assert_eq!(
            boot("journalctl_--list-boots", boots),
            Some(ts("2026-12-04T15:56:42Z"))
        );
        assert_eq!(boot("proc/stat", "btime x\n"), None);
    }

    #[test]
    fn the_most_trusted_clue_wins_and_uptime_needs_a_clock() {
        let ctx = TimeCtx::default();
        let clues = vec![
            (
                "a/date".to_string(),
                clue("date", "Fri Dec  4 18:28:41 UTC 2026", &ctx).unwrap(),
            ),
            ("a/proc/uptime".to_string(), Clue::Uptime(9120.34)),
        ];
        let b = resolve(&clues, None, None).unwrap();
        assert_eq!(b.time, ts("2026-12-04T15:56:40.66Z"));
        assert!(b
            .how
            .starts_with("/proc/uptime (a/proc/uptime) before the date in a/date"));
        assert_eq!(resolve(&clues[1..], None, None), None);
        let mut with_stat = clues.clone();
        with_stat.push((
            "proc/stat".into(),
            clue("proc/stat", "btime 1796399801\n", &ctx).unwrap(),
        ));
        let b = resolve(&with_stat, None, None).unwrap();
        assert_eq!(
            (b.time, b.how.as_str()),
            (ts("2026-12-04T15:56:41Z"), "/proc/stat btime (proc/stat)")
        );
    }
}
