//! Sign-in and sign-out, session cookies, CSRF tokens and login throttling.

use crate::AppState;
use crate::pages::{layout, server_error};
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use byname_service::accounts::{self, AccountError, SessionUser};
use byname_store::Store;
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const SESSION_COOKIE: &str = "byname_session";
const LOGIN_CSRF_COOKIE: &str = "byname_login_csrf";

/// Failed sign-ins allowed per username within the window before it is locked for the window.
const MAX_FAILURES: usize = 5;
const THROTTLE_WINDOW: time::Duration = time::Duration::minutes(15);

/// Recent failed sign-ins per username, kept in memory.
#[derive(Default)]
pub(crate) struct Throttle {
    failures: Mutex<HashMap<String, Vec<time::OffsetDateTime>>>,
}

impl Throttle {
    fn is_locked(&self, username: &str, now: time::OffsetDateTime) -> bool {
        let mut failures = self.failures.lock().expect("not poisoned");
        let recent = failures.entry(username.to_lowercase()).or_default();
        recent.retain(|t| now - *t < THROTTLE_WINDOW);
        recent.len() >= MAX_FAILURES
    }
    fn record_failure(&self, username: &str, now: time::OffsetDateTime) {
        let mut failures = self.failures.lock().expect("not poisoned");
        // Guessing at many usernames must not grow the table without end.
        if failures.len() > 10_000 {
            failures.retain(|_, times| times.iter().any(|t| now - *t < THROTTLE_WINDOW));
        }
        failures.entry(username.to_lowercase()).or_default().push(now);
    }
    fn clear(&self, username: &str) {
        self.failures.lock().expect("not poisoned").remove(&username.to_lowercase());
    }
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn set_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_seconds}{secure}"
    ))
    .expect("cookie values are hex")
}

/// The signed-in user, or `None` for a missing, unknown or expired session.
pub async fn current_user<S: Store>(
    state: &AppState<S>,
    headers: &HeaderMap,
) -> Result<Option<SessionUser>, AccountError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else { return Ok(None) };
    accounts::session(&state.store, &token, state.clock.now()).await
}

/// The signed-in user, or what to answer instead: the login page without a session, the error
/// page when the store fails.
pub async fn signed_in<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<SessionUser, Response> {
    match current_user(state, headers).await {
        // A password an administrator set is changed before anything else.
        Ok(Some(user)) if user.must_change_password => Err(Redirect::to("/account/password").into_response()),
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(Redirect::to("/login").into_response()),
        Err(error) => Err(server_error(&error)),
    }
}

/// A signed-in user whose role reads the partnership's figures, or what to answer instead.
pub async fn statistics_reader<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<SessionUser, Response> {
    let user = signed_in(state, headers).await?;
    if byname_domain::access::can_see_statistics(user.role) {
        return Ok(user);
    }
    let body = html! { main { h1 { "Not allowed" } p { "Your role does not see the partnership's figures." } } };
    Err((StatusCode::FORBIDDEN, layout("Not allowed", Some(&user), body)).into_response())
}

/// Where a role starts: the by-name list, the figures, or the accounts.
pub fn home(role: byname_domain::Role) -> &'static str {
    if byname_domain::access::can_see_by_name_list(role) {
        "/people"
    } else if byname_domain::access::can_see_statistics(role) {
        "/reports/key-statistics"
    } else {
        "/admin/users"
    }
}

pub async fn login_page<S: Store>(State(state): State<Arc<AppState<S>>>, headers: HeaderMap) -> Response {
    if let Ok(Some(user)) = current_user(&state, &headers).await {
        return Redirect::to(home(user.role)).into_response();
    }
    login_form(&state, None, StatusCode::OK)
}

fn login_form<S>(state: &AppState<S>, message: Option<&str>, status: StatusCode) -> Response {
    let csrf = accounts::random_token(16);
    let body = html! {
        main.narrow {
            h1 { "Sign in to byname" }
            p.lede { "The shared by-name list and case coordination of the partnership." }
            @if let Some(message) = message {
                p.error role="alert" { (message) }
            }
            form method="post" action="/login" {
                input type="hidden" name="csrf" value=(csrf);
                label for="username" { "Username" }
                input #username type="text" name="username" autocomplete="username" required autofocus;
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required;
                label for="code" { "Code from your authenticator app (if you use one)" }
                input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="8";
                button type="submit" { "Sign in" }
            }
        }
    };
    let mut response = (status, layout("Sign in", None, body)).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600, state.config.secure_cookies));
    response
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    /// The authenticator code, for accounts with the second factor on.
    #[serde(default)]
    code: String,
}

pub async fn login<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if cookie(&headers, LOGIN_CSRF_COOKIE).as_deref() != Some(form.csrf.as_str()) || form.csrf.is_empty() {
        return login_form(&state, Some("The form had expired. Please sign in again."), StatusCode::FORBIDDEN);
    }
    let now = state.clock.now();
    if state.throttle.is_locked(&form.username, now) {
        return login_form(
            &state,
            Some("Too many failed attempts for this username. Wait 15 minutes or ask an administrator."),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    match accounts::sign_in_with_code(&state.store, &form.username, &form.password, Some(&form.code), now).await {
        Ok(token) => {
            state.throttle.clear(&form.username);
            let mut response = Redirect::to("/").into_response();
            let max_age = accounts::SESSION_HOURS * 3600;
            let headers = response.headers_mut();
            headers
                .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &token, max_age, state.config.secure_cookies));
            headers.append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, "", 0, state.config.secure_cookies));
            response
        }
        Err(AccountError::BadCredentials) => {
            state.throttle.record_failure(&form.username, now);
            login_form(&state, Some("Unknown username, wrong password or wrong code."), StatusCode::UNAUTHORIZED)
        }
        Err(AccountError::CodeNeeded) => login_form(
            &state,
            Some("This account asks for the code from its authenticator app."),
            StatusCode::UNAUTHORIZED,
        ),
        Err(error) => server_error(&error),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let user = match current_user(&state, &headers).await {
        Ok(user) => user,
        Err(error) => return server_error(&error),
    };
    if let Some(user) = user {
        if user.csrf_token != form.csrf {
            return (StatusCode::FORBIDDEN, "The form had expired; go back and try again.").into_response();
        }
        if let Some(token) = cookie(&headers, SESSION_COOKIE)
            && let Err(error) = accounts::sign_out(&state.store, &token).await
        {
            return server_error(&error);
        }
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies));
    response
}

/// The instant now, as the store writes it.
pub(crate) fn now_text<S>(state: &AppState<S>) -> String {
    byname_store::sql_instant(state.clock.now())
}

/// A signed-in user whose form carries their session's CSRF token, or what to answer instead.
pub(crate) async fn form_user<S: Store>(
    state: &AppState<S>,
    headers: &HeaderMap,
    csrf: &str,
) -> Result<SessionUser, Response> {
    let user = signed_in(state, headers).await?;
    if csrf != user.csrf_token {
        return Err(expired_form(&user));
    }
    Ok(user)
}

/// The answer to a form whose CSRF token is not the session's.
pub(crate) fn expired_form(user: &SessionUser) -> Response {
    let body = html! { main { h1 { "The form had expired" } p { "Go back and try again." } } };
    (StatusCode::FORBIDDEN, layout("Form expired", Some(user), body)).into_response()
}
