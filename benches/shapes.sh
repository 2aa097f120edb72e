#!/usr/bin/env bash
# `refrain dedup` and `refrain scan` on the three generated corpus shapes,
# in one run, so their MB/s can be set side by side:
#   news         stories with planted reprints, footers and pastes
#   long         four copies of one document of N paragraphs (and 50 short
#                stories): issue 15's reproduction of reprinted books
#   boilerplate  documents of 100-400 paragraphs, 85% drawn from a pool of
#                3,000 notices that vary in a year or a name
#
#   benches/shapes.sh [LONG_SIZES] [BOILERPLATE_SIZES] [WORKDIR]
#     defaults: "2500 5000 10000 20000 50000", "1000 2000 4000", /tmp/refrain-shapes
#
# Each row is the median of three runs (wall seconds, peak RSS of that
# run); the news row beside each is a news corpus of about the same bytes.
set -euo pipefail
long_sizes=${1:-"2500 5000 10000 20000 50000"}
boilerplate_sizes=${2:-"1000 2000 4000"}
work=${3:-/tmp/refrain-shapes}
source "$(dirname "$0")/build.sh"

# median_of_three COMMAND...: prints "seconds rss_kb" of the median run.
median_of_three() {
  for _ in 1 2 3; do
    /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1
  done | sort -n | sed -n 2p
}

row() { # shape size corpus
  local shape=$1 size=$2 corpus=$3 bytes dedup scan
  bytes=$(stat -c %s "$corpus")
  dedup=$(median_of_three "$refrain" dedup -q -o "$work/decisions.jsonl" "$corpus")
  scan=$(median_of_three "$refrain" scan -q --json "$corpus")
  awk -v shape="$shape" -v n="$size" -v b="$bytes" -v d="$dedup" -v s="$scan" 'BEGIN {
    split(d, dd, " "); split(s, ss, " ");
    printf "%-12s %8s %8.1f %8.2f %8.1f %8.0f %8.2f %8.1f %8.0f\n", shape, n, b / 1e6,
      dd[1], b / 1e6 / dd[1], dd[2] / 1024, ss[1], b / 1e6 / ss[1], ss[2] / 1024 }'
}

news_like() { # bytes: a news corpus of about that size (2.64 kB a story)
  local docs=$(( $1 / 2640 + 1 )) corpus
  corpus="$work/news-$docs.jsonl"
  [ -f "$corpus" ] || "$generate" "$docs" 42 "$corpus"
  row news "$docs" "$corpus"
}

printf "%-12s %8s %8s %8s %8s %8s %8s %8s %8s\n" shape size MB "dedup s" "MB/s" "RSS MB" "scan s" "MB/s" "RSS MB"
for n in $long_sizes; do
  corpus="$work/long-$n.jsonl"
  [ -f "$corpus" ] || "$generate" --shape long --paragraphs "$n" --copies 4 1 7 "$corpus"
  row long "$n" "$corpus"
  news_like "$(stat -c %s "$corpus")"
done
for n in $boilerplate_sizes; do
  corpus="$work/boilerplate-$n.jsonl"
  [ -f "$corpus" ] || "$generate" --shape boilerplate "$n" 7 "$corpus"
  row boilerplate "$n" "$corpus"
  news_like "$(stat -c %s "$corpus")"
done
