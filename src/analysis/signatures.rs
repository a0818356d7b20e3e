//! From framed records to signatures: mine templates over every record's
//! first line, then count each template per host, source and route, note
//! its first and last time, and classify it with the knowledge base.

use super::kb::KbEntryDef;
use super::pipeline::{Evidence, Item, Parsed};
use crate::logs::Record;
use crate::model::{excerpt, Evidence as Ev, Severity, Tier};
use crate::report::model::Signature;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// A signature with what the correlation step needs beyond the report row.
pub(crate) struct SigAgg {
    pub row: Signature,
    pub kb: Option<KbEntryDef>,
    /// Times of every occurrence, sorted.
    pub times: Vec<Timestamp>,
    /// The last occurrence, as evidence.
    pub last: Ev,
    /// Every occurrence in time order, as evidence, for start, restart,
    /// stop and deploy signatures only (the timeline marks each one); at
    /// most [`MAX_LIFECYCLE_MARKS`], spread evenly over them in time with
    /// the first and the last kept.
    pub occurrences: Vec<Ev>,
    /// Occurrences with a time that `occurrences` leaves out.
    pub occurrences_omitted: u64,
    /// The first occurrence's whole message with its continuation lines
    /// (a stack trace), at most 8 KiB.
    pub stack: String,
}

/// The tier a record speaks for when no knowledge-base entry says.
pub(crate) fn tier_of_format(format: &str) -> Tier {
    match format {
        "postgres-stderr" | "redis" | "mysql-error" => Tier::Data,
        "nginx-combined" | "nginx-error" | "apache-error" | "aws-alb" | "heroku" => {
            Tier::Networking
        }
        "syslog-rfc3164" | "syslog-iso" | "syslog-rfc5424" | "kernel-dmesg"
        | "kernel-dmesg-ctime" => Tier::System,
        _ => Tier::Application,
    }
}

/// Most occurrences of one start, restart, stop or deploy signature that
/// the timeline marks one by one; a crash loop beyond this is marked at
/// that many points spread over it, and says how many it left out.
pub(crate) const MAX_LIFECYCLE_MARKS: usize = 64;

fn records(items: &[Item]) -> Vec<(&Item, &str, &Record)> {
    items
        .iter()
        .filter_map(|it| match &it.parsed {
            Parsed::Log { log, .. } => Some((it, log.format.as_str(), &log.records)),
            _ => None,
        })
        .flat_map(|(it, fmt, recs)| recs.iter().map(move |r| (it, fmt, r)))
        .collect()
}

fn evidence(it: &Item, r: &Record) -> Ev {
    Ev {
        path: it.path.clone(),
        line: Some(r.line),
        time: r.time,
        excerpt: excerpt(r.head(), 240),
    }
}

/// The occurrences of a lifecycle signature in time order (ties by file
/// and line): all of them up to [`MAX_LIFECYCLE_MARKS`], else that many
/// spread evenly from the first to the last; and how many were left out.
fn lifecycle_occurrences(mut timed: Vec<(&Item, &Record)>) -> (Vec<Ev>, u64) {
    timed.sort_by_key(|(it, r)| (r.time, it.path.clone(), r.line));
    let n = timed.len();
    if n <= MAX_LIFECYCLE_MARKS {
        return (
            timed.into_iter().map(|(it, r)| evidence(it, r)).collect(),
            0,
        );
    }
    let kept = spread(n, MAX_LIFECYCLE_MARKS)
        .map(|i| evidence(timed[i].0, timed[i].1))
        .collect();
    (kept, (n - MAX_LIFECYCLE_MARKS) as u64)
}

/// `k` indices spread evenly over `0..n` (at least two of each), the
/// first and the last among them.
pub(super) fn spread(n: usize, k: usize) -> impl Iterator<Item = usize> {
    (0..k).map(move |j| j * (n - 1) / (k - 1))
}

fn ranked(m: BTreeMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<_> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// How a signature recurs over the span of the bundle's logs: once; in one
/// burst (all within a tenth of the span); periodically (gaps within 30 %
/// of their median, with the period); in bursts (gaps varying more than
/// 1.5 times their mean); or steadily.
pub(crate) fn recurrence(times: &[Timestamp], span_s: f64) -> (&'static str, Option<f64>) {
    if times.len() < 2 {
        return ("one-off", None);
    }
    let secs: Vec<f64> = times
        .iter()
        .map(|t| t.as_millisecond() as f64 / 1000.0)
        .collect();
    let own = secs[secs.len() - 1] - secs[0];
    if span_s > 0.0 && own <= 0.1 * span_s {
        return ("burst", None);
    }
    let gaps: Vec<f64> = secs.windows(2).map(|w| w[1] - w[0]).collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let sd = (gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64).sqrt();
    let mut sorted = gaps.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let regular = gaps.len() >= 2 && gaps.iter().all(|g| (g - median).abs() <= 0.3 * median);
    if regular && median > 0.0 {
        ("periodic", Some((median * 1000.0).round() / 1000.0))
    } else if mean > 0.0 && sd / mean > 1.5 {
        ("bursty", None)
    } else {
        ("steady", None)
    }
}

/// Mines and aggregates every record of the bundle.
pub(crate) fn build(ev: &Evidence) -> Vec<SigAgg> {
    let recs = records(ev.items);
    let messages: Vec<&str> = recs.iter().map(|(_, _, r)| r.head()).collect();
    let mined = crate::signature::mine(&messages);
    let all_times = recs.iter().filter_map(|(_, _, r)| r.time);
    let ev_span = match (all_times.clone().min(), all_times.max()) {
        (Some(a), Some(b)) => b.duration_since(a).as_secs_f64(),
        _ => 0.0,
    };
    struct Acc<'a> {
        hosts: BTreeMap<String, u64>,
        sources: BTreeMap<String, u64>,
        routes: BTreeMap<String, u64>,
        times: Vec<Timestamp>,
        severity: Severity,
        first: Option<(&'a Item, &'a Record)>,
        last: Option<(&'a Item, &'a Record)>,
        /// Every occurrence with a time, for templates whose first record
        /// reads as a start, restart, stop or deploy.
        timed: Vec<(&'a Item, &'a Record)>,
        lifecycle: bool,
        format: &'a str,
    }
    let mut accs: Vec<Option<Acc>> = (0..mined.templates.len()).map(|_| None).collect();
    for (&(it, fmt, r), &t) in recs.iter().zip(&mined.assignment) {
        let acc = accs[t as usize].get_or_insert_with(|| Acc {
            hosts: BTreeMap::new(),
            sources: BTreeMap::new(),
            routes: BTreeMap::new(),
            times: Vec::new(),
            severity: Severity::Trace,
            first: None,
            last: None,
            timed: Vec::new(),
            lifecycle: ev.kb.classify(r.head()).is_some_and(|k| k.lifecycle),
            format: fmt,
        });
        let host = r.host.clone().unwrap_or_else(|| it.host.clone());
        *acc.hosts.entry(host).or_default() += 1;
        *acc.sources.entry(it.source().to_string()).or_default() += 1;
        // Routes by shape, ids as `<n>` and the query left out: thirteen
        // failures of `/api/products/<n>` read as one route, not as
        // thirteen ids of which the top three are shown.
        if let Some(route) = &r.route {
            *acc.routes
                .entry(super::explain::route_shape(route))
                .or_default() += 1;
        }
        acc.severity = acc.severity.max(r.severity);
        if let Some(t) = r.time {
            acc.times.push(t);
            if acc.lifecycle {
                acc.timed.push((it, r));
            }
            let earlier = |cur: Option<(&Item, &Record)>| cur.is_none_or(|(_, c)| c.time > Some(t));
            let later = |cur: Option<(&Item, &Record)>| cur.is_none_or(|(_, c)| c.time <= Some(t));
            if earlier(acc.first) {
                acc.first = Some((it, r));
            }
            if later(acc.last) {
                acc.last = Some((it, r));
            }
        } else if acc.first.is_none() {
            acc.first = Some((it, r));
            acc.last = Some((it, r));
        }
    }
    let mut out: Vec<SigAgg> = mined
        .templates
        .into_iter()
        .zip(accs)
        .filter_map(|(tpl, acc)| {
            let mut acc = acc?;
            acc.times.sort();
            let (fi, fr) = acc.first?;
            let (li, lr) = acc.last?;
            let kb = ev.kb.classify(fr.head()).cloned();
            let tier = kb
                .as_ref()
                .map(|k| k.tier)
                .unwrap_or_else(|| tier_of_format(acc.format));
            let recurs = recurrence(&acc.times, ev_span);
            let (occurrences, occurrences_omitted) = if kb.as_ref().is_some_and(|k| k.lifecycle) {
                lifecycle_occurrences(acc.timed)
            } else {
                (Vec::new(), 0)
            };
            Some(SigAgg {
                row: Signature {
                    id: tpl.id,
                    template: tpl.text,
                    count: tpl.count,
                    first_seen: acc.times.first().copied(),
                    last_seen: acc.times.last().copied(),
                    hosts: ranked(acc.hosts),
                    sources: ranked(acc.sources),
                    severity: acc.severity,
                    tier,
                    kind: kb.as_ref().map(|k| k.kind.clone()),
                    routes: ranked(acc.routes),
                    params: tpl.params,
                    example: evidence(fi, fr),
                    recurrence: recurs.0,
                    period_s: recurs.1,
                },
                kb,
                times: acc.times,
                last: evidence(li, lr),
                occurrences,
                occurrences_omitted,
                stack: fr.message[..fr.message.floor_char_boundary(8192)].to_string(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.row
            .count
            .cmp(&a.row.count)
            .then_with(|| a.row.id.cmp(&b.row.id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::recurrence;
    use jiff::Timestamp;

    fn at(secs: &[i64]) -> Vec<Timestamp> {
        secs.iter()
            .map(|s| Timestamp::from_second(1_764_000_000 + s).unwrap())
            .collect()
    }

    #[test]
    fn recurrence_patterns() {
        let span = 3000.0;
        assert_eq!(recurrence(&at(&[5]), span), ("one-off", None));
        assert_eq!(recurrence(&at(&[0, 10, 20, 30]), span), ("burst", None));
        // The shared bundle's worker restarts: about every 108 s.
        assert_eq!(
            recurrence(&at(&[0, 108, 217, 325]), span),
            ("periodic", Some(108.0))
        );
        assert_eq!(
            recurrence(&at(&[0, 1, 2, 3, 1800, 1801, 1802, 3500]), span).0,
            "bursty"
        );
        assert_eq!(
            recurrence(&at(&[0, 500, 700, 1500, 2100, 3000]), span).0,
            "steady"
        );
    }
}
