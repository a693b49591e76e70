#!/usr/bin/env bash
# Bad and pathological inputs to `byname link csv`: each must end with a clear message or a
# clean result, never a panic, and a file where everybody has the same name must not blow up
# quadratically. Files come from bench/linkage/pathological.py (its docstring lists them).
#
#   bench/linkage_pathological.sh                  # common-name files of 25,000 and 100,000
#   COMMON=50000,200000 bench/linkage_pathological.sh
#
# For the two common-name files the script times byname (median of RUNS, default 3) and checks:
#   - the larger file takes at most 8x the smaller one's time for 4x the records (16x would be
#     quadratic), and at most MAX_SECONDS (default 60) itself;
#   - no panic, exit 0, a pairs file written.
# It exits 1 when any expectation fails, after printing every result.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
COMMON="${COMMON:-25000,100000}"
MAX_SECONDS="${MAX_SECONDS:-60}"
OUT="bench/out/pathological"
mkdir -p "$OUT"

cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/byname"
python3 bench/linkage/pathological.py "$OUT" --common "$COMMON"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# Runs link csv on $1; OUTPUT gets stdout and stderr, STATUS the exit code.
run() {
  set +e
  OUTPUT="$("$BIN" link csv --input "$OUT/$1" --id-column "${2:-rec_id}" --out "$OUT/${1%.csv}_pairs.csv" 2>&1)"
  STATUS=$?
  set -e
  if grep -q "panicked" <<<"$OUTPUT"; then fail "$1: panicked: $OUTPUT"; fi
}

# expect FILE STATUS TEXT [ID_COLUMN]: the exit code and a phrase of the message.
expect() {
  run "$1" "${4:-rec_id}"
  if [ "$STATUS" != "$2" ] || ! grep -qF -- "$3" <<<"$OUTPUT"; then
    fail "$1: wanted exit $2 and \"$3\", got exit $STATUS: $OUTPUT"
  else
    printf '%-20s exit %s  %s\n' "$1" "$STATUS" "$(grep -F -- "$3" <<<"$OUTPUT" | head -1)"
  fi
}

expect empty.csv 1 "the file is empty"
expect header_only.csv 0 "nothing to link"
expect one_record.csv 0 "nothing to link"
expect no_id.csv 1 'no id column "rec_id"'
expect duplicate_ids.csv 1 "duplicate_ids.csv:4"
expect case_ids.csv 0 "differs from \"R1\" only in case"
expect empty_column.csv 0 "nickname"
expect scripts.csv 0 "candidate pairs"

# Pairs found among the scripts: each person's two records should pair (21 people).
found=$(python3 - "$OUT/scripts_pairs.csv" <<'EOF'
import csv, sys
pairs = {tuple(sorted((r["left_id"], r["right_id"]))) for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
want = {(f"s{i}", f"s{i + 1}") for i in range(0, 42, 2)}
print(len(pairs & want), len(pairs - want))
EOF
)
echo "scripts.csv: $found (true pairs found of 21, other pairs)"

IFS=, read -r small large <<<"$COMMON"
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
declare -A secs
for size in "$small" "$large"; do
  times=()
  for _ in $(seq 1 "$RUNS"); do
    start=$(date +%s.%N)
    run "common_$size.csv"
    end=$(date +%s.%N)
    [ "$STATUS" = 0 ] || fail "common_$size.csv: exit $STATUS: $OUTPUT"
    times+=("$(echo "$end - $start" | bc)")
  done
  secs[$size]=$(printf '%s\n' "${times[@]}" | median)
  cand=$(sed -n 's/^candidate pairs: \([0-9]*\).*/\1/p' <<<"$OUTPUT" | head -1)
  printf 'common_%-9s %8.2f s (median of %s), %s candidate pairs\n' "$size.csv" "${secs[$size]}" "$RUNS" "$cand"
done
ratio=$(echo "scale=2; ${secs[$large]} / ${secs[$small]}" | bc)
growth=$(echo "scale=2; $large / $small" | bc)
echo "time ratio for ${growth}x the records: ${ratio}x (linear ${growth}x, quadratic $(echo "$growth * $growth" | bc)x)"
if [ "$(echo "$ratio > 2 * $growth" | bc)" = 1 ]; then fail "common names: time grew ${ratio}x for ${growth}x the records"; fi
if [ "$(echo "${secs[$large]} > $MAX_SECONDS" | bc)" = 1 ]; then fail "common_$large.csv took ${secs[$large]} s (bound $MAX_SECONDS s)"; fi

echo
if [ "$failures" -gt 0 ]; then echo "$failures expectation(s) failed"; exit 1; fi
echo "all expectations met"
