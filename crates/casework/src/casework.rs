//! The work on one person: their page (the timeline across organisations, needs, consent, lead,
//! action plan, source records), consent recorded and withdrawn, contacts recorded from the
//! street, break-glass, the lead and the action plan. Every read goes through
//! [`access`](crate::access) and every read and change is audited.

use crate::access::{self, consents};
use crate::accounts::SessionUser;
use byname_domain::access::{
    Basis, ConsentState, Decision, PersonView, Purpose, can_assign_lead, can_record, is_frontline,
};
use byname_domain::date::iso;
use byname_store::{
    AccessFacts, ActionRow, CREATED_ID, CaseChange, CaseEvent, ConsentRow, NewAction, NewConsent, NewContact,
    PersonLead, RecordDetail, Store, StoreError, TimelineEvent,
};
use time::{Date, OffsetDateTime};

/// How long break-glass access lasts.
pub const BREAK_GLASS_HOURS: i64 = 4;
/// The longest text a form field takes.
pub const MAX_TEXT: usize = 2000;

impl From<crate::accounts::AccountError> for CaseError {
    fn from(error: crate::accounts::AccountError) -> Self {
        use crate::accounts::AccountError;
        match error {
            AccountError::Store(e) => CaseError::Store(e),
            AccountError::Forbidden => CaseError::Forbidden,
            other => CaseError::Invalid(other.to_string()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The person does not exist, or the user may not know that they do: the same answer either
    /// way, so an id tells nobody anything.
    #[error("no such person, or not one you may see")]
    NotFound,
    #[error("your role cannot do this")]
    Forbidden,
    #[error("{0}")]
    Invalid(String),
    /// The request itself is malformed (an organisation named twice, say).
    #[error("{0}")]
    BadRequest(String),
}

/// A person's page as the user may see it.
#[derive(Debug, Clone)]
pub struct PersonPage {
    pub person_id: i64,
    pub decision: Decision,
    /// The name as the view allows (initials in the minimal entry).
    pub name: String,
    pub records: Vec<RecordDetail>,
    pub timeline: Vec<TimelineEvent>,
    /// Health events (matched by NHS number), for the full record and the health view.
    pub health_events: Vec<TimelineEvent>,
    pub needs: Vec<&'static str>,
    pub consents: Vec<ConsentRow>,
    pub lead: PersonLead,
    pub actions: Vec<ActionRow>,
    /// Area and day last seen, for the minimal entry.
    pub last_seen: Option<(String, String)>,
    /// The user may open the record with break-glass.
    pub may_break_glass: bool,
}

impl PersonPage {
    /// Whether a consent is current for a purpose on `today`.
    pub fn consent_current(&self, purpose: Purpose, today: Date) -> bool {
        consents(&self.consents).iter().any(|c| c.purpose == purpose && c.state(today) == ConsentState::Current)
    }
}

/// A text field, trimmed: `None` when empty, refused when longer than `max` characters.
pub(crate) fn optional_text(field: &str, text: &str, max: usize) -> Result<Option<String>, CaseError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max {
        return Err(CaseError::Invalid(format!("{field}: at most {max} characters")));
    }
    Ok(Some(text.to_owned()))
}

/// A text field that must be filled in.
pub(crate) fn required_text(field: &str, text: &str, max: usize) -> Result<String, CaseError> {
    optional_text(field, text, max)?.ok_or_else(|| CaseError::Invalid(format!("{field}: required")))
}

/// The access decision for one person, or `NotFound` when the person does not exist or the
/// user may see nothing of them.
async fn decide<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    today: Date,
    now: OffsetDateTime,
) -> Result<Decision, CaseError> {
    Ok(decide_with_facts(store, user, person_id, today, now).await?.0)
}

/// [`decide`], with the facts it rested on (the person's consents among them).
async fn decide_with_facts<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    today: Date,
    now: OffsetDateTime,
) -> Result<(Decision, AccessFacts), CaseError> {
    if !store.person_exists(person_id).await? {
        return Err(CaseError::NotFound);
    }
    let (decision, facts) = access::decision(store, user, person_id, today, now).await?;
    if matches!(decision.view, PersonView::None | PersonView::Pseudonymised) {
        return Err(CaseError::NotFound);
    }
    Ok((decision, facts))
}

/// A person's page. The view is audited with its basis.
pub async fn person_page<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    today: Date,
    now: OffsetDateTime,
) -> Result<PersonPage, CaseError> {
    let page = read_person(store, user, person_id, today, now, true).await?;
    store.append_audit(&access::view_entry(user, "view_person", person_id, page.decision, now)).await?;
    Ok(page)
}

/// What a person's page shows as `user` may see it, not yet audited: with `whole_timeline` the
/// timeline, the health events and (in the minimal entry) the day last seen; without, those are
/// left for the caller to read a slice of.
pub(crate) async fn read_person<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    today: Date,
    now: OffsetDateTime,
    whole_timeline: bool,
) -> Result<PersonPage, CaseError> {
    let (decision, facts) = decide_with_facts(store, user, person_id, today, now).await?;
    let records = store.person_records(person_id).await?;
    let first = records.iter().find_map(|r| r.first_name.clone());
    let last = records.iter().find_map(|r| r.last_name.clone());
    let name = if decision.view.names() {
        let name = [first.clone(), last.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        // Someone registered without a name is known by their description.
        if name.is_empty() {
            records.iter().find_map(|r| r.description.clone()).unwrap_or_else(|| "(name not known)".to_owned())
        } else {
            name
        }
    } else {
        byname_domain::names::initials(first.as_deref(), last.as_deref())
    };
    let full = decision.view == PersonView::Full;
    let events: Vec<TimelineEvent> = if whole_timeline {
        store.timeline(person_id).await?.into_iter().map(timeline_event).collect()
    } else {
        Vec::new()
    };
    let last_seen =
        events.iter().find(|e| e.kind == "contact").map(|e| (e.date.clone(), e.by.clone().unwrap_or_default()));
    let timeline = if full { events } else { Vec::new() };
    let needs = if decision.view.names() {
        let codes = store.person_needs(person_id).await?;
        codes.iter().filter_map(|c| byname_domain::codes::SupportNeed::parse(c)).map(|n| n.label()).collect()
    } else {
        Vec::new()
    };
    let health_events =
        if whole_timeline && decision.view.names() { store.health_events(person_id).await? } else { Vec::new() };
    Ok(PersonPage {
        person_id,
        decision,
        health_events,
        name,
        records: if full { records } else { Vec::new() },
        timeline,
        needs,
        // The consents the access rules read are the person's consents.
        consents: if full { facts.consents } else { Vec::new() },
        lead: store.person_lead(person_id).await?,
        actions: if full { store.actions(person_id).await? } else { Vec::new() },
        last_seen: if full { None } else { last_seen.map(|(d, _)| (d, String::new())) },
        may_break_glass: !full && is_frontline(user.role),
    })
}

/// The user must see the full record (or be a health partner under consent, for `health`).
async fn require_full<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    today: Date,
    now: OffsetDateTime,
) -> Result<Decision, CaseError> {
    if !can_record(user.role) {
        return Err(CaseError::Forbidden);
    }
    let decision = decide(store, user, person_id, today, now).await?;
    if decision.view != PersonView::Full {
        return Err(CaseError::Forbidden);
    }
    Ok(decision)
}

/// Records a consent. Anyone who sees the full record and records case work may record it.
#[allow(clippy::too_many_arguments)]
pub async fn record_consent<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    purpose: Purpose,
    organisations: Option<Vec<i64>>,
    given_on: Date,
    expires_on: Option<Date>,
    today: Date,
    now: OffsetDateTime,
) -> Result<i64, CaseError> {
    let decision = require_full(store, user, person_id, today, now).await?;
    if given_on > today {
        return Err(CaseError::Invalid("the consent's date is in the future".into()));
    }
    if expires_on.is_some_and(|e| e <= given_on) {
        return Err(CaseError::Invalid("the consent expires before it was given".into()));
    }
    if organisations.as_ref().is_some_and(Vec::is_empty) {
        return Err(CaseError::Invalid("name at least one organisation, or give it to all partners".into()));
    }
    if let Some(named) = &organisations {
        let mut sorted = named.clone();
        sorted.sort_unstable();
        if let Some(twice) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return Err(CaseError::BadRequest(format!("organisations: {} is named twice", twice[0])));
        }
    }
    let known: Vec<i64> = store.organisations().await?.iter().map(|o| o.id).collect();
    if organisations.iter().flatten().any(|o| !known.contains(o)) {
        return Err(CaseError::Invalid("an organisation named is not a partner".into()));
    }
    let consent = NewConsent {
        person_id,
        purpose: purpose.code().to_owned(),
        organisations: organisations.clone(),
        given_on,
        expires_on,
        recorded_by: user.id,
        recorded_at: now,
        break_glass_id: break_glass_id(store, user, person_id, decision, now).await?,
    };
    let scope = match &organisations {
        None => "all partners".to_owned(),
        Some(orgs) => format!("organisations {orgs:?}"),
    };
    let detail = format!("consent {CREATED_ID}: {} to {scope}", purpose.code());
    let entry =
        access::entry(user, "record_consent", Some(person_id), purpose.code(), Some(decision.basis), detail, now);
    Ok(recorded(store.record(CaseChange::AddConsent(&consent), &entry).await?)?)
}

/// Withdraws a consent, from today: it counts for nothing from this moment.
pub async fn withdraw_consent<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    consent_id: i64,
    today: Date,
    now: OffsetDateTime,
) -> Result<(), CaseError> {
    // Only those who see the full record may: a worker who sees the minimal entry passes the
    // person's wish to the lead organisation, and consent ids are not guessed at.
    let decision = require_full(store, user, person_id, today, now).await?;
    let detail = format!("consent {consent_id} withdrawn");
    let entry = access::entry(
        user,
        "withdraw_consent",
        Some(person_id),
        "case_coordination",
        Some(decision.basis),
        detail,
        now,
    );
    let change = CaseChange::WithdrawConsent { consent_id, person_id, by: user.id, on: today, at: now };
    if store.record(change, &entry).await?.is_none() {
        return Err(CaseError::Invalid("no such live consent for this person".into()));
    }
    Ok(())
}

/// Opens a record in an emergency, with a reason shown to the data-protection lead.
pub async fn break_glass<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), CaseError> {
    if !is_frontline(user.role) {
        return Err(CaseError::Forbidden);
    }
    if !store.person_exists(person_id).await? {
        return Err(CaseError::NotFound);
    }
    let reason = required_text("reason", reason, MAX_TEXT)?;
    if reason.chars().count() < 10 {
        return Err(CaseError::Invalid("reason: say why in a sentence (vital interests, safeguarding)".into()));
    }
    let entry = access::entry(
        user,
        "break_glass",
        Some(person_id),
        "vital_interests",
        Some(Basis::BreakGlass),
        reason.clone(),
        now,
    );
    let change = CaseChange::OpenBreakGlass {
        user_id: user.id,
        person_id,
        reason: &reason,
        opened_at: now,
        expires_at: now + time::Duration::hours(BREAK_GLASS_HOURS),
    };
    recorded(store.record(change, &entry).await?)?;
    Ok(())
}

/// What [`byname_store::Casework::record`] returned for a change that always applies.
pub(crate) fn recorded(id: Option<i64>) -> Result<i64, StoreError> {
    id.ok_or_else(|| StoreError::Config("a change that always applies changed nothing".into()))
}

/// The break-glass opening to record something under, when break-glass is the user's only
/// basis: what is recorded so gives no lasting access until the data-protection lead confirms
/// it.
async fn break_glass_id<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    decision: Decision,
    now: OffsetDateTime,
) -> Result<Option<i64>, CaseError> {
    if decision.basis != Basis::BreakGlass {
        return Ok(None);
    }
    Ok(store.open_break_glass_id(user.id, person_id, now).await?)
}

/// The data-protection lead's review of a break-glass opening by a user of their organisation:
/// confirmed, what was recorded under it counts towards working with the person; rejected, it
/// never does. Audited with the change.
pub async fn review_break_glass<S: Store>(
    store: &S,
    user: &SessionUser,
    opening: i64,
    confirm: bool,
    now: OffsetDateTime,
) -> Result<(), CaseError> {
    let row = store.break_glass_opening(opening).await?.ok_or(CaseError::NotFound)?;
    if !user.data_protection_lead || row.organisation_id != user.organisation_id {
        return Err(CaseError::Forbidden);
    }
    if row.user_id == user.id {
        return Err(CaseError::Invalid("another data-protection lead reviews your own break-glass".into()));
    }
    let outcome = if confirm { "confirmed" } else { "rejected" };
    let entry = access::entry(
        user,
        "review_break_glass",
        Some(row.person_id),
        "administration",
        None,
        format!("break-glass {opening} {outcome}"),
        now,
    );
    let change = byname_store::AdminChange::ReviewBreakGlass { id: opening, outcome, by: user.id, at: now };
    if store.administer(change, &entry).await? == 0 {
        return Err(CaseError::Invalid("this opening was reviewed already".into()));
    }
    Ok(())
}

/// What a contact recorded from the street says.
#[derive(Debug, Clone, Default)]
pub struct ContactForm {
    pub date: String,
    pub time: String,
    pub place: String,
    pub area: String,
    pub latitude: String,
    pub longitude: String,
    pub bedded_down: bool,
    pub note: String,
}

/// A contact form's fields, checked: a date not in the future, a time, a place or coordinates.
/// The contact is the user's organisation's, recorded by the user, for `person_id`.
pub(crate) fn contact_of(
    user: &SessionUser,
    person_id: i64,
    form: &ContactForm,
    today: Date,
) -> Result<NewContact, CaseError> {
    let date = byname_domain::date::parse_iso_date(form.date.trim())
        .map_err(|_| CaseError::Invalid(format!("date: {:?} is not a date (YYYY-MM-DD)", form.date)))?;
    if date > today {
        return Err(CaseError::Invalid("date: in the future".into()));
    }
    let time = optional_text("time", &form.time, MAX_TEXT)?;
    if let Some(t) = &time
        && !(t.len() == 5
            && t.as_bytes()[2] == b':'
            && t[..2].parse::<u8>().is_ok_and(|h| h < 24)
            && t[3..].parse::<u8>().is_ok_and(|m| m < 60))
    {
        return Err(CaseError::Invalid(format!("time: {t:?} is not a time (HH:MM)")));
    }
    let coordinate = |field: &str, text: &str, limit: f64| -> Result<Option<f64>, CaseError> {
        match text.trim() {
            "" => Ok(None),
            t => t
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && v.abs() <= limit)
                .map(Some)
                .ok_or_else(|| CaseError::Invalid(format!("{field}: {t:?} is not a {field}"))),
        }
    };
    let latitude = coordinate("latitude", &form.latitude, 90.0)?;
    let longitude = coordinate("longitude", &form.longitude, 180.0)?;
    if latitude.is_some() != longitude.is_some() {
        return Err(CaseError::Invalid("give both latitude and longitude, or neither".into()));
    }
    let place = optional_text("place", &form.place, MAX_TEXT)?;
    if place.is_none() && latitude.is_none() {
        return Err(CaseError::Invalid("place: say where, by a place name or coordinates".into()));
    }
    Ok(NewContact {
        source_id: crate::accounts::random_token(12),
        person_id,
        organisation_id: user.organisation_id,
        organisation_name: user.organisation_name.clone(),
        recorded_by: user.id,
        contact_date: iso(date),
        contact_time: time,
        location: place,
        borough: optional_text("area", &form.area, MAX_TEXT)?,
        latitude,
        longitude,
        bedded_down: form.bedded_down,
        note: optional_text("note", &form.note, MAX_TEXT)?,
        break_glass_id: None,
    })
}

/// Records a contact or sighting, by the user's organisation.
pub async fn record_contact<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    form: &ContactForm,
    today: Date,
    now: OffsetDateTime,
) -> Result<i64, CaseError> {
    let decision = require_full(store, user, person_id, today, now).await?;
    let mut contact = contact_of(user, person_id, form, today)?;
    contact.break_glass_id = break_glass_id(store, user, person_id, decision, now).await?;
    let entry = access::entry(
        user,
        "record_contact",
        Some(person_id),
        "case_coordination",
        Some(decision.basis),
        format!("contact {CREATED_ID}"),
        now,
    );
    Ok(recorded(store.record(CaseChange::AddContact(&contact), &entry).await?)?)
}

/// Adds an action to the plan.
#[allow(clippy::too_many_arguments)]
pub async fn add_action<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    description: &str,
    owner_organisation_id: Option<i64>,
    due_on: Option<Date>,
    today: Date,
    now: OffsetDateTime,
) -> Result<i64, CaseError> {
    let decision = require_full(store, user, person_id, today, now).await?;
    let description = required_text("action", description, MAX_TEXT)?;
    let owner = owner_organisation_id.unwrap_or(user.organisation_id);
    if !store.organisations().await?.iter().any(|o| o.id == owner) {
        return Err(CaseError::Invalid("owner: not a partner organisation".into()));
    }
    let action = NewAction {
        person_id,
        description,
        owner_user_id: (owner == user.organisation_id).then_some(user.id),
        owner_organisation_id: owner,
        due_on,
        created_by: user.id,
        created_at: now,
    };
    let entry = access::entry(
        user,
        "add_action",
        Some(person_id),
        "case_coordination",
        Some(decision.basis),
        format!("action {CREATED_ID}"),
        now,
    );
    Ok(recorded(store.record(CaseChange::AddAction(&action), &entry).await?)?)
}

pub async fn complete_action<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    action_id: i64,
    today: Date,
    now: OffsetDateTime,
) -> Result<(), CaseError> {
    let decision = require_full(store, user, person_id, today, now).await?;
    let entry = access::entry(
        user,
        "complete_action",
        Some(person_id),
        "case_coordination",
        Some(decision.basis),
        format!("action {action_id}"),
        now,
    );
    if store.record(CaseChange::CompleteAction { action_id, person_id, on: today }, &entry).await?.is_none() {
        return Err(CaseError::Invalid("no such open action for this person".into()));
    }
    Ok(())
}

/// Assigns the lead organisation (and worker) — for service leads, at a case conference.
pub async fn assign_lead<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    organisation_id: Option<i64>,
    today: Date,
    now: OffsetDateTime,
) -> Result<(), CaseError> {
    if !can_assign_lead(user.role) {
        return Err(CaseError::Forbidden);
    }
    // A lead is not a key: only who sees the full record changes it, and not on break-glass
    // alone, since the lead's organisation then works with the person for good.
    let decision = decide(store, user, person_id, today, now).await?;
    match (decision.view, decision.basis) {
        (PersonView::Full, Basis::BreakGlass) => {
            return Err(CaseError::Invalid(
                "the lead cannot be set on break-glass access: ask an organisation that works with the person".into(),
            ));
        }
        (PersonView::Full, _) => {}
        _ => return Err(CaseError::Forbidden),
    }
    if let Some(o) = organisation_id
        && !store.organisations().await?.iter().any(|org| org.id == o)
    {
        return Err(CaseError::Invalid("lead: not a partner organisation".into()));
    }
    let detail = format!("lead organisation {organisation_id:?}");
    let entry =
        access::entry(user, "assign_lead", Some(person_id), "case_coordination", Some(decision.basis), detail, now);
    recorded(store.record(CaseChange::SetLead { person_id, organisation_id, user_id: None }, &entry).await?)?;
    Ok(())
}

/// The timeline's wording of one case event, in one place: the person page, the API and the
/// subject access export all show these sentences.
pub fn timeline_event(event: CaseEvent) -> TimelineEvent {
    let words = |code: &str| code.replace('_', " ");
    let (date, kind, by, text) = match event {
        CaseEvent::Contact { date, organisation, team, place, bedded_down, contact_type, note } => {
            let mut text = format!(
                "{}{}{}",
                if bedded_down { "Seen bedded down" } else { "Contact" },
                if contact_type == "outreach" || contact_type.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", words(&contact_type))
                },
                if place.is_empty() { String::new() } else { format!(" at {}", place.join(", ")) }
            );
            if let Some(note) = note {
                text.push_str(&format!(": {note}"));
            }
            (date, "contact", organisation.or(team), text)
        }
        CaseEvent::Arrived { date, provider, stay_type } => {
            (date, "stay", provider, format!("Moved into {}", words(&stay_type)))
        }
        CaseEvent::Left { date, provider, stay_type, reason } => {
            let why = reason.map(|w| format!(" ({})", words(&w))).unwrap_or_default();
            (date, "stay", provider, format!("Left {}{why}", words(&stay_type)))
        }
        CaseEvent::Assessed { date, source } => (date, "assessment", source, "Needs assessed".to_owned()),
        CaseEvent::Escalated { date, organisation, service_area, blocked, state } => {
            (date, "escalation", organisation, format!("Escalated to {}: {blocked} ({state})", words(&service_area)))
        }
        CaseEvent::Action { date, owner_organisation, description, done_on } => {
            let done = done_on.map(|d| format!(" (done {d})")).unwrap_or_default();
            (date, "action", Some(owner_organisation), format!("Action: {description}{done}"))
        }
        CaseEvent::Health { date, provider, event_type } => {
            let text = byname_domain::codes::HealthEventType::parse(&event_type)
                .map_or_else(|| words(&event_type), |t| t.label().to_owned());
            (date, "health", provider, text)
        }
    };
    TimelineEvent { date, kind: kind.to_owned(), by, text }
}

#[cfg(test)]
mod timeline_tests {
    use super::timeline_event;
    use byname_store::CaseEvent;

    fn text(event: CaseEvent) -> (String, Option<String>, String) {
        let e = timeline_event(event);
        (e.kind, e.by, e.text)
    }

    #[test]
    fn each_case_event_is_worded_as_the_timeline_has_always_shown_it() {
        let contact = |bedded_down, contact_type: &str, place: &[&str], note: Option<&str>| CaseEvent::Contact {
            date: "2026-01-02".into(),
            organisation: None,
            team: Some("St Mungo's".into()),
            place: place.iter().map(|p| (*p).to_owned()).collect(),
            bedded_down,
            contact_type: contact_type.into(),
            note: note.map(str::to_owned),
        };
        assert_eq!(
            text(contact(true, "outreach", &["Strand, WC2", "Westminster"], Some("asleep"))),
            (
                "contact".into(),
                Some("St Mungo's".into()),
                "Seen bedded down at Strand, WC2, Westminster: asleep".into()
            )
        );
        assert_eq!(text(contact(false, "day_centre", &[], None)).2, "Contact (day centre)");
        assert_eq!(text(contact(false, "", &[], None)).2, "Contact");
        assert_eq!(
            text(CaseEvent::Arrived { date: "d".into(), provider: Some("P".into()), stay_type: "hostel_bed".into() }),
            ("stay".into(), Some("P".into()), "Moved into hostel bed".into())
        );
        assert_eq!(
            text(CaseEvent::Left {
                date: "d".into(),
                provider: None,
                stay_type: "hostel".into(),
                reason: Some("moved_on".into())
            })
            .2,
            "Left hostel (moved on)"
        );
        assert_eq!(
            text(CaseEvent::Left { date: "d".into(), provider: None, stay_type: "hostel".into(), reason: None }).2,
            "Left hostel"
        );
        assert_eq!(
            text(CaseEvent::Assessed { date: "d".into(), source: Some("inform".into()) }),
            ("assessment".into(), Some("inform".into()), "Needs assessed".into())
        );
        assert_eq!(
            text(CaseEvent::Escalated {
                date: "d".into(),
                organisation: Some("Council".into()),
                service_area: "mental_health".into(),
                blocked: "No bed".into(),
                state: "open".into()
            })
            .2,
            "Escalated to mental health: No bed (open)"
        );
        assert_eq!(
            text(CaseEvent::Action {
                date: "d".into(),
                owner_organisation: "Team".into(),
                description: "Book GP".into(),
                done_on: Some("2026-02-01".into())
            }),
            ("action".into(), Some("Team".into()), "Action: Book GP (done 2026-02-01)".into())
        );
    }
}
