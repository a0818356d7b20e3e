//! One report model, rendered as Markdown, JSON or HTML.
//!
//! The JSON form is described by `schema/report.schema.json` (draft
//! 2020-12), which tests/it/schema.rs checks real reports against.
//!
//! # Limitations
//! - The schema is written by hand beside the types, not generated from
//!   them. Drift fails the tests both ways: `additionalProperties: false`
//!   and `required` lists reject a report field the schema lacks, and every
//!   schema property must appear in one of the real reports validated; a
//!   new field still needs its entry written.
//! - Renderers write what they are given: `crate::redact` is applied to
//!   the report before, by the command line.

pub mod charts;
mod fmt;
mod html;
mod markdown;
pub mod model;
mod svg;

pub use html::render as html;
pub use markdown::render as markdown;
pub(crate) use markdown::{guard as markdown_safe, inline_code, Md};
pub use model::Report;

/// The JSON form: pretty-printed, fields in model order.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("report serializes") + "\n"
}

/// A time as every renderer prints it: UTC to the second, a dash when
/// unknown.
pub(crate) fn time(ts: Option<jiff::Timestamp>) -> String {
    ts.map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_else(|| "—".into())
}
