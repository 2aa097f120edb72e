#!/usr/bin/env bash
# How the document-level --containment value was chosen: precision and
# recall of document pairs against the planted families, for each value,
# on the reprints shape (shortened and extended reprints, with stories
# quoting one or two paragraphs of another as hard negatives) and on the
# news shape (edited reprints, shared footers, pasted closings).
#
#   benches/containment_sweep.sh [DOCS] [SEED] [VALUES]
#   defaults: 3000 7 "off 0.6 0.7 0.8 0.9 0.95"
set -euo pipefail
cd "$(dirname "$0")/.."
docs=${1:-3000}
seed=${2:-7}
values=${3:-"off 0.6 0.7 0.8 0.9 0.95"}
cargo build --release --quiet --bin refrain --example generate_corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "| shape | --containment | reported pairs | right | precision | recall of planted pairs |"
echo "|---|---|---|---|---|---|"
for shape in reprints news; do
  target/release/examples/generate_corpus --shape "$shape" "$docs" "$seed" \
    "$work/$shape.jsonl" "$work/$shape.truth.json" >/dev/null
  for value in $values; do
    target/release/refrain scan --quiet --containment "$value" \
      -o "$work/$shape.$value.json" "$work/$shape.jsonl" >/dev/null
    python3 - "$work/$shape.jsonl" "$work/$shape.truth.json" "$work/$shape.$value.json" \
      "$shape" "$value" <<'PY'
import itertools, json, sys
corpus, truth, report, shape, value = sys.argv[1:]
index = {json.loads(line)["id"]: i for i, line in enumerate(open(corpus))}
pairs = lambda members: {tuple(sorted(p)) for p in itertools.combinations(members, 2)}
planted = set().union(*(pairs(f) for f in json.load(open(truth))["families"]))
reported = set()
for cluster in json.load(open(report))["document_clusters"]:
    reported |= pairs([index[m["doc"]] for m in cluster["members"]])
right = len(reported & planted)
print(f"| {shape} | {value} | {len(reported)} | {right} | "
      f"{right / max(len(reported), 1):.4f} | {right / len(planted):.4f} |")
PY
  done
done
