-- Probabilistic linkage: the runs, the pairs worth keeping, and what people decided.

-- One run of `byname link`: the model it used (JSON: comparisons, m and u, prior, term
-- frequencies, blocking rules), so an incremental run scores new records with the same model.
CREATE TABLE link_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    mode TEXT NOT NULL,
    model TEXT NOT NULL,
    records INTEGER NOT NULL,
    compared INTEGER NOT NULL,
    auto_links INTEGER NOT NULL,
    review INTEGER NOT NULL,
    auto_threshold REAL NOT NULL,
    review_threshold REAL NOT NULL
);

-- Every scored pair at or above the review threshold, left_record_id < right_record_id.
CREATE TABLE link_pairs (
    left_record_id INTEGER NOT NULL REFERENCES source_records (id),
    right_record_id INTEGER NOT NULL REFERENCES source_records (id),
    probability REAL NOT NULL,
    weight REAL NOT NULL,
    explanation TEXT NOT NULL,
    PRIMARY KEY (left_record_id, right_record_id)
);
CREATE INDEX link_pairs_right ON link_pairs (right_record_id);

-- The fingerprint of each record as last compared: a record whose fingerprint changed is compared
-- again. Its usual place as compared, so that resolving persons again after a decision sees
-- exactly what the last comparison saw.
CREATE TABLE link_compared (
    record_id INTEGER PRIMARY KEY REFERENCES source_records (id),
    fingerprint INTEGER NOT NULL,
    usual_place TEXT
);

-- Decisions about pairs of records, made in the review queue or by a merge or a split.
-- Never deleted: undoing one sets undone_at. The latest live decision on a pair counts.
CREATE TABLE link_decisions (
    id INTEGER PRIMARY KEY,
    batch TEXT NOT NULL,
    left_record_id INTEGER NOT NULL REFERENCES source_records (id),
    right_record_id INTEGER NOT NULL REFERENCES source_records (id),
    same_person INTEGER NOT NULL,
    origin TEXT NOT NULL,
    reason TEXT NOT NULL,
    decided_by INTEGER REFERENCES users (id),
    decided_at TEXT NOT NULL,
    undone_by INTEGER REFERENCES users (id),
    undone_at TEXT
);
CREATE INDEX link_decisions_pair ON link_decisions (left_record_id, right_record_id);
CREATE INDEX link_decisions_batch ON link_decisions (batch);
