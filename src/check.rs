//! Checking new documents against an archive index: near-duplicates,
//! containment either way (a shortened reprint, or a block lifted from an
//! archived story), passages repeated inside the document, and known
//! boilerplate. Every match is explained by its aligned passages, with
//! paragraph ranges and lines on both sides and each pair's similarity.
//!
//! Known boilerplate is a passage whose exact form the index holds in at
//! least `min_docs` documents and that sits in the document's closing run
//! (its longest suffix of such passages and short paragraphs). Documents
//! are first compared without it, so a shared footer alone makes no match;
//! when what remains already resembles each other (at least half similar,
//! or half contained), the whole texts are compared, so a story the archive
//! holds in several reprints, whose paragraphs all look frequent, is still
//! a near-duplicate of its next reprint.

use serde::Serialize;

use crate::boilerplate::{is_closing_material, is_short};
use crate::error::Error;
use crate::fingerprint::DocumentPrint;
use crate::index::{Index, MARKER_TOKENS_KEPT, StoredDocument, StoredParagraph};
use crate::shingle::Overlap;
use crate::shingle::form_key;
use crate::text::marker_key;

/// What is looked for and how strictly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckSettings {
    /// Document Jaccard for a near-duplicate.
    pub threshold: f64,
    /// Share of one document found in the other for containment.
    pub containment: f64,
    /// Paragraph Jaccard for an aligned passage.
    pub passage_threshold: f64,
    /// Consecutive aligned paragraphs that make a copied block.
    pub min_block_paragraphs: usize,
    /// Index documents that make a passage boilerplate.
    pub min_docs: usize,
    /// Shorter paragraphs are not matched.
    pub min_passage_tokens: usize,
    /// Archived documents examined per submission, most promising first.
    pub max_candidates: usize,
}

/// The kinds of finding, from most to least serious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// Jaccard at or above the threshold with an archived document.
    NearDuplicate,
    /// Most of one document is inside the other, or a block was copied.
    Containment,
    /// A passage printed more than once in the submission.
    Repeated,
    /// A passage the archive knows as boilerplate.
    Boilerplate,
}

impl FindingKind {
    /// The kebab-case name used by `--fail-on` and rule ids.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::NearDuplicate => "near-duplicate",
            FindingKind::Containment => "containment",
            FindingKind::Repeated => "repeated",
            FindingKind::Boilerplate => "boilerplate",
        }
    }
}

/// A paragraph range and its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    /// First and last 0-based paragraph.
    pub paragraphs: [u32; 2],
    /// First line of the first and of the last paragraph (1-based).
    pub lines: [u32; 2],
}

/// One aligned paragraph pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlignedPair {
    /// Paragraph in the submission.
    pub submission_paragraph: u32,
    /// Its line.
    pub submission_line: u32,
    /// Paragraph in the archived document.
    pub archived_paragraph: u32,
    /// Its line.
    pub archived_line: u32,
    /// Exact shingle Jaccard of the two.
    pub similarity: f64,
}

/// A run of consecutive aligned paragraphs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alignment {
    /// The submission's side.
    pub submission: Span,
    /// The archived side.
    pub archived: Span,
    /// Each pair.
    pub pairs: Vec<AlignedPair>,
}

/// The archived document of a match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchivedRef {
    /// Its name.
    pub doc: String,
    /// Its file.
    pub source: String,
    /// Its JSONL line, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_line: Option<u64>,
}

/// Containment both ways.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Containment {
    /// Share of the submission's shingles found in the archived document.
    pub submission_in_archived: f64,
    /// Share of the archived document's shingles found in the submission.
    pub archived_in_submission: f64,
}

/// One finding about a submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// What was found.
    pub kind: FindingKind,
    /// First line in the submission it concerns.
    pub line: u32,
    /// Last line (first line of the last paragraph concerned).
    pub end_line: u32,
    /// One-line explanation.
    pub message: String,
    /// The archived document, for matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived: Option<ArchivedRef>,
    /// Document Jaccard, for matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f64>,
    /// Containment, for matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub containment: Option<Containment>,
    /// Aligned passages, for matches and repeats.
    pub aligned: Vec<Alignment>,
    /// Documents of the index holding the passage, for boilerplate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived_documents: Option<u64>,
}

impl Finding {
    /// A finding about one paragraph of the submission alone.
    fn in_submission(kind: FindingKind, line: u32, message: String) -> Self {
        Finding {
            kind,
            line,
            end_line: line,
            message,
            archived: None,
            similarity: None,
            containment: None,
            aligned: Vec::new(),
            archived_documents: None,
        }
    }
}

/// A passage printed again later in the same submission.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Repeat {
    /// Its first print (0-based paragraph).
    pub first: u32,
    /// The later print.
    pub later: u32,
    /// Exact shingle Jaccard of the two.
    pub similarity: f64,
}

/// A submission's paragraphs as the checker sees them.
struct Side {
    lines: Vec<u32>,
    tokens: Vec<u32>,
    shingles: Vec<Vec<u32>>,
    /// Left out of document comparison (closing boilerplate).
    excluded: Vec<bool>,
    /// The submission (not an archived document).
    is_submission: bool,
}

impl Side {
    fn of_submission(
        print: &DocumentPrint,
        index: &Index,
        settings: &CheckSettings,
    ) -> Result<(Side, Vec<u64>), Error> {
        let mut counts = Vec::new();
        for paragraph in &print.paragraphs {
            let count = if paragraph.shingles.is_empty() {
                0
            } else {
                index.form_documents(form_key(paragraph.shingles.hashes()))?
            };
            counts.push(count);
        }
        let tokens: Vec<u32> = print.paragraphs.iter().map(|p| p.tokens).collect();
        let side = Side {
            lines: print.paragraphs.iter().map(|p| p.span.first_line).collect(),
            shingles: print
                .paragraphs
                .iter()
                .map(|p| p.shingles.hashes().to_vec())
                .collect(),
            excluded: closing_boilerplate(&tokens, &counts, settings),
            tokens,
            is_submission: true,
        };
        Ok((side, counts))
    }

    fn of_archived(
        paragraphs: &[StoredParagraph],
        index: &Index,
        settings: &CheckSettings,
    ) -> Result<Side, Error> {
        // Stored paragraphs skip empty ones; lay them out by index.
        let len = paragraphs.last().map_or(0, |p| p.index as usize + 1);
        let mut side = Side {
            lines: vec![0; len],
            tokens: vec![0; len],
            shingles: vec![Vec::new(); len],
            excluded: vec![],
            is_submission: false,
        };
        let mut counts = vec![0u64; len];
        for p in paragraphs {
            let i = p.index as usize;
            side.lines[i] = p.line;
            side.tokens[i] = p.tokens;
            side.shingles[i] = p.shingles.clone();
            counts[i] = index.form_documents(p.form)?;
        }
        side.excluded = closing_boilerplate(&side.tokens, &counts, settings);
        Ok(side)
    }

    fn len(&self) -> usize {
        self.lines.len()
    }

    /// Long enough to align, and (on the submission's side) not closing
    /// boilerplate, which is reported apart. Archived paragraphs that look
    /// frequent may be a reprinted story's, so they stay alignable.
    fn matchable(&self, p: usize, settings: &CheckSettings) -> bool {
        let closing_boilerplate = self.is_submission && self.excluded[p];
        let short = is_short(self.tokens[p], settings.min_passage_tokens);
        !(short || self.shingles[p].is_empty() || closing_boilerplate)
    }

    /// The union of the paragraphs' shingles: without the closing
    /// boilerplate (`body`), or of every paragraph.
    fn document_set(&self, body: bool) -> Vec<u32> {
        let mut all: Vec<u32> = (0..self.len())
            .filter(|&p| !(body && self.excluded[p]))
            .flat_map(|p| self.shingles[p].iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// Where the closing run starts: the longest suffix of short paragraphs
/// and paragraphs of a form `min_docs` archived documents hold.
fn closing_run_start(tokens: &[u32], form_counts: &[u64], settings: &CheckSettings) -> usize {
    let mut start = tokens.len();
    while start > 0 {
        let p = start - 1;
        if !is_closing_material(
            tokens[p],
            form_counts[p],
            settings.min_docs,
            settings.min_passage_tokens,
        ) {
            break;
        }
        start = p;
    }
    start
}

/// The frequent passages of the closing run (short paragraphs are judged
/// as end markers instead, and stay in the document's set on both sides);
/// nothing when they would cover every matchable paragraph.
fn closing_boilerplate(tokens: &[u32], form_counts: &[u64], settings: &CheckSettings) -> Vec<bool> {
    let mut excluded = vec![false; tokens.len()];
    let start = closing_run_start(tokens, form_counts, settings);
    let frequent = |p: usize| {
        !is_short(tokens[p], settings.min_passage_tokens)
            && form_counts[p] >= settings.min_docs as u64
    };
    let frequent_in_run = (start..tokens.len()).filter(|&p| frequent(p)).count();
    let matchable = tokens
        .iter()
        .filter(|&&t| !is_short(t, settings.min_passage_tokens))
        .count();
    if frequent_in_run > 0 && frequent_in_run < matchable {
        for (p, flag) in excluded.iter_mut().enumerate().skip(start) {
            *flag = frequent(p);
        }
    }
    excluded
}

fn round(value: f64) -> f64 {
    crate::report::round_similarity(value)
}

/// Aligns paragraphs: each submission paragraph with its most similar
/// archived paragraph (at least the passage threshold), then consecutive
/// pairs into runs.
fn align(submission: &Side, archived: &Side, settings: &CheckSettings) -> Vec<Alignment> {
    let mut pairs: Vec<AlignedPair> = Vec::new();
    for i in 0..submission.len() {
        if !submission.matchable(i, settings) {
            continue;
        }
        let best = (0..archived.len())
            .filter(|&j| archived.matchable(j, settings))
            .map(|j| {
                (
                    j,
                    Overlap::of_sorted(&submission.shingles[i], &archived.shingles[j]).jaccard(),
                )
            })
            .filter(|&(_, s)| s + 1e-9 >= settings.passage_threshold)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        if let Some((j, similarity)) = best {
            pairs.push(AlignedPair {
                submission_paragraph: i as u32,
                submission_line: submission.lines[i],
                archived_paragraph: j as u32,
                archived_line: archived.lines[j],
                similarity: round(similarity),
            });
        }
    }
    let mut runs: Vec<Vec<AlignedPair>> = Vec::new();
    for pair in pairs {
        let continues = runs.last().and_then(|run| run.last()).is_some_and(|last| {
            next_matchable(submission, last.submission_paragraph as usize, settings)
                == Some(pair.submission_paragraph as usize)
                && next_matchable(archived, last.archived_paragraph as usize, settings)
                    == Some(pair.archived_paragraph as usize)
        });
        match runs.last_mut() {
            Some(run) if continues => run.push(pair),
            _ => runs.push(vec![pair]),
        }
    }
    runs.into_iter()
        .map(|pairs| {
            let (first, last) = (&pairs[0], &pairs[pairs.len() - 1]);
            Alignment {
                submission: Span {
                    paragraphs: [first.submission_paragraph, last.submission_paragraph],
                    lines: [first.submission_line, last.submission_line],
                },
                archived: Span {
                    paragraphs: [first.archived_paragraph, last.archived_paragraph],
                    lines: [first.archived_line, last.archived_line],
                },
                pairs,
            }
        })
        .collect()
}

/// `line 9` or `lines 3-5`.
fn lines(span: &Span) -> String {
    if span.lines[0] == span.lines[1] {
        format!("line {}", span.lines[0])
    } else {
        format!("lines {}-{}", span.lines[0], span.lines[1])
    }
}

/// The next paragraph after `p` that is long enough to match (short ones,
/// such as a dateline, do not break a run).
fn next_matchable(side: &Side, p: usize, settings: &CheckSettings) -> Option<usize> {
    (p + 1..side.len()).find(|&q| side.matchable(q, settings))
}

/// An archived document that resembles the submission.
struct Match {
    kind: FindingKind,
    similarity: f64,
    containment: Containment,
    aligned: Vec<Alignment>,
    stored: StoredDocument,
}

/// Archived documents found alike, and the paragraph forms of each of them
/// and of the submission's own archived copy: the documents that do not
/// vouch for the submission's paragraphs as boilerplate.
struct Matches {
    found: Vec<Match>,
    reprint_forms: Vec<Vec<u64>>,
}

/// Checks one submission (`text`, fingerprinted as `print`) against the
/// index. `archive_id` is what the index would call it (its own archived
/// copy is not a match); `repeats` are its own repeated passages.
///
/// A story the archive holds in several reprints has paragraphs held by
/// `min_docs` documents: those reprints, which this submission matches, do
/// not make its paragraphs boilerplate. So the closing run is decided again
/// with the matched documents left out of the counts, and the matches found
/// again when it changed.
pub fn check_document(
    archive_id: &str,
    text: &str,
    print: &DocumentPrint,
    repeats: &[Repeat],
    index: &Index,
    settings: &CheckSettings,
    num_perm: usize,
) -> Result<Vec<Finding>, Error> {
    let (mut submission, counts) = Side::of_submission(print, index, settings)?;
    let mut matches = find_matches(&submission, print, archive_id, index, settings, num_perm)?;
    let forms: Vec<Option<u64>> = print
        .paragraphs
        .iter()
        .map(|p| (!p.shingles.is_empty()).then(|| form_key(p.shingles.hashes())))
        .collect();
    let outside_reprints: Vec<u64> = counts
        .iter()
        .zip(&forms)
        .map(|(&count, form)| {
            let held_by_reprints = form.map_or(0, |form| {
                matches
                    .reprint_forms
                    .iter()
                    .filter(|held| held.binary_search(&form).is_ok())
                    .count() as u64
            });
            count.saturating_sub(held_by_reprints)
        })
        .collect();
    let excluded = closing_boilerplate(&submission.tokens, &outside_reprints, settings);
    if excluded != submission.excluded {
        submission.excluded = excluded;
        matches = find_matches(&submission, print, archive_id, index, settings, num_perm)?;
    }
    let markers = end_markers(text, print, &submission, &counts, index, settings)?;
    Ok(findings(
        matches.found,
        repeats,
        &submission,
        &Known { counts, markers },
        settings,
    ))
}

/// What the index knows of each paragraph of a submission.
struct Known {
    /// Archived documents holding the paragraph's form.
    counts: Vec<u64>,
    /// Archived documents holding the paragraph's short text, when it is a
    /// known end marker and lies in the submission's closing run.
    markers: Vec<Option<u64>>,
}

/// For each short paragraph of the submission's closing run, the archived
/// documents holding its text when the index knows it as an end marker
/// ([`Index::end_marker`]): `Reuter`, `（完）`, `###`.
fn end_markers(
    text: &str,
    print: &DocumentPrint,
    submission: &Side,
    counts: &[u64],
    index: &Index,
    settings: &CheckSettings,
) -> Result<Vec<Option<u64>>, Error> {
    let mut markers = vec![None; print.paragraphs.len()];
    let start = closing_run_start(&submission.tokens, counts, settings);
    for (p, paragraph) in print.paragraphs.iter().enumerate().skip(start) {
        if !is_short(paragraph.tokens, settings.min_passage_tokens)
            || paragraph.tokens >= MARKER_TOKENS_KEPT
        {
            continue;
        }
        if let Some(key) = marker_key(&text[paragraph.span.start_byte..paragraph.span.end_byte]) {
            markers[p] = index.end_marker(key, settings.min_docs, settings.min_passage_tokens)?;
        }
    }
    Ok(markers)
}

/// The findings of a submission: its matches, most serious first, then
/// its repeated passages, then its closing boilerplate (`counts`: the
/// index documents holding each paragraph's form).
fn findings(
    mut matches: Vec<Match>,
    repeats: &[Repeat],
    submission: &Side,
    known: &Known,
    settings: &CheckSettings,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    matches.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(b.similarity.total_cmp(&a.similarity))
            .then(a.stored.key.cmp(&b.stored.key))
    });
    for Match {
        kind,
        similarity,
        containment,
        aligned,
        stored,
    } in matches
    {
        let (line, end_line) = aligned
            .first()
            .map(|a| {
                (
                    a.submission.lines[0],
                    aligned
                        .last()
                        .map_or(a.submission.lines[1], |l| l.submission.lines[1]),
                )
            })
            .unwrap_or((1, 1));
        let shared: Vec<String> = aligned
            .iter()
            .map(|a| {
                format!(
                    "{} ~ {} {}",
                    lines(&a.submission),
                    stored.name,
                    lines(&a.archived)
                )
            })
            .collect();
        let what = match kind {
            FindingKind::NearDuplicate => format!(
                "near-duplicate of archived {} (similarity {:.2})",
                stored.name, similarity
            ),
            _ if containment.submission_in_archived >= settings.containment => format!(
                "contained in archived {} ({:.0}% of this text is there)",
                stored.name,
                100.0 * containment.submission_in_archived
            ),
            _ if containment.archived_in_submission >= settings.containment => format!(
                "contains archived {} ({:.0}% of it is here)",
                stored.name,
                100.0 * containment.archived_in_submission
            ),
            _ => format!("copies a block of archived {}", stored.name),
        };
        let message = if shared.is_empty() {
            what
        } else {
            format!("{what}; shared passages: {}", shared.join(", "))
        };
        findings.push(Finding {
            kind,
            line,
            end_line,
            message,
            archived: Some(ArchivedRef {
                doc: stored.name,
                source: stored.source,
                source_line: stored.source_line,
            }),
            similarity: Some(round(similarity)),
            containment: Some(containment),
            aligned,
            archived_documents: None,
        });
    }

    for &Repeat {
        first,
        later,
        similarity,
    } in repeats
    {
        let (first, later) = (first as usize, later as usize);
        findings.push(Finding {
            similarity: Some(round(similarity)),
            ..Finding::in_submission(
                FindingKind::Repeated,
                submission.lines[later],
                format!(
                    "passage repeated from line {} (similarity {similarity:.2})",
                    submission.lines[first]
                ),
            )
        });
    }
    for (p, &excluded) in submission.excluded.iter().enumerate() {
        let count = known.counts[p];
        let (documents, what) = match known.markers[p] {
            Some(documents) => (documents, "closing end marker"),
            None if excluded && count >= settings.min_docs as u64 => (count, "closing boilerplate"),
            None => continue,
        };
        findings.push(Finding {
            archived_documents: Some(documents),
            ..Finding::in_submission(
                FindingKind::Boilerplate,
                submission.lines[p],
                format!("{what} known from {documents} archived documents"),
            )
        });
    }
    findings
}

/// The archived documents alike enough to report, most paragraph hits
/// examined first.
fn find_matches(
    submission: &Side,
    print: &DocumentPrint,
    archive_id: &str,
    index: &Index,
    settings: &CheckSettings,
    num_perm: usize,
) -> Result<Matches, Error> {
    let bodies = (
        submission.document_set(true),
        submission.document_set(false),
    );
    let mut found = Vec::new();
    let mut reprint_forms = Vec::new();
    for key in candidates(submission, print, index, settings, num_perm)? {
        let stored: StoredDocument = index.document(key)?;
        let paragraphs = index.paragraphs(key)?;
        let forms = || {
            let mut forms: Vec<u64> = paragraphs.iter().map(|p| p.form).collect();
            forms.sort_unstable();
            forms.dedup();
            forms
        };
        if stored.name == archive_id {
            reprint_forms.push(forms());
            continue;
        }
        let archived = Side::of_archived(&paragraphs, index, settings)?;
        if let Some(comparison) = compare(submission, &bodies, &archived, settings) {
            reprint_forms.push(forms());
            found.push(Match {
                kind: comparison.kind,
                similarity: comparison.similarity,
                containment: comparison.containment,
                aligned: comparison.aligned,
                stored,
            });
        }
    }
    Ok(Matches {
        found,
        reprint_forms,
    })
}

/// The archived documents worth comparing, most promising first (at most
/// `max_candidates`): those sharing a document LSH band with the
/// submission, and those holding a paragraph like one of its own, ranked
/// by hits.
fn candidates(
    submission: &Side,
    print: &DocumentPrint,
    index: &Index,
    settings: &CheckSettings,
    num_perm: usize,
) -> Result<Vec<i64>, Error> {
    let signature = print.signature_of(num_perm, |p| !submission.excluded[p]);
    let mut hits: std::collections::BTreeMap<i64, usize> = std::collections::BTreeMap::new();
    for key in index.documents_sharing_bands(&signature)? {
        *hits.entry(key).or_default() += 1;
    }
    for (p, paragraph) in print.paragraphs.iter().enumerate() {
        if submission.excluded[p] || !submission.matchable(p, settings) {
            continue;
        }
        for key in index.documents_with_similar_paragraphs(&paragraph.signature)? {
            *hits.entry(key).or_default() += 1;
        }
    }
    let mut ranked: Vec<(i64, usize)> = hits.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(settings.max_candidates);
    Ok(ranked.into_iter().map(|(key, _)| key).collect())
}

/// How a submission compares with one archived document.
#[derive(Debug, Clone, PartialEq)]
struct Comparison {
    kind: FindingKind,
    similarity: f64,
    containment: Containment,
    aligned: Vec<Alignment>,
}

/// Compares the submission (`bodies`: its shingles without and with its
/// closing boilerplate) with an archived document: a finding when they
/// are near-duplicates, one contains most of the other, or a block of
/// `min_block_paragraphs` aligned paragraphs was copied.
///
/// They are compared without closing boilerplate first, so that a shared
/// footer alone makes no match. When the bodies already resemble each
/// other (a reprint whose paragraphs the archive holds several times also
/// looks "frequent"), the whole texts are compared.
fn compare(
    submission: &Side,
    bodies: &(Vec<u32>, Vec<u32>),
    archived: &Side,
    settings: &CheckSettings,
) -> Option<Comparison> {
    let measure = |ours: &[u32], theirs: &[u32]| {
        let overlap = Overlap::of_sorted(ours, theirs);
        let (shared, similarity) = (overlap.shared as usize, overlap.jaccard());
        let containment = Containment {
            submission_in_archived: round(shared as f64 / ours.len().max(1) as f64),
            archived_in_submission: round(shared as f64 / theirs.len().max(1) as f64),
        };
        (shared, similarity, containment)
    };
    let (mut shared, mut similarity, mut containment) =
        measure(&bodies.0, &archived.document_set(true));
    let bodies_alike = similarity >= 0.5
        || containment.submission_in_archived >= 0.5
        || containment.archived_in_submission >= 0.5;
    if bodies_alike {
        (shared, similarity, containment) = measure(&bodies.1, &archived.document_set(false));
    }
    if shared == 0 {
        return None;
    }
    let aligned = align(submission, archived, settings);
    let longest_run = aligned.iter().map(|a| a.pairs.len()).max().unwrap_or(0);
    let kind = if similarity + 1e-9 >= settings.threshold {
        FindingKind::NearDuplicate
    } else if containment.submission_in_archived + 1e-9 >= settings.containment
        || containment.archived_in_submission + 1e-9 >= settings.containment
        || longest_run >= settings.min_block_paragraphs
    {
        FindingKind::Containment
    } else {
        return None;
    };
    Some(Comparison {
        kind,
        similarity,
        containment,
        aligned,
    })
}

/// The findings for one submission.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckedDocument {
    /// Its name.
    pub doc: String,
    /// Its file.
    pub source: String,
    /// Its JSONL line, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_line: Option<u64>,
    /// What was found, most serious first.
    pub findings: Vec<Finding>,
}

/// The whole `check` report.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Version of this layout.
    pub schema_version: u32,
    /// The index file, or `null` with `--against`.
    pub index: Option<String>,
    /// Kinds that fail the check.
    pub fail_on: Vec<FindingKind>,
    /// One entry per submission, in input order.
    pub documents: Vec<CheckedDocument>,
    /// Input problems.
    pub errors: Vec<crate::error::InputProblem>,
}

impl CheckReport {
    /// True when a finding's kind is in `fail_on`.
    pub fn fails(&self) -> bool {
        self.documents
            .iter()
            .flat_map(|d| &d.findings)
            .any(|f| self.fail_on.contains(&f.kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> CheckSettings {
        CheckSettings {
            threshold: 0.8,
            containment: 0.8,
            passage_threshold: 0.8,
            min_block_paragraphs: 2,
            min_docs: 3,
            min_passage_tokens: 2,
            max_candidates: 64,
        }
    }

    /// A side whose paragraph `p` has the shingles `base[p]..base[p] + 10`
    /// (`None`: a one-token paragraph, too short to match), on line
    /// `10 * p + 1`.
    fn side(base: &[Option<u32>], is_submission: bool) -> Side {
        Side {
            lines: (0..base.len() as u32).map(|p| 10 * p + 1).collect(),
            tokens: base
                .iter()
                .map(|b| if b.is_some() { 12 } else { 1 })
                .collect(),
            shingles: base
                .iter()
                .map(|b| b.map_or_else(|| vec![7], |b| (b..b + 10).collect()))
                .collect(),
            excluded: vec![false; base.len()],
            is_submission,
        }
    }

    #[test]
    fn aligned_pairs_run_on_across_a_short_paragraph_and_break_on_a_gap() {
        // Submission: A, (short), B, X, C. Archive: A, B, C.
        let submission = side(&[Some(100), None, Some(200), Some(900), Some(300)], true);
        let archived = side(&[Some(100), Some(200), Some(300)], false);
        let runs = align(&submission, &archived, &settings());
        let spans: Vec<([u32; 2], [u32; 2])> = runs
            .iter()
            .map(|a| (a.submission.paragraphs, a.archived.paragraphs))
            .collect();
        // A and B run on over the dateline-like short paragraph; X breaks
        // the run before C.
        assert_eq!(spans, [([0, 2], [0, 1]), ([4, 4], [2, 2])]);
        assert_eq!(runs[0].submission.lines, [1, 21]);
        assert_eq!(runs[0].pairs.len(), 2);
        assert!(runs[0].pairs.iter().all(|p| p.similarity == 1.0));
    }

    #[test]
    fn each_paragraph_aligns_with_its_most_similar_above_the_threshold() {
        // Paragraph 0 of the submission shares 9 of 10 shingles with
        // archived 1 (Jaccard 9/11) and 6 with archived 0 (below 0.8).
        let submission = side(&[Some(100)], true);
        let archived = side(&[Some(104), Some(101)], false);
        let runs = align(&submission, &archived, &settings());
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].pairs[0].archived_paragraph, 1);
        assert_eq!(runs[0].pairs[0].similarity, round(9.0 / 11.0));
    }

    #[test]
    fn closing_run_takes_frequent_and_short_paragraphs_from_the_end() {
        let settings = settings();
        // Story, a paragraph two archived documents hold, frequent footer,
        // short sign-off, frequent notice.
        let tokens = [20, 20, 15, 1, 15];
        let counts = [0, 2, 9, 0, 4];
        let excluded = closing_boilerplate(&tokens, &counts, &settings);
        // The run starts after the last paragraph below --min-docs; short
        // paragraphs in it are not excluded (nothing to compare).
        assert_eq!(excluded, [false, false, true, false, true]);
        let counts = [0, 3, 9, 0, 4];
        let excluded = closing_boilerplate(&tokens, &counts, &settings);
        assert_eq!(excluded, [false, true, true, false, true]);
        // A run reaching the top would leave nothing to match: nothing.
        let all_frequent = closing_boilerplate(&[20, 20], &[5, 5], &settings);
        assert_eq!(all_frequent, [false, false]);
        // A story without frequent paragraphs closes with nothing.
        assert_eq!(
            closing_boilerplate(&[20, 1], &[0, 0], &settings),
            [false, false]
        );
    }

    #[test]
    fn a_shared_footer_alone_is_no_match_and_a_copied_block_is() {
        let settings = settings();
        let compare_sides = |submission: &Side, archived: &Side| {
            let bodies = (
                submission.document_set(true),
                submission.document_set(false),
            );
            compare(submission, &bodies, archived, &settings)
        };
        // Different stories under one footer (excluded on both sides).
        let mut submission = side(&[Some(100), Some(200), Some(5000)], true);
        let mut archived = side(&[Some(300), Some(400), Some(5000)], false);
        submission.excluded[2] = true;
        archived.excluded[2] = true;
        assert_eq!(compare_sides(&submission, &archived), None);
        // Two of five paragraphs copied in a row: a block, not a near-duplicate.
        let submission = side(
            &[Some(100), Some(200), Some(600), Some(700), Some(800)],
            true,
        );
        let archived = side(
            &[Some(100), Some(200), Some(300), Some(400), Some(500)],
            false,
        );
        let found = compare_sides(&submission, &archived).expect("a copied block");
        assert_eq!(found.kind, FindingKind::Containment);
        assert_eq!(found.aligned[0].pairs.len(), 2);
        // The whole story with one paragraph edited: a near-duplicate.
        let edited = side(
            &[Some(100), Some(200), Some(301), Some(400), Some(500)],
            true,
        );
        let found = compare_sides(&edited, &archived).expect("a near-duplicate");
        assert_eq!(found.kind, FindingKind::NearDuplicate);
        assert!(found.similarity > 0.9);
    }
}
