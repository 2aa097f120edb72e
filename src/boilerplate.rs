//! Sorting repeated passages into kinds, and finding which occurrences
//! close their document.
//!
//! A passage cluster seen in `min_docs` documents is either boilerplate (a
//! footer, a copyright line, a sign-off) or the shared text of a story
//! printed several times. They differ in what comes with them: the
//! paragraphs of a reprinted story travel together, so the documents that
//! hold one of them are mostly made of paragraphs found in the same
//! documents; a footer sits under different stories. For a frequent
//! cluster `C` found in documents `S`, a *companion* is any cluster found
//! in at least half of the larger of its own and `S`'s document sets (so
//! reprints edited in different places still count; C is its own
//! companion). If
//! companions cover at least half of the tokens of `S`'s documents on
//! average, `C` is [`PassageKind::Shared`] story text; otherwise it is
//! [`PassageKind::Boilerplate`], and document similarity is computed
//! without it.
//!
//! The *closing run* of a document is its longest suffix of paragraphs
//! that are boilerplate, repeated inside the document, or too short to
//! fingerprint (`-30-`, `###`). An occurrence is closing when it lies in
//! that run; a cluster is closing when at least half its occurrences are.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

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

/// Verdicts for a list of passage clusters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// Kind of each cluster.
    pub kinds: Vec<PassageKind>,
    /// For each cluster, whether each occurrence is in its document's
    /// closing run.
    pub closing: Vec<Vec<bool>>,
}

/// Classifies reported passage clusters. `clusters[c]` lists occurrences
/// ascending; `paragraph_tokens[d][p]` is the token count of paragraph `p`
/// of document `d`.
pub fn classify(
    clusters: &[Vec<Occurrence>],
    paragraph_tokens: &[Vec<u32>],
    min_docs: usize,
    min_passage_tokens: usize,
) -> Classification {
    let cluster_of = paragraph_clusters(clusters, paragraph_tokens);
    let doc_sets: Vec<Vec<u32>> = clusters.iter().map(|c| distinct_docs(c)).collect();
    let kinds: Vec<PassageKind> = (0..clusters.len())
        .into_par_iter()
        .map(|c| {
            let frequent = doc_sets[c].len() >= min_docs;
            let repeated = doc_sets[c].len() < clusters[c].len();
            if frequent && !is_story_text(c as u32, &doc_sets, &cluster_of, paragraph_tokens) {
                PassageKind::Boilerplate
            } else if repeated {
                PassageKind::Repeated
            } else {
                PassageKind::Shared
            }
        })
        .collect();

    let closing_start: Vec<u32> = cluster_of
        .iter()
        .zip(paragraph_tokens)
        .map(|(clusters_here, tokens)| {
            let mut start = clusters_here.len();
            while start > 0 {
                let p = start - 1;
                let closing_material = match clusters_here[p] {
                    Some(c) => kinds[c as usize] != PassageKind::Shared,
                    None => (tokens[p] as usize) < min_passage_tokens,
                };
                if !closing_material {
                    break;
                }
                start = p;
            }
            start as u32
        })
        .collect();
    let closing = clusters
        .iter()
        .map(|occurrences| {
            occurrences
                .iter()
                .map(|&(d, p)| p >= closing_start[d as usize])
                .collect()
        })
        .collect();
    Classification { kinds, closing }
}

/// For each document and paragraph, the reported cluster it belongs to.
fn paragraph_clusters(
    clusters: &[Vec<Occurrence>],
    paragraph_tokens: &[Vec<u32>],
) -> Vec<Vec<Option<u32>>> {
    let mut cluster_of: Vec<Vec<Option<u32>>> = paragraph_tokens
        .iter()
        .map(|t| vec![None; t.len()])
        .collect();
    for (c, occurrences) in clusters.iter().enumerate() {
        for &(d, p) in occurrences {
            cluster_of[d as usize][p as usize] = Some(c as u32);
        }
    }
    cluster_of
}

fn distinct_docs(occurrences: &[Occurrence]) -> Vec<u32> {
    let mut docs: Vec<u32> = occurrences.iter().map(|&(d, _)| d).collect();
    docs.dedup();
    docs
}

/// The companion test of the module docs.
fn is_story_text(
    cluster: u32,
    doc_sets: &[Vec<u32>],
    cluster_of: &[Vec<Option<u32>>],
    paragraph_tokens: &[Vec<u32>],
) -> bool {
    let docs = &doc_sets[cluster as usize];
    let mut shared_docs: HashMap<u32, u32> = HashMap::new();
    for &d in docs {
        let mut seen: Vec<u32> = cluster_of[d as usize].iter().flatten().copied().collect();
        seen.sort_unstable();
        seen.dedup();
        for other in seen {
            *shared_docs.entry(other).or_default() += 1;
        }
    }
    let is_companion = |other: u32| {
        let shared = shared_docs.get(&other).copied().unwrap_or(0) as usize;
        2 * shared >= docs.len().max(doc_sets[other as usize].len())
    };
    let mut coverage_sum = 0.0;
    for &d in docs {
        let tokens = &paragraph_tokens[d as usize];
        let total: u64 = tokens.iter().map(|&t| u64::from(t)).sum();
        let covered: u64 = cluster_of[d as usize]
            .iter()
            .zip(tokens)
            .filter(|(c, _)| c.is_some_and(is_companion))
            .map(|(_, &t)| u64::from(t))
            .sum();
        if total > 0 {
            coverage_sum += covered as f64 / total as f64;
        }
    }
    2.0 * coverage_sum >= docs.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footer_under_different_stories_is_boilerplate_and_closing() {
        // Four stories of 3 paragraphs (20 tokens each) and a 10-token footer.
        let tokens = vec![vec![20, 20, 20, 10]; 4];
        let footer = vec![(0, 3), (1, 3), (2, 3), (3, 3)];
        let verdict = classify(&[footer], &tokens, 3, 5);
        assert_eq!(verdict.kinds, [PassageKind::Boilerplate]);
        assert_eq!(verdict.closing, [vec![true; 4]]);
    }

    #[test]
    fn reprinted_story_paragraphs_are_shared_not_boilerplate() {
        // Three copies of one story: each paragraph is in all three.
        let tokens = vec![vec![20, 20, 20]; 3];
        let clusters: Vec<Vec<Occurrence>> =
            (0..3).map(|p| (0..3).map(|d| (d, p)).collect()).collect();
        let verdict = classify(&clusters, &tokens, 3, 5);
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
        let verdict = classify(&clusters, &tokens, 3, 5);
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
        let verdict = classify(&clusters, &tokens, 3, 5);
        assert_eq!(verdict.kinds, vec![PassageKind::Shared; 3]);
    }

    #[test]
    fn passage_pasted_at_the_end_of_one_document() {
        // Paragraphs 3..=5 are one passage; a short sign-off follows.
        let tokens = vec![vec![40, 40, 40, 50, 50, 52, 2]];
        let verdict = classify(&[vec![(0, 3), (0, 4), (0, 5)]], &tokens, 3, 5);
        assert_eq!(verdict.kinds, [PassageKind::Repeated]);
        assert_eq!(verdict.closing, [vec![true; 3]]);
    }

    #[test]
    fn repeat_in_the_middle_is_not_closing() {
        let tokens = vec![vec![40, 50, 40, 50, 40]];
        let verdict = classify(&[vec![(0, 1), (0, 3)]], &tokens, 3, 5);
        assert_eq!(verdict.closing, [vec![false, false]]);
    }
}
