//! Escalation pages: raising a blockage from a person's page, "my escalations" with a state
//! filter, one escalation with its events and the forms to answer and comment, in-app
//! notifications, and the case conference agenda. Every handler is one call into
//! `byname_casework::escalations`; every form carries the session's CSRF token.

use crate::AppState;
use crate::auth::{SignedForm, SignedIn};
use crate::layout::layout;
use crate::page_error::PageError;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use byname_casework::escalations::{self as esc, AgendaPerson, EscalationItem, RaiseForm};
use byname_domain::escalation::{Action, State as EscalationState};
use byname_domain::org::service_area_label;
use byname_store::Store;
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

crate::auth::csrf_forms!(RaiseFields, AnswerFields, CommentFields, ReadFields);

fn area(code: &str) -> &str {
    service_area_label(code).unwrap_or(code)
}

#[derive(Deserialize)]
pub struct RaiseFields {
    csrf: String,
    #[serde(default)]
    service_area: String,
    #[serde(default)]
    blocked: String,
    #[serde(default)]
    needed: String,
    #[serde(default)]
    needed_by: String,
}

/// The "Raise a blockage" form of a person's page.
pub fn raise_form(person_id: i64, csrf: &str) -> Markup {
    html! {
        details.raise {
            summary { "Raise a blockage" }
            p { "It goes to the service leaders of the area you choose, who have a deadline in working days to answer. Unanswered, it goes to the head of service, then to the Strategic Group." }
            form method="post" action=(format!("/people/{person_id}/escalations")) {
                input type="hidden" name="csrf" value=(csrf);
                label for="service_area" { "Service area" }
                select #service_area name="service_area" required {
                    @for (code, label) in byname_domain::org::SERVICE_AREAS { option value=(code) { (label) } }
                }
                label for="blocked" { "What is blocked" }
                textarea #blocked name="blocked" required maxlength="2000" {}
                label for="needed" { "What is needed" }
                textarea #needed name="needed" required maxlength="2000" {}
                label for="needed_by" { "Needed by (optional)" }
                input #needed_by type="date" name="needed_by";
                button type="submit" { "Raise" }
            }
        }
    }
}

pub async fn raise<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    SignedForm(user, form): SignedForm<RaiseFields>,
) -> Result<Response, PageError> {
    let raise = RaiseForm {
        service_area: form.service_area,
        blocked: form.blocked,
        needed: form.needed,
        needed_by: form.needed_by,
    };
    let id = esc::raise(&state.store, &user, person, &raise, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/escalations/{id}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    state: Option<String>,
}

fn person_cell(item: &EscalationItem) -> Markup {
    html! {
        @if item.person.linked { a href=(format!("/people/{}", item.person.person_id)) { (item.person.text) } }
        @else { (item.person.text) }
    }
}

fn escalation_table(items: &[EscalationItem], caption: &str) -> Markup {
    html! {
        table.list {
            caption.visually-hidden { (caption) }
            thead { tr {
                th scope="col" { "Escalation" } th scope="col" { "Person" } th scope="col" { "Area" }
                th scope="col" { "With" } th scope="col" { "State" } th scope="col" { "Deadline" }
            } }
            tbody {
                @for item in items {
                    tr {
                        td data-label="Escalation" { div { a href=(format!("/escalations/{}", item.row.id)) { "#" (item.row.id) ": " (item.row.blocked) } } }
                        td data-label="Person" { div { (person_cell(item)) } }
                        td data-label="Area" { div { (area(&item.row.service_area)) } }
                        td data-label="With" { div { (item.row.level.label()) } }
                        td data-label="State" { div { (item.row.state.label()) } }
                        td data-label="Deadline" { div { (byname_store::sql_instant(item.row.deadline_at)) @if item.overdue { " " strong.overdue { "overdue" } } } }
                    }
                }
            }
        }
    }
}

/// My escalations: raised by my organisation, or addressed to me.
pub async fn list_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Query(params): Query<ListParams>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let filter = params.state.as_deref().and_then(EscalationState::parse);
    let now = state.clock.now();
    let esc::MyEscalations { items, unread } = esc::my_escalations_page(&state.store, &user, filter, now).await?;
    let body = html! {
        main {
            h1 { "My escalations" }
            p { a href="/notifications" { "Notifications (" (unread) " unread)" } @if byname_domain::access::can_see_agenda(user.role) { " · " a href="/agenda" { "Case conference agenda" } } }
            form.filters method="get" action="/escalations" {
                label for="state" { "State" }
                select #state name="state" {
                    option value="" { "Any" }
                    @for s in EscalationState::ALL { option value=(s.code()) selected[filter == Some(s)] { (s.label()) } }
                }
                button type="submit" { "Show" }
            }
            @if items.is_empty() { p { "No escalations." } }
            @else { (escalation_table(&items, "My escalations")) }
        }
    };
    Ok(layout("My escalations", Some(&user), body).into_response())
}

pub async fn detail_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(id): Path<i64>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let page = esc::escalation_page(&state.store, &user, id, state.clock.now()).await?;
    let e = &page.item.row;
    let answer = |action: &str, label: &str, reason: bool| {
        html! {
            form.answer method="post" action=(format!("/escalations/{id}/answer")) {
                input type="hidden" name="csrf" value=(user.csrf_token);
                input type="hidden" name="action" value=(action);
                @if reason {
                    label for=(format!("reason-{action}")) { "Reason" @if action == "decline" { " (required)" } @else { " (optional)" } }
                    textarea id=(format!("reason-{action}")) name="reason" maxlength="2000" required[action == "decline"] {}
                }
                button type="submit" { (label) }
            }
        }
    };
    let body = html! {
        main.escalation {
            h1 { "Escalation #" (e.id) ": " (area(&e.service_area)) }
            dl.facts {
                dt { "Person" } dd { (person_cell(&page.item)) }
                dt { "What is blocked" } dd { (e.blocked) }
                dt { "What is needed" } dd { (e.needed) }
                @if let Some(by) = &e.needed_by { dt { "Needed by" } dd { (by) } }
                dt { "Raised" } dd { (byname_store::sql_instant(e.raised_at)) " by " (e.raised_by_name) ", " (e.organisation) }
                dt { "State" } dd { (e.state.label()) }
                dt { "With" } dd { (e.level.label()) }
                dt { "Deadline" } dd { (byname_store::sql_instant(e.deadline_at)) @if page.item.overdue { " " strong.overdue { "overdue" } } }
            }
            @if page.may_acknowledge { (answer("acknowledge", "Acknowledge", false)) }
            @if page.may_resolve { (answer("resolve", "Mark resolved", true)) }
            @if page.may_decline { (answer("decline", "Decline", true)) }
            h2 { "What happened" }
            ol.timeline {
                @for ev in &page.events {
                    li {
                        @let at = byname_store::sql_instant(ev.at);
                        time datetime=(at) { (at) } " "
                        span.kind { (ev.kind.code()) } " "
                        (ev.user_name.clone().unwrap_or_else(|| "byname (deadline passed)".into()))
                        @if let Some(text) = &ev.text { ": " (text) }
                    }
                }
            }
            @if page.may_comment {
                form method="post" action=(format!("/escalations/{id}/comment")) {
                    input type="hidden" name="csrf" value=(user.csrf_token);
                    label for="comment" { "Comment" }
                    textarea #comment name="text" required maxlength="2000" {}
                    button type="submit" { "Add comment" }
                }
            }
            p { a href="/escalations" { "All my escalations" } }
        }
    };
    Ok(layout("Escalation", Some(&user), body).into_response())
}

#[derive(Deserialize)]
pub struct AnswerFields {
    csrf: String,
    action: String,
    #[serde(default)]
    reason: String,
}

pub async fn answer<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(id): Path<i64>,
    SignedForm(user, form): SignedForm<AnswerFields>,
) -> Result<Redirect, PageError> {
    let action = match form.action.as_str() {
        "acknowledge" => Action::Acknowledge,
        "resolve" => Action::Resolve,
        "decline" => Action::Decline,
        _ => {
            let error = byname_casework::casework::CaseError::Invalid("choose acknowledge, resolve or decline".into());
            return Err(error.into());
        }
    };
    esc::act(&state.store, &user, id, action, &form.reason, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/escalations/{id}")))
}

#[derive(Deserialize)]
pub struct CommentFields {
    csrf: String,
    #[serde(default)]
    text: String,
}

pub async fn comment<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(id): Path<i64>,
    SignedForm(user, form): SignedForm<CommentFields>,
) -> Result<Redirect, PageError> {
    esc::comment(&state.store, &user, id, &form.text, state.clock.now()).await?;
    Ok(Redirect::to(&format!("/escalations/{id}")))
}

pub async fn notifications_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let rows = esc::notifications(&state.store, &user, false).await?;
    let body = html! {
        main {
            h1 { "Notifications" }
            @if rows.iter().any(|n| n.read_at.is_none()) {
                form method="post" action="/notifications/read" {
                    input type="hidden" name="csrf" value=(user.csrf_token);
                    button type="submit" { "Mark all read" }
                }
            }
            @if rows.is_empty() { p { "No notifications." } }
            ul.notifications {
                @for n in &rows {
                    li class=(if n.read_at.is_none() { "unread" } else { "read" }) {
                        @let at = byname_store::sql_instant(n.at);
                        time datetime=(at) { (at) } " "
                        @if n.read_at.is_none() { strong { "New: " } }
                        a href=(format!("/escalations/{}", n.escalation_id)) { (n.text) }
                        @if n.read_at.is_none() {
                            form.inline method="post" action="/notifications/read" {
                                input type="hidden" name="csrf" value=(user.csrf_token);
                                input type="hidden" name="id" value=(n.id);
                                " " button.link type="submit" { "Mark read" }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(layout("Notifications", Some(&user), body).into_response())
}

#[derive(Deserialize)]
pub struct ReadFields {
    csrf: String,
    #[serde(default)]
    id: Option<i64>,
}

pub async fn mark_read<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedForm(user, form): SignedForm<ReadFields>,
) -> Result<Redirect, PageError> {
    esc::mark_read(&state.store, &user, form.id, state.clock.now()).await?;
    Ok(Redirect::to("/notifications"))
}

fn people_section(title: &str, rows: &[AgendaPerson], set_aside: usize) -> Markup {
    html! {
        h2 {
            (title) " (" (rows.len())
            @if set_aside > 0 { ", and " (set_aside) " set aside" }
            ")"
        }
        @if set_aside > 0 {
            p.notice { (set_aside) " more " @if set_aside == 1 { "person" } @else { "people" } " in this section whose record your organisation does not see: counted, not named (who can see them is said above)." }
        }
        @if rows.is_empty() && set_aside == 0 { p { "None." } }
        @else {
            ul.agenda {
                @for r in rows {
                    li {
                        @if r.person.linked { a href=(format!("/people/{}", r.person.person_id)) { (r.person.text) } } @else { (r.person.text) }
                        ": " (r.detail)
                    }
                }
            }
        }
    }
}

/// The case conference agenda of the Service Delivery Leads meeting, and the Strategic Group's
/// items.
pub async fn agenda_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    let agenda = esc::agenda(&state.store, &user, now).await?;
    let body = html! {
        main.agenda {
            h1 { "Case conference agenda" }
            p { "Generated " (byname_store::sql_instant(now)) " for the Service Delivery Leads meeting." }
            @if agenda.set_aside > 0 {
                p.notice {
                    (agenda.set_aside) " more people would be on this agenda whose record your organisation does not see: they are counted, not named. "
                    "Who can see them: "
                    @for (i, (who, n)) in agenda.set_aside_contacts.iter().enumerate() {
                        @if i > 0 { "; " }
                        (who) " (" (n) ")"
                    }
                    "."
                }
            }
            (people_section("New people this month with no lead", &agenda.new_without_lead, agenda.set_aside_by_section[0]))
            (people_section("Living on the streets", &agenda.living_on_streets, agenda.set_aside_by_section[1]))
            (people_section("Returners: seen again after a year or more unseen", &agenda.returners, agenda.set_aside_by_section[2]))
            h2 { "Overdue escalations (" (agenda.overdue.len()) ")" }
            @if agenda.overdue.is_empty() { p { "None." } } @else { (escalation_table(&agenda.overdue, "Overdue escalations")) }
            (people_section("Consents expiring within 30 days", &agenda.expiring_consents, agenda.set_aside_by_section[3]))
            h2 { "On the Strategic Group's agenda (" (agenda.strategic_group.len()) ")" }
            @if agenda.strategic_group.is_empty() { p { "None." } } @else { (escalation_table(&agenda.strategic_group, "Strategic Group items")) }
        }
    };
    Ok(layout("Case conference agenda", Some(&user), body).into_response())
}
