#!/usr/bin/env bash
# The Spark job against `refrain dedup`, in Spark's local mode: on a
# generated corpus of 20,000 documents (--keep first), one of 3,000
# (--keep field:date, then as Parquet with --keep longest) and one of
# BOILERPLATE_DOCUMENTS boilerplate-heavy pages of 100-400 paragraphs
# (--keep longest), one of 1,000 wire stories with end markers and one of
# 2,000 stories with shortened and extended reprints (joined by
# containment), the decision lines must be equal, line for line.
# Installs pyspark from PyPI into target/spark-venv, and Java 17 from
# Debian if no java is on PATH.
#
#   spark/test_refrain_spark.sh [DOCUMENTS] [SEED] [BOILERPLATE_DOCUMENTS]
set -euo pipefail
documents=${1:-20000}
seed=${2:-7}
boilerplate_documents=${3:-200}
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/target/spark-venv"
if ! command -v java >/dev/null; then
  apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless
fi
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

make_corpus() {  # DOCUMENTS: corpus.jsonl, with a date on most records
  "$root/target/release/examples/generate_corpus" "$1" "$seed" plain.jsonl
  # Some dates missing, some numbers, for --keep field:date.
  "$venv/bin/python" - plain.jsonl corpus.jsonl <<'PY'
import json, sys
with open(sys.argv[1]) as src, open(sys.argv[2], "w") as out:
    for n, line in enumerate(src):
        record = json.loads(line)
        if n % 7 == 3:
            record["date"] = 20260000 + n % 1000
        elif n % 11 != 5:
            record["date"] = "2026-%02d-%02d" % (1 + n * 7 % 12, 1 + n * 13 % 28)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
PY
}

spark_run() {  # NAME ARGS...: the job's decisions in spark-NAME.jsonl, and its time
  local name=$1 started=$SECONDS
  shift
  PYSPARK_PYTHON="$venv/bin/python" "$venv/bin/spark-submit" --master "local[2]" \
    --conf spark.ui.enabled=false --conf spark.driver.memory=2g \
    "$root/spark/refrain_spark.py" --refrain "$refrain" --output "spark-$name" "$@" \
    > "spark-$name.log" 2>&1 || { tail -40 "spark-$name.log"; exit 1; }
  # spark-submit passes the driver's stderr to its stdout.
  grep '^refrain-spark:' "spark-$name.log"
  echo "refrain-spark: $name: $((SECONDS - started)) s wall, spark-submit included"
  cat "spark-$name"/part-* > "spark-$name.jsonl"
}

check() {  # EXPECTED GOT LABEL [SOURCE]: equal lines (SOURCE: the job's source)
  "$venv/bin/python" - "$@" <<'PY'
import json, sys
expected = [json.loads(l) for l in open(sys.argv[1])]
got = [json.loads(l) for l in open(sys.argv[2])]
assert len(got) == len(expected), "%d decisions, expected %d" % (len(got), len(expected))
if len(sys.argv) > 4:
    for e, g in zip(expected, got):
        assert g["source"] == sys.argv[4], g
        g["source"] = e["source"]
wrong = [(e, g) for e, g in zip(expected, got) if e != g]
for e, g in wrong[:5]:
    print("expected", e, "\n     got", g, file=sys.stderr)
assert not wrong, "%d of %d decisions differ" % (len(wrong), len(expected))
clusters = len({e["cluster"] for e in expected if e["cluster"]})
first_member = {}
for e in expected:
    if e["cluster"]:
        first_member.setdefault(e["cluster"], e["id"])
not_first = sum(1 for e in expected if e["representative"] and first_member[e["cluster"]] != e["id"])
print("%s: spark job equals refrain dedup: %d decisions, %d clusters (%d keep a member other "
      "than the first), %d dropped, %d documents with boilerplate"
      % (sys.argv[3], len(got), clusters, not_first, sum(1 for e in expected if not e["keep"]),
         sum(1 for e in expected if e["boilerplate_paragraphs"])))
PY
}

make_corpus "$documents"
"$refrain" dedup -q -o expected-first.jsonl corpus.jsonl
spark_run first corpus.jsonl
check expected-first.jsonl spark-first.jsonl "--keep first"

make_corpus $((documents < 3000 ? documents : 3000))
"$refrain" dedup -q --keep field:date -o expected-date.jsonl corpus.jsonl
spark_run date --keep field:date corpus.jsonl
check expected-date.jsonl spark-date.jsonl "--keep field:date"

# The same corpus as one Parquet file (row order kept), with --keep longest:
# equal but for `source`, the path given.
"$venv/bin/python" - <<'PY'
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
         .config("spark.ui.showConsoleProgress", "false").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
spark.read.text("corpus.jsonl").selectExpr("get_json_object(value, '$.id') AS id",
    "get_json_object(value, '$.text') AS text").coalesce(1).write.parquet("corpus.parquet")
spark.stop()
PY
"$refrain" dedup -q --keep longest -o expected-longest.jsonl corpus.jsonl
spark_run parquet --format parquet --keep longest corpus.parquet
check expected-longest.jsonl spark-parquet.jsonl "--format parquet --keep longest" corpus.parquet

# Pages whose every paragraph but a few comes from a shared pool of
# notices: the shape that made the verdicts quadratic (issue 15).
"$root/target/release/examples/generate_corpus" --shape boilerplate \
  "$boilerplate_documents" "$seed" pages.jsonl
"$refrain" dedup -q --keep longest -o expected-pages.jsonl pages.jsonl
spark_run pages --keep longest pages.jsonl
check expected-pages.jsonl spark-pages.jsonl "boilerplate-heavy pages, --keep longest"

# Wire stories with datelines, one-word body paragraphs and end markers
# (Reuter, （完）, -30-, ###): short paragraphs judged by where they stand.
"$root/target/release/examples/generate_corpus" --shape wire 1000 "$seed" wire.jsonl
"$refrain" dedup -q -o expected-wire.jsonl wire.jsonl
spark_run wire wire.jsonl
check expected-wire.jsonl spark-wire.jsonl "wire stories with end markers"

# Reprints cut to 40-90% of their paragraphs or extended by one to three:
# joined by containment, the fuller version kept.
"$root/target/release/examples/generate_corpus" --shape reprints 2000 "$seed" reprints.jsonl
"$refrain" dedup -q -o expected-reprints.jsonl reprints.jsonl
spark_run reprints reprints.jsonl
check expected-reprints.jsonl spark-reprints.jsonl "shortened and extended reprints"
