//! Plain-text pieces the Markdown and HTML renderers share, so that a
//! number reads the same in both: p-values, recurrence, a candidate
//! cause in one line, a spike window's counts. Each renderer quotes and
//! escapes the result its own way.
//!
//! # Limitations
//! - Pieces that embed a template take the renderer's way of writing
//!   code (`code`), since Markdown and HTML quote it differently; the
//!   rest is plain text that the caller must still escape.

use super::model::{Cause, Coverage, Disagreement, Intermittent, Precursor, SpikeExplanation};
use super::time as t;

/// A p-value for a table: small ones in scientific notation.
pub(crate) fn p_value(v: f64) -> String {
    if v < 1e-300 {
        // Below what a double holds apart from zero.
        "< 1e-300".to_string()
    } else if v < 0.001 {
        format!("{v:.1e}")
    } else {
        format!("{v:.3}")
    }
}

/// The completeness table's "No time" cell: records without a readable
/// time, and those whose implausible time was set aside.
pub(crate) fn no_time(c: &Coverage) -> String {
    match c.implausible_time {
        0 => c.no_time.to_string(),
        k => format!("{} (+{k} implausible)", c.no_time),
    }
}

/// An over-representation ratio (share over share).
pub(crate) fn ratio(v: f64) -> String {
    format!("{v:.1}")
}

/// A rate before and after a change point, per hour.
pub(crate) fn per_hour(before: f64, after: f64) -> String {
    format!("{before:.1} → {after:.1}")
}

/// How a signature recurs: its period when periodic, else its kind.
pub(crate) fn recurs(recurrence: &str, period_s: Option<f64>) -> String {
    match period_s {
        Some(p) => format!("every {p} s"),
        None => recurrence.to_string(),
    }
}

/// The first eight characters of an id, as tables show it.
pub(crate) fn short_id(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// Time of day only, for the end of a span whose start gives the date.
fn hms(at: jiff::Timestamp) -> String {
    at.strftime("%H:%M:%S").to_string()
}

/// A shift's change point, and its last occurrence for a transient one.
pub(crate) fn shift_at(at: jiff::Timestamp, until: Option<jiff::Timestamp>) -> String {
    match until {
        Some(u) => format!("{} to {}", t(Some(at)), hms(u)),
        None => t(Some(at)),
    }
}

/// A cause in one line: kind, title, lag, consistency, host, score, and
/// the log line when there is one.
pub(crate) fn cause_line(c: &Cause) -> String {
    let at = c
        .evidence
        .line
        .map(|l| format!("; {}:{l}", c.evidence.path.replace('\n', " ")))
        .unwrap_or_default();
    format!(
        "{} {}, {:.1} s before ({}/{} followed{}; score {:.2}{at})",
        c.kind,
        c.title,
        c.lag_s,
        c.followed,
        c.occurrences,
        if c.same_host { "" } else { "; another host" },
        c.score,
    )
}

/// What the spike-explanation tables hold.
pub(crate) const SPIKES_INTRO: &str = "Each window against the rest of the logs: what it \
     holds significantly more of (G-test, Benjamini–Hochberg-corrected p).";

/// What the shift table holds.
pub(crate) const SHIFTS_INTRO: &str = "Rates before and after each change point over the \
     time the signature's sources cover (rate G-test, corrected p), with the closest \
     candidate cause before it.";

/// What an episode and a precursor are.
pub(crate) const INTERMITTENT_INTRO: &str = "An episode is a run of occurrences with no \
     pause longer than the window (a minute, or half the gap between bursts that come \
     closer); precursors come within the window before episodes more often than elsewhere \
     and than chance.";

/// What an anomaly without candidate causes says.
pub(crate) const NO_CAUSE: &str = "no candidate in the 30 minutes before it";

/// A spike window's series, the first three and how many more.
pub(crate) fn window_metrics(e: &SpikeExplanation) -> String {
    let mut metrics: Vec<String> = e.metrics.iter().take(3).cloned().collect();
    if e.metrics.len() > 3 {
        metrics.push(format!("{} more", e.metrics.len() - 3));
    }
    metrics.join(", ")
}

/// A spike window's record counts against its baseline's span.
pub(crate) fn window_counts(e: &SpikeExplanation) -> String {
    format!(
        "{} records in the window, {} outside it ({} to {})",
        e.window_records,
        e.baseline_records,
        t(Some(e.baseline_start)),
        t(Some(e.baseline_end))
    )
}

/// A recurring error's occurrences per day.
pub(crate) fn days(x: &Intermittent) -> String {
    let days: Vec<String> = x.days.iter().map(|(d, c)| format!("{d} ({c})")).collect();
    days.join(", ")
}

/// The keys a recurring error is confined to, with its share there.
pub(crate) fn confined(x: &Intermittent) -> String {
    let confined: Vec<String> = x
        .confined
        .iter()
        .map(|o| format!("{} {} ({} of {})", o.dimension, o.key, o.window, x.count))
        .collect();
    confined.join("; ")
}

/// A precursor in one line, its label written by `code`.
pub(crate) fn precursor(p: &Precursor, code: impl Fn(&str) -> String) -> String {
    let period = p
        .period_s
        .map(|s| format!(", every {s} s"))
        .unwrap_or_default();
    format!(
        "{} before {} of {} episodes (chance {:.0} %{period}; p {})",
        code(&p.label),
        p.preceded,
        p.of,
        p.base_rate * 100.0,
        p_value(p.p_value)
    )
}

/// An instance's errors against its peers', the ratio and p.
pub(crate) fn disagreement_counts(d: &Disagreement) -> String {
    format!(
        "{} of {} against {} of {}; ratio {}, p {}",
        d.errors,
        d.records,
        d.peer_errors,
        d.peer_records,
        ratio(d.ratio),
        p_value(d.p_value)
    )
}

/// A spike table cell: sizes in binary units, other values to 4 places.
pub(crate) fn spike_value(metric: &str, v: f64) -> String {
    crate::analysis::series::show_size(metric, v).unwrap_or_else(|| format!("{v:.4}"))
}

/// Hosts named in a report's header: all of them when they are few,
/// else the first ten and how many more (a BGL log names thousands of
/// nodes; the JSON report keeps every one).
pub(crate) fn host_list(hosts: &[String]) -> String {
    const SHOWN: usize = 10;
    match hosts.len() {
        0 => "unknown".into(),
        n if n <= SHOWN + 2 => hosts.join(", "),
        n => format!(
            "{n} hosts ({}, and {} more)",
            hosts[..SHOWN].join(", "),
            n - SHOWN
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_hosts_are_counted_not_listed() {
        let hosts: Vec<String> = (0..40).map(|i| format!("node-{i:02}")).collect();
        assert_eq!(host_list(&hosts[..3]), "node-00, node-01, node-02");
        assert_eq!(host_list(&hosts[..12]).matches(", ").count(), 11);
        assert_eq!(
            host_list(&hosts),
            "40 hosts (node-00, node-01, node-02, node-03, node-04, node-05, node-06, node-07, \
             node-08, node-09, and 30 more)"
        );
        assert_eq!(host_list(&[]), "unknown");
    }

    #[test]
    fn p_values_switch_to_scientific_below_a_thousandth() {
        assert_eq!(p_value(0.0), "< 1e-300");
        assert_eq!(p_value(3.1e-23), "3.1e-23");
        assert_eq!(p_value(0.006), "0.006");
    }
}
