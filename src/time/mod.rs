//! One clock for the whole bundle: timestamps found in text, file names and
//! archive entries, normalised to UTC.

mod path;

pub use path::from_path;
