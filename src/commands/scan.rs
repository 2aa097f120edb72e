//! `refrain scan`: run the pipeline, print the summary or the JSON, write
//! `-o` atomically, and pick the exit code.

use crate::cli::{ScanArgs, ScanFormat};
use crate::exit_code::ExitCode;
use refrain::error::Error;
use std::io::Write;

use crate::failure::Failure;
use crate::terminal::Terminal;
use refrain::batch;
use refrain::output::{AtomicFile, InputFiles, output_file};
use refrain::report::{human, json};

/// Runs a scan from parsed flags.
pub fn run(args: &ScanArgs) -> Result<ExitCode, Failure> {
    let config = args.to_config();
    if let Some(path) = output_file(args.output.as_deref()) {
        InputFiles::under(&config.paths)
            .refuse(path)
            .map_err(Failure::of_output("--output"))?;
    }
    let file = output_file(args.output.as_deref());
    let html = args.format == ScanFormat::Html;
    // `-o -` asks for the report on stdout, as --json does.
    let json_on_stdout = !html
        && (args.json
            || args.format == ScanFormat::Json
            || (args.output.is_some() && file.is_none()));
    let html_on_stdout = html && file.is_none();
    // Opened before the work: a path that cannot be written fails at once.
    let out_file = file.map(AtomicFile::create).transpose()?;
    let options = batch::Options {
        temp_dir: args.temp_dir.as_deref(),
        locate: true,
        // A JSON report is written even when nothing could be used: its
        // errors say why (and the exit code is 2).
        allow_empty: json_on_stdout || html || file.is_some(),
        keep_texts: false,
    };
    let report = batch::scan(&config, &options, &Terminal::stderr(args.quiet).progress())?;
    let page = html.then(|| html_page(&report, &config, args.html_clusters));
    if let Some(mut out) = out_file {
        let mut buffered = std::io::BufWriter::with_capacity(1 << 20, &mut out);
        let written = match &page {
            Some(page) => buffered.write_all(page.as_bytes()),
            None => json::write(&report, &mut buffered),
        }
        .and_then(|()| buffered.flush());
        drop(buffered);
        written.map_err(|e| out.error(e))?;
        out.commit()?;
    }
    if let (true, Some(page)) = (html_on_stdout, &page) {
        super::print_stdout(page)?;
    } else if json_on_stdout {
        let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
        super::stdout_result(json::write(&report, &mut stdout).and_then(|()| stdout.flush()))?;
    } else {
        super::print_stdout(&crate::paint::scan_summary(&human::render(&report)))?;
    }
    if report.stats.documents == 0 {
        return Err(Error::no_documents(report.errors.len()).into());
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

/// The HTML page of `report`, with the texts it shows read back.
fn html_page(
    report: &refrain::report::Report,
    config: &refrain::config::ScanConfig,
    clusters: usize,
) -> String {
    use refrain::report::html::{Limits, documents_shown, scan_page};
    let limits = Limits {
        passage_clusters: clusters,
        document_clusters: clusters,
        ..Limits::default()
    };
    let shown = documents_shown(report, &limits);
    let texts = super::html::read_texts(&shown, std::path::Path::new(""), &config.read);
    scan_page(report, &texts, &limits)
}
