//! Gauges that jump: live rows, dead tuples, table and database sizes.

use super::*;

/// One gauge reading: the dump, its row and the value.
pub(super) type Point<'a> = (&'a PgDump, &'a PgRow, f64);

/// A gauge that at least doubled and grew by `floor` between the first
/// dump and its peak.
pub(super) fn jump(
    a: &mut PgAnalysis,
    table: &str,
    vals: &[Point],
    col: &str,
    what: &str,
    floor: f64,
) {
    let (Some(first), Some(peak)) = (vals.first(), vals.iter().max_by(|x, y| x.2.total_cmp(&y.2)))
    else {
        return;
    };
    if peak.2 < 2.0 * first.2 || peak.2 - first.2 < floor {
        return;
    }
    let is_size = col.ends_with("bytes");
    let fmt = |v: f64| if is_size { human(v) } else { format!("{v:.0}") };
    let hours = (peak.0.time.as_millisecond() - first.0.time.as_millisecond()) as f64 / 3.6e6;
    a.findings.push(Finding {
        kind: format!("pg.{}_jump", if is_size { "size" } else { col }),
        tier: Tier::Data,
        title: format!(
            "{what} of {table} jumped {:.1}x to {}",
            peak.2 / first.2.max(1.0),
            fmt(peak.2)
        ),
        detail: format!(
            "{table}: {what} {} at {} → {} at {} ({} per hour).",
            fmt(first.2),
            hms(first.0.time),
            fmt(peak.2),
            hms(peak.0.time),
            fmt((peak.2 - first.2) / hours.max(1e-9))
        ),
        score: 42.0,
        time: Some(first.0.time),
        end: Some(peak.0.time),
        evidence: vec![
            ev(first.0, Some(first.1), format!("{col} {}", fmt(first.2))),
            ev(peak.0, Some(peak.1), format!("{col} {}", fmt(peak.2))),
        ],
    });
}

pub(super) fn size_of(r: &PgRow, exact: &str, pretty: &str) -> Option<f64> {
    r.num(exact)
        .or_else(|| crate::usage::units::parse_size(r.get(pretty)?))
}

pub(super) fn sizes(a: &mut PgAnalysis, view: PgView, series: &[&PgDump]) {
    let (key, metric, label) = match view {
        PgView::TableSizes => ("relname", "pg.table.total_bytes", "table"),
        _ => ("datname", "pg.db.size_bytes", "datname"),
    };
    let mut by: BTreeMap<String, Vec<Point>> = BTreeMap::new();
    for d in series {
        for r in &d.rows {
            let Some(name) = r.get(key) else { continue };
            let v = if view == PgView::TableSizes {
                size_of(r, "total_bytes", "total_size")
            } else {
                size_of(r, "size_bytes", "size")
            };
            if let Some(v) = v {
                a.samples
                    .push(sample(d, metric, vec![(label.into(), name.into())], v));
                by.entry(name.to_string()).or_default().push((d, r, v));
            }
        }
    }
    for (name, pts) in by {
        let subject = if view == PgView::TableSizes {
            "table"
        } else {
            "database"
        };
        jump(
            a,
            &format!("{subject} {name}"),
            &pts,
            "bytes",
            "size",
            10.0 * 1024.0 * 1024.0,
        );
    }
}
