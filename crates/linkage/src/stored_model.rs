//! The trained model as stored with each run, so an incremental run scores new
//! records exactly as a full comparison with the same model would: the
//! comparisons and their columns, `m` and `u`, dependencies, the prior, the
//! term frequencies of every value (frozen, so old pairs keep their weights)
//! and the blocking rules.

use crate::blocking::{BlockingRule, KeyPart};
use crate::comparison::{ComparisonSpec, Kind};
use crate::engine::{Explanation, RuleReport};
use crate::error::EngineError;
use crate::model::{ComparisonModel, Model};
use crate::prepared::{Dataset, PreparedData, prepare_all};
use serde_json::{Value, json};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct PersistedModel {
    pub model: Model,
    /// The dataset column each comparison reads.
    pub columns: Vec<usize>,
    /// Per comparison with a term-frequency adjustment: each prepared value's share.
    pub frequencies: Vec<HashMap<String, f32>>,
    pub rules: Vec<BlockingRule>,
    pub rule_descriptions: Vec<String>,
}

fn key_text(part: &KeyPart) -> String {
    match *part {
        KeyPart::Exact(c) => format!("exact:{c}"),
        KeyPart::Prefix(c, n) => format!("prefix{n}:{c}"),
        KeyPart::Phonetic(c) => format!("sound:{c}"),
        KeyPart::Year(c) => format!("year:{c}"),
        KeyPart::EitherOrder(a, b) => format!("either:{a}:{b}"),
        KeyPart::NameAndInitial(a, b) => format!("name-and-initial:{a}:{b}"),
        KeyPart::LoneName(a, b) => format!("lone-name:{a}:{b}"),
    }
}

fn key_part(text: &str) -> Option<KeyPart> {
    for (prefix, part) in [
        ("either:", KeyPart::EitherOrder as fn(usize, usize) -> KeyPart),
        ("name-and-initial:", KeyPart::NameAndInitial),
        ("lone-name:", KeyPart::LoneName),
    ] {
        if let Some(pair) = text.strip_prefix(prefix) {
            let (a, b) = pair.split_once(':')?;
            return Some(part(a.parse().ok()?, b.parse().ok()?));
        }
    }
    let (how, c) = text.split_once(':')?;
    let c: usize = c.parse().ok()?;
    Some(match how {
        "exact" => KeyPart::Exact(c),
        "sound" => KeyPart::Phonetic(c),
        "year" => KeyPart::Year(c),
        prefix => KeyPart::Prefix(c, prefix.strip_prefix("prefix")?.parse().ok()?),
    })
}

impl PersistedModel {
    pub fn capture(
        model: &Model,
        data: &PreparedData,
        columns: &[usize],
        rules: &[BlockingRule],
        reports: &[RuleReport],
    ) -> Self {
        let frequencies = model
            .term_frequencies
            .iter()
            .enumerate()
            .map(|(c, shares)| {
                let mut table = HashMap::new();
                for (record, share) in (0..data.len() as u32).zip(shares) {
                    let value = data.value(record, c);
                    if !value.is_missing() {
                        table.insert(value.text.to_string(), *share);
                    }
                }
                table
            })
            .collect();
        Self {
            model: model.clone(),
            columns: columns.to_vec(),
            frequencies,
            rules: rules.to_vec(),
            rule_descriptions: reports.iter().map(|r| r.description.clone()).collect(),
        }
    }

    pub fn to_json(&self) -> String {
        let comparisons: Vec<Value> = self
            .model
            .comparisons
            .iter()
            .zip(&self.columns)
            .zip(&self.frequencies)
            .map(|((c, column), frequencies)| {
                json!({
                    "name": c.spec.name,
                    "column": column,
                    "kind": c.spec.kind.code(),
                    "swap_with": c.spec.swap_with,
                    "term_frequency": c.spec.term_frequency,
                    "own_name": c.spec.own_name,
                    "m": c.m,
                    "u": c.u,
                    "depends_on": c.depends_on,
                    "frequencies": frequencies,
                })
            })
            .collect();
        let rules: Vec<Vec<String>> = self.rules.iter().map(|r| r.parts.iter().map(key_text).collect()).collect();
        json!({
            "version": 1,
            "prior": self.model.prior,
            "comparisons": comparisons,
            "rules": rules,
            "rule_descriptions": self.rule_descriptions,
        })
        .to_string()
    }

    pub fn from_json(text: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let bad = |what: &str| format!("stored model: {what}");
        if value["version"] != 1 {
            return Err(bad("unknown version"));
        }
        let floats = |v: &Value| -> Result<Vec<f64>, String> {
            v.as_array().ok_or_else(|| bad("m or u"))?.iter().map(|x| x.as_f64().ok_or_else(|| bad("m or u"))).collect()
        };
        let mut comparisons = Vec::new();
        let mut columns = Vec::new();
        let mut frequencies = Vec::new();
        for c in value["comparisons"].as_array().ok_or_else(|| bad("comparisons"))? {
            let kind = Kind::parse(c["kind"].as_str().unwrap_or_default()).ok_or_else(|| bad("kind"))?;
            let spec = ComparisonSpec {
                name: c["name"].as_str().ok_or_else(|| bad("name"))?.to_owned(),
                kind,
                swap_with: c["swap_with"].as_u64().map(|s| s as usize),
                term_frequency: c["term_frequency"].as_bool().unwrap_or(false),
                own_name: c["own_name"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|v| v.as_u64().map(|v| v as usize)).collect())
                    .unwrap_or_default(),
            };
            // A list of `[comparison, u]`, or one such pair as models stored before there could be two.
            let parent = |pair: &[Value]| -> Result<(usize, f64), String> {
                Ok((pair[0].as_u64().ok_or_else(|| bad("depends_on"))? as usize, pair[1].as_f64().unwrap_or(0.0)))
            };
            let depends_on = match &c["depends_on"] {
                Value::Array(pair) if pair.len() == 2 && pair[0].is_u64() => vec![parent(pair)?],
                Value::Array(list) => list
                    .iter()
                    .map(|p| match p.as_array() {
                        Some(pair) if pair.len() == 2 => parent(pair),
                        _ => Err(bad("depends_on")),
                    })
                    .collect::<Result<_, _>>()?,
                _ => Vec::new(),
            };
            comparisons.push(ComparisonModel { spec, m: floats(&c["m"])?, u: floats(&c["u"])?, depends_on });
            columns.push(c["column"].as_u64().ok_or_else(|| bad("column"))? as usize);
            let table: HashMap<String, f32> = c["frequencies"]
                .as_object()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_f64().unwrap_or(0.0) as f32)).collect())
                .unwrap_or_default();
            frequencies.push(table);
        }
        let mut rules = Vec::new();
        for rule in value["rules"].as_array().ok_or_else(|| bad("rules"))? {
            let parts = rule
                .as_array()
                .ok_or_else(|| bad("rule"))?
                .iter()
                .map(|p| p.as_str().and_then(key_part).ok_or_else(|| bad("rule key")))
                .collect::<Result<Vec<_>, _>>()?;
            rules.push(BlockingRule::new(parts));
        }
        let rule_descriptions = value["rule_descriptions"]
            .as_array()
            .map(|a| a.iter().filter_map(|d| d.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        Ok(Self {
            model: Model {
                comparisons,
                prior: value["prior"].as_f64().ok_or_else(|| bad("prior"))?,
                term_frequencies: Vec::new(),
            },
            columns,
            frequencies,
            rules,
            rule_descriptions,
        })
    }

    /// Prepares today's records for the stored model and gives the model their term frequencies.
    pub fn restore(&self, dataset: &Dataset) -> Result<(PreparedData, Model), EngineError> {
        let specs: Vec<ComparisonSpec> = self.model.comparisons.iter().map(|c| c.spec.clone()).collect();
        let data = prepare_all(dataset, specs, &self.columns, false)?;
        let mut model = self.model.clone();
        model.term_frequencies = self
            .model
            .comparisons
            .iter()
            .enumerate()
            .map(|(c, comparison)| {
                if !comparison.spec.term_frequency {
                    return Vec::new();
                }
                let table = &self.frequencies[c];
                // A value never seen in training is as rare as the rarest that was.
                let rarest = table.values().copied().fold(f32::INFINITY, f32::min);
                let rarest = if rarest.is_finite() { rarest } else { 0.0 };
                (0..data.len() as u32)
                    .map(|r| {
                        let value = data.value(r, c);
                        if value.is_missing() { 0.0 } else { table.get(&*value.text).copied().unwrap_or(rarest) }
                    })
                    .collect()
            })
            .collect();
        Ok((data, model))
    }
}

/// An explanation as JSON: the prior, each comparison's level, values and weight, the total.
pub fn explanation_json(explanation: &Explanation) -> String {
    let terms: Vec<Value> = explanation
        .terms
        .iter()
        .map(|(name, level, left, right, term)| {
            json!({
                "comparison": name,
                "level": level,
                "left": left,
                "right": right,
                "m": term.m,
                "u": term.u,
                "weight": term.weight,
                "term_frequency_adjustment": term.term_frequency_adjustment,
            })
        })
        .collect();
    json!({
        "prior": explanation.prior,
        "prior_weight": explanation.prior_weight,
        "terms": terms,
        "weight": explanation.weight,
        "probability": explanation.probability,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(depends_on: &str) -> String {
        let comparison = |name: &str, kind: &str, column: usize, depends_on: &str| {
            format!(
                r#"{{"name":"{name}","column":{column},"kind":"{kind}","m":[0,0.9,0.1],"u":[0,0.1,0.9],"depends_on":{depends_on}}}"#
            )
        };
        format!(
            r#"{{"version":1,"prior":0.001,"rules":[],"comparisons":[{},{},{}]}}"#,
            comparison("first_name", "category", 0, "null"),
            comparison("last_name", "category", 1, "null"),
            comparison("nationality", "category", 2, depends_on)
        )
    }

    #[test]
    fn a_model_stored_with_one_dependency_or_two_reads_back() {
        let old = PersistedModel::from_json(&stored("[1,0.8]")).unwrap();
        assert_eq!(old.model.comparisons[2].depends_on, [(1, 0.8)], "a model stored before there could be two");
        let new = PersistedModel::from_json(&stored("[[1,0.8],[0,0.7]]")).unwrap();
        assert_eq!(new.model.comparisons[2].depends_on, [(1, 0.8), (0, 0.7)]);
        assert_eq!(
            PersistedModel::from_json(&new.to_json()).unwrap().model.comparisons[2].depends_on,
            [(1, 0.8), (0, 0.7)]
        );
        assert!(PersistedModel::from_json(&stored("[[1]]")).is_err());
    }
}
