//! The partnership's organisations and the names they go by in imports. A CHAIN team, an Inform
//! provider or service is written in the exports as a name; an organisation claims the names of
//! its teams and services so that the access rules count what was recorded under them as the
//! organisation's (`byname_store::Casework::access_facts` matches contacts' `team` and stays'
//! `provider`). A name belongs to one organisation. Every change is an administrative change,
//! audited, and takes effect at the next request (the data's version counts the names' changes).
//!
//! An organisation is named as it is stored; a name that is not one is refused with the close
//! names, found with the linkage crate's Jaro-Winkler (the one definition of "similar name").

use crate::accounts::{Actor, SessionUser};
use byname_domain::Organisation;
use byname_store::{AdminChange, NameCoverage, Store, StoreError};
use time::OffsetDateTime;

/// Close names are at least this similar (Jaro-Winkler over lower-case text).
const CLOSE: f64 = 0.8;

#[derive(Debug, thiserror::Error)]
pub enum OrganisationError {
    #[error("{}", unknown_message(.name, .close))]
    Unknown { name: String, close: Vec<String> },
    #[error("the name {name:?} is already claimed by {organisation}: remove it there first")]
    Claimed { name: String, organisation: String },
    #[error("{organisation} does not go by the name {name:?}")]
    NotItsName { organisation: String, name: String },
    #[error("an organisation called {0:?} exists already")]
    Exists(String),
    #[error(
        "unknown kind of organisation {0:?}: one of outreach, day_centre, accommodation, council, adult_social_care, health, other"
    )]
    UnknownKind(String),
    #[error("{0}")]
    Invalid(String),
    #[error("your role cannot do this")]
    Forbidden,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn unknown_message(name: &str, close: &[String]) -> String {
    if close.is_empty() {
        format!("no organisation is called {name:?}; `byname organisations list` lists them")
    } else {
        let close: Vec<String> = close.iter().map(|c| format!("{c:?}")).collect();
        format!("no organisation is called {name:?}; did you mean {}?", close.join(" or "))
    }
}

/// The names in `candidates` close to `name`, closest first: the same name typed differently, or
/// one with a slip or two.
pub fn close_names<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let wanted = name.trim().to_lowercase();
    let mut close: Vec<(f64, &str)> = candidates
        .into_iter()
        .filter_map(|candidate| {
            let lower = candidate.to_lowercase();
            let score = if lower.contains(&wanted) || wanted.contains(&lower) {
                1.0
            } else {
                byname_linkage::jaro_winkler(&wanted, &lower)
            };
            (score >= CLOSE && !wanted.is_empty()).then_some((score, candidate))
        })
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    close.into_iter().take(5).map(|(_, c)| c.to_owned()).collect()
}

/// The organisation called `name` exactly, or a refusal listing the close names.
pub async fn find<S: Store>(store: &S, name: &str) -> Result<Organisation, OrganisationError> {
    let organisations = store.organisations().await?;
    if let Some(found) = organisations.iter().find(|o| o.name == name.trim()) {
        return Ok(found.clone());
    }
    let close = close_names(name, organisations.iter().map(|o| o.name.as_str()));
    Err(OrganisationError::Unknown { name: name.trim().to_owned(), close })
}

fn require_manager(actor: Actor<'_>) -> Result<(), OrganisationError> {
    match actor {
        Actor::User(user) if !byname_domain::access::can_manage_users(user.role) => Err(OrganisationError::Forbidden),
        _ => Ok(()),
    }
}

/// A name as typed: trimmed, not empty, up to 200 characters, no control characters.
fn checked<'a>(what: &str, text: &'a str) -> Result<&'a str, OrganisationError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 200 || text.chars().any(char::is_control) {
        return Err(OrganisationError::Invalid(format!("{what}: required, up to 200 characters on one line")));
    }
    Ok(text)
}

/// Adds an organisation of a kind (`byname_domain::org::ORGANISATION_KINDS`); returns its id.
pub async fn add<S: Store>(
    store: &S,
    actor: Actor<'_>,
    name: &str,
    kind: &str,
    now: OffsetDateTime,
) -> Result<i64, OrganisationError> {
    require_manager(actor)?;
    let name = checked("organisation", name)?;
    if !byname_domain::org::ORGANISATION_KINDS.iter().any(|(code, _)| *code == kind) {
        return Err(OrganisationError::UnknownKind(kind.to_owned()));
    }
    // "the passage" beside "The Passage" would be one organisation under two names.
    if let Some(o) = store.organisations().await?.into_iter().find(|o| o.name.to_lowercase() == name.to_lowercase()) {
        return Err(OrganisationError::Exists(o.name));
    }
    let entry = actor.entry("add_organisation", format!("organisation {name:?} ({kind})"), now);
    Ok(store.administer(AdminChange::AddOrganisation { name, kind }, &entry).await?)
}

/// The organisation that goes by `name`, if one does.
async fn claimant<S: Store>(store: &S, name: &str) -> Result<Option<String>, StoreError> {
    let Some(id) = store.organisation_names().await?.into_iter().find(|(n, _)| n == name).map(|(_, id)| id) else {
        return Ok(None);
    };
    Ok(Some(store.organisations().await?.into_iter().find(|o| o.id == id).map_or(id.to_string(), |o| o.name)))
}

/// `organisation` goes by `name` in imports from now on.
pub async fn add_name<S: Store>(
    store: &S,
    actor: Actor<'_>,
    organisation: &str,
    name: &str,
    now: OffsetDateTime,
) -> Result<(), OrganisationError> {
    require_manager(actor)?;
    let organisation = find(store, organisation).await?;
    let name = checked("name", name)?;
    if let Some(by) = claimant(store, name).await? {
        if by == organisation.name {
            return Err(OrganisationError::Invalid(format!("{by} goes by the name {name:?} already")));
        }
        return Err(OrganisationError::Claimed { name: name.to_owned(), organisation: by });
    }
    let entry = actor.entry(
        "add_organisation_name",
        format!("organisation {} ({:?}): name {name:?}", organisation.id, organisation.name),
        now,
    );
    let change = AdminChange::AddOrganisationName { organisation_id: organisation.id, name };
    if let Err(error) = store.administer(change, &entry).await {
        // Claimed in the meantime (the name is unique in the store): said as such.
        return Err(match claimant(store, name).await? {
            Some(by) => OrganisationError::Claimed { name: name.to_owned(), organisation: by },
            None => error.into(),
        });
    }
    Ok(())
}

/// `organisation` no longer goes by `name`.
pub async fn remove_name<S: Store>(
    store: &S,
    actor: Actor<'_>,
    organisation: &str,
    name: &str,
    now: OffsetDateTime,
) -> Result<(), OrganisationError> {
    require_manager(actor)?;
    let organisation = find(store, organisation).await?;
    let name = name.trim();
    if !store.organisation_names().await?.iter().any(|(n, id)| n == name && *id == organisation.id) {
        return Err(OrganisationError::NotItsName { organisation: organisation.name, name: name.to_owned() });
    }
    let entry = actor.entry(
        "remove_organisation_name",
        format!("organisation {} ({:?}): name {name:?}", organisation.id, organisation.name),
        now,
    );
    store.administer(AdminChange::RemoveOrganisationName { organisation_id: organisation.id, name }, &entry).await?;
    Ok(())
}

/// An organisation with the names it goes by.
#[derive(Debug, Clone)]
pub struct OrganisationNames {
    pub organisation: Organisation,
    pub names: Vec<NameCoverage>,
}

/// Every organisation with its names and what each covers, then the names seen in imports that
/// no organisation claims, most common first.
#[derive(Debug, Clone)]
pub struct Overview {
    pub organisations: Vec<OrganisationNames>,
    pub unclaimed: Vec<NameCoverage>,
}

/// The overview, whoever asks (the command line, or a use case that checked the role).
pub async fn overview_of<S: Store>(store: &S) -> Result<Overview, StoreError> {
    let names = store.name_coverage().await?;
    let organisations = store
        .organisations()
        .await?
        .into_iter()
        .map(|organisation| OrganisationNames {
            names: names.iter().filter(|n| n.organisation_id == Some(organisation.id)).cloned().collect(),
            organisation,
        })
        .collect();
    let mut unclaimed: Vec<NameCoverage> = names.into_iter().filter(|n| n.organisation_id.is_none()).collect();
    // Most common first: the people a name covers, then what was recorded under it.
    unclaimed.sort_by(|a, b| {
        b.records.cmp(&a.records).then((b.contacts + b.stays).cmp(&(a.contacts + a.stays))).then(a.name.cmp(&b.name))
    });
    Ok(Overview { organisations, unclaimed })
}

/// The overview for the administrators' page.
pub async fn overview<S: Store>(store: &S, user: &SessionUser) -> Result<Overview, OrganisationError> {
    require_manager(Actor::User(user))?;
    Ok(overview_of(store).await?)
}
