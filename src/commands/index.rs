//! `refrain index add|stats|remove`.

use crate::cli::{IndexCommand, MatchArgs};
use crate::error::{Error, ProblemKind, Severity};
use crate::exit_code::ExitCode;
use crate::index::{Index, IndexParams};
use crate::pipeline;
use crate::progress::Progress;

/// The index settings the matching flags describe.
pub fn index_params(matching: &MatchArgs) -> IndexParams {
    IndexParams::new(
        matching.fingerprint(),
        matching.threshold,
        matching.passage_threshold,
    )
}

/// Runs an `index` subcommand.
pub fn run(command: &IndexCommand) -> Result<ExitCode, Error> {
    match command {
        IndexCommand::Add(args) => {
            let config = args.matching.to_config(args.paths.clone(), &args.input);
            config.validate()?;
            let progress = Progress::stderr(args.quiet);
            let mut index = Index::open(&args.index, &index_params(&args.matching), true)?;
            let read = pipeline::in_pool(config.threads, || {
                pipeline::read_and_fingerprint(&config, &progress)
            })?;
            // A source that broke off part way (a truncated .gz) would add
            // some of its records: all of the input is added, or nothing.
            if let Some(broken) = read.problems.iter().find(|p| {
                p.kind == ProblemKind::Unreadable
                    && read.documents.iter().any(|d| d.source == p.source)
            }) {
                let records = read
                    .documents
                    .iter()
                    .filter(|d| d.source == broken.source)
                    .count();
                return Err(Error::Index {
                    path: args.index.clone(),
                    message: format!(
                        "{} broke off after {records} record(s) ({}); nothing was added: \
                         repair or leave out that file and run index add again",
                        broken.source, broken.message
                    ),
                });
            }
            let stage = progress.stage("indexing", 0);
            let stats = index.add(&read.documents, &read.prints, config.fingerprint.num_perm)?;
            stage.finish();
            let mut text = serde_json::to_string_pretty(&stats).expect("stats serialize");
            text.push('\n');
            super::print_stdout(&text)?;
            let failed = read.problems.iter().any(|p| p.severity == Severity::Error);
            Ok(if failed {
                ExitCode::Error
            } else {
                ExitCode::Success
            })
        }
        IndexCommand::Stats(args) => {
            let index = Index::open_as_built(&args.index)?;
            let stats = index.stats(args.matching.min_docs)?;
            let mut text = serde_json::to_string_pretty(&stats).expect("stats serialize");
            text.push('\n');
            super::print_stdout(&text)?;
            Ok(ExitCode::Success)
        }
        IndexCommand::Remove(args) => {
            let mut index = Index::open_as_built(&args.index)?;
            let missing = index.remove(&args.ids)?;
            let removed = args.ids.len() - missing.len();
            super::print_stdout(&format!("{{\n  \"removed\": {removed}\n}}\n"))?;
            if !missing.is_empty() {
                eprintln!(
                    "refrain: not in the index, so not removed: {}",
                    missing.join(", ")
                );
            }
            Ok(ExitCode::Success)
        }
    }
}
