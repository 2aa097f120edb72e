//! Progress on standard error: one indicatif bar per stage, drawn only on a
//! terminal, only after a stage has run for a moment (short runs stay
//! quiet), and never under `--quiet`. Input problems are printed here too,
//! above the bar, as they are found.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::InputProblem;

/// How long a stage runs before its bar appears.
const SHOW_AFTER: Duration = Duration::from_millis(800);

/// Where progress and diagnostics go.
#[derive(Debug, Clone)]
pub struct Progress {
    bars: bool,
    messages: bool,
}

impl Progress {
    /// Bars on a terminal stderr and diagnostics on stderr; both off when
    /// `quiet`.
    pub fn stderr(quiet: bool) -> Self {
        Progress {
            bars: !quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()),
            messages: !quiet,
        }
    }

    /// Nothing at all, for library callers and tests.
    pub fn hidden() -> Self {
        Progress {
            bars: false,
            messages: false,
        }
    }

    /// Starts a stage of `len` steps (0 for a spinner).
    pub fn stage(&self, name: &str, len: u64) -> Stage {
        let bar = if len == 0 {
            ProgressBar::new_spinner()
        } else {
            ProgressBar::new(len)
        };
        bar.set_draw_target(ProgressDrawTarget::hidden());
        let template = if len == 0 {
            "{spinner} {prefix} {elapsed}"
        } else {
            "{prefix:>16} [{bar:30}] {human_pos}/{human_len} {per_sec} eta {eta}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(name.to_owned());
        Stage {
            bar,
            enabled: self.bars,
            started: Instant::now(),
        }
    }

    /// Prints one line of diagnostics on stderr (unless quiet).
    pub fn message(&self, line: &str) {
        if self.messages {
            eprintln!("{line}");
        }
    }

    /// Reports an input problem on stderr.
    pub fn problem(&self, problem: &InputProblem) {
        if self.messages {
            eprintln!("refrain: {problem}");
        }
    }
}

/// One stage's bar.
#[derive(Debug)]
pub struct Stage {
    bar: ProgressBar,
    enabled: bool,
    started: Instant,
}

impl Stage {
    /// Advances by `n` steps.
    pub fn inc(&self, n: u64) {
        self.bar.inc(n);
        if self.enabled && self.bar.is_hidden() && self.started.elapsed() >= SHOW_AFTER {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            if self.bar.length().is_none() {
                self.bar.enable_steady_tick(Duration::from_millis(120));
            }
        }
    }

    /// Ends the stage and erases its bar.
    pub fn finish(self) {
        self.bar.finish_and_clear();
    }
}
