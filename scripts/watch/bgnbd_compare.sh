#!/usr/bin/env bash
# Fit BG/NBD to the same customer summary with the `lifetimes` Python package and with
# `credence eval bgnbd`, in one run, and print the estimates and fit times side by side.
#
#   scripts/watch/bgnbd_compare.sh [SUMMARY.csv] [RUNS]
#
# SUMMARY defaults to the CDNOW fixture; RUNS (default 7) fits per tool, the table shows
# the minimum and the median fit time (the fit alone: reading the file is not timed in
# either tool). Needs: a Python with lifetimes (`pip install lifetimes`; set PYTHON to
# choose the interpreter) and a release build of credence (`cargo build --release -p
# credence`; set CREDENCE to the binary, default $CARGO_TARGET_DIR or target/release).
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
summary="${1:-$here/crates/credence-watch/tests/fixtures/cdnow_customers_summary.csv}"
runs="${2:-7}"
python="${PYTHON:-python3}"
credence="${CREDENCE:-${CARGO_TARGET_DIR:-$here/target}/release/credence}"

if ! "$python" -c 'import lifetimes' 2>/dev/null; then
    echo "error: $python cannot import lifetimes (pip install lifetimes, or set PYTHON)" >&2
    exit 2
fi
if [ ! -x "$credence" ]; then
    echo "error: no credence binary at $credence (cargo build --release -p credence, or set CREDENCE)" >&2
    exit 2
fi

"$python" - "$summary" "$runs" "$credence" <<'PY'
import json, statistics, subprocess, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
import lifetimes
from lifetimes import BetaGeoFitter

summary, runs, credence = sys.argv[1], int(sys.argv[2]), sys.argv[3]
df = pd.read_csv(summary)

lt_times = []
for _ in range(runs):
    f = BetaGeoFitter(penalizer_coef=0.0)
    t = time.perf_counter()
    f.fit(df["frequency"], df["recency"], df["T"])
    lt_times.append(time.perf_counter() - t)
lp = f.params_

ours, our_times = None, []
for _ in range(runs):
    out = subprocess.run([credence, "eval", "bgnbd", "--summary", summary, "--json"],
                         check=True, capture_output=True, text=True).stdout
    ours = json.loads(out)
    our_times.append(ours["seconds"])

def ms(xs):
    return f"{min(xs) * 1e3:8.1f} {statistics.median(xs) * 1e3:8.1f}"

print(f"{len(df)} customers from {summary}; {runs} fits each; lifetimes {lifetimes.__version__}")
print(f"{'':22} {'r':>8} {'alpha':>8} {'a':>8} {'b':>8}   min ms   median ms")
print(f"{'lifetimes (Python)':22} {lp['r']:8.4f} {lp['alpha']:8.4f} {lp['a']:8.4f} {lp['b']:8.4f} {ms(lt_times)}")
print(f"{'credence eval bgnbd':22} {ours['r']:8.4f} {ours['alpha']:8.4f} {ours['a']:8.4f} {ours['b']:8.4f} {ms(our_times)}")
print(f"credence log-likelihood {ours['log_likelihood']:.2f}; "
      f"speed-up (median) {statistics.median(lt_times) / statistics.median(our_times):.1f}x")
PY
