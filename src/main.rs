//! The `refrain` binary: parse flags, run, print one error line, exit.

use clap::Parser;
use refrain::cli::Cli;
use refrain::exit_code::ExitCode;

// Fingerprinting allocates many short-lived vectors from two threads;
// mimalloc's per-thread heaps cut that cost (see README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // clap prints usage errors itself and exits with status 2.
    let cli = Cli::parse();
    match refrain::commands::run(cli) {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("refrain: error: {err}");
            ExitCode::Error.into()
        }
    }
}
