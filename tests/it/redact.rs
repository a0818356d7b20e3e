//! Redaction end to end: a bundle with secrets planted in every source kind
//! and format, analyzed as a user runs it. No planted secret may reach
//! either report; `--no-redact` shows that the planting worked.

use super::analyze::run;
use std::path::Path;

const BUNDLE: &str = "sb_leak-demo-01_20261204_162345";

/// One value used in three sources: an app log URL, a Postgres connection
/// string and a command line. It must get one token everywhere.
const SHARED: &str = "Shared-Pw-4242";

/// (source, planted value). Every value is distinct from every other.
const PLANTED: &[(&str, &str)] = &[
    ("app msg url", SHARED),
    ("app err stripe", "sk_live_51PlantedStripeKey0001"),
    ("app err email", "jane.planted@example.com"),
    ("app msg github", "ghp_PlantedGithubToken000000000000000001"),
    ("app err jwt", "eyJzdWIiOiJwbGFudGVkIn0"),
    ("app msg aws key id", "AKIAPLANTED000000001"),
    (
        "app msg aws secret",
        "PlantedAwsSecretKey0000000000000000000001",
    ),
    ("app msg slack", "xoxb-000000000001-PlantedSlack"),
    ("app msg google", "AIzaPlantedGoogleKey0000000000000000001"),
    ("app msg json in string", "Planted-ApiKey-77"),
    // The report keeps a message's first line only, so the block is on one.
    ("app err pem", "MIIPlantedPemBody0001"),
    ("app msg cookie", "PlantedCookie0001"),
    ("pg url", "Pg-Repl-Pw-31"),
    ("nginx access query", "Planted-Query-Tok-9"),
    ("nginx error authorization", "Planted-Bearer-Tok-5"),
    ("syslog flag", "Syslog-Pw-1234"),
    ("syslog email", "ops.planted@example.org"),
    ("pg_stat_activity query", "Pg-Activity-Pw-88"),
    ("package-lock resolved", "Npm-Registry-Pw-6"),
    ("ps aux flag", "Ps-Token-Planted-3"),
];

const APP_LOG: &str = r#"{"level":30,"time":"2026-12-04T16:18:23.341Z","pid":1,"hostname":"shop-demo-01","msg":"shop-api started"}
{"level":50,"time":"2026-12-04T16:19:00.001Z","pid":1,"hostname":"shop-demo-01","msg":"cannot connect to postgres://shop_app:Shared-Pw-4242@db.internal:5432/shop"}
{"level":50,"time":"2026-12-04T16:19:01.002Z","pid":1,"hostname":"shop-demo-01","msg":"payment failed","err":{"type":"StripeAuthenticationError","message":"invalid key sk_live_51PlantedStripeKey0001 for jane.planted@example.com","stack":"StripeAuthenticationError: invalid key\n    at charge (/srv/pay.js:10:5)"}}
{"level":50,"time":"2026-12-04T16:19:02.003Z","pid":1,"hostname":"shop-demo-01","msg":"github sync failed with token=ghp_PlantedGithubToken000000000000000001"}
{"level":40,"time":"2026-12-04T16:19:03.004Z","pid":1,"hostname":"shop-demo-01","msg":"session rejected","err":{"type":"JsonWebTokenError","message":"invalid signature eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGFudGVkIn0.c2lnbmF0dXJlUGxhbnRlZA"}}
{"level":50,"time":"2026-12-04T16:19:04.005Z","pid":1,"hostname":"shop-demo-01","msg":"s3 upload failed for AKIAPLANTED000000001 aws_secret_access_key=PlantedAwsSecretKey0000000000000000000001"}
{"level":40,"time":"2026-12-04T16:19:05.006Z","pid":1,"hostname":"shop-demo-01","msg":"slack notify failed with xoxb-000000000001-PlantedSlack"}
{"level":40,"time":"2026-12-04T16:19:06.007Z","pid":1,"hostname":"shop-demo-01","msg":"geocoding quota exceeded for AIzaPlantedGoogleKey0000000000000000001"}
{"level":30,"time":"2026-12-04T16:19:07.008Z","pid":1,"hostname":"shop-demo-01","msg":"config loaded {\"api_key\":\"Planted-ApiKey-77\"}"}
{"level":50,"time":"2026-12-04T16:19:08.009Z","pid":1,"hostname":"shop-demo-01","msg":"tls setup failed","err":{"type":"Error","message":"bad key -----BEGIN PRIVATE KEY----- MIIPlantedPemBody0001 -----END PRIVATE KEY-----"}}
{"level":40,"time":"2026-12-04T16:19:09.010Z","pid":1,"hostname":"shop-demo-01","msg":"rejected request with Cookie: sid=PlantedCookie0001; theme=dark"}
"#;

const PG_LOG: &str = "\
2026-12-04 16:19:10.100 UTC [25691] shop_app@shop FATAL:  password authentication failed for user \"shop_app\"
2026-12-04 16:19:11.200 UTC [25692] shop_app@shop LOG:  replication source postgresql://replicator:Pg-Repl-Pw-31@replica.internal/shop
2026-12-04 16:19:12.300 UTC [25693] shop_app@shop LOG:  connection options host=db.internal user=shop_app password=Shared-Pw-4242 dbname=shop
";

const ACCESS_LOG: &str = "\
127.0.0.1 - - [04/Dec/2026:16:19:56 +0000] \"GET /api/products/46 HTTP/1.1\" 200 60 \"-\" \"curl/8.5.0\"
127.0.0.1 - - [04/Dec/2026:16:19:57 +0000] \"GET /api/callback?token=Planted-Query-Tok-9&x=1 HTTP/1.1\" 401 12 \"-\" \"curl/8.5.0\"
";

const ERROR_LOG: &str = "\
2026/12/04 16:20:07 [error] 23989#23989: *269 upstream rejected credentials, client: 127.0.0.1, server: shop-demo-01, request: \"GET /api/admin HTTP/1.1\", host: \"127.0.0.1:58080\", authorization: \"Bearer Planted-Bearer-Tok-5\"
";

const SYSLOG: &str = "\
Dec  4 16:20:10 shop-demo-01 backup[999]: mysqldump -u root --password=Syslog-Pw-1234 failed with code 2
Dec  4 16:20:11 shop-demo-01 postfix/smtp[1001]: delivery to ops.planted@example.org failed: connection refused
";

/// Expanded `psql -x` layout, as in the sample bundle's dumps.
const ACTIVITY: &str = "\
-[ RECORD 1 ]----+-----------------------------------------------
pid              | 25700
usename          | shop_app
application_name | psql
client_addr      | 127.0.0.1
client_port      | 50000
backend_start    | 2026-12-04 16:19:30.000000+00
xact_start       | 2026-12-04 16:19:31.000000+00
query_start      | 2026-12-04 16:19:31.000000+00
state_change     | 2026-12-04 16:19:31.000000+00
wait_event_type  | Client
wait_event       | ClientRead
state            | idle in transaction
backend_type     | client backend
query            | ALTER USER shop_app WITH PASSWORD 'Pg-Activity-Pw-88'
";

const LOCK: &str = r#"{
  "name": "shop-api",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": { "name": "shop-api", "version": "1.0.0", "dependencies": { "lodash": "^4.17.21" } },
    "node_modules/lodash": {
      "version": "4.17.21",
      "resolved": "https://npmuser:Npm-Registry-Pw-6@registry.internal.example/lodash/-/lodash-4.17.21.tgz",
      "integrity": "sha512-v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg=="
    }
  }
}
"#;

const PS_AUX: &str = "\
USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
app      30001  0.5  0.1 900000 50000 ?        Sl   16:18   0:01 node /srv/worker.js --db-password=Shared-Pw-4242 --api-token Ps-Token-Planted-3
";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(BUNDLE).join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// The planted bundle, in a fresh temporary folder.
fn bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path();
    write(r, "logs/app/api-1.log", APP_LOG);
    write(r, "logs/postgresql/postgresql.log", PG_LOG);
    write(r, "logs/nginx/access.log", ACCESS_LOG);
    write(r, "logs/nginx/error.log", ERROR_LOG);
    write(r, "logs/syslog", SYSLOG);
    write(
        r,
        "postgres/2026-12-04_161935/pg_stat_activity.txt",
        ACTIVITY,
    );
    write(r, "app/shop-api/package-lock.json", LOCK);
    write(r, "system/ps_aux/ps_aux-20261204T161940Z.txt", PS_AUX);
    dir
}

/// The Markdown, JSON and HTML reports, joined, with the given extra
/// flags.
fn reports(dir: &Path, extra: &[&str]) -> String {
    let mut all = String::new();
    for format in ["markdown", "json", "html"] {
        let mut args = vec!["analyze", dir.to_str().unwrap(), "--format", format];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        all.push_str(&String::from_utf8(out.stdout).unwrap());
        // Warnings are read by people too.
        all.push_str(&String::from_utf8(out.stderr).unwrap());
    }
    all
}

/// Planted values found in `text`, with their source.
fn leaks(text: &str) -> Vec<(&'static str, &'static str)> {
    PLANTED
        .iter()
        .filter(|(_, v)| text.contains(v) || text.contains(&v.replace('/', "\\/")))
        .copied()
        .collect()
}

#[test]
fn redact_planted_secrets_leak_nowhere() {
    let dir = bundle();
    let plain = reports(dir.path(), &["--no-redact"]);
    let shown = leaks(&plain);
    let missing: Vec<_> = PLANTED.iter().filter(|p| !shown.contains(p)).collect();
    // Every planted value reaches an unredacted report, except two no field
    // of the report quotes: the dependency layer keeps only the host of a
    // resolved URL, and ps snapshots are not yet wired into the analysis.
    assert_eq!(
        missing,
        [
            &("package-lock resolved", "Npm-Registry-Pw-6"),
            &("ps aux flag", "Ps-Token-Planted-3")
        ],
        "planting failed"
    );
    assert_eq!(shown.len(), 18);

    let redacted = reports(dir.path(), &[]);
    assert_eq!(leaks(&redacted), [], "leaked");
    assert_clean(&redacted);
    let ips = reports(dir.path(), &["--redact-ips"]);
    assert_eq!(leaks(&ips), [], "leaked with --redact-ips");
    assert!(!ips.contains("127.0.0.1"));
    assert!(ips.contains("<ip:loopback:"));
}

/// Every string of the JSON report passes the detectors unchanged: no
/// field was left out of the walk where a planted value reached it.
fn assert_clean(reports: &str) {
    let start = reports.find("{\n").expect("a JSON report");
    let end = reports.rfind("}\n").expect("a JSON report") + 1;
    let json: serde_json::Value = serde_json::from_str(&reports[start..end]).unwrap();
    let mut r = outsidein::redact::Redactor::new(b"any".to_vec(), false, &[]).unwrap();
    let mut strings = Vec::new();
    collect(&json, &mut strings);
    assert!(strings.len() > 100, "{}", strings.len());
    for s in strings {
        assert_eq!(r.text(&s), s);
    }
}

fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            collect(x, out)
        }),
        _ => {}
    }
}

#[test]
fn redact_same_value_same_token_across_sources_and_runs() {
    let dir = bundle();
    let key = dir.path().join("key");
    std::fs::write(&key, "kept key\n").unwrap();
    let k = key.to_str().unwrap();
    let once = reports(dir.path(), &["--redact-key-file", k]);
    assert_eq!(once, reports(dir.path(), &["--redact-key-file", k]));
    let mut r = outsidein::redact::Redactor::new(b"kept key".to_vec(), false, &[]).unwrap();
    let t = r.text(&format!("password={SHARED}"));
    let hex = &t[t.len() - 9..t.len() - 1];
    let json: serde_json::Value = serde_json::from_str(&{
        let out = run(&[
            "analyze",
            dir.path().to_str().unwrap(),
            "--format",
            "json",
            "--redact-key-file",
            k,
        ]);
        String::from_utf8(out.stdout).unwrap()
    })
    .unwrap();
    let mut sources: Vec<&str> = json["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["example"]["excerpt"].as_str().unwrap().contains(hex))
        .map(|s| s["example"]["path"].as_str().unwrap())
        .collect();
    sources.sort();
    sources.dedup();
    assert!(sources.len() >= 2, "{hex} in {sources:?}");
    let counts = &json["redactions"];
    assert!(counts["password"].as_u64().unwrap() >= 4, "{counts}");
    assert_eq!(counts["email"], 2, "{counts}");
}

#[test]
fn redact_bad_settings_are_command_line_errors() {
    let dir = bundle();
    let rules = dir.path().join("rules.json");
    std::fs::write(&rules, r#"[{"name": "x", "regex": "("}]"#).unwrap();
    let p = dir.path().to_str().unwrap();
    let out = run(&["analyze", p, "--redact-rules", rules.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["analyze", p, "--redact-key-file", "/nonexistent/key"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn redact_key_from_the_environment_equals_the_key_file() {
    let dir = bundle();
    let key = dir.path().join("key");
    std::fs::write(&key, "kept key\n").unwrap();
    let p = dir.path().to_str().unwrap();
    let from_file = run(&["analyze", p, "--redact-key-file", key.to_str().unwrap()]);
    let from_env = std::process::Command::new(env!("CARGO_BIN_EXE_outsidein"))
        .args(["analyze", p])
        .env("OUTSIDEIN_REDACT_KEY", "kept key")
        .output()
        .unwrap();
    assert_eq!(from_file.stdout, from_env.stdout);
}

#[test]
fn redact_without_a_key_numbers_values_and_repeats_byte_for_byte() {
    let dir = bundle();
    let p = dir.path().to_str().unwrap();
    let once = reports(dir.path(), &["-j", "1"]);
    assert_eq!(once, reports(dir.path(), &["-j", "2"]));
    assert_eq!(leaks(&once), [], "leaked");
    // Numbers count up from one in order of first appearance, so the
    // first value of the report is number one, and no token is a hash.
    assert!(once.contains(":00000001>"), "{once}");
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["analyze", p, "--format", "json"]).stdout).unwrap();
    let distinct: u64 = json["redactions"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    let mut strings = Vec::new();
    collect(&json, &mut strings);
    let highest = strings
        .iter()
        .flat_map(|s| s.match_indices(':').map(move |(i, _)| &s[i + 1..]))
        .filter_map(|rest| {
            let hex = rest.get(..9)?;
            (hex.ends_with('>') && hex[..8].bytes().all(|b| b.is_ascii_hexdigit()))
                .then(|| u32::from_str_radix(&hex[..8], 16).unwrap())
        })
        .max()
        .unwrap();
    // Every number was handed out once; kinds that share a value count it
    // under each, so the sum of the counts can only be larger.
    assert!(
        highest as u64 <= distinct && highest >= 5,
        "{highest} of {distinct}"
    );
}

/// The charts repeat signature templates as legends: an email address in
/// an error line that recurs enough to be charted is redacted there too, in
/// the JSON and in the HTML that draws it.
#[test]
fn redact_reaches_the_chart_legends() {
    let dir = tempfile::tempdir().unwrap();
    let line = |i: u64| {
        format!(
            "{{\"level\":50,\"time\":{},\"pid\":7,\"hostname\":\"api-1\",\
             \"msg\":\"notify jane.planted@example.com failed\"}}\n",
            1_796_400_000_000u64 + i * 7000
        )
    };
    let log: String = (0..12).map(line).collect();
    write(dir.path(), "logs/app/api-1.log", &log);
    let analyze = |format: &str, extra: &[&str]| {
        let mut args = vec!["analyze", dir.path().to_str().unwrap(), "--format", format];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8(out.stdout).unwrap()
    };
    let plain: serde_json::Value =
        serde_json::from_str(&analyze("json", &["--no-redact"])).unwrap();
    let legends = plain["charts"].to_string();
    assert!(
        legends.contains("jane.planted@example.com"),
        "planting failed: {legends}"
    );
    let redacted: serde_json::Value = serde_json::from_str(&analyze("json", &[])).unwrap();
    let legends = redacted["charts"].to_string();
    assert!(
        !legends.contains("jane.planted@example.com"),
        "leaked: {legends}"
    );
    assert!(legends.contains("<email:"), "{legends}");
    assert!(!analyze("html", &[]).contains("jane.planted@example.com"));
}

/// Every section of every format goes through redaction: the sample
/// bundle's loopback addresses (in pg_stat_activity, nginx and app lines)
/// reach all three reports as written, and none with `--redact-ips`.
#[test]
fn redact_ips_reach_every_section_of_every_format() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample-bundle.tar.gz");
    let p = sample.to_str().unwrap();
    for format in ["markdown", "json", "html"] {
        let plain = run(&["analyze", p, "--format", format, "--no-redact"]);
        let plain = String::from_utf8(plain.stdout).unwrap();
        assert!(plain.contains("127.0.0.1"), "{format}: planting failed");
        let out = run(&["analyze", p, "--format", format, "--redact-ips"]);
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains("127.0.0.1"), "{format} leaked an address");
        let token = if format == "html" {
            "&lt;ip:loopback:"
        } else {
            "<ip:loopback:"
        };
        assert!(text.contains(token), "{format}");
    }
}
