//! Clustering: pairs above the threshold join their records into persons,
//! strongest first. A merge is refused when it would put together two
//! records the model itself says are different people, so a chain of
//! look-alikes (A like B, B like C) cannot join A to a very different C.

use crate::model::{Model, probability};
use crate::prepared::PreparedData;

/// Members of each side checked before a merge; bounds the work on huge clusters.
const GUARD_SAMPLE: usize = 64;

/// A candidate pair and its match weight. The probability is worked out from
/// the weight when asked for, so that a million records' pairs take 16 bytes each.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ScoredPair {
    pub left: u32,
    pub right: u32,
    pub weight: f64,
}

impl ScoredPair {
    pub fn probability(&self) -> f64 {
        crate::model::probability(self.weight)
    }
}

/// Whether pairs' probabilities reach a threshold, told for most pairs from
/// the weight alone: the probability rises with the weight, so a weight below
/// the threshold's log-odds (less a margin far wider than any rounding)
/// cannot reach it, and the exponential is worked out only near it.
#[derive(Debug, Clone, Copy)]
pub struct Reaches {
    threshold: f64,
    floor: f64,
}

impl Reaches {
    pub fn new(threshold: f64) -> Self {
        // The odds widened by 1e-15 each side: near a threshold of 1 the
        // probability's own rounding is a wide margin in weight.
        let log_odds = ((threshold - 1e-15) / (1.0 - threshold + 1e-15)).log2();
        Self { threshold, floor: if log_odds.is_finite() { log_odds - 1e-6 } else { f64::NEG_INFINITY } }
    }

    pub fn pair(&self, pair: &ScoredPair) -> bool {
        pair.weight >= self.floor && pair.probability() >= self.threshold
    }
}

/// The members of each cluster, in the order they joined it, as lists
/// threaded through the records.
struct Members {
    next: Vec<u32>,
    first: Vec<u32>,
    last: Vec<u32>,
    size: Vec<u32>,
}

impl Members {
    const END: u32 = u32::MAX;

    /// Every record alone.
    fn new(n_records: usize) -> Self {
        let alone: Vec<u32> = (0..n_records as u32).collect();
        Self { next: vec![Self::END; n_records], first: alone.clone(), last: alone, size: vec![1; n_records] }
    }

    /// The members of the cluster whose root is `root`.
    fn of(&self, root: u32) -> impl Iterator<Item = u32> + '_ {
        let first = self.first[root as usize];
        std::iter::successors(Some(first), |&m| Some(self.next[m as usize]).filter(|&n| n != Self::END))
    }

    /// The members of `join`'s cluster after those of `keep`'s.
    fn join(&mut self, keep: u32, join: u32) {
        let (keep, join) = (keep as usize, join as usize);
        self.next[self.last[keep] as usize] = self.first[join];
        self.last[keep] = self.last[join];
        self.size[keep] += self.size[join];
    }
}

/// The root of `i`'s set in a union-find forest, halving the path on the way.
pub(crate) fn find(parent: &mut [u32], mut i: u32) -> u32 {
    while parent[i as usize] != i {
        parent[i as usize] = parent[parent[i as usize] as usize];
        i = parent[i as usize];
    }
    i
}

/// Where each pair is among pairs sorted by first and second record: looked
/// up among the few pairs of its first record, as a search of all pairs
/// would wait on memory at every step. Made once for the scored pairs, and
/// used by the groups and by clustering.
pub struct PairIndex {
    first_of: Vec<usize>,
    n_pairs: usize,
}

impl PairIndex {
    /// The index of `pairs`; `None` when they are not sorted.
    pub fn new(n_records: usize, pairs: &[ScoredPair]) -> Option<Self> {
        pairs.is_sorted_by_key(|p| (p.left, p.right)).then(|| {
            let mut first_of = vec![0usize; n_records + 1];
            for pair in pairs {
                first_of[pair.left as usize + 1] += 1;
            }
            for r in 0..n_records {
                first_of[r + 1] += first_of[r];
            }
            Self { first_of, n_pairs: pairs.len() }
        })
    }

    /// The position of the pair `left`-`right` (`left` below `right`) among
    /// `pairs`, the pairs the index was made of.
    pub fn position(&self, pairs: &[ScoredPair], left: u32, right: u32) -> Option<usize> {
        debug_assert_eq!(pairs.len(), self.n_pairs, "the pairs the index was made of");
        let (start, end) = (self.first_of[left as usize], self.first_of[left as usize + 1]);
        pairs[start..end].binary_search_by_key(&right, |p| p.right).ok().map(|i| start + i)
    }
}

/// Why two records above the threshold did not end in one cluster.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefusedMerge {
    pub pair: ScoredPair,
    /// The two records, one from each side, that the model says differ.
    pub conflict: (u32, u32),
    pub conflict_probability: f64,
}

pub struct Clusters {
    /// Cluster of each record: the smallest record index in it.
    pub cluster_of: Vec<u32>,
    pub refused: Vec<RefusedMerge>,
}

/// Clusters `n_records` from scored pairs, strongest first. A merge is refused
/// when some record of one side and some of the other score below
/// `guard_probability`, and their match weight is further below zero than the
/// joining pair's is above it (both weights are log-odds, the prior
/// included): a namesake reached through a weak link stays apart, while a
/// sure link between two records of one person is not undone by two of its
/// poorer records (copies typed badly in different ways) disagreeing.
pub fn cluster(
    n_records: usize,
    pairs: &[ScoredPair],
    index: Option<&PairIndex>,
    threshold: f64,
    guard_probability: f64,
    model: &Model,
    data: &PreparedData,
) -> Clusters {
    let mut parent: Vec<u32> = (0..n_records as u32).collect();
    // Each cluster's members as a list threaded through `next`, from `first`
    // to `last` of its root: joining two is two writes, and a million records
    // do not need a million small vectors.
    let mut members = Members::new(n_records);
    // The guard's pairs were mostly scored already: looked up rather than
    // compared again (in the index given, or one made here).
    let made = if index.is_none() { PairIndex::new(n_records, pairs) } else { None };
    let index = index.or(made.as_ref());
    let scored_weight = |a: u32, b: u32| -> Option<f64> {
        let index = index?;
        index.position(pairs, a.min(b), a.max(b)).map(|i| pairs[i].weight)
    };
    let reaches = Reaches::new(threshold);
    let mut order: Vec<&ScoredPair> = pairs.iter().filter(|p| reaches.pair(p)).collect();
    order.sort_by(|a, b| b.weight.total_cmp(&a.weight).then((a.left, a.right).cmp(&(b.left, b.right))));
    let mut refused = Vec::new();
    for pair in order {
        let (ra, rb) = (find(&mut parent, pair.left), find(&mut parent, pair.right));
        if ra == rb {
            continue;
        }
        let conflict = if members.size[ra as usize] + members.size[rb as usize] > 2 {
            let mut worst: Option<((u32, u32), f64)> = None;
            'outer: for a in members.of(ra).take(GUARD_SAMPLE) {
                for b in members.of(rb).take(GUARD_SAMPLE) {
                    let weight = scored_weight(a, b).unwrap_or_else(|| model.weight(data.pattern(a, b), a, b));
                    let p = probability(weight);
                    if p < guard_probability && weight + pair.weight < 0.0 {
                        worst = Some(((a, b), p));
                        break 'outer;
                    }
                }
            }
            worst
        } else {
            None
        };
        if let Some((conflict, conflict_probability)) = conflict {
            refused.push(RefusedMerge { pair: *pair, conflict, conflict_probability });
            continue;
        }
        let (keep, join) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[join as usize] = keep;
        members.join(keep, join);
    }
    let cluster_of = (0..n_records as u32).map(|i| find(&mut parent, i)).collect();
    Clusters { cluster_of, refused }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_threshold_is_reached_from_the_weight_exactly_as_from_the_probability() {
        for threshold in
            [-0.5, 0.0, 1e-9, 0.001, 0.3, 0.5, 0.9, 0.99, 0.999_999_999_9, 0.999_999_999_99, 1.0 - 1e-12, 1.0, 1.5]
        {
            let reaches = Reaches::new(threshold);
            let log_odds = (threshold / (1.0 - threshold)).log2();
            let centre = if log_odds.is_finite() { log_odds } else { 0.0 };
            for step in -2_000..=2_000 {
                for weight in
                    [centre + f64::from(step) * 1e-3, centre + f64::from(step) * 1e-13, f64::from(step) / 20.0]
                {
                    let pair = ScoredPair { left: 0, right: 1, weight };
                    assert_eq!(reaches.pair(&pair), pair.probability() >= threshold, "{threshold} at {weight}");
                }
            }
        }
    }
}
