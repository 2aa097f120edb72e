//! Keep-or-drop decisions for archive deduplication: one per document,
//! from the document clusters of a batch [`Analysis`] and a representative
//! policy (`first`, `longest`, or the smallest value of a field such as a
//! publication date). Deterministic: ties go to the first in input order.

use std::cmp::Ordering;

use serde::Serialize;

use crate::batch::Analysis;
use crate::cluster::Cluster;
use crate::containment::{Relation, Rule};
use crate::error::{Error, Setting};
use crate::report::round_similarity;
use crate::shingle::Overlap;

/// Which member of a cluster is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeepPolicy {
    /// The first in input order (the cluster's representative), or the
    /// fullest of the members that hold its text (extended reprints).
    First,
    /// The longest text (bytes); ties to the first.
    Longest,
    /// The smallest value of a JSONL field (numbers by value, strings
    /// lexicographically, so ISO dates sort by time); documents without
    /// it come last; ties to the first.
    Field(String),
}

impl std::str::FromStr for KeepPolicy {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "first" => Ok(KeepPolicy::First),
            "longest" => Ok(KeepPolicy::Longest),
            _ => match text.strip_prefix("field:") {
                Some(name) if !name.is_empty() => Ok(KeepPolicy::Field(name.to_owned())),
                _ => Err(format!("'{text}' is not first, longest or field:NAME")),
            },
        }
    }
}

impl KeepPolicy {
    /// The JSONL field the policy needs, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            KeepPolicy::Field(name) => Some(name),
            _ => None,
        }
    }
}

/// The decision for one document, as `dedup` writes it (one JSON line).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision<'a> {
    /// Document id.
    pub id: &'a str,
    /// The file it came from.
    pub source: &'a str,
    /// Its JSONL line, if any.
    pub line: Option<u64>,
    /// Its cluster (`d1`, `d2`, ... as in the scan report), if any.
    pub cluster: Option<String>,
    /// Kept (true) or dropped.
    pub keep: bool,
    /// True for the member its cluster keeps.
    pub representative: bool,
    /// For a dropped document, the id of the kept one.
    pub duplicate_of: Option<&'a str>,
    /// Exact Jaccard with the kept document (boilerplate excluded).
    pub similarity: Option<f64>,
    /// How it relates to the kept document: `similar`, `contained_in` it
    /// (a shortened reprint), `contains` it (an extended one: kept only
    /// when the keep policy is by field), or `same_cluster` (through the
    /// representative); null outside a cluster.
    pub relation: Option<Relation>,
    /// Boilerplate paragraphs found in it (0-based).
    pub boilerplate_paragraphs: &'a [u32],
}

/// What became of one document's cluster membership (compact: the
/// decisions of millions of documents are rendered one at a time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// Index of its cluster, if any.
    pub cluster: Option<u32>,
    /// The document its cluster keeps (itself when kept or in no cluster).
    pub kept: u32,
    /// Exact Jaccard with the kept document.
    pub similarity: Option<f64>,
    /// How it relates to the kept document.
    pub relation: Option<Relation>,
}

/// One verdict per document, in input order. `rule` is the one the
/// clusters were made with: it names each member's relation to the kept
/// document.
pub fn decide(
    analysis: &Analysis,
    policy: &KeepPolicy,
    rule: &Rule,
) -> Result<Vec<Verdict>, Error> {
    let mut verdicts: Vec<Verdict> = (0..analysis.documents.len() as u32)
        .map(|d| Verdict {
            cluster: None,
            kept: d,
            similarity: None,
            relation: None,
        })
        .collect();
    for (c, cluster) in analysis.document_clusters.iter().enumerate() {
        let kept = choose(analysis, cluster, policy, rule);
        let kept_set = match kept != cluster.representative() as usize {
            true => Some(analysis.document_set(kept)?),
            false => None,
        };
        for member in &cluster.members {
            let d = member.item as usize;
            // Overlaps measured from the kept document (the first set).
            let overlap = if d == kept {
                Overlap::identical(1)
            } else if let Some(kept_set) = &kept_set {
                Overlap::between(kept_set, &analysis.document_set(d)?)
            } else {
                member.overlap
            };
            verdicts[d] = Verdict {
                cluster: Some(c as u32),
                kept: kept as u32,
                similarity: Some(round_similarity(overlap.jaccard())),
                relation: Some(rule.describe(overlap)),
            };
        }
    }
    Ok(verdicts)
}

impl Verdict {
    /// True when document `d` with this verdict is kept.
    pub fn keeps(&self, d: usize) -> bool {
        self.kept as usize == d
    }

    /// The decision line of document `d`.
    pub fn decision<'a>(&self, analysis: &'a Analysis, d: usize) -> Decision<'a> {
        let doc = &analysis.documents[d];
        let keep = self.keeps(d);
        Decision {
            id: &doc.name,
            source: analysis.source_of(d),
            line: doc.line,
            cluster: self.cluster.map(|c| format!("d{}", c + 1)),
            keep,
            representative: keep && self.cluster.is_some(),
            duplicate_of: (!keep).then(|| analysis.documents[self.kept as usize].name.as_str()),
            similarity: self.similarity,
            relation: self.relation,
            boilerplate_paragraphs: &analysis.excluded[d],
        }
    }
}

/// How many documents have the field a keep policy orders by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldCoverage {
    /// Documents with the field (not null).
    pub with: usize,
    /// All documents.
    pub total: usize,
}

impl FieldCoverage {
    /// Fewer than half of the documents have the field: worth a warning,
    /// since in a cluster those without it are kept only when no member
    /// has it.
    pub fn is_thin(&self) -> bool {
        2 * self.with < self.total
    }
}

/// With a keep policy by field, how many documents have the field. None
/// having it is an error (a typo, or plain-text files, which have no
/// fields); `Ok(None)` for the other policies.
pub fn check_keep_field(
    analysis: &Analysis,
    policy: &KeepPolicy,
) -> Result<Option<FieldCoverage>, Error> {
    let KeepPolicy::Field(name) = policy else {
        return Ok(None);
    };
    let total = analysis.documents.len();
    let with = analysis
        .documents
        .iter()
        .filter(|d| d.extra.as_ref().is_some_and(|v| !v.is_null()))
        .count();
    if with == 0 {
        return Err(Error::InvalidSetting {
            setting: Setting::KeepField,
            reason: format!(
                "no document has a \"{name}\" field (plain-text files have no fields); \
                 check its spelling, or keep by first or longest"
            ),
        });
    }
    Ok(Some(FieldCoverage { with, total }))
}

fn choose(analysis: &Analysis, cluster: &Cluster, policy: &KeepPolicy, rule: &Rule) -> usize {
    let candidates: Vec<KeepCandidate> = cluster
        .members
        .iter()
        .map(|member| {
            let doc = &analysis.documents[member.item as usize];
            KeepCandidate {
                bytes: doc.bytes,
                field: doc.extra.as_ref(),
                holding_representative: (rule.relation(member.overlap) == Some(Relation::Contains))
                    .then(|| member.overlap.second()),
            }
        })
        .collect();
    cluster.members[choose_kept(&candidates, policy)].item as usize
}

/// What the keep policy looks at of a cluster member.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeepCandidate<'a> {
    /// Bytes of its text.
    pub bytes: u64,
    /// Its value of the policy's field, if it has one.
    pub field: Option<&'a serde_json::Value>,
    /// When it holds the representative's text (an extended reprint), its
    /// kept shingles.
    pub holding_representative: Option<u32>,
}

/// The position in `members` (a cluster's members, representative first,
/// the rest in input order) of the one `policy` keeps: ties go to the
/// first. `first` keeps the representative, or, when members hold it
/// (extended reprints), the fullest of them: the fuller version.
pub fn choose_kept(members: &[KeepCandidate], policy: &KeepPolicy) -> usize {
    let better = |a: usize, b: usize| -> Ordering {
        let (x, y) = (&members[a], &members[b]);
        match policy {
            KeepPolicy::First => y
                .holding_representative
                .cmp(&x.holding_representative)
                .then(a.cmp(&b)),
            KeepPolicy::Longest => y.bytes.cmp(&x.bytes).then(a.cmp(&b)),
            KeepPolicy::Field(_) => compare_fields(x.field, y.field).then(a.cmp(&b)),
        }
    };
    (0..members.len())
        .min_by(|&a, &b| better(a, b))
        .unwrap_or(0)
}

/// Smallest first; numbers before strings; missing values last.
fn compare_fields(a: Option<&serde_json::Value>, b: Option<&serde_json::Value>) -> Ordering {
    use serde_json::Value;
    let rank = |v: Option<&Value>| match v {
        Some(Value::Number(_)) => 0,
        Some(Value::String(_)) => 1,
        _ => 2,
    };
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .unwrap_or(f64::MAX)
            .total_cmp(&y.as_f64().unwrap_or(f64::MAX)),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn policies_parse() {
        assert_eq!("first".parse::<KeepPolicy>(), Ok(KeepPolicy::First));
        assert_eq!("longest".parse::<KeepPolicy>(), Ok(KeepPolicy::Longest));
        assert_eq!(
            "field:date".parse::<KeepPolicy>(),
            Ok(KeepPolicy::Field("date".into()))
        );
        assert!("field:".parse::<KeepPolicy>().is_err());
        assert!("newest".parse::<KeepPolicy>().is_err());
    }

    #[test]
    fn field_values_order() {
        let (a, b) = (json!("2024-01-02"), json!("2023-12-31"));
        assert_eq!(compare_fields(Some(&a), Some(&b)), Ordering::Greater);
        assert_eq!(
            compare_fields(Some(&json!(3)), Some(&json!(10))),
            Ordering::Less
        );
        assert_eq!(compare_fields(Some(&a), None), Ordering::Less);
        assert_eq!(compare_fields(None, None), Ordering::Equal);
    }
}
