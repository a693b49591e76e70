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
pub mod settings;
pub mod timeline;

pub use compute::{Figures, Finding, StatsError, compute};
pub use metrics::{Metric, Metrics, Unit};
pub use settings::Settings;
