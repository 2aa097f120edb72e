//! The scan pipeline: sources → documents → paragraph fingerprints →
//! passage clusters → boilerplate → document fingerprints → document
//! clusters → [`Report`]. It never prints; progress goes through
//! [`Progress`].

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use rayon::prelude::*;

use crate::boilerplate::{Occurrence, ParagraphView};
use crate::cluster::{Cluster, near_duplicate_clusters};
use crate::config::ScanConfig;
use crate::corpus::{Document, read_corpus, walk};
use crate::error::{Error, InputProblem};
use crate::fingerprint::{DocumentPrint, Fingerprinter};
use crate::minhash::Signature;
use crate::passages::{Passages, PrintsInDocument, judge_passages};
use crate::progress::Progress;
use crate::report::{
    DocumentCluster, DocumentMember, Params, PassageCluster, PassageOccurrence, Report,
    SCHEMA_VERSION, Stats, round_similarity,
};
use crate::shingle::{Overlap, ShingleSet};

/// Description of the normalization, for the report's params.
pub const NORMALIZATION: &str =
    "nfkc,lowercase,t2s,strip-punctuation-and-symbols,collapse-whitespace";
/// Description of the tokenizer, for the report's params.
pub const TOKENIZER: &str = "uax29-words,unspaced-scripts-per-character";

/// Everything the pipeline found, before it is turned into a report.
#[derive(Debug)]
pub struct Analysis {
    /// The documents, in input order.
    pub documents: Vec<Document>,
    /// Their paragraph fingerprints.
    pub prints: Vec<DocumentPrint>,
    /// Reported passage clusters and their verdicts.
    pub passages: Passages,
    /// Near-duplicate document clusters.
    pub document_clusters: Vec<Cluster>,
    /// Input problems, in input order.
    pub problems: Vec<InputProblem>,
    stats: Stats,
}

/// Runs every stage on its own thread pool of `config.threads` threads.
pub fn analyze(config: &ScanConfig, progress: &Progress) -> Result<Analysis, Error> {
    config.validate()?;
    in_pool(config.threads, || analyze_in_pool(config, progress, false))?
}

/// Runs `work` on a thread pool of `threads` threads (0: one per core).
pub fn in_pool<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> Result<T, Error> {
    Ok(thread_pool(threads)?.install(work))
}

/// Drops `value` on a thread of its own, which a process that exits
/// meanwhile does not wait for (freeing a large run's tables takes a
/// noticeable part of a second); here, if no thread can be started.
pub fn drop_in_background<T: Send + 'static>(value: T) {
    // A failed spawn drops the closure, and `value` with it, here.
    let _ = std::thread::Builder::new()
        .name("refrain-drop".into())
        .spawn(move || drop(value));
}

/// A pool of `threads` worker threads (0: one per core).
pub fn thread_pool(threads: usize) -> Result<rayon::ThreadPool, Error> {
    // Past a few threads a core the work goes no faster, and each thread
    // costs its stack and buffers (`--threads 10000` took 47 s and 1.4 GB
    // on the samples).
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = threads.min(MAX_THREADS_PER_CORE * cores);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|err| Error::ThreadPool {
            threads,
            reason: err.to_string(),
        })
}

/// `--threads` above this many a core is capped to it.
pub const MAX_THREADS_PER_CORE: usize = 4;

/// Documents read from the configured paths, with their fingerprints.
#[derive(Debug, Default)]
pub struct Fingerprinted {
    /// The documents, in input order.
    pub documents: Vec<Document>,
    /// Their paragraph fingerprints.
    pub prints: Vec<DocumentPrint>,
    /// Input problems, in input order (also shown through `progress`).
    pub problems: Vec<InputProblem>,
    /// Bytes of text read.
    pub bytes: u64,
}

/// Reads the configured paths and fingerprints every document (in the
/// current thread pool). Problems are reported through `progress`.
pub fn read_and_fingerprint(config: &ScanConfig, progress: &Progress) -> Fingerprinted {
    let (sources, mut problems) = walk(&config.paths);
    let reading = progress.stage("reading", sources.len() as u64);
    let corpus = read_corpus(&sources, &config.read, &|| reading.inc(1));
    reading.finish();
    let path_problems = problems.len();
    problems.extend(corpus.problems);
    problems.extend(duplicate_ids(&corpus.documents));
    let names: Vec<String> = sources.iter().map(|s| s.display_name()).collect();
    InputProblem::sort_in_input_order(&mut problems[path_problems..], &names);
    for problem in &problems {
        progress.problem(problem);
    }
    let fingerprinter = Fingerprinter::new(&config.fingerprint);
    let fingerprinting = progress.stage("fingerprinting", corpus.documents.len() as u64);
    let prints: Vec<DocumentPrint> = corpus
        .documents
        .par_iter()
        .map(|doc| {
            let print = fingerprinter.document(&doc.text);
            fingerprinting.inc(1);
            print
        })
        .collect();
    fingerprinting.finish();
    Fingerprinted {
        documents: corpus.documents,
        prints,
        problems,
        bytes: corpus.bytes,
    }
}

impl Analysis {
    /// Every reported passage printed in document `doc`, with where.
    pub fn prints_in(&self, doc: usize) -> Vec<PrintsInDocument> {
        self.passages.prints_in(doc)
    }

    /// Exact shingle Jaccard of two paragraphs of document `doc`.
    pub fn paragraph_similarity(&self, doc: usize, a: u32, b: u32) -> f64 {
        let paragraphs = &self.prints[doc].paragraphs;
        Overlap::between(
            &paragraphs[a as usize].shingles,
            &paragraphs[b as usize].shingles,
        )
        .jaccard()
    }

    /// The report of this analysis.
    pub fn report(&self, config: &ScanConfig) -> Report {
        Report {
            schema_version: SCHEMA_VERSION,
            params: Params::of(config),
            stats: self.stats.clone(),
            passage_clusters: passage_report(&self.passages, &self.documents, &self.prints),
            document_clusters: document_report(&self.document_clusters, &self.documents),
            errors: self.problems.clone(),
        }
    }
}

fn analyze_in_pool(
    config: &ScanConfig,
    progress: &Progress,
    allow_empty: bool,
) -> Result<Analysis, Error> {
    let started = Instant::now();
    let Fingerprinted {
        documents,
        prints,
        problems,
        bytes,
    } = read_and_fingerprint(config, progress);
    if documents.is_empty() && !allow_empty {
        return Err(Error::no_documents(problems.len()));
    }

    let clustering = progress.stage("clustering passages", 0);
    let passages = find_passages(config, &prints);
    clustering.finish();

    let clustering = progress.stage("clustering documents", 0);
    let excluded = passages.excluded_paragraphs();
    let excluded_count = excluded.len() as u64;
    let (document_clusters, document_stats) =
        find_documents(config, &prints, &excluded, config.fingerprint.num_perm);
    clustering.finish();

    let stats = Stats {
        documents: documents.len() as u64,
        paragraphs: prints.iter().map(|p| p.paragraphs.len() as u64).sum(),
        bytes,
        passages: passages.stats.items,
        excluded_paragraphs: excluded_count,
        passage_clustering: passages.stats,
        document_clustering: document_stats,
        elapsed_ms: config.timings.then(|| started.elapsed().as_millis() as u64),
    };
    Ok(Analysis {
        documents,
        prints,
        passages,
        document_clusters,
        problems,
        stats,
    })
}

/// Warnings for document names used more than once.
fn duplicate_ids(documents: &[Document]) -> Vec<InputProblem> {
    let mut first_seen: HashMap<&str, &Document> = HashMap::new();
    let mut problems = Vec::new();
    for doc in documents {
        if let Some(first) = first_seen.get(doc.name.as_str()) {
            problems.push(InputProblem::duplicate_id(
                &doc.source,
                doc.source_line,
                &doc.name,
                &record_or_source(first),
            ));
        } else {
            first_seen.insert(&doc.name, doc);
        }
    }
    problems
}

fn find_passages(config: &ScanConfig, prints: &[DocumentPrint]) -> Passages {
    let mut locations: Vec<Occurrence> = Vec::new();
    let mut sets: Vec<&ShingleSet> = Vec::new();
    let mut signatures: Vec<&Signature> = Vec::new();
    for (d, print) in prints.iter().enumerate() {
        for (p, paragraph) in print.paragraphs.iter().enumerate() {
            if paragraph.tokens as usize >= config.min_passage_tokens {
                locations.push((d as u32, p as u32));
                sets.push(&paragraph.shingles);
                signatures.push(&paragraph.signature);
            }
        }
    }
    let (all_clusters, stats) = near_duplicate_clusters(
        &sets,
        &signatures,
        &config.passage_bands(),
        config.passage_threshold,
    );
    let all_occurrences: Vec<Vec<Occurrence>> = all_clusters
        .iter()
        .map(|cluster| {
            cluster
                .members
                .iter()
                .map(|m| locations[m.item as usize])
                .collect()
        })
        .collect();
    let views: Vec<Vec<ParagraphView>> = prints
        .iter()
        .map(|print| {
            print
                .paragraphs
                .iter()
                .map(|p| ParagraphView {
                    tokens: p.tokens,
                    shingles: &p.shingles,
                })
                .collect()
        })
        .collect();
    judge_passages(all_clusters, all_occurrences, &views, config, stats)
}

fn find_documents(
    config: &ScanConfig,
    prints: &[DocumentPrint],
    excluded: &HashSet<Occurrence>,
    num_perm: usize,
) -> (Vec<Cluster>, crate::cluster::ClusterStats) {
    let (sets, signatures): (Vec<ShingleSet>, Vec<Signature>) = prints
        .par_iter()
        .enumerate()
        .map(|(d, print)| {
            let kept: Vec<_> = print
                .paragraphs
                .iter()
                .enumerate()
                .filter(|(p, _)| !excluded.contains(&(d as u32, *p as u32)))
                .map(|(_, paragraph)| paragraph)
                .collect();
            let signature =
                print.signature_of(num_perm, |p| !excluded.contains(&(d as u32, p as u32)));
            (
                ShingleSet::union_of(kept.iter().map(|p| &p.shingles)),
                signature,
            )
        })
        .unzip();
    near_duplicate_clusters(
        &sets.iter().collect::<Vec<_>>(),
        &signatures.iter().collect::<Vec<_>>(),
        &config.document_bands(),
        config.threshold,
    )
}

fn record_of(doc: &Document) -> Option<String> {
    doc.source_line.map(|line| format!("{}:{line}", doc.source))
}

fn record_or_source(doc: &Document) -> String {
    record_of(doc).unwrap_or_else(|| doc.source.clone())
}

fn passage_report(
    passages: &Passages,
    documents: &[Document],
    prints: &[DocumentPrint],
) -> Vec<PassageCluster> {
    passages
        .clusters
        .iter()
        .zip(&passages.occurrences)
        .enumerate()
        .map(|(c, (cluster, occurrences))| {
            let (rep_doc, rep_paragraph) = occurrences[0];
            let rep_span = &prints[rep_doc as usize].paragraphs[rep_paragraph as usize].span;
            let mut docs: Vec<u32> = occurrences.iter().map(|&(d, _)| d).collect();
            docs.dedup();
            let closing_flags = &passages.classification.closing[c];
            PassageCluster {
                id: format!("p{}", c + 1),
                kind: passages.classification.kinds[c],
                text: rep_span.joined_text(&documents[rep_doc as usize].text),
                closing: passages.is_closing(c),
                documents: docs.len() as u64,
                occurrences: cluster
                    .members
                    .iter()
                    .zip(occurrences)
                    .zip(closing_flags)
                    .map(|((member, &(d, p)), &closing)| {
                        let doc = &documents[d as usize];
                        let span = &prints[d as usize].paragraphs[p as usize].span;
                        PassageOccurrence {
                            doc: doc.name.clone(),
                            record: record_of(doc),
                            paragraph: p,
                            line: span.first_line,
                            start_byte: span.start_byte,
                            end_byte: span.end_byte,
                            closing,
                            similarity: round_similarity(member.overlap.jaccard()),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

fn document_report(clusters: &[Cluster], documents: &[Document]) -> Vec<DocumentCluster> {
    clusters
        .iter()
        .enumerate()
        .map(|(c, cluster)| DocumentCluster {
            id: format!("d{}", c + 1),
            representative: documents[cluster.representative() as usize].name.clone(),
            members: cluster
                .members
                .iter()
                .map(|member| {
                    let doc = &documents[member.item as usize];
                    DocumentMember {
                        doc: doc.name.clone(),
                        record: record_of(doc),
                        similarity: round_similarity(member.overlap.jaccard()),
                    }
                })
                .collect(),
        })
        .collect()
}
