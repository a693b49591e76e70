-- One audit entry can cover many people: a page of the by-name list is one entry naming the
-- fifty people on it, not fifty entries. `persons` (ids separated by spaces) is part of what the
-- entry's hash covers; `audit_persons` indexes it (caught up in bulk before a search by person,
-- not written with each page), so a search by person and a subject access export find the entry.
ALTER TABLE audit_log ADD COLUMN persons TEXT;
CREATE TABLE audit_persons (
    person_id INTEGER NOT NULL,
    audit_id INTEGER NOT NULL,
    PRIMARY KEY (person_id, audit_id)
) WITHOUT ROWID;
