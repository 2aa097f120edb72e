//! Issue 14: what refrain writes never lands on a byte the user did not
//! ask it to touch. Each test reproduces one way that used to lose data.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::util::{corpus, refrain, repo_path, run_in};

/// A story whose editor's note is pasted three times at its close.
const PASTED: &[u8] =
    b"The council met on Monday to discuss the budget for the coming year and its many items.\n\n\
Residents spoke for hours about the proposed cuts to the library and the swimming pool.\n\n\
Editor's note: this story was updated to correct the name of the council treasurer today.\n\n\
Editor's note: this story was updated to correct the name of the council treasurer today.\n\n\
Editor's note: this story was updated to correct the name of the council treasurer today.\n";

/// The story with its note printed once.
fn pasted_cleaned() -> Vec<u8> {
    let text = std::str::from_utf8(PASTED).unwrap();
    let end = text.find("today.\n").unwrap() + "today.\n".len();
    PASTED[..end].to_vec()
}

/// `PASTED` with Latin-1 bytes and a byte-order mark.
fn latin1_pasted() -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBFCaf\xe9 ".to_vec();
    bytes.extend_from_slice(PASTED);
    bytes
}

/// `latin1_pasted` with its note printed once.
fn latin1_cleaned() -> Vec<u8> {
    let mut bytes = b"\xEF\xBB\xBFCaf\xe9 ".to_vec();
    bytes.extend_from_slice(&pasted_cleaned());
    bytes
}

/// `refrain dedup --write-kept kept` of `input`, run in `dir`.
fn write_kept(dir: &Path, input: &str) -> crate::util::Run {
    run_in(
        dir,
        &[
            "dedup",
            "-q",
            "--write-kept",
            "kept",
            "-o",
            "d.jsonl",
            input,
        ],
    )
}

/// Starts `refrain ARGS` in `dir` and returns once it waits at the
/// test-only pause point `point` (see `output::fault_point`).
fn spawn_paused(dir: &Path, args: &[&str], point: &str) -> std::process::Child {
    spawn_paused_capturing(dir, args, point, false)
}

/// [`spawn_paused`], with stdout and stderr piped when `capture`.
fn spawn_paused_capturing(
    dir: &Path,
    args: &[&str],
    point: &str,
    capture: bool,
) -> std::process::Child {
    let flag = dir.join("go");
    let output = || {
        if capture {
            Stdio::piped()
        } else {
            Stdio::null()
        }
    };
    let child = refrain()
        .args(args)
        .current_dir(dir)
        .env("REFRAIN_PAUSE", point)
        .env("REFRAIN_PAUSE_FILE", &flag)
        .stdin(Stdio::null())
        .stdout(output())
        .stderr(output())
        .spawn()
        .unwrap();
    let reached = dir.join("go.reached");
    let started = std::time::Instant::now();
    while !reached.exists() {
        assert!(
            started.elapsed().as_secs() < 60,
            "the pause point {point} was never reached"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child
}

fn raw(dir: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let output = refrain()
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().unwrap_or(-1), output.stdout, stderr)
}

#[test]
fn output_to_a_device_writes_to_it_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let samples = repo_path("samples/en");
    for command in [
        &["scan", "-q", "-o"][..],
        &["dedup", "-q", "-o"],
        &["sign", "-q", "-o"],
    ] {
        let mut args = command.to_vec();
        args.extend(["/dev/null", samples.to_str().unwrap()]);
        let out = run_in(dir.path(), &args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(std::os::unix::fs::FileTypeExt::is_char_device(
            &meta.file_type()
        ));
    }
}

#[test]
fn output_through_a_symlink_replaces_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("real.json"), "old").unwrap();
    std::os::unix::fs::symlink("real.json", dir.path().join("link.json")).unwrap();
    let samples = repo_path("samples/en");
    let out = run_in(
        dir.path(),
        &["scan", "-q", "-o", "link.json", samples.to_str().unwrap()],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let link = std::fs::symlink_metadata(dir.path().join("link.json")).unwrap();
    assert!(link.file_type().is_symlink());
    let report = std::fs::read_to_string(dir.path().join("real.json")).unwrap();
    assert!(report.contains("\"passage_clusters\""));
}

#[test]
fn output_onto_an_input_is_refused_and_the_input_kept() {
    let dir = corpus(&[("a.txt", PASTED)]);
    let out = run_in(dir.path(), &["scan", "-q", "-o", "a.txt", "a.txt"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("refusing to overwrite an input"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read(dir.path().join("a.txt")).unwrap(), PASTED);
}

#[test]
fn write_kept_into_the_input_directory_is_refused() {
    let lines: String = (0..50)
        .map(|i| format!("{{\"id\":\"d{i}\",\"text\":\"story number {i} about a topic of the day with its words.\"}}\n"))
        .collect();
    let dir = corpus(&[("c.jsonl", lines.as_bytes())]);
    let out = run_in(dir.path(), &["dedup", "-q", "--write-kept", ".", "c.jsonl"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("refusing to overwrite an input"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read(dir.path().join("c.jsonl")).unwrap(),
        lines.as_bytes()
    );
}

#[test]
fn clean_out_dir_onto_the_input_is_refused() {
    let dir = corpus(&[("y.txt", PASTED), ("sub/w.txt", PASTED)]);
    let out = run_in(dir.path(), &["clean", "-q", "--out-dir", ".", "y.txt"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(std::fs::read(dir.path().join("y.txt")).unwrap(), PASTED);
    let out = run_in(
        &dir.path().join("sub"),
        &["clean", "-q", "--out-dir", "..", "../sub/w.txt"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(std::fs::read(dir.path().join("sub/w.txt")).unwrap(), PASTED);
}

#[test]
fn latin1_and_a_byte_order_mark_stay_byte_for_byte() {
    let original = latin1_pasted();
    let dir = corpus(&[
        ("latin1.txt", &original),
        ("plain.txt", b"Caf\xe9 society.\n"),
    ]);
    let expected = latin1_cleaned();
    // stdout
    let (code, stdout, stderr) = raw(dir.path(), &["clean", "-q", "latin1.txt"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, expected);
    // Nothing removed: the file comes back as it was.
    let (_, stdout, _) = raw(dir.path(), &["clean", "-q", "plain.txt"]);
    assert_eq!(stdout, b"Caf\xe9 society.\n");
    // --out-dir
    let (code, _, stderr) = raw(
        dir.path(),
        &["clean", "-q", "--out-dir", "out", "latin1.txt"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("out/latin1.txt")).unwrap(),
        expected
    );
    // --in-place, and its backup
    let (code, _, stderr) = raw(dir.path(), &["clean", "-q", "--in-place", "latin1.txt"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("latin1.txt")).unwrap(),
        expected
    );
    assert_eq!(
        std::fs::read(dir.path().join("latin1.txt.orig")).unwrap(),
        original
    );
}

#[test]
fn write_kept_keeps_the_first_print_and_every_byte() {
    let dir = corpus(&[("a.txt", &latin1_pasted())]);
    let out = write_kept(dir.path(), "a.txt");
    assert_eq!(out.code, 0, "{}", out.stderr);
    let expected = latin1_cleaned();
    assert_eq!(
        std::fs::read(dir.path().join("kept/a.txt")).unwrap(),
        expected
    );
}

#[test]
fn write_kept_copies_untouched_jsonl_records_byte_for_byte() {
    // Escapes, key order, spacing, CRLF and a Latin-1 byte: a record with
    // nothing to cut is copied as it was read, not re-serialized.
    let plain = "{\"id\": \"a\",  \"text\": \"Caf\\u00e9 \\/ one story\\n\\nof its own.\", \"z\": 1.50}\r\n";
    let latin1 = b"{\"text\":\"Na\xefve second story, unrelated.\",\"id\":\"b\"}\n";
    let mut input = plain.as_bytes().to_vec();
    input.extend_from_slice(latin1);
    let dir = corpus(&[("c.jsonl", &input)]);
    let out = write_kept(dir.path(), "c.jsonl");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        std::fs::read(dir.path().join("kept/c.jsonl")).unwrap(),
        input
    );
}

#[test]
fn write_kept_agrees_with_clean_on_the_samples() {
    let samples = repo_path("samples");
    let dir = tempfile::tempdir().unwrap();
    let out = write_kept(dir.path(), samples.to_str().unwrap());
    assert_eq!(out.code, 0, "{}", out.stderr);
    for file in ["en/08-transit-fares.txt", "zh/newspaper-page.txt"] {
        let (_, cleaned, _) = raw(
            dir.path(),
            &["clean", "-q", samples.join(file).to_str().unwrap()],
        );
        let kept_name = format!(
            "kept/{}",
            samples.join(file).to_str().unwrap().trim_start_matches('/')
        );
        let kept = std::fs::read(dir.path().join(kept_name)).unwrap();
        let kept_lines = String::from_utf8_lossy(&kept).lines().count();
        let clean_lines = String::from_utf8_lossy(&cleaned).lines().count();
        assert_eq!(kept_lines, clean_lines, "{file}");
    }
}

#[test]
fn a_file_name_that_is_not_utf8_is_written_under_its_own_name() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join(std::ffi::OsStr::from_bytes(b"a\xffb.txt"));
    let lookalike = dir.path().join("a\u{FFFD}b.txt");
    std::fs::write(&odd, PASTED).unwrap();
    std::fs::write(&lookalike, "unrelated\n").unwrap();
    let status = refrain()
        .args(["clean", "-q", "--in-place", "--no-backup"])
        .arg(&odd)
        .stdin(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(std::fs::read(&odd).unwrap(), pasted_cleaned());
    assert_eq!(std::fs::read(&lookalike).unwrap(), b"unrelated\n");
}

#[test]
fn in_place_on_a_compressed_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.txt.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, PASTED).unwrap();
    let compressed = gz.finish().unwrap();
    std::fs::write(&path, &compressed).unwrap();
    let out = run_in(dir.path(), &["clean", "-q", "--in-place", "x.txt.gz"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("compressed"), "{}", out.stderr);
    assert_eq!(std::fs::read(&path).unwrap(), compressed);
}

#[test]
fn in_place_keeps_the_mode_the_link_and_refuses_hard_links() {
    let dir = corpus(&[
        ("ro.txt", PASTED),
        ("real.txt", PASTED),
        ("hard.txt", PASTED),
    ]);
    let ro = dir.path().join("ro.txt");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let out = run_in(dir.path(), &["clean", "-q", "--in-place", "ro.txt"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        std::fs::metadata(&ro).unwrap().permissions().mode() & 0o777,
        0o444
    );
    assert_eq!(std::fs::read(&ro).unwrap(), pasted_cleaned());

    std::os::unix::fs::symlink("real.txt", dir.path().join("link.txt")).unwrap();
    let out = run_in(
        dir.path(),
        &["clean", "-q", "--in-place", "--no-backup", "link.txt"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        std::fs::symlink_metadata(dir.path().join("link.txt"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read(dir.path().join("real.txt")).unwrap(),
        pasted_cleaned()
    );

    std::fs::hard_link(dir.path().join("hard.txt"), dir.path().join("twin.txt")).unwrap();
    let out = run_in(dir.path(), &["clean", "-q", "--in-place", "hard.txt"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("hard links"), "{}", out.stderr);
    assert_eq!(std::fs::read(dir.path().join("twin.txt")).unwrap(), PASTED);
}

#[test]
fn a_new_output_gets_the_umask_mode() {
    let dir = tempfile::tempdir().unwrap();
    let samples = repo_path("samples/en");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 022; exec '{}' scan -q -o out.json '{}'",
            env!("CARGO_BIN_EXE_refrain"),
            samples.display()
        ))
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let mode = std::fs::metadata(dir.path().join("out.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
}

#[test]
fn a_failed_in_place_write_can_be_retried() {
    let dir = corpus(&[("f.txt", PASTED)]);
    let failed = refrain()
        .args(["clean", "-q", "--in-place", "f.txt"])
        .current_dir(dir.path())
        .env("REFRAIN_FAULT", "in-place")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("No space left on device"), "{stderr}");
    // The fault really happened mid-write: the file is whole, the backup
    // made, no temporary left.
    assert_eq!(std::fs::read(dir.path().join("f.txt")).unwrap(), PASTED);
    assert_eq!(
        std::fs::read(dir.path().join("f.txt.orig")).unwrap(),
        PASTED
    );
    let leftovers = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp")
        })
        .count();
    assert_eq!(leftovers, 0);
    let retry = run_in(dir.path(), &["clean", "-q", "--in-place", "f.txt"]);
    assert_eq!(retry.code, 0, "{}", retry.stderr);
    assert_eq!(
        std::fs::read(dir.path().join("f.txt")).unwrap(),
        pasted_cleaned()
    );
}

/// Four different stories under one wire footer.
fn footer_corpus() -> tempfile::TempDir {
    let footer = "Copyright 2026 Example Wire Service. All rights reserved. Do not redistribute this material.";
    let stories = [
        "The council approved the budget after a long debate on Monday evening in the town hall.",
        "Heavy rain flooded streets across the northern districts overnight and closed two schools.",
        "The local team won the championship in a dramatic final match decided by a late goal.",
        "A new bakery opened on the high street, drawing a queue that stretched around the block.",
    ];
    let files: Vec<(String, Vec<u8>)> = stories
        .iter()
        .enumerate()
        .map(|(i, story)| {
            (
                format!("d/{i}.txt"),
                format!("{story}\n\n{footer}\n").into_bytes(),
            )
        })
        .collect();
    crate::util::corpus_owned(&files)
}

#[test]
fn a_file_reached_twice_is_one_document() {
    let dir = footer_corpus();
    let out = run_in(
        dir.path(),
        &["clean", "--boilerplate", "d/0.txt", "--against", "d"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("removed boilerplate found in 4 documents"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("duplicate"), "{}", out.stderr);
    assert!(!out.stdout.contains("Copyright"), "{}", out.stdout);
}

#[test]
fn symlinks_inside_a_directory_are_read() {
    let dir = footer_corpus();
    std::fs::create_dir(dir.path().join("links")).unwrap();
    for i in 0..4 {
        std::os::unix::fs::symlink(
            format!("../d/{i}.txt"),
            dir.path().join(format!("links/{i}.txt")),
        )
        .unwrap();
    }
    let out = run_in(dir.path(), &["scan", "--json", "links"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["passage_clusters"][0]["documents"], 4);
}

#[test]
fn lone_carriage_returns_end_lines() {
    let dir = corpus(&[(
        "mac.txt",
        b"Pasted closing paragraph of the editor, printed twice by mistake.\r\rThe story itself with its own words.\r\rPasted closing paragraph of the editor, printed twice by mistake.\r",
    )]);
    let out = run_in(dir.path(), &["scan", "--json", "mac.txt"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report = out.json();
    assert_eq!(report["passage_clusters"][0]["kind"], "repeated");
    assert_eq!(report["passage_clusters"][0]["occurrences"][1]["line"], 5);
}

#[test]
fn checking_against_a_file_that_is_not_an_index_fails_and_changes_nothing() {
    let dir = corpus(&[("story.txt", PASTED), ("empty.db", b"")]);
    let other = dir.path().join("other.db");
    let status = Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()"])
        .arg(&other)
        .status();
    let mut databases = vec!["empty.db"];
    if status.is_ok_and(|s| s.success()) {
        databases.push("other.db");
    }
    for db in databases {
        let before = std::fs::read(dir.path().join(db)).unwrap();
        for args in [
            &["check", "--index", db, "story.txt"][..],
            &["index", "stats", "--index", db],
        ] {
            let out = run_in(dir.path(), args);
            assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
            assert!(out.stderr.contains("not a refrain index"), "{}", out.stderr);
        }
        assert_eq!(
            std::fs::read(dir.path().join(db)).unwrap(),
            before,
            "{db} changed"
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.ends_with("-wal")), "{names:?}");
    }
}

#[test]
fn a_lone_surrogate_escape_is_read_like_an_invalid_byte() {
    let dir = corpus(&[(
        "s.jsonl",
        b"{\"id\":\"a\",\"text\":\"a \\ud800 b and a story of its own words here\"}\n{\"id\":\"b\",\"text\":\"caf\xe9 and another story with other words\"}\n",
    )]);
    let out = run_in(dir.path(), &["scan", "--json", "s.jsonl"]);
    let report = out.json();
    assert_eq!(report["stats"]["documents"], 2, "{}", out.stderr);
    let kinds: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["invalid_utf8", "invalid_utf8"], "{}", out.stdout);
}

#[test]
fn a_kill_mid_write_leaves_the_original_whole() {
    let dir = corpus(&[("f.txt", PASTED)]);
    // Wait until the cleaned copy is written to its temporary file and the
    // process stands before the rename: the kill lands there, and we know.
    let mut child = spawn_paused(
        dir.path(),
        &["clean", "-q", "--in-place", "--no-backup", "f.txt"],
        "in-place",
    );
    let temporaries: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert_eq!(temporaries.len(), 1, "the cleaned copy is being written");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read(dir.path().join("f.txt")).unwrap(), PASTED);
}

#[test]
fn a_truncated_gzip_adds_nothing_to_the_index() {
    let lines: String = (0..30_000)
        .map(|i| format!("{{\"id\":\"r{i}\",\"text\":\"record {i} tells its own short story number {i} today.\"}}\n"))
        .collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, lines.as_bytes()).unwrap();
    let whole = gz.finish().unwrap();
    let dir = corpus(&[("part.jsonl.gz", &whole[..whole.len() * 9 / 10])]);
    let out = run_in(
        dir.path(),
        &["index", "add", "-q", "--index", "i.db", "part.jsonl.gz"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("nothing was added"), "{}", out.stderr);
    assert!(out.stderr.contains("broke off after"), "{}", out.stderr);
    let stats = run_in(dir.path(), &["index", "stats", "--index", "i.db"]);
    assert_eq!(stats.code, 0, "{}", stats.stderr);
    assert_eq!(stats.json()["documents"], 0, "{}", stats.stdout);
}

#[test]
fn dedup_writes_a_line_for_every_skipped_document() {
    let dir = corpus(&[
        ("a.txt", b"A story of its own with several words in it today."),
        ("empty.txt", b""),
        ("bin.txt", b"\x00\x01\x02binary"),
        (
            "r.jsonl",
            b"{\"id\":\"x\",\"text\":\"another story with its own words\"}\n{broken\n{\"id\":\"y\",\"text\":\"\"}\n",
        ),
    ]);
    let out = run_in(
        dir.path(),
        &["dedup", "-q", "a.txt", "empty.txt", "bin.txt", "r.jsonl"],
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    let lines = crate::util::json_lines(&out.stdout);
    assert_eq!(lines.len(), 6, "{}", out.stdout);
    let skipped: Vec<(&str, &str)> = lines
        .iter()
        .filter(|l| l.get("skipped").is_some())
        .map(|l| (l["id"].as_str().unwrap(), l["skipped"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("empty.txt", "empty"),
            ("bin.txt", "binary"),
            ("r.jsonl:2", "malformed_json"),
            ("r.jsonl:3", "empty")
        ]
    );
    assert!(
        lines
            .iter()
            .filter(|l| l.get("skipped").is_some())
            .all(|l| l["keep"] == false)
    );
}

#[test]
fn an_index_add_killed_before_its_commit_adds_nothing() {
    let dir = footer_corpus();
    // The kill lands with every row written inside the transaction.
    let mut child = spawn_paused(
        dir.path(),
        &["index", "add", "-q", "--index", "i.db", "d"],
        "index-commit",
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let stats = run_in(dir.path(), &["index", "stats", "--index", "i.db"]);
    assert_eq!(stats.code, 0, "{}", stats.stderr);
    assert_eq!(stats.json()["documents"], 0, "{}", stats.stdout);
    // The same add, not interrupted, adds the four documents.
    let out = run_in(dir.path(), &["index", "add", "-q", "--index", "i.db", "d"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let stats = run_in(dir.path(), &["index", "stats", "--index", "i.db"]);
    assert_eq!(stats.json()["documents"], 4, "{}", stats.stdout);
}

#[test]
fn a_failed_index_commit_adds_nothing_and_says_why() {
    let dir = footer_corpus();
    let out = refrain()
        .args(["index", "add", "-q", "--index", "i.db", "d"])
        .current_dir(dir.path())
        .env("REFRAIN_FAULT", "index-commit")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("No space left on device"), "{stderr}");
    let stats = run_in(dir.path(), &["index", "stats", "--index", "i.db"]);
    assert_eq!(stats.json()["documents"], 0, "{}", stats.stdout);
}

#[test]
fn a_second_index_add_waits_for_the_first_instead_of_failing() {
    let dir = footer_corpus();
    std::fs::create_dir(dir.path().join("e")).unwrap();
    std::fs::write(
        dir.path().join("e/extra.txt"),
        "An extra story about the harbour strike and the talks that broke down.\n",
    )
    .unwrap();
    // The first add holds the write lock, paused before its commit.
    let mut first = spawn_paused(
        dir.path(),
        &["index", "add", "-q", "--index", "i.db", "d"],
        "index-commit",
    );
    let mut second = refrain()
        .args(["index", "add", "-q", "--index", "i.db", "e"])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        second.try_wait().unwrap().is_none(),
        "the second add ended while the first held the index"
    );
    std::fs::write(dir.path().join("go"), "").unwrap();
    assert!(first.wait().unwrap().success());
    let out = second.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats = run_in(dir.path(), &["index", "stats", "--index", "i.db"]);
    assert_eq!(stats.json()["documents"], 5, "{}", stats.stdout);
}

/// `refrain ARGS` in `dir` as a user who may not write there: `nobody`
/// (through `runuser`) when the tests run as root, who may write anywhere;
/// the current user otherwise.
fn run_without_write_access(dir: &Path, args: &[&str]) -> crate::util::Run {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let mut command = if is_root {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", "nobody", "--", env!("CARGO_BIN_EXE_refrain")]);
        runuser
    } else {
        refrain()
    };
    let output = command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("refrain runs");
    crate::util::Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        code: output.status.code().unwrap_or(-1),
    }
}

#[test]
fn an_index_in_a_read_only_directory_is_checked_and_left_as_it_was() {
    let dir = footer_corpus();
    let built = run_in(
        dir.path(),
        &["index", "add", "-q", "--index", "ro/i.db", "d"],
    );
    assert_eq!(built.code, 2, "the index's directory does not exist yet");
    std::fs::create_dir(dir.path().join("ro")).unwrap();
    let built = run_in(
        dir.path(),
        &["index", "add", "-q", "--index", "ro/i.db", "d"],
    );
    assert_eq!(built.code, 0, "{}", built.stderr);
    let listing = |path: &Path| {
        let mut names: Vec<String> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        listing(&dir.path().join("ro")),
        ["i.db"],
        "no -wal or -shm left"
    );
    let bytes = std::fs::read(dir.path().join("ro/i.db")).unwrap();
    // Readable by all, writable by none (but root) from here on.
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    mode(dir.path(), 0o755);
    mode(&dir.path().join("ro/i.db"), 0o444);
    mode(&dir.path().join("ro"), 0o555);
    let checked = run_without_write_access(dir.path(), &["check", "--index", "ro/i.db", "d/0.txt"]);
    let stats = run_without_write_access(dir.path(), &["index", "stats", "--index", "ro/i.db"]);
    mode(&dir.path().join("ro"), 0o755);
    // d/0.txt is itself archived: it is no match of itself, and its footer
    // is known boilerplate (a warning, exit 0).
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(checked.stdout.contains("boilerplate"), "{}", checked.stdout);
    assert_eq!(stats.code, 0, "{}", stats.stderr);
    assert_eq!(stats.json()["documents"], 4, "{}", stats.stdout);
    assert_eq!(
        listing(&dir.path().join("ro")),
        ["i.db"],
        "a reader left files"
    );
    assert!(std::fs::read(dir.path().join("ro/i.db")).unwrap() == bytes);
}

#[test]
fn scan_refuses_to_quote_a_file_changed_since_it_was_read() {
    let dir = footer_corpus();
    let child = spawn_paused_capturing(
        dir.path(),
        &["scan", "-q", "--json", "d"],
        "scan-report",
        true,
    );
    // The footer's first print, quoted in the report, is edited meanwhile.
    let first = dir.path().join("d/0.txt");
    let text = std::fs::read_to_string(&first).unwrap();
    std::fs::write(&first, text.replace("Copyright", "Copyleft")).unwrap();
    std::fs::write(dir.path().join("go"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("d/0.txt") && stderr.contains("changed since it was read"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Copyleft"));
}
