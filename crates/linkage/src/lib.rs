//! Identity resolution: which records are the same human being.
//!
//! This crate is pure: records in, pairs and clusters out, deterministic for
//! a seed. It holds the certain rules (`certain`), used before any model
//! exists, and the probabilistic engine: comparisons of prepared columns
//! (`comparison`), blocking (`blocking`), a Fellegi-Sunter model trained by
//! random sampling and expectation maximisation (`model`), each
//! pair's probability weighed with the other records of its group
//! (`group`), clustering with a guard against chains (`cluster`) and
//! explanations of every score.

pub mod certain;

pub use certain::{Assignment, Candidate, Rule, certain_links};
pub mod blocking;
pub mod cluster;
pub mod comparison;
pub mod engine;
pub mod group;
pub mod infer;
pub mod model;
mod nicknames;
pub mod parallel;
pub mod phonetic;
pub mod resolve;
pub mod similarity;
