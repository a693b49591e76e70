//! Finding people: a search over everyone the store holds (not only the active list) by name,
//! date of birth, CHAIN or Inform id or NHS number, typed in one box. The query is read and each
//! candidate scored by `byname_linkage` ([`byname_linkage::parse_query`],
//! [`byname_linkage::score_candidate`]), so a similar name means here what it means to linkage.
//! Candidates come from an index held in memory ([`SearchIndex`]): the distinct name words by
//! linkage's keys (the word, its forms one letter shorter, its sound, its nicknames), each word's
//! persons, and the persons by date of birth, year and id. It is built on first use and kept by
//! the store under the version of the records it reads (`Store::records_version`), so an
//! import, a linkage run, a registration, a decision, an erasure or a restriction makes the next
//! search build it again, on every server, while a contact recorded does not. Restricted and
//! erased people are not in it.
//!
//! Each result is shown as the access rules allow, in the by-name list's entry shape: the full
//! entry, the health view, or the minimal entry that says who to contact; a person the user may
//! see nothing of is not a result. A pseudonym is never a result: a search by name would tie it
//! to the person, so roles that see only pseudonyms ([`can_search`]) do not search. Every search
//! is audited with its terms and the number found.

use crate::access;
use crate::accounts::SessionUser;
use crate::by_name_list::{ListEntry, entry_of, window_days};
use byname_domain::Role;
use byname_domain::access::{PersonView, Purpose};
use byname_linkage::{
    BirthDate, Candidate, MIN_SCORE, NameWord, RECORDED_CHAIN_ID, Scored, SearchQuery, id_digits, name_keys,
    name_words, normalise_id, parse_query, score_candidate, word_similarity,
};
use byname_store::{SearchRecord, Store, StoreError};
use std::collections::HashMap;
use std::sync::Arc;
use time::{Date, OffsetDateTime};

pub use byname_linkage::{MAX_QUERY_CHARS, QueryError};

/// At most this many results are shown, best first.
pub const MAX_RESULTS: usize = 20;
/// At most this many candidates, the best by their words' matches, are scored in full.
const CANDIDATES: usize = 400;
/// Prefix look-ups stop after this many words.
const PREFIX_WORDS: usize = 200;
/// The memo the index is kept under.
const INDEX_KEY: &str = "search_index";

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("your role does not search for people: {0}")]
    Forbidden(&'static str),
}

/// Who searches for people: those who see the by-name list with names or minimal entries. An
/// analyst sees people only under pseudonyms, which a search by name would undo; administrators
/// and the Strategic Group see no one.
pub fn can_search(role: Role) -> bool {
    byname_domain::access::can_see_by_name_list(role) && role != Role::Analyst
}

fn forbidden(role: Role) -> &'static str {
    if role == Role::Analyst {
        "it sees people only under pseudonyms, which a search by name would tie to the person"
    } else {
        "it sees no one's records"
    }
}

/// One person found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The person as the by-name list shows them, in the view the user has.
    pub entry: ListEntry,
    /// From 0 to 1.
    pub score: f64,
    /// What matched, in words: `name`, `date of birth`, `year of birth`, `CHAIN id`, `Inform id`,
    /// `NHS number`.
    pub matched: Vec<&'static str>,
    /// Whether the person is on the by-name list today.
    pub on_list: bool,
}

/// A search's results, best first.
#[derive(Debug, Clone)]
pub struct SearchResults {
    /// The search as typed, trimmed.
    pub query: String,
    pub found: Vec<Found>,
    /// Whether more people matched than are shown.
    pub more: bool,
}

/// What an index holds of one person.
#[derive(Debug, Default)]
struct Person {
    id: i64,
    /// Each name as word ids.
    names: Vec<Vec<u32>>,
    /// Indexes into the index's dates.
    dates: Vec<u32>,
    ids: Vec<(Box<str>, &'static str)>,
}

/// Everyone a search can find, by the keys a query looks them up by. Pure: built from the
/// store's rows, asked with a parsed query.
#[derive(Debug, Default)]
pub struct SearchIndex {
    words: Vec<NameWord>,
    word_ids: HashMap<Box<str>, u32>,
    /// Linkage's name keys, each to the words under it.
    keys: HashMap<String, Vec<u32>>,
    /// Every word, sorted, for a word typed only in part.
    sorted: Vec<(Box<str>, u32)>,
    /// For each word, the persons (indexes) with a name holding it.
    postings: Vec<Vec<u32>>,
    persons: Vec<Person>,
    dates: Vec<BirthDate>,
    date_ids: HashMap<String, u32>,
    /// `YYYYMMDD` and `YYYY` to persons.
    by_date: HashMap<String, Vec<u32>>,
    /// Normalised ids, and their digits, to persons.
    by_id: HashMap<String, Vec<u32>>,
}

/// What an id of a source is called.
fn id_label(source: &str) -> Option<&'static str> {
    match source {
        "chain" => Some("CHAIN id"),
        "inform" => Some("Inform id"),
        // A street count row's id is the night and a row number, which nobody searches for.
        "street_count" => None,
        _ => Some("record id"),
    }
}

fn push_unique<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

impl SearchIndex {
    /// The index of these records (each with its person; in any order).
    pub fn build(records: &[SearchRecord]) -> Self {
        let mut index = Self::default();
        let mut person_of: HashMap<i64, u32> = HashMap::new();
        for record in records {
            let p = *person_of.entry(record.person_id).or_insert_with(|| {
                index.persons.push(Person { id: record.person_id, ..Person::default() });
                (index.persons.len() - 1) as u32
            });
            let last = record.last_name.as_deref().map(name_words).unwrap_or_default();
            let mut names: Vec<Vec<String>> = Vec::new();
            for first in [record.first_name.as_deref(), record.known_as.as_deref()] {
                let mut name = first.map(name_words).unwrap_or_default();
                name.extend(last.iter().cloned());
                names.push(name);
            }
            for alias in record.aliases.as_deref().unwrap_or("").split(';') {
                names.push(name_words(alias));
            }
            for name in names.into_iter().filter(|n| !n.is_empty()) {
                let ids: Vec<u32> = name.iter().map(|w| index.word(w)).collect();
                push_unique(&mut index.persons[p as usize].names, ids);
            }
            if let Some(date) = record.date_of_birth.as_deref().and_then(BirthDate::new) {
                let d = match index.date_ids.get(date.key()) {
                    Some(&d) => d,
                    None => {
                        let d = index.dates.len() as u32;
                        index.date_ids.insert(date.key().to_owned(), d);
                        index.dates.push(date);
                        d
                    }
                };
                push_unique(&mut index.persons[p as usize].dates, d);
            }
            let mut ids: Vec<(String, &'static str)> = Vec::new();
            if let Some(label) = id_label(&record.source) {
                ids.push((normalise_id(&record.source_id), label));
            }
            if let Some(chain) = record.recorded_chain_id.as_deref() {
                ids.push((normalise_id(chain), RECORDED_CHAIN_ID));
            }
            if let Some(nhs) = record.nhs_number.as_deref() {
                ids.push((nhs.chars().filter(char::is_ascii_digit).collect(), "NHS number"));
            }
            for (id, label) in ids.into_iter().filter(|(id, _)| !id.is_empty()) {
                let person = &mut index.persons[p as usize];
                if let Some(known) = person.ids.iter_mut().find(|(known, _)| **known == *id) {
                    // A person's own CHAIN record outranks a reference to it.
                    if known.1 == RECORDED_CHAIN_ID {
                        known.1 = label;
                    }
                    continue;
                }
                person.ids.push((id.clone().into(), label));
                for key in [Some(id.clone()), id_digits(&id).filter(|d| *d != id)].into_iter().flatten() {
                    push_unique(index.by_id.entry(key).or_default(), p);
                }
            }
        }
        for (p, person) in index.persons.iter().enumerate() {
            for name in &person.names {
                for &w in name {
                    let list = &mut index.postings[w as usize];
                    if list.last() != Some(&(p as u32)) {
                        list.push(p as u32);
                    }
                }
            }
            for &d in &person.dates {
                let date = &index.dates[d as usize];
                let mut keys = vec![date.key().to_owned()];
                if !date.is_year_only() {
                    keys.push(date.year_key().to_owned());
                }
                for key in keys {
                    push_unique(index.by_date.entry(key).or_default(), p as u32);
                }
            }
        }
        for (w, word) in index.words.iter().enumerate() {
            for key in name_keys(word.text()) {
                index.keys.entry(key).or_default().push(w as u32);
            }
        }
        index.sorted = index.word_ids.iter().map(|(word, &w)| (word.clone(), w)).collect();
        index.sorted.sort_unstable();
        index
    }

    fn word(&mut self, word: &str) -> u32 {
        if let Some(&w) = self.word_ids.get(word) {
            return w;
        }
        let w = self.words.len() as u32;
        self.words.push(NameWord::new(word));
        self.word_ids.insert(word.into(), w);
        self.postings.push(Vec::new());
        w
    }

    /// How many persons it holds.
    pub fn len(&self) -> usize {
        self.persons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.persons.is_empty()
    }

    /// The words stored that a searched word can be like: those sharing a key, and those it begins.
    fn similar_words(&self, word: &NameWord) -> Vec<u32> {
        let mut found: Vec<u32> =
            name_keys(word.text()).iter().filter_map(|k| self.keys.get(k)).flatten().copied().collect();
        let text = word.text();
        if text.chars().count() >= 3 {
            let start = self.sorted.partition_point(|(w, _)| &**w < text);
            found.extend(
                self.sorted[start..]
                    .iter()
                    .take_while(|(w, _)| w.starts_with(text))
                    .take(PREFIX_WORDS)
                    .map(|(_, w)| *w),
            );
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Everyone matching a search at [`MIN_SCORE`] or more, best first, with their scores (at
    /// most the best 400 candidates are scored). No access rule is applied: a caller shows a
    /// person only as [`access`] allows.
    pub fn find(&self, query: &SearchQuery) -> Vec<(i64, Scored)> {
        // A quick score per candidate: the best word match of each searched word, the date and ids.
        let n_words = query.words.len();
        let mut quick: HashMap<u32, f64> = HashMap::new();
        let mut seen_word: HashMap<u32, Vec<f64>> = HashMap::new();
        for (i, q) in query.words.iter().enumerate() {
            for w in self.similar_words(q) {
                let s = word_similarity(q, &self.words[w as usize]);
                if s <= 0.0 {
                    continue;
                }
                for &p in &self.postings[w as usize] {
                    let best = seen_word.entry(p).or_insert_with(|| vec![0.0; n_words]);
                    best[i] = best[i].max(s);
                }
            }
        }
        for (p, best) in seen_word {
            *quick.entry(p).or_default() += 0.6 * best.iter().sum::<f64>() / n_words as f64;
        }
        if let Some(date) = &query.date {
            let mut keys = vec![date.key().to_owned()];
            let k = date.key();
            if k.len() == 8 {
                // Day and month swapped.
                keys.push(format!("{}{}{}", &k[..4], &k[6..8], &k[4..6]));
            }
            for key in keys {
                for &p in self.by_date.get(&key).into_iter().flatten() {
                    *quick.entry(p).or_default() += 0.4;
                }
            }
        }
        for id in query.ids.iter().chain(&query.nhs_number) {
            for &p in self.by_id.get(id).into_iter().flatten() {
                *quick.entry(p).or_default() += 1.0;
            }
        }
        let mut ranked: Vec<(u32, f64)> = quick.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(CANDIDATES);
        let mut scored: Vec<(i64, Scored)> = ranked
            .into_iter()
            .filter_map(|(p, _)| {
                let person = &self.persons[p as usize];
                let candidate = Candidate {
                    names: person.names.iter().map(|n| n.iter().map(|&w| &self.words[w as usize]).collect()).collect(),
                    dates: person.dates.iter().map(|&d| &self.dates[d as usize]).collect(),
                    ids: person.ids.iter().map(|(id, label)| (&**id, *label)).collect(),
                };
                let scored = score_candidate(query, &candidate);
                (scored.score >= MIN_SCORE).then_some((person.id, scored))
            })
            .collect();
        scored.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
        scored
    }
}

/// The index of everything held now, from the store's memory while the records it is built from
/// are unchanged (`Store::records_version`: a contact recorded or a lead taken does not rebuild it).
pub async fn index<S: Store>(store: &S) -> Result<Arc<SearchIndex>, StoreError> {
    let version = store.records_version().await?;
    if let Some(index) = store.memo_under::<SearchIndex>(&version, INDEX_KEY) {
        return Ok(index);
    }
    let records = store.search_records().await?;
    let index = Arc::new(SearchIndex::build(&records));
    store.keep_memo_under(&version, INDEX_KEY, index.clone());
    Ok(index)
}

/// The persons most like a name, date of birth and ids (a form's fields rather than a search
/// box), best first with their scores, before any access rule: for checking whether someone
/// about to be recorded is already held. Show them only as [`access`] allows.
pub async fn likely_people<S: Store>(store: &S, query: &SearchQuery) -> Result<Vec<(i64, Scored)>, StoreError> {
    Ok(index(store).await?.find(query))
}

/// Searches for people as `user`: the results best first, each as the access rules allow;
/// audited with the terms and the number found.
pub async fn search<S: Store>(
    store: &S,
    user: &SessionUser,
    text: &str,
    today: Date,
    now: OffsetDateTime,
) -> Result<SearchResults, SearchError> {
    if !can_search(user.role) {
        return Err(SearchError::Forbidden(forbidden(user.role)));
    }
    let query = parse_query(text)?;
    let found = index(store).await?.find(&query);
    // Decide views a batch at a time, best first, until enough are shown.
    let mut shown: Vec<(i64, Scored, PersonView, bool)> = Vec::new();
    let mut more = false;
    for batch in found.chunks(MAX_RESULTS * 2) {
        let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
        let decisions = access::decisions(store, user, &ids, today, now).await?;
        for (id, scored) in batch {
            let Some((decision, facts)) = decisions.get(id) else { continue };
            if !matches!(decision.view, PersonView::Full | PersonView::Health | PersonView::Minimal) {
                continue;
            }
            if shown.len() == MAX_RESULTS {
                more = true;
                break;
            }
            let consent = access::consents(&facts.consents).iter().any(|c| {
                c.purpose == Purpose::CaseCoordination && c.state(today) == byname_domain::access::ConsentState::Current
            });
            shown.push((*id, scored.clone(), decision.view, consent));
        }
        if shown.len() == MAX_RESULTS {
            // Whether any of the rest is visible is not worth asking: there are more matches.
            more |= found.len() > shown.len();
            break;
        }
    }
    let ids: Vec<i64> = shown.iter().map(|(id, ..)| *id).collect();
    let people: HashMap<i64, byname_store::SeenPerson> =
        store.people_by_id(&ids).await?.into_iter().map(|p| (p.person_id, p)).collect();
    let flags = store.escalation_flags(&ids, now).await?;
    let window = window_days(store).await?;
    let found: Vec<Found> = shown
        .into_iter()
        .filter_map(|(id, scored, view, consent)| {
            let person = people.get(&id)?;
            let (entry, on_list) =
                entry_of(person, view, flags.get(&id).copied().unwrap_or_default(), consent, today, window);
            Some(Found { entry, score: scored.score, matched: scored.matched, on_list })
        })
        .collect();
    audit(store, user, &query.text, &found, now).await?;
    Ok(SearchResults { query: query.text, found, more })
}

/// One audit entry per view shown, naming the persons shown in it, with the search's terms and
/// the number found; a search that found no one is one entry too.
async fn audit<S: Store>(
    store: &S,
    user: &SessionUser,
    terms: &str,
    found: &[Found],
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let detail = |view: Option<PersonView>| {
        let shown = view.map(|v| format!("; shown as {}", v.code())).unwrap_or_default();
        format!("search {terms:?}: {} found{shown}", found.len())
    };
    let mut by_view: Vec<(PersonView, Vec<i64>)> = Vec::new();
    for f in found {
        match by_view.iter_mut().find(|(view, _)| *view == f.entry.view) {
            Some((_, persons)) => persons.push(f.entry.person_id),
            None => by_view.push((f.entry.view, vec![f.entry.person_id])),
        }
    }
    let purpose = Purpose::CaseCoordination.code();
    let entries: Vec<_> = if by_view.is_empty() {
        vec![access::entry(user, "search_people", None, purpose, None, detail(None), now)]
    } else {
        by_view
            .into_iter()
            .map(|(view, persons)| {
                let purpose = if view == PersonView::Health { Purpose::HealthCare.code() } else { purpose };
                let mut entry = access::entry(user, "search_people", None, purpose, None, detail(Some(view)), now);
                entry.basis =
                    Some(if view == PersonView::Minimal { "minimal_entry" } else { "record_access" }.to_owned());
                entry.persons = persons;
                entry
            })
            .collect()
    };
    store.append_audit_entries(&entries).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(person_id: i64, source: &str, source_id: &str, first: &str, last: &str, dob: &str) -> SearchRecord {
        SearchRecord {
            person_id,
            source: source.into(),
            source_id: source_id.into(),
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            known_as: None,
            aliases: None,
            date_of_birth: (!dob.is_empty()).then(|| dob.into()),
            nhs_number: None,
            recorded_chain_id: None,
        }
    }

    fn ids(index: &SearchIndex, search: &str) -> Vec<i64> {
        index.find(&parse_query(search).unwrap()).into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn the_index_finds_through_noise_and_ranks_the_right_person_first() {
        let mut records = vec![
            record(1, "chain", "C0000001", "John", "Smith", "1980-04-12"),
            record(1, "inform", "INF-000001", "Johnny", "Smyth", "1980-04-12"),
            record(2, "chain", "C0000002", "John", "Smith", "1975-01-30"),
            record(3, "chain", "C0000003", "Ștefan", "Popescu", "1990"),
            record(4, "chain", "C0000004", "William", "Jones", ""),
        ];
        records[4].known_as = Some("Bill".into());
        records[3].aliases = Some("Stefan Pop;S Popescu".into());
        records[3].nhs_number = Some("9434765919".into());
        let index = SearchIndex::build(&records);
        assert_eq!(index.len(), 4);
        assert_eq!(ids(&index, "jon smtih 12/04/1980")[0], 1);
        assert_eq!(ids(&index, "smith john 1975")[0], 2);
        assert_eq!(ids(&index, "stefan popscu"), [3]);
        assert_eq!(ids(&index, "stefan pop"), [3], "an alias");
        assert_eq!(ids(&index, "bill jones"), [4], "a known-as name");
        assert_eq!(ids(&index, "C0000002"), [2]);
        assert_eq!(ids(&index, "inf-000001"), [1]);
        assert_eq!(ids(&index, "943 476 5919"), [3]);
        assert_eq!(ids(&index, "popes"), [3], "the start of a name");
        assert_eq!(ids(&index, "12/04/1980"), [1]);
        assert!(ids(&index, "mary brown").is_empty());
    }
}
