//! [`SqlStore`]: the store over sqlx's `Any` driver, for SQLite and PostgreSQL alike; the
//! helpers its parts share (reading a record or a pair, ids in an `IN` list, writing persons);
//! and the [`Store`] trait's own methods. Each part of the store implements its trait for
//! `SqlStore` in its own module.

use crate::backend::{Backend, data_version_of, format_instant, opt_text};
use crate::types::*;
use crate::{Result, Store, StoreError};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

/// The file of a `sqlite://PATH` URL. An in-memory database is refused: an
/// import writes through a connection of its own, which must see the same data.
fn sqlite_file(url: &str) -> Result<String> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path.contains(":memory:") || url.contains("mode=memory") {
        return Err(StoreError::Config(format!(
            "{url:?}: byname needs a SQLite file (sqlite://PATH), not an in-memory database"
        )));
    }
    Ok(path.to_owned())
}

/// Creates a SQLite file readable by its owner only, or makes an existing one so: the journal
/// files SQLite makes beside it take its permissions.
fn private_file(path: &std::path::Path) -> Result<()> {
    let io = |e: std::io::Error| StoreError::Config(format!("{}: {e}", path.display()));
    if !path.exists() {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(e)),
        }
    }
    crate::secrets::make_private(path).map_err(io)
}

#[derive(Debug, Clone)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// The SQLite file, which imports open directly (see `conn.rs`).
    pub(crate) sqlite_path: Option<String>,
    /// Appends audit entries from concurrent requests in shared transactions (`audit.rs`).
    pub(crate) audit_writer: std::sync::Arc<crate::audit::AuditWriter>,
    /// What the by-name list reads, kept until the data change (`cache.rs`).
    pub(crate) cache: std::sync::Arc<crate::cache::ListCache>,
    /// The key kept outside the database and the audit head beside it (`secrets.rs`).
    pub(crate) secrets: std::sync::Arc<crate::secrets::Secrets>,
}

impl SqlStore {
    /// Each record's usual place, by the rule of [`crate::facts::usual_place`].
    pub(crate) async fn usual_places(&self) -> Result<HashMap<i64, String>> {
        use crate::facts::usual_place::{self, PlaceCount};
        if let Some(path) = &self.sqlite_path {
            let path = path.clone();
            return tokio::task::spawn_blocking(move || crate::facts::usual_places_sqlite(&path))
                .await
                .map_err(|e| StoreError::Sqlite(format!("reading usual places: {e}")))?;
        }
        let place = usual_place::sql(self.backend);
        let rows = sqlx::query(&format!(
            "SELECT record_id, bedded_down, {place} AS place, COUNT(*) AS n, \
             MIN(contact_date || ' ' || COALESCE(contact_time, '') || ' ' || source_id) AS first \
             FROM contacts WHERE withdrawn = 0 AND record_id IS NOT NULL AND location IS NOT NULL \
             GROUP BY record_id, bedded_down, {place}"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut candidates = Vec::with_capacity(rows.len());
        for row in &rows {
            candidates.push((
                row.try_get::<i64, _>("record_id")?,
                PlaceCount {
                    bedded_down: row.try_get::<i64, _>("bedded_down")? != 0,
                    place: row.try_get::<String, _>("place")?,
                    count: row.try_get::<i64, _>("n")?,
                    first: row.try_get::<String, _>("first")?,
                },
            ));
        }
        Ok(usual_place::best_places(candidates))
    }

    /// Connects (creating a SQLite file if missing) and brings the schema up to date. The secret
    /// key is the one in the SQLite file's folder (created there when missing); a PostgreSQL
    /// store opened this way has a key for this process only: servers use [`SqlStore::open`].
    pub async fn connect(url: &str) -> Result<Self> {
        let secrets = match Backend::of_url(url)? {
            Backend::Sqlite => {
                let file = std::path::PathBuf::from(sqlite_file(url)?);
                let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
                crate::secrets::Secrets::load(dir, None)?
            }
            Backend::Postgres => crate::secrets::Secrets::ephemeral(),
        };
        Self::open(url, secrets).await
    }

    /// Connects with the given secrets (see `secrets.rs`), creating a SQLite file if missing
    /// (readable by its owner only), and brings the schema up to date.
    pub async fn open(url: &str, secrets: crate::secrets::Secrets) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let options = AnyPoolOptions::new();
        let sqlite_path = match backend {
            Backend::Sqlite => Some(sqlite_file(url)?),
            Backend::Postgres => None,
        };
        if let Some(path) = &sqlite_path {
            private_file(std::path::Path::new(path))?;
        }
        let pool = match backend {
            Backend::Sqlite => {
                let url = if url.contains("mode=") {
                    url.to_owned()
                } else {
                    let separator = if url.contains('?') { '&' } else { '?' };
                    format!("{url}{separator}mode=rwc")
                };
                options
                    .max_connections(4)
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                                 PRAGMA busy_timeout = 10000; PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
            Backend::Postgres => options.max_connections(8).connect(url).await?,
        };
        crate::migrate::run(&pool, backend).await?;
        let store = Self {
            pool,
            backend,
            sqlite_path,
            audit_writer: Default::default(),
            cache: Default::default(),
            secrets: std::sync::Arc::new(secrets),
        };
        store.seal_audit_log().await?;
        store.seal_second_factors().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub(crate) const RECORD_DETAIL: &str = "SELECT r.id, r.source, r.source_id, r.first_name, r.last_name, r.known_as, r.aliases, \
     r.date_of_birth, r.gender, r.nationality, r.immigration_status, r.nhs_number, r.recorded_chain_id, r.description, r.withdrawn, l.person_id, l.rule \
     FROM source_records r LEFT JOIN person_links l ON l.record_id = r.id";

pub(crate) fn record_from_row(r: &AnyRow) -> Result<RecordDetail> {
    Ok(RecordDetail {
        record_id: r.try_get("id")?,
        source: r.try_get("source")?,
        source_id: r.try_get("source_id")?,
        first_name: opt_text(r, "first_name")?,
        last_name: opt_text(r, "last_name")?,
        known_as: opt_text(r, "known_as")?,
        aliases: opt_text(r, "aliases")?,
        date_of_birth: opt_text(r, "date_of_birth")?,
        gender: opt_text(r, "gender")?,
        nationality: opt_text(r, "nationality")?,
        immigration_status: opt_text(r, "immigration_status")?,
        nhs_number: opt_text(r, "nhs_number")?,
        recorded_chain_id: opt_text(r, "recorded_chain_id")?,
        description: opt_text(r, "description")?,
        withdrawn: r.try_get::<i64, _>("withdrawn")? != 0,
        person_id: r.try_get::<Option<i64>, _>("person_id")?,
        rule: opt_text(r, "rule")?,
    })
}

pub(crate) fn pair_from_row(r: &AnyRow) -> Result<LinkPair> {
    Ok(LinkPair {
        left_record_id: r.try_get("left_record_id")?,
        right_record_id: r.try_get("right_record_id")?,
        probability: r.try_get("probability")?,
        weight: r.try_get("weight")?,
        explanation: r.try_get("explanation")?,
    })
}

/// Integer ids written into an `IN (...)` list; they are numbers, so nothing can be injected.
/// Runs `sql` with its `({ids})` filled by one parameter for each of `ids`, bound in order.
pub(crate) async fn rows_for_ids(pool: &AnyPool, sql: &str, ids: &[i64]) -> Result<Vec<AnyRow>> {
    let sql = sql.replace("{ids}", &crate::backend::placeholders(1, ids.len()));
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    Ok(query.fetch_all(pool).await?)
}

pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

/// Makes the stored persons exactly `links`, inside the caller's transaction.
/// A restricted person's records and links are left as they are: linkage does not see them.
pub(crate) async fn write_links(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    links: &[Link],
    now: time::OffsetDateTime,
) -> Result<LinkChanges> {
    let now = format_instant(now);
    let now = now.as_str();
    let existing: HashMap<i64, (i64, String)> = sqlx::query(
        "SELECT record_id, person_id, rule FROM person_links \
         WHERE record_id NOT IN (SELECT record_id FROM restricted_records)",
    )
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("record_id")?, (r.try_get("person_id")?, r.try_get("rule")?))))
    .collect::<Result<_>>()?;
    let existing_persons: std::collections::HashSet<i64> =
        sqlx::query_scalar("SELECT id FROM persons WHERE id NOT IN (SELECT person_id FROM restrictions)")
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .collect();
    let wanted_persons: std::collections::BTreeSet<i64> = links.iter().map(|l| l.person_id).collect();
    let mut changes = LinkChanges::default();
    for &person_id in wanted_persons.iter().filter(|p| !existing_persons.contains(p)) {
        sqlx::query("INSERT INTO persons (id, created_at) VALUES ($1, $2)")
            .bind(person_id)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        changes.persons_created += 1;
    }
    for link in links {
        match existing.get(&link.record_id) {
            Some((person_id, rule)) if *person_id == link.person_id && *rule == link.rule => {}
            Some(_) => {
                sqlx::query("UPDATE person_links SET person_id = $1, rule = $2 WHERE record_id = $3")
                    .bind(link.person_id)
                    .bind(&link.rule)
                    .bind(link.record_id)
                    .execute(&mut **tx)
                    .await?;
                changes.records_moved += 1;
            }
            None => {
                sqlx::query("INSERT INTO person_links (record_id, person_id, rule) VALUES ($1, $2, $3)")
                    .bind(link.record_id)
                    .bind(link.person_id)
                    .bind(&link.rule)
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }
    let linked: std::collections::HashSet<i64> = links.iter().map(|l| l.record_id).collect();
    for record_id in existing.keys().filter(|r| !linked.contains(r)) {
        sqlx::query("DELETE FROM person_links WHERE record_id = $1").bind(record_id).execute(&mut **tx).await?;
    }
    for person_id in existing_persons.iter().filter(|p| !wanted_persons.contains(p)) {
        sqlx::query("DELETE FROM persons WHERE id = $1").bind(person_id).execute(&mut **tx).await?;
        changes.persons_removed += 1;
    }
    Ok(changes)
}

/// A stable 64-bit hash of a text (FNV-1a), to fold a derived value into a fingerprint.
pub(crate) fn text_hash(text: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash as i64
}

/// The order records of one person are shown in: CHAIN first, then Inform.
pub(crate) fn source_rank(source: &str) -> u8 {
    match source {
        "chain" => 0,
        "inform" => 1,
        "street_count" => 2,
        _ => 3,
    }
}

impl Store for SqlStore {
    async fn people_seen(&self, since: time::Date, until: time::Date) -> Result<std::sync::Arc<Vec<SeenPerson>>> {
        let (since, until) = (byname_domain::date::iso(since), byname_domain::date::iso(until));
        let (since, until) = (since.as_str(), until.as_str());
        let version = self.data_version().await?;
        if let Some(seen) = self.cache.seen(&version, since, until) {
            return Ok(seen);
        }
        let seen = std::sync::Arc::new(self.read_people_seen(since, until).await?);
        self.cache.keep_seen(&version, since, until, seen.clone());
        Ok(seen)
    }

    async fn people_by_id(&self, person_ids: &[i64]) -> Result<Vec<SeenPerson>> {
        self.read_people(Scope::Persons(person_ids)).await
    }

    async fn records_version(&self) -> Result<String> {
        let row = sqlx::query(
            "SELECT (SELECT MAX(id) FROM imports) AS imports, (SELECT MAX(id) FROM link_runs) AS runs, \
             (SELECT MAX(id) FROM source_records) AS records, (SELECT MAX(id) FROM link_decisions) AS decisions, \
             (SELECT COUNT(undone_at) FROM link_decisions) AS undone, \
             (SELECT value FROM settings WHERE name = 'privacy_version') AS privacy",
        )
        .fetch_one(&self.pool)
        .await?;
        let max = |column: &str| -> Result<i64> { Ok(row.try_get::<Option<i64>, _>(column)?.unwrap_or(0)) };
        Ok(format!(
            "{}/{}/{}/{}/{}/{}",
            max("imports")?,
            max("runs")?,
            max("records")?,
            max("decisions")?,
            max("undone")?,
            opt_text(&row, "privacy")?.unwrap_or_default()
        ))
    }

    fn memo_under<T: Send + Sync + 'static>(&self, version: &str, key: &str) -> Option<std::sync::Arc<T>> {
        self.cache.memo_under(version, key)
    }

    fn keep_memo_under<T: Send + Sync + 'static>(&self, version: &str, key: &str, value: std::sync::Arc<T>) {
        self.cache.keep_memo_under(version, key, value);
    }

    async fn search_records(&self) -> Result<Vec<SearchRecord>> {
        let rows = sqlx::query(
            "SELECT l.person_id, r.source, r.source_id, r.first_name, r.last_name, r.known_as, r.aliases, \
             r.date_of_birth, r.nhs_number, r.recorded_chain_id \
             FROM source_records r JOIN person_links l ON l.record_id = r.id \
             WHERE r.withdrawn = 0 AND r.id NOT IN (SELECT record_id FROM restricted_records) \
             AND l.person_id NOT IN (SELECT person_id FROM restrictions) ORDER BY l.person_id, r.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SearchRecord {
                    person_id: r.try_get("person_id")?,
                    source: r.try_get("source")?,
                    source_id: r.try_get("source_id")?,
                    first_name: opt_text(r, "first_name")?,
                    last_name: opt_text(r, "last_name")?,
                    known_as: opt_text(r, "known_as")?,
                    aliases: opt_text(r, "aliases")?,
                    date_of_birth: opt_text(r, "date_of_birth")?,
                    nhs_number: opt_text(r, "nhs_number")?,
                    recorded_chain_id: opt_text(r, "recorded_chain_id")?,
                })
            })
            .collect()
    }

    async fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        self.audit_writer.append(self.pool().clone(), self.backend(), self.secrets.clone(), vec![entry.clone()]).await
    }

    async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(&format!("{} ORDER BY id DESC LIMIT $1", crate::audit::AUDIT_SELECT))
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(crate::audit::audit_from_row(r)?.entry)).collect()
    }

    async fn snapshot(&self) -> Result<Snapshot> {
        let queries = [
            (
                "source_records",
                "SELECT source || '/' || source_id || '/' || CAST(fingerprint AS TEXT) || '/' || CAST(withdrawn AS TEXT) FROM source_records",
            ),
            (
                "contacts",
                "SELECT source || '/' || source_id || '/' || CAST(fingerprint AS TEXT) || '/' || CAST(withdrawn AS TEXT) || '/' || COALESCE(CAST(record_id AS TEXT), '') FROM contacts",
            ),
            (
                "stays",
                "SELECT source || '/' || source_id || '/' || CAST(fingerprint AS TEXT) || '/' || CAST(withdrawn AS TEXT) FROM stays",
            ),
            (
                "assessments",
                "SELECT source || '/' || source_id || '/' || CAST(fingerprint AS TEXT) || '/' || CAST(withdrawn AS TEXT) FROM assessments",
            ),
            (
                "health_events",
                "SELECT source || '/' || source_id || '/' || CAST(fingerprint AS TEXT) || '/' || CAST(withdrawn AS TEXT) FROM health_events",
            ),
            (
                "person_links",
                "SELECT CAST(record_id AS TEXT) || '/' || CAST(person_id AS TEXT) || '/' || rule FROM person_links",
            ),
            ("persons", "SELECT CAST(id AS TEXT) FROM persons"),
            ("imports", "SELECT CAST(id AS TEXT) FROM imports"),
            (
                "import_diagnostics",
                "SELECT CAST(import_id AS TEXT) || '/' || CAST(seq AS TEXT) FROM import_diagnostics",
            ),
            ("import_seen", "SELECT source_id FROM import_seen"),
            ("consents", "SELECT CAST(id AS TEXT) || '/' || CAST(person_id AS TEXT) FROM consents"),
            ("actions", "SELECT CAST(id AS TEXT) || '/' || CAST(person_id AS TEXT) FROM actions"),
            ("escalations", "SELECT CAST(id AS TEXT) || '/' || CAST(person_id AS TEXT) FROM escalations"),
            ("restrictions", "SELECT CAST(person_id AS TEXT) FROM restrictions"),
            ("restricted_records", "SELECT CAST(record_id AS TEXT) FROM restricted_records"),
            ("erased_ids", "SELECT digest FROM erased_ids"),
        ];
        let mut tables = Vec::new();
        for (table, sql) in queries {
            let values: Vec<String> = sqlx::query_scalar(sql).fetch_all(&self.pool).await?;
            // An order-independent digest: the sum of per-row fingerprints.
            let digest = values.iter().fold(0u64, |acc, v| {
                acc.wrapping_add(byname_domain::hash::Fingerprint::default().add(v.as_bytes()).finish() as u64)
            });
            tables.push((table.to_owned(), values.len() as i64, format!("{digest:016x}")));
        }
        Ok(Snapshot { tables })
    }
}

/// Whose contacts the list's read reads: a window's, or some persons' (all of theirs).
#[derive(Clone, Copy)]
enum Scope<'a> {
    Window(&'a str, &'a str),
    Persons(&'a [i64]),
}

impl FromStr for Backend {
    type Err = StoreError;
    fn from_str(url: &str) -> Result<Self> {
        Self::of_url(url)
    }
}

impl SqlStore {
    async fn read_people_seen(&self, since: &str, until: &str) -> Result<Vec<SeenPerson>> {
        self.read_people(Scope::Window(since, until)).await
    }

    /// The people of a window (everyone in contact from `since` to `until`, with those contacts)
    /// or the persons asked for (with all their contacts), as the list shows them.
    async fn read_people(&self, scope: Scope<'_>) -> Result<Vec<SeenPerson>> {
        // Every contact in the window (bedded down or not: Built for Zero counts any contact with
        // someone homeless), newest first, with its person.
        const CONTACTS: &str = "SELECT l.person_id, c.contact_date, c.bedded_down, c.location, c.borough, c.team, \
             o.name AS lead_organisation \
             FROM contacts c JOIN person_links l ON l.record_id = c.record_id JOIN persons p ON p.id = l.person_id \
             LEFT JOIN organisations o ON o.id = p.lead_organisation_id \
             WHERE c.withdrawn = 0 AND l.person_id NOT IN (SELECT person_id FROM restrictions) AND ";
        const ORDER: &str = " ORDER BY l.person_id, c.contact_date DESC, c.contact_time DESC, c.id DESC";
        let rows = match scope {
            Scope::Window(since, until) => {
                sqlx::query(&format!("{CONTACTS}c.contact_date >= $1 AND c.contact_date <= $2{ORDER}"))
                    .bind(since)
                    .bind(until)
                    .fetch_all(&self.pool)
                    .await?
            }
            Scope::Persons(ids) => {
                // A person's latest contacts (what a row shows comes from them), with the count
                // of all: someone met every night for years has thousands.
                const LATEST: &str = "SELECT l.person_id, c.contact_date, c.bedded_down, c.location, c.borough, c.team, \
                     o.name AS lead_organisation, \
                     ROW_NUMBER() OVER (PARTITION BY l.person_id \
                       ORDER BY c.contact_date DESC, c.contact_time DESC, c.id DESC) AS nth, \
                     COUNT(*) OVER (PARTITION BY l.person_id) AS total \
                     FROM contacts c JOIN person_links l ON l.record_id = c.record_id \
                     JOIN persons p ON p.id = l.person_id \
                     LEFT JOIN organisations o ON o.id = p.lead_organisation_id \
                     WHERE c.withdrawn = 0 AND l.person_id NOT IN (SELECT person_id FROM restrictions) \
                     AND l.person_id IN ({ids})";
                let mut rows = Vec::new();
                for chunk in ids.chunks(500) {
                    let sql = format!("SELECT * FROM ({LATEST}) latest WHERE nth <= 200 ORDER BY person_id, nth");
                    rows.extend(rows_for_ids(&self.pool, &sql, chunk).await?);
                }
                rows
            }
        };
        let mut people: BTreeMap<i64, (SeenPerson, BTreeMap<String, i64>)> = BTreeMap::new();
        for row in &rows {
            let person_id: i64 = row.try_get("person_id")?;
            let team = opt_text(row, "team")?;
            let (person, teams) = people.entry(person_id).or_insert_with(|| {
                let first = SeenPerson {
                    person_id,
                    times_seen: 0,
                    last_seen: row.try_get("contact_date").unwrap_or_default(),
                    last_location: opt_text(row, "location").unwrap_or_default(),
                    last_borough: opt_text(row, "borough").unwrap_or_default(),
                    most_frequent_team: None,
                    lead_organisation: opt_text(row, "lead_organisation").unwrap_or_default(),
                    records: Vec::new(),
                    support_needs: Vec::new(),
                    seen_days: Vec::new(),
                    first_seen: None,
                    stays: Vec::new(),
                };
                (first, BTreeMap::new())
            });
            // All contacts, when only the latest were read.
            person.times_seen = match scope {
                Scope::Persons(_) => row.try_get("total")?,
                Scope::Window(..) => person.times_seen + 1,
            };
            let day: String = row.try_get("contact_date")?;
            let bedded_down: i64 = row.try_get("bedded_down")?;
            if bedded_down == 1 && person.seen_days.last() != Some(&day) {
                person.seen_days.push(day);
            }
            if let Some(team) = team {
                *teams.entry(team).or_default() += 1;
            }
        }
        if let Scope::Persons(ids) = scope {
            // Persons asked for who were never in contact: their lead, and their records below.
            let missing: Vec<i64> = ids.iter().copied().filter(|id| !people.contains_key(id)).collect();
            for chunk in missing.chunks(500) {
                let sql = "SELECT p.id, o.name AS lead_organisation FROM persons p \
                     LEFT JOIN organisations o ON o.id = p.lead_organisation_id \
                     WHERE p.id IN ({ids}) AND p.id NOT IN (SELECT person_id FROM restrictions)";
                for row in rows_for_ids(&self.pool, sql, chunk).await? {
                    let person_id: i64 = row.try_get("id")?;
                    let person = SeenPerson {
                        person_id,
                        times_seen: 0,
                        last_seen: String::new(),
                        last_location: None,
                        last_borough: None,
                        most_frequent_team: None,
                        lead_organisation: opt_text(&row, "lead_organisation")?,
                        records: Vec::new(),
                        support_needs: Vec::new(),
                        seen_days: Vec::new(),
                        first_seen: None,
                        stays: Vec::new(),
                    };
                    people.insert(person_id, (person, BTreeMap::new()));
                }
            }
        }
        // The records and needs of those people, read in one pass.
        let ids: Vec<i64> = people.keys().copied().collect();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT l.person_id, r.source, r.source_id, r.first_name, r.last_name, r.known_as, r.date_of_birth, \
                 r.nationality, r.description, r.support_needs, {} AS assessed \
                 FROM person_links l JOIN source_records r ON r.id = l.record_id \
                 WHERE r.withdrawn = 0 AND l.person_id IN ({{ids}})",
                crate::needs::ASSESSED_SQL
            );
            for row in rows_for_ids(&self.pool, &sql, chunk).await? {
                let person_id: i64 = row.try_get("person_id")?;
                let Some((person, _)) = people.get_mut(&person_id) else { continue };
                person.records.push(RecordSummary {
                    source: row.try_get("source")?,
                    source_id: row.try_get("source_id")?,
                    first_name: opt_text(&row, "first_name")?,
                    last_name: opt_text(&row, "last_name")?,
                    known_as: opt_text(&row, "known_as")?,
                    date_of_birth: opt_text(&row, "date_of_birth")?,
                    nationality: opt_text(&row, "nationality")?,
                    description: opt_text(&row, "description")?,
                });
                person
                    .support_needs
                    .extend(crate::needs::codes(opt_text(&row, "support_needs")?.as_deref(), row.try_get("assessed")?));
            }
        }
        for chunk in ids.chunks(500) {
            let sql = "SELECT l.person_id, MIN(c.contact_date) AS first_seen FROM contacts c \
                 JOIN person_links l ON l.record_id = c.record_id WHERE c.bedded_down = 1 AND c.withdrawn = 0 \
                 AND l.person_id IN ({ids}) GROUP BY l.person_id";
            for row in rows_for_ids(&self.pool, sql, chunk).await? {
                let person_id: i64 = row.try_get("person_id")?;
                if let Some((person, _)) = people.get_mut(&person_id) {
                    person.first_seen = opt_text(&row, "first_seen")?;
                }
            }
            let sql = "SELECT l.person_id, s.stay_type, s.arrival_date, s.departure_date, s.departure_reason FROM stays s \
                 JOIN person_links l ON l.record_id = s.record_id WHERE s.withdrawn = 0 \
                 AND l.person_id IN ({ids}) ORDER BY l.person_id, s.arrival_date";
            for row in rows_for_ids(&self.pool, sql, chunk).await? {
                let person_id: i64 = row.try_get("person_id")?;
                if let Some((person, _)) = people.get_mut(&person_id) {
                    person.stays.push(SeenStay {
                        stay_type: row.try_get("stay_type")?,
                        arrival: row.try_get("arrival_date")?,
                        departure: opt_text(&row, "departure_date")?,
                        reason: opt_text(&row, "departure_reason")?,
                    });
                }
            }
        }
        Ok(people
            .into_values()
            .map(|(mut person, teams)| {
                person.most_frequent_team =
                    teams.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0))).map(|(team, _)| team);
                person.records.sort_by(|a, b| {
                    source_rank(&a.source).cmp(&source_rank(&b.source)).then_with(|| a.source_id.cmp(&b.source_id))
                });
                person.support_needs.sort();
                person.support_needs.dedup();
                person
            })
            .collect())
    }

    /// The version of what the by-name list reads: changes with every import, linkage run,
    /// contact recorded and lead assigned. Four lookups on primary keys.
    pub(crate) async fn data_version(&self) -> Result<String> {
        // One round trip: every page asks.
        let row = sqlx::query(concat!("SELECT ", data_version_columns!())).fetch_one(&self.pool).await?;
        data_version_of(&row)
    }
}
