//! What the statistics are computed from: each person's dated events, as the
//! linkage currently joins their records. Days are Julian day numbers, so a
//! period test is two integer comparisons; the store sorts the events.

use byname_domain::codes::{DepartureReason, Gender, StayType};
use byname_domain::date::DateOfBirth;
use byname_domain::nationality::NationalityGroup;
use time::Date;

/// A Julian day number (`time::Date::to_julian_day`).
pub type Day = i32;

pub fn day(date: Date) -> Day {
    date.to_julian_day()
}

pub fn date(day: Day) -> Date {
    Date::from_julian_day(day).expect("a day made from a date")
}

/// A contact with a person. Only bedded-down contacts make someone "seen rough sleeping".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contact {
    pub day: Day,
    pub bedded_down: bool,
    /// A street count's bedded-down contact: counts for the single night.
    pub street_count: bool,
    /// Index into [`Population::areas`] (the borough).
    pub area: u16,
    /// Index into [`Population::organisations`] (the team or service).
    pub organisation: u16,
}

/// An accommodation or institution episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stay {
    pub kind: StayType,
    pub arrival: Day,
    /// `None` while ongoing.
    pub departure: Option<Day>,
    pub reason: Option<DepartureReason>,
}

impl Stay {
    /// Somewhere to live, not an institution or a journey home.
    pub fn is_accommodation(&self) -> bool {
        !self.kind.is_institution() && self.kind != StayType::Reconnection
    }
}

/// Support needs as bits, in `SupportNeed` order.
pub const NEED_ALCOHOL: u8 = 1;
pub const NEED_DRUGS: u8 = 2;
pub const NEED_MENTAL_HEALTH: u8 = 4;
pub const NEED_PHYSICAL_HEALTH: u8 = 8;
pub const NEED_LEARNING_DISABILITY: u8 = 16;

/// One person: the events of all their linked records.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: i64,
    /// Sorted by day.
    pub contacts: Vec<Contact>,
    /// Sorted by arrival.
    pub stays: Vec<Stay>,
    pub nationality_group: NationalityGroup,
    pub date_of_birth: Option<DateOfBirth>,
    pub gender: Option<Gender>,
    /// Bits of `NEED_*`, from any record or assessment.
    pub needs: u8,
    /// Bits in `History` order: prison, care, armed forces, asylum support.
    pub history: u8,
}

impl Person {
    /// A person with no events and nothing recorded, for building timelines.
    pub fn new(id: i64) -> Self {
        Self {
            id,
            contacts: Vec::new(),
            stays: Vec::new(),
            nationality_group: NationalityGroup::NotKnown,
            date_of_birth: None,
            gender: None,
            needs: 0,
            history: 0,
        }
    }

    /// Bedded-down contacts from `from` to `to` inclusive.
    pub fn bedded_between(&self, from: Day, to: Day) -> impl Iterator<Item = &Contact> {
        let start = self.contacts.partition_point(|c| c.day < from);
        self.contacts[start..].iter().take_while(move |c| c.day <= to).filter(|c| c.bedded_down)
    }

    /// The first bedded-down contact's day, if any.
    pub fn first_bedded(&self) -> Option<Day> {
        self.contacts.iter().find(|c| c.bedded_down).map(|c| c.day)
    }

    /// The last bedded-down contact strictly before `day`.
    pub fn last_bedded_before(&self, day: Day) -> Option<Day> {
        let end = self.contacts.partition_point(|c| c.day < day);
        self.contacts[..end].iter().rev().find(|c| c.bedded_down).map(|c| c.day)
    }

    pub fn seen_between(&self, from: Day, to: Day) -> bool {
        self.bedded_between(from, to).next().is_some()
    }
}

/// Everyone, with the names behind the area and organisation indexes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Population {
    pub people: Vec<Person>,
    pub areas: Vec<String>,
    pub organisations: Vec<String>,
    /// Bedded-down street-count contacts with no record to link (nobody named): they count
    /// on their night, and in nothing that needs to know who was seen.
    pub unlinked: Vec<Contact>,
    /// The first day any event is known: before it, "never seen" only means "not recorded".
    pub history_starts: Option<Day>,
}
