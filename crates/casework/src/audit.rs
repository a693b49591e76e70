//! The audit log's guarantees and uses: `byname audit verify` walks the hash chain and names the
//! first row that does not match; searches are for administrators and data-protection leads;
//! `byname sar PERSON` exports everything held on a person (a subject access request), which is
//! itself audited.

use crate::accounts::SessionUser;
use byname_domain::Role;
use byname_store::{
    ActionRow, AuditEntry, AuditQuery, AuditRow, ConsentRow, PersonData, PersonLead, RecordDetail, RestrictionRow,
    Store, StoreError, TimelineEvent, audit_content,
};
use time::OffsetDateTime;

/// What a walk of the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Rows checked in the chain.
    pub checked: u64,
    /// Kept for the report's wording: the chain is keyed from its first row, so this is 0.
    pub before_chain: u64,
    /// The first row that does not match its content and the row before it, or that is missing.
    pub broken_at: Option<i64>,
    /// What is wrong, in words.
    pub problem: Option<String>,
}

impl Verification {
    pub fn report(&self) -> String {
        match (&self.problem, self.broken_at) {
            (None, _) => {
                format!("audit log intact: {} entries in the hash chain, keyed with the secret key", self.checked)
            }
            (Some(problem), _) => format!("audit log TAMPERED: {problem}; {} entries before it verified", self.checked),
        }
    }

    fn broken(&mut self, id: i64, problem: String) -> Self {
        self.broken_at = Some(id);
        self.problem = Some(problem);
        self.clone()
    }
}

/// Walks the whole chain, a page at a time. Each row's hash is an HMAC with the key kept outside
/// the database over its content and the previous row's hash, so an edit, a blanked hash, a
/// removed row or a log re-chained without the key shows; ids run from 1 without a gap; and the
/// head recorded beside the key must still be there, so removing the newest entries shows too.
pub async fn verify<S: Store>(store: &S) -> Result<Verification, StoreError> {
    let mut result = Verification { checked: 0, before_chain: 0, broken_at: None, problem: None };
    let secrets = store.secrets();
    let checkpoint = secrets.checkpoint()?;
    let mut previous = String::new();
    let mut expected_id = 1;
    loop {
        let rows = store.audit_rows(expected_id - 1, 5000).await?;
        let Some(last) = rows.last() else { break };
        let last_id = last.id;
        for row in &rows {
            if row.id != expected_id {
                return Ok(
                    result.broken(expected_id, format!("entry {expected_id} is missing (the next is {})", row.id))
                );
            }
            let Some(hash) = &row.hash else {
                return Ok(result.broken(row.id, format!("entry {} has no hash", row.id)));
            };
            if *hash != secrets.audit_mac(&audit_content(&previous, row.id, &row.entry)) {
                return Ok(result.broken(
                    row.id,
                    format!("entry {} does not match its hash (changed, or an entry before it was changed)", row.id),
                ));
            }
            if let Some((head, head_hash)) = &checkpoint
                && *head == row.id
                && head_hash != hash
            {
                return Ok(result.broken(row.id, format!("entry {} is not the one recorded beside the key", row.id)));
            }
            result.checked += 1;
            previous = hash.clone();
            expected_id += 1;
        }
        if last_id < expected_id - 1 {
            break;
        }
    }
    if let Some((head, _)) = checkpoint
        && head >= expected_id
    {
        return Ok(result.broken(
            expected_id,
            format!(
                "the newest entries are missing: the log ends at entry {}, but entry {head} was written (recorded beside the key)",
                expected_id - 1
            ),
        ));
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

/// Everything byname holds on a person, as [`subject_access`] reads it.
#[derive(Debug)]
pub struct SubjectAccess {
    pub person_id: i64,
    pub exported_at: String,
    pub records: Vec<RecordDetail>,
    pub needs: Vec<String>,
    pub timeline: Vec<TimelineEvent>,
    pub consents: Vec<ConsentRow>,
    pub lead: PersonLead,
    pub actions: Vec<ActionRow>,
    pub restriction: Option<RestrictionRow>,
    /// Every audit entry about the person.
    pub access_log: Vec<AuditRow>,
    /// Every row of every table that holds data on the person (`byname_store::PERSON_TABLES`).
    pub tables: PersonData,
}

/// Everything byname holds on a person, which `crate::render::subject_access_json` writes as
/// JSON. The first fields (records, needs, timeline, consents, lead, actions, access log) are the
/// person as byname shows them; `tables` holds every row of every table that holds data on the
/// person, every column, as the store declares them
/// (`byname_store::PERSON_TABLES`). Run by an operator for a subject access request; the export
/// itself is audited. A restricted person is exported too (the right of access outlasts a
/// restriction), with the restriction; an erased one is not held at all.
pub async fn subject_access<S: Store>(
    store: &S,
    person_id: i64,
    now: OffsetDateTime,
) -> Result<Option<SubjectAccess>, StoreError> {
    if !store.person_held(person_id).await? {
        return Ok(None);
    }
    let records = store.person_records(person_id).await?;
    let views =
        store.search_audit(&AuditQuery { person_id: Some(person_id), limit: 100_000, ..AuditQuery::default() }).await?;
    let export = SubjectAccess {
        person_id,
        exported_at: byname_store::sql_instant(now),
        records,
        needs: store.person_needs(person_id).await?,
        timeline: store.timeline(person_id).await?.into_iter().map(crate::casework::timeline_event).collect(),
        consents: store.consents(person_id).await?,
        lead: store.person_lead(person_id).await?,
        actions: store.actions(person_id).await?,
        restriction: store.restriction(person_id).await?,
        access_log: views,
        tables: store.person_data(person_id).await?,
    };
    store
        .append_audit(&AuditEntry {
            at: byname_store::sql_instant(now),
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
    Ok(Some(export))
}

/// The audit page: a search of the log and the break-glass openings, within what the user may
/// see.
#[derive(Debug)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub openings: Vec<byname_store::BreakGlassRow>,
    /// The organisation the page is limited to; `None` for an administrator's, which has everything.
    pub scope: Option<i64>,
}

/// The audit page for administrators (everything) and data-protection leads (their
/// organisation's); `None` for anyone else.
pub async fn audit_page<S: Store>(
    store: &S,
    user: &SessionUser,
    query: AuditQuery,
) -> Result<Option<AuditPage>, StoreError> {
    let Some(rows) = search(store, user, query).await? else { return Ok(None) };
    let scope = if user.role == Role::Admin { None } else { Some(user.organisation_id) };
    let openings = store.break_glass_openings(scope, 50).await?;
    Ok(Some(AuditPage { rows, openings, scope }))
}
