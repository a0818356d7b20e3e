//! Generic numeric series: robust statistics, trends and spikes.
//!
//! Every check here works from the series' own distribution rather than
//! fixed thresholds: the centre is the median, the spread the median
//! absolute deviation (MAD, scaled to match a standard deviation on normal
//! data), and a trend is the Theil-Sen slope (median of pairwise slopes),
//! which shrugs off a few wild points that would tilt a least-squares fit.
//!
//! # Limitations
//! Spikes are windows of points far *above* the baseline; drops are not
//! reported. A series needs [`MIN_POINTS`] points before it is judged, and a
//! window covering more than half the series is a level shift, not a spike,
//! so it is left to the trend checks. Counts without a unit
//! ([`find_spikes`]) take the spread of all their points as the scale when
//! most points share one value, so a rise over two or three of a dozen
//! points can be missed there; gauges with a unit ([`find_gauge_spikes`])
//! set the candidate points aside and take a floor in their unit instead.

use crate::model::{Sample, Spike};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// Fewest points a series needs before spikes are looked for.
pub const MIN_POINTS: usize = 8;
/// How many robust deviations above the median make a point "high".
pub const SPIKE_Z: f64 = 5.0;
/// Deviations above the median that set a point aside from the baseline
/// and mark it as part of a window, which [`SPIKE_Z`] then confirms.
pub const CANDIDATE_Z: f64 = 2.0;
/// Scale factor that makes the MAD estimate a normal standard deviation.
const MAD_SCALE: f64 = 1.4826;

/// Median of `values` (NaN-free); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Scaled median absolute deviation around `centre`.
pub fn mad(values: &[f64], centre: f64) -> f64 {
    let dev: Vec<f64> = values.iter().map(|v| (v - centre).abs()).collect();
    median(&dev).unwrap_or(0.0) * MAD_SCALE
}

/// Theil-Sen slope of `(x, y)` points, in y units per x unit.
pub fn theil_sen(points: &[(f64, f64)]) -> Option<f64> {
    let mut slopes = Vec::new();
    for (i, a) in points.iter().enumerate() {
        for b in &points[i + 1..] {
            let dx = b.0 - a.0;
            if dx.abs() > f64::EPSILON {
                slopes.push((b.1 - a.1) / dx);
            }
        }
    }
    median(&slopes)
}

/// Share of the non-zero steps of `ys` that go up: 1.0 for a series that
/// only ever climbs.
pub fn rising_share(ys: &[f64]) -> f64 {
    let steps: Vec<f64> = ys
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d != 0.0)
        .collect();
    if steps.is_empty() {
        return 0.0;
    }
    steps.iter().filter(|d| **d > 0.0).count() as f64 / steps.len() as f64
}

/// A value of `metric` in binary units when the metric is a size
/// (`_bytes`) or a size per second (`_bytes_per_s`); `None` for others,
/// which each report shows in its own number style.
pub fn show_size(metric: &str, v: f64) -> Option<String> {
    if metric.ends_with("_bytes") {
        Some(crate::usage::human(v))
    } else if metric.ends_with("_bytes_per_s") {
        Some(format!("{}/s", crate::usage::human(v)))
    } else {
        None
    }
}

/// Seconds since the Unix epoch, as a float for fitting.
pub fn secs(t: Timestamp) -> f64 {
    t.as_millisecond() as f64 / 1000.0
}

/// The identity of one series: metric, host and labels.
pub type SeriesKey = (String, String, Vec<(String, String)>);

/// Groups samples into time-sorted series by (metric, host, labels).
pub fn group(samples: &[Sample]) -> BTreeMap<SeriesKey, Vec<&Sample>> {
    let mut out: BTreeMap<SeriesKey, Vec<&Sample>> = BTreeMap::new();
    for s in samples {
        let key = (s.metric.clone(), s.host.clone(), s.labels.clone());
        out.entry(key).or_default().push(s);
    }
    for v in out.values_mut() {
        v.sort_by_key(|s| s.time);
    }
    out
}

/// Windows where a series rose far above its own median, one [`Spike`] per
/// window, strongest first. Made for counts without a unit (log rates,
/// query calls): a series mostly at one value (MAD 0) takes the mean
/// absolute deviation of all its points as its scale, so departures as
/// frequent as they are large read as noise.
pub fn find_spikes(samples: &[Sample]) -> Vec<Spike> {
    collect(samples, |_, series| count_spikes(series))
}

/// Spikes of gauges in a unit (load, bytes, percent), where `floor(metric)`
/// is the smallest deviation that means something in the metric's unit
/// (0 when unknown: such series are read as [`find_spikes`] reads counts).
/// See [`gauge_spikes`].
pub fn find_gauge_spikes(samples: &[Sample], floor: impl Fn(&str) -> f64) -> Vec<Spike> {
    collect(samples, |metric, series| match floor(metric) {
        f if f > 0.0 => gauge_spikes(series, f),
        _ => count_spikes(series),
    })
}

fn collect(samples: &[Sample], find: impl Fn(&str, &[&Sample]) -> Vec<Window>) -> Vec<Spike> {
    let mut out: Vec<Spike> = group(samples)
        .into_iter()
        .flat_map(|((metric, host, labels), series)| {
            find(&metric, &series)
                .into_iter()
                .map(|w| w.into_spike(&series, metric.clone(), host.clone(), labels.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.start.cmp(&b.start)));
    out
}

/// A run of high points: indexes into the series, inclusive.
struct Window {
    first: usize,
    last: usize,
    scale: f64,
    /// For a sustained run, its mean's deviations (mean z times the root
    /// of its width), which score it when above its peak's.
    sustained: f64,
}

impl Window {
    fn into_spike(
        self,
        series: &[&Sample],
        metric: String,
        host: String,
        labels: Vec<(String, String)>,
    ) -> Spike {
        let outside: Vec<f64> = series
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < self.first || *i > self.last)
            .map(|(_, s)| s.value)
            .collect();
        let baseline = median(&outside).unwrap_or(0.0);
        let peak_at = (self.first..=self.last)
            .max_by(|a, b| series[*a].value.total_cmp(&series[*b].value))
            .unwrap_or(self.first);
        let peak = series[peak_at].value;
        Spike {
            metric,
            host,
            labels,
            start: series[self.first].time,
            end: series[self.last].time,
            baseline,
            peak,
            peak_time: series[peak_at].time,
            score: ((peak - baseline) / self.scale).max(self.sustained),
            source: series[peak_at].source.clone(),
        }
    }
}

/// Runs of `high` points, single-point dips bridged, as inclusive index
/// pairs.
fn runs(high: &[bool]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < high.len() {
        if !high[i] {
            i += 1;
            continue;
        }
        let first = i;
        let mut last = i;
        while i + 1 < high.len() && (high[i + 1] || (i + 2 < high.len() && high[i + 2])) {
            i += 1;
            if high[i] {
                last = i;
            }
        }
        i += 1;
        out.push((first, last));
    }
    out
}

/// Finds the high windows of one time-sorted count series.
fn count_spikes(series: &[&Sample]) -> Vec<Window> {
    if series.len() < MIN_POINTS {
        return Vec::new();
    }
    let values: Vec<f64> = series.iter().map(|s| s.value).collect();
    let centre = median(&values).unwrap_or(0.0);
    // A series that is mostly one value has MAD 0: fall back on the mean
    // absolute deviation, and keep a floor relative to the level so tiny
    // wiggles of a constant do not count as spikes.
    let mean_ad = values.iter().map(|v| (v - centre).abs()).sum::<f64>() / values.len() as f64;
    let spread = match mad(&values, centre) {
        m if m > 0.0 => m,
        _ => 1.2533 * mean_ad,
    };
    let scale = spread.max(0.02 * centre.abs()).max(1e-9);
    let high: Vec<bool> = values
        .iter()
        .map(|v| (v - centre) / scale > SPIKE_Z)
        .collect();
    runs(&high)
        .into_iter()
        .filter(|(first, last)| (last - first + 1) * 2 <= series.len())
        .map(|(first, last)| Window {
            first,
            last,
            scale,
            sustained: 0.0,
        })
        .collect()
}

/// The median of `values` and their scale: the scaled MAD, never below
/// `floor` nor 2% of the level.
fn centre_and_scale(values: &[f64], floor: f64) -> (f64, f64) {
    let centre = median(values).unwrap_or(0.0);
    let scale = mad(values, centre).max(0.02 * centre.abs()).max(floor);
    (centre, scale)
}

/// Finds the high windows of one time-sorted gauge series, `floor` being
/// the smallest deviation that means something in its unit.
///
/// The series' own scale includes the spike, so a spike two or three
/// points wide inflates it: points more than [`CANDIDATE_Z`] deviations up
/// are set aside and the baseline's centre and scale come from the rest; a
/// baseline that sits at one value (MAD 0, an idle host's load of 0.00)
/// has `floor` as its scale, not the spread of the spike itself. A window
/// is a spike when a point is [`SPIKE_Z`] baseline deviations up (the
/// window then spans the points that far up), or when a run of points each
/// [`CANDIDATE_Z`] up has a mean [`SPIKE_Z`] standard errors up (mean
/// deviation times the square root of the run's width): three points each
/// four deviations up are a sustained rise that noise does not make.
///
/// It does not catch a rise over more than half the series (a level
/// shift), one already under way at the first point (a fall from the
/// start is told apart from it by nothing but a rise seen), a rise smaller
/// than `floor` times [`SPIKE_Z`] on a flat baseline, nor, when the rise is more than a third of the points, one
/// whose set-aside points leave a baseline as wide as the rise.
fn gauge_spikes(series: &[&Sample], floor: f64) -> Vec<Window> {
    if series.len() < MIN_POINTS {
        return Vec::new();
    }
    let values: Vec<f64> = series.iter().map(|s| s.value).collect();
    let (centre, scale) = centre_and_scale(&values, floor);
    let baseline: Vec<f64> = values
        .iter()
        .copied()
        .filter(|v| (v - centre) / scale <= CANDIDATE_Z)
        .collect();
    let (centre, scale) = centre_and_scale(&baseline, floor);
    let z: Vec<f64> = values.iter().map(|v| (v - centre) / scale).collect();
    // `>=`: a rise of exactly `floor` times SPIKE_Z is what `floor` calls meaningful.
    let high: Vec<bool> = z.iter().map(|z| *z >= SPIKE_Z).collect();
    let raised: Vec<bool> = z.iter().map(|z| *z > CANDIDATE_Z).collect();
    let mut windows = Vec::new();
    for (first, last) in runs(&raised) {
        let inner: Vec<(usize, usize)> = runs(&high[first..=last])
            .into_iter()
            .map(|(a, b)| (first + a, first + b))
            .collect();
        let marked: Vec<f64> = (first..=last)
            .filter(|j| raised[*j])
            .map(|j| z[j])
            .collect();
        let sustained = marked.iter().sum::<f64>() / (marked.len() as f64).sqrt();
        let (found, sustained) = if !inner.is_empty() {
            (inner, 0.0)
        } else if sustained >= SPIKE_Z {
            (vec![(first, last)], sustained)
        } else {
            (Vec::new(), 0.0)
        };
        windows.extend(
            found
                .into_iter()
                // A window from the first point is a level the capture
                // began at, then left (memory freed as other jobs ended):
                // no rise was seen.
                .filter(|(a, b)| *a > 0 && (b - a + 1) * 2 <= series.len())
                .map(|(first, last)| Window {
                    first,
                    last,
                    scale,
                    sustained,
                }),
        );
    }
    windows
}

/// Samples of `metric`, one a minute, for tests.
#[cfg(test)]
pub(crate) fn minutely(metric: &str, values: &[f64]) -> Vec<Sample> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| Sample {
            time: Timestamp::from_second(1_800_000_000 + 60 * i as i64).unwrap(),
            host: "h".into(),
            metric: metric.into(),
            labels: vec![],
            value: *v,
            source: format!("f{i}"),
            time_source: crate::model::TimeSource::Path,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[f64]) -> Vec<Sample> {
        minutely("load.1m", values)
    }

    #[test]
    fn one_spike_with_baseline_and_peak() {
        let s = series(&[1.0, 1.2, 0.9, 1.1, 1.0, 9.0, 12.0, 1.1, 0.95, 1.05, 1.0]);
        let spikes = find_spikes(&s);
        assert_eq!(spikes.len(), 1);
        let sp = &spikes[0];
        assert_eq!(sp.peak, 12.0);
        assert_eq!(sp.baseline, 1.0);
        assert_eq!(sp.source, "f6");
        assert_eq!(sp.end.as_second() - sp.start.as_second(), 60);
    }

    /// loadsynth/k of the usage QA pass: a steady 0.50 with a 3-point rise
    /// once went unseen (the rise inflated the scale) while a 1-point blip
    /// was caught.
    #[test]
    fn sustained_rise_over_a_flat_baseline_is_a_spike() {
        let k = [0.5, 0.5, 0.5, 0.51, 0.5, 0.5, 8.0, 8.1, 7.9, 0.5, 0.5, 0.5];
        let spikes = find_gauge_spikes(&series(&k), |_| 0.2);
        assert_eq!(spikes.len(), 1);
        assert_eq!((spikes[0].peak, spikes[0].baseline), (8.1, 0.5));
        assert_eq!(spikes[0].end.as_second() - spikes[0].start.as_second(), 120);
        let mut two = [0.5; 12];
        two[6] = 8.0;
        two[7] = 8.0;
        assert_eq!(find_gauge_spikes(&series(&two), |_| 0.2).len(), 1);
        // Read as a count, the two points are as frequent as they are high.
        assert!(find_spikes(&series(&two)).is_empty());
    }

    /// `free -m` used MiB of the QA pass's bundle1: stress-ng held 3 GB
    /// for three snapshots over a baseline wandering 2.4-4.6 GB; the peak
    /// alone is 4.2 baseline deviations up, the three together a clear rise.
    #[test]
    fn three_high_points_over_a_wandering_baseline() {
        let used = [
            3499.0, 3628.0, 3967.0, 4536.0, 3286.0, 6048.0, 7123.0, 7219.0, 4272.0, 4382.0, 4624.0,
            4568.0, 2452.0, 2657.0,
        ];
        let spikes = find_gauge_spikes(&series(&used), |_| 2.0);
        assert_eq!(spikes.len(), 1);
        assert_eq!(spikes[0].peak, 7219.0);
        assert_eq!(spikes[0].source, "f7");
        // Scored by the run's mean (6.3 deviations), not its peak's 4.2.
        assert!(spikes[0].score > SPIKE_Z, "{}", spikes[0].score);
        assert_eq!(spikes[0].end.as_second() - spikes[0].start.as_second(), 120);
    }

    /// QA: memory an idle capture began high at, then freed, read as a
    /// spike over the first points.
    #[test]
    fn a_fall_from_the_first_points_is_no_spike() {
        let mut v = vec![583.0, 575.0, 570.0, 560.0, 540.0];
        v.extend([505.0, 506.0, 504.0, 505.0, 506.0, 505.0, 504.0, 505.0]);
        let s = series(&v);
        let floor = |_: &str| 2.0;
        assert!(find_gauge_spikes(&s, floor).is_empty());
        let mut risen = v.clone();
        risen.insert(0, 505.0);
        assert_eq!(find_gauge_spikes(&series(&risen), floor).len(), 1);
    }

    #[test]
    fn flat_or_short_series_has_no_spike() {
        assert!(find_spikes(&series(&[5.0; 20])).is_empty());
        assert!(find_spikes(&series(&[1.0, 50.0, 1.0])).is_empty());
    }

    #[test]
    fn theil_sen_ignores_an_outlier() {
        let pts: Vec<(f64, f64)> = (0..10)
            .map(|i| (i as f64, if i == 5 { 100.0 } else { 2.0 * i as f64 }))
            .collect();
        assert_eq!(theil_sen(&pts), Some(2.0));
        assert_eq!(rising_share(&[1.0, 2.0, 2.0, 3.0, 2.5]), 2.0 / 3.0);
    }
}
