//! Cleaning a document: which paragraphs to remove (repeats after their
//! first print, and with `boilerplate` known boilerplate), and removing
//! them while every kept byte, separators included, stays as it was.

use serde::Serialize;

use crate::batch::Analysis;
use crate::boilerplate::PassageKind;
use crate::error::Error;
use crate::report::round_similarity;
use crate::text::Paragraph;

/// Why a paragraph is removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    /// A later print of a passage that occurs earlier in the same document.
    Repeated,
    /// A passage found under many different stories.
    Boilerplate,
}

/// One paragraph to remove.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Removal {
    /// 0-based paragraph index.
    pub paragraph: u32,
    /// 1-based first line.
    pub line: u32,
    /// Byte span of the paragraph.
    pub start_byte: usize,
    /// End of that span (exclusive).
    pub end_byte: usize,
    /// Why it goes.
    pub reason: RemovalReason,
    /// For a repeat, the first line of the print that is kept.
    pub first_line: Option<u32>,
    /// Documents of the corpus that hold the passage.
    pub documents: u64,
    /// Exact shingle Jaccard with the document's first print of the passage.
    pub similarity: f64,
    /// The paragraph's text, lines joined.
    pub text: String,
}

/// The paragraphs of document `doc` to remove, ascending: every print of a
/// passage after its first in the document and, when `remove_boilerplate`,
/// every boilerplate passage. `text` is the document's text as analyzed
/// and `spans` its paragraphs ([`crate::text::split_paragraphs`]).
pub fn plan_removals(
    analysis: &Analysis,
    doc: usize,
    text: &str,
    spans: &[Paragraph],
    remove_boilerplate: bool,
) -> Result<Vec<Removal>, Error> {
    let passages = &analysis.passages;
    let mut removals = Vec::new();
    for prints in passages.prints_in(doc) {
        let passage = &passages.clusters[prints.cluster];
        let documents = passage.documents();
        let boilerplate = remove_boilerplate && passage.kind == PassageKind::Boilerplate;
        let first = prints.paragraphs[0];
        for &p in &prints.paragraphs {
            let span = &spans[p as usize];
            let (reason, first_line) = if boilerplate {
                (RemovalReason::Boilerplate, None)
            } else if p != first {
                (
                    RemovalReason::Repeated,
                    Some(spans[first as usize].first_line),
                )
            } else {
                continue;
            };
            removals.push(Removal {
                paragraph: p,
                line: span.first_line,
                start_byte: span.start_byte,
                end_byte: span.end_byte,
                reason,
                first_line,
                documents: documents.len() as u64,
                similarity: round_similarity(analysis.paragraph_similarity(doc, first, p)?),
                text: span.joined_text(text),
            });
        }
    }
    removals.sort_by_key(|r| r.paragraph);
    removals.dedup_by_key(|r| r.paragraph);
    Ok(removals)
}

/// The text spans `(start, end)` that removing paragraphs `removed` cuts
/// out: a removed paragraph goes with the separator before it (or, before
/// the first kept paragraph, the one after it), so every kept byte,
/// separators included, stays as it was.
pub fn removal_cuts(paragraphs: &[Paragraph], removed: &[u32]) -> Vec<(usize, usize)> {
    let mut is_removed = vec![false; paragraphs.len()];
    for &p in removed {
        if let Some(flag) = is_removed.get_mut(p as usize) {
            *flag = true;
        }
    }
    let first_kept = is_removed.iter().position(|r| !r);
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for (p, paragraph) in paragraphs.iter().enumerate() {
        if !is_removed[p] {
            continue;
        }
        let cut = match first_kept {
            Some(kept) if kept < p => (paragraphs[p - 1].end_byte, paragraph.end_byte),
            _ => {
                let next = paragraphs
                    .get(p + 1)
                    .map_or(paragraph.end_byte, |n| n.start_byte);
                (paragraph.start_byte, next)
            }
        };
        cuts.push(cut);
    }
    cuts
}

/// `text` without paragraphs `removed` (see [`removal_cuts`]).
pub fn apply_removals(text: &str, paragraphs: &[Paragraph], removed: &[u32]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in removal_cuts(paragraphs, removed) {
        out.push_str(&text[at..start]);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// A file's bytes as the reader decodes them (a UTF-8 byte-order mark
/// dropped, each invalid sequence one U+FFFD), with the way back from an
/// offset in the text to an offset in the bytes: a cleaned copy is cut
/// from the bytes, so text in Latin-1 or with a byte-order mark keeps
/// every byte it had.
#[derive(Debug)]
pub struct DecodedBytes {
    /// The text, as the document's text was read.
    pub text: String,
    /// `(text offset, byte offset, bytes replaced)` where each valid run
    /// (`0` replaced) or replacement character starts.
    pieces: Vec<(usize, usize, usize)>,
}

impl DecodedBytes {
    /// Decodes `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let mut text = String::with_capacity(bytes.len());
        let mut pieces = Vec::new();
        let mut at = bom;
        for chunk in bytes[bom..].utf8_chunks() {
            pieces.push((text.len(), at, 0));
            text.push_str(chunk.valid());
            at += chunk.valid().len();
            if !chunk.invalid().is_empty() {
                pieces.push((text.len(), at, chunk.invalid().len()));
                text.push(char::REPLACEMENT_CHARACTER);
                at += chunk.invalid().len();
            }
        }
        DecodedBytes { text, pieces }
    }

    /// The byte offset of text offset `offset`.
    fn byte_offset(&self, offset: usize) -> usize {
        let at = self.pieces.partition_point(|&(t, _, _)| t <= offset);
        match at.checked_sub(1).map(|i| self.pieces[i]) {
            None => offset,
            Some((t, b, 0)) => b + (offset - t),
            Some((t, b, _)) if offset == t => b,
            Some((_, b, replaced)) => b + replaced,
        }
    }

    /// `bytes` (the ones decoded) without the text spans `cuts`.
    pub fn cut(&self, bytes: &[u8], cuts: &[(usize, usize)]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for &(start, end) in cuts {
            let (start, end) = (self.byte_offset(start), self.byte_offset(end));
            out.extend_from_slice(&bytes[at..start.max(at)]);
            at = end.max(at);
        }
        out.extend_from_slice(&bytes[at..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::split_paragraphs;

    #[test]
    fn latin1_and_byte_order_mark_survive_a_cut_byte_for_byte() {
        let bytes = b"\xEF\xBB\xBFCaf\xe9 one.\n\nRepeat here.\n\nNa\xefve two.\n\nRepeat here.\n";
        let decoded = DecodedBytes::new(bytes);
        assert!(decoded.text.starts_with("Caf\u{FFFD} one."));
        let paragraphs = split_paragraphs(&decoded.text);
        let cut = decoded.cut(bytes, &removal_cuts(&paragraphs, &[3]));
        assert_eq!(
            cut,
            b"\xEF\xBB\xBFCaf\xe9 one.\n\nRepeat here.\n\nNa\xefve two.\n"
        );
        let first = decoded.cut(bytes, &removal_cuts(&paragraphs, &[0]));
        assert_eq!(
            first,
            b"\xEF\xBB\xBFRepeat here.\n\nNa\xefve two.\n\nRepeat here.\n"
        );
        assert_eq!(decoded.cut(bytes, &[]), bytes);
    }

    fn cleaned(text: &str, removed: &[u32]) -> String {
        apply_removals(text, &split_paragraphs(text), removed)
    }

    #[test]
    fn removing_middle_and_last_keeps_every_other_byte() {
        let text = "One.\n\n  Two.\n\nThree.\r\n\r\nFour.\n";
        assert_eq!(cleaned(text, &[1]), "One.\n\nThree.\r\n\r\nFour.\n");
        assert_eq!(cleaned(text, &[3]), "One.\n\n  Two.\n\nThree.\n");
        // The separator after the last removed paragraph stays.
        assert_eq!(cleaned(text, &[1, 2]), "One.\r\n\r\nFour.\n");
    }

    #[test]
    fn removing_the_start_takes_the_following_separator() {
        let text = "One.\n\nTwo.\n\nThree.";
        assert_eq!(cleaned(text, &[0]), "Two.\n\nThree.");
        assert_eq!(cleaned(text, &[0, 1]), "Three.");
        assert_eq!(cleaned(text, &[0, 2]), "Two.");
    }

    #[test]
    fn nothing_removed_is_identity() {
        let text = "a\n\nb\n";
        assert_eq!(cleaned(text, &[]), text);
    }
}
