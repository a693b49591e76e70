//! A person's rights over their data, and retention (DOMAIN.md section 8; docs/privacy.md).
//!
//! - **Erasure** (`byname erase PERSON --reason TEXT`): the person's records, events and
//!   everything derived from them are deleted, in one transaction with its audit entry (what each
//!   table loses, and why some rows are anonymised rather than deleted, is in
//!   `byname_store::Privacy`). What stays is a tombstone of each record's source and id and of
//!   each NHS number, as a keyed one-way hash (SHA-256 over a secret salt kept in `settings`,
//!   `erasure_salt`), so that the next import of the same export skips them instead of bringing
//!   the person back.
//! - **Restriction** (`byname restrict PERSON --reason TEXT`, lifted with `--lift`): the data are
//!   kept but used for nothing: not on the list, no page, not in the statistics, not linked, not in
//!   `persons export`. Only the audit log and a subject access export still see the person.
//! - **Retention** (`byname retention [--dry-run]`): the people not seen for `retention_months`
//!   (72 by default) are erased as above. Restricted people are left alone: a restriction is often
//!   asked for while a claim is settled, and erasing the data would defeat it.

use byname_pipeline::tombstones::{digest, salt};
use byname_store::{AuditEntry, ErasureCounts, LastSeen, Restricted, Store, StoreError};
use time::{Date, OffsetDateTime};

/// The setting that holds the retention period in months.
pub const RETENTION_SETTING: &str = "retention_months";
/// Six years: a common retention period for case records (the limitation period for most
/// claims), unless the partnership sets another.
pub const RETENTION_MONTHS: i64 = 72;
/// The periods the partnership may set, in months.
pub const RETENTION_RANGE: std::ops::RangeInclusive<i64> = 1..=1200;

#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no person {0}: nothing was changed")]
    NotFound(i64),
    #[error("a reason is required (it is kept in the audit log; do not name the person in it)")]
    NoReason,
    #[error("person {0} is restricted already")]
    AlreadyRestricted(i64),
    #[error("person {0} is not restricted: nothing was changed")]
    NotRestricted(i64),
    #[error("the retention period is from 1 to 1200 months, not {0}")]
    Months(i64),
}

fn reason_text(reason: &str) -> Result<&str, PrivacyError> {
    let reason = reason.trim();
    if reason.is_empty() { Err(PrivacyError::NoReason) } else { Ok(reason) }
}

fn entry(action: &str, person_id: i64, purpose: &str, detail: String, now: OffsetDateTime) -> AuditEntry {
    AuditEntry {
        at: byname_store::sql_instant(now),
        user_id: None,
        organisation_id: None,
        action: action.to_owned(),
        person_id: Some(person_id),
        purpose: Some(purpose.to_owned()),
        basis: Some("legal_obligation".to_owned()),
        detail: Some(detail),
        persons: Vec::new(),
    }
}

/// Erases a person: everything byname holds on them, in one transaction, audited as
/// `erase_person` with the reason and the rows removed (never their content).
pub async fn erase<S: Store>(
    store: &S,
    person_id: i64,
    reason: &str,
    now: OffsetDateTime,
) -> Result<ErasureCounts, PrivacyError> {
    let reason = reason_text(reason)?;
    let salt = salt(store).await?;
    let counts = store
        .erase_person(
            person_id,
            |kind, value| digest(&salt, kind, value),
            |counts| {
                entry(
                    "erase_person",
                    person_id,
                    "erasure",
                    format!("reason: {reason}; removed: {}", counts.summary()),
                    now,
                )
            },
        )
        .await?;
    counts.ok_or(PrivacyError::NotFound(person_id))
}

/// Restricts a person; returns how many records the restriction covers.
pub async fn restrict<S: Store>(
    store: &S,
    person_id: i64,
    reason: &str,
    now: OffsetDateTime,
) -> Result<u64, PrivacyError> {
    let reason = reason_text(reason)?;
    let audit = entry("restrict_person", person_id, "restriction", format!("reason: {reason}"), now);
    match store.restrict_person(person_id, reason, &audit).await? {
        Restricted::Done(records) => Ok(records),
        Restricted::NotFound => Err(PrivacyError::NotFound(person_id)),
        Restricted::Already => Err(PrivacyError::AlreadyRestricted(person_id)),
    }
}

/// Lifts a restriction; returns how many records it covered. The person is linked again by the
/// next `byname link`.
pub async fn lift<S: Store>(store: &S, person_id: i64, now: OffsetDateTime) -> Result<u64, PrivacyError> {
    let audit = entry("lift_restriction", person_id, "restriction", "restriction lifted".to_owned(), now);
    store.lift_restriction(person_id, &audit).await?.ok_or(PrivacyError::NotRestricted(person_id))
}

/// The retention period in months: the stored setting, or [`RETENTION_MONTHS`].
pub async fn retention_months<S: Store>(store: &S) -> Result<i64, StoreError> {
    let stored = store.setting_or_insert(RETENTION_SETTING, &RETENTION_MONTHS.to_string()).await?;
    Ok(stored.parse::<i64>().ok().filter(|m| RETENTION_RANGE.contains(m)).unwrap_or(RETENTION_MONTHS))
}

pub async fn set_retention_months<S: Store>(store: &S, months: i64) -> Result<(), PrivacyError> {
    if !RETENTION_RANGE.contains(&months) {
        return Err(PrivacyError::Months(months));
    }
    Ok(store.set_setting(RETENTION_SETTING, &months.to_string()).await?)
}

/// The day `months` months before `day` (the last day of the month when it is shorter).
pub fn months_before(day: Date, months: i64) -> Date {
    let index = i64::from(day.year()) * 12 + i64::from(u8::from(day.month())) - 1 - months;
    let year = index.div_euclid(12) as i32;
    let month = time::Month::try_from((index.rem_euclid(12) + 1) as u8).expect("a month from 1 to 12");
    let last = time::util::days_in_month(month, year);
    Date::from_calendar_date(year, month, day.day().min(last)).expect("a day within the month")
}

/// Who retention would erase today.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RetentionPlan {
    pub months: i64,
    /// People last seen before this day are erased.
    pub cutoff: String,
    /// Oldest first.
    pub people: Vec<LastSeen>,
    /// Restricted people, whom retention leaves alone.
    pub restricted: usize,
}

pub async fn retention_plan<S: Store>(store: &S, today: Date) -> Result<RetentionPlan, StoreError> {
    let months = retention_months(store).await?;
    let cutoff = byname_domain::date::iso(months_before(today, months));
    let mut people: Vec<LastSeen> =
        store.last_seen(today).await?.into_iter().filter(|p| p.last_seen.as_str() < cutoff.as_str()).collect();
    people.sort_by(|a, b| a.last_seen.cmp(&b.last_seen).then(a.person_id.cmp(&b.person_id)));
    let restricted = store.restrictions().await?.len();
    Ok(RetentionPlan { months, cutoff, people, restricted })
}

/// Erases everyone in the plan, each as `erase` does, with the reason "retention: not seen since
/// DATE". Returns how many were erased (someone erased meanwhile is passed over).
pub async fn apply_retention<S: Store>(
    store: &S,
    plan: &RetentionPlan,
    now: OffsetDateTime,
) -> Result<usize, PrivacyError> {
    let mut erased = 0;
    for person in &plan.people {
        let reason = format!("retention: not seen since {}", person.last_seen);
        match erase(store, person.person_id, &reason, now).await {
            Ok(_) => erased += 1,
            Err(PrivacyError::NotFound(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(erased)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_before_keeps_the_day_or_takes_the_months_last() {
        assert_eq!(months_before(date!(2024 - 07 - 01), 72), date!(2018 - 07 - 01));
        assert_eq!(months_before(date!(2024 - 03 - 31), 1), date!(2024 - 02 - 29));
        assert_eq!(months_before(date!(2024 - 01 - 15), 13), date!(2022 - 12 - 15));
    }
}
