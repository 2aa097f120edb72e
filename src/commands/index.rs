//! `refrain index add|stats|remove`.

use crate::cli::{IndexCommand, MatchArgs};
use crate::exit_code::ExitCode;
use crate::failure::Failure;
use crate::terminal::Terminal;
use refrain::error::Severity;
use refrain::index::{Access, Index, IndexParams};

/// The index settings the matching flags describe.
pub fn index_params(matching: &MatchArgs) -> IndexParams {
    IndexParams::new(
        matching.fingerprint(),
        matching.threshold,
        matching.passage_threshold,
    )
}

/// Runs an `index` subcommand.
pub fn run(command: &IndexCommand) -> Result<ExitCode, Failure> {
    match command {
        IndexCommand::Add(args) => {
            let config = args.matching.to_config(args.paths.clone(), &args.input);
            let terminal = Terminal::stderr(args.quiet);
            let mut index = Index::open(&args.index, &index_params(&args.matching), true)?;
            let (stats, problems) = index.add_corpus(&config, &terminal.progress())?;
            let mut text = serde_json::to_string_pretty(&stats).expect("stats serialize");
            text.push('\n');
            super::print_stdout(&text)?;
            let failed = problems.iter().any(|p| p.severity == Severity::Error);
            Ok(if failed {
                ExitCode::Error
            } else {
                ExitCode::Success
            })
        }
        IndexCommand::Stats(args) => {
            let index = Index::open_as_built(&args.index, Access::Read)?;
            let stats = index.stats(args.matching.min_docs)?;
            let mut text = serde_json::to_string_pretty(&stats).expect("stats serialize");
            text.push('\n');
            super::print_stdout(&text)?;
            Ok(ExitCode::Success)
        }
        IndexCommand::Remove(args) => {
            let mut index = Index::open_as_built(&args.index, Access::Write)?;
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
