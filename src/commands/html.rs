//! Reading back the texts an HTML report shows: the library renders the
//! page from the report and the texts it is given; the binary finds them
//! in the files the report names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use refrain::corpus::read::reread;
use refrain::corpus::{ReadOptions, Source};
use refrain::report::html::{DocumentTexts, text_key};

/// The texts of `documents` (`(doc, record)` as the report names them):
/// a JSONL record's `record` is `file:line`, a text file's `doc` its path,
/// both relative to `root`. Those that cannot be read again (standard
/// input, a file gone) are left out; the page says so where it needs them.
pub fn read_texts(
    documents: &[(String, Option<String>)],
    root: &Path,
    options: &ReadOptions,
) -> DocumentTexts {
    let mut texts = DocumentTexts::new();
    // Records by file, so each file is read once.
    let mut records: BTreeMap<PathBuf, Vec<(u64, String)>> = BTreeMap::new();
    for (doc, record) in documents {
        let key = text_key(doc, record.as_deref());
        match record.as_deref().and_then(|r| r.rsplit_once(':')) {
            Some((file, line)) => {
                if let Ok(line) = line.parse::<u64>() {
                    records
                        .entry(root.join(file))
                        .or_default()
                        .push((line, key));
                }
            }
            None if doc != "<stdin>" => {
                let source = Source::File(root.join(doc));
                if let Ok(mut read) = reread(&source, options, &[])
                    && let Some(text) = read.pop()
                {
                    texts.insert(key, text);
                }
            }
            None => {}
        }
    }
    for (file, mut wanted) in records {
        wanted.sort();
        wanted.dedup();
        let lines: Vec<u64> = wanted.iter().map(|(line, _)| *line).collect();
        let jsonl = ReadOptions {
            format: refrain::corpus::InputFormat::Jsonl,
            ..options.clone()
        };
        if let Ok(read) = reread(&Source::File(file), &jsonl, &lines) {
            for ((_, key), text) in wanted.into_iter().zip(read) {
                texts.insert(key, text);
            }
        }
    }
    texts
}
