//! Age bands as CHAIN reports them, computed from a (possibly partial) date of birth.

use crate::date::DateOfBirth;
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeBand {
    Under18,
    From18To25,
    From26To35,
    From36To45,
    From46To55,
    Over55,
    NotKnown,
}

impl AgeBand {
    pub const ALL: [Self; 7] = [
        Self::Under18,
        Self::From18To25,
        Self::From26To35,
        Self::From36To45,
        Self::From46To55,
        Self::Over55,
        Self::NotKnown,
    ];

    pub fn of_age(age: Option<i32>) -> Self {
        match age {
            None => Self::NotKnown,
            Some(..=17) => Self::Under18,
            Some(18..=25) => Self::From18To25,
            Some(26..=35) => Self::From26To35,
            Some(36..=45) => Self::From36To45,
            Some(46..=55) => Self::From46To55,
            Some(_) => Self::Over55,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Under18 => "under_18",
            Self::From18To25 => "18-25",
            Self::From26To35 => "26-35",
            Self::From36To45 => "36-45",
            Self::From46To55 => "46-55",
            Self::Over55 => "over_55",
            Self::NotKnown => "not_known",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Under18 => "Under 18",
            Self::From18To25 => "18-25",
            Self::From26To35 => "26-35",
            Self::From36To45 => "36-45",
            Self::From46To55 => "46-55",
            Self::Over55 => "Over 55",
            Self::NotKnown => "Not known",
        }
    }

    /// Reads a band as street-count files write it (`18-25`, `over_55`, `Over 55`, blank).
    pub fn parse(input: &str) -> Option<Self> {
        let s = input.trim().to_ascii_lowercase().replace([' ', '_'], "");
        Self::ALL
            .into_iter()
            .find(|band| band.code().replace('_', "") == s || band.label().to_ascii_lowercase().replace(' ', "") == s)
    }
}

/// Age in whole years on a date. A year-only birth date is taken as 1 July of that year,
/// which is never more than six months wrong.
pub fn age_on(date_of_birth: DateOfBirth, on: Date) -> Option<i32> {
    let birth = match date_of_birth {
        DateOfBirth::Full(date) => date,
        DateOfBirth::YearOnly(year) => Date::from_calendar_date(year, time::Month::July, 1).ok()?,
    };
    if birth > on {
        return None;
    }
    let mut age = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    Some(age)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::parse_iso_date;

    #[test]
    fn age_turns_on_the_birthday_including_leap_days() {
        let dob = DateOfBirth::parse("2000-02-29").unwrap();
        assert_eq!(age_on(dob, parse_iso_date("2018-02-28").unwrap()), Some(17));
        assert_eq!(age_on(dob, parse_iso_date("2018-03-01").unwrap()), Some(18));
        assert_eq!(AgeBand::of_age(age_on(dob, parse_iso_date("2018-03-01").unwrap())), AgeBand::From18To25);
        assert_eq!(age_on(dob, parse_iso_date("1999-01-01").unwrap()), None);
    }

    #[test]
    fn band_edges() {
        let bands: Vec<_> =
            [17, 18, 25, 26, 35, 36, 45, 46, 55, 56].into_iter().map(|a| AgeBand::of_age(Some(a)).code()).collect();
        assert_eq!(
            bands,
            ["under_18", "18-25", "18-25", "26-35", "26-35", "36-45", "36-45", "46-55", "46-55", "over_55"]
        );
        assert_eq!(AgeBand::parse("Over 55"), Some(AgeBand::Over55));
        assert_eq!(AgeBand::parse("26-35"), Some(AgeBand::From26To35));
        assert_eq!(AgeBand::parse("ninety"), None);
    }
}
