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
source "$(dirname "$0")/newsroom.sh"
ensure_pre_commit   # pre-commit brings PyYAML

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
make_newsroom "$work/newsroom"
echo "# Newsroom" > README.md
git add -A && git commit -qm archive
base=$(git rev-parse HEAD)
write_draft "stories/port strike draft.txt"
write_new_story stories/new.txt
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
