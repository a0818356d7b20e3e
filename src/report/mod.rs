//! One report model, rendered as Markdown or JSON.
//!
//! # Limitations
//! - No HTML renderer yet, and the JSON fields are documented on the
//!   model's types rather than in a JSON Schema file.
//! - Renderers write what they are given: `crate::redact` is applied to
//!   the report before, by the command line.

mod markdown;
pub mod model;

pub use markdown::render as markdown;
pub use model::Report;

/// The JSON form: pretty-printed, fields in model order.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("report serializes") + "\n"
}
