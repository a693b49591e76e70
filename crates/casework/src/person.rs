//! A person's page for casework: first a summary of who they are and what is happening for them
//! now, then their timeline fifty events at a time, newest first, of the kinds asked for. What
//! it shows follows the view the access rules give (the same as [`crate::casework::person_page`]
//! decides): the full record has the summary and every kind of event; the health view has the
//! health events and needs; the minimal entry says when the person was last seen and who to
//! contact. Only the events shown are read, with the number of each kind. The view is audited.

use crate::access;
use crate::accounts::SessionUser;
use crate::by_name_list::{ListStatus, list_status};
use crate::casework::{CaseError, PersonPage, read_person, timeline_event};
use byname_domain::access::PersonView;
use byname_domain::age::age_on;
use byname_domain::codes::{Gender, ImmigrationStatus};
use byname_domain::date::DateOfBirth;
use byname_domain::names::fold;
use byname_domain::nationality::Nationality;
use byname_domain::nhs::NhsNumber;
use byname_store::{PersonSummary, RecordDetail, Store, TimelineEvent, TimelineKind, TimelineSlice};
use time::{Date, OffsetDateTime};

/// Events on a page of the timeline.
pub const EVENTS_PER_PAGE: usize = 50;

/// Which events of the timeline to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineQuery {
    /// One kind, or every kind the view has.
    pub kind: Option<TimelineKind>,
    /// From 1: page `n` shows events `50 (n - 1) + 1` to `50 n`.
    pub page: usize,
}

impl Default for TimelineQuery {
    fn default() -> Self {
        Self { kind: None, page: 1 }
    }
}

/// Who the person is, from all their records, as the full record shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Identity {
    /// Each distinct full name recorded, the record shown first's first.
    pub names: Vec<String>,
    pub known_as: Vec<String>,
    pub aliases: Vec<String>,
    /// As recorded (a year alone when only the year is known).
    pub date_of_birth: Option<String>,
    pub age: Option<i32>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    pub immigration_status: Option<String>,
    /// Each source's id: (`CHAIN id`, `C123`), (`Inform id`, ...), (`NHS number`, `943 476 5919`).
    pub ids: Vec<(&'static str, String)>,
}

/// The summary at the top of the full record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub identity: Identity,
    /// On the by-name list or not, and why, by the list's own rule.
    pub list: ListStatus,
    pub seen: PersonSummary,
}

/// A person's page for casework as `user` may see it.
#[derive(Debug, Clone)]
pub struct CasePage {
    /// Name, needs, consents, lead, action plan, the minimal entry's day last seen; its timeline
    /// and health events are empty (the slice is in `events`).
    pub page: PersonPage,
    /// With the full record only.
    pub summary: Option<Summary>,
    /// The slice of the timeline shown, newest first.
    pub events: Vec<(TimelineKind, TimelineEvent)>,
    /// The number of events of each kind the view has, all of the timeline.
    pub counts: Vec<(TimelineKind, i64)>,
    /// The query, its page brought within the pages there are.
    pub query: TimelineQuery,
    /// Events of the kinds shown, in all.
    pub total: usize,
    pub n_pages: usize,
}

impl CasePage {
    /// The number of the first event shown, from 1 (0 when none is).
    pub fn first_shown(&self) -> usize {
        if self.events.is_empty() { 0 } else { (self.query.page - 1) * EVENTS_PER_PAGE + 1 }
    }
}

/// The kinds of event a view has.
fn kinds_of(view: PersonView) -> Vec<TimelineKind> {
    match view {
        PersonView::Full => TimelineKind::ALL.to_vec(),
        PersonView::Health => vec![TimelineKind::Health],
        _ => Vec::new(),
    }
}

/// A person's page for casework; the view is audited with its basis, as every view of a person.
pub async fn case_page<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    query: TimelineQuery,
    today: Date,
    now: OffsetDateTime,
) -> Result<CasePage, CaseError> {
    let mut page = read_person(store, user, person_id, today, now, false).await?;
    let view = page.decision.view;
    let counted = kinds_of(view);
    // A kind the view does not have shows nothing, as a kind with no events does.
    let kinds: Vec<TimelineKind> = match query.kind {
        Some(kind) => vec![kind],
        None => counted.clone(),
    };
    let total_of = |counts: &[(TimelineKind, i64)]| -> usize {
        counts.iter().filter(|(k, _)| kinds.contains(k)).map(|(_, n)| *n as usize).sum()
    };
    let mut slice = TimelineSlice {
        counted: counted.clone(),
        kinds: kinds.clone(),
        offset: i64::try_from((query.page.max(1) - 1).saturating_mul(EVENTS_PER_PAGE)).unwrap_or(i64::MAX),
        limit: EVENTS_PER_PAGE as i64,
    };
    if query.kind.is_some_and(|k| !counted.contains(&k)) {
        slice.limit = 0;
    }
    let mut timeline = store.timeline_page(person_id, &slice).await?;
    let mut total = total_of(&timeline.counts);
    let n_pages = total.div_ceil(EVENTS_PER_PAGE).max(1);
    let mut query = TimelineQuery { page: query.page.max(1), ..query };
    if query.page > n_pages {
        // Past the last page (an old link, a typed number): the last page.
        query.page = n_pages;
        slice.offset = ((n_pages - 1) * EVENTS_PER_PAGE) as i64;
        timeline = store.timeline_page(person_id, &slice).await?;
        total = total_of(&timeline.counts);
    }
    if slice.limit == 0 {
        total = 0;
    }
    let summary = match view {
        PersonView::Full => Some(Summary {
            identity: identity(&page.records, today),
            list: list_status(store, user, person_id, today, now).await?,
            seen: store.person_summary(person_id).await?,
        }),
        _ => None,
    };
    if view == PersonView::Minimal {
        page.last_seen = store.person_summary(person_id).await?.last_seen.map(|s| (s.date, String::new()));
    }
    store.append_audit(&access::view_entry(user, "view_person", person_id, page.decision, now)).await?;
    Ok(CasePage {
        page,
        summary,
        events: timeline.events.into_iter().map(|(kind, e)| (kind, timeline_event(e))).collect(),
        counts: timeline.counts,
        query,
        total,
        n_pages,
    })
}

/// Each distinct value once, in order, compared folded (case and accents aside).
fn distinct(values: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values {
        let value = value.trim().to_owned();
        if !value.is_empty() && !out.iter().any(|o| fold(o) == fold(&value)) {
            out.push(value);
        }
    }
    out
}

/// Who the person is, from their records in the order the page lists them (CHAIN first).
pub fn identity(records: &[RecordDetail], today: Date) -> Identity {
    let rank = |source: &str| match source {
        "chain" => 0,
        "inform" => 1,
        "street_count" => 2,
        _ => 3,
    };
    let mut records: Vec<&RecordDetail> = records.iter().collect();
    records.sort_by_key(|r| (rank(&r.source), r.record_id));
    let names = distinct(records.iter().map(|r| {
        [r.first_name.as_deref(), r.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
    }));
    let known_as = distinct(records.iter().filter_map(|r| r.known_as.clone()));
    let aliases =
        distinct(records.iter().filter_map(|r| r.aliases.as_deref()).flat_map(|a| a.split(';')).map(str::to_owned));
    let date_of_birth =
        records.iter().filter_map(|r| r.date_of_birth.as_deref()).find_map(|d| DateOfBirth::parse(d).ok());
    let gender = records
        .iter()
        .filter_map(|r| r.gender.as_deref())
        .find_map(|g| Gender::parse(g).map(|g| g.label().to_owned()).or_else(|| Some(g.to_owned())));
    let nationality = records
        .iter()
        .filter_map(|r| r.nationality.as_deref())
        .find_map(|n| Nationality::parse(n).map(|n| n.name().to_owned()).ok().or_else(|| Some(n.to_owned())));
    let immigration_status = records
        .iter()
        .filter_map(|r| r.immigration_status.as_deref())
        .find_map(|s| ImmigrationStatus::parse(s).map(|s| s.label().to_owned()).or_else(|| Some(s.replace('_', " "))));
    let mut ids: Vec<(&'static str, String)> = Vec::new();
    for r in &records {
        let label = match r.source.as_str() {
            "chain" => "CHAIN id",
            "inform" => "Inform id",
            "street_count" => "Street count row",
            _ => "Record",
        };
        ids.push((label, r.source_id.clone()));
    }
    for nhs in records.iter().filter_map(|r| r.nhs_number.as_deref()) {
        let shown = NhsNumber::parse(nhs).map(|n| n.to_string()).unwrap_or_else(|_| nhs.to_owned());
        if !ids.iter().any(|(label, id)| *label == "NHS number" && *id == shown) {
            ids.push(("NHS number", shown));
        }
    }
    Identity {
        names,
        known_as,
        aliases,
        date_of_birth: date_of_birth.map(|d| d.to_string()),
        age: date_of_birth.and_then(|d| age_on(d, today)),
        gender,
        nationality,
        immigration_status,
        ids,
    }
}
