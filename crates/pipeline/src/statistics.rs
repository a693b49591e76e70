//! The key statistics: every figure of a period from the stored events, as the
//! linkage currently joins records into persons, with the same figures for the
//! previous period and the same period a year earlier, and the state of the
//! data they rest on. Statistics count persons, never source records.

use byname_domain::codes::{Gender, History, StayType};
use byname_domain::date::DateOfBirth;
use byname_domain::nationality::{Nationality, NationalityGroup};
use byname_domain::period::Period;
use byname_stats::timeline::{Contact, Person, Population, Stay};
use byname_stats::{DataQuality, KeyStatistics, Settings, StatsError, compute_to};
use byname_store::{EventFacts, Store, StoreError};
use std::collections::HashMap;
use time::Date;

#[derive(Debug, thiserror::Error)]
pub enum StatisticsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Stats(#[from] StatsError),
}

fn stay_of(fact: &byname_store::StayFact) -> Option<Stay> {
    Some(Stay {
        kind: StayType::parse(&fact.stay_type)?,
        arrival: fact.arrival,
        departure: fact.departure,
        reason: fact.reason.as_deref().and_then(byname_domain::codes::DepartureReason::parse),
    })
}

fn needs_bits(text: Option<&str>) -> u8 {
    let mut bits = 0;
    for code in text.unwrap_or_default().split(';').map(str::trim) {
        if let Some(i) = byname_domain::codes::SupportNeed::ALL.iter().position(|n| n.code() == code) {
            bits |= 1 << i;
        }
    }
    bits
}

fn history_bits(text: Option<&str>) -> u8 {
    let mut bits = 0;
    for code in text.unwrap_or_default().split(';').map(str::trim) {
        if let Some(i) = History::ALL.iter().position(|h| h.code() == code) {
            bits |= 1 << i;
        }
    }
    bits
}

/// Persons with their events, from what the store holds. Each person's attributes come
/// from their records, CHAIN first: the first recorded nationality, the fullest birth date;
/// needs from any record or assessment.
pub fn population(facts: EventFacts) -> (Population, DataQuality) {
    let mut people: HashMap<i64, Person> = HashMap::new();
    let mut unlinked = Vec::new();
    let mut first_day: Option<i32> = None;
    for c in &facts.contacts {
        first_day = Some(first_day.map_or(c.day, |d| d.min(c.day)));
        let contact = Contact {
            day: c.day,
            bedded_down: c.bedded_down,
            street_count: c.street_count,
            area: c.area,
            organisation: c.organisation,
        };
        if c.person_id == 0 {
            unlinked.push(contact);
        } else {
            people.entry(c.person_id).or_insert_with(|| Person::new(c.person_id)).contacts.push(contact);
        }
    }
    for s in &facts.stays {
        if let Some(stay) = stay_of(s) {
            people.entry(s.person_id).or_insert_with(|| Person::new(s.person_id)).stays.push(stay);
        }
    }
    let mut records = facts.records;
    // CHAIN's record leads: it is the outreach teams' own account.
    records.sort_by_key(|r| (r.person_id, r.source != "chain", r.source != "inform"));
    let mut sources: HashMap<i64, (bool, bool)> = HashMap::new();
    let mut inform_records = 0;
    for r in &records {
        let person = people.entry(r.person_id).or_insert_with(|| Person::new(r.person_id));
        let entry = sources.entry(r.person_id).or_default();
        match r.source.as_str() {
            "chain" => entry.0 = true,
            "inform" => {
                entry.1 = true;
                inform_records += 1;
            }
            _ => {}
        }
        if person.nationality_group == NationalityGroup::NotKnown
            && let Some(group) =
                r.nationality.as_deref().and_then(|n| Nationality::parse(n).ok()).map(Nationality::group)
        {
            person.nationality_group = group;
        }
        let dob = r.date_of_birth.as_deref().and_then(|d| DateOfBirth::parse(d).ok());
        match (person.date_of_birth, dob) {
            (None, Some(d)) => person.date_of_birth = Some(d),
            (Some(DateOfBirth::YearOnly(_)), Some(d @ DateOfBirth::Full(_))) => person.date_of_birth = Some(d),
            _ => {}
        }
        if person.gender.is_none() {
            person.gender = r.gender.as_deref().and_then(Gender::parse);
        }
        person.needs |= needs_bits(r.support_needs.as_deref()) | r.assessed_needs;
        person.history |= history_bits(r.history.as_deref());
    }
    let mut people: Vec<Person> = people.into_values().collect();
    people.sort_unstable_by_key(|p| p.id);
    for person in &mut people {
        person.contacts.sort_unstable_by_key(|c| c.day);
        person.stays.sort_unstable_by_key(|s| s.arrival);
    }
    let quality = DataQuality {
        persons: people.len() as u64,
        linked_chain_inform: sources.values().filter(|(c, i)| *c && *i).count() as u64,
        inform_records,
        awaiting_review: 0,
        missing_date_of_birth: people.iter().filter(|p| p.date_of_birth.is_none()).count() as u64,
        missing_nationality: people.iter().filter(|p| p.nationality_group == NationalityGroup::NotKnown).count() as u64,
    };
    let population = Population {
        people,
        areas: facts.areas,
        organisations: facts.organisations,
        unlinked,
        history_starts: first_day,
    };
    (population, quality)
}

/// Everyone's events as the statistics need them: from the snapshot saved for the current state
/// of the data, or read from the store and saved as a snapshot for the next report.
pub async fn snapshot<S: Store>(store: &S, today: Date) -> Result<(Population, DataQuality), StatisticsError> {
    let state = store.data_state().await?;
    if let Some(bytes) = store.stats_snapshot(&state).await? {
        match byname_stats::snapshot::decode(&bytes) {
            Ok(decoded) => return Ok(decoded),
            Err(error) => tracing::warn!(%error, "rebuilding the statistics snapshot"),
        }
    }
    let (population, quality) = population(store.event_facts().await?);
    store.save_stats_snapshot(&state, &byname_stats::snapshot::encode(&population, &quality), today).await?;
    Ok((population, quality))
}

/// The key statistics of `period`: an error for a period in the future or without data,
/// never a page of zeros. A period the data end in is reported up to the last day of data
/// (the latest contact recorded). The previous period and the year before are given when
/// they have data, cut to the same length.
pub async fn key_statistics<S: Store>(
    store: &S,
    period: Period,
    settings: &Settings,
    today: Date,
) -> Result<KeyStatistics, StatisticsError> {
    let started = std::time::Instant::now();
    let (population, mut quality) = snapshot(store, today).await?;
    let read = started.elapsed();
    // A period the data end in (a period in progress) is reported up to the last day of data,
    // and compared like for like: the previous period and the year before cut to as long.
    let to = byname_stats::reported_to(period, byname_stats::data_ends(&population, today));
    let like = |other: Period| to.map(|to| byname_stats::same_length(period, to, other));
    // The period and those it is compared with, on every core. For a financial year the
    // previous period is the year before: computed once.
    let (figures, previous, year_ago) = std::thread::scope(|scope| {
        let previous =
            scope.spawn(|| compute_to(&population, period.previous(), like(period.previous()), settings, today).ok());
        let year_ago = (period.a_year_earlier() != period.previous()).then(|| {
            scope.spawn(|| {
                compute_to(&population, period.a_year_earlier(), like(period.a_year_earlier()), settings, today).ok()
            })
        });
        let figures = compute_to(&population, period, to, settings, today);
        let previous = previous.join().expect("statistics do not panic");
        let year_ago = year_ago.and_then(|handle| handle.join().expect("statistics do not panic"));
        (figures, previous, year_ago)
    });
    let figures = figures?;
    let computed = started.elapsed();
    quality.awaiting_review = store.review_queue().await?.len() as u64;
    tracing::info!(
        read_s = read.as_secs_f64(),
        compute_s = (computed - read).as_secs_f64(),
        review_s = (started.elapsed() - computed).as_secs_f64(),
        persons = population.people.len(),
        "key statistics"
    );
    Ok(KeyStatistics { figures, previous, year_ago, settings: settings.clone(), quality })
}
