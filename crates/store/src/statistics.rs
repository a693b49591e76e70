//! What the statistics read and keep: [`Statistics`] gives every current event with its
//! person, the state of the data the figures rest on, and the one snapshot saved for it.

use crate::sql::SqlStore;
use crate::{EventFacts, Result, StoreError};
use std::future::Future;

/// What the statistics read and keep: every event with its person, the state of the data, and the one saved snapshot.
pub trait Statistics: Send + Sync {
    /// Every current contact, stay and person-level record with its person, for the statistics.
    fn event_facts(&self) -> impl Future<Output = Result<EventFacts>> + Send;
    /// The state of the data the statistics rest on: changes with every import and linkage run.
    fn data_state(&self) -> impl Future<Output = Result<String>> + Send;
    /// The statistics snapshot saved for `state`, if any.
    fn stats_snapshot(&self, state: &str) -> impl Future<Output = Result<Option<Vec<u8>>>> + Send;
    /// Keeps one snapshot: the one for `state`, built on the day `built_on`.
    fn save_stats_snapshot(
        &self,
        state: &str,
        data: &[u8],
        built_on: time::Date,
    ) -> impl Future<Output = Result<()>> + Send;
}

impl Statistics for SqlStore {
    async fn event_facts(&self) -> Result<EventFacts> {
        crate::facts::load(&self.pool, self.backend, self.sqlite_path.as_deref()).await
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
}
