//! One integration test binary, grouped by theme.

mod postgres;
mod usage;
