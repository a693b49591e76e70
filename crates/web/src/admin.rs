//! Accounts and oversight: user administration for administrators (add, disable, enable, reset a
//! password), the audit log search and the break-glass openings for administrators and
//! data-protection leads, and everyone's own password change. Administrators manage accounts but
//! see no person data: the audit pages show ids, never names.

use crate::AppState;
use crate::auth::{ChangingPassword, ChangingPasswordForm, SignedForm, SignedIn};
use crate::layout::layout;
use crate::page_error::{Look, Notice, PageError};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use byname_casework::accounts::{
    self, AccountError, Actor, NewAccount, ProfileChange, SessionUser, TotpPage, TotpStep, UserChange, UsersPage,
};
use byname_casework::agreements::AgreementsPage;
use byname_casework::audit::AuditPage;
use byname_casework::by_name_list::WINDOW_RANGE;
use byname_casework::data_status::STALE_RANGE;
use byname_casework::escalations::DEADLINE_DAYS;
use byname_casework::settings::Settings;
use byname_domain::Role;
use byname_domain::access::can_manage_users;
use byname_domain::date::iso;
use byname_store::{AuditQuery, Store};
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

crate::auth::csrf_forms!(PasswordForm, NewUserForm, ProfileForm, CsrfForm, TotpForm, ReviewForm);

/// The service area a service leader answers for, as a select named `service_area`.
fn service_area_select(selected: Option<&str>) -> Markup {
    html! {
        label for="service_area" { "Service area (service leaders)" }
        select #service_area name="service_area" {
            option value="" { "None" }
            @for (code, label) in byname_domain::org::SERVICE_AREAS {
                option value=(code) selected[selected == Some(code)] { (label) }
            }
        }
    }
}

pub async fn users_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let UsersPage { users, organisations } =
        accounts::users_page(&state.store, &user).await.map_err(|e| PageError::account("Not saved", e))?;
    let body = html! {
        main {
            h1 { "Users" }
            table.list {
                caption.visually-hidden { "Every user" }
                thead { tr { th scope="col" { "Username" } th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "Organisation" } th scope="col" { "State" } th scope="col" { "Change" } } }
                tbody {
                    @for u in &users {
                        tr {
                            td data-label="Username" { div { (u.username) } }
                            td data-label="Name" { div { (u.display_name) } }
                            td data-label="Role" {
                                div {
                                    (u.role.label())
                                    @if let Some(area) = &u.service_area { " (" (byname_domain::org::service_area_label(area).map_or_else(|| area.clone(), str::to_owned)) ")" }
                                    @if u.head_of_service { br; "Head of service" }
                                    @if u.data_protection_lead { br; "Data-protection lead" }
                                }
                            }
                            td data-label="Organisation" { div { (u.organisation_name) } }
                            td data-label="State" { div { @if u.disabled { "Disabled" } @else if u.must_change_password { "Must change password" } @else { "Active" } } }
                            td data-label="Change" {
                                div {
                                    a href=(format!("/admin/users/{}", u.id)) { "Profile and email" }
                                    " "
                                    @if u.id != user.id {
                                        form.inline method="post" action=(format!("/admin/users/{}/{}", u.id, if u.disabled { "enable" } else { "disable" })) {
                                            input type="hidden" name="csrf" value=(user.csrf_token);
                                            button type="submit" { @if u.disabled { "Enable" } @else { "Disable" } }
                                        }
                                    }
                                    form.inline method="post" action=(format!("/admin/users/{}/reset", u.id)) {
                                        input type="hidden" name="csrf" value=(user.csrf_token);
                                        label for=(format!("reset-{}", u.id)) { "New password" }
                                        input id=(format!("reset-{}", u.id)) type="password" name="password" minlength="12" required autocomplete="new-password";
                                        button type="submit" { "Reset" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            h2 { "Add a user" }
            form method="post" action="/admin/users" {
                input type="hidden" name="csrf" value=(user.csrf_token);
                label for="username" { "Username" }
                input #username type="text" name="username" required maxlength="64" autocomplete="off";
                label for="display_name" { "Name" }
                input #display_name type="text" name="display_name" required maxlength="200";
                label for="role" { "Role" }
                select #role name="role" { @for r in Role::ALL { option value=(r.code()) { (r.label()) } } }
                label for="organisation" { "Organisation" }
                select #organisation name="organisation" { @for o in &organisations { option value=(o.id) { (o.name) } } }
                (service_area_select(None))
                div.check { input #dpl type="checkbox" name="data_protection_lead" value="1"; label for="dpl" { "Data-protection lead of the organisation" } }
                label for="password" { "First password (at least 12 characters; changed at first sign-in)" }
                input #password type="password" name="password" required minlength="12" autocomplete="new-password";
                button type="submit" { "Add user" }
            }
        }
    };
    Ok(layout("Users", Some(&user), body).into_response())
}

#[derive(Deserialize)]
pub struct NewUserForm {
    csrf: String,
    username: String,
    display_name: String,
    role: String,
    organisation: i64,
    #[serde(default)]
    service_area: String,
    #[serde(default)]
    data_protection_lead: Option<String>,
    password: String,
}

pub async fn add_user<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedForm(user, form): SignedForm<NewUserForm>,
) -> Result<Redirect, PageError> {
    let account = NewAccount {
        username: &form.username,
        display_name: &form.display_name,
        role: &form.role,
        organisation_id: form.organisation,
        password: &form.password,
        must_change_password: true,
    };
    let area = Some(form.service_area.trim()).filter(|a| !a.is_empty());
    let lead = form.data_protection_lead.is_some();
    accounts::add_user_as(&state.store, &user, &account, area, lead, state.clock.now())
        .await
        .map_err(|e| PageError::account("Not saved", e))?;
    Ok(Redirect::to("/admin/users"))
}

/// One user's profile: the service area they answer for, head of service, data-protection lead,
/// and the address their notifications are emailed to.
pub async fn user_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(id): Path<i64>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let profile =
        accounts::managed_user(&state.store, &user, id).await.map_err(|e| PageError::account("Not found", e))?;
    let role = profile.role.label();
    let body = html! {
        main {
            h1 { (profile.display_name) " (" (profile.username) ")" }
            p { (role) ", " (profile.organisation_name) }
            form method="post" action=(format!("/admin/users/{id}")) {
                input type="hidden" name="csrf" value=(user.csrf_token);
                label for="email" { "Email for notifications (empty: the web app only)" }
                input #email type="email" name="email" maxlength="254" value=(profile.email.clone().unwrap_or_default()) autocomplete="off";
                label for="role" { "Role (a change signs the user out)" }
                select #role name="role" { @for r in Role::ALL { option value=(r.code()) selected[r == profile.role] { (r.label()) } } }
                (service_area_select(profile.service_area.as_deref()))
                div.check {
                    input #head type="checkbox" name="head_of_service" value="1" checked[profile.head_of_service];
                    label for="head" { "Head of service of the area: receives its escalations at the second level" }
                }
                div.check {
                    input #dpl type="checkbox" name="data_protection_lead" value="1" checked[profile.data_protection_lead];
                    label for="dpl" { "Data-protection lead of the organisation" }
                }
                button type="submit" { "Save" }
            }
            p { a href="/admin/users" { "Back to users" } }
        }
    };
    Ok(layout("User profile", Some(&user), body).into_response())
}

#[derive(Deserialize)]
pub struct ProfileForm {
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    service_area: String,
    #[serde(default)]
    head_of_service: Option<String>,
    #[serde(default)]
    data_protection_lead: Option<String>,
    /// A new role; empty keeps the one held.
    #[serde(default)]
    role: String,
}

pub async fn save_profile<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(id): Path<i64>,
    SignedForm(user, form): SignedForm<ProfileForm>,
) -> Result<Redirect, PageError> {
    let change = ProfileChange {
        email: &form.email,
        service_area: Some(form.service_area.trim()).filter(|a| !a.is_empty()),
        head_of_service: form.head_of_service.is_some(),
        data_protection_lead: form.data_protection_lead.is_some(),
        role: &form.role,
    };
    accounts::save_profile_as(&state.store, &user, id, &change, state.clock.now())
        .await
        .map_err(|e| PageError::account("Not saved", e))?;
    Ok(Redirect::to("/admin/users"))
}

/// The partnership's settings an administrator changes: each area's escalation deadline in
/// working days, and the by-name list's window.
pub async fn settings_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let Settings { deadlines, window_days: window, stale_import_days } =
        byname_casework::settings::settings(&state.store, &user).await?.ok_or(PageError::NotForRole)?;
    let body = html! {
        main {
            h1 { "Settings" }
            form method="post" action="/admin/settings" {
                input type="hidden" name="csrf" value=(user.csrf_token);
                h2 { "By-name list" }
                label for="window" { "Window in days: people seen within it, and not housed since, are active" }
                input #window type="number" name="window" min=(WINDOW_RANGE.start()) max=(WINDOW_RANGE.end()) required value=(window);
                label for="stale_import_days" { "Warn on the list when a source was last imported more than this many days ago" }
                input #stale_import_days type="number" name="stale_import_days" min=(STALE_RANGE.start()) max=(STALE_RANGE.end()) required value=(stale_import_days);
                h2 { "Escalation deadlines in working days, at each level" }
                label for="deadline-default" { "Any other area" }
                input #deadline-default type="number" name="default" min=(DEADLINE_DAYS.start()) max=(DEADLINE_DAYS.end()) required value=(deadlines.default_days);
                @for (code, label) in byname_domain::org::SERVICE_AREAS {
                    label for=(format!("deadline-{code}")) { (label) }
                    input id=(format!("deadline-{code}")) type="number" name=(code) min=(DEADLINE_DAYS.start()) max=(DEADLINE_DAYS.end()) required value=(deadlines.working_days(code));
                }
                button type="submit" { "Save settings" }
            }
        }
    };
    Ok(layout("Settings", Some(&user), body).into_response())
}

pub async fn save_settings<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedForm(user, form): SignedForm<std::collections::HashMap<String, String>>,
) -> Result<Redirect, PageError> {
    // The role is refused before the numbers are read; the service refuses it again (every
    // administrative change checks its actor).
    if !can_manage_users(user.role) {
        return Err(PageError::NotForRole);
    }
    let not_saved = |text: String| PageError::Invalid(Notice::new("Not saved", text, Look::Settings));
    let number = |name: &str| -> Result<i64, PageError> {
        let text = form.get(name).map_or("", |v| v.trim());
        text.parse::<i64>().map_err(|_| not_saved(format!("{name}: a whole number is needed, not {text:?}")))
    };
    let window = number("window")?;
    // Absent from a form drawn before the setting existed: kept as it is.
    let stale_import_days =
        if form.contains_key("stale_import_days") { Some(number("stale_import_days")?) } else { None };
    let mut deadlines = vec![("default", number("default")?)];
    for (code, _) in byname_domain::org::SERVICE_AREAS {
        deadlines.push((code, number(code)?));
    }
    // Any refusal, even the store's, reads "Not saved" with its reason, as it always has here.
    byname_casework::settings::save_as(
        &state.store,
        Actor::User(&user),
        window,
        &deadlines,
        stale_import_days,
        state.clock.now(),
    )
    .await
    .map_err(|e| not_saved(e.to_string()))?;
    Ok(Redirect::to("/admin/settings"))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
    #[serde(default)]
    password: String,
}

/// Disable, enable or reset one user.
pub async fn change_user<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path((id, what)): Path<(i64, String)>,
    SignedForm(user, form): SignedForm<CsrfForm>,
) -> Result<Redirect, PageError> {
    let change = UserChange::parse(&what);
    accounts::change_user(&state.store, &user, id, change, &form.password, state.clock.now())
        .await
        .map_err(|e| PageError::account("Not done", e))?;
    Ok(Redirect::to("/admin/users"))
}

#[derive(Deserialize, Default)]
pub struct AuditParams {
    person: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// The audit log search and the break-glass openings, for administrators (everything) and
/// data-protection leads (their organisation's).
pub async fn audit_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Query(params): Query<AuditParams>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let person = match text(&params.person).map(|p| p.parse::<i64>()) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(_)) => return Err(PageError::BadRequest(Notice::new("Audit log", "Person: a number.", Look::Users))),
    };
    let day = |v: &Option<String>, field: &str| match text(v) {
        None => Ok(None),
        Some(t) => byname_domain::date::parse_iso_date(&t).map(Some).map_err(|_| {
            PageError::BadRequest(Notice::new("Audit log", format!("{field}: a date (YYYY-MM-DD)."), Look::Users))
        }),
    };
    let query = AuditQuery {
        person_id: person,
        action: text(&params.action),
        from: day(&params.from, "From")?,
        to: day(&params.to, "To")?,
        limit: 200,
        ..AuditQuery::default()
    };
    let AuditPage { rows, openings, scope } =
        byname_casework::audit::audit_page(&state.store, &user, query).await?.ok_or(PageError::NotForRole)?;
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let body = html! {
        main {
            h1 { "Audit log" }
            p.lede { @if scope.is_some() { "Entries by users of " (user.organisation_name) "." } @else { "Every entry." } " Run " code { "byname audit verify" } " to check the hash chain." }
            h2 { "Break-glass openings" }
            @if openings.is_empty() { p { "None." } }
            @else {
                p { "What a user records while break-glass is their only access to a person gives their organisation no lasting access until the data-protection lead of that organisation confirms it." }
                table.list {
                    caption.visually-hidden { "Break-glass openings" }
                    thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "Person" } th scope="col" { "Reason" } th scope="col" { "Recorded" } th scope="col" { "Review" } } }
                    tbody {
                        @for o in &openings {
                            tr {
                                td { div { (byname_store::sql_instant(o.opened_at)) } } td { div { (o.user_name) } } td { div { (o.person_id) } } td { div { (o.reason) } }
                                td { div { (o.recorded) } }
                                td { div {
                                    @match o.review_outcome.as_deref() {
                                        Some(outcome) => { (outcome) }
                                        None if user.data_protection_lead && o.organisation_id == user.organisation_id && o.user_id != user.id => {
                                            form.inline method="post" action=(format!("/admin/break-glass/{}/confirm", o.id)) {
                                                input type="hidden" name="csrf" value=(user.csrf_token);
                                                button type="submit" { "Confirm" }
                                            }
                                            " "
                                            form.inline method="post" action=(format!("/admin/break-glass/{}/reject", o.id)) {
                                                input type="hidden" name="csrf" value=(user.csrf_token);
                                                button type="submit" { "Reject" }
                                            }
                                        }
                                        None => { "Awaiting the data-protection lead" }
                                    }
                                } }
                            }
                        }
                    }
                }
            }
            h2 { "Search" }
            form.filters method="get" action="/admin/audit" {
                div { label for="person" { "Person id" } input #person type="text" inputmode="numeric" name="person" value=(value(&params.person)); }
                div { label for="action" { "Action" } input #action type="text" name="action" value=(value(&params.action)) placeholder="view_person"; }
                div { label for="from" { "From (YYYY-MM-DD)" } input #from type="date" name="from" value=(value(&params.from)); }
                div { label for="to" { "To (YYYY-MM-DD)" } input #to type="date" name="to" value=(value(&params.to)); }
                button type="submit" { "Search" }
            }
            table.list {
                caption.visually-hidden { "Audit entries, newest first" }
                thead { tr { th scope="col" { "#" } th scope="col" { "When" } th scope="col" { "User" } th scope="col" { "Action" } th scope="col" { "Person" } th scope="col" { "Purpose" } th scope="col" { "Basis" } th scope="col" { "Detail" } } }
                tbody {
                    @for r in &rows {
                        tr {
                            td { div { (r.id) } }
                            td { div { (r.entry.at) } }
                            td { div { (r.entry.user_id.map(|u| u.to_string()).unwrap_or_else(|| "operator".into())) } }
                            td { div { (r.entry.action) } }
                            td { div {
                                (r.entry.person_id.map(|p| p.to_string()).unwrap_or_default())
                                @if !r.entry.persons.is_empty() {
                                    details { summary { (r.entry.persons.len()) " people" } (r.entry.persons.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")) }
                                }
                            } }
                            td { div { (value(&r.entry.purpose)) } }
                            td { div { (value(&r.entry.basis)) } }
                            td { div { (value(&r.entry.detail)) } }
                        }
                    }
                }
            }
        }
    };
    Ok(layout("Audit log", Some(&user), body).into_response())
}

fn password_form(user: &SessionUser, error: Option<&str>) -> Markup {
    html! {
        main.narrow {
            h1 { "Change your password" }
            @if user.must_change_password { p.notice { "An administrator set your password: choose your own before going on." } }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            form method="post" action="/account/password" {
                input type="hidden" name="csrf" value=(user.csrf_token);
                label for="current" { "Current password" }
                input #current type="password" name="current" required autocomplete="current-password";
                label for="new" { "New password (at least 12 characters)" }
                input #new type="password" name="new" required minlength="12" autocomplete="new-password";
                button type="submit" { "Change password" }
            }
        }
    }
}

pub async fn password_page(ChangingPassword(user): ChangingPassword) -> Response {
    layout("Change your password", Some(&user), password_form(&user, None)).into_response()
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
}

pub async fn change_password<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    headers: HeaderMap,
    ChangingPasswordForm(user, form): ChangingPasswordForm<PasswordForm>,
) -> Result<Response, PageError> {
    let token = crate::auth::cookie(&headers, crate::auth::SESSION_COOKIE);
    match accounts::change_password(&state.store, &user, &form.current, &form.new, token.as_deref()).await {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(AccountError::Store(e)) => Err(PageError::server(e)),
        // The form again, with what was wrong.
        Err(e) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            layout("Change your password", Some(&user), password_form(&user, Some(&e.to_string()))),
        )
            .into_response()),
    }
}

/// The partnership's data-sharing agreements, and a form to record one for administrators and
/// data-protection leads.
pub async fn agreements_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let AgreementsPage { agreements, organisations, may_record } =
        byname_casework::agreements::agreements_page(&state.store, &user).await?;
    let body = html! {
        main {
            h1 { "Data-sharing agreements" }
            @if agreements.is_empty() { p { "None recorded." } }
            @for a in &agreements {
                article.agreement {
                    h2 { (a.title) }
                    dl.facts {
                        dt { "Purpose" } dd { (a.purpose) }
                        dt { "Lawful basis (Article 6)" } dd { (a.lawful_basis) }
                        @if let Some(c) = &a.special_category_condition { dt { "Special category condition" } dd { (c) } }
                        dt { "In force" } dd { "from " (iso(a.starts_on)) @if let Some(e) = a.ends_on { " to " (iso(e)) } }
                        dt { "Parties" } dd { (a.organisations.join(", ")) }
                        dt { "Recorded" } dd { (byname_store::sql_instant(a.recorded_at)) " by " (a.recorded_by) }
                    }
                }
            }
            @if may_record {
                h2 { "Record an agreement" }
                form method="post" action="/admin/agreements" {
                    input type="hidden" name="csrf" value=(user.csrf_token);
                    label for="title" { "Title" }
                    input #title type="text" name="title" required maxlength="500";
                    label for="purpose" { "Purpose" }
                    select #purpose name="purpose" { @for p in byname_domain::access::Purpose::ALL { option value=(p.code()) { (p.label()) } } }
                    label for="lawful_basis" { "Lawful basis (UK GDPR Article 6)" }
                    input #lawful_basis type="text" name="lawful_basis" required maxlength="500" placeholder="6(1)(e) public task";
                    label for="condition" { "Special category condition (Article 9; DPA 2018 Schedule 1)" }
                    input #condition type="text" name="special_category_condition" maxlength="500" placeholder="9(2)(h) health or social care";
                    label for="starts_on" { "Starts on" }
                    input #starts_on type="date" name="starts_on" required;
                    label for="ends_on" { "Ends on (optional)" }
                    input #ends_on type="date" name="ends_on";
                    fieldset {
                        legend { "Parties" }
                        @for o in &organisations {
                            div.check {
                                input id=(format!("party-{}", o.id)) type="checkbox" name="organisation" value=(o.id);
                                label for=(format!("party-{}", o.id)) { (o.name) }
                            }
                        }
                    }
                    button type="submit" { "Record" }
                }
            }
        }
    };
    Ok(layout("Data-sharing agreements", Some(&user), body).into_response())
}

pub async fn record_agreement<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedForm(user, fields): SignedForm<Vec<(String, String)>>,
) -> Result<Redirect, PageError> {
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let organisations: Vec<i64> =
        fields.iter().filter(|(k, _)| k == "organisation").filter_map(|(_, v)| v.parse().ok()).collect();
    let form = byname_casework::agreements::AgreementForm {
        title: field("title"),
        purpose: field("purpose"),
        lawful_basis: field("lawful_basis"),
        special_category_condition: field("special_category_condition"),
        starts_on: field("starts_on"),
        ends_on: field("ends_on"),
        organisations,
    };
    byname_casework::agreements::record(&state.store, &user, &form, state.clock.now()).await?;
    Ok(Redirect::to("/admin/agreements"))
}

fn totp_page(user: &SessionUser, enabled: bool, setup: Option<(&str, &str)>, error: Option<&str>) -> Markup {
    // Turning the factor off or enrolling again asks for the password, and a current code while
    // one is in force: a session alone (a borrowed phone, an open laptop) is not enough.
    let confirm = |action: &str| {
        html! {
            label for=(format!("{action}-password")) { "Your password" }
            input id=(format!("{action}-password")) type="password" name="password" required autocomplete="current-password";
            @if enabled {
                label for=(format!("{action}-code")) { "The current code from your authenticator app" }
                input id=(format!("{action}-code")) type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="8";
            }
        }
    };
    html! {
        main.narrow {
            h1 { "Authenticator app (second factor)" }
            @if let Some(e) = error { p.error role="alert" { (e) } }
            @if let Some((secret, uri)) = setup {
                p { "Add this key to your authenticator app (or open the address on the phone), then type the code it shows." }
                dl.facts { dt { "Key" } dd { code #totp-secret { (secret) } } dt { "Address" } dd { code { (uri) } } }
                form method="post" action="/account/totp/confirm" {
                    input type="hidden" name="csrf" value=(user.csrf_token);
                    label for="code" { "Code" }
                    input #code type="text" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength="8";
                    button type="submit" { "Turn on" }
                }
            } @else if enabled {
                p { "Sign-in asks for a code from your authenticator app." }
                h2 { "Turn it off" }
                form method="post" action="/account/totp/disable" {
                    input type="hidden" name="csrf" value=(user.csrf_token);
                    (confirm("disable"))
                    button type="submit" { "Turn off" }
                }
                h2 { "Move it to another phone" }
                form method="post" action="/account/totp/start" {
                    input type="hidden" name="csrf" value=(user.csrf_token);
                    (confirm("start"))
                    button type="submit" { "Set up again" }
                }
            } @else {
                p { "Sign-in asks for your password only. Add a code from an authenticator app on your phone for a second factor." }
                form method="post" action="/account/totp/start" {
                    input type="hidden" name="csrf" value=(user.csrf_token);
                    (confirm("start"))
                    button type="submit" { "Set up" }
                }
            }
        }
    }
}

pub async fn totp<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    let enabled = accounts::totp_enabled(&state.store, &user).await?;
    Ok(layout("Authenticator app", Some(&user), totp_page(&user, enabled, None, None)).into_response())
}

#[derive(Deserialize)]
pub struct TotpForm {
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
}

/// Starts, confirms or turns off the second factor.
pub async fn totp_change<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path(step): Path<String>,
    SignedForm(user, form): SignedForm<TotpForm>,
) -> Result<Response, PageError> {
    let step = TotpStep::parse(&step);
    let TotpPage { enabled, setup, refused } =
        accounts::totp_step(&state.store, &user, step, &form.password, &form.code, state.clock.now())
            .await
            .map_err(|e| PageError::account("Not done", e))?;
    let setup = setup.as_ref().map(|(secret, uri)| (secret.as_str(), uri.as_str()));
    let error = refused.map(|e| e.to_string());
    let page = layout("Authenticator app", Some(&user), totp_page(&user, enabled, setup, error.as_deref()));
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct ReviewForm {
    csrf: String,
}

/// A data-protection lead confirms or rejects what was recorded under a break-glass opening.
pub async fn review_break_glass<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Path((id, outcome)): Path<(i64, String)>,
    SignedForm(user, _): SignedForm<ReviewForm>,
) -> Result<Redirect, PageError> {
    let confirm = match outcome.as_str() {
        "confirm" => true,
        "reject" => false,
        _ => return Err(PageError::NotFound(Notice::new("Not found", "No such review.", Look::Users))),
    };
    byname_casework::casework::review_break_glass(&state.store, &user, id, confirm, state.clock.now()).await?;
    Ok(Redirect::to("/admin/audit"))
}
