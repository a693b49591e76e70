-- The statistics' snapshot of every person's events, for one state of the data (the latest
-- import and linkage run): reports read it instead of millions of rows. Rebuilt when stale.
CREATE TABLE stats_snapshots (
    state TEXT PRIMARY KEY,
    built_at TEXT NOT NULL,
    data BYTEA NOT NULL
);
