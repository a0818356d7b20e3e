//! Counter deltas between consecutive dumps of one view, the rates they
//! give, and the change of column set between two dumps.

use super::*;

/// One row's counter deltas between two consecutive dumps.
pub(super) struct Delta<'a> {
    pub(super) key: String,
    pub(super) row: &'a PgRow,
    pub(super) dump: &'a PgDump,
    pub(super) prev: &'a PgDump,
    pub(super) secs: f64,
    pub(super) values: BTreeMap<&'static str, f64>,
    /// Absent from the previous dump.
    pub(super) new: bool,
    pub(super) reset: bool,
}

pub(super) fn row_key(row: &PgRow, cols: &[&str]) -> String {
    cols.iter()
        .filter_map(|c| row.get(c))
        .collect::<Vec<_>>()
        .join(".")
}

pub(super) fn deltas<'a>(
    series: &[&'a PgDump],
    key: &[&str],
    counters: &[&'static str],
) -> Vec<Delta<'a>> {
    let mut out = Vec::new();
    // The last dump each row was seen in, for rows a dump lost.
    let mut seen: BTreeMap<String, (&'a PgDump, &'a PgRow)> = BTreeMap::new();
    if let Some(&first) = series.first() {
        seen.extend(first.rows.iter().map(|r| (row_key(r, key), (first, r))));
    }
    for pair in series.windows(2) {
        let (prev, cur) = (pair[0], pair[1]);
        if cur.time <= prev.time {
            continue;
        }
        let before: BTreeMap<String, &PgRow> =
            prev.rows.iter().map(|r| (row_key(r, key), r)).collect();
        for row in &cur.rows {
            let k = row_key(row, key);
            let base = match before.get(&k) {
                Some(r) => Some((prev, *r)),
                // The previous dump lost the row (it was cut short, or
                // it lists the top N and the row fell out of it for a
                // while): compare with the last dump that had it. A
                // counter lower than there was reset (an evicted
                // pg_stat_statements entry made anew).
                None => seen.get(&k).copied(),
            };
            let from = base.map_or(prev, |b| b.0);
            let old = base.map(|b| b.1);
            out.push(delta(k, row, cur, from, old, counters));
        }
        seen.extend(cur.rows.iter().map(|r| (row_key(r, key), (cur, r))));
    }
    out
}

/// A row's counter deltas against its `old` reading in dump `from`.
pub(super) fn delta<'a>(
    key: String,
    row: &'a PgRow,
    dump: &'a PgDump,
    from: &'a PgDump,
    old: Option<&'a PgRow>,
    counters: &[&'static str],
) -> Delta<'a> {
    let secs = (dump.time.as_millisecond() - from.time.as_millisecond()) as f64 / 1000.0;
    let reset = old.is_some_and(|o| {
        o.get("stats_reset").is_some() && o.get("stats_reset") != row.get("stats_reset")
    });
    let mut values = BTreeMap::new();
    let mut went_down = false;
    for c in counters {
        let Some(now) = row.num(c) else { continue };
        let then = old.and_then(|o| o.num(c));
        let d = match (old, then) {
            (_, Some(t)) if !reset && now >= t => now - t,
            (_, Some(_)) => {
                went_down = true;
                now
            }
            // A row new since the previous dump counts from zero.
            (None, None) => now,
            // The previous dump lacks the column (another major version,
            // another query): no delta can be told.
            (Some(_), None) => continue,
        };
        values.insert(*c, d);
    }
    Delta {
        key,
        row,
        dump,
        prev: from,
        secs,
        values,
        new: old.is_none(),
        reset: reset || went_down,
    }
}

pub(super) fn push_rates(out: &mut Vec<Sample>, prefix: &str, label: &str, d: &Delta) {
    if d.reset {
        // Kept visible: a reset explains a rate that starts over.
        let labels = vec![(label.to_string(), d.key.clone())];
        out.push(sample(
            d.dump,
            &format!("{prefix}.counter_reset"),
            labels,
            1.0,
        ));
    }
    for (c, v) in &d.values {
        let labels = vec![(label.to_string(), d.key.clone())];
        out.push(sample(
            d.dump,
            &format!("{prefix}.{c}_per_s"),
            labels,
            v / d.secs,
        ));
    }
}

/// A dump whose column set differs from the one before it: where, what
/// changed, and the versions the two sets imply.
pub(super) fn column_changes(series: &[&PgDump]) -> Vec<FileIssue> {
    let mut out = Vec::new();
    for pair in series.windows(2) {
        let (prev, cur) = (pair[0], pair[1]);
        let (added, missing) = crate::postgres::versions::column_diff(&cur.columns, &prev.columns);
        if added.is_empty() && missing.is_empty() {
            continue;
        }
        let version = |d: &PgDump| {
            d.min_version()
                .map_or("12 or later".to_string(), |v| format!("{v} or later"))
        };
        let mut message = format!(
            "columns differ from the previous {} dump ({}, Postgres {}; this one Postgres {})",
            cur.view.name(),
            prev.path,
            version(prev),
            version(cur)
        );
        if !added.is_empty() {
            message.push_str(&format!("; added {}", added.join(", ")));
        }
        if !missing.is_empty() {
            message.push_str(&format!("; missing {}", missing.join(", ")));
        }
        message.push_str(": deltas use the columns both have");
        // The header line in table forms; the first record in the others.
        let line = match cur.format {
            crate::postgres::PgFormat::Expanded | crate::postgres::PgFormat::Json => {
                cur.rows.first().map(|r| r.line)
            }
            _ => Some(1),
        };
        out.push(FileIssue {
            path: cur.path.clone(),
            line,
            message,
        });
    }
    out
}
