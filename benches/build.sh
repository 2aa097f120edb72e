# Sourced by the bench scripts: builds the release binary and the corpus
# generator, and sets `root` (the repository, also the working directory),
# `refrain` and `generate`. Expects `work` (the scratch directory) to be set.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$work"
cd "$root"
cargo build --release --quiet --bin refrain --example generate_corpus
refrain="$root/target/release/refrain"
generate="$root/target/release/examples/generate_corpus"
