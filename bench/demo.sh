#!/usr/bin/env bash
# `byname demo` from a built binary to serving the login page, on a fresh data folder:
# generate ten years, write the exports, import all four, link, create the demo users.
#
#   bench/demo.sh              # RUNS=3 by default
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
OUT="bench/out/demo"
cargo build --release --quiet
BIN="$PWD/target/release/byname"
port=18080

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

times=()
for run in $(seq 1 "$RUNS"); do
  rm -rf "$OUT"; mkdir -p "$OUT"
  start=$(date +%s.%N)
  "$BIN" --data-dir "$OUT/data" demo --port "$port" >"$OUT/demo.log" 2>&1 &
  pid=$!
  ok=""
  for _ in $(seq 1 1200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      printf 'GET /login HTTP/1.0\r\n\r\n' | (exec 3<>"/dev/tcp/127.0.0.1/$port"; cat >&3; head -c 12 <&3) | grep -q 200 && ok=1 && break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  end=$(date +%s.%N)
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  [ -n "$ok" ] || { cat "$OUT/demo.log"; echo "the demo did not serve" >&2; exit 1; }
  seconds=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')
  times+=("$seconds")
  echo "run $run: serving after ${seconds}s"
done
grep -E "^Generated|^import|^linked" "$OUT/demo.log" || true
echo "median: $(printf '%s\n' "${times[@]}" | median)s (target: under 30s)"
