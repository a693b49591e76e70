//! Escalations of blockages: a worker raises what is blocked on a person and what is needed, to
//! the service leaders of one service area, with a deadline counted in working days. An
//! escalation nobody acknowledges by its deadline moves up a level by itself (service leader,
//! then head of service, then the Strategic Group's agenda), one level per deadline.
//!
//! Everything here is pure: the states and their transitions, the working-day calendar of
//! England and Wales, the per-area deadline settings, and [`step`], the one function the
//! overdue step is made of, which tests call with the time they choose.

use std::collections::BTreeMap;
use std::fmt;
use time::{Date, Duration, Month, OffsetDateTime, Weekday};

/// Where an escalation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Raised and not yet answered: the only state the overdue step moves.
    Open,
    /// A leader has taken it on.
    Acknowledged,
    Resolved,
    /// Refused, with a reason.
    Declined,
}

impl State {
    pub const ALL: [Self; 4] = [Self::Open, Self::Acknowledged, Self::Resolved, Self::Declined];

    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
            Self::Declined => "declined",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::Acknowledged => "Acknowledged",
            Self::Resolved => "Resolved",
            Self::Declined => "Declined",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == text.trim())
    }

    /// Open or acknowledged: still waiting for an outcome.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Open | Self::Acknowledged)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Who an escalation is with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// The service leaders of the area (users with the `service_leader` role and that area).
    ServiceLeader,
    /// The area's head of service (a service leader of the area marked head of service).
    HeadOfService,
    /// The Strategic Group's agenda, where it stays until answered.
    StrategicGroup,
}

impl Level {
    pub const ALL: [Self; 3] = [Self::ServiceLeader, Self::HeadOfService, Self::StrategicGroup];

    /// The number stored: 1, 2 or 3.
    pub fn number(self) -> i64 {
        match self {
            Self::ServiceLeader => 1,
            Self::HeadOfService => 2,
            Self::StrategicGroup => 3,
        }
    }

    pub fn from_number(n: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.number() == n)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::ServiceLeader => "Service leaders",
            Self::HeadOfService => "Head of service",
            Self::StrategicGroup => "Strategic Group agenda",
        }
    }

    /// The level an overdue escalation moves to; `None` at the top.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::ServiceLeader => Some(Self::HeadOfService),
            Self::HeadOfService => Some(Self::StrategicGroup),
            Self::StrategicGroup => None,
        }
    }
}

/// What happened to an escalation, as its history lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    Raised,
    Comment,
    Acknowledged,
    Resolved,
    Declined,
    /// Moved up a level by the overdue step.
    Escalated,
}

impl EventKind {
    pub const ALL: [Self; 6] =
        [Self::Raised, Self::Comment, Self::Acknowledged, Self::Resolved, Self::Declined, Self::Escalated];

    pub fn code(self) -> &'static str {
        match self {
            Self::Raised => "raised",
            Self::Comment => "comment",
            Self::Acknowledged => "acknowledged",
            Self::Resolved => "resolved",
            Self::Declined => "declined",
            Self::Escalated => "escalated",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == text)
    }
}

/// What a user does to an escalation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Acknowledge,
    Resolve,
    Decline,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledged",
            Self::Resolve => "resolved",
            Self::Decline => "declined",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("an escalation that is {0} cannot be {1}")]
    NotAllowed(State, &'static str),
    #[error("a decline needs a reason")]
    ReasonNeeded,
}

/// The state an action leads to: open → acknowledged, resolved or declined; acknowledged →
/// resolved or declined; resolved and declined are final. A decline needs a reason.
pub fn transition(from: State, action: Action, reason: Option<&str>) -> Result<State, TransitionError> {
    let to = match (from, action) {
        (State::Open, Action::Acknowledge) => State::Acknowledged,
        (State::Open | State::Acknowledged, Action::Resolve) => State::Resolved,
        (State::Open | State::Acknowledged, Action::Decline) => State::Declined,
        _ => return Err(TransitionError::NotAllowed(from, action.code())),
    };
    if action == Action::Decline && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(TransitionError::ReasonNeeded);
    }
    Ok(to)
}

// ---------------------------------------------------------------------------------------------
// Working days in England and Wales.
//
// The bank holidays are computed, not copied from a short list that runs out: New Year's Day,
// Good Friday and Easter Monday (Easter by the anonymous Gregorian algorithm), the first and last
// Mondays of May, the last Monday of August, Christmas Day and Boxing Day, with the substitute
// days that follow when a fixed holiday falls at a weekend. The few days moved or added by
// proclamation (jubilees, a coronation, a state funeral, VE Day's anniversary) cannot be
// computed; those since 2012 are listed in `PROCLAIMED`, and the days they replaced in `MOVED`.
// ---------------------------------------------------------------------------------------------

/// Easter Sunday of a year, by the anonymous Gregorian algorithm (Meeus, Jones, Butcher).
pub fn easter_sunday(year: i32) -> Date {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::from_calendar_date(year, Month::try_from(month as u8).expect("March or April"), day as u8)
        .expect("Easter is a real date")
}

fn date(year: i32, month: Month, day: u8) -> Date {
    Date::from_calendar_date(year, month, day).expect("a real date")
}

fn first_monday(year: i32, month: Month) -> Date {
    let mut d = date(year, month, 1);
    while d.weekday() != Weekday::Monday {
        d = d.next_day().expect("in range");
    }
    d
}

fn last_monday(year: i32, month: Month) -> Date {
    let mut d = date(year, month, month.length(year));
    while d.weekday() != Weekday::Monday {
        d = d.previous_day().expect("in range");
    }
    d
}

/// Bank holidays proclaimed for one occasion.
const PROCLAIMED: [(i32, Month, u8); 6] = [
    (2012, Month::June, 5),       // Diamond Jubilee
    (2020, Month::May, 8),        // VE Day's 75th anniversary (replaced the first Monday of May)
    (2022, Month::June, 3),       // Platinum Jubilee
    (2022, Month::September, 19), // The State Funeral of Queen Elizabeth II
    (2023, Month::May, 8),        // The Coronation of King Charles III
    (2002, Month::June, 3),       // Golden Jubilee
];

/// A day of a year: month and day.
type MonthDay = (Month, u8);

/// Regular bank holidays moved by proclamation: (year, the regular day, moved to).
const MOVED: [(i32, MonthDay, MonthDay); 4] = [
    (2002, (Month::May, 27), (Month::June, 4)),
    (2012, (Month::May, 28), (Month::June, 4)),
    (2020, (Month::May, 4), (Month::May, 8)),
    (2022, (Month::May, 30), (Month::June, 2)),
];

/// Every bank holiday of a year in England and Wales, in order.
pub fn bank_holidays(year: i32) -> Vec<Date> {
    let easter = easter_sunday(year);
    let mut days = vec![
        easter - Duration::days(2),
        easter + Duration::days(1),
        first_monday(year, Month::May),
        last_monday(year, Month::May),
        last_monday(year, Month::August),
    ];
    // New Year's Day, or the Monday after when it falls at a weekend.
    let new_year = date(year, Month::January, 1);
    days.push(match new_year.weekday() {
        Weekday::Saturday => new_year + Duration::days(2),
        Weekday::Sunday => new_year + Duration::days(1),
        _ => new_year,
    });
    // Christmas Day and Boxing Day, each moved to the next free weekday when at a weekend.
    let christmas = date(year, Month::December, 25);
    let (christmas, boxing) = match christmas.weekday() {
        // Saturday: Christmas on Monday 27th, Boxing Day on Tuesday 28th.
        Weekday::Saturday => (christmas + Duration::days(2), christmas + Duration::days(3)),
        // Sunday: Boxing Day on Monday 26th, Christmas on Tuesday 27th.
        Weekday::Sunday => (christmas + Duration::days(2), christmas + Duration::days(1)),
        // Friday: Boxing Day (a Saturday) on Monday 28th.
        Weekday::Friday => (christmas, christmas + Duration::days(3)),
        _ => (christmas, christmas + Duration::days(1)),
    };
    days.extend([christmas, boxing]);
    for (y, (from_month, from_day), (to_month, to_day)) in MOVED {
        if y == year {
            days.retain(|d| *d != date(year, from_month, from_day));
            days.push(date(year, to_month, to_day));
        }
    }
    for (y, month, day) in PROCLAIMED {
        if y == year {
            days.push(date(year, month, day));
        }
    }
    days.sort();
    days.dedup();
    days
}

pub fn is_bank_holiday(day: Date) -> bool {
    bank_holidays(day.year()).contains(&day)
}

/// Monday to Friday and not a bank holiday.
pub fn is_working_day(day: Date) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_bank_holiday(day)
}

/// The day `n` working days after `from` (not counting `from` itself).
pub fn add_working_days(from: Date, n: u32) -> Date {
    let mut day = from;
    let mut left = n;
    while left > 0 {
        day = day.next_day().expect("in range");
        if is_working_day(day) {
            left -= 1;
        }
    }
    day
}

/// How many working days each service area has to answer, per level.
///
/// The defaults: five working days, the partnership's usual turnaround for a referral; three for
/// health and mental health, where a blockage is often a discharge or a prescription; two for the
/// police, where it is usually about risk to someone's safety. A partnership changes them with
/// settings named `escalation_working_days.AREA` (see the README).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineSettings {
    pub default_days: u32,
    pub per_area: BTreeMap<String, u32>,
}

impl Default for DeadlineSettings {
    fn default() -> Self {
        let per_area =
            [("health", 3), ("mental_health", 3), ("police", 2)].into_iter().map(|(a, d)| (a.to_owned(), d)).collect();
        Self { default_days: 5, per_area }
    }
}

impl DeadlineSettings {
    /// The prefix of the stored settings that override the defaults.
    pub const SETTING_PREFIX: &str = "escalation_working_days.";

    /// The defaults with stored overrides `(name, value)` applied; unreadable ones are skipped.
    pub fn with_overrides(overrides: &[(String, String)]) -> Self {
        let mut settings = Self::default();
        for (name, value) in overrides {
            let (Some(area), Ok(days)) = (name.strip_prefix(Self::SETTING_PREFIX), value.trim().parse::<u32>()) else {
                continue;
            };
            if days == 0 {
                continue;
            }
            if area == "default" {
                settings.default_days = days;
            } else {
                settings.per_area.insert(area.to_owned(), days);
            }
        }
        settings
    }

    pub fn working_days(&self, area: &str) -> u32 {
        self.per_area.get(area).copied().unwrap_or(self.default_days)
    }

    /// The deadline of an escalation to `area` that starts at `from`: the same time of day,
    /// the area's number of working days later. Days are counted on the UTC date.
    pub fn deadline(&self, area: &str, from: OffsetDateTime) -> OffsetDateTime {
        let from = from.to_offset(time::UtcOffset::UTC);
        let day = add_working_days(from.date(), self.working_days(area));
        from.replace_date(day)
    }
}

/// An escalation as the step sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub id: i64,
    pub state: State,
    pub level: Level,
    pub service_area: String,
    pub deadline: OffsetDateTime,
}

/// One escalation moved up a level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub id: i64,
    pub from: Level,
    pub to: Level,
    pub deadline: OffsetDateTime,
}

impl Change {
    /// The words of the notification and the event.
    pub fn notice(&self, area_label: &str) -> String {
        format!(
            "Escalation #{} ({area_label}) was not answered by its deadline: it is now with the {}",
            self.id,
            match self.to {
                Level::ServiceLeader => "service leaders",
                Level::HeadOfService => "head of service",
                Level::StrategicGroup => "Strategic Group's agenda",
            }
        )
    }
}

/// The overdue step: each open (not acknowledged) escalation whose deadline has passed at `now`
/// moves up one level, with a new deadline counted from `now`. At the Strategic Group's agenda
/// it stays. One call moves an escalation at most one level, so a server that was down for a
/// week does not skip the head of service.
pub fn step(escalations: &[Pending], now: OffsetDateTime, settings: &DeadlineSettings) -> Vec<Change> {
    escalations
        .iter()
        .filter(|e| e.state == State::Open && e.deadline <= now)
        .filter_map(|e| {
            let to = e.level.next()?;
            Some(Change { id: e.id, from: e.level, to, deadline: settings.deadline(&e.service_area, now) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn every_kind_of_escalation_event_reads_back_from_its_code_and_nothing_else_does() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.code()), Some(kind));
        }
        assert_eq!(EventKind::parse("reopened"), None);
    }

    #[test]
    fn easter_falls_on_the_known_sundays() {
        for (year, easter) in [
            (2019, date!(2019 - 04 - 21)),
            (2024, date!(2024 - 03 - 31)),
            (2025, date!(2025 - 04 - 20)),
            (2038, date!(2038 - 04 - 25)),
            (2285, date!(2285 - 03 - 22)),
        ] {
            assert_eq!(easter_sunday(year), easter);
        }
    }

    #[test]
    fn the_bank_holidays_of_england_and_wales_are_computed_with_substitute_days() {
        assert_eq!(
            bank_holidays(2024),
            vec![
                date!(2024 - 01 - 01),
                date!(2024 - 03 - 29),
                date!(2024 - 04 - 01),
                date!(2024 - 05 - 06),
                date!(2024 - 05 - 27),
                date!(2024 - 08 - 26),
                date!(2024 - 12 - 25),
                date!(2024 - 12 - 26),
            ]
        );
        // 2022: New Year's Day on a Saturday, Christmas on a Sunday, the Platinum Jubilee and the
        // State Funeral.
        assert_eq!(
            bank_holidays(2022),
            vec![
                date!(2022 - 01 - 03),
                date!(2022 - 04 - 15),
                date!(2022 - 04 - 18),
                date!(2022 - 05 - 02),
                date!(2022 - 06 - 02),
                date!(2022 - 06 - 03),
                date!(2022 - 08 - 29),
                date!(2022 - 09 - 19),
                date!(2022 - 12 - 26),
                date!(2022 - 12 - 27),
            ]
        );
        // 2021: Christmas on a Saturday, so Monday 27th and Tuesday 28th.
        let christmas_2021: Vec<Date> =
            bank_holidays(2021).into_iter().filter(|d| d.month() == Month::December).collect();
        assert_eq!(christmas_2021, vec![date!(2021 - 12 - 27), date!(2021 - 12 - 28)]);
        // 2020: Christmas on a Friday, Boxing Day on Monday 28th; VE Day moved the May holiday.
        assert!(is_bank_holiday(date!(2020 - 12 - 28)) && is_bank_holiday(date!(2020 - 05 - 08)));
        assert!(!is_bank_holiday(date!(2020 - 05 - 04)));
        assert!(is_bank_holiday(date!(2023 - 05 - 08)), "the Coronation");
    }

    #[test]
    fn working_days_skip_weekends_and_bank_holidays() {
        // Thursday before Easter 2024: Good Friday, the weekend and Easter Monday are skipped.
        assert_eq!(add_working_days(date!(2024 - 03 - 28), 1), date!(2024 - 04 - 02));
        // Friday before the August bank holiday weekend.
        assert_eq!(add_working_days(date!(2024 - 08 - 23), 3), date!(2024 - 08 - 29));
        // Over Christmas 2021 (Saturday Christmas, substitutes Monday and Tuesday) and New Year
        // 2022 (Saturday, substitute Monday 3rd).
        assert_eq!(add_working_days(date!(2021 - 12 - 24), 1), date!(2021 - 12 - 29));
        assert_eq!(add_working_days(date!(2021 - 12 - 31), 1), date!(2022 - 01 - 04));
        assert_eq!(add_working_days(date!(2024 - 07 - 01), 5), date!(2024 - 07 - 08));
        assert_eq!(add_working_days(date!(2024 - 07 - 06), 0), date!(2024 - 07 - 06));
    }

    #[test]
    fn each_area_has_its_deadline_and_settings_override_the_defaults() {
        let defaults = DeadlineSettings::default();
        let raised = datetime!(2024-08-23 10:30 UTC);
        assert_eq!(defaults.deadline("housing", raised), datetime!(2024-09-02 10:30 UTC));
        assert_eq!(defaults.deadline("health", raised), datetime!(2024-08-29 10:30 UTC));
        assert_eq!(defaults.deadline("police", raised), datetime!(2024-08-28 10:30 UTC));
        let changed = DeadlineSettings::with_overrides(&[
            ("escalation_working_days.housing".into(), "10".into()),
            ("escalation_working_days.default".into(), "4".into()),
            ("escalation_working_days.police".into(), "none".into()),
            ("escalation_working_days.health".into(), "0".into()),
        ]);
        assert_eq!((changed.working_days("housing"), changed.working_days("other")), (10, 4));
        assert_eq!((changed.working_days("police"), changed.working_days("health")), (2, 3));
    }

    #[test]
    fn every_transition_is_allowed_or_refused_as_the_rules_say() {
        use Action::*;
        use State::*;
        let cases = [
            (Open, Acknowledge, None, Ok(Acknowledged)),
            (Open, Resolve, None, Ok(Resolved)),
            (Open, Decline, Some("not ours"), Ok(Declined)),
            (Open, Decline, None, Err(TransitionError::ReasonNeeded)),
            (Open, Decline, Some("  "), Err(TransitionError::ReasonNeeded)),
            (Acknowledged, Acknowledge, None, Err(TransitionError::NotAllowed(Acknowledged, "acknowledged"))),
            (Acknowledged, Resolve, None, Ok(Resolved)),
            (Acknowledged, Decline, Some("no capacity"), Ok(Declined)),
            (Acknowledged, Decline, None, Err(TransitionError::ReasonNeeded)),
        ];
        for (from, action, reason, expected) in cases {
            assert_eq!(transition(from, action, reason), expected, "{from:?} {action:?}");
        }
        for from in [Resolved, Declined] {
            for action in [Acknowledge, Resolve, Decline] {
                assert!(
                    matches!(transition(from, action, Some("why")), Err(TransitionError::NotAllowed(..))),
                    "{from:?} is final"
                );
            }
        }
        for state in State::ALL {
            assert_eq!(State::parse(state.code()), Some(state));
        }
        for level in Level::ALL {
            assert_eq!(Level::from_number(level.number()), Some(level));
        }
    }

    fn pending(id: i64, state: State, level: Level, deadline: OffsetDateTime) -> Pending {
        Pending { id, state, level, service_area: "housing".into(), deadline }
    }

    #[test]
    fn the_step_moves_each_overdue_open_escalation_up_one_level_and_no_further() {
        let settings = DeadlineSettings::default();
        let deadline = datetime!(2024-07-08 12:00 UTC);
        let items = [
            pending(1, State::Open, Level::ServiceLeader, deadline),
            pending(2, State::Acknowledged, Level::ServiceLeader, deadline),
            pending(3, State::Open, Level::HeadOfService, deadline),
            pending(4, State::Open, Level::StrategicGroup, deadline),
            pending(5, State::Resolved, Level::ServiceLeader, deadline),
            pending(6, State::Open, Level::ServiceLeader, datetime!(2024-07-09 12:00 UTC)),
        ];
        assert!(step(&items, datetime!(2024-07-08 11:59 UTC), &settings).is_empty(), "nothing is due yet");
        let now = datetime!(2024-07-08 12:00 UTC);
        assert_eq!(
            step(&items, now, &settings),
            vec![
                Change {
                    id: 1,
                    from: Level::ServiceLeader,
                    to: Level::HeadOfService,
                    deadline: datetime!(2024-07-15 12:00 UTC)
                },
                Change {
                    id: 3,
                    from: Level::HeadOfService,
                    to: Level::StrategicGroup,
                    deadline: datetime!(2024-07-15 12:00 UTC)
                },
            ]
        );
        // A month late, still one level at a time.
        let late = step(&items[..1], datetime!(2024-08-08 12:00 UTC), &settings);
        assert_eq!(late.len(), 1);
        assert_eq!(late[0].to, Level::HeadOfService);
        assert!(late[0].notice("Housing").contains("head of service"));
    }
}
