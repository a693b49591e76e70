-- The foundation: organisations and users, imported source records and
-- events, persons as clusters of records, import history and the audit log.
-- Dates are ISO text (YYYY-MM-DD), instants ISO text in UTC, flags 0/1.

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    origin TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    imported INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    warnings INTEGER NOT NULL
);

CREATE TABLE import_diagnostics (
    import_id INTEGER NOT NULL REFERENCES imports (id),
    seq INTEGER NOT NULL,
    severity TEXT NOT NULL,
    file TEXT NOT NULL,
    line INTEGER NOT NULL,
    column_name TEXT,
    reason TEXT NOT NULL,
    PRIMARY KEY (import_id, seq)
);

-- Ids of the rows an import saw, so rows missing from a full export can be
-- marked withdrawn. Emptied before the import's transaction commits.
CREATE TABLE import_seen (
    import_id INTEGER NOT NULL,
    table_name TEXT NOT NULL,
    source_id TEXT NOT NULL
);
CREATE INDEX import_seen_lookup ON import_seen (import_id, table_name, source_id);

CREATE TABLE source_records (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    first_name TEXT,
    last_name TEXT,
    known_as TEXT,
    aliases TEXT,
    date_of_birth TEXT,
    gender TEXT,
    nationality TEXT,
    ethnicity TEXT,
    immigration_status TEXT,
    support_needs TEXT,
    history TEXT,
    last_settled_base TEXT,
    nhs_number TEXT,
    recorded_chain_id TEXT,
    extra TEXT,
    fingerprint INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    import_id INTEGER NOT NULL
);
CREATE UNIQUE INDEX source_records_source_id ON source_records (source, source_id);
CREATE INDEX source_records_nhs_number ON source_records (nhs_number) WHERE nhs_number IS NOT NULL;

CREATE TABLE persons (
    id INTEGER PRIMARY KEY,
    lead_organisation_id INTEGER REFERENCES organisations (id),
    created_at TEXT NOT NULL
);

CREATE TABLE person_links (
    record_id INTEGER PRIMARY KEY REFERENCES source_records (id),
    person_id INTEGER NOT NULL REFERENCES persons (id),
    rule TEXT NOT NULL
);
CREATE INDEX person_links_person ON person_links (person_id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    record_id INTEGER REFERENCES source_records (id),
    contact_date TEXT NOT NULL,
    contact_time TEXT,
    team TEXT,
    borough TEXT,
    location TEXT,
    latitude REAL,
    longitude REAL,
    bedded_down INTEGER NOT NULL,
    contact_type TEXT NOT NULL,
    extra TEXT,
    fingerprint INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    import_id INTEGER NOT NULL
);
CREATE UNIQUE INDEX contacts_source_id ON contacts (source, source_id);
CREATE INDEX contacts_record ON contacts (record_id);
CREATE INDEX contacts_bedded_down_date ON contacts (contact_date) WHERE bedded_down = 1;

CREATE TABLE stays (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    record_id INTEGER NOT NULL REFERENCES source_records (id),
    provider TEXT,
    stay_type TEXT NOT NULL,
    arrival_date TEXT NOT NULL,
    departure_date TEXT,
    departure_reason TEXT,
    extra TEXT,
    fingerprint INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    import_id INTEGER NOT NULL
);
CREATE UNIQUE INDEX stays_source_id ON stays (source, source_id);
CREATE INDEX stays_record ON stays (record_id);

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    record_id INTEGER NOT NULL REFERENCES source_records (id),
    assessed_on TEXT NOT NULL,
    alcohol INTEGER,
    drugs INTEGER,
    mental_health INTEGER,
    physical_health INTEGER,
    extra TEXT,
    fingerprint INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    import_id INTEGER NOT NULL
);
CREATE UNIQUE INDEX assessments_source_id ON assessments (source, source_id);
CREATE INDEX assessments_record ON assessments (record_id);

CREATE TABLE health_events (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    nhs_number TEXT,
    name TEXT,
    date_of_birth TEXT,
    event_type TEXT NOT NULL,
    event_date TEXT NOT NULL,
    provider TEXT,
    extra TEXT,
    fingerprint INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0,
    import_id INTEGER NOT NULL
);
CREATE UNIQUE INDEX health_events_source_id ON health_events (source, source_id);
CREATE INDEX health_events_nhs_number ON health_events (nhs_number);

-- Append-only: who saw which person, when and for what purpose.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    action TEXT NOT NULL,
    person_id INTEGER,
    purpose TEXT,
    detail TEXT
);
CREATE INDEX audit_log_person ON audit_log (person_id);
