//! Optional email for notifications, through an SMTP relay set in the server's configuration
//! (`byname serve --smtp smtp://HOST:PORT`).
//!
//! Notifications are the outbox: each one to a user with an email address is claimed by one
//! server (a conditional update in the store), sent, and marked sent; a failure releases it to be
//! tried again, up to [`byname_store::MAX_EMAIL_ATTEMPTS`] times. Nothing is lost when the relay is down: the
//! notification is in the web app either way.
//!
//! An email says only that there is something to read and links to it. The notification's text
//! (what is blocked, a decline's reason) can hold personal data, and email leaves the
//! partnership's control, so it stays behind the sign-in and the access rules.
//!
//! There is no TLS here, on purpose: byname hands mail to a relay on its own host or network
//! (Postfix, or the organisation's mail gateway), which does TLS and authentication outward.
//! That keeps a TLS stack out of the build.

use byname_store::{OutgoingEmail, Store, StoreError};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use time::{Duration, OffsetDateTime};

/// Notifications older than this are not emailed (when email is first set up, the backlog stays
/// in the web app).
const MAX_AGE: Duration = Duration::hours(24);
/// A claim older than this is taken to have died with its server.
const CLAIM_TIMEOUT: Duration = Duration::minutes(10);
/// Emails sent by one run at most.
const BATCH: i64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the SMTP server must be given as smtp://HOST or smtp://HOST:PORT, not {0:?}")]
    BadUrl(String),
    #[error("{0:?} is not an email address with a name, such as \"byname <byname@example.org>\": {1}")]
    BadFrom(String, String),
    #[error("the public address must start with http:// or https://, not {0:?}")]
    BadPublicUrl(String),
}

/// Where and how email goes.
#[derive(Debug, Clone)]
pub struct MailConfig {
    host: String,
    port: u16,
    from: Mailbox,
    /// The address users reach the web app at, for links (no trailing slash).
    public_url: String,
}

impl MailConfig {
    pub fn new(smtp_url: &str, from: &str, public_url: &str) -> Result<Self, MailError> {
        let bad = || MailError::BadUrl(smtp_url.to_owned());
        let rest = smtp_url.strip_prefix("smtp://").ok_or_else(bad)?.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| bad())?),
            None => (rest, 25),
        };
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return Err(bad());
        }
        let from = from.parse::<Mailbox>().map_err(|e| MailError::BadFrom(from.to_owned(), e.to_string()))?;
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(MailError::BadPublicUrl(public_url.to_owned()));
        }
        Ok(Self { host: host.to_owned(), port, from, public_url: public_url.trim_end_matches('/').to_owned() })
    }

    /// The relay, as `host:port`.
    pub fn relay(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailRun {
    pub sent: usize,
    /// `(notification, error)` for each that failed and will be tried again.
    pub failed: Vec<(i64, String)>,
}

/// Whether `address` is an email address byname can send to.
pub fn valid_address(address: &str) -> bool {
    address.len() <= 254 && address.parse::<lettre::Address>().is_ok()
}

/// The email for one notification: who it is for and where to read it, nothing more.
pub fn message(config: &MailConfig, email: &OutgoingEmail) -> Result<Message, String> {
    let to = email.email.parse::<lettre::Address>().map_err(|e| e.to_string())?;
    let id = email.escalation_id;
    let subject = format!("byname: a notification about escalation #{id}");
    let body = format!(
        "Hello {name},\n\n\
         There is a new notification for you in byname about escalation #{id}.\n\
         Sign in to read it: {url}/escalations/{id}\n\n\
         For the privacy of the people it may concern, this email does not say who or what it is about.\n\n\
         You receive these emails because this address is set on your byname account; an administrator can remove it.\n",
        name = email.display_name,
        url = config.public_url,
    );
    Message::builder()
        .from(config.from.clone())
        .to(Mailbox::new(Some(email.display_name.clone()), to))
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| e.to_string())
}

/// Emails every notification waiting to go, once across servers. `byname serve` runs this every
/// thirty seconds when email is configured.
pub async fn send_pending<S: Store>(
    store: &S,
    config: &MailConfig,
    now: OffsetDateTime,
) -> Result<MailRun, StoreError> {
    let claimed = store.claim_emails(now, now - MAX_AGE, now - CLAIM_TIMEOUT, BATCH).await?;
    let mut run = MailRun::default();
    if claimed.is_empty() {
        return Ok(run);
    }
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.as_str())
        .port(config.port)
        .timeout(Some(std::time::Duration::from_secs(20)))
        .build();
    for email in &claimed {
        let sent = match message(config, email) {
            Ok(message) => transport.send(message).await.map(|_| ()).map_err(|e| e.to_string()),
            Err(error) => Err(error),
        };
        match sent {
            Ok(()) => {
                store.finish_email(email.notification_id, Some(OffsetDateTime::now_utc()), "").await?;
                run.sent += 1;
            }
            Err(error) => {
                tracing::warn!(notification = email.notification_id, %error, "emailing a notification failed");
                store.finish_email(email.notification_id, None, &error).await?;
                run.failed.push((email.notification_id, error));
            }
        }
    }
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configuration_is_checked_with_a_message_that_says_what_is_wrong() {
        let config = MailConfig::new(
            "smtp://relay.example.org:2525",
            "byname <byname@example.org>",
            "https://byname.example.org/",
        )
        .unwrap();
        assert_eq!(
            (config.relay(), config.public_url.as_str()),
            ("relay.example.org:2525".to_owned(), "https://byname.example.org")
        );
        assert_eq!(MailConfig::new("smtp://localhost", "b@example.org", "http://x").unwrap().relay(), "localhost:25");
        for bad in ["smtps://relay:465", "relay:25", "smtp://", "smtp://relay:port", "smtp://user@relay"] {
            let error = MailConfig::new(bad, "b@example.org", "http://x").unwrap_err().to_string();
            assert!(error.contains(bad), "{error}");
        }
        assert!(matches!(MailConfig::new("smtp://relay", "not an address", "http://x"), Err(MailError::BadFrom(..))));
        assert!(matches!(
            MailConfig::new("smtp://relay", "b@example.org", "byname.org"),
            Err(MailError::BadPublicUrl(_))
        ));
        assert!(valid_address("sam.leader@council.example.org"));
        for bad in ["", "sam", "sam@", "sam leader@x.org", "a@b.org\r\nBcc: x@y.org"] {
            assert!(!valid_address(bad), "{bad:?}");
        }
    }

    #[test]
    fn an_email_links_to_the_notification_and_says_nothing_about_the_person() {
        let config =
            MailConfig::new("smtp://relay", "byname <byname@example.org>", "https://byname.example.org").unwrap();
        let email = OutgoingEmail {
            notification_id: 3,
            user_id: 9,
            display_name: "Şerban Leader".into(),
            email: "serban@council.example.org".into(),
            escalation_id: 12,
            at: "2024-07-01 12:00:00".into(),
        };
        let text = String::from_utf8(message(&config, &email).unwrap().formatted()).unwrap();
        assert!(text.contains("Subject: byname: a notification about escalation #12"), "{text}");
        assert!(text.contains("https://byname.example.org/escalations/12"), "{text}");
        assert!(text.contains("To: =?utf-8?"), "a name in any script is encoded: {text}");
    }
}
