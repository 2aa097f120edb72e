#!/usr/bin/env bash
# Interleaved A/B timing of two refrain binaries on one corpus: the fair
# comparison on a shared machine whose speed drifts from minute to minute.
#
#   benches/compare.sh OLD_BINARY NEW_BINARY CORPUS [RUNS]    (RUNS: 5)
#
# Runs `dedup -q` with each binary in turn, RUNS times, and prints each
# one's median wall time, CPU time (user + system) and peak RSS, the ratio
# of the medians, and whether the two wrote the same decisions. An older
# binary comes from a worktree, e.g.:
#   git worktree add /tmp/old REV && cargo build --release --manifest-path /tmp/old/Cargo.toml
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,11p' "$0" >&2
  exit 2
fi
old=$1 new=$2 corpus=$3 runs=${4:-5}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for _ in $(seq "$runs"); do
  for side in old new; do
    binary=${!side}
    /usr/bin/time -a -o "$scratch/times" -f "$side %e %U %S %M" \
      "$binary" dedup -q -o "$scratch/decisions-$side.jsonl" "$corpus"
  done
done
awk "$(cat "$(dirname "$0")/median.awk")"'
  { wall[$1] = wall[$1] " " $2; cpu[$1] = cpu[$1] " " ($3 + $4); rss[$1] = rss[$1] " " $5 }
  END {
    printf "%-5s %12s %12s %10s\n", "", "wall s", "CPU s", "RSS MB"
    for (side in wall) m[side] = median(wall[side])
    split("old new", order, " ")
    for (k = 1; k <= 2; k++) {
      side = order[k]
      printf "%-5s %12.2f %12.2f %10.0f\n", side, m[side], median(cpu[side]), median(rss[side]) / 1024
    }
    printf "old/new wall: %.2fx\n", m["old"] / m["new"]
  }' "$scratch/times"
if cmp -s "$scratch/decisions-old.jsonl" "$scratch/decisions-new.jsonl"; then
  echo "same decisions"
else
  echo "decisions differ"
fi
