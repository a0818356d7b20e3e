//! Intermittent bugs: for each recurring error signature, how it recurs
//! (see [`super::signatures::recurrence`]), what tends to come within a
//! short window before its episodes (other signatures, a cron-like
//! periodic job, usage spikes), whether it is confined to one host,
//! instance (log source) or route, and on which days it occurs.
//!
//! Precursors are found by log-rate analysis ([`contrast`]): the windows
//! before the episodes are contrasted with the rest of the time, and a
//! precursor is named when it is over-represented there and precedes at
//! least two episodes; its base rate (how often it would precede by
//! chance) is given beside.
//!
//! The window is [`WINDOW`], or shorter for a signature whose bursts come
//! closer together than that (a job every 25 s that makes a few errors
//! each run): with the fixed window such bursts merged into one episode,
//! so a cron-like precursor could never be found. See [`window_for`].
//!
//! # Limitations
//! - Confinement to a version is not tested: versions are known per
//!   lockfile, not per log line.
//! - A signature that never pauses (no clear gap between bursts) has one
//!   episode and no precursor.
//! - The shorter window is chosen only when the fixed one leaves fewer
//!   than [`MIN_EPISODES`] episodes, so results on inputs that the fixed
//!   window already splits stay as they were.

use super::contrast;
use super::explain::{route_shape, Timed};
use super::shifts::{stream_of, Source};
use super::signatures::SigAgg;
use crate::model::Spike;
use crate::report::model::{Intermittent, OverRepresented, Precursor};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

/// How far before an episode a precursor is looked for.
const WINDOW: SignedDuration = SignedDuration::from_secs(60);

/// Signatures analysed, most frequent first.
const MAX_SIGNATURES: usize = 10;

/// Precursors kept per signature.
const MAX_PRECURSORS: usize = 3;

/// A key must hold this share of a signature's occurrences to confine it.
const CONFINED_SHARE: f64 = 0.8;

/// The first and last record time of the bundle.
type Span = (Timestamp, Timestamp);

/// Episodes below which a shorter window is looked for.
const MIN_EPISODES: usize = 3;

/// Between-burst gaps must be this many times the within-burst gaps for
/// the bursts to count as separate episodes under a shorter window.
const BURST_CONTRAST: f64 = 4.0;

/// Shortest shorter window: bursts must be at least twice this far
/// apart. A split among smaller gaps would be noise in a dense stream
/// (the smallest of many gaps are far apart in ratio), not bursts.
const MIN_WINDOW: SignedDuration = SignedDuration::from_secs(5);

/// The precursor window for a signature's sorted `times`: [`WINDOW`],
/// unless that merges them into fewer than [`MIN_EPISODES`] episodes
/// while they fall into clear bursts. Then it is half the shortest gap
/// between bursts, so no window reaches back into the burst before.
///
/// Bursts are split at the largest jump between consecutive sorted gaps
/// among the splits that leave at least [`MIN_EPISODES`]` - 1` gaps
/// above and a window of at least [`MIN_WINDOW`]; the gap above the jump
/// must be at least [`BURST_CONTRAST`] times the one below it.
fn window_for(times: &[Timestamp]) -> SignedDuration {
    if episodes(times, WINDOW).len() >= MIN_EPISODES {
        return WINDOW;
    }
    let mut gaps: Vec<f64> = times
        .windows(2)
        .map(|w| w[1].duration_since(w[0]).as_secs_f64())
        .collect();
    gaps.sort_by(f64::total_cmp);
    let least = 2.0 * MIN_WINDOW.as_secs_f64();
    // The jump from gaps[i] (within a burst) to gaps[i + 1] (between).
    let jump = (0..gaps.len().saturating_sub(1))
        .filter(|&i| gaps.len() - 1 - i >= MIN_EPISODES - 1 && gaps[i + 1] >= least)
        .map(|i| (gaps[i + 1] / gaps[i].max(0.001), gaps[i + 1]))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match jump {
        Some((ratio, between)) if ratio >= BURST_CONTRAST => {
            SignedDuration::from_secs_f64(between / 2.0).min(WINDOW)
        }
        _ => WINDOW,
    }
}

/// Starts of runs of `times` with no gap longer than `window`.
fn episodes(times: &[Timestamp], window: SignedDuration) -> Vec<Timestamp> {
    let mut out: Vec<Timestamp> = Vec::new();
    for (i, t) in times.iter().enumerate() {
        if i == 0 || t.duration_since(times[i - 1]) > window {
            out.push(*t);
        }
    }
    out
}

/// How many of `times` fall in any of the windows before `starts`.
fn in_windows(times: &[Timestamp], starts: &[Timestamp], window: SignedDuration) -> (u64, u64) {
    let mut count = 0;
    let mut preceded = 0;
    for &e in starts {
        let a = times.partition_point(|t| *t < e - window);
        let b = times.partition_point(|t| *t < e);
        count += (b - a) as u64;
        preceded += (b > a) as u64;
    }
    (count, preceded)
}

/// The share of [first, last] that lies within `window` after one of
/// `times`.
fn base_rate(times: &[Timestamp], (first, last): Span, window: SignedDuration) -> f64 {
    let span = last.duration_since(first).as_secs_f64();
    if span <= 0.0 {
        return 1.0;
    }
    let mut covered = 0.0;
    let mut reach = first;
    for &t in times {
        let (a, b) = (t.max(reach), (t + window).min(last));
        if b > a {
            covered += b.duration_since(a).as_secs_f64();
            reach = b;
        }
    }
    (covered / span).min(1.0)
}

/// Recurring error signatures, analysed.
pub(crate) fn analyse(
    sigs: &[SigAgg],
    records: &[Timed],
    sources: &BTreeMap<&str, Source>,
    spikes: &[Spike],
    is_problem: impl Fn(&SigAgg) -> bool,
) -> Vec<Intermittent> {
    let (Some(first), Some(last)) = (records.first(), records.last()) else {
        return Vec::new();
    };
    let (first, last) = (first.time, last.time);
    let mut chosen: Vec<&SigAgg> = sigs
        .iter()
        .filter(|s| is_problem(s) && s.times.len() >= 3 && s.row.recurrence != "one-off")
        .collect();
    chosen.sort_by(|a, b| {
        b.times
            .len()
            .cmp(&a.times.len())
            .then_with(|| a.row.id.cmp(&b.row.id))
    });
    chosen.truncate(MAX_SIGNATURES);
    let record_times: Vec<Timestamp> = records.iter().map(|r| r.time).collect();
    let totals = Totals::count(records, sources);
    chosen
        .into_iter()
        .map(|s| {
            let window = window_for(&s.times);
            let starts = episodes(&s.times, window);
            let at = Before {
                starts: &starts,
                window,
                span: (first, last),
            };
            let mut precursors = if starts.len() >= 2 {
                signature_precursors(s, sigs, &at, &record_times)
            } else {
                Vec::new()
            };
            if starts.len() >= 3 {
                precursors.extend(usage_precursors(spikes, &at));
            }
            Intermittent {
                signature: s.row.id.clone(),
                template: crate::model::excerpt(&s.row.template, 160),
                count: s.row.count,
                recurrence: s.row.recurrence,
                period_s: s.row.period_s,
                episodes: starts.len() as u64,
                window_s: window.as_millis() as f64 / 1000.0,
                days: days(&s.times),
                confined: confinement(s, &totals, sources),
                precursors,
            }
        })
        .collect()
}

fn days(times: &[Timestamp]) -> Vec<(String, u64)> {
    let mut by: BTreeMap<String, u64> = BTreeMap::new();
    for t in times {
        *by.entry(t.strftime("%Y-%m-%d").to_string()).or_default() += 1;
    }
    by.into_iter().collect()
}

/// Where precursors are looked for: the windows before the episodes.
struct Before<'a> {
    starts: &'a [Timestamp],
    window: SignedDuration,
    span: Span,
}

impl Before<'_> {
    /// How many of `times` fall in the windows, and before how many
    /// episodes.
    fn count(&self, times: &[Timestamp]) -> (u64, u64) {
        in_windows(times, self.starts, self.window)
    }

    fn base_rate(&self, times: &[Timestamp]) -> f64 {
        base_rate(times, self.span, self.window)
    }
}

/// Other signatures over-represented in the windows before the episodes.
fn signature_precursors(
    s: &SigAgg,
    sigs: &[SigAgg],
    at: &Before,
    record_times: &[Timestamp],
) -> Vec<Precursor> {
    let starts = at.starts;
    let kind = |x: &SigAgg| x.kb.as_ref().map(|k| k.kind.clone());
    let (window_total, _) = at.count(record_times);
    let baseline_total = record_times.len() as u64 - window_total;
    let mut window = Vec::new();
    let mut baseline = BTreeMap::new();
    let mut preceded = BTreeMap::new();
    for p in sigs {
        // The signature itself, and others of its kind (the other side of
        // one failure), are not its precursors.
        if p.row.id == s.row.id || (kind(p).is_some() && kind(p) == kind(s)) {
            continue;
        }
        let (inside, episodes) = at.count(&p.times);
        if inside == 0 {
            continue;
        }
        window.push((p.row.id.as_str(), inside));
        baseline.insert(p.row.id.clone(), p.times.len() as u64 - inside);
        preceded.insert(p.row.id.as_str(), episodes);
    }
    contrast::over_represented(window, window_total, &baseline, baseline_total)
        .into_iter()
        .filter(|x| x.significant && preceded[x.key.as_str()] >= 2)
        .filter(|x| {
            let p = sigs.iter().find(|p| p.row.id == x.key);
            let share = preceded[x.key.as_str()] as f64 / starts.len() as f64;
            p.is_some_and(|p| beats_chance(share, at.base_rate(&p.times)))
        })
        .take(MAX_PRECURSORS)
        .filter_map(|x| {
            let p = sigs.iter().find(|p| p.row.id == x.key)?;
            Some(Precursor {
                kind: "signature",
                label: crate::model::excerpt(&p.row.template, 100),
                period_s: p.row.period_s,
                preceded: preceded[x.key.as_str()],
                of: starts.len() as u64,
                base_rate: round(at.base_rate(&p.times)),
                ratio: x.ratio,
                p_value: x.p_value,
                key: x.key,
            })
        })
        .collect()
}

/// Usage spikes that start in the windows before the episodes more often
/// than elsewhere.
fn usage_precursors(spikes: &[Spike], at: &Before) -> Vec<Precursor> {
    let starts = at.starts;
    let mut by: BTreeMap<String, Vec<Timestamp>> = BTreeMap::new();
    for s in spikes.iter().filter(|s| !super::explain::is_log_rate(s)) {
        by.entry(format!("{}@{}", s.metric, s.host))
            .or_default()
            .push(s.start);
    }
    for v in by.values_mut() {
        v.sort();
    }
    let all: u64 = by.values().map(|v| v.len() as u64).sum();
    let counted: Vec<(&str, u64, u64)> = by
        .iter()
        .map(|(k, v)| {
            let (inside, preceded) = at.count(v);
            (k.as_str(), inside, preceded)
        })
        .filter(|x| x.1 > 0)
        .collect();
    let window_total: u64 = counted.iter().map(|x| x.1).sum();
    let baseline: BTreeMap<String, u64> = by
        .iter()
        .map(|(k, v)| {
            let inside = counted.iter().find(|x| x.0 == k).map_or(0, |x| x.1);
            (k.clone(), v.len() as u64 - inside)
        })
        .collect();
    let window = counted.iter().map(|x| (x.0, x.1));
    contrast::over_represented(window, window_total, &baseline, all - window_total)
        .into_iter()
        .filter(|x| {
            let share = counted.iter().find(|c| c.0 == x.key).map_or(0, |c| c.2) as f64
                / starts.len() as f64;
            x.significant && beats_chance(share, at.base_rate(&by[&x.key]))
        })
        .take(MAX_PRECURSORS)
        .map(|x| Precursor {
            kind: "usage",
            label: format!("{} spikes", x.key),
            period_s: None,
            preceded: counted.iter().find(|c| c.0 == x.key).map_or(0, |c| c.2),
            of: starts.len() as u64,
            base_rate: round(at.base_rate(&by[&x.key])),
            ratio: x.ratio,
            p_value: x.p_value,
            key: x.key,
        })
        .collect()
}

/// A precursor must precede at least half the episodes, and half again
/// as often as chance (its base rate) would have it.
fn beats_chance(share: f64, base_rate: f64) -> bool {
    share >= 0.5 && share >= 1.5 * base_rate
}

fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Records per host, per (format, stream) and per route, counted once
/// for every signature's confinement test.
struct Totals<'a> {
    hosts: BTreeMap<&'a str, u64>,
    streams: BTreeMap<(&'a str, &'a str), u64>,
    routes: BTreeMap<&'a str, u64>,
}

impl<'a> Totals<'a> {
    fn count(records: &'a [Timed], sources: &BTreeMap<&str, Source<'a>>) -> Self {
        let mut t = Totals {
            hosts: BTreeMap::new(),
            streams: BTreeMap::new(),
            routes: BTreeMap::new(),
        };
        for r in records {
            *t.hosts.entry(r.host).or_default() += 1;
            if let Some(src) = sources.get(r.source) {
                *t.streams.entry((src.format, src.stream)).or_default() += 1;
            }
            if let Some(route) = &r.route {
                *t.routes.entry(route).or_default() += 1;
            }
        }
        t
    }
}

/// Hosts, instances (streams of the signature's log formats) and routes
/// that hold most of the signature's occurrences and significantly more
/// of it than of all records.
fn confinement(
    s: &SigAgg,
    totals: &Totals,
    sources: &BTreeMap<&str, Source>,
) -> Vec<OverRepresented> {
    let own_formats: Vec<&str> = s
        .row
        .sources
        .iter()
        .filter_map(|(p, _)| sources.get(p.as_str()).map(|x| x.format))
        .collect();
    let owned = |m: &BTreeMap<&str, u64>| -> BTreeMap<String, u64> {
        m.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    let mut streams: BTreeMap<String, u64> = BTreeMap::new();
    for ((format, stream), n) in &totals.streams {
        if own_formats.contains(format) {
            *streams.entry(stream.to_string()).or_default() += n;
        }
    }
    let all = [owned(&totals.hosts), streams, owned(&totals.routes)];
    let mut own: [BTreeMap<String, u64>; 3] = Default::default();
    for (h, n) in &s.row.hosts {
        own[0].insert(h.clone(), *n);
    }
    for (p, n) in &s.row.sources {
        *own[1].entry(stream_of(p).to_string()).or_default() += n;
    }
    for (r, n) in &s.row.routes {
        *own[2].entry(route_shape(r)).or_default() += n;
    }
    let mut out = Vec::new();
    for ((dim, own), all) in ["host", "instance", "route"].into_iter().zip(own).zip(all) {
        // One key in the whole bundle confines nothing.
        if all.len() < 2 {
            continue;
        }
        let total: u64 = own.values().sum();
        let baseline: BTreeMap<String, u64> = all
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.saturating_sub(own.get(k).copied().unwrap_or(0)),
                )
            })
            .collect();
        let rest: u64 = baseline.values().sum();
        let window = own.iter().map(|(k, v)| (k.as_str(), *v));
        out.extend(
            contrast::over_represented(window, total, &baseline, rest)
                .into_iter()
                .filter(|x| x.significant && x.window as f64 >= CONFINED_SHARE * total as f64)
                .take(1)
                .map(|x| super::explain::item(dim, x)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_764_864_000 + s).unwrap()
    }

    #[test]
    fn episodes_and_base_rate() {
        let t: Vec<Timestamp> = [0, 10, 20, 200, 205, 1000].iter().map(|&s| at(s)).collect();
        assert_eq!(episodes(&t, WINDOW), vec![at(0), at(200), at(1000)]);
        // A job every 600 s covers 60 s of each 600: a tenth of the time.
        let cron: Vec<Timestamp> = (0..10).map(|i| at(i * 600)).collect();
        assert!((base_rate(&cron, (at(0), at(6000)), WINDOW) - 0.1).abs() < 1e-9);
        let (inside, preceded) = in_windows(&cron, &[at(630), at(1250), at(3000)], WINDOW);
        assert_eq!((inside, preceded), (2, 2));
    }

    #[test]
    fn bursts_closer_than_the_window_get_a_shorter_one() {
        // A job every 25 s; each run makes errors 1.2, 1.9 and 2.6 s after it.
        let mut t: Vec<Timestamp> = Vec::new();
        for run in 0..10 {
            for ms in [1200, 1900, 2600] {
                t.push(Timestamp::from_millisecond(at(run * 25).as_millisecond() + ms).unwrap());
            }
        }
        // The fixed window merges all 30 into one episode.
        assert_eq!(episodes(&t, WINDOW).len(), 1);
        // The bursts are 23.6 s apart at the least: half of that.
        let w = window_for(&t);
        assert_eq!(w, SignedDuration::from_millis(11_800));
        assert_eq!(episodes(&t, w).len(), 10);
        // Evenly spread errors have no bursts: the window stays.
        let steady: Vec<Timestamp> = (0..30).map(|i| at(i * 7)).collect();
        assert_eq!(window_for(&steady), WINDOW);
        // Bursts the fixed window already separates keep it.
        let apart: Vec<Timestamp> = [0, 1, 200, 201, 400, 401].iter().map(|&s| at(s)).collect();
        assert_eq!(window_for(&apart), WINDOW);
        // A dense stream whose smallest gaps differ a lot in ratio is not
        // bursts: a split there would leave a window under 5 s.
        let dense: Vec<Timestamp> = [0, 1, 1001, 2001, 3001, 3002, 4002]
            .iter()
            .map(|&ms| Timestamp::from_millisecond(at(0).as_millisecond() + ms).unwrap())
            .collect();
        assert_eq!(window_for(&dense), WINDOW);
    }
}
