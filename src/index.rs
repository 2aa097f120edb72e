//! The archive index: a SQLite file holding, per document, its name,
//! source, content hash, MinHash signature and LSH band keys; per
//! paragraph its place, token count, exact form and shingles (and, for a
//! short paragraph, its verbatim [`marker_key`]); and per passage form and
//! per short text the number of documents that hold it, so a new article
//! can be checked against the archive without re-reading it.
//!
//! SQLite (compiled in through rusqlite's `bundled` feature) gives atomic,
//! durable transactions in one file: an `add` is one transaction, so a
//! process killed at any point leaves the index as it was before the add
//! or after it. The fingerprint settings are stored in the file; opening
//! it with other settings is an error, never a silently wrong answer.
//!
//! A document read from a file is known by its archive id: the file's
//! canonical path (symbolic links and `.`/`..` resolved) relative to the
//! directory holding the index, followed by `:LINE` for a JSONL record
//! without an `id` field. So `samples/x.txt`, `./samples/x.txt` and
//! `$PWD/samples/x.txt` are one document, and an index moved together with
//! its archive keeps its ids. A record's own `id` is its archive id as it is.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use xxhash_rust::xxh3::xxh3_64;

use crate::config::{FingerprintParams, ScanConfig};
use crate::corpus::Document;
use crate::corpus::ids::FirstUse;
use crate::corpus::read::read_in_batches;
use crate::corpus::walk;
use crate::error::{Error, Setting};
use crate::error::{InputProblem, ProblemKind};
use crate::fingerprint::DocumentPrint;
use crate::fingerprint::Fingerprinter;
use crate::lsh::LshParams;
use crate::minhash::Signature;
use crate::progress::Progress;
use crate::text::{NORMALIZATION, TOKENIZER, marker_key};
use rayon::prelude::*;

/// Version of the index layout.
pub const INDEX_SCHEMA_VERSION: u32 = 5;

/// Signature slots the paragraph bands are cut from: paragraphs are many,
/// so their LSH uses fewer, shorter bands than documents.
pub const PARAGRAPH_BAND_SLOTS: usize = 32;

/// Paragraphs of fewer tokens are stored with their verbatim
/// [`marker_key`], so `check` can tell an end marker (`Reuter`, `（完）`,
/// `###`) from a dateline whatever its `--min-passage-tokens` below this.
pub const MARKER_TOKENS_KEPT: u32 = 16;

/// Prints of a short text looked at to judge whether it closes documents:
/// the first ones added, so the verdict does not depend on the sample.
const MARKER_PRINTS_JUDGED: usize = 64;

/// Most archived paragraphs read per paragraph band key: a footer printed
/// under 100,000 stories is known by its form count, not by reading them.
const BAND_CANDIDATE_LIMIT: usize = 256;

/// Settings fixed when an index is created.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexParams {
    /// Shingles and MinHash.
    pub fingerprint: FingerprintParams,
    /// Bands over document signatures.
    pub document_lsh: LshParams,
    /// Bands over the first [`PARAGRAPH_BAND_SLOTS`] slots of paragraph
    /// signatures.
    pub paragraph_lsh: LshParams,
}

impl IndexParams {
    /// The layout for these thresholds.
    pub fn new(fingerprint: FingerprintParams, threshold: f64, passage_threshold: f64) -> Self {
        IndexParams {
            fingerprint,
            document_lsh: LshParams::for_threshold(threshold, fingerprint.num_perm),
            paragraph_lsh: LshParams::for_threshold(
                passage_threshold,
                PARAGRAPH_BAND_SLOTS.min(fingerprint.num_perm),
            ),
        }
    }
}

/// A paragraph as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredParagraph {
    /// 0-based index in its document.
    pub index: u32,
    /// 1-based first line.
    pub line: u32,
    /// Tokens.
    pub tokens: u32,
    /// Hash of its exact shingle set.
    pub form: u64,
    /// Its 32-bit shingles, sorted (none for a paragraph of symbols only).
    pub shingles: Vec<u32>,
}

/// A document as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    /// Row id.
    pub key: i64,
    /// Its name (path or JSONL id).
    pub name: String,
    /// The file it came from.
    pub source: String,
    /// Line of the JSONL record.
    pub source_line: Option<u64>,
}

/// What an `add` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct AddStats {
    /// New documents.
    pub added: u64,
    /// Documents whose text changed, replaced.
    pub replaced: u64,
    /// Documents already indexed with the same text.
    pub unchanged: u64,
}

/// Counts of an index.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IndexStats {
    /// Index layout version.
    pub schema_version: u32,
    /// Documents.
    pub documents: u64,
    /// Paragraphs.
    pub paragraphs: u64,
    /// Distinct passage forms.
    pub passage_forms: u64,
    /// Passage forms held by at least `min_docs` documents (3).
    pub frequent_passage_forms: u64,
    /// File size in bytes.
    pub file_bytes: u64,
    /// Fingerprint settings.
    pub shingle_size: usize,
    /// MinHash permutations.
    pub num_perm: usize,
    /// Hash seed.
    pub seed: u64,
    /// Document band layout.
    pub document_lsh: LshParams,
    /// Paragraph band layout.
    pub paragraph_lsh: LshParams,
}

/// An open index.
pub struct Index {
    conn: Connection,
    path: PathBuf,
    params: IndexParams,
    /// Archive ids of files are paths relative to this directory.
    id_root: PathBuf,
    /// End-marker verdicts already reached, by (key, min_docs,
    /// min_passage_tokens): a sign-off under every submission is judged once.
    end_markers: RefCell<HashMap<(u64, usize, usize), Option<u64>>>,
    access: Access,
}

/// Whether an index is opened to read it or to write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read-only: no write access needed, nothing written.
    Read,
    /// To add or remove documents.
    Write,
}

impl Drop for Index {
    /// A writer leaves the file in rollback-journal mode, so that readers
    /// without write access to its directory can open it (a WAL file needs
    /// its -shm file). Best effort: while another connection is open the
    /// switch waits for a later writer.
    fn drop(&mut self) {
        if self.access == Access::Write && self.path != Path::new(":memory:") {
            let _ = self.conn.busy_timeout(std::time::Duration::ZERO);
            let _ = self.conn.pragma_update(None, "journal_mode", "DELETE");
        }
    }
}

/// Band rows held before they are inserted, sorted by key: the band
/// tables are B-trees over random keys, and sorted inserts touch each page
/// once instead of once per row (64 MB of rows at most).
const BAND_ROWS_HELD: usize = 4 << 20;

/// An add in progress ([`Index::begin_add`]): one transaction.
pub struct Adding<'i> {
    tx: rusqlite::Transaction<'i>,
    path: PathBuf,
    params: IndexParams,
    id_root: PathBuf,
    num_perm: usize,
    source_ids: HashMap<String, String>,
    doc_band_rows: Vec<(i64, i64)>,
    paragraph_band_rows: Vec<(i64, i64)>,
    /// [`BAND_ROWS_HELD`], or fewer in tests.
    band_rows_held: usize,
    stats: AddStats,
}

impl Adding<'_> {
    /// Adds a batch of documents with their fingerprints: unchanged ones
    /// are skipped, changed ones replaced.
    pub fn add(&mut self, documents: &[Document], prints: &[DocumentPrint]) -> Result<(), Error> {
        let (params, num_perm) = (self.params, self.num_perm);
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| index_error(&path, e);
        let tx = &self.tx;
        let stats = &mut self.stats;
        let doc_band_rows = &mut self.doc_band_rows;
        let paragraph_band_rows = &mut self.paragraph_band_rows;
        {
            let mut find = tx
                .prepare_cached("SELECT id, content_hash FROM documents WHERE name = ?1")
                .map_err(fail)?;
            let mut insert_doc = tx
                .prepare_cached(
                    "INSERT INTO documents (name, source, source_line, content_hash, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(fail)?;
            let mut insert_paragraph = tx
                .prepare_cached("INSERT INTO paragraphs (doc, idx, line, tokens, form, shingles, bands, marker) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
                .map_err(fail)?;
            let mut count_form = tx
                .prepare_cached(
                    "INSERT INTO passage_forms (form, documents) VALUES (?1, 1)
                     ON CONFLICT (form) DO UPDATE SET documents = documents + 1",
                )
                .map_err(fail)?;
            let mut count_marker = tx
                .prepare_cached(
                    "INSERT INTO markers (key, documents) VALUES (?1, 1)
                     ON CONFLICT (key) DO UPDATE SET documents = documents + 1",
                )
                .map_err(fail)?;
            for (doc, print) in documents.iter().zip(prints) {
                let source_id = self
                    .source_ids
                    .entry(doc.source.clone())
                    .or_insert_with(|| source_id_under(&self.id_root, &doc.source));
                let name = Index::document_id(&doc.name, &doc.source, doc.source_line, source_id);
                let content_hash = xxh3_64(doc.text.as_bytes()) as i64;
                let existing: Option<(i64, i64)> = find
                    .query_row([&name], |row| Ok((row.get(0)?, row.get(1)?)))
                    .optional()
                    .map_err(fail)?;
                match existing {
                    Some((_, hash)) if hash == content_hash => {
                        stats.unchanged += 1;
                        continue;
                    }
                    Some((key, _)) => {
                        delete_document(tx, key, &params.document_lsh).map_err(fail)?;
                        stats.replaced += 1;
                    }
                    None => stats.added += 1,
                }
                let signature = print.signature_of(num_perm, |_| true);
                insert_doc
                    .execute(params![
                        name,
                        source_id.as_str(),
                        doc.source_line.map(|l| l as i64),
                        content_hash,
                        slots_to_blob(signature.slots())
                    ])
                    .map_err(fail)?;
                let key = tx.last_insert_rowid();
                doc_band_rows.extend(
                    params
                        .document_lsh
                        .band_keys(&signature)
                        .map(|k| (k as i64, key)),
                );
                let mut forms_here = Vec::new();
                let mut markers_here = Vec::new();
                for (p, paragraph) in print.paragraphs.iter().enumerate() {
                    let marker = (paragraph.tokens < MARKER_TOKENS_KEPT)
                        .then(|| {
                            marker_key(
                                &doc.text[paragraph.span.start_byte..paragraph.span.end_byte],
                            )
                        })
                        .flatten();
                    if paragraph.shingles.is_empty() && marker.is_none() {
                        continue;
                    }
                    markers_here.extend(marker);
                    // A paragraph of symbols only has no form and no bands.
                    let form = match paragraph.shingles.is_empty() {
                        true => 0,
                        false => crate::shingle::form_key(paragraph.shingles.hashes()),
                    };
                    let band_keys = match paragraph.shingles.is_empty() {
                        true => Vec::new(),
                        false => paragraph_band_keys(&params.paragraph_lsh, &paragraph.signature),
                    };
                    let band_blob: Vec<u8> =
                        band_keys.iter().flat_map(|k| k.to_le_bytes()).collect();
                    insert_paragraph
                        .execute(params![
                            key,
                            p as i64,
                            paragraph.span.first_line,
                            paragraph.tokens,
                            form as i64,
                            slots_to_blob(paragraph.shingles.hashes()),
                            band_blob,
                            marker.map(|m| m as i64)
                        ])
                        .map_err(fail)?;
                    let paragraph_key = tx.last_insert_rowid();
                    paragraph_band_rows
                        .extend(band_keys.iter().map(|&k| (k as i64, paragraph_key)));
                    if !paragraph.shingles.is_empty() {
                        forms_here.push(form);
                    }
                }
                forms_here.sort_unstable();
                forms_here.dedup();
                for form in forms_here {
                    count_form.execute([form as i64]).map_err(fail)?;
                }
                markers_here.sort_unstable();
                markers_here.dedup();
                for marker in markers_here {
                    count_marker.execute([marker as i64]).map_err(fail)?;
                }
            }
        }
        if self.doc_band_rows.len() + self.paragraph_band_rows.len() > self.band_rows_held {
            self.insert_band_rows()?;
        }
        Ok(())
    }

    /// Inserts the band rows held, sorted by key.
    fn insert_band_rows(&mut self) -> Result<(), Error> {
        let fail = |e: rusqlite::Error| index_error(&self.path, e);
        let insert_sorted = |sql: &str, rows: &mut Vec<(i64, i64)>| {
            let mut insert = self.tx.prepare_cached(sql)?;
            rows.sort_unstable();
            for &(band_key, item) in rows.iter() {
                insert.execute(params![band_key, item])?;
            }
            Ok(())
        };
        insert_sorted(
            "INSERT OR IGNORE INTO doc_bands (band_key, doc) VALUES (?1, ?2)",
            &mut self.doc_band_rows,
        )
        .map_err(fail)?;
        insert_sorted(
            "INSERT OR IGNORE INTO paragraph_bands (band_key, paragraph) VALUES (?1, ?2)",
            &mut self.paragraph_band_rows,
        )
        .map_err(fail)?;
        self.doc_band_rows.clear();
        self.paragraph_band_rows.clear();
        Ok(())
    }

    /// What was added so far.
    pub fn stats(&self) -> AddStats {
        self.stats
    }

    /// Makes everything added visible at once.
    pub fn commit(mut self) -> Result<AddStats, Error> {
        self.insert_band_rows()?;
        // Tests kill or fail an add here: every row written, none committed.
        crate::output::fault_point("index-commit").map_err(|source| Error::Index {
            path: self.path.clone(),
            message: source.to_string(),
            source: Some(Box::new(source)),
        })?;
        self.tx.commit().map_err(|e| index_error(&self.path, e))?;
        Ok(self.stats)
    }
}

/// The archive id of `source` for an index whose ids are relative to
/// `root` (see [`Index::source_id`]).
fn source_id_under(root: &Path, source: &str) -> String {
    if source == "<stdin>" {
        return source.to_owned();
    }
    match std::fs::canonicalize(source) {
        Ok(canonical) => relative_to(&canonical, root).to_string_lossy().into_owned(),
        Err(_) => source.to_owned(),
    }
}

/// A number stored in the index's `meta` table; a missing one means the
/// file is damaged.
fn meta_number(conn: &Connection, path: &Path, key: &str) -> Result<u64, Error> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
        row.get::<_, String>(0)
    })
    .optional()
    .map_err(|e| index_error(path, e))?
    .and_then(|v| v.parse().ok())
    .ok_or_else(|| Error::Index {
        path: path.to_path_buf(),
        message: format!("damaged: meta value {key} is missing"),
        source: None,
    })
}

/// `path` relative to `root`, both absolute and canonical: `..` for each
/// component of `root` past their common prefix.
fn relative_to(path: &Path, root: &Path) -> PathBuf {
    let path: Vec<_> = path.components().collect();
    let root: Vec<_> = root.components().collect();
    let common = path.iter().zip(&root).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in common..root.len() {
        relative.push("..");
    }
    relative.extend(&path[common..]);
    if relative.as_os_str().is_empty() {
        relative.push(".");
    }
    relative
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    source_line INTEGER,
    content_hash INTEGER NOT NULL,
    signature BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS doc_bands (
    band_key INTEGER NOT NULL,
    doc INTEGER NOT NULL,
    PRIMARY KEY (band_key, doc)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS paragraphs (
    id INTEGER PRIMARY KEY,
    doc INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    line INTEGER NOT NULL,
    tokens INTEGER NOT NULL,
    form INTEGER NOT NULL,
    shingles BLOB NOT NULL,
    bands BLOB NOT NULL,
    marker INTEGER
);
CREATE INDEX IF NOT EXISTS paragraphs_by_doc ON paragraphs (doc, idx);
CREATE INDEX IF NOT EXISTS paragraphs_by_marker ON paragraphs (marker) WHERE marker IS NOT NULL;
CREATE TABLE IF NOT EXISTS paragraph_bands (
    band_key INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    PRIMARY KEY (band_key, paragraph)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS passage_forms (form INTEGER PRIMARY KEY, documents INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS markers (key INTEGER PRIMARY KEY, documents INTEGER NOT NULL);
";

impl Index {
    /// Opens the index at `path` to write it, creating it when `create` and
    /// it does not exist. The stored settings must equal `params`'
    /// fingerprint settings; an existing index keeps its band layouts.
    pub fn open(path: &Path, params: &IndexParams, create: bool) -> Result<Index, Error> {
        if !create {
            Self::verify_is_an_index(path)?;
        }
        let conn = Connection::open(path).map_err(|e| index_error(path, e))?;
        Self::setup(conn, path, params, Self::id_root_of(path)?, Access::Write)
    }

    /// Opens an existing index to read it (`check`): read-only, so a reader
    /// needs no write access to the file or its directory, and leaves no
    /// file behind. The stored settings must equal `params`'.
    pub fn open_to_read(path: &Path, params: &IndexParams) -> Result<Index, Error> {
        Self::verify_is_an_index(path)?;
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| index_error(path, e))?;
        Self::setup(conn, path, params, Self::id_root_of(path)?, Access::Read)
    }

    /// The directory archive ids are relative to: the index's own.
    fn id_root_of(path: &Path) -> Result<PathBuf, Error> {
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        std::fs::canonicalize(directory).map_err(|e| Error::Index {
            path: path.to_path_buf(),
            message: format!("cannot resolve its directory: {e}"),
            source: Some(Box::new(e)),
        })
    }

    /// Opens an existing index with the settings it was built with (for
    /// `index stats`, which reads, and `index remove`, which writes; they
    /// compare nothing).
    pub fn open_as_built(path: &Path, access: Access) -> Result<Index, Error> {
        Self::verify_is_an_index(path)?;
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| index_error(path, e))?;
        let stored = |key: &str| meta_number(&conn, path, key);
        let fingerprint = FingerprintParams {
            shingle_size: stored("shingle_size")? as usize,
            num_perm: stored("num_perm")? as usize,
            seed: stored("seed")?,
        };
        drop(conn);
        // The thresholds only choose band layouts, which the index stores.
        let params = IndexParams::new(fingerprint, 0.8, 0.8);
        match access {
            Access::Read => Self::open_to_read(path, &params),
            Access::Write => Self::open(path, &params, false),
        }
    }

    /// Looks, read-only, for refrain's tables in the file at `path`: any
    /// other file (another SQLite database, an empty file, a typo) is an
    /// error and is left exactly as it was.
    fn verify_is_an_index(path: &Path) -> Result<(), Error> {
        use rusqlite::OpenFlags;
        if !path.exists() {
            return Err(Error::Index {
                path: path.to_path_buf(),
                message: "no such index; create it with `refrain index add --index PATH CORPUS`"
                    .into(),
                source: None,
            });
        }
        let not_an_index = |detail: String| Error::Index {
            path: path.to_path_buf(),
            message: format!(
                "not a refrain index ({detail}); create one with `refrain index add --index PATH CORPUS`"
            ),
            source: None,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| not_an_index(e.to_string()))?;
        let version: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| not_an_index(e.to_string()))?;
        match version {
            Some(_) => Ok(()),
            None => Err(not_an_index("no schema version".into())),
        }
    }

    /// A fresh index in memory (for `check --against`), whose archive ids
    /// are relative to the current directory.
    pub fn in_memory(params: &IndexParams) -> Result<Index, Error> {
        let memory = Path::new(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| index_error(memory, e))?;
        let id_root = std::fs::canonicalize(".").map_err(|e| Error::Index {
            path: memory.to_path_buf(),
            message: format!("cannot resolve the current directory: {e}"),
            source: Some(Box::new(e)),
        })?;
        Self::setup(conn, memory, params, id_root, Access::Write)
    }

    fn setup(
        conn: Connection,
        path: &Path,
        params: &IndexParams,
        id_root: PathBuf,
        access: Access,
    ) -> Result<Index, Error> {
        let fail = |e: rusqlite::Error| index_error(path, e);
        conn.busy_timeout(BUSY_WAIT).map_err(fail)?;
        conn.pragma_update(None, "cache_size", -1_048_576)
            .map_err(fail)?;
        if access == Access::Write {
            // WAL while writing: readers go on reading the last commit.
            // The file is put back in rollback mode when the writer is done
            // (see `Drop`), so a reader needs no -wal or -shm file.
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(fail)?;
            conn.pragma_update(None, "synchronous", "NORMAL")
                .map_err(fail)?;
            conn.execute_batch(SCHEMA).map_err(fail)?;
        }
        let mut index = Index {
            conn,
            path: path.to_path_buf(),
            params: *params,
            id_root,
            end_markers: RefCell::default(),
            access,
        };
        index.check_or_store_params()?;
        Ok(index)
    }

    /// The archive id of a source file: its canonical path relative to the
    /// index's directory, or the name as given when it cannot be resolved
    /// (standard input, a file gone since it was read).
    pub fn source_id(&self, source: &str) -> String {
        source_id_under(&self.id_root, source)
    }

    /// The archive id of a document (see the module's documentation), given
    /// its source's archive id.
    fn document_id(name: &str, source: &str, line: Option<u64>, source_id: &str) -> String {
        if name == source {
            return source_id.to_owned();
        }
        match line {
            Some(line) if name == format!("{source}:{line}") => format!("{source_id}:{line}"),
            _ => name.to_owned(),
        }
    }

    /// The archive id this index gives the document called `name`, read
    /// from `source` (at JSONL line `line`).
    pub fn archive_id(&self, name: &str, source: &str, line: Option<u64>) -> String {
        Self::document_id(name, source, line, &self.source_id(source))
    }

    /// The settings in force (the stored band layouts included).
    pub fn params(&self) -> &IndexParams {
        &self.params
    }

    fn meta(&self, key: &str) -> Result<Option<String>, Error> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .map_err(|e| self.error(e))
    }

    fn check_or_store_params(&mut self) -> Result<(), Error> {
        let fp = self.params.fingerprint;
        let wanted: [(Setting, String); 6] = [
            (Setting::SchemaVersion, INDEX_SCHEMA_VERSION.to_string()),
            (Setting::ShingleSize, fp.shingle_size.to_string()),
            (Setting::NumPerm, fp.num_perm.to_string()),
            (Setting::Seed, fp.seed.to_string()),
            (Setting::Normalization, NORMALIZATION.to_string()),
            (Setting::Tokenizer, TOKENIZER.to_string()),
        ];
        if self.meta("schema_version")?.is_none() {
            let layouts = [
                ("document_bands", self.params.document_lsh.bands),
                ("document_rows", self.params.document_lsh.rows),
                ("paragraph_bands", self.params.paragraph_lsh.bands),
                ("paragraph_rows", self.params.paragraph_lsh.rows),
            ];
            let tx = self
                .conn
                .transaction()
                .map_err(|e| index_error(&self.path, e))?;
            for (setting, value) in &wanted {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![setting.name(), value],
                )
                .map_err(|e| index_error(&self.path, e))?;
            }
            for (key, value) in layouts {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![key, value.to_string()],
                )
                .map_err(|e| index_error(&self.path, e))?;
            }
            tx.commit().map_err(|e| index_error(&self.path, e))?;
            return Ok(());
        }
        let version = self.meta("schema_version")?.unwrap_or_default();
        if version != INDEX_SCHEMA_VERSION.to_string() {
            return Err(Error::Index {
                path: self.path.clone(),
                message: format!(
                    "built by another version of refrain (index layout {version}; this one \
                     reads layout {INDEX_SCHEMA_VERSION}): build a new index with \
                     `refrain index add --index NEW.db CORPUS`"
                ),
                source: None,
            });
        }
        for (setting, value) in wanted {
            let stored = self.meta(setting.name())?.unwrap_or_default();
            if stored != value {
                return Err(Error::IndexMismatch {
                    path: self.path.clone(),
                    setting,
                    stored,
                    requested: value,
                });
            }
        }
        let number = |key: &str| meta_number(&self.conn, &self.path, key).map(|n| n as usize);
        let document_lsh = LshParams {
            bands: number("document_bands")?,
            rows: number("document_rows")?,
        };
        let paragraph_lsh = LshParams {
            bands: number("paragraph_bands")?,
            rows: number("paragraph_rows")?,
        };
        self.params.document_lsh = document_lsh;
        self.params.paragraph_lsh = paragraph_lsh;
        Ok(())
    }

    fn error(&self, e: rusqlite::Error) -> Error {
        index_error(&self.path, e)
    }

    /// Adds documents (with their fingerprints) in one transaction: see
    /// [`Index::begin_add`] to add them in batches.
    pub fn add(
        &mut self,
        documents: &[Document],
        prints: &[DocumentPrint],
        num_perm: usize,
    ) -> Result<AddStats, Error> {
        let mut adding = self.begin_add(num_perm)?;
        adding.add(documents, prints)?;
        adding.commit()
    }

    /// Reads and fingerprints the corpus `config` names in batches (held
    /// one at a time: memory does not grow with the corpus) on a pool of
    /// `config.threads` threads, and adds it in one transaction. A source
    /// that breaks off part way (a truncated .gz) would add some of its
    /// records: then nothing is added and the error says which. Problems
    /// are shown through `progress` as they are met, and returned.
    pub fn add_corpus(
        &mut self,
        config: &ScanConfig,
        progress: &Progress,
    ) -> Result<(AddStats, Vec<InputProblem>), Error> {
        config.validate()?;
        crate::threads::in_pool(config.threads, || self.add_corpus_in_pool(config, progress))?
    }

    fn add_corpus_in_pool(
        &mut self,
        config: &ScanConfig,
        progress: &Progress,
    ) -> Result<(AddStats, Vec<InputProblem>), Error> {
        let (sources, mut problems) = walk(&config.paths);
        for problem in &problems {
            progress.problem(problem);
        }
        let index_path = self.path.clone();
        let fingerprinter = Fingerprinter::new(&config.fingerprint);
        let mut adding = self.begin_add(config.fingerprint.num_perm)?;
        let mut records: HashMap<String, u64> = HashMap::new();
        // Where each document was read, to name an id's first use.
        let mut ids = FirstUse::default();
        let mut places: Vec<(u32, Option<u64>)> = Vec::new();
        let mut source_names: Vec<String> = Vec::new();
        let mut failure: Option<Error> = None;
        let stage = progress.stage("indexing", 0);
        read_in_batches(
            &sources,
            &config.read,
            &Default::default(),
            &mut |mut batch| {
                for doc in &batch.documents {
                    // Counted without a key allocated per document.
                    match records.get_mut(&doc.source) {
                        Some(count) => *count += 1,
                        None => {
                            records.insert(doc.source.clone(), 1);
                        }
                    }
                    if source_names.last() != Some(&doc.source) {
                        source_names.push(doc.source.clone());
                    }
                    places.push(((source_names.len() - 1) as u32, doc.source_line));
                    // Names are not kept: an equal 64-bit hash is taken as the
                    // same name (at a million ids, a chance in 10^7 of a
                    // false warning, never a missed one).
                    let d = (places.len() - 1) as u32;
                    if let Some(first) = ids.earlier(&doc.name, d, |_| true) {
                        let (source, line) = places[first as usize];
                        let source = &source_names[source as usize];
                        let first_at =
                            line.map_or_else(|| source.clone(), |l| format!("{source}:{l}"));
                        batch.problems.push(InputProblem::duplicate_id(
                            &doc.source,
                            doc.source_line,
                            &doc.name,
                            &first_at,
                        ));
                    }
                }
                for problem in &batch.problems {
                    progress.problem(problem);
                }
                if failure.is_none()
                    && let Some(broken) = batch.problems.iter().find(|p| {
                        p.kind == ProblemKind::Unreadable && records.contains_key(&p.source)
                    })
                {
                    failure = Some(Error::Index {
                        path: index_path.clone(),
                        message: format!(
                            "{} broke off after {} record(s) ({}); nothing was added: \
                         repair or leave out that file and run again",
                            broken.source, records[&broken.source], broken.message
                        ),
                        source: None,
                    });
                }
                problems.extend(batch.problems);
                if failure.is_some() {
                    return;
                }
                let prints: Vec<DocumentPrint> = batch
                    .documents
                    .par_iter()
                    .map(|doc| fingerprinter.document(&doc.text))
                    .collect();
                if let Err(err) = adding.add(&batch.documents, &prints) {
                    failure = Some(err);
                }
                stage.inc(batch.documents.len() as u64);
            },
        );
        stage.finish();
        if let Some(err) = failure {
            return Err(err);
        }
        Ok((adding.commit()?, problems))
    }

    /// Starts an add: documents are added in batches with
    /// [`Adding::add`] and nothing is visible until [`Adding::commit`]; an
    /// add dropped (or killed) before it leaves the index as it was. The
    /// write lock is taken (or waited for) here, so a second writer waits
    /// for the first instead of failing.
    pub fn begin_add(&mut self, num_perm: usize) -> Result<Adding<'_>, Error> {
        self.end_markers.get_mut().clear();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| index_error(&self.path, e))?;
        Ok(Adding {
            tx,
            path: self.path.clone(),
            params: self.params,
            id_root: self.id_root.clone(),
            num_perm,
            source_ids: HashMap::new(),
            doc_band_rows: Vec::new(),
            paragraph_band_rows: Vec::new(),
            band_rows_held: BAND_ROWS_HELD,
            stats: AddStats::default(),
        })
    }

    /// Removes documents by archive id, or by a path to the file they were
    /// read from (for a plain-text document); returns the names that were
    /// not found.
    pub fn remove(&mut self, names: &[String]) -> Result<Vec<String>, Error> {
        self.end_markers.get_mut().clear();
        let document_lsh = self.params.document_lsh;
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| index_error(&path, e);
        let ids: Vec<(String, String)> = names
            .iter()
            .map(|name| (name.clone(), self.source_id(name)))
            .collect();
        // Immediate: the write lock is taken (or waited for) at the start,
        // so a second writer waits for the first instead of failing.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(fail)?;
        let mut missing = Vec::new();
        for (name, as_path) in ids {
            let mut key: Option<i64> = None;
            for id in [&name, &as_path] {
                key = tx
                    .query_row("SELECT id FROM documents WHERE name = ?1", [id], |row| {
                        row.get(0)
                    })
                    .optional()
                    .map_err(fail)?;
                if key.is_some() {
                    break;
                }
            }
            match key {
                Some(key) => delete_document(&tx, key, &document_lsh).map_err(fail)?,
                None => missing.push(name),
            }
        }
        tx.commit().map_err(fail)?;
        Ok(missing)
    }

    /// Counts.
    pub fn stats(&self, min_docs: usize) -> Result<IndexStats, Error> {
        let count = |sql: &str| -> Result<u64, Error> {
            self.conn
                .query_row(sql, [], |row| row.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(|e| self.error(e))
        };
        let frequent: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM passage_forms WHERE documents >= ?1",
                [min_docs as i64],
                |row| row.get(0),
            )
            .map_err(|e| self.error(e))?;
        Ok(IndexStats {
            schema_version: INDEX_SCHEMA_VERSION,
            documents: count("SELECT count(*) FROM documents")?,
            paragraphs: count("SELECT count(*) FROM paragraphs")?,
            passage_forms: count("SELECT count(*) FROM passage_forms")?,
            frequent_passage_forms: frequent as u64,
            file_bytes: std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0),
            shingle_size: self.params.fingerprint.shingle_size,
            num_perm: self.params.fingerprint.num_perm,
            seed: self.params.fingerprint.seed,
            document_lsh: self.params.document_lsh,
            paragraph_lsh: self.params.paragraph_lsh,
        })
    }

    /// Documents sharing a band with `signature`.
    pub fn documents_sharing_bands(&self, signature: &Signature) -> Result<Vec<i64>, Error> {
        let mut query = self
            .conn
            .prepare_cached("SELECT doc FROM doc_bands WHERE band_key = ?1")
            .map_err(|e| self.error(e))?;
        let mut docs = Vec::new();
        for band_key in self.params.document_lsh.band_keys(signature) {
            let rows = query
                .query_map([band_key as i64], |row| row.get::<_, i64>(0))
                .map_err(|e| self.error(e))?;
            for row in rows {
                docs.push(row.map_err(|e| self.error(e))?);
            }
        }
        docs.sort_unstable();
        docs.dedup();
        Ok(docs)
    }

    /// Documents holding a paragraph that shares a band with `signature`
    /// (at most 256 paragraphs per band, so a footer under thousands of
    /// stories is not read in full).
    pub fn documents_with_similar_paragraphs(
        &self,
        signature: &Signature,
    ) -> Result<Vec<i64>, Error> {
        let mut query = self
            .conn
            .prepare_cached(
                "SELECT p.doc FROM paragraph_bands b JOIN paragraphs p ON p.id = b.paragraph
                 WHERE b.band_key = ?1 LIMIT ?2",
            )
            .map_err(|e| self.error(e))?;
        let mut docs = Vec::new();
        for band_key in paragraph_band_keys(&self.params.paragraph_lsh, signature) {
            let rows = query
                .query_map(
                    params![band_key as i64, BAND_CANDIDATE_LIMIT as i64],
                    |row| row.get::<_, i64>(0),
                )
                .map_err(|e| self.error(e))?;
            for row in rows {
                docs.push(row.map_err(|e| self.error(e))?);
            }
        }
        docs.sort_unstable();
        docs.dedup();
        Ok(docs)
    }

    /// Number of indexed documents holding a paragraph of exactly this form.
    pub fn form_documents(&self, form: u64) -> Result<u64, Error> {
        let n: Option<i64> = self
            .conn
            .prepare_cached("SELECT documents FROM passage_forms WHERE form = ?1")
            .and_then(|mut q| q.query_row([form as i64], |row| row.get(0)).optional())
            .map_err(|e| self.error(e))?;
        Ok(n.unwrap_or(0) as u64)
    }

    /// The number of indexed documents holding the short text `key` (a
    /// [`marker_key`]) when it is an end marker by
    /// [`crate::boilerplate::is_end_marker`]: held by `min_docs` documents,
    /// and at least half of its prints (the first 64 added) in their
    /// document's closing run, the suffix of paragraphs that are short
    /// (under `min_passage_tokens`) or whose form `min_docs` documents hold.
    /// `None` for a dateline or a one-word quote, which story text follows.
    pub fn end_marker(
        &self,
        key: u64,
        min_docs: usize,
        min_passage_tokens: usize,
    ) -> Result<Option<u64>, Error> {
        let asked = (key, min_docs, min_passage_tokens);
        if let Some(&verdict) = self.end_markers.borrow().get(&asked) {
            return Ok(verdict);
        }
        let verdict = self.judge_end_marker(key, min_docs, min_passage_tokens)?;
        self.end_markers.borrow_mut().insert(asked, verdict);
        Ok(verdict)
    }

    fn judge_end_marker(
        &self,
        key: u64,
        min_docs: usize,
        min_passage_tokens: usize,
    ) -> Result<Option<u64>, Error> {
        let fail = |e: rusqlite::Error| self.error(e);
        let documents: u64 = self
            .conn
            .prepare_cached("SELECT documents FROM markers WHERE key = ?1")
            .and_then(|mut q| {
                q.query_row([key as i64], |row| row.get::<_, i64>(0))
                    .optional()
            })
            .map_err(fail)?
            .unwrap_or(0) as u64;
        if (documents as usize) < min_docs {
            return Ok(None);
        }
        let prints: Vec<(i64, i64)> = {
            let mut query = self
                .conn
                .prepare_cached(
                    "SELECT doc, idx FROM paragraphs WHERE marker = ?1 ORDER BY id LIMIT ?2",
                )
                .map_err(fail)?;
            let rows = query
                .query_map(params![key as i64, MARKER_PRINTS_JUDGED as i64], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .map_err(fail)?;
            rows.collect::<Result<_, _>>().map_err(fail)?
        };
        let mut closing = 0;
        for &(doc, idx) in &prints {
            if self.closes_its_document(doc, idx, min_docs, min_passage_tokens)? {
                closing += 1;
            }
        }
        let is_marker =
            crate::boilerplate::is_end_marker(documents as usize, closing, prints.len(), min_docs);
        Ok(is_marker.then_some(documents))
    }

    /// True when every paragraph after paragraph `idx` of document `doc` is
    /// short or of a frequent form. Read in order, and stopped at the first
    /// that is not: a dateline costs one row.
    fn closes_its_document(
        &self,
        doc: i64,
        idx: i64,
        min_docs: usize,
        min_passage_tokens: usize,
    ) -> Result<bool, Error> {
        let fail = |e: rusqlite::Error| self.error(e);
        let mut query = self
            .conn
            .prepare_cached(
                "SELECT tokens, form, length(shingles) FROM paragraphs
                 WHERE doc = ?1 AND idx > ?2 ORDER BY idx",
            )
            .map_err(fail)?;
        let mut rows = query.query(params![doc, idx]).map_err(fail)?;
        while let Some(row) = rows.next().map_err(fail)? {
            let tokens: i64 = row.get(0).map_err(fail)?;
            let form: i64 = row.get(1).map_err(fail)?;
            let shingle_bytes: i64 = row.get(2).map_err(fail)?;
            // Symbols only (no shingles, no form) and short paragraphs need
            // no look-up; the rule is `check`'s closing run.
            let closing = shingle_bytes == 0
                || crate::boilerplate::is_short(tokens as u32, min_passage_tokens)
                || crate::boilerplate::is_closing_material(
                    tokens as u32,
                    self.form_documents(form as u64)?,
                    min_docs,
                    min_passage_tokens,
                );
            if !closing {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A stored document.
    pub fn document(&self, key: i64) -> Result<StoredDocument, Error> {
        self.conn
            .prepare_cached("SELECT name, source, source_line FROM documents WHERE id = ?1")
            .and_then(|mut q| {
                q.query_row([key], |row| {
                    Ok(StoredDocument {
                        key,
                        name: row.get(0)?,
                        source: row.get(1)?,
                        source_line: row.get::<_, Option<i64>>(2)?.map(|l| l as u64),
                    })
                })
            })
            .map_err(|e| self.error(e))
    }

    /// The paragraphs of a stored document, in order.
    pub fn paragraphs(&self, key: i64) -> Result<Vec<StoredParagraph>, Error> {
        let mut query = self
            .conn
            .prepare_cached("SELECT idx, line, tokens, form, shingles FROM paragraphs WHERE doc = ?1 ORDER BY idx")
            .map_err(|e| self.error(e))?;
        let rows = query
            .query_map([key], |row| {
                Ok(StoredParagraph {
                    index: row.get::<_, i64>(0)? as u32,
                    line: row.get::<_, i64>(1)? as u32,
                    tokens: row.get::<_, i64>(2)? as u32,
                    form: row.get::<_, i64>(3)? as u64,
                    shingles: blob_to_slots(&row.get::<_, Vec<u8>>(4)?),
                })
            })
            .map_err(|e| self.error(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.error(e))
    }

    /// `PRAGMA integrity_check` passes.
    pub fn is_intact(&self) -> Result<bool, Error> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .map_err(|e| self.error(e))?;
        Ok(verdict == "ok")
    }
}

/// Band keys of a paragraph: bands over its first slots only.
pub fn paragraph_band_keys(layout: &LshParams, signature: &Signature) -> Vec<u64> {
    let used = layout.slots_used().min(signature.slots().len());
    let prefix = Signature(signature.slots()[..used].to_vec());
    layout.band_keys(&prefix).collect()
}

/// Deletes a document and everything keyed by it. Band rows are found by
/// their keys (recomputed from the stored signature, or stored with the
/// paragraph), so no table is scanned.
fn delete_document(
    tx: &rusqlite::Transaction<'_>,
    key: i64,
    document_lsh: &LshParams,
) -> rusqlite::Result<()> {
    // Per-document counts: passage forms, and short texts.
    for (table, column, paragraph_column) in [
        ("passage_forms", "form", "form"),
        ("markers", "key", "marker"),
    ] {
        let held = format!(
            "{column} IN (SELECT DISTINCT {paragraph_column} FROM paragraphs WHERE doc = ?1)"
        );
        tx.execute(
            &format!("UPDATE {table} SET documents = documents - 1 WHERE {held}"),
            [key],
        )?;
        tx.execute(
            &format!("DELETE FROM {table} WHERE {held} AND documents <= 0"),
            [key],
        )?;
    }
    let paragraph_bands: Vec<(i64, Vec<u8>)> = {
        let mut query = tx.prepare_cached("SELECT id, bands FROM paragraphs WHERE doc = ?1")?;
        let rows = query.query_map([key], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    {
        let mut delete = tx
            .prepare_cached("DELETE FROM paragraph_bands WHERE band_key = ?1 AND paragraph = ?2")?;
        for (paragraph, bands) in &paragraph_bands {
            for chunk in bands.chunks_exact(8) {
                let band_key = i64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
                delete.execute(params![band_key, paragraph])?;
            }
        }
    }
    tx.execute("DELETE FROM paragraphs WHERE doc = ?1", [key])?;
    let signature: Vec<u8> = tx.query_row(
        "SELECT signature FROM documents WHERE id = ?1",
        [key],
        |row| row.get(0),
    )?;
    {
        let signature = Signature(blob_to_slots(&signature));
        let mut delete =
            tx.prepare_cached("DELETE FROM doc_bands WHERE band_key = ?1 AND doc = ?2")?;
        for band_key in document_lsh.band_keys(&signature) {
            delete.execute(params![band_key as i64, key])?;
        }
    }
    tx.execute("DELETE FROM documents WHERE id = ?1", [key])?;
    Ok(())
}

fn slots_to_blob(slots: &[u32]) -> Vec<u8> {
    slots.iter().flat_map(|s| s.to_le_bytes()).collect()
}

fn blob_to_slots(blob: &[u8]) -> Vec<u32> {
    blob.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn index_error(path: &Path, e: rusqlite::Error) -> Error {
    let busy = e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy);
    Error::Index {
        path: path.to_path_buf(),
        message: if busy {
            format!(
                "another process is writing it ({e}; waited {} s): run this again when it is done",
                BUSY_WAIT.as_secs()
            )
        } else {
            e.to_string()
        },
        source: Some(Box::new(e)),
    }
}

/// How long a writer waits for another one to finish.
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::DocId;
    use crate::fingerprint::Fingerprinter;

    fn docs(texts: &[(&str, &str)]) -> (Vec<Document>, Vec<DocumentPrint>) {
        let fp = Fingerprinter::new(&FingerprintParams::default());
        let documents: Vec<Document> = texts
            .iter()
            .enumerate()
            .map(|(i, (name, text))| Document {
                id: DocId(i as u32),
                name: (*name).into(),
                source: (*name).into(),
                source_line: None,
                text: (*text).into(),
                extra: None,
            })
            .collect();
        let prints = documents.iter().map(|d| fp.document(&d.text)).collect();
        (documents, prints)
    }

    fn params() -> IndexParams {
        IndexParams::new(FingerprintParams::default(), 0.8, 0.8)
    }

    #[test]
    fn archive_paths_are_relative_to_the_index_directory() {
        let rel = |path: &str, root: &str| {
            relative_to(Path::new(path), Path::new(root))
                .to_string_lossy()
                .into_owned()
        };
        assert_eq!(rel("/a/b/c.txt", "/a"), "b/c.txt");
        assert_eq!(rel("/a/b/c.txt", "/a/d/e"), "../../b/c.txt");
        assert_eq!(rel("/x.txt", "/a"), "../x.txt");
        assert_eq!(rel("/a", "/a"), ".");
    }

    #[test]
    fn add_is_idempotent_and_replaces_changed_documents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.db");
        let mut index = Index::open(&path, &params(), true).unwrap();
        let (d, p) = docs(&[
            ("a", "First story here.\n\nShared footer line for all."),
            ("b", "Other words."),
        ]);
        assert_eq!(
            index.add(&d, &p, 128).unwrap(),
            AddStats {
                added: 2,
                replaced: 0,
                unchanged: 0
            }
        );
        assert_eq!(
            index.add(&d, &p, 128).unwrap(),
            AddStats {
                added: 0,
                replaced: 0,
                unchanged: 2
            }
        );
        let (d2, p2) = docs(&[(
            "a",
            "First story, rewritten.\n\nShared footer line for all.",
        )]);
        assert_eq!(
            index.add(&d2, &p2, 128).unwrap(),
            AddStats {
                added: 0,
                replaced: 1,
                unchanged: 0
            }
        );
        let stats = index.stats(3).unwrap();
        assert_eq!((stats.documents, stats.paragraphs), (2, 3));
        assert_eq!(
            index.remove(&["b".into(), "zzz".into()]).unwrap(),
            vec!["zzz".to_string()]
        );
        assert_eq!(index.stats(3).unwrap().documents, 1);
        assert!(index.is_intact().unwrap());
        // Nothing of the removed or replaced documents is left behind.
        let orphans: i64 = index
            .conn
            .query_row(
                "SELECT (SELECT count(*) FROM doc_bands WHERE doc NOT IN (SELECT id FROM documents))
                      + (SELECT count(*) FROM paragraph_bands WHERE paragraph NOT IN (SELECT id FROM paragraphs))
                      + (SELECT count(*) FROM paragraphs WHERE doc NOT IN (SELECT id FROM documents))",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0);
    }

    /// Every row of an index that an add writes, in a stable order.
    fn rows(index: &Index) -> Vec<String> {
        let mut rows = Vec::new();
        for query in [
            "SELECT name || ' ' || content_hash || ' ' || hex(signature) FROM documents ORDER BY name",
            "SELECT d.name || ' ' || p.idx || ' ' || p.form || ' ' || hex(p.bands) FROM paragraphs p JOIN documents d ON d.id = p.doc ORDER BY d.name, p.idx",
            "SELECT b.band_key || ' ' || d.name FROM doc_bands b JOIN documents d ON d.id = b.doc ORDER BY 1",
            "SELECT b.band_key || ' ' || d.name || ' ' || p.idx FROM paragraph_bands b JOIN paragraphs p ON p.id = b.paragraph JOIN documents d ON d.id = p.doc ORDER BY 1",
            "SELECT form || ' ' || documents FROM passage_forms ORDER BY form",
        ] {
            let mut statement = index.conn.prepare(query).unwrap();
            let found = statement
                .query_map([], |row| row.get::<_, String>(0))
                .unwrap();
            rows.extend(found.map(Result::unwrap));
        }
        rows
    }

    #[test]
    fn an_add_in_batches_writes_what_one_add_writes_and_nothing_until_commit() {
        let texts: Vec<(String, String)> = (0..40)
            .map(|i| {
                let name = format!("doc-{i:02}");
                let text = format!(
                    "Story {i} opens with its own words number {i}.\n\nShared footer line for all of them.\n\nClosing {} here.",
                    i % 7
                );
                (name, text)
            })
            .collect();
        let pairs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let (d, p) = docs(&pairs);
        let dir = tempfile::tempdir().unwrap();
        let mut whole = Index::open(&dir.path().join("whole.db"), &params(), true).unwrap();
        whole.add(&d, &p, 128).unwrap();

        let mut batched = Index::open(&dir.path().join("batched.db"), &params(), true).unwrap();
        let mut dropped = batched.begin_add(128).unwrap();
        dropped.add(&d[..10], &p[..10]).unwrap();
        drop(dropped);
        assert!(
            rows(&batched).is_empty(),
            "an add not committed leaves nothing"
        );
        let mut adding = batched.begin_add(128).unwrap();
        // Band rows inserted several times along the way, not only at the end.
        adding.band_rows_held = 100;
        for (documents, prints) in d.chunks(7).zip(p.chunks(7)) {
            adding.add(documents, prints).unwrap();
        }
        assert_eq!(adding.stats().added, 40);
        adding.commit().unwrap();
        assert_eq!(rows(&batched), rows(&whole));
        assert!(rows(&whole).len() > 200);
    }

    #[test]
    fn other_fingerprint_settings_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("i.db");
        drop(Index::open(&path, &params(), true).unwrap());
        let mut other = params();
        other.fingerprint.shingle_size = 3;
        let err = Index::open(&path, &other, false).err().unwrap();
        assert!(
            matches!(&err, Error::IndexMismatch { setting: Setting::ShingleSize, stored, .. } if stored == "5"),
            "{err}"
        );
        assert!(Index::open(&dir.path().join("missing.db"), &params(), false).is_err());
    }

    #[test]
    fn passage_form_counts_follow_adds_and_removals() {
        let mut index = Index::in_memory(&params()).unwrap();
        let footer = "Copyright 2026 Example Wire. All rights reserved.";
        let texts: Vec<(String, String)> = (0..4)
            .map(|i| {
                (
                    format!("d{i}"),
                    format!("Story number {i} is unique.\n\n{footer}"),
                )
            })
            .collect();
        let refs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let (d, p) = docs(&refs);
        index.add(&d, &p, 128).unwrap();
        let form = crate::shingle::form_key(p[0].paragraphs[1].shingles.hashes());
        assert_eq!(index.form_documents(form).unwrap(), 4);
        index.remove(&["d0".into()]).unwrap();
        assert_eq!(index.form_documents(form).unwrap(), 3);
    }

    #[test]
    fn a_short_text_closing_its_documents_is_an_end_marker_and_a_dateline_is_not() {
        // Four stories: a dateline first, story text, then `###` (symbols
        // only, no shingles) and `Reuter` closing; one of them has a
        // frequent footer after the sign-off.
        let footer = "Copyright 2026 Example Wire. All rights reserved.";
        let texts: Vec<(String, String)> = (0..4)
            .map(|i| {
                let tail = if i == 3 {
                    format!("\n\n{footer}")
                } else {
                    String::new()
                };
                (
                    format!("d{i}"),
                    format!(
                        "LONDON\n\nStory number {i} tells its own tale at length.\n\n\
                         ###\n\nReuter{tail}"
                    ),
                )
            })
            .collect();
        let mut texts = texts;
        // The footer is frequent: two more documents print it.
        for i in 4..6 {
            texts.push((
                format!("d{i}"),
                format!("Another tale {i} told.\n\n{footer}"),
            ));
        }
        let refs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let (d, p) = docs(&refs);
        let mut index = Index::in_memory(&params()).unwrap();
        index.add(&d, &p, 128).unwrap();
        let key = |text: &str| marker_key(text).unwrap();
        assert_eq!(index.end_marker(key("Reuter"), 3, 2).unwrap(), Some(4));
        assert_eq!(index.end_marker(key("###"), 3, 2).unwrap(), Some(4));
        assert_eq!(index.end_marker(key("london"), 3, 2).unwrap(), None);
        // Held by too few documents.
        assert_eq!(index.end_marker(key("Reuter"), 5, 2).unwrap(), None);
        // Counts follow removals, and verdicts asked again are not stale
        // for other settings.
        index.remove(&["d0".into(), "d1".into()]).unwrap();
        assert_eq!(index.end_marker(key("Reuter"), 2, 2).unwrap(), Some(2));
        assert_eq!(index.end_marker(key("###"), 3, 2).unwrap(), None);
    }
}
