//! The engine's steps, each callable on its own so a caller can time them:
//! prepare the values, block, train, score, cluster, explain.

use crate::blocking::{self, BlockingRule, pairs_from_keys, record_keys, unpack};
use crate::cluster::{Clusters, ScoredPair, cluster};
use crate::comparison::{Kind, Prepared, prepare, prepare_names};
use crate::model::{self, ComparisonSpec, MAX_COMPARISONS, Model, Pattern, Term, pattern, probability};
use std::collections::HashMap;

/// Records to link: an id and raw values per column, and which of two inputs
/// each came from (all 0 when deduplicating one input).
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub ids: Vec<String>,
    pub sources: Vec<u8>,
    pub columns: Vec<String>,
    /// `values[record][column]`.
    pub values: Vec<Vec<Option<String>>>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EngineError {
    #[error("nothing to compare: no column was chosen for comparison")]
    NoComparisons,
    #[error("at most {MAX_COMPARISONS} comparisons are supported, {0} were given")]
    TooManyComparisons(usize),
    #[error("no blocking rule fits within {budget} candidate pairs; give rules by hand or raise the budget")]
    NoFeasibleRule { budget: u64 },
}

/// Prepared values: one row per record, one value per comparison.
pub struct PreparedData {
    pub specs: Vec<ComparisonSpec>,
    pub records: Vec<Vec<Prepared>>,
    pub sources: Vec<u8>,
    pub link_only: bool,
}

/// `columns[c]` is the dataset column that comparison `c` reads.
pub fn prepare_all(
    dataset: &Dataset,
    specs: Vec<ComparisonSpec>,
    columns: &[usize],
    link_only: bool,
) -> Result<PreparedData, EngineError> {
    if specs.is_empty() {
        return Err(EngineError::NoComparisons);
    }
    if specs.len() > MAX_COMPARISONS {
        return Err(EngineError::TooManyComparisons(specs.len()));
    }
    let records = dataset
        .values
        .iter()
        .map(|row| {
            specs
                .iter()
                .zip(columns)
                .map(|(spec, &col)| {
                    if spec.kind == Kind::Names {
                        let own: Vec<&str> = spec.own_name.iter().filter_map(|&o| row[columns[o]].as_deref()).collect();
                        prepare_names(row[col].as_deref(), Some(&own.join(" ")))
                    } else {
                        prepare(spec.kind, row[col].as_deref())
                    }
                })
                .collect()
        })
        .collect();
    Ok(PreparedData { specs, records, sources: dataset.sources.clone(), link_only })
}

impl PreparedData {
    /// All pairs that could be compared.
    pub fn total_pairs(&self) -> f64 {
        let n = self.records.len() as f64;
        if self.link_only {
            let left = self.sources.iter().filter(|&&s| s == 0).count() as f64;
            left * (n - left)
        } else {
            n * (n - 1.0) / 2.0
        }
    }
}

/// A blocking rule as used: how many pairs were expected and found.
#[derive(Debug, Clone)]
pub struct RuleReport {
    pub rule: BlockingRule,
    pub description: String,
    pub estimated_pairs: u64,
}

pub struct Blocked {
    pub rules: Vec<RuleReport>,
    /// Candidate pairs, packed, sorted, distinct.
    pub candidates: Vec<u64>,
    /// Each candidate's levels.
    pub patterns: Vec<Pattern>,
    /// Per rule, how often each pattern occurs among the pairs it produced.
    pub rule_counts: Vec<Vec<(Pattern, f64)>>,
}

/// Blocks with the given rules, or with rules proposed from the data within `budget` pairs.
pub fn block(data: &PreparedData, rules: Option<Vec<BlockingRule>>, budget: u64) -> Result<Blocked, EngineError> {
    let names: Vec<String> = data.specs.iter().map(|s| s.name.clone()).collect();
    let rules: Vec<RuleReport> = match rules {
        Some(rules) => rules
            .into_iter()
            .map(|rule| RuleReport {
                estimated_pairs: blocking::estimate_pairs(&rule, &data.records, &data.sources, data.link_only),
                description: rule.describe(&names),
                rule,
            })
            .collect(),
        None => {
            let kinds: Vec<_> = data.specs.iter().map(|s| s.kind).collect();
            let proposals = blocking::propose(&kinds, &data.records, &data.sources, data.link_only, budget / 4, budget);
            if proposals.is_empty() {
                return Err(EngineError::NoFeasibleRule { budget });
            }
            proposals
                .into_iter()
                .map(|p| RuleReport {
                    description: p.rule.describe(&names),
                    estimated_pairs: p.estimated_pairs,
                    rule: p.rule,
                })
                .collect()
        }
    };
    let keys: Vec<Vec<Option<u64>>> = rules.iter().map(|r| record_keys(&r.rule, &data.records)).collect();
    let mut candidates = Vec::new();
    for rule_keys in &keys {
        pairs_from_keys(rule_keys, &data.sources, data.link_only, &mut candidates);
    }
    candidates.sort_unstable();
    candidates.dedup();
    let patterns: Vec<Pattern> = crate::parallel::map(&candidates, |&p| {
        let (a, b) = unpack(p);
        pattern(&data.specs, &data.records[a as usize], &data.records[b as usize])
    });
    let mut rule_counts: Vec<HashMap<Pattern, f64>> = vec![HashMap::new(); rules.len()];
    for (&pair, &pattern) in candidates.iter().zip(&patterns) {
        let (a, b) = unpack(pair);
        for (r, rule_keys) in keys.iter().enumerate() {
            if let (Some(ka), Some(kb)) = (rule_keys[a as usize], rule_keys[b as usize])
                && ka == kb
            {
                *rule_counts[r].entry(pattern).or_default() += 1.0;
            }
        }
    }
    let rule_counts = rule_counts
        .into_iter()
        .map(|counts| {
            let mut counts: Vec<(Pattern, f64)> = counts.into_iter().collect();
            counts.sort_unstable_by_key(|&(p, _)| p);
            counts
        })
        .collect();
    Ok(Blocked { rules, candidates, patterns, rule_counts })
}

/// Trains the model: `u` by seeded sampling, `m` by EM per rule, the prior from all candidates.
pub fn train(data: &PreparedData, blocked: &Blocked, seed: u64) -> Model {
    let n_samples = (data.records.len() * 20).clamp(1_000, 100_000);
    let u = model::estimate_u(&data.specs, &data.records, &data.sources, data.link_only, n_samples, seed);
    let mut all_counts: HashMap<Pattern, f64> = HashMap::new();
    for &p in &blocked.patterns {
        *all_counts.entry(p).or_default() += 1.0;
    }
    let mut all_counts: Vec<(Pattern, f64)> = all_counts.into_iter().collect();
    all_counts.sort_unstable_by_key(|&(p, _)| p);
    let sessions: Vec<model::Session<'_>> = blocked
        .rules
        .iter()
        .zip(&blocked.rule_counts)
        .map(|(r, counts)| (r.rule.comparisons(), counts.as_slice()))
        .collect();
    model::train_from_counts(&data.specs, &data.records, u, &sessions, &all_counts, data.total_pairs())
}

/// Scores every candidate pair.
pub fn score(blocked: &Blocked, model: &Model) -> Vec<ScoredPair> {
    blocked
        .candidates
        .iter()
        .zip(&blocked.patterns)
        .map(|(&pair, &pattern)| {
            let (left, right) = unpack(pair);
            let weight = model.weight(pattern, left, right);
            ScoredPair { left, right, weight, probability: probability(weight) }
        })
        .collect()
}

pub fn clusters(data: &PreparedData, model: &Model, pairs: &[ScoredPair], threshold: f64) -> Clusters {
    cluster(data.records.len(), pairs, threshold, 0.01, model, &data.specs, &data.records)
}

/// Why two records score as they do: each comparison's level, values and weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub prior: f64,
    pub prior_weight: f64,
    pub terms: Vec<(String, &'static str, String, String, Term)>,
    pub weight: f64,
    pub probability: f64,
}

pub fn explain(
    dataset: &Dataset,
    columns: &[usize],
    data: &PreparedData,
    model: &Model,
    left: u32,
    right: u32,
) -> Explanation {
    let p = pattern(&data.specs, &data.records[left as usize], &data.records[right as usize]);
    let terms = model
        .terms(p, left, right)
        .into_iter()
        .map(|term| {
            let spec = &data.specs[term.comparison];
            let value =
                |record: u32| dataset.values[record as usize][columns[term.comparison]].clone().unwrap_or_default();
            (spec.name.clone(), spec.kind.levels()[term.level as usize], value(left), value(right), term)
        })
        .collect();
    let weight = model.weight(p, left, right);
    Explanation {
        prior: model.prior,
        prior_weight: model.prior_weight(),
        terms,
        weight,
        probability: probability(weight),
    }
}

impl Explanation {
    /// A waterfall in plain text: the prior, each comparison, the total.
    pub fn text(&self) -> String {
        let mut out =
            format!("{:<28} {:>8}   (prior {:.2e})\n", "prior", format!("{:+.2}", self.prior_weight), self.prior);
        let mut running = self.prior_weight;
        for (name, level, left, right, term) in &self.terms {
            let contribution = term.weight + term.term_frequency_adjustment;
            running += contribution;
            let tf = if term.term_frequency_adjustment != 0.0 {
                format!(" incl. {:+.2} for how common the value is", term.term_frequency_adjustment)
            } else {
                String::new()
            };
            out.push_str(&format!(
                "{name:<28} {:>8}   {level}: {left:?} vs {right:?} (m {:.3}, u {:.4}){tf}; running {running:+.2}\n",
                format!("{contribution:+.2}"),
                term.m,
                term.u
            ));
        }
        out.push_str(&format!(
            "{:<28} {:>8}   probability {:.4}\n",
            "total",
            format!("{:+.2}", self.weight),
            self.probability
        ));
        out
    }
}
