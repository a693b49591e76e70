#!/usr/bin/env bash
# The key statistics report at London scale, side by side with DuckDB computing the CHAIN totals
# alone with SQL over the same contacts, in one run on this machine.
#
#   bench/stats.sh                      # SCALE=12 (about 3,000,000 contacts over ten years), RUNS=5
#   SCALE=4 RUNS=3 bench/stats.sh       # a smaller run
#
# Steps (only the last two are timed):
#   1. `byname generate --scale $SCALE` for FY2015 to FY2024, imported into a fresh SQLite store
#      (CHAIN and the street count) and linked.
#   2. Every contact byname holds, with the person it is linked to, is exported from the store for
#      DuckDB to Parquet: person_id, contact_date, bedded_down (bench/stats/export.py).
#   3. Timed, RUNS times each, medians reported:
#      - byname: `byname report key-stats --period FY2024 --format json` (the whole report: flow,
#        the framework's indicators, Built for Zero, breakdowns, outcomes, the trend, data quality,
#        and the same for the previous year), and the same for each quarter of FY2024;
#      - DuckDB (from PyPI, in the bench virtualenv): one SQL query for the CHAIN totals of FY2024
#        (total, new, living on the streets, intermittent, flow, stock, returner) over the Parquet
#        file, as a whole Python process (bench/stats/duckdb_chain.py).
#   4. The figures of both are compared: they must be the same.
# Targets: the same numbers; byname's full report no slower than DuckDB's CHAIN totals; under 2 s
# for the full-year report.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${SCALE:-12}"
RUNS="${RUNS:-5}"
OUT="bench/out/stats"
VENV="bench/.venv"
PY="$VENV/bin/python"
die() { echo "stats.sh: $*" >&2; exit 1; }
case "$RUNS" in ''|*[!0-9]*|0) die "RUNS must be a positive whole number" ;; esac
mkdir -p "$OUT"

if ! [ -x "$PY" ] || ! "$PY" -c "import duckdb" 2>/dev/null; then
  echo "making the virtualenv at $VENV with duckdb (pip)"
  [ -x "$PY" ] || python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
  "$PY" -m pip install --quiet duckdb >"$OUT/venv.log" 2>&1 || { tail -20 "$OUT/venv.log" >&2; die "pip install duckdb failed"; }
fi

cargo build --release --quiet
BIN="$PWD/target/release/byname"
DATA="$OUT/data-$SCALE"
if [ ! -f "$DATA/byname.db" ]; then
  rm -rf "$DATA"
  echo "generating and importing scale $SCALE (once; kept in $DATA)"
  "$BIN" --data-dir "$DATA" generate --out "$DATA/export" --seed 7 --from 2015-04-01 --to 2025-03-31 --scale "$SCALE"
  "$BIN" --data-dir "$DATA" import chain "$DATA/export/chain" --no-link >/dev/null
  "$BIN" --data-dir "$DATA" import street-count "$DATA/export/street-count.csv" --no-link >/dev/null
  "$BIN" --data-dir "$DATA" link | tail -1
  "$BIN" --data-dir "$DATA" persons export --out "$DATA/persons.csv" >/dev/null
fi
[ -f "$DATA/contacts.parquet" ] || "$PY" bench/stats/export.py "$DATA/byname.db" "$DATA/contacts.parquet"
persons=$(($(wc -l <"$DATA/persons.csv") - 1))
contacts=$(($(wc -l <"$DATA/export/chain/contacts.csv") - 1))
echo "data: $contacts contacts, $persons source records; $(nproc) cores; $RUNS runs each, medians"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# Times "$@" RUNS times; prints the median seconds; the last run's output goes to $LAST.
LAST="$OUT/last.out"
timed() {
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    local start end
    start=$(date +%s.%N)
    "$@" >"$LAST" 2>"$OUT/last.err" || { cat "$OUT/last.err" >&2; die "failed: $*"; }
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc)")
  done
  printf '%s\n' "${times[@]}" | median
}

# The first report after an import or a linkage run reads every event and saves a snapshot;
# later reports read the snapshot. Both are timed.
cold_times=()
for _ in $(seq 1 "$RUNS"); do
  "$PY" -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('DELETE FROM stats_snapshots'); c.commit()" "$DATA/byname.db"
  start=$(date +%s.%N)
  "$BIN" --data-dir "$DATA" report key-stats --period FY2024 --format json >/dev/null 2>&1 || die "the first report failed"
  end=$(date +%s.%N)
  cold_times+=("$(echo "$end - $start" | bc)")
done
cold=$(printf '%s\n' "${cold_times[@]}" | median)
year=$(timed "$BIN" --data-dir "$DATA" report key-stats --period FY2024 --format json)
cp "$LAST" "$OUT/byname_FY2024.json"
quarters=0
for q in 1 2 3 4; do
  s=$(timed "$BIN" --data-dir "$DATA" report key-stats --period "FY2024-Q$q" --format json)
  quarters=$(echo "$quarters + $s" | bc)
done
duck=$(timed "$PY" bench/stats/duckdb_chain.py "$DATA/contacts.parquet" 2024)
cp "$LAST" "$OUT/duckdb_FY2024.json"

"$PY" - "$OUT/byname_FY2024.json" "$OUT/duckdb_FY2024.json" <<'EOF'
import json, sys
byname = json.load(open(sys.argv[1]))["metrics"]
duck = json.load(open(sys.argv[2]))
print(f"{'metric':<28} {'byname':>10} {'DuckDB':>10}")
same = True
for key, value in duck.items():
    mine = byname.get(key)
    ok = mine is not None and int(mine) == int(value)
    same &= ok
    print(f"{key:<28} {mine if mine is None else int(mine):>10} {value:>10} {'' if ok else '  DIFFERENT'}")
print("the same numbers" if same else "THE NUMBERS DIFFER")
sys.exit(0 if same else 1)
EOF

printf '\n%-58s %8s\n' "timed (wall seconds, median of $RUNS)" "seconds"
printf '%-58s %8.2f\n' "byname report key-stats FY2024 (the whole report)" "$year"
printf '%-58s %8.2f\n' "byname report key-stats FY2024-Q1..Q4 (four reports)" "$quarters"
printf '%-58s %8.2f\n' "byname FY2024, first report after new data (builds snapshot)" "$cold"
printf '%-58s %8.2f\n' "DuckDB SQL, CHAIN totals of FY2024 only" "$duck"
printf '%-58s %8.2f  (target at most 1)\n' "ratio byname full year / DuckDB" "$(echo "scale=3; $year / $duck" | bc)"
printf '%-58s %8s\n' "full-year report under 2 s" "$(echo "$year < 2" | bc | sed 's/1/yes/;s/0/NO/')"
