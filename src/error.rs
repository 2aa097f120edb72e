//! Errors: fatal ones that stop a run ([`Error`]) and per-input problems
//! that are reported while the run goes on ([`InputProblem`]).

use std::path::PathBuf;

use serde::Serialize;

/// A setting of the library, named as the index stores it. The binary
/// maps each to its command-line flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// Jaccard threshold for near-duplicate documents.
    Threshold,
    /// Jaccard threshold for passages.
    PassageThreshold,
    /// Containment threshold for documents.
    Containment,
    /// Tokens per shingle.
    ShingleSize,
    /// MinHash permutations.
    NumPerm,
    /// MinHash seed.
    Seed,
    /// LSH bands and rows per band.
    BandsRows,
    /// Documents a passage must be in to be reported.
    MinDocs,
    /// Largest document read.
    MaxDocBytes,
    /// The JSONL field holding the text.
    TextField,
    /// The field a keep policy orders by.
    KeepField,
    /// The index's layout version.
    SchemaVersion,
    /// The text normalization.
    Normalization,
    /// The tokenizer.
    Tokenizer,
}

impl Setting {
    /// The setting's name, as the index's `meta` table stores it.
    pub fn name(self) -> &'static str {
        match self {
            Setting::Threshold => "threshold",
            Setting::PassageThreshold => "passage_threshold",
            Setting::Containment => "containment",
            Setting::ShingleSize => "shingle_size",
            Setting::NumPerm => "num_perm",
            Setting::Seed => "seed",
            Setting::BandsRows => "bands x rows",
            Setting::MinDocs => "min_docs",
            Setting::MaxDocBytes => "max_doc_bytes",
            Setting::TextField => "text_field",
            Setting::KeepField => "keep field",
            Setting::SchemaVersion => "schema_version",
            Setting::Normalization => "normalization",
            Setting::Tokenizer => "tokenizer",
        }
    }
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An error that stops the run. Each message names what to fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A setting, or a combination of settings, is invalid.
    #[error("invalid {setting}: {reason}")]
    InvalidSetting {
        /// The setting (the binary names its flag).
        setting: Setting,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// An output path is one of the inputs.
    #[error(
        "{} is the input file {}: refusing to overwrite an input; write somewhere else",
        .target.display(),
        .input.display()
    )]
    OverwritesInput {
        /// The output asked for.
        target: PathBuf,
        /// The input it is (after symbolic links).
        input: PathBuf,
    },
    /// An input that cannot be skipped (a file of requests) could not be
    /// read.
    #[error("cannot read {path}: {source}")]
    Input {
        /// The input path.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// Nothing could be read from the inputs.
    #[error("no documents to read: {0}")]
    NoDocuments(String),
    /// Writing the output failed.
    #[error("cannot write {path}: {source}")]
    Output {
        /// The output path.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The archive index could not be opened, read or written.
    #[error("index {path}: {message}")]
    Index {
        /// The index file.
        path: PathBuf,
        /// What went wrong, and what to do.
        message: String,
        /// The underlying error (SQLite's, or an I/O error), if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
    /// The index was built with other fingerprint settings.
    #[error(
        "index {path} was built with {setting} = {stored}, but this run uses {requested}; \
         use the index's setting (or build a new index)"
    )]
    IndexMismatch {
        /// The index file.
        path: PathBuf,
        /// The setting that differs.
        setting: Setting,
        /// Its value in the index.
        stored: String,
        /// Its value in this run.
        requested: String,
    },
    /// Temporary files of a batch run could not be written or read.
    #[error("temporary files in {dir}: {source}; {}", spill_advice(.source))]
    Spill {
        /// The directory of the temporary files.
        dir: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// An input read again for a report (to quote its passages) could not
    /// be, or no longer holds the text that was analyzed.
    #[error("cannot read {source_name} again to quote its passages: {source}; run again")]
    Reread {
        /// The source, as reported.
        source_name: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads: {source}")]
    ThreadPool {
        /// Requested threads.
        threads: usize,
        /// The pool builder's error.
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
}

/// How serious an input problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input was used, or skipping it loses nothing (empty, binary).
    Warning,
    /// Part of the input could not be used; the exit code becomes 2.
    Error,
}

/// What kind of problem an input had; a stable, machine-readable tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A path could not be opened, listed or read.
    Unreadable,
    /// The bytes were not valid UTF-8; the text was decoded with U+FFFD.
    InvalidUtf8,
    /// The file looks binary (a NUL byte near its start) and was skipped.
    Binary,
    /// The file or record has no text.
    Empty,
    /// The file or record is larger than `--max-doc-bytes`.
    TooLarge,
    /// A JSONL line is not a JSON object.
    MalformedJson,
    /// A JSONL record lacks the text field, or it is not a string.
    MissingField,
    /// Two documents have the same id.
    DuplicateId,
    /// A file read as plain text holds JSON records (JSONL under another
    /// name, or a JSON array): read as one text document, with a hint.
    LooksLikeJson,
}

/// A problem with one input; the run goes on without it (or with a
/// repaired copy, for invalid UTF-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputProblem {
    /// The path (or `<stdin>`) as the user gave or would see it.
    pub source: String,
    /// 1-based line, for a JSONL record.
    pub line: Option<u64>,
    /// Warning or error.
    pub severity: Severity,
    /// Stable tag for machines.
    pub kind: ProblemKind,
    /// What happened, for people.
    pub message: String,
}

/// What to do about a temporary file that could not be written or read.
fn spill_advice(source: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    match source.kind() {
        ErrorKind::NotFound => {
            "the directory does not exist: create it, or pass another --temp-dir"
        }
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
            "it cannot be written here: pass another --temp-dir"
        }
        ErrorKind::FileTooLarge => {
            "a file-size limit was reached (see `ulimit -f`): raise it; the temporary files \
             take about twice the input text"
        }
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => {
            "free some space there, or pass a --temp-dir with more room"
        }
        _ => "pass another --temp-dir if it persists",
    }
}

impl Error {
    /// No document could be read: the paths held no files, or every one
    /// of them was a problem (`problems` of them, already reported).
    pub fn no_documents(problems: usize) -> Self {
        Error::NoDocuments(if problems == 0 {
            "the paths hold no files".to_owned()
        } else {
            format!("{problems} input problem(s), see above")
        })
    }
}

impl InputProblem {
    /// A document whose id an earlier one (at `first_at`: `PATH` or
    /// `PATH:LINE`) already has.
    pub fn duplicate_id(source: &str, line: Option<u64>, id: &str, first_at: &str) -> Self {
        InputProblem::new(
            source,
            line,
            ProblemKind::DuplicateId,
            format!("document id \"{id}\" was already used by {first_at}"),
        )
    }

    /// Sorts `problems` into input order: by source, in the order of
    /// `sources` (display names, as walked), then by line. A reused id is
    /// found after its record is read, other problems as it is read; the
    /// sort is stable, so problems of one record keep their order.
    pub fn sort_in_input_order(problems: &mut [InputProblem], sources: &[String]) {
        let rank: std::collections::HashMap<&str, usize> = sources
            .iter()
            .enumerate()
            .map(|(rank, source)| (source.as_str(), rank))
            .collect();
        problems.sort_by_key(|p| {
            (
                rank.get(p.source.as_str()).copied().unwrap_or(usize::MAX),
                p.line.unwrap_or(0),
            )
        });
    }

    /// A problem of the given kind; severity follows from the kind.
    pub fn new(
        source: &str,
        line: Option<u64>,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Self {
        let severity = match kind {
            ProblemKind::InvalidUtf8
            | ProblemKind::Binary
            | ProblemKind::Empty
            | ProblemKind::DuplicateId
            | ProblemKind::LooksLikeJson => Severity::Warning,
            ProblemKind::Unreadable
            | ProblemKind::TooLarge
            | ProblemKind::MalformedJson
            | ProblemKind::MissingField => Severity::Error,
        };
        InputProblem {
            source: source.to_owned(),
            line,
            severity,
            kind,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match self.line {
            Some(line) => write!(f, "{level}: {}:{line}: {}", self.source, self.message),
            None => write!(f, "{level}: {}: {}", self.source, self.message),
        }
    }
}
