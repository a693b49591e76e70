#!/usr/bin/env python3
"""CHAIN's annual totals for one financial year with DuckDB SQL, for bench/stats.sh.

    duckdb_chain.py CONTACTS.parquet YEAR

Prints JSON: chain.total, chain.new, chain.living_on_streets, chain.intermittent, chain.flow,
chain.stock, chain.returner, with DOMAIN.md's definitions and byname's default settings
(living on the streets: at least 3 bedded-down contacts on different days in the year, the first
and last at least 21 days apart). Timed as a whole process, Python start included.
"""
import json
import sys

import duckdb

parquet, year = sys.argv[1], int(sys.argv[2])
start, end = f"{year}-04-01", f"{year + 1}-03-31"
prev_start, prev_end = f"{year - 1}-04-01", f"{year}-03-31"
row = duckdb.sql(f"""
WITH c AS (SELECT person_id, contact_date AS d FROM read_parquet('{parquet}') WHERE bedded_down),
seen AS (
  SELECT person_id, COUNT(DISTINCT d) AS days, MIN(d) AS first, MAX(d) AS last
  FROM c WHERE d BETWEEN DATE '{start}' AND DATE '{end}' GROUP BY person_id
),
before AS (SELECT DISTINCT person_id FROM c WHERE d < DATE '{start}'),
last_year AS (SELECT DISTINCT person_id FROM c WHERE d BETWEEN DATE '{prev_start}' AND DATE '{prev_end}'),
flags AS (
  SELECT s.person_id,
         b.person_id IS NOT NULL AS seen_before,
         l.person_id IS NOT NULL AS seen_last_year,
         s.days >= 3 AND date_diff('day', s.first, s.last) >= 21 AS living
  FROM seen s LEFT JOIN before b USING (person_id) LEFT JOIN last_year l USING (person_id)
)
SELECT COUNT(*),
       COUNT(*) FILTER (WHERE NOT seen_before),
       COUNT(*) FILTER (WHERE living),
       COUNT(*) FILTER (WHERE seen_before AND NOT living),
       COUNT(*) FILTER (WHERE NOT seen_before),
       COUNT(*) FILTER (WHERE seen_last_year),
       COUNT(*) FILTER (WHERE seen_before AND NOT seen_last_year)
FROM flags
""").fetchall()[0]
keys = ["chain.total", "chain.new", "chain.living_on_streets", "chain.intermittent", "chain.flow", "chain.stock", "chain.returner"]
print(json.dumps(dict(zip(keys, row))))
