//! One integration test binary, grouped by theme.

mod analyze;
mod deps;
mod hostile;
mod html;
mod postgres;
mod redact;
mod schema;
mod signature;
mod timeline;
mod usage;
