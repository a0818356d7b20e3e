//! One clock for the whole bundle: timestamps found in text, file names and
//! archive entries, normalised to UTC.

pub mod boot;
mod fast;
mod parse;
mod path;

pub use fast::FastTime;
pub use parse::{Parsed, TimeCtx, TimeParser};
pub use path::from_path;
