//! Clock skew between hosts, measured where one request is logged on two
//! sides: a proxy's access line and the application's own request line
//! carry the same method, path and status within a few minutes of each
//! other.
//!
//! A pair counts only when it is unambiguous: the request's key (method,
//! path, status) occurs once on each host within [`WINDOW_S`] of the
//! other's record. The offset of a host pair is the median of the pairs'
//! differences, robust to the odd wrong pairing, with the median absolute
//! deviation as its spread; it is reported when at least [`MIN_PAIRS`]
//! pairs agree on more than [`THRESHOLD_S`]. Times written to the second
//! (nginx's `$time_local`) make the estimate good to about a second.
//!
//! # Limitations
//! - Only requests are matched; a request id shared by both sides is not
//!   read (records keep none), nor are other two-sided events such as a
//!   Postgres `connection received` and the client's connect line.
//! - A skew larger than [`WINDOW_S`] is not found.
//! - A proxy logs when the response ends and the application when it
//!   sends it, so the offset includes that latency (milliseconds on one
//!   network; below the threshold).

use super::pipeline::{Item, Parsed};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// How far apart the two sides of one request may be logged, seconds.
pub const WINDOW_S: f64 = 300.0;
/// Fewest unambiguous pairs an estimate needs.
pub const MIN_PAIRS: usize = 5;
/// Offsets smaller than this are not reported, seconds.
pub const THRESHOLD_S: f64 = 2.0;

/// The clocks of two hosts disagree.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClockSkew {
    /// The host taken as the reference (first by name).
    pub host: String,
    /// The host whose clock is measured against it.
    pub other: String,
    /// How far `other`'s clock runs ahead of `host`'s, in seconds
    /// (negative: behind): the median of the pairs' differences.
    pub offset_s: f64,
    /// The median absolute deviation of those differences, in seconds.
    pub spread_s: f64,
    /// How many request pairs were matched.
    pub pairs: u64,
    /// What made two log lines one event.
    pub matched_by: &'static str,
}

/// One request as one host logged it: (method, path, status) and time in
/// seconds.
type Key<'a> = (&'a str, &'a str, u16);

/// Every host pair whose clocks differ by more than the threshold.
pub(crate) fn estimate(items: &[Item]) -> Vec<ClockSkew> {
    let hosts = requests_by_host(items);
    let names: Vec<&String> = hosts.keys().collect();
    let mut out = Vec::new();
    for (i, a) in names.iter().enumerate() {
        for b in &names[i + 1..] {
            let diffs = pair_differences(&hosts[*a], &hosts[*b]);
            if diffs.len() < MIN_PAIRS {
                continue;
            }
            let offset = median(&diffs);
            if offset.abs() <= THRESHOLD_S {
                continue;
            }
            let dev: Vec<f64> = diffs.iter().map(|d| (d - offset).abs()).collect();
            out.push(ClockSkew {
                host: a.to_string(),
                other: b.to_string(),
                offset_s: round_ms(offset),
                spread_s: round_ms(median(&dev)),
                pairs: diffs.len() as u64,
                matched_by: "method, path and status of one request on both hosts",
            });
        }
    }
    out
}

/// Each host's requests: per key, their times in seconds, sorted.
fn requests_by_host(items: &[Item]) -> BTreeMap<String, BTreeMap<Key<'_>, Vec<f64>>> {
    let mut hosts: BTreeMap<String, BTreeMap<Key<'_>, Vec<f64>>> = BTreeMap::new();
    for it in items {
        let Parsed::Log { log, .. } = &it.parsed else {
            continue;
        };
        for r in &log.records {
            let (Some(m), Some(p), Some(s), Some(t)) = (&r.method, &r.route, r.status, r.time)
            else {
                continue;
            };
            let host = r.host.clone().unwrap_or_else(|| it.host.clone());
            let key = (m.as_str(), p.as_str(), s);
            let times = hosts.entry(host).or_default().entry(key).or_default();
            times.push(seconds(t));
        }
    }
    for keys in hosts.values_mut() {
        for times in keys.values_mut() {
            times.sort_by(f64::total_cmp);
        }
    }
    hosts
}

/// `b`'s time less `a`'s for every request seen once on each side within
/// the window.
fn pair_differences(a: &BTreeMap<Key<'_>, Vec<f64>>, b: &BTreeMap<Key<'_>, Vec<f64>>) -> Vec<f64> {
    let mut diffs = Vec::new();
    for (key, ta) in a {
        let Some(tb) = b.get(key) else {
            continue;
        };
        for &t in ta {
            let [other] = within(tb, t) else {
                continue;
            };
            if let [_] = within(ta, *other) {
                diffs.push(other - t);
            }
        }
    }
    diffs
}

/// The times of `sorted` within the window of `t`.
fn within(sorted: &[f64], t: f64) -> &[f64] {
    let lo = sorted.partition_point(|&x| x < t - WINDOW_S);
    let hi = sorted.partition_point(|&x| x <= t + WINDOW_S);
    &sorted[lo..hi]
}

fn seconds(t: Timestamp) -> f64 {
    t.as_millisecond() as f64 / 1000.0
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn round_ms(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_seen_twice_in_the_window_does_not_pair() {
        let key = ("GET", "/health", 200u16);
        let a = BTreeMap::from([(key, vec![100.0, 130.0])]);
        let b = BTreeMap::from([(key, vec![142.0])]);
        assert!(pair_differences(&a, &b).is_empty());
        let one = ("GET", "/api/products/1", 200u16);
        let a = BTreeMap::from([(one, vec![100.0])]);
        let b = BTreeMap::from([(one, vec![142.5])]);
        assert_eq!(pair_differences(&a, &b), [42.5]);
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
