//! Script classes that change how text is joined and tokenized.
//!
//! Han, Hiragana, Katakana and the scripts of South-East Asia that are
//! written without spaces (Thai, Lao, Khmer, Myanmar) have no word
//! separators, so each of their characters is one token, and lines of such
//! text are joined without a space.

/// True for characters of scripts written without spaces between words.
pub fn is_unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF      // Thai, Lao
        | 0x1000..=0x109F    // Myanmar
        | 0x1780..=0x17FF    // Khmer
        | 0x2E80..=0x2FDF    // CJK radicals, Kangxi radicals
        | 0x3005..=0x3007    // 々 〆 〇
        | 0x3021..=0x3029    // Hangzhou numerals
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x31F0..=0x31FF    // Katakana phonetic extensions
        | 0x3400..=0x4DBF    // CJK extension A
        | 0x4E00..=0x9FFF    // CJK unified ideographs
        | 0xF900..=0xFAFF    // CJK compatibility ideographs
        | 0xFF66..=0xFF9F    // half-width Katakana
        | 0x20000..=0x3134F  // CJK extensions B-G
    )
}

/// True when text contains any character of an unspaced script.
pub fn has_unspaced(text: &str) -> bool {
    // Every unspaced character is outside ASCII, so ASCII text exits at once.
    !text.is_ascii() && text.chars().any(is_unspaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_scripts() {
        assert!(is_unspaced('中'));
        assert!(is_unspaced('の'));
        assert!(is_unspaced('カ'));
        assert!(is_unspaced('ก'));
        assert!(!is_unspaced('a'));
        assert!(!is_unspaced('é'));
        assert!(!is_unspaced('한'));
        assert!(!is_unspaced('，'));
        assert!(has_unspaced("Reuters 报道"));
        assert!(!has_unspaced("Reuters reported"));
    }
}
