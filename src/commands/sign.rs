//! `refrain sign`: fingerprints as JSON lines, streamed batch by batch
//! (the map step of a distributed run; see [`refrain::sign`]).

use std::io::Write;

use rayon::prelude::*;

use crate::cli::SignArgs;
use crate::exit_code::ExitCode;
use crate::failure::Failure;
use crate::terminal::Terminal;
use refrain::corpus::read::read_in_batches;
use refrain::corpus::walk;
use refrain::error::{InputProblem, ProblemKind, Severity};
use refrain::output::{AtomicFile, output_file};
use refrain::progress::Observer as _;
use refrain::sign::Signer;
use refrain::threads::in_pool;

/// Runs `refrain sign`.
pub fn run(args: &SignArgs) -> Result<ExitCode, Failure> {
    let mut config = args.matching.to_config(args.paths.clone(), &args.input);
    config.validate()?;
    if args.documents {
        config.read.extra_field = Some(args.exclude_field.clone());
    }
    let terminal = Terminal::stderr(args.quiet);
    if let Some(path) = output_file(args.output.as_deref()) {
        refrain::output::InputFiles::under(&config.paths)
            .refuse(path)
            .map_err(Failure::of_output("--output"))?;
    }
    let signer = Signer::new(&config);
    let mut file = output_file(args.output.as_deref())
        .map(AtomicFile::create)
        .transpose()?;
    let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
    let mut failed = false;
    let mut write_error: Option<std::io::Error> = None;
    in_pool(config.threads, || {
        let (sources, problems) = walk(&config.paths);
        for problem in &problems {
            terminal.problem(problem);
            failed |= problem.severity == Severity::Error;
        }
        read_in_batches(&sources, &config.read, &Default::default(), &mut |batch| {
            let lines: Vec<Result<String, InputProblem>> = batch
                .documents
                .par_iter()
                .map(|doc| {
                    let line = if args.documents {
                        let excluded = excluded_paragraphs(doc, &args.exclude_field)?;
                        serde_json::to_string(&signer.document(doc, &excluded))
                    } else {
                        serde_json::to_string(&signer.paragraphs(doc))
                    };
                    Ok(line.expect("signed lines serialize"))
                })
                .collect();
            for problem in &batch.problems {
                terminal.problem(problem);
                failed |= problem.severity == Severity::Error;
            }
            for line in lines {
                let line = match line {
                    Ok(line) => line,
                    Err(problem) => {
                        terminal.problem(&problem);
                        failed = true;
                        continue;
                    }
                };
                if write_error.is_some() {
                    return;
                }
                let out: &mut dyn Write = match file.as_mut() {
                    Some(file) => file,
                    None => &mut stdout,
                };
                if let Err(err) = out
                    .write_all(line.as_bytes())
                    .and_then(|()| out.write_all(b"\n"))
                {
                    write_error = Some(err);
                }
            }
        });
    })?;
    match (file, write_error) {
        (Some(file), Some(err)) => return Err(file.error(err).into()),
        (Some(file), None) => file.commit()?,
        (None, Some(err)) => super::stdout_result(Err(err))?,
        (None, None) => super::stdout_result(stdout.flush())?,
    }
    Ok(if failed {
        ExitCode::Error
    } else {
        ExitCode::Success
    })
}

/// The paragraph numbers in the record's exclusion field (none if absent).
fn excluded_paragraphs(
    doc: &refrain::corpus::Document,
    field: &str,
) -> Result<Vec<u32>, InputProblem> {
    let Some(value) = &doc.extra else {
        return Ok(Vec::new());
    };
    let numbers: Option<Vec<u32>> = value.as_array().and_then(|items| {
        items
            .iter()
            .map(|item| item.as_u64().and_then(|n| u32::try_from(n).ok()))
            .collect()
    });
    numbers.ok_or_else(|| {
        InputProblem::new(
            &doc.source,
            doc.source_line,
            ProblemKind::MissingField,
            format!("field \"{field}\" is not a list of paragraph numbers; document skipped"),
        )
    })
}
