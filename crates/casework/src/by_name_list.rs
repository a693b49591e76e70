//! The by-name list: everyone active now in Built for Zero's sense (DOMAIN.md section 5: seen,
//! bedded down or in any homeless contact, within the window, 90 days by default, and not housed,
//! dead or moved away since), with when and where they were last seen, how often, who leads on
//! them, their needs, and why they are on the list. The status is the statistics' own
//! ([`byname_stats::bfz_status`]), so the list's length is the `bfz.active` figure. Each row is shown as the access rules decide for that person (the full entry, the
//! health view, the minimal entry or a pseudonym) and every row shown is audited.
//!
//! Filters never leak: a filter on something the minimal entry does not show (needs,
//! nationality, new this month, living on the streets, escalations, consent) only matches people
//! whose record the user may see, and the count says how many were set aside.

use crate::access;
use crate::accounts::SessionUser;
use byname_domain::access::{PersonView, Purpose, can_see_by_name_list};
use byname_domain::age::{AgeBand, age_on};
use byname_domain::codes::SupportNeed;
use byname_domain::date::{DateOfBirth, iso, parse_iso_date};
use byname_domain::names::initials;
use byname_domain::nationality::{Nationality, NationalityGroup};
use byname_store::{EscalationFlags, RecordSummary, SeenPerson, Store, StoreError};
use sha2::{Digest, Sha256};
use time::{Date, OffsetDateTime};

/// People seen within this many days are active, unless the partnership sets
/// another window (`byname settings list-window DAYS`, kept in the store).
pub const WINDOW_DAYS: i64 = 90;
/// The name of the stored setting.
pub const WINDOW_SETTING: &str = "list_window_days";

/// The list's window in days: the stored setting, or [`WINDOW_DAYS`].
pub async fn window_days<S: Store>(store: &S) -> Result<i64, StoreError> {
    let stored = store.setting_or_insert(WINDOW_SETTING, &WINDOW_DAYS.to_string()).await?;
    Ok(stored.parse::<i64>().ok().filter(|d| WINDOW_RANGE.contains(d)).unwrap_or(WINDOW_DAYS))
}

/// The windows the partnership may set, in days.
pub const WINDOW_RANGE: std::ops::RangeInclusive<i64> = 1..=3650;

/// Checks a window before it is saved.
pub fn check_window(days: i64) -> Result<(), crate::casework::CaseError> {
    if !WINDOW_RANGE.contains(&days) {
        return Err(crate::casework::CaseError::Invalid(format!(
            "the window is from {} to {} days, not {days}",
            WINDOW_RANGE.start(),
            WINDOW_RANGE.end()
        )));
    }
    Ok(())
}
/// Sets the list's window, within [`WINDOW_RANGE`].
pub async fn set_window<S: Store>(store: &S, days: i64) -> Result<(), crate::casework::CaseError> {
    let now = OffsetDateTime::now_utc();
    set_window_as(store, crate::accounts::Actor::Operator, days, now).await
}

/// Sets the list's window; audited with who did it.
pub async fn set_window_as<S: Store>(
    store: &S,
    actor: crate::accounts::Actor<'_>,
    days: i64,
    now: OffsetDateTime,
) -> Result<(), crate::casework::CaseError> {
    check_window(days)?;
    crate::accounts::change_setting(store, actor, WINDOW_SETTING, &days.to_string(), now)
        .await
        .map_err(crate::casework::CaseError::from)
}

pub const PER_PAGE: usize = 50;
/// The living-on-the-streets rule over the last 30 days (CHAIN's: enough distinct days over a
/// long enough span).
const LOS_MIN_DAYS: usize = 3;
const LOS_MIN_SPAN: i64 = 21;

#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("your role does not see the by-name list")]
    Forbidden,
}

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

/// Whether someone has a lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadFilter {
    Assigned,
    NoLead,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationFilter {
    Open,
    Overdue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentFilter {
    /// A current case coordination consent to all partners or some.
    Given,
    /// None current.
    NotGiven,
}

/// What the list is narrowed to; `None` everywhere is everyone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filters {
    /// The lead organisation, by name.
    pub organisation: Option<String>,
    pub lead: Option<LeadFilter>,
    pub need: Option<SupportNeed>,
    pub nationality: Option<NationalityGroup>,
    pub new_this_month: bool,
    pub living_on_streets: bool,
    pub escalation: Option<EscalationFilter>,
    pub consent: Option<ConsentFilter>,
}

impl Filters {
    /// Whether a filter uses something the minimal entry does not show.
    fn needs_record(&self) -> bool {
        self.need.is_some()
            || self.nationality.is_some()
            || self.new_this_month
            || self.living_on_streets
            || self.escalation.is_some()
            || self.consent.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub sort: SortKey,
    pub descending: bool,
    /// From 1.
    pub page: usize,
    pub filters: Filters,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self { sort: SortKey::LastSeen, descending: true, page: 1, filters: Filters::default() }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ListEntry {
    pub person_id: i64,
    /// Whether the row links to the person's page.
    pub linked: bool,
    pub view: PersonView,
    /// The full name, initials in the minimal entry, or a pseudonym.
    pub name: String,
    pub age_band: AgeBand,
    pub last_seen: String,
    /// Where last seen; the area only in the minimal entry.
    pub last_place: String,
    /// Days seen bedded down in the window; `None` in the minimal entry, which says only when
    /// the person was last seen and who to contact.
    pub times_seen: Option<i64>,
    /// The lead organisation, or "Unassigned" with the team that sees them most.
    pub lead: String,
    pub lead_assigned: bool,
    /// Labels of support needs; empty in the minimal entry.
    pub needs: Vec<&'static str>,
    /// Why the person is on the list, in words.
    pub why: String,
    /// Open and overdue escalations; shown only with the record.
    pub escalations: EscalationFlags,
    /// Whether a case coordination consent is current; `None` when not shown.
    pub consent: Option<bool>,
    pub living_on_streets: bool,
    pub new_this_month: bool,
}

#[derive(Debug, Clone)]
pub struct ListPage {
    pub entries: Vec<ListEntry>,
    /// People matching the filters (those set aside excluded).
    pub total: usize,
    /// People on the list whom a filter could not be applied to, because the user sees only
    /// their minimal entry.
    pub set_aside: usize,
    pub page: usize,
    pub n_pages: usize,
    pub since: Date,
    pub until: Date,
    pub query: ListQuery,
    /// The organisations that lead someone on the list, by name, for the filter.
    pub lead_organisations: Vec<String>,
    /// The sources not imported for longer than the partnership's setting: the list may be
    /// out of date.
    pub stale_imports: Vec<crate::data_status::StaleSource>,
}

fn best_name(records: &[RecordSummary]) -> (Option<&str>, Option<&str>, Option<&str>) {
    let first = records.iter().find_map(|r| r.first_name.as_deref());
    let last = records.iter().find_map(|r| r.last_name.as_deref());
    let known_as = records.iter().find_map(|r| r.known_as.as_deref());
    (first, last, known_as)
}

fn full_name(records: &[RecordSummary]) -> String {
    let (first, last, known_as) = best_name(records);
    let shown_first = match (first, known_as) {
        (Some(f), Some(k)) if !byname_domain::names::fold(f).eq(&byname_domain::names::fold(k)) => format!("{f} ({k})"),
        (Some(f), _) => f.to_owned(),
        (None, Some(k)) => k.to_owned(),
        (None, None) => String::new(),
    };
    match (shown_first.is_empty(), last) {
        (false, Some(l)) => format!("{shown_first} {l}"),
        (false, None) => shown_first,
        (true, Some(l)) => l.to_owned(),
        (true, None) => {
            records.iter().find_map(|r| r.description.clone()).unwrap_or_else(|| "(name not known)".to_owned())
        }
    }
}

/// A stable pseudonym for statistics: not the id, and not reversible without the salt.
pub fn pseudonym(person_id: i64, salt: &str) -> String {
    let digest = Sha256::digest(format!("{salt}:{person_id}").as_bytes());
    format!("P-{}", &hex::encode(digest)[..10])
}

fn nationality_group(records: &[RecordSummary]) -> NationalityGroup {
    records
        .iter()
        .filter_map(|r| r.nationality.as_deref())
        .find_map(|n| Nationality::parse(n).ok().map(Nationality::group))
        .unwrap_or(NationalityGroup::NotKnown)
}

fn days_between(a: &str, b: &str) -> Option<i64> {
    Some((parse_iso_date(b).ok()? - parse_iso_date(a).ok()?).whole_days())
}

/// Distinct days seen in the last 30 days, over a span of three weeks or more: the list's
/// "living on the streets", which the case conference agenda uses too.
pub(crate) fn living_on_streets(seen_days: &[String], today: Date) -> bool {
    let recent: Vec<&String> =
        seen_days.iter().filter(|d| days_between(d, &iso(today)).is_some_and(|n| (0..30).contains(&n))).collect();
    let span = match (recent.last(), recent.first()) {
        (Some(oldest), Some(newest)) => days_between(oldest, newest).unwrap_or(0),
        _ => 0,
    };
    recent.len() >= LOS_MIN_DAYS && span >= LOS_MIN_SPAN
}

/// One person on the list as every view would show them, prepared once per state of the data
/// and window (and kept by the store until the data change), so that a request only decides each
/// person's view, filters, sorts and copies out one page.
struct Prepared {
    person_id: i64,
    full_name: String,
    initials: String,
    pseudonym: String,
    age_band: AgeBand,
    last_seen: String,
    place: String,
    area: String,
    times_seen: i64,
    lead: String,
    lead_assigned: bool,
    lead_organisation: Option<String>,
    needs: Vec<&'static str>,
    need_codes: Vec<String>,
    nationality: NationalityGroup,
    living_on_streets: bool,
    new_this_month: bool,
    /// Why on the list, for those who see the record, and for those who do not.
    why_full: String,
    why_minimal: String,
}

/// A prepared person with the view a request gives them.
struct Row<'a> {
    p: &'a Prepared,
    view: PersonView,
    flags: EscalationFlags,
    consent: bool,
}

impl Row<'_> {
    fn shows(&self) -> bool {
        matches!(self.view, PersonView::Full | PersonView::Health)
    }

    /// Whether how often the person was seen is shown: not in the minimal entry.
    fn shows_counts(&self) -> bool {
        matches!(self.view, PersonView::Full | PersonView::Health | PersonView::Pseudonymised)
    }

    fn name(&self) -> &str {
        match self.view {
            PersonView::Full | PersonView::Health => &self.p.full_name,
            PersonView::Pseudonymised => &self.p.pseudonym,
            PersonView::Minimal | PersonView::None => &self.p.initials,
        }
    }

    fn entry(&self) -> ListEntry {
        let p = self.p;
        let shows = self.shows();
        ListEntry {
            person_id: p.person_id,
            linked: !matches!(self.view, PersonView::Pseudonymised | PersonView::None),
            view: self.view,
            name: self.name().to_owned(),
            age_band: p.age_band,
            last_seen: p.last_seen.clone(),
            last_place: if self.view == PersonView::Full { p.place.clone() } else { p.area.clone() },
            times_seen: self.shows_counts().then_some(p.times_seen),
            lead: p.lead.clone(),
            lead_assigned: p.lead_assigned,
            needs: if matches!(self.view, PersonView::Full | PersonView::Health | PersonView::Pseudonymised) {
                p.needs.clone()
            } else {
                Vec::new()
            },
            why: if shows { p.why_full.clone() } else { p.why_minimal.clone() },
            escalations: if shows { self.flags } else { EscalationFlags::default() },
            consent: shows.then_some(self.consent),
            living_on_streets: shows && p.living_on_streets,
            new_this_month: shows && p.new_this_month,
        }
    }
}

/// One page of the list as `user` may see it; every person on it is audited.
pub async fn by_name_list<S: Store>(
    store: &S,
    user: &SessionUser,
    query: ListQuery,
    today: Date,
    now: OffsetDateTime,
) -> Result<ListPage, ListError> {
    if !can_see_by_name_list(user.role) {
        return Err(ListError::Forbidden);
    }
    let list = prepare(store, user, today, now).await?;
    let since = list.since;
    let lead_organisations = list.lead_organisations.clone();
    let selection = selection(store, user, &list, &query, today, now).await?;
    let (total, set_aside) = (selection.len(), selection.set_aside());
    let n_pages = total.div_ceil(PER_PAGE).max(1);
    let page = query.page.clamp(1, n_pages);
    let entries = selection.entries((page - 1) * PER_PAGE, PER_PAGE);
    audit_rows(store, user, "view_by_name_list", &entries, now).await?;
    // Which sources are old changes with an import, the setting (both in the data's version) or
    // the day: worked out once for them, not on every page.
    let stale_key = format!("stale_imports/{today}");
    let stale_imports = match store.memo_at::<Vec<crate::data_status::StaleSource>>(&list.version, &stale_key) {
        Some(kept) => (*kept).clone(),
        None => {
            let stale = crate::data_status::stale_sources(store, today).await?;
            store.keep_memo(&list.version, &stale_key, std::sync::Arc::new(stale.clone()));
            stale
        }
    };
    Ok(ListPage {
        entries,
        total,
        set_aside,
        page,
        n_pages,
        since,
        until: today,
        query: ListQuery { page, ..query },
        lead_organisations,
        stale_imports,
    })
}

/// The whole filtered list for a download, each row as the access rules allow; every row is
/// audited. `crate::render::by_name_list_csv` writes it as CSV.
pub async fn by_name_list_export<S: Store>(
    store: &S,
    user: &SessionUser,
    query: ListQuery,
    today: Date,
    now: OffsetDateTime,
) -> Result<Vec<ListEntry>, ListError> {
    if !can_see_by_name_list(user.role) {
        return Err(ListError::Forbidden);
    }
    let list = prepare(store, user, today, now).await?;
    let selection = selection(store, user, &list, &query, today, now).await?;
    let entries = selection.entries(0, selection.len());
    audit_rows(store, user, "export_by_name_list", &entries, now).await?;
    Ok(entries)
}

/// One audit entry for each view on the page, naming every person shown in that view: who
/// looked, when, at whom, why (the purpose) and on what basis. A page of fifty people is one or
/// two entries, not fifty, which is what lets the list answer quickly under load; a search by
/// person and a subject access export still find every page a person was on.
async fn audit_rows<S: Store>(
    store: &S,
    user: &SessionUser,
    action: &str,
    entries: &[ListEntry],
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let mut by_view: Vec<(PersonView, Vec<i64>)> = Vec::new();
    for e in entries {
        match by_view.iter_mut().find(|(view, _)| *view == e.view) {
            Some((_, persons)) => persons.push(e.person_id),
            None => by_view.push((e.view, vec![e.person_id])),
        }
    }
    let audit: Vec<_> = by_view
        .into_iter()
        .map(|(view, persons)| {
            let mut entry = access::entry(user, action, None, purpose(view), None, view.code(), now);
            entry.basis = Some(basis(view).to_owned());
            entry.persons = persons;
            entry
        })
        .collect();
    store.append_audit_entries(&audit).await
}

fn purpose(view: PersonView) -> &'static str {
    match view {
        PersonView::Pseudonymised => Purpose::ResearchStatistics.code(),
        PersonView::Health => Purpose::HealthCare.code(),
        _ => Purpose::CaseCoordination.code(),
    }
}

fn basis(view: PersonView) -> &'static str {
    match view {
        PersonView::Full | PersonView::Health => "record_access",
        PersonView::Minimal => "minimal_entry",
        PersonView::Pseudonymised => "statistics",
        PersonView::None => "none",
    }
}

/// The list prepared for a state of the data: its people, and the key and version under which
/// what depends on them is kept.
struct PreparedList {
    people: std::sync::Arc<Vec<Prepared>>,
    since: Date,
    /// The organisations that lead someone on the list, for the filter.
    lead_organisations: Vec<String>,
    key: String,
    version: String,
    /// The user's access version, read with the data's.
    access: String,
}

/// What is kept of a prepared list: everything but the key and version it is kept under.
struct Kept {
    people: std::sync::Arc<Vec<Prepared>>,
    since: Date,
    lead_organisations: Vec<String>,
}

/// Everyone on the list, prepared (in the order of their ids), from the store's memory when the
/// data have not changed. The data's version includes the window setting and is read with the
/// user's access version, so one round trip answers for all three.
async fn prepare<S: Store>(
    store: &S,
    user: &SessionUser,
    today: Date,
    now: OffsetDateTime,
) -> Result<PreparedList, StoreError> {
    let key = format!("by_name_list/{}", iso(today));
    let (version, access) = store.versions(user.id, now).await?;
    let kept = match store.memo_at::<Kept>(&version, &key) {
        Some(kept) => kept,
        None => {
            let window = window_days(store).await?;
            let since = today - time::Duration::days(window - 1);
            let people = store.people_seen(since, today).await?;
            let salt = store.setting_or_insert("pseudonym_salt", &crate::accounts::random_token(16)).await?;
            let month = iso(today)[..7].to_owned();
            let settings = status_settings(window);
            let prepared: Vec<Prepared> = people
                .iter()
                .filter(|p| is_active(p, today, &settings))
                .map(|p| prepared(p, today, &month, &salt, window))
                .collect();
            let lead_organisations: Vec<String> = prepared
                .iter()
                .filter_map(|p| p.lead_organisation.clone())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let kept = std::sync::Arc::new(Kept { people: std::sync::Arc::new(prepared), since, lead_organisations });
            store.keep_memo(&version, &key, kept.clone());
            kept
        }
    };
    Ok(PreparedList {
        people: kept.people.clone(),
        since: kept.since,
        lead_organisations: kept.lead_organisations.clone(),
        key,
        version,
        access,
    })
}

/// The statistics' settings with the list's window as Built for Zero's inactivity.
fn status_settings(window: i64) -> byname_stats::Settings {
    byname_stats::Settings {
        bfz: byname_stats::settings::BfzSettings {
            inactivity_days: window as u32,
            ..byname_stats::settings::BfzSettings::default()
        },
        ..byname_stats::Settings::default()
    }
}

/// Whether someone is on the list today, and why, in the list's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListStatus {
    /// On the list: why, as the list says it to whoever sees the record.
    On(String),
    /// Not on the list: why not.
    Off(String),
}

/// Whether a person is on the list today, by the list's own rule (the same prepared list the
/// page shows, kept until the data change), and why, as the list says it to whoever sees the
/// person's record. Callers show it only with the full record.
pub async fn list_status<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    today: Date,
    now: OffsetDateTime,
) -> Result<ListStatus, StoreError> {
    let list = prepare(store, user, today, now).await?;
    let people = &list.people;
    if let Ok(i) = people.binary_search_by_key(&person_id, |p| p.person_id) {
        return Ok(ListStatus::On(people[i].why_full.clone()));
    }
    let window = (today - list.since).whole_days() + 1;
    let seen = store.people_seen(list.since, today).await?;
    let Ok(i) = seen.binary_search_by_key(&person_id, |p| p.person_id) else {
        return Ok(ListStatus::Off(format!("Not on the list: not seen in the last {window} days")));
    };
    let person = &seen[i];
    let why = match status(person, today, &status_settings(window)) {
        byname_stats::BfzStatus::Housed => format!("Not on the list: housed since last seen on {}", person.last_seen),
        _ => format!(
            "Not on the list: since last seen on {}, deceased, reconnected or long in an institution",
            person.last_seen
        ),
    };
    Ok(ListStatus::Off(why))
}

/// Whether someone seen in the window is active today: the statistics' Built for Zero status on
/// their contacts in the window (the last is what counts) and all their stays.
fn is_active(person: &SeenPerson, today: Date, settings: &byname_stats::Settings) -> bool {
    status(person, today, settings) == byname_stats::BfzStatus::Active
}

/// The statistics' Built for Zero status today of someone seen in the window.
fn status(person: &SeenPerson, today: Date, settings: &byname_stats::Settings) -> byname_stats::BfzStatus {
    use byname_stats::timeline::{Contact, Person, Stay, day};
    let day_of = |text: &str| parse_iso_date(text).ok().map(day);
    let mut timeline = Person::new(person.person_id);
    let bedded: Vec<i32> = person.seen_days.iter().filter_map(|d| day_of(d)).collect();
    let mut days: Vec<i32> = bedded.iter().copied().chain(day_of(&person.last_seen)).collect();
    days.sort_unstable();
    days.dedup();
    timeline.contacts = days
        .into_iter()
        .map(|d| Contact { day: d, bedded_down: bedded.contains(&d), street_count: false, area: 0, organisation: 0 })
        .collect();
    timeline.stays = person
        .stays
        .iter()
        .filter_map(|s| {
            Some(Stay {
                kind: byname_domain::codes::StayType::parse(&s.stay_type)?,
                arrival: day_of(&s.arrival)?,
                departure: s.departure.as_deref().and_then(day_of),
                reason: s.reason.as_deref().and_then(byname_domain::codes::DepartureReason::parse),
            })
        })
        .collect();
    byname_stats::bfz_status(&timeline, day(today), settings)
}

/// Each person's view and whether a case coordination consent is current, in list order.
type Views = Vec<(PersonView, bool)>;

/// The list as one user sees it under a query: each person's view, their escalation flags, and
/// the filtered, sorted order, kept in memory as long as nothing they rest on changes. A page
/// builds rows for its fifty people only.
struct Selection<'a> {
    list: &'a PreparedList,
    views: std::sync::Arc<Views>,
    flags: std::sync::Arc<std::collections::HashMap<i64, EscalationFlags>>,
    /// Indexes into the list in the query's order, and how many were set aside.
    order: std::sync::Arc<(Vec<usize>, usize)>,
}

impl<'a> Selection<'a> {
    fn row(&self, i: usize) -> Row<'a> {
        let p = &self.list.people[i];
        let (view, consent) = self.views[i];
        Row { p, view, flags: self.flags.get(&p.person_id).copied().unwrap_or_default(), consent }
    }

    fn len(&self) -> usize {
        self.order.0.len()
    }

    fn set_aside(&self) -> usize {
        self.order.1
    }

    /// The entries of `take` rows from `skip`, in order.
    fn entries(&self, skip: usize, take: usize) -> Vec<ListEntry> {
        self.order.0.iter().skip(skip).take(take).map(|&i| self.row(i).entry()).collect()
    }
}

async fn selection<'a, S: Store>(
    store: &S,
    user: &SessionUser,
    list: &'a PreparedList,
    query: &ListQuery,
    today: Date,
    now: OffsetDateTime,
) -> Result<Selection<'a>, ListError> {
    if !can_see_by_name_list(user.role) {
        return Err(ListError::Forbidden);
    }
    let prepared = &list.people;
    let ids = || prepared.iter().map(|p| p.person_id).collect::<Vec<i64>>();
    // Views change with the data, consents, break-glass and the day: kept under all four.
    let access = &list.access;
    let views_key = format!("{}/views/{}/{}/{access}/{}", list.key, user.organisation_id, user.role.code(), iso(today));
    let views: std::sync::Arc<Views> = match store.memo_at::<Views>(&list.version, &views_key) {
        Some(views) => views,
        None => {
            let decisions = access::decisions(store, user, &ids(), today, now).await?;
            let views: std::sync::Arc<Views> = std::sync::Arc::new(
                prepared
                    .iter()
                    .map(|p| {
                        let (decision, facts) = &decisions[&p.person_id];
                        let consent = access::consents(&facts.consents).iter().any(|c| {
                            c.purpose == Purpose::CaseCoordination
                                && c.state(today) == byname_domain::access::ConsentState::Current
                        });
                        (decision.view, consent)
                    })
                    .collect(),
            );
            store.keep_memo(&list.version, &views_key, views.clone());
            views
        }
    };
    // Escalations change with an event each, which the access version counts; whether one is
    // overdue changes with the time, so the flags are kept for a minute at most.
    let flags_key = format!("escalation_flags/{access}/{}", &byname_store::sql_instant(now)[..16]);
    let flags = match store.memo_at::<std::collections::HashMap<i64, EscalationFlags>>(&list.version, &flags_key) {
        Some(flags) => flags,
        None => {
            let flags = std::sync::Arc::new(store.escalation_flags(&ids(), now).await?);
            store.keep_memo(&list.version, &flags_key, flags.clone());
            flags
        }
    };
    let filters = &query.filters;
    let mut selection = Selection { list, views, flags, order: std::sync::Arc::new((Vec::new(), 0)) };
    // The filtered, sorted order is kept too, except under an escalation filter, whose answer
    // changes with every escalation.
    let order_key = format!("{views_key}/{filters:?}/{}/{}", query.sort.code(), query.descending);
    let cacheable = filters.escalation.is_none();
    if cacheable && let Some(order) = store.memo_at::<(Vec<usize>, usize)>(&list.version, &order_key) {
        selection.order = order;
        return Ok(selection);
    }
    let mut set_aside = 0;
    let mut rows = Vec::new();
    for i in 0..prepared.len() {
        let r = selection.row(i);
        if filters.needs_record() && !r.shows() {
            set_aside += 1;
            continue;
        }
        if keep(&r, filters) {
            rows.push((i, r));
        }
    }
    rows.sort_by(|(_, a), (_, b)| {
        let order = match query.sort {
            SortKey::LastSeen => a.p.last_seen.cmp(&b.p.last_seen),
            SortKey::Name => byname_domain::names::fold(a.name()).cmp(&byname_domain::names::fold(b.name())),
            // A minimal entry does not show how often: it sorts as unknown, so the order gives
            // nothing away.
            SortKey::TimesSeen => {
                let seen = |r: &Row| if r.shows_counts() { r.p.times_seen } else { -1 };
                seen(a).cmp(&seen(b))
            }
            SortKey::Lead => a.p.lead.cmp(&b.p.lead),
        };
        let order = if query.descending { order.reverse() } else { order };
        order.then(a.p.person_id.cmp(&b.p.person_id))
    });
    let order: Vec<usize> = rows.iter().map(|(i, _)| *i).collect();
    selection.order = std::sync::Arc::new((order, set_aside));
    if cacheable {
        store.keep_memo(&list.version, &order_key, selection.order.clone());
    }
    Ok(selection)
}

fn keep(row: &Row, f: &Filters) -> bool {
    let p = row.p;
    if let Some(organisation) = &f.organisation
        && p.lead_organisation.as_ref() != Some(organisation)
    {
        return false;
    }
    if let Some(lead) = f.lead
        && (lead == LeadFilter::Assigned) != p.lead_assigned
    {
        return false;
    }
    if let Some(need) = f.need
        && !p.need_codes.iter().any(|n| n == need.code())
    {
        return false;
    }
    if f.nationality.is_some_and(|g| g != p.nationality) {
        return false;
    }
    if (f.new_this_month && !p.new_this_month) || (f.living_on_streets && !p.living_on_streets) {
        return false;
    }
    match f.escalation {
        Some(EscalationFilter::Open) if row.flags.open == 0 => return false,
        Some(EscalationFilter::Overdue) if row.flags.overdue == 0 => return false,
        _ => {}
    }
    match f.consent {
        Some(ConsentFilter::Given) => row.consent,
        Some(ConsentFilter::NotGiven) => !row.consent,
        None => true,
    }
}

/// One person's entry in the list's shape, for a page other than the list (a search's results):
/// as `view` shows them, with why they are on the list, or, when they are not, when last seen.
pub(crate) fn entry_of(
    person: &SeenPerson,
    view: PersonView,
    flags: EscalationFlags,
    consent: bool,
    today: Date,
    window: i64,
) -> (ListEntry, bool) {
    let settings = byname_stats::Settings {
        bfz: byname_stats::settings::BfzSettings {
            inactivity_days: window as u32,
            ..byname_stats::settings::BfzSettings::default()
        },
        ..byname_stats::Settings::default()
    };
    let on_list = !person.last_seen.is_empty() && is_active(person, today, &settings);
    // The days seen bedded down that the list's reasons count are the window's.
    let since = iso(today - time::Duration::days(window - 1));
    let mut in_window = person.clone();
    in_window.seen_days.retain(|d| *d >= since);
    // A pseudonym is never shown outside the list, so no salt is needed here.
    let mut p = prepared(&in_window, today, &iso(today)[..7], "", window);
    if !on_list {
        let why = if person.last_seen.is_empty() {
            "Not on the list: no contact recorded".to_owned()
        } else {
            format!("Not on the list: last seen on {}", person.last_seen)
        };
        p.why_full.clone_from(&why);
        p.why_minimal = why;
    }
    (Row { p: &p, view, flags, consent }.entry(), on_list)
}

fn prepared(person: &SeenPerson, today: Date, month: &str, salt: &str, window: i64) -> Prepared {
    let date_of_birth =
        person.records.iter().filter_map(|r| r.date_of_birth.as_deref()).find_map(|d| DateOfBirth::parse(d).ok());
    let (first, last, _) = best_name(&person.records);
    let (lead, lead_assigned) = match (&person.lead_organisation, &person.most_frequent_team) {
        (Some(org), _) => (org.clone(), true),
        (None, Some(team)) => (format!("Unassigned (most contact: {team})"), false),
        (None, None) => ("Unassigned".to_owned(), false),
    };
    let new_this_month = person.first_seen.as_deref().is_some_and(|d| d.starts_with(month));
    let los = living_on_streets(&person.seen_days, today);
    let days = person.seen_days.len();
    let last_seen = person.last_seen.clone();
    // The minimal entry says when the person was last seen, not how often.
    let why_minimal = format!("Active: last seen on {last_seen}, within the {window}-day window; not housed since");
    let why_active = match days {
        0 => {
            format!("Active: in contact with services on {last_seen}, within the {window}-day window; not housed since")
        }
        _ => format!(
            "Active: seen bedded down on {days} day{} in the last {window} days, last seen on {last_seen}; not housed since",
            if days == 1 { "" } else { "s" },
        ),
    };
    let why_full = if new_this_month {
        format!("New this month: first seen bedded down on {}", person.first_seen.clone().unwrap_or_default())
    } else if los {
        format!("Living on the streets: seen bedded down on {days} days in the last {window}, last on {last_seen}")
    } else {
        why_active
    };
    Prepared {
        person_id: person.person_id,
        full_name: full_name(&person.records),
        initials: initials(first, last),
        pseudonym: pseudonym(person.person_id, salt),
        age_band: AgeBand::of_age(date_of_birth.and_then(|d| age_on(d, today))),
        last_seen,
        place: [&person.last_location, &person.last_borough]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        area: person.last_borough.clone().unwrap_or_default(),
        times_seen: person.times_seen,
        lead,
        lead_assigned,
        lead_organisation: person.lead_organisation.clone(),
        needs: person.support_needs.iter().filter_map(|n| SupportNeed::parse(n)).map(SupportNeed::label).collect(),
        need_codes: person.support_needs.clone(),
        nationality: nationality_group(&person.records),
        living_on_streets: los,
        new_this_month,
        why_full,
        why_minimal,
    }
}
