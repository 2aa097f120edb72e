//! Replays the corpora the fuzz targets found (`fuzz/corpus/TARGET/`, kept
//! by `benches/fuzz.sh`) and the inputs that once broke a reader
//! (`fuzz/regressions/TARGET/`) through the same bodies as the targets.

#[path = "../fuzz/harness.rs"]
mod harness;

use crate::util::repo_path;

fn replay(target: &str, body: fn(&[u8])) {
    harness::warm_up();
    let mut replayed = 0;
    for kind in ["corpus", "regressions"] {
        let dir = repo_path(&format!("fuzz/{kind}/{target}"));
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "{target} fails on {}", path.display());
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no corpus for {target}");
}

#[test]
fn text_reader_corpus() {
    replay("text_reader", harness::text_reader);
}

#[test]
fn jsonl_reader_corpus() {
    replay("jsonl_reader", harness::jsonl_reader);
}

#[test]
fn gzip_reader_corpus() {
    replay("gzip_reader", harness::gzip_reader);
}

#[test]
fn zstd_reader_corpus() {
    replay("zstd_reader", harness::zstd_reader);
}

#[test]
fn paragraphs_corpus() {
    replay("paragraphs", harness::paragraphs);
}
