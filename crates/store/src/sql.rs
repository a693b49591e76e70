//! [`SqlStore`]: the [`Store`] trait over sqlx's `Any` driver, for SQLite and
//! PostgreSQL alike.

use crate::EventFacts;
use crate::backend::{Backend, USER_COLUMNS, data_version_of, format_instant, instant, opt_text, user_from_row};
use crate::conn::Conn;
use crate::import::ImportTx;
use crate::types::*;
use crate::{Result, Store, StoreError};
use byname_domain::Organisation;
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
    pool: AnyPool,
    backend: Backend,
    /// The SQLite file, which imports open directly (see `conn.rs`).
    sqlite_path: Option<String>,
    /// Appends audit entries from concurrent requests in shared transactions (`audit.rs`).
    pub(crate) audit_writer: std::sync::Arc<crate::audit::AuditWriter>,
    /// What the by-name list reads, kept until the data change (`cache.rs`).
    pub(crate) cache: std::sync::Arc<crate::cache::ListCache>,
    /// The key kept outside the database and the audit head beside it (`secrets.rs`).
    pub(crate) secrets: std::sync::Arc<crate::secrets::Secrets>,
}

impl SqlStore {
    /// Each record's usual place, by the rule of [`crate::facts::usual_place`].
    async fn usual_places(&self) -> Result<HashMap<i64, String>> {
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

const RECORD_DETAIL: &str = "SELECT r.id, r.source, r.source_id, r.first_name, r.last_name, r.known_as, r.aliases, \
     r.date_of_birth, r.gender, r.nationality, r.nhs_number, r.recorded_chain_id, r.withdrawn, l.person_id, l.rule \
     FROM source_records r LEFT JOIN person_links l ON l.record_id = r.id";

fn record_from_row(r: &AnyRow) -> Result<RecordDetail> {
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
        nhs_number: opt_text(r, "nhs_number")?,
        recorded_chain_id: opt_text(r, "recorded_chain_id")?,
        withdrawn: r.try_get::<i64, _>("withdrawn")? != 0,
        person_id: r.try_get::<Option<i64>, _>("person_id")?,
        rule: opt_text(r, "rule")?,
    })
}

fn pair_from_row(r: &AnyRow) -> Result<LinkPair> {
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
async fn rows_for_ids(pool: &AnyPool, sql: &str, ids: &[i64]) -> Result<Vec<AnyRow>> {
    let sql = sql.replace("{ids}", &crate::backend::placeholders(1, ids.len()));
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    Ok(query.fetch_all(pool).await?)
}

fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

/// Makes the stored persons exactly `links`, inside the caller's transaction.
/// A restricted person's records and links are left as they are: linkage does not see them.
async fn write_links(
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
fn text_hash(text: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    hash as i64
}

/// The order records of one person are shown in: CHAIN first, then Inform.
fn source_rank(source: &str) -> u8 {
    match source {
        "chain" => 0,
        "inform" => 1,
        "street_count" => 2,
        _ => 3,
    }
}

impl Store for SqlStore {
    async fn begin_import(&self, kind: &str, origin: &str, started_at: time::OffsetDateTime) -> Result<ImportTx> {
        let conn = match &self.sqlite_path {
            Some(path) => Conn::open_sqlite(path)?,
            None => Conn::Postgres(self.pool.begin().await?),
        };
        ImportTx::begin(conn, kind, origin, &format_instant(started_at)).await
    }

    async fn import_history(&self, limit: i64) -> Result<Vec<ImportSummary>> {
        let rows = sqlx::query(
            "SELECT id, kind, origin, started_at, finished_at, rows_read, imported, updated, unchanged, withdrawn, \
             rejected, warnings, erased FROM imports ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ImportSummary {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    origin: r.try_get("origin")?,
                    started_at: r.try_get("started_at")?,
                    finished_at: r.try_get("finished_at")?,
                    rows_read: r.try_get("rows_read")?,
                    imported: r.try_get("imported")?,
                    updated: r.try_get("updated")?,
                    unchanged: r.try_get("unchanged")?,
                    withdrawn: r.try_get("withdrawn")?,
                    rejected: r.try_get("rejected")?,
                    warnings: r.try_get("warnings")?,
                    erased: r.try_get("erased")?,
                })
            })
            .collect()
    }

    async fn import_diagnostics(&self, import_id: i64) -> Result<Vec<StoredDiagnostic>> {
        let rows = sqlx::query(
            "SELECT severity, file, line, column_name, reason FROM import_diagnostics WHERE import_id = $1 ORDER BY seq",
        )
        .bind(import_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredDiagnostic {
                    severity: r.try_get("severity")?,
                    file: r.try_get("file")?,
                    line: r.try_get("line")?,
                    column: opt_text(r, "column_name")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }

    async fn link_inputs(&self, usual_places: bool) -> Result<Vec<LinkInput>> {
        let rows = sqlx::query(
            "SELECT id, source, source_id, first_name, last_name, known_as, aliases, date_of_birth, gender, nationality, \
             nhs_number, recorded_chain_id, fingerprint FROM source_records WHERE withdrawn = 0 \
             AND id NOT IN (SELECT record_id FROM restricted_records) ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let places = if usual_places { self.usual_places().await? } else { HashMap::new() };
        let mut stays_of: HashMap<i64, String> = HashMap::new();
        let stays = sqlx::query(
            "SELECT record_id, provider, arrival_date FROM stays WHERE withdrawn = 0 AND provider IS NOT NULL \
             ORDER BY record_id, arrival_date, id",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in &stays {
            let (provider, arrival): (String, String) = (row.try_get("provider")?, row.try_get("arrival_date")?);
            let list = stays_of.entry(row.try_get("record_id")?).or_default();
            if !list.is_empty() {
                list.push(';');
            }
            // `;` and `|` separate the list; a provider's name never needs them.
            list.push_str(&provider.replace([';', '|'], " "));
            list.push('|');
            list.push_str(&arrival);
        }
        rows.iter()
            .map(|r| {
                let record_id: i64 = r.try_get("id")?;
                let usual_place = places.get(&record_id).cloned();
                let stays = stays_of.remove(&record_id);
                // Where a person is usually met, and where they stayed, are evidence too: a change
                // in them is a change of the record.
                let fingerprint: i64 = r.try_get("fingerprint")?;
                let fingerprint = usual_place.as_deref().map_or(fingerprint, |p| fingerprint ^ text_hash(p));
                let fingerprint = stays.as_deref().map_or(fingerprint, |s| fingerprint ^ text_hash(s).rotate_left(17));
                Ok(LinkInput {
                    record_id,
                    source: r.try_get("source")?,
                    source_id: r.try_get("source_id")?,
                    first_name: opt_text(r, "first_name")?,
                    last_name: opt_text(r, "last_name")?,
                    known_as: opt_text(r, "known_as")?,
                    aliases: opt_text(r, "aliases")?,
                    date_of_birth: opt_text(r, "date_of_birth")?,
                    gender: opt_text(r, "gender")?,
                    nationality: opt_text(r, "nationality")?,
                    nhs_number: opt_text(r, "nhs_number")?,
                    recorded_chain_id: opt_text(r, "recorded_chain_id")?,
                    usual_place,
                    stays,
                    fingerprint,
                })
            })
            .collect()
    }

    async fn person_membership(&self) -> Result<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT r.source, r.source_id, l.person_id FROM source_records r JOIN person_links l ON l.record_id = r.id \
             WHERE r.withdrawn = 0 AND r.id NOT IN (SELECT record_id FROM restricted_records) \
             ORDER BY r.source, r.source_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("source")?, r.try_get("source_id")?, r.try_get("person_id")?))).collect()
    }

    async fn replace_links(&self, links: &[Link], now: time::OffsetDateTime) -> Result<LinkChanges> {
        let mut tx = self.pool.begin().await?;
        let changes = write_links(&mut tx, links, now).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn data_state(&self) -> Result<String> {
        let imports: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM imports").fetch_one(&self.pool).await?;
        let runs: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM link_runs").fetch_one(&self.pool).await?;
        let persons: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM person_links").fetch_one(&self.pool).await?;
        // Erasures and restrictions change who is counted without an import or a linkage run.
        let privacy: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE name = 'privacy_version'")
            .fetch_optional(&self.pool)
            .await?;
        Ok(format!(
            "imports {}, link runs {}, linked records {persons}, erasures and restrictions {}",
            imports.unwrap_or(0),
            runs.unwrap_or(0),
            privacy.unwrap_or_else(|| "0".to_owned())
        ))
    }

    async fn stats_snapshot(&self, state: &str) -> Result<Option<Vec<u8>>> {
        const SQL: &str = "SELECT data FROM stats_snapshots WHERE state = $1";
        match &self.sqlite_path {
            // Tens of megabytes in one value: read straight through rusqlite, off the runtime.
            Some(path) => {
                let (path, state) = (path.clone(), state.to_owned());
                tokio::task::spawn_blocking(move || -> Result<Option<Vec<u8>>> {
                    let error = |e: rusqlite::Error| StoreError::Sqlite(e.to_string());
                    let connection =
                        rusqlite::Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                            .map_err(error)?;
                    connection.busy_timeout(std::time::Duration::from_secs(10)).map_err(error)?;
                    let mut statement = connection.prepare(&SQL.replace("$1", "?1")).map_err(error)?;
                    let mut rows = statement.query([&state]).map_err(error)?;
                    match rows.next().map_err(error)? {
                        Some(row) => Ok(Some(row.get(0).map_err(error)?)),
                        None => Ok(None),
                    }
                })
                .await
                .map_err(|e| StoreError::Sqlite(format!("reading the statistics snapshot: {e}")))?
            }
            None => Ok(sqlx::query_scalar(SQL).bind(state).fetch_optional(&self.pool).await?),
        }
    }

    async fn save_stats_snapshot(&self, state: &str, data: &[u8], built_on: time::Date) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM stats_snapshots").execute(&mut *tx).await?;
        sqlx::query("INSERT INTO stats_snapshots (state, built_at, data) VALUES ($1, $2, $3)")
            .bind(state)
            .bind(byname_domain::date::iso(built_on))
            .bind(data)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn review_queue(&self) -> Result<Vec<(i64, i64, f64)>> {
        let rows = sqlx::query(
            "SELECT p.left_record_id, p.right_record_id, p.probability FROM link_pairs p \
             JOIN person_links a ON a.record_id = p.left_record_id \
             JOIN person_links b ON b.record_id = p.right_record_id \
             WHERE a.person_id <> b.person_id \
             AND a.person_id NOT IN (SELECT person_id FROM restrictions) \
             AND b.person_id NOT IN (SELECT person_id FROM restrictions) \
             AND p.probability < (SELECT auto_threshold FROM link_runs ORDER BY id DESC LIMIT 1) \
             AND NOT EXISTS (SELECT 1 FROM link_decisions d WHERE d.left_record_id = p.left_record_id \
                             AND d.right_record_id = p.right_record_id AND d.undone_at IS NULL) \
             ORDER BY p.probability DESC, p.left_record_id, p.right_record_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("left_record_id")?, r.try_get("right_record_id")?, r.try_get("probability")?)))
            .collect()
    }

    async fn event_facts(&self) -> Result<EventFacts> {
        crate::facts::load(&self.pool, self.backend, self.sqlite_path.as_deref()).await
    }

    async fn last_link_run(&self) -> Result<Option<LinkRun>> {
        let row = sqlx::query(
            "SELECT id, started_at, mode, model, records, compared, auto_links, review, auto_threshold, review_threshold \
             FROM link_runs ORDER BY id DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(LinkRun {
                id: r.try_get("id")?,
                started_at: instant(&r, "started_at")?,
                mode: r.try_get("mode")?,
                model: r.try_get("model")?,
                records: r.try_get("records")?,
                compared: r.try_get("compared")?,
                auto_links: r.try_get("auto_links")?,
                review: r.try_get("review")?,
                auto_threshold: r.try_get("auto_threshold")?,
                review_threshold: r.try_get("review_threshold")?,
            })
        })
        .transpose()
    }

    async fn compared_records(&self) -> Result<Vec<Compared>> {
        let rows =
            sqlx::query("SELECT record_id, fingerprint, usual_place FROM link_compared").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(Compared {
                    record_id: r.try_get("record_id")?,
                    fingerprint: r.try_get("fingerprint")?,
                    usual_place: opt_text(r, "usual_place")?,
                })
            })
            .collect()
    }

    async fn link_pairs(&self, scope: &PairScope) -> Result<Vec<LinkPair>> {
        const COLUMNS: &str =
            "SELECT left_record_id, right_record_id, probability, weight, explanation FROM link_pairs";
        let rows = match scope {
            PairScope::All => {
                sqlx::query(&format!("{COLUMNS} ORDER BY left_record_id, right_record_id"))
                    .fetch_all(&self.pool)
                    .await?
            }
            PairScope::Touching(ids) => {
                let mut rows = Vec::new();
                for chunk in ids.chunks(500) {
                    let list = id_list(chunk);
                    rows.extend(
                        sqlx::query(&format!(
                            "{COLUMNS} WHERE left_record_id IN ({list}) OR right_record_id IN ({list}) \
                             ORDER BY left_record_id, right_record_id"
                        ))
                        .fetch_all(&self.pool)
                        .await?,
                    );
                }
                rows
            }
        };
        let mut pairs: Vec<LinkPair> = rows.iter().map(pair_from_row).collect::<Result<_>>()?;
        pairs.sort_by_key(|p| (p.left_record_id, p.right_record_id));
        pairs.dedup_by_key(|p| (p.left_record_id, p.right_record_id));
        Ok(pairs)
    }

    async fn link_pair(&self, left: i64, right: i64) -> Result<Option<LinkPair>> {
        let row = sqlx::query(
            "SELECT left_record_id, right_record_id, probability, weight, explanation FROM link_pairs \
             WHERE left_record_id = $1 AND right_record_id = $2",
        )
        .bind(left.min(right))
        .bind(left.max(right))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(pair_from_row).transpose()
    }

    async fn save_link_run(
        &self,
        run: &LinkRun,
        scope: &PairScope,
        pairs: &[LinkPair],
        compared: &[Compared],
        links: &[Link],
    ) -> Result<(i64, LinkChanges)> {
        let mut tx = self.pool.begin().await?;
        match scope {
            PairScope::All => {
                sqlx::query("DELETE FROM link_pairs").execute(&mut *tx).await?;
                sqlx::query("DELETE FROM link_compared").execute(&mut *tx).await?;
            }
            PairScope::Touching(ids) => {
                for chunk in ids.chunks(500) {
                    let list = id_list(chunk);
                    sqlx::query(&format!(
                        "DELETE FROM link_pairs WHERE left_record_id IN ({list}) OR right_record_id IN ({list})"
                    ))
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query(&format!("DELETE FROM link_compared WHERE record_id IN ({list})"))
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        // Multi-row statements: one statement a row costs tens of microseconds through sqlx.
        for chunk in pairs.chunks(200) {
            let placeholders: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${}, ${}, ${})", 5 * i + 1, 5 * i + 2, 5 * i + 3, 5 * i + 4, 5 * i + 5))
                .collect();
            let sql = format!(
                "INSERT INTO link_pairs (left_record_id, right_record_id, probability, weight, explanation) VALUES {}",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for pair in chunk {
                query = query
                    .bind(pair.left_record_id)
                    .bind(pair.right_record_id)
                    .bind(pair.probability)
                    .bind(pair.weight)
                    .bind(&pair.explanation);
            }
            query.execute(&mut *tx).await?;
        }
        for chunk in compared.chunks(300) {
            let placeholders: Vec<String> =
                (0..chunk.len()).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
            let sql = format!(
                "INSERT INTO link_compared (record_id, fingerprint, usual_place) VALUES {}",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for c in chunk {
                query = query.bind(c.record_id).bind(c.fingerprint).bind(&c.usual_place);
            }
            query.execute(&mut *tx).await?;
        }
        sqlx::query(
            "INSERT INTO link_runs (started_at, mode, model, records, compared, auto_links, review, auto_threshold, \
             review_threshold) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(format_instant(run.started_at))
        .bind(&run.mode)
        .bind(&run.model)
        .bind(run.records)
        .bind(run.compared)
        .bind(run.auto_links)
        .bind(run.review)
        .bind(run.auto_threshold)
        .bind(run.review_threshold)
        .execute(&mut *tx)
        .await?;
        let run_id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM link_runs").fetch_one(&mut *tx).await?;
        let changes = write_links(&mut tx, links, run.started_at).await?;
        if self.backend == Backend::Postgres {
            // Fresh statistics for the planner after a bulk change (see `ImportTx::commit`).
            sqlx::query("ANALYZE persons, person_links, link_pairs").execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok((run_id, changes))
    }

    async fn link_decisions(&self) -> Result<Vec<Decision>> {
        let rows = sqlx::query(
            "SELECT d.id, d.batch, d.left_record_id, d.right_record_id, d.same_person, d.origin, d.reason, \
             u.display_name AS decided_by, d.decided_by AS decided_by_id, d.decided_at, v.display_name AS undone_by, d.undone_at \
             FROM link_decisions d LEFT JOIN users u ON u.id = d.decided_by LEFT JOIN users v ON v.id = d.undone_by \
             ORDER BY d.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Decision {
                    id: r.try_get("id")?,
                    batch: r.try_get("batch")?,
                    left_record_id: r.try_get("left_record_id")?,
                    right_record_id: r.try_get("right_record_id")?,
                    same_person: r.try_get::<i64, _>("same_person")? != 0,
                    origin: r.try_get("origin")?,
                    reason: r.try_get("reason")?,
                    decided_by: opt_text(r, "decided_by")?,
                    decided_by_id: r.try_get("decided_by_id")?,
                    decided_at: r.try_get("decided_at")?,
                    undone_by: opt_text(r, "undone_by")?,
                    undone_at: opt_text(r, "undone_at")?,
                })
            })
            .collect()
    }

    async fn add_decisions(&self, decisions: &[NewDecision]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for d in decisions {
            sqlx::query(
                "INSERT INTO link_decisions (batch, left_record_id, right_record_id, same_person, origin, reason, \
                 decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&d.batch)
            .bind(d.left_record_id.min(d.right_record_id))
            .bind(d.left_record_id.max(d.right_record_id))
            .bind(i64::from(d.same_person))
            .bind(&d.origin)
            .bind(&d.reason)
            .bind(d.decided_by)
            .bind(&d.decided_at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn undo_decisions(&self, batch: &str, by: i64, at: time::OffsetDateTime) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE link_decisions SET undone_by = $1, undone_at = $2 WHERE batch = $3 AND undone_at IS NULL",
        )
        .bind(by)
        .bind(format_instant(at))
        .bind(batch)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn records(&self, ids: &[i64]) -> Result<Vec<RecordDetail>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let rows = sqlx::query(&format!("{RECORD_DETAIL} WHERE r.id IN ({}) ORDER BY r.id", id_list(chunk)))
                .fetch_all(&self.pool)
                .await?;
            for row in &rows {
                out.push(record_from_row(row)?);
            }
        }
        Ok(out)
    }

    async fn person_records(&self, person_id: i64) -> Result<Vec<RecordDetail>> {
        let rows = sqlx::query(&format!("{RECORD_DETAIL} WHERE l.person_id = $1 AND r.withdrawn = 0 ORDER BY r.id"))
            .bind(person_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(record_from_row).collect()
    }

    async fn upsert_organisation(&self, name: &str, kind: &str) -> Result<i64> {
        sqlx::query(
            "INSERT INTO organisations (name, kind) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET kind = $2",
        )
        .bind(name)
        .bind(kind)
        .execute(&self.pool)
        .await?;
        Ok(sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1").bind(name).fetch_one(&self.pool).await?)
    }

    async fn organisations(&self) -> Result<Vec<Organisation>> {
        let rows = sqlx::query("SELECT id, name, kind FROM organisations ORDER BY name").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok(Organisation { id: r.try_get("id")?, name: r.try_get("name")?, kind: r.try_get("kind")? }))
            .collect()
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE LOWER(u.username) = LOWER($1)"
        );
        let row = sqlx::query(&sql).bind(username).fetch_optional(&self.pool).await?;
        row.as_ref().map(|r| user_from_row(r, &self.secrets)).transpose()
    }

    async fn create_session(&self, session: &NewSession) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.token_hash)
        .bind(session.user_id)
        .bind(&session.csrf_token)
        .bind(format_instant(session.created_at))
        .bind(format_instant(session.expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: time::OffsetDateTime) -> Result<Option<SessionRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             JOIN organisations o ON o.id = u.organisation_id WHERE s.token_hash = $1 AND s.expires_at > $2 \
             AND u.disabled = 0"
        );
        let row = sqlx::query(&sql).bind(token_hash).bind(format_instant(now)).fetch_optional(&self.pool).await?;
        row.map(|r| {
            Ok(SessionRow {
                user: user_from_row(&r, &self.secrets)?,
                csrf_token: r.try_get("csrf_token")?,
                expires_at: r.try_get("expires_at")?,
            })
        })
        .transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }

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

impl FromStr for Backend {
    type Err = StoreError;
    fn from_str(url: &str) -> Result<Self> {
        Self::of_url(url)
    }
}

impl SqlStore {
    async fn read_people_seen(&self, since: &str, until: &str) -> Result<Vec<SeenPerson>> {
        // Every contact in the window (bedded down or not: Built for Zero counts any contact with
        // someone homeless), newest first, with its person.
        let rows = sqlx::query(
            "SELECT l.person_id, c.contact_date, c.bedded_down, c.location, c.borough, c.team, o.name AS lead_organisation \
             FROM contacts c JOIN person_links l ON l.record_id = c.record_id JOIN persons p ON p.id = l.person_id \
             LEFT JOIN organisations o ON o.id = p.lead_organisation_id \
             WHERE c.withdrawn = 0 AND c.contact_date >= $1 AND c.contact_date <= $2 \
             AND l.person_id NOT IN (SELECT person_id FROM restrictions) \
             ORDER BY l.person_id, c.contact_date DESC, c.contact_time DESC, c.id DESC",
        )
        .bind(since)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
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
            person.times_seen += 1;
            let day: String = row.try_get("contact_date")?;
            let bedded_down: i64 = row.try_get("bedded_down")?;
            if bedded_down == 1 && person.seen_days.last() != Some(&day) {
                person.seen_days.push(day);
            }
            if let Some(team) = team {
                *teams.entry(team).or_default() += 1;
            }
        }
        // The records and needs of those people, read in one pass.
        let ids: Vec<i64> = people.keys().copied().collect();
        for chunk in ids.chunks(500) {
            let sql = format!(
                "SELECT l.person_id, r.source, r.source_id, r.first_name, r.last_name, r.known_as, r.date_of_birth, \
                 r.nationality, r.support_needs, {} AS assessed \
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
