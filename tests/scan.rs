//! `refrain scan` end to end: the real newspaper page, the samples, stdin,
//! JSONL, output files, exit codes, and thread-count independence.

use crate::util::{assert_same_text, corpus, corpus_owned, repo_path, run, run_in, run_with_stdin};

const ZH_PAGE: &str = "samples/zh/newspaper-page.txt";

#[test]
fn zh_page_closing_paragraph_printed_six_times() {
    let report = run(&["scan", "--json", ZH_PAGE]).json();
    let clusters = report["passage_clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 1, "{clusters:#?}");
    let cluster = &clusters[0];
    assert_eq!(cluster["closing"], true);
    assert_eq!(cluster["kind"], "repeated");
    assert_eq!(cluster["documents"], 1);
    let lines: Vec<u64> = cluster["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [181, 183, 185, 187, 189, 191]);
    let paragraphs: Vec<u64> = cluster["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["paragraph"].as_u64().unwrap())
        .collect();
    let total = report["stats"]["paragraphs"].as_u64().unwrap();
    assert_eq!(
        paragraphs,
        (total - 6..total).collect::<Vec<_>>(),
        "the page's last six paragraphs"
    );
    // The first print has two extra characters (发展); the other five are identical.
    let text = cluster["text"].as_str().unwrap();
    assert!(text.starts_with("高质量发展之路铺陈脚下"), "{text}");
    let sims: Vec<f64> = cluster["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["similarity"].as_f64().unwrap())
        .collect();
    assert_eq!(sims[0], 1.0);
    assert!(sims[1..].iter().all(|&s| s > 0.9 && s < 1.0), "{sims:?}");
    assert!(report["document_clusters"].as_array().unwrap().is_empty());
    assert!(report["errors"].as_array().unwrap().is_empty());
}

#[test]
fn zh_page_matches_golden_report() {
    let got = run(&["scan", "--json", ZH_PAGE]);
    let expected_path = repo_path("tests/data/expected/zh-newspaper-page.json");
    if std::env::var_os("REFRAIN_BLESS").is_some() {
        // Under CI a golden file is compared, never rewritten.
        assert!(
            std::env::var("CI").map_or(true, |ci| ci.is_empty() || ci == "false"),
            "REFRAIN_BLESS is refused under CI=true"
        );
        std::fs::write(&expected_path, &got.stdout).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap();
    assert_same_text(
        &expected,
        &got.stdout,
        "JSON report of the zh page (REFRAIN_BLESS=1 rewrites it)",
    );
}

#[test]
fn samples_show_every_kind_of_finding() {
    let run = run(&["scan", "--json", "samples/"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let clusters = report["passage_clusters"].as_array().unwrap();
    let kinds: Vec<&str> = clusters
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"boilerplate") && kinds.contains(&"repeated") && kinds.contains(&"shared"),
        "{kinds:?}"
    );
    let footer = clusters
        .iter()
        .find(|c| {
            c["text"]
                .as_str()
                .unwrap()
                .starts_with("© 2026 Harbor Wire")
        })
        .unwrap();
    assert_eq!(
        (
            footer["kind"].as_str(),
            footer["closing"].as_bool(),
            footer["documents"].as_u64()
        ),
        (Some("boilerplate"), Some(true), Some(7))
    );
    let doc_clusters: Vec<Vec<&str>> = report["document_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["doc"].as_str().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(
        doc_clusters,
        [
            vec![
                "samples/en/04-port-strike.txt",
                "samples/en/05-port-strike-reprint.txt",
                "samples/en/06-port-strike-shortened.txt"
            ],
            vec![
                "samples/en/11-heat-wave.txt",
                "samples/en/12-heat-wave-update.txt"
            ],
            vec![
                "samples/zh/01-power-supply-simplified.txt",
                "samples/zh/02-power-supply-traditional.txt"
            ],
        ]
    );
}

#[test]
fn human_summary_names_file_and_line() {
    let run = run(&["scan", ZH_PAGE]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("repeated in a document, closing: 6 occurrence(s) in 1 document(s)"),
        "{}",
        run.stdout
    );
    for line in [181, 183, 185, 187, 189, 191] {
        assert!(
            run.stdout.contains(&format!("{ZH_PAGE}:{line}")),
            "{}",
            run.stdout
        );
    }
    assert!(run.stderr.is_empty(), "nothing on stderr: {}", run.stderr);
}

#[test]
fn shared_story_text_outside_any_document_cluster_says_where_it_is() {
    // Three versions of a story: the same three paragraphs, each with two
    // of its own (too little in common for a near-duplicate, enough for
    // story text): shared story text that no document cluster shows.
    let shared = [
        "The minister said the new rail line would open in the spring after a decade of planning and delays.",
        "Critics argued that the budget had doubled since the first estimate and that fares would rise sharply.",
        "Residents along the route have complained for years about noise from the construction sites at night.",
    ];
    let unique = |i: usize| -> Vec<String> {
        let own = [
            [
                "Firefighters fought a blaze at the harbour warehouse until dawn on Sunday morning.",
                "Two dockworkers were treated for smoke inhalation and released from hospital later.",
            ],
            [
                "The school board voted to extend the term by a week to make up for the snow days.",
                "Parents packed the gymnasium to hear the superintendent explain the new calendar.",
            ],
            [
                "The home side won the cup final with a penalty kick deep into extra time.",
                "Thousands of supporters celebrated in the square outside the old town hall.",
            ],
        ];
        own[i].iter().map(|p| p.to_string()).collect()
    };
    let files: Vec<(String, Vec<u8>)> = (0..3)
        .map(|i| {
            let own = unique(i);
            let paragraphs: Vec<&str> = own[..1]
                .iter()
                .map(String::as_str)
                .chain(shared)
                .chain(own[1..].iter().map(String::as_str))
                .collect();
            (format!("s{i}.txt"), paragraphs.join("\n\n").into_bytes())
        })
        .collect();
    let dir = corpus_owned(&files);
    let out = run_in(dir.path(), &["scan", "."]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("Near-duplicate documents: 0 cluster(s)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("shared story text"), "{}", out.stdout);
    for i in 0..3 {
        assert!(
            out.stdout
                .contains(&format!("./s{i}.txt:3  similarity 1.00")),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn colour_only_when_asked_or_on_a_terminal_and_the_words_stay() {
    let strip = |text: &str| {
        regex::Regex::new("\x1b\\[[0-9;]*m")
            .unwrap()
            .replace_all(text, "")
            .into_owned()
    };
    let plain = run(&["scan", "samples/"]);
    assert!(
        !plain.stdout.contains('\x1b'),
        "a pipe gets no colour by default"
    );
    let never = run(&["scan", "--color", "never", "samples/"]);
    assert_eq!(never.stdout, plain.stdout);
    let always = run(&["scan", "--color", "always", "samples/"]);
    assert!(
        always.stdout.contains("\x1b[1m\x1b[33mboilerplate\x1b[0m"),
        "{}",
        always.stdout
    );
    assert_eq!(
        strip(&always.stdout),
        plain.stdout,
        "colour adds no word and drops none"
    );
    let json = run(&["scan", "--color", "always", "--json", "samples/"]);
    assert!(!json.stdout.contains('\x1b'), "JSON is never coloured");
    let error = run(&["scan", "--color", "always", "no/such/dir"]);
    assert!(
        error
            .stderr
            .contains("refrain: \x1b[1m\x1b[31merror:\x1b[0m"),
        "{}",
        error.stderr
    );
}

#[test]
fn html_report_of_the_samples_holds_every_cluster_and_is_the_same_each_time() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let page = page.to_str().unwrap();
    let made = run(&["scan", "-q", "--format", "html", "-o", page, "samples/"]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let html = std::fs::read_to_string(page).unwrap();
    let report = run(&["scan", "--json", "samples/"]).json();
    for cluster in report["passage_clusters"]
        .as_array()
        .unwrap()
        .iter()
        .chain(report["document_clusters"].as_array().unwrap())
    {
        let id = cluster["id"].as_str().unwrap();
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "cluster {id} missing"
        );
    }
    for needle in ["http://", "https://", "src=", "<link"] {
        assert!(!html.contains(needle), "the page refers to {needle}");
    }
    assert!(html.contains("Content-Security-Policy"));
    // On stdout without -o, and the same bytes whatever the thread count.
    let again = run(&[
        "scan",
        "-q",
        "--format",
        "html",
        "--threads",
        "1",
        "samples/",
    ]);
    assert_eq!(again.stdout, html);
    // dedup writes the same kind of page beside its decisions.
    let batch = dir.path().join("batch.html");
    let decided = run(&[
        "dedup",
        "-q",
        "-o",
        "/dev/null",
        "--report-html",
        batch.to_str().unwrap(),
        "samples/",
    ]);
    assert_eq!(decided.code, 0, "{}", decided.stderr);
    let batch = std::fs::read_to_string(batch).unwrap();
    assert!(batch.contains("id=\"d1\"") && batch.contains("samples/en/05-port-strike-reprint.txt"));
}

#[test]
fn stories_sharing_only_a_long_footer_are_not_near_duplicates() {
    let footer = "This article is distributed by the Example News Syndicate under license. Reproduction, republication or redistribution in any form, including framing or similar means, is prohibited without the prior written consent of the syndicate and its member newspapers.";
    let stories = [
        "The mayor opened the new bridge on Monday.",
        "Flooding closed two schools in the valley.",
        "The orchestra announced its winter season.",
        "A new bakery opened downtown to long lines.",
    ];
    let files: Vec<(String, Vec<u8>)> = stories
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                format!("{i}.txt"),
                format!("{s}\n\n{footer}\n").into_bytes(),
            )
        })
        .collect();
    let dir = corpus_owned(&files);
    let report = run_in(dir.path(), &["scan", "--json", "."]).json();
    assert!(
        report["document_clusters"].as_array().unwrap().is_empty(),
        "{report:#}"
    );
    let passages = report["passage_clusters"].as_array().unwrap();
    assert_eq!(passages.len(), 1);
    assert_eq!(passages[0]["kind"], "boilerplate");
    assert_eq!(passages[0]["closing"], true);
}

#[test]
fn traditional_and_full_width_reprints_are_near_duplicates() {
    let dir = corpus(&[
        ("a.txt", "国网湖南电力今年夏季用电高峰期间，全省最大负荷创历史新高，电网运行总体平稳，居民用电有保障。".as_bytes()),
        ("b.txt", "國網湖南電力今年夏季用電高峰期間，全省最大負荷創歷史新高，電網運行總體平穩，居民用電有保障。".as_bytes()),
        ("c.txt", "The Fed raised rates by 0.25 points on Wednesday, its third increase this year.".as_bytes()),
        ("d.txt", "ＴＨＥ ＦＥＤ ＲＡＩＳＥＤ ＲＡＴＥＳ ＢＹ ０.２５ ＰＯＩＮＴＳ ＯＮ ＷＥＤＮＥＳＤＡＹ， ＩＴＳ ＴＨＩＲＤ ＩＮＣＲＥＡＳＥ ＴＨＩＳ ＹＥＡＲ．".as_bytes()),
    ]);
    let report = run_in(
        dir.path(),
        &["scan", "--json", "a.txt", "b.txt", "c.txt", "d.txt"],
    )
    .json();
    let clusters = report["document_clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 2, "{report:#}");
    assert_eq!(clusters[0]["representative"], "a.txt");
    assert_eq!(clusters[0]["members"][1]["doc"], "b.txt");
    assert_eq!(clusters[1]["members"][1]["doc"], "d.txt");
    assert_eq!(clusters[1]["members"][1]["similarity"], 1.0);
}

#[test]
fn stdin_and_jsonl_records() {
    let footer = "Copyright 2026 Example Wire. All rights reserved. Not for redistribution.";
    let jsonl: String = ["a", "b", "c"]
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let text = format!("Story number {i} about topic {id} with its own words.\n\n{footer}");
            format!("{}\n", serde_json::json!({ "url": id, "body": text }))
        })
        .collect();
    let run = run_with_stdin(
        &[
            "scan",
            "--json",
            "--input-format",
            "jsonl",
            "--text-field",
            "body",
            "--id-field",
            "url",
            "-",
        ],
        jsonl.as_bytes(),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let occurrences = report["passage_clusters"][0]["occurrences"]
        .as_array()
        .unwrap();
    let docs: Vec<&str> = occurrences
        .iter()
        .map(|o| o["doc"].as_str().unwrap())
        .collect();
    assert_eq!(docs, ["a", "b", "c"]);
    assert_eq!(occurrences[1]["record"], "<stdin>:2");
    assert_eq!(occurrences[1]["line"], 3, "line inside the record's text");
}

#[test]
fn plain_text_from_stdin() {
    let page = std::fs::read(repo_path(ZH_PAGE)).unwrap();
    let report = run_with_stdin(&["scan", "--json", "-"], &page).json();
    assert_eq!(
        report["passage_clusters"][0]["occurrences"][0]["doc"],
        "<stdin>"
    );
    assert_eq!(
        report["passage_clusters"][0]["occurrences"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
}

#[test]
fn output_file_is_written_whole_and_summary_still_printed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    std::fs::write(&out, "stale").unwrap();
    let run = run(&["scan", "-o", out.to_str().unwrap(), ZH_PAGE]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.starts_with("Repeated passages: 1"),
        "{}",
        run.stdout
    );
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["schema_version"], 1);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left behind");
}

#[test]
fn output_to_a_missing_directory_fails_with_exit_2() {
    let run = run(&["scan", "-o", "/no/such/refrain/dir/r.json", ZH_PAGE]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("/no/such/refrain/dir/r.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn identical_json_whatever_the_thread_count() {
    let corpus = refrain::synthetic::generate(&refrain::synthetic::CorpusSpec::new(600, 11));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corpus.jsonl");
    std::fs::write(&path, corpus.to_jsonl()).unwrap();
    let path = path.to_str().unwrap();
    let one = run(&["scan", "--json", "--threads", "1", path, "samples/"]);
    let two = run(&["scan", "--json", "--threads", "2", path, "samples/"]);
    let eight = run(&["scan", "--json", "--threads", "8", path, "samples/"]);
    // Capped at four a core: ten thousand asked for is no slower to start.
    let many = run(&["scan", "--json", "--threads", "10000", path, "samples/"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert!(
        !one.json()["document_clusters"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_same_text(&one.stdout, &two.stdout, "--threads 2 vs --threads 1");
    assert_same_text(&one.stdout, &eight.stdout, "--threads 8 vs --threads 1");
    assert_same_text(&one.stdout, &many.stdout, "--threads 10000 vs --threads 1");
}

#[test]
fn timings_only_when_asked() {
    let plain = run(&["scan", "--json", ZH_PAGE]).json();
    assert!(plain["stats"].get("elapsed_ms").is_none());
    let timed = run(&["scan", "--json", "--timings", ZH_PAGE]).json();
    assert!(timed["stats"]["elapsed_ms"].is_u64());
}

#[test]
fn fail_on_findings_exits_1_and_clean_input_exits_0() {
    assert_eq!(run(&["scan", "--fail-on-findings", ZH_PAGE]).code, 1);
    let dir = corpus(&[
        ("a.txt", b"One story about a bridge."),
        ("b.txt", b"Another about a school board vote."),
    ]);
    assert_eq!(
        run_in(dir.path(), &["scan", "--fail-on-findings", "."]).code,
        0
    );
}

#[test]
fn usage_errors_exit_2_with_a_clear_message() {
    let none = run(&["scan"]);
    assert_eq!(none.code, 2);
    assert!(none.stderr.contains("<PATH>"), "{}", none.stderr);
    let bad = run(&["scan", "--threshold", "1.5", ZH_PAGE]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("--threshold") && bad.stderr.contains("(0, 1]"),
        "{}",
        bad.stderr
    );
    let bands = run(&["scan", "--bands", "20", "--rows", "10", ZH_PAGE]);
    assert_eq!(bands.code, 2);
    assert!(bands.stderr.contains("--num-perm"), "{}", bands.stderr);
}

#[test]
fn nothing_to_scan_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(dir.path(), &["scan", "."]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no documents to read"),
        "{}",
        run.stderr
    );
}

#[test]
fn help_has_examples_and_version_works() {
    let help = run(&["scan", "--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Examples:") && help.stdout.contains("--passage-threshold"));
    let version = run(&["--version"]);
    assert!(version.stdout.starts_with("refrain "));
}

#[test]
fn closed_stdout_pipe_is_not_an_error() {
    use std::process::Stdio;
    let mut child = crate::util::refrain()
        .args(["scan", "samples/"])
        .current_dir(repo_path("."))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn passages_quoted_from_files_read_again_match_those_kept_from_stdin() {
    use std::io::Write;
    let footer = "Copyright 2026 Example Wire Service. All rights reserved. Do not redistribute.";
    let mut lines: Vec<String> = Vec::new();
    for i in 0..6 {
        let story =
            format!("Story number {i} tells of a different event in a different town today.");
        let text = format!(
            "{story}\n\n  {footer}\r\n{}",
            ["", "Editor's note: corrected."][i % 2]
        );
        lines.push(serde_json::json!({ "id": format!("s{i}"), "text": text }).to_string());
        // Blank lines and an over-long record shift line numbers.
        if i == 2 {
            lines.push(String::new());
            lines.push(serde_json::json!({ "id": "long", "text": "x ".repeat(3000) }).to_string());
        }
    }
    let jsonl = lines.join("\r\n") + "\r\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.jsonl"), &jsonl).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(jsonl.as_bytes()).unwrap();
    std::fs::write(dir.path().join("c.jsonl.gz"), gz.finish().unwrap()).unwrap();
    let quotes = |report: &serde_json::Value| -> Vec<(String, Vec<u64>)> {
        report["passage_clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let lines = c["occurrences"].as_array().unwrap().iter();
                let records = lines.map(|o| o["line"].as_u64().unwrap()).collect();
                (c["text"].as_str().unwrap().to_owned(), records)
            })
            .collect()
    };
    let args = ["scan", "--json", "--max-doc-bytes", "2000"];
    let stdin = crate::util::run_with_stdin(
        &[&args[..], &["--input-format", "jsonl", "-"]].concat(),
        jsonl.as_bytes(),
    );
    assert_eq!(
        stdin.code, 2,
        "the long record is an error: {}",
        stdin.stderr
    );
    let kept = quotes(&stdin.json());
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert_eq!(kept[0].0, footer);
    assert!(kept[1].0.ends_with("Editor's note: corrected."), "{kept:?}");
    for file in ["c.jsonl", "c.jsonl.gz"] {
        let read_again = crate::util::run_in(dir.path(), &[&args[..], &[file]].concat());
        assert_eq!(read_again.code, 2, "{}", read_again.stderr);
        assert_eq!(quotes(&read_again.json()), kept, "{file}");
    }
}

#[test]
fn completions_and_man_page_come_from_the_flags() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = run(&["completions", shell]);
        assert_eq!(script.code, 0, "{shell}: {}", script.stderr);
        for word in ["refrain", "dedup", "min-passage-tokens"] {
            assert!(script.stdout.contains(word), "{shell} script lacks {word}");
        }
    }
    let unknown = run(&["completions", "tcsh"]);
    assert_eq!(unknown.code, 2);
    let man = run(&["man"]);
    assert_eq!(man.code, 0, "{}", man.stderr);
    assert!(man.stdout.starts_with(".ie"), "roff: {}", &man.stdout[..40]);
    assert!(man.stdout.contains(".TH refrain 1"));
    assert!(man.stdout.contains("scan"));
}
