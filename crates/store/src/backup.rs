//! A consistent copy of a SQLite database while servers go on writing to it, for
//! `byname backup FILE`, and the audit log's head it holds, written beside it so that a restore
//! can put the head back with the database (see `secrets.rs` for what the head is for).
//!
//! The copy is SQLite's `VACUUM INTO` rather than the online backup API (rusqlite's `backup`
//! feature): one statement, read inside one read transaction, so the copy is the database as
//! at one commit while writers carry on under the write-ahead log, and it needs no other
//! feature or connection; the copy comes out compacted, and SQLite itself refuses to write into
//! a file that is not empty. A PostgreSQL database is backed up with `pg_dump`.

use crate::backend::Backend;
use crate::secrets::CHECKPOINT_FILE;
use crate::sql::SqlStore;
use crate::types::AuditEntry;
use crate::{Result, Store, StoreError};
use std::path::{Path, PathBuf};

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    pub file: PathBuf,
    /// The file beside it holding the copy's audit head (`FILE.audit-head`).
    pub head_file: PathBuf,
    /// The newest audit entry in the copy, `(id, hash)`.
    pub head: (i64, String),
    pub bytes: u64,
}

/// Where the audit head of a backup in `file` is written: `FILE.audit-head`.
pub fn head_file(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(format!(".{CHECKPOINT_FILE}"));
    PathBuf::from(name)
}

impl SqlStore {
    /// Copies the database to `file`, a path that must not exist, readable by its owner only,
    /// after appending `entry` (who took the backup, and where) to the audit log, so the copy
    /// holds it; then writes the copy's audit head beside it. On PostgreSQL it refuses, naming
    /// `pg_dump`; nothing is written over an existing file.
    pub async fn backup(&self, file: &Path, entry: &AuditEntry) -> Result<Backup> {
        if self.backend == Backend::Postgres {
            return Err(StoreError::Config(
                "this database is PostgreSQL: back it up with pg_dump (pg_dump --format=custom --file=FILE DATABASE_URL), \
                 and restore it with pg_restore; `byname backup` copies a SQLite database"
                    .to_owned(),
            ));
        }
        let head_file = head_file(file);
        for path in [file, head_file.as_path()] {
            if path.exists() {
                return Err(StoreError::Config(format!(
                    "{} exists: a backup never replaces a file; give a new name",
                    path.display()
                )));
            }
        }
        let io = |path: &Path, e: std::io::Error| StoreError::Config(format!("{}: {e}", path.display()));
        // An empty file only its owner may read, made here so that no other file can be there
        // when the copy starts; SQLite writes into it as it is.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(file).map_err(|e| io(file, e))?;
        let copied = self.copy_into(file, entry).await;
        let head = match copied {
            Ok(head) => head,
            Err(error) => {
                let _ = std::fs::remove_file(file);
                return Err(error);
            }
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut written = options.open(&head_file).map_err(|e| io(&head_file, e))?;
        std::io::Write::write_all(&mut written, format!("{} {}\n", head.0, head.1).as_bytes())
            .and_then(|()| written.sync_all())
            .map_err(|e| io(&head_file, e))?;
        let bytes = std::fs::metadata(file).map_err(|e| io(file, e))?.len();
        Ok(Backup { file: file.to_owned(), head_file, head, bytes })
    }

    /// Appends the entry, copies the database into the empty `file`, and reads the copy's head.
    async fn copy_into(&self, file: &Path, entry: &AuditEntry) -> Result<(i64, String)> {
        self.append_audit(entry).await?;
        let target = file.to_str().ok_or_else(|| {
            StoreError::Config(format!("{}: a backup's path must be valid UTF-8 text", file.display()))
        })?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&self.pool).await?;
        let copy = file.to_owned();
        tokio::task::spawn_blocking(move || -> Result<(i64, String)> {
            let connection = rusqlite::Connection::open_with_flags(&copy, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            let head = connection.query_row("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", [], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, Option<String>>(1)?.unwrap_or_default()))
            })?;
            Ok(head)
        })
        .await
        .map_err(|e| StoreError::Sqlite(format!("reading the backup's audit head: {e}")))?
    }
}
