//! The web application: server-rendered HTML that works without JavaScript
//! and reads well on a phone. This crate is the only one that knows HTTP;
//! every handler parses the request (the signed-in user and the CSRF token come
//! from the extractors in `auth`), makes a call into `byname-casework` or
//! `byname-pipeline` and renders; none touches the store.
//!
//! ## Where things are
//!
//! The axum router is written in the crate root. The modules stand in layers, each using only
//! those below it, so no module depends on one that depends on it:
//!
//! - `layout`, at the bottom, is what every page shares: the layout with the signed-in user's
//!   menu, and the query-string, capital-letter and download pieces the pages repeat.
//! - `page_error` is the one error type of the pages, beside the API's `ApiError` envelope:
//!   every refusal a page gives (not found, not allowed, not saved, a request that makes no
//!   sense) is a `PageError`.
//! - `auth` is sign-in and sign-out, session cookies, CSRF tokens, login throttling and the
//!   extractors of the signed-in user.
//! - On top, the pages of each part: `by_name_list`, `people`, `registration`, `linkage`, `reports`,
//!   `forecasts`, `scenarios`, `escalations`, `resources`, `admin` and `organisations` (the
//!   organisations and their names, and the data page; a person's page shows
//!   the form that raises an escalation, from `escalations`). `search` is the results page of
//!   the search box every page's header has (`layout::search_box`), in the list's rows.
//! - `api` holds the JSON API's routes, written once for the router and the OpenAPI document,
//!   with a test that every route is documented and answers; it reads the by-name list's query
//!   as the page does. `http` is the security headers, `Cache-Control: no-store`, the request
//!   time-out and the accept loop with its header read time-out; a wrong method on an API
//!   address is answered with the API's envelope.

mod admin;
mod api;
mod auth;
mod by_name_list;
mod escalations;
mod forecasts;
mod http;
mod layout;
mod linkage;
mod organisations;
mod page_error;
mod people;
mod registration;
mod reports;
mod resources;
mod scenarios;
mod search;

pub use api::ROUTES as API_ROUTES;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use byname_pipeline::Clock;
use byname_store::Store;
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Mark cookies `Secure` and send HSTS: set when byname is served over TLS (directly or
    /// behind a proxy).
    pub secure_cookies: bool,
    /// Take the client's address from the last hop of `X-Forwarded-For`: set only behind a
    /// reverse proxy that appends it, or anyone could claim any address.
    pub trust_forwarded_for: bool,
}

pub struct AppState<S> {
    pub store: S,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    sign_ins: auth::InFlight,
}

impl<S> AppState<S> {
    pub fn new(store: S, clock: Arc<dyn Clock>, config: Config) -> Arc<Self> {
        Arc::new(Self { store, clock, config, sign_ins: auth::InFlight::default() })
    }
}

/// The start page of the signed-in user's role; the sign-in page otherwise.
async fn start<S: Store>(State(state): State<Arc<AppState<S>>>, headers: axum::http::HeaderMap) -> Redirect {
    match auth::current_user(&state, &headers).await {
        Ok(Some(user)) => Redirect::to(auth::home(user.role)),
        _ => Redirect::to("/login"),
    }
}

pub fn router<S: Store + 'static>(state: Arc<AppState<S>>) -> Router {
    let secure = state.config.secure_cookies;
    Router::new()
        .route("/", get(start::<S>))
        .route("/login", get(auth::login_page::<S>).post(auth::login::<S>))
        .route("/logout", post(auth::logout::<S>))
        .route("/by-name-list", get(by_name_list::old_list_address))
        .route("/people", get(by_name_list::by_name_list::<S>))
        .route("/people/search", get(search::search_page::<S>))
        .route("/review", get(linkage::queue_page::<S>))
        .route("/review/{left}/{right}", get(linkage::pair_page::<S>).post(linkage::decide::<S>))
        .route("/people/new", get(registration::form::<S>).post(registration::submit::<S>))
        .route("/people/{id}", get(people::person_page::<S>))
        .route("/people/{id}/linkage", get(linkage::person_page::<S>))
        .route("/people/{id}/contact", get(people::contact_form::<S>).post(people::record_contact::<S>))
        .route("/people/{id}/consents", post(people::record_consent::<S>))
        .route("/people/{id}/consents/{consent}/withdraw", post(people::withdraw_consent::<S>))
        .route("/people/{id}/break-glass", post(people::break_glass::<S>))
        .route("/people/{id}/actions", post(people::add_action::<S>))
        .route("/people/{id}/actions/{action}/done", post(people::complete_action::<S>))
        .route("/people/{id}/lead", post(people::assign_lead::<S>))
        .route("/people/{id}/offer", post(resources::offer::<S>))
        .route("/resources", get(resources::resources_page::<S>).post(resources::add_resource::<S>))
        .route("/resources/{id}/outcome", post(resources::outcome::<S>))
        .route("/people/{id}/escalations", post(escalations::raise::<S>))
        .route("/escalations", get(escalations::list_page::<S>))
        .route("/escalations/{id}", get(escalations::detail_page::<S>))
        .route("/escalations/{id}/answer", post(escalations::answer::<S>))
        .route("/escalations/{id}/comment", post(escalations::comment::<S>))
        .route("/notifications", get(escalations::notifications_page::<S>))
        .route("/notifications/read", post(escalations::mark_read::<S>))
        .route("/agenda", get(escalations::agenda_page::<S>))
        .route("/people/{id}/merge", post(linkage::merge::<S>))
        .route("/people/{id}/split", post(linkage::split::<S>))
        .route("/linkage/undo", post(linkage::undo::<S>))
        .route("/reports/key-statistics", get(reports::key_statistics_page::<S>))
        .route("/forecasts", get(forecasts::forecasts_page::<S>))
        .route("/scenarios", get(scenarios::scenarios_page::<S>))
        .route("/admin/users", get(admin::users_page::<S>).post(admin::add_user::<S>))
        .route("/admin/users/{id}", get(admin::user_page::<S>).post(admin::save_profile::<S>))
        .route("/admin/users/{id}/{change}", post(admin::change_user::<S>))
        .route("/admin/settings", get(admin::settings_page::<S>).post(admin::save_settings::<S>))
        .route(
            "/admin/organisations",
            get(organisations::organisations_page::<S>).post(organisations::add_organisation::<S>),
        )
        .route("/admin/organisations/names", post(organisations::add_name::<S>))
        .route("/admin/organisations/names/remove", post(organisations::remove_name::<S>))
        .route("/admin/data", get(organisations::data_page::<S>))
        .route("/admin/audit", get(admin::audit_page::<S>))
        .route("/admin/break-glass/{id}/{outcome}", post(admin::review_break_glass::<S>))
        .route("/admin/agreements", get(admin::agreements_page::<S>).post(admin::record_agreement::<S>))
        .route("/account/password", get(admin::password_page).post(admin::change_password::<S>))
        .route("/account/totp", get(admin::totp::<S>))
        .route("/account/totp/{step}", post(admin::totp_change::<S>))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/api/v1/{*rest}", axum::routing::any(api::not_found))
        .route("/static/byname.css", get(stylesheet))
        .route("/static/report.css", get(report_stylesheet))
        .route("/healthz", get(|| async { "ok" }))
        .merge(api::routes(Router::new()))
        .method_not_allowed_fallback(http::method_not_allowed)
        .layer(axum::middleware::from_fn(page_error::with_page_errors))
        .layer(axum::middleware::from_fn(http::request_timeout))
        .layer(axum::middleware::from_fn(move |request, next| http::security_headers(secure, request, next)))
        .with_state(state)
}

async fn report_stylesheet() -> Response {
    let mut response = byname_report::CSS.into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    response
}

async fn stylesheet() -> Response {
    let mut response = include_str!("byname.css").into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8"));
    response
}

/// Serves until the process is stopped, with time limits on slow clients (see `http.rs`).
pub async fn serve<S: Store + 'static>(
    state: Arc<AppState<S>>,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    serve_with(state, listener, http::HEADER_READ_TIMEOUT).await
}

/// [`serve`] with another time limit on reading a request's head and on idle connections.
pub async fn serve_with<S: Store + 'static>(
    state: Arc<AppState<S>>,
    listener: tokio::net::TcpListener,
    header_read_timeout: std::time::Duration,
) -> std::io::Result<()> {
    http::serve(router(state), listener, header_read_timeout).await
}
