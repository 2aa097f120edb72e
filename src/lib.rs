//! refrain finds duplicated text in news corpora: passages repeated at the
//! close of articles (syndication footers, copyright lines, an editor's
//! paragraph pasted several times) and near-duplicate stories.
//!
//! The pipeline, one module per stage:
//! [`corpus`] (walk, read) → [`text`] (paragraphs, normalize, tokenize) →
//! [`shingle`] → [`minhash`] → [`lsh`] → [`cluster`] (and [`containment`]) →
//! [`boilerplate`] →
//! [`report`]. [`batch::analyze`] runs them all in memory bounded by the
//! number of paragraphs, not the text ([`batch::scan`] for a report):
//! the one engine behind `refrain scan`, `clean`, `check` and `dedup`, with
//! [`dedup`] deciding what to keep and [`check`] comparing submissions
//! with an [`index`]; [`sign`] writes the fingerprints for a distributed
//! run (`spark/`).
//!
//! ```
//! use refrain::config::ScanConfig;
//! use refrain::progress::Progress;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let footer = "Copyright 2024 Example Wire Service. All rights reserved. Do not redistribute.";
//! let stories = ["The council approved the budget after a long debate on Monday.",
//!                "Heavy rain flooded streets across the northern districts overnight.",
//!                "The local team won the championship in a dramatic final match."];
//! for (i, story) in stories.iter().enumerate() {
//!     std::fs::write(dir.path().join(format!("{i}.txt")), format!("{story}\n\n{footer}\n")).unwrap();
//! }
//! let config = ScanConfig::new(vec![dir.path().into()]);
//! let report = refrain::batch::scan(&config, &Default::default(), &Progress::hidden()).unwrap();
//! assert_eq!(report.passage_clusters.len(), 1);
//! assert!(report.passage_clusters[0].closing);
//! assert_eq!(report.passage_clusters[0].documents, 3);
//! assert!(report.document_clusters.is_empty());
//! ```

#![deny(missing_docs)]

pub mod batch;
pub mod boilerplate;
pub mod check;
pub mod clean;
pub mod cluster;
pub mod config;
pub mod containment;
pub mod corpus;
pub mod dedup;
pub mod error;
pub mod fingerprint;
pub mod index;
pub mod lsh;
pub mod minhash;
pub mod output;
pub mod passages;
pub mod progress;
pub mod report;
pub mod rules;
pub mod shingle;
pub mod sign;
pub mod synthetic;
pub mod text;
pub mod threads;
