//! A partnership sets up its organisations and the names their teams go by in the exports: a
//! worker of an organisation sees the people their team met from the very next request after the
//! name is claimed; a name claimed twice, an organisation misspelt and a role that does not
//! administer are refused with nothing changed; every change is audited. And the data page's
//! figures on a small import.

use crate::support::*;
use byname_casework::accounts::{self, Actor};
use byname_casework::data_status::{self, StaleSource};
use byname_casework::organisations::{self, OrganisationError};
use byname_domain::access::PersonView;
use byname_domain::codes::Source;
use byname_pipeline::import::ImportKind;
use byname_pipeline::link::link;
use byname_store::{Casework, Linkage, SqlStore};
use time::macros::date;

/// A source's figures on the data page: age, rows read and rejected, records, and the shares
/// with a date of birth, a nationality and an NHS number.
type Figures = (Source, Option<i64>, Option<(i64, i64)>, i64, Option<i64>, Option<i64>, Option<i64>);

fn today() -> time::Date {
    date!(2024 - 07 - 01)
}

/// The fixture imported and linked; the person of CHAIN record C003 (Amina, met by "Street
/// Engagement" on 25 June and by "Night Outreach" long ago).
async fn amina(store: &SqlStore) -> i64 {
    import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
    link(store, &Default::default(), instant()).await.unwrap();
    let membership = store.person_membership().await.unwrap();
    membership.iter().find(|(s, i, _)| s == "chain" && i == "C003").unwrap().2
}

fn actions(rows: &[byname_store::AuditRow]) -> Vec<&str> {
    rows.iter().map(|r| r.entry.action.as_str()).filter(|a| a.contains("organisation")).collect()
}

#[tokio::test]
async fn a_name_claimed_lets_the_organisations_workers_see_whom_its_team_met_at_the_next_request() {
    each_store(async |store, label| {
        let amina = amina(store).await;
        organisations::add(store, Actor::Operator, "Passage Outreach", "outreach", instant()).await.unwrap();
        let worker = user_of(store, "sam", "outreach_worker", "Passage Outreach").await;
        let page = byname_casework::casework::person_page(store, &worker, amina, today(), instant()).await.unwrap();
        assert_eq!(page.decision.view, PersonView::Minimal, "{label}: nothing ties the organisation to her yet");
        assert_eq!(page.name, "A. Y.", "{label}: initials only");

        organisations::add_name(store, Actor::Operator, "Passage Outreach", "Street Engagement", instant())
            .await
            .unwrap();
        let page = byname_casework::casework::person_page(store, &worker, amina, today(), instant()).await.unwrap();
        assert_eq!(page.decision.view, PersonView::Full, "{label}: her team met her");
        assert_eq!(page.name, "Amina Yusuf", "{label}");

        // The overview: the name with what it covers, the others unclaimed, most common first.
        let overview = organisations::overview_of(store).await.unwrap();
        let passage = overview.organisations.iter().find(|o| o.organisation.name == "Passage Outreach").unwrap();
        let names: Vec<(&str, i64, i64, i64)> =
            passage.names.iter().map(|n| (n.name.as_str(), n.records, n.contacts, n.stays)).collect();
        assert_eq!(names, [("Street Engagement", 1, 1, 0)], "{label}");
        let unclaimed: Vec<(&str, i64, i64, i64)> =
            overview.unclaimed.iter().map(|n| (n.name.as_str(), n.records, n.contacts, n.stays)).collect();
        assert_eq!(
            unclaimed,
            [
                ("Night Outreach", 2, 2, 0),
                ("Westminster Outreach North", 1, 2, 0),
                ("Hostel North", 1, 0, 1),
                ("St Thomas' Hospital", 1, 0, 1),
            ],
            "{label}"
        );

        // Removed, the name gives nothing at the next request.
        organisations::remove_name(store, Actor::Operator, "Passage Outreach", "Street Engagement", instant())
            .await
            .unwrap();
        let page = byname_casework::casework::person_page(store, &worker, amina, today(), instant()).await.unwrap();
        assert_eq!(page.decision.view, PersonView::Minimal, "{label}");

        let rows = store.audit_rows(0, 1000).await.unwrap();
        assert_eq!(
            actions(&rows),
            ["add_organisation", "add_organisation_name", "remove_organisation_name"],
            "{label}"
        );
        assert!(
            rows.iter().any(|r| r.entry.action == "add_organisation_name"
                && r.entry.detail.as_deref().is_some_and(|d| d.starts_with("command line:")
                    && d.contains("\"Passage Outreach\"")
                    && d.contains("\"Street Engagement\""))),
            "{label}"
        );
        let verification = byname_casework::audit::verify(store).await.unwrap();
        assert_eq!(verification.broken_at, None, "{label}");
    })
    .await;
}

#[tokio::test]
async fn a_name_already_claimed_an_unknown_organisation_and_a_frontline_role_are_refused_with_nothing_changed() {
    each_store(async |store, label| {
        amina(store).await;
        organisations::add(store, Actor::Operator, "Westminster Outreach Service", "outreach", instant())
            .await
            .unwrap();
        organisations::add(store, Actor::Operator, "The Passage", "day_centre", instant()).await.unwrap();
        organisations::add_name(store, Actor::Operator, "Westminster Outreach Service", "Night Outreach", instant())
            .await
            .unwrap();
        let before = organisations::overview_of(store).await.unwrap();
        let audited = store.audit_rows(0, 1000).await.unwrap().len();

        let claimed = organisations::add_name(store, Actor::Operator, "The Passage", "Night Outreach", instant()).await;
        match &claimed {
            Err(e @ OrganisationError::Claimed { organisation, .. }) => {
                assert_eq!(organisation, "Westminster Outreach Service", "{label}");
                assert!(e.to_string().contains("already claimed by Westminster Outreach Service"), "{label}: {e}");
            }
            other => panic!("{label}: {other:?}"),
        }
        let unknown =
            organisations::add_name(store, Actor::Operator, "Westminster Outreach Servise", "Hostel North", instant())
                .await;
        match &unknown {
            Err(e @ OrganisationError::Unknown { close, .. }) => {
                assert_eq!(close, &["Westminster Outreach Service"], "{label}");
                assert!(e.to_string().contains("did you mean \"Westminster Outreach Service\"?"), "{label}: {e}");
            }
            other => panic!("{label}: {other:?}"),
        }
        let unknown =
            organisations::remove_name(store, Actor::Operator, "the passage", "Night Outreach", instant()).await;
        assert!(
            matches!(&unknown, Err(OrganisationError::Unknown { close, .. }) if close == &["The Passage"]),
            "{label}: {unknown:?}"
        );
        let far = organisations::find(store, "Shelter from the Storm").await;
        assert!(matches!(&far, Err(OrganisationError::Unknown { close, .. }) if close.is_empty()), "{label}: {far:?}");
        let not_its =
            organisations::remove_name(store, Actor::Operator, "The Passage", "Night Outreach", instant()).await;
        assert!(matches!(not_its, Err(OrganisationError::NotItsName { .. })), "{label}: {not_its:?}");
        let twice = organisations::add(store, Actor::Operator, "The Passage", "other", instant()).await;
        assert!(matches!(twice, Err(OrganisationError::Exists(_))), "{label}: {twice:?}");
        let twice = organisations::add(store, Actor::Operator, "the passage ", "other", instant()).await;
        assert!(matches!(&twice, Err(OrganisationError::Exists(n)) if n == "The Passage"), "{label}: {twice:?}");
        let kind = organisations::add(store, Actor::Operator, "Shelter", "charity", instant()).await;
        assert!(matches!(kind, Err(OrganisationError::UnknownKind(_))), "{label}: {kind:?}");
        let blank = organisations::add_name(store, Actor::Operator, "The Passage", "  ", instant()).await;
        assert!(matches!(blank, Err(OrganisationError::Invalid(_))), "{label}: {blank:?}");

        let worker = user_of(store, "worker", "outreach_worker", "The Passage").await;
        let refused =
            organisations::add_name(store, Actor::User(&worker), "The Passage", "Hostel North", instant()).await;
        assert!(matches!(refused, Err(OrganisationError::Forbidden)), "{label}: {refused:?}");
        assert!(matches!(organisations::overview(store, &worker).await, Err(OrganisationError::Forbidden)));

        let after = organisations::overview_of(store).await.unwrap();
        let names = |o: &organisations::Overview| {
            o.organisations
                .iter()
                .map(|o| (o.organisation.name.clone(), o.names.iter().map(|n| n.name.clone()).collect::<Vec<_>>()))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&after), names(&before), "{label}: nothing changed");
        // Only the worker's own account was written since (by `user_of`).
        let rows = store.audit_rows(0, 1000).await.unwrap();
        assert!(rows[audited..].iter().all(|r| !r.entry.action.contains("organisation")), "{label}");
    })
    .await;
}

#[tokio::test]
async fn a_user_is_added_to_an_organisation_that_exists_and_a_typo_lists_the_close_names() {
    each_store(async |store, label| {
        organisations::add(store, Actor::Operator, "Westminster Outreach Service", "outreach", instant())
            .await
            .unwrap();
        organisations::add(store, Actor::Operator, "West London Mission", "accommodation", instant()).await.unwrap();
        let typo = organisations::find(store, "Westminster Outreach").await;
        match typo {
            Err(OrganisationError::Unknown { close, .. }) => {
                assert_eq!(close, ["Westminster Outreach Service"], "{label}");
            }
            other => panic!("{label}: {other:?}"),
        }
        let found = organisations::find(store, " West London Mission ").await.unwrap();
        accounts::add_user(store, "wlm", "W L M", "service_lead", found.id, "a long enough password", instant())
            .await
            .unwrap();
        assert_eq!(store.users().await.unwrap().len(), 1, "{label}");
    })
    .await;
}

#[tokio::test]
async fn the_data_page_counts_each_sources_last_import_completeness_unclaimed_names_and_old_imports() {
    each_store(async |store, label| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        import(store, ImportKind::Inform, inform_export().path()).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let status = data_status::status_of(store, today()).await.unwrap();
        let figures: Vec<Figures> = status
            .sources
            .iter()
            .map(|s| {
                (
                    s.source,
                    s.age_days,
                    s.last_import.as_ref().map(|i| (i.rows_read, i.rejected)),
                    s.records.records,
                    s.percent(s.records.with_date_of_birth),
                    s.percent(s.records.with_nationality),
                    s.percent(s.records.with_nhs_number),
                )
            })
            .collect();
        let expected: [Figures; 4] = [
            (Source::Chain, Some(0), Some((10, 0)), 3, Some(100), Some(100), Some(33)),
            (Source::Inform, Some(0), Some((8, 0)), 4, Some(75), Some(100), Some(25)),
            (Source::StreetCount, None, None, 0, None, None, None),
            (Source::Health, None, None, 0, None, None, None),
        ];
        assert_eq!(figures, expected, "{label}");
        assert_eq!(status.awaiting_review, store.review_queue().await.unwrap().len(), "{label}");
        let unclaimed: Vec<&str> = status.unclaimed.iter().map(|n| n.name.as_str()).collect();
        assert!(unclaimed.contains(&"Housing First Westminster"), "{label}: Inform's services too: {unclaimed:?}");
        assert_eq!(status.stale_after_days, 14, "{label}");

        // Imported today: nothing is old, and the sources never imported are not warned about.
        let stale = data_status::stale_sources(store, today()).await.unwrap();
        assert_eq!(stale, [], "{label}");
        // Twenty days later, with the setting at ten, both sources imported are.
        data_status::set_stale_after_as(store, Actor::Operator, 10, instant()).await.unwrap();
        let later = today() + time::Duration::days(20);
        let stale = data_status::stale_sources(store, later).await.unwrap();
        assert_eq!(
            stale,
            [StaleSource { source: Source::Chain, age_days: 20 }, StaleSource { source: Source::Inform, age_days: 20 }],
            "{label}"
        );
        assert_eq!(stale[0].text(), "CHAIN was last imported 20 days ago.", "{label}");
        assert!(data_status::set_stale_after_as(store, Actor::Operator, 0, instant()).await.is_err(), "{label}");
        assert_eq!(data_status::stale_after_days(store).await.unwrap(), 10, "{label}");
    })
    .await;
}

#[tokio::test]
async fn a_store_with_no_imports_warns_about_nothing() {
    each_store(async |store, label| {
        assert_eq!(data_status::stale_sources(store, today()).await.unwrap(), [], "{label}");
    })
    .await;
}
