//! The hash-chained audit log: what an entry's hash covers, reading entries back, and appending
//! them under the log's lock, either inside the transaction of the change they record or through
//! one writer task that groups the entries of concurrent requests into shared transactions.

use crate::backend::{Backend, opt_text, placeholders};
use crate::secrets::Secrets;
use crate::types::{AuditEntry, AuditRow};
use crate::{Result, StoreError};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;

/// What an audit entry's hash covers: the previous hash, the id and every field, separated by
/// a byte no field holds.
pub fn audit_content(previous: &str, id: i64, e: &AuditEntry) -> Vec<u8> {
    let mut content = Vec::new();
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    for part in [
        previous.to_owned(),
        id.to_string(),
        e.at.clone(),
        num(e.user_id),
        num(e.organisation_id),
        e.action.clone(),
        num(e.person_id),
        opt(&e.purpose),
        opt(&e.basis),
        opt(&e.detail),
    ] {
        content.extend_from_slice(part.as_bytes());
        content.push(0x1f);
    }
    // Only entries that cover several people have this part, so entries written before it existed
    // keep their hashes.
    if !e.persons.is_empty() {
        content.extend_from_slice(persons_text(&e.persons).as_bytes());
        content.push(0x1f);
    }
    content
}

/// The hash an entry had before the log was keyed: SHA-256 of its content. Read only to seal a
/// log written by an older byname (see `SqlStore::seal_audit_log`).
pub fn audit_hash(previous: &str, id: i64, e: &AuditEntry) -> String {
    hex::encode(Sha256::digest(audit_content(previous, id, e)))
}

/// The people an entry covers, as stored: ids separated by spaces.
fn persons_text(persons: &[i64]) -> String {
    persons.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")
}

/// A number the PostgreSQL advisory lock of the audit log is known by.
pub(crate) const AUDIT_LOCK: i64 = 0x6279_6e61_6d65;

pub(crate) fn audit_from_row(r: &AnyRow) -> Result<AuditRow> {
    Ok(AuditRow {
        id: r.try_get("id")?,
        entry: AuditEntry {
            at: r.try_get("at")?,
            user_id: r.try_get("user_id")?,
            organisation_id: r.try_get("organisation_id")?,
            action: r.try_get("action")?,
            person_id: r.try_get("person_id")?,
            purpose: opt_text(r, "purpose")?,
            basis: opt_text(r, "basis")?,
            detail: opt_text(r, "detail")?,
            persons: opt_text(r, "persons")?
                .unwrap_or_default()
                .split(' ')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    p.parse::<i64>().map_err(|_| StoreError::Config(format!("audit persons {p:?} is not a number")))
                })
                .collect::<Result<_>>()?,
        },
        hash: opt_text(r, "hash")?,
    })
}

pub(crate) const AUDIT_SELECT: &str =
    "SELECT id, at, user_id, organisation_id, action, person_id, purpose, basis, detail, persons, hash FROM audit_log";
/// Every audit row, oldest first.
pub(crate) const AUDIT_SELECT_ALL: &str = "SELECT id, at, user_id, organisation_id, action, person_id, purpose, basis, \
     detail, persons, hash FROM audit_log ORDER BY id";

type Reply = tokio::sync::oneshot::Sender<std::result::Result<(), String>>;
type Job = (Vec<AuditEntry>, Reply);

/// Group commit for the audit log. Every view of a person writes audit entries before the page
/// is answered, and each append is a transaction holding the log's lock; under many concurrent
/// requests one transaction each would queue on the lock and on the disk. So appends go to one
/// writer task, which takes whatever has arrived and appends it in one transaction, then answers
/// each caller: every entry is still durable before its page is sent, at the cost of one commit
/// for many requests. The task belongs to the runtime it was started on; if that runtime has
/// gone (a store used from another runtime), a new one is started. Hand-written: a few lines of
/// channels, and no crate batches writes inside a hash chain's lock.
#[derive(Debug, Default)]
pub struct AuditWriter(std::sync::Mutex<Option<tokio::sync::mpsc::UnboundedSender<Job>>>);

/// The most entries appended in one transaction.
const MAX_BATCH: usize = 5000;

impl AuditWriter {
    pub(crate) async fn append(
        &self,
        pool: sqlx::AnyPool,
        backend: Backend,
        secrets: std::sync::Arc<Secrets>,
        entries: Vec<AuditEntry>,
    ) -> Result<()> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let mut job = (entries, reply);
        for _ in 0..2 {
            let sender = {
                let mut current = self.0.lock().expect("the audit writer's lock is never poisoned");
                match current.as_ref() {
                    Some(sender) if !sender.is_closed() => sender.clone(),
                    _ => {
                        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
                        tokio::spawn(write_batches(pool.clone(), backend, secrets.clone(), receiver));
                        *current = Some(sender.clone());
                        sender
                    }
                }
            };
            match sender.send(job) {
                Ok(()) => {
                    return match answer.await {
                        Ok(result) => result.map_err(StoreError::Config),
                        Err(_) => Err(StoreError::Config("the audit writer stopped".into())),
                    };
                }
                // The writer's runtime has gone: start another and try once more.
                Err(tokio::sync::mpsc::error::SendError(returned)) => job = returned,
            }
        }
        Err(StoreError::Config("no audit writer could be started".into()))
    }
}

async fn write_batches(
    pool: sqlx::AnyPool,
    backend: Backend,
    secrets: std::sync::Arc<Secrets>,
    mut jobs: tokio::sync::mpsc::UnboundedReceiver<Job>,
) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        let mut size = batch[0].0.len();
        while size < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => {
                    size += job.0.len();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        let entries: Vec<AuditEntry> = batch.iter().flat_map(|(e, _)| e.iter().cloned()).collect();
        let result = append_locked(&pool, backend, &secrets, &entries).await.map_err(|e| e.to_string());
        for (_, reply) in batch {
            let _ = reply.send(result.clone());
        }
    }
}

/// One transaction that holds the log's lock and appends `entries` after the chain's end; the
/// head checkpoint follows once it is committed.
async fn append_locked(
    pool: &sqlx::AnyPool,
    backend: Backend,
    secrets: &Secrets,
    entries: &[AuditEntry],
) -> Result<()> {
    let mut conn = pool.acquire().await?;
    begin_locked(&mut conn, backend).await?;
    let result = append_chained(&mut conn, backend, secrets, entries).await.map(|head| ((), head));
    end_locked(&mut conn, secrets, result, |_| true).await
}

/// Begins a transaction that may append to the audit log. SQLite: an immediate transaction
/// takes the write lock before the chain's end is read. PostgreSQL: `append_chained` takes an
/// advisory lock held to the end of the transaction.
pub(crate) async fn begin_locked(conn: &mut sqlx::AnyConnection, backend: Backend) -> Result<()> {
    let begin = match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    };
    sqlx::query(begin).execute(&mut *conn).await?;
    Ok(())
}

/// The audit log's new head after a transaction appended to it, `(id, hash)`; `None` when it
/// appended nothing.
pub(crate) type Head = Option<(i64, String)>;

/// Ends a transaction begun with [`begin_locked`]: commits it when `result` succeeded and `keep`
/// says its value is worth keeping, rolls it back otherwise, and after a commit records the
/// audit log's new head beside the secret key. An error of the change comes before one of the
/// commit.
pub(crate) async fn end_locked<T>(
    conn: &mut sqlx::AnyConnection,
    secrets: &Secrets,
    result: Result<(T, Head)>,
    keep: impl FnOnce(&T) -> bool,
) -> Result<T> {
    let commit = matches!(&result, Ok((value, _)) if keep(value));
    let ended = sqlx::query(if commit { "COMMIT" } else { "ROLLBACK" }).execute(&mut *conn).await;
    let (value, head) = result?;
    ended?;
    if commit && let Some((id, hash)) = head {
        secrets.advance_checkpoint(id, &hash);
    }
    Ok(value)
}

/// Appends entries after the chain's end, inside the caller's locked transaction; returns the new
/// head, `(id, hash)`, for the caller to record once the transaction is committed.
pub(crate) async fn append_chained(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    secrets: &Secrets,
    entries: &[AuditEntry],
) -> Result<Option<(i64, String)>> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(AUDIT_LOCK).execute(&mut *conn).await?;
    }
    let last =
        sqlx::query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetch_optional(&mut *conn).await?;
    let (mut id, mut previous) = match last {
        Some(row) => (row.try_get::<i64, _>("id")?, opt_text(&row, "hash")?.unwrap_or_default()),
        None => (0, String::new()),
    };
    // Ten rows to a statement: many entries take a few round trips, not one each (more
    // parameters to a statement cost SQLite more to bind than they save).
    for chunk in entries.chunks(10) {
        let mut rows = Vec::with_capacity(chunk.len());
        for e in chunk {
            id += 1;
            let hash = secrets.audit_mac(&audit_content(&previous, id, e));
            rows.push((id, e, hash.clone()));
            previous = hash;
        }
        let values: Vec<String> = (0..rows.len()).map(|r| format!("({})", placeholders(r * 11 + 1, 11))).collect();
        let sql = format!(
            "INSERT INTO audit_log (id, at, user_id, organisation_id, action, person_id, purpose, basis, detail, persons, hash) \
             VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for (id, e, hash) in &rows {
            query = query
                .bind(*id)
                .bind(&e.at)
                .bind(e.user_id)
                .bind(e.organisation_id)
                .bind(&e.action)
                .bind(e.person_id)
                .bind(&e.purpose)
                .bind(&e.basis)
                .bind(&e.detail)
                .bind((!e.persons.is_empty()).then(|| persons_text(&e.persons)))
                .bind(hash);
        }
        query.execute(&mut *conn).await?;
    }
    Ok((!entries.is_empty()).then_some((id, previous)))
}
