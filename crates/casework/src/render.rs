//! The casework's results in a file format: the by-name list as CSV, its columns a public
//! interface; a pair's explanation as a waterfall in text or as JSON; a subject access export as
//! JSON. The use cases return typed values (`by_name_list::by_name_list_export`,
//! `review::explain_records`, `audit::subject_access`); how a download or a command's output
//! reads is written here.

use crate::audit::SubjectAccess;
use crate::by_name_list::ListEntry;
use crate::review::{ExplanationView, RecordsExplained, ReviewError};
use byname_domain::access::PersonView;
use byname_linkage::{WaterfallLine, waterfall_text};
use serde_json::{Value, json};

/// The by-name list as CSV, one row per entry as the access rules allowed it: a pseudonymised
/// row has no person number.
pub fn by_name_list_csv(entries: &[ListEntry]) -> String {
    use byname_report::csv_out::Cell::{Number, Text};
    let mut out = byname_report::csv_out::CsvText::new(&[
        "person",
        "view",
        "name",
        "age_band",
        "last_seen",
        "last_place",
        "times_seen",
        "lead",
        "needs",
        "why",
    ]);
    for e in entries {
        let person = if e.view == PersonView::Pseudonymised { String::new() } else { e.person_id.to_string() };
        out.row(&[
            Number(&person),
            Text(e.view.code()),
            Text(&e.name),
            Text(e.age_band.label()),
            Text(&e.last_seen),
            Text(&e.last_place),
            Number(&e.times_seen.map(|n| n.to_string()).unwrap_or_default()),
            Text(&e.lead),
            Text(&e.needs.join("; ")),
            Text(&e.why),
        ]);
    }
    out.finish()
}

/// A pair's stored explanation as JSON, as it was stored.
pub fn explanation_json(explained: &RecordsExplained) -> String {
    format!("{}\n", explained.explanation)
}

/// A pair's explanation as a waterfall in text: the prior, each comparison's weight, the total.
pub fn explanation_waterfall(explained: &RecordsExplained) -> Result<String, ReviewError> {
    let RecordsExplained { left, right, .. } = explained;
    let explanation = ExplanationView::parse(&explained.explanation).ok_or_else(|| {
        ReviewError::Invalid("the stored explanation is unreadable; run byname link --recompare".into())
    })?;
    let lines: Vec<WaterfallLine<'_>> = explanation
        .terms
        .iter()
        .map(|t| WaterfallLine {
            comparison: &t.comparison,
            level: &t.level,
            left: &t.left,
            right: &t.right,
            m: t.m,
            u: t.u,
            weight: t.weight,
            term_frequency_adjustment: t.term_frequency_adjustment,
        })
        .collect();
    let waterfall = waterfall_text(
        explanation.prior,
        explanation.prior_weight,
        &lines,
        explanation.weight,
        explanation.probability,
    );
    Ok(format!("{left} and {right}\n{waterfall}"))
}

/// A subject access export as JSON: the person as byname shows them, then every row of every
/// table that holds data on them.
pub fn subject_access_json(export: &SubjectAccess) -> Value {
    json!({
        "person_id": export.person_id,
        "exported_at": export.exported_at,
        "records": export.records.iter().map(|r| json!({
            "source": r.source, "source_id": r.source_id, "first_name": r.first_name, "last_name": r.last_name,
            "known_as": r.known_as, "aliases": r.aliases, "date_of_birth": r.date_of_birth, "gender": r.gender,
            "nationality": r.nationality, "nhs_number": r.nhs_number, "linked_because": r.rule,
        })).collect::<Vec<_>>(),
        "needs": export.needs,
        "timeline": export.timeline,
        "consents": export.consents,
        "lead": export.lead,
        "actions": export.actions,
        "restriction": export.restriction,
        "access_log": export.access_log.iter().map(|r| json!({
            "at": r.entry.at, "user_id": r.entry.user_id, "organisation_id": r.entry.organisation_id,
            "action": r.entry.action, "purpose": r.entry.purpose, "basis": r.entry.basis,
        })).collect::<Vec<_>>(),
        "tables": export.tables,
    })
}
