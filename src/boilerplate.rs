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
//! document sets (reprints edited in different places still count; for a
//! passage in more than 64 documents its share of `S` is counted over the
//! evenly spread sample of 64 that the vouching looks at). In
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

/// Own shingles tried in a neighbour before the rest are counted.
const PROBE: usize = 16;

/// Documents of a frequent passage that are looked at to judge it.
pub const VOUCHING_SAMPLE: usize = 64;

/// Paragraphs a block needs to count as a story by its size alone.
pub const STORY_BLOCK_PARAGRAPHS: usize = 3;

/// What a reported passage cluster is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassageKind {
    /// Found in `min_docs` or more documents that otherwise differ.
    Boilerplate,
    /// Repeated inside one document, and not boilerplate.
    Repeated,
    /// Part of a story that several documents reprint.
    Shared,
}

impl PassageKind {
    /// The kind of a passage cluster found `occurrences` times in
    /// `documents` documents, given whether its documents vouch for it as
    /// story text (meaningful only for a frequent one, in `min_docs`
    /// documents or more).
    pub fn of(documents: usize, occurrences: usize, min_docs: usize, story_text: bool) -> Self {
        if documents >= min_docs && !story_text {
            PassageKind::Boilerplate
        } else if documents < occurrences {
            PassageKind::Repeated
        } else {
            PassageKind::Shared
        }
    }
}

/// True when a passage cluster found `occurrences` times in `documents`
/// documents is reported: repeated inside a document, or frequent.
pub fn is_reported(documents: usize, occurrences: usize, min_docs: usize) -> bool {
    documents < occurrences || documents >= min_docs
}

/// True when a cluster of `kind`, `closing` of whose `occurrences` close
/// their documents, is left out of document fingerprints: boilerplate,
/// and passages pasted repeatedly at the close of a document.
pub fn is_excluded(kind: PassageKind, closing: usize, occurrences: usize) -> bool {
    match kind {
        PassageKind::Boilerplate => true,
        PassageKind::Repeated => is_closing(closing, occurrences),
        PassageKind::Shared => false,
    }
}

/// True when a short paragraph (under `--min-passage-tokens`, or symbols
/// only) printed verbatim `occurrences` times in `documents` documents,
/// `closing` of them in their document's closing run, is boilerplate: an
/// end mark or sign-off (`Reuter`, `（完）`, `-30-`). It must be in
/// `min_docs` documents, and close its documents at least half the time:
/// a dateline (`LONDON`) or a one-word quote, which story text follows,
/// never does. Nothing else makes a short paragraph a passage, so it can
/// never make two stories near-duplicates.
pub fn is_end_marker(
    documents: usize,
    closing: usize,
    occurrences: usize,
    min_docs: usize,
) -> bool {
    documents >= min_docs && is_closing(closing, occurrences)
}

/// A cluster is closing when at least half its occurrences are.
pub fn is_closing(closing: usize, occurrences: usize) -> bool {
    2 * closing >= occurrences
}

/// Where a document's closing run starts, given each paragraph's passage
/// kind (`None`: in no passage cluster) and token count: its longest
/// suffix of boilerplate, repeated passages and paragraphs too short to
/// fingerprint.
pub fn closing_start(
    paragraphs: impl DoubleEndedIterator<Item = (Option<PassageKind>, u32)> + ExactSizeIterator,
    min_passage_tokens: usize,
) -> usize {
    let len = paragraphs.len();
    let material = paragraphs.rev().take_while(|&(kind, tokens)| match kind {
        Some(kind) => kind != PassageKind::Shared,
        None => is_short(tokens, min_passage_tokens),
    });
    len - material.count()
}

/// True when a paragraph may stand in an archived document's closing run
/// (as `check` sees one): too short to be a passage, or of a form that
/// `min_docs` indexed documents hold (`form_documents`).
pub fn is_closing_material(
    tokens: u32,
    form_documents: u64,
    min_docs: usize,
    min_passage_tokens: usize,
) -> bool {
    is_short(tokens, min_passage_tokens) || form_documents >= min_docs as u64
}

/// True for a paragraph of `tokens` tokens too short to be matched as a
/// passage (a dateline, `-30-`): it is never in a passage cluster, and it
/// counts as closing material.
pub fn is_short(tokens: u32, min_passage_tokens: usize) -> bool {
    (tokens as usize) < min_passage_tokens
}

/// One occurrence of a passage: where it is printed. Ordered by document,
/// then paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Occurrence {
    /// Document index.
    pub doc: u32,
    /// Paragraph index in the document (0-based).
    pub paragraph: u32,
}

impl Occurrence {
    /// Paragraph `paragraph` of document `doc`.
    pub fn new(doc: u32, paragraph: u32) -> Self {
        Occurrence { doc, paragraph }
    }
}

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
    /// What reading shingles can fail with (`Infallible` in memory).
    type Error: Send;
    /// Number of documents.
    fn document_count(&self) -> usize;
    /// Number of paragraphs of document `d`.
    fn paragraph_count(&self, d: usize) -> usize;
    /// Token count of paragraph `p` of document `d`.
    fn tokens(&self, d: usize, p: usize) -> u32;
    /// Shingles of paragraph `p` of document `d`.
    fn shingles(&self, d: usize, p: usize) -> Result<Cow<'_, ShingleSet>, Self::Error>;
    /// The union of document `d`'s paragraph shingles.
    fn document_union(&self, d: usize) -> Result<ShingleSet, Self::Error> {
        let all: Vec<u32> = (0..self.paragraph_count(d) as u32).collect();
        self.paragraphs_union(d, &all)
    }
    /// The union of the shingles of paragraphs `paragraphs` of document `d`.
    fn paragraphs_union(&self, d: usize, paragraphs: &[u32]) -> Result<ShingleSet, Self::Error> {
        let sets: Vec<Cow<'_, ShingleSet>> = paragraphs
            .iter()
            .map(|&p| self.shingles(d, p as usize))
            .collect::<Result<_, _>>()?;
        Ok(ShingleSet::union_of(sets.iter().map(|s| s.as_ref())))
    }
}

impl ParagraphSource for Vec<Vec<ParagraphView<'_>>> {
    type Error = std::convert::Infallible;

    fn document_count(&self) -> usize {
        self.len()
    }

    fn paragraph_count(&self, d: usize) -> usize {
        self[d].len()
    }

    fn tokens(&self, d: usize, p: usize) -> u32 {
        self[d][p].tokens
    }

    fn shingles(&self, d: usize, p: usize) -> Result<Cow<'_, ShingleSet>, Self::Error> {
        Ok(Cow::Borrowed(self[d][p].shingles))
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
///
/// The work is linear in the paragraphs the verdicts look at: frequent
/// clusters found in the same documents (the paragraphs of one reprinted
/// story, however long) are judged together, each sampled document is
/// walked once for all of them, and companions are counted over the same
/// sample as the vouching.
pub fn classify<S: ParagraphSource>(
    clusters: &[Vec<Occurrence>],
    documents: &S,
    min_docs: usize,
    min_passage_tokens: usize,
) -> Result<Classification, S::Error> {
    let corpus = Layout::new(clusters, documents, min_docs, min_passage_tokens);
    let story_text = corpus.story_text_verdicts(clusters)?;
    let kinds: Vec<PassageKind> = (0..clusters.len())
        .map(|c| {
            PassageKind::of(
                corpus.doc_counts[c],
                clusters[c].len(),
                min_docs,
                story_text[c],
            )
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
                .map(
                    |&Occurrence {
                         doc: d,
                         paragraph: p,
                     }| p as usize >= closing_start[d as usize],
                )
                .collect()
        })
        .collect();
    Ok(Classification { kinds, closing })
}

/// Indices into a document set of `len` documents that a verdict looks
/// at: all of them, or an evenly spread sample of [`VOUCHING_SAMPLE`]
/// (a passage in thousands of documents; the verdict is a majority either
/// way).
pub fn vouching_sample(len: usize) -> Vec<usize> {
    if len <= VOUCHING_SAMPLE {
        (0..len).collect()
    } else {
        (0..VOUCHING_SAMPLE)
            .map(|k| k * len / VOUCHING_SAMPLE)
            .collect()
    }
}

/// How often a passage cluster is found in a corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
pub struct ClusterCount {
    /// Documents holding it.
    pub documents: usize,
    /// Its occurrences (more than `documents` when repeated inside one).
    pub occurrences: usize,
}

/// One paragraph of a document laid out for [`story_text_of_group`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct LaidParagraph {
    /// The passage cluster it belongs to, if any (ids of the caller's).
    pub cluster: Option<u64>,
    /// Its token count.
    pub tokens: u32,
    /// Its shingle hashes (any order, repeats allowed).
    pub shingles: Vec<u32>,
}

/// A frequent passage cluster and what its verdict looks at, for a
/// distributed run that judges each cluster where its documents are.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct StoryTextGroup {
    /// The cluster judged (an id of the caller's).
    pub cluster: u64,
    /// Every document holding it, ascending (ids of the caller's).
    pub documents: Vec<u64>,
    /// The documents the verdict looks at, each with its paragraphs in
    /// order: those at [`positions_looked_at`] in `documents`. More may
    /// be given.
    pub layouts: Vec<(u64, Vec<LaidParagraph>)>,
    /// How often each cluster found in those documents is found in the
    /// whole corpus.
    pub counts: Vec<(u64, ClusterCount)>,
}

/// What is wrong with a [`StoryTextGroup`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    /// A document the verdict looks at is not laid out.
    #[error("document {0} is sampled or a sampled document's neighbour, but has no layout")]
    MissingLayout(u64),
    /// A cluster found in a layout has no count.
    #[error("cluster {0} is found in a layout but has no count")]
    MissingCount(u64),
}

/// Whether the documents of `group.cluster` vouch for it as story text
/// (the test of the module docs), judged from the documents it looks at
/// alone: the verdict [`classify`] gives it in the whole corpus.
pub fn story_text_of_group(
    group: &StoryTextGroup,
    min_docs: usize,
    min_passage_tokens: usize,
) -> Result<bool, GroupError> {
    let mut layouts: Vec<&(u64, Vec<LaidParagraph>)> = group.layouts.iter().collect();
    layouts.sort_by_key(|(d, _)| *d);
    layouts.dedup_by_key(|(d, _)| *d);
    // Local numbers, in the caller's order, so occurrences stay ascending.
    let local_doc: HashMap<u64, u32> = layouts
        .iter()
        .enumerate()
        .map(|(local, (d, _))| (*d, local as u32))
        .collect();
    let mut local_cluster: HashMap<u64, u32> = HashMap::new();
    let mut counts = Vec::new();
    for &(c, count) in &group.counts {
        local_cluster.entry(c).or_insert_with(|| {
            counts.push(count);
            (counts.len() - 1) as u32
        });
    }
    let Some(&judged) = local_cluster.get(&group.cluster) else {
        return Err(GroupError::MissingCount(group.cluster));
    };
    let mut cluster_of = Vec::with_capacity(layouts.len());
    let mut paragraphs: Vec<Vec<(u32, ShingleSet)>> = Vec::with_capacity(layouts.len());
    let mut occurrences: Vec<Vec<Occurrence>> = vec![Vec::new(); counts.len()];
    for (local, (_, laid)) in layouts.iter().enumerate() {
        let mut here = Vec::with_capacity(laid.len());
        for (p, paragraph) in laid.iter().enumerate() {
            let c = match paragraph.cluster {
                Some(c) => Some(*local_cluster.get(&c).ok_or(GroupError::MissingCount(c))?),
                None => None,
            };
            if let Some(c) = c {
                occurrences[c as usize].push(Occurrence::new(local as u32, p as u32));
            }
            here.push(c);
        }
        cluster_of.push(here);
        paragraphs.push(
            laid.iter()
                .map(|p| (p.tokens, ShingleSet::from_hashes(p.shingles.clone())))
                .collect(),
        );
    }
    // Only the judged cluster's documents are walked: its sample and
    // their neighbours, which must all be laid out.
    let docs = &group.documents;
    let mut doc_set = vec![u32::MAX; docs.len()];
    for at in positions_looked_at(docs.len()) {
        doc_set[at] = *local_doc
            .get(&docs[at])
            .ok_or(GroupError::MissingLayout(docs[at]))?;
    }
    let mut doc_sets = vec![Vec::new(); counts.len()];
    doc_sets[judged as usize] = doc_set;
    let layout = Layout::with_counts(
        cluster_of,
        &paragraphs,
        doc_sets,
        counts,
        min_docs,
        min_passage_tokens,
    );
    let Ok(verdicts) = layout.story_text_verdicts(&occurrences);
    Ok(verdicts[judged as usize])
}

impl ParagraphSource for Vec<Vec<(u32, ShingleSet)>> {
    type Error = std::convert::Infallible;

    fn document_count(&self) -> usize {
        self.len()
    }

    fn paragraph_count(&self, d: usize) -> usize {
        self[d].len()
    }

    fn tokens(&self, d: usize, p: usize) -> u32 {
        self[d][p].0
    }

    fn shingles(&self, d: usize, p: usize) -> Result<Cow<'_, ShingleSet>, Self::Error> {
        Ok(Cow::Borrowed(&self[d][p].1))
    }
}

/// Positions in a frequent cluster's `len` documents (ascending) that its
/// verdict looks at: the sampled ones and each one's neighbours (the next
/// and the previous, around the end), ascending, once each.
pub fn positions_looked_at(len: usize) -> Vec<usize> {
    let mut positions: Vec<usize> = vouching_sample(len)
        .into_iter()
        .flat_map(|i| [i, (i + 1) % len, (i + len - 1) % len])
        .collect();
    positions.sort_unstable();
    positions.dedup();
    positions
}

/// Clusters laid over documents.
struct Layout<'a, S> {
    documents: &'a S,
    cluster_of: Vec<Vec<Option<u32>>>,
    /// Per document, each paragraph's token count.
    tokens: Vec<Vec<u32>>,
    /// Per cluster, whether it is neutral: frequent passages and passages
    /// pasted repeatedly inside one document say nothing about whether a
    /// document's story is shared.
    neutral: Vec<bool>,
    /// Per document, the clusters found in it, ascending, once each.
    clusters_in: Vec<Vec<u32>>,
    /// Per cluster, the documents holding it, ascending: every cluster's
    /// for a whole corpus; for one group judged alone
    /// ([`story_text_of_group`]), only the judged cluster's.
    doc_sets: Vec<Vec<u32>>,
    /// Per cluster, the number of documents holding it in the corpus.
    doc_counts: Vec<usize>,
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
            for &Occurrence {
                doc: d,
                paragraph: p,
            } in occurrences
            {
                cluster_of[d as usize][p as usize] = Some(c as u32);
            }
        }
        let doc_sets: Vec<Vec<u32>> = clusters
            .iter()
            .map(|occurrences| {
                let mut docs: Vec<u32> = occurrences
                    .iter()
                    .map(|&Occurrence { doc: d, .. }| d)
                    .collect();
                docs.dedup();
                docs
            })
            .collect();
        let counts = doc_sets
            .iter()
            .zip(clusters)
            .map(|(docs, occurrences)| ClusterCount {
                documents: docs.len(),
                occurrences: occurrences.len(),
            })
            .collect();
        Self::with_counts(
            cluster_of,
            documents,
            doc_sets,
            counts,
            min_docs,
            min_passage_tokens,
        )
    }

    /// A layout of `documents` whose paragraphs' clusters are `cluster_of`,
    /// with each cluster's documents and counts given (the counts may be
    /// those of a larger corpus than `documents`).
    fn with_counts(
        cluster_of: Vec<Vec<Option<u32>>>,
        documents: &'a S,
        doc_sets: Vec<Vec<u32>>,
        counts: Vec<ClusterCount>,
        min_docs: usize,
        min_passage_tokens: usize,
    ) -> Self {
        let clusters_in = cluster_of
            .par_iter()
            .map(|here| {
                let mut seen: Vec<u32> = here.iter().flatten().copied().collect();
                seen.sort_unstable();
                seen.dedup();
                seen
            })
            .collect();
        let tokens = (0..documents.document_count())
            .into_par_iter()
            .map(|d| {
                (0..documents.paragraph_count(d))
                    .map(|p| documents.tokens(d, p))
                    .collect()
            })
            .collect();
        let neutral = counts
            .iter()
            .map(|count| count.documents >= min_docs || count.occurrences > count.documents)
            .collect();
        Layout {
            documents,
            cluster_of,
            tokens,
            neutral,
            clusters_in,
            doc_sets,
            doc_counts: counts.iter().map(|count| count.documents).collect(),
            min_docs,
            min_passage_tokens,
        }
    }

    #[cfg(test)]
    fn is_short(&self, d: usize, p: usize) -> bool {
        is_short(self.tokens[d][p], self.min_passage_tokens)
    }

    /// Per cluster, whether it is story text (the test of the module
    /// docs); meaningful for clusters in `min_docs` documents or more.
    /// Frequent clusters with the same document set share their
    /// companions and their sample, so they are judged as one group.
    fn story_text_verdicts(&self, clusters: &[Vec<Occurrence>]) -> Result<Vec<bool>, S::Error> {
        let mut frequent: Vec<(u64, u32)> = (0..clusters.len() as u32)
            .filter(|&c| self.doc_sets[c as usize].len() >= self.min_docs)
            .map(|c| (crate::shingle::form_key(&self.doc_sets[c as usize]), c))
            .collect();
        frequent.par_sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| self.doc_sets[a.1 as usize].cmp(&self.doc_sets[b.1 as usize]))
                .then(a.1.cmp(&b.1))
        });
        let groups: Vec<Vec<u32>> = frequent
            .chunk_by(|a, b| {
                a.0 == b.0 && self.doc_sets[a.1 as usize] == self.doc_sets[b.1 as usize]
            })
            .map(|group| group.iter().map(|&(_, c)| c).collect())
            .collect();
        // Each group's cheap votes first; the documents whose own text must
        // be looked for in their neighbours are gathered from every group,
        // so that each neighbour's shingles are read once.
        let own_texts = OwnTexts::new(self.documents.document_count());
        let votes: Vec<GroupVotes> = groups
            .par_iter()
            .map_init(
                || vec![0u32; clusters.len()],
                |counts, members| self.cheap_votes(members, clusters, counts, &own_texts),
            )
            .collect();
        let own_texts = own_texts.into_lists();
        // Each pending document is looked up in both neighbours; the
        // look-ups are sorted by neighbour, so each neighbour is read once.
        let pending: Vec<&Pending> = votes.iter().flat_map(|group| &group.pending).collect();
        let mut lookups: Vec<Lookup> = pending
            .iter()
            .enumerate()
            .flat_map(|(at, pending)| {
                [pending.next, pending.previous].map(|neighbour| Lookup {
                    neighbour,
                    document: pending.document,
                    own: pending.own,
                    pending: at as u32,
                })
            })
            .collect();
        lookups.par_sort_unstable();
        // The first shingles of each own text, its probe, are kept; the
        // whole text is read again only for a neighbour that passes it.
        let probes: Vec<Vec<Vec<u32>>> = own_texts
            .par_iter()
            .enumerate()
            .map(|(d, lists)| {
                lists
                    .iter()
                    .map(|own| {
                        let union = self.documents.paragraphs_union(d, own)?;
                        Ok(union.hashes()[..union.len().min(PROBE)].to_vec())
                    })
                    .collect()
            })
            .collect::<Result<_, S::Error>>()?;
        let (own_texts, probes) = (&own_texts, &probes);
        let held_by: Vec<Vec<u32>> = lookups
            .par_chunk_by(|a, b| a.neighbour == b.neighbour)
            .map(|same_neighbour| {
                let held = self
                    .documents
                    .document_union(same_neighbour[0].neighbour as usize)?;
                let mut found = Vec::new();
                for lookup in same_neighbour {
                    let (d, slot) = (lookup.document as usize, lookup.own as usize);
                    if self.own_text_held(d, &own_texts[d][slot], &probes[d][slot], &held)? {
                        found.push(lookup.pending);
                    }
                }
                Ok(found)
            })
            .collect::<Result<_, S::Error>>()?;
        let mut vouches = vec![false; pending.len()];
        for at in held_by.into_iter().flatten() {
            vouches[at as usize] = true;
        }
        let mut vouches = vouches.into_iter();
        let mut story_text = vec![false; clusters.len()];
        for (members, mut group) in groups.iter().zip(votes) {
            for pending in &group.pending {
                if vouches.next().unwrap_or(false) {
                    for &m in &pending.members {
                        group.vouching[m as usize] += 1;
                    }
                }
            }
            for (&c, &vouching) in members.iter().zip(&group.vouching) {
                story_text[c as usize] = 2 * vouching as usize >= group.sample_len;
            }
        }
        Ok(story_text)
    }

    /// The votes of `members`, clusters found in exactly the same
    /// documents, that need no look at a neighbour, and the sampled
    /// documents whose vote does. `counts` is zeroed scratch, one slot per
    /// cluster, and is left zeroed.
    fn cheap_votes(
        &self,
        members: &[u32],
        clusters: &[Vec<Occurrence>],
        counts: &mut [u32],
        own_texts: &OwnTexts,
    ) -> GroupVotes {
        let docs = &self.doc_sets[members[0] as usize];
        let sample = vouching_sample(docs.len());
        // A companion is found in at least half of the larger of the two
        // document sets; its share of `docs` is counted over the sample.
        let mut touched: Vec<u32> = Vec::new();
        for &i in &sample {
            for &other in &self.clusters_in[docs[i] as usize] {
                if counts[other as usize] == 0 {
                    touched.push(other);
                }
                counts[other as usize] += 1;
            }
        }
        let shared: &[u32] = counts;
        let is_companion = |other: u32| {
            let larger = docs.len().max(self.doc_counts[other as usize]);
            2 * shared[other as usize] as usize * docs.len() >= larger * sample.len()
        };
        let mut votes = GroupVotes {
            vouching: vec![0; members.len()],
            sample_len: sample.len(),
            pending: Vec::new(),
        };
        let mut walk = DocumentWalk::default();
        for &i in &sample {
            let d = docs[i] as usize;
            self.walk(d, &is_companion, &mut walk);
            let mut undecided = Vec::new();
            for (m, &c) in members.iter().enumerate() {
                let occurrences = &clusters[c as usize];
                let at =
                    occurrences.partition_point(|&Occurrence { doc: od, .. }| (od as usize) < d);
                let first = occurrences.get(at).map_or(0, |o| o.paragraph as usize);
                let context = walk.context_around(first);
                if context.shared_tokens >= context.own_tokens || context.block_is_a_story() {
                    votes.vouching[m] += 1;
                } else {
                    undecided.push(m as u32);
                }
            }
            if !undecided.is_empty() {
                votes.pending.push(Pending {
                    document: d as u32,
                    own: own_texts.slot(d, &walk.own),
                    next: docs[(i + 1) % docs.len()],
                    previous: docs[(i + docs.len() - 1) % docs.len()],
                    members: undecided,
                });
            }
        }
        for other in touched {
            counts[other as usize] = 0;
        }
        votes
    }

    /// True when `held` (a neighbour's shingles) holds at least
    /// [`OWN_TEXT_CONTAINMENT`] of the shingles of paragraphs `own` of
    /// document `d`. The hashes are uniform, so the first few (`probe`,
    /// the first [`PROBE`] of them) are a random sample: a neighbour that
    /// holds almost none of them is let go without reading the rest.
    fn own_text_held(
        &self,
        d: usize,
        own: &[u32],
        probe: &[u32],
        held: &ShingleSet,
    ) -> Result<bool, S::Error> {
        if probe.is_empty() {
            return Ok(false);
        }
        if probe.len() == PROBE && held.count_held(probe) < PROBE / 4 {
            return Ok(false);
        }
        let own = self.documents.paragraphs_union(d, own)?;
        let hashes = own.hashes();
        let found = held.count_held(hashes);
        Ok(found as f64 >= OWN_TEXT_CONTAINMENT * hashes.len() as f64)
    }

    /// Walks document `d` once into `walk` (its buffers reused), with
    /// `is_companion` telling a cluster's companions: what any of the
    /// group's blocks leaves around it.
    fn walk(&self, d: usize, is_companion: &impl Fn(u32) -> bool, walk: &mut DocumentWalk) {
        walk.clear();
        let here = &self.cluster_of[d];
        let tokens_here = &self.tokens[d];
        let mut in_run = false;
        for (p, (&cluster, &tokens)) in here.iter().zip(tokens_here).enumerate() {
            let short = is_short(tokens, self.min_passage_tokens);
            let tokens = if short { 0 } else { u64::from(tokens) };
            let companion = cluster.is_some_and(is_companion);
            // A block is a run of companions and short paragraphs.
            if companion || (cluster.is_none() && short) {
                if !in_run {
                    walk.runs.push(Run {
                        start: p as u32,
                        ..Run::default()
                    });
                    in_run = true;
                }
                let run = walk.runs.last_mut().expect("a run was just opened");
                run.end = p as u32 + 1;
                if !short {
                    run.paragraphs += 1;
                    run.tokens += tokens;
                }
            } else {
                in_run = false;
            }
            if short {
                continue;
            }
            match cluster {
                Some(_) if companion => walk.companion_tokens += tokens,
                Some(other) if self.neutral[other as usize] => {}
                _ => {
                    walk.own_tokens += tokens;
                    walk.own.push(p as u32);
                }
            }
        }
    }

    /// Where document `d`'s closing run starts ([`closing_start`]).
    fn closing_start(&self, d: usize, kinds: &[PassageKind]) -> usize {
        let paragraphs = self.cluster_of[d]
            .iter()
            .zip(&self.tokens[d])
            .map(|(c, &tokens)| (c.map(|c| kinds[c as usize]), tokens));
        closing_start(paragraphs, self.min_passage_tokens)
    }
}

/// One maximal run of block material (companions and short paragraphs),
/// paragraphs `start..end`: its full paragraphs and their tokens.
#[derive(Debug, Default, Clone, Copy)]
struct Run {
    start: u32,
    end: u32,
    paragraphs: usize,
    tokens: u64,
}

/// What one walk of a document tells every cluster of a group.
#[derive(Debug, Default)]
struct DocumentWalk {
    /// The runs of block material, in order.
    runs: Vec<Run>,
    /// Tokens of full companion paragraphs, blocks included.
    companion_tokens: u64,
    /// Tokens of full paragraphs in no companion and no neutral cluster:
    /// never in a block.
    own_tokens: u64,
    own: Vec<u32>,
}

impl DocumentWalk {
    fn clear(&mut self) {
        self.runs.clear();
        self.companion_tokens = 0;
        self.own_tokens = 0;
        self.own.clear();
    }

    /// The document split around the block holding paragraph `first`.
    fn context_around(&self, first: usize) -> Context {
        let at = self.runs.partition_point(|run| run.end as usize <= first);
        let run = match self.runs.get(at) {
            Some(run) if run.start as usize <= first => *run,
            // A cluster is always its own companion, so its paragraph
            // opens a block; an empty one stands in if it did not.
            _ => Run::default(),
        };
        Context {
            block_paragraphs: run.paragraphs,
            block_tokens: run.tokens,
            shared_tokens: self.companion_tokens - run.tokens,
            own_tokens: self.own_tokens,
        }
    }
}

/// The votes of one group of clusters.
struct GroupVotes {
    /// Per member, the sampled documents that vouch for it.
    vouching: Vec<u32>,
    sample_len: usize,
    /// Sampled documents whose vote hangs on their neighbours.
    pending: Vec<Pending>,
}

/// A sampled document that vouches for `members` (indices into its
/// group) if a neighbour holds most of its own text.
struct Pending {
    document: u32,
    /// Its own paragraphs: a slot of [`OwnTexts`].
    own: u32,
    next: u32,
    previous: u32,
    members: Vec<u32>,
}

/// Does `neighbour` hold most of `document`'s own text (slot `own`)?
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Lookup {
    neighbour: u32,
    document: u32,
    own: u32,
    /// Which pending document asks.
    pending: u32,
}

/// Per document, the distinct lists of own paragraphs that groups found
/// in it (usually one: its story around the frequent passages), so that a
/// document looked up for many groups is one look per neighbour.
struct OwnTexts {
    lists: Vec<std::sync::Mutex<Vec<Vec<u32>>>>,
}

impl OwnTexts {
    fn new(documents: usize) -> Self {
        OwnTexts {
            lists: (0..documents).map(|_| Default::default()).collect(),
        }
    }

    /// The slot of `own` among document `d`'s lists.
    fn slot(&self, d: usize, own: &[u32]) -> u32 {
        let mut lists = self.lists[d]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match lists.iter().position(|list| list == own) {
            Some(at) => at as u32,
            None => {
                lists.push(own.to_vec());
                (lists.len() - 1) as u32
            }
        }
    }

    fn into_lists(self) -> Vec<Vec<Vec<u32>>> {
        self.lists
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            })
            .collect()
    }
}

/// A document's text outside one passage's block.
#[derive(Debug, Default)]
struct Context {
    block_paragraphs: usize,
    block_tokens: u64,
    shared_tokens: u64,
    own_tokens: u64,
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

    /// Distinct shingles per (document, paragraph); clusters as
    /// `(document, paragraph)` pairs.
    fn classify_tokens(
        clusters: &[Vec<(u32, u32)>],
        tokens: &[Vec<u32>],
        min_docs: usize,
    ) -> Classification {
        let clusters: Vec<Vec<Occurrence>> = clusters
            .iter()
            .map(|c| c.iter().map(|&(d, p)| Occurrence::new(d, p)).collect())
            .collect();
        let clusters = &clusters[..];
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
        let Ok(verdicts) = classify(clusters, &views, min_docs, 5);
        verdicts
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
        let clusters: Vec<Vec<(u32, u32)>> =
            (0..3).map(|p| (0..3).map(|d| (d, p)).collect()).collect();
        let verdict = classify_tokens(&clusters, &tokens, 3);
        assert_eq!(verdict.kinds, vec![PassageKind::Shared; 3]);
        assert!(verdict.closing.iter().flatten().all(|&c| !c));
    }

    #[test]
    fn reprinted_story_with_a_common_footer() {
        // Docs 0-2 reprint one story; docs 0-7 carry the footer (paragraph 2).
        let tokens = vec![vec![30, 30, 10]; 8];
        let story: Vec<Vec<(u32, u32)>> =
            (0..2).map(|p| (0..3).map(|d| (d, p)).collect()).collect();
        let footer: Vec<(u32, u32)> = (0..8).map(|d| (d, 2)).collect();
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
        let clusters: Vec<Vec<Occurrence>> = (0..3)
            .map(|p| (0..4).map(|d| Occurrence::new(d, p)).collect())
            .collect();
        let Ok(verdict) = classify(&clusters, &views, 3, 5);
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
        let clusters: Vec<Vec<(u32, u32)>> =
            (0..4).map(|p| vec![(0, p), (1, p + 1), (2, p)]).collect();
        let verdict = classify_tokens(&clusters, &tokens, 3);
        assert_eq!(verdict.kinds, vec![PassageKind::Shared; 4]);
    }
}

#[cfg(test)]
mod reference {
    //! The per-cluster verdict as first written (every document of a
    //! cluster walked for every cluster): quadratic, kept to check that
    //! the grouped walk gives the same verdicts.
    use super::*;
    use std::collections::HashMap;

    type InMemory = std::convert::Infallible;

    fn is_story_text<S: ParagraphSource<Error = InMemory>>(
        layout: &Layout<'_, S>,
        cluster: u32,
    ) -> bool {
        let docs = &layout.doc_sets[cluster as usize];
        let mut shared_docs: HashMap<u32, u32> = HashMap::new();
        for &d in docs {
            for &other in &layout.clusters_in[d as usize] {
                *shared_docs.entry(other).or_default() += 1;
            }
        }
        let is_companion = |other: u32| {
            let shared = shared_docs.get(&other).copied().unwrap_or(0) as usize;
            2 * shared >= docs.len().max(layout.doc_counts[other as usize])
        };
        let sample = vouching_sample(docs.len());
        let vouching = sample
            .iter()
            .filter(|&&i| {
                let d = docs[i] as usize;
                let here = &layout.cluster_of[d];
                let in_block = |p: usize| match here[p] {
                    Some(other) => is_companion(other),
                    None => layout.is_short(d, p),
                };
                let first = here.iter().position(|&c| c == Some(cluster)).unwrap_or(0);
                let (mut start, mut end) = (first, first + 1);
                while start > 0 && in_block(start - 1) {
                    start -= 1;
                }
                while end < here.len() && in_block(end) {
                    end += 1;
                }
                let (mut block_paragraphs, mut block_tokens) = (0, 0u64);
                for p in (start..end).filter(|&p| !layout.is_short(d, p)) {
                    block_paragraphs += 1;
                    block_tokens += u64::from(layout.documents.tokens(d, p));
                }
                let (mut shared, mut own_tokens, mut own) = (0u64, 0u64, Vec::new());
                for p in (0..start).chain(end..here.len()) {
                    if layout.is_short(d, p) {
                        continue;
                    }
                    let tokens = u64::from(layout.documents.tokens(d, p));
                    match here[p] {
                        Some(other) if is_companion(other) => shared += tokens,
                        Some(other) if layout.neutral[other as usize] => {}
                        _ => {
                            own_tokens += tokens;
                            own.push(p);
                        }
                    }
                }
                let story_block =
                    block_paragraphs >= STORY_BLOCK_PARAGRAPHS && block_tokens >= own_tokens;
                shared >= own_tokens || story_block || {
                    let next = docs[(i + 1) % docs.len()] as usize;
                    let previous = docs[(i + docs.len() - 1) % docs.len()] as usize;
                    let own: Vec<u32> = own.iter().map(|&p| p as u32).collect();
                    let Ok(union) = layout.documents.paragraphs_union(d, &own);
                    let probe = &union.hashes()[..union.len().min(PROBE)];
                    [next, previous].into_iter().any(|neighbour| {
                        let Ok(held) = layout.documents.document_union(neighbour);
                        let Ok(held) = layout.own_text_held(d, &own, probe, &held);
                        held
                    })
                }
            })
            .count();
        2 * vouching >= sample.len()
    }

    /// Cluster `c`'s verdict from [`story_text_of_group`], given only the
    /// documents it looks at, under ids other than the corpus's.
    fn judged_alone<S: ParagraphSource<Error = InMemory>>(
        corpus: &Layout<'_, S>,
        clusters: &[Vec<Occurrence>],
        c: usize,
        min_docs: usize,
    ) -> bool {
        let id = |d: u32| 5 + 3 * u64::from(d);
        let cluster_id = |c: u32| 1000 + 7 * u64::from(c);
        let docs = &corpus.doc_sets[c];
        let needed: Vec<u32> = positions_looked_at(docs.len())
            .into_iter()
            .map(|i| docs[i])
            .collect();
        let mut seen = Vec::new();
        let layouts = needed
            .iter()
            .map(|&d| {
                let d = d as usize;
                let laid = corpus.cluster_of[d]
                    .iter()
                    .enumerate()
                    .map(|(p, &cluster)| {
                        seen.extend(cluster);
                        LaidParagraph {
                            cluster: cluster.map(cluster_id),
                            tokens: corpus.documents.tokens(d, p),
                            shingles: match corpus.documents.shingles(d, p) {
                                Ok(set) => set.hashes().to_vec(),
                            },
                        }
                    })
                    .collect();
                (id(d as u32), laid)
            })
            .collect();
        seen.push(c as u32);
        seen.sort_unstable();
        seen.dedup();
        let group = StoryTextGroup {
            cluster: cluster_id(c as u32),
            documents: docs.iter().map(|&d| id(d)).collect(),
            layouts,
            counts: seen
                .iter()
                .map(|&other| {
                    let count = ClusterCount {
                        documents: corpus.doc_sets[other as usize].len(),
                        occurrences: clusters[other as usize].len(),
                    };
                    (cluster_id(other), count)
                })
                .collect(),
        };
        story_text_of_group(&group, min_docs, 5).unwrap()
    }

    /// A small deterministic generator (xorshift).
    struct Draw(u64);

    impl Draw {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    #[test]
    fn grouped_verdicts_equal_the_per_cluster_reference_on_random_layouts() {
        let mut draw = Draw(0x9E37_79B9_7F4A_7C15);
        let mut boilerplate_seen = 0;
        let mut story_seen = 0;
        for _ in 0..400 {
            // A few passages, placed at random in a few documents: some
            // documents copy whole runs of one another (reprints), some
            // passages land everywhere (footers).
            // Now and then more documents than the vouching sample.
            let documents = match draw.below(10) {
                0 => 70 + draw.below(80) as usize,
                _ => 3 + draw.below(8) as usize,
            };
            let passages = 2 + draw.below(10) as u32;
            let mut layout: Vec<Vec<Option<u32>>> = Vec::new();
            for _ in 0..documents {
                let length = 1 + draw.below(14) as usize;
                layout.push(
                    (0..length)
                        .map(|_| (draw.below(3) != 0).then(|| draw.below(passages as u64) as u32))
                        .collect(),
                );
            }
            let mut occurrences: Vec<Vec<Occurrence>> = vec![Vec::new(); passages as usize];
            for (d, doc) in layout.iter().enumerate() {
                for (p, passage) in doc.iter().enumerate() {
                    if let Some(c) = passage {
                        occurrences[*c as usize].push(Occurrence::new(d as u32, p as u32));
                    }
                }
            }
            let clusters: Vec<Vec<Occurrence>> =
                occurrences.into_iter().filter(|o| !o.is_empty()).collect();
            // Shingles: a passage's paragraphs share theirs; others are
            // partly drawn from a small pool, so containment varies.
            let sets: Vec<Vec<ShingleSet>> = layout
                .iter()
                .map(|doc| {
                    doc.iter()
                        .map(|passage| match passage {
                            Some(c) => {
                                ShingleSet::from_hashes((0..8).map(|k| c * 100 + k).collect())
                            }
                            None => ShingleSet::from_hashes(
                                (0..8).map(|_| 10_000 + draw.below(24) as u32).collect(),
                            ),
                        })
                        .collect()
                })
                .collect();
            let views: Vec<Vec<ParagraphView>> = sets
                .iter()
                .map(|doc| {
                    doc.iter()
                        .map(|shingles| ParagraphView {
                            tokens: draw.below(40) as u32,
                            shingles,
                        })
                        .collect()
                })
                .collect();
            let min_docs = 2 + draw.below(3) as usize;
            let corpus = Layout::new(&clusters, &views, min_docs, 5);
            let Ok(grouped) = corpus.story_text_verdicts(&clusters);
            for (c, &verdict) in grouped.iter().enumerate() {
                if corpus.doc_sets[c].len() >= min_docs {
                    let expected = is_story_text(&corpus, c as u32);
                    assert_eq!(verdict, expected, "cluster {c} of {clusters:?}");
                    let alone = judged_alone(&corpus, &clusters, c, min_docs);
                    assert_eq!(alone, expected, "cluster {c} judged alone");
                    if expected {
                        story_seen += 1;
                    } else {
                        boilerplate_seen += 1;
                    }
                }
            }
        }
        // The layouts exercise both verdicts.
        assert!(
            boilerplate_seen > 20 && story_seen > 50,
            "{boilerplate_seen} {story_seen}"
        );
    }
}
