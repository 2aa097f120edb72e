//! `refrain sign`: refrain's fingerprints as JSON lines for a distributed
//! run, one per document, bad records reported with their line.

use crate::util::{corpus, json_lines, run_in, run_with_stdin};

#[test]
fn one_line_per_document_with_paragraph_sets_keys_and_bands() {
    let input = concat!(
        "{\"id\":\"a\",\"text\":\"The council met on Monday night to vote.\\n\\nAll rights reserved.\"}\n",
        "not json\n",
        "\n",
        "{\"text\":\"The council met on Monday night to vote.\"}\n",
    );
    let out = run_with_stdin(&["sign", "--input-format", "jsonl"], input.as_bytes());
    assert_eq!(
        out.code, 2,
        "a malformed record is an error: {}",
        out.stderr
    );
    assert!(out.stderr.contains("<stdin>:2"), "{}", out.stderr);
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["id"].as_str(), rows[0]["line"].as_u64()),
        (Some("a"), Some(1))
    );
    assert_eq!(rows[1]["id"], "<stdin>:4");
    let first = &rows[0]["paragraphs"][0];
    assert_eq!(first["tokens"], 8);
    assert_eq!(first["key"].as_str().unwrap().len(), 16);
    assert_eq!(first["bands"].as_array().unwrap().len(), 21);
    // The same paragraph in another document has the same key and set.
    assert_eq!(rows[1]["paragraphs"][0], *first);
    assert_eq!(rows[0]["paragraphs"].as_array().unwrap().len(), 2);
    assert_eq!(first["passage"], true);
    // "All rights reserved." has 3 tokens: a passage at the default
    // --min-passage-tokens (2), too short at 4.
    assert_eq!(rows[0]["paragraphs"][1]["passage"], true);
    let strict = run_with_stdin(
        &[
            "sign",
            "--input-format",
            "jsonl",
            "--min-passage-tokens",
            "4",
        ],
        input.as_bytes(),
    );
    let strict_rows = json_lines(&strict.stdout);
    assert_eq!(strict_rows[0]["paragraphs"][1]["passage"], false);
    assert_eq!(strict_rows[0]["paragraphs"][0]["passage"], true);
}

#[test]
fn documents_leave_listed_paragraphs_out() {
    let text = "The council met on Monday night to vote on the budget.\n\nAll rights reserved by the Example Wire.";
    let records = [
        serde_json::json!({"id": "whole", "text": text}),
        serde_json::json!({"id": "story", "text": text, "refrain_exclude": [1]}),
        serde_json::json!({"id": "story-only", "text": text.split("\n\n").next().unwrap()}),
        serde_json::json!({"id": "bad", "text": text, "refrain_exclude": "1"}),
    ];
    let jsonl: String = records.iter().map(|r| format!("{r}\n")).collect();
    let dir = corpus(&[("c.jsonl", jsonl.as_bytes())]);
    let out = run_in(
        dir.path(),
        &["sign", "--documents", "-o", "signed.jsonl", "c.jsonl"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("c.jsonl:4") && out.stderr.contains("refrain_exclude"));
    let rows = json_lines(&std::fs::read_to_string(dir.path().join("signed.jsonl")).unwrap());
    assert_eq!(rows.len(), 3);
    assert_ne!(rows[0]["key"], rows[1]["key"]);
    assert_eq!(rows[1]["key"], rows[2]["key"]);
    assert_eq!(rows[1]["shingles"], rows[2]["shingles"]);
    assert_eq!(rows[1]["bands"].as_array().unwrap().len(), 21);
}

/// `rules` answers a story-text request built from `sign`'s output as the
/// engine judges the same corpus: a footer under different stories is
/// boilerplate, a reprinted story's paragraph is story text.
#[test]
fn rules_judges_passages_laid_out_from_signed_documents() {
    use serde_json::{Value, json};
    let footer = "Copyright 2026 Example Wire Service. All rights reserved. Do not redistribute.";
    let stories = [
        "The council approved the budget after a long debate on Monday night.",
        "Heavy rain flooded streets across the northern districts overnight again.",
        "The local team won the championship in a dramatic final match on Sunday.",
        "A new bridge over the river opened to traffic after three years of work.",
    ];
    let story = "The harbour strike entered its third week as talks between unions and port owners stalled.\n\nDockers say the new shift rota cuts their pay by a fifth while raising the hours they work.\n\nOwners say the rota is needed to keep the port open at night as shipping lines demand.";
    let mut jsonl = String::new();
    for text in stories.iter().map(|s| format!("{s}\n\n{footer}")) {
        jsonl.push_str(&json!({ "text": text }).to_string());
        jsonl.push('\n');
    }
    for _ in 0..4 {
        jsonl.push_str(&json!({ "text": story }).to_string());
        jsonl.push('\n');
    }
    let signed = run_with_stdin(&["sign", "--input-format", "jsonl"], jsonl.as_bytes());
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    let documents = json_lines(&signed.stdout);
    // The footer is cluster 10, in documents 0-3 at paragraph 1; the
    // reprint's paragraphs are clusters 20-22 in documents 4-7.
    let layout = |d: usize, clusters: &[Option<u64>]| -> Value {
        let paragraphs: Vec<Value> = documents[d]["paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .zip(clusters)
            .map(|(p, c)| json!({"cluster": c, "tokens": p["tokens"], "shingles": p["shingles"]}))
            .collect();
        json!([d, paragraphs])
    };
    let count = |documents: u64| json!({"documents": documents, "occurrences": documents});
    let footer_request = json!({"story_text": {
        "cluster": 10,
        "documents": [0, 1, 2, 3],
        "layouts": (0..4).map(|d| layout(d, &[None, Some(10)])).collect::<Vec<_>>(),
        "counts": [[10, count(4)]],
    }});
    let reprint_request = json!({"story_text": {
        "cluster": 21,
        "documents": [4, 5, 6, 7],
        "layouts": (4..8).map(|d| layout(d, &[Some(20), Some(21), Some(22)])).collect::<Vec<_>>(),
        "counts": [[20, count(4)], [21, count(4)], [22, count(4)]],
    }});
    let missing = json!({"story_text": {
        "cluster": 10, "documents": [0, 1, 2, 3],
        "layouts": [layout(0, &[None, Some(10)])], "counts": [[10, count(4)]],
    }});
    let requests = format!("{footer_request}\n{reprint_request}\n{missing}\n");
    let out = run_with_stdin(&["rules"], requests.as_bytes());
    assert_eq!(out.code, 2, "a request missing a layout is an error");
    assert!(
        out.stderr.contains("<stdin>:3") && out.stderr.contains("document 1"),
        "{}",
        out.stderr
    );
    let answers = json_lines(&out.stdout);
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0], json!({"line": 1, "story_text": false}));
    assert_eq!(answers[1], json!({"line": 2, "story_text": true}));
    // The engine on the same corpus: the footer is boilerplate, the
    // reprint's paragraphs are shared.
    let dir = corpus(&[("c.jsonl", jsonl.as_bytes())]);
    let scan = run_in(dir.path(), &["scan", "--json", "c.jsonl"]);
    let report: Value = serde_json::from_str(&scan.stdout).unwrap();
    let kinds: Vec<&str> = report["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["boilerplate", "shared", "shared", "shared"]);
}

/// A request line that is not UTF-8 (or not JSON) is reported with its
/// line; the others are answered, in order, and the exit status is 2.
#[test]
fn rules_reports_a_bad_request_line_and_answers_the_rest() {
    let requests = b"{\"kind\": {\"documents\": 3, \"occurrences\": 3}}\n{\"kind\": \"\xff\"}\nnot json\n\n{\"excluded\": {\"kind\": \"shared\", \"closing\": 1, \"occurrences\": 1}}\n";
    let out = run_with_stdin(&["rules"], requests);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("<stdin>:2:"), "{}", out.stderr);
    assert!(out.stderr.contains("<stdin>:3:"), "{}", out.stderr);
    let answers = json_lines(&out.stdout);
    let lines: Vec<u64> = answers
        .iter()
        .map(|a| a["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 5]);
    assert_eq!(answers[1]["excluded"], false);
}
