//! What `byname check` asks of a database before a partnership relies on it, read without
//! changing anything (not even applying migrations): that it answers, which migrations it has,
//! which organisations lack the names their records carry in imports, and whether an enabled
//! administrator exists.

use crate::backend::Backend;
use crate::migrate::MigrationStatus;
use crate::{Result, StoreError};
use sqlx::Row;

/// A database as `byname check` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    pub migrations: MigrationStatus,
    /// What could be read only with every migration applied; `None` while some are pending.
    pub contents: Option<Contents>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// Organisations whose records are told apart by name (those with enabled frontline users,
    /// and those whose kind runs services) that have no name in `organisation_names`.
    pub unnamed_organisations: Vec<String>,
    pub enabled_administrators: i64,
}

/// The organisation kinds that run teams or services, whose names appear in imports.
const SERVICE_KINDS: [&str; 4] = ["outreach", "day_centre", "accommodation", "health"];

/// Connects to the database at `url` without creating it or changing it, and reads what
/// `byname check` reports. A SQLite file that does not exist is an error naming it.
pub async fn inspect(url: &str) -> Result<Inspection> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url)?;
    let url = match backend {
        Backend::Sqlite => {
            let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
            let path = rest.split('?').next().unwrap_or_default();
            if !std::path::Path::new(path).is_file() {
                return Err(StoreError::Config(format!("there is no database at {path}")));
            }
            format!("sqlite://{path}?mode=rw")
        }
        Backend::Postgres => url.to_owned(),
    };
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await?;
    let inspection = read(&pool).await;
    pool.close().await;
    inspection
}

async fn read(pool: &sqlx::AnyPool) -> Result<Inspection> {
    sqlx::query("SELECT 1").execute(pool).await?;
    let migrations = crate::migrate::status(pool).await?;
    if !migrations.pending.is_empty() {
        return Ok(Inspection { migrations, contents: None });
    }
    let frontline: Vec<String> = byname_domain::Role::ALL
        .into_iter()
        .filter(|r| byname_domain::access::is_frontline(*r))
        .map(|r| format!("'{}'", r.code()))
        .collect();
    let kinds: Vec<String> = SERVICE_KINDS.iter().map(|k| format!("'{k}'")).collect();
    let rows = sqlx::query(&format!(
        "SELECT o.name FROM organisations o \
         WHERE NOT EXISTS (SELECT 1 FROM organisation_names n WHERE n.organisation_id = o.id) \
         AND (o.kind IN ({}) OR EXISTS (SELECT 1 FROM users u WHERE u.organisation_id = o.id AND u.disabled = 0 \
         AND u.role IN ({}))) ORDER BY o.name",
        kinds.join(", "),
        frontline.join(", ")
    ))
    .fetch_all(pool)
    .await?;
    let unnamed_organisations = rows.iter().map(|r| r.try_get::<String, _>("name")).collect::<Result<_, _>>()?;
    let enabled_administrators: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0").fetch_one(pool).await?;
    Ok(Inspection { migrations, contents: Some(Contents { unnamed_organisations, enabled_administrators }) })
}
