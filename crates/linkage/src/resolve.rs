//! Persons from every kind of evidence at once: what people decided, the
//! certain rules, and the model's scored pairs.
//!
//! Edges are applied strongest first: reviewers' and authorised users'
//! "same person" decisions, then the certain rules, then scored pairs above
//! the threshold by falling weight. A "different people" decision is a wall:
//! no edge of any kind may put its two records in one person, so a rejected
//! pair is never linked again, whatever path the evidence takes. Scored pairs
//! are also guarded against chains of look-alikes: here any two records of
//! the two sides scoring below the guard's probability stop a merge, a
//! stricter guard than `link csv`'s [`crate::cluster`], since these links are
//! made without a reviewer.
//!
//! Hand-written because it is the heart of what byname decides about people.

use std::collections::{HashMap, HashSet};

/// Members of each side checked against each other before a scored merge.
const GUARD_SAMPLE: usize = 64;

/// Why two records were joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Evidence {
    /// A person said so (a review accepted, or a merge).
    Decided,
    /// A certain rule: a shared NHS number, a recorded CHAIN id that agrees.
    Certain(u8),
    /// The model, above the automatic threshold.
    Scored,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub left: u32,
    pub right: u32,
    pub evidence: Evidence,
    /// The match weight, which orders scored edges; ignored for the others.
    pub weight: f64,
}

/// An edge that was not applied, and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Refusal {
    /// It would have joined two records someone said are different people.
    DecidedApart { edge: Edge, apart: (u32, u32) },
    /// The model says two members of the would-be person differ.
    Guard { edge: Edge, conflict: (u32, u32) },
}

pub struct Resolution {
    /// Each record's person: the smallest record index in it.
    pub person_of: Vec<u32>,
    /// How each record came into its person; `None` for the record that names it, or a record alone.
    pub joined_by: Vec<Option<Evidence>>,
    // Why merges were refused: read by the tests, which check that a wall or the guard held.
    #[cfg_attr(not(test), allow(dead_code))]
    pub refused: Vec<Refusal>,
}

struct Sets {
    parent: Vec<u32>,
    members: Vec<Vec<u32>>,
}

impl Sets {
    fn find(&mut self, mut i: u32) -> u32 {
        while self.parent[i as usize] != i {
            let grand = self.parent[self.parent[i as usize] as usize];
            self.parent[i as usize] = grand;
            i = grand;
        }
        i
    }

    /// The root without shortening paths, for use while members are borrowed.
    fn root(&self, mut i: u32) -> u32 {
        while self.parent[i as usize] != i {
            i = self.parent[i as usize];
        }
        i
    }

    /// Joins two roots; the smaller index stays the root.
    fn join(&mut self, a: u32, b: u32) {
        let (low, high) = if a < b { (a, b) } else { (b, a) };
        self.parent[high as usize] = low;
        let moved = std::mem::take(&mut self.members[high as usize]);
        self.members[low as usize].extend(moved);
    }
}

/// Resolves `n_records` into persons. `apart` lists pairs decided to be
/// different people. `differ(a, b)` says whether the model holds two records
/// to be different people; it guards scored edges only.
pub fn resolve(
    n_records: usize,
    edges: &[Edge],
    apart: &[(u32, u32)],
    threshold_weight: f64,
    differ: impl Fn(u32, u32) -> bool,
) -> Resolution {
    let mut sets =
        Sets { parent: (0..n_records as u32).collect(), members: (0..n_records as u32).map(|i| vec![i]).collect() };
    let mut walls: HashMap<u32, HashSet<u32>> = HashMap::new();
    for &(a, b) in apart {
        if a != b {
            walls.entry(a).or_default().insert(b);
            walls.entry(b).or_default().insert(a);
        }
    }
    let rank = |e: &Edge| match e.evidence {
        Evidence::Decided => 0,
        Evidence::Certain(_) => 1,
        Evidence::Scored => 2,
    };
    let mut order: Vec<&Edge> = edges
        .iter()
        .filter(|e| e.left != e.right && (e.evidence != Evidence::Scored || e.weight >= threshold_weight))
        .collect();
    order.sort_by(|x, y| {
        rank(x)
            .cmp(&rank(y))
            .then(y.weight.total_cmp(&x.weight))
            .then((x.left.min(x.right), x.left.max(x.right)).cmp(&(y.left.min(y.right), y.left.max(y.right))))
    });
    let mut joined_by: Vec<Option<Evidence>> = vec![None; n_records];
    let mut refused = Vec::new();
    for edge in order {
        let (ra, rb) = (sets.find(edge.left), sets.find(edge.right));
        if ra == rb {
            continue;
        }
        // A wall between the two would-be halves: look from the smaller side.
        let (small, large) =
            if sets.members[ra as usize].len() <= sets.members[rb as usize].len() { (ra, rb) } else { (rb, ra) };
        let mut blocked = None;
        'walls: for &member in &sets.members[small as usize] {
            if let Some(others) = walls.get(&member) {
                for &other in others {
                    if sets.root(other) == large {
                        blocked = Some((member.min(other), member.max(other)));
                        break 'walls;
                    }
                }
            }
        }
        if let Some(apart) = blocked {
            refused.push(Refusal::DecidedApart { edge: *edge, apart });
            continue;
        }
        if edge.evidence == Evidence::Scored {
            let conflict = sets.members[ra as usize].iter().take(GUARD_SAMPLE).find_map(|&x| {
                sets.members[rb as usize]
                    .iter()
                    .take(GUARD_SAMPLE)
                    .find(|&&y| differ(x, y))
                    .map(|&y| (x.min(y), x.max(y)))
            });
            if let Some(conflict) = conflict {
                refused.push(Refusal::Guard { edge: *edge, conflict });
                continue;
            }
        }
        for record in [edge.left, edge.right] {
            if joined_by[record as usize].is_none() {
                joined_by[record as usize] = Some(edge.evidence);
            }
        }
        sets.join(ra, rb);
    }
    let person_of: Vec<u32> = (0..n_records as u32).map(|i| sets.find(i)).collect();
    for (record, person) in person_of.iter().enumerate() {
        if record as u32 == *person {
            joined_by[record] = None;
        }
    }
    Resolution { person_of, joined_by, refused }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(left: u32, right: u32, weight: f64) -> Edge {
        Edge { left, right, evidence: Evidence::Scored, weight }
    }

    #[test]
    fn scored_pairs_above_the_threshold_join_records() {
        let r = resolve(4, &[scored(0, 1, 10.0), scored(2, 3, -1.0)], &[], 3.0, |_, _| false);
        assert_eq!(r.person_of, [0, 0, 2, 3]);
        assert_eq!(r.joined_by, [None, Some(Evidence::Scored), None, None]);
    }

    #[test]
    fn a_decision_that_two_records_differ_is_never_crossed() {
        // 0-1 and 1-2 score high, but someone decided 0 and 2 are different people:
        // whichever edge comes second is refused, directly or through the chain.
        let edges = [scored(0, 1, 12.0), scored(1, 2, 10.0), scored(0, 2, 11.0)];
        let r = resolve(3, &edges, &[(2, 0)], 3.0, |_, _| false);
        assert_ne!(r.person_of[0], r.person_of[2]);
        assert_eq!(r.person_of[0], r.person_of[1]);
        assert_eq!(r.refused.len(), 2);
        assert!(r.refused.iter().all(|x| matches!(x, Refusal::DecidedApart { apart: (0, 2), .. })));
    }

    #[test]
    fn people_decide_before_rules_and_rules_before_the_model() {
        let edges = [
            Edge { left: 0, right: 3, evidence: Evidence::Decided, weight: 0.0 },
            Edge { left: 1, right: 2, evidence: Evidence::Certain(1), weight: 0.0 },
            scored(2, 3, 20.0),
        ];
        // The model says 0 and 2 differ, so the scored edge is refused; the decided one is not guarded.
        let r = resolve(4, &edges, &[], 3.0, |a, b| (a.min(b), a.max(b)) == (0, 2));
        assert_eq!(r.person_of, [0, 1, 1, 0]);
        assert_eq!(r.joined_by[3], Some(Evidence::Decided));
        assert_eq!(r.joined_by[2], Some(Evidence::Certain(1)));
        assert!(matches!(r.refused[..], [Refusal::Guard { conflict: (0, 2), .. }]));
    }

    #[test]
    fn a_certain_rule_gives_way_to_a_person_who_said_no() {
        let edges = [Edge { left: 0, right: 1, evidence: Evidence::Certain(1), weight: 0.0 }];
        let r = resolve(2, &edges, &[(0, 1)], 3.0, |_, _| false);
        assert_eq!(r.person_of, [0, 1]);
    }
}
