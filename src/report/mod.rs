//! The report: the data model every output format renders.
//!
//! Field names and meanings are a stable contract (`schema_version`); the
//! README documents them. Everything is in sorted `Vec`s so that the JSON
//! bytes depend only on the input and the settings. Wall-clock time is the
//! one exception and appears only when asked for (`--timings`).

pub mod check_formats;
pub mod html;
pub mod human;
pub mod json;

use serde::Serialize;

use crate::boilerplate::PassageKind;
use crate::cluster::ClusterStats;
use crate::config::{FingerprintParams, ScanConfig};
use crate::containment::Relation;
use crate::corpus::InputFormat;
use crate::error::{InputProblem, Severity};
use crate::lsh::LshParams;
use crate::text::{NORMALIZATION, TOKENIZER};

/// Version of the JSON layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything a scan found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Every effective setting.
    pub params: Params,
    /// Counts.
    pub stats: Stats,
    /// Repeated passages, by first occurrence.
    pub passage_clusters: Vec<PassageCluster>,
    /// Near-duplicate documents, by representative.
    pub document_clusters: Vec<DocumentCluster>,
    /// Input problems, in input order.
    pub errors: Vec<InputProblem>,
}

impl Report {
    /// True when some input could not be used (exit code 2).
    pub fn has_input_errors(&self) -> bool {
        self.errors.iter().any(|e| e.severity == Severity::Error)
    }

    /// True when anything repeated was found.
    pub fn has_findings(&self) -> bool {
        !self.passage_clusters.is_empty() || !self.document_clusters.is_empty()
    }
}

/// The effective settings of a scan.
#[derive(Debug, Clone, Serialize)]
pub struct Params {
    /// How sources were read.
    pub input_format: InputFormat,
    /// JSONL text field.
    pub text_field: String,
    /// JSONL id field.
    pub id_field: String,
    /// Largest document read, in bytes.
    pub max_doc_bytes: u64,
    /// Shingling and MinHash settings.
    #[serde(flatten)]
    pub fingerprint: FingerprintParams,
    /// The normalization steps, in order.
    pub normalization: &'static str,
    /// The tokenizer.
    pub tokenizer: &'static str,
    /// Document similarity threshold.
    pub threshold: f64,
    /// Passage similarity threshold.
    pub passage_threshold: f64,
    /// Document containment threshold; null when off.
    pub containment: Option<f64>,
    /// Documents a passage must be in to be reported.
    pub min_docs: usize,
    /// Shortest paragraph fingerprinted as a passage, in tokens.
    pub min_passage_tokens: usize,
    /// Band layout for documents.
    pub document_lsh: LshParams,
    /// Band layout for passages.
    pub passage_lsh: LshParams,
}

impl Params {
    /// The effective settings of `config`.
    pub fn of(config: &ScanConfig) -> Params {
        Params {
            input_format: config.read.format,
            text_field: config.read.text_field.clone(),
            id_field: config.read.id_field.clone(),
            max_doc_bytes: config.read.max_doc_bytes,
            fingerprint: config.fingerprint,
            normalization: NORMALIZATION,
            tokenizer: TOKENIZER,
            threshold: config.threshold,
            passage_threshold: config.passage_threshold,
            containment: config.containment,
            min_docs: config.min_docs,
            min_passage_tokens: config.min_passage_tokens,
            document_lsh: config.document_bands(),
            passage_lsh: config.passage_bands(),
        }
    }
}

/// Counts of what was read and done.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Documents read.
    pub documents: u64,
    /// Paragraphs in them.
    pub paragraphs: u64,
    /// Bytes of text in them.
    pub bytes: u64,
    /// Paragraphs long enough to be passages.
    pub passages: u64,
    /// Paragraphs left out of document fingerprints: boilerplate, and
    /// passages pasted repeatedly at the close of a document.
    pub excluded_paragraphs: u64,
    /// Work done clustering passages.
    pub passage_clustering: ClusterStats,
    /// Work done clustering documents.
    pub document_clustering: ClusterStats,
    /// Wall-clock milliseconds, only with `--timings`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elapsed_ms: Option<u64>,
}

/// A passage found several times.
#[derive(Debug, Clone, Serialize)]
pub struct PassageCluster {
    /// `p1`, `p2`, ... in order of first occurrence.
    pub id: String,
    /// Boilerplate, repeated inside a document, or shared story text.
    pub kind: PassageKind,
    /// The representative's text, lines joined.
    pub text: String,
    /// At least half the occurrences close their document.
    pub closing: bool,
    /// Distinct documents holding it.
    pub documents: u64,
    /// Every occurrence, in input order.
    pub occurrences: Vec<PassageOccurrence>,
}

/// One place a passage occurs.
#[derive(Debug, Clone, Serialize)]
pub struct PassageOccurrence {
    /// Document name.
    pub doc: String,
    /// For a JSONL record, `PATH:LINE` of the record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// 0-based paragraph index in the document.
    pub paragraph: u32,
    /// 1-based first line in the document's text.
    pub line: u32,
    /// Byte span of the paragraph in the document's text.
    pub start_byte: usize,
    /// End of that span (exclusive).
    pub end_byte: usize,
    /// In the document's closing run.
    pub closing: bool,
    /// Exact shingle Jaccard with the cluster's first occurrence.
    pub similarity: f64,
}

/// Near-duplicate documents.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentCluster {
    /// `d1`, `d2`, ... in order of representative.
    pub id: String,
    /// The first member in input order; in a cluster joined by
    /// containment, the member with the most kept text.
    pub representative: String,
    /// Every member, representative first, the rest in input order.
    pub members: Vec<DocumentMember>,
}

/// One member of a document cluster.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentMember {
    /// Document name.
    pub doc: String,
    /// For a JSONL record, `PATH:LINE` of the record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Exact shingle Jaccard with the representative, boilerplate excluded.
    pub similarity: f64,
    /// Why it is in the cluster: `similar` to the representative,
    /// `contained_in` it (a shortened reprint), or `contains` it (an
    /// extended one); `similar` for the representative itself.
    pub relation: Relation,
    /// Share of its kept shingles that the representative also holds.
    pub in_representative: f64,
    /// Share of the representative's kept shingles that it also holds.
    pub of_representative: f64,
}

/// Rounds a similarity for the report (4 decimals).
pub fn round_similarity(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}
