//! Reads sources into documents: a plain-text file is one document, each
//! line of a JSONL/NDJSON file is one record.
//!
//! Nothing here panics on input. Each problem (unreadable file, binary
//! file, invalid UTF-8, an over-long document, a malformed JSONL line, a
//! record without its text field) becomes an [`InputProblem`] naming the
//! source and line, and reading goes on with the next document.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::document::{DocId, Document};
use super::read_ahead::ReadAhead;
use super::walk::Source;
use crate::error::{InputProblem, ProblemKind};

/// How many leading bytes are searched for a NUL to detect binary files.
const BINARY_SNIFF_BYTES: usize = 8192;

/// How to interpret the bytes of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// JSONL for `.jsonl`/`.ndjson` files, plain text otherwise.
    Auto,
    /// Every source is one plain-text document.
    Text,
    /// Every source holds one JSON object per line.
    Jsonl,
}

/// Settings for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadOptions {
    /// How to interpret sources.
    pub format: InputFormat,
    /// JSONL field holding the text.
    pub text_field: String,
    /// JSONL field holding the document id.
    pub id_field: String,
    /// Documents (files or records) larger than this are skipped.
    pub max_doc_bytes: u64,
    /// A further JSONL field to keep with each document (for
    /// `dedup --keep field:NAME`).
    pub extra_field: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            format: InputFormat::Auto,
            text_field: "text".into(),
            id_field: "id".into(),
            max_doc_bytes: 64 << 20,
            extra_field: None,
        }
    }
}

/// Documents read from a corpus, in input order, and the problems met.
#[derive(Debug, Default)]
pub struct ReadCorpus {
    /// The documents, `documents[i].id == DocId(i)`.
    pub documents: Vec<Document>,
    /// Problems in input order.
    pub problems: Vec<InputProblem>,
    /// Bytes of text read into documents.
    pub bytes: u64,
}

/// Reads every source, keeping input order, and assigns document ids in
/// that order. Holds the whole corpus: see [`read_in_batches`] for a
/// bounded-memory reader.
pub fn read_corpus(sources: &[Source], options: &ReadOptions) -> ReadCorpus {
    let mut corpus = ReadCorpus::default();
    read_in_batches(sources, options, &Arc::default(), &mut |batch| {
        corpus.documents.extend(batch.documents);
        corpus.problems.extend(batch.problems);
        corpus.bytes += batch.bytes;
    });
    corpus
}

/// Text files read in parallel as one batch, at most.
const TEXT_FILES_PER_BATCH: usize = 256;
/// Bytes of text files (by their size on disk) read as one batch, at most:
/// a group closes once it reaches this, so a tree of large files is not
/// held 256 at a time.
const TEXT_BYTES_PER_BATCH: u64 = 32 << 20;

/// Reads every source in input order and hands the documents over in
/// batches (a JSONL file in batches of its lines, consecutive text files
/// in groups read in parallel), so a caller that does not keep them never
/// holds more than one batch. Document ids run on across batches.
/// `read_bytes` counts the bytes read from the sources as they are stored
/// (a compressed file's compressed bytes), for progress against their
/// sizes.
pub fn read_in_batches(
    sources: &[Source],
    options: &ReadOptions,
    read_bytes: &Arc<AtomicU64>,
    on_batch: &mut dyn FnMut(ReadCorpus),
) {
    let mut next_id = 0u32;
    let mut emit = |read: SourceRead| {
        let mut batch = ReadCorpus {
            problems: read.problems,
            ..ReadCorpus::default()
        };
        for raw in read.documents {
            batch.bytes += raw.text.len() as u64;
            batch.documents.push(Document {
                id: DocId(next_id),
                name: raw.name,
                source: raw.source,
                source_line: raw.line,
                text: raw.text,
                extra: raw.extra,
            });
            next_id += 1;
        }
        on_batch(batch);
    };
    let mut start = 0;
    while start < sources.len() {
        if is_jsonl(&sources[start], options) {
            read_source(&sources[start], options, read_bytes, &mut emit);
            start += 1;
            continue;
        }
        let mut end = start;
        let mut group_bytes = 0u64;
        while end < sources.len()
            && end - start < TEXT_FILES_PER_BATCH
            && group_bytes < TEXT_BYTES_PER_BATCH
            && !is_jsonl(&sources[end], options)
        {
            group_bytes += match &sources[end] {
                Source::File(path) => std::fs::metadata(path).map_or(0, |m| m.len()),
                Source::Stdin => TEXT_BYTES_PER_BATCH,
            };
            end += 1;
        }
        let reads: Vec<SourceRead> = sources[start..end]
            .par_iter()
            .map(|source| {
                let mut whole = SourceRead::default();
                read_source(source, options, read_bytes, &mut |part| whole.append(part));
                whole
            })
            .collect();
        let mut group = SourceRead::default();
        for read in reads {
            group.append(read);
        }
        emit(group);
        start = end;
    }
}

/// Reads documents from any reader (decompressing gzip or Zstandard, as
/// for a file), as JSONL or as one text document, under the name `name`:
/// the same readers as for files, for bytes held in memory (a library
/// caller's buffer, a fuzz target's input). Ids start at 0.
pub fn read_from(
    reader: Box<dyn Read + Send>,
    name: &str,
    as_jsonl: bool,
    options: &ReadOptions,
) -> ReadCorpus {
    let mut corpus = ReadCorpus::default();
    let mut emit = |read: SourceRead| {
        for raw in read.documents {
            corpus.bytes += raw.text.len() as u64;
            corpus.documents.push(Document {
                id: DocId(corpus.documents.len() as u32),
                name: raw.name,
                source: raw.source,
                source_line: raw.line,
                text: raw.text,
                extra: raw.extra,
            });
        }
        corpus.problems.extend(read.problems);
    };
    read_opened(reader, name, as_jsonl, options, &mut emit);
    corpus
}

/// Reads documents of `source` again, as the reader read them the first
/// time: for JSONL, the records at `lines` (ascending, 1-based, as
/// reported), only those parsed; for a text file, its one document
/// (`lines` is ignored). A record that is no longer there or no longer
/// parses is an error (the caller checks the texts against what it read
/// the first time).
pub fn reread(source: &Source, options: &ReadOptions, lines: &[u64]) -> io::Result<Vec<String>> {
    let name = source.display_name();
    let gone = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    if !is_jsonl(source, options) {
        let mut documents = Vec::new();
        read_source(source, options, &Arc::default(), &mut |read| {
            documents.extend(read.documents)
        });
        return match documents.pop() {
            Some(document) if documents.is_empty() => Ok(vec![document.text]),
            _ => Err(gone(format!("{name} no longer reads as one document"))),
        };
    }
    let mut reader = io::BufReader::with_capacity(READ_BYTES, open_source(source)?);
    let mut texts = Vec::with_capacity(lines.len());
    let mut line = Vec::new();
    let mut number = 0u64;
    for &wanted in lines {
        debug_assert!(wanted > number || wanted == number && !texts.is_empty());
        while number + 1 < wanted {
            if reader.skip_until(b'\n')? == 0 {
                return Err(gone(format!("{name} has no line {wanted} any more")));
            }
            number += 1;
        }
        if number + 1 == wanted {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                return Err(gone(format!("{name} has no line {wanted} any more")));
            }
            number += 1;
        }
        let mut end = line.len();
        if line.get(end.wrapping_sub(1)) == Some(&b'\n') {
            end -= 1;
        }
        while end > 0 && line[end - 1] == b'\r' {
            end -= 1;
        }
        let record = parse_record(&line[..end], &name, wanted, options, &mut Vec::new())
            .ok_or_else(|| gone(format!("{name}:{wanted} no longer reads as a record")))?;
        texts.push(record.text);
    }
    Ok(texts)
}

/// True when `source` is read as JSONL under `options`.
pub fn is_jsonl(source: &Source, options: &ReadOptions) -> bool {
    match options.format {
        InputFormat::Jsonl => true,
        InputFormat::Text => false,
        InputFormat::Auto => is_jsonl_name(&source.display_name()),
    }
}

/// Opens a source for reading, decompressed if it is gzip or Zstandard.
pub fn open_source(source: &Source) -> io::Result<Box<dyn Read + Send>> {
    let opened: Box<dyn Read + Send> = match source {
        Source::Stdin => Box::new(io::stdin()),
        Source::File(path) => Box::new(File::open(path)?),
    };
    decompressed(opened)
}

/// A text file's contents as a document's text: UTF-8 without a leading
/// byte-order mark, invalid sequences replaced (as the reader decodes it).
pub fn decode_lossy(bytes: Vec<u8>) -> String {
    decode(bytes, "", None, &mut Vec::new())
}

#[derive(Debug, Default)]
struct SourceRead {
    documents: Vec<RawDocument>,
    problems: Vec<InputProblem>,
}

impl SourceRead {
    fn append(&mut self, mut other: SourceRead) {
        self.documents.append(&mut other.documents);
        self.problems.append(&mut other.problems);
    }
}

#[derive(Debug, PartialEq)]
struct RawDocument {
    name: String,
    source: String,
    line: Option<u64>,
    text: String,
    extra: Option<serde_json::Value>,
}

/// Reads one source, handing its documents to `emit` in one or more parts.
fn read_source(
    source: &Source,
    options: &ReadOptions,
    read_bytes: &Arc<AtomicU64>,
    emit: &mut dyn FnMut(SourceRead),
) {
    let name = source.display_name();
    // A file's size, when it has one (not a pipe or a device), lets an
    // oversized text be refused before a byte of it is read.
    let opened: io::Result<(Box<dyn Read + Send>, Option<u64>)> = match source {
        Source::Stdin => Ok((Box::new(io::stdin()) as Box<dyn Read + Send>, None)),
        Source::File(path) => File::open(path).map(|file| {
            let size = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            (Box::new(file) as Box<dyn Read + Send>, size)
        }),
    };
    let opened = opened.map(|(reader, size)| {
        let counted: Box<dyn Read + Send> = Box::new(Counting {
            inner: reader,
            read: Arc::clone(read_bytes),
        });
        (counted, size)
    });
    match opened {
        Ok((reader, size)) => {
            let as_jsonl = is_jsonl(source, options);
            read_opened_sized(reader, &name, as_jsonl, size, options, emit)
        }
        Err(err) => {
            let mut out = SourceRead::default();
            out.problems.push(InputProblem::new(
                &name,
                None,
                ProblemKind::Unreadable,
                format!("cannot open: {err}"),
            ));
            emit(out);
        }
    }
}

/// Reads an opened source (decompressed here), handing its documents to
/// `emit` in one or more parts; a read that fails part way is a problem
/// after the documents read before it.
fn read_opened(
    reader: Box<dyn Read + Send>,
    name: &str,
    as_jsonl: bool,
    options: &ReadOptions,
    emit: &mut dyn FnMut(SourceRead),
) {
    read_opened_sized(reader, name, as_jsonl, None, options, emit)
}

/// [`read_opened`] for a source of `size` bytes on disk, when known.
fn read_opened_sized(
    reader: Box<dyn Read + Send>,
    name: &str,
    as_jsonl: bool,
    size: Option<u64>,
    options: &ReadOptions,
    emit: &mut dyn FnMut(SourceRead),
) {
    let mut out = SourceRead::default();
    let result = decompressed_telling(reader).and_then(|(reader, compressed)| {
        // Decompressed, the size on disk says nothing of the text's.
        let size = size.filter(|_| !compressed);
        if as_jsonl {
            read_jsonl(reader, name, options, &mut out, emit)
        } else {
            read_text(reader, name, size, options, &mut out)
        }
    });
    if let Err(err) = result {
        out.problems.push(InputProblem::new(
            name,
            None,
            ProblemKind::Unreadable,
            format!("read failed: {err}"),
        ));
    }
    emit(out);
}

fn is_jsonl_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let lower = lower
        .strip_suffix(".gz")
        .or_else(|| lower.strip_suffix(".zst"))
        .unwrap_or(&lower);
    lower.ends_with(".jsonl") || lower.ends_with(".ndjson")
}

/// A source's reader that adds what it reads to a shared count.
struct Counting {
    inner: Box<dyn Read + Send>,
    read: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Gzip (`1f 8b`) and Zstandard (`28 b5 2f fd`) input is recognised by its
/// first bytes, whatever the file is called, and decompressed as it is
/// read, on a thread of its own ([`ReadAhead`]); anything else is read as
/// it is.
fn decompressed(reader: Box<dyn Read + Send>) -> io::Result<Box<dyn Read + Send>> {
    decompressed_telling(reader).map(|(reader, _)| reader)
}

/// [`decompressed`], and whether the input was compressed.
fn decompressed_telling(reader: Box<dyn Read + Send>) -> io::Result<(Box<dyn Read + Send>, bool)> {
    let mut buffered = BufReader::with_capacity(256 << 10, reader);
    let head = buffered.fill_buf()?;
    if head.starts_with(&[0x1f, 0x8b]) {
        let decoder = flate2::read::MultiGzDecoder::new(buffered);
        Ok((Box::new(ReadAhead::new(Box::new(decoder))), true))
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let decoder = ruzstd::decoding::StreamingDecoder::new(buffered)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}")))?;
        let reader = ReadAhead::new(Box::new(ZstdErrors { decoder, read: 0 }));
        Ok((Box::new(reader), true))
    } else {
        Ok((Box::new(buffered), false))
    }
}

/// A Zstandard decoder whose errors say what happened in words: the
/// decoder's own are its internal enums, printed with `{:?}`.
struct ZstdErrors<R> {
    decoder: R,
    /// Decompressed bytes handed out so far.
    read: u64,
}

impl<R: Read> Read for ZstdErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.decoder.read(buf) {
            Ok(n) => {
                self.read += n as u64;
                Ok(n)
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => Err(err),
            Err(err) => {
                let detail = err.to_string();
                let what = if detail.contains("UnexpectedEof") {
                    "the stream ends in the middle of a block (a truncated file?)"
                } else {
                    "the stream is corrupt"
                };
                Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("zstd: {what}, after {} decompressed bytes", self.read),
                ))
            }
        }
    }
}

/// Reads a text document of `size` bytes (when known): one larger than
/// `--max-doc-bytes` is refused by its size, unread; one of no known size
/// (a pipe, a decompressed stream) is read up to the limit and no further.
fn read_text(
    reader: Box<dyn Read + Send>,
    name: &str,
    size: Option<u64>,
    options: &ReadOptions,
    out: &mut SourceRead,
) -> io::Result<()> {
    let mut bytes = Vec::new();
    if size.is_none_or(|size| size <= options.max_doc_bytes) {
        // Sized at once where the size is known: no doubling on the way.
        if let Some(size) = size {
            bytes.reserve_exact(usize::try_from(size).unwrap_or(0));
        }
        reader
            .take(options.max_doc_bytes + 1)
            .read_to_end(&mut bytes)?;
    }
    if size.is_some_and(|size| size > options.max_doc_bytes)
        || bytes.len() as u64 > options.max_doc_bytes
    {
        out.problems.push(InputProblem::new(
            name,
            None,
            ProblemKind::TooLarge,
            format!(
                "larger than --max-doc-bytes ({} bytes); skipped",
                options.max_doc_bytes
            ),
        ));
        return Ok(());
    }
    if let Some(offset) = bytes.iter().take(BINARY_SNIFF_BYTES).position(|&b| b == 0) {
        let message = if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
            "UTF-16 text (it starts with a UTF-16 byte-order mark); skipped: refrain reads \
             UTF-8, convert it with `iconv -f UTF-16 -t UTF-8`"
                .to_owned()
        } else {
            format!("binary file (NUL byte at offset {offset}); skipped")
        };
        out.problems
            .push(InputProblem::new(name, None, ProblemKind::Binary, message));
        return Ok(());
    }
    let text = decode(bytes, name, None, &mut out.problems);
    if text.trim().is_empty() {
        out.problems.push(InputProblem::new(
            name,
            None,
            ProblemKind::Empty,
            "empty file; skipped",
        ));
        return Ok(());
    }
    if options.format == InputFormat::Auto
        && let Some(hint) = json_hint(&text)
    {
        out.problems.push(InputProblem::new(
            name,
            None,
            ProblemKind::LooksLikeJson,
            hint,
        ));
    }
    out.documents.push(RawDocument {
        name: name.to_owned(),
        source: name.to_owned(),
        line: None,
        text,
        extra: None,
    });
    Ok(())
}

/// A hint for a file read as plain text (by its name) that holds JSON
/// records: JSONL saved as `.txt` (as Spark writes `part-00000`), or a
/// JSON array of records.
fn json_hint(text: &str) -> Option<String> {
    let start = text.trim_start();
    if start.starts_with('[') {
        let records: Vec<serde_json::Value> = serde_json::from_str(start).ok()?;
        return records.first().is_some_and(|r| r.is_object()).then(|| {
            format!(
                "holds a JSON array of {} record(s), read as one text document; refrain \
                 reads JSONL (one record a line): convert it with `jq -c '.[]' FILE > FILE.jsonl`",
                records.len()
            )
        });
    }
    let mut lines = start.lines().filter(|l| !l.trim().is_empty()).take(2);
    let is_object =
        |line: &str| serde_json::from_str::<serde_json::Value>(line).is_ok_and(|v| v.is_object());
    (lines.next().is_some_and(is_object) && lines.next().is_none_or(is_object)).then(|| {
        "its lines are JSON records, read as one text document; pass --input-format jsonl \
         (or name it .jsonl)"
            .to_owned()
    })
}

/// Decodes UTF-8 (without a leading byte-order mark); invalid sequences
/// become U+FFFD and a warning names the first bad byte.
fn decode(
    mut bytes: Vec<u8>,
    name: &str,
    line: Option<u64>,
    problems: &mut Vec<InputProblem>,
) -> String {
    let text_len = match decode_line(&bytes, name, line, problems) {
        Cow::Borrowed(text) => text.len(),
        Cow::Owned(repaired) => return repaired,
    };
    // Valid: the text is the bytes after any byte-order mark, kept in
    // place rather than copied.
    bytes.drain(..bytes.len() - text_len);
    // SAFETY: these bytes were validated as UTF-8 by `decode_line`.
    unsafe { String::from_utf8_unchecked(bytes) }
}

/// [`decode`] for text that stays where it is when it is valid UTF-8.
fn decode_line<'b>(
    bytes: &'b [u8],
    name: &str,
    line: Option<u64>,
    problems: &mut Vec<InputProblem>,
) -> Cow<'b, str> {
    let bytes = bytes.strip_prefix(BYTE_ORDER_MARK).unwrap_or(bytes);
    // simdutf8 validates several times faster than the standard library
    // (it was 4% of a `dedup` run); only invalid text, rare, goes on to
    // the standard library to find its first bad byte.
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(repaired(bytes, name, line, problems)),
    }
}

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// Invalid UTF-8 decoded with replacement characters, and a warning that
/// names its first bad byte.
fn repaired(
    bytes: &[u8],
    name: &str,
    line: Option<u64>,
    problems: &mut Vec<InputProblem>,
) -> String {
    let offset = std::str::from_utf8(bytes).map_or_else(|err| err.valid_up_to(), str::len);
    problems.push(InputProblem::new(
        name,
        line,
        ProblemKind::InvalidUtf8,
        format!("invalid UTF-8 at byte {offset}; decoded with replacement characters"),
    ));
    String::from_utf8_lossy(bytes).into_owned()
}

fn read_jsonl(
    reader: Box<dyn Read + Send>,
    name: &str,
    options: &ReadOptions,
    out: &mut SourceRead,
    emit: &mut dyn FnMut(SourceRead),
) -> io::Result<()> {
    let limits = BatchLimits {
        bytes: PARSE_BATCH_BYTES,
        lines: PARSE_BATCH_LINES,
        read: READ_BYTES,
    };
    read_jsonl_in_batches(reader, name, options, limits, out, emit)
}

/// Lines read in one batch before they are parsed in parallel.
const PARSE_BATCH_LINES: usize = 8192;
/// Bytes read in one batch before they are parsed in parallel.
const PARSE_BATCH_BYTES: usize = 32 << 20;
/// Bytes asked of the source at a time.
const READ_BYTES: usize = 1 << 20;

/// When a batch of JSONL lines is full, and how much is read at a time.
#[derive(Clone, Copy)]
struct BatchLimits {
    bytes: usize,
    lines: usize,
    read: usize,
}

/// Reads JSONL into one buffer, a batch of lines at a time, and parses each
/// batch's lines in parallel where they lie in the buffer: no line is
/// copied out or given an allocation of its own, so the only sequential
/// work is the read and a `memchr` for each line's end. A line longer
/// than `--max-doc-bytes` is skipped as it is read, never held whole.
fn read_jsonl_in_batches(
    mut reader: Box<dyn Read + Send>,
    name: &str,
    options: &ReadOptions,
    limits: BatchLimits,
    out: &mut SourceRead,
    emit: &mut dyn FnMut(SourceRead),
) -> io::Result<()> {
    let max_bytes = usize::try_from(options.max_doc_bytes).unwrap_or(usize::MAX);
    let mut buffer: Vec<u8> = Vec::new();
    let mut eof = read_more(
        &mut reader,
        &mut buffer,
        limits.read.max(BINARY_SNIFF_BYTES),
    )?;
    if let Some(offset) = buffer.iter().take(BINARY_SNIFF_BYTES).position(|&b| b == 0) {
        out.problems.push(InputProblem::new(
            name,
            None,
            ProblemKind::Binary,
            format!("binary file (NUL byte at offset {offset}); skipped"),
        ));
        return Ok(());
    }
    let mut batch = LineBatch::default();
    // Lines before `at` are in the batch; `buffer[at..]` is not cut yet,
    // and `buffer[at..searched]` holds no line end.
    let (mut at, mut searched) = (0, 0);
    loop {
        while let Some(newline) = memchr::memchr(b'\n', &buffer[searched..]) {
            batch.push(&buffer, at..searched + newline, true, max_bytes);
            at = searched + newline + 1;
            searched = at;
            if batch.is_full(limits) {
                batch.parse(&buffer, name, options, out);
                emit(std::mem::take(out));
                buffer.drain(..at);
                (at, searched) = (0, 0);
            }
        }
        searched = buffer.len();
        if eof {
            if at < buffer.len() {
                batch.push(&buffer, at..buffer.len(), false, max_bytes);
            }
            batch.parse(&buffer, name, options, out);
            return Ok(());
        }
        if buffer.len() - at > max_bytes {
            // An over-long line: what is read of it is dropped, and the
            // rest is skipped up to its end.
            let mut bytes = (buffer.len() - at) as u64;
            buffer.truncate(at);
            let mut line = io::BufReader::with_capacity(limits.read, &mut reader);
            bytes += line.skip_until(b'\n')? as u64;
            buffer.extend_from_slice(line.buffer());
            batch.push_too_long(bytes);
            searched = at;
            eof = buffer.len() == at && read_more(&mut reader, &mut buffer, limits.read)?;
            continue;
        }
        eof = read_more(&mut reader, &mut buffer, limits.read)?;
    }
}

/// Appends up to `bytes` more of `reader` to `buffer`; true at its end.
fn read_more(reader: &mut impl Read, buffer: &mut Vec<u8>, bytes: usize) -> io::Result<bool> {
    buffer.reserve(bytes);
    let read = reader.take(bytes as u64).read_to_end(buffer)?;
    Ok(read < bytes)
}

/// JSONL lines waiting to be parsed, as ranges of the reading buffer.
#[derive(Default)]
struct LineBatch {
    lines: Vec<PendingLine>,
    /// Bytes of the records (what fills a batch).
    bytes: usize,
    /// Lines read so far, blank ones included.
    line_number: u64,
}

/// A JSONL line waiting to be parsed.
enum PendingLine {
    Record {
        line_number: u64,
        range: Range<usize>,
    },
    TooLong {
        line_number: u64,
        bytes: u64,
    },
}

impl LineBatch {
    /// Takes the next line, `buffer[line]` without its `\n` (`ended`:
    /// whether it had one); a blank line is counted and left out.
    fn push(&mut self, buffer: &[u8], mut line: Range<usize>, ended: bool, max_bytes: usize) {
        if line.len() > max_bytes {
            return self.push_too_long((line.len() + usize::from(ended)) as u64);
        }
        self.line_number += 1;
        while line.end > line.start && buffer[line.end - 1] == b'\r' {
            line.end -= 1;
        }
        if !buffer[line.clone()].iter().all(u8::is_ascii_whitespace) {
            self.bytes += line.len();
            self.lines.push(PendingLine::Record {
                line_number: self.line_number,
                range: line,
            });
        }
    }

    /// Takes the next line, skipped for its `bytes` (`\n` included).
    fn push_too_long(&mut self, bytes: u64) {
        self.line_number += 1;
        self.lines.push(PendingLine::TooLong {
            line_number: self.line_number,
            bytes,
        });
    }

    fn is_full(&self, limits: BatchLimits) -> bool {
        self.bytes >= limits.bytes || self.lines.len() >= limits.lines
    }

    /// Parses the lines in parallel (they lie in `buffer`), keeping line
    /// order in the output, and empties the batch.
    fn parse(&mut self, buffer: &[u8], name: &str, options: &ReadOptions, out: &mut SourceRead) {
        let parsed: Vec<(Option<RawDocument>, Vec<InputProblem>)> = self
            .lines
            .par_drain(..)
            .map(|pending| {
                let mut problems = Vec::new();
                let document = match pending {
                    PendingLine::Record { line_number, range } => parse_record(
                        &buffer[range],
                        name,
                        line_number,
                        options,
                        &mut problems,
                    ),
                    PendingLine::TooLong { line_number, bytes } => {
                        problems.push(InputProblem::new(
                            name,
                            Some(line_number),
                            ProblemKind::TooLarge,
                            format!(
                                "record of {bytes} bytes is larger than --max-doc-bytes ({}); skipped",
                                options.max_doc_bytes
                            ),
                        ));
                        None
                    }
                };
                (document, problems)
            })
            .collect();
        self.bytes = 0;
        for (document, problems) in parsed {
            out.problems.extend(problems);
            out.documents.extend(document);
        }
    }
}

/// `json` with every `\\uXXXX` escape of a surrogate that is not half of a
/// pair replaced by `\\ufffd`; `None` when there is none.
fn replace_lone_surrogates(json: &str) -> Option<String> {
    let bytes = json.as_bytes();
    let escape_at = |i: usize| -> Option<u32> {
        let hex = json.get(i + 2..i + 6)?;
        (bytes.get(i) == Some(&b'\\') && bytes.get(i + 1) == Some(&b'u'))
            .then(|| u32::from_str_radix(hex, 16).ok())
            .flatten()
    };
    let mut out = String::with_capacity(json.len());
    let mut replaced = false;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            i += 1;
            continue;
        }
        match escape_at(i) {
            Some(high @ 0xD800..=0xDBFF)
                if escape_at(i + 6).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low)) =>
            {
                let _ = high;
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                out.push_str(&json[copied..i]);
                out.push_str("\\ufffd");
                replaced = true;
                i += 6;
                copied = i;
            }
            _ => i += 2,
        }
    }
    out.push_str(&json[copied.min(json.len())..]);
    replaced.then_some(out)
}

/// What a record without the text field does have, for its error: its
/// fields, and the one whose string value is longest as the likely text.
fn fields_hint(json: &str) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::from_str::<serde_json::Value>(json)
    else {
        return "see --text-field".into();
    };
    if fields.is_empty() {
        return "the record is empty; see --text-field".into();
    }
    let names: Vec<String> = fields.keys().take(8).map(|k| format!("\"{k}\"")).collect();
    let more = if fields.len() > 8 { ", ..." } else { "" };
    let longest = fields
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (s.len(), k)))
        .max_by_key(|&(len, _)| len);
    match longest {
        Some((_, field)) => format!(
            "records have {}{more}: pass --text-field {field}",
            names.join(", ")
        ),
        None => format!("records have {}{more}; see --text-field", names.join(", ")),
    }
}

fn parse_record(
    line: &[u8],
    name: &str,
    line_number: u64,
    options: &ReadOptions,
    problems: &mut Vec<InputProblem>,
) -> Option<RawDocument> {
    let problem = |kind, message: String| InputProblem::new(name, Some(line_number), kind, message);
    let json = decode_line(line, name, Some(line_number), problems);
    let picker = FieldPicker {
        text_field: &options.text_field,
        id_field: &options.id_field,
        extra_field: options.extra_field.as_deref(),
    };
    let parse = |json: &str| {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        picker
            .deserialize(&mut deserializer)
            .and_then(|p| deserializer.end().map(|()| p))
    };
    let parsed = parse(&json).or_else(|err| {
        // A lone surrogate escape (Python's json.dumps writes them) is bad
        // text, as an invalid UTF-8 byte is: replaced, with a warning.
        match replace_lone_surrogates(&json) {
            Some(repaired) => {
                let picked = parse(&repaired)?;
                problems.push(problem(
                    ProblemKind::InvalidUtf8,
                    "lone surrogate escape (\\uD800-\\uDFFF); decoded with replacement characters"
                        .into(),
                ));
                Ok(picked)
            }
            None => Err(err),
        }
    });
    let picked = match parsed {
        Ok(picked) => picked,
        Err(err) => {
            problems.push(problem(
                ProblemKind::MalformedJson,
                format!("malformed JSON record: {err}"),
            ));
            return None;
        }
    };
    let text = match picked.text {
        Some(serde_json::Value::String(text)) => text,
        Some(other) => {
            let found = json_type_name(&other);
            problems.push(problem(
                ProblemKind::MissingField,
                format!(
                    "field \"{}\" is {found}, not a string; see --text-field",
                    options.text_field
                ),
            ));
            return None;
        }
        None => {
            problems.push(problem(
                ProblemKind::MissingField,
                format!(
                    "record has no \"{}\" field; {}",
                    options.text_field,
                    fields_hint(&json)
                ),
            ));
            return None;
        }
    };
    if text.trim().is_empty() {
        problems.push(problem(
            ProblemKind::Empty,
            "record has empty text; skipped".into(),
        ));
        return None;
    }
    let id = match picked.id {
        Some(serde_json::Value::String(id)) if !id.is_empty() => id,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => format!("{name}:{line_number}"),
    };
    Some(RawDocument {
        name: id,
        source: name.to_owned(),
        line: Some(line_number),
        text,
        extra: picked.extra,
    })
}

fn json_type_name(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Deserializes a JSON object keeping only the text and id fields, so the
/// rest of a large record is skipped rather than built.
#[derive(Clone, Copy)]
struct FieldPicker<'f> {
    text_field: &'f str,
    id_field: &'f str,
    extra_field: Option<&'f str>,
}

#[derive(Default)]
struct Picked {
    text: Option<serde_json::Value>,
    id: Option<serde_json::Value>,
    extra: Option<serde_json::Value>,
}

impl<'de> DeserializeSeed<'de> for FieldPicker<'_> {
    type Value = Picked;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Picked, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldPicker<'_> {
    type Value = Picked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Picked, A::Error> {
        let mut picked = Picked::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == self.text_field {
                picked.text = Some(map.next_value()?);
            } else if key == self.id_field {
                picked.id = Some(map.next_value()?);
            } else if Some(key.as_ref()) == self.extra_field {
                picked.extra = Some(map.next_value()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(picked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogate_escapes_are_replaced_and_pairs_kept() {
        assert_eq!(
            replace_lone_surrogates(r#"{"text":"a \ud800 b \udc00"}"#).as_deref(),
            Some(r#"{"text":"a \ufffd b \ufffd"}"#)
        );
        assert_eq!(
            replace_lone_surrogates(r#"{"text":"\ud83d\ude00 \\ud800"}"#),
            None
        );
        let mut problems = Vec::new();
        let options = ReadOptions::default();
        let doc = parse_record(
            br#"{"text":"a \ud800 b"}"#,
            "x.jsonl",
            1,
            &options,
            &mut problems,
        )
        .expect("the record is read");
        assert_eq!(doc.text, "a \u{FFFD} b");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].kind, ProblemKind::InvalidUtf8);
    }

    fn read_bytes(name: &str, bytes: &[u8], options: &ReadOptions) -> SourceRead {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let mut read = read_whole(&Source::File(path.clone()), options);
        let prefix = path.to_string_lossy().into_owned();
        for problem in &mut read.problems {
            problem.source = problem.source.replace(&prefix, name);
        }
        for doc in &mut read.documents {
            doc.name = doc.name.replace(&prefix, name);
        }
        read
    }

    fn read_whole(source: &Source, options: &ReadOptions) -> SourceRead {
        let mut whole = SourceRead::default();
        read_source(source, options, &Arc::default(), &mut |part| {
            whole.append(part)
        });
        whole
    }

    #[test]
    fn batches_keep_input_order_and_number_documents_across_them() {
        let dir = tempfile::tempdir().unwrap();
        let lines: String = (0..20_000)
            .map(|i| format!("{{\"id\":\"r{i}\",\"text\":\"record {i}\"}}\n"))
            .collect();
        std::fs::write(dir.path().join("a.txt"), "first file").unwrap();
        std::fs::write(dir.path().join("b.jsonl"), lines).unwrap();
        std::fs::write(dir.path().join("c.txt"), "last file").unwrap();
        let (sources, _) = crate::corpus::walk(&[dir.path().to_path_buf()]);
        let mut batches = Vec::new();
        read_in_batches(
            &sources,
            &ReadOptions::default(),
            &Arc::default(),
            &mut |b| batches.push(b.documents),
        );
        assert!(batches.len() >= 4, "one JSONL file read in several batches");
        let all: Vec<Document> = batches.into_iter().flatten().collect();
        assert_eq!(all.len(), 20_002);
        assert!(all.iter().enumerate().all(|(i, d)| d.id == DocId(i as u32)));
        assert_eq!(all[1].name, "r0");
        assert_eq!(all[20_001].text, "last file");
    }

    fn kinds(read: &SourceRead) -> Vec<(Option<u64>, ProblemKind)> {
        read.problems.iter().map(|p| (p.line, p.kind)).collect()
    }

    #[test]
    fn plain_text_file_is_one_document() {
        let read = read_bytes(
            "a.txt",
            "\u{feff}Hello\n\nWorld\n".as_bytes(),
            &ReadOptions::default(),
        );
        assert_eq!(read.documents.len(), 1);
        assert_eq!(read.documents[0].text, "Hello\n\nWorld\n");
        assert!(read.problems.is_empty());
    }

    #[test]
    fn invalid_utf8_is_decoded_lossily_with_a_warning() {
        let read = read_bytes("bad.txt", b"caf\xe9 story", &ReadOptions::default());
        assert_eq!(read.documents[0].text, "caf\u{fffd} story");
        assert_eq!(kinds(&read), [(None, ProblemKind::InvalidUtf8)]);
        assert!(read.problems[0].message.contains("byte 3"));
    }

    #[test]
    fn binary_and_empty_files_are_skipped() {
        let binary = read_bytes("x.bin", b"\x7fELF\x00\x01", &ReadOptions::default());
        assert!(binary.documents.is_empty());
        assert_eq!(kinds(&binary), [(None, ProblemKind::Binary)]);
        let empty = read_bytes("e.txt", b"  \n\n", &ReadOptions::default());
        assert!(empty.documents.is_empty());
        assert_eq!(kinds(&empty), [(None, ProblemKind::Empty)]);
    }

    #[test]
    fn oversized_file_is_skipped() {
        let options = ReadOptions {
            max_doc_bytes: 10,
            ..ReadOptions::default()
        };
        let read = read_bytes("big.txt", &[b'a'; 11], &options);
        assert!(read.documents.is_empty());
        assert_eq!(kinds(&read), [(None, ProblemKind::TooLarge)]);
        assert_eq!(
            read_bytes("ok.txt", &[b'a'; 10], &options).documents.len(),
            1
        );
    }

    #[test]
    fn jsonl_records_ids_and_problems() {
        let jsonl = concat!(
            "{\"id\": \"a1\", \"text\": \"first story\", \"extra\": [1, {\"x\": 2}]}\n",
            "\n",
            "{\"text\": \"no id here\"}\n",
            "{not json}\n",
            "{\"id\": 7, \"body\": \"wrong field\"}\n",
            "{\"id\": 8, \"text\": 42}\n",
            "[1, 2]\n",
            "{\"id\": 9, \"text\": \"   \"}\n",
            "{\"id\": 10, \"text\": \"last, no newline\"}",
        );
        let read = read_bytes("c.jsonl", jsonl.as_bytes(), &ReadOptions::default());
        let names: Vec<&str> = read.documents.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["a1", "c.jsonl:3", "10"]);
        assert_eq!(read.documents[2].line, Some(9));
        assert_eq!(
            kinds(&read),
            [
                (Some(4), ProblemKind::MalformedJson),
                (Some(5), ProblemKind::MissingField),
                (Some(6), ProblemKind::MissingField),
                (Some(7), ProblemKind::MalformedJson),
                (Some(8), ProblemKind::Empty),
            ]
        );
    }

    #[test]
    fn jsonl_custom_fields_and_forced_format() {
        let options = ReadOptions {
            format: InputFormat::Jsonl,
            text_field: "body".into(),
            id_field: "url".into(),
            ..ReadOptions::default()
        };
        let read = read_bytes("feed.txt", b"{\"url\": \"u\", \"body\": \"b\"}\n", &options);
        assert_eq!(read.documents[0].name, "u");
        assert_eq!(read.documents[0].text, "b");
    }

    #[test]
    fn jsonl_over_long_line_is_skipped_and_reading_goes_on() {
        let options = ReadOptions {
            max_doc_bytes: 40,
            ..ReadOptions::default()
        };
        let long = format!(
            "{{\"text\": \"{}\"}}\n{{\"text\": \"short\"}}\n",
            "a".repeat(100)
        );
        let read = read_bytes("l.jsonl", long.as_bytes(), &options);
        assert_eq!(read.documents.len(), 1);
        assert_eq!(read.documents[0].line, Some(2));
        assert_eq!(kinds(&read), [(Some(1), ProblemKind::TooLarge)]);
    }

    #[test]
    fn jsonl_read_in_small_pieces_gives_what_one_read_gives() {
        // Records, blank and CRLF lines, over-long lines (one longer than
        // a read), invalid UTF-8 and a last line without its newline, read
        // a few bytes at a time so lines straddle reads and batches.
        let mut jsonl = Vec::new();
        for i in 0..60 {
            match i % 7 {
                0 => jsonl.extend_from_slice(b"\n"),
                1 => jsonl.extend_from_slice(
                    format!("{{\"text\": \"{}\"}}\n", "x".repeat(80)).as_bytes(),
                ),
                2 => jsonl.extend_from_slice(
                    format!("{{\"id\": {i}, \"text\": \"crlf {i}\"}}\r\n").as_bytes(),
                ),
                3 => jsonl.extend_from_slice(b"{\"text\": \"caf\xe9\"}\n"),
                4 => jsonl.extend_from_slice(b"{broken\n"),
                _ => jsonl.extend_from_slice(
                    format!("{{\"id\": \"r{i}\", \"text\": \"story {i}\"}}\n").as_bytes(),
                ),
            }
        }
        jsonl.extend_from_slice(b"{\"id\": \"last\", \"text\": \"no newline\"}");
        let options = ReadOptions {
            max_doc_bytes: 60,
            ..ReadOptions::default()
        };
        let read_with = |limits: BatchLimits| {
            let mut whole = SourceRead::default();
            let mut out = SourceRead::default();
            let reader: Box<dyn Read + Send> = Box::new(io::Cursor::new(jsonl.clone()));
            read_jsonl_in_batches(reader, "s.jsonl", &options, limits, &mut out, &mut |part| {
                whole.append(part)
            })
            .unwrap();
            whole.append(out);
            whole
        };
        let at_once = read_with(BatchLimits {
            bytes: 1 << 20,
            lines: 1 << 20,
            read: 1 << 20,
        });
        let names: Vec<&str> = at_once.documents.iter().map(|d| d.name.as_str()).collect();
        let records = (0..60).filter(|i| [2, 3, 5, 6].contains(&(i % 7))).count();
        assert_eq!(names.len(), records + 1, "{names:?}");
        assert_eq!(names.last(), Some(&"last"));
        assert!(names.contains(&"r5") && names.contains(&"9") && names.contains(&"s.jsonl:4"));
        let too_long: Vec<u64> = at_once
            .problems
            .iter()
            .filter(|p| p.kind == ProblemKind::TooLarge)
            .map(|p| p.line.unwrap())
            .collect();
        assert_eq!(
            too_long,
            (0..60)
                .filter(|i| i % 7 == 1)
                .map(|i| i + 1)
                .collect::<Vec<_>>()
        );
        for limits in [(50, 3, 7), (1, 1, 1), (200, 100, 13), (10_000, 2, 64)] {
            let (bytes, lines, read) = limits;
            let pieces = read_with(BatchLimits { bytes, lines, read });
            assert_eq!(pieces.documents, at_once.documents, "{limits:?}");
            let messages = |read: &SourceRead| -> Vec<String> {
                read.problems
                    .iter()
                    .map(|p| format!("{:?} {}", p.line, p.message))
                    .collect()
            };
            assert_eq!(messages(&pieces), messages(&at_once), "{limits:?}");
        }
    }

    #[test]
    fn jsonl_invalid_utf8_line_is_repaired() {
        let read = read_bytes(
            "u.jsonl",
            b"{\"text\": \"caf\xe9\"}\n",
            &ReadOptions::default(),
        );
        assert_eq!(read.documents[0].text, "caf\u{fffd}");
        assert_eq!(kinds(&read), [(Some(1), ProblemKind::InvalidUtf8)]);
    }

    #[test]
    fn gzip_and_zstd_input_is_decompressed() {
        use std::io::Write;
        let jsonl =
            b"{\"id\": \"a\", \"text\": \"first story\"}\n{\"id\": \"b\", \"text\": \"second\"}\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(jsonl).unwrap();
        let gz = gz.finish().unwrap();
        let zst = ruzstd::encoding::compress_to_vec(
            &jsonl[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        for (name, bytes) in [("c.jsonl.gz", gz), ("c.jsonl.zst", zst)] {
            let read = read_bytes(name, &bytes, &ReadOptions::default());
            let names: Vec<&str> = read.documents.iter().map(|d| d.name.as_str()).collect();
            assert_eq!(names, ["a", "b"], "{name}");
            assert!(read.problems.is_empty(), "{name}: {:?}", read.problems);
        }
    }

    #[test]
    fn corrupt_compressed_input_is_a_problem() {
        let read = read_bytes(
            "bad.jsonl.gz",
            b"\x1f\x8b\x08\x00garbage",
            &ReadOptions::default(),
        );
        assert!(read.documents.is_empty());
        assert_eq!(read.problems[0].kind, ProblemKind::Unreadable);
    }

    #[test]
    fn unreadable_file_is_a_problem() {
        let read = read_whole(
            &Source::File("/no/such/refrain/file.txt".into()),
            &ReadOptions::default(),
        );
        assert_eq!(read.problems[0].kind, ProblemKind::Unreadable);
    }
}
