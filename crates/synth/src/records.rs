//! The generated records, kept in memory in a compact form and turned into CSV text only when
//! written. Each source record remembers the true person it belongs to, so that tests and the
//! truth file can say who is who.

use time::Date;

use crate::countries::Country;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
    Other,
}

/// Support needs, as bits of [`Person::support_needs`], in the order CHAIN lists them.
pub const SUPPORT_NEEDS: [&str; 5] = ["alcohol", "drugs", "mental_health", "physical_health", "learning_disability"];
pub const NEED_ALCOHOL: u8 = 1;
pub const NEED_DRUGS: u8 = 2;
pub const NEED_MENTAL_HEALTH: u8 = 4;
pub const NEED_PHYSICAL_HEALTH: u8 = 8;

/// Institutional history, as bits of [`Person::history`].
pub const HISTORY: [&str; 4] = ["prison", "care", "armed_forces", "asylum_support"];
pub const HISTORY_PRISON: u8 = 1;
pub const HISTORY_CARE: u8 = 2;
pub const HISTORY_ASYLUM_SUPPORT: u8 = 8;

/// A true person: what they are really called and who they really are. Source records are noisy
/// copies of this.
#[derive(Clone, Debug)]
pub struct Person {
    pub given_name: String,
    pub family_name: String,
    pub sex: Sex,
    pub date_of_birth: Date,
    pub country: &'static Country,
    /// False for the few people whose nationality no worker recorded.
    pub nationality_recorded: bool,
    pub ethnicity: &'static str,
    pub immigration_status: &'static str,
    pub support_needs: u8,
    pub history: u8,
    pub last_settled_base: &'static str,
    pub nhs_number: Option<String>,
    /// The index of the street place where this person usually beds down.
    pub home_place: u8,
}

/// The text key of a true person, as written in `truth.csv`.
pub fn person_key(person: u32) -> String {
    format!("P{:06}", person + 1)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactType {
    Outreach,
    StreetCount,
    AssessmentHub,
    DayCentre,
    Other,
}

impl ContactType {
    pub fn as_str(self) -> &'static str {
        match self {
            ContactType::Outreach => "outreach",
            ContactType::StreetCount => "street_count",
            ContactType::AssessmentHub => "assessment_hub",
            ContactType::DayCentre => "day_centre",
            ContactType::Other => "other",
        }
    }
}

/// Where a contact happened: on the street (a place and a spot there) or at a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    Street { place: u8, spot: u8 },
    DayCentre(u8),
    AssessmentHub,
    HousingOptions,
}

/// One CHAIN contact.
#[derive(Clone, Copy, Debug)]
pub struct Contact {
    pub person: u32,
    /// The index of the CHAIN person record the contact is filed under.
    pub chain_person: u32,
    pub date: Date,
    /// Minutes after midnight, when a time was recorded.
    pub minute: Option<u16>,
    /// The outreach team, an index into [`crate::places::OUTREACH_TEAMS`]; contacts at a service
    /// are recorded under the service's name instead.
    pub team: u8,
    pub location: Location,
    /// Jitter around the place's coordinates in hundred-thousandths of a degree, or `None` when
    /// no coordinates were recorded.
    pub offset: Option<(i16, i16)>,
    pub contact_type: ContactType,
}

impl Contact {
    pub fn bedded_down(&self) -> bool {
        matches!(self.contact_type, ContactType::Outreach | ContactType::StreetCount)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StayType {
    Hotel,
    AssessmentHub,
    NightShelter,
    Hostel,
    SupportedHousing,
    PrivateRented,
    SocialHousing,
    Reconnection,
    Hospital,
    Prison,
    AsylumAccommodation,
    Care,
}

impl StayType {
    pub fn as_str(self) -> &'static str {
        match self {
            StayType::Hotel => "hotel",
            StayType::AssessmentHub => "assessment_hub",
            StayType::NightShelter => "night_shelter",
            StayType::Hostel => "hostel",
            StayType::SupportedHousing => "supported_housing",
            StayType::PrivateRented => "private_rented",
            StayType::SocialHousing => "social_housing",
            StayType::Reconnection => "reconnection",
            StayType::Hospital => "hospital",
            StayType::Prison => "prison",
            StayType::AsylumAccommodation => "asylum_accommodation",
            StayType::Care => "care",
        }
    }

    /// The stays that Inform, the accommodation providers' system, also records.
    pub fn is_in_inform(self) -> bool {
        matches!(self, StayType::Hotel | StayType::NightShelter | StayType::Hostel | StayType::SupportedHousing)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepartureReason {
    PlannedMoveOn,
    Abandoned,
    Evicted,
    Prison,
    Hospital,
    Deceased,
    Other,
}

impl DepartureReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DepartureReason::PlannedMoveOn => "planned_move_on",
            DepartureReason::Abandoned => "abandoned",
            DepartureReason::Evicted => "evicted",
            DepartureReason::Prison => "prison",
            DepartureReason::Hospital => "hospital",
            DepartureReason::Deceased => "deceased",
            DepartureReason::Other => "other",
        }
    }

    /// The code Inform uses for the same reason.
    pub fn inform_code(self) -> &'static str {
        match self {
            DepartureReason::PlannedMoveOn => "move_on",
            DepartureReason::Abandoned => "abandoned",
            DepartureReason::Evicted => "evicted",
            DepartureReason::Prison => "custody",
            DepartureReason::Hospital => "hospital",
            DepartureReason::Deceased => "died",
            DepartureReason::Other => "other",
        }
    }
}

/// One CHAIN stay: an accommodation or institution episode.
#[derive(Clone, Debug)]
pub struct Stay {
    pub person: u32,
    pub chain_person: u32,
    pub provider: String,
    pub stay_type: StayType,
    pub arrival: Date,
    /// `None` while the stay is ongoing at the end of the export.
    pub departure: Option<Date>,
    pub departure_reason: Option<DepartureReason>,
}

/// One CHAIN person record, already in the form it is written.
#[derive(Clone, Debug)]
pub struct ChainPerson {
    pub chain_id: String,
    pub person: u32,
    pub first_name: String,
    pub last_name: String,
    pub aliases: String,
    pub date_of_birth: String,
    pub gender: &'static str,
    pub nationality: &'static str,
    pub ethnicity: &'static str,
    pub immigration_status: &'static str,
    pub support_needs: String,
    pub history: String,
    pub last_settled_base: &'static str,
    pub nhs_number: String,
}

/// One Inform client record, already in the form it is written.
#[derive(Clone, Debug)]
pub struct InformClient {
    pub inform_id: String,
    pub person: u32,
    pub forename: String,
    pub surname: String,
    pub known_as: String,
    pub dob: String,
    pub sex: &'static str,
    pub nationality_code: &'static str,
    pub nhs_number: String,
    pub chain_id: String,
}

/// One Inform placement, mirroring a CHAIN stay.
#[derive(Clone, Debug)]
pub struct Placement {
    pub inform_client: u32,
    pub service: String,
    pub service_type: &'static str,
    pub start: Date,
    pub end: Option<Date>,
    pub end_reason: Option<&'static str>,
}

/// One Inform needs assessment; each answer is `Yes`, `No` or blank.
#[derive(Clone, Debug)]
pub struct Assessment {
    pub inform_client: u32,
    pub assessed_on: Date,
    pub alcohol: &'static str,
    pub drugs: &'static str,
    pub mental_health: &'static str,
    pub physical_health: &'static str,
}

/// One person seen bedded down on a street count night.
#[derive(Clone, Debug)]
pub struct StreetCountRow {
    pub count_date: Date,
    /// The 1-based position of the row among that night's rows, used in its id.
    pub row_in_night: u32,
    pub person: u32,
    pub team: &'static str,
    pub place: u8,
    pub spot: u8,
    pub offset: Option<(i16, i16)>,
    pub gender: &'static str,
    pub age_band: &'static str,
    pub name: String,
    pub chain_id: String,
}

impl StreetCountRow {
    /// The id used for this row in `truth.csv`: `SC-{count_date}-{row number within that night}`.
    pub fn id(&self) -> String {
        format!("SC-{}-{}", crate::calendar::iso_date(self.count_date), self.row_in_night)
    }

    /// Rows without a name or CHAIN id are counted but cannot be linked to anyone.
    pub fn is_identified(&self) -> bool {
        !self.name.is_empty() || !self.chain_id.is_empty()
    }
}

/// One event from the health partner.
#[derive(Clone, Debug)]
pub struct HealthEvent {
    pub person: u32,
    pub nhs_number: String,
    pub name: String,
    pub date_of_birth: String,
    pub event_type: &'static str,
    pub event_date: Date,
    pub provider: &'static str,
}

/// The CHAIN age band for an age in whole years.
pub fn age_band(age: i32) -> &'static str {
    match age {
        ..18 => "under_18",
        18..=25 => "18-25",
        26..=35 => "26-35",
        36..=45 => "36-45",
        46..=55 => "46-55",
        _ => "over_55",
    }
}
