//! `outsidein timeline` against the Loghub-2k ground truth: every line of
//! the 8 systems gets the time its Date/Time columns give.

use super::analyze::{run, shared};
use serde_json::Value;
use std::collections::BTreeMap;

fn month(m: &str) -> u32 {
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|x| *x == m)
    .map(|i| i as u32 + 1)
    .unwrap_or_else(|| panic!("month {m}"))
}

/// The ground-truth time of one row, as `YYYY-MM-DD HH:MM:SS[.frac]`, or
/// `MM-DD HH:MM:SS` for the systems whose lines carry no year.
fn expected(system: &str, col: &BTreeMap<&str, String>) -> String {
    let c = |k: &str| col[k].as_str();
    match system {
        "Apache" => {
            // Sun Dec 04 04:47:44 2005
            let p: Vec<&str> = c("Time").split_whitespace().collect();
            format!("{}-{:02}-{} {}", p[4], month(p[1]), p[2], p[3])
        }
        "BGL" => {
            let t = c("Time"); // 2005-06-03-15.42.50.675872
            format!("{} {}", &t[..10], t[11..].replacen('.', ":", 2))
        }
        "HDFS" => {
            let (d, t) = (format!("{:0>6}", c("Date")), format!("{:0>6}", c("Time")));
            format!(
                "20{}-{}-{} {}:{}:{}",
                &d[..2],
                &d[2..4],
                &d[4..],
                &t[..2],
                &t[2..4],
                &t[4..]
            )
        }
        "Hadoop" | "Zookeeper" => format!("{} {}", c("Date"), c("Time").replace(',', ".")),
        "Spark" => format!("20{} {}", c("Date").replace('/', "-"), c("Time")),
        "Linux" => format!(
            "{:02}-{:02} {}",
            month(c("Month")),
            c("Date").parse::<u32>().unwrap(),
            c("Time")
        ),
        "OpenSSH" => {
            format!(
                "{:02}-{:02} {}",
                month(c("Date")),
                c("Day").parse::<u32>().unwrap(),
                c("Time")
            )
        }
        other => panic!("no rule for {other}"),
    }
}

/// Our time in the same shape, fraction trimmed of trailing zeros.
fn ours(system: &str, time: &str) -> String {
    let ts: jiff::Timestamp = time.parse().unwrap();
    let shape = if matches!(system, "Linux" | "OpenSSH") {
        "%m-%d %H:%M:%S%.f"
    } else {
        "%Y-%m-%d %H:%M:%S%.f"
    };
    ts.strftime(shape).to_string()
}

fn trim_frac(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// The rows of `timeline --format jsonl` output.
fn jsonl_rows(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_loghub_line_gets_its_ground_truth_time() {
    let Some(shared) = shared() else { return };
    for system in super::signature::SYSTEMS {
        let dir = shared.join("data/loghub2k").join(system);
        let log = dir.join(format!("{system}_2k.log"));
        let out = run(&["timeline", log.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{system}");
        let rows: BTreeMap<u64, String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|v| {
                (
                    v["line"].as_u64().unwrap(),
                    v["time"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let truth =
            std::fs::read_to_string(dir.join(format!("{system}_2k.log_structured_corrected.csv")))
                .unwrap();
        let table = super::signature::read_csv(&truth);
        let header = &table[0];
        let mut checked = 0;
        for fields in &table[1..] {
            let col: BTreeMap<&str, String> = header
                .iter()
                .map(|h| h.as_str())
                .zip(fields.iter().cloned())
                .collect();
            let id: u64 = col["LineId"].parse().unwrap();
            let got = rows
                .get(&id)
                .unwrap_or_else(|| panic!("{system}: line {id} has no record"));
            assert!(!got.is_empty(), "{system}: line {id} has no time");
            assert_eq!(
                trim_frac(&ours(system, got)),
                trim_frac(&expected(system, &col)),
                "{system} line {id}"
            );
            checked += 1;
        }
        assert_eq!(checked, 2000, "{system}");
    }
}

#[test]
fn timeline_merges_sources_in_time_order() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = run(&[
        "timeline",
        root.join("fixtures/sample-bundle.tar.gz").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let rows = jsonl_rows(&out.stdout);
    let times: Vec<&str> = rows.iter().filter_map(|r| r["time"].as_str()).collect();
    assert!(times
        .windows(2)
        .all(|w| w[0].parse::<jiff::Timestamp>().unwrap() <= w[1].parse().unwrap()));
    let sources: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert!(sources.len() >= 8, "{sources:?}");
    let first = &rows[0];
    assert_eq!(first["time"], "2026-12-04T16:18:20.006Z");
    assert_eq!(first["format"], "postgres-stderr");
}

/// A Postgres log of more than two chunks (the sample bundle's, whose
/// records span lines, written 45 times over): `timeline` prints the same
/// bytes with one thread and with two, and line numbers run on across the
/// cuts.
#[test]
fn timeline_of_a_multi_chunk_file_is_the_same_for_one_and_two_threads() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let pg = root.join(
        "fixtures/sample-bundle/sb_shop-demo-01_20261204_162345/logs/postgresql/postgresql.log",
    );
    let one = std::fs::read(pg).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("postgresql.log");
    std::fs::write(&big, one.repeat(45)).unwrap();
    assert!(std::fs::metadata(&big).unwrap().len() > 2 * outsidein::logs::CHUNK_BYTES as u64);
    let path = big.to_str().unwrap();
    let serial = run(&["timeline", path, "-j", "1"]);
    let parallel = run(&["timeline", path, "-j", "2"]);
    assert_eq!(serial.status.code(), Some(0));
    assert_eq!(parallel.status.code(), Some(0));
    let text = String::from_utf8(serial.stdout.clone()).unwrap();
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Line numbers run on across chunks: copy k's records stand k copies
    // of lines after copy 0's.
    let per_copy = one.iter().filter(|&&b| b == b'\n').count() as u64;
    let lines: std::collections::BTreeSet<u64> =
        rows.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines.len() % 45, 0);
    let first: Vec<u64> = lines.iter().copied().filter(|&l| l <= per_copy).collect();
    assert_eq!(first.len() * 45, lines.len());
    assert!(first.iter().all(|l| lines.contains(&(l + 44 * per_copy))));
    assert!(
        serial.stdout == parallel.stdout,
        "timeline differs by thread count"
    );
}

/// QA: a file no format reads gave an empty timeline and no word. It is
/// named on stderr, as `analyze` names it. (The QA's own case, a Postgres
/// log opening with a 199-line statement, is now read: see
/// `logs::tests::a_long_statement_at_the_start_does_not_hide_the_format`.)
#[test]
fn timeline_names_a_file_it_cannot_read() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("banner.log");
    let text: String = (1..=50).map(|i| format!("=== {i} --- %%% ===\n")).collect();
    std::fs::write(&f, text).unwrap();
    let out = run(&["timeline", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("outsidein: warning: banner.log: no known format reads its lines"),
        "{err}"
    );
}

/// QA: lines before a file's first record, and a file judged binary, were
/// left out of the timeline without a word; `analyze` counted them. Both
/// are named on stderr, with how many lines and the first of them.
#[test]
fn timeline_names_lines_and_files_it_leaves_out() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "garbage first line\nanother junk line\n\
                Dec  4 10:00:00 web-1 sshd[1]: Accepted password for x\n\
                Dec  4 10:00:01 web-1 sshd[1]: error: boom\n";
    std::fs::write(tmp.path().join("lead.log"), text).unwrap();
    std::fs::write(
        tmp.path().join("blob.log"),
        b"\x00\x01\x02bin\x00\xff\x00\n",
    )
    .unwrap();
    let out = run(&["timeline", tmp.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let rows = jsonl_rows(&out.stdout);
    let lines: Vec<u64> = rows.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 4]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "outsidein: warning: lead.log: 2 lines before the first record not read as \
             syslog-rfc3164 and not in the timeline, first at line 1: garbage first line"
        ),
        "{err}"
    );
    assert!(
        err.contains("outsidein: warning: blob.log: judged binary, not read: "),
        "{err}"
    );
}

/// QA: a JSON log whose lines are all longer than the 64 KiB that
/// detection sampled got no format. Detection reads the first line to
/// its end.
#[test]
fn a_log_of_lines_longer_than_the_sample_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("payloads.log");
    let text: String = (0..3)
        .map(|i| {
            format!(
                "{{\"level\":50,\"time\":\"2026-12-04T16:18:2{i}.341Z\",\"msg\":\"upload {i} failed\",\"body\":\"{}\"}}\n",
                "x".repeat(70_000)
            )
        })
        .collect();
    std::fs::write(&f, text).unwrap();
    let out = run(&["timeline", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let rows = jsonl_rows(&out.stdout);
    let got: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["format"].as_str().unwrap(),
                r["severity"].as_str().unwrap(),
                r["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("json", "error", "upload 0 failed"),
            ("json", "error", "upload 1 failed"),
            ("json", "error", "upload 2 failed")
        ]
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // QA: a long first line of another kind (a banner) decided alone.
    let g = tmp.path().join("banner.log");
    let text = format!(
        "{}\n{{\"level\":30,\"time\":\"2026-12-04T16:18:20.341Z\",\"msg\":\"up\"}}\n",
        "=".repeat(70_000)
    );
    std::fs::write(&g, text).unwrap();
    let out = run(&["timeline", g.to_str().unwrap()]);
    let rows = jsonl_rows(&out.stdout);
    // The JSON line is read; the banner is a record of its own, with no
    // time, as any other line a JSON log holds that is not JSON.
    let got: Vec<(u64, &str, bool)> = rows
        .iter()
        .map(|r| {
            let line = r["line"].as_u64().unwrap();
            (line, r["format"].as_str().unwrap(), r["time"].is_null())
        })
        .collect();
    assert_eq!(got, [(2, "json", false), (1, "json", true)]);
    assert_eq!(rows[0]["message"], "up");
}

/// QA: V8's abort between two JSON lines sorted after every timed record
/// of the bundle; it keeps its place after the record before it.
#[test]
fn a_record_without_a_time_follows_the_one_before_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("worker.log"),
        "{\"level\":30,\"time\":\"2026-12-04T15:38:12.000Z\",\"msg\":\"batch 1\"}\n\
         FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n\
         {\"level\":30,\"time\":\"2026-12-04T15:38:20.000Z\",\"msg\":\"started\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("api.log"),
        "{\"level\":30,\"time\":\"2026-12-04T15:38:15.000Z\",\"msg\":\"api\"}\n",
    )
    .unwrap();
    let out = run(&[
        "timeline",
        dir.path().to_str().unwrap(),
        "--format",
        "jsonl",
    ]);
    let rows = jsonl_rows(&out.stdout);
    let order: Vec<(&str, bool)> = rows
        .iter()
        .map(|r| (r["message"].as_str().unwrap(), r["time"].is_null()))
        .collect();
    assert_eq!(
        order,
        [
            ("batch 1", false),
            (
                "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
                true
            ),
            ("api", false),
            ("started", false),
        ]
    );
}

/// QA: a message that begins like a spreadsheet formula started a CSV
/// cell as it was (`=HYPERLINK(...)` runs when the CSV is opened). The
/// CSV form defuses it with a leading `'`; JSONL keeps the text.
#[test]
fn csv_cells_are_no_formulas() {
    let dir = tempfile::tempdir().unwrap();
    let real = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/sample-bundle/sb_shop-demo-01_20261204_162345/logs/app/api-1.log"),
    )
    .unwrap();
    let first = real.lines().next().unwrap();
    let hostile = first.replace("shop-api started", r#"=HYPERLINK(\"http://x\",\"y\")"#);
    let log = dir.path().join("api.log");
    std::fs::write(&log, format!("{first}\n{hostile}\n")).unwrap();
    let csv = run(&["timeline", log.to_str().unwrap(), "--format", "csv"]);
    let text = String::from_utf8(csv.stdout).unwrap();
    let last = text.lines().last().unwrap();
    assert!(
        last.ends_with(r#","'=HYPERLINK(""http://x"",""y"")""#),
        "{last}"
    );
    let jsonl = run(&["timeline", log.to_str().unwrap()]);
    let rec: Value = serde_json::from_str(
        String::from_utf8(jsonl.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(rec["message"], r#"=HYPERLINK("http://x","y")"#);
}

/// `timeline` dropped the records past a cut without a word: a file cut
/// at `--max-file-bytes` and a member a truncated tar cuts are named on
/// stderr with what was lost (the tar's entry and its missing bytes), and
/// the records before the cut are printed.
#[test]
fn timeline_says_on_stderr_which_files_were_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let text: String = (0..2000)
        .map(|i| {
            format!(
                "2026-12-04 16:{:02}:{:02}.000 UTC [42] FATAL:  sorry, too many clients already\n",
                i / 60 % 60,
                i % 60
            )
        })
        .collect();
    std::fs::write(logs.join("postgresql.log"), &text).unwrap();
    std::fs::write(logs.join("a.log"), &text[..4000]).unwrap();
    let gz = std::process::Command::new("gzip")
        .args(["-k", "-n"])
        .arg(logs.join("postgresql.log"))
        .status()
        .unwrap();
    assert!(gz.success());
    let out = run(&[
        "timeline",
        logs.join("postgresql.log.gz").to_str().unwrap(),
        "--max-file-bytes",
        "50000",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "postgresql.log.gz: cut short, records past the cut are missing: gzip stream: \
             decompressed size over the limit of 50000 bytes; cut there"
        ),
        "{err}"
    );
    let printed = String::from_utf8_lossy(&out.stdout).lines().count();
    assert!(printed > 0 && printed < 2000, "{printed}");

    // A tar cut inside its second member's data.
    let tar = tmp.path().join("cut.tar");
    let made = std::process::Command::new("tar")
        .current_dir(tmp.path())
        .args(["-cf", "cut.tar", "logs/a.log", "logs/postgresql.log"])
        .status()
        .unwrap();
    assert!(made.success());
    // a.log: a 512-byte header and 4000 bytes padded to 4096; then the
    // second header; keep 10000 bytes of the second member's data.
    let bytes = std::fs::read(&tar).unwrap();
    let data = 512 + 4096 + 512;
    std::fs::write(&tar, &bytes[..data + 10000]).unwrap();
    let out = run(&["timeline", tar.to_str().unwrap()]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let missing = text.len() - 10000;
    assert!(
        err.contains(&format!(
            "logs/postgresql.log: cut short, records past the cut are missing: entry 1: stream \
             ends early after 10000 bytes: the archive ends inside this entry: {missing} of its \
             {} bytes are missing",
            text.len()
        )),
        "{err}"
    );
}

/// A log that opens with more than a detection head's worth of empty lines
/// (70,000, over 64 KiB) is detected on the lines after them: each of the
/// Loghub HDFS lines that follow is a record, the first one numbered
/// after the empty lines with its time (it was "no known format reads its
/// lines", and no record).
#[test]
fn a_log_after_64_kib_of_empty_lines_is_detected_and_read() {
    let Some(root) = shared() else {
        return;
    };
    let data = root.join("data/loghub2k/HDFS/HDFS_2k.log");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hdfs.log");
    let text = std::fs::read_to_string(data).unwrap();
    std::fs::write(&path, "\n".repeat(70_000) + &text).unwrap();
    let out = run(&["timeline", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let rows = jsonl_rows(&out.stdout);
    assert_eq!(rows.len(), text.lines().count());
    assert!(rows.iter().all(|r| r["format"] == "hdfs"));
    // Rows come in time order: the file's first line is found by number.
    let first = rows
        .iter()
        .find(|r| r["line"] == 70_001)
        .expect("line 70,001");
    assert_eq!(first["time"], "2008-11-09T20:36:15Z"); // `081109 203615`
}
