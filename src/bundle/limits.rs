//! Bounds on what a bundle may cost: per-entry and total decompressed bytes
//! and the number of files, so a hostile archive cannot exhaust memory.

use std::io::Read;

/// Resource bounds, all settable from the command line.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest decompressed size of one entry; longer entries are cut there
    /// and marked truncated.
    pub max_entry_bytes: u64,
    /// Largest decompressed size of all entries together.
    pub max_total_bytes: u64,
    /// Most entries read from one bundle.
    pub max_files: usize,
    /// Plain files at least this large are memory-mapped.
    pub mmap_threshold: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Analysis holds several times a file's size in memory, so
            // these keep a hostile bundle within a few GiB.
            max_entry_bytes: 512 << 20,
            max_total_bytes: 4 << 30,
            max_files: 200_000,
            mmap_threshold: 1 << 20,
        }
    }
}

impl Limits {
    pub(crate) fn entry_reason(&self, len: u64) -> String {
        format!(
            "{len} bytes, over the per-file limit of {} bytes",
            self.max_entry_bytes
        )
    }

    pub(crate) fn total_reason(&self) -> String {
        format!(
            "the bundle's total is spent: its limit of {} bytes is read",
            self.max_total_bytes
        )
    }

    /// Why a file of `len` bytes is not read when only `left` bytes of the
    /// total remain: it is over the total on its own, or over what is left.
    pub(crate) fn left_reason(&self, len: u64, left: u64) -> String {
        if len > self.max_total_bytes {
            format!(
                "{len} bytes, over the bundle's total limit of {} bytes on its own",
                self.max_total_bytes
            )
        } else {
            format!(
                "{len} bytes, more than the {left} bytes left of the bundle's total limit of {} bytes",
                self.max_total_bytes
            )
        }
    }

    pub(crate) fn files_reason(&self) -> String {
        format!("over the limit of {} files per bundle", self.max_files)
    }
}

/// Reads at most `bound` bytes, the per-file limit or what is left of the
/// total. Returns what was read and, when the stream failed or went past
/// the bound, why it stopped.
pub(crate) fn read_bounded(
    r: &mut (impl Read + ?Sized),
    bound: u64,
    limits: &Limits,
) -> (Vec<u8>, Option<String>) {
    let mut out = Vec::new();
    match r.take(bound.saturating_add(1)).read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > bound => {
            out.truncate(bound as usize);
            let why = if bound < limits.max_entry_bytes {
                format!(
                    "the bundle's total limit of {} bytes reached; cut after {bound} bytes",
                    limits.max_total_bytes
                )
            } else {
                format!("decompressed size over the limit of {bound} bytes; cut there")
            };
            (out, Some(why))
        }
        Ok(_) => (out, None),
        Err(e) => {
            let at = out.len();
            (
                out,
                Some(format!("stream ends early after {at} bytes: {e}")),
            )
        }
    }
}
