//! One integration test binary, grouped by theme.

mod analyze;
mod deps;
mod postgres;
mod timeline;
mod usage;
