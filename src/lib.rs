//! outsidein: an offline forensic analyzer for support bundles.
//!
//! The crate follows the pipeline: [`bundle`] opens a folder or archive and
//! detects each file's kind; [`logs`], [`usage`], [`postgres`] and [`deps`]
//! parse the evidence; [`time`] puts it on one UTC clock; [`signature`]
//! mines log templates; [`analysis`] finds spikes, changes and imbalances;
//! [`report`] renders one model as Markdown or JSON.

pub mod alloc;
pub mod analysis;
pub mod batch;
pub mod bundle;
pub mod deps;
pub mod diff;
pub mod logs;
pub mod model;
pub mod postgres;
pub mod redact;
pub mod report;
pub mod signature;
pub mod time;
pub mod usage;

#[global_allocator]
static ALLOCATOR: alloc::HugeBlocks = alloc::HugeBlocks;
