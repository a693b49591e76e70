//! A deterministic generator of synthetic, realistic data for a homelessness partnership:
//! CHAIN-style outreach records, Inform-style accommodation records, annual street counts and
//! health events for about ten years of Westminster-sized rough sleeping, plus the truth of who
//! is who. It exists so that byname can be demonstrated, tested and benchmarked without any real
//! person's data: every name is a random combination from common-name pools.
//!
//! The generator is pure: the seed, the period and the scale are its only inputs, it never reads
//! the clock, the file system or the operating system's randomness, and the same settings always
//! give byte-identical files.
//!
//! It also writes FEBRL-style deduplication sets of any size (`febrl`), for the linkage
//! benchmarks. Writers are passed in.

mod calendar;
mod chain;
mod countries;
pub mod febrl;
mod health;
mod inform;
mod names;
mod noise;
mod places;
mod population;
mod records;
mod street_count;
mod write;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use time::Date;

pub use countries::Country;
pub use names::nickname;
pub use noise::{has_diacritics, is_valid_nhs_number, strip_diacritics};
pub use places::services_by_organisation;
pub use records::{
    Assessment, ChainPerson, Contact, ContactType, DepartureReason, HealthEvent, InformClient, Location, Person,
    Placement, Sex, Stay, StayType, StreetCountRow, person_key,
};

/// What to generate: the seed for all randomness, the first and last day of the exported data,
/// and the size relative to Westminster (1.0 gives about 2,100 to 2,900 people seen rough
/// sleeping a year).
#[derive(Clone, Debug)]
pub struct Settings {
    pub seed: u64,
    pub from: Date,
    pub to: Date,
    pub scale: f64,
}

/// Every generated record, in memory. Records refer to true people and CHAIN records by index
/// into `people` and `chain_persons`; ids are given when written, in the order of the vectors.
pub struct Dataset {
    pub settings: Settings,
    /// The true people behind every record, indexed by the `person` fields.
    pub people: Vec<Person>,
    pub chain_persons: Vec<ChainPerson>,
    /// Sorted by date and time; contact ids follow this order.
    pub contacts: Vec<Contact>,
    /// Sorted by arrival; stay ids follow this order.
    pub stays: Vec<Stay>,
    pub inform_clients: Vec<InformClient>,
    /// Placement ids follow this order.
    pub placements: Vec<Placement>,
    pub assessments: Vec<Assessment>,
    pub street_count: Vec<StreetCountRow>,
    /// Event ids follow this order.
    pub health_events: Vec<HealthEvent>,
}

/// Generates the whole data set for the settings.
pub fn generate(settings: &Settings) -> Dataset {
    let mut simulation =
        population::simulate(settings.from, settings.to, settings.scale, &mut stage_rng(settings.seed, 1));
    let sightings =
        street_count::choose_sightings(&mut simulation, settings.from, settings.to, &mut stage_rng(settings.seed, 2));
    let chain = chain::build(simulation, settings, &mut stage_rng(settings.seed, 3));
    let street_count = street_count::build_rows(&sightings, &chain, &mut stage_rng(settings.seed, 4));
    let inform = inform::build(&chain, settings, &mut stage_rng(settings.seed, 5));
    let health_events = health::build(&chain, settings, &mut stage_rng(settings.seed, 6));
    Dataset {
        settings: settings.clone(),
        people: chain.people,
        chain_persons: chain.chain_persons,
        contacts: chain.contacts,
        stays: chain.stays,
        inform_clients: inform.clients,
        placements: inform.placements,
        assessments: inform.assessments,
        street_count,
        health_events,
    }
}

/// A random number generator for one stage of generation, so that changing one stage does not
/// change the random draws of the others.
fn stage_rng(seed: u64, stage: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stage);
    rng
}

impl Dataset {
    /// Writes each file; `open` is called with a relative path such as "chain/persons.csv" and
    /// returns a writer.
    pub fn write_all<W: std::io::Write>(
        &self,
        open: &mut dyn FnMut(&str) -> std::io::Result<W>,
    ) -> std::io::Result<()> {
        write::write_all(self, open)
    }

    pub fn n_contacts(&self) -> usize {
        self.contacts.len()
    }

    /// The number of distinct true people with at least one record.
    pub fn n_people(&self) -> usize {
        self.people.len()
    }

    /// Every bedded-down contact as (true person index, date): what "seen rough sleeping" is
    /// computed from.
    pub fn bedded_down_sightings(&self) -> impl Iterator<Item = (u32, Date)> + '_ {
        self.contacts.iter().filter(|contact| contact.bedded_down()).map(|contact| (contact.person, contact.date))
    }

    /// Each street count night with the number of people counted.
    pub fn street_count_nights(&self) -> Vec<(Date, usize)> {
        let mut nights: Vec<(Date, usize)> = Vec::new();
        for row in &self.street_count {
            match nights.last_mut() {
                Some((date, count)) if *date == row.count_date => *count += 1,
                _ => nights.push((row.count_date, 1)),
            }
        }
        nights
    }
}
