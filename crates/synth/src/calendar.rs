//! Time in the simulation: days as Julian day numbers, and the factors that make each day busier
//! or quieter than the average: the summer peak and winter dip, the slow trend across years, and
//! the 2020 "Everyone In" lockdown, when almost everyone was taken off the street into hotels.
//! Also the two ways the exports write a date, which records' ids and the writers both use.

use std::fmt::Write as _;
use time::{Date, Month};

/// A day, as its Julian day number, so that day arithmetic is plain integer arithmetic.
pub type Day = i32;

pub fn day_of(date: Date) -> Day {
    date.to_julian_day()
}

pub fn date_of(day: Day) -> Date {
    Date::from_julian_day(day).expect("simulated days stay within the calendar")
}

pub fn day_from_calendar(year: i32, month: Month, day_of_month: u8) -> Day {
    day_of(Date::from_calendar_date(year, month, day_of_month).expect("a valid calendar date"))
}

/// The day the government asked councils to bring everyone in (26 March 2020).
pub fn everyone_in_start() -> Day {
    day_from_calendar(2020, Month::March, 26)
}

/// Per-day factors for the simulated period, computed once.
pub struct Calendar {
    pub first_day: Day,
    pub last_day: Day,
    arrival_factors: Vec<f64>,
    contact_factors: Vec<f64>,
}

impl Calendar {
    pub fn new(first_day: Day, last_day: Day) -> Calendar {
        let mut arrival_factors = Vec::new();
        let mut contact_factors = Vec::new();
        for day in first_day..=last_day {
            let date = date_of(day);
            let season = seasonal_factor(date);
            arrival_factors.push(season * trend_factor(date) * lockdown_arrival_factor(date));
            contact_factors.push(season.sqrt() * lockdown_contact_factor(date));
        }
        Calendar { first_day, last_day, arrival_factors, contact_factors }
    }

    fn index(&self, day: Day) -> usize {
        (day.clamp(self.first_day, self.last_day) - self.first_day) as usize
    }

    /// How many new people arrive on the street on this day, relative to an average day.
    pub fn arrival_factor(&self, day: Day) -> f64 {
        self.arrival_factors[self.index(day)]
    }

    /// How often outreach meets the people already on the street, relative to an average day.
    pub fn contact_factor(&self, day: Day) -> f64 {
        self.contact_factors[self.index(day)]
    }
}

/// Rough sleeping peaks in July and is lowest in January.
fn seasonal_factor(date: Date) -> f64 {
    let day_of_year = f64::from(date.ordinal());
    1.0 + 0.24 * ((day_of_year - 196.0) / 365.25 * std::f64::consts::TAU).cos()
}

/// The financial year a date falls in, named by the year it starts (2024 for 2024/25).
pub fn financial_year(date: Date) -> i32 {
    if date.month() >= Month::April { date.year() } else { date.year() - 1 }
}

/// A gentle multi-year trend: high in the mid 2010s, lower from 2017, rising again from 2024.
fn trend_factor(date: Date) -> f64 {
    match financial_year(date) {
        ..=2014 => 1.12,
        2015 => 1.10,
        2016 => 1.02,
        2017 => 0.93,
        2018 => 0.96,
        2019 => 0.98,
        2020..=2023 => 0.96,
        2024 => 1.06,
        _ => 1.10,
    }
}

fn lockdown_arrival_factor(date: Date) -> f64 {
    let on = |year, month, day| Date::from_calendar_date(year, month, day).expect("valid date");
    if date < on(2020, Month::March, 23) {
        1.0
    } else if date < on(2020, Month::July, 1) {
        0.5
    } else if date < on(2021, Month::July, 1) {
        0.95
    } else {
        1.0
    }
}

fn lockdown_contact_factor(date: Date) -> f64 {
    let on = |year, month, day| Date::from_calendar_date(year, month, day).expect("valid date");
    if date >= on(2020, Month::March, 23) && date < on(2020, Month::July, 1) { 0.5 } else { 1.0 }
}

/// The chance that someone new on the street in the Everyone In period is offered a hotel room
/// soon after outreach first meets them ("In for Good").
pub fn hotel_offer_probability(day: Day) -> f64 {
    let date = date_of(day);
    let on = |year, month, day| Date::from_calendar_date(year, month, day).expect("valid date");
    if date < on(2020, Month::March, 26) {
        0.0
    } else if date < on(2020, Month::July, 1) {
        0.5
    } else if date < on(2021, Month::April, 1) {
        0.1
    } else {
        0.0
    }
}

/// Night shelters open from December to February.
pub fn is_winter(day: Day) -> bool {
    matches!(date_of(day).month(), Month::December | Month::January | Month::February)
}

/// The winter a day belongs to, named by the year its December falls in.
pub fn winter_of(day: Day) -> i32 {
    let date = date_of(day);
    if date.month() == Month::December { date.year() } else { date.year() - 1 }
}

/// Whole years between a birth date and a day.
pub fn age_on(birth: Date, day: Day) -> i32 {
    let date = date_of(day);
    let mut age = date.year() - birth.year();
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// `YYYY-MM-DD`, as CHAIN, the street count and the health partner write dates.
pub fn iso_date(date: Date) -> String {
    let mut text = String::with_capacity(10);
    push_iso_date(&mut text, date);
    text
}

/// [`iso_date`] written onto the end of `text`.
pub fn push_iso_date(text: &mut String, date: Date) {
    let _ = write!(text, "{:04}-{:02}-{:02}", date.year(), u8::from(date.month()), date.day());
}

/// `DD/MM/YYYY`, as Inform writes dates.
pub fn uk_date(date: Date) -> String {
    format!("{:02}/{:02}/{:04}", date.day(), u8::from(date.month()), date.year())
}
