//! Passage clusters as reported, with their verdicts: which are
//! boilerplate, repeated or shared story text, which close their
//! documents, and which paragraphs leave document fingerprints. The rules
//! themselves are in [`crate::boilerplate`]; this is what every command
//! reads of them.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::boilerplate::{self, Occurrence, ParagraphSource};
use crate::cluster::{Cluster, ClusterStats};
use crate::config::ScanConfig;

/// Reported passage clusters with their verdicts.
#[derive(Debug)]
pub struct Passages {
    /// The clusters (members index the fingerprinted paragraphs).
    pub clusters: Vec<Cluster>,
    /// `(document, paragraph)` of every member, per cluster, ascending.
    pub occurrences: Vec<Vec<Occurrence>>,
    /// Kind and closing flags per cluster.
    pub classification: boilerplate::Classification,
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
                .occurrences
                .iter()
                .enumerate()
                .flat_map(|(c, occurrences)| {
                    occurrences.iter().map(
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

    /// True for clusters left out of document fingerprints: boilerplate,
    /// and passages pasted repeatedly at the close of a document.
    pub fn is_excluded(&self, cluster: usize) -> bool {
        let flags = &self.classification.closing[cluster];
        let closing = flags.iter().filter(|&&f| f).count();
        boilerplate::is_excluded(self.classification.kinds[cluster], closing, flags.len())
    }

    /// At least half the cluster's occurrences close their document.
    pub fn is_closing(&self, cluster: usize) -> bool {
        let flags = &self.classification.closing[cluster];
        boilerplate::is_closing(flags.iter().filter(|&&f| f).count(), flags.len())
    }

    /// `(document, paragraph)` pairs left out of document fingerprints.
    pub fn excluded_paragraphs(&self) -> HashSet<Occurrence> {
        (0..self.occurrences.len())
            .filter(|&c| self.is_excluded(c))
            .flat_map(|c| self.occurrences[c].iter().copied())
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
    let mut clusters = Vec::new();
    let mut occurrences = Vec::new();
    let mut classification = boilerplate::Classification {
        kinds: Vec::new(),
        closing: Vec::new(),
    };
    let verdicts = all_verdicts.kinds.into_iter().zip(all_verdicts.closing);
    for ((cluster, occ), (kind, closing)) in
        all_clusters.into_iter().zip(all_occurrences).zip(verdicts)
    {
        let mut docs: Vec<u32> = occ.iter().map(|&Occurrence { doc: d, .. }| d).collect();
        docs.dedup();
        if boilerplate::is_reported(docs.len(), occ.len(), config.min_docs) {
            clusters.push(cluster);
            occurrences.push(occ);
            classification.kinds.push(kind);
            classification.closing.push(closing);
        }
    }
    Ok(Passages {
        clusters,
        occurrences,
        classification,
        stats,
        by_document: OnceLock::new(),
    })
}
