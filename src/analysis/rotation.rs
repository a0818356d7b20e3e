//! Rotated log files: `app.log`, `app.log.1`, `app.log.2.gz`,
//! `app.log-20261201`, `app.1.log` are one family, `app.log`, written in
//! turn. The family's base path is the source that signatures count, and
//! its order (oldest first) is the order of the files' records that carry
//! no time of their own.
//!
//! The names are those of logrotate (numbered, or `dateext` with
//! `-%Y%m%d`, `-%Y%m%d%H`, `-%Y-%m-%d` or `.%Y-%m-%d`), of Python's
//! `RotatingFileHandler` (`.N`) and `TimedRotatingFileHandler`
//! (`.%Y-%m-%d`), and of log4j/logback patterns that number before the
//! extension (`app.1.log`), and Kubernetes' `CONTAINER-previous.log` (the
//! run before the container's restart, as troubleshoot.sh saves it). A
//! higher number is older; an earlier date is older; the file without a
//! suffix is the newest.
//!
//! # Limitations
//! - A family that mixes dated and numbered names is ordered dated files
//!   first (by date), then numbered ones (highest first), then the current
//!   file; no tool writes both, so this is a guess.
//! - A number before the extension is read as a rotation only before
//!   `.log`, `.txt`, `.out`, `.err` and `.json` (`php7.4.log` would be
//!   taken for rotation 4 of `php7.log`).
//! - Only the suffixes above are known; size-and-time patterns such as
//!   logback's `app.2026-12-01.3.log` are read by their number only.

use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Where one file stands in its rotation family.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rotation {
    /// The family's base path: the newest file's name, `logs/app.log`.
    pub family: String,
    /// 0 for the newest file of the family present, 1 for the one
    /// before it, and so on.
    pub age: u32,
    /// How many files of the family the bundle holds.
    pub of: u32,
}

/// What a name says of its place: the current file, the Nth rotation, or
/// the rotation of a date (as `yyyymmddhh`, hour 0 when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Current,
    Numbered(u32),
    Dated(u64),
}

impl Mark {
    /// Sorts oldest first: dated (earliest first), numbered (highest
    /// first), then the current file.
    fn oldest_first(self) -> (u8, u64) {
        match self {
            Mark::Dated(d) => (0, d),
            Mark::Numbered(n) => (1, u64::from(u32::MAX - n)),
            Mark::Current => (2, 0),
        }
    }
}

static SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^(?P<base>.+?)
        (?:
            \.(?P<n>\d{1,4})                                 # app.log.1
          | [-.](?P<y>20\d\d)-?(?P<m>[01]\d)-?(?P<d>[0-3]\d)(?P<h>[0-2]\d)?  # app.log-20261201
        )$",
    )
    .unwrap()
});

static INFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<stem>.+?)\.(?P<n>\d{1,4})(?P<ext>\.(?:log|txt|out|err|json))$").unwrap()
});

/// Compression suffixes a kept entry may still carry (when the bundle
/// reader kept its name because the short one was taken).
const COMPRESSED: [&str; 5] = [".gz", ".xz", ".zst", ".bz2", ".zstd"];

/// The family base and mark a path's name says, if it names a rotation.
fn parse(path: &str) -> Option<(String, Mark)> {
    let mut name = path;
    if let Some(ext) = COMPRESSED.iter().find(|e| name.ends_with(*e)) {
        name = &name[..name.len() - ext.len()];
    }
    let (dir, file) = match name.rsplit_once('/') {
        Some((d, f)) => (format!("{d}/"), f),
        None => (String::new(), name),
    };
    if let Some(c) = SUFFIX.captures(file) {
        // The base must look like a log file name, not a bare number.
        let base = &c["base"];
        if base.contains('.') || base.chars().any(|ch| ch.is_ascii_alphabetic()) {
            let mark = match c.name("n") {
                Some(n) => Mark::Numbered(n.as_str().parse().ok()?),
                None => {
                    let h = c.name("h").map_or("00", |h| h.as_str());
                    let stamp = format!("{}{}{}{h}", &c["y"], &c["m"], &c["d"]);
                    Mark::Dated(stamp.parse().ok()?)
                }
            };
            return Some((format!("{dir}{base}"), mark));
        }
    }
    if let Some(stem) = file.strip_suffix("-previous.log") {
        // Kubernetes' log of a container's run before its restart.
        return Some((format!("{dir}{stem}.log"), Mark::Numbered(1)));
    }
    let c = INFIX.captures(file)?;
    let n = c["n"].parse().ok()?;
    Some((
        format!("{dir}{}{}", &c["stem"], &c["ext"]),
        Mark::Numbered(n),
    ))
}

/// The rotation of each path, in the order given: `None` for a file that
/// is not part of a family. A file with no suffix belongs to a family only
/// when a rotation of it is present.
pub fn families(paths: &[&str]) -> Vec<Option<Rotation>> {
    let marks: Vec<Option<(String, Mark)>> = paths.iter().map(|p| parse(p)).collect();
    let mut members: BTreeMap<String, Vec<(Mark, usize)>> = BTreeMap::new();
    for (i, m) in marks.iter().enumerate() {
        if let Some((base, mark)) = m {
            members.entry(base.clone()).or_default().push((*mark, i));
        }
    }
    for (i, p) in paths.iter().enumerate() {
        if let Some(v) = members.get_mut(*p) {
            if marks[i].is_none() {
                v.push((Mark::Current, i));
            }
        }
    }
    let mut out = vec![None; paths.len()];
    for (family, mut v) in members {
        v.sort_by_key(|&(mark, i)| (mark.oldest_first(), paths[i]));
        let of = v.len() as u32;
        for (rank, (_, i)) in v.into_iter().enumerate() {
            out[i] = Some(Rotation {
                family: family.clone(),
                age: of - 1 - rank as u32,
                of,
            });
        }
    }
    out
}

/// Numbered families with a hole: the rotations between the newest and
/// the oldest present whose files are missing (rotated away, or left out
/// of the bundle), as (family, missing numbers).
pub fn missing(paths: &[&str]) -> Vec<(String, Vec<u32>)> {
    let mut numbers: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for p in paths {
        if let Some((base, Mark::Numbered(n))) = parse(p) {
            numbers.entry(base).or_default().push(n);
        }
    }
    numbers
        .into_iter()
        .filter_map(|(family, mut ns)| {
            ns.sort_unstable();
            let highest = *ns.last()?;
            // Past a thousand the numbers are not a rotation count.
            let holes: Vec<u32> = (1..highest.min(1000))
                .filter(|n| ns.binary_search(n).is_err())
                .collect();
            (!holes.is_empty()).then_some((family, holes))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ages(paths: &[&str]) -> Vec<(String, u32)> {
        families(paths)
            .into_iter()
            .map(|r| r.map_or((String::new(), 0), |r| (r.family, r.age)))
            .collect()
    }

    #[test]
    fn holes_in_a_numbered_family() {
        let paths = [
            "var/log/app.log",
            "var/log/app.log.1",
            "var/log/app.log.4.gz",
            "var/log/db.log",
            "var/log/db.log.1",
        ];
        assert_eq!(
            missing(&paths),
            [("var/log/app.log".to_string(), vec![2, 3])]
        );
    }

    #[test]
    fn logrotate_numbered_with_compression() {
        let got = ages(&[
            "var/log/app.log",
            "var/log/app.log.1",
            "var/log/app.log.2.gz",
        ]);
        let fam = "var/log/app.log".to_string();
        assert_eq!(got, [(fam.clone(), 0), (fam.clone(), 1), (fam, 2)]);
    }

    #[test]
    fn logrotate_dateext_orders_by_date() {
        let got = ages(&[
            "app.log",
            "app.log-20261130.gz",
            "app.log-20261201",
            "app.log-2026120107",
        ]);
        let f = "app.log".to_string();
        assert_eq!(
            got,
            [(f.clone(), 0), (f.clone(), 3), (f.clone(), 2), (f, 1)]
        );
    }

    #[test]
    fn number_before_the_extension() {
        let got = ages(&["app.log", "app.1.log", "app.2.log"]);
        let f = "app.log".to_string();
        assert_eq!(got, [(f.clone(), 0), (f.clone(), 1), (f, 2)]);
    }

    #[test]
    fn python_timed_handler_and_unrelated_names() {
        let got = ages(&[
            "w.log.2026-12-01",
            "w.log",
            "api-1.log",
            "api-2.log",
            "2026",
            "x.1",
        ]);
        assert_eq!(got[0], ("w.log".into(), 1));
        assert_eq!(got[1], ("w.log".into(), 0));
        // Instance numbers and bare numbers are no rotation.
        assert_eq!(
            &got[2..5],
            [(String::new(), 0), (String::new(), 0), (String::new(), 0)]
        );
        assert_eq!(got[5], ("x".into(), 0));
    }

    #[test]
    fn kubernetes_previous_container_log() {
        let got = ages(&["pods/web/nginx.log", "pods/web/nginx-previous.log"]);
        let f = "pods/web/nginx.log".to_string();
        assert_eq!(got, [(f.clone(), 0), (f, 1)]);
    }

    #[test]
    fn a_lone_current_file_has_no_family() {
        assert_eq!(families(&["app.log", "other.log"]), [None, None]);
    }
}
