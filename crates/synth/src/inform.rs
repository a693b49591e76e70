//! The Inform export: the accommodation providers' own system, which knows a subset of the people
//! CHAIN knows, under its own ids, with UK-style dates and its own codes, and with the kinds of
//! difference a separate system has (accents lost, names swapped, dates mistyped, a CHAIN id
//! that is sometimes missing or wrong).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use time::Duration;

use crate::Settings;
use crate::calendar;
use crate::chain::ChainData;
use crate::names;
use crate::noise;
use crate::places;
use crate::population::pick;
use crate::records::{
    Assessment, InformClient, NEED_ALCOHOL, NEED_DRUGS, NEED_MENTAL_HEALTH, NEED_PHYSICAL_HEALTH, Placement, Sex,
    StayType,
};

/// The share of people with a hostel, supported housing, hotel or night shelter stay whom the
/// providers record in Inform.
const CLIENT_PROBABILITY: f64 = 0.45;
const FIRST_INFORM_NUMBER: usize = 1_001;

pub struct InformData {
    pub clients: Vec<InformClient>,
    pub placements: Vec<Placement>,
    pub assessments: Vec<Assessment>,
}

pub fn build(chain: &ChainData, settings: &Settings, rng: &mut ChaCha8Rng) -> InformData {
    // Stays are sorted by arrival, so each person's stays come in date order.
    let mut stays_of_person: Vec<Vec<usize>> = vec![Vec::new(); chain.people.len()];
    for (index, stay) in chain.stays.iter().enumerate() {
        if stay.stay_type.is_in_inform() {
            stays_of_person[stay.person as usize].push(index);
        }
    }
    let mut chosen: Vec<u32> = Vec::new();
    for (person, stays) in stays_of_person.iter().enumerate() {
        if !stays.is_empty() && rng.random_bool(CLIENT_PROBABILITY) {
            chosen.push(person as u32);
        }
    }
    // Inform ids are handed out in the order people were first placed.
    chosen.sort_by_key(|&person| (chain.stays[stays_of_person[person as usize][0]].arrival, person));

    let mut clients = Vec::with_capacity(chosen.len());
    let mut placements = Vec::new();
    let mut assessments = Vec::new();
    for (rank, &person) in chosen.iter().enumerate() {
        let client_index = rank as u32;
        let inform_id = format!("INF-{:06}", FIRST_INFORM_NUMBER + rank);
        clients.push(client(chain, person, inform_id, rng));
        for &stay_index in &stays_of_person[person as usize] {
            let stay = &chain.stays[stay_index];
            let service_type = match stay.stay_type {
                StayType::Hotel => "hotel",
                StayType::NightShelter => "night_shelter",
                StayType::Hostel => "hostel",
                StayType::SupportedHousing if stay.provider == places::HOUSING_FIRST => "housing_first",
                _ => "supported_housing",
            };
            // Providers sometimes key the start a day or two off the CHAIN arrival.
            let start = if rng.random_bool(0.05) {
                stay.arrival + Duration::days(rng.random_range(-2..=2))
            } else {
                stay.arrival
            };
            placements.push(Placement {
                inform_client: client_index,
                service: stay.provider.clone(),
                service_type,
                start,
                end: stay.departure,
                end_reason: stay.departure_reason.map(|reason| reason.inform_code()),
            });
        }
        let first_start = chain.stays[stays_of_person[person as usize][0]].arrival;
        let mut assessed_on = first_start + Duration::days(rng.random_range(0..=21));
        for _ in 0..rng.random_range(1..=3) {
            if assessed_on > settings.to {
                break;
            }
            if assessed_on >= settings.from {
                assessments.push(assessment(
                    client_index,
                    chain.people[person as usize].support_needs,
                    assessed_on,
                    rng,
                ));
            }
            assessed_on += Duration::days(rng.random_range(60..=300));
        }
    }
    InformData { clients, placements, assessments }
}

fn client(chain: &ChainData, person_index: u32, inform_id: String, rng: &mut ChaCha8Rng) -> InformClient {
    let person = &chain.people[person_index as usize];
    let mut forename = person.given_name.clone();
    let mut surname = person.family_name.clone();
    let known_as = match names::nickname(&forename) {
        Some(nickname) if rng.random_bool(0.5) => nickname.to_owned(),
        _ if rng.random_bool(0.08) => forename.clone(),
        _ => String::new(),
    };
    if (noise::has_diacritics(&forename) || noise::has_diacritics(&surname)) && rng.random_bool(0.6) {
        forename = noise::strip_diacritics(&forename);
        surname = noise::strip_diacritics(&surname);
    }
    if rng.random_bool(0.06) {
        if rng.random_bool(0.5) {
            forename = noise::typo(&forename, rng);
        } else {
            surname = noise::typo(&surname, rng);
        }
    }
    match pick(rng, &[(0, 970), (1, 15), (2, 8), (3, 7)]) {
        1 => std::mem::swap(&mut forename, &mut surname),
        2 => forename.clear(),
        3 => surname.clear(),
        _ => {}
    }

    let dob = match pick(rng, &[(0, 870), (1, 80), (2, 30), (3, 20)]) {
        1 => None,
        2 => Some(noise::swap_day_and_month(person.date_of_birth).unwrap_or(person.date_of_birth)),
        3 => Some(person.date_of_birth + Duration::days(if rng.random_bool(0.5) { 1 } else { -1 })),
        _ => Some(person.date_of_birth),
    };
    let sex = match person.sex {
        _ if rng.random_bool(0.02) => "U",
        Sex::Male => "M",
        Sex::Female => "F",
        Sex::Other => "U",
    };
    let nationality_code =
        if person.nationality_recorded && rng.random_bool(0.95) { person.country.alpha3 } else { "" };
    let nhs_number = match &person.nhs_number {
        Some(number) if rng.random_bool(0.72) => {
            if rng.random_bool(0.5) {
                noise::spaced_nhs_number(number)
            } else {
                number.clone()
            }
        }
        _ => String::new(),
    };
    let chain_id = if rng.random_bool(0.55) {
        let records = &chain.records_of_person[person_index as usize];
        let someone_else_exists = chain.chain_persons.len() > records.len();
        let record = if someone_else_exists && rng.random_bool(0.03) {
            // A wrong id: another person's record, picked by mistake.
            loop {
                let other = rng.random_range(0..chain.chain_persons.len() as u32);
                if chain.chain_persons[other as usize].person != person_index {
                    break other;
                }
            }
        } else if records.len() > 1 && rng.random_bool(0.25) {
            records[1]
        } else {
            records[0]
        };
        chain.chain_persons[record as usize].chain_id.clone()
    } else {
        String::new()
    };
    InformClient {
        inform_id,
        person: person_index,
        forename,
        surname,
        known_as,
        dob: dob.map(calendar::uk_date).unwrap_or_default(),
        sex,
        nationality_code,
        nhs_number,
        chain_id,
    }
}

/// An assessment of a person's needs: mostly right, sometimes unanswered or missed.
fn assessment(inform_client: u32, needs: u8, assessed_on: time::Date, rng: &mut ChaCha8Rng) -> Assessment {
    let mut answer = |need: u8| {
        if needs & need != 0 {
            pick(rng, &[("Yes", 85), ("No", 8), ("", 7)])
        } else {
            pick(rng, &[("No", 80), ("Yes", 5), ("", 15)])
        }
    };
    Assessment {
        inform_client,
        assessed_on,
        alcohol: answer(NEED_ALCOHOL),
        drugs: answer(NEED_DRUGS),
        mental_health: answer(NEED_MENTAL_HEALTH),
        physical_health: answer(NEED_PHYSICAL_HEALTH),
    }
}
