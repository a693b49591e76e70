//! Dates as the source systems write them: ISO dates in CHAIN-style exports,
//! UK day/month/year dates in Inform-style exports, and dates of birth that
//! are often known only to the year.

use std::fmt;
use time::{Date, Month};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("{input:?} is not a date in the form {expected}")]
    Format { input: String, expected: &'static str },
    #[error("{input:?} is not a real calendar date")]
    NotOnCalendar { input: String },
}

fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

fn calendar(year: u32, month: u32, day: u32, input: &str) -> Result<Date, DateError> {
    let not_on_calendar = || DateError::NotOnCalendar { input: input.to_owned() };
    let month = u8::try_from(month).ok().and_then(|m| Month::try_from(m).ok()).ok_or_else(not_on_calendar)?;
    let day = u8::try_from(day).map_err(|_| not_on_calendar())?;
    Date::from_calendar_date(year as i32, month, day).map_err(|_| not_on_calendar())
}

/// Parses `YYYY-MM-DD`.
pub fn parse_iso_date(input: &str) -> Result<Date, DateError> {
    let bad = || DateError::Format { input: input.to_owned(), expected: "YYYY-MM-DD" };
    let s = input.trim();
    let mut parts = s.split('-');
    let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (Some(y), Some(m), Some(d)) = (digits(y), digits(m), digits(d)) else { return Err(bad()) };
    calendar(y, m, d, input)
}

/// Parses `DD/MM/YYYY` (one-digit days and months are accepted).
pub fn parse_uk_date(input: &str) -> Result<Date, DateError> {
    let bad = || DateError::Format { input: input.to_owned(), expected: "DD/MM/YYYY" };
    let s = input.trim();
    let mut parts = s.split('/');
    let (Some(d), Some(m), Some(y), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if y.len() != 4 || d.len() > 2 || m.len() > 2 {
        return Err(bad());
    }
    let (Some(y), Some(m), Some(d)) = (digits(y), digits(m), digits(d)) else { return Err(bad()) };
    calendar(y, m, d, input)
}

/// Formats a date as `YYYY-MM-DD`, the form byname stores and prints.
pub fn iso(date: Date) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month() as u8, date.day())
}

/// A date of birth: often only the year is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateOfBirth {
    Full(Date),
    YearOnly(i32),
}

impl DateOfBirth {
    /// Parses `YYYY-MM-DD` or `YYYY`.
    pub fn parse(input: &str) -> Result<Self, DateError> {
        let s = input.trim();
        if s.len() == 4 {
            return match digits(s) {
                Some(year) if (1880..=2100).contains(&year) => Ok(Self::YearOnly(year as i32)),
                _ => Err(DateError::Format { input: input.to_owned(), expected: "YYYY-MM-DD or YYYY" }),
            };
        }
        parse_iso_date(s).map(Self::Full).map_err(|error| match error {
            DateError::Format { input, .. } => DateError::Format { input, expected: "YYYY-MM-DD or YYYY" },
            other => other,
        })
    }

    pub fn year(self) -> i32 {
        match self {
            Self::Full(date) => date.year(),
            Self::YearOnly(year) => year,
        }
    }

    pub fn full(self) -> Option<Date> {
        match self {
            Self::Full(date) => Some(date),
            Self::YearOnly(_) => None,
        }
    }
}

impl fmt::Display for DateOfBirth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(date) => f.write_str(&iso(*date)),
            Self::YearOnly(year) => write!(f, "{year:04}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_parse_and_reject_impossible_days() {
        assert_eq!(iso(parse_iso_date("2024-02-29").unwrap()), "2024-02-29");
        assert!(matches!(parse_iso_date("2023-02-29"), Err(DateError::NotOnCalendar { .. })));
        assert!(matches!(parse_iso_date("2024-13-01"), Err(DateError::NotOnCalendar { .. })));
        for bad in ["", "2024-6-01", "01/06/2024", "2024-06-01T00:00", "２０２４-06-01", "2024-06"] {
            assert!(matches!(parse_iso_date(bad), Err(DateError::Format { .. })), "{bad}");
        }
    }

    #[test]
    fn uk_dates_are_day_first() {
        assert_eq!(iso(parse_uk_date("03/04/1980").unwrap()), "1980-04-03");
        assert_eq!(iso(parse_uk_date("3/4/1980").unwrap()), "1980-04-03");
        assert!(parse_uk_date("31/02/1980").is_err());
        assert!(parse_uk_date("1980-04-03").is_err());
    }

    #[test]
    fn a_date_of_birth_may_be_only_a_year() {
        assert_eq!(DateOfBirth::parse("1975").unwrap(), DateOfBirth::YearOnly(1975));
        assert_eq!(DateOfBirth::parse("1975-07-01").unwrap().to_string(), "1975-07-01");
        assert_eq!(DateOfBirth::parse("1975").unwrap().to_string(), "1975");
        assert!(DateOfBirth::parse("0975").is_err());
        assert!(DateOfBirth::parse("75").is_err());
    }
}
