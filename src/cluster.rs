//! Clusters of near-duplicates: exact-copy grouping, LSH candidates, exact
//! verification, connected components (union-find), then verified cores.
//!
//! 1. Items with identical shingle sets are one *form*; only forms are
//!    hashed into LSH buckets and compared, so a footer printed 100,000
//!    times costs one comparison, not 100,000.
//! 2. Every LSH candidate pair of forms is verified by exact shingle-set
//!    Jaccard; unverified pairs never reach a cluster.
//! 3. Verified pairs are joined by union-find into components.
//! 4. A component is split into clusters around representatives: the
//!    first form becomes a representative, every later form of the
//!    component at least `threshold` similar *to that representative*
//!    joins it, and the first form left over starts the next cluster.
//!    So a chain a~b~c never puts a and c together unless a~c.
//!
//! Everything is ordered by item index, so the output does not depend on
//! the thread count.

use std::borrow::Cow;
use std::collections::HashMap;

use rayon::prelude::*;

use crate::lsh::{LshParams, candidate_pairs};
use crate::minhash::Signature;
use crate::shingle::{Overlap, ShingleSet};

/// One member of a cluster and its overlap with the representative.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    /// Index of the item in the caller's list.
    pub item: u32,
    /// Exact overlap with the representative's shingle set.
    pub overlap: Overlap,
}

/// A verified cluster. `members[0]` is the representative (the smallest
/// item); members are ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// The members, representative first.
    pub members: Vec<Member>,
}

impl Cluster {
    /// The representative's item index.
    pub fn representative(&self) -> u32 {
        self.members[0].item
    }
}

/// Work counts of one clustering run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ClusterStats {
    /// Items with a non-empty shingle set.
    pub items: u64,
    /// Distinct shingle sets among them.
    pub distinct_forms: u64,
    /// Pairs of forms that shared an LSH bucket.
    pub candidate_pairs: u64,
    /// Candidate pairs whose exact Jaccard met the threshold.
    pub verified_pairs: u64,
    /// Pairs of documents sharing a passage found to contain one another
    /// ([`crate::containment`]); 0 for passages.
    pub contained_pairs: u64,
}

/// True when the overlap reaches `threshold` (compared on the integer
/// counts, with a margin for the decimal threshold's rounding).
pub fn meets(overlap: Overlap, threshold: f64) -> bool {
    f64::from(overlap.shared) >= threshold * f64::from(overlap.union) - 1e-9
}

/// Finds clusters of items whose shingle sets are at least `threshold`
/// similar. `sets[i]` and `signatures[i]` describe item `i`; items with an
/// empty set never join a cluster. Clusters of one item are not returned.
pub fn near_duplicate_clusters(
    sets: &[&ShingleSet],
    signatures: &[&Signature],
    params: &LshParams,
    threshold: f64,
) -> (Vec<Cluster>, ClusterStats) {
    let forms = Forms::group(sets);
    let form_signatures: Vec<&Signature> = forms
        .first_item
        .iter()
        .map(|&i| signatures[i as usize])
        .collect();
    let form_set = |form: u32| sets[forms.first_item[form as usize] as usize];
    let in_memory = |form: u32| Ok::<_, std::convert::Infallible>(Cow::Borrowed(form_set(form)));

    let candidates = candidate_pairs(&form_signatures, params);
    let Ok(joined) = cluster_forms(forms.len(), &candidates, &in_memory, threshold);
    let mut clusters: Vec<Cluster> = joined
        .clusters
        .par_iter()
        .map(|form_cluster| forms.expand(form_cluster))
        .chain(
            // A form of several items that joined no other form.
            (0..forms.len() as u32)
                .into_par_iter()
                .filter(|&form| {
                    !joined.in_group[form as usize] && forms.member_items[form as usize].len() > 1
                })
                .map(|form| forms.expand(&[(form, Overlap::identical(form_set(form).len()))])),
        )
        .filter(|cluster| cluster.members.len() > 1)
        .collect();
    clusters.sort_by_key(Cluster::representative);

    let stats = ClusterStats {
        items: forms.member_items.iter().map(|m| m.len() as u64).sum(),
        distinct_forms: forms.len() as u64,
        candidate_pairs: candidates.len() as u64,
        verified_pairs: joined.verified_pairs,
        contained_pairs: 0,
    };
    (clusters, stats)
}

/// Forms joined by verified candidate pairs.
#[derive(Debug, Default)]
pub struct JoinedForms {
    /// Clusters of forms from components of two or more forms, each a list
    /// of `(form, overlap with the representative)`, representative first.
    pub clusters: Vec<Vec<(u32, Overlap)>>,
    /// For each form, whether it was in such a component.
    pub in_group: Vec<bool>,
    /// Candidate pairs whose exact Jaccard met the threshold.
    pub verified_pairs: u64,
    /// Pairs joined by containment ([`crate::containment`]).
    pub contained_pairs: u64,
}

/// Where the shingle sets of numbered forms come from: memory, or a
/// store on disk read on demand. A closure from a form to its set is one.
pub trait FormSets<'s>: Sync {
    /// What a failed read gives.
    type Error: Send;

    /// Form `form`'s set.
    fn set(&self, form: u32) -> Result<Cow<'s, ShingleSet>, Self::Error>;

    /// Told which forms (ascending, without repeats) are about to be
    /// asked for, a store on disk can start reading them all at once.
    fn will_need(&self, forms: &[u32]) {
        let _ = forms;
    }
}

impl<'s, E: Send, F> FormSets<'s> for F
where
    F: Fn(u32) -> Result<Cow<'s, ShingleSet>, E> + Sync,
{
    type Error = E;

    fn set(&self, form: u32) -> Result<Cow<'s, ShingleSet>, E> {
        self(form)
    }
}

/// Candidate pairs verified together, their sets fetched once.
const VERIFY_CHUNK: usize = 16_384;

/// Verifies candidate pairs of forms (numbered `0..form_count`, earlier
/// first) by exact Jaccard, joins them into components and splits each
/// component around representatives. `form_set` gives a form's shingles,
/// from memory or from disk; it is asked for each form of a component
/// once per chunk of candidates and, unless the component's first form
/// met the threshold with every other (then the verified pairs suffice),
/// once per component. The first error `form_set` gives ends the run.
pub fn cluster_forms<'s, S: FormSets<'s>>(
    form_count: usize,
    candidates: &[(u32, u32)],
    form_sets: &S,
    threshold: f64,
) -> Result<JoinedForms, S::Error> {
    let verified = verify_pairs(candidates, form_sets, |pair, overlap| {
        meets(overlap, threshold).then_some(VerifiedPair { pair, overlap })
    })?;
    let mut components = DisjointSets::new(form_count);
    for pair in &verified {
        components.union(pair.pair.0, pair.pair.1);
    }
    let groups = components.groups_of_several();
    let mut in_group = vec![false; form_count];
    for &form in groups.iter().flatten() {
        in_group[form as usize] = true;
    }
    let by_pair: HashMap<(u32, u32), &VerifiedPair> =
        verified.iter().map(|pair| (pair.pair, pair)).collect();
    let clusters: Vec<Vec<Vec<(u32, Overlap)>>> = groups
        .par_iter()
        .map(|group| match star_cluster(group, &by_pair) {
            Some(cluster) => Ok(vec![cluster]),
            None => {
                let sets: Vec<Cow<'s, ShingleSet>> = group
                    .iter()
                    .map(|&f| form_sets.set(f))
                    .collect::<Result<_, S::Error>>()?;
                Ok(split_around_representatives(group, &sets, threshold))
            }
        })
        .collect::<Result<_, S::Error>>()?;
    Ok(JoinedForms {
        clusters: clusters.into_iter().flatten().collect(),
        in_group,
        verified_pairs: verified.len() as u64,
        contained_pairs: 0,
    })
}

/// Measures the overlap of each candidate pair of forms and keeps what
/// `keep` makes of it, in order. Candidates are verified a chunk at a
/// time, each set of a chunk fetched once: a representative paired with
/// many forms is read once, and a caller that builds sets on demand holds
/// one chunk's at most. The first error `form_set` gives ends the run.
pub(crate) fn verify_pairs<'s, S: FormSets<'s>, T: Send>(
    candidates: &[(u32, u32)],
    form_sets: &S,
    keep: impl Fn((u32, u32), Overlap) -> Option<T> + Sync,
) -> Result<Vec<T>, S::Error> {
    let forms_of = |chunk: &[(u32, u32)]| {
        let mut forms: Vec<u32> = chunk.iter().flat_map(|&(a, b)| [a, b]).collect();
        forms.sort_unstable();
        forms.dedup();
        forms
    };
    let chunks: Vec<&[(u32, u32)]> = candidates.chunks(VERIFY_CHUNK).collect();
    let mut forms = chunks
        .first()
        .map_or_else(Vec::new, |chunk| forms_of(chunk));
    form_sets.will_need(&forms);
    let mut kept: Vec<T> = Vec::new();
    for (at, chunk) in chunks.iter().enumerate() {
        // While this chunk's sets are read and compared, a thread of its
        // own tells a store on disk of the next chunk's.
        let next_forms = chunks
            .get(at + 1)
            .map_or_else(Vec::new, |next| forms_of(next));
        std::thread::scope(|scope| {
            if !next_forms.is_empty() {
                scope.spawn(|| form_sets.will_need(&next_forms));
            }
            let sets: Vec<Cow<'s, ShingleSet>> = forms
                .par_iter()
                .map(|&f| form_sets.set(f))
                .collect::<Result<_, S::Error>>()?;
            let set_of = |form: u32| &sets[forms.binary_search(&form).expect("fetched above")];
            kept.par_extend(
                chunk
                    .par_iter()
                    .filter_map(|&(a, b)| keep((a, b), Overlap::between(set_of(a), set_of(b)))),
            );
            Ok::<(), S::Error>(())
        })?;
        forms = next_forms;
    }
    Ok(kept)
}

/// A candidate pair that met the threshold, with what splitting its
/// component may need again.
struct VerifiedPair {
    pair: (u32, u32),
    overlap: Overlap,
}

/// The one cluster [`split_around_representatives`] makes of a component
/// whose first form met the threshold with every other form (the common
/// shape: copies of one original), from the verified pairs alone, without
/// fetching a set again; `None` for any other component.
fn star_cluster(
    group: &[u32],
    verified: &HashMap<(u32, u32), &VerifiedPair>,
) -> Option<Vec<(u32, Overlap)>> {
    let (&first, others) = group.split_first()?;
    let mut cluster = Vec::with_capacity(group.len());
    for &other in others {
        let pair = verified.get(&(first, other))?;
        if cluster.is_empty() {
            cluster.push((first, Overlap::identical(pair.overlap.first as usize)));
        }
        cluster.push((other, pair.overlap));
    }
    Some(cluster)
}

/// Splits one connected component (forms ascending) into clusters whose
/// every form meets the threshold against the cluster's first form.
/// Returns `(form, overlap with representative)` lists.
pub fn split_around_representatives(
    group: &[u32],
    sets: &[Cow<'_, ShingleSet>],
    threshold: f64,
) -> Vec<Vec<(u32, Overlap)>> {
    let mut assigned = vec![false; group.len()];
    let mut clusters = Vec::new();
    for (i, &representative) in group.iter().enumerate() {
        if assigned[i] {
            continue;
        }
        assigned[i] = true;
        let rep_set = &sets[i];
        let mut cluster = vec![(representative, Overlap::identical(rep_set.len()))];
        for (j, &other) in group.iter().enumerate().skip(i + 1) {
            if assigned[j] {
                continue;
            }
            let overlap = Overlap::between(rep_set, &sets[j]);
            if meets(overlap, threshold) {
                assigned[j] = true;
                cluster.push((other, overlap));
            }
        }
        clusters.push(cluster);
    }
    clusters
}

/// Items grouped by identical shingle set, numbered by first appearance.
struct Forms {
    first_item: Vec<u32>,
    member_items: Vec<Vec<u32>>,
}

impl Forms {
    fn group(sets: &[&ShingleSet]) -> Self {
        let mut index: HashMap<&ShingleSet, u32> = HashMap::with_capacity(sets.len());
        let mut forms = Forms {
            first_item: Vec::new(),
            member_items: Vec::new(),
        };
        for (item, set) in sets.iter().enumerate() {
            if set.is_empty() {
                continue;
            }
            let next = forms.first_item.len() as u32;
            let form = *index.entry(set).or_insert(next);
            if form == next {
                forms.first_item.push(item as u32);
                forms.member_items.push(Vec::new());
            }
            forms.member_items[form as usize].push(item as u32);
        }
        forms
    }

    fn len(&self) -> usize {
        self.first_item.len()
    }

    fn expand(&self, form_cluster: &[(u32, Overlap)]) -> Cluster {
        let mut members: Vec<Member> = form_cluster
            .iter()
            .flat_map(|&(form, overlap)| {
                self.member_items[form as usize]
                    .iter()
                    .map(move |&item| Member { item, overlap })
            })
            .collect();
        members.sort_by_key(|m| m.item);
        Cluster { members }
    }
}

/// Union-find with path halving and union by size.
#[derive(Debug, Clone)]
pub struct DisjointSets {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl DisjointSets {
    /// `n` singleton sets.
    pub fn new(n: usize) -> Self {
        DisjointSets {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    /// The root of `x`'s set.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grandparent = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grandparent;
            x = grandparent;
        }
        x
    }

    /// Joins the sets of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
    }

    /// Every set of two or more elements as an ascending list, ordered by
    /// smallest element.
    pub fn groups_of_several(&mut self) -> Vec<Vec<u32>> {
        let n = self.parent.len();
        let mut slot_of_root: HashMap<u32, usize> = HashMap::new();
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for x in 0..n as u32 {
            let root = self.find(x);
            if self.size[root as usize] < 2 {
                continue;
            }
            let slot = *slot_of_root.entry(root).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[slot].push(x);
        }
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::MinHasher;
    use crate::shingle::Shingler;

    fn sets_of(texts: &[&str]) -> Vec<ShingleSet> {
        let shingler = Shingler::new(1, 0);
        texts
            .iter()
            .map(|t| shingler.shingles(&t.split_whitespace().collect::<Vec<_>>()))
            .collect()
    }

    #[test]
    fn components_split_from_verified_pairs_as_from_sets() {
        // Forms 0..3 are copies of one original (a star around form 0);
        // forms 4..7 a chain whose ends differ too much.
        let sets = sets_of(&[
            "a b c d e f g h i j",
            "a b c d e f g h i x",
            "a b c d e f g h y j",
            "a b c d e f z h i j",
            "k l m n o p q r s t",
            "k l m n o p q r s u",
            "k l m n o p q r v u",
            "k l m n o p q w v u",
        ]);
        let all_pairs: Vec<(u32, u32)> = (0..8u32)
            .flat_map(|a| (a + 1..8).map(move |b| (a, b)))
            .collect();
        let fetched = std::sync::atomic::AtomicUsize::new(0);
        let form_set = |f: u32| {
            fetched.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok::<_, std::convert::Infallible>(Cow::Borrowed(&sets[f as usize]))
        };
        let Ok(joined) = cluster_forms(8, &all_pairs, &form_set, 0.7);
        let mut expected = Vec::new();
        for group in [[0u32, 1, 2, 3].as_slice(), &[4, 5, 6, 7]] {
            let group_sets: Vec<Cow<'_, ShingleSet>> = group
                .iter()
                .map(|&f| Cow::Borrowed(&sets[f as usize]))
                .collect();
            expected.extend(split_around_representatives(group, &group_sets, 0.7));
        }
        assert_eq!(joined.clusters, expected);
        assert_eq!(joined.clusters.len(), 3, "the chain splits in two");
        // Eight sets for the candidates, then only the chain's four again.
        assert_eq!(fetched.into_inner(), 12);
    }

    fn cluster_texts(texts: &[&str], threshold: f64) -> Vec<Vec<u32>> {
        let sets = sets_of(texts);
        let hasher = MinHasher::new(128, 1);
        let sigs: Vec<Signature> = sets.iter().map(|s| hasher.signature(s)).collect();
        let (clusters, _) = near_duplicate_clusters(
            &sets.iter().collect::<Vec<_>>(),
            &sigs.iter().collect::<Vec<_>>(),
            &LshParams::for_threshold(threshold, 128),
            threshold,
        );
        clusters
            .iter()
            .map(|c| c.members.iter().map(|m| m.item).collect())
            .collect()
    }

    #[test]
    fn a_set_that_cannot_be_read_ends_clustering_with_its_error() {
        let sets: Vec<ShingleSet> = (0..4u32)
            .map(|i| ShingleSet::from_hashes(vec![1, 2, 3, 4 + i / 2]))
            .collect();
        let pairs = [(0, 1), (2, 3), (0, 2)];
        let form_set = |f: u32| match f {
            3 => Err("form 3 is unreadable"),
            f => Ok(Cow::Borrowed(&sets[f as usize])),
        };
        let result = cluster_forms(4, &pairs, &form_set, 0.5);
        assert_eq!(result.err(), Some("form 3 is unreadable"));
    }
    #[test]
    fn union_find_groups() {
        let mut sets = DisjointSets::new(5);
        sets.union(3, 1);
        sets.union(4, 0);
        assert_eq!(sets.groups_of_several(), [vec![0, 4], vec![1, 3]]);
    }

    #[test]
    fn exact_copies_and_near_copies_cluster() {
        let texts = [
            "a b c d e f g h i j",
            "unrelated words only here",
            "a b c d e f g h i j",
            "a b c d e f g h i k",
        ];
        assert_eq!(cluster_texts(&texts, 0.8), [vec![0, 2, 3]]);
    }

    #[test]
    fn chains_do_not_join_dissimilar_ends() {
        // 0~1 and 1~2 share 8 of 12 (0.67), but 0 and 2 only 6 of 14 (0.43).
        let texts = [
            "1 2 3 4 5 6 7 8 9 10",
            "3 4 5 6 7 8 9 10 11 12",
            "5 6 7 8 9 10 11 12 13 14",
        ];
        assert_eq!(cluster_texts(&texts, 0.6), [vec![0, 1]]);
    }

    #[test]
    fn empty_sets_never_cluster() {
        assert!(cluster_texts(&["", "", "x y"], 0.5).is_empty());
    }
}
