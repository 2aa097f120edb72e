//! The scan report of a run that kept where its paragraphs lie
//! ([`Options::locate`](super::Options::locate)): passages with every
//! occurrence's line and byte span and the representative's text, read
//! back from the run's temporary files for the paragraphs reported only.

use crate::config::ScanConfig;
use crate::error::Error;
use crate::report::{
    DocumentCluster, DocumentMember, Params, PassageCluster, PassageOccurrence, Report,
    SCHEMA_VERSION, Stats, round_similarity,
};

use super::{Analysis, DocumentMeta, spill_error};

impl Analysis {
    /// The report of this analysis. Fails if the run did not keep where
    /// paragraphs lie, or if its temporary files cannot be read.
    pub fn report(
        &self,
        config: &ScanConfig,
        temp_dir: Option<&std::path::Path>,
    ) -> Result<Report, Error> {
        let located = self
            .located
            .as_ref()
            .expect("a report needs a run with Options::locate");
        let spill = spill_error(temp_dir);
        // Every occurrence's paragraph, numbered in input order, read in
        // one pass in that order and put back in report order.
        let mut wanted: Vec<(u64, u32)> = self
            .passages
            .occurrences
            .iter()
            .flatten()
            .enumerate()
            .map(|(at, &(d, p))| (self.paragraphs.first[d as usize] + u64::from(p), at as u32))
            .collect();
        wanted.sort_unstable();
        let numbers: Vec<u64> = wanted.iter().map(|&(n, _)| n).collect();
        let read = located.places.read_sorted(&numbers).map_err(&spill)?;
        drop(numbers);
        let mut places = vec![None; read.len()];
        for ((_, at), place) in wanted.into_iter().zip(read) {
            places[at as usize] = Some(place);
        }
        let mut places = places
            .into_iter()
            .map(|place| place.expect("every place read"));

        let mut passage_clusters = Vec::with_capacity(self.passages.clusters.len());
        for (c, (cluster, occurrences)) in self
            .passages
            .clusters
            .iter()
            .zip(&self.passages.occurrences)
            .enumerate()
        {
            let (first_doc, first_paragraph) = occurrences[0];
            let form = self.paragraphs.form
                [(self.paragraphs.first[first_doc as usize] + u64::from(first_paragraph)) as usize];
            let printed = located.texts.get(form).map_err(&spill)?;
            let whole = crate::text::Paragraph {
                first_line: 1,
                start_byte: 0,
                end_byte: printed.len(),
            };
            let text = whole.joined_text(&printed);
            let mut docs: Vec<u32> = occurrences.iter().map(|&(d, _)| d).collect();
            docs.dedup();
            let closing_flags = &self.passages.classification.closing[c];
            let occurrences = cluster
                .members
                .iter()
                .zip(occurrences)
                .zip(closing_flags)
                .map(|((member, &(d, p)), &closing)| {
                    let doc = &self.documents[d as usize];
                    let place = places.next().expect("a place per occurrence");
                    PassageOccurrence {
                        doc: doc.name.clone(),
                        record: self.record_of(doc),
                        paragraph: p,
                        line: place.first_line,
                        start_byte: place.start_byte,
                        end_byte: place.end_byte,
                        closing,
                        similarity: round_similarity(member.overlap.jaccard()),
                    }
                })
                .collect();
            passage_clusters.push(PassageCluster {
                id: format!("p{}", c + 1),
                kind: self.passages.classification.kinds[c],
                text,
                closing: self.passages.is_closing(c),
                documents: docs.len() as u64,
                occurrences,
            });
        }

        let document_clusters = self
            .document_clusters
            .iter()
            .enumerate()
            .map(|(c, cluster)| DocumentCluster {
                id: format!("d{}", c + 1),
                representative: self.documents[cluster.representative() as usize]
                    .name
                    .clone(),
                members: cluster
                    .members
                    .iter()
                    .map(|member| {
                        let doc = &self.documents[member.item as usize];
                        DocumentMember {
                            doc: doc.name.clone(),
                            record: self.record_of(doc),
                            similarity: round_similarity(member.overlap.jaccard()),
                        }
                    })
                    .collect(),
            })
            .collect();

        let stats = &self.stats;
        Ok(Report {
            schema_version: SCHEMA_VERSION,
            params: Params::of(config),
            stats: Stats {
                documents: stats.documents,
                paragraphs: stats.paragraphs,
                bytes: stats.bytes,
                passages: stats.passage_clustering.items,
                excluded_paragraphs: stats.excluded_paragraphs,
                passage_clustering: stats.passage_clustering,
                document_clustering: stats.document_clustering,
                elapsed_ms: config.timings.then_some(stats.elapsed_ms),
            },
            passage_clusters,
            document_clusters,
            errors: self.problems.clone(),
        })
    }

    /// `PATH:LINE` of a JSONL record.
    fn record_of(&self, doc: &DocumentMeta) -> Option<String> {
        doc.line
            .map(|line| format!("{}:{line}", self.sources[doc.source as usize]))
    }
}
