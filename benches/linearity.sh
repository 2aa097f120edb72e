#!/usr/bin/env bash
# Is `dedup` linear in documents? Times a small and a large generated news
# corpus in one sitting, the small one run around each large run (two
# before, two after), and prints time and peak memory per document, large
# against small, at the medians: the measurement behind the README's ten
# million paragraph. The machine's speed drifts from minute to minute, so
# the two sizes are run interleaved, never an hour apart.
#
#   benches/linearity.sh [SMALL] [LARGE] [ROUNDS] [WORKDIR]
#       defaults: 1000000 10000000 1 /tmp/refrain-linearity
#
# The corpora are written zstd-compressed (ten million documents: 15 GB,
# nine minutes to generate; the run itself needs 34 GB of temporary
# space, in TMPDIR). As root, the page cache is dropped before each run,
# so no run starts with another's files in memory.
set -euo pipefail
small=${1:-1000000}
large=${2:-10000000}
rounds=${3:-1}
work=${4:-/tmp/refrain-linearity}
source "$(dirname "$0")/build.sh"
command -v zstd >/dev/null || { echo "linearity.sh: needs zstd" >&2; exit 2; }
mkdir -p "$work"

for n in "$small" "$large"; do
  corpus="$work/news-$n.jsonl.zst"
  if [ ! -f "$corpus" ]; then
    "$generate" "$n" 42 /dev/stdout - | zstd -1 -q > "$corpus.partial"
    mv "$corpus.partial" "$corpus"
  fi
done

times="$work/times"
: > "$times"
run() {
  local n=$1
  sync
  if [ "$(id -u)" = 0 ]; then echo 3 > /proc/sys/vm/drop_caches; fi
  /usr/bin/time -a -o "$times" -f "$n %e %M" \
    "$refrain" dedup -q -o /dev/null "$work/news-$n.jsonl.zst"
  tail -n 1 "$times" >&2
}
for _ in $(seq "$rounds"); do
  run "$small"; run "$small"; run "$large"; run "$small"; run "$small"
done

awk -v small="$small" -v large="$large" "$(cat "$root/benches/median.awk")"'
  { wall[$1] = wall[$1] " " $2; rss[$1] = rss[$1] " " $3 }
  END {
    printf "%12s %6s %10s %10s %14s %14s\n", "documents", "runs", "wall s", "RSS MB", "us/document", "bytes/document"
    split(small " " large, sizes, " ")
    for (k = 1; k <= 2; k++) {
      n = sizes[k]
      w[n] = median(wall[n]); r[n] = median(rss[n])
      printf "%12d %6d %10.2f %10.0f %14.2f %14.0f\n", n, split(wall[n], _, " "), w[n], r[n] / 1024, w[n] / n * 1e6, r[n] * 1024 / n
    }
    printf "per document, %d against %d: time %.3fx, peak memory %.3fx\n", large, small,
      (w[large] / large) / (w[small] / small), (r[large] / large) / (r[small] / small)
  }' "$times"
