//! `refrain dedup`: one decision per document, one kept member per
//! cluster by the chosen policy, the kept corpus written back in its own
//! format.

use std::collections::{BTreeMap, HashMap};

use refrain::synthetic::{CorpusSpec, generate};
use serde_json::Value;
use xxhash_rust::xxh3::xxh3_64;

use crate::util::{assert_same_text, corpus, corpus_owned, json_lines, run_in};

/// A directory holding `c.jsonl`: a generated corpus of `documents`.
fn generated_jsonl(documents: usize, seed: u64) -> tempfile::TempDir {
    let generated = generate(&CorpusSpec::new(documents, seed));
    corpus(&[("c.jsonl", generated.to_jsonl().as_bytes())])
}

#[test]
fn one_kept_per_cluster_and_planted_copies_dropped() {
    let corpus_data = generate(&CorpusSpec::new(800, 17));
    let dir = corpus(&[("c.jsonl", corpus_data.to_jsonl().as_bytes())]);
    let out = run_in(dir.path(), &["dedup", "-q", "c.jsonl"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), 800);
    let mut clusters: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for row in &rows {
        if let Some(cluster) = row["cluster"].as_str() {
            clusters.entry(cluster.to_owned()).or_default().push(row);
        } else {
            assert_eq!(row["keep"], true);
        }
    }
    assert!(!clusters.is_empty());
    for members in clusters.values() {
        let kept: Vec<&&Value> = members.iter().filter(|m| m["keep"] == true).collect();
        assert_eq!(kept.len(), 1);
        for member in members.iter().filter(|m| m["keep"] == false) {
            assert_eq!(member["duplicate_of"], kept[0]["id"]);
            match member["relation"].as_str().unwrap() {
                "similar" => assert!(member["similarity"].as_f64().unwrap() >= 0.8),
                // The default policy keeps the fuller version.
                relation => assert_eq!(relation, "contained_in", "{member}"),
            }
        }
    }
    // Each dropped document is a copy of one of its own family.
    let documents = &corpus_data.documents;
    let family_of: HashMap<String, usize> = corpus_data
        .truth
        .families
        .iter()
        .enumerate()
        .flat_map(|(f, members)| members.iter().map(move |&d| (documents[d].id.clone(), f)))
        .collect();
    let dropped: Vec<&Value> = rows.iter().filter(|r| r["keep"] == false).collect();
    assert!(dropped.iter().all(|r| {
        let (id, kept) = (
            r["id"].as_str().unwrap(),
            r["duplicate_of"].as_str().unwrap(),
        );
        family_of.contains_key(id) && family_of.get(id) == family_of.get(kept)
    }));
    // Footers are listed as boilerplate paragraphs.
    let (doc, paragraph) = corpus_data.truth.footers[0];
    assert!(
        rows[doc]["boilerplate_paragraphs"]
            .as_array()
            .unwrap()
            .contains(&Value::from(paragraph))
    );
    // Same decisions whatever the thread count.
    let one = run_in(dir.path(), &["dedup", "-q", "-j", "1", "c.jsonl"]);
    assert_eq!(one.stdout, out.stdout);
}

#[test]
fn keep_longest_and_keep_by_field() {
    let story = "The harbour authority approved a new ferry route on Monday after months of debate among residents and operators.";
    let more = "Officials said the first sailings would start in June, with four crossings a day.";
    let records = [
        serde_json::json!({"id": "a", "date": "2026-03-02", "text": format!("{story}\n\n{more}")}),
        serde_json::json!({"id": "b", "date": "2026-03-01", "text": format!("{story}\n\n{more}\n\nThe vote was 7 to 2.")}),
        serde_json::json!({"id": "c", "text": format!("{story}\n\n{more}")}),
        serde_json::json!({"id": "d", "date": "2026-01-01", "text": "An unrelated story about a bakery."}),
    ];
    let jsonl: String = records.iter().map(|r| format!("{r}\n")).collect();
    let dir = corpus(&[("w.jsonl", jsonl.as_bytes())]);
    let kept = |policy: &str| -> Vec<String> {
        let out = run_in(
            dir.path(),
            &[
                "dedup",
                "-q",
                "--keep",
                policy,
                "--threshold",
                "0.5",
                "w.jsonl",
            ],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        json_lines(&out.stdout)
            .iter()
            .filter(|r| r["keep"] == true)
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(kept("first"), ["a", "d"]);
    assert_eq!(kept("longest"), ["b", "d"]);
    assert_eq!(
        kept("field:date"),
        ["b", "d"],
        "the earliest date; a missing date sorts last"
    );
}

#[test]
fn write_kept_rewrites_jsonl_and_text_without_duplicates_or_boilerplate() {
    let footer = "Copyright 2026 Example Wire. All rights reserved. Not for redistribution.";
    let story =
        "The council approved the budget after a long debate that ran past midnight on Monday.";
    let others = [
        "Heavy rain flooded the lower streets and closed two schools in the valley.",
        "The orchestra opened its winter season with a sold-out night of Brahms.",
    ];
    let records: Vec<Value> = (0..4)
        .map(|i| {
            let text = if i < 2 { format!("{story}\n\n{footer}") } else { format!("{}\n\n{footer}", others[i - 2]) };
            serde_json::json!({"id": format!("r{i}"), "url": format!("https://example.org/{i}"), "text": text})
        })
        .collect();
    let jsonl: String = records.iter().map(|r| format!("{r}\n")).collect();
    let plain = format!("A plain file story of its own with enough words.\n\n{footer}\n");
    let dir = corpus(&[
        ("in/w.jsonl", jsonl.as_bytes()),
        ("in/p.txt", plain.as_bytes()),
    ]);
    let out = run_in(
        dir.path(),
        &[
            "dedup",
            "-q",
            "-o",
            "decisions.jsonl",
            "--write-kept",
            "out",
            "in",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("decisions.jsonl"))
            .unwrap()
            .lines()
            .count(),
        5
    );
    let kept: Vec<Value> = std::fs::read_to_string(dir.path().join("out/in/w.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = kept.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["r0", "r2", "r3"]);
    assert_eq!(
        kept[0]["url"], "https://example.org/0",
        "other fields are kept"
    );
    assert_eq!(kept[0]["text"], story, "the footer is gone");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out/in/p.txt")).unwrap(),
        "A plain file story of its own with enough words.\n"
    );
}

#[test]
fn compressed_input_gives_the_same_decisions() {
    use std::io::Write;
    let jsonl = generate(&CorpusSpec::new(400, 23)).to_jsonl();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(jsonl.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    let zst = ruzstd::encoding::compress_to_vec(
        jsonl.as_bytes(),
        ruzstd::encoding::CompressionLevel::Fastest,
    );
    let dir = corpus(&[
        ("c.jsonl", jsonl.as_bytes()),
        ("c.jsonl.gz", &gz),
        ("c.jsonl.zst", &zst),
    ]);
    let plain = run_in(dir.path(), &["dedup", "-q", "c.jsonl"]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(plain.stdout.contains("\"keep\":false"));
    for name in ["c.jsonl.gz", "c.jsonl.zst"] {
        let out = run_in(dir.path(), &["dedup", "-q", name]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stdout.replace(name, "c.jsonl"), plain.stdout, "{name}");
    }
    let stdin = crate::util::run_with_stdin(&["dedup", "-q", "--input-format", "jsonl", "-"], &gz);
    assert_eq!(stdin.stdout.replace("<stdin>", "c.jsonl"), plain.stdout);
}

/// The engine finds the same passage clusters, verdicts, excluded
/// paragraphs and document clusters, with the same overlaps, whether the
/// corpus comes in one file (one batch) or in several (forms seen in one
/// batch recur in later ones, and are looked up, not signed again), and
/// with texts kept or not.
#[test]
fn batches_find_what_one_batch_finds() {
    use refrain::config::ScanConfig;
    use refrain::progress::Progress;
    // The first corpus comes in five files, five batches: forms seen in
    // one batch recur in later ones.
    for (documents, seed, min_docs, files) in [(1500, 3, 3, 5), (1000, 8, 2, 1)] {
        let jsonl = generate(&CorpusSpec::new(documents, seed)).to_jsonl();
        let lines: Vec<&str> = jsonl.lines().collect();
        let parts: Vec<(String, Vec<u8>)> = lines
            .chunks(lines.len().div_ceil(files))
            .enumerate()
            .map(|(i, part)| (format!("c{i}.jsonl"), (part.join("\n") + "\n").into_bytes()))
            .collect();
        let dir = corpus_owned(&parts);
        let whole = corpus(&[("c.jsonl", jsonl.as_bytes())]);
        let mut config = ScanConfig::new(vec![whole.path().to_path_buf(), "samples".into()]);
        config.min_docs = min_docs;
        let one =
            refrain::batch::analyze(&config, &Default::default(), &Progress::hidden()).unwrap();
        config.paths[0] = dir.path().to_path_buf();
        let temp = tempfile::tempdir().unwrap();
        let options = refrain::batch::Options {
            temp_dir: Some(temp.path()),
            keep_texts: true,
            ..refrain::batch::Options::default()
        };
        let batch = refrain::batch::analyze(&config, &options, &Progress::hidden()).unwrap();
        assert!(files == 1 || batch.sources.len() > one.sources.len());
        for d in [0, batch.documents.len() / 2, batch.documents.len() - 1] {
            let text = batch.text_of(d).expect("kept").unwrap();
            assert_eq!(xxh3_64(text.as_bytes()), batch.documents[d].text_hash);
        }
        assert_eq!(batch.documents.len(), one.documents.len());
        assert_eq!(batch.passages.clusters, one.passages.clusters);
        assert_eq!(batch.passages.stats, one.passages.stats);
        assert_eq!(batch.excluded, one.excluded);
        assert!(one.excluded.iter().any(|e| !e.is_empty()));
        assert!(!one.document_clusters.is_empty());
        assert_eq!(batch.document_clusters, one.document_clusters);
        assert_eq!(
            std::fs::read_dir(temp.path()).unwrap().count(),
            0,
            "temporary files are gone"
        );
    }
}

#[test]
fn unusable_temp_dir_is_an_error_naming_it() {
    let dir = generated_jsonl(50, 4);
    for command in ["dedup", "scan"] {
        let out = run_in(
            dir.path(),
            &[command, "--temp-dir", "no/such/dir", "c.jsonl"],
        );
        assert_eq!(out.code, 2, "{command}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{command}");
        assert!(
            out.stderr.contains("no/such/dir")
                && out.stderr.contains("the directory does not exist")
                && !out.stderr.contains("free some space"),
            "{command}: {}",
            out.stderr
        );
    }
}

#[test]
fn scan_temporary_files_go_to_temp_dir_and_are_gone_after() {
    let dir = generated_jsonl(200, 4);
    std::fs::create_dir(dir.path().join("spill")).unwrap();
    let plain = run_in(dir.path(), &["scan", "--json", "c.jsonl"]);
    let spilled = run_in(
        dir.path(),
        &["scan", "--json", "--temp-dir", "spill", "c.jsonl"],
    );
    assert_eq!(spilled.code, 0, "{}", spilled.stderr);
    assert!(spilled.json()["passage_clusters"].as_array().unwrap().len() > 3);
    assert_same_text(&plain.stdout, &spilled.stdout, "scan with --temp-dir");
    assert_eq!(
        std::fs::read_dir(dir.path().join("spill")).unwrap().count(),
        0,
        "temporary files removed"
    );
}

#[test]
fn stats_give_stage_times_and_work_counts_on_stderr() {
    let dir = generated_jsonl(120, 6);
    let out = run_in(
        dir.path(),
        &["dedup", "--stats", "-o", "d.jsonl", "c.jsonl"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    for stage in ["fingerprinting", "clustering passages", "document sets"] {
        assert!(
            out.stderr.contains(&format!("refrain: {stage} done in ")),
            "{}",
            out.stderr
        );
    }
    let stats_line = out
        .stderr
        .lines()
        .find_map(|line| line.strip_prefix("refrain: stats "))
        .expect("a stats line");
    let stats: Value = serde_json::from_str(stats_line).unwrap();
    assert_eq!(stats["documents"], 120);
    assert!(
        stats["document_clustering"]["verified_pairs"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn write_kept_decompresses_a_compressed_source() {
    use std::io::Write;
    let generated = generate(&CorpusSpec::new(300, 6));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(generated.to_jsonl().as_bytes()).unwrap();
    let dir = corpus(&[("c.jsonl.gz", &gz.finish().unwrap())]);
    let out = run_in(
        dir.path(),
        &["dedup", "-q", "--write-kept", "out", "c.jsonl.gz"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let kept = std::fs::read_to_string(dir.path().join("out/c.jsonl")).unwrap();
    let expected = json_lines(&out.stdout)
        .iter()
        .filter(|r| r["keep"] == true)
        .count();
    assert!(expected < 300);
    assert_eq!(kept.lines().count(), expected);
    for line in kept.lines() {
        serde_json::from_str::<Value>(line).expect("a JSON record");
    }
}

#[test]
fn output_dash_is_stdout() {
    let dir = generated_jsonl(60, 8);
    let to_file = run_in(dir.path(), &["dedup", "-q", "-o", "d.jsonl", "c.jsonl"]);
    assert_eq!(to_file.code, 0, "{}", to_file.stderr);
    let to_stdout = run_in(dir.path(), &["dedup", "-q", "-o", "-", "c.jsonl"]);
    assert_eq!(to_stdout.code, 0, "{}", to_stdout.stderr);
    let written = std::fs::read_to_string(dir.path().join("d.jsonl")).unwrap();
    assert_eq!(to_stdout.stdout, written);
    assert!(!dir.path().join("-").exists(), "no file named -");
    let scan = run_in(dir.path(), &["scan", "-q", "-o", "-", "c.jsonl"]);
    assert!(scan.stdout.trim_start().starts_with('{'), "{}", scan.stdout);
    assert!(!dir.path().join("-").exists(), "no file named -");
}

#[test]
fn a_keep_field_no_document_has_is_an_error_and_a_rare_one_a_warning() {
    let story = "Dockworkers walked off the job early Thursday, halting the unloading of ships.";
    let mut jsonl = String::new();
    for i in 0..10 {
        let date = if i < 3 {
            format!(",\"date\":\"2026-0{}\"", i + 1)
        } else {
            String::new()
        };
        jsonl.push_str(&format!("{{\"id\":\"d{i}\",\"text\":\"{story}\"{date}}}\n"));
    }
    let dir = corpus(&[("c.jsonl", jsonl.as_bytes()), ("p.txt", story.as_bytes())]);
    for (keep, input) in [("field:dtae", "c.jsonl"), ("field:date", "p.txt")] {
        let out = run_in(dir.path(), &["dedup", "--keep", keep, input]);
        assert_eq!(out.code, 2, "{keep} {input}: {}", out.stderr);
        assert!(out.stderr.contains("no document has a"), "{}", out.stderr);
    }
    let out = run_in(dir.path(), &["dedup", "--keep", "field:date", "c.jsonl"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("only 3 of 10 document(s) have the field"),
        "{}",
        out.stderr
    );
    // The earliest date is kept.
    let kept: Vec<String> = json_lines(&out.stdout)
        .iter()
        .filter(|d| d["keep"] == true)
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kept, ["d0"]);
}

#[test]
fn an_output_that_cannot_be_written_fails_before_any_reading() {
    // The input does not exist either: the error names the output, so the
    // output was tried first.
    let dir = tempfile::tempdir().unwrap();
    for (command, output) in [
        ("dedup", "missing-dir/out.jsonl"),
        ("scan", "missing-dir/report.json"),
    ] {
        let out = run_in(dir.path(), &[command, "-o", output, "missing.jsonl"]);
        assert_eq!(out.code, 2);
        assert!(
            out.stderr.contains(&format!("cannot write {output}")),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains("missing.jsonl:"), "{}", out.stderr);
    }
    // A run that fails later leaves nothing at the output path.
    let out = run_in(dir.path(), &["dedup", "-o", "out.jsonl", "missing.jsonl"]);
    assert_eq!(out.code, 2);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_file_size_limit_is_an_error_message_not_a_kill() {
    let dir = generated_jsonl(300, 4);
    // 64 blocks of 512 bytes: far less than the run's temporary files.
    let script = format!(
        "ulimit -f 64 && exec '{}' dedup -q -o d.jsonl c.jsonl",
        env!("CARGO_BIN_EXE_refrain")
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "killed by SIGXFSZ? {stderr}");
    assert!(stderr.contains("file-size limit"), "{stderr}");
    assert!(!dir.path().join("d.jsonl").exists(), "no partial output");
}
