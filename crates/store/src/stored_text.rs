//! How dates and instants are written as text: in the database's columns, and in the JSON of
//! rows that are serialised as stored (subject access, audit exports). One format each, so a
//! value reads back as it was written and the audit chain's text never changes.

use serde::Serializer;
use time::{Date, OffsetDateTime, UtcOffset};

/// An instant as stored: ISO 8601 in UTC to the second (`2024-07-01T12:00:00Z`).
pub fn format_instant(instant: OffsetDateTime) -> String {
    let utc = instant.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        utc.year(),
        utc.month() as u8,
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

/// `serialize_with` for an instant: the stored text.
pub(crate) fn instant_text<S: Serializer>(instant: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_instant(*instant))
}

/// `serialize_with` for a date: ISO (`2024-07-01`).
pub(crate) fn date_text<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&byname_domain::date::iso(*date))
}

/// `serialize_with` for a date that may be missing: ISO or null.
pub(crate) fn opt_date_text<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match date {
        Some(d) => date_text(d, s),
        None => s.serialize_none(),
    }
}
