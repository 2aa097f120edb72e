//! Thread pools for the parallel stages, and freeing large tables off the
//! critical path.

use crate::error::Error;

/// `--threads` above this many a core is capped to it.
pub const MAX_THREADS_PER_CORE: usize = 4;

/// Runs `work` on a thread pool of `threads` threads (0: one per core).
pub fn in_pool<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> Result<T, Error> {
    Ok(thread_pool(threads)?.install(work))
}

/// A pool of `threads` worker threads (0: one per core).
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    // Past a few threads a core the work goes no faster, and each thread
    // costs its stack and buffers (`--threads 10000` took 47 s and 1.4 GB
    // on the samples).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = threads.min(MAX_THREADS_PER_CORE * cores);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| Error::ThreadPool { threads, source })
}

/// Drops `value` on a thread of its own, which a process that exits
/// meanwhile does not wait for (freeing a large run's tables takes a
/// noticeable part of a second); here, if no thread can be started.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    // A failed spawn drops the closure, and `value` with it, here.
    let _ = std::thread::Builder::new()
        .name("refrain-drop".into())
        .spawn(move || drop(value));
}
