//! `refrain clean`: analyze the files (with the --against corpus), plan
//! removals per file, and write cleaned copies to stdout, --out-dir or in
//! place, never leaving a file half-written.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::clean::{Removal, RemovalReason, apply_removals, plan_removals};
use crate::cli::CleanArgs;
use crate::corpus::{InputFormat, walk};
use crate::error::{Error, InputProblem};
use crate::exit_code::ExitCode;
use crate::output::{relative_path, write_atomically};
use crate::pipeline;
use crate::progress::Progress;

/// The `--json` output.
#[derive(Debug, Serialize)]
struct CleanReport {
    schema_version: u32,
    files: Vec<CleanedFile>,
    errors: Vec<InputProblem>,
}

#[derive(Debug, Serialize)]
struct CleanedFile {
    path: String,
    /// Where the cleaned copy went (`null`: stdout, or not written).
    output: Option<String>,
    removed: Vec<Removal>,
}

/// Runs `refrain clean`.
pub fn run(args: &CleanArgs) -> Result<ExitCode, Error> {
    let writes_files = args.out_dir.is_some() || args.in_place;
    if args.files.len() > 1 && !writes_files && !args.dry_run && !args.json {
        return Err(Error::InvalidFlag {
            flag: "FILE",
            reason: format!(
                "{} files cannot all be written to stdout; add --out-dir DIR or --in-place",
                args.files.len()
            ),
        });
    }
    if args.files.iter().any(|f| f.as_os_str() == "-") {
        return Err(Error::InvalidFlag {
            flag: "FILE",
            reason: "clean reads files, not stdin: save the text to a file first".into(),
        });
    }
    let (target_sources, _) = walk(&args.files);
    let targets: HashSet<String> = target_sources.iter().map(|s| s.display_name()).collect();

    let mut paths = args.files.clone();
    paths.extend(args.against.iter().cloned());
    let config = args.matching.to_config(paths, &args.input);
    let progress = Progress::stderr(args.quiet);
    let analysis = pipeline::analyze(&config, &progress)?;

    let mut code = ExitCode::Success;
    if analysis
        .problems
        .iter()
        .any(|p| p.severity == crate::error::Severity::Error)
    {
        code = code.merge(ExitCode::Error);
    }
    let mut files = Vec::new();
    for (d, doc) in analysis.documents.iter().enumerate() {
        if !targets.contains(&doc.source) {
            continue;
        }
        if doc.source_line.is_some() || config.read.format == InputFormat::Jsonl {
            progress.message(&format!(
                "refrain: error: {}: clean writes plain-text files; JSONL records are left alone",
                doc.source
            ));
            code = code.merge(ExitCode::Error);
            continue;
        }
        let removals = plan_removals(&analysis, d, args.boilerplate);
        for removal in &removals {
            progress.message(&describe(&doc.source, removal));
        }
        let spans: Vec<_> = analysis.prints[d]
            .paragraphs
            .iter()
            .map(|p| p.span.clone())
            .collect();
        let removed: Vec<u32> = removals.iter().map(|r| r.paragraph).collect();
        let cleaned = apply_removals(&doc.text, &spans, &removed);
        let output = if args.dry_run {
            None
        } else if let Some(dir) = &args.out_dir {
            let target = dir.join(relative_path(Path::new(&doc.source)));
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|source| Error::Output {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            write_atomically(&target, cleaned.as_bytes())?;
            Some(target.to_string_lossy().into_owned())
        } else if args.in_place {
            if !removals.is_empty() {
                replace_in_place(Path::new(&doc.source), cleaned.as_bytes(), !args.no_backup)?;
            }
            Some(doc.source.clone())
        } else {
            if !args.json {
                super::print_stdout(&cleaned)?;
            }
            None
        };
        if !args.quiet {
            let what = match (&output, args.dry_run) {
                (_, true) => "dry run, nothing written".to_owned(),
                (Some(path), false) if args.in_place && removals.is_empty() => {
                    format!("{path} left as it was")
                }
                (Some(path), false) => format!("wrote {path}"),
                (None, false) => "cleaned text on stdout".to_owned(),
            };
            progress.message(&format!(
                "refrain: {}: {} paragraph(s) removed; {what}",
                doc.source,
                removals.len()
            ));
        }
        files.push(CleanedFile {
            path: doc.source.clone(),
            output,
            removed: removals,
        });
    }
    if args.json {
        let report = CleanReport {
            schema_version: 1,
            files,
            errors: analysis.problems.clone(),
        };
        let mut text = serde_json::to_string_pretty(&report).expect("the clean report serializes");
        text.push('\n');
        super::print_stdout(&text)?;
    }
    Ok(code)
}

/// `path:line: removed ...` for stderr.
fn describe(source: &str, removal: &Removal) -> String {
    let preview: String = removal.text.chars().take(60).collect();
    let ellipsis = if removal.text.chars().count() > 60 {
        "…"
    } else {
        ""
    };
    match removal.reason {
        RemovalReason::Repeated => format!(
            "{source}:{}: removed repeat of the passage at line {} (similarity {:.2}): \"{preview}{ellipsis}\"",
            removal.line,
            removal.first_line.unwrap_or(0),
            removal.similarity
        ),
        RemovalReason::Boilerplate => format!(
            "{source}:{}: removed boilerplate found in {} documents: \"{preview}{ellipsis}\"",
            removal.line, removal.documents
        ),
    }
}

/// Replaces `path` atomically; with `backup`, the original is first linked
/// (or copied) to `path.orig`, which must not exist yet.
fn replace_in_place(path: &Path, contents: &[u8], backup: bool) -> Result<(), Error> {
    if backup {
        let mut backup_name = path.as_os_str().to_owned();
        backup_name.push(".orig");
        let backup_path = PathBuf::from(backup_name);
        if backup_path.exists() {
            return Err(Error::Output {
                path: backup_path,
                source: std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "the backup exists already; move it away or use --no-backup",
                ),
            });
        }
        if std::fs::hard_link(path, &backup_path).is_err() {
            let original = std::fs::read(path).map_err(|source| Error::Output {
                path: path.to_path_buf(),
                source,
            })?;
            write_atomically(&backup_path, &original)?;
        }
    }
    write_atomically(path, contents)
}
