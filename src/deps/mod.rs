//! Dependency lockfiles, package lists and their diffs.
