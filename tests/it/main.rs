//! One integration test binary, grouped by theme.

mod analyze;
mod deps;
mod hostile;
mod postgres;
mod signature;
mod timeline;
mod usage;
