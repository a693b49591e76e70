#!/usr/bin/env python3
"""Print bench/linkage.sh's table from its results file (stdlib only).

    report.py RESULTS.tsv

RESULTS.tsv, one row per run of one tool on one data set, tab separated, with a header:
dataset tool run seconds max_rss_kib precision recall f1 f1_chain f1_clusters f1_clusters_chain
candidates blocking_recall (f1_chain, f1_clusters_chain, candidates and blocking_recall may be "-"). Each figure printed is the median over the runs.
The ratios are byname / Splink of the median seconds and of the median peak memory.
"""
import csv
import statistics
import sys
from collections import OrderedDict


def med(rows, key):
    vals = [float(r[key]) for r in rows if r.get(key) not in (None, "", "-")]
    return statistics.median(vals) if vals else None


def main():
    with open(sys.argv[1], newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    groups = OrderedDict()
    for r in rows:
        groups.setdefault((r["dataset"], r["tool"]), []).append(r)

    head = ["data set", "tool", "precision", "recall", "F1", "F1 CHAIN-only", "F1 persons",
            "persons CHAIN-only", "seconds",
            "peak MiB", "time b/S", "mem b/S", "candidates", "blocking recall"]
    table = []
    for (ds, tool), rs in groups.items():
        secs, kib = med(rs, "seconds"), med(rs, "max_rss_kib")
        ratio_t = ratio_m = "-"
        if tool == "byname" and (ds, "Splink") in groups:
            s = groups[(ds, "Splink")]
            s_secs, s_kib = med(s, "seconds"), med(s, "max_rss_kib")
            if s_secs:
                ratio_t = f"{secs / s_secs:.3f}"
            if s_kib:
                ratio_m = f"{kib / s_kib:.3f}"
        fmt = lambda v, spec: "-" if v is None else format(v, spec)
        table.append([
            ds, tool, fmt(med(rs, "precision"), ".4f"), fmt(med(rs, "recall"), ".4f"),
            fmt(med(rs, "f1"), ".4f"), fmt(med(rs, "f1_chain"), ".4f"), fmt(med(rs, "f1_clusters"), ".4f"),
            fmt(med(rs, "f1_clusters_chain"), ".4f"), fmt(secs, ".2f"),
            fmt(None if kib is None else kib / 1024, ".0f"), ratio_t, ratio_m,
            fmt(med(rs, "candidates"), ".0f"), fmt(med(rs, "blocking_recall"), ".4f"),
        ])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *table)]
    line = lambda cells: "  ".join(
        str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
    )
    print(line(head))
    print("  ".join("-" * w for w in widths))
    prev = None
    for row in table:
        if prev is not None and row[0] != prev:
            print()
        prev = row[0]
        print(line(row))


if __name__ == "__main__":
    main()
