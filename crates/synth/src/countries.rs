//! The nationalities seen rough sleeping in Westminster, with how often each is seen, how CHAIN
//! and Inform write it, which naming tradition fits, and the ethnicities and immigration statuses
//! that are plausible for it. Weights follow the 2023/24 CHAIN mix for Westminster: UK about 45%,
//! Central and Eastern Europe 20%, other Europe 7%, Africa 13%, Asia 11%, Americas 2% and
//! Australasia 0.5%.

use crate::names::{self, NamePool};

/// How immigration status is drawn for a nationality.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImmigrationKind {
    BritishOrIrish,
    EuropeanUnion,
    /// Countries people flee from, where asylum and refugee status are common.
    Refuge,
    /// Other countries outside the European Union.
    OtherNonEu,
}

/// An ONS 2021 ethnic group as free text, with the naming tradition to use instead of the
/// country's own when it differs (a Black British person often has a Caribbean name).
pub struct Ethnicity {
    pub text: &'static str,
    pub weight: u32,
    pub name_pool: Option<&'static NamePool>,
}

pub struct Country {
    /// The English name CHAIN records.
    pub name: &'static str,
    /// The ISO 3166-1 alpha-3 code Inform records.
    pub alpha3: &'static str,
    /// Share of people seen, in thousandths.
    pub weight: u32,
    pub name_pool: &'static NamePool,
    pub ethnicities: &'static [Ethnicity],
    pub immigration: ImmigrationKind,
}

const fn ethnicity(text: &'static str, weight: u32) -> Ethnicity {
    Ethnicity { text, weight, name_pool: None }
}

const fn ethnicity_named(text: &'static str, weight: u32, name_pool: &'static NamePool) -> Ethnicity {
    Ethnicity { text, weight, name_pool: Some(name_pool) }
}

const WHITE_BRITISH: &str = "White: English, Welsh, Scottish, Northern Irish or British";
const WHITE_IRISH: &str = "White: Irish";
const TRAVELLER: &str = "White: Gypsy or Irish Traveller";
const ROMA: &str = "White: Roma";
const OTHER_WHITE: &str = "White: Any other White background";
const AFRICAN: &str = "Black, Black British, Caribbean or African: African";
const CARIBBEAN: &str = "Black, Black British, Caribbean or African: Caribbean";
const OTHER_BLACK: &str =
    "Black, Black British, Caribbean or African: Any other Black, Black British, or Caribbean background";
const INDIAN: &str = "Asian or Asian British: Indian";
const PAKISTANI: &str = "Asian or Asian British: Pakistani";
const BANGLADESHI: &str = "Asian or Asian British: Bangladeshi";
const OTHER_ASIAN: &str = "Asian or Asian British: Any other Asian background";
const WHITE_AND_BLACK_CARIBBEAN: &str = "Mixed or multiple ethnic groups: White and Black Caribbean";
const OTHER_MIXED: &str = "Mixed or multiple ethnic groups: Any other Mixed or multiple ethnic background";
const ARAB: &str = "Other ethnic group: Arab";
const ANY_OTHER: &str = "Other ethnic group: Any other ethnic group";
/// A blank ethnicity: not asked or not recorded.
const BLANK: &str = "";

static UK_ETHNICITIES: [Ethnicity; 12] = [
    ethnicity(WHITE_BRITISH, 740),
    ethnicity_named(WHITE_IRISH, 20, &names::IRISH),
    ethnicity_named(TRAVELLER, 20, &names::IRISH),
    ethnicity_named(CARIBBEAN, 70, &names::CARIBBEAN),
    ethnicity_named(AFRICAN, 40, &names::NIGERIAN),
    ethnicity(WHITE_AND_BLACK_CARIBBEAN, 40),
    ethnicity_named(INDIAN, 15, &names::INDIAN),
    ethnicity_named(PAKISTANI, 10, &names::PAKISTANI),
    ethnicity_named(BANGLADESHI, 10, &names::BANGLADESHI),
    ethnicity(OTHER_WHITE, 10),
    ethnicity(ANY_OTHER, 5),
    ethnicity(BLANK, 25),
];
static IRISH_ETHNICITIES: [Ethnicity; 3] = [ethnicity(WHITE_IRISH, 85), ethnicity(TRAVELLER, 10), ethnicity(BLANK, 5)];
static ROMA_OFTEN: [Ethnicity; 3] = [ethnicity(ROMA, 30), ethnicity(OTHER_WHITE, 62), ethnicity(BLANK, 8)];
static ROMA_SOMETIMES: [Ethnicity; 3] = [ethnicity(ROMA, 15), ethnicity(OTHER_WHITE, 77), ethnicity(BLANK, 8)];
static OTHER_WHITE_MOSTLY: [Ethnicity; 2] = [ethnicity(OTHER_WHITE, 92), ethnicity(BLANK, 8)];
static WESTERN_EUROPE: [Ethnicity; 4] =
    [ethnicity(OTHER_WHITE, 80), ethnicity(OTHER_MIXED, 6), ethnicity(AFRICAN, 6), ethnicity(BLANK, 8)];
static BLACK_AFRICAN: [Ethnicity; 2] = [ethnicity(AFRICAN, 92), ethnicity(BLANK, 8)];
static SUDAN_ETHNICITIES: [Ethnicity; 3] = [ethnicity(AFRICAN, 60), ethnicity(ARAB, 30), ethnicity(BLANK, 10)];
static ARAB_MOSTLY: [Ethnicity; 3] = [ethnicity(ARAB, 82), ethnicity(ANY_OTHER, 6), ethnicity(BLANK, 12)];
static INDIAN_ETHNICITIES: [Ethnicity; 2] = [ethnicity(INDIAN, 92), ethnicity(BLANK, 8)];
static PAKISTANI_ETHNICITIES: [Ethnicity; 2] = [ethnicity(PAKISTANI, 92), ethnicity(BLANK, 8)];
static BANGLADESHI_ETHNICITIES: [Ethnicity; 2] = [ethnicity(BANGLADESHI, 92), ethnicity(BLANK, 8)];
static OTHER_ASIAN_ETHNICITIES: [Ethnicity; 2] = [ethnicity(OTHER_ASIAN, 90), ethnicity(BLANK, 10)];
static CARIBBEAN_ETHNICITIES: [Ethnicity; 2] = [ethnicity(CARIBBEAN, 92), ethnicity(BLANK, 8)];
static AMERICAN_ETHNICITIES: [Ethnicity; 4] =
    [ethnicity(OTHER_WHITE, 50), ethnicity(OTHER_BLACK, 30), ethnicity(OTHER_MIXED, 10), ethnicity(BLANK, 10)];
static BRAZILIAN_ETHNICITIES: [Ethnicity; 3] =
    [ethnicity(ANY_OTHER, 40), ethnicity(OTHER_MIXED, 40), ethnicity(BLANK, 20)];

const fn country(
    name: &'static str,
    alpha3: &'static str,
    weight: u32,
    name_pool: &'static NamePool,
    ethnicities: &'static [Ethnicity],
    immigration: ImmigrationKind,
) -> Country {
    Country { name, alpha3, weight, name_pool, ethnicities, immigration }
}

use ImmigrationKind::{BritishOrIrish, EuropeanUnion, OtherNonEu, Refuge};

/// Every nationality the generator uses; weights add up to 985 thousandths; the other 1.5% of people
/// have no nationality recorded (the generator still gives them a country for their name).
pub static COUNTRIES: [Country; 35] = [
    country("United Kingdom", "GBR", 450, &names::BRITISH, &UK_ETHNICITIES, BritishOrIrish),
    country("Romania", "ROU", 95, &names::ROMANIAN, &ROMA_OFTEN, EuropeanUnion),
    country("Poland", "POL", 45, &names::POLISH, &OTHER_WHITE_MOSTLY, EuropeanUnion),
    country("Lithuania", "LTU", 18, &names::LITHUANIAN, &OTHER_WHITE_MOSTLY, EuropeanUnion),
    country("Latvia", "LVA", 10, &names::LATVIAN, &OTHER_WHITE_MOSTLY, EuropeanUnion),
    country("Bulgaria", "BGR", 14, &names::BULGARIAN, &ROMA_SOMETIMES, EuropeanUnion),
    country("Hungary", "HUN", 9, &names::HUNGARIAN, &ROMA_SOMETIMES, EuropeanUnion),
    country("Slovakia", "SVK", 5, &names::CZECH_SLOVAK, &ROMA_OFTEN, EuropeanUnion),
    country("Czechia", "CZE", 4, &names::CZECH_SLOVAK, &ROMA_SOMETIMES, EuropeanUnion),
    country("Ireland", "IRL", 22, &names::IRISH, &IRISH_ETHNICITIES, BritishOrIrish),
    country("Portugal", "PRT", 15, &names::PORTUGUESE, &WESTERN_EUROPE, EuropeanUnion),
    country("Spain", "ESP", 10, &names::SPANISH, &WESTERN_EUROPE, EuropeanUnion),
    country("Italy", "ITA", 12, &names::ITALIAN, &WESTERN_EUROPE, EuropeanUnion),
    country("France", "FRA", 6, &names::FRENCH, &WESTERN_EUROPE, EuropeanUnion),
    country("Germany", "DEU", 5, &names::GERMAN, &WESTERN_EUROPE, EuropeanUnion),
    country("Eritrea", "ERI", 40, &names::HORN_OF_AFRICA, &BLACK_AFRICAN, Refuge),
    country("Sudan", "SDN", 28, &names::SUDANESE, &SUDAN_ETHNICITIES, Refuge),
    country("Somalia", "SOM", 16, &names::SOMALI, &BLACK_AFRICAN, Refuge),
    country("Ethiopia", "ETH", 14, &names::HORN_OF_AFRICA, &BLACK_AFRICAN, Refuge),
    country("Nigeria", "NGA", 13, &names::NIGERIAN, &BLACK_AFRICAN, OtherNonEu),
    country("Ghana", "GHA", 9, &names::GHANAIAN, &BLACK_AFRICAN, OtherNonEu),
    country("Algeria", "DZA", 10, &names::MAGHREB, &ARAB_MOSTLY, OtherNonEu),
    country("India", "IND", 30, &names::INDIAN, &INDIAN_ETHNICITIES, OtherNonEu),
    country("Iran", "IRN", 16, &names::IRANIAN, &OTHER_ASIAN_ETHNICITIES, Refuge),
    country("Afghanistan", "AFG", 14, &names::AFGHAN, &OTHER_ASIAN_ETHNICITIES, Refuge),
    country("Bangladesh", "BGD", 10, &names::BANGLADESHI, &BANGLADESHI_ETHNICITIES, OtherNonEu),
    country("Pakistan", "PAK", 13, &names::PAKISTANI, &PAKISTANI_ETHNICITIES, OtherNonEu),
    country("Sri Lanka", "LKA", 7, &names::SRI_LANKAN, &OTHER_ASIAN_ETHNICITIES, Refuge),
    country("Syria", "SYR", 10, &names::LEVANT_AND_IRAQ, &ARAB_MOSTLY, Refuge),
    country("Iraq", "IRQ", 10, &names::LEVANT_AND_IRAQ, &ARAB_MOSTLY, Refuge),
    country("United States", "USA", 6, &names::AMERICAN, &AMERICAN_ETHNICITIES, OtherNonEu),
    country("Jamaica", "JAM", 10, &names::CARIBBEAN, &CARIBBEAN_ETHNICITIES, OtherNonEu),
    country("Brazil", "BRA", 4, &names::BRAZILIAN, &BRAZILIAN_ETHNICITIES, OtherNonEu),
    country("Australia", "AUS", 4, &names::BRITISH, &OTHER_WHITE_MOSTLY, OtherNonEu),
    country("New Zealand", "NZL", 1, &names::BRITISH, &OTHER_WHITE_MOSTLY, OtherNonEu),
];

impl std::fmt::Debug for Country {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(self.name)
    }
}

/// The total of all country weights, used to draw a nationality.
pub fn total_weight() -> u32 {
    COUNTRIES.iter().map(|country| country.weight).sum()
}
