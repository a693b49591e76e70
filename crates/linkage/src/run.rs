//! One run of linkage over everything a partnership has stored: which source
//! records are one person. The platform reads the records, the decisions
//! people made and what the last run left (its model, the fingerprints it
//! compared, its pairs), hands them here, and stores what comes back; nothing
//! here waits for the store.
//!
//! One run:
//! 1. applies the certain rules (a shared NHS number, an agreeing recorded CHAIN id);
//! 2. scores pairs with the Fellegi-Sunter engine. A **full** run trains the
//!    model anew (learning from reviewers' decisions too) and compares every
//!    candidate pair. An **incremental** run keeps the stored model and compares
//!    only the records that are new or changed since they were last compared, so
//!    its result is the one a full comparison with that model would give;
//! 3. keeps the pairs at or above the review threshold with their explanations;
//!    above the automatic threshold they link, between the two they wait in the
//!    review queue;
//! 4. resolves persons ([`crate::resolve`]): decisions first, a "different
//!    people" decision is never crossed, then the certain rules, then the
//!    model's pairs, guarded against chains.

use crate::blocking::{BlockingRule, default_budget, rule_pairs};
use crate::certain::{Candidate, Rule, certain_links};
use crate::comparison::level_of;
use crate::engine::{self, explain};
use crate::error::EngineError;
use crate::infer::infer_comparisons;
use crate::model::{Model, probability};
use crate::pairs::unpack;
use crate::prepared::{Dataset, PreparedData, prepare_all};
use crate::resolve::{Edge, Evidence, resolve};
use crate::stored_model::{PersistedModel, explanation_json};
use std::collections::{HashMap, HashSet};

/// The columns byname compares, in the dataset handed to the engine (column 0 is the record id).
/// New columns go at the end: a stored model names its columns by position.
pub const COLUMNS: [&str; 12] = [
    "rec_id",
    "first_name",
    "last_name",
    "known_as",
    "aliases",
    "date_of_birth",
    "sex",
    "nationality",
    "nhs_number",
    "chain_id",
    "usual_place",
    "stays",
];

/// Below this probability, two records stop a scored merge of their persons.
const GUARD_PROBABILITY: f64 = 0.01;

/// How much of the work a run does again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinkMode {
    /// Keep the stored model and compare only the records new or changed since
    /// they were last compared (a full run when no model is stored).
    #[default]
    Incremental,
    /// Train anew and compare everything, even when a model is stored.
    Full,
    /// Compare every pair again with the stored model, without training.
    Recompare,
    /// Only people's decisions changed: resolve persons again from the stored pairs, comparing
    /// nothing and reading each record's usual place as last compared.
    DecisionsOnly,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkSettings {
    /// At or above this match probability, records link by themselves.
    pub auto_threshold: f64,
    /// From this probability up to the automatic threshold, pairs go to the review queue.
    pub review_threshold: f64,
    pub mode: LinkMode,
    pub seed: u64,
}

impl Default for LinkSettings {
    fn default() -> Self {
        Self { auto_threshold: 0.95, review_threshold: 0.5, mode: LinkMode::Incremental, seed: 42 }
    }
}

impl LinkSettings {
    /// Whether `0 < review <= automatic < 1`.
    pub fn thresholds_are_ordered(&self) -> bool {
        self.review_threshold > 0.0 && self.review_threshold <= self.auto_threshold && self.auto_threshold < 1.0
    }
}

/// A current source record as linkage reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub record_id: i64,
    pub source: String,
    pub source_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub known_as: Option<String>,
    /// Other names used, `;`-separated.
    pub aliases: Option<String>,
    pub date_of_birth: Option<String>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    pub nhs_number: Option<String>,
    pub recorded_chain_id: Option<String>,
    /// Where the record's contacts most often were.
    pub usual_place: Option<String>,
    /// The record's stays, `;`-separated `provider|arrival date`, in arrival order.
    pub stays: Option<String>,
    pub fingerprint: i64,
}

/// A decision people made about a pair of records, in the order they were made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDecision {
    pub left_record_id: i64,
    pub right_record_id: i64,
    pub same_person: bool,
    /// `review`, `merge` or `split`.
    pub origin: String,
    pub undone: bool,
}

/// A record as it was last compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparedRecord {
    pub record_id: i64,
    pub fingerprint: i64,
    pub usual_place: Option<String>,
}

/// A pair kept from an earlier run, `left_record_id < right_record_id`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredPair {
    pub left_record_id: i64,
    pub right_record_id: i64,
    pub weight: f64,
}

/// Everything a run reads.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    /// Every current record. In [`LinkMode::DecisionsOnly`] their usual places are not read:
    /// those they had when last compared are used.
    pub records: Vec<StoredRecord>,
    pub decisions: Vec<StoredDecision>,
    /// The last run's model as stored ([`PersistedModel::to_json`]), if any run was made.
    pub last_model: Option<String>,
    /// Each record's fingerprint and usual place when last compared; read for the incremental
    /// and decisions-only modes.
    pub compared: Vec<ComparedRecord>,
    /// Every stored pair; read for the incremental and decisions-only modes.
    pub pairs: Vec<StoredPair>,
}

/// A pair scored in this run, `left_record_id < right_record_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredRecordPair {
    pub left_record_id: i64,
    pub right_record_id: i64,
    pub probability: f64,
    pub weight: f64,
    /// The explanation (waterfall) as JSON.
    pub explanation: String,
}

/// Which stored pairs a run's pairs replace: all of them, or those touching some records.
#[derive(Debug, Clone, PartialEq)]
pub enum PairsReplaced {
    All,
    Touching(Vec<i64>),
}

/// A record's person and what joined it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordPerson {
    pub record_id: i64,
    pub person_id: i64,
    pub rule: String,
}

/// What a run found and what is to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Linked {
    /// `full`, `recompare`, `incremental`, `decisions` or `certain only` (too few records to block on).
    pub mode: &'static str,
    pub records: usize,
    pub persons: usize,
    /// Records compared anew in this run.
    pub compared_records: usize,
    /// Pairs scored in this run.
    pub scored_pairs: usize,
    /// Pairs at or above the automatic threshold, kept and new.
    pub auto_pairs: usize,
    /// Pairs waiting for a reviewer.
    pub review_pairs: usize,
    pub blocking_rules: Vec<String>,
    /// The model to store with the run (the last run's when none was made).
    pub model: String,
    pub pairs: Vec<ScoredRecordPair>,
    pub replaced: PairsReplaced,
    /// The records compared, with what they were compared as.
    pub compared: Vec<ComparedRecord>,
    /// Every record's person.
    pub persons_of_records: Vec<RecordPerson>,
}

/// The latest live decision on each pair: `true` for the same person.
fn live_decisions(decisions: &[StoredDecision]) -> HashMap<(i64, i64), bool> {
    let mut live = HashMap::new();
    for d in decisions.iter().filter(|d| !d.undone) {
        live.insert((d.left_record_id, d.right_record_id), d.same_person);
    }
    live
}

pub(crate) fn dataset_of(records: &[StoredRecord]) -> Dataset {
    let rows: Vec<Vec<Option<String>>> = records
        .iter()
        .map(|r| {
            // A CHAIN record's own id and the CHAIN id another system recorded are one column,
            // so a recorded id that agrees is evidence.
            let chain_id = if r.source == "chain" { Some(r.source_id.clone()) } else { r.recorded_chain_id.clone() };
            vec![
                Some(r.record_id.to_string()),
                r.first_name.clone(),
                r.last_name.clone(),
                r.known_as.clone(),
                r.aliases.clone(),
                r.date_of_birth.clone(),
                r.gender.clone(),
                r.nationality.clone(),
                r.nhs_number.clone(),
                chain_id,
                r.usual_place.clone(),
                r.stays.clone(),
            ]
        })
        .collect();
    Dataset::from_rows(
        records.iter().map(|r| r.record_id.to_string()).collect(),
        vec![0; records.len()],
        COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        &rows,
    )
}

/// The certain links as edges between record indexes.
fn certain_edges(records: &[StoredRecord], index_of: &HashMap<i64, u32>) -> Vec<Edge> {
    let candidates: Vec<Candidate> = records
        .iter()
        .map(|r| Candidate {
            record_id: r.record_id,
            source: r.source.clone(),
            source_id: r.source_id.clone(),
            first_name: r.first_name.clone(),
            last_name: r.last_name.clone(),
            date_of_birth: r.date_of_birth.clone(),
            nhs_number: r.nhs_number.clone(),
            recorded_chain_id: r.recorded_chain_id.clone(),
        })
        .collect();
    certain_links(&candidates)
        .into_iter()
        .filter(|a| a.rule != Rule::Own)
        .map(|a| Edge {
            left: index_of[&a.record_id],
            right: index_of[&a.person_id],
            evidence: Evidence::Certain(match a.rule {
                Rule::SharedNhsNumber => 1,
                _ => 2,
            }),
            weight: 0.0,
        })
        .collect()
}

fn rule_code(evidence: Option<Evidence>, decided_origin: Option<&str>) -> String {
    match evidence {
        None => Rule::Own.code().to_owned(),
        Some(Evidence::Certain(1)) => Rule::SharedNhsNumber.code().to_owned(),
        Some(Evidence::Certain(_)) => Rule::RecordedChainId.code().to_owned(),
        Some(Evidence::Scored) => "probabilistic".to_owned(),
        Some(Evidence::Decided) => match decided_origin {
            Some("merge") => "merged".to_owned(),
            _ => "reviewed".to_owned(),
        },
    }
}

/// Links everything stored: see the module documentation.
pub fn link_stored(stored: Stored, settings: &LinkSettings) -> Result<Linked, EngineError> {
    let Stored { records: mut inputs, decisions, last_model, compared: last_compared, pairs: stored_pairs } = stored;
    let decisions_only = settings.mode == LinkMode::DecisionsOnly;
    if decisions_only {
        let places: HashMap<i64, Option<String>> =
            last_compared.iter().map(|c| (c.record_id, c.usual_place.clone())).collect();
        for input in &mut inputs {
            input.usual_place = places.get(&input.record_id).cloned().flatten();
        }
    }
    let index_of: HashMap<i64, u32> = inputs.iter().enumerate().map(|(i, r)| (r.record_id, i as u32)).collect();
    let live = live_decisions(&decisions);
    let origin_of: HashMap<(i64, i64), &str> = decisions
        .iter()
        .filter(|d| !d.undone && d.same_person)
        .map(|d| ((d.left_record_id, d.right_record_id), d.origin.as_str()))
        .collect();
    let mut edges = certain_edges(&inputs, &index_of);
    let mut apart = Vec::new();
    for (&(left, right), &same) in &live {
        let (Some(&a), Some(&b)) = (index_of.get(&left), index_of.get(&right)) else { continue };
        if same {
            edges.push(Edge { left: a, right: b, evidence: Evidence::Decided, weight: 0.0 });
        } else {
            apart.push((a, b));
        }
    }
    apart.sort_unstable();

    let dataset = dataset_of(&inputs);
    let stored_model = last_model.as_deref().and_then(|model| PersistedModel::from_json(model).ok());
    let mut linked = Linked {
        mode: "certain only",
        records: inputs.len(),
        persons: 0,
        compared_records: 0,
        scored_pairs: 0,
        auto_pairs: 0,
        review_pairs: 0,
        blocking_rules: Vec::new(),
        model: String::new(),
        pairs: Vec::new(),
        replaced: PairsReplaced::All,
        compared: Vec::new(),
        persons_of_records: Vec::new(),
    };

    let scoring = if inputs.len() < 2 {
        None
    } else if decisions_only && let Some(persisted) = stored_model {
        // Nothing to compare: the stored pairs stand; the model guards the clusters.
        let (data, model) = persisted.restore(&dataset)?;
        Some(Scoring {
            mode: "decisions",
            pairs: Vec::new(),
            replaced: PairsReplaced::Touching(Vec::new()),
            compared: Vec::new(),
            scored_pairs: 0,
            model,
            data,
            persisted,
        })
    } else {
        score_records(&inputs, &dataset, &last_compared, &live, &index_of, stored_model, settings)?
    };
    let (pairs, replaced, compared, model, data, persisted) = match scoring {
        Some(s) => {
            linked.mode = s.mode;
            linked.compared_records = s.compared.len();
            linked.scored_pairs = s.scored_pairs;
            linked.blocking_rules = s.persisted.rule_descriptions.clone();
            (s.pairs, s.replaced, s.compared, Some(s.model), Some(s.data), Some(s.persisted))
        }
        None => (Vec::new(), PairsReplaced::All, Vec::new(), None, None, None),
    };

    // Every pair that counts now: those kept from earlier runs and this run's.
    let mut all_pairs: HashMap<(i64, i64), f64> = HashMap::new();
    if let PairsReplaced::Touching(touched) = &replaced {
        let touched: HashSet<i64> = touched.iter().copied().collect();
        for pair in &stored_pairs {
            if !touched.contains(&pair.left_record_id) && !touched.contains(&pair.right_record_id) {
                all_pairs.insert((pair.left_record_id, pair.right_record_id), pair.weight);
            }
        }
    }
    for pair in &pairs {
        all_pairs.insert((pair.left_record_id, pair.right_record_id), pair.weight);
    }
    let auto_weight = weight_of(settings.auto_threshold);
    for (&(left, right), &weight) in &all_pairs {
        let (Some(&a), Some(&b)) = (index_of.get(&left), index_of.get(&right)) else { continue };
        if weight >= auto_weight {
            linked.auto_pairs += 1;
        }
        if live.contains_key(&(left, right)) {
            // A decided pair is an edge or a wall already.
            continue;
        }
        edges.push(Edge { left: a, right: b, evidence: Evidence::Scored, weight });
    }

    let guard = |a: u32, b: u32| match (&model, &data) {
        (Some(model), Some(data)) => {
            let weight = model.weight(data.pattern(a, b), a, b);
            probability(weight) < GUARD_PROBABILITY
        }
        _ => false,
    };
    let resolution = resolve(inputs.len(), &edges, &apart, auto_weight, guard);
    let mut origin_of_record: HashMap<i64, &str> = HashMap::new();
    for (&(left, right), &origin) in &origin_of {
        for record in [left, right] {
            let entry = origin_of_record.entry(record).or_insert(origin);
            if origin == "merge" {
                *entry = origin;
            }
        }
    }
    let decided_origin = |record: usize| origin_of_record.get(&inputs[record].record_id).copied();
    let links: Vec<RecordPerson> = inputs
        .iter()
        .enumerate()
        .map(|(i, r)| RecordPerson {
            record_id: r.record_id,
            person_id: inputs[resolution.person_of[i] as usize].record_id,
            rule: rule_code(resolution.joined_by[i], decided_origin(i)),
        })
        .collect();
    linked.persons = links.iter().map(|l| l.person_id).collect::<HashSet<_>>().len();
    let person_of: HashMap<i64, i64> = links.iter().map(|l| (l.record_id, l.person_id)).collect();
    linked.review_pairs = all_pairs
        .iter()
        .filter(|(pair, weight)| {
            **weight < auto_weight && !live.contains_key(pair) && person_of.get(&pair.0) != person_of.get(&pair.1)
        })
        .count();
    linked.model = persisted.as_ref().map(PersistedModel::to_json).or(last_model).unwrap_or_default();
    linked.pairs = pairs;
    linked.replaced = replaced;
    linked.compared = compared;
    linked.persons_of_records = links;
    Ok(linked)
}

/// What scoring produced: the pairs to store, which stored pairs they replace, the
/// fingerprints compared, and the model with the prepared records.
struct Scoring {
    mode: &'static str,
    pairs: Vec<ScoredRecordPair>,
    replaced: PairsReplaced,
    compared: Vec<ComparedRecord>,
    scored_pairs: usize,
    model: Model,
    data: PreparedData,
    persisted: PersistedModel,
}

/// Scores the pairs that need it, training first on a full run. `None` when the records
/// give the engine nothing to block on (a handful of records): the certain rules decide alone.
fn score_records(
    inputs: &[StoredRecord],
    dataset: &Dataset,
    last_compared: &[ComparedRecord],
    live: &HashMap<(i64, i64), bool>,
    index_of: &HashMap<i64, u32>,
    stored_model: Option<PersistedModel>,
    settings: &LinkSettings,
) -> Result<Option<Scoring>, EngineError> {
    let full = settings.mode == LinkMode::Full || stored_model.is_none();
    let (persisted, data, model) = match stored_model {
        Some(persisted) if !full => {
            let (data, model) = persisted.restore(dataset)?;
            (persisted, data, model)
        }
        _ => {
            let (specs, columns, _) = infer_comparisons(dataset, 0);
            let data = prepare_all(dataset, specs, &columns, false)?;
            let budget = default_budget(inputs.len());
            let blocked = match engine::block(&data, None, budget) {
                Ok(blocked) => blocked,
                Err(EngineError::NoFeasibleRule { .. }) => return Ok(None),
                Err(error) => return Err(error),
            };
            let mut model = engine::train(&data, &blocked, settings.seed);
            learn_from_decisions(&mut model, &data, live, index_of, data.total_pairs());
            let rules: Vec<BlockingRule> = blocked.rules.iter().map(|r| r.rule.clone()).collect();
            let persisted = PersistedModel::capture(&model, &data, &columns, &rules, &blocked.rules);
            (persisted, data, model)
        }
    };

    let everything = full || settings.mode == LinkMode::Recompare;
    let fingerprints: HashMap<i64, i64> =
        if everything { HashMap::new() } else { last_compared.iter().map(|c| (c.record_id, c.fingerprint)).collect() };
    let changed: Vec<u32> = inputs
        .iter()
        .enumerate()
        .filter(|(_, r)| fingerprints.get(&r.record_id) != Some(&r.fingerprint))
        .map(|(i, _)| i as u32)
        .collect();
    let current: HashSet<i64> = inputs.iter().map(|r| r.record_id).collect();
    let gone: Vec<i64> = fingerprints.keys().filter(|id| !current.contains(id)).copied().collect();

    let candidates = candidate_pairs(&persisted.rules, &data, &changed, everything);
    let pairs: Vec<ScoredRecordPair> = candidates
        .iter()
        .filter_map(|&p| {
            let (a, b) = unpack(p);
            let weight = model.weight(data.pattern(a, b), a, b);
            if probability(weight) < settings.review_threshold {
                return None;
            }
            let explanation = explain(dataset, &persisted.columns, &data, &model, a, b);
            let (left, right) = (inputs[a as usize].record_id, inputs[b as usize].record_id);
            Some(ScoredRecordPair {
                left_record_id: left.min(right),
                right_record_id: left.max(right),
                probability: probability(weight),
                weight,
                explanation: explanation_json(&explanation),
            })
        })
        .collect();
    let replaced = if everything {
        PairsReplaced::All
    } else {
        let mut touched: Vec<i64> = changed.iter().map(|&i| inputs[i as usize].record_id).collect();
        touched.extend(gone);
        PairsReplaced::Touching(touched)
    };
    let compared = changed
        .iter()
        .map(|&i| {
            let input = &inputs[i as usize];
            ComparedRecord {
                record_id: input.record_id,
                fingerprint: input.fingerprint,
                usual_place: input.usual_place.clone(),
            }
        })
        .collect();
    Ok(Some(Scoring {
        mode: if full {
            "full"
        } else if settings.mode == LinkMode::Recompare {
            "recompare"
        } else {
            "incremental"
        },
        pairs,
        replaced,
        compared,
        scored_pairs: candidates.len(),
        model,
        data,
        persisted,
    }))
}

/// The match weight of a probability.
fn weight_of(probability: f64) -> f64 {
    (probability / (1.0 - probability)).log2()
}

/// Candidate pairs, packed and distinct: all of them, or those with at least one changed record.
fn candidate_pairs(rules: &[BlockingRule], data: &PreparedData, changed: &[u32], full: bool) -> Vec<u64> {
    let mut out = Vec::new();
    let is_changed: HashSet<u32> = changed.iter().copied().collect();
    for rule in rules {
        let from = out.len();
        rule_pairs(rule, data, &mut out);
        if !full {
            let mut kept = from;
            for i in from..out.len() {
                let (a, b) = unpack(out[i]);
                if is_changed.contains(&a) || is_changed.contains(&b) {
                    out[kept] = out[i];
                    kept += 1;
                }
            }
            out.truncate(kept);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Reviewers teach the model: pairs people decided are the same person are
/// labelled matches, and their levels pull `m` towards what true matches look
/// like here, weighed against the matches EM expects among all pairs.
fn learn_from_decisions(
    model: &mut Model,
    data: &PreparedData,
    live: &HashMap<(i64, i64), bool>,
    index_of: &HashMap<i64, u32>,
    total_pairs: f64,
) {
    let labelled: Vec<(u32, u32)> = live
        .iter()
        .filter(|(_, same)| **same)
        .filter_map(|((l, r), _)| Some((*index_of.get(l)?, *index_of.get(r)?)))
        .collect();
    if labelled.is_empty() {
        return;
    }
    let expected_matches = (model.prior * total_pairs).max(1.0);
    for (c, comparison) in model.comparisons.iter_mut().enumerate() {
        let mut counts = vec![0.0; comparison.m.len()];
        for &(a, b) in &labelled {
            let p = data.pattern(a, b);
            counts[level_of(p, c) as usize] += 1.0;
        }
        let observed: f64 = counts[1..].iter().sum();
        if observed == 0.0 {
            continue;
        }
        for (m, count) in comparison.m.iter_mut().zip(&counts).skip(1) {
            *m = ((*m * expected_matches + count) / (expected_matches + observed)).max(1e-6);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::{ComparisonSpec, Kind};
    use crate::model::ComparisonModel;

    #[test]
    fn pairs_reviewers_accepted_pull_m_towards_what_they_show() {
        // Two pairs of namesakes whose birth dates are one day apart, accepted by reviewers.
        let rows: Vec<Vec<Option<String>>> = ["1980-01-31", "1980-02-01", "1975-06-30", "1975-07-01"]
            .iter()
            .map(|d| vec![Some((*d).to_owned())])
            .collect();
        let dataset =
            Dataset::from_rows((1..=4).map(|i| i.to_string()).collect(), vec![0; 4], vec!["dob".into()], &rows);
        let spec = ComparisonSpec {
            name: "dob".into(),
            kind: Kind::Date,
            swap_with: None,
            term_frequency: false,
            own_name: Vec::new(),
        };
        let data = prepare_all(&dataset, vec![spec.clone()], &[0], false).unwrap();
        let levels = Kind::Date.n_levels();
        let one_day = Kind::Date.levels().iter().position(|l| *l == "one day apart").unwrap();
        let m = {
            let mut m = vec![0.01; levels];
            m[1] = 0.9;
            m
        };
        let mut model = Model {
            comparisons: vec![ComparisonModel { spec, m: m.clone(), u: vec![0.1; levels], depends_on: Vec::new() }],
            prior: 0.001,
            term_frequencies: vec![Vec::new()],
        };
        let index_of: HashMap<i64, u32> = (0..4).map(|i| (i as i64 + 1, i)).collect();
        let live: HashMap<(i64, i64), bool> = [((1, 2), true), ((3, 4), true), ((1, 3), false)].into();
        learn_from_decisions(&mut model, &data, &live, &index_of, 2_000.0);
        let learned = &model.comparisons[0].m;
        assert!(learned[one_day] > 10.0 * m[one_day], "{learned:?}");
        assert!(learned[1] < m[1], "exact agreement gives way: {learned:?}");
        let sum: f64 = learned[1..].iter().sum();
        assert!((sum - 1.0).abs() < 0.05, "still close to a distribution: {sum}");
    }
}
