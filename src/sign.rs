//! `refrain sign`: the map step of a distributed run. Each document comes
//! out as one JSON line with refrain's own fingerprints, so an engine such
//! as Spark can group, join and cluster them without reimplementing
//! normalization, tokenization, shingling or MinHash.
//!
//! Two kinds of line (both documented in the README):
//!
//! - paragraphs (the default): per paragraph its token count, a 64-bit key
//!   of its shingle set, the set itself and its passage LSH band keys;
//! - documents (`--documents`): the document's shingle set without the
//!   paragraphs listed in the record's `--exclude-field`, its key and its
//!   document LSH band keys.
//!
//! Keys are 16 lowercase hex digits, so they survive any JSON reader.

use serde::Serialize;

use crate::boilerplate::is_short;
use crate::config::ScanConfig;
use crate::corpus::Document;
use crate::fingerprint::Fingerprinter;
use crate::shingle::ShingleSet;
use crate::text::marker_key;

/// Where a signed document came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin<'a> {
    /// Document id, as `scan` and `dedup` name it.
    pub id: &'a str,
    /// The file it came from (`<stdin>` for standard input).
    pub source: &'a str,
    /// Its JSONL line, if any.
    pub line: Option<u64>,
    /// Bytes of text (for `--keep longest`).
    pub bytes: usize,
}

/// A paragraph's fingerprints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedParagraph {
    /// Tokens after normalization.
    pub tokens: u32,
    /// Long enough (`--min-passage-tokens`) and with shingles: matched as
    /// a passage.
    pub passage: bool,
    /// Key of the shingle set; `None` for a paragraph without shingles.
    pub key: Option<String>,
    /// The shingle set (ascending 32-bit hashes).
    pub shingles: Vec<u32>,
    /// Passage LSH band keys (empty without shingles).
    pub bands: Vec<String>,
    /// For a paragraph too short to be a passage, the key of its text with
    /// its symbols ([`marker_key`]): an end-marker candidate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

/// A document's paragraph fingerprints (one JSON line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedParagraphs<'a> {
    /// Where it came from.
    #[serde(flatten)]
    pub origin: Origin<'a>,
    /// Its paragraphs, in order.
    pub paragraphs: Vec<SignedParagraph>,
}

/// A document's fingerprints without some paragraphs (one JSON line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedDocument<'a> {
    /// Where it came from.
    #[serde(flatten)]
    pub origin: Origin<'a>,
    /// Key of the shingle set; `None` when no shingle is left.
    pub key: Option<String>,
    /// The union of the kept paragraphs' shingles.
    pub shingles: Vec<u32>,
    /// Document LSH band keys (empty without shingles).
    pub bands: Vec<String>,
}

/// Signs documents with one configuration.
#[derive(Debug, Clone)]
pub struct Signer {
    fingerprinter: Fingerprinter,
    config: ScanConfig,
}

impl Signer {
    /// A signer for `config`'s fingerprint settings and band layouts.
    pub fn new(config: &ScanConfig) -> Self {
        Signer {
            fingerprinter: Fingerprinter::new(&config.fingerprint),
            config: config.clone(),
        }
    }

    /// The paragraph line of `doc`.
    pub fn paragraphs<'d>(&self, doc: &'d Document) -> SignedParagraphs<'d> {
        let bands = self.config.passage_bands();
        let paragraphs = self
            .fingerprinter
            .shingled_paragraphs(&doc.text)
            .map(|(span, tokens, shingles)| {
                let short = is_short(tokens, self.config.min_passage_tokens);
                let marker = short
                    .then(|| marker_key(&doc.text[span.start_byte..span.end_byte]))
                    .flatten()
                    .map(hex);
                let (key, band_keys) = match shingles.is_empty() {
                    true => (None, Vec::new()),
                    false => {
                        let signature = self.fingerprinter.hasher().signature(&shingles);
                        (
                            Some(hex(shingles.key())),
                            bands.band_keys(&signature).map(hex).collect(),
                        )
                    }
                };
                SignedParagraph {
                    tokens,
                    passage: key.is_some() && !short,
                    key,
                    shingles: shingles.hashes().to_vec(),
                    bands: band_keys,
                    marker,
                }
            })
            .collect();
        SignedParagraphs {
            origin: origin(doc),
            paragraphs,
        }
    }

    /// The document line of `doc` without the paragraphs in `excluded`.
    pub fn document<'d>(&self, doc: &'d Document, excluded: &[u32]) -> SignedDocument<'d> {
        let kept: Vec<ShingleSet> = self
            .fingerprinter
            .shingled_paragraphs(&doc.text)
            .enumerate()
            .filter(|(p, _)| !excluded.contains(&(*p as u32)))
            .map(|(_, (_, _, shingles))| shingles)
            .collect();
        let union = ShingleSet::union_of(&kept);
        let (key, bands) = match union.is_empty() {
            true => (None, Vec::new()),
            false => {
                let signature = self.fingerprinter.hasher().signature(&union);
                (
                    Some(hex(union.key())),
                    self.config
                        .document_bands()
                        .band_keys(&signature)
                        .map(hex)
                        .collect(),
                )
            }
        };
        SignedDocument {
            origin: origin(doc),
            key,
            shingles: union.hashes().to_vec(),
            bands,
        }
    }
}

fn origin(doc: &Document) -> Origin<'_> {
    Origin {
        id: &doc.name,
        source: &doc.source,
        line: doc.source_line,
        bytes: doc.text.len(),
    }
}

fn hex(key: u64) -> String {
    format!("{key:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::DocId;

    fn doc(text: &str) -> Document {
        Document {
            id: DocId(0),
            name: "a".into(),
            source: "<stdin>".into(),
            source_line: Some(1),
            text: text.into(),
            extra: None,
        }
    }

    #[test]
    fn paragraph_lines_carry_keys_sets_and_bands() {
        let signer = Signer::new(&ScanConfig::new(Vec::new()));
        let text = doc("One two three four five six.\n\n。。\n\n国网湖南");
        let signed = signer.paragraphs(&text);
        let [first, empty, last] = &signed.paragraphs[..] else {
            panic!("three paragraphs")
        };
        assert_eq!(
            (first.tokens, first.shingles.len(), first.bands.len()),
            (6, 2, 21)
        );
        assert_eq!(first.key.as_deref().map(str::len), Some(16));
        assert_eq!((empty.key.clone(), empty.bands.len()), (None, 0));
        assert_eq!(last.shingles.len(), 1);
    }

    #[test]
    fn document_lines_leave_excluded_paragraphs_out() {
        let signer = Signer::new(&ScanConfig::new(Vec::new()));
        let text = doc("One two three four five six.\n\nSeven eight nine ten eleven.");
        let whole = signer.document(&text, &[]);
        let first_only = signer.document(&text, &[1]);
        assert_eq!(
            first_only.shingles,
            signer.paragraphs(&text).paragraphs[0].shingles
        );
        assert!(whole.shingles.len() > first_only.shingles.len());
        assert_ne!(whole.key, first_only.key);
        assert_eq!(signer.document(&text, &[0, 1]).key, None);
    }
}
