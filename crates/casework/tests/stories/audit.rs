//! The audit log against someone who can write to the database but not to the data directory
//! or the environment: every way of covering tracks that does not need the key is found by
//! `audit verify`, on both backends.

use crate::support::*;
use byname_casework::audit;
use byname_store::{AuditEntry, Casework, Secrets, SqlStore, audit_hash};

fn entry(n: usize) -> AuditEntry {
    AuditEntry {
        at: format!("2024-07-01T12:00:{n:02}Z"),
        user_id: None,
        organisation_id: None,
        action: "view_person".into(),
        person_id: Some(n as i64),
        purpose: Some("case_coordination".into()),
        basis: Some("works_with_person".into()),
        detail: Some("full".into()),
        persons: Vec::new(),
    }
}

/// A store opened as a server opens it: the key and the audit head in a data directory.
async fn server_store(url: &str, data_dir: &std::path::Path) -> SqlStore {
    SqlStore::open(url, Secrets::load(data_dir, None).unwrap()).await.unwrap()
}

async fn ten_entries(store: &SqlStore) {
    for n in 1..=10 {
        store.append_audit_entries(&[entry(n)]).await.unwrap();
    }
    let verified = audit::verify(store).await.unwrap();
    assert_eq!((verified.checked, verified.problem.as_deref()), (10, None));
}

async fn exec(store: &SqlStore, sql: &str) {
    sqlx::query(sql).execute(store.pool()).await.unwrap();
}

#[tokio::test]
async fn blanked_edited_deleted_and_rechained_entries_are_all_found() {
    each_store_with_url(async |_, label, url| {
        let dir = tempfile::tempdir().unwrap();
        let store = server_store(url, dir.path()).await;
        ten_entries(&store).await;
        let tampered = async |what: &str| {
            let verified = audit::verify(&store).await.unwrap();
            assert!(verified.broken_at.is_some(), "{label}: {what} went unnoticed: {}", verified.report());
            assert!(verified.report().contains("TAMPERED"), "{label}: {what}");
        };

        // Every hash blanked.
        let hashes: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id").fetch_all(store.pool()).await.unwrap();
        exec(&store, "UPDATE audit_log SET hash = NULL").await;
        tampered("blanked hashes").await;
        for (id, hash) in &hashes {
            sqlx::query("UPDATE audit_log SET hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(id)
                .execute(store.pool())
                .await
                .unwrap();
        }
        assert_eq!(audit::verify(&store).await.unwrap().broken_at, None, "{label}: put back");

        // An entry edited and the chain re-hashed after it the way the database alone allows
        // (plain SHA-256, as byname once wrote it).
        exec(&store, "UPDATE audit_log SET detail = 'nothing to see' WHERE id = 4").await;
        let rows = store.audit_rows(0, 100).await.unwrap();
        let mut previous = String::new();
        for row in &rows {
            let hash = audit_hash(&previous, row.id, &row.entry);
            sqlx::query("UPDATE audit_log SET hash = $1 WHERE id = $2")
                .bind(&hash)
                .bind(row.id)
                .execute(store.pool())
                .await
                .unwrap();
            previous = hash;
        }
        tampered("re-chaining after an edit").await;
        for (id, hash) in &hashes {
            sqlx::query("UPDATE audit_log SET hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(id)
                .execute(store.pool())
                .await
                .unwrap();
        }
        exec(&store, "UPDATE audit_log SET detail = 'full' WHERE id = 4").await;
        assert_eq!(audit::verify(&store).await.unwrap().broken_at, None, "{label}: put back");

        // The newest entries deleted: the head recorded beside the key shows it.
        exec(&store, "DELETE FROM audit_log WHERE id >= 9").await;
        tampered("deleting the newest entries").await;
        let verified = audit::verify(&store).await.unwrap();
        assert!(verified.report().contains("newest entries are missing"), "{label}: {}", verified.report());

        // The first entry deleted.
        exec(&store, "DELETE FROM audit_log WHERE id = 1").await;
        tampered("deleting the oldest entry").await;
        store.close().await;
    })
    .await;
}

#[tokio::test]
async fn another_server_with_the_key_continues_the_chain_and_one_without_it_does_not_verify() {
    each_store_with_url(async |_, label, url| {
        let dir = tempfile::tempdir().unwrap();
        let first = server_store(url, dir.path()).await;
        ten_entries(&first).await;
        // A second server of the partnership: the same key, its own data directory.
        let key = std::fs::read_to_string(dir.path().join(byname_store::secrets::KEY_FILE)).unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let second = SqlStore::open(url, Secrets::load(elsewhere.path(), Some(key.trim())).unwrap()).await.unwrap();
        second.append_audit_entries(&[entry(11)]).await.unwrap();
        assert_eq!(audit::verify(&first).await.unwrap().checked, 11, "{label}");
        // Someone with a key of their own cannot write entries that verify.
        let stranger_dir = tempfile::tempdir().unwrap();
        let stranger = server_store(url, stranger_dir.path()).await;
        stranger.append_audit_entries(&[entry(12)]).await.unwrap();
        assert_eq!(audit::verify(&first).await.unwrap().broken_at, Some(12), "{label}");
        for store in [first, second, stranger] {
            store.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn a_log_written_before_the_key_is_sealed_once_when_it_verifies() {
    each_store_with_url(async |_, label, url| {
        let dir = tempfile::tempdir().unwrap();
        let store = server_store(url, dir.path()).await;
        ten_entries(&store).await;
        // As an older byname left it: plain SHA-256, the first two rows unhashed.
        let rows = store.audit_rows(0, 100).await.unwrap();
        let mut previous = String::new();
        for row in &rows {
            let hash = (row.id > 2).then(|| audit_hash(&previous, row.id, &row.entry));
            sqlx::query("UPDATE audit_log SET hash = $1 WHERE id = $2")
                .bind(&hash)
                .bind(row.id)
                .execute(store.pool())
                .await
                .unwrap();
            previous = hash.unwrap_or_default();
        }
        store.close().await;
        let fresh = tempfile::tempdir().unwrap();
        let reopened = server_store(url, fresh.path()).await;
        let verified = audit::verify(&reopened).await.unwrap();
        assert_eq!((verified.checked, verified.broken_at), (10, None), "{label}: {}", verified.report());
        reopened.close().await;
    })
    .await;
}
