//! Who is signed in: the user every use case that reads people or changes data is given. Made
//! by `accounts` at sign-in and read by `access` when it decides and audits, it sits below both so
//! that neither module needs the other for it.

use byname_domain::Role;

/// A signed-in user, as every use case that reads people needs to know them.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub csrf_token: String,
    /// An administrator reset the password: a new one is chosen before anything else.
    pub must_change_password: bool,
    /// Reads the organisation's audit entries and break-glass openings.
    pub data_protection_lead: bool,
}
