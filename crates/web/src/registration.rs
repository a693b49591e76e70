//! The form that registers someone new to the streets, made for a phone: the name or a
//! description, known-as, date of birth or an approximate age, gender, nationality, and where
//! and when they were met. When likely existing people are found, they are offered first, each
//! linking to their page, with a button that registers the person as new all the same. Every
//! step is `byname_casework::registration::register`.

use crate::AppState;
use crate::auth::{SignedForm, SignedIn};
use crate::layout::layout;
use crate::page_error::{Look, Notice, PageError};
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use byname_casework::casework::{CaseError, ContactForm};
use byname_casework::registration::{PossibleMatch, Registration, RegistrationForm, register};
use byname_domain::access::can_record;
use byname_domain::date::iso;
use byname_domain::nationality::Nationality;
use byname_domain::records::Gender;
use byname_store::Store;
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

crate::auth::csrf_forms!(RegisterFields);

/// The form's fields as they arrive.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegisterFields {
    csrf: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    known_as: String,
    #[serde(default)]
    date_of_birth: String,
    #[serde(default)]
    age: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    bedded_down: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    confirm_new: Option<String>,
}

/// The empty form.
pub async fn form<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedIn(user): SignedIn,
) -> Result<Response, PageError> {
    if !can_record(user.role) {
        return Err(CaseError::Forbidden.into());
    }
    let fields =
        RegisterFields { date: iso(state.clock.today()), bedded_down: Some("1".into()), ..RegisterFields::default() };
    let body = html! { main.narrow { h1 { "Register someone new" } (form_markup(&user.csrf_token, &fields)) } };
    Ok(layout("Register someone new", Some(&user), body).into_response())
}

/// Registers the person, or offers the likely existing people first.
pub async fn submit<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    SignedForm(user, fields): SignedForm<RegisterFields>,
) -> Result<Response, PageError> {
    let form = RegistrationForm {
        first_name: fields.first_name.clone(),
        last_name: fields.last_name.clone(),
        description: fields.description.clone(),
        known_as: fields.known_as.clone(),
        date_of_birth: fields.date_of_birth.clone(),
        age: fields.age.clone(),
        gender: fields.gender.clone(),
        nationality: fields.nationality.clone(),
        contact: ContactForm {
            date: fields.date.clone(),
            time: fields.time.clone(),
            place: fields.place.clone(),
            area: fields.area.clone(),
            latitude: String::new(),
            longitude: String::new(),
            bedded_down: fields.bedded_down.is_some(),
            note: fields.note.clone(),
        },
        confirm_new: fields.confirm_new.is_some(),
    };
    match register(&state.store, &user, &form, state.clock.today(), state.clock.now()).await {
        Ok(Registration::Registered(id)) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Ok(Registration::PossibleMatches(matches)) => {
            let body = html! { main.narrow { (matches_markup(&user.csrf_token, &fields, &matches)) } };
            Ok(layout("Is this one of these people?", Some(&user), body).into_response())
        }
        Err(CaseError::BadRequest(message)) => {
            Err(PageError::BadRequest(Notice::new("Not saved", message, Look::Alert).with_form(html! {
                h1 { "Register someone new" }
                (form_markup(&user.csrf_token, &fields))
            })))
        }
        Err(error) => Err(error.into()),
    }
}

/// The people who may be the one being registered, each linking to their page, and the button
/// that registers the person as new all the same.
fn matches_markup(csrf: &str, fields: &RegisterFields, matches: &[PossibleMatch]) -> Markup {
    html! {
        h1 { "Is this one of these people?" }
        p { "byname already holds people like the one you are registering. Open a person's page to check, and record your contact there if it is them." }
        ul.matches {
            @for m in matches {
                li {
                    a href=(format!("/people/{}", m.person_id)) { (m.name) }
                    @if let Some(dob) = &m.date_of_birth { ", born " (dob) }
                    " (" (format!("{:.0}", m.probability * 100.0)) "% likely)"
                }
            }
        }
        form.register method="post" action="/people/new" {
            input type="hidden" name="csrf" value=(csrf);
            (hidden_fields(fields))
            input type="hidden" name="confirm_new" value="1";
            button type="submit" { "None of these: register as new" }
        }
    }
}

fn hidden_fields(f: &RegisterFields) -> Markup {
    let values = [
        ("first_name", &f.first_name),
        ("last_name", &f.last_name),
        ("description", &f.description),
        ("known_as", &f.known_as),
        ("date_of_birth", &f.date_of_birth),
        ("age", &f.age),
        ("gender", &f.gender),
        ("nationality", &f.nationality),
        ("date", &f.date),
        ("time", &f.time),
        ("place", &f.place),
        ("area", &f.area),
        ("note", &f.note),
    ];
    html! {
        @for (name, value) in values { input type="hidden" name=(name) value=(value); }
        @if f.bedded_down.is_some() { input type="hidden" name="bedded_down" value="1"; }
    }
}

fn form_markup(csrf: &str, f: &RegisterFields) -> Markup {
    let mut nationalities: Vec<Nationality> = Nationality::all().collect();
    nationalities.sort_by_key(|n| n.name());
    html! {
        form.register method="post" action="/people/new" {
            input type="hidden" name="csrf" value=(csrf);
            fieldset {
                legend { "Who" }
                label for="first_name" { "First name" }
                input #first_name type="text" name="first_name" maxlength="200" autocomplete="off" value=(f.first_name);
                label for="last_name" { "Last name" }
                input #last_name type="text" name="last_name" maxlength="200" autocomplete="off" value=(f.last_name);
                label for="description" { "Or, when the name is not known, a description" }
                input #description type="text" name="description" maxlength="200" autocomplete="off" placeholder="man, 40s, green sleeping bag" value=(f.description);
                label for="known_as" { "Known as (optional)" }
                input #known_as type="text" name="known_as" maxlength="200" autocomplete="off" value=(f.known_as);
                label for="date_of_birth" { "Date of birth (optional)" }
                input #date_of_birth type="date" name="date_of_birth" value=(f.date_of_birth);
                label for="age" { "Or approximate age in years" }
                input #age type="number" name="age" min="0" max="120" inputmode="numeric" value=(f.age);
                label for="gender" { "Gender" }
                select #gender name="gender" {
                    option value="" { "Not known" }
                    @for g in Gender::ALL {
                        option value=(g.code()) selected[f.gender == g.code()] { (g.label()) }
                    }
                }
                label for="nationality" { "Nationality" }
                select #nationality name="nationality" {
                    option value="" { "Not known" }
                    @for n in &nationalities {
                        option value=(n.alpha3()) selected[f.nationality.eq_ignore_ascii_case(n.alpha3())] { (n.name()) }
                    }
                }
            }
            fieldset {
                legend { "Where and when you met them" }
                label for="date" { "Date" }
                input #date type="date" name="date" value=(f.date) required;
                label for="time" { "Time (optional)" }
                input #time type="time" name="time" value=(f.time);
                label for="place" { "Where (a place name)" }
                input #place type="text" name="place" maxlength="200" autocomplete="off" placeholder="Strand, doorway by Charing Cross" value=(f.place) required;
                label for="area" { "Area" }
                input #area type="text" name="area" maxlength="100" value=(f.area);
                div.check { input #bedded_down type="checkbox" name="bedded_down" value="1" checked[f.bedded_down.is_some()]; label for="bedded_down" { "Seen bedded down" } }
                label for="note" { "Note (optional)" }
                textarea #note name="note" maxlength="2000" { (f.note) }
            }
            button type="submit" { "Register" }
        }
    }
}
