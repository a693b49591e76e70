//! Linkage as the store keeps it: [`Linkage`] reads the records linkage compares and the
//! decisions people made, and writes each run's pairs, the records it compared and the persons
//! it made, in one transaction; the review queue is read here too.

use crate::Result;
use crate::backend::{Backend, format_instant, instant, link_input_from_row, opt_instant, opt_text};
use crate::sql::{RECORD_DETAIL, SqlStore, id_list, pair_from_row, record_from_row, text_hash, write_links};
use crate::types::*;
use sqlx::Row;
use std::collections::HashMap;
use std::future::Future;

/// Linkage as stored: the records linkage reads, the runs, pairs and decisions it writes, the persons it makes, and the review queue.
pub trait Linkage: Send + Sync {
    /// The identifying fields of every current (not withdrawn) person-level record; with
    /// `usual_places`, where each record's contacts most often were (a scan of every contact).
    fn link_inputs(&self, usual_places: bool) -> impl Future<Output = Result<Vec<LinkInput>>> + Send;
    /// Every current record with the person it belongs to, ordered by source and id.
    fn person_membership(&self) -> impl Future<Output = Result<Vec<(String, String, i64)>>> + Send;
    /// Makes the stored persons exactly the given assignment; returns how many records changed person.
    fn replace_links(
        &self,
        links: &[Link],
        now: time::OffsetDateTime,
    ) -> impl Future<Output = Result<LinkChanges>> + Send;
    /// The latest run of probabilistic linkage.
    fn last_link_run(&self) -> impl Future<Output = Result<Option<LinkRun>>> + Send;
    /// Each record's fingerprint and usual place when it was last compared.
    fn compared_records(&self) -> impl Future<Output = Result<Vec<Compared>>> + Send;
    /// Stored pairs, all of them or those touching some records.
    fn link_pairs(&self, scope: &PairScope) -> impl Future<Output = Result<Vec<LinkPair>>> + Send;
    fn link_pair(&self, left: i64, right: i64) -> impl Future<Output = Result<Option<LinkPair>>> + Send;
    /// Stores one run in one transaction: replaces the pairs in `scope` with `pairs`, records the
    /// fingerprints compared, and makes the persons exactly `links`.
    fn save_link_run(
        &self,
        run: &LinkRun,
        scope: &PairScope,
        pairs: &[LinkPair],
        compared: &[Compared],
        links: &[Link],
    ) -> impl Future<Output = Result<(i64, LinkChanges)>> + Send;
    /// Every decision, oldest first, undone ones included.
    fn link_decisions(&self) -> impl Future<Output = Result<Vec<Decision>>> + Send;
    fn add_decisions(&self, decisions: &[NewDecision]) -> impl Future<Output = Result<()>> + Send;
    /// Marks a batch of decisions undone; returns how many were live.
    fn undo_decisions(
        &self,
        batch: &str,
        by: i64,
        at: time::OffsetDateTime,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Records by id, with their person.
    fn records(&self, ids: &[i64]) -> impl Future<Output = Result<Vec<RecordDetail>>> + Send;
    /// The current records of a person.
    fn person_records(&self, person_id: i64) -> impl Future<Output = Result<Vec<RecordDetail>>> + Send;
    /// The linkage review queue, most likely first, as `(left record, right record, probability)`:
    /// pairs below the last run's automatic threshold, in two different persons (so withdrawn
    /// records, which have no person, leave it), with no live decision.
    fn review_queue(&self) -> impl Future<Output = Result<Vec<(i64, i64, f64)>>> + Send;
}

impl Linkage for SqlStore {
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
                Ok(LinkInput { usual_place, stays, fingerprint, ..link_input_from_row(r)? })
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
                    decided_at: instant(r, "decided_at")?,
                    undone_by: opt_text(r, "undone_by")?,
                    undone_at: opt_instant(r, "undone_at")?,
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
            .bind(format_instant(d.decided_at))
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
}
