//! [`SqlStore`]: the [`Store`] trait over sqlx's `Any` driver, for SQLite and
//! PostgreSQL alike.

use crate::conn::Conn;
use crate::import::ImportTx;
use crate::types::*;
use crate::{Result, Store, StoreError};
use byname_domain::Organisation;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor, Row};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::Config(format!(
                "unsupported database URL {url:?}: expected sqlite://PATH or postgres://USER@HOST/DATABASE"
            )))
        }
    }
}

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

/// The current instant as stored: ISO 8601 in UTC to the second.
pub fn utc_now() -> String {
    format_instant(time::OffsetDateTime::now_utc())
}

pub fn format_instant(instant: time::OffsetDateTime) -> String {
    let utc = instant.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        utc.year(),
        utc.month() as u8,
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// The SQLite file, which imports open directly (see `conn.rs`).
    sqlite_path: Option<String>,
}

impl SqlStore {
    /// Connects (creating a SQLite file if missing) and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let options = AnyPoolOptions::new();
        let sqlite_path = match backend {
            Backend::Sqlite => Some(sqlite_file(url)?),
            Backend::Postgres => None,
        };
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
        Ok(Self { pool, backend, sqlite_path })
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

fn opt_text(row: &AnyRow, column: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(column)?)
}

fn user_from_row(row: &AnyRow) -> Result<UserRow> {
    Ok(UserRow {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: row.try_get("role")?,
        organisation_id: row.try_get("organisation_id")?,
        organisation_name: row.try_get("organisation_name")?,
        password_hash: row.try_get("password_hash")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
    })
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.organisation_id, o.name AS organisation_name, \
                            u.password_hash, u.disabled";

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
    async fn begin_import(&self, kind: &str, origin: &str, started_at: &str) -> Result<ImportTx> {
        let conn = match &self.sqlite_path {
            Some(path) => Conn::open_sqlite(path)?,
            None => Conn::Postgres(self.pool.begin().await?),
        };
        ImportTx::begin(conn, kind, origin, started_at).await
    }

    async fn import_history(&self, limit: i64) -> Result<Vec<ImportSummary>> {
        let rows = sqlx::query(
            "SELECT id, kind, origin, started_at, finished_at, rows_read, imported, updated, unchanged, withdrawn, \
             rejected, warnings FROM imports ORDER BY id DESC LIMIT $1",
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

    async fn link_inputs(&self) -> Result<Vec<LinkInput>> {
        let rows = sqlx::query(
            "SELECT id, source, source_id, first_name, last_name, known_as, date_of_birth, nhs_number, recorded_chain_id \
             FROM source_records WHERE withdrawn = 0 ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(LinkInput {
                    record_id: r.try_get("id")?,
                    source: r.try_get("source")?,
                    source_id: r.try_get("source_id")?,
                    first_name: opt_text(r, "first_name")?,
                    last_name: opt_text(r, "last_name")?,
                    known_as: opt_text(r, "known_as")?,
                    date_of_birth: opt_text(r, "date_of_birth")?,
                    nhs_number: opt_text(r, "nhs_number")?,
                    recorded_chain_id: opt_text(r, "recorded_chain_id")?,
                })
            })
            .collect()
    }

    async fn person_membership(&self) -> Result<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT r.source, r.source_id, l.person_id FROM source_records r JOIN person_links l ON l.record_id = r.id \
             WHERE r.withdrawn = 0 ORDER BY r.source, r.source_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get("source")?, r.try_get("source_id")?, r.try_get("person_id")?))).collect()
    }

    async fn replace_links(&self, links: &[Link], now: &str) -> Result<LinkChanges> {
        let mut tx = self.pool.begin().await?;
        let existing: HashMap<i64, (i64, String)> = sqlx::query("SELECT record_id, person_id, rule FROM person_links")
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("record_id")?, (r.try_get("person_id")?, r.try_get("rule")?))))
            .collect::<Result<_>>()?;
        let existing_persons: std::collections::HashSet<i64> =
            sqlx::query_scalar("SELECT id FROM persons").fetch_all(&mut *tx).await?.into_iter().collect();
        let wanted_persons: std::collections::BTreeSet<i64> = links.iter().map(|l| l.person_id).collect();
        let mut changes = LinkChanges::default();
        for &person_id in wanted_persons.iter().filter(|p| !existing_persons.contains(p)) {
            sqlx::query("INSERT INTO persons (id, created_at) VALUES ($1, $2)")
                .bind(person_id)
                .bind(now)
                .execute(&mut *tx)
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
                        .execute(&mut *tx)
                        .await?;
                    changes.records_moved += 1;
                }
                None => {
                    sqlx::query("INSERT INTO person_links (record_id, person_id, rule) VALUES ($1, $2, $3)")
                        .bind(link.record_id)
                        .bind(link.person_id)
                        .bind(&link.rule)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        let linked: std::collections::HashSet<i64> = links.iter().map(|l| l.record_id).collect();
        for record_id in existing.keys().filter(|r| !linked.contains(r)) {
            sqlx::query("DELETE FROM person_links WHERE record_id = $1").bind(record_id).execute(&mut *tx).await?;
        }
        for person_id in existing_persons.iter().filter(|p| !wanted_persons.contains(p)) {
            sqlx::query("DELETE FROM persons WHERE id = $1").bind(person_id).execute(&mut *tx).await?;
            changes.persons_removed += 1;
        }
        tx.commit().await?;
        Ok(changes)
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

    async fn upsert_user(&self, user: &NewUser, now: &str) -> Result<i64> {
        sqlx::query(
            "INSERT INTO users (organisation_id, username, display_name, role, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (username) DO UPDATE SET organisation_id = $1, \
             display_name = $3, role = $4, password_hash = $5, disabled = 0",
        )
        .bind(user.organisation_id)
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.role)
        .bind(&user.password_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(&user.username)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u JOIN organisations o ON o.id = u.organisation_id WHERE u.username = $1"
        );
        let row = sqlx::query(&sql).bind(username).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn create_session(&self, session: &NewSession) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&session.token_hash)
        .bind(session.user_id)
        .bind(&session.csrf_token)
        .bind(&session.created_at)
        .bind(&session.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str, now: &str) -> Result<Option<SessionRow>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             JOIN organisations o ON o.id = u.organisation_id WHERE s.token_hash = $1 AND s.expires_at > $2 \
             AND u.disabled = 0"
        );
        let row = sqlx::query(&sql).bind(token_hash).bind(now).fetch_optional(&self.pool).await?;
        row.map(|r| {
            Ok(SessionRow {
                user: user_from_row(&r)?,
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

    async fn people_seen(&self, since: &str, until: &str) -> Result<Vec<SeenPerson>> {
        // Every bedded-down contact in the window, newest first, with its person.
        let rows = sqlx::query(
            "SELECT l.person_id, c.contact_date, c.location, c.borough, c.team, o.name AS lead_organisation \
             FROM contacts c JOIN person_links l ON l.record_id = c.record_id JOIN persons p ON p.id = l.person_id \
             LEFT JOIN organisations o ON o.id = p.lead_organisation_id \
             WHERE c.bedded_down = 1 AND c.withdrawn = 0 AND c.contact_date >= $1 AND c.contact_date <= $2 \
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
                };
                (first, BTreeMap::new())
            });
            person.times_seen += 1;
            if let Some(team) = team {
                *teams.entry(team).or_default() += 1;
            }
        }
        // The records and needs of those people, read in one pass.
        let ids: Vec<i64> = people.keys().copied().collect();
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT l.person_id, r.source, r.source_id, r.first_name, r.last_name, r.known_as, r.date_of_birth, \
                 r.support_needs, \
                 (SELECT CAST(MAX(a.alcohol) AS BIGINT) FROM assessments a WHERE a.record_id = r.id AND a.withdrawn = 0) AS a_alcohol, \
                 (SELECT CAST(MAX(a.drugs) AS BIGINT) FROM assessments a WHERE a.record_id = r.id AND a.withdrawn = 0) AS a_drugs, \
                 (SELECT CAST(MAX(a.mental_health) AS BIGINT) FROM assessments a WHERE a.record_id = r.id AND a.withdrawn = 0) AS a_mental, \
                 (SELECT CAST(MAX(a.physical_health) AS BIGINT) FROM assessments a WHERE a.record_id = r.id AND a.withdrawn = 0) AS a_physical \
                 FROM person_links l JOIN source_records r ON r.id = l.record_id \
                 WHERE r.withdrawn = 0 AND l.person_id IN ({})",
                placeholders.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&self.pool).await? {
                let person_id: i64 = row.try_get("person_id")?;
                let Some((person, _)) = people.get_mut(&person_id) else { continue };
                person.records.push(RecordSummary {
                    source: row.try_get("source")?,
                    source_id: row.try_get("source_id")?,
                    first_name: opt_text(&row, "first_name")?,
                    last_name: opt_text(&row, "last_name")?,
                    known_as: opt_text(&row, "known_as")?,
                    date_of_birth: opt_text(&row, "date_of_birth")?,
                });
                if let Some(needs) = opt_text(&row, "support_needs")? {
                    person.support_needs.extend(needs.split(';').filter(|n| !n.is_empty()).map(str::to_owned));
                }
                for (column, code) in [
                    ("a_alcohol", "alcohol"),
                    ("a_drugs", "drugs"),
                    ("a_mental", "mental_health"),
                    ("a_physical", "physical_health"),
                ] {
                    if row.try_get::<Option<i64>, _>(column)? == Some(1) {
                        person.support_needs.push(code.to_owned());
                    }
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

    async fn append_audit(&self, entry: &AuditEntry) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (at, user_id, action, person_id, purpose, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&entry.at)
        .bind(entry.user_id)
        .bind(&entry.action)
        .bind(entry.person_id)
        .bind(&entry.purpose)
        .bind(&entry.detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn audit_entries(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT at, user_id, action, person_id, purpose, detail FROM audit_log ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get("at")?,
                    user_id: r.try_get("user_id")?,
                    action: r.try_get("action")?,
                    person_id: r.try_get("person_id")?,
                    purpose: opt_text(r, "purpose")?,
                    detail: opt_text(r, "detail")?,
                })
            })
            .collect()
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
