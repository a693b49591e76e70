#!/usr/bin/env bash
# byname's automatic forecast side by side with statsforecast's AutoETS and SeasonalNaive, on the same
# series, horizons and rolling origins, in one run on this machine.
#
#   bench/forecast.sh                   # SCALE=2 (about 480,000 contacts over ten years), RUNS=5
#   RUNS=3 bench/forecast.sh            # fewer timed runs
#
# The series (bench/forecast/series.py):
#   - byname's generated data: `byname generate --scale $SCALE` for FY2015 to FY2024, imported into a
#     fresh SQLite store and linked; the monthly series of each series metric (chain.total, chain.new,
#     chain.living_on_streets, chain.returner, bfz.active) for the partnership and for each of its five
#     areas (30 series of 120 months), from `byname forecast --format json`. The months of Everyone In
#     (2020-04..2021-06, byname's default break) and the first year of new people and returners are
#     written as not observed: every tool is fitted to the same straight line across them, and none is
#     scored on them.
#   - public series shipped inside PyPI packages, read offline: pmdarima.datasets (monthly
#     airpassengers and wineind; quarterly woolyrnq, ausbeer and austres) and statsmodels.datasets
#     (monthly elnino and co2, the weekly co2 as monthly means; quarterly macrodata realgdp and unemp).
# The plan: monthly 12 months ahead, quarterly 8 quarters ahead; 3 origins a horizon apart, the last
# leaving exactly the horizon (so 36 months or 24 quarters forecast per series, each period once).
# On byname's data the first origin is 2022-04, nine months after Everyone In ends: no forecast is
# scored on the break, and every tool's history holds the same filled-in break.
#
# Tools, fitted to exactly the same histories:
#   - byname: `byname forecast evaluate` (byname_forecast::forecast at each origin: the model chosen by
#     its own backtest, intervals widened to the backtest's errors), on every core;
#   - statsforecast (PyPI, in the bench virtualenv): AutoETS and SeasonalNaive, season 12 or 4,
#     level=[80, 95], n_jobs=1, then again with n_jobs=-1 (bench/forecast/statsforecast_eval.py).
#     statsforecast 2's ETS is compiled C++ (no numba, so no JIT to pay): "cold" is the first fit
#     of everything in a fresh process, "warm" a second fit of everything in the same process; the
#     import is timed apart.
# Scores (bench/forecast/compare.py, one code for every tool, checked against byname's own): MASE
# scaled by the in-sample seasonal naive errors before each origin, averaged over origins and then
# series; 80% and 95% coverage over every period forecast.
# Targets: overall MASE no worse than AutoETS; byname's 95% intervals hold 90-98%; fitting every
# series at every origin at least 10 times faster than statsforecast's AutoETS, warm (the ratio
# uses the warm time, the harder one, of statsforecast as it runs by default (n_jobs=1) against
# byname as it runs by default (every core); the cold time, and the ratios core for core, with both
# on one core and both on every core, are printed too).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${SCALE:-2}"
RUNS="${RUNS:-5}"
OUT="bench/out/forecast"
VENV="bench/.venv"
PY="$VENV/bin/python"
die() { echo "forecast.sh: $*" >&2; exit 1; }
case "$RUNS" in ''|*[!0-9]*|0) die "RUNS must be a positive whole number" ;; esac
mkdir -p "$OUT"

[ -x "$PY" ] || python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
missing=()
"$PY" -c "import statsforecast" 2>/dev/null || missing+=(statsforecast)
"$PY" -c "import pmdarima" 2>/dev/null || missing+=(pmdarima)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing into $VENV: ${missing[*]} (pip)"
  "$PY" -m pip install --quiet "${missing[@]}" >"$OUT/venv.log" 2>&1 || { tail -20 "$OUT/venv.log" >&2; die "pip install failed"; }
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
fi
"$PY" bench/forecast/series.py "$BIN" "$DATA" "$OUT" >"$OUT/series.txt" || die "writing the series failed"
MONTHLY="$OUT/monthly.csv:12:3:12"
QUARTERLY="$OUT/quarterly.csv:8:3:8"
echo "series: $(grep -c month "$OUT/series.txt") monthly, $(grep -c quarter "$OUT/series.txt") quarterly" \
  "(the list: $OUT/series.txt); $(nproc) cores; $RUNS runs each, medians"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
field() { "$PY" -c "import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
byname_fit=() byname_fit1=() byname_wall=() ets_warm=() ets_warm_all=() ets_cold=() ets_import=() naive_warm=() sf_wall=()
for run in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  "$BIN" forecast evaluate --input "$OUT/monthly.csv" --horizon 12 --origins 3 --format json >"$OUT/byname_monthly.json"
  "$BIN" forecast evaluate --input "$OUT/quarterly.csv" --horizon 8 --origins 3 --format json >"$OUT/byname_quarterly.json"
  end=$(date +%s.%N)
  byname_wall+=("$(echo "$end - $start" | bc)")
  byname_fit+=("$(echo "$(field "$OUT/byname_monthly.json" "d['fit_seconds']") + $(field "$OUT/byname_quarterly.json" "d['fit_seconds']")" | bc)")
  [ "$run" = 1 ] && field "$OUT/byname_monthly.json" "json.dumps(d['forecasts'])" >"$OUT/byname_first_run.json"
  # The same on one core, as statsforecast runs here.
  taskset -c 0 "$BIN" forecast evaluate --input "$OUT/monthly.csv" --horizon 12 --origins 3 --format json >"$OUT/byname_monthly_1core.json"
  taskset -c 0 "$BIN" forecast evaluate --input "$OUT/quarterly.csv" --horizon 8 --origins 3 --format json >"$OUT/byname_quarterly_1core.json"
  byname_fit1+=("$(echo "$(field "$OUT/byname_monthly_1core.json" "d['fit_seconds']") + $(field "$OUT/byname_quarterly_1core.json" "d['fit_seconds']")" | bc)")
  start=$(date +%s.%N)
  "$PY" bench/forecast/statsforecast_eval.py "$OUT/statsforecast.json" "$MONTHLY" "$QUARTERLY" || die "statsforecast failed"
  end=$(date +%s.%N)
  sf_wall+=("$(echo "$end - $start" | bc)")
  ets_warm+=("$(field "$OUT/statsforecast.json" "d['tools']['autoets']['fit_seconds_warm']")")
  ets_cold+=("$(field "$OUT/statsforecast.json" "d['tools']['autoets']['fit_seconds_cold']")")
  ets_import+=("$(field "$OUT/statsforecast.json" "d['import_seconds']")")
  naive_warm+=("$(field "$OUT/statsforecast.json" "d['tools']['seasonal_naive']['fit_seconds_warm']")")
  [ "$(field "$OUT/statsforecast.json" "all(t['passes_agree'] for t in d['tools'].values())")" = True ] ||
    die "statsforecast's two passes gave different forecasts"
  # statsforecast on every core too (n_jobs=-1: worker processes).
  SF_JOBS=-1 "$PY" bench/forecast/statsforecast_eval.py "$OUT/statsforecast_all_cores.json" "$MONTHLY" "$QUARTERLY" ||
    die "statsforecast on every core failed"
  ets_warm_all+=("$(field "$OUT/statsforecast_all_cores.json" "d['tools']['autoets']['fit_seconds_warm']")")
done
field "$OUT/byname_monthly.json" "json.dumps(d['forecasts'])" | cmp -s - "$OUT/byname_first_run.json" ||
  die "byname's forecasts differ from one run to the next"
field "$OUT/byname_monthly_1core.json" "json.dumps(d['forecasts'])" | cmp -s - "$OUT/byname_first_run.json" ||
  die "byname's forecasts on one core differ from those on every core"

"$PY" bench/forecast/compare.py "$OUT/statsforecast.json" \
  "$OUT/monthly.csv:$OUT/byname_monthly.json" "$OUT/quarterly.csv:$OUT/byname_quarterly.json" | tee "$OUT/scores.txt"

m() { printf '%s\n' "$@" | median; }
fit=$(m "${byname_fit[@]}") fit1=$(m "${byname_fit1[@]}") wall=$(m "${byname_wall[@]}")
warm=$(m "${ets_warm[@]}") warm_all=$(m "${ets_warm_all[@]}") cold=$(m "${ets_cold[@]}") imp=$(m "${ets_import[@]}") naive=$(m "${naive_warm[@]}")
sfwall=$(m "${sf_wall[@]}")
fits=$(( $(field "$OUT/byname_monthly.json" "d['fits']") + $(field "$OUT/byname_quarterly.json" "d['fits']") ))
printf '\n%-66s %8s\n' "timed: $fits forecasts (series x origins), median of $RUNS runs" "seconds"
printf '%-66s %8.3f\n' "byname, fitting every series at every origin ($(nproc) cores)" "$fit"
printf '%-66s %8.3f\n' "byname, the same on one core (taskset -c 0)" "$fit1"
printf '%-66s %8.3f\n' "byname, both evaluate commands, whole processes" "$wall"
printf '%-66s %8.3f\n' "statsforecast AutoETS, warm (second fit in the process, 1 core)" "$warm"
printf '%-66s %8.3f\n' "statsforecast AutoETS, warm, n_jobs=-1 ($(nproc) worker processes)" "$warm_all"
printf '%-66s %8.3f\n' "statsforecast AutoETS, cold (first fit in a fresh process)" "$cold"
printf '%-66s %8.3f\n' "statsforecast import (python -c 'import statsforecast' part)" "$imp"
printf '%-66s %8.3f\n' "statsforecast SeasonalNaive, warm" "$naive"
printf '%-66s %8.3f\n' "statsforecast script, whole process (both models, two passes each)" "$sfwall"
ratio=$(echo "scale=2; $warm / $fit" | bc)
printf '%-66s %8.2f  (target at least 10: %s)\n' "ratio AutoETS warm / byname fit (the target's ratio)" "$ratio" \
  "$(echo "$ratio >= 10" | bc | sed 's/1/met/;s/0/NOT MET/')"
printf '%-66s %8.2f\n' "ratio AutoETS warm / byname fit, both on one core" "$(echo "scale=2; $warm / $fit1" | bc)"
printf '%-66s %8.2f\n' "ratio AutoETS warm / byname fit, both on every core" "$(echo "scale=2; $warm_all / $fit" | bc)"
printf '%-66s %8.2f\n' "ratio (import + AutoETS cold) / byname whole processes" "$(echo "scale=2; ($imp + $cold) / $wall" | bc)"
