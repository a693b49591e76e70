//! Health events from a health partner, matched to people by NHS number.

use crate::Diagnostic;
use crate::fields::Fields;
use crate::mapping::DateFormat::Iso;
use crate::table::Row;
use byname_domain::records::*;
use std::io::Read;

pub fn event<R: Read>(row: &Row<'_, R>) -> Result<HealthEvent, Vec<Diagnostic>> {
    let mut f = Fields::new(row);
    let source_id = f.required("event_id");
    let nhs_number = f.nhs_number("nhs_number");
    let name = f.name("name");
    let date_of_birth = f.date_of_birth("date_of_birth", Iso);
    let event_type = f.required_code("event_type", HealthEventType::parse, HealthEventType::CODES);
    let event_date = f.required_date("event_date", Iso);
    let event = match (event_type, event_date) {
        (Some(event_type), Some(event_date)) => Some(HealthEvent {
            source_id,
            nhs_number,
            name,
            date_of_birth,
            event_type,
            event_date,
            provider: f.text("provider"),
            extra: f.extra(),
        }),
        _ => None,
    };
    f.finish(event).map(|e| e.expect("a row without a type or date has an error"))
}
