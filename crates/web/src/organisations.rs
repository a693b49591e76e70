//! The administrators' organisations page (each organisation with the team, provider and
//! service names it goes by in imports, the names no organisation claims yet, and the forms that
//! add an organisation, claim a name and give one up) and the data page (each source's last
//! import and completeness, unclaimed names, pairs awaiting review).

use crate::AppState;
use crate::auth::{SignedForm, SignedIn};
use crate::layout::layout;
use crate::page_error::PageError;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use byname_casework::accounts::Actor;
use byname_casework::data_status::DataStatus;
use byname_casework::organisations::{self, Overview};
use byname_domain::org::{ORGANISATION_KINDS, organisation_kind_label};
use byname_store::{NameCoverage, Store};
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

crate::auth::csrf_forms!(NewOrganisationForm, NameForm);

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What a name covers, in words.
fn covers(name: &NameCoverage) -> String {
    format!(
        "{}, {}, {}",
        plural(name.records, "record", "records"),
        plural(name.contacts, "contact", "contacts"),
        plural(name.stays, "stay", "stays")
    )
}

fn unclaimed_table(unclaimed: &[NameCoverage]) -> Markup {
    html! {
        @if unclaimed.is_empty() {
            p { "Every name seen in imports is claimed by an organisation." }
        } @else {
            table.list {
                caption.visually-hidden { "Names seen in imports that no organisation claims, most common first" }
                thead { tr { th scope="col" { "Name" } th scope="col" { "Records" } th scope="col" { "Contacts" } th scope="col" { "Stays" } } }
                tbody {
                    @for n in unclaimed {
                        tr {
                            td data-label="Name" { div { (n.name) } }
                            td data-label="Records" { div { (n.records) } }
                            td data-label="Contacts" { div { (n.contacts) } }
                            td data-label="Stays" { div { (n.stays) } }
                        }
                    }
                }
            }
        }
    }
}

pub async fn organisations_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let Overview { organisations, unclaimed } = organisations::overview(&state.store, &user).await?;
    let body = html! {
        main {
            h1 { "Organisations" }
            p.lede {
                "An organisation's users see the people recorded under the names it goes by in imports: "
                "its CHAIN teams and its Inform providers and services, exactly as the exports write them. "
                "A name belongs to one organisation; a change takes effect at once."
            }
            @for entry in &organisations {
                section {
                    h2 { (entry.organisation.name) " (" (organisation_kind_label(&entry.organisation.kind)) ")" }
                    @if entry.names.is_empty() {
                        p { "No names yet: its users see only what they record in byname." }
                    } @else {
                        ul {
                            @for n in &entry.names {
                                li {
                                    (n.name) ": " (covers(n)) " "
                                    form.inline method="post" action="/admin/organisations/names/remove" {
                                        input type="hidden" name="csrf" value=(user.csrf_token);
                                        input type="hidden" name="organisation" value=(entry.organisation.name);
                                        input type="hidden" name="name" value=(n.name);
                                        button type="submit" aria-label=(format!("Remove the name {} from {}", n.name, entry.organisation.name)) { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Names no organisation claims yet" }
            (unclaimed_table(&unclaimed))
            h2 { "Claim a name for an organisation" }
            form method="post" action="/admin/organisations/names" {
                input type="hidden" name="csrf" value=(user.csrf_token);
                label for="name-organisation" { "Organisation" }
                select #name-organisation name="organisation" required {
                    @for entry in &organisations { option value=(entry.organisation.name) { (entry.organisation.name) } }
                }
                label for="name" { "Name, exactly as the imports write it" }
                input #name type="text" name="name" required maxlength="200" list="unclaimed-names" autocomplete="off";
                datalist #unclaimed-names {
                    @for n in &unclaimed { option value=(n.name) {} }
                }
                button type="submit" { "Add the name" }
            }
            h2 { "Add an organisation" }
            form method="post" action="/admin/organisations" {
                input type="hidden" name="csrf" value=(user.csrf_token);
                label for="organisation-name" { "Name" }
                input #organisation-name type="text" name="name" required maxlength="200" autocomplete="off";
                label for="kind" { "Kind" }
                select #kind name="kind" {
                    @for (code, label) in ORGANISATION_KINDS { option value=(code) selected[code == "other"] { (label) } }
                }
                button type="submit" { "Add organisation" }
            }
        }
    };
    Ok(layout("Organisations", Some(&user), body).into_response())
}

#[derive(Deserialize)]
pub struct NewOrganisationForm {
    csrf: String,
    name: String,
    kind: String,
}

pub async fn add_organisation<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedForm(user, form): SignedForm<NewOrganisationForm>,
) -> Result<Redirect, PageError> {
    organisations::add(&state.store, Actor::User(&user), &form.name, &form.kind, state.clock.now()).await?;
    Ok(Redirect::to("/admin/organisations"))
}

#[derive(Deserialize)]
pub struct NameForm {
    csrf: String,
    organisation: String,
    name: String,
}

pub async fn add_name<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedForm(user, form): SignedForm<NameForm>,
) -> Result<Redirect, PageError> {
    organisations::add_name(&state.store, Actor::User(&user), &form.organisation, &form.name, state.clock.now())
        .await?;
    Ok(Redirect::to("/admin/organisations"))
}

pub async fn remove_name<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedForm(user, form): SignedForm<NameForm>,
) -> Result<Redirect, PageError> {
    organisations::remove_name(&state.store, Actor::User(&user), &form.organisation, &form.name, state.clock.now())
        .await?;
    Ok(Redirect::to("/admin/organisations"))
}

fn percent(with: Option<i64>) -> String {
    with.map_or_else(|| "–".to_owned(), |p| format!("{p}%"))
}

pub async fn data_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let today = state.clock.now().date();
    let DataStatus { sources, unclaimed, awaiting_review, organisations, stale_after_days } =
        byname_casework::data_status::status(&state.store, &user, today).await?.ok_or(PageError::NotForRole)?;
    let body = html! {
        main {
            h1 { "Data" }
            h2 { "Imports" }
            table.list {
                caption.visually-hidden { "Each source's last import and how complete its current records are" }
                thead {
                    tr {
                        th scope="col" { "Source" } th scope="col" { "Last import" } th scope="col" { "Days ago" }
                        th scope="col" { "Rows read" } th scope="col" { "Rows rejected" } th scope="col" { "Records" }
                        th scope="col" { "With date of birth" } th scope="col" { "With nationality" } th scope="col" { "With NHS number" }
                    }
                }
                tbody {
                    @for s in &sources {
                        tr {
                            th scope="row" data-label="Source" { div { (s.source.label()) } }
                            @if let Some(i) = &s.last_import {
                                td data-label="Last import" { div { (byname_store::sql_instant(i.finished_at)) } }
                                td data-label="Days ago" {
                                    div {
                                        (s.age_days.map_or_else(String::new, |d| d.to_string()))
                                        @if s.age_days.is_some_and(|d| d > stale_after_days) { " (old)" }
                                    }
                                }
                                td data-label="Rows read" { div { (i.rows_read) } }
                                td data-label="Rows rejected" { div { (i.rejected) } }
                            } @else {
                                td data-label="Last import" { div { "Never" } }
                                td data-label="Days ago" { div { "–" } }
                                td data-label="Rows read" { div { "–" } }
                                td data-label="Rows rejected" { div { "–" } }
                            }
                            td data-label="Records" { div { (s.records.records) } }
                            td data-label="With date of birth" { div { (percent(s.percent(s.records.with_date_of_birth))) } }
                            td data-label="With nationality" { div { (percent(s.percent(s.records.with_nationality))) } }
                            td data-label="With NHS number" { div { (percent(s.percent(s.records.with_nhs_number))) } }
                        }
                    }
                }
            }
            p { "The by-name list warns when a source was last imported more than " (stale_after_days) " days ago." }
            h2 { "Review" }
            p { (awaiting_review) " pairs of records await review." }
            h2 { "Names no organisation claims yet" }
            (unclaimed_table(&unclaimed))
            h2 { "Organisations and their names" }
            ul {
                @for entry in &organisations {
                    li {
                        (entry.organisation.name) ": "
                        @if entry.names.is_empty() { "no names yet" }
                        @else {
                            @for (i, n) in entry.names.iter().enumerate() { @if i > 0 { ", " } (n.name) }
                        }
                    }
                }
            }
            @if byname_domain::access::can_manage_users(user.role) {
                p { a href="/admin/organisations" { "Change the organisations and their names" } }
            }
        }
    };
    Ok(layout("Data", Some(&user), body).into_response())
}
