//! The binary's [`Observer`]: progress on standard error, one indicatif
//! bar per stage, drawn only on a
//! terminal, only after a stage has run for a moment (short runs stay
//! quiet), and never under `--quiet`. When stderr is not a terminal (a
//! batch log), a stage that runs long prints a plain line every
//! [`LOG_EVERY`] instead: count, rate and time left. Input problems are
//! printed here too, as they are found.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use refrain::error::InputProblem;
use refrain::progress::{Observer, Progress, StageObserver};

/// How long a stage runs before its bar appears.
const SHOW_AFTER: Duration = Duration::from_millis(800);

/// Interval of the plain progress lines written to a non-terminal stderr.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

/// Problems of one kind in one source shown on stderr before the rest
/// are only counted (all of them are in the JSON reports).
pub const SHOWN_PER_KIND: u64 = 5;

/// Where progress and diagnostics go.
#[derive(Debug, Clone)]
pub struct Terminal {
    bars: bool,
    log_lines: bool,
    messages: bool,
    stage_times: bool,
    /// Shared by the clones; says what was held back when the last goes.
    problems: std::sync::Arc<ProblemLog>,
}

/// How many problems of each kind each source had, so that a wrong
/// `--text-field` on a 30,000-record file prints a few lines and a count,
/// not 30,000 lines.
#[derive(Debug, Default)]
struct ProblemLog {
    seen: std::sync::Mutex<std::collections::BTreeMap<(String, String), u64>>,
    messages: bool,
}

impl Drop for ProblemLog {
    fn drop(&mut self) {
        if !self.messages {
            return;
        }
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        for ((source, kind), &count) in seen.iter() {
            if count > SHOWN_PER_KIND {
                eprintln!(
                    "refrain: {source}: and {} more {kind} problem(s) like those above",
                    count - SHOWN_PER_KIND
                );
            }
        }
    }
}

impl Terminal {
    /// Bars on a terminal stderr and diagnostics on stderr; both off when
    /// `quiet`.
    pub fn stderr(quiet: bool) -> Self {
        let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
        Terminal {
            bars: !quiet && terminal,
            log_lines: !quiet && !terminal,
            messages: !quiet,
            stage_times: false,
            problems: std::sync::Arc::new(ProblemLog {
                messages: !quiet,
                seen: Default::default(),
            }),
        }
    }

    /// Also says how long each stage took when it ends (`--stats`).
    pub fn with_stage_times(mut self) -> Self {
        self.stage_times = true;
        self
    }

    /// The handle the engine reports through.
    pub fn progress(&self) -> Progress {
        Progress::new(self.clone())
    }

    /// Prints one line of diagnostics on stderr (unless quiet).
    pub fn message(&self, line: &str) {
        if self.messages {
            eprintln!("{line}");
        }
    }
}

impl Terminal {
    /// A stage whose bar shows `template` (of `len` steps, 0: a spinner).
    fn new_stage(&self, name: &str, len: u64, template: &str, reading: bool) -> Stage {
        let bar = if len == 0 {
            ProgressBar::new_spinner()
        } else {
            ProgressBar::new(len)
        };
        bar.set_draw_target(ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(template) {
            // indicatif's {per_sec} prints "41233.0340/s": whole items a
            // second, with thousands separators, read better.
            let rate = |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = write!(out, "{}/s", indicatif::HumanCount(state.per_sec() as u64));
            };
            bar.set_style(style.with_key("rate", rate).progress_chars("=> "));
        }
        bar.set_prefix(name.to_owned());
        Stage {
            bar,
            enabled: self.bars,
            log_lines: self.log_lines,
            stage_times: self.stage_times,
            last_log: std::sync::Mutex::new(Instant::now()),
            started: Instant::now(),
            documents: reading.then(AtomicU64::default),
        }
    }
}

impl Observer for Terminal {
    fn stage(&self, name: &str, len: u64) -> Box<dyn StageObserver> {
        let template = if len == 0 {
            "{spinner} {prefix} {elapsed}"
        } else {
            "{prefix:>16} [{bar:30}] {human_pos}/{human_len} {rate} eta {eta}"
        };
        Box::new(self.new_stage(name, len, template, false))
    }

    /// Bytes of the input read (of how many, when known), their rate, the
    /// time left, and the documents read so far.
    fn reading_stage(&self, name: &str, total_bytes: u64) -> Box<dyn StageObserver> {
        let template = if total_bytes == 0 {
            "{spinner} {prefix} {binary_bytes} {binary_bytes_per_sec}, {msg}, {elapsed}"
        } else {
            "{prefix:>16} [{bar:30}] {binary_bytes}/{binary_total_bytes} \
             {binary_bytes_per_sec} eta {eta}, {msg}"
        };
        Box::new(self.new_stage(name, total_bytes, template, true))
    }

    /// Reports an input problem on stderr: the first
    /// [`SHOWN_PER_KIND`] of each kind in each source, then only a count
    /// (said when the last clone of this `Terminal` is dropped).
    fn problem(&self, problem: &InputProblem) {
        if !self.messages {
            return;
        }
        let kind = serde_json::to_value(problem.kind)
            .ok()
            .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
            .unwrap_or_default();
        let mut seen = self.problems.seen.lock().unwrap_or_else(|e| e.into_inner());
        let count = seen.entry((problem.source.clone(), kind)).or_default();
        *count += 1;
        if *count <= SHOWN_PER_KIND {
            eprintln!(
                "{}",
                crate::paint::diagnostic(&format!("refrain: {problem}"))
            );
        }
    }
}

/// One stage's bar.
#[derive(Debug)]
struct Stage {
    bar: ProgressBar,
    enabled: bool,
    log_lines: bool,
    stage_times: bool,
    last_log: std::sync::Mutex<Instant>,
    started: Instant,
    /// Documents read, for a reading stage (whose steps are bytes).
    documents: Option<AtomicU64>,
}

impl StageObserver for Stage {
    fn inc(&self, n: u64) {
        self.bar.inc(n);
        self.advanced();
    }

    fn read(&self, bytes: u64, documents: u64) {
        let Some(read) = &self.documents else {
            return self.inc(documents);
        };
        let documents = read.fetch_add(documents, Ordering::Relaxed) + documents;
        self.bar
            .set_message(format!("{} documents", indicatif::HumanCount(documents)));
        self.bar.set_position(bytes);
        self.advanced();
    }

    fn finish(self: Box<Self>) {
        self.bar.finish_and_clear();
        let elapsed = self.started.elapsed();
        if self.stage_times || (self.log_lines && elapsed >= LOG_EVERY) {
            eprintln!(
                "refrain: {} done in {:.1}s",
                self.bar.prefix(),
                elapsed.as_secs_f64()
            );
        }
    }
}

impl Stage {
    /// Shows the bar once the stage has run for [`SHOW_AFTER`], and writes
    /// a log line when one is due.
    fn advanced(&self) {
        if self.enabled && self.bar.is_hidden() && self.started.elapsed() >= SHOW_AFTER {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            if self.bar.length().is_none() {
                self.bar.enable_steady_tick(Duration::from_millis(120));
            }
        }
        if self.log_lines {
            self.log_line();
        }
    }

    /// A plain `refrain: STAGE 1,200/5,000 (24%), 310/s, about 12s left`
    /// line (for a reading stage `refrain: STAGE 120.0 MiB of 503.5 MiB
    /// (24%), 45,000 documents, 85.0 MiB/s, about 5s left`) when
    /// [`LOG_EVERY`] has passed since the last one.
    fn log_line(&self) {
        let Ok(mut last) = self.last_log.try_lock() else {
            return;
        };
        if last.elapsed() < LOG_EVERY {
            return;
        }
        *last = Instant::now();
        eprintln!("{}", self.progress_line());
    }

    fn progress_line(&self) -> String {
        let done = self.bar.position();
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = done as f64 / elapsed;
        let total = self.bar.length().filter(|&total| total > 0);
        let left = |total: u64| total.saturating_sub(done) as f64 / rate.max(1e-9);
        let prefix = self.bar.prefix();
        match (&self.documents, total) {
            (Some(documents), total) => {
                let documents = indicatif::HumanCount(documents.load(Ordering::Relaxed));
                let read = indicatif::BinaryBytes(done);
                let rate = indicatif::BinaryBytes(rate as u64);
                match total {
                    Some(total) => format!(
                        "refrain: {prefix} {read} of {} ({:.0}%), {documents} documents, \
                         {rate}/s, about {:.0}s left",
                        indicatif::BinaryBytes(total),
                        100.0 * done as f64 / total as f64,
                        left(total)
                    ),
                    None => format!("refrain: {prefix} {read}, {documents} documents, {rate}/s"),
                }
            }
            (None, Some(total)) => format!(
                "refrain: {prefix} {}/{} ({:.0}%), {}/s, about {:.0}s left",
                indicatif::HumanCount(done),
                indicatif::HumanCount(total),
                100.0 * done as f64 / total as f64,
                indicatif::HumanCount(rate as u64),
                left(total)
            ),
            (None, None) => format!(
                "refrain: {prefix} {}, {}/s",
                indicatif::HumanCount(done),
                indicatif::HumanCount(rate as u64)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reading_stage_says_bytes_of_the_total_documents_and_time_left() {
        let terminal = Terminal::stderr(true);
        let stage = terminal.new_stage("fingerprinting", 4096, "{msg}", true);
        stage.read(1024, 10);
        stage.read(2048, 5);
        let line = stage.progress_line();
        assert!(
            line.starts_with("refrain: fingerprinting 2.00 KiB of 4.00 KiB (50%), 15 documents, "),
            "{line}"
        );
        assert!(line.ends_with("s left"), "{line}");
        let unknown = terminal.new_stage("fingerprinting", 0, "{msg}", true);
        unknown.read(1_500_000, 41_233);
        let line = unknown.progress_line();
        assert!(
            line.starts_with("refrain: fingerprinting 1.43 MiB, 41,233 documents, "),
            "{line}"
        );
        let counting = terminal.new_stage("document sets", 5000, "{msg}", false);
        counting.inc(1200);
        assert!(
            counting
                .progress_line()
                .starts_with("refrain: document sets 1,200/5,000 (24%), "),
            "{}",
            counting.progress_line()
        );
    }
}
