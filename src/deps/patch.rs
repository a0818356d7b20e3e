//! Unified diffs (`git diff`, `git format-patch`, `diff -u`) of dependency
//! files.
//!
//! A diff is split into file sections; each hunk is checked against the
//! line counts its `@@` header announces. Complete hunks are applied to the
//! base file when the bundle holds it; a hunk cut short (a diff truncated
//! mid-hunk) is dropped and reported, so nothing after the cut is claimed.
//!
//! # Limitations
//! Hunks must apply at the line the header names (no fuzz, no offset
//! search). Binary diffs, renames and mode changes are ignored. Without the
//! base file only yarn.lock v1, pip and Cargo.lock sections can be read
//! (from the hunk lines themselves); JSON and YAML lockfiles need the base.

use std::sync::LazyLock;

use regex::Regex;

/// One hunk of a file section.
#[derive(Debug, Clone)]
pub struct Hunk {
    pub old_start: usize,
    pub old_count: usize,
    pub new_start: usize,
    pub new_count: usize,
    /// Text after the second `@@` (git puts the enclosing entry there).
    pub heading: String,
    pub body: Vec<String>,
    pub complete: bool,
    /// 1-based line of the `@@` header in the diff.
    pub line: u64,
}

/// The changes to one file.
#[derive(Debug, Clone)]
pub struct FilePatch {
    pub old_path: String,
    pub new_path: String,
    pub hunks: Vec<Hunk>,
}

impl FilePatch {
    pub fn truncated(&self) -> impl Iterator<Item = &Hunk> {
        self.hunks.iter().filter(|h| !h.complete)
    }
}

static HUNK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$").unwrap());

fn strip_prefix(p: &str) -> String {
    let p = p.split('\t').next().unwrap_or(p).trim();
    p.strip_prefix("a/")
        .or_else(|| p.strip_prefix("b/"))
        .unwrap_or(p)
        .to_string()
}

/// Splits a diff into file sections and hunks.
pub fn parse(text: &str) -> Vec<FilePatch> {
    let lines: Vec<&str> = text.lines().collect();
    let mut files: Vec<FilePatch> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if let Some(old) = l.strip_prefix("--- ") {
            if let Some(new) = lines.get(i + 1).and_then(|n| n.strip_prefix("+++ ")) {
                files.push(FilePatch {
                    old_path: strip_prefix(old),
                    new_path: strip_prefix(new),
                    hunks: Vec::new(),
                });
                i += 2;
                continue;
            }
        }
        let (Some(c), Some(file)) = (HUNK.captures(l), files.last_mut()) else {
            i += 1;
            continue;
        };
        let num = |k: usize, d: usize| c.get(k).map_or(d, |m| m.as_str().parse().unwrap_or(d));
        let (old_count, new_count) = (num(2, 1), num(4, 1));
        let (mut seen_old, mut seen_new) = (0, 0);
        let mut body = Vec::new();
        let line = i as u64 + 1;
        i += 1;
        while i < lines.len() && (seen_old < old_count || seen_new < new_count) {
            let b = lines[i];
            match b.as_bytes().first() {
                Some(b'\\') => {
                    i += 1;
                    continue;
                }
                Some(b' ') | None => {
                    seen_old += 1;
                    seen_new += 1;
                }
                Some(b'-') => seen_old += 1,
                Some(b'+') => seen_new += 1,
                _ => break,
            }
            body.push(b.to_string());
            i += 1;
        }
        // A diff cut mid-line leaves a last line without its newline.
        let cut_mid_line = i == lines.len() && !text.ends_with('\n');
        let complete = seen_old == old_count && seen_new == new_count && !cut_mid_line;
        file.hunks.push(Hunk {
            old_start: num(1, 0),
            old_count,
            new_start: num(3, 0),
            new_count,
            heading: c[5].to_string(),
            body,
            complete,
            line,
        });
    }
    files
}

/// Applies the complete hunks of `patch` to `base`. Returns the new text,
/// or the header line of the first hunk that does not match the base.
pub fn apply(base: &str, patch: &FilePatch) -> Result<String, u64> {
    let src: Vec<&str> = base.split('\n').collect();
    let mut out: Vec<&str> = Vec::with_capacity(src.len());
    let mut pos = 0;
    for h in patch.hunks.iter().filter(|h| h.complete) {
        let start = if h.old_count == 0 {
            h.old_start
        } else {
            h.old_start.saturating_sub(1)
        };
        let expect: Vec<&str> = h
            .body
            .iter()
            .filter(|l| !l.starts_with('+'))
            .map(|l| l.get(1..).unwrap_or(""))
            .collect();
        if start < pos || src.get(start..start + expect.len()) != Some(&expect[..]) {
            return Err(h.line);
        }
        out.extend(&src[pos..start]);
        out.extend(
            h.body
                .iter()
                .filter(|l| !l.starts_with('-'))
                .map(|l| l.get(1..).unwrap_or("")),
        );
        pos = start + expect.len();
    }
    out.extend(&src[pos..]);
    Ok(out.join("\n"))
}

/// The two fragments a diff shows of a line-based file without its base:
/// context and removed lines (before), context and added lines (after).
/// Each hunk is preceded by its `@@` heading when that heading names an
/// entry (yarn.lock keys), so entries cut at the hunk start keep their key.
pub fn fragments(patch: &FilePatch) -> (String, String) {
    let (mut old, mut new) = (String::new(), String::new());
    for h in patch.hunks.iter().filter(|h| h.complete) {
        let starts_entry = h
            .body
            .first()
            .is_some_and(|l| l.len() > 1 && !l[1..].starts_with(' '));
        if !h.heading.is_empty() && h.heading.ends_with(':') && !starts_entry {
            for s in [&mut old, &mut new] {
                s.push_str(&h.heading);
                s.push('\n');
            }
        }
        for l in &h.body {
            let (tag, rest) = l.split_at(l.len().min(1));
            if tag != "+" {
                old.push_str(rest);
                old.push('\n');
            }
            if tag != "-" {
                new.push_str(rest);
                new.push('\n');
            }
        }
        old.push('\n');
        new.push('\n');
    }
    (old, new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_whole_hunks_and_drops_the_cut_one() {
        let base: String = (1..=20).map(|i| format!("{i}\n")).collect();
        let patch =
            "--- a/f\n+++ b/f\n@@ -2,3 +2,3 @@\n 2\n-3\n+three\n 4\n@@ -10,3 +10,3 @@\n 10\n-11\n";
        let files = parse(patch);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].truncated().count(), 1);
        let text = apply(&base, &files[0]).unwrap();
        assert_eq!(text.lines().nth(2), Some("three"));
        assert_eq!(text.lines().nth(10), Some("11"));
    }

    #[test]
    fn multi_file_git_diff() {
        let multi =
            "diff --git a/package.json b/package.json\n--- a/package.json\n+++ b/package.json\n\
                     @@ -1 +1 @@\n-x\n+y\ndiff --git a/yarn.lock b/yarn.lock\n--- a/yarn.lock\n\
                     +++ b/yarn.lock\n@@ -2,3 +2,3 @@ key:\n 2\n-3\n+three\n 4\n";
        let files = parse(multi);
        let names: Vec<_> = files.iter().map(|f| f.new_path.as_str()).collect();
        assert_eq!(names, ["package.json", "yarn.lock"]);
        assert_eq!(files[1].hunks[0].heading, "key:");
    }
}
