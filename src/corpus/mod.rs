//! Input: finding the files to read ([`mod@walk`]), reading them into
//! documents ([`read`]), and the document type itself ([`document`]).

pub mod document;
pub mod ids;
pub mod read;
pub mod read_ahead;
pub mod walk;

pub use document::{DocId, Document};
pub use read::{InputFormat, ReadOptions, read_corpus};
pub use walk::{Source, walk};
