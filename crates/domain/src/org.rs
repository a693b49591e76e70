//! Organisations of the partnership, and the roles their users hold.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    OutreachWorker,
    ServiceLead,
    ServiceLeader,
    HealthPartner,
    Analyst,
    StrategicViewer,
    Admin,
}

impl Role {
    pub const ALL: [Self; 7] = [
        Self::OutreachWorker,
        Self::ServiceLead,
        Self::ServiceLeader,
        Self::HealthPartner,
        Self::Analyst,
        Self::StrategicViewer,
        Self::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::OutreachWorker => "outreach_worker",
            Self::ServiceLead => "service_lead",
            Self::ServiceLeader => "service_leader",
            Self::HealthPartner => "health_partner",
            Self::Analyst => "analyst",
            Self::StrategicViewer => "strategic_viewer",
            Self::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::OutreachWorker => "Outreach worker",
            Self::ServiceLead => "Service delivery lead",
            Self::ServiceLeader => "Service leader",
            Self::HealthPartner => "Health partner",
            Self::Analyst => "Analyst",
            Self::StrategicViewer => "Strategic Group member",
            Self::Admin => "Administrator",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == input.trim())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The service areas blockages are escalated to, each answered for by service leaders.
pub const SERVICE_AREAS: [(&str, &str); 8] = [
    ("adult_social_care", "Adult social care"),
    ("substance_misuse", "Substance misuse"),
    ("health", "Health"),
    ("mental_health", "Mental health"),
    ("housing", "Housing"),
    ("immigration_advice", "Immigration advice"),
    ("police", "Police"),
    ("other", "Other"),
];

/// The label of a service area code.
pub fn service_area_label(code: &str) -> Option<&'static str> {
    SERVICE_AREAS.iter().find(|(c, _)| *c == code).map(|(_, l)| *l)
}

/// The kinds of organisation an administrator chooses from: the partnership's outreach teams,
/// day centres, accommodation providers, councils, health services and anything else. Stored
/// as the code; organisations stored with an older code (`hostel`, `adult_social_care`,
/// `partner`) keep it and show it as it is.
pub const ORGANISATION_KINDS: [(&str, &str); 7] = [
    ("outreach", "Outreach"),
    ("day_centre", "Day centre"),
    ("accommodation", "Accommodation"),
    ("council", "Council"),
    ("adult_social_care", "Adult social care"),
    ("health", "Health"),
    ("other", "Other"),
];

/// The label of an organisation's kind; an unknown (older) code is shown as it is stored.
pub fn organisation_kind_label(code: &str) -> &str {
    ORGANISATION_KINDS.iter().find(|(c, _)| *c == code).map_or(code, |(_, l)| *l)
}
