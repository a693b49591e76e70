//! The vocabulary of byname: people, events, periods and the value types that
//! parse rather than validate. Nothing here does I/O; the clock and random
//! seeds are always parameters, so every function can be tested with plain data.

pub mod access;
pub mod age;
pub mod codes;
pub mod date;
pub mod escalation;
pub mod hash;
pub mod names;
pub mod nationality;
pub mod nhs;
pub mod org;
pub mod period;
pub mod records;

pub use age::{AgeBand, age_on};
pub use date::{DateOfBirth, parse_iso_date, parse_uk_date};
pub use nationality::{Nationality, NationalityGroup};
pub use nhs::NhsNumber;
pub use org::{Organisation, Role};
pub use period::Period;
pub use records::*;
pub use time::Date;
