"""Scores byname's and statsforecast's forecasts of the same series at the same origins, on the same terms.

    compare.py STATSFORECAST.json CSV:BYNAME.json [CSV:BYNAME.json ...]

MASE: for each series and origin, the mean absolute error over the observed periods forecast, over
the mean absolute error of the seasonal naive rule (the figure a season before) within the history
before the origin, on pairs of observed periods; averaged over origins, then over series (each
series counts once). Coverage: the share of all observed periods forecast that fell inside the 80%
and 95% intervals. The same code scores every tool; byname's own scores (from its JSON) are checked
against it.
"""

import json
import sys

import numpy as np
import pandas as pd

SEASON = {"month": 12, "quarter": 4}
TOOLS = [("byname", "byname"), ("autoets", "AutoETS"), ("seasonal_naive", "SeasonalNaive")]


def read(path):
    df = pd.read_csv(path, dtype={"series_id": str, "unit": str})
    out = {}
    for sid, g in df.groupby("series_id", sort=False):
        periods = g["period_index"].to_numpy()
        values = np.full(periods.max() - periods.min() + 1, np.nan)
        values[periods - periods.min()] = g["value"].to_numpy(dtype=float)
        out[sid] = (g["unit"].iloc[0], values)
    return out


def scale(y, origin, season):
    a, b = y[season:origin], y[: origin - season]
    d = np.abs(a - b)
    d = d[~np.isnan(d)]
    return d.mean() if len(d) and d.mean() > 0 else None


def score(series, forecasts):
    """{series_id: (mase or None, points, in80, in95)}."""
    per = {sid: ([], 0, 0, 0) for sid in series}
    for f in forecasts:
        if not f["steps"]:
            continue
        unit, y = series[f["series_id"]]
        origin = f["origin"]
        errors, n, in80, in95 = [], 0, 0, 0
        for h, s in enumerate(f["steps"]):
            actual = y[origin + h]
            if np.isnan(actual):
                continue
            errors.append(abs(actual - s["point"]))
            n += 1
            in80 += s["lower_80"] <= actual <= s["upper_80"]
            in95 += s["lower_95"] <= actual <= s["upper_95"]
        m, p, a, b = per[f["series_id"]]
        sc = scale(y, origin, SEASON[unit])
        if n and sc:
            m = m + [np.mean(errors) / sc]
        per[f["series_id"]] = (m, p + n, a + in80, b + in95)
    return {sid: (np.mean(m) if m else None, p, a, b) for sid, (m, p, a, b) in per.items()}


def overall(scores, ids):
    mases = [scores[i][0] for i in ids if scores[i][0] is not None]
    points = sum(scores[i][1] for i in ids)
    return (
        np.mean(mases) if mases else None,
        sum(scores[i][2] for i in ids) / max(points, 1),
        sum(scores[i][3] for i in ids) / max(points, 1),
        points,
    )


def main():
    sf = json.load(open(sys.argv[1]))
    series, byname, own = {}, [], []
    for spec in sys.argv[2:]:
        csv_path, json_path = spec.split(":")
        series.update(read(csv_path))
        b = json.load(open(json_path))
        byname += b["forecasts"]
        own.append(b)
    forecasts = {"byname": byname, "autoets": sf["tools"]["autoets"]["forecasts"], "seasonal_naive": sf["tools"]["seasonal_naive"]["forecasts"]}
    scores = {tool: score(series, forecasts[tool]) for tool, _ in TOOLS}

    # byname's own scores, from Rust, must be those computed here.
    for b in own:
        for s in b["series"]:
            mine = scores["byname"][s["series_id"]]
            assert (s["mase"] is None) == (mine[0] is None) and (s["mase"] is None or abs(s["mase"] - mine[0]) < 1e-9), (s, mine)
            assert s["points"] == mine[1] and abs(s["coverage_95"] - mine[3] / max(mine[1], 1)) < 1e-12, (s, mine)

    fmt = lambda m: "-" if m is None else f"{m:.3f}"  # noqa: E731
    head = f"{'series':<52} {'points':>6}" + "".join(f" {label + ' MASE':>18} {'80%':>6} {'95%':>6}" for _, label in TOOLS)
    print(head)
    for sid in series:
        line = f"{sid:<52} {scores['byname'][sid][1]:>6}"
        for tool, _ in TOOLS:
            m, p, a, b = scores[tool][sid]
            line += f" {fmt(m):>18} {100 * a / max(p, 1):>5.0f}% {100 * b / max(p, 1):>5.0f}%"
        print(line)
    print()
    groups = [
        ("overall (all series)", list(series)),
        ("byname's generated data", [s for s in series if s.startswith("byname/")]),
        ("public monthly", [s for s in series if not s.startswith("byname/") and series[s][0] == "month"]),
        ("public quarterly", [s for s in series if not s.startswith("byname/") and series[s][0] == "quarter"]),
    ]
    print(f"{'group':<30} {'series':>6} {'points':>6}" + "".join(f" {label + ' MASE':>18} {'80%':>6} {'95%':>6}" for _, label in TOOLS))
    result = {}
    for name, ids in groups:
        line = f"{name:<30} {len(ids):>6} {overall(scores['byname'], ids)[3]:>6}"
        for tool, _ in TOOLS:
            m, c80, c95, _ = overall(scores[tool], ids)
            result[(name, tool)] = (m, c80, c95)
            line += f" {fmt(m):>18} {100 * c80:>5.1f}% {100 * c95:>5.1f}%"
        print(line)
    wins = sum(
        1 for s in series if scores["byname"][s][0] is not None and scores["autoets"][s][0] is not None and scores["byname"][s][0] <= scores["autoets"][s][0]
    )
    print(f"\nbyname's MASE at most AutoETS's on {wins} of {len(series)} series")
    medians = {tool: np.median([scores[tool][s][0] for s in series if scores[tool][s][0] is not None]) for tool, _ in TOOLS}
    print("median MASE over series: " + ", ".join(f"{label} {medians[tool]:.3f}" for tool, label in TOOLS))
    m_b, _, c95_b = result[("overall (all series)", "byname")]
    m_e = result[("overall (all series)", "autoets")][0]
    print(f"target overall MASE no worse than AutoETS ({m_b:.3f} against {m_e:.3f}): {'met' if m_b <= m_e else 'NOT MET'}")
    print(f"target 95% intervals hold 90-98% ({100 * c95_b:.1f}%): {'met' if 0.90 <= c95_b <= 0.98 else 'NOT MET'}")
    json.dump({"mase_byname": m_b, "mase_autoets": m_e, "coverage_95_byname": c95_b}, open(sys.argv[1] + ".summary", "w"))


if __name__ == "__main__":
    main()
