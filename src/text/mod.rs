//! Text stages: splitting a document into paragraphs, normalizing text for
//! fingerprints, and cutting normalized text into tokens.
//!
//! Normalization only ever feeds fingerprints; everything a user sees (the
//! report's passage text, line numbers, byte spans) comes from the source.

pub mod normalize;
pub mod paragraph;
pub mod script;
pub mod tokenize;

pub use normalize::{marker_key, normalize};

/// Description of the normalization, for reports and index settings.
pub const NORMALIZATION: &str =
    "nfkc,lowercase,t2s,strip-punctuation-and-symbols,collapse-whitespace";
/// Description of the tokenizer, for reports and index settings.
pub const TOKENIZER: &str = "uax29-words,unspaced-scripts-per-character";
pub use paragraph::{Paragraph, split_paragraphs};
pub use tokenize::{TokenHasher, hash_tokens, tokenize};
