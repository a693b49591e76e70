//! Identity resolution over everything stored: which source records are one
//! person. Runs after every import and on `byname link`.
//!
//! A run reads everything it needs from the store, hands it to the one pure
//! step, [`byname_linkage::link_stored`] (certain rules, the model, people's
//! decisions, persons; see there), and stores what it gives back in one
//! transaction.

use byname_linkage::{EngineError, Linked, PairsReplaced, Stored, StoredDecision, StoredPair, link_stored};
use byname_store::{LinkChanges, LinkPair, LinkRun, PairScope, Store, StoreError};
use std::collections::HashMap;

pub use byname_linkage::{LinkMode, LinkSettings};

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("thresholds must satisfy 0 < review ({review}) <= automatic ({auto}) < 1")]
    Thresholds { review: f64, auto: f64 },
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkOutcome {
    /// `full`, `recompare`, `incremental`, `decisions` or `certain only` (too few records to block on).
    pub mode: &'static str,
    pub records: usize,
    pub persons: usize,
    /// Records compared anew in this run.
    pub compared_records: usize,
    /// Pairs scored in this run.
    pub scored_pairs: usize,
    /// Stored pairs at or above the automatic threshold.
    pub auto_pairs: usize,
    /// Pairs waiting for a reviewer.
    pub review_pairs: usize,
    pub blocking_rules: Vec<String>,
    pub changes: LinkChanges,
}

/// Reads what a run needs: the records, the decisions, the last run's model and, for the modes
/// that build on the last run, what it compared and the pairs it kept.
async fn read_stored<S: Store>(store: &S, mode: LinkMode) -> Result<Stored, StoreError> {
    let builds_on_last_run = matches!(mode, LinkMode::Incremental | LinkMode::DecisionsOnly);
    let records = store.link_inputs(mode != LinkMode::DecisionsOnly).await?;
    let decisions = store
        .link_decisions()
        .await?
        .into_iter()
        .map(|d| StoredDecision {
            left_record_id: d.left_record_id,
            right_record_id: d.right_record_id,
            same_person: d.same_person,
            origin: d.origin,
            undone: d.undone_at.is_some(),
        })
        .collect();
    let last_model = store.last_link_run().await?.map(|run| run.model);
    let (compared, pairs) = if builds_on_last_run {
        let compared = store.compared_records().await?;
        let pairs = store
            .link_pairs(&PairScope::All)
            .await?
            .into_iter()
            .map(|p| StoredPair {
                left_record_id: p.left_record_id,
                right_record_id: p.right_record_id,
                weight: p.weight,
            })
            .collect();
        (compared, pairs)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Stored { records, decisions, last_model, compared, pairs })
}

/// Links everything stored: reads it, links it ([`link_stored`]) and stores the result.
pub async fn link<S: Store>(
    store: &S,
    settings: &LinkSettings,
    now: time::OffsetDateTime,
) -> Result<LinkOutcome, LinkError> {
    if !settings.thresholds_are_ordered() {
        return Err(LinkError::Thresholds { review: settings.review_threshold, auto: settings.auto_threshold });
    }
    let stored = read_stored(store, settings.mode).await?;
    let last_fingerprints: Option<HashMap<i64, i64>> = std::env::var("BYNAME_DEBUG_LINK")
        .is_ok()
        .then(|| stored.compared.iter().map(|c| (c.record_id, c.fingerprint)).collect());
    let linked = link_stored(stored, settings)?;
    if let Some(last) = last_fingerprints {
        // A full comparison compares every record whatever it was compared as.
        let everything = matches!(linked.mode, "full" | "recompare");
        for c in &linked.compared {
            let last = if everything { None } else { last.get(&c.record_id) };
            eprintln!("changed {} {} {:?}", c.record_id, c.fingerprint, last);
        }
    }
    let Linked {
        mode,
        records,
        persons,
        compared_records,
        scored_pairs,
        auto_pairs,
        review_pairs,
        blocking_rules,
        model,
        pairs,
        replaced,
        compared,
        persons_of_records,
    } = linked;
    let run = LinkRun {
        id: 0,
        started_at: now,
        mode: mode.to_owned(),
        model,
        records: records as i64,
        compared: compared_records as i64,
        auto_links: auto_pairs as i64,
        review: review_pairs as i64,
        auto_threshold: settings.auto_threshold,
        review_threshold: settings.review_threshold,
    };
    let scope = match replaced {
        PairsReplaced::All => PairScope::All,
        PairsReplaced::Touching(records) => PairScope::Touching(records),
    };
    let pairs: Vec<LinkPair> = pairs
        .into_iter()
        .map(|p| LinkPair {
            left_record_id: p.left_record_id,
            right_record_id: p.right_record_id,
            probability: p.probability,
            weight: p.weight,
            explanation: p.explanation,
        })
        .collect();
    let (_, changes) = store.save_link_run(&run, &scope, &pairs, &compared, &persons_of_records).await?;
    Ok(LinkOutcome {
        mode,
        records,
        persons,
        compared_records,
        scored_pairs,
        auto_pairs,
        review_pairs,
        blocking_rules,
        changes,
    })
}
