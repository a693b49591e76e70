//! Escalations: a blockage raised on a person goes to the area's service leaders, who answer it;
//! one nobody answers moves up a level per deadline to the Strategic Group's agenda, once, even
//! when two servers run the step at the same moment; and the case conference agenda.

use crate::support::*;
use byname_casework::accounts::SessionUser;
use byname_casework::casework::{self, CaseError};
use byname_casework::escalations::{self as esc, RaiseForm};
use byname_domain::access::Purpose;
use byname_domain::escalation::{Action, Level, State};
use byname_pipeline::import::ImportKind;
use byname_pipeline::link::link;
use byname_store::Linkage;
use byname_store::{Escalations, SqlStore, Store};
use time::OffsetDateTime;
use time::macros::{date, datetime};

/// Monday 1 July 2024, noon.
const RAISED: OffsetDateTime = datetime!(2024-07-01 12:00 UTC);

async fn person(store: &SqlStore, chain_id: &str) -> i64 {
    let membership = store.person_membership().await.unwrap();
    membership.iter().find(|(s, id, _)| s == "chain" && id == chain_id).unwrap().2
}

async fn leader(store: &SqlStore, username: &str, area: &str, head: bool) -> SessionUser {
    let user = user_of(store, username, "service_leader", "Westminster City Council").await;
    byname_casework::accounts::set_profile(store, user.id, "service_leader", Some(area), false).await.unwrap();
    byname_casework::accounts::set_head_of_service(store, user.id, head).await.unwrap();
    user
}

fn housing(blocked: &str) -> RaiseForm {
    RaiseForm {
        service_area: "housing".into(),
        blocked: blocked.into(),
        needed: "A decision on the homeless application".into(),
        needed_by: String::new(),
    }
}

/// The chain fixture imported and linked, with John's id and the worker who works with him.
async fn setup(store: &SqlStore) -> (i64, SessionUser) {
    import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
    link(store, &Default::default(), instant()).await.unwrap();
    (person(store, "C001").await, user(store, "worker", "outreach_worker").await)
}

async fn unread(store: &SqlStore, user: &SessionUser) -> Vec<String> {
    esc::notifications(store, user, true).await.unwrap().into_iter().map(|n| n.text).collect()
}

#[tokio::test]
async fn a_blockage_goes_to_the_areas_leaders_who_acknowledge_it_and_the_raiser_resolves_it() {
    each_store(async |store, label| {
        let (john, worker) = setup(store).await;
        let housing_leader = leader(store, "housing-lead", "housing", false).await;
        let police_leader = leader(store, "police-lead", "police", false).await;
        let group = user_of(store, "group", "strategic_viewer", "Strategic Group").await;

        let id = esc::raise(store, &worker, john, &housing("Hostel place refused <b>twice</b>"), RAISED).await.unwrap();
        let row = store.escalation(id).await.unwrap().unwrap();
        assert_eq!((row.state, row.level), (State::Open, Level::ServiceLeader), "{label}");
        assert_eq!(row.deadline_at, datetime!(2024-07-08 12:00 UTC), "five working days for housing");

        let told = unread(store, &housing_leader).await;
        assert_eq!(told.len(), 1, "{label}: {told:?}");
        assert!(told[0].contains("Housing") && told[0].contains("Hostel place refused"));
        assert!(unread(store, &police_leader).await.is_empty(), "another area's leader is not told");
        assert_eq!(esc::notifications(store, &housing_leader, true).await.unwrap()[0].escalation_id, id);

        // The leader's organisation does not work with John: the minimal entry, never his name.
        let page = esc::escalation_page(store, &housing_leader, id, RAISED).await.unwrap();
        assert_eq!(page.item.person.text, "J. S.");
        assert!(page.may_acknowledge && page.may_decline && page.may_resolve && page.may_comment);
        let mine = esc::my_escalations(store, &housing_leader, None, RAISED).await.unwrap();
        assert_eq!(mine.iter().map(|e| e.row.id).collect::<Vec<_>>(), vec![id]);
        assert!(esc::my_escalations(store, &police_leader, None, RAISED).await.unwrap().is_empty());
        for outsider in [&police_leader, &group] {
            assert!(matches!(esc::escalation_page(store, outsider, id, RAISED).await, Err(CaseError::NotFound)));
        }
        let raiser_view = esc::escalation_page(store, &worker, id, RAISED).await.unwrap();
        assert_eq!(raiser_view.item.person.text, "John Smith");
        assert!(!raiser_view.may_acknowledge && raiser_view.may_resolve);

        let later = datetime!(2024-07-02 09:00 UTC);
        assert!(matches!(
            esc::act(store, &worker, id, Action::Acknowledge, "", later).await,
            Err(CaseError::Forbidden)
        ));
        esc::act(store, &housing_leader, id, Action::Acknowledge, "", later).await.unwrap();
        assert!(unread(store, &worker).await.iter().any(|n| n.contains("acknowledged")), "the raiser is told");
        esc::comment(store, &housing_leader, id, "Reviewing the refusal today", later).await.unwrap();
        esc::act(store, &worker, id, Action::Resolve, "", datetime!(2024-07-03 09:00 UTC)).await.unwrap();
        assert!(matches!(
            esc::act(store, &housing_leader, id, Action::Acknowledge, "", later).await,
            Err(CaseError::Invalid(_))
        ));
        let events = store.escalation_events(id).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.code()).collect();
        assert_eq!(kinds, ["raised", "acknowledged", "comment", "resolved"], "{label}");
        assert_eq!(store.escalation(id).await.unwrap().unwrap().state, State::Resolved);

        // The leader was told of the escalation and of its resolution, and marks both read.
        assert_eq!(unread(store, &housing_leader).await.len(), 2);
        assert_eq!(esc::mark_read(store, &housing_leader, None, later).await.unwrap(), 2);
        assert!(unread(store, &housing_leader).await.is_empty());

        let actions: Vec<String> = store.audit_entries(100).await.unwrap().into_iter().map(|e| e.action).collect();
        for action in ["raise_escalation", "escalation_acknowledged", "comment_escalation", "escalation_resolved"] {
            assert!(actions.iter().any(|a| a == action), "{label}: {action} audited in {actions:?}");
        }
        assert_eq!(byname_casework::audit::verify(store).await.unwrap().broken_at, None);
    })
    .await;
}

#[tokio::test]
async fn a_decline_needs_a_reason_and_only_the_areas_leaders_decline() {
    each_store(async |store, label| {
        let (john, worker) = setup(store).await;
        let housing_leader = leader(store, "housing-lead", "housing", false).await;
        let id = esc::raise(store, &worker, john, &housing("No bed"), RAISED).await.unwrap();
        assert!(matches!(
            esc::act(store, &worker, id, Action::Decline, "not ours", RAISED).await,
            Err(CaseError::Forbidden)
        ));
        let refused = esc::act(store, &housing_leader, id, Action::Decline, "   ", RAISED).await;
        assert!(matches!(&refused, Err(CaseError::Invalid(m)) if m.contains("reason")), "{label}: {refused:?}");
        assert_eq!(store.escalation(id).await.unwrap().unwrap().state, State::Open);
        esc::act(store, &housing_leader, id, Action::Decline, "Not a housing matter: adult social care", RAISED)
            .await
            .unwrap();
        let events = store.escalation_events(id).await.unwrap();
        assert_eq!(events.last().unwrap().text.as_deref(), Some("Not a housing matter: adult social care"));
        assert!(unread(store, &worker).await.iter().any(|n| n.contains("declined") && n.contains("adult social care")));
        // Declined is final.
        assert!(matches!(esc::act(store, &worker, id, Action::Resolve, "", RAISED).await, Err(CaseError::Invalid(_))));
    })
    .await;
}

#[tokio::test]
async fn a_user_without_access_to_the_person_cannot_raise_a_blockage_on_them() {
    each_store(async |store, label| {
        let (john, worker) = setup(store).await;
        let day_centre = user_of(store, "daycentre", "outreach_worker", "The Passage").await;
        let admin = user_of(store, "admin", "admin", "Westminster City Council").await;
        let analyst = user_of(store, "analyst", "analyst", "Westminster City Council").await;
        let form = housing("No bed");
        // The day centre sees John's minimal entry only: it knows he exists, and may not raise.
        assert!(matches!(esc::raise(store, &day_centre, john, &form, RAISED).await, Err(CaseError::Forbidden)));
        for user in [&admin, &analyst] {
            assert!(matches!(esc::raise(store, user, john, &form, RAISED).await, Err(CaseError::Forbidden)), "{label}");
        }
        assert!(matches!(esc::raise(store, &worker, 999_999, &form, RAISED).await, Err(CaseError::NotFound)));
        let bad_area = RaiseForm { service_area: "astrology".into(), ..form.clone() };
        assert!(matches!(esc::raise(store, &worker, john, &bad_area, RAISED).await, Err(CaseError::Invalid(_))));
        let empty = RaiseForm { blocked: " ".into(), ..form.clone() };
        assert!(matches!(esc::raise(store, &worker, john, &empty, RAISED).await, Err(CaseError::Invalid(_))));
        assert!(store.escalations(&Default::default()).await.unwrap().is_empty(), "{label}: nothing was stored");
    })
    .await;
}

#[tokio::test]
async fn an_unanswered_escalation_moves_up_once_per_deadline_to_the_strategic_groups_agenda() {
    each_store(async |store, label| {
        let (john, worker) = setup(store).await;
        let housing_leader = leader(store, "housing-lead", "housing", false).await;
        let head = leader(store, "housing-head", "housing", true).await;
        let group = user_of(store, "group", "strategic_viewer", "Strategic Group").await;
        let sdl = user(store, "sdl", "service_lead").await;
        let id = esc::raise(store, &worker, john, &housing("No decision in six weeks"), RAISED).await.unwrap();

        assert!(esc::step(store, datetime!(2024-07-08 11:59 UTC)).await.unwrap().is_empty(), "{label}: not yet due");
        let first = esc::step(store, datetime!(2024-07-08 12:00 UTC)).await.unwrap();
        assert_eq!(first.len(), 1, "{label}");
        assert_eq!((first[0].change.id, first[0].change.to), (id, Level::HeadOfService));
        assert!(first[0].notified.contains(&head.id) && first[0].notified.contains(&worker.id));
        assert!(!first[0].notified.contains(&housing_leader.id), "level 2 goes to the head of service");
        assert!(esc::step(store, datetime!(2024-07-08 12:00 UTC)).await.unwrap().is_empty(), "once per deadline");
        assert!(esc::step(store, datetime!(2024-07-10 12:00 UTC)).await.unwrap().is_empty());
        let row = store.escalation(id).await.unwrap().unwrap();
        assert_eq!((row.level, row.deadline_at), (Level::HeadOfService, datetime!(2024-07-15 12:00 UTC)));
        assert!(unread(store, &head).await.iter().any(|n| n.contains("head of service")));

        let second = esc::step(store, datetime!(2024-07-15 12:00 UTC)).await.unwrap();
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].change.to, Level::StrategicGroup);
        assert!(second[0].notified.contains(&group.id));
        assert!(esc::step(store, datetime!(2024-09-01 12:00 UTC)).await.unwrap().is_empty(), "level 3 stays");
        let kinds: Vec<&str> = store.escalation_events(id).await.unwrap().into_iter().map(|e| e.kind.code()).collect();
        assert_eq!(kinds, ["raised", "escalated", "escalated"], "{label}");

        // The Strategic Group sees it, but nothing of the person: the rules give its members none.
        let page = esc::escalation_page(store, &group, id, datetime!(2024-07-16 09:00 UTC)).await.unwrap();
        assert!(!page.item.person.linked && !page.item.person.text.contains("John"));
        assert!(page.item.row.blocked.contains("six weeks"));
        let agenda = esc::agenda(store, &group, datetime!(2024-07-23 09:00 UTC)).await.unwrap();
        assert_eq!(agenda.strategic_group.iter().map(|e| e.row.id).collect::<Vec<_>>(), vec![id]);
        assert_eq!(agenda.overdue.len(), 1, "past its level 3 deadline too");
        assert!(agenda.new_without_lead.is_empty() && agenda.returners.is_empty());
        let agenda = esc::agenda(store, &sdl, datetime!(2024-07-23 09:00 UTC)).await.unwrap();
        assert_eq!(agenda.overdue[0].person.text, "John Smith", "the outreach service works with John");

        let overdue: Vec<_> =
            store.audit_entries(100).await.unwrap().into_iter().filter(|e| e.action == "escalation_overdue").collect();
        assert_eq!(overdue.len(), 2);
        assert!(overdue.iter().all(|e| e.person_id == Some(john) && e.user_id.is_none()));
        assert_eq!(byname_casework::audit::verify(store).await.unwrap().broken_at, None);
    })
    .await;
}

#[tokio::test]
async fn two_steps_at_the_same_moment_escalate_each_item_exactly_once() {
    each_store_with_url(async |store, label, url| {
        let (john, worker) = setup(store).await;
        let head = leader(store, "housing-head", "housing", true).await;
        const N: usize = 6;
        let mut ids = Vec::new();
        for i in 0..N {
            ids.push(esc::raise(store, &worker, john, &housing(&format!("Blockage {i}")), RAISED).await.unwrap());
        }
        let due = datetime!(2024-07-08 12:00 UTC);

        // Two tasks on one pool, as two requests of one server would.
        let (a, b) = (store.clone(), store.clone());
        let one = tokio::spawn(async move { esc::step(&a, due).await.unwrap().len() });
        let two = tokio::spawn(async move { esc::step(&b, due).await.unwrap().len() });
        let total = one.await.unwrap() + two.await.unwrap();
        assert_eq!(total, N, "{label}: each item escalated once between the two");

        // Two stores connected separately to the same database, as two servers would be.
        let other = SqlStore::connect(url).await.unwrap();
        let second_due = datetime!(2024-07-15 12:00 UTC);
        let (a, b) = (store.clone(), other.clone());
        let one = tokio::spawn(async move { esc::step(&a, second_due).await.unwrap().len() });
        let two = tokio::spawn(async move { esc::step(&b, second_due).await.unwrap().len() });
        let total = one.await.unwrap() + two.await.unwrap();
        assert_eq!(total, N, "{label}: each item escalated once across the two servers");
        other.close().await;

        for id in ids {
            let row = store.escalation(id).await.unwrap().unwrap();
            assert_eq!(row.level, Level::StrategicGroup, "{label}");
            let escalated = store
                .escalation_events(id)
                .await
                .unwrap()
                .iter()
                .filter(|e| e.kind == byname_domain::escalation::EventKind::Escalated)
                .count();
            assert_eq!(escalated, 2, "{label}: escalation {id}");
        }
        let head_told = esc::notifications(store, &head, false).await.unwrap();
        assert_eq!(head_told.iter().filter(|n| n.text.contains("head of service")).count(), N);
        assert_eq!(byname_casework::audit::verify(store).await.unwrap().broken_at, None, "{label}");
    })
    .await;
}

#[tokio::test]
async fn the_case_conference_agenda_lists_what_the_meeting_discusses_as_the_rules_allow() {
    each_store(async |store, label| {
        let (john, worker) = setup(store).await;
        let sdl = user(store, "sdl", "service_lead").await;
        let group = user_of(store, "group", "strategic_viewer", "Strategic Group").await;
        let outsider = user(store, "worker2", "outreach_worker").await;
        casework::record_consent(
            store,
            &worker,
            john,
            Purpose::CaseCoordination,
            None,
            date!(2024 - 06 - 01),
            Some(date!(2024 - 07 - 10)),
            date!(2024 - 06 - 28),
            instant(),
        )
        .await
        .unwrap();
        let at = datetime!(2024-06-28 10:00 UTC);
        let agenda = esc::agenda(store, &sdl, at).await.unwrap();
        let names = |rows: &[esc::AgendaPerson]| rows.iter().map(|r| r.person.text.clone()).collect::<Vec<_>>();
        // John and Ștefan were first seen in June and have no lead; Amina was seen in June after
        // eighteen months unseen. The outreach service's teams met all three.
        assert_eq!(names(&agenda.new_without_lead), ["John Smith", "Ștefan Popescu"], "{label}");
        assert_eq!(names(&agenda.returners), ["Amina Yusuf"]);
        assert!(agenda.returners[0].detail.contains("2023-01-10"));
        assert_eq!(names(&agenda.expiring_consents), ["John Smith"]);
        assert!(agenda.expiring_consents[0].detail.contains("2024-07-10"));
        assert_eq!(agenda.set_aside, 0);

        // The day centre's lead sees John under his consent to all partners; the others are
        // counted, not named.
        let day_centre = user_of(store, "daycentre-lead", "service_lead", "The Passage").await;
        let agenda = esc::agenda(store, &day_centre, at).await.unwrap();
        assert_eq!(names(&agenda.new_without_lead), ["John Smith"], "{label}");
        assert!(agenda.returners.is_empty());
        assert_eq!(agenda.set_aside, 2);
        // Each section says how many it set aside, and the agenda who can see them: the team
        // that met them, as their minimal entries say.
        assert_eq!(agenda.set_aside_by_section, [1, 0, 1, 0], "{label}: Ștefan new, Amina returning");
        let who: usize = agenda.set_aside_contacts.iter().map(|(_, n)| n).sum();
        assert_eq!(who, 2, "{label}: {:?}", agenda.set_aside_contacts);
        assert!(
            agenda
                .set_aside_contacts
                .iter()
                .all(|(w, _)| w == "Night Outreach" || w == "Street Engagement" || w == "Westminster Outreach North"),
            "{label}: {:?}",
            agenda.set_aside_contacts
        );
        let page = format!("{:?}", agenda);
        assert!(!page.contains("Popescu") && !page.contains("Amina"));

        // The Strategic Group sees no person at all: every row is set aside.
        let agenda = esc::agenda(store, &group, at).await.unwrap();
        assert!(agenda.new_without_lead.is_empty() && agenda.expiring_consents.is_empty());
        assert_eq!(agenda.set_aside, 3);
        // An outreach worker does not read the agenda.
        assert!(matches!(esc::agenda(store, &outsider, at).await, Err(CaseError::Forbidden)));
        let audited = store.audit_entries(200).await.unwrap().into_iter().filter(|e| e.action == "view_agenda").count();
        assert!(audited >= 4, "every person listed is audited");
    })
    .await;
}

/// A minimal SMTP relay for tests: accepts every message and keeps its recipients and text;
/// `refuse` makes it answer every RCPT with a permanent error.
/// Each message the relay accepted: its recipients and its text.
type Received = std::sync::Arc<std::sync::Mutex<Vec<(Vec<String>, String)>>>;

struct FakeRelay {
    port: u16,
    received: Received,
    _task: tokio::task::JoinHandle<()>,
}

impl FakeRelay {
    async fn start(refuse: bool) -> Self {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let received: Received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = received.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    write.write_all(b"220 relay.test ESMTP\r\n").await.unwrap();
                    let (mut recipients, mut data, mut in_data) = (Vec::new(), String::new(), false);
                    while let Ok(Some(line)) = lines.next_line().await {
                        let reply: &[u8] = if in_data {
                            if line == "." {
                                in_data = false;
                                kept.lock().unwrap().push((std::mem::take(&mut recipients), std::mem::take(&mut data)));
                                b"250 queued\r\n"
                            } else {
                                data.push_str(&line);
                                data.push('\n');
                                continue;
                            }
                        } else if line.starts_with("EHLO") || line.starts_with("HELO") {
                            b"250 relay.test\r\n"
                        } else if let Some(recipient) = line.strip_prefix("RCPT TO:") {
                            if refuse {
                                b"550 no such mailbox\r\n"
                            } else {
                                recipients.push(recipient.trim().to_owned());
                                b"250 ok\r\n"
                            }
                        } else if line == "DATA" {
                            in_data = true;
                            b"354 go on\r\n"
                        } else if line == "QUIT" {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        } else {
                            b"250 ok\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Self { port, received, _task: task }
    }

    fn config(&self) -> byname_casework::mail::MailConfig {
        byname_casework::mail::MailConfig::new(
            &format!("smtp://127.0.0.1:{}", self.port),
            "byname <byname@partnership.example.org>",
            "https://byname.example.org",
        )
        .unwrap()
    }
}

#[tokio::test]
async fn a_leader_with_an_email_address_is_emailed_once_with_a_link_and_nothing_about_the_person() {
    each_store(async |store, label| {
        let (john, worker) = setup(store).await;
        let housing_leader = leader(store, "housing-lead", "housing", false).await;
        let other_leader = leader(store, "housing-two", "housing", false).await;
        byname_casework::accounts::set_email(store, housing_leader.id, "housing.lead@council.example.org")
            .await
            .unwrap();
        assert!(byname_casework::accounts::set_email(store, other_leader.id, "not an address").await.is_err());

        // The relay is down: nothing is lost, and the email is tried again.
        let down = byname_casework::mail::MailConfig::new("smtp://127.0.0.1:9", "b@example.org", "http://x").unwrap();
        let id = esc::raise(store, &worker, john, &housing("Hostel place refused for Mr Smith"), RAISED).await.unwrap();
        let run = byname_casework::mail::send_pending(store, &down, RAISED).await.unwrap();
        assert_eq!((run.sent, run.failed.len()), (0, 1), "{label}");

        let relay = FakeRelay::start(false).await;
        let run = byname_casework::mail::send_pending(store, &relay.config(), RAISED).await.unwrap();
        assert_eq!((run.sent, run.failed.len()), (1, 0), "{label}: {run:?}");
        let received = relay.received.lock().unwrap().clone();
        assert_eq!(received.len(), 1, "{label}: only the leader with an address");
        let (to, text) = &received[0];
        assert_eq!(to, &["<housing.lead@council.example.org>"]);
        assert!(text.contains(&format!("https://byname.example.org/escalations/{id}")), "{text}");
        assert!(!text.contains("Smith") && !text.contains("Hostel"), "no personal data by email: {text}");

        // Sent once: a second run, or a second server, finds nothing to send.
        let run = byname_casework::mail::send_pending(store, &relay.config(), RAISED).await.unwrap();
        assert_eq!(run.sent, 0, "{label}");
        assert_eq!(relay.received.lock().unwrap().len(), 1);

        // A relay that refuses: counted as a failure, and given up after five tries.
        let refusing = FakeRelay::start(true).await;
        esc::comment(store, &worker, id, "Any news?", RAISED).await.unwrap();
        for _ in 0..6 {
            byname_casework::mail::send_pending(store, &refusing.config(), RAISED).await.unwrap();
        }
        let run = byname_casework::mail::send_pending(store, &relay.config(), RAISED).await.unwrap();
        assert_eq!(run.sent, 0, "{label}: five failures and it stays in the web app only");
        assert_eq!(unread(store, &housing_leader).await.len(), 2, "both notifications are in the web app");
    })
    .await;
}
