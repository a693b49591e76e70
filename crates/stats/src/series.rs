//! A metric's monthly or quarterly figures over the whole history, for forecasts.
//!
//! [`compute`](crate::compute) gives every figure of one period; a forecast needs a
//! few figures for every period since the data starts. Computing each period in turn
//! would walk everyone's events once per month; here each person's events are walked
//! once and dropped into the period they fall in. The definitions are those of
//! `compute`, and a test checks that the two agree.
//!
//! **Returners** (`chain.returner`) has no monthly definition in CHAIN, whose returner
//! is annual. Here it is: seen in the period, seen before, and not seen in the twelve
//! calendar months before the period starts (CHAIN's "seen before Y-1 but not in Y-1",
//! with the year before the period as Y-1).

use crate::compute::{Status, month_bounds, month_code, month_of_day, restrict_to_areas, status};
use crate::settings::Settings;
use crate::timeline::{Day, Population, day};
use time::Date;

/// The metrics a series can be made of, with what they count.
pub const SERIES_METRICS: [(&str, &str); 5] = [
    ("chain.total", "people seen rough sleeping"),
    ("chain.new", "people seen rough sleeping for the first time"),
    ("chain.living_on_streets", "people living on the streets"),
    ("chain.returner", "people seen again after twelve months or more unseen"),
    ("bfz.active", "people active on the by-name list at the period's end"),
];

/// Months or financial quarters (April to June is Q1, as CHAIN reports them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodUnit {
    Month,
    Quarter,
}

impl PeriodUnit {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "month" => Some(Self::Month),
            "quarter" => Some(Self::Quarter),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Month => "month",
            Self::Quarter => "quarter",
        }
    }

    /// Periods in a year: the season of a seasonal model.
    pub fn per_year(self) -> usize {
        match self {
            Self::Month => 12,
            Self::Quarter => 4,
        }
    }

    /// The period (a month index, or a financial quarter index) a month index falls in.
    fn of_month(self, month: i32) -> i32 {
        match self {
            Self::Month => month,
            Self::Quarter => (month - 3).div_euclid(3),
        }
    }

    /// The first and last month index of a period.
    pub fn months(self, period: i32) -> (i32, i32) {
        match self {
            Self::Month => (period, period),
            Self::Quarter => (period * 3 + 3, period * 3 + 5),
        }
    }

    /// `2024-06`, or `FY2024-Q1` (the forms `Period::parse` reads).
    pub fn label(self, period: i32) -> String {
        match self {
            Self::Month => month_code(period),
            Self::Quarter => format!("FY{}-Q{}", period.div_euclid(4), period.rem_euclid(4) + 1),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SeriesError {
    #[error("no metric {0:?} can be forecast; these can: {known}", known = known_metrics())]
    UnknownMetric(String),
    #[error("no area {0:?} in the data; the areas are: {1}")]
    UnknownArea(String, String),
    #[error("there is no history: nobody has been seen rough sleeping{0}")]
    NoHistory(String),
}

pub fn known_metrics() -> String {
    SERIES_METRICS.iter().map(|(id, _)| *id).collect::<Vec<_>>().join(", ")
}

/// A metric's value in every period from the first with data to the last complete one.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub metric: String,
    pub unit: PeriodUnit,
    /// The first period's index (see [`PeriodUnit::label`]).
    pub first: i32,
    pub values: Vec<f64>,
    /// Whether any contact at all (any person, any area) was recorded in each period: a period
    /// without one is a gap in the data, not a zero.
    pub recorded: Vec<bool>,
}

impl Series {
    pub fn label(&self, k: usize) -> String {
        self.unit.label(self.first + k as i32)
    }

    /// The label of the `step`th period after the last (1 is the next one).
    pub fn label_after(&self, step: usize) -> String {
        self.unit.label(self.first + (self.values.len() + step) as i32 - 1)
    }

    /// The first and last month index (year * 12 + month - 1) of the `k`th period.
    pub fn months(&self, k: usize) -> (i32, i32) {
        self.unit.months(self.first + k as i32)
    }
}

/// The series of `metric` by `unit`, for one area or (with `None`) the partnership's areas of
/// the settings. It runs from the period of the first bedded-down contact to the period of the
/// last contact, less a period that has not ended by `today`.
pub fn series(
    population: &Population,
    metric: &str,
    unit: PeriodUnit,
    area: Option<&str>,
    settings: &Settings,
    today: Date,
) -> Result<Series, SeriesError> {
    let Some(which) = SERIES_METRICS.iter().position(|(id, _)| *id == metric) else {
        return Err(SeriesError::UnknownMetric(metric.to_owned()));
    };
    // Gaps are judged on everything recorded, before any restriction to an area.
    let all_days = population.people.iter().flat_map(|p| p.contacts.iter().map(|c| c.day));
    let (mut first_day, mut last_day) = (Day::MAX, Day::MIN);
    for d in all_days.chain(population.unlinked.iter().map(|c| c.day)) {
        first_day = first_day.min(d);
        last_day = last_day.max(d);
    }
    let (restricted, settings) = in_area(population, area, settings)?;
    let population = restricted.as_ref().unwrap_or(population);
    let where_ = area.map(|a| format!(" in {a}")).unwrap_or_default();
    let first_seen = population.people.iter().filter_map(|p| p.first_bedded()).min();
    let (Some(first_seen), true) = (first_seen, first_day <= last_day) else {
        return Err(SeriesError::NoHistory(where_));
    };
    let first = unit.of_month(month_of_day(first_seen));
    let mut last = unit.of_month(month_of_day(last_day));
    let today_period = unit.of_month(month_of_day(day(today)));
    if last >= today_period {
        last = today_period - 1;
    }
    if last < first {
        return Err(SeriesError::NoHistory(format!("{where_} in a period that has ended")));
    }
    let n = (last - first + 1) as usize;
    let mut values = vec![0u64; n];
    let mut recorded = vec![false; n];
    for d in population.people.iter().flat_map(|p| p.contacts.iter().map(|c| c.day)) {
        mark(&mut recorded, unit.of_month(month_of_day(d)) - first);
    }
    for c in &population.unlinked {
        mark(&mut recorded, unit.of_month(month_of_day(c.day)) - first);
    }
    let slot = |period: i32| usize::try_from(period - first).ok().filter(|&k| k < n);
    let min_contacts = settings.chain.living_on_streets_min_contacts;
    let min_span = settings.chain.living_on_streets_min_span_days as i32;
    for person in &population.people {
        if metric == "bfz.active" {
            // Active only from the first contact to the inactivity window after the last.
            let (Some(a), Some(b)) = (person.contacts.first(), person.contacts.last()) else { continue };
            let from = unit.of_month(month_of_day(a.day)).max(first);
            let to = unit.of_month(month_of_day(b.day + settings.bfz.inactivity_days as i32)).min(last);
            for period in from..=to {
                let (_, end) = month_bounds(unit.months(period).1);
                if status(person, end, &settings) == Status::Active {
                    values[(period - first) as usize] += 1;
                }
            }
            continue;
        }
        // One walk over the bedded-down contacts, a period at a time.
        let mut current: Option<InPeriod> = None;
        let mut previous: Option<Day> = None;
        for contact in person.contacts.iter().filter(|c| c.bedded_down) {
            let period = unit.of_month(month_of_day(contact.day));
            match &mut current {
                Some(p) if p.period == period => {
                    if contact.day != p.last {
                        p.distinct_days += 1;
                    }
                    p.last = contact.day;
                }
                _ => {
                    if let Some(done) = current.take()
                        && let Some(k) = slot(done.period)
                    {
                        values[k] += u64::from(done.counts(which, unit, min_contacts, min_span));
                    }
                    current = Some(InPeriod {
                        period,
                        first: contact.day,
                        last: contact.day,
                        distinct_days: 1,
                        seen_before: previous,
                    });
                }
            }
            previous = Some(contact.day);
        }
        if let Some(done) = current
            && let Some(k) = slot(done.period)
        {
            values[k] += u64::from(done.counts(which, unit, min_contacts, min_span));
        }
    }
    Ok(Series {
        metric: metric.to_owned(),
        unit,
        first,
        values: values.into_iter().map(|v| v as f64).collect(),
        recorded,
    })
}

/// The settings for one area (or the partnership's, with `None`) and the population restricted
/// to them, when a restriction applies.
pub(crate) fn in_area(
    population: &Population,
    area: Option<&str>,
    settings: &Settings,
) -> Result<(Option<Population>, Settings), SeriesError> {
    let settings = match area {
        Some(name) => {
            let Some(found) = population.areas.iter().find(|a| a.eq_ignore_ascii_case(name)) else {
                return Err(SeriesError::UnknownArea(name.to_owned(), population.areas.join(", ")));
            };
            let mut settings = settings.clone();
            settings.chain.areas = vec![found.clone()];
            settings
        }
        None => settings.clone(),
    };
    Ok((restrict_to_areas(population, &settings), settings))
}

fn mark(recorded: &mut [bool], k: i32) {
    if let Some(slot) = usize::try_from(k).ok().and_then(|k| recorded.get_mut(k)) {
        *slot = true;
    }
}

/// One person's bedded-down contacts in one period.
struct InPeriod {
    period: i32,
    first: Day,
    last: Day,
    distinct_days: u32,
    /// The last bedded-down contact before the period.
    seen_before: Option<Day>,
}

impl InPeriod {
    /// Whether the person counts in the metric at `which` in [`SERIES_METRICS`].
    fn counts(&self, which: usize, unit: PeriodUnit, min_contacts: u32, min_span: i32) -> bool {
        match which {
            0 => true,
            1 => self.seen_before.is_none(),
            2 => self.distinct_days >= min_contacts && self.last - self.first >= min_span,
            3 => {
                let (first_month, _) = unit.months(self.period);
                self.seen_before.is_some_and(|d| month_of_day(d) < first_month - 12)
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Contact, Person, Stay};
    use byname_domain::codes::StayType;
    use time::macros::date;

    fn seen(on: Date, area: u16) -> Contact {
        Contact { day: day(on), bedded_down: true, street_count: false, area, organisation: 0 }
    }

    fn person(id: i64, dates: &[Date]) -> Person {
        let mut p = Person::new(id);
        p.contacts = dates.iter().map(|d| seen(*d, 0)).collect();
        p
    }

    fn population(people: Vec<Person>) -> Population {
        Population {
            people,
            areas: vec!["Westminster".into(), "Camden".into()],
            organisations: vec!["Team".into()],
            ..Population::default()
        }
    }

    fn values(population: &Population, metric: &str, unit: PeriodUnit, area: Option<&str>) -> Vec<f64> {
        series(population, metric, unit, area, &Settings::default(), date!(2025 - 01 - 15)).unwrap().values
    }

    #[test]
    fn people_are_counted_in_each_month_they_are_seen_and_new_only_in_their_first() {
        // A: January (twice) and March. B: February. C: January, then again in March 2024
        // after fourteen months unseen: a returner.
        let pop = population(vec![
            person(1, &[date!(2023 - 01 - 03), date!(2023 - 01 - 20), date!(2023 - 03 - 01)]),
            person(2, &[date!(2023 - 02 - 10)]),
            person(3, &[date!(2023 - 01 - 05), date!(2024 - 03 - 05)]),
        ]);
        let total = values(&pop, "chain.total", PeriodUnit::Month, None);
        assert_eq!(total.len(), 15, "January 2023 to March 2024");
        assert_eq!(&total[..3], &[2.0, 1.0, 1.0]);
        assert_eq!(total[3..14].iter().sum::<f64>(), 0.0);
        assert_eq!(total[14], 1.0);
        let new = values(&pop, "chain.new", PeriodUnit::Month, None);
        assert_eq!(&new[..3], &[2.0, 1.0, 0.0]);
        assert_eq!(new[14], 0.0);
        let returners = values(&pop, "chain.returner", PeriodUnit::Month, None);
        assert_eq!(returners.iter().sum::<f64>(), 1.0);
        assert_eq!(returners[14], 1.0, "seen again in March 2024 after a year and more unseen");
    }

    #[test]
    fn a_person_seen_again_within_twelve_months_is_not_a_returner() {
        let pop = population(vec![person(1, &[date!(2023 - 01 - 05), date!(2023 - 12 - 20)])]);
        assert_eq!(values(&pop, "chain.returner", PeriodUnit::Month, None).iter().sum::<f64>(), 0.0);
    }

    #[test]
    fn living_on_the_streets_needs_three_days_three_weeks_apart_in_the_period() {
        let pop = population(vec![
            // Three days over 22 days in June: living on the streets.
            person(1, &[date!(2023 - 06 - 01), date!(2023 - 06 - 10), date!(2023 - 06 - 23)]),
            // Three days in 10 days: not.
            person(2, &[date!(2023 - 06 - 01), date!(2023 - 06 - 05), date!(2023 - 06 - 11)]),
            // Across two months: not in either month, but in the quarter (FY2023-Q1).
            person(3, &[date!(2023 - 05 - 20), date!(2023 - 06 - 01), date!(2023 - 06 - 12)]),
        ]);
        let monthly = values(&pop, "chain.living_on_streets", PeriodUnit::Month, None);
        assert_eq!(&monthly[..2], &[0.0, 1.0], "May, June");
        let quarterly = series(
            &pop,
            "chain.living_on_streets",
            PeriodUnit::Quarter,
            None,
            &Settings::default(),
            date!(2025 - 01 - 15),
        )
        .unwrap();
        assert_eq!(quarterly.label(0), "FY2023-Q1");
        assert_eq!(quarterly.values[0], 2.0);
    }

    #[test]
    fn active_counts_people_seen_within_ninety_days_of_the_month_end_and_not_housed() {
        let mut housed = person(2, &[date!(2023 - 01 - 10)]);
        housed.stays.push(Stay {
            kind: StayType::SocialHousing,
            arrival: day(date!(2023 - 02 - 15)),
            departure: None,
            reason: None,
        });
        // The third person is seen in June, so the data runs to June.
        let pop = population(vec![person(1, &[date!(2023 - 01 - 10)]), housed, person(3, &[date!(2023 - 06 - 01)])]);
        let active = values(&pop, "bfz.active", PeriodUnit::Month, None);
        // January: both; February: only the first (the second was housed); March: the first
        // (79 days); April and May: nobody (110 days); June: the third.
        assert_eq!(active, vec![2.0, 1.0, 1.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn an_area_counts_only_its_contacts_and_an_unknown_area_is_named() {
        let mut p = person(1, &[date!(2023 - 01 - 10)]);
        p.contacts.push(seen(date!(2023 - 02 - 10), 1));
        let pop = population(vec![p]);
        // Camden's series starts when Camden's data does; "new" means new to Camden.
        assert_eq!(values(&pop, "chain.total", PeriodUnit::Month, Some("camden")), vec![1.0]);
        assert_eq!(values(&pop, "chain.new", PeriodUnit::Month, Some("Camden")), vec![1.0]);
        assert_eq!(values(&pop, "chain.total", PeriodUnit::Month, None), vec![1.0, 1.0]);
        let error =
            series(&pop, "chain.total", PeriodUnit::Month, Some("Soho"), &Settings::default(), date!(2025 - 01 - 01))
                .unwrap_err();
        assert_eq!(error.to_string(), "no area \"Soho\" in the data; the areas are: Westminster, Camden");
    }

    #[test]
    fn the_month_in_progress_is_left_out_and_gaps_are_marked() {
        let pop = population(vec![person(1, &[date!(2024 - 10 - 03), date!(2024 - 12 - 20), date!(2025 - 01 - 02)])]);
        let s =
            series(&pop, "chain.total", PeriodUnit::Month, None, &Settings::default(), date!(2025 - 01 - 15)).unwrap();
        assert_eq!(s.values, vec![1.0, 0.0, 1.0], "October to December; January has not ended");
        assert_eq!(s.recorded, vec![true, false, true], "nothing at all was recorded in November");
        assert_eq!(s.label_after(1), "2025-01");
    }

    #[test]
    fn an_unknown_metric_lists_the_known_ones() {
        let pop = population(vec![person(1, &[date!(2024 - 10 - 03)])]);
        let error = series(&pop, "chain.totl", PeriodUnit::Month, None, &Settings::default(), date!(2025 - 01 - 15))
            .unwrap_err();
        assert!(error.to_string().contains("chain.total, chain.new, chain.living_on_streets"), "{error}");
    }

    #[test]
    fn the_series_agrees_with_the_figures_of_each_month() {
        let mut people = Vec::new();
        for id in 0..60i64 {
            let mut dates = Vec::new();
            let mut d = date!(2022 - 01 - 01) + time::Duration::days(id * 7 % 300);
            for k in 0..(id % 9) {
                d += time::Duration::days(3 + (id * k) % 40);
                dates.push(d);
            }
            dates.sort();
            people.push(person(id + 1, &dates));
        }
        let pop = population(people);
        let today = date!(2024 - 06 - 15);
        for metric in ["chain.total", "chain.new", "chain.living_on_streets", "bfz.active"] {
            let s = series(&pop, metric, PeriodUnit::Month, None, &Settings::default(), today).unwrap();
            for k in 0..s.values.len() {
                let period = byname_domain::period::Period::parse(&s.label(k)).unwrap();
                let figures = match crate::compute(&pop, period, &Settings::default(), today) {
                    Ok(f) => f.metrics.get(metric).unwrap(),
                    Err(crate::StatsError::NoData { .. }) if metric == "bfz.active" => continue,
                    Err(crate::StatsError::NoData { .. }) => 0.0,
                    Err(e) => panic!("{e}"),
                };
                assert_eq!(s.values[k], figures, "{metric} in {}", s.label(k));
            }
        }
    }
}
