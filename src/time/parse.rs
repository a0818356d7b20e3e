//! Timestamps as logs write them, read into UTC.
//!
//! A log format's regex captures the time text; [`TimeParser`] reads it.
//! It knows RFC 3339 and ISO 8601 (with `T` or space, `,` or `.` before the
//! fraction), epoch seconds, milliseconds, microseconds and nanoseconds,
//! and the shapes of nginx, Apache, Redis, syslog, Postgres, Log4j, Python,
//! Go, HDFS, BGL and Spark. Each parser remembers which shape last worked,
//! since a file keeps to one.
//!
//! Where the text has no zone, the configured zone is assumed and the
//! result says so. Where it has no year (syslog), the year comes from the
//! bundle's collection time, never from the wall clock: a date later than
//! a day past the collection time belongs to the year before, which is how
//! a log that runs across New Year reads correctly.
//!
//! Framing reads the shapes of the busiest logs with
//! [`FastTime`](super::FastTime) first, which gives the same result for a
//! fraction of the cost; this parser reads the rest.
//!
//! # Limitations
//! - Zone abbreviations are read from a fixed table of common ones
//!   (`UTC`, `GMT`, `PST`, `CET`, ...); an unknown one falls back to the
//!   assumed zone and is reported as assumed.
//! - Day-first versus month-first numeric dates (`03/04/2026`) are not
//!   guessed; such shapes are not read.

use jiff::{civil, fmt::strtime, tz::Offset, tz::TimeZone, Timestamp};
use std::cell::Cell;

/// What the bundle tells about time, for reading incomplete timestamps.
#[derive(Debug, Clone)]
pub struct TimeCtx {
    /// The zone assumed for times written without one.
    pub zone: TimeZone,
    /// The bundle's collection time, for years missing from syslog lines.
    pub reference: Option<Timestamp>,
}

impl Default for TimeCtx {
    fn default() -> Self {
        TimeCtx {
            zone: TimeZone::UTC,
            reference: None,
        }
    }
}

/// A timestamp read from text, with what had to be assumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parsed {
    pub ts: Timestamp,
    /// The text had no zone or offset; [`TimeCtx::zone`] was used.
    pub zone_assumed: bool,
    /// The text had no year; it was inferred from the collection time.
    pub year_inferred: bool,
}

/// Shapes tried after RFC 3339, in order. Commas before fractions and runs
/// of spaces are normalised first.
const SHAPES: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%d/%b/%Y:%H:%M:%S%.f",
    "%Y/%m/%d %H:%M:%S%.f",
    "%d %b %Y %H:%M:%S%.f",
    "%a %b %d %H:%M:%S%.f %Y",
    "%b %d %H:%M:%S%.f",
    "%b %d %Y %H:%M:%S%.f",
    "%y%m%d %H%M%S",
    "%Y-%m-%d-%H.%M.%S%.f",
    "%y/%m/%d %H:%M:%S%.f",
    "%Y.%m.%d %H:%M:%S%.f",
    "%d-%b-%Y %H:%M:%S%.f",
    "%Y%m%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%m-%d %H:%M:%S%.f",
    "%Y%m%d-%H:%M:%S:%f",
    "%m.%d %H:%M:%S",
    "%b %d, %Y %I:%M:%S %p",
    "%m%d %H:%M:%S%.f",
];

/// Reads timestamps, remembering the shape that last worked.
#[derive(Debug, Default)]
pub struct TimeParser {
    last: Cell<Option<usize>>,
}

impl TimeParser {
    pub fn new() -> Self {
        TimeParser::default()
    }

    /// Reads `text` as a point in time, or `None` when no shape fits.
    pub fn parse(&self, text: &str, ctx: &TimeCtx) -> Option<Parsed> {
        let text = text.trim().trim_matches(|c| c == '[' || c == ']');
        if text.is_empty() {
            return None;
        }
        if let Some(ts) = epoch(text) {
            return Some(Parsed {
                ts,
                zone_assumed: false,
                year_inferred: false,
            });
        }
        if let Ok(ts) = text.parse::<Timestamp>() {
            return Some(Parsed {
                ts,
                zone_assumed: false,
                year_inferred: false,
            });
        }
        let norm = normalise(text);
        let (body, offset) = split_zone(&norm);
        if let Some(i) = self.last.get() {
            if let Some(p) = try_shape(SHAPES[i], body, offset, ctx) {
                return Some(p);
            }
        }
        for (i, shape) in SHAPES.iter().enumerate() {
            if Some(i) == self.last.get() {
                continue;
            }
            if let Some(p) = try_shape(shape, body, offset, ctx) {
                self.last.set(Some(i));
                return Some(p);
            }
        }
        None
    }
}

fn try_shape(shape: &str, body: &str, offset: Option<Offset>, ctx: &TimeCtx) -> Option<Parsed> {
    let mut bdt = strtime::parse(shape, body).ok()?;
    let mut year_inferred = false;
    if bdt.year().is_none() {
        let reference = ctx.reference?.to_zoned_datetime(ctx.zone.clone());
        bdt.set_year(Some(reference.year())).ok()?;
        year_inferred = true;
        let dt = bdt.to_datetime().ok()?;
        // A date more than a day past the collection time is last year's.
        if dt > reference.datetime() + jiff::SignedDuration::from_hours(24) {
            bdt.set_year(Some(reference.year() - 1)).ok()?;
        }
    }
    let dt: civil::DateTime = bdt.to_datetime().ok()?;
    if dt.year() < 1970 {
        // `17/06/09` read as year 17: the wrong shape.
        return None;
    }
    let (ts, zone_assumed) = match offset {
        Some(off) => (off.to_timestamp(dt).ok()?, false),
        None => (ctx.zone.to_ambiguous_timestamp(dt).compatible().ok()?, true),
    };
    Some(Parsed {
        ts,
        zone_assumed,
        year_inferred,
    })
}

/// Seconds, milliseconds, microseconds or nanoseconds since 1970, told
/// apart by their number of digits; only times from 1990 to 2100 count.
fn epoch(text: &str) -> Option<Timestamp> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = int.parse().ok()?;
    let ts = match int.len() {
        9 | 10 => {
            let nanos = format!("{frac:0<9}")[..9].parse::<i32>().ok()?;
            Timestamp::new(n, nanos).ok()?
        }
        12 | 13 => Timestamp::from_millisecond(n).ok()?,
        15 | 16 => Timestamp::from_microsecond(n).ok()?,
        18 | 19 => Timestamp::from_nanosecond(n as i128).ok()?,
        _ => return None,
    };
    let year = ts.to_zoned_datetime(TimeZone::UTC).year();
    (1990..=2100).contains(&year).then_some(ts)
}

/// Collapses runs of spaces and turns `12:00:00,123` into `12:00:00.123`.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut prev_space = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b' ' || b == b'\t' {
            if !prev_space {
                out.push(' ');
            }
            prev_space = true;
            continue;
        }
        prev_space = false;
        let comma_frac = b == b','
            && i >= 2
            && bytes[i - 1].is_ascii_digit()
            && bytes[i - 2].is_ascii_digit()
            && bytes.get(i + 1).is_some_and(|c| c.is_ascii_digit());
        out.push(if comma_frac { '.' } else { b as char });
    }
    out
}

/// Splits a trailing zone (`+0000`, `+05:30`, `UTC`, `CET`, `Z`) off.
fn split_zone(text: &str) -> (&str, Option<Offset>) {
    if let Some(body) = text.strip_suffix('Z') {
        if body.ends_with(|c: char| c.is_ascii_digit()) {
            return (body, Some(Offset::UTC));
        }
    }
    let Some((body, last)) = text.rsplit_once(' ') else {
        return split_glued_offset(text);
    };
    if let Some(off) = parse_offset(last) {
        return (body, Some(off));
    }
    if let Some(hours) = abbreviation(last) {
        let off = Offset::from_seconds((hours * 3600.0) as i32).ok();
        return (body, off);
    }
    split_glued_offset(text)
}

/// `12:00:00.123+0100` or `12:00:00-05:00`.
fn split_glued_offset(text: &str) -> (&str, Option<Offset>) {
    let bytes = text.as_bytes();
    for len in [6usize, 5, 3] {
        if bytes.len() > len + 8 {
            let cut = bytes.len() - len;
            if !text.is_char_boundary(cut) {
                continue;
            }
            let (body, tail) = text.split_at(cut);
            if body.ends_with(|c: char| c.is_ascii_digit()) && body.contains(':') {
                if let Some(off) = parse_offset(tail) {
                    return (body, Some(off));
                }
            }
        }
    }
    (text, None)
}

fn parse_offset(s: &str) -> Option<Offset> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m) = match digits.len() {
        2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    if h > 14 || m > 59 {
        return None;
    }
    Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
}

/// Hours east of UTC for the common zone abbreviations.
fn abbreviation(word: &str) -> Option<f64> {
    Some(match word {
        "UTC" | "GMT" | "Z" | "UT" | "WET" => 0.0,
        "BST" | "CET" | "WEST" => 1.0,
        "CEST" | "EET" => 2.0,
        "EEST" | "MSK" => 3.0,
        "IST" => 5.5,
        "MDT" => -6.0,
        "JST" | "KST" => 9.0,
        "AEST" => 10.0,
        "AEDT" => 11.0,
        "EST" => -5.0,
        "EDT" => -4.0,
        "CDT" => -5.0,
        "CST" => -6.0,
        "MST" => -7.0,
        "PDT" => -7.0,
        "PST" => -8.0,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_at(reference: &str) -> TimeCtx {
        TimeCtx {
            zone: TimeZone::UTC,
            reference: Some(reference.parse().unwrap()),
        }
    }

    #[test]
    fn shapes_real_software_writes() {
        let ctx = ctx_at("2026-12-04T15:41:14Z");
        let p = TimeParser::new();
        let cases = [
            // (source, text, expected UTC)
            ("pino epoch ms", "1764862501123", "2025-12-04T15:35:01.123Z"),
            (
                "rfc3339",
                "2026-12-04T15:35:01.003Z",
                "2026-12-04T15:35:01.003Z",
            ),
            (
                "postgres prefix %m",
                "2026-12-04 15:35:01.123 UTC",
                "2026-12-04T15:35:01.123Z",
            ),
            (
                "nginx access",
                "04/Dec/2026:15:35:01 +0000",
                "2026-12-04T15:35:01Z",
            ),
            ("nginx error", "2026/12/04 15:35:01", "2026-12-04T15:35:01Z"),
            (
                "redis",
                "04 Dec 2026 15:35:01.123",
                "2026-12-04T15:35:01.123Z",
            ),
            ("syslog", "Dec  4 15:35:01", "2026-12-04T15:35:01Z"),
            (
                "log4j comma",
                "2015-10-18 18:01:47,978",
                "2015-10-18T18:01:47.978Z",
            ),
            ("hdfs", "081109 203615", "2008-11-09T20:36:15Z"),
            (
                "bgl",
                "2005-06-03-15.42.50.675872",
                "2005-06-03T15:42:50.675872Z",
            ),
            ("spark", "17/06/09 20:10:40", "2017-06-09T20:10:40Z"),
            (
                "apache error",
                "Sun Dec 04 04:47:44 2005",
                "2005-12-04T04:47:44Z",
            ),
            (
                "offset +0100",
                "2026-12-04 16:35:01 +0100",
                "2026-12-04T15:35:01Z",
            ),
            (
                "glued offset",
                "2026-12-04T10:35:01.5-05:00",
                "2026-12-04T15:35:01.5Z",
            ),
            ("abbrev", "2026-12-04 07:35:01 PST", "2026-12-04T15:35:01Z"),
        ];
        for (what, text, want) in cases {
            let got = p
                .parse(text, &ctx)
                .unwrap_or_else(|| panic!("{what}: {text}"));
            assert_eq!(
                got.ts.to_string(),
                want.trim_end_matches('Z').to_string() + "Z",
                "{what}"
            );
        }
    }

    #[test]
    fn syslog_no_year_across_new_year() {
        let ctx = ctx_at("2027-01-02T03:00:00Z");
        let p = TimeParser::new();
        let dec = p.parse("Dec 31 23:59:59", &ctx).unwrap();
        assert_eq!(dec.ts.to_string(), "2026-12-31T23:59:59Z");
        assert!(dec.year_inferred);
        let jan = p.parse("Jan  2 01:00:00", &ctx).unwrap();
        assert_eq!(jan.ts.to_string(), "2027-01-02T01:00:00Z");
    }

    #[test]
    fn zone_assumed_is_reported() {
        let ctx = TimeCtx {
            zone: TimeZone::fixed(jiff::tz::offset(2)),
            reference: None,
        };
        let got = TimeParser::new()
            .parse("2026-12-04 17:35:01", &ctx)
            .unwrap();
        assert!(got.zone_assumed);
        assert_eq!(got.ts.to_string(), "2026-12-04T15:35:01Z");
        assert_eq!(
            TimeParser::new().parse("Dec  4 15:35:01", &ctx),
            None,
            "no year, no reference"
        );
    }
}
