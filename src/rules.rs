//! The per-group rules of a distributed run, one request at a time: a
//! distributed engine (`spark/`) groups the data and asks the binary
//! (`refrain rules`) for each decision, so that every rule exists once, in
//! [`crate::boilerplate`] and [`crate::dedup`].
//!
//! Each request is one JSON object with one key naming the rule:
//!
//! | request | answer |
//! |---|---|
//! | `{"story_text": StoryTextGroup}` | `{"story_text": true}`: the cluster's documents vouch for it as story text ([`story_text_of_group`]) |
//! | `{"kind": {"documents": 12, "occurrences": 14, "story_text": false}}` | `{"kind": "boilerplate", "reported": true}` ([`PassageKind::of`], [`is_reported`]) |
//! | `{"closing_start": [["shared", 40], [null, 1], ["boilerplate", 9]]}` | `{"closing_start": 1}`: a document's paragraphs as kind (or `null`) and tokens ([`closing_start`]) |
//! | `{"end_marker": {"documents": 40, "closing": 39, "occurrences": 40}}` | `{"end_marker": true}`: a short paragraph printed verbatim is boilerplate ([`is_end_marker`]) |
//! | `{"excluded": {"kind": "repeated", "closing": 2, "occurrences": 3}}` | `{"excluded": true}` ([`is_excluded`]) |
//! | `{"keep": [{"bytes": 812, "field": "2026-03-01", "shingles": [..]}, {"bytes": 990, "shingles": [..]}]}` | `{"kept": 1, "similarities": [0.91, 1.0], "relations": ["similar", "similar"]}`: a cluster's members, representative first, the rest in input order ([`choose_kept`]); similarities and relations with the kept one when shingles are given |
//! | `{"bucket": [3, 9, 12]}` | `{"pairs": [[3, 9], [3, 12], [9, 12]]}`: the candidate pairs of one LSH bucket's items, ascending ([`pairs_in_bucket`]) |
//! | `{"similar": {"threshold": 0.8, "a": [..], "b": [..]}}` | `{"similar": true, "shared": 40, "union": 45}`: a candidate pair verified on its shingles ([`meets`]) |
//! | `{"split": {"threshold": 0.8, "forms": [[4, [..]], [7, [..]]]}}` | `{"clusters": [[[4, 50, 50], [7, 40, 45]]]}`: a connected component's forms, ascending, split around representatives, each with its shared and union shingles with its representative ([`split_around_representatives`]) |
//! | `{"sharing": [4, 7, 9]}` | `{"pairs": [[4, 7], [4, 9], [7, 9]]}`: the containment candidates among the document forms sharing one passage ([`candidate_pairs`]) |
//! | `{"related": {"a": [..], "b": [..]}}` | `{"related": true}`: two document forms are near-duplicates by Jaccard or containment ([`Rule::relation`]) |
//! | `{"split": {"threshold": 0.8, "fullest": true, "forms": [..]}}` | as `split`, around the fullest forms ([`split_around_fullest`]): a component joined by containment |
//! | `{"needed": {"documents": 1000}}` | `{"needed": [0, 1, 15, ..]}`: positions in a passage cluster's documents that its `story_text` request must lay out ([`positions_looked_at`]); none for a cluster that is not frequent and needs no verdict |
//!
//! A [`StoryTextGroup`] is `{"cluster": 7, "documents": [2, 5, 9],
//! "layouts": [[2, [{"cluster": 7, "tokens": 12, "shingles": [..]}, ..]], ..],
//! "counts": [[7, {"documents": 3, "occurrences": 3}], ..]}`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::boilerplate::{
    GroupError, PassageKind, StoryTextGroup, closing_start, is_end_marker, is_excluded,
    is_reported, positions_looked_at, story_text_of_group,
};
use crate::cluster::{meets, split_around_representatives};
use crate::containment::{Relation, Rule, candidate_pairs, split_around_fullest};
use crate::dedup::{KeepCandidate, KeepPolicy, choose_kept};
use crate::lsh::pairs_in_bucket;
use crate::report::round_similarity;
use crate::shingle::{Overlap, ShingleSet};

/// The settings the rules take (as `dedup` takes them).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSettings {
    /// Documents that make a passage frequent.
    pub min_docs: usize,
    /// Shorter paragraphs are not fingerprinted as passages.
    pub min_passage_tokens: usize,
    /// Which member of a near-duplicate cluster is kept.
    pub keep: KeepPolicy,
    /// When two documents are near-duplicates.
    pub documents: Rule,
}

/// One request.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// Is a frequent passage cluster story text?
    StoryText(StoryTextGroup),
    /// The kind of a passage cluster, and whether it is reported.
    Kind(KindQuery),
    /// Where a document's closing run starts.
    ClosingStart(Vec<(Option<PassageKind>, u32)>),
    /// Is a passage cluster left out of document fingerprints?
    Excluded(ExcludedQuery),
    /// Is a short paragraph printed verbatim an end marker (boilerplate)?
    EndMarker(EndMarkerQuery),
    /// Which member of a near-duplicate cluster is kept.
    Keep(Vec<KeepMember>),
    /// Which of a passage cluster's documents its `story_text` request
    /// must lay out: none when it is not frequent (needs no verdict).
    Needed(NeededQuery),
    /// The candidate pairs of one LSH bucket's items.
    Bucket(Vec<u64>),
    /// Is a candidate pair similar enough?
    Similar(SimilarQuery),
    /// A connected component of similar forms, split into clusters.
    Split(SplitQuery),
    /// The containment candidates among document forms sharing a passage.
    Sharing(Vec<u32>),
    /// Are two document forms near-duplicates, by Jaccard or containment?
    Related(RelatedQuery),
}

/// Two document forms' shingles.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RelatedQuery {
    /// The first set's shingles.
    pub a: Vec<u32>,
    /// The second set's shingles.
    pub b: Vec<u32>,
}

/// A candidate pair's shingles.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimilarQuery {
    /// The Jaccard similarity a pair must reach.
    pub threshold: f64,
    /// The first set's shingles.
    pub a: Vec<u32>,
    /// The second set's shingles.
    pub b: Vec<u32>,
}

/// A connected component's forms, ascending, with their shingles.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitQuery {
    /// The Jaccard similarity a member must reach with its representative.
    pub threshold: f64,
    /// Split around the fullest forms, members joining by Jaccard or
    /// containment (a component of document forms joined by containment).
    #[serde(default)]
    pub fullest: bool,
    /// `(form, shingles)`, forms ascending.
    pub forms: Vec<(u64, Vec<u32>)>,
}

/// A frequent passage cluster's number of documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeededQuery {
    /// Documents holding it.
    pub documents: usize,
}

/// A passage cluster's counts and story-text verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindQuery {
    /// Documents holding it.
    pub documents: usize,
    /// Its occurrences.
    pub occurrences: usize,
    /// Its `story_text` answer (false when it was not asked: a cluster in
    /// fewer than `min_docs` documents).
    #[serde(default)]
    pub story_text: bool,
}

/// A reported passage cluster's kind and closing occurrences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExcludedQuery {
    /// Its kind.
    pub kind: PassageKind,
    /// Occurrences in their document's closing run.
    pub closing: usize,
    /// All its occurrences.
    pub occurrences: usize,
}

/// A short paragraph's prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndMarkerQuery {
    /// Documents printing it.
    pub documents: usize,
    /// Prints in their document's closing run.
    pub closing: usize,
    /// All its prints.
    pub occurrences: usize,
}

/// A member of a near-duplicate cluster, as the keep policy sees it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeepMember {
    /// Bytes of its text.
    pub bytes: u64,
    /// Its value of the `field:NAME` policy's field, if any.
    #[serde(default)]
    pub field: Option<serde_json::Value>,
    /// Its document shingles (boilerplate left out), for its similarity
    /// with the kept member.
    #[serde(default)]
    pub shingles: Option<Vec<u32>>,
}

/// One answer: an object whose keys name what was asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// To [`Request::StoryText`].
    StoryText {
        /// The documents vouch for the cluster as story text.
        story_text: bool,
    },
    /// To [`Request::Kind`].
    Kind {
        /// The kind.
        kind: PassageKind,
        /// Reported (repeated inside a document, or frequent).
        reported: bool,
    },
    /// To [`Request::ClosingStart`].
    ClosingStart {
        /// The first paragraph of the closing run (the paragraph count
        /// when none closes the document).
        closing_start: usize,
    },
    /// To [`Request::Excluded`].
    Excluded {
        /// Left out of document fingerprints.
        excluded: bool,
    },
    /// To [`Request::EndMarker`].
    EndMarker {
        /// Boilerplate: left out of fingerprints, listed and removed.
        end_marker: bool,
    },
    /// To [`Request::Keep`].
    Keep {
        /// The kept member's position.
        kept: usize,
        /// Each member's exact Jaccard with the kept one, rounded as
        /// reported, when every member came with its shingles.
        #[serde(skip_serializing_if = "Option::is_none")]
        similarities: Option<Vec<f64>>,
        /// Each member's relation to the kept one, with the similarities.
        #[serde(skip_serializing_if = "Option::is_none")]
        relations: Option<Vec<Relation>>,
    },
    /// To [`Request::Needed`].
    Needed {
        /// Positions in the cluster's documents, ascending.
        needed: Vec<usize>,
    },
    /// To [`Request::Bucket`].
    Pairs {
        /// Candidate pairs `(a, b)`, `a < b`.
        pairs: Vec<(u64, u64)>,
    },
    /// To [`Request::Similar`].
    Similar {
        /// The pair reaches the threshold.
        similar: bool,
        /// Shingles both hold.
        shared: u32,
        /// Shingles either holds.
        union: u32,
    },
    /// To [`Request::Related`].
    Related {
        /// Near-duplicates by the document rule.
        related: bool,
    },
    /// To [`Request::Split`].
    Split {
        /// Clusters, each `(form, shared, union)` with its representative
        /// first (shared = union = its size).
        clusters: Vec<Vec<(u64, u32, u32)>>,
    },
}

/// Answers one request.
pub fn answer(request: &Request, settings: &RuleSettings) -> Result<Answer, GroupError> {
    Ok(match request {
        Request::StoryText(group) => Answer::StoryText {
            story_text: story_text_of_group(group, settings.min_docs, settings.min_passage_tokens)?,
        },
        Request::Kind(query) => Answer::Kind {
            kind: PassageKind::of(
                query.documents,
                query.occurrences,
                settings.min_docs,
                query.story_text,
            ),
            reported: is_reported(query.documents, query.occurrences, settings.min_docs),
        },
        Request::ClosingStart(paragraphs) => Answer::ClosingStart {
            closing_start: closing_start(paragraphs.iter().copied(), settings.min_passage_tokens),
        },
        Request::Excluded(query) => Answer::Excluded {
            excluded: is_excluded(query.kind, query.closing, query.occurrences),
        },
        Request::EndMarker(query) => Answer::EndMarker {
            end_marker: is_end_marker(
                query.documents,
                query.closing,
                query.occurrences,
                settings.min_docs,
            ),
        },
        Request::Keep(members) => {
            let sets: Option<Vec<ShingleSet>> = members
                .iter()
                .map(|m| m.shingles.clone().map(ShingleSet::from_hashes))
                .collect();
            let candidates: Vec<KeepCandidate> = members
                .iter()
                .enumerate()
                .map(|(i, m)| KeepCandidate {
                    bytes: m.bytes,
                    field: m.field.as_ref(),
                    holding_representative: sets.as_ref().and_then(|sets| {
                        let overlap = Overlap::between(&sets[0], &sets[i]);
                        (settings.documents.relation(overlap) == Some(Relation::Contains))
                            .then(|| overlap.second())
                    }),
                })
                .collect();
            let kept = choose_kept(&candidates, &settings.keep);
            let overlaps: Option<Vec<Overlap>> = sets.map(|sets| {
                sets.iter()
                    .enumerate()
                    .map(|(i, set)| match i == kept {
                        true => Overlap::identical(1),
                        false => Overlap::between(&sets[kept], set),
                    })
                    .collect()
            });
            let similarities = overlaps
                .as_ref()
                .map(|all| all.iter().map(|o| round_similarity(o.jaccard())).collect());
            let relations = overlaps.as_ref().map(|all| {
                all.iter()
                    .map(|&o| settings.documents.describe(o))
                    .collect()
            });
            Answer::Keep {
                kept,
                similarities,
                relations,
            }
        }
        Request::Bucket(items) => Answer::Pairs {
            pairs: pairs_in_bucket(items),
        },
        Request::Similar(query) => {
            let overlap = Overlap::between(
                &ShingleSet::from_hashes(query.a.clone()),
                &ShingleSet::from_hashes(query.b.clone()),
            );
            Answer::Similar {
                similar: meets(overlap, query.threshold),
                shared: overlap.shared,
                union: overlap.union,
            }
        }
        Request::Split(query) => {
            let local: Vec<u32> = (0..query.forms.len() as u32).collect();
            let sets: Vec<Cow<'_, ShingleSet>> = query
                .forms
                .iter()
                .map(|(_, shingles)| Cow::Owned(ShingleSet::from_hashes(shingles.clone())))
                .collect();
            let rule = Rule {
                threshold: query.threshold,
                ..settings.documents
            };
            let split = match query.fullest {
                true => split_around_fullest(&local, &sets, &rule),
                false => split_around_representatives(&local, &sets, query.threshold),
            };
            let clusters = split
                .into_iter()
                .map(|cluster| {
                    cluster
                        .into_iter()
                        .map(|(i, overlap)| {
                            (query.forms[i as usize].0, overlap.shared, overlap.union)
                        })
                        .collect()
                })
                .collect();
            Answer::Split { clusters }
        }
        Request::Sharing(forms) => Answer::Pairs {
            pairs: candidate_pairs(std::iter::once(forms.clone()))
                .into_iter()
                .map(|(a, b)| (u64::from(a), u64::from(b)))
                .collect(),
        },
        Request::Related(query) => Answer::Related {
            related: settings
                .documents
                .relation(Overlap::between(
                    &ShingleSet::from_hashes(query.a.clone()),
                    &ShingleSet::from_hashes(query.b.clone()),
                ))
                .is_some(),
        },
        Request::Needed(query) => Answer::Needed {
            needed: match query.documents >= settings.min_docs {
                true => positions_looked_at(query.documents),
                false => Vec::new(),
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> RuleSettings {
        RuleSettings {
            min_docs: 3,
            min_passage_tokens: 2,
            keep: KeepPolicy::Longest,
            documents: Rule {
                threshold: 0.8,
                containment: Some(0.8),
            },
        }
    }

    fn ask(json: &str) -> Answer {
        let request: Request = serde_json::from_str(json).unwrap();
        answer(&request, &settings()).unwrap()
    }

    #[test]
    fn each_rule_answers_as_the_engine_decides() {
        let kind = ask(r#"{"kind": {"documents": 12, "occurrences": 14}}"#);
        assert_eq!(
            kind,
            Answer::Kind {
                kind: PassageKind::Boilerplate,
                reported: true
            }
        );
        let kind = ask(r#"{"kind": {"documents": 2, "occurrences": 3}}"#);
        assert_eq!(
            kind,
            Answer::Kind {
                kind: PassageKind::Repeated,
                reported: true
            }
        );
        let kind = ask(r#"{"kind": {"documents": 2, "occurrences": 2}}"#);
        assert_eq!(
            kind,
            Answer::Kind {
                kind: PassageKind::Shared,
                reported: false
            }
        );
        let start =
            ask(r#"{"closing_start": [["shared", 40], [null, 9], [null, 1], ["boilerplate", 9]]}"#);
        assert_eq!(start, Answer::ClosingStart { closing_start: 2 });
        let start = ask(r#"{"closing_start": [["shared", 40]]}"#);
        assert_eq!(start, Answer::ClosingStart { closing_start: 1 });
        let marker = ask(r#"{"end_marker": {"documents": 3, "closing": 2, "occurrences": 3}}"#);
        assert_eq!(marker, Answer::EndMarker { end_marker: true });
        let dateline = ask(r#"{"end_marker": {"documents": 9, "closing": 0, "occurrences": 9}}"#);
        assert_eq!(dateline, Answer::EndMarker { end_marker: false });
        let excluded = ask(r#"{"excluded": {"kind": "repeated", "closing": 1, "occurrences": 3}}"#);
        assert_eq!(excluded, Answer::Excluded { excluded: false });
        let kept = ask(r#"{"keep": [{"bytes": 812}, {"bytes": 990}, {"bytes": 990}]}"#);
        assert_eq!(
            kept,
            Answer::Keep {
                kept: 1,
                similarities: None,
                relations: None
            }
        );
        let kept = ask(
            r#"{"keep": [{"bytes": 8, "shingles": [1, 2, 3, 4]}, {"bytes": 9, "shingles": [4, 3, 2]}]}"#,
        );
        assert_eq!(
            kept,
            Answer::Keep {
                kept: 1,
                similarities: Some(vec![0.75, 1.0]),
                relations: Some(vec![Relation::SameCluster, Relation::Similar])
            }
        );
        let needed = ask(r#"{"needed": {"documents": 2}}"#);
        assert_eq!(needed, Answer::Needed { needed: vec![] });
        let needed = ask(r#"{"needed": {"documents": 4}}"#);
        assert_eq!(
            needed,
            Answer::Needed {
                needed: vec![0, 1, 2, 3]
            }
        );
        let Answer::Needed { needed } = ask(r#"{"needed": {"documents": 1000}}"#) else {
            panic!("a needed answer");
        };
        assert!(
            needed.len() > 64 && needed.len() <= 3 * 64,
            "{}",
            needed.len()
        );
    }

    #[test]
    fn clustering_rules_answer_as_the_engine_clusters() {
        let pairs = ask(r#"{"bucket": [3, 9, 12]}"#);
        assert_eq!(
            pairs,
            Answer::Pairs {
                pairs: vec![(3, 9), (3, 12), (9, 12)]
            }
        );
        let items: Vec<u64> = (0..100).collect();
        let Answer::Pairs { pairs } = ask(&format!("{{\"bucket\": {items:?}}}")) else {
            panic!("pairs");
        };
        assert_eq!(
            pairs.len(),
            99 + 98,
            "a large bucket is linked in linear work"
        );
        let similar =
            ask(r#"{"similar": {"threshold": 0.8, "a": [1, 2, 3, 4, 5], "b": [5, 4, 3, 2]}}"#);
        assert_eq!(
            similar,
            Answer::Similar {
                similar: true,
                shared: 4,
                union: 5
            }
        );
        let similar = ask(r#"{"similar": {"threshold": 0.8, "a": [1, 2, 3], "b": [3, 4]}}"#);
        assert!(matches!(similar, Answer::Similar { similar: false, .. }));
        // 10 and 20 are each similar to 15 but not to each other.
        let split = ask(
            r#"{"split": {"threshold": 0.6, "forms": [[10, [1, 2, 3, 4]], [15, [2, 3, 4, 5]], [20, [3, 4, 5, 6]]]}}"#,
        );
        assert_eq!(
            split,
            Answer::Split {
                clusters: vec![vec![(10, 4, 4), (15, 3, 5)], vec![(20, 4, 4)]]
            }
        );
        // A cut story (form 3, shingles 0..50) is contained in the full
        // one (form 8, 0..100): related, and split around the fuller.
        let cut: Vec<u32> = (0..50).collect();
        let full: Vec<u32> = (0..100).collect();
        let related = ask(&format!(
            r#"{{"related": {{"a": {full:?}, "b": {cut:?}}}}}"#
        ));
        assert_eq!(related, Answer::Related { related: true });
        let split = ask(&format!(
            r#"{{"split": {{"threshold": 0.8, "fullest": true, "forms": [[3, {cut:?}], [8, {full:?}]]}}}}"#
        ));
        assert_eq!(
            split,
            Answer::Split {
                clusters: vec![vec![(8, 100, 100), (3, 50, 100)]]
            }
        );
        let pairs = ask(r#"{"sharing": [9, 4, 7]}"#);
        assert_eq!(
            pairs,
            Answer::Pairs {
                pairs: vec![(4, 7), (4, 9), (7, 9)]
            }
        );
    }

    #[test]
    fn answers_are_flat_objects_named_by_what_was_asked() {
        let line = serde_json::to_string(&Answer::Kind {
            kind: PassageKind::Shared,
            reported: false,
        })
        .unwrap();
        assert_eq!(line, r#"{"kind":"shared","reported":false}"#);
        assert_eq!(
            serde_json::to_string(&Answer::StoryText { story_text: true }).unwrap(),
            r#"{"story_text":true}"#
        );
    }

    #[test]
    fn unknown_rules_and_fields_are_refused() {
        assert!(serde_json::from_str::<Request>(r#"{"verdict": 1}"#).is_err());
        assert!(
            serde_json::from_str::<Request>(r#"{"kind": {"documents": 1, "occurences": 1}}"#)
                .is_err()
        );
    }
}
