//! Analysis: from parsed evidence to ranked findings, tier status, the
//! connections between tiers, a timeline, and advice.
//!
//! # Limitations
//! - Candidate causes are restarts, dependency changes and request spikes
//!   that precede a problem; configuration changes and usage states are
//!   not yet ranked as causes, and no significance test compares a spike
//!   window with a baseline window (log rate analysis).
//! - Intermittent problems are not yet classified as periodic, bursty or
//!   steady; recurrence across days is not reported.
//! - Clock skew between hosts is not detected; every source's own clock
//!   is trusted.
//! - Finding scores are a heuristic (knowledge-base weight times the log
//!   of the count, usage checks scaled onto the same range), not a
//!   probability.

mod causes;
mod changes;
pub mod contrast;
mod correlate;
mod disagree;
mod explain;
mod intermittent;
pub mod kb;
mod pipeline;
mod rates;
pub mod series;
mod shifts;
mod signatures;

pub use pipeline::{analyze, analyze_bundle, timeline, warnings, Config, TimelineRow};
