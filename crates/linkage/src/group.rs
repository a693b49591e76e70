//! A pair's probability given the other records of its group.
//!
//! Scored one at a time, pairs can contradict each other: A is like B and B
//! is like C, yet A is unlike C. Being one person is transitive, so the three
//! cannot all be right. Here the records that pairs at or above
//! [`GROUP_FLOOR`] join, directly or through one another, into a small group
//! are split into persons every way there is; each way is weighed by 2 to the
//! sum of the match weights of the pairs it puts together (each pair's odds,
//! as the model gives them), and a pair's probability becomes the weighed
//! share of the ways that keep its two records together. So a third record
//! that is clearly both A's and C's person lifts A–C, and a record that
//! resembles two namesakes who are clearly not one person counts for less
//! with each of them. These are the probabilities `link csv` writes for its
//! pairs; clustering keeps to the pairs' own weights.
//!
//! Written by hand: no crate weighs a group's set partitions by pair scores.

use crate::cluster::{PairIndex, ScoredPair, find};

/// Pairs at or above this probability join their records into a group.
/// Below it a pair is a stranger: any group it would join is dominated by
/// the ways that keep it apart. Measured on the bench sets: 0.01 to 0.5 give
/// the same CHAIN + Inform pairs but for one; 0.05 keeps most groups small.
pub const GROUP_FLOOR: f64 = 0.05;

/// The largest group weighed: a group of 6 can be split 203 ways (the Bell
/// number), one of 8 4,140 ways, one of 12 over four million. A pair in a
/// larger group keeps its own weight. Weighing groups of 7 and 8 as well
/// changed no F1 of the bench sets at four decimals, and among 100,000
/// namesakes (a group for each birth date) it took most of the time.
pub const MAX_GROUP: usize = 6;

/// The groups found, each a few records, and the weights of their pairs.
#[derive(Debug, Default)]
pub struct Groups {
    /// Each record's group, or `NONE`.
    of_record: Vec<u32>,
    /// The members of group `g` are `members[starts[g]..starts[g + 1]]`.
    starts: Vec<u32>,
    members: Vec<u32>,
    /// Records in groups larger than [`MAX_GROUP`], whose pairs keep their own weights.
    pub n_in_larger_groups: usize,
    /// How many pairs the positions in `changed` are among.
    n_pairs: usize,
    /// Scored pairs in a group: their position among the pairs and their
    /// weight in the group, in order of position.
    changed: Vec<(usize, f64)>,
    /// Pairs of a group that blocking did not make, with their weights in the
    /// group, sorted by first and second record.
    added: Vec<ScoredPair>,
}

impl Groups {
    const NONE: u32 = u32::MAX;

    /// How many groups were weighed.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The members of the group `record` is in, when it is in one that was weighed.
    pub fn of(&self, record: u32) -> Option<&[u32]> {
        let g = *self.of_record.get(record as usize)?;
        (g != Self::NONE).then(|| self.members(g as usize))
    }

    fn members(&self, g: usize) -> &[u32] {
        &self.members[self.starts[g] as usize..self.starts[g + 1] as usize]
    }

    /// The weight in its group of the pair `a`-`b`, when both are in one
    /// group. `pairs` are the pairs the groups were found among.
    pub fn weight(&self, pairs: &[ScoredPair], a: u32, b: u32) -> Option<f64> {
        debug_assert_eq!(pairs.len(), self.n_pairs, "the pairs the groups were found among");
        let key = (a.min(b), a.max(b));
        self.of(a).filter(|members| members.contains(&b))?;
        if let Ok(i) = self.added.binary_search_by_key(&key, |p| (p.left, p.right)) {
            return Some(self.added[i].weight);
        }
        let at = pairs.binary_search_by_key(&key, |p| (p.left, p.right)).ok()?;
        let i = self.changed.binary_search_by_key(&at, |&(i, _)| i).ok()?;
        Some(self.changed[i].1)
    }

    /// Every pair, scored or added, with its weight in its group where it is
    /// in one, in order of first and second record (as `pairs`, the pairs the
    /// groups were found among, are).
    pub fn weighed<'a>(&'a self, pairs: &'a [ScoredPair]) -> impl Iterator<Item = ScoredPair> + 'a {
        debug_assert_eq!(pairs.len(), self.n_pairs, "the pairs the groups were found among");
        let mut changed = self.changed.iter().peekable();
        let scored = pairs.iter().enumerate().map(move |(i, pair)| match changed.next_if(|&&(at, _)| at == i) {
            Some(&(_, weight)) => ScoredPair { weight, ..*pair },
            None => *pair,
        });
        Merged { scored: scored.peekable(), added: self.added.iter().copied().peekable() }
    }
}

/// Two runs of pairs sorted by first and second record, merged.
struct Merged<A: Iterator<Item = ScoredPair>, B: Iterator<Item = ScoredPair>> {
    scored: std::iter::Peekable<A>,
    added: std::iter::Peekable<B>,
}

impl<A: Iterator<Item = ScoredPair>, B: Iterator<Item = ScoredPair>> Iterator for Merged<A, B> {
    type Item = ScoredPair;

    fn next(&mut self) -> Option<ScoredPair> {
        let key = |p: &ScoredPair| (p.left, p.right);
        match (self.scored.peek(), self.added.peek()) {
            (Some(s), Some(a)) if key(a) < key(s) => self.added.next(),
            (Some(_), _) => self.scored.next(),
            (None, _) => self.added.next(),
        }
    }
}

/// The group weight of every pair of `k` records (at most [`MAX_GROUP`]),
/// given their own weights `own[i * k + j]` (symmetric): `log2` of the
/// weighed ways of splitting the group that keep `i` and `j` together over
/// those that keep them apart. With two records it is their own weight.
pub fn group_weights(k: usize, own: &[f64]) -> [f64; MAX_GROUP * MAX_GROUP] {
    assert!(k <= MAX_GROUP && own.len() == k * k, "a group of at most {MAX_GROUP} records, with a weight per pair");
    // Every split as a restricted growth string: record i goes into one of
    // the blocks the records before it opened, or opens the next. Each split
    // is kept with its score, the sum of the weights of the pairs it joins.
    fn place(
        k: usize,
        own: &[f64],
        block: &mut [u8; MAX_GROUP],
        i: usize,
        n_blocks: u8,
        score: f64,
        splits: &mut Vec<(f64, [u8; MAX_GROUP])>,
    ) {
        if i == k {
            splits.push((score, *block));
            return;
        }
        for b in 0..=n_blocks {
            let joined: f64 = (0..i).filter(|&j| block[j] == b).map(|j| own[i * k + j]).sum();
            block[i] = b;
            place(k, own, block, i + 1, n_blocks.max(b + 1), score + joined, splits);
        }
    }
    let mut splits = Vec::with_capacity(203);
    if k > 0 {
        place(k, own, &mut [0; MAX_GROUP], 1, 1, 0.0, &mut splits);
    }
    // Each split's weight 2^score, scaled by the best split's so that none
    // overflows; a split that vanishes beside the best would change nothing.
    let best = splits.iter().map(|&(score, _)| score).fold(f64::NEG_INFINITY, f64::max);
    const N: usize = MAX_GROUP * MAX_GROUP;
    let (mut together, mut apart) = ([0.0; N], [0.0; N]);
    // The best split on each side, for a pair one of whose sides vanishes
    // (scores more than 1,000 apart): then the best splits' difference is the
    // weight, within log2 of the number of splits, at a probability of 0 or 1
    // either way.
    let (mut best_together, mut best_apart) = ([f64::NEG_INFINITY; N], [f64::NEG_INFINITY; N]);
    for (score, block) in &splits {
        let z = (score - best).exp2();
        for a in 0..k {
            for b in a + 1..k {
                let (sum, top) = if block[a] == block[b] {
                    (&mut together[a * k + b], &mut best_together[a * k + b])
                } else {
                    (&mut apart[a * k + b], &mut best_apart[a * k + b])
                };
                *sum += z;
                *top = top.max(*score);
            }
        }
    }
    let mut weights = [0.0; N];
    for a in 0..k {
        for b in a + 1..k {
            let i = a * k + b;
            // Both sides hold a split at least: the pair alone together, and everyone apart.
            let weight = if together[i] > 0.0 && apart[i] > 0.0 {
                together[i].log2() - apart[i].log2()
            } else {
                best_together[i] - best_apart[i]
            };
            weights[i] = weight;
            weights[b * k + a] = weight;
        }
    }
    weights
}

/// Finds the groups among `pairs` (sorted by first and second record, each
/// first record below its second, as scoring leaves them) and weighs every
/// pair in a group of 3 to [`MAX_GROUP`] in its group. A group's pairs that
/// blocking did not make are weighed with `weight_of` and added, where
/// `may_pair` allows them (not two records of one file when linking two).
/// `pairs` are left as they are: see [`Groups::weighed`]. `index` is theirs.
pub fn weigh_in_groups(
    n_records: usize,
    pairs: &[ScoredPair],
    index: &PairIndex,
    weight_of: impl Fn(u32, u32) -> f64 + Sync,
    may_pair: impl Fn(u32, u32) -> bool + Sync,
) -> Groups {
    let floor = (GROUP_FLOOR / (1.0 - GROUP_FLOOR)).log2();
    let mut parent: Vec<u32> = (0..n_records as u32).collect();
    for pair in pairs.iter().filter(|p| p.weight >= floor) {
        let (a, b) = (find(&mut parent, pair.left), find(&mut parent, pair.right));
        if a != b {
            parent[a.max(b) as usize] = a.min(b);
        }
    }
    let root: Vec<u32> = (0..n_records as u32).map(|i| find(&mut parent, i)).collect();
    drop(parent);
    let mut size = vec![0u32; n_records];
    for &r in &root {
        size[r as usize] += 1;
    }
    let mut groups = Groups { of_record: vec![Groups::NONE; n_records], n_pairs: pairs.len(), ..Groups::default() };
    // Groups numbered in the order of their smallest record, members in record order.
    let mut group_of_root = vec![Groups::NONE; n_records];
    let mut counts: Vec<u32> = Vec::new();
    for (i, &r) in root.iter().enumerate() {
        let n = size[r as usize] as usize;
        if n > MAX_GROUP {
            groups.n_in_larger_groups += 1;
        }
        if !(3..=MAX_GROUP).contains(&n) {
            continue;
        }
        if group_of_root[r as usize] == Groups::NONE {
            group_of_root[r as usize] = counts.len() as u32;
            counts.push(0);
        }
        let g = group_of_root[r as usize];
        groups.of_record[i] = g;
        counts[g as usize] += 1;
    }
    drop((root, size, group_of_root));
    groups.starts = std::iter::once(0)
        .chain(counts.iter().scan(0u32, |total, &n| {
            *total += n;
            Some(*total)
        }))
        .collect();
    groups.members = vec![0; *groups.starts.last().unwrap_or(&0) as usize];
    let mut next: Vec<u32> = groups.starts[..groups.starts.len().saturating_sub(1)].to_vec();
    for (i, &g) in groups.of_record.iter().enumerate() {
        if g != Groups::NONE {
            groups.members[next[g as usize] as usize] = i as u32;
            next[g as usize] += 1;
        }
    }

    let group_ids: Vec<usize> = (0..groups.len()).collect();
    // Each group's pairs: (position among the pairs, or none for a pair blocking did not
    // make), the pair with its group weight.
    let weighed: Vec<Vec<(Option<usize>, ScoredPair)>> = crate::parallel::map(&group_ids, |&g| {
        let members = groups.members(g);
        let k = members.len();
        let mut own = [0.0; MAX_GROUP * MAX_GROUP];
        let mut position = [None; MAX_GROUP * MAX_GROUP];
        for a in 0..k {
            for b in a + 1..k {
                let (left, right) = (members[a], members[b]);
                let at = index.position(pairs, left, right);
                let weight = at.map_or_else(|| weight_of(left, right), |i| pairs[i].weight);
                (own[a * k + b], own[b * k + a], position[a * k + b]) = (weight, weight, at);
            }
        }
        let weights = group_weights(k, &own[..k * k]);
        let mut out = Vec::with_capacity(k * (k - 1) / 2);
        for a in 0..k {
            for b in a + 1..k {
                let (left, right) = (members[a], members[b]);
                if position[a * k + b].is_some() || may_pair(left, right) {
                    out.push((position[a * k + b], ScoredPair { left, right, weight: weights[a * k + b] }));
                }
            }
        }
        out
    });
    for (at, pair) in weighed.into_iter().flatten() {
        match at {
            Some(i) => groups.changed.push((i, pair.weight)),
            None => groups.added.push(pair),
        }
    }
    groups.changed.sort_unstable_by_key(|&(i, _)| i);
    groups.added.sort_unstable_by_key(|p| (p.left, p.right));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::probability;

    /// Weights of `k` records from `(a, b, weight)`; pairs not given weigh `rest`.
    fn weights(k: usize, given: &[(usize, usize, f64)], rest: f64) -> Vec<f64> {
        let mut own = vec![rest; k * k];
        for &(a, b, w) in given {
            own[a * k + b] = w;
            own[b * k + a] = w;
        }
        own
    }

    #[test]
    fn two_records_keep_their_own_weight() {
        for w in [-30.0, -1.5, 0.0, 2.25, 40.0] {
            let group = group_weights(2, &weights(2, &[(0, 1, w)], 0.0));
            assert!((group[1] - w).abs() < 1e-9, "{w} became {}", group[1]);
        }
    }

    #[test]
    fn a_person_seen_three_times_is_one_even_where_two_of_the_records_differ() {
        // A-B and B-C sure, A-C unlikely on its own (a birth date missing, a
        // nickname): together the three are one person.
        let group = group_weights(3, &weights(3, &[(0, 1, 12.0), (1, 2, 12.0), (0, 2, -3.0)], 0.0));
        assert!(probability(group[2]) > 0.99, "A and C: {}", probability(group[2]));
        assert!(probability(group[1]) > 0.99, "A and B: {}", probability(group[1]));
    }

    #[test]
    fn a_record_like_two_namesakes_who_differ_counts_for_less_with_each() {
        // R resembles N1 and N2 (0.75 each), and N1 and N2 are clearly two people:
        // R can be at most one of them.
        let group = group_weights(3, &weights(3, &[(0, 1, 1.6), (0, 2, 1.6), (1, 2, -12.0)], 0.0));
        let (r_n1, r_n2) = (probability(group[1]), probability(group[2]));
        assert!(r_n1 < 0.5 && r_n2 < 0.5, "{r_n1} {r_n2}");
        assert!((r_n1 - r_n2).abs() < 1e-12, "the two namesakes are alike to R");
        assert!(probability(group[5]) < 0.001, "N1 and N2 stay apart");
    }

    #[test]
    fn weights_match_a_brute_force_count_of_every_split() {
        // Every split of 5 records, by brute force: each record's
        // block as a number below 5, kept when it is the first of its equals.
        let k = 5;
        let mut random = crate::random::SplitMix::new(3);
        let own = {
            let mut own = vec![0.0; k * k];
            for a in 0..k {
                for b in a + 1..k {
                    let w = (random.below(4000) as f64 - 2000.0) / 100.0;
                    own[a * k + b] = w;
                    own[b * k + a] = w;
                }
            }
            own
        };
        let mut seen = std::collections::HashSet::new();
        let (mut together, mut all) = (vec![0.0; k * k], 0.0);
        for code in 0..5usize.pow(k as u32) {
            let blocks: Vec<usize> = (0..k).map(|i| code / 5usize.pow(i as u32) % 5).collect();
            // The same split written with its blocks renumbered in order of first member.
            let mut names = Vec::new();
            let canonical: Vec<usize> = blocks
                .iter()
                .map(|b| {
                    names.iter().position(|n| n == b).unwrap_or_else(|| {
                        names.push(*b);
                        names.len() - 1
                    })
                })
                .collect();
            if !seen.insert(canonical) {
                continue;
            }
            let score: f64 = (0..k)
                .flat_map(|a| (a + 1..k).map(move |b| (a, b)))
                .filter(|&(a, b)| blocks[a] == blocks[b])
                .map(|(a, b)| own[a * k + b])
                .sum();
            all += score.exp2();
            for a in 0..k {
                for b in a + 1..k {
                    if blocks[a] == blocks[b] {
                        together[a * k + b] += score.exp2();
                    }
                }
            }
        }
        assert_eq!(seen.len(), 52, "the Bell number of 5");
        let group = group_weights(k, &own);
        for a in 0..k {
            for b in a + 1..k {
                let expected = together[a * k + b] / all;
                assert!((probability(group[a * k + b]) - expected).abs() < 1e-9, "{a}-{b}");
            }
        }
    }

    #[test]
    fn huge_weights_neither_overflow_nor_vanish() {
        // Past about 1,000 bits one side of a pair's splits vanishes beside the other.
        for (w, expected) in [(150.0, 750.0), (400.0, 2000.0), (-150.0, -150.0), (-1200.0, -1200.0)] {
            let group = group_weights(6, &weights(6, &[], w));
            for a in 0..6 {
                for b in a + 1..6 {
                    let weight = group[a * 6 + b];
                    assert!((weight - expected).abs() < 3.0, "{w}: {a}-{b} weighs {weight}");
                }
            }
        }
    }

    #[test]
    fn groups_are_found_weighed_and_their_missing_pairs_added_in_order() {
        // Records 0-1-2 a group by sure pairs (0-2 not a candidate); 3-4 a pair; 5-6-7-...
        // a chain of ten, too large to weigh.
        let mut pairs = vec![
            ScoredPair { left: 0, right: 1, weight: 10.0 },
            ScoredPair { left: 1, right: 2, weight: 10.0 },
            ScoredPair { left: 3, right: 4, weight: 3.0 },
        ];
        pairs.extend((5..14).map(|i| ScoredPair { left: i, right: i + 1, weight: 5.0 }));
        let index = PairIndex::new(15, &pairs).unwrap();
        let groups = weigh_in_groups(15, &pairs, &index, |_, _| -4.0, |_, _| true);
        let weighed: Vec<ScoredPair> = groups.weighed(&pairs).collect();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups.of(2), Some(&[0, 1, 2][..]));
        assert_eq!(groups.of(3), None, "a pair alone is its own evidence");
        assert_eq!(groups.n_in_larger_groups, 10);
        assert!(weighed.is_sorted_by_key(|p| (p.left, p.right)));
        let added = weighed.iter().find(|p| (p.left, p.right) == (0, 2)).expect("the third pair is added");
        assert!(probability(added.weight) > 0.95, "{}", probability(added.weight));
        assert_eq!(groups.weight(&pairs, 2, 0), Some(added.weight));
        assert!(weighed[0].weight < 10.0, "0-1 weighed with 0-2 in the group");
        assert_eq!(groups.weight(&pairs, 1, 0), Some(weighed[0].weight));
        assert_eq!(pairs[0].weight, 10.0, "the scored pairs keep their own weights");
        assert_eq!(weighed.iter().find(|p| p.left == 3).unwrap().weight, 3.0);
        assert_eq!(groups.weight(&pairs, 3, 4), None);
        assert_eq!(weighed.len(), 3 + 9 + 1);
        // Linking two files: a missing pair within one file is weighed but not added.
        let pairs =
            vec![ScoredPair { left: 0, right: 1, weight: 10.0 }, ScoredPair { left: 1, right: 2, weight: 10.0 }];
        let index = PairIndex::new(3, &pairs).unwrap();
        let groups = weigh_in_groups(3, &pairs, &index, |_, _| -4.0, |a, b| (a == 1) != (b == 1));
        let weighed: Vec<ScoredPair> = groups.weighed(&pairs).collect();
        assert_eq!(weighed.len(), 2, "0-2 is not added: {weighed:?}");
        assert!(weighed.iter().all(|p| p.weight < 10.0), "the pairs weighed with 0-2 in the group: {weighed:?}");
    }
}
