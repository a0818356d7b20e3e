//! Picks and bounds the series the report charts: log rates (requests,
//! server errors, the busiest problem signatures), then memory, CPU,
//! load, disk and Postgres connections against `max_connections`, each
//! with its spike windows, and the changes and restarts as markers.
//!
//! # Limitations
//! - Per-process series (`proc.*`) are not charted: a bundle can hold
//!   hundreds of processes; the findings name the ones that matter.
//! - Markers outside the span of the charted series are kept in the model
//!   but fall off the drawn axis.

use super::signatures::spread;
use crate::model::{Sample, Spike};
use crate::report::charts::*;
use crate::report::model::{Report, TimelineEvent};
use std::collections::BTreeMap;

/// What the charts are drawn from besides the report itself.
#[derive(Default)]
pub(crate) struct ChartInput {
    /// Log rates per bucket (`http.requests`, `http.5xx`,
    /// `signature:<id>`).
    pub rates: Vec<Sample>,
    /// Usage snapshot and Postgres samples.
    pub usage: Vec<Sample>,
    pub max_connections: Option<u32>,
    /// Query text by fingerprint id, for the legends of query series.
    pub queries: BTreeMap<String, String>,
}

/// Which metrics go on one panel.
struct PanelDef {
    id: &'static str,
    title: &'static str,
    unit: &'static str,
    metrics: &'static [&'static str],
}

const PANELS: &[PanelDef] = &[
    PanelDef {
        id: "log_rates",
        title: "Requests and server errors",
        unit: "per bucket",
        metrics: &["http.requests", "http.5xx"],
    },
    PanelDef {
        id: "signature_rates",
        title: "Problem signatures",
        unit: "per bucket",
        metrics: &["signature:"],
    },
    PanelDef {
        id: "memory",
        title: "Memory",
        unit: "bytes",
        metrics: &["mem.used_bytes", "swap.used_bytes"],
    },
    PanelDef {
        id: "cpu",
        title: "CPU",
        unit: "percent",
        metrics: &[
            "cpu.user_pct",
            "cpu.system_pct",
            "cpu.iowait_pct",
            "vm.cpu_iowait_pct",
        ],
    },
    PanelDef {
        id: "load",
        title: "Load average",
        unit: "load",
        metrics: &["load.1m"],
    },
    PanelDef {
        id: "disk",
        title: "Disk use",
        unit: "percent",
        metrics: &["disk.use_pct"],
    },
    PanelDef {
        id: "disk_io",
        title: "Disk reads and writes",
        unit: "blocks per s",
        metrics: &["vm.blocks_in_per_s", "vm.blocks_out_per_s"],
    },
    PanelDef {
        id: "connections",
        title: "Postgres connections",
        unit: "count",
        metrics: &["pg.conn.total", "pg.conn.state"],
    },
    PanelDef {
        id: "queries",
        title: "Postgres execution time of the busiest queries",
        unit: "ms per s",
        metrics: &["pg.stmt.exec_ms_per_s"],
    },
];

/// Series key: metric, host, labels.
type Key = (String, String, Vec<(String, String)>);

/// Builds the charts from the samples and the finished report's spikes,
/// signatures and timeline.
pub(crate) fn build(input: &ChartInput, report: &Report) -> Charts {
    let mut all: Vec<Sample> = input.rates.clone();
    all.extend(input.usage.iter().cloned());
    let grouped = group(&all);
    let mut charts = Charts::default();
    for def in PANELS {
        if let Some(p) = panel(def, &grouped, report, input) {
            charts.panels.push(p);
        }
    }
    let times = charts
        .panels
        .iter()
        .flat_map(|p| p.series.iter().flat_map(|s| s.points.iter().map(|p| p.t)));
    charts.start = times.clone().min();
    charts.end = times.max();
    charts.markers = markers(&report.timeline);
    charts
}

fn group(samples: &[Sample]) -> BTreeMap<Key, Vec<Point>> {
    let mut out: BTreeMap<Key, Vec<Point>> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.value.is_finite()) {
        let key = (s.metric.clone(), s.host.clone(), s.labels.clone());
        out.entry(key).or_default().push(Point {
            t: s.time,
            v: s.value,
        });
    }
    for points in out.values_mut() {
        points.sort_by(|a, b| a.t.cmp(&b.t).then(a.v.total_cmp(&b.v)));
        points.dedup_by(|b, a| {
            a.t == b.t && {
                a.v = a.v.max(b.v);
                true
            }
        });
    }
    out
}

fn matches(def: &PanelDef, metric: &str) -> bool {
    def.metrics
        .iter()
        .any(|m| metric == *m || (m.ends_with(':') && metric.starts_with(m)))
}

fn panel(
    def: &PanelDef,
    grouped: &BTreeMap<Key, Vec<Point>>,
    report: &Report,
    input: &ChartInput,
) -> Option<Panel> {
    let hosts: std::collections::BTreeSet<&str> = grouped
        .keys()
        .filter(|k| matches(def, &k.0))
        .map(|k| k.1.as_str())
        .collect();
    let mut chosen: Vec<(&Key, &Vec<Point>)> = grouped
        .iter()
        // A usage series that stays at zero (an idle tmpfs) says nothing;
        // zero server errors do.
        .filter(|(k, p)| matches(def, &k.0) && p.len() >= 2)
        .filter(|(_, p)| def.unit == "per bucket" || p.iter().any(|x| x.v != 0.0))
        .collect();
    if chosen.is_empty() {
        return None;
    }
    // Largest peak first; signatures by their total count.
    let weight = |p: &[Point]| -> f64 {
        if def.id == "signature_rates" {
            p.iter().map(|x| x.v).sum()
        } else {
            p.iter().map(|x| x.v).fold(f64::MIN, f64::max)
        }
    };
    chosen.sort_by(|a, b| weight(b.1).total_cmp(&weight(a.1)).then(a.0.cmp(b.0)));
    let omitted = chosen.len().saturating_sub(MAX_SERIES);
    chosen.truncate(MAX_SERIES);
    let series: Vec<Series> = chosen
        .iter()
        .map(|(k, points)| {
            let (points, merged) = bound(points, MAX_POINTS);
            Series {
                name: series_name(k, hosts.len() > 1, report, input),
                metric: k.0.clone(),
                host: k.1.clone(),
                points,
                points_merged: merged,
            }
        })
        .collect();
    let spikes = report
        .spikes
        .iter()
        .filter(|s| chosen.iter().any(|(k, _)| spike_of(s, k)))
        .take(MAX_WINDOWS)
        .map(|s| Window {
            start: s.start,
            end: s.end,
            label: format!(
                "{} on {}: from a baseline of {} to {}",
                short_metric(&s.metric, report),
                s.host,
                super::series::show_size(&s.metric, s.baseline).unwrap_or_else(|| num(s.baseline)),
                super::series::show_size(&s.metric, s.peak).unwrap_or_else(|| num(s.peak))
            ),
        })
        .collect();
    Some(Panel {
        id: def.id.into(),
        title: def.title.into(),
        unit: def.unit.into(),
        bucket_s: bucket(def, &series),
        series,
        series_omitted: omitted,
        limit: limit(def, input),
        spikes,
    })
}

fn spike_of(s: &Spike, k: &Key) -> bool {
    s.metric == k.0 && s.host == k.1 && s.labels == k.2
}

/// Width of a bucket, for panels of counts per bucket.
fn bucket(def: &PanelDef, series: &[Series]) -> Option<i64> {
    if def.unit != "per bucket" {
        return None;
    }
    let p = &series.first()?.points;
    Some(p.get(1)?.t.duration_since(p.first()?.t).as_secs())
}

fn limit(def: &PanelDef, input: &ChartInput) -> Option<Limit> {
    match def.id {
        "connections" => input.max_connections.map(|m| Limit {
            value: f64::from(m),
            label: format!("max_connections {m}"),
        }),
        "memory" => input
            .usage
            .iter()
            .filter(|s| s.metric == "mem.total_bytes")
            .map(|s| s.value)
            .max_by(f64::total_cmp)
            .map(|m| Limit {
                value: m,
                label: format!("total {}", crate::usage::human(m)),
            }),
        "disk" => Some(Limit {
            value: 100.0,
            label: "full".into(),
        }),
        _ => None,
    }
}

/// Legend text: a signature's template, a query's text, else the metric
/// and labels, with the host when the panel has several.
fn series_name(k: &Key, with_host: bool, report: &Report, input: &ChartInput) -> String {
    let mut name = short_metric(&k.0, report);
    for (key, v) in &k.2 {
        match input.queries.get(v).filter(|_| key == "query") {
            Some(q) => name = crate::model::excerpt(q, 60),
            None => name.push_str(&format!(" {key}={v}")),
        }
    }
    if with_host {
        name.push_str(&format!(" on {}", k.1));
    }
    name
}

/// A signature metric as its template, cut short; other metrics as they
/// are.
fn short_metric(metric: &str, report: &Report) -> String {
    let Some(id) = metric.strip_prefix("signature:") else {
        return metric.to_string();
    };
    report
        .signatures
        .iter()
        .find(|s| s.id == id)
        .map(|s| crate::model::excerpt(&s.template, 60))
        .unwrap_or_else(|| metric.to_string())
}

fn num(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// At most `max` points: longer series keep, of each equal slice of their
/// time span, the point with the largest value, so spikes survive.
/// Returns the points and how many were merged away.
fn bound(points: &[Point], max: usize) -> (Vec<Point>, usize) {
    if points.len() <= max {
        return (points.to_vec(), 0);
    }
    let t0 = points[0].t.as_millisecond();
    let span = (points[points.len() - 1].t.as_millisecond() - t0).max(1) as i128;
    let mut slices: BTreeMap<usize, Point> = BTreeMap::new();
    for p in points {
        let at = (p.t.as_millisecond() - t0) as i128 * (max as i128 - 1) / span;
        let slot = slices.entry(at as usize).or_insert(*p);
        if p.v > slot.v {
            *slot = *p;
        }
    }
    let kept: Vec<Point> = slices.into_values().collect();
    let merged = points.len() - kept.len();
    (kept, merged)
}

/// Dependency changes first, then restarts and deploys, at most
/// [`MAX_MARKERS`] in all, in time order; restarts beyond the room left are
/// spread evenly from the first to the last, so a crash loop shows its
/// whole length.
fn markers(timeline: &[TimelineEvent]) -> Vec<Marker> {
    let of = |kind: &'static str| timeline.iter().filter(move |e| e.kind == kind);
    let changes: Vec<_> = of("change").take(MAX_MARKERS).collect();
    let lifecycle: Vec<_> = of("lifecycle").collect();
    let room = MAX_MARKERS - changes.len();
    let spread: Vec<_> = match (lifecycle.len(), room) {
        (n, r) if n <= r => lifecycle,
        (_, 0) => Vec::new(),
        (_, 1) => vec![lifecycle[lifecycle.len() - 1]],
        (n, r) => spread(n, r).map(|i| lifecycle[i]).collect(),
    };
    let mut out: Vec<Marker> = changes
        .into_iter()
        .chain(spread)
        .map(|e| Marker {
            time: e.time,
            kind: e.kind.to_string(),
            label: e.title.clone(),
        })
        .collect();
    out.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| a.label.cmp(&b.label)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    fn p(s: i64, v: f64) -> Point {
        Point {
            t: Timestamp::from_second(1_700_000_000 + s).unwrap(),
            v,
        }
    }

    /// QA: 100 restarts and 2 dependency changes; the chart keeps both
    /// changes and spreads the rest from the first restart to the last.
    #[test]
    fn markers_spread_restarts_and_keep_the_last() {
        let ev = |s: i64, kind: &'static str| TimelineEvent {
            time: Timestamp::from_second(1_700_000_000 + s).unwrap(),
            kind,
            title: format!("{kind} {s}"),
            evidence: None,
        };
        let mut timeline: Vec<TimelineEvent> = (0..100).map(|i| ev(i * 30, "lifecycle")).collect();
        timeline.push(ev(15, "change"));
        timeline.push(ev(45, "change"));
        let m = markers(&timeline);
        assert_eq!(m.len(), MAX_MARKERS);
        assert_eq!(m.iter().filter(|x| x.kind == "change").count(), 2);
        assert_eq!(m[0].label, "lifecycle 0");
        assert_eq!(m[m.len() - 1].label, "lifecycle 2970");
    }

    #[test]
    fn bound_keeps_the_peak_and_counts_what_it_merged() {
        let mut pts: Vec<Point> = (0..1000).map(|i| p(i, 1.0)).collect();
        pts[517].v = 99.0;
        let (kept, merged) = bound(&pts, 100);
        assert!(kept.len() <= 100);
        assert_eq!(merged, 1000 - kept.len());
        assert!(kept.iter().any(|x| x.v == 99.0 && x.t == pts[517].t));
        assert!(kept.windows(2).all(|w| w[0].t < w[1].t));
    }

    #[test]
    fn short_series_are_kept_whole() {
        let pts: Vec<Point> = (0..10).map(|i| p(i, i as f64)).collect();
        assert_eq!(bound(&pts, 100), (pts.clone(), 0));
    }
}
