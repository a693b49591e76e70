//! Signing in: Argon2id password hashes, random session tokens stored only as
//! their SHA-256, and a CSRF token per session.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use byname_domain::Role;
use byname_store::{AdminChange, AuditEntry, NewSession, NewUser, Store, StoreError, UserRow};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// How long a session lasts from sign-in.
pub const SESSION_HOURS: i64 = 12;

/// Sign-in attempts allowed per username within [`THROTTLE_MINUTES`] before it is refused for
/// the rest of that window.
pub const MAX_ATTEMPTS: i64 = 5;
/// Failed sign-ins allowed from one address within a minute (many usernames tried from one
/// place), before that address is refused for the rest of the minute. A minute, not longer: behind
/// a proxy many people may share an address, and a flood must not lock them out for long.
pub const MAX_ADDRESS_FAILURES: i64 = 100;
pub const ADDRESS_WINDOW_MINUTES: i64 = 1;
pub const THROTTLE_MINUTES: i64 = 15;
/// The shortest password.
pub const MIN_PASSWORD_CHARS: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("unknown username, wrong password or wrong code")]
    BadCredentials,
    #[error("too many failed attempts for this username: wait 15 minutes or ask an administrator")]
    Locked,
    #[error("too many failed sign-ins from this address: wait a minute")]
    AddressLocked,
    #[error("{0}")]
    WeakPassword(&'static str),
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("{0}")]
    Invalid(String),
    #[error("your role cannot do this")]
    Forbidden,
    #[error("no such user")]
    NoSuchUser,
    #[error("no such change")]
    NoSuchChange,
    #[error("no such step")]
    NoSuchStep,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A username as it is stored, looked up and throttled: one form, decided once.
pub fn normalise_username(text: &str) -> String {
    text.trim().to_lowercase()
}

/// The most commonly used passwords (see `data/README.md`), lower-cased.
fn common_passwords() -> &'static std::collections::HashSet<&'static str> {
    static LIST: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| include_str!("../data/common-passwords.txt").lines().filter(|l| !l.is_empty()).collect())
}

/// Whether a password may be chosen: at least twelve characters, not one character repeated,
/// not whitespace only, and not among the most commonly used passwords.
pub fn check_password(password: &str) -> Result<(), AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::WeakPassword("the password must have at least 12 characters"));
    }
    if password.trim().is_empty() {
        return Err(AccountError::WeakPassword("the password must not be spaces only"));
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(AccountError::WeakPassword("the password must not be one character repeated"));
    }
    if common_passwords().contains(password.to_lowercase().as_str()) {
        return Err(AccountError::WeakPassword("the password is one of the most commonly used: choose another"));
    }
    Ok(())
}

/// Argon2 is slow on purpose (tens of milliseconds of one core): it runs on the blocking pool,
/// never on the workers that answer pages, and at most one hash a core but one at a time, so a
/// flood of sign-ins queues here while everyone else is answered.
async fn on_hashing_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AccountError> {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let permits = PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        tokio::sync::Semaphore::new(cores.saturating_sub(1).max(1))
    });
    let _permit = permits.acquire().await.map_err(|e| AccountError::Hashing(e.to_string()))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| AccountError::Hashing(e.to_string()))
}

async fn verify_password_pooled(password: &str, hash: &str) -> Result<bool, AccountError> {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    on_hashing_pool(move || verify_password(&password, &hash)).await
}

async fn hash_password_pooled(password: &str) -> Result<String, AccountError> {
    check_password(password)?;
    let password = password.to_owned();
    on_hashing_pool(move || hash_password(&password)).await?
}

/// Who makes an administrative change: a signed-in user, or the operator at the command line.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    User(&'a SessionUser),
    Operator,
}

impl Actor<'_> {
    /// The audit entry of an administrative change.
    pub fn entry(self, action: &str, detail: impl Into<String>, now: OffsetDateTime) -> AuditEntry {
        match self {
            Actor::User(user) => crate::access::entry(user, action, None, "administration", None, detail, now),
            Actor::Operator => AuditEntry {
                at: byname_store::sql_instant(now),
                user_id: None,
                organisation_id: None,
                action: action.to_owned(),
                person_id: None,
                purpose: Some("administration".to_owned()),
                basis: None,
                detail: Some(format!("command line: {}", detail.into())),
                persons: Vec::new(),
            },
        }
    }

    /// Whether this actor manages accounts (administrators, and the operator).
    fn manages_accounts(self) -> bool {
        match self {
            Actor::User(user) => byname_domain::access::can_manage_users(user.role),
            Actor::Operator => true,
        }
    }
}

/// Checks that `actor` manages accounts.
fn require_manager(actor: Actor<'_>) -> Result<(), AccountError> {
    if actor.manages_accounts() { Ok(()) } else { Err(AccountError::Forbidden) }
}

pub use crate::user::SessionUser;

pub use byname_pipeline::random_token;

/// An Argon2id hash of a password that [`check_password`] accepts. Slow: callers in a server
/// go through the hashing pool.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    check_password(password)?;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system provides randomness");
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hashing(e.to_string()))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AccountError::Hashing(e.to_string()))?
        .to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new account, as an administrator or the operator fills it in.
#[derive(Debug, Clone, Default)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub organisation_id: i64,
    pub password: &'a str,
    /// The password was chosen by someone else: the user chooses their own at first sign-in.
    pub must_change_password: bool,
}

/// Checks a username: letters, digits, `-`, `_` and `.`, up to 64.
pub fn check_username(username: &str) -> Result<String, AccountError> {
    let username = normalise_username(username);
    let valid = !username.is_empty()
        && username.len() <= 64
        && username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !valid {
        return Err(AccountError::Invalid("username: letters, digits, '-', '_' and '.' only, up to 64".into()));
    }
    Ok(username)
}

/// Adds a user (or replaces the role, organisation and password of one with that username), as
/// the operator; audited.
pub async fn add_user<S: Store>(
    store: &S,
    username: &str,
    display_name: &str,
    role: &str,
    organisation_id: i64,
    password: &str,
    now: OffsetDateTime,
) -> Result<i64, AccountError> {
    let account = NewAccount { username, display_name, role, organisation_id, password, must_change_password: false };
    add_account(store, Actor::Operator, &account, now).await
}

/// Adds a user (or replaces one with that username); audited with who did it.
pub async fn add_account<S: Store>(
    store: &S,
    actor: Actor<'_>,
    account: &NewAccount<'_>,
    now: OffsetDateTime,
) -> Result<i64, AccountError> {
    require_manager(actor)?;
    let role = Role::parse(account.role).ok_or_else(|| AccountError::UnknownRole(account.role.to_owned()))?;
    let username = check_username(account.username)?;
    let display_name = account.display_name.trim();
    if display_name.is_empty() || display_name.chars().count() > 200 {
        return Err(AccountError::Invalid("name: required, up to 200 characters".into()));
    }
    if !store.organisations().await?.iter().any(|o| o.id == account.organisation_id) {
        return Err(AccountError::Invalid("organisation: not a partner organisation".into()));
    }
    let user = NewUser {
        username: username.clone(),
        display_name: display_name.to_owned(),
        role: role.code().to_owned(),
        organisation_id: account.organisation_id,
        password_hash: hash_password_pooled(account.password).await?,
    };
    let detail = format!("user {username}: role {}, organisation {}", role.code(), account.organisation_id);
    let id = store.administer(AdminChange::AddUser(&user), &actor.entry("add_user", detail, now)).await?;
    if account.must_change_password {
        let change =
            AdminChange::SetPassword { user_id: id, hash: &user.password_hash, must_change: true, keep_session: None };
        let entry = actor.entry("reset_password", format!("user {id}: first password, changed at first sign-in"), now);
        store.administer(change, &entry).await?;
    }
    Ok(id)
}

/// Checks a password and opens a session; returns the secret cookie value.
pub async fn sign_in<S: Store>(
    store: &S,
    username: &str,
    password: &str,
    now: OffsetDateTime,
) -> Result<String, AccountError> {
    sign_in_with_code(store, username, password, None, now).await
}

/// Checks a password, and the authenticator code when the user has turned the second factor
/// on, and opens a session.
pub async fn sign_in_with_code<S: Store>(
    store: &S,
    username: &str,
    password: &str,
    code: Option<&str>,
    now: OffsetDateTime,
) -> Result<String, AccountError> {
    sign_in_from(store, username, password, code, None, now).await
}

/// Signing in from an address. The username is normalised once, and that form is looked up and
/// throttled. Each attempt is counted in the database before the password is checked, so
/// concurrent guesses past [`MAX_ATTEMPTS`] are refused without a check, on every server; a
/// success forgets the count. Failures are counted per address too ([`MAX_ADDRESS_FAILURES`] a
/// minute).
/// A wrong password, an unknown user, and a right password with a missing or wrong code all
/// give the same answer.
pub async fn sign_in_from<S: Store>(
    store: &S,
    username: &str,
    password: &str,
    code: Option<&str>,
    address: Option<&str>,
    now: OffsetDateTime,
) -> Result<String, AccountError> {
    let name = normalise_username(username);
    let window_start = now - time::Duration::minutes(THROTTLE_MINUTES);
    let address_key = address.map(|a| format!("address:{a}"));
    let address_window = now - time::Duration::minutes(ADDRESS_WINDOW_MINUTES);
    if let Some(key) = &address_key
        && store.login_attempts(key, address_window).await? >= MAX_ADDRESS_FAILURES
    {
        return Err(AccountError::AddressLocked);
    }
    let user_key = format!("user:{name}");
    if store.count_login_attempt(&user_key, now, window_start).await? > MAX_ATTEMPTS {
        return Err(AccountError::Locked);
    }
    match check_credentials(store, &name, password, code, now).await {
        Ok(user_id) => {
            store.clear_login_attempts(&user_key).await?;
            let token = random_token(32);
            store
                .create_session(&NewSession {
                    token_hash: token_hash(&token),
                    user_id,
                    csrf_token: random_token(16),
                    created_at: now,
                    expires_at: now + time::Duration::hours(SESSION_HOURS),
                })
                .await?;
            Ok(token)
        }
        Err(AccountError::BadCredentials) => {
            if let Some(key) = &address_key {
                store.count_login_attempt(key, now, address_window).await?;
            }
            Err(AccountError::BadCredentials)
        }
        Err(error) => Err(error),
    }
}

/// The user whose password (and code, when the second factor is on) these are.
async fn check_credentials<S: Store>(
    store: &S,
    name: &str,
    password: &str,
    code: Option<&str>,
    now: OffsetDateTime,
) -> Result<i64, AccountError> {
    // A missing user still costs one hash, so timing does not reveal which usernames exist.
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0n1F3b0VgOo5RxpLAHs6YFQp4Ps8KsdO+/r8R7LJm6k";
    let user = store.user_by_username(name).await?.filter(|u| !u.disabled);
    let hash = user.as_ref().map_or(DUMMY, |u| u.password_hash.as_str());
    let right = verify_password_pooled(password, hash).await?;
    let Some(user) = user.filter(|_| right) else { return Err(AccountError::BadCredentials) };
    if user.totp_enabled {
        // The same answer as a wrong password: a right password alone confirms nothing.
        let secret = user.totp_secret.as_deref().unwrap_or_default();
        let step = code.and_then(|c| crate::totp::verified_step(secret, c, now)).ok_or(AccountError::BadCredentials)?;
        if !store.spend_totp_step(user.id, step).await? {
            return Err(AccountError::BadCredentials);
        }
    }
    Ok(user.id)
}

fn session_user(user: UserRow, csrf_token: String) -> Option<SessionUser> {
    Some(SessionUser {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        organisation_id: user.organisation_id,
        organisation_name: user.organisation_name,
        csrf_token,
        must_change_password: user.must_change_password,
        data_protection_lead: user.data_protection_lead,
    })
}

/// The user a session cookie belongs to, if the session is current.
pub async fn session<S: Store>(
    store: &S,
    token: &str,
    now: OffsetDateTime,
) -> Result<Option<SessionUser>, AccountError> {
    let row = store.session(&token_hash(token), now).await?;
    Ok(row.and_then(|r| session_user(r.user, r.csrf_token)))
}

pub async fn sign_out<S: Store>(store: &S, token: &str) -> Result<(), AccountError> {
    Ok(store.delete_session(&token_hash(token)).await?)
}

/// The account an administrator changes.
async fn managed<S: Store>(store: &S, user_id: i64) -> Result<UserRow, AccountError> {
    store.user_by_id(user_id).await?.ok_or_else(|| AccountError::Invalid("no such user".into()))
}

/// Sets what a user answers for: the service area of a service leader, and whether they are
/// their organisation's data-protection lead; as the operator.
pub async fn set_profile<S: Store>(
    store: &S,
    user_id: i64,
    role: &str,
    service_area: Option<&str>,
    data_protection_lead: bool,
) -> Result<(), AccountError> {
    let now = OffsetDateTime::now_utc();
    set_profile_as(store, Actor::Operator, user_id, role, service_area, data_protection_lead, now).await
}

/// Sets a user's service area and data-protection lead; audited.
pub async fn set_profile_as<S: Store>(
    store: &S,
    actor: Actor<'_>,
    user_id: i64,
    role: &str,
    service_area: Option<&str>,
    data_protection_lead: bool,
    now: OffsetDateTime,
) -> Result<(), AccountError> {
    require_manager(actor)?;
    let role = Role::parse(role).ok_or_else(|| AccountError::UnknownRole(role.to_owned()))?;
    if let Some(area) = service_area {
        if byname_domain::org::service_area_label(area).is_none() {
            let known: Vec<&str> = byname_domain::org::SERVICE_AREAS.iter().map(|(c, _)| *c).collect();
            return Err(AccountError::Invalid(format!("no service area {area:?}; these are: {}", known.join(", "))));
        }
        if role != Role::ServiceLeader {
            return Err(AccountError::Invalid("only a service leader answers for a service area".into()));
        }
    }
    managed(store, user_id).await?;
    let detail =
        format!("user {user_id}: area {}, data-protection lead {data_protection_lead}", service_area.unwrap_or("none"));
    let change = AdminChange::SetProfile { user_id, service_area, data_protection_lead };
    store.administer(change, &actor.entry("change_user_profile", detail, now)).await?;
    Ok(())
}

/// Changes a user's role; their sessions end, so the new role takes effect at once. Audited.
pub async fn set_role<S: Store>(
    store: &S,
    actor: Actor<'_>,
    user_id: i64,
    role: &str,
    now: OffsetDateTime,
) -> Result<(), AccountError> {
    require_manager(actor)?;
    let role = Role::parse(role).ok_or_else(|| AccountError::UnknownRole(role.to_owned()))?;
    let user = managed(store, user_id).await?;
    let detail = format!("user {user_id}: role {} to {}", user.role, role.code());
    store
        .administer(AdminChange::SetRole { user_id, role: role.code() }, &actor.entry("change_role", detail, now))
        .await?;
    Ok(())
}

/// Records an administrator's change to a setting, with the change itself.
pub async fn change_setting<S: Store>(
    store: &S,
    actor: Actor<'_>,
    name: &str,
    value: &str,
    now: OffsetDateTime,
) -> Result<(), AccountError> {
    require_manager(actor)?;
    let detail = format!("setting {name} = {value}");
    store.administer(AdminChange::SetSetting { name, value }, &actor.entry("change_setting", detail, now)).await?;
    Ok(())
}

/// Checks an address before it is saved: `None` for an empty one (no email), the trimmed
/// address otherwise.
pub fn check_email(email: &str) -> Result<Option<&str>, AccountError> {
    let email = email.trim();
    if email.is_empty() {
        return Ok(None);
    }
    if !crate::mail::valid_address(email) {
        return Err(AccountError::Invalid(format!("{email:?} is not an email address")));
    }
    Ok(Some(email))
}

/// Sets where a user's notifications are emailed, or clears it with an empty address; as the
/// operator.
pub async fn set_email<S: Store>(store: &S, user_id: i64, email: &str) -> Result<(), AccountError> {
    let now = OffsetDateTime::now_utc();
    set_email_as(store, Actor::Operator, user_id, email, now).await
}

/// Sets where a user's notifications are emailed; audited.
pub async fn set_email_as<S: Store>(
    store: &S,
    actor: Actor<'_>,
    user_id: i64,
    email: &str,
    now: OffsetDateTime,
) -> Result<(), AccountError> {
    require_manager(actor)?;
    let email = check_email(email)?;
    managed(store, user_id).await?;
    let detail = format!("user {user_id}: email {}", if email.is_some() { "set" } else { "none" });
    store.administer(AdminChange::SetEmail { user_id, email }, &actor.entry("change_user_email", detail, now)).await?;
    Ok(())
}

/// Makes a service leader the head of service of their area (escalation level 2), or stops; as
/// the operator.
pub async fn set_head_of_service<S: Store>(store: &S, user_id: i64, head: bool) -> Result<(), AccountError> {
    let now = OffsetDateTime::now_utc();
    set_head_of_service_as(store, Actor::Operator, user_id, head, now).await
}

/// Makes a service leader the head of service of their area, or stops; audited.
pub async fn set_head_of_service_as<S: Store>(
    store: &S,
    actor: Actor<'_>,
    user_id: i64,
    head: bool,
    now: OffsetDateTime,
) -> Result<(), AccountError> {
    require_manager(actor)?;
    let user = managed(store, user_id).await?;
    if head && (user.role != Role::ServiceLeader || user.service_area.is_none()) {
        return Err(AccountError::Invalid(format!(
            "{} is not a service leader with a service area, so cannot be a head of service",
            user.username
        )));
    }
    let detail = format!("user {user_id}: head of service {head}");
    store
        .administer(
            AdminChange::SetHeadOfService { user_id, head },
            &actor.entry("change_head_of_service", detail, now),
        )
        .await?;
    Ok(())
}

/// Disables a user (their sessions end) or enables them again; audited.
pub async fn set_disabled<S: Store>(
    store: &S,
    actor: Actor<'_>,
    user_id: i64,
    disabled: bool,
    now: OffsetDateTime,
) -> Result<(), AccountError> {
    require_manager(actor)?;
    if let Actor::User(admin) = actor
        && admin.id == user_id
        && disabled
    {
        return Err(AccountError::Invalid("you cannot disable yourself".into()));
    }
    managed(store, user_id).await?;
    let action = if disabled { "disable_user" } else { "enable_user" };
    store
        .administer(
            AdminChange::SetDisabled { user_id, disabled },
            &actor.entry(action, format!("user {user_id}"), now),
        )
        .await?;
    Ok(())
}

/// An administrator's reset, as the operator: a new password that must be changed at the next
/// sign-in, and every session of the user ended.
pub async fn reset_password<S: Store>(store: &S, user_id: i64, password: &str) -> Result<(), AccountError> {
    let now = OffsetDateTime::now_utc();
    reset_password_as(store, Actor::Operator, user_id, password, now).await
}

/// An administrator's reset: a new password that must be changed at the next sign-in, and
/// every session of the user ended; audited.
pub async fn reset_password_as<S: Store>(
    store: &S,
    actor: Actor<'_>,
    user_id: i64,
    password: &str,
    now: OffsetDateTime,
) -> Result<(), AccountError> {
    require_manager(actor)?;
    managed(store, user_id).await?;
    let hash = hash_password_pooled(password).await?;
    let change = AdminChange::SetPassword { user_id, hash: &hash, must_change: true, keep_session: None };
    store.administer(change, &actor.entry("reset_password", format!("user {user_id}"), now)).await?;
    Ok(())
}

/// A user's own change of password: the current one first. Every other session of theirs ends;
/// `session_token` is the one they are using.
pub async fn change_password<S: Store>(
    store: &S,
    user: &SessionUser,
    current: &str,
    new: &str,
    session_token: Option<&str>,
) -> Result<(), AccountError> {
    let row = store.user_by_id(user.id).await?.ok_or(AccountError::BadCredentials)?;
    if !verify_password_pooled(current, &row.password_hash).await? {
        return Err(AccountError::BadCredentials);
    }
    if current == new {
        return Err(AccountError::Invalid("choose a password other than the current one".into()));
    }
    let hash = hash_password_pooled(new).await?;
    let keep = session_token.map(token_hash);
    let change =
        AdminChange::SetPassword { user_id: user.id, hash: &hash, must_change: false, keep_session: keep.as_deref() };
    let now = OffsetDateTime::now_utc();
    store.administer(change, &Actor::User(user).entry("change_own_password", "other sessions ended", now)).await?;
    Ok(())
}

/// Checks the password, and a current code when the second factor is on: what turning it off or
/// enrolling again asks for.
async fn confirm_identity<S: Store>(
    store: &S,
    user: &SessionUser,
    password: &str,
    code: &str,
    now: OffsetDateTime,
) -> Result<UserRow, AccountError> {
    let row = store.user_by_id(user.id).await?.ok_or(AccountError::BadCredentials)?;
    if !verify_password_pooled(password, &row.password_hash).await? {
        return Err(AccountError::Invalid("that is not your password".into()));
    }
    if row.totp_enabled {
        let secret = row.totp_secret.as_deref().unwrap_or_default();
        let step = crate::totp::verified_step(secret, code, now)
            .ok_or_else(|| AccountError::Invalid("give the current code from your authenticator app".into()))?;
        if !store.spend_totp_step(user.id, step).await? {
            return Err(AccountError::Invalid("that code was used already: wait for the next one".into()));
        }
    }
    Ok(row)
}

/// Starts setting up the second factor, with the password (and a current code when one is in
/// force): a new secret, kept apart until a code from it is confirmed, so the factor in force
/// stays on meanwhile. Returns the secret and the address an authenticator app reads.
pub async fn start_totp<S: Store>(
    store: &S,
    user: &SessionUser,
    password: &str,
    code: &str,
    now: OffsetDateTime,
) -> Result<(String, String), AccountError> {
    confirm_identity(store, user, password, code, now).await?;
    let secret = crate::totp::new_secret();
    let change = AdminChange::SetTotpPending { user_id: user.id, secret: Some(&secret) };
    store.administer(change, &Actor::User(user).entry("start_second_factor", "enrolment started", now)).await?;
    let uri = crate::totp::otpauth_uri(&secret, &user.username);
    Ok((secret, uri))
}

/// Turns the enrolled secret on once the user shows a right code from it.
pub async fn confirm_totp<S: Store>(
    store: &S,
    user: &SessionUser,
    code: &str,
    now: OffsetDateTime,
) -> Result<(), AccountError> {
    let row = store.user_by_id(user.id).await?.ok_or(AccountError::BadCredentials)?;
    let Some(secret) = row.totp_pending else {
        return Err(AccountError::Invalid("set up the authenticator first".into()));
    };
    let Some(step) = crate::totp::verified_step(&secret, code, now) else {
        return Err(AccountError::Invalid(
            "that code is not right: check the phone's clock and try the next one".into(),
        ));
    };
    let entry = Actor::User(user).entry("enable_second_factor", "second factor on", now);
    store.administer(AdminChange::EnableTotp { user_id: user.id, step }, &entry).await?;
    Ok(())
}

/// Turns the second factor off, with the password and a current code.
pub async fn disable_totp<S: Store>(
    store: &S,
    user: &SessionUser,
    password: &str,
    code: &str,
    now: OffsetDateTime,
) -> Result<(), AccountError> {
    confirm_identity(store, user, password, code, now).await?;
    let entry = Actor::User(user).entry("disable_second_factor", "second factor off", now);
    store.administer(AdminChange::DisableTotp { user_id: user.id }, &entry).await?;
    Ok(())
}

/// What the users page shows an administrator: every account, and the organisations a new one
/// may belong to.
#[derive(Debug)]
pub struct UsersPage {
    pub users: Vec<UserRow>,
    pub organisations: Vec<byname_domain::Organisation>,
}

/// The users page, for those who manage accounts.
pub async fn users_page<S: Store>(store: &S, user: &SessionUser) -> Result<UsersPage, AccountError> {
    if !byname_domain::access::can_manage_users(user.role) {
        return Err(AccountError::Forbidden);
    }
    Ok(UsersPage { users: store.users().await?, organisations: store.organisations().await? })
}

/// One account, for those who manage accounts: to show its profile or change it.
pub async fn managed_user<S: Store>(store: &S, user: &SessionUser, id: i64) -> Result<UserRow, AccountError> {
    if !byname_domain::access::can_manage_users(user.role) {
        return Err(AccountError::Forbidden);
    }
    store.user_by_id(id).await?.ok_or(AccountError::NoSuchUser)
}

/// Adds an account as an administrator, with the service area it answers for and whether it is
/// its organisation's data-protection lead; a username already taken is refused first.
pub async fn add_user_as<S: Store>(
    store: &S,
    user: &SessionUser,
    account: &NewAccount<'_>,
    service_area: Option<&str>,
    data_protection_lead: bool,
    now: OffsetDateTime,
) -> Result<i64, AccountError> {
    if !byname_domain::access::can_manage_users(user.role) {
        return Err(AccountError::Forbidden);
    }
    if let Ok(Some(_)) = store.user_by_username(&normalise_username(account.username)).await {
        return Err(AccountError::Invalid("that username is taken".into()));
    }
    let actor = Actor::User(user);
    let id = add_account(store, actor, account, now).await?;
    if service_area.is_some() || data_protection_lead {
        set_profile_as(store, actor, id, account.role, service_area, data_protection_lead, now).await?;
    }
    Ok(id)
}

/// Whether the user signs in with a second factor.
pub async fn totp_enabled<S: Store>(store: &S, user: &SessionUser) -> Result<bool, StoreError> {
    Ok(store.user_by_id(user.id).await?.is_some_and(|r| r.totp_enabled))
}

/// What an administrator changes on a user's profile page.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange<'a> {
    /// The address notifications are emailed to; empty for none.
    pub email: &'a str,
    pub service_area: Option<&'a str>,
    pub head_of_service: bool,
    pub data_protection_lead: bool,
    /// A new role's code; empty keeps the one held.
    pub role: &'a str,
}

/// Saves a user's profile as an administrator: everything is checked before anything is saved,
/// and each change is saved with its audit entry.
pub async fn save_profile_as<S: Store>(
    store: &S,
    user: &SessionUser,
    id: i64,
    change: &ProfileChange<'_>,
    now: OffsetDateTime,
) -> Result<(), AccountError> {
    let profile = managed_user(store, user, id).await?;
    let actor = Actor::User(user);
    if change.head_of_service && change.service_area.is_none() {
        return Err(AccountError::Invalid("a head of service needs a service area".into()));
    }
    check_email(change.email)?;
    let role = match change.role.trim() {
        "" => profile.role,
        role => Role::parse(role).ok_or_else(|| AccountError::UnknownRole(role.to_owned()))?,
    };
    if role != profile.role {
        set_role(store, actor, id, role.code(), now).await?;
    }
    set_profile_as(store, actor, id, role.code(), change.service_area, change.data_protection_lead, now).await?;
    // Head of service needs the area just saved, so it comes after it.
    set_head_of_service_as(store, actor, id, change.head_of_service, now).await?;
    set_email_as(store, actor, id, change.email, now).await?;
    Ok(())
}

/// A change an administrator makes to an account from the users page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChange {
    Disable,
    Enable,
    ResetPassword,
}

impl UserChange {
    /// The change a users page's form names: `disable`, `enable` or `reset`.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "disable" => Some(Self::Disable),
            "enable" => Some(Self::Enable),
            "reset" => Some(Self::ResetPassword),
            _ => None,
        }
    }
}

/// Disables, enables or resets the password of an account, as an administrator (`password` is
/// the new one, for a reset). The account is looked up first, so an unknown account reads "no such
/// user" whatever the change; `None`, a change that does not exist, is refused after that.
pub async fn change_user<S: Store>(
    store: &S,
    user: &SessionUser,
    id: i64,
    change: Option<UserChange>,
    password: &str,
    now: OffsetDateTime,
) -> Result<(), AccountError> {
    managed_user(store, user, id).await?;
    let actor = Actor::User(user);
    match change.ok_or(AccountError::NoSuchChange)? {
        UserChange::Disable => set_disabled(store, actor, id, true, now).await,
        UserChange::Enable => set_disabled(store, actor, id, false, now).await,
        UserChange::ResetPassword => reset_password_as(store, actor, id, password, now).await,
    }
}

/// A step of the second factor's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpStep {
    /// A new secret to add to an authenticator app (asks for the password, and the current code
    /// while one is in force).
    Start,
    /// The first code from the app, which turns the factor on.
    Confirm,
    /// Turning the factor off (the password and a current code).
    Disable,
}

impl TotpStep {
    /// The step a form posts to: `start`, `confirm` or `disable`.
    pub fn parse(code: &str) -> Option<Self> {
        match code {
            "start" => Some(Self::Start),
            "confirm" => Some(Self::Confirm),
            "disable" => Some(Self::Disable),
            _ => None,
        }
    }
}

/// The second factor's page after a step: whether it is on, the secret and its address while one
/// is being set up, and why the step was refused, if it was.
#[derive(Debug)]
pub struct TotpPage {
    pub enabled: bool,
    pub setup: Option<(String, String)>,
    pub refused: Option<AccountError>,
}

/// Takes a step of the second factor's page; `None`, a step that does not exist, is refused
/// after the user's factor is read. A refused step is a page too, showing the factor as it was;
/// only the store's failures and unknown steps are errors.
pub async fn totp_step<S: Store>(
    store: &S,
    user: &SessionUser,
    step: Option<TotpStep>,
    password: &str,
    code: &str,
    now: OffsetDateTime,
) -> Result<TotpPage, AccountError> {
    let enabled = totp_enabled(store, user).await?;
    let done = match step.ok_or(AccountError::NoSuchStep)? {
        TotpStep::Start => start_totp(store, user, password, code, now).await.map(|setup| TotpPage {
            enabled,
            setup: Some(setup),
            refused: None,
        }),
        TotpStep::Confirm => {
            confirm_totp(store, user, code, now).await.map(|()| TotpPage { enabled: true, setup: None, refused: None })
        }
        TotpStep::Disable => disable_totp(store, user, password, code, now).await.map(|()| TotpPage {
            enabled: false,
            setup: None,
            refused: None,
        }),
    };
    match done {
        Err(AccountError::Store(e)) => Err(AccountError::Store(e)),
        Err(refused) => Ok(TotpPage { enabled, setup: None, refused: Some(refused) }),
        page => page,
    }
}
