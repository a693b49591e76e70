//! Fresh stores for each story, and small export folders written from text.

use byname_pipeline::import::{ImportKind, ImportOptions, ImportOutcome, Silent};
use byname_store::Accounts;
use byname_store::{Casework, SqlStore, Store};
use byname_test_support::PostgresDatabase;
use std::path::{Path, PathBuf};

pub struct TestStore {
    pub store: SqlStore,
    pub label: &'static str,
    /// The database's URL, for a second connection to the same database.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres_database: Option<PostgresDatabase>,
}

impl TestStore {
    pub async fn drop_database(self) {
        self.store.close().await;
        if let Some(database) = self.postgres_database {
            database.drop_database().await;
        }
    }
}

async fn sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("byname.db").display());
    TestStore {
        store: SqlStore::connect(&url).await.unwrap(),
        url,
        label: "sqlite",
        _dir: Some(dir),
        postgres_database: None,
    }
}

async fn postgres() -> Option<TestStore> {
    let database = PostgresDatabase::create("the PostgreSQL half of this story").await?;
    let url = database.url.clone();
    let store = SqlStore::connect(&url).await.unwrap();
    Some(TestStore { store, url, label: "postgres", _dir: None, postgres_database: Some(database) })
}

/// Runs a story against SQLite and, when it can, PostgreSQL.
pub async fn each_store<F>(story: F)
where
    F: AsyncFn(&SqlStore, &'static str),
{
    let mut stores = vec![sqlite().await];
    stores.extend(postgres().await);
    for test_store in stores {
        story(&test_store.store, test_store.label).await;
        test_store.drop_database().await;
    }
}

/// Runs a story against SQLite and, when it can, PostgreSQL, with the database's URL so the
/// story can open a second connection to it, as a second server would.
pub async fn each_store_with_url<F>(story: F)
where
    F: AsyncFn(&SqlStore, &'static str, &str),
{
    let mut stores = vec![sqlite().await];
    stores.extend(postgres().await);
    for test_store in stores {
        story(&test_store.store, test_store.label, &test_store.url).await;
        test_store.drop_database().await;
    }
}

/// A folder of files written from text, for one export.
pub struct Export {
    pub dir: tempfile::TempDir,
}

impl Export {
    pub fn new(files: &[(&str, &str)]) -> Self {
        let export = Self { dir: tempfile::tempdir().unwrap() };
        for (name, text) in files {
            export.write(name, text.as_bytes());
        }
        export
    }

    pub fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.dir.path().join(name), bytes).unwrap();
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

pub fn now() -> String {
    byname_store::sql_instant(instant())
}

/// The instant every story happens at.
pub fn instant() -> time::OffsetDateTime {
    time::macros::datetime!(2024-07-01 12:00 UTC)
}

pub async fn import(
    store: &SqlStore,
    kind: ImportKind,
    path: &Path,
) -> Result<ImportOutcome, byname_pipeline::ImportError> {
    import_with(store, kind, path, &ImportOptions::default()).await
}

pub async fn import_with(
    store: &SqlStore,
    kind: ImportKind,
    path: &Path,
    options: &ImportOptions,
) -> Result<ImportOutcome, byname_pipeline::ImportError> {
    byname_pipeline::import::import(store, kind, path, options, &Silent, &byname_pipeline::FixedClock(instant())).await
}

pub async fn snapshot(store: &SqlStore) -> byname_store::Snapshot {
    store.snapshot().await.unwrap()
}

/// A small CHAIN export, written as a partnership's system would.
pub const PERSONS: &str = "\
chain_id,first_name,last_name,aliases,date_of_birth,gender,nationality,ethnicity,immigration_status,support_needs,history,last_settled_base,nhs_number
C001,John,Smith,Johnny Smith;J Smyth,1975-03-02,male,United Kingdom,,british_or_irish,alcohol;mental_health,prison,private_rented,943 476 5919
C002,Ștefan,Popescu,,1988,male,Romania,White: Roma,pre_settled,,,,
C003,Amina,Yusuf,,1990-11-30,female,Eritrea,,refugee,mental_health,,,
";

pub const CONTACTS: &str = "\
contact_id,chain_id,contact_date,contact_time,team,borough,location,latitude,longitude,bedded_down,contact_type
CT1,C001,2024-06-01,23:10,Westminster Outreach North,Westminster,\"Strand, doorway near Charing Cross\",51.5080,-0.1247,Y,outreach
CT2,C001,2024-06-20,,Westminster Outreach North,Westminster,Strand,,,Y,outreach
CT3,C002,2024-06-15,02:30,Night Outreach,Westminster,Marble Arch,51.5131,-0.1589,Y,outreach
CT4,C003,2024-06-25,10:00,Street Engagement,Westminster,The Passage day centre,,,N,day_centre
CT5,C003,2023-01-10,01:00,Night Outreach,Westminster,Victoria Station,,,Y,outreach
";

pub const STAYS: &str = "\
stay_id,chain_id,provider,stay_type,arrival_date,departure_date,departure_reason
S1,C001,Hostel North,hostel,2023-02-01,2023-08-01,evicted
S2,C003,St Thomas' Hospital,hospital,2024-05-01,2024-05-20,other
";

pub fn chain_export() -> Export {
    Export::new(&[("persons.csv", PERSONS), ("contacts.csv", CONTACTS), ("stays.csv", STAYS)])
}

pub const CLIENTS: &str = "\
inform_id,forename,surname,known_as,dob,sex,nationality_code,nhs_number,chain_id
INF-1,Stefan,Popescu,Stef,,M,ROU,,C002
INF-2,JOHN,SMITH,Johnny,02/03/1975,M,GBR,,C001
INF-3,Amina,Yusuf,,30/11/1990,F,ERI,,C001
INF-4,Peter,Brown,,01/01/1960,M,GBR,9434765919,
";

pub const PLACEMENTS: &str = "\
placement_id,inform_id,service,service_type,start_date,end_date,end_reason
PL1,INF-2,Hostel North,hostel,01/02/2023,01/08/2023,evicted
PL2,INF-4,Housing First Westminster,housing_first,01/03/2024,,
";

pub const ASSESSMENTS: &str = "\
inform_id,assessed_on,alcohol,drugs,mental_health,physical_health
INF-2,01/02/2023,Yes,No,Yes,
INF-4,01/03/2024,No,Yes,No,No
";

pub fn inform_export() -> Export {
    Export::new(&[("clients.csv", CLIENTS), ("placements.csv", PLACEMENTS), ("assessments.csv", ASSESSMENTS)])
}

/// A signed-in user of the given role.
/// A signed-in user of the outreach service, whose teams made the fixture's street contacts.
pub async fn user(store: &SqlStore, username: &str, role: &str) -> byname_casework::accounts::SessionUser {
    user_of(store, username, role, "Westminster Outreach Service").await
}

/// A signed-in user of an organisation. The outreach service's teams are named as in the fixture.
pub async fn user_of(
    store: &SqlStore,
    username: &str,
    role: &str,
    organisation: &str,
) -> byname_casework::accounts::SessionUser {
    let organisation = store.upsert_organisation(organisation, "partner").await.unwrap();
    if store
        .organisations()
        .await
        .unwrap()
        .iter()
        .any(|o| o.id == organisation && o.name == "Westminster Outreach Service")
    {
        for team in ["Westminster Outreach North", "Night Outreach"] {
            store.add_organisation_name(team, organisation).await.unwrap();
        }
    }
    byname_casework::accounts::add_user(
        store,
        username,
        username,
        role,
        organisation,
        "correct horse battery",
        instant(),
    )
    .await
    .unwrap();
    let token = byname_casework::accounts::sign_in(
        store,
        username,
        "correct horse battery",
        time::macros::datetime!(2024-07-01 12:00 UTC),
    )
    .await
    .unwrap();
    byname_casework::accounts::session(store, &token, time::macros::datetime!(2024-07-01 12:05 UTC))
        .await
        .unwrap()
        .unwrap()
}

/// A generated partnership's exports (and truth.csv) written to a temporary folder.
pub fn generated_partnership(seed: u64, from: time::Date, to: time::Date, scale: f64) -> tempfile::TempDir {
    let dataset = byname_synth::generate(&byname_synth::Settings { seed, from, to, scale });
    let dir = tempfile::tempdir().unwrap();
    dataset
        .write_all(&mut |relative: &str| {
            let path = dir.path().join(relative);
            std::fs::create_dir_all(path.parent().unwrap())?;
            std::fs::File::create(path)
        })
        .unwrap();
    dir
}
