//! The rows one incident contributes to the batch tables, taken from its
//! (already redacted) report. Kept beside the incident's reports as
//! `rows.json`, so a resumed run rebuilds the tables without analyzing
//! the bundle again.

use crate::report::Report;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// One row of `incidents`: one input bundle.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IncidentRow {
    pub incident_id: String,
    /// The bundle's path as given.
    pub source: String,
    /// `analyzed`, `no-recognised-files`, `duplicate` or `failed`.
    pub status: String,
    pub error: Option<String>,
    /// For a duplicate: the source of the copy that was analyzed.
    pub duplicate_of: Option<String>,
    pub start: Option<Timestamp>,
    pub end: Option<Timestamp>,
    pub collection_time: Option<Timestamp>,
    pub hosts: Vec<String>,
    pub files: u64,
    pub records: u64,
    pub signatures: u64,
    pub findings: u64,
    pub changes: u64,
    pub top_finding_kind: Option<String>,
    pub top_finding_tier: Option<String>,
    pub top_finding_title: Option<String>,
}

impl IncidentRow {
    /// A row for a bundle that was not analyzed.
    pub fn bare(id: &str, source: &str, status: &str) -> IncidentRow {
        IncidentRow {
            incident_id: id.into(),
            source: source.into(),
            status: status.into(),
            error: None,
            duplicate_of: None,
            start: None,
            end: None,
            collection_time: None,
            hosts: vec![],
            files: 0,
            records: 0,
            signatures: 0,
            findings: 0,
            changes: 0,
            top_finding_kind: None,
            top_finding_tier: None,
            top_finding_title: None,
        }
    }

    /// Seconds of time the incident's logs cover (at least one), the
    /// exposure for rates.
    pub fn covered_secs(&self) -> f64 {
        match (self.start, self.end) {
            (Some(s), Some(e)) => {
                ((e.as_millisecond() - s.as_millisecond()) as f64 / 1000.0).max(1.0)
            }
            _ => 1.0,
        }
    }

    /// The time that orders incidents: start, else collection time.
    pub fn when(&self) -> Option<Timestamp> {
        self.start.or(self.collection_time)
    }
}

/// One row of `signatures`: a template, once per run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct SignatureRow {
    pub signature_id: String,
    pub template: String,
    pub tier: String,
    pub severity: String,
    /// The knowledge-base entry it matched.
    pub kb_kind: Option<String>,
}

/// One row of `occurrences`: a signature in an incident.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OccurrenceRow {
    pub incident_id: String,
    pub signature_id: String,
    pub count: u64,
    pub first_seen: Option<Timestamp>,
    pub last_seen: Option<Timestamp>,
    pub hosts: Vec<String>,
    pub sources: Vec<String>,
    /// `one-off`, `burst`, `periodic`, `bursty` or `steady`.
    pub pattern: String,
}

/// One row of `changes`: a dependency change seen in an incident.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChangeRow {
    pub incident_id: String,
    pub ecosystem: String,
    pub package: String,
    pub kind: String,
    pub from_version: Option<String>,
    pub to_version: Option<String>,
    pub direct: Option<bool>,
    pub flags: Vec<String>,
    pub time: Option<Timestamp>,
    pub before: String,
    pub after: String,
}

/// One row of `findings`: a ranked finding of an incident.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FindingRow {
    pub incident_id: String,
    /// 1 for the top finding.
    pub rank: u64,
    pub kind: String,
    pub tier: String,
    pub title: String,
    /// Kept in `rows.json` as text, so a resumed run reads back the very
    /// value a fresh run writes (see `exact_f64`).
    #[serde(with = "exact_f64")]
    pub score: f64,
    pub time: Option<Timestamp>,
    pub end: Option<Timestamp>,
    /// The first evidence, `path:line`.
    pub evidence: Option<String>,
}

/// An `f64` written as the text of its shortest form that reads back to
/// it (`7.8061799739838875`, `NaN`, `inf`) and read with Rust's own
/// parser, which is correctly rounded: serde_json's default number
/// parsing is not (it can miss by one unit in the last place, so a
/// resumed run's tables would differ from a fresh run's), and its
/// `float_roundtrip` feature would rebuild polars. A plain JSON number,
/// as earlier runs wrote, is still read.
mod exact_f64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{v:?}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Text(String),
            Number(f64),
        }
        match Repr::deserialize(d)? {
            Repr::Number(v) => Ok(v),
            Repr::Text(t) => t
                .parse()
                .map_err(|_| serde::de::Error::custom(format!("not a number: {t:?}"))),
        }
    }
}

/// Everything one incident contributes.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IncidentRows {
    pub incident: IncidentRow,
    pub signatures: Vec<SignatureRow>,
    pub occurrences: Vec<OccurrenceRow>,
    pub changes: Vec<ChangeRow>,
    pub findings: Vec<FindingRow>,
}

/// The snake_case name serde gives an enum value.
pub(crate) fn name_of<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl IncidentRows {
    /// The rows of an analyzed incident.
    pub fn from_report(id: &str, source: &str, report: &Report) -> IncidentRows {
        let recognised = report.inventory.iter().any(|e| e.status != "skipped");
        let top = report.findings.first();
        let incident = IncidentRow {
            incident_id: id.into(),
            source: source.into(),
            status: if recognised {
                "analyzed"
            } else {
                "no-recognised-files"
            }
            .into(),
            error: None,
            duplicate_of: None,
            start: report.bundle.start,
            end: report.bundle.end,
            collection_time: report.bundle.collection_time,
            hosts: report.bundle.hosts.clone(),
            files: report.bundle.files as u64,
            records: report.bundle.records,
            signatures: report.signatures.len() as u64,
            findings: report.findings.len() as u64,
            changes: report.changes.len() as u64,
            top_finding_kind: top.map(|f| f.kind.clone()),
            top_finding_tier: top.map(|f| name_of(&f.tier)),
            top_finding_title: top.map(|f| f.title.clone()),
        };
        let signatures = report
            .signatures
            .iter()
            .map(|s| SignatureRow {
                signature_id: s.id.clone(),
                template: s.template.clone(),
                tier: name_of(&s.tier),
                severity: s.severity.as_str().into(),
                kb_kind: s.kind.clone(),
            })
            .collect();
        let occurrences = report
            .signatures
            .iter()
            .map(|s| OccurrenceRow {
                incident_id: id.into(),
                signature_id: s.id.clone(),
                count: s.count,
                first_seen: s.first_seen,
                last_seen: s.last_seen,
                hosts: s.hosts.iter().map(|(h, _)| h.clone()).collect(),
                sources: s.sources.iter().map(|(p, _)| p.clone()).collect(),
                pattern: s.recurrence.into(),
            })
            .collect();
        let changes = report
            .changes
            .iter()
            .map(|c| ChangeRow {
                incident_id: id.into(),
                ecosystem: c.ecosystem.clone(),
                package: c.package.clone(),
                kind: c.kind.clone(),
                from_version: c.from.clone(),
                to_version: c.to.clone(),
                direct: c.direct,
                flags: c.flags.clone(),
                time: c.time,
                before: c.before.clone(),
                after: c.after.clone(),
            })
            .collect();
        let findings = report
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| FindingRow {
                incident_id: id.into(),
                rank: i as u64 + 1,
                kind: f.kind.clone(),
                tier: name_of(&f.tier),
                title: f.title.clone(),
                score: f.score,
                time: f.time,
                end: f.end,
                evidence: f.evidence.first().map(|e| match e.line {
                    Some(l) => format!("{}:{l}", e.path),
                    None => e.path.clone(),
                }),
            })
            .collect();
        IncidentRows {
            incident,
            signatures,
            occurrences,
            changes,
            findings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(score: f64) -> FindingRow {
        FindingRow {
            incident_id: "0123456789abcdef".into(),
            rank: 1,
            kind: "pg.refused".into(),
            tier: "data".into(),
            title: "refused".into(),
            score,
            time: None,
            end: None,
            evidence: None,
        }
    }

    #[test]
    fn finding_scores_round_trip_through_rows_json_exactly() {
        // The score QA saw turn into 7.806179973983888 on a resumed run.
        let lossy: f64 = serde_json::from_str("7.8061799739838875").unwrap();
        assert_ne!(lossy.to_bits(), 7.806_179_973_983_887_5_f64.to_bits());
        for score in [
            7.806_179_973_983_887_5,
            0.1 + 0.2,
            1e-300,
            2.5,
            f64::INFINITY,
        ] {
            let text = serde_json::to_string(&finding(score)).unwrap();
            let back: FindingRow = serde_json::from_str(&text).unwrap();
            assert_eq!(back.score.to_bits(), score.to_bits(), "{text}");
        }
        let text = serde_json::to_string(&finding(f64::NAN)).unwrap();
        assert!(text.contains(r#""score":"NaN""#), "{text}");
        let back: FindingRow = serde_json::from_str(&text).unwrap();
        assert!(back.score.is_nan());
        // rows.json written before this change holds plain numbers.
        let old = text.replace(r#""NaN""#, "2.5");
        assert_eq!(serde_json::from_str::<FindingRow>(&old).unwrap().score, 2.5);
    }
}
