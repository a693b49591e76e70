//! Finding a person from what a worker types in one box: name words (typed with typos, swapped,
//! as a nickname, without accents), a date of birth (`DD/MM/YYYY`, ISO or a year), an NHS number
//! (spaces allowed, checked), and ids (CHAIN, Inform), in any order ("jon smtih 12/04/1980").
//! A query is parsed once ([`parse_query`]); each candidate person is scored with the same
//! comparisons linkage uses ([`score_candidate`]: the name levels of `comparison`, its nicknames,
//! phonetics and accent folding), so byname has one definition of a similar name. The keys a
//! name word is found under ([`name_keys`]) let a caller keep an index of the words it holds and
//! compare only the words that can be close.

use crate::comparison::{Kind, Prepared, compare_present, prepare};
use crate::nicknames::{has_familiar_forms, usual_forms};
use crate::phonetic::double_metaphone;
use byname_domain::names::fold;
use byname_domain::nhs::NhsNumber;

/// The longest search accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Name words beyond this many are ignored: nobody's name has more.
const MAX_WORDS: usize = 8;
/// Below this score a person is not a result.
pub const MIN_SCORE: f64 = 0.45;
/// What a CHAIN id recorded on another system's record is called (an Inform client's CHAIN id):
/// found, it ranks just below the person whose own CHAIN record has that id, since a worker may
/// have recorded it on the wrong client.
pub const RECORDED_CHAIN_ID: &str = "CHAIN id recorded by another service";

/// Why a search cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error(
        "type a name, a date of birth (DD/MM/YYYY or a year), a CHAIN or Inform id, or an NHS number to search for"
    )]
    Empty,
    #[error("a search is at most {MAX_QUERY_CHARS} characters; this one has {0}")]
    TooLong(usize),
}

/// One name word, folded (no case, no accents) and made ready for comparison.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameWord(Prepared);

impl NameWord {
    /// A word as written; folded here.
    pub fn new(word: &str) -> Self {
        Self(prepare(Kind::Name, Some(word)))
    }

    /// The folded word.
    pub fn text(&self) -> &str {
        &self.0.text
    }
}

/// The words of a name as written (`Mary-Jane O'Brien` is `mary`, `jane`, `obrien`).
pub fn name_words(name: &str) -> Vec<String> {
    fold(name).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// A date of birth, asked for or stored: a full date or a year.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BirthDate(Prepared);

impl BirthDate {
    /// A stored date of birth (`YYYY-MM-DD`, `DD/MM/YYYY` or `YYYY`); `None` when blank.
    pub fn new(raw: &str) -> Option<Self> {
        let prepared = prepare(Kind::Date, Some(raw));
        (!prepared.is_missing()).then_some(Self(prepared))
    }

    /// `YYYYMMDD`, or `YYYY` for a year.
    pub fn key(&self) -> &str {
        &self.0.text
    }

    /// The year, as the first four digits.
    pub fn year_key(&self) -> &str {
        &self.0.text[..self.0.text.len().min(4)]
    }

    pub fn is_year_only(&self) -> bool {
        self.0.text.len() == 4
    }
}

/// A search, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchQuery {
    /// The search as typed, trimmed.
    pub text: String,
    pub words: Vec<NameWord>,
    pub date: Option<BirthDate>,
    /// Ten digits that pass the NHS number's check digit.
    pub nhs_number: Option<String>,
    /// Other tokens with digits: ids of CHAIN, Inform or another source ([`normalise_id`]).
    pub ids: Vec<String>,
}

impl SearchQuery {
    /// A query from a form's fields rather than one box (a registration's likely matches).
    pub fn from_parts(names: &[&str], date_of_birth: Option<&str>, ids: &[&str]) -> Self {
        let mut query = Self {
            text: names.join(" "),
            words: names.iter().flat_map(|n| name_words(n)).take(MAX_WORDS).map(|w| NameWord::new(&w)).collect(),
            date: date_of_birth.and_then(BirthDate::new),
            ..Self::default()
        };
        for id in ids {
            match NhsNumber::parse(id) {
                Ok(nhs) => query.nhs_number = Some(nhs.as_digits()),
                Err(_) => query.ids.push(normalise_id(id)),
            }
        }
        query.ids.retain(|id| !id.is_empty());
        query
    }

    /// Whether nothing in it can be searched for.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.date.is_none() && self.nhs_number.is_none() && self.ids.is_empty()
    }
}

/// An id as compared: letters upper-case, digits, nothing else (`inf-000123` is `INF000123`).
pub fn normalise_id(id: &str) -> String {
    id.chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

/// The digits of an id, when it has at least four: `C1234567` is found by `1234567` too.
pub fn id_digits(id: &str) -> Option<String> {
    let digits: String = id.chars().filter(char::is_ascii_digit).collect();
    (digits.len() >= 4).then_some(digits)
}

/// A date written `DD/MM/YYYY` (or with `-` or `.`), `YYYY-MM-DD`, as `YYYY-MM-DD`.
fn date_token(token: &str) -> Option<String> {
    use byname_domain::date::{iso, parse_iso_date, parse_uk_date};
    if let Ok(date) = parse_iso_date(token) {
        return Some(iso(date));
    }
    let uk = token.replace(['-', '.'], "/");
    parse_uk_date(&uk).ok().map(iso)
}

fn is_year(token: &str) -> bool {
    token.len() == 4 && token.bytes().all(|b| b.is_ascii_digit()) && (1880..=2100).contains(&token.parse().unwrap_or(0))
}

/// Reads what was typed in the search box. Blank is [`QueryError::Empty`]; over
/// [`MAX_QUERY_CHARS`] characters is [`QueryError::TooLong`].
pub fn parse_query(text: &str) -> Result<SearchQuery, QueryError> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong(chars));
    }
    let mut query = SearchQuery { text: text.to_owned(), ..SearchQuery::default() };
    let tokens: Vec<&str> =
        text.split(|c: char| c.is_whitespace() || c == ',' || c == ';').filter(|t| !t.is_empty()).collect();
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        // An NHS number typed 3-3-4 spans three tokens.
        if i + 2 < tokens.len() {
            let joined = format!("{token}{}{}", tokens[i + 1], tokens[i + 2]);
            if [token, tokens[i + 1], tokens[i + 2]].iter().all(|t| t.bytes().all(|b| b.is_ascii_digit()))
                && let Ok(nhs) = NhsNumber::parse(&joined)
            {
                query.nhs_number = Some(nhs.as_digits());
                i += 3;
                continue;
            }
        }
        i += 1;
        if let Some(date) = date_token(token) {
            if query.date.is_none() {
                query.date = BirthDate::new(&date);
            }
            continue;
        }
        if is_year(token) {
            if query.date.is_none() {
                query.date = BirthDate::new(token);
            }
            continue;
        }
        if token.chars().any(|c| c.is_ascii_digit()) {
            match NhsNumber::parse(token) {
                Ok(nhs) => query.nhs_number = Some(nhs.as_digits()),
                Err(_) => {
                    let id = normalise_id(token);
                    if !id.is_empty() && !query.ids.contains(&id) {
                        query.ids.push(id);
                    }
                }
            }
            continue;
        }
        for word in name_words(token) {
            if query.words.len() < MAX_WORDS {
                query.words.push(NameWord::new(&word));
            }
        }
    }
    if query.is_empty() {
        return Err(QueryError::Empty);
    }
    Ok(query)
}

/// The keys a folded name word is found under; two words share one when they are equal, one
/// edit apart (each word and each of its forms one letter shorter: a typo, a letter missing or
/// two swapped), sound alike (Double Metaphone) or are forms of one name (`bill`, `william`).
/// An index of stored words by these keys gives every word [`word_similarity`] can score above
/// its lowest bands, except prefixes and initials.
pub fn name_keys(word: &str) -> Vec<String> {
    let mut keys = vec![format!("={word}")];
    let chars: Vec<char> = word.chars().collect();
    if chars.len() >= 3 {
        for skip in 0..chars.len() {
            let shorter: String = chars.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, c)| *c).collect();
            keys.push(format!("={shorter}"));
        }
    }
    let sound = double_metaphone(word).0;
    if !sound.is_empty() {
        keys.push(format!("~{sound}"));
    }
    // A word with no familiar forms is its own usual form, which `=` already keys.
    if has_familiar_forms(word) {
        keys.extend(usual_forms(word).into_iter().map(|form| format!("@{form}")));
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// How alike a searched word and a name word are, from 0 to 1, by linkage's name levels:
/// exact 1, a nickname 0.9, one edit 0.85, Jaro-Winkler 0.92 or more 0.8, sounding alike 0.75,
/// the start of the name (three letters or more) 0.6, Jaro-Winkler 0.80 or more 0.5, an initial
/// 0.5, else 0.
pub fn word_similarity(query: &NameWord, name: &NameWord) -> f64 {
    if query.0.is_missing() || name.0.is_missing() {
        return 0.0;
    }
    let level = match compare_present(Kind::Name, &query.0, &name.0) {
        1 => 1.0,
        2 => 0.85,
        3 => 0.8,
        5 => 0.9,
        6 => 0.75,
        7 => 0.5,
        _ => 0.0,
    };
    let (q, n) = (query.text(), name.text());
    let start = if q.chars().count() >= 3 && n.starts_with(q) {
        0.6
    } else if q.chars().count() == 1 && n.starts_with(q) {
        0.5
    } else {
        0.0
    };
    f64::max(level, start)
}

/// What a person is compared on: each name they are known by (first and last name of each
/// record, the known-as name with the surname, each alias) as words, their dates of birth, and
/// their ids with what each is (`CHAIN id`, `Inform id`, `NHS number`), normalised.
#[derive(Debug, Clone, Default)]
pub struct Candidate<'a> {
    pub names: Vec<Vec<&'a NameWord>>,
    pub dates: Vec<&'a BirthDate>,
    pub ids: Vec<(&'a str, &'static str)>,
}

/// A candidate's score and what matched, in words (`name`, `date of birth`, `CHAIN id`, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// From 0 to 1; a result from [`MIN_SCORE`].
    pub score: f64,
    pub matched: Vec<&'static str>,
}

/// The best match of the searched words to one name: each word given to the name word it is most
/// like, once each; the mean over the searched words, a little less when the words came in the
/// other order (a swap is likely, not certain) or the name has words left over.
fn one_name_score(query: &[NameWord], name: &[&NameWord]) -> f64 {
    if query.is_empty() || name.is_empty() {
        return 0.0;
    }
    let mut pairs: Vec<(f64, usize, usize)> = Vec::with_capacity(query.len() * name.len());
    for (i, q) in query.iter().enumerate() {
        for (j, n) in name.iter().enumerate() {
            let s = word_similarity(q, n);
            if s > 0.0 {
                pairs.push((s, i, j));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut query_used, mut name_used) = (0u64, 0u64);
    let mut sum = 0.0;
    let mut first_word_at = None;
    for (s, i, j) in pairs {
        if query_used & (1 << i) != 0 || name_used & (1 << j) != 0 {
            continue;
        }
        query_used |= 1 << i;
        name_used |= 1 << j;
        sum += s;
        if i == 0 {
            first_word_at = Some(j);
        }
    }
    let mut score = sum / query.len() as f64;
    if name.len() > 1 && query.len() > 1 && first_word_at.is_some_and(|j| j != 0) {
        score *= 0.97;
    }
    let left_over = name.len().saturating_sub(name_used.count_ones() as usize);
    score * (1.0 - 0.02 * left_over as f64)
}

/// How well a date of birth matches the one searched for: exact 1 (a year searched for and the
/// same year too), day and month swapped 0.8, one digit off 0.75, one day apart 0.7, a year-only
/// date of the same year 0.5, two digits off 0.25, months apart in the same year 0.2, else 0.
fn date_score(query: &BirthDate, stored: &BirthDate) -> f64 {
    if query.is_year_only() {
        return if query.key() == stored.year_key() { 1.0 } else { 0.0 };
    }
    match compare_present(Kind::Date, &query.0, &stored.0) {
        1 => 1.0,
        2 => 0.8,
        3 => 0.75,
        4 => 0.7,
        5 => 0.5,
        6 => 0.2,
        7 => 0.25,
        _ => 0.0,
    }
}

/// Scores one candidate against a search: the name (weight 0.6), the date of birth (0.4) and the
/// ids (1), each only when searched for, as a weighted mean. An id found exactly scores 1 (a
/// [`RECORDED_CHAIN_ID`] 0.95), by its digits alone 0.9.
pub fn score_candidate(query: &SearchQuery, candidate: &Candidate<'_>) -> Scored {
    let (mut total, mut weight) = (0.0, 0.0);
    let mut matched = Vec::new();
    if !query.words.is_empty() {
        let name = candidate.names.iter().map(|n| one_name_score(&query.words, n)).fold(0.0, f64::max);
        total += 0.6 * name;
        weight += 0.6;
        if name >= 0.5 {
            matched.push("name");
        }
    }
    if let Some(date) = &query.date {
        let best = candidate.dates.iter().map(|d| date_score(date, d)).fold(0.0, f64::max);
        total += 0.4 * best;
        weight += 0.4;
        if best >= 0.5 {
            matched.push(if date.is_year_only() { "year of birth" } else { "date of birth" });
        }
    }
    if query.nhs_number.is_some() || !query.ids.is_empty() {
        let mut best = 0.0;
        let mut label = None;
        for &(id, what) in &candidate.ids {
            let s = if query.nhs_number.as_deref() == Some(id) || query.ids.iter().any(|q| q == id) {
                if what == RECORDED_CHAIN_ID { 0.95 } else { 1.0 }
            } else if let Some(digits) = id_digits(id)
                && query.ids.contains(&digits)
            {
                0.9
            } else {
                0.0
            };
            if s > best {
                best = s;
                label = Some(what);
            }
        }
        total += best;
        weight += 1.0;
        matched.extend(label);
    }
    Scored { score: if weight > 0.0 { total / weight } else { 0.0 }, matched }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Person {
        words: Vec<Vec<NameWord>>,
        dates: Vec<BirthDate>,
        ids: Vec<(String, &'static str)>,
    }

    impl Person {
        fn new(names: &[&str], dates: &[&str], ids: &[(&str, &'static str)]) -> Self {
            Self {
                words: names.iter().map(|n| name_words(n).iter().map(|w| NameWord::new(w)).collect()).collect(),
                dates: dates.iter().filter_map(|d| BirthDate::new(d)).collect(),
                ids: ids.iter().map(|(id, what)| (normalise_id(id), *what)).collect(),
            }
        }

        fn score(&self, search: &str) -> f64 {
            self.scored(search).score
        }

        fn scored(&self, search: &str) -> Scored {
            let candidate = Candidate {
                names: self.words.iter().map(|n| n.iter().collect()).collect(),
                dates: self.dates.iter().collect(),
                ids: self.ids.iter().map(|(id, what)| (id.as_str(), *what)).collect(),
            };
            score_candidate(&parse_query(search).unwrap(), &candidate)
        }
    }

    fn john_smith() -> Person {
        Person::new(
            &["John Smith", "Johnny Smith", "Jack Smyth"],
            &["1980-04-12"],
            &[("C1234567", "CHAIN id"), ("INF-000123", "Inform id"), ("9434765919", "NHS number")],
        )
    }

    fn words(query: &SearchQuery) -> Vec<&str> {
        query.words.iter().map(NameWord::text).collect()
    }

    #[test]
    fn a_mixed_search_is_read_into_its_parts() {
        let query = parse_query("  Jon SMTIH 12/04/1980 ").unwrap();
        assert_eq!(words(&query), ["jon", "smtih"]);
        assert_eq!(query.date.as_ref().map(BirthDate::key), Some("19800412"));
        assert_eq!(query.text, "Jon SMTIH 12/04/1980");
        let query = parse_query("Ștefan-Popescu, 1980-04-12 C1234567 inf-000123 943 476 5919").unwrap();
        assert_eq!(words(&query), ["stefan", "popescu"]);
        assert_eq!(query.date.as_ref().map(BirthDate::key), Some("19800412"));
        assert_eq!(query.ids, ["C1234567", "INF000123"]);
        assert_eq!(query.nhs_number.as_deref(), Some("9434765919"));
    }

    #[test]
    fn dates_are_read_in_both_forms_and_as_a_year() {
        for written in ["12/04/1980", "1980-04-12", "12-04-1980", "12.4.1980"] {
            let query = parse_query(written).unwrap();
            assert_eq!(query.date.as_ref().map(BirthDate::key), Some("19800412"), "{written}");
            assert!(query.words.is_empty() && query.ids.is_empty(), "{written}");
        }
        let year = parse_query("smith 1980").unwrap();
        assert!(year.date.as_ref().is_some_and(BirthDate::is_year_only));
        // Not a date: an impossible day is an id-like token, not a date of birth.
        assert_eq!(parse_query("31/02/1980").unwrap().date, None);
    }

    #[test]
    fn an_nhs_number_must_pass_its_check_digit() {
        assert_eq!(parse_query("9434765919").unwrap().nhs_number.as_deref(), Some("9434765919"));
        assert_eq!(parse_query("943-476-5919").unwrap().nhs_number.as_deref(), Some("9434765919"));
        let wrong = parse_query("943 476 5918").unwrap();
        assert_eq!(wrong.nhs_number, None);
        assert!(!wrong.ids.is_empty(), "the digits are still searched for as an id");
    }

    #[test]
    fn blank_and_overlong_searches_are_refused() {
        assert_eq!(parse_query(""), Err(QueryError::Empty));
        assert_eq!(parse_query("   \t "), Err(QueryError::Empty));
        assert_eq!(parse_query(" - ; , "), Err(QueryError::Empty));
        assert_eq!(parse_query(&"a".repeat(2000)), Err(QueryError::TooLong(2000)));
        assert!(parse_query(&"a".repeat(MAX_QUERY_CHARS)).is_ok());
        assert!(QueryError::TooLong(2000).to_string().contains("at most 200 characters"));
    }

    #[test]
    fn each_kind_of_noise_still_finds_the_person() {
        let person = john_smith();
        let exact = person.score("john smith");
        assert!((exact - 1.0).abs() < 1e-9, "{exact}");
        for (noise, search) in [
            ("typo", "john smiht"),
            ("swap", "smith john"),
            ("nickname", "jack smith"),
            ("known-as", "johnny smith"),
            ("alias", "jack smyth"),
            ("accents", "jóhn smíth"),
        ] {
            let score = person.score(search);
            assert!(score >= 0.8 && score <= exact, "{noise}: {search} scored {score}");
        }
        assert!(person.score("smith john") < exact, "the written order ranks first");
        assert!(person.score("mary jones") < MIN_SCORE);
    }

    #[test]
    fn a_missing_accent_is_no_difference() {
        let person = Person::new(&["Ștefan Țurcanu"], &[], &[]);
        assert!((person.score("stefan turcanu") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn the_date_of_birth_separates_namesakes() {
        let person = john_smith();
        let namesake = Person::new(&["John Smith"], &["1975-01-30"], &[]);
        let search = "jon smtih 12/04/1980";
        assert!(person.score(search) > namesake.score(search) + 0.2);
        assert_eq!(person.scored(search).matched, ["name", "date of birth"]);
        // Day and month swapped, and a year, count too.
        assert!(person.score("john smith 04/12/1980") > namesake.score("john smith 04/12/1980"));
        assert!(person.score("john smith 1980") > namesake.score("john smith 1980"));
        assert_eq!(person.scored("1980").matched, ["year of birth"]);
        assert!((person.score("12/04/1980") - 1.0).abs() < 1e-9);
    }

    #[test]
    fn ids_find_exactly() {
        let person = john_smith();
        for (search, what) in [("C1234567", "CHAIN id"), ("inf-000123", "Inform id"), ("943 476 5919", "NHS number")] {
            let scored = person.scored(search);
            assert!((scored.score - 1.0).abs() < 1e-9, "{search}");
            assert_eq!(scored.matched, [what]);
        }
        assert!((person.score("1234567") - 0.9).abs() < 1e-9, "the digits of an id find it");
        assert!(person.score("C7654321") < MIN_SCORE);
        let referred = Person::new(&["Jon Smith"], &[], &[("C1234567", RECORDED_CHAIN_ID)]);
        assert!(referred.score("C1234567") < person.score("C1234567"), "the CHAIN record's own person first");
    }

    #[test]
    fn words_one_edit_apart_share_a_key() {
        let shared = |a: &str, b: &str| name_keys(a).iter().any(|k| name_keys(b).contains(k));
        assert!(shared("smith", "smtih"), "transposed");
        assert!(shared("smith", "smth"), "a letter missing");
        assert!(shared("smith", "smyth"), "a letter changed");
        assert!(shared("bill", "william"), "a nickname");
        assert!(shared("philips", "fillips"), "sounds alike");
        assert!(!shared("smith", "jones"));
    }

    #[test]
    fn a_form_finds_by_its_fields() {
        let query = SearchQuery::from_parts(&["Jon", "Smith"], Some("1980-04-12"), &["943 476 5919", "C1234567"]);
        assert_eq!(words(&query), ["jon", "smith"]);
        assert_eq!(query.nhs_number.as_deref(), Some("9434765919"));
        assert_eq!(query.ids, ["C1234567"]);
        let person = john_smith();
        let candidate = Candidate {
            names: person.words.iter().map(|n| n.iter().collect()).collect(),
            dates: person.dates.iter().collect(),
            ids: person.ids.iter().map(|(id, what)| (id.as_str(), *what)).collect(),
        };
        assert!(score_candidate(&query, &candidate).score > 0.9);
    }
}
