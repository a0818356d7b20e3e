//! `batch`: many bundles (an archive of past incidents) analyzed in
//! parallel into one report per incident and shared tables.
//!
//! Each input is identified by its content hash (xxh3 of an archive's
//! bytes, or of a folder's sorted relative paths and contents): the
//! `incident_id`. Two inputs with one content are analyzed once, the
//! second reported as a duplicate. Each incident's reports go to
//! `OUTDIR/incidents/<incident_id>/`, built in a temporary folder and
//! renamed into place with a `done.json` marker (the tool version and
//! formats), so a rerun skips what is done and an interrupted run leaves
//! no half-written incident. The tables (see [`tables`]) and
//! `summary.md` are written at the end, also through temporary names.
//!
//! Bundles are analyzed by `in_flight` worker threads, one bundle each;
//! so at most `in_flight` bundles are held in memory at once, whatever
//! their number. From the command line each worker runs its bundle in a
//! child process of the same program (see [`Isolation`]), so an abort
//! (a failed allocation), a crash or a kill of one bundle is that
//! bundle's `failed` row, naming the signal or exit status, and the batch
//! goes on. The child writes the incident folder itself and hands its
//! rows back through a temporary file in the output folder.
//!
//! # Limitations
//! - Every shard hashes every input to pick its share (see
//!   [`inputs::Shard`]): a streaming read of the whole archive per shard.
//! - `recurrence` and `summary.md` need every incident: a sharded run
//!   leaves them to `batch --merge`.
//! - A bundle that failed is tried again on every run (only analyzed
//!   ones are marked done), so a bundle that aborts costs its child's
//!   time again on every rerun.
//! - Each child process builds its own rayon pool (`-j N` threads each),
//!   so `--in-flight K` children may run K x N threads at once.
//! - A child started by a batch that was then killed stops within about
//!   50 ms (it watches its parent), and may leave a hidden temporary
//!   incident folder that the next run removes.
//! - The tables are built in memory at the end, from every incident's
//!   rows, kept until then (RSS rose about 30 KiB a small bundle while
//!   they were analyzed): the process's peak still grows with the number
//!   of incidents, slowly. A release build over small bundles from
//!   `benches/gen_bundles.py`, `-j 2`, peaked at 42,720 KiB for 50 and
//!   50,028 KiB for 200 (`/usr/bin/time -f %M`, 2026-12-05; 46,544 and
//!   75,280 before a table's list columns were built with one builder
//!   each, when the list columns alone took 35 MB for 200). The test
//!   `peak_memory_does_not_grow_with_the_number_of_bundles` allows 1.5
//!   times from 50 to 200 bundles.
//! - Lists in the CSV tables (`hosts`, `flags`, `incident_ids`) are
//!   comma-joined, so a value holding a comma is ambiguous there; the
//!   Parquet tables hold real lists.

mod child;
pub mod inputs;
pub mod rows;
pub(crate) mod summary;
pub mod tables;

use crate::analysis::{self, Config};
use crate::redact::Redactor;
use child::{analyze_in_child, child_stem, CHILD_PEAK_KIB};
pub use child::{run_child, CHILD_ID, CHILD_PARENT, CHILD_PATH, CHILD_RESULT};
use inputs::{Ignored, Input, Shard};
use rows::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Report formats written per incident.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Markdown,
    Json,
    /// The self-contained page with charts.
    Html,
}

impl Format {
    fn file(self) -> &'static str {
        match self {
            Format::Markdown => "report.md",
            Format::Json => "report.json",
            Format::Html => "report.html",
        }
    }
}

/// What `batch` was asked to do.
pub struct Options<'a> {
    pub out: PathBuf,
    pub formats: Vec<Format>,
    pub shard: Shard,
    pub force: bool,
    /// Bundles analyzed at once (each is held in memory while analyzed).
    pub in_flight: usize,
    pub config: &'a Config,
    /// Makes a redactor for one report; `None` writes reports as logged.
    pub redactor: &'a (dyn Fn() -> Option<Redactor> + Sync),
    /// Progress bars on stderr (a terminal); else plain lines.
    pub bars: bool,
    /// Each bundle analyzed in a child process (see [`Isolation`]);
    /// `None` analyzes in this process, where an abort ends the batch.
    pub isolate: Option<Isolation>,
}

/// How to run one bundle's analysis in a child process: this program
/// (`exe`, from `std::env::current_exe`) with the batch's own arguments,
/// so the child reads the same flags into the same configuration and
/// redactor, and the environment variables [`CHILD_PATH`], [`CHILD_ID`]
/// and [`CHILD_RESULT`] naming its one bundle and where its outcome goes
/// (see [`run_child`]). An allocation failure aborts a Rust process, and
/// a kill cannot be caught: only a process boundary turns them into the
/// bundle's `failed` row.
pub struct Isolation {
    pub exe: PathBuf,
    pub args: Vec<std::ffi::OsString>,
}

/// The marker written last into a finished incident's folder.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Done {
    incident_id: String,
    tool_version: String,
    formats: Vec<Format>,
    source: String,
}

/// What a run did, written as `run.json` (per shard:
/// `run-shard=I-of-N.json`).
#[derive(Debug, serde::Serialize)]
pub struct RunInfo {
    pub tool_version: &'static str,
    pub shard: String,
    pub inputs: usize,
    pub in_shard: usize,
    pub analyzed: usize,
    pub skipped_done: usize,
    pub duplicates: usize,
    pub failed: usize,
    pub ignored: Vec<Ignored>,
    pub seconds: f64,
    /// Peak resident memory (VmHWM), in KiB: of the batch process, or of
    /// the largest of its bundles' child processes when larger.
    pub peak_rss_kib: Option<u64>,
}

/// Every table's rows of a run.
#[derive(Default)]
pub struct Tables {
    pub incidents: Vec<IncidentRow>,
    pub signatures: Vec<SignatureRow>,
    pub occurrences: Vec<OccurrenceRow>,
    pub changes: Vec<ChangeRow>,
    pub findings: Vec<FindingRow>,
}

impl Tables {
    fn add(&mut self, r: IncidentRows) {
        self.incidents.push(r.incident);
        self.signatures.extend(r.signatures);
        self.occurrences.extend(r.occurrences);
        self.changes.extend(r.changes);
        self.findings.extend(r.findings);
    }

    /// Sorted, and `signatures` made distinct (first template by id).
    fn settle(&mut self) {
        self.incidents
            .sort_by(|a, b| (&a.incident_id, &a.source).cmp(&(&b.incident_id, &b.source)));
        self.signatures.sort();
        self.signatures
            .dedup_by(|a, b| a.signature_id == b.signature_id);
        self.occurrences.sort_by(|a, b| {
            (&a.incident_id, &a.signature_id).cmp(&(&b.incident_id, &b.signature_id))
        });
        self.findings
            .sort_by(|a, b| (&a.incident_id, a.rank).cmp(&(&b.incident_id, b.rank)));
        // Changes keep their report order within an incident.
        self.changes
            .sort_by(|a, b| a.incident_id.cmp(&b.incident_id));
    }
}

/// Removes what an interrupted run left in `dir` under temporary names
/// starting with `.{stem}.`: only the process that owns a name (an
/// incident, a shard's table) writes there, so no live write is touched.
pub(crate) fn remove_stale(dir: &Path, stem: &str) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{stem}.");
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".outsidein-tmp") {
            let p = e.path();
            let _ = if p.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
    }
}

/// Writes `path` through a temporary name beside it, renamed into place.
pub(crate) fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.outsidein-tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        fill(&mut f)?;
        f.flush()?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Peak resident memory of this process in KiB (Linux: VmHWM).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Runs the batch over `source` (a folder or a list file).
pub fn run(source: &Path, opts: &Options) -> anyhow::Result<RunInfo> {
    let started = Instant::now();
    std::fs::create_dir_all(opts.out.join("incidents"))?;
    remove_stale(&opts.out, &child_stem(opts.shard));
    let (paths, ignored) = inputs::discover(source, Some(&opts.out))
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", source.display()))?;
    for i in &ignored {
        eprintln!("outsidein: {}: not a bundle: {}", i.path, i.reason);
    }
    let all: Vec<Input> = {
        use rayon::prelude::*;
        paths.par_iter().map(|p| inputs::identify(p)).collect()
    };
    let mine: Vec<&Input> = all.iter().filter(|i| opts.shard.takes(&i.id)).collect();

    // The first source of each content is analyzed; the others are
    // duplicates of it.
    let mut first: BTreeMap<&str, &Input> = BTreeMap::new();
    let mut tables = Tables::default();
    let mut todo: Vec<&Input> = Vec::new();
    let mut info = RunInfo {
        tool_version: env!("CARGO_PKG_VERSION"),
        shard: opts.shard.partition(),
        inputs: all.len(),
        in_shard: mine.len(),
        analyzed: 0,
        skipped_done: 0,
        duplicates: 0,
        failed: 0,
        ignored,
        seconds: 0.0,
        peak_rss_kib: None,
    };
    for input in &mine {
        let source = input.path.display().to_string();
        if let Some(err) = &input.error {
            eprintln!("outsidein: failed: {err}");
            let mut row = IncidentRow::bare(&input.id, &source, "failed");
            row.error = Some(err.clone());
            tables.incidents.push(row);
            info.failed += 1;
            continue;
        }
        match first.get(input.id.as_str()) {
            Some(orig) => {
                let mut row = IncidentRow::bare(&input.id, &source, "duplicate");
                row.duplicate_of = Some(orig.path.display().to_string());
                tables.incidents.push(row);
                info.duplicates += 1;
            }
            None => {
                first.insert(&input.id, input);
                todo.push(input);
            }
        }
    }

    let progress = progress::Progress::new(todo.len(), opts.bars);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    let workers = opts.in_flight.clamp(1, todo.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(input) = todo.get(i) else { break };
                let bar = progress.start(&input.path);
                let outcome = one(input, opts);
                progress.finish(bar, &input.path, &outcome);
                results.lock().unwrap().push((i, outcome));
            });
        }
    });
    progress.clear();
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _)| *i);
    for (_, outcome) in results {
        match outcome {
            Outcome::Done(rows) => {
                info.skipped_done += 1;
                tables.add(*rows);
            }
            Outcome::Analyzed(rows) => {
                info.analyzed += 1;
                tables.add(*rows);
            }
            Outcome::Failed(row) => {
                info.failed += 1;
                tables.incidents.push(*row);
            }
        }
    }
    tables.settle();
    write_tables(&opts.out, opts.shard, &tables)?;
    write_unfiled(&opts.out, opts.shard, &tables)?;
    if opts.shard == Shard::ALL {
        write_cross_incident(&opts.out, &tables)?;
    }
    info.seconds = started.elapsed().as_secs_f64();
    // The batch's own peak, or a child's when larger.
    let child_peak = CHILD_PEAK_KIB.load(Ordering::SeqCst);
    info.peak_rss_kib = peak_rss_kib().map(|own| own.max(child_peak));
    let name = if opts.shard == Shard::ALL {
        "run.json".to_string()
    } else {
        format!("run-{}.json", opts.shard.partition())
    };
    write_atomic(&opts.out.join(name), |f| {
        serde_json::to_writer_pretty(&mut *f, &info)?;
        f.write_all(b"\n")?;
        Ok(())
    })?;
    Ok(info)
}

/// Writes the partitionable tables of one shard (or of the whole run).
fn write_tables(out: &Path, shard: Shard, t: &Tables) -> anyhow::Result<()> {
    let part = shard.partition();
    let dir = |name: &str| out.join("tables").join(name).join(&part);
    tables::write(
        &dir("incidents"),
        "incidents",
        &mut tables::incidents(&t.incidents)?,
    )?;
    tables::write(
        &dir("signatures"),
        "signatures",
        &mut tables::signatures(&t.signatures)?,
    )?;
    tables::write(
        &dir("occurrences"),
        "occurrences",
        &mut tables::occurrences(&t.occurrences)?,
    )?;
    tables::write(
        &dir("changes"),
        "changes",
        &mut tables::changes(&t.changes)?,
    )?;
    tables::write(
        &dir("findings"),
        "findings",
        &mut tables::findings(&t.findings)?,
    )?;
    Ok(())
}

/// Writes `recurrence` and `summary.md`, which need every incident.
fn write_cross_incident(out: &Path, t: &Tables) -> anyhow::Result<()> {
    let rec = tables::recurrence(&t.incidents, &t.signatures, &t.occurrences);
    tables::write(
        &out.join("tables").join("recurrence"),
        "recurrence",
        &mut tables::recurrence_frame(&rec)?,
    )?;
    let text = summary::render(t, &rec);
    write_atomic(&out.join("summary.md"), |f| {
        f.write_all(text.as_bytes())?;
        Ok(())
    })
}

/// `batch --merge`: every shard's rows, read back from the incidents'
/// folders and the shards' run files, into `recurrence` and `summary.md`
/// (and the whole archive's failed and duplicate rows in the summary).
pub fn merge(out: &Path) -> anyhow::Result<Tables> {
    let mut t = Tables::default();
    let dir = out.join("incidents");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    names.sort();
    for p in names {
        if let Some(rows) = read_done(&p, &[]) {
            t.add(rows);
        }
    }
    // Duplicates and failures live only in the shards' incidents tables.
    for extra in shard_rows(out)? {
        if extra.status == "duplicate" || extra.status == "failed" {
            t.incidents.push(extra);
        }
    }
    t.settle();
    write_cross_incident(out, &t)?;
    Ok(t)
}

/// The incidents rows of bundles without an incident folder (duplicates
/// and failures), as every shard wrote them into `OUTDIR/unfiled/`.
fn shard_rows(out: &Path) -> anyhow::Result<Vec<IncidentRow>> {
    let mut rows = Vec::new();
    let Ok(rd) = std::fs::read_dir(out.join("unfiled")) else {
        return Ok(rows);
    };
    let mut files: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.retain(|f| f.extension().is_some_and(|e| e == "json"));
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f)?;
        let more: Vec<IncidentRow> = serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}:{}: {e}", f.display(), e.line()))?;
        rows.extend(more);
    }
    Ok(rows)
}

/// Writes this shard's duplicate and failed rows for `batch --merge`.
fn write_unfiled(out: &Path, shard: Shard, t: &Tables) -> anyhow::Result<()> {
    let rows: Vec<&IncidentRow> = t
        .incidents
        .iter()
        .filter(|r| r.status == "duplicate" || r.status == "failed")
        .collect();
    let dir = out.join("unfiled");
    std::fs::create_dir_all(&dir)?;
    write_atomic(&dir.join(format!("{}.json", shard.partition())), |f| {
        serde_json::to_writer_pretty(&mut *f, &rows)?;
        Ok(())
    })
}

/// What became of one bundle.
enum Outcome {
    /// Done by an earlier run of this version.
    Done(Box<IncidentRows>),
    Analyzed(Box<IncidentRows>),
    Failed(Box<IncidentRow>),
}

/// The rows of a finished incident folder, when its marker is of this
/// tool version and it holds every format in `formats`.
fn read_done(dir: &Path, formats: &[Format]) -> Option<IncidentRows> {
    let done: Done =
        serde_json::from_str(&std::fs::read_to_string(dir.join("done.json")).ok()?).ok()?;
    if done.tool_version != env!("CARGO_PKG_VERSION")
        || !formats.iter().all(|f| done.formats.contains(f))
    {
        return None;
    }
    serde_json::from_str(&std::fs::read_to_string(dir.join("rows.json")).ok()?).ok()
}

fn one(input: &Input, opts: &Options) -> Outcome {
    let source = input.path.display().to_string();
    let final_dir = opts.out.join("incidents").join(&input.id);
    if !opts.force {
        if let Some(mut rows) = read_done(&final_dir, &opts.formats) {
            rows.incident.source = source;
            return Outcome::Done(Box::new(rows));
        }
    }
    match &opts.isolate {
        Some(iso) => analyze_in_child(input, opts, iso),
        None => analyze_here(input, opts),
    }
}

/// `input`'s failed row, with `msg` as its error.
fn failed_row(input: &Input, msg: String) -> Outcome {
    let mut row = IncidentRow::bare(&input.id, &input.path.display().to_string(), "failed");
    row.error = Some(msg);
    Outcome::Failed(Box::new(row))
}

/// Analyzes `input` in this process and writes its incident folder.
fn analyze_here(input: &Input, opts: &Options) -> Outcome {
    let source = input.path.display().to_string();
    let final_dir = opts.out.join("incidents").join(&input.id);
    let failed = |msg: String| failed_row(input, msg);
    let analysis = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        analysis::analyze(&input.path, opts.config)
    }));
    let mut report = match analysis {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return failed(e.to_string()),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            return failed(format!(
                "{source}: the analysis failed (a bug; please report it): {what}"
            ));
        }
    };
    if let Some(mut r) = (opts.redactor)() {
        r.redact_report(&mut report);
    }
    let rows = IncidentRows::from_report(&input.id, &source, &report);
    match write_incident(&final_dir, input, opts, &report, &rows) {
        Ok(()) => Outcome::Analyzed(Box::new(rows)),
        Err(e) => failed(format!("{}: cannot write: {e:#}", final_dir.display())),
    }
}

/// Builds the incident's folder under a temporary name, marker last, and
/// renames it into place (replacing an older one).
fn write_incident(
    final_dir: &Path,
    input: &Input,
    opts: &Options,
    report: &crate::report::Report,
    rows: &IncidentRows,
) -> anyhow::Result<()> {
    if let Some(parent) = final_dir.parent() {
        remove_stale(parent, &input.id);
    }
    let tmp = final_dir.with_file_name(format!(
        ".{}.{}.outsidein-tmp",
        input.id,
        std::process::id()
    ));
    std::fs::create_dir_all(&tmp)?;
    let result = (|| {
        for f in &opts.formats {
            let text = match f {
                Format::Markdown => crate::report::markdown(report),
                Format::Json => crate::report::json(report),
                Format::Html => crate::report::html(report),
            };
            std::fs::write(tmp.join(f.file()), text)?;
        }
        std::fs::write(tmp.join("rows.json"), serde_json::to_vec(rows)?)?;
        let done = Done {
            incident_id: input.id.clone(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            formats: opts.formats.clone(),
            source: input.path.display().to_string(),
        };
        std::fs::write(tmp.join("done.json"), serde_json::to_vec_pretty(&done)?)?;
        if final_dir.exists() {
            std::fs::remove_dir_all(final_dir)?;
        }
        std::fs::rename(&tmp, final_dir)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

mod progress;
