//! The access rules, in one place below the web layer. Every read of a person's details asks
//! [`decide`] first; the caller then writes the audit entry with the decision's basis. The rules
//! (DOMAIN.md section 8, written out in ARCHITECTURE.md):
//!
//! - A user of an organisation that **works with the person** (has recorded a contact, stay or
//!   assessment, or is the lead) sees the full case record.
//! - Another organisation's user sees the full record only under a **current
//!   `case_coordination` consent** that covers their organisation (given to all partners or to
//!   that organisation by name, not expired, not withdrawn). Otherwise a **minimal entry**:
//!   initials, age band, area and date last seen, and which organisation to contact.
//! - A `health_partner` sees needs and health events only under a current `health_care`
//!   consent covering their organisation (or when their organisation works with the person).
//! - An `analyst` sees pseudonymised person-level data for statistics, and identifiable records
//!   only in the linkage review queue ([`can_review_links`]).
//! - A `strategic_viewer` sees figures only; an `admin` manages accounts and sees no person data.
//! - **Break-glass**: any frontline user may open a full record in an emergency (vital
//!   interests, safeguarding) with a reason, which is shown to their organisation's
//!   data-protection lead.
//!
//! Pure: the facts about the person, the viewer and the day come in; a decision comes out.

use crate::org::Role;
use std::fmt;
use time::Date;

/// What a user sees of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonView {
    /// The case record: name, timeline, needs, places, plans, consent, source records.
    Full,
    /// Name and date of birth to identify the person, needs and health events: for health care.
    Health,
    /// Initials, age band, area and date last seen, and which organisation to contact.
    Minimal,
    /// A pseudonym, age band, area, needs and dates: person-level data for statistics.
    Pseudonymised,
    /// Nothing about the person at all.
    None,
}

impl PersonView {
    pub fn code(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Health => "health",
            Self::Minimal => "minimal",
            Self::Pseudonymised => "pseudonymised",
            Self::None => "none",
        }
    }

    /// Whether the person's name is shown.
    pub fn names(self) -> bool {
        matches!(self, Self::Full | Self::Health)
    }
}

/// The purposes consent is given for (DOMAIN.md section 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Purpose {
    CaseCoordination,
    HealthCare,
    ResearchStatistics,
}

impl Purpose {
    pub const ALL: [Self; 3] = [Self::CaseCoordination, Self::HealthCare, Self::ResearchStatistics];

    pub fn code(self) -> &'static str {
        match self {
            Self::CaseCoordination => "case_coordination",
            Self::HealthCare => "health_care",
            Self::ResearchStatistics => "research_statistics",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::CaseCoordination => "Case coordination",
            Self::HealthCare => "Health care",
            Self::ResearchStatistics => "Research and statistics",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == text.trim())
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One consent as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub purpose: Purpose,
    /// `None`: given to all partners; otherwise the organisations named.
    pub organisations: Option<Vec<i64>>,
    pub given_on: Date,
    pub expires_on: Option<Date>,
    /// Withdrawal takes effect at once: from this day on, the consent counts for nothing.
    pub withdrawn_on: Option<Date>,
}

/// Where a consent stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentState {
    Current,
    NotYetGiven,
    Expired,
    Withdrawn,
}

impl Consent {
    pub fn state(&self, today: Date) -> ConsentState {
        if self.withdrawn_on.is_some_and(|w| w <= today) {
            ConsentState::Withdrawn
        } else if self.given_on > today {
            ConsentState::NotYetGiven
        } else if self.expires_on.is_some_and(|e| e <= today) {
            ConsentState::Expired
        } else {
            ConsentState::Current
        }
    }

    pub fn covers(&self, organisation: i64) -> bool {
        self.organisations.as_ref().is_none_or(|orgs| orgs.contains(&organisation))
    }
}

/// Whether any consent for `purpose` is current on `today` and covers `organisation`.
pub fn consented(consents: &[Consent], purpose: Purpose, organisation: i64, today: Date) -> bool {
    consents.iter().any(|c| c.purpose == purpose && c.covers(organisation) && c.state(today) == ConsentState::Current)
}

/// Who is looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    pub role: Role,
    pub organisation: i64,
}

/// What is known about the person that bears on access.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonFacts {
    /// Organisations that work with the person: recorded a contact, stay, assessment or health
    /// event, or lead on them.
    pub working_organisations: Vec<i64>,
    pub consents: Vec<Consent>,
    /// The viewer opened the record with break-glass, and that access is still open.
    pub break_glass: bool,
}

/// Why the view is what it is: written to the audit log with every view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    WorksWithPerson,
    Consent(Purpose),
    BreakGlass,
    NoConsent,
    Statistics,
    NoPersonData,
}

impl Basis {
    pub fn code(self) -> &'static str {
        match self {
            Self::WorksWithPerson => "works_with_person",
            Self::Consent(Purpose::CaseCoordination) => "consent_case_coordination",
            Self::Consent(Purpose::HealthCare) => "consent_health_care",
            Self::Consent(Purpose::ResearchStatistics) => "consent_research_statistics",
            Self::BreakGlass => "break_glass",
            Self::NoConsent => "no_consent",
            Self::Statistics => "statistics",
            Self::NoPersonData => "no_person_data",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub view: PersonView,
    pub basis: Basis,
}

/// Roles whose daily work is with named people: they may use break-glass.
pub fn is_frontline(role: Role) -> bool {
    matches!(role, Role::OutreachWorker | Role::ServiceLead | Role::ServiceLeader | Role::HealthPartner)
}

/// What `viewer` may see of a person on `today`.
pub fn decide(viewer: Viewer, person: &PersonFacts, today: Date) -> Decision {
    let works_with = person.working_organisations.contains(&viewer.organisation);
    let consent = |purpose| consented(&person.consents, purpose, viewer.organisation, today);
    let decision = |view, basis| Decision { view, basis };
    match viewer.role {
        Role::Admin | Role::StrategicViewer => decision(PersonView::None, Basis::NoPersonData),
        Role::Analyst => decision(PersonView::Pseudonymised, Basis::Statistics),
        Role::HealthPartner => {
            if person.break_glass {
                decision(PersonView::Full, Basis::BreakGlass)
            } else if works_with {
                decision(PersonView::Health, Basis::WorksWithPerson)
            } else if consent(Purpose::HealthCare) {
                decision(PersonView::Health, Basis::Consent(Purpose::HealthCare))
            } else {
                decision(PersonView::Minimal, Basis::NoConsent)
            }
        }
        Role::OutreachWorker | Role::ServiceLead | Role::ServiceLeader => {
            if works_with {
                decision(PersonView::Full, Basis::WorksWithPerson)
            } else if consent(Purpose::CaseCoordination) {
                decision(PersonView::Full, Basis::Consent(Purpose::CaseCoordination))
            } else if person.break_glass {
                decision(PersonView::Full, Basis::BreakGlass)
            } else {
                decision(PersonView::Minimal, Basis::NoConsent)
            }
        }
    }
}

/// Who works the linkage review queue and may merge and split persons. Analysts see
/// identifiable records only here; service leads, who run case conferences, fix the
/// persons their teams find joined or split wrongly.
pub fn can_review_links(role: Role) -> bool {
    matches!(role, Role::Analyst | Role::ServiceLead)
}

/// Whether a user sees the identities (names, dates of birth, ids) of a person's source records
/// and why they were linked. Those who see the full record do. A reviewer who does not (an
/// analyst sees only a pseudonym; a service lead may see only the minimal entry) sees them only
/// where the work needs them: the person has a record in a pair of the review queue, or in a
/// decision the reviewer made. Otherwise an analyst could walk the linkage pages over every id
/// and undo the pseudonymised list.
pub fn sees_linkage_identities(role: Role, view: PersonView, in_review: bool) -> bool {
    view == PersonView::Full || (can_review_links(role) && in_review)
}

/// Whether a user may merge two persons. Both must be persons whose identities the user sees
/// ([`sees_linkage_identities`]), and, unless the user sees both full records, the linkage
/// must have scored a pair between their records at or above the review threshold: otherwise a
/// merge with anyone at all would open the other person's timeline to the user's organisation.
pub fn may_merge(role: Role, views: [PersonView; 2], in_review: [bool; 2], scored_pair_between: bool) -> bool {
    can_review_links(role)
        && sees_linkage_identities(role, views[0], in_review[0])
        && sees_linkage_identities(role, views[1], in_review[1])
        && (views == [PersonView::Full, PersonView::Full] || scored_pair_between)
}

/// Who reads the partnership's figures (no person data): analysts, the Strategic Group, and
/// the leads and leaders who answer for them.
pub fn can_see_statistics(role: Role) -> bool {
    matches!(role, Role::Analyst | Role::StrategicViewer | Role::ServiceLead | Role::ServiceLeader)
}

/// Who sees the by-name list at all (each row then as [`decide`] says).
pub fn can_see_by_name_list(role: Role) -> bool {
    !matches!(role, Role::Admin | Role::StrategicViewer)
}

/// Who records contacts, actions, consent and escalations on people.
pub fn can_record(role: Role) -> bool {
    matches!(role, Role::OutreachWorker | Role::ServiceLead | Role::ServiceLeader | Role::HealthPartner)
}

/// Who assigns the lead organisation and worker.
pub fn can_assign_lead(role: Role) -> bool {
    matches!(role, Role::ServiceLead)
}

/// Who reads the case conference agenda: the Service Delivery Leads meeting (service leads and
/// service leaders) and the Strategic Group. Each person on it is then shown as [`decide`] says.
pub fn can_see_agenda(role: Role) -> bool {
    matches!(role, Role::ServiceLead | Role::ServiceLeader | Role::StrategicViewer)
}

/// Who manages accounts.
pub fn can_manage_users(role: Role) -> bool {
    role == Role::Admin
}

/// Who records the partnership's data-sharing agreements: administrators and each organisation's
/// data-protection lead.
pub fn can_record_agreements(role: Role, data_protection_lead: bool) -> bool {
    role == Role::Admin || data_protection_lead
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2024 - 06 - 15);
    const MINE: i64 = 1;
    const OTHER: i64 = 2;

    // `NotYetGiven` reads as the consent state it stands for.
    #[allow(clippy::enum_variant_names)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Given {
        None,
        Current,
        Expired,
        Withdrawn,
        OtherPurpose,
        OtherOrganisation,
        NotYetGiven,
    }

    const GIVEN: [Given; 7] = [
        Given::None,
        Given::Current,
        Given::Expired,
        Given::Withdrawn,
        Given::OtherPurpose,
        Given::OtherOrganisation,
        Given::NotYetGiven,
    ];

    fn consents(given: Given, purpose: Purpose) -> Vec<Consent> {
        let other = Purpose::ALL.into_iter().find(|p| *p != purpose && *p != Purpose::ResearchStatistics).unwrap();
        let consent = |purpose, organisations, given_on, expires_on, withdrawn_on| Consent {
            purpose,
            organisations,
            given_on,
            expires_on,
            withdrawn_on,
        };
        match given {
            Given::None => vec![],
            Given::Current => vec![consent(purpose, None, date!(2024 - 01 - 01), Some(date!(2025 - 01 - 01)), None)],
            Given::Expired => vec![consent(purpose, None, date!(2023 - 01 - 01), Some(TODAY), None)],
            Given::Withdrawn => vec![consent(purpose, None, date!(2024 - 01 - 01), None, Some(TODAY))],
            Given::OtherPurpose => vec![
                consent(other, None, date!(2024 - 01 - 01), None, None),
                consent(Purpose::ResearchStatistics, None, date!(2024 - 01 - 01), None, None),
            ],
            Given::OtherOrganisation => vec![consent(purpose, Some(vec![OTHER]), date!(2024 - 01 - 01), None, None)],
            Given::NotYetGiven => vec![consent(purpose, Some(vec![MINE]), date!(2024 - 07 - 01), None, None)],
        }
    }

    /// The rules as a table, written independently of [`decide`]: every role, with and without
    /// a working relationship, every consent state, with and without break-glass.
    fn expected(role: Role, works_with: bool, given: Given, break_glass: bool) -> PersonView {
        let current = given == Given::Current;
        match role {
            Role::Admin | Role::StrategicViewer => PersonView::None,
            Role::Analyst => PersonView::Pseudonymised,
            Role::HealthPartner if break_glass => PersonView::Full,
            Role::HealthPartner if works_with || current => PersonView::Health,
            Role::HealthPartner => PersonView::Minimal,
            _ if works_with || current || break_glass => PersonView::Full,
            _ => PersonView::Minimal,
        }
    }

    #[test]
    fn every_role_relationship_consent_state_and_break_glass_gives_exactly_the_view_of_the_rules() {
        let mut checked = 0;
        for role in Role::ALL {
            let purpose = if role == Role::HealthPartner { Purpose::HealthCare } else { Purpose::CaseCoordination };
            for works_with in [false, true] {
                for given in GIVEN {
                    for break_glass in [false, true] {
                        let person = PersonFacts {
                            working_organisations: if works_with { vec![OTHER, MINE] } else { vec![OTHER] },
                            consents: consents(given, purpose),
                            break_glass,
                        };
                        let got = decide(Viewer { role, organisation: MINE }, &person, TODAY);
                        assert_eq!(
                            got.view,
                            expected(role, works_with, given, break_glass),
                            "{role} works_with={works_with} consent={given:?} break_glass={break_glass}: {got:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 7 * 2 * 7 * 2);
    }

    #[test]
    fn a_consent_for_case_coordination_never_opens_health_events_and_the_reverse() {
        let person = |purpose| PersonFacts {
            working_organisations: vec![OTHER],
            consents: consents(Given::Current, purpose),
            break_glass: false,
        };
        let health = Viewer { role: Role::HealthPartner, organisation: MINE };
        let outreach = Viewer { role: Role::OutreachWorker, organisation: MINE };
        assert_eq!(decide(health, &person(Purpose::CaseCoordination), TODAY).view, PersonView::Minimal);
        assert_eq!(decide(outreach, &person(Purpose::HealthCare), TODAY).view, PersonView::Minimal);
        assert_eq!(decide(outreach, &person(Purpose::ResearchStatistics), TODAY).view, PersonView::Minimal);
    }

    #[test]
    fn withdrawal_and_expiry_take_effect_on_their_day() {
        let mut consent = consents(Given::Current, Purpose::CaseCoordination).remove(0);
        assert_eq!(consent.state(TODAY), ConsentState::Current);
        consent.withdrawn_on = Some(TODAY);
        assert_eq!(consent.state(TODAY), ConsentState::Withdrawn);
        consent.withdrawn_on = None;
        consent.expires_on = Some(TODAY + time::Duration::days(1));
        assert_eq!(consent.state(TODAY), ConsentState::Current, "the last day of a consent still counts");
        assert_eq!(consent.state(TODAY + time::Duration::days(1)), ConsentState::Expired);
    }

    #[test]
    fn the_basis_says_why() {
        let viewer = Viewer { role: Role::OutreachWorker, organisation: MINE };
        let works = PersonFacts { working_organisations: vec![MINE], ..PersonFacts::default() };
        assert_eq!(decide(viewer, &works, TODAY).basis, Basis::WorksWithPerson);
        let glass = PersonFacts { break_glass: true, ..PersonFacts::default() };
        assert_eq!(decide(viewer, &glass, TODAY).basis, Basis::BreakGlass);
        assert_eq!(decide(viewer, &PersonFacts::default(), TODAY).basis, Basis::NoConsent);
    }

    #[test]
    fn linkage_identities_follow_the_record_or_the_review_work_and_a_merge_needs_both_and_a_scored_pair() {
        use PersonView::*;
        for role in Role::ALL {
            for view in [Full, Health, Minimal, Pseudonymised, None] {
                for in_review in [false, true] {
                    let expected = view == Full || (in_review && matches!(role, Role::Analyst | Role::ServiceLead));
                    assert_eq!(sees_linkage_identities(role, view, in_review), expected, "{role} {view:?} {in_review}");
                }
            }
        }
        let lead = Role::ServiceLead;
        assert!(may_merge(lead, [Full, Full], [false, false], false), "both records seen");
        assert!(!may_merge(lead, [Full, Minimal], [false, false], true), "the other's identity is not seen");
        assert!(!may_merge(lead, [Full, Minimal], [false, true], false), "no scored pair between them");
        assert!(may_merge(lead, [Full, Minimal], [false, true], true), "a pair in the queue");
        assert!(may_merge(Role::Analyst, [Pseudonymised, Pseudonymised], [true, true], true));
        assert!(!may_merge(Role::Analyst, [Pseudonymised, Pseudonymised], [true, true], false));
        assert!(!may_merge(Role::OutreachWorker, [Full, Full], [true, true], true), "not a reviewer");
    }

    #[test]
    fn only_analysts_and_service_leads_review_links() {
        let reviewers: Vec<_> = Role::ALL.into_iter().filter(|&r| can_review_links(r)).map(Role::code).collect();
        assert_eq!(reviewers, ["service_lead", "analyst"]);
    }
}
