#!/usr/bin/env bash
# API conformance: schemathesis generates requests from `credence serve`'s own
# /openapi.json and checks that the server never answers 5xx and that every status code,
# content type and response body is the one the document declares.
#
#   tests/api/schemathesis.sh          (CREDENCE_BIN=… for another binary than target/debug/credence)
#
# Needs python3 with venv; installs the pinned schemathesis (tests/api/requirements.txt)
# into target/schemathesis-venv once. The seed is fixed, so a run is reproducible.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${CREDENCE_BIN:-${CARGO_TARGET_DIR:-target}/debug/credence}
venv=${CARGO_TARGET_DIR:-target}/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r tests/api/requirements.txt
fi
work=$(mktemp -d)
server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
"$bin" demo --quiet --size small --dir "$work/demo" >/dev/null
db=$work/demo/credence.db
key=$("$bin" --db "$db" keys create --scope admin --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
RUST_LOG=warn "$bin" --db "$db" serve --listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
server=$!
url=
for _ in $(seq 1 600); do
  url=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$work/out" | head -1)
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "the server did not start" >&2; exit 1; }
"$venv/bin/schemathesis" run "$url/openapi.json" \
  -H "Authorization: Bearer $key" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples 30 --seed 20261123 --request-timeout 120
