//! A person's page and the forms on it: the summary (who they are, the list, when and where
//! seen, lead, accommodation, escalations, consent), the timeline across organisations by month
//! and kind, fifty events at a time, needs and the action plan for those who may see the record;
//! the minimal entry and the break-glass form for those who may not; and the short contact form
//! for a phone in the street.
//! Every read and write goes through `byname_casework::casework`.

use crate::AppState;
use crate::auth::{SignedForm, SignedIn};
use crate::layout::layout;
use crate::page_error::{Look, Notice, PageError};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use byname_casework::accounts::SessionUser;
use byname_casework::by_name_list::ListStatus;
use byname_casework::casework::{self, CaseError, ContactForm, PersonPage};
use byname_casework::person::{CasePage, EVENTS_PER_PAGE, Summary, TimelineQuery};
use byname_domain::access::{PersonView, Purpose, can_assign_lead, can_record, can_review_links};
use byname_domain::date::{iso, parse_iso_date};
use byname_store::{Store, TimelineEvent, TimelineKind};
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

crate::auth::csrf_forms!(ContactFields, CsrfForm, BreakGlassForm);

/// What the person page's address may ask: one kind of event (`kind`) and a page of the
/// timeline (`page`, from 1). Both may be left out: `/people/{id}` is the newest fifty events of
/// every kind.
#[derive(Deserialize, Default)]
pub struct PersonParams {
    kind: Option<String>,
    page: Option<String>,
}

impl PersonParams {
    fn query(&self) -> Result<TimelineQuery, String> {
        let filled = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let kind = match filled(&self.kind).as_deref() {
            None | Some("all") => None,
            Some(v) => Some(TimelineKind::parse(v).ok_or_else(|| {
                let kinds: Vec<&str> = TimelineKind::ALL.iter().map(|k| k.code()).collect();
                format!("kind: {v:?} is not a kind of event; the timeline shows {} or all", kinds.join(", "))
            })?),
        };
        let page = match filled(&self.page) {
            None => 1,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|p| *p >= 1)
                .ok_or_else(|| format!("page: {v:?} is not a page number (1, 2, ...)"))?,
        };
        Ok(TimelineQuery { kind, page })
    }
}

pub async fn person_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    Query(params): Query<PersonParams>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let query =
        params.query().map_err(|message| PageError::BadRequest(Notice::new("Person", message, Look::Casework)))?;
    let today = state.clock.today();
    match byname_casework::resources::person_screen(&state.store, &user, person, query, today, state.clock.now()).await
    {
        Ok(screen) => {
            let body = render(&screen.page, &user, &screen.organisations, today);
            let offer = offer_form(&screen.page.page, &user, &screen.available);
            Ok(layout("Person", Some(&user), html! { (body) (offer) }).into_response())
        }
        // Reviewers reach identifiable records only through the linkage pages.
        Err(CaseError::NotFound) if can_review_links(user.role) => {
            Ok(Redirect::to(&format!("/people/{person}/linkage")).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

/// The person page's address for a kind and a page of the timeline.
fn timeline_url(person: i64, kind: Option<TimelineKind>, page: usize) -> String {
    let mut parts = Vec::new();
    if let Some(kind) = kind {
        parts.push(format!("kind={}", kind.code()));
    }
    if page > 1 {
        parts.push(format!("page={page}"));
    }
    if parts.is_empty() { format!("/people/{person}") } else { format!("/people/{person}?{}", parts.join("&")) }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "June 2024" for an ISO date in June 2024; the text itself when it is not a date.
fn month_of(date: &str) -> String {
    let month = date.get(5..7).and_then(|m| m.parse::<usize>().ok()).filter(|m| (1..=12).contains(m));
    match (date.get(..4), month) {
        (Some(year), Some(m)) => format!("{} {year}", MONTHS[m - 1]),
        _ => date.to_owned(),
    }
}

/// The events in groups by month, in their order (newest first).
fn by_month(events: &[(TimelineKind, TimelineEvent)]) -> Vec<(String, Vec<&(TimelineKind, TimelineEvent)>)> {
    let mut groups: Vec<(String, Vec<&(TimelineKind, TimelineEvent)>)> = Vec::new();
    for event in events {
        let month = month_of(&event.1.date);
        match groups.last_mut() {
            Some((m, group)) if *m == month => group.push(event),
            _ => groups.push((month, vec![event])),
        }
    }
    groups
}

/// The summary at the top of the full record: who the person is, the list, when and where seen,
/// who leads, where they stay, what is escalated, consent.
fn summary(c: &CasePage, s: &Summary, today: time::Date) -> Markup {
    let p = &c.page;
    let id = &s.identity;
    let seen = &s.seen;
    let or_none = |v: &Option<String>| v.clone().unwrap_or_else(|| "Not recorded".to_owned());
    let place = |location: &Option<String>, borough: &Option<String>| {
        [location.clone(), borough.clone()].into_iter().flatten().collect::<Vec<_>>().join(", ")
    };
    html! {
        section.summary aria-labelledby="summary-heading" {
            h2 #summary-heading { "Summary" }
            dl.summary {
                dt { "Names" }
                dd { @if id.names.is_empty() { "Not recorded" } @else { (id.names.join("; ")) } }
                @if !id.known_as.is_empty() { dt { "Known as" } dd { (id.known_as.join("; ")) } }
                @if !id.aliases.is_empty() { dt { "Aliases" } dd { (id.aliases.join("; ")) } }
                dt { "Date of birth" }
                dd { (or_none(&id.date_of_birth)) @if let Some(age) = id.age { " (age " (age) ")" } }
                dt { "Gender" } dd { (or_none(&id.gender)) }
                dt { "Nationality" } dd { (or_none(&id.nationality)) }
                dt { "Immigration status" } dd { (or_none(&id.immigration_status)) }
                dt { "Ids" }
                dd {
                    ul.ids { @for (label, value) in &id.ids { li { (label) " " span.id { (value) } } } }
                }
                dt { "By-name list" }
                dd {
                    @match &s.list {
                        ListStatus::On(why) => { strong { "On the list. " } (why) }
                        ListStatus::Off(why) => { (why) }
                    }
                }
                dt { "First seen" } dd { (or_none(&seen.first_seen)) }
                dt { "Last seen" }
                dd {
                    @match &seen.last_seen {
                        Some(last) => {
                            time datetime=(last.date) { (last.date) }
                            @let at = place(&last.location, &last.borough);
                            @if !at.is_empty() { ", " (at) }
                        }
                        None => { "Not recorded" }
                    }
                }
                dt { "Times seen" }
                dd {
                    (seen.times_seen) " contact" @if seen.times_seen != 1 { "s" }
                    "; bedded down on " (seen.days_bedded_down) " day" @if seen.days_bedded_down != 1 { "s" }
                }
                dt { "Usual places" }
                dd {
                    @if seen.usual_places.is_empty() { "Not recorded" }
                    @for (i, (place, n)) in seen.usual_places.iter().enumerate() {
                        @if i > 0 { "; " }
                        (place) " (" (n) ")"
                    }
                }
                dt { "Lead organisation" }
                dd { (p.lead.organisation.clone().unwrap_or_else(|| "None yet".into())) @if let Some(w) = &p.lead.user { " (" (w) ")" } }
                dt { "Accommodation" }
                dd {
                    @match &seen.accommodation {
                        Some(stay) => {
                            (byname_domain::codes::StayType::parse(&stay.stay_type).map_or_else(|| stay.stay_type.replace('_', " "), |t| t.label().to_owned()))
                            @if let Some(provider) = &stay.provider { ", " (provider) }
                            ", since " (stay.since)
                        }
                        None => { "None recorded now" }
                    }
                }
                dt { "Open escalations" }
                dd {
                    @if seen.open_escalations.is_empty() { "None" }
                    @else {
                        ul.ids {
                            @for e in &seen.open_escalations {
                                li {
                                    a href=(format!("/escalations/{}", e.id)) { (crate::layout::capitalise(&e.service_area.replace('_', " "))) }
                                    " (" (e.state) ", due " (e.deadline_at.get(..10).unwrap_or(&e.deadline_at)) ")"
                                }
                            }
                        }
                    }
                }
                dt { "Consent to share for case coordination" }
                dd { @if p.consent_current(Purpose::CaseCoordination, today) { "Given" } @else { "Not given" } }
                dt { "Consent to share for health care" }
                dd { @if p.consent_current(Purpose::HealthCare, today) { "Given" } @else { "Not given" } }
            }
        }
    }
}

/// The timeline: filters by kind, the events of this page by month, and the links to more.
fn timeline(c: &CasePage, heading: &str) -> Markup {
    let person = c.page.person_id;
    let kind = c.query.kind;
    let all: i64 = c.counts.iter().map(|(_, n)| n).sum();
    let last = c.first_shown() + c.events.len().saturating_sub(1);
    html! {
        section.timeline aria-labelledby="timeline-heading" {
            h2 #timeline-heading { (heading) }
            @if c.counts.len() > 1 || kind.is_some() {
                nav.kinds aria-label="Kinds of event" {
                    ul {
                        li { a href=(timeline_url(person, None, 1)) aria-current=[kind.is_none().then_some("page")] { "All (" (all) ")" } }
                        @for (k, n) in &c.counts {
                            li { a href=(timeline_url(person, Some(*k), 1)) aria-current=[(kind == Some(*k)).then_some("page")] { (k.label()) " (" (n) ")" } }
                        }
                    }
                }
            }
            @if c.events.is_empty() {
                p { @if kind.is_some() { "No events of this kind." } @else { "Nothing recorded yet." } }
            } @else {
                p.count { "Events " (c.first_shown()) " to " (last) " of " (c.total) ", newest first." }
                @for (month, events) in by_month(&c.events) {
                    h3.month { (month) }
                    ol.timeline {
                        @for (k, e) in events {
                            li class=(format!("event {}", k.code())) {
                                time datetime=(e.date) { (e.date) } " "
                                span.kind { (k.code().replace('_', " ")) } " "
                                (e.text)
                                @if let Some(by) = &e.by { " — " span.by { (by) } }
                            }
                        }
                    }
                }
                @if c.n_pages > 1 {
                    nav.pages aria-label="More events" {
                        @if c.query.page > 1 { a href=(timeline_url(person, kind, 1)) { "Newest events" } }
                        @if c.query.page < c.n_pages {
                            a rel="next" href=(timeline_url(person, kind, c.query.page + 1)) {
                                "Show more (events " (last + 1) " to " ((last + EVENTS_PER_PAGE).min(c.total)) ")"
                            }
                        }
                    }
                }
            }
        }
    }
}

fn render(
    c: &CasePage,
    user: &SessionUser,
    organisations: &[byname_domain::Organisation],
    today: time::Date,
) -> Markup {
    let p = &c.page;
    let full = p.decision.view == PersonView::Full;
    let org_name = |id: i64| organisations.iter().find(|o| o.id == id).map(|o| o.name.clone()).unwrap_or_default();
    html! {
        main.person {
            h1 { (p.name) }
            @match p.decision.view {
                PersonView::Minimal => {
                    p.notice {
                        "You see the minimal entry: your organisation does not work with this person, and they have not consented to share their record with it."
                    }
                    dl.facts {
                        @if let Some((day, _)) = &p.last_seen { dt { "Last seen" } dd { (day) } }
                        dt { "Contact" } dd { (p.lead.organisation.clone().unwrap_or_else(|| "No lead organisation yet: ask the outreach service".into())) }
                    }
                }
                PersonView::Health => {
                    p.notice { "You see what health care needs under the person's consent: needs, not the case record." }
                }
                _ => {}
            }
            @if let Some(s) = &c.summary { (summary(c, s, today)) }
            @if !p.needs.is_empty() {
                h2 { "Needs" }
                p { @for need in &p.needs { span.tag { (need) } " " } }
            }
            @if full {
                p.actions-bar {
                    @if can_record(user.role) { a.button href=(format!("/people/{}/contact", p.person_id)) { "Record a contact" } " " }
                    a href=(format!("/people/{}/linkage", p.person_id)) { "Source records and why they were linked" }
                }
            }
            @if p.decision.view == PersonView::Health && !c.counts.is_empty() { (timeline(c, "Health events")) }
            @if full { (timeline(c, "Timeline")) }
            @if full {
                h2 { "Action plan" }
                @if p.actions.is_empty() { p { "No actions yet." } }
                @else {
                    table.list {
                        caption.visually-hidden { "Actions" }
                        thead { tr { th scope="col" { "Action" } th scope="col" { "Owner" } th scope="col" { "Due" } th scope="col" { "Done" } } }
                        tbody {
                            @for a in &p.actions {
                                tr {
                                    td data-label="Action" { div { (a.description) } }
                                    td data-label="Owner" { div { (a.owner_organisation) @if let Some(o) = &a.owner { " (" (o) ")" } } }
                                    td data-label="Due" { div { (a.due_on.map(iso).unwrap_or_default()) } }
                                    td data-label="Done" {
                                        div {
                                            @match a.done_on {
                                                Some(d) => { (iso(d)) }
                                                None => form.inline method="post" action=(format!("/people/{}/actions/{}/done", p.person_id, a.id)) {
                                                    input type="hidden" name="csrf" value=(user.csrf_token);
                                                    button type="submit" { "Mark done" }
                                                },
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if can_record(user.role) {
                    details {
                        summary { "Add an action" }
                        form method="post" action=(format!("/people/{}/actions", p.person_id)) {
                            input type="hidden" name="csrf" value=(user.csrf_token);
                            label for="description" { "Action" }
                            input #description type="text" name="description" required maxlength="2000";
                            label for="owner" { "Owner" }
                            select #owner name="owner" {
                                @for o in organisations { option value=(o.id) selected[o.id == user.organisation_id] { (o.name) } }
                            }
                            label for="due" { "Due (YYYY-MM-DD)" }
                            input #due type="date" name="due";
                            button type="submit" { "Add" }
                        }
                    }
                }
                @if can_record(user.role) { (crate::escalations::raise_form(p.person_id, &user.csrf_token)) }
                @if can_assign_lead(user.role) {
                    details {
                        summary { "Assign the lead organisation" }
                        form method="post" action=(format!("/people/{}/lead", p.person_id)) {
                            input type="hidden" name="csrf" value=(user.csrf_token);
                            label for="lead" { "Lead organisation" }
                            select #lead name="organisation" {
                                option value="" { "None" }
                                @for o in organisations { option value=(o.id) selected[p.lead.organisation_id == Some(o.id)] { (o.name) } }
                            }
                            button type="submit" { "Assign" }
                        }
                    }
                }
                h2 { "Consent" }
                @if p.consents.is_empty() { p { "No consent recorded." } }
                @else {
                    ul.consents {
                        @for c in &p.consents {
                            li {
                                (c.purpose.label()) ", to "
                                @if c.all_partners { "all partners" } @else { (c.organisations.iter().map(|o| org_name(*o)).collect::<Vec<_>>().join(", ")) }
                                ", given " (c.given_on)
                                @if let Some(e) = &c.expires_on { ", expires " (e) }
                                " (recorded by " (c.recorded_by) ")"
                                @match &c.withdrawn_on {
                                    Some(w) => { strong { " — withdrawn " (w) } }
                                    None => {
                                        form.inline method="post" action=(format!("/people/{}/consents/{}/withdraw", p.person_id, c.id)) {
                                            input type="hidden" name="csrf" value=(user.csrf_token);
                                            " " button type="submit" { "Withdraw" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if can_record(user.role) {
                    details {
                        summary { "Record consent" }
                        form method="post" action=(format!("/people/{}/consents", p.person_id)) {
                            input type="hidden" name="csrf" value=(user.csrf_token);
                            label for="purpose" { "Purpose" }
                            select #purpose name="purpose" {
                                @for purpose in Purpose::ALL { option value=(purpose.code()) { (purpose.label()) } }
                            }
                            fieldset {
                                legend { "Shared with" }
                                div.check { input #all type="checkbox" name="all_partners" value="1" checked; label for="all" { "All partners" } }
                                @for o in organisations {
                                    div.check {
                                        input id=(format!("org-{}", o.id)) type="checkbox" name="organisation" value=(o.id);
                                        label for=(format!("org-{}", o.id)) { (o.name) }
                                    }
                                }
                            }
                            label for="given" { "Given on" }
                            input #given type="date" name="given" value=(iso(today)) required;
                            label for="expires" { "Expires on (optional)" }
                            input #expires type="date" name="expires";
                            button type="submit" { "Record consent" }
                        }
                    }
                }
            }
            @if p.may_break_glass {
                details.break-glass {
                    summary { "Emergency access (break-glass)" }
                    p { "For vital interests or safeguarding only. Your reason is recorded and shown to your organisation's data-protection lead. Access lasts four hours." }
                    form method="post" action=(format!("/people/{}/break-glass", p.person_id)) {
                        input type="hidden" name="csrf" value=(user.csrf_token);
                        label for="reason" { "Reason" }
                        textarea #reason name="reason" required minlength="10" maxlength="2000" {}
                        button type="submit" { "Open the record" }
                    }
                }
            }
        }
    }
}

/// The form offering one of the partnership's available resources to the person.
fn offer_form(p: &PersonPage, user: &SessionUser, available: &[byname_store::ResourceRow]) -> Markup {
    html! {
        @if p.decision.view == PersonView::Full && can_record(user.role) {
            section.narrow aria-labelledby="offer-heading" {
                h2 #offer-heading { "Offer a shared resource" }
                @if available.is_empty() { p { "No resource is available now. " a href="/resources" { "Shared resources" } } }
                @else {
                    form method="post" action=(format!("/people/{}/offer", p.person_id)) {
                        input type="hidden" name="csrf" value=(user.csrf_token);
                        label for="resource" { "Resource" }
                        select #resource name="resource" {
                            @for r in available { option value=(r.id) { (r.name) " (" (r.organisation) ", from " (r.available_from) ")" } }
                        }
                        label for="offer-reason" { "Why this person" }
                        textarea #offer-reason name="reason" required maxlength="2000" {}
                        button type="submit" { "Offer" }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

#[derive(Deserialize)]
pub struct ContactFields {
    csrf: String,
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    bedded_down: Option<String>,
    #[serde(default)]
    note: String,
}

/// The short form for recording a contact from a phone in the street.
pub async fn contact_form<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let today = state.clock.today();
    let page = casework::person_page(&state.store, &user, person, today, state.clock.now()).await?;
    if page.decision.view != PersonView::Full || !can_record(user.role) {
        return Err(CaseError::Forbidden.into());
    }
    let body = html! {
        main.narrow {
            h1 { "Contact with " (page.name) }
            form.contact method="post" action=(format!("/people/{person}/contact")) {
                input type="hidden" name="csrf" value=(user.csrf_token);
                label for="date" { "Date" }
                input #date type="date" name="date" value=(iso(today)) required;
                label for="time" { "Time (optional)" }
                input #time type="time" name="time";
                label for="place" { "Where (a place name)" }
                input #place type="text" name="place" maxlength="200" autocomplete="off" placeholder="Strand, doorway by Charing Cross";
                label for="area" { "Area" }
                input #area type="text" name="area" maxlength="100" value="Westminster";
                fieldset {
                    legend { "Or coordinates" }
                    label for="latitude" { "Latitude" }
                    input #latitude type="text" name="latitude" inputmode="decimal" maxlength="20";
                    label for="longitude" { "Longitude" }
                    input #longitude type="text" name="longitude" inputmode="decimal" maxlength="20";
                }
                div.check { input #bedded_down type="checkbox" name="bedded_down" value="1" checked; label for="bedded_down" { "Seen bedded down" } }
                label for="note" { "Note (optional)" }
                textarea #note name="note" maxlength="2000" {}
                button type="submit" { "Save contact" }
            }
        }
    };
    Ok(layout("Record a contact", Some(&user), body).into_response())
}

pub async fn record_contact<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    SignedForm(user, form): SignedForm<ContactFields>,
) -> Result<Redirect, PageError> {
    let contact = ContactForm {
        date: form.date,
        time: form.time,
        place: form.place,
        area: form.area,
        latitude: form.latitude,
        longitude: form.longitude,
        bedded_down: form.bedded_down.is_some(),
        note: form.note,
    };
    casework::record_contact(&state.store, &user, person, &contact, state.clock.today(), state.clock.now()).await?;
    Ok(Redirect::to(&format!("/people/{person}")))
}

/// Form fields as they arrive: repeated `organisation` boxes need a list.
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn date_field(fields: &Fields, name: &str, label: &str) -> Result<Option<time::Date>, CaseError> {
    match field(fields, name).map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_iso_date(v).map(Some).map_err(|_| CaseError::Invalid(format!("{label}: {v:?} is not a date"))),
    }
}

pub async fn record_consent<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    SignedForm(user, fields): SignedForm<Fields>,
) -> Result<Redirect, PageError> {
    let today = state.clock.today();
    let purpose = field(&fields, "purpose")
        .and_then(Purpose::parse)
        .ok_or_else(|| CaseError::Invalid("purpose: choose one".into()))?;
    let organisations = if field(&fields, "all_partners").is_some() {
        None
    } else {
        let ids: Result<Vec<i64>, _> =
            fields.iter().filter(|(k, _)| k == "organisation").map(|(_, v)| v.parse::<i64>()).collect();
        Some(ids.map_err(|_| CaseError::Invalid("organisation: not a partner".into()))?)
    };
    let given = date_field(&fields, "given", "given on")?.unwrap_or(today);
    let expires = date_field(&fields, "expires", "expires on")?;
    casework::record_consent(
        &state.store,
        &user,
        person,
        purpose,
        organisations,
        given,
        expires,
        today,
        state.clock.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/people/{person}")))
}

pub async fn withdraw_consent<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path((person, consent)): Path<(i64, i64)>,
    SignedForm(user, _): SignedForm<CsrfForm>,
) -> Result<Redirect, PageError> {
    casework::withdraw_consent(&state.store, &user, person, consent, state.clock.today(), state.clock.now()).await?;
    Ok(Redirect::to(&format!("/people/{person}")))
}

#[derive(Deserialize)]
pub struct BreakGlassForm {
    csrf: String,
    reason: String,
}

pub async fn break_glass<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    SignedForm(user, form): SignedForm<BreakGlassForm>,
) -> Result<Redirect, PageError> {
    casework::break_glass(&state.store, &user, person, &form.reason, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/people/{person}")))
}

pub async fn add_action<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    SignedForm(user, fields): SignedForm<Fields>,
) -> Result<Redirect, PageError> {
    let today = state.clock.today();
    let owner = match field(&fields, "owner").map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => Some(v.parse::<i64>().map_err(|_| CaseError::Invalid("owner: not a partner".into()))?),
        None => None,
    };
    let due = date_field(&fields, "due", "due")?;
    let description = field(&fields, "description").unwrap_or_default();
    casework::add_action(&state.store, &user, person, description, owner, due, today, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/people/{person}")))
}

pub async fn complete_action<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path((person, action)): Path<(i64, i64)>,
    SignedForm(user, _): SignedForm<CsrfForm>,
) -> Result<Redirect, PageError> {
    casework::complete_action(&state.store, &user, person, action, state.clock.today(), state.clock.now()).await?;
    Ok(Redirect::to(&format!("/people/{person}")))
}

pub async fn assign_lead<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    SignedForm(user, fields): SignedForm<Fields>,
) -> Result<Redirect, PageError> {
    let organisation = match field(&fields, "organisation").map(str::trim).filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return Err(CaseError::Invalid("lead: not a partner".into()).into()),
        },
    };
    casework::assign_lead(&state.store, &user, person, organisation, state.clock.today(), state.clock.now()).await?;
    Ok(Redirect::to(&format!("/people/{person}")))
}
