//! The certain links made before probabilistic linkage exists.

use crate::support::*;
use byname_pipeline::import::ImportKind;
use byname_pipeline::link::link;
use byname_store::Linkage;
use byname_store::Store;

#[tokio::test]
async fn certain_links_join_chain_and_inform_records_and_nothing_else() {
    each_store(async |store, label| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        import(store, ImportKind::Inform, inform_export().path()).await.unwrap();
        let outcome = link(store, &Default::default(), instant()).await.unwrap();
        // 7 records: C001 + INF-2 (recorded CHAIN id, name and birth date agree) + INF-4 (same NHS number)
        // are one person; INF-1 (no birth date) and INF-3 (a wrong CHAIN id) stay apart.
        assert_eq!((outcome.records, outcome.persons), (7, 5), "{label}");

        let seen =
            store.people_seen(time::macros::date!(2024 - 04 - 01), time::macros::date!(2024 - 06 - 30)).await.unwrap();
        let john = seen.iter().find(|p| p.records.iter().any(|r| r.source_id == "C001")).unwrap();
        let ids: Vec<&str> = john.records.iter().map(|r| r.source_id.as_str()).collect();
        assert_eq!(ids, ["C001", "INF-2", "INF-4"], "{label}");
        // Needs come from CHAIN and from Inform's assessments of the linked records.
        assert_eq!(john.support_needs, ["alcohol", "drugs", "mental_health"], "{label}");

        let again = link(store, &Default::default(), instant()).await.unwrap();
        assert_eq!(
            again.changes,
            byname_store::LinkChanges::default(),
            "{label}: relinking unchanged data changes nothing"
        );
    })
    .await;
}

/// Reads a generated export's CSV file as rows of named fields.
fn rows_of(path: &std::path::Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect())
        .collect()
}

/// A hostel stay is in both systems, CHAIN's stays and Inform's placements: linkage compares
/// them, so a CHAIN record and an Inform client of one person who share a stay end in one
/// person, without namesakes joining.
#[tokio::test]
async fn a_stay_recorded_in_chain_and_in_inform_links_the_two_records() {
    let dir = generated_partnership(11, time::macros::date!(2023 - 04 - 01), time::macros::date!(2024 - 03 - 31), 0.3);
    // The truth, and each record's stays as (provider, YYYY-MM-DD).
    let person_of: std::collections::HashMap<(String, String), String> = rows_of(&dir.path().join("truth.csv"))
        .into_iter()
        .map(|r| ((r["source"].clone(), r["source_id"].clone()), r["person_key"].clone()))
        .collect();
    let mut stays: std::collections::HashMap<(String, String), Vec<(String, String)>> = Default::default();
    for r in rows_of(&dir.path().join("chain/stays.csv")) {
        let key = ("chain".to_owned(), r["chain_id"].clone());
        stays.entry(key).or_default().push((r["provider"].clone(), r["arrival_date"].clone()));
    }
    for r in rows_of(&dir.path().join("inform/placements.csv")) {
        let (day, month, year) = (&r["start_date"][..2], &r["start_date"][3..5], &r["start_date"][6..]);
        let key = ("inform".to_owned(), r["inform_id"].clone());
        stays.entry(key).or_default().push((r["service"].clone(), format!("{year}-{month}-{day}")));
    }
    // True pairs of a CHAIN record and an Inform client sharing a stay, the same place and day.
    let (person_of, stays) = (&person_of, &stays);
    let sharing: Vec<((String, String), (String, String))> = stays
        .iter()
        .filter(|(key, _)| key.0 == "chain")
        .flat_map(|(chain, chain_stays)| {
            stays.iter().filter(|(key, _)| key.0 == "inform").filter_map(move |(inform, inform_stays)| {
                let shared = chain_stays.iter().any(|s| inform_stays.contains(s));
                (shared && person_of.get(chain) == person_of.get(inform)).then(|| (chain.clone(), inform.clone()))
            })
        })
        .collect();
    assert!(sharing.len() > 50, "a realistic number of shared stays ({})", sharing.len());

    each_store(async |store, label| {
        import(store, ImportKind::Chain, &dir.path().join("chain")).await.unwrap();
        import(store, ImportKind::Inform, &dir.path().join("inform")).await.unwrap();
        link(store, &Default::default(), instant()).await.unwrap();
        let membership: std::collections::HashMap<(String, String), i64> =
            store.person_membership().await.unwrap().into_iter().map(|(s, id, p)| ((s, id), p)).collect();
        let together = sharing.iter().filter(|(c, i)| membership[c] == membership[i]).count();
        assert!(
            together * 100 >= sharing.len() * 95,
            "{label}: {together} of {} CHAIN and Inform records sharing a stay are one person",
            sharing.len()
        );
        // Nobody joined to a namesake: every two records of one person are of one true person.
        let mut members: std::collections::HashMap<i64, Vec<&(String, String)>> = Default::default();
        for (record, person) in &membership {
            members.entry(*person).or_default().push(record);
        }
        let (mut pairs, mut wrong) = (0, 0);
        for records in members.values() {
            for (i, a) in records.iter().enumerate() {
                for b in &records[i + 1..] {
                    pairs += 1;
                    wrong += usize::from(person_of.get(*a) != person_of.get(*b));
                }
            }
        }
        assert!(wrong * 100 <= pairs, "{label}: {wrong} of {pairs} linked pairs join two people");
    })
    .await;
}
