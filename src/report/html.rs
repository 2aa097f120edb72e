//! The HTML report: one self-contained page (styles and script inline,
//! nothing loaded from the network, a Content-Security-Policy that forbids
//! it) that editors read. Readable without JavaScript: clusters are
//! `<details>` that open with a click or the keyboard; the script adds a
//! search box and filters. Built with `maud`, whose templates escape every
//! value by construction (corpus text is never markup), and `similar` for
//! the word-level differences.
//!
//! - [`scan_page`]: overview (counts, a histogram of the similarities
//!   found, with the threshold), passage clusters (each occurrence at
//!   `file:line`, the variants of a near-identical passage with their word
//!   differences), near-duplicate documents (each member beside its
//!   representative, paragraphs aligned, shared ones highlighted, words
//!   added or removed marked, boilerplate greyed).
//! - [`check_page`]: each submission's findings, and beside each archived
//!   match the submission's paragraphs with the copied block marked.
//!
//! The page's size is bounded by [`Limits`]: clusters past them are
//! counted, not rendered (the JSON report has them all).

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use maud::{DOCTYPE, Markup, PreEscaped, html};
use similar::{Algorithm, ChangeTag, DiffOp, TextDiff, capture_diff_slices};

use super::human::human_bytes;
use super::{DocumentCluster, PassageCluster, PassageOccurrence, Report};
use crate::boilerplate::PassageKind;
use crate::check::{CheckReport, CheckedDocument, Finding, FindingKind};
use crate::containment::Relation;
use crate::text::{normalize, split_paragraphs};

/// How much of a report a page renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Passage clusters rendered (the first ones, in report order).
    pub passage_clusters: usize,
    /// Near-duplicate clusters rendered.
    pub document_clusters: usize,
    /// Occurrences or members listed per cluster.
    pub per_cluster: usize,
    /// Paragraphs of a document shown beside another.
    pub paragraphs: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            passage_clusters: 500,
            document_clusters: 500,
            per_cluster: 50,
            paragraphs: 400,
        }
    }
}

/// The texts of the documents a page shows, by their report name: the
/// `record` of a JSONL record (`file:line`), else its `doc`.
pub type DocumentTexts = HashMap<String, String>;

/// The key of a document in [`DocumentTexts`].
pub fn text_key(doc: &str, record: Option<&str>) -> String {
    record.unwrap_or(doc).to_owned()
}

/// The key in [`DocumentTexts`] of an archived document: its record
/// (`file:line`) for a JSONL record, else its id (the file's path).
pub fn archived_key(archived: &crate::check::ArchivedRef) -> String {
    match archived.source_line {
        Some(line) => format!("{}:{line}", archived.source),
        None => archived.doc.clone(),
    }
}

/// The documents whose texts [`scan_page`] shows: members of the rendered
/// document clusters and documents of rendered passage occurrences, as
/// `(doc, record)`.
pub fn documents_shown(report: &Report, limits: &Limits) -> Vec<(String, Option<String>)> {
    let mut seen = HashSet::new();
    let mut shown = Vec::new();
    let mut add = |doc: &str, record: Option<&String>| {
        if seen.insert(text_key(doc, record.map(String::as_str))) {
            shown.push((doc.to_owned(), record.cloned()));
        }
    };
    for cluster in report.passage_clusters.iter().take(limits.passage_clusters) {
        for occurrence in cluster.occurrences.iter().take(limits.per_cluster) {
            if occurrence.similarity < 1.0 {
                add(&occurrence.doc, occurrence.record.as_ref());
            }
        }
    }
    for cluster in report
        .document_clusters
        .iter()
        .take(limits.document_clusters)
    {
        for member in cluster.members.iter().take(limits.per_cluster) {
            add(&member.doc, member.record.as_ref());
        }
    }
    shown
}

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// The page around `body`: the policy allows inline styles and only the
/// page's own script (by its nonce), and no connection at all.
fn page(title: &str, nonce: &str, body: Markup) -> String {
    let policy = format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
         script-src 'nonce-{nonce}'; connect-src 'none'; form-action 'none'; base-uri 'none'"
    );
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(policy);
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (body)
                script nonce=(nonce) { (PreEscaped(SCRIPT)) }
            }
        }
    }
    .into_string()
}

/// A nonce for the page's script: from the page's content, so the same
/// report gives the same page, and a corpus cannot know it in advance.
fn nonce_of(parts: &[&str]) -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for part in parts {
        hasher.update(part.as_bytes());
    }
    format!("{:032x}", hasher.digest128())
}

fn kind_name(kind: PassageKind) -> &'static str {
    match kind {
        PassageKind::Boilerplate => "boilerplate",
        PassageKind::Repeated => "repeated",
        PassageKind::Shared => "shared",
    }
}

fn kind_label(kind: PassageKind) -> &'static str {
    match kind {
        PassageKind::Boilerplate => "boilerplate",
        PassageKind::Repeated => "repeated in a document",
        PassageKind::Shared => "shared story text",
    }
}

fn location(occurrence: &PassageOccurrence) -> String {
    match &occurrence.record {
        Some(record) => format!("{record} (id {}) line {}", occurrence.doc, occurrence.line),
        None => format!("{}:{}", occurrence.doc, occurrence.line),
    }
}

/// An inline SVG histogram of `values` in twenty bins over [0, 1], with a
/// line at `threshold`; its text alternative lists the counts.
fn histogram(values: &[f64], threshold: f64, what: &str) -> Markup {
    const BINS: usize = 20;
    let mut counts = [0usize; BINS];
    for &value in values {
        counts[((value * BINS as f64) as usize).min(BINS - 1)] += 1;
    }
    let most = counts.iter().copied().max().unwrap_or(0).max(1);
    let (width, height, bar) = (420.0, 120.0, 420.0 / BINS as f64);
    let mut summary = String::new();
    for (bin, &count) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
        let _ = write!(
            summary,
            "{}{:.2}-{:.2}: {count}",
            if summary.is_empty() { "" } else { "; " },
            bin as f64 / BINS as f64,
            (bin + 1) as f64 / BINS as f64
        );
    }
    let label = format!(
        "Histogram of {} {what}, threshold {threshold:.2}: {}",
        values.len(),
        if summary.is_empty() { "none" } else { &summary }
    );
    html! {
        figure.histogram {
            svg role="img" aria-label=(label) viewBox={ "0 0 " (width) " " (height + 20.0) } width=(width) height=(height + 20.0) {
                title { (label) }
                @for (bin, &count) in counts.iter().enumerate() {
                    @let h = height * count as f64 / most as f64;
                    rect.bar x=(bin as f64 * bar + 1.0) y=(height - h) width=(bar - 2.0) height=(h) {
                        title { (format!("{:.2}-{:.2}: {count}", bin as f64 / BINS as f64, (bin + 1) as f64 / BINS as f64)) }
                    }
                }
                line.threshold x1=(threshold * width) x2=(threshold * width) y1="0" y2=(height) {}
                text x="0" y=(height + 15.0) { "0" }
                text x=(width / 2.0 - 8.0) y=(height + 15.0) { "0.5" }
                text x=(width - 10.0) y=(height + 15.0) { "1" }
                text.threshold-label x=(threshold * width - 60.0) y="12" { "threshold " (format!("{threshold:.2}")) }
            }
            figcaption { (values.len()) " " (what) ", by similarity; the line is the threshold." }
        }
    }
}

/// The word-level differences from `old` to `new`: removed words in
/// `<del>`, added ones in `<ins>` (struck through and underlined, so the
/// colour is not the only signal).
fn word_diff(old: &str, new: &str) -> (Markup, Markup) {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_unicode_words(old, new);
    let changes: Vec<(ChangeTag, String)> = diff
        .iter_all_changes()
        .map(|c| (c.tag(), c.value().to_owned()))
        .collect();
    let left = html! {
        @for (tag, value) in &changes {
            @match tag {
                ChangeTag::Equal => (value),
                ChangeTag::Delete => del { (value) },
                ChangeTag::Insert => {},
            }
        }
    };
    let right = html! {
        @for (tag, value) in &changes {
            @match tag {
                ChangeTag::Equal => (value),
                ChangeTag::Insert => ins { (value) },
                ChangeTag::Delete => {},
            }
        }
    };
    (left, right)
}

/// A document's paragraphs: their first line and display text.
fn paragraphs_of(text: &str) -> Vec<(u32, String)> {
    split_paragraphs(text)
        .iter()
        .map(|p| (p.first_line, p.joined_text(text)))
        .collect()
}

/// Renders the `scan` report as a page; `texts` holds the documents of
/// [`documents_shown`] that could be read (others are shown by name and
/// line only).
pub fn scan_page(report: &Report, texts: &DocumentTexts, limits: &Limits) -> String {
    let stats = &report.stats;
    let by_kind = |kind: PassageKind| {
        report
            .passage_clusters
            .iter()
            .filter(|c| c.kind == kind)
            .count()
    };
    let member_similarities: Vec<f64> = report
        .document_clusters
        .iter()
        .flat_map(|c| c.members.iter().skip(1).map(|m| m.similarity))
        .collect();
    // Where each document's boilerplate paragraphs are, to grey them.
    let mut boilerplate: HashSet<(String, u32)> = HashSet::new();
    for cluster in &report.passage_clusters {
        if cluster.kind == PassageKind::Boilerplate {
            for o in &cluster.occurrences {
                boilerplate.insert((text_key(&o.doc, o.record.as_deref()), o.paragraph));
            }
        }
    }
    let shown_passages = report.passage_clusters.len().min(limits.passage_clusters);
    let shown_documents = report.document_clusters.len().min(limits.document_clusters);
    let body = html! {
        header {
            h1 { "refrain report" }
            p.lede {
                (stats.documents) " documents, " (stats.paragraphs) " paragraphs, "
                (human_bytes(stats.bytes)) " scanned."
            }
            nav aria-label="Sections" {
                a href="#overview" { "Overview" } " · "
                a href="#passages" { "Repeated passages (" (report.passage_clusters.len()) ")" } " · "
                a href="#documents" { "Near-duplicate documents (" (report.document_clusters.len()) ")" }
                @if !report.errors.is_empty() { " · " a href="#problems" { "Input problems (" (report.errors.len()) ")" } }
            }
        }
        main {
            section #overview aria-labelledby="overview-title" {
                h2 #overview-title { "Overview" }
                table.counts {
                    caption { "What was found" }
                    tbody {
                        tr { th scope="row" { "Documents" } td { (stats.documents) } }
                        tr { th scope="row" { "Paragraphs" } td { (stats.paragraphs) } }
                        tr { th scope="row" { "Bytes" } td { (stats.bytes) } }
                        tr { th scope="row" { span.kind.boilerplate { "boilerplate" } " passages" } td { (by_kind(PassageKind::Boilerplate)) } }
                        tr { th scope="row" { span.kind.repeated { "repeated in a document" } } td { (by_kind(PassageKind::Repeated)) } }
                        tr { th scope="row" { span.kind.shared { "shared story text" } } td { (by_kind(PassageKind::Shared)) } }
                        tr { th scope="row" { "Near-duplicate clusters" } td { (report.document_clusters.len()) } }
                    }
                }
                (histogram(&member_similarities, report.params.threshold, "near-duplicate members"))
            }
            (filters())
            section #passages aria-labelledby="passages-title" {
                h2 #passages-title { "Repeated passages" }
                @if shown_passages < report.passage_clusters.len() {
                    p.note { "The first " (shown_passages) " of " (report.passage_clusters.len()) " passage clusters are shown; the JSON report has them all." }
                }
                @for cluster in report.passage_clusters.iter().take(limits.passage_clusters) {
                    (passage_cluster(cluster, texts, limits))
                }
            }
            section #documents aria-labelledby="documents-title" {
                h2 #documents-title { "Near-duplicate documents" }
                @if shown_documents < report.document_clusters.len() {
                    p.note { "The first " (shown_documents) " of " (report.document_clusters.len()) " clusters are shown; the JSON report has them all." }
                }
                @for cluster in report.document_clusters.iter().take(limits.document_clusters) {
                    (document_cluster(cluster, texts, &boilerplate, limits))
                }
            }
            @if !report.errors.is_empty() {
                section #problems aria-labelledby="problems-title" {
                    h2 #problems-title { "Input problems" }
                    ul {
                        @for problem in &report.errors { li { (problem.to_string()) } }
                    }
                }
            }
        }
    };
    let json = serde_json::to_string(&report.stats).unwrap_or_default();
    let first = report
        .passage_clusters
        .first()
        .map_or("", |c| c.text.as_str());
    page("refrain report", &nonce_of(&[&json, first]), body)
}

/// The search box and filters: hidden until the script shows them (the
/// page reads the same without them).
fn filters() -> Markup {
    html! {
        form #filters hidden role="search" aria-label="Filter clusters" {
            label { "Search " input #search type="search" placeholder="text, file or id"; }
            label { "Kind "
                select #kind {
                    option value="" { "any" }
                    option value="boilerplate" { "boilerplate" }
                    option value="repeated" { "repeated in a document" }
                    option value="shared" { "shared story text" }
                    option value="near-duplicate" { "near-duplicate documents" }
                }
            }
            label { input #closing type="checkbox"; " closing only" }
            label { "Similarity from " input #similarity-min type="number" min="0" max="1" step="0.05" value="0"; }
            label { " to " input #similarity-max type="number" min="0" max="1" step="0.05" value="1"; }
            button #expand type="button" { "Open all" }
            button #collapse type="button" { "Close all" }
            output #shown aria-live="polite" {}
        }
    }
}

fn passage_cluster(cluster: &PassageCluster, texts: &DocumentTexts, limits: &Limits) -> Markup {
    let kind = kind_name(cluster.kind);
    let lowest = cluster
        .occurrences
        .iter()
        .map(|o| o.similarity)
        .fold(1.0f64, f64::min);
    // Variants: occurrences whose text differs from the cluster's.
    let variants: Vec<(&PassageOccurrence, String)> = cluster
        .occurrences
        .iter()
        .take(limits.per_cluster)
        .filter(|o| o.similarity < 1.0)
        .filter_map(|o| {
            let text = texts.get(&text_key(&o.doc, o.record.as_deref()))?;
            let raw = text.get(o.start_byte..o.end_byte)?;
            let paragraph = split_paragraphs(raw).first()?.joined_text(raw);
            Some((o, paragraph))
        })
        .collect();
    html! {
        details.cluster #(cluster.id) data-kind=(kind) data-closing=(cluster.closing)
            data-similarity=(format!("{lowest:.4}")) {
            summary {
                span.id { (cluster.id) } " "
                span class={ "kind " (kind) } { (kind_label(cluster.kind)) }
                @if cluster.closing { " " span.closing { "closing" } }
                " — " (cluster.occurrences.len()) " occurrence(s) in " (cluster.documents) " document(s)"
                span.preview { (preview(&cluster.text)) }
            }
            blockquote.passage { (cluster.text) }
            table.occurrences {
                caption { "Where it is printed" }
                thead { tr { th scope="col" { "Document and line" } th scope="col" { "Similarity" } th scope="col" { "Closing" } } }
                tbody {
                    @for o in cluster.occurrences.iter().take(limits.per_cluster) {
                        tr {
                            td.location { (location(o)) }
                            td { (format!("{:.2}", o.similarity)) }
                            td { @if o.closing { "closing" } @else { "—" } }
                        }
                    }
                }
            }
            @if cluster.occurrences.len() > limits.per_cluster {
                p.note { "and " (cluster.occurrences.len() - limits.per_cluster) " more" }
            }
            @if !variants.is_empty() {
                h4 { "Variants, with their differences from the passage above" }
                @for (occurrence, text) in &variants {
                    @let (_, changed) = word_diff(&cluster.text, text);
                    figure.variant {
                        figcaption { (location(occurrence)) " — similarity " (format!("{:.2}", occurrence.similarity)) }
                        p { (changed) }
                    }
                }
            }
        }
    }
}

fn document_cluster(
    cluster: &DocumentCluster,
    texts: &DocumentTexts,
    boilerplate: &HashSet<(String, u32)>,
    limits: &Limits,
) -> Markup {
    let lowest = cluster
        .members
        .iter()
        .skip(1)
        .map(|m| m.similarity)
        .fold(1.0f64, f64::min);
    let representative = &cluster.members[0];
    let rep_key = text_key(&representative.doc, representative.record.as_deref());
    let rep_name = representative
        .record
        .as_deref()
        .unwrap_or(&representative.doc);
    let laid_representative = texts
        .get(&rep_key)
        .map(|text| LaidOut::new(rep_name, &rep_key, text, limits));
    html! {
        details.cluster #(cluster.id) data-kind="near-duplicate" data-closing="false"
            data-similarity=(format!("{lowest:.4}")) {
            summary {
                span.id { (cluster.id) } " "
                span.kind.near-duplicate { "near-duplicate documents" }
                " — " (cluster.members.len()) " document(s); representative "
                span.location { (representative.record.as_deref().unwrap_or(&representative.doc)) }
            }
            ul.members {
                @for (i, member) in cluster.members.iter().enumerate().take(limits.per_cluster) {
                    li {
                        span.location { (member.record.as_deref().unwrap_or(&member.doc)) }
                        @if i == 0 { " — representative" } @else {
                            " — similarity " (format!("{:.2}", member.similarity))
                            @match member.relation {
                                Relation::ContainedIn => { ", " (format!("{:.0}%", 100.0 * member.in_representative)) " of it in the representative (shortened)" }
                                Relation::Contains => { ", holds " (format!("{:.0}%", 100.0 * member.of_representative)) " of the representative (extended)" }
                                _ => {}
                            }
                        }
                    }
                }
            }
            @for member in cluster.members.iter().skip(1).take(limits.per_cluster) {
                @let key = text_key(&member.doc, member.record.as_deref());
                @match (&laid_representative, texts.get(&key)) {
                    (Some(left), Some(right)) => {
                        (side_by_side(
                            left,
                            &LaidOut::new(member.record.as_deref().unwrap_or(&member.doc), &key, right, limits),
                            boilerplate,
                        ))
                    }
                    _ => { p.note { "The texts of " (key) " and its representative could not be read again." } }
                }
            }
        }
    }
}

/// Two documents' paragraphs aligned (by their normalized text): shared
/// paragraphs highlighted, changed ones with their word differences, the
/// ones only one side has marked removed or added, boilerplate greyed.
/// A document's paragraphs laid out for [`side_by_side`] (at most
/// `limits.paragraphs`), each with its normalized text to align by: made
/// once for a representative, whatever its number of members.
struct LaidOut<'a> {
    name: &'a str,
    key: &'a str,
    paragraphs: Vec<(u32, String)>,
    normalized: Vec<String>,
}

impl<'a> LaidOut<'a> {
    fn new(name: &'a str, key: &'a str, text: &str, limits: &Limits) -> Self {
        let paragraphs: Vec<(u32, String)> = paragraphs_of(text)
            .into_iter()
            .take(limits.paragraphs)
            .collect();
        let normalized = paragraphs.iter().map(|(_, t)| normalize(t)).collect();
        LaidOut {
            name,
            key,
            paragraphs,
            normalized,
        }
    }
}

fn side_by_side(
    representative: &LaidOut<'_>,
    member: &LaidOut<'_>,
    boilerplate: &HashSet<(String, u32)>,
) -> Markup {
    let (left_name, left_key, left) = (
        representative.name,
        representative.key,
        &representative.paragraphs,
    );
    let (right_name, right_key, right) = (member.name, member.key, &member.paragraphs);
    let ops = capture_diff_slices(
        Algorithm::Patience,
        &representative.normalized,
        &member.normalized,
    );
    let is_boilerplate = |key: &str, p: usize| boilerplate.contains(&(key.to_owned(), p as u32));
    let cell = |side: &[(u32, String)], key: &str, p: usize, class: &str, content: Markup| {
        let class = if is_boilerplate(key, p) {
            format!("{class} boilerplate")
        } else {
            class.to_owned()
        };
        html! { td class=(class) { span.line { (side[p].0) } " " (content) @if is_boilerplate(key, p) { " " span.tag { "(boilerplate)" } } } }
    };
    let mut rows: Vec<Markup> = Vec::new();
    for op in &ops {
        match *op {
            DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for k in 0..len {
                    let (l, r) = (old_index + k, new_index + k);
                    rows.push(html! { tr {
                        (cell(left, left_key, l, "shared", html! { (left[l].1) }))
                        (cell(right, right_key, r, "shared", html! { (right[r].1) }))
                    } });
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => {
                for l in old_index..old_index + old_len {
                    rows.push(html! { tr {
                        (cell(left, left_key, l, "removed", html! { del { (left[l].1) } }))
                        td.empty { span.tag { "(not in this one)" } }
                    } });
                }
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => {
                for r in new_index..new_index + new_len {
                    rows.push(html! { tr {
                        td.empty { span.tag { "(not in the representative)" } }
                        (cell(right, right_key, r, "added", html! { ins { (right[r].1) } }))
                    } });
                }
            }
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                for k in 0..old_len.max(new_len) {
                    let (l, r) = (old_index + k, new_index + k);
                    let row = match (k < old_len, k < new_len) {
                        (true, true) => {
                            let (was, now) = word_diff(&left[l].1, &right[r].1);
                            html! { tr {
                                (cell(left, left_key, l, "changed", was))
                                (cell(right, right_key, r, "changed", now))
                            } }
                        }
                        (true, false) => html! { tr {
                            (cell(left, left_key, l, "removed", html! { del { (left[l].1) } }))
                            td.empty { span.tag { "(not in this one)" } }
                        } },
                        _ => html! { tr {
                            td.empty { span.tag { "(not in the representative)" } }
                            (cell(right, right_key, r, "added", html! { ins { (right[r].1) } }))
                        } },
                    };
                    rows.push(row);
                }
            }
        }
    }
    html! {
        table.side-by-side {
            caption { (right_name) " beside " (left_name) }
            thead { tr { th scope="col" { (left_name) " (representative)" } th scope="col" { (right_name) } } }
            tbody { @for row in &rows { (row) } }
        }
    }
}

/// Renders the `check` report as a page; `texts` holds the submissions
/// and the archived documents that could be read, by [`text_key`] (for an
/// archived document, its `doc`).
/// `threshold` is the near-duplicate threshold the check used.
pub fn check_page(report: &CheckReport, texts: &DocumentTexts, threshold: f64) -> String {
    let findings: usize = report.documents.iter().map(|d| d.findings.len()).sum();
    let similarities: Vec<f64> = report
        .documents
        .iter()
        .flat_map(|d| &d.findings)
        .filter_map(|f| f.similarity)
        .collect();
    let body = html! {
        header {
            h1 { "refrain check" }
            p.lede {
                (report.documents.len()) " document(s) checked"
                @if let Some(index) = &report.index { " against " code { (index) } }
                ", " (findings) " finding(s)."
            }
        }
        main {
            section #overview aria-labelledby="overview-title" {
                h2 #overview-title { "Overview" }
                (histogram(&similarities, threshold, "matches with archived documents"))
            }
            (filters())
            @for (i, document) in report.documents.iter().enumerate() {
                (checked_document(i, document, texts))
            }
            @if !report.errors.is_empty() {
                section #problems aria-labelledby="problems-title" {
                    h2 #problems-title { "Input problems" }
                    ul { @for problem in &report.errors { li { (problem.to_string()) } } }
                }
            }
        }
    };
    let json = serde_json::to_string(&report.documents.len()).unwrap_or_default();
    let first = report.documents.first().map_or("", |d| d.doc.as_str());
    page("refrain check", &nonce_of(&[&json, first]), body)
}

fn checked_document(i: usize, document: &CheckedDocument, texts: &DocumentTexts) -> Markup {
    let submission_key = text_key(&document.doc, None);
    let submission = texts.get(&submission_key).map(|t| paragraphs_of(t));
    html! {
        section.submission aria-labelledby={ "submission-" (i) } {
            h2 #{ "submission-" (i) } { (document.source) @if document.source != document.doc { " — " (document.doc) } }
            @if document.findings.is_empty() { p { "No finding." } }
            @for (j, finding) in document.findings.iter().enumerate() {
                (check_finding(i, j, document, finding, submission.as_deref(), texts))
            }
        }
    }
}

fn check_finding(
    i: usize,
    j: usize,
    document: &CheckedDocument,
    finding: &Finding,
    submission: Option<&[(u32, String)]>,
    texts: &DocumentTexts,
) -> Markup {
    let kind = finding.kind.name();
    let severity = match finding.kind {
        FindingKind::Boilerplate => "warning",
        _ => "error",
    };
    let archived = finding
        .archived
        .as_ref()
        .and_then(|a| texts.get(&archived_key(a)))
        .map(|t| paragraphs_of(t));
    let copied: HashSet<u32> = finding
        .aligned
        .iter()
        .flat_map(|a| a.pairs.iter().map(|p| p.submission_paragraph))
        .collect();
    html! {
        details.cluster id={ "finding-" (i) "-" (j) } data-kind=(kind) data-closing=(finding.kind == FindingKind::Boilerplate)
            data-similarity=(format!("{:.4}", finding.similarity.unwrap_or(1.0))) open[finding.kind != FindingKind::Boilerplate] {
            summary {
                span class={ "severity " (severity) } { (severity) } " "
                span class={ "kind " (kind) } { (kind) } " "
                span.location { (document.source) ":" (finding.line) }
                " — " (finding.message)
            }
            @if !finding.aligned.is_empty() {
                table.side-by-side {
                    caption { "The submission beside the archived document; the copied paragraphs are marked, words added in the submission underlined, words it dropped struck through" }
                    thead { tr {
                        th scope="col" { "Submission " (document.source) }
                        th scope="col" { "Archived " (finding.archived.as_ref().map_or("", |a| a.doc.as_str())) }
                    } }
                    tbody {
                        @for run in &finding.aligned {
                            @for pair in &run.pairs {
                                @let mine = submission.and_then(|s| s.get(pair.submission_paragraph as usize));
                                @let theirs = archived.as_ref().and_then(|s| s.get(pair.archived_paragraph as usize));
                                @let (left, right) = match (mine, theirs) {
                                    (Some((_, a)), Some((_, b))) if pair.similarity < 1.0 => word_diff(b, a),
                                    _ => (
                                        html! { @if let Some((_, b)) = theirs { (b) } @else { "(paragraph " (pair.archived_paragraph) ")" } },
                                        html! { @if let Some((_, a)) = mine { (a) } @else { "(paragraph " (pair.submission_paragraph) ")" } },
                                    ),
                                };
                                tr.copied {
                                    td.copied { span.line { (pair.submission_line) } " " mark { (right) } }
                                    td.copied {
                                        span.line { (pair.archived_line) } " " mark { (left) }
                                        " " span.tag { (format!("similarity {:.2}", pair.similarity)) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if let Some(submission) = submission {
                    h4 { "The whole submission, copied paragraphs marked" }
                    ol.paragraphs {
                        @for (p, (line, text)) in submission.iter().enumerate() {
                            li value=(line) class=[copied.contains(&(p as u32)).then_some("copied")] {
                                @if copied.contains(&(p as u32)) { mark { (text) } " " span.tag { "(copied)" } } @else { (text) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn preview(text: &str) -> String {
    super::human::preview_of(text, 90)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_text_is_escaped_and_word_changes_are_marked() {
        let (old, new) = word_diff("the <b>cat</b> sat", "the <b>dog</b> sat");
        let (old, new) = (old.into_string(), new.into_string());
        assert!(old.contains("<del>cat</del>"), "{old}");
        assert!(new.contains("<ins>dog</ins>"), "{new}");
        assert!(!old.contains("<b>") && old.contains("&lt;b&gt;"), "{old}");
    }

    #[test]
    fn the_histogram_counts_each_value_once_and_says_so_in_words() {
        let svg = histogram(&[0.81, 0.83, 0.97, 1.0], 0.8, "pairs").into_string();
        assert_eq!(svg.matches("<rect").count(), 20);
        assert!(svg.contains("0.80-0.85: 2; 0.95-1.00: 2"), "{svg}");
    }
}
