//! Unified diffs of lockfiles, parsed and then analyzed as a bundle file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outsidein::deps::{analyze_files, patch, DepFile};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = patch::parse(&text);
    let file = [DepFile {
        path: "deps.diff",
        bytes: data,
        mtime: None,
    }];
    let _ = analyze_files(&file);
});
