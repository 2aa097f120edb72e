//! Every kind of bad input gets its own entry in `errors`, with source and
//! line, and the rest of the corpus is still scanned.

use serde_json::Value;

use crate::util::{corpus, run_in};

const FOOTER: &str = "Copyright 2026 Example Wire. All rights reserved. Not for redistribution.";

fn story(topic: &str) -> Vec<u8> {
    format!("A story about {topic} that nobody else wrote.\n\n{FOOTER}\n").into_bytes()
}

fn errors_of(report: &Value) -> Vec<(String, Option<u64>, String, String)> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["source"].as_str().unwrap().to_owned(),
                e["line"].as_u64(),
                e["kind"].as_str().unwrap().to_owned(),
                e["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn footer_docs(report: &Value) -> Vec<String> {
    let clusters = report["passage_clusters"].as_array().unwrap();
    let footer = clusters
        .iter()
        .find(|c| c["text"] == FOOTER)
        .expect("footer still found");
    footer["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["doc"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn every_bad_input_is_reported_and_the_rest_is_scanned() {
    let mut latin1 = story("a café in Latin-1");
    latin1.extend_from_slice(b"caf\xe9\n");
    let jsonl = format!(
        "{}\n{{broken\n{}\n{}\n",
        serde_json::json!({"id": "j1", "text": String::from_utf8(story("jsonl")).unwrap()}),
        serde_json::json!({"id": "j3", "body": "no text field"}),
        serde_json::json!({"id": "j4", "text": ["not", "a", "string"]}),
    );
    let dir = corpus(&[
        ("a.txt", &story("the harbour")),
        ("b.txt", &story("the election")),
        ("c-latin1.txt", &latin1),
        ("d.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ("e-empty.txt", b""),
        ("f.jsonl", jsonl.as_bytes()),
    ]);
    let run = run_in(dir.path(), &["scan", "--json", ".", "missing.txt"]);
    assert_eq!(
        run.code, 2,
        "input errors give exit code 2:\n{}",
        run.stderr
    );
    let report = run.json();
    assert_eq!(
        errors_of(&report),
        [
            (
                "missing.txt".into(),
                None,
                "unreadable".into(),
                "error".into()
            ),
            (
                "./c-latin1.txt".into(),
                None,
                "invalid_utf8".into(),
                "warning".into()
            ),
            ("./d.bin".into(), None, "binary".into(), "warning".into()),
            (
                "./e-empty.txt".into(),
                None,
                "empty".into(),
                "warning".into()
            ),
            (
                "./f.jsonl".into(),
                Some(2),
                "malformed_json".into(),
                "error".into()
            ),
            (
                "./f.jsonl".into(),
                Some(3),
                "missing_field".into(),
                "error".into()
            ),
            (
                "./f.jsonl".into(),
                Some(4),
                "missing_field".into(),
                "error".into()
            ),
        ]
    );
    assert_eq!(
        footer_docs(&report),
        ["./a.txt", "./b.txt", "./c-latin1.txt", "j1"]
    );
    assert_eq!(report["stats"]["documents"], 4);
    // Each problem is also on stderr, with its path and line.
    assert!(
        run.stderr
            .contains("error: ./f.jsonl:2: malformed JSON record"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("warning: ./d.bin: binary file"),
        "{}",
        run.stderr
    );
}

/// The report of three stories beside `huge.txt`: it alone refused as too
/// large, the stories' footer still found.
fn assert_only_huge_refused(report: &Value) {
    assert_eq!(
        errors_of(report),
        [(
            "./huge.txt".into(),
            None,
            "too_large".into(),
            "error".into()
        )]
    );
    assert_eq!(footer_docs(report).len(), 3);
}

#[test]
fn a_200_megabyte_single_line_file_is_skipped_not_loaded() {
    let dir = corpus(&[
        ("a.txt", &story("one")),
        ("b.txt", &story("two")),
        ("c.txt", &story("three")),
    ]);
    let huge = dir.path().join("huge.txt");
    {
        use std::io::Write;
        let mut file = std::io::BufWriter::new(std::fs::File::create(&huge).unwrap());
        let chunk = "word ".repeat(200_000);
        for _ in 0..200 {
            file.write_all(chunk.as_bytes()).unwrap();
        }
    }
    assert_eq!(std::fs::metadata(&huge).unwrap().len(), 200_000_000);
    let run = run_in(dir.path(), &["scan", "--json", "."]);
    assert_eq!(run.code, 2);
    let report = run.json();
    assert_only_huge_refused(&report);
}

/// Runs `refrain ARGS` in `dir`; its exit code and peak resident memory
/// in bytes (from `wait4`, this child's own figure).
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives its memory
fn run_measuring_memory(dir: &std::path::Path, args: &[&str]) -> (i32, u64) {
    let child = crate::util::refrain()
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: `usage` is written by wait4 for the child just spawned.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    // Linux gives the peak in kilobytes.
    (libc::WEXITSTATUS(status), usage.ru_maxrss as u64 * 1024)
}

#[test]
fn an_oversized_file_is_refused_by_its_size_without_being_read() {
    // A 4 GiB file (sparse: no disk used) beside three stories: refused
    // as too large, and never read (it used to be read up to the 64 MB
    // limit first: 234 MB of memory to refuse it).
    let dir = corpus(&[
        ("a.txt", &story("one")),
        ("b.txt", &story("two")),
        ("c.txt", &story("three")),
    ]);
    let huge = std::fs::File::create(dir.path().join("huge.txt")).unwrap();
    huge.set_len(4 << 30).unwrap();
    let (code, peak) = run_measuring_memory(dir.path(), &["scan", "--json", "."]);
    assert_eq!(code, 2, "too large is an error");
    assert!(peak < 48 << 20, "peak memory {} MB", peak >> 20);
    let report = run_in(dir.path(), &["scan", "--json", "."]).json();
    assert_only_huge_refused(&report);
}

#[test]
fn a_document_of_a_million_short_paragraphs_takes_bounded_memory() {
    // 1,000,000 one-letter paragraphs (3 MB): each form is signed once per
    // document, not once per paragraph (it took 620-1,000 MB, about 650
    // bytes a paragraph; now about 205).
    let mut text = String::with_capacity(3_000_000);
    let mut state = 1u64;
    for _ in 0..1_000_000 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        text.push((b'a' + (state >> 59) as u8 % 26) as char);
        text.push_str("\n\n");
    }
    let dir = corpus(&[("many.txt", text.as_bytes())]);
    let (code, peak) = run_measuring_memory(dir.path(), &["dedup", "-o", "/dev/null", "many.txt"]);
    assert_eq!(code, 0);
    eprintln!(
        "one document of 1,000,000 paragraphs: peak {} MB",
        peak >> 20
    );
    assert!(peak < 400 << 20, "peak memory {} MB", peak >> 20);
}

#[test]
fn an_oversized_jsonl_record_is_skipped_with_its_line() {
    let big = serde_json::json!({"id": "big", "text": "x".repeat(5000)});
    let jsonl = format!(
        "{}\n{big}\n{}\n{}\n",
        serde_json::json!({"id": "r1", "text": String::from_utf8(story("r1")).unwrap()}),
        serde_json::json!({"id": "r3", "text": String::from_utf8(story("r3")).unwrap()}),
        serde_json::json!({"id": "r4", "text": String::from_utf8(story("r4")).unwrap()}),
    );
    let dir = corpus(&[("feed.ndjson", jsonl.as_bytes())]);
    let report = run_in(
        dir.path(),
        &["scan", "--json", "--max-doc-bytes", "4096", "feed.ndjson"],
    )
    .json();
    assert_eq!(
        errors_of(&report),
        [(
            "feed.ndjson".into(),
            Some(2),
            "too_large".into(),
            "error".into()
        )]
    );
    assert_eq!(footer_docs(&report), ["r1", "r3", "r4"]);
}

#[test]
fn warnings_alone_keep_exit_code_0() {
    let mut latin1 = story("latin");
    latin1.extend_from_slice(b"\xff\xfe");
    let dir = corpus(&[("a.txt", &latin1), ("b.txt", b""), ("c.txt", &story("c"))]);
    let run = run_in(dir.path(), &["scan", "--json", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["errors"].as_array().unwrap().len(), 2);
}

#[test]
fn duplicate_record_ids_are_warned_about() {
    let jsonl = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "same", "text": "first"}),
        serde_json::json!({"id": "same", "text": "second"})
    );
    let dir = corpus(&[("d.jsonl", jsonl.as_bytes())]);
    let report = run_in(dir.path(), &["scan", "--json", "d.jsonl"]).json();
    assert_eq!(
        errors_of(&report),
        [(
            "d.jsonl".into(),
            Some(2),
            "duplicate_id".into(),
            "warning".into()
        )]
    );
}

#[test]
fn only_bad_inputs_means_nothing_to_scan() {
    let dir = corpus(&[("x.bin", b"\x00\x01\x02"), ("y.txt", b"   \n")]);
    let run = run_in(dir.path(), &["scan", "."]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("x.bin: binary file"), "{}", run.stderr);
    assert!(
        run.stderr.contains("no documents to read"),
        "{}",
        run.stderr
    );
    // With --json the report is still printed, its errors saying why.
    let run = run_in(dir.path(), &["scan", "--json", "."]);
    assert_eq!(run.code, 2);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["stats"]["documents"], 0);
    let kinds: Vec<String> = errors_of(&report).into_iter().map(|e| e.2).collect();
    assert_eq!(kinds, ["binary", "empty"], "{report:#}");
}

#[test]
fn a_wrong_text_field_prints_a_few_lines_a_count_and_the_fields_there_are() {
    let mut jsonl = String::new();
    for i in 0..400 {
        jsonl.push_str(&format!(
            "{{\"content\":\"story {i} with a long enough body of text\",\"title\":\"t{i}\",\"url\":\"u\"}}\n"
        ));
    }
    let dir = corpus(&[("feed.jsonl", jsonl.as_bytes())]);
    let out = run_in(dir.path(), &["scan", "--json", "feed.jsonl"]);
    assert_eq!(out.code, 2);
    let lines: Vec<&str> = out.stderr.lines().collect();
    let missing = lines
        .iter()
        .filter(|l| l.contains("record has no \"text\" field"))
        .count();
    assert_eq!(missing, 5, "{}", out.stderr);
    assert!(
        lines[0]
            .contains("records have \"content\", \"title\", \"url\": pass --text-field content"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("feed.jsonl: and 395 more missing field problem(s) like those above"),
        "{}",
        out.stderr
    );
    assert!(lines.len() < 10, "{}", out.stderr);
}

#[test]
fn jsonl_under_another_name_and_a_json_array_get_a_hint() {
    let dir = corpus(&[
        (
            "part-00000",
            b"{\"id\":\"a\",\"text\":\"one story\"}\n{\"id\":\"b\",\"text\":\"two\"}\n",
        ),
        (
            "feed.json",
            b"[{\"id\":\"a\",\"text\":\"x\"},{\"id\":\"b\",\"text\":\"y\"}]\n",
        ),
        (
            "story.txt",
            b"A plain story.\n\nWith {braces} in its second paragraph.\n",
        ),
    ]);
    let out = run_in(dir.path(), &["scan", "--json", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let hints: Vec<(String, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "looks_like_json" && e["severity"] == "warning")
        .map(|e| (e["source"].to_string(), e["message"].to_string()))
        .collect();
    assert_eq!(hints.len(), 2, "{report:#}");
    assert!(hints[0].0.contains("feed.json") && hints[0].1.contains("jq -c"));
    assert!(hints[1].0.contains("part-00000") && hints[1].1.contains("--input-format jsonl"));
    // Read as JSONL when asked: two records, no hint.
    let out = run_in(
        dir.path(),
        &["scan", "--json", "--input-format", "jsonl", "part-00000"],
    );
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["stats"]["documents"], 2, "{report:#}");
    assert_eq!(report["errors"], Value::Array(vec![]));
}

#[test]
fn utf16_and_a_truncated_zstd_stream_are_named_for_what_they_are() {
    let story = "A story long enough to be worth compressing, told twice over. ".repeat(200);
    let compressed = {
        let out = std::process::Command::new("zstd")
            .args(["-q", "-c"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                use std::io::Write;
                child.stdin.take().unwrap().write_all(story.as_bytes())?;
                child.wait_with_output()
            });
        match out {
            Ok(out) if out.status.success() => Some(out.stdout),
            _ => None, // no zstd(1) here: the UTF-16 half still runs
        }
    };
    let mut files: Vec<(&str, Vec<u8>)> = vec![("u16.txt", b"\xff\xfeH\x00i\x00\n\x00".to_vec())];
    if let Some(bytes) = &compressed {
        files.push(("cut.txt.zst", bytes[..bytes.len() / 2].to_vec()));
    }
    let owned: Vec<(String, Vec<u8>)> = files
        .into_iter()
        .map(|(name, bytes)| (name.to_owned(), bytes))
        .collect();
    let dir = crate::util::corpus_owned(&owned);
    let out = run_in(dir.path(), &["scan", "."]);
    assert!(
        out.stderr.contains("UTF-16 text") && out.stderr.contains("iconv -f UTF-16 -t UTF-8"),
        "{}",
        out.stderr
    );
    if compressed.is_some() {
        assert!(
            out.stderr
                .contains("zstd: the stream ends in the middle of a block"),
            "{}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("BlockContentReadError"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn errors_are_listed_in_input_order_reused_ids_included() {
    let jsonl = b"{\"id\":\"a\",\"text\":\"good story one here\"}\n\
{\"id\":\"b\",\"text\":\"good story two here\"}\n\
not json\n\
{\"id\":\"a\",\"text\":\"a story under a reused id\"}\n\
{\"id\":\"e\"}\n";
    let dir = corpus(&[("order.jsonl", jsonl), ("z.txt", b"")]);
    let out = run_in(dir.path(), &["scan", "--json", "order.jsonl", "z.txt"]);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    let order: Vec<(String, Option<u64>, String)> = errors_of(&report)
        .into_iter()
        .map(|(source, line, kind, _)| (source, line, kind))
        .collect();
    let expected = [
        ("order.jsonl", Some(3), "malformed_json"),
        ("order.jsonl", Some(4), "duplicate_id"),
        ("order.jsonl", Some(5), "missing_field"),
        ("z.txt", None, "empty"),
    ]
    .map(|(s, l, k)| (s.to_owned(), l, k.to_owned()));
    assert_eq!(order, expected, "{report:#}");
}
