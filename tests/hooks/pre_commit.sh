#!/usr/bin/env bash
# The pre-commit hook (.pre-commit-hooks.yaml) as a newsroom repository
# would use it: `pre-commit try-repo` (pre-commit from PyPI) builds the hook
# from this checkout with cargo, then runs it on staged stories against an
# index at the hook's default path, .refrain/archive.db.
#
#   bash tests/hooks/pre_commit.sh
#
# Asserts: a draft that reprints an archived story fails the commit with
# file:line messages (exit 1); a new story passes (exit 0). Installs
# pre-commit into target/pre-commit-venv; its cache is target/pre-commit.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/target/pre-commit-venv"
if ! "$venv/bin/pre-commit" --version >/dev/null 2>&1; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==4.7.0"
fi
cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml" --bin refrain
export PRE_COMMIT_HOME="$root/target/pre-commit"
# The hook's `cargo install` reuses this checkout's compiled dependencies.
export CARGO_TARGET_DIR="$root/target"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
git init -q newsroom && cd newsroom
git config user.email ci@example.invalid && git config user.name ci
cp -r "$root/samples" archive
mkdir -p .refrain stories
"$root/target/release/refrain" index add -q --index .refrain/archive.db archive >/dev/null
sed 's/early Thursday/on Thursday morning/' archive/en/04-port-strike.txt > stories/draft.txt
cat > stories/new.txt <<'STORY'
RIVERTON — The city library will stay open until midnight during exam weeks, the board decided on Tuesday after students collected two thousand signatures.

Librarians said the late hours would be staffed by volunteers from the university and paid for by a grant from a local foundation.
STORY
git add stories

# try-repo OUT FILE...: runs the hook on FILE..., its output in OUT.
try() {
  local out=$1
  shift
  "$venv/bin/pre-commit" try-repo "$root" refrain-check --files "$@" >"$out" 2>&1
}

set +e
try "$work/failed" stories/draft.txt stories/new.txt
failed=$?
try "$work/passed" stories/new.txt
passed=$?
set -e
cat "$work/failed" "$work/passed"
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[ "$failed" -eq 1 ] || fail "a reprint of an archived story should fail the hook (exit $failed)"
grep -q "stories/draft.txt:3: error\[near-duplicate\]: near-duplicate of archived ../archive/en/04-port-strike.txt" "$work/failed" ||
  fail "the hook's output does not name the draft's line and the archived story"
! grep -q "stories/new.txt" "$work/failed" || fail "the new story was reported"
[ "$passed" -eq 0 ] || fail "a new story should pass the hook (exit $passed)"
echo "pre-commit hook: a reprint fails with file:line, a new story passes"
