//! A person's rights over their data: erasure (gone from every view, and kept from coming back by
//! linkage or the next import), restriction and its lift, and retention.

use crate::support::*;
use byname_casework::by_name_list::{ListQuery, by_name_list};
use byname_casework::casework::{self, CaseError, ContactForm};
use byname_casework::escalations::{self as esc, RaiseForm};
use byname_casework::privacy::{self, PrivacyError};
use byname_casework::{audit, render, resources};
use byname_domain::access::Purpose;
use byname_domain::period::Period;
use byname_pipeline::import::ImportKind;
use byname_pipeline::link::link;
use byname_pipeline::statistics;
use byname_store::{AuditQuery, Casework, Privacy, SqlStore};
use byname_store::{Imports, Linkage};
use time::macros::{date, datetime};

fn today() -> time::Date {
    date!(2024 - 07 - 01)
}

const HEALTH: &str = "event_id,nhs_number,name,date_of_birth,event_type,event_date,provider\n\
     HE1,943 476 5919,John Smith,1975-03-02,flu_vaccination,2023-10-10,Joint Homelessness Team\n\
     HE2,401 023 2137,Someone Else,1980-01-01,gp_registration,2024-01-05,Great Chapel Street Medical Centre\n";

/// The CHAIN and Inform fixtures and a health partner's events, imported and linked; returns the
/// exports so a story can import them again.
async fn partnership(store: &SqlStore) -> (Export, Export, Export) {
    let (chain, inform) = (chain_export(), inform_export());
    let health = Export::new(&[("health-events.csv", HEALTH)]);
    import(store, ImportKind::Chain, chain.path()).await.unwrap();
    import(store, ImportKind::Inform, inform.path()).await.unwrap();
    import(store, ImportKind::Health, &health.file("health-events.csv")).await.unwrap();
    link(store, &Default::default(), instant()).await.unwrap();
    (chain, inform, health)
}

/// The person the CHAIN record C001 (John) belongs to.
async fn john(store: &SqlStore) -> Option<i64> {
    let membership = store.person_membership().await.unwrap();
    membership.iter().find(|(s, id, _)| s == "chain" && id == "C001").map(|m| m.2)
}

async fn chain_total(store: &SqlStore) -> f64 {
    let statistics = statistics::key_statistics(store, Period::parse("2024-06").unwrap(), &Default::default(), today())
        .await
        .unwrap();
    statistics.figures.metrics.get("chain.total").unwrap()
}

async fn on_list(store: &SqlStore, user: &byname_casework::accounts::SessionUser, person: i64) -> bool {
    let page = by_name_list(store, user, ListQuery::default(), today(), instant()).await.unwrap();
    page.entries.iter().any(|e| e.person_id == person)
}

#[tokio::test]
async fn an_erased_person_is_gone_everywhere_and_neither_linkage_nor_an_import_brings_them_back() {
    each_store(async |store, label| {
        let (chain, inform, health) = partnership(store).await;
        let john = john(store).await.unwrap();
        let johns_records: Vec<(String, String)> = store
            .person_membership()
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.2 == john)
            .map(|(source, id, _)| (source, id))
            .collect();
        assert!(johns_records.len() >= 2, "{label}: John is linked across CHAIN and Inform: {johns_records:?}");

        // Work on John of every kind.
        let worker = user(store, "worker", "outreach_worker").await;
        let other = user_of(store, "daycentre", "outreach_worker", "The Passage").await;
        let _leader = {
            let leader = user_of(store, "housing", "service_leader", "Westminster Housing").await;
            let row = store.user_by_id(leader.id).await.unwrap().unwrap();
            byname_casework::accounts::set_profile(store, row.id, "service_leader", Some("housing"), false)
                .await
                .unwrap();
            leader
        };
        casework::person_page(store, &worker, john, today(), instant()).await.unwrap();
        assert!(on_list(store, &worker, john).await, "{label}");
        casework::record_consent(
            store,
            &worker,
            john,
            Purpose::CaseCoordination,
            Some(vec![other.organisation_id]),
            today(),
            None,
            today(),
            instant(),
        )
        .await
        .unwrap();
        casework::add_action(store, &worker, john, "Book a GP appointment", None, None, today(), instant())
            .await
            .unwrap();
        let form = ContactForm {
            date: "2024-07-01".into(),
            place: "Strand".into(),
            bedded_down: true,
            note: "Asked for a sleeping bag".into(),
            ..Default::default()
        };
        casework::record_contact(store, &worker, john, &form, today(), instant()).await.unwrap();
        let noon = datetime!(2024-07-01 12:00 UTC);
        let raise = RaiseForm {
            service_area: "housing".into(),
            blocked: "No decision on the homeless application".into(),
            needed: "A decision".into(),
            needed_by: String::new(),
        };
        let escalation = esc::raise(store, &worker, john, &raise, noon).await.unwrap();
        let room = resources::add(store, &worker, "hotel_room", "Room 12, Victoria", "2024-07-01", noon).await.unwrap();
        resources::offer(store, &worker, room, john, "Sleeping out in the cold", noon).await.unwrap();
        casework::break_glass(store, &other, john, "Collapsed at the day centre", noon).await.unwrap();
        let total_before = chain_total(store).await;
        let persons_before = statistics::snapshot(store, instant().date()).await.unwrap().0.people.len();
        assert!(audit::subject_access(store, john, instant()).await.unwrap().is_some());

        // Bad input changes nothing.
        let before = snapshot(store).await;
        assert!(matches!(privacy::erase(store, john, "  ", instant()).await, Err(PrivacyError::NoReason)), "{label}");
        let unknown = privacy::erase(store, 999_999, "Asked by the subject", instant()).await;
        assert!(matches!(unknown, Err(PrivacyError::NotFound(999_999))), "{label}");
        assert!(unknown.unwrap_err().to_string().contains("no person 999999"));
        assert_eq!(snapshot(store).await, before, "{label}: a refused erasure changes nothing");

        let counts = privacy::erase(store, john, "Subject's request, ticket 42", instant()).await.unwrap();
        assert_eq!(counts.rows("source_records"), johns_records.len() as u64, "{label}: {counts:?}");
        assert_eq!(counts.rows("persons"), 1);
        for table in ["contacts", "stays", "assessments", "health_events", "consents", "consent_organisations"] {
            assert!(counts.rows(table) >= 1, "{label}: {table} in {counts:?}");
        }
        for table in ["actions", "escalations", "escalation_events", "notifications", "resource_offers"] {
            assert!(counts.rows(table) >= 1, "{label}: {table} in {counts:?}");
        }
        assert_eq!(counts.rows("break_glass (anonymised)"), 1, "{label}");

        // Gone from the list, the page, the escalation, the export, the subject access export and
        // the statistics.
        assert!(!on_list(store, &worker, john).await, "{label}");
        assert!(matches!(
            casework::person_page(store, &worker, john, today(), instant()).await,
            Err(CaseError::NotFound)
        ));
        assert!(esc::escalation_page(store, &worker, escalation, noon).await.is_err(), "{label}");
        assert!(john_gone(store, &johns_records).await, "{label}");
        assert!(audit::subject_access(store, john, instant()).await.unwrap().is_none(), "{label}");
        assert_eq!(chain_total(store).await, total_before - 1.0, "{label}: John was bedded down in June");
        let (population, _) = statistics::snapshot(store, instant().date()).await.unwrap();
        assert_eq!(population.people.len(), persons_before - 1, "{label}");
        assert!(population.people.iter().all(|p| p.id != john));

        // Linkage does not rebuild him, and the same exports imported again skip his rows.
        link(store, &Default::default(), instant()).await.unwrap();
        link(
            store,
            &byname_pipeline::link::LinkSettings { mode: byname_pipeline::link::LinkMode::Full, ..Default::default() },
            instant(),
        )
        .await
        .unwrap();
        assert!(john_gone(store, &johns_records).await, "{label}: relinked");
        let again = import(store, ImportKind::Chain, chain.path()).await.unwrap();
        // C001, his two contacts and his stay.
        assert_eq!((again.summary.erased, again.summary.rejected), (4, 0), "{label}: {:?}", again.summary);
        let again = import(store, ImportKind::Inform, inform.path()).await.unwrap();
        assert!(again.summary.erased >= 2 && again.summary.rejected == 0, "{label}: {:?}", again.summary);
        let again = import(store, ImportKind::Health, &health.file("health-events.csv")).await.unwrap();
        assert_eq!((again.summary.erased, again.summary.rejected), (1, 0), "{label}: his NHS number");
        assert_eq!(store.import_history(1).await.unwrap()[0].erased, 1, "{label}: kept with the import");
        link(store, &Default::default(), instant()).await.unwrap();
        assert!(john_gone(store, &johns_records).await, "{label}: re-imported");
        assert!(!store.person_held(john).await.unwrap());

        // The tombstones are keyed hashes, never the ids or numbers themselves.
        let digests = store.erased_digests().await.unwrap();
        assert!(digests.len() > johns_records.len(), "{label}: the records and the NHS number");
        assert!(digests.iter().all(|d| d.len() == 64 && !d.contains("C001") && !d.contains("9434765919")));

        // The audit log keeps the erasure, without the person's data, and its chain holds.
        let entries = store
            .search_audit(&AuditQuery { action: Some("erase_person".into()), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(entries.len(), 1, "{label}");
        let entry = &entries[0].entry;
        assert_eq!(entry.person_id, Some(john));
        let detail = entry.detail.clone().unwrap();
        assert!(detail.contains("ticket 42") && detail.contains("source_records"), "{label}: {detail}");
        assert!(!detail.contains("Smith") && !detail.contains("C001"), "{label}: {detail}");
        let verification = audit::verify(store).await.unwrap();
        assert_eq!(verification.broken_at, None, "{label}: {}", verification.report());
    })
    .await;
}

/// None of the records is in `persons export`, and none is held at all.
async fn john_gone(store: &SqlStore, records: &[(String, String)]) -> bool {
    let membership = store.person_membership().await.unwrap();
    let exported = membership.iter().any(|(s, id, _)| records.iter().any(|(rs, rid)| rs == s && rid == id));
    let ids = store.link_inputs(false).await.unwrap();
    let held = ids.iter().any(|r| records.iter().any(|(rs, rid)| *rs == r.source && *rid == r.source_id));
    !exported && !held
}

#[tokio::test]
async fn a_restricted_person_is_used_for_nothing_but_the_audit_and_subject_access_until_lifted() {
    each_store(async |store, label| {
        partnership(store).await;
        let john = john(store).await.unwrap();
        let worker = user(store, "worker", "outreach_worker").await;
        let analyst = user_of(store, "analyst", "analyst", "Westminster City Council").await;
        let membership_before = store.person_membership().await.unwrap();
        let total_before = chain_total(store).await;
        let noon = datetime!(2024-07-01 12:00 UTC);
        let raise = RaiseForm {
            service_area: "housing".into(),
            blocked: "No decision on the homeless application".into(),
            needed: "A decision".into(),
            needed_by: String::new(),
        };
        let escalation = esc::raise(store, &worker, john, &raise, noon).await.unwrap();
        let label_of = async || esc::escalation_page(store, &worker, escalation, noon).await.unwrap().item.person;
        assert_eq!(label_of().await.text, "John Smith");
        assert!(byname_casework::review::person_linkage(store, &worker, john, today(), instant()).await.is_ok());

        assert!(matches!(privacy::restrict(store, john, "", instant()).await, Err(PrivacyError::NoReason)));
        assert!(matches!(privacy::restrict(store, 999_999, "x", instant()).await, Err(PrivacyError::NotFound(_))));
        assert!(matches!(privacy::lift(store, john, instant()).await, Err(PrivacyError::NotRestricted(_))));
        let records = privacy::restrict(store, john, "Accuracy contested by the subject", instant()).await.unwrap();
        assert!(records >= 2, "{label}");
        assert!(matches!(
            privacy::restrict(store, john, "again", instant()).await,
            Err(PrivacyError::AlreadyRestricted(_))
        ));

        assert!(!on_list(store, &worker, john).await, "{label}");
        assert!(matches!(
            casework::person_page(store, &worker, john, today(), instant()).await,
            Err(CaseError::NotFound)
        ));
        let shown = label_of().await;
        assert!(!shown.linked && !shown.text.contains("John"), "{label}: {shown:?}");
        assert!(matches!(
            byname_casework::review::person_linkage(store, &analyst, john, today(), instant()).await,
            Err(byname_casework::review::ReviewError::NotFound)
        ));
        let exported = store.person_membership().await.unwrap();
        assert!(exported.iter().all(|m| m.2 != john), "{label}: not in persons export");
        assert_eq!(exported.len(), membership_before.len() - records as usize);
        assert_eq!(chain_total(store).await, total_before - 1.0, "{label}");
        // Linkage leaves the records out, and keeps them as they were.
        link(store, &Default::default(), instant()).await.unwrap();
        assert!(store.person_membership().await.unwrap().iter().all(|m| m.2 != john), "{label}");
        assert!(
            store.link_inputs(false).await.unwrap().iter().all(|r| !(r.source == "chain" && r.source_id == "C001"))
        );
        // The subject may still see everything held on them.
        let sar = render::subject_access_json(
            &audit::subject_access(store, john, instant()).await.unwrap().expect("still held"),
        );
        assert_eq!(sar["records"].as_array().unwrap().len(), records as usize, "{label}");
        assert_eq!(sar["restriction"]["reason"], "Accuracy contested by the subject");
        // Retention leaves a restricted person alone.
        let plan = privacy::retention_plan(store, date!(2040 - 01 - 01)).await.unwrap();
        assert!(plan.people.iter().all(|p| p.person_id != john) && plan.restricted == 1, "{label}");

        assert_eq!(privacy::lift(store, john, instant()).await.unwrap(), records);
        link(store, &Default::default(), instant()).await.unwrap();
        assert_eq!(store.person_membership().await.unwrap(), membership_before, "{label}: as before");
        assert!(on_list(store, &worker, john).await, "{label}");
        assert_eq!(chain_total(store).await, total_before);
        for action in ["restrict_person", "lift_restriction"] {
            let entries = store
                .search_audit(&AuditQuery { action: Some(action.into()), limit: 10, ..Default::default() })
                .await
                .unwrap();
            assert_eq!(entries.len(), 1, "{label}: {action}");
            assert_eq!(entries[0].entry.person_id, Some(john));
        }
        assert_eq!(audit::verify(store).await.unwrap().broken_at, None);
    })
    .await;
}

#[tokio::test]
async fn retention_erases_exactly_the_people_not_seen_since_the_cut_off_and_a_dry_run_changes_nothing() {
    each_store(async |store, label| {
        partnership(store).await;
        let person_of = async |source: &str, id: &str| {
            store.person_membership().await.unwrap().iter().find(|m| m.0 == source && m.1 == id).unwrap().2
        };
        let (john, stefan, amina, peter) = (
            person_of("chain", "C001").await,
            person_of("chain", "C002").await,
            person_of("chain", "C003").await,
            person_of("inform", "INF-4").await,
        );
        assert_eq!(privacy::retention_months(store).await.unwrap(), 72, "{label}: six years by default");
        privacy::set_retention_months(store, 12).await.unwrap();
        assert!(matches!(privacy::set_retention_months(store, 0).await, Err(PrivacyError::Months(0))));

        // On 2025-06-20, twelve months back is 2024-06-20: Stefan was last seen on 2024-06-15;
        // John on 2024-06-20 (on the cut-off, kept) unless Peter's open placement is his too;
        // Amina on 2024-06-25.
        let day = date!(2025 - 06 - 20);
        let before = snapshot(store).await;
        let plan = privacy::retention_plan(store, day).await.unwrap();
        assert_eq!(snapshot(store).await, before, "{label}: a dry run changes nothing");
        assert_eq!(plan.cutoff, "2024-06-20");
        let seen = store.last_seen(time::macros::date!(2025 - 06 - 20)).await.unwrap();
        let expected: Vec<i64> =
            seen.iter().filter(|p| p.last_seen.as_str() < "2024-06-20").map(|p| p.person_id).collect();
        let mut planned: Vec<i64> = plan.people.iter().map(|p| p.person_id).collect();
        planned.sort();
        assert_eq!(planned, expected, "{label}");
        assert!(planned.contains(&stefan) && !planned.contains(&amina), "{label}: {:?}", plan.people);
        let stefans = plan.people.iter().find(|p| p.person_id == stefan).unwrap();
        assert_eq!(stefans.last_seen, "2024-06-15");
        if peter != john {
            // An open placement counts as seen today.
            assert!(!planned.contains(&peter), "{label}");
        }

        let erased = privacy::apply_retention(store, &plan, instant()).await.unwrap();
        assert_eq!(erased, planned.len(), "{label}");
        for person in &planned {
            assert!(!store.person_held(*person).await.unwrap(), "{label}: {person}");
        }
        assert!(store.person_held(amina).await.unwrap());
        let entries = store
            .search_audit(&AuditQuery { action: Some("erase_person".into()), limit: 10, ..Default::default() })
            .await
            .unwrap();
        assert_eq!(entries.len(), planned.len());
        assert!(
            entries.iter().any(|e| e.entry.detail.as_deref().unwrap().contains("retention: not seen since 2024-06-15"))
        );
        assert!(privacy::retention_plan(store, day).await.unwrap().people.is_empty(), "{label}: done");
    })
    .await;
}
