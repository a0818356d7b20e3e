//! Fixed-position reading of the time shapes the busiest logs write, with
//! the same result as [`TimeParser`](super::TimeParser) (the flags
//! included), for a fraction of its cost: digits read in place, the civil
//! date turned into days since 1970 by arithmetic (once a day: the last
//! date read is kept with its answer), no allocation.
//!
//! Shapes: ISO 8601 (`T` or space, an optional fraction of up to nine
//! digits, then `Z`, `+HH:MM`, `+HHMM`, ` UTC`, ` GMT` or no zone), HDFS's
//! `081109 203615`, BGL's `2005-06-03-15.42.50.675872`, Spark's
//! `17/06/09 20:10:40`, syslog's `Dec 10 06:55:46` (year inferred), nginx's
//! `04/Dec/2026:15:39:02 +0000`, and epoch seconds, milliseconds and
//! microseconds of 10, 13 and 16 digits. [`FastTime::parse`] answers
//! `None` for anything else, and for any doubt (a value out of range, a
//! date that does not exist): the general parser then decides.
//!
//! # Limitations
//! - Only an assumed zone (`--timezone`) that is UTC or a fixed offset is
//!   handled here; with a named zone (`Europe/Paris`), texts without a
//!   zone of their own go to the general parser.
//! - Epoch numbers with a fraction or of 9, 12, 15, 18 or 19 digits, two-
//!   digit years from 69, leap seconds and zone names other than UTC and
//!   GMT go to the general parser.

use super::{Parsed, TimeCtx};
use jiff::Timestamp;

/// What the context tells, read once: the assumed zone's offset and the
/// collection time on that zone's clock; and the last date read.
#[derive(Debug, Clone)]
pub struct FastTime {
    /// Seconds east of UTC of the assumed zone, when it is fixed.
    offset: Option<i64>,
    /// The collection time on the assumed zone's clock: year, and
    /// nanoseconds since 1970 of that civil time.
    reference: Option<(i64, i128)>,
    /// The last date read, as `yyyymmdd`, and its start in seconds since
    /// 1970: a log's lines share their day, whose checks and arithmetic
    /// are then done once (-1: none yet).
    day: std::cell::Cell<(i64, i64)>,
}

const NANOS: i128 = 1_000_000_000;

impl FastTime {
    pub fn new(ctx: &TimeCtx) -> FastTime {
        let offset = ctx.zone.to_fixed_offset().ok().map(|o| o.seconds() as i64);
        let reference = match (offset, ctx.reference) {
            (Some(off), Some(r)) => {
                let local = r.as_nanosecond() + off as i128 * NANOS;
                let days = local.div_euclid(86_400 * NANOS) as i64;
                Some((civil_from_days(days).0, local))
            }
            _ => None,
        };
        FastTime {
            offset,
            reference,
            day: std::cell::Cell::new((-1, 0)),
        }
    }

    /// `text` read as [`TimeParser`](super::TimeParser) reads it, or `None`
    /// when it is not one of the shapes known here.
    pub fn parse(&self, text: &str) -> Option<Parsed> {
        let b = text.as_bytes();
        match b.first()? {
            b'0'..=b'9' => {}
            b'A'..=b'Z' => return self.syslog(b),
            _ => return None,
        }
        if b.len() >= 19 && b[4] == b'-' && b[7] == b'-' {
            if b[10] == b'-' {
                return self.bgl(b);
            }
            return self.iso(b);
        }
        match b.len() {
            10 | 13 | 16 if b.iter().all(u8::is_ascii_digit) => epoch(b),
            13 if b[6] == b' ' => self.hdfs(b),
            17 if b[2] == b'/' => self.spark(b),
            26 if b[2] == b'/' => self.nginx(b),
            _ => None,
        }
    }

    /// [`date`], the last date's answer kept.
    #[inline]
    fn date(&self, y: i64, m: i64, d: i64) -> Option<i64> {
        // One per date: months and days have two digits at most, years
        // are not negative.
        let key = y * 10_000 + m * 100 + d;
        let (last, secs) = self.day.get();
        if key == last {
            return Some(secs);
        }
        let secs = date(y, m, d)?;
        self.day.set((key, secs));
        Some(secs)
    }

    /// nginx and Apache access: `04/Dec/2026:15:39:02 +0000`.
    fn nginx(&self, b: &[u8]) -> Option<Parsed> {
        if b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
            return None;
        }
        let date = self.date(num(b, 7, 4)?, month(&b[3..6])?, num(b, 0, 2)?)?;
        let secs = date + clock(b, 12, b':')?;
        let offset = offset(b[21], &b[22..26])?;
        exact(secs - offset, 0)
    }

    /// A civil time with no zone, on the assumed zone's clock.
    fn assumed(&self, secs: i64, nanos: i32, year_inferred: bool) -> Option<Parsed> {
        let ts = Timestamp::new(secs - self.offset?, nanos).ok()?;
        Some(Parsed {
            ts,
            zone_assumed: true,
            year_inferred,
        })
    }

    /// `2026-12-04T15:35:01.123Z`, `2026-12-04 15:35:01.123 UTC`, ...
    fn iso(&self, b: &[u8]) -> Option<Parsed> {
        if b[10] != b'T' && b[10] != b' ' {
            return None;
        }
        let date = self.date(num(b, 0, 4)?, num(b, 5, 2)?, num(b, 8, 2)?)?;
        let secs = date + clock(b, 11, b':')?;
        let (nanos, rest) = fraction(b, 19)?;
        let offset = match &b[rest..] {
            [] => return self.assumed(secs, nanos, false),
            b"Z" | b" UTC" | b" GMT" => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]
            | [sign @ (b'+' | b'-'), h1, h2, m1, m2] => offset(*sign, &[*h1, *h2, *m1, *m2])?,
            _ => return None,
        };
        exact(secs - offset, nanos)
    }

    /// BGL: `2005-06-03-15.42.50.675872`, no zone.
    fn bgl(&self, b: &[u8]) -> Option<Parsed> {
        let date = self.date(num(b, 0, 4)?, num(b, 5, 2)?, num(b, 8, 2)?)?;
        let secs = date + clock(b, 11, b'.')?;
        let (nanos, rest) = fraction(b, 19)?;
        (rest == b.len()).then_some(())?;
        self.assumed(secs, nanos, false)
    }

    /// HDFS: `081109 203615`, no zone.
    fn hdfs(&self, b: &[u8]) -> Option<Parsed> {
        let date = self.date(two_digit_year(num(b, 0, 2)?)?, num(b, 2, 2)?, num(b, 4, 2)?)?;
        let (h, m, s) = (num(b, 7, 2)?, num(b, 9, 2)?, num(b, 11, 2)?);
        self.assumed(date + hms(h, m, s)?, 0, false)
    }

    /// Spark: `17/06/09 20:10:40`, no zone.
    fn spark(&self, b: &[u8]) -> Option<Parsed> {
        if b[5] != b'/' || b[8] != b' ' {
            return None;
        }
        let date = self.date(two_digit_year(num(b, 0, 2)?)?, num(b, 3, 2)?, num(b, 6, 2)?)?;
        self.assumed(date + clock(b, 9, b':')?, 0, false)
    }

    /// syslog: `Dec 10 06:55:46` or `Dec  4 06:55:46`, no year and no
    /// zone: the year is the collection time's, or the one before for a
    /// date more than a day past it.
    fn syslog(&self, b: &[u8]) -> Option<Parsed> {
        if b.len() != 15 || b[3] != b' ' || b[6] != b' ' {
            return None;
        }
        let month = month(&b[..3])?;
        let day = match b[4] {
            b' ' => num(b, 5, 1)?,
            _ => num(b, 4, 2)?,
        };
        let time = clock(b, 7, b':')?;
        let (year, reference) = self.reference?;
        let mut secs = self.date(year, month, day)? + time;
        if secs as i128 * NANOS > reference + 86_400 * NANOS {
            secs = self.date(year - 1, month, day)? + time;
        }
        self.assumed(secs, 0, true)
    }
}

/// Where the minutes and seconds of a text [`FastTime`] read lie, and
/// what it read as at the hour's start: the other texts of its hour (the
/// same but for the digits of the minutes, seconds and fraction) read as
/// `base` plus their seconds into the hour, the fraction's digits as the
/// nanoseconds, the flags unchanged.
#[derive(Debug, Clone, Copy)]
pub struct Hour {
    /// Byte of the first of the two digits of the minutes.
    pub min_at: usize,
    /// Byte of the first of the two digits of the seconds.
    pub sec_at: usize,
    /// Digits of the fraction after the `.` that follows the seconds (0:
    /// no fraction).
    pub digits: usize,
    /// The seconds into the hour it is read for, from the first to the
    /// second, both included: all of them, but for a syslog time whose
    /// year changes within the hour (the collection time a day past it),
    /// the side of it that the text read was on; none past
    /// [`Timestamp::MAX`].
    pub within: (i64, i64),
    /// Seconds since 1970 at the hour's start.
    pub base: i64,
    pub zone_assumed: bool,
    pub year_inferred: bool,
}

impl FastTime {
    /// The [`Hour`] of `text`, which this reader read as `p`; `None` for
    /// an epoch number, or a time before 1970 (its nanoseconds count
    /// down).
    pub fn hour(&self, text: &str, p: &Parsed) -> Option<Hour> {
        let b = text.as_bytes();
        let (min_at, sec_at) = match b.first()? {
            b'A'..=b'Z' => (10, 13),
            _ if b.len() >= 19 && b[4] == b'-' && b[7] == b'-' => (14, 17),
            _ => match b.len() {
                13 if b[6] == b' ' => (9, 11),
                17 if b[2] == b'/' => (12, 15),
                26 if b[2] == b'/' => (15, 18),
                _ => return None,
            },
        };
        let digits = match b.get(sec_at + 2) {
            Some(b'.') => b[sec_at + 3..]
                .iter()
                .take_while(|d| d.is_ascii_digit())
                .count(),
            _ => 0,
        };
        let into = num(b, min_at, 2)? * 60 + num(b, sec_at, 2)?;
        let base = p.ts.as_second() - into;
        if base < 0 || p.ts.subsec_nanosecond() < 0 {
            return None;
        }
        let mut within = (0, 3599);
        if p.year_inferred {
            // The year the text read in: the one before where its second
            // is more than a day past the collection time (`syslog`).
            let (year, reference) = self.reference?;
            let last = (reference + 86_400 * NANOS).div_euclid(NANOS) as i64;
            let day = match b[4] {
                b' ' => num(b, 5, 1)?,
                _ => num(b, 4, 2)?,
            };
            let start = self.date(year, month(&b[..3])?, day)? + num(b, 7, 2)? * 3600;
            within = if start + into > last {
                ((last - start + 1).max(0), 3599)
            } else {
                (0, (last - start).min(3599))
            };
        }
        // Past the last second a timestamp has, none is read from the hour.
        within.1 = within.1.min(Timestamp::MAX.as_second() - base);
        Some(Hour {
            min_at,
            sec_at,
            digits,
            within,
            base,
            zone_assumed: p.zone_assumed,
            year_inferred: p.year_inferred,
        })
    }
}

/// A time whose text carried its zone.
fn exact(secs: i64, nanos: i32) -> Option<Parsed> {
    Some(Parsed {
        ts: Timestamp::new(secs, nanos).ok()?,
        zone_assumed: false,
        year_inferred: false,
    })
}

/// Epoch seconds, milliseconds or microseconds by their digits, from 1990
/// to 2100 as the general parser takes them.
fn epoch(b: &[u8]) -> Option<Parsed> {
    let n = num(b, 0, b.len())?;
    let (secs, nanos) = match b.len() {
        10 => (n, 0),
        13 => (n / 1000, (n % 1000) * 1_000_000),
        _ => (n / 1_000_000, (n % 1_000_000) * 1000),
    };
    // 1990-01-01 and 2101-01-01.
    if !(631_152_000..4_133_980_800).contains(&secs) {
        return None;
    }
    exact(secs, nanos as i32)
}

/// `len` ASCII digits at `at` as a number.
fn num(b: &[u8], at: usize, len: usize) -> Option<i64> {
    let digits = b.get(at..at + len)?;
    digits.iter().try_fold(0i64, |n, d| {
        d.is_ascii_digit().then(|| n * 10 + (d - b'0') as i64)
    })
}

/// `HH:MM:SS` (with `sep` between) at `at`, as seconds into the day.
fn clock(b: &[u8], at: usize, sep: u8) -> Option<i64> {
    if b.get(at + 2) != Some(&sep) || b.get(at + 5) != Some(&sep) {
        return None;
    }
    hms(num(b, at, 2)?, num(b, at + 3, 2)?, num(b, at + 6, 2)?)
}

fn hms(h: i64, m: i64, s: i64) -> Option<i64> {
    (h < 24 && m < 60 && s < 60).then_some(h * 3600 + m * 60 + s)
}

/// An optional `.` and one to nine digits at `at`: nanoseconds, and where
/// the text goes on. The digits are read as they are counted, in one pass
/// (counting them first and reading them after was half of reading a BGL
/// time).
fn fraction(b: &[u8], at: usize) -> Option<(i32, usize)> {
    if b.get(at) != Some(&b'.') {
        return Some((0, at));
    }
    let (mut n, mut k) = (0i32, 0);
    for &d in &b[at + 1..] {
        let v = d.wrapping_sub(b'0');
        if v > 9 {
            break;
        }
        if k == 9 {
            // A tenth digit.
            return None;
        }
        n = n * 10 + i32::from(v);
        k += 1;
    }
    (k > 0).then(|| (n * SCALE[k], at + 1 + k))
}

/// Nanoseconds of one unit of the last of `k` digits of a fraction, by
/// `k`.
pub(crate) const SCALE: [i32; 10] = [
    0,
    100_000_000,
    10_000_000,
    1_000_000,
    100_000,
    10_000,
    1_000,
    100,
    10,
    1,
];

/// `+HHMM` as seconds east of UTC, within the bounds the general parser
/// takes.
fn offset(sign: u8, hhmm: &[u8]) -> Option<i64> {
    let (h, m) = (num(hhmm, 0, 2)?, num(hhmm, 2, 2)?);
    if h > 14 || m > 59 {
        return None;
    }
    let secs = h * 3600 + m * 60;
    match sign {
        b'+' => Some(secs),
        b'-' => Some(-secs),
        _ => None,
    }
}

/// A two-digit year as `%y` reads it, where that gives 1970 or later.
fn two_digit_year(yy: i64) -> Option<i64> {
    (yy <= 68).then_some(2000 + yy)
}

fn month(name: &[u8]) -> Option<i64> {
    const NAMES: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    NAMES
        .iter()
        .position(|n| n.as_slice() == name)
        .map(|i| i as i64 + 1)
}

/// Seconds from 1970-01-01 to the start of the day, for a date that
/// exists, from 1970 to 9999.
fn date(y: i64, m: i64, d: i64) -> Option<i64> {
    if !(1970..=9999).contains(&y) || !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days_in = [31, 28 + leap as i64, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if d > days_in[m as usize - 1] {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day since 1970-01-01: year, month, day.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::{corpus, Registry};
    use crate::time::TimeParser;
    use jiff::tz::TimeZone;

    /// The time texts of the corpus lines (as each format's regex or
    /// structured reader cuts them), and mutations of them: every digit
    /// made a letter or a 9, cuts, out-of-range fields.
    fn texts() -> Vec<String> {
        let registry = Registry::default();
        let mut texts = std::collections::BTreeSet::new();
        for line in corpus::all_lines(&registry) {
            for f in registry.formats() {
                if let Some(t) = f.parse_slow(&line).and_then(|f| f.time) {
                    texts.insert(t.into_owned());
                }
            }
        }
        let mut shapes: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for t in &texts {
            let shape = t.replace(|c: char| c.is_ascii_digit(), "0");
            shapes.entry(shape).or_default().push(t.clone());
        }
        let mut out: Vec<String> = texts.iter().cloned().collect();
        for some in shapes.values() {
            for t in some.iter().take(3) {
                for (i, c) in t.char_indices().filter(|(_, c)| c.is_ascii_digit()) {
                    let rest = &t[i + c.len_utf8()..];
                    out.push(format!("{}9{rest}", &t[..i]));
                    out.push(format!("{}x{rest}", &t[..i]));
                }
                out.extend(t.char_indices().skip(1).map(|(i, _)| t[..i].to_string()));
                out.push(format!(" {t}"));
                out.push(format!("[{t}]"));
            }
        }
        for t in [
            "2026-02-29T10:00:00Z",
            "2024-02-29 10:00:00.5 UTC",
            "2026-04-31T10:00:00Z",
            "2026-12-04T24:00:00Z",
            "2026-12-04T23:59:60Z",
            "2026-12-04T10:00:00.1234567891Z",
            "2026-12-04T10:00:00+15:00",
            "2026-12-04T10:00:00-14:59",
            "2026-12-04T10:00:00+0530",
            "2026-12-04 10:00:00 PST",
            "2026-12-04 10:00:00 GMT",
            "1969-12-31T23:59:59Z",
            "690101 000000",
            "681231 235959",
            "700101 000000",
            "69/01/01 00:00:00",
            "Feb 29 10:00:00",
            "Jan  1 00:00:00",
            "Dec 31 23:59:59",
            "Dec  5 16:23:45",
            "Dec  5 16:23:46",
            "dec 05 16:23:46",
            "29/Feb/2024:10:00:00 -0700",
            "04/Dec/2026:15:39:02 +1400",
            "04/Dec/2026:15:39:02 +1500",
            "0631151999",
            "0631152000",
            "4133980799",
            "4133980800",
            "9999999999999",
            "1764862509453",
            "1764862501000000",
        ] {
            out.push(t.to_string());
        }
        out
    }

    /// On every text it reads, the fast reader gives what the general
    /// parser gives, flags included, for UTC and a fixed offset, with and
    /// without a collection time (one just after New Year), and reads the
    /// shapes of the busiest logs.
    #[test]
    fn same_as_the_general_parser() {
        let texts = texts();
        assert!(texts.len() > 5000, "{} texts", texts.len());
        let contexts = [
            TimeCtx {
                reference: Some("2026-12-04T16:23:45Z".parse().unwrap()),
                ..TimeCtx::default()
            },
            TimeCtx {
                zone: TimeZone::fixed(jiff::tz::offset(2)),
                reference: Some("2026-12-31T23:30:00Z".parse().unwrap()),
            },
            TimeCtx {
                zone: TimeZone::fixed(jiff::tz::Offset::from_seconds(-(9 * 3600 + 1800)).unwrap()),
                reference: Some("2027-01-01T01:00:00Z".parse().unwrap()),
            },
            TimeCtx::default(),
        ];
        for ctx in &contexts {
            let fast = FastTime::new(ctx);
            let mut read = 0;
            for t in &texts {
                if let Some(got) = fast.parse(t) {
                    let want = TimeParser::new().parse(t, ctx);
                    assert_eq!(Some(got), want, "{t:?} in {ctx:?}");
                    read += 1;
                }
            }
            assert!(read > 1500, "{read} read of {}", texts.len());
        }
        let ctx = &contexts[0];
        let fast = FastTime::new(ctx);
        for t in [
            "081109 203615",
            "2005-06-03-15.42.50.675872",
            "17/06/09 20:10:40",
            "Dec 10 06:55:46",
            "Dec  4 06:55:46",
            "04/Dec/2026:15:39:02 +0000",
            "2026-12-04 16:18:20.006 UTC",
            "2026-12-04T16:18:23.341Z",
            "2026-12-04T15:36:22.081538+00:00",
            "1764862509453",
        ] {
            assert!(fast.parse(t).is_some(), "{t} not read");
        }
    }
}
