//! The CHAIN-style export: `persons.csv`, `contacts.csv`, `stays.csv`.
//! Each function turns one well-formed row into a record, or lists every
//! problem in the row. Cross-row rules (duplicate ids, a contact's person
//! existing) are the folder importer's, which sees the whole export.

use crate::Diagnostic;
use crate::fields::Fields;
use crate::mapping::DateFormat::Iso;
use crate::table::Row;
use byname_domain::records::*;
use std::io::Read;

pub fn person<R: Read>(row: &Row<'_, R>) -> Result<PersonRecord, Vec<Diagnostic>> {
    let mut f = Fields::new(row);
    let mut record = PersonRecord::new(Source::Chain, f.required("chain_id"));
    record.first_name = f.name("first_name");
    record.last_name = f.name("last_name");
    if let Some(aliases) = f.text("aliases") {
        for alias in aliases.split(';').map(str::trim).filter(|a| !a.is_empty()) {
            if f.check_name("aliases", alias) {
                record.aliases.push(alias.to_owned());
            }
        }
    }
    record.date_of_birth = f.date_of_birth("date_of_birth", Iso);
    record.gender = f.code("gender", Gender::parse, Gender::CODES);
    record.nationality = f.nationality("nationality");
    record.ethnicity = f.text("ethnicity");
    record.immigration_status = f.code("immigration_status", ImmigrationStatus::parse, ImmigrationStatus::CODES);
    record.support_needs = f.code_list("support_needs", SupportNeed::parse, SupportNeed::CODES);
    record.history = f.code_list("history", History::parse, History::CODES);
    record.last_settled_base = f.code("last_settled_base", SettledBase::parse, SettledBase::CODES);
    record.nhs_number = f.nhs_number("nhs_number");
    record.extra = f.extra();
    f.finish(record)
}

pub fn contact<R: Read>(row: &Row<'_, R>) -> Result<Contact, Vec<Diagnostic>> {
    let mut f = Fields::new(row);
    let source_id = f.required("contact_id");
    let chain_id = f.required("chain_id");
    let date = f.required_date("contact_date", Iso);
    let time = f.time_of_day("contact_time");
    let latitude = f.decimal("latitude", -90.0..=90.0);
    let longitude = f.decimal("longitude", -180.0..=180.0);
    let bedded_down = match f.yes_no("bedded_down", "Y", "N") {
        Some(value) => value,
        None => {
            if f.text("bedded_down").is_none() {
                f.error("bedded_down", "required, but blank; expected Y or N");
            }
            false
        }
    };
    let contact_type = f.code("contact_type", ContactType::parse, ContactType::CODES).unwrap_or(ContactType::Other);
    let contact = date.map(|date| Contact {
        source: Source::Chain,
        source_id,
        record: Some(RecordRef { source: Source::Chain, source_id: chain_id }),
        date,
        time,
        team: f.text("team"),
        borough: f.text("borough"),
        location: f.text("location"),
        latitude,
        longitude,
        bedded_down,
        contact_type,
        extra: f.extra(),
    });
    f.finish(contact).map(|c| c.expect("a row without a date has an error"))
}

pub fn stay<R: Read>(row: &Row<'_, R>) -> Result<Stay, Vec<Diagnostic>> {
    let mut f = Fields::new(row);
    let source_id = f.required("stay_id");
    let chain_id = f.required("chain_id");
    let stay_type = f.required_code("stay_type", StayType::parse, StayType::CODES);
    let arrival = f.required_date("arrival_date", Iso);
    let departure = f.date("departure_date", Iso);
    let departure_reason = f.code("departure_reason", DepartureReason::parse, DepartureReason::CODES);
    check_order(&mut f, arrival, departure, "departure_date", "arrival_date");
    let stay = match (stay_type, arrival) {
        (Some(stay_type), Some(arrival)) => Some(Stay {
            source: Source::Chain,
            source_id,
            record: RecordRef { source: Source::Chain, source_id: chain_id },
            provider: f.text("provider"),
            stay_type,
            arrival,
            departure,
            departure_reason,
            extra: f.extra(),
        }),
        _ => None,
    };
    f.finish(stay).map(|s| s.expect("a row without a type or arrival has an error"))
}

/// An episode cannot end before it starts.
pub(crate) fn check_order<R: Read>(
    f: &mut Fields<'_, '_, R>,
    start: Option<byname_domain::Date>,
    end: Option<byname_domain::Date>,
    end_column: &str,
    start_column: &str,
) {
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        f.error(
            end_column,
            format!(
                "{} is before the {start_column} {}",
                byname_domain::date::iso(end),
                byname_domain::date::iso(start)
            ),
        );
    }
}
