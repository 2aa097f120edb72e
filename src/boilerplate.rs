//! Sorting repeated passages into kinds, and finding which occurrences
//! close their document.
//!
//! A passage cluster seen in `min_docs` documents is either boilerplate (a
//! footer, a copyright line, a sign-off) or the shared text of a story
//! printed several times. They differ in what surrounds them: a footer
//! sits under stories that differ, while the paragraphs of a reprinted
//! story come with the rest of that story.
//!
//! For a frequent cluster `C` found in documents `S`, a *companion* is a
//! cluster found in at least half of the larger of its own and `S`'s
//! document sets (reprints edited in different places still count). In
//! each document of `S`, the *block* around `C` is the run of adjacent
//! companions and short paragraphs (a multi-line footer); the rest of the
//! document is its *context*. The document vouches for story text when the
//! companion tokens in its context are at least its own tokens there
//! (paragraphs in no frequent cluster); other frequent passages, such as a
//! footer under a reprint, and passages pasted several times into the
//! document do not count either way. `C` is
//! [`PassageKind::Shared`] story text when at least half of `S` vouches for
//! it; otherwise it is [`PassageKind::Boilerplate`], and document
//! similarity is computed without it. A reprint edited in a paragraph
//! still vouches when most of its own text is found in a neighbouring
//! document of `S` (shingle containment at least [`OWN_TEXT_CONTAINMENT`]),
//! which the different stories under one footer never are; and a block of
//! [`STORY_BLOCK_PARAGRAPHS`] or more full paragraphs that outweighs the
//! own text is a story with a little added. Position plays no part here,
//! so a one-paragraph footer under very short stories is still
//! boilerplate.
//!
//! The *closing run* of a document is its longest suffix of paragraphs
//! that are boilerplate, repeated inside the document, or too short to
//! fingerprint (`-30-`, `###`). An occurrence is closing when it lies in
//! that run; a cluster is closing when at least half its occurrences are.

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::shingle::ShingleSet;

/// Share of a document's own shingles that a neighbour must hold for the
/// two to count as edited reprints of one story.
pub const OWN_TEXT_CONTAINMENT: f64 = 0.5;

/// Documents of a frequent passage that are looked at to judge it.
const VOUCHING_SAMPLE: usize = 64;

/// Paragraphs a block needs to count as a story by its size alone.
pub const STORY_BLOCK_PARAGRAPHS: usize = 3;

/// What a reported passage cluster is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PassageKind {
    /// Found in `min_docs` or more documents that otherwise differ.
    Boilerplate,
    /// Repeated inside one document, and not boilerplate.
    Repeated,
    /// Part of a story that several documents reprint.
    Shared,
}

/// One occurrence of a passage: document index and paragraph index.
pub type Occurrence = (u32, u32);

/// What classification needs to know of a paragraph.
#[derive(Debug, Clone, Copy)]
pub struct ParagraphView<'a> {
    /// Its token count.
    pub tokens: u32,
    /// Its shingles.
    pub shingles: &'a ShingleSet,
}

/// The paragraphs classification looks at, from memory or from disk.
pub trait ParagraphSource: Sync {
    /// Number of documents.
    fn document_count(&self) -> usize;
    /// Number of paragraphs of document `d`.
    fn paragraph_count(&self, d: usize) -> usize;
    /// Token count of paragraph `p` of document `d`.
    fn tokens(&self, d: usize, p: usize) -> u32;
    /// Shingles of paragraph `p` of document `d`.
    fn shingles(&self, d: usize, p: usize) -> Cow<'_, ShingleSet>;
}

impl ParagraphSource for Vec<Vec<ParagraphView<'_>>> {
    fn document_count(&self) -> usize {
        self.len()
    }

    fn paragraph_count(&self, d: usize) -> usize {
        self[d].len()
    }

    fn tokens(&self, d: usize, p: usize) -> u32 {
        self[d][p].tokens
    }

    fn shingles(&self, d: usize, p: usize) -> Cow<'_, ShingleSet> {
        Cow::Borrowed(self[d][p].shingles)
    }
}

/// Verdicts for a list of passage clusters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Classification {
    /// Kind of each cluster.
    pub kinds: Vec<PassageKind>,
    /// For each cluster, whether each occurrence is in its document's
    /// closing run.
    pub closing: Vec<Vec<bool>>,
}

/// Classifies passage clusters. `clusters[c]` lists occurrences ascending;
/// `documents[d][p]` describes paragraph `p` of document `d`. Pass every
/// near-duplicate cluster, not only the reported ones: passages that two
/// reprints share tell reprints from boilerplate.
pub fn classify(
    clusters: &[Vec<Occurrence>],
    documents: &impl ParagraphSource,
    min_docs: usize,
    min_passage_tokens: usize,
) -> Classification {
    let corpus = Layout::new(clusters, documents, min_docs, min_passage_tokens);
    let kinds: Vec<PassageKind> = (0..clusters.len())
        .into_par_iter()
        .map(|c| {
            let docs = corpus.doc_sets[c].len();
            if docs >= min_docs && !corpus.is_story_text(c as u32) {
                PassageKind::Boilerplate
            } else if docs < clusters[c].len() {
                PassageKind::Repeated
            } else {
                PassageKind::Shared
            }
        })
        .collect();
    let closing_start: Vec<usize> = (0..documents.document_count())
        .into_par_iter()
        .map(|d| corpus.closing_start(d, &kinds))
        .collect();
    let closing = clusters
        .iter()
        .map(|occurrences| {
            occurrences
                .iter()
                .map(|&(d, p)| p as usize >= closing_start[d as usize])
                .collect()
        })
        .collect();
    Classification { kinds, closing }
}

/// Clusters laid over documents.
struct Layout<'a, S> {
    documents: &'a S,
    cluster_of: Vec<Vec<Option<u32>>>,
    doc_sets: Vec<Vec<u32>>,
    occurrence_counts: Vec<usize>,
    min_docs: usize,
    min_passage_tokens: usize,
}

impl<'a, S: ParagraphSource> Layout<'a, S> {
    fn new(
        clusters: &[Vec<Occurrence>],
        documents: &'a S,
        min_docs: usize,
        min_passage_tokens: usize,
    ) -> Self {
        let mut cluster_of: Vec<Vec<Option<u32>>> = (0..documents.document_count())
            .map(|d| vec![None; documents.paragraph_count(d)])
            .collect();
        for (c, occurrences) in clusters.iter().enumerate() {
            for &(d, p) in occurrences {
                cluster_of[d as usize][p as usize] = Some(c as u32);
            }
        }
        let doc_sets = clusters
            .iter()
            .map(|occurrences| {
                let mut docs: Vec<u32> = occurrences.iter().map(|&(d, _)| d).collect();
                docs.dedup();
                docs
            })
            .collect();
        let occurrence_counts = clusters.iter().map(Vec::len).collect();
        Layout {
            documents,
            cluster_of,
            doc_sets,
            occurrence_counts,
            min_docs,
            min_passage_tokens,
        }
    }

    fn is_short(&self, d: usize, p: usize) -> bool {
        (self.documents.tokens(d, p) as usize) < self.min_passage_tokens
    }

    /// Frequent passages and passages pasted repeatedly inside one document
    /// say nothing about whether a document's story is shared.
    fn is_neutral(&self, cluster: u32) -> bool {
        let docs = self.doc_sets[cluster as usize].len();
        docs >= self.min_docs || self.occurrence_counts[cluster as usize] > docs
    }

    /// The test of the module docs.
    fn is_story_text(&self, cluster: u32) -> bool {
        let docs = &self.doc_sets[cluster as usize];
        let mut shared_docs: HashMap<u32, u32> = HashMap::new();
        for &d in docs {
            let mut seen: Vec<u32> = self.cluster_of[d as usize]
                .iter()
                .flatten()
                .copied()
                .collect();
            seen.sort_unstable();
            seen.dedup();
            for other in seen {
                *shared_docs.entry(other).or_default() += 1;
            }
        }
        let is_companion = |other: u32| {
            let shared = shared_docs.get(&other).copied().unwrap_or(0) as usize;
            2 * shared >= docs.len().max(self.doc_sets[other as usize].len())
        };
        // A passage in thousands of documents is judged on an evenly spread
        // sample of them; the verdict is a majority either way.
        let sample: Vec<usize> = if docs.len() <= VOUCHING_SAMPLE {
            (0..docs.len()).collect()
        } else {
            (0..VOUCHING_SAMPLE)
                .map(|k| k * docs.len() / VOUCHING_SAMPLE)
                .collect()
        };
        let vouching = sample
            .iter()
            .filter(|&&i| {
                let d = docs[i];
                let context = self.context(d as usize, cluster, &is_companion);
                context.shared_tokens >= context.own_tokens || context.block_is_a_story() || {
                    let next = docs[(i + 1) % docs.len()] as usize;
                    let previous = docs[(i + docs.len() - 1) % docs.len()] as usize;
                    let own_sets: Vec<Cow<'_, ShingleSet>> = context
                        .own
                        .iter()
                        .map(|&p| self.documents.shingles(d as usize, p))
                        .collect();
                    let own = ShingleSet::union_of(own_sets.iter().map(|s| s.as_ref()));
                    self.contains_most_of(next, &own) || self.contains_most_of(previous, &own)
                }
            })
            .count();
        2 * vouching >= sample.len()
    }

    /// True when document `d` holds at least [`OWN_TEXT_CONTAINMENT`] of
    /// `shingles`. The hashes are uniform, so the first few are a random
    /// sample: a document that holds almost none of them is let go early.
    fn contains_most_of(&self, d: usize, shingles: &ShingleSet) -> bool {
        if shingles.is_empty() {
            return false;
        }
        let paragraphs: Vec<Cow<'_, ShingleSet>> = (0..self.documents.paragraph_count(d))
            .map(|p| self.documents.shingles(d, p))
            .collect();
        let held = |h: &&u32| paragraphs.iter().any(|p| p.contains(**h));
        let hashes = shingles.hashes();
        let probe = &hashes[..hashes.len().min(16)];
        if probe.len() == 16 && probe.iter().filter(held).count() < 4 {
            return false;
        }
        let found = hashes.iter().filter(held).count();
        found as f64 >= OWN_TEXT_CONTAINMENT * hashes.len() as f64
    }

    /// Splits document `d` around `cluster`'s block (see the module docs).
    fn context(&self, d: usize, cluster: u32, is_companion: &impl Fn(u32) -> bool) -> Context {
        let here = &self.cluster_of[d];
        let in_block = |p: usize| match here[p] {
            Some(other) => is_companion(other),
            None => self.is_short(d, p),
        };
        let first = here.iter().position(|&c| c == Some(cluster)).unwrap_or(0);
        let mut start = first;
        while start > 0 && in_block(start - 1) {
            start -= 1;
        }
        let mut end = first + 1;
        while end < here.len() && in_block(end) {
            end += 1;
        }
        let mut context = Context::default();
        for p in start..end {
            if !self.is_short(d, p) {
                context.block_paragraphs += 1;
                context.block_tokens += u64::from(self.documents.tokens(d, p));
            }
        }
        for p in (0..start).chain(end..here.len()) {
            if self.is_short(d, p) {
                continue;
            }
            let tokens = u64::from(self.documents.tokens(d, p));
            match here[p] {
                Some(other) if is_companion(other) => context.shared_tokens += tokens,
                Some(other) if self.is_neutral(other) => {}
                _ => {
                    context.own_tokens += tokens;
                    context.own.push(p);
                }
            }
        }
        context
    }

    /// Where document `d`'s closing run starts: its longest suffix of
    /// boilerplate, repeated passages and short paragraphs.
    fn closing_start(&self, d: usize, kinds: &[PassageKind]) -> usize {
        let here = &self.cluster_of[d];
        let mut start = here.len();
        while start > 0 {
            let p = start - 1;
            let closing_material = match here[p] {
                Some(c) => kinds[c as usize] != PassageKind::Shared,
                None => self.is_short(d, p),
            };
            if !closing_material {
                break;
            }
            start = p;
        }
        start
    }
}

/// A document's text outside one passage's block.
#[derive(Debug, Default)]
struct Context {
    block_paragraphs: usize,
    block_tokens: u64,
    shared_tokens: u64,
    own_tokens: u64,
    own: Vec<usize>,
}

impl Context {
    /// A block of several full paragraphs that outweighs the document's own
    /// text is a reprinted story with a little added, not a footer.
    fn block_is_a_story(&self) -> bool {
        self.block_paragraphs >= STORY_BLOCK_PARAGRAPHS && self.block_tokens >= self.own_tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distinct shingles per (document, paragraph).
    fn classify_tokens(
        clusters: &[Vec<Occurrence>],
        tokens: &[Vec<u32>],
        min_docs: usize,
    ) -> Classification {
        let sets: Vec<Vec<ShingleSet>> = tokens
            .iter()
            .enumerate()
            .map(|(d, doc)| {
                (0..doc.len())
                    .map(|p| ShingleSet::from_hashes(vec![(d * 1000 + p) as u32]))
                    .collect()
            })
            .collect();
        let views: Vec<Vec<ParagraphView>> = tokens
            .iter()
            .zip(&sets)
            .map(|(t, s)| {
                t.iter()
                    .zip(s)
                    .map(|(&tokens, shingles)| ParagraphView { tokens, shingles })
                    .collect()
            })
            .collect();
        classify(clusters, &views, min_docs, 5)
    }

    #[test]
    fn footer_under_different_stories_is_boilerplate_and_closing() {
        // Four stories of 3 paragraphs (20 tokens each) and a 10-token footer.
        let tokens = vec![vec![20, 20, 20, 10]; 4];
        let footer = vec![(0, 3), (1, 3), (2, 3), (3, 3)];
        let verdict = classify_tokens(&[footer], &tokens, 3);
        assert_eq!(verdict.kinds, [PassageKind::Boilerplate]);
        assert_eq!(verdict.closing, [vec![true; 4]]);
    }

    #[test]
    fn reprinted_story_paragraphs_are_shared_not_boilerplate() {
        // Three copies of one story: each paragraph is in all three.
        let tokens = vec![vec![20, 20, 20]; 3];
        let clusters: Vec<Vec<Occurrence>> =
            (0..3).map(|p| (0..3).map(|d| (d, p)).collect()).collect();
        let verdict = classify_tokens(&clusters, &tokens, 3);
        assert_eq!(verdict.kinds, vec![PassageKind::Shared; 3]);
        assert!(verdict.closing.iter().flatten().all(|&c| !c));
    }

    #[test]
    fn reprinted_story_with_a_common_footer() {
        // Docs 0-2 reprint one story; docs 0-7 carry the footer (paragraph 2).
        let tokens = vec![vec![30, 30, 10]; 8];
        let story: Vec<Vec<Occurrence>> =
            (0..2).map(|p| (0..3).map(|d| (d, p)).collect()).collect();
        let footer: Vec<Occurrence> = (0..8).map(|d| (d, 2)).collect();
        let clusters = [story[0].clone(), story[1].clone(), footer];
        let verdict = classify_tokens(&clusters, &tokens, 3);
        assert_eq!(
            verdict.kinds,
            [
                PassageKind::Shared,
                PassageKind::Shared,
                PassageKind::Boilerplate
            ]
        );
        assert_eq!(verdict.closing[2], vec![true; 8]);
    }

    #[test]
    fn reprints_edited_in_different_paragraphs_stay_shared() {
        // Four reprints; paragraph 1 was edited in doc 3, paragraph 2 in doc 2.
        let tokens = vec![vec![30, 30, 30]; 4];
        let clusters = [
            vec![(0, 0), (1, 0), (2, 0), (3, 0)],
            vec![(0, 1), (1, 1), (2, 1)],
            vec![(0, 2), (1, 2), (3, 2)],
        ];
        let verdict = classify_tokens(&clusters, &tokens, 3);
        assert_eq!(verdict.kinds, vec![PassageKind::Shared; 3]);
    }

    #[test]
    fn passage_pasted_at_the_end_of_one_document() {
        // Paragraphs 3..=5 are one passage; a short sign-off follows.
        let tokens = vec![vec![40, 40, 40, 50, 50, 52, 2]];
        let verdict = classify_tokens(&[vec![(0, 3), (0, 4), (0, 5)]], &tokens, 3);
        assert_eq!(verdict.kinds, [PassageKind::Repeated]);
        assert_eq!(verdict.closing, [vec![true; 3]]);
    }

    #[test]
    fn repeat_in_the_middle_is_not_closing() {
        let tokens = vec![vec![40, 50, 40, 50, 40]];
        let verdict = classify_tokens(&[vec![(0, 1), (0, 3)]], &tokens, 3);
        assert_eq!(verdict.closing, [vec![false, false]]);
    }

    #[test]
    fn long_footer_under_short_stories_is_boilerplate() {
        // Stories of 9 tokens, footer of 40: size alone would call it story.
        let tokens = vec![vec![9, 40]; 4];
        let verdict = classify_tokens(&[(0..4).map(|d| (d, 1)).collect()], &tokens, 3);
        assert_eq!(verdict.kinds, [PassageKind::Boilerplate]);
    }

    #[test]
    fn reprints_each_edited_in_their_last_paragraph_stay_shared() {
        // Paragraphs 0-2 shared by four reprints; paragraph 3 edited in each
        // (one shingle of ten changed), so it is in no cluster.
        let shared = ShingleSet::from_hashes(vec![1, 2, 3]);
        let edited: Vec<ShingleSet> = (0..4u32)
            .map(|d| ShingleSet::from_hashes((10..19).chain([100 + d]).collect()))
            .collect();
        let views: Vec<Vec<ParagraphView>> = (0..4)
            .map(|d| {
                let mut doc: Vec<ParagraphView> = (0..3)
                    .map(|_| ParagraphView {
                        tokens: 30,
                        shingles: &shared,
                    })
                    .collect();
                doc.push(ParagraphView {
                    tokens: 30,
                    shingles: &edited[d],
                });
                doc
            })
            .collect();
        let clusters: Vec<Vec<Occurrence>> =
            (0..3).map(|p| (0..4).map(|d| (d, p)).collect()).collect();
        let verdict = classify(&clusters, &views, 3, 5);
        assert_eq!(verdict.kinds, vec![PassageKind::Shared; 3]);
    }

    #[test]
    fn reprints_with_a_short_unique_insert_stay_shared() {
        // A four-paragraph story in three documents; two add a unique
        // eight-token paragraph (first or last), found nowhere else.
        let tokens = vec![
            vec![30, 30, 30, 30],
            vec![8, 30, 30, 30, 30],
            vec![30, 30, 30, 30, 8],
        ];
        let clusters: Vec<Vec<Occurrence>> =
            (0..4).map(|p| vec![(0, p), (1, p + 1), (2, p)]).collect();
        let verdict = classify_tokens(&clusters, &tokens, 3);
        assert_eq!(verdict.kinds, vec![PassageKind::Shared; 4]);
    }
}
