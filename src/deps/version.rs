//! Version ordering for the three schemes the change model needs: semver
//! (npm, yarn, pnpm, Cargo), Debian (dpkg, also used for apk and rpm lists)
//! and PEP 440 (pip).
//!
//! The comparisons are lenient on purpose: a lockfile that holds `v1.2` or
//! `1.2.3.4` still orders, and a version that is not a version at all (a
//! git ref, a URL) compares as `None`, which the diff reports as `changed`.
//!
//! # Limitations
//! Semver build metadata is ignored for ordering, as the spec says. RPM
//! versions are ordered with the Debian algorithm, which agrees with
//! `rpmvercmp` on the usual `1.2.3-4.el9` shapes but not on `^` and
//! separators other than `.`, `-`, `+` and `~`.

use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::Regex;

/// Which ordering rules a package list follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Semver,
    Debian,
    Pep440,
}

/// Compares two versions under `scheme`; `None` when either is not a
/// version the scheme can read.
pub fn compare(a: &str, b: &str, scheme: Scheme) -> Option<Ordering> {
    if a == b {
        return Some(Ordering::Equal);
    }
    match scheme {
        Scheme::Semver => semver_cmp(a, b),
        Scheme::Debian => Some(deb_cmp(a, b)),
        Scheme::Pep440 => Some(pep440_key(a)?.cmp(&pep440_key(b)?)),
    }
}

/// Total order used to sort version sets: version order, then text.
pub fn sort(versions: &mut [String], scheme: Scheme) {
    versions.sort();
    versions.sort_by(|a, b| compare(a, b, scheme).unwrap_or(Ordering::Equal));
}

/// The first three numeric components (`1.6-2.1` gives `[1, 6, 0]`); the
/// Debian epoch is skipped.
pub fn leading_numbers(v: &str, scheme: Scheme) -> Option<[u64; 3]> {
    let v = match scheme {
        Scheme::Debian => v.split_once(':').map_or(v, |(_, r)| r),
        _ => v,
    };
    let v = v.strip_prefix('v').unwrap_or(v);
    let mut out = [0u64; 3];
    let mut rest = v;
    for (i, slot) in out.iter_mut().enumerate() {
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if end == 0 {
            return (i > 0).then_some(out);
        }
        *slot = rest[..end].parse().ok()?;
        rest = &rest[end..];
        match rest.strip_prefix('.') {
            Some(r) if r.starts_with(|c: char| c.is_ascii_digit()) => rest = r,
            _ => return Some(out),
        }
    }
    Some(out)
}

#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum PreId {
    Num(u64),
    Text(String),
}

type SemverKey = ([u64; 3], Vec<PreId>);

static SEMVER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)^v?
        (\d+) (?:\.(\d+))? (?:\.(\d+))?     # major, optional minor and patch
        (?:-([0-9A-Za-z.-]+))?              # prerelease
        (?:\+[0-9A-Za-z.-]+)?$              # build metadata, ignored",
    )
    .unwrap()
});

fn semver_key(v: &str) -> Option<SemverKey> {
    // Manifest ranges such as `^1.2.0` order by their base version.
    let c = SEMVER.captures(v.trim().trim_start_matches(['^', '~', '=']))?;
    let num = |i: usize| c.get(i).map_or(Some(0), |m| m.as_str().parse().ok());
    let nums = [num(1)?, num(2)?, num(3)?];
    let pre = c.get(4).map_or(Vec::new(), |m| {
        m.as_str()
            .split('.')
            .map(|p| match p.parse::<u64>() {
                Ok(n) if p.bytes().all(|b| b.is_ascii_digit()) => PreId::Num(n),
                _ => PreId::Text(p.to_string()),
            })
            .collect()
    });
    Some((nums, pre))
}

/// True when `v` is a prerelease under `scheme`: semver's `-rc.1`, a
/// Debian upstream version with `~` (`1.0~rc1-1`; the revision after the
/// last `-`, as in `1.6-2.1+deb12u1`, is not one), PEP 440's `a`, `b`,
/// `rc` and `.dev` parts.
pub fn is_prerelease(v: &str, scheme: Scheme) -> bool {
    match scheme {
        Scheme::Semver => semver_key(v).is_some_and(|(_, pre)| !pre.is_empty()),
        Scheme::Debian => deb_split(v).1.contains('~'),
        // An a, b or rc part, or a dev part without a post part.
        Scheme::Pep440 => pep440_key(v).is_some_and(|(_, _, (pre, _), _, _)| pre < 3),
    }
}

fn semver_cmp(a: &str, b: &str) -> Option<Ordering> {
    let (na, pa) = semver_key(a)?;
    let (nb, pb) = semver_key(b)?;
    Some(
        na.cmp(&nb)
            .then_with(|| match (pa.is_empty(), pb.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => pa.cmp(&pb),
            }),
    )
}

fn deb_order(c: u8) -> i32 {
    match c {
        b'~' => -1,
        c if c.is_ascii_alphabetic() => c as i32,
        c => c as i32 + 256,
    }
}

/// dpkg's comparison of one upstream or revision part.
fn deb_part(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ac = a
                .get(i)
                .filter(|c| !c.is_ascii_digit())
                .map_or(0, |&c| deb_order(c));
            let bc = b
                .get(j)
                .filter(|c| !c.is_ascii_digit())
                .map_or(0, |&c| deb_order(c));
            if ac != bc {
                return ac.cmp(&bc);
            }
            i += 1;
            j += 1;
        }
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while i < a.len() && a[i].is_ascii_digit() && j < b.len() && b[j].is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

/// A Debian version's epoch, upstream version and revision.
fn deb_split(v: &str) -> (u64, &str, &str) {
    let (epoch, rest) = match v.split_once(':') {
        Some((e, r)) => (e.parse().unwrap_or(0), r),
        None => (0, v),
    };
    match rest.rsplit_once('-') {
        Some((up, rev)) => (epoch, up, rev),
        None => (epoch, rest, "0"),
    }
}

/// `dpkg --compare-versions` semantics: epoch, upstream, revision.
pub fn deb_cmp(a: &str, b: &str) -> Ordering {
    let (ea, ua, ra) = deb_split(a);
    let (eb, ub, rb) = deb_split(b);
    ea.cmp(&eb)
        .then_with(|| deb_part(ua.as_bytes(), ub.as_bytes()))
        .then_with(|| deb_part(ra.as_bytes(), rb.as_bytes()))
}

static PEP440: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?xi)^v?
        (?:(\d+)!)?                                           # epoch
        (\d+(?:\.\d+)*)                                       # release
        (?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))? # pre
        (?:(?:-(\d+))|(?:[-_.]?(post|rev|r)[-_.]?(\d*)))?     # post
        (?:[-_.]?(dev)[-_.]?(\d*))?                           # dev
        (?:\+[a-z0-9.]+)?$                                    # local",
    )
    .unwrap()
});

type Pep440Key = (u64, Vec<u64>, (i8, u64), i64, u64);

fn pep440_key(v: &str) -> Option<Pep440Key> {
    let c = PEP440.captures(v.trim())?;
    let s = |i: usize| c.get(i).map(|m| m.as_str().to_ascii_lowercase());
    let n = |i: usize| s(i).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    let mut release: Vec<u64> = s(2)?.split('.').filter_map(|x| x.parse().ok()).collect();
    while release.len() > 1 && release.last() == Some(&0) {
        release.pop();
    }
    let has_post = c.get(5).is_some() || c.get(6).is_some();
    let pre = match s(3).as_deref() {
        Some("a" | "alpha") => (0, n(4)),
        Some("b" | "beta") => (1, n(4)),
        Some(_) => (2, n(4)),
        None if c.get(8).is_some() && !has_post => (-1, 0),
        None => (3, 0),
    };
    let post = if c.get(5).is_some() {
        n(5) as i64
    } else if c.get(6).is_some() {
        n(7) as i64
    } else {
        -1
    };
    let dev = if c.get(8).is_some() { n(9) } else { u64::MAX };
    Some((n(1), release, pre, post, dev))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// QA: a Debian security revision was called a prerelease.
    #[test]
    fn prereleases_by_scheme() {
        assert!(!is_prerelease("1.6-2.1+deb12u1", Scheme::Debian));
        assert!(is_prerelease("1:2.0~rc1-3", Scheme::Debian));
        assert!(is_prerelease("1.0.0-rc.1", Scheme::Semver));
        assert!(!is_prerelease("1.0.0", Scheme::Semver));
        assert!(is_prerelease("2.0rc1", Scheme::Pep440));
        assert!(is_prerelease("1.0.dev3", Scheme::Pep440));
        assert!(!is_prerelease("2.31.0", Scheme::Pep440));
        assert!(!is_prerelease("1.0.post1", Scheme::Pep440));
    }
    use Ordering::*;

    #[test]
    fn orderings_from_the_oracle_hand_cases() {
        let cases = [
            ("1.0.0-alpha", "1.0.0", Scheme::Semver, Less),
            ("1.0.0-alpha.1", "1.0.0-alpha.beta", Scheme::Semver, Less),
            ("1.4.44-liberty-2", "1.4.0", Scheme::Semver, Greater),
            ("2.0.0", "10.0.0", Scheme::Semver, Less),
            ("1.0.0+build1", "1.0.0", Scheme::Semver, Equal),
            ("1.0.0-beta.11", "1.0.0-beta.2", Scheme::Semver, Greater),
            ("1.0~rc1", "1.0", Scheme::Debian, Less),
            ("1:0.9", "2.0", Scheme::Debian, Greater),
            ("1.6-2.1+deb12u1", "1.6-2.1+deb12u3", Scheme::Debian, Less),
            ("2.30-1", "2.30-1+b1", Scheme::Debian, Less),
            ("1.2.3a", "1.2.3", Scheme::Debian, Greater),
            (
                "7.88.1-10+deb12u5",
                "7.88.1-10+deb12u12",
                Scheme::Debian,
                Less,
            ),
            ("0.9~", "0.9", Scheme::Debian, Less),
            ("1.0rc1", "1.0", Scheme::Pep440, Less),
            ("2.0.post1", "2.0", Scheme::Pep440, Greater),
            ("1.0.dev1", "1.0a1", Scheme::Pep440, Less),
            ("2.0", "2.0.0", Scheme::Pep440, Equal),
            ("1!0.1", "2.0", Scheme::Pep440, Greater),
            ("3.4", "3.10", Scheme::Pep440, Less),
        ];
        for (a, b, s, want) in cases {
            assert_eq!(compare(a, b, s), Some(want), "{a} vs {b}");
        }
        assert_eq!(compare("github:a/b#abc", "1.0.0", Scheme::Semver), None);
    }

    #[test]
    fn leading_numbers_skip_epoch() {
        assert_eq!(leading_numbers("1:2.3-4", Scheme::Debian), Some([2, 3, 0]));
        assert_eq!(
            leading_numbers("0.6.0+5.3.0-1-g", Scheme::Semver),
            Some([0, 6, 0])
        );
        assert_eq!(leading_numbers("git+ssh://x", Scheme::Semver), None);
    }
}
