//! The connection an import writes through. Everything else in the store
//! goes through sqlx's `Any` driver, but an import writes hundreds of
//! thousands of rows, and sqlx's SQLite driver costs tens of microseconds a
//! statement (a round trip to its worker thread) and grows quadratically
//! with the parameters of a multi-row statement. So on SQLite an import runs
//! on a rusqlite connection of its own, executing one cached prepared
//! statement per row, as `sqlite3`'s own `.import` does. Both drivers link
//! the same bundled SQLite. On PostgreSQL the import stays on sqlx, with
//! multi-row statements.
//!
//! The SQLite connection lives on a writer thread of its own, fed through a
//! short queue: while it inserts one batch, the import parses and checks
//! the next, so the two halves of the work run on two cores. Inserts are
//! queued without waiting; a failure is kept and returned by the next call
//! that waits for an answer, and everything queued after it is skipped.
//!
//! SQL is written once, with `$n` placeholders; for SQLite they become
//! `?n`, which binds by number exactly as PostgreSQL does.

use crate::{Result, StoreError};
use sqlx::{Any, Row, Transaction};
use std::sync::{Arc, Mutex, mpsc};

#[derive(Debug, Clone)]
pub(crate) enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Self::Text(Some(value.to_owned()))
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Self::Int(Some(value))
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Self::Text(v) => v.to_sql(),
            Self::Int(v) => v.to_sql(),
            Self::Real(v) => v.to_sql(),
        }
    }
}

pub(crate) enum Conn {
    /// A rusqlite connection inside `BEGIN IMMEDIATE`, on its writer thread;
    /// dropping it unfinished rolls back.
    Sqlite(SqliteWriter),
    Postgres(Transaction<'static, Any>),
}

type Job = Box<dyn FnOnce(&mut rusqlite::Connection) + Send>;

/// Batches queued for the writer thread at most; bounds the memory in flight.
const QUEUED_JOBS: usize = 4;

pub(crate) struct SqliteWriter {
    jobs: mpsc::SyncSender<Job>,
    failure: Arc<Mutex<Option<String>>>,
}

impl SqliteWriter {
    fn start(mut connection: rusqlite::Connection) -> Self {
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUED_JOBS);
        std::thread::spawn(move || {
            for job in queue {
                job(&mut connection);
            }
            // The connection closes here; an uncommitted transaction rolls back.
        });
        Self { jobs, failure: Arc::new(Mutex::new(None)) }
    }

    fn failed(&self) -> Option<String> {
        self.failure.lock().expect("not poisoned").clone()
    }

    fn send(&self, job: Job) -> Result<()> {
        self.jobs.send(job).map_err(|_| StoreError::Sqlite("the SQLite writer thread has stopped".into()))
    }

    /// Runs `work` on the writer thread after everything queued, and waits for its answer.
    async fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T> {
        let (answer, reply) = tokio::sync::oneshot::channel();
        let failure = Arc::clone(&self.failure);
        self.send(Box::new(move |connection| {
            let earlier = failure.lock().expect("not poisoned").clone();
            let result = match earlier {
                Some(error) => Err(StoreError::Sqlite(error)),
                None => work(connection).map_err(StoreError::from),
            };
            let _ = answer.send(result);
        }))?;
        reply.await.map_err(|_| {
            StoreError::Sqlite(self.failed().unwrap_or_else(|| "the SQLite writer thread has stopped".into()))
        })?
    }

    /// Queues `work` without waiting; a failure surfaces at the next `call`.
    fn queue(
        &self,
        work: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<()> + Send + 'static,
    ) -> Result<()> {
        if let Some(error) = self.failed() {
            return Err(StoreError::Sqlite(error));
        }
        let failure = Arc::clone(&self.failure);
        self.send(Box::new(move |connection| {
            let mut failure = failure.lock().expect("not poisoned");
            if failure.is_none()
                && let Err(error) = work(connection)
            {
                *failure = Some(error.to_string());
            }
        }))
    }
}

/// Rows in one multi-row statement on PostgreSQL.
const POSTGRES_ROWS_PER_STATEMENT: usize = 500;

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error.to_string())
    }
}

fn sqlite_sql(sql: &str) -> String {
    sql.replace('$', "?")
}

/// Binds every value. The statement is not kept prepared: sqlx's `Any` driver sends a missing
/// `f64` as a `float4` NULL, so a statement prepared when a coordinate happened to be empty
/// would refuse a real coordinate (`float8`) in that place the next time on PostgreSQL
/// ("incorrect binary data format"). Each import statement carries hundreds of rows, so
/// preparing it again costs little.
fn bind_all<'q>(
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    params: Vec<Value>,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>> {
    let mut query = query.persistent(false);
    for value in params {
        query = match value {
            Value::Text(v) => query.bind(v),
            Value::Int(v) => query.bind(v),
            Value::Real(v) => query.bind(v),
        };
    }
    query
}

impl Conn {
    pub(crate) fn open_sqlite(path: &str) -> Result<Self> {
        let connection = rusqlite::Connection::open(path)?;
        connection.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
             PRAGMA busy_timeout = 10000; PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = 0; \
             BEGIN IMMEDIATE;",
        )?;
        Ok(Self::Sqlite(SqliteWriter::start(connection)))
    }

    pub(crate) async fn execute(&mut self, sql: &str, params: Vec<Value>) -> Result<u64> {
        match self {
            Self::Sqlite(writer) => {
                let sql = sqlite_sql(sql);
                writer
                    .call(move |c| Ok(c.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(params))? as u64))
                    .await
            }
            Self::Postgres(tx) => Ok(bind_all(sqlx::query(sql), params).execute(&mut **tx).await?.rows_affected()),
        }
    }

    /// Rows of one text column followed by `n_ints` integer columns.
    pub(crate) async fn query_text_ints(
        &mut self,
        sql: &str,
        params: Vec<Value>,
        n_ints: usize,
    ) -> Result<Vec<(String, Vec<i64>)>> {
        match self {
            Self::Sqlite(writer) => {
                let sql = sqlite_sql(sql);
                writer
                    .call(move |c| {
                        let mut statement = c.prepare_cached(&sql)?;
                        let rows = statement.query_map(rusqlite::params_from_iter(params), |row| {
                            let ints =
                                (1..=n_ints).map(|i| row.get::<_, i64>(i)).collect::<rusqlite::Result<Vec<i64>>>()?;
                            Ok((row.get::<_, String>(0)?, ints))
                        })?;
                        rows.collect::<rusqlite::Result<Vec<_>>>()
                    })
                    .await
            }
            Self::Postgres(tx) => {
                let rows = bind_all(sqlx::query(sql), params).fetch_all(&mut **tx).await?;
                rows.iter()
                    .map(|row| {
                        let ints = (1..=n_ints).map(|i| row.try_get::<i64, _>(i)).collect::<Result<Vec<i64>, _>>()?;
                        Ok((row.try_get::<String, _>(0)?, ints))
                    })
                    .collect()
            }
        }
    }

    pub(crate) async fn query_int(&mut self, sql: &str, params: Vec<Value>) -> Result<i64> {
        match self {
            Self::Sqlite(writer) => {
                let sql = sqlite_sql(sql);
                writer
                    .call(move |c| c.prepare_cached(&sql)?.query_row(rusqlite::params_from_iter(params), |r| r.get(0)))
                    .await
            }
            Self::Postgres(tx) => Ok(bind_all(sqlx::query(sql), params).fetch_one(&mut **tx).await?.try_get(0)?),
        }
    }

    /// Inserts rows whose values follow `columns`.
    pub(crate) async fn insert_rows(&mut self, table: &str, columns: &[&str], rows: Vec<Vec<Value>>) -> Result<()> {
        let column_list = columns.join(", ");
        match self {
            Self::Sqlite(writer) => {
                let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
                let sql = format!("INSERT INTO {table} ({column_list}) VALUES ({})", placeholders.join(", "));
                writer.queue(move |c| {
                    let mut statement = c.prepare_cached(&sql)?;
                    for row in rows {
                        statement.execute(rusqlite::params_from_iter(row))?;
                    }
                    Ok(())
                })
            }
            Self::Postgres(tx) => {
                let mut rows = rows.into_iter().peekable();
                while rows.peek().is_some() {
                    let chunk: Vec<Vec<Value>> = rows.by_ref().take(POSTGRES_ROWS_PER_STATEMENT).collect();
                    let tuples: Vec<String> = (0..chunk.len())
                        .map(|r| {
                            let cells: Vec<String> =
                                (1..=columns.len()).map(|c| format!("${}", r * columns.len() + c)).collect();
                            format!("({})", cells.join(", "))
                        })
                        .collect();
                    let sql = format!("INSERT INTO {table} ({column_list}) VALUES {}", tuples.join(", "));
                    bind_all(sqlx::query(&sql), chunk.into_iter().flatten().collect()).execute(&mut **tx).await?;
                }
                Ok(())
            }
        }
    }

    /// The `CREATE INDEX` statements of a table's indexes other than its primary key.
    pub(crate) async fn secondary_indexes(&mut self, table: &str) -> Result<Vec<(String, String)>> {
        let sql = match self {
            Self::Sqlite(_) => {
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL"
            }
            Self::Postgres(_) => {
                "SELECT CAST(indexname AS TEXT), CAST(indexdef AS TEXT) FROM pg_indexes WHERE tablename = $1 AND indexname NOT LIKE '%_pkey'"
            }
        };
        match self {
            Self::Sqlite(writer) => {
                let (sql, table) = (sqlite_sql(sql), table.to_owned());
                writer
                    .call(move |c| {
                        let mut statement = c.prepare_cached(&sql)?;
                        let rows = statement.query_map([table], |row| Ok((row.get(0)?, row.get(1)?)))?;
                        rows.collect::<rusqlite::Result<Vec<_>>>()
                    })
                    .await
            }
            Self::Postgres(tx) => {
                let rows = sqlx::query(sql).bind(table).fetch_all(&mut **tx).await?;
                rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
            }
        }
    }

    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Self::Sqlite(writer) => writer.call(|c| c.execute_batch("COMMIT")).await,
            Self::Postgres(tx) => Ok(tx.commit().await?),
        }
    }

    /// Undoes everything written, and waits until it is undone, so that the next write to the
    /// database never waits for this one's lock.
    pub(crate) async fn rollback(self) -> Result<()> {
        match self {
            // Rolled back even after a failure: `call` would skip the work, so run it as a job.
            Self::Sqlite(writer) => {
                let (answer, reply) = tokio::sync::oneshot::channel();
                writer.send(Box::new(move |c| {
                    let _ = answer.send(c.execute_batch("ROLLBACK").map_err(StoreError::from));
                }))?;
                reply.await.map_err(|_| StoreError::Sqlite("the SQLite writer thread has stopped".into()))?
            }
            Self::Postgres(tx) => Ok(tx.rollback().await?),
        }
    }
}
