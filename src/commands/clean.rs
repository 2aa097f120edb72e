//! `refrain clean`: analyze the files (with the --against corpus), plan
//! removals per file, and write cleaned copies to stdout, --out-dir or in
//! place, never leaving a file half-written.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cli::CleanArgs;
use crate::exit_code::ExitCode;
use crate::failure::Failure;
use crate::terminal::Terminal;
use refrain::batch;
use refrain::clean::{DecodedBytes, Removal, RemovalReason, plan_removals, removal_cuts};
use refrain::corpus::read::open_source;
use refrain::corpus::{InputFormat, Source, walk};
use refrain::error::{Error, InputProblem};
use refrain::output::{AtomicFile, InputFiles, fault_point, output_name, write_atomically};
use refrain::text::split_paragraphs;
use xxhash_rust::xxh3::xxh3_64;

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
pub fn run(args: &CleanArgs) -> Result<ExitCode, Failure> {
    let writes_files = args.out_dir.is_some() || args.in_place;
    if args.files.len() > 1 && !writes_files && !args.dry_run && !args.json {
        return Err(Failure::Flag {
            flag: "FILE",
            reason: format!(
                "{} files cannot all be written to stdout; add --out-dir DIR or --in-place",
                args.files.len()
            ),
        });
    }
    if args.files.iter().any(|f| f.as_os_str() == "-") {
        return Err(Failure::Flag {
            flag: "FILE",
            reason: "clean reads files, not stdin: save the text to a file first".into(),
        });
    }
    let (target_sources, _) = walk(&args.files);
    let targets: HashSet<String> = target_sources.iter().map(|s| s.display_name()).collect();
    // The path itself, not its lossy name, is what is read again and written:
    // a name that is not UTF-8 must not lead to another file.
    let mut paths_by_name: HashMap<String, Option<PathBuf>> = HashMap::new();
    for source in &target_sources {
        if let Source::File(path) = source {
            paths_by_name
                .entry(source.display_name())
                .and_modify(|seen| {
                    if seen.as_deref() != Some(path.as_path()) {
                        *seen = None;
                    }
                })
                .or_insert_with(|| Some(path.clone()));
        }
    }
    let mut all_inputs = args.files.clone();
    all_inputs.extend(args.against.iter().cloned());
    let inputs = InputFiles::under(&all_inputs);

    let mut paths = args.files.clone();
    paths.extend(args.against.iter().cloned());
    let config = args.matching.to_config(paths, &args.input);
    let terminal = Terminal::stderr(args.quiet);
    let analysis = batch::analyze(&config, &batch::Options::default(), &terminal.progress())?;

    let mut code = ExitCode::Success;
    if analysis
        .problems
        .iter()
        .any(|p| p.severity == refrain::error::Severity::Error)
    {
        code = code.merge(ExitCode::Error);
    }
    let mut files = Vec::new();
    for (d, doc) in analysis.documents.iter().enumerate() {
        let source = analysis.source_of(d);
        if !targets.contains(source) {
            continue;
        }
        if doc.line.is_some() || config.read.format == InputFormat::Jsonl {
            terminal.message(&format!(
                "refrain: error: {source}: clean writes plain-text files; JSONL records are left alone",
            ));
            code = code.merge(ExitCode::Error);
            continue;
        }
        let Some(path) = paths_by_name.get(source).cloned().flatten() else {
            terminal.message(&format!(
                "refrain: error: {source}: two files have this name once decoded; rename one",
            ));
            code = code.merge(ExitCode::Error);
            continue;
        };
        // The text is read again (the engine keeps none) and cut from the
        // file's own bytes: whatever its encoding, every kept byte stays.
        let original = read_original(&path, doc.text_hash)?;
        let text = &original.decoded.text;
        let spans = split_paragraphs(text);
        let removals = plan_removals(&analysis, d, text, &spans, args.boilerplate)?;
        for removal in &removals {
            terminal.message(&describe(source, removal, args.dry_run));
        }
        let removed: Vec<u32> = removals.iter().map(|r| r.paragraph).collect();
        let cuts = removal_cuts(&spans, &removed);
        let output = if args.dry_run {
            None
        } else {
            let cleaned = original.decoded.cut(&original.bytes, &cuts);
            if let Some(dir) = &args.out_dir {
                let target = dir.join(output_name(source));
                inputs
                    .refuse(&target)
                    .map_err(Failure::of_output("--out-dir"))?;
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|source| Error::Output {
                        path: parent.to_path_buf(),
                        source,
                    })?;
                }
                write_atomically(&target, &cleaned)?;
                Some(target.to_string_lossy().into_owned())
            } else if args.in_place {
                if !removals.is_empty() {
                    if original.compressed {
                        return Err(Failure::Flag {
                            flag: "--in-place",
                            reason: format!(
                                "{} is compressed; clean a decompressed copy, or use --out-dir",
                                doc.source
                            ),
                        });
                    }
                    replace_in_place(&path, &original.bytes, &cleaned, !args.no_backup)?;
                }
                Some(source.to_owned())
            } else {
                if !args.json {
                    super::print_stdout_bytes(&cleaned)?;
                }
                None
            }
        };
        if !args.quiet {
            let what = match (&output, args.dry_run) {
                (_, true) => "dry run, nothing written".to_owned(),
                (Some(path), false) if args.in_place && removals.is_empty() => {
                    format!("{path} left as it was")
                }
                (Some(path), false) => format!("wrote {path}"),
                (None, false) if args.json => {
                    "cleaned text not written (--json: the report is on stdout)".to_owned()
                }
                (None, false) => "cleaned text on stdout".to_owned(),
            };
            let removed = if args.dry_run {
                "would be removed"
            } else {
                "removed"
            };
            terminal.message(&format!(
                "refrain: {}: {} paragraph(s) {removed}; {what}",
                source,
                removals.len()
            ));
        }
        files.push(CleanedFile {
            path: source.to_owned(),
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
fn describe(source: &str, removal: &Removal, dry_run: bool) -> String {
    let removed = if dry_run { "would remove" } else { "removed" };
    let preview: String = removal.text.chars().take(60).collect();
    let ellipsis = if removal.text.chars().count() > 60 {
        "…"
    } else {
        ""
    };
    match removal.reason {
        RemovalReason::Repeated => format!(
            "{source}:{}: {removed} repeat of the passage at line {} (similarity {:.2}): \"{preview}{ellipsis}\"",
            removal.line,
            removal.first_line.unwrap_or(0),
            removal.similarity
        ),
        RemovalReason::Boilerplate => format!(
            "{source}:{}: {removed} boilerplate found in {} documents: \"{preview}{ellipsis}\"",
            removal.line, removal.documents
        ),
    }
}

/// A file as it is now: its (decompressed) bytes, decoded.
struct Original {
    bytes: Vec<u8>,
    decoded: DecodedBytes,
    compressed: bool,
}

/// Reads `path` again, and checks that it still holds `text`.
fn read_original(path: &Path, text_hash: u64) -> Result<Original, Error> {
    let fail = |source| Error::Output {
        path: path.to_path_buf(),
        source,
    };
    let mut raw = [0u8; 4];
    let mut head = std::fs::File::open(path).map_err(fail)?;
    let n = std::io::Read::read(&mut head, &mut raw).map_err(fail)?;
    let compressed = raw[..n].starts_with(&[0x1f, 0x8b]) || raw[..n] == [0x28, 0xb5, 0x2f, 0xfd];
    let mut bytes = Vec::new();
    open_source(&Source::File(path.to_path_buf()))
        .and_then(|mut reader| reader.read_to_end(&mut bytes))
        .map_err(fail)?;
    let decoded = DecodedBytes::new(&bytes);
    if xxh3_64(decoded.text.as_bytes()) != text_hash {
        return Err(fail(std::io::Error::other(
            "the file changed while refrain was reading it; nothing was written",
        )));
    }
    Ok(Original {
        bytes,
        decoded,
        compressed,
    })
}

/// Replaces `path` (through a symbolic link, keeping its mode) with
/// `contents`; with `backup`, `original` is first saved as `path.orig`. A
/// backup left by an interrupted run is reused when it holds the same
/// bytes; a different one is never overwritten.
fn replace_in_place(
    path: &Path,
    original: &[u8],
    contents: &[u8],
    backup: bool,
) -> Result<(), Error> {
    // Opened first: a file that cannot be replaced safely (hard links, a
    // directory) is refused before any backup is made.
    let mut file = AtomicFile::create(path)?;
    if backup {
        let mut backup_name = path.as_os_str().to_owned();
        backup_name.push(".orig");
        let backup_path = PathBuf::from(backup_name);
        match std::fs::read(&backup_path) {
            Ok(existing) if existing == original => {}
            Ok(_) => {
                return Err(Error::Output {
                    path: backup_path,
                    source: std::io::Error::new(
                        std::io::ErrorKind::AlreadyExists,
                        "a different backup exists already; move it away or use --no-backup",
                    ),
                });
            }
            Err(_) => write_atomically(&backup_path, original)?,
        }
    }
    file.write_all(contents).map_err(|e| file.error(e))?;
    fault_point("in-place").map_err(|e| file.error(e))?;
    file.commit()
}
