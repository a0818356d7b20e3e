//! Analysis: from parsed evidence to ranked findings, tier status, the
//! connections between tiers, a timeline, and advice; and the correlation
//! that explains them: rate spikes decomposed against a baseline
//! (`explain`), signatures that appear, stop or change rate (`shifts`),
//! candidate causes ranked for every anomaly (`causes`), recurring errors'
//! episodes, precursors and confinement (`intermittent`), and instances
//! that disagree (`disagree`). Every significance comes from `contrast`.
//!
//! # Limitations
//! - Candidate causes are dependency changes, stop and restart lines,
//!   usage and request-rate spikes, and signatures appearing;
//!   configuration files are read for settings but not diffed over time,
//!   so a configuration change is never a candidate.
//! - Coming before is not causing: the cause ranking orders by closeness,
//!   consistency and host, and a cause the bundle does not show (external
//!   load) is never named, only the rise it produced.
//! - Each signature gets one change point (appearance, stop, or the best
//!   single split); a rate that changes twice is called by its stronger
//!   change.
//! - Significance tests take log lines as independent events; bursts of
//!   lines from one failing request overstate certainty (see `contrast`).
//! - Confinement is tested for hosts, log streams (instances) and routes,
//!   not for versions; load-balancer queueing is not compared between
//!   upstreams; pool sizes come from what pg_stat_activity shows each
//!   instance holding, not from the applications' configuration.
//! - Clock skew between hosts is measured on requests both sides logged
//!   (see [`skew`]) and reported, not corrected: every source's own clock
//!   still places its records.
//! - Finding scores are a heuristic (knowledge-base weight times the log
//!   of the count, usage checks scaled onto the same range), not a
//!   probability; the correlation sections do not change them.

mod binary;
pub(crate) use binary::why_not_text;
mod causes;
mod changes;
mod charts;
pub mod contrast;
mod correlate;
mod coverage;
mod disagree;
mod dmesg;
mod explain;
mod findings;
mod intermittent;
mod inventory;
pub mod kb;
pub mod layout;
mod pipeline;
mod plausible;
mod rates;
pub mod rotation;
pub mod series;
mod shifts;
mod signatures;
pub mod skew;
mod timeline;

pub use inventory::warnings;
pub(crate) use pipeline::pg_max_connections;
pub use pipeline::{analyze, analyze_bundle, snapshots, Config, Snapshots, Window};
pub use timeline::{timeline, TimelineRow};
