//! The human summary: what repeats, and where (`file:line`).

use std::fmt::Write;

use super::{DocumentCluster, PassageCluster, PassageOccurrence, Report};
use crate::boilerplate::PassageKind;
use crate::containment::Relation;

/// Occurrences or members listed per cluster before "... and N more".
const LISTED_PER_CLUSTER: usize = 8;
/// Characters of passage text shown.
const TEXT_PREVIEW_CHARS: usize = 100;

/// Renders the summary.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let passages = &report.passage_clusters;
    let closing = passages.iter().filter(|p| p.closing).count();
    let _ = writeln!(
        out,
        "Repeated passages: {} ({} closing)",
        passages.len(),
        closing
    );
    for cluster in passages {
        render_passage(&mut out, cluster, &report.document_clusters);
    }
    let _ = writeln!(
        out,
        "\nNear-duplicate documents: {} cluster(s)",
        report.document_clusters.len()
    );
    for cluster in &report.document_clusters {
        render_document_cluster(&mut out, cluster);
    }
    let stats = &report.stats;
    let _ = write!(
        out,
        "\nScanned {} document(s), {} paragraph(s), {}",
        stats.documents,
        stats.paragraphs,
        human_bytes(stats.bytes)
    );
    if report.errors.is_empty() {
        out.push_str(".\n");
    } else {
        let _ = writeln!(
            out,
            "; {} input problem(s), listed on stderr and under \"errors\" in --json.",
            report.errors.len()
        );
    }
    out
}

fn render_passage(out: &mut String, cluster: &PassageCluster, documents: &[DocumentCluster]) {
    let kind = match cluster.kind {
        PassageKind::Boilerplate => "boilerplate",
        PassageKind::Repeated => "repeated in a document",
        PassageKind::Shared => "shared story text",
    };
    let position = if cluster.closing { ", closing" } else { "" };
    let _ = writeln!(
        out,
        "\n{}  {kind}{position}: {} occurrence(s) in {} document(s)\n    \"{}\"",
        cluster.id,
        cluster.occurrences.len(),
        cluster.documents,
        preview(&cluster.text)
    );
    if cluster.kind == PassageKind::Shared
        && let Some(reprints) = cluster_holding_all(cluster, documents)
    {
        // Reprinted story text: the document cluster says where.
        let _ = writeln!(
            out,
            "    in the documents of near-duplicate cluster {reprints}"
        );
        return;
    }
    for occurrence in cluster.occurrences.iter().take(LISTED_PER_CLUSTER) {
        let _ = writeln!(
            out,
            "    {}  similarity {:.2}",
            location(occurrence),
            occurrence.similarity
        );
    }
    more(out, cluster.occurrences.len());
}

/// The id of the near-duplicate cluster holding every document `cluster`
/// occurs in, if one does.
fn cluster_holding_all<'c>(
    cluster: &PassageCluster,
    documents: &'c [DocumentCluster],
) -> Option<&'c str> {
    documents
        .iter()
        .find(|document_cluster| {
            cluster.occurrences.iter().all(|occurrence| {
                document_cluster
                    .members
                    .iter()
                    .any(|m| m.doc == occurrence.doc && m.record == occurrence.record)
            })
        })
        .map(|document_cluster| document_cluster.id.as_str())
}

fn render_document_cluster(out: &mut String, cluster: &DocumentCluster) {
    let _ = writeln!(
        out,
        "\n{}  {} document(s)",
        cluster.id,
        cluster.members.len()
    );
    for (i, member) in cluster.members.iter().take(LISTED_PER_CLUSTER).enumerate() {
        let name = match &member.record {
            Some(record) => format!("{} ({record})", member.doc),
            None => member.doc.clone(),
        };
        if i == 0 {
            let _ = writeln!(out, "    {name}  representative");
        } else {
            let _ = match member.relation {
                Relation::ContainedIn => writeln!(
                    out,
                    "    {name}  similarity {:.2}, {:.0}% of it in the representative (shortened)",
                    member.similarity,
                    100.0 * member.in_representative
                ),
                Relation::Contains => writeln!(
                    out,
                    "    {name}  similarity {:.2}, holds {:.0}% of the representative (extended)",
                    member.similarity,
                    100.0 * member.of_representative
                ),
                Relation::Similar | Relation::SameCluster => {
                    writeln!(out, "    {name}  similarity {:.2}", member.similarity)
                }
            };
        }
    }
    more(out, cluster.members.len());
}

fn more(out: &mut String, total: usize) {
    if total > LISTED_PER_CLUSTER {
        let _ = writeln!(out, "    ... and {} more", total - LISTED_PER_CLUSTER);
    }
}

fn location(occurrence: &PassageOccurrence) -> String {
    match &occurrence.record {
        Some(record) => format!(
            "{record} (id {}, line {} of its text)",
            occurrence.doc, occurrence.line
        ),
        None => format!("{}:{}", occurrence.doc, occurrence.line),
    }
}

fn preview(text: &str) -> String {
    preview_of(text, TEXT_PREVIEW_CHARS)
}

/// The first `chars` characters of `text`, with `…` when there is more.
pub(crate) fn preview_of(text: &str, chars: usize) -> String {
    let mut rest = text.chars();
    let head: String = rest.by_ref().take(chars).collect();
    if rest.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// A size in bytes, KiB, MiB or GiB.
pub(crate) fn human_bytes(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / f64::from(1u32 << 20)),
        b if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_truncates_by_characters() {
        assert_eq!(preview("短"), "短");
        let long = "字".repeat(150);
        assert_eq!(preview(&long).chars().count(), TEXT_PREVIEW_CHARS + 1);
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(2048), "2.0 KiB");
        assert_eq!(human_bytes(3 << 20), "3.0 MiB");
    }
}
