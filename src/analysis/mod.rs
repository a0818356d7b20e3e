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
//! - Clock skew between hosts is measured on requests both sides logged
//!   (see [`skew`]) and reported, not corrected: every source's own clock
//!   still places its records.
//! - Finding scores are a heuristic (knowledge-base weight times the log
//!   of the count, usage checks scaled onto the same range), not a
//!   probability.

mod changes;
mod charts;
pub mod contrast;
mod correlate;
pub mod kb;
pub mod layout;
mod pipeline;
mod rates;
pub mod rotation;
pub mod series;
mod signatures;
pub mod skew;

pub use pipeline::{
    analyze, analyze_bundle, timeline, usage_samples, warnings, Config, TimelineRow, Window,
};
