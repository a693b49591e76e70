//! The likely matches of one record among a few candidates: what byname offers a worker who
//! registers someone ("is this one of these?") before a new record is made.
//!
//! The record and its candidates are compared exactly as a run compares two records: the same
//! columns ([`crate::run`]'s dataset), the same comparisons and, when a run has stored one, the
//! same trained model with its value frequencies, as a run would score the pair; and by
//! [`starting_model`], the same comparisons with fixed weights that say what each level is
//! usually worth, which also serves before any run has trained a model (a partnership with a
//! handful of records, whose runs use only the certain rules).

use crate::comparison::{ComparisonSpec, Kind};
use crate::error::EngineError;
use crate::model::{ComparisonModel, Model, probability};
use crate::prepared::prepare_all;
use crate::run::{StoredRecord, dataset_of};
use crate::stored_model::PersistedModel;

/// A candidate record and the probability that it is the same person as the new record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LikelyMatch {
    pub record_id: i64,
    pub probability: f64,
}

/// Each candidate's probability of being the same person as `record`, most likely first (ties by
/// record id), those below `threshold` left out: the higher of what `stored_model` (the last
/// run's model as stored, [`PersistedModel::to_json`]) and the [`starting_model`] give. An offer
/// is worth a glance, so a person either finds likely is offered: a model trained on a handful
/// of records, or on exports whose pairs share more fields than a registration has, can make
/// little of a pair the starting weights see plainly.
pub fn likely_matches(
    record: &StoredRecord,
    candidates: &[StoredRecord],
    stored_model: Option<&str>,
    threshold: f64,
) -> Result<Vec<LikelyMatch>, EngineError> {
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let mut records = Vec::with_capacity(candidates.len() + 1);
    records.push(record.clone());
    records.extend(candidates.iter().cloned());
    let dataset = dataset_of(&records);
    let (specs, columns, starting) = starting_model();
    let mut weighed = vec![(prepare_all(&dataset, specs, &columns, false)?, starting)];
    if let Some(persisted) = stored_model.and_then(|m| PersistedModel::from_json(m).ok()) {
        weighed.push(persisted.restore(&dataset)?);
    }
    let mut found: Vec<LikelyMatch> = candidates
        .iter()
        .enumerate()
        .map(|(i, candidate)| {
            let b = i as u32 + 1;
            let probability = weighed
                .iter()
                .map(|(data, model)| probability(model.weight(data.pattern(0, b), 0, b)))
                .fold(0.0, f64::max);
            LikelyMatch { record_id: candidate.record_id, probability }
        })
        .filter(|m| m.probability >= threshold)
        .collect();
    found.sort_by(|a, b| b.probability.total_cmp(&a.probability).then(a.record_id.cmp(&b.record_id)));
    Ok(found)
}

/// The comparisons of a run's columns with fixed weights, for pairs weighed before any model
/// was trained: each level's weight in bits (`log2` of how much likelier it is for one person
/// than for two), and a prior of one in a thousand, since the candidates share a name or a date
/// of birth already. Returns the specs, the dataset column each reads, and the model.
fn starting_model() -> (Vec<ComparisonSpec>, Vec<usize>, Model) {
    // Comparison index: 0 first name, 1 last name, 2 known as, 3 aliases, 4 date of birth,
    // 5 sex, 6 nationality, 7 NHS number, 8 CHAIN id. Dataset columns are one more (0 is the id).
    let spec = |name: &str, kind: Kind, swap_with: Option<usize>, own_name: Vec<usize>| ComparisonSpec {
        name: name.to_owned(),
        kind,
        swap_with,
        term_frequency: false,
        own_name,
    };
    let comparisons: [(ComparisonSpec, &[f64]); 9] = [
        (spec("first_name", Kind::Name, Some(1), Vec::new()), &[0.0, 5.0, 4.0, 3.0, 4.0, 3.0, 2.0, 0.0, -4.0]),
        (spec("last_name", Kind::Name, Some(0), Vec::new()), &[0.0, 6.0, 5.0, 4.0, 4.0, 3.0, 3.0, 0.0, -4.0]),
        (spec("known_as", Kind::Names, None, vec![0]), &[0.0, 3.0, 2.0, 1.0, 0.0]),
        (spec("aliases", Kind::Names, None, vec![0, 1]), &[0.0, 3.0, 2.0, 1.0, 0.0]),
        (spec("date_of_birth", Kind::Date, None, Vec::new()), &[0.0, 9.0, 5.0, 5.0, 4.0, 3.0, -1.0, 1.0, -8.0]),
        (spec("sex", Kind::Category, None, Vec::new()), &[0.0, 1.0, -4.0]),
        (spec("nationality", Kind::Category, None, Vec::new()), &[0.0, 1.0, -2.0]),
        (spec("nhs_number", Kind::Identifier, None, Vec::new()), &[0.0, 12.0, 6.0, 3.0, -6.0]),
        (spec("chain_id", Kind::Reference, None, Vec::new()), &[0.0, 10.0, 0.0]),
    ];
    let specs: Vec<ComparisonSpec> = comparisons.iter().map(|(s, _)| s.clone()).collect();
    let model = Model {
        comparisons: comparisons
            .into_iter()
            .map(|(spec, weights)| {
                debug_assert_eq!(weights.len(), spec.kind.n_levels());
                ComparisonModel {
                    m: weights.iter().map(|w| w.exp2()).collect(),
                    u: vec![1.0; weights.len()],
                    spec,
                    depends_on: Vec::new(),
                }
            })
            .collect(),
        prior: 0.001,
        term_frequencies: vec![Vec::new(); 9],
    };
    (specs, (1..=9).collect(), model)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: i64, first: &str, last: &str, dob: Option<&str>, sex: &str) -> StoredRecord {
        StoredRecord {
            record_id: id,
            source: "chain".into(),
            source_id: format!("C{id}"),
            first_name: (!first.is_empty()).then(|| first.to_owned()),
            last_name: (!last.is_empty()).then(|| last.to_owned()),
            known_as: None,
            aliases: None,
            date_of_birth: dob.map(str::to_owned),
            gender: Some(sex.to_owned()),
            nationality: None,
            nhs_number: None,
            recorded_chain_id: None,
            usual_place: None,
            stays: None,
            fingerprint: id,
        }
    }

    #[test]
    fn without_a_model_a_typo_and_a_year_find_the_person_and_namesakes_born_apart_do_not() {
        let new = record(0, "Jon", "Smith", Some("1975"), "male");
        let candidates = [
            record(1, "John", "Smith", Some("1975-03-02"), "male"),
            record(2, "John", "Smith", Some("1990-07-11"), "male"),
            record(3, "Mary", "Smith", Some("1975-05-05"), "female"),
            record(4, "Smith", "John", Some("1975-03-02"), "male"),
        ];
        let found = likely_matches(&new, &candidates, None, 0.2).unwrap();
        let ids: Vec<i64> = found.iter().map(|m| m.record_id).collect();
        assert_eq!(ids.first(), Some(&1), "{found:?}");
        assert!(ids.contains(&4), "first and last name swapped: {found:?}");
        assert!(!ids.contains(&2) && !ids.contains(&3), "{found:?}");
        assert!(found.windows(2).all(|w| w[0].probability >= w[1].probability));
    }

    #[test]
    fn no_candidates_no_matches() {
        assert!(likely_matches(&record(0, "A", "B", None, "male"), &[], None, 0.2).unwrap().is_empty());
    }
}
