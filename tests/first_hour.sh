#!/usr/bin/env bash
# A newcomer's first commands, exactly as the README's quick start writes
# them, in a fresh clone of this checkout's HEAD (so a file the README
# needs but git does not hold is caught). The quick start's other line,
# `cargo test --locked`, is what .ci/run runs anyway; the README's
# examples with output are run by `cargo test` itself (tests/readme.rs).
#
#   bash tests/first_hour.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q "$root" "$work/refrain"
cd "$work/refrain"
# The commands of the quick start's sh block, but the test suite.
mapfile -t commands < <(awk '/^## Quick start/{q=1} q&&/^```sh/{b=1;next} b&&/^```/{exit} b' README.md |
  sed 's/[[:space:]]*#.*$//' | grep -v '^cargo test' | grep -v '^$')
[ "${#commands[@]}" -ge 1 ] || { echo "FAIL: no quick-start command found" >&2; exit 1; }
# Compiled dependencies are shared with this checkout's target directory.
export CARGO_TARGET_DIR="$root/target"
for command in "${commands[@]}"; do
  echo "\$ $command"
  out=$(bash -c "$command" 2>"$work/stderr") || {
    cat "$work/stderr" >&2
    echo "FAIL: \`$command\` exited $?" >&2
    exit 1
  }
  echo "$out" | tail -3
  grep -q "^Scanned 15 document(s)" <<<"$out" || {
    echo "FAIL: \`$command\` did not scan the 15 samples" >&2
    exit 1
  }
done
echo "first hour: the quick start runs as written in a fresh clone"
