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
