//! The store's side of case coordination: the facts the access rules need, consent,
//! break-glass, the hash-chained audit log, a person's timeline, lead and action plan, contacts
//! recorded in byname, and user administration. Same SQL on both backends.

use crate::audit::{AUDIT_SELECT, append_chained, audit_from_row, begin_locked, end_locked};
use crate::backend::{
    USER_COLUMNS, data_version_of, date, format_instant, instant, opt_date, opt_text, placeholders, user_from_row,
};
use crate::sql::SqlStore;
use crate::types::*;
use crate::{Result, StoreError};
use byname_domain::date::iso;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use std::future::Future;

/// Everything case coordination reads and writes (a part of [`crate::Store`]).
pub trait Casework: Send + Sync {
    /// For each person, what the access rules need to know about them for this viewer.
    fn access_facts(
        &self,
        person_ids: &[i64],
        organisation_id: i64,
        user_id: i64,
        now: time::OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<AccessFacts>>> + Send;
    fn person_exists(&self, person_id: i64) -> impl Future<Output = Result<bool>> + Send;
    /// Every row of every table that holds data on the person, every column by name, by table
    /// (`subject.rs` declares which tables and how a row is the person's).
    fn person_data(&self, person_id: i64) -> impl Future<Output = Result<crate::PersonData>> + Send;
    /// Open escalations of some persons, and those past their deadline at `now` (for a long
    /// list, of everyone with one: callers look up their own).
    fn escalation_flags(
        &self,
        person_ids: &[i64],
        now: time::OffsetDateTime,
    ) -> impl Future<Output = Result<HashMap<i64, EscalationFlags>>> + Send;

    fn consents(&self, person_id: i64) -> impl Future<Output = Result<Vec<ConsentRow>>> + Send;
    /// Current records that might be someone being registered ([`CandidateProbe`]), as linkage
    /// reads them (without usual places or stays), each with its person; restricted people
    /// left out. A narrow read on indexes, never a scan of everyone.
    fn registration_candidates(
        &self,
        probe: &CandidateProbe,
    ) -> impl Future<Output = Result<Vec<(LinkInput, i64)>>> + Send;
    /// Applies a change to the case work and appends its audit entry in one transaction that
    /// holds the audit log's lock: both are stored or neither. Returns the id created by an
    /// `Add…` or `OpenBreakGlass` change, the offer's person for `CloseOffer`, 0 otherwise;
    /// `None` when there was nothing to change (no such live consent, open action, available
    /// resource or open offer), and then no entry is written either.
    ///
    /// In the entry of an `Add…` change, [`CREATED_ID`] in the detail stands for the id
    /// created; the entry of `CloseOffer` takes the offer's person as its person.
    fn record(&self, change: CaseChange<'_>, audit: &AuditEntry) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// The user's break-glass opening on the person still open at `now`, if any.
    fn open_break_glass_id(
        &self,
        user_id: i64,
        person_id: i64,
        now: time::OffsetDateTime,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// One break-glass opening.
    fn break_glass_opening(&self, id: i64) -> impl Future<Output = Result<Option<BreakGlassRow>>> + Send;
    /// Break-glass openings by users of an organisation (all with `None`), newest first.
    fn break_glass_openings(
        &self,
        organisation_id: Option<i64>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<BreakGlassRow>>> + Send;

    /// Appends entries to the audit log, each hashed with the one before: one transaction that
    /// holds the log's lock, so entries from several servers form one chain.
    fn append_audit_entries(&self, entries: &[AuditEntry]) -> impl Future<Output = Result<()>> + Send;
    /// Audit rows with ids above `after_id`, oldest first.
    fn audit_rows(&self, after_id: i64, limit: i64) -> impl Future<Output = Result<Vec<AuditRow>>> + Send;
    fn search_audit(&self, query: &AuditQuery) -> impl Future<Output = Result<Vec<AuditRow>>> + Send;

    /// Support needs recorded as present in any of the person's records or assessments (codes).
    fn person_needs(&self, person_id: i64) -> impl Future<Output = Result<Vec<String>>> + Send;
    fn person_lead(&self, person_id: i64) -> impl Future<Output = Result<PersonLead>> + Send;
    /// Health events whose NHS number is one of the person's records', newest first.
    fn health_events(&self, person_id: i64) -> impl Future<Output = Result<Vec<TimelineEvent>>> + Send;
    /// Contacts, stays, assessments, escalations and actions, newest first; a street-count
    /// night once.
    fn timeline(&self, person_id: i64) -> impl Future<Output = Result<Vec<CaseEvent>>> + Send;
    /// A slice of the timeline (health events included when asked for), newest first, with the
    /// number of events of each kind counted: only the slice's rows are read.
    fn timeline_page(&self, person_id: i64, slice: &TimelineSlice)
    -> impl Future<Output = Result<TimelinePage>> + Send;
    /// When, where and how often the person was seen, where they stay now, open escalations.
    fn person_summary(&self, person_id: i64) -> impl Future<Output = Result<PersonSummary>> + Send;
    fn actions(&self, person_id: i64) -> impl Future<Output = Result<Vec<ActionRow>>> + Send;

    fn users(&self) -> impl Future<Output = Result<Vec<UserRow>>> + Send;
    fn user_by_id(&self, id: i64) -> impl Future<Output = Result<Option<UserRow>>> + Send;
    /// Names used in imported records (CHAIN teams, Inform providers) for an organisation, so
    /// the access rules know which organisation recorded what.
    fn add_organisation_name(&self, name: &str, organisation_id: i64) -> impl Future<Output = Result<()>> + Send;
    /// A value derived from the data and kept in memory until the data change, with the data's
    /// version to keep a new one under (see `cache.rs`).
    fn memo<T: Send + Sync + 'static>(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<(String, Option<std::sync::Arc<T>>)>> + Send;
    fn keep_memo<T: Send + Sync + 'static>(&self, version: &str, key: &str, value: std::sync::Arc<T>);
    /// A kept value under a version already read with [`Casework::memo`].
    fn memo_at<T: Send + Sync + 'static>(&self, version: &str, key: &str) -> Option<std::sync::Arc<T>>;
    /// What access decisions depend on besides the data: every consent recorded or withdrawn,
    /// and the break-glass accesses a user has open at `now`.
    fn access_version(&self, user_id: i64, now: time::OffsetDateTime) -> impl Future<Output = Result<String>> + Send;
    /// The data's version and the access version together, in one round trip, for pages that
    /// need both.
    fn versions(
        &self,
        user_id: i64,
        now: time::OffsetDateTime,
    ) -> impl Future<Output = Result<(String, String)>> + Send;
    /// The partnership's resources, those still in use first, each with its latest offer.
    fn resources(&self) -> impl Future<Output = Result<Vec<ResourceRow>>> + Send;
    fn set_setting(&self, name: &str, value: &str) -> impl Future<Output = Result<()>> + Send;
    /// Data-sharing agreements, newest first, with the organisations party to each.
    fn agreements(&self) -> impl Future<Output = Result<Vec<AgreementRow>>> + Send;
    /// The stored value of a setting, storing `value` first when there is none.
    fn setting_or_insert(&self, name: &str, value: &str) -> impl Future<Output = Result<String>> + Send;
}

fn access_version_of(row: &AnyRow) -> Result<String> {
    Ok(format!(
        "{}/{}/{}/{}/{}/{}/{}",
        row.try_get::<i64, _>("n")?,
        row.try_get::<Option<i64>, _>("last")?.unwrap_or(0),
        opt_text(row, "withdrawn")?.unwrap_or_default(),
        opt_text(row, "expires")?.unwrap_or_default(),
        row.try_get::<i64, _>("glass_n")?,
        row.try_get::<Option<i64>, _>("glass_last")?.unwrap_or(0),
        row.try_get::<Option<i64>, _>("escalations")?.unwrap_or(0),
    ))
}

pub(crate) fn consent_from_row(r: &AnyRow) -> Result<ConsentRow> {
    Ok(ConsentRow {
        id: r.try_get("id")?,
        person_id: r.try_get("person_id")?,
        purpose: StoredPurpose::read(r.try_get("purpose")?),
        organisations: Vec::new(),
        all_partners: r.try_get::<i64, _>("all_partners")? != 0,
        given_on: date(r, "given_on")?,
        expires_on: opt_date(r, "expires_on")?,
        recorded_by: r.try_get("recorded_by_name")?,
        recorded_at: instant(r, "recorded_at")?,
        withdrawn_on: opt_date(r, "withdrawn_on")?,
        withdrawn_by: opt_text(r, "withdrawn_by_name")?,
        awaiting_confirmation: r.try_get::<i64, _>("awaiting")? != 0,
    })
}

pub(crate) const CONSENT_SELECT: &str = "SELECT c.id, c.person_id, c.purpose, c.all_partners, c.given_on, c.expires_on, \
     u.display_name AS recorded_by_name, c.recorded_at, c.withdrawn_on, w.display_name AS withdrawn_by_name, \
     CASE WHEN c.break_glass_id IS NULL OR EXISTS (SELECT 1 FROM break_glass b WHERE b.id = c.break_glass_id \
     AND b.review_outcome = 'confirmed') THEN 0 ELSE 1 END AS awaiting \
     FROM consents c JOIN users u ON u.id = c.recorded_by LEFT JOIN users w ON w.id = c.withdrawn_by";

/// A contact that counts towards an organisation working with a person: not recorded under
/// break-glass, or recorded so and confirmed by the data-protection lead (alias `c`).
pub(crate) const CONTACT_GIVES_ACCESS: &str = "(c.break_glass_id IS NULL OR EXISTS (SELECT 1 FROM break_glass b \
     WHERE b.id = c.break_glass_id AND b.review_outcome = 'confirmed'))";

impl SqlStore {
    /// Consents of some persons, with the organisations each names.
    async fn consents_of(&self, person_ids: &[i64]) -> Result<Vec<ConsentRow>> {
        let mut out = Vec::new();
        if person_ids.len() > 500 {
            // A whole list: one read of every consent is cheaper than many lookups.
            let wanted: std::collections::HashSet<i64> = person_ids.iter().copied().collect();
            for row in sqlx::query(&format!("{CONSENT_SELECT} ORDER BY c.id")).fetch_all(self.pool()).await? {
                let consent = consent_from_row(&row)?;
                if wanted.contains(&consent.person_id) {
                    out.push(consent);
                }
            }
        }
        for chunk in person_ids.chunks(500).filter(|_| person_ids.len() <= 500) {
            let sql = format!("{CONSENT_SELECT} WHERE c.person_id IN ({}) ORDER BY c.id", placeholders(1, chunk.len()));
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(self.pool()).await? {
                out.push(consent_from_row(&row)?);
            }
        }
        let named: Vec<i64> = out.iter().filter(|c| !c.all_partners).map(|c| c.id).collect();
        let mut organisations: HashMap<i64, Vec<i64>> = HashMap::new();
        for chunk in named.chunks(500) {
            let sql = format!(
                "SELECT consent_id, organisation_id FROM consent_organisations WHERE consent_id IN ({}) ORDER BY organisation_id",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(self.pool()).await? {
                organisations.entry(row.try_get("consent_id")?).or_default().push(row.try_get("organisation_id")?);
            }
        }
        for consent in &mut out {
            consent.organisations = organisations.remove(&consent.id).unwrap_or_default();
        }
        Ok(out)
    }
}

impl SqlStore {
    /// Break-glass openings, newest first: of users of one organisation, or one opening by id.
    async fn openings_where(
        &self,
        organisation_id: Option<i64>,
        id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<BreakGlassRow>> {
        let rows = sqlx::query(
            "SELECT b.id, b.user_id, u.display_name, u.organisation_id, b.person_id, b.reason, b.opened_at, b.expires_at, \
             b.review_outcome, (SELECT COUNT(*) FROM contacts c WHERE c.break_glass_id = b.id) \
             + (SELECT COUNT(*) FROM consents k WHERE k.break_glass_id = b.id) AS recorded \
             FROM break_glass b JOIN users u ON u.id = b.user_id WHERE ($1 = 0 OR u.organisation_id = $1) \
             AND ($2 = 0 OR b.id = $2) ORDER BY b.id DESC LIMIT $3",
        )
        .bind(organisation_id.unwrap_or(0))
        .bind(id.unwrap_or(0))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BreakGlassRow {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    user_name: r.try_get("display_name")?,
                    organisation_id: r.try_get("organisation_id")?,
                    person_id: r.try_get("person_id")?,
                    reason: r.try_get("reason")?,
                    opened_at: instant(r, "opened_at")?,
                    expires_at: instant(r, "expires_at")?,
                    recorded: r.try_get("recorded")?,
                    review_outcome: opt_text(r, "review_outcome")?,
                })
            })
            .collect()
    }
}

/// Rows `(id, organisation)` of a record's organisations, in `table (columns)`.
async fn add_parties(conn: &mut sqlx::AnyConnection, table: &str, id: i64, organisations: &[i64]) -> Result<()> {
    for organisation in organisations {
        sqlx::query(&format!("INSERT INTO {table} VALUES ($1, $2)"))
            .bind(id)
            .bind(*organisation)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// In the detail of the audit entry of an `Add…` [`CaseChange`], stands for the id created.
pub const CREATED_ID: &str = "{id}";

/// One change to the case work on a person or to the partnership's resources, written with its
/// audit entry by [`Casework::record`].
#[derive(Debug, Clone)]
pub enum CaseChange<'a> {
    /// Records a consent; returns its id.
    AddConsent(&'a NewConsent),
    /// Withdraws a live consent of the person.
    WithdrawConsent { consent_id: i64, person_id: i64, by: i64, on: time::Date, at: time::OffsetDateTime },
    /// Opens a record in an emergency; returns the opening's id.
    OpenBreakGlass {
        user_id: i64,
        person_id: i64,
        reason: &'a str,
        opened_at: time::OffsetDateTime,
        expires_at: time::OffsetDateTime,
    },
    /// Sets (or clears) the person's lead organisation and worker.
    SetLead { person_id: i64, organisation_id: Option<i64>, user_id: Option<i64> },
    /// Records a contact; returns its id.
    AddContact(&'a NewContact),
    /// Registers someone new: their record, their person (the record's id) and first contact;
    /// returns the person's id, which the audit entry takes as its person.
    Register(&'a NewRegistration),
    /// Adds an action to the person's plan; returns its id.
    AddAction(&'a NewAction),
    /// Marks an open action of the person done.
    CompleteAction { action_id: i64, person_id: i64, on: time::Date },
    /// Makes a resource available; returns its id.
    AddResource {
        kind: &'a str,
        name: &'a str,
        organisation_id: i64,
        available_from: time::Date,
        by: i64,
        at: time::OffsetDateTime,
    },
    /// Offers an available resource to a person.
    OfferResource { resource_id: i64, person_id: i64, by: i64, reason: &'a str, at: time::OffsetDateTime },
    /// Records what came of the live offer of a resource: `accepted` takes the resource,
    /// `refused` and `withdrawn` free it. Returns the person it was offered to.
    CloseOffer { resource_id: i64, outcome: &'a str, at: time::OffsetDateTime },
}

impl CaseChange<'_> {
    /// Whether the change creates a row whose id the audit entry's detail may name.
    fn creates(&self) -> bool {
        matches!(
            self,
            CaseChange::AddConsent(_)
                | CaseChange::AddContact(_)
                | CaseChange::Register(_)
                | CaseChange::AddAction(_)
                | CaseChange::AddResource { .. }
        )
    }
}

/// Inserts a contact recorded in byname; returns its id. It belongs to the person's first record
/// (whose id is the person's id), so the statistics count it like any other.
async fn insert_contact(conn: &mut sqlx::AnyConnection, c: &NewContact) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO contacts (source, source_id, record_id, contact_date, contact_time, team, borough, \
         location, latitude, longitude, bedded_down, contact_type, fingerprint, import_id, organisation_id, \
         recorded_by, note, break_glass_id) VALUES ('byname', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         'outreach', 0, 0, $11, $12, $13, $14) RETURNING id",
    )
    // Not kept prepared: sqlx's `Any` driver sends a missing coordinate as a `float4`
    // NULL, and a statement prepared so would refuse a real `float8` coordinate later
    // on PostgreSQL.
    .persistent(false)
    .bind(&c.source_id)
    .bind(c.person_id)
    .bind(&c.contact_date)
    .bind(&c.contact_time)
    .bind(&c.organisation_name)
    .bind(&c.borough)
    .bind(&c.location)
    .bind(c.latitude)
    .bind(c.longitude)
    .bind(i64::from(c.bedded_down))
    .bind(c.organisation_id)
    .bind(c.recorded_by)
    .bind(&c.note)
    .bind(c.break_glass_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Applies a change inside the caller's transaction: `None` when there was nothing to change.
async fn apply_case(conn: &mut sqlx::AnyConnection, change: &CaseChange<'_>) -> Result<Option<i64>> {
    match *change {
        CaseChange::AddConsent(c) => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO consents (person_id, purpose, all_partners, given_on, expires_on, recorded_by, recorded_at, \
                 break_glass_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(c.person_id)
            .bind(&c.purpose)
            .bind(i64::from(c.organisations.is_none()))
            .bind(iso(c.given_on))
            .bind(c.expires_on.map(iso))
            .bind(c.recorded_by)
            .bind(format_instant(c.recorded_at))
            .bind(c.break_glass_id)
            .fetch_one(&mut *conn)
            .await?;
            let organisations: &[i64] = c.organisations.as_deref().unwrap_or_default();
            add_parties(conn, "consent_organisations (consent_id, organisation_id)", id, organisations).await?;
            Ok(Some(id))
        }
        CaseChange::WithdrawConsent { consent_id, person_id, by, on, at } => {
            let done = sqlx::query(
                "UPDATE consents SET withdrawn_on = $1, withdrawn_by = $2, withdrawn_at = $3 \
                 WHERE id = $4 AND person_id = $5 AND withdrawn_on IS NULL",
            )
            .bind(iso(on))
            .bind(by)
            .bind(format_instant(at))
            .bind(consent_id)
            .bind(person_id)
            .execute(&mut *conn)
            .await?;
            Ok((done.rows_affected() == 1).then_some(0))
        }
        CaseChange::OpenBreakGlass { user_id, person_id, reason, opened_at, expires_at } => Ok(Some(
            sqlx::query_scalar(
                "INSERT INTO break_glass (user_id, person_id, reason, opened_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(user_id)
            .bind(person_id)
            .bind(reason)
            .bind(format_instant(opened_at))
            .bind(format_instant(expires_at))
            .fetch_one(&mut *conn)
            .await?,
        )),
        CaseChange::SetLead { person_id, organisation_id, user_id } => {
            sqlx::query("UPDATE persons SET lead_organisation_id = $1, lead_user_id = $2 WHERE id = $3")
                .bind(organisation_id)
                .bind(user_id)
                .bind(person_id)
                .execute(&mut *conn)
                .await?;
            // The by-name list's cache is keyed on this counter (see `cache.rs`).
            sqlx::query(
                "INSERT INTO settings (name, value) VALUES ('lead_version', '1') \
                 ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)",
            )
            .execute(&mut *conn)
            .await?;
            Ok(Some(0))
        }
        CaseChange::Register(r) => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO source_records (source, source_id, first_name, last_name, known_as, date_of_birth, gender, \
                 nationality, description, organisation_id, fingerprint, import_id) \
                 VALUES ('local', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0) RETURNING id",
            )
            .bind(&r.source_id)
            .bind(&r.first_name)
            .bind(&r.last_name)
            .bind(&r.known_as)
            .bind(&r.date_of_birth)
            .bind(&r.gender)
            .bind(&r.nationality)
            .bind(&r.description)
            .bind(r.contact.organisation_id)
            .bind(r.fingerprint)
            .fetch_one(&mut *conn)
            .await?;
            // Its own person at once, named by its record as linkage names persons; a later run
            // keeps it so, or joins it to others by the usual rules.
            sqlx::query("INSERT INTO persons (id, created_at) VALUES ($1, $2)")
                .bind(id)
                .bind(format_instant(r.created_at))
                .execute(&mut *conn)
                .await?;
            sqlx::query("INSERT INTO person_links (record_id, person_id, rule) VALUES ($1, $1, 'own_record')")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            insert_contact(conn, &NewContact { person_id: id, ..r.contact.clone() }).await?;
            Ok(Some(id))
        }
        CaseChange::AddContact(c) => Ok(Some(insert_contact(conn, c).await?)),
        CaseChange::AddAction(a) => Ok(Some(
            sqlx::query_scalar(
                "INSERT INTO actions (person_id, description, owner_user_id, owner_organisation_id, due_on, \
                 created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(a.person_id)
            .bind(&a.description)
            .bind(a.owner_user_id)
            .bind(a.owner_organisation_id)
            .bind(a.due_on.map(iso))
            .bind(a.created_by)
            .bind(format_instant(a.created_at))
            .fetch_one(&mut *conn)
            .await?,
        )),
        CaseChange::CompleteAction { action_id, person_id, on } => {
            let done =
                sqlx::query("UPDATE actions SET done_on = $1 WHERE id = $2 AND person_id = $3 AND done_on IS NULL")
                    .bind(iso(on))
                    .bind(action_id)
                    .bind(person_id)
                    .execute(&mut *conn)
                    .await?;
            Ok((done.rows_affected() == 1).then_some(0))
        }
        CaseChange::AddResource { kind, name, organisation_id, available_from, by, at } => Ok(Some(
            sqlx::query_scalar(
                "INSERT INTO resources (kind, name, organisation_id, available_from, state, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, 'available', $5, $6) RETURNING id",
            )
            .bind(kind)
            .bind(name)
            .bind(organisation_id)
            .bind(iso(available_from))
            .bind(by)
            .bind(format_instant(at))
            .fetch_one(&mut *conn)
            .await?,
        )),
        CaseChange::OfferResource { resource_id, person_id, by, reason, at } => {
            // Taken only while available: two offers at once cannot both win.
            let claimed = sqlx::query("UPDATE resources SET state = 'offered' WHERE id = $1 AND state = 'available'")
                .bind(resource_id)
                .execute(&mut *conn)
                .await?;
            if claimed.rows_affected() != 1 {
                return Ok(None);
            }
            sqlx::query(
                "INSERT INTO resource_offers (resource_id, person_id, decided_by, reason, offered_at, outcome) \
                 VALUES ($1, $2, $3, $4, $5, 'offered')",
            )
            .bind(resource_id)
            .bind(person_id)
            .bind(by)
            .bind(reason)
            .bind(format_instant(at))
            .execute(&mut *conn)
            .await?;
            Ok(Some(0))
        }
        CaseChange::CloseOffer { resource_id, outcome, at } => {
            let offer = sqlx::query(
                "SELECT id, person_id FROM resource_offers WHERE resource_id = $1 AND outcome = 'offered' \
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(resource_id)
            .fetch_optional(&mut *conn)
            .await?;
            let Some(offer) = offer else { return Ok(None) };
            let (id, person): (i64, i64) = (offer.try_get("id")?, offer.try_get("person_id")?);
            sqlx::query("UPDATE resource_offers SET outcome = $1, outcome_at = $2 WHERE id = $3")
                .bind(outcome)
                .bind(format_instant(at))
                .bind(id)
                .execute(&mut *conn)
                .await?;
            let state = if outcome == "accepted" { "taken" } else { "available" };
            sqlx::query("UPDATE resources SET state = $1 WHERE id = $2")
                .bind(state)
                .bind(resource_id)
                .execute(&mut *conn)
                .await?;
            Ok(Some(person))
        }
    }
}

/// The setting that says up to which audit entry `audit_persons` is complete.
const AUDIT_PERSONS_INDEXED: &str = "audit_persons_indexed_to";

impl SqlStore {
    /// Brings the index of the people list pages covered (`audit_persons`) up to the log's end.
    /// A page view writes only its entry, whose `persons` the hash covers; the index, which a
    /// search by person needs and nothing else does, is caught up here, in bulk, before such a
    /// search. Writing it with every page would cost each view dozens of scattered index rows.
    /// Idempotent, and safe when two searches catch up at once.
    async fn index_audit_persons(&self) -> Result<()> {
        let indexed: i64 = sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE name = $1")
            .bind(AUDIT_PERSONS_INDEXED)
            .fetch_optional(self.pool())
            .await?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let end: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit_log").fetch_one(self.pool()).await?;
        let Some(end) = end.filter(|end| *end > indexed) else { return Ok(()) };
        let rows = sqlx::query("SELECT id, persons FROM audit_log WHERE id > $1 AND id <= $2 AND persons IS NOT NULL")
            .bind(indexed)
            .bind(end)
            .fetch_all(self.pool())
            .await?;
        let mut covered: Vec<(i64, i64)> = Vec::new();
        for row in &rows {
            let audit: i64 = row.try_get("id")?;
            let persons: String = row.try_get("persons")?;
            covered.extend(persons.split(' ').filter_map(|p| p.parse::<i64>().ok()).map(|p| (p, audit)));
        }
        let mut tx = self.pool().begin().await?;
        // The values are numbers read back as numbers, written into the statement (no
        // parameters to bind); each statement differs, so none is kept prepared.
        for chunk in covered.chunks(500) {
            let values: Vec<String> = chunk.iter().map(|(person, audit)| format!("({person}, {audit})")).collect();
            let sql = format!(
                "INSERT INTO audit_persons (person_id, audit_id) VALUES {} ON CONFLICT DO NOTHING",
                values.join(", ")
            );
            sqlx::query(&sql).persistent(false).execute(&mut *tx).await?;
        }
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = $2")
            .bind(AUDIT_PERSONS_INDEXED)
            .bind(end.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Casework for SqlStore {
    async fn access_facts(
        &self,
        person_ids: &[i64],
        organisation_id: i64,
        user_id: i64,
        now: time::OffsetDateTime,
    ) -> Result<Vec<AccessFacts>> {
        let version = self.data_version().await?;
        let (mut yes, unknown) = self.cache.works_with(&version, organisation_id, person_ids);
        let mut found = Vec::new();
        for chunk in unknown.chunks(400) {
            let ids = placeholders(2, chunk.len());
            // The organisation recorded a contact (in byname, or under one of its names in an
            // import), a stay with one of its names as provider, or leads on the person.
            let sql = format!(
                "SELECT l.person_id FROM contacts c JOIN person_links l ON l.record_id = c.record_id \
                 WHERE l.person_id IN ({ids}) AND c.withdrawn = 0 AND {CONTACT_GIVES_ACCESS} AND (c.organisation_id = $1 OR c.team IN \
                 (SELECT name FROM organisation_names WHERE organisation_id = $1)) \
                 UNION SELECT l.person_id FROM stays s JOIN person_links l ON l.record_id = s.record_id \
                 WHERE l.person_id IN ({ids}) AND s.withdrawn = 0 AND s.provider IN \
                 (SELECT name FROM organisation_names WHERE organisation_id = $1) \
                 UNION SELECT id FROM persons WHERE id IN ({ids}) AND lead_organisation_id = $1"
            );
            let mut query = sqlx::query(&sql).bind(organisation_id);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(self.pool()).await? {
                found.push(row.try_get::<i64, _>(0)?);
            }
        }
        self.cache.keep_works_with(&version, organisation_id, &unknown, &found);
        yes.extend(found);
        let works: std::collections::HashSet<i64> = yes.into_iter().collect();
        let glass: std::collections::HashSet<i64> =
            sqlx::query_scalar("SELECT person_id FROM break_glass WHERE user_id = $1 AND expires_at > $2")
                .bind(user_id)
                .bind(format_instant(now))
                .fetch_all(self.pool())
                .await?
                .into_iter()
                .collect();
        let mut consents: HashMap<i64, Vec<ConsentRow>> = HashMap::new();
        for consent in self.consents_of(person_ids).await? {
            consents.entry(consent.person_id).or_default().push(consent);
        }
        Ok(person_ids
            .iter()
            .map(|id| AccessFacts {
                person_id: *id,
                works_with: works.contains(id),
                consents: consents.remove(id).unwrap_or_default(),
                break_glass: glass.contains(id),
            })
            .collect())
    }

    async fn person_data(&self, person_id: i64) -> Result<crate::PersonData> {
        self.read_person_data(person_id).await
    }

    async fn person_exists(&self, person_id: i64) -> Result<bool> {
        // A restricted person is used for nothing: their page is "not found" like a stranger's.
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM person_links WHERE person_id = $1 \
             AND person_id NOT IN (SELECT person_id FROM restrictions)",
        )
        .bind(person_id)
        .fetch_one(self.pool())
        .await?;
        Ok(n > 0)
    }

    async fn escalation_flags(
        &self,
        person_ids: &[i64],
        now: time::OffsetDateTime,
    ) -> Result<HashMap<i64, EscalationFlags>> {
        let now = format_instant(now);
        // Open escalations are few next to the people on a list: one read of all of them, kept
        // for the persons asked about (a short list is looked up, a long one taken whole).
        let wanted: Option<std::collections::HashSet<i64>> =
            (person_ids.len() <= 64).then(|| person_ids.iter().copied().collect());
        let mut flags: HashMap<i64, EscalationFlags> = HashMap::new();
        let rows =
            sqlx::query("SELECT person_id, deadline_at FROM escalations WHERE state IN ('open', 'acknowledged')")
                .fetch_all(self.pool())
                .await?;
        for row in rows {
            let person: i64 = row.try_get("person_id")?;
            if wanted.as_ref().is_some_and(|w| !w.contains(&person)) {
                continue;
            }
            let f = flags.entry(person).or_default();
            f.open += 1;
            let deadline: String = row.try_get("deadline_at")?;
            if deadline < now {
                f.overdue += 1;
            }
        }
        Ok(flags)
    }

    async fn consents(&self, person_id: i64) -> Result<Vec<ConsentRow>> {
        self.consents_of(&[person_id]).await
    }

    async fn registration_candidates(&self, probe: &CandidateProbe) -> Result<Vec<(LinkInput, i64)>> {
        let mut conditions = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let param = |values: &mut Vec<String>, value: String| {
            values.push(value);
            format!("${}", values.len())
        };
        // Each way of being a candidate is a read on one index (the date of birth, a lower-cased
        // name), and the reads are joined: never a scan of every record.
        if let Some(dob) = &probe.date_of_birth {
            conditions.push(format!("r.date_of_birth = {}", param(&mut values, dob.clone())));
        }
        let years: Vec<String> = probe
            .years
            .iter()
            .map(|y| {
                let from = param(&mut values, format!("{y:04}"));
                let to = param(&mut values, format!("{:04}", y + 1));
                format!("(r.date_of_birth >= {from} AND r.date_of_birth < {to})")
            })
            .collect();
        let born = if years.is_empty() {
            String::new()
        } else {
            format!(" AND (r.date_of_birth IS NULL OR {})", years.join(" OR "))
        };
        if !probe.names.is_empty() {
            let names: Vec<String> = probe.names.iter().map(|n| param(&mut values, n.clone())).collect();
            let names = names.join(", ");
            conditions.push(format!("lower(r.last_name) IN ({names}){born}"));
            conditions.push(format!("lower(r.first_name) IN ({names}){born}"));
        }
        if !probe.initials.is_empty() {
            let initials: Vec<String> = probe.initials.iter().map(|i| param(&mut values, i.clone())).collect();
            let initials = initials.join(", ");
            for year in &years {
                conditions.push(format!(
                    "{year} AND (lower(substr(r.last_name, 1, 1)) IN ({initials}) \
                     OR lower(substr(r.first_name, 1, 1)) IN ({initials}))"
                ));
            }
        }
        if conditions.is_empty() {
            return Ok(Vec::new());
        }
        let candidates: Vec<String> =
            conditions.iter().map(|c| format!("SELECT r.id FROM source_records r WHERE {c}")).collect();
        let sql = format!(
            "SELECT r.id, r.source, r.source_id, r.first_name, r.last_name, r.known_as, r.aliases, r.date_of_birth, \
             r.gender, r.nationality, r.nhs_number, r.recorded_chain_id, r.fingerprint, l.person_id \
             FROM source_records r JOIN person_links l ON l.record_id = r.id \
             WHERE r.withdrawn = 0 AND l.person_id NOT IN (SELECT person_id FROM restrictions) AND r.id IN ({}) \
             ORDER BY r.id LIMIT {}",
            candidates.join(" UNION "),
            probe.limit.max(1)
        );
        let mut query = sqlx::query(&sql).persistent(false);
        for value in &values {
            query = query.bind(value);
        }
        query
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|r| Ok((crate::backend::link_input_from_row(r)?, r.try_get("person_id")?)))
            .collect()
    }

    async fn record(&self, change: CaseChange<'_>, audit: &AuditEntry) -> Result<Option<i64>> {
        let mut conn = self.pool().acquire().await?;
        begin_locked(&mut conn, self.backend()).await?;
        let result = async {
            let Some(id) = apply_case(&mut conn, &change).await? else { return Ok((None, None)) };
            let mut entry = audit.clone();
            if change.creates() {
                entry.detail = entry.detail.map(|d| d.replacen(CREATED_ID, &id.to_string(), 1));
            }
            if let CaseChange::CloseOffer { .. } | CaseChange::Register(_) = change {
                entry.person_id = Some(id);
            }
            let head = append_chained(&mut conn, self.backend(), &self.secrets, std::slice::from_ref(&entry)).await?;
            Ok::<_, StoreError>((Some(id), head))
        }
        .await;
        // Nothing changed, or something failed: nothing is kept.
        end_locked(&mut conn, &self.secrets, result, Option::is_some).await
    }

    async fn open_break_glass_id(
        &self,
        user_id: i64,
        person_id: i64,
        now: time::OffsetDateTime,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MAX(id) FROM break_glass WHERE user_id = $1 AND person_id = $2 AND expires_at > $3",
        )
        .bind(user_id)
        .bind(person_id)
        .bind(format_instant(now))
        .fetch_one(self.pool())
        .await?)
    }

    async fn break_glass_opening(&self, id: i64) -> Result<Option<BreakGlassRow>> {
        Ok(self.openings_where(None, Some(id), 1).await?.pop())
    }

    async fn break_glass_openings(&self, organisation_id: Option<i64>, limit: i64) -> Result<Vec<BreakGlassRow>> {
        self.openings_where(organisation_id, None, limit).await
    }

    async fn append_audit_entries(&self, entries: &[AuditEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        self.audit_writer.append(self.pool().clone(), self.backend(), self.secrets.clone(), entries.to_vec()).await
    }

    async fn audit_rows(&self, after_id: i64, limit: i64) -> Result<Vec<AuditRow>> {
        let rows = sqlx::query(&format!("{AUDIT_SELECT} WHERE id > $1 ORDER BY id LIMIT $2"))
            .bind(after_id)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn search_audit(&self, q: &AuditQuery) -> Result<Vec<AuditRow>> {
        if q.person_id.is_some() {
            self.index_audit_persons().await?;
        }
        let rows = sqlx::query(&format!(
            "{AUDIT_SELECT} WHERE ($1 = 0 OR person_id = $1 OR id IN (SELECT audit_id FROM audit_persons WHERE person_id = $1)) AND ($2 = 0 OR user_id = $2) \
             AND ($3 = 0 OR organisation_id = $3) AND ($4 = '' OR action = $4) AND ($5 = '' OR at >= $5) \
             AND ($6 = '' OR at < $6) ORDER BY id DESC LIMIT $7"
        ))
        .bind(q.person_id.unwrap_or(0))
        .bind(q.user_id.unwrap_or(0))
        .bind(q.organisation_id.unwrap_or(0))
        .bind(q.action.clone().unwrap_or_default())
        .bind(q.from.map(|d| format_instant(d.midnight().assume_utc())).unwrap_or_default())
        // Before the start of the next day: the whole of `to`.
        .bind(q.to.map(|d| format_instant(d.midnight().assume_utc() + time::Duration::DAY)).unwrap_or_default())
        .bind(q.limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn person_needs(&self, person_id: i64) -> Result<Vec<String>> {
        let rows = sqlx::query(&format!(
            "SELECT r.support_needs, {} AS assessed \
             FROM person_links l JOIN source_records r ON r.id = l.record_id WHERE l.person_id = $1 AND r.withdrawn = 0",
            crate::needs::ASSESSED_SQL
        ))
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        let mut needs = Vec::new();
        for row in &rows {
            needs.extend(crate::needs::codes(opt_text(row, "support_needs")?.as_deref(), row.try_get("assessed")?));
        }
        needs.sort();
        needs.dedup();
        Ok(needs)
    }

    async fn person_lead(&self, person_id: i64) -> Result<PersonLead> {
        let row = sqlx::query(
            "SELECT p.lead_organisation_id, o.name AS organisation, p.lead_user_id, u.display_name AS lead_user \
             FROM persons p LEFT JOIN organisations o ON o.id = p.lead_organisation_id \
             LEFT JOIN users u ON u.id = p.lead_user_id WHERE p.id = $1",
        )
        .bind(person_id)
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = row else { return Ok(PersonLead::default()) };
        Ok(PersonLead {
            organisation_id: r.try_get("lead_organisation_id")?,
            organisation: opt_text(&r, "organisation")?,
            user_id: r.try_get("lead_user_id")?,
            user: opt_text(&r, "lead_user")?,
        })
    }

    async fn timeline(&self, person_id: i64) -> Result<Vec<CaseEvent>> {
        let mut events = Vec::new();
        let contacts = sqlx::query(&format!(
            "SELECT c.contact_date, c.contact_time, c.team, c.location, c.borough, c.bedded_down, c.contact_type, c.note, \
             o.name AS organisation FROM contacts c JOIN person_links l ON l.record_id = c.record_id \
             LEFT JOIN organisations o ON o.id = c.organisation_id \
             WHERE l.person_id = $1 AND c.withdrawn = 0 AND NOT (c.contact_type = 'street_count' AND {})",
            crate::person_page::LATER_ROW_OF_THE_NIGHT
        ))
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        for r in &contacts {
            events.push(CaseEvent::Contact {
                date: r.try_get("contact_date")?,
                organisation: opt_text(r, "organisation")?,
                team: opt_text(r, "team")?,
                place: [opt_text(r, "location")?, opt_text(r, "borough")?].into_iter().flatten().collect(),
                bedded_down: r.try_get::<i64, _>("bedded_down")? != 0,
                contact_type: r.try_get("contact_type")?,
                note: opt_text(r, "note")?,
            });
        }
        let stays = sqlx::query(
            "SELECT s.provider, s.stay_type, s.arrival_date, s.departure_date, s.departure_reason FROM stays s \
             JOIN person_links l ON l.record_id = s.record_id WHERE l.person_id = $1 AND s.withdrawn = 0",
        )
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        for r in &stays {
            let stay_type: String = r.try_get("stay_type")?;
            let provider = opt_text(r, "provider")?;
            events.push(CaseEvent::Arrived {
                date: r.try_get("arrival_date")?,
                provider: provider.clone(),
                stay_type: stay_type.clone(),
            });
            if let Some(left) = opt_text(r, "departure_date")? {
                events.push(CaseEvent::Left {
                    date: left,
                    provider,
                    stay_type,
                    reason: opt_text(r, "departure_reason")?,
                });
            }
        }
        let assessments = sqlx::query(
            "SELECT a.assessed_on, a.source FROM assessments a JOIN person_links l ON l.record_id = a.record_id \
             WHERE l.person_id = $1 AND a.withdrawn = 0",
        )
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        for r in &assessments {
            events.push(CaseEvent::Assessed { date: r.try_get("assessed_on")?, source: opt_text(r, "source")? });
        }
        let escalations = sqlx::query(
            "SELECT e.raised_at, e.service_area, e.blocked, e.state, o.name AS organisation FROM escalations e \
             JOIN organisations o ON o.id = e.organisation_id WHERE e.person_id = $1",
        )
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        for r in &escalations {
            let raised: String = r.try_get("raised_at")?;
            events.push(CaseEvent::Escalated {
                date: raised.chars().take(10).collect(),
                organisation: opt_text(r, "organisation")?,
                service_area: r.try_get("service_area")?,
                blocked: r.try_get("blocked")?,
                state: r.try_get("state")?,
            });
        }
        for action in self.actions(person_id).await? {
            events.push(CaseEvent::Action {
                date: iso(action.created_at.to_offset(time::UtcOffset::UTC).date()),
                owner_organisation: action.owner_organisation,
                description: action.description,
                done_on: action.done_on.map(iso),
            });
        }
        events.sort_by(|a, b| b.date().cmp(a.date()));
        Ok(events)
    }

    async fn timeline_page(&self, person_id: i64, slice: &TimelineSlice) -> Result<TimelinePage> {
        self.read_timeline_page(person_id, slice).await
    }

    async fn person_summary(&self, person_id: i64) -> Result<PersonSummary> {
        self.read_person_summary(person_id).await
    }

    async fn health_events(&self, person_id: i64) -> Result<Vec<TimelineEvent>> {
        let rows = sqlx::query(
            "SELECT h.event_date, h.event_type, h.provider FROM health_events h WHERE h.withdrawn = 0 \
             AND h.nhs_number IN (SELECT r.nhs_number FROM source_records r JOIN person_links l ON l.record_id = r.id \
             WHERE l.person_id = $1 AND r.withdrawn = 0 AND r.nhs_number IS NOT NULL) ORDER BY h.event_date DESC",
        )
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("event_type")?;
                Ok(TimelineEvent {
                    date: r.try_get("event_date")?,
                    kind: "health".into(),
                    by: opt_text(r, "provider")?,
                    text: byname_domain::codes::HealthEventType::parse(&kind)
                        .map_or_else(|| kind.replace('_', " "), |t| t.label().to_owned()),
                })
            })
            .collect()
    }

    async fn actions(&self, person_id: i64) -> Result<Vec<ActionRow>> {
        let rows = sqlx::query(
            "SELECT a.id, a.person_id, a.description, a.owner_user_id, u.display_name AS owner, a.owner_organisation_id, \
             o.name AS owner_organisation, a.due_on, a.done_on, a.created_at FROM actions a \
             JOIN organisations o ON o.id = a.owner_organisation_id LEFT JOIN users u ON u.id = a.owner_user_id \
             WHERE a.person_id = $1 ORDER BY a.done_on IS NOT NULL, a.due_on, a.id",
        )
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ActionRow {
                    id: r.try_get("id")?,
                    person_id: r.try_get("person_id")?,
                    description: r.try_get("description")?,
                    owner_user_id: r.try_get("owner_user_id")?,
                    owner: opt_text(r, "owner")?,
                    owner_organisation_id: r.try_get("owner_organisation_id")?,
                    owner_organisation: r.try_get("owner_organisation")?,
                    due_on: opt_date(r, "due_on")?,
                    done_on: opt_date(r, "done_on")?,
                    created_at: instant(r, "created_at")?,
                })
            })
            .collect()
    }

    async fn users(&self) -> Result<Vec<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN organisations o ON o.id = u.organisation_id ORDER BY o.name, u.username"
        );
        sqlx::query(&sql).fetch_all(self.pool()).await?.iter().map(|r| user_from_row(r, &self.secrets)).collect()
    }

    async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.id = $1"
        );
        sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(|r| user_from_row(r, &self.secrets))
            .transpose()
    }

    async fn add_organisation_name(&self, name: &str, organisation_id: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO organisation_names (name, organisation_id) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET organisation_id = $2",
        )
        .bind(name)
        .bind(organisation_id)
        .execute(self.pool())
        .await
        .map_err(StoreError::from)?;
        // The access rules' cached answers are keyed on this counter (see `cache.rs`).
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ('organisation_names_version', '1') \
             ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)",
        )
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn setting_or_insert(&self, name: &str, value: &str) -> Result<String> {
        // Read first: the common case writes nothing.
        let stored: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        if let Some(stored) = stored {
            return Ok(stored);
        }
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(value)
            .execute(self.pool())
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE name = $1").bind(name).fetch_one(self.pool()).await?)
    }

    async fn memo<T: Send + Sync + 'static>(&self, key: &str) -> Result<(String, Option<std::sync::Arc<T>>)> {
        let version = self.data_version().await?;
        let found = self.cache.memo(&version, key);
        Ok((version, found))
    }

    fn keep_memo<T: Send + Sync + 'static>(&self, version: &str, key: &str, value: std::sync::Arc<T>) {
        self.cache.keep_memo(version, key, value);
    }

    fn memo_at<T: Send + Sync + 'static>(&self, version: &str, key: &str) -> Option<std::sync::Arc<T>> {
        self.cache.memo(version, key)
    }

    async fn access_version(&self, user_id: i64, now: time::OffsetDateTime) -> Result<String> {
        // One round trip: every page asks.
        let row = sqlx::query(concat!("SELECT ", access_version_columns!()))
            .bind(user_id)
            .bind(format_instant(now))
            .fetch_one(self.pool())
            .await?;
        access_version_of(&row)
    }

    async fn versions(&self, user_id: i64, now: time::OffsetDateTime) -> Result<(String, String)> {
        let row = sqlx::query(concat!("SELECT ", access_version_columns!(), ", ", data_version_columns!()))
            .bind(user_id)
            .bind(format_instant(now))
            .fetch_one(self.pool())
            .await?;
        Ok((data_version_of(&row)?, access_version_of(&row)?))
    }

    async fn resources(&self) -> Result<Vec<ResourceRow>> {
        let rows = sqlx::query(
            "SELECT r.id, r.kind, r.name, o.name AS organisation, r.organisation_id, r.available_from, r.state, \
             f.id AS offer_id, f.person_id, u.display_name AS decided_by, u.organisation_id AS decider_organisation_id, \
             f.reason, f.offered_at, f.outcome FROM resources r JOIN organisations o ON o.id = r.organisation_id \
             LEFT JOIN resource_offers f ON f.id = (SELECT MAX(g.id) FROM resource_offers g WHERE g.resource_id = r.id) \
             LEFT JOIN users u ON u.id = f.decided_by \
             WHERE r.state <> 'withdrawn' ORDER BY r.state = 'taken', r.available_from, r.id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let offer = match r.try_get::<Option<i64>, _>("offer_id")? {
                    Some(id) => Some(OfferRow {
                        id,
                        person_id: r.try_get("person_id")?,
                        decided_by: r.try_get("decided_by")?,
                        decider_organisation_id: r.try_get("decider_organisation_id")?,
                        reason: r.try_get("reason")?,
                        offered_at: instant(r, "offered_at")?,
                        outcome: r.try_get("outcome")?,
                    }),
                    None => None,
                };
                Ok(ResourceRow {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    name: r.try_get("name")?,
                    organisation: r.try_get("organisation")?,
                    organisation_id: r.try_get("organisation_id")?,
                    available_from: r.try_get("available_from")?,
                    state: r.try_get("state")?,
                    offer,
                })
            })
            .collect()
    }

    async fn set_setting(&self, name: &str, value: &str) -> Result<()> {
        sqlx::query("INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = $2")
            .bind(name)
            .bind(value)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn agreements(&self) -> Result<Vec<AgreementRow>> {
        let rows = sqlx::query(
            "SELECT a.id, a.title, a.purpose, a.lawful_basis, a.special_category_condition, a.starts_on, a.ends_on, \
             u.display_name AS recorded_by, a.recorded_at FROM sharing_agreements a JOIN users u ON u.id = a.recorded_by \
             ORDER BY a.id DESC",
        )
        .fetch_all(self.pool())
        .await?;
        let parties = sqlx::query(
            "SELECT p.agreement_id, o.name FROM sharing_agreement_organisations p \
             JOIN organisations o ON o.id = p.organisation_id ORDER BY o.name",
        )
        .fetch_all(self.pool())
        .await?;
        let mut by_agreement: HashMap<i64, Vec<String>> = HashMap::new();
        for p in &parties {
            by_agreement.entry(p.try_get("agreement_id")?).or_default().push(p.try_get("name")?);
        }
        rows.iter()
            .map(|r| {
                let id: i64 = r.try_get("id")?;
                Ok(AgreementRow {
                    id,
                    title: r.try_get("title")?,
                    purpose: r.try_get("purpose")?,
                    lawful_basis: r.try_get("lawful_basis")?,
                    special_category_condition: opt_text(r, "special_category_condition")?,
                    starts_on: date(r, "starts_on")?,
                    ends_on: opt_date(r, "ends_on")?,
                    organisations: by_agreement.remove(&id).unwrap_or_default(),
                    recorded_by: r.try_get("recorded_by")?,
                    recorded_at: instant(r, "recorded_at")?,
                })
            })
            .collect()
    }
}
