//! Validated settings for a scan, free of any command-line types, so the
//! library can be driven without clap.

use std::path::PathBuf;

use crate::containment::Rule;
use crate::corpus::ReadOptions;
use crate::error::{Error, Setting};
use crate::lsh::LshParams;

/// What a fingerprint depends on: two runs agree only if these agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct FingerprintParams {
    /// Tokens per shingle.
    pub shingle_size: usize,
    /// MinHash permutations (signature slots).
    pub num_perm: usize,
    /// Seed of the token, shingle and permutation hashes.
    pub seed: u64,
}

impl Default for FingerprintParams {
    fn default() -> Self {
        FingerprintParams {
            shingle_size: 5,
            num_perm: 128,
            seed: 0x5EED,
        }
    }
}

/// The default containment threshold (see the README's "Shortened and
/// extended reprints" for the figures behind it).
pub const DEFAULT_CONTAINMENT: f64 = 0.8;

/// Everything a scan needs.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// Files, directories, or `-` for standard input.
    pub paths: Vec<PathBuf>,
    /// How to read them.
    pub read: ReadOptions,
    /// Shingling and MinHash settings.
    pub fingerprint: FingerprintParams,
    /// Jaccard threshold for near-duplicate documents.
    pub threshold: f64,
    /// Jaccard threshold for near-duplicate passages.
    pub passage_threshold: f64,
    /// Containment at which a document is a near-duplicate of another
    /// that holds most of its kept text (a shortened or extended reprint);
    /// `None` for Jaccard only.
    pub containment: Option<f64>,
    /// Band layout for documents; `None` derives it from the threshold.
    pub document_lsh: Option<LshParams>,
    /// Band layout for passages; `None` derives it from the threshold.
    pub passage_lsh: Option<LshParams>,
    /// Documents a passage must occur in to be reported (unless it repeats
    /// inside one document).
    pub min_docs: usize,
    /// Paragraphs with fewer tokens are not fingerprinted as passages.
    pub min_passage_tokens: usize,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Record wall-clock time in the report's stats.
    pub timings: bool,
}

impl ScanConfig {
    /// A configuration with every default, reading `paths`.
    pub fn new(paths: Vec<PathBuf>) -> Self {
        ScanConfig {
            paths,
            read: ReadOptions::default(),
            fingerprint: FingerprintParams::default(),
            threshold: 0.8,
            passage_threshold: 0.8,
            containment: Some(DEFAULT_CONTAINMENT),
            document_lsh: None,
            passage_lsh: None,
            min_docs: 3,
            min_passage_tokens: 2,
            threads: 0,
            timings: false,
        }
    }

    /// The effective document band layout.
    pub fn document_bands(&self) -> LshParams {
        self.document_lsh
            .unwrap_or_else(|| LshParams::for_threshold(self.threshold, self.fingerprint.num_perm))
    }

    /// When two documents are near-duplicates.
    pub fn document_rule(&self) -> Rule {
        Rule {
            threshold: self.threshold,
            containment: self.containment,
        }
    }

    /// The effective passage band layout.
    pub fn passage_bands(&self) -> LshParams {
        self.passage_lsh.unwrap_or_else(|| {
            LshParams::for_threshold(self.passage_threshold, self.fingerprint.num_perm)
        })
    }

    /// Checks every constraint between settings; the error names the
    /// setting.
    pub fn validate(&self) -> Result<(), Error> {
        let invalid =
            |setting: Setting, reason: String| Err(Error::InvalidSetting { setting, reason });
        for (setting, value) in [
            (Setting::Threshold, self.threshold),
            (Setting::PassageThreshold, self.passage_threshold),
            (Setting::Containment, self.containment.unwrap_or(1.0)),
        ] {
            if !(value > 0.0 && value <= 1.0) {
                return invalid(setting, format!("{value} is outside (0, 1]; try 0.8"));
            }
        }
        let fp = &self.fingerprint;
        if fp.shingle_size == 0 {
            return invalid(Setting::ShingleSize, "must be at least 1".into());
        }
        if !(1..=1024).contains(&fp.num_perm) {
            return invalid(
                Setting::NumPerm,
                format!("{} is outside 1..=1024; try 128", fp.num_perm),
            );
        }
        for lsh in [self.document_lsh, self.passage_lsh].into_iter().flatten() {
            if lsh.bands == 0 || lsh.rows == 0 || lsh.slots_used() > fp.num_perm {
                return invalid(
                    Setting::BandsRows,
                    format!(
                        "{} bands x {} rows needs {} signature slots but there are {} permutations; make bands x rows at most that",
                        lsh.bands,
                        lsh.rows,
                        lsh.slots_used(),
                        fp.num_perm
                    ),
                );
            }
        }
        if self.min_docs < 2 {
            return invalid(
                Setting::MinDocs,
                format!(
                    "{} is too small; a passage in one document is not repeated across documents, use 2 or more",
                    self.min_docs
                ),
            );
        }
        if self.read.max_doc_bytes == 0 {
            return invalid(Setting::MaxDocBytes, "must be at least 1".into());
        }
        if self.read.text_field.is_empty() {
            return invalid(Setting::TextField, "must not be empty".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(ScanConfig::new(vec![]).validate().is_ok());
    }

    #[test]
    fn threshold_out_of_range_names_the_flag() {
        let mut config = ScanConfig::new(vec![]);
        config.threshold = 1.5;
        let message = config.validate().unwrap_err().to_string();
        assert!(message.contains("threshold"), "{message}");
        config.threshold = 0.0;
        assert!(config.validate().is_err());
    }

    #[test]
    fn bands_times_rows_must_fit_the_signature() {
        let mut config = ScanConfig::new(vec![]);
        config.document_lsh = Some(LshParams { bands: 20, rows: 7 });
        let message = config.validate().unwrap_err().to_string();
        assert!(
            message.contains("bands x rows") && message.contains("140"),
            "{message}"
        );
        config.document_lsh = Some(LshParams { bands: 16, rows: 8 });
        assert!(config.validate().is_ok());
    }

    #[test]
    fn derived_bands_follow_the_threshold() {
        let config = ScanConfig::new(vec![]);
        assert_eq!(config.document_bands(), LshParams::for_threshold(0.8, 128));
    }
}
