//! analysis stage.
