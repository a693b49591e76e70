//! A person's page and the forms on it: the timeline across organisations, needs, consent, the
//! lead and the action plan for those who may see the record; the minimal entry and the
//! break-glass form for those who may not; and the short contact form for a phone in the street.
//! Every read and write goes through `byname_casework::casework`.

use crate::AppState;
use crate::auth::{SignedForm, SignedIn};
use crate::layout::layout;
use crate::page_error::PageError;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use byname_casework::accounts::SessionUser;
use byname_casework::casework::{self, CaseError, ContactForm, PersonPage};
use byname_domain::access::{PersonView, Purpose, can_assign_lead, can_record, can_review_links};
use byname_domain::date::{iso, parse_iso_date};
use byname_store::Store;
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

crate::auth::csrf_forms!(ContactFields, CsrfForm, BreakGlassForm);

pub async fn person_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let today = state.clock.today();
    match byname_casework::resources::person_screen(&state.store, &user, person, today, state.clock.now()).await {
        Ok(screen) => {
            let body = render(&screen.page, &user, &screen.organisations, today);
            let offer = offer_form(&screen.page, &user, &screen.available);
            Ok(layout("Person", Some(&user), html! { (body) (offer) }).into_response())
        }
        // Reviewers reach identifiable records only through the linkage pages.
        Err(CaseError::NotFound) if can_review_links(user.role) => {
            Ok(Redirect::to(&format!("/people/{person}/linkage")).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

fn render(
    p: &PersonPage,
    user: &SessionUser,
    organisations: &[byname_domain::Organisation],
    today: time::Date,
) -> Markup {
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
            @if !p.health_events.is_empty() {
                h2 { "Health events" }
                ol.timeline {
                    @for e in &p.health_events {
                        li.event.health { time datetime=(e.date) { (e.date) } " " (e.text) @if let Some(by) = &e.by { " — " span.by { (by) } } }
                    }
                }
            }
            @if !p.needs.is_empty() {
                h2 { "Needs" }
                p { @for need in &p.needs { span.tag { (need) } " " } }
            }
            @if full {
                dl.facts {
                    dt { "Lead organisation" }
                    dd { (p.lead.organisation.clone().unwrap_or_else(|| "None yet".into())) @if let Some(w) = &p.lead.user { " (" (w) ")" } }
                    dt { "Consent to share for case coordination" }
                    dd { @if p.consent_current(Purpose::CaseCoordination, today) { "Given" } @else { "Not given" } }
                    dt { "Consent to share for health care" }
                    dd { @if p.consent_current(Purpose::HealthCare, today) { "Given" } @else { "Not given" } }
                }
                p.actions-bar {
                    @if can_record(user.role) { a.button href=(format!("/people/{}/contact", p.person_id)) { "Record a contact" } " " }
                    a href=(format!("/people/{}/linkage", p.person_id)) { "Source records and why they were linked" }
                }
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
                                    td data-label="Due" { div { (a.due_on.clone().unwrap_or_default()) } }
                                    td data-label="Done" {
                                        div {
                                            @match &a.done_on {
                                                Some(d) => { (d) }
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
                h2 { "Timeline" }
                @if p.timeline.is_empty() { p { "Nothing recorded yet." } }
                ol.timeline {
                    @for e in &p.timeline {
                        li class=(format!("event {}", e.kind)) {
                            time datetime=(e.date) { (e.date) } " "
                            span.kind { (e.kind) } " "
                            (e.text)
                            @if let Some(by) = &e.by { " — " span.by { (by) } }
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
