#!/usr/bin/env bash
# The README's quality figures: the quality tests (tests/quality.rs) on a
# larger generated corpus, printing precision, recall and F1 of document
# pairs against the planted families (reference Jaccard computed apart
# from the library) and the share of planted boilerplate found closing.
#
#   benches/quality.sh [DOCS] [SEED]      defaults: 20000 1
set -euo pipefail
cd "$(dirname "$0")/.."
REFRAIN_QUALITY_DOCS=${1:-20000} REFRAIN_QUALITY_SEED=${2:-1} \
  cargo test --release --quiet --test integration quality:: -- --nocapture --test-threads 1 2>&1 |
  grep -oE '(document pairs|reported pairs below[^:]*|boilerplate):.*|test result.*'
