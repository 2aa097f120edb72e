//! `refrain clean`: byte-exact removal of repeats, output modes, and
//! files that stay whole when the process is killed or the disk is full.

use std::path::Path;
use std::process::Stdio;

use crate::util::{corpus, corpus_owned, repo_path, run, run_and_kill, run_in};

const ZH_PAGE: &str = "samples/zh/newspaper-page.txt";

fn zh_page() -> Vec<u8> {
    std::fs::read(repo_path(ZH_PAGE)).unwrap()
}

/// The page up to the end of the first print of its closing paragraph.
fn zh_page_cleaned() -> Vec<u8> {
    let page = zh_page();
    let report = run(&["scan", "--json", ZH_PAGE]).json();
    let end = report["passage_clusters"][0]["occurrences"][0]["end_byte"]
        .as_u64()
        .unwrap() as usize;
    page[..end].to_vec()
}

#[test]
fn zh_page_loses_exactly_the_five_repeats() {
    let out = run(&["clean", ZH_PAGE]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = zh_page();
    let cleaned = out.stdout.as_bytes();
    // Everything before the first repeat is unchanged; the page ended with
    // the sixth print (no trailing newline), so the rest is gone.
    assert_eq!(cleaned, zh_page_cleaned().as_slice());
    assert!(page.starts_with(cleaned));
    for line in [183, 185, 187, 189, 191] {
        assert!(
            out.stderr.contains(&format!(
                "{ZH_PAGE}:{line}: removed repeat of the passage at line 181"
            )),
            "{}",
            out.stderr
        );
    }
    assert!(!out.stderr.contains(":181: removed"));
    let json = run(&["clean", "--json", ZH_PAGE]).json();
    let lines: Vec<u64> = json["files"][0]["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [183, 185, 187, 189, 191]);
    assert_eq!(json["files"][0]["removed"][0]["reason"], "repeated");
}

#[test]
fn middle_repeat_keeps_every_other_byte() {
    let text = "Headline\r\n\r\nThe editor's note was pasted twice by mistake here.\r\n\r\n  Body paragraph one.\r\n\r\nThe editor's note was pasted twice by mistake here.\r\n\r\nLast words.\r\n";
    let dir = corpus(&[("a.txt", text.as_bytes())]);
    let out = run_in(dir.path(), &["clean", "a.txt"]);
    assert_eq!(
        out.stdout,
        "Headline\r\n\r\nThe editor's note was pasted twice by mistake here.\r\n\r\n  Body paragraph one.\r\n\r\nLast words.\r\n"
    );
}

#[test]
fn in_place_replaces_atomically_and_keeps_a_backup() {
    let dir = corpus(&[("page.txt", &zh_page())]);
    let out = run_in(dir.path(), &["clean", "--in-place", "page.txt"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        std::fs::read(dir.path().join("page.txt")).unwrap(),
        zh_page_cleaned()
    );
    assert_eq!(
        std::fs::read(dir.path().join("page.txt.orig")).unwrap(),
        zh_page()
    );
    // A second run finds nothing and touches nothing.
    let again = run_in(dir.path(), &["clean", "--in-place", "page.txt"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("0 paragraph(s) removed"),
        "{}",
        again.stderr
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files left: {names:?}");
}

#[test]
fn existing_backup_is_never_overwritten() {
    let dir = corpus(&[
        ("page.txt", &zh_page()),
        ("page.txt.orig", b"an older original"),
    ]);
    let out = run_in(dir.path(), &["clean", "--in-place", "page.txt"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("page.txt.orig"), "{}", out.stderr);
    assert_eq!(
        std::fs::read(dir.path().join("page.txt")).unwrap(),
        zh_page()
    );
    assert_eq!(
        std::fs::read(dir.path().join("page.txt.orig")).unwrap(),
        b"an older original"
    );
}

#[test]
fn out_dir_mirrors_paths_and_leaves_originals() {
    let dir = corpus(&[
        ("desk/page.txt", &zh_page()),
        ("desk/other.txt", b"Nothing repeats here.\n"),
    ]);
    let out = run_in(
        dir.path(),
        &[
            "clean",
            "--out-dir",
            "cleaned",
            "desk/page.txt",
            "desk/other.txt",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        std::fs::read(dir.path().join("cleaned/desk/page.txt")).unwrap(),
        zh_page_cleaned()
    );
    assert_eq!(
        std::fs::read(dir.path().join("cleaned/desk/other.txt")).unwrap(),
        b"Nothing repeats here.\n"
    );
    assert_eq!(
        std::fs::read(dir.path().join("desk/page.txt")).unwrap(),
        zh_page()
    );
}

#[test]
fn dry_run_writes_nothing() {
    let dir = corpus(&[("page.txt", &zh_page())]);
    let out = run_in(
        dir.path(),
        &["clean", "--dry-run", "--in-place", "page.txt"],
    );
    assert_eq!(out.code, 0);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("5 paragraph(s) would be removed; dry run")
            && out
                .stderr
                .contains(": would remove repeat of the passage at line 181"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read(dir.path().join("page.txt")).unwrap(),
        zh_page()
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn boilerplate_learned_from_a_corpus_is_removed() {
    let footer = "Copyright 2026 Example Wire. All rights reserved. Not for redistribution.";
    let archive: Vec<(String, Vec<u8>)> = ["harbour", "election", "museum", "bridge"]
        .iter()
        .map(|t| {
            (
                format!("archive/{t}.txt"),
                format!("A story about the {t}, told once.\n\n{footer}\n").into_bytes(),
            )
        })
        .collect();
    let mut files: Vec<(&str, &[u8])> = archive
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_slice()))
        .collect();
    let submission = format!("Fresh reporting on the school board.\n\n{footer}\n");
    files.push(("new.txt", submission.as_bytes()));
    let dir = corpus(&files);
    let without = run_in(dir.path(), &["clean", "--against", "archive", "new.txt"]);
    assert_eq!(
        without.stdout, submission,
        "boilerplate stays without --boilerplate"
    );
    let with = run_in(
        dir.path(),
        &["clean", "--boilerplate", "--against", "archive", "new.txt"],
    );
    assert_eq!(with.code, 0, "{}", with.stderr);
    assert_eq!(with.stdout, "Fresh reporting on the school board.\n");
    assert!(
        with.stderr
            .contains("new.txt:3: removed boilerplate found in 5 documents"),
        "{}",
        with.stderr
    );
}

#[test]
fn end_markers_are_removed_byte_exact() {
    // Reuters' sign-off and the Chinese wire's end mark, each a paragraph
    // too short to be a passage, closing every story of an archive.
    for (marker, stories) in [
        (
            "Reuter",
            [
                "The council met on Monday.",
                "Rain fell all week.",
                "The team won at home.",
                "Prices rose again.",
            ],
        ),
        (
            "（完）",
            [
                "国网湖南电力公司今年",
                "当地居民用电更加可靠",
                "经济发展势头良好",
                "电网建设取得成效",
            ],
        ),
    ] {
        let submission = "LONDON\r\n\r\nFresh reporting, with a line break\r\nkept.\r\n\r\n   \r\n";
        let files: Vec<(String, Vec<u8>)> = stories
            .iter()
            .map(|story| format!("LONDON\r\n\r\n{story}\r\n\r\n{marker}\r\n"))
            .enumerate()
            .map(|(i, text)| (format!("archive/{i}.txt"), text))
            .chain([("new.txt".to_owned(), format!("{submission}{marker}\r\n"))])
            .map(|(name, text)| (name, text.into_bytes()))
            .collect();
        let dir = corpus_owned(&files);
        let with = run_in(
            dir.path(),
            &["clean", "--boilerplate", "--against", "archive", "new.txt"],
        );
        assert_eq!(with.code, 0, "{}", with.stderr);
        assert_eq!(
            with.stdout, "LONDON\r\n\r\nFresh reporting, with a line break\r\nkept.\r\n",
            "{marker}: only the marker (and the blank lines before it) goes"
        );
    }
}

#[test]
fn several_files_need_a_destination() {
    let dir = corpus(&[("a.txt", b"one"), ("b.txt", b"two")]);
    let out = run_in(dir.path(), &["clean", "a.txt", "b.txt"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--out-dir") && out.stderr.contains("--in-place"),
        "{}",
        out.stderr
    );
}

/// A large file whose cleaning takes a while: a story and a paragraph
/// pasted many times.
fn big_page() -> Vec<u8> {
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "Paragraph {i} of a long story about the council budget and the roads.\n\n"
        ));
    }
    for _ in 0..20_000 {
        text.push_str(
            "This closing note was pasted over and over by a broken publishing system.\n\n",
        );
    }
    text.into_bytes()
}

fn assert_whole(path: &Path, original: &[u8]) {
    let now = std::fs::read(path).unwrap();
    let cleaned_len = original.len() / 2;
    assert!(
        now == original
            || (now.len() < original.len()
                && original.starts_with(&now[..cleaned_len.min(now.len())])),
        "file is neither the original nor a complete cleaned copy ({} of {} bytes)",
        now.len(),
        original.len()
    );
    if now != original {
        assert!(
            now.ends_with(b"broken publishing system.\n\n"),
            "cleaned copy is complete"
        );
    }
}

#[test]
fn killed_in_place_clean_never_leaves_a_partial_file() {
    let original = big_page();
    for delay_ms in [5u64, 40, 120, 300] {
        let dir = corpus(&[("big.txt", &original)]);
        run_and_kill(
            dir.path(),
            &["clean", "--in-place", "--no-backup", "-q", "big.txt"],
            delay_ms,
        );
        assert_whole(&dir.path().join("big.txt"), &original);
    }
}

#[test]
fn full_disk_leaves_the_original_whole() {
    // RLIMIT_FSIZE makes every write past 64 KiB fail, as a full disk does.
    let original = big_page();
    let dir = corpus(&[("big.txt", &original)]);
    let binary = env!("CARGO_BIN_EXE_refrain");
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -f 128; exec '{binary}' clean --in-place -q big.txt"
        ))
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the write must fail under the limit");
    assert_eq!(std::fs::read(dir.path().join("big.txt")).unwrap(), original);
}

#[test]
fn clean_help_has_examples() {
    let help = run(&["clean", "--help"]);
    assert!(help.stdout.contains("Examples:") && help.stdout.contains("--in-place"));
}
