//! Reading typed fields from a row, gathering every problem in the row so a
//! person fixing an export sees them all at once.

use crate::Diagnostic;
use crate::mapping::DateFormat;
use crate::table::Row;
use byname_domain::Date;
use byname_domain::date::{DateError, DateOfBirth, parse_iso_date, parse_uk_date};
use byname_domain::nationality::Nationality;
use byname_domain::nhs::NhsNumber;
use std::io::Read;

pub(crate) struct Fields<'r, 't, R: Read> {
    row: &'r Row<'t, R>,
    errors: Vec<Diagnostic>,
}

impl<'r, 't, R: Read> Fields<'r, 't, R> {
    pub fn new(row: &'r Row<'t, R>) -> Self {
        Self { row, errors: Vec::new() }
    }

    pub fn error(&mut self, column: &str, reason: impl Into<String>) {
        self.errors.push(self.row.diagnostic(column, reason));
    }

    pub fn text(&self, column: &str) -> Option<String> {
        self.row.get(column).map(|v| v.into_owned())
    }

    pub fn required(&mut self, column: &str) -> String {
        match self.row.get(column) {
            Some(value) => value.into_owned(),
            None => {
                self.error(column, "required, but blank");
                String::new()
            }
        }
    }

    /// A person's name: Unicode letters, marks, hyphens, apostrophes, dots and spaces.
    pub fn name(&mut self, column: &str) -> Option<String> {
        let value = self.text(column)?;
        self.check_name(column, &value).then_some(value)
    }

    pub fn check_name(&mut self, column: &str, value: &str) -> bool {
        let allowed = |c: char| c.is_alphabetic() || matches!(c, '-' | '\'' | '’' | '.' | ' ') || is_mark(c);
        match value.chars().find(|&c| !allowed(c)) {
            None => true,
            Some(bad) => {
                self.error(
                    column,
                    format!("{value:?} contains {bad:?}; a name has only letters, hyphens, apostrophes and spaces"),
                );
                false
            }
        }
    }

    /// How a date column's value is written: ISO when a workbook held it as a date, else as the
    /// mapping says, else the format's own way.
    fn date_format(&self, column: &str, default: DateFormat) -> DateFormat {
        if self.row.is_excel_date(column) { DateFormat::Iso } else { self.row.date_format().unwrap_or(default) }
    }

    pub fn date(&mut self, column: &str, default: DateFormat) -> Option<Date> {
        let value = self.row.get(column)?;
        let result = match self.date_format(column, default) {
            DateFormat::Iso => parse_iso_date(&value),
            DateFormat::DayMonthYear => parse_uk_date(&value),
        };
        result.map_err(|e| self.error(column, e.to_string())).ok()
    }

    pub fn required_date(&mut self, column: &str, default: DateFormat) -> Option<Date> {
        if self.row.get(column).is_none() {
            self.error(column, "required, but blank");
            return None;
        }
        self.date(column, default)
    }

    pub fn date_of_birth(&mut self, column: &str, default: DateFormat) -> Option<DateOfBirth> {
        let value = self.row.get(column)?;
        let result = match self.date_format(column, default) {
            DateFormat::Iso => DateOfBirth::parse(&value),
            DateFormat::DayMonthYear => parse_uk_date(&value)
                .map(DateOfBirth::Full)
                .or_else(|error| DateOfBirth::parse(&value).ok().filter(|d| d.full().is_none()).ok_or(error)),
        };
        result.map_err(|e: DateError| self.error(column, e.to_string())).ok()
    }

    pub fn code<T>(&mut self, column: &str, parse: impl Fn(&str) -> Option<T>, codes: &[&str]) -> Option<T> {
        let value = self.row.get(column)?;
        let parsed = parse(&value);
        if parsed.is_none() {
            self.error(column, format!("unknown code {value:?}; expected one of {}", codes.join(", ")));
        }
        parsed
    }

    pub fn required_code<T>(&mut self, column: &str, parse: impl Fn(&str) -> Option<T>, codes: &[&str]) -> Option<T> {
        if self.row.get(column).is_none() {
            self.error(column, format!("required, but blank; expected one of {}", codes.join(", ")));
            return None;
        }
        self.code(column, parse, codes)
    }

    pub fn code_list<T: Copy + Ord>(
        &mut self,
        column: &str,
        parse: impl Fn(&str) -> Option<T>,
        codes: &[&str],
    ) -> Vec<T> {
        let Some(value) = self.row.get(column) else { return Vec::new() };
        byname_domain::codes::parse_code_list(&value, parse).unwrap_or_else(|unknown| {
            self.error(
                column,
                format!("unknown code {unknown:?}; expected codes among {} separated by ;", codes.join(", ")),
            );
            Vec::new()
        })
    }

    pub fn decimal(&mut self, column: &str, range: std::ops::RangeInclusive<f64>) -> Option<f64> {
        let value = self.row.get(column)?;
        match value.parse::<f64>() {
            Ok(number) if range.contains(&number) => Some(number),
            Ok(_) => {
                self.error(column, format!("{value} is outside {}..={}", range.start(), range.end()));
                None
            }
            Err(_) => {
                self.error(column, format!("{value:?} is not a decimal number"));
                None
            }
        }
    }

    pub fn nhs_number(&mut self, column: &str) -> Option<NhsNumber> {
        let value = self.row.get(column)?;
        NhsNumber::parse(&value).map_err(|e| self.error(column, e.to_string())).ok()
    }

    pub fn nationality(&mut self, column: &str) -> Option<Nationality> {
        let value = self.row.get(column)?;
        Nationality::parse(&value).map_err(|e| self.error(column, e.to_string())).ok()
    }

    pub fn yes_no(&mut self, column: &str, yes: &str, no: &str) -> Option<bool> {
        let value = self.row.get(column)?;
        if value.eq_ignore_ascii_case(yes) {
            Some(true)
        } else if value.eq_ignore_ascii_case(no) {
            Some(false)
        } else {
            self.error(column, format!("{value:?} is neither {yes} nor {no}"));
            None
        }
    }

    /// `HH:MM` on a 24-hour clock.
    pub fn time_of_day(&mut self, column: &str) -> Option<String> {
        let value = self.row.get(column)?;
        let valid = value.len() == 5
            && value.as_bytes()[2] == b':'
            && matches!((value[..2].parse::<u8>(), value[3..].parse::<u8>()), (Ok(h), Ok(m)) if h < 24 && m < 60);
        if valid {
            Some(value.into_owned())
        } else {
            self.error(column, format!("{value:?} is not a time in the form HH:MM"));
            None
        }
    }

    pub fn extra(&self) -> byname_domain::records::Extra {
        self.row.extra()
    }

    pub fn finish<T>(self, value: T) -> Result<T, Vec<Diagnostic>> {
        if self.errors.is_empty() { Ok(value) } else { Err(self.errors) }
    }
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{300}'..='\u{36f}')
}
