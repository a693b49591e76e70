//! The engine's steps, each callable on its own so a caller can time them:
//! prepare the values (`prepared`), block, train, score, cluster, explain.

use crate::blocking::{self, BlockingRule};
use crate::cluster::{Clusters, PairIndex, ScoredPair, cluster};
use crate::comparison::Pattern;
use crate::error::EngineError;
use crate::group::Groups;
use crate::hashing::FastMap;
use crate::model::{self, Model, Term, probability};
use crate::pairs::unpack;
use crate::prepared::{Dataset, PreparedData};

/// A blocking rule as used: how many pairs were expected and found.
#[derive(Debug, Clone)]
pub struct RuleReport {
    pub rule: BlockingRule,
    pub description: String,
    pub estimated_pairs: u64,
    /// The distinct pairs the rule found (some of them found by other rules too).
    pub pairs: u64,
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
    let given = rules.is_some();
    let mut rules: Vec<RuleReport> = match rules {
        // Estimated below, once the tables of their key parts are made.
        Some(rules) => rules
            .into_iter()
            .map(|rule| RuleReport { estimated_pairs: 0, pairs: 0, description: rule.describe(&names), rule })
            .collect(),
        None => {
            let kinds: Vec<_> = data.specs.iter().map(|s| s.kind).collect();
            let proposals = blocking::propose(&kinds, data, budget / 4, budget);
            if proposals.is_empty() {
                return Err(EngineError::NoFeasibleRule { budget });
            }
            proposals
                .into_iter()
                .map(|p| RuleReport {
                    description: p.rule.describe(&names),
                    estimated_pairs: p.estimated_pairs,
                    pairs: 0,
                    rule: p.rule,
                })
                .collect()
        }
    };
    // Each rule's pairs, sorted and without repeats, the rules shared among the cores.
    let tables = blocking::PartTables::for_rules(rules.iter().map(|r| &r.rule), data);
    if given {
        for rule in &mut rules {
            rule.estimated_pairs = blocking::estimate_pairs_with(&rule.rule, data, &tables);
        }
    }
    // The rules expected to find most pairs are taken first, so that no core
    // is left with a large rule while the others wait.
    let mut largest_first: Vec<usize> = (0..rules.len()).collect();
    largest_first.sort_by_key(|&r| std::cmp::Reverse(rules[r].estimated_pairs));
    let made = crate::parallel::map_each(&largest_first, |&r| {
        let mut pairs = Vec::new();
        blocking::rule_pairs_with(&rules[r].rule, data, &tables, &mut pairs);
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    });
    let mut per_rule: Vec<Vec<u64>> = vec![Vec::new(); rules.len()];
    for (r, pairs) in largest_first.into_iter().zip(made) {
        per_rule[r] = pairs;
    }
    drop(tables);
    for (rule, pairs) in rules.iter_mut().zip(&per_rule) {
        rule.pairs = pairs.len() as u64;
    }
    // Each pair once, its levels, and which rules found it: each rule's
    // pattern counts come from counting (pattern, rules) first, of which there are few.
    let (candidates, patterns, combined) = data.union_and_patterns(per_rule);
    let mut rule_counts: Vec<FastMap<Pattern, f64>> = vec![FastMap::default(); rules.len()];
    for ((pattern, word, mask), n) in combined {
        for (r, counts) in rule_counts[word * 64..].iter_mut().take(64).enumerate() {
            if mask & (1 << r) != 0 {
                *counts.entry(pattern).or_default() += n;
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
    let n_samples = (data.len() * 20).clamp(1_000, 100_000);
    let u = model::estimate_u(data, n_samples, seed);
    let mut all_counts: FastMap<Pattern, f64> = FastMap::default();
    for &p in &blocked.patterns {
        *all_counts.entry(p).or_default() += 1.0;
    }
    let mut all_counts: Vec<(Pattern, f64)> = all_counts.into_iter().collect();
    all_counts.sort_unstable_by_key(|&(p, _)| p);
    // The name keys' rules find pairs that have lost a name or half of one: with the names
    // held out, what is left (sex, nationality, a place) cannot tell their matches from
    // namesakes. They block; the other rules' sessions teach.
    let sessions: Vec<model::Session<'_>> = blocked
        .rules
        .iter()
        .zip(&blocked.rule_counts)
        .filter(|(r, _)| r.rule.multiple().is_none())
        .map(|(r, counts)| (r.rule.comparisons(), counts.as_slice()))
        .collect();
    model::train_from_counts(data, u, &sessions, &all_counts, data.total_pairs())
}

/// Scores every candidate pair. A pattern's terms are worked out once; only
/// the frequencies of the two records' values differ between its pairs.
pub fn score(blocked: &Blocked, model: &Model) -> Vec<ScoredPair> {
    let mut scored = vec![ScoredPair::default(); blocked.candidates.len()];
    crate::parallel::fill(&mut scored, |start, out| {
        let mut index: FastMap<Pattern, usize> = FastMap::default();
        let mut terms: Vec<model::PatternTerms> = Vec::new();
        let pairs = blocked.candidates[start..].iter().zip(&blocked.patterns[start..]);
        for (slot, (&pair, &pattern)) in out.iter_mut().zip(pairs) {
            let (left, right) = unpack(pair);
            let i = *index.entry(pattern).or_insert_with(|| {
                terms.push(model.pattern_terms(pattern));
                terms.len() - 1
            });
            let weight = model.weight_of_terms(&terms[i], left, right);
            *slot = ScoredPair { left, right, weight };
        }
    });
    scored
}

/// Weighs each pair in a small group of linked records in its group (see
/// `group`): the pairs' probabilities then agree with one another as being
/// one person must. Pairs of a group that blocking did not pair are compared
/// too. Clustering keeps to the pairs' own weights and its guard.
pub fn weigh_groups(data: &PreparedData, model: &Model, scored: &[ScoredPair], index: &PairIndex) -> Groups {
    crate::group::weigh_in_groups(
        data.len(),
        scored,
        index,
        |a, b| model.weight(data.pattern(a, b), a, b),
        |a, b| !data.link_only || data.sources[a as usize] != data.sources[b as usize],
    )
}

/// Below this match probability, two records in clusters about to merge stop
/// the merge (when their weight is further below zero than the joining
/// pair's is above it; see `cluster::cluster`).
/// Measured on the bench sets: 0.001 keeps FEBRL3's badly typed copies of one
/// person together (F1 of the persons 1.0000, against 0.9992 at 0.01) and the
/// CHAIN + Inform namesakes apart (0.9814).
const GUARD_PROBABILITY: f64 = 0.001;

/// Clusters the pairs; `index`, when given, is theirs (one is made otherwise).
pub fn clusters(
    data: &PreparedData,
    model: &Model,
    pairs: &[ScoredPair],
    index: Option<&PairIndex>,
    threshold: f64,
) -> Clusters {
    cluster(data.len(), pairs, index, threshold, GUARD_PROBABILITY, model, data)
}

/// Why two records score as they do: each comparison's level, values and weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub prior: f64,
    pub prior_weight: f64,
    pub terms: Vec<(String, &'static str, String, String, Term)>,
    pub weight: f64,
    pub probability: f64,
    /// Where the two records are in a group with others: the others' ids and
    /// how much the group moves the pair's weight (`weight` includes it).
    pub group: Option<(Vec<String>, f64)>,
}

pub fn explain(
    dataset: &Dataset,
    columns: &[usize],
    data: &PreparedData,
    model: &Model,
    left: u32,
    right: u32,
) -> Explanation {
    let p = data.pattern(left, right);
    let terms = model
        .terms(p, left, right)
        .into_iter()
        .map(|term| {
            let spec = &data.specs[term.comparison];
            let value =
                |record: u32| dataset.value(record as usize, columns[term.comparison]).unwrap_or_default().to_owned();
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
        group: None,
    }
}

impl Explanation {
    /// The explanation of a pair in a group (`group`) with other records, whose
    /// weight in the group is `group_weight`.
    pub fn in_group(mut self, others: Vec<String>, group_weight: f64) -> Self {
        self.group = Some((others, group_weight - self.weight));
        self.weight = group_weight;
        self.probability = probability(group_weight);
        self
    }

    /// A waterfall in plain text: the prior, each comparison, the total.
    pub fn text(&self) -> String {
        let lines: Vec<WaterfallLine<'_>> = self
            .terms
            .iter()
            .map(|(name, level, left, right, term)| WaterfallLine {
                comparison: name,
                level,
                left,
                right,
                m: term.m,
                u: term.u,
                weight: term.weight,
                term_frequency_adjustment: term.term_frequency_adjustment,
            })
            .collect();
        let text = waterfall_text(self.prior, self.prior_weight, &lines, self.weight, self.probability);
        let Some((others, shift)) = &self.group else { return text };
        // The group's line goes before the total.
        let (terms, total) = text.trim_end().rsplit_once('\n').unwrap_or(("", text.as_str()));
        format!(
            "{terms}\n{:<28} {:>8}   in a group with {}: the ways of splitting the group into persons, weighed, that keep these two together; running {:+.2}\n{total}\n",
            "the group's other records",
            format!("{shift:+.2}"),
            others.join(", "),
            self.weight
        )
    }
}

/// One comparison's line of a waterfall, borrowed from wherever the explanation lives
/// (the engine's own, or one stored as JSON).
pub struct WaterfallLine<'a> {
    pub comparison: &'a str,
    pub level: &'a str,
    pub left: &'a str,
    pub right: &'a str,
    pub m: f64,
    pub u: f64,
    pub weight: f64,
    pub term_frequency_adjustment: f64,
}

/// A waterfall in plain text: the prior, each comparison with the running total, the total.
pub fn waterfall_text(
    prior: f64,
    prior_weight: f64,
    lines: &[WaterfallLine<'_>],
    weight: f64,
    probability: f64,
) -> String {
    let mut out = format!("{:<28} {:>8}   (prior {prior:.2e})\n", "prior", format!("{prior_weight:+.2}"));
    let mut running = prior_weight;
    for line in lines {
        let contribution = line.weight + line.term_frequency_adjustment;
        running += contribution;
        let tf = if line.term_frequency_adjustment != 0.0 {
            format!(" incl. {:+.2} for how common the value is", line.term_frequency_adjustment)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{:<28} {:>8}   {}: {:?} vs {:?} (m {:.3}, u {:.4}){tf}; running {running:+.2}\n",
            line.comparison,
            format!("{contribution:+.2}"),
            line.level,
            line.left,
            line.right,
            line.m,
            line.u
        ));
    }
    out.push_str(&format!("{:<28} {:>8}   probability {probability:.4}\n", "total", format!("{weight:+.2}")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The waterfall a reviewer reads, pinned as a snapshot: the prior, each comparison with
    /// its level, values, `m`, `u` and running total (one with a term frequency adjustment),
    /// and the total with its probability.
    #[test]
    fn a_waterfall_reads_line_by_line_from_the_prior_to_the_total() {
        let line = |comparison, level, left, right, m, u, weight, term_frequency_adjustment| WaterfallLine {
            comparison,
            level,
            left,
            right,
            m,
            u,
            weight,
            term_frequency_adjustment,
        };
        let lines = [
            line("surname", "exact", "Popescu", "Popescu", 0.92, 0.0008, 10.17, 1.25),
            line("given name", "jaro-winkler >= 0.92", "Zoë", "Zoe", 0.61, 0.0042, 7.18, 0.0),
            line("date of birth", "year only agrees", "1984", "1984-03-02", 0.21, 0.0139, 3.92, 0.0),
            line("nhs number", "disagrees", "9434765919", "4010232137", 0.02, 0.9991, -5.64, 0.0),
        ];
        let prior_weight = -13.29;
        let weight = prior_weight + lines.iter().map(|l| l.weight + l.term_frequency_adjustment).sum::<f64>();
        insta::assert_snapshot!(waterfall_text(0.0001, prior_weight, &lines, weight, probability(weight)));
    }

    #[test]
    fn a_pair_in_a_group_is_explained_with_the_group_s_line_before_its_total() {
        let term = Term { comparison: 0, level: 1, m: 0.9, u: 0.01, weight: 6.49, term_frequency_adjustment: 0.0 };
        let own = Explanation {
            prior: 0.001,
            prior_weight: -9.97,
            terms: vec![("surname".into(), "exact", "Popescu".into(), "Popescu".into(), term)],
            weight: -3.48,
            probability: probability(-3.48),
            group: None,
        };
        let text = own.clone().text();
        assert!(!text.contains("group"), "{text}");
        let grouped = own.in_group(vec!["r7".into(), "r9".into()], 4.52);
        assert!((grouped.probability - probability(4.52)).abs() < 1e-12);
        let text = grouped.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(lines[1].starts_with("surname") && lines[1].contains("running -3.48"), "{text}");
        assert!(lines[2].starts_with("the group's other records") && lines[2].contains("+8.00"), "{text}");
        assert!(lines[2].contains("in a group with r7, r9") && lines[2].contains("running +4.52"), "{text}");
        assert!(lines[3].starts_with("total") && lines[3].contains("+4.52"), "{text}");
    }
}
