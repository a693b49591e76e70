//! Nationality is recorded by every partner in a different way: some systems
//! hold ISO 3166-1 alpha-3 codes, others free text such as "Romanian", "UK" or
//! "Cote d'Ivoire", and CHAIN reports only by broad nationality group. This
//! module turns any of those spellings into one canonical country, keyed by its
//! alpha-3 code, and maps each country onto CHAIN's nationality groups so that
//! records from different partners can be matched and reported consistently.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// CHAIN's nationality groups.
///
/// The groups follow the UN M49 continental regions, with Europe split into
/// the United Kingdom (including the Crown dependencies), the states that
/// joined the EU in 2004 and 2007, and the rest of Europe. Turkey and Cyprus
/// count as Europe, Oceania is reported as Australasia, and Antarctica has no
/// group of its own so it falls under "Not known".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NationalityGroup {
    /// The United Kingdom and the Crown dependencies.
    Uk,
    /// The central and eastern European states that joined the EU in 2004 and 2007.
    CentralEasternEurope,
    /// Every other European country, including Ireland, Russia and Turkey.
    OtherEurope,
    /// Africa.
    Africa,
    /// Asia, including the Middle East, the Caucasus and Central Asia.
    Asia,
    /// North, Central and South America and the Caribbean.
    Americas,
    /// Australia, New Zealand and the rest of Oceania.
    Australasia,
    /// Nationality not recorded or not attributable to a group.
    NotKnown,
}

impl NationalityGroup {
    /// Every group, in CHAIN's reporting order.
    pub const ALL: [Self; 8] = [
        Self::Uk,
        Self::CentralEasternEurope,
        Self::OtherEurope,
        Self::Africa,
        Self::Asia,
        Self::Americas,
        Self::Australasia,
        Self::NotKnown,
    ];

    /// The stable machine code, identical to the serde representation.
    pub fn code(self) -> &'static str {
        match self {
            Self::Uk => "uk",
            Self::CentralEasternEurope => "central_eastern_europe",
            Self::OtherEurope => "other_europe",
            Self::Africa => "africa",
            Self::Asia => "asia",
            Self::Americas => "americas",
            Self::Australasia => "australasia",
            Self::NotKnown => "not_known",
        }
    }

    /// The human-readable label used in reports.
    pub fn label(self) -> &'static str {
        match self {
            Self::Uk => "UK",
            Self::CentralEasternEurope => "Central and Eastern Europe",
            Self::OtherEurope => "Other Europe",
            Self::Africa => "Africa",
            Self::Asia => "Asia",
            Self::Americas => "Americas",
            Self::Australasia => "Australasia",
            Self::NotKnown => "Not known",
        }
    }

    /// Looks a group up by its exact machine code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|group| group.code() == code)
    }
}

impl fmt::Display for NationalityGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A country known to byname, parsed from an English name or an ISO 3166-1 alpha-3 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Nationality {
    alpha3: &'static str,
    name: &'static str,
}

/// The error returned when input names no country that byname knows.
#[derive(Debug, thiserror::Error)]
#[error("unknown nationality {input:?}: expected a country name in English or an ISO 3166-1 alpha-3 code")]
pub struct NationalityError {
    /// The input exactly as it was given.
    pub input: String,
}

impl Nationality {
    /// Parses an ISO 3166-1 alpha-3 code or an English country name.
    ///
    /// Codes are matched case-insensitively after trimming. Names are matched
    /// case-insensitively with accents, punctuation and surrounding "the"
    /// ignored, and common variants, former names, ISO formal names and
    /// demonyms ("Romanian", "British", "Ivory Coast") are accepted too.
    pub fn parse(input: &str) -> Result<Self, NationalityError> {
        let trimmed = input.trim();
        if let Some(nationality) = Self::from_alpha3(trimmed) {
            return Ok(nationality);
        }
        // No name normalizes to the empty string, so blank input falls through to the error.
        if let Some(&index) = name_index().get(&normalize(trimmed)) {
            return Ok(Self::at(index));
        }
        Err(NationalityError { input: input.to_owned() })
    }

    /// Looks a country up by its ISO 3166-1 alpha-3 code, ignoring case and surrounding whitespace.
    pub fn from_alpha3(code: &str) -> Option<Self> {
        let code = code.trim().as_bytes();
        if code.len() != 3 || !code.iter().all(u8::is_ascii_alphabetic) {
            return None;
        }
        let upper = code.to_ascii_uppercase();
        COUNTRIES.binary_search_by(|(alpha3, _, _)| alpha3.as_bytes().cmp(upper.as_slice())).ok().map(Self::at)
    }

    /// Every known country, ordered by alpha-3 code.
    pub fn all() -> impl ExactSizeIterator<Item = Self> {
        (0..COUNTRIES.len()).map(Self::at)
    }

    /// The ISO 3166-1 alpha-3 code, in upper case.
    pub fn alpha3(self) -> &'static str {
        self.alpha3
    }

    /// The English short name used for display.
    pub fn name(self) -> &'static str {
        self.name
    }

    /// The CHAIN nationality group this country reports under.
    pub fn group(self) -> NationalityGroup {
        // Every Nationality is built from the table, so the search always succeeds.
        COUNTRIES
            .binary_search_by(|(alpha3, _, _)| (*alpha3).cmp(self.alpha3))
            .map_or(NationalityGroup::NotKnown, |index| COUNTRIES[index].2)
    }

    fn at(index: usize) -> Self {
        let (alpha3, name, _) = COUNTRIES[index];
        Self { alpha3, name }
    }
}

impl fmt::Display for Nationality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

impl FromStr for Nationality {
    type Err = NationalityError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

/// Maps every normalized name and alias to its row in `COUNTRIES`.
fn name_index() -> &'static HashMap<String, usize> {
    static INDEX: OnceLock<HashMap<String, usize>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = HashMap::with_capacity(COUNTRIES.len() + ALIASES.len());
        for (row, (_, name, _)) in COUNTRIES.iter().enumerate() {
            index.insert(normalize(name), row);
        }
        for (alias, alpha3) in ALIASES {
            // A mistyped code in the alias table is caught by the tests, so it is skipped here.
            if let Ok(row) = COUNTRIES.binary_search_by(|(code, _, _)| code.cmp(alpha3)) {
                // Official names take precedence over aliases if the two ever collide.
                index.entry(normalize(alias)).or_insert(row);
            }
        }
        index
    })
}

/// Reduces a name to lower-case ASCII words for matching.
///
/// Accents are folded, apostrophes and full stops are dropped, "&" becomes
/// "and", "st" becomes "saint", other punctuation separates words, and a
/// leading or trailing "the" is removed.
fn normalize(input: &str) -> String {
    let mut folded = String::with_capacity(input.len());
    for c in input.chars().flat_map(char::to_lowercase) {
        match c {
            'a'..='z' | '0'..='9' => folded.push(c),
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => folded.push('a'),
            'æ' => folded.push_str("ae"),
            'ç' | 'ć' | 'č' => folded.push('c'),
            'ď' | 'đ' | 'ð' => folded.push('d'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => folded.push('e'),
            'ğ' => folded.push('g'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => folded.push('i'),
            'ķ' => folded.push('k'),
            'ĺ' | 'ļ' | 'ľ' | 'ł' => folded.push('l'),
            'ñ' | 'ń' | 'ņ' | 'ň' => folded.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => folded.push('o'),
            'œ' => folded.push_str("oe"),
            'ŕ' | 'ř' => folded.push('r'),
            'ś' | 'ş' | 'š' | 'ș' => folded.push('s'),
            'ß' => folded.push_str("ss"),
            'ţ' | 'ť' | 'ț' => folded.push('t'),
            'þ' => folded.push_str("th"),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' => folded.push('u'),
            'ý' | 'ÿ' => folded.push('y'),
            'ź' | 'ż' | 'ž' => folded.push('z'),
            // Combining marks come from decomposed input and from lower-casing "İ".
            '\u{0300}'..='\u{036f}' => {}
            '\'' | '\u{2018}' | '\u{2019}' | '\u{02bc}' | '`' | '\u{00b4}' | '.' => {}
            '&' => folded.push_str(" and "),
            c if c.is_alphanumeric() => folded.push(c),
            _ => folded.push(' '),
        }
    }

    let mut words: Vec<&str> =
        folded.split_whitespace().map(|word| if word == "st" { "saint" } else { word }).collect();
    if words.len() > 1 && words[0] == "the" {
        words.remove(0);
    }
    if words.len() > 1 && words[words.len() - 1] == "the" {
        words.pop();
    }
    words.join(" ")
}

use NationalityGroup as G;

/// Every country: ISO 3166-1 alpha-3 code, English short name and CHAIN group, sorted by code.
///
/// Names are the ISO English short names, except that inverted or formal
/// forms ("Korea, Republic of", "Russian Federation") are replaced by the
/// names people use; the ISO forms are still accepted through `ALIASES`.
/// Kosovo is included under the user-assigned code XKX, which the EU and many
/// case-management systems use because ISO has not yet assigned it a code.
static COUNTRIES: &[(&str, &str, NationalityGroup)] = &[
    ("ABW", "Aruba", G::Americas),
    ("AFG", "Afghanistan", G::Asia),
    ("AGO", "Angola", G::Africa),
    ("AIA", "Anguilla", G::Americas),
    ("ALA", "Åland Islands", G::OtherEurope),
    ("ALB", "Albania", G::OtherEurope),
    ("AND", "Andorra", G::OtherEurope),
    ("ARE", "United Arab Emirates", G::Asia),
    ("ARG", "Argentina", G::Americas),
    ("ARM", "Armenia", G::Asia),
    ("ASM", "American Samoa", G::Australasia),
    ("ATA", "Antarctica", G::NotKnown),
    ("ATF", "French Southern Territories", G::Africa),
    ("ATG", "Antigua and Barbuda", G::Americas),
    ("AUS", "Australia", G::Australasia),
    ("AUT", "Austria", G::OtherEurope),
    ("AZE", "Azerbaijan", G::Asia),
    ("BDI", "Burundi", G::Africa),
    ("BEL", "Belgium", G::OtherEurope),
    ("BEN", "Benin", G::Africa),
    ("BES", "Bonaire, Sint Eustatius and Saba", G::Americas),
    ("BFA", "Burkina Faso", G::Africa),
    ("BGD", "Bangladesh", G::Asia),
    ("BGR", "Bulgaria", G::CentralEasternEurope),
    ("BHR", "Bahrain", G::Asia),
    ("BHS", "Bahamas", G::Americas),
    ("BIH", "Bosnia and Herzegovina", G::OtherEurope),
    ("BLM", "Saint Barthélemy", G::Americas),
    ("BLR", "Belarus", G::OtherEurope),
    ("BLZ", "Belize", G::Americas),
    ("BMU", "Bermuda", G::Americas),
    ("BOL", "Bolivia", G::Americas),
    ("BRA", "Brazil", G::Americas),
    ("BRB", "Barbados", G::Americas),
    ("BRN", "Brunei", G::Asia),
    ("BTN", "Bhutan", G::Asia),
    ("BVT", "Bouvet Island", G::Americas),
    ("BWA", "Botswana", G::Africa),
    ("CAF", "Central African Republic", G::Africa),
    ("CAN", "Canada", G::Americas),
    ("CCK", "Cocos (Keeling) Islands", G::Australasia),
    ("CHE", "Switzerland", G::OtherEurope),
    ("CHL", "Chile", G::Americas),
    ("CHN", "China", G::Asia),
    ("CIV", "Côte d'Ivoire", G::Africa),
    ("CMR", "Cameroon", G::Africa),
    ("COD", "Democratic Republic of the Congo", G::Africa),
    ("COG", "Congo", G::Africa),
    ("COK", "Cook Islands", G::Australasia),
    ("COL", "Colombia", G::Americas),
    ("COM", "Comoros", G::Africa),
    ("CPV", "Cabo Verde", G::Africa),
    ("CRI", "Costa Rica", G::Americas),
    ("CUB", "Cuba", G::Americas),
    ("CUW", "Curaçao", G::Americas),
    ("CXR", "Christmas Island", G::Australasia),
    ("CYM", "Cayman Islands", G::Americas),
    ("CYP", "Cyprus", G::OtherEurope),
    ("CZE", "Czechia", G::CentralEasternEurope),
    ("DEU", "Germany", G::OtherEurope),
    ("DJI", "Djibouti", G::Africa),
    ("DMA", "Dominica", G::Americas),
    ("DNK", "Denmark", G::OtherEurope),
    ("DOM", "Dominican Republic", G::Americas),
    ("DZA", "Algeria", G::Africa),
    ("ECU", "Ecuador", G::Americas),
    ("EGY", "Egypt", G::Africa),
    ("ERI", "Eritrea", G::Africa),
    ("ESH", "Western Sahara", G::Africa),
    ("ESP", "Spain", G::OtherEurope),
    ("EST", "Estonia", G::CentralEasternEurope),
    ("ETH", "Ethiopia", G::Africa),
    ("FIN", "Finland", G::OtherEurope),
    ("FJI", "Fiji", G::Australasia),
    ("FLK", "Falkland Islands", G::Americas),
    ("FRA", "France", G::OtherEurope),
    ("FRO", "Faroe Islands", G::OtherEurope),
    ("FSM", "Micronesia", G::Australasia),
    ("GAB", "Gabon", G::Africa),
    ("GBR", "United Kingdom", G::Uk),
    ("GEO", "Georgia", G::Asia),
    ("GGY", "Guernsey", G::Uk),
    ("GHA", "Ghana", G::Africa),
    ("GIB", "Gibraltar", G::OtherEurope),
    ("GIN", "Guinea", G::Africa),
    ("GLP", "Guadeloupe", G::Americas),
    ("GMB", "Gambia", G::Africa),
    ("GNB", "Guinea-Bissau", G::Africa),
    ("GNQ", "Equatorial Guinea", G::Africa),
    ("GRC", "Greece", G::OtherEurope),
    ("GRD", "Grenada", G::Americas),
    ("GRL", "Greenland", G::Americas),
    ("GTM", "Guatemala", G::Americas),
    ("GUF", "French Guiana", G::Americas),
    ("GUM", "Guam", G::Australasia),
    ("GUY", "Guyana", G::Americas),
    ("HKG", "Hong Kong", G::Asia),
    ("HMD", "Heard Island and McDonald Islands", G::Australasia),
    ("HND", "Honduras", G::Americas),
    ("HRV", "Croatia", G::OtherEurope),
    ("HTI", "Haiti", G::Americas),
    ("HUN", "Hungary", G::CentralEasternEurope),
    ("IDN", "Indonesia", G::Asia),
    ("IMN", "Isle of Man", G::Uk),
    ("IND", "India", G::Asia),
    ("IOT", "British Indian Ocean Territory", G::Africa),
    ("IRL", "Ireland", G::OtherEurope),
    ("IRN", "Iran", G::Asia),
    ("IRQ", "Iraq", G::Asia),
    ("ISL", "Iceland", G::OtherEurope),
    ("ISR", "Israel", G::Asia),
    ("ITA", "Italy", G::OtherEurope),
    ("JAM", "Jamaica", G::Americas),
    ("JEY", "Jersey", G::Uk),
    ("JOR", "Jordan", G::Asia),
    ("JPN", "Japan", G::Asia),
    ("KAZ", "Kazakhstan", G::Asia),
    ("KEN", "Kenya", G::Africa),
    ("KGZ", "Kyrgyzstan", G::Asia),
    ("KHM", "Cambodia", G::Asia),
    ("KIR", "Kiribati", G::Australasia),
    ("KNA", "Saint Kitts and Nevis", G::Americas),
    ("KOR", "South Korea", G::Asia),
    ("KWT", "Kuwait", G::Asia),
    ("LAO", "Laos", G::Asia),
    ("LBN", "Lebanon", G::Asia),
    ("LBR", "Liberia", G::Africa),
    ("LBY", "Libya", G::Africa),
    ("LCA", "Saint Lucia", G::Americas),
    ("LIE", "Liechtenstein", G::OtherEurope),
    ("LKA", "Sri Lanka", G::Asia),
    ("LSO", "Lesotho", G::Africa),
    ("LTU", "Lithuania", G::CentralEasternEurope),
    ("LUX", "Luxembourg", G::OtherEurope),
    ("LVA", "Latvia", G::CentralEasternEurope),
    ("MAC", "Macao", G::Asia),
    ("MAF", "Saint Martin (French part)", G::Americas),
    ("MAR", "Morocco", G::Africa),
    ("MCO", "Monaco", G::OtherEurope),
    ("MDA", "Moldova", G::OtherEurope),
    ("MDG", "Madagascar", G::Africa),
    ("MDV", "Maldives", G::Asia),
    ("MEX", "Mexico", G::Americas),
    ("MHL", "Marshall Islands", G::Australasia),
    ("MKD", "North Macedonia", G::OtherEurope),
    ("MLI", "Mali", G::Africa),
    ("MLT", "Malta", G::OtherEurope),
    ("MMR", "Myanmar", G::Asia),
    ("MNE", "Montenegro", G::OtherEurope),
    ("MNG", "Mongolia", G::Asia),
    ("MNP", "Northern Mariana Islands", G::Australasia),
    ("MOZ", "Mozambique", G::Africa),
    ("MRT", "Mauritania", G::Africa),
    ("MSR", "Montserrat", G::Americas),
    ("MTQ", "Martinique", G::Americas),
    ("MUS", "Mauritius", G::Africa),
    ("MWI", "Malawi", G::Africa),
    ("MYS", "Malaysia", G::Asia),
    ("MYT", "Mayotte", G::Africa),
    ("NAM", "Namibia", G::Africa),
    ("NCL", "New Caledonia", G::Australasia),
    ("NER", "Niger", G::Africa),
    ("NFK", "Norfolk Island", G::Australasia),
    ("NGA", "Nigeria", G::Africa),
    ("NIC", "Nicaragua", G::Americas),
    ("NIU", "Niue", G::Australasia),
    ("NLD", "Netherlands", G::OtherEurope),
    ("NOR", "Norway", G::OtherEurope),
    ("NPL", "Nepal", G::Asia),
    ("NRU", "Nauru", G::Australasia),
    ("NZL", "New Zealand", G::Australasia),
    ("OMN", "Oman", G::Asia),
    ("PAK", "Pakistan", G::Asia),
    ("PAN", "Panama", G::Americas),
    ("PCN", "Pitcairn", G::Australasia),
    ("PER", "Peru", G::Americas),
    ("PHL", "Philippines", G::Asia),
    ("PLW", "Palau", G::Australasia),
    ("PNG", "Papua New Guinea", G::Australasia),
    ("POL", "Poland", G::CentralEasternEurope),
    ("PRI", "Puerto Rico", G::Americas),
    ("PRK", "North Korea", G::Asia),
    ("PRT", "Portugal", G::OtherEurope),
    ("PRY", "Paraguay", G::Americas),
    ("PSE", "Palestine", G::Asia),
    ("PYF", "French Polynesia", G::Australasia),
    ("QAT", "Qatar", G::Asia),
    ("REU", "Réunion", G::Africa),
    ("ROU", "Romania", G::CentralEasternEurope),
    ("RUS", "Russia", G::OtherEurope),
    ("RWA", "Rwanda", G::Africa),
    ("SAU", "Saudi Arabia", G::Asia),
    ("SDN", "Sudan", G::Africa),
    ("SEN", "Senegal", G::Africa),
    ("SGP", "Singapore", G::Asia),
    ("SGS", "South Georgia and the South Sandwich Islands", G::Americas),
    ("SHN", "Saint Helena, Ascension and Tristan da Cunha", G::Africa),
    ("SJM", "Svalbard and Jan Mayen", G::OtherEurope),
    ("SLB", "Solomon Islands", G::Australasia),
    ("SLE", "Sierra Leone", G::Africa),
    ("SLV", "El Salvador", G::Americas),
    ("SMR", "San Marino", G::OtherEurope),
    ("SOM", "Somalia", G::Africa),
    ("SPM", "Saint Pierre and Miquelon", G::Americas),
    ("SRB", "Serbia", G::OtherEurope),
    ("SSD", "South Sudan", G::Africa),
    ("STP", "Sao Tome and Principe", G::Africa),
    ("SUR", "Suriname", G::Americas),
    ("SVK", "Slovakia", G::CentralEasternEurope),
    ("SVN", "Slovenia", G::CentralEasternEurope),
    ("SWE", "Sweden", G::OtherEurope),
    ("SWZ", "Eswatini", G::Africa),
    ("SXM", "Sint Maarten (Dutch part)", G::Americas),
    ("SYC", "Seychelles", G::Africa),
    ("SYR", "Syria", G::Asia),
    ("TCA", "Turks and Caicos Islands", G::Americas),
    ("TCD", "Chad", G::Africa),
    ("TGO", "Togo", G::Africa),
    ("THA", "Thailand", G::Asia),
    ("TJK", "Tajikistan", G::Asia),
    ("TKL", "Tokelau", G::Australasia),
    ("TKM", "Turkmenistan", G::Asia),
    ("TLS", "Timor-Leste", G::Asia),
    ("TON", "Tonga", G::Australasia),
    ("TTO", "Trinidad and Tobago", G::Americas),
    ("TUN", "Tunisia", G::Africa),
    ("TUR", "Türkiye", G::OtherEurope),
    ("TUV", "Tuvalu", G::Australasia),
    ("TWN", "Taiwan", G::Asia),
    ("TZA", "Tanzania", G::Africa),
    ("UGA", "Uganda", G::Africa),
    ("UKR", "Ukraine", G::OtherEurope),
    ("UMI", "United States Minor Outlying Islands", G::Australasia),
    ("URY", "Uruguay", G::Americas),
    ("USA", "United States", G::Americas),
    ("UZB", "Uzbekistan", G::Asia),
    ("VAT", "Holy See", G::OtherEurope),
    ("VCT", "Saint Vincent and the Grenadines", G::Americas),
    ("VEN", "Venezuela", G::Americas),
    ("VGB", "British Virgin Islands", G::Americas),
    ("VIR", "United States Virgin Islands", G::Americas),
    ("VNM", "Vietnam", G::Asia),
    ("VUT", "Vanuatu", G::Australasia),
    ("WLF", "Wallis and Futuna", G::Australasia),
    ("WSM", "Samoa", G::Australasia),
    ("XKX", "Kosovo", G::OtherEurope),
    ("YEM", "Yemen", G::Asia),
    ("ZAF", "South Africa", G::Africa),
    ("ZMB", "Zambia", G::Africa),
    ("ZWE", "Zimbabwe", G::Africa),
];

/// Other spellings accepted by `Nationality::parse`, each with the alpha-3 code it stands for.
///
/// Entries are normalized before matching, so accents, case and punctuation
/// need not be repeated here. Ambiguous words such as "Congolese",
/// "Dominican", "Korean" and "Virgin Islands" are deliberately left out.
static ALIASES: &[(&str, &str)] = &[
    // The United Kingdom, its nations and the Crown dependencies.
    ("UK", "GBR"),
    ("GB", "GBR"),
    ("Great Britain", "GBR"),
    ("Britain", "GBR"),
    ("United Kingdom of Great Britain and Northern Ireland", "GBR"),
    ("England", "GBR"),
    ("Scotland", "GBR"),
    ("Wales", "GBR"),
    ("Northern Ireland", "GBR"),
    ("British", "GBR"),
    ("English", "GBR"),
    ("Scottish", "GBR"),
    ("Welsh", "GBR"),
    ("Northern Irish", "GBR"),
    ("Manx", "IMN"),
    // Ireland.
    ("Republic of Ireland", "IRL"),
    ("Irish Republic", "IRL"),
    ("Eire", "IRL"),
    ("Irish", "IRL"),
    // ISO formal and older names.
    ("Bolivia, Plurinational State of", "BOL"),
    ("Bolivia (Plurinational State of)", "BOL"),
    ("Plurinational State of Bolivia", "BOL"),
    ("Brunei Darussalam", "BRN"),
    ("Congo, The Democratic Republic of the", "COD"),
    ("Congo (the Democratic Republic of the)", "COD"),
    ("Congo, Democratic Republic of", "COD"),
    ("Congo (Democratic Republic)", "COD"),
    ("Congo (Democratic Republic of)", "COD"),
    ("Congo Democratic Republic", "COD"),
    ("Democratic Republic of Congo", "COD"),
    ("DR Congo", "COD"),
    ("DRC", "COD"),
    ("Congo DRC", "COD"),
    ("Congo DR", "COD"),
    ("Congo-Kinshasa", "COD"),
    ("Zaire", "COD"),
    ("Republic of the Congo", "COG"),
    ("Republic of Congo", "COG"),
    ("Congo, Republic of the", "COG"),
    ("Congo (Republic)", "COG"),
    ("Congo Republic", "COG"),
    ("Congo-Brazzaville", "COG"),
    ("Ivory Coast", "CIV"),
    ("Cote d Ivoire", "CIV"),
    ("Cape Verde", "CPV"),
    ("Czech Republic", "CZE"),
    ("Falkland Islands (Malvinas)", "FLK"),
    ("Falklands", "FLK"),
    ("Micronesia, Federated States of", "FSM"),
    ("Micronesia (Federated States of)", "FSM"),
    ("Federated States of Micronesia", "FSM"),
    ("Iran, Islamic Republic of", "IRN"),
    ("Iran (Islamic Republic of)", "IRN"),
    ("Islamic Republic of Iran", "IRN"),
    ("Kyrgyz Republic", "KGZ"),
    ("Korea, Republic of", "KOR"),
    ("Korea (the Republic of)", "KOR"),
    ("Republic of Korea", "KOR"),
    ("Lao People's Democratic Republic", "LAO"),
    ("Lao PDR", "LAO"),
    ("Macau", "MAC"),
    ("Saint Martin", "MAF"),
    ("Moldova, Republic of", "MDA"),
    ("Moldova (the Republic of)", "MDA"),
    ("Republic of Moldova", "MDA"),
    ("Macedonia", "MKD"),
    ("Republic of North Macedonia", "MKD"),
    ("Former Yugoslav Republic of Macedonia", "MKD"),
    ("FYROM", "MKD"),
    ("Burma", "MMR"),
    ("Netherlands (Kingdom of the)", "NLD"),
    ("Holland", "NLD"),
    ("Pitcairn Islands", "PCN"),
    ("Korea, Democratic People's Republic of", "PRK"),
    ("Korea (the Democratic People's Republic of)", "PRK"),
    ("Democratic People's Republic of Korea", "PRK"),
    ("DPRK", "PRK"),
    ("Palestine, State of", "PSE"),
    ("State of Palestine", "PSE"),
    ("Palestinian Territories", "PSE"),
    ("Occupied Palestinian Territory", "PSE"),
    ("Russian Federation", "RUS"),
    ("Saint Helena", "SHN"),
    ("Slovak Republic", "SVK"),
    ("Swaziland", "SWZ"),
    ("Syrian Arab Republic", "SYR"),
    ("East Timor", "TLS"),
    ("Turkey", "TUR"),
    ("Taiwan, Province of China", "TWN"),
    ("Taiwan (Province of China)", "TWN"),
    ("Tanzania, United Republic of", "TZA"),
    ("United Republic of Tanzania", "TZA"),
    ("US Minor Outlying Islands", "UMI"),
    ("USA", "USA"),
    ("US", "USA"),
    ("United States of America", "USA"),
    ("America", "USA"),
    ("Holy See (Vatican City State)", "VAT"),
    ("Vatican", "VAT"),
    ("Vatican City", "VAT"),
    ("Vatican City State", "VAT"),
    ("Venezuela, Bolivarian Republic of", "VEN"),
    ("Venezuela (Bolivarian Republic of)", "VEN"),
    ("Bolivarian Republic of Venezuela", "VEN"),
    ("Virgin Islands, British", "VGB"),
    ("Virgin Islands (British)", "VGB"),
    ("BVI", "VGB"),
    ("Virgin Islands, U.S.", "VIR"),
    ("Virgin Islands (U.S.)", "VIR"),
    ("US Virgin Islands", "VIR"),
    ("Viet Nam", "VNM"),
    ("UAE", "ARE"),
    ("Emirates", "ARE"),
    ("Bosnia", "BIH"),
    ("Bosnia-Herzegovina", "BIH"),
    ("Caribbean Netherlands", "BES"),
    ("Bonaire", "BES"),
    ("Sao Tome", "STP"),
    ("South Georgia", "SGS"),
    ("Trinidad", "TTO"),
    ("Saint Kitts", "KNA"),
    ("Saint Vincent", "VCT"),
    ("Hong Kong SAR", "HKG"),
    ("The Gambia", "GMB"),
    ("Guinea Conakry", "GIN"),
    ("People's Republic of China", "CHN"),
    ("Somaliland", "SOM"),
    // Demonyms.
    ("Afghan", "AFG"),
    ("Afghani", "AFG"),
    ("Albanian", "ALB"),
    ("Algerian", "DZA"),
    ("American", "USA"),
    ("Andorran", "AND"),
    ("Angolan", "AGO"),
    ("Antiguan", "ATG"),
    ("Argentine", "ARG"),
    ("Argentinian", "ARG"),
    ("Argentinean", "ARG"),
    ("Armenian", "ARM"),
    ("Australian", "AUS"),
    ("Austrian", "AUT"),
    ("Azerbaijani", "AZE"),
    ("Azeri", "AZE"),
    ("Bahamian", "BHS"),
    ("Bahraini", "BHR"),
    ("Bangladeshi", "BGD"),
    ("Barbadian", "BRB"),
    ("Bajan", "BRB"),
    ("Belarusian", "BLR"),
    ("Belarussian", "BLR"),
    ("Belorussian", "BLR"),
    ("Belgian", "BEL"),
    ("Belizean", "BLZ"),
    ("Beninese", "BEN"),
    ("Bhutanese", "BTN"),
    ("Bolivian", "BOL"),
    ("Bosnian", "BIH"),
    ("Motswana", "BWA"),
    ("Batswana", "BWA"),
    ("Brazilian", "BRA"),
    ("Bruneian", "BRN"),
    ("Bulgarian", "BGR"),
    ("Burkinabe", "BFA"),
    ("Burmese", "MMR"),
    ("Burundian", "BDI"),
    ("Cambodian", "KHM"),
    ("Cameroonian", "CMR"),
    ("Canadian", "CAN"),
    ("Cape Verdean", "CPV"),
    ("Central African", "CAF"),
    ("Chadian", "TCD"),
    ("Chilean", "CHL"),
    ("Chinese", "CHN"),
    ("Colombian", "COL"),
    ("Comoran", "COM"),
    ("Comorian", "COM"),
    ("Costa Rican", "CRI"),
    ("Croatian", "HRV"),
    ("Croat", "HRV"),
    ("Cuban", "CUB"),
    ("Cypriot", "CYP"),
    ("Czech", "CZE"),
    ("Danish", "DNK"),
    ("Dane", "DNK"),
    ("Djiboutian", "DJI"),
    ("Dutch", "NLD"),
    ("Ecuadorian", "ECU"),
    ("Ecuadorean", "ECU"),
    ("Egyptian", "EGY"),
    ("Emirati", "ARE"),
    ("Equatorial Guinean", "GNQ"),
    ("Equatoguinean", "GNQ"),
    ("Eritrean", "ERI"),
    ("Estonian", "EST"),
    ("Ethiopian", "ETH"),
    ("Fijian", "FJI"),
    ("Filipino", "PHL"),
    ("Filipina", "PHL"),
    ("Finnish", "FIN"),
    ("French", "FRA"),
    ("Gabonese", "GAB"),
    ("Gambian", "GMB"),
    ("Georgian", "GEO"),
    ("German", "DEU"),
    ("Ghanaian", "GHA"),
    ("Greek", "GRC"),
    ("Grenadian", "GRD"),
    ("Guatemalan", "GTM"),
    ("Guinean", "GIN"),
    ("Bissau-Guinean", "GNB"),
    ("Guyanese", "GUY"),
    ("Haitian", "HTI"),
    ("Honduran", "HND"),
    ("Hungarian", "HUN"),
    ("Icelandic", "ISL"),
    ("Indian", "IND"),
    ("Indonesian", "IDN"),
    ("Iranian", "IRN"),
    ("Iraqi", "IRQ"),
    ("Israeli", "ISR"),
    ("Italian", "ITA"),
    ("Ivorian", "CIV"),
    ("Jamaican", "JAM"),
    ("Japanese", "JPN"),
    ("Jordanian", "JOR"),
    ("Kazakh", "KAZ"),
    ("Kazakhstani", "KAZ"),
    ("Kenyan", "KEN"),
    ("Kittitian", "KNA"),
    ("Kosovan", "XKX"),
    ("Kosovar", "XKX"),
    ("Kuwaiti", "KWT"),
    ("Kyrgyz", "KGZ"),
    ("Kyrgyzstani", "KGZ"),
    ("Lao", "LAO"),
    ("Laotian", "LAO"),
    ("Latvian", "LVA"),
    ("Lebanese", "LBN"),
    ("Basotho", "LSO"),
    ("Mosotho", "LSO"),
    ("Liberian", "LBR"),
    ("Libyan", "LBY"),
    ("Liechtensteiner", "LIE"),
    ("Lithuanian", "LTU"),
    ("Luxembourgish", "LUX"),
    ("Luxembourger", "LUX"),
    ("Macedonian", "MKD"),
    ("Malagasy", "MDG"),
    ("Malawian", "MWI"),
    ("Malaysian", "MYS"),
    ("Maldivian", "MDV"),
    ("Malian", "MLI"),
    ("Maltese", "MLT"),
    ("Marshallese", "MHL"),
    ("Mauritanian", "MRT"),
    ("Mauritian", "MUS"),
    ("Mexican", "MEX"),
    ("Micronesian", "FSM"),
    ("Moldovan", "MDA"),
    ("Monegasque", "MCO"),
    ("Mongolian", "MNG"),
    ("Montenegrin", "MNE"),
    ("Moroccan", "MAR"),
    ("Mozambican", "MOZ"),
    ("Namibian", "NAM"),
    ("Nepalese", "NPL"),
    ("Nepali", "NPL"),
    ("New Zealander", "NZL"),
    ("Nicaraguan", "NIC"),
    ("Nigerien", "NER"),
    ("Nigerian", "NGA"),
    ("Ni-Vanuatu", "VUT"),
    ("North Korean", "PRK"),
    ("Norwegian", "NOR"),
    ("Omani", "OMN"),
    ("Pakistani", "PAK"),
    ("Palauan", "PLW"),
    ("Palestinian", "PSE"),
    ("Panamanian", "PAN"),
    ("Papua New Guinean", "PNG"),
    ("Paraguayan", "PRY"),
    ("Peruvian", "PER"),
    ("Polish", "POL"),
    ("Portuguese", "PRT"),
    ("Puerto Rican", "PRI"),
    ("Qatari", "QAT"),
    ("Romanian", "ROU"),
    ("Rumanian", "ROU"),
    ("Rumania", "ROU"),
    ("Roumania", "ROU"),
    ("Russian", "RUS"),
    ("Rwandan", "RWA"),
    ("Saint Lucian", "LCA"),
    ("Salvadoran", "SLV"),
    ("Salvadorian", "SLV"),
    ("Samoan", "WSM"),
    ("Sammarinese", "SMR"),
    ("Santomean", "STP"),
    ("Saudi", "SAU"),
    ("Saudi Arabian", "SAU"),
    ("Senegalese", "SEN"),
    ("Serbian", "SRB"),
    ("Serb", "SRB"),
    ("Seychellois", "SYC"),
    ("Sierra Leonean", "SLE"),
    ("Singaporean", "SGP"),
    ("Slovak", "SVK"),
    ("Slovakian", "SVK"),
    ("Slovenian", "SVN"),
    ("Slovene", "SVN"),
    ("Solomon Islander", "SLB"),
    ("Somali", "SOM"),
    ("Somalian", "SOM"),
    ("South African", "ZAF"),
    ("South Korean", "KOR"),
    ("South Sudanese", "SSD"),
    ("Spanish", "ESP"),
    ("Spaniard", "ESP"),
    ("Sri Lankan", "LKA"),
    ("Sudanese", "SDN"),
    ("Surinamese", "SUR"),
    ("Swazi", "SWZ"),
    ("Swedish", "SWE"),
    ("Swiss", "CHE"),
    ("Syrian", "SYR"),
    ("Taiwanese", "TWN"),
    ("Tajik", "TJK"),
    ("Tajikistani", "TJK"),
    ("Tanzanian", "TZA"),
    ("Thai", "THA"),
    ("Timorese", "TLS"),
    ("East Timorese", "TLS"),
    ("Togolese", "TGO"),
    ("Tongan", "TON"),
    ("Trinidadian", "TTO"),
    ("Tobagonian", "TTO"),
    ("Tunisian", "TUN"),
    ("Turkish", "TUR"),
    ("Turkmen", "TKM"),
    ("Tuvaluan", "TUV"),
    ("Ugandan", "UGA"),
    ("Ukrainian", "UKR"),
    ("Uruguayan", "URY"),
    ("Uzbek", "UZB"),
    ("Uzbekistani", "UZB"),
    ("Venezuelan", "VEN"),
    ("Vietnamese", "VNM"),
    ("Vincentian", "VCT"),
    ("Yemeni", "YEM"),
    ("Zambian", "ZMB"),
    ("Zimbabwean", "ZWE"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(input: &str) -> &'static str {
        match Nationality::parse(input) {
            Ok(nationality) => nationality.alpha3(),
            Err(error) => panic!("{error}"),
        }
    }

    #[test]
    fn parses_english_names() {
        assert_eq!(code_of("Romania"), "ROU");
        assert_eq!(code_of("United Kingdom"), "GBR");
        assert_eq!(code_of("Democratic Republic of the Congo"), "COD");
        assert_eq!(code_of("Saint Vincent and the Grenadines"), "VCT");
        assert_eq!(Nationality::parse("Eritrea").unwrap().name(), "Eritrea");
    }

    #[test]
    fn parses_alpha3_codes_in_any_case() {
        assert_eq!(code_of("ROU"), "ROU");
        assert_eq!(code_of("  pol "), "POL");
        assert_eq!(code_of("Gbr"), "GBR");
        assert_eq!(Nationality::from_alpha3("eri").unwrap().name(), "Eritrea");
        assert!(Nationality::from_alpha3("ZZZ").is_none());
        assert!(Nationality::from_alpha3("GB").is_none());
        assert!(Nationality::from_alpha3("GBRX").is_none());
    }

    #[test]
    fn parses_common_variants() {
        for input in
            ["UK", "U.K.", "Great Britain", "Britain", "England", "Scotland", "Wales", "Northern Ireland", "British"]
        {
            assert_eq!(code_of(input), "GBR", "{input}");
        }
        assert_eq!(code_of("Czech Republic"), "CZE");
        assert_eq!(code_of("Czechia"), "CZE");
        assert_eq!(code_of("Republic of Ireland"), "IRL");
        assert_eq!(code_of("Ireland"), "IRL");
        assert_eq!(code_of("USA"), "USA");
        assert_eq!(code_of("United States of America"), "USA");
        assert_eq!(code_of("United States"), "USA");
        assert_eq!(code_of("U.S.A."), "USA");
        assert_eq!(code_of("Turkey"), "TUR");
        assert_eq!(code_of("Türkiye"), "TUR");
        assert_eq!(code_of("Ivory Coast"), "CIV");
        assert_eq!(code_of("Côte d'Ivoire"), "CIV");
        assert_eq!(code_of("Cote d\u{2019}Ivoire"), "CIV");
        assert_eq!(code_of("Congo (Democratic Republic)"), "COD");
        assert_eq!(code_of("Congo, The Democratic Republic of the"), "COD");
        assert_eq!(code_of("DR Congo"), "COD");
        assert_eq!(code_of("Democratic Republic of Congo"), "COD");
        assert_eq!(code_of("Congo"), "COG");
        assert_eq!(code_of("The Gambia"), "GMB");
        assert_eq!(code_of("St. Lucia"), "LCA");
        assert_eq!(code_of("Trinidad & Tobago"), "TTO");
        assert_eq!(code_of("Korea, Republic of"), "KOR");
    }

    #[test]
    fn parses_demonyms() {
        for (input, code) in [
            ("Romanian", "ROU"),
            ("Polish", "POL"),
            ("Lithuanian", "LTU"),
            ("Eritrean", "ERI"),
            ("Sudanese", "SDN"),
            ("South Sudanese", "SSD"),
            ("Somali", "SOM"),
            ("Indian", "IND"),
            ("Iranian", "IRN"),
            ("Afghan", "AFG"),
            ("Portuguese", "PRT"),
            ("Spanish", "ESP"),
            ("Italian", "ITA"),
            ("Bulgarian", "BGR"),
            ("Latvian", "LVA"),
            ("Hungarian", "HUN"),
            ("Slovak", "SVK"),
            ("Nigerian", "NGA"),
            ("Nigerien", "NER"),
            ("Ethiopian", "ETH"),
            ("Irish", "IRL"),
        ] {
            assert_eq!(code_of(input), code, "{input}");
        }
    }

    #[test]
    fn ignores_case_accents_and_spacing() {
        assert_eq!(code_of("  rOMANIA  "), "ROU");
        assert_eq!(code_of("TURKIYE"), "TUR");
        assert_eq!(code_of("cote d'ivoire"), "CIV");
        assert_eq!(code_of("CÔTE D'IVOIRE"), "CIV");
        assert_eq!(code_of("Reunion"), "REU");
        assert_eq!(code_of("Curacao"), "CUW");
        assert_eq!(code_of("aland islands"), "ALA");
        assert_eq!(code_of("São Tomé and Príncipe"), "STP");
        // The same name written with combining accents rather than precomposed letters.
        assert_eq!(code_of("Tu\u{0308}rkiye"), "TUR");
        assert_eq!(code_of("guinea   bissau"), "GNB");
    }

    #[test]
    fn rejects_unknown_input() {
        for input in ["", "   ", "Atlantis", "Congolese", "XYZ", "Korean", "the"] {
            let error = Nationality::parse(input).unwrap_err();
            assert_eq!(error.input, input);
        }
        let message = Nationality::parse("Narnia").unwrap_err().to_string();
        assert!(message.contains("\"Narnia\""), "{message}");
        assert!(message.contains("alpha-3"), "{message}");
        assert!("Narnia".parse::<Nationality>().is_err());
    }

    #[test]
    fn groups_are_as_chain_reports_them() {
        let group = |input: &str| Nationality::parse(input).unwrap().group();
        assert_eq!(group("Romania"), NationalityGroup::CentralEasternEurope);
        assert_eq!(group("Ireland"), NationalityGroup::OtherEurope);
        assert_eq!(group("Eritrea"), NationalityGroup::Africa);
        assert_eq!(group("GBR"), NationalityGroup::Uk);
        assert_eq!(group("Jersey"), NationalityGroup::Uk);
        assert_eq!(group("Guernsey"), NationalityGroup::Uk);
        assert_eq!(group("Isle of Man"), NationalityGroup::Uk);
        assert_eq!(group("Turkey"), NationalityGroup::OtherEurope);
        assert_eq!(group("Croatia"), NationalityGroup::OtherEurope);
        assert_eq!(group("Iran"), NationalityGroup::Asia);
        assert_eq!(group("Jamaica"), NationalityGroup::Americas);
        assert_eq!(group("New Zealand"), NationalityGroup::Australasia);
    }

    #[test]
    fn central_eastern_europe_is_exactly_the_2004_and_2007_accessions() {
        let mut codes: Vec<&str> = Nationality::all()
            .filter(|n| n.group() == NationalityGroup::CentralEasternEurope)
            .map(Nationality::alpha3)
            .collect();
        codes.sort_unstable();
        assert_eq!(codes, ["BGR", "CZE", "EST", "HUN", "LTU", "LVA", "POL", "ROU", "SVK", "SVN"]);
        let uk: Vec<&str> =
            Nationality::all().filter(|n| n.group() == NationalityGroup::Uk).map(Nationality::alpha3).collect();
        assert_eq!(uk, ["GBR", "GGY", "IMN", "JEY"]);
    }

    #[test]
    fn table_is_sorted_and_codes_are_unique() {
        for pair in COUNTRIES.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} must sort before {}", pair[0].0, pair[1].0);
        }
        for (alpha3, name, _) in COUNTRIES {
            assert_eq!(alpha3.len(), 3, "{alpha3}");
            assert!(alpha3.bytes().all(|b| b.is_ascii_uppercase()), "{alpha3}");
            assert!(!name.is_empty(), "{alpha3}");
        }
        assert!(COUNTRIES.len() >= 249);
        assert_eq!(Nationality::all().len(), COUNTRIES.len());
    }

    #[test]
    fn every_name_and_code_parses_back_to_its_country() {
        let mut seen = HashMap::new();
        for nationality in Nationality::all() {
            let key = normalize(nationality.name());
            if let Some(other) = seen.insert(key.clone(), nationality.alpha3()) {
                panic!("{} and {} both normalize to {key:?}", other, nationality.alpha3());
            }
            assert_eq!(Nationality::parse(nationality.name()).unwrap(), nationality);
            assert_eq!(Nationality::parse(nationality.alpha3()).unwrap(), nationality);
            assert_eq!(nationality.to_string(), nationality.name());
        }
    }

    #[test]
    fn every_alias_parses_to_its_own_country() {
        for (alias, alpha3) in ALIASES {
            assert!(Nationality::from_alpha3(alpha3).is_some(), "{alias} names unknown code {alpha3}");
            assert_eq!(code_of(alias), *alpha3, "{alias}");
        }
    }

    #[test]
    fn every_group_except_not_known_has_a_country() {
        for group in NationalityGroup::ALL {
            let count = Nationality::all().filter(|n| n.group() == group).count();
            if group != NationalityGroup::NotKnown {
                assert!(count > 0, "{group:?} has no countries");
            }
        }
    }

    #[test]
    fn group_codes_round_trip() {
        for group in NationalityGroup::ALL {
            assert_eq!(NationalityGroup::from_code(group.code()), Some(group));
            assert_eq!(group.to_string(), group.label());
        }
        assert_eq!(NationalityGroup::from_code("europe"), None);
        assert_eq!(NationalityGroup::Uk.label(), "UK");
        assert_eq!(NationalityGroup::NotKnown.label(), "Not known");
        assert_eq!(NationalityGroup::CentralEasternEurope.code(), "central_eastern_europe");
    }
}
