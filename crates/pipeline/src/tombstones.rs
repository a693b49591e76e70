//! The tombstones of erased people: what erasure keeps of each record (its source and id) and of
//! each NHS number, as a keyed one-way hash (SHA-256 over a secret salt kept in `settings`), so
//! that the next import of the same export skips them instead of bringing the person back. Erasure
//! writes them (`byname_casework::privacy`); an import reads them (`crate::import`).

use byname_store::{Store, StoreError};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// The setting that holds the tombstones' salt.
pub const SALT_SETTING: &str = "erasure_salt";

/// The tombstone of one erased value: SHA-256 over the salt, the kind and the value.
pub fn digest(salt: &str, kind: &str, value: &str) -> String {
    let mut h = Sha256::new();
    for part in [salt, kind, value] {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// The value of a record's tombstone.
fn record_value(source: &str, source_id: &str) -> String {
    format!("{source}\x1f{source_id}")
}

/// The salt, made on first use.
pub async fn salt<S: Store>(store: &S) -> Result<String, StoreError> {
    store.setting_or_insert(SALT_SETTING, &crate::random_token(32)).await
}

/// What has been erased, for an import to skip.
#[derive(Debug, Clone, Default)]
pub struct Tombstones {
    salt: String,
    digests: HashSet<String>,
}

impl Tombstones {
    pub async fn load<S: Store>(store: &S) -> Result<Self, StoreError> {
        let digests = store.erased_digests().await?;
        // No tombstones, no salt needed: an import does not write a setting.
        if digests.is_empty() {
            return Ok(Self::default());
        }
        Ok(Self { salt: salt(store).await?, digests })
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether the record `source_id` of `source` was erased.
    pub fn record(&self, source: &str, source_id: &str) -> bool {
        !self.is_empty() && self.digests.contains(&digest(&self.salt, "record", &record_value(source, source_id)))
    }

    /// Whether an NHS number (its ten digits) was erased.
    pub fn nhs_number(&self, digits: &str) -> bool {
        !self.is_empty() && self.digests.contains(&digest(&self.salt, "nhs_number", digits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tombstone_depends_on_the_salt_and_never_holds_the_value() {
        let one = digest("salt one", "nhs_number", "9434765919");
        assert_ne!(one, digest("salt two", "nhs_number", "9434765919"));
        assert_ne!(one, digest("salt one", "record", "9434765919"));
        assert!(!one.contains("9434765919"));
        assert_eq!(one.len(), 64);
    }
}
