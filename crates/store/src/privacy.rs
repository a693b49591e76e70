//! [`Privacy`]: erasure and restriction of a person (UK GDPR Articles 17 and 18), the tombstones
//! that keep an erased person from coming back with the next import, and what retention needs to
//! know (when each person was last seen). Each change is one transaction that holds the audit
//! log's lock and appends its audit entry, so the change and its record commit together.
//!
//! What erasure does to each table, and why:
//!
//! | table | erased how | why |
//! |---|---|---|
//! | `source_records`, `contacts`, `stays`, `assessments` | deleted | the person's data itself |
//! | `health_events` (by the records' NHS numbers) | deleted | the person's health data |
//! | `person_links`, `persons` | deleted | derived from the records |
//! | `link_pairs`, `link_compared`, `link_decisions` touching the records | deleted | derived, and they name the records; kept, they would let linkage rebuild the person |
//! | `consents`, `consent_organisations` | deleted | about the person; nothing to consent to any more |
//! | `actions`, `escalations`, `escalation_events`, their `notifications` | deleted | free text about the person |
//! | `resource_offers` | deleted | who was offered a bed, and why; the resource itself stays |
//! | `break_glass` | anonymised: person 0, reason removed | the data-protection lead still sees that a user opened a record, and when, which is about the user's conduct, not the person |
//! | `audit_persons` | deleted | an index, derived from the log |
//! | `restrictions`, `restricted_records` | deleted | nothing left to restrict |
//! | `stats_snapshots` | deleted | a copy of everyone's events; rebuilt at the next report |
//! | `audit_log` | kept, with a new `erase_person` entry | append-only and hash-chained; its entries hold ids, not content |
//! | `erased_ids` | one keyed hash per record and NHS number added | so an import skips them |

use crate::Result;
use crate::audit::append_chained;
use crate::sql::SqlStore;
use crate::types::AuditEntry;
use sqlx::Row;
use std::collections::{BTreeMap, HashSet};
use std::future::Future;

/// What one erasure removed, table by table.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ErasureCounts {
    /// `(table, rows)` in the order they were removed; rows anonymised are named so.
    pub tables: Vec<(String, u64)>,
}

impl ErasureCounts {
    pub fn rows(&self, table: &str) -> u64 {
        self.tables.iter().filter(|(t, _)| t == table).map(|(_, n)| n).sum()
    }

    /// `table n, table n, ...` of the tables with rows removed.
    pub fn summary(&self) -> String {
        let parts: Vec<String> =
            self.tables.iter().filter(|(_, n)| *n > 0).map(|(table, n)| format!("{table} {n}")).collect();
        if parts.is_empty() { "nothing".to_owned() } else { parts.join(", ") }
    }
}

/// What a restriction did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restricted {
    /// Restricted now, with this many records.
    Done(u64),
    NotFound,
    Already,
}

/// A restriction in force.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RestrictionRow {
    pub person_id: i64,
    pub reason: String,
    pub restricted_at: String,
    pub records: i64,
}

/// When a person was last seen, for retention.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LastSeen {
    pub person_id: i64,
    /// The latest day of a contact, stay (an open stay counts as today), assessment or health
    /// event; with none, the day the latest of the person's records was imported.
    pub last_seen: String,
    pub records: i64,
}

/// Erasure, restriction and retention.
pub trait Privacy {
    /// Whether a person is held, restricted or not: a subject access export covers both.
    fn person_held(&self, person_id: i64) -> impl Future<Output = Result<bool>> + Send;
    /// The person's restriction, if one is in force.
    fn restriction(&self, person_id: i64) -> impl Future<Output = Result<Option<RestrictionRow>>> + Send;
    fn restrictions(&self) -> impl Future<Output = Result<Vec<RestrictionRow>>> + Send;
    /// Restricts a person: their records are remembered and left out of every use.
    fn restrict_person(
        &self,
        person_id: i64,
        reason: &str,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<Restricted>> + Send;
    /// Lifts a restriction; `None` when there was none. Returns how many records it covered.
    fn lift_restriction(&self, person_id: i64, audit: &AuditEntry) -> impl Future<Output = Result<Option<u64>>> + Send;
    /// Erases a person in one transaction with its audit entry (made by `audit` from what was
    /// removed). `digest(kind, value)` makes the tombstone of each record (`record`,
    /// `source\x1fsource_id`) and NHS number (`nhs_number`, ten digits). `None`: no such person,
    /// and nothing changed.
    fn erase_person<D, A>(
        &self,
        person_id: i64,
        digest: D,
        audit: A,
    ) -> impl Future<Output = Result<Option<ErasureCounts>>> + Send
    where
        D: Fn(&str, &str) -> String + Send + Sync,
        A: FnOnce(&ErasureCounts) -> AuditEntry + Send;
    /// The tombstones of everything erased.
    fn erased_digests(&self) -> impl Future<Output = Result<HashSet<String>>> + Send;
    /// When each person who is not restricted was last seen, by person id.
    fn last_seen(&self, today: time::Date) -> impl Future<Output = Result<Vec<LastSeen>>> + Send;
}

/// Makes every view of the data (the by-name list's cache, the statistics' snapshot) see a change.
async fn bump_privacy_version(conn: &mut sqlx::AnyConnection) -> Result<()> {
    let current: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE name = 'privacy_version'")
        .fetch_optional(&mut *conn)
        .await?;
    let next = current.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0) + 1;
    sqlx::query(
        "INSERT INTO settings (name, value) VALUES ('privacy_version', $1) ON CONFLICT (name) DO UPDATE SET value = $1",
    )
    .bind(next.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// `$1, $2, ...` with the ids bound in order: the ids of one person are few.
fn bind_ids<'q>(sql: &'q str, ids: &'q [i64]) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    let mut query = sqlx::query(sql);
    for id in ids {
        query = query.bind(*id);
    }
    query
}

impl SqlStore {
    /// A connection in a transaction that holds the audit log's lock (see `append_locked`).
    async fn begin_locked(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Any>> {
        let mut conn = self.pool().acquire().await?;
        crate::audit::begin_locked(&mut conn, self.backend()).await?;
        Ok(conn)
    }
}

async fn count(conn: &mut sqlx::AnyConnection, sql: &str, id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar(sql).bind(id).fetch_one(&mut *conn).await?)
}

impl Privacy for SqlStore {
    async fn person_held(&self, person_id: i64) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM person_links WHERE person_id = $1")
            .bind(person_id)
            .fetch_one(self.pool())
            .await?;
        Ok(n > 0)
    }

    async fn restriction(&self, person_id: i64) -> Result<Option<RestrictionRow>> {
        Ok(self.restrictions().await?.into_iter().find(|r| r.person_id == person_id))
    }

    async fn restrictions(&self) -> Result<Vec<RestrictionRow>> {
        let rows = sqlx::query(
            "SELECT r.person_id, r.reason, r.restricted_at, \
             (SELECT COUNT(*) FROM restricted_records x WHERE x.person_id = r.person_id) AS records \
             FROM restrictions r ORDER BY r.person_id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RestrictionRow {
                    person_id: r.try_get("person_id")?,
                    reason: r.try_get("reason")?,
                    restricted_at: r.try_get("restricted_at")?,
                    records: r.try_get("records")?,
                })
            })
            .collect()
    }

    async fn restrict_person(&self, person_id: i64, reason: &str, audit: &AuditEntry) -> Result<Restricted> {
        let backend = self.backend();
        let mut conn = self.begin_locked().await?;
        let result = async {
            let conn = &mut *conn;
            if count(conn, "SELECT COUNT(*) FROM restrictions WHERE person_id = $1", person_id).await? > 0 {
                return Ok((Restricted::Already, None));
            }
            let records = sqlx::query(
                "INSERT INTO restricted_records (record_id, person_id) \
                 SELECT record_id, person_id FROM person_links WHERE person_id = $1",
            )
            .bind(person_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if records == 0 {
                return Ok((Restricted::NotFound, None));
            }
            sqlx::query("INSERT INTO restrictions (person_id, reason, restricted_at) VALUES ($1, $2, $3)")
                .bind(person_id)
                .bind(reason)
                .bind(&audit.at)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM stats_snapshots").execute(&mut *conn).await?;
            bump_privacy_version(conn).await?;
            let head = append_chained(conn, backend, &self.secrets, std::slice::from_ref(audit)).await?;
            Ok((Restricted::Done(records), head))
        }
        .await;
        crate::audit::end_locked(&mut conn, &self.secrets, result, |_| true).await
    }

    async fn lift_restriction(&self, person_id: i64, audit: &AuditEntry) -> Result<Option<u64>> {
        let backend = self.backend();
        let mut conn = self.begin_locked().await?;
        let result = async {
            let conn = &mut *conn;
            let lifted = sqlx::query("DELETE FROM restrictions WHERE person_id = $1")
                .bind(person_id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if lifted == 0 {
                return Ok((None, None));
            }
            let records = sqlx::query("DELETE FROM restricted_records WHERE person_id = $1")
                .bind(person_id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM stats_snapshots").execute(&mut *conn).await?;
            bump_privacy_version(conn).await?;
            let head = append_chained(conn, backend, &self.secrets, std::slice::from_ref(audit)).await?;
            Ok((Some(records), head))
        }
        .await;
        crate::audit::end_locked(&mut conn, &self.secrets, result, |_| true).await
    }

    async fn erase_person<D, A>(&self, person_id: i64, digest: D, audit: A) -> Result<Option<ErasureCounts>>
    where
        D: Fn(&str, &str) -> String + Send + Sync,
        A: FnOnce(&ErasureCounts) -> AuditEntry + Send,
    {
        let backend = self.backend();
        let mut conn = self.begin_locked().await?;
        let result = async {
            let conn = &mut *conn;
            // The person's records: linked, or remembered by a restriction.
            let rows = sqlx::query(
                "SELECT id, source, source_id, nhs_number FROM source_records WHERE id IN \
                 (SELECT record_id FROM person_links WHERE person_id = $1 \
                  UNION SELECT record_id FROM restricted_records WHERE person_id = $1) ORDER BY id",
            )
            .bind(person_id)
            .fetch_all(&mut *conn)
            .await?;
            let person_row = count(conn, "SELECT COUNT(*) FROM persons WHERE id = $1", person_id).await?;
            if rows.is_empty() && person_row == 0 {
                return Ok((None, None));
            }
            let mut ids = Vec::new();
            let mut tombstones: BTreeMap<String, &'static str> = BTreeMap::new();
            let mut nhs_numbers = Vec::new();
            for row in &rows {
                ids.push(row.try_get::<i64, _>("id")?);
                let (source, source_id): (String, String) = (row.try_get("source")?, row.try_get("source_id")?);
                tombstones.insert(digest("record", &format!("{source}\x1f{source_id}")), "record");
                if let Some(nhs) = row.try_get::<Option<String>, _>("nhs_number")? {
                    tombstones.insert(digest("nhs_number", &nhs), "nhs_number");
                    nhs_numbers.push(nhs);
                }
            }
            nhs_numbers.sort();
            nhs_numbers.dedup();
            for (value, kind) in &tombstones {
                sqlx::query("INSERT INTO erased_ids (digest, kind) VALUES ($1, $2) ON CONFLICT (digest) DO NOTHING")
                    .bind(value)
                    .bind(*kind)
                    .execute(&mut *conn)
                    .await?;
            }

            let mut counts = ErasureCounts::default();
            let by_person = |table: &str, sql: &str| (table.to_owned(), sql.to_owned());
            let notifications = sqlx::query(
                "DELETE FROM notifications WHERE escalation_id IN (SELECT id FROM escalations WHERE person_id = $1)",
            )
            .bind(person_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            counts.tables.push(("notifications".to_owned(), notifications));
            for (table, sql) in [
                by_person(
                    "escalation_events",
                    "DELETE FROM escalation_events WHERE escalation_id IN (SELECT id FROM escalations WHERE person_id = $1)",
                ),
                by_person("escalations", "DELETE FROM escalations WHERE person_id = $1"),
                by_person("actions", "DELETE FROM actions WHERE person_id = $1"),
                by_person(
                    "consent_organisations",
                    "DELETE FROM consent_organisations WHERE consent_id IN (SELECT id FROM consents WHERE person_id = $1)",
                ),
                by_person("consents", "DELETE FROM consents WHERE person_id = $1"),
                by_person("resource_offers", "DELETE FROM resource_offers WHERE person_id = $1"),
                by_person(
                    "break_glass (anonymised)",
                    "UPDATE break_glass SET person_id = 0, reason = '(erased)' WHERE person_id = $1",
                ),
                by_person("audit_persons", "DELETE FROM audit_persons WHERE person_id = $1"),
                by_person("restrictions", "DELETE FROM restrictions WHERE person_id = $1"),
                by_person("restricted_records", "DELETE FROM restricted_records WHERE person_id = $1"),
            ] {
                let n = sqlx::query(&sql).bind(person_id).execute(&mut *conn).await?.rows_affected();
                counts.tables.push((table, n));
            }
            // The records and everything derived from them; a person's records are few.
            for chunk in ids.chunks(200) {
                let list = crate::backend::placeholders(1, chunk.len());
                for (table, sql) in [
                    (
                        "link_decisions",
                        format!("DELETE FROM link_decisions WHERE left_record_id IN ({list}) OR right_record_id IN ({list})"),
                    ),
                    (
                        "link_pairs",
                        format!("DELETE FROM link_pairs WHERE left_record_id IN ({list}) OR right_record_id IN ({list})"),
                    ),
                    ("link_compared", format!("DELETE FROM link_compared WHERE record_id IN ({list})")),
                    ("contacts", format!("DELETE FROM contacts WHERE record_id IN ({list})")),
                    ("stays", format!("DELETE FROM stays WHERE record_id IN ({list})")),
                    ("assessments", format!("DELETE FROM assessments WHERE record_id IN ({list})")),
                    ("person_links", format!("DELETE FROM person_links WHERE record_id IN ({list})")),
                ] {
                    let n = bind_ids(&sql, chunk).execute(&mut *conn).await?.rows_affected();
                    counts.tables.push((table.to_owned(), n));
                }
            }
            for nhs in &nhs_numbers {
                let n = sqlx::query("DELETE FROM health_events WHERE nhs_number = $1")
                    .bind(nhs)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
                counts.tables.push(("health_events".to_owned(), n));
            }
            // Links of other records to this person id cannot exist (a person is named by its
            // lowest record), but a stale one must not keep the persons row alive.
            let n = sqlx::query("DELETE FROM person_links WHERE person_id = $1")
                .bind(person_id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            counts.tables.push(("person_links".to_owned(), n));
            for chunk in ids.chunks(200) {
                let sql = format!("DELETE FROM source_records WHERE id IN ({})", crate::backend::placeholders(1, chunk.len()));
                let n = bind_ids(&sql, chunk).execute(&mut *conn).await?.rows_affected();
                counts.tables.push(("source_records".to_owned(), n));
            }
            let n = sqlx::query("DELETE FROM persons WHERE id = $1").bind(person_id).execute(&mut *conn).await?;
            counts.tables.push(("persons".to_owned(), n.rows_affected()));
            sqlx::query("DELETE FROM stats_snapshots").execute(&mut *conn).await?;
            // One line a table, in a fixed order.
            let mut merged: Vec<(String, u64)> = Vec::new();
            for (table, n) in counts.tables {
                match merged.iter_mut().find(|(t, _)| *t == table) {
                    Some((_, total)) => *total += n,
                    None => merged.push((table, n)),
                }
            }
            let counts = ErasureCounts { tables: merged };
            bump_privacy_version(conn).await?;
            let head = append_chained(conn, backend, &self.secrets, std::slice::from_ref(&audit(&counts))).await?;
            Ok((Some(counts), head))
        }
        .await;
        crate::audit::end_locked(&mut conn, &self.secrets, result, |_| true).await
    }

    async fn erased_digests(&self) -> Result<HashSet<String>> {
        let digests: Vec<String> = sqlx::query_scalar("SELECT digest FROM erased_ids").fetch_all(self.pool()).await?;
        Ok(digests.into_iter().collect())
    }

    async fn last_seen(&self, today: time::Date) -> Result<Vec<LastSeen>> {
        let today = byname_domain::date::iso(today);
        // Every stored event counts, withdrawn or not: retention keeps a person rather than
        // erase them on a guess.
        let queries = [
            "SELECT l.person_id, MAX(c.contact_date) AS day FROM contacts c \
             JOIN person_links l ON l.record_id = c.record_id GROUP BY l.person_id",
            "SELECT l.person_id, MAX(COALESCE(s.departure_date, $1)) AS day FROM stays s \
             JOIN person_links l ON l.record_id = s.record_id GROUP BY l.person_id",
            "SELECT l.person_id, MAX(a.assessed_on) AS day FROM assessments a \
             JOIN person_links l ON l.record_id = a.record_id GROUP BY l.person_id",
            "SELECT l.person_id, MAX(h.event_date) AS day FROM health_events h \
             JOIN source_records r ON r.nhs_number = h.nhs_number JOIN person_links l ON l.record_id = r.id \
             GROUP BY l.person_id",
        ];
        let mut seen: BTreeMap<i64, (Option<String>, i64, String)> = BTreeMap::new();
        let people = sqlx::query(
            "SELECT l.person_id, COUNT(*) AS records, MAX(i.started_at) AS imported FROM person_links l \
             JOIN source_records r ON r.id = l.record_id LEFT JOIN imports i ON i.id = r.import_id \
             WHERE l.person_id NOT IN (SELECT person_id FROM restrictions) GROUP BY l.person_id",
        )
        .fetch_all(self.pool())
        .await?;
        for row in &people {
            let imported: Option<String> = row.try_get("imported")?;
            seen.insert(
                row.try_get("person_id")?,
                (None, row.try_get("records")?, imported.unwrap_or_default().chars().take(10).collect()),
            );
        }
        for sql in queries {
            let mut query = sqlx::query(sql);
            if sql.contains("$1") {
                query = query.bind(today.as_str());
            }
            for row in query.fetch_all(self.pool()).await? {
                let person: i64 = row.try_get("person_id")?;
                let day: Option<String> = row.try_get("day")?;
                if let (Some((last, _, _)), Some(day)) = (seen.get_mut(&person), day)
                    && last.as_ref().is_none_or(|l| *l < day)
                {
                    *last = Some(day);
                }
            }
        }
        Ok(seen
            .into_iter()
            .map(|(person_id, (last, records, imported))| LastSeen {
                person_id,
                last_seen: last.unwrap_or(imported),
                records,
            })
            .collect())
    }
}
