//! One integration test binary; each theme is a module.

mod signature;
