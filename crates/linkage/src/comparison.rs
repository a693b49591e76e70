//! Comparisons: how two values of one column agree, as a level from "exact"
//! down to "different", with a level of its own for a missing value. Values
//! are prepared once per record (folded, digits extracted, phonetic code), so
//! comparing a pair touches no allocation.

use crate::nicknames::same_person_by_nickname;
use crate::phonetic::double_metaphone;
use crate::similarity::{bigram_jaccard, damerau_levenshtein_within, jaro_winkler};
use byname_domain::names::fold;

/// What a column holds, which decides its comparison levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A first name, surname or full name: typos, phonetics, nicknames, swaps.
    Name,
    /// A date (`YYYY-MM-DD`, `YYYYMMDD`, `DD/MM/YYYY`) or a year alone.
    Date,
    /// An identifier typed by people (NHS number, social security number).
    Identifier,
    /// A postcode.
    Postcode,
    /// A small set of codes (sex, state): equal or not.
    Category,
    /// Free text (an address line): similar or not.
    Text,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Date => "date",
            Self::Identifier => "identifier",
            Self::Postcode => "postcode",
            Self::Category => "category",
            Self::Text => "text",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        [Self::Name, Self::Date, Self::Identifier, Self::Postcode, Self::Category, Self::Text]
            .into_iter()
            .find(|k| k.code() == input.trim())
    }

    /// Labels of the levels, index 0 being "missing on either side".
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Self::Name => &[
                "missing",
                "exact",
                "one edit apart",
                "Jaro-Winkler at least 0.92",
                "swapped with the other name",
                "nickname or known-as",
                "sounds alike (Double Metaphone)",
                "Jaro-Winkler at least 0.80",
                "different",
            ],
            Self::Date => &[
                "missing",
                "exact",
                "day and month swapped",
                "one digit apart",
                "one day apart",
                "same year (or a year-only date)",
                "two digits apart",
                "different",
            ],
            Self::Identifier => &["missing", "exact", "one edit apart", "two edits apart", "different"],
            Self::Postcode => &["missing", "exact", "one edit apart", "same district", "different"],
            Self::Category => &["missing", "exact", "different"],
            Self::Text => {
                &["missing", "exact", "Jaro-Winkler at least 0.90", "bigram overlap at least 0.6", "different"]
            }
        }
    }

    pub fn n_levels(self) -> usize {
        self.levels().len()
    }
}

/// A value made ready for comparison.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prepared {
    /// Folded text, digits only for identifiers, `YYYYMMDD` or `YYYY` for dates.
    pub text: Box<str>,
    /// Double Metaphone primary code for names.
    pub phonetic: Box<str>,
    /// Days since the epoch for a full date.
    pub day: Option<i32>,
}

impl Prepared {
    pub fn is_missing(&self) -> bool {
        self.text.is_empty()
    }
}

fn days_from_civil(year: i32, month: u32, day: u32) -> Option<i32> {
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Howard Hinnant's days-from-civil, exact for the proleptic Gregorian calendar.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Reads the common ways a date is written into `YYYYMMDD` (or `YYYY`).
fn normalise_date(raw: &str) -> String {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let raw = raw.trim();
    if raw.contains('/') {
        // DD/MM/YYYY
        let parts: Vec<&str> = raw.split('/').map(str::trim).collect();
        if let [d, m, y] = parts[..]
            && y.len() == 4
        {
            return format!("{y}{:0>2}{:0>2}", m, d);
        }
    }
    digits
}

/// Prepares one raw value for a comparison kind; blank becomes missing.
pub fn prepare(kind: Kind, raw: Option<&str>) -> Prepared {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return Prepared::default() };
    match kind {
        Kind::Name => {
            let text = fold(raw);
            let phonetic = double_metaphone(&text.replace(' ', "")).0;
            Prepared { text: text.into(), phonetic: phonetic.into(), day: None }
        }
        Kind::Date => {
            let text = normalise_date(raw);
            let day = (text.len() == 8)
                .then(|| days_from_civil(text[..4].parse().ok()?, text[4..6].parse().ok()?, text[6..].parse().ok()?))
                .flatten();
            Prepared { text: text.into(), phonetic: "".into(), day }
        }
        Kind::Identifier => {
            let digits: String = raw.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
            Prepared { text: digits.into(), ..Prepared::default() }
        }
        Kind::Postcode => {
            let text: String = raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
            Prepared { text: text.into(), ..Prepared::default() }
        }
        Kind::Category | Kind::Text => Prepared { text: fold(raw).into(), ..Prepared::default() },
    }
}

/// The postcode district: the outward code of a UK postcode, the first three
/// characters of anything else.
fn district(postcode: &str) -> &str {
    let len = postcode.len();
    if len >= 5 && postcode.is_ascii() { &postcode[..len - 3] } else { &postcode[..postcode.len().min(3)] }
}

/// The level at which two prepared values agree. `swap_a`/`swap_b` are the
/// same records' values of the paired name column (first name for a surname),
/// to recognise first and last names written the other way round.
pub fn compare(kind: Kind, a: &Prepared, b: &Prepared, swap_a: Option<&Prepared>, swap_b: Option<&Prepared>) -> u8 {
    if a.is_missing() || b.is_missing() {
        // A name written in the other column still counts when swapped.
        if kind == Kind::Name
            && let (Some(sa), Some(sb)) = (swap_a, swap_b)
            && ((!a.is_missing() && a.text == sb.text) || (!b.is_missing() && b.text == sa.text))
        {
            return 4;
        }
        return 0;
    }
    let (x, y) = (&*a.text, &*b.text);
    match kind {
        Kind::Name => {
            if x == y {
                return 1;
            }
            if damerau_levenshtein_within(x, y, 1).is_some() {
                return 2;
            }
            let jw = jaro_winkler(x, y);
            if jw >= 0.92 {
                return 3;
            }
            if let (Some(sa), Some(sb)) = (swap_a, swap_b)
                && !sa.is_missing()
                && !sb.is_missing()
                && jaro_winkler(x, &sb.text) >= 0.92
                && jaro_winkler(y, &sa.text) >= 0.92
            {
                return 4;
            }
            if same_person_by_nickname(x, y) {
                return 5;
            }
            if !a.phonetic.is_empty() && a.phonetic == b.phonetic {
                return 6;
            }
            if jw >= 0.80 { 7 } else { 8 }
        }
        Kind::Date => {
            if x == y {
                return 1;
            }
            if x.len() == 8 && y.len() == 8 && x[..4] == y[..4] && x[4..6] == y[6..8] && x[6..8] == y[4..6] {
                return 2;
            }
            if x.len() == y.len() && damerau_levenshtein_within(x, y, 1).is_some() {
                return 3;
            }
            if let (Some(da), Some(db)) = (a.day, b.day)
                && (da - db).abs() == 1
            {
                return 4;
            }
            if x.len() >= 4 && y.len() >= 4 && x[..4] == y[..4] {
                return 5;
            }
            if x.len() == y.len() && damerau_levenshtein_within(x, y, 2).is_some() { 6 } else { 7 }
        }
        Kind::Identifier => match damerau_levenshtein_within(x, y, 2) {
            Some(0) => 1,
            Some(1) => 2,
            Some(_) => 3,
            None => 4,
        },
        Kind::Postcode => {
            if x == y {
                1
            } else if damerau_levenshtein_within(x, y, 1).is_some() {
                2
            } else if district(x) == district(y) {
                3
            } else {
                4
            }
        }
        Kind::Category => {
            if x == y {
                1
            } else {
                2
            }
        }
        Kind::Text => {
            if x == y {
                1
            } else if jaro_winkler(x, y) >= 0.90 {
                2
            } else if bigram_jaccard(x, y) >= 0.6 {
                3
            } else {
                4
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(kind: Kind, a: &str, b: &str) -> &'static str {
        let (pa, pb) = (prepare(kind, Some(a)), prepare(kind, Some(b)));
        kind.levels()[compare(kind, &pa, &pb, None, None) as usize]
    }

    #[test]
    fn name_levels_from_exact_to_different() {
        assert_eq!(level(Kind::Name, "Ștefan", "STEFAN"), "exact");
        assert_eq!(level(Kind::Name, "Jonathan", "Jonathon"), "one edit apart");
        assert_eq!(level(Kind::Name, "Christopher", "Christophe"), "one edit apart");
        assert_eq!(level(Kind::Name, "Philips", "Fillips"), "sounds alike (Double Metaphone)");
        assert_eq!(level(Kind::Name, "Mohammed", "Muhammad"), "nickname or known-as");
        assert_eq!(level(Kind::Name, "William", "Bill"), "nickname or known-as");
        assert_eq!(level(Kind::Name, "Smith", "Kowalski"), "different");
        assert_eq!(level(Kind::Name, "", "Kowalski"), "missing");
    }

    #[test]
    fn swapped_names_are_recognised() {
        let (first_a, last_a) = (prepare(Kind::Name, Some("Tesfay")), prepare(Kind::Name, Some("Berhane")));
        let (first_b, last_b) = (prepare(Kind::Name, Some("Berhane")), prepare(Kind::Name, Some("Tesfay")));
        assert_eq!(compare(Kind::Name, &first_a, &first_b, Some(&last_a), Some(&last_b)), 4);
        let missing = prepare(Kind::Name, None);
        assert_eq!(compare(Kind::Name, &missing, &first_b, Some(&first_a), Some(&last_b)), 0);
    }

    #[test]
    fn date_levels_know_the_usual_mistakes() {
        assert_eq!(level(Kind::Date, "1980-04-03", "03/04/1980"), "exact");
        assert_eq!(level(Kind::Date, "1980-04-03", "1980-03-04"), "day and month swapped");
        assert_eq!(level(Kind::Date, "1980-04-03", "1980-04-08"), "one digit apart");
        assert_eq!(level(Kind::Date, "1980-04-30", "1980-05-01"), "one day apart");
        assert_eq!(level(Kind::Date, "1980", "1980-05-01"), "same year (or a year-only date)");
        assert_eq!(level(Kind::Date, "1980-04-03", "1975-11-20"), "different");
        assert_eq!(level(Kind::Date, "19800403", "1980-04-03"), "exact");
    }

    #[test]
    fn identifiers_postcodes_and_text() {
        assert_eq!(level(Kind::Identifier, "943 476 5919", "9434765919"), "exact");
        assert_eq!(level(Kind::Identifier, "9434765919", "9434765991"), "one edit apart");
        assert_eq!(level(Kind::Postcode, "SW1A 2AA", "sw1a2aa"), "exact");
        assert_eq!(level(Kind::Postcode, "SW1A 2AA", "SW1A 1AA"), "one edit apart");
        assert_eq!(level(Kind::Postcode, "SW1A 2AA", "SW1A 9ZZ"), "same district");
        assert_eq!(level(Kind::Text, "12 Strand", "12 Strand"), "exact");
        assert_eq!(level(Kind::Category, "NSW", "VIC"), "different");
    }

    #[test]
    fn days_from_civil_counts_leap_years() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2000, 3, 1).unwrap() - days_from_civil(2000, 2, 28).unwrap(), 2);
        assert_eq!(days_from_civil(1900, 3, 1).unwrap() - days_from_civil(1900, 2, 28).unwrap(), 1);
    }
}
