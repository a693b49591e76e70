//! Reporting periods: financial years and quarters as CHAIN reports them,
//! calendar months, explicit ranges, and single nights.

use crate::date::{iso, parse_iso_date};
use std::fmt;
use time::{Date, Month};

/// An inclusive range of dates with the name it was asked for by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    kind: PeriodKind,
    start: Date,
    end: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodKind {
    /// `FY2024`: 1 April 2024 to 31 March 2025.
    FinancialYear(i32),
    /// `FY2024-Q1`: April to June 2024.
    FinancialQuarter(i32, u8),
    /// `2024-06`.
    Month(i32, Month),
    /// `2024-06-01..2024-06-30`, or a single night written as one date.
    Range,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a period: expected FY2024, FY2024-Q1, 2024-06, 2024-06-01..2024-06-30 or 2024-06-01")]
pub struct PeriodError {
    pub input: String,
}

fn first_of(year: i32, month: Month) -> Date {
    Date::from_calendar_date(year, month, 1).expect("the first of a month always exists")
}

fn last_of(year: i32, month: Month) -> Date {
    let (next_year, next_month) =
        if month == Month::December { (year + 1, Month::January) } else { (year, month.next()) };
    first_of(next_year, next_month).previous_day().expect("in range")
}

impl Period {
    pub fn parse(input: &str) -> Result<Self, PeriodError> {
        let error = || PeriodError { input: input.to_owned() };
        let s = input.trim();
        if let Some(rest) = s.strip_prefix("FY").or_else(|| s.strip_prefix("fy")) {
            let (year, quarter) = match rest.split_once('-') {
                Some((year, quarter)) => (year, Some(quarter)),
                None => (rest, None),
            };
            let year: i32 = (year.len() == 4).then(|| year.parse().ok()).flatten().ok_or_else(error)?;
            if !(1900..=2200).contains(&year) {
                return Err(error());
            }
            return match quarter {
                None => Ok(Self::financial_year(year)),
                Some(q) => match q.strip_prefix(['Q', 'q']).and_then(|q| q.parse::<u8>().ok()) {
                    Some(q @ 1..=4) => Ok(Self::financial_quarter(year, q)),
                    _ => Err(error()),
                },
            };
        }
        if let Some((from, to)) = s.split_once("..") {
            let start = parse_iso_date(from).map_err(|_| error())?;
            let end = parse_iso_date(to).map_err(|_| error())?;
            return if start <= end { Ok(Self { kind: PeriodKind::Range, start, end }) } else { Err(error()) };
        }
        if s.len() == 7 {
            let (year, month) = s.split_once('-').ok_or_else(error)?;
            let year: i32 = (year.len() == 4).then(|| year.parse().ok()).flatten().ok_or_else(error)?;
            let month: u8 = (month.len() == 2).then(|| month.parse().ok()).flatten().ok_or_else(error)?;
            let month = Month::try_from(month).map_err(|_| error())?;
            return Ok(Self::month(year, month));
        }
        let night = parse_iso_date(s).map_err(|_| error())?;
        Ok(Self::range(night, night))
    }

    pub fn financial_year(year: i32) -> Self {
        Self {
            kind: PeriodKind::FinancialYear(year),
            start: first_of(year, Month::April),
            end: last_of(year + 1, Month::March),
        }
    }

    pub fn financial_quarter(year: i32, quarter: u8) -> Self {
        assert!((1..=4).contains(&quarter), "a financial year has four quarters");
        let (start_year, start_month) = match quarter {
            1 => (year, Month::April),
            2 => (year, Month::July),
            3 => (year, Month::October),
            _ => (year + 1, Month::January),
        };
        let end_month = start_month.next().next();
        Self {
            kind: PeriodKind::FinancialQuarter(year, quarter),
            start: first_of(start_year, start_month),
            end: last_of(start_year, end_month),
        }
    }

    pub fn month(year: i32, month: Month) -> Self {
        Self { kind: PeriodKind::Month(year, month), start: first_of(year, month), end: last_of(year, month) }
    }

    pub fn range(start: Date, end: Date) -> Self {
        Self { kind: PeriodKind::Range, start: start.min(end), end: end.max(start) }
    }

    /// The financial year a date falls in (`FY2024` for any date from April 2024 to March 2025).
    pub fn financial_year_of(date: Date) -> Self {
        let year = if (date.month() as u8) >= 4 { date.year() } else { date.year() - 1 };
        Self::financial_year(year)
    }

    pub fn kind(&self) -> PeriodKind {
        self.kind
    }
    pub fn start(&self) -> Date {
        self.start
    }
    pub fn end(&self) -> Date {
        self.end
    }
    pub fn contains(&self, date: Date) -> bool {
        self.start <= date && date <= self.end
    }
    pub fn n_days(&self) -> i64 {
        (self.end - self.start).whole_days() + 1
    }

    /// The period of the same kind immediately before this one.
    pub fn previous(&self) -> Self {
        match self.kind {
            PeriodKind::FinancialYear(year) => Self::financial_year(year - 1),
            PeriodKind::FinancialQuarter(year, 1) => Self::financial_quarter(year - 1, 4),
            PeriodKind::FinancialQuarter(year, q) => Self::financial_quarter(year, q - 1),
            PeriodKind::Month(year, Month::January) => Self::month(year - 1, Month::December),
            PeriodKind::Month(year, month) => Self::month(year, month.previous()),
            PeriodKind::Range => {
                let length = self.end - self.start;
                let end = self.start.previous_day().expect("in range");
                Self::range(end - length, end)
            }
        }
    }

    /// The same period one year earlier.
    pub fn a_year_earlier(&self) -> Self {
        match self.kind {
            PeriodKind::FinancialYear(year) => Self::financial_year(year - 1),
            PeriodKind::FinancialQuarter(year, q) => Self::financial_quarter(year - 1, q),
            PeriodKind::Month(year, month) => Self::month(year - 1, month),
            PeriodKind::Range => {
                let shift = |d: Date| d.replace_year(d.year() - 1).unwrap_or_else(|_| d - time::Duration::days(365));
                Self::range(shift(self.start), shift(self.end))
            }
        }
    }

    /// How the period is shown to people: `2024/25`, `2024/25 Q1 (Apr-Jun 2024)`, `June 2024`.
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::FinancialYear(year) => format!("{year}/{:02}", (year + 1) % 100),
            PeriodKind::FinancialQuarter(year, q) => format!(
                "{year}/{:02} Q{q} ({}-{} {})",
                (year + 1) % 100,
                short_month(self.start.month()),
                short_month(self.end.month()),
                self.end.year()
            ),
            PeriodKind::Month(year, month) => format!("{month} {year}"),
            PeriodKind::Range if self.start == self.end => format!("night of {}", iso(self.start)),
            PeriodKind::Range => format!("{} to {}", iso(self.start), iso(self.end)),
        }
    }
}

fn short_month(month: Month) -> &'static str {
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][month as usize - 1]
}

impl fmt::Display for Period {
    /// The canonical text a period parses from.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::FinancialYear(year) => write!(f, "FY{year}"),
            PeriodKind::FinancialQuarter(year, q) => write!(f, "FY{year}-Q{q}"),
            PeriodKind::Month(year, month) => write!(f, "{year:04}-{:02}", month as u8),
            PeriodKind::Range if self.start == self.end => f.write_str(&iso(self.start)),
            PeriodKind::Range => write!(f, "{}..{}", iso(self.start), iso(self.end)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, start: &str, end: &str, label: &str) {
        let period = Period::parse(input).unwrap();
        assert_eq!((iso(period.start()), iso(period.end())), (start.to_owned(), end.to_owned()), "{input}");
        assert_eq!(period.label(), label);
        assert_eq!(Period::parse(&period.to_string()).unwrap(), period, "round trip of {input}");
    }

    #[test]
    fn every_period_form_parses_to_its_dates() {
        check("FY2024", "2024-04-01", "2025-03-31", "2024/25");
        check("FY2024-Q1", "2024-04-01", "2024-06-30", "2024/25 Q1 (Apr-Jun 2024)");
        check("FY2024-Q4", "2025-01-01", "2025-03-31", "2024/25 Q4 (Jan-Mar 2025)");
        check("FY1999", "1999-04-01", "2000-03-31", "1999/00");
        check("2024-02", "2024-02-01", "2024-02-29", "February 2024");
        check("2023-02", "2023-02-01", "2023-02-28", "February 2023");
        check("2024-06-01..2024-06-30", "2024-06-01", "2024-06-30", "2024-06-01 to 2024-06-30");
        check("2024-11-14", "2024-11-14", "2024-11-14", "night of 2024-11-14");
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in
            ["", "FY24", "FY2024-Q5", "FY2024-Q0", "2024-13", "2024-6", "2024-06-30..2024-06-01", "Q1 2024", "2024"]
        {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn previous_and_year_earlier_periods() {
        let q1 = Period::parse("FY2024-Q1").unwrap();
        assert_eq!(q1.previous().to_string(), "FY2023-Q4");
        assert_eq!(q1.a_year_earlier().to_string(), "FY2023-Q1");
        assert_eq!(Period::parse("2024-01").unwrap().previous().to_string(), "2023-12");
        let range = Period::parse("2024-06-01..2024-06-30").unwrap();
        assert_eq!(range.previous().to_string(), "2024-05-02..2024-05-31");
        assert_eq!(Period::financial_year_of(parse_iso_date("2025-03-31").unwrap()).to_string(), "FY2024");
        assert_eq!(Period::financial_year_of(parse_iso_date("2025-04-01").unwrap()).to_string(), "FY2025");
    }
}
