//! What the tests of several crates share, so that it is written once: a fresh PostgreSQL
//! database for one test, dropped after it.
//!
//! The server is `BYNAME_TEST_POSTGRES_URL` (by default
//! `postgres://postgres@127.0.0.1:5432/postgres`, trust auth). Each database is named
//! `byname_test_<process>_<n>`, so tests running at once never share one, and `.ci/run` drops any
//! left behind by an interrupted run. Without a server the PostgreSQL half of a test is skipped,
//! loudly, except under `CI=true`, where a missing server fails the test: CI must test both
//! backends.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

static COUNTER: AtomicUsize = AtomicUsize::new(0);
/// Set once PostgreSQL has failed to answer, so later tests skip it at once.
static POSTGRES_MISSING: AtomicBool = AtomicBool::new(false);

/// The administrative URL of the test server.
pub fn postgres_admin_url() -> String {
    std::env::var("BYNAME_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh, empty database on the test server. [`drop_database`](Self::drop_database) removes
/// it; close every connection to it first.
#[derive(Debug)]
pub struct PostgresDatabase {
    /// The database's URL, for `SqlStore::connect`.
    pub url: String,
    admin_url: String,
    name: String,
}

impl PostgresDatabase {
    /// Creates a fresh database, or returns `None` when no server answers, after saying on
    /// stderr that `skipped` (such as "the PostgreSQL half of this story") was skipped.
    ///
    /// # Panics
    ///
    /// Under `CI=true` when no server answers, and when the server refuses to create it.
    pub async fn create(skipped: &str) -> Option<Self> {
        sqlx::any::install_default_drivers();
        let admin_url = postgres_admin_url();
        if POSTGRES_MISSING.load(Ordering::SeqCst) {
            eprintln!("*** {skipped} was SKIPPED (no server at {admin_url}) ***");
            return None;
        }
        let connecting = sqlx::any::AnyPoolOptions::new().acquire_timeout(Duration::from_secs(5)).connect(&admin_url);
        let admin = match connecting.await {
            Ok(pool) => pool,
            Err(error) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("CI=true but PostgreSQL is not reachable at {admin_url}: {error}");
                }
                POSTGRES_MISSING.store(true, Ordering::SeqCst);
                eprintln!("\n*** PostgreSQL is not reachable at {admin_url} ({error}): {skipped} was SKIPPED ***\n");
                return None;
            }
        };
        let name = format!("byname_test_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
        sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.unwrap();
        admin.close().await;
        let base = admin_url.rsplit_once('/').map(|(base, _)| base.to_owned()).expect("a URL with a database");
        Some(Self { url: format!("{base}/{name}"), admin_url, name })
    }

    /// Drops the database, whoever is still connected to it.
    pub async fn drop_database(self) {
        let admin = sqlx::AnyPool::connect(&self.admin_url).await.expect("admin connection");
        sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&admin).await.ok();
        admin.close().await;
    }
}
