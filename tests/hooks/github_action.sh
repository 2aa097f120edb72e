#!/usr/bin/env bash
# The GitHub Action (action.yml) without GitHub: its definition is read as
# YAML and each step's wiring checked, then its check script is run in a
# scratch repository the way the action runs it on a pull request.
#
#   bash tests/hooks/github_action.sh
#
# Asserts: a pull request adding a reprint of an archived story fails with
# a `::error file=…,line=…::` annotation on the draft and none on the new
# story; a first push (no "before" commit) checks the same files; a change
# to no matching file passes with a notice; a file name with spaces works.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/target/pre-commit-venv"   # pre-commit brings PyYAML
if ! "$venv/bin/python" -c "import yaml" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==4.7.0"
fi
cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml" --bin refrain
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

"$venv/bin/python" - "$root/action.yml" "$root/action/check_changed.sh" <<'PY'
import re, sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
script = open(sys.argv[2]).read()
assert action["runs"]["using"] == "composite", action["runs"]
steps = action["runs"]["steps"]
check = steps[-1]
assert "action/check_changed.sh" in check["run"], check
# Every variable the script reads is set by the step, from an input or
# the event, and every input is used.
read = set(re.findall(r'\$\{(\w+):=', script))
assert read == set(check["env"]), (read, set(check["env"]))
used = " ".join(str(v) for v in check["env"].values())
for name in action["inputs"]:
    assert f"inputs.{name}" in used, name
assert all(step.get("shell") == "bash" for step in steps)
print("action.yml: composite, %d steps, inputs %s" % (len(steps), ", ".join(action["inputs"])))
PY

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
git init -q newsroom && cd newsroom
git config user.email ci@example.invalid && git config user.name ci
cp -r "$root/samples" archive
mkdir -p .refrain stories
"$root/target/release/refrain" index add -q --index .refrain/archive.db archive >/dev/null
echo "# Newsroom" > README.md
git add -A && git commit -qm archive
base=$(git rev-parse HEAD)
sed 's/early Thursday/on Thursday morning/' archive/en/04-port-strike.txt > "stories/port strike draft.txt"
cat > stories/new.txt <<'STORY'
RIVERTON — The city library will stay open until midnight during exam weeks, the board decided on Tuesday after students collected two thousand signatures.

Librarians said the late hours would be staffed by volunteers from the university and paid for by a grant from a local foundation.
STORY
git add -A && git commit -qm drafts

check() {
  env REFRAIN="$root/target/release/refrain" INDEX=.refrain/archive.db PATTERNS="stories/*.txt" \
    "$@" bash "$root/action/check_changed.sh" >"$work/out" 2>&1
}

set +e
check BASE="$base"
status=$?
set -e
cat "$work/out"
[ "$status" -eq 1 ] || fail "a reprint should fail the check (exit $status)"
grep -q "^::error file=stories/port strike draft.txt,line=3" "$work/out" ||
  fail "no annotation on the draft's line 3"
! grep -q "file=stories/new.txt" "$work/out" || fail "the new story was annotated"

set +e
check BASE=0000000000000000000000000000000000000000
first_push=$?
set -e
[ "$first_push" -eq 1 ] && grep -q "^::error file=stories/port strike draft.txt,line=3" "$work/out" ||
  fail "a first push (no before commit) did not check the pushed files (exit $first_push)"

echo "More" >> README.md
git commit -qam "readme only"
check BASE="$(git rev-parse HEAD^)" || fail "a change to no story should pass"
grep -q "^::notice::refrain: no changed file matches" "$work/out" || fail "no notice when nothing matched"
echo "GitHub Action: a reprint is annotated at its line and fails, other changes pass"
