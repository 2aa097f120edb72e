//! Tokens: Unicode words (UAX #29) for space-delimited scripts, and single
//! characters for Han, Kana, Thai and the other unspaced scripts.
//!
//! Mixed text such as `据Reuters报道` gives `据`, `reuters`, `报`, `道`.
//!
//! [`tokenize`] works on text already passed through
//! [`normalize`](fn@super::normalize). [`hash_tokens`] goes straight from raw
//! text to token hashes in one pass: ASCII, full-width ASCII, common Han
//! and common punctuation are folded inline, and any other run of
//! characters (accented Latin, Cyrillic, Kana, Thai, ...) is sent through
//! `normalize` and `tokenize`. Both give the same tokens; a test compares
//! them character by character over the Basic Multilingual Plane.

use unicode_segmentation::UnicodeSegmentation;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::normalize::{normalize, to_simplified};
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
/// alone while runs of other characters stay whole; a run of nothing but
/// combining marks (left over after a Han character) is dropped.
fn split_unspaced<'t>(word: &'t str, out: &mut Vec<&'t str>) {
    let mut push_run = |run: &'t str| {
        if run.chars().any(char::is_alphanumeric) {
            out.push(run);
        }
    };
    let mut run_start: Option<usize> = None;
    for (at, c) in word.char_indices() {
        if is_unspaced(c) {
            if let Some(start) = run_start.take() {
                push_run(&word[start..at]);
            }
            push_run(&word[at..at + c.len_utf8()]);
        } else if run_start.is_none() {
            run_start = Some(at);
        }
    }
    if let Some(start) = run_start {
        push_run(&word[start..]);
    }
}

/// How the one-pass tokenizer treats a character.
enum Class {
    /// Part of an ASCII word, already lowercased.
    Word(u8),
    /// Ends a word and is dropped.
    Separator,
    /// A character token on its own (Han, already folded to Simplified).
    Single(char),
    /// Needs full normalization.
    Other,
}

fn classify(c: char) -> Class {
    let code = c as u32;
    match code {
        0..=0x7F => {
            let b = code as u8;
            if b.is_ascii_alphanumeric() {
                Class::Word(b.to_ascii_lowercase())
            } else {
                Class::Separator
            }
        }
        // Full-width ASCII folds to ASCII under NFKC.
        0xFF01..=0xFF5E => classify(char::from_u32(code - 0xFEE0).unwrap_or(' ')),
        0x3400..=0x4DBF | 0x4E00..=0x9FFF => Class::Single(to_simplified(c)),
        0x3005..=0x3007 => Class::Single(c),
        0xA0 | 0xA7 | 0xA9 | 0xAB | 0xAE | 0xB0 | 0xB1 | 0xB6 | 0xB7 | 0xBB | 0xD7 | 0xF7 => {
            Class::Separator
        }
        0x2000..=0x206F => Class::Separator,
        0x3000..=0x3004 | 0x3008..=0x3011 | 0x3014..=0x301F => Class::Separator,
        0xFF5F..=0xFF65 | 0xFFE0..=0xFFE6 => Class::Separator,
        0x2190..=0x23FF | 0x2500..=0x26FF => Class::Separator,
        _ => Class::Other,
    }
}

/// The first and last code points of the Han blocks folded inline (CJK
/// Unified Ideographs and Extension A).
const HAN_FIRST: u32 = 0x3400;
const HAN_LAST: u32 = 0x9FFF;

/// ASCII bytes as the one-pass tokenizer sees them: the lowercase byte of
/// a word character, 0 for a separator.
const ASCII_FOLD: [u8; 128] = {
    let mut table = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() {
            table[b] = byte.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// True for the code points of the Han blocks folded inline: CJK Unified
/// Ideographs and Extension A (between them, the Yijing hexagram symbols
/// are not Han).
fn is_common_han(code: u32) -> bool {
    matches!(code, HAN_FIRST..=0x4DBF | 0x4E00..=HAN_LAST)
}

/// Hashes the tokens of raw text in one pass (see [`TokenHasher::hash_tokens`]),
/// with the hash of every common Han character worked out once, up front.
#[derive(Debug, Clone)]
pub struct TokenHasher {
    seed: u64,
    /// Per code point from [`HAN_FIRST`], the token hash of the character
    /// folded to Simplified (0, never read, where [`is_common_han`] is
    /// false): eight bytes an entry keeps the 220 KB table in cache.
    han: Box<[u64]>,
}

impl TokenHasher {
    /// A hasher whose token hashes are `xxh3_64_with_seed(token, seed)`.
    pub fn new(seed: u64) -> Self {
        let han = (HAN_FIRST..=HAN_LAST)
            .map(|code| match char::from_u32(code).map(classify) {
                Some(Class::Single(folded)) if is_common_han(code) => {
                    let mut buf = [0u8; 4];
                    xxh3_64_with_seed(folded.encode_utf8(&mut buf).as_bytes(), seed)
                }
                _ => 0,
            })
            .collect();
        TokenHasher { seed, han }
    }

    /// The seed token hashes use.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Appends the hash of every token of raw `text` to `out`; the same as
    /// hashing `tokenize(&normalize(text))`. A run of ASCII of 16 bytes or
    /// more is split 64 bytes at a time from a bitmap of its word bytes
    /// (2.4 times faster on English than a byte at a time), a shorter one a
    /// byte at a time; common Han is looked up in a table; anything else
    /// goes through `classify`.
    pub fn hash_tokens(&self, text: &str, out: &mut Vec<u64>) {
        let seed = self.seed;
        let bytes = text.as_bytes();
        let mut word: Vec<u8> = Vec::with_capacity(32);
        // Byte offset where the current word began in `text`.
        let mut word_start = 0usize;
        // Byte offset of the previous character when it was a lone token.
        let mut previous_single: Option<usize> = None;
        let mut at = 0usize;
        // Bytes before this offset are taken one at a time (a short ASCII
        // run, or the word that ends one).
        let mut bytewise_until = 0usize;
        let mut ascii = AsciiRun::default();
        while at < bytes.len() {
            let byte = bytes[at];
            if byte < 0x80 {
                previous_single = None;
                if word.is_empty() && at >= bytewise_until {
                    let run_end = at + ascii_run_len(&bytes[at..]);
                    bytewise_until = run_end;
                    if run_end - at >= MIN_FAST_RUN {
                        let stopped = ascii.hash_words(bytes, at, run_end, seed, out);
                        if stopped > at {
                            at = stopped;
                            continue;
                        }
                    }
                }
                match ASCII_FOLD[byte as usize] {
                    0 => flush(&mut word, seed, out),
                    folded => {
                        if word.is_empty() {
                            word_start = at;
                        }
                        word.push(folded);
                    }
                }
                at += 1;
                continue;
            }
            if common_han_at(&bytes[at..]).is_some() {
                flush(&mut word, seed, out);
                let (end, last) = self.push_han_run(bytes, at, out);
                previous_single = Some(last);
                at = end;
                continue;
            }
            let c = text[at..].chars().next().expect("at is a char boundary");
            let single_before = previous_single.take();
            match classify(c) {
                Class::Word(b) => {
                    if word.is_empty() {
                        word_start = at;
                    }
                    word.push(b);
                }
                Class::Separator => flush(&mut word, seed, out),
                Class::Single(folded) => {
                    flush(&mut word, seed, out);
                    let mut buf = [0u8; 4];
                    out.push(xxh3_64_with_seed(
                        folded.encode_utf8(&mut buf).as_bytes(),
                        seed,
                    ));
                    previous_single = Some(at);
                }
                Class::Other => {
                    // The run reaches back over the word or character it
                    // touches (a combining mark may belong to it) and on to
                    // the next separator, so composition and UAX #29 see it
                    // whole.
                    let start = if !word.is_empty() {
                        word_start
                    } else if let Some(single) = single_before {
                        out.pop();
                        single
                    } else {
                        at
                    };
                    word.clear();
                    let mut end = at + c.len_utf8();
                    for next in text[end..].chars() {
                        if matches!(classify(next), Class::Separator) {
                            break;
                        }
                        end += next.len_utf8();
                    }
                    let normalized = normalize(&text[start..end]);
                    let mut tokens = Vec::new();
                    tokenize(&normalized, &mut tokens);
                    out.extend(tokens.iter().map(|t| xxh3_64_with_seed(t.as_bytes(), seed)));
                    at = end;
                    continue;
                }
            }
            at += c.len_utf8();
        }
        flush(&mut word, seed, out);
    }

    /// Pushes the table's hash of each common Han character of the run that
    /// starts at `at` (with one) and returns where the run ends and where
    /// its last character starts. A loop of its own, with nothing but the
    /// table read and the push, so the reads of one character after another
    /// overlap (Chinese text is mostly such runs).
    #[inline]
    fn push_han_run(&self, bytes: &[u8], mut at: usize, out: &mut Vec<u64>) -> (usize, usize) {
        let mut last = at;
        while let Some(code) = common_han_at(&bytes[at..]) {
            out.push(self.han[(code - HAN_FIRST) as usize]);
            last = at;
            at += 3;
        }
        (at, last)
    }
}

/// The code point of the common Han character `bytes` starts with, if it
/// does: three bytes led by 0xE3..=0xE9 (U+3000..U+9FFF), decoded here
/// without `char` decoding's checks (the text is valid UTF-8).
#[inline(always)]
fn common_han_at(bytes: &[u8]) -> Option<u32> {
    let [lead @ 0xE3..=0xE9, second, third, ..] = *bytes else {
        return None;
    };
    let code =
        u32::from(lead & 0x0F) << 12 | u32::from(second & 0x3F) << 6 | u32::from(third & 0x3F);
    is_common_han(code).then_some(code)
}

/// Appends the xxh3 hash (with `seed`) of every token of raw `text` to
/// `out`; the same as hashing `tokenize(&normalize(text))`. Builds a
/// [`TokenHasher`] each call: keep one instead when hashing many texts.
pub fn hash_tokens(text: &str, seed: u64, out: &mut Vec<u64>) {
    TokenHasher::new(seed).hash_tokens(text, out);
}

/// ASCII runs at least this long go through [`AsciiRun::hash_words`].
const MIN_FAST_RUN: usize = 16;

/// Length of the run of ASCII bytes `bytes` starts with (eight at a time).
fn ascii_run_len(bytes: &[u8]) -> usize {
    let mut len = 0;
    for chunk in bytes.chunks_exact(8) {
        let high = u64::from_le_bytes(chunk.try_into().expect("8 bytes")) & 0x8080_8080_8080_8080;
        if high != 0 {
            return len + high.trailing_zeros() as usize / 8;
        }
        len += 8;
    }
    len + bytes[len..].iter().take_while(|b| b.is_ascii()).count()
}

/// Scratch space for hashing the words of an ASCII run without a branch
/// per byte: the run lowercased, and a bitmap of its word bytes.
#[derive(Default)]
struct AsciiRun {
    lower: Vec<u8>,
    word_bits: Vec<u64>,
}

impl AsciiRun {
    /// Hashes the words of the ASCII run `bytes[from..to]` (which is
    /// preceded by a separator or the start, and followed by a non-ASCII
    /// character or the end) into `out`, and returns where it stopped:
    /// `to`, or the start of a last word that touches a non-ASCII
    /// character, which may continue it and is left to the byte loop.
    fn hash_words(
        &mut self,
        bytes: &[u8],
        from: usize,
        to: usize,
        seed: u64,
        out: &mut Vec<u64>,
    ) -> usize {
        let run = &bytes[from..to];
        self.lower.clear();
        self.lower.extend(
            run.iter()
                .map(|&b| b | (u8::from(b.is_ascii_uppercase()) << 5)),
        );
        // Padded with separators to whole blocks of 64.
        self.lower.resize(run.len().next_multiple_of(64), b' ');
        self.word_bits.clear();
        self.word_bits.extend(
            self.lower
                .chunks_exact(64)
                .map(|block| word_bits(block.try_into().expect("64 bytes"))),
        );
        let lower = &self.lower;
        let mut open: Option<usize> = None;
        for (block, &bits) in self.word_bits.iter().enumerate() {
            let base = block * 64;
            // A word byte whose predecessor is not one starts a word; one
            // whose successor is not one ends it.
            let carry_in = block > 0 && self.word_bits[block - 1] >> 63 != 0;
            let carry_out = self
                .word_bits
                .get(block + 1)
                .is_some_and(|next| next & 1 != 0);
            let mut starts = bits & !(bits << 1 | u64::from(carry_in));
            let mut ends = bits & !(bits >> 1 | u64::from(carry_out) << 63);
            loop {
                let start = match open {
                    Some(start) => start,
                    None if starts == 0 => break,
                    None => {
                        let start = base + starts.trailing_zeros() as usize;
                        starts &= starts - 1;
                        start
                    }
                };
                if ends == 0 {
                    open = Some(start);
                    break;
                }
                let end = base + ends.trailing_zeros() as usize + 1;
                ends &= ends - 1;
                open = None;
                if end == run.len() && to < bytes.len() {
                    return from + start;
                }
                out.push(xxh3_64_with_seed(&lower[start..end], seed));
            }
        }
        to
    }
}

/// Bit `i` set when `block[i]` (lowercased ASCII) is a word byte: a
/// digit or a letter. Sixteen bytes per SSE2 comparison on x86-64.
#[cfg(target_arch = "x86_64")]
fn word_bits(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8,
        _mm_or_si128, _mm_set1_epi8,
    };
    let mut bits = 0u64;
    for (i, sixteen) in block.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of x86-64; the load reads the 16 bytes of
        // `sixteen` and needs no alignment.
        let mask = unsafe {
            let v = _mm_loadu_si128(sixteen.as_ptr().cast::<__m128i>());
            let between = |low: u8, high: u8| {
                _mm_and_si128(
                    _mm_cmpgt_epi8(v, _mm_set1_epi8((low - 1) as i8)),
                    _mm_cmplt_epi8(v, _mm_set1_epi8((high + 1) as i8)),
                )
            };
            _mm_movemask_epi8(_mm_or_si128(between(b'0', b'9'), between(b'a', b'z')))
        };
        bits |= u64::from(mask as u16) << (16 * i);
    }
    bits
}

/// Bit `i` set when `block[i]` (lowercased ASCII) is a word byte: a
/// digit or a letter.
#[cfg(not(target_arch = "x86_64"))]
fn word_bits(block: &[u8; 64]) -> u64 {
    let mut bits = 0u64;
    for (i, &b) in block.iter().enumerate() {
        let word = b.wrapping_sub(b'0') < 10 || b.wrapping_sub(b'a') < 26;
        bits |= u64::from(word) << i;
    }
    bits
}

fn flush(word: &mut Vec<u8>, seed: u64, out: &mut Vec<u64>) {
    if !word.is_empty() {
        out.push(xxh3_64_with_seed(word, seed));
        word.clear();
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

    fn reference_hashes(text: &str) -> Vec<u64> {
        tokens_of(text)
            .iter()
            .map(|t| xxh3_64_with_seed(t.as_bytes(), 9))
            .collect()
    }

    fn fast_hashes(text: &str) -> Vec<u64> {
        static HASHER: std::sync::OnceLock<TokenHasher> = std::sync::OnceLock::new();
        let mut out = Vec::new();
        HASHER
            .get_or_init(|| TokenHasher::new(9))
            .hash_tokens(text, &mut out);
        out
    }

    #[test]
    fn the_free_function_and_the_kept_hasher_agree() {
        let text = "据Reuters报道，iPhone 15售价 Café";
        let mut once = Vec::new();
        hash_tokens(text, 9, &mut once);
        assert_eq!(once, fast_hashes(text));
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

    #[test]
    fn one_pass_matches_normalize_then_tokenize_on_text() {
        for text in [
            "The Fed's rate, raised 0.25%.",
            "据Reuters报道，iPhone 15售价５９９９元。國網湖南電力",
            "Café crème à la carte — naïve coöperation, Straße ΣΊΣΥΦΟΣ",
            "東京のニュース、ｶﾀｶﾅ、ภาษาไทย、한국어 뉴스",
            "e\u{301}cole, ﬁnance, ℃, ①②, x²+y³, ¼, µs, ª",
            "  leading, trailing  ",
            "",
        ] {
            assert_eq!(fast_hashes(text), reference_hashes(text), "{text}");
        }
    }

    #[test]
    fn one_pass_matches_on_random_mixes_of_long_ascii_runs_and_other_scripts() {
        // Pieces that end ASCII runs in every way: a separator, a
        // full-width letter or digit that continues the word, an accent or
        // combining mark that reaches back over it, Han, Kana, curly quotes.
        let pieces = [
            "The ",
            "QUICK ",
            "brown",
            "fox",
            "42",
            "-",
            ", ",
            ".",
            "  ",
            "\n",
            "x",
            "Ab9",
            "Ａ",
            "５",
            "é",
            "\u{301}",
            "中",
            "文",
            "カ",
            "“",
            "’",
            "—",
            "ß",
            "İ",
            "ﬁ",
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ",
            "word word word word ",
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for round in 0..3000 {
            let mut text = String::new();
            for _ in 0..(round % 40) + 1 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            assert_eq!(fast_hashes(&text), reference_hashes(&text), "{text:?}");
        }
    }

    #[test]
    fn one_pass_matches_for_every_bmp_character_in_context() {
        for code in 0x80..=0xFFFF_u32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            for text in [
                format!("ab{c}cd"),
                format!("中{c}文"),
                format!("ab {c} 7"),
                format!("{c}\u{301}x"),
            ] {
                assert_eq!(
                    fast_hashes(&text),
                    reference_hashes(&text),
                    "U+{code:04X} in {text:?}"
                );
            }
        }
    }
}
