//! The bodies of the fuzz targets, one per reader, shared by the cargo-fuzz
//! targets (`fuzz/fuzz_targets/`) and by `tests/fuzz_regressions.rs`, which
//! replays the corpora the fuzzer found. Each runs a reader on arbitrary
//! bytes and asserts what must hold of its output, whatever the input:
//! no panic, no hang, and no text lost or invented.

use std::io::Cursor;

use refrain::corpus::ReadOptions;
use refrain::corpus::read::{ReadCorpus, read_from};
use refrain::error::Severity;

/// Inputs past this size are cut (libFuzzer's `-max_len` is below it).
const MAX_DOC_BYTES: u64 = 1 << 20;

fn read(data: &[u8], name: &str, as_jsonl: bool) -> ReadCorpus {
    let options = ReadOptions {
        max_doc_bytes: MAX_DOC_BYTES,
        ..ReadOptions::default()
    };
    read_from(
        Box::new(Cursor::new(data.to_vec())),
        name,
        as_jsonl,
        &options,
    )
}

/// Starts what lives for the whole process (rayon's global pool, the
/// fingerprinter) before the first input, so that LeakSanitizer does not
/// take them for leaks of the input that happened to start them.
pub fn warm_up() {
    jsonl_reader(b"{\"id\":\"a\",\"text\":\"one two three four five six\"}\n");
    paragraphs(b"one two three four five six\n\nseven eight nine ten eleven twelve\n");
}

/// A plain-text file: one document or one problem, never both; valid
/// UTF-8 (no byte-order mark, no NUL) is read as it is.
pub fn text_reader(data: &[u8]) {
    let read = read(data, "fuzz.txt", false);
    assert!(read.documents.len() <= 1, "one document per text file");
    assert!(
        read.documents.is_empty()
            || read
                .problems
                .iter()
                .all(|p| p.severity == Severity::Warning),
        "a document and an error: {:?}",
        read.problems
    );
    if let Some(doc) = read.documents.first() {
        if let Ok(text) = std::str::from_utf8(data)
            && !text.starts_with('\u{feff}')
            && !is_compressed(data)
        {
            assert_eq!(doc.text, text, "valid UTF-8 is read as it is");
        }
        paragraphs(doc.text.as_bytes());
    }
}

/// JSONL: documents in line order, every line number within the input
/// (for plain input; a compressed one is counted in its decompressed lines).
pub fn jsonl_reader(data: &[u8]) {
    let read = read(data, "fuzz.jsonl", true);
    let lines = if is_compressed(data) {
        u64::MAX
    } else {
        data.split(|&b| b == b'\n').count() as u64
    };
    let mut last = 0;
    for doc in &read.documents {
        let line = doc.source_line.expect("a record has a line");
        assert!(
            line > last && line <= lines,
            "line {line} after {last} of {lines}"
        );
        last = line;
        assert!(!doc.name.is_empty());
    }
    for problem in &read.problems {
        if let Some(line) = problem.line {
            assert!(line >= 1 && line <= lines, "problem line {line} of {lines}");
        }
    }
}

fn is_compressed(data: &[u8]) -> bool {
    data.starts_with(&[0x1f, 0x8b]) || data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
}

/// Gzip streams (the input behind a gzip header): a truncated or corrupt
/// stream is a problem, not a panic or a hang, as JSONL and as text.
pub fn gzip_reader(data: &[u8]) {
    let mut stream = vec![0x1f, 0x8b, 0x08, 0x00];
    stream.extend_from_slice(data);
    read(&stream, "fuzz.jsonl.gz", true);
    read(&stream, "fuzz.txt.gz", false);
}

/// Zstandard frames (the input behind a zstd magic number).
pub fn zstd_reader(data: &[u8]) {
    let mut stream = vec![0x28, 0xb5, 0x2f, 0xfd];
    stream.extend_from_slice(data);
    read(&stream, "fuzz.jsonl.zst", true);
    read(&stream, "fuzz.txt.zst", false);
}

/// Paragraph splitting, normalization and fingerprinting: paragraphs are
/// in order, on character boundaries, cover every non-blank character of
/// the text, and normalize to letters, digits and marks between single
/// spaces.
pub fn paragraphs(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let paragraphs = refrain::text::paragraph::split_paragraphs(&text);
    let mut covered = 0;
    let mut last_line = 0;
    for paragraph in &paragraphs {
        assert!(paragraph.start_byte >= covered, "paragraphs overlap");
        assert!(paragraph.start_byte < paragraph.end_byte);
        assert!(paragraph.end_byte <= text.len());
        assert!(text.is_char_boundary(paragraph.start_byte));
        assert!(text.is_char_boundary(paragraph.end_byte));
        assert!(paragraph.first_line > last_line, "lines go forward");
        let between = &text[covered..paragraph.start_byte];
        assert!(
            between.chars().all(char::is_whitespace),
            "text lost between paragraphs: {between:?}"
        );
        let normalized = refrain::text::normalize::normalize(&paragraph.joined_text(&text));
        assert!(!normalized.starts_with(' ') && !normalized.ends_with(' '));
        assert!(!normalized.contains("  "), "{normalized:?}");
        covered = paragraph.end_byte;
        last_line = paragraph.first_line;
    }
    assert!(
        text[covered..].chars().all(char::is_whitespace),
        "text lost after the last paragraph"
    );
    // Built once: its token table takes milliseconds.
    static FINGERPRINTER: std::sync::LazyLock<refrain::fingerprint::Fingerprinter> =
        std::sync::LazyLock::new(|| refrain::fingerprint::Fingerprinter::new(&Default::default()));
    let print = FINGERPRINTER.document(&text);
    assert_eq!(print.paragraphs.len(), paragraphs.len());
}
