//! Blocking: which pairs are worth comparing at all. A rule is a
//! conjunction of keys (a column's value, its first letters, its sound, a
//! date's year); two records are a candidate pair when some rule gives them
//! equal keys. The engine proposes rules itself: it counts, for every
//! plausible rule, how many pairs it would produce before producing any, and
//! keeps the rules that fit the budget, so a million records need no hand
//! tuning. Pairs from several rules are united without double counting.
//!
//! Most keys give a record one key. The name keys give it two, one per half
//! of the name, so that names written the other way round, misspelt in one
//! half, given in a familiar form, or with a half missing still meet.

use crate::comparison::Kind;
use crate::hashing::{FastMap, KeyHasher, hash_str};
use crate::nicknames::usual_form;
use crate::pairs::pack;
use crate::prepared::PreparedData;
use std::hash::Hasher;

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
    /// Either half of a name with the first letter of the other half: a
    /// record with both halves has two keys, (first name, initial of the
    /// surname) and (surname, initial of the first name), each name read in
    /// its usual form (`Bill` as `William`). Two records meet when one half
    /// survives whole: a typo in the other half, the halves swapped, a
    /// familiar form of the first name.
    NameAndInitial(usize, usize),
    /// A record with one half of a name only (the surname not given, as
    /// people sleeping rough often do not) against every record with that name
    /// as either half. Records with both halves do not meet each other here.
    LoneName(usize, usize),
}

/// The tag of a key that meets every tag of the same key (a lone name).
const ANY: u64 = u64::MAX;
/// The tag of a key that meets only [`ANY`] (a whole name, for a lone name to meet).
const ONLY_ANY: u64 = u64::MAX - 1;

impl KeyPart {
    pub fn comparison(self) -> usize {
        match self {
            Self::Exact(c)
            | Self::Prefix(c, _)
            | Self::Phonetic(c)
            | Self::Year(c)
            | Self::EitherOrder(c, _)
            | Self::NameAndInitial(c, _)
            | Self::LoneName(c, _) => c,
        }
    }

    /// Every comparison the key reads.
    fn reads(self) -> impl Iterator<Item = usize> {
        let second = match self {
            Self::EitherOrder(_, other) | Self::NameAndInitial(_, other) | Self::LoneName(_, other) => Some(other),
            _ => None,
        };
        std::iter::once(self.comparison()).chain(second)
    }

    /// Whether the part gives a record several keys (see [`KeyPart::NameAndInitial`]).
    pub fn is_multiple(self) -> bool {
        matches!(self, Self::NameAndInitial(..) | Self::LoneName(..))
    }

    fn describe(self, names: &[String]) -> String {
        match self {
            Self::Exact(c) => names[c].clone(),
            Self::Prefix(c, n) => format!("first {n} of {}", names[c]),
            Self::Phonetic(c) => format!("sound of {}", names[c]),
            Self::Year(c) => format!("year of {}", names[c]),
            Self::EitherOrder(a, b) => format!("{} and {} in either order", names[a], names[b]),
            Self::NameAndInitial(a, b) => {
                format!("{} or {} with the other's initial, in either order", names[a], names[b])
            }
            Self::LoneName(a, b) => format!("{} or {} given alone, against either", names[a], names[b]),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlockingRule {
    pub parts: Vec<KeyPart>,
}

impl BlockingRule {
    /// A rule of these parts, of which at most one gives several keys.
    pub fn new(parts: Vec<KeyPart>) -> Self {
        assert!(parts.iter().filter(|p| p.is_multiple()).count() <= 1, "at most one name key in a rule: {parts:?}");
        Self { parts }
    }

    /// The multiple-key part, if any.
    pub fn multiple(&self) -> Option<KeyPart> {
        self.parts.iter().copied().find(|p| p.is_multiple())
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

    /// The keys of `records` (all records when `None`), indexed by position in `records`.
    fn keys(&self, data: &PreparedData, records: Option<&[u32]>, tables: &PartTables) -> RuleKeys {
        let Some(multiple) = self.multiple() else { return RuleKeys::Single(self.single_keys(data, records, tables)) };
        let singles: Vec<KeyPart> = self.parts.iter().copied().filter(|p| !p.is_multiple()).collect();
        let single = (!singles.is_empty()).then(|| BlockingRule { parts: singles }.single_keys(data, records, tables));
        let names = NameTables::new(multiple, data);
        let mut entries = Vec::new();
        let all: Vec<u32>;
        let records = match records {
            Some(records) => records,
            None => {
                all = (0..data.len() as u32).collect();
                &all
            }
        };
        for (i, &r) in records.iter().enumerate() {
            let base = match &single {
                Some(keys) => match keys[i] {
                    Some(key) => Some(key),
                    None => continue,
                },
                None => None,
            };
            names.entries(multiple, data.row(r), |key, tag| {
                let key = match base {
                    Some(base) => {
                        let mut hasher = KeyHasher::default();
                        hasher.write_u64(base);
                        hasher.write_u64(key);
                        hasher.finish()
                    }
                    None => key,
                };
                entries.push((key, tag, i as u32));
            });
        }
        entries.sort_unstable();
        entries.dedup();
        RuleKeys::Multiple(entries)
    }

    /// The one key of each of `records` under a rule without a multiple-key
    /// part; `None` when a part is missing (no block). Each distinct value's
    /// part is hashed once.
    fn single_keys(&self, data: &PreparedData, records: Option<&[u32]>, tables: &PartTables) -> Vec<Option<u64>> {
        // Each part's table, and for either order the other column's too.
        let tables: Vec<(&PartTable, Option<&PartTable>)> = self
            .parts
            .iter()
            .map(|&part| {
                let second = match part {
                    KeyPart::EitherOrder(_, other) => Some(tables.get(KeyPart::Exact(other))),
                    _ => None,
                };
                (tables.get(part), second)
            })
            .collect();
        let single = self.parts.len() == 1 && !matches!(self.parts[0], KeyPart::EitherOrder(..));
        let key = |r: u32| -> Option<u64> {
            if single {
                return tables[0].0[data.id(r, self.parts[0].comparison()) as usize];
            }
            let mut hasher = KeyHasher::default();
            for (i, part) in self.parts.iter().enumerate() {
                let first = tables[i].0[data.id(r, part.comparison()) as usize]?;
                if let (KeyPart::EitherOrder(_, other), Some(second)) = (*part, tables[i].1) {
                    let second = second[data.id(r, other) as usize]?;
                    hasher.write_u64(first.min(second));
                    hasher.write_u64(first.max(second));
                } else {
                    hasher.write_u64(first);
                }
            }
            Some(hasher.finish())
        };
        match records {
            Some(records) => records.iter().map(|&r| key(r)).collect(),
            None => (0..data.len() as u32).map(key).collect(),
        }
    }
}

/// The keys of a rule's records: one per record, or several (with tags).
pub enum RuleKeys {
    /// Each record's key, `None` for a record in no block.
    Single(Vec<Option<u64>>),
    /// `(key, tag, record)`, sorted: records meet when their keys are equal
    /// and their tags meet: either tag is [`ANY`], or the tags are equal and not [`ONLY_ANY`].
    Multiple(Vec<(u64, u64, u32)>),
}

impl RuleKeys {
    /// Appends the pairs of records that meet to `out` (unsorted; a pair may repeat).
    /// `sources[i]` is the source of the record at position `i`.
    pub fn pairs(&self, sources: &[u8], link_only: bool, out: &mut Vec<u64>) {
        match self {
            Self::Single(keys) => pairs_from_keys(keys, sources, link_only, out),
            Self::Multiple(entries) => {
                let mut push = |a: u32, b: u32| {
                    if a != b && (!link_only || sources[a as usize] != sources[b as usize]) {
                        out.push(pack(a, b));
                    }
                };
                for group in entries.chunk_by(|x, y| x.0 == y.0) {
                    // Tags sort with ONLY_ANY and then ANY last.
                    let any_from = group.partition_point(|e| e.1 != ANY);
                    for run in group[..any_from].chunk_by(|x, y| x.1 == y.1).filter(|run| run[0].1 != ONLY_ANY) {
                        for (x, a) in run.iter().enumerate() {
                            for b in &run[x + 1..] {
                                push(a.2, b.2);
                            }
                        }
                    }
                    for (x, a) in group[any_from..].iter().enumerate() {
                        for b in group[..any_from].iter().chain(&group[any_from + x + 1..]) {
                            push(a.2, b.2);
                        }
                    }
                }
            }
        }
    }

    /// How many pairs meet, counted without producing them (a pair found
    /// through both halves of a name counts twice).
    fn count(&self, sources: impl Fn(usize) -> u8, link_only: bool) -> u64 {
        match self {
            Self::Single(keys) => count_pairs(keys, sources, link_only),
            Self::Multiple(entries) => {
                let mut total = 0u64;
                for group in entries.chunk_by(|x, y| x.0 == y.0) {
                    // Per run of one tag, its records from each source.
                    let side = |e: &(u64, u64, u32)| usize::from(link_only && sources(e.2 as usize) == 1);
                    let mut all = [0u64; 2];
                    let mut any = [0u64; 2];
                    for run in group.chunk_by(|x, y| x.1 == y.1) {
                        let mut n = [0u64; 2];
                        for e in run {
                            n[side(e)] += 1;
                        }
                        all[0] += n[0];
                        all[1] += n[1];
                        if run[0].1 == ANY {
                            any = n;
                        }
                        if run[0].1 != ONLY_ANY {
                            total += if link_only { n[0] * n[1] } else { n[0] * n[0].saturating_sub(1) / 2 };
                        }
                    }
                    total += if link_only {
                        any[0] * (all[1] - any[1]) + any[1] * (all[0] - any[0])
                    } else {
                        any[0] * (all[0] - any[0])
                    };
                }
                total
            }
        }
    }
}

/// For a name key part: each distinct value's usual form and its initial, hashed, for both halves.
struct NameTables {
    first: Vec<Option<(u64, u64)>>,
    second: Vec<Option<(u64, u64)>>,
}

impl NameTables {
    fn new(part: KeyPart, data: &PreparedData) -> Self {
        let (a, b) = match part {
            KeyPart::NameAndInitial(a, b) | KeyPart::LoneName(a, b) => (a, b),
            _ => unreachable!("not a name key"),
        };
        let table = |c: usize| -> Vec<Option<(u64, u64)>> {
            data.columns[c]
                .values
                .iter()
                .map(|value| {
                    if value.is_missing() {
                        return None;
                    }
                    let usual = usual_form(&value.text);
                    let initial = usual.chars().next().map_or(0, u64::from);
                    Some((hash_str(usual), initial))
                })
                .collect()
        };
        Self { first: table(a), second: table(b) }
    }

    /// Calls `emit(key, tag)` for each key of a record's row.
    fn entries(&self, part: KeyPart, row: &[u32], mut emit: impl FnMut(u64, u64)) {
        let (a, b) = match part {
            KeyPart::NameAndInitial(a, b) | KeyPart::LoneName(a, b) => (a, b),
            _ => unreachable!("not a name key"),
        };
        let (x, y) = (self.first[row[a] as usize], self.second[row[b] as usize]);
        match (part, x, y) {
            (KeyPart::NameAndInitial(..), Some((x, ix)), Some((y, iy))) => {
                emit(x, iy);
                emit(y, ix);
            }
            (KeyPart::LoneName(..), Some((x, _)), Some((y, _))) => {
                emit(x, ONLY_ANY);
                emit(y, ONLY_ANY);
            }
            (KeyPart::LoneName(..), Some((x, _)), None) | (KeyPart::LoneName(..), None, Some((x, _))) => emit(x, ANY),
            _ => {}
        }
    }
}

/// A key part's hash for each distinct prepared value of its comparison.
type PartTable = Vec<Option<u64>>;

/// The tables of the key parts some rules use, each made once: many rules
/// share a part (a birth date, an identifier), and a table hashes every
/// distinct value of its column, a million of them for an identifier.
pub struct PartTables(FastMap<KeyPart, PartTable>);

impl PartTables {
    /// The tables of every part of `rules`, made on every core.
    pub fn for_rules<'a>(rules: impl IntoIterator<Item = &'a BlockingRule>, data: &PreparedData) -> Self {
        let mut parts: Vec<KeyPart> = Vec::new();
        for part in rules.into_iter().flat_map(|rule| &rule.parts) {
            let tabled: &[KeyPart] = match *part {
                KeyPart::EitherOrder(a, b) => &[KeyPart::Exact(a), KeyPart::Exact(b)],
                KeyPart::NameAndInitial(..) | KeyPart::LoneName(..) => &[],
                _ => std::slice::from_ref(part),
            };
            for &part in tabled {
                if !parts.contains(&part) {
                    parts.push(part);
                }
            }
        }
        let tables = crate::parallel::map_each(&parts, |&part| part_table(part, data));
        Self(parts.into_iter().zip(tables).collect())
    }

    /// The table of a part (of its column's exact values for either order).
    fn get(&self, part: KeyPart) -> &PartTable {
        let part = match part {
            KeyPart::EitherOrder(a, _) => KeyPart::Exact(a),
            part => part,
        };
        self.0.get(&part).expect("a table for every part of the rules it was made for")
    }
}

/// The table of a key part.
fn part_table(part: KeyPart, data: &PreparedData) -> PartTable {
    data.columns[part.comparison()]
        .values
        .iter()
        .map(|value| {
            if value.is_missing() {
                return None;
            }
            let text: &str = match part {
                KeyPart::Exact(_) => &value.text,
                KeyPart::Prefix(_, n) => {
                    let end = value.text.char_indices().nth(n as usize).map_or(value.text.len(), |(i, _)| i);
                    &value.text[..end]
                }
                KeyPart::Phonetic(_) if value.phonetic.is_empty() => return None,
                KeyPart::Phonetic(_) => &value.phonetic,
                KeyPart::Year(_) => &value.text[..value.text.len().min(4)],
                KeyPart::EitherOrder(..) | KeyPart::NameAndInitial(..) | KeyPart::LoneName(..) => {
                    unreachable!("tabled as their columns' exact values, or in name tables")
                }
            };
            Some(hash_str(text))
        })
        .collect()
}

/// Appends the pairs a rule produces to `out` (unsorted; a pair may repeat).
pub fn rule_pairs(rule: &BlockingRule, data: &PreparedData, out: &mut Vec<u64>) {
    rule_pairs_with(rule, data, &PartTables::for_rules([rule], data), out);
}

/// [`rule_pairs`] with the tables of the rule's parts made already.
pub fn rule_pairs_with(rule: &BlockingRule, data: &PreparedData, tables: &PartTables, out: &mut Vec<u64>) {
    rule.keys(data, None, tables).pairs(&data.sources, data.link_only, out);
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

/// How many pairs records with these keys make (`sources[i]` is the source
/// of the record with `keys[i]`). In linking mode only pairs across the two
/// sources count.
fn count_pairs(keys: &[Option<u64>], sources: impl Fn(usize) -> u8, link_only: bool) -> u64 {
    let mut total = 0u64;
    if link_only {
        let mut sorted: Vec<(u64, u8)> =
            keys.iter().enumerate().filter_map(|(i, k)| k.map(|k| (k, sources(i)))).collect();
        sorted.sort_unstable();
        for group in sorted.chunk_by(|a, b| a.0 == b.0) {
            let n = group.len() as u64;
            let left = group.iter().filter(|(_, s)| *s == 0).count() as u64;
            total += left * (n - left);
        }
    } else {
        let mut sorted: Vec<u64> = keys.iter().flatten().copied().collect();
        sorted.sort_unstable();
        for group in sorted.chunk_by(|a, b| a == b) {
            let n = group.len() as u64;
            total += n * (n - 1) / 2;
        }
    }
    total
}

/// How many pairs a rule would produce, counted without producing them.
/// In linking mode only pairs across the two sources count.
#[cfg(test)]
pub fn estimate_pairs(rule: &BlockingRule, data: &PreparedData) -> u64 {
    estimate_pairs_with(rule, data, &PartTables::for_rules([rule], data))
}

/// [`estimate_pairs`] with the tables of the rule's parts made already.
pub fn estimate_pairs_with(rule: &BlockingRule, data: &PreparedData, tables: &PartTables) -> u64 {
    rule.keys(data, None, tables).count(|i| data.sources[i], data.link_only)
}

/// The rules the engine would try, strongest keys first.
fn candidate_rules(kinds: &[Kind]) -> Vec<BlockingRule> {
    let mut rules = Vec::new();
    // A reference id is a key on its own; other names agree on something other than equal lists.
    for c in (0..kinds.len()).filter(|&c| kinds[c] == Kind::Reference) {
        rules.push(BlockingRule::new(vec![KeyPart::Exact(c)]));
    }
    let blockable: Vec<usize> = (0..kinds.len())
        .filter(|&c| !kinds[c].is_list() && !matches!(kinds[c], Kind::Category | Kind::Reference))
        .collect();
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
                // The two halves of a name written the other way round; one half
                // whole with the other's initial; one half given alone.
                rules.push(BlockingRule::new(vec![KeyPart::EitherOrder(a, b)]));
                rules.push(BlockingRule::new(vec![KeyPart::NameAndInitial(a, b)]));
                rules.push(BlockingRule::new(vec![KeyPart::LoneName(a, b)]));
            }
            let coarse = |c: usize| match kinds[c] {
                Kind::Name => KeyPart::Phonetic(c),
                Kind::Date => KeyPart::Year(c),
                _ => KeyPart::Prefix(c, 3),
            };
            rules.push(BlockingRule::new(vec![coarse(a), coarse(b)]));
        }
    }
    // A category narrows another key: the same street number and postcode. Not a name:
    // people who share a first name and a place are mostly namesakes.
    for &a in blockable.iter().filter(|&&a| kinds[a] != Kind::Name) {
        for c in (0..kinds.len()).filter(|&c| kinds[c] == Kind::Category) {
            rules.push(BlockingRule::new(vec![KeyPart::Exact(a), KeyPart::Exact(c)]));
        }
    }
    rules
}

/// A proposed rule with its pairs as counted: on a sample of the records,
/// scaled up, or on all of them when the sample puts it near its budget.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub rule: BlockingRule,
    pub estimated_pairs: u64,
}

/// The candidate pairs automatic blocking may plan for `records` records
/// when no budget is given: ten a record, and at least 50,000 so that a
/// small file keeps generous rules. On FEBRL 1 to 3 and the CHAIN + Inform
/// bench set, 50,000 keeps every true pair among the candidates that 200,000
/// kept, at a quarter to a third of the pairs to compare.
pub fn default_budget(records: usize) -> u64 {
    (records as u64).saturating_mul(10).max(50_000)
}

/// Records in the sample that proposing rules counts pairs on.
const BLOCKING_SAMPLE: usize = 100_000;
const BLOCKING_SAMPLE_SEED: u64 = 0x5eed_b10c;

/// Proposes rules from the data: every candidate rule whose pair count fits
/// `per_rule_budget`, skipping rules implied by one already chosen, while the
/// pairs they add to those of the rules chosen before fit `total_budget`.
/// When no rule fits its share, the cheapest rule that fits the whole budget.
pub fn propose(kinds: &[Kind], data: &PreparedData, per_rule_budget: u64, total_budget: u64) -> Vec<Proposal> {
    // Counts come from a sample of about 100,000 records, scaled up by the
    // ratio of pairs; rules near their budget are counted exactly. The sample
    // is random (seeded, so the same data gives the same rules): the records
    // of one person often stand together in a file, and an even sample would
    // seldom take two of them, counting too few of the pairs that matter most
    // (on the million FEBRL-style records, a twelfth of a rule's pairs).
    let n_records = data.len();
    let exact = n_records <= BLOCKING_SAMPLE;
    let sample: Vec<u32> = if exact {
        (0..n_records as u32).collect()
    } else {
        let mut random = crate::random::SplitMix::new(BLOCKING_SAMPLE_SEED);
        let cut = (BLOCKING_SAMPLE as f64 / n_records as f64 * u64::MAX as f64) as u64;
        (0..n_records as u32).filter(|_| random.next_u64() < cut).collect()
    };
    let scale = if !exact {
        let (n, m) = (n_records as f64, sample.len() as f64);
        (n * (n - 1.0)) / (m * (m - 1.0)).max(1.0)
    } else {
        1.0
    };
    let sample_sources: Vec<u8> = sample.iter().map(|&r| data.sources[r as usize]).collect();
    // Each candidate rule counted on the sample, the rules shared among the cores.
    let candidates = candidate_rules(kinds);
    let tables = PartTables::for_rules(&candidates, data);
    let mut counted: Vec<(Proposal, RuleKeys)> = crate::parallel::map_each(&candidates, |rule| {
        let keys = rule.keys(data, Some(&sample), &tables);
        let estimated_pairs = (keys.count(|i| sample_sources[i], data.link_only) as f64 * scale) as u64;
        (Proposal { estimated_pairs, rule: rule.clone() }, keys)
    })
    .into_iter()
    .filter(|(p, _)| p.estimated_pairs > 0)
    .collect();
    // Single keys first (they find the most), then by how many pairs they cost.
    counted.sort_by_key(|(p, _)| (p.rule.parts.len(), p.estimated_pairs));
    // The rules the sample puts near their share of the budget, counted
    // exactly on every core before choosing (a few of them may go unused).
    let near: Vec<BlockingRule> = counted
        .iter()
        .filter(|(p, _)| !exact && near_budget(p.estimated_pairs, per_rule_budget))
        .map(|(p, _)| p.rule.clone())
        .collect();
    let exact_counts = crate::parallel::map_each(&near, |rule| estimate_pairs_with(rule, data, &tables));
    let counted_exactly: FastMap<BlockingRule, u64> = near.into_iter().zip(exact_counts).collect();
    let plan = Plan {
        data,
        tables: &tables,
        counted_exactly: &counted_exactly,
        sample_sources: &sample_sources,
        scale,
        exact,
    };
    let chosen = plan.choose(&counted, per_rule_budget, total_budget);
    if !chosen.is_empty() {
        return chosen;
    }
    // Nothing fits a rule's share of the budget (nearly everybody shares a
    // name): the cheapest rule that fits the whole budget, such as the birth date.
    counted.sort_by_key(|(p, _)| p.estimated_pairs);
    plan.choose(&counted, total_budget, total_budget).into_iter().take(1).collect()
}

/// How many of the sorted `pairs` are not among the sorted `known`.
fn count_new(pairs: &[u64], known: &[u64]) -> usize {
    let mut j = 0;
    let mut new = 0;
    for &p in pairs {
        while j < known.len() && known[j] < p {
            j += 1;
        }
        if j == known.len() || known[j] != p {
            new += 1;
        }
    }
    new
}

/// Two sorted lists of pairs as one, sorted and distinct.
fn merge(a: &[u64], b: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let next = a[i].min(b[j]);
        i += usize::from(a[i] == next);
        j += usize::from(b[j] == next);
        out.push(next);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Whether a rule the sample counted fits its budget only narrowly (the
/// upper half of it), so that it is counted exactly before it is chosen.
fn near_budget(estimated_pairs: u64, per_rule_budget: u64) -> bool {
    estimated_pairs > per_rule_budget / 2 && estimated_pairs <= per_rule_budget
}

/// What choosing rules needs: the data and its key parts' tables, the rules
/// counted exactly already, the sample's sources, and how sample pairs scale up.
struct Plan<'a> {
    data: &'a PreparedData,
    tables: &'a PartTables,
    counted_exactly: &'a FastMap<BlockingRule, u64>,
    sample_sources: &'a [u8],
    scale: f64,
    /// Whether the sample is all the records.
    exact: bool,
}

impl Plan<'_> {
    /// The rules in `counted`, in order, that fit `per_rule_budget`,
    /// skipping rules implied by one already chosen (a rule on A and B finds
    /// nothing that a rule on A alone has not), while the pairs they add to
    /// the chosen rules' pairs (counted on the sample) fit `total_budget`.
    fn choose(&self, counted: &[(Proposal, RuleKeys)], per_rule_budget: u64, total_budget: u64) -> Vec<Proposal> {
        let mut chosen: Vec<Proposal> = Vec::new();
        let mut planned = 0u64;
        // The chosen rules' sample pairs, sorted and distinct.
        let mut sample_pairs: Vec<u64> = Vec::new();
        for (proposal, keys) in counted.iter().filter(|(p, _)| p.estimated_pairs <= per_rule_budget) {
            let implied = chosen.iter().any(|c| c.rule.parts.iter().all(|part| proposal.rule.parts.contains(part)));
            if implied {
                continue;
            }
            let mut proposal = proposal.clone();
            if !self.exact && near_budget(proposal.estimated_pairs, per_rule_budget) {
                // The sample said it may fit, narrowly: count it exactly before
                // choosing it. Further below the budget a sample of 100,000
                // records is no more than a few per cent out, and an exact
                // count of a million records' keys takes tens of milliseconds a rule.
                proposal.estimated_pairs = match self.counted_exactly.get(&proposal.rule) {
                    Some(&n) => n,
                    None => estimate_pairs_with(&proposal.rule, self.data, self.tables),
                };
                if proposal.estimated_pairs > per_rule_budget {
                    continue;
                }
            }
            let mut pairs = Vec::new();
            keys.pairs(self.sample_sources, self.data.link_only, &mut pairs);
            pairs.sort_unstable();
            pairs.dedup();
            let added = (count_new(&pairs, &sample_pairs) as f64 * self.scale) as u64;
            if planned + added > total_budget {
                continue;
            }
            planned += added;
            sample_pairs = merge(&sample_pairs, &pairs);
            chosen.push(proposal);
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::comparison::ComparisonSpec;
    use crate::pairs::unpack;
    use crate::prepared::{Dataset, prepare_all};

    /// The pairs one rule produces, packed and sorted.
    fn rule_pairs(rule: &BlockingRule, data: &PreparedData) -> Vec<u64> {
        let mut pairs = Vec::new();
        super::rule_pairs(rule, data, &mut pairs);
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

    fn data(kinds: &[Kind], rows: &[&[&str]], sources: Vec<u8>, link_only: bool) -> PreparedData {
        let columns: Vec<String> = (0..kinds.len()).map(|c| format!("c{c}")).collect();
        let rows: Vec<Vec<Option<String>>> =
            rows.iter().map(|r| r.iter().map(|v| Some((*v).to_owned())).collect()).collect();
        let ids = (0..rows.len()).map(|i| i.to_string()).collect();
        let dataset = Dataset::from_rows(ids, sources, columns.clone(), &rows);
        let specs = kinds
            .iter()
            .zip(&columns)
            .map(|(&kind, name)| ComparisonSpec {
                name: name.clone(),
                kind,
                swap_with: None,
                term_frequency: false,
                own_name: Vec::new(),
            })
            .collect();
        prepare_all(&dataset, specs, &(0..kinds.len()).collect::<Vec<_>>(), link_only).unwrap()
    }

    fn records(rows: &[[&str; 2]], sources: Vec<u8>, link_only: bool) -> PreparedData {
        let rows: Vec<&[&str]> = rows.iter().map(|r| r.as_slice()).collect();
        data(&[Kind::Name, Kind::Date], &rows, sources, link_only)
    }

    #[test]
    fn estimates_equal_the_pairs_produced() {
        let rows = [["Ann", "1980-01-01"], ["Ann", "1981-01-01"], ["Anne", "1980-01-01"], ["Bob", ""], ["Ann", ""]];
        let data = records(&rows, vec![0; rows.len()], false);
        let by_name = BlockingRule::new(vec![KeyPart::Exact(0)]);
        assert_eq!(estimate_pairs(&by_name, &data), 3);
        assert_eq!(
            rule_pairs(&by_name, &data).iter().map(|&p| unpack(p)).collect::<Vec<_>>(),
            [(0, 1), (0, 4), (1, 4)]
        );
        let by_sound_and_year = BlockingRule::new(vec![KeyPart::Phonetic(0), KeyPart::Year(1)]);
        assert_eq!(rule_pairs(&by_sound_and_year, &data).iter().map(|&p| unpack(p)).collect::<Vec<_>>(), [(0, 2)]);
        let union = union(&[rule_pairs(&by_name, &data), rule_pairs(&by_sound_and_year, &data)]);
        assert_eq!(union.len(), 4, "pairs found by two rules are counted once");
    }

    #[test]
    fn names_written_the_other_way_round_share_a_block() {
        let rows: [&[&str]; 4] = [&["Dylan", "Carter"], &["Carter", "Dylan"], &["Dylan", "Cartwright"], &["Dylan", ""]];
        let data = data(&[Kind::Name, Kind::Name], &rows, vec![0; 4], false);
        let rule = BlockingRule::new(vec![KeyPart::EitherOrder(0, 1)]);
        assert_eq!(rule_pairs(&rule, &data).iter().map(|&p| unpack(p)).collect::<Vec<_>>(), [(0, 1)]);
        assert_eq!(rule.comparisons(), [0, 1], "both halves are held out in its training session");
    }

    #[test]
    fn a_name_half_with_the_others_initial_survives_typos_swaps_and_nicknames() {
        let rows: [&[&str]; 7] = [
            &["Omar", "Ibrahim"],
            &["Omar", "Irbahim"], // a typo in the surname
            &["Kicng", "Omar"],   // swapped, the other half changed as well: no key in common
            &["Omar", "Osman"],   // another Omar, another initial
            &["Bill", "Fraser"],
            &["Fraser", "William"], // swapped, and the usual form of the first name
            &["Omar", ""],          // a half missing: no key here
        ];
        let data = data(&[Kind::Name, Kind::Name], &rows, vec![0; rows.len()], false);
        let rule = BlockingRule::new(vec![KeyPart::NameAndInitial(0, 1)]);
        assert_eq!(rule_pairs(&rule, &data).iter().map(|&p| unpack(p)).collect::<Vec<_>>(), [(0, 1), (4, 5)]);
        // Bill Fraser and Fraser William meet through both halves: counted twice, produced once.
        assert_eq!(estimate_pairs(&rule, &data), 3);
    }

    #[test]
    fn a_lone_name_meets_that_name_in_either_half_but_whole_names_do_not_meet() {
        let rows: [&[&str]; 5] =
            [&["Desmond", ""], &["Desmond", "Morgan"], &["Morgan", "Desmond"], &["", "Desmond"], &["Eamon", ""]];
        let data = data(&[Kind::Name, Kind::Name], &rows, vec![0; rows.len()], false);
        let rule = BlockingRule::new(vec![KeyPart::LoneName(0, 1)]);
        let pairs: Vec<(u32, u32)> = rule_pairs(&rule, &data).iter().map(|&p| unpack(p)).collect();
        // 1 and 2 hold the whole name (swapped): not a pair here.
        assert_eq!(pairs, [(0, 1), (0, 2), (0, 3), (1, 3), (2, 3)]);
        assert_eq!(estimate_pairs(&rule, &data), 5);
        // Linking: only across the sources, and counted so.
        let data = super::tests::data(&[Kind::Name, Kind::Name], &rows, vec![0, 1, 1, 0, 1], true);
        assert_eq!(
            rule_pairs(&rule, &data).iter().map(|&p| unpack(p)).collect::<Vec<_>>(),
            [(0, 1), (0, 2), (1, 3), (2, 3)]
        );
        assert_eq!(estimate_pairs(&rule, &data), 4);
    }

    #[test]
    fn linking_pairs_only_cross_the_sources() {
        let data = records(&[["Ann", ""], ["Ann", ""], ["Ann", ""]], vec![0, 0, 1], true);
        let rule = BlockingRule::new(vec![KeyPart::Exact(0)]);
        assert_eq!(estimate_pairs(&rule, &data), 2);
        assert_eq!(rule_pairs(&rule, &data).len(), 2);
    }

    #[test]
    fn proposals_respect_the_budget_and_skip_implied_rules() {
        let mut rows = Vec::new();
        for i in 0..200 {
            rows.push([if i % 2 == 0 { "Mohamed" } else { "Ali" }, "1980-01-01"]);
        }
        let data = records(&rows, vec![0; rows.len()], false);
        let chosen = propose(&[Kind::Name, Kind::Date], &data, 5_000, 20_000);
        // Every key here is too common for a rule's share (100 or 200 people share it):
        // the cheapest that fits the whole budget is taken, alone.
        assert_eq!(chosen.len(), 1, "{chosen:?}");
        assert_eq!(chosen[0].estimated_pairs, 2 * (100 * 99 / 2), "{chosen:?}");
        assert!(propose(&[Kind::Name, Kind::Date], &data, 5_000, 9_000).is_empty(), "nothing fits 9,000 pairs");
    }

    #[test]
    fn rules_that_find_the_same_pairs_cost_the_budget_once() {
        // Two identifiers that group the same 40 records in the same 10 groups of 4 (60 pairs).
        let rows: Vec<[String; 2]> =
            (0..40).map(|i| [format!("{}000{}", 1 + i % 10, i % 10), format!("{}999{}", 1 + i % 10, i % 10)]).collect();
        let rows: Vec<[&str; 2]> = rows.iter().map(|[a, b]| [a.as_str(), b.as_str()]).collect();
        let rows: Vec<&[&str]> = rows.iter().map(|r| r.as_slice()).collect();
        let data = data(&[Kind::Identifier, Kind::Identifier], &rows, vec![0; rows.len()], false);
        let chosen = propose(&[Kind::Identifier, Kind::Identifier], &data, 60, 70);
        let rules: Vec<&BlockingRule> = chosen.iter().map(|p| &p.rule).collect();
        assert!(rules.contains(&&BlockingRule::new(vec![KeyPart::Exact(0)])), "{chosen:?}");
        assert!(rules.contains(&&BlockingRule::new(vec![KeyPart::Exact(1)])), "the second adds no pair: {chosen:?}");
    }

    #[test]
    fn when_everybody_shares_a_name_the_birth_date_blocks() {
        // 2,000 people all called Mohamed Ali, born on 400 different days.
        let rows: Vec<[String; 3]> = (0..2_000)
            .map(|i| {
                let day = i % 400;
                ["Mohamed".into(), "Ali".into(), format!("19{}-{:02}-15", 50 + day % 40, 1 + day / 40)]
            })
            .collect();
        let rows: Vec<[&str; 3]> = rows.iter().map(|[a, b, c]| [a.as_str(), b.as_str(), c.as_str()]).collect();
        let rows: Vec<&[&str]> = rows.iter().map(|r| r.as_slice()).collect();
        let data = data(&[Kind::Name, Kind::Name, Kind::Date], &rows, vec![0; rows.len()], false);
        // Each day's 5 people make 10 pairs: 4,000 in all, above a quarter of the budget.
        let chosen = propose(&[Kind::Name, Kind::Name, Kind::Date], &data, 2_500, 10_000);
        assert_eq!(chosen.len(), 1, "{chosen:?}");
        assert_eq!(chosen[0].rule, BlockingRule::new(vec![KeyPart::Exact(2)]));
        assert_eq!(chosen[0].estimated_pairs, 4_000);
    }

    #[test]
    fn a_large_file_whose_duplicates_stand_together_is_estimated_well() {
        // 300,000 records, a person's three records one after the other (as
        // FEBRL and many exports write them): 100,000 people, 300,000 pairs by
        // the identifier. Only the sample counts (per-rule budget above the estimate).
        let ids: Vec<String> = (0..300_000).map(|i| format!("{}", 1_000_000 + i / 3)).collect();
        let rows: Vec<[&str; 1]> = ids.iter().map(|id| [id.as_str()]).collect();
        let rows: Vec<&[&str]> = rows.iter().map(|r| r.as_slice()).collect();
        let data = data(&[Kind::Identifier], &rows, vec![0; rows.len()], false);
        let chosen = propose(&[Kind::Identifier], &data, 10_000_000, 10_000_000);
        let by_id = chosen.iter().find(|p| p.rule == BlockingRule::new(vec![KeyPart::Exact(0)])).expect("chosen");
        let error = (by_id.estimated_pairs as f64 / 300_000.0 - 1.0).abs();
        assert!(error < 0.1, "estimated {} of 300,000 pairs", by_id.estimated_pairs);
    }
}
