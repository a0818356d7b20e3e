//! One integration test binary, grouped by theme.

mod analyze;
mod batch;
mod deps;
mod diff;
mod hostile;
mod postgres;
mod redact;
mod signature;
mod timeline;
mod usage;
