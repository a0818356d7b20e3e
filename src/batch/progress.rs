//! indicatif bars on a terminal (overall, and one spinner per bundle
//! in flight); plain lines otherwise.

use super::Outcome;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

pub struct Progress {
    total: usize,
    done: AtomicUsize,
    bars: Option<(MultiProgress, ProgressBar)>,
}

pub struct Bar(Option<ProgressBar>, Instant);

impl Progress {
    pub fn new(total: usize, bars: bool) -> Progress {
        let bars = bars.then(|| {
            let multi = MultiProgress::new();
            let overall = multi.add(ProgressBar::new(total as u64));
            overall.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} bundles, {elapsed} (eta {eta})")
                    .expect("template"),
            );
            (multi, overall)
        });
        Progress {
            total,
            done: AtomicUsize::new(0),
            bars,
        }
    }

    pub fn start(&self, path: &Path) -> Bar {
        let bar = self.bars.as_ref().map(|(multi, _)| {
            let b = multi.add(ProgressBar::new_spinner());
            b.set_style(
                ProgressStyle::with_template("  {spinner} {msg} {elapsed}").expect("template"),
            );
            b.set_message(name(path));
            b.enable_steady_tick(std::time::Duration::from_millis(200));
            b
        });
        Bar(bar, Instant::now())
    }

    pub fn finish(&self, bar: Bar, path: &Path, outcome: &Outcome) {
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        let what = match outcome {
            Outcome::Done(_) => "already done".to_string(),
            Outcome::Analyzed(r) => {
                format!("{} ({})", r.incident.status, r.incident.incident_id)
            }
            Outcome::Failed(r) => format!("failed: {}", r.error.as_deref().unwrap_or("")),
        };
        match (&self.bars, bar.0) {
            (Some((multi, overall)), Some(b)) => {
                b.finish_and_clear();
                multi.remove(&b);
                overall.inc(1);
                if matches!(outcome, Outcome::Failed(_)) {
                    let _ = multi.println(format!("{}: {what}", path.display()));
                }
            }
            _ => eprintln!(
                "[{n}/{}] {}: {what} in {:.1}s",
                self.total,
                path.display(),
                bar.1.elapsed().as_secs_f64()
            ),
        }
    }

    pub fn clear(&self) {
        if let Some((_, overall)) = &self.bars {
            overall.finish_and_clear();
        }
    }
}

fn name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
