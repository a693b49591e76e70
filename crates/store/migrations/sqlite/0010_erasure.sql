-- Erasure and restriction (UK GDPR Articles 17 and 18), and retention.

-- A restricted person: the data are kept, but used for nothing except the audit log, a subject
-- access export and a later lift. Their records are remembered so that linkage leaves them out
-- and keeps their links as they were.
CREATE TABLE restrictions (
    person_id INTEGER PRIMARY KEY,
    reason TEXT NOT NULL,
    restricted_at TEXT NOT NULL
);
CREATE TABLE restricted_records (
    record_id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL
);
CREATE INDEX restricted_records_person ON restricted_records (person_id);

-- Tombstones of erased people: a keyed one-way hash (SHA-256 over a secret salt kept in
-- `settings`) of each erased record's source and id, and of each NHS number, never the value
-- itself, so that re-importing an export does not bring them back.
CREATE TABLE erased_ids (
    digest TEXT PRIMARY KEY,
    kind TEXT NOT NULL
);

-- Rows an import skipped because they belong to an erased person.
ALTER TABLE imports ADD COLUMN erased INTEGER NOT NULL DEFAULT 0;
