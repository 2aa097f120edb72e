#!/usr/bin/env bash
# Side-by-side with datasketch and rensa (installed from PyPI into a local
# virtual environment) on one generated corpus: wall time as a ratio to
# refrain's, and pair precision and recall against the planted truth.
#
#   benches/peers.sh [DOCS] [WORKDIR]      (defaults: 10000, /tmp/refrain-peers)
set -euo pipefail
docs=${1:-10000}
work=${2:-/tmp/refrain-peers}
source "$(dirname "$0")/build.sh"
[ -x "$work/venv/bin/python" ] || python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet datasketch rensa
corpus="$work/corpus-$docs.jsonl"
truth="$work/truth-$docs.json"
[ -f "$corpus" ] || "$generate" "$docs" 2026 "$corpus" "$truth"
start=$(date +%s.%N)
"$refrain" dedup -q -o "$work/decisions.jsonl" "$corpus"
seconds=$(echo "$(date +%s.%N) - $start" | bc)
"$work/venv/bin/python" benches/peers.py "$corpus" "$truth" "$work/decisions.jsonl" "$seconds"
