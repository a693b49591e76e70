//! Golden tests: small hand-built timelines, one person a line, where each
//! definition's boundary is checked. Every expected number can be counted by
//! hand from the lines above it.

use byname_domain::codes::{DepartureReason, StayType};
use byname_domain::nationality::NationalityGroup;
use byname_domain::period::Period;
use byname_stats::timeline::{Contact, Person, Population, Stay, day};
use byname_stats::{Settings, StatsError, compute};
use time::Date;
use time::macros::date;

fn d(text: &str) -> Date {
    byname_domain::date::parse_iso_date(text).unwrap()
}

/// A person seen bedded down on each date, in area 0, by organisation 0.
fn seen(id: i64, dates: &[&str]) -> Person {
    let mut person = Person::new(id);
    person.contacts = dates
        .iter()
        .map(|t| Contact { day: day(d(t)), bedded_down: true, street_count: false, area: 0, organisation: 0 })
        .collect();
    person.contacts.sort_by_key(|c| c.day);
    person
}

fn stay(kind: StayType, arrival: &str, departure: Option<&str>, reason: Option<DepartureReason>) -> Stay {
    Stay { kind, arrival: day(d(arrival)), departure: departure.map(|t| day(d(t))), reason }
}

fn population(people: Vec<Person>) -> Population {
    Population {
        people,
        areas: vec!["Westminster".into(), "Camden".into()],
        organisations: vec!["Outreach".into()],
        ..Population::default()
    }
}

fn figures(people: Vec<Person>, period: &str) -> byname_stats::Metrics {
    compute(&population(people), Period::parse(period).unwrap(), &Settings::default(), date!(2026 - 12 - 01))
        .unwrap()
        .metrics
}

fn get(metrics: &byname_stats::Metrics, id: &str) -> f64 {
    metrics.get(id).unwrap_or_else(|| panic!("no {id}"))
}

#[test]
fn living_on_the_streets_needs_three_days_twenty_one_days_apart() {
    let m = figures(
        vec![
            seen(1, &["2024-04-01", "2024-04-11", "2024-04-22"]), // 3 days, 21 days apart: living on the streets
            seen(2, &["2024-04-01", "2024-04-11", "2024-04-21"]), // 20 days apart: not
            seen(3, &["2024-04-01", "2024-04-01", "2024-05-15", "2024-05-15"]), // 2 distinct days: not
            seen(4, &["2024-03-30", "2024-04-05", "2024-04-20", "2024-05-30"]), // seen before; 3 days in Q1: living
        ],
        "FY2024-Q1",
    );
    assert_eq!(get(&m, "chain.total"), 4.0);
    assert_eq!(get(&m, "chain.new"), 3.0, "people 1, 2 and 3");
    assert_eq!(get(&m, "chain.living_on_streets"), 2.0, "people 1 and 4");
    assert_eq!(get(&m, "chain.new_and_living_on_streets"), 1.0, "person 1");
    assert_eq!(get(&m, "chain.intermittent"), 0.0, "person 4 was seen before but lives on the streets");
    // new + intermittent + (living on the streets and not new) = total
    assert_eq!(3.0 + 0.0 + (2.0 - 1.0), get(&m, "chain.total"));
    assert_eq!(get(&m, "chain.new_seen_once_pct"), 0.0, "nobody new was seen only once");
    assert_eq!(get(&m, "chain.total.by_times_seen.2_5"), 4.0);
    assert!(m.get("chain.flow").is_none(), "flow, stock and returner are annual measures");
}

#[test]
fn quarter_and_financial_year_edges_fall_on_the_right_side() {
    let people = vec![
        seen(1, &["2024-03-31"]),               // FY2023-Q4 only
        seen(2, &["2024-04-01"]),               // FY2024-Q1 only, new
        seen(3, &["2024-06-30", "2024-07-01"]), // Q1 (new) and Q2 (seen before)
        seen(4, &["2025-03-31"]),               // the last day of FY2024
    ];
    let q1 = figures(people.clone(), "FY2024-Q1");
    assert_eq!((get(&q1, "chain.total"), get(&q1, "chain.new")), (2.0, 2.0));
    assert_eq!(get(&q1, "chain.new_seen_once_pct"), 100.0);
    let q2 = figures(people.clone(), "FY2024-Q2");
    assert_eq!((get(&q2, "chain.total"), get(&q2, "chain.new"), get(&q2, "chain.intermittent")), (1.0, 0.0, 1.0));
    let year = figures(people, "FY2024");
    assert_eq!(get(&year, "chain.total"), 3.0, "people 2, 3 and 4");
    assert_eq!(get(&year, "chain.total.by_quarters_seen.1"), 2.0);
    assert_eq!(get(&year, "chain.total.by_quarters_seen.2"), 1.0, "person 3, in Q1 and Q2");
}

#[test]
fn flow_stock_and_returner_partition_the_year() {
    let m = figures(
        vec![
            seen(1, &["2024-05-01"]),               // flow: never seen before FY2024
            seen(2, &["2023-10-01", "2024-05-01"]), // stock: also seen in FY2023
            seen(3, &["2021-10-01", "2024-05-01"]), // returner: seen before FY2023, not in it
            seen(4, &["2023-10-01"]),               // not seen in FY2024
        ],
        "FY2024",
    );
    assert_eq!((get(&m, "chain.flow"), get(&m, "chain.stock"), get(&m, "chain.returner")), (1.0, 1.0, 1.0));
    assert_eq!(get(&m, "chain.total"), 3.0);
}

#[test]
fn a_person_seen_in_two_areas_is_counted_once_in_the_total() {
    let mut person = seen(1, &["2024-04-02", "2024-04-03"]);
    person.contacts[1].area = 1;
    let m = figures(vec![person], "FY2024-Q1");
    assert_eq!(get(&m, "chain.total"), 1.0);
    assert_eq!(get(&m, "chain.total.by_area.Westminster"), 1.0);
    assert_eq!(get(&m, "chain.total.by_area.Camden"), 1.0);
    // A partnership of Camden alone counts only what happened there.
    let settings = Settings::parse("[chain]\nareas = [\"Camden\"]\n").unwrap();
    let mut person = seen(2, &["2024-04-02", "2024-05-03"]);
    person.contacts[1].area = 1;
    let camden =
        compute(&population(vec![person]), Period::parse("FY2024-Q1").unwrap(), &settings, date!(2026 - 12 - 01))
            .unwrap();
    assert_eq!(camden.metrics.get("chain.total.by_month.2024-04"), Some(0.0));
    assert_eq!(camden.metrics.get("chain.total.by_month.2024-05"), Some(1.0));
}

#[test]
fn p1_new_looks_back_sixty_months_through_a_leap_day() {
    let m = figures(
        vec![
            seen(1, &["2019-02-27", "2024-02-29"]), // 60 months before 29 Feb 2024 is 28 Feb 2019: new again
            seen(2, &["2019-02-28", "2024-02-29"]), // seen within the 60 months: not new
            seen(3, &["2024-02-10"]),               // first ever: new
        ],
        "2024-02",
    );
    assert_eq!(get(&m, "ers.r1_over_month"), 3.0);
    assert_eq!(get(&m, "ers.p1_new"), 2.0, "people 1 and 3");
    assert_eq!(get(&m, "ers.nr1_returning"), 2.0, "people 1 and 2: seen before, not in the 90 days before");
}

#[test]
fn p2_counts_a_discharge_up_to_eighty_five_days_before_the_sighting() {
    let mut on_the_day = seen(1, &["2024-06-25"]);
    on_the_day.stays.push(stay(StayType::Prison, "2023-01-01", Some("2024-04-01"), Some(DepartureReason::Other))); // 85 days
    let mut a_day_late = seen(2, &["2024-06-26"]);
    a_day_late.stays.push(stay(StayType::Hospital, "2024-03-01", Some("2024-04-01"), None)); // 86 days
    let mut hostel = seen(3, &["2024-06-10"]);
    hostel.stays.push(stay(StayType::Hostel, "2024-01-01", Some("2024-06-01"), Some(DepartureReason::Evicted)));
    let m = figures(vec![on_the_day, a_day_late, hostel], "2024-06");
    assert_eq!(get(&m, "ers.p2_left_institution"), 1.0, "a hostel is not an institution");
}

#[test]
fn nr1_needs_a_gap_of_more_than_ninety_days_or_a_move_into_accommodation() {
    let mut moved_in = seen(3, &["2024-05-20", "2024-06-10"]);
    moved_in.stays.push(stay(StayType::Hotel, "2024-05-25", Some("2024-06-05"), Some(DepartureReason::Abandoned)));
    let m = figures(
        vec![
            seen(1, &["2024-03-11", "2024-06-10"]), // 91 days: returning
            seen(2, &["2024-03-12", "2024-06-10"]), // 90 days: not returning
            moved_in,                               // housed since the last sighting: returning
        ],
        "2024-06",
    );
    assert_eq!(get(&m, "ers.nr1_returning"), 2.0);
    assert_eq!(get(&m, "ers.returned_after_accommodation"), 1.0, "person 3");
    assert_eq!(get(&m, "ers.nights_out"), 3.0, "one June night each");
    assert_eq!(get(&m, "ers.moved_into_accommodation"), 0.0, "the hotel move was in May");
    assert_eq!(get(&m, "ers.moved_into_accommodation.by_month.2024-06"), 0.0);
}

#[test]
fn b1_long_term_needs_three_of_the_last_twelve_months() {
    let m = figures(
        vec![
            seen(1, &["2023-07-05", "2024-01-05", "2024-06-05"]), // July is within the 12 months to June
            seen(2, &["2023-06-05", "2024-01-05", "2024-06-05"]), // June 2023 is 13 months back
            seen(3, &["2024-06-01", "2024-06-02", "2024-06-03"]), // one month only
        ],
        "2024-06",
    );
    assert_eq!(get(&m, "ers.b1_long_term"), 1.0);
}

#[test]
fn built_for_zero_flows_add_up_month_by_month() {
    let mut housed = seen(2, &["2024-04-05"]);
    housed.stays.push(stay(StayType::SupportedHousing, "2024-05-15", None, None));
    let mut back_from_housing = seen(3, &["2024-04-05", "2024-06-20"]);
    back_from_housing.stays.push(stay(
        StayType::Hostel,
        "2024-05-01",
        Some("2024-06-15"),
        Some(DepartureReason::Evicted),
    ));
    let m = figures(
        vec![
            seen(1, &["2024-04-10"]), // newly identified in April; 112 days by 31 July: inactive in July
            housed,                   // newly identified in April, housed in May
            back_from_housing,        // housed in May, active again in June
            seen(4, &["2023-11-01", "2024-06-01"]), // inactive since February, returned in June
            seen(5, &["2024-08-01"]), // newly identified in August
        ],
        "FY2024-Q2",
    );
    // Q2 is July to September. End of June: 1, 3 and 4 active. July: 1 moves to inactive.
    assert_eq!(get(&m, "bfz.moved_to_inactive.by_month.2024-07"), 1.0);
    assert_eq!(get(&m, "bfz.active.by_month.2024-07"), 2.0);
    // August: 4 (last seen 1 June, 91 days) goes inactive; 5 arrives.
    assert_eq!(get(&m, "bfz.moved_to_inactive.by_month.2024-08"), 1.0);
    assert_eq!(get(&m, "bfz.newly_identified"), 1.0);
    // September: 3 (last seen 20 June, 102 days) goes inactive; only 5 is active.
    assert_eq!(get(&m, "bfz.active.by_month.2024-09"), 1.0);
    assert_eq!(get(&m, "bfz.active"), 1.0);
    assert_eq!(get(&m, "bfz.moved_to_inactive"), 3.0);

    let q1 = figures(
        {
            let mut housed = seen(2, &["2024-04-05"]);
            housed.stays.push(stay(StayType::SupportedHousing, "2024-05-15", None, None));
            let mut back = seen(3, &["2024-04-05", "2024-06-20"]);
            back.stays.push(stay(StayType::Hostel, "2024-05-01", Some("2024-06-15"), Some(DepartureReason::Evicted)));
            vec![seen(1, &["2024-04-10"]), housed, back, seen(4, &["2023-11-01", "2024-06-01"])]
        },
        "FY2024-Q1",
    );
    assert_eq!(get(&q1, "bfz.newly_identified"), 3.0, "people 1, 2 and 3 in April");
    assert_eq!(get(&q1, "bfz.housed"), 2.0, "people 2 and 3 in May");
    assert_eq!(get(&q1, "bfz.returned_from_housing"), 1.0, "person 3 in June");
    assert_eq!(get(&q1, "bfz.returned_from_inactive"), 1.0, "person 4 in June");
    assert_eq!(get(&q1, "bfz.active"), 3.0, "people 1, 3 and 4 at the end of June");
    assert_eq!(get(&q1, "bfz.time_to_housing.median_days"), (40.0 + 26.0) / 2.0, "5 Apr to 15 May, 5 Apr to 1 May");
}

#[test]
fn breakdowns_add_up_to_the_total() {
    let mut people: Vec<Person> = (0..20).map(|i| seen(i, &["2024-04-10"])).collect();
    for (i, person) in people.iter_mut().enumerate() {
        person.nationality_group = NationalityGroup::ALL[i % 8];
        person.needs = (i % 8) as u8;
    }
    let m = figures(people, "FY2024-Q1");
    for dimension in ["nationality_group", "age_band", "sex", "support_need"] {
        let sum: f64 = m.breakdown("chain.total", dimension).iter().map(|(_, v)| v).sum();
        assert_eq!(sum, 20.0, "{dimension}");
    }
    assert_eq!(get(&m, "chain.total.by_support_need.alcohol_drugs_mental_health"), 2.0, "people 7 and 15");
}

#[test]
fn the_single_night_counts_named_and_unnamed_people_bedded_down_on_the_street_count_night() {
    let street_count = |person: &mut Person, i: usize| person.contacts[i].street_count = true;
    let mut a = seen(1, &["2024-11-14", "2024-11-20"]);
    street_count(&mut a, 1);
    let mut b = seen(2, &["2024-11-20"]);
    street_count(&mut b, 0);
    let c = seen(3, &["2024-11-20"]); // an outreach contact that night counts too
    let e = seen(4, &["2024-11-21"]);
    let mut pop = population(vec![a, b, c, e]);
    pop.unlinked =
        vec![Contact { day: day(d("2024-11-20")), bedded_down: true, street_count: true, area: 0, organisation: 0 }];
    let figures =
        compute(&pop, Period::parse("2024-11").unwrap(), &Settings::default(), date!(2026 - 12 - 01)).unwrap();
    assert_eq!(figures.single_night, Some(date!(2024 - 11 - 20)));
    assert_eq!(figures.metrics.get("ers.r1_single_night"), Some(4.0), "people 1, 2, 3 and one unnamed");
    assert_eq!(figures.metrics.get("ers.r1_over_month"), Some(4.0), "the unnamed person is not counted over the month");
    let per_100k = figures.metrics.get("ers.r1_single_night_per_100k").unwrap();
    assert!((per_100k - 4.0 * 100_000.0 / 204_300.0).abs() < 1e-9);
}

#[test]
fn a_period_in_the_future_or_without_data_is_an_error_not_zeros() {
    let people = vec![seen(1, &["2024-04-10"])];
    let future = compute(
        &population(people.clone()),
        Period::parse("FY2030").unwrap(),
        &Settings::default(),
        date!(2026 - 12 - 01),
    );
    assert!(matches!(future, Err(StatsError::Future { .. })));
    let empty =
        compute(&population(people), Period::parse("FY2010").unwrap(), &Settings::default(), date!(2026 - 12 - 01));
    let message = empty.unwrap_err().to_string();
    assert!(message.contains("no data") && message.contains("2024-04-10"), "{message}");
}

/// A partnership whose data end on Monday 23 November 2026, two weeks before today's
/// 7 December: each person seen on the same days of 2025 and 2026, so that like-for-like
/// comparisons are equal, and person 4 seen in December 2025 only.
fn data_ending_mid_month() -> Population {
    population(vec![
        seen(1, &["2025-05-10", "2025-09-02", "2025-11-20", "2026-05-10", "2026-09-02", "2026-11-20"]),
        seen(2, &["2025-10-01", "2025-11-05", "2026-10-01", "2026-11-05"]),
        seen(3, &["2025-11-23", "2026-11-23"]), // the last day of data
        seen(4, &["2025-12-15", "2026-02-01"]), // after 23 November 2025: not in a like-for-like comparison
    ])
}

const TODAY: Date = date!(2026 - 12 - 07);

#[test]
fn a_year_in_progress_is_reported_to_the_last_day_of_data_and_compared_like_for_like() {
    let pop = data_ending_mid_month();
    let settings = Settings::default();
    assert_eq!(byname_stats::data_ends(&pop, TODAY), Some(date!(2026 - 11 - 23)));
    let year = compute(&pop, Period::parse("FY2026").unwrap(), &settings, TODAY).unwrap();
    assert_eq!(year.to, Some(date!(2026 - 11 - 23)));
    assert_eq!(year.label(), "2026/27 to 23 November: 7 months and 23 days of 12 months");
    assert_eq!(year.short_label(), "2026/27 to 23 Nov");
    let m = &year.metrics;
    assert_eq!(get(m, "chain.total"), 3.0, "people 1, 2 and 3");
    assert_eq!(get(m, "bfz.active"), 3.0, "on 23 November, not on 31 March: nobody has gone inactive yet");
    // The framework's monthly indicators are October's, the last complete month.
    assert_eq!(year.indicator_month, Some((2026, time::Month::October)));
    assert_eq!(get(m, "ers.r1_over_month"), 1.0, "person 2 in October");
    // Month by month to October; November is not complete, December to March have not happened.
    for id in ["ers.r1_over_month", "bfz.active", "bfz.newly_identified", "chain.total", "ers.p1_new"] {
        assert!(m.get(&format!("{id}.by_month.2026-10")).is_some(), "{id} in October");
        for month in ["2026-11", "2026-12", "2027-01", "2027-03"] {
            assert!(m.get(&format!("{id}.by_month.{month}")).is_none(), "{id} in {month} is no figure, not a zero");
        }
    }
    // Like for like: the same months a year earlier, to 23 November 2025.
    let cut = byname_stats::same_length(year.period, date!(2026 - 11 - 23), Period::parse("FY2025").unwrap());
    assert_eq!(cut, date!(2025 - 11 - 23));
    let before = byname_stats::compute_to(&pop, Period::parse("FY2025").unwrap(), Some(cut), &settings, TODAY).unwrap();
    assert_eq!(before.label(), "2025/26 to 23 November: 7 months and 23 days of 12 months");
    assert_eq!(get(&before.metrics, "chain.total"), 3.0, "person 4 comes after 23 November 2025");
    assert_eq!(get(&before.metrics, "bfz.active"), 3.0);
    assert!(before.metrics.get("chain.total.by_month.2025-12").is_none());
    // The whole of the year before, asked for itself, is whole.
    let whole = compute(&pop, Period::parse("FY2025").unwrap(), &settings, TODAY).unwrap();
    assert_eq!((whole.to, get(&whole.metrics, "chain.total")), (None, 4.0));
    assert_eq!(whole.label(), "2025/26");
}

#[test]
fn a_quarter_and_a_month_in_progress_are_cut_like_the_year_and_a_period_without_data_is_refused() {
    let pop = data_ending_mid_month();
    let settings = Settings::default();
    let quarter = compute(&pop, Period::parse("FY2026-Q3").unwrap(), &settings, TODAY).unwrap();
    assert_eq!(quarter.label(), "2026/27 Q3 (Oct-Dec 2026) to 23 November: 1 month and 23 days of 3 months");
    assert_eq!(get(&quarter.metrics, "chain.total"), 3.0);
    assert!(quarter.metrics.get("bfz.active.by_month.2026-11").is_none());
    assert_eq!(get(&quarter.metrics, "bfz.active.by_month.2026-10"), 2.0, "people 1 and 2 at the end of October");
    // The previous quarter cut to as long: July to 23 August.
    let q2 = Period::parse("FY2026-Q2").unwrap();
    assert_eq!(byname_stats::same_length(quarter.period, date!(2026 - 11 - 23), q2), date!(2026 - 08 - 23));

    // November has ended, but the data end in it: the key statistics cut it where they end.
    let november = Period::parse("2026-11").unwrap();
    let to = byname_stats::reported_to(november, byname_stats::data_ends(&pop, TODAY));
    assert_eq!(to, Some(date!(2026 - 11 - 23)));
    let month = byname_stats::compute_to(&pop, november, to, &settings, TODAY).unwrap();
    assert_eq!(month.label(), "November 2026 to 23 November: 23 of 30 days");
    assert_eq!(month.indicator_month, None, "no month of it is complete: the indicators are for the days so far");
    assert_eq!(get(&month.metrics, "ers.r1_over_month"), 3.0);
    assert_eq!(get(&month.metrics, "bfz.active"), 3.0);
    assert!(month.metrics.iter().all(|metric| !metric.id.contains(".by_month.2026-11")), "no month-by-month zero");
    let october = Period::parse("2026-10").unwrap();
    assert_eq!(byname_stats::same_length(month.period, date!(2026 - 11 - 23), october), date!(2026 - 10 - 23));

    // Data ending on a month's last day: whole months.
    let mut to_november = data_ending_mid_month();
    to_november.people.push(seen(5, &["2026-11-30"]));
    let year = compute(&to_november, Period::parse("FY2026").unwrap(), &settings, TODAY).unwrap();
    assert_eq!(year.label(), "2026/27 to 30 November: 8 of 12 months");
    assert!(year.metrics.get("ers.r1_over_month.by_month.2026-11").is_some(), "November is complete");
    assert_eq!(year.indicator_month, Some((2026, time::Month::November)));
    assert_eq!(
        byname_stats::same_length(year.period, date!(2026 - 11 - 30), Period::parse("FY2025").unwrap()),
        date!(2025 - 11 - 30)
    );

    // December has begun, but there are no data in it: refused, never a page of zeros.
    let december = compute(&pop, Period::parse("2026-12").unwrap(), &settings, TODAY);
    assert!(matches!(december, Err(StatsError::NoData { .. })), "{december:?}");
    assert!(matches!(
        compute(&pop, Period::parse("FY2027").unwrap(), &settings, TODAY),
        Err(StatsError::Future { .. })
    ));
}
