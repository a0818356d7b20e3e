//! Runtimes' own multi-line output inside logs: Python tracebacks, Java,
//! Node and Ruby exceptions, Go panics and goroutine dumps. Framing asks
//! these rules only about lines the format does not read as a header of
//! its own (the common timestamped line never reaches them), and each
//! rule looks at no more than the line and the last non-blank line
//! before it, so that a chunk of a large file can be cut where framing
//! the whole file would begin a record (see `frame::record_start_after`).
//!
//! What makes one record:
//! - a Python traceback, with its chained tracebacks (`During handling of
//!   the above exception ...`, `The above exception was the direct cause
//!   ...`) and its final `ValueError: ...` line; it stays with the line
//!   that logged it (`logger.exception`, a record of `warn` or above)
//!   under a timestamped format, and after `logging.basicConfig()`'s
//!   default `ERROR:name:message` line; after a quieter record it is an
//!   uncaught exception and a record of its own
//!   (`Format::uncaught_traceback`);
//! - a Java exception with its `Caused by:`, `Suppressed:` and `... N
//!   more` lines; `Exception in thread "main" ...` (the JVM's uncaught
//!   handler) begins a record of its own in any format;
//! - Node's uncaught exception: the `file.js:N` line, the source line, the
//!   caret line, the `Error: ...` line, its `at` frames and the closing
//!   `Node.js vN` line; an error printed by `console.error`, with its own
//!   properties (`{`, indented members, `}`);
//! - Ruby's uncaught exception (`app.rb:3:in 'foo': msg (RuntimeError)`
//!   and its `from` lines), and a backtrace's own `app.rb:3:in 'foo'`
//!   lines;
//! - a Go panic or `fatal error:` with every goroutine block after it and
//!   the `exit status N` of `go run`; a goroutine dump (`SIGQUIT: quit`)
//!   whole, registers included: it is one event, the process asked to
//!   dump, and one record per goroutine would count the runtime's idle
//!   goroutines as so many problems.
//!
//! A record's [`head`], what signatures are mined from, is the line that
//! names the exception: the last line of a traceback, the `Error:` line
//! after Node's caret block.
//!
//! # Limitations
//! - A runtime's crash header (`panic:`, `Exception in thread`, Node's
//!   `file.js:N`, Ruby's uncaught line) begins a record without a time
//!   even where a logger printed it as part of its own record.
//! - Under the `plain`, JSON and logfmt readers, an exception line
//!   (`KeyError: 'port'`) continues the record before it only after an
//!   indented line that is not an `at` or `from` frame (a traceback's code
//!   or caret line); two Node `console.error(err)` stacks in a row stay
//!   two records, two Python ones without their `Traceback` line would
//!   not.
//! - A Go function line (`main.main()`) continues only after a
//!   `goroutine N [...]:` line or a tab-indented `.go:N` file line.
//! - The cause Ruby prints after an uncaught exception's `from` lines has
//!   the same shape as the next run's uncaught exception (a service that
//!   crashes in a loop appends them to one file), so it is a record of its
//!   own: crashes are counted, at the cost of one more record per cause.

/// Whether `line` begins a runtime's own crash report: a record in every
/// format, even one whose lines it does not read (unless
/// [`continues_after`] the line before says otherwise).
pub(super) fn crash_start(line: &str) -> bool {
    match line.as_bytes().first() {
        None | Some(b' ' | b'\t') => false,
        Some(b'p') => line.starts_with("panic: "),
        Some(b'f') => line.starts_with("fatal error: "),
        Some(b'S') => go_signal(line),
        Some(b'E') => line.starts_with("Exception in thread \""),
        Some(_) => node_location(line) || ruby_uncaught(line),
    }
}

/// Whether `line`, which no format reads, continues the record before it
/// wherever it stands: blank or indented lines, frames, the sentences
/// that chain tracebacks, a goroutine's header, registers.
pub(super) fn always_continues(line: &str) -> bool {
    let t = line.trim_end();
    t.is_empty()
        || t.starts_with(char::is_whitespace)
        || t.starts_with("at ")
        || t.starts_with("Caused by")
        || t.starts_with("...")
        || t == "During handling of the above exception, another exception occurred:"
        || t == "The above exception was the direct cause of the following exception:"
        || goroutine_header(t)
        || t.starts_with("created by ")
        || t.starts_with("[signal ")
        || t.starts_with("PC=0x")
        || register(t)
        || t.starts_with("Node.js v")
        || t.starts_with(['}', ']'])
        || carets(t)
        || ruby_frame(t)
}

/// Whether `line`, which would begin a record on its own, continues the
/// record whose last non-blank line is `prev`.
pub(super) fn continues_after(prev: &str, line: &str) -> bool {
    let prev = prev.trim_end();
    if line.starts_with("Traceback (most recent call last):") {
        return prev.starts_with("During handling of the above exception")
            || prev.starts_with("The above exception was the direct cause")
            || python_default_line(prev);
    }
    if go_file_line(prev) {
        return go_function(line) || line.starts_with("exit status ");
    }
    if goroutine_header(prev) {
        return go_function(line);
    }
    if node_location(prev) {
        // The source line that threw, whatever its indentation.
        return true;
    }
    let indented = prev.starts_with(char::is_whitespace);
    let frame = |p: &str| ["at ", "from ", "..."].iter().any(|f| p.starts_with(f));
    (carets(prev) || indented && !frame(prev.trim_start())) && exception_line(line)
}

/// The line of `message` that names what happened, which signatures are
/// mined from: its first line, but the exception line of a record that
/// opens with a Python `Traceback` (its last line) or Node's caret block
/// (the line after the carets).
pub(super) fn head(message: &str) -> &str {
    let Some(nl) = memchr::memchr(b'\n', message.as_bytes()) else {
        return message;
    };
    let first = &message[..nl];
    if first == "Traceback (most recent call last):" {
        let last = message.rsplit('\n').next().unwrap_or(first);
        return if exception_line(last) { last } else { first };
    }
    if node_location(first) {
        let mut lines = message.split('\n');
        if lines.by_ref().any(carets) {
            return lines.next().unwrap_or(first);
        }
    }
    first
}

/// A line of Python's `logging.basicConfig()` with its default format,
/// `ERROR:billing:invoice 8 failed`: the line `logger.exception` prints
/// before its traceback.
fn python_default_line(t: &str) -> bool {
    ["CRITICAL:", "ERROR:", "WARNING:", "INFO:", "DEBUG:"]
        .iter()
        .find_map(|level| t.strip_prefix(level))
        .and_then(|rest| rest.split_once(':'))
        .is_some_and(|(name, _)| !name.contains(char::is_whitespace))
}

/// A line that marks a column of the line above it: `^`, `~~~^^^`.
fn carets(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.bytes().all(|b| b == b'^' || b == b'~')
}

/// `goroutine 7 [chan receive]:`, `goroutine 1 [running]:`.
fn goroutine_header(t: &str) -> bool {
    t.strip_prefix("goroutine ")
        .and_then(|r| r.split_once(" ["))
        .is_some_and(|(n, _)| is_digits(n) && t.ends_with("]:"))
}

/// A goroutine's file line: a tab, a path ending in `.go:N` or `.s:N`,
/// and maybe `+0x1d` and frame pointers.
fn go_file_line(t: &str) -> bool {
    let Some(rest) = t.strip_prefix('\t') else {
        return false;
    };
    let path = rest.split(' ').next().unwrap_or("");
    path.rsplit_once(':')
        .is_some_and(|(file, n)| (file.ends_with(".go") || file.ends_with(".s")) && is_digits(n))
}

/// A goroutine's function line: `main.main()`, `main.(*T).Run(0xc0, ...)`,
/// `panic({0x47e1a0?, 0xc000012018?})`: no space before its `(`, and it
/// ends with `)` (`...` where the arguments are elided is `(...)`).
fn go_function(line: &str) -> bool {
    let t = line.trim_end();
    t.ends_with(')')
        && t.split_once('(')
            .is_some_and(|(name, _)| !name.is_empty() && !name.contains(char::is_whitespace))
}

/// Go's signal dump header: `SIGQUIT: quit`, `SIGABRT: abort`,
/// `SIGSEGV: segmentation violation`.
fn go_signal(line: &str) -> bool {
    line.strip_prefix("SIG")
        .and_then(|r| r.split_once(": "))
        .is_some_and(|(name, _)| !name.is_empty() && name.bytes().all(|b| b.is_ascii_uppercase()))
}

/// A register of a Go signal dump: `rax    0xfffffffffffffffc`.
fn register(t: &str) -> bool {
    t.split_once(' ').is_some_and(|(name, value)| {
        (2..=6).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && value
                .trim_start()
                .strip_prefix("0x")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
    })
}

/// Node's uncaught exception opens with the place it was thrown, alone
/// on its line: `/srv/app/index.js:6`, `node:internal/x.js:12`,
/// `file:///srv/app/x.mjs:3`.
fn node_location(line: &str) -> bool {
    let Some((file, n)) = line.trim_end().rsplit_once(':') else {
        return false;
    };
    let script = [".js", ".mjs", ".cjs", ".ts"]
        .iter()
        .any(|e| file.ends_with(e));
    script && is_digits(n) && !file.contains(char::is_whitespace)
}

/// Ruby's frame alone on its line: `app.rb:14:in 'checkout'`, or with
/// a backtick as Ruby before 3.4 writes it (a Rails-style backtrace).
fn ruby_frame(t: &str) -> bool {
    ruby_location(t).is_some_and(|rest| rest.ends_with('\'') && !rest.contains("': "))
}

/// Ruby's uncaught exception: `app.rb:3:in 'foo': message (RuntimeError)`.
fn ruby_uncaught(line: &str) -> bool {
    let t = line.trim_end();
    ruby_location(t).is_some_and(|rest| rest.contains("': ") && t.ends_with(')'))
}

/// What follows `FILE:N:in ` with a quote, if `t` opens so.
fn ruby_location(t: &str) -> Option<&str> {
    let (place, rest) = t.split_once(":in ")?;
    let (file, n) = place.rsplit_once(':')?;
    let quoted = rest.starts_with('`') || rest.starts_with('\'');
    (quoted && is_digits(n) && !file.is_empty() && !file.contains(char::is_whitespace))
        .then_some(rest)
}

/// An exception's own line: a class name (dots allowed, no space), then
/// `: ` and its message, or nothing (`KeyboardInterrupt`).
fn exception_line(line: &str) -> bool {
    let t = line.trim_end();
    let name = t.split_once(": ").map_or(t, |(name, _)| name);
    let name = name.strip_suffix(':').unwrap_or(name);
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
        && (name.contains('.') || name.ends_with("Error") || name.ends_with("Exception") || {
            // A bare class name in CamelCase: `KeyboardInterrupt`.
            name.bytes().skip(1).any(|b| b.is_ascii_uppercase())
        })
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each rule on the lines it was written for, from the fixtures of
    /// fixtures/traces, and on near lines it must leave alone.
    #[test]
    fn rules_read_their_runtimes_lines() {
        for l in [
            "panic: runtime error: index out of range [5] with length 3",
            "fatal error: all goroutines are asleep - deadlock!",
            "SIGQUIT: quit",
            "Exception in thread \"main\" java.lang.IllegalStateException: config is broken",
            "/srv/app/node_uncaught.js:6",
            "app.rb:14:in `rescue in checkout': checkout failed (RuntimeError)",
        ] {
            assert!(crash_start(l), "{l}");
        }
        for l in [
            "panicked",
            "SIGQUIT",
            "app.rb:14:in `checkout'",
            "see /a b.js:6",
        ] {
            assert!(!crash_start(l), "{l}");
        }
        for l in [
            "goroutine 1 [running]:",
            "created by main.main",
            "rflags 0x246",
            "r8     0x0",
            "PC=0x45f9a0 m=0 sigcode=0",
            "Node.js v20.20.2",
            "app.rb:14:in `rescue in checkout'",
            "app/models/order.rb:12:in 'Order#charge'",
            "The above exception was the direct cause of the following exception:",
        ] {
            assert!(always_continues(l), "{l}");
        }
        for l in [
            "goroutine leak found",
            "rax is a register",
            "app.rb:14: warning",
        ] {
            assert!(!always_continues(l), "{l}");
        }
        let after = [
            ("\t/srv/app/panic.go:19 +0x105", "main.main()", true),
            ("\t/srv/app/panic.go:19 +0x105", "exit status 2", true),
            ("goroutine 1 [running]:", "main.pick(...)", true),
            (
                "ERROR:billing:invoice 8 failed",
                "Traceback (most recent call last):",
                true,
            ),
            (
                "ERROR: invoice 8 failed",
                "Traceback (most recent call last):",
                false,
            ),
            (
                "\tfrom app.rb:24:in `<main>'",
                "app.rb:7:in `charge': no (ArgumentError)",
                false,
            ),
            (
                "    raise ValueError(\"bad value\")",
                "ValueError: bad value",
                true,
            ),
            (
                "           ^^^^^^^^^",
                "json.decoder.JSONDecodeError: Expecting value",
                true,
            ),
            (
                "                ^",
                "TypeError: Cannot read properties of undefined",
                true,
            ),
            ("    at main (/srv/app/x.js:1:1)", "Error: next one", false),
            ("\tat App.main(App.java:29)", "java.lang.Error: next", false),
            ("    some detail", "Starting worker", false),
            ("main.main()", "main.main()", false),
        ];
        for (prev, line, want) in after {
            assert_eq!(continues_after(prev, line), want, "{prev:?} then {line:?}");
        }
    }

    #[test]
    fn head_is_the_line_naming_the_exception() {
        let py = "Traceback (most recent call last):\n  File \"x.py\", line 1, in <module>\
                  \n    f()\nKeyError: 'port'";
        assert_eq!(head(py), "KeyError: 'port'");
        let node = "/srv/app/x.js:6\n  return cfg.db.host;\n                ^\nTypeError: boom\
                    \n    at connect (/srv/app/x.js:6:17)";
        assert_eq!(head(node), "TypeError: boom");
        assert_eq!(head("one line"), "one line");
        assert_eq!(head("first\nsecond"), "first");
    }
}
