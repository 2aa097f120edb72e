//! The one engine, behind `scan`, `clean`, `check` and `dedup`: passages,
//! boilerplate verdicts and document clusters in memory bounded by the
//! number of paragraphs, for corpora far larger than memory.
//!
//! Texts are read in batches, fingerprinted in parallel and dropped. What
//! later stages need stays in memory in compact form: per document its id,
//! source and length; per paragraph its token count and the number of its
//! *form* (its sequence of shingles: paragraphs that read alike after
//! normalization share one). The shingles of each form, once and unsorted
//! (a set is made only for the few forms ever compared), its signature and
//! its LSH band keys go to temporary files:
//!
//! 1. Pass one reads the corpus. Each new paragraph form's shingles go to a
//!    [`ShingleStore`] and its band keys to [`BandFiles`]; each document's
//!    signature of the forms first met in it goes to a [`SignatureStore`]
//!    (one record a document, not one a form: a sixth of the bytes).
//! 2. Passages: the band files yield candidate pairs, verified against the
//!    stored sets; clusters are classified as boilerplate, repeated or
//!    shared story text (reading paragraphs back from the store).
//! 3. Pass two walks the signatures in order and signs each document with
//!    the slot-wise minimum of its kept paragraphs' signatures (a MinHash
//!    of a union is the minimum over the parts): its stored one when none
//!    of its new forms is boilerplate, and its kept forms met earlier
//!    hashed again from their shingles (a few percent of paragraphs in
//!    news; all of a document's kept forms when it lost a new one); documents are
//!    keyed by their kept paragraph forms, and the band keys of each
//!    distinct one go to a second set of band files.
//! 4. Documents: candidate pairs, exact verification (a document's set is
//!    built from its paragraphs only here, for the candidates), clusters.
//!
//! Memory grows with the number of paragraphs (about 12 bytes each, plus
//! a hash-map slot per distinct paragraph while reading) and documents
//! (their ids), not with the text. Paragraph forms are keyed by a 64-bit
//! [`form_key`] of their shingle hashes, documents by a 64-bit hash of
//! their kept paragraph forms.

pub mod band_files;
mod report;
pub mod store;

use crate::corpus::ids::{FirstUse, KeyMap};
use crate::passages::ShortPrint;
use crate::text::marker_key;
use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::HashSet;
use std::collections::hash_map::Entry;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64;

pub use band_files::BandFiles;
use store::{PLACE_VALUES, lower_codes, lower_packed, pack_codes, packed_len};
pub use store::{PlaceStore, ShingleStore, SignatureStore, TextStore};

use crate::boilerplate::{Occurrence, ParagraphSource, is_short};
use crate::cluster::{Cluster, ClusterStats, FormSets, Member, cluster_forms};
use crate::config::ScanConfig;
use crate::containment;
use crate::corpus::read::read_in_batches;
use crate::corpus::{Source, walk};
use crate::error::{Error, InputProblem};
use crate::fingerprint::Fingerprinter;
use crate::passages::{Passages, judge_passages};
use crate::progress::Progress;
use crate::shingle::{Overlap, ShingleSet, form_key};
use crate::threads::{drop_in_background, in_pool};

/// Form number of a paragraph or document without shingles.
const NO_FORM: u32 = u32::MAX;

/// Documents whose sets are built together in pass two.
const DOCUMENTS_PER_CHUNK: usize = 4096;

/// What `dedup` needs of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentMeta {
    /// Its id (as in the scan report).
    pub name: String,
    /// Index into [`Analysis::sources`].
    pub source: u32,
    /// Its JSONL line, if any.
    pub line: Option<u64>,
    /// Bytes of text.
    pub bytes: u64,
    /// The value of the `--keep field:NAME` field, if asked for.
    pub extra: Option<serde_json::Value>,
    /// xxh3 of its text: a command that reads the document again (to
    /// clean it) knows it is the text that was analyzed.
    pub text_hash: u64,
}

/// Counts of one batch run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BatchStats {
    /// Documents read.
    pub documents: u64,
    /// Paragraphs in them.
    pub paragraphs: u64,
    /// Bytes of text read.
    pub bytes: u64,
    /// Paragraphs left out of document fingerprints.
    pub excluded_paragraphs: u64,
    /// Work done clustering passages.
    pub passage_clustering: ClusterStats,
    /// Work done clustering documents.
    pub document_clustering: ClusterStats,
    /// Bytes written to temporary files.
    pub spilled_bytes: u64,
    /// Wall-clock milliseconds.
    pub elapsed_ms: u64,
}

/// The result of a batch run.
#[derive(Debug)]
pub struct Analysis {
    /// Source names, in input order.
    pub sources: Vec<String>,
    /// The documents, in input order.
    pub documents: Vec<DocumentMeta>,
    /// Reported passage clusters with their verdicts.
    pub passages: Passages,
    /// Per document, its paragraphs left out of its fingerprint
    /// (boilerplate and closing repeats), ascending.
    pub excluded: Vec<Vec<u32>>,
    /// Near-duplicate document clusters (members index `documents`).
    pub document_clusters: Vec<Cluster>,
    /// Input problems, in input order.
    pub problems: Vec<InputProblem>,
    /// Counts.
    pub stats: BatchStats,
    paragraphs: ParagraphForms,
    located: Option<Located>,
    texts: Option<TextStore>,
}

impl Analysis {
    /// Document `d`'s shingles without its excluded paragraphs.
    pub fn document_set(&self, d: usize) -> Result<ShingleSet, Error> {
        self.paragraphs
            .kept_union(d, &self.excluded[d])
            .map_err(spill_error(None))
    }

    /// Exact shingle Jaccard of paragraphs `a` and `b` of document `d`.
    pub fn paragraph_similarity(&self, d: usize, a: u32, b: u32) -> Result<f64, Error> {
        let first = self.paragraphs.first[d] as usize;
        let (form_a, form_b) = (
            self.paragraphs.form[first + a as usize],
            self.paragraphs.form[first + b as usize],
        );
        let set = |form: u32| match form {
            NO_FORM => Ok(ShingleSet::default()),
            form => self.paragraphs.store.get(form),
        };
        let sets = set(form_a).and_then(|a| Ok((a, set(form_b)?)));
        let (a, b) = sets.map_err(spill_error(None))?;
        Ok(Overlap::between(&a, &b).jaccard())
    }

    /// The source name of document `d`.
    pub fn source_of(&self, d: usize) -> &str {
        &self.sources[self.documents[d].source as usize]
    }

    /// Document `d`'s text, as analyzed: kept by a run with
    /// [`Options::keep_texts`], `None` otherwise.
    pub fn text_of(&self, d: usize) -> Option<Result<String, Error>> {
        let texts = self.texts.as_ref()?;
        Some(texts.get(d as u32).map_err(spill_error(None)))
    }
}

/// How a run keeps what it finds, besides what `dedup` needs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Directory for the temporary files (the system's if `None`).
    pub temp_dir: Option<&'a Path>,
    /// Keep where each paragraph lies and each paragraph form's text, for
    /// a report that points at passages ([`Analysis::report`]).
    pub locate: bool,
    /// A corpus without a usable document gives an analysis of nothing
    /// (its problems say why), not an error.
    pub allow_empty: bool,
    /// Keep every document's text, in a temporary file, for a command that
    /// looks at each document whole afterwards ([`Analysis::text_of`]):
    /// what standard input gave cannot be read again.
    pub keep_texts: bool,
}

/// Scans a corpus: the report of an analysis run with
/// [`Options::locate`] (which this sets), passages located and quoted.
pub fn scan(
    config: &ScanConfig,
    options: &Options,
    progress: &Progress,
) -> Result<crate::report::Report, Error> {
    let options = Options {
        locate: true,
        ..*options
    };
    let analysis = analyze(config, &options, progress)?;
    // Tests change an input here, between the analysis and its report.
    crate::output::fault_point("scan-report").map_err(spill_error(options.temp_dir))?;
    let report = analysis.report(config, options.temp_dir)?;
    drop_in_background(analysis);
    Ok(report)
}

/// Runs the batch pipeline on a thread pool of `config.threads` threads.
pub fn analyze(
    config: &ScanConfig,
    options: &Options,
    progress: &Progress,
) -> Result<Analysis, Error> {
    config.validate()?;
    in_pool(config.threads, || {
        analyze_in_pool(config, options, progress)
    })?
}

fn analyze_in_pool(
    config: &ScanConfig,
    options: &Options,
    progress: &Progress,
) -> Result<Analysis, Error> {
    let started = Instant::now();
    let temp_dir = options.temp_dir;
    let mut read = read_and_fingerprint(config, options, progress)?;
    if read.documents.is_empty() && !options.allow_empty {
        return Err(Error::no_documents(read.problems.len()));
    }
    let mut stats = BatchStats {
        documents: read.documents.len() as u64,
        paragraphs: read.table.forms.form.len() as u64,
        bytes: read.bytes,
        spilled_bytes: read.table.forms.store.disk_bytes()
            + read.table.signatures.disk_bytes()
            + read.bands.disk_bytes()
            + read.located.as_ref().map_or(0, Located::disk_bytes)
            + read.texts.as_ref().map_or(0, TextStore::disk_bytes),
        ..BatchStats::default()
    };

    let stage = progress.stage("clustering passages", 0);
    // The end-marker candidates are sorted where they are judged: moved
    // there, not copied.
    let shorts = std::mem::take(&mut read.table.shorts);
    let passages = find_passages(config, &read.table, shorts, read.bands, temp_dir)?;
    stage.finish();

    let mut excluded: Vec<Vec<u32>> = vec![Vec::new(); read.documents.len()];
    let mut excluded_flags = vec![false; read.table.forms.form.len()];
    for passage in passages.clusters.iter().filter(|p| p.is_excluded()) {
        for &Occurrence {
            doc: d,
            paragraph: p,
        } in &passage.occurrences
        {
            let flag =
                &mut excluded_flags[read.table.forms.first[d as usize] as usize + p as usize];
            if !*flag {
                *flag = true;
                excluded[d as usize].push(p);
            }
        }
    }
    for paragraphs in &mut excluded {
        paragraphs.sort_unstable();
    }
    stats.excluded_paragraphs = excluded_flags.iter().filter(|&&f| f).count() as u64;

    let stage = progress.stage("document sets", read.documents.len() as u64);
    let (sets, bands) = document_sets(config, &read.table, &excluded_flags, temp_dir, &|n| {
        stage.inc(n)
    })?;
    stage.finish();
    drop(excluded_flags);
    let paragraphs = read.table.forms;
    stats.spilled_bytes += bands.disk_bytes();

    let stage = progress.stage("clustering documents", 0);
    let (document_clusters, document_stats) = find_documents(
        config,
        &sets,
        &paragraphs,
        &excluded,
        &passages,
        bands,
        temp_dir,
    )?;
    stage.finish();

    // What only the passes needed (the signatures' file, the token counts,
    // the document forms) is freed without being waited for.
    drop_in_background((read.table.signatures, read.table.tokens, sets));
    stats.passage_clustering = passages.stats;
    stats.document_clustering = document_stats;
    stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(Analysis {
        sources: read.sources,
        documents: read.documents,
        passages,
        excluded,
        document_clusters,
        problems: read.problems,
        stats,
        paragraphs,
        located: read.located,
        texts: read.texts,
    })
}

/// Where each paragraph lies and each form's first print, kept by a run
/// with [`Options::locate`].
#[derive(Debug)]
struct Located {
    places: PlaceStore,
    /// Per paragraph form, the text of its first print as it stands in
    /// its document (joined into one line when reported): kept only when
    /// the corpus comes (partly) from standard input, which cannot be read
    /// again. Files are read again for the reported passages instead:
    /// cheaper than writing every distinct paragraph to disk (at a million
    /// news documents, 2 GB and about 3 s of a 21 s scan).
    texts: Option<TextStore>,
    /// With `texts`: the first print of each short paragraph's text, by
    /// paragraph number (an end marker's text, which no form may hold).
    short_texts: HashMap<u64, String>,
    /// The short texts' keys seen so far.
    short_keys: HashSet<u64>,
}

impl Located {
    fn new_in(temp_dir: Option<&Path>, keep_texts: bool) -> io::Result<Self> {
        Ok(Located {
            short_texts: HashMap::new(),
            short_keys: HashSet::new(),
            places: PlaceStore::new_in(temp_dir)?,
            texts: match keep_texts {
                true => Some(TextStore::new_in(temp_dir)?),
                false => None,
            },
        })
    }

    fn disk_bytes(&self) -> u64 {
        self.places.disk_bytes() + self.texts.as_ref().map_or(0, TextStore::disk_bytes)
    }
}

/// Per paragraph of the corpus, in input order: its form and tokens; the
/// forms' shingles and signatures are in the stores.
#[derive(Debug)]
struct ParagraphTable {
    forms: ParagraphForms,
    tokens: Vec<u32>,
    /// Per document, the signature of the forms first met in it.
    signatures: SignatureStore,
    /// Every short paragraph (under `--min-passage-tokens`) with the key
    /// of its text: the end-marker candidates.
    shorts: Vec<ShortPrint>,
}

impl ParagraphTable {
    fn index(&self, d: usize, p: usize) -> usize {
        self.forms.first[d] as usize + p
    }
}

impl ParagraphSource for ParagraphTable {
    type Error = std::io::Error;

    fn document_count(&self) -> usize {
        self.forms.first.len() - 1
    }

    fn paragraph_count(&self, d: usize) -> usize {
        (self.forms.first[d + 1] - self.forms.first[d]) as usize
    }

    fn tokens(&self, d: usize, p: usize) -> u32 {
        self.tokens[self.index(d, p)]
    }

    fn shingles(&self, d: usize, p: usize) -> std::io::Result<Cow<'_, ShingleSet>> {
        match self.forms.form[self.index(d, p)] {
            NO_FORM => Ok(Cow::Owned(ShingleSet::default())),
            form => Ok(Cow::Owned(self.forms.store.get(form)?)),
        }
    }

    fn paragraphs_union(&self, d: usize, paragraphs: &[u32]) -> std::io::Result<ShingleSet> {
        let forms =
            &self.forms.form[self.forms.first[d] as usize..self.forms.first[d + 1] as usize];
        let forms: Vec<u32> = paragraphs
            .iter()
            .map(|&p| forms[p as usize])
            .filter(|&form| form != NO_FORM)
            .collect();
        self.forms.union_of_forms(forms)
    }
}

/// Per paragraph its form, and the forms' stored sets: what rebuilds a
/// document's set, kept after pass two (the token counts are not).
#[derive(Debug)]
struct ParagraphForms {
    /// `first[d]..first[d + 1]`: document `d`'s paragraphs.
    first: Vec<u64>,
    form: Vec<u32>,
    store: ShingleStore,
}

impl ParagraphForms {
    /// The union of document `d`'s paragraph sets but those of its
    /// `excluded` paragraphs (ascending).
    fn kept_union(&self, d: usize, excluded: &[u32]) -> std::io::Result<ShingleSet> {
        let mut forms = Vec::new();
        self.append_kept_forms(d, excluded, &mut forms);
        self.union_of_forms(forms)
    }

    /// Appends the forms of document `d`'s paragraphs but its `excluded`
    /// ones (ascending) to `forms`, in text order.
    fn append_kept_forms(&self, d: usize, excluded: &[u32], forms: &mut Vec<u32>) {
        let paragraphs = self.first[d] as usize..self.first[d + 1] as usize;
        let mut excluded = excluded.iter().peekable();
        for (p, &form) in self.form[paragraphs].iter().enumerate() {
            if excluded.next_if(|&&e| e as usize == p).is_none() && form != NO_FORM {
                forms.push(form);
            }
        }
    }

    /// The union of the sets of `forms`.
    fn union_of_forms(&self, mut forms: Vec<u32>) -> std::io::Result<ShingleSet> {
        forms.sort_unstable();
        forms.dedup();
        // A document's own new paragraphs were stored one after another:
        // each run of consecutive forms is one read.
        let mut shingles = Vec::new();
        for (first, end) in store::runs(&forms) {
            self.store.append_run(first, end, &mut shingles)?;
        }
        Ok(ShingleSet::from_hashes(shingles))
    }
}

/// Pass one's result.
struct Read {
    sources: Vec<String>,
    documents: Vec<DocumentMeta>,
    table: ParagraphTable,
    bands: BandFiles,
    located: Option<Located>,
    /// Every document's text, with [`Options::keep_texts`].
    texts: Option<TextStore>,
    problems: Vec<InputProblem>,
    bytes: u64,
}

/// A document as pass one's parallel step leaves it, without its text.
struct Unread {
    text_hash: u64,
    name: String,
    source: String,
    line: Option<u64>,
    bytes: usize,
    extra: Option<serde_json::Value>,
}

/// A document's paragraphs as pass one's parallel step leaves them, each
/// kind of value in one buffer for the whole document (a few allocations
/// per document, not a few per paragraph).
#[derive(Default)]
struct DocumentFacts {
    /// Per paragraph: tokens, [`form_key`] of its shingles, the range
    /// of `shingles` they take, and its form if an earlier batch stored it.
    paragraphs: Vec<(u32, u64, Range<u32>, FormFound)>,
    /// Every paragraph's shingle hashes in text order, repeats included:
    /// sorting them into a set is left to the few that are ever compared.
    shingles: Vec<u32>,
    /// The signatures of the signed paragraphs (those whose form was not
    /// stored by an earlier batch) as packed codes ([`pack_codes`]), one
    /// after another.
    signatures: Vec<u32>,
    /// Their passage band keys, one after another.
    band_keys: Vec<u64>,
    /// With [`Options::locate`]: every paragraph's place
    /// ([`PlaceStore::encode`]), and the signed paragraphs' joined texts
    /// one after another, each ending where `text_ends` says.
    places: Vec<u32>,
    texts: String,
    text_ends: Vec<u32>,
    /// With [`Options::keep_texts`], the document's text.
    document_text: Option<String>,
    /// Its short paragraphs: end-marker candidates.
    shorts: Vec<ShortParagraph>,
}

/// A paragraph under `--min-passage-tokens`, as pass one finds it.
struct ShortParagraph {
    paragraph: u32,
    /// [`marker_key`] of its text.
    key: u64,
    /// Its text, when texts are kept (input from stdin).
    text: Option<String>,
}

/// What pass one's parallel step keeps besides shingles and signatures.
#[derive(Clone, Copy)]
struct Keep {
    /// Every paragraph's place ([`Located::places`]).
    places: bool,
    /// The text of each form's first print ([`Located::texts`]).
    texts: bool,
    /// Every document's text ([`Options::keep_texts`]).
    documents: bool,
}

/// What pass one's parallel step found of a paragraph's form.
#[derive(Clone, Copy)]
enum FormFound {
    /// Stored by an earlier batch, with this number ([`NO_FORM`] for a
    /// paragraph without shingles).
    Known(u32),
    /// Not stored when the batch was fingerprinted: signed, its signature
    /// and band keys next in their buffers.
    Signed,
    /// Signed at an earlier paragraph of the same document: the same form,
    /// with no signature of its own.
    SignedAbove,
}

/// Paragraph or document forms by key.
type FormMap = KeyMap<u32>;

/// Fingerprinted documents waiting for pass one's sequential merge.
type Fingerprinted = Vec<(Unread, DocumentFacts)>;

fn read_and_fingerprint(
    config: &ScanConfig,
    options: &Options,
    progress: &Progress,
) -> Result<Read, Error> {
    let temp_dir = options.temp_dir;
    let (sources, mut problems) = walk(&config.paths);
    for problem in &problems {
        progress.problem(problem);
    }
    let path_problems = problems.len();
    let spill = spill_error(temp_dir);
    let mut read = Read {
        sources: Vec::new(),
        documents: Vec::new(),
        table: ParagraphTable {
            forms: ParagraphForms {
                first: vec![0],
                form: Vec::new(),
                store: ShingleStore::new_in(temp_dir).map_err(&spill)?,
            },
            tokens: Vec::new(),
            signatures: SignatureStore::new_in(temp_dir, config.fingerprint.num_perm)
                .map_err(&spill)?,
            shorts: Vec::new(),
        },
        bands: BandFiles::new_in(temp_dir, config.passage_bands()).map_err(&spill)?,
        located: match options.locate {
            true => {
                let from_stdin = sources.iter().any(|s| matches!(s, Source::Stdin));
                Some(Located::new_in(temp_dir, from_stdin).map_err(&spill)?)
            }
            false => None,
        },
        texts: match options.keep_texts {
            true => Some(TextStore::new_in(temp_dir).map_err(&spill)?),
            false => None,
        },
        problems: Vec::new(),
        bytes: 0,
    };
    let fingerprinter = Fingerprinter::new(&config.fingerprint);
    let passage_bands = config.passage_bands();
    // Every form stored, and those the last merge added: a batch is
    // fingerprinted against `forms` while the batch before it is merged,
    // so its merge needs to look up only the forms that merge added.
    let mut forms = FormMap::default();
    let mut recent = FormMap::default();
    let mut ids = Ids::default();
    let mut failure: Option<io::Error> = None;
    // One batch's merge runs while the next batch is fingerprinted.
    let mut pending: Fingerprinted = Vec::new();
    let stage = progress.reading_stage("fingerprinting", input_size(&sources));
    let read_bytes = std::sync::Arc::default();
    read_in_batches(&sources, &config.read, &read_bytes, &mut |batch| {
        for problem in &batch.problems {
            progress.problem(problem);
        }
        problems.extend(batch.problems);
        if failure.is_some() {
            return;
        }
        stage.read(
            read_bytes.load(std::sync::atomic::Ordering::Relaxed),
            batch.documents.len() as u64,
        );
        read.bytes += batch.bytes;
        let keep = Keep {
            places: read.located.is_some(),
            texts: read.located.as_ref().is_some_and(|l| l.texts.is_some()),
            documents: read.texts.is_some(),
        };
        let (merged, fingerprinted) = rayon::join(
            || merge_batch(std::mem::take(&mut pending), &mut read, &recent, &mut ids),
            || {
                fingerprint_batch(
                    batch.documents,
                    &fingerprinter,
                    &passage_bands,
                    &forms,
                    keep,
                    config.min_passage_tokens,
                )
            },
        );
        match merged {
            Ok(new_forms) => {
                forms.extend(new_forms.iter().map(|(&key, &form)| (key, form)));
                recent = new_forms;
            }
            Err(err) => failure = Some(err),
        }
        pending = fingerprinted;
    });
    if failure.is_none()
        && let Err(err) = merge_batch(pending, &mut read, &recent, &mut ids)
    {
        failure = Some(err);
    }
    drop((forms, recent));
    stage.finish();
    if let Some(err) = failure {
        return Err(spill(err));
    }
    read.table.forms.store.seal();
    read.table.signatures.seal();
    if let Some(located) = &mut read.located {
        located.places.seal();
    }
    for (d, first) in ids.duplicates {
        let (doc, first) = (&read.documents[d as usize], &read.documents[first as usize]);
        let first_at = match first.line {
            Some(line) => format!("{}:{line}", read.sources[first.source as usize]),
            None => read.sources[first.source as usize].clone(),
        };
        let problem = InputProblem::duplicate_id(
            &read.sources[doc.source as usize],
            doc.line,
            &doc.name,
            &first_at,
        );
        progress.problem(&problem);
        problems.push(problem);
    }
    let names: Vec<String> = sources.iter().map(|s| s.display_name()).collect();
    InputProblem::sort_in_input_order(&mut problems[path_problems..], &names);
    read.problems = problems;
    Ok(read)
}

/// Document ids seen so far, to report a reused one.
#[derive(Default)]
struct Ids {
    first_use: FirstUse,
    /// `(document, earlier document with the same id)`.
    duplicates: Vec<(u32, u32)>,
}

/// The bytes of the input files, for progress; 0 (not known) when one of
/// them is standard input or not a regular file.
fn input_size(sources: &[Source]) -> u64 {
    let mut total = 0;
    for source in sources {
        match source {
            Source::File(path) => match std::fs::metadata(path) {
                Ok(meta) if meta.is_file() => total += meta.len(),
                _ => return 0,
            },
            Source::Stdin => return 0,
        }
    }
    total
}

/// Paragraphs of a document given room for a signature and band keys up
/// front; past these, the buffers grow as new forms are met.
const RESERVED_NEW_FORMS: usize = 256;

/// Pass one's parallel step: each document's paragraphs with their
/// shingles and, for a form not in `known`, its passage band keys. Texts
/// are dropped here, inside the parallel step, not one by one later.
fn fingerprint_batch(
    documents: Vec<crate::corpus::Document>,
    fingerprinter: &Fingerprinter,
    passage_bands: &crate::lsh::LshParams,
    known: &FormMap,
    keep: Keep,
    min_passage_tokens: usize,
) -> Fingerprinted {
    let num_perm = fingerprinter.hasher().num_perm();
    documents
        .into_par_iter()
        .map(|doc| {
            let mut facts = DocumentFacts::default();
            let mut slots = Vec::new();
            // Room for a shingle per three bytes (a Han character's), so
            // the buffer is not grown and copied along the way.
            facts.shingles.reserve(doc.text.len() / 3 + 16);
            let paragraphs =
                fingerprinter.append_paragraph_shingles(&doc.text, &mut facts.shingles);
            // Signatures and band keys are made for forms not seen before:
            // room for every paragraph of a news story, but not for each
            // of a long document's thousands (most of them repeats), which
            // would cost 424 bytes a paragraph up front.
            let new_forms = paragraphs.len().min(RESERVED_NEW_FORMS);
            let mut signed_here =
                (paragraphs.len() > RESERVED_NEW_FORMS).then(crate::corpus::ids::KeySet::default);
            facts.signatures.reserve(new_forms * packed_len(num_perm));
            facts.band_keys.reserve(new_forms * passage_bands.bands);
            if keep.places {
                facts.places.reserve(paragraphs.len() * PLACE_VALUES);
            }
            if keep.texts {
                facts.texts.reserve(doc.text.len());
                facts.text_ends.reserve(paragraphs.len());
            }
            facts.paragraphs = paragraphs
                .into_iter()
                .enumerate()
                .map(|(p, (span, tokens, range))| {
                    let text = &doc.text[span.start_byte..span.end_byte];
                    if is_short(tokens, min_passage_tokens)
                        && let Some(key) = marker_key(text)
                    {
                        facts.shorts.push(ShortParagraph {
                            paragraph: p as u32,
                            key,
                            text: keep.texts.then(|| text.to_owned()),
                        });
                    }
                    let shingles = &facts.shingles[range.clone()];
                    // A form stored from an earlier batch has its signature
                    // and band keys filed already.
                    let key = form_key(shingles);
                    let found = match known.get(&key) {
                        _ if shingles.is_empty() => FormFound::Known(NO_FORM),
                        Some(&form) => FormFound::Known(form),
                        // A long document's repeats (a page's navigation,
                        // a record's stock lines) are signed once.
                        None if signed_here.as_mut().is_some_and(|seen| !seen.insert(key)) => {
                            FormFound::SignedAbove
                        }
                        None => FormFound::Signed,
                    };
                    if let FormFound::Signed = found {
                        slots.clear();
                        slots.resize(num_perm, u32::MAX);
                        fingerprinter.hasher().lower_slots(shingles, &mut slots);
                        passage_bands.append_band_keys(&slots, &mut facts.band_keys);
                        pack_codes(&slots, &mut facts.signatures);
                        if keep.texts {
                            facts
                                .texts
                                .push_str(&doc.text[span.start_byte..span.end_byte]);
                            facts.text_ends.push(facts.texts.len() as u32);
                        }
                    }
                    if keep.places {
                        PlaceStore::encode(&span, &mut facts.places);
                    }
                    (tokens, key, range.start as u32..range.end as u32, found)
                })
                .collect();
            let (text_hash, bytes) = (xxh3_64(doc.text.as_bytes()), doc.text.len());
            if keep.documents {
                facts.document_text = Some(doc.text);
            }
            let doc = Unread {
                text_hash,
                bytes,
                name: doc.name,
                source: doc.source,
                line: doc.source_line,
                extra: doc.extra,
            };
            (doc, facts)
        })
        .collect()
}

/// Pass one's sequential step: numbers the documents and the paragraph
/// forms of one fingerprinted batch, in input order, and stores each new
/// form (the batch's shingles, signatures and band keys are written in one
/// go at the end, from where they lie). A form the parallel step did not
/// find may have been added by the batch before, whose new forms are
/// `recent`; it is read, not changed, so the next batch can be
/// fingerprinted meanwhile. Returns the forms this batch added.
fn merge_batch(
    fingerprinted: Fingerprinted,
    read: &mut Read,
    recent: &FormMap,
    ids: &mut Ids,
) -> io::Result<FormMap> {
    let mut new_forms = FormMap::default();
    let (unread, facts): (Vec<Unread>, Vec<DocumentFacts>) = fingerprinted.into_iter().unzip();
    let mut new_shingles: Vec<&[u32]> = Vec::new();
    // Per document, the slot codes of the union of the forms first met in
    // it: all pass two needs of their signatures, one record a document.
    let per_signature = packed_len(read.table.signatures.slots());
    let mut fresh_signatures: Vec<u32> = Vec::with_capacity(facts.len() * per_signature);
    let mut new_band_keys: Vec<&[u64]> = Vec::new();
    let mut new_texts: Vec<&str> = Vec::new();
    let mut places: Vec<&[u32]> = Vec::new();
    let mut document_texts: Vec<&str> = Vec::new();
    let first_new_form = read.table.forms.store.len() as u32;
    for (doc, facts) in unread.into_iter().zip(&facts) {
        let d = read.documents.len() as u32;
        let fresh = fresh_signatures.len();
        fresh_signatures.resize(fresh + per_signature, u32::MAX);
        if read.sources.last() != Some(&doc.source) {
            read.sources.push(doc.source);
        }
        let documents = &read.documents;
        if let Some(first) = ids.first_use.earlier(&doc.name, d, |first| {
            documents[first as usize].name == doc.name
        }) {
            ids.duplicates.push((d, first));
        }
        read.documents.push(DocumentMeta {
            name: doc.name,
            source: (read.sources.len() - 1) as u32,
            line: doc.line,
            bytes: doc.bytes as u64,
            extra: doc.extra,
            text_hash: doc.text_hash,
        });
        let mut signatures = facts.signatures.chunks_exact(per_signature);
        let mut band_keys = facts.band_keys.chunks_exact(read.bands.params().bands);
        let mut texts = facts.text_ends.iter().scan(0, |start, &end| {
            let text = &facts.texts[*start as usize..end as usize];
            *start = end;
            Some(text)
        });
        places.push(&facts.places);
        document_texts.extend(facts.document_text.as_deref());
        for &(tokens, key, ref range, found) in &facts.paragraphs {
            let form = match found {
                FormFound::Known(form) => form,
                FormFound::SignedAbove => match recent.get(&key) {
                    Some(&form) => form,
                    None => new_forms[&key],
                },
                FormFound::Signed => {
                    // Signed paragraphs take their signature and band keys
                    // in turn, whether or not their form turns out new.
                    let (signature, keys) = (signatures.next(), band_keys.next());
                    let text = texts.next();
                    if let Some(&form) = recent.get(&key) {
                        form
                    } else {
                        match new_forms.entry(key) {
                            Entry::Occupied(form) => *form.get(),
                            Entry::Vacant(slot) => {
                                let (Some(signature), Some(keys)) = (signature, keys) else {
                                    unreachable!("one signature and band keys per signed form")
                                };
                                let form = first_new_form + new_shingles.len() as u32;
                                new_shingles.push(
                                    &facts.shingles[range.start as usize..range.end as usize],
                                );
                                lower_packed(&mut fresh_signatures[fresh..], signature);
                                new_band_keys.push(keys);
                                new_texts.extend(text);
                                *slot.insert(form)
                            }
                        }
                    }
                }
            };
            read.table.forms.form.push(form);
            read.table.tokens.push(tokens);
        }
        let first_paragraph = *read.table.forms.first.last().expect("a first entry");
        for short in &facts.shorts {
            read.table.shorts.push(ShortPrint {
                key: short.key,
                at: Occurrence::new(d, short.paragraph),
            });
            if let (Some(located), Some(text)) = (&mut read.located, &short.text)
                && located.short_keys.insert(short.key)
            {
                located
                    .short_texts
                    .insert(first_paragraph + u64::from(short.paragraph), text.clone());
            }
        }
        read.table
            .forms
            .first
            .push(read.table.forms.form.len() as u64);
    }
    read.table.forms.store.push_all(&new_shingles)?;
    let fresh_signatures: Vec<&[u32]> = fresh_signatures.chunks_exact(per_signature).collect();
    read.table.signatures.push_all(&fresh_signatures)?;
    read.bands.push_all(&new_band_keys)?;
    if let Some(texts) = &mut read.texts {
        texts.push_all(&document_texts)?;
    }
    if let Some(located) = &mut read.located {
        if let Some(texts) = &mut located.texts {
            texts.push_all(&new_texts)?;
        }
        located.places.push_all(&places)?;
    }
    debug_assert_eq!(
        read.bands.items(),
        read.table.forms.store.len(),
        "band items are forms"
    );
    Ok(new_forms)
}

fn find_passages(
    config: &ScanConfig,
    table: &ParagraphTable,
    shorts: Vec<ShortPrint>,
    bands: BandFiles,
    temp_dir: Option<&Path>,
) -> Result<Passages, Error> {
    let eligible = |i: usize| {
        table.forms.form[i] != NO_FORM && !is_short(table.tokens[i], config.min_passage_tokens)
    };
    // Forms are numbered again by their first eligible paragraph, so a
    // cluster's representative is its first occurrence in input order.
    let mut renumbered = vec![NO_FORM; table.forms.store.len()];
    let mut stored_form: Vec<u32> = Vec::new();
    let mut items_per_form: Vec<u32> = Vec::new();
    let mut items = 0u64;
    for i in (0..table.forms.form.len()).filter(|&i| eligible(i)) {
        let form = table.forms.form[i] as usize;
        if renumbered[form] == NO_FORM {
            renumbered[form] = stored_form.len() as u32;
            stored_form.push(form as u32);
            items_per_form.push(0);
        }
        items_per_form[renumbered[form] as usize] += 1;
        items += 1;
    }
    let candidates = bands
        .candidate_pairs(&|form| Some(renumbered[form as usize]).filter(|&f| f != NO_FORM))
        .map_err(spill_error(temp_dir))?;
    let form_sets = PassageSets {
        store: &table.forms.store,
        stored_form: &stored_form,
    };
    let joined = cluster_forms(
        stored_form.len(),
        &candidates,
        &form_sets,
        config.passage_threshold,
    )
    .map_err(spill_error(temp_dir))?;
    // A form that joined no other is identical to itself (Jaccard 1
    // whatever its size): its set is not read back from disk for that.
    let lone = |form: u32| {
        let len = table.forms.store.pushed_len(stored_form[form as usize]);
        Ok::<_, std::convert::Infallible>(vec![(form, Overlap::identical(len))])
    };
    let Ok(membership) = Membership::new(&joined, &items_per_form, lone);
    let mut members: Vec<Vec<Member>> = vec![Vec::new(); membership.clusters];
    let mut occurrences: Vec<Vec<Occurrence>> = vec![Vec::new(); membership.clusters];
    let mut item = 0u32;
    for d in 0..table.document_count() {
        for p in 0..table.paragraph_count(d) {
            let i = table.index(d, p);
            if !eligible(i) {
                continue;
            }
            if let Some((cluster, overlap)) =
                membership.of(renumbered[table.forms.form[i] as usize])
            {
                members[cluster].push(Member { item, overlap });
                occurrences[cluster].push(Occurrence::new(d as u32, p as u32));
            }
            item += 1;
        }
    }
    let (clusters, occurrences) = in_representative_order(members, occurrences);
    let stats = ClusterStats {
        items,
        distinct_forms: stored_form.len() as u64,
        candidate_pairs: candidates.len() as u64,
        verified_pairs: joined.verified_pairs,
        contained_pairs: 0,
    };
    let mut passages = judge_passages(clusters, occurrences, table, config, stats)
        .map_err(spill_error(temp_dir))?;
    passages.add_end_markers(shorts, table, config);
    Ok(passages)
}

/// The sets of passage forms (numbered by first eligible paragraph),
/// read from the store by their stored numbers.
struct PassageSets<'a> {
    store: &'a ShingleStore,
    /// Per passage form, its number in the store.
    stored_form: &'a [u32],
}

impl FormSets<'static> for PassageSets<'_> {
    type Error = io::Error;

    fn set(&self, form: u32) -> io::Result<Cow<'static, ShingleSet>> {
        Ok(Cow::Owned(self.store.get(self.stored_form[form as usize])?))
    }

    fn will_need(&self, forms: &[u32]) {
        let mut stored: Vec<u32> = forms
            .iter()
            .map(|&form| self.stored_form[form as usize])
            .collect();
        stored.sort_unstable();
        self.store.will_need(&stored);
    }
}

/// The sets of document forms: each the union of the kept paragraphs'
/// sets of the first document with the form.
struct DocumentFormSets<'a> {
    sets: &'a DocumentSets,
    paragraphs: &'a ParagraphForms,
    /// Per document, its excluded paragraphs (ascending).
    excluded: &'a [Vec<u32>],
}

impl FormSets<'static> for DocumentFormSets<'_> {
    type Error = io::Error;

    fn set(&self, form: u32) -> io::Result<Cow<'static, ShingleSet>> {
        let d = self.sets.first_document[form as usize] as usize;
        Ok(Cow::Owned(
            self.paragraphs.kept_union(d, &self.excluded[d])?,
        ))
    }

    fn will_need(&self, forms: &[u32]) {
        let mut paragraph_forms = Vec::new();
        for &form in forms {
            let d = self.sets.first_document[form as usize] as usize;
            self.paragraphs
                .append_kept_forms(d, &self.excluded[d], &mut paragraph_forms);
        }
        paragraph_forms.sort_unstable();
        paragraph_forms.dedup();
        self.paragraphs.store.will_need(&paragraph_forms);
    }
}

/// Which cluster each form ended in: the joined clusters first, then each
/// form of several items that joined no other.
struct Membership {
    cluster_of: Vec<u32>,
    overlaps: HashMap<u32, Overlap>,
    clusters: usize,
    /// Per cluster, its representative form.
    representatives: Vec<u32>,
}

impl Membership {
    fn new<E: Send>(
        joined: &crate::cluster::JoinedForms,
        items_per_form: &[u32],
        lone: impl Fn(u32) -> Result<Vec<(u32, Overlap)>, E> + Sync,
    ) -> Result<Self, E> {
        let mut membership = Membership {
            cluster_of: vec![NO_FORM; items_per_form.len()],
            overlaps: HashMap::new(),
            clusters: 0,
            representatives: Vec::new(),
        };
        let lone_forms: Vec<Vec<(u32, Overlap)>> = (0..items_per_form.len() as u32)
            .into_par_iter()
            .filter(|&f| !joined.in_group[f as usize] && items_per_form[f as usize] > 1)
            .map(&lone)
            .collect::<Result<_, E>>()?;
        for form_cluster in joined.clusters.iter().cloned().chain(lone_forms) {
            membership.representatives.push(form_cluster[0].0);
            for (form, overlap) in form_cluster {
                membership.cluster_of[form as usize] = membership.clusters as u32;
                membership.overlaps.insert(form, overlap);
            }
            membership.clusters += 1;
        }
        Ok(membership)
    }

    fn of(&self, form: u32) -> Option<(usize, Overlap)> {
        match self.cluster_of.get(form as usize) {
            Some(&cluster) if cluster != NO_FORM => Some((cluster as usize, self.overlaps[&form])),
            _ => None,
        }
    }
}

/// Clusters of two or more members, ordered by representative (their
/// first member), with their occurrences alongside.
fn in_representative_order<T>(
    members: Vec<Vec<Member>>,
    alongside: Vec<Vec<T>>,
) -> (Vec<Cluster>, Vec<Vec<T>>) {
    let mut kept: Vec<(Cluster, Vec<T>)> = members
        .into_iter()
        .zip(alongside)
        .filter(|(members, _)| members.len() > 1)
        .map(|(members, other)| (Cluster { members }, other))
        .collect();
    kept.sort_by_key(|(cluster, _)| cluster.representative());
    kept.into_iter().unzip()
}

/// Pass two's result: each document's form (documents with the same kept
/// paragraph forms share one) and, per form, the first document with it,
/// whose kept paragraphs give the form's set when it is needed.
struct DocumentSets {
    forms: Vec<u32>,
    docs_per_form: Vec<u32>,
    first_document: Vec<u32>,
}

/// Pass two's reader of the signatures pass one stored per document (of
/// the forms first met in each), and of which forms are new where.
struct FreshSignatures<'s> {
    in_order: store::SignaturesInOrder<'s>,
    /// Forms met in the documents before the next one: forms are numbered
    /// in order of first appearance, so the next document's new forms are
    /// those from this number on.
    forms_seen: u32,
}

/// How pass two signs one document.
struct SigningPlan {
    /// Where its kept forms (ascending, distinct) lie in their chunk's
    /// [`SigningChunk::kept`].
    kept: Range<usize>,
    /// How many of its kept forms, from the first, are hashed again from
    /// their shingles. When fewer than all, the rest are the document's
    /// own new forms, all of them, whose signature pass one stored.
    hashed: usize,
}

/// The plan for the document whose paragraphs have `forms`, `excluded`
/// or not, after documents that met `forms_seen` forms (counted on);
/// appends its kept forms to `kept`.
fn signing_plan(
    forms_seen: &mut u32,
    forms: &[u32],
    excluded: &[bool],
    kept: &mut Vec<u32>,
) -> SigningPlan {
    let first_new = *forms_seen;
    let mut own = Vec::with_capacity(forms.len());
    for (&form, &excluded) in forms.iter().zip(excluded) {
        if form == NO_FORM {
            continue;
        }
        *forms_seen = (*forms_seen).max(form + 1);
        if !excluded {
            own.push(form);
        }
    }
    own.sort_unstable();
    own.dedup();
    let start = kept.len();
    kept.extend_from_slice(&own);
    let own = &kept[start..];
    let earlier = own.partition_point(|&form| form < first_new);
    let every_new_form_kept = (own.len() - earlier) as u32 == *forms_seen - first_new;
    SigningPlan {
        kept: start..kept.len(),
        hashed: if every_new_form_kept {
            earlier
        } else {
            own.len()
        },
    }
}

/// A chunk of documents as pass two's reader hands it on.
struct SigningChunk {
    documents: Range<usize>,
    /// The packed signature pass one stored for each document.
    fresh: Vec<u32>,
    /// The documents' kept forms, one document after another.
    kept: Vec<u32>,
    plans: Vec<SigningPlan>,
}

/// A document as pass two builds it: the key of its kept paragraphs' forms
/// and its band keys.
type BuiltDocument = (u64, Vec<u64>);

fn document_sets(
    config: &ScanConfig,
    table: &ParagraphTable,
    excluded: &[bool],
    temp_dir: Option<&Path>,
    on_documents: &(dyn Fn(u64) + Sync),
) -> Result<(DocumentSets, BandFiles), Error> {
    let spill = spill_error(temp_dir);
    let mut sets = DocumentSets {
        forms: Vec::with_capacity(table.document_count()),
        docs_per_form: Vec::new(),
        first_document: Vec::new(),
    };
    let mut band_files = BandFiles::new_in(temp_dir, config.document_bands()).map_err(&spill)?;
    let bands = config.document_bands();
    let num_perm = config.fingerprint.num_perm;
    // Pass one's hasher, so a form hashed again has the codes it had there.
    let fingerprinter = Fingerprinter::new(&config.fingerprint);
    let hasher = fingerprinter.hasher();
    let mut signer = FreshSignatures {
        in_order: table.signatures.in_order().map_err(&spill)?,
        forms_seen: 0,
    };
    let mut forms = FormMap::default();
    let documents = table.document_count();
    // Pass one stored, per document, the signature of the forms first met
    // in it (forms are numbered in order of first appearance): read in
    // order, a chunk at a time. A document whose own new forms are all
    // kept is signed with that and the signature of its kept forms met
    // earlier, hashed again from their stored shingles; one that lost a
    // new form to boilerplate (a signature cannot be un-mixed) is signed
    // from all its kept forms' shingles. The shingles are read at random
    // places in a store that may be larger than memory: asked for all at
    // once first, they are read with many requests in flight. Both are
    // done for the next chunk on a thread of its own while this chunk's
    // documents are built.
    let read_chunk = |start: usize, signer: &mut FreshSignatures<'_>| {
        let chunk = start..documents.min(start + DOCUMENTS_PER_CHUNK);
        let mut fresh = Vec::new();
        signer
            .in_order
            .next_signatures(chunk.len() as u32, &mut fresh)?;
        let mut plans = Vec::with_capacity(chunk.len());
        let mut kept = Vec::new();
        let mut to_read = Vec::new();
        for d in chunk.clone() {
            let paragraphs = table.forms.first[d] as usize..table.forms.first[d + 1] as usize;
            let plan = signing_plan(
                &mut signer.forms_seen,
                &table.forms.form[paragraphs.clone()],
                &excluded[paragraphs],
                &mut kept,
            );
            to_read.extend_from_slice(&kept[plan.kept.start..plan.kept.start + plan.hashed]);
            plans.push(plan);
        }
        to_read.sort_unstable();
        to_read.dedup();
        table.forms.store.will_need(&to_read);
        io::Result::Ok(SigningChunk {
            documents: chunk,
            fresh,
            kept,
            plans,
        })
    };
    let mut next = match documents {
        0 => None,
        _ => Some(read_chunk(0, &mut signer).map_err(&spill)?),
    };
    while let Some(chunk) = next.take() {
        let (built, following) = std::thread::scope(|scope| {
            let following = (chunk.documents.end < documents)
                .then(|| scope.spawn(|| read_chunk(chunk.documents.end, &mut signer)));
            // A document's set is the union of its kept paragraphs' sets:
            // it is keyed by their forms and its signature is the slot-wise
            // minimum of theirs; the set itself is only built when
            // clustering compares it.
            let packed = packed_len(num_perm);
            let built: std::io::Result<Vec<Option<BuiltDocument>>> = chunk
                .plans
                .par_iter()
                .enumerate()
                .map(|(i, plan)| -> std::io::Result<_> {
                    let kept_forms = &chunk.kept[plan.kept.clone()];
                    if kept_forms.is_empty() {
                        return Ok(None);
                    }
                    let mut codes = vec![u16::MAX; 2 * packed];
                    if plan.hashed < kept_forms.len() {
                        lower_codes(&mut codes, &chunk.fresh[i * packed..(i + 1) * packed]);
                    }
                    if plan.hashed > 0 {
                        let mut shingles = Vec::new();
                        for (first, end) in store::runs(&kept_forms[..plan.hashed]) {
                            table.forms.store.append_run(first, end, &mut shingles)?;
                        }
                        let mut slots = vec![u32::MAX; num_perm];
                        hasher.lower_slots(&shingles, &mut slots);
                        let mut signed = Vec::with_capacity(packed);
                        pack_codes(&slots, &mut signed);
                        lower_codes(&mut codes, &signed);
                    }
                    // Every slot has a code of a kept form's (at most 45,055).
                    let slots: Vec<u32> = codes[..num_perm].iter().map(|&c| u32::from(c)).collect();
                    let mut band_keys = Vec::with_capacity(bands.bands);
                    bands.append_band_keys(&slots, &mut band_keys);
                    Ok(Some((form_key(kept_forms), band_keys)))
                })
                .collect::<std::io::Result<_>>();
            let following = following.map(|thread| thread.join().expect("chunk reader panicked"));
            (built, following)
        });
        let chunk = chunk.documents;
        let built = built.map_err(&spill)?;
        next = following.transpose().map_err(&spill)?;
        on_documents(built.len() as u64);
        let mut new_band_keys: Vec<&[u64]> = Vec::new();
        for (d, document) in chunk.zip(&built) {
            let Some((key, band_keys)) = document else {
                sets.forms.push(NO_FORM);
                continue;
            };
            let form = match forms.entry(*key) {
                Entry::Occupied(form) => *form.get(),
                Entry::Vacant(slot) => {
                    let form = sets.first_document.len() as u32;
                    new_band_keys.push(band_keys);
                    sets.first_document.push(d as u32);
                    sets.docs_per_form.push(0);
                    *slot.insert(form)
                }
            };
            sets.docs_per_form[form as usize] += 1;
            sets.forms.push(form);
        }
        band_files.push_all(&new_band_keys).map_err(&spill)?;
        debug_assert_eq!(
            band_files.items(),
            sets.first_document.len(),
            "band items are document forms"
        );
    }
    Ok((sets, band_files))
}

fn find_documents(
    config: &ScanConfig,
    sets: &DocumentSets,
    paragraphs: &ParagraphForms,
    excluded: &[Vec<u32>],
    passages: &Passages,
    bands: BandFiles,
    temp_dir: Option<&Path>,
) -> Result<(Vec<Cluster>, ClusterStats), Error> {
    let spill = spill_error(temp_dir);
    let candidates = bands.candidate_pairs(&Some).map_err(&spill)?;
    let form_sets = DocumentFormSets {
        sets,
        paragraphs,
        excluded,
    };
    let form_count = sets.first_document.len();
    let joined =
        cluster_forms(form_count, &candidates, &form_sets, config.threshold).map_err(&spill)?;
    let joined = match config.containment {
        Some(_) => {
            // Documents sharing a passage that is not left out of their
            // fingerprints are the candidates of shortened and extended
            // reprints.
            let sharing = passages.sharing_documents().map(|documents| {
                documents
                    .into_iter()
                    .map(|d| sets.forms[d as usize])
                    .filter(|&form| form != NO_FORM)
                    .collect()
            });
            let rule = config.document_rule();
            let candidates = containment::candidate_pairs(sharing);
            containment::join_by_containment(joined, &candidates, &form_sets, &rule)
                .map_err(&spill)?
        }
        None => joined,
    };
    let lone = |form: u32| -> std::io::Result<_> {
        Ok(vec![(form, Overlap::identical(form_sets.set(form)?.len()))])
    };
    let membership = Membership::new(&joined, &sets.docs_per_form, lone).map_err(&spill)?;
    let mut members: Vec<Vec<Member>> = vec![Vec::new(); membership.clusters];
    for (d, &form) in sets.forms.iter().enumerate() {
        if let Some((cluster, overlap)) = membership.of(form) {
            members[cluster].push(Member {
                item: d as u32,
                overlap,
            });
        }
    }
    // A cluster split around its fullest form (joined by containment) has
    // its representative first, before members earlier in input order.
    for (cluster, &representative) in members.iter_mut().zip(&membership.representatives) {
        if let Some(at) = cluster
            .iter()
            .position(|m| sets.forms[m.item as usize] == representative)
        {
            cluster[..=at].rotate_right(1);
        }
    }
    let alongside = vec![Vec::<()>::new(); members.len()];
    let (clusters, _) = in_representative_order(members, alongside);
    let stats = ClusterStats {
        items: sets.forms.iter().filter(|&&f| f != NO_FORM).count() as u64,
        distinct_forms: form_count as u64,
        candidate_pairs: candidates.len() as u64,
        verified_pairs: joined.verified_pairs,
        contained_pairs: joined.contained_pairs,
    };
    Ok((clusters, stats))
}

fn spill_error(temp_dir: Option<&Path>) -> impl Fn(io::Error) -> Error {
    let dir: PathBuf = temp_dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
    move |source| Error::Spill {
        dir: dir.clone(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_signed_again_only_where_its_stored_signature_cannot_serve() {
        let (mut forms_seen, mut kept) = (0, Vec::new());
        // New forms 0, 1 (1 twice), none left out: the stored signature.
        let plan = signing_plan(&mut forms_seen, &[0, 1, 1], &[false; 3], &mut kept);
        assert_eq!((plan.kept, plan.hashed, forms_seen), (0..2, 0, 2));
        // Earlier form 1 and new forms 2, 3: form 1 is hashed again.
        let plan = signing_plan(&mut forms_seen, &[3, 1, NO_FORM, 2], &[false; 4], &mut kept);
        assert_eq!((plan.kept, plan.hashed, forms_seen), (2..5, 1, 4));
        // New form 4 left out where it occurs once, but kept where it occurs
        // again: every new form is still kept.
        let plan = signing_plan(
            &mut forms_seen,
            &[4, 0, 4],
            &[true, false, false],
            &mut kept,
        );
        assert_eq!((plan.kept, plan.hashed, forms_seen), (5..7, 1, 5));
        // New form 6 left out: every kept form is hashed again.
        let plan = signing_plan(
            &mut forms_seen,
            &[5, 2, 6],
            &[false, false, true],
            &mut kept,
        );
        assert_eq!((plan.kept, plan.hashed, forms_seen), (7..9, 2, 7));
        assert_eq!(kept, [0, 1, 1, 2, 3, 0, 4, 2, 5]);
    }
}
