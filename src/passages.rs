//! Passage clusters as reported, with their verdicts: which are
//! boilerplate, repeated or shared story text, which close their
//! documents, and which paragraphs leave document fingerprints. The rules
//! themselves are in [`crate::boilerplate`]; this is what every command
//! reads of them.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::boilerplate::{self, Occurrence, ParagraphSource, PassageKind};
use crate::cluster::{Cluster, ClusterStats};
use crate::config::ScanConfig;

/// One reported passage cluster with its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgedPassage {
    /// Its members (they index the fingerprinted paragraphs), with each
    /// one's overlap with the representative.
    pub cluster: Cluster,
    /// `(document, paragraph)` of every member, ascending.
    pub occurrences: Vec<Occurrence>,
    /// Boilerplate, repeated, or shared story text.
    pub kind: PassageKind,
    /// Per occurrence, whether it is in its document's closing run.
    pub closing: Vec<bool>,
}

impl JudgedPassage {
    /// Left out of document fingerprints: boilerplate, and a passage
    /// pasted repeatedly at the close of a document.
    pub fn is_excluded(&self) -> bool {
        boilerplate::is_excluded(self.kind, self.closing_count(), self.closing.len())
    }

    /// At least half of the occurrences close their document.
    pub fn is_closing(&self) -> bool {
        boilerplate::is_closing(self.closing_count(), self.closing.len())
    }

    /// The documents it is in, ascending, once each.
    pub fn documents(&self) -> Vec<u32> {
        let mut documents: Vec<u32> = self.occurrences.iter().map(|o| o.doc).collect();
        documents.dedup();
        documents
    }

    fn closing_count(&self) -> usize {
        self.closing.iter().filter(|&&f| f).count()
    }
}

/// Reported passage clusters with their verdicts.
#[derive(Debug)]
pub struct Passages {
    /// The clusters, ordered by representative (first occurrence).
    pub clusters: Vec<JudgedPassage>,
    /// Work counts.
    pub stats: ClusterStats,
    /// `(document, cluster, paragraph)` of every occurrence, sorted: made
    /// on first use by [`Passages::prints_in`].
    by_document: OnceLock<Vec<(u32, u32, u32)>>,
}

impl Passages {
    /// Every reported passage printed in document `doc`, with where, by
    /// cluster. The occurrences are sorted by document once, on the first
    /// call, so a command asking for each of many documents stays linear.
    pub fn prints_in(&self, doc: usize) -> Vec<PrintsInDocument> {
        let by_document = self.by_document.get_or_init(|| {
            let mut all: Vec<(u32, u32, u32)> = self
                .clusters
                .iter()
                .enumerate()
                .flat_map(|(c, passage)| {
                    passage.occurrences.iter().map(
                        move |&Occurrence {
                                  doc: d,
                                  paragraph: p,
                              }| (d, c as u32, p),
                    )
                })
                .collect();
            all.sort_unstable();
            all
        });
        let doc = doc as u32;
        let start = by_document.partition_point(|&(d, _, _)| d < doc);
        let end = by_document.partition_point(|&(d, _, _)| d <= doc);
        by_document[start..end]
            .chunk_by(|a, b| a.1 == b.1)
            .map(|prints| PrintsInDocument {
                cluster: prints[0].1 as usize,
                paragraphs: prints.iter().map(|&(_, _, p)| p).collect(),
            })
            .collect()
    }

    /// `(document, paragraph)` pairs left out of document fingerprints.
    pub fn excluded_paragraphs(&self) -> HashSet<Occurrence> {
        self.clusters
            .iter()
            .filter(|passage| passage.is_excluded())
            .flat_map(|passage| passage.occurrences.iter().copied())
            .collect()
    }
}

/// The prints of one reported passage inside one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintsInDocument {
    /// The passage cluster (index into `Passages`).
    pub cluster: usize,
    /// Its paragraphs in the document, ascending (the first print first).
    pub paragraphs: Vec<u32>,
}

/// Classifies every near-duplicate passage cluster (`all_occurrences[c]`
/// ascending, clusters ordered by first occurrence) and keeps the
/// reported ones: those repeated inside a document or found in
/// `min_docs` documents. Every cluster, reported or not, tells reprints
/// from boilerplate: two reprints share paragraphs that no third document
/// has.
pub fn judge_passages<S: ParagraphSource>(
    all_clusters: Vec<Cluster>,
    all_occurrences: Vec<Vec<Occurrence>>,
    paragraphs: &S,
    config: &ScanConfig,
    stats: ClusterStats,
) -> Result<Passages, S::Error> {
    let all_verdicts = boilerplate::classify(
        &all_occurrences,
        paragraphs,
        config.min_docs,
        config.min_passage_tokens,
    )?;
    let verdicts = all_verdicts.kinds.into_iter().zip(all_verdicts.closing);
    let clusters = all_clusters
        .into_iter()
        .zip(all_occurrences)
        .zip(verdicts)
        .map(|((cluster, occurrences), (kind, closing))| JudgedPassage {
            cluster,
            occurrences,
            kind,
            closing,
        })
        .filter(|passage| {
            let documents = passage.documents().len();
            boilerplate::is_reported(documents, passage.occurrences.len(), config.min_docs)
        })
        .collect();
    Ok(Passages {
        clusters,
        stats,
        by_document: OnceLock::new(),
    })
}
