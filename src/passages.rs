//! Passage clusters as reported, with their verdicts: which are
//! boilerplate, repeated or shared story text, which close their
//! documents, and which paragraphs leave document fingerprints. The rules
//! themselves are in [`crate::boilerplate`]; this is what every command
//! reads of them.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::boilerplate::{self, Occurrence, ParagraphSource, PassageKind};
use crate::cluster::{Cluster, ClusterStats, Member};
use crate::config::ScanConfig;
use crate::shingle::Overlap;

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
    /// The documents of each passage cluster that is in too few
    /// documents to be reported (two reprints of one story share many).
    pub unreported_documents: Vec<Vec<u32>>,
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

    /// The documents of each passage that stays in fingerprints, reported
    /// or not: documents sharing one are the candidates of shortened and
    /// extended reprints ([`crate::containment`]).
    pub fn sharing_documents(&self) -> impl Iterator<Item = Vec<u32>> + '_ {
        self.clusters
            .iter()
            .filter(|passage| !passage.is_excluded())
            .map(JudgedPassage::documents)
            .chain(self.unreported_documents.iter().cloned())
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
    let mut clusters = Vec::new();
    let mut unreported_documents = Vec::new();
    for ((cluster, occurrences), (kind, closing)) in
        all_clusters.into_iter().zip(all_occurrences).zip(verdicts)
    {
        let passage = JudgedPassage {
            cluster,
            occurrences,
            kind,
            closing,
        };
        let documents = passage.documents();
        if boilerplate::is_reported(documents.len(), passage.occurrences.len(), config.min_docs) {
            clusters.push(passage);
        } else if documents.len() > 1 {
            unreported_documents.push(documents);
        }
    }
    Ok(Passages {
        clusters,
        unreported_documents,
        stats,
        by_document: OnceLock::new(),
    })
}

/// A short paragraph printed somewhere: the key of its text
/// ([`crate::text::marker_key`]) and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ShortPrint {
    /// Its [`crate::text::marker_key`].
    pub key: u64,
    /// Where it is printed.
    pub at: Occurrence,
}

impl Passages {
    /// Adds the end markers among `shorts` (every short paragraph of the
    /// corpus): those [`boilerplate::is_end_marker`] finds boilerplate,
    /// judged by where each occurrence stands against its document's
    /// closing run. Clusters stay ordered by first occurrence.
    pub fn add_end_markers<S: ParagraphSource>(
        &mut self,
        mut shorts: Vec<ShortPrint>,
        paragraphs: &S,
        config: &ScanConfig,
    ) {
        shorts.sort_unstable();
        // Each text's prints with the documents they are in, for the texts
        // in `min_docs` documents or more.
        let groups: Vec<(&[ShortPrint], usize)> = shorts
            .chunk_by(|a, b| a.key == b.key)
            .map(|group| {
                let mut documents: Vec<u32> = group.iter().map(|s| s.at.doc).collect();
                documents.dedup();
                (group, documents.len())
            })
            .filter(|&(_, documents)| documents >= config.min_docs)
            .collect();
        if groups.is_empty() {
            return;
        }
        // The kinds of the passages in the documents that hold a candidate,
        // for their closing runs.
        let holding: HashSet<u32> = groups
            .iter()
            .flat_map(|(group, _)| group.iter().map(|s| s.at.doc))
            .collect();
        let mut kinds: HashMap<u32, Vec<(u32, PassageKind)>> = HashMap::new();
        for passage in &self.clusters {
            for at in passage
                .occurrences
                .iter()
                .filter(|at| holding.contains(&at.doc))
            {
                kinds
                    .entry(at.doc)
                    .or_default()
                    .push((at.paragraph, passage.kind));
            }
        }
        let closing_starts: HashMap<u32, usize> = holding
            .iter()
            .map(|&d| {
                let mut laid: Vec<Option<PassageKind>> =
                    vec![None; paragraphs.paragraph_count(d as usize)];
                for &(p, kind) in kinds.get(&d).into_iter().flatten() {
                    laid[p as usize] = Some(kind);
                }
                let with_tokens = laid
                    .into_iter()
                    .enumerate()
                    .map(|(p, kind)| (kind, paragraphs.tokens(d as usize, p)));
                (
                    d,
                    boilerplate::closing_start(with_tokens, config.min_passage_tokens),
                )
            })
            .collect();
        let mut added = false;
        for (group, documents) in groups {
            let closing: Vec<bool> = group
                .iter()
                .map(|s| s.at.paragraph as usize >= closing_starts[&s.at.doc])
                .collect();
            let closing_count = closing.iter().filter(|&&c| c).count();
            if !boilerplate::is_end_marker(documents, closing_count, group.len(), config.min_docs) {
                continue;
            }
            let members = (0..group.len() as u32)
                .map(|item| Member {
                    item,
                    // Verbatim: each print is its own text's equal.
                    overlap: Overlap::identical(1),
                })
                .collect();
            self.clusters.push(JudgedPassage {
                cluster: Cluster { members },
                occurrences: group.iter().map(|s| s.at).collect(),
                kind: PassageKind::Boilerplate,
                closing,
            });
            added = true;
        }
        if added {
            self.clusters.sort_by_key(|passage| passage.occurrences[0]);
            self.by_document = OnceLock::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle::ShingleSet;

    /// Three stories: a dateline (key 1), two story paragraphs, and a
    /// closing sign-off (key 2); the third has a quote (key 3) last but one
    /// and in the others the quote opens the body.
    #[test]
    fn a_short_text_at_the_close_is_an_end_marker_and_a_dateline_is_not() {
        let story = |tokens: &[u32]| -> Vec<(u32, ShingleSet)> {
            tokens
                .iter()
                .map(|&t| (t, ShingleSet::from_hashes(vec![t])))
                .collect()
        };
        let documents = vec![
            story(&[1, 1, 30, 40, 1]),
            story(&[1, 1, 35, 45, 1]),
            story(&[1, 50, 1, 60, 1]),
        ];
        let mut shorts = vec![];
        for d in 0..3u32 {
            shorts.push(ShortPrint {
                key: 1,
                at: Occurrence::new(d, 0),
            });
            shorts.push(ShortPrint {
                key: 2,
                at: Occurrence::new(d, 4),
            });
        }
        shorts.push(ShortPrint {
            key: 3,
            at: Occurrence::new(0, 1),
        });
        shorts.push(ShortPrint {
            key: 3,
            at: Occurrence::new(1, 1),
        });
        shorts.push(ShortPrint {
            key: 3,
            at: Occurrence::new(2, 2),
        });
        let config = ScanConfig::new(vec![]);
        let mut passages = Passages {
            unreported_documents: Vec::new(),
            clusters: Vec::new(),
            stats: ClusterStats::default(),
            by_document: OnceLock::new(),
        };
        passages.add_end_markers(shorts, &documents, &config);
        assert_eq!(passages.clusters.len(), 1, "{:?}", passages.clusters);
        let marker = &passages.clusters[0];
        assert_eq!(marker.kind, PassageKind::Boilerplate);
        assert_eq!(marker.closing, [true; 3]);
        assert!(marker.is_excluded() && marker.is_closing());
        let at: Vec<(u32, u32)> = marker
            .occurrences
            .iter()
            .map(|o| (o.doc, o.paragraph))
            .collect();
        assert_eq!(at, [(0, 4), (1, 4), (2, 4)]);
        assert_eq!(passages.prints_in(2).len(), 1);
    }
}
