//! One report model, rendered as Markdown or JSON.

mod markdown;
pub mod model;

pub use markdown::render as markdown;
pub use model::Report;

/// The JSON form: pretty-printed, fields in model order.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("report serializes") + "\n"
}
