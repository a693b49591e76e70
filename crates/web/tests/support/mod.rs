//! The state both web test binaries start from: a SQLite store holding a
//! small CHAIN export, linked, with one outreach worker, on 1 July 2024.

use byname_service::FixedClock;
use byname_service::import::{ImportKind, ImportOptions, Silent};
use byname_store::{SqlStore, Store};
use std::path::Path;
use std::sync::Arc;
use time::macros::datetime;

pub const PASSWORD: &str = "a long enough password";

/// A store in `dir` with `persons` and `contacts` imported and an outreach worker `worker`,
/// and the app state serving it.
pub async fn seeded_state(
    dir: &Path,
    persons: &str,
    contacts: &str,
    secure_cookies: bool,
) -> (SqlStore, Arc<byname_web::AppState<SqlStore>>) {
    let store = SqlStore::connect(&format!("sqlite://{}", dir.join("web.db").display())).await.unwrap();
    let export = dir.join("chain");
    std::fs::create_dir(&export).unwrap();
    std::fs::write(export.join("persons.csv"), persons).unwrap();
    std::fs::write(export.join("contacts.csv"), contacts).unwrap();
    let now = || "2024-07-01T09:00:00Z".to_owned();
    byname_service::import::import(&store, ImportKind::Chain, &export, &ImportOptions::default(), &Silent, &now)
        .await
        .unwrap();
    byname_service::link::link(&store, &Default::default(), &now()).await.unwrap();
    let organisation = store.upsert_organisation("Westminster Outreach Service", "outreach").await.unwrap();
    byname_service::accounts::add_user(
        &store,
        "worker",
        "Sam Worker",
        "outreach_worker",
        organisation,
        PASSWORD,
        &now(),
    )
    .await
    .unwrap();
    let clock = Arc::new(FixedClock(datetime!(2024-07-01 09:00 UTC)));
    let state = byname_web::AppState::new(store.clone(), clock, byname_web::Config { secure_cookies });
    (store, state)
}
