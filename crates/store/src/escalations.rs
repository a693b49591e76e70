//! The store's side of escalations: blockages raised on a person, their events and comments,
//! in-app notifications, the figures of the case conference agenda, and the overdue step.
//!
//! The step runs in several `byname serve` processes at once against one database, so it takes
//! a lock in the database before it reads anything: `pg_try_advisory_xact_lock` on PostgreSQL
//! (a server that does not get it does nothing: another is running the step), `BEGIN IMMEDIATE`
//! on SQLite (the second waits, then finds nothing due). Each level change is also conditional
//! on the level read (`WHERE id = $1 AND level = $2 AND state = 'open'`), so a repeat cannot
//! escalate twice. The events, notifications and audit entries of a run are written in the same
//! transaction, so a run happens wholly or not at all.

use crate::audit::append_chained;
use crate::backend::{Backend, format_instant, instant, opt_instant, opt_text};
use crate::casework::{CONSENT_SELECT, consent_from_row};
use crate::sql::SqlStore;
use crate::types::*;
use crate::{Result, StoreError};
use byname_domain::date::iso;
use byname_domain::escalation::{DeadlineSettings, Level, Pending, State, step};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::future::Future;
use time::OffsetDateTime;

/// A number the PostgreSQL advisory lock of the overdue step is known by.
const STEP_LOCK: i64 = 0x6279_6e61_6d66;

/// Everything escalations read and write (a part of [`crate::Store`]).
pub trait Escalations: Send + Sync {
    /// Stores a new escalation with its `raised` event; returns its id.
    fn raise_escalation(&self, escalation: &NewEscalation) -> impl Future<Output = Result<i64>> + Send;
    fn escalation(&self, id: i64) -> impl Future<Output = Result<Option<EscalationRow>>> + Send;
    /// Escalations matching every filter given, soonest deadline first.
    fn escalations(&self, query: &EscalationQuery) -> impl Future<Output = Result<Vec<EscalationRow>>> + Send;
    /// Escalations raised by the user's organisation or addressed to them (their area at their
    /// level or above, or the Strategic Group's agenda), soonest deadline first.
    fn escalations_for(&self, addressee: &Addressee) -> impl Future<Output = Result<Vec<EscalationRow>>> + Send;
    fn escalation_events(&self, id: i64) -> impl Future<Output = Result<Vec<EscalationEventRow>>> + Send;
    /// Moves an escalation from `from` to `to` and records the event; false when it was no
    /// longer in `from` (someone else answered first).
    fn change_escalation_state(
        &self,
        id: i64,
        from: State,
        to: State,
        user_id: i64,
        at: OffsetDateTime,
        text: Option<&str>,
    ) -> impl Future<Output = Result<bool>> + Send;
    fn comment_escalation(
        &self,
        id: i64,
        user_id: i64,
        at: OffsetDateTime,
        text: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The users an escalation of `area` at `level` goes to: the area's service leaders (level
    /// 1); its heads of service, or its service leaders when it has none (level 2); the
    /// Strategic Group's members (level 3). Disabled users are left out.
    fn escalation_recipients(&self, area: &str, level: Level) -> impl Future<Output = Result<Vec<i64>>> + Send;
    /// One notification for each user, about escalation `escalation_id`.
    fn notify(
        &self,
        user_ids: &[i64],
        text: &str,
        escalation_id: i64,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<()>> + Send;
    /// A user's notifications, newest first.
    fn notifications(
        &self,
        user_id: i64,
        unread_only: bool,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<NotificationRow>>> + Send;
    /// Marks one notification of the user read (all of them with `None`); returns how many.
    fn mark_notifications_read(
        &self,
        user_id: i64,
        id: Option<i64>,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<u64>> + Send;

    /// The stored overrides of the deadline settings, as `(name, value)`.
    fn escalation_setting_overrides(&self) -> impl Future<Output = Result<Vec<(String, String)>>> + Send;

    /// Claims up to `limit` notifications to email: made at or after `since`, to an enabled user
    /// with an address, not yet sent, tried fewer than [`MAX_EMAIL_ATTEMPTS`] times, and not
    /// claimed by another server since `stale_before`. Each is claimed with a conditional update,
    /// so that two servers never both get one.
    fn claim_emails(
        &self,
        now: OffsetDateTime,
        since: OffsetDateTime,
        stale_before: OffsetDateTime,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<OutgoingEmail>>> + Send;
    /// Records a claimed email as sent at `sent_at`, or, with `None`, as failed with `error`
    /// (released to be tried again).
    fn finish_email(
        &self,
        notification_id: i64,
        sent_at: Option<OffsetDateTime>,
        error: &str,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Runs the overdue step once at `now`, exactly once across servers (see the module's
    /// words); returns what it changed. Each change gets an `escalated` event, notifications
    /// for the new level's recipients and the raiser, and an audit entry.
    fn run_step(
        &self,
        now: OffsetDateTime,
        settings: &DeadlineSettings,
    ) -> impl Future<Output = Result<Vec<AppliedChange>>> + Send;

    /// People seen on or after `since` whose previous contact, before `since`, was before
    /// `unseen_before`: returners, as `(person, previous contact day)`. Restricted people are left out.
    fn returners(
        &self,
        since: time::Date,
        unseen_before: time::Date,
    ) -> impl Future<Output = Result<Vec<(i64, String)>>> + Send;
    /// Live consents that expire from `from` to `to`, inclusive, of people who are not restricted.
    fn consents_expiring(
        &self,
        from: time::Date,
        to: time::Date,
    ) -> impl Future<Output = Result<Vec<ConsentRow>>> + Send;
}

/// How many times a notification's email is tried before it is left to the web app alone.
pub const MAX_EMAIL_ATTEMPTS: i64 = 5;

const ESCALATION_SELECT: &str = "SELECT e.id, e.person_id, e.service_area, e.blocked, e.needed, e.needed_by, \
     e.raised_by, u.display_name AS raised_by_name, e.organisation_id, o.name AS organisation, e.raised_at, e.state, \
     e.level, e.deadline_at, e.updated_at FROM escalations e JOIN users u ON u.id = e.raised_by \
     JOIN organisations o ON o.id = e.organisation_id";

fn escalation_from_row(r: &AnyRow) -> Result<EscalationRow> {
    let state: String = r.try_get("state")?;
    let level: i64 = r.try_get("level")?;
    Ok(EscalationRow {
        id: r.try_get("id")?,
        person_id: r.try_get("person_id")?,
        service_area: r.try_get("service_area")?,
        blocked: r.try_get("blocked")?,
        needed: r.try_get("needed")?,
        needed_by: opt_text(r, "needed_by")?,
        raised_by: r.try_get("raised_by")?,
        raised_by_name: r.try_get("raised_by_name")?,
        organisation_id: r.try_get("organisation_id")?,
        organisation: r.try_get("organisation")?,
        raised_at: instant(r, "raised_at")?,
        state: State::parse(&state).ok_or_else(|| StoreError::Config(format!("unknown escalation state {state:?}")))?,
        level: Level::from_number(level)
            .ok_or_else(|| StoreError::Config(format!("unknown escalation level {level}")))?,
        deadline_at: instant(r, "deadline_at")?,
        updated_at: instant(r, "updated_at")?,
    })
}

async fn recipients(conn: &mut sqlx::AnyConnection, area: &str, level: Level) -> Result<Vec<i64>> {
    let leaders = "SELECT id FROM users WHERE disabled = 0 AND role = 'service_leader' AND service_area = $1";
    let rows: Vec<i64> = match level {
        Level::ServiceLeader => {
            sqlx::query_scalar(&format!("{leaders} ORDER BY id")).bind(area).fetch_all(&mut *conn).await?
        }
        Level::HeadOfService => {
            let heads: Vec<i64> = sqlx::query_scalar(&format!("{leaders} AND head_of_service = 1 ORDER BY id"))
                .bind(area)
                .fetch_all(&mut *conn)
                .await?;
            if heads.is_empty() {
                sqlx::query_scalar(&format!("{leaders} ORDER BY id")).bind(area).fetch_all(&mut *conn).await?
            } else {
                heads
            }
        }
        Level::StrategicGroup => {
            sqlx::query_scalar("SELECT id FROM users WHERE disabled = 0 AND role = 'strategic_viewer' ORDER BY id")
                .fetch_all(&mut *conn)
                .await?
        }
    };
    Ok(rows)
}

async fn insert_notifications(
    conn: &mut sqlx::AnyConnection,
    user_ids: &[i64],
    text: &str,
    escalation_id: i64,
    at: &str,
) -> Result<()> {
    for user in user_ids {
        sqlx::query("INSERT INTO notifications (user_id, at, text, escalation_id) VALUES ($1, $2, $3, $4)")
            .bind(*user)
            .bind(at)
            .bind(text)
            .bind(escalation_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The step's work inside the caller's locked transaction.
async fn step_locked(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    secrets: &crate::secrets::Secrets,
    now: OffsetDateTime,
    settings: &DeadlineSettings,
) -> Result<(Vec<AppliedChange>, Option<(i64, String)>)> {
    let at = format_instant(now);
    let rows = sqlx::query(
        "SELECT id, person_id, raised_by, service_area, state, level, deadline_at FROM escalations \
         WHERE state = 'open' AND level < 3 AND deadline_at <= $1 ORDER BY id",
    )
    .bind(&at)
    .fetch_all(&mut *conn)
    .await?;
    let mut pending = Vec::new();
    let mut about = std::collections::HashMap::new();
    for r in &rows {
        let id: i64 = r.try_get("id")?;
        let level: i64 = r.try_get("level")?;
        let area: String = r.try_get("service_area")?;
        let Some(level) = Level::from_number(level) else { continue };
        about.insert(id, (r.try_get::<i64, _>("person_id")?, r.try_get::<i64, _>("raised_by")?, area.clone()));
        pending.push(Pending {
            id,
            state: State::Open,
            level,
            service_area: area,
            deadline: instant(r, "deadline_at")?,
        });
    }
    let mut applied = Vec::new();
    let mut audit = Vec::new();
    for change in step(&pending, now, settings) {
        let (person_id, raised_by, area) = about[&change.id].clone();
        let moved = sqlx::query(
            "UPDATE escalations SET level = $1, deadline_at = $2, updated_at = $3 \
             WHERE id = $4 AND level = $5 AND state = 'open'",
        )
        .bind(change.to.number())
        .bind(format_instant(change.deadline))
        .bind(&at)
        .bind(change.id)
        .bind(change.from.number())
        .execute(&mut *conn)
        .await?;
        if moved.rows_affected() != 1 {
            continue;
        }
        let label = byname_domain::org::service_area_label(&area).unwrap_or(area.as_str());
        let notice = change.notice(label);
        sqlx::query("INSERT INTO escalation_events (escalation_id, at, user_id, kind, text) VALUES ($1, $2, NULL, 'escalated', $3)")
            .bind(change.id)
            .bind(&at)
            .bind(&notice)
            .execute(&mut *conn)
            .await?;
        let mut notified = recipients(conn, &area, change.to).await?;
        if !notified.contains(&raised_by) {
            notified.push(raised_by);
        }
        insert_notifications(conn, &notified, &notice, change.id, &at).await?;
        audit.push(AuditEntry {
            at: at.clone(),
            user_id: None,
            organisation_id: None,
            action: "escalation_overdue".into(),
            person_id: Some(person_id),
            purpose: Some("case_coordination".into()),
            basis: None,
            detail: Some(format!(
                "escalation {}: level {} to {}, new deadline {}",
                change.id,
                change.from.number(),
                change.to.number(),
                format_instant(change.deadline)
            )),
            persons: Vec::new(),
        });
        applied.push(AppliedChange { change, person_id, service_area: area, notified });
    }
    let head = append_chained(conn, backend, secrets, &audit).await?;
    Ok((applied, head))
}

impl Escalations for SqlStore {
    async fn raise_escalation(&self, e: &NewEscalation) -> Result<i64> {
        let raised_at = format_instant(e.raised_at);
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO escalations (person_id, service_area, blocked, needed, needed_by, raised_by, organisation_id, \
             raised_at, state, level, deadline_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', 1, $9, $8) RETURNING id",
        )
        .bind(e.person_id)
        .bind(&e.service_area)
        .bind(&e.blocked)
        .bind(&e.needed)
        .bind(e.needed_by.map(iso))
        .bind(e.raised_by)
        .bind(e.organisation_id)
        .bind(&raised_at)
        .bind(format_instant(e.deadline_at))
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO escalation_events (escalation_id, at, user_id, kind, text) VALUES ($1, $2, $3, 'raised', NULL)",
        )
        .bind(id)
        .bind(&raised_at)
        .bind(e.raised_by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn escalation(&self, id: i64) -> Result<Option<EscalationRow>> {
        sqlx::query(&format!("{ESCALATION_SELECT} WHERE e.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(escalation_from_row)
            .transpose()
    }

    async fn escalations(&self, q: &EscalationQuery) -> Result<Vec<EscalationRow>> {
        let rows = sqlx::query(&format!(
            "{ESCALATION_SELECT} WHERE ($1 = 0 OR e.person_id = $1) AND ($2 = '' OR e.service_area = $2) \
             AND ($3 = 0 OR e.organisation_id = $3) \
             AND ($4 = '' OR (e.state IN ('open', 'acknowledged') AND e.deadline_at < $4)) \
             AND ($5 = 0 OR e.state IN ('open', 'acknowledged')) AND e.level >= $6 \
             ORDER BY e.deadline_at, e.id"
        ))
        .bind(q.person_id.unwrap_or(0))
        .bind(q.service_area.clone().unwrap_or_default())
        .bind(q.organisation_id.unwrap_or(0))
        .bind(q.overdue_at.map(format_instant).unwrap_or_default())
        .bind(i64::from(q.live_only))
        .bind(q.min_level.map_or(1, Level::number))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(escalation_from_row).collect()
    }

    async fn escalations_for(&self, a: &Addressee) -> Result<Vec<EscalationRow>> {
        let rows = sqlx::query(&format!(
            "{ESCALATION_SELECT} WHERE e.organisation_id = $1 OR e.raised_by = $2 \
             OR (e.service_area = $3 AND e.level >= $4) OR ($5 = 1 AND e.level = 3) \
             ORDER BY e.state IN ('resolved', 'declined'), e.deadline_at, e.id"
        ))
        .bind(a.organisation_id)
        .bind(a.user_id)
        .bind(a.service_area.clone().unwrap_or_default())
        .bind(a.from_level.number())
        .bind(i64::from(a.strategic_group))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(escalation_from_row).collect()
    }

    async fn escalation_events(&self, id: i64) -> Result<Vec<EscalationEventRow>> {
        let rows = sqlx::query(
            "SELECT v.id, v.at, v.user_id, u.display_name, v.kind, v.text FROM escalation_events v \
             LEFT JOIN users u ON u.id = v.user_id WHERE v.escalation_id = $1 ORDER BY v.id",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(EscalationEventRow {
                    id: r.try_get("id")?,
                    at: instant(r, "at")?,
                    user_id: r.try_get("user_id")?,
                    user_name: opt_text(r, "display_name")?,
                    kind: {
                        let kind: String = r.try_get("kind")?;
                        byname_domain::escalation::EventKind::parse(&kind).ok_or_else(|| {
                            StoreError::Config(format!("escalation event kind {kind:?} is not one byname knows"))
                        })?
                    },
                    text: opt_text(r, "text")?,
                })
            })
            .collect()
    }

    async fn change_escalation_state(
        &self,
        id: i64,
        from: State,
        to: State,
        user_id: i64,
        at: OffsetDateTime,
        text: Option<&str>,
    ) -> Result<bool> {
        let at = format_instant(at);
        let at = at.as_str();
        let mut tx = self.pool().begin().await?;
        let changed = sqlx::query("UPDATE escalations SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
            .bind(to.code())
            .bind(at)
            .bind(id)
            .bind(from.code())
            .execute(&mut *tx)
            .await?;
        if changed.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query(
            "INSERT INTO escalation_events (escalation_id, at, user_id, kind, text) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(at)
        .bind(user_id)
        .bind(to.code())
        .bind(text)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn comment_escalation(&self, id: i64, user_id: i64, at: OffsetDateTime, text: &str) -> Result<()> {
        let at = format_instant(at);
        sqlx::query(
            "INSERT INTO escalation_events (escalation_id, at, user_id, kind, text) VALUES ($1, $2, $3, 'comment', $4)",
        )
        .bind(id)
        .bind(&at)
        .bind(user_id)
        .bind(text)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn escalation_recipients(&self, area: &str, level: Level) -> Result<Vec<i64>> {
        let mut conn = self.pool().acquire().await?;
        recipients(&mut conn, area, level).await
    }

    async fn notify(&self, user_ids: &[i64], text: &str, escalation_id: i64, at: OffsetDateTime) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        insert_notifications(&mut tx, user_ids, text, escalation_id, &format_instant(at)).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn notifications(&self, user_id: i64, unread_only: bool, limit: i64) -> Result<Vec<NotificationRow>> {
        let rows = sqlx::query(
            "SELECT id, user_id, at, text, escalation_id, read_at FROM notifications WHERE user_id = $1 \
             AND ($2 = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT $3",
        )
        .bind(user_id)
        .bind(i64::from(unread_only))
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(NotificationRow {
                    id: r.try_get("id")?,
                    user_id: r.try_get("user_id")?,
                    at: instant(r, "at")?,
                    text: r.try_get("text")?,
                    escalation_id: r.try_get("escalation_id")?,
                    read_at: opt_instant(r, "read_at")?,
                })
            })
            .collect()
    }

    async fn mark_notifications_read(&self, user_id: i64, id: Option<i64>, at: OffsetDateTime) -> Result<u64> {
        let at = format_instant(at);
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND ($3 = 0 OR id = $3) AND read_at IS NULL",
        )
        .bind(at)
        .bind(user_id)
        .bind(id.unwrap_or(0))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }

    async fn escalation_setting_overrides(&self) -> Result<Vec<(String, String)>> {
        let rows =
            sqlx::query("SELECT name, value FROM settings WHERE name LIKE 'escalation_working_days.%' ORDER BY name")
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(|r| Ok((r.try_get("name")?, r.try_get("value")?))).collect()
    }

    async fn claim_emails(
        &self,
        now: OffsetDateTime,
        since: OffsetDateTime,
        stale_before: OffsetDateTime,
        limit: i64,
    ) -> Result<Vec<OutgoingEmail>> {
        let (now, stale_before) = (format_instant(now), format_instant(stale_before));
        let rows = sqlx::query(
            "SELECT n.id, n.user_id, u.display_name, u.email, n.escalation_id, n.at FROM notifications n \
             JOIN users u ON u.id = n.user_id \
             WHERE n.emailed_at IS NULL AND n.at >= $1 AND n.email_attempts < $2 \
             AND (n.email_claimed_at IS NULL OR n.email_claimed_at < $3) \
             AND u.email IS NOT NULL AND u.disabled = 0 ORDER BY n.id LIMIT $4",
        )
        .bind(format_instant(since))
        .bind(MAX_EMAIL_ATTEMPTS)
        .bind(&stale_before)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let mut claimed = Vec::new();
        for row in &rows {
            let id: i64 = row.try_get("id")?;
            let won = sqlx::query(
                "UPDATE notifications SET email_claimed_at = $1 WHERE id = $2 AND emailed_at IS NULL \
                 AND (email_claimed_at IS NULL OR email_claimed_at < $3)",
            )
            .bind(&now)
            .bind(id)
            .bind(&stale_before)
            .execute(self.pool())
            .await?;
            if won.rows_affected() == 1 {
                claimed.push(OutgoingEmail {
                    notification_id: id,
                    user_id: row.try_get("user_id")?,
                    display_name: row.try_get("display_name")?,
                    email: row.try_get("email")?,
                    escalation_id: row.try_get("escalation_id")?,
                    at: row.try_get("at")?,
                });
            }
        }
        Ok(claimed)
    }

    async fn finish_email(&self, notification_id: i64, sent_at: Option<OffsetDateTime>, error: &str) -> Result<()> {
        let sent_at = sent_at.map(format_instant);
        let sql = match sent_at {
            Some(_) => "UPDATE notifications SET emailed_at = $1, email_error = NULL WHERE id = $2",
            None => {
                "UPDATE notifications SET email_claimed_at = NULL, email_attempts = email_attempts + 1, \
                 email_error = $1 WHERE id = $2"
            }
        };
        sqlx::query(sql).bind(sent_at.as_deref().unwrap_or(error)).bind(notification_id).execute(self.pool()).await?;
        Ok(())
    }

    async fn run_step(&self, now: OffsetDateTime, settings: &DeadlineSettings) -> Result<Vec<AppliedChange>> {
        let mut conn = self.pool().acquire().await?;
        match self.backend() {
            Backend::Sqlite => {
                sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
            }
            Backend::Postgres => {
                sqlx::query("BEGIN").execute(&mut *conn).await?;
                let locked: i64 =
                    sqlx::query_scalar("SELECT CASE WHEN pg_try_advisory_xact_lock($1) THEN 1 ELSE 0 END")
                        .bind(STEP_LOCK)
                        .fetch_one(&mut *conn)
                        .await?;
                if locked == 0 {
                    // Another server holds the step's lock and is running it now.
                    sqlx::query("ROLLBACK").execute(&mut *conn).await?;
                    return Ok(Vec::new());
                }
            }
        }
        let result = step_locked(&mut conn, self.backend(), &self.secrets, now, settings).await;
        crate::audit::end_locked(&mut conn, &self.secrets, result, |_| true).await
    }

    async fn returners(&self, since: time::Date, unseen_before: time::Date) -> Result<Vec<(i64, String)>> {
        let rows = sqlx::query(
            "SELECT l.person_id, MAX(c.contact_date) AS previous FROM contacts c \
             JOIN person_links l ON l.record_id = c.record_id WHERE c.withdrawn = 0 AND c.contact_date < $1 \
             AND l.person_id IN (SELECT l2.person_id FROM contacts c2 JOIN person_links l2 ON l2.record_id = c2.record_id \
             WHERE c2.withdrawn = 0 AND c2.contact_date >= $1) \
             AND l.person_id NOT IN (SELECT person_id FROM restrictions) \
             GROUP BY l.person_id HAVING MAX(c.contact_date) < $2 ORDER BY l.person_id",
        )
        .bind(iso(since))
        .bind(iso(unseen_before))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok((r.try_get("person_id")?, r.try_get("previous")?))).collect()
    }

    async fn consents_expiring(&self, from: time::Date, to: time::Date) -> Result<Vec<ConsentRow>> {
        let rows = sqlx::query(&format!(
            "{CONSENT_SELECT} WHERE c.withdrawn_on IS NULL AND c.expires_on IS NOT NULL \
             AND c.expires_on >= $1 AND c.expires_on <= $2 \
             AND c.person_id NOT IN (SELECT person_id FROM restrictions) ORDER BY c.expires_on, c.id"
        ))
        .bind(iso(from))
        .bind(iso(to))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(consent_from_row).collect()
    }
}
