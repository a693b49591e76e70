//! The partnership's shared resources: shelter beds, hotel rooms and other places a partner
//! makes available, offered to a person from the by-name list with who decided and why, and
//! what came of the offer. An offer is made only on a person whose record the user sees in full;
//! everyone who reads the list of resources sees each person as the access rules allow, audited.

use crate::access;
use crate::accounts::SessionUser;
use crate::casework::{CaseError, MAX_TEXT, recorded, required_text};
use crate::escalations::{PersonLabel, person_labels};
use byname_domain::access::{PersonView, can_record};
use byname_store::{CREATED_ID, CaseChange, ResourceRow, Store};
use time::OffsetDateTime;

/// The kinds of resource, with their labels.
pub const KINDS: [(&str, &str); 5] = [
    ("shelter_bed", "Shelter bed"),
    ("hotel_room", "Hotel room"),
    ("hostel_bed", "Hostel bed"),
    ("hub_bed", "Assessment hub bed"),
    ("other", "Other"),
];

/// What came of an offer.
pub const OUTCOMES: [&str; 3] = ["accepted", "refused", "withdrawn"];

/// A resource with the person it was offered to, as the user may see them.
#[derive(Debug, Clone)]
pub struct ResourceItem {
    pub row: ResourceRow,
    pub person: Option<PersonLabel>,
}

/// Every resource still in use, for those who record case work.
pub async fn resources<S: Store>(
    store: &S,
    user: &SessionUser,
    now: OffsetDateTime,
) -> Result<Vec<ResourceItem>, CaseError> {
    if !can_record(user.role) {
        return Err(CaseError::Forbidden);
    }
    let rows = store.resources().await?;
    let people: Vec<i64> = rows.iter().filter_map(|r| r.offer.as_ref().map(|o| o.person_id)).collect();
    let labels = person_labels(store, user, &people, "view_resources", now.date(), now).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let person = row.offer.as_ref().and_then(|o| labels.get(&o.person_id).cloned());
            ResourceItem { row, person }
        })
        .collect())
}

/// Makes a resource available to the partnership, from the user's organisation.
pub async fn add<S: Store>(
    store: &S,
    user: &SessionUser,
    kind: &str,
    name: &str,
    available_from: &str,
    now: OffsetDateTime,
) -> Result<i64, CaseError> {
    if !can_record(user.role) {
        return Err(CaseError::Forbidden);
    }
    if !KINDS.iter().any(|(k, _)| *k == kind) {
        return Err(CaseError::Invalid(format!("kind: {kind:?} is not a kind of resource")));
    }
    let name = required_text("name", name, 200)?;
    let from = byname_domain::date::parse_iso_date(available_from.trim())
        .map_err(|_| CaseError::Invalid(format!("available from: {available_from:?} is not a date")))?;
    let entry =
        access::entry(user, "add_resource", None, "case_coordination", None, format!("resource {CREATED_ID}"), now);
    let change = CaseChange::AddResource {
        kind,
        name: &name,
        organisation_id: user.organisation_id,
        available_from: from,
        by: user.id,
        at: now,
    };
    Ok(recorded(store.record(change, &entry).await?)?)
}

/// Offers an available resource to a person whose record the user sees, with the reason.
pub async fn offer<S: Store>(
    store: &S,
    user: &SessionUser,
    resource_id: i64,
    person_id: i64,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), CaseError> {
    if !can_record(user.role) {
        return Err(CaseError::Forbidden);
    }
    if !store.person_exists(person_id).await? {
        return Err(CaseError::NotFound);
    }
    let (decision, _) = access::decision(store, user, person_id, now.date(), now).await?;
    match decision.view {
        PersonView::Full => {}
        PersonView::None | PersonView::Pseudonymised => return Err(CaseError::NotFound),
        _ => return Err(CaseError::Forbidden),
    }
    let reason = required_text("reason", reason, MAX_TEXT)?;
    let detail = format!("resource {resource_id} offered: {reason}");
    let entry =
        access::entry(user, "offer_resource", Some(person_id), "case_coordination", Some(decision.basis), detail, now);
    let change = CaseChange::OfferResource { resource_id, person_id, by: user.id, reason: &reason, at: now };
    if store.record(change, &entry).await?.is_none() {
        return Err(CaseError::Invalid("that resource is not available".into()));
    }
    Ok(())
}

/// Records what came of an offer.
pub async fn close<S: Store>(
    store: &S,
    user: &SessionUser,
    resource_id: i64,
    outcome: &str,
    now: OffsetDateTime,
) -> Result<(), CaseError> {
    if !can_record(user.role) {
        return Err(CaseError::Forbidden);
    }
    if !OUTCOMES.contains(&outcome) {
        return Err(CaseError::Invalid(format!("outcome: {outcome:?} is not accepted, refused or withdrawn")));
    }
    // Only the organisation that made the offer, or the one whose resource it is, says what came
    // of it.
    let resource = store.resources().await?.into_iter().find(|r| r.id == resource_id);
    let Some(resource) = resource else {
        return Err(CaseError::Invalid("that resource has no open offer".into()));
    };
    let offered_by_us = resource.offer.as_ref().is_some_and(|o| o.decider_organisation_id == user.organisation_id);
    if !offered_by_us && resource.organisation_id != user.organisation_id {
        return Err(CaseError::Forbidden);
    }
    // The entry's person is the offer's, set where the offer is closed.
    let detail = format!("resource {resource_id}: {outcome}");
    let entry = access::entry(user, "close_offer", None, "case_coordination", None, detail, now);
    if store.record(CaseChange::CloseOffer { resource_id, outcome, at: now }, &entry).await?.is_none() {
        return Err(CaseError::Invalid("that resource has no open offer".into()));
    }
    Ok(())
}

/// The resources that can be offered now (no person data).
pub async fn available<S: Store>(store: &S, user: &SessionUser) -> Result<Vec<ResourceRow>, CaseError> {
    if !can_record(user.role) {
        return Ok(Vec::new());
    }
    Ok(store.resources().await?.into_iter().filter(|r| r.state == "available").collect())
}

/// A person's page with what its forms offer: the partnership's organisations (owners, leads,
/// consent parties) and the resources the user may offer the person, both read only for the full
/// record, which alone has those forms.
#[derive(Debug)]
pub struct PersonScreen {
    pub page: crate::person::CasePage,
    pub organisations: Vec<byname_domain::Organisation>,
    pub available: Vec<ResourceRow>,
}

/// A person's page as the web shows it: [`crate::person::case_page`] (access rules and audit),
/// the partnership's organisations and the resources available to offer.
pub async fn person_screen<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    query: crate::person::TimelineQuery,
    today: time::Date,
    now: OffsetDateTime,
) -> Result<PersonScreen, CaseError> {
    let page = crate::person::case_page(store, user, person_id, query, today, now).await?;
    let full = page.page.decision.view == byname_domain::access::PersonView::Full;
    let organisations = if full { store.organisations().await? } else { Vec::new() };
    let available = if full && can_record(user.role) { available(store, user).await? } else { Vec::new() };
    Ok(PersonScreen { page, organisations, available })
}
