//! Source records and events, as the importers produce them and the store
//! keeps them. Events are the truth: everything else is derived from them.

pub use crate::codes::*;
use crate::date::{DateOfBirth, iso};
use crate::hash::Fingerprint;
use crate::nationality::Nationality;
use crate::nhs::NhsNumber;
use time::Date;

/// Columns a source export carried that byname has no field for, kept as they were.
pub type Extra = Vec<(String, String)>;

/// Which person-level record an event belongs to (`chain`/`C0012345`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordRef {
    pub source: Source,
    pub source_id: String,
}

/// One person-level record of one source system: a CHAIN person, an Inform
/// client, a named street-count row. A person is a cluster of these.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub source: Source,
    pub source_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub known_as: Option<String>,
    pub aliases: Vec<String>,
    pub date_of_birth: Option<DateOfBirth>,
    pub gender: Option<Gender>,
    pub nationality: Option<Nationality>,
    pub ethnicity: Option<String>,
    pub immigration_status: Option<ImmigrationStatus>,
    pub support_needs: Vec<SupportNeed>,
    pub history: Vec<History>,
    pub last_settled_base: Option<SettledBase>,
    pub nhs_number: Option<NhsNumber>,
    /// The CHAIN id a worker typed into another system; occasionally wrong.
    pub recorded_chain_id: Option<String>,
    pub extra: Extra,
}

/// A meeting with a person, or a sighting. Only bedded-down contacts make
/// someone "seen rough sleeping".
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub source: Source,
    pub source_id: String,
    /// `None` for an anonymous street-count row: counted, never linked.
    pub record: Option<RecordRef>,
    pub date: Date,
    pub time: Option<String>,
    pub team: Option<String>,
    pub borough: Option<String>,
    pub location: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub bedded_down: bool,
    pub contact_type: ContactType,
    pub extra: Extra,
}

/// An accommodation or institution episode.
#[derive(Debug, Clone, PartialEq)]
pub struct Stay {
    pub source: Source,
    pub source_id: String,
    pub record: RecordRef,
    pub provider: Option<String>,
    pub stay_type: StayType,
    pub arrival: Date,
    pub departure: Option<Date>,
    pub departure_reason: Option<DepartureReason>,
    pub extra: Extra,
}

/// Support needs as assessed on a date; `None` means not recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub source: Source,
    pub source_id: String,
    pub record: RecordRef,
    pub assessed_on: Date,
    pub alcohol: Option<bool>,
    pub drugs: Option<bool>,
    pub mental_health: Option<bool>,
    pub physical_health: Option<bool>,
    pub extra: Extra,
}

/// A health partner's event about a person, matched by NHS number.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthEvent {
    pub source_id: String,
    pub nhs_number: Option<NhsNumber>,
    pub name: Option<String>,
    pub date_of_birth: Option<DateOfBirth>,
    pub event_type: HealthEventType,
    pub event_date: Date,
    pub provider: Option<String>,
    pub extra: Extra,
}

fn add_extra(fp: &mut Fingerprint, extra: &Extra) {
    for (key, value) in extra {
        fp.add(key.as_bytes()).add(value.as_bytes());
    }
}

fn opt_string<T: ToString>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(ToString::to_string)
}

impl PersonRecord {
    /// A record with nothing known but its identity.
    pub fn new(source: Source, source_id: impl Into<String>) -> Self {
        Self {
            source,
            source_id: source_id.into(),
            first_name: None,
            last_name: None,
            known_as: None,
            aliases: Vec::new(),
            date_of_birth: None,
            gender: None,
            nationality: None,
            ethnicity: None,
            immigration_status: None,
            support_needs: Vec::new(),
            history: Vec::new(),
            last_settled_base: None,
            nhs_number: None,
            recorded_chain_id: None,
            extra: Vec::new(),
        }
    }

    pub fn fingerprint(&self) -> i64 {
        let mut fp = Fingerprint::default();
        fp.add_opt(self.first_name.as_deref()).add_opt(self.last_name.as_deref()).add_opt(self.known_as.as_deref());
        fp.add(self.aliases.join(";").as_bytes());
        fp.add_opt(opt_string(&self.date_of_birth).as_deref()).add_opt(self.gender.map(Gender::code));
        fp.add_opt(self.nationality.map(Nationality::alpha3)).add_opt(self.ethnicity.as_deref());
        fp.add_opt(self.immigration_status.map(ImmigrationStatus::code));
        fp.add(join_codes(&self.support_needs, SupportNeed::code).as_bytes());
        fp.add(join_codes(&self.history, History::code).as_bytes());
        fp.add_opt(self.last_settled_base.map(SettledBase::code));
        fp.add_opt(self.nhs_number.map(|n| n.as_digits()).as_deref()).add_opt(self.recorded_chain_id.as_deref());
        add_extra(&mut fp, &self.extra);
        fp.finish()
    }

    /// The name people are called by: the preferred name if recorded, else the first name.
    pub fn display_name(&self) -> String {
        let first = self.known_as.as_deref().or(self.first_name.as_deref());
        match (first, self.last_name.as_deref()) {
            (Some(f), Some(l)) => format!("{f} {l}"),
            (Some(one), None) | (None, Some(one)) => one.to_owned(),
            (None, None) => "(name not known)".to_owned(),
        }
    }
}

impl Contact {
    pub fn fingerprint(&self) -> i64 {
        let mut fp = Fingerprint::default();
        fp.add_opt(self.record.as_ref().map(|r| r.source.code()))
            .add_opt(self.record.as_ref().map(|r| r.source_id.as_str()));
        fp.add(iso(self.date).as_bytes()).add_opt(self.time.as_deref()).add_opt(self.team.as_deref());
        fp.add_opt(self.borough.as_deref()).add_opt(self.location.as_deref());
        for coordinate in [self.latitude, self.longitude] {
            fp.add(&coordinate.map_or([0xff; 8], f64::to_le_bytes));
        }
        fp.add(&[u8::from(self.bedded_down)]).add(self.contact_type.code().as_bytes());
        add_extra(&mut fp, &self.extra);
        fp.finish()
    }
}

impl Stay {
    pub fn fingerprint(&self) -> i64 {
        let mut fp = Fingerprint::default();
        fp.add(self.record.source.code().as_bytes()).add(self.record.source_id.as_bytes());
        fp.add_opt(self.provider.as_deref()).add(self.stay_type.code().as_bytes()).add(iso(self.arrival).as_bytes());
        fp.add_opt(self.departure.map(iso).as_deref()).add_opt(self.departure_reason.map(DepartureReason::code));
        add_extra(&mut fp, &self.extra);
        fp.finish()
    }
}

fn yes_no(value: Option<bool>) -> Option<&'static str> {
    value.map(|v| if v { "Y" } else { "N" })
}

impl Assessment {
    pub fn fingerprint(&self) -> i64 {
        let mut fp = Fingerprint::default();
        fp.add(self.record.source_id.as_bytes()).add(iso(self.assessed_on).as_bytes());
        fp.add_opt(yes_no(self.alcohol))
            .add_opt(yes_no(self.drugs))
            .add_opt(yes_no(self.mental_health))
            .add_opt(yes_no(self.physical_health));
        add_extra(&mut fp, &self.extra);
        fp.finish()
    }
}

impl HealthEvent {
    pub fn fingerprint(&self) -> i64 {
        let mut fp = Fingerprint::default();
        fp.add_opt(self.nhs_number.map(|n| n.as_digits()).as_deref()).add_opt(self.name.as_deref());
        fp.add_opt(opt_string(&self.date_of_birth).as_deref()).add(self.event_type.code().as_bytes());
        fp.add(iso(self.event_date).as_bytes()).add_opt(self.provider.as_deref());
        add_extra(&mut fp, &self.extra);
        fp.finish()
    }
}
