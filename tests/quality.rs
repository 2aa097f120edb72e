//! Quality against planted ground truth: a seeded corpus of English,
//! Chinese and mixed stories with reprinted families, outlet footers,
//! pasted closing paragraphs and quoting stories. The report must find
//! the planted duplicates and nothing else.
//!
//! The reference Jaccard here is computed independently of the library:
//! its own tokenizer (Han characters one by one, other letters and digits
//! in runs), word or character 5-grams, planted boilerplate excluded.

use std::collections::{BTreeSet, HashMap, HashSet};

use refrain::synthetic::{CorpusSpec, SyntheticCorpus, generate, generate_reprints};
use serde_json::Value;

use crate::util::run;

/// The corpus size and seed: `REFRAIN_QUALITY_DOCS` and
/// `REFRAIN_QUALITY_SEED` override them (`benches/quality.sh` measures the
/// README's figures on 20,000 documents that way).
fn size_and_seed(documents: usize, seed: u64) -> (usize, u64) {
    let read = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    (
        read("REFRAIN_QUALITY_DOCS").map_or(documents, |d| d as usize),
        read("REFRAIN_QUALITY_SEED").unwrap_or(seed),
    )
}

struct Evaluation {
    corpus: SyntheticCorpus,
    report: Value,
    index: HashMap<String, usize>,
}

impl Evaluation {
    fn new(documents: usize, seed: u64) -> Self {
        let (documents, seed) = size_and_seed(documents, seed);
        Self::of(generate(&CorpusSpec::new(documents, seed)), &[])
    }

    /// `corpus` as `refrain scan` with `flags` reports it.
    fn of(corpus: SyntheticCorpus, flags: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("corpus.jsonl");
        std::fs::write(&path, corpus.to_jsonl()).unwrap();
        let mut args = vec!["scan", "--json", "--quiet"];
        args.extend_from_slice(flags);
        args.push(path.to_str().unwrap());
        let out = run(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let index = corpus
            .documents
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        Evaluation {
            report: out.json(),
            corpus,
            index,
        }
    }

    fn doc(&self, value: &Value) -> usize {
        self.index[value.as_str().unwrap()]
    }

    /// The reported document clusters' members, representative first.
    fn clusters(&self) -> Vec<Vec<usize>> {
        self.report["document_clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|cluster| {
                cluster["members"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| self.doc(&m["doc"]))
                    .collect()
            })
            .collect()
    }

    /// Every pair of documents of one planted family.
    fn planted_pairs(&self) -> BTreeSet<(usize, usize)> {
        let families = &self.corpus.truth.families;
        families.iter().flat_map(|f| pairs_of(f)).collect()
    }

    /// Every pair of documents that share a reported cluster.
    fn reported_pairs(&self) -> BTreeSet<(usize, usize)> {
        self.clusters().iter().flat_map(|m| pairs_of(m)).collect()
    }

    fn planted_boilerplate(&self) -> HashSet<(usize, usize)> {
        let truth = &self.corpus.truth;
        let mut set: HashSet<(usize, usize)> = truth.footers.iter().copied().collect();
        for (doc, paragraphs) in &truth.pasted {
            set.extend(paragraphs.iter().map(|&p| (*doc, p)));
        }
        set
    }

    fn reference_shingles(&self, doc: usize) -> HashSet<Vec<String>> {
        let boilerplate = self.planted_boilerplate();
        let text = &self.corpus.documents[doc].text;
        let mut shingles = HashSet::new();
        for (p, paragraph) in text.trim_end().split("\n\n").enumerate() {
            if boilerplate.contains(&(doc, p)) {
                continue;
            }
            let tokens = reference_tokens(paragraph);
            if tokens.len() < 5 {
                shingles.insert(tokens);
            } else {
                shingles.extend(tokens.windows(5).map(<[String]>::to_vec));
            }
        }
        shingles
    }

    fn reference_jaccard(&self, a: usize, b: usize) -> f64 {
        self.reference_overlap(a, b).jaccard()
    }

    fn reference_overlap(&self, a: usize, b: usize) -> ReferenceOverlap {
        let (sa, sb) = (self.reference_shingles(a), self.reference_shingles(b));
        ReferenceOverlap {
            shared: sa.intersection(&sb).count(),
            a: sa.len(),
            b: sb.len(),
        }
    }
}

/// Shingle counts of two documents, by the reference tokenizer.
struct ReferenceOverlap {
    shared: usize,
    a: usize,
    b: usize,
}

impl ReferenceOverlap {
    fn jaccard(&self) -> f64 {
        self.shared as f64 / (self.a + self.b - self.shared) as f64
    }

    /// The larger containment of one in the other, counting only a
    /// document of at least 40 shingles as contained (as refrain does).
    fn containment(&self) -> f64 {
        [self.a, self.b]
            .into_iter()
            .filter(|&len| len >= 40)
            .map(|len| self.shared as f64 / len as f64)
            .fold(0.0, f64::max)
    }

    /// Near-duplicates by Jaccard or by containment, at `margin` below
    /// the default thresholds (0.8 each).
    fn near_duplicates(&self, margin: f64) -> bool {
        self.jaccard() >= 0.8 - margin || self.containment() >= 0.8 - margin
    }
}

fn reference_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let han = ('\u{4e00}'..='\u{9fff}').contains(&c);
        if han || !c.is_alphanumeric() {
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
            if han {
                tokens.push(c.to_string());
            }
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    tokens
}

fn pairs_of(members: &[usize]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for (i, &a) in members.iter().enumerate() {
        for &b in &members[i + 1..] {
            pairs.push((a.min(b), a.max(b)));
        }
    }
    pairs
}

#[test]
fn document_pairs_precision_and_recall() {
    let eval = Evaluation::new(3000, 2026);
    let threshold = 0.8;
    let planted = eval.planted_pairs();
    // Ground truth positives: planted reprint pairs at or above a
    // threshold: Jaccard, or containment (a paragraph cut or added).
    let positives: BTreeSet<(usize, usize)> = planted
        .iter()
        .copied()
        .filter(|&(a, b)| eval.reference_overlap(a, b).near_duplicates(0.0))
        .collect();
    let jaccard_positives = positives
        .iter()
        .filter(|&&(a, b)| eval.reference_jaccard(a, b) >= threshold)
        .count();
    assert!(
        positives.len() > 100,
        "the corpus plants enough reprints: {}",
        positives.len()
    );

    let reported = eval.reported_pairs();
    let representative_pairs: Vec<(usize, usize)> = eval
        .clusters()
        .iter()
        .flat_map(|members| members[1..].iter().map(|&m| (members[0], m)))
        .collect();
    // A reported pair is right when it was planted and its reference
    // Jaccard or containment is near the threshold or above: two members
    // of one cluster are each similar to the representative, a little
    // less to each other.
    let right = |&&(a, b): &&(usize, usize)| {
        planted.contains(&(a, b)) && eval.reference_overlap(a, b).near_duplicates(0.15)
    };
    let true_positives = reported.iter().filter(right).count();
    let precision = true_positives as f64 / reported.len() as f64;
    let recall = positives.intersection(&reported).count() as f64 / positives.len() as f64;
    let all_planted_recall = planted.intersection(&reported).count() as f64 / planted.len() as f64;
    eprintln!(
        "document pairs: precision {precision:.4} recall {recall:.4} \
         ({} reported, {true_positives} right; {} of {} planted pairs at reference Jaccard \
         or containment >= 0.8 found, {jaccard_positives} of them by Jaccard; recall \
         {all_planted_recall:.4} of all {} planted pairs)",
        reported.len(),
        positives.intersection(&reported).count(),
        positives.len(),
        planted.len(),
    );
    assert!(precision >= 0.98, "pair precision {precision:.4}");
    assert!(recall >= 0.98, "pair recall {recall:.4}");
    // Every representative-member pair: the cluster's own claim.
    for &(a, b) in &representative_pairs {
        let overlap = eval.reference_overlap(a, b);
        assert!(
            overlap.near_duplicates(0.1),
            "reported pair {a} {b} has reference Jaccard {:.3}, containment {:.3}",
            overlap.jaccard(),
            overlap.containment()
        );
    }
}

#[test]
fn planted_boilerplate_is_found_as_closing_passages() {
    let eval = Evaluation::new(3000, 7);
    let planted = eval.planted_boilerplate();
    let mut found_closing = HashSet::new();
    // Every occurrence labelled boilerplate, closing or not: a wrong label
    // anywhere counts against precision.
    let mut labelled_boilerplate = HashSet::new();
    for cluster in eval.report["passage_clusters"].as_array().unwrap() {
        let kind = cluster["kind"].as_str().unwrap();
        for occurrence in cluster["occurrences"].as_array().unwrap() {
            let at = (
                eval.doc(&occurrence["doc"]),
                occurrence["paragraph"].as_u64().unwrap() as usize,
            );
            if occurrence["closing"] == true && kind != "shared" {
                found_closing.insert(at);
            }
            if kind == "boilerplate" {
                labelled_boilerplate.insert(at);
            }
        }
    }
    let found = planted.intersection(&found_closing).count();
    let recall = found as f64 / planted.len() as f64;
    let wrong = labelled_boilerplate.difference(&planted).count();
    let precision = 1.0 - wrong as f64 / labelled_boilerplate.len().max(1) as f64;
    eprintln!(
        "boilerplate: {found} of {} planted found closing (recall {recall:.4}); \
         {} labelled boilerplate, {wrong} not planted (precision {precision:.4})",
        planted.len(),
        labelled_boilerplate.len()
    );
    assert!(recall >= 0.98, "boilerplate recall {recall:.4}");
    assert!(precision >= 0.98, "boilerplate precision {precision:.4}");
}

/// Stories with no reprints, footers or pasted repeats; `quoting_share`
/// of them quote an earlier one.
fn unrelated_stories(documents: usize, seed: u64, quoting_share: f64) -> SyntheticCorpus {
    let mut spec = CorpusSpec::new(documents, seed);
    spec.family_share = 0.0;
    spec.footer_share = 0.0;
    spec.pasted_share = 0.0;
    spec.quoting_share = quoting_share;
    generate(&spec)
}

#[test]
fn unrelated_stories_are_never_clustered() {
    // No families, no footers: nothing may be reported at document level.
    let corpus = unrelated_stories(1500, 99, 0.05);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.jsonl");
    std::fs::write(&path, corpus.to_jsonl()).unwrap();
    let report = run(&["scan", "--json", "--quiet", path.to_str().unwrap()]).json();
    assert_eq!(report["document_clusters"].as_array().unwrap().len(), 0);
    for cluster in report["passage_clusters"].as_array().unwrap() {
        // Only quoted paragraphs can repeat, and they never close a story.
        assert_eq!(cluster["closing"], false, "{cluster:#}");
    }
}

/// Wire stories: a dateline first, one-word paragraphs in some bodies
/// (and as the last word of a few), an agency's end marker closing most.
fn wire_stories(
    documents: usize,
    seed: u64,
) -> (
    Vec<refrain::synthetic::SyntheticDocument>,
    refrain::synthetic::GroundTruth,
) {
    let mut stories = Vec::new();
    let truth = refrain::synthetic::generate_wire(documents, seed, |d| stories.push(d));
    (stories, truth)
}

fn wire_jsonl(stories: &[refrain::synthetic::SyntheticDocument]) -> String {
    stories
        .iter()
        .map(|d| serde_json::json!({"id": d.id, "text": d.text}).to_string() + "\n")
        .collect()
}

/// Each short story paragraph of the wire corpus (a dateline or a
/// one-word quote): (document, paragraph).
fn short_story_paragraphs(
    stories: &[refrain::synthetic::SyntheticDocument],
    truth: &refrain::synthetic::GroundTruth,
) -> Vec<(usize, usize)> {
    let short_words = ["LONDON", "WASHINGTON", "NAIROBI", "SYDNEY", "Paris"]
        .iter()
        .chain(&["No.", "Why?", "Yes.", "好。"]);
    let mut found = Vec::new();
    for (d, story) in truth.story_paragraphs.iter().enumerate() {
        let paragraphs: Vec<&str> = stories[d].text.trim_end().split("\n\n").collect();
        for &p in story {
            if short_words.clone().any(|w| *w == paragraphs[p]) {
                found.push((d, p));
            }
        }
    }
    found
}

#[test]
fn end_markers_are_found_at_the_close_and_short_body_paragraphs_are_not() {
    let (documents, seed) = size_and_seed(800, 17);
    let (stories, truth) = wire_stories(documents, seed);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wire.jsonl");
    std::fs::write(&path, wire_jsonl(&stories)).unwrap();
    let report = run(&["scan", "--json", "--quiet", path.to_str().unwrap()]).json();
    let index: HashMap<&str, usize> = stories
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i))
        .collect();
    let mut closing_boilerplate = HashSet::new();
    let mut reported = HashSet::new();
    for cluster in report["passage_clusters"].as_array().unwrap() {
        for occurrence in cluster["occurrences"].as_array().unwrap() {
            let at = (
                index[occurrence["doc"].as_str().unwrap()],
                occurrence["paragraph"].as_u64().unwrap() as usize,
            );
            reported.insert(at);
            if cluster["kind"] == "boilerplate" && occurrence["closing"] == true {
                closing_boilerplate.insert(at);
            }
        }
    }
    let planted: HashSet<(usize, usize)> = truth.footers.iter().copied().collect();
    let found = planted.intersection(&closing_boilerplate).count();
    let recall = found as f64 / planted.len() as f64;
    eprintln!(
        "end markers: {found} of {} found closing (recall {recall:.4})",
        planted.len()
    );
    assert!(recall >= 0.99, "end-marker recall {recall:.4}");
    assert!(
        closing_boilerplate.is_subset(&planted),
        "closing boilerplate that is no end marker: {:?}",
        closing_boilerplate
            .difference(&planted)
            .take(5)
            .collect::<Vec<_>>()
    );
    // English datelines and one-word quotes (a single token each) are
    // never reported, wherever they stand.
    let short = short_story_paragraphs(&stories, &truth);
    assert!(short.len() > documents / 2, "{}", short.len());
    for (d, p) in short {
        assert!(
            !reported.contains(&(d, p)),
            "document {d}, paragraph {p} reported"
        );
    }
}

#[test]
fn check_knows_the_archives_end_markers_and_not_its_datelines_or_quotes() {
    // Three quarters of the wire stories archived, the rest checked: each
    // planted end marker of a submission is a boilerplate finding at its
    // line, and nothing else short is (`No.` closes a few stories, and
    // used to be reported because its form is frequent).
    let (documents, seed) = size_and_seed(800, 17);
    let (stories, truth) = wire_stories(documents, seed);
    let archived = documents * 3 / 4;
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("archive.jsonl");
    let submissions = dir.path().join("submissions.jsonl");
    std::fs::write(&archive, wire_jsonl(&stories[..archived])).unwrap();
    std::fs::write(&submissions, wire_jsonl(&stories[archived..])).unwrap();
    let index = dir.path().join("wire.db");
    let index = index.to_str().unwrap();
    let added = run(&[
        "index",
        "add",
        "-q",
        "--index",
        index,
        archive.to_str().unwrap(),
    ]);
    assert_eq!(added.code, 0, "{}", added.stderr);
    let out = run(&[
        "check",
        "--json",
        "-q",
        "--index",
        index,
        submissions.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    // A paragraph's first line in its story: paragraphs are one line each,
    // a blank line apart.
    let line_of = |p: usize| 2 * p as u64 + 1;
    let mut reported = HashSet::new();
    for (i, document) in report["documents"].as_array().unwrap().iter().enumerate() {
        assert_eq!(document["doc"], stories[archived + i].id.as_str());
        for finding in document["findings"].as_array().unwrap() {
            assert_eq!(finding["kind"], "boilerplate", "{finding:#}");
            reported.insert((archived + i, finding["line"].as_u64().unwrap()));
        }
    }
    let planted: HashSet<(usize, u64)> = truth
        .footers
        .iter()
        .filter(|&&(d, _)| d >= archived)
        .map(|&(d, p)| (d, line_of(p)))
        .collect();
    let found = planted.intersection(&reported).count();
    eprintln!(
        "check: {found} of {} planted end markers reported, {} reports",
        planted.len(),
        reported.len()
    );
    assert!(planted.len() > (documents - archived) / 2);
    assert_eq!(
        found,
        planted.len(),
        "missed: {:?}",
        planted.difference(&reported)
    );
    assert!(
        reported.is_subset(&planted),
        "reported but no end marker: {:?}",
        reported.difference(&planted).take(5).collect::<Vec<_>>()
    );
    let short = short_story_paragraphs(&stories, &truth);
    assert!(short.iter().any(|&(d, _)| d >= archived));
    for (d, p) in short {
        assert!(
            !reported.contains(&(d, line_of(p))),
            "document {d}, paragraph {p} reported"
        );
    }
}

#[test]
fn hard_negatives_same_names_and_footer_different_story_are_not_duplicates() {
    // Pairs of different stories that open on the same people and place
    // and close with the same long footer: the words a careless
    // fingerprint matches on. None is a near-duplicate of another.
    let corpus = unrelated_stories(600, 31, 0.0);
    let footer = "This story was produced by the Example Wire newsroom. Copyright 2026 \
                  Example Wire Service. All rights reserved. Not for redistribution \
                  without written permission from the editors.";
    let names = [
        "Anna Kowalski",
        "Tom Reyes",
        "Li Wei",
        "Grace Mensah",
        "Omar Haddad",
    ];
    let mut jsonl = String::new();
    for pair in 0..300 {
        let lead = format!(
            "{} and {} met in the capital on Monday to discuss the budget, officials said.",
            names[pair % names.len()],
            names[(pair + 1) % names.len()]
        );
        for half in [pair, pair + 300] {
            let story = corpus.documents[half].text.trim_end();
            // Half the pairs are a six-word brief: the shared lead and
            // footer outweigh the story unless the footer is left out.
            let story = match pair % 2 {
                0 => story.to_owned(),
                _ => story
                    .split_whitespace()
                    .take(6)
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            let text = format!("{lead}\n\n{story}\n\n{footer}\n");
            jsonl
                .push_str(&serde_json::json!({"id": format!("s{half}"), "text": text}).to_string());
            jsonl.push('\n');
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("negatives.jsonl");
    std::fs::write(&path, jsonl).unwrap();
    let report = run(&["scan", "--json", "--quiet", path.to_str().unwrap()]).json();
    assert_eq!(
        report["document_clusters"].as_array().unwrap().len(),
        0,
        "different stories under the same names and footer clustered"
    );
    let footer_cluster = report["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["text"]
                .as_str()
                .unwrap()
                .starts_with("This story was produced")
        })
        .expect("the footer is found");
    assert_eq!(footer_cluster["kind"], "boilerplate");
    assert_eq!(footer_cluster["documents"], 600);
}

#[test]
fn shortened_and_extended_reprints_are_found_where_jaccard_misses_them() {
    // Reprints as newsrooms make them: cut to 40-90% of the paragraphs,
    // or with one to three paragraphs added, or edited in a word; stories
    // quoting a paragraph or two of another as hard negatives.
    let (documents, seed) = size_and_seed(2000, 41);
    let mut corpus = SyntheticCorpus::default();
    corpus.truth = generate_reprints(documents, seed, |doc| corpus.documents.push(doc));
    let with = Evaluation::of(corpus.clone(), &[]);
    let without = Evaluation::of(corpus, &["--containment", "off"]);
    let planted = with.planted_pairs();
    assert!(planted.len() > 500, "{} planted pairs", planted.len());
    let score = |eval: &Evaluation| {
        let reported = eval.reported_pairs();
        let right = reported.intersection(&planted).count();
        (
            right as f64 / reported.len().max(1) as f64,
            right as f64 / planted.len() as f64,
        )
    };
    let (precision, recall) = score(&with);
    let (jaccard_precision, jaccard_recall) = score(&without);
    // The NEWS-COPY figure: recall by band of whole-text Jaccard.
    let mut bands = [(0usize, 0usize, 0usize); 5];
    let (found, found_by_jaccard) = (with.reported_pairs(), without.reported_pairs());
    for &(a, b) in &planted {
        let band = ((with.reference_jaccard(a, b) * 5.0) as usize).min(4);
        bands[band].0 += 1;
        bands[band].1 += usize::from(found.contains(&(a, b)));
        bands[band].2 += usize::from(found_by_jaccard.contains(&(a, b)));
    }
    eprintln!(
        "reprints: {} planted pairs; containment 0.8: precision {precision:.4} recall \
         {recall:.4}; Jaccard only: precision {jaccard_precision:.4} recall {jaccard_recall:.4}",
        planted.len()
    );
    eprintln!("| Jaccard | planted pairs | found (containment 0.8) | found (Jaccard only) |");
    for (band, &(total, with, without)) in bands.iter().enumerate() {
        eprintln!(
            "| {:.1}-{:.1} | {total} | {with} | {without} |",
            band as f64 / 5.0,
            (band + 1) as f64 / 5.0
        );
    }
    assert!(recall >= 0.95, "reprint recall {recall:.4}");
    assert!(precision >= 0.98, "reprint precision {precision:.4}");
    assert!(
        jaccard_recall < 0.5,
        "Jaccard alone finds {jaccard_recall:.4}"
    );
    // Every member says how it relates, and the figures back it.
    for cluster in with.report["document_clusters"].as_array().unwrap() {
        for member in cluster["members"].as_array().unwrap() {
            let share = |key: &str| member[key].as_f64().unwrap();
            match member["relation"].as_str().unwrap() {
                "similar" => assert!(share("similarity") >= 0.8, "{member}"),
                "contained_in" => assert!(share("in_representative") >= 0.8, "{member}"),
                "contains" => assert!(share("of_representative") >= 0.8, "{member}"),
                other => panic!("relation {other}"),
            }
        }
    }
}
