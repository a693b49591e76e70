//! Escalations of blockages, in-app notifications, the overdue step and the case conference
//! agenda.
//!
//! A worker who sees a person's full record raises what is blocked and what is needed to the
//! service leaders of one area. The leaders see the escalation's text and the person as the
//! access rules let them: the name when their organisation works with the person or holds
//! consent, the initials otherwise, and nothing of the person when the rules give them nothing
//! (Strategic Group members). Every view and change is audited; every change notifies the people
//! on the other side. The overdue step is [`step`]; the store runs it under a database lock so
//! several servers can call it at once.

use crate::access;
use crate::accounts::SessionUser;
use crate::casework::{CaseError, MAX_TEXT, optional_text, required_text};
use byname_domain::Role;
use byname_domain::access::{PersonView, can_record, can_see_agenda};
use byname_domain::date::{iso, parse_iso_date};
use byname_domain::escalation::{Action, DeadlineSettings, Level, State, transition};
use byname_domain::names::initials;
use byname_domain::org::service_area_label;
use byname_store::{
    Addressee, AppliedChange, EscalationEventRow, EscalationQuery, EscalationRow, NewEscalation, NotificationRow,
    Store, StoreError, UserRow, sql_instant,
};
use std::collections::{BTreeSet, HashMap};
use time::{Date, Duration, OffsetDateTime};

/// A consent expiring within this many days is on the agenda.
pub const CONSENT_EXPIRY_DAYS: i64 = 30;
/// Someone seen again after this many days unseen is a returner.
pub const RETURNER_GAP_DAYS: i64 = 365;
/// How far back the agenda looks for people seen bedded down.
const SEEN_WINDOW_DAYS: i64 = 90;

/// What a user fills in to raise a blockage.
#[derive(Debug, Clone, Default)]
pub struct RaiseForm {
    pub service_area: String,
    pub blocked: String,
    pub needed: String,
    /// `YYYY-MM-DD`, or empty.
    pub needed_by: String,
}

/// How the person an escalation is about is shown to this user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonLabel {
    pub person_id: i64,
    /// The name, the initials, or a sentence saying the person is not shown.
    pub text: String,
    /// Whether the user may open the person's page.
    pub linked: bool,
}

#[derive(Debug, Clone)]
pub struct EscalationItem {
    pub row: EscalationRow,
    pub person: PersonLabel,
    /// Still live past its deadline.
    pub overdue: bool,
}

/// One escalation as its page shows it, with what the user may do.
#[derive(Debug, Clone)]
pub struct EscalationPage {
    pub item: EscalationItem,
    pub events: Vec<EscalationEventRow>,
    pub may_acknowledge: bool,
    pub may_resolve: bool,
    pub may_decline: bool,
    pub may_comment: bool,
    /// The user is a service leader of the escalation's area.
    pub leader: bool,
    /// The user's organisation raised it.
    pub raiser_side: bool,
}

/// How a user stands to an escalation.
#[derive(Debug, Clone, Copy)]
struct Relation {
    /// The raiser's organisation.
    raiser_side: bool,
    /// A service leader of its area.
    leader: bool,
    /// A Strategic Group member, and it is on the Group's agenda.
    strategic: bool,
}

impl Relation {
    fn of(user: &SessionUser, profile: &UserRow, e: &EscalationRow) -> Self {
        Self {
            raiser_side: user.organisation_id == e.organisation_id,
            leader: user.role == Role::ServiceLeader && profile.service_area.as_deref() == Some(&e.service_area),
            strategic: user.role == Role::StrategicViewer && e.level == Level::StrategicGroup,
        }
    }

    fn sees(self) -> bool {
        self.raiser_side || self.leader || self.strategic
    }
}

fn area_label(code: &str) -> &str {
    service_area_label(code).unwrap_or(code)
}

/// The deadline settings: the defaults with the partnership's stored overrides.
pub async fn deadline_settings<S: Store>(store: &S) -> Result<DeadlineSettings, StoreError> {
    Ok(DeadlineSettings::with_overrides(&store.escalation_setting_overrides().await?))
}

/// The working days an area may be given to answer an escalation.
pub const DEADLINE_DAYS: std::ops::RangeInclusive<i64> = 1..=60;

/// Checks an area's deadline before anything is saved: a known area (or `default`) and a number
/// of working days in [`DEADLINE_DAYS`].
pub fn check_deadline(area: &str, days: i64) -> Result<u32, CaseError> {
    if area != "default" && service_area_label(area).is_none() {
        let known: Vec<&str> = byname_domain::org::SERVICE_AREAS.iter().map(|(c, _)| *c).collect();
        return Err(CaseError::Invalid(format!(
            "{area:?} is not a service area; these are: default, {}",
            known.join(", ")
        )));
    }
    if !DEADLINE_DAYS.contains(&days) {
        return Err(CaseError::Invalid(format!(
            "{area}: from {} to {} working days, not {days}",
            DEADLINE_DAYS.start(),
            DEADLINE_DAYS.end()
        )));
    }
    Ok(days as u32)
}

/// Sets the working days an area has to answer an escalation at each level (`default` for the
/// areas without their own), refusing an unknown area or a number out of range.
pub async fn set_deadline<S: Store>(store: &S, area: &str, days: u32) -> Result<(), CaseError> {
    let now = OffsetDateTime::now_utc();
    set_deadline_as(store, crate::accounts::Actor::Operator, area, days, now).await
}

/// Sets an area's deadline; audited with who did it.
pub async fn set_deadline_as<S: Store>(
    store: &S,
    actor: crate::accounts::Actor<'_>,
    area: &str,
    days: u32,
    now: OffsetDateTime,
) -> Result<(), CaseError> {
    check_deadline(area, days.into())?;
    let name = format!("{}{area}", DeadlineSettings::SETTING_PREFIX);
    crate::accounts::change_setting(store, actor, &name, &days.to_string(), now).await.map_err(CaseError::from)
}

async fn profile<S: Store>(store: &S, user: &SessionUser) -> Result<UserRow, CaseError> {
    store.user_by_id(user.id).await?.ok_or(CaseError::Forbidden)
}

/// Raises a blockage on a person. Only users who record case work, on a person whose full
/// record they see; the area's service leaders are notified.
pub async fn raise<S: Store>(
    store: &S,
    user: &SessionUser,
    person_id: i64,
    form: &RaiseForm,
    now: OffsetDateTime,
) -> Result<i64, CaseError> {
    let today = now.date();
    if !can_record(user.role) {
        return Err(CaseError::Forbidden);
    }
    if !store.person_exists(person_id).await? {
        return Err(CaseError::NotFound);
    }
    let (decision, _) = access::decision(store, user, person_id, today, now).await?;
    match decision.view {
        PersonView::Full => {}
        PersonView::None | PersonView::Pseudonymised => return Err(CaseError::NotFound),
        PersonView::Minimal | PersonView::Health => return Err(CaseError::Forbidden),
    }
    let area = form.service_area.trim();
    if service_area_label(area).is_none() {
        return Err(CaseError::Invalid("service area: choose one".into()));
    }
    let blocked = required_text("what is blocked", &form.blocked, MAX_TEXT)?;
    let needed = required_text("what is needed", &form.needed, MAX_TEXT)?;
    let needed_by = match form.needed_by.trim() {
        "" => None,
        text => {
            let day =
                parse_iso_date(text).map_err(|_| CaseError::Invalid(format!("needed by: {text:?} is not a date")))?;
            if day < today {
                return Err(CaseError::Invalid("needed by: the day has passed".into()));
            }
            Some(day)
        }
    };
    let settings = deadline_settings(store).await?;
    let deadline = settings.deadline(area, now);
    let id = store
        .raise_escalation(&NewEscalation {
            person_id,
            service_area: area.to_owned(),
            blocked: blocked.clone(),
            needed,
            needed_by,
            raised_by: user.id,
            organisation_id: user.organisation_id,
            raised_at: now,
            deadline_at: deadline,
        })
        .await?;
    let leaders = store.escalation_recipients(area, Level::ServiceLeader).await?;
    let text = format!("New escalation #{id} to {} from {}: {blocked}", area_label(area), user.organisation_name);
    store.notify(&leaders, &text, id, now).await?;
    let detail = format!("escalation {id} to {area}, deadline {}", sql_instant(deadline));
    store
        .append_audit(&access::entry(
            user,
            "raise_escalation",
            Some(person_id),
            "case_coordination",
            Some(decision.basis),
            detail,
            now,
        ))
        .await?;
    Ok(id)
}

/// How each person is shown to the user, by the access rules, with the audit entries of the
/// names and initials shown.
pub(crate) async fn person_labels<S: Store>(
    store: &S,
    user: &SessionUser,
    person_ids: &[i64],
    action: &str,
    today: Date,
    now: OffsetDateTime,
) -> Result<HashMap<i64, PersonLabel>, StoreError> {
    let ids: Vec<i64> = person_ids.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    let decisions = access::decisions(store, user, &ids, today, now).await?;
    // A restricted person is shown to nobody (see `privacy`).
    let restricted: BTreeSet<i64> = store.restrictions().await?.into_iter().map(|r| r.person_id).collect();
    let mut labels = HashMap::new();
    let mut audit = Vec::new();
    for id in ids {
        let Some((decision, _)) = decisions.get(&id) else { continue };
        let shown = !restricted.contains(&id)
            && matches!(decision.view, PersonView::Full | PersonView::Health | PersonView::Minimal);
        let text = if shown {
            let records = store.person_records(id).await?;
            let first = records.iter().find_map(|r| r.first_name.clone());
            let last = records.iter().find_map(|r| r.last_name.clone());
            audit.push(access::view_entry(user, action, id, *decision, now));
            if decision.view.names() {
                [first, last].into_iter().flatten().collect::<Vec<_>>().join(" ")
            } else {
                initials(first.as_deref(), last.as_deref())
            }
        } else {
            "A person (not shown to your role)".to_owned()
        };
        labels.insert(id, PersonLabel { person_id: id, text, linked: shown });
    }
    store.append_audit_entries(&audit).await?;
    Ok(labels)
}

fn item(row: EscalationRow, labels: &HashMap<i64, PersonLabel>, now: OffsetDateTime) -> EscalationItem {
    let person = labels.get(&row.person_id).cloned().unwrap_or(PersonLabel {
        person_id: row.person_id,
        text: "A person (not shown to your role)".into(),
        linked: false,
    });
    // Past the deadline by a whole second: instants are stored to the second.
    let overdue = row.state.is_live() && row.deadline_at < now.replace_nanosecond(0).unwrap_or(now);
    EscalationItem { row, person, overdue }
}

/// The escalations of the user: raised by their organisation, or addressed to them (their
/// area, for a service leader; the Strategic Group's agenda, for its members). `state` narrows
/// them to one state.
pub async fn my_escalations<S: Store>(
    store: &S,
    user: &SessionUser,
    state: Option<State>,
    now: OffsetDateTime,
) -> Result<Vec<EscalationItem>, CaseError> {
    let profile = profile(store, user).await?;
    let addressee = Addressee {
        user_id: user.id,
        organisation_id: user.organisation_id,
        service_area: if user.role == Role::ServiceLeader { profile.service_area.clone() } else { None },
        from_level: Level::ServiceLeader,
        strategic_group: user.role == Role::StrategicViewer,
    };
    let rows: Vec<EscalationRow> =
        store.escalations_for(&addressee).await?.into_iter().filter(|e| state.is_none_or(|s| e.state == s)).collect();
    let ids: Vec<i64> = rows.iter().map(|e| e.person_id).collect();
    let labels = person_labels(store, user, &ids, "view_escalations", now.date(), now).await?;
    Ok(rows.into_iter().map(|row| item(row, &labels, now)).collect())
}

/// One escalation, its events, and what the user may do; `NotFound` for one the user may not
/// see, the same as for one that does not exist.
pub async fn escalation_page<S: Store>(
    store: &S,
    user: &SessionUser,
    id: i64,
    now: OffsetDateTime,
) -> Result<EscalationPage, CaseError> {
    let row = store.escalation(id).await?.ok_or(CaseError::NotFound)?;
    let relation = Relation::of(user, &profile(store, user).await?, &row);
    if !relation.sees() {
        return Err(CaseError::NotFound);
    }
    let labels = person_labels(store, user, &[row.person_id], "view_escalation", now.date(), now).await?;
    let events = store.escalation_events(id).await?;
    let state = row.state;
    Ok(EscalationPage {
        may_acknowledge: relation.leader && transition(state, Action::Acknowledge, None).is_ok(),
        may_resolve: (relation.leader || (relation.raiser_side && can_record(user.role))) && state.is_live(),
        may_decline: relation.leader && state.is_live(),
        may_comment: relation.leader || relation.strategic || (relation.raiser_side && can_record(user.role)),
        leader: relation.leader,
        raiser_side: relation.raiser_side,
        item: item(row, &labels, now),
        events,
    })
}

/// Acknowledges, resolves or declines an escalation. Leaders of its area do all three; the
/// raiser's organisation may resolve it. A decline needs a reason.
pub async fn act<S: Store>(
    store: &S,
    user: &SessionUser,
    id: i64,
    action: Action,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), CaseError> {
    let page = escalation_page(store, user, id, now).await?;
    // Who may do it first, then whether the escalation's state allows it.
    let allowed = match action {
        Action::Acknowledge | Action::Decline => page.leader,
        Action::Resolve => page.leader || (page.raiser_side && can_record(user.role)),
    };
    if !allowed {
        return Err(CaseError::Forbidden);
    }
    let row = &page.item.row;
    let reason = optional_text("reason", reason, MAX_TEXT)?;
    let to = transition(row.state, action, reason.as_deref()).map_err(|e| CaseError::Invalid(e.to_string()))?;
    if !store.change_escalation_state(id, row.state, to, user.id, now, reason.as_deref()).await? {
        return Err(CaseError::Invalid("someone else answered this escalation first: look again".into()));
    }
    let mut told = store.escalation_recipients(&row.service_area, row.level).await?;
    told.push(row.raised_by);
    told.retain(|u| *u != user.id);
    told.sort();
    told.dedup();
    let text = format!(
        "Escalation #{id} ({}) was {} by {}{}",
        area_label(&row.service_area),
        to.code(),
        user.display_name,
        reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default()
    );
    store.notify(&told, &text, id, now).await?;
    store
        .append_audit(&access::entry(
            user,
            &format!("escalation_{}", to.code()),
            Some(row.person_id),
            "case_coordination",
            None,
            format!("escalation {id}: {} to {}", row.state.code(), to.code()),
            now,
        ))
        .await?;
    Ok(())
}

/// Adds a comment, and tells the other side.
pub async fn comment<S: Store>(
    store: &S,
    user: &SessionUser,
    id: i64,
    text: &str,
    now: OffsetDateTime,
) -> Result<(), CaseError> {
    let page = escalation_page(store, user, id, now).await?;
    if !page.may_comment {
        return Err(CaseError::Forbidden);
    }
    let text = required_text("comment", text, MAX_TEXT)?;
    let row = &page.item.row;
    store.comment_escalation(id, user.id, now, &text).await?;
    let mut told = store.escalation_recipients(&row.service_area, row.level).await?;
    told.push(row.raised_by);
    told.retain(|u| *u != user.id);
    told.sort();
    told.dedup();
    let notice = format!("{} commented on escalation #{id} ({})", user.display_name, area_label(&row.service_area));
    store.notify(&told, &notice, id, now).await?;
    store
        .append_audit(&access::entry(
            user,
            "comment_escalation",
            Some(row.person_id),
            "case_coordination",
            None,
            format!("escalation {id}"),
            now,
        ))
        .await?;
    Ok(())
}

/// The overdue step at `now`: every open escalation past its deadline moves up one level, once,
/// however many servers run it at the same moment. The store writes the events, notifications
/// and audit entries in the same transaction as the changes.
pub async fn step<S: Store>(store: &S, now: OffsetDateTime) -> Result<Vec<AppliedChange>, StoreError> {
    let settings = deadline_settings(store).await?;
    let changes = store.run_step(now, &settings).await?;
    for applied in &changes {
        tracing::info!(
            escalation = applied.change.id,
            level = applied.change.to.number(),
            notified = applied.notified.len(),
            "escalated an overdue escalation"
        );
    }
    Ok(changes)
}

/// "My escalations" with the number of unread notifications, as the page shows them.
#[derive(Debug)]
pub struct MyEscalations {
    pub items: Vec<EscalationItem>,
    pub unread: usize,
}

/// The "my escalations" page: [`my_escalations`] in a state, and the unread notifications' count.
pub async fn my_escalations_page<S: Store>(
    store: &S,
    user: &SessionUser,
    state: Option<State>,
    now: OffsetDateTime,
) -> Result<MyEscalations, CaseError> {
    let items = my_escalations(store, user, state, now).await?;
    let unread = notifications(store, user, true).await?.len();
    Ok(MyEscalations { items, unread })
}

pub async fn notifications<S: Store>(
    store: &S,
    user: &SessionUser,
    unread_only: bool,
) -> Result<Vec<NotificationRow>, StoreError> {
    store.notifications(user.id, unread_only, 200).await
}

/// Marks one of the user's notifications read, or all of them with `None`.
pub async fn mark_read<S: Store>(
    store: &S,
    user: &SessionUser,
    id: Option<i64>,
    now: OffsetDateTime,
) -> Result<u64, StoreError> {
    store.mark_notifications_read(user.id, id, now).await
}

/// One person on the agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgendaPerson {
    pub person: PersonLabel,
    /// Why they are on the agenda, in words.
    pub detail: String,
}

/// The case conference agenda of the Service Delivery Leads meeting.
#[derive(Debug, Clone, Default)]
pub struct Agenda {
    pub new_without_lead: Vec<AgendaPerson>,
    pub living_on_streets: Vec<AgendaPerson>,
    pub returners: Vec<AgendaPerson>,
    pub expiring_consents: Vec<AgendaPerson>,
    pub overdue: Vec<EscalationItem>,
    /// Live escalations on the Strategic Group's agenda.
    pub strategic_group: Vec<EscalationItem>,
    /// People the sections would list whose record the user does not see: counted, not shown.
    pub set_aside: usize,
    /// How many each section sets aside: new without a lead, living on the streets, returners,
    /// expiring consents.
    pub set_aside_by_section: [usize; 4],
    /// Who can see the people set aside (their lead organisation, or the team that meets them
    /// most), with how many each: who to ask at the meeting.
    pub set_aside_contacts: Vec<(String, usize)>,
}

/// The agenda, generated at `now`. People are listed only where the user sees their record
/// (the full record or the health view): the sections are about things the minimal entry does
/// not show. Everyone listed is audited.
pub async fn agenda<S: Store>(store: &S, user: &SessionUser, now: OffsetDateTime) -> Result<Agenda, CaseError> {
    if !can_see_agenda(user.role) {
        return Err(CaseError::Forbidden);
    }
    let today = now.date();
    let month_start = today.replace_day(1).expect("the first of the month exists");
    let month = &iso(today)[..7];
    let seen = store.people_seen(today - Duration::days(SEEN_WINDOW_DAYS), today).await?;
    let returners = store.returners(month_start, month_start - Duration::days(RETURNER_GAP_DAYS)).await?;
    let consents = store.consents_expiring(today, today + Duration::days(CONSENT_EXPIRY_DAYS)).await?;

    // (section, person, detail)
    let mut candidates: Vec<(u8, i64, String)> = Vec::new();
    for p in seen.iter() {
        if p.first_seen.as_deref().is_some_and(|d| d.starts_with(month)) && p.lead_organisation.is_none() {
            let first = p.first_seen.clone().unwrap_or_default();
            candidates.push((0, p.person_id, format!("First seen bedded down on {first}; no lead organisation")));
        }
        if crate::by_name_list::living_on_streets(&p.seen_days, today) {
            let n = p.seen_days.len();
            candidates.push((1, p.person_id, format!("Seen bedded down on {n} days, last on {}", p.last_seen)));
        }
    }
    for (person, previous) in &returners {
        candidates.push((2, *person, format!("Seen again this month; before that, last seen on {previous}")));
    }
    for c in &consents {
        let purpose = c.purpose.label();
        let expires = c.expires_on.map(iso).unwrap_or_default();
        candidates.push((3, c.person_id, format!("Consent for {} expires on {expires}", purpose.to_lowercase())));
    }
    let ids: Vec<i64> = candidates.iter().map(|(_, p, _)| *p).collect::<BTreeSet<_>>().into_iter().collect();
    let decisions = access::decisions(store, user, &ids, today, now).await?;
    let shows =
        |id: i64| decisions.get(&id).is_some_and(|(d, _)| matches!(d.view, PersonView::Full | PersonView::Health));
    let shown: Vec<i64> = ids.iter().copied().filter(|id| shows(*id)).collect();
    let labels = person_labels(store, user, &shown, "view_agenda", today, now).await?;
    let mut agenda = Agenda::default();
    let mut set_aside = BTreeSet::new();
    let mut set_aside_in: [BTreeSet<i64>; 4] = Default::default();
    for (section, person, detail) in candidates {
        let Some(label) = labels.get(&person) else {
            set_aside.insert(person);
            set_aside_in[usize::from(section.min(3))].insert(person);
            continue;
        };
        let entry = AgendaPerson { person: label.clone(), detail };
        match section {
            0 => agenda.new_without_lead.push(entry),
            1 => agenda.living_on_streets.push(entry),
            2 => agenda.returners.push(entry),
            _ => agenda.expiring_consents.push(entry),
        }
    }
    agenda.set_aside = set_aside.len();
    agenda.set_aside_by_section = set_aside_in.map(|people| people.len());
    // Who to ask: what the minimal entry says, the lead organisation or the team that meets them.
    let mut contacts: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for person in &set_aside {
        let who = seen
            .iter()
            .find(|p| p.person_id == *person)
            .and_then(|p| p.lead_organisation.clone().or_else(|| p.most_frequent_team.clone()))
            .unwrap_or_else(|| "the outreach service (no lead yet)".to_owned());
        *contacts.entry(who).or_default() += 1;
    }
    agenda.set_aside_contacts = contacts.into_iter().collect();

    let overdue = store.escalations(&EscalationQuery { overdue_at: Some(now), ..Default::default() }).await?;
    let strategic = store
        .escalations(&EscalationQuery { live_only: true, min_level: Some(Level::StrategicGroup), ..Default::default() })
        .await?;
    let ids: Vec<i64> = overdue.iter().chain(&strategic).map(|e| e.person_id).collect();
    let labels = person_labels(store, user, &ids, "view_agenda", today, now).await?;
    agenda.overdue = overdue.into_iter().map(|row| item(row, &labels, now)).collect();
    agenda.strategic_group = strategic.into_iter().map(|row| item(row, &labels, now)).collect();
    Ok(agenda)
}
