//! byname's data pipeline: a partnership's exports in, persons and figures out. Each use case
//! takes the store and the current time as parameters; the casework crate, the web server and
//! the command line call them.
//!
//! ## Where things are
//!
//! - `import` streams files into an `ImportTx`, skipping what `tombstones` says was erased; `link`
//!   reads what a linkage run needs, hands it to the one pure step, `byname_linkage::link_stored`,
//!   and stores the result (`byname link csv`, which never touches the store, lives in the
//!   command line).
//! - `statistics` turns the store's facts into a `byname_stats::timeline::Population` and saves it in
//!   `stats_snapshots` under the data's state (the latest import, linkage run, number of linked
//!   records, erasure or restriction); a report reads the snapshot while the state is unchanged,
//!   and an unreadable one is rebuilt. `forecast` and `scenario` fit forecasts and scenarios from
//!   it; `projection` holds what they share (the structural breaks, the area's name, today's
//!   population); `render` writes their results as text tables, CSV and JSON, and the sentences
//!   the pages show beside them, once for both front ends.
//! - Here too, because both this crate and the casework crate take them from the outside world:
//!   the `Clock` and `random_token`.

pub mod forecast;
pub mod import;
pub mod link;
pub mod projection;
pub mod render;
pub mod scenario;
pub mod statistics;
pub mod tombstones;

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

/// Random bytes from the operating system, hex-encoded.
pub fn random_token(n_bytes: usize) -> String {
    let mut bytes = vec![0u8; n_bytes];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}
