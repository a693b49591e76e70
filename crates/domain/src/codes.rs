//! The closed vocabularies of the import formats (FORMATS.md): each is an enum
//! with the code it is written as, parsed strictly so an unknown code is a
//! diagnostic rather than a silent guess.

use std::fmt;

/// Declares an enum whose variants are written as fixed codes.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal : $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            pub const CODES: &'static [&'static str] = &[$($code),+];

            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $(Self::$variant => $label),+ }
            }

            /// Parses the exact code, ignoring surrounding space and case.
            pub fn parse(input: &str) -> Option<Self> {
                let s = input.trim();
                Self::ALL.iter().copied().find(|v| v.code().eq_ignore_ascii_case(s))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum!(
    /// Where a record came from.
    Source {
        Chain = "chain": "CHAIN",
        Inform = "inform": "Inform",
        StreetCount = "street_count": "Street count",
        Health = "health": "Health partner",
        Local = "local": "Entered in byname",
    }
);

code_enum!(Gender { Male = "male": "Male", Female = "female": "Female", Other = "other": "Other" });

code_enum!(ImmigrationStatus {
    BritishOrIrish = "british_or_irish": "British or Irish",
    Settled = "settled": "Settled status",
    PreSettled = "pre_settled": "Pre-settled status",
    Refugee = "refugee": "Refugee",
    AsylumSeeker = "asylum_seeker": "Asylum seeker",
    NoRecourseVerified = "no_recourse_verified": "No recourse to public funds (verified)",
    Other = "other": "Other",
    Unknown = "unknown": "Unknown",
});

code_enum!(SupportNeed {
    Alcohol = "alcohol": "Alcohol",
    Drugs = "drugs": "Drugs",
    MentalHealth = "mental_health": "Mental health",
    PhysicalHealth = "physical_health": "Physical health",
    LearningDisability = "learning_disability": "Learning disability",
});

code_enum!(History {
    Prison = "prison": "Prison",
    Care = "care": "Care",
    ArmedForces = "armed_forces": "Armed forces",
    AsylumSupport = "asylum_support": "Asylum support",
});

code_enum!(SettledBase {
    PrivateRented = "private_rented": "Private rented",
    SocialRented = "social_rented": "Social rented",
    FamilyFriends = "family_friends": "Family or friends",
    Tied = "tied": "Tied accommodation",
    Institution = "institution": "Institution",
    AsylumAccommodation = "asylum_accommodation": "Asylum accommodation",
    Other = "other": "Other",
    Unknown = "unknown": "Unknown",
});

code_enum!(ContactType {
    Outreach = "outreach": "Outreach",
    StreetCount = "street_count": "Street count",
    AssessmentHub = "assessment_hub": "Assessment hub",
    DayCentre = "day_centre": "Day centre",
    Other = "other": "Other",
});

code_enum!(StayType {
    Hotel = "hotel": "Hotel",
    AssessmentHub = "assessment_hub": "Assessment hub",
    NightShelter = "night_shelter": "Night shelter",
    Hostel = "hostel": "Hostel",
    SupportedHousing = "supported_housing": "Supported housing",
    HousingFirst = "housing_first": "Housing First",
    PrivateRented = "private_rented": "Private rented tenancy",
    SocialHousing = "social_housing": "Social housing tenancy",
    Reconnection = "reconnection": "Reconnection",
    Hospital = "hospital": "Hospital",
    Prison = "prison": "Prison",
    AsylumAccommodation = "asylum_accommodation": "Asylum accommodation",
    Care = "care": "Care",
});

impl StayType {
    /// Institutions whose discharge counts for the "left an institution" indicator.
    pub fn is_institution(self) -> bool {
        matches!(self, Self::Hospital | Self::Prison | Self::AsylumAccommodation | Self::Care)
    }

    /// Accommodation intended to last six months or more.
    pub fn is_long_term(self) -> bool {
        matches!(
            self,
            Self::Hostel | Self::SupportedHousing | Self::HousingFirst | Self::PrivateRented | Self::SocialHousing
        )
    }
}

code_enum!(DepartureReason {
    PlannedMoveOn = "planned_move_on": "Planned move-on",
    Abandoned = "abandoned": "Abandoned",
    Evicted = "evicted": "Evicted",
    Prison = "prison": "Prison",
    Hospital = "hospital": "Hospital",
    Deceased = "deceased": "Deceased",
    Other = "other": "Other",
});

code_enum!(HealthEventType {
    CovidVaccination = "covid_vaccination": "COVID-19 vaccination",
    FluVaccination = "flu_vaccination": "Flu vaccination",
    GpRegistration = "gp_registration": "GP registration",
    HepatitisCTest = "hepatitis_c_test": "Hepatitis C test",
    AlcoholTreatmentStart = "alcohol_treatment_start": "Alcohol treatment start",
});

/// Parses a `;`-separated list of codes into a sorted set, naming the first unknown code.
pub fn parse_code_list<T: Copy + Ord>(input: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Vec<T>, String> {
    let mut values = Vec::new();
    for part in input.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        values.push(parse(part).ok_or_else(|| part.to_owned())?);
    }
    values.sort();
    values.dedup();
    Ok(values)
}

/// Writes a set of codes back as the `;`-separated text it was read from.
pub fn join_codes<T: Copy>(values: &[T], code: impl Fn(T) -> &'static str) -> String {
    values.iter().map(|&v| code(v)).collect::<Vec<_>>().join(";")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_named() {
        for &need in SupportNeed::ALL {
            assert_eq!(SupportNeed::parse(need.code()), Some(need));
        }
        assert_eq!(
            parse_code_list("mental_health; alcohol;alcohol", SupportNeed::parse),
            Ok(vec![SupportNeed::Alcohol, SupportNeed::MentalHealth])
        );
        assert_eq!(parse_code_list("alcohol;gambling", SupportNeed::parse), Err("gambling".to_owned()));
        assert_eq!(join_codes(&[History::Prison, History::Care], History::code), "prison;care");
    }
}
