//! The web application: server-rendered HTML that works without JavaScript
//! and reads well on a phone. This crate is the only one that knows HTTP;
//! every handler is a thin call into `byname-service`.

mod auth;
mod forecasts;
mod linkage;
mod pages;
mod reports;
mod scenarios;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use byname_service::Clock;
use byname_store::Store;
use std::sync::Arc;

pub struct Config {
    /// Mark cookies `Secure`: set when byname is served over TLS (directly or behind a proxy).
    pub secure_cookies: bool,
}

pub struct AppState<S> {
    pub store: S,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    throttle: auth::Throttle,
}

impl<S> AppState<S> {
    pub fn new(store: S, clock: Arc<dyn Clock>, config: Config) -> Arc<Self> {
        Arc::new(Self { store, clock, config, throttle: auth::Throttle::default() })
    }
}

pub fn router<S: Store + 'static>(state: Arc<AppState<S>>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/by-name-list") }))
        .route("/login", get(auth::login_page::<S>).post(auth::login::<S>))
        .route("/logout", post(auth::logout::<S>))
        .route("/by-name-list", get(pages::by_name_list::<S>))
        .route("/review", get(linkage::queue_page::<S>))
        .route("/review/{left}/{right}", get(linkage::pair_page::<S>).post(linkage::decide::<S>))
        .route("/people/{id}", get(linkage::person_page::<S>))
        .route("/people/{id}/merge", post(linkage::merge::<S>))
        .route("/people/{id}/split", post(linkage::split::<S>))
        .route("/linkage/undo", post(linkage::undo::<S>))
        .route("/reports/key-statistics", get(reports::key_statistics_page::<S>))
        .route("/forecasts", get(forecasts::forecasts_page::<S>))
        .route("/scenarios", get(scenarios::scenarios_page::<S>))
        .route("/static/byname.css", get(stylesheet))
        .route("/static/report.css", get(report_stylesheet))
        .route("/healthz", get(|| async { "ok" }))
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

/// Serves until the process is stopped.
pub async fn serve<S: Store + 'static>(
    state: Arc<AppState<S>>,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}
