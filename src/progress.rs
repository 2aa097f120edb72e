//! How the engine tells its caller what it is doing: stages with a count
//! of steps, and input problems as they are found. The library draws
//! nothing and prints nothing; the `refrain` binary's terminal progress
//! (bars on a terminal, plain lines in a batch log) implements [`Observer`],
//! and a library caller can implement it too, or pass [`Progress::hidden`].

use std::sync::Arc;

use crate::error::InputProblem;

/// Receives what the engine reports while it runs.
pub trait Observer: Send + Sync {
    /// A stage begins; `len` is its number of steps (0 when not known).
    fn stage(&self, name: &str, len: u64) -> Box<dyn StageObserver>;
    /// A stage that reads the input begins: `total_bytes` is the input's
    /// size (0 when not known: standard input); it reports its progress
    /// with [`StageObserver::read`]. By default, a stage counting documents.
    fn reading_stage(&self, name: &str, total_bytes: u64) -> Box<dyn StageObserver> {
        let _ = total_bytes;
        self.stage(name, 0)
    }
    /// An input problem was found; the run goes on (every problem is also
    /// in the result).
    fn problem(&self, problem: &InputProblem);
}

/// Receives one stage's steps.
pub trait StageObserver: Send + Sync {
    /// `n` more steps are done.
    fn inc(&self, n: u64);
    /// A reading stage has read `bytes` of its input in all, and `documents`
    /// more documents. By default, `documents` more steps.
    fn read(&self, bytes: u64, documents: u64) {
        let _ = bytes;
        self.inc(documents);
    }
    /// The stage is over.
    fn finish(self: Box<Self>);
}

/// The handle the engine reports through: cheap to clone, shared by
/// threads.
#[derive(Clone)]
pub struct Progress(Arc<dyn Observer>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

impl Progress {
    /// Reports to `observer`.
    pub fn new(observer: impl Observer + 'static) -> Self {
        Progress(Arc::new(observer))
    }

    /// Reports to nobody, for library callers and tests.
    pub fn hidden() -> Self {
        Progress::new(Hidden)
    }

    /// Starts a stage of `len` steps (0 when not known).
    pub fn stage(&self, name: &str, len: u64) -> Stage {
        Stage(self.0.stage(name, len))
    }

    /// Starts a stage reading an input of `total_bytes` (0 when not known).
    pub fn reading_stage(&self, name: &str, total_bytes: u64) -> Stage {
        Stage(self.0.reading_stage(name, total_bytes))
    }

    /// Reports an input problem.
    pub fn problem(&self, problem: &InputProblem) {
        self.0.problem(problem);
    }
}

/// One running stage; [`Stage::finish`] ends it.
pub struct Stage(Box<dyn StageObserver>);

impl std::fmt::Debug for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stage")
    }
}

impl Stage {
    /// Advances by `n` steps.
    pub fn inc(&self, n: u64) {
        self.0.inc(n);
    }

    /// A reading stage is at `bytes` of its input, `documents` more read.
    pub fn read(&self, bytes: u64, documents: u64) {
        self.0.read(bytes, documents);
    }

    /// Ends the stage.
    pub fn finish(self) {
        self.0.finish();
    }
}

struct Hidden;

impl Observer for Hidden {
    fn stage(&self, _: &str, _: u64) -> Box<dyn StageObserver> {
        Box::new(Hidden)
    }
    fn problem(&self, _: &InputProblem) {}
}

impl StageObserver for Hidden {
    fn inc(&self, _: u64) {}
    fn finish(self: Box<Self>) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[derive(Default)]
    struct Counting(Arc<AtomicU64>);

    impl Observer for Counting {
        fn stage(&self, _: &str, _: u64) -> Box<dyn StageObserver> {
            Box::new(Counting(self.0.clone()))
        }
        fn problem(&self, _: &InputProblem) {}
    }

    impl StageObserver for Counting {
        fn inc(&self, n: u64) {
            self.0.fetch_add(n, Ordering::Relaxed);
        }
        fn finish(self: Box<Self>) {}
    }

    #[test]
    fn steps_reach_the_observer_from_clones() {
        let steps = Arc::new(AtomicU64::new(0));
        let progress = Progress::new(Counting(steps.clone()));
        let clone = progress.clone();
        let stage = clone.stage("work", 10);
        stage.inc(3);
        stage.inc(4);
        stage.finish();
        assert_eq!(steps.load(Ordering::Relaxed), 7);
    }
}
