//! Recomputes persons from the stored records with the certain rules.
//! Runs after every import; persons keep their ids as records join them.

use byname_linkage::{Candidate, certain_links};
use byname_store::{Link, LinkChanges, Store};

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct LinkOutcome {
    pub records: usize,
    pub persons: usize,
    pub changes: LinkChanges,
}

pub async fn link_certain<S: Store>(store: &S, now: &str) -> byname_store::Result<LinkOutcome> {
    let inputs = store.link_inputs().await?;
    let candidates: Vec<Candidate> = inputs
        .into_iter()
        .map(|r| Candidate {
            record_id: r.record_id,
            source: r.source,
            source_id: r.source_id,
            first_name: r.first_name,
            last_name: r.last_name,
            date_of_birth: r.date_of_birth,
            nhs_number: r.nhs_number,
            recorded_chain_id: r.recorded_chain_id,
        })
        .collect();
    let assignments = certain_links(&candidates);
    let links: Vec<Link> = assignments
        .iter()
        .map(|a| Link { record_id: a.record_id, person_id: a.person_id, rule: a.rule.code().to_owned() })
        .collect();
    let persons = links.iter().map(|l| l.person_id).collect::<std::collections::HashSet<_>>().len();
    let changes = store.replace_links(&links, now).await?;
    Ok(LinkOutcome { records: links.len(), persons, changes })
}
