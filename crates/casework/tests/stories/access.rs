//! The access rules where an attacker with a frontline, reviewer or administrator login pushed
//! on them: a lead is not a key, break-glass stays temporary, an offer's outcome belongs to who
//! made it, the linkage pages keep the pseudonymised list pseudonymous, and the small doors
//! (a consent naming an organisation twice, a withdrawal by guessed id, the minimal entry's
//! counts) are shut.

use crate::support::*;
use byname_casework::casework::{self, CaseError, ContactForm};
use byname_casework::review::{self, ReviewError};
use byname_casework::{by_name_list, resources};
use byname_domain::access::{Basis, PersonView, Purpose};
use byname_pipeline::import::ImportKind;
use byname_pipeline::link::link;
use byname_store::Linkage;
use byname_store::{Casework, SqlStore};
use time::macros::{date, datetime};

fn today() -> time::Date {
    date!(2024 - 07 - 01)
}

async fn linked(store: &SqlStore) -> (i64, i64) {
    import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
    link(store, &Default::default(), instant()).await.unwrap();
    let membership = store.person_membership().await.unwrap();
    let person = |id: &str| membership.iter().find(|(s, i, _)| s == "chain" && i == id).unwrap().2;
    (person("C001"), person("C002"))
}

fn contact() -> ContactForm {
    ContactForm { date: "2024-07-01".into(), place: "Strand".into(), bedded_down: true, ..ContactForm::default() }
}

#[tokio::test]
async fn a_lead_is_not_a_key() {
    each_store(async |store, label| {
        let (john, _) = linked(store).await;
        let outsider = user_of(store, "passage-lead", "service_lead", "The Passage").await;
        let (decision, _) =
            byname_casework::access::decision(store, &outsider, john, today(), instant()).await.unwrap();
        assert_eq!(decision.view, PersonView::Minimal, "{label}");
        let taken =
            casework::assign_lead(store, &outsider, john, Some(outsider.organisation_id), today(), instant()).await;
        assert!(matches!(taken, Err(CaseError::Forbidden)), "{label}: {taken:?}");
        let (decision, _) =
            byname_casework::access::decision(store, &outsider, john, today(), instant()).await.unwrap();
        assert_eq!(decision.view, PersonView::Minimal, "{label}: still the minimal entry");
        // On break-glass alone, neither.
        casework::break_glass(
            store,
            &outsider,
            john,
            "Found unconscious, safeguarding concern",
            datetime!(2024-07-01 12:00 UTC),
        )
        .await
        .unwrap();
        let taken =
            casework::assign_lead(store, &outsider, john, Some(outsider.organisation_id), today(), instant()).await;
        assert!(matches!(taken, Err(CaseError::Invalid(_))), "{label}: {taken:?}");
        // Who works with the person may.
        let lead = user(store, "lead", "service_lead").await;
        casework::assign_lead(store, &lead, john, Some(lead.organisation_id), today(), instant()).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn what_is_recorded_on_break_glass_gives_no_lasting_access_until_the_data_protection_lead_confirms_it() {
    each_store(async |store, label| {
        let (john, stefan) = linked(store).await;
        let worker = user_of(store, "passage-worker", "outreach_worker", "The Passage").await;
        let dpl_id = byname_casework::accounts::add_user(
            store,
            "passage-dpl",
            "Passage DPL",
            "service_lead",
            worker.organisation_id,
            "correct horse battery",
            instant(),
        )
        .await
        .unwrap();
        byname_casework::accounts::set_profile(store, dpl_id, "service_lead", None, true).await.unwrap();
        let token = byname_casework::accounts::sign_in(
            store,
            "passage-dpl",
            "correct horse battery",
            datetime!(2024-07-01 12:00 UTC),
        )
        .await
        .unwrap();
        let dpl =
            byname_casework::accounts::session(store, &token, datetime!(2024-07-01 12:00 UTC)).await.unwrap().unwrap();

        let noon = datetime!(2024-07-01 12:00 UTC);
        for person in [john, stefan] {
            casework::break_glass(store, &worker, person, "Medical emergency on the street tonight", noon)
                .await
                .unwrap();
            casework::record_contact(store, &worker, person, &contact(), today(), instant()).await.unwrap();
        }
        casework::record_consent(
            store,
            &worker,
            stefan,
            Purpose::CaseCoordination,
            None,
            date!(2024 - 07 - 01),
            None,
            today(),
            instant(),
        )
        .await
        .unwrap();
        // The window closes: the contact and the consent opened nothing for good.
        let later = time::macros::datetime!(2024-07-01 17:00 UTC);
        let view =
            async |person| byname_casework::access::decision(store, &worker, person, today(), later).await.unwrap().0;
        assert_eq!(view(john).await.view, PersonView::Minimal, "{label}: a contact on break-glass");
        assert_eq!(view(stefan).await.view, PersonView::Minimal, "{label}: a consent on break-glass");
        // Listed for the data-protection lead, who confirms one and rejects the other.
        let openings = store.break_glass_openings(Some(worker.organisation_id), 10).await.unwrap();
        assert_eq!(openings.iter().map(|o| o.recorded).sum::<i64>(), 3, "{label}: {openings:?}");
        let opening = |person| openings.iter().find(|o| o.person_id == person).unwrap().id;
        let refused = casework::review_break_glass(store, &worker, opening(john), true, later).await;
        assert!(matches!(refused, Err(CaseError::Forbidden)), "{label}: not a data-protection lead");
        casework::review_break_glass(store, &dpl, opening(john), true, later).await.unwrap();
        casework::review_break_glass(store, &dpl, opening(stefan), false, later).await.unwrap();
        let again = casework::review_break_glass(store, &dpl, opening(stefan), true, later).await;
        assert!(matches!(again, Err(CaseError::Invalid(_))), "{label}: reviewed once");
        let john_view = view(john).await;
        assert_eq!((john_view.view, john_view.basis), (PersonView::Full, Basis::WorksWithPerson), "{label}: confirmed");
        assert_eq!(view(stefan).await.view, PersonView::Minimal, "{label}: rejected");
    })
    .await;
}

#[tokio::test]
async fn only_the_organisation_that_offered_or_owns_a_resource_records_what_came_of_it() {
    each_store(async |store, label| {
        let (john, _) = linked(store).await;
        let noon = datetime!(2024-07-01 12:00 UTC);
        let owner = user_of(store, "hostel", "service_lead", "Hostel Trust").await;
        let worker = user(store, "worker", "outreach_worker").await;
        let stranger = user_of(store, "stranger", "outreach_worker", "The Passage").await;
        let bed = resources::add(store, &owner, "hostel_bed", "Room 4", "2024-07-01", noon).await.unwrap();
        resources::offer(store, &worker, bed, john, "Sleeping out in the rain for a week", noon).await.unwrap();
        let refused = resources::close(store, &stranger, bed, "refused", noon).await;
        assert!(matches!(refused, Err(CaseError::Forbidden)), "{label}: {refused:?}");
        resources::close(store, &owner, bed, "accepted", noon).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn the_linkage_pages_keep_the_pseudonymised_list_pseudonymous() {
    each_store(async |store, label| {
        let (john, stefan) = linked(store).await;
        let strategic = user_of(store, "board", "strategic_viewer", "Westminster City Council").await;
        let admin = user_of(store, "admin", "admin", "Westminster City Council").await;
        let analyst = user_of(store, "analyst", "analyst", "Westminster City Council").await;
        for who in [&strategic, &admin, &analyst] {
            for person in [john, 999_999] {
                let page = review::person_linkage(store, who, person, today(), instant()).await;
                assert!(matches!(page, Err(ReviewError::NotFound)), "{label}: {} on {person}: {page:?}", who.username);
            }
        }
        // A service lead who sees only the minimal entry cannot merge a person they see with one
        // they do not, unless the two were scored as a likely match.
        let passage_lead = user_of(store, "passage-lead", "service_lead", "The Passage").await;
        let merged = review::merge(store, &passage_lead, john, stefan, "They are the same man", instant()).await;
        assert!(matches!(merged, Err(ReviewError::NotFound)), "{label}: {merged:?}");
        let lead = user(store, "lead", "service_lead").await;
        let merged = review::merge(store, &lead, john, stefan, "They are the same man", instant()).await;
        assert!(merged.is_ok(), "{label}: both seen in full: {merged:?}");
    })
    .await;
}

#[tokio::test]
async fn a_consent_naming_an_organisation_twice_and_a_withdrawal_by_someone_who_cannot_see_the_record_are_refused() {
    each_store(async |store, label| {
        let (john, _) = linked(store).await;
        let worker = user(store, "worker", "outreach_worker").await;
        let o = worker.organisation_id;
        let twice = casework::record_consent(
            store,
            &worker,
            john,
            Purpose::CaseCoordination,
            Some(vec![o, o]),
            date!(2024 - 07 - 01),
            None,
            today(),
            instant(),
        )
        .await;
        assert!(matches!(twice, Err(CaseError::BadRequest(_))), "{label}: {twice:?}");
        let id = casework::record_consent(
            store,
            &worker,
            john,
            Purpose::CaseCoordination,
            Some(vec![o]),
            date!(2024 - 07 - 01),
            None,
            today(),
            instant(),
        )
        .await
        .unwrap();
        let outsider = user_of(store, "outsider", "outreach_worker", "The Passage").await;
        let withdrawn = casework::withdraw_consent(store, &outsider, john, id, today(), instant()).await;
        assert!(matches!(withdrawn, Err(CaseError::Forbidden)), "{label}: {withdrawn:?}");
        casework::withdraw_consent(store, &worker, john, id, today(), instant()).await.unwrap();
        // The minimal entry says when the person was last seen and who to contact, not how often.
        let page = by_name_list::by_name_list(store, &outsider, Default::default(), today(), instant()).await.unwrap();
        for entry in &page.entries {
            assert_eq!(entry.view, PersonView::Minimal, "{label}");
            assert_eq!(entry.times_seen, None, "{label}");
            assert!(!entry.why.contains("day") || entry.why.contains("-day window"), "{label}: {}", entry.why);
            assert!(!entry.why.contains("bedded down on"), "{label}: {}", entry.why);
        }
    })
    .await;
}
