//! The annual street count: one night in November when teams and volunteers walk the whole area
//! and note everyone bedded down. About a quarter of the people counted are not identified; the
//! rest are known by name, by CHAIN id, or both, and those with an id also get a CHAIN contact of
//! type `street_count`.

use std::collections::BTreeSet;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use time::{Date, Month, Weekday};

use crate::calendar::{self, Day};
use crate::chain::ChainData;
use crate::names;
use crate::noise;
use crate::places::{self, SPOT_DETAILS, STREET_PLACES};
use crate::population::{Simulation, jitter};
use crate::records::{Contact, ContactType, Location, Sex, StreetCountRow, age_band};

/// The chance that someone out on the count night is found by the count.
const FOUND_PROBABILITY: f64 = 0.8;
/// The share of counted people who are not identified at all.
const ANONYMOUS_SHARE: f64 = 0.25;

/// How the count identified someone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Identification {
    Anonymous,
    NameOnly,
    ChainId { with_name: bool },
}

/// One person found on a count night, before CHAIN ids exist.
pub struct Sighting {
    night: Date,
    /// The simulated person's index.
    person: u32,
    place: u8,
    spot: u8,
    offset: Option<(i16, i16)>,
    team: u8,
    identification: Identification,
    order_key: u32,
}

/// Picks the count nights (a Tuesday, Wednesday or Thursday in mid-November of each year in the
/// period) and the people found on them, and files a CHAIN contact for each person identified by
/// CHAIN id.
pub fn choose_sightings(simulation: &mut Simulation, from: Date, to: Date, rng: &mut ChaCha8Rng) -> Vec<Sighting> {
    let mut sightings = Vec::new();
    for year in from.year()..=to.year() {
        let candidates: Vec<Date> = (10..=26)
            .filter_map(|day| Date::from_calendar_date(year, Month::November, day).ok())
            .filter(|date| matches!(date.weekday(), Weekday::Tuesday | Weekday::Wednesday | Weekday::Thursday))
            .collect();
        let night = candidates[rng.random_range(0..candidates.len())];
        if night < from || night > to {
            continue;
        }
        let night_day: Day = calendar::day_of(night);
        let out_that_night: BTreeSet<u32> = simulation
            .spells
            .iter()
            .filter(|spell| spell.first_day <= night_day && night_day <= spell.last_day)
            .map(|spell| spell.person)
            .collect();
        for person in out_that_night {
            if !rng.random_bool(FOUND_PROBABILITY) {
                continue;
            }
            let home_place = simulation.people[person as usize].home_place;
            let place = if rng.random_bool(0.8) { home_place } else { places::random_street_place(rng) };
            let identification = if rng.random_bool(ANONYMOUS_SHARE) {
                Identification::Anonymous
            } else if rng.random_bool(0.8) {
                Identification::ChainId { with_name: rng.random_bool(0.85) }
            } else {
                Identification::NameOnly
            };
            let sighting = Sighting {
                night,
                person,
                place,
                spot: rng.random_range(0..SPOT_DETAILS.len() as u8),
                offset: jitter(rng),
                team: places::area_team(STREET_PLACES[place as usize].area),
                identification,
                order_key: rng.random(),
            };
            if let Identification::ChainId { .. } = identification {
                simulation.contacts.push(Contact {
                    person,
                    chain_person: u32::MAX,
                    date: night,
                    minute: rng.random_bool(0.6).then(|| rng.random_range(22 * 60..24 * 60)),
                    team: sighting.team,
                    location: Location::Street { place: sighting.place, spot: sighting.spot },
                    offset: sighting.offset,
                    contact_type: ContactType::StreetCount,
                });
            }
            sightings.push(sighting);
        }
    }
    sightings.sort_by_key(|sighting| (sighting.night, sighting.team, sighting.place, sighting.order_key));
    sightings
}

/// Writes the street count rows, now that CHAIN ids exist.
pub fn build_rows(sightings: &[Sighting], chain: &ChainData, rng: &mut ChaCha8Rng) -> Vec<StreetCountRow> {
    let mut rows: Vec<StreetCountRow> = Vec::with_capacity(sightings.len());
    for sighting in sightings {
        let row_in_night = match rows.last() {
            Some(previous) if previous.count_date == sighting.night => previous.row_in_night + 1,
            _ => 1,
        };
        let exported = chain.exported_index[sighting.person as usize];
        // Someone with no record in the exported period cannot be named in it.
        let identification = if exported == u32::MAX { Identification::Anonymous } else { sighting.identification };
        let (gender, age_band, name, chain_id) = match identification {
            Identification::Anonymous => {
                let (gender, age_band) = if exported == u32::MAX {
                    ("", "")
                } else {
                    gender_and_age_band(chain, exported, sighting.night, rng)
                };
                (gender, age_band, String::new(), String::new())
            }
            Identification::NameOnly => {
                let (gender, age_band) = gender_and_age_band(chain, exported, sighting.night, rng);
                (gender, age_band, counted_name(chain, exported, rng), String::new())
            }
            Identification::ChainId { with_name } => {
                let (gender, age_band) = gender_and_age_band(chain, exported, sighting.night, rng);
                let record = chain.street_count_records[&(exported, sighting.night)];
                let name = if with_name { counted_name(chain, exported, rng) } else { String::new() };
                (gender, age_band, name, chain.chain_persons[record as usize].chain_id.clone())
            }
        };
        rows.push(StreetCountRow {
            count_date: sighting.night,
            row_in_night,
            person: exported,
            team: places::OUTREACH_TEAMS[sighting.team as usize],
            place: sighting.place,
            spot: sighting.spot,
            offset: sighting.offset,
            gender,
            age_band,
            name,
            chain_id,
        });
    }
    rows
}

/// Gender and age band as a volunteer would note them: mostly right, sometimes blank.
fn gender_and_age_band(
    chain: &ChainData,
    person: u32,
    night: Date,
    rng: &mut ChaCha8Rng,
) -> (&'static str, &'static str) {
    let person = &chain.people[person as usize];
    let gender = if rng.random_bool(0.05) {
        ""
    } else {
        match person.sex {
            Sex::Male => "male",
            Sex::Female => "female",
            Sex::Other => "other",
        }
    };
    let age_band = if rng.random_bool(0.15) {
        ""
    } else {
        age_band(calendar::age_on(person.date_of_birth, calendar::day_of(night)))
    };
    (gender, age_band)
}

/// The name a count volunteer writes down: often the full name, sometimes only the first name or
/// a nickname, sometimes misspelt or without its accents.
fn counted_name(chain: &ChainData, person: u32, rng: &mut ChaCha8Rng) -> String {
    let person = &chain.people[person as usize];
    let given = match names::nickname(&person.given_name) {
        Some(nickname) if rng.random_bool(0.3) => nickname.to_owned(),
        _ => person.given_name.clone(),
    };
    let mut name = if rng.random_bool(0.2) { given } else { format!("{given} {}", person.family_name) };
    if rng.random_bool(0.08) {
        name = noise::typo(&name, rng);
    }
    if rng.random_bool(0.4) {
        name = noise::strip_diacritics(&name);
    }
    name
}
