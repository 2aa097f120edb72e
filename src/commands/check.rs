//! `refrain check`: fingerprint the submissions, open the index (or build
//! one in memory from --against), check each submission, render, and exit
//! 1 when a finding is at or above --fail-on.

use crate::cli::{CheckArgs, CheckFormat, FailOn};
use crate::commands::index::index_params;
use crate::exit_code::ExitCode;
use crate::failure::Failure;
use crate::terminal::Terminal;
use refrain::batch;
use refrain::check::{
    CheckReport, CheckSettings, CheckedDocument, FindingKind, Repeat, check_document,
};
use refrain::error::{Error, Severity};
use refrain::fingerprint::Fingerprinter;
use refrain::index::Index;
use refrain::output::{AtomicFile, InputFiles, output_file};
use refrain::report::check_formats;

/// Runs `refrain check`.
pub fn run(args: &CheckArgs) -> Result<ExitCode, Failure> {
    let terminal = Terminal::stderr(args.quiet);
    let params = index_params(&args.matching);
    let index = match &args.index {
        Some(path) => Index::open_to_read(path, &params)?,
        None => {
            let mut index = Index::in_memory(&params)?;
            let config = args.matching.to_config(args.against.clone(), &args.input);
            index.add_corpus(&config, &terminal.progress())?;
            index
        }
    };

    // The submissions are analyzed together (repeated passages inside
    // each), their texts kept to be fingerprinted whole one at a time.
    let config = args.matching.to_config(args.files.clone(), &args.input);
    let options = batch::Options {
        keep_texts: true,
        ..batch::Options::default()
    };
    let analysis = batch::analyze(&config, &options, &terminal.progress())?;
    let fingerprinter = Fingerprinter::new(&config.fingerprint);
    let settings = CheckSettings {
        threshold: config.threshold,
        // Off: no share reaches it.
        containment: config.containment.unwrap_or(f64::INFINITY),
        passage_threshold: config.passage_threshold,
        min_block_paragraphs: args.min_block_paragraphs.max(1),
        min_docs: config.min_docs,
        min_passage_tokens: config.min_passage_tokens,
        max_candidates: 64,
    };
    let html = !args.json && args.format == CheckFormat::Html;
    // Opened before the work: a path that cannot be written fails at once.
    let out_file = match output_file(args.output.as_deref()) {
        Some(path) => {
            InputFiles::under(&config.paths)
                .refuse(path)
                .map_err(Failure::of_output("--output"))?;
            Some(AtomicFile::create(path)?)
        }
        None => None,
    };
    let mut texts = refrain::report::html::DocumentTexts::new();
    let mut documents = Vec::new();
    for (d, doc) in analysis.documents.iter().enumerate() {
        let text = analysis.text_of(d).expect("texts are kept")?;
        if html {
            texts.insert(doc.name.clone(), text.to_string());
        }
        let print = fingerprinter.document(&text);
        let repeats = repeats_in(&analysis, d)?;
        let source = analysis.source_of(d);
        let findings = check_document(
            &index.archive_id(&doc.name, source, doc.line),
            &text,
            &print,
            &repeats,
            &index,
            &settings,
            config.fingerprint.num_perm,
        )?;
        documents.push(CheckedDocument {
            doc: doc.name.clone(),
            source: source.to_owned(),
            source_line: doc.line,
            findings,
        });
    }
    let fail_on: Vec<FindingKind> = args
        .fail_on
        .iter()
        .filter_map(|f| match f {
            FailOn::NearDuplicate => Some(FindingKind::NearDuplicate),
            FailOn::Containment => Some(FindingKind::Containment),
            FailOn::Repeated => Some(FindingKind::Repeated),
            FailOn::Boilerplate => Some(FindingKind::Boilerplate),
            FailOn::None => None,
        })
        .collect();
    let report = CheckReport {
        schema_version: 1,
        index: args
            .index
            .as_ref()
            .map(|p| p.to_string_lossy().into_owned()),
        fail_on,
        documents,
        errors: analysis.problems.clone(),
    };
    let format = if args.json {
        CheckFormat::Json
    } else {
        args.format
    };
    let text = match format {
        CheckFormat::Human => crate::paint::check_lines(&check_formats::human(&report)),
        CheckFormat::Github => check_formats::github(&report),
        CheckFormat::Sarif => check_formats::sarif(&report),
        CheckFormat::Html => {
            // The archived documents matched, read back from their files
            // (ids are relative to the index's directory, or to here).
            let root = match &args.index {
                Some(index) => index
                    .parent()
                    .map(std::path::Path::to_path_buf)
                    .unwrap_or_default(),
                None => std::path::PathBuf::new(),
            };
            let archived: Vec<(String, Option<String>)> = report
                .documents
                .iter()
                .flat_map(|d| &d.findings)
                .filter_map(|f| f.archived.as_ref())
                .map(|a| {
                    (
                        a.doc.clone(),
                        a.source_line.map(|l| format!("{}:{l}", a.source)),
                    )
                })
                .collect();
            texts.extend(super::html::read_texts(&archived, &root, &config.read));
            refrain::report::html::check_page(&report, &texts, config.threshold)
        }
        CheckFormat::Json => {
            let mut text =
                serde_json::to_string_pretty(&report).expect("the check report serializes");
            text.push('\n');
            text
        }
    };
    match out_file {
        Some(mut out) => {
            use std::io::Write;
            out.write_all(text.as_bytes()).map_err(|e| out.error(e))?;
            out.commit()?;
        }
        None => super::print_stdout(&text)?,
    }
    let mut code = if report.fails() {
        ExitCode::Findings
    } else {
        ExitCode::Success
    };
    if report.errors.iter().any(|e| e.severity == Severity::Error) {
        code = code.merge(ExitCode::Error);
    }
    Ok(code)
}

/// Every passage printed more than once in document `d`: each later
/// print with its first, in the order of the later prints.
fn repeats_in(analysis: &batch::Analysis, d: usize) -> Result<Vec<Repeat>, Error> {
    let mut repeats = Vec::new();
    for prints in analysis.passages.prints_in(d) {
        let first = prints.paragraphs[0];
        for &later in &prints.paragraphs[1..] {
            repeats.push(Repeat {
                first,
                later,
                similarity: analysis.paragraph_similarity(d, first, later)?,
            });
        }
    }
    repeats.sort_by_key(|r| r.later);
    Ok(repeats)
}
