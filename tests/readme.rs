//! The README's examples stay true: every ```text block of README.md that
//! shows commands (`$ refrain …` lines) is run as written, one line after
//! the other with `sh` in a scratch directory holding a copy of `samples/`
//! (and `c20k.jsonl`, the generated corpus the dedup example names), and
//! each command's output (stdout and stderr, in the order written) is
//! compared with the lines the README shows under it, as `trycmd` does for
//! clap's own examples:
//!
//! - a line `...` (indented or not) stands for any number of lines;
//! - a duration such as `0.7 s)` matches any duration (timings vary).
//!
//! A failure prints the command, the README's lines and the real ones.

use std::path::Path;
use std::process::Command;

use crate::util::repo_path;

/// One command of an example, and the lines shown under it.
struct Step {
    line: usize,
    command: String,
    expected: Vec<String>,
}

/// The example sessions of the README, in order, with the line each
/// starts on.
fn sessions(readme: &str) -> Vec<Vec<Step>> {
    let mut sessions = Vec::new();
    let mut block: Option<Vec<Step>> = None;
    for (i, line) in readme.lines().enumerate() {
        match (&mut block, line) {
            (None, "```text") => block = Some(Vec::new()),
            (None, _) => {}
            (Some(steps), "```") => {
                if !steps.is_empty() {
                    sessions.push(std::mem::take(steps));
                }
                block = None;
            }
            (Some(steps), line) => {
                if let Some(command) = line.strip_prefix("$ ") {
                    steps.push(Step {
                        line: i + 1,
                        command: command.to_owned(),
                        expected: Vec::new(),
                    });
                } else if let Some(step) = steps.last_mut() {
                    step.expected.push(line.to_owned());
                }
            }
        }
    }
    sessions
}

/// Durations vary from run to run: `0.7 s)` reads `N s)` on both sides.
fn without_timings(line: &str) -> String {
    let duration = regex::Regex::new(r"\b\d+(\.\d+)? s\)").expect("a valid pattern");
    duration.replace_all(line, "N s)").into_owned()
}

/// True when `actual` is `expected`, where a `...` line stands for any
/// number of lines.
fn matches(expected: &[String], actual: &[String]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual.split_first().is_some_and(|(line, actual_rest)| {
            without_timings(first) == without_timings(line) && matches(rest, actual_rest)
        }),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `c20k.jsonl`: `cargo run --release --example generate_corpus -- 20000 1
/// c20k.jsonl`, as the README makes it.
fn write_c20k(path: &Path) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    refrain::synthetic::generate_news(&refrain::synthetic::CorpusSpec::new(20_000, 1), |doc| {
        let line = serde_json::json!({ "id": doc.id, "text": doc.text });
        writeln!(out, "{line}").unwrap();
    });
    out.flush().unwrap();
}

#[test]
fn the_readmes_examples_print_what_the_readme_shows() {
    let readme = std::fs::read_to_string(repo_path("README.md")).unwrap();
    let sessions = sessions(&readme);
    assert!(sessions.len() >= 4, "{} example sessions", sessions.len());
    let bin = Path::new(env!("CARGO_BIN_EXE_refrain")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut failures = Vec::new();
    for session in &sessions {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&repo_path("samples"), &dir.path().join("samples"));
        if session
            .iter()
            .any(|step| step.command.contains("c20k.jsonl"))
        {
            write_c20k(&dir.path().join("c20k.jsonl"));
        }
        // `$?` in a command is the exit status of the one before it.
        let mut status = 0;
        for step in session {
            let output = Command::new("sh")
                .arg("-c")
                .arg(format!("(exit {status}); {{ {}\n}} 2>&1", step.command))
                .current_dir(dir.path())
                .env("PATH", &path)
                .env("NO_COLOR", "1")
                .env_remove("REFRAIN_FAULT")
                .output()
                .expect("sh runs");
            status = output.status.code().unwrap_or(-1);
            let actual: Vec<String> = String::from_utf8_lossy(&output.stdout)
                .lines()
                .map(str::to_owned)
                .collect();
            if !matches(&step.expected, &actual) {
                failures.push(format!(
                    "README.md:{}: $ {}\n--- the README shows:\n{}\n--- it prints:\n{}",
                    step.line,
                    step.command,
                    step.expected.join("\n"),
                    actual.join("\n")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn an_elision_stands_for_any_lines_and_nothing_else_is_loose() {
    let lines = |text: &str| -> Vec<String> { text.lines().map(str::to_owned).collect() };
    assert!(matches(&lines("a\n...\nd"), &lines("a\nb\nc\nd")));
    assert!(matches(&lines("a\n...\nd"), &lines("a\nd")));
    assert!(matches(&lines("a\n    ...\nd"), &lines("a\nb\nd")));
    assert!(!matches(&lines("a\n...\nd"), &lines("a\nb")));
    assert!(!matches(&lines("a\nb"), &lines("a\nb\nc")));
    assert!(matches(&lines("done (0.7 s)"), &lines("done (12.25 s)")));
    assert!(!matches(&lines("12 kept"), &lines("13 kept")));
}
