//! Every current event with the person it belongs to, for the statistics.
//! A London-scale store holds millions of contacts, so this read is built for
//! speed: dates come back as Julian day numbers computed by the database,
//! areas and teams as small indexes into name lists, and on SQLite the rows
//! are read through rusqlite on a connection of their own (sqlx costs
//! microseconds a row), off the async runtime.

use crate::backend::Backend;
use crate::{Result, StoreError};
use sqlx::{AnyPool, Row};
use std::collections::HashMap;

/// A contact; `person_id` 0 when no record is linked (an anonymous street-count row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactFact {
    pub person_id: i64,
    pub day: i32,
    pub bedded_down: bool,
    pub street_count: bool,
    pub area: u16,
    pub organisation: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StayFact {
    pub person_id: i64,
    pub stay_type: String,
    pub arrival: i32,
    pub departure: Option<i32>,
    pub reason: Option<String>,
}

/// One record's identifying and needs fields, with its person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFact {
    pub person_id: i64,
    pub source: String,
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    pub support_needs: Option<String>,
    pub history: Option<String>,
    /// Needs an assessment answered "yes" to, as bits: alcohol 1, drugs 2, mental health 4, physical health 8
    /// (`needs::ASSESSED`).
    pub assessed_needs: u8,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventFacts {
    pub contacts: Vec<ContactFact>,
    pub areas: Vec<String>,
    pub organisations: Vec<String>,
    pub stays: Vec<StayFact>,
    pub records: Vec<RecordFact>,
}

/// Interns names into indexes without allocating for names already seen.
#[derive(Default)]
struct Names {
    index: HashMap<String, u16>,
    names: Vec<String>,
}

impl Names {
    fn of(&mut self, name: &str) -> u16 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len().min(u16::MAX as usize) as u16;
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }
}

const SQLITE_DAY: &str = "CAST(julianday(%) + 0.5 AS INTEGER)";
const POSTGRES_DAY: &str = "CAST(CAST(% AS DATE) - DATE '2000-01-01' + 2451545 AS BIGINT)";

fn day_sql(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Sqlite => SQLITE_DAY.replace('%', column),
        Backend::Postgres => POSTGRES_DAY.replace('%', column),
    }
}

fn queries(backend: Backend) -> [String; 3] {
    let contacts = format!(
        "SELECT COALESCE(l.person_id, 0) AS person_id, {} AS day, c.bedded_down, \
         CASE WHEN c.contact_type = 'street_count' THEN 1 ELSE 0 END AS street_count, \
         COALESCE(c.borough, '') AS borough, COALESCE(c.team, '') AS team \
         FROM contacts c LEFT JOIN person_links l ON l.record_id = c.record_id WHERE c.withdrawn = 0 \
         AND NOT EXISTS (SELECT 1 FROM restricted_records x WHERE x.record_id = c.record_id)",
        day_sql(backend, "c.contact_date")
    );
    let stays = format!(
        "SELECT l.person_id, s.stay_type, {} AS arrival, \
         CASE WHEN s.departure_date IS NULL THEN NULL ELSE {} END AS departure, s.departure_reason \
         FROM stays s JOIN person_links l ON l.record_id = s.record_id WHERE s.withdrawn = 0 \
         AND NOT EXISTS (SELECT 1 FROM restricted_records x WHERE x.record_id = s.record_id)",
        day_sql(backend, "s.arrival_date"),
        day_sql(backend, "s.departure_date")
    );
    let records = format!(
        "SELECT l.person_id, r.source, r.date_of_birth, r.gender, r.nationality, r.support_needs, r.history, \
         {} AS assessed \
         FROM source_records r JOIN person_links l ON l.record_id = r.id WHERE r.withdrawn = 0 \
         AND NOT EXISTS (SELECT 1 FROM restricted_records x WHERE x.record_id = r.id)",
        crate::needs::ASSESSED_SQL
    );
    [contacts, stays, records]
}

pub(crate) async fn load(pool: &AnyPool, backend: Backend, sqlite_path: Option<&str>) -> Result<EventFacts> {
    match sqlite_path {
        Some(path) => {
            let path = path.to_owned();
            tokio::task::spawn_blocking(move || load_sqlite(&path))
                .await
                .map_err(|e| StoreError::Sqlite(format!("reading events: {e}")))?
        }
        None => load_any(pool, backend).await,
    }
}

fn load_sqlite(path: &str) -> Result<EventFacts> {
    let error = |e: rusqlite::Error| StoreError::Sqlite(e.to_string());
    let connection =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(error)?;
    connection.busy_timeout(std::time::Duration::from_secs(10)).map_err(error)?;
    // One read transaction, so the three reads see one state of the store.
    connection.execute_batch("BEGIN").map_err(error)?;
    let [contacts_sql, stays_sql, records_sql] = queries(Backend::Sqlite);
    let mut facts = EventFacts::default();
    let (mut areas, mut teams) = (Names::default(), Names::default());
    {
        let mut statement = connection.prepare(&contacts_sql).map_err(error)?;
        let mut rows = statement.query([]).map_err(error)?;
        while let Some(row) = rows.next().map_err(error)? {
            let area = row.get_ref(4).map_err(error)?.as_str().map_err(|e| StoreError::Sqlite(e.to_string()))?;
            let area = areas.of(area);
            let team = row.get_ref(5).map_err(error)?.as_str().map_err(|e| StoreError::Sqlite(e.to_string()))?;
            let organisation = teams.of(team);
            facts.contacts.push(ContactFact {
                person_id: row.get(0).map_err(error)?,
                day: row.get(1).map_err(error)?,
                bedded_down: row.get::<_, i64>(2).map_err(error)? != 0,
                street_count: row.get::<_, i64>(3).map_err(error)? != 0,
                area,
                organisation,
            });
        }
    }
    {
        let mut statement = connection.prepare(&stays_sql).map_err(error)?;
        let mut rows = statement.query([]).map_err(error)?;
        while let Some(row) = rows.next().map_err(error)? {
            facts.stays.push(StayFact {
                person_id: row.get(0).map_err(error)?,
                stay_type: row.get(1).map_err(error)?,
                arrival: row.get(2).map_err(error)?,
                departure: row.get(3).map_err(error)?,
                reason: row.get(4).map_err(error)?,
            });
        }
    }
    {
        let mut statement = connection.prepare(&records_sql).map_err(error)?;
        let mut rows = statement.query([]).map_err(error)?;
        while let Some(row) = rows.next().map_err(error)? {
            facts.records.push(RecordFact {
                person_id: row.get(0).map_err(error)?,
                source: row.get(1).map_err(error)?,
                date_of_birth: row.get(2).map_err(error)?,
                gender: row.get(3).map_err(error)?,
                nationality: row.get(4).map_err(error)?,
                support_needs: row.get(5).map_err(error)?,
                history: row.get(6).map_err(error)?,
                assessed_needs: row.get::<_, i64>(7).map_err(error)? as u8,
            });
        }
    }
    connection.execute_batch("COMMIT").map_err(error)?;
    facts.areas = areas.names;
    facts.organisations = teams.names;
    Ok(facts)
}

async fn load_any(pool: &AnyPool, backend: Backend) -> Result<EventFacts> {
    let [contacts_sql, stays_sql, records_sql] = queries(backend);
    let mut tx = pool.begin().await?;
    let mut facts = EventFacts::default();
    let (mut areas, mut teams) = (Names::default(), Names::default());
    for row in sqlx::query(&contacts_sql).fetch_all(&mut *tx).await? {
        let area: String = row.try_get("borough")?;
        let team: String = row.try_get("team")?;
        facts.contacts.push(ContactFact {
            person_id: row.try_get("person_id")?,
            day: row.try_get::<i64, _>("day")? as i32,
            bedded_down: row.try_get::<i64, _>("bedded_down")? != 0,
            street_count: row.try_get::<i64, _>("street_count")? != 0,
            area: areas.of(&area),
            organisation: teams.of(&team),
        });
    }
    for row in sqlx::query(&stays_sql).fetch_all(&mut *tx).await? {
        facts.stays.push(StayFact {
            person_id: row.try_get("person_id")?,
            stay_type: row.try_get("stay_type")?,
            arrival: row.try_get::<i64, _>("arrival")? as i32,
            departure: row.try_get::<Option<i64>, _>("departure")?.map(|d| d as i32),
            reason: row.try_get("departure_reason")?,
        });
    }
    for row in sqlx::query(&records_sql).fetch_all(&mut *tx).await? {
        facts.records.push(RecordFact {
            person_id: row.try_get("person_id")?,
            source: row.try_get("source")?,
            date_of_birth: row.try_get("date_of_birth")?,
            gender: row.try_get("gender")?,
            nationality: row.try_get("nationality")?,
            support_needs: row.try_get("support_needs")?,
            history: row.try_get("history")?,
            assessed_needs: row.try_get::<i64, _>("assessed")? as u8,
        });
    }
    tx.commit().await?;
    facts.areas = areas.names;
    facts.organisations = teams.names;
    Ok(facts)
}

/// The usual-place rule, in one place. A record's usual place is where its bedded-down contacts
/// most often were (any contact when none was bedded down), the place being the text before the
/// first comma of the contact's location, trimmed; ties go to the place met first. Both reads
/// (`SqlStore::usual_places` in SQL, [`usual_places_sqlite`] in Rust) tally [`PlaceCount`]s and
/// pick with [`best_places`].
pub(crate) mod usual_place {
    use crate::backend::Backend;
    use std::cmp::Ordering;
    use std::collections::HashMap;

    /// A contact's place in SQL, for each backend, from its `location` column.
    pub(crate) fn sql(backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => {
                "TRIM(CASE WHEN INSTR(location, ',') > 0 THEN SUBSTR(location, 1, INSTR(location, ',') - 1) ELSE location END)"
            }
            Backend::Postgres => "TRIM(SPLIT_PART(location, ',', 1))",
        }
    }

    /// A contact's place, in Rust, from its location: [`sql`] read off a row.
    pub(crate) fn of(location: &str) -> &str {
        location.split(',').next().unwrap_or_default().trim()
    }

    /// One candidate for a record's usual place. `first` is the first contact there, in whatever
    /// form its read orders contacts by (date, time, contact id).
    pub(crate) struct PlaceCount<F> {
        pub(crate) bedded_down: bool,
        pub(crate) place: String,
        pub(crate) count: i64,
        pub(crate) first: F,
    }

    /// The ranking: bedded down before not, then more contacts, then the place met first, then
    /// (so that the choice never depends on read order) the smaller name.
    pub(crate) fn rank<F: Ord>(a: &PlaceCount<F>, b: &PlaceCount<F>) -> Ordering {
        (a.bedded_down, a.count)
            .cmp(&(b.bedded_down, b.count))
            .then_with(|| b.first.cmp(&a.first))
            .then_with(|| b.place.cmp(&a.place))
    }

    /// Candidates best first, by [`rank`]; empty places are never usual.
    pub(crate) fn ranked<F: Ord>(candidates: Vec<PlaceCount<F>>) -> Vec<PlaceCount<F>> {
        let mut ranked: Vec<PlaceCount<F>> = candidates.into_iter().filter(|c| !c.place.is_empty()).collect();
        ranked.sort_by(|a, b| rank(b, a));
        ranked
    }

    /// Each record's best-ranked place among its candidates; empty places are never usual.
    pub(crate) fn best_places<F: Ord>(
        candidates: impl IntoIterator<Item = (i64, PlaceCount<F>)>,
    ) -> HashMap<i64, String> {
        let mut best: HashMap<i64, PlaceCount<F>> = HashMap::new();
        for (record, candidate) in candidates {
            if candidate.place.is_empty() {
                continue;
            }
            match best.get(&record) {
                Some(old) if rank(&candidate, old) != Ordering::Greater => {}
                _ => {
                    best.insert(record, candidate);
                }
            }
        }
        best.into_iter().map(|(record, c)| (record, c.place)).collect()
    }

    #[cfg(test)]
    mod tests {
        use super::{PlaceCount, best_places, of};

        fn at(bedded_down: bool, place: &str, count: i64, first: &str) -> (i64, PlaceCount<String>) {
            (1, PlaceCount { bedded_down, place: place.to_owned(), count, first: first.to_owned() })
        }

        #[test]
        fn bedded_down_first_then_most_often_then_met_first() {
            let best = |c: Vec<(i64, PlaceCount<String>)>| best_places(c).remove(&1);
            assert_eq!(
                best(vec![at(false, "Strand", 9, "a"), at(true, "Embankment", 1, "b")]).as_deref(),
                Some("Embankment")
            );
            assert_eq!(
                best(vec![at(true, "Strand", 2, "b"), at(true, "Embankment", 3, "c")]).as_deref(),
                Some("Embankment")
            );
            assert_eq!(
                best(vec![at(true, "Strand", 2, "b"), at(true, "Embankment", 2, "a")]).as_deref(),
                Some("Embankment")
            );
            assert_eq!(best(vec![at(true, "", 5, "a")]), None);
            let order: Vec<String> = super::ranked(
                vec![
                    at(false, "Strand", 9, "a"),
                    at(true, "", 7, "a"),
                    at(true, "Embankment", 1, "b"),
                    at(true, "Soho", 2, "c"),
                ]
                .into_iter()
                .map(|(_, c)| c)
                .collect(),
            )
            .into_iter()
            .map(|c| c.place)
            .collect();
            assert_eq!(order, ["Soho", "Embankment", "Strand"], "the same rule, best first");
            assert_eq!(of(" Strand , WC2"), "Strand");
        }
    }
}

/// Each record's usual place, counted in Rust from one scan of the contacts: on SQLite a
/// `GROUP BY` over string expressions costs seconds a million contacts. The rule is
/// [`usual_place`]'s.
pub(crate) fn usual_places_sqlite(path: &str) -> Result<HashMap<i64, String>> {
    use usual_place::PlaceCount;
    let error = |e: rusqlite::Error| StoreError::Sqlite(e.to_string());
    let connection =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(error)?;
    connection.busy_timeout(std::time::Duration::from_secs(10)).map_err(error)?;
    let mut statement = connection
        .prepare(
            "SELECT record_id, bedded_down, location, contact_date, COALESCE(contact_time, ''), source_id \
             FROM contacts WHERE withdrawn = 0 AND record_id IS NOT NULL AND location IS NOT NULL",
        )
        .map_err(error)?;
    let mut rows = statement.query([]).map_err(error)?;
    /// The first contact at a place: date, time, contact id.
    type First = (String, String, String);
    let mut tally: HashMap<i64, Vec<PlaceCount<First>>> = HashMap::new();
    let text = |row: &rusqlite::Row<'_>, i: usize| -> Result<String> {
        Ok(row.get_ref(i).map_err(error)?.as_str().map_err(|e| StoreError::Sqlite(e.to_string()))?.to_owned())
    };
    while let Some(row) = rows.next().map_err(error)? {
        let record: i64 = row.get(0).map_err(error)?;
        let bedded_down = row.get::<_, i64>(1).map_err(error)? != 0;
        let location = row.get_ref(2).map_err(error)?.as_str().map_err(|e| StoreError::Sqlite(e.to_string()))?;
        let place = usual_place::of(location);
        if place.is_empty() {
            continue;
        }
        let date = row.get_ref(3).map_err(error)?.as_str().map_err(|e| StoreError::Sqlite(e.to_string()))?;
        let time = row.get_ref(4).map_err(error)?.as_str().map_err(|e| StoreError::Sqlite(e.to_string()))?;
        let id = row.get_ref(5).map_err(error)?.as_str().map_err(|e| StoreError::Sqlite(e.to_string()))?;
        let counts = tally.entry(record).or_default();
        match counts.iter_mut().find(|c| c.bedded_down == bedded_down && c.place == place) {
            Some(c) => {
                c.count += 1;
                if (date, time, id) < (c.first.0.as_str(), c.first.1.as_str(), c.first.2.as_str()) {
                    c.first = (date.to_owned(), time.to_owned(), id.to_owned());
                }
            }
            None => counts.push(PlaceCount {
                bedded_down,
                place: place.to_owned(),
                count: 1,
                first: (text(row, 3)?, text(row, 4)?, text(row, 5)?),
            }),
        }
    }
    Ok(usual_place::best_places(
        tally.into_iter().flat_map(|(record, counts)| counts.into_iter().map(move |c| (record, c))),
    ))
}
