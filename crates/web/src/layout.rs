//! What every page shares, below every other module of the crate: the layout (the header, the
//! menu of the signed-in user's role, the stylesheets) and the small pieces of rendering the
//! pages and downloads repeat (a query-string value, a capital first letter, a download's
//! headers).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use byname_casework::accounts::SessionUser;
use maud::{DOCTYPE, Markup, html};

/// A page titled `title` ("… · byname"), with the menu of `user`'s role when someone is signed in.
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
                            @if byname_domain::access::can_see_by_name_list(user.role) { a href="/people" { "By-name list" } }
                            @if byname_domain::access::can_review_links(user.role) { " " a href="/review" { "Review queue" } }
                            @if user.role != byname_domain::Role::Admin { " " a href="/escalations" { "Escalations" } }
                            @if byname_domain::access::can_see_statistics(user.role) { " " a href="/reports/key-statistics" { "Key statistics" } " " a href="/forecasts" { "Forecasts" } " " a href="/scenarios" { "Scenarios" } }
                            @if byname_domain::access::can_record(user.role) { " " a href="/people/new" { "Register someone" } " " a href="/resources" { "Resources" } }
                            @if byname_domain::access::can_manage_users(user.role) { " " a href="/admin/users" { "Users" } " " a href="/admin/organisations" { "Organisations" } " " a href="/admin/settings" { "Settings" } }
                            @if byname_casework::data_status::can_see(user) { " " a href="/admin/data" { "Data" } }
                            @if byname_domain::access::can_manage_users(user.role) || user.data_protection_lead { " " a href="/admin/audit" { "Audit log" } }
                            " " a href="/admin/agreements" { "Agreements" }
                        }
                        @if byname_casework::search::can_search(user.role) { (search_box("header-search", "")) }
                        div.who {
                            span { (user.display_name) " · " (user.role.label()) " · " (user.organisation_name) }
                            " " a href="/account/password" { "Password" }
                            " " a href="/account/totp" { "Authenticator" }
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

/// The search box: a name, a date of birth or an id, sent to the results page. `id` tells the
/// header's box from a page's own.
pub fn search_box(id: &str, value: &str) -> Markup {
    html! {
        form.search role="search" method="get" action="/people/search" {
            label.visually-hidden for=(id) { "Search for a person by name, date of birth or id" }
            input id=(id) type="search" name="q" value=(value) maxlength=(byname_casework::search::MAX_QUERY_CHARS)
                placeholder="Name, date of birth or id" autocomplete="off" enterkeyhint="search";
            button type="submit" { "Search" }
        }
    }
}

/// A download named `{name}.{extension}`.
pub(crate) fn download(body: String, content_type: &'static str, name: &str, extension: &str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let name = format!(
        "attachment; filename=\"{}.{extension}\"",
        name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-', "_")
    );
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A query-string value: letters and digits as they are, every other byte as %XX.
pub(crate) fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

pub(crate) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
