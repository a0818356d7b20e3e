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

/// The highest value of each series per time bucket of `bucket_secs`
/// seconds: columns `host`, `metric`, `labels`, `bucket` (start of the
/// bucket, ms since the epoch) and `value_max`, in first-seen
/// order. Used to line up tools sampled at slightly different instants.
// The eager `GroupBy::max` is deprecated in favour of lazy aggregations,
// which need polars' `lazy` feature (minutes more of build); it moves to
// `lazy()` the day the crate enables that feature for another reason.
#[allow(deprecated)]
pub fn bucket_max(samples: &[Sample], bucket_secs: i64) -> PolarsResult<DataFrame> {
    let width = bucket_secs.max(1) * 1000;
    let buckets: Vec<i64> = samples
        .iter()
        .map(|s| s.time.as_millisecond().div_euclid(width) * width)
        .collect();
    let mut df = to_frame(samples)?;
    df.with_column(Column::new("bucket".into(), buckets))?;
    df.group_by_stable(["host", "metric", "labels", "bucket"])?
        .select(["value"])
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TimeSource;

    #[test]
    fn buckets_keep_the_maximum() {
        let at = |s: i64, v: f64| Sample {
            time: jiff::Timestamp::from_second(1_800_000_000 + s).unwrap(),
            host: "h".into(),
            metric: "load.1m".into(),
            labels: vec![],
            value: v,
            source: "x".into(),
            time_source: TimeSource::Path,
        };
        let df = bucket_max(&[at(0, 1.0), at(20, 3.0), at(65, 2.0)], 60).unwrap();
        assert_eq!(df.height(), 2);
        let max = df.column("value_max").unwrap().f64().unwrap();
        assert_eq!(max.get(0), Some(3.0));
        assert_eq!(max.get(1), Some(2.0));
    }
}
