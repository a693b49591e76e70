//! The subject access export: everything held on a person, every table and column that holds
//! person data, decided for every table of the schema, and nothing of anyone else.

use crate::support::*;
use byname_casework::escalations::{self as esc, RaiseForm};
use byname_casework::{audit, casework, render, resources, review};
use byname_domain::access::Purpose;
use byname_pipeline::import::ImportKind;
use byname_pipeline::link::link;
use byname_store::Linkage;
use byname_store::{NO_PERSON_TABLES, PERSON_TABLES, SqlStore};
use serde_json::Value;
use std::collections::BTreeSet;
use time::macros::{date, datetime};

#[tokio::test]
async fn every_table_of_the_schema_is_declared_as_holding_person_data_or_not() {
    each_store(async |store, label| {
        let schema = store.schema_columns().await.unwrap();
        let person: BTreeSet<&str> = PERSON_TABLES.iter().map(|t| t.table).collect();
        let none: BTreeSet<&str> = NO_PERSON_TABLES.iter().map(|(t, _)| *t).collect();
        assert_eq!(person.len(), PERSON_TABLES.len(), "a table declared twice");
        assert_eq!(none.len(), NO_PERSON_TABLES.len(), "a table declared twice");
        for table in schema.keys() {
            let declared = usize::from(person.contains(table.as_str())) + usize::from(none.contains(table.as_str()));
            assert_eq!(
                declared, 1,
                "{label}: table {table} must be in exactly one of byname_store::PERSON_TABLES (with how a row is tied \
                 to a person) and NO_PERSON_TABLES (with why it holds no person data): it is in {declared}"
            );
        }
        for table in person.iter().chain(&none) {
            assert!(schema.contains_key(*table), "{label}: {table} is declared but not in the schema");
        }
        for t in PERSON_TABLES {
            for (column, reason) in t.withheld {
                assert!(
                    schema[t.table].iter().any(|c| c == column),
                    "{label}: {}.{column} withheld, not in schema",
                    t.table
                );
                assert!(!reason.is_empty());
            }
        }
        for (table, reason) in NO_PERSON_TABLES {
            assert!(reason.len() > 10, "{table}: say why it holds no person data");
        }
    })
    .await;
}

const PERSONS: &str = "\
chain_id,first_name,last_name,aliases,date_of_birth,gender,nationality,ethnicity,immigration_status,support_needs,history,last_settled_base,nhs_number,keyworker
C001,John,Smith,Johnny Smith;J Smyth,1975-03-02,male,United Kingdom,White: Irish,settled,alcohol;mental_health,prison;care,private_rented,943 476 5919,Kay Worker
C002,Zebedee,Quarrington,Zeb Q,1961-01-01,male,Ireland,Quarrington ethnicity,pre_settled,drugs,armed_forces,tied,401 023 2137,Quarrington Keyworker
";
const CONTACTS: &str = "\
contact_id,chain_id,contact_date,contact_time,team,borough,location,latitude,longitude,bedded_down,contact_type
CT1,C001,2024-06-01,23:10,Westminster Outreach North,Westminster,Strand doorway,51.5080,-0.1247,Y,outreach
CT2,C001,2024-06-20,01:15,Night Outreach,Camden,Euston Road,51.5281,-0.1337,Y,street_count
CT3,C002,2024-06-21,02:00,Night Outreach,Westminster,Quarrington Corner,51.5,-0.1,Y,outreach
";
const STAYS: &str = "\
stay_id,chain_id,provider,stay_type,arrival_date,departure_date,departure_reason
S1,C001,Hostel North,hostel,2023-02-01,2023-08-01,evicted
S2,C002,Quarrington House,hostel,2023-02-01,2023-08-01,abandoned
";
const CLIENTS: &str = "\
inform_id,forename,surname,known_as,dob,sex,nationality_code,nhs_number,chain_id
INF-1,Jon,Smith,Smithy,02/03/1975,M,GBR,943 476 5919,C001
INF-2,Zebedee,Quarrington,Quarry,01/01/1961,M,IRL,401 023 2137,C002
";
const PLACEMENTS: &str = "\
placement_id,inform_id,service,service_type,start_date,end_date,end_reason
PL1,INF-1,Housing First Westminster,housing_first,01/03/2024,01/05/2024,move_on
PL2,INF-2,Quarrington Housing,hostel,01/03/2024,,
";
const ASSESSMENTS: &str = "\
inform_id,assessed_on,alcohol,drugs,mental_health,physical_health
INF-1,01/02/2024,Yes,No,Yes,No
INF-2,01/02/2024,No,Yes,No,Yes
";
const HEALTH: &str = "\
event_id,nhs_number,name,date_of_birth,event_type,event_date,provider
HE1,943 476 5919,John Smith,1975-03-02,flu_vaccination,2023-10-10,Joint Homelessness Team
HE2,401 023 2137,Zebedee Quarrington,1961-01-01,gp_registration,2024-01-05,Quarrington Clinic
";

async fn person_of(store: &SqlStore, source_id: &str) -> i64 {
    store.person_membership().await.unwrap().iter().find(|(_, id, _)| id == source_id).unwrap().2
}

fn rows<'a>(export: &'a Value, table: &str) -> &'a Vec<Value> {
    export["tables"][table].as_array().unwrap_or_else(|| panic!("no table {table} in the export"))
}

#[tokio::test]
async fn a_subject_access_export_holds_every_row_and_column_on_the_person_and_nothing_of_anyone_else() {
    each_store(async |store, label| {
        let chain = Export::new(&[("persons.csv", PERSONS), ("contacts.csv", CONTACTS), ("stays.csv", STAYS)]);
        import(store, ImportKind::Chain, chain.path()).await.unwrap();
        let inform =
            Export::new(&[("clients.csv", CLIENTS), ("placements.csv", PLACEMENTS), ("assessments.csv", ASSESSMENTS)]);
        import(store, ImportKind::Inform, inform.path()).await.unwrap();
        let health = Export::new(&[("health-events.csv", HEALTH)]);
        import(store, ImportKind::Health, &health.file("health-events.csv")).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let john = person_of(store, "C001").await;
        let zeb = person_of(store, "C002").await;
        assert_eq!(person_of(store, "INF-1").await, john, "{label}: one NHS number, one person");
        assert_ne!(zeb, john);

        // Case work on John, and some on Zebedee that must stay out of John's export.
        let today = date!(2024 - 07 - 01);
        let noon = datetime!(2024-07-01 12:00 UTC);
        let worker = user(store, "worker", "outreach_worker").await;
        let other = user_of(store, "daycentre", "outreach_worker", "The Passage").await;
        for person in [john, zeb] {
            casework::record_consent(
                store,
                &worker,
                person,
                Purpose::CaseCoordination,
                None,
                today,
                None,
                today,
                instant(),
            )
            .await
            .unwrap();
            let what = if person == john { "Book GP registration" } else { "Quarrington action" };
            casework::add_action(store, &worker, person, what, None, Some(date!(2024 - 07 - 10)), today, instant())
                .await
                .unwrap();
        }
        let form = RaiseForm {
            service_area: "housing".into(),
            blocked: "Hostel place refused twice".into(),
            needed: "A decision on the homeless application".into(),
            needed_by: String::new(),
        };
        let escalation = esc::raise(store, &worker, john, &form, noon).await.unwrap();
        esc::comment(store, &worker, escalation, "Chased the council by phone", noon).await.unwrap();
        let room = resources::add(store, &worker, "hotel_room", "Room 12, Victoria", "2024-07-01", noon).await.unwrap();
        resources::offer(store, &worker, room, john, "Sleeping out in the cold, agreed at the huddle", noon)
            .await
            .unwrap();
        casework::break_glass(store, &other, john, "Safeguarding concern raised at night", noon).await.unwrap();
        let records = store.person_records(john).await.unwrap();
        let (left, right) = (records[0].record_id, records[1].record_id);
        // A pair already linked is decided by one who sees the full record (a reviewer outside it
        // reaches only the review queue's pairs and their own decisions).
        let lead = user(store, "lead", "service_lead").await;
        review::decide(store, &lead, left, right, true, "same NHS number and birth date", instant()).await.unwrap();
        casework::person_page(store, &worker, john, today, instant()).await.unwrap();

        let export =
            render::subject_access_json(&audit::subject_access(store, john, instant()).await.unwrap().unwrap());
        // The public fields are all still there.
        for field in
            ["person_id", "exported_at", "records", "needs", "timeline", "consents", "lead", "actions", "access_log"]
        {
            assert!(export.get(field).is_some(), "{label}: {field}");
        }
        // Every table that holds person data, each row with every column of the schema.
        let schema = store.schema_columns().await.unwrap();
        for t in PERSON_TABLES {
            for row in rows(&export, t.table) {
                let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
                let mut expected: Vec<&String> =
                    schema[t.table].iter().filter(|c| !t.withheld.iter().any(|(w, _)| w == c)).collect();
                let mut keys = keys.clone();
                keys.sort();
                expected.sort();
                assert_eq!(keys, expected, "{label}: {}", t.table);
            }
        }
        let counts: Vec<(&str, usize)> =
            ["persons", "person_links", "source_records", "contacts", "stays", "assessments", "health_events"]
                .into_iter()
                .chain(["consents", "actions", "escalations", "resource_offers", "break_glass", "link_decisions"])
                .map(|t| (t, rows(&export, t).len()))
                .collect();
        assert_eq!(
            counts,
            [
                ("persons", 1),
                ("person_links", 2),
                ("source_records", 2),
                ("contacts", 2),
                ("stays", 2),
                ("assessments", 1),
                ("health_events", 1),
                ("consents", 1),
                ("actions", 1),
                ("escalations", 1),
                ("resource_offers", 1),
                ("break_glass", 1),
                ("link_decisions", 1),
            ],
            "{label}"
        );
        assert!(rows(&export, "escalation_events").len() >= 2, "{label}: raised and commented");
        assert!(!rows(&export, "audit_log").is_empty(), "{label}");

        // The CHAIN record with every column it has filled, and the Inform record's own.
        let records = rows(&export, "source_records");
        let chain_record = records.iter().find(|r| r["source"] == "chain").unwrap();
        for (column, value) in chain_record.as_object().unwrap() {
            // A description and an owning organisation are filled on records entered in byname.
            if !["known_as", "recorded_chain_id", "description", "organisation_id"].contains(&column.as_str()) {
                assert!(!value.is_null(), "{label}: source_records.{column} is empty");
            }
        }
        for (column, value) in [
            ("ethnicity", "White: Irish"),
            ("immigration_status", "settled"),
            ("support_needs", "alcohol;mental_health"),
            ("history", "prison;care"),
            ("last_settled_base", "private_rented"),
            ("nhs_number", "9434765919"),
            ("aliases", "Johnny Smith;J Smyth"),
        ] {
            assert_eq!(chain_record[column], value, "{label}: {column}");
        }
        assert!(chain_record["extra"].as_str().unwrap().contains("Kay Worker"), "{label}");
        let inform_record = records.iter().find(|r| r["source"] == "inform").unwrap();
        assert_eq!(
            (&inform_record["known_as"], &inform_record["recorded_chain_id"]),
            (&"Smithy".into(), &"C001".into())
        );
        let contact = rows(&export, "contacts").iter().find(|c| c["source_id"] == "CT1").unwrap();
        assert_eq!((&contact["latitude"], &contact["contact_time"]), (&51.508.into(), &"23:10".into()), "{label}");
        assert_eq!(rows(&export, "health_events")[0]["provider"], "Joint Homelessness Team", "{label}");
        assert_eq!(rows(&export, "assessments")[0]["alcohol"], 1, "{label}");
        assert_eq!(rows(&export, "resource_offers")[0]["reason"], "Sleeping out in the cold, agreed at the huddle");
        assert_eq!(rows(&export, "break_glass")[0]["reason"], "Safeguarding concern raised at night");
        assert_eq!(rows(&export, "link_decisions")[0]["reason"], "same NHS number and birth date");
        let text = export.to_string();
        for value in
            ["Chased the council by phone", "Book GP registration", "Hostel North", "Housing First Westminster"]
        {
            assert!(text.contains(value), "{label}: {value}");
        }
        // Nothing of Zebedee's.
        for value in ["Quarrington", "Zebedee", "4010232137", "401 023 2137"] {
            assert!(!text.contains(value), "{label}: {value} is someone else's");
        }

        // The export is audited, and shows in the next one.
        let again = render::subject_access_json(&audit::subject_access(store, john, instant()).await.unwrap().unwrap());
        assert!(
            rows(&again, "audit_log").iter().any(|r| r["action"] == "subject_access_export"),
            "{label}: the export is itself audited"
        );
    })
    .await;
}
