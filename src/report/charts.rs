//! The series the HTML report draws, kept in the report model so every
//! renderer reads the same numbers and the JSON form can be charted by
//! other tools.
//!
//! Sizes are bounded: at most [`MAX_POINTS`] points a series (longer
//! series keep the largest value of each slice of time, so a spike
//! survives), [`MAX_SERIES`] series and [`MAX_WINDOWS`] spike windows a
//! panel, and [`MAX_MARKERS`] markers.
//!
//! # Limitations
//! - Points are plain values at times; a series does not say whether its
//!   value is a gauge, a rate per second or a count per bucket except by
//!   its panel's `unit`.

use jiff::Timestamp;
use serde::Serialize;

/// Most points kept for one series.
pub const MAX_POINTS: usize = 240;
/// Most series drawn in one panel.
pub const MAX_SERIES: usize = 6;
/// Most change, restart and deploy markers kept.
pub const MAX_MARKERS: usize = 40;
/// Most spike windows shaded on one panel, highest scores first.
pub const MAX_WINDOWS: usize = 12;

/// Everything the charts need: panels of series over one time axis, and
/// the changes marked on all of them.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Charts {
    /// Start of the time axis every panel shares (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Timestamp>,
    /// End of the shared time axis (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Timestamp>,
    /// One chart each, in report order: log rates first, then usage.
    pub panels: Vec<Panel>,
    /// Dependency changes, restarts and deploys, in time order, drawn as
    /// vertical lines on every panel.
    pub markers: Vec<Marker>,
}

/// One chart: a few series sharing a unit, with the windows where one of
/// them spiked.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Panel {
    /// Stable machine name: `log_rates`, `signature_rates`, `memory`,
    /// `cpu`, `load`, `disk`, `disk_io`, `connections`, `queries`.
    pub id: String,
    /// Heading shown above the chart.
    pub title: String,
    /// Unit of every series' values: `per bucket`, `bytes`, `percent`,
    /// `count`, `load`, `blocks per s` or `ms per s`.
    pub unit: String,
    /// Width of a bucket in seconds, for counts per bucket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket_s: Option<i64>,
    /// The series drawn, largest peak first.
    pub series: Vec<Series>,
    /// Series of this kind left out to stay within the bound.
    pub series_omitted: usize,
    /// A horizontal limit line (Postgres `max_connections`, 100 %), with
    /// its label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
    /// Spike windows of this panel's series, shaded on the chart; the
    /// [`MAX_WINDOWS`] highest scores.
    pub spikes: Vec<Window>,
}

/// One line of a chart.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Series {
    /// Legend text: the metric and its labels, or a signature's template.
    pub name: String,
    /// The metric the points come from (`http.requests`,
    /// `signature:<id>`, `mem.used_bytes`, ...).
    pub metric: String,
    /// Host the series was measured on.
    pub host: String,
    /// Times (UTC) and values, in time order.
    pub points: Vec<Point>,
    /// Points merged away to stay within [`MAX_POINTS`]; each kept point
    /// then holds the largest value of its slice.
    pub points_merged: usize,
}

/// A value at a time.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Point {
    /// When (UTC).
    pub t: Timestamp,
    /// The value, in the panel's unit.
    pub v: f64,
}

/// A horizontal line marking a limit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Limit {
    /// The limit, in the panel's unit.
    pub value: f64,
    /// What the limit is, e.g. `max_connections 100`.
    pub label: String,
}

/// A stretch of time where a series rose far above its baseline.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Window {
    /// Start of the window (UTC).
    pub start: Timestamp,
    /// End of the window (UTC).
    pub end: Timestamp,
    /// Which series spiked and how far: metric, host, baseline and peak.
    pub label: String,
}

/// A moment worth a vertical line on every chart.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Marker {
    /// When (UTC).
    pub time: Timestamp,
    /// `change` (dependency change) or `lifecycle` (restart, stop,
    /// deploy).
    pub kind: String,
    /// What happened, shown as the marker's tooltip.
    pub label: String,
}
