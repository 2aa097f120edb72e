//! The JSON report's contract: parsing into test-side structs that reject
//! unknown fields, so any change to the schema fails here first.

use serde::Deserialize;

use crate::util::run;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Report {
    schema_version: u32,
    params: Params,
    stats: Stats,
    passage_clusters: Vec<PassageCluster>,
    document_clusters: Vec<DocumentCluster>,
    errors: Vec<InputError>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Params {
    input_format: String,
    text_field: String,
    id_field: String,
    max_doc_bytes: u64,
    shingle_size: usize,
    num_perm: usize,
    seed: u64,
    normalization: String,
    tokenizer: String,
    threshold: f64,
    passage_threshold: f64,
    containment: Option<f64>,
    min_docs: usize,
    min_passage_tokens: usize,
    document_lsh: Lsh,
    passage_lsh: Lsh,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Lsh {
    bands: usize,
    rows: usize,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Stats {
    documents: u64,
    paragraphs: u64,
    bytes: u64,
    passages: u64,
    excluded_paragraphs: u64,
    passage_clustering: ClusterStats,
    document_clustering: ClusterStats,
    elapsed_ms: Option<u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct ClusterStats {
    items: u64,
    distinct_forms: u64,
    candidate_pairs: u64,
    verified_pairs: u64,
    contained_pairs: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PassageCluster {
    id: String,
    kind: String,
    text: String,
    closing: bool,
    documents: u64,
    occurrences: Vec<Occurrence>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Occurrence {
    doc: String,
    record: Option<String>,
    paragraph: u32,
    line: u32,
    start_byte: usize,
    end_byte: usize,
    closing: bool,
    similarity: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct DocumentCluster {
    id: String,
    representative: String,
    members: Vec<Member>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Member {
    doc: String,
    record: Option<String>,
    similarity: f64,
    relation: String,
    in_representative: f64,
    of_representative: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct InputError {
    source: String,
    line: Option<u64>,
    severity: String,
    kind: String,
    message: String,
}

#[test]
fn report_matches_the_documented_schema() {
    let out = run(&[
        "scan",
        "--json",
        "--timings",
        "samples/",
        "no-such-file.txt",
    ]);
    let report: Report = serde_json::from_str(&out.stdout).expect("report matches the schema");
    assert_eq!(report.schema_version, 1);
    assert!(report.stats.elapsed_ms.is_some());
    assert_eq!(report.errors.len(), 1);
    assert!(
        report
            .passage_clusters
            .iter()
            .all(|c| ["boilerplate", "repeated", "shared"].contains(&c.kind.as_str()))
    );
    for (i, cluster) in report.passage_clusters.iter().enumerate() {
        assert_eq!(cluster.id, format!("p{}", i + 1));
        assert!(
            cluster
                .occurrences
                .iter()
                .all(|o| o.start_byte < o.end_byte && o.line >= 1)
        );
        assert_eq!(
            cluster.occurrences[0].similarity, 1.0,
            "the first occurrence is the representative"
        );
    }
    for (i, cluster) in report.document_clusters.iter().enumerate() {
        assert_eq!(cluster.id, format!("d{}", i + 1));
        assert_eq!(cluster.members[0].doc, cluster.representative);
        let containment = report.params.containment.unwrap_or(f64::INFINITY);
        for member in &cluster.members {
            match member.relation.as_str() {
                "similar" => assert!(member.similarity >= report.params.threshold),
                "contained_in" => assert!(member.in_representative >= containment),
                "contains" => assert!(member.of_representative >= containment),
                other => panic!("relation {other}"),
            }
        }
    }
}

#[test]
fn byte_spans_point_at_the_passage_in_the_source() {
    let out = run(&["scan", "--json", "samples/zh/newspaper-page.txt"]);
    let report: Report = serde_json::from_str(&out.stdout).unwrap();
    let source = std::fs::read(crate::util::repo_path("samples/zh/newspaper-page.txt")).unwrap();
    for occurrence in &report.passage_clusters[0].occurrences {
        let span =
            std::str::from_utf8(&source[occurrence.start_byte..occurrence.end_byte]).unwrap();
        assert!(
            span.starts_with("高质量") && span.ends_with("书写新答卷！"),
            "{span}"
        );
    }
}
