//! Guessing what each column of an unknown CSV holds, from its name and its
//! values, so `byname link csv` works without a settings file.

use crate::comparison::ComparisonSpec;
use crate::comparison::Kind;
use crate::prepared::Dataset;

/// The kind of a column, or `None` for a column that should not be compared
/// (an id, a column with no values, one value for everybody).
#[cfg(test)]
pub fn infer_kind(name: &str, values: &[Option<&str>]) -> Option<Kind> {
    let present: Vec<&str> = values.iter().flatten().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
    let mut distinct: Vec<&str> = present.clone();
    distinct.sort_unstable();
    distinct.dedup();
    infer_kind_of_distinct(name, &distinct, present.len())
}

/// The kind of a column from its distinct values (trimmed, not blank) and
/// how many records have a value.
pub fn infer_kind_of_distinct(name: &str, distinct: &[&str], n_present: usize) -> Option<Kind> {
    let lower = name.to_lowercase().replace(['-', ' '], "_");
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if distinct.is_empty() {
        return None;
    }
    if distinct.len() == 1 {
        return None;
    }
    if has(&["rec_id", "record_id"]) || lower == "id" {
        return None;
    }
    if has(&["stays", "placements", "episodes", "admissions"]) {
        return Some(Kind::Stays);
    }
    if has(&["contacts", "sightings"]) {
        return Some(Kind::Contacts);
    }
    if has(&["alias", "known_as", "knownas", "aka", "other_name", "preferred_name", "nickname"]) {
        return Some(Kind::Names);
    }
    if has(&["given", "first", "forename", "surname", "last_name", "lastname", "family", "name"]) {
        return Some(Kind::Name);
    }
    if has(&["dob", "birth", "date"]) {
        return Some(Kind::Date);
    }
    if has(&["postcode", "post_code", "zip", "postal"]) {
        return Some(Kind::Postcode);
    }
    if has(&["nhs", "soc_sec", "ssn", "national_insurance", "ni_number", "passport", "number_id"]) {
        return Some(Kind::Identifier);
    }
    // Any other `*_id` or `*_ref` is a record id of some system, written down
    // by a worker: agreement links, but two of one system's records differ.
    if lower.ends_with("_id") || lower.ends_with("_ref") || lower.ends_with("_reference") {
        return Some(Kind::Reference);
    }
    if has(&["sex", "gender", "state", "region", "county", "nationality", "country", "place", "location", "borough"]) {
        return Some(Kind::Category);
    }
    // From the values: few distinct codes are categories, digit strings identifiers, the rest text.
    let share_distinct = distinct.len() as f64 / n_present as f64;
    let all_digits = distinct.iter().all(|v| v.chars().all(|c| c.is_ascii_digit() || c == ' '));
    if distinct.len() <= 20 || share_distinct < 0.001 {
        return Some(Kind::Category);
    }
    if all_digits {
        let typical = distinct.iter().map(|v| v.len()).max().unwrap_or(0);
        if typical == 8 && distinct.iter().all(|v| v.starts_with("19") || v.starts_with("20")) {
            return Some(Kind::Date);
        }
        return Some(if typical >= 5 { Kind::Identifier } else { Kind::Category });
    }
    Some(Kind::Text)
}

/// Comparisons for every column of a dataset but the id, as inferred: the
/// specs, the dataset column each reads, and the columns left out. Names are
/// adjusted for how common they are, and the halves of a name are paired.
pub fn infer_comparisons(dataset: &Dataset, id_column: usize) -> (Vec<ComparisonSpec>, Vec<usize>, Vec<String>) {
    let mut specs = Vec::new();
    let mut columns = Vec::new();
    let mut ignored = Vec::new();
    for (c, name) in dataset.columns.iter().enumerate() {
        if c == id_column {
            continue;
        }
        let column = &dataset.values[c];
        let distinct: Vec<&str> = (1..column.n_distinct() as u32).map(|v| column.distinct(v)).collect();
        let n_present = column.of_record().iter().filter(|&&v| v != 0).count();
        match infer_kind_of_distinct(name, &distinct, n_present) {
            Some(kind) => {
                specs.push(ComparisonSpec {
                    name: name.clone(),
                    kind,
                    swap_with: None,
                    term_frequency: kind == Kind::Name,
                    own_name: Vec::new(),
                });
                columns.push(c);
            }
            None => ignored.push(name.clone()),
        }
    }
    let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
    let kinds: Vec<Kind> = specs.iter().map(|s| s.kind).collect();
    for (c, spec) in specs.iter_mut().enumerate() {
        spec.swap_with = name_partner(&names, &kinds, c);
    }
    for c in 0..specs.len() {
        if specs[c].kind == Kind::Names {
            let values: Vec<Option<&str>> = (0..dataset.len()).map(|r| dataset.value(r, columns[c])).collect();
            specs[c].own_name = own_name(&names, &kinds, &values);
        }
    }
    (specs, columns, ignored)
}

/// The name comparisons that make a record's own name, to compare with a list
/// of other names: first and last name when the list holds whole names
/// (aliases), the first name alone when it holds single names (known-as).
pub fn own_name(names: &[String], kinds: &[Kind], values: &[Option<&str>]) -> Vec<usize> {
    let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let find = |words: &[&str]| {
        (0..names.len()).find(|&j| kinds[j] == Kind::Name && words.iter().any(|w| lower[j].contains(w)))
    };
    let first = find(&["given", "first", "forename"]);
    let last = find(&["surname", "last", "family"]);
    let present: Vec<&str> = values.iter().flatten().map(|v| v.trim()).filter(|v| !v.is_empty()).collect();
    let whole = present.iter().filter(|v| v.contains(' ')).count() * 2 > present.len();
    match (first, last, whole) {
        (Some(first), Some(last), true) => vec![first, last],
        (Some(first), _, _) => vec![first],
        (None, Some(last), true) => vec![last],
        _ => Vec::new(),
    }
}

/// Columns that hold the two halves of a name, to recognise swaps.
pub fn name_partner(names: &[String], kinds: &[Kind], index: usize) -> Option<usize> {
    let lower = |i: usize| names[i].to_lowercase();
    let is_first = |s: &str| s.contains("given") || s.contains("first") || s.contains("forename");
    let is_last = |s: &str| s.contains("surname") || s.contains("last") || s.contains("family");
    let me = lower(index);
    (0..names.len()).find(|&j| {
        j != index
            && kinds[j] == Kind::Name
            && ((is_first(&me) && is_last(&lower(j))) || (is_last(&me) && is_first(&lower(j))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(name: &str, values: &[&str]) -> Option<Kind> {
        let values: Vec<Option<&str>> = values.iter().map(|v| Some(*v)).collect();
        infer_kind(name, &values)
    }

    #[test]
    fn febrl_columns_are_recognised() {
        assert_eq!(kind("given_name", &["ann", "bob"]), Some(Kind::Name));
        assert_eq!(kind("surname", &["lee", "smith"]), Some(Kind::Name));
        assert_eq!(kind("date_of_birth", &["19800101", "19751231"]), Some(Kind::Date));
        assert_eq!(kind("postcode", &["2000", "2913"]), Some(Kind::Postcode));
        assert_eq!(kind("soc_sec_id", &["1234567", "7654321"]), Some(Kind::Identifier));
        assert_eq!(kind("state", &["nsw", "vic"]), Some(Kind::Category));
        assert_eq!(kind("rec_id", &["rec-1-org", "rec-2-org"]), None);
        assert_eq!(kind("empty", &["", ""]), None);
        let many: Vec<String> = (0..100).map(|i| format!("{} main street", i * 7)).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(kind("address_1", &many), Some(Kind::Text));
    }

    #[test]
    fn other_names_references_and_places_are_recognised() {
        assert_eq!(kind("aliases", &["Johnny Smith;J Smyth", "Bill Jones"]), Some(Kind::Names));
        assert_eq!(kind("known_as", &["Bill", "Mo"]), Some(Kind::Names));
        assert_eq!(kind("chain_id", &["C0010001", "C0010002"]), Some(Kind::Reference));
        assert_eq!(kind("stays", &["Pimlico Hostel|2022-08-02", "Victoria Hostel|2021-01-05"]), Some(Kind::Stays));
        assert_eq!(kind("contacts", &["Strand|2022-08-02", "|2021-01-05"]), Some(Kind::Contacts));
        assert_eq!(kind("soc_sec_id", &["1234567", "7654321"]), Some(Kind::Identifier), "a personal number stays one");
        let places: Vec<String> = (0..40).map(|i| format!("Place {i}")).collect();
        let places: Vec<&str> = places.iter().map(String::as_str).collect();
        assert_eq!(kind("usual_place", &places), Some(Kind::Category));
    }

    #[test]
    fn aliases_compare_with_the_whole_name_and_known_as_with_the_first() {
        let names: Vec<String> = ["first_name", "last_name", "aliases", "known_as"].map(String::from).to_vec();
        let kinds = [Kind::Name, Kind::Name, Kind::Names, Kind::Names];
        assert_eq!(own_name(&names, &kinds, &[Some("Johnny Smith;J Smyth"), None]), [0, 1]);
        assert_eq!(own_name(&names, &kinds, &[Some("Bill"), Some("Mo")]), [0]);
    }
}
