//! Keeping bundle text as text in Markdown: inline code that nothing
//! inside can close, and the final pass that turns every `<`, `>` and `&`
//! outside a code span into an entity and escapes brackets, backslashes
//! and emphasis marks, keeping only the report's own evidence-block tags
//! and the emphasis the writer put itself ([`Md::em`]).
//!
//! # Limitations
//! - A bare `https://` address in bundle text outside a code span is
//!   linked by GitHub's autolinking (a link, never an image or HTML).
//! - Bundle text is never at the start of a line, so block syntax
//!   (headings, list items) from it is not escaped.

/// Markdown inline code for any text, on one line: the fence is one
/// backtick longer than the longest run of backticks inside, so nothing in
/// the text can close the span early (CommonMark's rule), and a space pads
/// text that starts or ends with a backtick.
pub(crate) fn inline_code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if s.starts_with('`') || s.ends_with('`') || s.is_empty() {
        format!("{fence} {s} {fence}")
    } else {
        format!("{fence}{s}{fence}")
    }
}

/// Stands for one of the writer's own emphasis marks until the final pass
/// writes it as `*`: a control character, which the pass replaces
/// everywhere else, so bundle text cannot forge one.
const OWN_MARK: char = '\u{1}';

/// Markdown being written: the text, and where the writer itself put
/// emphasis marks, so that [`Md::finish`] keeps those and escapes every
/// other `*`, and any `_` or `~` that could open or close emphasis or a
/// strikethrough.
#[derive(Default)]
pub(crate) struct Md {
    text: String,
    own: Vec<usize>,
}

impl Md {
    /// The writer's own emphasis marks (`*` or `**`).
    pub(crate) fn em(&mut self, marks: &str) {
        for c in marks.chars() {
            debug_assert_eq!(c, '*');
            self.own.push(self.text.len());
            self.text.push(c);
        }
    }

    /// `text` in bold: the writer's marks around text that may hold
    /// anything.
    pub(crate) fn strong(&mut self, text: &str) {
        self.em("**");
        self.text.push_str(text);
        self.em("**");
    }

    /// `text` in italics, as a line of its own.
    pub(crate) fn note_line(&mut self, text: &str) {
        self.em("*");
        self.text.push_str(text);
        self.em("*");
        self.text.push('\n');
    }

    pub(crate) fn push(&mut self, c: char) {
        self.text.push(c);
    }

    pub(crate) fn push_str(&mut self, s: &str) {
        self.text.push_str(s);
    }

    /// The guarded Markdown (see [`guard`]).
    pub(crate) fn finish(self) -> String {
        guard_marked(&self.text, &self.own)
    }
}

impl std::fmt::Write for Md {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.text.push_str(s);
        Ok(())
    }
}

/// The one raw HTML the Markdown writes itself: the evidence blocks.
fn own_tag(line: &str) -> Option<String> {
    let unescaped = line.replace("&lt;", "<").replace("&gt;", ">");
    let body = unescaped.strip_prefix("  ")?;
    let ok = body == "</details>"
        || body
            .strip_prefix("<details><summary>Evidence (")
            .and_then(|r| r.strip_suffix(")</summary>"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(unescaped)
}

/// Text from the bundle (file names, messages, templates) must not become
/// HTML, a link, an image or emphasis when GitHub renders the report:
/// every `<`, `>` and `&` outside a code span is written as an entity,
/// `[`, `]`, `\` and `*` are backslash-escaped, `_` and `~` too unless
/// both their neighbours are letters or digits (they cannot open or close
/// anything there), and only the evidence blocks' own `<details>` lines
/// are kept as tags. The Markdown written by an [`Md`] keeps its own
/// emphasis. Code spans are found as CommonMark
/// finds them (a run of n backticks up to the next run of exactly n);
/// fenced code blocks (lines between two ```` ``` ```` lines, whose content
/// the writer keeps free of fences) are shown as written and kept whole.
pub(crate) fn guard(md: &str) -> String {
    guard_marked(md, &[])
}

/// [`guard`], keeping as emphasis the `*` at the byte offsets `own`.
fn guard_marked(md: &str, own: &[usize]) -> String {
    let mut out = String::with_capacity(md.len() + md.len() / 16);
    let mut fenced = false;
    let mut own = own.iter().copied().peekable();
    let mut at = 0;
    for line in md.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let body: String = body
            .char_indices()
            .map(|(i, c)| {
                while own.next_if(|&o| o < at + i).is_some() {}
                if own.next_if_eq(&(at + i)).is_some() {
                    OWN_MARK
                } else if (c.is_control() && c != '\t') || crate::report::html::is_bidi_control(c) {
                    '\u{fffd}'
                } else {
                    c
                }
            })
            .collect();
        at += line.len();
        if body.starts_with("```") {
            fenced = !fenced;
        }
        if fenced || body.starts_with("```") {
            out.push_str(&body.replace(OWN_MARK, "*"));
            out.push_str(nl);
            continue;
        }
        let escaped = escape_outside_code(&body);
        match own_tag(&escaped) {
            Some(tag) => out.push_str(&tag),
            None => out.push_str(&escaped),
        }
        out.push_str(nl);
    }
    out
}

/// Where the code span opened by the run of `n` backticks at `i` closes:
/// the start of the next run of exactly `n` (CommonMark's rule), if any.
pub(crate) fn code_span_end(b: &[u8], i: usize, n: usize) -> Option<usize> {
    let run_at = |i: usize| b[i..].iter().take_while(|&&c| c == b'`').count();
    let mut j = i + n;
    while j < b.len() {
        if b[j] == b'`' {
            let m = run_at(j);
            if m == n {
                return Some(j);
            }
            j += m;
        } else {
            j += 1;
        }
    }
    None
}

fn escape_outside_code(line: &str) -> String {
    let b = line.as_bytes();
    let run_at = |i: usize| b[i..].iter().take_while(|&&c| c == b'`').count();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    let mut plain = 0;
    let flush = |out: &mut String, text: &str| {
        let mut chars = text.chars().peekable();
        let mut before = None;
        while let Some(c) = chars.next() {
            let inside_word = |next: Option<&char>| {
                before.is_some_and(char::is_alphanumeric)
                    && next.is_some_and(|n| n.is_alphanumeric())
            };
            match c {
                OWN_MARK => out.push('*'),
                // No emphasis or strikethrough can open or close; `_` and
                // `~` inside a word (`pg_stat_activity`) cannot anyway.
                '*' => out.push_str("\\*"),
                '_' | '~' if !inside_word(chars.peek()) => {
                    out.push('\\');
                    out.push(c);
                }
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                // A name like `a&amp;b.log` shows as written.
                '&' => out.push_str("&amp;"),
                // No link or image can open: `![t](https:/host/p.png)`.
                '[' => out.push_str("\\["),
                ']' => out.push_str("\\]"),
                // A backslash in the text is itself, so it cannot undo the
                // escapes above; `\|` is a table cell's own escaped pipe.
                '\\' if chars.peek() != Some(&'|') => out.push_str("\\\\"),
                c => out.push(c),
            }
            before = Some(c);
        }
    };
    while i < b.len() {
        if b[i] != b'`' {
            i += 1;
            continue;
        }
        let n = run_at(i);
        let close = code_span_end(b, i, n);
        match close {
            Some(j) => {
                flush(&mut out, &line[plain..i]);
                out.push_str(&line[i..j + n].replace(OWN_MARK, "*"));
                i = j + n;
                plain = i;
            }
            None => i += n,
        }
    }
    flush(&mut out, &line[plain..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_escapes_text_keeps_code_spans_fences_and_own_tags() {
        let md = "a <img> `<*>` b\n  <details><summary>Evidence (2)</summary>\n\
                  ```diff\n-max_connections <20>\n```\n  </details>\nx</details>\n";
        assert_eq!(
            guard(md),
            "a &lt;img&gt; `<*>` b\n  <details><summary>Evidence (2)</summary>\n\
             ```diff\n-max_connections <20>\n```\n  </details>\nx&lt;/details&gt;\n"
        );
    }

    /// QA: names that were live Markdown (an image, a link, an entity).
    #[test]
    fn guard_leaves_no_link_image_or_entity() {
        let md = "- b/logs/![t](https:/evil.example/p.png).log and a&amp;b.log \\](x) | a\\|b\n";
        assert_eq!(
            guard(md),
            "- b/logs/!\\[t\\](https:/evil.example/p.png).log and a&amp;amp;b.log \\\\\\](x) | a\\|b\n"
        );
    }

    /// QA: a file named `**x**.log` showed in bold.
    #[test]
    fn only_the_writers_own_emphasis_survives() {
        let mut w = Md::default();
        w.push_str("- ");
        w.strong("**x**.log and _tmp_ in pg_stat_activity, ~~gone~~ \u{1}y\u{1}");
        w.push_str(" `a*b_c` in *x*\n");
        w.note_line("3 more");
        assert_eq!(
            w.finish(),
            "- **\\*\\*x\\*\\*.log and \\_tmp\\_ in pg_stat_activity, \\~\\~gone\\~\\~ \u{fffd}y\u{fffd}** \
             `a*b_c` in \\*x\\*\n*3 more*\n"
        );
    }

    #[test]
    fn inline_code_fences_past_any_backtick_run() {
        assert_eq!(inline_code("a ``b`` c"), "```a ``b`` c```");
        assert_eq!(inline_code("`x"), "`` `x ``");
    }
}
