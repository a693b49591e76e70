//! Signing in: Argon2id password hashes, random session tokens stored only as
//! their SHA-256, and a CSRF token per session.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use byname_domain::Role;
use byname_store::{NewSession, NewUser, Store, StoreError, UserRow};
use sha2::{Digest, Sha256};

/// How long a session lasts from sign-in.
pub const SESSION_HOURS: i64 = 12;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("unknown username or wrong password")]
    BadCredentials,
    #[error("the password must have at least 12 characters")]
    WeakPassword,
    #[error("unknown role {0:?}")]
    UnknownRole(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("{0}")]
    Invalid(String),
    #[error("this account asks for the code from its authenticator app")]
    CodeNeeded,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A signed-in user, as every use case that reads people needs to know them.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub csrf_token: String,
    /// An administrator reset the password: a new one is chosen before anything else.
    pub must_change_password: bool,
    /// Reads the organisation's audit entries and break-glass openings.
    pub data_protection_lead: bool,
}

/// Random bytes from the operating system, hex-encoded.
pub fn random_token(n_bytes: usize) -> String {
    let mut bytes = vec![0u8; n_bytes];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

pub fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < 12 {
        return Err(AccountError::WeakPassword);
    }
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

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub async fn add_user<S: Store>(
    store: &S,
    username: &str,
    display_name: &str,
    role: &str,
    organisation_id: i64,
    password: &str,
    now: &str,
) -> Result<i64, AccountError> {
    let role = Role::parse(role).ok_or_else(|| AccountError::UnknownRole(role.to_owned()))?;
    let user = NewUser {
        username: username.to_owned(),
        display_name: display_name.to_owned(),
        role: role.code().to_owned(),
        organisation_id,
        password_hash: hash_password(password)?,
    };
    Ok(store.upsert_user(&user, now).await?)
}

/// Checks a password and opens a session; returns the secret cookie value.
pub async fn sign_in<S: Store>(
    store: &S,
    username: &str,
    password: &str,
    now: time::OffsetDateTime,
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
    now: time::OffsetDateTime,
) -> Result<String, AccountError> {
    let user = store.user_by_username(username.trim()).await?;
    // A missing user still costs one hash, so timing does not reveal which usernames exist.
    const DUMMY: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0n1F3b0VgOo5RxpLAHs6YFQp4Ps8KsdO+/r8R7LJm6k";
    let Some(user) = user.filter(|u| !u.disabled) else {
        verify_password(password, DUMMY);
        return Err(AccountError::BadCredentials);
    };
    if !verify_password(password, &user.password_hash) {
        return Err(AccountError::BadCredentials);
    }
    if user.totp_enabled {
        let secret = user.totp_secret.as_deref().unwrap_or_default();
        match code.map(str::trim).filter(|c| !c.is_empty()) {
            None => return Err(AccountError::CodeNeeded),
            Some(code) if !crate::totp::verify(secret, code, now) => return Err(AccountError::BadCredentials),
            Some(_) => {}
        }
    }
    let token = random_token(32);
    store
        .create_session(&NewSession {
            token_hash: token_hash(&token),
            user_id: user.id,
            csrf_token: random_token(16),
            created_at: byname_store::sql_instant(now),
            expires_at: byname_store::sql_instant(now + time::Duration::hours(SESSION_HOURS)),
        })
        .await?;
    Ok(token)
}

fn session_user(user: UserRow, csrf_token: String) -> Option<SessionUser> {
    Some(SessionUser {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: Role::parse(&user.role)?,
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
    now: time::OffsetDateTime,
) -> Result<Option<SessionUser>, AccountError> {
    let row = store.session(&token_hash(token), &byname_store::sql_instant(now)).await?;
    Ok(row.and_then(|r| session_user(r.user, r.csrf_token)))
}

pub async fn sign_out<S: Store>(store: &S, token: &str) -> Result<(), AccountError> {
    Ok(store.delete_session(&token_hash(token)).await?)
}

/// Sets what a user answers for: the service area of a service leader, and whether they are
/// their organisation's data-protection lead.
pub async fn set_profile<S: Store>(
    store: &S,
    user_id: i64,
    role: &str,
    service_area: Option<&str>,
    data_protection_lead: bool,
) -> Result<(), AccountError> {
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
    Ok(store.set_user_profile(user_id, service_area, data_protection_lead).await?)
}

/// Records an administrator's change to an account or a setting in the audit log.
pub async fn audit_admin_change<S: Store>(
    store: &S,
    admin: &SessionUser,
    action: &str,
    detail: &str,
    now: &str,
) -> Result<(), StoreError> {
    store.append_audit(&crate::access::entry(admin, action, None, "administration", None, detail, now)).await
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

/// Sets where a user's notifications are emailed, or clears it with an empty address.
pub async fn set_email<S: Store>(store: &S, user_id: i64, email: &str) -> Result<(), AccountError> {
    Ok(store.set_user_email(user_id, check_email(email)?).await?)
}

/// Makes a service leader the head of service of their area (escalation level 2), or stops.
pub async fn set_head_of_service<S: Store>(store: &S, user_id: i64, head: bool) -> Result<(), AccountError> {
    let user = store.user_by_id(user_id).await?.ok_or_else(|| AccountError::Invalid("no such user".into()))?;
    if head && (user.role != Role::ServiceLeader.code() || user.service_area.is_none()) {
        return Err(AccountError::Invalid(format!(
            "{} is not a service leader with a service area, so cannot be a head of service",
            user.username
        )));
    }
    Ok(store.set_head_of_service(user_id, head).await?)
}

/// An administrator's reset: a new password that must be changed at the next sign-in, and every
/// session of the user ended.
pub async fn reset_password<S: Store>(store: &S, user_id: i64, password: &str) -> Result<(), AccountError> {
    let hash = hash_password(password)?;
    store.set_password(user_id, &hash, true).await?;
    Ok(store.delete_sessions_of(user_id).await?)
}

/// A user's own change of password: the current one first.
pub async fn change_password<S: Store>(
    store: &S,
    user: &SessionUser,
    current: &str,
    new: &str,
) -> Result<(), AccountError> {
    let row = store.user_by_id(user.id).await?.ok_or(AccountError::BadCredentials)?;
    if !verify_password(current, &row.password_hash) {
        return Err(AccountError::BadCredentials);
    }
    if current == new {
        return Err(AccountError::Invalid("choose a password other than the current one".into()));
    }
    let hash = hash_password(new)?;
    Ok(store.set_password(user.id, &hash, false).await?)
}

/// Starts setting up the second factor: a new secret, stored but not yet asked for. Returns the
/// secret and the address an authenticator app reads.
pub async fn start_totp<S: Store>(store: &S, user: &SessionUser) -> Result<(String, String), AccountError> {
    let secret = crate::totp::new_secret();
    store.set_totp(user.id, Some(&secret), false).await?;
    let uri = crate::totp::otpauth_uri(&secret, &user.username);
    Ok((secret, uri))
}

/// Turns the second factor on once the user shows a right code from the new secret.
pub async fn confirm_totp<S: Store>(
    store: &S,
    user: &SessionUser,
    code: &str,
    now: time::OffsetDateTime,
) -> Result<(), AccountError> {
    let row = store.user_by_id(user.id).await?.ok_or(AccountError::BadCredentials)?;
    let Some(secret) = row.totp_secret else {
        return Err(AccountError::Invalid("set up the authenticator first".into()));
    };
    if !crate::totp::verify(&secret, code, now) {
        return Err(AccountError::Invalid(
            "that code is not right: check the phone's clock and try the next one".into(),
        ));
    }
    Ok(store.set_totp(user.id, Some(&secret), true).await?)
}

/// Turns the second factor off, with the password.
pub async fn disable_totp<S: Store>(store: &S, user: &SessionUser, password: &str) -> Result<(), AccountError> {
    let row = store.user_by_id(user.id).await?.ok_or(AccountError::BadCredentials)?;
    if !verify_password(password, &row.password_hash) {
        return Err(AccountError::BadCredentials);
    }
    Ok(store.set_totp(user.id, None, false).await?)
}
