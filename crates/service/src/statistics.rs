//! The key statistics: every figure of a period from the stored events, as the
//! linkage currently joins records into persons, with the same figures for the
//! previous period and the same period a year earlier, and the state of the
//! data they rest on. Statistics count persons, never source records.

use crate::link::live_decisions;
use byname_domain::codes::{Gender, History, StayType};
use byname_domain::date::DateOfBirth;
use byname_domain::nationality::{Nationality, NationalityGroup};
use byname_domain::period::Period;
use byname_stats::timeline::{Contact, Person, Population, Stay};
use byname_stats::{DataQuality, KeyStatistics, Settings, StatsError, compute};
use byname_store::{EventFacts, PairScope, Store, StoreError};
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

/// Pairs waiting for a reviewer, as the last linkage run left them.
async fn awaiting_review<S: Store>(store: &S) -> Result<u64, StoreError> {
    let Some(run) = store.last_link_run().await? else { return Ok(0) };
    let live = live_decisions(&store.link_decisions().await?);
    let pairs = store.link_pairs(&PairScope::All).await?;
    let uncertain: Vec<_> = pairs
        .iter()
        .filter(|p| p.probability < run.auto_threshold && !live.contains_key(&(p.left_record_id, p.right_record_id)))
        .collect();
    let ids: Vec<i64> = uncertain.iter().flat_map(|p| [p.left_record_id, p.right_record_id]).collect();
    let person_of: HashMap<i64, Option<i64>> =
        store.records(&ids).await?.into_iter().map(|r| (r.record_id, r.person_id)).collect();
    Ok(uncertain
        .iter()
        .filter(|p| {
            matches!((person_of.get(&p.left_record_id), person_of.get(&p.right_record_id)), (Some(Some(a)), Some(Some(b))) if a != b)
        })
        .count() as u64)
}

/// The key statistics of `period`: an error for a period in the future or without data,
/// never a page of zeros. The previous period and the year before are given when they
/// have data.
pub async fn key_statistics<S: Store>(
    store: &S,
    period: Period,
    settings: &Settings,
    today: Date,
) -> Result<KeyStatistics, StatisticsError> {
    let facts = store.event_facts().await?;
    let (population, mut quality) = population(facts);
    let figures = compute(&population, period, settings, today)?;
    let previous = compute(&population, period.previous(), settings, today).ok();
    let year_ago = compute(&population, period.a_year_earlier(), settings, today).ok();
    quality.awaiting_review = awaiting_review(store).await?;
    Ok(KeyStatistics { figures, previous, year_ago, settings: settings.clone(), quality })
}
