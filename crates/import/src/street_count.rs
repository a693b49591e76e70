//! The street-count file: one row per person seen bedded down on the night.
//! Each row is a bedded-down contact of type `street_count`; a row with a
//! CHAIN id belongs to that CHAIN record, a row with only a name becomes a
//! street-count person record for linkage, and an anonymous row is counted
//! but never linked.

use crate::Diagnostic;
use crate::fields::Fields;
use crate::mapping::DateFormat::Iso;
use crate::table::Row;
use byname_domain::age::AgeBand;
use byname_domain::date::iso;
use byname_domain::records::*;
use std::collections::BTreeMap;
use std::io::Read;

pub struct Sighting {
    pub contact: Contact,
    /// A person record for a named row without a CHAIN id.
    pub person: Option<PersonRecord>,
}

/// Numbers the rows of each night in file order, which gives them stable ids
/// (`SC-2024-11-14-7`) so re-importing the same file changes nothing.
#[derive(Default)]
pub struct NightCounter {
    rows_per_night: BTreeMap<byname_domain::Date, u32>,
}

pub fn sighting<R: Read>(row: &Row<'_, R>, nights: &mut NightCounter) -> Result<Sighting, Vec<Diagnostic>> {
    let mut f = Fields::new(row);
    let date = f.required_date("count_date", Iso);
    let latitude = f.decimal("latitude", -90.0..=90.0);
    let longitude = f.decimal("longitude", -180.0..=180.0);
    let gender = f.code("gender", Gender::parse, Gender::CODES);
    let age_band = f.code("age_band", AgeBand::parse, &["18-25", "26-35", "36-45", "46-55", "over_55", "under_18"]);
    let name = f.name("name");
    let chain_id = f.text("chain_id");
    let mut extra = f.extra();
    let Some(date) = date else { return Err(f.finish(()).unwrap_err()) };
    f.finish(())?;
    let n = nights.rows_per_night.entry(date).or_default();
    *n += 1;
    let source_id = format!("SC-{}-{n}", iso(date));
    if let Some(gender) = gender {
        extra.push(("gender".into(), gender.code().into()));
    }
    if let Some(band) = age_band {
        extra.push(("age_band".into(), band.code().into()));
    }
    if let Some(name) = &name {
        extra.push(("name".into(), name.clone()));
    }
    let (record, person) = match (chain_id, name) {
        (Some(chain_id), _) => (Some(RecordRef { source: Source::Chain, source_id: chain_id }), None),
        (None, Some(name)) => {
            let mut person = PersonRecord::new(Source::StreetCount, source_id.clone());
            let mut parts = name.rsplitn(2, ' ');
            let last = parts.next().map(str::to_owned);
            let first = parts.next().map(str::to_owned);
            (person.first_name, person.last_name) = if first.is_some() { (first, last) } else { (last, None) };
            person.gender = gender;
            (Some(RecordRef { source: Source::StreetCount, source_id: source_id.clone() }), Some(person))
        }
        (None, None) => (None, None),
    };
    let contact = Contact {
        source: Source::StreetCount,
        source_id,
        record,
        date,
        time: None,
        team: row.get("team").map(|v| v.into_owned()),
        borough: row.get("borough").map(|v| v.into_owned()),
        location: row.get("location").map(|v| v.into_owned()),
        latitude,
        longitude,
        bedded_down: true,
        contact_type: ContactType::StreetCount,
        extra,
    };
    Ok(Sighting { contact, person })
}
