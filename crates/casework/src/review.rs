//! People correcting the linkage: the clerical review queue (pairs the model
//! is unsure of), accept or reject, manual merge and split of persons, and
//! undo of any of these. Every decision is stored for good: a pair decided to
//! be different people is never linked again automatically, and the next full
//! run learns from the pairs decided to be the same person. Every view of
//! records here and every decision is written to the audit log.

use crate::accounts::{SessionUser, random_token};
use byname_domain::access::{PersonView, can_review_links};
use byname_pipeline::link::{LinkError, LinkMode, LinkOutcome, LinkSettings, link};
use byname_store::{AuditEntry, Decision, LinkPair, NewDecision, PairScope, RecordDetail, Store, StoreError};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

/// Longest reason kept with a decision.
pub const MAX_REASON: usize = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("your role may not review or change how records are linked")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    /// Refused by the access rules, with why.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Link(#[from] LinkError),
}

impl From<StoreError> for Box<ReviewError> {
    fn from(error: StoreError) -> Self {
        Box::new(ReviewError::Store(error))
    }
}

/// One comparison's part of a pair's score, as the explanation stores it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct TermView {
    pub comparison: String,
    pub level: String,
    pub left: String,
    pub right: String,
    pub m: f64,
    pub u: f64,
    pub weight: f64,
    pub term_frequency_adjustment: f64,
}

/// Why a pair scores as it does: the prior, each comparison, the total (a waterfall).
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ExplanationView {
    pub prior: f64,
    pub prior_weight: f64,
    pub terms: Vec<TermView>,
    pub weight: f64,
    pub probability: f64,
}

impl ExplanationView {
    pub fn parse(json: &str) -> Option<Self> {
        serde_json::from_str(json).ok()
    }
}

#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub left: RecordDetail,
    pub right: RecordDetail,
    pub probability: f64,
}

#[derive(Debug, Clone)]
pub struct Queue {
    pub entries: Vec<QueueEntry>,
    pub total: usize,
    pub auto_threshold: f64,
    pub review_threshold: f64,
}

#[derive(Debug, Clone)]
pub struct PairView {
    pub left: RecordDetail,
    pub right: RecordDetail,
    pub pair: LinkPair,
    pub explanation: Option<ExplanationView>,
    /// The live decision on this pair, if any.
    pub decision: Option<Decision>,
    /// The next pair in the queue after this one.
    pub next: Option<(i64, i64)>,
}

fn require_reviewer(user: &SessionUser) -> Result<(), ReviewError> {
    if can_review_links(user.role) { Ok(()) } else { Err(ReviewError::Forbidden) }
}

/// The pairs and records a reviewer's work reaches: those of the review queue and of the
/// reviewer's own decisions (see `domain::access::sees_linkage_identities`).
struct ReviewScope {
    pairs: HashSet<(i64, i64)>,
    records: HashSet<i64>,
}

impl ReviewScope {
    async fn of<S: Store>(store: &S, user: &SessionUser) -> Result<Self, StoreError> {
        let mut pairs: HashSet<(i64, i64)> = store.review_queue().await?.into_iter().map(|(l, r, _)| (l, r)).collect();
        pairs.extend(
            store
                .link_decisions()
                .await?
                .into_iter()
                .filter(|d| d.decided_by_id == Some(user.id))
                .map(|d| (d.left_record_id, d.right_record_id)),
        );
        let records = pairs.iter().flat_map(|&(l, r)| [l, r]).collect();
        Ok(Self { pairs, records })
    }

    fn has_pair(&self, left: i64, right: i64) -> bool {
        self.pairs.contains(&(left.min(right), left.max(right)))
    }
}

/// What `user` sees of a person, and whether their identities are in the reach of the review
/// work; `None` when the person does not exist.
async fn linkage_access<S: Store>(
    store: &S,
    user: &SessionUser,
    scope: &ReviewScope,
    person_id: i64,
    now: OffsetDateTime,
) -> Result<Option<(PersonView, bool, Vec<RecordDetail>)>, ReviewError> {
    let records = store.person_records(person_id).await?;
    if records.is_empty() {
        return Ok(None);
    }
    let (decision, _) = crate::access::decision(store, user, person_id, now.date(), now).await?;
    let in_review = records.iter().any(|r| scope.records.contains(&r.record_id));
    Ok(Some((decision.view, in_review, records)))
}

/// Whether `user` may see this pair's records: a pair of the queue or of their own decisions,
/// or two records whose persons' full records they see.
async fn may_see_pair<S: Store>(
    store: &S,
    user: &SessionUser,
    scope: &ReviewScope,
    records: &[RecordDetail],
    now: OffsetDateTime,
) -> Result<bool, ReviewError> {
    if let [left, right] = records
        && scope.has_pair(left.record_id, right.record_id)
    {
        return Ok(true);
    }
    for person in records.iter().filter_map(|r| r.person_id) {
        let (decision, _) = crate::access::decision(store, user, person, now.date(), now).await?;
        if decision.view != PersonView::Full {
            return Ok(false);
        }
    }
    Ok(records.iter().all(|r| r.person_id.is_some()))
}

async fn audit<S: Store>(
    store: &S,
    user: &SessionUser,
    action: &str,
    person_id: Option<i64>,
    detail: String,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    store.append_audit(&crate::access::entry(user, action, person_id, "linkage_review", None, detail, now)).await
}

/// The pairs waiting for a decision, most likely first, as `(left, right, probability)`.
async fn waiting<S: Store>(store: &S) -> Result<(Vec<(i64, i64, f64)>, f64, f64), StoreError> {
    let Some(run) = store.last_link_run().await? else { return Ok((Vec::new(), 0.95, 0.5)) };
    Ok((store.review_queue().await?, run.auto_threshold, run.review_threshold))
}

/// One page of the review queue. The records shown are audited.
pub async fn queue<S: Store>(
    store: &S,
    user: &SessionUser,
    limit: usize,
    now: OffsetDateTime,
) -> Result<Queue, ReviewError> {
    require_reviewer(user)?;
    let (waiting, auto_threshold, review_threshold) = waiting(store).await?;
    let shown = &waiting[..waiting.len().min(limit)];
    let ids: Vec<i64> = shown.iter().flat_map(|p| [p.0, p.1]).collect();
    let records: HashMap<i64, RecordDetail> =
        store.records(&ids).await?.into_iter().map(|r| (r.record_id, r)).collect();
    let mut entries = Vec::new();
    let mut persons_shown = HashSet::new();
    for &(left, right, probability) in shown {
        let (Some(l), Some(r)) = (records.get(&left), records.get(&right)) else { continue };
        persons_shown.extend([l.person_id, r.person_id].into_iter().flatten());
        entries.push(QueueEntry { left: l.clone(), right: r.clone(), probability });
    }
    let mut persons_shown: Vec<i64> = persons_shown.into_iter().collect();
    persons_shown.sort_unstable();
    for person in persons_shown {
        audit(store, user, "view_review_queue", Some(person), "records in the review queue".into(), now).await?;
    }
    Ok(Queue { entries, total: waiting.len(), auto_threshold, review_threshold })
}

/// One pair with its explanation and the two records side by side.
/// Whether any of the records belongs to a restricted person, whom linkage review leaves alone
/// like everything else (see `privacy`): the same "not found" as a person who does not exist.
async fn any_restricted<S: Store>(store: &S, records: &[RecordDetail]) -> Result<bool, StoreError> {
    let restricted = store.restrictions().await?;
    Ok(records.iter().any(|r| restricted.iter().any(|x| Some(x.person_id) == r.person_id)))
}

pub async fn pair<S: Store>(
    store: &S,
    user: &SessionUser,
    left: i64,
    right: i64,
    now: OffsetDateTime,
) -> Result<PairView, ReviewError> {
    require_reviewer(user)?;
    let (left, right) = (left.min(right), left.max(right));
    let pair = store.link_pair(left, right).await?.ok_or(ReviewError::NotFound)?;
    let mut records = store.records(&[left, right]).await?;
    if records.len() != 2 || any_restricted(store, &records).await? {
        return Err(ReviewError::NotFound);
    }
    let scope = ReviewScope::of(store, user).await?;
    if !may_see_pair(store, user, &scope, &records, now).await? {
        return Err(ReviewError::NotFound);
    }
    let right_record = records.pop().expect("two records");
    let left_record = records.pop().expect("two records");
    let decision = store
        .link_decisions()
        .await?
        .into_iter()
        .rev()
        .find(|d| d.undone_at.is_none() && (d.left_record_id, d.right_record_id) == (left, right));
    let (waiting, _, _) = waiting(store).await?;
    let next = waiting.iter().map(|p| (p.0, p.1)).find(|&p| p != (left, right));
    for person in [left_record.person_id, right_record.person_id].into_iter().flatten() {
        audit(store, user, "view_link_pair", Some(person), format!("records {left} and {right}"), now).await?;
    }
    Ok(PairView {
        explanation: ExplanationView::parse(&pair.explanation),
        left: left_record,
        right: right_record,
        pair,
        decision,
        next,
    })
}

fn clean_reason(reason: &str, required: bool) -> Result<String, ReviewError> {
    let reason = reason.trim();
    if required && reason.is_empty() {
        return Err(ReviewError::Invalid("give a reason: it is kept with the decision and shown in the audit".into()));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(ReviewError::Invalid(format!("the reason is longer than {MAX_REASON} characters")));
    }
    Ok(reason.to_owned())
}

async fn relink<S: Store>(store: &S, now: OffsetDateTime) -> Result<LinkOutcome, ReviewError> {
    let settings = match store.last_link_run().await? {
        Some(run) => LinkSettings {
            auto_threshold: run.auto_threshold,
            review_threshold: run.review_threshold,
            mode: LinkMode::DecisionsOnly,
            ..LinkSettings::default()
        },
        None => LinkSettings::default(),
    };
    Ok(link(store, &settings, now).await?)
}

async fn record_and_relink<S: Store>(
    store: &S,
    user: &SessionUser,
    decisions: Vec<NewDecision>,
    action: &str,
    persons: &[i64],
    detail: String,
    now: OffsetDateTime,
) -> Result<String, ReviewError> {
    let batch = decisions.first().map(|d| d.batch.clone()).unwrap_or_default();
    store.add_decisions(&decisions).await?;
    for &person in persons {
        audit(store, user, action, Some(person), format!("{detail} (batch {batch})"), now).await?;
    }
    relink(store, now).await?;
    Ok(batch)
}

fn new_batch() -> String {
    random_token(8)
}

/// A reviewer's verdict on a pair: the same person, or different people.
pub async fn decide<S: Store>(
    store: &S,
    user: &SessionUser,
    left: i64,
    right: i64,
    same_person: bool,
    reason: &str,
    now: OffsetDateTime,
) -> Result<String, ReviewError> {
    require_reviewer(user)?;
    let reason = clean_reason(reason, false)?;
    let records = store.records(&[left, right]).await?;
    if records.len() != 2 || left == right || any_restricted(store, &records).await? {
        return Err(ReviewError::NotFound);
    }
    let scope = ReviewScope::of(store, user).await?;
    if !may_see_pair(store, user, &scope, &records, now).await? {
        return Err(ReviewError::NotFound);
    }
    let decision = NewDecision {
        batch: new_batch(),
        left_record_id: left.min(right),
        right_record_id: left.max(right),
        same_person,
        origin: "review".into(),
        reason,
        decided_by: Some(user.id),
        decided_at: now,
    };
    let persons: Vec<i64> = records.iter().filter_map(|r| r.person_id).collect();
    let verdict = if same_person { "same person" } else { "different people" };
    record_and_relink(
        store,
        user,
        vec![decision],
        "link_review",
        &persons,
        format!("{verdict}: records {left} and {right}"),
        now,
    )
    .await
}

/// Makes two persons one, with a reason.
pub async fn merge<S: Store>(
    store: &S,
    user: &SessionUser,
    person: i64,
    other: i64,
    reason: &str,
    now: OffsetDateTime,
) -> Result<String, ReviewError> {
    require_reviewer(user)?;
    let reason = clean_reason(reason, true)?;
    if person == other {
        return Err(ReviewError::Invalid("a person cannot be merged with itself".into()));
    }
    let scope = ReviewScope::of(store, user).await?;
    let (Some((view_a, review_a, a)), Some((view_b, review_b, b))) = (
        linkage_access(store, user, &scope, person, now).await?,
        linkage_access(store, user, &scope, other, now).await?,
    ) else {
        return Err(ReviewError::NotFound);
    };
    if any_restricted(store, &[a.clone(), b.clone()].concat()).await? {
        return Err(ReviewError::NotFound);
    }
    let role = user.role;
    if !byname_domain::access::sees_linkage_identities(role, view_a, review_a)
        || !byname_domain::access::sees_linkage_identities(role, view_b, review_b)
    {
        return Err(ReviewError::NotFound);
    }
    let theirs: HashSet<i64> = b.iter().map(|r| r.record_id).collect();
    let scored = store
        .link_pairs(&PairScope::Touching(a.iter().map(|r| r.record_id).collect()))
        .await?
        .iter()
        .any(|p| theirs.contains(&p.left_record_id) || theirs.contains(&p.right_record_id));
    if !byname_domain::access::may_merge(role, [view_a, view_b], [review_a, review_b], scored) {
        return Err(ReviewError::Refused(
            "these two were never scored as a likely match, and you do not see both records in full: \
             merge from the review queue, or ask an organisation that works with both"
                .into(),
        ));
    }
    let (Some(first_a), Some(first_b)) = (a.first(), b.first()) else {
        return Err(ReviewError::NotFound);
    };
    let decision = NewDecision {
        batch: new_batch(),
        left_record_id: first_a.record_id.min(first_b.record_id),
        right_record_id: first_a.record_id.max(first_b.record_id),
        same_person: true,
        origin: "merge".into(),
        reason,
        decided_by: Some(user.id),
        decided_at: now,
    };
    record_and_relink(
        store,
        user,
        vec![decision],
        "merge_persons",
        &[person, other],
        format!("merged {person} and {other}"),
        now,
    )
    .await
}

/// Takes one source record out of its person, with a reason: it is decided to be a
/// different person from every other record there.
pub async fn split<S: Store>(
    store: &S,
    user: &SessionUser,
    record: i64,
    reason: &str,
    now: OffsetDateTime,
) -> Result<String, ReviewError> {
    require_reviewer(user)?;
    let reason = clean_reason(reason, true)?;
    let detail = store.records(&[record]).await?.pop().ok_or(ReviewError::NotFound)?;
    let person = detail.person_id.ok_or(ReviewError::NotFound)?;
    let scope = ReviewScope::of(store, user).await?;
    let Some((view, in_review, _)) = linkage_access(store, user, &scope, person, now).await? else {
        return Err(ReviewError::NotFound);
    };
    if !byname_domain::access::sees_linkage_identities(user.role, view, in_review)
        || any_restricted(store, std::slice::from_ref(&detail)).await?
    {
        return Err(ReviewError::NotFound);
    }
    let others: Vec<RecordDetail> =
        store.person_records(person).await?.into_iter().filter(|r| r.record_id != record).collect();
    if others.is_empty() {
        return Err(ReviewError::Invalid("this record is the person's only record: there is nothing to split".into()));
    }
    let batch = new_batch();
    let decisions = others
        .iter()
        .map(|other| NewDecision {
            batch: batch.clone(),
            left_record_id: record.min(other.record_id),
            right_record_id: record.max(other.record_id),
            same_person: false,
            origin: "split".into(),
            reason: reason.clone(),
            decided_by: Some(user.id),
            decided_at: now,
        })
        .collect();
    record_and_relink(
        store,
        user,
        decisions,
        "split_person",
        &[person],
        format!("took record {record} out of {person}"),
        now,
    )
    .await
}

/// Undoes a decision, a merge or a split (all decisions of its batch).
pub async fn undo<S: Store>(
    store: &S,
    user: &SessionUser,
    batch: &str,
    now: OffsetDateTime,
) -> Result<(), ReviewError> {
    require_reviewer(user)?;
    let decisions: Vec<Decision> = store.link_decisions().await?.into_iter().filter(|d| d.batch == batch).collect();
    if decisions.is_empty() {
        return Err(ReviewError::NotFound);
    }
    // A reviewer undoes their own decisions, or decisions on persons whose identities they see.
    if decisions.iter().any(|d| d.decided_by_id != Some(user.id)) {
        let scope = ReviewScope::of(store, user).await?;
        let ids: Vec<i64> = decisions.iter().flat_map(|d| [d.left_record_id, d.right_record_id]).collect();
        let mut persons: Vec<i64> = store.records(&ids).await?.into_iter().filter_map(|r| r.person_id).collect();
        persons.sort_unstable();
        persons.dedup();
        for person in persons {
            let visible = match linkage_access(store, user, &scope, person, now).await? {
                Some((view, in_review, _)) => {
                    byname_domain::access::sees_linkage_identities(user.role, view, in_review)
                }
                None => false,
            };
            if !visible {
                return Err(ReviewError::NotFound);
            }
        }
    }
    if store.undo_decisions(batch, user.id, now).await? == 0 {
        return Err(ReviewError::Invalid("this was undone already".into()));
    }
    let ids: Vec<i64> = decisions.iter().flat_map(|d| [d.left_record_id, d.right_record_id]).collect();
    let mut persons: Vec<i64> = store.records(&ids).await?.into_iter().filter_map(|r| r.person_id).collect();
    persons.sort_unstable();
    persons.dedup();
    for &person in &persons {
        audit(store, user, "undo_link_decision", Some(person), format!("undid batch {batch}"), now).await?;
    }
    relink(store, now).await?;
    Ok(())
}

/// A person's source records and why they were linked.
#[derive(Debug, Clone)]
pub struct PersonLinkage {
    pub person_id: i64,
    pub view: PersonView,
    /// Whether the user may see the records and change the linkage.
    pub can_review: bool,
    pub records: Vec<RecordDetail>,
    /// Scored pairs among the person's records, strongest first, with explanations.
    pub pairs: Vec<(LinkPair, Option<ExplanationView>)>,
    /// Decisions touching the person's records, newest first.
    pub decisions: Vec<Decision>,
}

/// What a person's page shows of how the person was put together. Records are shown to
/// those who see the full case record and to reviewers; everyone's view is audited.
pub async fn person_linkage<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    today: time::Date,
    now: OffsetDateTime,
) -> Result<PersonLinkage, ReviewError> {
    let scope = ReviewScope::of(store, user).await?;
    let Some((view, in_review, records)) = linkage_access(store, user, &scope, person_id, now).await? else {
        return Err(ReviewError::NotFound);
    };
    let _ = today;
    if any_restricted(store, &records).await? {
        return Err(ReviewError::NotFound);
    }
    let shows_records = byname_domain::access::sees_linkage_identities(user.role, view, in_review);
    // Nothing of the person to show (the Strategic Group, administrators; an analyst outside
    // the review work): the same answer as for a person who does not exist.
    if matches!(view, PersonView::None | PersonView::Pseudonymised) && !shows_records {
        return Err(ReviewError::NotFound);
    }
    let can_review = can_review_links(user.role) && shows_records;
    let ids: Vec<i64> = records.iter().map(|r| r.record_id).collect();
    let members: HashSet<i64> = ids.iter().copied().collect();
    let mut pairs: Vec<(LinkPair, Option<ExplanationView>)> = if shows_records {
        store
            .link_pairs(&PairScope::Touching(ids.clone()))
            .await?
            .into_iter()
            .filter(|p| members.contains(&p.left_record_id) && members.contains(&p.right_record_id))
            .map(|p| {
                let explanation = ExplanationView::parse(&p.explanation);
                (p, explanation)
            })
            .collect()
    } else {
        Vec::new()
    };
    pairs.sort_by(|a, b| b.0.weight.total_cmp(&a.0.weight));
    let mut decisions: Vec<Decision> = if shows_records {
        store
            .link_decisions()
            .await?
            .into_iter()
            .filter(|d| members.contains(&d.left_record_id) || members.contains(&d.right_record_id))
            .collect()
    } else {
        Vec::new()
    };
    decisions.reverse();
    audit(
        store,
        user,
        "view_person",
        Some(person_id),
        if shows_records { "source records and linkage".into() } else { "minimal entry".into() },
        now,
    )
    .await?;
    Ok(PersonLinkage {
        person_id,
        view,
        can_review,
        records: if shows_records { records } else { Vec::new() },
        pairs,
        decisions,
    })
}

/// Two records named `SOURCE:ID` and the stored explanation of their pair, as JSON.
#[derive(Debug, Clone)]
pub struct RecordsExplained {
    pub left: String,
    pub right: String,
    pub explanation: String,
}

/// A stored pair and its explanation, for the command line (`crate::render` writes it as a
/// waterfall in text or as JSON).
/// Records are named `SOURCE:ID`; the read is audited like any other (no user: the operator).
pub async fn explain_records<S: Store>(
    store: &S,
    left: &str,
    right: &str,
    now: OffsetDateTime,
) -> Result<RecordsExplained, ReviewError> {
    let inputs = store.link_inputs(false).await?;
    let find = |name: &str| -> Result<i64, ReviewError> {
        let (source, id) = name.split_once(':').ok_or_else(|| {
            ReviewError::Invalid(format!("{name:?}: write a record as SOURCE:ID, e.g. chain:C0001234"))
        })?;
        inputs
            .iter()
            .find(|r| r.source == source && r.source_id == id)
            .map(|r| r.record_id)
            .ok_or_else(|| ReviewError::Invalid(format!("no current record {name}")))
    };
    let (a, b) = (find(left)?, find(right)?);
    let pair = store.link_pair(a, b).await?.ok_or_else(|| {
        ReviewError::Invalid(format!(
            "{left} and {right} were not scored at or above the review threshold (or share no blocking key)"
        ))
    })?;
    for record in store.records(&[a, b]).await? {
        store
            .append_audit(&AuditEntry {
                at: byname_store::sql_instant(now),
                user_id: None,
                organisation_id: None,
                basis: None,
                action: "explain_link_pair".to_owned(),
                person_id: record.person_id,
                purpose: Some("linkage_review".to_owned()),
                detail: Some(format!("command line: {left} and {right}")),
                persons: Vec::new(),
            })
            .await?;
    }
    Ok(RecordsExplained { left: left.to_owned(), right: right.to_owned(), explanation: pair.explanation })
}
