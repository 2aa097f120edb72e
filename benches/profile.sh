#!/usr/bin/env bash
# Where `refrain dedup` spends its CPU: `perf record` of one run on a
# generated news corpus, then the functions at 1% or more of the samples
# (self time, all threads), which docs/performance.md quotes.
#
#   benches/profile.sh [DOCS] [WORKDIR] [COMMAND]
#
# Defaults: 1000000, /tmp/refrain-engine, dedup (or scan, index-add).
# Needs `perf` (Debian: linux-perf) and a kernel that lets it sample
# (`sysctl kernel.perf_event_paranoid=1` or lower).
set -euo pipefail
docs=${1:-1000000}
work=${2:-/tmp/refrain-engine}
command=${3:-dedup}
source "$(dirname "$0")/build.sh"

corpus="$work/news-$docs.jsonl"
[ -f "$corpus" ] || "$generate" "$docs" 42 "$corpus"
case $command in
  dedup) args=(dedup -q -o "$work/decisions.jsonl" --temp-dir "$work" "$corpus") ;;
  scan) args=(scan -q -o "$work/report.json" --temp-dir "$work" "$corpus") ;;
  index-add) rm -f "$work/index.db"*; args=(index add -q --index "$work/index.db" "$corpus") ;;
  *) echo "COMMAND is dedup, scan or index-add" >&2; exit 2 ;;
esac
perf record -q -F 999 -g -o "$work/perf.data" "$refrain" "${args[@]}" >/dev/null
perf report -i "$work/perf.data" --no-children --percent-limit 1 --stdio \
  --sort symbol 2>/dev/null | grep -E '^ +[0-9.]+%' | head -40
