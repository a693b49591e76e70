//! The access rules, in one place below the web layer. Every read of a
//! person's details asks here first; the caller then writes the audit entry.
//!
//! Today the rules depend on the role alone. Consent per partner and purpose
//! (DOMAIN.md section 8) will narrow the full view further; until it exists,
//! only the roles whose daily work is with named people see names, and
//! everyone else sees the minimal entry (initials, age band, area, last seen).

use crate::org::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonView {
    /// Name, needs, places: the case record.
    Full,
    /// Initials, age band, area and date last seen, and who to contact.
    Minimal,
}

/// What a user of this role sees of people on the by-name list.
pub fn by_name_list_view(role: Role) -> PersonView {
    match role {
        Role::OutreachWorker | Role::ServiceLead | Role::ServiceLeader => PersonView::Full,
        Role::HealthPartner | Role::Analyst | Role::StrategicViewer | Role::Admin => PersonView::Minimal,
    }
}

/// Who works the linkage review queue and may merge and split persons. Analysts see
/// identifiable records only here; service leads, who run case conferences, fix the
/// persons their teams find joined or split wrongly.
pub fn can_review_links(role: Role) -> bool {
    matches!(role, Role::Analyst | Role::ServiceLead)
}

/// Who reads the partnership's figures (no person data): analysts, the Strategic Group, and
/// the leads and leaders who answer for them.
pub fn can_see_statistics(role: Role) -> bool {
    matches!(role, Role::Analyst | Role::StrategicViewer | Role::ServiceLead | Role::ServiceLeader)
}

/// What a user sees on a person's page: the case record or the minimal entry, plus the
/// source records and why they were linked for those who review links.
pub fn person_page_view(role: Role) -> PersonView {
    by_name_list_view(role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_analysts_and_service_leads_review_links() {
        let reviewers: Vec<_> = Role::ALL.into_iter().filter(|&r| can_review_links(r)).map(Role::code).collect();
        assert_eq!(reviewers, ["service_lead", "analyst"]);
    }

    #[test]
    fn only_case_working_roles_see_names() {
        let full: Vec<_> =
            Role::ALL.into_iter().filter(|&r| by_name_list_view(r) == PersonView::Full).map(Role::code).collect();
        assert_eq!(full, ["outreach_worker", "service_lead", "service_leader"]);
    }
}
