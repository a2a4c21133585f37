#!/usr/bin/env bash
# Load benchmarks of `credence serve`, side by side with what a user would otherwise run
# (the CLI), in one run:
#   1. trust lookups over HTTP (wrk, pinned to one core, 32 connections, on loopback)
#      against `credence trust -m M -c C --json` run as a command;
#   2. event ingestion over HTTP (JSON Lines in batches of 10,000, posted by curl)
#      against `credence ingest FILE` on the same events.
#
#   scripts/bench-serve.sh [small|medium|large] [sqlite|postgres]   (default: medium sqlite)
#
# Needs wrk, hyperfine, curl and python3 (Debian: apt-get install wrk hyperfine curl).
# postgres uses $CREDENCE_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test)
# with a fresh schema per store, dropped at the end.
set -euo pipefail
size=${1:-medium}
backend=${2:-sqlite}
duration=${DURATION:-20}
cd "$(dirname "$0")/.."
root=$PWD
cargo build --release --locked -p credence >/dev/null
bin=$root/target/release/credence
work=$(mktemp -d)
pg_base=${CREDENCE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
schemas=()
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  for s in "${schemas[@]}"; do psql -q "$pg_base" -c "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# A fresh, empty store: a SQLite file or a new PostgreSQL schema.
fresh_db() {
  local name=$1
  if [ "$backend" = postgres ]; then
    local schema="bench_${name}_$$"
    psql -q "$pg_base" -c "CREATE SCHEMA $schema" >/dev/null
    schemas+=("$schema")
    echo "${pg_base}?options=-csearch_path%3D${schema}"
  else
    echo "$work/$name.db"
  fi
}

# Starts the server on a free port; sets server_pid and url.
start_server() {
  local db=$1
  "$bin" --db "$db" serve --listen 127.0.0.1:0 >"$work/serve.out" 2>"$work/serve.err" &
  server_pid=$!
  for _ in $(seq 1 600); do
    url=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$work/serve.out" | head -1)
    [ -n "$url" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
    sleep 0.1
  done
  echo "the server did not start" >&2
  exit 1
}

stop_server() {
  kill "$server_pid" && wait "$server_pid" 2>/dev/null || true
  server_pid=
}

key() { "$bin" --db "$1" keys create --scope "$2" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'; }

echo "== data: demo $size, store: $backend"
"$bin" demo --quiet --size "$size" --dir "$work/demo" >/dev/null
events=$work/demo/events.jsonl
lines=$(wc -l <"$events")
echo "$lines events"

# ---- 1. trust lookups ------------------------------------------------------------------
db=$(fresh_db lookups)
"$bin" --db "$db" ingest --quiet "$events" >/dev/null
read_key=$(key "$db" read)
python3 - "$bin" "$db" "$work/pairs" <<'PY'
import json, subprocess, sys
bin_, db, out = sys.argv[1:4]
pairs = []
for m in ["m-tea", "m-electro", "m-bank", "m-ahua"]:  # the demo merchants
    r = subprocess.run([bin_, "--db", db, "trust", "-m", m, "--json", "--limit", "0"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        continue
    pairs += [(m, json.loads(l)["customer"]) for l in r.stdout.splitlines() if l.strip()]
with open(out, "w") as f:
    for m, c in pairs:
        f.write(f"{m} {c}\n")
print(f"{len(pairs)} relationships to look up")
PY
start_server "$db"
echo "server: $url"
export CREDENCE_KEY=$read_key CREDENCE_PAIRS=$work/pairs
# warm-up pass (fills the per-relationship cache), then the measured run
taskset -c 0 wrk -t1 -c32 -d5s -s scripts/serve/lookups.lua "$url" >/dev/null
taskset -c 0 wrk -t1 -c32 -d"${duration}"s --latency -s scripts/serve/lookups.lua "$url" | tee "$work/wrk.out" | grep -E "Requests/sec|Latency|99%"
stop_server
read -r m c < "$work/pairs"
hyperfine --warmup 1 --runs 3 --export-json "$work/cli.json" -N \
  "$bin --db $db trust -m $m -c $c --json" >/dev/null

# ---- 2. ingestion over HTTP ------------------------------------------------------------
db=$(fresh_db http)
ingest_key=$(key "$db" ingest)
mkdir -p "$work/chunks"
split -l 10000 -d -a 4 "$events" "$work/chunks/part-"
start_server "$db"
start=$(date +%s.%N)
for f in "$work"/chunks/part-*; do
  code=$(curl -s -o "$work/resp.json" -w '%{http_code}' -H "Authorization: Bearer $ingest_key" \
    -H 'Content-Type: application/x-ndjson' --data-binary @"$f" "$url/v1/events")
  [ "$code" = 200 ] || [ "$code" = 207 ] || { echo "POST $f: HTTP $code" >&2; head -c 500 "$work/resp.json" >&2; exit 1; }
done
end=$(date +%s.%N)
stop_server
stored=$("$bin" --db "$db" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
db2=$(fresh_db cli)
hyperfine --runs 1 --export-json "$work/ingest.json" -N "$bin --db $db2 ingest --quiet $events" >/dev/null

python3 - "$work" "$lines" "$start" "$end" "$stored" <<'PY'
import json, re, sys
work, n, start, end, stored = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
r = dict(kv.split("=") for kv in re.search(r"RESULT (.*)", open(f"{work}/wrk.out").read()).group(1).split())
rps = int(r["requests"]) / float(r["duration_s"])
cli = json.load(open(f"{work}/cli.json"))["results"][0]["mean"]
print()
print(f"{'trust lookups':<34} {'per second':>12} {'p50 ms':>8} {'p99 ms':>8}")
print(f"{'HTTP GET …/trust (wrk, 1 core)':<34} {rps:>12,.0f} {float(r['p50_ms']):>8.2f} {float(r['p99_ms']):>8.2f}   non-2xx {r['non2xx']}, errors {r['errors']}")
print(f"{'credence trust -m -c --json':<34} {1/cli:>12,.2f} {cli*1000:>8.0f}")
http = end - start
cli_ingest = json.load(open(f"{work}/ingest.json"))["results"][0]["mean"]
print()
print(f"{'ingestion':<34} {'seconds':>12} {'events/s':>10}")
print(f"{'HTTP POST /v1/events (10k/batch)':<34} {http:>12.2f} {n/http:>10,.0f}   stored {stored} of {n}")
print(f"{'credence ingest FILE':<34} {cli_ingest:>12.2f} {n/cli_ingest:>10,.0f}")
PY
