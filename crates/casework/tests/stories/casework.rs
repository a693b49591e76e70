//! Case work on a person: the page each user may see, contacts from the street, consent,
//! break-glass, the action plan, the audit log's hash chain, and the subject access export.

use crate::support::*;
use byname_casework::casework::{self, CaseError, ContactForm};
use byname_casework::{audit, by_name_list, render};
use byname_domain::access::{Basis, PersonView, Purpose};
use byname_pipeline::import::ImportKind;
use byname_pipeline::link::link;
use byname_store::Casework;
use byname_store::Linkage;
use time::macros::{date, datetime};

fn today() -> time::Date {
    date!(2024 - 07 - 01)
}

/// John's person id: the CHAIN record C001.
async fn john(store: &byname_store::SqlStore) -> i64 {
    let membership = store.person_membership().await.unwrap();
    membership.iter().find(|(s, id, _)| s == "chain" && id == "C001").unwrap().2
}

#[tokio::test]
async fn each_user_sees_the_person_page_the_rules_allow_and_every_view_is_audited() {
    each_store(async |store, label| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        let health_events = Export::new(&[(
            "health-events.csv",
            "event_id,nhs_number,name,date_of_birth,event_type,event_date,provider\n\
             HE1,943 476 5919,John Smith,1975-03-02,flu_vaccination,2023-10-10,Joint Homelessness Team\n\
             HE2,401 023 2137,Someone Else,1980-01-01,gp_registration,2024-01-05,Great Chapel Street Medical Centre\n",
        )]);
        import(store, ImportKind::Health, &health_events.file("health-events.csv")).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let john = john(store).await;
        let worker = user(store, "worker", "outreach_worker").await;
        let other = user_of(store, "daycentre", "outreach_worker", "The Passage").await;
        let health = user_of(store, "nurse", "health_partner", "Joint Homelessness Team (NHS)").await;
        let admin = user_of(store, "admin", "admin", "Westminster City Council").await;

        let page = casework::person_page(store, &worker, john, today(), instant()).await.unwrap();
        assert_eq!((page.decision.view, page.decision.basis), (PersonView::Full, Basis::WorksWithPerson), "{label}");
        assert_eq!(page.name, "John Smith");
        assert!(page.timeline.iter().any(|e| e.text.contains("Seen bedded down") && e.text.contains("Strand")));
        assert!(page.timeline.iter().any(|e| e.kind == "stay" && e.text.contains("hostel")));

        let minimal = casework::person_page(store, &other, john, today(), instant()).await.unwrap();
        assert_eq!((minimal.decision.view, minimal.name.as_str()), (PersonView::Minimal, "J. S."));
        assert!(minimal.timeline.is_empty() && minimal.records.is_empty() && minimal.needs.is_empty());
        assert!(minimal.may_break_glass);
        let nurse = casework::person_page(store, &health, john, today(), instant()).await.unwrap();
        assert_eq!(nurse.decision.view, PersonView::Minimal, "no health care consent yet");
        // An administrator sees no person at all: the same answer as for a person who does not exist.
        assert!(matches!(
            casework::person_page(store, &admin, john, today(), instant()).await,
            Err(CaseError::NotFound)
        ));
        assert!(matches!(
            casework::person_page(store, &worker, 999_999, today(), instant()).await,
            Err(CaseError::NotFound)
        ));

        // Consent for health care to the NHS team: the nurse sees needs, not the case timeline.
        let nhs = health.organisation_id;
        casework::record_consent(
            store,
            &worker,
            john,
            Purpose::HealthCare,
            Some(vec![nhs]),
            today(),
            None,
            today(),
            instant(),
        )
        .await
        .unwrap();
        let nurse = casework::person_page(store, &health, john, today(), instant()).await.unwrap();
        assert_eq!((nurse.decision.view, nurse.name.as_str()), (PersonView::Health, "John Smith"), "{label}");
        assert!(nurse.timeline.is_empty() && !nurse.needs.is_empty());
        let events: Vec<&str> = nurse.health_events.iter().map(|e| e.text.as_str()).collect();
        assert_eq!(events, ["Flu vaccination"], "{label}: matched by John's NHS number");
        // ... and the day centre still sees the minimal entry: that consent was for the NHS team.
        let minimal = casework::person_page(store, &other, john, today(), instant()).await.unwrap();
        assert_eq!(minimal.decision.view, PersonView::Minimal);
        assert!(minimal.health_events.is_empty(), "no health events in the minimal entry");

        // The minimal user may not record anything on John.
        let form =
            ContactForm { date: "2024-07-01".into(), place: "Strand".into(), bedded_down: true, ..Default::default() };
        assert!(matches!(
            casework::record_contact(store, &other, john, &form, today(), instant()).await,
            Err(CaseError::Forbidden)
        ));

        // Break-glass: a reason is required; then the full record, for four hours, audited.
        assert!(matches!(
            casework::break_glass(store, &other, john, "  ", datetime!(2024-07-01 12:00 UTC)).await,
            Err(CaseError::Invalid(_))
        ));
        casework::break_glass(
            store,
            &other,
            john,
            "Collapsed in the street, ambulance asking for history",
            datetime!(2024-07-01 12:00 UTC),
        )
        .await
        .unwrap();
        let opened = casework::person_page(store, &other, john, today(), time::macros::datetime!(2024-07-01 12:10 UTC))
            .await
            .unwrap();
        assert_eq!((opened.decision.view, opened.decision.basis), (PersonView::Full, Basis::BreakGlass));
        let later = casework::person_page(store, &other, john, today(), time::macros::datetime!(2024-07-01 17:00 UTC))
            .await
            .unwrap();
        assert_eq!(later.decision.view, PersonView::Minimal, "{label}: break-glass has closed");
        let openings = store.break_glass_openings(Some(other.organisation_id), 10).await.unwrap();
        assert_eq!(openings.len(), 1);

        // Every view is in the audit log with its basis.
        let views = store
            .search_audit(&byname_store::AuditQuery {
                person_id: Some(john),
                action: Some("view_person".into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap();
        let bases: Vec<&str> = views.iter().rev().filter_map(|r| r.entry.basis.as_deref()).collect();
        assert_eq!(
            bases,
            [
                "works_with_person",
                "no_consent",
                "no_consent",
                "consent_health_care",
                "no_consent",
                "break_glass",
                "no_consent"
            ],
            "{label}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_contact_recorded_from_the_street_joins_the_timeline_and_the_list() {
    each_store(async |store, label| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let john = john(store).await;
        let worker = user(store, "worker", "outreach_worker").await;
        let bad = |date: &str, time: &str, place: &str, lat: &str, lon: &str| ContactForm {
            date: date.into(),
            time: time.into(),
            place: place.into(),
            latitude: lat.into(),
            longitude: lon.into(),
            bedded_down: true,
            ..Default::default()
        };
        for (form, says) in [
            (bad("01/07/2024", "", "Strand", "", ""), "not a date"),
            (bad("2024-07-02", "", "Strand", "", ""), "in the future"),
            (bad("2024-07-01", "25:00", "Strand", "", ""), "not a time"),
            (bad("2024-07-01", "", "", "", ""), "say where"),
            (bad("2024-07-01", "", "", "51.5", ""), "both latitude and longitude"),
            (bad("2024-07-01", "", "", "151.5", "0.1"), "not a latitude"),
            (bad("2024-07-01", "", &"x".repeat(3000), "", ""), "at most 2000"),
        ] {
            let error = casework::record_contact(store, &worker, john, &form, today(), instant()).await.unwrap_err();
            assert!(error.to_string().contains(says), "{label}: {error} should say {says}");
        }
        // The list is kept in memory until the data change: read it once before the contact.
        let before = by_name_list::by_name_list(store, &worker, Default::default(), today(), instant()).await.unwrap();
        assert_eq!(before.entries.iter().find(|e| e.person_id == john).unwrap().times_seen, Some(2));
        let form = ContactForm {
            date: "2024-07-01".into(),
            time: "06:30".into(),
            place: "Embankment <station>".into(),
            area: "Westminster".into(),
            latitude: "51.5074".into(),
            longitude: "-0.1223".into(),
            bedded_down: true,
            note: "Asked about the day centre'; DROP TABLE contacts; --".into(),
        };
        // A contact without coordinates first: on PostgreSQL the second must still take them.
        let plain =
            ContactForm { date: "2024-06-30".into(), place: "Strand".into(), bedded_down: true, ..Default::default() };
        casework::record_contact(store, &worker, john, &plain, today(), instant()).await.unwrap();
        casework::record_contact(store, &worker, john, &form, today(), instant()).await.unwrap();
        let page = casework::person_page(store, &worker, john, today(), instant()).await.unwrap();
        let newest = &page.timeline[0];
        assert_eq!(newest.date, "2024-07-01");
        assert!(newest.text.contains("Embankment <station>") && newest.text.contains("DROP TABLE"), "{newest:?}");
        assert_eq!(newest.by.as_deref(), Some("Westminster Outreach Service"));
        let list = by_name_list::by_name_list(store, &worker, Default::default(), today(), instant()).await.unwrap();
        let row = list.entries.iter().find(|e| e.person_id == john).unwrap();
        assert_eq!((row.last_seen.as_str(), row.times_seen), ("2024-07-01", Some(4)), "{label}");

        // A lead assigned at a case conference shows on the list at once.
        let lead = user(store, "lead", "service_lead").await;
        casework::assign_lead(store, &lead, john, Some(lead.organisation_id), today(), instant()).await.unwrap();
        let list = by_name_list::by_name_list(store, &worker, Default::default(), today(), instant()).await.unwrap();
        let row = list.entries.iter().find(|e| e.person_id == john).unwrap();
        assert_eq!((row.lead.as_str(), row.lead_assigned), ("Westminster Outreach Service", true), "{label}");

        // The action plan.
        let action = casework::add_action(
            store,
            &worker,
            john,
            "Book GP registration",
            None,
            Some(date!(2024 - 07 - 08)),
            today(),
            instant(),
        )
        .await
        .unwrap();
        casework::complete_action(store, &worker, john, action, today(), instant()).await.unwrap();
        assert!(
            casework::complete_action(store, &worker, john, action, today(), instant()).await.is_err(),
            "done once"
        );
        let actions = store.actions(john).await.unwrap();
        assert_eq!(
            (actions[0].description.as_str(), actions[0].done_on),
            ("Book GP registration", Some(date!(2024 - 07 - 01)))
        );
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_is_a_hash_chain_that_shows_tampering_and_a_subject_access_export_holds_everything() {
    each_store(async |store, label| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let john = john(store).await;
        let worker = user(store, "worker", "outreach_worker").await;
        for _ in 0..3 {
            casework::person_page(store, &worker, john, today(), instant()).await.unwrap();
        }
        // Three people are active, John, Ștefan and Amina: one entry names the three. The
        // worker's account was made first, and that is in the log too (entry 1).
        by_name_list::by_name_list(store, &worker, Default::default(), today(), instant()).await.unwrap();
        let verified = audit::verify(store).await.unwrap();
        assert_eq!((verified.checked, verified.broken_at), (5, None), "{label}: {}", verified.report());

        let export =
            render::subject_access_json(&audit::subject_access(store, john, instant()).await.unwrap().unwrap());
        assert_eq!(export["records"][0]["first_name"], "John");
        assert!(export["timeline"].as_array().unwrap().len() >= 3);
        assert_eq!(export["access_log"].as_array().unwrap().len(), 4, "three page views and one list row");
        assert!(audit::subject_access(store, 999_999, instant()).await.unwrap().is_none());
        assert_eq!(audit::verify(store).await.unwrap().checked, 6, "the export is itself audited");

        // Someone edits an entry in the database: verify names it.
        sqlx::query("UPDATE audit_log SET detail = 'nothing to see' WHERE id = 3").execute(store.pool()).await.unwrap();
        let broken = audit::verify(store).await.unwrap();
        assert_eq!(broken.broken_at, Some(3), "{label}: {}", broken.report());
        assert!(broken.report().contains("TAMPERED"));
        sqlx::query("UPDATE audit_log SET detail = 'full' WHERE id = 3").execute(store.pool()).await.unwrap();
        assert_eq!(audit::verify(store).await.unwrap().broken_at, None, "put back as it was");
        // Someone takes a person out of the list page's entry: the hash shows it.
        let persons: String =
            sqlx::query_scalar("SELECT persons FROM audit_log WHERE id = 5").fetch_one(store.pool()).await.unwrap();
        assert_eq!(persons.split(' ').count(), 3, "{label}: {persons}");
        let fewer = persons.split(' ').skip(1).collect::<Vec<_>>().join(" ");
        sqlx::query("UPDATE audit_log SET persons = $1 WHERE id = 5").bind(&fewer).execute(store.pool()).await.unwrap();
        assert_eq!(audit::verify(store).await.unwrap().broken_at, Some(5), "{label}");
        sqlx::query("UPDATE audit_log SET persons = $1 WHERE id = 5")
            .bind(&persons)
            .execute(store.pool())
            .await
            .unwrap();
        assert_eq!(audit::verify(store).await.unwrap().broken_at, None);
        // Someone deletes one instead.
        sqlx::query("DELETE FROM audit_log WHERE id = 4").execute(store.pool()).await.unwrap();
        assert_eq!(audit::verify(store).await.unwrap().broken_at, Some(4), "{label}");
    })
    .await;
}

#[tokio::test]
async fn a_shared_bed_is_offered_with_who_decided_and_why_and_others_see_the_person_as_the_rules_allow() {
    use byname_casework::resources;
    each_store(async |store, label| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let john = john(store).await;
        let noon = datetime!(2024-07-01 12:00 UTC);
        let worker = user(store, "worker", "outreach_worker").await;
        let other = user_of(store, "daycentre", "outreach_worker", "The Passage").await;
        let analyst = user_of(store, "analyst", "analyst", "Westminster City Council").await;
        assert!(matches!(
            resources::add(store, &analyst, "hotel_room", "Room 12", "2024-07-01", noon).await,
            Err(CaseError::Forbidden)
        ));
        assert!(matches!(
            resources::add(store, &worker, "castle", "Keep", "2024-07-01", noon).await,
            Err(CaseError::Invalid(_))
        ));
        let room = resources::add(store, &other, "hotel_room", "Room 12, Victoria", "2024-07-01", noon).await.unwrap();

        // The day centre does not see John's record, so it cannot offer him the room.
        assert!(matches!(
            resources::offer(store, &other, room, john, "Needs a room tonight", noon).await,
            Err(CaseError::Forbidden)
        ));
        assert!(matches!(resources::offer(store, &worker, room, john, "  ", noon).await, Err(CaseError::Invalid(_))));
        resources::offer(store, &worker, room, john, "Sleeping out in the cold, agreed at the morning huddle", noon)
            .await
            .unwrap();
        let again = resources::offer(store, &worker, room, john, "Twice", noon).await;
        assert!(matches!(again, Err(CaseError::Invalid(_))), "{label}: a room is offered to one person at a time");

        let seen_by_worker = resources::resources(store, &worker, noon).await.unwrap();
        let item = seen_by_worker.iter().find(|r| r.row.id == room).unwrap();
        assert_eq!(item.row.state, "offered");
        let offer = item.row.offer.as_ref().unwrap();
        assert_eq!(
            (offer.decided_by.as_str(), offer.reason.as_str()),
            ("worker", "Sleeping out in the cold, agreed at the morning huddle")
        );
        assert_eq!(item.person.as_ref().unwrap().text, "John Smith");
        let seen_by_other = resources::resources(store, &other, noon).await.unwrap();
        assert_eq!(seen_by_other[0].person.as_ref().unwrap().text, "J. S.", "{label}: the minimal entry only");

        resources::close(store, &other, room, "refused", noon).await.unwrap();
        assert_eq!(resources::available(store, &worker).await.unwrap().len(), 1, "refused: free again");
        resources::offer(store, &worker, room, john, "Asked again in the evening", noon).await.unwrap();
        resources::close(store, &worker, room, "accepted", noon).await.unwrap();
        assert!(resources::available(store, &worker).await.unwrap().is_empty(), "{label}: taken");
        assert!(resources::close(store, &worker, room, "accepted", noon).await.is_err(), "no open offer");
        let audit = store
            .search_audit(&byname_store::AuditQuery {
                person_id: Some(john),
                action: Some("offer_resource".into()),
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(audit.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn a_change_whose_audit_entry_cannot_be_written_is_not_stored_either() {
    use byname_store::{AuditEntry, CREATED_ID, CaseChange, NewAction, NewConsent};
    each_store(async |store, label| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let john = john(store).await;
        let worker = user(store, "worker", "outreach_worker").await;
        let entry = |user_id: i64, action: &str, detail: String| AuditEntry {
            at: now(),
            user_id: Some(user_id),
            organisation_id: Some(worker.organisation_id),
            action: action.to_owned(),
            person_id: Some(john),
            purpose: Some("case_coordination".into()),
            basis: Some("works_with_person".into()),
            detail: Some(detail),
            persons: Vec::new(),
        };
        // An entry by a user who does not exist breaks the audit log's foreign key on `user_id`:
        // the entry cannot be written, so the change it records must not be kept either.
        let nobody = 999_999;
        let action = NewAction {
            person_id: john,
            description: "Book a GP appointment".into(),
            owner_user_id: Some(worker.id),
            owner_organisation_id: worker.organisation_id,
            due_on: None,
            created_by: worker.id,
            created_at: instant(),
        };
        let consent = NewConsent {
            person_id: john,
            purpose: "case_coordination".into(),
            organisations: Some(vec![worker.organisation_id]),
            given_on: time::macros::date!(2024 - 07 - 01),
            expires_on: None,
            recorded_by: worker.id,
            recorded_at: instant(),
            break_glass_id: None,
        };
        let log = store.audit_rows(0, 1_000_000).await.unwrap().len();
        let (actions, consents, lead) = (
            store.actions(john).await.unwrap(),
            store.consents(john).await.unwrap(),
            store.person_lead(john).await.unwrap(),
        );
        let refused = [
            (CaseChange::AddAction(&action), "add_action"),
            (CaseChange::AddConsent(&consent), "record_consent"),
            (
                CaseChange::SetLead { person_id: john, organisation_id: Some(worker.organisation_id), user_id: None },
                "assign_lead",
            ),
        ];
        for (change, name) in refused {
            let result = store.record(change, &entry(nobody, name, format!("{name} {CREATED_ID}"))).await;
            assert!(result.is_err(), "{label}: {name} with an entry that cannot be written: {result:?}");
        }
        assert_eq!(store.audit_rows(0, 1_000_000).await.unwrap().len(), log, "{label}: no entry");
        assert_eq!(store.actions(john).await.unwrap(), actions, "{label}: no action");
        assert_eq!(store.consents(john).await.unwrap(), consents, "{label}: no consent, no consent parties");
        assert_eq!(store.person_lead(john).await.unwrap(), lead, "{label}: the lead as it was");

        // With an entry that can be written, change and entry land together, the entry naming
        // the id the change created.
        let id = store
            .record(CaseChange::AddAction(&action), &entry(worker.id, "add_action", format!("action {CREATED_ID}")))
            .await
            .unwrap()
            .unwrap();
        assert!(store.actions(john).await.unwrap().iter().any(|a| a.id == id), "{label}");
        let rows = store.audit_rows(0, 1_000_000).await.unwrap();
        assert_eq!(rows.len(), log + 1, "{label}");
        let last = rows.last().unwrap();
        assert_eq!(
            (last.entry.action.as_str(), last.entry.detail.clone()),
            ("add_action", Some(format!("action {id}"))),
            "{label}"
        );
        // A change that finds nothing to change writes no entry either.
        let change = CaseChange::CompleteAction { action_id: id + 1000, person_id: john, on: instant().date() };
        assert_eq!(store.record(change, &entry(worker.id, "complete_action", String::new())).await.unwrap(), None);
        assert_eq!(store.audit_rows(0, 1_000_000).await.unwrap().len(), log + 1, "{label}");
        let verified = audit::verify(store).await.unwrap();
        assert_eq!(verified.broken_at, None, "{label}: {}", verified.report());
    })
    .await;
}
