//! Rows the store hands back: plain data, converted to views at the edges.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportSummary {
    pub id: i64,
    pub kind: String,
    pub origin: String,
    pub started_at: String,
    pub finished_at: String,
    pub rows_read: i64,
    pub imported: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub withdrawn: i64,
    pub rejected: i64,
    pub warnings: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StoredDiagnostic {
    pub severity: String,
    pub file: String,
    pub line: i64,
    pub column: Option<String>,
    pub reason: String,
}

/// What the certain-link rules (and later the linkage engine) need of a record.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkInput {
    pub record_id: i64,
    pub source: String,
    pub source_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub known_as: Option<String>,
    /// Other names used, `;`-separated.
    pub aliases: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    pub nhs_number: Option<String>,
    pub recorded_chain_id: Option<String>,
    /// Where the record's contacts most often were (the text before the first comma of the location).
    pub usual_place: Option<String>,
    pub fingerprint: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub record_id: i64,
    pub person_id: i64,
    pub rule: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LinkChanges {
    pub records_moved: i64,
    pub persons_created: i64,
    pub persons_removed: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub organisation_id: i64,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub password_hash: String,
    pub disabled: bool,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: String,
    pub expires_at: String,
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user: UserRow,
    pub csrf_token: String,
    pub expires_at: String,
}

/// One person seen in a window, with the facts the by-name list shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenPerson {
    pub person_id: i64,
    pub times_seen: i64,
    pub last_seen: String,
    pub last_location: Option<String>,
    pub last_borough: Option<String>,
    pub most_frequent_team: Option<String>,
    pub lead_organisation: Option<String>,
    /// The person's records, best first (CHAIN, then Inform, then others).
    pub records: Vec<RecordSummary>,
    /// Needs recorded as present in any record or assessment (codes).
    pub support_needs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordSummary {
    pub source: String,
    pub source_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub known_as: Option<String>,
    pub date_of_birth: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub at: String,
    pub user_id: Option<i64>,
    pub action: String,
    pub person_id: Option<i64>,
    pub purpose: Option<String>,
    pub detail: Option<String>,
}

/// Per table: row count and an order-independent digest of every row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub tables: Vec<(String, i64, String)>,
}

/// A record as it was last compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compared {
    pub record_id: i64,
    pub fingerprint: i64,
    pub usual_place: Option<String>,
}

/// A run of probabilistic linkage, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRun {
    pub id: i64,
    pub started_at: String,
    /// `full` (trained anew, every pair compared) or `incremental`.
    pub mode: String,
    /// The model as JSON.
    pub model: String,
    pub records: i64,
    pub compared: i64,
    pub auto_links: i64,
    pub review: i64,
    pub auto_threshold: f64,
    pub review_threshold: f64,
}

/// A scored pair of records, `left_record_id < right_record_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkPair {
    pub left_record_id: i64,
    pub right_record_id: i64,
    pub probability: f64,
    pub weight: f64,
    /// The explanation (waterfall) as JSON.
    pub explanation: String,
}

/// What a run changes in the stored pairs: all of them (a full run) or those touching some records.
#[derive(Debug, Clone, PartialEq)]
pub enum PairScope {
    All,
    Touching(Vec<i64>),
}

/// A decision about a pair of records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    pub batch: String,
    pub left_record_id: i64,
    pub right_record_id: i64,
    pub same_person: bool,
    /// `review`, `merge` or `split`.
    pub origin: String,
    pub reason: String,
    pub decided_by: Option<i64>,
    pub decided_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: i64,
    pub batch: String,
    pub left_record_id: i64,
    pub right_record_id: i64,
    pub same_person: bool,
    pub origin: String,
    pub reason: String,
    pub decided_by: Option<String>,
    pub decided_at: String,
    pub undone_by: Option<String>,
    pub undone_at: Option<String>,
}

/// One source record as the person and review pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordDetail {
    pub record_id: i64,
    pub source: String,
    pub source_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub known_as: Option<String>,
    pub aliases: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    pub nhs_number: Option<String>,
    pub recorded_chain_id: Option<String>,
    pub withdrawn: bool,
    pub person_id: Option<i64>,
    /// Why the record belongs to its person (`own_record`, `shared_nhs_number`, `probabilistic`, ...).
    pub rule: Option<String>,
}
