//! The Fellegi-Sunter model. For each comparison and level, `m` is the
//! chance of that level among true matches and `u` among non-matches; a
//! pair's match weight is the log-odds of the prior plus, for each
//! comparison, `log2(m / u)`. `u` is estimated from random pairs (almost all
//! of which are non-matches); `m` and the prior by expectation maximisation
//! over the candidate pairs, one training session per blocking rule with the
//! rule's own comparisons held out (their agreement is forced by the rule);
//! common values weigh less than rare ones (term-frequency adjustment).

use crate::comparison::{ComparisonSpec, Kind, Pattern, level_of};
use crate::prepared::PreparedData;
use crate::random::SplitMix;

#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonModel {
    pub spec: ComparisonSpec,
    /// Indexed by level; index 0 (missing) is unused.
    pub m: Vec<f64>,
    pub u: Vec<f64>,
    /// When exact agreement here mostly follows from exact agreement on another
    /// comparison (a postcode and its suburb), that comparison and the chance
    /// of agreeing here by chance given it agrees: counted once, not twice.
    /// At most two, the strongest first; the second counts where the first is
    /// missing (a nationality goes with the surname and, when there is none,
    /// with the first name).
    pub depends_on: Vec<(usize, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub comparisons: Vec<ComparisonModel>,
    /// The chance that two records drawn at random are the same person.
    pub prior: f64,
    /// Term frequencies per comparison (empty when not adjusted), per record:
    /// the share of records with that record's value.
    pub term_frequencies: Vec<Vec<f32>>,
}

/// A pattern's terms apart from the two records: each comparison's weight
/// and, for an exact value adjusted for its frequency, the comparison and its `u`.
pub type PatternTerms = Vec<(f64, Option<(usize, f64)>)>;

/// How often each distinct pattern occurs among some pairs.
pub type PatternCounts = [(Pattern, f64)];

/// One EM session: the comparisons held out (those its blocking rule used) and its pairs' patterns.
pub type Session<'a> = (Vec<usize>, &'a PatternCounts);

/// `u` for every comparison from `n_samples` random pairs (across sources when
/// linking), with add-one smoothing so no level is impossible.
pub fn estimate_u(data: &PreparedData, n_samples: usize, seed: u64) -> Vec<Vec<f64>> {
    let (specs, sources, link_only) = (&data.specs, &data.sources, data.link_only);
    // Draw the pairs first (deterministic for the seed), then compare them on every core.
    let n = data.len() as u64;
    let mut rng = SplitMix::new(seed);
    let mut sample: Vec<(u32, u32)> = Vec::with_capacity(n_samples);
    let mut attempts = 0;
    while sample.len() < n_samples && attempts < n_samples * 20 && n >= 2 {
        attempts += 1;
        let (a, b) = (rng.below(n) as usize, rng.below(n) as usize);
        if a == b || (link_only && sources[a] == sources[b]) {
            continue;
        }
        sample.push((a as u32, b as u32));
    }
    let patterns = data.patterns(&sample);
    let mut counts: Vec<Vec<f64>> = specs.iter().map(|s| vec![0.0; s.kind.n_levels()]).collect();
    for p in patterns {
        for (c, count) in counts.iter_mut().enumerate() {
            count[level_of(p, c) as usize] += 1.0;
        }
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(c, count)| {
            // Exact agreement by chance is the sum of squared value shares, known
            // exactly from the data; sampling only splits the rest among the other levels.
            let exact = if specs[c].kind.is_list() {
                // Level 1 is not equality of the lists: sample it like the rest.
                let present: f64 = count[1..].iter().sum();
                (count[1] + 1.0) / (present + count.len() as f64 - 1.0)
            } else {
                chance_of_equal_values(data, c)
            };
            let rest: f64 = count[2..].iter().sum();
            let n_rest = count.len() - 2;
            let mut u = vec![0.0; count.len()];
            u[1] = exact.max(1e-9);
            for level in 2..count.len() {
                u[level] = (1.0 - u[1]) * (count[level] + 1.0) / (rest + n_rest as f64);
            }
            u
        })
        .collect()
}

/// The chance that two records drawn at random (across sources when
/// linking), both with a value, have equal values.
fn chance_of_equal_values(data: &PreparedData, comparison: usize) -> f64 {
    let column = &data.columns[comparison];
    let mut counts: Vec<[f64; 2]> = vec![[0.0; 2]; column.values.len()];
    let mut totals = [0.0f64; 2];
    // Year-only dates never agree exactly (see `compare_present`): left out.
    let is_date = data.specs[comparison].kind == Kind::Date;
    let counts_exact = |value: u32| value != 0 && !(is_date && column.values[value as usize].is_year_only());
    for (value, &source) in data.column_ids(comparison).zip(&data.sources) {
        if counts_exact(value) {
            let side = usize::from(data.link_only && source == 1);
            counts[value as usize][side] += 1.0;
            totals[side] += 1.0;
        }
    }
    if data.link_only {
        if totals[0] == 0.0 || totals[1] == 0.0 {
            return 0.0;
        }
        counts.iter().map(|[a, b]| a * b).sum::<f64>() / (totals[0] * totals[1])
    } else {
        let n = totals[0];
        if n < 2.0 {
            return 0.0;
        }
        counts.iter().map(|[k, _]| k * (k - 1.0)).sum::<f64>() / (n * (n - 1.0))
    }
}

/// The comparisons a comparison's exact agreement is bound to, at most two
/// and the strongest first, each with the chance of agreeing by chance given
/// it agrees.
pub type Dependencies = [Vec<(usize, f64)>];

/// Comparisons whose exact agreement is bound to others': for each, up to
/// two other comparisons and the chance of agreeing by chance given each
/// agrees. Estimated from value co-occurrence in up to 100,000 records.
pub fn dependencies(data: &PreparedData, u: &[Vec<f64>]) -> Vec<Vec<(usize, f64)>> {
    let specs = &data.specs;
    let step = (data.len() / 100_000).max(1);
    let sample: Vec<u32> = (0..data.len() as u32).step_by(step).collect();
    let joint_agreement = |a: usize, b: usize| -> f64 {
        // Equal value indexes are equal values: count each pair of values by sorting.
        let mut pairs: Vec<u64> = sample
            .iter()
            .map(|&r| (data.id(r, a), data.id(r, b)))
            .filter(|&(x, y)| x != 0 && y != 0)
            .map(|(x, y)| (u64::from(x) << 32) | u64::from(y))
            .collect();
        pairs.sort_unstable();
        let n = pairs.len() as f64;
        let same: f64 = pairs.chunk_by(|x, y| x == y).map(|g| (g.len() as f64) * (g.len() as f64 - 1.0)).sum();
        if n < 2.0 { 0.0 } else { same / (n * (n - 1.0)) }
    };
    // Dates and identifiers are left alone: a shared birth date or NHS number
    // is its own evidence (that it comes with a shared first name is because
    // such pairs are mostly the same person, not because the two go together).
    // Other names, references, stays and contacts agree on something other than equal values.
    let eligible = |c: usize| {
        !specs[c].kind.is_list() && !matches!(specs[c].kind, Kind::Date | Kind::Identifier | Kind::Reference)
    };
    (0..specs.len())
        .map(|b| {
            if !eligible(b) {
                return Vec::new();
            }
            let mut parents: Vec<(usize, f64, f64)> = (0..b)
                .filter(|&a| eligible(a))
                .filter_map(|a| {
                    let joint = joint_agreement(a, b);
                    let ratio = joint / (u[a][1] * u[b][1]).max(1e-300);
                    (ratio > 3.0 && joint > 0.0).then(|| (a, ratio, (joint / u[a][1]).clamp(u[b][1], 1.0 - 1e-9)))
                })
                .collect();
            parents.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            parents.into_iter().take(2).map(|(a, _, conditional)| (a, conditional)).collect()
        })
        .collect()
}

/// Whether a comparison's parent agrees in a pattern, for a dependence: a
/// name agrees when it is exact or nearly so (a misspelt surname still comes
/// from the same country's names), anything else when it is exact.
fn parent_agrees(specs: &(impl Specs + ?Sized), parent: usize, pattern: Pattern) -> bool {
    let level = level_of(pattern, parent);
    level == 1 || (specs.spec(parent).kind == Kind::Name && (2..=3).contains(&level))
}

/// The chance of agreeing by chance given the parent that agrees: the first
/// parent, or the second where the first is missing on either side (a
/// nationality and, for a record without a surname, the first name).
fn conditional_u(specs: &(impl Specs + ?Sized), parents: &[(usize, f64)], pattern: Pattern) -> Option<f64> {
    for (i, &(parent, conditional)) in parents.iter().enumerate() {
        if parent_agrees(specs, parent, pattern) {
            return Some(conditional);
        }
        if level_of(pattern, parent) != 0 || i > 0 {
            return None;
        }
    }
    None
}

/// The comparisons' specs, as training has them and as a model has them.
trait Specs {
    fn spec(&self, c: usize) -> &ComparisonSpec;
}

impl Specs for [ComparisonSpec] {
    fn spec(&self, c: usize) -> &ComparisonSpec {
        &self[c]
    }
}

impl Specs for [ComparisonModel] {
    fn spec(&self, c: usize) -> &ComparisonSpec {
        &self[c].spec
    }
}

/// Whether a comparison's level counts in a pair's weight: it is evidence, and
/// not the second half of a name swapped as a whole (the swap counts once).
fn counted(specs: &(impl Specs + ?Sized), c: usize, pattern: Pattern) -> bool {
    let (spec, level) = (specs.spec(c), level_of(pattern, c));
    if !spec.kind.is_evidence(level) {
        return false;
    }
    !(spec.kind == Kind::Name
        && level == SWAPPED
        && spec.swap_with.is_some_and(|other| other < c && level_of(pattern, other) == SWAPPED))
}

/// The name level "swapped with the other name".
const SWAPPED: u8 = 4;

/// The chance a non-matching pair shows this comparison's level, allowing for a dependence.
fn u_of(specs: &[ComparisonSpec], u: &[Vec<f64>], dependencies: &Dependencies, c: usize, pattern: Pattern) -> f64 {
    let level = level_of(pattern, c) as usize;
    if level == 1
        && let Some(conditional) = conditional_u(specs, &dependencies[c], pattern)
    {
        return conditional;
    }
    u[c][level]
}

/// Starting `m`: most matches agree exactly, the rest spread over the other levels.
fn initial_m(kind: Kind) -> Vec<f64> {
    let n = kind.n_levels();
    let mut m = vec![0.0; n];
    m[1] = 0.85;
    let rest = 0.15 / (n - 2).max(1) as f64;
    for level in m.iter_mut().skip(2) {
        *level = rest;
    }
    m
}

/// One EM session over pattern counts: returns `m` for the free comparisons
/// (`None` for held-out ones) and the share of matches among these pairs.
pub fn expectation_maximisation(
    specs: &[ComparisonSpec],
    u: &[Vec<f64>],
    dependencies: &Dependencies,
    counts: &[(Pattern, f64)],
    held_out: &[usize],
    iterations: usize,
) -> (Vec<Option<Vec<f64>>>, f64) {
    let free: Vec<usize> = (0..specs.len()).filter(|c| !held_out.contains(c)).collect();
    let mut m: Vec<Vec<f64>> = specs.iter().map(|s| initial_m(s.kind)).collect();
    let mut lambda = 0.3;
    let total: f64 = counts.iter().map(|(_, n)| n).sum();
    if total == 0.0 {
        return (specs.iter().map(|_| None).collect(), 0.0);
    }
    for _ in 0..iterations {
        let mut m_next: Vec<Vec<f64>> = specs.iter().map(|s| vec![0.0; s.kind.n_levels()]).collect();
        let mut matched = 0.0;
        for &(p, n) in counts {
            let (mut likelihood_m, mut likelihood_u) = (lambda, 1.0 - lambda);
            for &c in &free {
                let level = level_of(p, c);
                if counted(specs, c, p) {
                    likelihood_m *= m[c][level as usize];
                    likelihood_u *= u_of(specs, u, dependencies, c, p);
                }
            }
            let posterior = likelihood_m / (likelihood_m + likelihood_u);
            matched += posterior * n;
            for &c in &free {
                let level = level_of(p, c) as usize;
                if level > 0 {
                    m_next[c][level] += posterior * n;
                }
            }
        }
        let previous_lambda = lambda;
        lambda = (matched / total).clamp(1e-9, 1.0 - 1e-9);
        for &c in &free {
            let observed: f64 = m_next[c][1..].iter().sum();
            if observed > 0.0 {
                let n_levels = m_next[c].len() - 1;
                for level in 1..m_next[c].len() {
                    // A small floor keeps every level possible among matches.
                    m[c][level] = (m_next[c][level] + 1e-3) / (observed + 1e-3 * n_levels as f64);
                }
            }
        }
        if (lambda - previous_lambda).abs() < 1e-7 {
            break;
        }
    }
    (m.into_iter().enumerate().map(|(c, m)| (!held_out.contains(&c)).then_some(m)).collect(), lambda)
}

/// The chance that a pair with this pattern is a match, judged by the
/// comparisons `used`, for a population prior.
fn posterior(
    specs: &[ComparisonSpec],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    dependencies: &Dependencies,
    used: &[usize],
    prior: f64,
    p: Pattern,
) -> f64 {
    let (mut lm, mut lu) = (prior, 1.0 - prior);
    for &c in used {
        let level = level_of(p, c);
        if counted(specs, c, p) {
            lm *= m[c][level as usize];
            lu *= u_of(specs, u, dependencies, c, p);
        }
    }
    lm / (lm + lu)
}

/// The chance that two records drawn at random are the same person: the
/// expected matches among the candidates (all but a few matches are among
/// them) over all pairs. Each candidate is judged with the population's odds,
/// not the candidates': blocking gathers look-alikes, so among candidates a
/// shared birth date or name is far less rare than `u` says, and judging them
/// with the candidates' share of matches would take namesakes for matches.
fn population_prior(
    specs: &[ComparisonSpec],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    dependencies: &Dependencies,
    counts: &[(Pattern, f64)],
    total_pairs: f64,
    used: &[usize],
) -> f64 {
    let total_pairs = total_pairs.max(1.0);
    let n_candidates: f64 = counts.iter().map(|(_, n)| n).sum();
    let mut prior = (0.1 * n_candidates / total_pairs).clamp(1e-12, 0.5);
    for _ in 0..200 {
        let matched: f64 = counts.iter().map(|&(p, n)| n * posterior(specs, m, u, dependencies, used, prior, p)).sum();
        let next = (matched / total_pairs).clamp(1e-12, 0.5);
        let converged = (next - prior).abs() <= 1e-9 * prior;
        prior = next;
        if converged {
            break;
        }
    }
    if prior * total_pairs >= 1.0 || n_candidates == 0.0 {
        return prior;
    }
    // Fewer than one match expected in all the data: the population's odds have nothing to go
    // on (a small file, or one where nearly everyone shares a name, so that agreeing on a name
    // looks like no evidence before term frequencies). Judge the candidates by their own share
    // of matches instead, as a classic EM would, and spread it over all pairs.
    let mut share = 0.1;
    for _ in 0..200 {
        let matched: f64 = counts.iter().map(|&(p, n)| n * posterior(specs, m, u, dependencies, used, share, p)).sum();
        let next = (matched / n_candidates).clamp(1e-9, 0.5);
        let converged = (next - share).abs() <= 1e-9 * share;
        share = next;
        if converged {
            break;
        }
    }
    (share * n_candidates / total_pairs).clamp(1e-12, 0.5)
}

/// Whether a comparison's `m` is learnt from the other comparisons' verdicts
/// rather than in the EM sessions: categories (sex, nationality, state), which
/// people who share a name or a place share far more often than random pairs,
/// so that among blocked pairs they would pass for evidence of a match; and
/// stays, where a stay in both is so strong that EM, free to use it, takes
/// pairs that share a busy night for a class of matches and learns from them
/// that matches often differ in birth date.
fn learnt_from_verdicts(kind: Kind) -> bool {
    matches!(kind, Kind::Category | Kind::Stays)
}

/// `m` for categories and stays: how often the candidates that the other
/// comparisons judge to be matches (weighted by that judgement) agree on them.
fn categories_from_posteriors(
    specs: &[ComparisonSpec],
    mut m: Vec<Vec<f64>>,
    u: &[Vec<f64>],
    dependencies: &Dependencies,
    all_counts: &[(Pattern, f64)],
    total_pairs: f64,
) -> Vec<Vec<f64>> {
    let categories: Vec<usize> = (0..specs.len()).filter(|&c| learnt_from_verdicts(specs[c].kind)).collect();
    if categories.is_empty() {
        return m;
    }
    let others: Vec<usize> = (0..specs.len()).filter(|c| !categories.contains(c)).collect();
    let prior = population_prior(specs, &m, u, dependencies, all_counts, total_pairs, &others);
    let mut sums: Vec<Vec<f64>> = categories.iter().map(|&c| vec![0.0; specs[c].kind.n_levels()]).collect();
    // Only pairs with evidence on at least three other comparisons teach what
    // matches look like: two namesakes known by nothing but their names would
    // pass for a match and teach that matches rarely share a place. Where
    // there is a date, an identifier or a reference id (a birth date, an NHS
    // number, a CHAIN id), only pairs that agree exactly on one of them
    // teach: namesakes with no birth date, met
    // weeks apart, pass for matches too, and taught that matches often differ
    // on where they last lived settled (a fifth of them, where true matches
    // almost never do, on the CHAIN + Inform bench set).
    let confirming: Vec<usize> = others
        .iter()
        .copied()
        .filter(|&c| matches!(specs[c].kind, Kind::Date | Kind::Identifier | Kind::Reference))
        .collect();
    let informed = |p: Pattern| {
        others.iter().filter(|&&c| specs[c].kind.is_evidence(level_of(p, c))).count() >= 3
            && (confirming.is_empty() || confirming.iter().any(|&c| level_of(p, c) == 1))
    };
    for &(p, n) in all_counts.iter().filter(|&&(p, _)| informed(p)) {
        let weight = n * posterior(specs, &m, u, dependencies, &others, prior, p);
        for (i, &c) in categories.iter().enumerate() {
            sums[i][level_of(p, c) as usize] += weight;
        }
    }
    for (i, &c) in categories.iter().enumerate() {
        let observed: f64 = sums[i][1..].iter().sum();
        let n_levels = sums[i].len() - 1;
        if observed > 0.0 {
            for level in 1..sums[i].len() {
                m[c][level] = (sums[i][level] + 1e-3) / (observed + 1e-3 * n_levels as f64);
            }
        }
    }
    m
}

/// Shares of each value among the records that have one.
pub fn term_frequencies(data: &PreparedData, comparison: usize) -> Vec<f32> {
    let column = &data.columns[comparison];
    let mut counts: Vec<u32> = vec![0; column.values.len()];
    for value in data.column_ids(comparison) {
        counts[value as usize] += 1;
    }
    let present = (data.len() as u32 - counts[0]).max(1);
    data.column_ids(comparison).map(|v| if v == 0 { 0.0 } else { counts[v as usize] as f32 / present as f32 }).collect()
}

/// The pairs of a session that can tell what comparison `c` looks like among
/// matches: those with evidence on at least two other free comparisons. A
/// session counts in proportion to them. Where `c` is nearly the only
/// evidence left (a birth date among pairs blocked on the whole name), EM
/// cannot tell matches from namesakes and would learn that matches often
/// differ on it; and a handful of pairs sharing a nickname says little.
fn informed_pairs(specs: &[ComparisonSpec], counts: &PatternCounts, held_out: &[usize], c: usize) -> f64 {
    let others: Vec<usize> = (0..specs.len()).filter(|&o| o != c && !held_out.contains(&o)).collect();
    counts
        .iter()
        .filter(|&&(p, _)| others.iter().filter(|&&o| specs[o].kind.is_evidence(level_of(p, o))).count() >= 2)
        .map(|(_, n)| n)
        .sum()
}

/// The training from pattern counts: `m` by one EM session per blocking rule
/// (its own comparisons held out), the prior from all candidates, `u` given.
pub fn train_from_counts(
    data: &PreparedData,
    u: Vec<Vec<f64>>,
    sessions: &[Session<'_>],
    all_counts: &[(Pattern, f64)],
    total_pairs: f64,
) -> Model {
    let specs = data.specs.as_slice();
    let dependencies = dependencies(data, &u);
    let mut m_sum: Vec<Vec<f64>> = specs.iter().map(|s| vec![0.0; s.kind.n_levels()]).collect();
    let mut m_weight: Vec<f64> = vec![0.0; specs.len()];
    for (held_out, counts) in sessions {
        // A comparison bound to a blocked one agrees almost always in this session: hold it out too.
        // So are categories and stays: their `m` comes afterwards, from the other comparisons'
        // verdicts (see `learnt_from_verdicts`).
        let mut held_out = held_out.clone();
        for (c, spec) in specs.iter().enumerate() {
            if learnt_from_verdicts(spec.kind) && !held_out.contains(&c) {
                held_out.push(c);
            }
        }
        for (c, parents) in dependencies.iter().enumerate() {
            if parents.first().is_some_and(|(parent, _)| held_out.contains(parent)) && !held_out.contains(&c) {
                held_out.push(c);
            }
        }
        // Other names are compared with the record's own name: held out with it.
        for (c, spec) in specs.iter().enumerate() {
            if spec.own_name.iter().any(|o| held_out.contains(o)) && !held_out.contains(&c) {
                held_out.push(c);
            }
        }
        let (m, _) = expectation_maximisation(specs, &u, &dependencies, counts, &held_out, 40);
        for (c, estimate) in m.into_iter().enumerate() {
            if let Some(estimate) = estimate {
                let n_pairs = informed_pairs(specs, counts, &held_out, c);
                for level in 1..estimate.len() {
                    m_sum[c][level] += n_pairs * estimate[level];
                }
                m_weight[c] += n_pairs;
            }
        }
    }
    let m: Vec<Vec<f64>> =
        specs
            .iter()
            .enumerate()
            .map(|(c, spec)| {
                if m_weight[c] > 0.0 {
                    m_sum[c].iter().map(|v| v / m_weight[c]).collect()
                } else {
                    initial_m(spec.kind)
                }
            })
            .collect();
    let mut m = categories_from_posteriors(specs, m, &u, &dependencies, all_counts, total_pairs);
    for (c, spec) in specs.iter().enumerate() {
        for level in 1..m[c].len() as u8 {
            if !spec.kind.is_evidence(level) {
                // Shown as what it is: no weight either way.
                m[c][level as usize] = u[c][level as usize];
            }
        }
    }
    let all: Vec<usize> = (0..specs.len()).collect();
    let prior = population_prior(specs, &m, &u, &dependencies, all_counts, total_pairs, &all);
    let term_frequencies = specs
        .iter()
        .enumerate()
        .map(|(c, s)| if s.term_frequency { term_frequencies(data, c) } else { Vec::new() })
        .collect();
    let comparisons = specs
        .iter()
        .cloned()
        .zip(m.into_iter().zip(u).zip(dependencies))
        .map(|(spec, ((m, u), depends_on))| ComparisonModel { spec, m, u, depends_on })
        .collect();
    Model { comparisons, prior, term_frequencies }
}

/// One comparison's part of a pair's weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub comparison: usize,
    pub level: u8,
    pub m: f64,
    pub u: f64,
    /// `log2(m / u)`, 0 for a missing value.
    pub weight: f64,
    /// The extra weight of a rare (positive) or common (negative) exact value.
    pub term_frequency_adjustment: f64,
}

impl Model {
    pub fn prior_weight(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }

    /// A comparison's term as far as it does not depend on the two records,
    /// and whether its value's frequency adjusts it.
    fn base_term(&self, c: usize, pattern: Pattern) -> (Term, bool) {
        let model = &self.comparisons[c];
        let level = level_of(pattern, c);
        if !counted(self.comparisons.as_slice(), c, pattern) {
            let term = Term { comparison: c, level, m: 1.0, u: 1.0, weight: 0.0, term_frequency_adjustment: 0.0 };
            return (term, false);
        }
        let m = model.m[level as usize];
        let mut u = model.u[level as usize];
        if level == 1
            && let Some(conditional) = conditional_u(self.comparisons.as_slice(), &model.depends_on, pattern)
        {
            // Counted once: the value's rarity is already in the parent's weight.
            u = conditional;
            let term = Term { comparison: c, level, m, u, weight: (m / u).log2(), term_frequency_adjustment: 0.0 };
            return (term, false);
        }
        let adjusted = level == 1 && !self.term_frequencies[c].is_empty();
        (Term { comparison: c, level, m, u, weight: (m / u).log2(), term_frequency_adjustment: 0.0 }, adjusted)
    }

    /// The extra weight of a rare or common exact value: the more common of the two.
    fn adjustment(&self, c: usize, u: f64, a: u32, b: u32) -> f64 {
        let tf = &self.term_frequencies[c];
        let frequency = f64::from(tf[a as usize].max(tf[b as usize]));
        if frequency > 0.0 { (u / frequency).log2() } else { 0.0 }
    }

    fn term(&self, c: usize, pattern: Pattern, a: u32, b: u32) -> Term {
        let (mut term, adjusted) = self.base_term(c, pattern);
        if adjusted {
            term.term_frequency_adjustment = self.adjustment(c, term.u, a, b);
        }
        term
    }

    /// The pair's terms, one per comparison.
    pub fn terms(&self, pattern: Pattern, a: u32, b: u32) -> Vec<Term> {
        (0..self.comparisons.len()).map(|c| self.term(c, pattern, a, b)).collect()
    }

    pub fn weight(&self, pattern: Pattern, a: u32, b: u32) -> f64 {
        self.weight_of_terms(&self.pattern_terms(pattern), a, b)
    }

    /// A pattern's terms as far as they do not depend on the two records:
    /// each comparison's weight, and for an exact value adjusted for its
    /// frequency, the comparison and its `u`.
    pub fn pattern_terms(&self, pattern: Pattern) -> PatternTerms {
        (0..self.comparisons.len())
            .map(|c| {
                let (term, adjusted) = self.base_term(c, pattern);
                (term.weight, adjusted.then_some((c, term.u)))
            })
            .collect()
    }

    /// A pair's weight from its pattern's terms: the same sum as `terms` gives.
    pub fn weight_of_terms(&self, terms: &[(f64, Option<(usize, f64)>)], a: u32, b: u32) -> f64 {
        let mut weight = self.prior_weight();
        for &(term_weight, adjusted) in terms {
            let adjustment = adjusted.map_or(0.0, |(c, u)| self.adjustment(c, u, a, b));
            weight += term_weight + adjustment;
        }
        weight
    }
}

/// The probability of a match weight.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: Kind) -> ComparisonSpec {
        ComparisonSpec { name: kind.code().into(), kind, swap_with: None, term_frequency: false, own_name: Vec::new() }
    }

    #[test]
    fn em_recovers_known_parameters() {
        // Two comparisons with three usable levels each; matches agree mostly,
        // non-matches rarely. 1,000 matches and 9,000 non-matches, drawn exactly.
        let specs = [spec(Kind::Category), spec(Kind::Category)];
        let u = vec![vec![0.0, 0.1, 0.9], vec![0.0, 0.2, 0.8]];
        let mk = |a: u64, b: u64| a | (b << 4);
        let counts = vec![
            (mk(1, 1), 1000.0 * 0.9 * 0.8 + 9000.0 * 0.1 * 0.2),
            (mk(1, 2), 1000.0 * 0.9 * 0.2 + 9000.0 * 0.1 * 0.8),
            (mk(2, 1), 1000.0 * 0.1 * 0.8 + 9000.0 * 0.9 * 0.2),
            (mk(2, 2), 1000.0 * 0.1 * 0.2 + 9000.0 * 0.9 * 0.8),
        ];
        let (m, lambda) = expectation_maximisation(&specs, &u, &[vec![], vec![]], &counts, &[], 500);
        assert!((lambda - 0.1).abs() < 0.01, "{lambda}");
        let m0 = m[0].as_ref().unwrap();
        let m1 = m[1].as_ref().unwrap();
        assert!((m0[1] - 0.9).abs() < 0.02 && (m1[1] - 0.8).abs() < 0.02, "{m0:?} {m1:?}");
    }

    #[test]
    fn names_swapped_as_a_whole_count_once() {
        let mut first = spec(Kind::Name);
        first.swap_with = Some(1);
        let mut last = spec(Kind::Name);
        last.swap_with = Some(0);
        let specs = [first, last];
        let both_swapped = u64::from(SWAPPED) | (u64::from(SWAPPED) << 4);
        assert!(counted(specs.as_slice(), 0, both_swapped));
        assert!(!counted(specs.as_slice(), 1, both_swapped), "Girma Kidane and Kidane Girma is one swap, not two");
        let exact_both = 1 | (1 << 4);
        assert!(counted(specs.as_slice(), 0, exact_both) && counted(specs.as_slice(), 1, exact_both));
    }

    #[test]
    fn a_reference_that_differs_weighs_nothing_and_a_misspelt_surname_still_binds_nationality() {
        let mut nationality = spec(Kind::Category);
        nationality.name = "nationality".into();
        let specs = [spec(Kind::Name), nationality, spec(Kind::Reference)];
        // Nationality bound to the surname: agreeing on it adds little once the surname agrees,
        // also when the surname is one edit apart (the same country's name, misspelt).
        let u = vec![vec![0.0; 9], vec![0.0, 0.24, 0.76], vec![0.0, 1e-4, 1.0 - 1e-4]];
        let dependencies = [vec![], vec![(0, 0.9)], vec![]];
        let one_edit_and_same_nationality = 2 | (1 << 4);
        assert_eq!(u_of(specs.as_slice(), &u, &dependencies, 1, one_edit_and_same_nationality), 0.9);
        let different_surname = 8 | (1 << 4);
        assert_eq!(u_of(specs.as_slice(), &u, &dependencies, 1, different_surname), 0.24);
        assert!(!counted(specs.as_slice(), 2, 2 << 8), "two different CHAIN ids say nothing");
        assert!(counted(specs.as_slice(), 2, 1 << 8));
    }

    #[test]
    fn a_nationality_is_counted_once_with_the_first_name_when_the_surname_is_missing() {
        let mut nationality = spec(Kind::Category);
        nationality.name = "nationality".into();
        let specs = [spec(Kind::Name), spec(Kind::Name), nationality];
        let u = vec![vec![0.0; 9], vec![0.0; 9], vec![0.0, 0.24, 0.76]];
        // Bound to the surname first, and to the first name where there is no surname.
        let dependencies = [vec![], vec![], vec![(1, 0.9), (0, 0.8)]];
        let pattern = |first: u64, last: u64| first | (last << 4) | (1 << 8);
        assert_eq!(u_of(specs.as_slice(), &u, &dependencies, 2, pattern(8, 1)), 0.9, "the surnames agree");
        assert_eq!(u_of(specs.as_slice(), &u, &dependencies, 2, pattern(1, 0)), 0.8, "`Tewelde` against `Tewelde X`");
        assert_eq!(u_of(specs.as_slice(), &u, &dependencies, 2, pattern(1, 8)), 0.24, "surnames that differ");
        assert_eq!(u_of(specs.as_slice(), &u, &dependencies, 2, pattern(0, 0)), 0.24, "no names to go with");
    }

    #[test]
    fn namesakes_without_a_birth_date_do_not_teach_what_matches_look_like() {
        // First name, surname, a place, a birth date and where the person last lived settled.
        let kinds = [Kind::Name, Kind::Name, Kind::Text, Kind::Date, Kind::Category];
        let specs: Vec<ComparisonSpec> = kinds.iter().map(|&k| spec(k)).collect();
        let u: Vec<Vec<f64>> = kinds
            .iter()
            .map(|k| {
                let mut u = vec![0.0; k.n_levels()];
                u[1] = 0.01;
                *u.last_mut().unwrap() = 0.99;
                u
            })
            .collect();
        let m: Vec<Vec<f64>> = kinds.iter().map(|&k| initial_m(k)).collect();
        let pattern = |levels: [u64; 5]| levels.iter().enumerate().fold(0, |p, (c, &l)| p | (l << (4 * c)));
        let counts = [
            // 100 people's two records: names, place and birth date agree, and so does the settled base.
            (pattern([1, 1, 1, 1, 1]), 100.0),
            // 60 namesakes met at one place, with no birth date on one record: their settled bases differ.
            (pattern([1, 1, 1, 0, 2]), 60.0),
        ];
        let m = categories_from_posteriors(&specs, m, &u, &vec![Vec::new(); 5], &counts, 1e7);
        assert!(m[4][2] < 0.01, "matches differ on the settled base {:.3} of the time", m[4][2]);
    }

    #[test]
    fn weights_follow_bayes() {
        assert!((probability(0.0) - 0.5).abs() < 1e-12);
        assert!((probability(10.0) - 1024.0 / 1025.0).abs() < 1e-12);
        let mut rng = SplitMix::new(7);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        let mut again = SplitMix::new(7);
        assert_eq!(first, (0..3).map(|_| again.next_u64()).collect::<Vec<_>>(), "seeded sampling repeats");
    }
}
