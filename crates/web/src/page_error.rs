//! The one error type of the HTML pages, beside the JSON API's `ApiError` envelope: a handler
//! returns `Result<_, PageError>` and uses `?` on the use cases' errors, and each is answered with
//! its status and page here, once.
//!
//! A page error is drawn in the layout with the signed-in user's menu, but `From<CaseError>` and
//! the like cannot know the user. So [`with_page_errors`], a middleware around every route, puts
//! an empty [`UserSlot`] in the request, the sign-in extractors (`auth::SignedIn` and its kin)
//! fill it, and the middleware draws a page error's page with whoever is in it. Handlers keep a
//! plain `?`, and the user is looked up once, by the extractor, as before.

use crate::layout::layout;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use byname_casework::accounts::{AccountError, SessionUser};
use byname_casework::by_name_list::ListError;
use byname_casework::casework::CaseError;
use byname_casework::organisations::OrganisationError;
use byname_casework::review::ReviewError;
use byname_store::StoreError;
use maud::{Markup, html};
use std::sync::{Arc, OnceLock};

/// What a page answers instead of what was asked for.
#[derive(Debug)]
pub enum PageError {
    /// 404: there is no such thing, or none the user may see (the same answer for both).
    NotFound(Notice),
    /// 403: the user may not do this, with the reason.
    Forbidden(Notice),
    /// 403: the user's role has no business on this page ("Not for your role").
    NotForRole,
    /// 422: the form's values were refused; nothing was saved.
    Invalid(Notice),
    /// 400: the request itself makes no sense (a query, a path, a field that is not a number).
    BadRequest(Notice),
    /// 500: the cause goes to the log, not to the browser.
    Server(Box<dyn std::error::Error + Send + Sync>),
}

/// The page of a refusal: its title (also its heading), the sentence saying why, how it is
/// set out (where the reader goes back to) and, on a page that asks for something (a period, a
/// figure, a number of months), the form to ask again, drawn above the sentence.
#[derive(Debug, Clone)]
pub struct Notice {
    pub title: &'static str,
    pub text: String,
    pub look: Look,
    pub form: Option<Markup>,
}

/// How a refusal's page is set out; each part of the site keeps its own.
#[derive(Debug, Clone, Copy)]
pub enum Look {
    /// Casework: the reason as an alert and a link back to the by-name list.
    Casework,
    /// The reason as a plain paragraph: the linkage review's refusals and the figures' pages
    /// refused to a role.
    Plain,
    /// User administration: the reason as an alert and a link back to the users.
    Users,
    /// Settings: the reason as an alert and a link back to the settings.
    Settings,
    /// Organisations: the reason as an alert and a link back to the organisations.
    Organisations,
    /// The reason as an alert, nothing more.
    Alert,
}

impl Notice {
    pub fn new(title: &'static str, text: impl Into<String>, look: Look) -> Self {
        Self { title, text: text.into(), look, form: None }
    }

    /// The same refusal with `form` above the reason, filled in as it was sent, so the reader
    /// corrects it there.
    pub fn with_form(self, form: Markup) -> Self {
        Self { form: Some(form), ..self }
    }
}

impl PageError {
    /// A 500 for any cause.
    pub fn server(cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Server(Box::new(cause))
    }

    /// A refused account change: 422 titled `title` ("Not saved", "Not done") with a link back to
    /// the users; the store's failures, the role's refusals and unknown users keep their own.
    pub fn account(title: &'static str, error: AccountError) -> Self {
        match error {
            AccountError::Store(e) => Self::server(e),
            AccountError::Forbidden => Self::NotForRole,
            AccountError::NoSuchUser => Self::NotFound(Notice::new("Not found", "No such user.", Look::Users)),
            AccountError::NoSuchChange => Self::NotFound(Notice::new("Not found", "No such change.", Look::Users)),
            AccountError::NoSuchStep => Self::NotFound(Notice::new("Not found", "No such step.", Look::Users)),
            e => Self::Invalid(Notice::new(title, e.to_string(), Look::Users)),
        }
    }
}

/// The page of a page error, drawn for `user` (none for a server error).
fn page(status: StatusCode, notice: &Notice, user: Option<&SessionUser>) -> Response {
    let Notice { title, text, look, form } = notice;
    let back = match look {
        Look::Casework => Some(("/people", "Back to the by-name list")),
        Look::Users => Some(("/admin/users", "Back to users")),
        Look::Settings => Some(("/admin/settings", "Back to settings")),
        Look::Organisations => Some(("/admin/organisations", "Back to organisations")),
        Look::Plain | Look::Alert => None,
    };
    let body = match look {
        Look::Plain => html! { main { h1 { (title) } p { (text) } } },
        _ => html! {
            main {
                h1 { (title) }
                @if let Some(form) = form { (form) }
                p.error role="alert" { (text) }
                @if let Some((href, label)) = back { p { a href=(href) { (label) } } }
            }
        },
    };
    (status, layout(title, user, body)).into_response()
}

/// The 500 page; the cause goes to the log.
pub fn server_error(error: &dyn std::error::Error) -> Response {
    tracing::error!(error = %error, "request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        layout("Error", None, html! { main { h1 { "Something went wrong" } p { "The error has been logged." } } }),
    )
        .into_response()
}

/// The 403 page for a signed-in user whose role has no business here.
fn not_for_role(user: Option<&SessionUser>) -> Response {
    let role = user.map_or("", |u| u.role.label());
    let body = html! { main { h1 { "Not for your role" } p { "Your role (" (role) ") does not see this page." } } };
    (StatusCode::FORBIDDEN, layout("Not for your role", user, body)).into_response()
}

/// A page error waiting for [`with_page_errors`] to draw it with the signed-in user.
#[derive(Clone)]
enum Pending {
    Notice(StatusCode, Notice),
    NotForRole,
}

impl Pending {
    fn draw(&self, user: Option<&SessionUser>) -> Response {
        match self {
            Self::Notice(status, notice) => page(*status, notice, user),
            Self::NotForRole => not_for_role(user),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let pending = match self {
            Self::Server(cause) => return server_error(cause.as_ref()),
            Self::NotFound(n) => Pending::Notice(StatusCode::NOT_FOUND, n),
            Self::Forbidden(n) => Pending::Notice(StatusCode::FORBIDDEN, n),
            Self::Invalid(n) => Pending::Notice(StatusCode::UNPROCESSABLE_ENTITY, n),
            Self::BadRequest(n) => Pending::Notice(StatusCode::BAD_REQUEST, n),
            Self::NotForRole => Pending::NotForRole,
        };
        let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
        response.extensions_mut().insert(pending);
        response
    }
}

/// The signed-in user of a request, once an extractor has found them.
#[derive(Clone, Default)]
pub struct UserSlot(Arc<OnceLock<SessionUser>>);

impl UserSlot {
    /// Records the signed-in user of the request whose extensions hold the slot.
    pub fn fill(extensions: &axum::http::Extensions, user: &SessionUser) {
        if let Some(slot) = extensions.get::<Self>() {
            let _ = slot.0.set(user.clone());
        }
    }
}

/// Draws the page of a [`PageError`] a handler returned, with the signed-in user's menu.
pub async fn with_page_errors(mut request: Request, next: Next) -> Response {
    let slot = UserSlot::default();
    request.extensions_mut().insert(slot.clone());
    let response = next.run(request).await;
    match response.extensions().get::<Pending>() {
        Some(pending) => pending.draw(slot.0.get()),
        None => response,
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        Self::server(error)
    }
}

/// Casework's refusals: "no such person" and "not one you may see" read the same.
impl From<CaseError> for PageError {
    fn from(error: CaseError) -> Self {
        let notice = |title, text: String| Notice::new(title, text, Look::Casework);
        match error {
            CaseError::NotFound => Self::NotFound(notice("Not found", error.to_string())),
            CaseError::Forbidden => Self::Forbidden(notice("Not allowed", error.to_string())),
            CaseError::Invalid(message) => Self::Invalid(notice("Not saved", message)),
            CaseError::BadRequest(message) => Self::BadRequest(notice("Not saved", message)),
            CaseError::Store(_) => Self::server(error),
        }
    }
}

/// An organisation or a name refused: 422 with the reason (a name claimed, an organisation
/// misspelt, with the close names) and a link back to the organisations.
impl From<OrganisationError> for PageError {
    fn from(error: OrganisationError) -> Self {
        match error {
            OrganisationError::Forbidden => Self::NotForRole,
            OrganisationError::Store(e) => Self::server(e),
            e => Self::Invalid(Notice::new("Not saved", e.to_string(), Look::Organisations)),
        }
    }
}

impl From<ReviewError> for PageError {
    fn from(error: ReviewError) -> Self {
        let notice = |title, text: String| Notice::new(title, text, Look::Plain);
        match error {
            ReviewError::Forbidden => Self::Forbidden(notice("Not allowed", error.to_string())),
            ReviewError::Refused(message) => Self::Forbidden(notice("Not allowed", message)),
            ReviewError::NotFound => Self::NotFound(notice("Not found", "There is nothing here.".to_owned())),
            ReviewError::Invalid(message) => Self::Invalid(notice("Not done", message)),
            ReviewError::Store(_) | ReviewError::Link(_) => Self::server(error),
        }
    }
}

impl From<ListError> for PageError {
    fn from(error: ListError) -> Self {
        match error {
            ListError::Forbidden => Self::NotForRole,
            ListError::Store(error) => Self::server(error),
        }
    }
}
