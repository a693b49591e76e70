//! Comparisons: how two values of one column agree, as a level from "exact"
//! down to "different", with a level of its own for a missing value. Values
//! are prepared once per record (folded, digits extracted, phonetic code), so
//! comparing a pair touches no allocation.

use crate::nicknames::same_person_by_nickname;
use crate::phonetic::double_metaphone;
use crate::similarity::{
    ascii_bigram_set, bigram_jaccard, bigram_jaccard_of_sets, char_profile, damerau_levenshtein_within, jaro_winkler,
    jaro_winkler_bound,
};
use byname_domain::names::fold;

/// At most this many comparisons: a pair's levels pack into one `u64`.
pub const MAX_COMPARISONS: usize = 16;

/// What to compare, as the engine's settings give it.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonSpec {
    pub name: String,
    pub kind: Kind,
    /// The name comparison holding the other half of the name (first name for
    /// a surname), to recognise swapped names.
    pub swap_with: Option<usize>,
    pub term_frequency: bool,
    /// For other names (`Kind::Names`): the name comparisons whose values,
    /// joined, are the record's own name (first and last name for aliases,
    /// the first name for a known-as name).
    pub own_name: Vec<usize>,
}

/// A pair's levels, four bits per comparison.
pub type Pattern = u64;

/// The level of comparison `comparison` in a pattern.
pub fn level_of(pattern: Pattern, comparison: usize) -> u8 {
    ((pattern >> (4 * comparison)) & 0xf) as u8
}

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
    /// Other names a person goes by: a `;`-separated list of whole names
    /// (aliases) or a single known-as name. Each is compared with the other
    /// record's list and with its own name; the best level wins.
    Names,
    /// An id of another system's record, as a worker recorded it (the CHAIN id
    /// on an Inform client). Agreement is evidence; disagreement is not, since
    /// two records of one person in that system have different ids.
    Reference,
    /// Stays a person had, as a system recorded them: a `;`-separated list of
    /// `place|date` (a hostel and the day the stay began). Two systems that
    /// both record a stay (CHAIN's stays, Inform's placements) write the same
    /// place and nearly the same day: a stay in both is strong evidence. Stays
    /// found in one record and not the other are none: each system records
    /// only some of a person's stays, and two records of one person in one
    /// system hold different ones.
    Stays,
    /// Dated contacts with the person, as one record holds them: a
    /// `;`-separated list of `place|date`, the place where the person was
    /// met bedded down, or nothing for another contact (`|2024-03-01`). A
    /// second record of one person is mostly opened when workers meet the
    /// person again and do not find the first record, soon after it went
    /// quiet; nobody is met bedded down at two places on one night. So the
    /// time between the two records' contacts is evidence, and so is a night
    /// that puts them in two places.
    Contacts,
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
            Self::Names => "names",
            Self::Reference => "reference",
            Self::Stays => "stays",
            Self::Contacts => "contacts",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        [
            Self::Name,
            Self::Date,
            Self::Identifier,
            Self::Postcode,
            Self::Category,
            Self::Text,
            Self::Names,
            Self::Reference,
            Self::Stays,
            Self::Contacts,
        ]
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
                "a year-only date, the same year",
                "same year, months apart",
                "two digits apart",
                "different",
            ],
            Self::Identifier => &["missing", "exact", "one edit apart", "two edits apart", "different"],
            Self::Postcode => &["missing", "exact", "one edit apart", "same district", "different"],
            Self::Category => &["missing", "exact", "different"],
            Self::Text => {
                &["missing", "exact", "Jaro-Winkler at least 0.90", "bigram overlap at least 0.6", "different"]
            }
            Self::Names => &[
                "missing",
                "a name is the other's exactly",
                "a name is one edit or Jaro-Winkler 0.92 from the other's",
                "a nickname, or an initial with the same surname",
                "different (no evidence either way)",
            ],
            Self::Reference => &["missing", "same id", "different ids (no evidence either way)"],
            Self::Stays => &[
                "missing",
                "a stay in both: same place, same first day",
                "a stay in both: same place, first days a week or less apart",
                "same place and first day, as more records have (a busy night)",
                "no stay in common (no evidence either way)",
            ],
            Self::Contacts => &[
                "missing",
                "one began within a week of the other's last contact",
                "one began 8 to 30 days after the other's last contact",
                "one began 1 to 6 months after the other's last contact",
                "one began 6 months to 2 years after the other's last contact",
                "one began over 2 years after the other's last contact",
                "met over the same weeks (up to 30 days)",
                "met over the same months (over 30 days)",
                "met bedded down at two places on one night",
            ],
        }
    }

    /// Whether a level is evidence at all: a missing value never is, and
    /// neither are two different reference ids, nor other names unlike the
    /// other record's (people's other names need not resemble their records),
    /// nor stays with none in common (each record holds only some stays).
    pub fn is_evidence(self, level: u8) -> bool {
        level > 0
            && !(self == Self::Reference && level == 2)
            && !(self == Self::Names && level == 4)
            && !(self == Self::Stays && level == 4)
    }

    /// Whether level 1 is something other than equal values (a list that
    /// shares an item, other names that match, contacts close in time): not
    /// known from value shares.
    pub fn is_list(self) -> bool {
        matches!(self, Self::Names | Self::Stays | Self::Contacts)
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
    /// Double Metaphone primary code for names. For other names (`Kind::Names`),
    /// the record's own name instead, folded, to compare with the other's list.
    pub phonetic: Box<str>,
    /// Days since the epoch for a full date.
    pub day: Option<i32>,
    /// Names and free text: the characters counted by class, which bound
    /// Jaro-Winkler before it is computed (`similarity::char_profile`).
    pub profile: u64,
    /// Free text in ASCII: its distinct bigrams, sorted, for Jaccard.
    pub bigrams: Option<Box<[u16]>>,
}

impl Prepared {
    pub fn is_missing(&self) -> bool {
        self.text.is_empty()
    }

    /// Whether this is a date known only by its year: two of them agreeing
    /// say only that two people were born in the same year.
    pub fn is_year_only(&self) -> bool {
        self.text.len() == 4 && self.day.is_none()
    }

    /// For other names: the names in the list, then the record's own name.
    fn names(&self) -> (impl Iterator<Item = &str>, &str) {
        (self.text.split(';').filter(|n| !n.is_empty()), &*self.phonetic)
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
            Prepared {
                profile: char_profile(&text),
                text: text.into(),
                phonetic: phonetic.into(),
                ..Prepared::default()
            }
        }
        Kind::Date => {
            let text = normalise_date(raw);
            let day = (text.len() == 8)
                .then(|| days_from_civil(text[..4].parse().ok()?, text[4..6].parse().ok()?, text[6..].parse().ok()?))
                .flatten();
            Prepared { text: text.into(), day, ..Prepared::default() }
        }
        Kind::Identifier => {
            let digits: String = raw.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
            Prepared { text: digits.into(), ..Prepared::default() }
        }
        Kind::Postcode => {
            let text: String = raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
            Prepared { text: text.into(), ..Prepared::default() }
        }
        Kind::Category => Prepared { text: fold(raw).into(), ..Prepared::default() },
        Kind::Text => {
            let text = fold(raw);
            Prepared {
                profile: char_profile(&text),
                bigrams: ascii_bigram_set(&text),
                text: text.into(),
                ..Prepared::default()
            }
        }
        Kind::Names => prepare_names(Some(raw), None),
        Kind::Reference => {
            let text: String = raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
            Prepared { text: text.into(), ..Prepared::default() }
        }
        Kind::Stays => prepare_stays(raw),
        Kind::Contacts => prepare_contacts(raw),
    }
}

/// A list of contacts as `YYYYMMDD|place` items (place folded, empty for a
/// contact not bedded down), oldest first, without repeats; items without a
/// readable date are left out, since only dates are compared.
fn prepare_contacts(raw: &str) -> Prepared {
    prepare_list(raw, |item| {
        let (place, date) = item.rsplit_once('|').unwrap_or(("", item));
        let date = normalise_date(date);
        day_of(&date)?;
        Some(format!("{date}|{}", fold(place)))
    })
}

/// A `;`-separated list, each item made ready by `item` (or left out), sorted, without repeats.
fn prepare_list(raw: &str, item: impl Fn(&str) -> Option<String>) -> Prepared {
    let mut items: Vec<String> = raw.split(';').filter_map(item).collect();
    items.sort_unstable();
    items.dedup();
    Prepared { text: items.join(";").into(), ..Prepared::default() }
}

/// How two records' contacts stand in time: the days from one's last contact
/// to the other's first, or how long they were met over the same period, or
/// a night on which they were met bedded down at two places.
fn compare_contacts<'a>(a: &'a Prepared, b: &'a Prepared) -> u8 {
    fn items(p: &Prepared) -> impl Iterator<Item = (i32, &str)> {
        p.text.split(';').filter_map(|i| {
            let (date, place) = i.split_once('|')?;
            Some((day_of(date)?, place))
        })
    }
    let (xs, ys): (Vec<_>, Vec<_>) = (items(a).collect(), items(b).collect());
    // Both lists are sorted by date: walk their nights together for one in two places.
    let (mut i, mut j) = (0, 0);
    while i < xs.len() && j < ys.len() {
        let (night_x, night_y) = (xs[i].0, ys[j].0);
        let night = |list: &[(i32, &str)], from: usize, day: i32| list[from..].partition_point(|&(d, _)| d == day);
        let (n_x, n_y) = (night(&xs, i, night_x), night(&ys, j, night_y));
        if night_x == night_y {
            let bedded_down = |list: &[(i32, &'a str)]| -> Vec<&'a str> {
                list.iter().map(|&(_, place)| place).filter(|place| !place.is_empty()).collect()
            };
            let (at_x, at_y) = (bedded_down(&xs[i..i + n_x]), bedded_down(&ys[j..j + n_y]));
            // Two places that night and none in common: one record met at two places on
            // one night (a late and an early contact) is no conflict with itself.
            if !at_x.is_empty() && !at_y.is_empty() && !at_x.iter().any(|p| at_y.contains(p)) {
                return 8;
            }
        }
        if night_x <= night_y {
            i += n_x;
        }
        if night_y <= night_x {
            j += n_y;
        }
    }
    // Sorted by date: the first and last contacts are the ends of each list.
    let span = |list: &[(i32, &str)]| Some((list.first()?.0, list.last()?.0));
    let (Some((first_a, last_a)), Some((first_b, last_b))) = (span(&xs), span(&ys)) else { return 0 };
    // The record met first (the shorter, when both began on one day), then
    // the days from its last contact to the other's first; below zero, the
    // days over which both were met.
    let ((_, last_earlier), (first_later, last_later)) = if (first_a, last_a) <= (first_b, last_b) {
        ((first_a, last_a), (first_b, last_b))
    } else {
        ((first_b, last_b), (first_a, last_a))
    };
    let gap = first_later - last_earlier;
    let together = last_earlier.min(last_later) - first_later;
    match gap {
        0..=7 => 1,
        8..=30 => 2,
        31..=182 => 3,
        183..=730 => 4,
        731.. => 5,
        _ if together <= 30 => 6,
        _ => 7,
    }
}

/// A list of stays as `place|YYYYMMDD` items (place folded, date normalised;
/// `place|` when the date cannot be read), sorted, without repeats.
fn prepare_stays(raw: &str) -> Prepared {
    prepare_list(raw, |item| {
        let (place, date) = item.rsplit_once('|').unwrap_or((item, ""));
        let place = fold(place);
        if place.is_empty() {
            return None;
        }
        let date = normalise_date(date);
        let date = if date.len() == 8 && day_of(&date).is_some() { date } else { String::new() };
        Some(format!("{place}|{date}"))
    })
}

/// Days since the epoch of a `YYYYMMDD` date.
fn day_of(date: &str) -> Option<i32> {
    if date.len() != 8 || !date.is_ascii() {
        return None;
    }
    days_from_civil(date[..4].parse().ok()?, date[4..6].parse().ok()?, date[6..].parse().ok()?)
}

/// The mark of a stay that more than two records began at its place on its
/// day (see `engine::mark_busy_days`), after its date.
pub(crate) const BUSY: char = '*';

/// The closest two stay lists come: a stay in both (the same place, the same
/// first day or one at most a week apart, as two systems' clerks write it
/// down), the same place and day as many others (a busy night), or nothing in
/// common. Stays at one place at different times are nothing in common: a
/// hostel houses many people.
fn compare_stays(a: &Prepared, b: &Prepared) -> u8 {
    fn items(p: &Prepared) -> impl Iterator<Item = (&str, &str, bool)> {
        p.text.split(';').filter(|i| !i.is_empty()).map(|i| {
            let (place, date) = i.rsplit_once('|').unwrap_or((i, ""));
            let busy = date.ends_with(BUSY);
            (place, date.trim_end_matches(BUSY), busy)
        })
    }
    let mut best = 4;
    for (place_a, date_a, busy_a) in items(a) {
        for (place_b, date_b, busy_b) in items(b) {
            if place_a != place_b || date_a.is_empty() || date_b.is_empty() {
                continue;
            }
            let level = if date_a == date_b {
                if busy_a || busy_b { 3 } else { 1 }
            } else if let (Some(x), Some(y)) = (day_of(date_a), day_of(date_b))
                && (x - y).abs() <= 7
                && !busy_a
                && !busy_b
            {
                2
            } else {
                4
            };
            best = best.min(level);
        }
    }
    best
}

/// Prepares a list of other names (`;`-separated) with the record's own name
/// (its name columns' values joined, such as first and last name).
pub fn prepare_names(list: Option<&str>, own: Option<&str>) -> Prepared {
    let own = own.map(fold).unwrap_or_default();
    // A known-as that is the first name itself adds nothing to the name comparisons.
    let text: Vec<String> = list.unwrap_or("").split(';').map(fold).filter(|n| !n.is_empty() && *n != own).collect();
    Prepared { text: text.join(";").into(), phonetic: own.into(), ..Prepared::default() }
}

/// The first and the last word of a name (the last is empty for one word).
fn first_and_last(name: &str) -> (&str, &str) {
    match name.split_once(' ') {
        Some((first, _)) => (first, name.rsplit(' ').next().unwrap_or("")),
        None => (name, ""),
    }
}

/// How close two whole names are, as a `Kind::Names` level (1 to 4), or 0
/// when the two say nothing beyond the name comparisons.
fn names_level(x: &str, y: &str) -> u8 {
    if x == y {
        return 1;
    }
    let ((fx, lx), (fy, ly)) = (first_and_last(x), first_and_last(y));
    // Jaro-Winkler over a whole name is mostly its first word: `Costel Ursu` and
    // `Costel Dumitru` are not close. Each half must be.
    let near = |a: &str, b: &str| a == b || damerau_levenshtein_within(a, b, 1).is_some() || jaro_winkler(a, b) >= 0.92;
    if damerau_levenshtein_within(x, y, 1).is_some() || (near(fx, fy) && near(lx, ly)) {
        return 2;
    }
    let same_surname =
        lx == ly || (!lx.is_empty() && !ly.is_empty() && damerau_levenshtein_within(lx, ly, 1).is_some());
    let initial = |a: &str, b: &str| a.chars().count() == 1 && b.starts_with(a);
    if same_surname && (same_person_by_nickname(fx, fy) || initial(fx, fy) || initial(fy, fx)) {
        // A nickname of a single name (a known-as against a first name) says
        // no more than the first names' own comparison: not counted again.
        return if lx.is_empty() && ly.is_empty() && !initial(fx, fy) && !initial(fy, fx) { 0 } else { 3 };
    }
    4
}

/// Whether two whole names agree only as an initial against a name, with the
/// same surname (`J Smyth` and `John Smith`), not as a nickname.
fn initial_with_surname(x: &str, y: &str) -> bool {
    let ((fx, _), (fy, _)) = (first_and_last(x), first_and_last(y));
    let initial = |a: &str, b: &str| a.chars().count() == 1 && b.starts_with(a);
    names_level(x, y) == 3 && (initial(fx, fy) || initial(fy, fx)) && !same_person_by_nickname(fx, fy)
}

/// The best level between one record's other names and the other's list and
/// own name (own name against own name is left to the name comparisons), or
/// missing when the own names agree at least as well.
fn compare_names(a: &Prepared, b: &Prepared) -> u8 {
    let mut best = 0u8;
    let mut consider = |x: &str, y: &str| {
        if !x.is_empty() && !y.is_empty() {
            let level = names_level(x, y);
            if level > 0 && (best == 0 || level < best) {
                best = level;
            }
        }
    };
    let ((list_a, own_a), (list_b, own_b)) = (a.names(), b.names());
    // An initial with the same surname says only that the initials agree when the own
    // surnames agree already: `R Fraser` among `Ray Fraser`'s aliases against `Ryan Fraser`.
    let own_surnames_agree = {
        let (lx, ly) = (first_and_last(own_a).1, first_and_last(own_b).1);
        !lx.is_empty() && (lx == ly || damerau_levenshtein_within(lx, ly, 1).is_some())
    };
    let mut consider = |x: &str, y: &str| {
        if !(own_surnames_agree && initial_with_surname(x, y)) {
            consider(x, y);
        }
    };
    for x in list_a {
        consider(x, own_b);
        for y in b.names().0 {
            consider(x, y);
        }
    }
    for y in list_b {
        consider(own_a, y);
    }
    // Other names count only where they find more than the own names do:
    // `Mick Clarke` among the aliases adds nothing to two `Michael Clarke`s.
    // Nor where the own names are already alike: `Mick Clarke` among the aliases says
    // nothing that `Michael Clarke` against `Mick Clarke` (a nickname and the surname) has not.
    if best > 0 && best < 4 && !own_a.is_empty() && !own_b.is_empty() {
        let own = names_level(own_a, own_b);
        let familiar = same_person_by_nickname(first_and_last(own_a).0, first_and_last(own_b).0);
        if (own > 0 && own < 4) || familiar {
            return 0;
        }
    }
    best
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
    if kind == Kind::Names {
        // One side's list is enough: it is compared with the other's own name.
        return compare_names(a, b);
    }
    if matches!(kind, Kind::Stays | Kind::Contacts) {
        return if a.is_missing() || b.is_missing() { 0 } else { compare_present(kind, a, b) };
    }
    if a.is_missing() || b.is_missing() {
        // A name written in the other column still counts when swapped.
        // Not when the other halves agree already: `Dumitru` with no surname against
        // `Dumitru Dumitru` is one name agreeing, not two.
        if kind == Kind::Name
            && let (Some(sa), Some(sb)) = (swap_a, swap_b)
            && sa.text != sb.text
            && ((!a.is_missing() && a.text == sb.text) || (!b.is_missing() && b.text == sa.text))
        {
            return 4;
        }
        return 0;
    }
    let level = compare_present(kind, a, b);
    if kind == Kind::Name && level >= 5 && swapped(a, b, swap_a, swap_b) {
        return 4;
    }
    level
}

/// Whether each of two names is close to the other record's other half of the name.
fn swapped(a: &Prepared, b: &Prepared, swap_a: Option<&Prepared>, swap_b: Option<&Prepared>) -> bool {
    match (swap_a, swap_b) {
        (Some(sa), Some(sb)) => !sa.is_missing() && !sb.is_missing() && close(a, sb) && close(b, sa),
        _ => false,
    }
}

/// Two names at Jaro-Winkler 0.92 or more.
pub(crate) fn close(a: &Prepared, b: &Prepared) -> bool {
    jaro_winkler_from(a, b, 0.92) >= 0.92
}

/// Jaro-Winkler of two prepared values, or 0 when their profiles show it is
/// below `floor`, the lowest band it is compared with: the quadratic
/// comparison runs only where it can matter.
fn jaro_winkler_from(a: &Prepared, b: &Prepared, floor: f64) -> f64 {
    // The margin keeps a rounding of the bound from hiding a score at the floor.
    if jaro_winkler_bound(&a.text, a.profile, &b.text, b.profile) + 1e-9 < floor {
        0.0
    } else {
        jaro_winkler(&a.text, &b.text)
    }
}

/// Bigram Jaccard of two prepared values, from their bigram sets when both have one.
fn bigram_jaccard_from(a: &Prepared, b: &Prepared) -> f64 {
    match (&a.bigrams, &b.bigrams) {
        (Some(set_a), Some(set_b)) => bigram_jaccard_of_sets(set_a, set_b, &a.text, &b.text),
        _ => bigram_jaccard(&a.text, &b.text),
    }
}

/// The level of two present values, leaving out swapped names (level 4 of
/// a name, which also reads the other half of the name).
pub(crate) fn compare_present(kind: Kind, a: &Prepared, b: &Prepared) -> u8 {
    let (x, y) = (&*a.text, &*b.text);
    match kind {
        Kind::Name => {
            if x == y {
                return 1;
            }
            if damerau_levenshtein_within(x, y, 1).is_some() {
                return 2;
            }
            let jw = jaro_winkler_from(a, b, 0.80);
            if jw >= 0.92 {
                return 3;
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
                // Two year-only dates agree on no more than a full date and a year do.
                return if a.is_year_only() { 5 } else { 1 };
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
                // Only the year known on one side is what a year-only record of
                // the same person looks like; two full dates months apart are not.
                return if x.len() == 4 || y.len() == 4 { 5 } else { 6 };
            }
            if x.len() == y.len() && damerau_levenshtein_within(x, y, 2).is_some() { 7 } else { 8 }
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
        Kind::Category | Kind::Reference => {
            if x == y {
                1
            } else {
                2
            }
        }
        Kind::Names => unreachable!("compared above"),
        Kind::Stays => compare_stays(a, b),
        Kind::Contacts => compare_contacts(a, b),
        Kind::Text => {
            if x == y {
                1
            } else if jaro_winkler_from(a, b, 0.90) >= 0.90 {
                2
            } else if bigram_jaccard_from(a, b) >= 0.6 {
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
        kind_level(kind, &prepare(kind, Some(a)), &prepare(kind, Some(b)))
    }

    fn kind_level(kind: Kind, a: &Prepared, b: &Prepared) -> &'static str {
        kind.levels()[compare(kind, a, b, None, None) as usize]
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
    fn contacts_tell_how_two_records_stand_in_time() {
        let first = "Strand|2023-01-02;|2023-01-20;Strand|2023-02-01";
        let cases = [
            ("Aldwych|2023-02-05;|2023-03-01", "one began within a week of the other's last contact"),
            ("|2023-02-20", "one began 8 to 30 days after the other's last contact"),
            ("|2022-10-01", "one began 1 to 6 months after the other's last contact"),
            ("|2024-01-01", "one began 6 months to 2 years after the other's last contact"),
            ("|2026-01-01", "one began over 2 years after the other's last contact"),
            ("|2023-01-25;|2023-03-01", "met over the same weeks (up to 30 days)"),
            // Bedded down at the Strand and at Aldwych on one night: two people.
            ("Aldwych|2023-01-02", "met bedded down at two places on one night"),
            // The same place that night is no conflict: met on the first one's first day.
            ("strand|2023-01-02", "one began within a week of the other's last contact"),
            // A contact not bedded down is no conflict either.
            ("|2023-01-20;Aldwych|2023-01-21", "met over the same weeks (up to 30 days)"),
            // Unreadable dates are left out; nothing readable is missing.
            ("Strand|someday", "missing"),
        ];
        for (other, expected) in cases {
            assert_eq!(level(Kind::Contacts, first, other), expected, "{other}");
            assert_eq!(level(Kind::Contacts, other, first), expected, "{other}, the other way round");
        }
        // One record spanning the other: the days both were met, all of the shorter.
        assert_eq!(
            level(Kind::Contacts, "|2023-01-01;|2023-06-01", "|2023-02-01;|2023-03-15"),
            "met over the same months (over 30 days)"
        );
        // One record met at two places on one night is no conflict with a copy of itself.
        let two_places = "Strand|2023-01-02;Aldwych|2023-01-02";
        assert_ne!(level(Kind::Contacts, two_places, two_places), "met bedded down at two places on one night");
        assert!(Kind::Contacts.is_list() && Kind::parse("contacts") == Some(Kind::Contacts));
    }

    #[test]
    fn swapped_names_are_recognised() {
        let (first_a, last_a) = (prepare(Kind::Name, Some("Tesfay")), prepare(Kind::Name, Some("Berhane")));
        let (first_b, last_b) = (prepare(Kind::Name, Some("Berhane")), prepare(Kind::Name, Some("Tesfay")));
        assert_eq!(compare(Kind::Name, &first_a, &first_b, Some(&last_a), Some(&last_b)), 4);
        let missing = prepare(Kind::Name, None);
        assert_eq!(compare(Kind::Name, &missing, &first_b, Some(&first_a), Some(&last_b)), 0);
        // A surname left blank, against a surname equal to this record's first name: swapped.
        assert_eq!(compare(Kind::Name, &missing, &first_a, Some(&first_a), Some(&first_b)), 4);
        // But not when the first names agree already (`Dumitru` against `Dumitru Dumitru`).
        assert_eq!(compare(Kind::Name, &missing, &first_a, Some(&first_a), Some(&first_a)), 0);
    }

    #[test]
    fn date_levels_know_the_usual_mistakes() {
        assert_eq!(level(Kind::Date, "1980-04-03", "03/04/1980"), "exact");
        assert_eq!(level(Kind::Date, "1980-04-03", "1980-03-04"), "day and month swapped");
        assert_eq!(level(Kind::Date, "1980-04-03", "1980-04-08"), "one digit apart");
        assert_eq!(level(Kind::Date, "1980-04-30", "1980-05-01"), "one day apart");
        assert_eq!(level(Kind::Date, "1980", "1980-05-01"), "a year-only date, the same year");
        assert_eq!(
            level(Kind::Date, "1980", "1980"),
            "a year-only date, the same year",
            "not exact: a year is no birth date"
        );
        assert_eq!(level(Kind::Date, "1980-11-20", "1980-05-01"), "same year, months apart");
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

    fn names_level_of(list_a: &str, own_a: &str, list_b: &str, own_b: &str) -> &'static str {
        let (a, b) = (prepare_names(Some(list_a), Some(own_a)), prepare_names(Some(list_b), Some(own_b)));
        Kind::Names.levels()[compare(Kind::Names, &a, &b, None, None) as usize]
    }

    #[test]
    fn an_alias_is_compared_with_the_other_records_name() {
        // A CHAIN record known also as `Johnny Smith`, and an Inform client with that name.
        assert_eq!(
            names_level_of("Johnny Smith;J Smyth", "Jan Kowalski", "", "Johnny Smith"),
            "a name is the other's exactly"
        );
        // Not when the own names are alike already: `John Smyth` and `Johnny Smith` are a
        // nickname and a surname one edit apart, which the name comparisons count.
        assert_eq!(names_level_of("Johnny Smith;J Smyth", "John Smyth", "", "Johnny Smith"), "missing");
        assert_eq!(
            names_level_of("Johnny Smith", "Jan Kowalski", "", "Jonny Smith"),
            "a name is one edit or Jaro-Winkler 0.92 from the other's"
        );
        assert_eq!(
            names_level_of("J Smyth", "Jan Kowalski", "", "John Smith"),
            "a nickname, or an initial with the same surname"
        );
        assert_eq!(
            names_level_of("Bill Jones", "Jan Kowalski", "", "William Jones"),
            "a nickname, or an initial with the same surname"
        );
        // Lists are compared with each other too, whichever side holds them.
        assert_eq!(
            names_level_of("", "Ann Lee", "Anna Maria Lee;Anna Lee", "Joan Park"),
            "a name is one edit or Jaro-Winkler 0.92 from the other's"
        );
        assert_eq!(names_level_of("Joe Bloggs", "Ann Lee", "Joe Bloggs", "Bob Park"), "a name is the other's exactly");
    }

    #[test]
    fn an_alias_of_an_initial_adds_nothing_when_the_surnames_agree_already() {
        // `Ray Fraser`, also `R Fraser`, against `Ryan Fraser`: the surnames say it, and the
        // initial is all the alias adds; another `R Fraser` is as likely.
        assert_eq!(names_level_of("R Fraser;R Frazer", "Ray Fraser", "", "Ryan Fraser"), "missing");
        // Against a different surname it links a name the record also goes by.
        assert_eq!(
            names_level_of("R Fraser", "Ray Kowalski", "", "Ryan Fraser"),
            "a nickname, or an initial with the same surname"
        );
        // A nickname with the same surname still counts: `Bill Jones` against `William Jones`.
        assert_eq!(
            names_level_of("Bill Jones", "Robert Jones", "", "William Jones"),
            "a nickname, or an initial with the same surname"
        );
    }

    #[test]
    fn other_names_unlike_the_record_are_no_evidence_and_missing_when_absent() {
        assert_eq!(
            names_level_of("Mark Twain", "Samuel Clemens", "", "John Smith"),
            "different (no evidence either way)"
        );
        assert!(!Kind::Names.is_evidence(4), "an alias unlike the other's names does not count against");
        assert_eq!(names_level_of("", "Samuel Clemens", "", "John Smith"), "missing", "no list on either side");
    }

    #[test]
    fn other_names_add_nothing_when_the_own_names_agree_as_well() {
        // Two `Michael Clarke`s, one also known as `Mick Clarke`: the names already agree.
        assert_eq!(names_level_of("Mick Clarke", "Michael Clarke", "", "Michael Clarke"), "missing");
        // Nor with `Mick Clarke` on the other side: the first names (a nickname) and the
        // surnames say it already.
        assert_eq!(names_level_of("Mick Clarke", "Michael Clarke", "", "Mick Clarke"), "missing");
        // An alias whose first word alone is alike is not close: JW over the whole name would say so.
        assert_eq!(
            names_level_of("Costel Ursu", "Ion Popa", "", "Costel Dumitru"),
            "different (no evidence either way)"
        );
    }

    #[test]
    fn a_known_as_is_compared_with_the_first_name() {
        // Inform's known-as against CHAIN's first name.
        // The first names, `William` and `Bill`, say as much already.
        assert_eq!(names_level_of("Bill", "William", "", "Bill"), "missing");
        assert_eq!(
            names_level_of("Bill", "William", "", "Bil"),
            "a name is one edit or Jaro-Winkler 0.92 from the other's"
        );
        // A known-as that is the first name itself, or a nickname of the other's
        // first name, says nothing the first names do not.
        assert_eq!(names_level_of("William", "William", "", "Bill"), "missing");
        // Nor a known-as equal to the other's first name when the first names are forms of one
        // name already (`Stephen`, known as `Steve`, against `Steve`).
        assert_eq!(names_level_of("Steve", "Stephen", "", "Steve"), "missing");
        assert_eq!(names_level_of("Bill", "Robert", "", "William"), "missing");
    }

    #[test]
    fn a_reference_id_counts_only_when_it_agrees() {
        assert_eq!(level(Kind::Reference, "C0010001", " c0010001"), "same id");
        assert_eq!(level(Kind::Reference, "C0010001", "C0010002"), "different ids (no evidence either way)");
        assert!(Kind::Reference.is_evidence(1));
        assert!(!Kind::Reference.is_evidence(2), "two CHAIN records of one person have different ids");
        assert_eq!(level(Kind::Reference, "", "C0010002"), "missing");
    }

    #[test]
    fn a_stay_recorded_by_both_systems_is_found_despite_a_clerks_few_days() {
        // CHAIN's stay and Inform's placement of one person at one hostel.
        let chain = "Pimlico Hostel|2022-08-02;Westminster City Council|2022-12-25";
        assert_eq!(
            level(Kind::Stays, chain, "pimlico hostel|02/08/2022"),
            "a stay in both: same place, same first day"
        );
        assert_eq!(
            level(Kind::Stays, chain, "Pimlico Hostel|2022-08-01"),
            "a stay in both: same place, first days a week or less apart"
        );
        // A hostel houses many people: the same place at another time is nothing in common.
        assert_eq!(
            level(Kind::Stays, chain, "Pimlico Hostel|2019-03-01"),
            "no stay in common (no evidence either way)"
        );
        assert_eq!(level(Kind::Stays, chain, "Pimlico Hostel|"), "no stay in common (no evidence either way)");
        assert_eq!(
            level(Kind::Stays, chain, "Victoria Hostel|2022-08-02"),
            "no stay in common (no evidence either way)"
        );
        // A night many began at a shelter (marked when the data are prepared) is weaker.
        let busy = format!("pimlico hostel|20220802{BUSY}");
        assert_eq!(
            kind_level(
                Kind::Stays,
                &Prepared { text: busy.into(), ..Prepared::default() },
                &prepare(Kind::Stays, Some(chain))
            ),
            "same place and first day, as more records have (a busy night)"
        );
        assert!(!Kind::Stays.is_evidence(4), "each record holds only some of a person's stays");
        assert_eq!(level(Kind::Stays, "", "Victoria Hostel|2022-08-02"), "missing");
        // The order of the items and repeats do not matter.
        assert_eq!(
            prepare(Kind::Stays, Some("B|2020-01-02;A|2021-03-04;B|2020-01-02")).text.as_ref(),
            "a|20210304;b|20200102"
        );
    }

    #[test]
    fn days_from_civil_counts_leap_years() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2000, 3, 1).unwrap() - days_from_civil(2000, 2, 28).unwrap(), 2);
        assert_eq!(days_from_civil(1900, 3, 1).unwrap() - days_from_civil(1900, 2, 28).unwrap(), 1);
    }
}
