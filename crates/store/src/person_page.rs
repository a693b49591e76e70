//! What a person's page reads beyond the records: a slice of the timeline with the number of
//! events of each kind, and the summary of where and how often the person was seen, where they
//! stay and what is escalated. The page shows fifty events at a time, so the database sorts and
//! cuts the timeline and only those fifty rows come back. Same SQL on both backends.

use crate::Result;
use crate::backend::opt_text;
use crate::facts::usual_place::{self, PlaceCount};
use crate::sql::SqlStore;
use crate::types::{
    CaseEvent, CurrentStay, OpenEscalation, PersonSummary, SeenAt, TimelineKind, TimelinePage, TimelineSlice,
};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The person's contacts (alias `c`), `$1` being the person.
const PERSON_CONTACTS: &str =
    "contacts c JOIN person_links l ON l.record_id = c.record_id WHERE l.person_id = $1 AND c.withdrawn = 0";

/// A street-count contact that is not the night's first for the person (alias `c`): the count's
/// own row and the CHAIN contact filed for it are one night, shown once.
pub(crate) const LATER_ROW_OF_THE_NIGHT: &str = "EXISTS (SELECT 1 FROM contacts k JOIN person_links m ON m.record_id = k.record_id \
     WHERE m.person_id = $1 AND k.withdrawn = 0 AND k.contact_type = 'street_count' \
     AND k.contact_date = c.contact_date AND k.id < c.id)";

/// How many usual places the summary names.
const USUAL_PLACES: usize = 3;

/// What a branch of the timeline's union selects.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `kind` alone, for counting.
    Count,
    /// What the timeline is sorted by (`kind`, `rank`, `event_date`, `event_time`, `seq`): read
    /// from the indexes alone for contacts.
    Key,
    /// The common shape: the key, then `org`, `team`, `x1` to `x4` and `flag`.
    Full,
}

/// One kind's events as rows of the timeline's union in `shape`; with `ids`, only the events of
/// those ids (a stay's two events share its id).
fn branch(kind: TimelineKind, shape: Shape, ids: Option<&[i64]>) -> String {
    let rank = TimelineKind::ALL.iter().position(|k| *k == kind).unwrap_or_default();
    let code = kind.code();
    let columns = |date: &str, time: &str, seq: &str, org: &str, team: &str, x: [&str; 4], flag: &str| match shape {
        Shape::Count => format!("SELECT '{code}' AS kind"),
        Shape::Key => format!(
            "SELECT '{code}' AS kind, CAST({rank} AS BIGINT) AS rank, {date} AS event_date, {time} AS event_time, \
             {seq} AS seq"
        ),
        Shape::Full => format!(
            "SELECT '{code}' AS kind, CAST({rank} AS BIGINT) AS rank, {date} AS event_date, {time} AS event_time, \
             {seq} AS seq, {org} AS org, {team} AS team, {} AS x1, {} AS x2, {} AS x3, {} AS x4, {flag} AS flag",
            x[0], x[1], x[2], x[3]
        ),
    };
    let only = |column: &str| match ids {
        Some(ids) => format!(" AND {column} IN ({})", crate::sql::id_list(ids)),
        None => String::new(),
    };
    const NONE: &str = "CAST(NULL AS TEXT)";
    match kind {
        TimelineKind::Contact | TimelineKind::StreetCount => {
            let which = if kind == TimelineKind::Contact {
                "c.contact_type <> 'street_count'".to_owned()
            } else {
                format!("c.contact_type = 'street_count' AND NOT {LATER_ROW_OF_THE_NIGHT}")
            };
            let organisation =
                if shape == Shape::Full { "LEFT JOIN organisations o ON o.id = c.organisation_id " } else { "" };
            format!(
                "{} FROM contacts c JOIN person_links l ON l.record_id = c.record_id {organisation}\
                 WHERE l.person_id = $1 AND c.withdrawn = 0 AND {which}{}",
                columns(
                    "c.contact_date",
                    "COALESCE(c.contact_time, '')",
                    "c.id",
                    "o.name",
                    "c.team",
                    ["c.location", "c.borough", "c.contact_type", "c.note"],
                    "c.bedded_down"
                ),
                only("c.id")
            )
        }
        TimelineKind::Stay => {
            let stays = format!(
                "FROM stays s JOIN person_links l ON l.record_id = s.record_id \
                 WHERE l.person_id = $1 AND s.withdrawn = 0{}",
                only("s.id")
            );
            let arrived = columns(
                "s.arrival_date",
                "''",
                "s.id * 2",
                NONE,
                "s.provider",
                ["s.stay_type", NONE, NONE, NONE],
                "CAST(0 AS BIGINT)",
            );
            let left = columns(
                "s.departure_date",
                "''",
                "s.id * 2 + 1",
                NONE,
                "s.provider",
                ["s.stay_type", "s.departure_reason", NONE, NONE],
                "CAST(1 AS BIGINT)",
            );
            format!("{arrived} {stays} UNION ALL {left} {stays} AND s.departure_date IS NOT NULL")
        }
        TimelineKind::Assessment => format!(
            "{} FROM assessments a JOIN person_links l ON l.record_id = a.record_id \
             WHERE l.person_id = $1 AND a.withdrawn = 0{}",
            columns("a.assessed_on", "''", "a.id", NONE, "a.source", [NONE; 4], "CAST(0 AS BIGINT)"),
            only("a.id")
        ),
        TimelineKind::Health => format!(
            "{} FROM health_events h WHERE h.withdrawn = 0 AND h.nhs_number IN (SELECT r.nhs_number \
             FROM source_records r JOIN person_links l ON l.record_id = r.id \
             WHERE l.person_id = $1 AND r.withdrawn = 0 AND r.nhs_number IS NOT NULL){}",
            columns(
                "h.event_date",
                "''",
                "h.id",
                NONE,
                "h.provider",
                ["h.event_type", NONE, NONE, NONE],
                "CAST(0 AS BIGINT)"
            ),
            only("h.id")
        ),
        TimelineKind::Escalation => format!(
            "{} FROM escalations e JOIN organisations o ON o.id = e.organisation_id WHERE e.person_id = $1{}",
            columns(
                "SUBSTR(e.raised_at, 1, 10)",
                "SUBSTR(e.raised_at, 12)",
                "e.id",
                "o.name",
                NONE,
                ["e.service_area", "e.blocked", "e.state", NONE],
                "CAST(0 AS BIGINT)"
            ),
            only("e.id")
        ),
        TimelineKind::Action => format!(
            "{} FROM actions a JOIN organisations o ON o.id = a.owner_organisation_id WHERE a.person_id = $1{}",
            columns(
                "SUBSTR(a.created_at, 1, 10)",
                "SUBSTR(a.created_at, 12)",
                "a.id",
                "o.name",
                NONE,
                ["a.description", "a.done_on", NONE, NONE],
                "CAST(0 AS BIGINT)"
            ),
            only("a.id")
        ),
    }
}

/// One row of the timeline's common shape as the event it is.
fn event_from_row(kind: TimelineKind, r: &AnyRow) -> Result<CaseEvent> {
    let date: String = r.try_get("event_date")?;
    let x = |n: usize| opt_text(r, &format!("x{n}"));
    Ok(match kind {
        TimelineKind::Contact | TimelineKind::StreetCount => CaseEvent::Contact {
            date,
            organisation: opt_text(r, "org")?,
            team: opt_text(r, "team")?,
            place: [x(1)?, x(2)?].into_iter().flatten().collect(),
            bedded_down: r.try_get::<i64, _>("flag")? != 0,
            contact_type: x(3)?.unwrap_or_default(),
            note: x(4)?,
        },
        TimelineKind::Stay if r.try_get::<i64, _>("flag")? == 0 => {
            CaseEvent::Arrived { date, provider: opt_text(r, "team")?, stay_type: x(1)?.unwrap_or_default() }
        }
        TimelineKind::Stay => CaseEvent::Left {
            date,
            provider: opt_text(r, "team")?,
            stay_type: x(1)?.unwrap_or_default(),
            reason: x(2)?,
        },
        TimelineKind::Assessment => CaseEvent::Assessed { date, source: opt_text(r, "team")? },
        TimelineKind::Health => {
            CaseEvent::Health { date, provider: opt_text(r, "team")?, event_type: x(1)?.unwrap_or_default() }
        }
        TimelineKind::Escalation => CaseEvent::Escalated {
            date,
            organisation: opt_text(r, "org")?,
            service_area: x(1)?.unwrap_or_default(),
            blocked: x(2)?.unwrap_or_default(),
            state: x(3)?.unwrap_or_default(),
        },
        TimelineKind::Action => CaseEvent::Action {
            date,
            owner_organisation: opt_text(r, "org")?.unwrap_or_default(),
            description: x(1)?.unwrap_or_default(),
            done_on: x(2)?,
        },
    })
}

impl SqlStore {
    pub(crate) async fn read_timeline_page(&self, person_id: i64, slice: &TimelineSlice) -> Result<TimelinePage> {
        let mut counted = slice.counted.clone();
        counted.sort_unstable();
        counted.dedup();
        if counted.is_empty() {
            return Ok(TimelinePage::default());
        }
        let union = |kinds: &[TimelineKind], shape: Shape| {
            kinds.iter().map(|k| branch(*k, shape, None)).collect::<Vec<_>>().join(" UNION ALL ")
        };
        let counts_sql = format!("SELECT kind, COUNT(*) AS n FROM ({}) t GROUP BY kind", union(&counted, Shape::Count));
        let mut counts = Vec::new();
        for row in sqlx::query(&counts_sql).bind(person_id).fetch_all(self.pool()).await? {
            let code: String = row.try_get("kind")?;
            if let Some(kind) = TimelineKind::parse(&code) {
                counts.push((kind, row.try_get::<i64, _>("n")?));
            }
        }
        counts.sort_unstable();
        let shown: Vec<TimelineKind> = if slice.kinds.is_empty() {
            counted.clone()
        } else {
            counted.iter().copied().filter(|k| slice.kinds.contains(k)).collect()
        };
        // Only kinds that have events are read.
        let shown: Vec<TimelineKind> =
            shown.into_iter().filter(|k| counts.iter().any(|(c, n)| c == k && *n > 0)).collect();
        let mut events = Vec::new();
        if !shown.is_empty() && slice.limit > 0 {
            // First which events, sorted on what the indexes hold; then those events alone in full.
            let keys_sql = format!(
                "SELECT kind, seq FROM ({}) t ORDER BY event_date DESC, event_time DESC, rank, seq DESC LIMIT $2 OFFSET $3",
                union(&shown, Shape::Key)
            );
            let mut keys: Vec<(TimelineKind, i64)> = Vec::new();
            for row in sqlx::query(&keys_sql)
                .bind(person_id)
                .bind(slice.limit)
                .bind(slice.offset.max(0))
                .fetch_all(self.pool())
                .await?
            {
                let code: String = row.try_get("kind")?;
                if let Some(kind) = TimelineKind::parse(&code) {
                    keys.push((kind, row.try_get("seq")?));
                }
            }
            let mut full: std::collections::HashMap<(TimelineKind, i64), CaseEvent> = std::collections::HashMap::new();
            for kind in shown {
                let ids: Vec<i64> = keys
                    .iter()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, seq)| if kind == TimelineKind::Stay { seq / 2 } else { *seq })
                    .collect();
                if ids.is_empty() {
                    continue;
                }
                let sql = branch(kind, Shape::Full, Some(&ids));
                for row in sqlx::query(&sql).bind(person_id).fetch_all(self.pool()).await? {
                    full.insert((kind, row.try_get("seq")?), event_from_row(kind, &row)?);
                }
            }
            events = keys.into_iter().filter_map(|key| full.remove(&key).map(|e| (key.0, e))).collect();
        }
        Ok(TimelinePage { events, counts })
    }

    pub(crate) async fn read_person_summary(&self, person_id: i64) -> Result<PersonSummary> {
        let mut summary = PersonSummary::default();
        let row = sqlx::query(&format!(
            "SELECT MIN(c.contact_date) AS first_seen, \
             COUNT(DISTINCT CASE WHEN c.bedded_down = 1 THEN c.contact_date END) AS days, \
             COUNT(CASE WHEN c.contact_type <> 'street_count' THEN 1 END) AS contacts, \
             COUNT(DISTINCT CASE WHEN c.contact_type = 'street_count' THEN c.contact_date END) AS nights \
             FROM {PERSON_CONTACTS}"
        ))
        .bind(person_id)
        .fetch_one(self.pool())
        .await?;
        summary.first_seen = opt_text(&row, "first_seen")?;
        summary.days_bedded_down = row.try_get("days")?;
        summary.times_seen = row.try_get::<i64, _>("contacts")? + row.try_get::<i64, _>("nights")?;
        if summary.first_seen.is_some() {
            let last = sqlx::query(&format!(
                "SELECT c.contact_date, c.location, c.borough FROM {PERSON_CONTACTS} \
                 ORDER BY c.contact_date DESC, COALESCE(c.contact_time, '') DESC, c.id DESC LIMIT 1"
            ))
            .bind(person_id)
            .fetch_optional(self.pool())
            .await?;
            if let Some(r) = last {
                summary.last_seen = Some(SeenAt {
                    date: r.try_get("contact_date")?,
                    location: opt_text(&r, "location")?,
                    borough: opt_text(&r, "borough")?,
                });
            }
            let place = usual_place::sql(self.backend());
            let rows = sqlx::query(&format!(
                "SELECT c.bedded_down, {place} AS place, COUNT(*) AS n, \
                 MIN(c.contact_date || ' ' || COALESCE(c.contact_time, '') || ' ' || c.source_id) AS first \
                 FROM {PERSON_CONTACTS} AND c.location IS NOT NULL \
                 AND NOT (c.contact_type = 'street_count' AND {LATER_ROW_OF_THE_NIGHT}) GROUP BY c.bedded_down, {place}"
            ))
            .bind(person_id)
            .fetch_all(self.pool())
            .await?;
            let mut candidates = Vec::with_capacity(rows.len());
            for r in &rows {
                candidates.push(PlaceCount {
                    bedded_down: r.try_get::<i64, _>("bedded_down")? != 0,
                    place: r.try_get::<String, _>("place")?,
                    count: r.try_get::<i64, _>("n")?,
                    first: r.try_get::<String, _>("first")?,
                });
            }
            let mut places: Vec<(String, i64)> = Vec::new();
            for c in usual_place::ranked(candidates) {
                if let Some((_, n)) = places.iter_mut().find(|(p, _)| *p == c.place) {
                    *n += c.count;
                } else if places.len() < USUAL_PLACES {
                    places.push((c.place, c.count));
                }
            }
            summary.usual_places = places;
        }
        let stay = sqlx::query(
            "SELECT s.provider, s.stay_type, s.arrival_date FROM stays s JOIN person_links l ON l.record_id = s.record_id \
             WHERE l.person_id = $1 AND s.withdrawn = 0 AND s.departure_date IS NULL \
             ORDER BY s.arrival_date DESC, s.id DESC LIMIT 1",
        )
        .bind(person_id)
        .fetch_optional(self.pool())
        .await?;
        if let Some(r) = stay {
            summary.accommodation = Some(CurrentStay {
                provider: opt_text(&r, "provider")?,
                stay_type: r.try_get("stay_type")?,
                since: r.try_get("arrival_date")?,
            });
        }
        let rows = sqlx::query(
            "SELECT id, service_area, state, deadline_at FROM escalations \
             WHERE person_id = $1 AND state IN ('open', 'acknowledged') ORDER BY deadline_at, id",
        )
        .bind(person_id)
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            summary.open_escalations.push(OpenEscalation {
                id: r.try_get("id")?,
                service_area: r.try_get("service_area")?,
                state: r.try_get("state")?,
                deadline_at: r.try_get("deadline_at")?,
            });
        }
        Ok(summary)
    }
}
