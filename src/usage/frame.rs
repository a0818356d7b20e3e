//! Samples as a polars frame (`time`, `host`, `metric`, `labels`, `value`),
//! for bucketing and for the Parquet/CSV exports of `batch`.

use crate::model::Sample;
use polars::prelude::*;

/// One row per sample; `time` in milliseconds since the epoch (UTC) and
/// `labels` as `k=v` pairs joined by commas.
pub fn to_frame(samples: &[Sample]) -> PolarsResult<DataFrame> {
    let time: Vec<i64> = samples.iter().map(|s| s.time.as_millisecond()).collect();
    let labels: Vec<String> = samples
        .iter()
        .map(|s| {
            s.labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    let time =
        Series::new("time".into(), time).cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?;
    DataFrame::new_infer_height(vec![
        time.into(),
        Column::new(
            "host".into(),
            samples.iter().map(|s| s.host.as_str()).collect::<Vec<_>>(),
        ),
        Column::new(
            "metric".into(),
            samples
                .iter()
                .map(|s| s.metric.as_str())
                .collect::<Vec<_>>(),
        ),
        Column::new("labels".into(), labels),
        Column::new(
            "value".into(),
            samples.iter().map(|s| s.value).collect::<Vec<_>>(),
        ),
    ])
}
