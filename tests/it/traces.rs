//! Multi-line records from real runtimes (fixtures/traces, made as its
//! README says): each exception, panic or dump is one record, with the
//! log line that introduced it where a logger printed it, for one thread
//! and for two. Each case gives every record's first line, physical lines
//! (blank ones are not counted), severity and head (the line signatures
//! are mined from); the records' lines add up to the file's, so each
//! record spans from its first line to the next record's.

use outsidein::logs::{frame, Registry};
use outsidein::time::TimeCtx;
use std::path::{Path, PathBuf};

fn traces() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/traces")
}

/// One record as the tests look at it.
type Row = (u64, u32, String, String);

/// The format detected for `name` and its records, framed with `threads`.
fn framed_with(name: &str, threads: usize) -> (String, Vec<Row>, u64) {
    let bytes = std::fs::read(traces().join(name)).unwrap();
    let reg = Registry::default();
    let text = String::from_utf8_lossy(&bytes);
    let d = reg
        .detect(&text)
        .unwrap_or_else(|| panic!("{name}: detected"));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let log = pool.install(|| frame(reg.get(d.index), &bytes, &TimeCtx::default()));
    let rows = log
        .records
        .iter()
        .map(|r| {
            let sev = r.severity.as_str().to_string();
            (r.line, r.lines, sev, r.head().to_string())
        })
        .collect();
    assert_eq!(log.unparsed, 0, "{name}");
    (log.format, rows, log.lines)
}

/// `name` is read as `format` into `want`, with one thread and with two,
/// and its records hold every non-blank line.
fn assert_records(name: &str, format: &str, want: &[(u64, u32, &str, &str)]) {
    let one = framed_with(name, 1);
    assert_eq!(one, framed_with(name, 2), "{name}: 1 and 2 threads");
    let (got_format, rows, _) = one;
    assert_eq!(got_format, format, "{name}");
    let got: Vec<(u64, u32, &str, &str)> = rows
        .iter()
        .map(|(l, n, s, h)| (*l, *n, s.as_str(), h.as_str()))
        .collect();
    assert_eq!(got, want, "{name}");
    let text = std::fs::read_to_string(traces().join(name)).unwrap();
    let non_blank = text.lines().filter(|l| !l.is_empty()).count() as u32;
    assert_eq!(rows.iter().map(|r| r.1).sum::<u32>(), non_blank, "{name}");
}

/// A runtime's output and how it must be read.
struct Case {
    file: &'static str,
    format: &'static str,
    /// (first line, physical lines, severity, head) of each record.
    records: &'static [(u64, u32, &'static str, &'static str)],
}

/// Each fixture of fixtures/traces, with the reason it is here.
const CASES: &[Case] = &[
    // Python `logger.exception`: each traceback, chained ones and their
    // blank lines included, is one record with the `ERROR` line before it.
    Case {
        file: "python-logging.log",
        format: "time-level-message",
        records: &[
            (1, 1, "info", "app: starting worker"),
            (2, 7, "error", "app: failed"),
            (9, 16, "error", "app: config load failed"),
            (27, 23, "error", "app: sync failed"),
            (54, 1, "warn", "app: retrying in 5s"),
        ],
    },
    // `logging.basicConfig()` with its defaults (no time):
    // `logger.exception`'s traceback stays with its `ERROR:name:` line.
    Case {
        file: "python-default.log",
        format: "plain",
        records: &[
            (1, 1, "warn", "WARNING:billing:invoice 7 has no items"),
            (2, 11, "error", "ERROR:billing:invoice 8 failed"),
            (13, 1, "error", "ERROR:billing:invoice 9 skipped"),
        ],
    },
    // An uncaught Python exception on stderr (no log format): the two
    // chained tracebacks are one record, named by the exception raised last.
    Case {
        file: "python-uncaught.log",
        format: "plain",
        records: &[
            (1, 1, "info", "loading settings"),
            (2, 21, "error", "RuntimeError: settings file is not JSON"),
        ],
    },
    // An uncaught exception after a timestamped `logging` line below
    // `warn`: no logger wrote it, so it is a record of its own (it hid in
    // `loading job 7`, an info record, and the crash made no finding);
    // its chained traceback stays with it.
    Case {
        file: "python-worker.log",
        format: "time-level-message",
        records: &[
            (1, 1, "info", "worker: worker started"),
            (2, 1, "warn", "worker: queue depth 120 over 100"),
            (3, 1, "info", "worker: loading job 7"),
            (4, 10, "error", "SystemError: job 7 has no port"),
        ],
    },
    // Node's uncaught exception after JSON lines: the caret block, the
    // error, its frames and `Node.js vN` are one record, named by the error.
    Case {
        file: "node-uncaught.log",
        format: "json",
        records: &[
            (1, 1, "info", "server starting"),
            (2, 1, "error", "config missing db section"),
            (
                3,
                13,
                "error",
                "TypeError: Cannot read properties of undefined (reading 'host')",
            ),
        ],
    },
    // `console.log(err.stack)` under a text logger's line.
    Case {
        file: "node-text.log",
        format: "time-level-message",
        records: &[
            (1, 1, "info", "worker started"),
            (2, 11, "error", "job 17 failed"),
            (13, 9, "error", "job 18 failed"),
            (22, 1, "info", "worker idle"),
        ],
    },
    // Node's stderr alone: two `console.error(err)` (one with its own
    // properties, `{` ... `}`) and an uncaught exception thrown from
    // top-level code (its source line unindented): three records.
    Case {
        file: "node-stderr.log",
        format: "plain",
        records: &[
            (1, 8, "error", "RangeError: page size 0 is out of range"),
            (9, 8, "error", "Error: connect ECONNREFUSED 127.0.0.1:1"),
            (
                17,
                8,
                "error",
                "ReferenceError: undefinedFunction is not defined",
            ),
        ],
    },
    // Records printed by `JSON.stringify(x, null, 2)` (and `jq .`, which
    // prints the same bytes) alone in a file: detected as JSON, one record
    // each.
    Case {
        file: "node-pretty.log",
        format: "json",
        records: &[
            (1, 6, "info", "listening"),
            (7, 10, "warn", "slow request"),
            (17, 12, "error", "payment failed: card declined"),
            (29, 5, "info", "shutting down"),
        ],
    },
    // java.util.logging with thrown exceptions: `Caused by:`, `... N more`
    // and `Suppressed:` stay with the logged line; the JVM's own `Exception
    // in thread "main"` begins a record of its own.
    Case {
        file: "java.log",
        format: "time-level-message",
        records: &[
            (1, 1, "info", "shop.App: starting"),
            (2, 11, "error", "shop.App: load failed"),
            (14, 8, "error", "shop.App: job failed"),
            (23, 1, "warn", "shop.App: shutting down"),
            (
                24,
                10,
                "error",
                "Exception in thread \"main\" java.lang.IllegalStateException: config is broken",
            ),
        ],
    },
    // The JVM's uncaught exception with its cause, alone on stderr.
    Case {
        file: "java-stderr.log",
        format: "plain",
        records: &[(
            1,
            5,
            "error",
            "Exception in thread \"main\" java.lang.IllegalStateException: cannot start",
        )],
    },
    // A Go panic under `log` lines (`go run`, so `exit status 2` ends it):
    // one record of its own, not part of the last log line, fatal.
    Case {
        file: "go-run-panic.log",
        format: "go-log",
        records: &[
            (1, 1, "info", "starting"),
            (3, 1, "info", "picking 5"),
            (
                4,
                7,
                "fatal",
                "panic: runtime error: index out of range [5] with length 3",
            ),
        ],
    },
    // Two runs' nil-map panics with `GOTRACEBACK=all` (a `[signal ...]`
    // line, two goroutine blocks each): one record per panic.
    Case {
        file: "go-stderr.log",
        format: "plain",
        records: &[
            (
                1,
                12,
                "fatal",
                "panic: runtime error: invalid memory address or nil pointer dereference",
            ),
            (
                15,
                12,
                "fatal",
                "panic: runtime error: invalid memory address or nil pointer dereference",
            ),
        ],
    },
    // A SIGQUIT goroutine dump after a `log` line: one record, goroutine
    // blocks and registers included (see `logs::multiline` for why).
    Case {
        file: "go-dump.log",
        format: "go-log",
        records: &[
            (1, 1, "info", "workers started"),
            (2, 169, "error", "SIGQUIT: quit"),
        ],
    },
    // Ruby's Logger with a Rails-style backtrace (unindented `file:N:in`
    // lines), then the uncaught exception and its cause, each with its
    // `from` lines (see `logs::multiline` on why the cause stands alone).
    Case {
        file: "ruby.log",
        format: "rails",
        records: &[
            (1, 1, "info", "checkout service up"),
            (2, 4, "error", "RuntimeError: checkout failed"),
            (
                6,
                3,
                "error",
                "app.rb:14:in `rescue in checkout': checkout failed (RuntimeError)",
            ),
            (
                9,
                3,
                "error",
                "app.rb:7:in `charge': amount must be positive (ArgumentError)",
            ),
        ],
    },
    // Ruby's uncaught exception alone on stderr: the exception and its
    // cause, each with its `from` lines.
    Case {
        file: "ruby-stderr.log",
        format: "plain",
        records: &[
            (
                1,
                3,
                "error",
                "app.rb:14:in `rescue in checkout': checkout failed (RuntimeError)",
            ),
            (
                4,
                3,
                "error",
                "app.rb:7:in `charge': amount must be positive (ArgumentError)",
            ),
        ],
    },
    // Python's uncaught exception after JSON lines: one record without a
    // time, its final line included, named by it (it was two).
    Case {
        file: "python-json.log",
        format: "json",
        records: &[
            (1, 1, "info", "job 41 started"),
            (2, 1, "error", "job 41 lost its database connection"),
            (3, 5, "error", "KeyError: '41'"),
        ],
    },
    // Postgres 15's own stderr: DETAIL, HINT, CONTEXT and STATEMENT lines
    // and the tab-indented lines of a statement or of a deadlock's DETAIL
    // join their record.
    Case {
        file: "postgres.log",
        format: "postgres-stderr",
        records: &[
            (1, 1, "info", "starting PostgreSQL 15.18 (Debian 15.18-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14+deb12u1) 12.2.0, 64-bit"),
            (2, 1, "info", "listening on IPv4 address \"127.0.0.1\", port 55434"),
            (3, 1, "info", "listening on Unix socket \"/tmp/outsidein-pg.morDkn/.s.PGSQL.55434\""),
            (4, 1, "info", "database system was shut down at 2026-12-05 02:20:24 UTC"),
            (5, 1, "info", "database system is ready to accept connections"),
            (6, 3, "error", "duplicate key value violates unique constraint \"orders_pkey\""),
            (9, 5, "error", "relation \"orderz\" does not exist at character 23"),
            (14, 4, "error", "order 2 cannot be charged"),
            (18, 3, "info", "duration: 601.919 ms  statement: SELECT pg_sleep(0.6),"),
            (21, 1, "info", "duration: 1005.650 ms  statement: SELECT pg_sleep(1);"),
            (22, 1, "info", "duration: 1003.091 ms  statement: SELECT pg_sleep(1);"),
            (23, 8, "error", "deadlock detected"),
            (31, 1, "info", "duration: 525.089 ms  statement: UPDATE orders SET total = 21 WHERE id = 2;"),
            (32, 1, "info", "received fast shutdown request"),
            (33, 1, "info", "aborting any active transactions"),
            (34, 1, "info", "background worker \"logical replication launcher\" (PID 25227) exited with exit code 1"),
            (35, 1, "info", "shutting down"),
            (36, 1, "info", "checkpoint starting: shutdown immediate"),
            (37, 1, "info", "checkpoint complete: wrote 921 buffers (5.6%); 0 WAL file(s) added, 0 removed, 0 recycled; write=0.023 s, sync=1.486 s, total=1.540 s; sync files=305, longest=0.236 s, average=0.005 s; distance=4237 kB, estimate=4237 kB"),
            (38, 1, "info", "database system is shut down"),
        ],
    },
];

#[test]
fn runtimes_dumps_are_one_record_each() {
    for case in CASES {
        assert_records(case.file, case.format, case.records);
    }
    let mut files: Vec<String> = std::fs::read_dir(traces())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".log"))
        .collect();
    files.sort();
    let mut cased: Vec<&str> = CASES.iter().map(|c| c.file).collect();
    cased.sort();
    assert_eq!(files, cased, "every fixture has its case");
}

/// `analyze` on a bundle of runtimes' stderr: one signature per distinct
/// exception (the two runs' identical panics are one signature seen
/// twice), none made of a frame, a goroutine's line or a register, with
/// one thread and with two.
#[test]
fn analyze_gives_one_signature_per_exception() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    for name in [
        "go-stderr.log",
        "go-dump.log",
        "python-uncaught.log",
        "node-stderr.log",
        "java-stderr.log",
    ] {
        std::fs::copy(traces().join(name), logs.join(name)).unwrap();
    }
    let report = super::analyze::analyze_json(dir.path(), &["-j", "1"]);
    let two = super::analyze::analyze_json(dir.path(), &["-j", "2"]);
    assert_eq!(report["signatures"], two["signatures"]);
    let mut got: Vec<(String, u64, String)> = report["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let template = s["template"].as_str().unwrap().to_string();
            let severity = s["severity"].as_str().unwrap().to_string();
            (template, s["count"].as_u64().unwrap(), severity)
        })
        .collect();
    got.sort();
    let want = [
        ("Error: connect ECONNREFUSED <*>", 1, "error"),
        (
            "Exception in thread \"main\" java.lang.IllegalStateException: cannot start",
            1,
            "error",
        ),
        ("RangeError: page size <*> is out of range", 1, "error"),
        (
            "ReferenceError: undefinedFunction is not defined",
            1,
            "error",
        ),
        ("RuntimeError: settings file is not JSON", 1, "error"),
        ("SIGQUIT: quit", 1, "error"),
        ("loading settings", 1, "info"),
        (
            "panic: runtime error: invalid memory address or nil pointer dereference",
            2,
            "fatal",
        ),
        ("workers started", 1, "info"),
    ];
    let want: Vec<(String, u64, String)> = want
        .iter()
        .map(|&(t, c, s)| (t.to_string(), c, s.to_string()))
        .collect();
    assert_eq!(got, want);
}
