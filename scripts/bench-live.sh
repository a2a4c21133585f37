#!/usr/bin/env bash
# The live state at real size: each whole CLI process on one merchant with 100k and 1M
# events (its history cut by time), next to the replay path (`--config` with the default
# rules forces a replay) and to jq on the same file, in one run.
#
#   scripts/bench-live.sh [EVENTS...]        (default: 100000 1000000)
#
# The replay path is forced with `--config` naming rules that differ from the live
# state's in nothing that changes a score (max_reasons = 6): what every question cost
# before the live state. The merchant: the `large` demo (≈ 2M events, 4 merchants) folded into one merchant,
# `m-busy`, sorted by time and cut at the first N events — a shop with a longer or
# shorter history. Needs hyperfine and jq (Debian: apt-get install hyperfine jq).
set -euo pipefail
sizes=("${@:-100000 1000000}")
read -r -a sizes <<<"${sizes[*]}"
cd "$(dirname "$0")/.."
cargo build --release --locked -p credence >/dev/null
bin=$(realpath "${CARGO_TARGET_DIR:-target}")/release/credence
work=${CREDENCE_BENCH_DIR:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${CREDENCE_BENCH_DIR:-}" ] || trap 'rm -rf "$work"' EXIT
if [ ! -f "$work/busy.jsonl" ]; then
  "$bin" demo --quiet --size large --dir "$work/demo" --db "$work/demo/unused.db" >/dev/null
  python3 - "$work/demo/events.jsonl" "$work/busy.jsonl" <<'PY'
import json, sys
rows = []
with open(sys.argv[1]) as f:
    for line in f:
        e = json.loads(line)
        e["merchant"] = "m-busy"
        rows.append((e["at"], e["id"], e))
# RFC 3339 with offsets: sort by the instant.
from datetime import datetime
rows.sort(key=lambda r: (datetime.fromisoformat(r[0].replace("Z", "+00:00")), r[1]))
with open(sys.argv[2], "w") as out:
    for _, _, e in rows:
        out.write(json.dumps(e, ensure_ascii=False, separators=(",", ":")) + "\n")
PY
  rm -rf "$work/demo"
fi
empty=$work/replay-rules.toml
echo "max_reasons = 6" >"$empty"
for n in "${sizes[@]}"; do
  echo
  echo "== m-busy, first $n events by time =="
  file=$work/busy-$n.jsonl
  head -n "$n" "$work/busy.jsonl" >"$file"
  next=$work/next-$n.jsonl
  sed -n "$((n + 1)),$((n + 1000))p" "$work/busy.jsonl" >"$next"
  db=$work/busy-$n.db
  rm -f "$db"*
  hyperfine --runs 1 --export-markdown "$work/ingest-$n.md" \
    -n "credence ingest ($n events)" "$bin --db $db ingest --quiet $file" \
    -n "jq -c . (same file)" "jq -c . $file > /dev/null"
  cat "$work/ingest-$n.md"
  customer=$(python3 -c "import json,sys; print(json.loads(open('$file').readline())['customer'])")
  "$bin" --db "$db" rebuild --verify --json | python3 -c \
    'import json,sys; v=json.load(sys.stdin); print("rebuild --verify:", v["relationships_checked"], "relationships,", len(v["differences"]), "differences, max score diff", v["max_score_diff"])'
  hyperfine --warmup 1 --runs 5 --export-markdown "$work/read-$n.md" \
    -n "trust -m -c (live)" "$bin --db $db trust -m m-busy -c $customer --json > /dev/null" \
    -n "trust -m -c (replay)" "$bin --db $db trust -m m-busy -c $customer --json --config $empty > /dev/null" \
    -n "merchant (live)" "$bin --db $db merchant m-busy --json > /dev/null" \
    -n "merchant (replay)" "$bin --db $db merchant m-busy --json --config $empty > /dev/null" \
    -n "status" "$bin --db $db status --json > /dev/null"
  cat "$work/read-$n.md"
  cp "$db" "$db.copy"
  hyperfine --runs 3 --prepare "cp $db.copy $db; rm -f $db-wal $db-shm" --export-markdown "$work/batch-$n.md" \
    -n "ingest the next 1,000 events" "$bin --db $db ingest --quiet $next"
  cat "$work/batch-$n.md"
done
