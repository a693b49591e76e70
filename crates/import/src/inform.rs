//! The Inform-style export: `clients.csv`, `placements.csv`, `assessments.csv`.
//! Written by a different system, so its names, dates and codes differ on
//! purpose; they are mapped to byname's vocabulary here.

use crate::Diagnostic;
use crate::chain::check_order;
use crate::fields::Fields;
use crate::mapping::DateFormat::DayMonthYear;
use crate::table::Row;
use byname_domain::date::iso;
use byname_domain::nationality::Nationality;
use byname_domain::records::*;
use std::io::Read;

const SEX_CODES: &[&str] = &["M", "F", "U"];
const SERVICE_TYPES: &[&str] = &["hostel", "supported_housing", "hotel", "night_shelter", "housing_first"];
const END_REASONS: &[&str] = &["move_on", "abandoned", "evicted", "custody", "hospital", "died", "other"];

pub fn client<R: Read>(row: &Row<'_, R>) -> Result<PersonRecord, Vec<Diagnostic>> {
    let mut f = Fields::new(row);
    let mut record = PersonRecord::new(Source::Inform, f.required("inform_id"));
    record.first_name = f.name("forename");
    record.last_name = f.name("surname");
    record.known_as = f.name("known_as");
    record.date_of_birth = f.date_of_birth("dob", DayMonthYear);
    // U means the system was told nothing: the same as blank.
    record.gender = f
        .code(
            "sex",
            |s| match s.to_ascii_uppercase().as_str() {
                "M" => Some(Some(Gender::Male)),
                "F" => Some(Some(Gender::Female)),
                "U" => Some(None),
                _ => None,
            },
            SEX_CODES,
        )
        .flatten();
    if let Some(code) = f.text("nationality_code") {
        match Nationality::from_alpha3(&code) {
            Some(nationality) => record.nationality = Some(nationality),
            None => f.error("nationality_code", format!("{code:?} is not an ISO 3166-1 alpha-3 country code")),
        }
    }
    record.nhs_number = f.nhs_number("nhs_number");
    record.recorded_chain_id = f.text("chain_id");
    record.extra = f.extra();
    f.finish(record)
}

pub fn placement<R: Read>(row: &Row<'_, R>) -> Result<Stay, Vec<Diagnostic>> {
    let mut f = Fields::new(row);
    let source_id = f.required("placement_id");
    let inform_id = f.required("inform_id");
    let stay_type = f.required_code("service_type", StayType::parse, SERVICE_TYPES);
    let arrival = f.required_date("start_date", DayMonthYear);
    let departure = f.date("end_date", DayMonthYear);
    let departure_reason = f.code(
        "end_reason",
        |s| match s {
            "move_on" => Some(DepartureReason::PlannedMoveOn),
            "custody" => Some(DepartureReason::Prison),
            "died" => Some(DepartureReason::Deceased),
            "abandoned" | "evicted" | "hospital" | "other" => DepartureReason::parse(s),
            _ => None,
        },
        END_REASONS,
    );
    check_order(&mut f, arrival, departure, "end_date", "start_date");
    let stay = match (stay_type, arrival) {
        (Some(stay_type), Some(arrival)) if SERVICE_TYPES.contains(&stay_type.code()) => Some(Stay {
            source: Source::Inform,
            source_id,
            record: RecordRef { source: Source::Inform, source_id: inform_id },
            provider: f.text("service"),
            stay_type,
            arrival,
            departure,
            departure_reason,
            extra: f.extra(),
        }),
        (Some(other), Some(_)) => {
            f.error(
                "service_type",
                format!("unknown code {:?}; expected one of {}", other.code(), SERVICE_TYPES.join(", ")),
            );
            None
        }
        _ => None,
    };
    f.finish(stay).map(|s| s.expect("a row without a type or start has an error"))
}

pub fn assessment<R: Read>(row: &Row<'_, R>) -> Result<Assessment, Vec<Diagnostic>> {
    let mut f = Fields::new(row);
    let inform_id = f.required("inform_id");
    let assessed_on = f.required_date("assessed_on", DayMonthYear);
    let alcohol = f.yes_no("alcohol", "Yes", "No");
    let drugs = f.yes_no("drugs", "Yes", "No");
    let mental_health = f.yes_no("mental_health", "Yes", "No");
    let physical_health = f.yes_no("physical_health", "Yes", "No");
    let assessment = assessed_on.map(|assessed_on| Assessment {
        source: Source::Inform,
        // An assessment has no id of its own: a client is assessed at most once a day.
        source_id: format!("{inform_id}/{}", iso(assessed_on)),
        record: RecordRef { source: Source::Inform, source_id: inform_id },
        assessed_on,
        alcohol,
        drugs,
        mental_health,
        physical_health,
        extra: f.extra(),
    });
    f.finish(assessment).map(|a| a.expect("a row without a date has an error"))
}
