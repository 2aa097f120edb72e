//! Shortened and extended reprints: documents joined because one holds
//! most of the other's text, though their whole-text Jaccard is low (a
//! wire story cut to fit keeps 40% of its paragraphs and scores about 0.4).
//!
//! Candidates are pairs of documents that share a passage (a reported,
//! non-boilerplate passage cluster), so no new index is built; each is
//! verified exactly on the kept shingle sets. A component joined by
//! containment is split around the members related to the most others:
//! two different cuts of one story meet in the story they were cut from,
//! two extended reprints in the story they both hold.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;

use crate::cluster::{DisjointSets, FormSets, JoinedForms, meets, verify_pairs};
use crate::shingle::{Overlap, ShingleSet};

/// A document this short (distinct shingles of its kept text) is never
/// joined by containment: a lead paragraph and a line of text are held by
/// many stories that are not reprints of each other. 40 shingles are about
/// 45 words, or 45 Chinese characters.
pub const MIN_CONTAINED_SHINGLES: u32 = 40;

/// Of one passage's documents, each is paired with at most this many of
/// the first ones: a quotation printed in thousands of documents gives
/// bounded work, and the reprints of one story still meet.
const PARTNERS_PER_PASSAGE: usize = 32;

/// How a cluster member relates to the document it is compared with (its
/// cluster's representative, or the document `dedup` keeps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Whole-text Jaccard at least the threshold.
    Similar,
    /// At least the containment threshold of its text is in the other.
    ContainedIn,
    /// It holds at least the containment threshold of the other's text.
    Contains,
    /// Neither: it joined through the representative (only between two
    /// members that are not the representative).
    SameCluster,
}

/// When two documents are near-duplicates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    /// Whole-text Jaccard threshold.
    pub threshold: f64,
    /// Containment threshold; `None` for Jaccard only.
    pub containment: Option<f64>,
}

impl Rule {
    /// How the second set of `overlap` relates to the first, if the two
    /// are near-duplicates.
    pub fn relation(&self, overlap: Overlap) -> Option<Relation> {
        if meets(overlap, self.threshold) {
            return Some(Relation::Similar);
        }
        let containment = self.containment?;
        let holds = |part: u32, whole: u32| {
            whole >= MIN_CONTAINED_SHINGLES
                && f64::from(part) >= containment * f64::from(whole) - 1e-9
        };
        if holds(overlap.shared, overlap.second()) {
            Some(Relation::ContainedIn)
        } else if holds(overlap.shared, overlap.first) {
            Some(Relation::Contains)
        } else {
            None
        }
    }

    /// Like [`Rule::relation`], naming the relation even when none holds.
    pub fn describe(&self, overlap: Overlap) -> Relation {
        self.relation(overlap).unwrap_or(Relation::SameCluster)
    }
}

/// Candidate pairs `(a, b)`, `a < b`, ascending and distinct, of forms
/// that share a passage: `groups` gives, per passage, the forms holding
/// it. Each form is paired with at most 32 of the
/// first forms of a group.
pub fn candidate_pairs(groups: impl Iterator<Item = Vec<u32>>) -> Vec<(u32, u32)> {
    let mut pairs = Vec::new();
    for mut forms in groups {
        forms.sort_unstable();
        forms.dedup();
        let partners = forms.len().min(PARTNERS_PER_PASSAGE);
        for (i, &b) in forms.iter().enumerate().skip(1) {
            pairs.extend(forms[..i.min(partners)].iter().map(|&a| (a, b)));
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Adds containment to clusters joined by Jaccard: `candidates` (from
/// [`candidate_pairs`]) not already in one cluster are verified exactly,
/// and every component that a verified pair touches is split again with
/// [`split_around_fullest`]. Other clusters are returned unchanged, so
/// with no containment found the result is `joined` itself.
pub fn join_by_containment<'s, S: FormSets<'s>>(
    mut joined: JoinedForms,
    candidates: &[(u32, u32)],
    form_sets: &S,
    rule: &Rule,
) -> Result<JoinedForms, S::Error> {
    let cluster_of: HashMap<u32, usize> = joined
        .clusters
        .iter()
        .enumerate()
        .flat_map(|(c, cluster)| cluster.iter().map(move |&(form, _)| (form, c)))
        .collect();
    let apart: Vec<(u32, u32)> = candidates
        .iter()
        .copied()
        .filter(|(a, b)| match (cluster_of.get(a), cluster_of.get(b)) {
            (Some(x), Some(y)) => x != y,
            _ => true,
        })
        .collect();
    let contained: Vec<(u32, u32)> = verify_pairs(&apart, form_sets, |pair, overlap| {
        rule.relation(overlap).map(|_| pair)
    })?;
    joined.contained_pairs = contained.len() as u64;
    if contained.is_empty() {
        return Ok(joined);
    }

    let mut components = DisjointSets::new(joined.in_group.len());
    for cluster in &joined.clusters {
        for &(form, _) in &cluster[1..] {
            components.union(cluster[0].0, form);
        }
    }
    for &(a, b) in &contained {
        components.union(a, b);
    }
    let mut touched: HashMap<u32, Vec<u32>> = HashMap::new();
    for &(a, _) in &contained {
        touched.entry(components.find(a)).or_default();
    }
    let involved = joined
        .clusters
        .iter()
        .flat_map(|cluster| cluster.iter().map(|&(form, _)| form))
        .chain(contained.iter().flat_map(|&(a, b)| [a, b]));
    for form in involved {
        if let Some(group) = touched.get_mut(&components.find(form)) {
            group.push(form);
        }
    }
    let touched_roots: HashSet<u32> = touched.keys().copied().collect();
    let mut groups: Vec<Vec<u32>> = touched
        .into_values()
        .map(|mut group| {
            group.sort_unstable();
            group.dedup();
            group
        })
        .collect();
    groups.sort_unstable_by_key(|group| group[0]);

    let mut clusters: Vec<Vec<(u32, Overlap)>> = std::mem::take(&mut joined.clusters)
        .into_iter()
        .filter(|cluster| !touched_roots.contains(&components.find(cluster[0].0)))
        .collect();
    let resplit: Vec<Vec<Vec<(u32, Overlap)>>> = groups
        .par_iter()
        .map(|group| {
            let sets: Vec<Cow<'s, ShingleSet>> = group
                .iter()
                .map(|&f| form_sets.set(f))
                .collect::<Result<_, S::Error>>()?;
            Ok(split_around_fullest(group, &sets, rule))
        })
        .collect::<Result<_, S::Error>>()?;
    for group in &groups {
        for &form in group {
            joined.in_group[form as usize] = true;
        }
    }
    clusters.extend(resplit.into_iter().flatten());
    joined.clusters = clusters;
    Ok(joined)
}

/// Components of at most this many forms are split on every pair's
/// relation; larger ones (rare: a story reprinted in dozens of versions)
/// around their fullest forms, in work linear in the clusters made.
const WHOLE_GRAPH_FORMS: usize = 64;

/// Splits one component (forms ascending, `sets` alongside) into
/// clusters, each a representative and the forms [`Rule::relation`]
/// relates to it. The representative is the form related to the most
/// others still unassigned (the original that a cut and an extended
/// reprint both hold), then the one with the most shingles, then the
/// first; in a component of more than 64 forms, simply
/// the one with the most shingles. Returns `(form, overlap with
/// representative)` lists, representative first and the rest ascending.
pub fn split_around_fullest(
    group: &[u32],
    sets: &[Cow<'_, ShingleSet>],
    rule: &Rule,
) -> Vec<Vec<(u32, Overlap)>> {
    let n = group.len();
    // related[i][j]: the relation holds between forms i and j (it is
    // symmetric: containment either way counts).
    let related: Option<Vec<Vec<bool>>> = (n <= WHOLE_GRAPH_FORMS).then(|| {
        (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        i != j
                            && rule
                                .relation(Overlap::between(&sets[i], &sets[j]))
                                .is_some()
                    })
                    .collect()
            })
            .collect()
    });
    let mut assigned = vec![false; n];
    let mut clusters = Vec::new();
    while let Some(i) = (0..n).filter(|&i| !assigned[i]).max_by_key(|&i| {
        let degree = related.as_ref().map_or(0, |related| {
            (0..n).filter(|&j| !assigned[j] && related[i][j]).count()
        });
        (degree, sets[i].len(), std::cmp::Reverse(group[i]))
    }) {
        assigned[i] = true;
        let representative = &sets[i];
        let mut cluster = vec![(group[i], Overlap::identical(representative.len()))];
        for j in 0..n {
            if assigned[j] || related.as_ref().is_some_and(|related| !related[i][j]) {
                continue;
            }
            let overlap = Overlap::between(representative, &sets[j]);
            if rule.relation(overlap).is_some() {
                assigned[j] = true;
                cluster.push((group[j], overlap));
            }
        }
        clusters.push(cluster);
    }
    clusters
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::cluster_forms;

    /// A set of the numbered shingles in `range`.
    fn set(range: std::ops::Range<u32>) -> ShingleSet {
        ShingleSet::from_hashes(range.collect())
    }

    const RULE: Rule = Rule {
        threshold: 0.8,
        containment: Some(0.8),
    };

    #[test]
    fn relations_by_jaccard_and_by_containment() {
        let original = set(0..100);
        let overlap = |other: &ShingleSet| Overlap::between(&original, other);
        assert_eq!(RULE.relation(overlap(&set(0..95))), Some(Relation::Similar));
        assert_eq!(
            RULE.relation(overlap(&set(0..50))),
            Some(Relation::ContainedIn)
        );
        assert_eq!(
            RULE.relation(overlap(&set(0..160))),
            Some(Relation::Contains)
        );
        assert_eq!(RULE.relation(overlap(&set(50..150))), None);
        // Too short to be joined by containment, however contained.
        assert_eq!(RULE.relation(overlap(&set(0..39))), None);
        let jaccard_only = Rule {
            containment: None,
            ..RULE
        };
        assert_eq!(jaccard_only.relation(overlap(&set(0..50))), None);
        assert_eq!(
            jaccard_only.describe(overlap(&set(0..50))),
            Relation::SameCluster
        );
    }

    #[test]
    fn candidates_are_bounded_per_passage() {
        let pairs = candidate_pairs([vec![3, 1, 2], vec![2, 1]].into_iter());
        assert_eq!(pairs, [(1, 2), (1, 3), (2, 3)]);
        let crowd: Vec<u32> = (0..1000).collect();
        let pairs = candidate_pairs(std::iter::once(crowd));
        let partners = PARTNERS_PER_PASSAGE;
        assert_eq!(
            pairs.len(),
            partners * (partners - 1) / 2 + (1000 - partners) * partners
        );
    }

    #[test]
    fn two_cuts_of_one_story_meet_in_the_story() {
        // Form 0 and 1 are two different cuts, 2 the full story, 3 an
        // extended reprint, 4 unrelated but sharing one passage with 2.
        let sets = [
            set(0..60),
            set(100..200),
            set(0..200),
            set(0..230),
            set(190..400),
        ];
        let form_set = |f: u32| Ok::<_, std::convert::Infallible>(Cow::Borrowed(&sets[f as usize]));
        let all_pairs: Vec<(u32, u32)> = (0..5u32)
            .flat_map(|a| (a + 1..5).map(move |b| (a, b)))
            .collect();
        let Ok(by_jaccard) = cluster_forms(5, &all_pairs, &form_set, 0.8);
        assert_eq!(by_jaccard.clusters.len(), 1, "only 2 and 3 by Jaccard");
        let Ok(joined) = join_by_containment(by_jaccard, &all_pairs, &form_set, &RULE);
        let clusters: Vec<Vec<u32>> = joined
            .clusters
            .iter()
            .map(|c| c.iter().map(|&(form, _)| form).collect())
            .collect();
        assert_eq!(clusters, [vec![3, 0, 1, 2]]);
        // 0 and 1 in 2 and in 3; 2 and 3 were joined by Jaccard already.
        assert_eq!(joined.contained_pairs, 4);
        assert!(joined.in_group[..4].iter().all(|&f| f));
        assert!(!joined.in_group[4]);
    }
}
