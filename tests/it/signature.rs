//! Template mining against the Loghub-2k ground truth and across thread
//! counts.

use outsidein::bundle::Limits;
use outsidein::signature::{group, mine, Mined};
use std::path::{Path, PathBuf};

pub const SYSTEMS: [&str; 8] = [
    "Apache",
    "BGL",
    "HDFS",
    "Hadoop",
    "Linux",
    "OpenSSH",
    "Spark",
    "Zookeeper",
];

fn data_root() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/loghub2k");
    let root = if root.is_dir() {
        root
    } else {
        PathBuf::from("/work/shared/data/loghub2k")
    };
    if !root.is_dir() {
        eprintln!("skipped: shared/data/loghub2k not found");
        return None;
    }
    Some(root)
}

/// Minimal RFC 4180 reader: rows of fields, quotes doubled inside quotes.
pub fn read_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = vec![];
    let (mut row, mut field, mut quoted) = (vec![], String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// (LineId, Content) of one system's structured ground truth.
fn contents(root: &Path, sys: &str) -> Vec<(String, String)> {
    let path = root
        .join(sys)
        .join(format!("{sys}_2k.log_structured_corrected.csv"));
    let rows = read_csv(&std::fs::read_to_string(path).unwrap());
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let (id, content) = (col("LineId"), col("Content"));
    rows[1..]
        .iter()
        .map(|r| (r[id].clone(), r[content].clone()))
        .collect()
}

fn write_predictions(dir: &Path, sys: &str, lines: &[(String, String)], mined: &Mined) {
    let mut out = String::new();
    for ((line, _), &t) in lines.iter().zip(&mined.assignment) {
        let tpl = &mined.templates[t as usize];
        let rec = serde_json::json!({"line": line.parse::<u64>().unwrap(),
                                     "template_id": tpl.id, "template": tpl.text});
        out.push_str(&rec.to_string());
        out.push('\n');
    }
    std::fs::write(dir.join(format!("{sys}.jsonl")), out).unwrap();
}

/// The message column alone (`Content` of each structured ground truth),
/// mined in process with statistics, as `analyze` mines: the same average
/// targets as the raw logs through the CLI (below).
#[test]
fn loghub2k_grouping_accuracy_meets_targets() {
    let Some(root) = data_root() else { return };
    let tmp = tempfile::tempdir().unwrap();
    // SIG_PRED_DIR keeps the predictions for a closer look.
    let dir = std::env::var_os("SIG_PRED_DIR").map_or(tmp.path().to_path_buf(), PathBuf::from);
    for sys in SYSTEMS {
        let lines = contents(&root, sys);
        let msgs: Vec<&str> = lines.iter().map(|(_, c)| c.as_str()).collect();
        write_predictions(&dir, sys, &lines, &mine(&msgs));
    }
    let v = score(&["--summary".as_ref(), root.as_os_str(), dir.as_os_str()]);
    assert_average_targets(&v);
}

/// Issue 4's targets for the averages of a `--summary` score: GA 0.95 and
/// FGA 0.92 at least.
fn assert_average_targets(v: &serde_json::Value) {
    eprintln!("averages: {}", v["average"]);
    let avg = |k: &str| {
        v["average"][k]
            .as_f64()
            .unwrap_or_else(|| panic!("no average {k}: {v}"))
    };
    assert!(avg("GA") >= 0.95, "GA average {}", avg("GA"));
    assert!(avg("FGA") >= 0.92, "FGA average {}", avg("FGA"));
}

/// Runs `outsidein signatures FILE --format jsonl` (the binary, as a user
/// would) with its output in `out`.
fn signatures_jsonl(file: &Path, out: &Path) {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_outsidein"))
        .arg("signatures")
        .arg(file)
        .args(["--format", "jsonl"])
        .stdout(std::fs::File::create(out).unwrap())
        .status()
        .expect("the binary runs");
    assert!(status.success(), "signatures {}: {status}", file.display());
}

/// The scorer's `--json` output for `args`.
fn score(args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let scorer = data_root().unwrap().join("../../bench/score_grouping.py");
    let out = std::process::Command::new("python3")
        .arg(scorer)
        .args(args)
        .arg("--json")
        .output()
        .expect("python3 runs the scorer");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Issue 4's accuracy as it sets it: each raw `<System>_2k.log`, header
/// and all, through `outsidein signatures`, no setting of any kind (the
/// header split from format detection): GA 0.95 and FGA 0.92 on average
/// at least, no system under 0.85 GA.
#[test]
fn loghub2k_raw_logs_grouping_meets_targets() {
    let Some(root) = data_root() else { return };
    let dir = tempfile::tempdir().unwrap();
    for sys in SYSTEMS {
        let log = root.join(sys).join(format!("{sys}_2k.log"));
        signatures_jsonl(&log, &dir.path().join(format!("{sys}.jsonl")));
    }
    let v = score(&[
        "--summary".as_ref(),
        root.as_os_str(),
        dir.path().as_os_str(),
    ]);
    assert_average_targets(&v);
    let rows = v["datasets"]
        .as_object()
        .unwrap_or_else(|| panic!("no datasets: {v}"));
    assert_eq!(rows.len(), SYSTEMS.len(), "{v}");
    for (sys, row) in rows {
        let ga = row["GA"].as_f64().unwrap_or_else(|| panic!("no GA: {row}"));
        assert!(ga >= 0.85, "{sys}: {row}");
    }
}

/// Issue 4's scale test: on the 1M-line raw files `make_big.py --truth`
/// makes from the 2k ones (fresh values in every variable position), the
/// groups `outsidein signatures` finds stay within 1.1 times their count
/// on the 2k file, and GA within 0.01 of it. Makes the files (about 1 GB
/// for the four, one system at a time in a temporary folder).
#[test]
fn loghub_1m_files_keep_the_2k_groups_and_accuracy() {
    let Some(root) = data_root() else { return };
    let make_big = root.join("../../bench/make_big.py");
    for sys in ["HDFS", "BGL", "Spark", "OpenSSH"] {
        let dir = tempfile::tempdir().unwrap();
        let made = std::process::Command::new("python3")
            .arg(&make_big)
            .args(["--truth", "--systems", sys, "--out"])
            .arg(dir.path())
            .output()
            .expect("python3 runs make_big.py");
        assert!(
            made.status.success(),
            "make_big.py {sys}: {}",
            String::from_utf8_lossy(&made.stderr)
        );
        let (small, big) = (dir.path().join("small.jsonl"), dir.path().join("big.jsonl"));
        signatures_jsonl(&root.join(sys).join(format!("{sys}_2k.log")), &small);
        signatures_jsonl(&dir.path().join(format!("{sys}_big.log")), &big);
        let truth = root
            .join(sys)
            .join(format!("{sys}_2k.log_structured_corrected.csv"));
        let s = score(&[truth.as_os_str(), small.as_os_str()]);
        let b = score(&[
            dir.path().join(format!("{sys}_big.truth.csv")).as_os_str(),
            big.as_os_str(),
        ]);
        let num =
            |v: &serde_json::Value, k: &str| v[k].as_f64().unwrap_or_else(|| panic!("no {k}: {v}"));
        assert_eq!(num(&b, "lines"), 1e6, "{b}");
        let (groups_2k, groups_1m) = (num(&s, "pred_groups"), num(&b, "pred_groups"));
        assert!(
            groups_1m <= 1.1 * groups_2k && groups_2k <= 1.1 * groups_1m,
            "{sys}: {groups_2k} groups on 2k lines, {groups_1m} on 1M"
        );
        let (ga_2k, ga_1m) = (num(&s, "GA"), num(&b, "GA"));
        assert!(
            (ga_1m - ga_2k).abs() <= 0.01,
            "{sys}: GA {ga_2k} on 2k lines, {ga_1m} on 1M"
        );
    }
}

/// Ids, templates, statistics and assignment do not depend on the thread
/// count, and grouping without statistics gives the same groups. Uses
/// more lines than one chunk so that chunks are merged.
#[test]
fn one_and_two_threads_mine_the_same() {
    let Some(root) = data_root() else { return };
    let mut lines = vec![];
    for sys in SYSTEMS {
        lines.extend(contents(&root, sys).into_iter().map(|(_, c)| c));
    }
    let many: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .cycle()
        .take(100_000)
        .collect();
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| (mine(&many), group(&many)))
    };
    let ((one, one_g), (two, two_g)) = (run(1), run(2));
    assert_eq!(one.assignment, two.assignment);
    assert_eq!(one.templates, two.templates);
    assert!(one.templates.windows(2).all(|w| w[0].id < w[1].id));
    // Grouping alone: the same groups, without statistics.
    let mut bare = one.templates.clone();
    assert!(bare.iter().filter(|t| !t.params.is_empty()).count() > 100);
    bare.iter_mut().for_each(|t| t.params.clear());
    for g in [one_g, two_g] {
        assert_eq!(g.assignment, one.assignment);
        assert_eq!(g.templates, bare);
    }
}

/// A template's id is the xxh3 of its text, whatever else is mined with it.
#[test]
fn ids_come_from_the_template_text_only() {
    let a = mine(&["Invalid user bob from 10.0.0.1", "disk full on /dev/sda1"]);
    let b = mine(&["other text", "Invalid user bob from 10.9.9.9"]);
    let id = |m: &Mined, text: &str| {
        m.templates
            .iter()
            .find(|t| t.text == text)
            .map(|t| t.id.clone())
            .unwrap()
    };
    assert_eq!(
        id(&a, "Invalid user bob from <*>"),
        id(&b, "Invalid user bob from <*>")
    );
    let t = a
        .templates
        .iter()
        .find(|t| t.text == "disk full on <*>")
        .unwrap();
    assert_eq!(
        (t.count, t.params[0].top.as_str(), t.params[0].distinct),
        (1, "/dev/sda1", 1)
    );
}

/// `signatures FILE --format jsonl` writes one record per line of FILE, in
/// the scorer's format; `json` writes the same records as one array.
#[test]
fn cli_writes_one_record_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.log");
    std::fs::write(
        &path,
        "Invalid user bob from 10.0.0.1\nInvalid user bob from 10.0.0.2\n",
    )
    .unwrap();
    let mut out = vec![];
    let code = outsidein::signature::cli(&path, true, &Limits::default(), &mut out).unwrap();
    assert_eq!(code, 0);
    let recs: Vec<serde_json::Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1]["line"], 2);
    assert_eq!(recs[0]["template_id"], recs[1]["template_id"]);
    assert_eq!(recs[0]["template"], "Invalid user bob from <*>");
    let mut out = vec![];
    outsidein::signature::cli(&path, false, &Limits::default(), &mut out).unwrap();
    let arr: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(arr.as_array().unwrap().len(), 2);
}

/// Regression: `signatures FILE.gz` mined the compressed bytes. A gzip
/// of a real log gives the records of the log itself, and an archive of
/// many files is refused with a message rather than mined as one.
#[test]
fn cli_reads_a_compressed_file_through_the_bundle_opener() {
    use std::io::Write;
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let log =
        manifest.join("fixtures/sample-bundle/sb_shop-demo-01_20261204_162345/logs/app/api-1.log");
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("api-1.log.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(&std::fs::read(&log).unwrap()).unwrap();
    enc.finish().unwrap();
    let mine = |p: &Path| {
        let mut out = vec![];
        assert_eq!(
            outsidein::signature::cli(p, true, &Limits::default(), &mut out).unwrap(),
            0
        );
        String::from_utf8(out).unwrap()
    };
    let (plain, packed) = (mine(&log), mine(&gz));
    let lines = std::fs::read_to_string(&log).unwrap().lines().count();
    assert_eq!(plain.lines().count(), lines);
    assert_eq!(packed, plain);
    let tar = manifest.join("fixtures/sample-bundle.tar.gz");
    let err = outsidein::signature::cli(&tar, true, &Limits::default(), &mut vec![]).unwrap_err();
    assert!(format!("{err:#}").contains("give one log file"), "{err:#}");
}

/// QA: messages whose key held another number of `<*>` in a position than
/// their template's shifted values into the next parameter. Linux_2k's
/// 909 `connection from IP (HOST) at DATE` lines hold 38 addresses, 11
/// host names (besides an empty `()`, which gives no value) and 120 dates,
/// as a regex over the messages counts; each parameter now holds its own
/// (before: 38, 76 and 55).
#[test]
fn parameters_stay_in_their_position() {
    let Some(root) = data_root() else { return };
    let lines = contents(&root, "Linux");
    let messages: Vec<&str> = lines.iter().map(|(_, c)| c.as_str()).collect();
    let mined = mine(&messages);
    let t = mined
        .templates
        .iter()
        .find(|t| t.text == "connection from <*> (<*>) at <*>")
        .expect("the ftpd connection template");
    let re = regex::Regex::new(r"^connection from (\S+) \((.*)\) at (.*)$").unwrap();
    let mut sets: [std::collections::BTreeSet<&str>; 3] = Default::default();
    for m in &messages {
        if let Some(c) = re.captures(m) {
            for (i, set) in sets.iter_mut().enumerate() {
                let v = c.get(i + 1).unwrap().as_str();
                if !v.is_empty() {
                    set.insert(v);
                }
            }
        }
    }
    let want: Vec<u64> = sets.iter().map(|s| s.len() as u64).collect();
    let got: Vec<u64> = t.params.iter().map(|p| p.distinct).collect();
    assert_eq!(t.count, 909);
    assert_eq!(got, want);
    assert_eq!(got, [38, 11, 120]);
}

/// QA: `signatures` on a file without a line that holds a byte (empty, a
/// lone line feed, a BOM alone) printed one made-up record; random bytes
/// were mined as a log where `analyze` calls them binary; a real log with
/// a stretch of NUL bytes near its start was refused; a full disk exited
/// 1 where the README promises 5; and a file over 512 MiB could not be
/// mined at any limit (`--max-file-bytes` now sets it).
#[test]
fn cli_refuses_and_reads_as_analyze_does() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, bytes: &[u8], extra: &[&str]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_outsidein"))
            .arg("signatures")
            .arg(&path)
            .args(extra)
            .output()
            .expect("binary runs");
        let text = String::from_utf8(out.stdout).unwrap();
        (
            out.status.code(),
            text,
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    for (i, empty) in ["", "\n", "\r", "\u{feff}", "\u{feff}\n"]
        .iter()
        .enumerate()
    {
        let (code, out, _) = run(&format!("empty{i}.log"), empty.as_bytes(), &[]);
        assert_eq!((code, out.as_str()), (Some(0), ""), "{empty:?}");
    }
    // Bytes no log holds: a PNG's header, then control bytes.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..20_000u32).map(|i| (i * 7 % 32) as u8));
    let (code, out, err) = run("img.log", &png, &[]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(
        err.contains("binary content (a PNG image), not text"),
        "{err}"
    );
    // A real log with 4 KiB of NUL bytes after its first lines.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let log = std::fs::read(
        manifest.join("fixtures/sample-bundle/sb_shop-demo-01_20261204_162345/logs/app/api-1.log"),
    )
    .unwrap();
    let cut = log.iter().position(|&c| c == b'\n').unwrap() + 1;
    let mut holed = log[..cut].to_vec();
    holed.extend([0u8; 4096]);
    holed.extend(&log[cut..]);
    let (code, out, err) = run("holed.log", &holed, &[]);
    assert_eq!(code, Some(0), "{err}");
    let plain = run("plain.log", &log, &[]).1;
    let lines = |t: &str| t.lines().count();
    assert_eq!(lines(&out), lines(&plain));
    // The limit on the file's size is the user's: a plain file over it is
    // refused, as a folder's file over it is skipped by `analyze`.
    let (code, out, err) = run("cut.log", &log, &["--max-file-bytes", &cut.to_string()]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(
        err.contains(&format!("over the per-file limit of {cut} bytes")),
        "{err}"
    );
    let size = log.len().to_string();
    let (code, out, _) = run("cut.log", &log, &["--max-file-bytes", &size]);
    assert_eq!((code, lines(&out)), (Some(0), lines(&plain)));
    // An output that cannot be written.
    if Path::new("/dev/full").exists() {
        let path = dir.path().join("plain.log");
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_outsidein"))
            .arg("signatures")
            .arg(&path)
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("standard output: cannot write"), "{err}");
    }
}

/// A gzip cut at `max_entry_bytes` ends inside a line: the whole lines
/// before the cut are mined, one record each, and the part of a line
/// after them is not (before: it was mined as a message of its own).
#[test]
fn cli_mines_whole_lines_of_a_file_cut_at_the_limit() {
    let text = std::fs::read(sample_api_log()).unwrap();
    // A limit that falls inside a line.
    let mut cut = text.len() / 2;
    while text[cut - 1] == b'\n' {
        cut += 1;
    }
    let recs = signatures_of_gzip_cut_at(&text, cut);
    let whole = text[..cut].iter().filter(|&&b| b == b'\n').count();
    assert!(whole > 100, "{whole}");
    assert_eq!(recs.len(), whole);
    assert_eq!(recs.last().unwrap()["line"], whole);
}

/// QA: a cut between the two bytes of a CRLF left out the whole line
/// before it; that line is whole and is mined.
#[test]
fn cli_mines_a_crlf_line_cut_before_its_line_feed() {
    // The limit falls just after a line's carriage return.
    assert_mines_the_lines_before_a_cut("\r\n", 1);
}

/// QA: a log whose lines end in carriage returns alone, cut inside a
/// line by the size limit, mined nothing (the cut looked for a line feed).
#[test]
fn cli_mines_a_bare_cr_log_cut_inside_a_line() {
    assert_mines_the_lines_before_a_cut("\r", 6);
}

/// The sample API log with its lines ending in `end`, cut by the size
/// limit `past` bytes after a carriage return past its middle: each line
/// before the cut is mined, and no more.
fn assert_mines_the_lines_before_a_cut(end: &str, past: usize) {
    let text = String::from_utf8(std::fs::read(sample_api_log()).unwrap())
        .unwrap()
        .replace('\n', end)
        .into_bytes();
    let half = text.len() / 2;
    let cut = half + text[half..].iter().position(|&b| b == b'\r').unwrap() + past;
    let recs = signatures_of_gzip_cut_at(&text, cut);
    let whole = text[..cut].iter().filter(|&&b| b == b'\r').count();
    assert!(whole > 100, "{whole}");
    assert_eq!(recs.len(), whole);
    assert_eq!(recs.last().unwrap()["line"], whole);
}

fn sample_api_log() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/sample-bundle/sb_shop-demo-01_20261204_162345/logs/app/api-1.log")
}

/// `signature::cli`'s JSONL records for `text` gzipped and read with a
/// size limit of `cut` bytes.
fn signatures_of_gzip_cut_at(text: &[u8], cut: usize) -> Vec<serde_json::Value> {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let gz = dir.path().join("api-1.log.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(text).unwrap();
    enc.finish().unwrap();
    let limits = Limits {
        max_entry_bytes: cut as u64,
        ..Limits::default()
    };
    let mut out = vec![];
    assert_eq!(
        outsidein::signature::cli(&gz, true, &limits, &mut out).unwrap(),
        0
    );
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
