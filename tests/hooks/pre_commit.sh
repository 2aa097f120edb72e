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
source "$(dirname "$0")/newsroom.sh"
ensure_pre_commit
export PRE_COMMIT_HOME="$root/target/pre-commit"
# The hook's `cargo install` reuses this checkout's compiled dependencies.
export CARGO_TARGET_DIR="$root/target"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
make_newsroom "$work/newsroom"
write_draft stories/draft.txt
write_new_story stories/new.txt
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
[ "$failed" -eq 1 ] || fail "a reprint of an archived story should fail the hook (exit $failed)"
grep -q "stories/draft.txt:3: error\[near-duplicate\]: near-duplicate of archived ../archive/en/04-port-strike.txt" "$work/failed" ||
  fail "the hook's output does not name the draft's line and the archived story"
! grep -q "stories/new.txt" "$work/failed" || fail "the new story was reported"
[ "$passed" -eq 0 ] || fail "a new story should pass the hook (exit $passed)"
echo "pre-commit hook: a reprint fails with file:line, a new story passes"
