//! The by-name list as outreach workers and analysts see it, and sign-in.

use crate::support::*;
use byname_casework::accounts::{self, AccountError};
use byname_casework::by_name_list::{Filters, ListQuery, PER_PAGE, SortKey, by_name_list, by_name_list_export};
use byname_casework::render::by_name_list_csv;
use byname_domain::access::PersonView;
use byname_pipeline::import::ImportKind;
use byname_pipeline::link::link;
use byname_store::Accounts;
use byname_store::Store;
use time::macros::datetime;

fn today() -> time::Date {
    time::macros::date!(2024 - 07 - 01)
}

#[tokio::test]
async fn the_list_shows_people_active_in_the_last_90_days() {
    each_store(async |store, label| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        import(store, ImportKind::Inform, inform_export().path()).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let worker = user(store, "worker", "outreach_worker").await;

        let page = by_name_list(store, &worker, ListQuery::default(), today(), instant()).await.unwrap();
        assert!(page.entries.iter().all(|e| e.view == PersonView::Full), "the worker's teams met both");
        // Amina was last seen bedded down in 2023, then in hospital; in June she came to a day
        // centre. Any contact while homeless keeps someone active, so she is back on the list.
        let rows: Vec<(&str, &str, i64, &str)> = page
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.last_seen.as_str(), e.times_seen.unwrap(), e.last_place.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("Amina Yusuf", "2024-06-25", 1, "The Passage day centre, Westminster"),
                ("John (Johnny) Smith", "2024-06-20", 2, "Strand, Westminster"),
                ("Ștefan Popescu", "2024-06-15", 1, "Marble Arch, Westminster")
            ],
            "{label}"
        );
        assert!(
            page.entries[0].why.starts_with("Active: in contact with services on 2024-06-25"),
            "{}",
            page.entries[0].why
        );
        let john = &page.entries[1];
        assert_eq!(john.needs, ["Alcohol", "Drugs", "Mental health"]);
        assert_eq!(john.lead, "Unassigned (most contact: Westminster Outreach North)");
        assert_eq!(john.age_band.label(), "46-55");

        let by_name = by_name_list(
            store,
            &worker,
            ListQuery { sort: SortKey::Name, descending: false, page: 1, filters: Filters::default() },
            today(),
            instant(),
        )
        .await
        .unwrap();
        assert_eq!(by_name.entries[0].name, "Amina Yusuf");

        // Each person shown is in the audit log, with who looked and why: one entry a page,
        // naming everyone on it, found by a search for any of them.
        let audit = store.audit_entries(100).await.unwrap();
        let shown: Vec<_> = audit.iter().filter(|a| a.user_id == Some(worker.id)).collect();
        assert_eq!(shown.len(), 2, "{label}: two views of the page");
        let ids: std::collections::BTreeSet<i64> = page.entries.iter().map(|e| e.person_id).collect();
        assert!(shown.iter().all(|a| a.persons.iter().copied().collect::<std::collections::BTreeSet<_>>() == ids));
        for id in &ids {
            let query = byname_store::AuditQuery { person_id: Some(*id), limit: 10, ..Default::default() };
            let found = byname_store::Casework::search_audit(store, &query).await.unwrap();
            assert_eq!(found.len(), 2, "{label}: person {id} is found in both views of the page");
        }
        assert!(
            shown.iter().all(|a| a.action == "view_by_name_list" && a.purpose.as_deref() == Some("case_coordination"))
        );
        assert!(
            shown
                .iter()
                .all(|a| a.organisation_id == Some(worker.organisation_id) && a.detail.as_deref() == Some("full"))
        );

        // The partnership narrows the window to 14 days: Ștefan, last seen on 15 June, leaves it.
        byname_casework::by_name_list::set_window(store, 14).await.unwrap();
        assert!(byname_casework::by_name_list::set_window(store, 0).await.is_err(), "no empty window");
        let narrow = by_name_list(store, &worker, ListQuery::default(), today(), instant()).await.unwrap();
        let names: Vec<&str> = narrow.entries.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            (names, narrow.since),
            (vec!["Amina Yusuf", "John (Johnny) Smith"], time::macros::date!(2024 - 06 - 18)),
            "{label}"
        );
        assert!(narrow.entries[1].why.contains("in the last 14 days"), "{}", narrow.entries[1].why);
    })
    .await;
}

#[tokio::test]
async fn an_analyst_sees_pseudonyms_and_another_organisation_the_minimal_entry_until_consent() {
    each_store(async |store, label| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let analyst = user(store, "analyst", "analyst").await;
        let page = by_name_list(store, &analyst, ListQuery::default(), today(), instant()).await.unwrap();
        assert!(page.entries.iter().all(|e| e.view == PersonView::Pseudonymised && !e.linked), "{label}");
        assert!(page.entries.iter().all(|e| e.name.starts_with("P-") && !e.name.contains("Smith")));
        assert_eq!(page.entries[0].last_place, "Westminster", "the area, not the place");

        // A day centre's worker: their organisation has not met these people.
        let other = user_of(store, "daycentre", "outreach_worker", "The Passage").await;
        let page = by_name_list(store, &other, ListQuery::default(), today(), instant()).await.unwrap();
        let rows: Vec<(&str, &str, &str)> =
            page.entries.iter().map(|e| (e.name.as_str(), e.last_place.as_str(), e.age_band.label())).collect();
        assert_eq!(
            rows,
            [("A. Y.", "Westminster", "26-35"), ("J. S.", "Westminster", "46-55"), ("Ș. P.", "Westminster", "36-45")],
            "{label}"
        );
        assert!(page.entries.iter().all(|e| e.needs.is_empty() && e.view == PersonView::Minimal));
        assert!(page.entries.iter().all(|e| e.escalations.open == 0 && e.consent.is_none()));

        // A filter on needs never matches a minimal entry, and says how many it set aside.
        let mut by_need = ListQuery::default();
        by_need.filters.need = Some(byname_domain::codes::SupportNeed::Alcohol);
        let filtered = by_name_list(store, &other, by_need.clone(), today(), instant()).await.unwrap();
        assert_eq!((filtered.total, filtered.set_aside), (0, 3), "{label}");
        let csv = by_name_list_csv(
            &by_name_list_export(store, &other, ListQuery::default(), today(), instant()).await.unwrap(),
        );
        assert!(csv.contains("J. S.") && !csv.contains("Smith") && !csv.contains("Alcohol"), "{csv}");

        // John consents to case coordination with all partners: the day centre sees him in full.
        let john = page.entries[1].person_id;
        let worker = user(store, "worker", "outreach_worker").await;
        let consent = byname_casework::casework::record_consent(
            store,
            &worker,
            john,
            byname_domain::access::Purpose::CaseCoordination,
            None,
            today(),
            None,
            today(),
            instant(),
        )
        .await
        .unwrap();
        let page = by_name_list(store, &other, ListQuery::default(), today(), instant()).await.unwrap();
        assert_eq!((page.entries[1].name.as_str(), page.entries[1].view), ("John Smith", PersonView::Full));
        let filtered = by_name_list(store, &other, by_need.clone(), today(), instant()).await.unwrap();
        assert_eq!(
            (filtered.total, filtered.set_aside),
            (1, 2),
            "{label}: John matches, Amina and Ștefan are set aside"
        );

        // Withdrawn: at once.
        byname_casework::casework::withdraw_consent(store, &worker, john, consent, today(), instant()).await.unwrap();
        let page = by_name_list(store, &other, ListQuery::default(), today(), instant()).await.unwrap();
        assert_eq!(page.entries[1].view, PersonView::Minimal, "{label}");
    })
    .await;
}

/// Surnames that sort in index order: Aaa, Aab, ...
fn letters(i: usize) -> String {
    let letter = |n: usize| char::from(b'a' + (n % 26) as u8);
    format!("A{}{}", letter(i / 26), letter(i))
}

#[tokio::test]
async fn the_list_is_paged() {
    each_store(async |store, label| {
        let n_people = 2 * PER_PAGE + 7;
        let mut persons = String::from("chain_id,first_name,last_name,date_of_birth\n");
        let mut contacts = String::from("contact_id,chain_id,contact_date,bedded_down,team\n");
        for i in 0..n_people {
            persons.push_str(&format!("C{i:04},Person,{},\n", letters(i)));
            contacts.push_str(&format!("CT{i:04},C{i:04},2024-06-{:02},Y,Night Outreach\n", 1 + i % 28));
        }
        let export = Export::new(&[("persons.csv", &persons), ("contacts.csv", &contacts)]);
        let outcome = import(store, ImportKind::Chain, export.path()).await.unwrap();
        assert_eq!(
            (outcome.summary.imported, outcome.summary.rejected),
            (2 * n_people as i64, 0),
            "{:?}",
            outcome.rejected_sample
        );
        link(store, &Default::default(), instant()).await.unwrap();
        let worker = user(store, "worker", "outreach_worker").await;
        let query = |page| ListQuery { sort: SortKey::Name, descending: false, page, filters: Filters::default() };
        let last = by_name_list(store, &worker, query(3), today(), instant()).await.unwrap();
        assert_eq!((last.total, last.n_pages, last.entries.len()), (n_people, 3, 7), "{label}");
        assert_eq!(last.entries[0].name, format!("Person {}", letters(2 * PER_PAGE)));
        let beyond = by_name_list(store, &worker, query(99), today(), instant()).await.unwrap();
        assert_eq!(beyond.page, 3, "a page past the end shows the last page");
    })
    .await;
}

/// The list is Built for Zero's active list, so its length on a month's last day is the key
/// statistics' `bfz.active` for that month, and nobody on it was housed since last seen.
#[tokio::test]
async fn the_list_holds_exactly_the_people_the_statistics_count_as_active() {
    let dir = generated_partnership(5, time::macros::date!(2023 - 04 - 01), time::macros::date!(2024 - 03 - 31), 0.3);
    each_store(async |store, label| {
        import(store, ImportKind::Chain, &dir.path().join("chain")).await.unwrap();
        import(store, ImportKind::Inform, &dir.path().join("inform")).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let analyst = user(store, "analyst", "analyst").await;
        for (month, last_day) in
            [("2024-01", time::macros::date!(2024 - 01 - 31)), ("2024-03", time::macros::date!(2024 - 03 - 31))]
        {
            let statistics = byname_pipeline::statistics::key_statistics(
                store,
                byname_domain::period::Period::parse(month).unwrap(),
                &Default::default(),
                last_day,
            )
            .await
            .unwrap();
            let active = statistics.figures.metrics.get("bfz.active").unwrap() as usize;
            let list = by_name_list(store, &analyst, ListQuery::default(), last_day, instant()).await.unwrap();
            assert_eq!(list.total, active, "{label}: {month}");
            assert!(active > 50, "{label}: a realistic list, not an empty one ({active})");
        }
    })
    .await;
}

#[tokio::test]
async fn sessions_need_the_right_password_and_expire() {
    each_store(async |store, label| {
        let organisation = store.upsert_organisation("The Passage", "day_centre").await.unwrap();
        accounts::add_user(store, "lead", "Lead", "service_lead", organisation, "a long enough password", instant())
            .await
            .unwrap();
        let noon = datetime!(2024-07-01 12:00 UTC);
        assert!(matches!(
            accounts::sign_in(store, "lead", "wrong password!!", noon).await,
            Err(AccountError::BadCredentials)
        ));
        assert!(matches!(
            accounts::sign_in(store, "nobody", "a long enough password", noon).await,
            Err(AccountError::BadCredentials)
        ));
        let token = accounts::sign_in(store, "lead", "a long enough password", noon).await.unwrap();
        let user = accounts::session(store, &token, noon + time::Duration::hours(11)).await.unwrap().unwrap();
        assert_eq!((user.username.as_str(), user.organisation_name.as_str()), ("lead", "The Passage"), "{label}");
        assert!(accounts::session(store, &token, noon + time::Duration::hours(13)).await.unwrap().is_none(), "expired");
        assert!(accounts::session(store, "forged", noon).await.unwrap().is_none());
        accounts::sign_out(store, &token).await.unwrap();
        assert!(accounts::session(store, &token, noon).await.unwrap().is_none(), "signed out");
        assert!(matches!(
            accounts::add_user(store, "weak", "Weak", "analyst", organisation, "short", instant()).await,
            Err(AccountError::WeakPassword(_))
        ));
    })
    .await;
}

#[tokio::test]
async fn a_place_named_like_a_formula_downloads_as_text() {
    each_store(async |store, label| {
        let contacts = CONTACTS.replace("Strand,,,Y", "\"=HYPERLINK(\"\"http://x\"\")\",,,Y");
        let export = Export::new(&[("persons.csv", PERSONS), ("contacts.csv", &contacts), ("stays.csv", STAYS)]);
        import(store, ImportKind::Chain, export.path()).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let worker = user(store, "worker", "outreach_worker").await;
        let csv = by_name_list_csv(
            &by_name_list_export(store, &worker, ListQuery::default(), today(), instant()).await.unwrap(),
        );
        assert!(
            csv.starts_with("person,view,name,age_band,last_seen,last_place,times_seen,lead,needs,why\n"),
            "{label}: the columns are a public interface"
        );
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let john = reader.records().map(Result::unwrap).find(|r| r[2].contains("Smith")).expect("John is listed");
        assert_eq!(&john[5], "'=HYPERLINK(\"http://x\"), Westminster", "{label}");
        assert_eq!(&john[6], "2", "{label}: a count stays a number");
    })
    .await;
}
