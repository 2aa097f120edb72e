//! `refrain scan`: run the pipeline, print the summary or the JSON, write
//! `-o` atomically, and pick the exit code.

use crate::cli::ScanArgs;
use crate::error::Error;
use crate::exit_code::ExitCode;
use crate::output::{InputFiles, output_file, write_atomically};
use crate::pipeline;
use crate::progress::Progress;
use crate::report::{human, json};

/// Runs a scan from parsed flags.
pub fn run(args: &ScanArgs) -> Result<ExitCode, Error> {
    let config = args.to_config();
    if let Some(path) = output_file(args.output.as_deref()) {
        InputFiles::under(&config.paths).refuse(path, "--output")?;
    }
    let report = pipeline::scan(&config, &Progress::stderr(args.quiet))?;
    let file = output_file(args.output.as_deref());
    // `-o -` asks for the JSON report on stdout, as --json does.
    let json_on_stdout = args.json || (args.output.is_some() && file.is_none());
    let json_text = (json_on_stdout || file.is_some()).then(|| json::render(&report));
    if let (Some(path), Some(text)) = (file, &json_text) {
        write_atomically(path, text.as_bytes())?;
    }
    match (&json_text, json_on_stdout) {
        (Some(text), true) => super::print_stdout(text)?,
        _ => super::print_stdout(&human::render(&report))?,
    }
    let mut code = ExitCode::Success;
    if args.fail_on_findings && report.has_findings() {
        code = code.merge(ExitCode::Findings);
    }
    if report.has_input_errors() {
        code = code.merge(ExitCode::Error);
    }
    Ok(code)
}
