//! Renderings of a [`CheckReport`]: compiler-style lines, GitHub Actions
//! workflow commands, and SARIF 2.1.0.

use serde_json::{Value, json};

use crate::check::{CheckReport, CheckedDocument, Finding, FindingKind};

const KINDS: [FindingKind; 4] = [
    FindingKind::NearDuplicate,
    FindingKind::Containment,
    FindingKind::Repeated,
    FindingKind::Boilerplate,
];

fn level(report: &CheckReport, finding: &Finding) -> &'static str {
    if report.fail_on.contains(&finding.kind) {
        "error"
    } else {
        "warning"
    }
}

/// The file to point at: the source, with the record line for JSONL.
fn location(doc: &CheckedDocument) -> &str {
    &doc.source
}

fn finding_line(doc: &CheckedDocument, finding: &Finding) -> u64 {
    match doc.source_line {
        // A JSONL record: point at its line in the file.
        Some(record) => record,
        None => u64::from(finding.line),
    }
}

/// `path:line: error[near-duplicate]: message` lines and a last summary.
pub fn human(report: &CheckReport) -> String {
    let mut out = String::new();
    let mut count = 0;
    for doc in &report.documents {
        for finding in &doc.findings {
            count += 1;
            let name = if doc.source_line.is_some() {
                format!(" ({})", doc.doc)
            } else {
                String::new()
            };
            out.push_str(&format!(
                "{}:{}: {}[{}]{name}: {}\n",
                location(doc),
                finding_line(doc, finding),
                level(report, finding),
                finding.kind.name(),
                finding.message
            ));
        }
    }
    out.push_str(&format!(
        "{} document(s) checked, {count} finding(s)\n",
        report.documents.len()
    ));
    out
}

/// GitHub Actions annotations (`::error file=...,line=...::message`).
pub fn github(report: &CheckReport) -> String {
    let mut out = String::new();
    for doc in &report.documents {
        for finding in &doc.findings {
            out.push_str(&format!(
                "::{} file={},line={},endLine={},title={}::{}\n",
                level(report, finding),
                escape_property(location(doc)),
                finding_line(doc, finding),
                doc.source_line.unwrap_or(u64::from(finding.end_line)),
                escape_property(&format!("refrain {}", finding.kind.name())),
                escape_data(&finding.message)
            ));
        }
    }
    out
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn rule_description(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::NearDuplicate => "The document is a near-duplicate of an archived document.",
        FindingKind::Containment => {
            "Most of the document is inside an archived one, the reverse, or a block of paragraphs was copied."
        }
        FindingKind::Repeated => "A passage is printed more than once in the document.",
        FindingKind::Boilerplate => "A closing passage the archive holds in many documents.",
    }
}

/// SARIF 2.1.0 log.
pub fn sarif(report: &CheckReport) -> String {
    let rules: Vec<Value> = KINDS
        .iter()
        .map(|&kind| {
            json!({
                "id": kind.name(),
                "shortDescription": { "text": rule_description(kind) },
                "defaultConfiguration": { "level": if report.fail_on.contains(&kind) { "error" } else { "warning" } },
            })
        })
        .collect();
    let mut results = Vec::new();
    for doc in &report.documents {
        for finding in &doc.findings {
            let line = finding_line(doc, finding);
            let end_line = doc
                .source_line
                .unwrap_or(u64::from(finding.end_line))
                .max(line);
            let mut result = json!({
                "ruleId": finding.kind.name(),
                "ruleIndex": KINDS.iter().position(|&k| k == finding.kind).unwrap_or(0),
                "level": level(report, finding),
                "message": { "text": finding.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(location(doc)) },
                        "region": { "startLine": line, "endLine": end_line }
                    }
                }],
            });
            if let Some(archived) = &finding.archived {
                let related: Vec<Value> = finding
                    .aligned
                    .iter()
                    .enumerate()
                    .map(|(i, alignment)| {
                        let start = archived.source_line.unwrap_or(u64::from(alignment.archived.lines[0]));
                        let end = archived.source_line.unwrap_or(u64::from(alignment.archived.lines[1])).max(start);
                        json!({
                            "id": i,
                            "message": { "text": format!("shared passage in archived {}", archived.doc) },
                            "physicalLocation": {
                                "artifactLocation": { "uri": uri(&archived.source) },
                                "region": { "startLine": start, "endLine": end }
                            }
                        })
                    })
                    .collect();
                if !related.is_empty() {
                    result["relatedLocations"] = Value::Array(related);
                }
            }
            results.push(result);
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "refrain",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }]
    });
    let mut text = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    text.push('\n');
    text
}

/// A relative URI reference for a path (percent-encoding what URIs forbid).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping() {
        assert_eq!(escape_data("50%\nnext"), "50%25%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("drafts/my story,1.txt"), "drafts/my%20story%2C1.txt");
        assert_eq!(uri("新闻.txt"), "%E6%96%B0%E9%97%BB.txt");
    }
}
