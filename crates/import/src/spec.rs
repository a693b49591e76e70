//! The documented columns of every import file (FORMATS.md).

/// One file of an import format: its usual name, and its columns.
#[derive(Debug)]
pub struct FileSpec {
    /// The key used in column-mapping files (`persons`, `contacts`, ...).
    pub key: &'static str,
    /// The file name in an export folder.
    pub file_name: &'static str,
    pub columns: &'static [Column],
}

#[derive(Debug)]
pub struct Column {
    pub name: &'static str,
    pub required: bool,
    pub kind: Kind,
}

/// What a column holds, for cells that carry a type of their own (a workbook's dates and times).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A calendar date.
    Date,
    /// A time of day, `HH:MM`.
    Time,
}

const fn req(name: &'static str) -> Column {
    Column { name, required: true, kind: Kind::Text }
}
const fn opt(name: &'static str) -> Column {
    Column { name, required: false, kind: Kind::Text }
}

impl Column {
    const fn date(self) -> Self {
        Self { kind: Kind::Date, ..self }
    }
    const fn time(self) -> Self {
        Self { kind: Kind::Time, ..self }
    }
}

impl FileSpec {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

pub const CHAIN_PERSONS: FileSpec = FileSpec {
    key: "persons",
    file_name: "persons.csv",
    columns: &[
        req("chain_id"),
        req("first_name"),
        req("last_name"),
        opt("aliases"),
        req("date_of_birth").date(),
        opt("gender"),
        opt("nationality"),
        opt("ethnicity"),
        opt("immigration_status"),
        opt("support_needs"),
        opt("history"),
        opt("last_settled_base"),
        opt("nhs_number"),
    ],
};

pub const CHAIN_CONTACTS: FileSpec = FileSpec {
    key: "contacts",
    file_name: "contacts.csv",
    columns: &[
        req("contact_id"),
        req("chain_id"),
        req("contact_date").date(),
        opt("contact_time").time(),
        opt("team"),
        opt("borough"),
        opt("location"),
        opt("latitude"),
        opt("longitude"),
        req("bedded_down"),
        opt("contact_type"),
    ],
};

pub const CHAIN_STAYS: FileSpec = FileSpec {
    key: "stays",
    file_name: "stays.csv",
    columns: &[
        req("stay_id"),
        req("chain_id"),
        opt("provider"),
        req("stay_type"),
        req("arrival_date").date(),
        opt("departure_date").date(),
        opt("departure_reason"),
    ],
};

pub const INFORM_CLIENTS: FileSpec = FileSpec {
    key: "clients",
    file_name: "clients.csv",
    columns: &[
        req("inform_id"),
        req("forename"),
        req("surname"),
        opt("known_as"),
        req("dob").date(),
        opt("sex"),
        opt("nationality_code"),
        opt("nhs_number"),
        opt("chain_id"),
    ],
};

pub const INFORM_PLACEMENTS: FileSpec = FileSpec {
    key: "placements",
    file_name: "placements.csv",
    columns: &[
        req("placement_id"),
        req("inform_id"),
        opt("service"),
        req("service_type"),
        req("start_date").date(),
        opt("end_date").date(),
        opt("end_reason"),
    ],
};

pub const INFORM_ASSESSMENTS: FileSpec = FileSpec {
    key: "assessments",
    file_name: "assessments.csv",
    columns: &[
        req("inform_id"),
        req("assessed_on").date(),
        opt("alcohol"),
        opt("drugs"),
        opt("mental_health"),
        opt("physical_health"),
    ],
};

pub const STREET_COUNT: FileSpec = FileSpec {
    key: "street_count",
    file_name: "street-count.csv",
    columns: &[
        req("count_date").date(),
        opt("team"),
        opt("borough"),
        opt("location"),
        opt("latitude"),
        opt("longitude"),
        opt("gender"),
        opt("age_band"),
        opt("name"),
        opt("chain_id"),
    ],
};

pub const HEALTH_EVENTS: FileSpec = FileSpec {
    key: "health_events",
    file_name: "health-events.csv",
    columns: &[
        req("event_id"),
        opt("nhs_number"),
        opt("name"),
        opt("date_of_birth").date(),
        req("event_type"),
        req("event_date").date(),
        opt("provider"),
    ],
};

pub const ALL: [&FileSpec; 8] = [
    &CHAIN_PERSONS,
    &CHAIN_CONTACTS,
    &CHAIN_STAYS,
    &INFORM_CLIENTS,
    &INFORM_PLACEMENTS,
    &INFORM_ASSESSMENTS,
    &STREET_COUNT,
    &HEALTH_EVENTS,
];
