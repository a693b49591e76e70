//! Finding a person: the results page of the search box in every page's header and on the list
//! (`GET /people/search?q=`), best first, each in the list's row as the access rules allow.

use crate::AppState;
use crate::auth::SignedIn;
use crate::by_name_list::entry_row;
use crate::layout::{layout, search_box};
use crate::page_error::{Look, Notice, PageError};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use byname_casework::search::{MAX_QUERY_CHARS, SearchError, SearchResults, search};
use byname_domain::access::PersonView;
use byname_store::Store;
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize, Default)]
pub struct SearchParams {
    q: Option<String>,
}

const TITLE: &str = "Search for a person";

pub async fn search_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Query(params): Query<SearchParams>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let q = params.q.unwrap_or_default();
    let now = state.clock.now();
    match search(&state.store, &user, &q, now.date(), now).await {
        Ok(results) => Ok(layout(TITLE, Some(&user), render(&results)).into_response()),
        Err(SearchError::Query(error)) => {
            // The search as typed, cut to what the box holds, to correct there.
            let shown: String = q.trim().chars().take(MAX_QUERY_CHARS).collect();
            let text = crate::layout::capitalise(&error.to_string());
            Err(PageError::BadRequest(
                Notice::new(TITLE, format!("{text}."), Look::Alert).with_form(search_box("search", &shown)),
            ))
        }
        Err(SearchError::Forbidden(why)) => Err(PageError::Forbidden(Notice::new(
            TITLE,
            format!("Your role does not search for people: {why}."),
            Look::Alert,
        ))),
        Err(SearchError::Store(error)) => Err(error.into()),
    }
}

fn render(results: &SearchResults) -> Markup {
    let minimal = results.found.iter().any(|f| f.entry.view == PersonView::Minimal);
    let n = results.found.len();
    html! {
        main {
            h1 { (TITLE) }
            (search_box("search", &results.query))
            @if results.found.is_empty() {
                p.notice role="status" { "No one found for “" (results.query) "”." }
                p {
                    "Check the spelling, or try less: the surname alone, the date of birth alone "
                    "(12/04/1980, 1980-04-12 or just 1980), or a CHAIN id, Inform id or NHS number. "
                    "The search covers everyone held, on the list or not; misspelt, swapped and familiar names "
                    "(Bill for William) are found."
                }
            } @else {
                p.lede role="status" {
                    strong { (n) } @if n == 1 { " person found" } @else { " people found" }
                    " for “" (results.query) "”, best match first"
                    @if results.more { " (the best " (n) " shown)" }
                    "."
                }
                @if minimal {
                    p.notice {
                        "Some people show only the minimal entry (initials, age band, area and date last seen): "
                        "your organisation does not work with them and they have not consented to sharing with it. "
                        "Contact the lead organisation for more."
                    }
                }
                table.list {
                    caption.visually-hidden { "People found for “" (results.query) "”, best match first" }
                    thead {
                        tr {
                            th scope="col" { "Name" }
                            th scope="col" { "Age" }
                            th scope="col" { "Last seen" }
                            th scope="col" { "Times seen" }
                            th scope="col" { "Lead organisation" }
                            th scope="col" { "Needs" }
                            th scope="col" { "On the list" }
                        }
                    }
                    tbody {
                        @for found in &results.found {
                            (entry_row(&found.entry, Some(html! {
                                span.matched { "Matched: " (found.matched.join(", ")) }
                            })))
                        }
                    }
                }
                @if results.more {
                    p { "More people match than are shown: add a date of birth or another name to narrow the search." }
                }
            }
            p.lede { "Every search is recorded in the audit log with what was searched for." }
        }
    }
}
