#!/usr/bin/env bash
# Record linkage quality and cost: `byname link csv` side by side with Splink 5 (DuckDB backend,
# configured as Splink's own FEBRL tutorial; see bench/linkage/splink_link.py for every setting)
# on the same files, in this run, on this machine. Both tools deduplicate each data set; each is
# timed as a whole process (start to pairs.csv written) with /usr/bin/time, which also gives the
# peak memory (max RSS). Quality is pairwise precision, recall and F1 of the pairs with match
# probability >= 0.5 against the data set's truth (bench/linkage/evaluate.py), and the same of the
# persons each tool ends with: every two records in one of its clusters at that threshold (byname's
# --clusters, Splink's cluster_pairwise_predictions_at_threshold, both inside the timed run). Blocking recall is
# the share of true pairs among byname's candidate pairs, from one more, untimed run with
# --candidates (bench/linkage/blocking_recall.py).
#
#   bench/linkage.sh                                # RUNS=1, DATASETS="febrl1 febrl2 febrl3 chain_inform"
#   RUNS=3 DATASETS="febrl3 chain_inform" bench/linkage.sh
#
# Data sets:
#   febrl1..3     ../shared/data/febrl/febrlN.csv with febrlN_truth.csv
#   chain_inform  `byname generate --seed 11 --from 2021-04-01 --to 2025-03-31`, CHAIN persons and
#                 Inform clients, with their stays and placements, in one file with a common header
#                 (bench/linkage/prepare_chain_inform.py),
#                 deduplicated; truth = every pair of records sharing a person. Also reports F1 on
#                 the pairs within CHAIN only.
#   febrl_1m      bench/out/linkage/febrl_1m.csv with febrl_1m_truth.csv, added to the default list
#                 when both exist; skipped otherwise. Made with
#                 `byname generate-febrl --records 1000000 --out bench/out/linkage/febrl_1m.csv`.
#
# Splink runs from a virtualenv at bench/.venv, made here when missing (splink==5.*, duckdb,
# psutil from PyPI). Outputs, logs and results.tsv go to bench/out/linkage/.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-1}"
THRESHOLD=0.5
OUT="bench/out/linkage"
FEBRL="../shared/data/febrl"
VENV="bench/.venv"
PY="$VENV/bin/python"
HERE="bench/linkage"

die() { echo "linkage.sh: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

case "$RUNS" in ''|*[!0-9]*|0) die "RUNS must be a positive whole number, not '$RUNS'" ;; esac

mkdir -p "$OUT"

# --- the Splink virtualenv --------------------------------------------------------------------
venv_ok() {
  [ -x "$PY" ] && "$PY" - <<'EOF' 2>/dev/null
import sys, splink, duckdb, psutil
sys.exit(0 if splink.__version__.startswith("5.") else 1)
EOF
}
if ! venv_ok; then
  command -v python3 >/dev/null || die "python3 is not installed: it is needed to make the Splink virtualenv at $VENV"
  echo "making the Splink virtualenv at $VENV (pip install splink==5.* duckdb psutil; takes a few minutes)"
  if [ ! -x "$PY" ]; then
    rm -rf "$VENV"
    python3 -m venv "$VENV" >"$OUT/venv.log" 2>&1 || {
      cat "$OUT/venv.log" >&2; rm -rf "$VENV"
      die "could not create the virtualenv at $VENV with 'python3 -m venv' (on Debian/Ubuntu: apt-get install python3-venv)"
    }
  fi
  { "$PY" -m pip install --quiet --upgrade pip &&
    "$PY" -m pip install --quiet 'splink==5.*' duckdb psutil; } >"$OUT/venv.log" 2>&1 || {
    tail -30 "$OUT/venv.log" >&2
    die "could not install splink==5.*, duckdb and psutil into $VENV with pip (is PyPI reachable?); full log: $OUT/venv.log"
  }
  venv_ok || die "the virtualenv at $VENV was made but 'import splink, duckdb, psutil' fails or splink is not 5.x: remove $VENV and run again"
fi

if [ ! -x /usr/bin/time ]; then
  as_root apt-get update -qq && as_root apt-get install -y -qq time >/dev/null || die "/usr/bin/time is missing and could not be installed"
fi

# --- byname -----------------------------------------------------------------------------------
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/byname"

# --- data sets ---------------------------------------------------------------------------------
default="febrl1 febrl2 febrl3 chain_inform"
[ -f "$OUT/febrl_1m.csv" ] && [ -f "$OUT/febrl_1m_truth.csv" ] && default="$default febrl_1m"
DATASETS="${DATASETS:-$default}"

# Sets INPUT, TRUTH and KIND for data set $1; returns 1 when it is to be skipped.
prepare() {
  case "$1" in
    febrl[123])
      INPUT="$FEBRL/$1.csv"; TRUTH="$FEBRL/${1}_truth.csv"; KIND=febrl
      [ -f "$INPUT" ] && [ -f "$TRUTH" ] || die "$INPUT or $TRUTH is missing (shared/ is expected beside the repo)"
      ;;
    chain_inform)
      rm -rf "$OUT/export"
      "$BIN" generate --out "$OUT/export" --seed 11 --from 2021-04-01 --to 2025-03-31 >"$OUT/generate.log" 2>&1 ||
        { cat "$OUT/generate.log" >&2; die "byname generate failed"; }
      "$PY" "$HERE/prepare_chain_inform.py" "$OUT/export" "$OUT/chain_inform"
      INPUT="$OUT/chain_inform.csv"; TRUTH="$OUT/chain_inform_truth.csv"; KIND=chain_inform
      ;;
    febrl_1m)
      INPUT="$OUT/febrl_1m.csv"; TRUTH="$OUT/febrl_1m_truth.csv"; KIND=febrl
      [ -f "$INPUT" ] && [ -f "$TRUTH" ] || return 1
      ;;
    *) die "unknown data set '$1' (known: febrl1 febrl2 febrl3 chain_inform febrl_1m)" ;;
  esac
}

# Runs "$@" under /usr/bin/time; LOG gets its output, SECS and KIB the wall time and max RSS.
timed() {
  local log="$1"; shift
  local tf; tf="$(mktemp)"
  if ! /usr/bin/time -f "%e %M" -o "$tf" "$@" >"$log" 2>&1; then
    tail -40 "$log" >&2; rm -f "$tf"
    die "failed: $* (log: $log)"
  fi
  read -r SECS KIB < <(tail -1 "$tf")
  rm -f "$tf"
}

evaluate() { "$PY" "$HERE/evaluate.py" "$1" "$TRUTH" --threshold "$THRESHOLD" "${@:2}"; }

RESULTS="$OUT/results.tsv"
printf 'dataset\ttool\trun\tseconds\tmax_rss_kib\tprecision\trecall\tf1\tf1_chain\tf1_clusters\tf1_clusters_chain\tcandidates\tblocking_recall\n' >"$RESULTS"
echo "byname $("$BIN" --version 2>/dev/null | awk '{print $NF}') vs $("$PY" -c 'import splink, duckdb; print(f"Splink {splink.__version__} (DuckDB {duckdb.__version__})")');" \
  "$(nproc) cores; $RUNS run(s) each, medians; pairs with probability >= $THRESHOLD"

for ds in $DATASETS; do
  prepare "$ds" || continue
  dir="$OUT/$ds"; mkdir -p "$dir"
  n=$(($(wc -l <"$INPUT") - 1)); t=$(($(wc -l <"$TRUTH") - 1))
  echo "$ds: $n records, $t true pairs"
  # Blocking recall, from an untimed run that also writes the candidate pairs.
  "$BIN" --data-dir "$OUT/byname-data" link csv --input "$INPUT" --id-column rec_id --out "$dir/byname_pairs.csv" \
    --threshold "$THRESHOLD" --candidates "$dir/byname_candidates.csv" >"$dir/byname_candidates.log" 2>&1 ||
    { tail -40 "$dir/byname_candidates.log" >&2; die "byname link csv --candidates failed on $INPUT"; }
  read -r brecall _ < <("$PY" "$HERE/blocking_recall.py" "$dir/byname_candidates.csv" "$TRUTH") ||
    die "measuring blocking recall on $ds failed"
  rm -f "$dir/byname_candidates.csv"
  echo "  byname blocking recall: $brecall"
  for run in $(seq 1 "$RUNS"); do
    for tool in byname Splink; do
      pairs="$dir/${tool,,}_pairs.csv"; log="$dir/${tool,,}.log"; clusters="$dir/${tool,,}_clusters.csv"
      rm -f "$pairs" "$clusters"
      if [ "$tool" = byname ]; then
        timed "$log" "$BIN" --data-dir "$OUT/byname-data" link csv --input "$INPUT" --id-column rec_id \
          --out "$pairs" --clusters "$clusters" --threshold "$THRESHOLD"
        cand=$(sed -n 's/^candidate pairs: \([0-9]*\).*/\1/p' "$log" | head -1)
        br="$brecall"
      else
        timed "$log" "$PY" "$HERE/splink_link.py" --kind "$KIND" --input "$INPUT" --out "$pairs" \
          --threshold "$THRESHOLD" --clusters "$clusters"
        cand=""
        br="-"
      fi
      [ -f "$pairs" ] || die "$tool wrote no $pairs (log: $log)"
      [ -f "$clusters" ] || die "$tool wrote no $clusters (log: $log)"
      ev="$(evaluate "$pairs")" || die "evaluating $pairs against $TRUTH failed"
      read -r p r f _ <<<"$ev"
      ev="$("$PY" "$HERE/evaluate.py" --clusters "$clusters" "$TRUTH")" || die "evaluating $clusters against $TRUTH failed"
      read -r _ _ fk _ <<<"$ev"
      fc="-"; fkc="-"
      if [ "$ds" = chain_inform ]; then
        ev="$(evaluate "$pairs" --both-prefix chain:)" || die "evaluating $pairs (CHAIN only) failed"
        read -r _ _ fc _ <<<"$ev"
        ev="$("$PY" "$HERE/evaluate.py" --clusters "$clusters" "$TRUTH" --both-prefix chain:)" ||
          die "evaluating $clusters (CHAIN only) failed"
        read -r _ _ fkc _ <<<"$ev"
      fi
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ds" "$tool" "$run" "$SECS" "$KIB" "$p" "$r" "$f" "$fc" "$fk" "$fkc" "${cand:--}" "$br" >>"$RESULTS"
      echo "  run $run $tool: ${SECS}s, $((KIB / 1024)) MiB, F1 $f (persons $fk)"
    done
  done
done

echo
"$PY" "$HERE/report.py" "$RESULTS"
echo
echo "F1: the pairs each tool scored at or above $THRESHOLD; F1 persons: every two records in one of its clusters."
echo "F1 CHAIN-only: pairs with both ids from CHAIN, in the output and the truth alike."
echo "time b/S, mem b/S: byname / Splink, of total wall seconds and of peak RSS."
echo "candidates: byname's candidate pairs after blocking; blocking recall: the share of true pairs among them."
