//! Lines for the differential tests of the fast readers and times: every
//! built-in sample line, every line of the Loghub 2k files in
//! `../shared/data/loghub2k/*/`, every line of the files in `fixtures/`
//! (compressed ones and archives opened as `analyze` opens them, the
//! decompression bombs left out), each distinct line once, and a few
//! thousand mutations of a choice of them.

use std::path::{Path, PathBuf};

pub(crate) fn shared() -> PathBuf {
    let near = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if near.exists() {
        near
    } else {
        PathBuf::from("/work/shared")
    }
}

/// Files below `dir`, recursively: the plain ones, and the compressed or
/// archived ones apart (decompression bombs left out).
fn fixture_files(dir: &Path, plain: &mut Vec<PathBuf>, packed: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            if !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().contains("bomb"))
            {
                fixture_files(&path, plain, packed);
            }
        } else if ["gz", "xz", "zst", "bz2", "zip", "tar"]
            .iter()
            .any(|ext| path.extension().is_some_and(|e| e == *ext))
        {
            packed.push(path);
        } else if path.extension().is_none_or(|e| e != "png") {
            plain.push(path);
        }
    }
}

/// The real lines: built-in samples, Loghub 2k raw logs, fixtures.
pub(crate) fn real_lines() -> Vec<String> {
    let mut lines: Vec<String> = super::builtin::BUILTIN
        .iter()
        .flat_map(|b| b.samples.iter().map(|s| s.line.to_string()))
        .collect();
    let mut files = Vec::new();
    let loghub = shared().join("data/loghub2k");
    for dir in std::fs::read_dir(&loghub).expect("loghub2k").flatten() {
        let name = dir.file_name().to_string_lossy().to_string();
        let raw = dir.path().join(format!("{name}_2k.log"));
        if raw.is_file() {
            files.push(raw);
        }
    }
    let systems = files.len();
    let mut packed = Vec::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    fixture_files(&fixtures, &mut files, &mut packed);
    assert!(systems >= 8 && files.len() > systems + 100, "{files:?}");
    assert!(packed.len() >= 20, "{packed:?}");
    let mut texts: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display())))
        .collect();
    // Compressed logs and archives, opened as `analyze` opens them.
    for p in &packed {
        let opened = crate::bundle::open(p, &crate::bundle::Limits::default());
        let opened = opened.unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        texts.extend(opened.entries.iter().map(|e| e.data.to_vec()));
    }
    let mut seen = std::collections::HashSet::new();
    for bytes in texts {
        let text = String::from_utf8_lossy(&bytes);
        for (_, l) in super::frame::lines(&text) {
            if seen.insert(l.to_string()) {
                lines.push(l.to_string());
            }
        }
    }
    lines
}

/// Mutations of `line`: cut at every character, each digit made a letter,
/// all digits made letters, each space doubled, a carriage return at the
/// end, and non-ASCII characters (a no-break space, an accent, an
/// Arabic-Indic digit, a line separator) put in at every space.
pub(crate) fn mutations(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let cuts = line.char_indices().map(|(i, _)| i).skip(1);
    out.extend(cuts.map(|i| line[..i].to_string()));
    for (i, c) in line.char_indices().filter(|(_, c)| c.is_ascii_digit()) {
        out.push(format!("{}x{}", &line[..i], &line[i + c.len_utf8()..]));
    }
    out.push(line.replace(|c: char| c.is_ascii_digit(), "q"));
    for (i, _) in line.match_indices(' ') {
        out.push(format!("{} {}", &line[..i], &line[i..]));
        for odd in ['\u{a0}', 'é', '\u{663}', '\u{2028}', '\t'] {
            out.push(format!("{}{odd}{}", &line[..i], &line[i..]));
            out.push(format!("{}{odd}{}", &line[..i], &line[i + 1..]));
        }
    }
    out.push(format!("{line}\r"));
    out.push(format!(" {line}"));
    out
}

/// The real lines and the mutations of the first three lines of each
/// shape seen (the first three that each format reads, and the samples).
pub(crate) fn all_lines(registry: &super::Registry) -> Vec<String> {
    let mut lines = real_lines();
    let mut mutated = Vec::new();
    for f in registry.formats().iter().filter(|f| !f.is_fallback()) {
        let read = lines.iter().filter(|l| f.parse_slow(l).is_some()).take(3);
        for l in read {
            mutated.extend(mutations(&l[..l.floor_char_boundary(300)]));
        }
    }
    lines.extend(mutated);
    lines
}
