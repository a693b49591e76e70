#!/usr/bin/env python3
"""Every contact byname holds, with the person it is linked to, as Parquet for DuckDB in
bench/stats.sh (untimed preparation), so both tools count exactly the same contacts.

    export.py BYNAME.db OUT.parquet

Reads the SQLite store with Python's sqlite3 and writes person_id, contact_date (DATE),
bedded_down (BOOLEAN): CHAIN's contacts and the street count's named rows alike.
"""
import csv
import os
import sqlite3
import sys
import tempfile

import duckdb

database, out = sys.argv[1:3]
rows = sqlite3.connect(f"file:{database}?mode=ro", uri=True).execute(
    "SELECT l.person_id, c.contact_date, c.bedded_down FROM contacts c "
    "JOIN person_links l ON l.record_id = c.record_id WHERE c.withdrawn = 0"
)
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "contacts.csv")
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["person_id", "contact_date", "bedded_down"])
        writer.writerows(rows)
    duckdb.sql(f"""
    COPY (
      SELECT person_id::BIGINT AS person_id, contact_date::DATE AS contact_date, bedded_down = 1 AS bedded_down
      FROM read_csv('{path}', header = true, columns = {{'person_id': 'BIGINT', 'contact_date': 'VARCHAR', 'bedded_down': 'INTEGER'}})
    ) TO '{out}' (FORMAT parquet)
    """)
