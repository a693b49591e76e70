//! Flow statistics and the official indicators, from events.
//!
//! This crate is pure: a [`timeline::Population`] (every person's contacts
//! and stays, as the linkage joins their records) and [`settings::Settings`]
//! in, [`compute::Figures`] out. It computes the definitions of DOMAIN.md
//! sections 3 to 6: CHAIN's quarterly and annual measures, the Ending Rough
//! Sleeping Data Framework's indicators, Built for Zero's statuses and flows
//! with their invariant, breakdowns, outcomes and the monthly trend, each
//! under its metric id ([`metrics`]). [`disclosure`] makes figures safe to
//! publish. Hand-written: these definitions are the heart of the product.
//!
//! ## Where things are
//!
//! - `timeline` holds each person's contacts and stays as Julian days.
//! - `compute` has the CHAIN measures, the framework's indicators, Built for Zero statuses and
//!   flows with their invariant, breakdowns, outcomes and the trend, for one period at a time. A
//!   period the data end in (a period in progress) is counted up to the last day of data
//!   (`compute_to`, `reported_to`); month-by-month figures stop at its last complete month, and
//!   its comparisons are cut to as long (`same_length`). `bfz_status` is also what decides who is
//!   on the by-name list, so the list and `bfz.active` share one definition of "active".
//! - `metrics` holds the ids of DOMAIN.md section 6 and their definitions; `settings` every
//!   "(default)" threshold, read from TOML.
//! - `series` gives a metric's monthly or quarterly figures over the whole history, one walk per
//!   person, for forecasts.
//! - `states` puts each person in one state each month (new, intermittent, living on the streets,
//!   a kind of accommodation, or away for so long) and counts the stocks, the moves between months
//!   and the arrivals, for the scenario model.
//! - `disclosure` has primary and secondary suppression; `snapshot` is a compact binary form of a
//!   population, which `byname-pipeline` saves so that reports need not read every event.

pub mod compute;
pub mod disclosure;
pub mod metrics;
pub mod series;
pub mod settings;
pub mod snapshot;
pub mod states;
pub mod timeline;

pub use compute::{
    Figures, Finding, StatsError, Status as BfzStatus, compute, compute_to, data_ends, reported_to, same_length,
    status as bfz_status,
};
pub use metrics::{Metric, Metrics, Unit};
pub use settings::Settings;

/// How far the figures can be trusted: linkage and completeness of the data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DataQuality {
    pub persons: u64,
    /// Persons with both a CHAIN and an Inform record.
    pub linked_chain_inform: u64,
    pub inform_records: u64,
    /// Pairs of records waiting in the linkage review queue.
    pub awaiting_review: u64,
    pub missing_date_of_birth: u64,
    pub missing_nationality: u64,
}

/// A period's figures with those of the previous period and of the same period a year
/// earlier (when they have data), the settings used and the state of the data.
#[derive(Debug, Clone)]
pub struct KeyStatistics {
    pub figures: Figures,
    pub previous: Option<Figures>,
    pub year_ago: Option<Figures>,
    pub settings: Settings,
    pub quality: DataQuality,
}
