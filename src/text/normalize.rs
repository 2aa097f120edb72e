//! Normalization for fingerprints: NFKC, case folding, Traditional to
//! Simplified Chinese, punctuation and symbols dropped, whitespace collapsed.
//!
//! Two renderings of one passage should normalize to the same string: a
//! full-width reprint (`ＡＢＣ１２３，`), a capitalised headline, or a Hong
//! Kong reprint in Traditional characters. The result is for hashing only.

use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::script::has_unspaced;

/// The CJK blocks the Traditional -> Simplified table covers: extension A
/// and the unified ideographs.
const T2S_FIRST: u32 = 0x3400;
const T2S_LAST: u32 = 0x9FFF;

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
            lower.chars().map(to_simplified).collect()
        } else {
            lower
        }
    };
    collapse_to_words(&folded)
}

/// The key of a short paragraph (a sign-off, an end mark) for matching
/// it verbatim across documents: NFKC, lower case and Simplified as in
/// [`normalize`], whitespace removed, but punctuation and symbols kept,
/// since `-30-`, `###` and `（完）` are little else. `None` when nothing
/// is left.
pub fn marker_key(text: &str) -> Option<u64> {
    let kept: String = text
        .nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .map(to_simplified)
        .collect();
    (!kept.is_empty()).then(|| xxhash_rust::xxh3::xxh3_64(kept.as_bytes()))
}

/// The Simplified form of one character (itself when it has none).
///
/// Character by character, without the context rules of full OpenCC
/// conversion: a fingerprint needs one canonical form per character, and
/// the same character must fold the same way wherever it stands.
pub fn to_simplified(c: char) -> char {
    let code = c as u32;
    if (T2S_FIRST..=T2S_LAST).contains(&code) {
        let table = t2s_table();
        let folded = table[(code - T2S_FIRST) as usize];
        return char::from_u32(folded).unwrap_or(c);
    }
    if code < 0x2_0000 {
        return c;
    }
    let mut buf = [0u8; 4];
    let converted = simplet2s::convert(c.encode_utf8(&mut buf));
    let mut chars = converted.chars();
    match (chars.next(), chars.next()) {
        (Some(single), None) => single,
        _ => c,
    }
}

/// The table for [`T2S_FIRST`]..=[`T2S_LAST`], built once from the OpenCC
/// character list that `simplet2s` carries.
fn t2s_table() -> &'static [u32] {
    static TABLE: OnceLock<Vec<u32>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (T2S_FIRST..=T2S_LAST)
            .map(|code| {
                let Some(c) = char::from_u32(code) else {
                    return code;
                };
                let mut buf = [0u8; 4];
                let converted = simplet2s::convert(c.encode_utf8(&mut buf));
                let mut chars = converted.chars();
                match (chars.next(), chars.next()) {
                    (Some(single), None) => single as u32,
                    _ => code,
                }
            })
            .collect()
    })
}

/// Replaces every run of characters that are not letters, digits or
/// combining marks with one space, and trims the ends. A combining mark
/// with no letter before it (after a dropped symbol or a space) is dropped
/// too: it has nothing to combine with.
fn collapse_to_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars() {
        if is_combining_mark(c) {
            if !(pending_space || out.is_empty()) {
                out.push(c);
            }
        } else if c.is_alphanumeric() {
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
    fn markers_keep_their_symbols_and_fold_width_case_and_spacing() {
        assert_eq!(marker_key("（完）"), marker_key("(完)"));
        assert_eq!(marker_key("Reuter"), marker_key(" REUTER "));
        assert_eq!(marker_key("- 30 -"), marker_key("-30-"));
        assert_ne!(marker_key("-30-"), marker_key("30"));
        assert_ne!(marker_key("###"), marker_key("***"));
        assert_eq!(marker_key(" \t "), None);
    }

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
