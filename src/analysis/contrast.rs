//! Is a count out of line with its baseline? The two tests every
//! comparison in the report rests on: a log-rate analysis of one window
//! against a baseline window (which signatures, hosts, routes or status
//! codes are over-represented in a spike), and a change in rate between
//! two stretches of time (a baseline bundle and an incident bundle, or two
//! windows of one).
//!
//! Both are likelihood-ratio (G) tests with one degree of freedom, whose
//! p-value is the chi-square tail. Where many items are tested at once the
//! p-values are corrected for the number of tests (Benjamini–Hochberg), so
//! that twenty signatures tested do not yield one false alarm in twenty.
//!
//! # Limitations
//! - Counts are taken as independent events. Log lines come in bursts (one
//!   failing request writes five lines), so the tests overstate certainty
//!   for chatty signatures; the minimum counts below temper that, they do
//!   not remove it.
//! - The rate test compares average rates over each stretch; it says
//!   nothing about when within a stretch a change happened.

use statrs::function::erf::erfc;

/// The significance level after correction.
pub const ALPHA: f64 = 0.01;

/// Fewer occurrences than this in the window never count as
/// over-represented: two lines prove nothing.
pub const MIN_WINDOW_COUNT: u64 = 3;

/// One item's counts inside the window and in the baseline, and how far
/// apart they are.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Shift {
    pub key: String,
    pub window: u64,
    pub baseline: u64,
    /// The item's share of the window over its share of the baseline, both
    /// smoothed by half a count (so a baseline of zero gives a finite
    /// ratio).
    pub ratio: f64,
    /// The G statistic.
    pub g: f64,
    /// Corrected for the number of items tested.
    pub p_value: f64,
    /// Over-represented in the window at [`ALPHA`], with at least
    /// [`MIN_WINDOW_COUNT`] occurrences.
    pub significant: bool,
}

/// The chi-square tail with one degree of freedom: P(X > g).
pub fn chi2_1_sf(g: f64) -> f64 {
    if g <= 0.0 || g.is_nan() {
        1.0
    } else {
        erfc((g / 2.0).sqrt())
    }
}

/// `o * ln(o / e)`, zero when `o` is zero.
fn term(o: f64, e: f64) -> f64 {
    if o > 0.0 && e > 0.0 {
        o * (o / e).ln()
    } else {
        0.0
    }
}

/// G statistic of a 2×2 table: the item in and out of the window, against
/// everything else in and out of the window.
pub fn g_2x2(a: u64, window_total: u64, b: u64, baseline_total: u64) -> f64 {
    let (a, b) = (a as f64, b as f64);
    let (c, d) = (
        (window_total as f64 - a).max(0.0),
        (baseline_total as f64 - b).max(0.0),
    );
    let n = a + b + c + d;
    if n == 0.0 {
        return 0.0;
    }
    let (row1, row2) = (a + c, b + d);
    let (col1, col2) = (a + b, c + d);
    let g = term(a, row1 * col1 / n)
        + term(c, row1 * col2 / n)
        + term(b, row2 * col1 / n)
        + term(d, row2 * col2 / n);
    (2.0 * g).max(0.0)
}

/// [`rate_test`] of each (baseline, incident) count pair over the same two
/// stretches, with its Benjamini–Hochberg adjusted p-value, in order.
pub fn rate_tests(
    counts: impl Iterator<Item = (u64, u64)>,
    baseline_secs: f64,
    incident_secs: f64,
) -> Vec<(RateTest, f64)> {
    let tests: Vec<RateTest> = counts
        .map(|(b, i)| rate_test(b, baseline_secs, i, incident_secs))
        .collect();
    let q = adjust(&tests.iter().map(|t| t.p_value).collect::<Vec<_>>());
    tests.into_iter().zip(q).collect()
}

/// Benjamini–Hochberg: adjusted p-values, in the input order.
pub fn adjust(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]).then(i.cmp(&j)));
    let mut out = vec![1.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        out[i] = running.min(1.0);
    }
    out
}

/// Log-rate analysis: for every key, is it over-represented in `window`
/// compared with `baseline`? `window` and `baseline` are (key, count)
/// pairs; totals are the counts of everything in each, including keys not
/// listed. Returns the keys seen in the window, most significant first
/// (then by key, so the order is stable).
pub fn over_represented<'a>(
    window: impl IntoIterator<Item = (&'a str, u64)>,
    window_total: u64,
    baseline: &std::collections::BTreeMap<String, u64>,
    baseline_total: u64,
) -> Vec<Shift> {
    let mut rows: Vec<(String, u64, u64, f64, f64)> = window
        .into_iter()
        .map(|(k, a)| {
            let b = baseline.get(k).copied().unwrap_or(0);
            let g = g_2x2(a, window_total, b, baseline_total);
            let ratio = ((a as f64 + 0.5) / (window_total as f64 + 1.0))
                / ((b as f64 + 0.5) / (baseline_total as f64 + 1.0));
            (k.to_string(), a, b, ratio, g)
        })
        .collect();
    rows.sort_by(|x, y| x.0.cmp(&y.0));
    let p: Vec<f64> = rows.iter().map(|r| chi2_1_sf(r.4)).collect();
    let q = adjust(&p);
    let mut out: Vec<Shift> = rows
        .into_iter()
        .zip(q)
        .map(|((key, window, baseline, ratio, g), p_value)| Shift {
            significant: p_value < ALPHA && ratio > 1.0 && window >= MIN_WINDOW_COUNT,
            key,
            window,
            baseline,
            ratio,
            g,
            p_value,
        })
        .collect();
    out.sort_by(|x, y| {
        y.significant
            .cmp(&x.significant)
            .then(x.p_value.total_cmp(&y.p_value))
            .then(y.ratio.total_cmp(&x.ratio))
            .then(x.key.cmp(&y.key))
    });
    out
}

/// How a count changed between a baseline stretch and an incident stretch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RateChange {
    /// Absent from the baseline, significantly present after.
    New,
    /// Present in the baseline, significantly absent after.
    Gone,
    Up,
    Down,
    /// No significant change (or too few occurrences to tell).
    Same,
}

impl RateChange {
    /// The word the JSON form uses.
    pub fn as_str(self) -> &'static str {
        match self {
            RateChange::New => "new",
            RateChange::Gone => "gone",
            RateChange::Up => "up",
            RateChange::Down => "down",
            RateChange::Same => "same",
        }
    }
}

/// A count's rate in two stretches of time and the test between them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RateTest {
    pub baseline: u64,
    pub incident: u64,
    /// Events per hour in each stretch.
    pub baseline_per_hour: f64,
    pub incident_per_hour: f64,
    /// Incident rate over baseline rate, both smoothed by half a count.
    pub ratio: f64,
    pub g: f64,
    /// Uncorrected; [`adjust`] a batch of them before calling changes.
    pub p_value: f64,
}

/// Compares `baseline` events over `baseline_secs` with `incident` events
/// over `incident_secs`: under no change, the incident's share of all
/// events is its share of the time (a Poisson rate test, conditioned on
/// the total).
pub fn rate_test(baseline: u64, baseline_secs: f64, incident: u64, incident_secs: f64) -> RateTest {
    let (t1, t2) = (baseline_secs.max(1.0), incident_secs.max(1.0));
    let n = baseline as f64 + incident as f64;
    let share = t2 / (t1 + t2);
    let g = 2.0 * (term(incident as f64, n * share) + term(baseline as f64, n * (1.0 - share)));
    RateTest {
        baseline,
        incident,
        baseline_per_hour: baseline as f64 * 3600.0 / t1,
        incident_per_hour: incident as f64 * 3600.0 / t2,
        ratio: ((incident as f64 + 0.5) / t2) / ((baseline as f64 + 0.5) / t1),
        g: g.max(0.0),
        p_value: chi2_1_sf(g),
    }
}

impl RateTest {
    /// The change this test shows once its p-value has been corrected to
    /// `p_adjusted`.
    pub fn class(&self, p_adjusted: f64) -> RateChange {
        if p_adjusted >= ALPHA {
            return RateChange::Same;
        }
        match (self.baseline, self.incident) {
            (0, _) => RateChange::New,
            (_, 0) => RateChange::Gone,
            _ if self.ratio > 1.0 => RateChange::Up,
            _ => RateChange::Down,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn chi2_tail_matches_known_quantiles() {
        // 3.841 and 6.635 are the 5% and 1% points of chi-square(1).
        assert!((chi2_1_sf(3.841459) - 0.05).abs() < 1e-6);
        assert!((chi2_1_sf(6.634897) - 0.01).abs() < 1e-6);
        assert_eq!(chi2_1_sf(0.0), 1.0);
    }

    #[test]
    fn g_of_a_known_table() {
        // 2x2 table [[10, 90], [20, 880]]: expected 3, 97, 27, 873; G = 12.65.
        let g = g_2x2(10, 100, 20, 900);
        assert!((g - 12.65).abs() < 0.01, "{g}");
        // Proportional table: no evidence at all.
        assert!(g_2x2(10, 100, 90, 900) < 1e-9);
    }

    #[test]
    fn benjamini_hochberg_by_hand() {
        let q = adjust(&[0.01, 0.04, 0.03, 0.20]);
        // Sorted 0.01, 0.03, 0.04, 0.20 times 4/rank: 0.04, 0.06, 0.0533, 0.20;
        // then the running minimum from the top.
        let want = [0.04, 0.0533, 0.0533, 0.20];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-3, "{q:?}");
        }
    }

    #[test]
    fn a_burst_of_one_signature_stands_out_and_the_steady_ones_do_not() {
        let baseline: BTreeMap<String, u64> =
            [("GET /", 900), ("GET /health", 90), ("too many clients", 0)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
        let window = [
            ("GET /", 100),
            ("GET /health", 10),
            ("too many clients", 40),
        ];
        let out = over_represented(window, 150, &baseline, 990);
        assert_eq!(out[0].key, "too many clients");
        assert!(out[0].significant && out[0].p_value < 1e-10);
        assert!(out[1..].iter().all(|s| !s.significant), "{out:?}");
    }

    #[test]
    fn two_lines_are_never_a_finding() {
        let baseline = BTreeMap::new();
        let out = over_represented([("x", 2)], 2, &baseline, 100_000);
        assert!(!out[0].significant);
    }

    #[test]
    fn rate_changes() {
        // 60 an hour for a day, then 600 in the incident hour.
        let t = rate_test(1440, 86400.0, 600, 3600.0);
        assert_eq!(t.class(t.p_value), RateChange::Up);
        assert!((t.baseline_per_hour - 60.0).abs() < 1e-9);
        // The same rate: no change.
        let t = rate_test(1440, 86400.0, 60, 3600.0);
        assert_eq!(t.class(t.p_value), RateChange::Same);
        // Never seen before, 30 times now.
        let t = rate_test(0, 86400.0, 30, 3600.0);
        assert_eq!(t.class(t.p_value), RateChange::New);
        // 500 a day before, none in a whole day since.
        let t = rate_test(500, 86400.0, 0, 86400.0);
        assert_eq!(t.class(t.p_value), RateChange::Gone);
        // Once before, never now: too little to say it is gone.
        let t = rate_test(1, 86400.0, 0, 3600.0);
        assert_eq!(t.class(t.p_value), RateChange::Same);
    }
}
