//! The HTML report as a browser shows it: rendered by headless Chromium
//! (Debian's `chromium`), it loads without console errors, its DOM holds
//! every kind of chart, and a screenshot of the charts is not blank. Also:
//! hostile log lines stay text, nothing is fetched, and the page is the
//! same bytes whatever the thread count.

use super::analyze::{analyze_as, analyze_json, sample_tar, shared};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// `analyze PATH --format html`, checked to succeed.
fn html_of(path: &Path, extra: &[&str]) -> String {
    String::from_utf8(analyze_as(path, "html", extra)).expect("UTF-8 HTML")
}

/// Debian's chromium, installed once per test run when missing and we are
/// root; otherwise the tests fail saying how to get it.
fn chromium() -> &'static Path {
    static FOUND: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let bin = PathBuf::from("/usr/bin/chromium");
        if bin.exists() {
            return Ok(bin);
        }
        let uid = Command::new("id").arg("-u").output().ok();
        let root = uid.is_some_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if !root {
            return Err("chromium is missing: run `apt-get install -y chromium` as root".into());
        }
        let apt = |args: &[&str]| {
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .status()
                .is_ok_and(|s| s.success())
        };
        let _ = apt(&["update", "-q"]);
        if apt(&["install", "-y", "-q", "chromium"]) && bin.exists() {
            Ok(bin)
        } else {
            Err("chromium is missing and `apt-get install -y chromium` failed".into())
        }
    });
    match found {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

/// What headless Chromium made of one page.
struct Rendered {
    dom: String,
    /// Console messages (errors, CSP violations, uncaught exceptions).
    console: Vec<String>,
    screenshot: PathBuf,
    _dir: tempfile::TempDir,
}

/// Renders `html` in headless Chromium: the DOM after load, the console
/// lines, and a screenshot `width` × `height` pixels.
fn render(html: &str, width: u32, height: u32) -> Rendered {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    fs::write(&page, html).unwrap();
    let url = format!("file://{}", page.display());
    let profile = format!("--user-data-dir={}", dir.path().join("profile").display());
    // Chromium's own background traffic (updates, metrics) is switched
    // off and no host name resolves: the browser reaches nothing, and a
    // page that tried to fetch would log a console error.
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--enable-logging=stderr",
        "--v=0",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        profile.as_str(),
    ];
    let dump = Command::new(chromium())
        .args(base)
        .args(["--dump-dom", &url])
        .output()
        .expect("chromium runs");
    assert!(dump.status.success(), "chromium --dump-dom failed");
    let shot = dir.path().join("shot.png");
    let shot_arg = format!("--screenshot={}", shot.display());
    let size = format!("--window-size={width},{height}");
    let snap = Command::new(chromium())
        .args(base)
        .args([shot_arg.as_str(), size.as_str(), "--hide-scrollbars", &url])
        .output()
        .expect("chromium runs");
    assert!(snap.status.success(), "chromium --screenshot failed");
    let console = [&dump.stderr, &snap.stderr]
        .iter()
        .flat_map(|e| {
            String::from_utf8_lossy(e)
                .into_owned()
                .lines()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .filter(|l| l.contains(":CONSOLE"))
        .collect();
    Rendered {
        dom: String::from_utf8(dump.stdout).unwrap(),
        console,
        screenshot: shot,
        _dir: dir,
    }
}

/// Each chart's SVG in the DOM, by its `data-panel`.
fn charts_in(dom: &str) -> Vec<(String, String)> {
    dom.split("<svg ")
        .skip(1)
        .filter_map(|chunk| {
            let body = &chunk[..chunk.find("</svg>")?];
            let id = body.split("data-panel=\"").nth(1)?.split('"').next()?;
            Some((id.to_string(), body.to_string()))
        })
        .collect()
}

#[test]
fn sample_report_renders_in_chromium_with_every_chart() {
    let html = html_of(&sample_tar(), &[]);
    let page = render(&html, 1000, 2200);
    assert!(page.console.is_empty(), "console: {:#?}", page.console);
    assert!(page.dom.contains("<h2>Summary</h2>"));
    let charts = charts_in(&page.dom);
    let ids: Vec<&str> = charts.iter().map(|c| c.0.as_str()).collect();
    for want in [
        "timeline",
        "log_rates",
        "signature_rates",
        "memory",
        "load",
        "disk",
        "disk_io",
        "connections",
        "queries",
    ] {
        assert!(ids.contains(&want), "no {want} chart in {ids:?}");
    }
    for (id, body) in &charts {
        if id == "timeline" {
            assert!(body.contains("<circle"), "timeline has no events");
        } else {
            assert!(body.contains("<polyline"), "{id} has no line");
        }
    }
    let body = |id: &str| &charts.iter().find(|c| c.0 == id).unwrap().1;
    // The incident's burst of requests is shaded, the dependency change
    // and restarts are marked, and Postgres' limit is drawn.
    assert!(body("log_rates").contains("class=\"spike\""));
    assert!(body("log_rates").contains("class=\"marker change\""));
    assert!(body("log_rates").contains("class=\"marker lifecycle\""));
    assert!(body("connections").contains("max_connections 20"));
    // The explained spike windows are outlined and numbered as in their
    // section, on the timeline and the log-rate chart; the signature
    // shifts' change points make a row of the timeline.
    for id in ["timeline", "log_rates"] {
        assert!(
            body(id).contains("<title>W1 16:20:40 to 16:21:42 UTC, more of: "),
            "{id}"
        );
        assert!(body(id).contains(">W2</text>"), "{id}");
    }
    assert!(body("timeline").contains(">shift</text>"));
    let pg = "<title>16:20:41 UTC: transient sorry, too many clients already \
              (0.0 → 5754.6 per hour)</title>";
    let shift = body("timeline")
        .split("<circle ")
        .find(|c| c.contains(pg))
        .expect("the shift of too many clients");
    assert!(shift.starts_with("class=\"event shift\""), "{shift}");
}

/// Pixels whose colour is clearly not grey: chart lines and shading, not
/// text or borders.
fn coloured_pixels(png_path: &Path, rows: std::ops::Range<u32>) -> (usize, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(channels >= 3, "colour screenshot");
    let (mut coloured, mut total) = (0, 0);
    for y in rows.filter(|y| *y < info.height) {
        let line = &buf[y as usize * info.line_size..][..info.line_size];
        for px in line.chunks(channels) {
            total += 1;
            let (lo, hi) = (px[..3].iter().min().unwrap(), px[..3].iter().max().unwrap());
            if hi - lo > 60 {
                coloured += 1;
            }
        }
    }
    (coloured, total)
}

#[test]
fn screenshot_of_the_charts_is_not_blank() {
    let html = html_of(&sample_tar(), &[]);
    let page = render(&html, 1000, 1800);
    // Below the header and summary, the timeline and the first charts.
    let (coloured, total) = coloured_pixels(&page.screenshot, 350..1800);
    eprintln!("screenshot: {coloured} of {total} pixels coloured");
    assert!(total > 1_000_000, "screenshot too small: {total} pixels");
    assert!(
        coloured > 5_000,
        "only {coloured} of {total} pixels are coloured: the charts look blank"
    );
    // A page of text alone has no coloured pixels: the measure means
    // something.
    let text = render("<!DOCTYPE html><p>plain text</p>", 1000, 1800);
    assert_eq!(coloured_pixels(&text.screenshot, 350..1800).0, 0);
}

#[test]
fn html_fetches_nothing_and_has_no_script() {
    let html = html_of(&sample_tar(), &[]);
    let tags: Vec<&str> = html
        .split('<')
        .skip(1)
        .map(|t| &t[..t.find('>').unwrap_or(t.len())])
        .collect();
    assert!(tags.len() > 1000, "a real page: {} tags", tags.len());
    for tag in tags {
        let lower = tag.to_ascii_lowercase();
        assert!(!lower.starts_with("script"), "script tag: <{tag}>");
        for bad in ["src=", "href=", "url(", "http://", "https://", "@import"] {
            assert!(!lower.contains(bad), "{bad} in <{tag}>");
        }
    }
    assert!(html.contains("default-src 'none'"));
}

#[test]
fn html_and_chart_series_are_identical_across_thread_counts() {
    let one = html_of(&sample_tar(), &["-j", "1"]);
    let two = html_of(&sample_tar(), &["-j", "2"]);
    assert!(one.len() > 10_000);
    assert!(one == two, "HTML differs between -j 1 and -j 2");
    let one = analyze_as(&sample_tar(), "json", &["-j", "1"]);
    let two = analyze_as(&sample_tar(), "json", &["-j", "2"]);
    assert!(one == two, "JSON differs between -j 1 and -j 2");
}

/// The shared bundle (memory and disk filling) and a case with no log at
/// all render cleanly too: charts where there are series, a sentence where
/// there are none.
#[test]
fn shared_reports_render_in_chromium() {
    let Some(shared) = shared() else { return };
    let bundle = html_of(&shared.join("bundles/memory-and-disk.tar.gz"), &[]);
    let page = render(&bundle, 1000, 1200);
    assert!(page.console.is_empty(), "console: {:#?}", page.console);
    let charts = charts_in(&page.dom);
    for id in ["timeline", "log_rates", "memory", "disk", "connections"] {
        let body = &charts.iter().find(|c| c.0 == id).expect(id).1;
        assert!(body.contains("<polyline") || id == "timeline", "{id}");
    }
    let disk = &charts.iter().find(|c| c.0 == "disk").unwrap().1;
    assert!(disk.contains("class=\"limit\""), "the 100% line");
    let quiet = html_of(&shared.join("cases/17-grouparoo-pg-bump-control"), &[]);
    let page = render(&quiet, 1000, 800);
    assert!(page.console.is_empty(), "console: {:#?}", page.console);
    assert!(page.dom.contains("No series with a time to chart."));
    assert!(
        page.dom.contains("pg-pool"),
        "the dependency change is listed"
    );
}

#[test]
fn hostile_log_lines_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    fs::create_dir_all(&logs).unwrap();
    let msg = r#"<script>alert(1)</script> <img src=x \"onerror=alert(2)> failed"#;
    let lines: String = (0..8)
        .map(|i| {
            format!(
                "{{\"level\":50,\"time\":{},\"pid\":7,\"hostname\":\"web-1\",\"msg\":\"{msg} {i}\"}}\n",
                1_796_400_000_000u64 + i * 1000
            )
        })
        .collect();
    fs::write(logs.join("app.log"), lines).unwrap();
    let html = html_of(dir.path(), &[]);
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the line is shown"
    );
    assert!(!html.contains("<script"));
    assert!(!html.contains("<img"));
    assert!(!html.contains("\"onerror="));
    let page = render(&html, 1000, 800);
    assert!(page.console.is_empty(), "console: {:#?}", page.console);
    assert!(!page.dom.contains("<script"));
    assert!(!page.dom.contains("<img"));
}

/// The rows of the first table after `marker` in `html`, each a list of
/// its cells' inner HTML, with the spans that keep numbers on one line
/// taken off.
fn table_after(html: &str, marker: &str) -> Vec<Vec<String>> {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in the page"));
    let rest = &html[at..];
    let body = &rest[rest.find("<tbody>").unwrap()..rest.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|tr| {
            tr.split("<td>")
                .skip(1)
                .map(|td| {
                    let cell = &td[..td.find("</td>").unwrap()];
                    match cell.strip_prefix("<span class=\"nw\">") {
                        Some(n) => n.strip_suffix("</span>").unwrap().to_string(),
                        None => cell.to_string(),
                    }
                })
                .collect()
        })
        .collect()
}

/// The row of `rows` whose cell `col` contains `part`.
fn row_with<'a>(rows: &'a [Vec<String>], col: usize, part: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[col].contains(part))
        .unwrap_or_else(|| panic!("{part} in {rows:#?}"))
}

/// A number cell (`161.7`, `1.1e-29`) as a number.
fn num(cell: &str) -> f64 {
    cell.parse()
        .unwrap_or_else(|_| panic!("{cell} is not a number"))
}

/// The correlation sections in the HTML carry the numbers of the JSON
/// report (tests/it/analyze.rs checks those against the bundle's logs):
/// the request spike's window holds 290 of Postgres' `too many clients`
/// (4 outside it) and 259 of the apps' (none outside), every 500 and the
/// `/api/report` route; `too many clients` comes and goes after the rise
/// in requests; api-2 disagrees with api-1.
#[test]
fn sample_report_shows_the_correlation_sections_with_the_json_numbers() {
    let html = html_of(&sample_tar(), &[]);
    let json = analyze_json(&sample_tar(), &[]);
    let windows = json["spike_explanations"].as_array().unwrap();
    let n = 1 + windows
        .iter()
        .position(|e| e["metrics"][0] == "http.requests")
        .unwrap();
    let head = format!("<strong>W{n} · 2026-12-04 16:20:40 to 2026-12-04 16:21:42 UTC</strong>");
    let keys = table_after(&html, &head);
    let pg = row_with(&keys, 1, "<code>sorry, too many clients already</code>");
    assert_eq!(
        (pg[0].as_str(), pg[2].as_str(), pg[3].as_str()),
        ("signature", "290", "4")
    );
    assert!(num(&pg[5]) < 1e-20, "{pg:?}");
    let app = row_with(&keys, 1, "<code>request failed: sorry, too many clients");
    assert_eq!((app[2].as_str(), app[3].as_str()), ("259", "0"));
    let status = keys
        .iter()
        .find(|r| r[0] == "status" && r[1] == "500")
        .unwrap();
    assert_eq!(status[3], "0");
    assert!(num(&status[4]) > 100.0, "{status:?}");
    let route = keys
        .iter()
        .find(|r| r[0] == "route" && r[1] == "/api/report")
        .unwrap();
    let item = windows[n - 1]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "/api/report")
        .unwrap();
    assert_eq!(route[2], item["window"].to_string());
    assert_eq!(route[3], item["baseline"].to_string());
    let ratio = item["ratio"].as_f64().unwrap();
    assert!(
        ratio > 5.0 && (num(&route[4]) - ratio).abs() <= 0.05,
        "{route:?} {item}"
    );

    let shifts = table_after(&html, "id=\"signature-shifts\"");
    let pg = row_with(&shifts, 1, "<code>sorry, too many clients already</code>");
    assert_eq!(pg[0], "transient");
    assert_eq!(pg[2], "2026-12-04 16:20:41 to 16:21:49");
    assert!(pg[3].starts_with("0.0 → "), "{pg:?}");
    assert!(
        pg[5].starts_with("usage http.requests rose from 5 to 64 on shop-demo-01, 1.6 s before"),
        "{}",
        pg[5]
    );
    let cache = row_with(&shifts, 1, "<code>cache read failed, falling back");
    assert!(cache[5].starts_with("restart <code>"), "{}", cache[5]);
    assert!(cache[5].contains("0.3 s before"), "{}", cache[5]);
    assert!(cache[5].contains("logs/redis/redis-server.log:13"));
    assert!(cache[5].contains("<details><summary>Candidates with evidence"));

    let anomalies = table_after(&html, "id=\"anomalies\"");
    let disk = row_with(&anomalies, 2, "vm.blocks_out_per_s rose from 20 to 49144");
    assert_eq!(disk[0], "2026-12-04 16:20:08");
    assert!(disk[4].starts_with("deploy dependencies changed: pg 8.11.3 → 8.12.0"));
    assert!(disk[4].contains("logs/app/api-1.log:123"));

    let recurring = table_after(&html, "id=\"intermittent\"");
    let failed = row_with(
        &recurring,
        0,
        "<code>request failed: sorry, too many clients",
    );
    assert!(
        failed[5].ends_with("logs/app/api-2.log (212 of 259)"),
        "{failed:?}"
    );
    assert_eq!(failed[4], "2026-12-04 (259)");

    let disagree = table_after(&html, "id=\"disagreements\"");
    assert_eq!(disagree.len(), 1);
    assert!(disagree[0][0].contains("logs/app/api-2.log logs errors"));
    assert_eq!(
        (disagree[0][1].as_str(), disagree[0][2].as_str()),
        ("217 of 1435", "52 of 1269")
    );
    assert!(num(&disagree[0][4]) < 1e-10);

    // The Markdown's order: disagreements with the connections, the rest
    // after the recurring problems.
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("{s}"));
    let order = [
        "id=\"connections\"",
        "id=\"disagreements\"",
        "id=\"usage\"",
        "id=\"signatures\"",
        "id=\"spike-explanations\"",
        "id=\"signature-shifts\"",
        "id=\"anomalies\"",
        "id=\"intermittent\"",
        "id=\"instrumentation\"",
    ];
    assert!(
        order.windows(2).all(|p| at(p[0]) < at(p[1])),
        "section order"
    );
}

/// Regression: the summary was a bulleted list whose items began with
/// "1.", "2.": it is an ordered list, numbered once, in the findings'
/// order.
#[test]
fn summary_is_an_ordered_list_numbered_once() {
    let html = html_of(&sample_tar(), &[]);
    let json = analyze_json(&sample_tar(), &[]);
    let start = html.find("<section id=\"summary\">").unwrap();
    let section = &html[start..start + html[start..].find("</section>").unwrap()];
    assert!(
        section.contains("<ol>") && !section.contains("<ul>"),
        "{section}"
    );
    let items: Vec<&str> = section.split("<li>").skip(1).collect();
    let lines = json["summary"].as_array().unwrap();
    assert_eq!(items.len(), lines.len());
    assert!(items[0].starts_with("Data: "), "{}", items[0]);
    for (i, (item, line)) in items.iter().zip(lines).enumerate() {
        let prefix = format!("{}. ", i + 1);
        assert!(line.as_str().unwrap().starts_with(&prefix), "{line}");
        assert!(!item.starts_with(&prefix), "{item}");
    }
}
