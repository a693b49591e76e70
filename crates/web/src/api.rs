//! The JSON API under `/api/v1`: the same operations as the pages, through the same service
//! functions and so the same access rules and audit. It authenticates with the session cookie;
//! a request without a current session gets 401. A request that changes something must also send
//! the session's CSRF token in the `X-CSRF-Token` header (it is in `GET /api/v1/me`). Every error
//! has one envelope: `{"error": {"code": "...", "message": "..."}}`. The OpenAPI document at
//! `/api/v1/openapi.json` is generated from these handlers by utoipa, so it cannot drift from
//! them.

use crate::AppState;
use crate::auth::current_user;
use crate::by_name_list::ListParams;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use byname_casework::accounts::SessionUser;
use byname_casework::by_name_list::{ListError, by_name_list};
use byname_casework::casework::{self, CaseError, ContactForm};
use byname_casework::search::SearchError;
use byname_domain::access::Purpose;
use byname_domain::date::iso;
use byname_store::Store;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{OpenApi, ToSchema};

/// The one error envelope of the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `unauthenticated`, `password_change_required`, `forbidden`, `csrf`, `not_found`, `invalid`,
    /// `possible_matches`, `method_not_allowed` or `internal`.
    pub code: &'static str,
    pub message: String,
}

pub struct ApiError(StatusCode, &'static str, String);

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self(status, code, message.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.0 == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self.2, "API request failed");
        }
        let message =
            if self.0 == StatusCode::INTERNAL_SERVER_ERROR { "the error has been logged".into() } else { self.2 };
        (self.0, Json(ErrorBody { error: ErrorDetail { code: self.1, message } })).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError(StatusCode::BAD_REQUEST, "invalid", rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError(StatusCode::NOT_FOUND, "not_found", rejection.body_text())
    }
}

fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError(StatusCode::INTERNAL_SERVER_ERROR, "internal", error.to_string())
}

impl From<CaseError> for ApiError {
    fn from(error: CaseError) -> Self {
        match error {
            CaseError::NotFound => ApiError(StatusCode::NOT_FOUND, "not_found", error.to_string()),
            CaseError::Forbidden => ApiError(StatusCode::FORBIDDEN, "forbidden", error.to_string()),
            CaseError::Invalid(message) => ApiError(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message),
            CaseError::BadRequest(message) => ApiError(StatusCode::BAD_REQUEST, "invalid", message),
            CaseError::Store(e) => internal(e),
        }
    }
}

async fn api_user<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<SessionUser, ApiError> {
    match current_user(state, headers).await {
        Ok(Some(user)) if user.must_change_password => {
            Err(ApiError(StatusCode::FORBIDDEN, "password_change_required", "choose a new password first".into()))
        }
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(ApiError(StatusCode::UNAUTHORIZED, "unauthenticated", "sign in first".into())),
        Err(error) => Err(internal(error)),
    }
}

/// A user for a request that changes something: the CSRF header must match the session's.
async fn api_writer<S: Store>(state: &AppState<S>, headers: &HeaderMap) -> Result<SessionUser, ApiError> {
    let user = api_user(state, headers).await?;
    let sent = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if sent != user.csrf_token {
        return Err(ApiError(StatusCode::FORBIDDEN, "csrf", "send the session's X-CSRF-Token header".into()));
    }
    Ok(user)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub organisation: String,
    /// Send this in `X-CSRF-Token` with every request that changes something.
    pub csrf_token: String,
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", responses(
    (status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me<S: Store>(State(state): State<Arc<AppState<S>>>, headers: HeaderMap) -> Result<Json<Me>, ApiError> {
    let user = api_user(&state, &headers).await?;
    Ok(Json(Me {
        username: user.username,
        display_name: user.display_name,
        role: user.role.code().to_owned(),
        organisation: user.organisation_name,
        csrf_token: user.csrf_token,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ListEntry {
    /// `null` for a pseudonymised row.
    pub id: Option<i64>,
    /// `full`, `health`, `minimal` or `pseudonymised`.
    pub view: &'static str,
    pub name: String,
    pub age_band: &'static str,
    pub last_seen: String,
    pub last_place: String,
    /// Days seen bedded down in the window; `null` in the minimal entry.
    pub times_seen: Option<i64>,
    pub lead: String,
    pub needs: Vec<&'static str>,
    /// Why the person is on the list.
    pub why: String,
    pub open_escalations: i64,
    pub overdue_escalations: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonList {
    pub total: usize,
    /// People a filter could not be applied to because only their minimal entry may be seen.
    pub set_aside: usize,
    pub page: usize,
    pub pages: usize,
    pub since: String,
    pub until: String,
    pub persons: Vec<ListEntry>,
}

/// A search's answer: the people found, best match first.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonSearch {
    /// The search as typed, trimmed.
    pub query: String,
    /// How many are shown (at most 20).
    pub total: usize,
    /// Whether more people matched than are shown.
    pub more: bool,
    /// Best match first, each as the access rules allow; a person the user may see nothing of
    /// is not here.
    pub persons: Vec<FoundEntry>,
}

/// A person found: the list's entry (`why` says why they are on the list, or that they are not,
/// and `times_seen` counts all their contacts), with how well and on what they matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct FoundEntry {
    #[serde(flatten)]
    pub entry: ListEntry,
    /// From 0 to 1.
    pub score: f64,
    /// What matched: `name`, `date of birth`, `year of birth`, `CHAIN id`, `Inform id`,
    /// `NHS number`.
    pub matched: Vec<&'static str>,
    /// Whether the person is on the by-name list today.
    pub on_list: bool,
}

/// `GET /api/v1/persons`: the list, or with `q` the people a search found.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum PersonsAnswer {
    List(PersonList),
    Search(PersonSearch),
}

#[derive(Deserialize, Default)]
pub struct SearchParam {
    q: Option<String>,
}

fn list_entry(e: byname_casework::by_name_list::ListEntry) -> ListEntry {
    ListEntry {
        id: e.linked.then_some(e.person_id),
        view: e.view.code(),
        name: e.name,
        age_band: e.age_band.label(),
        last_seen: e.last_seen,
        last_place: e.last_place,
        times_seen: e.times_seen,
        lead: e.lead,
        needs: e.needs,
        why: e.why,
        open_escalations: e.escalations.open,
        overdue_escalations: e.escalations.overdue,
    }
}

/// The by-name list, filtered, sorted and paged as the page is (the same query parameters:
/// `sort`, `dir`, `page`, `organisation`, `lead`, `need`, `nationality`, `new_this_month`,
/// `living_on_streets`, `escalation`, `consent`). Each row is shown as the access rules allow.
///
/// With `q`, a search instead: everyone held (on the list or not) matching a name (typos,
/// swapped names, nicknames, missing accents, known-as names and aliases are found), a date of
/// birth (`DD/MM/YYYY`, `YYYY-MM-DD` or a year), a CHAIN or Inform id or an NHS number, or a mix
/// (`jon smtih 12/04/1980`), best match first, each as the access rules allow. Every search is
/// audited with its terms. A blank `q`, or one over 200 characters, is 400.
#[utoipa::path(get, path = "/api/v1/persons",
    params(("q" = Option<String>, Query, description = "Search for people by name, date of birth, CHAIN or Inform id or NHS number (at most 200 characters); without it, the by-name list")),
    responses(
    (status = 200, body = PersonsAnswer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
    (status = 403, body = ErrorBody)))]
pub async fn persons<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    params: Result<Query<ListParams>, QueryRejection>,
    search: Result<Query<SearchParam>, QueryRejection>,
) -> Result<Json<PersonsAnswer>, ApiError> {
    let user = api_user(&state, &headers).await?;
    let Query(search) = search.map_err(|r| ApiError(StatusCode::BAD_REQUEST, "invalid", r.body_text()))?;
    let now = state.clock.now();
    if let Some(q) = search.q {
        let results = match byname_casework::search::search(&state.store, &user, &q, now.date(), now).await {
            Ok(results) => results,
            Err(SearchError::Query(e)) => return Err(ApiError(StatusCode::BAD_REQUEST, "invalid", e.to_string())),
            Err(e @ SearchError::Forbidden(_)) => {
                return Err(ApiError(StatusCode::FORBIDDEN, "forbidden", e.to_string()));
            }
            Err(SearchError::Store(e)) => return Err(internal(e)),
        };
        return Ok(Json(PersonsAnswer::Search(PersonSearch {
            query: results.query,
            total: results.found.len(),
            more: results.more,
            persons: results
                .found
                .into_iter()
                .map(|f| FoundEntry {
                    entry: list_entry(f.entry),
                    score: f.score,
                    matched: f.matched,
                    on_list: f.on_list,
                })
                .collect(),
        })));
    }
    let Query(params) = params.map_err(|r| ApiError(StatusCode::BAD_REQUEST, "invalid", r.body_text()))?;
    let query = params.query().map_err(|m| ApiError(StatusCode::BAD_REQUEST, "invalid", m))?;
    let page = match by_name_list(&state.store, &user, query, now.date(), now).await {
        Ok(page) => page,
        Err(ListError::Forbidden) => {
            return Err(ApiError(StatusCode::FORBIDDEN, "forbidden", "your role does not see the by-name list".into()));
        }
        Err(ListError::Store(e)) => return Err(internal(e)),
    };
    Ok(Json(PersonsAnswer::List(PersonList {
        total: page.total,
        set_aside: page.set_aside,
        page: page.page,
        pages: page.n_pages,
        since: byname_domain::date::iso(page.since),
        until: byname_domain::date::iso(page.until),
        persons: page.entries.into_iter().map(list_entry).collect(),
    })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineEvent {
    pub date: String,
    /// contact, stay, assessment, escalation or action.
    pub kind: String,
    pub by: Option<String>,
    pub text: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Consent {
    pub id: i64,
    pub purpose: String,
    pub all_partners: bool,
    pub organisations: Vec<i64>,
    pub given_on: String,
    pub expires_on: Option<String>,
    pub withdrawn_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Action {
    pub id: i64,
    pub description: String,
    pub owner_organisation: String,
    pub due_on: Option<String>,
    pub done_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    pub id: i64,
    /// `full`, `health` or `minimal`.
    pub view: &'static str,
    /// Why the view is what it is: `works_with_person`, `consent_case_coordination`,
    /// `consent_health_care`, `break_glass` or `no_consent`.
    pub basis: &'static str,
    /// The name, or initials in the minimal entry.
    pub name: String,
    pub needs: Vec<&'static str>,
    pub lead_organisation: Option<String>,
    pub timeline: Vec<TimelineEvent>,
    /// Health events matched by NHS number, for the full record and the health view.
    pub health_events: Vec<TimelineEvent>,
    pub consents: Vec<Consent>,
    pub actions: Vec<Action>,
    /// The day last seen, in the minimal entry.
    pub last_seen: Option<String>,
}

/// One person, as the access rules allow; the view is audited. A person who does not exist and
/// one the user may not see both give 404.
#[utoipa::path(get, path = "/api/v1/persons/{id}", params(("id" = i64, Path, description = "The person's id")),
    responses((status = 200, body = Person), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn person<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<Person>, ApiError> {
    let user = api_user(&state, &headers).await?;
    let Path(id) = id?;
    let p = casework::person_page(&state.store, &user, id, state.clock.today(), state.clock.now()).await?;
    Ok(Json(Person {
        id,
        view: p.decision.view.code(),
        basis: p.decision.basis.code(),
        name: p.name,
        needs: p.needs,
        lead_organisation: p.lead.organisation,
        timeline: p
            .timeline
            .into_iter()
            .map(|e| TimelineEvent { date: e.date, kind: e.kind, by: e.by, text: e.text })
            .collect(),
        health_events: p
            .health_events
            .into_iter()
            .map(|e| TimelineEvent { date: e.date, kind: e.kind, by: e.by, text: e.text })
            .collect(),
        consents: p
            .consents
            .into_iter()
            .map(|c| Consent {
                id: c.id,
                purpose: c.purpose.code().to_owned(),
                all_partners: c.all_partners,
                organisations: c.organisations,
                given_on: iso(c.given_on),
                expires_on: c.expires_on.map(iso),
                withdrawn_on: c.withdrawn_on.map(iso),
            })
            .collect(),
        actions: p
            .actions
            .into_iter()
            .map(|a| Action {
                id: a.id,
                description: a.description,
                owner_organisation: a.owner_organisation,
                due_on: a.due_on.map(iso),
                done_on: a.done_on.map(iso),
            })
            .collect(),
        last_seen: p.last_seen.map(|(day, _)| day),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewContact {
    /// YYYY-MM-DD.
    pub date: String,
    /// HH:MM.
    #[serde(default)]
    pub time: Option<String>,
    /// A place name; or give latitude and longitude.
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub area: Option<String>,
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
    #[serde(default)]
    pub bedded_down: bool,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Records a contact or sighting by the user's organisation.
#[utoipa::path(post, path = "/api/v1/persons/{id}/contacts", request_body = NewContact,
    params(("id" = i64, Path, description = "The person's id")),
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_contact<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<NewContact>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let user = api_writer(&state, &headers).await?;
    let (Path(id), Json(body)) = (id?, body?);
    let form = contact_form(body);
    let created =
        casework::record_contact(&state.store, &user, id, &form, state.clock.today(), state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(Created { id: created })))
}

/// Someone new to the streets, with where and when they were met.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPerson {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    /// How to recognise the person when the name is not known ("man, 40s, green sleeping bag").
    /// A first name, a last name or a description is required.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub known_as: Option<String>,
    /// YYYY-MM-DD, DD/MM/YYYY or YYYY.
    #[serde(default)]
    pub date_of_birth: Option<String>,
    /// An approximate age in whole years (0 to 120), when the date of birth is not known.
    #[serde(default)]
    pub age: Option<i64>,
    /// `male`, `female` or `other`.
    #[serde(default)]
    pub gender: Option<String>,
    /// An ISO 3166-1 alpha-3 code (`GBR`) or an English country name.
    #[serde(default)]
    pub nationality: Option<String>,
    /// Where and when they were met: the body of `POST /api/v1/persons/{id}/contacts`.
    pub contact: NewContact,
    /// Register even when likely existing people are found (the answer was a 409 and none of
    /// them is the person).
    #[serde(default)]
    pub confirm_new: bool,
}

/// A held person who may be the one being registered, as the access rules allow.
#[derive(Debug, Serialize, ToSchema)]
pub struct PossibleMatch {
    pub id: i64,
    /// `full`, `health` or `minimal`.
    pub view: &'static str,
    /// The full name, or initials in the minimal entry.
    pub name: String,
    /// Shown with the full name only.
    pub date_of_birth: Option<String>,
    /// From 0 to 1.
    pub probability: f64,
}

/// The answer when likely existing people were found: the error envelope (code
/// `possible_matches`) and the people, most likely first. Nothing was saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct PossibleMatches {
    pub error: ErrorDetail,
    pub possible_matches: Vec<PossibleMatch>,
}

fn contact_form(body: NewContact) -> ContactForm {
    let number = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    ContactForm {
        date: body.date,
        time: body.time.unwrap_or_default(),
        place: body.place.unwrap_or_default(),
        area: body.area.unwrap_or_default(),
        latitude: number(body.latitude),
        longitude: number(body.longitude),
        bedded_down: body.bedded_down,
        note: body.note.unwrap_or_default(),
    }
}

/// Registers someone new with their first contact, by the user's organisation. Unless
/// `confirm_new` is set, the likely existing people are offered first (409) and nothing is saved.
#[utoipa::path(post, path = "/api/v1/persons", request_body = NewPerson,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = PossibleMatches)))]
pub async fn register_person<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    body: Result<Json<NewPerson>, JsonRejection>,
) -> Result<Response, ApiError> {
    use byname_casework::registration::{Registration, RegistrationForm, register};
    let user = api_writer(&state, &headers).await?;
    let Json(body) = body?;
    let form = RegistrationForm {
        first_name: body.first_name.unwrap_or_default(),
        last_name: body.last_name.unwrap_or_default(),
        description: body.description.unwrap_or_default(),
        known_as: body.known_as.unwrap_or_default(),
        date_of_birth: body.date_of_birth.unwrap_or_default(),
        age: body.age.map(|a| a.to_string()).unwrap_or_default(),
        gender: body.gender.unwrap_or_default(),
        nationality: body.nationality.unwrap_or_default(),
        contact: contact_form(body.contact),
        confirm_new: body.confirm_new,
    };
    match register(&state.store, &user, &form, state.clock.today(), state.clock.now()).await? {
        Registration::Registered(id) => Ok((StatusCode::CREATED, Json(Created { id })).into_response()),
        Registration::PossibleMatches(matches) => Ok((
            StatusCode::CONFLICT,
            Json(PossibleMatches {
                error: ErrorDetail {
                    code: "possible_matches",
                    message: "byname may hold this person already: check these people, or send again with \"confirm_new\": true".into(),
                },
                possible_matches: matches
                    .into_iter()
                    .map(|m| PossibleMatch {
                        id: m.person_id,
                        view: m.view.code(),
                        name: m.name,
                        date_of_birth: m.date_of_birth,
                        probability: m.probability,
                    })
                    .collect(),
            }),
        )
            .into_response()),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewConsent {
    /// `case_coordination`, `health_care` or `research_statistics`.
    pub purpose: String,
    /// The organisations it is given to; absent or null for all partners.
    #[serde(default)]
    pub organisations: Option<Vec<i64>>,
    /// YYYY-MM-DD; today when absent.
    #[serde(default)]
    pub given_on: Option<String>,
    #[serde(default)]
    pub expires_on: Option<String>,
}

fn date(field: &str, text: &str) -> Result<time::Date, ApiError> {
    byname_domain::date::parse_iso_date(text)
        .map_err(|_| ApiError(StatusCode::UNPROCESSABLE_ENTITY, "invalid", format!("{field}: {text:?} is not a date")))
}

/// Records a consent.
#[utoipa::path(post, path = "/api/v1/persons/{id}/consents", request_body = NewConsent,
    params(("id" = i64, Path, description = "The person's id")),
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_consent<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<NewConsent>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let user = api_writer(&state, &headers).await?;
    let (Path(id), Json(body)) = (id?, body?);
    let purpose = Purpose::parse(&body.purpose).ok_or_else(|| {
        ApiError(StatusCode::UNPROCESSABLE_ENTITY, "invalid", format!("purpose: {:?} is not a purpose", body.purpose))
    })?;
    let today = state.clock.today();
    let given = body.given_on.as_deref().map(|d| date("given_on", d)).transpose()?.unwrap_or(today);
    let expires = body.expires_on.as_deref().map(|d| date("expires_on", d)).transpose()?;
    let created = casework::record_consent(
        &state.store,
        &user,
        id,
        purpose,
        body.organisations,
        given,
        expires,
        today,
        state.clock.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id: created })))
}

/// Withdraws a consent, at once.
#[utoipa::path(post, path = "/api/v1/persons/{id}/consents/{consent}/withdraw",
    params(("id" = i64, Path, description = "The person's id"), ("consent" = i64, Path, description = "The consent's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn withdraw_consent<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let user = api_writer(&state, &headers).await?;
    let Path((id, consent)) = ids?;
    casework::withdraw_consent(&state.store, &user, id, consent, state.clock.today(), state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Escalation {
    pub id: i64,
    pub person_id: i64,
    /// The person as the access rules allow: a name, initials, or a sentence saying they are
    /// not shown.
    pub person: String,
    pub service_area: String,
    pub blocked: String,
    pub needed: String,
    pub needed_by: Option<String>,
    pub raised_by: String,
    pub organisation: String,
    pub raised_at: String,
    /// `open`, `acknowledged`, `resolved` or `declined`.
    pub state: &'static str,
    /// 1 service leader, 2 head of service, 3 the Strategic Group's agenda.
    pub level: i64,
    pub deadline_at: String,
    pub overdue: bool,
}

fn escalation_json(item: byname_casework::escalations::EscalationItem) -> Escalation {
    let e = item.row;
    Escalation {
        id: e.id,
        person_id: e.person_id,
        person: item.person.text,
        service_area: e.service_area,
        blocked: e.blocked,
        needed: e.needed,
        needed_by: e.needed_by,
        raised_by: e.raised_by_name,
        organisation: e.organisation,
        raised_at: byname_store::sql_instant(e.raised_at),
        state: e.state.code(),
        level: e.level.number(),
        deadline_at: byname_store::sql_instant(e.deadline_at),
        overdue: item.overdue,
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct EscalationFilter {
    /// `open`, `acknowledged`, `resolved` or `declined`.
    state: Option<String>,
}

/// My escalations: raised by my organisation, or addressed to me, my area or my level.
#[utoipa::path(get, path = "/api/v1/escalations", params(("state" = Option<String>, Query, description = "open, acknowledged, resolved or declined")),
    responses((status = 200, body = Vec<Escalation>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn escalations<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    params: Result<Query<EscalationFilter>, QueryRejection>,
) -> Result<Json<Vec<Escalation>>, ApiError> {
    let user = api_user(&state, &headers).await?;
    let Query(params) = params.map_err(|r| ApiError(StatusCode::BAD_REQUEST, "invalid", r.body_text()))?;
    let wanted =
        match params.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => Some(byname_domain::escalation::State::parse(text).ok_or_else(|| {
                ApiError(StatusCode::BAD_REQUEST, "invalid", format!("state: {text:?} is not a state"))
            })?),
        };
    let items = byname_casework::escalations::my_escalations(&state.store, &user, wanted, state.clock.now()).await?;
    Ok(Json(items.into_iter().map(escalation_json).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewEscalation {
    /// One of the service areas: adult_social_care, substance_misuse, health, mental_health,
    /// housing, immigration_advice, police, other.
    pub service_area: String,
    pub blocked: String,
    pub needed: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub needed_by: Option<String>,
}

/// Raises a blockage on a person whose record the user sees in full.
#[utoipa::path(post, path = "/api/v1/persons/{id}/escalations", request_body = NewEscalation,
    params(("id" = i64, Path, description = "The person's id")),
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn raise_escalation<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<NewEscalation>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let user = api_writer(&state, &headers).await?;
    let (Path(id), Json(body)) = (id?, body?);
    let form = byname_casework::escalations::RaiseForm {
        service_area: body.service_area,
        blocked: body.blocked,
        needed: body.needed,
        needed_by: body.needed_by.unwrap_or_default(),
    };
    let created = byname_casework::escalations::raise(&state.store, &user, id, &form, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(Created { id: created })))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EscalationAnswer {
    /// `acknowledge`, `resolve` or `decline`.
    pub action: String,
    /// Required to decline.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Acknowledges, resolves or declines an escalation.
#[utoipa::path(post, path = "/api/v1/escalations/{id}/answer", request_body = EscalationAnswer,
    params(("id" = i64, Path, description = "The escalation's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer_escalation<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<EscalationAnswer>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    use byname_domain::escalation::Action;
    let user = api_writer(&state, &headers).await?;
    let (Path(id), Json(body)) = (id?, body?);
    let action = match body.action.as_str() {
        "acknowledge" => Action::Acknowledge,
        "resolve" => Action::Resolve,
        "decline" => Action::Decline,
        other => {
            return Err(ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("action: {other:?} is not an answer"),
            ));
        }
    };
    let reason = body.reason.unwrap_or_default();
    byname_casework::escalations::act(&state.store, &user, id, action, &reason, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The API's routes, each written once: this one list makes both the router's `/api/v1` routes
/// and the OpenAPI document's paths, so the document cannot leave out a working route. A test
/// checks that utoipa's path and method for each handler are the route's.
macro_rules! api_routes {
    ($( $method:ident $path:literal => $handler:ident ),+ $(,)?) => {
        /// Every documented API route, as `(method, path)`.
        pub const ROUTES: &[(&str, &str)] = &[$( (stringify!($method), $path) ),+];

        /// The documented API routes on a router.
        pub fn routes<S: Store + 'static>(router: axum::Router<Arc<AppState<S>>>) -> axum::Router<Arc<AppState<S>>> {
            router $( .route($path, axum::routing::$method($handler::<S>)) )+
        }

        #[derive(OpenApi)]
        #[openapi(
            info(
                title = "byname",
                description = "The by-name list, people's records, consent, contacts and escalations. Authenticate with the session cookie; send X-CSRF-Token (from /api/v1/me) with every POST."
            ),
            paths($( $handler ),+),
            components(schemas(
                ErrorBody,
                ErrorDetail,
                Me,
                PersonList,
                PersonSearch,
                FoundEntry,
                PersonsAnswer,
                ListEntry,
                Person,
                TimelineEvent,
                Consent,
                Action,
                NewContact,
                NewPerson,
                PossibleMatch,
                PossibleMatches,
                NewConsent,
                Created,
                Escalation,
                NewEscalation,
                EscalationAnswer
            ))
        )]
        pub struct ApiDoc;
    };
}

api_routes! {
    get "/api/v1/me" => me,
    get "/api/v1/persons" => persons,
    post "/api/v1/persons" => register_person,
    get "/api/v1/persons/{id}" => person,
    post "/api/v1/persons/{id}/contacts" => record_contact,
    post "/api/v1/persons/{id}/consents" => record_consent,
    post "/api/v1/persons/{id}/consents/{consent}/withdraw" => withdraw_consent,
    post "/api/v1/persons/{id}/escalations" => raise_escalation,
    get "/api/v1/escalations" => escalations,
    post "/api/v1/escalations/{id}/answer" => answer_escalation,
}

/// The OpenAPI document.
pub async fn openapi() -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], ApiDoc::openapi().to_pretty_json().unwrap_or_default())
        .into_response()
}

/// Any other address under `/api/v1`: the envelope, not an HTML page.
pub async fn not_found() -> ApiError {
    ApiError(StatusCode::NOT_FOUND, "not_found", "no such API route".into())
}
