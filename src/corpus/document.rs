//! Documents: one file or one JSONL record, with a dense id assigned in
//! input order (sorted paths, then line order inside a file).

use std::fmt;

/// Dense document index in input order; the smallest id of a cluster is its
/// representative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DocId(pub u32);

impl DocId {
    /// The id as a vector index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One document of the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Position in input order.
    pub id: DocId,
    /// What the report calls it: the path as the user would see it, or the
    /// JSONL record's id (falling back to `PATH:LINE`).
    pub name: String,
    /// The file it came from (`<stdin>` for standard input).
    pub source: String,
    /// 1-based line of the record in a JSONL source.
    pub source_line: Option<u64>,
    /// The text, as read (lossily decoded if it was not valid UTF-8).
    pub text: String,
    /// The value of `ReadOptions::extra_field` in a JSONL record.
    pub extra: Option<serde_json::Value>,
}
