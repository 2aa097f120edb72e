//! Paragraphs: runs of non-blank lines, split further where a line is
//! indented more than its block (wire copy marks paragraphs that way).
//!
//! Each paragraph keeps its 1-based first line and the byte span of its
//! content in the source (first non-blank character to end of its last
//! line, line terminator excluded), so that a report can point at it and a
//! cleaner can keep it byte for byte.

use super::script::is_unspaced;

/// One paragraph of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// 1-based line number of the paragraph's first line.
    pub first_line: u32,
    /// Byte offset of the paragraph's first non-blank character.
    pub start_byte: usize,
    /// Byte offset just past the end of the paragraph's last line.
    pub end_byte: usize,
}

impl Paragraph {
    /// The paragraph's lines joined into one display line: trimmed, with a
    /// space between lines of spaced scripts and none between lines of
    /// Chinese or Japanese.
    pub fn joined_text(&self, source: &str) -> String {
        let mut joined = String::with_capacity(self.end_byte - self.start_byte);
        for line in source[self.start_byte..self.end_byte].split(['\n', '\r']) {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let last = joined.chars().next_back();
            let first = line.chars().next();
            if let (Some(last), Some(first)) = (last, first)
                && !(is_unspaced(last) || is_unspaced(first))
            {
                joined.push(' ');
            }
            joined.push_str(line);
        }
        joined
    }
}

struct Line {
    number: u32,
    start_byte: usize,
    end_byte: usize,
    indent_chars: usize,
    blank: bool,
}

/// Splits a document into paragraphs.
pub fn split_paragraphs(text: &str) -> Vec<Paragraph> {
    let mut paragraphs = Vec::new();
    let mut block: Vec<Line> = Vec::new();
    for line in lines(text) {
        if line.blank {
            flush_block(text, &mut block, &mut paragraphs);
        } else {
            block.push(line);
        }
    }
    flush_block(text, &mut block, &mut paragraphs);
    paragraphs
}

/// Emits the paragraphs of one block of consecutive non-blank lines. A line
/// indented deeper than the least-indented line of the block starts a new
/// paragraph; a block indented uniformly is one paragraph.
fn flush_block(text: &str, block: &mut Vec<Line>, out: &mut Vec<Paragraph>) {
    let Some(min_indent) = block.iter().map(|l| l.indent_chars).min() else {
        return;
    };
    let mut current: Option<Paragraph> = None;
    for line in block.iter() {
        let content_start = line.start_byte + indent_bytes(&text[line.start_byte..line.end_byte]);
        let starts_new = current.is_none() || line.indent_chars > min_indent;
        if starts_new {
            out.extend(current.take());
            current = Some(Paragraph {
                first_line: line.number,
                start_byte: content_start,
                end_byte: line.end_byte,
            });
        } else if let Some(paragraph) = current.as_mut() {
            paragraph.end_byte = line.end_byte;
        }
    }
    out.extend(current);
    block.clear();
}

fn indent_bytes(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Lines with their byte spans; `\n`, `\r\n` and a lone `\r` end a line, the terminator
/// is not part of the span.
fn lines(text: &str) -> impl Iterator<Item = Line> + '_ {
    let mut start = 0usize;
    let mut number = 0u32;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        number += 1;
        let rest = &text[start..];
        // `memchr` scans a vector at a time; `str::find` a word at a time.
        // Old Mac files end lines with a lone `\r`.
        let (content_len, advance) = match memchr::memchr2(b'\n', b'\r', rest.as_bytes()) {
            Some(i)
                if rest.as_bytes()[i] == b'\r' && rest.as_bytes().get(i + 1) == Some(&b'\n') =>
            {
                (i, i + 2)
            }
            Some(i) => (i, i + 1),
            None => (rest.len(), rest.len()),
        };
        let content = &rest[..content_len];
        let trimmed = content.trim_start();
        let line = Line {
            number,
            start_byte: start,
            end_byte: start + content.len(),
            indent_chars: content[..content.len() - trimmed.len()].chars().count(),
            blank: trimmed.trim_end().is_empty(),
        };
        start += advance;
        Some(line)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(u32, &str)> {
        split_paragraphs(text)
            .iter()
            .map(|p| (p.first_line, &text[p.start_byte..p.end_byte]))
            .collect()
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line() {
        let text = "P one\r\rQ two\r\rP one\r";
        assert_eq!(spans(text), [(1, "P one"), (3, "Q two"), (5, "P one")]);
        let split = split_paragraphs("a\rb\r\nc");
        assert_eq!(split.len(), 1);
        assert_eq!(split[0].joined_text("a\rb\r\nc"), "a b c");
    }

    #[test]
    fn blank_lines_separate_paragraphs() {
        let text = "First line\nstill first.\n\n  \nSecond.\r\n\r\nThird.";
        assert_eq!(
            spans(text),
            [
                (1, "First line\nstill first."),
                (5, "Second."),
                (7, "Third.")
            ]
        );
    }

    #[test]
    fn indented_first_lines_mark_paragraphs_in_wire_copy() {
        let text = "   WASHINGTON (AP) -- The Senate\nvoted on Tuesday.\n   The bill now goes\nto the House.\n";
        assert_eq!(
            spans(text),
            [
                (1, "WASHINGTON (AP) -- The Senate\nvoted on Tuesday."),
                (3, "The bill now goes\nto the House.")
            ]
        );
    }

    #[test]
    fn uniformly_indented_block_is_one_paragraph() {
        let text = "    quoted line one\n    quoted line two\n";
        assert_eq!(spans(text), [(1, "quoted line one\n    quoted line two")]);
    }

    #[test]
    fn full_width_space_indent_marks_chinese_paragraphs() {
        let text = "\u{3000}\u{3000}第一段开头\n接着第一段。\n\u{3000}\u{3000}第二段。";
        assert_eq!(
            spans(text),
            [(1, "第一段开头\n接着第一段。"), (3, "第二段。")]
        );
    }

    #[test]
    fn joined_text_uses_spaces_only_between_spaced_scripts() {
        let text = "The Senate\nvoted.\n\n第一段开头\n接着第一段。";
        let paragraphs = split_paragraphs(text);
        assert_eq!(paragraphs[0].joined_text(text), "The Senate voted.");
        assert_eq!(paragraphs[1].joined_text(text), "第一段开头接着第一段。");
    }

    #[test]
    fn empty_and_blank_documents_have_no_paragraphs() {
        assert!(split_paragraphs("").is_empty());
        assert!(split_paragraphs("\n \n\t\n").is_empty());
    }

    #[test]
    fn byte_spans_point_into_the_source() {
        let text = "ab\n\n  cd\nef\n";
        let p = split_paragraphs(text);
        assert_eq!((p[1].start_byte, p[1].end_byte), (6, 11));
    }
}
