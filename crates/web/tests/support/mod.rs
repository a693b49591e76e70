//! The state both web test binaries start from: a SQLite store holding a
//! small CHAIN export, linked, with one outreach worker, on 1 July 2024.

use byname_pipeline::FixedClock;
use byname_pipeline::import::{ImportKind, ImportOptions, Silent};
use byname_store::Accounts;
use byname_store::{Casework, SqlStore};
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
    let clock = FixedClock(datetime!(2024-07-01 09:00 UTC));
    byname_pipeline::import::import(&store, ImportKind::Chain, &export, &ImportOptions::default(), &Silent, &clock)
        .await
        .unwrap();
    byname_pipeline::link::link(&store, &Default::default(), time::macros::datetime!(2024-07-01 09:00 UTC))
        .await
        .unwrap();
    let organisation = store.upsert_organisation("Westminster Outreach Service", "outreach").await.unwrap();
    // The service's teams as the exports name them: its workers see the people they met.
    for team in ["Westminster Outreach West End", "Night Outreach"] {
        store.add_organisation_name(team, organisation).await.unwrap();
    }
    byname_casework::accounts::add_user(
        &store,
        "worker",
        "Sam Worker",
        "outreach_worker",
        organisation,
        PASSWORD,
        clock.0,
    )
    .await
    .unwrap();
    let clock = Arc::new(FixedClock(datetime!(2024-07-01 09:00 UTC)));
    let state =
        byname_web::AppState::new(store.clone(), clock, byname_web::Config { secure_cookies, ..Default::default() });
    (store, state)
}

/// Enough people for the model to learn from, every eleventh with a second record.
pub fn many_persons() -> String {
    const FIRST: [&str; 12] =
        ["Adam", "Carla", "Dawit", "Elena", "Femi", "Grace", "Ioana", "Jakub", "Liam", "Rosa", "Samir", "Uma"];
    const LAST: [&str; 15] = [
        "Abebe", "Baker", "Dobrev", "Evans", "Farah", "Hughes", "Ionescu", "Jones", "Lungu", "Nowak", "Popa", "Radu",
        "Stoica", "Walsh", "Osei",
    ];
    let mut csv = String::from("chain_id,first_name,last_name,date_of_birth\n");
    for i in 0..240 {
        let date = format!("19{:02}-{:02}-{:02}", 50 + i % 50, 1 + i % 12, 1 + (i * 7) % 28);
        let (first, last) = (FIRST[i % 12], LAST[(i / 12 + i) % 15]);
        csv.push_str(&format!("C{i:04},{first},{last},{date}\n"));
        if i % 11 == 3 {
            csv.push_str(&format!("E{i:04},{first},{last},{date}\n"));
        }
    }
    csv
}

/// An analyst `analyst` of the council, with the same password as the worker.
pub async fn add_analyst(store: &SqlStore) {
    let organisation = store.upsert_organisation("Westminster City Council", "council").await.unwrap();
    byname_casework::accounts::add_user(
        store,
        "analyst",
        "Ana Lyst",
        "analyst",
        organisation,
        PASSWORD,
        time::macros::datetime!(2024-07-01 09:00 UTC),
    )
    .await
    .unwrap();
}
