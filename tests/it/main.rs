//! One integration test binary, grouped by theme.

mod analyze;
mod archives;
mod batch;
mod boot;
mod cronlock;
mod deps;
mod diff;
mod hostile;
mod html;
mod layouts;
mod postgres;
mod python;
mod redact;
mod rotation;
mod schema;
mod signature;
mod skew;
mod timeline;
mod traces;
mod usage;
