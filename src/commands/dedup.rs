//! `refrain dedup`: analyze a batch, decide keep or drop per document, write
//! the decisions as JSON lines, and with --write-kept the kept documents in
//! their own format without boilerplate paragraphs.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

use crate::clean::apply_removals;
use crate::cli::DedupArgs;
use crate::dedup::{Decision, decide};
use crate::error::{Error, Severity};
use crate::exit_code::ExitCode;
use crate::output::{relative_path, write_atomically};
use crate::pipeline::{self, Analysis};
use crate::progress::Progress;

/// Runs `refrain dedup`.
pub fn run(args: &DedupArgs) -> Result<ExitCode, Error> {
    let mut config = args.matching.to_config(args.paths.clone(), &args.input);
    config.read.extra_field = args.keep.field().map(str::to_owned);
    let progress = Progress::stderr(args.quiet);
    let analysis = pipeline::analyze(&config, &progress)?;
    let decisions = decide(&analysis, &args.keep);
    let mut lines = String::new();
    for decision in &decisions {
        lines.push_str(&serde_json::to_string(decision).expect("decisions serialize"));
        lines.push('\n');
    }
    match &args.output {
        Some(path) => write_atomically(path, lines.as_bytes())?,
        None => super::print_stdout(&lines)?,
    }
    if let Some(dir) = &args.write_kept {
        write_kept(dir, &analysis, &decisions, &config.read.text_field)?;
    }
    let dropped = decisions.iter().filter(|d| !d.keep).count();
    progress.message(&format!(
        "refrain: {} document(s): {} kept, {dropped} dropped as near-duplicates",
        decisions.len(),
        decisions.len() - dropped
    ));
    let failed = analysis
        .problems
        .iter()
        .any(|p| p.severity == Severity::Error);
    Ok(if failed {
        ExitCode::Error
    } else {
        ExitCode::Success
    })
}

/// Kept documents, boilerplate removed: a text file per kept text file;
/// for a JSONL source, its kept records (re-read from the source, every
/// other field as it was) in a file of the same relative path.
fn write_kept(
    dir: &Path,
    analysis: &Analysis,
    decisions: &[Decision],
    text_field: &str,
) -> Result<(), Error> {
    let cleaned = |d: usize| {
        let doc = &analysis.documents[d];
        let spans: Vec<_> = analysis.prints[d]
            .paragraphs
            .iter()
            .map(|p| p.span.clone())
            .collect();
        apply_removals(&doc.text, &spans, &decisions[d].boilerplate_paragraphs)
    };
    let mut jsonl: BTreeMap<&str, HashMap<u64, usize>> = BTreeMap::new();
    for (d, doc) in analysis.documents.iter().enumerate() {
        match doc.source_line {
            Some(line) => {
                let records = jsonl.entry(doc.source.as_str()).or_default();
                if decisions[d].keep {
                    records.insert(line, d);
                }
            }
            None if decisions[d].keep => write_file(
                &dir.join(relative_path(Path::new(&doc.source))),
                cleaned(d).as_bytes(),
            )?,
            None => {}
        }
    }
    for (source, kept) in jsonl {
        if source == "<stdin>" {
            return Err(Error::InvalidFlag {
                flag: "--write-kept",
                reason: "standard input cannot be read again; save it to a file first".into(),
            });
        }
        let file = std::fs::File::open(source).map_err(|e| Error::Output {
            path: source.into(),
            source: e,
        })?;
        let mut out = String::new();
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(|e| Error::Output {
                path: source.into(),
                source: e,
            })?;
            let Some(&d) = kept.get(&(n as u64 + 1)) else {
                continue;
            };
            let mut record: serde_json::Value =
                serde_json::from_str(&line).unwrap_or(serde_json::Value::Null);
            if let Some(object) = record.as_object_mut() {
                object.insert(text_field.to_owned(), serde_json::Value::String(cleaned(d)));
                out.push_str(&serde_json::to_string(&record).expect("records serialize"));
                out.push('\n');
            }
        }
        write_file(&dir.join(relative_path(Path::new(source))), out.as_bytes())?;
    }
    Ok(())
}

fn write_file(path: &Path, contents: &[u8]) -> Result<(), Error> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Output {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    write_atomically(path, contents)
}
