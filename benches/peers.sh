#!/usr/bin/env bash
# Side-by-side with datasketch, rensa and gaoya (installed from PyPI into a
# local virtual environment) on one generated corpus, like for like: the
# same LSH layout for every tool, pairs counted through clusters for every
# tool, threads stated, medians of repeated runs (see benches/peers.py).
#
#   benches/peers.sh [DOCS] [WORKDIR] [BANDS ROWS] [RUNS]
#       defaults: 10000 /tmp/refrain-peers 16 8 3
set -euo pipefail
docs=${1:-10000}
work=${2:-/tmp/refrain-peers}
bands=${3:-16}
rows=${4:-8}
runs=${5:-3}
source "$(dirname "$0")/build.sh"
[ -x "$work/venv/bin/python" ] || python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet datasketch==2.0.0 rensa==0.5.0 gaoya==0.2.2
corpus="$work/corpus-$docs.jsonl"
truth="$work/truth-$docs.json"
[ -f "$corpus" ] || "$generate" "$docs" 2026 "$corpus" "$truth"

# Median wall time of $runs runs of refrain dedup with the given flags.
refrain_median() {
    local out=$1
    shift
    local times=()
    for _ in $(seq "$runs"); do
        local start
        start=$(date +%s.%N)
        "$refrain" dedup -q -o "$out" "$@" "$corpus"
        times+=("$(echo "$(date +%s.%N) - $start" | bc)")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
same=(--bands "$bands" --rows "$rows")
t1=$(refrain_median "$work/d-same-1.jsonl" "${same[@]}" --threads 1)
t2=$(refrain_median "$work/d-same-2.jsonl" "${same[@]}" --threads 2)
tdefault=$(refrain_median "$work/d-default.jsonl" --threads 2)
"$work/venv/bin/python" benches/peers.py "$corpus" "$truth" "$bands" "$rows" "$runs" \
    "refrain dedup (same layout)" 1 "$t1" "$work/d-same-1.jsonl" \
    "refrain dedup (same layout)" 2 "$t2" "$work/d-same-2.jsonl" \
    "refrain dedup (its default, 21 x 6)" 2 "$tdefault" "$work/d-default.jsonl"
