#!/usr/bin/env bash
# The one engine at scale: `dedup`, `scan --json -o` and `index add` on one
# generated news corpus, interleaved, RUNS times each.
#
#   benches/engine.sh [DOCS] [WORKDIR] [RUNS] [COMMANDS]
#
# Defaults: 1000000, /tmp/refrain-engine, 3, "dedup scan index-add".
#
# Prints per command the median wall time, MB/s and the peak RSS of the
# median run, and scan's and index add's MB/s as a share of dedup's.
set -euo pipefail
docs=${1:-1000000}
work=${2:-/tmp/refrain-engine}
runs=${3:-3}
commands=${4:-"dedup scan index-add"}
source "$(dirname "$0")/build.sh"

mkdir -p "$work"
corpus="$work/news-$docs.jsonl"
[ -f "$corpus" ] || "$generate" "$docs" 42 "$corpus"
bytes=$(stat -c %s "$corpus")

run() { # NAME COMMAND...: one timed run, "NAME SECONDS KB" on stdout
  local name=$1
  shift
  rm -f "$work/index.db" "$work/index.db-wal" "$work/index.db-shm"
  /usr/bin/time -f "$name %e %M" "$@" 2>&1 >/dev/null | tail -n 1
}

results=$(for _ in $(seq "$runs"); do
  for name in $commands; do
    case $name in
      dedup) run dedup "$refrain" dedup -q -o "$work/decisions.jsonl" --temp-dir "$work" "$corpus" ;;
      scan) run scan "$refrain" scan -q -o "$work/report.json" --temp-dir "$work" "$corpus" ;;
      index-add) run index-add "$refrain" index add -q --index "$work/index.db" "$corpus" ;;
    esac
  done
done)

printf "%-10s %10s %10s %10s %10s %14s\n" command documents seconds MB/s "RSS MB" "of dedup MB/s"
dedup_seconds=$(echo "$results" | awk '$1 == "dedup" { print $2 }' | sort -n | sed -n "$(((runs + 1) / 2))p")
for name in $commands; do
  median=$(echo "$results" | awk -v n="$name" '$1 == n { print $2, $3 }' | sort -n | sed -n "$(((runs + 1) / 2))p")
  seconds=${median% *}
  rss_kb=${median#* }
  awk -v name="$name" -v n="$docs" -v b="$bytes" -v s="$seconds" -v r="$rss_kb" -v d="$dedup_seconds" 'BEGIN {
    printf "%-10s %10d %10.2f %10.1f %10.0f %14.2f\n", name, n, s, b / 1e6 / s, r / 1024, d / s }'
done
