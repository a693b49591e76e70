//! Events from a health partner for people with an NHS number: GP registrations, flu and covid
//! vaccinations, hepatitis C tests and starts of alcohol treatment. The health partner knows
//! people by NHS number and writes names and dates of birth its own way, so these are noisy too.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use time::{Date, Month};

use crate::Settings;
use crate::calendar::{self, Day};
use crate::chain::ChainData;
use crate::names;
use crate::noise;
use crate::population::pick;
use crate::records::{HealthEvent, NEED_ALCOHOL, NEED_DRUGS};

pub fn build(chain: &ChainData, settings: &Settings, rng: &mut ChaCha8Rng) -> Vec<HealthEvent> {
    let window_first = calendar::day_of(settings.from);
    let window_last = calendar::day_of(settings.to);
    // The span in which each person is known to services: from their first record to their last.
    let mut known_from = vec![Day::MAX; chain.people.len()];
    let mut known_until = vec![Day::MIN; chain.people.len()];
    for contact in &chain.contacts {
        let day = calendar::day_of(contact.date);
        let person = contact.person as usize;
        known_from[person] = known_from[person].min(day);
        known_until[person] = known_until[person].max(day);
    }
    for stay in &chain.stays {
        let person = stay.person as usize;
        known_from[person] = known_from[person].min(calendar::day_of(stay.arrival));
        let until = stay.departure.map_or(window_last, calendar::day_of);
        known_until[person] = known_until[person].max(until);
    }

    let mut events = Vec::new();
    for (index, person) in chain.people.iter().enumerate() {
        let Some(nhs_number) = &person.nhs_number else {
            continue;
        };
        let first = (known_from[index] - 180).max(window_first);
        let last = (known_until[index] + 365).min(window_last);
        if first > last {
            continue;
        }
        let mut push = |rng: &mut ChaCha8Rng, event_type: &'static str, day: Day, provider| {
            events.push(HealthEvent {
                person: index as u32,
                nhs_number: nhs_number.clone(),
                name: health_name(&person.given_name, &person.family_name, rng),
                date_of_birth: health_date_of_birth(person.date_of_birth, rng),
                event_type,
                event_date: calendar::date_of(day),
                provider,
            });
        };
        let random_day = |rng: &mut ChaCha8Rng, low: Day, high: Day| rng.random_range(low..=high);

        if rng.random_bool(0.8) {
            let day = random_day(rng, first, last);
            let provider = pick(
                rng,
                &[
                    ("Great Chapel Street Medical Centre", 50),
                    ("Dr Hickey Surgery", 30),
                    ("Joint Homelessness Team", 20),
                ],
            );
            push(rng, "gp_registration", day, provider);
        }
        for year in settings.from.year()..=settings.to.year() {
            let season_first = day_on(year, Month::September, 20).max(first);
            let season_last = day_on(year, Month::December, 20).min(last);
            if season_first <= season_last && rng.random_bool(0.35) {
                let day = random_day(rng, season_first, season_last);
                let provider = pick(
                    rng,
                    &[
                        ("Joint Homelessness Team", 45),
                        ("Great Chapel Street Medical Centre", 35),
                        ("Find and Treat", 20),
                    ],
                );
                push(rng, "flu_vaccination", day, provider);
            }
        }
        let covid_first = day_on(2021, Month::January, 15).max(first);
        let covid_last = day_on(2022, Month::December, 31).min(last);
        if covid_first <= covid_last && rng.random_bool(0.65) {
            let mut day = random_day(rng, covid_first, covid_last);
            for _ in 0..rng.random_range(1..=3) {
                if day > covid_last {
                    break;
                }
                let provider = pick(
                    rng,
                    &[
                        ("Find and Treat", 40),
                        ("Joint Homelessness Team", 40),
                        ("Great Chapel Street Medical Centre", 20),
                    ],
                );
                push(rng, "covid_vaccination", day, provider);
                day += rng.random_range(56..=120);
            }
        }
        let hepatitis_chance = if person.support_needs & NEED_DRUGS != 0 { 0.45 } else { 0.1 };
        if rng.random_bool(hepatitis_chance) {
            let day = random_day(rng, first, last);
            let provider = pick(rng, &[("Find and Treat", 60), ("Joint Homelessness Team", 40)]);
            push(rng, "hepatitis_c_test", day, provider);
        }
        let alcohol_chance = if person.support_needs & NEED_ALCOHOL != 0 { 0.35 } else { 0.02 };
        if rng.random_bool(alcohol_chance) {
            let day = random_day(rng, first, last);
            push(rng, "alcohol_treatment_start", day, "Westminster Drug and Alcohol Service");
        }
    }
    events.sort_by_key(|event| (event.event_date, event.person));
    events
}

fn day_on(year: i32, month: Month, day: u8) -> Day {
    calendar::day_from_calendar(year, month, day)
}

/// The name as the health partner holds it: "First Last", sometimes with a nickname, a typo or
/// without accents.
fn health_name(given_name: &str, family_name: &str, rng: &mut ChaCha8Rng) -> String {
    let given = match names::nickname(given_name) {
        Some(nickname) if rng.random_bool(0.2) => nickname,
        _ => given_name,
    };
    let mut name = format!("{given} {family_name}");
    if noise::has_diacritics(&name) && rng.random_bool(0.5) {
        name = noise::strip_diacritics(&name);
    }
    if rng.random_bool(0.04) {
        name = noise::typo(&name, rng);
    }
    name
}

fn health_date_of_birth(date_of_birth: Date, rng: &mut ChaCha8Rng) -> String {
    match pick(rng, &[(0, 86), (1, 12), (2, 2)]) {
        1 => String::new(),
        2 => calendar::iso_date(noise::swap_day_and_month(date_of_birth).unwrap_or(date_of_birth)),
        _ => calendar::iso_date(date_of_birth),
    }
}
