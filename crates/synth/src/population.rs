//! The simulation of who is on the street, day by day. New people arrive at a rate that follows
//! the season, the multi-year trend and the 2020 lockdown; each then lives a life of street
//! episodes and stays: most are seen once and never again, some come and go, a minority live on
//! the street for months; they move into hubs, hostels and tenancies, go to prison or hospital,
//! and some come back. Everything here is the truth; the source modules add the noise.
//!
//! The simulation starts some years before the first exported day, so that on that day there are
//! already people living on the street and people who will return.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use time::Date;

use crate::calendar::{self, Calendar, Day};
use crate::countries::{self, COUNTRIES, Country, ImmigrationKind};
use crate::names::{self, NamePool};
use crate::places::{self, SPOT_DETAILS, STREET_PLACES};
use crate::records::{
    Contact, ContactType, DepartureReason, HISTORY_ASYLUM_SUPPORT, HISTORY_CARE, HISTORY_PRISON, Location, Person, Sex,
    StayType,
};

/// How many years are simulated before the first exported day.
const BURN_IN_DAYS: Day = 6 * 365;
/// New people arriving on Westminster's streets on an average day at scale 1.
const NEW_PEOPLE_PER_DAY: f64 = 4.0;
/// The chance that a bedded-down contact comes with a contact off the street (a day centre, the
/// assessment hub, a welfare check) within the next few days.
const OFF_STREET_CONTACT_PROBABILITY: f64 = 0.33;
/// The chance that someone on the street when Everyone In started was taken into a hotel.
const EVERYONE_IN_REACH: f64 = 0.7;
/// The chance, per winter, that someone on the street spends some weeks in a night shelter.
const NIGHT_SHELTER_PROBABILITY: f64 = 0.3;
/// A life is cut short after this many street episodes or stays, to bound the work per person.
const MAX_STEPS_PER_LIFE: usize = 40;

/// The kind of a street episode, which sets how long it lasts and how often outreach meets the
/// person during it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EpisodeKind {
    /// Seen once: a single night out, met by outreach, then gone.
    SeenOnce,
    /// A few weeks out, met a handful of times.
    Short,
    /// Living on the street for months, met often.
    Entrenched,
}

/// A stretch of days someone spent on the street without a break, used to decide who is out on
/// a street count night.
#[derive(Clone, Copy, Debug)]
pub struct Spell {
    pub person: u32,
    pub first_day: Day,
    pub last_day: Day,
}

/// A stay as the simulation knows it: whole days, ongoing when it has no departure.
#[derive(Clone, Debug)]
pub struct SimulatedStay {
    pub person: u32,
    pub provider: String,
    pub stay_type: StayType,
    pub arrival: Day,
    pub departure: Option<Day>,
    pub departure_reason: Option<DepartureReason>,
}

/// Everything that happened, including the years before the first exported day.
#[derive(Default)]
pub struct Simulation {
    pub people: Vec<Person>,
    /// Contacts, filed under no CHAIN record yet (`chain_person` is `u32::MAX`).
    pub contacts: Vec<Contact>,
    pub stays: Vec<SimulatedStay>,
    pub spells: Vec<Spell>,
}

/// Runs the simulation from some years before `from` to `to`.
pub fn simulate(from: Date, to: Date, scale: f64, rng: &mut ChaCha8Rng) -> Simulation {
    let first_day = calendar::day_of(from) - BURN_IN_DAYS;
    let last_day = calendar::day_of(to);
    let calendar = Calendar::new(first_day, last_day);
    let mut simulation = Simulation::default();
    for day in first_day..=last_day {
        let expected = NEW_PEOPLE_PER_DAY * scale.max(0.0) * calendar.arrival_factor(day);
        for _ in 0..poisson(rng, expected) {
            let person = new_person(rng, day);
            simulation.people.push(person);
            let mut life = Life {
                person: (simulation.people.len() - 1) as u32,
                rng: &mut *rng,
                calendar: &calendar,
                simulation: &mut simulation,
                steps: 0,
            };
            life.live(day);
        }
    }
    simulation
}

/// Draws from a Poisson distribution (Knuth's method, in chunks so large means do not underflow).
fn poisson(rng: &mut impl Rng, mean: f64) -> u32 {
    let mut remaining = mean;
    let mut count = 0;
    while remaining > 0.0 {
        let chunk = remaining.min(30.0);
        remaining -= chunk;
        let limit = (-chunk).exp();
        let mut product: f64 = rng.random();
        while product > limit {
            count += 1;
            product *= rng.random::<f64>();
        }
    }
    count
}

/// Picks one option by integer weight.
pub fn pick<T: Copy>(rng: &mut impl Rng, options: &[(T, u32)]) -> T {
    let total: u32 = options.iter().map(|(_, weight)| weight).sum();
    let mut ticket = rng.random_range(0..total);
    for (option, weight) in options {
        if ticket < *weight {
            return *option;
        }
        ticket -= weight;
    }
    options[options.len() - 1].0
}

/// Picks one element of a non-empty slice uniformly.
pub fn pick_one<'a, T>(rng: &mut impl Rng, options: &'a [T]) -> &'a T {
    &options[rng.random_range(0..options.len())]
}

/// A uniform draw between two whole numbers of days, inclusive.
fn days_between(rng: &mut impl Rng, low: Day, high: Day) -> Day {
    rng.random_range(low..=high)
}

/// A draw spread evenly on a log scale between two lengths, in days: many short, few long.
fn log_uniform_days(rng: &mut impl Rng, low: f64, high: f64) -> Day {
    let exponent = rng.random_range(low.ln()..high.ln());
    exponent.exp().round() as Day
}

fn new_person(rng: &mut impl Rng, arrival: Day) -> Person {
    let sex = pick(rng, &[(Sex::Male, 840), (Sex::Female, 150), (Sex::Other, 10)]);
    let age = pick(rng, &[((18, 25), 12), ((26, 35), 28), ((36, 45), 27), ((46, 55), 21), ((56, 75), 12)]);
    let age_years = rng.random_range(age.0..=age.1);
    let birth_day = arrival - (f64::from(age_years) * 365.25) as Day - rng.random_range(0..365);
    let country = pick_country(rng);
    let ethnicity =
        pick(rng, &country.ethnicities.iter().map(|ethnicity| (ethnicity, ethnicity.weight)).collect::<Vec<_>>());
    let name_pool: &NamePool = ethnicity.name_pool.unwrap_or(country.name_pool);
    let female_names = match sex {
        Sex::Male => false,
        Sex::Female => true,
        Sex::Other => rng.random_bool(0.5),
    };
    let given_name = if female_names { pick_one(rng, name_pool.female) } else { pick_one(rng, name_pool.male) };
    let surname = pick_one(rng, name_pool.surnames);
    let family_name = if female_names {
        names::female_surname(name_pool.female_surname_rule, surname)
    } else {
        (*surname).to_owned()
    };
    let history = draw_history(rng, sex, age_years, country);
    Person {
        given_name: (*given_name).to_owned(),
        family_name,
        sex,
        date_of_birth: calendar::date_of(birth_day),
        country,
        nationality_recorded: rng.random_bool(0.985),
        ethnicity: ethnicity.text,
        immigration_status: draw_immigration_status(rng, country.immigration),
        support_needs: draw_support_needs(rng),
        history,
        last_settled_base: draw_last_settled_base(rng, history),
        nhs_number: None,
        home_place: places::random_street_place(rng),
    }
}

fn pick_country(rng: &mut impl Rng) -> &'static Country {
    let mut ticket = rng.random_range(0..countries::total_weight());
    for country in &COUNTRIES {
        if ticket < country.weight {
            return country;
        }
        ticket -= country.weight;
    }
    &COUNTRIES[0]
}

fn draw_immigration_status(rng: &mut impl Rng, kind: ImmigrationKind) -> &'static str {
    match kind {
        ImmigrationKind::BritishOrIrish => pick(rng, &[("british_or_irish", 96), ("unknown", 4)]),
        ImmigrationKind::EuropeanUnion => {
            pick(rng, &[("pre_settled", 35), ("settled", 28), ("no_recourse_verified", 15), ("unknown", 22)])
        }
        ImmigrationKind::Refuge => pick(rng, &[("refugee", 35), ("asylum_seeker", 25), ("other", 15), ("unknown", 25)]),
        ImmigrationKind::OtherNonEu => {
            pick(rng, &[("settled", 30), ("other", 35), ("unknown", 25), ("asylum_seeker", 5), ("refugee", 5)])
        }
    }
}

/// Support needs as bits, in the order of [`crate::records::SUPPORT_NEEDS`]: about half have a
/// mental health need, 40% alcohol, 35% drugs, a quarter physical health, 5% a learning
/// disability.
fn draw_support_needs(rng: &mut impl Rng) -> u8 {
    let chances = [0.40, 0.35, 0.50, 0.25, 0.05];
    let mut needs = 0;
    for (bit, chance) in chances.iter().enumerate() {
        if rng.random_bool(*chance) {
            needs |= 1 << bit;
        }
    }
    needs
}

fn draw_history(rng: &mut impl Rng, sex: Sex, age: i32, country: &Country) -> u8 {
    let mut history = 0;
    let prison = if sex == Sex::Male { 0.33 } else { 0.16 };
    if rng.random_bool(prison) {
        history |= HISTORY_PRISON;
    }
    if rng.random_bool(if age < 30 { 0.2 } else { 0.1 }) {
        history |= HISTORY_CARE;
    }
    let armed_forces = if country.alpha3 == "GBR" { 0.11 } else { 0.01 };
    if rng.random_bool(armed_forces) {
        history |= 4;
    }
    let asylum_support = match country.immigration {
        ImmigrationKind::Refuge => 0.55,
        ImmigrationKind::OtherNonEu => 0.12,
        _ => 0.0,
    };
    if rng.random_bool(asylum_support) {
        history |= HISTORY_ASYLUM_SUPPORT;
    }
    history
}

fn draw_last_settled_base(rng: &mut impl Rng, history: u8) -> &'static str {
    if history & HISTORY_ASYLUM_SUPPORT != 0 && rng.random_bool(0.5) {
        return "asylum_accommodation";
    }
    pick(
        rng,
        &[
            ("private_rented", 25),
            ("family_friends", 25),
            ("social_rented", 12),
            ("institution", 10),
            ("tied", 5),
            ("other", 8),
            ("unknown", 15),
        ],
    )
}

/// How a street episode ended.
enum EpisodeEnd {
    /// The person was no longer seen from this day, destination unknown.
    Vanished(Day),
    /// The person moved into a stay of this type on this day.
    MovedIn(StayType, Day),
}

/// What happens after a stay ends.
enum AfterStay {
    /// Another stay follows at once.
    Stay(StayType),
    /// Back on the street after this many days.
    Street(Day),
    /// Gone from view; may come back much later.
    Gone,
    /// Nothing more happens in this person's story (a lasting tenancy, a death).
    End,
}

/// One person's story, written into the simulation as it unfolds.
struct Life<'a> {
    person: u32,
    rng: &'a mut ChaCha8Rng,
    calendar: &'a Calendar,
    simulation: &'a mut Simulation,
    steps: usize,
}

impl Life<'_> {
    fn live(&mut self, arrival: Day) {
        self.institution_before_arrival(arrival);
        let first_kind =
            pick(self.rng, &[(EpisodeKind::SeenOnce, 74), (EpisodeKind::Short, 16), (EpisodeKind::Entrenched, 10)]);
        let mut next_street = Some((arrival, first_kind));
        while let Some((start, kind)) = next_street {
            self.steps += 1;
            if start > self.calendar.last_day || self.steps > MAX_STEPS_PER_LIFE {
                return;
            }
            next_street = match self.street_episode(start, kind) {
                EpisodeEnd::Vanished(day) => {
                    let chance = match kind {
                        EpisodeKind::SeenOnce => 0.35,
                        EpisodeKind::Short => 0.45,
                        EpisodeKind::Entrenched => 0.55,
                    };
                    self.maybe_return(day, chance)
                }
                EpisodeEnd::MovedIn(stay_type, day) => self.stays_from(stay_type, day),
            };
        }
    }

    /// Some people arrive on the street straight from prison or from care.
    fn institution_before_arrival(&mut self, arrival: Day) {
        let person = &self.simulation.people[self.person as usize];
        let age = calendar::age_on(person.date_of_birth, arrival);
        let (stay_type, chance) = if person.history & HISTORY_CARE != 0 && age < 21 {
            (StayType::Care, 0.5)
        } else if person.history & HISTORY_PRISON != 0 {
            (StayType::Prison, 0.12)
        } else {
            return;
        };
        if !self.rng.random_bool(chance) {
            return;
        }
        let departure = arrival - days_between(self.rng, 0, 85);
        let length = match stay_type {
            StayType::Care => days_between(self.rng, 200, 900),
            _ => log_uniform_days(self.rng, 20.0, 900.0),
        };
        self.push_stay(stay_type, departure - length, Some(departure), Some(DepartureReason::Other));
    }

    fn maybe_return(&mut self, day: Day, chance: f64) -> Option<(Day, EpisodeKind)> {
        if !self.rng.random_bool(chance) {
            return None;
        }
        let gap = if self.rng.random_bool(0.15) {
            days_between(self.rng, 21, 180)
        } else {
            log_uniform_days(self.rng, 240.0, 2500.0)
        };
        Some((day + gap, self.returning_kind()))
    }

    fn returning_kind(&mut self) -> EpisodeKind {
        pick(self.rng, &[(EpisodeKind::SeenOnce, 40), (EpisodeKind::Short, 35), (EpisodeKind::Entrenched, 25)])
    }

    fn street_episode(&mut self, start: Day, kind: EpisodeKind) -> EpisodeEnd {
        let (planned_last_day, mean_gap) = match kind {
            EpisodeKind::SeenOnce => (start, 1.0),
            EpisodeKind::Short => (start + days_between(self.rng, 1, 56), self.rng.random_range(5.0..12.0)),
            EpisodeKind::Entrenched => {
                (start + log_uniform_days(self.rng, 30.0, 900.0), self.rng.random_range(3.0..12.0))
            }
        };
        let everyone_in = calendar::everyone_in_start();
        let offered_hotel = self.rng.random_bool(calendar::hotel_offer_probability(start));
        let mut spell_first_day = start;
        let mut day = start;
        let mut last_winter_considered = i32::MIN;
        loop {
            self.street_contact(day);
            if offered_hotel {
                self.push_spell(spell_first_day, day);
                let hotel_day = day + days_between(self.rng, 0, 10);
                return EpisodeEnd::MovedIn(StayType::Hotel, hotel_day);
            }
            if kind != EpisodeKind::SeenOnce
                && calendar::is_winter(day)
                && calendar::winter_of(day) != last_winter_considered
            {
                last_winter_considered = calendar::winter_of(day);
                if self.rng.random_bool(NIGHT_SHELTER_PROBABILITY) {
                    self.push_spell(spell_first_day, day);
                    let arrival = day + days_between(self.rng, 1, 5);
                    let departure = arrival + days_between(self.rng, 14, 80);
                    let reason = pick(
                        self.rng,
                        &[
                            (DepartureReason::PlannedMoveOn, 25),
                            (DepartureReason::Other, 55),
                            (DepartureReason::Abandoned, 15),
                            (DepartureReason::Evicted, 5),
                        ],
                    );
                    self.push_stay(StayType::NightShelter, arrival, Some(departure), Some(reason));
                    if reason == DepartureReason::PlannedMoveOn {
                        return EpisodeEnd::MovedIn(StayType::Hostel, departure);
                    }
                    spell_first_day = departure;
                    day = departure + days_between(self.rng, 0, 4);
                    if day > self.calendar.last_day {
                        return EpisodeEnd::Vanished(day);
                    }
                    continue;
                }
            }
            let uniform: f64 = self.rng.random_range(f64::EPSILON..1.0);
            let gap = (-mean_gap * uniform.ln() / self.calendar.contact_factor(day)).round();
            let next_day = day + (gap as Day).max(1);
            if day < everyone_in
                && next_day >= everyone_in
                && self.calendar.first_day <= everyone_in
                && self.calendar.last_day >= everyone_in
                && self.rng.random_bool(EVERYONE_IN_REACH)
            {
                self.push_spell(spell_first_day, everyone_in);
                let hotel_day = everyone_in + days_between(self.rng, 0, 21);
                return EpisodeEnd::MovedIn(StayType::Hotel, hotel_day);
            }
            if next_day > planned_last_day || next_day > self.calendar.last_day {
                break;
            }
            day = next_day;
        }
        self.push_spell(spell_first_day, planned_last_day.max(day));
        let end_day = planned_last_day.max(day);
        let moved_in = |stay_type| EpisodeEnd::MovedIn(stay_type, end_day + 1);
        let uk = self.simulation.people[self.person as usize].country.alpha3 == "GBR";
        let asylum_seeker = self.simulation.people[self.person as usize].immigration_status == "asylum_seeker";
        let reconnection_weight = if uk { 1 } else { 4 };
        let asylum_weight = if asylum_seeker { 8 } else { 0 };
        let destination: Option<StayType> = match kind {
            EpisodeKind::SeenOnce => pick(
                self.rng,
                &[
                    (None, 82),
                    (Some(StayType::AssessmentHub), 6),
                    (Some(StayType::Reconnection), reconnection_weight),
                    (Some(StayType::Hospital), 3),
                    (Some(StayType::Prison), 2),
                    (Some(StayType::AsylumAccommodation), asylum_weight / 2),
                ],
            ),
            EpisodeKind::Short => pick(
                self.rng,
                &[
                    (None, 45),
                    (Some(StayType::AssessmentHub), 20),
                    (Some(StayType::Hostel), 10),
                    (Some(StayType::Reconnection), reconnection_weight * 2),
                    (Some(StayType::Prison), 6),
                    (Some(StayType::Hospital), 5),
                    (Some(StayType::PrivateRented), 4),
                    (Some(StayType::AsylumAccommodation), asylum_weight),
                ],
            ),
            EpisodeKind::Entrenched => pick(
                self.rng,
                &[
                    (None, 25),
                    (Some(StayType::Hostel), 30),
                    (Some(StayType::SupportedHousing), 10),
                    (Some(StayType::Prison), 10),
                    (Some(StayType::Hospital), 10),
                    (Some(StayType::AssessmentHub), 8),
                    (Some(StayType::PrivateRented), 4),
                    (Some(StayType::AsylumAccommodation), asylum_weight),
                ],
            ),
        };
        match destination {
            None => EpisodeEnd::Vanished(end_day),
            Some(stay_type) => moved_in(stay_type),
        }
    }

    /// Follows a chain of stays from the first, and says when the person is next on the street.
    fn stays_from(&mut self, first: StayType, arrival: Day) -> Option<(Day, EpisodeKind)> {
        let mut next = Some((first, arrival));
        while let Some((stay_type, arrival)) = next {
            self.steps += 1;
            if arrival > self.calendar.last_day || self.steps > MAX_STEPS_PER_LIFE {
                return None;
            }
            let (length, reason, after) = self.stay_outcome(stay_type);
            let departure = length.map(|length| arrival + length.max(1));
            self.push_stay(stay_type, arrival, departure, reason);
            // A stay without a departure lasts to the end of this person's story.
            let departure = departure?;
            next = match after {
                AfterStay::Stay(stay_type) => Some((stay_type, departure)),
                AfterStay::Street(gap) => return Some((departure + gap, self.returning_kind())),
                AfterStay::Gone => return self.maybe_return(departure, 0.35),
                AfterStay::End => return None,
            };
        }
        None
    }

    /// How long a stay lasts (`None` for a stay that does not end), why it ends, and what comes
    /// next.
    fn stay_outcome(&mut self, stay_type: StayType) -> (Option<Day>, Option<DepartureReason>, AfterStay) {
        use AfterStay::{End, Gone, Stay, Street};
        use DepartureReason as Reason;
        let rng = &mut *self.rng;
        let street_soon = |rng: &mut ChaCha8Rng, within: Day| Street(days_between(rng, 0, within));
        match stay_type {
            StayType::AssessmentHub => {
                let length = days_between(rng, 2, 28);
                match pick(rng, &[(0, 65), (1, 20), (2, 15)]) {
                    0 => {
                        let next = pick(
                            rng,
                            &[
                                (StayType::Hostel, 45),
                                (StayType::PrivateRented, 20),
                                (StayType::Reconnection, 20),
                                (StayType::SupportedHousing, 15),
                            ],
                        );
                        (Some(length), Some(Reason::PlannedMoveOn), Stay(next))
                    }
                    1 => (Some(length), Some(Reason::Abandoned), street_soon(rng, 14)),
                    _ => (Some(length), Some(Reason::Other), Gone),
                }
            }
            StayType::NightShelter => {
                let length = days_between(rng, 14, 80);
                (Some(length), Some(Reason::Other), street_soon(rng, 7))
            }
            StayType::Hotel => {
                // Many left the hotels within weeks; the rest stayed until offered a move on.
                let length = days_between(rng, 60, 450);
                let short_length = days_between(rng, 7, 150);
                match pick(rng, &[(0, 62), (1, 22), (2, 10), (3, 6)]) {
                    0 => {
                        let next = pick(
                            rng,
                            &[
                                (StayType::Hostel, 40),
                                (StayType::SupportedHousing, 25),
                                (StayType::PrivateRented, 25),
                                (StayType::SocialHousing, 10),
                            ],
                        );
                        (Some(length), Some(Reason::PlannedMoveOn), Stay(next))
                    }
                    1 => (Some(short_length), Some(Reason::Abandoned), street_soon(rng, 30)),
                    2 => (Some(short_length), Some(Reason::Evicted), street_soon(rng, 14)),
                    _ => (Some(short_length), Some(Reason::Other), Gone),
                }
            }
            StayType::Hostel => {
                let length = log_uniform_days(rng, 30.0, 900.0);
                match pick(rng, &[(0, 45), (1, 20), (2, 15), (3, 7), (4, 8), (5, 2), (6, 3)]) {
                    0 => {
                        let next = pick(
                            rng,
                            &[
                                (StayType::SupportedHousing, 35),
                                (StayType::PrivateRented, 40),
                                (StayType::SocialHousing, 25),
                            ],
                        );
                        (Some(length), Some(Reason::PlannedMoveOn), Stay(next))
                    }
                    1 => (Some(length), Some(Reason::Abandoned), street_soon(rng, 60)),
                    2 => (Some(length), Some(Reason::Evicted), street_soon(rng, 30)),
                    3 => (Some(length), Some(Reason::Prison), Stay(StayType::Prison)),
                    4 => (Some(length), Some(Reason::Hospital), Stay(StayType::Hospital)),
                    5 => (Some(length), Some(Reason::Deceased), End),
                    _ => (Some(length), Some(Reason::Other), Gone),
                }
            }
            StayType::SupportedHousing => {
                let length = log_uniform_days(rng, 90.0, 1800.0);
                match pick(rng, &[(0, 60), (1, 12), (2, 12), (3, 5), (4, 3), (5, 8)]) {
                    0 => {
                        let next = pick(rng, &[(StayType::PrivateRented, 50), (StayType::SocialHousing, 50)]);
                        (Some(length), Some(Reason::PlannedMoveOn), Stay(next))
                    }
                    1 => (Some(length), Some(Reason::Abandoned), street_soon(rng, 90)),
                    2 => (Some(length), Some(Reason::Evicted), street_soon(rng, 60)),
                    3 => (Some(length), Some(Reason::Hospital), Stay(StayType::Hospital)),
                    4 => (Some(length), Some(Reason::Deceased), End),
                    _ => (Some(length), Some(Reason::Other), Gone),
                }
            }
            StayType::PrivateRented | StayType::SocialHousing => {
                let lasting = if stay_type == StayType::SocialHousing { 0.85 } else { 0.70 };
                if rng.random_bool(lasting) {
                    return (None, None, End);
                }
                let length = days_between(rng, 90, 1500);
                let reason = pick(rng, &[(Reason::Evicted, 50), (Reason::Abandoned, 30), (Reason::Other, 20)]);
                if rng.random_bool(0.7) {
                    (Some(length), Some(reason), street_soon(rng, 120))
                } else {
                    (Some(length), Some(reason), Gone)
                }
            }
            StayType::Reconnection => {
                if rng.random_bool(0.85) {
                    return (None, None, End);
                }
                let length = log_uniform_days(rng, 30.0, 700.0);
                (Some(length), Some(Reason::Other), Street(0))
            }
            StayType::Prison => {
                let length = log_uniform_days(rng, 14.0, 700.0);
                let after = match pick(rng, &[(0, 45), (1, 20), (2, 10), (3, 25)]) {
                    0 => street_soon(rng, 85),
                    1 => Stay(StayType::Hostel),
                    2 => Stay(StayType::AssessmentHub),
                    _ => Gone,
                };
                (Some(length), Some(Reason::Other), after)
            }
            StayType::Hospital => {
                let length = log_uniform_days(rng, 2.0, 90.0);
                let reason = pick(
                    rng,
                    &[(Reason::Other, 75), (Reason::PlannedMoveOn, 15), (Reason::Deceased, 5), (Reason::Abandoned, 5)],
                );
                if reason == Reason::Deceased {
                    return (Some(length), Some(reason), End);
                }
                let after = match pick(rng, &[(0, 45), (1, 15), (2, 10), (3, 5), (4, 25)]) {
                    0 => street_soon(rng, 85),
                    1 => Stay(StayType::Hostel),
                    2 => Stay(StayType::AssessmentHub),
                    3 => Stay(StayType::SupportedHousing),
                    _ => Gone,
                };
                (Some(length), Some(reason), after)
            }
            StayType::AsylumAccommodation => {
                let length = log_uniform_days(rng, 30.0, 700.0);
                let reason = pick(rng, &[(Reason::Other, 50), (Reason::Evicted, 30), (Reason::PlannedMoveOn, 20)]);
                let after = match pick(rng, &[(0, 45), (1, 20), (2, 15), (3, 20)]) {
                    0 => street_soon(rng, 85),
                    1 => Stay(StayType::PrivateRented),
                    2 => Stay(StayType::Hostel),
                    _ => Gone,
                };
                (Some(length), Some(reason), after)
            }
            StayType::Care => (Some(365), Some(Reason::Other), street_soon(rng, 85)),
        }
    }

    fn push_spell(&mut self, first_day: Day, last_day: Day) {
        self.simulation.spells.push(Spell { person: self.person, first_day, last_day });
    }

    fn push_stay(
        &mut self,
        stay_type: StayType,
        arrival: Day,
        departure: Option<Day>,
        departure_reason: Option<DepartureReason>,
    ) {
        let provider = self.provider(stay_type);
        self.simulation.stays.push(SimulatedStay {
            person: self.person,
            provider,
            stay_type,
            arrival,
            departure,
            departure_reason,
        });
    }

    fn provider(&mut self, stay_type: StayType) -> String {
        let person = &self.simulation.people[self.person as usize];
        let rng = &mut *self.rng;
        let name = match stay_type {
            StayType::Hotel => pick_one(rng, &places::EVERYONE_IN_HOTELS),
            StayType::AssessmentHub => pick_one(rng, &places::ASSESSMENT_HUBS),
            StayType::NightShelter => pick_one(rng, &places::NIGHT_SHELTERS),
            StayType::Hostel => {
                let hostels = &places::HOSTELS;
                if person.sex == Sex::Female && rng.random_bool(0.5) {
                    &hostels[hostels.len() - 1]
                } else {
                    pick_one(rng, &hostels[..hostels.len() - 1])
                }
            }
            StayType::SupportedHousing => pick_one(rng, &places::SUPPORTED_HOUSING),
            StayType::PrivateRented => pick_one(rng, &places::PRIVATE_RENTED_AREAS),
            StayType::SocialHousing => pick_one(rng, &places::SOCIAL_LANDLORDS),
            StayType::Reconnection => {
                let destination = if person.country.alpha3 == "GBR" {
                    format!("{} local authority", pick_one(rng, &places::RECONNECTION_TOWNS))
                } else {
                    person.country.name.to_owned()
                };
                return format!("Reconnection to {destination}");
            }
            StayType::Hospital => pick_one(rng, &places::HOSPITALS),
            StayType::Prison if person.sex == Sex::Female => pick_one(rng, &places::WOMEN_PRISONS),
            StayType::Prison => pick_one(rng, &places::MEN_PRISONS),
            StayType::AsylumAccommodation => pick_one(rng, &places::ASYLUM_ACCOMMODATION),
            StayType::Care => pick_one(rng, &places::CARE_PLACEMENTS),
        };
        (*name).to_owned()
    }

    /// Records a bedded-down outreach contact, and sometimes a contact off the street soon after.
    fn street_contact(&mut self, day: Day) {
        if day < self.calendar.first_day || day > self.calendar.last_day {
            return;
        }
        let home_place = self.simulation.people[self.person as usize].home_place;
        let rng = &mut *self.rng;
        let place = if rng.random_bool(0.65) { home_place } else { places::random_street_place(rng) };
        let team = pick(
            rng,
            &[
                (places::area_team(STREET_PLACES[place as usize].area), 60),
                (places::TEAM_NIGHT_OUTREACH, 20),
                (places::TEAM_RAPID_RESPONSE, 12),
                (places::TEAM_STREET_ENGAGEMENT, 8),
            ],
        );
        let minute = outreach_minute(rng, team);
        let contact = Contact {
            person: self.person,
            chain_person: u32::MAX,
            date: calendar::date_of(day),
            minute,
            team,
            location: Location::Street { place, spot: rng.random_range(0..SPOT_DETAILS.len() as u8) },
            offset: jitter(rng),
            contact_type: ContactType::Outreach,
        };
        self.simulation.contacts.push(contact);
        if !rng.random_bool(OFF_STREET_CONTACT_PROBABILITY) {
            return;
        }
        let off_street_day = day + days_between(rng, 0, 6);
        if off_street_day > self.calendar.last_day {
            return;
        }
        let (contact_type, location) = match pick(rng, &[(0, 45), (1, 12), (2, 30), (3, 13)]) {
            0 => (ContactType::DayCentre, Location::DayCentre(rng.random_range(0..places::DAY_CENTRES.len() as u8))),
            1 => (ContactType::AssessmentHub, Location::AssessmentHub),
            2 => (ContactType::Other, Location::Street { place, spot: rng.random_range(0..SPOT_DETAILS.len() as u8) }),
            _ => (ContactType::Other, Location::HousingOptions),
        };
        let team = if rng.random_bool(0.6) { places::TEAM_STREET_ENGAGEMENT } else { places::TEAM_RAPID_RESPONSE };
        let minute = if rng.random_bool(0.35) { None } else { Some(rng.random_range(9 * 60..17 * 60)) };
        let offset = match location {
            Location::Street { .. } => jitter(rng),
            _ => Some((0, 0)),
        };
        self.simulation.contacts.push(Contact {
            person: self.person,
            chain_person: u32::MAX,
            date: calendar::date_of(off_street_day),
            minute,
            team,
            location,
            offset,
            contact_type,
        });
    }
}

/// The time an outreach team meets someone bedded down: night and early morning for most teams.
pub fn outreach_minute(rng: &mut impl Rng, team: u8) -> Option<u16> {
    if rng.random_bool(0.2) {
        return None;
    }
    let hour_range = match team {
        places::TEAM_NIGHT_OUTREACH => {
            let hour = rng.random_range(22..30u16) % 24;
            return Some(hour * 60 + rng.random_range(0..60));
        }
        places::TEAM_RAPID_RESPONSE => 7..23,
        places::TEAM_STREET_ENGAGEMENT => 9..18,
        _ if rng.random_bool(0.7) => 5..10,
        _ => 20..24,
    };
    Some(rng.random_range(hour_range) * 60 + rng.random_range(0..60))
}

/// A small random offset from a place's coordinates, or none (15% of contacts have no
/// coordinates).
pub fn jitter(rng: &mut impl Rng) -> Option<(i16, i16)> {
    if rng.random_bool(0.15) {
        return None;
    }
    Some((rng.random_range(-120..=120), rng.random_range(-180..=180)))
}
