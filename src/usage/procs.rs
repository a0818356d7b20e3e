//! Process tables and their headers: `top -b` (one or many iterations),
//! htop screen captures (ANSI stripped here), `ps aux`, `ps -ef` and
//! `ps -eo` with custom columns.
//!
//! Columns are found by their header names, so any column order and subset
//! works; the command is the last column and keeps its spaces. Kernel
//! threads and other processes with neither memory nor CPU yield no
//! per-process samples but count in `procs.listed`.
//!
//! # Limitations
//! Of the columns whose value holds spaces, only the command (last) and the
//! start times (`lstart`, `start`, `bsdstart`) are known; another one
//! shifts the columns after it, which shows when a `TIME` or `ELAPSED`
//! cell after it holds no time, and such rows are reported and skipped
//! (without a time column after it, a shift goes unseen). top's
//! clock is a time of day, placed with [`super::clock_near`]. The `%Cpu`
//! line of top's first iteration covers only an instant and is skipped
//! (`top -b -n 1` therefore gives no CPU shares; vmstat does). Process
//! memory in top and htop without a suffix is read as KiB (their default);
//! a `top -E`/`-e` scaled header is honoured for the summary lines only.

use super::units::{size_or_plain, size_or_plain as size};
use super::{clock_near, hms, Out, Parsed, SnapshotCtx};
use crate::model::FileIssue;
use regex::Regex;
use std::sync::LazyLock;

const KIB: f64 = 1024.0;

/// What a header cell means, across top, htop and ps spellings.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Col {
    Pid,
    User,
    Cpu,
    Mem,
    Virt,
    Res,
    Shr,
    Command,
    Other,
}

fn col_of(name: &str) -> Col {
    match name.to_ascii_uppercase().as_str() {
        "PID" => Col::Pid,
        "USER" | "UID" | "RUSER" => Col::User,
        "%CPU" | "CPU%" | "C" | "PCPU" => Col::Cpu,
        "%MEM" | "MEM%" | "PMEM" => Col::Mem,
        "VIRT" | "VSZ" | "VSIZE" => Col::Virt,
        "RES" | "RSS" | "RSZ" => Col::Res,
        "SHR" => Col::Shr,
        // Other locales' names are made English first (`locale`).
        "COMMAND" | "CMD" | "ARGS" | "COMM" => Col::Command,
        _ => Col::Other,
    }
}

/// A `ps` header: PID plus a memory, CPU or command column.
pub fn is_ps_header(line: &str) -> bool {
    let cols: Vec<Col> = line.split_whitespace().map(col_of).collect();
    cols.contains(&Col::Pid)
        && cols
            .iter()
            .any(|c| matches!(c, Col::Res | Col::Cpu | Col::Command | Col::Virt))
}

/// htop's meters (`Mem[`, `Swp[`) beside a process table header.
pub fn looks_like_htop(head: &str) -> bool {
    let clean = strip_ansi(head);
    clean.contains("Mem[") && (clean.contains("Swp[") || clean.contains("Load average"))
}

static ANSI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Za-z0-9]|\x1b[=>]").unwrap()
});

pub fn strip_ansi(s: &str) -> String {
    ANSI.replace_all(s, "").into_owned()
}

/// A short, stable name for a command line: the program's base name and,
/// for interpreters, the script (`node worker.js`); `postgres: <role>`
/// titles keep their role.
pub fn short_command(cmd: &str) -> String {
    let cmd = cmd.trim();
    if cmd.starts_with('[') {
        return cmd.to_string();
    }
    if let Some(rest) = cmd.strip_prefix("postgres: ") {
        // Backends print `user db host(port) state`; keep `user db`.
        let words: Vec<&str> = rest.split_whitespace().collect();
        return match words.iter().position(|w| w.contains('(')) {
            Some(i) => format!("postgres: {} backend", words[..i].join(" ")),
            None => format!("postgres: {}", words.join(" ")),
        };
    }
    let mut words = cmd.split_whitespace();
    let prog = words
        .next()
        .unwrap_or("")
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string();
    let interpreters = [
        "node", "python", "python3", "ruby", "java", "perl", "php", "bash", "sh",
    ];
    if interpreters
        .iter()
        .any(|i| prog == *i || prog.starts_with("python3."))
    {
        if let Some(script) = words.find(|w| !w.starts_with('-')) {
            return format!("{prog} {}", script.rsplit('/').next().unwrap_or(script));
        }
    }
    prog
}

/// Reads the rows after a process table header.
fn read_table<'l>(
    out: &mut Out,
    header: &str,
    rows: impl Iterator<Item = (usize, &'l str)>,
    stop_quietly: fn(&str) -> bool,
) {
    let names: Vec<&str> = header_cells(header).collect();
    let cols: Vec<Col> = names.iter().map(|n| col_of(n)).collect();
    let has_command = cols.last() == Some(&Col::Command);
    let mut listed = 0;
    for (idx, line) in rows {
        if line.trim().is_empty() || stop_quietly(line) {
            break;
        }
        let cells = match split_row(line, &names, has_command) {
            Ok(cells) => cells,
            Err(why) => {
                out.issue(idx, why);
                continue;
            }
        };
        if cells.len() < cols.len().saturating_sub(usize::from(has_command)) {
            out.issue(
                idx,
                format!("process row has {} of {} columns", cells.len(), cols.len()),
            );
            continue;
        }
        match push_process(out, &cols, &cells) {
            Ok(()) => listed += 1,
            Err(why) => out.issue(idx, why),
        }
    }
    // Every row counts, kernel threads included: a process count that
    // climbs is a finding of its own (workers forking, zombies piling up).
    out.push("procs.listed", &[], f64::from(listed));
}

/// Header names: htop 3 marks the sort column with a triangle written
/// over the padding (`RES▽`, `CPU%▽MEM%`), which also separates names.
fn header_cells(header: &str) -> impl Iterator<Item = &str> {
    header
        .split(|c: char| c.is_whitespace() || matches!(c, '▽' | '△' | '▼' | '▲'))
        .filter(|c| !c.is_empty())
}

fn push_process(out: &mut Out, cols: &[Col], cells: &[&str]) -> Result<(), String> {
    let get = |c: Col| {
        cols.iter()
            .position(|x| *x == c)
            .and_then(|i| cells.get(i).copied())
    };
    let pid = get(Col::Pid).ok_or("no PID column")?;
    if pid.parse::<u32>().is_err() {
        return Err(format!("expected a PID, found `{pid}`"));
    }
    let num = |c: Col| get(c).and_then(decimal);
    let rss = get(Col::Res).and_then(|v| size_or_plain(v, KIB));
    let cpu = num(Col::Cpu);
    if rss.unwrap_or(0.0) == 0.0 && cpu.unwrap_or(0.0) == 0.0 {
        return Ok(());
    }
    let command = short_command(get(Col::Command).unwrap_or("?"));
    let user = get(Col::User).unwrap_or("");
    let labels = [("pid", pid), ("command", command.as_str()), ("user", user)];
    let labels = if user.is_empty() {
        &labels[..2]
    } else {
        &labels[..]
    };
    if let Some(v) = rss {
        out.push("proc.rss_bytes", labels, v);
        // Resident minus shared: what the process holds alone (a
        // Postgres backend's RSS climbs as it touches shared buffers).
        if let Some(shr) = get(Col::Shr).and_then(|v| size_or_plain(v, KIB)) {
            out.push("proc.private_bytes", labels, (v - shr).max(0.0));
        }
    }
    if let Some(v) = get(Col::Virt).and_then(|v| size(v, KIB)) {
        out.push("proc.vsz_bytes", labels, v);
    }
    if let Some(v) = cpu {
        out.push("proc.cpu_pct", labels, v);
    }
    if let Some(v) = num(Col::Mem) {
        out.push("proc.mem_pct", labels, v);
    }
    Ok(())
}

/// Byte ranges of a line's whitespace-separated words.
fn word_spans(line: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, line.len()));
    }
    spans
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// How many words a start-time cell takes: `ps -o lstart` prints
/// `Fri Dec  4 22:00:00 2026` (5), `-o start` an old process's `Dec 04`
/// and `-o bsdstart` its ` 4 Dec` (2); times of day and `Dec04` take 1.
fn date_words(words: &[&str]) -> usize {
    let day = |w: Option<&&str>| w.is_some_and(|w| w.len() <= 2 && w.parse::<u8>().is_ok());
    let month = |w: Option<&&str>| w.is_some_and(|w| MONTHS.contains(w));
    match words.first() {
        Some(w) if WEEKDAYS.contains(w) && words.len() >= 5 => 5,
        Some(_) if month(words.first()) && day(words.get(1)) => 2,
        Some(_) if day(words.first()) && month(words.get(1)) => 2,
        _ => 1,
    }
}

/// A row's cells under `names`: start-time columns take as many words as
/// their value has ([`date_words`]), the command (last) the rest of the
/// line. A time column (`TIME`, `ELAPSED`) that does not hold a time means
/// a column before it held spaces this reader does not know: the row is
/// refused rather than read shifted.
fn split_row<'l>(line: &'l str, names: &[&str], has_command: bool) -> Result<Vec<&'l str>, String> {
    let spans = word_spans(line);
    let words: Vec<&str> = spans.iter().map(|(s, e)| &line[*s..*e]).collect();
    let mut cells = Vec::new();
    let mut w = 0;
    for (c, name) in names.iter().enumerate() {
        if w >= spans.len() {
            break;
        }
        if has_command && c + 1 == names.len() {
            cells.push(line[spans[w].0..].trim_end());
            w = spans.len();
            break;
        }
        let upper = name.to_ascii_uppercase();
        let take = match upper.as_str() {
            "STARTED" | "START" | "LSTART" | "STIME" => date_words(&words[w..]),
            _ => 1,
        };
        let last = (w + take).min(spans.len()) - 1;
        let cell = &line[spans[w].0..spans[last].1];
        let timed = matches!(upper.as_str(), "TIME" | "TIME+" | "ELAPSED");
        if timed && !is_duration(cell) {
            return Err(format!(
                "column {name} holds `{cell}`, not a time: a column before it has spaces this \
                 reader does not know; row skipped"
            ));
        }
        cells.push(cell);
        w += take;
    }
    if !has_command {
        cells.extend(&words[w..]);
    }
    Ok(cells)
}

/// `01:10:00`, `1-02:03:04`, `0:17.32`, `123h45:00`: a CPU or elapsed time.
fn is_duration(cell: &str) -> bool {
    cell.starts_with(|c: char| c.is_ascii_digit())
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | '-' | 'h'))
}

/// `ps` output with any column set (aux, -ef, -eo ...).
pub fn parse_ps(ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let mut out = Out::new(ctx, None)?;
    let mut lines = text
        .lines()
        .enumerate()
        .skip_while(|(_, l)| l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        return Err(ctx.issue(None, "empty ps output"));
    };
    if !is_ps_header(header) {
        return Err(ctx.issue(
            Some(1),
            format!("expected a ps header with PID, found `{}`", header.trim()),
        ));
    }
    read_table(&mut out, header, lines, |_| false);
    Ok(out.parsed)
}

/// A number with a decimal point or, as German locales print it, a
/// decimal comma (`5,30`).
pub(crate) fn decimal(s: &str) -> Option<f64> {
    s.replace(',', ".").parse().ok()
}

// Numbers in top's summary take a decimal point or comma: `load average:
// 5,30, 5,08, 4,25` and `MiB Spch:  24105,1 total` under de_DE.
static LOAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"load averages?:\s*(\d+(?:[.,]\d+)?),?\s+(\d+(?:[.,]\d+)?),?\s+(\d+(?:[.,]\d+)?)")
        .unwrap()
});
static CPU_PAIR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+(?:[.,]\d+)?)\s*%?\s*(us|sy|ni|id|wa|hi|si|st)\b").unwrap());
static MEM_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(\d+(?:[.,]\d+)?)([kmgtKMGT]?)\s+(total|free|used|buff/cache|buffers|cached|avail Mem)",
    )
    .unwrap()
});

pub(crate) fn push_load(out: &mut Out, line: &str) -> bool {
    let Some(c) = LOAD.captures(line) else {
        return false;
    };
    for (i, name) in ["load.1m", "load.5m", "load.15m"].iter().enumerate() {
        if let Some(v) = decimal(&c[i + 1]) {
            out.push(name, &[], v);
        }
    }
    true
}

/// `top -b` output; each `top - ` block is one snapshot.
pub fn parse_top(ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let lines: Vec<&str> = text.lines().collect();
    let starts: Vec<usize> = (0..lines.len())
        .filter(|i| lines[*i].starts_with("top - "))
        .collect();
    if starts.is_empty() {
        return Err(ctx.issue(Some(1), "expected a `top - HH:MM:SS up ...` header"));
    }
    let mut all = Parsed::default();
    for (n, &start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(lines.len());
        let clock = lines[start][6..].split_whitespace().next().and_then(hms);
        let content = clock.and_then(|(h, m, s)| clock_near(ctx, h, m, s));
        let mut out = Out::new(ctx, content)?;
        top_block(&mut out, &lines, start, end, n > 0);
        all.samples.append(&mut out.parsed.samples);
        all.issues.append(&mut out.parsed.issues);
    }
    Ok(all)
}

/// One iteration; `cpu_valid` is false for the first, whose CPU shares
/// cover only the instant since top started (0, 50 or 100% on an idle box).
fn top_block(out: &mut Out, lines: &[&str], start: usize, end: usize, cpu_valid: bool) {
    if !push_load(out, lines[start]) {
        out.issue(
            start,
            "top header has no load average this reader knows (another locale?)",
        );
    }
    let mut i = start + 1;
    while i < end && !is_top_table_header(lines[i]) {
        if !summary_line(out, &super::locale::top_summary(lines[i]), cpu_valid) {
            out.issue(
                i,
                format!(
                    "top summary line not read: `{}` (another locale?)",
                    lines[i].trim()
                ),
            );
        }
        i += 1;
    }
    if i == end {
        out.issue(start, "top block has no process table");
        return;
    }
    let header = super::locale::top_header(lines[i]);
    read_table(out, &header, (i + 1..end).map(|j| (j, lines[j])), |_| false);
}

/// The process table's header: a PID column first, in any known locale.
fn is_top_table_header(line: &str) -> bool {
    let mut words = line.split_whitespace();
    words.next().map(super::locale::top_column) == Some("PID") && words.next().is_some()
}

/// Reads one summary line; false when it is not one this reader knows
/// (blank lines and the first iteration's CPU shares count as read).
fn summary_line(out: &mut Out, line: &str, cpu_valid: bool) -> bool {
    let l = line.trim_start();
    if l.is_empty() {
        return true;
    }
    // `top -H` counts threads where `top` counts tasks.
    let counted = [("Tasks:", "tasks"), ("Threads:", "threads")]
        .into_iter()
        .find_map(|(label, kind)| l.strip_prefix(label).map(|rest| (kind, rest)));
    if let Some((kind, rest)) = counted {
        for part in rest.split(',') {
            let mut w = part.split_whitespace();
            if let (Some(n), Some(what)) = (w.next(), w.next()) {
                if let Ok(v) = n.parse::<f64>() {
                    out.push(&format!("{kind}.{what}"), &[], v);
                }
            }
        }
    } else if l.to_ascii_lowercase().contains("cpu(s)") || l.starts_with("%Cpu") {
        // `%CPU(s):` under de_DE.
        if !cpu_valid {
            return true;
        }
        for c in CPU_PAIR.captures_iter(l) {
            let name = match &c[2] {
                "us" => "user",
                "sy" => "system",
                "ni" => "nice",
                "id" => "idle",
                "wa" => "iowait",
                "hi" => "irq",
                "si" => "softirq",
                _ => "steal",
            };
            if let Some(v) = decimal(&c[1]) {
                out.push(&format!("cpu.{name}_pct"), &[], v);
            }
        }
    } else if l.contains("Mem") || l.contains("Swap") {
        return top_memory(out, l);
    } else {
        return false;
    }
    true
}

/// `MiB Mem :  24105.1 total, ...` (procps-ng) or `Mem:  8061256k total`
/// (procps 3.2); false when no figure was found.
fn top_memory(out: &mut Out, l: &str) -> bool {
    let scale = match l.get(..3) {
        Some("KiB") => KIB,
        Some("MiB") => KIB * KIB,
        Some("GiB") => KIB * KIB * KIB,
        Some("TiB") => KIB.powi(4),
        _ => KIB,
    };
    let is_swap = l.contains("Swap");
    let mut found = false;
    for c in MEM_PAIR.captures_iter(l) {
        let unit = match c[2].to_ascii_lowercase().as_str() {
            "k" => KIB,
            "m" => KIB * KIB,
            "g" => KIB.powi(3),
            "t" => KIB.powi(4),
            _ => scale,
        };
        let Some(n) = decimal(&c[1]) else { continue };
        let metric = match (&c[3], is_swap) {
            ("avail Mem", _) => "mem.available_bytes",
            ("total", false) => "mem.total_bytes",
            ("used", false) => "mem.used_bytes",
            ("free", false) => "mem.free_bytes",
            ("buff/cache", _) => "mem.buff_cache_bytes",
            ("total", true) => "swap.total_bytes",
            ("used", true) => "swap.used_bytes",
            ("free", true) => "swap.free_bytes",
            _ => continue,
        };
        out.push(metric, &[], n * unit);
        found = true;
    }
    found
}

static HTOP_METER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(Mem|Swp)\[[^\]]*?([\d.]+[KMGTP]?)/([\d.]+[KMGTP]?)\]").unwrap());

/// A text capture of htop's screen: meters and the process table.
pub fn parse_htop(ctx: &SnapshotCtx, text: &str) -> Result<Parsed, FileIssue> {
    let clean = strip_ansi(text);
    let lines: Vec<&str> = clean.lines().collect();
    let mut out = Out::new(ctx, None)?;
    let mut header_at = None;
    for (i, line) in lines.iter().enumerate() {
        for c in HTOP_METER.captures_iter(line) {
            let (used, total) = (size_or_plain(&c[2], KIB), size_or_plain(&c[3], KIB));
            let prefix = if &c[1] == "Mem" { "mem" } else { "swap" };
            if let (Some(u), Some(t)) = (used, total) {
                out.push(&format!("{prefix}.used_bytes"), &[], u);
                out.push(&format!("{prefix}.total_bytes"), &[], t);
            }
        }
        if let Some(pos) = line.find("Load average:") {
            let nums: Vec<f64> = line[pos + 13..]
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            for (name, v) in ["load.1m", "load.5m", "load.15m"].iter().zip(nums) {
                out.push(name, &[], v);
            }
        }
        if line.trim_start().starts_with("PID") {
            header_at = Some(i);
            break;
        }
    }
    match header_at {
        Some(h) => read_table(
            &mut out,
            lines[h],
            (h + 1..lines.len()).map(|j| (j, lines[j])),
            |l| l.trim_start().starts_with("F1"),
        ),
        None => out.issue(
            lines.len().saturating_sub(1),
            "htop capture has no process table",
        ),
    }
    Ok(out.parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        let cases = [
            (
                "node --max-old-space-size=96 /srv/app/worker.js",
                "node worker.js",
            ),
            ("/usr/lib/postgresql/15/bin/postgres -D /data", "postgres"),
            (
                "postgres: shop_app shop 127.0.0.1(33658) idle",
                "postgres: shop_app shop backend",
            ),
            ("postgres: checkpointer ", "postgres: checkpointer"),
            ("[kworker/0:0H-kblockd]", "[kworker/0:0H-kblockd]"),
            ("/usr/bin/python3 -u /opt/job.py --x", "python3 job.py"),
        ];
        for (cmd, want) in cases {
            assert_eq!(short_command(cmd), want);
        }
    }

    #[test]
    fn htop_sort_marker_separates_names() {
        let names: Vec<&str> =
            header_cells("  PID USER  RES▽  SHR S  CPU%▽MEM%   TIME+  Command").collect();
        assert_eq!(
            names,
            ["PID", "USER", "RES", "SHR", "S", "CPU%", "MEM%", "TIME+", "Command"]
        );
    }

    #[test]
    fn htop_capture_with_ansi() {
        let text = "\x1b[1m  1  [\x1b[32m|||     12.0%\x1b[0m]   Tasks: 45, 120 thr; 1 running\n  \
                    Mem[\x1b[32m||||||\x1b[0m        1.50G/7.70G]   Load average: 0.50 0.30 0.20\n  \
                    Swp[                 0K/2.00G]   Uptime: 01:02:03\n\n\
                    \x1b[30;42m  PID USER      PRI  NI  VIRT   RES   SHR S CPU% MEM%   TIME+  Command\x1b[0m\n \
                    1234 app        20   0 1.2G  512M 10240 S 50.0  6.5  1:02.03 /usr/bin/node server.js\n\
                    F1Help  F2Setup F3Search\n";
        let ctx = SnapshotCtx {
            path: "htop.txt",
            host: "h",
            fallback_time: Some((
                "2026-12-04T10:00:00Z".parse().unwrap(),
                crate::model::TimeSource::Mtime,
            )),
        };
        let p = parse_htop(&ctx, text).unwrap();
        let get = |m: &str| p.samples.iter().find(|s| s.metric == m).map(|s| s.value);
        assert_eq!(get("proc.rss_bytes"), Some(512.0 * KIB * KIB));
        assert_eq!(get("load.1m"), Some(0.5));
        assert_eq!(get("mem.total_bytes"), Some(7.7 * KIB * KIB * KIB));
        assert!(p.issues.is_empty(), "{:?}", p.issues);
    }
}
