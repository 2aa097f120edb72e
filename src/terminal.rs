//! The binary's [`Observer`]: progress on standard error, one indicatif
//! bar per stage, drawn only on a
//! terminal, only after a stage has run for a moment (short runs stay
//! quiet), and never under `--quiet`. When stderr is not a terminal (a
//! batch log), a stage that runs long prints a plain line every
//! [`LOG_EVERY`] instead: count, rate and time left. Input problems are
//! printed here too, as they are found.

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

impl Observer for Terminal {
    fn stage(&self, name: &str, len: u64) -> Box<dyn StageObserver> {
        let bar = if len == 0 {
            ProgressBar::new_spinner()
        } else {
            ProgressBar::new(len)
        };
        bar.set_draw_target(ProgressDrawTarget::hidden());
        let template = if len == 0 {
            "{spinner} {prefix} {elapsed}"
        } else {
            "{prefix:>16} [{bar:30}] {human_pos}/{human_len} {rate} eta {eta}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            // indicatif's {per_sec} prints "41233.0340/s": whole items a
            // second, with thousands separators, read better.
            let rate = |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = write!(out, "{}/s", indicatif::HumanCount(state.per_sec() as u64));
            };
            bar.set_style(style.with_key("rate", rate).progress_chars("=> "));
        }
        bar.set_prefix(name.to_owned());
        Box::new(Stage {
            bar,
            enabled: self.bars,
            log_lines: self.log_lines,
            stage_times: self.stage_times,
            last_log: std::sync::Mutex::new(Instant::now()),
            started: Instant::now(),
        })
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
            eprintln!("refrain: {problem}");
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
}

impl StageObserver for Stage {
    fn inc(&self, n: u64) {
        self.bar.inc(n);
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
    /// A plain `refrain: STAGE 1200/5000 (24%), 310/s, about 12s left` line
    /// when [`LOG_EVERY`] has passed since the last one.
    fn log_line(&self) {
        let Ok(mut last) = self.last_log.try_lock() else {
            return;
        };
        if last.elapsed() < LOG_EVERY {
            return;
        }
        *last = Instant::now();
        let done = self.bar.position();
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
        let rate = done as f64 / elapsed;
        let line = match self.bar.length() {
            Some(total) if total > 0 => {
                let left = total.saturating_sub(done) as f64 / rate.max(1e-9);
                format!(
                    "refrain: {} {done}/{total} ({:.0}%), {rate:.0}/s, about {left:.0}s left",
                    self.bar.prefix(),
                    100.0 * done as f64 / total as f64
                )
            }
            _ => format!("refrain: {} {done}, {rate:.0}/s", self.bar.prefix()),
        };
        eprintln!("{line}");
    }
}
