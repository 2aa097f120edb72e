//! The scan report of a run that kept where its paragraphs lie
//! ([`Options::locate`](super::Options::locate)): passages with every
//! occurrence's line and byte span and the representative's text, read
//! back from the run's temporary files for the paragraphs reported only.

use crate::boilerplate::Occurrence;
use crate::config::ScanConfig;
use std::collections::{BTreeMap, HashMap};

use xxhash_rust::xxh3::xxh3_64;

use crate::corpus::{Source, walk};
use crate::error::Error;
use crate::report::{
    DocumentCluster, DocumentMember, Params, PassageCluster, PassageOccurrence, Report,
    SCHEMA_VERSION, Stats, round_similarity,
};
use crate::text::Paragraph;

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
            .clusters
            .iter()
            .flat_map(|passage| &passage.occurrences)
            .enumerate()
            .map(
                |(
                    at,
                    &Occurrence {
                        doc: d,
                        paragraph: p,
                    },
                )| (self.paragraphs.first[d as usize] + u64::from(p), at as u32),
            )
            .collect();
        wanted.sort_unstable();
        let numbers: Vec<u64> = wanted.iter().map(|&(n, _)| n).collect();
        let read = located.places.read_sorted(&numbers).map_err(&spill)?;
        drop(numbers);
        let mut places = vec![None; read.len()];
        for ((_, at), place) in wanted.into_iter().zip(read) {
            places[at as usize] = Some(place);
        }
        let places: Vec<Paragraph> = places
            .into_iter()
            .map(|place| place.expect("every place read"))
            .collect();
        // Where each cluster's occurrences start among `places`.
        let firsts: Vec<usize> = self
            .passages
            .clusters
            .iter()
            .scan(0, |at, passage| {
                let first = *at;
                *at += passage.occurrences.len();
                Some(first)
            })
            .collect();
        let mut texts = self.representative_texts(config, &places, &firsts, &spill)?;
        let mut places = places.into_iter();

        let mut passage_clusters = Vec::with_capacity(self.passages.clusters.len());
        for (c, passage) in self.passages.clusters.iter().enumerate() {
            let text = std::mem::take(&mut texts[c]);
            let docs = passage.documents();
            let occurrences = passage
                .cluster
                .members
                .iter()
                .zip(&passage.occurrences)
                .zip(&passage.closing)
                .map(
                    |(
                        (
                            member,
                            &Occurrence {
                                doc: d,
                                paragraph: p,
                            },
                        ),
                        &closing,
                    )| {
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
                    },
                )
                .collect();
            passage_clusters.push(PassageCluster {
                id: format!("p{}", c + 1),
                kind: passage.kind,
                text,
                closing: passage.is_closing(),
                documents: docs.len() as u64,
                occurrences,
            });
        }

        let rule = config.document_rule();
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
                        let overlap = member.overlap;
                        DocumentMember {
                            doc: doc.name.clone(),
                            record: self.record_of(doc),
                            similarity: round_similarity(overlap.jaccard()),
                            relation: rule.describe(overlap),
                            in_representative: round_similarity(overlap.second_in_first()),
                            of_representative: round_similarity(overlap.first_in_second()),
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

    /// Per passage cluster, its first occurrence's text, lines joined: from
    /// the texts kept (input from stdin), or else read again from the
    /// sources, each document once and checked against the text analyzed.
    fn representative_texts(
        &self,
        config: &ScanConfig,
        places: &[Paragraph],
        firsts: &[usize],
        spill: &impl Fn(std::io::Error) -> Error,
    ) -> Result<Vec<String>, Error> {
        let located = self.located.as_ref().expect("a located run");
        let passages = &self.passages.clusters;
        if let Some(kept) = &located.texts {
            return passages
                .iter()
                .map(|passage| {
                    let Occurrence {
                        doc: d,
                        paragraph: p,
                    } = passage.occurrences[0];
                    let at = self.paragraphs.first[d as usize] + u64::from(p);
                    // An end marker's text is kept apart: a symbol-only one
                    // has no form.
                    let printed = match located.short_texts.get(&at) {
                        Some(text) => text.clone(),
                        None => kept.get(self.paragraphs.form[at as usize]).map_err(spill)?,
                    };
                    let whole = Paragraph {
                        first_line: 1,
                        start_byte: 0,
                        end_byte: printed.len(),
                    };
                    Ok(whole.joined_text(&printed))
                })
                .collect();
        }
        // By source, then document: the clusters each first occurs in.
        let mut wanted: BTreeMap<u32, BTreeMap<u32, Vec<usize>>> = BTreeMap::new();
        for (c, passage) in passages.iter().enumerate() {
            let d = passage.occurrences[0].doc;
            wanted
                .entry(self.documents[d as usize].source)
                .or_default()
                .entry(d)
                .or_default()
                .push(c);
        }
        let (sources, _) = walk(&config.paths);
        let by_name: HashMap<String, &Source> =
            sources.iter().map(|s| (s.display_name(), s)).collect();
        let mut texts = vec![String::new(); passages.len()];
        for (source, documents) in wanted {
            let name = &self.sources[source as usize];
            let fail = |source: std::io::Error| Error::Reread {
                source_name: name.clone(),
                source,
            };
            let found = by_name
                .get(name)
                .ok_or_else(|| fail(std::io::ErrorKind::NotFound.into()))?;
            let lines: Vec<u64> = documents
                .keys()
                .map(|&d| self.documents[d as usize].line.unwrap_or(0))
                .collect();
            let read = crate::corpus::read::reread(found, &config.read, &lines).map_err(fail)?;
            for ((d, clusters), text) in documents.iter().zip(read) {
                if xxh3_64(text.as_bytes()) != self.documents[*d as usize].text_hash {
                    return Err(fail(std::io::Error::other("it changed since it was read")));
                }
                for &c in clusters {
                    texts[c] = places[firsts[c]].joined_text(&text);
                }
            }
        }
        Ok(texts)
    }

    /// `PATH:LINE` of a JSONL record.
    fn record_of(&self, doc: &DocumentMeta) -> Option<String> {
        doc.line
            .map(|line| format!("{}:{line}", self.sources[doc.source as usize]))
    }
}
