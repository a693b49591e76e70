//! Schema migrations, one folder per backend, applied in order inside a
//! transaction each and recorded in `schema_migrations`. Hand-written because
//! sqlx's `migrate!` needs its proc-macro feature, which would compile a
//! second copy of sqlx's internals for twenty lines of logic.

use crate::backend::Backend;
use crate::{Result, StoreError};
use sqlx::AnyPool;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "linkage",
        sqlite: include_str!("../migrations/sqlite/0002_linkage.sql"),
        postgres: include_str!("../migrations/postgres/0002_linkage.sql"),
    },
    Migration {
        version: 3,
        name: "stats snapshot",
        sqlite: include_str!("../migrations/sqlite/0003_stats_snapshot.sql"),
        postgres: include_str!("../migrations/postgres/0003_stats_snapshot.sql"),
    },
    Migration {
        version: 4,
        name: "case coordination",
        sqlite: include_str!("../migrations/sqlite/0004_case_coordination.sql"),
        postgres: include_str!("../migrations/postgres/0004_case_coordination.sql"),
    },
    Migration {
        version: 5,
        name: "escalations",
        sqlite: include_str!("../migrations/sqlite/0005_escalations.sql"),
        postgres: include_str!("../migrations/postgres/0005_escalations.sql"),
    },
    Migration {
        version: 6,
        name: "totp",
        sqlite: include_str!("../migrations/sqlite/0006_totp.sql"),
        postgres: include_str!("../migrations/postgres/0006_totp.sql"),
    },
    Migration {
        version: 7,
        name: "email",
        sqlite: include_str!("../migrations/sqlite/0007_email.sql"),
        postgres: include_str!("../migrations/postgres/0007_email.sql"),
    },
    Migration {
        version: 8,
        name: "audit_persons",
        sqlite: include_str!("../migrations/sqlite/0008_audit_persons.sql"),
        postgres: include_str!("../migrations/postgres/0008_audit_persons.sql"),
    },
    Migration {
        version: 9,
        name: "trust",
        sqlite: include_str!("../migrations/sqlite/0009_trust.sql"),
        postgres: include_str!("../migrations/postgres/0009_trust.sql"),
    },
    Migration {
        version: 10,
        name: "erasure",
        sqlite: include_str!("../migrations/sqlite/0010_erasure.sql"),
        postgres: include_str!("../migrations/postgres/0010_erasure.sql"),
    },
    Migration {
        version: 11,
        name: "notification escalation",
        sqlite: include_str!("../migrations/sqlite/0011_notification_escalation.sql"),
        postgres: include_str!("../migrations/postgres/0011_notification_escalation.sql"),
    },
    Migration {
        version: 12,
        name: "person page",
        sqlite: include_str!("../migrations/sqlite/0012_person_page.sql"),
        postgres: include_str!("../migrations/postgres/0012_person_page.sql"),
    },
    Migration {
        version: 13,
        name: "registration",
        sqlite: include_str!("../migrations/sqlite/0013_registration.sql"),
        postgres: include_str!("../migrations/postgres/0013_registration.sql"),
    },
];

/// Which migrations a database has, against those this byname knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// Migrations this byname knows, all applied.
    pub known: usize,
    /// Known but not applied yet, `(version, name)`: byname applies them when it next opens the
    /// database.
    pub pending: Vec<(i64, &'static str)>,
    /// Applied but unknown to this byname: the database was brought up by a newer byname.
    pub unknown: Vec<i64>,
}

/// Reads which migrations are applied, changing nothing.
pub(crate) async fn status(pool: &AnyPool) -> Result<MigrationStatus> {
    let applied: Vec<i64> = match sqlx::query_scalar("SELECT version FROM schema_migrations").fetch_all(pool).await {
        Ok(applied) => applied,
        // A database byname has never opened has no table of migrations.
        Err(sqlx::Error::Database(_)) => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    Ok(MigrationStatus {
        known: MIGRATIONS.len(),
        pending: MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)).map(|m| (m.version, m.name)).collect(),
        unknown: applied.iter().copied().filter(|v| !MIGRATIONS.iter().any(|m| m.version == *v)).collect(),
    })
}

/// Applies every migration not yet recorded.
pub(crate) async fn run(pool: &AnyPool, backend: Backend) -> Result<()> {
    apply_up_to(pool, backend, i64::MAX).await
}

/// Applies the migrations not yet recorded, in order, up to and including version `last`.
async fn apply_up_to(pool: &AnyPool, backend: Backend, last: i64) -> Result<()> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .execute(pool)
    .await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations").fetch_all(pool).await?;
    for migration in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version) && m.version <= last) {
        let sql = match backend {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        let failed = |source| StoreError::Migration { version: migration.version, name: migration.name, source };
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(failed)?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(migration.version)
            .bind(migration.name)
            .bind(crate::backend::utc_now())
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
        tx.commit().await?;
        tracing::info!(version = migration.version, name = migration.name, "applied migration");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database made before notifications named their escalation by id (version 10), with two
    /// notifications as they were stored then, is migrated; each keeps its escalation.
    async fn old_notifications_keep_their_escalation(url: &str, backend: Backend) {
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(url).await.unwrap();
        apply_up_to(&pool, backend, 10).await.unwrap();
        sqlx::raw_sql(
            "INSERT INTO organisations (id, name, kind) VALUES (1, 'Outreach', 'outreach');
             INSERT INTO users (id, organisation_id, username, display_name, role, password_hash, created_at)
                 VALUES (1, 1, 'lead', 'Lead', 'service_leader', 'x', '2026-01-01T00:00:00Z');
             INSERT INTO notifications (id, user_id, at, text, link)
                 VALUES (1, 1, '2026-01-02T09:00:00Z', 'Escalation 42 raised', '/escalations/42'),
                        (2, 1, '2026-01-03T09:00:00Z', 'Escalation 7 answered', '/escalations/7');",
        )
        .execute(&pool)
        .await
        .unwrap();

        run(&pool, backend).await.unwrap();
        let rows: Vec<(i64, Option<i64>, String)> =
            sqlx::query_as("SELECT id, escalation_id, text FROM notifications ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(
            rows,
            [(1, Some(42), "Escalation 42 raised".to_owned()), (2, Some(7), "Escalation 7 answered".to_owned())]
        );
        pool.close().await;
    }

    #[tokio::test]
    async fn a_notification_stored_with_a_link_keeps_its_escalation_on_sqlite() {
        sqlx::any::install_default_drivers();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
        old_notifications_keep_their_escalation(&url, Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn a_notification_stored_with_a_link_keeps_its_escalation_on_postgres() {
        let Some(database) =
            byname_test_support::PostgresDatabase::create("the PostgreSQL migration of notifications").await
        else {
            return;
        };
        old_notifications_keep_their_escalation(&database.url, Backend::Postgres).await;
        database.drop_database().await;
    }
}
