//! Every documented column of every import format (FORMATS.md, `spec.rs`), one row at a time:
//! a CSV header and one line go in, and what the parser made of the column comes out as text,
//! compared with what is written here. Each case is a good value and, where a column can be
//! wrong, a bad one, so a change to how any column is read shows as a changed line in one table.
//!
//! The row of a case holds the file's required columns, with the values of [`base`], and the
//! column under test with its value (replacing the base value when the column is required).
//! A good row comes out as the fields of the record that differ from those of the base row
//! alone, one per line (`(no change)` when none do); a bad row as its diagnostics.

use byname_import::mapping::FileMapping;
use byname_import::spec::{self, FileSpec};
use byname_import::street_count::NightCounter;
use byname_import::table::FileErrorOr;
use byname_import::{Diagnostic, Table, chain, health, inform, street_count};
use std::collections::BTreeMap;
use std::fmt::Debug;

/// The required columns' values of a row that parses, for each file.
fn base(spec: &FileSpec) -> &'static [(&'static str, &'static str)] {
    match spec.key {
        "persons" => {
            &[("chain_id", "C1"), ("first_name", "Ann"), ("last_name", "Lee"), ("date_of_birth", "1980-02-03")]
        }
        "contacts" => &[("contact_id", "K1"), ("chain_id", "C1"), ("contact_date", "2024-04-01"), ("bedded_down", "Y")],
        "stays" => &[("stay_id", "S1"), ("chain_id", "C1"), ("stay_type", "hostel"), ("arrival_date", "2024-04-01")],
        "clients" => &[("inform_id", "I1"), ("forename", "Ann"), ("surname", "Lee"), ("dob", "03/02/1980")],
        "placements" => {
            &[("placement_id", "P1"), ("inform_id", "I1"), ("service_type", "hostel"), ("start_date", "01/04/2024")]
        }
        "assessments" => &[("inform_id", "I1"), ("assessed_on", "01/04/2024")],
        "street_count" => &[("count_date", "2024-11-14")],
        "health_events" => &[("event_id", "E1"), ("event_type", "flu_vaccination"), ("event_date", "2024-04-01")],
        other => panic!("no base row for {other}"),
    }
}

/// (file key, column, value, what comes out). One case a line, as the failure message prints
/// the table, so a deliberate change is made by reading the new lines and pasting them here.
#[rustfmt::skip]
const CASES: &[(&str, &str, &str, &str)] = &[
    ("persons", "chain_id", "C2", "source_id: \"C2\""),
    ("persons", "chain_id", "", "persons.csv:2 [chain_id]: required, but blank"),
    ("persons", "first_name", "Zoë", "first_name: Some(\"Zoë\")"),
    ("persons", "first_name", "", "first_name: None"),
    ("persons", "first_name", "Ann2", "persons.csv:2 [first_name]: \"Ann2\" contains '2'; a name has only letters, hyphens, apostrophes and spaces"),
    ("persons", "last_name", "O'Brien-Smith", "last_name: Some(\"O'Brien-Smith\")"),
    ("persons", "last_name", "", "last_name: None"),
    ("persons", "last_name", "Lee!", "persons.csv:2 [last_name]: \"Lee!\" contains '!'; a name has only letters, hyphens, apostrophes and spaces"),
    ("persons", "aliases", "Johnny Smith;J Smyth", "aliases: [\"Johnny Smith\", \"J Smyth\"]"),
    ("persons", "aliases", "J0hnny", "persons.csv:2 [aliases]: \"J0hnny\" contains '0'; a name has only letters, hyphens, apostrophes and spaces"),
    ("persons", "date_of_birth", "1975", "date_of_birth: Some(YearOnly(1975))"),
    ("persons", "date_of_birth", "", "date_of_birth: None"),
    ("persons", "date_of_birth", "1980-02-30", "persons.csv:2 [date_of_birth]: \"1980-02-30\" is not a real calendar date"),
    ("persons", "date_of_birth", "03/02/1980", "persons.csv:2 [date_of_birth]: \"03/02/1980\" is not a date in the form YYYY-MM-DD or YYYY"),
    ("persons", "gender", "female", "gender: Some(Female)"),
    ("persons", "gender", "X", "persons.csv:2 [gender]: unknown code \"X\"; expected one of male, female, other"),
    ("persons", "nationality", "Romania", "nationality: Some(Nationality { alpha3: \"ROU\", name: \"Romania\" })"),
    ("persons", "nationality", "ROU", "nationality: Some(Nationality { alpha3: \"ROU\", name: \"Romania\" })"),
    ("persons", "nationality", "Atlantis", "persons.csv:2 [nationality]: unknown nationality \"Atlantis\": expected a country name in English or an ISO 3166-1 alpha-3 code"),
    ("persons", "ethnicity", "White: English, Welsh, Scottish, Northern Irish or British", "ethnicity: Some(\"White: English, Welsh, Scottish, Northern Irish or British\")"),
    ("persons", "immigration_status", "pre_settled", "immigration_status: Some(PreSettled)"),
    ("persons", "immigration_status", "illegal", "persons.csv:2 [immigration_status]: unknown code \"illegal\"; expected one of british_or_irish, settled, pre_settled, refugee, asylum_seeker, no_recourse_verified, other, unknown"),
    ("persons", "support_needs", "drugs;alcohol", "support_needs: [Alcohol, Drugs]"),
    ("persons", "support_needs", "drugs;gambling", "persons.csv:2 [support_needs]: unknown code \"gambling\"; expected codes among alcohol, drugs, mental_health, physical_health, learning_disability separated by ;"),
    ("persons", "history", "prison;care", "history: [Prison, Care]"),
    ("persons", "history", "army", "persons.csv:2 [history]: unknown code \"army\"; expected codes among prison, care, armed_forces, asylum_support separated by ;"),
    ("persons", "last_settled_base", "private_rented", "last_settled_base: Some(PrivateRented)"),
    ("persons", "last_settled_base", "car", "persons.csv:2 [last_settled_base]: unknown code \"car\"; expected one of private_rented, social_rented, family_friends, tied, institution, asylum_accommodation, other, unknown"),
    ("persons", "nhs_number", "9434765919", "nhs_number: Some(NhsNumber([9, 4, 3, 4, 7, 6, 5, 9, 1, 9]))"),
    ("persons", "nhs_number", "9434765918", "persons.csv:2 [nhs_number]: NHS number \"9434765918\" fails the modulus-11 check digit"),
    ("persons", "nhs_number", "12345", "persons.csv:2 [nhs_number]: NHS number \"12345\" does not have 10 digits"),
    ("contacts", "contact_id", "K2", "source_id: \"K2\""),
    ("contacts", "contact_id", "", "contacts.csv:2 [contact_id]: required, but blank"),
    ("contacts", "chain_id", "C2", "record: Some(RecordRef { source: Chain, source_id: \"C2\" })"),
    ("contacts", "chain_id", "", "contacts.csv:2 [chain_id]: required, but blank"),
    ("contacts", "contact_date", "2024-05-06", "date: 2024-05-06"),
    ("contacts", "contact_date", "", "contacts.csv:2 [contact_date]: required, but blank"),
    ("contacts", "contact_date", "06/05/2024", "contacts.csv:2 [contact_date]: \"06/05/2024\" is not a date in the form YYYY-MM-DD"),
    ("contacts", "contact_time", "05:30", "time: Some(\"05:30\")"),
    ("contacts", "contact_time", "5.30am", "contacts.csv:2 [contact_time]: \"5.30am\" is not a time in the form HH:MM"),
    ("contacts", "team", "Westminster outreach", "team: Some(\"Westminster outreach\")"),
    ("contacts", "borough", "Westminster", "borough: Some(\"Westminster\")"),
    ("contacts", "location", "Strand, doorway near Charing Cross", "location: Some(\"Strand, doorway near Charing Cross\")"),
    ("contacts", "latitude", "51.5081", "latitude: Some(51.5081)"),
    ("contacts", "latitude", "91", "contacts.csv:2 [latitude]: 91 is outside -90..=90"),
    ("contacts", "latitude", "north", "contacts.csv:2 [latitude]: \"north\" is not a decimal number"),
    ("contacts", "longitude", "-0.1248", "longitude: Some(-0.1248)"),
    ("contacts", "longitude", "-181", "contacts.csv:2 [longitude]: -181 is outside -180..=180"),
    ("contacts", "longitude", "west", "contacts.csv:2 [longitude]: \"west\" is not a decimal number"),
    ("contacts", "bedded_down", "N", "bedded_down: false"),
    ("contacts", "bedded_down", "", "contacts.csv:2 [bedded_down]: required, but blank; expected Y or N"),
    ("contacts", "bedded_down", "yes", "contacts.csv:2 [bedded_down]: \"yes\" is neither Y nor N"),
    ("contacts", "contact_type", "day_centre", "contact_type: DayCentre"),
    ("contacts", "contact_type", "phone", "contacts.csv:2 [contact_type]: unknown code \"phone\"; expected one of outreach, street_count, assessment_hub, day_centre, other"),
    ("stays", "stay_id", "S2", "source_id: \"S2\""),
    ("stays", "stay_id", "", "stays.csv:2 [stay_id]: required, but blank"),
    ("stays", "chain_id", "C2", "record: RecordRef { source: Chain, source_id: \"C2\" }"),
    ("stays", "chain_id", "", "stays.csv:2 [chain_id]: required, but blank"),
    ("stays", "provider", "St Mungo's", "provider: Some(\"St Mungo's\")"),
    ("stays", "stay_type", "hotel", "stay_type: Hotel"),
    ("stays", "stay_type", "", "stays.csv:2 [stay_type]: required, but blank; expected one of hotel, assessment_hub, night_shelter, hostel, supported_housing, housing_first, private_rented, social_housing, reconnection, hospital, prison, asylum_accommodation, care"),
    ("stays", "stay_type", "tent", "stays.csv:2 [stay_type]: unknown code \"tent\"; expected one of hotel, assessment_hub, night_shelter, hostel, supported_housing, housing_first, private_rented, social_housing, reconnection, hospital, prison, asylum_accommodation, care"),
    ("stays", "arrival_date", "2024-05-06", "arrival: 2024-05-06"),
    ("stays", "arrival_date", "", "stays.csv:2 [arrival_date]: required, but blank"),
    ("stays", "arrival_date", "2024-13-01", "stays.csv:2 [arrival_date]: \"2024-13-01\" is not a real calendar date"),
    ("stays", "departure_date", "2024-06-30", "departure: Some(2024-06-30)"),
    ("stays", "departure_date", "2024-03-01", "stays.csv:2 [departure_date]: 2024-03-01 is before the arrival_date 2024-04-01"),
    ("stays", "departure_date", "soon", "stays.csv:2 [departure_date]: \"soon\" is not a date in the form YYYY-MM-DD"),
    ("stays", "departure_reason", "planned_move_on", "departure_reason: Some(PlannedMoveOn)"),
    ("stays", "departure_reason", "move_on", "stays.csv:2 [departure_reason]: unknown code \"move_on\"; expected one of planned_move_on, abandoned, evicted, prison, hospital, deceased, other"),
    ("clients", "inform_id", "I2", "source_id: \"I2\""),
    ("clients", "inform_id", "", "clients.csv:2 [inform_id]: required, but blank"),
    ("clients", "forename", "Zoë", "first_name: Some(\"Zoë\")"),
    ("clients", "forename", "Ann2", "clients.csv:2 [forename]: \"Ann2\" contains '2'; a name has only letters, hyphens, apostrophes and spaces"),
    ("clients", "surname", "O'Brien", "last_name: Some(\"O'Brien\")"),
    ("clients", "surname", "Lee!", "clients.csv:2 [surname]: \"Lee!\" contains '!'; a name has only letters, hyphens, apostrophes and spaces"),
    ("clients", "known_as", "Annie", "known_as: Some(\"Annie\")"),
    ("clients", "known_as", "Ann1e", "clients.csv:2 [known_as]: \"Ann1e\" contains '1'; a name has only letters, hyphens, apostrophes and spaces"),
    ("clients", "dob", "1975", "date_of_birth: Some(YearOnly(1975))"),
    ("clients", "dob", "31/02/1980", "clients.csv:2 [dob]: \"31/02/1980\" is not a real calendar date"),
    ("clients", "dob", "1980-02-03", "clients.csv:2 [dob]: \"1980-02-03\" is not a date in the form DD/MM/YYYY"),
    ("clients", "sex", "F", "gender: Some(Female)"),
    ("clients", "sex", "U", "(no change)"),
    ("clients", "sex", "X", "clients.csv:2 [sex]: unknown code \"X\"; expected one of M, F, U"),
    ("clients", "nationality_code", "ROU", "nationality: Some(Nationality { alpha3: \"ROU\", name: \"Romania\" })"),
    ("clients", "nationality_code", "Romania", "clients.csv:2 [nationality_code]: \"Romania\" is not an ISO 3166-1 alpha-3 country code"),
    ("clients", "nhs_number", "943 476 5919", "nhs_number: Some(NhsNumber([9, 4, 3, 4, 7, 6, 5, 9, 1, 9]))"),
    ("clients", "nhs_number", "943 476 5918", "clients.csv:2 [nhs_number]: NHS number \"943 476 5918\" fails the modulus-11 check digit"),
    ("clients", "chain_id", "C1", "recorded_chain_id: Some(\"C1\")"),
    ("placements", "placement_id", "P2", "source_id: \"P2\""),
    ("placements", "placement_id", "", "placements.csv:2 [placement_id]: required, but blank"),
    ("placements", "inform_id", "I2", "record: RecordRef { source: Inform, source_id: \"I2\" }"),
    ("placements", "inform_id", "", "placements.csv:2 [inform_id]: required, but blank"),
    ("placements", "service", "Clearway hostel", "provider: Some(\"Clearway hostel\")"),
    ("placements", "service_type", "housing_first", "stay_type: HousingFirst"),
    ("placements", "service_type", "", "placements.csv:2 [service_type]: required, but blank; expected one of hostel, supported_housing, hotel, night_shelter, housing_first"),
    ("placements", "service_type", "prison", "placements.csv:2 [service_type]: unknown code \"prison\"; expected one of hostel, supported_housing, hotel, night_shelter, housing_first"),
    ("placements", "service_type", "tent", "placements.csv:2 [service_type]: unknown code \"tent\"; expected one of hostel, supported_housing, hotel, night_shelter, housing_first"),
    ("placements", "start_date", "06/05/2024", "arrival: 2024-05-06"),
    ("placements", "start_date", "", "placements.csv:2 [start_date]: required, but blank"),
    ("placements", "start_date", "2024-05-06", "placements.csv:2 [start_date]: \"2024-05-06\" is not a date in the form DD/MM/YYYY"),
    ("placements", "end_date", "30/06/2024", "departure: Some(2024-06-30)"),
    ("placements", "end_date", "01/03/2024", "placements.csv:2 [end_date]: 2024-03-01 is before the start_date 2024-04-01"),
    ("placements", "end_date", "32/06/2024", "placements.csv:2 [end_date]: \"32/06/2024\" is not a real calendar date"),
    ("placements", "end_reason", "move_on", "departure_reason: Some(PlannedMoveOn)"),
    ("placements", "end_reason", "custody", "departure_reason: Some(Prison)"),
    ("placements", "end_reason", "planned_move_on", "placements.csv:2 [end_reason]: unknown code \"planned_move_on\"; expected one of move_on, abandoned, evicted, custody, hospital, died, other"),
    ("assessments", "inform_id", "I2", "record: RecordRef { source: Inform, source_id: \"I2\" }\nsource_id: \"I2/2024-04-01\""),
    ("assessments", "inform_id", "", "assessments.csv:2 [inform_id]: required, but blank"),
    ("assessments", "assessed_on", "06/05/2024", "assessed_on: 2024-05-06\nsource_id: \"I1/2024-05-06\""),
    ("assessments", "assessed_on", "", "assessments.csv:2 [assessed_on]: required, but blank"),
    ("assessments", "assessed_on", "2024-05-06", "assessments.csv:2 [assessed_on]: \"2024-05-06\" is not a date in the form DD/MM/YYYY"),
    ("assessments", "alcohol", "Yes", "alcohol: Some(true)"),
    ("assessments", "alcohol", "Y", "assessments.csv:2 [alcohol]: \"Y\" is neither Yes nor No"),
    ("assessments", "drugs", "No", "drugs: Some(false)"),
    ("assessments", "drugs", "maybe", "assessments.csv:2 [drugs]: \"maybe\" is neither Yes nor No"),
    ("assessments", "mental_health", "Yes", "mental_health: Some(true)"),
    ("assessments", "mental_health", "true", "assessments.csv:2 [mental_health]: \"true\" is neither Yes nor No"),
    ("assessments", "physical_health", "No", "physical_health: Some(false)"),
    ("assessments", "physical_health", "0", "assessments.csv:2 [physical_health]: \"0\" is neither Yes nor No"),
    ("street_count", "count_date", "2024-11-15", "contact.date: 2024-11-15\ncontact.source_id: \"SC-2024-11-15-1\""),
    ("street_count", "count_date", "", "street-count.csv:2 [count_date]: required, but blank"),
    ("street_count", "count_date", "15/11/2024", "street-count.csv:2 [count_date]: \"15/11/2024\" is not a date in the form YYYY-MM-DD"),
    ("street_count", "team", "Night count", "contact.team: Some(\"Night count\")"),
    ("street_count", "borough", "Camden", "contact.borough: Some(\"Camden\")"),
    ("street_count", "location", "Euston Road", "contact.location: Some(\"Euston Road\")"),
    ("street_count", "latitude", "51.5281", "contact.latitude: Some(51.5281)"),
    ("street_count", "latitude", "-91", "street-count.csv:2 [latitude]: -91 is outside -90..=90"),
    ("street_count", "longitude", "-0.1337", "contact.longitude: Some(-0.1337)"),
    ("street_count", "longitude", "x", "street-count.csv:2 [longitude]: \"x\" is not a decimal number"),
    ("street_count", "gender", "male", "contact.extra: [(\"gender\", \"male\")]"),
    ("street_count", "gender", "M", "street-count.csv:2 [gender]: unknown code \"M\"; expected one of male, female, other"),
    ("street_count", "age_band", "26-35", "contact.extra: [(\"age_band\", \"26-35\")]"),
    ("street_count", "age_band", "30", "street-count.csv:2 [age_band]: unknown code \"30\"; expected one of 18-25, 26-35, 36-45, 46-55, over_55, under_18"),
    ("street_count", "name", "Ann Lee", "contact.extra: [(\"name\", \"Ann Lee\")]\ncontact.record: Some(RecordRef { source: StreetCount, source_id: \"SC-2024-11-14-1\" })\nperson.first_name: Some(\"Ann\")\nperson.last_name: Some(\"Lee\")\nperson.source: StreetCount\nperson.source_id: \"SC-2024-11-14-1\""),
    ("street_count", "name", "Ann", "contact.extra: [(\"name\", \"Ann\")]\ncontact.record: Some(RecordRef { source: StreetCount, source_id: \"SC-2024-11-14-1\" })\nperson.first_name: Some(\"Ann\")\nperson.source: StreetCount\nperson.source_id: \"SC-2024-11-14-1\""),
    ("street_count", "name", "Ann 2", "street-count.csv:2 [name]: \"Ann 2\" contains '2'; a name has only letters, hyphens, apostrophes and spaces"),
    ("street_count", "chain_id", "C1", "contact.record: Some(RecordRef { source: Chain, source_id: \"C1\" })"),
    ("health_events", "event_id", "E2", "source_id: \"E2\""),
    ("health_events", "event_id", "", "health-events.csv:2 [event_id]: required, but blank"),
    ("health_events", "nhs_number", "9434765919", "nhs_number: Some(NhsNumber([9, 4, 3, 4, 7, 6, 5, 9, 1, 9]))"),
    ("health_events", "nhs_number", "9434765918", "health-events.csv:2 [nhs_number]: NHS number \"9434765918\" fails the modulus-11 check digit"),
    ("health_events", "name", "Ann Lee", "name: Some(\"Ann Lee\")"),
    ("health_events", "name", "Ann#Lee", "health-events.csv:2 [name]: \"Ann#Lee\" contains '#'; a name has only letters, hyphens, apostrophes and spaces"),
    ("health_events", "date_of_birth", "1980-02-03", "date_of_birth: Some(Full(1980-02-03))"),
    ("health_events", "date_of_birth", "1980-02-30", "health-events.csv:2 [date_of_birth]: \"1980-02-30\" is not a real calendar date"),
    ("health_events", "event_type", "gp_registration", "event_type: GpRegistration"),
    ("health_events", "event_type", "", "health-events.csv:2 [event_type]: required, but blank; expected one of covid_vaccination, flu_vaccination, gp_registration, hepatitis_c_test, alcohol_treatment_start"),
    ("health_events", "event_type", "flu_jab", "health-events.csv:2 [event_type]: unknown code \"flu_jab\"; expected one of covid_vaccination, flu_vaccination, gp_registration, hepatitis_c_test, alcohol_treatment_start"),
    ("health_events", "event_date", "2024-05-06", "event_date: 2024-05-06"),
    ("health_events", "event_date", "", "health-events.csv:2 [event_date]: required, but blank"),
    ("health_events", "event_date", "06/05/2024", "health-events.csv:2 [event_date]: \"06/05/2024\" is not a date in the form YYYY-MM-DD"),
    ("health_events", "provider", "Great Chapel Street practice", "provider: Some(\"Great Chapel Street practice\")"),
];

fn spec_of(key: &str) -> &'static FileSpec {
    spec::ALL.into_iter().find(|spec| spec.key == key).unwrap_or_else(|| panic!("no file {key}"))
}

/// A value as a CSV field: quoted when it must be, and when empty, so that a line of one empty
/// field is a row and not a blank line.
fn csv_field(value: &str) -> String {
    if value.is_empty() || value.contains([',', '"', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// The header and the one line of a case.
fn row_text(spec: &FileSpec, column: &str, value: &str) -> String {
    let base = base(spec);
    let (header, line): (Vec<&str>, Vec<String>) = spec
        .columns
        .iter()
        .filter(|c| c.name == column || base.iter().any(|(name, _)| *name == c.name))
        .map(|c| {
            let value = if c.name == column { value } else { base.iter().find(|(n, _)| *n == c.name).unwrap().1 };
            (c.name, csv_field(value))
        })
        .unzip();
    format!("{}\n{}\n", header.join(","), line.join(","))
}

/// The record's top-level fields, each on one line, by name.
fn fields(prefix: &str, record: &impl Debug) -> BTreeMap<String, String> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in format!("{record:#?}").lines().filter(|line| line.starts_with("    ")) {
        let top_level = line.starts_with("    ") && !line.starts_with("     ");
        match (top_level, line.trim().split_once(": "), fields.last_mut()) {
            (true, Some((name, value)), _) => fields.push((format!("{prefix}{name}"), value.to_owned())),
            (_, _, Some((_, value))) => {
                value.push(' ');
                value.push_str(line.trim());
            }
            _ => {}
        }
    }
    // Pretty printing's layout, undone: `Some( Full( 1980, ), ),` reads `Some(Full(1980))`.
    fields
        .into_iter()
        .map(|(name, value)| {
            let value = value
                .replace("( ", "(")
                .replace("[ ", "[")
                .replace(", )", ")")
                .replace(", ]", "]")
                .replace(", }", " }");
            (name, value.trim_end_matches(',').to_owned())
        })
        .collect()
}

/// Parses the one line of `text` as a row of `spec`, into its fields or its diagnostics.
fn parse(spec: &'static FileSpec, text: &str) -> Result<BTreeMap<String, String>, Vec<Diagnostic>> {
    let (mut table, _) = Table::open(text.as_bytes(), spec.file_name, spec, &FileMapping::default()).unwrap();
    let row = match table.next_row().expect("one row") {
        Ok(row) => row,
        Err(FileErrorOr::Row(diagnostic)) => return Err(vec![diagnostic]),
        Err(FileErrorOr::File(error)) => panic!("{error}"),
    };
    Ok(match spec.key {
        "persons" => fields("", &chain::person(&row)?),
        "contacts" => fields("", &chain::contact(&row)?),
        "stays" => fields("", &chain::stay(&row)?),
        "clients" => fields("", &inform::client(&row)?),
        "placements" => fields("", &inform::placement(&row)?),
        "assessments" => fields("", &inform::assessment(&row)?),
        "street_count" => {
            let sighting = street_count::sighting(&row, &mut NightCounter::default())?;
            let mut fields = fields("contact.", &sighting.contact);
            if let Some(person) = &sighting.person {
                fields.extend(self::fields("person.", person));
            }
            fields
        }
        "health_events" => fields("", &health::event(&row)?),
        other => panic!("no parser for {other}"),
    })
}

/// What one case comes out as: the fields that differ from the base row's, or the diagnostics.
fn outcome(key: &str, column: &str, value: &str) -> String {
    let spec = spec_of(key);
    let base_text = row_text(spec, "", "");
    let base = parse(spec, &base_text).unwrap_or_else(|d| panic!("the base row of {key} is bad: {d:?}\n{base_text}"));
    match parse(spec, &row_text(spec, column, value)) {
        Ok(fields) => {
            let changed: Vec<String> = fields
                .iter()
                // A field the base row lacks (the person of a named street-count row) shows
                // only where it holds something.
                .filter(|(name, value)| match base.get(*name) {
                    Some(before) => before != *value,
                    None => !matches!(value.as_str(), "None" | "[]"),
                })
                .map(|(name, value)| format!("{name}: {value}"))
                .chain(base.keys().filter(|name| !fields.contains_key(*name)).map(|name| format!("{name}: (gone)")))
                .collect();
            if changed.is_empty() { "(no change)".to_owned() } else { changed.join("\n") }
        }
        Err(diagnostics) => diagnostics.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
    }
}

#[test]
fn every_column_of_every_format_reads_as_written_here() {
    let mut wrong = Vec::new();
    for (key, column, value, expected) in CASES {
        let actual = outcome(key, column, value);
        if actual != *expected {
            wrong.push(format!(
                "{key}.{column} = {value:?}, the row\n{}expected\n{expected}\ngot\n{actual}\n",
                row_text(spec_of(key), column, value)
            ));
        }
    }
    if !wrong.is_empty() {
        let table: Vec<String> = CASES
            .iter()
            .map(|(key, column, value, _)| {
                format!("    ({key:?}, {column:?}, {value:?}, {:?}),", outcome(key, column, value))
            })
            .collect();
        panic!(
            "{} of {} cases differ:\n\n{}\nthe table as it now reads:\n{}",
            wrong.len(),
            CASES.len(),
            wrong.join("\n"),
            table.join("\n")
        );
    }
}

/// Free-text columns, which take any value: every other column has a case with a bad value.
const FREE_TEXT: &[(&str, &str)] = &[
    ("persons", "ethnicity"),
    ("contacts", "team"),
    ("contacts", "borough"),
    ("contacts", "location"),
    ("stays", "provider"),
    ("clients", "chain_id"),
    ("placements", "service"),
    ("street_count", "team"),
    ("street_count", "borough"),
    ("street_count", "location"),
    ("street_count", "chain_id"),
    ("health_events", "provider"),
];

#[test]
fn every_documented_column_has_a_good_case_and_a_bad_one_unless_it_is_free_text() {
    let missing: Vec<String> = spec::ALL
        .iter()
        .flat_map(|spec| spec.columns.iter().map(move |column| (spec.key, column.name)))
        .filter(|(key, column)| !CASES.iter().any(|(k, c, _, _)| k == key && c == column))
        .map(|(key, column)| format!("{key}.{column}"))
        .collect();
    assert!(missing.is_empty(), "documented columns without a case: {}", missing.join(", "));

    let is_diagnostic = |key: &str, expected: &str| expected.starts_with(&format!("{}:", spec_of(key).file_name));
    let without_a_bad_case: Vec<String> = spec::ALL
        .iter()
        .flat_map(|spec| spec.columns.iter().map(move |column| (spec.key, column.name)))
        .filter(|column| !FREE_TEXT.contains(column))
        .filter(|(key, column)| !CASES.iter().any(|(k, c, _, e)| k == key && c == column && is_diagnostic(k, e)))
        .map(|(key, column)| format!("{key}.{column}"))
        .collect();
    assert!(without_a_bad_case.is_empty(), "columns without a bad case: {}", without_a_bad_case.join(", "));
    let without_a_good_case: Vec<String> = spec::ALL
        .iter()
        .flat_map(|spec| spec.columns.iter().map(move |column| (spec.key, column.name)))
        .filter(|(key, column)| !CASES.iter().any(|(k, c, _, e)| k == key && c == column && !is_diagnostic(k, e)))
        .map(|(key, column)| format!("{key}.{column}"))
        .collect();
    assert!(without_a_good_case.is_empty(), "columns without a good case: {}", without_a_good_case.join(", "));
}
