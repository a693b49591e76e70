//! Clustering: pairs above the threshold join their records into persons,
//! strongest first. A merge is refused when it would put together two
//! records the model itself says are different people, so a chain of
//! look-alikes (A like B, B like C) cannot join A to a very different C.

use crate::engine::PreparedData;
use crate::model::{Model, probability};

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
    threshold: f64,
    guard_probability: f64,
    model: &Model,
    data: &PreparedData,
) -> Clusters {
    let mut parent: Vec<u32> = (0..n_records as u32).collect();
    let mut members: Vec<Vec<u32>> = (0..n_records as u32).map(|i| vec![i]).collect();
    fn find(parent: &mut [u32], mut i: u32) -> u32 {
        while parent[i as usize] != i {
            parent[i as usize] = parent[parent[i as usize] as usize];
            i = parent[i as usize];
        }
        i
    }
    // The guard's pairs were mostly scored already: looked up (the pairs come
    // sorted from scoring) rather than compared again.
    let sorted = pairs.is_sorted_by_key(|p| (p.left, p.right));
    let scored_weight = |a: u32, b: u32| -> Option<f64> {
        let key = (a.min(b), a.max(b));
        sorted.then(|| pairs.binary_search_by_key(&key, |p| (p.left, p.right)).ok().map(|i| pairs[i].weight)).flatten()
    };
    let mut order: Vec<&ScoredPair> = pairs.iter().filter(|p| p.probability() >= threshold).collect();
    order.sort_by(|a, b| b.weight.total_cmp(&a.weight).then((a.left, a.right).cmp(&(b.left, b.right))));
    let mut refused = Vec::new();
    for pair in order {
        let (ra, rb) = (find(&mut parent, pair.left), find(&mut parent, pair.right));
        if ra == rb {
            continue;
        }
        let conflict = if members[ra as usize].len() + members[rb as usize].len() > 2 {
            let mut worst: Option<((u32, u32), f64)> = None;
            'outer: for &a in members[ra as usize].iter().take(GUARD_SAMPLE) {
                for &b in members[rb as usize].iter().take(GUARD_SAMPLE) {
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
        let moved = std::mem::take(&mut members[join as usize]);
        members[keep as usize].extend(moved);
    }
    let cluster_of = (0..n_records as u32).map(|i| find(&mut parent, i)).collect();
    Clusters { cluster_of, refused }
}
