//! `refrain rules`: answers rule requests line by line (see
//! [`refrain::rules`]), in parallel, in order.

use std::io::{BufRead, BufReader, Write};

use rayon::prelude::*;
use serde::Serialize;

use crate::cli::RulesArgs;
use crate::exit_code::ExitCode;
use crate::failure::Failure;
use crate::terminal::Terminal;
use refrain::containment::Rule;
use refrain::error::{Error, InputProblem, ProblemKind};
use refrain::progress::Observer as _;
use refrain::rules::{Answer, Request, RuleSettings, answer};
use refrain::threads::thread_pool;

/// Requests answered together.
const REQUESTS_PER_BATCH: usize = 256;

/// An answer line: the request's line number and the answer's keys.
#[derive(Serialize)]
struct AnswerLine {
    line: u64,
    #[serde(flatten)]
    answer: Answer,
}

/// Runs `refrain rules`.
pub fn run(args: &RulesArgs) -> Result<ExitCode, Failure> {
    let settings = RuleSettings {
        min_docs: args.matching.min_docs,
        min_passage_tokens: args.matching.min_passage_tokens,
        keep: args.keep.clone(),
        documents: Rule {
            threshold: args.matching.threshold,
            containment: args.matching.containment.0,
        },
    };
    let terminal = Terminal::stderr(args.quiet);
    let (name, reader): (String, Box<dyn BufRead>) = if args.input.as_os_str() == "-" {
        ("<stdin>".into(), Box::new(std::io::stdin().lock()))
    } else {
        let file = std::fs::File::open(&args.input).map_err(|source| Error::Input {
            path: args.input.clone(),
            source,
        })?;
        (
            args.input.to_string_lossy().into_owned(),
            Box::new(BufReader::new(file)),
        )
    };
    let pool = thread_pool(args.matching.threads)?;
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    let mut failed = false;
    // Lines as bytes: one that is not UTF-8 is reported with its number.
    let mut lines = reader.split(b'\n').enumerate();
    let mut ended = false;
    while !ended {
        let mut batch: Vec<(u64, Vec<u8>)> = Vec::with_capacity(REQUESTS_PER_BATCH);
        while batch.len() < REQUESTS_PER_BATCH {
            let Some((at, line)) = lines.next() else {
                ended = true;
                break;
            };
            let line = line.map_err(|source| Error::Input {
                path: args.input.clone(),
                source,
            })?;
            if !line.trim_ascii().is_empty() {
                batch.push((at as u64 + 1, line));
            }
        }
        let answers: Vec<Result<String, InputProblem>> = pool.install(|| {
            batch
                .par_iter()
                .map(|(line, bytes)| answer_line(&name, *line, bytes, &settings))
                .collect()
        });
        for answer in answers {
            match answer {
                Ok(text) => {
                    let written = stdout
                        .write_all(text.as_bytes())
                        .and_then(|()| stdout.write_all(b"\n"));
                    super::stdout_result(written)?;
                }
                Err(problem) => {
                    terminal.problem(&problem);
                    failed = true;
                }
            }
        }
    }
    super::stdout_result(stdout.flush())?;
    Ok(if failed {
        ExitCode::Error
    } else {
        ExitCode::Success
    })
}

/// The answer line to the request in `bytes` (line `line` of `name`), or
/// what is wrong with it (not JSON, not UTF-8, not a request).
fn answer_line(
    name: &str,
    line: u64,
    bytes: &[u8],
    settings: &RuleSettings,
) -> Result<String, InputProblem> {
    let problem =
        |message: String| InputProblem::new(name, Some(line), ProblemKind::MalformedJson, message);
    let request: Request = serde_json::from_slice(bytes)
        .map_err(|err| problem(format!("not a rule request: {err}")))?;
    let answer = answer(&request, settings).map_err(|err| problem(err.to_string()))?;
    Ok(serde_json::to_string(&AnswerLine { line, answer }).expect("answers serialize"))
}
