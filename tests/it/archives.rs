//! Compressed files and archives, alone and nested, made by the real gzip,
//! xz, zstd, bzip2, tar and zip tools (fixtures/archives/make.sh): each
//! read whole, each cut in half (what was read is kept and said), a bomb
//! per codec (cut at the per-file limit), and archives inside archives to
//! the depth limit.

use super::analyze::run;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/archives")
        .join(rel)
}

/// The real nginx access log the fixtures were cut from.
fn full_access_log() -> Vec<u8> {
    let p = "fixtures/sample-bundle/sb_shop-demo-01_20261204_162345/logs/nginx/access.log";
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(p)).unwrap()
}

/// `analyze PATH --format json` and its inventory as (path, status,
/// records, reason), in the report's order.
fn inventory(path: &Path, extra: &[&str]) -> Vec<(String, String, u64, String)> {
    let mut args = vec!["analyze", path.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = |e: &Value, k: &str| e[k].as_str().unwrap_or("").to_string();
    report["inventory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                s(e, "path"),
                s(e, "status"),
                e["records"].as_u64().unwrap(),
                s(e, "reason"),
            )
        })
        .collect()
}

/// The (status, records) of each path, reasons left out.
fn statuses(inv: &[(String, String, u64, String)]) -> Vec<(&str, &str, u64)> {
    inv.iter()
        .map(|(p, s, n, _)| (p.as_str(), s.as_str(), *n))
        .collect()
}

#[test]
fn archives_each_codec_alone_is_the_bundle() {
    for codec in ["gz", "xz", "zst", "bz2"] {
        let inv = inventory(&fixture(&format!("single/access.log.{codec}")), &[]);
        let name = format!("access.log.{codec}");
        assert_eq!(statuses(&inv), [(name.as_str(), "parsed", 40)], "{codec}");
    }
}

#[test]
fn archives_each_kind_is_the_bundle_told_by_its_bytes() {
    let want = [
        ("b/logs/access.log", "parsed", 40),
        ("b/logs/redis-server.log", "parsed", 26),
    ];
    for name in [
        "b.tar",
        "b.tar.gz",
        "b.tar.xz",
        "b.tar.zst",
        "b.tar.bz2",
        "b.zip",
    ] {
        let inv = inventory(&fixture(&format!("tarballs/{name}")), &[]);
        assert_eq!(statuses(&inv), want, "{name}");
    }
    // The same bytes under a name that says nothing.
    let dir = tempfile::tempdir().unwrap();
    for name in ["b.tar.xz", "b.tar.zst", "b.zip"] {
        let bin = dir.path().join("bundle.bin");
        std::fs::copy(fixture(&format!("tarballs/{name}")), &bin).unwrap();
        assert_eq!(
            statuses(&inventory(&bin, &[])),
            want,
            "{name} as bundle.bin"
        );
    }
}

#[test]
fn archives_in_a_folder_are_opened_under_their_own_names() {
    let inv = inventory(&fixture("tarballs"), &[]);
    let mut want = Vec::new();
    for name in [
        "b.tar",
        "b.tar.bz2",
        "b.tar.gz",
        "b.tar.xz",
        "b.tar.zst",
        "b.zip",
    ] {
        want.push((format!("{name}/b/logs/access.log"), "parsed", 40));
        want.push((format!("{name}/b/logs/redis-server.log"), "parsed", 26));
    }
    want.sort();
    let got: Vec<_> = statuses(&inv)
        .into_iter()
        .map(|(p, s, n)| (p.to_string(), s, n))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn archives_nested_three_deep_are_read_and_the_fourth_is_listed() {
    let inv = inventory(&fixture("nested/nested.zip"), &[]);
    assert_eq!(
        statuses(&inv),
        [
            ("logs/access.log", "parsed", 40),
            ("node.tar.gz/api.log", "parsed", 30),
            ("node.tar.gz/deeper.zip/d3.tar/d3.log", "parsed", 20),
            ("node.tar.gz/deeper.zip/d3.tar/d4.tar.bz2", "skipped", 0),
            ("node.tar.gz/redis-server.log.xz", "parsed", 26),
        ]
    );
    assert!(inv[3].3.contains("nested more than 3 deep"), "{}", inv[3].3);
}

#[test]
fn archives_nested_share_the_bundle_bounds() {
    let inv = inventory(&fixture("nested/nested.zip"), &["--max-files", "2"]);
    // access.log is one file and node.tar.gz, opened, the second: nothing
    // inside it is read.
    assert_eq!(inv.iter().filter(|e| e.1 == "parsed").count(), 1, "{inv:?}");
    let rest = inv
        .iter()
        .find(|e| e.0 == "node.tar.gz/(rest of archive)")
        .unwrap();
    assert!(
        rest.3.contains("over the limit of 2 files per bundle"),
        "{rest:?}"
    );
    // A total of 10,000 bytes: access.log (7,591 bytes) is whole, api.log
    // is cut after the 2,409 bytes left, and node.tar.gz's own stream
    // stops where archives inside the bundle have used 10,000 bytes.
    let inv = inventory(
        &fixture("nested/nested.zip"),
        &["--max-total-bytes", "10000"],
    );
    let api = inv.iter().find(|e| e.0 == "node.tar.gz/api.log").unwrap();
    assert_eq!(api.1, "partial", "{api:?}");
    assert!(
        api.3
            .contains("total limit of 10000 bytes reached; cut after 2409"),
        "{api:?}"
    );
    let rest = inv
        .iter()
        .find(|e| e.0 == "node.tar.gz/(rest of archive)")
        .unwrap();
    assert!(
        rest.3
            .contains("used the budget of 10000 decompressed bytes"),
        "{rest:?}"
    );
    // Six archives in a folder share one budget: once it is spent, the
    // next archive is not opened.
    let inv = inventory(&fixture("tarballs"), &["--max-total-bytes", "50000"]);
    let zst = inv.iter().find(|e| e.0 == "b.tar.zst").unwrap();
    assert_eq!(zst.1, "skipped", "{zst:?}");
    assert!(
        zst.3
            .contains("used the budget of 50000 decompressed bytes"),
        "{zst:?}"
    );
    let whole = inv.iter().filter(|e| e.1 == "parsed").count();
    assert_eq!(whole, 7, "{inv:?}");
}

#[test]
fn archives_compressed_bundle_stream_is_bounded_too() {
    // bomb.tar.zst as the bundle: its 64 MiB member is cut at the 1 MiB
    // total, and skipping the rest of it stops at 4 times the total, so
    // access.log after it is never reached.
    let inv = inventory(
        &fixture("bomb-top/bomb.tar.zst"),
        &["--max-total-bytes", "1048576"],
    );
    let paths: Vec<_> = inv.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(paths, ["(rest of archive)", "zeros.log"]);
    assert!(
        inv[0]
            .3
            .contains("more than 4 times the total limit (4194304 bytes)"),
        "{inv:?}"
    );
    assert!(inv[1].3.contains("cut after 1048576 bytes"), "{inv:?}");
}

/// The byte count in "stream ends early after N bytes".
fn kept_bytes(reason: &str) -> usize {
    let tail = reason.split("ends early after ").nth(1).unwrap();
    tail.split(' ').next().unwrap().parse().unwrap()
}

#[test]
fn archives_cut_in_half_keep_what_was_read() {
    let full = full_access_log();
    let inv = inventory(&fixture("cut"), &[]);
    // Each is listed under its name in the bundle, suffix and all.
    let cases = [
        ("access.log.bz2", "bzip2"),
        ("access.log.gz", "gzip"),
        ("access.log.xz", "xz"),
        ("access.log.zst", "zstd"),
    ];
    for (path, codec) in cases {
        let e = inv.iter().find(|e| e.0 == path).unwrap();
        assert_eq!(e.1, "partial", "{e:?}");
        assert!(
            e.3.starts_with(&format!("{codec} stream: stream ends early after")),
            "{e:?}"
        );
        let n = kept_bytes(&e.3);
        assert!(n > 0 && n < full.len(), "{e:?}");
        // Every whole line read is a record; the cut last line is one
        // too, or, when it no longer reads as an access line, is kept in
        // the record before it.
        let lines = memchr::memchr_iter(b'\n', &full[..n]).count();
        assert!(
            [lines, lines + 1].contains(&(e.2 as usize)),
            "{lines} lines: {e:?}"
        );
    }
    let out = run(&["timeline", fixture("cut/access.log.xz").to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap();
    assert!(
        last.contains(r#"\n127.0.0.1 - - [04/Dec/2026:16:21:1""#),
        "{last}"
    );
    let prefix = "holds-cut.zip/cut.tar.zst/";
    let find = |p: &str| inv.iter().find(|e| e.0 == format!("{prefix}{p}")).unwrap();
    assert_eq!(find("logs/redis-server.log").1, "parsed");
    let access = find("logs/access.log");
    assert_eq!(access.1, "partial");
    assert!(
        access.3.starts_with("entry 1: stream ends early after"),
        "{access:?}"
    );
    let rest = find("(rest of archive)");
    assert!(
        rest.3.contains("archive unreadable after entry"),
        "{rest:?}"
    );
}

#[test]
fn archives_bomb_per_codec_is_cut_at_the_per_file_limit() {
    let inv = inventory(&fixture("bombs"), &["--max-file-bytes", "1048576"]);
    for (path, codec) in [
        ("zeros.log.bz2", "bzip2"),
        ("zeros.log.gz", "gzip"),
        ("zeros.log.xz", "xz"),
        ("zeros.log.zst", "zstd"),
    ] {
        let e = inv.iter().find(|e| e.0 == path).unwrap();
        assert_eq!(e.1, "partial", "{e:?}");
        let cut = format!("{codec} stream: decompressed size over the limit of 1048576 bytes");
        assert!(e.3.contains(&cut), "{e:?}");
    }
    // Inside a tar.zst inside a zip, the nested stream itself stops at the
    // per-file limit: the 64 MiB member is cut and access.log after it is
    // never reached.
    let nested: Vec<_> = inv
        .iter()
        .filter(|e| e.0.starts_with("holds-bomb.zip/"))
        .collect();
    let paths: Vec<_> = nested.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        paths,
        [
            "holds-bomb.zip/bomb.tar.zst/(rest of archive)",
            "holds-bomb.zip/bomb.tar.zst/zeros.log"
        ]
    );
    assert!(
        nested[0].3.contains("per-file limit of 1048576 bytes"),
        "{:?}",
        nested[0]
    );
    assert_eq!(nested[1].1, "partial");
}

/// Every fixture, cut at 48 places and with one byte changed at 48
/// others, opened with small limits: the bounds and the path rules hold
/// whatever the damage (the fuzz target's checks, on real archives).
#[test]
fn archives_damaged_anywhere_stay_within_bounds() {
    use outsidein::bundle::{open, Limits};
    let limits = Limits {
        max_entry_bytes: 16 << 10,
        max_total_bytes: 40 << 10,
        max_files: 6,
        ..Limits::default()
    };
    let files = [
        "tarballs/b.tar",
        "tarballs/b.tar.gz",
        "tarballs/b.tar.xz",
        "tarballs/b.tar.zst",
        "tarballs/b.tar.bz2",
        "tarballs/b.zip",
        "nested/nested.zip",
        "single/access.log.xz",
        "cut/holds-cut.zip",
        "bombs/holds-bomb.zip",
        "bombs/zeros.log.zst",
    ];
    let dir = tempfile::tempdir().unwrap();
    for f in files {
        let bytes = std::fs::read(fixture(f)).unwrap();
        let name = f.rsplit('/').next().unwrap();
        for k in 1..=96usize {
            let mut damaged = bytes.clone();
            let at = bytes.len() * (k % 48 + 1) / 49;
            if k <= 48 {
                damaged.truncate(at);
            } else {
                damaged[at] ^= 0x5a;
            }
            let path = dir.path().join(name);
            std::fs::write(&path, &damaged).unwrap();
            let Ok(b) = open(&path, &limits) else {
                continue;
            };
            let total: usize = b.entries.iter().map(|e| e.data.len()).sum();
            assert!(total <= 40 << 10, "{f} damaged at {at}: total {total}");
            assert!(
                b.entries.len() <= 6,
                "{f} damaged at {at}: {} files",
                b.entries.len()
            );
            for e in &b.entries {
                assert!(e.data.len() <= 16 << 10, "{f} at {at}: {}", e.path);
                let bad = e.path.starts_with('/') || e.path.split('/').any(|c| c == "..");
                assert!(!bad, "{f} damaged at {at}: {}", e.path);
            }
        }
    }
}

/// A tar holding `app.log.gz` before a plain `app.log` (both made by the
/// real gzip and tar): the gzip member must not take `app.log` from the
/// real file; both are read, the decompressed one under its full name.
#[test]
fn archives_a_gz_member_does_not_take_the_name_of_a_real_file() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let col = dir.path().join("col");
    std::fs::create_dir(&col).unwrap();
    std::fs::write(
        col.join("app.log"),
        "2026-12-04T10:00:00Z ERROR plain one\n",
    )
    .unwrap();
    std::fs::write(
        col.join("app.log.gz.src"),
        "2026-12-04T09:00:00Z ERROR from the gz\n",
    )
    .unwrap();
    let gz = Command::new("gzip")
        .args(["-n", "-c"])
        .stdin(std::fs::File::open(col.join("app.log.gz.src")).unwrap())
        .output()
        .unwrap();
    assert!(gz.status.success());
    std::fs::remove_file(col.join("app.log.gz.src")).unwrap();
    std::fs::write(col.join("app.log.gz"), gz.stdout).unwrap();
    let tar = dir.path().join("col.tar");
    let made = Command::new("tar")
        .arg("cf")
        .arg(&tar)
        .arg("-C")
        .arg(&col)
        .args(["app.log.gz", "app.log"])
        .status()
        .unwrap();
    assert!(made.success());
    for input in [&tar, &col] {
        let inv = inventory(input, &[]);
        assert_eq!(
            statuses(&inv),
            [("app.log", "parsed", 1), ("app.log.gz", "parsed", 1)],
            "{}: {inv:?}",
            input.display()
        );
    }
}

/// A Postgres log line of `level: message` at second `s`.
fn pg_line(s: u32, level: &str, msg: &str) -> String {
    format!("2026-12-04 16:20:{s:02}.000 UTC [42] {level}:  {msg}\n")
}

/// Two zip members named logs/postgresql.log (Python's zipfile writes
/// both, warning): the zip crate kept the later one and dropped the
/// first without a word. As in a tar, the first is read and the second
/// listed as skipped.
#[test]
fn archives_zip_same_name_members_keep_the_first_as_tar_does() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("dup.zip");
    let first = pg_line(41, "FATAL", "sorry, too many clients already");
    let second = pg_line(42, "LOG", "checkpoint starting: time");
    let made = std::process::Command::new("python3")
        .arg("-W")
        .arg("ignore")
        .arg("-c")
        .arg(
            "import sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n\
             \x20   z.writestr('logs/postgresql.log', sys.argv[2])\n\
             \x20   z.writestr('logs/postgresql.log', sys.argv[3])\n",
        )
        .arg(&zip)
        .arg(&first)
        .arg(&second)
        .status()
        .unwrap();
    assert!(made.success());
    let inv = inventory(&zip, &[]);
    let logs: Vec<_> = inv
        .iter()
        .filter(|e| e.0 == "logs/postgresql.log")
        .map(|e| (e.1.as_str(), e.2, e.3.as_str()))
        .collect();
    assert_eq!(
        logs,
        [
            ("parsed", 1, ""),
            (
                "skipped",
                0,
                "an entry of the same name came earlier; only the first is read"
            )
        ]
    );
    let dir = inv
        .iter()
        .find(|e| e.0 == "(zip central directory)")
        .unwrap();
    assert!(dir.3.starts_with("2 entries under 1 names"), "{dir:?}");
    let out = run(&["timeline", zip.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("too many clients"), "{text}");
    assert!(!text.contains("checkpoint starting"), "{text}");
}

/// `zip -Z bzip2` stores its members with method 12, which the zip
/// crate (built without bzip2) refused: "Compression method not
/// supported". They are read like any bzip2 stream.
#[test]
fn archives_zip_bzip2_members_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let text: String = (0..30)
        .map(|s| pg_line(s, "FATAL", "sorry, too many clients already"))
        .collect();
    std::fs::write(logs.join("postgresql.log"), &text).unwrap();
    let made = std::process::Command::new("zip")
        .current_dir(tmp.path())
        .args(["-q", "-Z", "bzip2", "bz.zip", "logs/postgresql.log"])
        .status()
        .unwrap();
    assert!(made.success());
    let listed = std::process::Command::new("unzip")
        .args(["-v"])
        .arg(tmp.path().join("bz.zip"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&listed.stdout).contains("BZip2"));
    let inv = inventory(&tmp.path().join("bz.zip"), &[]);
    assert_eq!(statuses(&inv), [("logs/postgresql.log", "parsed", 30)]);
}

/// A zip cut inside a member (made by `zip`, then truncated): the cut
/// member said only "incomplete deflate stream" (a stored one passed for
/// whole). It says the archive ends inside it and how many of its
/// compressed bytes are missing, as a tar's cut entry does.
#[test]
fn archives_zip_cut_inside_a_member_names_the_missing_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let text: String = (0..50)
        .map(|s| pg_line(s, "FATAL", "sorry, too many clients already"))
        .collect();
    std::fs::write(logs.join("a.log"), &text).unwrap();
    std::fs::write(logs.join("b.log"), &text).unwrap();
    for (level, name) in [("-0", "stored.zip"), ("-6", "deflated.zip")] {
        let made = std::process::Command::new("zip")
            .current_dir(tmp.path())
            .args(["-q", "-X", level, name, "logs/a.log", "logs/b.log"])
            .status()
            .unwrap();
        assert!(made.success());
        let path = tmp.path().join(name);
        let bytes = std::fs::read(&path).unwrap();
        // The second local header; its data starts after 30 bytes and the
        // name (no extra field with -X).
        let second = memchr::memmem::find_iter(&bytes, b"PK\x03\x04")
            .nth(1)
            .unwrap();
        let size = u32::from_le_bytes(bytes[second + 18..second + 22].try_into().unwrap());
        let data = second + 30 + "logs/b.log".len();
        let kept = (size / 3) as usize;
        std::fs::write(&path, &bytes[..data + kept]).unwrap();
        let inv = inventory(&path, &[]);
        let a = inv.iter().find(|e| e.0 == "logs/a.log").unwrap();
        assert_eq!((a.1.as_str(), a.2), ("parsed", 50), "{name}");
        let b = inv.iter().find(|e| e.0 == "logs/b.log").unwrap();
        assert_eq!(b.1, "partial", "{name}: {b:?}");
        let want = format!(
            "zip entry 1: stream ends early after {}",
            if level == "-0" {
                kept.to_string()
            } else {
                String::new()
            }
        );
        assert!(b.3.contains(&want), "{name}: {b:?}");
        let missing = format!(
            "the archive ends inside this entry: {} of its {size} compressed bytes are missing",
            size as usize - kept
        );
        assert!(b.3.ends_with(&missing), "{name}: {b:?}");
    }
}
