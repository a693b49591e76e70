#!/usr/bin/env bash
# How well `byname link` (the platform, not `link csv`) joins the records of the bench's generated
# partnership by itself: the CHAIN and Inform records of `byname generate --seed 11 --from
# 2021-04-01 --to 2025-03-31` are imported into a fresh SQLite store and linked, and the persons
# (`byname persons export`) are scored pair by pair against the generator's truth: every two
# records in one person, against every two records of one true person. Pairs waiting in the review
# queue are not links, so recall here is what byname links without a reviewer.
#
#   bench/linkage_platform.sh          # prints precision, recall, F1, true/false/missed pairs
#
# Outputs go to bench/out/platform/.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT="bench/out/platform"
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/byname"
rm -rf "$OUT"
mkdir -p "$OUT"
"$BIN" --data-dir "$OUT" generate --out "$OUT/export" --seed 11 --from 2021-04-01 --to 2025-03-31 >"$OUT/generate.log" 2>&1
"$BIN" --data-dir "$OUT" import chain "$OUT/export/chain" --no-link >"$OUT/import.log" 2>&1
"$BIN" --data-dir "$OUT" import inform "$OUT/export/inform" --no-link >>"$OUT/import.log" 2>&1
"$BIN" --data-dir "$OUT" link 2>&1 | tee "$OUT/link.log" | tail -1
"$BIN" --data-dir "$OUT" persons export --out "$OUT/persons.csv" >"$OUT/export.log" 2>&1
python3 - "$OUT" <<'PY'
import csv
import sys
from collections import defaultdict
from itertools import combinations

out = sys.argv[1]


def pairs(groups):
    return {tuple(sorted(p)) for ids in groups.values() for p in combinations(sorted(set(ids)), 2)}


truth, persons = defaultdict(list), defaultdict(list)
with open(f"{out}/export/truth.csv", newline="") as f:
    for r in csv.DictReader(f):
        if r["source"] in ("chain", "inform"):
            truth[r["person_key"]].append((r["source"], r["source_id"]))
with open(f"{out}/persons.csv", newline="") as f:
    for r in csv.DictReader(f):
        if r["source"] in ("chain", "inform"):
            persons[r["person_id"]].append((r["source"], r["source_id"]))
true_pairs, found = pairs(truth), pairs(persons)
tp = len(found & true_pairs)
precision, recall = tp / len(found), tp / len(true_pairs)
f1 = 2 * precision * recall / (precision + recall)
print(f"persons of byname link: precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f} "
      f"({tp} true pairs linked, {len(found) - tp} false, {len(true_pairs) - tp} missed)")
PY
