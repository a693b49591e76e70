#!/usr/bin/env bash
# Import of a generated CHAIN-style export with about 1,000,000 contacts into SQLite:
# `byname import chain` (validation, diagnostics, idempotent upserts, indexes, one
# transaction) side by side with sqlite3's own `.import` of the same contacts file into a
# bare table, on this machine, in this run. Prints each run, the medians, the ratio and
# byname's peak memory.
#
#   bench/import.sh            # RUNS=3 by default
#   RUNS=5 SCALE=4 bench/import.sh
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-3}"
SCALE="${SCALE:-4}"
FROM="${FROM:-2015-04-01}"
TO="${TO:-2025-03-31}"
OUT="bench/out/import"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v sqlite3 >/dev/null; then as_root apt-get update -qq && as_root apt-get install -y -qq sqlite3 >/dev/null; fi
if [ ! -x /usr/bin/time ]; then as_root apt-get update -qq && as_root apt-get install -y -qq time >/dev/null; fi

cargo build --release --quiet
BIN="$PWD/target/release/byname"

mkdir -p "$OUT"
stamp="$OUT/export/.settings"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$SCALE $FROM $TO" ]; then
  rm -rf "$OUT/export"
  "$BIN" generate --out "$OUT/export" --seed 1 --scale "$SCALE" --from "$FROM" --to "$TO"
  echo "$SCALE $FROM $TO" > "$stamp"
fi
CHAIN="$OUT/export/chain"
n_contacts=$(($(wc -l < "$CHAIN/contacts.csv") - 1))
n_persons=$(($(wc -l < "$CHAIN/persons.csv") - 1))
n_stays=$(($(wc -l < "$CHAIN/stays.csv") - 1))
echo "export: $n_contacts contacts ($(du -h "$CHAIN/contacts.csv" | cut -f1)), $n_persons persons, $n_stays stays"
echo "sqlite3 $(sqlite3 --version | cut -d' ' -f1); $RUNS runs each, alternating"
echo

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

byname_times=(); byname_rss=(); checkpoint_times=(); sqlite_times=(); sqlite_all_times=()
for run in $(seq 1 "$RUNS"); do
  rm -f "$OUT"/byname.db*
  /usr/bin/time -f "%e %M" -o "$OUT/time" "$BIN" --database "sqlite://$OUT/byname.db" import chain "$CHAIN" --no-link >"$OUT/byname.log" 2>&1
  read -r seconds kib < "$OUT/time"
  byname_times+=("$seconds"); byname_rss+=("$kib")
  echo "run $run: byname import chain (contacts, persons, stays)   ${seconds}s  peak $((kib / 1024)) MiB"
  # byname commits durably to the write-ahead log and leaves copying it into the database
  # file to the next write; that deferred work is timed here and reported too.
  /usr/bin/time -f "%e %M" -o "$OUT/time" sqlite3 "$OUT/byname.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
  read -r seconds kib < "$OUT/time"
  checkpoint_times+=("$seconds")
  echo "run $run: its deferred WAL checkpoint                       ${seconds}s"

  rm -f "$OUT"/bare.db*
  /usr/bin/time -f "%e %M" -o "$OUT/time" sqlite3 "$OUT/bare.db" ".import --csv $CHAIN/contacts.csv contacts"
  read -r seconds kib < "$OUT/time"
  sqlite_times+=("$seconds")
  echo "run $run: sqlite3 .import contacts.csv into a bare table   ${seconds}s"

  rm -f "$OUT"/bare.db*
  /usr/bin/time -f "%e %M" -o "$OUT/time" sqlite3 "$OUT/bare.db" ".import --csv $CHAIN/contacts.csv contacts" \
    ".import --csv $CHAIN/persons.csv persons" ".import --csv $CHAIN/stays.csv stays"
  read -r seconds kib < "$OUT/time"
  sqlite_all_times+=("$seconds")
  echo "run $run: sqlite3 .import of all three files               ${seconds}s"
done
tail -n 2 "$OUT/byname.log"
echo

b=$(printf '%s\n' "${byname_times[@]}" | median)
s=$(printf '%s\n' "${sqlite_times[@]}" | median)
a=$(printf '%s\n' "${sqlite_all_times[@]}" | median)
c=$(printf '%s\n' "${checkpoint_times[@]}" | median)
peak=$(printf '%s\n' "${byname_rss[@]}" | sort -n | tail -n 1)
echo "median byname import chain:            ${b}s"
echo "median deferred WAL checkpoint:        ${c}s"
echo "median sqlite3 .import contacts.csv:   ${s}s"
echo "median sqlite3 .import all three:      ${a}s"
awk -v b="$b" -v s="$s" -v a="$a" -v c="$c" 'BEGIN {
  printf "ratio byname / sqlite3 contacts:       %.2fx (target: within 2x)\n", b / s
  printf "ratio with the deferred checkpoint:    %.2fx\n", (b + c) / s
  printf "ratio byname / sqlite3 all files:      %.2fx\n", b / a }'
echo "byname peak memory (max of runs):      $((peak / 1024)) MiB (target: under 200 MiB)"
