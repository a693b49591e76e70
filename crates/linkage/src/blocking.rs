//! Blocking: which pairs are worth comparing at all. A rule is a
//! conjunction of keys (a column's value, its first letters, its sound, a
//! date's year); two records are a candidate pair when some rule gives them
//! equal keys. The engine proposes rules itself: it counts, for every
//! plausible rule, how many pairs it would produce before producing any, and
//! keeps the rules that fit the budget, so a million records need no hand
//! tuning. Pairs from several rules are united without double counting.

use crate::comparison::{Kind, Prepared};
use std::hash::Hasher;

/// A fast, fixed hash for blocking keys (the multiply-and-rotate of FxHash).
/// Keys only group records: a collision merely adds a pair to compare.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(K);
        }
        for &byte in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(byte)).wrapping_mul(K);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// One key of a rule, over a comparison's prepared value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyPart {
    /// The whole prepared value.
    Exact(usize),
    /// Its first `n` characters.
    Prefix(usize, u8),
    /// Its Double Metaphone code (names).
    Phonetic(usize),
    /// The year of a date.
    Year(usize),
    /// Two name comparisons' values in either order (first and last name
    /// written the other way round give the same key).
    EitherOrder(usize, usize),
}

impl KeyPart {
    pub fn comparison(self) -> usize {
        match self {
            Self::Exact(c) | Self::Prefix(c, _) | Self::Phonetic(c) | Self::Year(c) | Self::EitherOrder(c, _) => c,
        }
    }

    /// Every comparison the key reads.
    fn reads(self) -> impl Iterator<Item = usize> {
        let second = match self {
            Self::EitherOrder(_, other) => Some(other),
            _ => None,
        };
        std::iter::once(self.comparison()).chain(second)
    }

    fn describe(self, names: &[String]) -> String {
        match self {
            Self::Exact(c) => names[c].clone(),
            Self::Prefix(c, n) => format!("first {n} of {}", names[c]),
            Self::Phonetic(c) => format!("sound of {}", names[c]),
            Self::Year(c) => format!("year of {}", names[c]),
            Self::EitherOrder(a, b) => format!("{} and {} in either order", names[a], names[b]),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlockingRule {
    pub parts: Vec<KeyPart>,
}

impl BlockingRule {
    pub fn new(parts: Vec<KeyPart>) -> Self {
        Self { parts }
    }

    /// The comparisons this rule uses (their agreement is biased among its pairs).
    pub fn comparisons(&self) -> Vec<usize> {
        let mut used: Vec<usize> = self.parts.iter().flat_map(|p| p.reads()).collect();
        used.sort_unstable();
        used.dedup();
        used
    }

    pub fn describe(&self, names: &[String]) -> String {
        self.parts.iter().map(|p| format!("same {}", p.describe(names))).collect::<Vec<_>>().join(" and ")
    }

    /// The record's key, or `None` when a part is missing (no block).
    fn key(&self, record: &[Prepared]) -> Option<u64> {
        let mut hasher = KeyHasher::default();
        for part in &self.parts {
            let value = &record[part.comparison()];
            if value.is_missing() {
                return None;
            }
            if let KeyPart::EitherOrder(_, other) = *part {
                let other = &record[other];
                if other.is_missing() {
                    return None;
                }
                let (low, high) = if value.text <= other.text { (value, other) } else { (other, value) };
                hasher.write(low.text.as_bytes());
                hasher.write_u8(0xfe);
                hasher.write(high.text.as_bytes());
                hasher.write_u8(0xff);
                continue;
            }
            let bytes: &str = match *part {
                KeyPart::Exact(_) => &value.text,
                KeyPart::Prefix(_, n) => {
                    let end = value.text.char_indices().nth(n as usize).map_or(value.text.len(), |(i, _)| i);
                    &value.text[..end]
                }
                KeyPart::Phonetic(_) if value.phonetic.is_empty() => return None,
                KeyPart::Phonetic(_) => &value.phonetic,
                KeyPart::Year(_) => &value.text[..value.text.len().min(4)],
                KeyPart::EitherOrder(..) => unreachable!("hashed above"),
            };
            hasher.write(bytes.as_bytes());
            hasher.write_u8(0xff);
        }
        Some(hasher.finish())
    }
}

/// Every record's key under a rule (`None`: the record is in no block).
pub fn record_keys(rule: &BlockingRule, records: &[Vec<Prepared>]) -> Vec<Option<u64>> {
    records.iter().map(|r| rule.key(r)).collect()
}

/// Records that have a key, sorted by it, so equal keys stand together.
fn sorted(keys: &[Option<u64>]) -> Vec<(u64, u32)> {
    let mut sorted: Vec<(u64, u32)> = keys.iter().enumerate().filter_map(|(i, k)| k.map(|k| (k, i as u32))).collect();
    sorted.sort_unstable();
    sorted
}

/// Appends the pairs of records with equal keys to `out` (unsorted).
pub fn pairs_from_keys(keys: &[Option<u64>], sources: &[u8], link_only: bool, out: &mut Vec<u64>) {
    for group in sorted(keys).chunk_by(|a, b| a.0 == b.0) {
        for (x, &(_, a)) in group.iter().enumerate() {
            for &(_, b) in &group[x + 1..] {
                if !link_only || sources[a as usize] != sources[b as usize] {
                    out.push(pack(a, b));
                }
            }
        }
    }
}

/// How many pairs a rule would produce, counted without producing them.
/// In linking mode only pairs across the two sources count.
pub fn estimate_pairs(rule: &BlockingRule, records: &[Vec<Prepared>], sources: &[u8], link_only: bool) -> u64 {
    let mut total = 0u64;
    for group in sorted(&record_keys(rule, records)).chunk_by(|a, b| a.0 == b.0) {
        let n = group.len() as u64;
        total += if link_only {
            let left = group.iter().filter(|(_, i)| sources[*i as usize] == 0).count() as u64;
            left * (n - left)
        } else {
            n * (n - 1) / 2
        };
    }
    total
}

/// A candidate pair `(left, right)` with `left < right`, packed in one integer.
pub fn pack(left: u32, right: u32) -> u64 {
    (u64::from(left.min(right)) << 32) | u64::from(left.max(right))
}

pub fn unpack(pair: u64) -> (u32, u32) {
    ((pair >> 32) as u32, pair as u32)
}

/// The rules the engine would try, strongest keys first.
fn candidate_rules(kinds: &[Kind]) -> Vec<BlockingRule> {
    let mut rules = Vec::new();
    // A reference id is a key on its own; other names agree on something other than equal lists.
    for c in (0..kinds.len()).filter(|&c| kinds[c] == Kind::Reference) {
        rules.push(BlockingRule::new(vec![KeyPart::Exact(c)]));
    }
    let blockable: Vec<usize> =
        (0..kinds.len()).filter(|&c| !matches!(kinds[c], Kind::Category | Kind::Names | Kind::Reference)).collect();
    for &c in &blockable {
        rules.push(BlockingRule::new(vec![KeyPart::Exact(c)]));
        if kinds[c] == Kind::Name {
            rules.push(BlockingRule::new(vec![KeyPart::Phonetic(c)]));
        }
    }
    for (i, &a) in blockable.iter().enumerate() {
        for &b in &blockable[i + 1..] {
            rules.push(BlockingRule::new(vec![KeyPart::Exact(a), KeyPart::Exact(b)]));
            if kinds[a] == Kind::Name && kinds[b] == Kind::Name {
                // The two halves of a name written the other way round.
                rules.push(BlockingRule::new(vec![KeyPart::EitherOrder(a, b)]));
            }
            let coarse = |c: usize| match kinds[c] {
                Kind::Name => KeyPart::Phonetic(c),
                Kind::Date => KeyPart::Year(c),
                _ => KeyPart::Prefix(c, 3),
            };
            rules.push(BlockingRule::new(vec![coarse(a), coarse(b)]));
        }
    }
    rules
}

/// A proposed rule with its counted pairs.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub rule: BlockingRule,
    pub estimated_pairs: u64,
}

/// Proposes rules from the data: every candidate rule whose pair count fits
/// `per_rule_budget`, skipping rules implied by one already chosen (a rule
/// on A and B finds nothing that a rule on A alone has not), until
/// `total_budget` pairs are planned.
pub fn propose(
    kinds: &[Kind],
    records: &[Vec<Prepared>],
    sources: &[u8],
    link_only: bool,
    per_rule_budget: u64,
    total_budget: u64,
) -> Vec<Proposal> {
    // Above 100,000 records, counts come from an even sample, scaled up by the
    // ratio of pairs; the rules finally chosen are counted exactly.
    let step = records.len().div_ceil(100_000).max(1);
    let (sample, sample_sources): (Vec<Vec<Prepared>>, Vec<u8>) = if step > 1 {
        records.iter().zip(sources).step_by(step).map(|(r, &s)| (r.clone(), s)).unzip()
    } else {
        (Vec::new(), Vec::new())
    };
    let scale = if step > 1 {
        let (n, m) = (records.len() as f64, sample.len() as f64);
        (n * (n - 1.0)) / (m * (m - 1.0)).max(1.0)
    } else {
        1.0
    };
    let mut counted: Vec<Proposal> = candidate_rules(kinds)
        .into_iter()
        .map(|rule| {
            let estimated_pairs = if step > 1 {
                (estimate_pairs(&rule, &sample, &sample_sources, link_only) as f64 * scale) as u64
            } else {
                estimate_pairs(&rule, records, sources, link_only)
            };
            Proposal { estimated_pairs, rule }
        })
        .filter(|p| p.estimated_pairs > 0 && p.estimated_pairs <= per_rule_budget)
        .collect();
    // Single keys first (they find the most), then by how many pairs they cost.
    counted.sort_by_key(|p| (p.rule.parts.len(), p.estimated_pairs));
    let mut chosen: Vec<Proposal> = Vec::new();
    let mut planned = 0u64;
    for mut proposal in counted {
        let implied = chosen.iter().any(|c| c.rule.parts.iter().all(|part| proposal.rule.parts.contains(part)));
        if implied {
            continue;
        }
        if step > 1 {
            // The sample said it may fit: count it exactly before choosing it.
            proposal.estimated_pairs = estimate_pairs(&proposal.rule, records, sources, link_only);
        }
        if proposal.estimated_pairs > per_rule_budget || planned + proposal.estimated_pairs > total_budget {
            continue;
        }
        planned += proposal.estimated_pairs;
        chosen.push(proposal);
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::prepare;

    /// The pairs one rule produces, packed and sorted.
    fn rule_pairs(rule: &BlockingRule, records: &[Vec<Prepared>], sources: &[u8], link_only: bool) -> Vec<u64> {
        let mut pairs = Vec::new();
        pairs_from_keys(&record_keys(rule, records), sources, link_only, &mut pairs);
        pairs.sort_unstable();
        pairs.dedup();
        pairs
    }

    /// Unites sorted pair lists without duplicates.
    fn union(lists: &[Vec<u64>]) -> Vec<u64> {
        let mut all: Vec<u64> = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        for list in lists {
            all.extend_from_slice(list);
        }
        all.sort_unstable();
        all.dedup();
        all
    }

    fn records(rows: &[[&str; 2]]) -> Vec<Vec<Prepared>> {
        rows.iter().map(|[name, dob]| vec![prepare(Kind::Name, Some(name)), prepare(Kind::Date, Some(dob))]).collect()
    }

    #[test]
    fn estimates_equal_the_pairs_produced() {
        let rows =
            records(&[["Ann", "1980-01-01"], ["Ann", "1981-01-01"], ["Anne", "1980-01-01"], ["Bob", ""], ["Ann", ""]]);
        let sources = vec![0; rows.len()];
        let by_name = BlockingRule::new(vec![KeyPart::Exact(0)]);
        assert_eq!(estimate_pairs(&by_name, &rows, &sources, false), 3);
        assert_eq!(
            rule_pairs(&by_name, &rows, &sources, false).iter().map(|&p| unpack(p)).collect::<Vec<_>>(),
            [(0, 1), (0, 4), (1, 4)]
        );
        let by_sound_and_year = BlockingRule::new(vec![KeyPart::Phonetic(0), KeyPart::Year(1)]);
        assert_eq!(
            rule_pairs(&by_sound_and_year, &rows, &sources, false).iter().map(|&p| unpack(p)).collect::<Vec<_>>(),
            [(0, 2)]
        );
        let union = union(&[
            rule_pairs(&by_name, &rows, &sources, false),
            rule_pairs(&by_sound_and_year, &rows, &sources, false),
        ]);
        assert_eq!(union.len(), 4, "pairs found by two rules are counted once");
    }

    #[test]
    fn names_written_the_other_way_round_share_a_block() {
        let name = |first: &str, last: &str| vec![prepare(Kind::Name, Some(first)), prepare(Kind::Name, Some(last))];
        let rows =
            vec![name("Dylan", "Carter"), name("Carter", "Dylan"), name("Dylan", "Cartwright"), name("Dylan", "")];
        let sources = vec![0; rows.len()];
        let rule = BlockingRule::new(vec![KeyPart::EitherOrder(0, 1)]);
        assert_eq!(rule_pairs(&rule, &rows, &sources, false).iter().map(|&p| unpack(p)).collect::<Vec<_>>(), [(0, 1)]);
        assert_eq!(rule.comparisons(), [0, 1], "both halves are held out in its training session");
    }

    #[test]
    fn linking_pairs_only_cross_the_sources() {
        let rows = records(&[["Ann", ""], ["Ann", ""], ["Ann", ""]]);
        let sources = vec![0, 0, 1];
        let rule = BlockingRule::new(vec![KeyPart::Exact(0)]);
        assert_eq!(estimate_pairs(&rule, &rows, &sources, true), 2);
        assert_eq!(rule_pairs(&rule, &rows, &sources, true).len(), 2);
    }

    #[test]
    fn proposals_respect_the_budget_and_skip_implied_rules() {
        let mut rows = Vec::new();
        for i in 0..200 {
            rows.push([if i % 2 == 0 { "Mohamed" } else { "Ali" }, "1980-01-01"]);
        }
        let rows = records(&rows);
        let sources = vec![0; rows.len()];
        let chosen = propose(&[Kind::Name, Kind::Date], &rows, &sources, false, 5_000, 20_000);
        // Every single key here is too common (100 or 200 people share it): only none fit.
        assert!(chosen.iter().all(|p| p.estimated_pairs <= 5_000), "{chosen:?}");
        assert!(chosen.iter().map(|p| p.estimated_pairs).sum::<u64>() <= 20_000);
    }
}
