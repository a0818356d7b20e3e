//! Lockfiles and package lists, each format chosen by its file name, one
//! alone and as a before/after pair so the diff runs too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outsidein::deps::{analyze_files, DepFile};

const NAMES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "package.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "Cargo.lock",
    "cargo-metadata.json",
    "dpkg-l.txt",
    "dpkg-query.txt",
    "dpkg.log",
    "apt/history.log",
    "rpm-qa.txt",
    "apk-info.txt",
    "pip-freeze.txt",
    "requirements.txt",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let name = NAMES[pick as usize % NAMES.len()];
    let half = bytes.len() / 2;
    let before = format!("before/{name}");
    let after = format!("after/{name}");
    let one = [DepFile {
        path: name,
        bytes,
        mtime: None,
    }];
    let _ = analyze_files(&one);
    let pair = [
        DepFile {
            path: &before,
            bytes: &bytes[..half],
            mtime: None,
        },
        DepFile {
            path: &after,
            bytes: &bytes[half..],
            mtime: None,
        },
    ];
    let _ = analyze_files(&pair);
});
