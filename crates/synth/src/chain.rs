//! Turns the simulation into the CHAIN export: person records with the noise real case records
//! carry (nicknames, typos, missing dates of birth, a few people recorded twice), their contacts
//! and their stays, cut to the exported period.

use std::collections::{BTreeMap, HashSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use time::Date;

use crate::Settings;
use crate::calendar;
use crate::names;
use crate::noise;
use crate::population::{Simulation, pick_one};
use crate::records::{ChainPerson, Contact, ContactType, HISTORY, Person, SUPPORT_NEEDS, Sex, Stay};

/// The chance that a person seen more than once has a second CHAIN record (about 4% of all
/// people, since about two thirds have more than one contact).
const DUPLICATE_RECORD_PROBABILITY: f64 = 0.06;
/// The first CHAIN id number handed out in the export.
const FIRST_CHAIN_NUMBER: usize = 10_001;

/// The CHAIN export, and the links between true people and CHAIN records that the other sources
/// need.
pub struct ChainData {
    pub people: Vec<Person>,
    /// For each simulated person, their index in `people`, or `u32::MAX` when they have no
    /// record in the exported period.
    pub exported_index: Vec<u32>,
    pub chain_persons: Vec<ChainPerson>,
    pub contacts: Vec<Contact>,
    pub stays: Vec<Stay>,
    /// For each person, the CHAIN records filed for them: the first is the main record.
    pub records_of_person: Vec<Vec<u32>>,
    /// The CHAIN record each street count contact was filed under, by person and night.
    pub street_count_records: BTreeMap<(u32, Date), u32>,
}

pub fn build(simulation: Simulation, settings: &Settings, rng: &mut ChaCha8Rng) -> ChainData {
    let Simulation { people: simulated_people, contacts: all_contacts, stays: all_stays, .. } = simulation;
    let mut contacts: Vec<Contact> = all_contacts
        .into_iter()
        .filter(|contact| contact.date >= settings.from && contact.date <= settings.to)
        .collect();

    let mut exported_index = vec![u32::MAX; simulated_people.len()];
    for contact in &contacts {
        exported_index[contact.person as usize] = 0;
    }
    let mut people = Vec::new();
    for (simulated_index, person) in simulated_people.into_iter().enumerate() {
        if exported_index[simulated_index] == 0 {
            exported_index[simulated_index] = people.len() as u32;
            people.push(person);
        }
    }
    for contact in &mut contacts {
        contact.person = exported_index[contact.person as usize];
    }

    let first_day = calendar::day_of(settings.from);
    let last_day = calendar::day_of(settings.to);
    let mut stays: Vec<Stay> = all_stays
        .into_iter()
        .filter(|stay| {
            exported_index[stay.person as usize] != u32::MAX
                && stay.arrival <= last_day
                && stay.departure.is_none_or(|departure| departure >= first_day)
        })
        .map(|stay| {
            let ongoing = stay.departure.is_none_or(|departure| departure > last_day);
            Stay {
                person: exported_index[stay.person as usize],
                chain_person: u32::MAX,
                provider: stay.provider,
                stay_type: stay.stay_type,
                arrival: calendar::date_of(stay.arrival),
                departure: if ongoing { None } else { stay.departure.map(calendar::date_of) },
                departure_reason: if ongoing { None } else { stay.departure_reason },
            }
        })
        .collect();

    give_nhs_numbers(&mut people, &stays, rng);

    // Group contacts by person, in date order, to decide who gets a second record.
    contacts.sort_by_key(|contact| (contact.person, contact.date, contact.minute));
    stays.sort_by_key(|stay| (stay.person, stay.arrival));
    struct Draft {
        person: u32,
        is_duplicate: bool,
        first_date: Date,
    }
    let mut drafts: Vec<Draft> = Vec::new();
    let mut draft_of_contact = vec![0u32; contacts.len()];
    let mut split_date_of_person: Vec<Option<(Date, u32)>> = vec![None; people.len()];
    let mut start = 0;
    while start < contacts.len() {
        let person = contacts[start].person;
        let mut end = start;
        while end < contacts.len() && contacts[end].person == person {
            end += 1;
        }
        let main_draft = drafts.len() as u32;
        drafts.push(Draft { person, is_duplicate: false, first_date: contacts[start].date });
        let n_contacts = end - start;
        let split = (n_contacts >= 2 && rng.random_bool(DUPLICATE_RECORD_PROBABILITY)).then(|| {
            if rng.random_bool(0.7) {
                // A worker who meets someone again after a long gap often fails to find the
                // old record and opens a new one.
                (1..n_contacts)
                    .max_by_key(|offset| {
                        calendar::day_of(contacts[start + offset].date)
                            - calendar::day_of(contacts[start + offset - 1].date)
                    })
                    .unwrap_or(1)
            } else {
                rng.random_range(1..n_contacts)
            }
        });
        draft_of_contact[start..end].fill(main_draft);
        if let Some(offset) = split {
            let duplicate_draft = drafts.len() as u32;
            let split_date = contacts[start + offset].date;
            drafts.push(Draft { person, is_duplicate: true, first_date: split_date });
            draft_of_contact[start + offset..end].fill(duplicate_draft);
            split_date_of_person[person as usize] = Some((split_date, duplicate_draft));
        }
        start = end;
    }

    // CHAIN ids are handed out in the order records were opened.
    let mut draft_order: Vec<u32> = (0..drafts.len() as u32).collect();
    draft_order.sort_by_key(|&draft| {
        let draft = &drafts[draft as usize];
        (draft.first_date, draft.person, draft.is_duplicate)
    });
    let mut record_of_draft = vec![0u32; drafts.len()];
    for (rank, draft) in draft_order.iter().enumerate() {
        record_of_draft[*draft as usize] = rank as u32;
    }

    let mut records_of_person: Vec<Vec<u32>> = vec![Vec::new(); people.len()];
    let mut chain_persons = Vec::with_capacity(drafts.len());
    for (rank, draft_index) in draft_order.iter().enumerate() {
        let draft = &drafts[*draft_index as usize];
        let chain_id = format!("C{:07}", FIRST_CHAIN_NUMBER + rank);
        let person = &people[draft.person as usize];
        chain_persons.push(chain_person(person, draft.person, chain_id, draft.is_duplicate, rng));
    }
    for draft_index in 0..drafts.len() {
        let draft = &drafts[draft_index];
        let record = record_of_draft[draft_index];
        let records = &mut records_of_person[draft.person as usize];
        if draft.is_duplicate {
            records.push(record);
        } else {
            records.insert(0, record);
        }
    }

    for (index, contact) in contacts.iter_mut().enumerate() {
        contact.chain_person = record_of_draft[draft_of_contact[index] as usize];
    }
    for stay in &mut stays {
        let main_record = records_of_person[stay.person as usize][0];
        stay.chain_person = match split_date_of_person[stay.person as usize] {
            Some((split_date, duplicate_draft)) if stay.arrival >= split_date => {
                record_of_draft[duplicate_draft as usize]
            }
            _ => main_record,
        };
    }

    let street_count_records = contacts
        .iter()
        .filter(|contact| contact.contact_type == ContactType::StreetCount)
        .map(|contact| ((contact.person, contact.date), contact.chain_person))
        .collect();

    contacts.sort_by_key(|contact| (contact.date, contact.minute.unwrap_or(u16::MAX), contact.person));
    stays.sort_by_key(|stay| (stay.arrival, stay.person));

    ChainData { people, exported_index, chain_persons, contacts, stays, records_of_person, street_count_records }
}

/// Gives NHS numbers to about 40% of people: more often to those who have been accommodated,
/// since they are more likely to be registered with a GP.
fn give_nhs_numbers(people: &mut [Person], stays: &[Stay], rng: &mut ChaCha8Rng) {
    let mut accommodated = vec![false; people.len()];
    for stay in stays {
        if stay.stay_type.is_in_inform() {
            accommodated[stay.person as usize] = true;
        }
    }
    let mut issued = HashSet::new();
    for (index, person) in people.iter_mut().enumerate() {
        let chance = if accommodated[index] { 0.55 } else { 0.32 };
        if !rng.random_bool(chance) {
            continue;
        }
        let number = loop {
            let number = noise::random_nhs_number(rng);
            if issued.insert(number.clone()) {
                break number;
            }
        };
        person.nhs_number = Some(number);
    }
}

/// Writes a CHAIN person record for a true person. A second record for the same person is
/// noisier: it was opened in a hurry by someone who did not know the person.
fn chain_person(
    person: &Person,
    person_index: u32,
    chain_id: String,
    is_duplicate: bool,
    rng: &mut ChaCha8Rng,
) -> ChainPerson {
    let (nickname_chance, typo_chance) = if is_duplicate { (0.25, 0.3) } else { (0.22, 0.05) };
    let mut first_name = person.given_name.clone();
    if let Some(nickname) = names::nickname(&first_name)
        && rng.random_bool(nickname_chance)
    {
        first_name = nickname.to_owned();
    }
    let mut last_name = person.family_name.clone();
    if rng.random_bool(typo_chance) {
        if rng.random_bool(0.5) {
            first_name = noise::typo(&first_name, rng);
        } else {
            last_name = noise::typo(&last_name, rng);
        }
    }
    if is_duplicate && rng.random_bool(0.08) {
        std::mem::swap(&mut first_name, &mut last_name);
    }
    if rng.random_bool(0.01) {
        first_name.clear();
    } else if rng.random_bool(if is_duplicate { 0.06 } else { 0.03 }) {
        last_name.clear();
    }

    let aliases =
        if rng.random_bool(if is_duplicate { 0.04 } else { 0.12 }) { aliases(person, rng) } else { String::new() };

    let (blank_chance, year_only_chance) = if is_duplicate { (0.35, 0.10) } else { (0.10, 0.05) };
    let draw: f64 = rng.random();
    let date_of_birth = if draw < blank_chance {
        String::new()
    } else if draw < blank_chance + year_only_chance {
        person.date_of_birth.year().to_string()
    } else {
        let date = if rng.random_bool(0.01) {
            noise::swap_day_and_month(person.date_of_birth).unwrap_or(person.date_of_birth)
        } else {
            person.date_of_birth
        };
        calendar::iso_date(date)
    };

    let gender = match person.sex {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Other => "other",
    };
    let keep = |rng: &mut ChaCha8Rng, blank_if_duplicate: f64| !is_duplicate || !rng.random_bool(blank_if_duplicate);
    let nationality = if person.nationality_recorded && keep(rng, 0.25) { person.country.name } else { "" };
    let ethnicity = if keep(rng, 0.4) { person.ethnicity } else { "" };
    let immigration_status = if keep(rng, 0.4) { person.immigration_status } else { "unknown" };
    let needs_recorded = rng.random_bool(if is_duplicate { 0.5 } else { 0.92 });
    let support_needs = if needs_recorded { joined_flags(person.support_needs, &SUPPORT_NEEDS) } else { String::new() };
    let history = if keep(rng, 0.6) { joined_flags(person.history, &HISTORY) } else { String::new() };
    let last_settled_base = if keep(rng, 0.5) { person.last_settled_base } else { "unknown" };
    let nhs_number = match &person.nhs_number {
        Some(number) if !is_duplicate && rng.random_bool(0.4) => number.clone(),
        _ => String::new(),
    };
    ChainPerson {
        chain_id,
        person: person_index,
        first_name,
        last_name,
        aliases,
        date_of_birth,
        gender,
        nationality,
        ethnicity,
        immigration_status,
        support_needs,
        history,
        last_settled_base,
        nhs_number,
    }
}

/// One or two other names the person has used: a nickname, an initial with a misspelt surname,
/// or another surname from the same tradition.
fn aliases(person: &Person, rng: &mut ChaCha8Rng) -> String {
    let mut aliases = Vec::new();
    for _ in 0..rng.random_range(1..=2) {
        let initial: String = person.given_name.chars().take(1).collect();
        let alias = match rng.random_range(0..3) {
            0 => match names::nickname(&person.given_name) {
                Some(nickname) => format!("{nickname} {}", person.family_name),
                None => format!("{initial} {}", noise::typo(&person.family_name, rng)),
            },
            1 => format!("{initial} {}", noise::typo(&person.family_name, rng)),
            _ => format!("{} {}", person.given_name, pick_one(rng, person.country.name_pool.surnames)),
        };
        if !aliases.contains(&alias) {
            aliases.push(alias);
        }
    }
    aliases.join(";")
}

/// The names of the set bits, joined with `;`.
fn joined_flags(bits: u8, names: &[&str]) -> String {
    names
        .iter()
        .enumerate()
        .filter(|(bit, _)| bits & (1 << bit) != 0)
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join(";")
}
