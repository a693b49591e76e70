//! Who is asking: sign-in and sign-out, session cookies, CSRF tokens and login throttling, and
//! the extractors that give a handler the signed-in user ([`SignedIn`], [`StatisticsReader`])
//! or a posted form with that user's CSRF token ([`SignedForm`]), so that no handler runs without
//! them and none repeats the checks.

use crate::AppState;
use crate::layout::{capitalise, layout};
use crate::page_error::{Look, Notice, PageError, UserSlot, server_error};
use axum::extract::{ConnectInfo, Form, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use byname_casework::accounts::{self, AccountError, SessionUser};
use byname_store::Store;
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

pub const SESSION_COOKIE: &str = "byname_session";
const LOGIN_CSRF_COOKIE: &str = "byname_login_csrf";

/// Sign-ins one address may have waiting for a password check at once. A person signs in once;
/// a flood from one address is answered at once instead of queueing for the hashing pool (the
/// per-username and per-address counts themselves are kept in the database: see
/// `byname_casework::accounts::sign_in_from`).
const MAX_IN_FLIGHT_PER_ADDRESS: usize = 2;

/// Sign-ins in progress per address, in this process.
#[derive(Default)]
pub(crate) struct InFlight {
    by_address: Mutex<HashMap<IpAddr, usize>>,
}

/// One sign-in in progress from an address, let go when dropped.
pub(crate) struct InFlightGuard<'a> {
    in_flight: &'a InFlight,
    address: IpAddr,
}

impl InFlight {
    fn enter(&self, address: IpAddr) -> Option<InFlightGuard<'_>> {
        let mut by_address = self.by_address.lock().expect("not poisoned");
        let n = by_address.entry(address).or_default();
        if *n >= MAX_IN_FLIGHT_PER_ADDRESS {
            return None;
        }
        *n += 1;
        Some(InFlightGuard { in_flight: self, address })
    }
}

impl Drop for InFlightGuard<'_> {
    fn drop(&mut self) {
        let mut by_address = self.in_flight.by_address.lock().expect("not poisoned");
        if let Some(n) = by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                by_address.remove(&self.address);
            }
        }
    }
}

/// The address a request came from: the connection's peer, or, behind a proxy byname is told to
/// trust (`--trust-forwarded-for`), the last address the proxy appended to `X-Forwarded-For`.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Store> FromRequestParts<Arc<AppState<S>>> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState<S>>) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        if state.config.trust_forwarded_for {
            // The proxy appends the address it saw: the last one, in the last header.
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|a| a.trim().parse::<IpAddr>().ok());
            if forwarded.is_some() {
                return Ok(Self(forwarded));
            }
        }
        Ok(Self(peer))
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

/// The user of the session, even one who must change their password first, or what to answer
/// instead: the login page without a session, the error page when the store fails.
async fn session_user<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<SessionUser, Response> {
    match current_user(state, headers).await {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(Redirect::to("/login").into_response()),
        Err(error) => Err(server_error(&error)),
    }
}

/// The signed-in user, or what to answer instead: the login page without a session, the password
/// change while a password an administrator set stands, the error page when the store fails.
async fn signed_in<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<SessionUser, Response> {
    let user = session_user(state, headers).await?;
    // A password an administrator set is changed before anything else.
    if user.must_change_password {
        return Err(Redirect::to("/account/password").into_response());
    }
    Ok(user)
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
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if cookie(&headers, LOGIN_CSRF_COOKIE).as_deref() != Some(form.csrf.as_str()) || form.csrf.is_empty() {
        return login_form(&state, Some("The form had expired. Please sign in again."), StatusCode::FORBIDDEN);
    }
    let _in_flight = match address.map(|a| state.sign_ins.enter(a)) {
        Some(None) => {
            return login_form(
                &state,
                Some("Too many sign-ins at once from your address. Wait a moment and try again."),
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
        Some(Some(guard)) => Some(guard),
        None => None,
    };
    let now = state.clock.now();
    let address = address.map(|a| a.to_string());
    let signed_in =
        accounts::sign_in_from(&state.store, &form.username, &form.password, Some(&form.code), address.as_deref(), now)
            .await;
    match signed_in {
        Ok(token) => {
            let mut response = Redirect::to("/").into_response();
            let max_age = accounts::SESSION_HOURS * 3600;
            let headers = response.headers_mut();
            headers
                .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &token, max_age, state.config.secure_cookies));
            headers.append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, "", 0, state.config.secure_cookies));
            response
        }
        // A right password with a missing or wrong code reads exactly as a wrong password.
        Err(AccountError::BadCredentials) => {
            login_form(&state, Some("Unknown username, wrong password or wrong code."), StatusCode::UNAUTHORIZED)
        }
        Err(error @ (AccountError::Locked | AccountError::AddressLocked)) => {
            let message = format!("{}.", capitalise(&error.to_string()));
            login_form(&state, Some(&message), StatusCode::TOO_MANY_REQUESTS)
        }
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

/// The signed-in user, as an extractor: a handler that takes `SignedIn(user)` never runs without
/// one. Its rejection is what [`signed_in`] answers: the login page without a session, the
/// password change while an administrator's password stands, the error page when the store fails.
/// It runs after the path and query extractors before it, as the ceremony it replaces did.
pub struct SignedIn(pub SessionUser);

impl<S: Store> FromRequestParts<Arc<AppState<S>>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState<S>>) -> Result<Self, Self::Rejection> {
        let user = signed_in(state, &parts.headers).await?;
        UserSlot::fill(&parts.extensions, &user);
        Ok(Self(user))
    }
}

/// The user of the session even while they must change their password: for the password change
/// alone, which every other page sends them to (see [`SignedIn`]).
pub struct ChangingPassword(pub SessionUser);

impl<S: Store> FromRequestParts<Arc<AppState<S>>> for ChangingPassword {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState<S>>) -> Result<Self, Self::Rejection> {
        let user = session_user(state, &parts.headers).await?;
        UserSlot::fill(&parts.extensions, &user);
        Ok(Self(user))
    }
}

/// A signed-in user whose role reads the partnership's figures, as an extractor. Its rejection is
/// [`SignedIn`]'s, or "Not allowed" for a role that does not read them.
pub struct StatisticsReader(pub SessionUser);

impl<S: Store> FromRequestParts<Arc<AppState<S>>> for StatisticsReader {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState<S>>) -> Result<Self, Self::Rejection> {
        let user = signed_in(state, &parts.headers).await?;
        UserSlot::fill(&parts.extensions, &user);
        if !byname_domain::access::can_see_statistics(user.role) {
            let reason = "Your role does not see the partnership's figures.";
            return Err(PageError::Forbidden(Notice::new("Not allowed", reason, Look::Plain)).into_response());
        }
        Ok(Self(user))
    }
}

/// A form whose `csrf` field can be read once it is parsed.
pub(crate) trait CsrfField {
    fn csrf(&self) -> &str;
}

/// Forms read as name and value pairs (repeated check boxes need a list).
impl CsrfField for Vec<(String, String)> {
    fn csrf(&self) -> &str {
        self.iter().find(|(k, _)| k == "csrf").map_or("", |(_, v)| v.as_str())
    }
}

impl CsrfField for HashMap<String, String> {
    fn csrf(&self) -> &str {
        self.get("csrf").map_or("", String::as_str)
    }
}

/// Implements [`CsrfField`] for form structs with a `csrf: String` field.
macro_rules! csrf_forms {
    ($($form:ty),* $(,)?) => {
        $(impl crate::auth::CsrfField for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })*
    };
}
pub(crate) use csrf_forms;

/// A posted form and the signed-in user whose session's CSRF token it carries.
///
/// The token is in the body, so this reads the body: it is a `FromRequest` extractor wrapping
/// axum's `Form` rather than a `FromRequestParts` one. It answers in the order the handlers'
/// ceremony did: a form that does not parse is refused as axum's `Form` refuses it, then comes the
/// sign-in (see [`SignedIn`]), then a token that is not the session's gets the "form had expired"
/// page. A helper taking the parsed form's token would have left that third step in every handler.
pub struct SignedForm<T>(pub SessionUser, pub T);

impl<S: Store, T> FromRequest<Arc<AppState<S>>> for SignedForm<T>
where
    T: serde::de::DeserializeOwned + CsrfField + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<AppState<S>>) -> Result<Self, Self::Rejection> {
        form_and_user(request, state, Password::MustBeTheUsers).await.map(|(user, form)| Self(user, form))
    }
}

/// [`SignedForm`] for the password change: the user of the session even while they must change
/// their password (see [`ChangingPassword`]).
pub struct ChangingPasswordForm<T>(pub SessionUser, pub T);

impl<S: Store, T> FromRequest<Arc<AppState<S>>> for ChangingPasswordForm<T>
where
    T: serde::de::DeserializeOwned + CsrfField + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &Arc<AppState<S>>) -> Result<Self, Self::Rejection> {
        form_and_user(request, state, Password::MayBeSet).await.map(|(user, form)| Self(user, form))
    }
}

/// Whether a form is taken from a user whose password an administrator set.
enum Password {
    /// No: they are sent to change it first.
    MustBeTheUsers,
    /// Yes: this is the form that changes it.
    MayBeSet,
}

/// The form of a request and the user whose session's CSRF token it carries, or what to answer
/// instead, in this order: the form's own refusal, the sign-in's, the "form had expired" page.
async fn form_and_user<S: Store, T>(
    request: Request,
    state: &Arc<AppState<S>>,
    password: Password,
) -> Result<(SessionUser, T), Response>
where
    T: serde::de::DeserializeOwned + CsrfField + Send,
{
    let (headers, extensions) = (request.headers().clone(), request.extensions().clone());
    let Form(form) = Form::<T>::from_request(request, state).await.map_err(IntoResponse::into_response)?;
    let user = match password {
        Password::MustBeTheUsers => signed_in(state, &headers).await?,
        Password::MayBeSet => session_user(state, &headers).await?,
    };
    if form.csrf() != user.csrf_token {
        return Err(expired_form(&user));
    }
    UserSlot::fill(&extensions, &user);
    Ok((user, form))
}

/// The answer to a form whose CSRF token is not the session's.
fn expired_form(user: &SessionUser) -> Response {
    let body = html! { main { h1 { "The form had expired" } p { "Go back and try again." } } };
    (StatusCode::FORBIDDEN, layout("Form expired", Some(user), body)).into_response()
}
