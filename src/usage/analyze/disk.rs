//! Disks filling (projected to full) and the directories that filled them.

use super::*;

/// Disks whose used space grows, with the `du` directories that grew.
pub(super) fn disk_filling(samples: &[Sample]) -> Vec<Finding> {
    let series = group(samples);
    let mounts: Vec<(String, String)> = series
        .keys()
        .filter(|(m, _, _)| m == "disk.used_bytes")
        .filter_map(|(_, h, l)| Some((h.clone(), l.iter().find(|(k, _)| k == "mount")?.1.clone())))
        .collect();
    let growth = du_growth(&series);
    let mut out = Vec::new();
    for ((metric, host, labels), pts) in &series {
        if metric != "disk.used_bytes" || pts.len() < 3 {
            continue;
        }
        let mount = labels
            .iter()
            .find(|(k, _)| k == "mount")
            .map(|(_, v)| v.as_str())
            .unwrap_or("?");
        let (first, last) = (pts[0], pts[pts.len() - 1]);
        let grown = last.value - first.value;
        let size = series_value(&series, "disk.size_bytes", host, labels).unwrap_or(0.0);
        let avail = series_value(&series, "disk.avail_bytes", host, labels).unwrap_or(0.0);
        let xy: Vec<(f64, f64)> = pts.iter().map(|s| (secs(s.time), s.value)).collect();
        let slope = theil_sen(&xy).unwrap_or(0.0);
        if grown < (10.0 * MIB).max(0.01 * size) || slope <= 0.0 {
            continue;
        }
        let dirs: Vec<&(String, f64, f64, f64)> = growth
            .iter()
            .filter(|(h, (path, ..))| h == host && mount_of(path, host, &mounts) == Some(mount))
            .map(|(_, rest)| rest)
            .collect();
        out.push(disk_finding(host, mount, pts, size, avail, slope, &dirs));
    }
    out
}

pub(super) fn series_value(
    series: &BTreeMap<crate::analysis::series::SeriesKey, Vec<&Sample>>,
    metric: &str,
    host: &str,
    labels: &[(String, String)],
) -> Option<f64> {
    let key = (metric.to_string(), host.to_string(), labels.to_vec());
    series.get(&key).and_then(|v| v.last()).map(|s| s.value)
}

/// The longest df mount point holding `path`.
pub(super) fn mount_of<'m>(
    path: &str,
    host: &str,
    mounts: &'m [(String, String)],
) -> Option<&'m str> {
    mounts
        .iter()
        .filter(|(h, m)| h == host && (path == m || m == "/" || path.starts_with(&format!("{m}/"))))
        .map(|(_, m)| m.as_str())
        .max_by_key(|m| m.len())
}

/// Per du path: growth not explained by a listed child, first, last, own
/// growth; largest first.
pub(super) type DuGrowth = (String, (String, f64, f64, f64));

pub(super) fn du_growth(
    series: &BTreeMap<crate::analysis::series::SeriesKey, Vec<&Sample>>,
) -> Vec<DuGrowth> {
    let mut rows: Vec<(String, String, f64, f64)> = Vec::new();
    for ((metric, host, labels), pts) in series {
        if metric != "du.bytes" || pts.len() < 2 {
            continue;
        }
        let path = labels
            .iter()
            .find(|(k, _)| k == "path")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        rows.push((host.clone(), path, pts[0].value, pts[pts.len() - 1].value));
    }
    let mut out: Vec<DuGrowth> = rows
        .iter()
        .map(|(host, path, a, b)| {
            let children: f64 = rows
                .iter()
                .filter(|(h, p, ..)| h == host && p.starts_with(&format!("{path}/")))
                .filter(|(h, p, ..)| {
                    // Only direct listed children, not grandchildren.
                    !rows.iter().any(|(h2, q, ..)| {
                        h2 == h
                            && q != p
                            && q.starts_with(&format!("{path}/"))
                            && p.starts_with(&format!("{q}/"))
                    })
                })
                .map(|(_, _, ca, cb)| cb - ca)
                .sum();
            (host.clone(), (path.clone(), *a, *b, (b - a) - children))
        })
        .filter(|(_, (_, _, _, own))| *own > 0.0)
        .collect();
    out.sort_by(|x, y| y.1 .3.total_cmp(&x.1 .3));
    out
}

pub(super) fn disk_finding(
    host: &str,
    mount: &str,
    pts: &[&Sample],
    size: f64,
    avail: f64,
    slope: f64,
    dirs: &[&(String, f64, f64, f64)],
) -> Finding {
    let (first, last) = (pts[0], pts[pts.len() - 1]);
    let full_at = pts.iter().find(|s| size > 0.0 && s.value >= 0.99 * size);
    let mut detail = format!(
        "{mount} on {host}: used {} → {} between {} and {} ({} per hour, Theil-Sen).",
        human(first.value),
        human(last.value),
        first.time.strftime("%H:%M:%S"),
        last.time.strftime("%H:%M:%S"),
        human(slope * 3600.0)
    );
    let title;
    if let Some(full) = full_at {
        detail.push_str(&format!(
            " Full ({} of {}) from {}.",
            human(full.value),
            human(size),
            hhmmss(full.time)
        ));
        title = format!("Disk {mount} filled up ({})", human(size));
    } else {
        let left = avail / slope;
        let when = last
            .time
            .checked_add(jiff::SignedDuration::from_secs(left as i64))
            .ok();
        if let Some(when) = when {
            detail.push_str(&format!(
                " {} free; projected full around {}.",
                human(avail),
                hhmmss(when)
            ));
        }
        title = format!(
            "Disk {mount} is filling ({} per hour)",
            human(slope * 3600.0)
        );
    }
    if !dirs.is_empty() {
        let grew: Vec<String> = dirs
            .iter()
            .take(3)
            .map(|(p, a, b, own)| format!("{p} {} → {} (+{})", human(*a), human(*b), human(*own)))
            .collect();
        detail.push_str(&format!(
            " Directories that grew (du): {}.",
            grew.join("; ")
        ));
    }
    Finding {
        kind: if full_at.is_some() {
            "usage.disk_full".into()
        } else {
            "usage.disk_filling".into()
        },
        tier: Tier::System,
        title,
        detail,
        score: if full_at.is_some() { 80.0 } else { 55.0 },
        time: Some(first.time),
        end: Some(last.time),
        evidence: vec![
            evidence(first, format!("{mount} used {}", human(first.value))),
            evidence(last, format!("{mount} used {}", human(last.value))),
        ],
    }
}

/// Directories whose own size (less their listed children) grew by half or
/// more, outside the mounts already reported as filling.
pub(super) fn dir_growth(samples: &[Sample], disks: &[Finding]) -> Vec<Finding> {
    let series = group(samples);
    let grown: Vec<DuGrowth> = du_growth(&series)
        .into_iter()
        .filter(|(_, (path, a, _, own))| {
            *own >= (10.0 * MIB).max(0.5 * a)
                && !disks.iter().any(|d| d.title.contains(path.as_str()))
        })
        .collect();
    let Some((host, (top_path, ..))) = grown.first() else {
        return Vec::new();
    };
    let key = |p: &str| {
        (
            "du.bytes".to_string(),
            host.clone(),
            vec![("path".to_string(), p.to_string())],
        )
    };
    let pts = series.get(&key(top_path)).cloned().unwrap_or_default();
    let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
        return Vec::new();
    };
    let hours = (secs(last.time) - secs(first.time)).max(1.0) / 3600.0;
    let list: Vec<String> = grown
        .iter()
        .take(3)
        .map(|(_, (p, a, b, own))| {
            format!(
                "{p} {} → {} (+{}, {} per hour)",
                human(*a),
                human(*b),
                human(*own),
                human(own / hours)
            )
        })
        .collect();
    vec![Finding {
        kind: "usage.dir_growth".into(),
        tier: Tier::System,
        title: format!("{top_path} grew by {}", human(grown[0].1 .3)),
        detail: format!(
            "Between {} and {} on {host}, du saw these directories grow: {}.",
            hhmmss(first.time),
            hhmmss(last.time),
            list.join("; ")
        ),
        score: 45.0,
        time: Some(first.time),
        end: Some(last.time),
        evidence: vec![
            evidence(first, format!("{top_path} {}", human(first.value))),
            evidence(last, format!("{top_path} {}", human(last.value))),
        ],
    }]
}
