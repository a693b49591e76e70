//! The by-name list as a page and as a CSV download: the filters and sort read from the query,
//! the table of people active, and the list's old address. The API's list reads the same query
//! ([`ListParams`]).

use crate::AppState;
use crate::auth::SignedIn;
use crate::layout::{encode, layout, search_box};
use crate::page_error::{Look, Notice, PageError};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use byname_casework::by_name_list::{
    ConsentFilter, EscalationFilter, Filters, LeadFilter, ListEntry, ListError, ListPage, ListQuery, SortKey,
    by_name_list as list_page, by_name_list_export,
};
use byname_domain::access::PersonView;
use byname_domain::codes::SupportNeed;
use byname_domain::date::iso;
use byname_domain::nationality::NationalityGroup;
use byname_store::Store;
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize, Default, Clone)]
pub struct ListParams {
    sort: Option<String>,
    dir: Option<String>,
    page: Option<usize>,
    organisation: Option<String>,
    lead: Option<String>,
    need: Option<String>,
    nationality: Option<String>,
    new_this_month: Option<String>,
    living_on_streets: Option<String>,
    escalation: Option<String>,
    consent: Option<String>,
    format: Option<String>,
}

fn filled(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

impl ListParams {
    pub(crate) fn query(&self) -> Result<ListQuery, String> {
        let sort = filled(&self.sort).and_then(SortKey::parse).unwrap_or_default();
        let descending = match filled(&self.dir) {
            Some("asc") => false,
            Some("desc") => true,
            _ => sort.natural_descending(),
        };
        let bad = |what: &str, v: &str| format!("{v:?} is not a {what} this list can be filtered by");
        let filters = Filters {
            organisation: filled(&self.organisation).map(str::to_owned),
            lead: match filled(&self.lead) {
                None => None,
                Some("assigned") => Some(LeadFilter::Assigned),
                Some("none") => Some(LeadFilter::NoLead),
                Some(v) => return Err(bad("lead", v)),
            },
            need: match filled(&self.need) {
                None => None,
                Some(v) => Some(SupportNeed::parse(v).ok_or_else(|| bad("need", v))?),
            },
            nationality: match filled(&self.nationality) {
                None => None,
                Some(v) => Some(
                    NationalityGroup::ALL
                        .into_iter()
                        .find(|g| g.code() == v)
                        .ok_or_else(|| bad("nationality group", v))?,
                ),
            },
            new_this_month: filled(&self.new_this_month).is_some(),
            living_on_streets: filled(&self.living_on_streets).is_some(),
            escalation: match filled(&self.escalation) {
                None => None,
                Some("open") => Some(EscalationFilter::Open),
                Some("overdue") => Some(EscalationFilter::Overdue),
                Some(v) => return Err(bad("escalation state", v)),
            },
            consent: match filled(&self.consent) {
                None => None,
                Some("given") => Some(ConsentFilter::Given),
                Some("not_given") => Some(ConsentFilter::NotGiven),
                Some(v) => return Err(bad("consent state", v)),
            },
        };
        Ok(ListQuery { sort, descending, page: self.page.unwrap_or(1), filters })
    }
}

/// The old address of the list.
pub async fn old_list_address(uri: axum::http::Uri) -> axum::response::Redirect {
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    axum::response::Redirect::permanent(&format!("/people{query}"))
}

pub async fn by_name_list<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Query(params): Query<ListParams>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let query =
        params.query().map_err(|message| PageError::BadRequest(Notice::new("By-name list", message, Look::Alert)))?;
    let now = state.clock.now();
    if params.format.as_deref() == Some("csv") {
        let entries = by_name_list_export(&state.store, &user, query, now.date(), now).await?;
        let mut response = byname_casework::render::by_name_list_csv(&entries).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
        headers
            .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"by-name-list.csv\""));
        return Ok(response);
    }
    match list_page(&state.store, &user, query, now.date(), now).await {
        Ok(page) => {
            Ok(layout("By-name list", Some(&user), render_list(&page, byname_domain::access::can_record(user.role)))
                .into_response())
        }
        // A role without the list starts elsewhere.
        Err(ListError::Forbidden) => Ok(axum::response::Redirect::to(crate::auth::home(user.role)).into_response()),
        Err(error) => Err(error.into()),
    }
}

/// The list's address for a query: the filters, the sort and the page.
fn list_url(query: &ListQuery, format: Option<&str>) -> String {
    let f = &query.filters;
    let mut parts = vec![
        format!("sort={}", query.sort.code()),
        format!("dir={}", if query.descending { "desc" } else { "asc" }),
        format!("page={}", query.page),
    ];
    if let Some(o) = &f.organisation {
        parts.push(format!("organisation={}", encode(o)));
    }
    match f.lead {
        Some(LeadFilter::Assigned) => parts.push("lead=assigned".into()),
        Some(LeadFilter::NoLead) => parts.push("lead=none".into()),
        None => {}
    }
    if let Some(n) = f.need {
        parts.push(format!("need={}", n.code()));
    }
    if let Some(g) = f.nationality {
        parts.push(format!("nationality={}", g.code()));
    }
    if f.new_this_month {
        parts.push("new_this_month=1".into());
    }
    if f.living_on_streets {
        parts.push("living_on_streets=1".into());
    }
    match f.escalation {
        Some(EscalationFilter::Open) => parts.push("escalation=open".into()),
        Some(EscalationFilter::Overdue) => parts.push("escalation=overdue".into()),
        None => {}
    }
    match f.consent {
        Some(ConsentFilter::Given) => parts.push("consent=given".into()),
        Some(ConsentFilter::NotGiven) => parts.push("consent=not_given".into()),
        None => {}
    }
    if let Some(format) = format {
        parts.push(format!("format={format}"));
    }
    format!("/people?{}", parts.join("&"))
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
    let query = ListQuery { sort: key, descending, page: 1, filters: page.query.filters.clone() };
    html! {
        th scope="col" aria-sort=(aria) {
            a href=(list_url(&query, None)) { (label) (arrow) }
        }
    }
}

fn filter_form(page: &ListPage) -> Markup {
    let f = &page.query.filters;
    let selected = |a: bool| a;
    html! {
        form.filters method="get" action="/people" {
            input type="hidden" name="sort" value=(page.query.sort.code());
            input type="hidden" name="dir" value=(if page.query.descending { "desc" } else { "asc" });
            div {
                label for="organisation" { "Lead organisation" }
                select #organisation name="organisation" {
                    option value="" { "Any" }
                    @for o in &page.lead_organisations {
                        option value=(o) selected[f.organisation.as_deref() == Some(o.as_str())] { (o) }
                    }
                }
            }
            div {
                label for="lead" { "Lead" }
                select #lead name="lead" {
                    option value="" { "Any" }
                    option value="assigned" selected[selected(f.lead == Some(LeadFilter::Assigned))] { "Has a lead" }
                    option value="none" selected[selected(f.lead == Some(LeadFilter::NoLead))] { "No lead" }
                }
            }
            div {
                label for="need" { "Need" }
                select #need name="need" {
                    option value="" { "Any" }
                    @for n in SupportNeed::ALL.iter().copied() {
                        option value=(n.code()) selected[f.need == Some(n)] { (n.label()) }
                    }
                }
            }
            div {
                label for="nationality" { "Nationality" }
                select #nationality name="nationality" {
                    option value="" { "Any" }
                    @for g in NationalityGroup::ALL {
                        option value=(g.code()) selected[f.nationality == Some(g)] { (g.label()) }
                    }
                }
            }
            div {
                label for="escalation" { "Escalations" }
                select #escalation name="escalation" {
                    option value="" { "Any" }
                    option value="open" selected[f.escalation == Some(EscalationFilter::Open)] { "Open" }
                    option value="overdue" selected[f.escalation == Some(EscalationFilter::Overdue)] { "Overdue" }
                }
            }
            div {
                label for="consent" { "Consent to share" }
                select #consent name="consent" {
                    option value="" { "Any" }
                    option value="given" selected[f.consent == Some(ConsentFilter::Given)] { "Given" }
                    option value="not_given" selected[f.consent == Some(ConsentFilter::NotGiven)] { "Not given" }
                }
            }
            div.check {
                input #new_this_month type="checkbox" name="new_this_month" value="1" checked[f.new_this_month];
                label for="new_this_month" { "New this month" }
            }
            div.check {
                input #living_on_streets type="checkbox" name="living_on_streets" value="1" checked[f.living_on_streets];
                label for="living_on_streets" { "Living on the streets" }
            }
            div.filter-actions {
                button type="submit" { "Filter" }
                a href="/people" { "Clear" }
            }
        }
    }
}

/// The list; with `may_register`, a link to register someone new.
fn render_list(page: &ListPage, may_register: bool) -> Markup {
    let minimal = page.entries.iter().any(|e| e.view == PersonView::Minimal);
    html! {
        main {
            h1 { "By-name list" }
            @if may_register { p { a.button href="/people/new" { "Register someone new" } } }
            p.lede {
                strong { (page.total) } " people active on " (iso(page.until)) ": seen from " (iso(page.since))
                " (the last " ((page.until - page.since).whole_days() + 1) " days) and not housed, deceased or moved away since"
                @if page.query.filters != Filters::default() { ", as filtered" }
                "."
            }
            @if !page.stale_imports.is_empty() {
                div.notice role="status" {
                    p { strong { "The list may be out of date." } }
                    ul {
                        @for stale in &page.stale_imports { li { (stale.text()) } }
                    }
                }
            }

            (search_box("list-search", ""))
            (filter_form(page))
            @if page.set_aside > 0 {
                p.notice role="status" {
                    (page.set_aside) " people on the list are left out of this filter because you see only their minimal entry."
                }
            }
            @if minimal {
                p.notice {
                    "Some people show only the minimal entry (initials, age band, area and date last seen): "
                    "your organisation does not work with them and they have not consented to sharing with it. "
                    "Contact the lead organisation for more."
                }
            }
            table.list {
                caption.visually-hidden { "People active, seen from " (iso(page.since)) " to " (iso(page.until)) ", page " (page.page) " of " (page.n_pages) }
                thead {
                    tr {
                        (sort_header(page, SortKey::Name, "Name"))
                        th scope="col" { "Age" }
                        (sort_header(page, SortKey::LastSeen, "Last seen"))
                        (sort_header(page, SortKey::TimesSeen, "Times seen"))
                        (sort_header(page, SortKey::Lead, "Lead organisation"))
                        th scope="col" { "Needs" }
                        th scope="col" { "Why on the list" }
                    }
                }
                tbody {
                    @for entry in &page.entries { (entry_row(entry, None)) }
                    @if page.entries.is_empty() {
                        tr { td colspan="7" { "Nobody on the list matches." } }
                    }
                }
            }
            nav.pages aria-label="Pages" {
                @if page.page > 1 {
                    a rel="prev" href=(list_url(&ListQuery { page: page.page - 1, ..page.query.clone() }, None)) { "← Previous" }
                }
                span { "Page " (page.page) " of " (page.n_pages) }
                @if page.page < page.n_pages {
                    a rel="next" href=(list_url(&ListQuery { page: page.page + 1, ..page.query.clone() }, None)) { "Next →" }
                }
            }
            p.downloads { a href=(list_url(&ListQuery { page: 1, ..page.query.clone() }, Some("csv"))) { "Download this list as CSV" } " (as you may see it; the download is audited)" }
        }
    }
}

/// One person's row in the list's table, as the list and a search's results show it; `extra`
/// goes under the name (what a search matched).
pub(crate) fn entry_row(entry: &ListEntry, extra: Option<Markup>) -> Markup {
    html! {
        tr {
            td data-label="Name" {
                div {
                    @if entry.linked { a href=(format!("/people/{}", entry.person_id)) { strong { (entry.name) } } }
                    @else { strong { (entry.name) } }
                    @if let Some(extra) = &extra { br; (extra) }
                    @if entry.escalations.overdue > 0 { " " span.tag.alert { "Overdue escalation" } }
                    @else if entry.escalations.open > 0 { " " span.tag { "Open escalation" } }
                }
            }
            td data-label="Age" { div { (entry.age_band.label()) } }
            td data-label="Last seen" {
                div {
                    @if entry.last_seen.is_empty() { span.none { "—" } }
                    @else { time datetime=(entry.last_seen) { (entry.last_seen) } }
                    @if !entry.last_place.is_empty() { br; span.place { (entry.last_place) } }
                }
            }
            td data-label="Times seen" { div { @if let Some(n) = entry.times_seen { (n) } @else { span.none { "—" } } } }
            td data-label="Lead" {
                div { @if entry.lead_assigned { (entry.lead) } @else { span.unassigned { (entry.lead) } } }
            }
            td data-label="Needs" {
                div {
                    @if entry.needs.is_empty() { span.none { "—" } }
                    @for need in &entry.needs { span.tag { (need) } " " }
                }
            }
            td data-label="Why" { div.why { (entry.why) } }
        }
    }
}
