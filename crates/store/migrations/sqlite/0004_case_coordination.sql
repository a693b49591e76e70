-- Case coordination: who may see what (consent per partner and purpose, sharing agreements,
-- break-glass), the work on a person (lead, actions, contacts recorded in byname, offers of
-- the partnership's resources), escalations of blockages with their events, notifications,
-- and the audit log's hash chain. Dates are ISO text, instants ISO text in UTC, flags 0/1.

-- A service leader answers for one service area; a data-protection lead reads the audit log
-- and break-glass openings of their organisation.
ALTER TABLE users ADD COLUMN service_area TEXT;
ALTER TABLE users ADD COLUMN data_protection_lead INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN lead_user_id INTEGER REFERENCES users (id);

CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL,
    purpose TEXT NOT NULL,
    -- 1: given to all partners; 0: to the organisations in consent_organisations.
    all_partners INTEGER NOT NULL,
    given_on TEXT NOT NULL,
    expires_on TEXT,
    recorded_by INTEGER NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL,
    withdrawn_on TEXT,
    withdrawn_by INTEGER REFERENCES users (id),
    withdrawn_at TEXT
);
CREATE INDEX consents_person ON consents (person_id);

CREATE TABLE consent_organisations (
    consent_id INTEGER NOT NULL REFERENCES consents (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (consent_id, organisation_id)
);

-- Data-sharing agreements between organisations are records too.
CREATE TABLE sharing_agreements (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    purpose TEXT NOT NULL,
    lawful_basis TEXT NOT NULL,
    special_category_condition TEXT,
    starts_on TEXT NOT NULL,
    ends_on TEXT,
    recorded_by INTEGER NOT NULL REFERENCES users (id),
    recorded_at TEXT NOT NULL
);
CREATE TABLE sharing_agreement_organisations (
    agreement_id INTEGER NOT NULL REFERENCES sharing_agreements (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (agreement_id, organisation_id)
);

-- Emergency access to a full record, with its reason, open until `expires_at`.
CREATE TABLE break_glass (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    person_id INTEGER NOT NULL,
    reason TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    reviewed_by INTEGER REFERENCES users (id),
    reviewed_at TEXT
);
CREATE INDEX break_glass_person ON break_glass (person_id, user_id);

-- The names an organisation's teams and services carry in imported records (CHAIN teams,
-- Inform providers), so the access rules know which organisation recorded what.
CREATE TABLE organisation_names (
    name TEXT PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id)
);

-- Contacts recorded in byname (from a phone in the street) carry who recorded them.
ALTER TABLE contacts ADD COLUMN organisation_id INTEGER REFERENCES organisations (id);
ALTER TABLE contacts ADD COLUMN recorded_by INTEGER REFERENCES users (id);
ALTER TABLE contacts ADD COLUMN note TEXT;

-- The action plan.
CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL,
    description TEXT NOT NULL,
    owner_user_id INTEGER REFERENCES users (id),
    owner_organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    due_on TEXT,
    done_on TEXT,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX actions_person ON actions (person_id);

-- Blockages raised on a person, to the service leaders of an area.
CREATE TABLE escalations (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL,
    service_area TEXT NOT NULL,
    blocked TEXT NOT NULL,
    needed TEXT NOT NULL,
    needed_by TEXT,
    raised_by INTEGER NOT NULL REFERENCES users (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    raised_at TEXT NOT NULL,
    -- open, acknowledged, resolved, declined
    state TEXT NOT NULL,
    -- 1: service leader, 2: head of service, 3: the Strategic Group's agenda
    level INTEGER NOT NULL,
    deadline_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX escalations_person ON escalations (person_id);
CREATE INDEX escalations_open ON escalations (state, deadline_at);

CREATE TABLE escalation_events (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations (id),
    at TEXT NOT NULL,
    -- NULL: the overdue step.
    user_id INTEGER REFERENCES users (id),
    -- raised, comment, acknowledged, resolved, declined, escalated
    kind TEXT NOT NULL,
    text TEXT
);
CREATE INDEX escalation_events_escalation ON escalation_events (escalation_id);

CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    at TEXT NOT NULL,
    text TEXT NOT NULL,
    link TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX notifications_user ON notifications (user_id, read_at);

-- The partnership's shared resources: a shelter bed or hotel room, and to whom it was offered.
CREATE TABLE resources (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    available_from TEXT NOT NULL,
    -- available, offered, taken, withdrawn
    state TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE TABLE resource_offers (
    id INTEGER PRIMARY KEY,
    resource_id INTEGER NOT NULL REFERENCES resources (id),
    person_id INTEGER NOT NULL,
    decided_by INTEGER NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    offered_at TEXT NOT NULL,
    -- offered, accepted, refused, withdrawn
    outcome TEXT NOT NULL,
    outcome_at TEXT
);

-- Values byname keeps for itself, such as the salt of the analysts' pseudonyms.
CREATE TABLE settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Locks that several `byname serve` processes share, such as the overdue step's.
CREATE TABLE locks (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until TEXT NOT NULL
);

-- The audit log is a hash chain: each row's hash covers its content and the previous hash, so
-- a changed or removed row breaks every hash after it (`byname audit verify`).
ALTER TABLE audit_log ADD COLUMN organisation_id INTEGER;
ALTER TABLE audit_log ADD COLUMN basis TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
CREATE INDEX audit_log_user ON audit_log (user_id);
