//! Charts as inline SVG, drawn by hand so the HTML report fetches nothing:
//! a time axis in UTC shared by every chart, lines for series, shaded
//! spike windows, vertical lines for changes and restarts, and `<title>`
//! elements as tooltips. The report's spike-explanation windows are
//! outlined and numbered (`W1`, `W2`, ... as in their section) on the
//! timeline and the log-rate charts, and the signature shifts' change
//! points make a row of the timeline.
//!
//! Coordinates are printed with one decimal, so the same report always
//! gives the same bytes.
//!
//! # Limitations
//! - Axes are linear; a series a thousand times smaller than its
//!   neighbour on the same panel hugs the bottom.
//! - Marker labels are tooltips and numbers, not text beside each line,
//!   so that close markers do not overprint one another.
//! - At most [`MAX_WINDOWS`] explanation windows and [`MAX_MARKERS`]
//!   shift points are drawn, the first of their sections' orders; the
//!   tables list them all.

use super::charts::{Charts, Marker, Panel, Window, MAX_MARKERS, MAX_WINDOWS};
use super::html::esc;
use super::model::{Report, SpikeExplanation};
use jiff::Timestamp;
use std::fmt::Write;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 34.0;

/// The shared horizontal scale: milliseconds since the epoch to pixels.
#[derive(Clone, Copy)]
pub(crate) struct TimeAxis {
    start: i64,
    end: i64,
}

impl TimeAxis {
    /// The charts' span, widened to at least a second.
    pub(crate) fn of(charts: &Charts) -> Option<TimeAxis> {
        let (start, end) = (charts.start?, charts.end?);
        let (start, end) = (start.as_millisecond(), end.as_millisecond());
        Some(TimeAxis {
            start,
            end: end.max(start + 1000),
        })
    }

    fn x(&self, t: Timestamp) -> f64 {
        let f = (t.as_millisecond() - self.start) as f64 / (self.end - self.start) as f64;
        LEFT + f * (WIDTH - LEFT - RIGHT)
    }

    fn contains(&self, t: Timestamp) -> bool {
        (self.start..=self.end).contains(&t.as_millisecond())
    }

    /// Round tick times, six to twelve across the span, and their label
    /// format.
    fn ticks(&self) -> (Vec<Timestamp>, &'static str) {
        let span_s = (self.end - self.start) / 1000;
        let ladder = [
            1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
            86400, 172800, 604800,
        ];
        let step = ladder
            .iter()
            .copied()
            .find(|s| span_s / s <= 10)
            .unwrap_or(2_592_000);
        let fmt = if span_s > 86400 {
            "%m-%d %H:%M"
        } else if step < 60 {
            "%H:%M:%S"
        } else {
            "%H:%M"
        };
        let step_ms = step * 1000;
        let first = (self.start + step_ms - 1).div_euclid(step_ms) * step_ms;
        let ticks = (0..)
            .map(|i| first + i * step_ms)
            .take_while(|&t| t <= self.end)
            .filter_map(|t| Timestamp::from_millisecond(t).ok())
            .collect();
        (ticks, fmt)
    }
}

fn f1(v: f64) -> String {
    format!("{v:.1}")
}

/// The time axis at the bottom of a chart `height` pixels tall.
fn time_axis(w: &mut String, axis: &TimeAxis, height: f64) {
    let base = height - BOTTOM;
    let _ = write!(
        w,
        r#"<g class="axis"><line x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
        f1(LEFT),
        f1(base),
        f1(WIDTH - RIGHT),
        f1(base)
    );
    let (ticks, fmt) = axis.ticks();
    for t in ticks {
        let x = f1(axis.x(t));
        let _ = write!(
            w,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}"/><text x="{x}" y="{}" text-anchor="middle">{}</text>"#,
            f1(base),
            f1(base + 4.0),
            f1(base + 16.0),
            t.strftime(fmt)
        );
    }
    let _ = write!(
        w,
        r#"<text x="{}" y="{}" text-anchor="end">UTC</text></g>"#,
        f1(WIDTH - RIGHT),
        f1(height - 4.0)
    );
}

/// Vertical lines for the markers, numbered as in the marker list.
/// Markers closer than [`LABEL_GAP`] pixels share one label (`1–3`), so
/// numbers do not overprint.
fn markers(w: &mut String, axis: &TimeAxis, markers: &[Marker], height: f64) {
    let shown: Vec<(usize, f64)> = markers
        .iter()
        .enumerate()
        .filter(|(_, m)| axis.contains(m.time))
        .map(|(i, m)| (i + 1, axis.x(m.time)))
        .collect();
    for &(n, x) in &shown {
        let m = &markers[n - 1];
        let x = f1(x);
        let _ = write!(
            w,
            r#"<g class="marker {}"><title>{n} {} UTC: {}</title><line x1="{x}" y1="{}" x2="{x}" y2="{}"/></g>"#,
            esc(&m.kind),
            m.time.strftime("%Y-%m-%d %H:%M:%S"),
            esc(&m.label),
            f1(TOP),
            f1(height - BOTTOM),
        );
    }
    for group in label_groups(&shown) {
        let (first, x) = group[0];
        let last = group[group.len() - 1].0;
        let text = if first == last {
            first.to_string()
        } else {
            format!("{first}–{last}")
        };
        let _ = write!(
            w,
            r#"<text class="marker-label" x="{}" y="{}" text-anchor="middle">{text}</text>"#,
            f1(x),
            f1(TOP - 6.0)
        );
    }
}

/// Closest two marker labels may stand, in pixels.
const LABEL_GAP: f64 = 16.0;

/// Runs of markers (number, x) each within [`LABEL_GAP`] of the run's
/// first.
fn label_groups(shown: &[(usize, f64)]) -> Vec<&[(usize, f64)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=shown.len() {
        if i == shown.len() || shown[i].1 - shown[start].1 >= LABEL_GAP {
            if i > start {
                out.push(&shown[start..i]);
            }
            start = i;
        }
    }
    out
}

/// A shaded spike window, at least three pixels wide, `plot_h` tall.
fn spike(w: &mut String, axis: &TimeAxis, s: &Window, plot_h: f64) {
    let (x0, x1) = (axis.x(s.start), axis.x(s.end));
    let _ = write!(
        w,
        r#"<rect class="spike" x="{}" y="{}" width="{}" height="{}"><title>{} to {} UTC: {}</title></rect>"#,
        f1(x0.min(x1)),
        f1(TOP),
        f1((x1 - x0).abs().max(3.0)),
        f1(plot_h),
        s.start.strftime("%H:%M:%S"),
        s.end.strftime("%H:%M:%S"),
        esc(&s.label)
    );
}

/// The spike-explanation windows, outlined and numbered as in their
/// section, each with its top keys as tooltip.
fn explained(w: &mut String, axis: &TimeAxis, windows: &[SpikeExplanation], plot_h: f64) {
    for (i, e) in windows.iter().enumerate().take(MAX_WINDOWS) {
        let (x0, x1) = (axis.x(e.start), axis.x(e.end));
        let keys: Vec<&str> = e
            .items
            .iter()
            .take(3)
            .map(|o| o.label.as_deref().unwrap_or(&o.key))
            .collect();
        let _ = write!(
            w,
            r#"<g class="explained"><title>W{n} {} to {} UTC, more of: {}</title><rect x="{}" y="{}" width="{}" height="{}"/><text x="{}" y="{}">W{n}</text></g>"#,
            e.start.strftime("%H:%M:%S"),
            e.end.strftime("%H:%M:%S"),
            esc(&keys.join("; ")),
            f1(x0.min(x1)),
            f1(TOP),
            f1((x1 - x0).abs().max(3.0)),
            f1(plot_h),
            f1(x0.min(x1) + 2.0),
            f1(TOP + 11.0),
            n = i + 1,
        );
    }
}

/// A round upper bound and tick step for values up to `max`; bytes are
/// rounded in binary units (256 MiB, not 268.4 MB).
fn nice_max(max: f64, unit: &str) -> (f64, f64) {
    if max <= 0.0 || !max.is_finite() {
        return (1.0, 0.25);
    }
    if unit == "bytes" && max >= 1024.0 {
        let scale = 1024f64.powi((max.log2() / 10.0).floor().min(4.0) as i32);
        let (top, step) = nice_max(max / scale, "");
        return (top * scale, step * scale);
    }
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    ((max / step).ceil() * step, step)
}

/// A value as the panel's unit shows it.
pub(crate) fn fmt_value(v: f64, unit: &str) -> String {
    match unit {
        "bytes" => {
            let h = crate::usage::human(v);
            h.replace(".0 ", " ")
        }
        "percent" if v.fract() == 0.0 => format!("{v:.0}%"),
        "percent" => format!("{v:.2}%"),
        _ if v.abs() >= 1e6 => format!("{:.1}M", v / 1e6),
        _ if v.abs() >= 1e4 => format!("{:.0}k", v / 1e3),
        _ if v.fract() == 0.0 => format!("{v:.0}"),
        _ => format!("{v:.2}"),
    }
}

/// One panel: shaded spikes, the explanation windows when it charts log
/// rates, gridlines, series, limit line and markers.
pub(crate) fn panel(p: &Panel, axis: &TimeAxis, r: &Report) -> String {
    let height = 220.0;
    let plot_h = height - TOP - BOTTOM;
    let data_max = p
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|x| x.v))
        .chain(p.limit.as_ref().map(|l| l.value))
        .fold(0.0, f64::max);
    let (top, step) = nice_max(data_max, &p.unit);
    let y = |v: f64| TOP + plot_h * (1.0 - v / top);
    let mut w = String::new();
    let _ = write!(
        w,
        r#"<svg class="chart" data-panel="{}" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{}"><title>{}</title>"#,
        esc(&p.id),
        esc(&p.title),
        esc(&p.title)
    );
    for s in &p.spikes {
        spike(&mut w, axis, s, plot_h);
    }
    if matches!(p.id.as_str(), "log_rates" | "signature_rates") {
        explained(&mut w, axis, &r.spike_explanations, plot_h);
    }
    let _ = write!(w, r#"<g class="grid">"#);
    let mut v = 0.0;
    while v <= top + step / 2.0 {
        let _ = write!(
            w,
            r#"<line x1="{}" y1="{yy}" x2="{}" y2="{yy}"/><text x="{}" y="{}" text-anchor="end">{}</text>"#,
            f1(LEFT),
            f1(WIDTH - RIGHT),
            f1(LEFT - 6.0),
            f1(y(v) + 4.0),
            esc(&fmt_value(v, &p.unit)),
            yy = f1(y(v)),
        );
        v += step;
    }
    w.push_str("</g>");
    time_axis(&mut w, axis, height);
    for (i, s) in p.series.iter().enumerate() {
        let pts: Vec<String> = s
            .points
            .iter()
            .map(|pt| format!("{},{}", f1(axis.x(pt.t)), f1(y(pt.v))))
            .collect();
        let _ = write!(
            w,
            r#"<polyline class="series c{}" points="{}"><title>{}</title></polyline>"#,
            i % 6,
            pts.join(" "),
            esc(&s.name)
        );
    }
    if let Some(l) = &p.limit {
        let _ = write!(
            w,
            r#"<g class="limit"><title>{}</title><line x1="{}" y1="{yy}" x2="{}" y2="{yy}"/><text x="{}" y="{}" text-anchor="end">{}</text></g>"#,
            esc(&l.label),
            f1(LEFT),
            f1(WIDTH - RIGHT),
            f1(WIDTH - RIGHT - 4.0),
            f1(y(l.value) - 4.0),
            esc(&l.label),
            yy = f1(y(l.value)),
        );
    }
    markers(&mut w, axis, &r.charts.markers, height);
    w.push_str("</svg>");
    w
}

/// The timeline strip: one row of ticks per event kind and one of the
/// signature shifts' change points, spike windows of every panel shaded
/// and the explanation windows outlined behind them, and the markers.
pub(crate) fn timeline(r: &Report, axis: &TimeAxis) -> String {
    let events = &r.timeline;
    let shifts: Vec<_> = r
        .signature_shifts
        .iter()
        .filter(|x| axis.contains(x.at))
        .take(MAX_MARKERS)
        .collect();
    let kinds: Vec<&str> = {
        let mut k: Vec<&str> = events.iter().map(|e| e.kind).collect();
        k.sort_unstable();
        k.dedup();
        k
    };
    let rows = kinds.len() + usize::from(!shifts.is_empty());
    let row_h = 22.0;
    let height = TOP + BOTTOM + row_h * rows.max(1) as f64;
    let row_y = |row: usize| TOP + row_h * row as f64 + row_h / 2.0;
    let mut w = String::new();
    let _ = write!(
        w,
        r#"<svg class="chart" data-panel="timeline" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="Timeline"><title>Timeline</title>"#
    );
    for s in r.charts.panels.iter().flat_map(|p| &p.spikes) {
        spike(&mut w, axis, s, height - TOP - BOTTOM);
    }
    explained(&mut w, axis, &r.spike_explanations, height - TOP - BOTTOM);
    for (row, kind) in kinds.iter().enumerate() {
        let y = row_y(row);
        row_label(&mut w, y, kind);
        for e in events
            .iter()
            .filter(|e| e.kind == *kind && axis.contains(e.time))
        {
            let _ = write!(
                w,
                r#"<circle class="event {}" cx="{}" cy="{}" r="4"><title>{} UTC: {}</title></circle>"#,
                esc(kind),
                f1(axis.x(e.time)),
                f1(y),
                e.time.strftime("%H:%M:%S"),
                esc(&e.title)
            );
        }
    }
    if !shifts.is_empty() {
        let y = row_y(kinds.len());
        row_label(&mut w, y, "shift");
        for x in shifts {
            let _ = write!(
                w,
                r#"<circle class="event shift" cx="{}" cy="{}" r="4"><title>{} UTC: {} {} ({} per hour)</title></circle>"#,
                f1(axis.x(x.at)),
                f1(y),
                x.at.strftime("%H:%M:%S"),
                esc(x.change),
                esc(&x.template),
                esc(&super::fmt::per_hour(x.before_per_hour, x.after_per_hour))
            );
        }
    }
    time_axis(&mut w, axis, height);
    markers(&mut w, axis, &r.charts.markers, height);
    w.push_str("</svg>");
    w
}

/// A timeline row's name, left of the plot.
fn row_label(w: &mut String, y: f64, name: &str) {
    let _ = write!(
        w,
        r#"<text class="row" x="{}" y="{}" text-anchor="end">{}</text>"#,
        f1(LEFT - 6.0),
        f1(y + 4.0),
        esc(name)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_markers_share_a_label() {
        let shown = [(1, 100.0), (2, 101.0), (3, 110.0), (4, 300.0), (5, 320.0)];
        let groups: Vec<Vec<usize>> = label_groups(&shown)
            .iter()
            .map(|g| g.iter().map(|m| m.0).collect())
            .collect();
        assert_eq!(groups, [vec![1, 2, 3], vec![4], vec![5]]);
        assert!(label_groups(&[]).is_empty());
    }

    #[test]
    fn nice_max_rounds_up_to_a_round_step() {
        assert_eq!(nice_max(97.0, "count"), (100.0, 25.0));
        assert_eq!(nice_max(3.2, "load"), (4.0, 1.0));
        assert_eq!(nice_max(0.0, "count"), (1.0, 0.25));
        let mib = 1024.0 * 1024.0;
        assert_eq!(nice_max(953.7 * mib, "bytes"), (1000.0 * mib, 250.0 * mib));
        assert_eq!(fmt_value(250.0 * mib, "bytes"), "250 MiB");
    }

    #[test]
    fn ticks_fall_on_round_times_inside_the_span() {
        let start = Timestamp::from_second(1_764_865_100).unwrap(); // 16:18:20
        let axis = TimeAxis {
            start: start.as_millisecond(),
            end: start.as_millisecond() + 325_000,
        };
        let (ticks, fmt) = axis.ticks();
        assert_eq!(fmt, "%H:%M:%S");
        assert!(ticks.len() >= 5 && ticks.len() <= 11, "{ticks:?}");
        assert!(ticks.iter().all(|t| t.as_second() % 30 == 0));
        assert!(ticks.iter().all(|t| axis.contains(*t)));
    }
}
