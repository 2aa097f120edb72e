#!/usr/bin/env bash
# Per-article `refrain check` latency against an index of generated
# documents, the index opened once per run.
#
#   benches/check_latency.sh [DOCS] [WORKDIR]      (defaults: 1000000, /tmp/refrain-bench)
#
# Builds the release binary, generates DOCS news-length documents in parts
# of 100,000 (seeded; English, Chinese, mixed), adds each part to
# WORKDIR/index.db (skipped when the index already holds DOCS documents),
# then checks 200 articles (100 copies of indexed documents under new ids,
# 100 unseen documents) in one run, and one article in another run. Each
# run is repeated 5 times; the per-article latency is
# (median T200 - median T1) / 199, so process start and index opening are
# not counted.
set -euo pipefail
docs=${1:-1000000}
work=${2:-/tmp/refrain-bench}
source "$(dirname "$0")/build.sh"

part_docs=100000
parts=$(( (docs + part_docs - 1) / part_docs ))
indexed=0
if [ -f "$work/index.db" ]; then
  indexed=$("$refrain" index stats --index "$work/index.db" | sed -n 's/.*"documents": \([0-9]*\).*/\1/p')
fi
if [ "$indexed" != "$docs" ]; then
  for i in $(seq 1 "$parts"); do
    n=$(( i < parts ? part_docs : docs - part_docs * (parts - 1) ))
    [ -f "$work/part$i.jsonl" ] || "$generate" "$n" $((1000 + i)) "$work/part$i.jsonl" - "p$i"
    start=$(date +%s.%N)
    "$refrain" index add -q --index "$work/index.db" "$work/part$i.jsonl" > /dev/null
    echo "added part $i ($n documents) in $(echo "$(date +%s.%N) - $start" | bc) s" >&2
  done
fi
"$refrain" index stats --index "$work/index.db" >&2

# Submissions: 100 indexed documents under new ids, 100 unseen ones.
head -n 100 "$work/part1.jsonl" | sed 's/"id":"p1-/"id":"copy-/' > "$work/submissions.jsonl"
"$generate" 100 9999 "$work/unseen.jsonl"
sed 's/"id":"doc-/"id":"unseen-/' "$work/unseen.jsonl" >> "$work/submissions.jsonl"
head -n 1 "$work/submissions.jsonl" > "$work/one.jsonl"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
time_run() {
  for _ in 1 2 3 4 5; do
    start=$(date +%s%N)
    "$refrain" check -q --index "$work/index.db" --fail-on none --json "$1" > "$work/last.json"
    echo $(( ($(date +%s%N) - start) / 1000000 ))
  done | median
}
t1=$(time_run "$work/one.jsonl")
t200=$(time_run "$work/submissions.jsonl")
echo "index: $docs documents, $(du -h "$work/index.db" | cut -f1)"
echo "median wall time: 1 article ${t1} ms, 200 articles ${t200} ms (5 runs each)"
echo "per-article latency: $(echo "scale=2; ($t200 - $t1) / 199" | bc) ms"
python3 - "$work/last.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
matched = unseen = 0
for doc in report["documents"]:
    if doc["doc"].startswith("copy-"):
        original = "p1-" + doc["doc"][len("copy-"):]
        matched += any(f["kind"] == "near-duplicate" and f["archived"]["doc"] == original for f in doc["findings"])
    else:
        unseen += sum(f["kind"] in ("near-duplicate", "containment") for f in doc["findings"])
print(f"copies matched to their original: {matched}/100; matches reported for unseen documents: {unseen}")
PY
