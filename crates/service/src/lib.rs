//! byname's use cases: import an export folder, link identities, sign in,
//! show the by-name list, set up the demo. Each takes the store and the
//! current time as parameters; the web and command-line front ends are thin
//! layers over these functions.
//!
//! ## Where things are
//!
//! - `import` streams files into an `ImportTx`; `link` reads what a linkage run needs, hands it to
//!   the one pure step, `byname_linkage::link_stored`, and stores the result (`byname link csv`,
//!   which never touches the store, lives in the command line); `review` is the review queue,
//!   decisions, merge, split, undo and a person's linkage.
//! - `access` applies `byname_domain::access::decide` to every read of a person, one batch of
//!   facts per page, and writes the audit entries; `by_name_list`, `casework` and `review` go
//!   through it. `by_name_list` is Built for Zero's active list (decided with
//!   `byname_stats::bfz_status`), filters that never leak, and CSV. `casework` is the person page,
//!   consent, break-glass, contacts, actions and lead.
//! - `accounts` (Argon2id on a blocking pool of one thread fewer than the cores, sessions,
//!   resets, sign-in limits) and `totp` (the second factor); `agreements` (data-sharing agreements
//!   as records); `audit` (verify the chain, search, the subject access export); `privacy`
//!   (erasure, restriction, retention, and the tombstones an import skips; `docs/privacy.md`).
//! - `escalations` (raise, answer, comment, my escalations, notifications, the step, the case
//!   conference agenda); `mail` (optional notification email through an SMTP relay, with
//!   `lettre`, claimed from the notifications table so that no email goes twice); `resources`
//!   (shared beds and rooms offered to a person, with who decided and why); `settings` (the
//!   administrators' settings page: the list's window and the escalation deadlines together).
//! - `statistics` turns the store's facts into a `byname_stats::timeline::Population` and saves it in
//!   `stats_snapshots` under the data's state (the latest import, linkage run, number of linked
//!   records, erasure or restriction); a report reads the snapshot while the state is unchanged,
//!   and an unreadable one is rebuilt. `forecast`, `forecast_evaluation` and `scenario` fit and
//!   render forecasts and scenarios from it; `projection` holds what forecasts and scenarios
//!   share (the structural breaks, the area's name, today's population).
//! - `demo` sets up the demo partnership's organisations and one user per role.

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
pub mod mail;
pub mod privacy;
pub mod projection;
pub mod resources;
pub mod review;
pub mod scenario;
pub mod settings;
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
