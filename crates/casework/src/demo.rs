//! The demo partnership's organisations and one user per role, with fresh
//! random passwords each time the demo starts.

use crate::accounts::{AccountError, add_user, random_token};
use byname_domain::Role;
use byname_store::Store;
use time::OffsetDateTime;

/// Organisations of a Westminster-like partnership, with their kind.
pub const ORGANISATIONS: &[(&str, &str)] = &[
    ("Westminster City Council", "council"),
    ("Westminster Outreach Service", "outreach"),
    ("The Passage", "day_centre"),
    ("The Connection at St Martin's", "day_centre"),
    ("West London Mission", "accommodation"),
    ("Westminster Adult Social Care", "adult_social_care"),
    ("Joint Homelessness Team (NHS)", "health"),
];

#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: String,
    pub role: Role,
    pub organisation: String,
    pub password: String,
}

fn organisation_for(role: Role) -> &'static str {
    match role {
        Role::OutreachWorker => "Westminster Outreach Service",
        Role::ServiceLead => "The Passage",
        Role::ServiceLeader => "Westminster Adult Social Care",
        Role::HealthPartner => "Joint Homelessness Team (NHS)",
        Role::Analyst | Role::StrategicViewer | Role::Admin => "Westminster City Council",
    }
}

/// The organisations, their users, and `services`: which organisation runs each team and
/// service the imported records name, as `(organisation, name)`.
pub async fn set_up<S: Store>(
    store: &S,
    services: &[(&str, &str)],
    now: OffsetDateTime,
) -> Result<Vec<DemoUser>, AccountError> {
    for (name, kind) in ORGANISATIONS {
        store.upsert_organisation(name, kind).await?;
    }
    let organisations = store.organisations().await?;
    for (organisation, service) in services {
        if let Some(o) = organisations.iter().find(|o| o.name == *organisation) {
            store.add_organisation_name(service, o.id).await?;
        }
    }
    let mut users = Vec::new();
    for role in Role::ALL {
        let organisation = organisation_for(role);
        let organisation_id = organisations.iter().find(|o| o.name == organisation).expect("created above").id;
        let username = role.code().replace('_', "-");
        let password = random_token(9);
        add_user(
            store,
            &username,
            &format!("Demo {}", role.label().to_lowercase()),
            role.code(),
            organisation_id,
            &password,
            now,
        )
        .await?;
        let id = store.user_by_username(&username).await?.map(|u| u.id).unwrap_or_default();
        let area = (role == Role::ServiceLeader).then_some("adult_social_care");
        crate::accounts::set_profile(store, id, role.code(), area, role == Role::Admin).await?;
        users.push(DemoUser { username, role, organisation: organisation.to_owned(), password });
    }
    // Adult social care's head of service, to whom its escalations move when its service leader
    // does not answer by the deadline.
    let organisation = organisation_for(Role::ServiceLeader);
    let organisation_id = organisations.iter().find(|o| o.name == organisation).expect("created above").id;
    let (username, password) = ("head-of-service".to_owned(), random_token(9));
    let id =
        add_user(store, &username, "Demo head of service", Role::ServiceLeader.code(), organisation_id, &password, now)
            .await?;
    crate::accounts::set_profile(store, id, Role::ServiceLeader.code(), Some("adult_social_care"), false).await?;
    crate::accounts::set_head_of_service(store, id, true).await?;
    users.push(DemoUser { username, role: Role::ServiceLeader, organisation: organisation.to_owned(), password });
    Ok(users)
}
