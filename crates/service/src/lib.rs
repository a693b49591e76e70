//! byname's use cases: import an export folder, link identities, sign in,
//! show the by-name list, set up the demo. Each takes the store and the
//! current time as parameters; the web and command-line front ends are thin
//! layers over these functions.

pub mod access;
pub mod accounts;
pub mod agreements;
pub mod audit;
pub mod by_name_list;
pub mod casework;
pub mod demo;
pub mod escalations;
pub mod forecast;
pub mod forecast_evaluation;
pub mod import;
pub mod link;
pub mod link_csv;
pub mod mail;
pub mod privacy;
pub mod resources;
pub mod review;
pub mod scenario;
pub mod statistics;
pub mod totp;

pub use import::{ImportError, ImportKind, ImportOptions, ImportOutcome, Progress};

/// The current instant, passed in so tests can fix it.
pub trait Clock: Send + Sync {
    fn now(&self) -> time::OffsetDateTime;
    fn today(&self) -> time::Date {
        self.now().date()
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }
}

/// A clock stopped at one instant, for tests and reproducible runs.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub time::OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> time::OffsetDateTime {
        self.0
    }
}

pub fn instant_text(clock: &dyn Clock) -> String {
    byname_store::sql_instant(clock.now())
}
