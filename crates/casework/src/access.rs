//! Every read of a person goes through here: the facts the access rules need are read from the
//! store, [`byname_domain::access::decide`] says what the user may see, and the view is written
//! to the hash-chained audit log with its purpose and basis, in one batch per page. Nothing in
//! the web layer or the API reads a person any other way.

use crate::user::SessionUser;
use byname_domain::access::{Basis, Consent, Decision, PersonFacts, PersonView, Purpose, Viewer, decide};
use byname_store::{AccessFacts, AuditEntry, ConsentRow, Store, StoreError};
use std::collections::HashMap;
use time::{Date, OffsetDateTime};

/// The consents of a stored person, as the access rules read them.
pub fn consents(rows: &[ConsentRow]) -> Vec<Consent> {
    rows.iter()
        // Recorded under break-glass and not confirmed: no access by itself.
        .filter(|c| !c.awaiting_confirmation)
        .filter_map(|c| {
            Some(Consent {
                // A purpose this version does not know gives no access.
                purpose: c.purpose.known()?,
                organisations: (!c.all_partners).then(|| c.organisations.clone()),
                given_on: c.given_on,
                expires_on: c.expires_on,
                withdrawn_on: c.withdrawn_on,
            })
        })
        .collect()
}

fn facts(f: &AccessFacts, organisation: i64) -> PersonFacts {
    PersonFacts {
        working_organisations: if f.works_with { vec![organisation] } else { Vec::new() },
        consents: consents(&f.consents),
        break_glass: f.break_glass,
    }
}

/// What `user` may see of each person, without writing anything.
pub async fn decisions<S: Store>(
    store: &S,
    user: &SessionUser,
    person_ids: &[i64],
    today: Date,
    now: OffsetDateTime,
) -> Result<HashMap<i64, (Decision, AccessFacts)>, StoreError> {
    let viewer = Viewer { role: user.role, organisation: user.organisation_id };
    let all = store.access_facts(person_ids, user.organisation_id, user.id, now).await?;
    Ok(all
        .into_iter()
        .map(|f| {
            let decision = decide(viewer, &facts(&f, user.organisation_id), today);
            (f.person_id, (decision, f))
        })
        .collect())
}

/// What `user` may see of one person.
pub async fn decision<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    today: Date,
    now: OffsetDateTime,
) -> Result<(Decision, AccessFacts), StoreError> {
    let mut all = decisions(store, user, &[person_id], today, now).await?;
    Ok(all.remove(&person_id).expect("one decision per person asked for"))
}

/// One audit entry for something `user` did or saw.
pub fn entry(
    user: &SessionUser,
    action: &str,
    person_id: Option<i64>,
    purpose: &str,
    basis: Option<Basis>,
    detail: impl Into<String>,
    now: OffsetDateTime,
) -> AuditEntry {
    AuditEntry {
        at: byname_store::sql_instant(now),
        user_id: Some(user.id),
        organisation_id: Some(user.organisation_id),
        action: action.to_owned(),
        person_id,
        purpose: Some(purpose.to_owned()),
        basis: basis.map(|b| b.code().to_owned()),
        detail: Some(detail.into()),
        persons: Vec::new(),
    }
}

/// The audit entry of a view of a person, saying what was shown and why.
pub fn view_entry(
    user: &SessionUser,
    action: &str,
    person_id: i64,
    decision: Decision,
    now: OffsetDateTime,
) -> AuditEntry {
    entry(user, action, Some(person_id), purpose_of(decision), Some(decision.basis), decision.view.code(), now)
}

/// The purpose a view served.
fn purpose_of(decision: Decision) -> &'static str {
    match (decision.view, decision.basis) {
        (_, Basis::BreakGlass) => "vital_interests",
        (PersonView::Health, _) => Purpose::HealthCare.code(),
        (PersonView::Pseudonymised, _) => Purpose::ResearchStatistics.code(),
        _ => Purpose::CaseCoordination.code(),
    }
}
