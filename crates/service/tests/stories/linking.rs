//! The certain links made before probabilistic linkage exists.

use crate::support::*;
use byname_service::import::ImportKind;
use byname_service::link::link;
use byname_store::Store;

#[tokio::test]
async fn certain_links_join_chain_and_inform_records_and_nothing_else() {
    each_store(async |store, label| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        import(store, ImportKind::Inform, inform_export().path()).await.unwrap();
        let outcome = link(store, &Default::default(), &now()).await.unwrap();
        // 7 records: C001 + INF-2 (recorded CHAIN id, name and birth date agree) + INF-4 (same NHS number)
        // are one person; INF-1 (no birth date) and INF-3 (a wrong CHAIN id) stay apart.
        assert_eq!((outcome.records, outcome.persons), (7, 5), "{label}");

        let seen = store.people_seen("2024-04-01", "2024-06-30").await.unwrap();
        let john = seen.iter().find(|p| p.records.iter().any(|r| r.source_id == "C001")).unwrap();
        let ids: Vec<&str> = john.records.iter().map(|r| r.source_id.as_str()).collect();
        assert_eq!(ids, ["C001", "INF-2", "INF-4"], "{label}");
        // Needs come from CHAIN and from Inform's assessments of the linked records.
        assert_eq!(john.support_needs, ["alcohol", "drugs", "mental_health"], "{label}");

        let again = link(store, &Default::default(), &now()).await.unwrap();
        assert_eq!(
            again.changes,
            byname_store::LinkChanges::default(),
            "{label}: relinking unchanged data changes nothing"
        );
    })
    .await;
}
