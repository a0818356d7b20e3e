//! Reading a dependency file's bytes into text, with the diagnostics a
//! support bundle calls for: empty files, a UTF-8 byte-order mark, CRLF line
//! endings, git merge-conflict markers.
//!
//! BOM and CRLF are warnings: the text is cleaned and read. An empty file
//! and conflict markers are errors: the file is not a lockfile any install
//! could have used, and comparing it would claim that everything was
//! removed.
//!
//! # Limitations
//! Only UTF-8 is decoded (UTF-16 lockfiles written by some Windows tools
//! come out as replacement characters). Conflict markers are recognised at
//! the start of a line only.

use std::borrow::Cow;

use crate::model::FileIssue;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Warning,
    Error,
}

/// One finding about an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable short code: `empty`, `bom`, `crlf`, `not-utf8`,
    /// `merge-conflict`, `truncated`, `invalid-json`, `parse-error`,
    /// `unknown-format`.
    pub code: &'static str,
    pub severity: Severity,
    pub line: Option<u64>,
    pub message: String,
}

impl Diagnostic {
    pub fn error(code: &'static str, line: Option<u64>, message: impl Into<String>) -> Self {
        let message = message.into();
        Diagnostic {
            code,
            severity: Severity::Error,
            line,
            message,
        }
    }

    pub fn warning(code: &'static str, line: Option<u64>, message: impl Into<String>) -> Self {
        let message = message.into();
        Diagnostic {
            code,
            severity: Severity::Warning,
            line,
            message,
        }
    }

    pub fn to_issue(&self, path: &str) -> FileIssue {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        FileIssue {
            path: path.to_string(),
            line: self.line,
            message: format!("{level} [{}]: {}", self.code, self.message),
        }
    }
}

/// A file's text after cleaning, and what was found on the way.
pub struct Text<'a> {
    pub text: Cow<'a, str>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Text<'_> {
    pub fn has_error(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Decodes `bytes`, strips a BOM, normalises CRLF and looks for conflict
/// markers.
pub fn read(bytes: &[u8]) -> Text<'_> {
    let mut diagnostics = Vec::new();
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        let msg = if bytes.is_empty() {
            "file is empty (0 bytes): nothing to compare against; often a collector failure \
             or a full disk"
                .to_string()
        } else {
            format!(
                "file holds only white space ({} bytes): nothing to compare",
                bytes.len()
            )
        };
        diagnostics.push(Diagnostic::error("empty", None, msg));
        return Text {
            text: Cow::Borrowed(""),
            diagnostics,
        };
    }
    let mut body = bytes;
    if let Some(rest) = body.strip_prefix(b"\xef\xbb\xbf") {
        let msg = "starts with a UTF-8 byte-order mark; ignored (npm and yarn strip it too)";
        diagnostics.push(Diagnostic::warning("bom", Some(1), msg));
        body = rest;
    }
    let mut text = match std::str::from_utf8(body) {
        Ok(s) => Cow::Borrowed(s),
        Err(e) => {
            let line = 1 + memchr::memchr_iter(b'\n', &body[..e.valid_up_to()]).count() as u64;
            let msg = format!("not valid UTF-8 ({e}); read with replacement characters");
            diagnostics.push(Diagnostic::warning("not-utf8", Some(line), msg));
            Cow::Owned(String::from_utf8_lossy(body).into_owned())
        }
    };
    let crlf = memchr::memmem::find_iter(text.as_bytes(), b"\r\n").count();
    if crlf > 0 {
        let msg = format!("CRLF line endings on {crlf} lines; read as LF");
        diagnostics.push(Diagnostic::warning("crlf", Some(1), msg));
        text = Cow::Owned(text.replace("\r\n", "\n"));
    }
    if let Some(d) = conflict_markers(&text) {
        diagnostics.push(d);
    }
    Text { text, diagnostics }
}

/// Finds unresolved `<<<<<<<` / `=======` / `>>>>>>>` lines.
fn conflict_markers(text: &str) -> Option<Diagnostic> {
    if !text.contains("<<<<<<<") {
        return None;
    }
    let mut marks = Vec::new();
    let mut regions = 0;
    for (i, line) in text.lines().enumerate() {
        let open = line == "<<<<<<<" || line.starts_with("<<<<<<< ");
        regions += open as usize;
        if open || line == "=======" || line == ">>>>>>>" || line.starts_with(">>>>>>> ") {
            marks.push(i as u64 + 1);
        }
    }
    if regions == 0 {
        return None;
    }
    let list: Vec<String> = marks.iter().take(12).map(u64::to_string).collect();
    let msg = format!(
        "unresolved git merge-conflict markers: {}, marker lines {}; \
         not a lockfile any install could have used",
        crate::model::count(regions, "region", "regions"),
        list.join("/")
    );
    Some(Diagnostic::error(
        "merge-conflict",
        marks.first().copied(),
        msg,
    ))
}

/// The two sides of a conflicted file: (ours, theirs, ours label, theirs
/// label), each with the other side's lines and the markers left out.
pub fn conflict_sides(text: &str) -> (String, String, String, String) {
    let (mut ours, mut theirs) = (String::new(), String::new());
    let (mut ours_name, mut theirs_name) = (String::from("ours"), String::from("theirs"));
    // 0 outside a region, 1 in ours, 2 in theirs.
    let mut state = 0;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("<<<<<<<") {
            ours_name = rest.trim().to_string();
            state = 1;
        } else if line == "=======" && state == 1 {
            state = 2;
        } else if let Some(rest) = line.strip_prefix(">>>>>>>").filter(|_| state == 2) {
            theirs_name = rest.trim().to_string();
            state = 0;
        } else {
            for (side, keep) in [(&mut ours, state != 2), (&mut theirs, state != 1)] {
                if keep {
                    side.push_str(line);
                    side.push('\n');
                }
            }
        }
    }
    (ours, theirs, ours_name, theirs_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(bytes: &[u8]) -> Vec<&'static str> {
        read(bytes).diagnostics.iter().map(|d| d.code).collect()
    }

    #[test]
    fn diagnostics_table() {
        assert_eq!(codes(b""), ["empty"]);
        assert_eq!(codes(b"\xef\xbb\xbf{\"lockfileVersion\": 3}"), ["bom"]);
        assert_eq!(codes(b"{\"a\": 1,\r\n\"b\": 2}\r\n"), ["crlf"]);
        assert_eq!(
            codes(b"{\n<<<<<<< HEAD\n\"a\": 1\n=======\n\"a\": 2\n>>>>>>> x\n}\n"),
            ["merge-conflict"]
        );
        assert!(codes(b"a==1\n").is_empty());
    }

    #[test]
    fn conflict_sides_split() {
        let (o, t, on, tn) = conflict_sides("x\n<<<<<<< HEAD\na\n=======\nb\n>>>>>>> main\ny\n");
        assert_eq!(
            (o.as_str(), t.as_str(), on.as_str(), tn.as_str()),
            ("x\na\ny\n", "x\nb\ny\n", "HEAD", "main")
        );
    }

    #[test]
    fn conflict_lines_are_one_based() {
        let t = read(b"x\n<<<<<<< HEAD\na\n=======\nb\n>>>>>>> main\n");
        assert_eq!(t.diagnostics[0].line, Some(2));
        assert!(
            t.diagnostics[0].message.contains("2/4/6"),
            "{}",
            t.diagnostics[0].message
        );
    }
}
