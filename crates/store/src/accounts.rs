//! Accounts as the store keeps them: [`Accounts`] holds organisations, finds a user by the
//! name they sign in with, and keeps sessions (stored as hashes of their tokens).

use crate::Result;
use crate::backend::{USER_COLUMNS, format_instant, instant, user_from_row};
use crate::sql::SqlStore;
use crate::types::*;
use byname_domain::Organisation;
use sqlx::Row;
use std::future::Future;

/// Accounts: organisations, users as sign-in finds them, and sessions.
pub trait Accounts: Send + Sync {
    fn upsert_organisation(&self, name: &str, kind: &str) -> impl Future<Output = Result<i64>> + Send;
    fn organisations(&self) -> impl Future<Output = Result<Vec<byname_domain::Organisation>>> + Send;
    fn user_by_username(&self, username: &str) -> impl Future<Output = Result<Option<UserRow>>> + Send;
    fn create_session(&self, session: &NewSession) -> impl Future<Output = Result<()>> + Send;
    fn session(
        &self,
        token_hash: &str,
        now: time::OffsetDateTime,
    ) -> impl Future<Output = Result<Option<SessionRow>>> + Send;
    fn delete_session(&self, token_hash: &str) -> impl Future<Output = Result<()>> + Send;
    /// Every team, provider and service name an organisation claims or an import carries (the
    /// columns the access rules match: contacts' `team`, stays' `provider`), with its
    /// organisation and what it covers; ordered by name.
    fn name_coverage(&self) -> impl Future<Output = Result<Vec<NameCoverage>>> + Send;
    /// The names organisations claim, with the organisation's id, without what they cover.
    fn organisation_names(&self) -> impl Future<Output = Result<Vec<(String, i64)>>> + Send;
}

impl Accounts for SqlStore {
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
                expires_at: instant(&r, "expires_at")?,
            })
        })
        .transpose()
    }

    async fn organisation_names(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT name, organisation_id FROM organisation_names ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get("name")?, r.try_get("organisation_id")?))).collect()
    }

    async fn name_coverage(&self) -> Result<Vec<NameCoverage>> {
        let claimed = sqlx::query("SELECT name, organisation_id FROM organisation_names").fetch_all(&self.pool).await?;
        let mut names: std::collections::BTreeMap<String, NameCoverage> = std::collections::BTreeMap::new();
        for r in &claimed {
            let name: String = r.try_get("name")?;
            let organisation_id = Some(r.try_get("organisation_id")?);
            names.insert(name.clone(), NameCoverage { name, organisation_id, records: 0, contacts: 0, stays: 0 });
        }
        // Contacts recorded in byname carry their organisation's own name and id: not an
        // import's name.
        let seen = sqlx::query(
            "SELECT name, COUNT(DISTINCT record_id) AS records, COUNT(CASE WHEN what = 'c' THEN 1 END) AS contacts, \
             COUNT(CASE WHEN what = 's' THEN 1 END) AS stays FROM ( \
             SELECT team AS name, record_id, 'c' AS what FROM contacts \
             WHERE team IS NOT NULL AND team <> '' AND withdrawn = 0 AND source <> 'byname' \
             UNION ALL SELECT provider AS name, record_id, 's' AS what FROM stays \
             WHERE provider IS NOT NULL AND provider <> '' AND withdrawn = 0) seen GROUP BY name",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in &seen {
            let name: String = r.try_get("name")?;
            let entry = names.entry(name.clone()).or_insert(NameCoverage {
                name,
                organisation_id: None,
                records: 0,
                contacts: 0,
                stays: 0,
            });
            entry.records = r.try_get("records")?;
            entry.contacts = r.try_get("contacts")?;
            entry.stays = r.try_get("stays")?;
        }
        Ok(names.into_values().collect())
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
        Ok(())
    }
}
