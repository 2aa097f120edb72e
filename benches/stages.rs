//! Per-stage benchmarks on a seeded synthetic corpus: normalization and
//! tokenizing, shingle hashing, MinHash signatures, LSH candidates (next
//! to a brute-force all-pairs baseline), clustering, the on-disk band
//! files of `dedup`, and the whole scan.
//!
//! `cargo bench --bench stages` (add `-- --quick` for a short run).

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use refrain::batch::BandFiles;
use refrain::cluster::near_duplicate_clusters;
use refrain::config::{FingerprintParams, ScanConfig};
use refrain::fingerprint::Fingerprinter;
use refrain::lsh::{LshParams, candidate_pairs};
use refrain::minhash::{MinHasher, Signature};
use refrain::progress::Progress;
use refrain::shingle::{Overlap, ShingleSet, Shingler};
use refrain::synthetic::{CorpusSpec, Language, generate};
use refrain::text::{TokenHasher, normalize, tokenize};

fn corpus_texts(documents: usize) -> Vec<String> {
    texts_of(&CorpusSpec::new(documents, 42))
}

fn texts_of(spec: &CorpusSpec) -> Vec<String> {
    generate(spec)
        .documents
        .into_iter()
        .map(|d| d.text)
        .collect()
}

fn bytes_of(texts: &[String]) -> u64 {
    texts.iter().map(|t| t.len() as u64).sum()
}

fn text_stages(c: &mut Criterion) {
    let texts = corpus_texts(500);
    let mut group = c.benchmark_group("text");
    group.throughput(Throughput::Bytes(bytes_of(&texts)));
    // The reference path the one-pass tokenizer is tested against.
    group.bench_function("normalize+tokenize", |b| {
        b.iter(|| {
            let mut count = 0;
            for text in &texts {
                let normalized = normalize(text);
                let mut tokens = Vec::new();
                tokenize(&normalized, &mut tokens);
                count += tokens.len();
            }
            count
        })
    });
    // What the pipelines run: raw text to token hashes in one pass; on
    // the mixed corpus, and on English alone (long ASCII runs, split a
    // block at a time).
    let token_hasher = TokenHasher::new(1);
    let mut english = CorpusSpec::new(500, 42);
    english.languages = &[Language::English];
    let english_texts = texts_of(&english);
    for (name, corpus) in [
        ("token-hashing", &texts),
        ("token-hashing-english", &english_texts),
    ] {
        group.throughput(Throughput::Bytes(bytes_of(corpus)));
        group.bench_function(name, |b| {
            let mut hashes = Vec::new();
            b.iter(|| {
                corpus
                    .iter()
                    .map(|text| {
                        hashes.clear();
                        token_hasher.hash_tokens(text, &mut hashes);
                        hashes.len()
                    })
                    .sum::<usize>()
            })
        });
    }
    group.throughput(Throughput::Bytes(bytes_of(&texts)));
    let token_lists: Vec<Vec<String>> = texts
        .iter()
        .map(|t| {
            let normalized = normalize(t);
            let mut tokens = Vec::new();
            tokenize(&normalized, &mut tokens);
            tokens.into_iter().map(str::to_owned).collect()
        })
        .collect();
    let shingler = Shingler::new(5, 1);
    group.bench_function("shingle-hashing", |b| {
        b.iter(|| {
            token_lists
                .iter()
                .map(|tokens| {
                    shingler
                        .shingles(&tokens.iter().map(String::as_str).collect::<Vec<_>>())
                        .len()
                })
                .sum::<usize>()
        })
    });
    let token_hash_lists: Vec<Vec<u64>> = texts
        .iter()
        .map(|t| {
            let mut hashes = Vec::new();
            TokenHasher::new(1).hash_tokens(t, &mut hashes);
            hashes
        })
        .collect();
    group.bench_function("window-hashing", |b| {
        b.iter(|| {
            token_hash_lists
                .iter()
                .map(|hashes| shingler.window_hashes(hashes).len())
                .sum::<usize>()
        })
    });
    let sets: Vec<ShingleSet> = token_lists
        .iter()
        .map(|tokens| shingler.shingles(&tokens.iter().map(String::as_str).collect::<Vec<_>>()))
        .collect();
    let hasher = MinHasher::new(128, 1);
    group.bench_function("minhash-128", |b| {
        b.iter(|| {
            sets.iter()
                .map(|s| hasher.signature(s).slots()[0])
                .sum::<u32>()
        })
    });
    let fingerprinter = Fingerprinter::new(&FingerprintParams::default());
    group.bench_function("fingerprint-document", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| fingerprinter.document(t).paragraphs.len())
                .sum::<usize>()
        })
    });
    group.finish();
}

fn index_stages(c: &mut Criterion) {
    let texts = corpus_texts(2000);
    let fingerprinter = Fingerprinter::new(&FingerprintParams::default());
    let hasher = fingerprinter.hasher().clone();
    let sets: Vec<ShingleSet> = texts
        .iter()
        .map(|t| {
            ShingleSet::union_of(
                fingerprinter
                    .document(t)
                    .paragraphs
                    .iter()
                    .map(|p| &p.shingles),
            )
        })
        .collect();
    let signatures: Vec<Signature> = sets.iter().map(|s| hasher.signature(s)).collect();
    let set_refs: Vec<&ShingleSet> = sets.iter().collect();
    let sig_refs: Vec<&Signature> = signatures.iter().collect();
    let params = LshParams::for_threshold(0.8, 128);

    let mut group = c.benchmark_group("index");
    group.throughput(Throughput::Elements(sets.len() as u64));
    group.bench_function(BenchmarkId::new("lsh-candidates", sets.len()), |b| {
        b.iter(|| candidate_pairs(&sig_refs, &params).len())
    });
    // The baseline every index must beat: exact Jaccard of all pairs, on a
    // subset small enough to finish, next to LSH on the same subset.
    let subset = 400;
    group.bench_function(BenchmarkId::new("brute-force-all-pairs", subset), |b| {
        b.iter(|| {
            let mut similar = 0;
            for i in 0..subset {
                for j in i + 1..subset {
                    if Overlap::between(&sets[i], &sets[j]).jaccard() >= 0.8 {
                        similar += 1;
                    }
                }
            }
            similar
        })
    });
    group.bench_function(BenchmarkId::new("lsh-candidates", subset), |b| {
        b.iter(|| candidate_pairs(&sig_refs[..subset], &params).len())
    });
    // Building the sets clustering compares: a document's paragraphs'
    // shingle hashes, as the store gives them back, sorted and distinct.
    let unsorted: Vec<Vec<u32>> = sets
        .iter()
        .map(|set| {
            // In no particular order, as window hashes come.
            let mut hashes = set.hashes().to_vec();
            hashes.sort_by_key(|&h| h.wrapping_mul(0x9e37_79b9).rotate_left(7));
            hashes
        })
        .collect();
    group.bench_function(BenchmarkId::new("set-building", sets.len()), |b| {
        b.iter(|| {
            unsorted
                .iter()
                .map(|hashes| ShingleSet::from_hashes(hashes.clone()).len())
                .sum::<usize>()
        })
    });
    group.bench_function(BenchmarkId::new("cluster", sets.len()), |b| {
        b.iter(|| {
            near_duplicate_clusters(&set_refs, &sig_refs, &params, 0.8)
                .0
                .len()
        })
    });
    group.finish();
}

/// `dedup`'s candidate pairs from band files the size of a million-document
/// run's (about 6 million paragraph forms a band): reading a band back and
/// sifting out its keys that occur once, bound by memory latency.
fn band_file_stages(c: &mut Criterion) {
    let items = 6_000_000u64;
    let params = LshParams { bands: 2, rows: 1 };
    // Distinct keys but every 50th item, which repeats the one before.
    let mix = |x: u64| {
        let x = (x ^ (x >> 31)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        x ^ (x >> 29)
    };
    let keys: Vec<[u64; 2]> = (0..items)
        .map(|i| {
            let base = if i % 50 == 1 { i - 1 } else { i };
            [mix(base), mix(base | 1 << 40)]
        })
        .collect();
    let keys: Vec<&[u64]> = keys.iter().map(|k| k.as_slice()).collect();
    let mut group = c.benchmark_group("band-files");
    group.sample_size(10);
    group.throughput(Throughput::Elements(items * params.bands as u64));
    group.bench_function(BenchmarkId::new("candidate-pairs", items), |b| {
        b.iter_batched(
            || {
                let mut files = BandFiles::new_in(None, params).expect("temp files");
                files.push_all(&keys).expect("written");
                files
            },
            |files| files.candidate_pairs(&Some).expect("read back").len(),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn whole_scan(c: &mut Criterion) {
    let corpus = generate(&CorpusSpec::new(2000, 7));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("corpus.jsonl");
    std::fs::write(&path, corpus.to_jsonl()).expect("write corpus");
    let bytes: u64 = corpus.documents.iter().map(|d| d.text.len() as u64).sum();
    let config = ScanConfig::new(vec![path]);
    let mut group = c.benchmark_group("scan");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("scan-2000-docs", |b| {
        b.iter(|| {
            refrain::batch::scan(&config, &Default::default(), &Progress::hidden())
                .map(|r| r.passage_clusters.len())
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    text_stages,
    index_stages,
    band_file_stages,
    whole_scan
);
criterion_main!(benches);
