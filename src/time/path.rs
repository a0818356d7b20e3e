//! Times carried by file and folder names, such as
//! `top-20261204T153439Z.txt` or `postgres/2026-12-04_153859/`.
//!
//! # Limitations
//! Names without a zone are read as UTC; a name holding only a date gives
//! midnight of that date.

use jiff::{civil, tz::TimeZone, Timestamp};
use regex::Regex;
use std::sync::LazyLock;

static PATH_TIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<y>20\d{2}) -? (?P<mo>[01]\d) -? (?P<d>[0-3]\d)   # date
        (?: [T_\-\ ]? (?P<h>[0-2]\d) [:\-]? (?P<mi>[0-5]\d)   # hour, minute
            (?: [:\-]? (?P<s>[0-5]\d) )? )?                  # seconds
        (?P<z>Z)?
        (?: [^0-9] | $ )",
    )
    .unwrap()
});

/// The most specific time written in a path's components, deepest first.
///
/// ```
/// let t = outsidein::time::from_path("sys/top/top-20261204T153439Z.txt").unwrap();
/// assert_eq!(t.to_string(), "2026-12-04T15:34:39Z");
/// ```
pub fn from_path(path: &str) -> Option<Timestamp> {
    for comp in path.rsplit('/') {
        let mut best: Option<(usize, Timestamp)> = None;
        for c in PATH_TIME.captures_iter(comp) {
            let num = |k: &str| c.name(k).and_then(|m| m.as_str().parse::<i32>().ok());
            let (y, mo, d) = (num("y")?, num("mo")?, num("d")?);
            let (h, mi, s) = (num("h"), num("mi"), num("s"));
            let precision = [h, mi, s].iter().filter(|x| x.is_some()).count();
            let Ok(dt) = civil::DateTime::new(
                y as i16,
                mo as i8,
                d as i8,
                h.unwrap_or(0) as i8,
                mi.unwrap_or(0) as i8,
                s.unwrap_or(0) as i8,
                0,
            ) else {
                continue;
            };
            let Ok(ts) = dt.to_zoned_datetime(TimeZone::UTC).map(|z| z.timestamp()) else {
                continue;
            };
            if best.is_none_or(|(p, _)| precision > p) {
                best = Some((precision, ts));
            }
        }
        if let Some((_, ts)) = best {
            return Some(ts);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::from_path;

    #[test]
    fn snapshot_folder_names() {
        let cases = [
            (
                "postgres/2026-12-04_153859/pg_stat_activity.txt",
                "2026-12-04T15:38:59Z",
            ),
            (
                "sb_shop-prod-03_20261204_154114/config/nginx.conf",
                "2026-12-04T15:41:14Z",
            ),
            (
                "logs/nginx/access.log-2026-12-04.gz",
                "2026-12-04T00:00:00Z",
            ),
            ("x/free-20261204T153439Z.txt", "2026-12-04T15:34:39Z"),
        ];
        for (p, want) in cases {
            assert_eq!(
                from_path(p).map(|t| t.to_string()).as_deref(),
                Some(want),
                "{p}"
            );
        }
        assert_eq!(from_path("logs/app/api.log"), None);
    }
}
