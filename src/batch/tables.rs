//! The batch tables as polars frames, written as Parquet and CSV, and the
//! recurrence of each signature across incidents.
//!
//! Layout under `OUTDIR/tables/`: `<table>/shard=I-of-N/<table>.parquet`
//! (and `.csv` beside it) for the tables a shard can fill on its own
//! (`incidents`, `signatures`, `occurrences`, `changes`, `findings`), so
//! DuckDB, Spark and Trino read every shard as one hive-partitioned
//! dataset; and `recurrence/recurrence.parquet`, which needs every
//! incident and is written by an unsharded run or by `batch --merge`.

use super::rows::*;
use crate::analysis::contrast::{self, RateChange};
use jiff::Timestamp;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Columns built one at a time.
#[derive(Default)]
struct Frame(Vec<Column>);

impl Frame {
    fn text<'a>(mut self, name: &str, v: impl Iterator<Item = &'a str>) -> Self {
        self.0.push(Column::new(name.into(), v.collect::<Vec<_>>()));
        self
    }
    fn opt_text<'a>(mut self, name: &str, v: impl Iterator<Item = Option<&'a str>>) -> Self {
        self.0.push(Column::new(name.into(), v.collect::<Vec<_>>()));
        self
    }
    /// A list of strings per row: a list column in Parquet, joined with
    /// commas in CSV (see [`write`]). One builder for the column: a
    /// series a row reserved a buffer of its own for its few strings,
    /// 35 MB for the 4,300 rows of 200 small incidents (massif).
    fn list<'a>(mut self, name: &str, v: impl Iterator<Item = &'a Vec<String>>) -> Self {
        let mut list = ListStringChunkedBuilder::new(name.into(), v.size_hint().0, 0);
        for l in v {
            list.append_values_iter(l.iter().map(String::as_str));
        }
        // Typed even with no rows, so every shard's file has one schema.
        self.0.push(list.finish().into_series().into());
        self
    }
    fn uint(mut self, name: &str, v: impl Iterator<Item = u64>) -> Self {
        self.0.push(Column::new(name.into(), v.collect::<Vec<_>>()));
        self
    }
    fn float(mut self, name: &str, v: impl Iterator<Item = Option<f64>>) -> Self {
        self.0.push(Column::new(name.into(), v.collect::<Vec<_>>()));
        self
    }
    fn flag(mut self, name: &str, v: impl Iterator<Item = Option<bool>>) -> Self {
        self.0.push(Column::new(name.into(), v.collect::<Vec<_>>()));
        self
    }
    fn time(
        mut self,
        name: &str,
        v: impl Iterator<Item = Option<Timestamp>>,
    ) -> PolarsResult<Self> {
        let ms: Vec<Option<i64>> = v.map(|t| t.map(|t| t.as_millisecond())).collect();
        let s = Int64Chunked::from_iter_options(name.into(), ms.into_iter())
            .into_datetime(TimeUnit::Milliseconds, Some(polars::prelude::TimeZone::UTC))
            .into_series();
        self.0.push(s.into());
        Ok(self)
    }
    fn done(self) -> PolarsResult<DataFrame> {
        DataFrame::new_infer_height(self.0)
    }
}

pub fn incidents(rows: &[IncidentRow]) -> PolarsResult<DataFrame> {
    Frame::default()
        .text("incident_id", rows.iter().map(|r| r.incident_id.as_str()))
        .text("source", rows.iter().map(|r| r.source.as_str()))
        .text("status", rows.iter().map(|r| r.status.as_str()))
        .opt_text("error", rows.iter().map(|r| r.error.as_deref()))
        .opt_text(
            "duplicate_of",
            rows.iter().map(|r| r.duplicate_of.as_deref()),
        )
        .time("start", rows.iter().map(|r| r.start))?
        .time("end", rows.iter().map(|r| r.end))?
        .time("collection_time", rows.iter().map(|r| r.collection_time))?
        .list("hosts", rows.iter().map(|r| &r.hosts))
        .uint("files", rows.iter().map(|r| r.files))
        .uint("records", rows.iter().map(|r| r.records))
        .uint("signatures", rows.iter().map(|r| r.signatures))
        .uint("findings", rows.iter().map(|r| r.findings))
        .uint("changes", rows.iter().map(|r| r.changes))
        .opt_text(
            "top_finding_kind",
            rows.iter().map(|r| r.top_finding_kind.as_deref()),
        )
        .opt_text(
            "top_finding_tier",
            rows.iter().map(|r| r.top_finding_tier.as_deref()),
        )
        .opt_text(
            "top_finding_title",
            rows.iter().map(|r| r.top_finding_title.as_deref()),
        )
        .done()
}

pub fn signatures(rows: &[SignatureRow]) -> PolarsResult<DataFrame> {
    Frame::default()
        .text("signature_id", rows.iter().map(|r| r.signature_id.as_str()))
        .text("template", rows.iter().map(|r| r.template.as_str()))
        .text("tier", rows.iter().map(|r| r.tier.as_str()))
        .text("severity", rows.iter().map(|r| r.severity.as_str()))
        .opt_text("kb_kind", rows.iter().map(|r| r.kb_kind.as_deref()))
        .done()
}

pub fn occurrences(rows: &[OccurrenceRow]) -> PolarsResult<DataFrame> {
    Frame::default()
        .text("incident_id", rows.iter().map(|r| r.incident_id.as_str()))
        .text("signature_id", rows.iter().map(|r| r.signature_id.as_str()))
        .uint("count", rows.iter().map(|r| r.count))
        .time("first_seen", rows.iter().map(|r| r.first_seen))?
        .time("last_seen", rows.iter().map(|r| r.last_seen))?
        .list("hosts", rows.iter().map(|r| &r.hosts))
        .list("sources", rows.iter().map(|r| &r.sources))
        .text("pattern", rows.iter().map(|r| r.pattern.as_str()))
        .done()
}

pub fn changes(rows: &[ChangeRow]) -> PolarsResult<DataFrame> {
    Frame::default()
        .text("incident_id", rows.iter().map(|r| r.incident_id.as_str()))
        .text("ecosystem", rows.iter().map(|r| r.ecosystem.as_str()))
        .text("package", rows.iter().map(|r| r.package.as_str()))
        .text("kind", rows.iter().map(|r| r.kind.as_str()))
        .opt_text(
            "from_version",
            rows.iter().map(|r| r.from_version.as_deref()),
        )
        .opt_text("to_version", rows.iter().map(|r| r.to_version.as_deref()))
        .flag("direct", rows.iter().map(|r| r.direct))
        .list("flags", rows.iter().map(|r| &r.flags))
        .time("time", rows.iter().map(|r| r.time))?
        .text("before", rows.iter().map(|r| r.before.as_str()))
        .text("after", rows.iter().map(|r| r.after.as_str()))
        .done()
}

pub fn findings(rows: &[FindingRow]) -> PolarsResult<DataFrame> {
    Frame::default()
        .text("incident_id", rows.iter().map(|r| r.incident_id.as_str()))
        .uint("rank", rows.iter().map(|r| r.rank))
        .text("kind", rows.iter().map(|r| r.kind.as_str()))
        .text("tier", rows.iter().map(|r| r.tier.as_str()))
        .text("title", rows.iter().map(|r| r.title.as_str()))
        .float("score", rows.iter().map(|r| Some(r.score)))
        .time("time", rows.iter().map(|r| r.time))?
        .time("end", rows.iter().map(|r| r.end))?
        .opt_text("evidence", rows.iter().map(|r| r.evidence.as_deref()))
        .done()
}

/// How one signature recurs across the archive.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct RecurrenceRow {
    pub signature_id: String,
    pub template: String,
    pub tier: String,
    pub severity: String,
    /// Incidents it was seen in, and their ids in time order.
    pub incidents: u64,
    pub incident_ids: Vec<String>,
    pub total_count: u64,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    /// The later half of the incidents (in time order) against the
    /// earlier half: `new`, `gone`, `up`, `down` or `same` by
    /// [`contrast::rate_test`] with each half's covered time as exposure,
    /// Benjamini–Hochberg adjusted across signatures; null with fewer
    /// than two incidents.
    pub trend: Option<String>,
    pub ratio: Option<f64>,
    pub p_value: Option<f64>,
    pub q_value: Option<f64>,
    /// `trend` is `new` or `up`.
    pub rising: bool,
    /// Seen in the latest incident and in no earlier one.
    pub new_in_latest: bool,
}

/// The incidents that were analyzed, in time order (start, else
/// collection time; undated last), ties by id.
pub fn time_order(incidents: &[IncidentRow]) -> Vec<&IncidentRow> {
    let mut v: Vec<&IncidentRow> = incidents
        .iter()
        .filter(|r| r.status == "analyzed")
        .collect();
    v.sort_by(|a, b| {
        (a.when().is_none(), a.when(), &a.incident_id).cmp(&(
            b.when().is_none(),
            b.when(),
            &b.incident_id,
        ))
    });
    v.dedup_by(|a, b| a.incident_id == b.incident_id);
    v
}

/// Recurrence of every signature seen in an analyzed incident, most
/// incidents first, then by id.
pub fn recurrence(
    incidents: &[IncidentRow],
    sigs: &[SignatureRow],
    occ: &[OccurrenceRow],
) -> Vec<RecurrenceRow> {
    let order = time_order(incidents);
    let pos: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, r)| (r.incident_id.as_str(), i))
        .collect();
    let half = order.len() / 2;
    let secs = |range: std::ops::Range<usize>| -> f64 {
        order[range].iter().map(|r| r.covered_secs()).sum::<f64>()
    };
    let (early_secs, late_secs) = (secs(0..half), secs(half..order.len()));
    let info: BTreeMap<&str, &SignatureRow> =
        sigs.iter().map(|s| (s.signature_id.as_str(), s)).collect();
    let mut by_sig: BTreeMap<&str, Vec<&OccurrenceRow>> = BTreeMap::new();
    for o in occ
        .iter()
        .filter(|o| pos.contains_key(o.incident_id.as_str()))
    {
        by_sig.entry(o.signature_id.as_str()).or_default().push(o);
    }
    let latest = order.len().checked_sub(1);
    let mut rows: Vec<RecurrenceRow> = Vec::new();
    let mut tests = Vec::new();
    for (id, mut os) in by_sig {
        os.sort_by_key(|o| pos[o.incident_id.as_str()]);
        let ids: Vec<String> = os.iter().map(|o| o.incident_id.clone()).collect();
        let distinct: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let (mut early, mut late) = (0u64, 0u64);
        for o in &os {
            if pos[o.incident_id.as_str()] < half {
                early += o.count;
            } else {
                late += o.count;
            }
        }
        let test =
            (order.len() >= 2).then(|| contrast::rate_test(early, early_secs, late, late_secs));
        let s = info.get(id);
        let first_pos = pos[os[0].incident_id.as_str()];
        rows.push(RecurrenceRow {
            signature_id: id.to_string(),
            template: s.map(|s| s.template.clone()).unwrap_or_default(),
            tier: s.map(|s| s.tier.clone()).unwrap_or_default(),
            severity: s.map(|s| s.severity.clone()).unwrap_or_default(),
            incidents: distinct.len() as u64,
            incident_ids: ids,
            total_count: os.iter().map(|o| o.count).sum(),
            first_seen: os.iter().filter_map(|o| o.first_seen).min(),
            last_seen: os.iter().filter_map(|o| o.last_seen).max(),
            trend: None,
            ratio: test.as_ref().map(|t| t.ratio),
            p_value: test.as_ref().map(|t| t.p_value),
            q_value: None,
            rising: false,
            new_in_latest: latest.is_some_and(|l| first_pos == l && l > 0),
        });
        tests.push(test);
    }
    let p: Vec<f64> = tests.iter().flatten().map(|t| t.p_value).collect();
    let mut q = contrast::adjust(&p).into_iter();
    for (row, test) in rows.iter_mut().zip(&tests) {
        if let Some(t) = test {
            let qv = q.next().unwrap_or(1.0);
            let class = t.class(qv);
            row.q_value = Some(qv);
            row.rising = matches!(class, RateChange::New | RateChange::Up);
            row.trend = Some(class.as_str().into());
        }
    }
    rows.sort_by(|a, b| {
        b.incidents
            .cmp(&a.incidents)
            .then_with(|| a.signature_id.cmp(&b.signature_id))
    });
    rows
}

pub fn recurrence_frame(rows: &[RecurrenceRow]) -> PolarsResult<DataFrame> {
    Frame::default()
        .text("signature_id", rows.iter().map(|r| r.signature_id.as_str()))
        .text("template", rows.iter().map(|r| r.template.as_str()))
        .text("tier", rows.iter().map(|r| r.tier.as_str()))
        .text("severity", rows.iter().map(|r| r.severity.as_str()))
        .uint("incidents", rows.iter().map(|r| r.incidents))
        .list("incident_ids", rows.iter().map(|r| &r.incident_ids))
        .uint("total_count", rows.iter().map(|r| r.total_count))
        .time("first_seen", rows.iter().map(|r| r.first_seen))?
        .time("last_seen", rows.iter().map(|r| r.last_seen))?
        .opt_text("trend", rows.iter().map(|r| r.trend.as_deref()))
        .float(
            "ratio",
            rows.iter().map(|r| r.ratio.filter(|x| x.is_finite())),
        )
        .float("p_value", rows.iter().map(|r| r.p_value))
        .float("q_value", rows.iter().map(|r| r.q_value))
        .flag("rising", rows.iter().map(|r| Some(r.rising)))
        .flag("new_in_latest", rows.iter().map(|r| Some(r.new_in_latest)))
        .done()
}

/// Writes `df` as `dir/<name>.parquet` and `dir/<name>.csv`, each under a
/// temporary name first and renamed into place.
pub fn write(dir: &Path, name: &str, df: &mut DataFrame) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    super::remove_stale(dir, &format!("{name}.parquet"));
    super::remove_stale(dir, &format!("{name}.csv"));
    let parquet = dir.join(format!("{name}.parquet"));
    super::write_atomic(&parquet, |f| {
        ParquetWriter::new(f).finish(df)?;
        Ok(())
    })?;
    let mut flat = joined_lists(df)?;
    let csv = dir.join(format!("{name}.csv"));
    super::write_atomic(&csv, |f| {
        // RFC 3339 with its `Z`: the CSV cell says it is UTC.
        CsvWriter::new(f)
            .include_header(true)
            .with_datetime_format(Some("%Y-%m-%dT%H:%M:%S%.3fZ".into()))
            .finish(&mut flat)?;
        Ok(())
    })?;
    Ok(())
}

/// `df` as CSV can hold it: each list column joined into one
/// comma-separated string, as CSV has no lists, and every text cell a
/// spreadsheet would run as a formula given a leading `'`
/// ([`crate::model::defuse_formula`]; the Parquet file keeps the text).
fn joined_lists(df: &DataFrame) -> PolarsResult<DataFrame> {
    let defuse = |s: &str| crate::model::defuse_formula(s).into_owned();
    let columns = df
        .columns()
        .iter()
        .map(|c| {
            if let Ok(text) = c.str() {
                let cells: Vec<Option<String>> = text.iter().map(|v| v.map(defuse)).collect();
                return Ok(Column::new(c.name().clone(), cells));
            }
            let Ok(list) = c.list() else {
                return Ok(c.clone());
            };
            let joined: Vec<Option<String>> = list
                .amortized_iter()
                .map(|row| {
                    let row = row?;
                    let strings = row.as_ref().str().ok()?;
                    Some(defuse(
                        &strings.iter().flatten().collect::<Vec<_>>().join(","),
                    ))
                })
                .collect();
            Ok(Column::new(c.name().clone(), joined))
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new_infer_height(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn incident(id: &str, day: i64) -> IncidentRow {
        let mut r = IncidentRow::bare(id, &format!("{id}.tar.gz"), "analyzed");
        let t = |h: i64| Timestamp::from_second(1_796_342_400 + day * 86_400 + h * 3600).unwrap();
        (r.start, r.end) = (Some(t(0)), Some(t(1)));
        r
    }

    fn occ(incident: &str, sig: &str, count: u64) -> OccurrenceRow {
        OccurrenceRow {
            incident_id: incident.into(),
            signature_id: sig.into(),
            count,
            first_seen: None,
            last_seen: None,
            hosts: vec![],
            sources: vec![],
            pattern: "steady".into(),
        }
    }

    /// Four one-hour incidents, listed out of time order: `steady` is 100
    /// an hour in each, `rising` appears in the later two only, `latest`
    /// only in the last, and a failed bundle counts for nothing.
    /// QA: a template beginning `=` or `@` started a CSV cell as it was,
    /// which a spreadsheet runs as a formula; the Parquet file keeps it.
    #[test]
    fn csv_cells_are_no_formulas() {
        let mut df = DataFrame::new_infer_height(vec![
            Column::new("template".into(), ["=HYPERLINK(\"x\")", "GET /x", "-1.5"]),
            Column::new("count".into(), [1u64, 2, 3]),
        ])
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "t", &mut df).unwrap();
        let csv = std::fs::read_to_string(dir.path().join("t.csv")).unwrap();
        let rows: Vec<&str> = csv.lines().collect();
        assert_eq!(rows[1], "\"'=HYPERLINK(\"\"x\"\")\",1");
        assert_eq!(rows[2..], ["GET /x,2", "-1.5,3"]);
        let back = ParquetReader::new(std::fs::File::open(dir.path().join("t.parquet")).unwrap())
            .finish()
            .unwrap();
        let first = back.column("template").unwrap().str().unwrap().get(0);
        assert_eq!(first, Some("=HYPERLINK(\"x\")"));
    }

    #[test]
    fn recurrence_orders_by_time_and_tests_the_halves() {
        let mut failed = IncidentRow::bare("f", "f.tar.gz", "failed");
        failed.error = Some("f.tar.gz: not a readable archive".into());
        let incidents = vec![
            incident("c", 3),
            incident("a", 1),
            incident("d", 4),
            incident("b", 2),
            failed,
        ];
        let mut occurrences = vec![];
        for i in ["a", "b", "c", "d"] {
            occurrences.push(occ(i, "steady", 100));
        }
        occurrences.push(occ("c", "rising", 40));
        occurrences.push(occ("d", "rising", 60));
        occurrences.push(occ("d", "latest", 5));
        occurrences.push(occ("f", "latest", 1000));
        let rec = recurrence(&incidents, &[], &occurrences);
        let get = |id: &str| rec.iter().find(|r| r.signature_id == id).unwrap();
        let steady = get("steady");
        assert_eq!(steady.incidents, 4);
        assert_eq!(steady.incident_ids, ["a", "b", "c", "d"]);
        assert_eq!(steady.trend.as_deref(), Some("same"));
        assert!(!steady.rising && !steady.new_in_latest);
        let rising = get("rising");
        assert_eq!((rising.incidents, rising.total_count), (2, 100));
        assert_eq!(rising.trend.as_deref(), Some("new"));
        assert!(rising.rising);
        let latest = get("latest");
        assert!(latest.new_in_latest);
        // The failed bundle's rows are not counted.
        assert_eq!(latest.total_count, 5);
        // Most incidents first.
        assert_eq!(rec[0].signature_id, "steady");
    }
}
