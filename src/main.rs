//! The `refrain` binary: parse flags, run, print one error line, exit.

mod cli;
mod commands;
mod exit_code;
mod failure;
mod paint;
mod terminal;

use clap::Parser;
use cli::Cli;
use exit_code::ExitCode;

// Fingerprinting allocates many short-lived vectors from two threads;
// mimalloc's per-thread heaps cut that cost (see README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // Past a file-size limit (`ulimit -f`) a write fails with EFBIG, which
    // is reported with the file and what to do, instead of the process
    // being killed by SIGXFSZ without a word.
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to "ignore" before any other
    // thread runs; no handler code is installed.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    // clap prints usage errors itself and exits with status 2.
    let cli = Cli::parse();
    paint::init(cli.color);
    match commands::run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("{}", paint::diagnostic(&format!("refrain: error: {err}")));
            ExitCode::Error.into()
        }
    }
}
