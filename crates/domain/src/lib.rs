//! The vocabulary of byname: people, events, periods and the value types that
//! parse rather than validate. Nothing here does I/O; the clock and random
//! seeds are always parameters, so every function can be tested with plain data.
//!
//! ## Where things are
//!
//! - The value types parse rather than validate: `DateOfBirth` (a year-only date allowed),
//!   `NhsNumber` (modulus 11), `Nationality` (a name or ISO alpha-3, mapped to the CHAIN groups),
//!   `Period` (`FY2024`, `FY2024-Q1`, `2024-06`, ranges) and `AgeBand`.
//! - `records` holds source records and events; `names` name folding; `hash` content fingerprints.
//! - `access` is the one home of the access rules: `decide` takes the viewer's role and
//!   organisation, the facts about the person and the day, and gives a view (full, health,
//!   minimal, pseudonym or none) and its basis. `can_see_statistics`, `can_review_links`,
//!   `sees_linkage_identities` and `may_merge` are the other questions it answers. Its tests check
//!   it against an independently written table of every role, relationship, consent state and
//!   break-glass.
//! - `escalation` holds the states, levels and transitions of escalations, the working days of
//!   England and Wales (bank holidays computed), per-area deadlines, and `step`, the pure overdue
//!   step that moves an escalation one level per deadline.

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
