#!/usr/bin/env bash
# The GitHub Action's check (action.yml): runs `refrain check` on the
# files a pull request or push changed, as GitHub annotations.
#
# Environment (set by action.yml from its inputs):
#   REFRAIN       the refrain binary
#   INDEX         the archive index (or empty, with AGAINST)
#   AGAINST       archive paths indexed in memory, space-separated (or empty)
#   PATTERNS      git pathspecs of the files to check, space-separated
#   FAIL_ON       kinds that fail the check (refrain check --fail-on)
#   BASE          the commit to compare with (empty or all zeros: HEAD's parent)
#   FILES         files to check instead of the changed ones (optional)
#
# Exit status: refrain check's (0 clean, 1 findings, 2 errors); 0 with a
# notice when no matching file changed.
set -euo pipefail
: "${REFRAIN:=refrain}" "${INDEX:=}" "${AGAINST:=}" "${PATTERNS:=*.txt *.md}"
: "${FAIL_ON:=near-duplicate,containment,repeated}" "${BASE:=}" "${FILES:=}"

files=()
if [ -n "$FILES" ]; then
  read -r -a files <<<"$FILES"
else
  base=$BASE
  # A new branch's first push has no "before" (all zeros): take HEAD's
  # parent, or the empty tree for a first commit.
  if [ -z "$base" ] || [[ "$base" =~ ^0+$ ]]; then
    base=$(git rev-parse -q --verify 'HEAD^' || git hash-object -t tree /dev/null)
  fi
  read -r -a specs <<<"$PATTERNS"
  # Added, copied, modified or renamed: what a commit asks to publish.
  while IFS= read -r -d '' file; do
    files+=("$file")
  done < <(git diff -z --name-only --diff-filter=ACMR "$base" HEAD -- "${specs[@]}")
fi
if [ "${#files[@]}" -eq 0 ]; then
  echo "::notice::refrain: no changed file matches ${PATTERNS}"
  exit 0
fi

archive=()
if [ -n "$INDEX" ]; then
  archive=(--index "$INDEX")
else
  read -r -a against <<<"$AGAINST"
  for path in "${against[@]}"; do
    archive+=(--against "$path")
  done
fi
echo "refrain check of ${#files[@]} changed file(s)" >&2
exec "$REFRAIN" check "${archive[@]}" --format github --fail-on "$FAIL_ON" -- "${files[@]}"
