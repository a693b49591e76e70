//! The store's side of administration and signing in: every change an administrator (or the
//! operator at the command line, or a user to their own account) makes is written in one
//! transaction with its audit entry, so the log cannot miss a change nor record one that did
//! not happen; sign-in attempts are counted atomically in the database, so that a throttle holds
//! across concurrent requests and across servers; and the second factor's codes are spent once.
//! Also the sealing, on opening, of an audit log or second-factor secrets written before the
//! secret key (`secrets.rs`) existed.

use crate::audit::{append_chained, audit_content, audit_hash, begin_locked, end_locked};
use crate::backend::{Backend, format_instant, opt_text};
use crate::secrets::Secrets;
use crate::sql::SqlStore;
use crate::types::*;
use crate::{Result, StoreError};
use byname_domain::date::iso;
use sqlx::Row;
use std::future::Future;
use time::OffsetDateTime;

/// One administrative change.
#[derive(Debug, Clone)]
pub enum AdminChange<'a> {
    /// Creates the user, or replaces the role, organisation, name and password of the one with
    /// that username; returns the user's id.
    AddUser(&'a NewUser),
    SetDisabled {
        user_id: i64,
        disabled: bool,
    },
    /// A new password hash; `must_change` asks for another at the next sign-in. Every session of
    /// the user ends, except the one whose token hash is `keep_session`.
    SetPassword {
        user_id: i64,
        hash: &'a str,
        must_change: bool,
        keep_session: Option<&'a str>,
    },
    SetProfile {
        user_id: i64,
        service_area: Option<&'a str>,
        data_protection_lead: bool,
    },
    SetHeadOfService {
        user_id: i64,
        head: bool,
    },
    SetEmail {
        user_id: i64,
        email: Option<&'a str>,
    },
    SetRole {
        user_id: i64,
        role: &'a str,
    },
    SetSetting {
        name: &'a str,
        value: &'a str,
    },
    /// Records a data-sharing agreement; returns its id.
    AddAgreement(&'a NewAgreement),
    /// A second-factor secret being enrolled (sealed before it is stored), or none.
    SetTotpPending {
        user_id: i64,
        secret: Option<&'a str>,
    },
    /// The enrolled secret becomes the one in force; `step` is the code that confirmed it.
    EnableTotp {
        user_id: i64,
        step: i64,
    },
    DisableTotp {
        user_id: i64,
    },
    /// The data-protection lead's review of a break-glass opening: `confirmed` lets what was
    /// recorded under it count towards working with the person; `rejected` keeps it from ever
    /// counting. Returns 1 when it was pending, 0 when reviewed already.
    ReviewBreakGlass {
        id: i64,
        outcome: &'a str,
        by: i64,
        at: OffsetDateTime,
    },
    /// A new organisation of the partnership; returns its id. A name taken is refused.
    AddOrganisation {
        name: &'a str,
        kind: &'a str,
    },
    /// A team, provider or service name, as imports carry it, becomes the organisation's: the
    /// access rules count what was recorded under it as the organisation's from the next
    /// request. A name another organisation claims is refused.
    AddOrganisationName {
        organisation_id: i64,
        name: &'a str,
    },
    /// The organisation no longer goes by the name; returns 1 when it did, 0 otherwise.
    RemoveOrganisationName {
        organisation_id: i64,
        name: &'a str,
    },
}

/// Counts one more change to the organisations' names: the access rules' cached answers are
/// keyed on it (see `cache.rs`).
async fn bump_names_version(conn: &mut sqlx::AnyConnection) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (name, value) VALUES ('organisation_names_version', '1') \
         ON CONFLICT (name) DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Administration and sign-in (a part of [`crate::Store`]).
pub trait Administration: Send + Sync {
    /// Applies a change and appends its audit entry in one transaction; returns the id of what
    /// was created, or 0.
    fn administer(&self, change: AdminChange<'_>, audit: &AuditEntry) -> impl Future<Output = Result<i64>> + Send;
    /// Counts one more sign-in attempt under `key` and returns the count in the current window,
    /// which starts afresh when the last began before `window_start`. Atomic: concurrent
    /// attempts each get their own count.
    fn count_login_attempt(
        &self,
        key: &str,
        now: OffsetDateTime,
        window_start: OffsetDateTime,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Attempts counted under `key` in the current window, without counting one.
    fn login_attempts(&self, key: &str, window_start: OffsetDateTime) -> impl Future<Output = Result<i64>> + Send;
    /// Forgets the attempts under `key` (a successful sign-in).
    fn clear_login_attempts(&self, key: &str) -> impl Future<Output = Result<()>> + Send;
    /// Spends a second-factor code's time step: true when it is later than the last one spent.
    fn spend_totp_step(&self, user_id: i64, step: i64) -> impl Future<Output = Result<bool>> + Send;
    /// The audit log's newest entry, `(id, hash)`.
    fn audit_head(&self) -> impl Future<Output = Result<Option<(i64, Option<String>)>>> + Send;
    /// The key kept outside the database, and the audit head checkpoint beside it.
    fn secrets(&self) -> &Secrets;
}

async fn apply(conn: &mut sqlx::AnyConnection, secrets: &Secrets, change: &AdminChange<'_>) -> Result<i64> {
    match *change {
        AdminChange::AddUser(user) => {
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
            .bind(crate::backend::utc_now())
            .execute(&mut *conn)
            .await?;
            Ok(sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
                .bind(&user.username)
                .fetch_one(&mut *conn)
                .await?)
        }
        AdminChange::SetDisabled { user_id, disabled } => {
            sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(i64::from(disabled))
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
            }
            Ok(0)
        }
        AdminChange::SetPassword { user_id, hash, must_change, keep_session } => {
            sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3")
                .bind(hash)
                .bind(i64::from(must_change))
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                .bind(user_id)
                .bind(keep_session.unwrap_or(""))
                .execute(&mut *conn)
                .await?;
            Ok(0)
        }
        AdminChange::SetProfile { user_id, service_area, data_protection_lead } => {
            sqlx::query("UPDATE users SET service_area = $1, data_protection_lead = $2 WHERE id = $3")
                .bind(service_area)
                .bind(i64::from(data_protection_lead))
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
            Ok(0)
        }
        AdminChange::SetHeadOfService { user_id, head } => {
            sqlx::query("UPDATE users SET head_of_service = $1 WHERE id = $2")
                .bind(i64::from(head))
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
            Ok(0)
        }
        AdminChange::SetEmail { user_id, email } => {
            sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
                .bind(email)
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
            Ok(0)
        }
        AdminChange::SetRole { user_id, role } => {
            sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                .bind(role)
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
            // A change of role takes effect at once: the user signs in again.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
            Ok(0)
        }
        AdminChange::SetSetting { name, value } => {
            sqlx::query(
                "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = $2",
            )
            .bind(name)
            .bind(value)
            .execute(&mut *conn)
            .await?;
            Ok(0)
        }
        AdminChange::AddAgreement(a) => {
            let id: i64 = sqlx::query(
                "INSERT INTO sharing_agreements (title, purpose, lawful_basis, special_category_condition, starts_on, \
                 ends_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&a.title)
            .bind(&a.purpose)
            .bind(&a.lawful_basis)
            .bind(&a.special_category_condition)
            .bind(iso(a.starts_on))
            .bind(a.ends_on.map(iso))
            .bind(a.recorded_by)
            .bind(format_instant(a.recorded_at))
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
            for organisation in &a.organisations {
                sqlx::query(
                    "INSERT INTO sharing_agreement_organisations (agreement_id, organisation_id) VALUES ($1, $2)",
                )
                .bind(id)
                .bind(*organisation)
                .execute(&mut *conn)
                .await?;
            }
            Ok(id)
        }
        AdminChange::SetTotpPending { user_id, secret } => {
            sqlx::query("UPDATE users SET totp_pending = $1 WHERE id = $2")
                .bind(secret.map(|s| secrets.seal(s)))
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
            Ok(0)
        }
        AdminChange::EnableTotp { user_id, step } => {
            let done = sqlx::query(
                "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_enabled = 1, \
                 totp_last_step = $1 WHERE id = $2 AND totp_pending IS NOT NULL",
            )
            .bind(step)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Config("no second factor is being set up".into()));
            }
            Ok(0)
        }
        AdminChange::ReviewBreakGlass { id, outcome, by, at } => {
            let done = sqlx::query(
                "UPDATE break_glass SET review_outcome = $1, reviewed_by = $2, reviewed_at = $3 \
                 WHERE id = $4 AND review_outcome IS NULL",
            )
            .bind(outcome)
            .bind(by)
            .bind(format_instant(at))
            .bind(id)
            .execute(&mut *conn)
            .await?;
            Ok(i64::try_from(done.rows_affected()).unwrap_or_default())
        }
        AdminChange::AddOrganisation { name, kind } => {
            Ok(sqlx::query_scalar("INSERT INTO organisations (name, kind) VALUES ($1, $2) RETURNING id")
                .bind(name)
                .bind(kind)
                .fetch_one(&mut *conn)
                .await?)
        }
        AdminChange::AddOrganisationName { organisation_id, name } => {
            sqlx::query("INSERT INTO organisation_names (name, organisation_id) VALUES ($1, $2)")
                .bind(name)
                .bind(organisation_id)
                .execute(&mut *conn)
                .await?;
            bump_names_version(conn).await?;
            Ok(0)
        }
        AdminChange::RemoveOrganisationName { organisation_id, name } => {
            let done = sqlx::query("DELETE FROM organisation_names WHERE name = $1 AND organisation_id = $2")
                .bind(name)
                .bind(organisation_id)
                .execute(&mut *conn)
                .await?;
            bump_names_version(conn).await?;
            Ok(i64::try_from(done.rows_affected()).unwrap_or_default())
        }
        AdminChange::DisableTotp { user_id } => {
            sqlx::query("UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_enabled = 0 WHERE id = $1")
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
            Ok(0)
        }
    }
}

impl Administration for SqlStore {
    async fn administer(&self, change: AdminChange<'_>, audit: &AuditEntry) -> Result<i64> {
        let mut conn = self.pool().acquire().await?;
        begin_locked(&mut conn, self.backend()).await?;
        let result = async {
            let id = apply(&mut conn, &self.secrets, &change).await?;
            let head = append_chained(&mut conn, self.backend(), &self.secrets, std::slice::from_ref(audit)).await?;
            Ok::<_, StoreError>((id, head))
        }
        .await;
        end_locked(&mut conn, &self.secrets, result, |_| true).await
    }

    async fn count_login_attempt(&self, key: &str, now: OffsetDateTime, window_start: OffsetDateTime) -> Result<i64> {
        // One statement: the row is locked while it is counted, on both backends.
        Ok(sqlx::query_scalar(
            "INSERT INTO login_attempts (key, attempts, window_start) VALUES ($1, 1, $2) \
             ON CONFLICT (key) DO UPDATE SET \
             attempts = CASE WHEN login_attempts.window_start < $3 THEN 1 ELSE login_attempts.attempts + 1 END, \
             window_start = CASE WHEN login_attempts.window_start < $3 THEN $2 ELSE login_attempts.window_start END \
             RETURNING attempts",
        )
        .bind(key)
        .bind(format_instant(now))
        .bind(format_instant(window_start))
        .fetch_one(self.pool())
        .await?)
    }

    async fn login_attempts(&self, key: &str, window_start: OffsetDateTime) -> Result<i64> {
        Ok(sqlx::query_scalar::<_, i64>("SELECT attempts FROM login_attempts WHERE key = $1 AND window_start >= $2")
            .bind(key)
            .bind(format_instant(window_start))
            .fetch_optional(self.pool())
            .await?
            .unwrap_or(0))
    }

    async fn clear_login_attempts(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_attempts WHERE key = $1").bind(key).execute(self.pool()).await?;
        Ok(())
    }

    async fn spend_totp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn audit_head(&self) -> Result<Option<(i64, Option<String>)>> {
        let row =
            sqlx::query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetch_optional(self.pool()).await?;
        row.map(|r| Ok((r.try_get("id")?, opt_text(&r, "hash")?))).transpose()
    }

    fn secrets(&self) -> &Secrets {
        &self.secrets
    }
}

impl SqlStore {
    /// Seals an audit log written before the secret key existed: when its newest entry is not
    /// keyed and the whole log verifies as the older byname wrote it (plain SHA-256 chain,
    /// unhashed rows only before the first hashed one), every entry is re-hashed with the key,
    /// under the log's lock. A log that verifies neither way is left as it is for
    /// `byname audit verify` to report.
    pub(crate) async fn seal_audit_log(&self) -> Result<()> {
        let newest =
            sqlx::query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 2").fetch_all(self.pool()).await?;
        let Some(last) = newest.first() else { return Ok(()) };
        let last_id: i64 = last.try_get("id")?;
        let previous = match newest.get(1) {
            Some(row) => opt_text(row, "hash")?.unwrap_or_default(),
            None => String::new(),
        };
        let rows = crate::casework::Casework::audit_rows(self, last_id - 1, 1).await?;
        if let Some(row) = rows.first()
            && row.hash.as_deref()
                == Some(self.secrets.audit_mac(&audit_content(&previous, row.id, &row.entry)).as_str())
        {
            return Ok(());
        }
        let mut conn = self.pool().acquire().await?;
        begin_locked(&mut conn, self.backend()).await?;
        // Kept only when the log was sealed.
        let result = self.reseal(&mut conn).await.map(|sealed| match sealed {
            Some((id, hash, n)) => (Some(n), Some((id, hash))),
            None => (None, None),
        });
        if let Some(n) = end_locked(&mut conn, &self.secrets, result, Option::is_some).await? {
            tracing::warn!(entries = n, "the audit log was sealed with the secret key");
        }
        Ok(())
    }

    /// Inside the log's lock: re-hashes every entry with the key when the log verifies as an
    /// older byname wrote it; the new head and the number of entries, or `None`.
    async fn reseal(&self, conn: &mut sqlx::AnyConnection) -> Result<Option<(i64, String, usize)>> {
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(crate::audit::AUDIT_LOCK).execute(&mut *conn).await?;
        }
        let rows = sqlx::query(crate::audit::AUDIT_SELECT_ALL).fetch_all(&mut *conn).await?;
        let rows: Vec<AuditRow> = rows.iter().map(crate::audit::audit_from_row).collect::<Result<_>>()?;
        let mut previous: Option<(i64, String)> = None;
        for row in &rows {
            match (&row.hash, &previous) {
                (None, None) => {}
                (None, Some(_)) => return Ok(None),
                (Some(hash), _) => {
                    let (expected_id, prev_hash) = match &previous {
                        Some((id, h)) => (id + 1, h.as_str()),
                        None => (row.id, ""),
                    };
                    if row.id != expected_id || audit_hash(prev_hash, row.id, &row.entry) != *hash {
                        tracing::error!(
                            entry = row.id,
                            "the audit log does not verify; left as it is for `byname audit verify`"
                        );
                        return Ok(None);
                    }
                    previous = Some((row.id, hash.clone()));
                }
            }
        }
        let mut chain = String::new();
        for row in &rows {
            chain = self.secrets.audit_mac(&audit_content(&chain, row.id, &row.entry));
            sqlx::query("UPDATE audit_log SET hash = $1 WHERE id = $2")
                .bind(&chain)
                .bind(row.id)
                .execute(&mut *conn)
                .await?;
        }
        Ok(rows.last().map(|last| (last.id, chain, rows.len())))
    }

    /// Seals second-factor secrets stored in the clear by an older byname.
    pub(crate) async fn seal_second_factors(&self) -> Result<()> {
        let rows = sqlx::query("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
            .fetch_all(self.pool())
            .await?;
        for row in &rows {
            let secret: String = row.try_get("totp_secret")?;
            if Secrets::is_sealed(&secret) {
                continue;
            }
            sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
                .bind(self.secrets.seal(&secret))
                .bind(row.try_get::<i64, _>("id")?)
                .execute(self.pool())
                .await?;
        }
        Ok(())
    }
}
