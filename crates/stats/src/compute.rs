//! The figures of a period, from every person's events: the CHAIN measures
//! (section 3 of DOMAIN.md), the Ending Rough Sleeping Data Framework
//! indicators (section 4), Built for Zero statuses and flows (section 5),
//! their breakdowns, outcomes and the monthly trend. One pass over the people
//! per group of measures; nothing here reads a clock or a file.

use crate::metrics::{Metrics, Unit};
use crate::settings::Settings;
use crate::timeline::{Day, Person, Population, Stay, date, day};
use byname_domain::age::{AgeBand, age_on};
use byname_domain::codes::{DepartureReason, History, StayType, SupportNeed};
use byname_domain::nationality::NationalityGroup;
use byname_domain::period::{Period, PeriodKind};
use std::collections::{BTreeMap, HashMap};
use time::{Date, Month};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StatsError {
    #[error("{period} is in the future: it starts after today ({today})")]
    Future { period: String, today: Date },
    #[error("{period} has no data: nobody was seen rough sleeping in it, and the data runs {coverage}")]
    NoData { period: String, coverage: String },
}

/// A problem with the data that a reader of the figures should know about.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub id: &'static str,
    pub message: String,
}

impl Finding {
    /// Whether the message states exact counts, which a public report must not print.
    pub fn states_counts(&self) -> bool {
        self.id == "bfz.invariant"
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub period: Period,
    /// The last day counted, when the data end before the period does (a period in
    /// progress): every figure runs from the period's start to this day.
    pub to: Option<Date>,
    /// The month the framework's monthly indicators (the headline `ers.*` ids) are for: the
    /// period's last month, or its last complete month when the period is cut; `None` when
    /// not one month of the period is complete, and they are for the days so far.
    pub indicator_month: Option<(i32, Month)>,
    pub metrics: Metrics,
    /// The night the single-night R1 counts: the latest street count of the period.
    pub single_night: Option<Date>,
    pub findings: Vec<Finding>,
}

impl Figures {
    /// The last day the figures count: the period's end, or the day the data end.
    pub fn end(&self) -> Date {
        self.to.unwrap_or(self.period.end())
    }

    /// How the figures' span is shown: `2024/25`, or for a period in progress
    /// `2026/27 to 30 November: 8 of 12 months`.
    pub fn label(&self) -> String {
        match self.to {
            None => self.period.label(),
            Some(to) => format!("{} to {}: {}", self.period.label(), day_month(to), extent(self.period, to)),
        }
    }

    /// The label for a column heading: `2024/25 Q1`, `2026/27 to 30 Nov`.
    pub fn short_label(&self) -> String {
        let label = self.period.label();
        let short = label.split(" (").next().unwrap_or(&label).to_owned();
        match self.to {
            None => short,
            Some(to) => format!("{short} to {} {}", to.day(), &to.month().to_string()[..3]),
        }
    }
}

/// `30 November`.
fn day_month(date: Date) -> String {
    format!("{} {}", date.day(), date.month())
}

fn plural(n: i64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// How much of `period` runs to `to`: `8 of 12 months`, `7 months and 23 days of 12 months`,
/// `6 of 31 days`.
fn extent(period: Period, to: Date) -> String {
    let first = month_index(period.start());
    let months = month_index(period.end()) - first + 1;
    let complete = (month_of_day(day(to) + 1) - first).max(0);
    let days = if month_of_day(day(to) + 1) == month_index(to) { i64::from(to.day()) } else { 0 };
    match period.kind() {
        PeriodKind::Range => {
            format!("{} of {}", (to - period.start()).whole_days() + 1, plural(period.n_days(), "day"))
        }
        PeriodKind::Month(..) => format!("{} of {}", to.day(), plural(period.n_days(), "day")),
        _ if days == 0 => format!("{complete} of {}", plural(i64::from(months), "month")),
        _ if complete == 0 => format!("{} of {}", plural(days, "day"), plural(i64::from(months), "month")),
        _ => format!(
            "{} and {} of {}",
            plural(i64::from(complete), "month"),
            plural(days, "day"),
            plural(i64::from(months), "month")
        ),
    }
}

/// The last day any contact is recorded (or `today`, when one is dated later): the day the data end.
pub fn data_ends(population: &Population, today: Date) -> Option<Date> {
    let last = population
        .people
        .iter()
        .filter_map(|p| p.contacts.last().map(|c| c.day))
        .chain(population.unlinked.iter().map(|c| c.day))
        .max()?;
    Some(date(last.min(day(today))))
}

/// The day `period` is reported to when the data end at `data_ends`: that day when the
/// period has begun by then and ends after it; `None` when the whole period is reported (or
/// it has no data at all, which [`compute`] refuses).
pub fn reported_to(period: Period, data_ends: Option<Date>) -> Option<Date> {
    data_ends.filter(|&end| period.start() <= end && end < period.end())
}

/// Like for like: the day `other` (the previous period, or the same period a year earlier)
/// is cut at when `period` is cut at `to`, so that both cover as long a stretch. Months are
/// moved as months (the last day of a month to the last day of a month), ranges by days.
pub fn same_length(period: Period, to: Date, other: Period) -> Date {
    let cut = match period.kind() {
        PeriodKind::Range => other.start() + (to - period.start()),
        _ => {
            let shift = month_index(period.start()) - month_index(other.start());
            let (year, month) = month_of_index(month_index(to) - shift);
            let month = Month::try_from(month).expect("1 to 12");
            let last = time::util::days_in_month(month, year);
            let month_end = month_of_day(day(to) + 1) != month_index(to);
            let d = if month_end { last } else { to.day().min(last) };
            Date::from_calendar_date(year, month, d).expect("a valid day")
        }
    };
    cut.clamp(other.start(), other.end())
}

/// The month `months` before the month of `date` (its first day).
pub fn month_start(year: i32, month: u8) -> Date {
    Date::from_calendar_date(year, Month::try_from(month).expect("1 to 12"), 1).expect("first of a month")
}

/// A month as an index (year * 12 + month - 1).
fn month_index(date: Date) -> i32 {
    date.year() * 12 + i32::from(u8::from(date.month())) - 1
}

/// The month index of a day, without building a calendar date: Howard Hinnant's
/// civil-from-days on the Julian day number.
pub(crate) fn month_of_day(day: Day) -> i32 {
    let z = day - 2_440_588 + 719_468; // days since 0000-03-01
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i32::from(month <= 2);
    year * 12 + month - 1
}

fn month_of_index(index: i32) -> (i32, u8) {
    (index.div_euclid(12), (index.rem_euclid(12) + 1) as u8)
}

pub(crate) fn month_bounds(index: i32) -> (Day, Day) {
    let (year, month) = month_of_index(index);
    let (next_year, next_month) = month_of_index(index + 1);
    (day(month_start(year, month)), day(month_start(next_year, next_month)) - 1)
}

pub fn month_code(index: i32) -> String {
    let (year, month) = month_of_index(index);
    format!("{year:04}-{month:02}")
}

/// The same day `months` calendar months earlier (the last day of the month when it has fewer days).
fn months_earlier(d: Day, months: u32) -> Day {
    let date = date(d);
    let index = month_index(date) - months as i32;
    let (year, month) = month_of_index(index);
    let last = time::util::days_in_month(Month::try_from(month).expect("1 to 12"), year);
    day(Date::from_calendar_date(year, Month::try_from(month).expect("1 to 12"), date.day().min(last)).expect("valid"))
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { 100.0 * part as f64 / whole as f64 }
}

fn median_and_mean(values: &mut [i64]) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    let median = if n % 2 == 1 { values[n / 2] as f64 } else { (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0 };
    let mean = values.iter().sum::<i64>() as f64 / n as f64;
    Some((median, mean))
}

/// The three needs CHAIN combines, as a code: `none`, `alcohol`, `alcohol_drugs`, ...
fn needs_combination(needs: u8) -> String {
    let parts: Vec<&str> = [(1u8, "alcohol"), (2, "drugs"), (4, "mental_health")]
        .iter()
        .filter(|(bit, _)| needs & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    if parts.is_empty() { "none".to_owned() } else { parts.join("_") }
}

const NEEDS_COMBINATIONS: [u8; 8] = [0, 1, 2, 4, 3, 5, 6, 7];
const TIMES_SEEN: [(&str, u32, u32); 5] =
    [("1", 1, 1), ("2_5", 2, 5), ("6_10", 6, 10), ("11_20", 11, 20), ("over_20", 21, u32::MAX)];

/// What one person did in the period, as the CHAIN measures need it.
struct InPeriod {
    contacts: u32,
    first: Day,
    last: Day,
    distinct_days: u32,
}

fn in_period(person: &Person, from: Day, to: Day) -> Option<InPeriod> {
    let mut seen: Option<InPeriod> = None;
    for contact in person.bedded_between(from, to) {
        match &mut seen {
            None => seen = Some(InPeriod { contacts: 1, first: contact.day, last: contact.day, distinct_days: 1 }),
            Some(s) => {
                s.contacts += 1;
                if contact.day != s.last {
                    s.distinct_days += 1;
                }
                s.last = contact.day;
            }
        }
    }
    seen
}

/// Keeps only the contacts in the partnership's areas, when the settings name them.
pub(crate) fn restrict_to_areas(population: &Population, settings: &Settings) -> Option<Population> {
    if settings.chain.areas.is_empty() {
        return None;
    }
    let wanted: Vec<bool> =
        population.areas.iter().map(|a| settings.chain.areas.iter().any(|w| w.eq_ignore_ascii_case(a))).collect();
    let mut restricted = population.clone();
    for person in &mut restricted.people {
        person.contacts.retain(|c| wanted.get(c.area as usize).copied().unwrap_or(false));
    }
    Some(restricted)
}

/// Computes every figure of `period`. `today` guards against periods in the future; a
/// period that has not ended by `today` is reported up to the day the data end.
pub fn compute(
    population: &Population,
    period: Period,
    settings: &Settings,
    today: Date,
) -> Result<Figures, StatsError> {
    let to = if period.end() >= today { reported_to(period, data_ends(population, today)) } else { None };
    compute_to(population, period, to, settings, today)
}

/// Computes every figure of `period` from its start to `to` (the whole period with `None`):
/// a period in progress, or one in which the data end. Month-by-month figures stop at the
/// last complete month, and a month after `to` is never given as a zero.
pub fn compute_to(
    population: &Population,
    period: Period,
    to: Option<Date>,
    settings: &Settings,
    today: Date,
) -> Result<Figures, StatsError> {
    if period.start() > today {
        return Err(StatsError::Future { period: period.to_string(), today });
    }
    let to = to.filter(|&to| period.start() <= to && to < period.end());
    let restricted = restrict_to_areas(population, settings);
    let population = restricted.as_ref().unwrap_or(population);
    let span = Span::new(period, to);
    let (from, to_day) = (span.from, span.to);
    let seen_in_period = population.people.iter().any(|p| p.seen_between(from, to_day));
    if !seen_in_period {
        let days: Vec<Day> = population.people.iter().flat_map(|p| p.contacts.iter().map(|c| c.day)).collect();
        let coverage = match (days.iter().min(), days.iter().max()) {
            (Some(&a), Some(&b)) => format!("from {} to {}", date(a), date(b)),
            _ => "nowhere: there are no contacts at all".to_owned(),
        };
        return Err(StatsError::NoData { period: period.to_string(), coverage });
    }
    let mut metrics = Metrics::default();
    let mut findings = Vec::new();
    let people = relevant(population, &span, settings);
    chain_measures(population, &people, &span, settings, &mut metrics);
    let single_night = ers_measures(population, &people, &span, settings, &mut metrics, &mut findings);
    bfz_measures(&people, &span, settings, &mut metrics, &mut findings);
    outcomes(&people, &span, &mut metrics);
    trend(population, &span, settings, &mut metrics);
    if let Some(start) = population.history_starts {
        let needed = months_earlier(from, settings.ers.new_lookback_months);
        if start > needed {
            findings.push(Finding {
                id: "history.short",
                message: format!(
                    "The data starts on {}: \"new\" means first seen since then, and P1 looks back less than {} months.",
                    date(start),
                    settings.ers.new_lookback_months
                ),
            });
        }
    }
    let indicator_month = span.last_complete.map(|m| {
        let (year, month) = month_of_index(m);
        (year, Month::try_from(month).expect("1 to 12"))
    });
    Ok(Figures { period, to, indicator_month, metrics, single_night, findings })
}

/// What a computation covers: the period from its first day to `to`, the day it is cut at
/// (its last day when it is whole), and its months.
struct Span {
    period: Period,
    from: Day,
    to: Day,
    first_month: i32,
    /// The month of `to`.
    last_month: i32,
    /// The last month of the span whose every day is counted, if any.
    last_complete: Option<i32>,
}

impl Span {
    fn new(period: Period, to: Option<Date>) -> Self {
        let to = day(to.unwrap_or(period.end()));
        let first_month = month_index(period.start());
        let last_month = month_of_day(to);
        let complete = month_of_day(to + 1) - 1;
        Self {
            period,
            from: day(period.start()),
            to,
            first_month,
            last_month,
            last_complete: (complete >= first_month).then_some(complete),
        }
    }

    /// The first and last counted day of month `m` of the span.
    fn month(&self, m: i32) -> (Day, Day) {
        let (from, to) = month_bounds(m);
        (from, to.min(self.to))
    }
}

/// The people whose events can change a figure of the period: a contact from the month
/// before the period, less the inactivity window, to its end (the by-name list looks back
/// that far; every other measure needs a contact in the period), or a stay that starts or
/// ends in it. Everyone else would only be counted as "not seen", so they are skipped.
fn relevant<'a>(population: &'a Population, span: &Span, settings: &Settings) -> Vec<&'a Person> {
    let (first_month, _) = month_bounds(span.first_month - 1);
    let from = first_month - settings.bfz.inactivity_days as i32 - 1;
    let (start, end) = (span.from, span.to);
    population
        .people
        .iter()
        .filter(|p| {
            let i = p.contacts.partition_point(|c| c.day < from);
            p.contacts.get(i).is_some_and(|c| c.day <= end)
                || p.stays.iter().any(|s| {
                    (start..=end).contains(&s.arrival) || s.departure.is_some_and(|d| (start..=end).contains(&d))
                })
        })
        .collect()
}

fn chain_measures(
    population: &Population,
    people: &[&Person],
    span: &Span,
    settings: &Settings,
    metrics: &mut Metrics,
) {
    let period = span.period;
    let (from, to) = (span.from, span.to);
    let min_contacts = settings.chain.living_on_streets_min_contacts;
    let min_span = settings.chain.living_on_streets_min_span_days as i32;
    let annual = matches!(period.kind(), PeriodKind::FinancialYear(_));
    let previous_year = period.previous();
    let (prev_from, prev_to) = (day(previous_year.start()), day(previous_year.end()));

    let (mut total, mut new, mut los, mut new_los, mut intermittent, mut new_once) =
        (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    let (mut flow, mut stock, mut returner) = (0u64, 0u64, 0u64);
    let mut times_seen = [0u64; 5];
    let mut quarters_seen = [0u64; 4];
    let mut by_nationality: BTreeMap<NationalityGroup, u64> = BTreeMap::new();
    let mut by_age: BTreeMap<AgeBand, u64> = BTreeMap::new();
    let mut by_sex: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut by_needs: HashMap<u8, u64> = HashMap::new();
    let mut by_need = [0u64; 5];
    let mut by_history = [0u64; 4];
    let mut by_organisation = vec![0u64; population.organisations.len()];
    let mut by_area = vec![0u64; population.areas.len()];
    let mut new_by_nationality: BTreeMap<NationalityGroup, u64> = BTreeMap::new();
    let mut organisation_stamps = vec![0u32; population.organisations.len()];
    let mut area_stamps = vec![0u32; population.areas.len()];
    let mut stamp = 0u32;

    for person in people.iter().copied() {
        let Some(seen) = in_period(person, from, to) else { continue };
        total += 1;
        let before = person.first_bedded().is_some_and(|first| first < from);
        let living = seen.distinct_days >= min_contacts && seen.last - seen.first >= min_span;
        if !before {
            new += 1;
            *new_by_nationality.entry(person.nationality_group).or_default() += 1;
            if seen.contacts == 1 {
                new_once += 1;
            }
        }
        if living {
            los += 1;
            if !before {
                new_los += 1;
            }
        } else if before {
            intermittent += 1;
        }
        if annual {
            if !before {
                flow += 1;
            } else if person.seen_between(prev_from, prev_to) {
                stock += 1;
            } else {
                returner += 1;
            }
            let mut quarters = [false; 4];
            for contact in person.bedded_between(from, to) {
                let months = month_of_day(contact.day) - month_index(period.start());
                quarters[(months / 3).clamp(0, 3) as usize] = true;
            }
            let n = quarters.iter().filter(|q| **q).count();
            quarters_seen[n - 1] += 1;
        }
        for (i, &(_, low, high)) in TIMES_SEEN.iter().enumerate() {
            if (low..=high).contains(&seen.contacts) {
                times_seen[i] += 1;
            }
        }
        *by_nationality.entry(person.nationality_group).or_default() += 1;
        let age = person.date_of_birth.and_then(|dob| age_on(dob, date(seen.first)));
        *by_age.entry(AgeBand::of_age(age)).or_default() += 1;
        *by_sex.entry(person.gender.map_or("not_known", |g| g.code())).or_default() += 1;
        *by_needs.entry(person.needs & 7).or_default() += 1;
        for (bit, count) in by_need.iter_mut().enumerate() {
            if person.needs & (1 << bit) != 0 {
                *count += 1;
            }
        }
        for (bit, count) in by_history.iter_mut().enumerate() {
            if person.history & (1 << bit) != 0 {
                *count += 1;
            }
        }
        // Each team and area that saw the person counts them once: stamps, not allocations.
        stamp += 1;
        for contact in person.bedded_between(from, to) {
            for (index, stamps, counts) in [
                (contact.organisation as usize, &mut organisation_stamps, &mut by_organisation),
                (contact.area as usize, &mut area_stamps, &mut by_area),
            ] {
                if index < stamps.len() && stamps[index] != stamp {
                    stamps[index] = stamp;
                    counts[index] += 1;
                }
            }
        }
    }

    metrics.count("chain.total", total);
    metrics.count("chain.new", new);
    metrics.count("chain.living_on_streets", los);
    metrics.count("chain.new_and_living_on_streets", new_los);
    metrics.count("chain.intermittent", intermittent);
    metrics.derived("chain.new_seen_once_pct", percent(new_once, new), Unit::Percent, "chain.new");
    if annual {
        metrics.count("chain.flow", flow);
        metrics.count("chain.stock", stock);
        metrics.count("chain.returner", returner);
        for (i, count) in quarters_seen.iter().enumerate() {
            metrics.count(format!("chain.total.by_quarters_seen.{}", i + 1), *count);
        }
    }
    for (i, (code, _, _)) in TIMES_SEEN.iter().enumerate() {
        metrics.count(format!("chain.total.by_times_seen.{code}"), times_seen[i]);
    }
    for group in NationalityGroup::ALL {
        metrics.count(
            format!("chain.total.by_nationality_group.{}", group.code()),
            by_nationality.get(&group).copied().unwrap_or(0),
        );
    }
    for group in NationalityGroup::ALL {
        metrics.count(
            format!("chain.new.by_nationality_group.{}", group.code()),
            new_by_nationality.get(&group).copied().unwrap_or(0),
        );
    }
    for band in AgeBand::ALL {
        metrics.count(format!("chain.total.by_age_band.{}", band.code()), by_age.get(&band).copied().unwrap_or(0));
    }
    for sex in ["male", "female", "other", "not_known"] {
        metrics.count(format!("chain.total.by_sex.{sex}"), by_sex.get(sex).copied().unwrap_or(0));
    }
    for combination in NEEDS_COMBINATIONS {
        metrics.count(
            format!("chain.total.by_support_need.{}", needs_combination(combination)),
            by_needs.get(&combination).copied().unwrap_or(0),
        );
    }
    for (bit, need) in SupportNeed::ALL.iter().enumerate() {
        metrics.count(format!("chain.total.by_need.{}", need.code()), by_need[bit]);
    }
    for (bit, history) in History::ALL.iter().enumerate() {
        metrics.count(format!("chain.total.by_history.{}", history.code()), by_history[bit]);
    }
    for (i, name) in population.organisations.iter().enumerate() {
        if by_organisation[i] > 0 {
            metrics.count(format!("chain.total.by_organisation.{name}"), by_organisation[i]);
        }
    }
    for (i, name) in population.areas.iter().enumerate() {
        if by_area[i] > 0 {
            metrics.count(format!("chain.total.by_area.{name}"), by_area[i]);
        }
    }
}

/// The framework's monthly indicators for each month of the period; the headline ids
/// carry the last complete month's figures (the days so far when no month is complete),
/// `.by_month.YYYY-MM` each complete month's. The single night is the period's latest
/// street count.
fn ers_measures(
    population: &Population,
    people: &[&Person],
    span: &Span,
    settings: &Settings,
    metrics: &mut Metrics,
    findings: &mut Vec<Finding>,
) -> Option<Date> {
    let first_month = span.first_month;
    let last_month = span.last_month;
    let window = settings.ers.long_term_window_months as i32;
    let per_100k = 100_000.0 / f64::from(settings.ers.population);
    let n_months = (last_month - first_month + 1) as usize;
    // One pass over each person's contacts from the start of the long-term window of the first
    // month to the period's end, instead of one search per person and month.
    let window_first = first_month - window + 1;
    let (scan_from, _) = month_bounds(window_first);
    let scan_to = span.to;
    // r1, p1, p2, b1, nr1, moved into accommodation, returned after accommodation, nights out
    let mut counts = vec![[0u64; 8]; n_months];
    let mut seen = vec![false; (last_month - window_first + 1) as usize];
    let mut first_in_month: Vec<Option<(Day, Option<Day>)>> = vec![None; n_months];
    let mut discharged = vec![false; n_months];
    let mut nights: Vec<BTreeMap<Day, u64>> = vec![BTreeMap::new(); n_months];
    for person in people.iter().copied() {
        seen.fill(false);
        first_in_month.fill(None);
        discharged.fill(false);
        let start = person.contacts.partition_point(|c| c.day < scan_from);
        let mut previous = person.contacts[..start].iter().rev().find(|c| c.bedded_down).map(|c| c.day);
        for contact in person.contacts[start..].iter().take_while(|c| c.day <= scan_to).filter(|c| c.bedded_down) {
            let m = month_of_day(contact.day);
            seen[(m - window_first) as usize] = true;
            if m >= first_month {
                let k = (m - first_month) as usize;
                if first_in_month[k].is_none() {
                    first_in_month[k] = Some((contact.day, previous));
                }
                if previous != Some(contact.day) {
                    counts[k][7] += 1; // a night known to be spent out
                }
                if !discharged[k] && left_institution(person, contact.day, settings) {
                    discharged[k] = true;
                }
                if contact.street_count {
                    *nights[k].entry(contact.day).or_default() += 1;
                }
            }
            previous = Some(contact.day);
        }
        let first_bedded = person.first_bedded();
        for (k, count) in counts.iter_mut().enumerate() {
            let (from, to) = span.month(first_month + k as i32);
            let moved = person.stays.iter().any(|s| {
                s.is_accommodation() && (from..=to).contains(&s.arrival) && first_bedded.is_some_and(|f| f < s.arrival)
            });
            if moved {
                count[5] += 1;
            }
            let Some((first, previous)) = first_in_month[k] else { continue };
            count[0] += 1;
            if previous.is_none_or(|p| p < months_earlier(first, settings.ers.new_lookback_months)) {
                count[1] += 1;
            }
            if discharged[k] {
                count[2] += 1;
            }
            let end = first_month - window_first + k as i32;
            let months_seen = seen[(end - window + 1) as usize..=end as usize].iter().filter(|s| **s).count() as u32;
            if months_seen >= settings.ers.long_term_months_seen {
                count[3] += 1;
            }
            if let Some(previous) = previous {
                let gap = first - previous > settings.ers.returning_gap_days as i32;
                let housed_between =
                    person.stays.iter().any(|s| s.is_accommodation() && s.arrival > previous && s.arrival <= first);
                if gap || housed_between {
                    count[4] += 1;
                }
                if housed_between {
                    count[6] += 1;
                }
            }
        }
    }
    // Each month's street count night: the night with the most street-count contacts.
    // (month, its counts, its street count's night and the people seen that night)
    type MonthFigures = (i32, [u64; 8], Option<(Day, u64)>);
    let mut monthly: Vec<MonthFigures> = Vec::new();
    for (k, count) in counts.into_iter().enumerate() {
        let m = first_month + k as i32;
        let (from, to) = span.month(m);
        let mut month_nights = std::mem::take(&mut nights[k]);
        for contact in
            population.unlinked.iter().filter(|c| c.street_count && c.bedded_down && (from..=to).contains(&c.day))
        {
            *month_nights.entry(contact.day).or_default() += 1;
        }
        let night =
            month_nights.into_iter().max_by_key(|&(night, n)| (n, std::cmp::Reverse(night))).map(|(night, _)| night);
        let night_count = night.map(|n| {
            let named = people.iter().filter(|p| p.seen_between(n, n)).count();
            let unnamed = population.unlinked.iter().filter(|c| c.day == n && c.bedded_down).count();
            (n, (named + unnamed) as u64)
        });
        monthly.push((m, count, night_count));
    }
    // The headline month: the last complete one, or the days so far when none is complete.
    let headline = span.last_complete.map_or(0, |m| (m - first_month) as usize);
    let (headline_month, last, _) = monthly[headline];
    let complete = &monthly[..span.last_complete.map_or(0, |m| (m - first_month + 1) as usize)];
    metrics.count("ers.r1_over_month", last[0]);
    metrics.derived("ers.r1_over_month_per_100k", last[0] as f64 * per_100k, Unit::Rate, "ers.r1_over_month");
    // The single night: the period's latest street count (a year has its autumn count).
    let latest_night = monthly.iter().rev().find_map(|(_, _, night)| *night);
    let month_name = |m: i32| {
        let (year, month) = month_of_index(m);
        format!("{} {year}", Month::try_from(month).expect("1 to 12"))
    };
    match latest_night {
        Some((night, n)) => {
            metrics.count("ers.r1_single_night", n);
            metrics.derived("ers.r1_single_night_per_100k", n as f64 * per_100k, Unit::Rate, "ers.r1_single_night");
            if month_of_day(night) != headline_month {
                findings.push(Finding {
                    id: "ers.r1_single_night",
                    message: format!(
                        "There was no street count in {}, so that month's single night is not known; the single \
                         night given is the period's street count of {}.",
                        month_name(headline_month),
                        date(night)
                    ),
                });
            }
        }
        None => findings.push(Finding {
            id: "ers.r1_single_night",
            message: format!(
                "There was no street count from {} to {}: the single-night figure is not given.",
                date(span.from),
                date(span.to)
            ),
        }),
    }
    let ids = [
        "ers.p1_new",
        "ers.p2_left_institution",
        "ers.b1_long_term",
        "ers.nr1_returning",
        "ers.moved_into_accommodation",
        "ers.returned_after_accommodation",
        "ers.nights_out",
    ];
    for (k, id) in ids.iter().enumerate() {
        metrics.count(*id, last[k + 1]);
    }
    // Month by month, complete months only: a month that has not ended is never a figure.
    for (m, counts, night) in complete {
        let code = month_code(*m);
        metrics.count(format!("ers.r1_over_month.by_month.{code}"), counts[0]);
        if let Some((_, n)) = night {
            metrics.count(format!("ers.r1_single_night.by_month.{code}"), *n);
        }
        for (k, id) in ids.iter().enumerate() {
            metrics.count(format!("{id}.by_month.{code}"), counts[k + 1]);
        }
    }
    // Days from first seen to long-term accommodation, for moves in the period.
    let (from, to) = (span.from, span.to);
    let mut days: Vec<i64> = Vec::new();
    for person in people.iter().copied() {
        let Some(first) = person.first_bedded() else { continue };
        if let Some(stay) = person.stays.iter().find(|s| s.kind.is_long_term() && s.arrival > first)
            && (from..=to).contains(&stay.arrival)
        {
            days.push(i64::from(stay.arrival - first));
        }
    }
    let moves = days.len() as u64;
    metrics.count("ers.days_to_long_term_accommodation.people", moves);
    if let Some((median, mean)) = median_and_mean(&mut days) {
        let from = "ers.days_to_long_term_accommodation.people";
        metrics.derived("ers.days_to_long_term_accommodation.median", median, Unit::Days, from);
        metrics.derived("ers.days_to_long_term_accommodation.mean", mean, Unit::Days, from);
    }
    latest_night.map(|(night, _)| date(night))
}

fn left_institution(person: &Person, sighting: Day, settings: &Settings) -> bool {
    let window = settings.ers.left_institution_days as i32;
    person
        .stays
        .iter()
        .any(|s| s.kind.is_institution() && s.departure.is_some_and(|d| d <= sighting && sighting - d <= window))
}

/// A person's Built for Zero status (DOMAIN.md section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not yet met.
    Unknown,
    Active,
    Housed,
    Inactive,
}

/// A person's Built for Zero status at the end of `day`.
pub fn status(person: &Person, day: Day, settings: &Settings) -> Status {
    let end = person.contacts.partition_point(|c| c.day <= day);
    let Some(last) = person.contacts[..end].last().map(|c| c.day) else { return Status::Unknown };
    let after_last = |s: &&Stay| s.arrival > last && s.arrival <= day;
    let ongoing = |s: &Stay| s.departure.is_none_or(|d| d > day);
    if person.stays.iter().any(|s| s.reason == Some(DepartureReason::Deceased) && s.departure.is_some_and(|d| d <= day))
    {
        return Status::Inactive;
    }
    if person.stays.iter().filter(after_last).any(|s| s.kind.is_long_term() && ongoing(s)) {
        return Status::Housed;
    }
    if person.stays.iter().filter(after_last).any(|s| s.kind == StayType::Reconnection) {
        return Status::Inactive;
    }
    let long_institution = person
        .stays
        .iter()
        .filter(after_last)
        .any(|s| s.kind.is_institution() && ongoing(s) && day - s.arrival > settings.bfz.institution_days as i32);
    if long_institution || day - last >= settings.bfz.inactivity_days as i32 {
        return Status::Inactive;
    }
    Status::Active
}

fn bfz_measures(
    people: &[&Person],
    span: &Span,
    settings: &Settings,
    metrics: &mut Metrics,
    findings: &mut Vec<Finding>,
) {
    let first_month = span.first_month;
    let last_month = span.last_month;
    let n_months = (last_month - first_month + 1) as usize;
    // Each person's status at the end of the month before the period and of each month in it
    // (the last day of data for a month cut short), computed once; flows are the changes
    // between consecutive ends. Only complete months are given month by month.
    let ends: Vec<Day> = (first_month - 1..=last_month).map(|m| month_bounds(m).1.min(span.to)).collect();
    let mut statuses = vec![Status::Unknown; ends.len()];
    let mut actives = vec![0u64; ends.len()];
    // newly identified, returned from housing, returned from inactive, housed, moved to inactive
    let mut flows = vec![[0u64; 5]; n_months];
    let mut housing_days: Vec<i64> = Vec::new();
    for person in people.iter().copied() {
        for (status_at, &end) in statuses.iter_mut().zip(&ends) {
            *status_at = status(person, end, settings);
        }
        for (i, status_at) in statuses.iter().enumerate() {
            if *status_at == Status::Active {
                actives[i] += 1;
            }
        }
        for k in 0..n_months {
            let flow = &mut flows[k];
            match (statuses[k], statuses[k + 1]) {
                (Status::Unknown, Status::Active) => flow[0] += 1,
                (Status::Housed, Status::Active) => flow[1] += 1,
                (Status::Inactive, Status::Active) => flow[2] += 1,
                (Status::Active, Status::Housed) => {
                    flow[3] += 1;
                    let end = ends[k + 1];
                    let identified = person.contacts.first().map(|c| c.day).unwrap_or(end);
                    let housed = person
                        .stays
                        .iter()
                        .filter(|s| s.kind.is_long_term() && s.arrival <= end)
                        .map(|s| s.arrival)
                        .max();
                    if let Some(housed) = housed {
                        housing_days.push(i64::from(housed - identified));
                    }
                }
                (Status::Active, Status::Inactive) => flow[4] += 1,
                _ => {}
            }
        }
    }
    let mut totals = [0u64; 5];
    for (k, flow) in flows.iter().enumerate() {
        let m = first_month + k as i32;
        let (before, active) = (actives[k], actives[k + 1]);
        let (inflow, outflow) = (flow[0] + flow[1] + flow[2], flow[3] + flow[4]);
        let complete = span.last_complete.is_some_and(|last| m <= last);
        let when = if complete { month_code(m) } else { format!("{} to {}", month_code(m), date(span.to)) };
        if before as i64 + inflow as i64 - outflow as i64 != active as i64 {
            findings.push(Finding {
                id: "bfz.invariant",
                message: format!(
                    "Built for Zero, {when}: active ({active}) is not last month's active ({before}) plus inflow ({inflow}) minus outflow ({outflow})."
                ),
            });
        }
        for (i, total) in totals.iter_mut().enumerate() {
            *total += flow[i];
        }
        if !complete {
            continue;
        }
        let code = month_code(m);
        metrics.count(format!("bfz.active.by_month.{code}"), active);
        for (i, id) in BFZ_FLOWS.iter().enumerate() {
            metrics.count(format!("{id}.by_month.{code}"), flow[i]);
        }
    }
    let active_at_end = actives[n_months];
    metrics.count("bfz.active", active_at_end);
    for (k, id) in BFZ_FLOWS.iter().enumerate() {
        metrics.count(*id, totals[k]);
    }
    if let Some((median, mean)) = median_and_mean(&mut housing_days) {
        metrics.derived("bfz.time_to_housing.median_days", median, Unit::Days, "bfz.housed");
        metrics.derived("bfz.time_to_housing.mean_days", mean, Unit::Days, "bfz.housed");
    }
}

const BFZ_FLOWS: [&str; 5] = [
    "bfz.newly_identified",
    "bfz.returned_from_housing",
    "bfz.returned_from_inactive",
    "bfz.housed",
    "bfz.moved_to_inactive",
];

fn outcomes(people: &[&Person], span: &Span, metrics: &mut Metrics) {
    let (from, to) = (span.from, span.to);
    let mut arrivals: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut departures: BTreeMap<&'static str, u64> = BTreeMap::new();
    for person in people.iter().copied() {
        for stay in &person.stays {
            if (from..=to).contains(&stay.arrival) {
                *arrivals.entry(stay.kind.code()).or_default() += 1;
            }
            if let Some(departure) = stay.departure
                && (from..=to).contains(&departure)
            {
                *departures.entry(stay.reason.map_or("not_recorded", |r| r.code())).or_default() += 1;
            }
        }
    }
    for kind in StayType::ALL {
        metrics.count(
            format!("outcomes.arrivals.by_stay_type.{}", kind.code()),
            arrivals.get(kind.code()).copied().unwrap_or(0),
        );
    }
    for reason in DepartureReason::ALL.iter().map(|r| r.code()).chain(["not_recorded"]) {
        metrics.count(format!("outcomes.departures.by_reason.{reason}"), departures.get(reason).copied().unwrap_or(0));
    }
}

/// People seen in each month of the trend window that ends with the period's last complete
/// month (the month before a month in progress).
fn trend(population: &Population, span: &Span, settings: &Settings, metrics: &mut Metrics) {
    let last = span.last_complete.unwrap_or(span.first_month - 1);
    let first = last - settings.chain.trend_months as i32 + 1;
    let (from, _) = month_bounds(first);
    let (_, to) = month_bounds(last);
    let mut counts = vec![0u64; settings.chain.trend_months as usize];
    for person in &population.people {
        let mut previous = i32::MIN;
        for contact in person.bedded_between(from, to) {
            let m = month_of_day(contact.day);
            if m != previous {
                counts[(m - first) as usize] += 1;
                previous = m;
            }
        }
    }
    for (i, count) in counts.iter().enumerate() {
        metrics.count(format!("chain.total.by_month.{}", month_code(first + i as i32)), *count);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_month_of_a_day_agrees_with_the_calendar() {
        let mut date = time::macros::date!(1899 - 12 - 25);
        while date < time::macros::date!(2101 - 01 - 10) {
            assert_eq!(month_of_day(day(date)), month_index(date), "{date}");
            date = date.next_day().unwrap();
        }
    }
}
