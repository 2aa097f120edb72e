//! Normalization for fingerprints: NFKC, case folding, Traditional to
//! Simplified Chinese, punctuation and symbols dropped, whitespace collapsed.
//!
//! Two renderings of one passage should normalize to the same string: a
//! full-width reprint (`ＡＢＣ１２３，`), a capitalised headline, or a Hong
//! Kong reprint in Traditional characters. The result is for hashing only.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::script::has_unspaced;

/// Normalizes `text` for fingerprinting (see the module docs for the steps).
///
/// The output holds only letters, digits and combining marks separated by
/// single ASCII spaces, with no leading or trailing space.
pub fn normalize(text: &str) -> String {
    let folded: String = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        let nfkc: String = text.nfkc().collect();
        let lower = nfkc.to_lowercase();
        if has_unspaced(&lower) {
            simplet2s::convert(&lower)
        } else {
            lower
        }
    };
    collapse_to_words(&folded)
}

/// Replaces every run of characters that are not letters, digits or
/// combining marks with one space, and trims the ends.
fn collapse_to_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if c.is_alphanumeric() || is_combining_mark(c) {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        } else {
            pending_space = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_punctuation_and_whitespace() {
        assert_eq!(normalize("  Hello,   World!\n(AP) — "), "hello world ap");
    }

    #[test]
    fn nfkc_folds_full_width_forms() {
        assert_eq!(normalize("ＡＢＣ１２３，ｄｅｆ"), "abc123 def");
        assert_eq!(normalize("ﬁnance"), "finance");
    }

    #[test]
    fn chinese_punctuation_is_dropped() {
        assert_eq!(normalize("“国网担当”，不忘初心。"), "国网担当 不忘初心");
    }

    #[test]
    fn traditional_chinese_folds_to_simplified() {
        assert_eq!(normalize("國網湖南電力"), normalize("国网湖南电力"));
        assert_eq!(normalize("高質量發展"), "高质量发展");
    }

    #[test]
    fn keeps_combining_marks_of_thai() {
        // Thai vowel signs are combining marks and must survive.
        assert_eq!(normalize("ภาษาไทย!"), "ภาษาไทย");
    }

    #[test]
    fn symbols_are_dropped() {
        assert_eq!(
            normalize("© 2024 Reuters | All rights reserved."),
            "2024 reuters all rights reserved"
        );
    }

    #[test]
    fn empty_and_punctuation_only() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("* * *"), "");
    }
}
