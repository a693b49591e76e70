//! The by-name list: everyone seen rough sleeping in the last 90 days, known
//! by name, with when and where they were last seen, how often, who leads on
//! them and their needs. What each user sees of a person is decided by the
//! access rules, and every person shown is written to the audit log.

use crate::accounts::SessionUser;
use byname_domain::access::{PersonView, by_name_list_view};
use byname_domain::age::{AgeBand, age_on};
use byname_domain::codes::SupportNeed;
use byname_domain::date::{DateOfBirth, iso};
use byname_domain::names::initials;
use byname_store::{AuditEntry, RecordSummary, SeenPerson, Store, StoreError};
use time::Date;

/// People seen bedded down within this many days are on the list.
pub const WINDOW_DAYS: i64 = 90;
pub const PER_PAGE: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    LastSeen,
    Name,
    TimesSeen,
    Lead,
}

impl SortKey {
    pub fn parse(input: &str) -> Option<Self> {
        match input {
            "last_seen" => Some(Self::LastSeen),
            "name" => Some(Self::Name),
            "times_seen" => Some(Self::TimesSeen),
            "lead" => Some(Self::Lead),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Self::LastSeen => "last_seen",
            Self::Name => "name",
            Self::TimesSeen => "times_seen",
            Self::Lead => "lead",
        }
    }
    /// The direction a click on the column first sorts by.
    pub fn natural_descending(self) -> bool {
        matches!(self, Self::LastSeen | Self::TimesSeen)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListQuery {
    pub sort: SortKey,
    pub descending: bool,
    /// From 1.
    pub page: usize,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self { sort: SortKey::LastSeen, descending: true, page: 1 }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListEntry {
    pub person_id: i64,
    /// The full name, or initials in the minimal view.
    pub name: String,
    pub age_band: AgeBand,
    pub last_seen: String,
    /// Where last seen; the area only in the minimal view.
    pub last_place: String,
    pub times_seen: i64,
    /// The lead organisation, or "Unassigned" with the team that sees them most.
    pub lead: String,
    pub lead_assigned: bool,
    /// Labels of support needs; empty in the minimal view.
    pub needs: Vec<&'static str>,
}

#[derive(Debug, Clone)]
pub struct ListPage {
    pub entries: Vec<ListEntry>,
    pub total: usize,
    pub page: usize,
    pub n_pages: usize,
    pub since: Date,
    pub until: Date,
    pub view: PersonView,
    pub query: ListQuery,
}

fn best_name(records: &[RecordSummary]) -> (Option<&str>, Option<&str>, Option<&str>) {
    let first = records.iter().find_map(|r| r.first_name.as_deref());
    let last = records.iter().find_map(|r| r.last_name.as_deref());
    let known_as = records.iter().find_map(|r| r.known_as.as_deref());
    (first, last, known_as)
}

fn entry(person: SeenPerson, view: PersonView, today: Date) -> ListEntry {
    let (first, last, known_as) = best_name(&person.records);
    let date_of_birth =
        person.records.iter().filter_map(|r| r.date_of_birth.as_deref()).find_map(|d| DateOfBirth::parse(d).ok());
    let age_band = AgeBand::of_age(date_of_birth.and_then(|d| age_on(d, today)));
    let name = match view {
        PersonView::Full => {
            let shown_first = match (first, known_as) {
                (Some(f), Some(k)) if !byname_domain::names::fold(f).eq(&byname_domain::names::fold(k)) => {
                    format!("{f} ({k})")
                }
                (Some(f), _) => f.to_owned(),
                (None, Some(k)) => k.to_owned(),
                (None, None) => String::new(),
            };
            match (shown_first.is_empty(), last) {
                (false, Some(l)) => format!("{shown_first} {l}"),
                (false, None) => shown_first,
                (true, Some(l)) => l.to_owned(),
                (true, None) => "(name not known)".to_owned(),
            }
        }
        PersonView::Minimal => initials(first, last),
    };
    let last_place = match view {
        PersonView::Full => match (&person.last_location, &person.last_borough) {
            (Some(place), Some(area)) => format!("{place}, {area}"),
            (Some(place), None) => place.clone(),
            (None, Some(area)) => area.clone(),
            (None, None) => String::new(),
        },
        PersonView::Minimal => person.last_borough.clone().unwrap_or_default(),
    };
    let (lead, lead_assigned) = match (&person.lead_organisation, &person.most_frequent_team) {
        (Some(org), _) => (org.clone(), true),
        (None, Some(team)) => (format!("Unassigned (most contact: {team})"), false),
        (None, None) => ("Unassigned".to_owned(), false),
    };
    let needs = match view {
        PersonView::Full => {
            person.support_needs.iter().filter_map(|n| SupportNeed::parse(n)).map(SupportNeed::label).collect()
        }
        PersonView::Minimal => Vec::new(),
    };
    ListEntry {
        person_id: person.person_id,
        name,
        age_band,
        last_seen: person.last_seen,
        last_place,
        times_seen: person.times_seen,
        lead,
        lead_assigned,
        needs,
    }
}

/// One page of the list as `user` may see it; every person on it is audited.
pub async fn by_name_list<S: Store>(
    store: &S,
    user: &SessionUser,
    query: ListQuery,
    today: Date,
    now: &str,
) -> Result<ListPage, StoreError> {
    let since = today - time::Duration::days(WINDOW_DAYS - 1);
    let view = by_name_list_view(user.role);
    let people = store.people_seen(&iso(since), &iso(today)).await?;
    let mut entries: Vec<ListEntry> = people.into_iter().map(|p| entry(p, view, today)).collect();
    entries.sort_by(|a, b| {
        let order = match query.sort {
            SortKey::LastSeen => a.last_seen.cmp(&b.last_seen),
            SortKey::Name => byname_domain::names::fold(&a.name).cmp(&byname_domain::names::fold(&b.name)),
            SortKey::TimesSeen => a.times_seen.cmp(&b.times_seen),
            SortKey::Lead => a.lead.cmp(&b.lead),
        };
        let order = if query.descending { order.reverse() } else { order };
        order.then(a.person_id.cmp(&b.person_id))
    });
    let total = entries.len();
    let n_pages = total.div_ceil(PER_PAGE).max(1);
    let page = query.page.clamp(1, n_pages);
    let entries: Vec<ListEntry> = entries.into_iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).collect();
    for shown in &entries {
        store
            .append_audit(&AuditEntry {
                at: now.to_owned(),
                user_id: Some(user.id),
                action: "view_by_name_list".to_owned(),
                person_id: Some(shown.person_id),
                purpose: Some("case_coordination".to_owned()),
                detail: Some(match view {
                    PersonView::Full => "full entry".to_owned(),
                    PersonView::Minimal => "minimal entry".to_owned(),
                }),
            })
            .await?;
    }
    Ok(ListPage { entries, total, page, n_pages, since, until: today, view, query: ListQuery { page, ..query } })
}
