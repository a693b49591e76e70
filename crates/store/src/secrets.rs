//! The secret kept outside the database, and what it protects there.
//!
//! Someone who can write to the database but not to the data directory or the environment
//! (a leaked database password, a careless backup restored by hand) must not be able to read
//! the second factor's secrets or rewrite the audit log unnoticed. So byname keeps one random
//! 32-byte key outside the database: from `BYNAME_SECRET_KEY` (64 hex digits) when set, else in
//! `secret.key` in the data directory, created with mode 0600 on first use. Several servers on
//! one PostgreSQL database must be given the same key.
//!
//! From it two keys are derived (HMAC-SHA256 of the key over a label):
//! - the **audit key**: each audit row's `hash` is an HMAC over its fields and the previous
//!   row's hash, so nobody without the key can re-chain the log after an edit;
//! - the **TOTP key**: the second factor's secrets are sealed with ChaCha20-Poly1305 (the
//!   well-kept RustCrypto crate), each with a random nonce.
//!
//! Beside the key, `audit-head` records the newest audit entry this data directory's servers
//! wrote (its id and hash), so that deleting the newest entries is found too.

use crate::{Result, StoreError};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The environment variable that gives the key instead of the key file.
pub const KEY_ENV: &str = "BYNAME_SECRET_KEY";
/// The key file's name in the data directory.
pub const KEY_FILE: &str = "secret.key";
/// The audit head checkpoint's name in the data directory.
pub const CHECKPOINT_FILE: &str = "audit-head";
/// What a sealed value starts with.
const SEALED: &str = "v1:";

pub struct Secrets {
    audit: [u8; 32],
    totp: [u8; 32],
    /// Where the audit head checkpoint is kept; none for a store without a data directory.
    checkpoint: Option<PathBuf>,
    /// The newest head written by this process, so it is written only forwards.
    written: Mutex<i64>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the keys.
        f.debug_struct("Secrets").field("checkpoint", &self.checkpoint).finish_non_exhaustive()
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    bytes
}

fn parse_key(text: &str, from: &str) -> Result<[u8; 32]> {
    let bytes = hex::decode(text.trim())
        .map_err(|_| StoreError::Config(format!("{from}: the secret key must be 64 hexadecimal digits")))?;
    bytes.try_into().map_err(|_| StoreError::Config(format!("{from}: the secret key must be 64 hexadecimal digits")))
}

impl Secrets {
    fn from_key(key: &[u8; 32], checkpoint: Option<PathBuf>) -> Self {
        Self {
            audit: hmac(key, &[b"byname audit chain"]),
            totp: hmac(key, &[b"byname second factor"]),
            checkpoint,
            written: Mutex::new(0),
        }
    }

    /// The key from `key` (the value of [`KEY_ENV`]) when given, else from the key file in
    /// `dir`, which is created (mode 0600) when missing. The audit head is kept in `dir`.
    pub fn load(dir: &Path, key: Option<&str>) -> Result<Self> {
        let checkpoint = Some(dir.join(CHECKPOINT_FILE));
        if let Some(text) = key.filter(|k| !k.trim().is_empty()) {
            return Ok(Self::from_key(&parse_key(text, KEY_ENV)?, checkpoint));
        }
        let path = dir.join(KEY_FILE);
        let io = |e: std::io::Error| StoreError::Config(format!("{}: {e}", path.display()));
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Self::from_key(&parse_key(&text, &path.display().to_string())?, checkpoint)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir).map_err(io)?;
                let key: [u8; 32] = random();
                write_private(&path, &format!("{}\n", hex::encode(key)), true).map_err(io)?;
                tracing::warn!(file = %path.display(), "created the secret key: keep it with the data directory, and back it up apart from the database");
                Ok(Self::from_key(&key, checkpoint))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// A key that lives as long as the process, and no checkpoint: for stores opened without a
    /// data directory (tests, tools). Every store of the process shares it.
    pub fn ephemeral() -> Self {
        static KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();
        Self::from_key(KEY.get_or_init(random), None)
    }

    /// The keyed hash of one audit row's content after `previous`.
    pub fn audit_mac(&self, content: &[u8]) -> String {
        hex::encode(hmac(&self.audit, &[content]))
    }

    /// A second factor's secret, sealed for the database.
    pub fn seal(&self, plain: &str) -> String {
        let cipher = ChaCha20Poly1305::new((&self.totp).into());
        let nonce: [u8; 12] = random();
        let sealed = cipher.encrypt(Nonce::from_slice(&nonce), plain.as_bytes()).expect("sealing cannot fail");
        format!("{SEALED}{}{}", hex::encode(nonce), hex::encode(sealed))
    }

    /// A sealed value opened, or `None` when it was not sealed with this key (or not sealed).
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = hex::decode(sealed.strip_prefix(SEALED)?).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let cipher = ChaCha20Poly1305::new((&self.totp).into());
        let plain = cipher.decrypt(Nonce::from_slice(&bytes[..12]), &bytes[12..]).ok()?;
        String::from_utf8(plain).ok()
    }

    /// Whether a stored value is sealed.
    pub fn is_sealed(value: &str) -> bool {
        value.starts_with(SEALED)
    }

    /// The newest audit entry recorded beside the key, as `(id, hash)`.
    pub fn checkpoint(&self) -> Result<Option<(i64, String)>> {
        let Some(path) = &self.checkpoint else { return Ok(None) };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StoreError::Config(format!("{}: {e}", path.display()))),
        };
        let unreadable = || StoreError::Config(format!("{}: not an audit head (ID HASH)", path.display()));
        let (id, hash) = text.trim().split_once(' ').ok_or_else(unreadable)?;
        Ok(Some((id.parse().map_err(|_| unreadable())?, hash.to_owned())))
    }

    /// Records a newer head of the audit log after entries were committed. Only moves forwards;
    /// a failure to write is logged, not returned: the entries are committed already, and an
    /// older checkpoint only narrows what `audit verify` can find.
    pub fn advance_checkpoint(&self, id: i64, hash: &str) {
        let Some(path) = &self.checkpoint else { return };
        let mut written = self.written.lock().expect("the checkpoint's lock is never poisoned");
        if id <= *written || self.checkpoint().ok().flatten().is_some_and(|(stored, _)| stored >= id) {
            return;
        }
        match write_private(path, &format!("{id} {hash}\n"), false) {
            Ok(()) => *written = id,
            Err(e) => tracing::error!(file = %path.display(), error = %e, "could not record the audit log's head"),
        }
    }

    /// Sets the checkpoint to exactly this head (after a restore from a backup, say).
    pub fn reset_checkpoint(&self, head: Option<(i64, &str)>) -> Result<()> {
        let Some(path) = &self.checkpoint else { return Ok(()) };
        let io = |e: std::io::Error| StoreError::Config(format!("{}: {e}", path.display()));
        match head {
            Some((id, hash)) => write_private(path, &format!("{id} {hash}\n"), false).map_err(io)?,
            None => match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
                _ => {}
            },
        }
        *self.written.lock().expect("the checkpoint's lock is never poisoned") = head.map_or(0, |(id, _)| id);
        Ok(())
    }
}

/// Whether the secret key can be loaded as [`Secrets::load`] would load it, without creating it:
/// where it comes from, or what to fix (`key` is the value of [`KEY_ENV`]).
pub fn inspect_key(dir: &Path, key: Option<&str>) -> std::result::Result<String, String> {
    if let Some(text) = key.filter(|k| !k.trim().is_empty()) {
        return parse_key(text, KEY_ENV).map(|_| format!("given by {KEY_ENV}")).map_err(|e| e.to_string());
    }
    let path = dir.join(KEY_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "{} does not exist: byname makes it when it first opens the database; for a restored data \
                 directory, put back the secret.key kept with it (or set {KEY_ENV})",
                path.display()
            ));
        }
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    parse_key(&text, &path.display().to_string()).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(format!(
                "{} may be read by others (mode {:o}): make it its owner's only with `chmod 600 {}`",
                path.display(),
                mode & 0o777,
                path.display()
            ));
        }
    }
    Ok(format!("{}, readable by its owner only", path.display()))
}

/// Writes a file only its owner may read, whole or not at all (a temporary file renamed over
/// it); with `new`, refuses to replace one.
fn write_private(path: &Path, text: &str, new: bool) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    drop(file);
    if new && path.exists() {
        std::fs::remove_file(&temporary)?;
        return Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "the file exists"));
    }
    std::fs::rename(&temporary, path)
}

/// Makes a file readable by its owner only (the SQLite database and its journal files).
pub fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_its_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::load(dir.path(), None).unwrap();
        let sealed = secrets.seal("JBSWY3DPEHPK3PXP");
        assert!(Secrets::is_sealed(&sealed) && !sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(secrets.open(&sealed).as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert_ne!(secrets.seal("JBSWY3DPEHPK3PXP"), sealed, "a new nonce each time");
        let other = Secrets::load(tempfile::tempdir().unwrap().path(), None).unwrap();
        assert_eq!(other.open(&sealed), None);
        assert_eq!(secrets.open("JBSWY3DPEHPK3PXP"), None, "a value that was never sealed");
    }

    #[test]
    fn the_key_file_is_created_once_readable_by_its_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let first = Secrets::load(dir.path(), None).unwrap();
        let second = Secrets::load(dir.path(), None).unwrap();
        assert_eq!(first.audit_mac(b"x"), second.audit_mac(b"x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let from_env = Secrets::load(dir.path(), Some(&"ab".repeat(32))).unwrap();
        assert_ne!(from_env.audit_mac(b"x"), first.audit_mac(b"x"));
        assert!(Secrets::load(dir.path(), Some("not hex")).is_err());
    }

    #[test]
    fn the_checkpoint_only_moves_forwards() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Secrets::load(dir.path(), None).unwrap();
        assert_eq!(secrets.checkpoint().unwrap(), None);
        secrets.advance_checkpoint(5, "abc");
        secrets.advance_checkpoint(3, "old");
        assert_eq!(secrets.checkpoint().unwrap(), Some((5, "abc".to_owned())));
        secrets.reset_checkpoint(Some((2, "def"))).unwrap();
        assert_eq!(secrets.checkpoint().unwrap(), Some((2, "def".to_owned())));
    }
}
