//! Registering someone new to the streets: the likely existing people offered first, the person
//! saved with their first contact by the worker's organisation, on the list at once, audited,
//! kept by later linkage and imports, counted by the statistics, covered by subject access and
//! erasure; bad input stores nothing.

use crate::support::*;
use byname_casework::accounts::SessionUser;
use byname_casework::by_name_list::{ListQuery, by_name_list};
use byname_casework::casework::{self, CaseError, ContactForm};
use byname_casework::registration::{Registration, RegistrationForm, register};
use byname_casework::{audit, privacy};
use byname_domain::access::{Basis, PersonView};
use byname_domain::period::Period;
use byname_pipeline::import::ImportKind;
use byname_pipeline::link::{LinkMode, LinkSettings, link};
use byname_store::{Casework, Linkage, SqlStore};
use time::macros::date;

fn today() -> time::Date {
    date!(2024 - 07 - 01)
}

fn met() -> ContactForm {
    ContactForm {
        date: "2024-06-28".into(),
        time: "23:40".into(),
        place: "Strand, doorway by the bank".into(),
        area: "Westminster".into(),
        bedded_down: true,
        ..ContactForm::default()
    }
}

fn kwame() -> RegistrationForm {
    RegistrationForm {
        first_name: "Kwame".into(),
        last_name: "Mensah".into(),
        date_of_birth: "1982-05-14".into(),
        gender: "male".into(),
        nationality: "GHA".into(),
        contact: met(),
        ..RegistrationForm::default()
    }
}

async fn partnership(store: &SqlStore) {
    import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
    import(store, ImportKind::Inform, inform_export().path()).await.unwrap();
    link(store, &Default::default(), instant()).await.unwrap();
}

async fn john(store: &SqlStore) -> i64 {
    let membership = store.person_membership().await.unwrap();
    membership.iter().find(|(s, id, _)| s == "chain" && id == "C001").unwrap().2
}

async fn registered(store: &SqlStore, user: &SessionUser, form: &RegistrationForm) -> i64 {
    match register(store, user, form, today(), instant()).await.unwrap() {
        Registration::Registered(id) => id,
        other => panic!("not registered: {other:?}"),
    }
}

async fn chain_total(store: &SqlStore) -> f64 {
    let statistics = byname_pipeline::statistics::key_statistics(
        store,
        Period::parse("2024-06").unwrap(),
        &Default::default(),
        today(),
    )
    .await
    .unwrap();
    statistics.figures.metrics.get("chain.total").unwrap()
}

async fn audited(store: &SqlStore, action: &str, person: i64) -> bool {
    store
        .audit_rows(0, 100_000)
        .await
        .unwrap()
        .iter()
        .any(|r| r.entry.action == action && r.entry.person_id == Some(person))
}

#[tokio::test]
async fn someone_registered_is_on_the_list_at_once_worked_with_audited_and_kept_by_linkage_and_imports() {
    each_store(async |store, label| {
        partnership(store).await;
        let worker = user(store, "worker", "outreach_worker").await;
        let before = chain_total(store).await;
        // The search's index, built before he is registered, is built again after.
        let q = "kwame mensha";
        let found =
            |r: byname_casework::search::SearchResults| r.found.iter().map(|f| f.entry.person_id).collect::<Vec<_>>();
        let none = byname_casework::search::search(store, &worker, q, today(), instant()).await.unwrap();

        let id = registered(store, &worker, &kwame()).await;
        assert!(!found(none).contains(&id), "{label}");
        let searched = byname_casework::search::search(store, &worker, q, today(), instant()).await.unwrap();
        assert_eq!(found(searched).first(), Some(&id), "{label}: found by a misspelt name at once");

        // On the list straight away, with the worker's organisation working with him.
        let list = by_name_list(store, &worker, ListQuery::default(), today(), instant()).await.unwrap();
        let entry = list.entries.iter().find(|e| e.person_id == id).unwrap_or_else(|| panic!("{label}: not listed"));
        assert_eq!((entry.view, entry.name.as_str()), (PersonView::Full, "Kwame Mensah"), "{label}");
        let page = casework::person_page(store, &worker, id, today(), instant()).await.unwrap();
        assert_eq!((page.decision.view, page.decision.basis), (PersonView::Full, Basis::WorksWithPerson));
        assert!(page.timeline.iter().any(|e| e.kind == "contact" && e.text.contains("Strand")), "{label}");
        let records = store.person_records(id).await.unwrap();
        assert_eq!(records.len(), 1, "{label}");
        assert_eq!(
            (records[0].source.as_str(), records[0].rule.as_deref(), records[0].nationality.as_deref()),
            ("local", Some("own_record"), Some("GHA"))
        );
        assert_eq!(records[0].record_id, id, "{label}: the person is named by its record");
        assert!(audited(store, "register_person", id).await, "{label}");
        // Seen bedded down in June: counted as seen rough sleeping, like anyone in an export.
        assert_eq!(chain_total(store).await, before + 1.0, "{label}");

        // Linkage keeps him, incrementally and from scratch, and a full CHAIN export imported
        // again does not withdraw a record it never held.
        link(store, &Default::default(), instant()).await.unwrap();
        link(store, &LinkSettings { mode: LinkMode::Full, ..Default::default() }, instant()).await.unwrap();
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        let membership = store.person_membership().await.unwrap();
        assert!(membership.iter().any(|(s, _, p)| s == "local" && *p == id), "{label}: {membership:?}");
        let list = by_name_list(store, &worker, ListQuery::default(), today(), instant()).await.unwrap();
        assert!(list.entries.iter().any(|e| e.person_id == id), "{label}");

        // Subject access finds his record; erasure removes it.
        let export = audit::subject_access(store, id, instant()).await.unwrap().unwrap();
        assert!(export.records.iter().any(|r| r.source == "local" && r.first_name.as_deref() == Some("Kwame")));
        let counts = privacy::erase(store, id, "Subject's request, ticket 7", instant()).await.unwrap();
        assert_eq!((counts.rows("source_records"), counts.rows("contacts")), (1, 1), "{label}: {counts:?}");
        assert!(audit::subject_access(store, id, instant()).await.unwrap().is_none(), "{label}");
    })
    .await;
}

#[tokio::test]
async fn a_near_duplicate_is_offered_first_as_each_user_may_see_them_and_saved_when_confirmed() {
    each_store(async |store, label| {
        partnership(store).await;
        let john = john(store).await;
        let worker = user(store, "worker", "outreach_worker").await;
        let other = user_of(store, "daycentre", "outreach_worker", "The Passage").await;
        let jon = RegistrationForm {
            first_name: "Jon".into(),
            last_name: "Smith".into(),
            age: "49".into(),
            gender: "male".into(),
            contact: met(),
            ..RegistrationForm::default()
        };
        let held = store.person_membership().await.unwrap();

        let Registration::PossibleMatches(offered) = register(store, &worker, &jon, today(), instant()).await.unwrap()
        else {
            panic!("{label}: John Smith was not offered");
        };
        assert_eq!(offered[0].person_id, john, "{label}: {offered:?}");
        assert_eq!((offered[0].view, offered[0].name.as_str()), (PersonView::Full, "John Smith"), "{label}");
        assert_eq!(offered[0].date_of_birth.as_deref(), Some("1975-03-02"));
        assert!(offered.len() <= 5 && offered[0].probability > 0.2, "{label}: {offered:?}");
        assert!(audited(store, "registration_possible_match", john).await, "{label}: the offer is a view");
        assert_eq!(store.person_membership().await.unwrap(), held, "{label}: nothing saved");

        // Another organisation's worker is offered him too, as the minimal entry: initials only.
        let Registration::PossibleMatches(offered) = register(store, &other, &jon, today(), instant()).await.unwrap()
        else {
            panic!("{label}: not offered to the other organisation");
        };
        assert_eq!((offered[0].person_id, offered[0].view), (john, PersonView::Minimal), "{label}");
        assert_eq!((offered[0].name.as_str(), offered[0].date_of_birth.as_deref()), ("J. S.", None));

        // Someone unlike anyone held is saved straight away; "none of these" saves Jon anyway.
        let kwame = registered(store, &worker, &kwame()).await;
        let new = registered(store, &worker, &RegistrationForm { confirm_new: true, ..jon }).await;
        assert!(new != john && new != kwame, "{label}");
        assert_eq!(store.person_records(new).await.unwrap().len(), 1, "{label}");
        // Linking afterwards keeps the person someone registered.
        link(store, &Default::default(), instant()).await.unwrap();
        assert_eq!(store.person_records(kwame).await.unwrap().len(), 1, "{label}");
        assert!(casework::person_page(store, &worker, kwame, today(), instant()).await.is_ok());
    })
    .await;
}

#[tokio::test]
async fn someone_known_only_by_a_description_is_listed_by_it() {
    each_store(async |store, label| {
        partnership(store).await;
        let worker = user(store, "worker", "outreach_worker").await;
        let form = RegistrationForm {
            description: "man, 40s, green sleeping bag".into(),
            age: "45".into(),
            contact: met(),
            ..RegistrationForm::default()
        };
        let id = registered(store, &worker, &form).await;
        let list = by_name_list(store, &worker, ListQuery::default(), today(), instant()).await.unwrap();
        let entry = list.entries.iter().find(|e| e.person_id == id).unwrap();
        assert_eq!(entry.name, "man, 40s, green sleeping bag", "{label}");
        let page = casework::person_page(store, &worker, id, today(), instant()).await.unwrap();
        assert_eq!(page.name, "man, 40s, green sleeping bag", "{label}");
        assert_eq!(store.person_records(id).await.unwrap()[0].date_of_birth.as_deref(), Some("1979"));
    })
    .await;
}

#[tokio::test]
async fn bad_registrations_and_roles_that_do_not_record_store_nothing() {
    each_store(async |store, label| {
        partnership(store).await;
        let worker = user(store, "worker", "outreach_worker").await;
        let analyst = user(store, "analyst", "analyst").await;
        let before = snapshot(store).await;
        let cases: Vec<(&str, RegistrationForm)> = vec![
            ("name", RegistrationForm { first_name: " ".into(), last_name: String::new(), ..kwame() }),
            ("date_of_birth", RegistrationForm { date_of_birth: "2030-01-01".into(), ..kwame() }),
            ("date_of_birth", RegistrationForm { date_of_birth: "14th May".into(), ..kwame() }),
            ("age", RegistrationForm { date_of_birth: String::new(), age: "121".into(), ..kwame() }),
            ("age", RegistrationForm { date_of_birth: String::new(), age: "-1".into(), ..kwame() }),
            ("age", RegistrationForm { age: "20".into(), ..kwame() }),
            ("gender", RegistrationForm { gender: "unknown".into(), ..kwame() }),
            ("nationality", RegistrationForm { nationality: "Narnia".into(), ..kwame() }),
            (
                "contact.date",
                RegistrationForm { contact: ContactForm { date: "2024-07-02".into(), ..met() }, ..kwame() },
            ),
            ("contact.place", RegistrationForm { contact: ContactForm { place: String::new(), ..met() }, ..kwame() }),
        ];
        for (field, form) in cases {
            match register(store, &worker, &form, today(), instant()).await {
                Err(CaseError::BadRequest(message)) => {
                    assert!(message.starts_with(&format!("{field}:")), "{label}: {field}: {message}");
                }
                other => panic!("{label}: {field}: {other:?}"),
            }
        }
        assert!(matches!(register(store, &analyst, &kwame(), today(), instant()).await, Err(CaseError::Forbidden)));
        assert_eq!(snapshot(store).await, before, "{label}: nothing stored");
    })
    .await;
}
