//! One module per subcommand: each turns parsed flags into a run of the
//! library and an exit code, and owns what goes to stdout.

pub mod check;
pub mod clean;
pub mod dedup;
pub mod html;
pub mod index;
pub mod rules;
pub mod scan;
pub mod sign;

use std::io::Write;

use crate::cli::{Cli, Command};
use crate::exit_code::ExitCode;
use crate::failure::Failure;
use refrain::error::Error;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Clean(args) => clean::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Index(command) => index::run(&command),
        Command::Dedup(args) => dedup::run(&args),
        Command::Sign(args) => sign::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "refrain", &mut script);
            stdout_result(std::io::stdout().lock().write_all(&script))?;
            Ok(ExitCode::Success)
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut page)
                .expect("rendering into memory");
            stdout_result(std::io::stdout().lock().write_all(&page))?;
            Ok(ExitCode::Success)
        }
    }
}

/// Writes to stdout; a closed pipe (`refrain ... | head`) is not an error.
pub(crate) fn print_stdout(text: &str) -> Result<(), Error> {
    print_stdout_bytes(text.as_bytes())
}

/// [`print_stdout`] for bytes that need not be UTF-8.
pub(crate) fn print_stdout_bytes(bytes: &[u8]) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    stdout_result(stdout.write_all(bytes).and_then(|()| stdout.flush()))
}

/// The outcome of writing to stdout: a closed pipe (`refrain ... | head`)
/// is not an error, any other failure is one, named `<stdout>`.
pub(crate) fn stdout_result(written: std::io::Result<()>) -> Result<(), Error> {
    match written {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output {
            path: "<stdout>".into(),
            source: err,
        }),
        _ => Ok(()),
    }
}
