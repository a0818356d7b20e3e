//! One clock for the whole bundle: timestamps found in text, file names and
//! archive entries, normalised to UTC.

pub mod boot;
mod fast;
mod parse;
mod path;

pub(crate) use fast::SCALE as FRACTION_SCALE;
pub use fast::{FastTime, Hour};
pub use parse::{Parsed, TimeCtx, TimeParser};
pub use path::from_path;
