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
