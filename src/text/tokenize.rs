//! Tokens: Unicode words (UAX #29) for space-delimited scripts, and single
//! characters for Han, Kana, Thai and the other unspaced scripts.
//!
//! Mixed text such as `据Reuters报道` gives `据`, `reuters`, `报`, `道`.

use unicode_segmentation::UnicodeSegmentation;

use super::script::is_unspaced;

/// Appends the tokens of already-normalized text to `out`.
pub fn tokenize<'t>(normalized: &'t str, out: &mut Vec<&'t str>) {
    for word in normalized.unicode_words() {
        if word.is_ascii() {
            out.push(word);
        } else {
            split_unspaced(word, out);
        }
    }
}

/// Splits one UAX #29 word so that each unspaced-script character stands
/// alone while runs of other characters stay whole.
fn split_unspaced<'t>(word: &'t str, out: &mut Vec<&'t str>) {
    let mut run_start: Option<usize> = None;
    for (at, c) in word.char_indices() {
        if is_unspaced(c) {
            if let Some(start) = run_start.take() {
                out.push(&word[start..at]);
            }
            out.push(&word[at..at + c.len_utf8()]);
        } else if run_start.is_none() {
            run_start = Some(at);
        }
    }
    if let Some(start) = run_start {
        out.push(&word[start..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize;

    fn tokens_of(text: &str) -> Vec<String> {
        let normalized = normalize(text);
        let mut out = Vec::new();
        tokenize(&normalized, &mut out);
        out.into_iter().map(str::to_owned).collect()
    }

    #[test]
    fn english_words() {
        assert_eq!(
            tokens_of("The Fed's rate, raised 0.25%."),
            ["the", "fed", "s", "rate", "raised", "0", "25"]
        );
    }

    #[test]
    fn chinese_is_one_token_per_character() {
        assert_eq!(
            tokens_of("国网湖南电力。"),
            ["国", "网", "湖", "南", "电", "力"]
        );
    }

    #[test]
    fn mixed_chinese_and_english() {
        assert_eq!(
            tokens_of("据Reuters报道，iPhone 15售价"),
            ["据", "reuters", "报", "道", "iphone", "15", "售", "价"]
        );
    }

    #[test]
    fn japanese_kana_and_kanji() {
        assert_eq!(
            tokens_of("東京のニュース"),
            ["东", "京", "の", "ニ", "ュ", "ー", "ス"]
        );
    }

    #[test]
    fn full_width_digits_join_ascii_words() {
        assert_eq!(tokens_of("２０２１年"), ["2021", "年"]);
    }
}
