//! Opening a bundle from bytes written to a temp file, under each of the
//! names that choose a reader, with small limits so a bomb stays cheap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outsidein::bundle::{open, Limits};

const NAMES: &[&str] = &["b.tar.gz", "b.tar", "b.zip", "b.log.gz", "b.log"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(NAMES[pick as usize % NAMES.len()]);
    std::fs::write(&path, bytes).unwrap();
    let limits = Limits {
        max_entry_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
        max_files: 1000,
        ..Limits::default()
    };
    if let Ok(b) = open(&path, &limits) {
        let total: usize = b.entries.iter().map(|e| e.data.len()).sum();
        assert!(total <= 4 << 20, "total {total} over the bound");
        for e in &b.entries {
            assert!(!e.path.starts_with('/') && !e.path.split('/').any(|c| c == ".."));
        }
    }
});
