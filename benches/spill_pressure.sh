#!/usr/bin/env bash
# `refrain dedup --stats` with the page cache held to a budget: a stand-in,
# at a million documents, for a run whose temporary files are larger than
# memory (ten million documents spill 49 GB on a 24 GB machine).
#
#   sudo benches/spill_pressure.sh CORPUS [LIMIT_BYTES] [REFRAIN]
#       (defaults: 2500000000, the release build)
#
# Runs the binary in a memory cgroup (v1 or v2) of LIMIT_BYTES, which counts
# the page cache the run's files take as well as its own memory, after
# dropping the system's caches, and prints its stage times. At a million
# news documents (`generate_corpus 1000000 42`) a 2.5 GB limit leaves about
# 1.6 GB of cache for 4.9 GB of temporary files. Needs root.
set -euo pipefail
corpus=${1:?usage: spill_pressure.sh CORPUS [LIMIT_BYTES] [REFRAIN]}
limit=${2:-2500000000}
if [ -n "${3:-}" ]; then
  refrain=$3
else
  work=${TMPDIR:-/tmp}/refrain-spill-pressure
  source "$(dirname "$0")/build.sh"
fi

if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  group=/sys/fs/cgroup/refrain-spill-pressure
  mkdir -p "$group"
  echo "$limit" > "$group/memory.max"
else
  group=/sys/fs/cgroup/memory/refrain-spill-pressure
  mkdir -p "$group"
  echo "$limit" > "$group/memory.limit_in_bytes"
fi
sync
echo 3 > /proc/sys/vm/drop_caches
# The child joins the group before it starts refrain, so every byte it
# reads or spills is charged there.
bash -c 'echo $$ > "$1/cgroup.procs"; exec "${@:2}"' _ "$group" \
  /usr/bin/time -f "%e s wall, %M KB peak" \
  "$refrain" dedup --stats -o /dev/null "$corpus" 2>&1 |
  tr '\r' '\n' | grep -E "done in|wall"
