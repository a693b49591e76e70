//! Storage in domain terms. [`Store`] is the one trait the use cases
//! speak to; [`SqlStore`] implements it for both backends, SQLite (one file,
//! WAL, the default) and PostgreSQL (a shared deployment), through sqlx's
//! `Any` driver. The two backends share every query, written in the common
//! subset of their SQL with `$n` placeholders; each has its own migrations
//! folder because their DDL differs (identity columns, number types). SQL
//! lives in this crate and nowhere else.
//!
//! ## Where things are
//!
//! - `Store` and its parts, each a supertrait in domain terms: `Casework` (`casework`: the facts
//!   access needs, consent, break-glass, reading the audit log, a person's timeline, lead and
//!   actions, contacts recorded in byname, user administration), `Escalations` (`escalations`:
//!   escalations, their events, notifications, the agenda's queries, and `run_step`, the overdue
//!   step under a database lock), `Privacy` (`privacy`: erasure in one transaction with its audit
//!   entry, restriction and its lift, the erased records' tombstones, when each person was last
//!   seen; its doc comment says what happens to each table and why) and `Administration`
//!   (`administration`: every administrative change applied in one transaction with its audit
//!   entry, sign-in attempts counted by one atomic upsert, second-factor steps spent once),
//!   `Imports` (`import`: an import's one transaction, the history and its diagnostics),
//!   `Linkage` (`linkage`: the records linkage reads, each run's pairs, compared records and
//!   persons in one transaction, decisions, the review queue), `Accounts` (`accounts`:
//!   organisations, users found by the name they sign in with, sessions) and `Statistics`
//!   (`statistics`: every event with its person, the data's state and the one saved snapshot).
//!   A caller holding a concrete `SqlStore` imports the part whose method it calls.
//! - `backend` is what every part shares below its queries (the backend, the stored form of an
//!   instant, placeholders, reading a row); `audit` is the hash-chained audit log (what a hash
//!   covers, appending under the log's lock, the writer task). Both depend on no other part, and
//!   `sql` (`SqlStore` itself, the helpers the parts share, and the `Store` trait's own
//!   methods: the by-name list's read, the audit log's plain reads, the test snapshot) on no part
//!   that depends on it.
//! - `subject` declares which tables hold person data and how a row is tied to a person (and which
//!   hold none, and why), and reads a person's rows with every column for a subject access export.
//! - `backup` copies a SQLite database while servers write (`VACUUM INTO`) and writes the
//!   copy's audit head beside it; `check` reads, changing nothing, what `byname check` reports
//!   (migrations applied, pending or unknown; organisations without names; administrators).
//! - `secrets` holds the key kept outside the database (`secret.key` or `BYNAME_SECRET_KEY`) and
//!   the audit head beside it. The audit log's `hash` is an HMAC-SHA256 under a key derived from
//!   it, over the row's id, fields and the previous row's hash; rows are appended under the log's
//!   lock (`BEGIN IMMEDIATE` on SQLite, an advisory lock on PostgreSQL), by one writer task per
//!   process that groups concurrent entries into shared transactions.
//! - `facts` reads every current contact, stay and record with its person for the statistics
//!   (rusqlite on SQLite, with dates as Julian days computed by the database).
//! - `cache` keeps the by-name list's reads in memory, keyed on `SqlStore::data_version` (the
//!   latest import, linkage run, contact and lead change, the list's window, the latest erasure or
//!   restriction); each viewer's views are also keyed on `Casework::access_version` (consents,
//!   their withdrawals and expiries, the user's break-glass, the latest escalation event), read on
//!   every request so that a withdrawal takes effect at once.
//!
//! ## Imports
//!
//! `ImportTx` is one import as one transaction, written through `conn`. On SQLite it does not go
//! through sqlx, which costs tens of microseconds a statement: it runs on a rusqlite connection on
//! a writer thread, with one prepared statement per row, in batches of 2,000, while the importing
//! thread parses the next batch (both drivers link the same bundled SQLite, and the `$n`
//! placeholders become `?n`). A table that is empty when an import starts has its non-unique
//! indexes dropped and rebuilt once before commit. The commit is durable (`synchronous = FULL`)
//! and leaves copying the write-ahead log into the database file to the next write
//! (`wal_autocheckpoint = 0` on that connection only). On PostgreSQL, rows go in multi-row
//! statements of 500.
//!
//! ## Linkage tables
//!
//! `person_links` maps every current source record to a person; linking writes only what changed.
//! `link_runs` stores each run with its model as JSON (comparisons, `m`, `u`, the prior, frozen
//! term frequencies, blocking rules); `link_pairs` every pair at or above the review threshold,
//! with its explanation; `link_compared` each record's fingerprint when it was last compared;
//! `link_decisions` is append-only (an undo sets `undone_at`, and the latest live decision on a
//! pair counts).

// The version queries' columns, shared by the queries that read one version and the one that
// reads both; macros so that `concat!` makes each query a constant.
/// What the data's version is read from, as the columns of one `SELECT`: the latest import,
/// linkage run, contact and lead change, the by-name list's window, the latest erasure or
/// restriction, the latest change to the organisations' names, and the days before an import is
/// old.
macro_rules! data_version_columns {
    () => {
        "(SELECT MAX(id) FROM imports) AS imports, (SELECT MAX(id) FROM link_runs) AS runs, \
         (SELECT MAX(id) FROM contacts) AS contacts, (SELECT value FROM settings WHERE name = 'lead_version') AS leads, \
         (SELECT value FROM settings WHERE name = 'list_window_days') AS list_window, \
         (SELECT COUNT(*) FROM break_glass WHERE review_outcome IS NOT NULL) AS reviewed, \
         (SELECT value FROM settings WHERE name = 'privacy_version') AS privacy, \
         (SELECT value FROM settings WHERE name = 'organisation_names_version') AS names, \
         (SELECT value FROM settings WHERE name = 'stale_import_days') AS stale_days"
    };
}

/// What access decisions depend on besides the data, as the columns of one `SELECT` (binds
/// `$1` user and `$2` now).
macro_rules! access_version_columns {
    () => {
        "(SELECT COUNT(*) FROM consents) AS n, (SELECT MAX(id) FROM consents) AS last, \
         (SELECT MAX(withdrawn_at) FROM consents) AS withdrawn, (SELECT MAX(expires_on) FROM consents) AS expires, \
         (SELECT COUNT(*) FROM break_glass WHERE user_id = $1 AND expires_at > $2) AS glass_n, \
         (SELECT MAX(id) FROM break_glass WHERE user_id = $1 AND expires_at > $2) AS glass_last, \
         (SELECT MAX(id) FROM escalation_events) AS escalations"
    };
}

mod accounts;
mod administration;
mod audit;
mod backend;
mod backup;
mod cache;
mod casework;
pub mod check;
mod conn;
mod escalations;
mod facts;
mod import;
mod linkage;
pub mod migrate;
mod needs;
mod person_page;
mod privacy;
pub mod secrets;
mod sql;
mod statistics;
mod stored_text;
mod subject;
pub mod types;

pub use accounts::Accounts;
pub use administration::{AdminChange, Administration};
pub use audit::{audit_content, audit_hash};
pub use backend::{Backend, format_instant as sql_instant};

pub use backup::{Backup, head_file as backup_head_file};
pub use casework::{CREATED_ID, CaseChange, Casework};
pub use escalations::{Escalations, MAX_EMAIL_ATTEMPTS};
pub use facts::{ContactFact, EventFacts, RecordFact, StayFact};
pub use import::{ImportTx, Imports, TableCounts, Withdrawal};
pub use linkage::Linkage;
pub use privacy::{ErasureCounts, LastSeen, Privacy, Restricted, RestrictionRow};
pub use secrets::Secrets;
pub use sql::SqlStore;
pub use statistics::Statistics;
pub use subject::{NO_PERSON_TABLES, PERSON_TABLES, PersonData, PersonTable};
pub use types::*;

use std::future::Future;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(String),
    #[error("{0}")]
    Config(String),
    #[error("migration {version} ({name}) failed: {source}")]
    Migration { version: i64, name: &'static str, source: sqlx::Error },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything byname reads and writes, in domain terms.
pub trait Store:
    Casework + Escalations + Administration + Privacy + Imports + Linkage + Accounts + Statistics + Send + Sync
{
    /// Everyone seen bedded down from `since` to `until`, with what the list shows.
    /// Kept in memory until the data change (see `cache.rs`).
    fn people_seen(
        &self,
        since: time::Date,
        until: time::Date,
    ) -> impl Future<Output = Result<std::sync::Arc<Vec<SeenPerson>>>> + Send;
    /// These persons with what the list shows of them, over all their contacts (not a window):
    /// the people a search found. A person with no contacts is there with their records; a
    /// restricted, erased or unknown one is not.
    fn people_by_id(&self, person_ids: &[i64]) -> impl Future<Output = Result<Vec<SeenPerson>>> + Send;
    /// Every current record of a person who is not restricted, with its person: what a search
    /// finds people by. Erased records are gone, withdrawn ones left out.
    fn search_records(&self) -> impl Future<Output = Result<Vec<SearchRecord>>> + Send;
    /// The version of what [`Store::search_records`] reads: the latest import, linkage run,
    /// record, decision and undo, and erasure or restriction. Unlike the data's version, a
    /// contact or a lead change leaves it as it was.
    fn records_version(&self) -> impl Future<Output = Result<String>> + Send;
    /// A value kept under its own version (such as [`Store::records_version`]), across changes to
    /// the data's version.
    fn memo_under<T: Send + Sync + 'static>(&self, version: &str, key: &str) -> Option<std::sync::Arc<T>>;
    fn keep_memo_under<T: Send + Sync + 'static>(&self, version: &str, key: &str, value: std::sync::Arc<T>);
    fn append_audit(&self, entry: &AuditEntry) -> impl Future<Output = Result<()>> + Send;
    fn audit_entries(&self, limit: i64) -> impl Future<Output = Result<Vec<AuditEntry>>> + Send;
    /// Row counts and a digest of every table, to prove an operation changed nothing.
    fn snapshot(&self) -> impl Future<Output = Result<Snapshot>> + Send;
}
