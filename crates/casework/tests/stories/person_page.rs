//! The person page for casework: the summary each view allows, and the timeline read fifty
//! events at a time, by kind, with a street-count night once.

use crate::support::*;
use byname_casework::by_name_list::ListStatus;
use byname_casework::casework;
use byname_casework::person::{EVENTS_PER_PAGE, TimelineQuery, case_page};
use byname_domain::access::{PersonView, Purpose};
use byname_pipeline::import::ImportKind;
use byname_pipeline::link::link;
use byname_store::{Linkage, Store, TimelineKind};
use time::macros::date;

fn today() -> time::Date {
    date!(2024 - 07 - 01)
}

/// The fixture's CHAIN export with 120 more contacts for John in the first half of 2024, and the
/// street count of 14 November 2023 as CHAIN files it (a contact of type `street_count`).
fn long_export() -> Export {
    let mut contacts = CONTACTS.to_owned();
    for i in 0..120 {
        let day = date!(2024 - 01 - 01) + time::Duration::days(i * 3 / 2);
        contacts.push_str(&format!(
            "L{i},C001,{day},,Westminster Outreach North,Westminster,\"Strand, by the theatre\",,,Y,outreach\n"
        ));
    }
    contacts.push_str("SC1,C001,2023-11-14,23:30,Night Outreach,Westminster,Embankment,,,Y,street_count\n");
    Export::new(&[("persons.csv", PERSONS), ("contacts.csv", &contacts), ("stays.csv", STAYS)])
}

#[tokio::test]
async fn the_person_page_sums_up_the_person_and_reads_the_timeline_fifty_events_at_a_time_by_kind() {
    each_store(async |store, label| {
        import(store, ImportKind::Chain, long_export().path()).await.unwrap();
        // The count's own file names John by CHAIN id on the same night: one night, not two.
        let count = Export::new(&[(
            "street-count.csv",
            "count_date,team,borough,location,gender,age_band,name,chain_id\n\
             2023-11-14,Night Outreach,Westminster,Embankment,male,46-55,John Smith,C001\n",
        )]);
        import(store, ImportKind::StreetCount, &count.file("street-count.csv")).await.unwrap();
        let health = Export::new(&[(
            "health-events.csv",
            "event_id,nhs_number,name,date_of_birth,event_type,event_date,provider\n\
             HE1,943 476 5919,John Smith,1975-03-02,flu_vaccination,2023-10-10,Joint Homelessness Team\n",
        )]);
        import(store, ImportKind::Health, &health.file("health-events.csv")).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let membership = store.person_membership().await.unwrap();
        let john = membership.iter().find(|(s, id, _)| s == "chain" && id == "C001").unwrap().2;
        let worker = user(store, "worker", "outreach_worker").await;
        let other = user_of(store, "daycentre", "outreach_worker", "The Passage").await;
        let nurse = user_of(store, "nurse", "health_partner", "Joint Homelessness Team (NHS)").await;
        let form = byname_casework::escalations::RaiseForm {
            service_area: "mental_health".into(),
            blocked: "No assessment".into(),
            needed: "An assessment".into(),
            needed_by: String::new(),
        };
        let escalation = byname_casework::escalations::raise(store, &worker, john, &form, instant()).await.unwrap();

        // The full record: the summary first.
        let page = case_page(store, &worker, john, TimelineQuery::default(), today(), instant()).await.unwrap();
        assert_eq!(page.page.decision.view, PersonView::Full, "{label}");
        let summary = page.summary.clone().expect("the full record has a summary");
        let who = &summary.identity;
        assert_eq!(who.names, ["John Smith"], "{label}");
        assert_eq!(who.aliases, ["Johnny Smith", "J Smyth"], "{label}");
        assert_eq!((who.date_of_birth.as_deref(), who.age), (Some("1975-03-02"), Some(49)), "{label}");
        assert_eq!(who.gender.as_deref(), Some("Male"));
        assert_eq!(who.nationality.as_deref(), Some("United Kingdom"));
        assert_eq!(who.immigration_status.as_deref(), Some("British or Irish"));
        assert!(who.ids.contains(&("CHAIN id", "C001".to_owned())), "{:?}", who.ids);
        assert!(who.ids.contains(&("NHS number", "943 476 5919".to_owned())), "{:?}", who.ids);
        assert!(matches!(&summary.list, ListStatus::On(why) if why.contains("2024-06-")), "{:?}", summary.list);
        let seen = &summary.seen;
        assert_eq!(seen.first_seen.as_deref(), Some("2023-11-14"), "{label}");
        let last = seen.last_seen.clone().unwrap();
        assert_eq!((last.date.as_str(), last.location.as_deref()), ("2024-06-27", Some("Strand, by the theatre")));
        // 2 fixture contacts, 120 more, and the count's night once.
        assert_eq!(seen.times_seen, 123, "{label}");
        assert_eq!(seen.usual_places.first().map(|(p, _)| p.as_str()), Some("Strand"), "{label}");
        assert_eq!(seen.accommodation, None, "left the hostel in 2023");
        assert_eq!(seen.open_escalations.iter().map(|e| e.id).collect::<Vec<_>>(), [escalation]);

        // The timeline: the counts of every kind, fifty events newest first, then the next fifty.
        let count = |kind| page.counts.iter().find(|(k, _)| *k == kind).map_or(0, |(_, n)| *n);
        assert_eq!(count(TimelineKind::Contact), 122, "{label}");
        assert_eq!(count(TimelineKind::StreetCount), 1, "one night, however many rows: {label}");
        assert_eq!((count(TimelineKind::Stay), count(TimelineKind::Health)), (2, 1), "{label}");
        assert_eq!(count(TimelineKind::Escalation), 1, "{label}");
        assert_eq!((page.total, page.n_pages, page.events.len()), (127, 3, EVENTS_PER_PAGE), "{label}");
        let dates = |events: &[(TimelineKind, byname_store::TimelineEvent)]| -> Vec<String> {
            events.iter().map(|(_, e)| e.date.clone()).collect()
        };
        let first = dates(&page.events);
        assert!(first.windows(2).all(|w| w[0] >= w[1]), "newest first: {first:?}");
        assert_eq!(first[0], "2024-07-01", "the escalation raised today is newest");
        let second =
            case_page(store, &worker, john, TimelineQuery { kind: None, page: 2 }, today(), instant()).await.unwrap();
        let next = dates(&second.events);
        assert_eq!(next.len(), EVENTS_PER_PAGE);
        assert!(first.last().unwrap() >= &next[0], "page 2 goes on where page 1 stopped");
        assert_eq!(second.first_shown(), 51);
        let third =
            case_page(store, &worker, john, TimelineQuery { kind: None, page: 3 }, today(), instant()).await.unwrap();
        assert_eq!(third.events.len(), 27, "{label}");
        assert_eq!(
            dates(&third.events).last().map(String::as_str),
            Some("2023-02-01"),
            "the oldest event is the move into the hostel"
        );
        // A page past the end shows the last page.
        let past =
            case_page(store, &worker, john, TimelineQuery { kind: None, page: 99 }, today(), instant()).await.unwrap();
        assert_eq!((past.query.page, past.events.len()), (3, 27));

        // One kind at a time.
        let kind = |kind| TimelineQuery { kind: Some(kind), page: 1 };
        let nights =
            case_page(store, &worker, john, kind(TimelineKind::StreetCount), today(), instant()).await.unwrap();
        assert_eq!(nights.events.len(), 1, "{label}");
        assert!(nights.events[0].1.text.contains("street count"), "{:?}", nights.events);
        let stays = case_page(store, &worker, john, kind(TimelineKind::Stay), today(), instant()).await.unwrap();
        assert_eq!(
            stays.events.iter().map(|(_, e)| e.text.as_str()).collect::<Vec<_>>(),
            ["Left hostel (evicted)", "Moved into hostel"]
        );
        // The whole timeline (the API's) has the night once too.
        let whole = casework::person_page(store, &worker, john, today(), instant()).await.unwrap();
        assert_eq!(whole.timeline.iter().filter(|e| e.date == "2023-11-14").count(), 1, "{label}");

        // The minimal entry: when last seen and who to contact, no summary, no timeline.
        let minimal = case_page(store, &other, john, TimelineQuery::default(), today(), instant()).await.unwrap();
        assert_eq!(minimal.page.decision.view, PersonView::Minimal);
        assert!(minimal.summary.is_none() && minimal.events.is_empty() && minimal.counts.is_empty());
        assert_eq!(minimal.page.last_seen.as_ref().map(|(d, _)| d.as_str()), Some("2024-06-27"));
        let minimal_kind =
            case_page(store, &other, john, kind(TimelineKind::Contact), today(), instant()).await.unwrap();
        assert!(minimal_kind.events.is_empty() && minimal_kind.total == 0, "a kind asked for reveals nothing");

        // Under a health care consent a health partner sees the health events, and only those.
        casework::record_consent(
            store,
            &worker,
            john,
            Purpose::HealthCare,
            None,
            date!(2024 - 06 - 30),
            None,
            today(),
            instant(),
        )
        .await
        .unwrap();
        let health = case_page(store, &nurse, john, TimelineQuery::default(), today(), instant()).await.unwrap();
        assert_eq!(health.page.decision.view, PersonView::Health, "{label}");
        assert!(health.summary.is_none());
        assert_eq!(health.counts, [(TimelineKind::Health, 1)]);
        assert_eq!(health.events.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [TimelineKind::Health]);
        let asked = case_page(store, &nurse, john, kind(TimelineKind::Contact), today(), instant()).await.unwrap();
        assert!(asked.events.is_empty(), "{label}");

        // Every view is audited.
        let views = store.audit_entries(100).await.unwrap();
        assert!(views.iter().filter(|e| e.action == "view_person" && e.person_id == Some(john)).count() >= 10);
    })
    .await;
}
