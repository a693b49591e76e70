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
