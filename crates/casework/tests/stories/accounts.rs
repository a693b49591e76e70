//! Signing in and administering accounts as an attacker would try them: one lock per name
//! however it is typed, a throttle that holds under concurrent guesses, a second factor whose
//! codes are spent once and that a session alone cannot turn off, passwords people actually
//! guess refused, sessions ended by a change of password, and every administrative change in
//! the audit log.

use crate::support::*;
use byname_casework::accounts::{self, AccountError, Actor, NewAccount};
use byname_store::Accounts;
use byname_store::{Administration, Casework, SqlStore};
use time::OffsetDateTime;
use time::macros::datetime;

const PASSWORD: &str = "a long enough password";
const NOON: OffsetDateTime = datetime!(2024-07-01 12:00 UTC);

async fn organisation(store: &SqlStore) -> i64 {
    store.upsert_organisation("The Passage", "day_centre").await.unwrap()
}

async fn locktest(store: &SqlStore) {
    let organisation = organisation(store).await;
    accounts::add_user(store, "locktest", "Lock Test", "outreach_worker", organisation, PASSWORD, instant())
        .await
        .unwrap();
}

#[tokio::test]
async fn one_name_however_it_is_typed_has_one_lock() {
    each_store(async |store, label| {
        locktest(store).await;
        for name in ["locktest ", " locktest", "locktest\t", "LockTest", "locktest"] {
            let attempt = accounts::sign_in(store, name, "not the password!", NOON).await;
            assert!(matches!(attempt, Err(AccountError::BadCredentials)), "{label}: {name:?}: {attempt:?}");
        }
        for name in ["locktest ", " LOCKTEST", "locktest\t"] {
            let attempt = accounts::sign_in(store, name, "not the password!", NOON).await;
            assert!(matches!(attempt, Err(AccountError::Locked)), "{label}: a sixth guess as {name:?}: {attempt:?}");
        }
        let padded = accounts::sign_in(store, " locktest ", PASSWORD, NOON).await;
        assert!(matches!(padded, Err(AccountError::Locked)), "{label}: the right password while locked: {padded:?}");
        // The window passes: the right password signs in, however the name is typed.
        let later = NOON + time::Duration::minutes(16);
        accounts::sign_in(store, " LockTest\t", PASSWORD, later).await.expect("signs in after the window");
    })
    .await;
}

#[tokio::test]
async fn thirty_guesses_at_once_get_five_checks() {
    each_store(async |store, label| {
        locktest(store).await;
        let attempts = (0..30).map(|i| async move {
            accounts::sign_in(store, "locktest", &format!("wrong password {i:02}"), NOON).await
        });
        let results = futures_join_all(attempts).await;
        let checked = results.iter().filter(|r| matches!(r, Err(AccountError::BadCredentials))).count();
        let refused = results.iter().filter(|r| matches!(r, Err(AccountError::Locked))).count();
        assert_eq!((checked, refused), (5, 25), "{label}: {results:?}");
        assert!(matches!(accounts::sign_in(store, "locktest", PASSWORD, NOON).await, Err(AccountError::Locked)));
    })
    .await;
}

/// Runs futures concurrently on the current task, as many requests arriving together.
async fn futures_join_all<F: std::future::Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let mut set = Vec::new();
    for future in futures {
        set.push(Box::pin(future));
    }
    let mut results: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, result) in set.iter_mut().zip(results.iter_mut()) {
            if result.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *result = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    results.into_iter().map(|r| r.expect("every future finished")).collect()
}

#[tokio::test]
async fn failures_from_one_address_are_counted_across_usernames() {
    each_store(async |store, label| {
        locktest(store).await;
        for i in 0..accounts::MAX_ADDRESS_FAILURES {
            let name = format!("guess{i}");
            let attempt =
                accounts::sign_in_from(store, &name, "not the password!", None, Some("192.0.2.7"), NOON).await;
            assert!(matches!(attempt, Err(AccountError::BadCredentials)), "{label}: {attempt:?}");
        }
        let blocked = accounts::sign_in_from(store, "locktest", PASSWORD, None, Some("192.0.2.7"), NOON).await;
        assert!(matches!(blocked, Err(AccountError::AddressLocked)), "{label}: {blocked:?}");
        accounts::sign_in_from(store, "locktest", PASSWORD, None, Some("192.0.2.8"), NOON)
            .await
            .expect("another address signs in");
        // A minute later the address may try again: a flood does not lock a shared address out
        // for long.
        let later = NOON + time::Duration::seconds(61);
        accounts::sign_in_from(store, "locktest", PASSWORD, None, Some("192.0.2.7"), later)
            .await
            .expect("the address signs in a minute later");
    })
    .await;
}

#[test]
fn passwords_people_guess_are_refused() {
    for (password, why) in [
        ("short pass", "at least 12"),
        ("aaaaaaaaaaaaaaaa", "one character repeated"),
        ("              ", "spaces only"),
        ("qwerty123456", "commonly used"),
        ("1QAZ2WSX3EDC", "commonly used"),
    ] {
        match accounts::check_password(password) {
            Err(AccountError::WeakPassword(reason)) => assert!(reason.contains(why), "{password:?}: {reason}"),
            other => panic!("{password:?} was not refused: {other:?}"),
        }
    }
    accounts::check_password("correct horse battery").unwrap();
}

#[tokio::test]
async fn a_change_of_password_ends_every_other_session_and_a_reset_ends_all() {
    each_store(async |store, label| {
        locktest(store).await;
        let first = accounts::sign_in(store, "locktest", PASSWORD, NOON).await.unwrap();
        let second = accounts::sign_in(store, "locktest", PASSWORD, NOON).await.unwrap();
        let user = accounts::session(store, &first, NOON).await.unwrap().unwrap();
        accounts::change_password(store, &user, PASSWORD, "another long password", Some(&first)).await.unwrap();
        assert!(accounts::session(store, &first, NOON).await.unwrap().is_some(), "{label}: the session in use stays");
        assert!(accounts::session(store, &second, NOON).await.unwrap().is_none(), "{label}: the other one ends");
        accounts::reset_password(store, user.id, "a reset password here").await.unwrap();
        assert!(accounts::session(store, &first, NOON).await.unwrap().is_none(), "{label}: a reset ends all");
        let refused = accounts::reset_password(store, user.id, "password1").await;
        assert!(matches!(refused, Err(AccountError::WeakPassword(_))), "{label}");
    })
    .await;
}

fn code(secret: &str, at: OffsetDateTime) -> String {
    let key = byname_casework::totp::unbase32(secret).unwrap();
    byname_casework::totp::code_at(&key, at.unix_timestamp(), 6)
}

#[tokio::test]
async fn the_second_factor_spends_each_code_once_and_a_session_alone_cannot_turn_it_off() {
    each_store(async |store, label| {
        locktest(store).await;
        let token = accounts::sign_in(store, "locktest", PASSWORD, NOON).await.unwrap();
        let user = accounts::session(store, &token, NOON).await.unwrap().unwrap();
        let refused = accounts::start_totp(store, &user, "", "", NOON).await;
        assert!(matches!(refused, Err(AccountError::Invalid(_))), "{label}: enrolling needs the password");
        let (secret, _) = accounts::start_totp(store, &user, PASSWORD, "", NOON).await.unwrap();
        accounts::confirm_totp(store, &user, &code(&secret, NOON), NOON).await.unwrap();
        // The secret is sealed at rest.
        let raw: String = sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
            .bind(user.id)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert!(!raw.contains(&secret) && raw.starts_with("v1:"), "{label}: {raw}");

        let later = NOON + time::Duration::minutes(2);
        // A right password without a code, or with a wrong one, reads as a wrong password.
        for code in [None, Some("000000")] {
            let attempt = accounts::sign_in_with_code(store, "locktest", PASSWORD, code, later).await;
            assert!(matches!(attempt, Err(AccountError::BadCredentials)), "{label}: {code:?}: {attempt:?}");
        }
        let right = code(&secret, later);
        accounts::sign_in_with_code(store, "locktest", PASSWORD, Some(&right), later).await.unwrap();
        let again = accounts::sign_in_with_code(store, "locktest", PASSWORD, Some(&right), later).await;
        assert!(matches!(again, Err(AccountError::BadCredentials)), "{label}: a code is spent once: {again:?}");

        // Enrolling again with the password but no code is refused, and leaves the factor on.
        let refused = accounts::start_totp(store, &user, PASSWORD, "", later).await;
        assert!(matches!(refused, Err(AccountError::Invalid(_))), "{label}: {refused:?}");
        let refused = accounts::disable_totp(store, &user, PASSWORD, "", later).await;
        assert!(matches!(refused, Err(AccountError::Invalid(_))), "{label}: {refused:?}");
        assert!(store.user_by_id(user.id).await.unwrap().unwrap().totp_enabled, "{label}: still on");
        // Enrolling a new phone keeps the old factor on until a code from the new one is shown.
        let later = later + time::Duration::minutes(2);
        let (fresh, _) = accounts::start_totp(store, &user, PASSWORD, &code(&secret, later), later).await.unwrap();
        assert!(store.user_by_id(user.id).await.unwrap().unwrap().totp_enabled, "{label}: on while enrolling");
        let later = later + time::Duration::minutes(2);
        accounts::confirm_totp(store, &user, &code(&fresh, later), later).await.unwrap();
        let later = later + time::Duration::minutes(2);
        accounts::disable_totp(store, &user, PASSWORD, &code(&fresh, later), later).await.unwrap();
        assert!(!store.user_by_id(user.id).await.unwrap().unwrap().totp_enabled, "{label}: off");
    })
    .await;
}

#[tokio::test]
async fn every_administrative_change_is_in_the_audit_log_with_who_made_it() {
    each_store(async |store, label| {
        let organisation = organisation(store).await;
        let admin_id =
            accounts::add_user(store, "admin", "Admin", "admin", organisation, PASSWORD, instant()).await.unwrap();
        let token = accounts::sign_in(store, "admin", PASSWORD, NOON).await.unwrap();
        let admin = accounts::session(store, &token, NOON).await.unwrap().unwrap();
        let actor = Actor::User(&admin);
        let account = NewAccount {
            username: "Frontline",
            display_name: "Front Line",
            role: "outreach_worker",
            organisation_id: organisation,
            password: "a first password here",
            must_change_password: true,
        };
        let id = accounts::add_account(store, actor, &account, instant()).await.unwrap();
        assert_eq!(store.user_by_id(id).await.unwrap().unwrap().username, "frontline", "{label}: normalised");
        accounts::set_disabled(store, actor, id, true, instant()).await.unwrap();
        accounts::set_disabled(store, actor, id, false, instant()).await.unwrap();
        accounts::reset_password_as(store, actor, id, "another first password", instant()).await.unwrap();
        accounts::set_role(store, actor, id, "service_lead", instant()).await.unwrap();
        accounts::set_profile_as(store, actor, id, "service_lead", None, true, instant()).await.unwrap();
        accounts::set_email_as(store, actor, id, "front@example.org", instant()).await.unwrap();
        byname_casework::by_name_list::set_window_as(store, actor, 60, instant()).await.unwrap();
        let rows = store.audit_rows(0, 1000).await.unwrap();
        let by_admin: Vec<&str> =
            rows.iter().filter(|r| r.entry.user_id == Some(admin_id)).map(|r| r.entry.action.as_str()).collect();
        assert_eq!(
            by_admin,
            [
                "add_user",
                "reset_password",
                "disable_user",
                "enable_user",
                "reset_password",
                "change_role",
                "change_user_profile",
                "change_user_email",
                "change_setting"
            ],
            "{label}"
        );
        // The operator's own changes are in it too, marked as the command line's.
        assert!(rows.iter().any(|r| r.entry.user_id.is_none()
            && r.entry.action == "add_user"
            && r.entry.detail.as_deref().is_some_and(|d| d.starts_with("command line: user admin"))));
        // A role that does not manage accounts may not.
        let worker = accounts::sign_in(store, "frontline", "another first password", NOON).await.unwrap();
        let worker = accounts::session(store, &worker, NOON).await.unwrap().unwrap();
        let refused = accounts::set_disabled(store, Actor::User(&worker), admin_id, true, instant()).await;
        assert!(matches!(refused, Err(AccountError::Forbidden)), "{label}: {refused:?}");
        let verification = byname_casework::audit::verify(store).await.unwrap();
        assert_eq!(verification.broken_at, None, "{label}: {}", verification.report());
        assert!(store.audit_head().await.unwrap().is_some());
    })
    .await;
}
