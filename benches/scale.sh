#!/usr/bin/env bash
# End-to-end timing of `refrain dedup` on generated corpora of growing size.
#
#   benches/scale.sh [SIZES] [WORKDIR]     (defaults: "10000 100000", /tmp/refrain-scale)
#
# For each size, generates a seeded corpus (English, Chinese, mixed; news
# length), runs `refrain dedup -q` on it three times and prints the median
# wall time, MB/s, documents/s and the peak RSS of the median run.
set -euo pipefail
sizes=${1:-"10000 100000"}
work=${2:-/tmp/refrain-scale}
source "$(dirname "$0")/build.sh"

printf "%10s %10s %10s %10s %12s %10s\n" documents MB seconds MB/s documents/s "RSS MB"
for n in $sizes; do
  corpus="$work/corpus-$n.jsonl"
  [ -f "$corpus" ] || "$generate" "$n" 42 "$corpus"
  bytes=$(stat -c %s "$corpus")
  runs=$(for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" "$refrain" dedup -q -o "$work/decisions-$n.jsonl" "$corpus" 2>&1 >/dev/null | tail -n 1
  done | sort -n)
  median=$(echo "$runs" | sed -n 2p)
  seconds=${median% *}
  rss_kb=${median#* }
  awk -v n="$n" -v b="$bytes" -v s="$seconds" -v r="$rss_kb" 'BEGIN {
    printf "%10d %10.1f %10.2f %10.1f %12.0f %10.0f\n", n, b / 1e6, s, b / 1e6 / s, n / s, r / 1024 }'
done
