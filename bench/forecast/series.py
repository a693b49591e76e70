"""Writes the series of the forecasting benchmark as long CSV (series_id,unit,period_index,value).

    series.py BYNAME DATA_DIR OUT_DIR

- byname: each series metric (chain.total, chain.new, chain.living_on_streets, chain.returner,
  bfz.active) by month, for the partnership and for each area, from `byname forecast --format json`,
  whose history says of each month whether it is a figure, a gap or in a structural break (Everyone
  In, 2020-04..2021-06, and the first year of new people and returners). Gaps and breaks are written
  with an empty value: every tool is fitted to the same line across them, and none is scored on them.
- public: series shipped inside PyPI packages, read offline:
  pmdarima.datasets (monthly: airpassengers, wineind; quarterly: woolyrnq, ausbeer, austres) and
  statsmodels.datasets (monthly: elnino sea temperature, co2 at Mauna Loa as monthly means of the
  weekly figures; quarterly: macrodata realgdp and unemp).

Writes OUT_DIR/monthly.csv and OUT_DIR/quarterly.csv.
"""

import csv
import json
import subprocess
import sys

import numpy as np

METRICS = ["chain.total", "chain.new", "chain.living_on_streets", "chain.returner", "bfz.active"]
AREAS = ["Westminster", "Lambeth", "City of London", "Camden", "Kensington and Chelsea"]


def byname_series(binary, data_dir):
    out = []
    for area in [None] + AREAS:
        for metric in METRICS:
            args = [binary, "--data-dir", data_dir, "forecast", "--metric", metric, "--format", "json", "--horizon", "1"]
            if area:
                args += ["--area", area]
            result = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)
            values = [h["value"] if h["observation"] == "value" else None for h in result["history"]]
            name = f"byname/{area or 'partnership'}/{metric}".replace(" ", "_")
            out.append((name, "month", values))
    return out


def public_series():
    import pandas as pd
    import pmdarima.datasets as pm
    import statsmodels.api as sm

    out = [
        ("pmdarima/airpassengers", "month", pm.load_airpassengers()),
        ("pmdarima/wineind", "month", pm.load_wineind()),
    ]
    elnino = sm.datasets.elnino.load_pandas().data.sort_values("YEAR")
    out.append(("statsmodels/elnino", "month", elnino.drop(columns="YEAR").to_numpy().ravel()))
    co2 = sm.datasets.co2.load_pandas().data["co2"].resample("MS").mean()
    out.append(("statsmodels/co2_monthly", "month", co2.to_numpy()))
    out += [
        ("pmdarima/woolyrnq", "quarter", pm.load_woolyrnq()),
        ("pmdarima/ausbeer", "quarter", pm.load_ausbeer()),
        ("pmdarima/austres", "quarter", pm.load_austres()),
    ]
    macro = sm.datasets.macrodata.load_pandas().data
    out += [
        ("statsmodels/macrodata_realgdp", "quarter", macro["realgdp"].to_numpy()),
        ("statsmodels/macrodata_unemp", "quarter", macro["unemp"].to_numpy()),
    ]
    return [(name, unit, [None if pd.isna(v) else float(v) for v in np.asarray(values)]) for name, unit, values in out]


def main():
    binary, data_dir, out_dir = sys.argv[1:4]
    every = byname_series(binary, data_dir) + public_series()
    for unit, file in [("month", "monthly.csv"), ("quarter", "quarterly.csv")]:
        with open(f"{out_dir}/{file}", "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["series_id", "unit", "period_index", "value"])
            for name, u, values in every:
                if u != unit:
                    continue
                for k, v in enumerate(values):
                    w.writerow([name, unit, k, "" if v is None else repr(v)])
    for name, unit, values in every:
        print(f"{name:<52} {unit:<8} {len(values):>5} periods, {sum(v is None for v in values):>3} not observed")


if __name__ == "__main__":
    main()
