//! The partnership's shared resources as a page: what is available, offered and taken, with the
//! person each was offered to as the access rules allow, who decided and why; forms to add a
//! resource and to record what came of an offer. Offers are made from the person's page.

use crate::AppState;
use crate::auth::{SignedForm, SignedIn};
use crate::layout::layout;
use crate::page_error::PageError;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use byname_casework::resources::{self, KINDS, OUTCOMES};
use byname_domain::date::iso;
use byname_store::Store;
use maud::html;
use serde::Deserialize;
use std::sync::Arc;

crate::auth::csrf_forms!(NewResource, Offer, Outcome);

fn kind_label(code: &str) -> String {
    KINDS.iter().find(|(k, _)| *k == code).map_or_else(|| code.to_owned(), |(_, l)| (*l).to_owned())
}

pub async fn resources_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let items = resources::resources(&state.store, &user, state.clock.now()).await?;
    let body = html! {
        main {
            h1 { "Shared resources" }
            p.lede { "Beds and rooms the partners make available, and to whom each was offered, by whom and why. Offer one from a person's page." }
            table.list {
                caption.visually-hidden { "The partnership's resources" }
                thead { tr { th scope="col" { "Resource" } th scope="col" { "From" } th scope="col" { "State" } th scope="col" { "Offered to" } th scope="col" { "Decided by, and why" } th scope="col" { "Outcome" } } }
                tbody {
                    @for item in &items {
                        tr {
                            td data-label="Resource" { div { strong { (item.row.name) } br; (kind_label(&item.row.kind)) ", " (item.row.organisation) } }
                            td data-label="From" { div { (item.row.available_from) } }
                            td data-label="State" { div { (item.row.state) } }
                            td data-label="Offered to" {
                                div {
                                    @if let Some(p) = &item.person {
                                        @if p.linked { a href=(format!("/people/{}", p.person_id)) { (p.text) } } @else { (p.text) }
                                    }
                                }
                            }
                            td data-label="Decided by" {
                                div { @if let Some(o) = &item.row.offer { (o.decided_by) ", " (byname_store::sql_instant(o.offered_at)) ": " (o.reason) " (" (o.outcome) ")" } }
                            }
                            td data-label="Outcome" {
                                div {
                                    @if item.row.state == "offered" {
                                        form.inline method="post" action=(format!("/resources/{}/outcome", item.row.id)) {
                                            input type="hidden" name="csrf" value=(user.csrf_token);
                                            label for=(format!("outcome-{}", item.row.id)) { "Outcome" }
                                            select id=(format!("outcome-{}", item.row.id)) name="outcome" {
                                                @for o in OUTCOMES { option value=(o) { (o) } }
                                            }
                                            button type="submit" { "Record" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if items.is_empty() { tr { td colspan="6" { "No resources yet." } } }
                }
            }
            h2 { "Add a resource" }
            form method="post" action="/resources" {
                input type="hidden" name="csrf" value=(user.csrf_token);
                label for="kind" { "Kind" }
                select #kind name="kind" { @for (code, label) in KINDS { option value=(code) { (label) } } }
                label for="name" { "Name" }
                input #name type="text" name="name" required maxlength="200" placeholder="Hotel room 12, Victoria";
                label for="from" { "Available from" }
                input #from type="date" name="available_from" value=(iso(state.clock.today())) required;
                button type="submit" { "Add" }
            }
        }
    };
    Ok(layout("Shared resources", Some(&user), body).into_response())
}

#[derive(Deserialize)]
pub struct NewResource {
    csrf: String,
    kind: String,
    name: String,
    available_from: String,
}

pub async fn add_resource<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedForm(user, form): SignedForm<NewResource>,
) -> Result<Redirect, PageError> {
    resources::add(&state.store, &user, &form.kind, &form.name, &form.available_from, state.clock.now()).await?;
    Ok(Redirect::to("/resources"))
}

#[derive(Deserialize)]
pub struct Offer {
    csrf: String,
    resource: i64,
    reason: String,
}

pub async fn offer<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(person): Path<i64>,
    SignedForm(user, form): SignedForm<Offer>,
) -> Result<Redirect, PageError> {
    resources::offer(&state.store, &user, form.resource, person, &form.reason, state.clock.now()).await?;
    Ok(Redirect::to("/resources"))
}

#[derive(Deserialize)]
pub struct Outcome {
    csrf: String,
    outcome: String,
}

pub async fn outcome<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(resource): Path<i64>,
    SignedForm(user, form): SignedForm<Outcome>,
) -> Result<Redirect, PageError> {
    resources::close(&state.store, &user, resource, &form.outcome, state.clock.now()).await?;
    Ok(Redirect::to("/resources"))
}
