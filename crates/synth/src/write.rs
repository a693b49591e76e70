//! The one place that knows the CSV layouts of FORMATS.md: column names, date styles and codes.
//! Ids are given here from each record's position, so the in-memory data set stays compact.

use std::fmt::Write as _;
use std::io;

use time::Date;

use crate::Dataset;
use crate::calendar::{iso_date, push_iso_date, uk_date};
use crate::places::{self, DAY_CENTRES, OUTREACH_TEAMS, SPOT_DETAILS, STREET_PLACES};
use crate::records::{Contact, Location, person_key};

pub const PERSONS_HEADER: [&str; 13] = [
    "chain_id",
    "first_name",
    "last_name",
    "aliases",
    "date_of_birth",
    "gender",
    "nationality",
    "ethnicity",
    "immigration_status",
    "support_needs",
    "history",
    "last_settled_base",
    "nhs_number",
];
pub const CONTACTS_HEADER: [&str; 11] = [
    "contact_id",
    "chain_id",
    "contact_date",
    "contact_time",
    "team",
    "borough",
    "location",
    "latitude",
    "longitude",
    "bedded_down",
    "contact_type",
];
pub const STAYS_HEADER: [&str; 7] =
    ["stay_id", "chain_id", "provider", "stay_type", "arrival_date", "departure_date", "departure_reason"];
pub const CLIENTS_HEADER: [&str; 9] =
    ["inform_id", "forename", "surname", "known_as", "dob", "sex", "nationality_code", "nhs_number", "chain_id"];
pub const PLACEMENTS_HEADER: [&str; 7] =
    ["placement_id", "inform_id", "service", "service_type", "start_date", "end_date", "end_reason"];
pub const ASSESSMENTS_HEADER: [&str; 6] =
    ["inform_id", "assessed_on", "alcohol", "drugs", "mental_health", "physical_health"];
pub const STREET_COUNT_HEADER: [&str; 10] =
    ["count_date", "team", "borough", "location", "latitude", "longitude", "gender", "age_band", "name", "chain_id"];
pub const HEALTH_EVENTS_HEADER: [&str; 7] =
    ["event_id", "nhs_number", "name", "date_of_birth", "event_type", "event_date", "provider"];
pub const TRUTH_HEADER: [&str; 3] = ["source", "source_id", "person_key"];

fn optional_iso_date(date: Option<Date>) -> String {
    date.map(iso_date).unwrap_or_default()
}

fn optional_uk_date(date: Option<Date>) -> String {
    date.map(uk_date).unwrap_or_default()
}

/// Coordinates of a street place moved by an offset in hundred-thousandths of a degree.
fn street_coordinates(place: u8, offset: Option<(i16, i16)>) -> Option<(f64, f64)> {
    let place = &STREET_PLACES[place as usize];
    offset.map(|(north, east)| (place.latitude + f64::from(north) * 1e-5, place.longitude + f64::from(east) * 1e-5))
}

fn push_coordinates(latitude: &mut String, longitude: &mut String, coordinates: Option<(f64, f64)>) {
    latitude.clear();
    longitude.clear();
    if let Some((north, east)) = coordinates {
        let _ = write!(latitude, "{north:.5}");
        let _ = write!(longitude, "{east:.5}");
    }
}

/// The team, borough, location text and coordinates of a contact.
fn contact_place(contact: &Contact) -> (&'static str, &'static str, Option<(f64, f64)>) {
    match contact.location {
        Location::Street { place, .. } => (
            OUTREACH_TEAMS[contact.team as usize],
            STREET_PLACES[place as usize].borough,
            street_coordinates(place, contact.offset),
        ),
        Location::DayCentre(centre) => {
            let centre = &DAY_CENTRES[centre as usize];
            (centre.name, "Westminster", contact.offset.and(centre.coordinates))
        }
        Location::AssessmentHub => (places::ASSESSMENT_HUB.name, "Westminster", places::ASSESSMENT_HUB.coordinates),
        Location::HousingOptions => {
            (places::HOUSING_OPTIONS.name, "Westminster", contact.offset.and(places::HOUSING_OPTIONS.coordinates))
        }
    }
}

fn push_location_text(text: &mut String, location: Location) {
    text.clear();
    match location {
        Location::Street { place, spot } => {
            let _ = write!(text, "{}, {}", STREET_PLACES[place as usize].name, SPOT_DETAILS[spot as usize]);
        }
        Location::DayCentre(centre) => text.push_str(DAY_CENTRES[centre as usize].location),
        Location::AssessmentHub => text.push_str(places::ASSESSMENT_HUB.location),
        Location::HousingOptions => text.push_str(places::HOUSING_OPTIONS.location),
    }
}

fn csv_writer<W: io::Write>(
    open: &mut dyn FnMut(&str) -> io::Result<W>,
    path: &str,
    header: &[&str],
) -> io::Result<csv::Writer<W>> {
    let mut writer = csv::WriterBuilder::new().from_writer(open(path)?);
    writer.write_record(header)?;
    Ok(writer)
}

pub fn write_all<W: io::Write>(dataset: &Dataset, open: &mut dyn FnMut(&str) -> io::Result<W>) -> io::Result<()> {
    let chain_id = |record: u32| dataset.chain_persons[record as usize].chain_id.as_str();

    let mut writer = csv_writer(open, "chain/persons.csv", &PERSONS_HEADER)?;
    for record in &dataset.chain_persons {
        writer.write_record([
            record.chain_id.as_str(),
            &record.first_name,
            &record.last_name,
            &record.aliases,
            &record.date_of_birth,
            record.gender,
            record.nationality,
            record.ethnicity,
            record.immigration_status,
            &record.support_needs,
            &record.history,
            record.last_settled_base,
            &record.nhs_number,
        ])?;
    }
    writer.flush()?;

    let mut writer = csv_writer(open, "chain/contacts.csv", &CONTACTS_HEADER)?;
    let (mut id, mut date, mut minute) = (String::new(), String::new(), String::new());
    let (mut location, mut latitude, mut longitude) = (String::new(), String::new(), String::new());
    for (index, contact) in dataset.contacts.iter().enumerate() {
        id.clear();
        let _ = write!(id, "CT{:08}", index + 1);
        date.clear();
        push_iso_date(&mut date, contact.date);
        minute.clear();
        if let Some(minutes) = contact.minute {
            let _ = write!(minute, "{:02}:{:02}", minutes / 60, minutes % 60);
        }
        let (team, borough, coordinates) = contact_place(contact);
        push_location_text(&mut location, contact.location);
        push_coordinates(&mut latitude, &mut longitude, coordinates);
        writer.write_record([
            id.as_str(),
            chain_id(contact.chain_person),
            &date,
            &minute,
            team,
            borough,
            &location,
            &latitude,
            &longitude,
            if contact.bedded_down() { "Y" } else { "N" },
            contact.contact_type.as_str(),
        ])?;
    }
    writer.flush()?;

    let mut writer = csv_writer(open, "chain/stays.csv", &STAYS_HEADER)?;
    for (index, stay) in dataset.stays.iter().enumerate() {
        writer.write_record([
            format!("S{:07}", index + 1).as_str(),
            chain_id(stay.chain_person),
            &stay.provider,
            stay.stay_type.as_str(),
            &iso_date(stay.arrival),
            &optional_iso_date(stay.departure),
            stay.departure_reason.map_or("", |reason| reason.as_str()),
        ])?;
    }
    writer.flush()?;

    let mut writer = csv_writer(open, "inform/clients.csv", &CLIENTS_HEADER)?;
    for client in &dataset.inform_clients {
        writer.write_record([
            client.inform_id.as_str(),
            &client.forename,
            &client.surname,
            &client.known_as,
            &client.dob,
            client.sex,
            client.nationality_code,
            &client.nhs_number,
            &client.chain_id,
        ])?;
    }
    writer.flush()?;

    let inform_id = |client: u32| dataset.inform_clients[client as usize].inform_id.as_str();
    let mut writer = csv_writer(open, "inform/placements.csv", &PLACEMENTS_HEADER)?;
    for (index, placement) in dataset.placements.iter().enumerate() {
        writer.write_record([
            format!("PL{:06}", index + 1).as_str(),
            inform_id(placement.inform_client),
            &placement.service,
            placement.service_type,
            &uk_date(placement.start),
            &optional_uk_date(placement.end),
            placement.end_reason.unwrap_or(""),
        ])?;
    }
    writer.flush()?;

    let mut writer = csv_writer(open, "inform/assessments.csv", &ASSESSMENTS_HEADER)?;
    for assessment in &dataset.assessments {
        writer.write_record([
            inform_id(assessment.inform_client),
            &uk_date(assessment.assessed_on),
            assessment.alcohol,
            assessment.drugs,
            assessment.mental_health,
            assessment.physical_health,
        ])?;
    }
    writer.flush()?;

    let mut writer = csv_writer(open, "street-count.csv", &STREET_COUNT_HEADER)?;
    for row in &dataset.street_count {
        let place = &STREET_PLACES[row.place as usize];
        push_location_text(&mut location, Location::Street { place: row.place, spot: row.spot });
        push_coordinates(&mut latitude, &mut longitude, street_coordinates(row.place, row.offset));
        writer.write_record([
            iso_date(row.count_date).as_str(),
            row.team,
            place.borough,
            &location,
            &latitude,
            &longitude,
            row.gender,
            row.age_band,
            &row.name,
            &row.chain_id,
        ])?;
    }
    writer.flush()?;

    let mut writer = csv_writer(open, "health-events.csv", &HEALTH_EVENTS_HEADER)?;
    for (index, event) in dataset.health_events.iter().enumerate() {
        writer.write_record([
            format!("HE{:07}", index + 1).as_str(),
            &event.nhs_number,
            &event.name,
            &event.date_of_birth,
            event.event_type,
            &iso_date(event.event_date),
            event.provider,
        ])?;
    }
    writer.flush()?;

    let mut writer = csv_writer(open, "truth.csv", &TRUTH_HEADER)?;
    for record in &dataset.chain_persons {
        writer.write_record(["chain", &record.chain_id, &person_key(record.person)])?;
    }
    for client in &dataset.inform_clients {
        writer.write_record(["inform", &client.inform_id, &person_key(client.person)])?;
    }
    for row in dataset.street_count.iter().filter(|row| row.is_identified()) {
        writer.write_record(["street_count", &row.id(), &person_key(row.person)])?;
    }
    for (index, event) in dataset.health_events.iter().enumerate() {
        writer.write_record(["health", &format!("HE{:07}", index + 1), &person_key(event.person)])?;
    }
    writer.flush()?;
    Ok(())
}
