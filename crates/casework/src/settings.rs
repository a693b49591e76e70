//! The partnership's settings page as one use case: the by-name list's window, each service
//! area's escalation deadline and the days after which an import is called old, read together
//! for administrators and saved together, every value checked before any is saved. The settings
//! themselves live with what they govern (`by_name_list`, `escalations`, `data_status`).

use crate::accounts::{Actor, SessionUser};
use crate::by_name_list::{check_window, set_window_as, window_days};
use crate::casework::CaseError;
use crate::data_status::{check_stale_after, set_stale_after_as, stale_after_days};
use crate::escalations::{check_deadline, deadline_settings, set_deadline_as};
use byname_domain::escalation::DeadlineSettings;
use byname_store::{Store, StoreError};
use time::OffsetDateTime;

/// What the settings page shows.
#[derive(Debug)]
pub struct Settings {
    pub deadlines: DeadlineSettings,
    pub window_days: i64,
    /// The list warns when a source was last imported more than this many days ago.
    pub stale_import_days: i64,
}

/// The settings, for those who manage accounts; `None` for anyone else.
pub async fn settings<S: Store>(store: &S, user: &SessionUser) -> Result<Option<Settings>, StoreError> {
    if !byname_domain::access::can_manage_users(user.role) {
        return Ok(None);
    }
    Ok(Some(Settings {
        deadlines: deadline_settings(store).await?,
        window_days: window_days(store).await?,
        stale_import_days: stale_after_days(store).await?,
    }))
}

/// Saves the list's window, the deadlines (`default` and each service area's, in working days)
/// and, when given, the days after which an import is old: every value is checked before any is
/// saved, and each is saved with its own audit entry.
pub async fn save_as<S: Store>(
    store: &S,
    actor: Actor<'_>,
    window_days: i64,
    deadlines: &[(&str, i64)],
    stale_import_days: Option<i64>,
    now: OffsetDateTime,
) -> Result<(), CaseError> {
    check_window(window_days)?;
    if let Some(days) = stale_import_days {
        check_stale_after(days)?;
    }
    let checked = deadlines
        .iter()
        .map(|(area, days)| check_deadline(area, *days).map(|d| (*area, d)))
        .collect::<Result<Vec<_>, _>>()?;
    set_window_as(store, actor, window_days, now).await?;
    for (area, days) in checked {
        set_deadline_as(store, actor, area, days, now).await?;
    }
    if let Some(days) = stale_import_days {
        set_stale_after_as(store, actor, days, now).await?;
    }
    Ok(())
}
