//! The two migration folders describe one schema: after migrating, SQLite and PostgreSQL have
//! the same tables with the same columns, and a column that may hold NULL on one may on the
//! other. The SQL is shared between the backends (ARCHITECTURE.md, invariant 2), so a column
//! added to one folder and forgotten in the other would otherwise show only as a failing query.

use crate::support::*;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

type Schema = BTreeMap<String, Vec<(String, Option<bool>)>>;

#[tokio::test]
async fn sqlite_and_postgres_have_the_same_tables_columns_and_nullability() {
    let schemas: RefCell<Vec<(&'static str, Schema)>> = RefCell::new(Vec::new());
    each_store(async |store, label| {
        let schema = store.schema_nullability().await.unwrap();
        assert!(schema.contains_key("source_records"), "{label}: no source_records table after migrating");
        schemas.borrow_mut().push((label, schema));
    })
    .await;
    let schemas = schemas.into_inner();
    let [(_, sqlite), (_, postgres)] = &schemas[..] else {
        eprintln!("*** only {} store(s) answered: the schemas were not compared ***", schemas.len());
        return;
    };

    let mut differences = Vec::new();
    let mut nullability_compared = 0;
    let sqlite_tables: BTreeSet<&String> = sqlite.keys().collect();
    let postgres_tables: BTreeSet<&String> = postgres.keys().collect();
    for table in sqlite_tables.difference(&postgres_tables) {
        differences.push(format!("table {table} is only in SQLite"));
    }
    for table in postgres_tables.difference(&sqlite_tables) {
        differences.push(format!("table {table} is only in PostgreSQL"));
    }
    for table in sqlite_tables.intersection(&postgres_tables) {
        let sqlite_columns: BTreeMap<&str, Option<bool>> =
            sqlite[*table].iter().map(|(name, nullable)| (name.as_str(), *nullable)).collect();
        let postgres_columns: BTreeMap<&str, Option<bool>> =
            postgres[*table].iter().map(|(name, nullable)| (name.as_str(), *nullable)).collect();
        for (column, sqlite_nullable) in &sqlite_columns {
            match postgres_columns.get(column) {
                None => differences.push(format!("{table}.{column} is only in SQLite")),
                Some(postgres_nullable) => {
                    let (Some(s), Some(p)) = (sqlite_nullable, postgres_nullable) else { continue };
                    nullability_compared += 1;
                    if s != p {
                        let says = |nullable: bool| if nullable { "NULL" } else { "NOT NULL" };
                        differences.push(format!(
                            "{table}.{column} is {} in SQLite but {} in PostgreSQL",
                            says(*s),
                            says(*p)
                        ));
                    }
                }
            }
        }
        for column in postgres_columns.keys().filter(|column| !sqlite_columns.contains_key(*column)) {
            differences.push(format!("{table}.{column} is only in PostgreSQL"));
        }
    }
    eprintln!("{} tables, {nullability_compared} columns' nullability compared", sqlite_tables.len());
    assert!(nullability_compared > 0, "no column's nullability was reported by both backends");
    assert!(differences.is_empty(), "the two schemas differ:\n  {}", differences.join("\n  "));
}
