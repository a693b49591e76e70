//! Rows the store hands back: plain data, converted to views at the edges.

use crate::stored_text::{date_text, instant_text, opt_date_text};
use serde::Serialize;

/// What linkage reads of a record, what it records of a record it compared, and the person it
/// puts a record in: the linkage crate's own types, stored as they are, so that the store and the
/// platform's run share one definition of each.
pub use byname_linkage::{ComparedRecord as Compared, RecordPerson as Link, StoredRecord as LinkInput};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportSummary {
    pub id: i64,
    pub kind: String,
    pub origin: String,
    #[serde(serialize_with = "instant_text")]
    pub started_at: time::OffsetDateTime,
    #[serde(serialize_with = "instant_text")]
    pub finished_at: time::OffsetDateTime,
    pub rows_read: i64,
    pub imported: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub withdrawn: i64,
    pub rejected: i64,
    pub warnings: i64,
    /// Rows skipped because they belong to a person who was erased (`byname erase`).
    pub erased: i64,
}

/// A team, provider or service name: claimed by an organisation, seen in imports, or both, with
/// what the imports recorded under it (current rows only; contacts recorded in byname carry
/// their organisation and are not counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameCoverage {
    pub name: String,
    /// The organisation that goes by the name, if one does.
    pub organisation_id: Option<i64>,
    /// Source records with a contact or a stay under the name.
    pub records: i64,
    pub contacts: i64,
    pub stays: i64,
}

/// How complete a source's current records are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCompleteness {
    pub source: String,
    pub records: i64,
    pub with_date_of_birth: i64,
    pub with_nationality: i64,
    pub with_nhs_number: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StoredDiagnostic {
    pub severity: String,
    pub file: String,
    pub line: i64,
    pub column: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LinkChanges {
    pub records_moved: i64,
    pub persons_created: i64,
    pub persons_removed: i64,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub organisation_id: i64,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: byname_domain::Role,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub password_hash: String,
    pub disabled: bool,
    /// The service area a service leader answers for.
    pub service_area: Option<String>,
    pub data_protection_lead: bool,
    pub must_change_password: bool,
    /// A service leader who is also the head of service of their area (escalation level 2).
    pub head_of_service: bool,
    /// The base32 TOTP secret in force (sealed at rest, opened here).
    pub totp_secret: Option<String>,
    /// A secret being enrolled: it replaces the one in force once a code from it is confirmed.
    pub totp_pending: Option<String>,
    /// The time step of the last code accepted: a code is accepted once.
    pub totp_last_step: Option<i64>,
    /// The second factor is asked for at sign-in.
    pub totp_enabled: bool,
    /// Where notifications are emailed, when the partnership has set up email.
    pub email: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: time::OffsetDateTime,
    pub expires_at: time::OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user: UserRow,
    pub csrf_token: String,
    pub expires_at: time::OffsetDateTime,
}

/// One person seen in a window, with the facts the by-name list shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SeenPerson {
    pub person_id: i64,
    pub times_seen: i64,
    pub last_seen: String,
    pub last_location: Option<String>,
    pub last_borough: Option<String>,
    pub most_frequent_team: Option<String>,
    pub lead_organisation: Option<String>,
    /// The person's records, best first (CHAIN, then Inform, then others).
    pub records: Vec<RecordSummary>,
    /// Needs recorded as present in any record or assessment (codes).
    pub support_needs: Vec<String>,
    /// The distinct days seen bedded down in the window, newest first.
    pub seen_days: Vec<String>,
    /// The first day ever seen bedded down.
    pub first_seen: Option<String>,
    /// Every stay of the person's records (accommodation, institutions, journeys home), so that
    /// the service can tell whether they were housed, died or moved away since last seen.
    pub stays: Vec<SeenStay>,
}

/// A stay as the by-name list needs it, dates ISO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenStay {
    pub stay_type: String,
    pub arrival: String,
    pub departure: Option<String>,
    pub reason: Option<String>,
}

/// Escalations on a person: how many are open (or acknowledged), and how many of those are past
/// their deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EscalationFlags {
    pub open: i64,
    pub overdue: i64,
}

/// What a search finds a person by, one current record each: names, date of birth and ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRecord {
    pub person_id: i64,
    pub source: String,
    pub source_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub known_as: Option<String>,
    /// Other names, `;`-separated.
    pub aliases: Option<String>,
    pub date_of_birth: Option<String>,
    pub nhs_number: Option<String>,
    /// The CHAIN id a worker recorded on another system's record.
    pub recorded_chain_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordSummary {
    pub source: String,
    pub source_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub known_as: Option<String>,
    pub date_of_birth: Option<String>,
    pub nationality: Option<String>,
    /// How to recognise someone registered without a name.
    pub description: Option<String>,
}

/// One entry of the audit log. Its instant and action stay the exact text stored, unlike the
/// typed values of other rows: the chain's HMAC is computed over that text, and `audit verify`
/// must be able to read an altered row (a garbled instant, an unknown action) to name it, rather
/// than fail on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// ISO 8601 in UTC to the second, as `sql_instant` writes it.
    pub at: String,
    pub user_id: Option<i64>,
    /// The user's organisation, so its data-protection lead finds the entry.
    pub organisation_id: Option<i64>,
    pub action: String,
    pub person_id: Option<i64>,
    pub purpose: Option<String>,
    /// Why the access rules allowed what was seen (`access::Basis::code`).
    pub basis: Option<String>,
    pub detail: Option<String>,
    /// The people an entry covers besides `person_id`: those on a page of the by-name list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub persons: Vec<i64>,
}

/// Per table: row count and an order-independent digest of every row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub tables: Vec<(String, i64, String)>,
}

/// A run of probabilistic linkage, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRun {
    pub id: i64,
    pub started_at: time::OffsetDateTime,
    /// `full` (trained anew, every pair compared) or `incremental`.
    pub mode: String,
    /// The model as JSON.
    pub model: String,
    pub records: i64,
    pub compared: i64,
    pub auto_links: i64,
    pub review: i64,
    pub auto_threshold: f64,
    pub review_threshold: f64,
}

/// A scored pair of records, `left_record_id < right_record_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkPair {
    pub left_record_id: i64,
    pub right_record_id: i64,
    pub probability: f64,
    pub weight: f64,
    /// The explanation (waterfall) as JSON.
    pub explanation: String,
}

/// What a run changes in the stored pairs: all of them (a full run) or those touching some records.
#[derive(Debug, Clone, PartialEq)]
pub enum PairScope {
    All,
    Touching(Vec<i64>),
}

/// A decision about a pair of records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDecision {
    pub batch: String,
    pub left_record_id: i64,
    pub right_record_id: i64,
    pub same_person: bool,
    /// `review`, `merge` or `split`.
    pub origin: String,
    pub reason: String,
    pub decided_by: Option<i64>,
    pub decided_at: time::OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: i64,
    pub batch: String,
    pub left_record_id: i64,
    pub right_record_id: i64,
    pub same_person: bool,
    pub origin: String,
    pub reason: String,
    /// Who decided, by name, and by user id.
    pub decided_by: Option<String>,
    pub decided_by_id: Option<i64>,
    pub decided_at: time::OffsetDateTime,
    pub undone_by: Option<String>,
    pub undone_at: Option<time::OffsetDateTime>,
}

/// One source record as the person and review pages show it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordDetail {
    pub record_id: i64,
    pub source: String,
    pub source_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub known_as: Option<String>,
    pub aliases: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    /// The immigration status code as recorded (CHAIN's).
    pub immigration_status: Option<String>,
    pub nhs_number: Option<String>,
    pub recorded_chain_id: Option<String>,
    /// How to recognise someone registered without a name.
    pub description: Option<String>,
    pub withdrawn: bool,
    pub person_id: Option<i64>,
    /// Why the record belongs to its person (`own_record`, `shared_nhs_number`, `probabilistic`, ...).
    pub rule: Option<String>,
}

/// A consent's purpose as stored: one byname knows, or the text of one it does not. byname
/// writes only purposes it knows; a consent whose purpose it cannot read counts as no consent,
/// and is shown as its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredPurpose {
    Known(byname_domain::access::Purpose),
    Unknown(String),
}

impl StoredPurpose {
    /// Reads a stored purpose as the access rules always have: its code, spaces around ignored.
    pub fn read(text: String) -> Self {
        byname_domain::access::Purpose::parse(&text).map_or(Self::Unknown(text), Self::Known)
    }

    /// The purpose, when byname knows it.
    pub fn known(&self) -> Option<byname_domain::access::Purpose> {
        match self {
            Self::Known(purpose) => Some(*purpose),
            Self::Unknown(_) => None,
        }
    }

    /// The stored code (or text).
    pub fn code(&self) -> &str {
        match self {
            Self::Known(purpose) => purpose.code(),
            Self::Unknown(text) => text,
        }
    }

    /// The purpose in words, or the stored text when byname does not know it.
    pub fn label(&self) -> &str {
        match self {
            Self::Known(purpose) => purpose.label(),
            Self::Unknown(text) => text,
        }
    }
}

impl Serialize for StoredPurpose {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// A consent as recorded, with who recorded and withdrew it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentRow {
    pub id: i64,
    pub person_id: i64,
    pub purpose: StoredPurpose,
    /// Empty when given to all partners.
    pub organisations: Vec<i64>,
    pub all_partners: bool,
    #[serde(serialize_with = "date_text")]
    pub given_on: time::Date,
    #[serde(serialize_with = "opt_date_text")]
    pub expires_on: Option<time::Date>,
    pub recorded_by: String,
    #[serde(serialize_with = "instant_text")]
    pub recorded_at: time::OffsetDateTime,
    #[serde(serialize_with = "opt_date_text")]
    pub withdrawn_on: Option<time::Date>,
    pub withdrawn_by: Option<String>,
    /// Recorded under break-glass and not (yet) confirmed by the data-protection lead: it gives
    /// no access.
    pub awaiting_confirmation: bool,
}

#[derive(Debug, Clone)]
pub struct NewConsent {
    pub person_id: i64,
    pub purpose: String,
    /// `None`: all partners.
    pub organisations: Option<Vec<i64>>,
    pub given_on: time::Date,
    pub expires_on: Option<time::Date>,
    pub recorded_by: i64,
    pub recorded_at: time::OffsetDateTime,
    /// The break-glass opening it was recorded under, when that was the user's only basis.
    pub break_glass_id: Option<i64>,
}

/// What the access rules need to know about one person for one viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessFacts {
    pub person_id: i64,
    /// The viewer's organisation works with the person: a contact, stay or assessment it
    /// recorded, or it leads on them.
    pub works_with: bool,
    pub consents: Vec<ConsentRow>,
    /// The viewer has an open break-glass access to the person.
    pub break_glass: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakGlassRow {
    pub id: i64,
    pub user_id: i64,
    pub user_name: String,
    pub organisation_id: i64,
    pub person_id: i64,
    pub reason: String,
    pub opened_at: time::OffsetDateTime,
    pub expires_at: time::OffsetDateTime,
    /// Contacts and consents recorded under the opening.
    pub recorded: i64,
    /// `confirmed` or `rejected` once the data-protection lead has reviewed it.
    pub review_outcome: Option<String>,
}

/// One row of the audit log as stored, with its place in the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub entry: AuditEntry,
    /// `None` for rows written before the chain began.
    pub hash: Option<String>,
}

/// What an audit search asks for; every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub person_id: Option<i64>,
    pub user_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub action: Option<String>,
    /// Days, inclusive: entries from the start of `from` to the end of `to` (UTC).
    pub from: Option<time::Date>,
    pub to: Option<time::Date>,
    pub limit: i64,
}

/// The lead on a person.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PersonLead {
    pub organisation_id: Option<i64>,
    pub organisation: Option<String>,
    pub user_id: Option<i64>,
    pub user: Option<String>,
}

/// One dated event on a person's timeline, across organisations.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEvent {
    /// ISO date.
    pub date: String,
    /// contact, stay, assessment, escalation, action.
    pub kind: String,
    /// The team, provider or organisation that recorded it.
    pub by: Option<String>,
    pub text: String,
}

/// One dated event on a person's case, as stored: the casework crate words it for the timeline
/// (`byname_casework::casework::timeline_event`). Codes (contact, stay and escalation types,
/// departure reasons) are the stored codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseEvent {
    /// A contact or sighting; `place` is the location then the borough, each when known.
    Contact {
        date: String,
        organisation: Option<String>,
        team: Option<String>,
        place: Vec<String>,
        bedded_down: bool,
        contact_type: String,
        note: Option<String>,
    },
    /// The start of a stay.
    Arrived { date: String, provider: Option<String>, stay_type: String },
    /// The end of a stay.
    Left { date: String, provider: Option<String>, stay_type: String, reason: Option<String> },
    /// An assessment of needs.
    Assessed { date: String, source: Option<String> },
    /// An escalation raised; `date` is the day it was raised.
    Escalated { date: String, organisation: Option<String>, service_area: String, blocked: String, state: String },
    /// An action on the plan; `date` is the day it was created.
    Action { date: String, owner_organisation: String, description: String, done_on: Option<String> },
    /// A health event matched by NHS number; `event_type` is the stored code.
    Health { date: String, provider: Option<String>, event_type: String },
}

impl CaseEvent {
    /// The ISO date the event happened on.
    pub fn date(&self) -> &str {
        match self {
            CaseEvent::Contact { date, .. }
            | CaseEvent::Arrived { date, .. }
            | CaseEvent::Left { date, .. }
            | CaseEvent::Assessed { date, .. }
            | CaseEvent::Escalated { date, .. }
            | CaseEvent::Action { date, .. }
            | CaseEvent::Health { date, .. } => date,
        }
    }
}

/// The kinds of event on a person's timeline, in the order the page offers them as filters and
/// lists events of one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimelineKind {
    /// A contact or sighting (imported or recorded in byname), other than a street count.
    Contact,
    /// A night of the street count: one event a night, however many rows name the person.
    StreetCount,
    /// Moving into or leaving accommodation.
    Stay,
    Assessment,
    /// A health event matched by NHS number.
    Health,
    Escalation,
    /// An action on the plan.
    Action,
}

impl TimelineKind {
    pub const ALL: [TimelineKind; 7] =
        [Self::Contact, Self::StreetCount, Self::Stay, Self::Assessment, Self::Health, Self::Escalation, Self::Action];

    pub fn code(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::StreetCount => "street_count",
            Self::Stay => "stay",
            Self::Assessment => "assessment",
            Self::Health => "health",
            Self::Escalation => "escalation",
            Self::Action => "action",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The plural label of the filter.
    pub fn label(self) -> &'static str {
        match self {
            Self::Contact => "Contacts",
            Self::StreetCount => "Street counts",
            Self::Stay => "Stays",
            Self::Assessment => "Assessments",
            Self::Health => "Health events",
            Self::Escalation => "Escalations",
            Self::Action => "Actions",
        }
    }
}

/// A slice of a person's timeline: the events of some kinds, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineSlice {
    /// The kinds the reader may see, which the counts are of.
    pub counted: Vec<TimelineKind>,
    /// The kinds to read, among those counted; every one counted when empty.
    pub kinds: Vec<TimelineKind>,
    /// How many of the newest events to pass over.
    pub offset: i64,
    /// At most this many events.
    pub limit: i64,
}

/// A slice of a person's timeline and how many events of each kind there are in all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TimelinePage {
    pub events: Vec<(TimelineKind, CaseEvent)>,
    /// Every kind the person has events of, with their number (all of the timeline, not only
    /// the slice), in [`TimelineKind::ALL`]'s order.
    pub counts: Vec<(TimelineKind, i64)>,
}

/// Where and when someone was seen.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SeenAt {
    pub date: String,
    pub location: Option<String>,
    pub borough: Option<String>,
}

/// The accommodation a person is in now: a stay not yet left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentStay {
    pub provider: Option<String>,
    pub stay_type: String,
    pub since: String,
}

/// An escalation still open or acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenEscalation {
    pub id: i64,
    pub service_area: String,
    pub state: String,
    pub deadline_at: String,
}

/// What a person's page sums up from their contacts, stays and escalations.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PersonSummary {
    /// The day of the first contact.
    pub first_seen: Option<String>,
    /// The newest contact: its day and where.
    pub last_seen: Option<SeenAt>,
    /// Contacts, a street-count night counted once.
    pub times_seen: i64,
    /// Distinct days seen bedded down.
    pub days_bedded_down: i64,
    /// Up to three places, best first, ranked by the usual-place rule over all the person's
    /// contacts, each with how many contacts were there.
    pub usual_places: Vec<(String, i64)>,
    pub accommodation: Option<CurrentStay>,
    pub open_escalations: Vec<OpenEscalation>,
}

/// A contact or sighting recorded in byname.
#[derive(Debug, Clone)]
pub struct NewContact {
    /// Unique among byname's own contacts.
    pub source_id: String,
    pub person_id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub recorded_by: i64,
    pub contact_date: String,
    pub contact_time: Option<String>,
    pub location: Option<String>,
    pub borough: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub bedded_down: bool,
    pub note: Option<String>,
    /// The break-glass opening it was recorded under, when that was the user's only basis.
    pub break_glass_id: Option<i64>,
}

/// A person registered in byname by a worker who met them: a record of source `local` owned by
/// the worker's organisation, which becomes its own person at once, and its first contact.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    /// Unique among byname's own records.
    pub source_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// How to recognise the person when the name is not known.
    pub description: Option<String>,
    pub known_as: Option<String>,
    /// `YYYY-MM-DD`, or `YYYY` from an approximate age.
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    /// The nationality's English short name, as imports store it.
    pub nationality: Option<String>,
    /// The record's content fingerprint, as an import of the same fields would compute it.
    pub fingerprint: i64,
    pub created_at: time::OffsetDateTime,
    /// The first contact; its `person_id` is ignored (the new person's is used).
    pub contact: NewContact,
}

/// What registering someone looks for among the records held: records with the same date of
/// birth, or born the same year (or without a date of birth) with a name in common.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CandidateProbe {
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// Years of birth to consider, when the date of birth or an age is known.
    pub years: Vec<i32>,
    /// Names, lower-cased (first, last, known-as): a record with one of them as its first or
    /// last name is a candidate when its year of birth is one of `years` or unknown.
    pub names: Vec<String>,
    /// First letters of those names, lower-cased: a record born in one of `years` whose first
    /// or last name begins with one is a candidate (a typo rarely changes the first letter).
    pub initials: Vec<String>,
    /// At most this many candidate records.
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionRow {
    pub id: i64,
    pub person_id: i64,
    pub description: String,
    pub owner_user_id: Option<i64>,
    pub owner: Option<String>,
    pub owner_organisation_id: i64,
    pub owner_organisation: String,
    #[serde(serialize_with = "opt_date_text")]
    pub due_on: Option<time::Date>,
    #[serde(serialize_with = "opt_date_text")]
    pub done_on: Option<time::Date>,
    #[serde(serialize_with = "instant_text")]
    pub created_at: time::OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewAction {
    pub person_id: i64,
    pub description: String,
    pub owner_user_id: Option<i64>,
    pub owner_organisation_id: i64,
    pub due_on: Option<time::Date>,
    pub created_by: i64,
    pub created_at: time::OffsetDateTime,
}

/// A blockage to raise on a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEscalation {
    pub person_id: i64,
    pub service_area: String,
    pub blocked: String,
    pub needed: String,
    /// The day the raiser needs it by, if they said.
    pub needed_by: Option<time::Date>,
    pub raised_by: i64,
    pub organisation_id: i64,
    pub raised_at: time::OffsetDateTime,
    pub deadline_at: time::OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationRow {
    pub id: i64,
    pub person_id: i64,
    pub service_area: String,
    pub blocked: String,
    pub needed: String,
    pub needed_by: Option<String>,
    pub raised_by: i64,
    pub raised_by_name: String,
    pub organisation_id: i64,
    pub organisation: String,
    pub raised_at: time::OffsetDateTime,
    pub state: byname_domain::escalation::State,
    pub level: byname_domain::escalation::Level,
    pub deadline_at: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
}

/// Filters on escalations; `None` and `false` match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EscalationQuery {
    pub person_id: Option<i64>,
    pub service_area: Option<String>,
    /// The raiser's organisation.
    pub organisation_id: Option<i64>,
    /// Open or acknowledged with the deadline before this instant.
    pub overdue_at: Option<time::OffsetDateTime>,
    /// Open or acknowledged.
    pub live_only: bool,
    pub min_level: Option<byname_domain::escalation::Level>,
}

/// Whose escalations: raised by the organisation or the user, addressed to the area from a
/// level on, or on the Strategic Group's agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee {
    pub user_id: i64,
    pub organisation_id: i64,
    pub service_area: Option<String>,
    pub from_level: byname_domain::escalation::Level,
    pub strategic_group: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalationEventRow {
    pub id: i64,
    pub at: time::OffsetDateTime,
    /// `None`: the overdue step.
    pub user_id: Option<i64>,
    pub user_name: Option<String>,
    pub kind: byname_domain::escalation::EventKind,
    pub text: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub at: time::OffsetDateTime,
    pub text: String,
    /// The escalation the notification is about.
    pub escalation_id: i64,
    pub read_at: Option<time::OffsetDateTime>,
}

/// One change the overdue step made, with whom it notified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedChange {
    pub change: byname_domain::escalation::Change,
    pub person_id: i64,
    pub service_area: String,
    pub notified: Vec<i64>,
}

/// One of the partnership's shared resources, with its current offer if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceRow {
    pub id: i64,
    /// shelter_bed, hotel_room, hostel_bed, hub_bed or other.
    pub kind: String,
    pub name: String,
    pub organisation: String,
    /// The organisation that owns the resource.
    pub organisation_id: i64,
    pub available_from: String,
    /// available, offered or taken.
    pub state: String,
    pub offer: Option<OfferRow>,
}

/// A resource offered to a person: who decided and why, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfferRow {
    pub id: i64,
    pub person_id: i64,
    pub decided_by: String,
    pub decider_organisation_id: i64,
    pub reason: String,
    #[serde(serialize_with = "instant_text")]
    pub offered_at: time::OffsetDateTime,
    /// offered, accepted, refused or withdrawn.
    pub outcome: String,
}

/// A data-sharing agreement between organisations, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreementRow {
    pub id: i64,
    pub title: String,
    pub purpose: String,
    /// The UK GDPR Article 6 basis.
    pub lawful_basis: String,
    /// The Article 9 (and, where needed, DPA 2018 Schedule 1) condition for special category data.
    pub special_category_condition: Option<String>,
    #[serde(serialize_with = "date_text")]
    pub starts_on: time::Date,
    #[serde(serialize_with = "opt_date_text")]
    pub ends_on: Option<time::Date>,
    pub organisations: Vec<String>,
    pub recorded_by: String,
    #[serde(serialize_with = "instant_text")]
    pub recorded_at: time::OffsetDateTime,
}

#[derive(Debug, Clone)]
pub struct NewAgreement {
    pub title: String,
    pub purpose: String,
    pub lawful_basis: String,
    pub special_category_condition: Option<String>,
    pub starts_on: time::Date,
    pub ends_on: Option<time::Date>,
    pub organisations: Vec<i64>,
    pub recorded_by: i64,
    pub recorded_at: time::OffsetDateTime,
}

/// A notification to email: claimed by this server, not yet sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub notification_id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    /// The escalation the notification is about.
    pub escalation_id: i64,
    pub at: String,
}

#[cfg(test)]
mod tests {
    use super::StoredPurpose;
    use byname_domain::access::Purpose;

    #[test]
    fn a_stored_purpose_is_read_as_the_access_rules_read_it_and_shown_as_stored_when_unknown() {
        let known = StoredPurpose::read(" health_care ".to_owned());
        assert_eq!(known.known(), Some(Purpose::HealthCare));
        assert_eq!((known.code(), known.label()), ("health_care", "Health care"));
        let unknown = StoredPurpose::read("housing".to_owned());
        assert_eq!(unknown.known(), None, "an unreadable purpose is no consent");
        assert_eq!((unknown.code(), unknown.label()), ("housing", "housing"));
    }
}
