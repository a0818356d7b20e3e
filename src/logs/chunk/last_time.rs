//! The time text of the line before, kept by the framer so that a
//! header's time is read again only where it changed, and then often
//! from the hour of the line before.
//!
//! # Limitations
//! - A time text is read from the line before's only when the two are
//!   the same, or differ in the digits of the minutes, seconds and
//!   fraction of a text of 8 to 32 bytes that [`FastTime`] read (its
//!   hour's): a longer text (ISO 8601 with nanoseconds and an offset) is
//!   read whole unless it repeats, and the first text of each hour costs
//!   more than before (where its digits lie is found). Framing the first
//!   200,000 lines of the 140 MB test files takes fewer instructions
//!   than with the fraction alone read from the line before (callgrind,
//!   ingest bench, one thread): OpenSSH 7.5%, HDFS 6.8%, BGL 3.0% (its
//!   hour changes on 23% of its lines), nginx 2.6%, Spark 3.4%, Postgres
//!   2.1%.

use crate::time::{FastTime, Hour, TimeCtx, TimeParser};

/// The time text of the line before and what it read as: lines of one
/// second (or millisecond) repeat it, and reading it again would give the
/// same result, since the parser tries the shape that read it first. A new
/// text is read by [`FastTime`] where it knows the shape, by the general
/// parser otherwise; one of 8 to 32 bytes that differs from a text
/// [`FastTime`] read only in the digits of its minutes, seconds and
/// fraction (`2026-12-04 16:19:21.006 UTC` after `16:18:20.001 UTC`) is
/// of the same hour: those digits alone are read, on the hour's answer
/// ([`Hour`]).
pub(super) struct LastTime {
    /// The last text, where it has 8 to 32 bytes: then its bytes are
    /// compared as two numbers, and `text` is not kept.
    ends: Option<Ends>,
    /// The last text, where it is shorter or longer.
    text: String,
    parsed: Option<crate::time::Parsed>,
    /// The hour of the last text, where [`FastTime`] read it and it has
    /// 8 to 32 bytes, with the [`Ends`] of a text of its length whose
    /// bytes are all ones where the hour's texts may differ, zeros
    /// elsewhere.
    hour: Option<(Hour, Ends)>,
    fast: FastTime,
}

/// A text of 8 to 32 bytes as its length, its first 16 bytes and its last
/// 16 (8 and 8 for one shorter than 16), which together cover it.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Ends {
    len: usize,
    head: u128,
    tail: u128,
}

impl Ends {
    #[inline(always)]
    fn of(b: &[u8]) -> Option<Ends> {
        let len = b.len();
        let (head, tail) = if len >= 16 {
            let head = u128::from_le_bytes(*b.first_chunk::<16>()?);
            (head, u128::from_le_bytes(*b.last_chunk::<16>()?))
        } else {
            let head = u64::from_le_bytes(*b.first_chunk::<8>()?);
            (
                head.into(),
                u64::from_le_bytes(*b.last_chunk::<8>()?).into(),
            )
        };
        (len <= 32).then_some(Ends { len, head, tail })
    }

    /// Whether `self` and `other` differ at most in the bytes where
    /// `vary` has ones.
    #[inline(always)]
    fn same_but(&self, other: &Ends, vary: &Ends) -> bool {
        self.len == other.len
            && (self.head ^ other.head) & !vary.head == 0
            && (self.tail ^ other.tail) & !vary.tail == 0
    }
}

impl LastTime {
    pub(super) fn new(ctx: &TimeCtx) -> Self {
        LastTime {
            ends: None,
            text: String::new(),
            parsed: None,
            hour: None,
            fast: FastTime::new(ctx),
        }
    }

    /// `text` as a time, from the line before's where it can. Inlined
    /// into the framer: called apart, its answer went back through memory,
    /// written in pieces and read whole at once, a stall that was a fifth
    /// of its time (perf).
    #[inline(always)]
    pub(super) fn parse(
        &mut self,
        text: &str,
        times: &TimeParser,
        ctx: &TimeCtx,
    ) -> Option<crate::time::Parsed> {
        let Some(ends) = Ends::of(text.as_bytes()) else {
            return self.parse_other(text, times, ctx);
        };
        if self.ends == Some(ends) {
            return self.parsed;
        }
        let parsed = match self.same_hour(text.as_bytes(), &ends) {
            Some(p) => Some(p),
            None => self.read(text, times, ctx),
        };
        self.ends = Some(ends);
        self.parsed = parsed;
        parsed
    }

    /// [`Self::parse`] of a text shorter than 8 bytes or longer than 32.
    #[inline(never)]
    fn parse_other(
        &mut self,
        text: &str,
        times: &TimeParser,
        ctx: &TimeCtx,
    ) -> Option<crate::time::Parsed> {
        if self.ends.is_none() && same_text(&self.text, text) && !self.text.is_empty() {
            return self.parsed;
        }
        self.parsed = self.read(text, times, ctx);
        self.ends = None;
        self.text.clear();
        self.text.push_str(text);
        self.parsed
    }

    /// `text` read anew, and its hour kept.
    #[inline(never)]
    fn read(
        &mut self,
        text: &str,
        times: &TimeParser,
        ctx: &TimeCtx,
    ) -> Option<crate::time::Parsed> {
        let fast = self.fast.parse(text);
        let last = self.hour.take();
        self.hour = fast.and_then(|p| {
            let hour = self.fast.hour(text, &p)?;
            // The bytes that vary are those of the hour before, where its
            // text had the same shape.
            if let Some((h, vary)) = last {
                let key = |h: &Hour| (h.min_at, h.sec_at, h.digits);
                if key(&h) == key(&hour) && vary.len == text.len() {
                    return Some((hour, vary));
                }
            }
            let mut vary = [0u8; 32];
            let fraction = hour.sec_at + 3..hour.sec_at + 3 + hour.digits;
            for at in [hour.min_at, hour.min_at + 1, hour.sec_at, hour.sec_at + 1]
                .into_iter()
                .chain(fraction)
            {
                *vary.get_mut(at)? = 0xff;
            }
            Some((hour, Ends::of(vary.get(..text.len())?)?))
        });
        fast.or_else(|| times.parse(text, ctx))
    }

    /// `b` (its [`Ends`] `ends`) read from the hour of the last text,
    /// where the two differ only in the digits of the minutes, seconds and
    /// fraction: the shape, the hour and the zone are the same, and
    /// [`FastTime`] would read the seconds into the hour and the
    /// nanoseconds from those digits alone.
    #[inline(always)]
    fn same_hour(&self, b: &[u8], ends: &Ends) -> Option<crate::time::Parsed> {
        let (h, vary) = self.hour.as_ref()?;
        if !ends.same_but(self.ends.as_ref()?, vary) {
            return None;
        }
        let (m, s) = (two_digits(b, h.min_at)?, two_digits(b, h.sec_at)?);
        let into = m * 60 + s;
        if m > 59 || s > 59 || into < h.within.0 || into > h.within.1 {
            return None;
        }
        let mut nanos = 0;
        if h.digits > 0 {
            for &d in b.get(h.sec_at + 3..h.sec_at + 3 + h.digits)? {
                let v = d.wrapping_sub(b'0');
                (v <= 9).then_some(())?;
                nanos = nanos * 10 + i32::from(v);
            }
            nanos *= crate::time::FRACTION_SCALE[h.digits];
        }
        // In range: `within` stops at the last second there is.
        let ts = jiff::Timestamp::constant(h.base + into, nanos);
        Some(crate::time::Parsed {
            ts,
            zone_assumed: h.zone_assumed,
            year_inferred: h.year_inferred,
        })
    }
}

/// The two ASCII digits at `at` in `b` as a number.
#[inline(always)]
fn two_digits(b: &[u8], at: usize) -> Option<i64> {
    let [a, b] = *b.get(at..at + 2)?.first_chunk::<2>()?;
    let (a, b) = (a.wrapping_sub(b'0'), b.wrapping_sub(b'0'));
    (a <= 9 && b <= 9).then(|| i64::from(a * 10 + b))
}

/// `a == b`, their last eight bytes compared first: where a log's time
/// has a fraction, the text changes at its end from one line to the next,
/// and memcmp over the whole of it showed in perf (2% to 3% of BGL).
#[inline]
fn same_text(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    if let (Some(x), Some(y)) = (a.last_chunk::<8>(), b.last_chunk::<8>()) {
        if x != y {
            return false;
        }
    }
    a == b
}

#[cfg(test)]
mod tests {
    use super::{same_text, Ends, LastTime};
    use crate::time::{FastTime, TimeCtx, TimeParser};

    /// A time that differs from the one before in the digits of its
    /// minutes, seconds and fraction alone is read from its hour, as the
    /// parsers read it; any other difference, or a text the fast reader
    /// does not read, is read anew. A syslog time is read from its hour
    /// on the side of the collection time (a day on) that the hour's text
    /// was on, whatever the fraction of the collection time's second.
    /// Texts shorter than 8 bytes or longer than 32 are read anew unless
    /// the same as the one before.
    #[test]
    fn last_time_same_hour() {
        let texts = [
            "2026-12-04 16:18:20.006 UTC",
            "2026-12-04 16:18:20.019 UTC",
            "2026-12-04 16:18:20.019 UTC",
            "2026-12-04 16:18:20.9x9 UTC",
            "2026-12-04 16:18:20.999 UTC",
            "2026-12-04 16:18:21.000 UTC",
            "2026-12-04 16:18:59.000 UTC",
            "2026-12-04 16:18:60.000 UTC",
            "2026-12-04 16:18:0x.000 UTC",
            "2026-12-04 16:5x:00.000 UTC",
            "2026-12-04 16:59:59.999 UTC",
            "2026-12-04 16:60:00.000 UTC",
            "2026-12-04 16:00:00.000 UTC",
            "2026-12-04 16:18:21.000 GMT",
            "2026-12-04 16:18:21.001+01:00",
            "2026-12-04 16:18:29.002+01:00",
            "2026-12-04 16:19:29.002+01:00",
            "2026-12-04 16:19:29,002+01:00",
            "2005-06-03-15.42.50.675872",
            "2005-06-03-15.42.50.000001",
            "2005-06-03-15.42.50.999999",
            "2005-06-03-15.42.51.999999",
            "2005-06-03-15.42.09.999999",
            "2005-06-03-15.43.09.999999",
            "1970-01-01T00:00:00.5+01:00",
            "1970-01-01T00:00:00.7+01:00",
            "1970-01-01T01:00:00.7+01:00",
            "1970-01-01T01:00:01.7+01:00",
            "2026-12-04T16:18:20.123456789Z",
            "2026-12-04T16:18:20.923456789Z",
            "2026-12-04T16:18:20.1234567891Z",
            "2026-12-04T16:18:20.9234567891Z",
            "2026-12-04T16:18:20Z",
            "2026-12-04T16:18:21Z",
            "9999-12-31T23:59:58Z",
            "9999-12-31T23:59:59Z",
            "081109 203615",
            "081109 203659",
            "081109 203660",
            "081109 2036 5",
            "17/06/09 20:10:40",
            "17/06/09 20:10:41",
            "04/Dec/2026:15:39:02 +0000",
            "04/Dec/2026:15:39:03 +0000",
            "04/Dec/2026:15:39:03 +0100",
            "1764862509453",
            "1764862509454",
            "2026-12-04T16:18:20.123456789+01:00",
            "2026-12-04T16:18:20.123456789+01:00",
            "2026-12-04T16:18:21.123456789+01:00",
            "7",
            "7",
            "Dec  5 16:23:44",
            "Dec  5 16:23:45",
            "Dec  5 16:23:46",
            "Dec  5 16:23:59",
            "Dec  5 16:23:10",
            "Dec  5 16:23:47",
            "Dec  5 16:59:59",
            "Dec  5 16:00:00",
            "Dec  5 16:23:45",
            "Dec  5 16:24:47",
            "Dec  5 16:24:00",
            "Dec  5 16:22:59",
            "Dec  5 16:22:00",
            "Feb 29 16:22:00",
            "Feb 29 16:22:01",
        ];
        let times = TimeParser::new();
        let mut all_hits = Vec::new();
        for reference in [
            None,
            Some("2026-12-04T16:23:45Z"),
            Some("2026-12-04T16:23:45.5Z"),
        ] {
            let ctx = TimeCtx {
                reference: reference.map(|r| r.parse().unwrap()),
                ..TimeCtx::default()
            };
            let fast = FastTime::new(&ctx);
            let mut last = LastTime::new(&ctx);
            let mut hits = 0;
            for (i, t) in texts.iter().enumerate() {
                if i > 0 && texts[i - 1] != *t {
                    hits += Ends::of(t.as_bytes())
                        .and_then(|e| last.same_hour(t.as_bytes(), &e))
                        .is_some() as usize;
                }
                let expected = fast.parse(t).or_else(|| times.parse(t, &ctx));
                assert_eq!(last.parse(t, &times, &ctx), expected, "{t} {reference:?}");
            }
            all_hits.push(hits);
        }
        assert_eq!(all_hits, [16, 22, 22]);
    }

    /// The time texts compared tail first are equal where `==` says so:
    /// texts shorter and longer than the tail, differing at every place.
    #[test]
    fn same_text_as_eq() {
        let base = "2005-06-03-15.42.50.675872";
        for len in 0..=base.len() {
            let a = &base[..len];
            assert!(same_text(a, a), "{a}");
            for at in 0..len {
                let mut b = a.as_bytes().to_vec();
                b[at] = b'x';
                let b = String::from_utf8(b).unwrap();
                assert_eq!(same_text(a, &b), a == b, "{a} {b}");
            }
            assert!(!same_text(a, base) || len == base.len(), "{a}");
        }
    }
}
