#!/usr/bin/env bash
# The Spark job against `refrain dedup`: on a generated corpus (20,000
# documents by default), in Spark's local mode, the decision lines must be
# equal, line for line. Installs pyspark from PyPI into target/spark-venv
# (Java 17 must be on PATH).
#
#   spark/test_refrain_spark.sh [DOCUMENTS] [SEED]
set -euo pipefail
documents=${1:-20000}
seed=${2:-7}
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/target/spark-venv"
if ! "$venv/bin/python" -c "import pyspark" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pyspark==3.5.3"
fi
cd "$root"
cargo build --release --quiet --bin refrain --example generate_corpus
refrain="$root/target/release/refrain"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$root/target/release/examples/generate_corpus" "$documents" "$seed" corpus.jsonl

compare() {  # POLICY
  "$refrain" dedup -q --keep "$1" -o "expected-$1.jsonl" corpus.jsonl
  PYSPARK_PYTHON="$venv/bin/python" "$venv/bin/spark-submit" --master "local[2]" \
    --conf spark.ui.enabled=false --conf spark.driver.memory=2g \
    "$root/spark/refrain_spark.py" --refrain "$refrain" --keep "$1" \
    --output "spark-$1" corpus.jsonl 2> "spark-$1.log" || { tail -40 "spark-$1.log"; exit 1; }
  grep '^refrain-spark:' "spark-$1.log" >&2
  cat "spark-$1"/part-* > "spark-$1.jsonl"
  "$venv/bin/python" - "expected-$1.jsonl" "spark-$1.jsonl" <<'PY'
import json, sys
expected = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
assert len(got) == len(expected), "%d decisions, expected %d" % (len(got), len(expected))
wrong = [(e, g) for e, g in zip(expected, got) if e != g]
for e, g in wrong[:5]:
    print("expected", e, "\n     got", g, file=sys.stderr)
assert not wrong, "%d of %d decisions differ" % (len(wrong), len(expected))
clusters = len({e["cluster"] for e in expected if e["cluster"]})
dropped = sum(1 for e in expected if not e["keep"])
boilerplate = sum(1 for e in expected if e["boilerplate_paragraphs"])
print("spark job equals refrain dedup: %d decisions, %d clusters, %d dropped, "
      "%d documents with boilerplate" % (len(got), clusters, dropped, boilerplate))
PY
}
compare first
compare longest
