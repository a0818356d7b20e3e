//! psql's output forms read back into rows: aligned (with wrapped and
//! multi-line cells and the `(N rows)` footer), unaligned (`-A`), CSV
//! (`--csv`), expanded (`-x`) and JSON (one `row_to_json` object per line,
//! or one `json_agg` array).
//!
//! # Limitations
//! Aligned cells are cut at the character positions of the `----+----`
//! rule, which matches psql's padding for text whose characters are one
//! column wide; wide characters (CJK, emoji) fall back to splitting on `|`.
//! Unaligned output cannot tell a `|` inside a value from a separator:
//! extra fields are folded into the last column. A table cut right at a
//! line end is only noticed when psql's footer is missing; one cut inside a
//! line is known by its missing line end, and that line is not read. JSON numbers pass
//! through `f64`, so a 17-digit value may differ in its last digit.

use serde::Serialize;
use std::collections::BTreeMap;

/// The psql output form of a dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PgFormat {
    Aligned,
    Unaligned,
    Csv,
    Expanded,
    Json,
}

/// One row: its first line (1-based) and its cells by column name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PgRow {
    pub line: u64,
    pub cells: BTreeMap<String, String>,
}

impl PgRow {
    pub fn get(&self, col: &str) -> Option<&str> {
        self.cells
            .get(col)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    pub fn num(&self, col: &str) -> Option<f64> {
        self.get(col).and_then(|v| v.trim().parse().ok())
    }
}

/// A table read back, with the problems met (line, message).
#[derive(Debug, Default)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<PgRow>,
    pub issues: Vec<(Option<u64>, String)>,
}

/// Which form the text is in, from its first lines.
pub fn detect_format(text: &str) -> Option<PgFormat> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next()?.trim_start();
    let second = lines.next().unwrap_or("").trim();
    Some(if first.starts_with("-[ RECORD") {
        PgFormat::Expanded
    } else if first.starts_with('{') || first.starts_with('[') {
        PgFormat::Json
    } else if !second.is_empty() && second.chars().all(|c| c == '-' || c == '+') {
        PgFormat::Aligned
    } else if first.contains('|') {
        PgFormat::Unaligned
    } else if first.contains(',') {
        PgFormat::Csv
    } else {
        return None;
    })
}

pub fn read(format: PgFormat, text: &str) -> Table {
    // JSON rows fail to parse when cut; the other forms would take a row
    // cut inside a number for a whole one.
    let (body, cut) = match format {
        PgFormat::Json => (text, None),
        _ => without_cut_line(text),
    };
    let mut t = match format {
        PgFormat::Aligned => aligned(body),
        PgFormat::Unaligned => unaligned(body),
        PgFormat::Csv => csv(body),
        PgFormat::Expanded => expanded(body),
        PgFormat::Json => json(body),
    };
    if let Some(line) = cut {
        t.issues.insert(
            0,
            (
                Some(line),
                "the file ends mid-line (cut mid-row?): its last line was not read".into(),
            ),
        );
    }
    t
}

/// psql ends every output with a line end: a last line without one was
/// cut (disk full, `head -c`, a copy cut short). Returns the text without
/// it and its 1-based number; a footer so cut is kept.
fn without_cut_line(text: &str) -> (&str, Option<u64>) {
    let Some(nl) = text.rfind('\n') else {
        return (text, None);
    };
    let last = &text[nl + 1..];
    if last.trim().is_empty() || footer(last).is_some() {
        return (text, None);
    }
    let line = text[..=nl].matches('\n').count() as u64 + 1;
    (&text[..=nl], Some(line))
}

fn row(line: usize, columns: &[String], values: Vec<String>) -> PgRow {
    PgRow {
        line: line as u64 + 1,
        cells: columns.iter().cloned().zip(values).collect(),
    }
}

/// `(12 rows)` / `(1 row)`: the count.
fn footer(line: &str) -> Option<usize> {
    let inner = line.trim().strip_prefix('(')?.strip_suffix(')')?;
    let n = inner
        .strip_suffix(" rows")
        .or_else(|| inner.strip_suffix(" row"))?;
    n.trim().parse().ok()
}

fn check_footer(t: &mut Table, found: Option<(usize, usize)>, last_line: usize) {
    match found {
        Some((n, at)) if n != t.rows.len() => t.issues.push((
            Some(at as u64 + 1),
            format!("footer says {n} rows, {} were read", t.rows.len()),
        )),
        Some(_) => {}
        None => t.issues.push((
            Some(last_line as u64 + 1),
            "no `(N rows)` footer: the table may be cut short".into(),
        )),
    }
}

fn aligned(text: &str) -> Table {
    let lines: Vec<&str> = text.lines().collect();
    let mut t = Table::default();
    let Some(d) = lines.iter().position(|l| {
        let l = l.trim();
        !l.is_empty() && l.chars().all(|c| c == '-' || c == '+')
    }) else {
        return t;
    };
    let rule: Vec<char> = lines[d].chars().collect();
    // Column segments between the `+` of the rule.
    let mut segs = Vec::new();
    let mut start = 0;
    for (i, c) in rule.iter().enumerate() {
        if *c == '+' {
            segs.push((start, i));
            start = i + 1;
        }
    }
    segs.push((start, rule.len()));
    let head_start = lines[..d]
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(d);
    t.columns = vec![String::new(); segs.len()];
    for line in &lines[head_start..d] {
        for (i, (cell, _)) in cut(line, &segs).into_iter().enumerate() {
            t.columns[i].push_str(cell.trim());
        }
    }
    let mut found_footer = None;
    let mut pending: Option<(usize, Vec<String>, Vec<char>)> = None;
    let mut last = d;
    for (i, line) in lines.iter().enumerate().skip(d + 1) {
        if let Some(n) = footer(line) {
            found_footer = Some((n, i));
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        last = i;
        let cells = cut(line, &segs);
        let complete_line = line.chars().count() > segs[segs.len() - 1].0 || segs.len() == 1;
        if !complete_line {
            t.issues.push((
                Some(i as u64 + 1),
                format!("row cut short: {} characters", line.len()),
            ));
            pending = None;
            continue;
        }
        match pending.take() {
            Some((at, mut vals, marks)) => {
                for (k, (cell, _)) in cells.iter().enumerate() {
                    match marks.get(k) {
                        Some('+') => vals[k] = format!("{}\n{}", vals[k], cell.trim_end()),
                        Some('.') => vals[k].push_str(cell.trim_end()),
                        _ => {}
                    }
                }
                let marks: Vec<char> = cells.iter().map(|c| c.1).collect();
                pending = Some((at, vals, marks));
            }
            None => {
                let vals = cells.iter().map(|c| c.0.trim().to_string()).collect();
                let marks = cells.iter().map(|c| c.1).collect();
                pending = Some((i, vals, marks));
            }
        }
        if let Some((at, vals, marks)) = pending.take() {
            if marks.iter().any(|m| *m == '+' || *m == '.') {
                pending = Some((at, vals, marks));
            } else {
                t.rows.push(row(at, &t.columns, vals));
            }
        }
    }
    if let Some((at, vals, _)) = pending {
        t.issues.push((
            Some(at as u64 + 1),
            "last row's continuation lines are missing".into(),
        ));
        t.rows.push(row(at, &t.columns, vals));
    }
    check_footer(&mut t, found_footer, last);
    t
}

/// Cells of one aligned line and the marker psql put after each (`+`
/// newline follows, `.` wrapped, else space).
fn cut(line: &str, segs: &[(usize, usize)]) -> Vec<(String, char)> {
    let chars: Vec<char> = line.chars().collect();
    let aligned = segs[..segs.len() - 1]
        .iter()
        .all(|(_, e)| chars.get(*e) == Some(&'|'));
    if !aligned {
        // Wide characters shift the positions: split on the bars instead.
        let mut parts: Vec<String> = line.splitn(segs.len(), '|').map(str::to_string).collect();
        parts.resize(segs.len(), String::new());
        return parts
            .into_iter()
            .map(|p| {
                let trimmed = p.trim_end();
                match trimmed.strip_suffix(" +") {
                    Some(v) => (v.to_string(), '+'),
                    None => (trimmed.to_string(), ' '),
                }
            })
            .collect();
    }
    // psql pads every cell to its column's width and writes the marker in
    // the padding column right before the next bar (or the line's end).
    segs.iter()
        .map(|(s, e)| {
            let marker_at = e.saturating_sub(1);
            let marker = chars
                .get(marker_at)
                .copied()
                .filter(|c| *c == '+' || *c == '.');
            let body_end = if marker.is_some() {
                marker_at
            } else {
                (*e).min(chars.len())
            };
            let body: String = chars
                .get(s + 1..body_end.max(s + 1))
                .map(|c| c.iter().collect())
                .unwrap_or_default();
            (body, marker.unwrap_or(' '))
        })
        .collect()
}

fn unaligned(text: &str) -> Table {
    let lines: Vec<&str> = text.lines().collect();
    let mut t = Table::default();
    let Some(h) = lines.iter().position(|l| !l.trim().is_empty()) else {
        return t;
    };
    t.columns = lines[h].split('|').map(|c| c.trim().to_string()).collect();
    let n = t.columns.len();
    let last_col = t.columns[n - 1].clone();
    let mut found_footer = None;
    let mut last = h;
    for (i, line) in lines.iter().enumerate().skip(h + 1) {
        if let Some(c) = footer(line) {
            found_footer = Some((c, i));
            break;
        }
        last = i;
        let vals: Vec<String> = line.splitn(n, '|').map(|v| v.trim().to_string()).collect();
        if vals.len() == n {
            t.rows.push(row(i, &t.columns, vals));
        } else if let Some(prev) = t.rows.last_mut() {
            // A value with newlines: psql prints them raw, so the rest of
            // the last column spills onto the next lines.
            if let Some(v) = prev.cells.get_mut(&last_col) {
                v.push('\n');
                v.push_str(line.trim_end());
            }
        } else if !line.trim().is_empty() {
            t.issues.push((
                Some(i as u64 + 1),
                format!("row has {} of {n} fields: cut mid-row?", vals.len()),
            ));
        }
    }
    check_footer(&mut t, found_footer, last);
    t
}

/// RFC 4180 records with their starting line.
fn csv_records(text: &str) -> (Vec<(usize, Vec<String>)>, bool) {
    let mut out = Vec::new();
    let (mut rec, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut line, mut start) = (false, 0, 0);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => rec.push(std::mem::take(&mut field)),
            ('\n', false) => {
                rec.push(std::mem::take(&mut field));
                out.push((start, std::mem::take(&mut rec)));
                line += 1;
                start = line;
            }
            ('\r', false) => {}
            (c, _) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c)
            }
        }
    }
    if !field.is_empty() || !rec.is_empty() {
        rec.push(field);
        out.push((start, rec));
    }
    (out, quoted)
}

fn csv(text: &str) -> Table {
    let mut t = Table::default();
    let (mut recs, open_quote) = csv_records(text);
    if open_quote {
        let at = recs.pop().map(|(l, _)| l as u64 + 1);
        t.issues.push((
            at,
            "file ends inside a quoted value: row cut mid-way".into(),
        ));
    }
    let mut it = recs
        .into_iter()
        .filter(|(_, r)| !(r.len() == 1 && r[0].is_empty()));
    let Some((_, header)) = it.next() else {
        return t;
    };
    t.columns = header;
    for (at, vals) in it {
        if vals.len() != t.columns.len() {
            t.issues.push((
                Some(at as u64 + 1),
                format!(
                    "row has {} of {} fields: cut mid-row?",
                    vals.len(),
                    t.columns.len()
                ),
            ));
            continue;
        }
        t.rows.push(row(at, &t.columns, vals));
    }
    t
}

fn expanded(text: &str) -> Table {
    let mut t = Table::default();
    let mut cur: Option<(usize, Vec<(String, String)>)> = None;
    let mut records: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("-[ RECORD") {
            records.extend(cur.take());
            cur = Some((i, Vec::new()));
            continue;
        }
        let Some((_, fields)) = cur.as_mut() else {
            continue;
        };
        let Some((k, v)) = line.split_once('|') else {
            if !line.trim().is_empty() && footer(line).is_none() {
                t.issues.push((
                    Some(i as u64 + 1),
                    format!(
                        "expected `name | value`, found `{}`",
                        crate::model::excerpt(line, 60)
                    ),
                ));
            }
            continue;
        };
        let v = v.strip_prefix(' ').unwrap_or(v);
        let key = k.trim();
        match fields.last_mut() {
            // Continuation of a multi-line (`+`) or wrapped (`.`) value.
            Some((_, prev)) if key.is_empty() => {
                if let Some(p) = prev.strip_suffix('+') {
                    *prev = format!("{}\n{}", p.trim_end(), v.trim_end());
                } else {
                    let p = prev.strip_suffix('.').unwrap_or(prev).to_string();
                    *prev = p + v.trim_end();
                }
            }
            _ => fields.push((key.to_string(), v.trim_end().to_string())),
        }
    }
    records.extend(cur);
    let Some(first) = records.first() else {
        return t;
    };
    t.columns = first.1.iter().map(|(k, _)| k.clone()).collect();
    let n = t.columns.len();
    for (at, fields) in records {
        if fields.len() < n {
            let after = fields.last().map(|f| f.0.clone()).unwrap_or_default();
            t.issues.push((
                Some(at as u64 + 1),
                format!(
                    "record has {} of {n} fields (cut after `{after}`)",
                    fields.len()
                ),
            ));
            continue;
        }
        t.rows.push(PgRow {
            line: at as u64 + 1,
            cells: fields.into_iter().collect(),
        });
    }
    t
}

fn json_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn json(text: &str) -> Table {
    let mut t = Table::default();
    let objects: Vec<(usize, Result<serde_json::Value, String>)> =
        if text.trim_start().starts_with('[') {
            match serde_json::from_str::<Vec<serde_json::Value>>(text.trim()) {
                Ok(v) => v.into_iter().map(|o| (0, Ok(o))).collect(),
                Err(e) => vec![(e.line().saturating_sub(1), Err(e.to_string()))],
            }
        } else {
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .map(|(i, l)| (i, serde_json::from_str(l).map_err(|e| e.to_string())))
                .collect()
        };
    for (at, obj) in objects {
        match obj {
            Ok(serde_json::Value::Object(map)) => {
                for k in map.keys() {
                    if !t.columns.contains(k) {
                        t.columns.push(k.clone());
                    }
                }
                let cells = map
                    .iter()
                    .map(|(k, v)| (k.clone(), json_value(v)))
                    .collect();
                t.rows.push(PgRow {
                    line: at as u64 + 1,
                    cells,
                });
            }
            Ok(_) => t
                .issues
                .push((Some(at as u64 + 1), "expected a JSON object per row".into())),
            Err(e) => t.issues.push((
                Some(at as u64 + 1),
                format!("unreadable JSON row (cut mid-row?): {e}"),
            )),
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_multiline_and_wrapped_cells() {
        let text = " id | query      | calls \n----+------------+-------\n  1 | SELECT    +|     3\n    | 1          | \n  2 | a very lon.|     4\n    | g one      | \n(2 rows)\n";
        let t = aligned(text);
        assert_eq!(t.columns, ["id", "query", "calls"]);
        assert_eq!(t.rows.len(), 2, "{:?}", t.issues);
        assert_eq!(t.rows[0].get("query"), Some("SELECT\n1"));
        assert_eq!(t.rows[1].get("query"), Some("a very long one"));
        assert_eq!(t.rows[1].get("calls"), Some("4"));
        assert!(t.issues.is_empty(), "{:?}", t.issues);
    }

    #[test]
    fn cut_dumps_keep_what_was_read() {
        let t = aligned(" a | b \n---+---\n 1 | 2\n 3 \n");
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.issues.len(), 2, "{:?}", t.issues);
        let t = expanded("-[ RECORD 1 ]\na | 1\nb | 2\n-[ RECORD 2 ]\na | 3\n");
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.issues[0].0, Some(4));
        let t = csv("a,b\n1,2\n3,\"x\n");
        assert_eq!(t.rows.len(), 1);
        assert!(!t.issues.is_empty());
        let t = json("{\"a\":1}\n{\"a\":");
        assert_eq!((t.rows.len(), t.issues.len()), (1, 1));
    }
}
