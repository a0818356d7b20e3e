//! Each bundle of a batch analyzed in a child process of this program
//! (see [`Isolation`]): the child's side ([`run_child`]) and the
//! parent's ([`analyze_in_child`]), which turns an abort, a signal or an
//! exit code into the bundle's failed row.

use super::*;

/// The bundle a child process analyzes (a path, as bytes).
pub const CHILD_PATH: &str = "OUTSIDEIN_BATCH_CHILD_PATH";
/// Its incident id, as the parent hashed it.
pub const CHILD_ID: &str = "OUTSIDEIN_BATCH_CHILD_ID";
/// The file the child writes its outcome to (JSON), under the output folder.
pub const CHILD_RESULT: &str = "OUTSIDEIN_BATCH_CHILD_RESULT";
/// The parent's process id: a child whose parent is gone (killed) stops.
pub const CHILD_PARENT: &str = "OUTSIDEIN_BATCH_CHILD_PARENT";

/// What a child process hands back: the rows of the incident it wrote,
/// or its failed row; and its own peak memory.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct ChildOutcome {
    analyzed: Option<Box<IncidentRows>>,
    failed: Option<Box<IncidentRow>>,
    peak_rss_kib: Option<u64>,
}

/// The largest peak memory (KiB) a child process of this batch reported.
pub(super) static CHILD_PEAK_KIB: std::sync::atomic::AtomicU64 =
    std::sync::atomic::AtomicU64::new(0);

/// The child's side: when [`CHILD_PATH`] is set, analyzes that one bundle
/// as the batch would (its incident folder written), writes the outcome
/// to [`CHILD_RESULT`] and returns `Some`; else `None`.
pub fn run_child(opts: &Options) -> Option<anyhow::Result<()>> {
    let path = PathBuf::from(std::env::var_os(CHILD_PATH)?);
    watch_parent();
    let result = (|| {
        let id = std::env::var(CHILD_ID)?;
        let dest = PathBuf::from(
            std::env::var_os(CHILD_RESULT)
                .ok_or_else(|| anyhow::anyhow!("{CHILD_RESULT} unset"))?,
        );
        let input = Input {
            path,
            id,
            error: None,
        };
        let (analyzed, failed) = match analyze_here(&input, opts) {
            Outcome::Analyzed(rows) | Outcome::Done(rows) => (Some(rows), None),
            Outcome::Failed(row) => (None, Some(row)),
        };
        let outcome = ChildOutcome {
            analyzed,
            failed,
            peak_rss_kib: peak_rss_kib(),
        };
        std::fs::write(&dest, serde_json::to_vec(&outcome)?)?;
        Ok(())
    })();
    Some(result)
}

/// Ends this child process when the batch that started it is gone (a
/// killed batch must not leave its bundles being analyzed and written).
pub(super) fn watch_parent() {
    #[cfg(unix)]
    if let Some(parent) = std::env::var(CHILD_PARENT)
        .ok()
        .and_then(|p| p.parse::<u32>().ok())
    {
        std::thread::spawn(move || loop {
            if std::os::unix::process::parent_id() != parent {
                std::process::exit(1);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        });
    }
}

/// The stem of the outcome files of this shard's children, in the
/// output folder.
pub(super) fn child_stem(shard: Shard) -> String {
    format!("child-{}", shard.partition())
}

/// Runs this program on `input` alone (see [`Isolation`]) and reads back
/// its outcome; a child that ended without one (an abort, a signal, an
/// exit code) gives the failed row naming how it ended and its last
/// stderr line.
pub(super) fn analyze_in_child(input: &Input, opts: &Options, iso: &Isolation) -> Outcome {
    let source = input.path.display().to_string();
    let dest = opts.out.join(format!(
        ".{}.{}.{}.outsidein-tmp",
        child_stem(opts.shard),
        input.id,
        std::process::id()
    ));
    let _ = std::fs::remove_file(&dest);
    let run = std::process::Command::new(&iso.exe)
        .args(&iso.args)
        .env(CHILD_PATH, &input.path)
        .env(CHILD_ID, &input.id)
        .env(CHILD_RESULT, &dest)
        .env(CHILD_PARENT, std::process::id().to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output();
    let back = std::fs::read(&dest);
    let _ = std::fs::remove_file(&dest);
    let output = match run {
        Ok(o) => o,
        Err(e) => {
            return failed_row(
                input,
                format!("{source}: cannot start {}: {e}", iso.exe.display()),
            )
        }
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.success() {
        if let Ok(Ok(outcome)) = back.map(|b| serde_json::from_slice::<ChildOutcome>(&b)) {
            eprint!("{stderr}");
            CHILD_PEAK_KIB.fetch_max(outcome.peak_rss_kib.unwrap_or(0), Ordering::SeqCst);
            match (outcome.analyzed, outcome.failed) {
                (Some(rows), _) => return Outcome::Analyzed(rows),
                (None, Some(row)) => return Outcome::Failed(row),
                (None, None) => {}
            }
        }
    }
    let last = last_said(&stderr);
    failed_row(
        input,
        format!(
            "{source}: the analysis process {} ({last})",
            ended(&output.status)
        ),
    )
}

/// What a child that failed said last, its backtrace left out ("memory
/// allocation of N bytes failed" precedes "stack backtrace:", or, where
/// another thread held the backtrace lock, a line saying the backtrace
/// was skipped). Two threads whose allocations fail at once may write
/// their messages into each other ("memory allocation of memory
/// allocation of 8 bytes failed", then "12058624 bytes failed" alone on
/// the next line): the last whole allocation message is taken then.
fn last_said(stderr: &str) -> &str {
    const ALLOC: &str = "memory allocation of ";
    let said = stderr.split("stack backtrace:").next().unwrap_or("");
    fn whole_alloc(l: &str) -> Option<&str> {
        let rest = &l[l.rfind(ALLOC)?..];
        rest.ends_with(" bytes failed").then_some(rest)
    }
    if let Some(m) = said.lines().rev().find_map(whole_alloc) {
        return m;
    }
    said.lines()
        .rev()
        .find(|l| {
            !l.trim().is_empty() && !l.starts_with("note:") && !l.starts_with("(skipping backtrace")
        })
        .unwrap_or("no message")
}

/// How a child process ended, in words: its exit code or its signal.
pub(super) fn ended(status: &std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            let name = match sig {
                6 => " (SIGABRT: an abort, e.g. a failed memory allocation)",
                9 => " (SIGKILL: killed, e.g. by the out-of-memory killer)",
                11 => " (SIGSEGV)",
                15 => " (SIGTERM)",
                _ => "",
            };
            return format!("was ended by signal {sig}{name}");
        }
    }
    match status.code() {
        Some(c) => format!("exited with status {c} without a result"),
        None => "ended without a result".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_whole_allocation_message_is_what_the_child_said() {
        let one = "memory allocation of 12058624 bytes failed\nstack backtrace:\n  0: x\n";
        assert_eq!(last_said(one), "memory allocation of 12058624 bytes failed");
        let two =
            "memory allocation of memory allocation of 8 bytes failed\n12058624 bytes failed\n\
                   (skipping backtrace)\n";
        assert_eq!(last_said(two), "memory allocation of 8 bytes failed");
        let other = "warning: x\nthread 'main' panicked at src/a.rs:1:1:\nboom\nnote: run with\n";
        assert_eq!(last_said(other), "boom");
        assert_eq!(last_said(""), "no message");
    }
}
