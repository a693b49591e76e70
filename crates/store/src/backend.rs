//! What every part of the store shares below its queries: which backend a store runs on, the
//! stored form of an instant, the `$n` placeholders of a list, and reading text, users and the
//! data's version out of a row. The modules of each concept build on it, and it on none of them.

use crate::types::UserRow;
use crate::{Result, StoreError};
use sqlx::Row;
use sqlx::any::AnyRow;

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

pub use crate::stored_text::format_instant;

/// The current instant as stored: ISO 8601 in UTC to the second.
pub fn utc_now() -> String {
    format_instant(time::OffsetDateTime::now_utc())
}

/// An instant as stored, read back: a clear error, never a panic, when the text is not one.
fn parse_instant(text: &str) -> Result<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| StoreError::Config(format!("stored instant {text:?}: {e}")))
}

/// The instant stored in a column.
pub(crate) fn instant(row: &AnyRow, column: &str) -> Result<time::OffsetDateTime> {
    parse_instant(&row.try_get::<String, _>(column)?)
}

/// A date as stored (ISO), read back: a clear error naming the column, never a guess.
fn parse_date(column: &str, text: &str) -> Result<time::Date> {
    byname_domain::date::parse_iso_date(text)
        .map_err(|e| StoreError::Config(format!("stored date in {column} {text:?}: {e}")))
}

/// The date stored in a column.
pub(crate) fn date(row: &AnyRow, column: &str) -> Result<time::Date> {
    parse_date(column, &row.try_get::<String, _>(column)?)
}

/// The date stored in a nullable column.
pub(crate) fn opt_date(row: &AnyRow, column: &str) -> Result<Option<time::Date>> {
    row.try_get::<Option<String>, _>(column)?.as_deref().map(|t| parse_date(column, t)).transpose()
}

/// The instant stored in a nullable column.
pub(crate) fn opt_instant(row: &AnyRow, column: &str) -> Result<Option<time::OffsetDateTime>> {
    row.try_get::<Option<String>, _>(column)?.as_deref().map(parse_instant).transpose()
}

/// A source record as linkage reads it (`id`, `source`, `source_id`, the names, `date_of_birth`,
/// `gender`, `nationality`, `nhs_number`, `recorded_chain_id`, `fingerprint`), without the usual
/// place and stays that only a linkage run reads.
pub(crate) fn link_input_from_row(r: &AnyRow) -> Result<crate::types::LinkInput> {
    Ok(crate::types::LinkInput {
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
        usual_place: None,
        stays: None,
        fingerprint: r.try_get("fingerprint")?,
    })
}

/// `$from, $from+1, ...` for `n` values.
pub(crate) fn placeholders(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

pub(crate) fn opt_text(row: &AnyRow, column: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(column)?)
}

pub(crate) fn user_from_row(row: &AnyRow, secrets: &crate::secrets::Secrets) -> Result<UserRow> {
    // The second factor's secrets are sealed at rest; one that does not open (another key) is
    // as good as none, and said so in the log.
    let opened = |column: &str| -> Result<Option<String>> {
        Ok(opt_text(row, column)?.and_then(|sealed| {
            let plain = secrets.open(&sealed);
            if plain.is_none() {
                tracing::error!(column, "a second factor's secret does not open with this server's secret key");
            }
            plain
        }))
    };
    Ok(UserRow {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: {
            let role: String = row.try_get("role")?;
            byname_domain::Role::parse(&role)
                .ok_or_else(|| StoreError::Config(format!("user role {role:?} is not one byname knows")))?
        },
        organisation_id: row.try_get("organisation_id")?,
        organisation_name: row.try_get("organisation_name")?,
        password_hash: row.try_get("password_hash")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        service_area: opt_text(row, "service_area")?,
        data_protection_lead: row.try_get::<i64, _>("data_protection_lead")? != 0,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        head_of_service: row.try_get::<i64, _>("head_of_service")? != 0,
        totp_secret: opened("totp_secret")?,
        totp_pending: opened("totp_pending")?,
        totp_last_step: row.try_get("totp_last_step")?,
        totp_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
        email: opt_text(row, "email")?,
    })
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.organisation_id, \
    o.name AS organisation_name, u.password_hash, u.disabled, u.service_area, u.data_protection_lead, \
    u.must_change_password, u.head_of_service, u.totp_secret, u.totp_enabled, u.email, u.totp_pending, u.totp_last_step";

pub(crate) fn data_version_of(row: &AnyRow) -> Result<String> {
    let max = |column: &str| -> Result<i64> { Ok(row.try_get::<Option<i64>, _>(column)?.unwrap_or(0)) };
    Ok(format!(
        "{}/{}/{}/{}/{}/{}/{}/{}/{}",
        max("imports")?,
        max("runs")?,
        max("contacts")?,
        opt_text(row, "leads")?.unwrap_or_default(),
        opt_text(row, "list_window")?.unwrap_or_default(),
        max("reviewed")?,
        opt_text(row, "privacy")?.unwrap_or_default(),
        opt_text(row, "names")?.unwrap_or_default(),
        opt_text(row, "stale_days")?.unwrap_or_default()
    ))
}
