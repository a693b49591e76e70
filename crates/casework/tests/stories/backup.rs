//! `byname backup` while the servers write: the copy is the database as at one commit, its audit
//! head is written beside it, and a restore that puts both back (with the same secret key)
//! opens with the data and an audit log that verifies. PostgreSQL is backed up with pg_dump.

use crate::support::*;
use byname_pipeline::import::ImportKind;
use byname_store::{Accounts, Administration, AuditEntry, SqlStore, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

fn entry(action: &str, detail: String) -> AuditEntry {
    AuditEntry {
        at: now(),
        user_id: None,
        organisation_id: None,
        action: action.to_owned(),
        person_id: None,
        purpose: Some("administration".to_owned()),
        basis: None,
        detail: Some(detail),
        persons: Vec::new(),
    }
}

fn rows(snapshot: &byname_store::Snapshot, table: &str) -> i64 {
    snapshot.tables.iter().find(|(t, _, _)| t == table).map(|(_, n, _)| *n).unwrap()
}

/// The folder of a `sqlite://PATH` database, where its secret key and audit head are.
fn data_dir(url: &str) -> PathBuf {
    Path::new(url.trim_start_matches("sqlite://")).parent().unwrap().to_owned()
}

#[tokio::test]
async fn a_backup_taken_while_servers_write_restores_with_its_audit_head_and_verifies() {
    each_store_with_url(async |store, label, url| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        let place = tempfile::tempdir().unwrap();
        let file = place.path().join("byname-backup.db");
        let taken = entry("backup", format!("a copy of the database written to {}", file.display()));
        if label == "postgres" {
            let error = store.backup(&file, &taken).await.unwrap_err().to_string();
            assert!(error.contains("back it up with pg_dump"), "{error}");
            assert!(!file.exists() && !byname_store::backup_head_file(&file).exists());
            return;
        }

        // A second server keeps writing: audit entries and organisations.
        let stop = Arc::new(AtomicBool::new(false));
        let written = Arc::new(AtomicUsize::new(0));
        let writer = {
            let (store, stop, written) = (store.clone(), stop.clone(), written.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    let n = written.fetch_add(1, Ordering::SeqCst);
                    store.append_audit(&entry("view", format!("write {n}"))).await.unwrap();
                    store.upsert_organisation(&format!("Partner {n}"), "other").await.unwrap();
                }
            })
        };
        while written.load(Ordering::SeqCst) < 20 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let backup = store.backup(&file, &taken).await.unwrap();
        let at_backup = written.load(Ordering::SeqCst);
        while written.load(Ordering::SeqCst) < at_backup + 20 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        stop.store(true, Ordering::SeqCst);
        writer.await.unwrap();
        let live = snapshot(store).await;
        let live_dir = data_dir(url);
        let live_head = store.secrets().checkpoint().unwrap().unwrap();
        assert!(live_head.0 > backup.head.0, "the servers wrote on after the copy");
        assert_eq!(
            std::fs::read_to_string(&backup.head_file).unwrap(),
            format!("{} {}\n", backup.head.0, backup.head.1)
        );

        // Restored into a new place: the copy as the database, its head as `audit-head`, and
        // the same secret key.
        let restored_dir = tempfile::tempdir().unwrap();
        std::fs::copy(&file, restored_dir.path().join("byname.db")).unwrap();
        std::fs::copy(&backup.head_file, restored_dir.path().join("audit-head")).unwrap();
        std::fs::copy(live_dir.join("secret.key"), restored_dir.path().join("secret.key")).unwrap();
        let restored =
            SqlStore::connect(&format!("sqlite://{}", restored_dir.path().join("byname.db").display())).await.unwrap();
        let copy = snapshot(&restored).await;
        for table in ["source_records", "contacts", "stays"] {
            assert_eq!(rows(&copy, table), rows(&live, table), "{table}");
        }
        // Every organisation written before the copy, none after: one commit's state.
        let organisations = restored.organisations().await.unwrap().len();
        assert!(organisations >= 19 && organisations < store.organisations().await.unwrap().len(), "{organisations}");
        let audit = restored.audit_entries(i64::MAX).await.unwrap().len() as i64;
        assert_eq!(audit, backup.head.0, "the head is the copy's newest entry");
        // The entry saying it was taken is written just before the copy (the servers' entries may
        // follow it in the copy).
        let taken_entries = byname_store::Casework::search_audit(
            &restored,
            &byname_store::AuditQuery { action: Some("backup".into()), limit: 10, ..Default::default() },
        )
        .await
        .unwrap();
        assert_eq!(taken_entries.len(), 1, "the copy holds the entry saying it was taken");
        let verified = byname_casework::audit::verify(&restored).await.unwrap();
        assert_eq!((verified.broken_at, verified.checked), (None, audit as u64), "{}", verified.report());

        // Restored without putting its head back, the newer head beside the key says honestly
        // that the newest entries are not in this database.
        std::fs::copy(live_dir.join("audit-head"), restored_dir.path().join("audit-head")).unwrap();
        let verified = byname_casework::audit::verify(&restored).await.unwrap();
        assert!(verified.report().contains("the newest entries are missing"), "{}", verified.report());
        restored.close().await;

        // A second backup to the same file is refused, and the copy is left as it was.
        let before = std::fs::read(&file).unwrap();
        let error = store.backup(&file, &taken).await.unwrap_err().to_string();
        assert!(error.contains("exists: a backup never replaces a file"), "{error}");
        assert_eq!(std::fs::read(&file).unwrap(), before);
    })
    .await;
}
