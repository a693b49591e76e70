//! The pages: the layout every page shares and the by-name list.

use crate::AppState;
use crate::auth::signed_in;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use byname_domain::access::PersonView;
use byname_domain::date::iso;
use byname_service::accounts::SessionUser;
use byname_service::by_name_list::{ListPage, ListQuery, SortKey, by_name_list as list_page};
use byname_store::Store;
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;
use std::sync::Arc;

pub fn layout(title: &str, user: Option<&SessionUser>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · byname" }
                link rel="stylesheet" href="/static/byname.css";
                link rel="stylesheet" href="/static/report.css";
            }
            body {
                header.top {
                    a.brand href="/" { "byname" }
                    @if let Some(user) = user {
                        nav aria-label="Main" {
                            a href="/by-name-list" { "By-name list" }
                            @if byname_domain::access::can_review_links(user.role) { " " a href="/review" { "Review queue" } }
                            @if byname_domain::access::can_see_statistics(user.role) { " " a href="/reports/key-statistics" { "Key statistics" } " " a href="/forecasts" { "Forecasts" } " " a href="/scenarios" { "Scenarios" } }
                        }
                        div.who {
                            span { (user.display_name) " · " (user.role.label()) " · " (user.organisation_name) }
                            form.inline method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(user.csrf_token);
                                button.link type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                (body)
            }
        }
    }
}

/// A 500 page; the cause goes to the log, not to the browser.
pub fn server_error(error: &dyn std::error::Error) -> Response {
    tracing::error!(error = %error, "request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        layout("Error", None, html! { main { h1 { "Something went wrong" } p { "The error has been logged." } } }),
    )
        .into_response()
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    sort: Option<String>,
    dir: Option<String>,
    page: Option<usize>,
}

pub async fn by_name_list<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    Query(params): Query<ListParams>,
) -> Response {
    let user = match signed_in(&state, &headers).await {
        Ok(user) => user,
        Err(response) => return response,
    };
    let sort = params.sort.as_deref().and_then(SortKey::parse).unwrap_or_default();
    let descending = match params.dir.as_deref() {
        Some("asc") => false,
        Some("desc") => true,
        _ => sort.natural_descending(),
    };
    let query = ListQuery { sort, descending, page: params.page.unwrap_or(1) };
    let now = state.clock.now();
    match list_page(&state.store, &user, query, now.date(), &byname_store::sql_instant(now)).await {
        Ok(page) => layout("By-name list", Some(&user), render_list(&page)).into_response(),
        Err(error) => server_error(&error),
    }
}

fn list_url(query: ListQuery) -> String {
    format!(
        "/by-name-list?sort={}&dir={}&page={}",
        query.sort.code(),
        if query.descending { "desc" } else { "asc" },
        query.page
    )
}

fn sort_header(page: &ListPage, key: SortKey, label: &str) -> Markup {
    let current = page.query.sort == key;
    let descending = if current { !page.query.descending } else { key.natural_descending() };
    let aria = match (current, page.query.descending) {
        (false, _) => "none",
        (true, true) => "descending",
        (true, false) => "ascending",
    };
    let arrow = match aria {
        "descending" => " ▼",
        "ascending" => " ▲",
        _ => "",
    };
    html! {
        th scope="col" aria-sort=(aria) {
            a href=(list_url(ListQuery { sort: key, descending, page: 1 })) { (label) (arrow) }
        }
    }
}

fn render_list(page: &ListPage) -> Markup {
    html! {
        main {
            h1 { "By-name list" }
            p.lede {
                strong { (page.total) } " people seen rough sleeping from " (iso(page.since)) " to " (iso(page.until))
                " (the last 90 days)."
            }
            @if page.view == PersonView::Minimal {
                p.notice {
                    "Your role sees the minimal entry: initials, age band, area and date last seen. "
                    "Contact the lead organisation for more."
                }
            }
            table.list {
                caption.visually-hidden { "People seen rough sleeping in the last 90 days, page " (page.page) " of " (page.n_pages) }
                thead {
                    tr {
                        (sort_header(page, SortKey::Name, "Name"))
                        th scope="col" { "Age" }
                        (sort_header(page, SortKey::LastSeen, "Last seen"))
                        (sort_header(page, SortKey::TimesSeen, "Times seen"))
                        (sort_header(page, SortKey::Lead, "Lead organisation"))
                        th scope="col" { "Needs" }
                    }
                }
                tbody {
                    @for entry in &page.entries {
                        tr {
                            td data-label="Name" { div { a href=(format!("/people/{}", entry.person_id)) { strong { (entry.name) } } } }
                            td data-label="Age" { div { (entry.age_band.label()) } }
                            td data-label="Last seen" {
                                div {
                                    time datetime=(entry.last_seen) { (entry.last_seen) }
                                    @if !entry.last_place.is_empty() { br; span.place { (entry.last_place) } }
                                }
                            }
                            td data-label="Times seen" { div { (entry.times_seen) } }
                            td data-label="Lead" {
                                div { @if entry.lead_assigned { (entry.lead) } @else { span.unassigned { (entry.lead) } } }
                            }
                            td data-label="Needs" {
                                div {
                                    @if entry.needs.is_empty() { span.none { "—" } }
                                    @for need in &entry.needs { span.tag { (need) } " " }
                                }
                            }
                        }
                    }
                    @if page.entries.is_empty() {
                        tr { td colspan="6" { "Nobody has been seen rough sleeping in the last 90 days." } }
                    }
                }
            }
            nav.pages aria-label="Pages" {
                @if page.page > 1 {
                    a rel="prev" href=(list_url(ListQuery { page: page.page - 1, ..page.query })) { "← Previous" }
                }
                span { "Page " (page.page) " of " (page.n_pages) }
                @if page.page < page.n_pages {
                    a rel="next" href=(list_url(ListQuery { page: page.page + 1, ..page.query })) { "Next →" }
                }
            }
        }
    }
}
