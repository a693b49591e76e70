//! The audit log's guarantees and uses: `byname audit verify` walks the hash chain and names the
//! first row that does not match; searches are for administrators and data-protection leads;
//! `byname sar PERSON` exports everything held on a person (a subject access request), which is
//! itself audited.

use crate::accounts::SessionUser;
use byname_domain::Role;
use byname_store::{AuditEntry, AuditQuery, AuditRow, Store, StoreError, audit_hash};
use serde_json::{Value, json};

/// What a walk of the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Rows checked in the chain.
    pub checked: u64,
    /// Rows written before the chain began (no hash), all before the first hashed row.
    pub before_chain: u64,
    /// The first row whose hash does not match its content and the row before it.
    pub broken_at: Option<i64>,
}

impl Verification {
    pub fn report(&self) -> String {
        match self.broken_at {
            None => format!(
                "audit log intact: {} entries in the hash chain{}",
                self.checked,
                if self.before_chain > 0 {
                    format!(", {} earlier entries written before the chain began", self.before_chain)
                } else {
                    String::new()
                }
            ),
            Some(id) => format!(
                "audit log TAMPERED: entry {id} does not match its hash (changed, or an entry before it was removed or changed); {} entries before it verified",
                self.checked
            ),
        }
    }
}

/// Walks the whole chain, a page at a time.
pub async fn verify<S: Store>(store: &S) -> Result<Verification, StoreError> {
    let mut result = Verification { checked: 0, before_chain: 0, broken_at: None };
    let mut previous: Option<(i64, String)> = None;
    let mut after = 0;
    loop {
        let rows = store.audit_rows(after, 5000).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in &rows {
            match (&row.hash, &previous) {
                // Rows from before the chain began: only before any hashed row.
                (None, None) => result.before_chain += 1,
                (None, Some(_)) => {
                    result.broken_at = Some(row.id);
                    return Ok(result);
                }
                (Some(hash), _) => {
                    // Ids are consecutive within the chain: a removed row shows as a gap.
                    let (expected_id, prev_hash) = match &previous {
                        Some((id, h)) => (id + 1, h.as_str()),
                        None => (row.id, ""),
                    };
                    if row.id != expected_id || audit_hash(prev_hash, row.id, &row.entry) != *hash {
                        result.broken_at = Some(row.id);
                        return Ok(result);
                    }
                    result.checked += 1;
                    previous = Some((row.id, hash.clone()));
                }
            }
        }
    }
    Ok(result)
}

/// Who may search the audit log: administrators (all of it) and data-protection leads (their
/// organisation's).
pub fn search_scope(user: &SessionUser, data_protection_lead: bool) -> Option<Option<i64>> {
    if user.role == Role::Admin {
        Some(None)
    } else if data_protection_lead {
        Some(Some(user.organisation_id))
    } else {
        None
    }
}

/// A search of the audit log within what the user may search; `None` when they may not.
pub async fn search<S: Store>(
    store: &S,
    user: &SessionUser,
    mut query: AuditQuery,
) -> Result<Option<Vec<AuditRow>>, StoreError> {
    let lead = store.user_by_id(user.id).await?.is_some_and(|u| u.data_protection_lead);
    let Some(scope) = search_scope(user, lead) else { return Ok(None) };
    if scope.is_some() {
        query.organisation_id = scope;
    }
    query.limit = query.limit.clamp(1, 1000);
    Ok(Some(store.search_audit(&query).await?))
}

/// Everything byname holds on a person, as JSON: records, events, consents, lead, actions,
/// escalations and who looked at the record. Run by an operator for a subject access request;
/// the export itself is audited. A restricted person is exported too (the right of access
/// outlasts a restriction), with the restriction; an erased one is not held at all.
pub async fn subject_access<S: Store>(store: &S, person_id: i64, now: &str) -> Result<Option<Value>, StoreError> {
    if !store.person_held(person_id).await? {
        return Ok(None);
    }
    let records = store.person_records(person_id).await?;
    let views =
        store.search_audit(&AuditQuery { person_id: Some(person_id), limit: 100_000, ..AuditQuery::default() }).await?;
    let value = json!({
        "person_id": person_id,
        "exported_at": now,
        "records": records.iter().map(|r| json!({
            "source": r.source, "source_id": r.source_id, "first_name": r.first_name, "last_name": r.last_name,
            "known_as": r.known_as, "aliases": r.aliases, "date_of_birth": r.date_of_birth, "gender": r.gender,
            "nationality": r.nationality, "nhs_number": r.nhs_number, "linked_because": r.rule,
        })).collect::<Vec<_>>(),
        "needs": store.person_needs(person_id).await?,
        "timeline": store.timeline(person_id).await?,
        "consents": store.consents(person_id).await?,
        "lead": store.person_lead(person_id).await?,
        "actions": store.actions(person_id).await?,
        "restriction": store.restriction(person_id).await?,
        "access_log": views.iter().map(|r| json!({
            "at": r.entry.at, "user_id": r.entry.user_id, "organisation_id": r.entry.organisation_id,
            "action": r.entry.action, "purpose": r.entry.purpose, "basis": r.entry.basis,
        })).collect::<Vec<_>>(),
    });
    store
        .append_audit(&AuditEntry {
            at: now.to_owned(),
            user_id: None,
            organisation_id: None,
            action: "subject_access_export".to_owned(),
            person_id: Some(person_id),
            purpose: Some("subject_access".to_owned()),
            basis: Some("legal_obligation".to_owned()),
            detail: Some("command line".to_owned()),
            persons: Vec::new(),
        })
        .await?;
    Ok(Some(value))
}
