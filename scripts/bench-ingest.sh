#!/usr/bin/env bash
# Ingest throughput side by side with `jq -c . FILE > /dev/null` on the same file, in one run.
#
#   scripts/bench-ingest.sh [small|medium|large]      (default: large, ≈ 2M events)
#
# Needs hyperfine and jq (Debian: apt-get install hyperfine jq). credence runs pinned to
# one core (taskset) like jq, which is single-threaded anyway.
set -euo pipefail
size=${1:-large}
cd "$(dirname "$0")/.."
cargo build --release --locked -p credence >/dev/null
bin=$PWD/target/release/credence
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" demo --quiet --size "$size" --dir "$work/demo" >/dev/null
file=$work/demo/events.jsonl
lines=$(wc -l <"$file")
echo "file: $lines events, $(du -h "$file" | cut -f1)"
hyperfine --warmup 1 --runs 3 --export-json "$work/h.json" \
  --prepare "rm -f $work/bench.db*" \
  -n "credence ingest" "taskset -c 0 $bin --db $work/bench.db ingest --quiet $file" \
  -n "jq -c ." "taskset -c 0 jq -c . $file > /dev/null"
python3 - "$work/h.json" "$lines" <<'PY'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
n = int(sys.argv[2])
print()
print(f"{'command':<18} {'mean s':>8} {'events/s':>12}")
for r in runs:
    print(f"{r['command']:<18} {r['mean']:>8.2f} {n / r['mean']:>12,.0f}")
PY
