//! Analysis: from parsed evidence to ranked findings, tier status, the
//! connections between tiers, a timeline, and advice.

mod changes;
mod correlate;
pub mod kb;
mod pipeline;
mod rates;
pub mod series;
mod signatures;

pub use pipeline::{analyze, analyze_bundle, timeline, warnings, Config, TimelineRow};
