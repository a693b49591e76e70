"""statsforecast's AutoETS and SeasonalNaive at the same rolling origins as `byname forecast evaluate`.

    statsforecast_eval.py OUT.json FILE:HORIZON:ORIGINS:STEP [FILE:HORIZON:ORIGINS:STEP ...]

Each series is read as byname reads it (periods from the first row's to the last's, a missing or
empty value not observed). At each origin the part before it is cut, leading unobserved periods
dropped and the others filled in as byname fills them (a straight line between the figures either
side, the last figure carried forward at the end), and each model forecasts HORIZON periods with
80% and 95% intervals. Season: 12 for months, 4 for quarters. One StatsForecast object per model,
with n_jobs from SF_JOBS (default 1, one core; -1 for every core, in worker processes).

Every series at every origin is fitted twice in this one process: the first pass is "cold" (the
first fit after `import statsforecast`, what a fresh process pays), the second "warm". Both passes'
forecasts must be the same. The time of `import statsforecast` is reported on its own.
"""

import json
import os
import sys
import time

started = time.perf_counter()
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from statsforecast import StatsForecast  # noqa: E402
from statsforecast.models import AutoETS, SeasonalNaive  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - started
SEASON = {"month": 12, "quarter": 4}
JOBS = int(os.environ.get("SF_JOBS", "1"))


def read(path):
    """{series_id: (unit, values with NaN where not observed)}, in order of first appearance."""
    df = pd.read_csv(path, dtype={"series_id": str, "unit": str})
    out = {}
    for sid, g in df.groupby("series_id", sort=False):
        periods = g["period_index"].to_numpy()
        values = np.full(periods.max() - periods.min() + 1, np.nan)
        values[periods - periods.min()] = g["value"].to_numpy(dtype=float)
        out[sid] = (g["unit"].iloc[0], values)
    return out


def fill(y):
    """byname's filling: leading unobserved periods dropped, the rest a line between neighbours."""
    observed = np.flatnonzero(~np.isnan(y))
    y = y[observed[0]:]
    observed = observed - observed[0]
    return np.interp(np.arange(len(y)), observed, y[observed])


def cuts(n, horizon, origins, step):
    last = n - horizon
    return [last - step * (origins - 1) + k * step for k in range(origins)]


def one_pass(plans, model_name):
    """Every series at every origin, for one model; returns (seconds, forecasts)."""
    forecasts = []
    seconds = 0.0
    for series, horizon, origins, step in plans:
        by_unit = {}
        for sid, (unit, values) in series.items():
            by_unit.setdefault(unit, []).append((sid, values))
        for unit, members in by_unit.items():
            season = SEASON[unit]
            model = AutoETS(season_length=season) if model_name == "autoets" else SeasonalNaive(season_length=season)
            for k in range(origins):
                frames, origin_of = [], {}
                for sid, values in members:
                    origin = cuts(len(values), horizon, origins, step)[k]
                    y = fill(values[:origin])
                    frames.append(pd.DataFrame({"unique_id": sid, "ds": np.arange(len(y)), "y": y}))
                    origin_of[sid] = origin
                df = pd.concat(frames, ignore_index=True)
                sf = StatsForecast(models=[model], freq=1, n_jobs=JOBS)
                t = time.perf_counter()
                fc = sf.forecast(df=df, h=horizon, level=[80, 95])
                seconds += time.perf_counter() - t
                col = [c for c in fc.columns if c not in ("unique_id", "ds") and "-lo-" not in c and "-hi-" not in c][0]
                for sid, g in fc.groupby("unique_id", sort=False):
                    steps = [
                        {
                            "point": float(r[col]),
                            "lower_80": float(r[f"{col}-lo-80"]),
                            "upper_80": float(r[f"{col}-hi-80"]),
                            "lower_95": float(r[f"{col}-lo-95"]),
                            "upper_95": float(r[f"{col}-hi-95"]),
                        }
                        for _, r in g.iterrows()
                    ]
                    forecasts.append({"series_id": sid, "origin": int(origin_of[sid]), "steps": steps})
    return seconds, forecasts


def main():
    out_path = sys.argv[1]
    plans = []
    for spec in sys.argv[2:]:
        path, horizon, origins, step = spec.split(":")
        plans.append((read(path), int(horizon), int(origins), int(step)))
    result = {"import_seconds": IMPORT_SECONDS, "tools": {}}
    for name in ["autoets", "seasonal_naive"]:
        cold, first = one_pass(plans, name)
        warm, second = one_pass(plans, name)
        key = lambda f: (f["series_id"], f["origin"])  # noqa: E731
        same = sorted(first, key=key) == sorted(second, key=key)
        result["tools"][name] = {"fit_seconds_cold": cold, "fit_seconds_warm": warm, "passes_agree": same, "forecasts": second}
    with open(out_path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
