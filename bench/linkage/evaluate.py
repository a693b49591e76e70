#!/usr/bin/env python3
"""Pairwise precision, recall and F1 of a linker's pairs against a truth file (stdlib only).

    evaluate.py PAIRS.csv TRUTH.csv [--threshold 0.5] [--both-prefix chain:]
    evaluate.py --clusters CLUSTERS.csv TRUTH.csv [--both-prefix chain:]

PAIRS.csv has byname's columns `left_id,right_id,match_probability[,match_weight]` (Splink's output
is written in the same columns by splink_link.py); pairs with match_probability below the
threshold are ignored. TRUTH.csv has two id columns (`rec_id_l,rec_id_r`), one true pair a row.
Pairs are unordered and counted once; a pair of a record with itself is ignored.
With --clusters, the first file is `id,cluster_id` (one row a record) and the pairs are every two
records in one cluster: the persons a linker ends with, scored pair by pair.
With --both-prefix P, only pairs whose two ids both start with P count, in both files.

Prints one line: precision recall f1 tp fp fn (tab separated).
"""
import argparse
import csv


def pair(a, b):
    return (a, b) if a <= b else (b, a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("pairs")
    ap.add_argument("truth")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--both-prefix", default="")
    ap.add_argument("--clusters", action="store_true")
    args = ap.parse_args()
    keep = lambda p: p[0] != p[1] and p[0].startswith(args.both_prefix) and p[1].startswith(args.both_prefix)

    with open(args.truth, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        next(rows, None)
        truth = {p for p in (pair(r[0], r[1]) for r in rows if len(r) >= 2) if keep(p)}

    if args.clusters:
        members = {}
        with open(args.pairs, newline="", encoding="utf-8-sig") as f:
            rows = csv.DictReader(f)
            missing = {"id", "cluster_id"} - set(rows.fieldnames or [])
            if missing:
                raise SystemExit(f"{args.pairs}: missing column(s) {sorted(missing)}")
            for r in rows:
                members.setdefault(r["cluster_id"], []).append(r["id"])
        found = {p for ids in members.values() for i, a in enumerate(ids) for b in ids[i + 1:]
                 if keep(p := pair(a, b))}
        report(found, truth)
        return

    with open(args.pairs, newline="", encoding="utf-8-sig") as f:
        rows = csv.DictReader(f)
        missing = {"left_id", "right_id", "match_probability"} - set(rows.fieldnames or [])
        if missing:
            raise SystemExit(f"{args.pairs}: missing column(s) {sorted(missing)}")
        found = set()
        for r in rows:
            if float(r["match_probability"]) >= args.threshold:
                p = pair(r["left_id"], r["right_id"])
                if keep(p):
                    found.add(p)
    report(found, truth)


def report(found, truth):
    tp = len(found & truth)
    fp = len(found) - tp
    fn = len(truth) - tp
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"{precision:.4f}\t{recall:.4f}\t{f1:.4f}\t{tp}\t{fp}\t{fn}")


if __name__ == "__main__":
    main()
