//! Log template mining: records to signatures with stable ids.
