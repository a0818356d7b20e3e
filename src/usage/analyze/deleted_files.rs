//! `df` far above `du`: space held by deleted files still open.

use super::*;

/// `df` used far above what `du` counts at the same mount point: space held
/// by deleted files that a process still has open.
pub(super) fn df_above_du(samples: &[Sample]) -> Vec<Finding> {
    let mut du: BTreeMap<(&str, &str, Timestamp), &Sample> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.metric == "du.bytes") {
        du.insert((s.host.as_str(), s.label("path").unwrap_or(""), s.time), s);
    }
    let mut worst: BTreeMap<(&str, &str), (f64, &Sample, &Sample)> = BTreeMap::new();
    for s in samples.iter().filter(|s| s.metric == "disk.used_bytes") {
        let mount = s.label("mount").unwrap_or("");
        // The du taken closest in time (within a minute) at that mount point.
        let near = du
            .range(
                (s.host.as_str(), mount, Timestamp::MIN)..=(s.host.as_str(), mount, Timestamp::MAX),
            )
            .min_by_key(|(k, _)| (k.2.as_second() - s.time.as_second()).abs())
            .filter(|(k, _)| (k.2.as_second() - s.time.as_second()).abs() <= 60);
        let Some((_, d)) = near else { continue };
        let gap = s.value - d.value;
        if gap > (100.0 * MIB).max(0.2 * s.value) {
            let e = worst.entry((s.host.as_str(), mount)).or_insert((gap, s, d));
            if gap > e.0 {
                *e = (gap, s, d);
            }
        }
    }
    worst
        .into_iter()
        .map(|((host, mount), (gap, df, du))| Finding {
            kind: "usage.deleted_open_files".into(),
            tier: Tier::System,
            title: format!("{mount}: df counts {} more than du finds", human(gap)),
            detail: format!(
                "On {host} at {}, df says {} used on {mount} but du finds {}: {} is likely held by \
                 deleted files still open (check `lsof +L1`; restarting the holder frees it).",
                hhmmss(df.time),
                human(df.value),
                human(du.value),
                human(gap)
            ),
            score: 65.0,
            time: Some(df.time),
            end: None,
            evidence: vec![
                evidence(df, format!("df used {}", human(df.value))),
                evidence(du, format!("du {}", human(du.value))),
            ],
        })
        .collect()
}
