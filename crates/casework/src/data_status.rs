//! The data page: what has been imported and how well, for those who look after the data
//! (administrators, analysts and data-protection leads). For each source its last import and its
//! age, the rows read and rejected in it, and how many of its current records carry a date of
//! birth, a nationality and an NHS number; the team and provider names no organisation claims;
//! the pairs awaiting review. Also the by-name list's warning when a source has not been imported
//! for longer than the partnership's setting.

use crate::accounts::{Actor, SessionUser};
use crate::casework::CaseError;
use crate::organisations::{OrganisationNames, overview_of};
use byname_domain::Role;
use byname_domain::codes::Source;
use byname_store::{ImportSummary, NameCoverage, SourceCompleteness, Store, StoreError};
use time::{Date, OffsetDateTime};

/// The sources a partnership imports, in the order they are shown.
pub const SOURCES: [Source; 4] = [Source::Chain, Source::Inform, Source::StreetCount, Source::Health];

/// The setting: a source not imported for more than this many days is warned about.
const STALE_SETTING: &str = "stale_import_days";
/// The days a source may go without an import before the list warns, unless set otherwise.
pub const STALE_DAYS: i64 = 14;
/// The values the setting may take.
pub const STALE_RANGE: std::ops::RangeInclusive<i64> = 1..=365;

/// One source's imports and records.
#[derive(Debug, Clone)]
pub struct SourceStatus {
    pub source: Source,
    pub last_import: Option<ImportSummary>,
    /// Whole days since the last import finished.
    pub age_days: Option<i64>,
    pub records: SourceCompleteness,
}

impl SourceStatus {
    /// The share of the source's current records with a value, in percent; none without records.
    pub fn percent(&self, with: i64) -> Option<i64> {
        (self.records.records > 0).then(|| (with * 100 + self.records.records / 2) / self.records.records)
    }
}

/// What the data page shows.
#[derive(Debug, Clone)]
pub struct DataStatus {
    pub sources: Vec<SourceStatus>,
    pub unclaimed: Vec<NameCoverage>,
    pub awaiting_review: usize,
    pub organisations: Vec<OrganisationNames>,
    pub stale_after_days: i64,
}

/// Who sees the data page: administrators, analysts and data-protection leads.
pub fn can_see(user: &SessionUser) -> bool {
    byname_domain::access::can_manage_users(user.role) || user.role == Role::Analyst || user.data_protection_lead
}

/// Whole days from an import's end (its UTC date) to `today`.
fn age_in_days(finished_at: OffsetDateTime, today: Date) -> i64 {
    (today - finished_at.to_offset(time::UtcOffset::UTC).date()).whole_days()
}

/// The data's state, whoever asks (the command line, or a use case that checked the role).
pub async fn status_of<S: Store>(store: &S, today: Date) -> Result<DataStatus, StoreError> {
    let imports = store.latest_imports().await?;
    let completeness = store.record_completeness().await?;
    let sources = SOURCES
        .iter()
        .map(|source| {
            let last_import = imports.iter().find(|i| i.kind == source.code()).cloned();
            let age_days = last_import.as_ref().map(|i| age_in_days(i.finished_at, today));
            let records =
                completeness.iter().find(|c| c.source == source.code()).cloned().unwrap_or(SourceCompleteness {
                    source: source.code().to_owned(),
                    records: 0,
                    with_date_of_birth: 0,
                    with_nationality: 0,
                    with_nhs_number: 0,
                });
            SourceStatus { source: *source, last_import, age_days, records }
        })
        .collect();
    let overview = overview_of(store).await?;
    Ok(DataStatus {
        sources,
        unclaimed: overview.unclaimed,
        awaiting_review: store.review_queue().await?.len(),
        organisations: overview.organisations,
        stale_after_days: stale_after_days(store).await?,
    })
}

/// The data page, for those who look after the data; `None` for anyone else.
pub async fn status<S: Store>(store: &S, user: &SessionUser, today: Date) -> Result<Option<DataStatus>, StoreError> {
    if !can_see(user) {
        return Ok(None);
    }
    Ok(Some(status_of(store, today).await?))
}

/// The days a source may go without an import before the list warns.
pub async fn stale_after_days<S: Store>(store: &S) -> Result<i64, StoreError> {
    let stored = store.setting_or_insert(STALE_SETTING, &STALE_DAYS.to_string()).await?;
    Ok(stored.parse::<i64>().ok().filter(|d| STALE_RANGE.contains(d)).unwrap_or(STALE_DAYS))
}

/// Checks the setting before it is saved.
pub fn check_stale_after(days: i64) -> Result<(), CaseError> {
    if !STALE_RANGE.contains(&days) {
        return Err(CaseError::Invalid(format!(
            "the days before a source's import is called old are from {} to {}, not {days}",
            STALE_RANGE.start(),
            STALE_RANGE.end()
        )));
    }
    Ok(())
}

/// Sets the days a source may go without an import; audited with who did it.
pub async fn set_stale_after_as<S: Store>(
    store: &S,
    actor: Actor<'_>,
    days: i64,
    now: OffsetDateTime,
) -> Result<(), CaseError> {
    check_stale_after(days)?;
    crate::accounts::change_setting(store, actor, STALE_SETTING, &days.to_string(), now).await.map_err(CaseError::from)
}

/// A source whose last import is older than the setting allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleSource {
    pub source: Source,
    /// Days since its last import.
    pub age_days: i64,
}

impl StaleSource {
    /// The warning's sentence.
    pub fn text(&self) -> String {
        format!("{} was last imported {} days ago.", self.source.label(), self.age_days)
    }
}

/// The sources whose last import is older than the setting allows. A source never imported is
/// not one of them: many partnerships have no street count or health data to import, and a
/// warning on every list page they could do nothing about would teach people to ignore it (the
/// data page shows such a source as never imported).
pub async fn stale_sources<S: Store>(store: &S, today: Date) -> Result<Vec<StaleSource>, StoreError> {
    let imports = store.latest_imports().await?;
    if imports.is_empty() {
        return Ok(Vec::new());
    }
    let limit = stale_after_days(store).await?;
    Ok(SOURCES
        .iter()
        .filter_map(|source| {
            let import = imports.iter().find(|i| i.kind == source.code())?;
            let age_days = age_in_days(import.finished_at, today);
            (age_days > limit).then_some(StaleSource { source: *source, age_days })
        })
        .collect())
}
