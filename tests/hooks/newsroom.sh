# Shared by the hook tests (sourced, not run): pre-commit from PyPI, the
# release binary, and a scratch newsroom repository holding an archive
# (the samples) indexed at .refrain/archive.db.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv="$root/target/pre-commit-venv"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# pre-commit 4.7.0 (and PyYAML with it) in target/pre-commit-venv.
ensure_pre_commit() {
  if ! "$venv/bin/pre-commit" --version >/dev/null 2>&1; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==4.7.0"
  fi
  cargo build --release --locked --quiet --manifest-path "$root/Cargo.toml" --bin refrain
}

# make_newsroom DIR: a git repository in DIR (entered) with the archive
# committed and indexed.
make_newsroom() {
  git init -q "$1" && cd "$1"
  git config user.email ci@example.invalid && git config user.name ci
  cp -r "$root/samples" archive
  mkdir -p .refrain stories
  "$root/target/release/refrain" index add -q --index .refrain/archive.db archive >/dev/null
}

# write_draft FILE: the port strike story with its first paragraph edited.
write_draft() {
  sed 's/early Thursday/on Thursday morning/' archive/en/04-port-strike.txt >"$1"
}

# write_new_story FILE: a story the archive does not hold.
write_new_story() {
  cat >"$1" <<'STORY'
RIVERTON — The city library will stay open until midnight during exam weeks, the board decided on Tuesday after students collected two thousand signatures.

Librarians said the late hours would be staffed by volunteers from the university and paid for by a grant from a local foundation.
STORY
}
