//! Writes a seeded synthetic corpus as JSONL, and its ground truth as JSON,
//! for benchmarks and quality measurements.
//!
//! ```text
//! cargo run --release --example generate_corpus -- DOCS SEED OUT.jsonl [TRUTH.json] [ID_PREFIX]
//! ```
//!
//! Ids are `doc-000042`, or `ID_PREFIX-000042` with a prefix (so that
//! corpora generated in parts have distinct ids).

use std::io::Write;

use refrain::synthetic::{CorpusSpec, generate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        return Err("usage: generate_corpus DOCS SEED OUT.jsonl [TRUTH.json|-] [ID_PREFIX]".into());
    }
    let documents: usize = args[1].parse()?;
    let seed: u64 = args[2].parse()?;
    let mut corpus = generate(&CorpusSpec::new(documents, seed));
    if let Some(prefix) = args.get(5) {
        for doc in &mut corpus.documents {
            doc.id = doc.id.replacen("doc", prefix, 1);
        }
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[3])?);
    out.write_all(corpus.to_jsonl().as_bytes())?;
    out.flush()?;
    if let Some(truth_path) = args.get(4).filter(|p| !p.is_empty() && p.as_str() != "-") {
        let truth = &corpus.truth;
        let json = serde_json::json!({
            "families": truth.families,
            "footers": truth.footers,
            "pasted": truth.pasted,
        });
        std::fs::write(truth_path, serde_json::to_string(&json)?)?;
    }
    Ok(())
}
