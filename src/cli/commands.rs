//! The subcommands beside `analyze`: `diff`, `batch` (and its merge),
//! `timeline` and `formats`, each from its flags to its output and exit
//! code (see the contract in the parent module).

use super::*;

pub(super) fn diff(
    baseline: &Path,
    incident: Option<&Path>,
    windows: Option<(String, String)>,
    out: &OutputArgs,
    input: &InputArgs,
    redact: &RedactArgs,
) -> anyhow::Result<i32> {
    use outsidein::analysis::Window;
    let fail = |code: i32, msg: String| {
        eprintln!("outsidein: {msg}");
        Ok(code)
    };
    let mut config = match config(input) {
        Ok(c) => c,
        Err((code, msg)) => return fail(code, msg),
    };
    let mut redactor = match redactor(redact, input.debug) {
        Ok(r) => r,
        Err(msg) => return fail(2, msg),
    };
    let result = match (incident, windows) {
        (Some(inc), None) => outsidein::diff::bundles(baseline, inc, &config, redactor.as_mut()),
        (None, Some((b, i))) => {
            let (b, i) = match (Window::parse(&b), Window::parse(&i)) {
                (Ok(b), Ok(i)) => (b, i),
                (Err(e), _) => return fail(2, format!("--baseline-window {e}")),
                (_, Err(e)) => return fail(2, format!("--incident-window {e}")),
            };
            outsidein::diff::windows(baseline, b, i, &mut config, redactor.as_mut())
        }
        _ => return fail(2, "give INCIDENT, or both windows".into()),
    };
    let d = match result {
        Ok(d) => d,
        Err(e) => return fail(3, e.to_string()),
    };
    let text = match out.format {
        ReportFormat::Markdown => outsidein::diff::markdown(&d),
        ReportFormat::Json => outsidein::diff::json(&d),
    };
    let written = match output_file(out.output.as_deref()) {
        Some(out) => {
            if let Err(e) = write_output(out, text.as_bytes()) {
                return fail(5, format!("{}: cannot write: {e}", out.display()));
            }
            Ok(0)
        }
        None => with_stdout(|w| {
            w.write_all(text.as_bytes())?;
            Ok(0)
        }),
    };
    // As `analyze`: a side in which nothing was recognised compares
    // nothing, whatever the diff says about the other.
    for side in [&d.baseline, &d.incident] {
        if side.files_read == 0 {
            eprintln!(
                "outsidein: no file in {} was recognised; run with --debug to see why",
                side.label
            );
            return Ok(4);
        }
    }
    written
}

pub(super) fn batch(source: &Path, args: &BatchArgs) -> anyhow::Result<i32> {
    use outsidein::batch::{self, inputs::Shard};
    use std::io::IsTerminal;
    let fail = |code: i32, msg: String| {
        eprintln!("outsidein: {msg}");
        Ok(code)
    };
    let config = match config(&args.input) {
        Ok(c) => c,
        Err((code, msg)) => return fail(code, msg),
    };
    let settings = match redact_settings(&args.redact, args.input.debug) {
        Ok(s) => s,
        Err(msg) => return fail(2, msg),
    };
    let shard = match args.shard.as_deref().map(Shard::parse).transpose() {
        Ok(s) => s.unwrap_or(Shard::ALL),
        Err(msg) => return fail(2, msg),
    };
    if !source.exists() {
        return fail(
            3,
            format!("{}: no such folder or list file", source.display()),
        );
    }
    if let Err(e) = std::fs::create_dir_all(&args.output) {
        return fail(5, format!("{}: cannot create: {e}", args.output.display()));
    }
    let make = || settings.as_ref().and_then(|s| s.redactor().ok());
    let mut formats: Vec<batch::Format> = args
        .format
        .iter()
        .map(|f| match f {
            BatchFormat::Md => batch::Format::Markdown,
            BatchFormat::Json => batch::Format::Json,
            BatchFormat::Html => batch::Format::Html,
        })
        .collect();
    formats.sort();
    formats.dedup();
    let threads = args
        .input
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let opts = batch::Options {
        out: args.output.clone(),
        formats,
        shard,
        force: args.force,
        in_flight: args.in_flight.unwrap_or(threads).max(1),
        config: &config,
        redactor: &make,
        bars: std::io::stderr().is_terminal(),
        isolate: std::env::current_exe().ok().map(|exe| batch::Isolation {
            exe,
            args: std::env::args_os().skip(1).collect(),
        }),
    };
    if let Some(done) = batch::run_child(&opts) {
        return match done {
            Ok(()) => Ok(0),
            Err(e) => fail(5, format!("{e:#}")),
        };
    }
    let info = match batch::run(source, &opts) {
        Ok(i) => i,
        Err(e) => {
            let code = if e.to_string().contains("cannot read") {
                3
            } else {
                5
            };
            return fail(code, format!("{e:#}"));
        }
    };
    eprintln!(
        "outsidein: {} inputs, {} in {}: {} analyzed, {} already done, {} duplicates, {} failed; \
         {:.1}s, peak {} MiB",
        info.inputs,
        info.in_shard,
        info.shard,
        info.analyzed,
        info.skipped_done,
        info.duplicates,
        info.failed,
        info.seconds,
        info.peak_rss_kib.unwrap_or(0) / 1024
    );
    if shard != Shard::ALL {
        eprintln!(
            "outsidein: when every shard is done, `outsidein batch --merge -o {}` writes \
             recurrence and summary.md",
            args.output.display()
        );
    }
    Ok(0)
}

pub(super) fn batch_merge(out: &Path) -> anyhow::Result<i32> {
    match outsidein::batch::merge(out) {
        Ok(t) => {
            eprintln!(
                "outsidein: merged {} incidents rows; wrote {}",
                t.incidents.len(),
                out.join("summary.md").display()
            );
            Ok(0)
        }
        Err(e) => {
            eprintln!("outsidein: {e:#}");
            Ok(3)
        }
    }
}

pub(super) fn timeline(path: &Path, format: TableFormat, input: &InputArgs) -> anyhow::Result<i32> {
    let config = match config(input) {
        Ok(c) => c,
        Err((code, msg)) => {
            eprintln!("outsidein: {msg}");
            return Ok(code);
        }
    };
    let rows = match analysis::timeline(path, &config) {
        Ok((rows, unread)) => {
            for w in unread {
                eprintln!("outsidein: warning: {w}");
            }
            rows
        }
        Err(e) => {
            eprintln!("outsidein: {e}");
            return Ok(3);
        }
    };
    with_stdout(|out| {
        if format == TableFormat::Csv {
            writeln!(out, "time,no_time,source,line,format,host,severity,message")?;
        }
        for r in &rows {
            match format {
                TableFormat::Jsonl => writeln!(out, "{}", serde_json::to_string(r)?)?,
                TableFormat::Csv => {
                    let time = r.time.map(|t| t.to_string()).unwrap_or_default();
                    let fields = [
                        time,
                        r.no_time.unwrap_or_default().to_string(),
                        r.source.clone(),
                        r.line.to_string(),
                        r.format.clone(),
                        r.host.clone(),
                        r.severity.as_str().to_string(),
                        r.message.clone(),
                    ];
                    let cells: Vec<String> = fields.iter().map(|f| csv_cell(f)).collect();
                    writeln!(out, "{}", cells.join(","))?;
                }
            }
        }
        Ok(0)
    })
}

/// RFC 4180 quoting: a cell with a comma, quote or newline is quoted. A
/// cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab
/// or carriage return first) gets a leading `'` (OWASP's advice for CSV
/// injection); the JSONL form keeps the text as it is.
fn csv_cell(s: &str) -> String {
    let s = outsidein::model::defuse_formula(s);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// `outsidein formats`: the built-in formats and the user's own.
pub(super) fn formats(defs: &[PathBuf]) -> anyhow::Result<i32> {
    let registry = match read_format_defs(defs).map(Registry::with_compiled) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("outsidein: {e}");
            return Ok(2);
        }
    };
    with_stdout(|out| {
        writeln!(out, "{:<22} {:>7}  description", "name", "samples")?;
        for f in registry.formats() {
            writeln!(
                out,
                "{:<22} {:>7}  {}",
                f.name(),
                f.def.samples.len(),
                f.def.description
            )?;
        }
        Ok(0)
    })
}
