//! The certain rules: the links no reviewer would dispute.
//! - two records carrying the same valid NHS number;
//! - an Inform client whose recorded CHAIN id exists and whose folded first
//!   and last names and full date of birth agree with that CHAIN record.
//!
//! A recorded CHAIN id that disagrees on name or birth date is not trusted:
//! workers sometimes type another client's id. Everything else is for
//! probabilistic linkage to decide.

use byname_domain::names::fold;
use std::collections::HashMap;

/// The identifying fields of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub record_id: i64,
    pub source: String,
    pub source_id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub date_of_birth: Option<String>,
    pub nhs_number: Option<String>,
    pub recorded_chain_id: Option<String>,
}

/// Why a record belongs to its person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The record that names the cluster (its lowest record id).
    Own,
    SharedNhsNumber,
    RecordedChainId,
}

impl Rule {
    pub fn code(self) -> &'static str {
        match self {
            Self::Own => "own_record",
            Self::SharedNhsNumber => "shared_nhs_number",
            Self::RecordedChainId => "recorded_chain_id",
        }
    }
}

/// One record's assignment: its person is named by the lowest record id in
/// the cluster, so person ids stay put as new records join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub record_id: i64,
    pub person_id: i64,
    pub rule: Rule,
}

struct DisjointSets {
    parent: Vec<usize>,
}

impl DisjointSets {
    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }
    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            // The smaller index is the root, so roots follow record order.
            let (low, high) = if a < b { (a, b) } else { (b, a) };
            self.parent[high] = low;
        }
    }
}

fn names_and_birth_agree(a: &Candidate, b: &Candidate) -> bool {
    let same = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => !fold(x).is_empty() && fold(x) == fold(y),
        _ => false,
    };
    let full_date = |d: &Option<String>| d.as_deref().filter(|d| d.len() == 10).map(str::to_owned);
    same(&a.first_name, &b.first_name)
        && same(&a.last_name, &b.last_name)
        && full_date(&a.date_of_birth).is_some()
        && full_date(&a.date_of_birth) == full_date(&b.date_of_birth)
}

/// Clusters records by the certain rules. The result has one assignment per
/// input record, in input order.
pub fn certain_links(candidates: &[Candidate]) -> Vec<Assignment> {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| candidates[i].record_id);
    let position: HashMap<i64, usize> =
        order.iter().enumerate().map(|(pos, &i)| (candidates[i].record_id, pos)).collect();
    let mut sets = DisjointSets { parent: (0..candidates.len()).collect() };
    let mut rule = vec![Rule::Own; candidates.len()];

    let mut by_nhs: HashMap<&str, usize> = HashMap::new();
    for &i in &order {
        if let Some(nhs) = candidates[i].nhs_number.as_deref() {
            match by_nhs.get(nhs) {
                Some(&first) => {
                    sets.union(position[&candidates[first].record_id], position[&candidates[i].record_id]);
                    mark(&mut rule, [first, i], Rule::SharedNhsNumber);
                }
                None => {
                    by_nhs.insert(nhs, i);
                }
            }
        }
    }

    let chain_records: HashMap<&str, usize> = order
        .iter()
        .filter(|&&i| candidates[i].source == "chain")
        .map(|&i| (candidates[i].source_id.as_str(), i))
        .collect();
    for &i in &order {
        let record = &candidates[i];
        let Some(chain_id) = record.recorded_chain_id.as_deref() else { continue };
        let Some(&chain) = chain_records.get(chain_id.trim()) else { continue };
        if names_and_birth_agree(record, &candidates[chain]) {
            sets.union(position[&record.record_id], position[&candidates[chain].record_id]);
            mark(&mut rule, [i, chain], Rule::RecordedChainId);
        }
    }

    candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let root = sets.find(position[&c.record_id]);
            let person_id = candidates[order[root]].record_id;
            let rule = if person_id == c.record_id { Rule::Own } else { rule[i] };
            Assignment { record_id: c.record_id, person_id, rule }
        })
        .collect()
}

/// Records the first rule that joined each end of a link.
fn mark(rules: &mut [Rule], ends: [usize; 2], rule: Rule) {
    for end in ends {
        if rules[end] == Rule::Own {
            rules[end] = rule;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: i64, source: &str, source_id: &str, first: &str, last: &str, dob: &str) -> Candidate {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Candidate {
            record_id: id,
            source: source.into(),
            source_id: source_id.into(),
            first_name: opt(first),
            last_name: opt(last),
            date_of_birth: opt(dob),
            nhs_number: None,
            recorded_chain_id: None,
        }
    }

    fn persons(assignments: &[Assignment]) -> Vec<(i64, i64, &'static str)> {
        assignments.iter().map(|a| (a.record_id, a.person_id, a.rule.code())).collect()
    }

    #[test]
    fn a_shared_nhs_number_links_whatever_the_names() {
        let mut a = record(1, "chain", "C1", "William", "Jones", "");
        let mut b = record(2, "inform", "I1", "Bill", "Jonse", "");
        a.nhs_number = Some("9434765919".into());
        b.nhs_number = Some("9434765919".into());
        let c = record(3, "inform", "I2", "William", "Jones", "");
        assert_eq!(
            persons(&certain_links(&[b, a, c])),
            [(2, 1, "shared_nhs_number"), (1, 1, "own_record"), (3, 3, "own_record")]
        );
    }

    #[test]
    fn a_recorded_chain_id_links_only_when_name_and_birth_date_agree() {
        let chain = record(1, "chain", "C1", "Ștefan", "Popescu", "1980-04-03");
        let mut agrees = record(2, "inform", "I1", "STEFAN", "popescu", "1980-04-03");
        agrees.recorded_chain_id = Some("C1".into());
        let mut wrong_person = record(3, "inform", "I2", "Ion", "Popa", "1975-01-01");
        wrong_person.recorded_chain_id = Some("C1".into());
        let mut year_only = record(4, "inform", "I3", "Stefan", "Popescu", "1980");
        year_only.recorded_chain_id = Some("C1".into());
        let mut missing_id = record(5, "inform", "I4", "Stefan", "Popescu", "1980-04-03");
        missing_id.recorded_chain_id = Some("C999".into());
        assert_eq!(
            persons(&certain_links(&[chain, agrees, wrong_person, year_only, missing_id])),
            [
                (1, 1, "own_record"),
                (2, 1, "recorded_chain_id"),
                (3, 3, "own_record"),
                (4, 4, "own_record"),
                (5, 5, "own_record")
            ]
        );
    }

    #[test]
    fn clusters_are_named_by_their_lowest_record_and_chains_of_rules_join() {
        // Inform 5 links to CHAIN 3 by id; Inform 5 shares an NHS number with health-less record 2.
        let mut early = record(2, "inform", "I0", "Ann", "Lee", "");
        early.nhs_number = Some("4010232137".into());
        let chain = record(3, "chain", "C3", "Ann", "Lee", "1990-01-01");
        let mut linked = record(5, "inform", "I5", "Ann", "Lee", "1990-01-01");
        linked.recorded_chain_id = Some("C3".into());
        linked.nhs_number = Some("4010232137".into());
        let result = certain_links(&[linked, chain, early]);
        assert!(result.iter().all(|a| a.person_id == 2), "{result:?}");
    }
}
