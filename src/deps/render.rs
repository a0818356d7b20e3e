//! `outsidein deps OLD [NEW]`: one pair (or one diff) rendered as JSON or
//! Markdown.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use super::{analyze_files, DepFile, DepsOutcome};

/// `outsidein deps OLD [NEW] [--format json|markdown]`; NEW absent => OLD
/// is a unified diff. Writes to `out`, returns the process exit code (0 ok,
/// 1 input error).
pub fn cli(old: &Path, new: Option<&Path>, json: bool, out: &mut dyn Write) -> anyhow::Result<i32> {
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("reading {}", p.display()));
    let mut inputs = vec![(old.display().to_string(), read(old)?)];
    if let Some(n) = new {
        inputs.push((n.display().to_string(), read(n)?));
    }
    // The two sides are named by position, whatever their names say.
    let labels: Vec<String> = match inputs.len() {
        2 => vec![
            format!("before/{}", inputs[0].0),
            format!("after/{}", inputs[1].0),
        ],
        _ => vec![inputs[0].0.clone()],
    };
    let files: Vec<DepFile> = inputs
        .iter()
        .zip(&labels)
        .map(|((_, bytes), label)| DepFile {
            path: label,
            bytes,
            mtime: None,
        })
        .collect();
    let mut outcome = match files.as_slice() {
        [old, new] => super::series::analyze_pair(old, new),
        _ => analyze_files(&files),
    };
    relabel(&mut outcome, &labels, &inputs);
    if json {
        serde_json::to_writer_pretty(&mut *out, &outcome)?;
        writeln!(out)?;
    } else {
        write_markdown(&outcome, out)?;
    }
    let failed = outcome.files.iter().any(|f| f.status == "failed");
    Ok(i32::from(failed || outcome.files.is_empty()))
}

/// Puts the user's paths back in place of the positional labels.
fn relabel(o: &mut DepsOutcome, labels: &[String], inputs: &[(String, Vec<u8>)]) {
    let fix = |s: &mut String| {
        for (label, (path, _)) in labels.iter().zip(inputs) {
            if s.starts_with(label.as_str()) {
                *s = s.replacen(label.as_str(), path, 1);
            }
        }
    };
    o.changes.iter_mut().for_each(|c| {
        fix(&mut c.before);
        fix(&mut c.after);
    });
    // Messages name the files too (`after/x uses CRLF and before/y LF`).
    let fix_text = |s: &mut String| {
        for (label, (path, _)) in labels.iter().zip(inputs) {
            *s = s.replace(label.as_str(), path);
        }
    };
    o.issues.iter_mut().for_each(|i| {
        fix(&mut i.path);
        fix_text(&mut i.message);
    });
    o.files.iter_mut().for_each(|f| {
        fix(&mut f.path);
        f.reason.iter_mut().for_each(fix_text);
    });
    o.format_changes.iter_mut().for_each(|f| {
        fix(&mut f.before);
        fix(&mut f.after);
    });
    o.known_compromised
        .iter_mut()
        .for_each(|k| fix(&mut k.path));
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('`', "'")
}

fn write_markdown(o: &DepsOutcome, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "# Dependency changes\n")?;
    for f in &o.files {
        let reason = f
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        writeln!(
            out,
            "- `{}`: {}, {}, {}{}",
            f.path,
            f.format,
            crate::model::count(f.packages, "package", "packages"),
            f.status,
            reason
        )?;
    }
    if !o.issues.is_empty() {
        writeln!(out, "\n## Input problems\n")?;
        for i in &o.issues {
            writeln!(out, "- {i}")?;
        }
    }
    for f in &o.format_changes {
        let note = f
            .note
            .as_deref()
            .map(|n| format!("; {n}"))
            .unwrap_or_default();
        writeln!(out, "\nFormat changed: {} -> {}{note}", f.from, f.to)?;
    }
    for k in &o.known_compromised {
        writeln!(
            out,
            "\n**Known compromised**: {}@{} in `{}`: {}",
            k.package, k.version, k.path, k.note
        )?;
    }
    writeln!(out, "\n| package | kind | from | to | direct | flags |")?;
    writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
    for c in &o.changes {
        let direct = match (c.direct, &c.parent) {
            (Some(true), _) => "direct".to_string(),
            (_, Some(p)) => format!("via {p}"),
            (Some(false), None) => "transitive".to_string(),
            (None, None) => "?".to_string(),
        };
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&c.package),
            c.kind,
            cell(c.from.as_deref().unwrap_or("")),
            cell(c.to.as_deref().unwrap_or("")),
            cell(&direct),
            c.flags.join(", ")
        )?;
    }
    for k in &o.skew {
        let v: Vec<String> = k
            .instances
            .iter()
            .map(|i| format!("{} in `{}`", i.versions.join("+"), i.path))
            .collect();
        writeln!(out, "\nVersion skew: {} is {}", k.package, v.join(", "))?;
    }
    let nested = o
        .install_paths
        .iter()
        .filter(|p| p.kind == "changed")
        .count();
    if nested > 0 {
        writeln!(
            out,
            "\n{nested} npm install paths changed version (see the JSON `install_paths`)."
        )?;
    }
    writeln!(
        out,
        "\n{}.",
        crate::model::count(o.changes.len(), "change", "changes")
    )
}
