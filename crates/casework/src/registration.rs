//! Registering someone new to the streets: a worker who meets a person byname does not hold
//! records them with their first contact. Before a new record is made, the likely existing people
//! are offered ("is this one of these?"): candidate records are read narrowly (the same date of
//! birth; born the same year with a name or an initial in common) and scored with linkage's own
//! comparisons and the last run's model (`byname_linkage::likely_matches`); each is shown as the
//! access rules allow, and people the user may see nothing of are left out, so an offer never
//! tells anyone that such a person exists. Saving makes a record of source `local` owned by the
//! user's organisation, its own person at once, and its first contact, with the audit entry, in
//! one transaction: the person is on the by-name list straight away, and the user's organisation
//! works with them.

use crate::access;
use crate::accounts::SessionUser;
use crate::casework::{CaseError, ContactForm, contact_of, optional_text, recorded};
use byname_domain::access::{Basis, PersonView, can_record};
use byname_domain::date::{DateOfBirth, parse_uk_date};
use byname_domain::names::initials;
use byname_domain::nationality::Nationality;
use byname_domain::records::{Gender, PersonRecord, Source};
use byname_store::{CREATED_ID, CandidateProbe, CaseChange, LinkInput, NewRegistration, Store};
use std::collections::HashMap;
use time::{Date, OffsetDateTime};

/// At or above this probability a held person is offered. Lower than the review queue's: a
/// registration carries fewer fields than an export (no usual place, stays or NHS number), and
/// an offer costs the worker a glance.
pub const OFFER_THRESHOLD: f64 = 0.2;
/// At most this many people are offered, most likely first.
pub const MAX_OFFERED: usize = 5;
/// At most this many candidate records are compared.
const MAX_CANDIDATES: i64 = 500;
/// The oldest age byname takes.
pub const MAX_AGE: i32 = 120;
/// The longest name or description.
const MAX_NAME: usize = 200;

/// What the registration form and `POST /api/v1/persons` send, as text.
#[derive(Debug, Clone, Default)]
pub struct RegistrationForm {
    pub first_name: String,
    pub last_name: String,
    /// How to recognise the person when the name is not known ("man, 40s, green sleeping bag").
    pub description: String,
    pub known_as: String,
    /// `YYYY-MM-DD`, `DD/MM/YYYY` or `YYYY`.
    pub date_of_birth: String,
    /// An approximate age in whole years, when the date of birth is not known.
    pub age: String,
    /// `male`, `female` or `other`.
    pub gender: String,
    /// An ISO 3166-1 alpha-3 code or an English country name.
    pub nationality: String,
    /// Where and when met.
    pub contact: ContactForm,
    /// Register even when likely existing people were found (the user saw them and chose none).
    pub confirm_new: bool,
}

/// A held person offered as possibly the one being registered, as the access rules allow.
#[derive(Debug, Clone, PartialEq)]
pub struct PossibleMatch {
    pub person_id: i64,
    pub view: PersonView,
    /// The full name in the full record and the health view; initials in the minimal entry.
    pub name: String,
    /// Shown with the name only.
    pub date_of_birth: Option<String>,
    /// The probability that they are the person being registered, from 0 to 1.
    pub probability: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Registration {
    /// Saved: the new person's id.
    Registered(i64),
    /// Not saved: these people may be the one being registered; send again with `confirm_new`.
    PossibleMatches(Vec<PossibleMatch>),
}

/// The form's fields, checked.
struct Checked {
    first_name: Option<String>,
    last_name: Option<String>,
    description: Option<String>,
    known_as: Option<String>,
    date_of_birth: Option<DateOfBirth>,
    /// Years of birth to look among: the year, or around an approximate age.
    years: Vec<i32>,
    gender: Option<Gender>,
    nationality: Option<Nationality>,
}

fn bad(message: impl Into<String>) -> CaseError {
    CaseError::BadRequest(message.into())
}

fn check(form: &RegistrationForm, today: Date) -> Result<Checked, CaseError> {
    let text = |field: &str, value: &str| optional_text(field, value, MAX_NAME).map_err(|e| bad(e.to_string()));
    let first_name = text("first_name", &form.first_name)?;
    let last_name = text("last_name", &form.last_name)?;
    let description = text("description", &form.description)?;
    let known_as = text("known_as", &form.known_as)?;
    if first_name.is_none() && last_name.is_none() && description.is_none() {
        return Err(bad("name: give a first or last name, or a description when the name is not known"));
    }
    let dob_text = form.date_of_birth.trim();
    let date_of_birth = if dob_text.is_empty() {
        None
    } else {
        let parsed = DateOfBirth::parse(dob_text)
            .ok()
            .or_else(|| parse_uk_date(dob_text).ok().map(DateOfBirth::Full))
            .ok_or_else(|| {
                bad(format!("date_of_birth: {dob_text:?} is not a date (YYYY-MM-DD, DD/MM/YYYY or YYYY)"))
            })?;
        let future = match parsed {
            DateOfBirth::Full(date) => date > today,
            DateOfBirth::YearOnly(year) => year > today.year(),
        };
        if future {
            return Err(bad("date_of_birth: in the future"));
        }
        if parsed.year() < today.year() - MAX_AGE {
            return Err(bad(format!("date_of_birth: more than {MAX_AGE} years ago")));
        }
        Some(parsed)
    };
    let age_text = form.age.trim();
    let age =
        if age_text.is_empty() {
            None
        } else {
            Some(
                age_text.parse::<i32>().ok().filter(|a| (0..=MAX_AGE).contains(a)).ok_or_else(|| {
                    bad(format!("age: {age_text:?} is not an age in whole years from 0 to {MAX_AGE}"))
                })?,
            )
        };
    let (date_of_birth, years) = match (date_of_birth, age) {
        (Some(dob), Some(age)) => {
            let said = byname_domain::age::age_on(dob, today).unwrap_or(today.year() - dob.year());
            if (said - age).abs() > 1 {
                return Err(bad(format!("age: {age} does not agree with the date of birth (age {said})")));
            }
            (Some(dob), vec![dob.year()])
        }
        (Some(dob), None) => (Some(dob), vec![dob.year()]),
        // An age is a guess: the record keeps the year it gives, and candidates born up to two
        // years either side are looked at.
        (None, Some(age)) => {
            let year = today.year() - age;
            (Some(DateOfBirth::YearOnly(year)), (year - 2..=year + 2).collect())
        }
        (None, None) => (None, Vec::new()),
    };
    let gender = match form.gender.trim() {
        "" => None,
        code => Some(
            Gender::parse(code)
                .ok_or_else(|| bad(format!("gender: {code:?} is not one of {}", Gender::CODES.join(", "))))?,
        ),
    };
    let nationality = match form.nationality.trim() {
        "" => None,
        code => Some(Nationality::parse(code).map_err(|_| {
            bad(format!(
                "nationality: {code:?} is not a country byname knows (an ISO 3166-1 alpha-3 code or an English name)"
            ))
        })?),
    };
    Ok(Checked { first_name, last_name, description, known_as, date_of_birth, years, gender, nationality })
}

impl Checked {
    /// The new record as linkage reads records.
    fn link_input(&self) -> LinkInput {
        LinkInput {
            record_id: 0,
            source: Source::Local.code().to_owned(),
            source_id: String::new(),
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            known_as: self.known_as.clone(),
            aliases: None,
            date_of_birth: self.date_of_birth.map(|d| d.to_string()),
            gender: self.gender.map(|g| g.code().to_owned()),
            nationality: self.nationality.map(|n| n.alpha3().to_owned()),
            nhs_number: None,
            recorded_chain_id: None,
            usual_place: None,
            stays: None,
            fingerprint: 0,
        }
    }

    fn probe(&self) -> CandidateProbe {
        let mut names: Vec<String> = [&self.first_name, &self.last_name, &self.known_as]
            .into_iter()
            .flatten()
            .map(|n| n.trim().to_lowercase())
            .collect();
        names.sort();
        names.dedup();
        let mut initials: Vec<String> =
            names.iter().filter_map(|n| n.chars().next()).map(|c| c.to_lowercase().collect()).collect();
        initials.sort();
        initials.dedup();
        CandidateProbe {
            date_of_birth: self.date_of_birth.and_then(DateOfBirth::full).map(byname_domain::date::iso),
            years: self.years.clone(),
            names,
            initials,
            limit: MAX_CANDIDATES,
        }
    }
}

/// The held people likely to be the one described, as the user may see them, most likely first;
/// those shown are audited. People the user may see nothing of are left out.
async fn possible_matches<S: Store>(
    store: &S,
    user: &SessionUser,
    checked: &Checked,
    today: Date,
    now: OffsetDateTime,
) -> Result<Vec<PossibleMatch>, CaseError> {
    let candidates = store.registration_candidates(&checked.probe()).await?;
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let person_of: HashMap<i64, i64> = candidates.iter().map(|(r, p)| (r.record_id, *p)).collect();
    let records: Vec<LinkInput> = candidates.into_iter().map(|(r, _)| r).collect();
    let model = store.last_link_run().await?.map(|run| run.model).filter(|m| !m.is_empty());
    let scored = byname_linkage::likely_matches(&checked.link_input(), &records, model.as_deref(), OFFER_THRESHOLD)
        .map_err(|e| CaseError::Store(byname_store::StoreError::Config(format!("comparing records: {e}"))))?;
    // Each person once, with their likeliest record.
    let mut best: Vec<(i64, &LinkInput, f64)> = Vec::new();
    for found in &scored {
        let person = person_of[&found.record_id];
        if best.iter().any(|(p, _, _)| *p == person) {
            continue;
        }
        let Some(record) = records.iter().find(|r| r.record_id == found.record_id) else { continue };
        best.push((person, record, found.probability));
    }
    let ids: Vec<i64> = best.iter().map(|(p, _, _)| *p).collect();
    let decisions = access::decisions(store, user, &ids, today, now).await?;
    let mut shown = Vec::new();
    let mut entries = Vec::new();
    for (person_id, record, probability) in best {
        let Some((decision, _)) = decisions.get(&person_id) else { continue };
        let view = decision.view;
        if matches!(view, PersonView::None | PersonView::Pseudonymised) {
            continue;
        }
        let (first, last) = (record.first_name.as_deref(), record.last_name.as_deref());
        let name = if view.names() {
            let mut name = [first, last].into_iter().flatten().collect::<Vec<_>>().join(" ");
            if let Some(known_as) = record.known_as.as_deref().filter(|k| Some(*k) != first) {
                name = if name.is_empty() { known_as.to_owned() } else { format!("{name} ({known_as})") };
            }
            if name.is_empty() { "(name not known)".to_owned() } else { name }
        } else {
            initials(first, last)
        };
        entries.push(access::view_entry(user, "registration_possible_match", person_id, *decision, now));
        shown.push(PossibleMatch {
            person_id,
            view,
            name,
            date_of_birth: view.names().then(|| record.date_of_birth.clone()).flatten(),
            probability: (probability * 100.0).round() / 100.0,
        });
        if shown.len() == MAX_OFFERED {
            break;
        }
    }
    if !entries.is_empty() {
        store.append_audit_entries(&entries).await?;
    }
    Ok(shown)
}

/// Registers someone new, or offers the likely existing people first (unless `confirm_new`).
/// Bad input is a `BadRequest` naming the field; a role that does not record contacts is
/// `Forbidden`. Nothing is stored unless the person is registered, and then everything is.
pub async fn register<S: Store>(
    store: &S,
    user: &SessionUser,
    form: &RegistrationForm,
    today: Date,
    now: OffsetDateTime,
) -> Result<Registration, CaseError> {
    if !can_record(user.role) {
        return Err(CaseError::Forbidden);
    }
    let checked = check(form, today)?;
    let contact = contact_of(user, 0, &form.contact, today).map_err(|e| match e {
        CaseError::Invalid(message) => bad(format!("contact.{message}")),
        other => other,
    })?;
    if !form.confirm_new {
        let matches = possible_matches(store, user, &checked, today, now).await?;
        if !matches.is_empty() {
            return Ok(Registration::PossibleMatches(matches));
        }
    }
    let source_id = crate::accounts::random_token(12);
    let mut record = PersonRecord::new(Source::Local, source_id.clone());
    record.first_name = checked.first_name.clone();
    record.last_name = checked.last_name.clone();
    record.known_as = checked.known_as.clone();
    record.date_of_birth = checked.date_of_birth;
    record.gender = checked.gender;
    record.nationality = checked.nationality;
    if let Some(description) = &checked.description {
        record.extra.push(("description".to_owned(), description.clone()));
    }
    let registration = NewRegistration {
        source_id,
        first_name: checked.first_name,
        last_name: checked.last_name,
        description: checked.description,
        known_as: checked.known_as,
        date_of_birth: checked.date_of_birth.map(|d| d.to_string()),
        gender: checked.gender.map(|g| g.code().to_owned()),
        nationality: checked.nationality.map(|n| n.alpha3().to_owned()),
        fingerprint: record.fingerprint(),
        created_at: now,
        contact,
    };
    let entry = access::entry(
        user,
        "register_person",
        None,
        "case_coordination",
        Some(Basis::WorksWithPerson),
        format!("registered person {CREATED_ID}{}", if form.confirm_new { ", confirmed as new" } else { "" }),
        now,
    );
    Ok(Registration::Registered(recorded(store.record(CaseChange::Register(&registration), &entry).await?)?))
}
