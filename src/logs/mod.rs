//! logs stage.
