//! Fingerprints of one document: its paragraphs, each with token count,
//! shingle set and MinHash signature.
//!
//! This is the embarrassingly parallel map step of the pipeline; it needs
//! only the document's text and the [`FingerprintParams`].

use std::ops::Range;

use crate::config::FingerprintParams;
use crate::minhash::{MinHasher, Signature};
use crate::shingle::{ShingleSet, Shingler};
use crate::text::{Paragraph, TokenHasher, split_paragraphs};

/// A paragraph's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParagraphPrint {
    /// Where the paragraph is in the source.
    pub span: Paragraph,
    /// Tokens after normalization.
    pub tokens: u32,
    /// Its shingles.
    pub shingles: ShingleSet,
    /// Its MinHash signature.
    pub signature: Signature,
}

/// A document's paragraph fingerprints, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DocumentPrint {
    /// One entry per paragraph.
    pub paragraphs: Vec<ParagraphPrint>,
}

impl DocumentPrint {
    /// The MinHash signature of the union of the paragraphs `keep` lets
    /// through: the slot-wise minimum of theirs, since MinHash of a union
    /// is the minimum of the parts'. (The batch pipeline takes the same
    /// minimum over the paragraph signatures it spilled.)
    pub fn signature_of(&self, num_perm: usize, keep: impl Fn(usize) -> bool) -> Signature {
        let mut signature = Signature::empty(num_perm);
        for (p, paragraph) in self.paragraphs.iter().enumerate() {
            if keep(p) {
                signature.merge(&paragraph.signature);
            }
        }
        signature
    }
}

/// Computes fingerprints with fixed parameters.
#[derive(Debug, Clone)]
pub struct Fingerprinter {
    tokens: TokenHasher,
    shingler: Shingler,
    hasher: MinHasher,
}

impl Fingerprinter {
    /// A fingerprinter for the given parameters.
    pub fn new(params: &FingerprintParams) -> Self {
        Fingerprinter {
            tokens: TokenHasher::new(params.seed),
            shingler: Shingler::new(params.shingle_size, params.seed),
            hasher: MinHasher::new(params.num_perm, params.seed),
        }
    }

    /// The MinHasher in use.
    pub fn hasher(&self) -> &MinHasher {
        &self.hasher
    }

    /// Fingerprints every paragraph of `text`.
    pub fn document(&self, text: &str) -> DocumentPrint {
        let paragraphs = self
            .shingled_paragraphs(text)
            .map(|(span, tokens, shingles)| ParagraphPrint {
                span,
                tokens,
                signature: self.hasher.signature(&shingles),
                shingles,
            })
            .collect();
        DocumentPrint { paragraphs }
    }

    /// Every paragraph of `text` with its token count and shingles, for a
    /// caller that computes signatures only where it needs them.
    pub fn shingled_paragraphs<'t>(
        &'t self,
        text: &'t str,
    ) -> impl Iterator<Item = (Paragraph, u32, ShingleSet)> + 't {
        let mut all = Vec::new();
        let paragraphs = self.append_paragraph_shingles(text, &mut all);
        paragraphs.into_iter().map(move |(span, tokens, range)| {
            (span, tokens, ShingleSet::from_hashes(all[range].to_vec()))
        })
    }

    /// Appends the shingle hashes of every paragraph of `text` to one
    /// buffer, `all`, in text order with repeats
    /// ([`Shingler::window_hashes`]: what a caller that needs the set of
    /// only some paragraphs keeps), and returns per paragraph its span,
    /// token count and the range of `all` its hashes take: one allocation
    /// per document, not one per paragraph.
    pub fn append_paragraph_shingles(
        &self,
        text: &str,
        all: &mut Vec<u32>,
    ) -> Vec<(Paragraph, u32, Range<usize>)> {
        let mut tokens = Vec::new();
        split_paragraphs(text)
            .into_iter()
            .map(|span| {
                tokens.clear();
                self.tokens
                    .hash_tokens(&text[span.start_byte..span.end_byte], &mut tokens);
                let start = all.len();
                self.shingler.append_window_hashes(&tokens, all);
                (span, tokens.len() as u32, start..all.len())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_get_tokens_and_shingles() {
        let print = Fingerprinter::new(&FingerprintParams::default())
            .document("One two three.\n\n国网湖南电力公司");
        let counts: Vec<(u32, usize)> = print
            .paragraphs
            .iter()
            .map(|p| (p.tokens, p.shingles.len()))
            .collect();
        assert_eq!(counts, [(3, 1), (8, 4)]);
    }

    #[test]
    fn full_width_and_traditional_reprints_fingerprint_alike() {
        let fp = Fingerprinter::new(&FingerprintParams::default());
        let a = fp.document("国网湖南电力将以实干为笔，奋斗为卷。");
        let b = fp.document("國網湖南電力將以實幹為筆，奮鬥為卷。");
        assert_eq!(a.paragraphs[0].shingles, b.paragraphs[0].shingles);
        let c = fp.document("Reuters 2024");
        let d = fp.document("ＲＥＵＴＥＲＳ　２０２４");
        assert_eq!(c.paragraphs[0].shingles, d.paragraphs[0].shingles);
    }
}
