//! Where each person is, month by month: on the street (new, intermittent or living on the
//! streets), in one kind of accommodation, or away and for how long. This is what the
//! stock-and-flow scenario model (`byname_forecast::scenario`) is fitted to: how many people are
//! in each state at each month, how many moved from one state to another between two months,
//! and how many came into view for the first time.
//!
//! A person's state in a month, in this order:
//! 1. Seen bedded down in the month: **new** if it is their first bedded-down contact ever,
//!    **living on the streets** by the CHAIN rule of [`series`](crate::series) (enough distinct
//!    days over a long enough span in the month), **intermittent** otherwise. So new,
//!    intermittent and living on the streets add up to `chain.total` exactly.
//! 2. Otherwise in a stay at the month's end: a **hotel**, a **night shelter**, an **assessment
//!    hub** (emergency accommodation), **longer-term** supported accommodation (hostel,
//!    supported housing, Housing First), a **tenancy** (private or social), or an
//!    **institution** (hospital, prison, asylum accommodation, care).
//! 3. Otherwise **away**, by whole months since the person was last on the street or in a stay:
//!    1, 2, 3, 4 to 6, 7 to 12, 13 and more.
//!
//! Before their first event a person is outside the model; their first state is an arrival.
//! After a death recorded as a stay's departure reason they leave it for good.
//! Each state also counts the people who are active on the by-name list at the month's end
//! (Built for Zero), so the model can turn its states into that figure.

use crate::compute::{Status, month_bounds, month_code, month_of_day, status};
use crate::series::{SeriesError, in_area};
use crate::settings::Settings;
use crate::timeline::{Day, Person, Population, Stay, day};
use byname_domain::codes::{DepartureReason, StayType};
use time::Date;

/// The states, in the order of [`State::ALL`].
pub const STATES: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    New,
    Intermittent,
    LivingOnStreets,
    Hotel,
    Shelter,
    Hub,
    LongTerm,
    Tenancy,
    Institution,
    Away1,
    Away2,
    Away3,
    Away4To6,
    Away7To12,
    Away13Plus,
    /// Left the model for good (died).
    Gone,
}

impl State {
    pub const ALL: [State; STATES] = [
        State::New,
        State::Intermittent,
        State::LivingOnStreets,
        State::Hotel,
        State::Shelter,
        State::Hub,
        State::LongTerm,
        State::Tenancy,
        State::Institution,
        State::Away1,
        State::Away2,
        State::Away3,
        State::Away4To6,
        State::Away7To12,
        State::Away13Plus,
        State::Gone,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn code(self) -> &'static str {
        match self {
            State::New => "new",
            State::Intermittent => "intermittent",
            State::LivingOnStreets => "living_on_streets",
            State::Hotel => "hotel",
            State::Shelter => "night_shelter",
            State::Hub => "assessment_hub",
            State::LongTerm => "longer_term",
            State::Tenancy => "tenancy",
            State::Institution => "institution",
            State::Away1 => "away_1",
            State::Away2 => "away_2",
            State::Away3 => "away_3",
            State::Away4To6 => "away_4_6",
            State::Away7To12 => "away_7_12",
            State::Away13Plus => "away_13",
            State::Gone => "gone",
        }
    }

    /// Seen rough sleeping in the month.
    pub fn on_street(self) -> bool {
        matches!(self, State::New | State::Intermittent | State::LivingOnStreets)
    }

    pub fn is_away(self) -> bool {
        matches!(
            self,
            State::Away1 | State::Away2 | State::Away3 | State::Away4To6 | State::Away7To12 | State::Away13Plus
        )
    }

    fn away(months: i32) -> State {
        match months {
            ..=1 => State::Away1,
            2 => State::Away2,
            3 => State::Away3,
            4..=6 => State::Away4To6,
            7..=12 => State::Away7To12,
            _ => State::Away13Plus,
        }
    }

    fn of_stay(kind: StayType) -> Option<State> {
        Some(match kind {
            StayType::Hotel => State::Hotel,
            StayType::NightShelter => State::Shelter,
            StayType::AssessmentHub => State::Hub,
            StayType::Hostel | StayType::SupportedHousing | StayType::HousingFirst => State::LongTerm,
            StayType::PrivateRented | StayType::SocialHousing => State::Tenancy,
            StayType::Hospital | StayType::Prison | StayType::AsylumAccommodation | StayType::Care => {
                State::Institution
            }
            StayType::Reconnection => return None,
        })
    }
}

/// Counts per state, in [`State::ALL`] order.
pub type Counts = [u32; STATES];

/// Every month's stocks and flows, from the first month anyone is seen to the last that has
/// ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// The month index (year * 12 + month - 1) of the first month.
    pub first_month: i32,
    /// People in each state in each month (at its end, for stays).
    pub stocks: Vec<Counts>,
    /// Of those, the people active on the by-name list at the month's end.
    pub active: Vec<Counts>,
    /// `moves[k][from][to]`: people in `from` in month `k - 1` and in `to` in month `k`
    /// (all zero for `k = 0`).
    pub moves: Vec<[Counts; STATES]>,
    /// People whose first month in the model is month `k`, by the state they arrive in.
    pub arrivals: Vec<Counts>,
}

impl Panel {
    pub fn months(&self) -> usize {
        self.stocks.len()
    }

    pub fn last_month(&self) -> i32 {
        self.first_month + self.stocks.len() as i32 - 1
    }

    pub fn label(&self, k: usize) -> String {
        month_code(self.first_month + k as i32)
    }

    /// People seen rough sleeping in month `k` (`chain.total`).
    pub fn on_street(&self, k: usize) -> u32 {
        State::ALL.iter().filter(|s| s.on_street()).map(|s| self.stocks[k][s.index()]).sum()
    }
}

/// The panel of the partnership's areas, or of one area, up to the last month that has ended
/// by `today`.
pub fn panel(
    population: &Population,
    area: Option<&str>,
    settings: &Settings,
    today: Date,
) -> Result<Panel, SeriesError> {
    let (restricted, settings) = in_area(population, area, settings)?;
    let population = restricted.as_ref().unwrap_or(population);
    let where_ = area.map(|a| format!(" in {a}")).unwrap_or_default();
    // The data start with the first person seen rough sleeping: stays that began before then
    // (in a hostel for years) come into view in that month.
    let first_event = population.people.iter().filter_map(Person::first_bedded).min();
    // The data runs to its last recorded event: a contact, an arrival or a departure.
    let last_event = population
        .people
        .iter()
        .flat_map(|p| {
            let stays = p.stays.iter().flat_map(|s| [Some(s.arrival), s.departure]).flatten();
            p.contacts.iter().map(|c| c.day).chain(stays)
        })
        .max();
    let (Some(first_event), Some(last_event)) = (first_event, last_event) else {
        return Err(SeriesError::NoHistory(where_));
    };
    let first_month = month_of_day(first_event);
    let last_month = month_of_day(last_event).min(month_of_day(day(today)) - 1);
    if last_month < first_month {
        return Err(SeriesError::NoHistory(format!("{where_} in a month that has ended")));
    }
    let n = (last_month - first_month + 1) as usize;
    let mut panel = Panel {
        first_month,
        stocks: vec![[0; STATES]; n],
        active: vec![[0; STATES]; n],
        moves: vec![[[0; STATES]; STATES]; n],
        arrivals: vec![[0; STATES]; n],
    };
    for person in &population.people {
        walk(person, first_month, last_month, &settings, &mut panel);
    }
    Ok(panel)
}

fn first_event(person: &Person) -> Option<Day> {
    let contact = person.contacts.iter().find(|c| c.bedded_down).map(|c| c.day);
    let stay = person.stays.iter().filter(|s| State::of_stay(s.kind).is_some()).map(|s| s.arrival).min();
    match (contact, stay) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// One person's months, added to the panel.
fn walk(person: &Person, first_month: i32, last_month: i32, settings: &Settings, panel: &mut Panel) {
    let Some(start) = first_event(person) else { return };
    let died = person
        .stays
        .iter()
        .filter(|s| s.reason == Some(DepartureReason::Deceased))
        .filter_map(|s| s.departure)
        .min()
        .map(month_of_day);
    let min_contacts = settings.chain.living_on_streets_min_contacts;
    let min_span = settings.chain.living_on_streets_min_span_days as i32;
    let first_bedded = person.first_bedded();
    let last_contact = person.contacts.last().map(|c| c.day);
    let bedded: Vec<Day> = person.contacts.iter().filter(|c| c.bedded_down).map(|c| c.day).collect();
    let mut next_bedded = 0;
    let mut previous: Option<State> = None;
    let mut last_active_month = month_of_day(start);
    for month in month_of_day(start).max(first_month)..=last_month {
        let k = (month - first_month) as usize;
        let (from, to) = month_bounds(month);
        let state = if died.is_some_and(|d| month > d) {
            State::Gone
        } else {
            while next_bedded < bedded.len() && bedded[next_bedded] < from {
                next_bedded += 1;
            }
            let in_month = bedded[next_bedded..].iter().take_while(|d| **d <= to);
            let (mut days, mut first, mut last) = (0u32, Day::MAX, Day::MIN);
            for d in in_month {
                if *d != last {
                    days += 1;
                }
                first = first.min(*d);
                last = *d;
            }
            if days > 0 {
                last_active_month = month;
                if first_bedded.is_some_and(|f| f >= from) {
                    State::New
                } else if days >= min_contacts && last - first >= min_span {
                    State::LivingOnStreets
                } else {
                    State::Intermittent
                }
            } else if let Some(state) = stay_at(&person.stays, to) {
                last_active_month = month;
                state
            } else {
                State::away(month - last_active_month)
            }
        };
        let s = state.index();
        if state != State::Gone {
            panel.stocks[k][s] += 1;
            // Active needs a contact within the inactivity window: after that, nobody is.
            let may_be_active = last_contact.is_some_and(|c| from <= c + settings.bfz.inactivity_days as i32);
            if may_be_active && status(person, to, settings) == Status::Active {
                panel.active[k][s] += 1;
            }
        }
        match previous {
            Some(p) => panel.moves[k][p.index()][s] += 1,
            None => panel.arrivals[k][s] += 1,
        }
        if state == State::Gone {
            break;
        }
        previous = Some(state);
    }
}

/// The state of the stay ongoing at the end of `day`, the latest arrival first.
fn stay_at(stays: &[Stay], day: Day) -> Option<State> {
    stays
        .iter()
        .rev()
        .filter(|s| s.arrival <= day && s.departure.is_none_or(|d| d > day))
        .find_map(|s| State::of_stay(s.kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::{PeriodUnit, series};
    use crate::timeline::{Contact, Stay};
    use time::macros::date;

    fn seen(on: Date) -> Contact {
        Contact { day: day(on), bedded_down: true, street_count: false, area: 0, organisation: 0 }
    }

    fn population(people: Vec<Person>) -> Population {
        Population {
            people,
            areas: vec!["Westminster".into()],
            organisations: vec!["Team".into()],
            ..Population::default()
        }
    }

    fn state_in(panel: &Panel, month: usize) -> Vec<State> {
        State::ALL.iter().copied().filter(|s| panel.stocks[month][s.index()] > 0).collect()
    }

    #[test]
    fn a_person_moves_from_the_street_into_a_hotel_then_a_hostel_then_away() {
        let mut p = Person::new(1);
        p.contacts = vec![seen(date!(2023 - 01 - 05)), seen(date!(2023 - 02 - 03))];
        p.stays = vec![
            Stay {
                kind: StayType::Hotel,
                arrival: day(date!(2023 - 02 - 10)),
                departure: Some(day(date!(2023 - 04 - 02))),
                reason: Some(DepartureReason::PlannedMoveOn),
            },
            Stay {
                kind: StayType::Hostel,
                arrival: day(date!(2023 - 04 - 02)),
                departure: Some(day(date!(2023 - 05 - 20))),
                reason: Some(DepartureReason::Abandoned),
            },
        ];
        // Someone else seen in July: the data runs to July.
        let mut q = Person::new(2);
        q.contacts = vec![seen(date!(2023 - 07 - 05))];
        let panel = panel(&population(vec![p, q]), None, &Settings::default(), date!(2024 - 01 - 01)).unwrap();
        assert_eq!(panel.label(0), "2023-01");
        assert_eq!(panel.months(), 7);
        let states: Vec<Vec<State>> = (0..6).map(|k| state_in(&panel, k)).collect();
        assert_eq!(states[0], [State::New]);
        assert_eq!(states[1], [State::Intermittent], "seen on the street in February, the street counts first");
        assert_eq!(states[2], [State::Hotel]);
        assert_eq!(states[3], [State::LongTerm]);
        assert_eq!(states[4], [State::Away1], "left the hostel in May: one month since April");
        assert_eq!(states[5], [State::Away2]);
        assert_eq!(panel.arrivals[0][State::New.index()], 1);
        assert_eq!(panel.moves[2][State::Intermittent.index()][State::Hotel.index()], 1);
        assert_eq!(panel.moves[3][State::Hotel.index()][State::LongTerm.index()], 1);
    }

    #[test]
    fn new_intermittent_and_living_on_the_streets_add_up_to_the_chain_series() {
        // Nine people over two years with a mix of patterns.
        let mut people = Vec::new();
        for id in 0..9i64 {
            let mut p = Person::new(id);
            let mut d = day(date!(2022 - 01 - 03)) + (id as Day) * 17;
            while d < day(date!(2023 - 12 - 20)) {
                p.contacts.push(Contact { day: d, bedded_down: true, street_count: false, area: 0, organisation: 0 });
                d += 1 + (id as Day % 4) * 9 + if d % 5 == 0 { 80 } else { 0 };
            }
            people.push(p);
        }
        let pop = population(people);
        let settings = Settings::default();
        let today = date!(2024 - 02 - 01);
        let panel = panel(&pop, None, &settings, today).unwrap();
        let total = series(&pop, "chain.total", PeriodUnit::Month, None, &settings, today).unwrap();
        let los = series(&pop, "chain.living_on_streets", PeriodUnit::Month, None, &settings, today).unwrap();
        let new = series(&pop, "chain.new", PeriodUnit::Month, None, &settings, today).unwrap();
        let active = series(&pop, "bfz.active", PeriodUnit::Month, None, &settings, today).unwrap();
        assert_eq!(total.first, panel.first_month);
        assert_eq!(total.values.len(), panel.months());
        assert!(los.values.iter().sum::<f64>() > 0.0, "some months meet the living-on-the-streets rule");
        for k in 0..panel.months() {
            let stock = &panel.stocks[k];
            assert_eq!(f64::from(panel.on_street(k)), total.values[k], "total in {}", panel.label(k));
            assert_eq!(f64::from(stock[State::LivingOnStreets.index()]), los.values[k]);
            assert_eq!(f64::from(stock[State::New.index()]), new.values[k]);
            assert_eq!(
                f64::from(panel.active[k].iter().sum::<u32>()),
                active.values[k],
                "active in {}",
                panel.label(k)
            );
            // Everyone is somewhere: stocks are last month's stocks moved, plus arrivals.
            let arrived: u32 = panel.arrivals[k].iter().sum();
            let before: u32 = if k == 0 { 0 } else { panel.stocks[k - 1].iter().sum() };
            assert_eq!(stock.iter().sum::<u32>(), before + arrived);
        }
    }

    #[test]
    fn a_death_takes_a_person_out_of_every_later_month() {
        let mut p = Person::new(1);
        p.contacts = vec![seen(date!(2023 - 01 - 05))];
        p.stays = vec![Stay {
            kind: StayType::Hospital,
            arrival: day(date!(2023 - 02 - 01)),
            departure: Some(day(date!(2023 - 02 - 20))),
            reason: Some(DepartureReason::Deceased),
        }];
        let mut q = Person::new(2);
        q.contacts = vec![seen(date!(2023 - 06 - 05))];
        let panel = panel(&population(vec![p, q]), None, &Settings::default(), date!(2023 - 08 - 01)).unwrap();
        assert_eq!(panel.stocks[1][State::Institution.index()], 0, "left hospital on 20 February, deceased");
        assert_eq!(panel.stocks[1][State::Away1.index()], 1, "February: not yet gone");
        assert_eq!(panel.moves[2][State::Away1.index()][State::Gone.index()], 1);
        assert_eq!(panel.stocks[5].iter().sum::<u32>(), 1, "only the other person is left in June");
    }
}
