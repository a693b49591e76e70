//! Candidate pairs as single integers: two record indexes packed in a `u64`,
//! so that lists of pairs sort, merge and deduplicate as plain numbers, and
//! the union of several rules' sorted lists.

/// A candidate pair `(left, right)` with `left < right`, packed in one integer.
pub fn pack(left: u32, right: u32) -> u64 {
    (u64::from(left.min(right)) << 32) | u64::from(left.max(right))
}

pub fn unpack(pair: u64) -> (u32, u32) {
    ((pair >> 32) as u32, pair as u32)
}

/// Calls `visit(pair, found_by)` for each pair in the union of the rules'
/// pairs, in order, once.
///
/// `lists[r]` holds rule `r`'s pairs, sorted and without repeats; `found_by`
/// holds `lists.len().div_ceil(64)` words, with bit `r % 64` of word `r / 64`
/// set when rule `r` found the pair. The lists are merged one first record at
/// a time: each list's few pairs of that record are gathered and sorted
/// together, which costs less than a k-way merge's heap, pair by pair. No
/// pair is looked up and no rule is tested again.
pub fn for_each_in_union(lists: &[&[u64]], mut visit: impl FnMut(u64, &[u64])) {
    let mut found_by = vec![0u64; lists.len().div_ceil(64)];
    let mut next = vec![0usize; lists.len()];
    let mut batch: Vec<(u64, usize)> = Vec::new();
    // The smallest first record among the lists' next pairs, while there is one.
    while let Some(first) = lists.iter().zip(&next).filter_map(|(list, &i)| list.get(i)).map(|&p| p >> 32).min() {
        batch.clear();
        for (r, (list, i)) in lists.iter().zip(next.iter_mut()).enumerate() {
            while let Some(&pair) = list.get(*i)
                && pair >> 32 == first
            {
                batch.push((pair, r));
                *i += 1;
            }
        }
        batch.sort_unstable();
        for group in batch.chunk_by(|x, y| x.0 == y.0) {
            for &(_, r) in group {
                found_by[r / 64] |= 1 << (r % 64);
            }
            visit(group[0].0, &found_by);
            found_by.fill(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_union_of_rules_gives_each_pair_once_with_every_rule_that_found_it() {
        // 70 rules, more than one word of bits: rule r finds the pairs (0, k) for k a multiple of r + 1.
        let lists: Vec<Vec<u64>> =
            (0..70u32).map(|r| (1..=200u32).filter(|k| k % (r + 1) == 0).map(|k| pack(0, k)).collect()).collect();
        let slices: Vec<&[u64]> = lists.iter().map(Vec::as_slice).collect();
        let mut seen = Vec::new();
        for_each_in_union(&slices, |pair, found_by| {
            assert_eq!(found_by.len(), 2);
            let rules: Vec<u32> = (0..70u32).filter(|&r| found_by[r as usize / 64] & (1 << (r % 64)) != 0).collect();
            seen.push((unpack(pair).1, rules));
        });
        assert_eq!(seen.len(), 200, "every pair once");
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "in order");
        for (k, rules) in seen {
            let expected: Vec<u32> = (0..70u32).filter(|r| k % (r + 1) == 0).collect();
            assert_eq!(rules, expected, "pair (0, {k})");
        }
    }
}
