//! Writes a seeded synthetic corpus as JSONL, and its ground truth as JSON,
//! for benchmarks and quality measurements.
//!
//! ```text
//! cargo run --release --example generate_corpus -- [OPTIONS] DOCS SEED OUT.jsonl [TRUTH.json|-] [ID_PREFIX]
//!
//!   --shape news         news stories with planted reprints, footers, pastes (default)
//!   --shape long         DOCS long documents, each stored 2-5 times (some edited), 50 short stories
//!   --shape boilerplate  DOCS documents of 100-400 paragraphs, mostly from a shared pool
//!   --shape wire         DOCS wire stories with datelines and end markers (Reuter, （完）, -30-)
//!   --paragraphs N       long shape: every document has N paragraphs
//!   --copies K           long shape: every document is stored K times, unedited
//! ```
//!
//! Ids are `doc-000042`, or `ID_PREFIX-000042` with a prefix (so that
//! corpora generated in parts have distinct ids). Every shape is written
//! as it is made, in bounded memory (10 M news documents in about 400 MB).

use std::io::Write;

use refrain::synthetic::{
    BoilerplateSpec, GroundTruth, LongSpec, SyntheticDocument, generate_boilerplate_heavy,
    generate_long, generate_news, generate_reprints, generate_wire,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut shape = String::from("news");
    let mut paragraphs: Option<usize> = None;
    let mut copies: Option<usize> = None;
    let mut args = Vec::new();
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        match arg.as_str() {
            "--shape" => shape = given.next().ok_or("--shape needs a value")?,
            "--paragraphs" => paragraphs = Some(given.next().ok_or("--paragraphs N")?.parse()?),
            "--copies" => copies = Some(given.next().ok_or("--copies K")?.parse()?),
            _ => args.push(arg),
        }
    }
    if args.len() < 3 {
        return Err(
            "usage: generate_corpus [--shape news|long|boilerplate|wire|reprints] [--paragraphs N] [--copies K] \
             DOCS SEED OUT.jsonl [TRUTH.json|-] [ID_PREFIX]"
                .into(),
        );
    }
    let documents: usize = args[0].parse()?;
    let seed: u64 = args[1].parse()?;
    let prefix = args.get(4).cloned();
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[2])?);
    let mut failure: Option<std::io::Error> = None;
    let mut write = |mut doc: SyntheticDocument| {
        if let Some(prefix) = &prefix {
            doc.id = doc.id.replacen("doc", prefix, 1);
        }
        let line = serde_json::json!({ "id": doc.id, "text": doc.text });
        if let Err(error) = writeln!(out, "{line}")
            && failure.is_none()
        {
            failure = Some(error);
        }
    };
    let truth: GroundTruth = match shape.as_str() {
        "news" => generate_news(
            &refrain::synthetic::CorpusSpec::new(documents, seed),
            &mut write,
        ),
        "long" => {
            let mut spec = LongSpec::new(documents, seed);
            if let Some(n) = paragraphs {
                spec.paragraphs = (n, n);
            }
            if let Some(k) = copies {
                spec.copies = (k, k);
                spec.edited_share = 0.0;
            }
            generate_long(&spec, &mut write)
        }
        "boilerplate" => {
            generate_boilerplate_heavy(&BoilerplateSpec::new(documents, seed), &mut write)
        }
        "wire" => generate_wire(documents, seed, &mut write),
        "reprints" => generate_reprints(documents, seed, &mut write),
        other => {
            return Err(format!(
                "unknown shape {other:?}: news, long, boilerplate, wire or reprints"
            )
            .into());
        }
    };
    if let Some(error) = failure {
        return Err(error.into());
    }
    out.flush()?;
    if let Some(truth_path) = args.get(3).filter(|p| !p.is_empty() && p.as_str() != "-") {
        let json = serde_json::json!({
            "families": truth.families,
            "footers": truth.footers,
            "pasted": truth.pasted,
        });
        std::fs::write(truth_path, serde_json::to_string(&json)?)?;
    }
    Ok(())
}
