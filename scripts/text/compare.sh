#!/usr/bin/env bash
# Side-by-side comparison on the same dev splits, in one run:
#   credence-text (this repo) vs SnowNLP (Chinese) and VADER (English), from PyPI.
# Usage: scripts/text/compare.sh [DATASETS]   (default ../shared/datasets)
# Needs: pip install snownlp vaderSentiment
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
data="${1:-$root/../shared/datasets}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cargo build --quiet --release -p credence-text --bin credence-eval-text
"$CARGO_TARGET_DIR/release/credence-eval-text" "$data" --json --dump-splits "$tmp" > "$tmp/ours.json"
python3 "$root/scripts/text/compare.py" "$tmp" "$tmp/ours.json"
