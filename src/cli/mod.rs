//! Flags as typed, turned into the validated configuration the library
//! runs with, and the exit-code contract:
//!
//! | code | meaning |
//! |---|---|
//! | 0 | the job ran; per-file problems are warnings in the report |
//! | 1 | an input file of `deps` or `signatures` could not be read or parsed |
//! | 2 | the command line is wrong (including an unreadable redaction key or rules file) |
//! | 3 | the bundle could not be opened at all |
//! | 4 | the bundle was opened but no file in it was recognised |
//! | 5 | the output could not be written |

use clap::{Parser, Subcommand, ValueEnum};
use outsidein::analysis::{self, Config};
use outsidein::bundle::Limits;
use outsidein::logs::{Format, FormatDef, FormatError, Registry};
use outsidein::redact::{self, Redactor};
use outsidein::time::TimeCtx;
use std::io::Write;
use std::path::{Path, PathBuf};

mod commands;
use commands::{batch, batch_merge, diff, formats, timeline};

#[derive(Parser)]
#[command(
    name = "outsidein",
    version,
    about = "Offline forensic analyzer for support bundles"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ReportFormat {
    Markdown,
    Json,
}

/// `analyze` also writes a self-contained HTML page with charts.
#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum AnalyzeFormat {
    Markdown,
    Json,
    Html,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum BatchFormat {
    #[value(alias = "markdown")]
    Md,
    Json,
    Html,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum TableFormat {
    Jsonl,
    Csv,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LineFormat {
    Jsonl,
    Json,
}

#[derive(clap::Args)]
struct InputArgs {
    /// Zone assumed for times written without one (IANA name or UTC).
    #[arg(long, default_value = "UTC", help_heading = "Time")]
    timezone: String,
    /// A log format definition file (JSON); may be repeated.
    #[arg(long = "format-def", help_heading = "Input")]
    format_defs: Vec<PathBuf>,
    /// Largest decompressed size of one file, in bytes.
    #[arg(long, default_value_t = Limits::default().max_entry_bytes, help_heading = "Limits",
          value_parser = clap::value_parser!(u64).range(1..))]
    max_file_bytes: u64,
    /// Largest decompressed size of the whole bundle, in bytes.
    #[arg(long, default_value_t = Limits::default().max_total_bytes, help_heading = "Limits")]
    max_total_bytes: u64,
    /// Most files read from one bundle.
    #[arg(long, default_value_t = Limits::default().max_files, help_heading = "Limits")]
    max_files: usize,
    /// Threads to use (default: all cores).
    #[arg(long, short = 'j')]
    threads: Option<usize>,
    /// Explain detection decisions on stderr.
    #[arg(long)]
    debug: bool,
}

#[derive(clap::Args)]
struct OutputArgs {
    #[arg(long, value_enum, default_value = "markdown", help_heading = "Output")]
    format: ReportFormat,
    /// Write it here instead of standard output (`-`: standard output).
    #[arg(short, long, help_heading = "Output")]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
struct RedactArgs {
    /// Write secrets and personal data as they are (redaction is on by default).
    #[arg(long, help_heading = "Redaction")]
    no_redact: bool,
    /// Also replace IP addresses, keeping their class (loopback, private, public).
    #[arg(long, help_heading = "Redaction", conflicts_with = "no_redact")]
    redact_ips: bool,
    /// Key for the tokens, so they stay the same across reports (else
    /// OUTSIDEIN_REDACT_KEY, else values are numbered within the report).
    #[arg(long, value_name = "FILE", help_heading = "Redaction")]
    redact_key_file: Option<PathBuf>,
    /// More things to redact: a JSON list of {"name", "regex"}.
    #[arg(long, value_name = "FILE", help_heading = "Redaction")]
    redact_rules: Option<PathBuf>,
}

/// What the redaction flags ask for: the key, whether IPs go too, and
/// the user's rules; `None` with `--no-redact`.
struct RedactSettings {
    /// `None`: tokens numbered within each report.
    key: Option<Vec<u8>>,
    ips: bool,
    rules: Vec<redact::UserRule>,
}

impl RedactSettings {
    fn redactor(&self) -> Result<Redactor, String> {
        match &self.key {
            Some(key) => Redactor::new(key.clone(), self.ips, &self.rules),
            None => Redactor::numbered(self.ips, &self.rules),
        }
        .map_err(|e| e.to_string())
    }
}

fn redact_settings(args: &RedactArgs, debug: bool) -> Result<Option<RedactSettings>, String> {
    if args.no_redact {
        return Ok(None);
    }
    let (key, from) = match (&args.redact_key_file, std::env::var("OUTSIDEIN_REDACT_KEY")) {
        (Some(path), _) => (
            Some(redact::key_from_file(path).map_err(|e| e.to_string())?),
            "--redact-key-file",
        ),
        (None, Ok(k)) if !k.is_empty() => (Some(k.into_bytes()), "OUTSIDEIN_REDACT_KEY"),
        _ => (None, "no key: values numbered within each report"),
    };
    if debug {
        eprintln!(
            "debug: redaction key from {from}; IP addresses: {}",
            args.redact_ips
        );
    }
    let rules = match &args.redact_rules {
        Some(path) => redact::rules_from_file(path).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let settings = RedactSettings {
        key,
        ips: args.redact_ips,
        rules,
    };
    // Bad rules are a command-line error now, not once per bundle later.
    settings.redactor()?;
    Ok(Some(settings))
}

/// The redactor the flags ask for, or `None` with `--no-redact`.
fn redactor(args: &RedactArgs, debug: bool) -> Result<Option<Redactor>, String> {
    redact_settings(args, debug)?
        .map(|s| s.redactor())
        .transpose()
}

#[derive(Subcommand)]
enum Command {
    /// Analyze a bundle (folder, .tar.gz/.tgz/.tar, .zip or one file) into a report.
    Analyze {
        path: PathBuf,
        #[arg(long, value_enum, default_value = "markdown", help_heading = "Output")]
        format: AnalyzeFormat,
        /// Write the report here instead of standard output (`-`: standard output).
        #[arg(short, long, help_heading = "Output")]
        output: Option<PathBuf>,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        redact: RedactArgs,
    },
    /// Print every log record of a file, folder or bundle in time order.
    Timeline {
        path: PathBuf,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: TableFormat,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Print each line's signature (template id and template) of one log file.
    Signatures {
        path: PathBuf,
        #[arg(long, value_enum, default_value = "jsonl")]
        format: LineFormat,
        /// Largest decompressed size of the file, in bytes.
        #[arg(long, default_value_t = Limits::default().max_entry_bytes, help_heading = "Limits",
              value_parser = clap::value_parser!(u64).range(1..))]
        max_file_bytes: u64,
    },
    /// Compare two dependency files, or read one unified diff.
    Deps {
        old: PathBuf,
        new: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "markdown")]
        format: ReportFormat,
    },
    /// What changed between a baseline and an incident: two bundles, or two
    /// time windows of one (--baseline-window, --incident-window).
    Diff {
        baseline: PathBuf,
        /// The incident bundle; leave out to compare two windows of BASELINE.
        #[arg(required_unless_present = "baseline_window")]
        incident: Option<PathBuf>,
        /// START..END (RFC 3339) of the baseline window.
        #[arg(
            long,
            value_name = "START..END",
            requires = "incident_window",
            conflicts_with = "incident"
        )]
        baseline_window: Option<String>,
        /// START..END (RFC 3339) of the incident window.
        #[arg(long, value_name = "START..END", requires = "baseline_window")]
        incident_window: Option<String>,
        #[command(flatten)]
        out: OutputArgs,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        redact: RedactArgs,
    },
    /// Analyze many bundles (an archive of past incidents) into per-incident
    /// reports and shared Parquet/CSV tables.
    Batch {
        /// A folder of bundles (archives and bundle folders), or a file
        /// listing one bundle path a line. Not needed with --merge.
        #[arg(required_unless_present = "merge")]
        source: Option<PathBuf>,
        /// Output folder (created if missing).
        #[arg(short, long, help_heading = "Output")]
        output: PathBuf,
        /// Report formats written per incident.
        #[arg(
            long,
            value_enum,
            value_delimiter = ',',
            default_value = "md,json",
            help_heading = "Output"
        )]
        format: Vec<BatchFormat>,
        /// Analyze again bundles an earlier run finished.
        #[arg(long)]
        force: bool,
        /// Take only shard I of N (0 <= I < N) of the inputs, by content hash.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Bundles held and analyzed at once (default: the thread count).
        #[arg(long, value_name = "N")]
        in_flight: Option<usize>,
        /// Only rebuild recurrence and summary.md from every shard's output in -o.
        #[arg(long, conflicts_with_all = ["shard", "force"])]
        merge: bool,
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        redact: RedactArgs,
    },
    /// List the log formats known without configuration.
    Formats {
        #[arg(long = "format-def")]
        format_defs: Vec<PathBuf>,
    },
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Analyze {
            path,
            format,
            output,
            input,
            redact,
        } => analyze(&path, format, output.as_deref(), &input, &redact),
        Command::Timeline {
            path,
            format,
            input,
        } => timeline(&path, format, &input),
        Command::Signatures {
            path,
            format,
            max_file_bytes,
        } => {
            let limits = Limits {
                max_entry_bytes: max_file_bytes,
                max_total_bytes: Limits::default().max_total_bytes.max(max_file_bytes),
                ..Limits::default()
            };
            let jsonl = format == LineFormat::Jsonl;
            with_stdout(|out| outsidein::signature::cli(&path, jsonl, &limits, out))
        }
        Command::Deps { old, new, format } => with_stdout(|out| {
            outsidein::deps::cli(&old, new.as_deref(), format == ReportFormat::Json, out)
        }),
        Command::Formats { format_defs } => formats(&format_defs),
        Command::Diff {
            baseline,
            incident,
            baseline_window,
            incident_window,
            out,
            input,
            redact,
        } => {
            let windows = baseline_window.zip(incident_window);
            diff(
                &baseline,
                incident.as_deref(),
                windows,
                &out,
                &input,
                &redact,
            )
        }
        Command::Batch {
            source,
            output,
            format,
            force,
            shard,
            in_flight,
            merge,
            input,
            redact,
        } => {
            let args = BatchArgs {
                output,
                format,
                force,
                shard,
                in_flight,
                input,
                redact,
            };
            match (merge, source) {
                (true, _) => batch_merge(&args.output),
                (false, Some(src)) => batch(&src, &args),
                (false, None) => Ok(2),
            }
        }
    };
    match result {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => 0,
        Err(e) => {
            eprintln!("outsidein: {e:#}");
            1
        }
    }
}

/// Whether `e` comes from writing to a reader that went away (`| head`):
/// that ends the run quietly with 0. The I/O error may arrive bare or
/// inside a `serde_json` error (records written with `to_writer`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        let io = c.downcast_ref::<std::io::Error>().map(|io| io.kind());
        let json = c
            .downcast_ref::<serde_json::Error>()
            .and_then(|j| j.io_error_kind());
        io == Some(BrokenPipe) || json == Some(BrokenPipe)
    })
}

/// Runs a job that writes to standard output. A write that fails (a full
/// disk, `> /dev/full`) ends the job with 5 and a message saying so; a
/// reader that went away (`| head`) with the broken-pipe error, which
/// `run` turns into a quiet 0; any other error is the job's own.
fn with_stdout(f: impl FnOnce(&mut dyn Write) -> anyhow::Result<i32>) -> anyhow::Result<i32> {
    let stdout = std::io::stdout();
    let mut out = Watched {
        inner: std::io::BufWriter::new(stdout.lock()),
        failed: false,
    };
    let result = f(&mut out).and_then(|code| {
        out.flush()?;
        Ok(code)
    });
    match result {
        Err(e) if out.failed && !is_broken_pipe(&e) => {
            eprintln!("outsidein: standard output: cannot write: {e:#}");
            Ok(5)
        }
        r => r,
    }
}

/// A writer that remembers whether a write to it failed, so that an error
/// of the output can be told from one of the input.
struct Watched<W> {
    inner: W,
    failed: bool,
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let r = self.inner.write(buf);
        self.failed |= r.is_err();
        r
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let r = self.inner.flush();
        self.failed |= r.is_err();
        r
    }
}

/// The user's format definitions, each compiled and its samples checked
/// here so that a refusal names the file and the line of the key at
/// fault (`regex`, or the sample's `line`).
fn read_format_defs(paths: &[PathBuf]) -> anyhow::Result<Vec<Format>> {
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", p.display()))?;
            let def: FormatDef = serde_json::from_str(&text).map_err(|e| {
                anyhow::anyhow!("{}:{}: not a format definition: {e}", p.display(), e.line())
            })?;
            Format::compile_user(def).map_err(|e| {
                let line = match &e {
                    FormatError::Regex { .. } | FormatError::NoMsg { .. } => {
                        key_line(&text, "regex", 0)
                    }
                    FormatError::Sample { index, .. } => key_line(&text, "line", *index),
                    FormatError::NoSample { .. } => key_line(&text, "samples", 0),
                };
                anyhow::anyhow!("{}:{line}: {e}", p.display())
            })
        })
        .collect()
}

/// 1-based line of the `nth` (0-based) `"key":` in a JSON text; 1 when
/// there is none.
fn key_line(text: &str, key: &str, nth: usize) -> usize {
    let quoted = format!("\"{key}\"");
    text.match_indices(&quoted)
        .filter(|(at, _)| text[at + quoted.len()..].trim_start().starts_with(':'))
        .nth(nth)
        .map_or(1, |(at, _)| text[..at].matches('\n').count() + 1)
}

fn config(input: &InputArgs) -> Result<Config, (i32, String)> {
    let zone = if input.timezone.eq_ignore_ascii_case("utc") {
        jiff::tz::TimeZone::UTC
    } else {
        jiff::tz::TimeZone::get(&input.timezone)
            .map_err(|e| (2, format!("--timezone {}: {e}", input.timezone)))?
    };
    let user = read_format_defs(&input.format_defs).map_err(|e| (2, e.to_string()))?;
    let registry = Registry::with_compiled(user);
    if let Some(n) = input.threads {
        // Only the first call can set the global pool; later calls keep it.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global();
    }
    Ok(Config {
        limits: Limits {
            max_entry_bytes: input.max_file_bytes,
            max_total_bytes: input.max_total_bytes,
            max_files: input.max_files,
            ..Limits::default()
        },
        time: TimeCtx {
            zone,
            reference: None,
        },
        registry,
        kb: Default::default(),
        debug: input.debug,
        window: None,
    })
}

fn analyze(
    path: &Path,
    format: AnalyzeFormat,
    output: Option<&Path>,
    input: &InputArgs,
    redact: &RedactArgs,
) -> anyhow::Result<i32> {
    let config = match config(input) {
        Ok(c) => c,
        Err((code, msg)) => {
            eprintln!("outsidein: {msg}");
            return Ok(code);
        }
    };
    let mut redactor = match redactor(redact, input.debug) {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("outsidein: {msg}");
            return Ok(2);
        }
    };
    let output = output_file(output);
    if let Some(out) = output {
        // Check the output path before the analysis starts.
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                eprintln!("outsidein: {}: output folder does not exist", dir.display());
                return Ok(5);
            }
        }
    }
    let mut report = match analysis::analyze(path, &config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("outsidein: {e}");
            return Ok(3);
        }
    };
    if let Some(r) = redactor.as_mut() {
        r.redact_report(&mut report);
    }
    for w in analysis::warnings(&report) {
        eprintln!("outsidein: warning: {w}");
    }
    let text = match format {
        AnalyzeFormat::Markdown => outsidein::report::markdown(&report),
        AnalyzeFormat::Json => outsidein::report::json(&report),
        AnalyzeFormat::Html => outsidein::report::html(&report),
    };
    match output {
        Some(out) => {
            if let Err(e) = write_output(out, text.as_bytes()) {
                eprintln!("outsidein: {}: cannot write: {e}", out.display());
                return Ok(5);
            }
        }
        None => {
            let written = with_stdout(|w| {
                w.write_all(text.as_bytes())?;
                Ok(0)
            });
            match written {
                Ok(0) => {}
                Ok(code) => return Ok(code),
                Err(e) if is_broken_pipe(&e) => {}
                Err(e) => return Err(e),
            }
        }
    }
    let recognised = report.inventory.iter().any(|e| e.status != "skipped");
    if !recognised {
        eprintln!(
            "outsidein: no file in {} was recognised; run with --debug to see why",
            path.display()
        );
        return Ok(4);
    }
    Ok(0)
}

/// `batch`'s flags, gathered for [`commands::batch`].
struct BatchArgs {
    output: PathBuf,
    format: Vec<BatchFormat>,
    force: bool,
    shard: Option<String>,
    in_flight: Option<usize>,
    input: InputArgs,
    redact: RedactArgs,
}

fn output_file(output: Option<&Path>) -> Option<&Path> {
    output.filter(|p| p.as_os_str() != "-")
}

/// Writes the report to `out`. A regular file (or a new one) is written
/// under a temporary name beside it and renamed into place, so an
/// interrupted run leaves no half-written report; anything else the user
/// named (a device, a pipe) is written to as it is, never replaced.
fn write_output(out: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let regular_or_new = match std::fs::symlink_metadata(out) {
        Ok(m) => m.file_type().is_file(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
        Err(e) => return Err(e),
    };
    if !regular_or_new {
        let mut f = std::fs::OpenOptions::new().write(true).open(out)?;
        f.write_all(bytes)?;
        return f.flush();
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = out.with_file_name(format!(".{name}.{}.outsidein-tmp", std::process::id()));
    let result = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
        .and_then(|_| std::fs::rename(&tmp, out));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
