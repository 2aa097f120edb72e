//! What every command prints, pinned byte for byte on the samples and on
//! small generated corpora of each shape (news, long reprinted documents,
//! boilerplate-heavy pages): a change of engine must not change a report.
//! `REFRAIN_BLESS=1 cargo test golden` rewrites the files under
//! `tests/data/golden/` (refused under `CI=true`); review the diff.

use std::path::Path;

use refrain::synthetic::{
    BoilerplateSpec, CorpusSpec, LongSpec, SyntheticDocument, generate_boilerplate_heavy,
    generate_long, generate_news,
};

use crate::util::{assert_same_text, repo_path, run, run_in};

/// Compares `got` with the golden file `name`, or rewrites it when blessed.
fn assert_golden(name: &str, got: &str) {
    let path = repo_path("tests/data/golden").join(name);
    if std::env::var_os("REFRAIN_BLESS").is_some() {
        assert!(
            std::env::var("CI").map_or(true, |ci| ci.is_empty() || ci == "false"),
            "REFRAIN_BLESS is refused under CI=true"
        );
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err} (REFRAIN_BLESS=1 writes it)", path.display()));
    assert_same_text(
        &expected,
        got,
        &format!("{name} (REFRAIN_BLESS=1 rewrites it)"),
    );
}

/// Writes `documents` as `corpus.jsonl` in `dir`.
fn write_jsonl(dir: &Path, generate: impl FnOnce(&mut dyn FnMut(SyntheticDocument))) {
    let mut lines = String::new();
    generate(&mut |doc| {
        lines.push_str(&serde_json::json!({ "id": doc.id, "text": doc.text }).to_string());
        lines.push('\n');
    });
    std::fs::write(dir.join("corpus.jsonl"), lines).unwrap();
}

/// `scan --json`, `dedup` and `check --json` of a generated corpus, from
/// its directory.
fn assert_corpus_golden(shape: &str, generate: impl FnOnce(&mut dyn FnMut(SyntheticDocument))) {
    let dir = tempfile::tempdir().unwrap();
    write_jsonl(dir.path(), generate);
    let scan = run_in(dir.path(), &["scan", "--json", "corpus.jsonl"]);
    assert_eq!(scan.code, 0, "{}", scan.stderr);
    assert_golden(&format!("{shape}.scan.json"), &scan.stdout);
    let dedup = run_in(dir.path(), &["dedup", "corpus.jsonl"]);
    assert_eq!(dedup.code, 0, "{}", dedup.stderr);
    assert_golden(&format!("{shape}.dedup.jsonl"), &dedup.stdout);
    // The first sixth checked against the rest.
    let corpus = std::fs::read_to_string(dir.path().join("corpus.jsonl")).unwrap();
    let lines: Vec<&str> = corpus.lines().collect();
    let split = lines.len() / 6;
    std::fs::write(
        dir.path().join("new.jsonl"),
        lines[..split].join("\n") + "\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("archive.jsonl"),
        lines[split..].join("\n") + "\n",
    )
    .unwrap();
    let check = run_in(
        dir.path(),
        &["check", "--json", "--against", "archive.jsonl", "new.jsonl"],
    );
    assert!(check.code <= 1, "{}", check.stderr);
    assert_golden(&format!("{shape}.check.json"), &check.stdout);
}

/// Runs `refrain ARGS` from the repository root, expects exit `code` and
/// compares stdout with the golden file `name`.
fn assert_run_golden(name: &str, args: &[&str], code: i32) {
    let got = run(args);
    assert_eq!(got.code, code, "{args:?}: {}", got.stderr);
    assert_golden(name, &got.stdout);
}

#[test]
fn golden_samples_scan_report_and_summary() {
    assert_run_golden("samples.scan.json", &["scan", "--json", "samples"], 0);
    assert_run_golden("samples.scan.txt", &["scan", "samples"], 0);
}

#[test]
fn golden_samples_dedup_clean_and_check() {
    const REPRINT: &str = "samples/en/05-port-strike-reprint.txt";
    let against = ["--boilerplate", "--against", "samples/en"];
    assert_run_golden("samples.dedup.jsonl", &["dedup", "samples"], 0);
    assert_run_golden(
        "samples.clean.txt",
        &[&["clean"][..], &against, &[REPRINT]].concat(),
        0,
    );
    assert_run_golden(
        "zh-page.clean.txt",
        &["clean", "samples/zh/newspaper-page.txt"],
        0,
    );
    let clean_json = [&["clean", "--json"][..], &against, &[REPRINT]].concat();
    assert_run_golden("samples.clean.json", &clean_json, 0);
    let check = [
        "check",
        "--json",
        "--against",
        "samples/en",
        "samples/en/06-port-strike-shortened.txt",
    ];
    assert_run_golden("samples.check.json", &check, 1);
}

#[test]
fn golden_news_corpus() {
    let spec = CorpusSpec::new(240, 3);
    assert_corpus_golden("news", |sink| {
        generate_news(&spec, sink);
    });
}

#[test]
fn golden_long_documents() {
    let spec = LongSpec {
        originals: 2,
        paragraphs: (40, 80),
        copies: (2, 3),
        edited_share: 0.5,
        short_documents: 12,
        seed: 5,
    };
    assert_corpus_golden("long", |sink| {
        generate_long(&spec, sink);
    });
}

#[test]
fn golden_boilerplate_pages() {
    let spec = BoilerplateSpec {
        documents: 24,
        pool: 40,
        paragraphs: (8, 16),
        story_share: 0.3,
        family_share: 0.1,
        seed: 9,
    };
    assert_corpus_golden("boilerplate", |sink| {
        generate_boilerplate_heavy(&spec, sink);
    });
}
