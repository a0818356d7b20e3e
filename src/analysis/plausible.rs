//! Times that cannot be the bundle's: a record dated 1970 (a clock whose
//! RTC was never set), or years before or after the bundle was collected.
//! Left on the timeline, one such record stretches the bundle's span to
//! decades and squashes every chart into one column; so its time is
//! removed, the record sits off the timeline like a record without a
//! time, and the file's inventory line says how many were set aside, why,
//! and where the first one is.
//!
//! # Limitations
//! - The bounds around the collection time apply only when that time
//!   comes from the bundle's name: a modification time may be a later
//!   copy's (which would set a whole old bundle aside) or a fixed one
//!   (`tar --mtime`, reproducible builds); then only the 2000 floor holds.
//! - Postgres statistics rows are not checked (their time is the dump's).
//! - A wrong clock that is only days off is not caught here (see `skew`).

use super::pipeline::{Item, Parsed};
use crate::model::{FileIssue, TimeSource};
use jiff::{SignedDuration, Timestamp};

/// Before this, a time comes from a clock that was never set.
const FLOOR_SECS: i64 = 946_684_800; // 2000-01-01T00:00:00Z
/// How long before the collection time a record may still be (a year of
/// logs kept, with room).
const BEFORE_DAYS: i64 = 400;
/// How long after the collection time a record may be (zones read wrong,
/// a clock a little ahead).
const AFTER_HOURS: i64 = 24;

/// The bundle's collection time and where it came from.
pub(crate) type Collected = Option<(Timestamp, TimeSource)>;

/// Why `t` cannot be a time of a bundle collected at `collected`, or
/// `None` when it can.
pub(crate) fn why_implausible(t: Timestamp, collected: Collected) -> Option<String> {
    if t.as_second() < FLOOR_SECS {
        return Some("before 2000-01-01 (a clock that was not set)".into());
    }
    let (at, source) = collected?;
    if source != TimeSource::Path {
        return None;
    }
    let day = at.strftime("%Y-%m-%d");
    if t > at + SignedDuration::from_hours(AFTER_HOURS) {
        return Some(format!("more than a day after the collection time ({day})"));
    }
    if t < at - SignedDuration::from_hours(BEFORE_DAYS * 24) {
        return Some(format!(
            "more than {BEFORE_DAYS} days before the collection time ({day})"
        ));
    }
    None
}

/// Removes implausible times from every log record and usage sample:
/// records keep no time (and their lines are noted on the log file),
/// samples are dropped with an issue on the file that counts them.
pub(crate) fn set_aside(items: &mut [Item], collected: Collected) {
    for it in items {
        match &mut it.parsed {
            Parsed::Log { log, .. } => {
                for r in &mut log.records {
                    let Some(t) = r.time else { continue };
                    let Some(why) = why_implausible(t, collected) else {
                        continue;
                    };
                    r.time = None;
                    if log.first_implausible.is_none() {
                        let text = format!("{t} {}", r.message);
                        let excerpt = crate::model::excerpt(&text, 160);
                        log.first_implausible = Some((r.line, format!("{why}: {excerpt}")));
                    }
                    log.implausible.push(r.line);
                }
            }
            Parsed::Usage { parsed, .. } => {
                let mut first = None;
                let before = parsed.samples.len();
                parsed
                    .samples
                    .retain(|s| match why_implausible(s.time, collected) {
                        Some(why) => {
                            first.get_or_insert_with(|| format!("{why}: {}", s.time));
                            false
                        }
                        None => true,
                    });
                if let Some(first) = first {
                    parsed.issues.push(FileIssue {
                        path: it.path.clone(),
                        line: None,
                        message: format!(
                            "{} samples with an implausible time set aside, the first {first}",
                            before - parsed.samples.len()
                        ),
                    });
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn epoch_and_far_times_are_implausible() {
        let named = Some((ts("2026-12-04T16:23:45Z"), TimeSource::Path));
        let copied = Some((ts("2026-12-04T16:23:45Z"), TimeSource::Mtime));
        let epoch = ts("1970-01-01T00:00:05Z");
        assert!(why_implausible(epoch, None)
            .unwrap()
            .starts_with("before 2000"));
        assert!(why_implausible(epoch, named).is_some());
        let old = ts("2024-12-01T00:00:00Z");
        assert!(why_implausible(old, named)
            .unwrap()
            .contains("400 days before"));
        // A modification time may be a later copy's, or fixed: no bound.
        assert_eq!(why_implausible(old, copied), None);
        let ahead = ts("2026-12-06T00:00:00Z");
        assert!(why_implausible(ahead, named).unwrap().contains("after"));
        assert_eq!(why_implausible(ahead, copied), None);
        assert!(why_implausible(epoch, copied).is_some());
        assert_eq!(why_implausible(ts("2026-12-05T10:00:00Z"), named), None);
        assert_eq!(why_implausible(ts("2025-11-01T00:00:00Z"), named), None);
    }
}
