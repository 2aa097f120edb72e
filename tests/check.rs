//! `refrain index` and `refrain check` end to end: matches explained with
//! lines on both sides, exit codes, the four output formats (SARIF
//! validated against its schema), settings checks, and a killed `add`.

use std::path::Path;

use refrain::synthetic::{CorpusSpec, generate};
use serde_json::Value;

use crate::util::{corpus_owned, repo_path, run_and_kill, run_in};

/// An archive of generated stories as plain files, one paragraph per
/// blank-line block, and its texts.
fn archive(dir: &Path, documents: usize) -> Vec<String> {
    let mut spec = CorpusSpec::new(documents, 31);
    spec.family_share = 0.0;
    spec.languages = &[refrain::synthetic::Language::English];
    let corpus = generate(&spec);
    std::fs::create_dir_all(dir.join("archive")).unwrap();
    for (i, doc) in corpus.documents.iter().enumerate() {
        std::fs::write(dir.join(format!("archive/{i:03}.txt")), &doc.text).unwrap();
    }
    corpus.documents.into_iter().map(|d| d.text).collect()
}

fn paragraphs(text: &str) -> Vec<String> {
    text.trim_end().split("\n\n").map(str::to_owned).collect()
}

fn build_index(dir: &Path) -> Vec<String> {
    let texts = archive(dir, 60);
    let out = run_in(
        dir,
        &["index", "add", "-q", "--index", "archive.db", "archive"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stats: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(stats["added"], 60);
    texts
}

fn check_json(dir: &Path, file: &str) -> (i32, Value) {
    let out = run_in(dir, &["check", "--index", "archive.db", "--json", file]);
    (
        out.code,
        serde_json::from_str(&out.stdout).unwrap_or(Value::Null),
    )
}

#[test]
fn lightly_edited_copy_is_a_near_duplicate_with_lines_on_both_sides() {
    let dir = tempfile::tempdir().unwrap();
    let texts = build_index(dir.path());
    // Story 7 with one word changed in its second paragraph.
    let mut story = paragraphs(&texts[7]);
    story[1] = story[1].replacen(' ', " extra ", 1);
    std::fs::write(dir.path().join("draft.txt"), story.join("\n\n") + "\n").unwrap();
    let (code, report) = check_json(dir.path(), "draft.txt");
    assert_eq!(code, 1);
    let finding = &report["documents"][0]["findings"][0];
    assert_eq!(finding["kind"], "near-duplicate", "{report:#}");
    assert_eq!(finding["archived"]["doc"], "archive/007.txt");
    assert!(finding["similarity"].as_f64().unwrap() >= 0.8);
    let aligned = finding["aligned"].as_array().unwrap();
    assert!(!aligned.is_empty());
    assert_eq!(aligned[0]["submission"]["lines"][0], 1);
    assert_eq!(aligned[0]["archived"]["lines"][0], 1);
    let human = run_in(dir.path(), &["check", "--index", "archive.db", "draft.txt"]);
    assert_eq!(human.code, 1);
    assert!(
        human.stdout.starts_with(
            "draft.txt:1: error[near-duplicate]: near-duplicate of archived archive/007.txt"
        ),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("~ archive/007.txt lines 1-"),
        "{}",
        human.stdout
    );
}

#[test]
fn a_lifted_block_of_five_paragraphs_is_containment() {
    let dir = tempfile::tempdir().unwrap();
    let texts = build_index(dir.path());
    let source = texts
        .iter()
        .position(|t| paragraphs(t).len() >= 8)
        .expect("a long story");
    let lifted: Vec<String> = paragraphs(&texts[source])[1..6].to_vec();
    let mut submission = vec![
        "An original introduction written for this new piece about the city and its people."
            .to_owned(),
        "A second original paragraph that sets the scene for what follows in this article."
            .to_owned(),
    ];
    submission.extend(lifted);
    submission
        .push("An original conclusion that nobody wrote before, closing the new piece.".to_owned());
    std::fs::write(dir.path().join("new.txt"), submission.join("\n\n") + "\n").unwrap();
    let (code, report) = check_json(dir.path(), "new.txt");
    assert_eq!(code, 1, "{report:#}");
    let finding = &report["documents"][0]["findings"][0];
    assert_eq!(finding["kind"], "containment", "{report:#}");
    assert_eq!(
        finding["archived"]["doc"],
        format!("archive/{source:03}.txt")
    );
    let run = &finding["aligned"][0];
    assert_eq!(run["submission"]["paragraphs"], serde_json::json!([2, 6]));
    assert_eq!(run["archived"]["paragraphs"], serde_json::json!([1, 5]));
    assert_eq!(run["submission"]["lines"], serde_json::json!([5, 13]));
    assert_eq!(run["pairs"].as_array().unwrap().len(), 5);
}

#[test]
fn an_unrelated_document_passes() {
    let dir = tempfile::tempdir().unwrap();
    build_index(dir.path());
    std::fs::write(
        dir.path().join("fresh.txt"),
        "Gardeners planted tomatoes early this spring.\n\nRain helped.\n",
    )
    .unwrap();
    let (code, report) = check_json(dir.path(), "fresh.txt");
    assert_eq!(code, 0);
    assert!(
        report["documents"][0]["findings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn repeated_passages_and_known_boilerplate_are_reported() {
    let footer = "Copyright 2026 Example Wire. All rights reserved. Not for redistribution.";
    let files: Vec<(String, Vec<u8>)> = (0..4)
        .map(|i| {
            (
                format!("archive/{i}.txt"),
                format!("Archived story {i} with words of its own.\n\n{footer}\n").into_bytes(),
            )
        })
        .collect();
    let dir = corpus_owned(&files);
    assert_eq!(
        run_in(
            dir.path(),
            &["index", "add", "-q", "--index", "a.db", "archive"]
        )
        .code,
        0
    );
    let pasted = "The editor's closing note appears here once and then again by mistake.";
    let text = format!("A new story entirely.\n\n{pasted}\n\n{pasted}\n\n{footer}\n");
    std::fs::write(dir.path().join("new.txt"), text).unwrap();
    let out = run_in(dir.path(), &["check", "--index", "a.db", "new.txt"]);
    assert_eq!(out.code, 1, "repeats fail by default:\n{}", out.stdout);
    assert!(
        out.stdout
            .contains("new.txt:5: error[repeated]: passage repeated from line 3"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(
            "new.txt:7: warning[boilerplate]: closing boilerplate known from 4 archived documents"
        ),
        "{}",
        out.stdout
    );
    let only_duplicates = run_in(
        dir.path(),
        &[
            "check",
            "--index",
            "a.db",
            "--fail-on",
            "near-duplicate",
            "new.txt",
        ],
    );
    assert_eq!(only_duplicates.code, 0);
    let none = run_in(
        dir.path(),
        &["check", "--index", "a.db", "--fail-on", "none", "new.txt"],
    );
    assert_eq!(none.code, 0);
}

/// The SARIF 2.1.0 schema. Its rtm.5 text has one malformed regex (an
/// unbalanced `]` in `run.language`); it is repaired here, in memory, to
/// the pattern it was meant to be.
fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(repo_path("tests/data/sarif-2.1.0-rtm.5.json")).unwrap();
    let text = text.replace(
        "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$",
        "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$",
    );
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::new(&schema).expect("the SARIF schema compiles")
}

#[test]
fn github_and_sarif_formats() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("page.txt"),
        std::fs::read(repo_path("samples/zh/newspaper-page.txt")).unwrap(),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("archive")).unwrap();
    std::fs::write(
        dir.path().join("archive/a.txt"),
        "Something else entirely, a short archived note.\n",
    )
    .unwrap();
    let github = run_in(
        dir.path(),
        &[
            "check",
            "--against",
            "archive",
            "--format",
            "github",
            "page.txt",
        ],
    );
    assert_eq!(github.code, 1);
    assert!(
        github
            .stdout
            .starts_with("::error file=page.txt,line=183,endLine=183,title=refrain repeated::"),
        "{}",
        github.stdout
    );
    assert_eq!(github.stdout.lines().count(), 5);

    let sarif = run_in(
        dir.path(),
        &[
            "check",
            "--against",
            "archive",
            "--format",
            "sarif",
            "page.txt",
        ],
    );
    assert_eq!(sarif.code, 1);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let validator = sarif_validator();
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF output violates the 2.1.0 schema:\n{}",
        errors.join("\n")
    );
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 5);
    assert_eq!(
        log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        183
    );
}

#[test]
fn sarif_of_a_match_with_related_locations_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let texts = build_index(dir.path());
    std::fs::write(dir.path().join("copy.txt"), &texts[3]).unwrap();
    let sarif = run_in(
        dir.path(),
        &[
            "check",
            "--index",
            "archive.db",
            "--format",
            "sarif",
            "copy.txt",
        ],
    );
    assert_eq!(sarif.code, 1);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let validator = sarif_validator();
    assert!(validator.is_valid(&log), "{}", sarif.stdout);
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "near-duplicate");
    assert!(log["runs"][0]["results"][0]["relatedLocations"].is_array());
}

#[test]
fn other_settings_than_the_index_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    build_index(dir.path());
    std::fs::write(dir.path().join("x.txt"), "text\n").unwrap();
    let out = run_in(
        dir.path(),
        &[
            "check",
            "--index",
            "archive.db",
            "--shingle-size",
            "3",
            "x.txt",
        ],
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("shingle_size = 5") && out.stderr.contains("--shingle-size 5"),
        "{}",
        out.stderr
    );
    let missing = run_in(dir.path(), &["check", "--index", "nope.db", "x.txt"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no such index"),
        "{}",
        missing.stderr
    );
}

#[test]
fn re_adding_is_a_no_op_and_remove_works() {
    let dir = tempfile::tempdir().unwrap();
    build_index(dir.path());
    let again = run_in(
        dir.path(),
        &["index", "add", "-q", "--index", "archive.db", "archive"],
    );
    let stats: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(
        (stats["added"].as_u64(), stats["unchanged"].as_u64()),
        (Some(0), Some(60))
    );
    std::fs::write(
        dir.path().join("archive/000.txt"),
        "A rewritten first story.\n",
    )
    .unwrap();
    let changed = run_in(
        dir.path(),
        &["index", "add", "-q", "--index", "archive.db", "archive"],
    );
    let stats: Value = serde_json::from_str(&changed.stdout).unwrap();
    assert_eq!(stats["replaced"], 1);
    let removed = index_remove(dir.path(), &["archive/000.txt"]);
    assert!(removed.stdout.contains("\"removed\": 1"));
    let stats = run_in(dir.path(), &["index", "stats", "--index", "archive.db"]);
    let stats: Value = serde_json::from_str(&stats.stdout).unwrap();
    assert_eq!(stats["documents"], 59);
}

#[test]
fn a_killed_add_leaves_a_usable_index_and_a_rerun_completes() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = generate(&CorpusSpec::new(6000, 5));
    std::fs::write(dir.path().join("big.jsonl"), corpus.to_jsonl()).unwrap();
    let count = |dir: &Path| -> u64 {
        let stats = run_in(dir, &["index", "stats", "--index", "a.db"]);
        assert_eq!(stats.code, 0, "{}", stats.stderr);
        serde_json::from_str::<Value>(&stats.stdout).unwrap()["documents"]
            .as_u64()
            .unwrap()
    };
    for delay_ms in [300u64, 900, 1800] {
        run_and_kill(
            dir.path(),
            &["index", "add", "-q", "--index", "a.db", "big.jsonl"],
            delay_ms,
        );
        let documents = count(dir.path());
        assert!(
            documents == 0 || documents == 6000,
            "all or nothing, found {documents}"
        );
        let index = refrain::index::Index::open(
            &dir.path().join("a.db"),
            &refrain::index::IndexParams::new(Default::default(), 0.8, 0.8),
            false,
        )
        .unwrap();
        assert!(index.is_intact().unwrap());
    }
    let finish = run_in(
        dir.path(),
        &["index", "add", "-q", "--index", "a.db", "big.jsonl"],
    );
    assert_eq!(finish.code, 0, "{}", finish.stderr);
    assert_eq!(count(dir.path()), 6000);
}

#[test]
fn one_file_reached_by_two_paths_is_one_archived_document() {
    let dir = tempfile::tempdir().unwrap();
    let texts = build_index(dir.path());
    let absolute = dir.path().join("archive");
    let absolute = absolute.to_str().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let added_again = [
        run_in(
            dir.path(),
            &["index", "add", "-q", "--index", "archive.db", absolute],
        ),
        run_in(
            dir.path(),
            &["index", "add", "-q", "--index", "archive.db", "./archive/"],
        ),
        run_in(
            &dir.path().join("sub"),
            &[
                "index",
                "add",
                "-q",
                "--index",
                "../archive.db",
                "../archive",
            ],
        ),
    ];
    for out in added_again {
        assert_eq!(out.code, 0, "{}", out.stderr);
        let stats: Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            (stats["added"].as_u64(), stats["unchanged"].as_u64()),
            (Some(0), Some(60)),
            "{stats}"
        );
    }
    // A reprint of story 7 is matched once, under the id the first add gave.
    std::fs::write(dir.path().join("draft.txt"), &texts[7]).unwrap();
    let (_, report) = check_json(dir.path(), "draft.txt");
    let matched: Vec<&Value> = report["documents"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "near-duplicate")
        .map(|f| &f["archived"]["doc"])
        .collect();
    assert_eq!(matched, ["archive/007.txt"], "{report:#}");
    // The archived story itself, named by another path, is not its own match.
    let (_, report) = check_json(dir.path(), &absolute_file(dir.path(), "archive/007.txt"));
    assert_eq!(report["documents"][0]["findings"], Value::Array(vec![]));
    // Removed by any path to the file.
    let removed = index_remove(
        dir.path(),
        &[
            &absolute_file(dir.path(), "archive/003.txt"),
            "./archive/004.txt",
            "archive/nope.txt",
        ],
    );
    assert!(
        removed.stdout.contains("\"removed\": 2"),
        "{}",
        removed.stdout
    );
    assert!(
        removed.stderr.contains("not removed: archive/nope.txt"),
        "{}",
        removed.stderr
    );
}

fn absolute_file(dir: &Path, relative: &str) -> String {
    dir.join(relative).to_str().unwrap().to_owned()
}

/// `refrain index remove --index archive.db IDS...` in `dir`.
fn index_remove(dir: &Path, ids: &[&str]) -> crate::util::Run {
    let mut args = vec!["index", "remove", "--index", "archive.db"];
    args.extend_from_slice(ids);
    run_in(dir, &args)
}

#[test]
fn paragraphs_of_a_story_the_archive_holds_in_reprints_are_not_boilerplate() {
    // The samples hold the port strike story three times (a reprint and a
    // shortened copy) under a wire footer seven stories share.
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("samples");
    std::fs::create_dir(&samples).unwrap();
    for entry in std::fs::read_dir(repo_path("samples/en")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), samples.join(entry.file_name())).unwrap();
    }
    let out = run_in(
        dir.path(),
        &["index", "add", "-q", "--index", "archive.db", "samples"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let story = std::fs::read_to_string(samples.join("04-port-strike.txt")).unwrap();
    let edited = story.replacen("Dockworkers", "Harbour workers", 1);
    assert_ne!(edited, story);
    std::fs::write(dir.path().join("draft.txt"), edited).unwrap();
    // A second shape: a generated story the archive holds three times.
    let texts = archive(dir.path(), 20);
    for copy in ["a", "b"] {
        std::fs::write(
            dir.path().join(format!("archive/reprint-{copy}.txt")),
            &texts[5],
        )
        .unwrap();
    }
    let out = run_in(
        dir.path(),
        &["index", "add", "-q", "--index", "archive.db", "archive"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut generated = paragraphs(&texts[5]);
    generated[0] = generated[0].replacen(' ', " local ", 1);
    std::fs::write(
        dir.path().join("generated.txt"),
        generated.join("\n\n") + "\n",
    )
    .unwrap();

    for (draft, story_lines) in [("draft.txt", 7u64), ("generated.txt", 0)] {
        let (_, report) = check_json(dir.path(), draft);
        let findings = report["documents"][0]["findings"].as_array().unwrap();
        let boilerplate: Vec<u64> = findings
            .iter()
            .filter(|f| f["kind"] == "boilerplate")
            .map(|f| f["line"].as_u64().unwrap())
            .collect();
        let near = findings
            .iter()
            .find(|f| f["kind"] == "near-duplicate")
            .unwrap_or_else(|| panic!("{report:#}"));
        let aligned_to = near["aligned"].as_array().unwrap().last().unwrap()["submission"]["lines"]
            [1]
        .as_u64()
        .unwrap();
        if story_lines > 0 {
            // Only the wire footer (line 9) is boilerplate; the alignment
            // runs to the story's last paragraph.
            assert_eq!(boilerplate, [9], "{report:#}");
            assert_eq!(aligned_to, story_lines, "{report:#}");
        } else {
            assert_eq!(boilerplate, Vec::<u64>::new(), "{report:#}");
            let last_line = generated.join("\n\n").lines().count() as u64;
            assert_eq!(aligned_to, last_line, "{report:#}");
        }
    }
}

#[test]
fn stats_and_remove_read_the_settings_from_the_index() {
    let dir = tempfile::tempdir().unwrap();
    archive(dir.path(), 5);
    let built = &[
        "index",
        "add",
        "-q",
        "--index",
        "a.db",
        "--shingle-size",
        "3",
        "--num-perm",
        "64",
        "--seed",
        "9",
        "archive",
    ];
    assert_eq!(run_in(dir.path(), built).code, 0);
    let stats = run_in(dir.path(), &["index", "stats", "--index", "a.db"]);
    assert_eq!(stats.code, 0, "{}", stats.stderr);
    let stats: Value = serde_json::from_str(&stats.stdout).unwrap();
    assert_eq!(
        (&stats["shingle_size"], &stats["num_perm"], &stats["seed"]),
        (&Value::from(3), &Value::from(64), &Value::from(9))
    );
    let removed = run_in(
        dir.path(),
        &["index", "remove", "--index", "a.db", "archive/001.txt"],
    );
    assert_eq!(removed.code, 0, "{}", removed.stderr);
    assert!(
        removed.stdout.contains("\"removed\": 1"),
        "{}",
        removed.stdout
    );
    // check and add still compare: other settings are an error there.
    std::fs::write(dir.path().join("x.txt"), "text\n").unwrap();
    let check = run_in(dir.path(), &["check", "--index", "a.db", "x.txt"]);
    assert_eq!(check.code, 2, "{}", check.stderr);
}

#[test]
fn check_without_an_archive_names_both_ways_to_give_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.txt"), "text\n").unwrap();
    let out = run_in(dir.path(), &["check", "x.txt"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--index <PATH>|--against <PATH>"),
        "{}",
        out.stderr
    );
}

/// A submission piped in is checked as the same text saved to a file is:
/// the engine keeps texts from standard input, which cannot be read again.
#[test]
fn a_submission_from_stdin_gets_the_findings_of_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let texts = build_index(dir.path());
    // Story 12 with its second paragraph pasted again at the end.
    let mut story = paragraphs(&texts[12]);
    story.push(story[1].clone());
    let draft = story.join("\n\n") + "\n";
    std::fs::write(dir.path().join("draft.txt"), &draft).unwrap();
    let (code, from_file) = check_json(dir.path(), "draft.txt");
    assert_eq!(code, 1);
    let index = dir.path().join("archive.db");
    let piped = crate::util::run_with_stdin(
        &["check", "--index", index.to_str().unwrap(), "--json", "-"],
        draft.as_bytes(),
    );
    assert_eq!(piped.code, 1, "{}", piped.stderr);
    let from_stdin: Value = serde_json::from_str(&piped.stdout).unwrap();
    let (file_doc, stdin_doc) = (&from_file["documents"][0], &from_stdin["documents"][0]);
    assert_eq!(stdin_doc["source"], "<stdin>");
    let kinds: Vec<&Value> = file_doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["kind"])
        .collect();
    assert!(kinds.contains(&&Value::from("near-duplicate")), "{kinds:?}");
    assert!(kinds.contains(&&Value::from("repeated")), "{kinds:?}");
    assert_eq!(stdin_doc["findings"], file_doc["findings"]);
}
