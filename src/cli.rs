//! The command line: clap definitions (their doc comments are the help
//! text) and their conversion into the library's plain configs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use refrain::config::{DEFAULT_CONTAINMENT, FingerprintParams, ScanConfig};
use refrain::corpus::{InputFormat, ReadOptions};
use refrain::lsh::LshParams;

const EXAMPLES: &str = "\
Examples:
  refrain scan samples/                       summary of what repeats, file:line
  refrain scan --json page.txt > report.json  the full report as JSON
  refrain scan -o report.json archive/        write the JSON report atomically
  refrain scan --format html -o report.html archive/  a page for editors, side by side
  refrain scan --input-format jsonl --text-field body --id-field url - < feed.ndjson
  refrain scan --threshold 0.7 --min-docs 5 corpus/";

const TOP_EXAMPLES: &str = "\
Examples:
  refrain scan samples/                          what repeats, and where (file:line)
  refrain clean page.txt > page.clean.txt        repeated passages reduced to their first print
  refrain index add --index archive.db archive/  build the archive index
  refrain check --index archive.db draft.txt     exit 1 when the draft duplicates the archive
  refrain dedup archive.jsonl > decisions.jsonl  keep or drop each document of a batch

Exit codes: 0 success, 1 findings (check, or scan --fail-on-findings), 2 errors.";

/// Find repeated closing passages (boilerplate) and near-duplicate stories
/// in news corpora.
#[derive(Debug, Parser)]
#[command(name = "refrain", version, about, after_help = TOP_EXAMPLES)]
pub struct Cli {
    /// When to colour the output: on a terminal (auto: unless NO_COLOR is
    /// set), always, or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set or TERM is dumb.
    Auto,
    /// Always, even into a pipe or a file.
    Always,
    /// Never.
    Never,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report repeated passages and near-duplicate documents in a corpus.
    ///
    /// Every paragraph and every document is fingerprinted (NFKC, case and
    /// Traditional/Simplified folding, word or character shingles, MinHash);
    /// LSH finds candidates and exact shingle Jaccard confirms them.
    #[command(after_help = EXAMPLES)]
    Scan(ScanArgs),
    /// Write documents with repeated passages reduced to their first print.
    ///
    /// With --boilerplate, passages found under many different stories of
    /// the --against corpus are removed too. Kept paragraphs and the
    /// separators between them stay byte for byte; the original is never
    /// modified unless --in-place, which replaces it atomically and keeps
    /// FILE.orig.
    #[command(after_help = CLEAN_EXAMPLES)]
    Clean(CleanArgs),
    /// Check new documents against an archive: near-duplicates, containment,
    /// repeated passages, known boilerplate. Exit 1 on findings at or above
    /// --fail-on, 2 on errors.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Build and inspect the persistent archive index (a SQLite file).
    #[command(subcommand)]
    Index(IndexCommand),
    /// Decide, for every document of an archive batch, whether to keep or
    /// drop it: one JSON line per document, in input order.
    #[command(after_help = DEDUP_EXAMPLES)]
    Dedup(DedupArgs),
    /// Write refrain's fingerprints of each document as a JSON line: per
    /// paragraph its shingle set, key and passage LSH bands, or with
    /// --documents the document's set and bands without the paragraphs
    /// its record lists. The map step of a distributed run (see spark/).
    #[command(after_help = SIGN_EXAMPLES)]
    Sign(SignArgs),
    /// Answer per-group rule requests, one JSON line each, with one JSON
    /// line each, in order: is a passage story text, its kind, where a
    /// document's closing run starts, what is excluded, which member a
    /// cluster keeps. The reduce step of a distributed run (see spark/).
    #[command(after_help = RULES_EXAMPLES)]
    Rules(RulesArgs),
    /// Print a shell completion script for refrain on stdout.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print refrain's manual page (roff) on stdout.
    #[command(after_help = "Example:\n  refrain man > refrain.1 && man ./refrain.1")]
    Man,
}

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  refrain completions bash > ~/.local/share/bash-completion/completions/refrain
  refrain completions zsh > ~/.zfunc/_refrain
  refrain completions fish > ~/.config/fish/completions/refrain.fish";

const RULES_EXAMPLES: &str = "\
Examples:
  echo '{\"kind\": {\"documents\": 12, \"occurrences\": 12}}' | refrain rules
  refrain rules --keep field:date --min-docs 5 < requests.jsonl > answers.jsonl";

/// `refrain rules` flags.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// File of requests, or `-` (standard input, the default).
    #[arg(value_name = "FILE", default_value = "-")]
    pub input: PathBuf,
    /// Which member of a cluster to keep: first, longest or field:NAME.
    #[arg(long, default_value = "first", value_name = "POLICY")]
    pub keep: refrain::dedup::KeepPolicy,
    /// Fingerprints and matching (as given to `sign` and `dedup`).
    #[command(flatten)]
    pub matching: MatchArgs,
    /// No diagnostics on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

const SIGN_EXAMPLES: &str = "\
Examples:
  refrain sign archive.jsonl > paragraphs.jsonl
  refrain sign --input-format jsonl < part-00000 > signed-00000
  refrain sign --documents --input-format jsonl < with-exclusions.jsonl";

/// `refrain sign` flags.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Files, directories or `-` (standard input, the default).
    #[arg(value_name = "PATH", default_value = "-")]
    pub paths: Vec<PathBuf>,
    /// Sign whole documents, leaving out the paragraphs (0-based) that a
    /// record lists in --exclude-field, instead of each paragraph.
    #[arg(long)]
    pub documents: bool,
    /// JSONL field listing the paragraphs to leave out (with --documents).
    #[arg(long, default_value = "refrain_exclude", value_name = "NAME")]
    pub exclude_field: String,
    /// Write the lines to FILE (atomically) instead of stdout (`-`).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Reading.
    #[command(flatten)]
    pub input: InputArgs,
    /// Fingerprints and matching.
    #[command(flatten)]
    pub matching: MatchArgs,
    /// No diagnostics on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

const DEDUP_EXAMPLES: &str = "\
Examples:
  refrain dedup archive.jsonl > decisions.jsonl
  refrain dedup --keep field:date -o decisions.jsonl wire/*.jsonl
  refrain dedup --keep longest --write-kept deduped/ archive/";

/// `refrain dedup` flags.
#[derive(Debug, Args)]
pub struct DedupArgs {
    /// Files, directories (recursive, sorted) or `-`.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,
    /// Which member of a cluster to keep: first (input order), longest, or
    /// field:NAME (smallest value of a JSONL field, e.g. field:date).
    #[arg(long, default_value = "first", value_name = "POLICY")]
    pub keep: refrain::dedup::KeepPolicy,
    /// Write the decisions to FILE (atomically) instead of stdout (`-`).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the kept documents under DIR in their own format (text
    /// files, or JSONL records with every other field kept), boilerplate
    /// paragraphs removed.
    #[arg(long, value_name = "DIR")]
    pub write_kept: Option<PathBuf>,
    /// Directory for the temporary files that hold shingles, signatures and
    /// LSH bands during the run (about twice the input text; removed on exit).
    /// Default: $TMPDIR or /tmp.
    #[arg(long, value_name = "DIR")]
    pub temp_dir: Option<PathBuf>,
    /// Also write an HTML page of the batch's clusters for people to read
    /// (as `scan --format html`; atomically).
    #[arg(long, value_name = "FILE")]
    pub report_html: Option<PathBuf>,
    /// The passage and near-duplicate clusters that page shows (each).
    #[arg(
        long,
        default_value_t = 200,
        value_name = "N",
        requires = "report_html"
    )]
    pub report_clusters: usize,
    /// Reading.
    #[command(flatten)]
    pub input: InputArgs,
    /// Fingerprints and matching.
    #[command(flatten)]
    pub matching: MatchArgs,
    /// No progress bar and no diagnostics on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Print each stage's wall time and the run's work counts (JSON) on
    /// stderr, for tuning and batch logs.
    #[arg(long, conflicts_with = "quiet")]
    pub stats: bool,
}

const CHECK_EXAMPLES: &str = "\
Examples:
  refrain check --index archive.db drafts/story.txt
  refrain check --against archive/ story.txt                  no index: compare with a corpus
  refrain check --index archive.db --format github story.txt  annotations for GitHub Actions
  refrain check --index archive.db --format sarif story.txt > refrain.sarif
  refrain check --index archive.db --fail-on near-duplicate story.txt
  refrain check --index archive.db --format html -o check.html drafts/  side by side, for editors";

const INDEX_EXAMPLES: &str = "\
Examples:
  refrain index add --index archive.db archive/ wire-2026.jsonl
  refrain index stats --index archive.db
  refrain index remove --index archive.db archive/old-story.txt";

/// `refrain index` subcommands.
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Add documents (files, directories, JSONL); unchanged ones are
    /// skipped, changed ones replaced. One transaction: a killed add leaves
    /// the index as it was.
    #[command(after_help = INDEX_EXAMPLES)]
    Add(IndexAddArgs),
    /// Print counts and settings of an index as JSON.
    #[command(after_help = INDEX_EXAMPLES)]
    Stats(IndexStatsArgs),
    /// Remove documents by id (the path or JSONL id they were added with).
    #[command(after_help = INDEX_EXAMPLES)]
    Remove(IndexRemoveArgs),
}

/// `refrain index add` flags.
#[derive(Debug, Args)]
pub struct IndexAddArgs {
    /// The index file (created if missing).
    #[arg(long, value_name = "PATH")]
    pub index: PathBuf,
    /// Files, directories or `-`.
    #[arg(value_name = "CORPUS", required = true)]
    pub paths: Vec<PathBuf>,
    /// Reading.
    #[command(flatten)]
    pub input: InputArgs,
    /// Fingerprints and matching.
    #[command(flatten)]
    pub matching: MatchArgs,
    /// No progress bar and no diagnostics on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `refrain index stats` flags.
#[derive(Debug, Args)]
pub struct IndexStatsArgs {
    /// The index file.
    #[arg(long, value_name = "PATH")]
    pub index: PathBuf,
    /// Fingerprints and matching (must match the index).
    #[command(flatten)]
    pub matching: MatchArgs,
}

/// `refrain index remove` flags.
#[derive(Debug, Args)]
pub struct IndexRemoveArgs {
    /// The index file.
    #[arg(long, value_name = "PATH")]
    pub index: PathBuf,
    /// Document ids to remove.
    #[arg(value_name = "ID", required = true)]
    pub ids: Vec<String>,
    /// Fingerprints and matching (must match the index).
    #[command(flatten)]
    pub matching: MatchArgs,
}

/// `refrain check` flags.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("archive")
        .required(true)
        .args(["index", "against"])
))]
pub struct CheckArgs {
    /// Documents to check (files, directories, JSONL).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The archive index to check against.
    #[arg(long, value_name = "PATH", conflicts_with = "against")]
    pub index: Option<PathBuf>,
    /// Check against this corpus instead of an index (repeatable).
    #[arg(long, value_name = "PATH")]
    pub against: Vec<PathBuf>,
    /// Consecutive aligned paragraphs that make a copied block.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub min_block_paragraphs: usize,
    /// Finding kinds that make the exit code 1 (comma-separated:
    /// near-duplicate, containment, repeated, boilerplate; or none).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "near-duplicate,containment,repeated",
        value_name = "KINDS"
    )]
    pub fail_on: Vec<FailOn>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,
    /// Same as --format json.
    #[arg(long)]
    pub json: bool,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Reading.
    #[command(flatten)]
    pub input: InputArgs,
    /// Fingerprints and matching.
    #[command(flatten)]
    pub matching: MatchArgs,
    /// No progress bar and no diagnostics on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--fail-on` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Near-duplicates of archived documents.
    NearDuplicate,
    /// Containment either way, or a copied block.
    Containment,
    /// Passages repeated inside the document.
    Repeated,
    /// Known boilerplate.
    Boilerplate,
    /// Never exit 1.
    None,
}

/// `scan --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// The summary: what repeats, and where (file:line).
    Human,
    /// The JSON report.
    Json,
    /// One self-contained HTML page for people to read.
    Html,
}

/// `check --format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// `path:line: level[kind]: message`, like a compiler.
    Human,
    /// The JSON report.
    Json,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// SARIF 2.1.0.
    Sarif,
    /// One self-contained HTML page: each submission beside its matches.
    Html,
}

const CLEAN_EXAMPLES: &str = "\
Examples:
  refrain clean page.txt > page.clean.txt      one file, cleaned copy on stdout
  refrain clean --dry-run page.txt             what would be removed, on stderr
  refrain clean --out-dir cleaned/ desk/*.txt  cleaned copies under cleaned/
  refrain clean --in-place --boilerplate --against archive/ story.txt";

/// How inputs are read (shared by the commands).
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// How to read inputs; `auto` treats .jsonl/.ndjson files as JSONL.
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub input_format: FormatArg,

    /// JSONL field holding a record's text.
    #[arg(long, default_value = "text", value_name = "NAME")]
    pub text_field: String,

    /// JSONL field holding a record's id (else PATH:LINE is used).
    #[arg(long, default_value = "id", value_name = "NAME")]
    pub id_field: String,

    /// Files or JSONL records larger than this are skipped with an error.
    #[arg(long, default_value_t = ReadOptions::default().max_doc_bytes, value_name = "BYTES")]
    pub max_doc_bytes: u64,
}

/// Fingerprint and matching settings (shared by the commands).
/// A containment threshold, or `off`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Containment(pub Option<f64>);

impl std::str::FromStr for Containment {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "off" => Ok(Containment(None)),
            _ => text
                .parse::<f64>()
                .map(|value| Containment(Some(value)))
                .map_err(|_| format!("'{text}' is neither a share such as 0.8 nor off")),
        }
    }
}

impl std::fmt::Display for Containment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(value) => write!(f, "{value}"),
            None => f.write_str("off"),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct MatchArgs {
    /// Tokens per shingle (words, or characters of Chinese/Japanese/Thai).
    #[arg(long, default_value_t = FingerprintParams::default().shingle_size, value_name = "N")]
    pub shingle_size: usize,

    /// MinHash permutations per signature.
    #[arg(long, default_value_t = FingerprintParams::default().num_perm, value_name = "N")]
    pub num_perm: usize,

    /// LSH bands (with --rows); by default derived from the thresholds.
    #[arg(long, requires = "rows", value_name = "N")]
    pub bands: Option<usize>,

    /// LSH rows per band (with --bands); bands x rows <= --num-perm.
    #[arg(long, requires = "bands", value_name = "N")]
    pub rows: Option<usize>,

    /// Seed of every hash; the same seed gives the same fingerprints.
    #[arg(long, default_value_t = FingerprintParams::default().seed, value_name = "N")]
    pub seed: u64,

    /// Jaccard similarity at which two documents are near-duplicates.
    #[arg(long, default_value_t = 0.8, value_name = "J")]
    pub threshold: f64,

    /// Jaccard similarity at which two paragraphs are the same passage.
    #[arg(long, default_value_t = 0.8, value_name = "J")]
    pub passage_threshold: f64,

    /// Share of a document's kept text found in another document that
    /// makes it a near-duplicate too (a shortened or extended reprint;
    /// for check, a containment finding); `off` for Jaccard only.
    #[arg(long, default_value_t = Containment(Some(DEFAULT_CONTAINMENT)), value_name = "C|off")]
    pub containment: Containment,

    /// Documents a passage must occur in to be reported, unless it repeats
    /// inside one document.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub min_docs: usize,

    /// Paragraphs with fewer tokens are not matched as passages.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub min_passage_tokens: usize,

    /// Worker threads (0: one per core; at most four per core, more would
    /// only cost memory). The output never depends on it.
    #[arg(short = 'j', long, default_value_t = 0, value_name = "N")]
    pub threads: usize,
}

/// `refrain scan` flags.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories (searched recursively, sorted, hidden entries
    /// skipped); `-` reads standard input.
    #[arg(value_name = "PATH", required = true)]
    pub paths: Vec<PathBuf>,

    /// Print the JSON report on stdout instead of the summary.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// The report's format: the summary, JSON, or one self-contained HTML
    /// page (with -o, written to FILE; else on stdout).
    #[arg(long, value_enum, default_value_t = ScanFormat::Human)]
    pub format: ScanFormat,

    /// Also write the report to FILE: JSON, or HTML with --format html
    /// (atomically: temp file + rename; `-`: on stdout, as --json).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// With --format html, the passage and near-duplicate clusters shown
    /// (each; the JSON report has them all).
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub html_clusters: usize,

    /// Reading.
    #[command(flatten)]
    pub input: InputArgs,

    /// Fingerprints and matching.
    #[command(flatten)]
    pub matching: MatchArgs,

    /// No progress bar and no diagnostics on stderr.
    #[arg(short, long)]
    pub quiet: bool,

    /// Add stats.elapsed_ms to the report (the only field that varies).
    #[arg(long)]
    pub timings: bool,

    /// Exit with status 1 when any repeated passage or near-duplicate is
    /// found (for CI).
    #[arg(long)]
    pub fail_on_findings: bool,

    /// Directory for the temporary files that hold shingles, signatures,
    /// LSH bands and paragraph places during the run (about twice the input
    /// text; removed on exit). Default: $TMPDIR or /tmp.
    #[arg(long, value_name = "DIR")]
    pub temp_dir: Option<PathBuf>,
}

/// `refrain clean` flags.
#[derive(Debug, Args)]
pub struct CleanArgs {
    /// Plain-text files to clean.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Also remove boilerplate: passages found in --min-docs or more
    /// otherwise different documents (of FILEs and the --against corpus).
    #[arg(long)]
    pub boilerplate: bool,

    /// A corpus to learn boilerplate from (files, directories, JSONL);
    /// repeat the flag for several.
    #[arg(long, value_name = "PATH")]
    pub against: Vec<PathBuf>,

    /// Write cleaned copies under DIR (same relative paths).
    #[arg(long, value_name = "DIR", conflicts_with = "in_place")]
    pub out_dir: Option<PathBuf>,

    /// Replace each FILE atomically (temp file + rename), keeping FILE.orig.
    #[arg(long)]
    pub in_place: bool,

    /// With --in-place, keep no FILE.orig backup.
    #[arg(long, requires = "in_place")]
    pub no_backup: bool,

    /// Report what would be removed; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Print the list of removals as JSON on stdout (the cleaned text then
    /// goes only to --out-dir or --in-place).
    #[arg(long)]
    pub json: bool,

    /// Reading.
    #[command(flatten)]
    pub input: InputArgs,

    /// Fingerprints and matching.
    #[command(flatten)]
    pub matching: MatchArgs,

    /// No summary and no diagnostics on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// `--input-format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// JSONL for .jsonl/.ndjson files, plain text otherwise.
    Auto,
    /// Each file is one document.
    Text,
    /// One JSON object per line.
    Jsonl,
}

impl MatchArgs {
    /// The shingle and MinHash settings.
    pub fn fingerprint(&self) -> FingerprintParams {
        FingerprintParams {
            shingle_size: self.shingle_size,
            num_perm: self.num_perm,
            seed: self.seed,
        }
    }

    /// The scan configuration for `paths` with these settings.
    pub fn to_config(&self, paths: Vec<PathBuf>, input: &InputArgs) -> ScanConfig {
        let lsh = match (self.bands, self.rows) {
            (Some(bands), Some(rows)) => Some(LshParams { bands, rows }),
            _ => None,
        };
        ScanConfig {
            paths,
            read: ReadOptions {
                format: match input.input_format {
                    FormatArg::Auto => InputFormat::Auto,
                    FormatArg::Text => InputFormat::Text,
                    FormatArg::Jsonl => InputFormat::Jsonl,
                },
                text_field: input.text_field.clone(),
                id_field: input.id_field.clone(),
                max_doc_bytes: input.max_doc_bytes,
                extra_field: None,
            },
            fingerprint: self.fingerprint(),
            threshold: self.threshold,
            passage_threshold: self.passage_threshold,
            containment: self.containment.0,
            document_lsh: lsh,
            passage_lsh: lsh,
            min_docs: self.min_docs,
            min_passage_tokens: self.min_passage_tokens,
            threads: self.threads,
            timings: false,
        }
    }
}

impl ScanArgs {
    /// The library configuration these flags describe.
    pub fn to_config(&self) -> ScanConfig {
        let mut config = self.matching.to_config(self.paths.clone(), &self.input);
        config.timings = self.timings;
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<ScanArgs, clap::Error> {
        let mut full = vec!["refrain", "scan"];
        full.extend_from_slice(args);
        Cli::try_parse_from(full).map(|cli| match cli.command {
            Command::Scan(args) => args,
            _ => unreachable!("scan was parsed"),
        })
    }

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults() {
        let config = parse(&["dir"]).unwrap().to_config();
        assert_eq!(config.fingerprint, FingerprintParams::default());
        assert_eq!(
            (config.threshold, config.passage_threshold, config.min_docs),
            (0.8, 0.8, 3)
        );
        assert_eq!(config.document_lsh, None);
        assert_eq!(config.read, ReadOptions::default());
    }

    #[test]
    fn paths_are_required() {
        assert!(parse(&[]).is_err());
    }

    #[test]
    fn bands_and_rows_go_together() {
        assert!(parse(&["--bands", "16", "x"]).is_err());
        let config = parse(&["--bands", "16", "--rows", "8", "x"])
            .unwrap()
            .to_config();
        assert_eq!(config.document_lsh, Some(LshParams { bands: 16, rows: 8 }));
        assert_eq!(config.passage_lsh, config.document_lsh);
    }

    #[test]
    fn jsonl_fields_and_format() {
        let args = parse(&[
            "--input-format",
            "jsonl",
            "--text-field",
            "body",
            "--id-field",
            "url",
            "-",
        ])
        .unwrap();
        let config = args.to_config();
        assert_eq!(config.read.format, InputFormat::Jsonl);
        assert_eq!(
            (
                config.read.text_field.as_str(),
                config.read.id_field.as_str()
            ),
            ("body", "url")
        );
        assert_eq!(config.paths, [PathBuf::from("-")]);
    }

    #[test]
    fn numeric_flags() {
        let args = parse(&[
            "--threshold",
            "0.7",
            "--passage-threshold",
            "0.9",
            "--shingle-size",
            "3",
            "--num-perm",
            "64",
            "--seed",
            "7",
            "-j",
            "2",
            "--min-docs",
            "4",
            "--min-passage-tokens",
            "8",
            "--max-doc-bytes",
            "100",
            "x",
        ])
        .unwrap();
        let config = args.to_config();
        assert_eq!(
            config.fingerprint,
            FingerprintParams {
                shingle_size: 3,
                num_perm: 64,
                seed: 7
            }
        );
        assert_eq!((config.threshold, config.passage_threshold), (0.7, 0.9));
        assert_eq!(
            (config.threads, config.min_docs, config.min_passage_tokens),
            (2, 4, 8)
        );
        assert_eq!(config.read.max_doc_bytes, 100);
        assert!(parse(&["--threshold", "high", "x"]).is_err());
    }

    #[test]
    fn clean_flags() {
        let cli = Cli::try_parse_from([
            "refrain",
            "clean",
            "--boilerplate",
            "--against",
            "archive/",
            "--in-place",
            "--no-backup",
            "a.txt",
        ])
        .unwrap();
        let Command::Clean(args) = cli.command else {
            panic!("clean")
        };
        assert!(args.boilerplate && args.in_place && args.no_backup);
        assert_eq!(args.against, [PathBuf::from("archive/")]);
        assert_eq!(args.files, [PathBuf::from("a.txt")]);
        let cli =
            Cli::try_parse_from(["refrain", "clean", "--in-place", "--out-dir", "d", "a.txt"]);
        assert!(cli.is_err(), "--in-place and --out-dir conflict");
        assert!(Cli::try_parse_from(["refrain", "clean", "--no-backup", "a.txt"]).is_err());
    }

    #[test]
    fn check_and_index_flags() {
        let cli = Cli::try_parse_from([
            "refrain",
            "check",
            "--index",
            "a.db",
            "--format",
            "sarif",
            "--fail-on",
            "near-duplicate,boilerplate",
            "--containment",
            "0.7",
            "new.txt",
        ])
        .unwrap();
        let Command::Check(args) = cli.command else {
            panic!("check")
        };
        assert_eq!(args.index, Some(PathBuf::from("a.db")));
        assert_eq!(args.format, CheckFormat::Sarif);
        assert_eq!(args.fail_on, [FailOn::NearDuplicate, FailOn::Boilerplate]);
        assert_eq!(args.matching.containment, Containment(Some(0.7)));
        assert!(
            Cli::try_parse_from(["refrain", "check", "new.txt"]).is_err(),
            "needs --index or --against"
        );
        assert!(
            Cli::try_parse_from(["refrain", "check", "--index", "a", "--against", "b", "x"])
                .is_err()
        );
        let cli =
            Cli::try_parse_from(["refrain", "index", "add", "--index", "a.db", "dir/"]).unwrap();
        assert!(matches!(cli.command, Command::Index(IndexCommand::Add(_))));
        let cli = Cli::try_parse_from(["refrain", "index", "remove", "--index", "a.db", "x", "y"])
            .unwrap();
        let Command::Index(IndexCommand::Remove(args)) = cli.command else {
            panic!("remove")
        };
        assert_eq!(args.ids, ["x", "y"]);
    }

    #[test]
    fn dedup_flags() {
        let cli = Cli::try_parse_from([
            "refrain",
            "dedup",
            "--keep",
            "field:date",
            "-o",
            "d.jsonl",
            "a.jsonl",
        ])
        .unwrap();
        let Command::Dedup(args) = cli.command else {
            panic!("dedup")
        };
        assert_eq!(args.keep, refrain::dedup::KeepPolicy::Field("date".into()));
        assert_eq!(args.output, Some(PathBuf::from("d.jsonl")));
        assert!(Cli::try_parse_from(["refrain", "dedup", "--keep", "newest", "a.jsonl"]).is_err());
    }

    #[test]
    fn output_flags() {
        let args = parse(&[
            "--json",
            "-o",
            "r.json",
            "--quiet",
            "--timings",
            "--fail-on-findings",
            "x",
        ])
        .unwrap();
        assert!(args.json && args.quiet && args.timings && args.fail_on_findings);
        assert_eq!(args.output, Some(PathBuf::from("r.json")));
    }
}
