//! Dependency lockfiles, package lists and their diffs.

/// Interim until the dependency layer lands.
pub fn cli(
    _old: &std::path::Path,
    _new: Option<&std::path::Path>,
    _json: bool,
    _out: &mut dyn std::io::Write,
) -> anyhow::Result<i32> {
    anyhow::bail!("deps: not built yet")
}
