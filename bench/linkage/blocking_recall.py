#!/usr/bin/env python3
"""Blocking recall: the share of true pairs among a linker's candidate pairs (stdlib only).

    blocking_recall.py CANDIDATES.csv TRUTH.csv [--missed N]

CANDIDATES.csv has `left_id,right_id` (from `byname link csv --candidates`); TRUTH.csv has two
id columns, one true pair a row. Pairs are unordered. Prints one line: recall found total
(tab separated); with --missed N, also the first N true pairs blocking missed.
"""
import argparse
import csv


def pair(a, b):
    return (a, b) if a <= b else (b, a)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("candidates")
    ap.add_argument("truth")
    ap.add_argument("--missed", type=int, default=0)
    args = ap.parse_args()
    with open(args.truth, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        next(rows, None)
        truth = {pair(r[0], r[1]) for r in rows if len(r) >= 2 and r[0] != r[1]}
    found = set()
    with open(args.candidates, newline="", encoding="utf-8-sig") as f:
        rows = csv.reader(f)
        next(rows, None)
        for r in rows:
            p = pair(r[0], r[1])
            if p in truth:
                found.add(p)
    recall = len(found) / len(truth) if truth else 1.0
    print(f"{recall:.4f}\t{len(found)}\t{len(truth)}")
    for p in sorted(truth - found)[: args.missed]:
        print(f"missed\t{p[0]}\t{p[1]}")


if __name__ == "__main__":
    main()
