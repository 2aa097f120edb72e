//! `refrain dedup`: run the bounded-memory batch pipeline, decide keep or
//! drop per document, stream the decisions as JSON lines, and with
//! --write-kept the kept documents in their own format without
//! boilerplate paragraphs.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cli::DedupArgs;
use crate::exit_code::ExitCode;
use crate::failure::Failure;
use crate::terminal::Terminal;
use refrain::batch::{self, Analysis};
use refrain::boilerplate::PassageKind;
use refrain::clean::{DecodedBytes, apply_removals, removal_cuts};
use refrain::config::ScanConfig;
use refrain::corpus::Source;
use refrain::corpus::read::{decode_lossy, is_jsonl, open_source};
use refrain::dedup::{KeepPolicy, Verdict, check_keep_field, decide};
use refrain::error::{Error, Severity};
use refrain::output::{AtomicFile, InputFiles, output_file, output_name};
use refrain::text::split_paragraphs;
use refrain::threads::{drop_in_background, thread_pool};

/// Runs `refrain dedup`.
pub fn run(args: &DedupArgs) -> Result<ExitCode, Failure> {
    let mut config = args.matching.to_config(args.paths.clone(), &args.input);
    config.read.extra_field = args.keep.field().map(str::to_owned);
    let inputs = InputFiles::under(&config.paths);
    if let Some(path) = output_file(args.output.as_deref()) {
        inputs
            .refuse(path)
            .map_err(Failure::of_output("--output"))?;
    }
    // The output is opened before the work, so that a path that cannot be
    // written fails at once, not after an hour of deduplication.
    let mut out_file = output_file(args.output.as_deref())
        .map(AtomicFile::create)
        .transpose()?;
    let html_file = match &args.report_html {
        Some(path) => {
            inputs
                .refuse(path)
                .map_err(Failure::of_output("--report-html"))?;
            Some(AtomicFile::create(path)?)
        }
        None => None,
    };
    let mut terminal = Terminal::stderr(args.quiet);
    if args.stats {
        terminal = terminal.with_stage_times();
    }
    let options = batch::Options {
        temp_dir: args.temp_dir.as_deref(),
        // The page quotes passages and says where they are.
        locate: html_file.is_some(),
        ..batch::Options::default()
    };
    let analysis = batch::analyze(&config, &options, &terminal.progress())?;
    if let Some(mut file) = html_file {
        use refrain::report::html::{Limits, documents_shown, scan_page};
        let report = analysis.report(&config, options.temp_dir)?;
        let limits = Limits {
            passage_clusters: args.report_clusters,
            document_clusters: args.report_clusters,
            ..Limits::default()
        };
        let texts = super::html::read_texts(
            &documents_shown(&report, &limits),
            std::path::Path::new(""),
            &config.read,
        );
        let page = scan_page(&report, &texts, &limits);
        file.write_all(page.as_bytes()).map_err(|e| file.error(e))?;
        file.commit()?;
    }
    if args.stats {
        let stats = serde_json::to_string(&analysis.stats).expect("counts serialize");
        terminal.message(&format!("refrain: stats {stats}"));
    }
    if let Some(coverage) = check_keep_field(&analysis, &args.keep)?.filter(|c| c.is_thin())
        && let KeepPolicy::Field(name) = &args.keep
    {
        terminal.message(&format!(
            "refrain: warning: --keep field:{name}: only {} of {} document(s) have the \
                 field; in a cluster, those without it are kept only when no member has it",
            coverage.with, coverage.total
        ));
    }
    let verdicts = decide(&analysis, &args.keep, &config.document_rule())?;
    let pool = thread_pool(config.threads)?;
    match out_file.take() {
        Some(mut file) => {
            write_decisions(&mut file, &analysis, &verdicts, &pool).map_err(|e| file.error(e))?;
            file.commit()?;
        }
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            super::stdout_result(
                write_decisions(&mut stdout, &analysis, &verdicts, &pool)
                    .and_then(|()| stdout.flush()),
            )?;
        }
    }
    if let Some(dir) = &args.write_kept {
        write_kept(dir, &inputs, &analysis, &verdicts, &config)?;
    }
    let dropped = (0..verdicts.len())
        .filter(|&d| !verdicts[d].keeps(d))
        .count();
    terminal.message(&format!(
        "refrain: {} document(s): {} kept, {dropped} dropped as near-duplicates \
         ({:.1} MB of temporary files, {:.1} s)",
        verdicts.len(),
        verdicts.len() - dropped,
        analysis.stats.spilled_bytes as f64 / 1e6,
        analysis.stats.elapsed_ms as f64 / 1e3,
    ));
    let failed = analysis
        .problems
        .iter()
        .any(|p| p.severity == Severity::Error);
    // Freeing a large run's analysis (a million documents' ids, the
    // paragraph table) takes 0.4 s, not worth waiting for.
    drop_in_background(analysis);
    Ok(if failed {
        ExitCode::Error
    } else {
        ExitCode::Success
    })
}

/// Decisions serialized together by one worker.
const DECISIONS_PER_CHUNK: usize = 4096;
/// Chunks serialized in parallel before they are written, in order.
const CHUNKS_PER_WRITE: usize = 16;

/// Writes one JSON line per document, in input order. The lines are
/// made on `pool` a slice of documents at a time (a few MB held at once)
/// and written in order: the output is the same for any thread count.
fn write_decisions(
    out: &mut impl Write,
    analysis: &Analysis,
    verdicts: &[Verdict],
    pool: &rayon::ThreadPool,
) -> std::io::Result<()> {
    let per_write = DECISIONS_PER_CHUNK * CHUNKS_PER_WRITE;
    for (w, slice) in verdicts.chunks(per_write).enumerate() {
        let lines: Vec<Vec<u8>> = pool.install(|| {
            slice
                .par_chunks(DECISIONS_PER_CHUNK)
                .enumerate()
                .map(|(c, chunk)| {
                    let first = w * per_write + c * DECISIONS_PER_CHUNK;
                    let mut lines = Vec::with_capacity(chunk.len() * 256);
                    for (i, verdict) in chunk.iter().enumerate() {
                        serde_json::to_writer(&mut lines, &verdict.decision(analysis, first + i))?;
                        lines.push(b'\n');
                    }
                    Ok(lines)
                })
                .collect::<Result<_, serde_json::Error>>()
        })?;
        for chunk in lines {
            out.write_all(&chunk)?;
        }
    }
    // Inputs that never became documents (empty, binary, too large, not a
    // record) get their line too, after the documents', saying why.
    for problem in analysis.problems.iter().filter(|p| is_skipped_document(p)) {
        let id = match problem.line {
            Some(line) => format!("{}:{line}", problem.source),
            None => problem.source.clone(),
        };
        let line = serde_json::json!({
            "id": id,
            "source": problem.source,
            "line": problem.line,
            "cluster": null,
            "keep": false,
            "representative": false,
            "duplicate_of": null,
            "similarity": null,
            "boilerplate_paragraphs": [],
            "skipped": problem.kind,
            "reason": problem.message,
        });
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// True for a problem that kept a file or record out of the corpus.
fn is_skipped_document(problem: &refrain::error::InputProblem) -> bool {
    use refrain::error::ProblemKind::*;
    matches!(
        problem.kind,
        Binary | Empty | TooLarge | MalformedJson | MissingField
    )
}

/// Kept documents, boilerplate removed, written source by source as the
/// sources are read again: a text file per kept text file; for a JSONL
/// source, its kept records (every other field as it was) in a file of
/// the same relative path, without a `.gz`/`.zst` suffix.
fn write_kept(
    dir: &Path,
    inputs: &InputFiles,
    analysis: &Analysis,
    verdicts: &[Verdict],
    config: &ScanConfig,
) -> Result<(), Failure> {
    // Nothing is written if any output would land on an input.
    for name in analysis.sources.iter().filter(|name| *name != "<stdin>") {
        inputs
            .refuse(&dir.join(output_name(name)))
            .map_err(Failure::of_output("--write-kept"))?;
    }
    let removed = removed_paragraphs(analysis);
    let mut first_doc = 0;
    for (s, name) in analysis.sources.iter().enumerate() {
        let docs_end = first_doc
            + analysis.documents[first_doc..]
                .iter()
                .take_while(|doc| doc.source as usize == s)
                .count();
        let docs = first_doc..docs_end;
        first_doc = docs_end;
        if name == "<stdin>" {
            return Err(Failure::Flag {
                flag: "--write-kept",
                reason: "standard input cannot be read again; save it to a file first".into(),
            });
        }
        let source = Source::File(PathBuf::from(name));
        let target = dir.join(output_name(name));
        let reread = |source: std::io::Error| Error::Output {
            path: name.into(),
            source,
        };
        if is_jsonl(&source, &config.read) {
            create_parent(&target)?;
            let mut out = AtomicFile::create(&target)?;
            let mut reader = BufReader::new(open_source(&source).map_err(reread)?);
            let mut next = docs.start;
            let mut buf = Vec::new();
            let mut line_number = 0u64;
            while next < docs.end {
                buf.clear();
                if reader.read_until(b'\n', &mut buf).map_err(reread)? == 0 {
                    break;
                }
                line_number += 1;
                if analysis.documents[next].line != Some(line_number) {
                    continue;
                }
                let d = next;
                next += 1;
                if !verdicts[d].keeps(d) {
                    continue;
                }
                if removed[d].is_empty() {
                    // Nothing cut: the record's own bytes, escapes, key
                    // order, invalid UTF-8 and all.
                    if !buf.ends_with(b"\n") {
                        buf.push(b'\n');
                    }
                    out.write_all(&buf).map_err(|e| out.error(e))?;
                    continue;
                }
                let line = decode_lossy(std::mem::take(&mut buf));
                let mut record: serde_json::Value =
                    serde_json::from_str(line.trim_end()).unwrap_or(serde_json::Value::Null);
                let Some(object) = record.as_object_mut() else {
                    continue;
                };
                let Some(text) = object.get(&config.read.text_field).and_then(|t| t.as_str())
                else {
                    continue;
                };
                let cleaned = cleaned(text, &removed[d]);
                object.insert(
                    config.read.text_field.clone(),
                    serde_json::Value::String(cleaned),
                );
                serde_json::to_writer(&mut out, &record)
                    .map_err(std::io::Error::from)
                    .and_then(|()| out.write_all(b"\n"))
                    .map_err(|e| out.error(e))?;
            }
            out.commit()?;
        } else {
            for d in docs.filter(|&d| verdicts[d].keeps(d)) {
                // Cut from the file's own bytes, so a kept paragraph stays
                // byte for byte whatever its encoding.
                let mut bytes = Vec::new();
                open_source(&source)
                    .and_then(|mut reader| reader.read_to_end(&mut bytes))
                    .map_err(reread)?;
                let decoded = DecodedBytes::new(&bytes);
                let cuts = removal_cuts(&split_paragraphs(&decoded.text), &removed[d]);
                create_parent(&target)?;
                let mut out = AtomicFile::create(&target)?;
                out.write_all(&decoded.cut(&bytes, &cuts))
                    .map_err(|e| out.error(e))?;
                out.commit()?;
            }
        }
    }
    Ok(())
}

/// Per document, the paragraphs `--write-kept` removes: its excluded
/// paragraphs (boilerplate, pasted repeats) but the first print of a
/// passage that is not boilerplate, which `refrain clean` keeps too.
fn removed_paragraphs(analysis: &Analysis) -> Vec<Vec<u32>> {
    let passages = &analysis.passages;
    let mut first_prints: HashSet<(u32, u32)> = HashSet::new();
    for passage in &passages.clusters {
        if passage.kind == PassageKind::Boilerplate {
            continue;
        }
        let mut last_doc = None;
        for &refrain::boilerplate::Occurrence {
            doc: d,
            paragraph: p,
        } in &passage.occurrences
        {
            if last_doc != Some(d) {
                first_prints.insert((d, p));
                last_doc = Some(d);
            }
        }
    }
    analysis
        .excluded
        .iter()
        .enumerate()
        .map(|(d, excluded)| {
            excluded
                .iter()
                .copied()
                .filter(|&p| !first_prints.contains(&(d as u32, p)))
                .collect()
        })
        .collect()
}

fn cleaned(text: &str, excluded: &[u32]) -> String {
    apply_removals(text, &split_paragraphs(text), excluded)
}

fn create_parent(path: &Path) -> Result<(), Error> {
    match path.parent() {
        Some(parent) => std::fs::create_dir_all(parent).map_err(|source| Error::Output {
            path: parent.to_path_buf(),
            source,
        }),
        None => Ok(()),
    }
}
