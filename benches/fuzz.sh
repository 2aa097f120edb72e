#!/usr/bin/env bash
# Fuzzes each reader for a while with cargo fuzz (libFuzzer, nightly), then
# minimizes its corpus in place: the corpora in fuzz/corpus/ are replayed
# by `cargo test` (tests/fuzz_regressions.rs), so commit them after a run.
# A crash is left in fuzz/artifacts/TARGET/; once fixed, copy it into
# fuzz/regressions/TARGET/ so the test suite keeps it.
#
#   benches/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     # default 120 s, all five
#
# Not run in CI: it needs the nightly toolchain and minutes per target.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(text_reader jsonl_reader gzip_reader zstd_reader paragraphs)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
[ -d fuzz/corpus/text_reader ] || benches/fuzz-seeds.sh

status=0
for target in "${targets[@]}"; do
    before=$(ls fuzz/corpus/"$target" | wc -l)
    log=$(mktemp)
    if cargo +nightly fuzz run "$target" fuzz/corpus/"$target" -- \
        -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        >"$log" 2>&1; then
        outcome=ok
    else
        outcome="FAILED (see fuzz/artifacts/$target/ and $log)"
        status=1
    fi
    runs=$(grep -o 'Done [0-9]* runs' "$log" | tail -1 || true)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    cargo +nightly fuzz cmin "$target" fuzz/corpus/"$target" >/dev/null 2>&1 || true
    after=$(ls fuzz/corpus/"$target" | wc -l)
    echo "$target: $outcome; ${runs:-no summary}, ${cov:-}; corpus $before -> $after inputs"
done
exit $status
