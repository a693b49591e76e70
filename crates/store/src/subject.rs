//! Everything held on one person, for a subject access request, driven by the schema: one
//! declared list of the tables that hold person data, each with how its rows are tied to a
//! person, and one of the tables that hold none, each with why. Every column of a person's rows
//! is read (`SELECT *`) and turned into JSON by its value, so a column added later is exported
//! without anyone remembering to. A test compares both lists with the live schema on both
//! backends, so a table added later fails it until someone decides which list it belongs to.

use crate::Result;
use crate::StoreError;
use crate::sql::SqlStore;
use serde_json::{Map, Value};
use sqlx::{Column, Row, ValueRef};
use std::collections::BTreeMap;

/// A table that holds data on people.
#[derive(Debug, Clone, Copy)]
pub struct PersonTable {
    pub table: &'static str,
    /// Which rows are the person's: a condition on the table's rows, with `$1` the person's id.
    pub tied_by: &'static str,
    /// Columns left out of the export, each with why: they would show other people's data.
    pub withheld: &'static [(&'static str, &'static str)],
}

/// The ids of the person's current records.
macro_rules! records {
    () => {
        "(SELECT record_id FROM person_links WHERE person_id = $1 \
         UNION SELECT record_id FROM restricted_records WHERE person_id = $1)"
    };
}

/// Every table that holds data on people, and how a row is tied to one.
pub const PERSON_TABLES: &[PersonTable] = &[
    PersonTable { table: "persons", tied_by: "id = $1", withheld: &[] },
    PersonTable { table: "person_links", tied_by: "person_id = $1", withheld: &[] },
    PersonTable { table: "source_records", tied_by: concat!("id IN ", records!()), withheld: &[] },
    PersonTable { table: "contacts", tied_by: concat!("record_id IN ", records!()), withheld: &[] },
    PersonTable { table: "stays", tied_by: concat!("record_id IN ", records!()), withheld: &[] },
    PersonTable { table: "assessments", tied_by: concat!("record_id IN ", records!()), withheld: &[] },
    // Health partners' events are the person's through the NHS numbers of their records, as on
    // their page.
    PersonTable {
        table: "health_events",
        tied_by: concat!(
            "nhs_number IN (SELECT nhs_number FROM source_records WHERE nhs_number IS NOT NULL AND id IN ",
            records!(),
            ")"
        ),
        withheld: &[],
    },
    PersonTable { table: "link_compared", tied_by: concat!("record_id IN ", records!()), withheld: &[] },
    // A pair scored between one of the person's records and someone else's holds that other
    // person's values in its explanation: only pairs of the person's own records are theirs.
    PersonTable {
        table: "link_pairs",
        tied_by: concat!("left_record_id IN ", records!(), " AND right_record_id IN ", records!()),
        withheld: &[],
    },
    // A decision on a pair is about both records: the person's whichever side they are on.
    PersonTable {
        table: "link_decisions",
        tied_by: concat!("left_record_id IN ", records!(), " OR right_record_id IN ", records!()),
        withheld: &[],
    },
    PersonTable { table: "consents", tied_by: "person_id = $1", withheld: &[] },
    // A restriction kept on the person (their data are stored but not used).
    PersonTable { table: "restrictions", tied_by: "person_id = $1", withheld: &[] },
    PersonTable { table: "restricted_records", tied_by: "person_id = $1", withheld: &[] },
    PersonTable {
        table: "consent_organisations",
        tied_by: "consent_id IN (SELECT id FROM consents WHERE person_id = $1)",
        withheld: &[],
    },
    PersonTable { table: "break_glass", tied_by: "person_id = $1", withheld: &[] },
    PersonTable { table: "actions", tied_by: "person_id = $1", withheld: &[] },
    PersonTable { table: "escalations", tied_by: "person_id = $1", withheld: &[] },
    PersonTable {
        table: "escalation_events",
        tied_by: "escalation_id IN (SELECT id FROM escalations WHERE person_id = $1)",
        withheld: &[],
    },
    PersonTable {
        table: "notifications",
        tied_by: "escalation_id IN (SELECT id FROM escalations WHERE person_id = $1)",
        withheld: &[],
    },
    PersonTable { table: "resource_offers", tied_by: "person_id = $1", withheld: &[] },
    PersonTable {
        table: "audit_log",
        tied_by: "person_id = $1 OR id IN (SELECT audit_id FROM audit_persons WHERE person_id = $1)",
        withheld: &[("persons", "a list page's entry names everyone else shown on the page")],
    },
    PersonTable { table: "audit_persons", tied_by: "person_id = $1", withheld: &[] },
];

/// Every table that holds no data on any one person, with why.
pub const NO_PERSON_TABLES: &[(&str, &str)] = &[
    ("organisations", "the partner organisations"),
    ("organisation_names", "the names a partner's teams and services go by in exports"),
    ("users", "staff accounts: the people on the list are not users"),
    ("sessions", "staff sign-ins"),
    ("erased_ids", "one-way keyed hashes of erased people's ids, so an import skips them: nobody's data"),
    ("login_attempts", "staff sign-in attempts counted by username and address, for the throttle"),
    ("imports", "each import's file and counts"),
    ("import_diagnostics", "rejected rows: their file, line and reason; such a row was never stored as anyone's"),
    ("import_seen", "the ids an import in progress has seen, emptied when it commits"),
    ("link_runs", "each linkage run's model: parameters and value frequencies over everyone"),
    ("stats_snapshots", "the statistics' cache, rebuilt from the tables that hold the data"),
    ("sharing_agreements", "data-sharing agreements between partners"),
    ("sharing_agreement_organisations", "the partners to each data-sharing agreement"),
    ("resources", "shared beds and rooms; who was offered one is in resource_offers"),
    ("settings", "the partnership's settings"),
    ("locks", "which server holds a lock"),
    ("schema_migrations", "the schema's version"),
];

/// Each table's rows held on a person, every column by name.
pub type PersonData = BTreeMap<String, Vec<Map<String, Value>>>;

/// One cell as JSON, whatever its column's type: an integer, a real, text, or null.
fn cell(row: &sqlx::any::AnyRow, index: usize, table: &str) -> Result<Value> {
    if row.try_get_raw(index)?.is_null() {
        return Ok(Value::Null);
    }
    if let Ok(v) = row.try_get::<i64, _>(index) {
        return Ok(Value::from(v));
    }
    if let Ok(v) = row.try_get::<f64, _>(index) {
        return Ok(Value::from(v));
    }
    if let Ok(v) = row.try_get::<String, _>(index) {
        return Ok(Value::from(v));
    }
    let column = row.columns()[index].name();
    Err(StoreError::Config(format!("{table}.{column}: a type the subject access export cannot read")))
}

impl SqlStore {
    pub(crate) async fn read_person_data(&self, person_id: i64) -> Result<PersonData> {
        let mut data = PersonData::new();
        for t in PERSON_TABLES {
            let sql = format!("SELECT * FROM {} WHERE {} ORDER BY 1", t.table, t.tied_by);
            let rows = sqlx::query(&sql).bind(person_id).fetch_all(self.pool()).await?;
            let mut objects = Vec::with_capacity(rows.len());
            for row in &rows {
                let mut object = Map::new();
                for (i, column) in row.columns().iter().enumerate() {
                    if t.withheld.iter().any(|(name, _)| *name == column.name()) {
                        continue;
                    }
                    object.insert(column.name().to_owned(), cell(row, i, t.table)?);
                }
                objects.push(object);
            }
            data.insert(t.table.to_owned(), objects);
        }
        Ok(data)
    }

    /// Every table of the live schema with its columns, in order: for the test that keeps the
    /// lists above complete.
    pub async fn schema_columns(&self) -> Result<BTreeMap<String, Vec<String>>> {
        let sql = match self.backend() {
            crate::Backend::Sqlite => {
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"
            }
            crate::Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
            }
        };
        let rows = sqlx::query(sql).fetch_all(self.pool()).await?;
        let mut tables: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in rows {
            tables.entry(row.try_get(0)?).or_default().push(row.try_get(1)?);
        }
        Ok(tables)
    }

    /// Every table of the live schema with each column's name and whether it may hold NULL,
    /// for the test that keeps the SQLite and PostgreSQL migrations alike. SQLite does not
    /// report a primary key column as NOT NULL even where it can hold no NULL (an `INTEGER
    /// PRIMARY KEY` is the row id), so its primary key columns say `None`: not reported.
    pub async fn schema_nullability(&self) -> Result<BTreeMap<String, Vec<(String, Option<bool>)>>> {
        let sql = match self.backend() {
            crate::Backend::Sqlite => {
                "SELECT m.name, p.name, CASE WHEN p.pk > 0 THEN NULL WHEN p.\"notnull\" = 0 THEN 1 ELSE 0 END \
                 FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"
            }
            crate::Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), \
                 CAST(CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS BIGINT) FROM information_schema.columns \
                 WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
            }
        };
        let rows = sqlx::query(sql).fetch_all(self.pool()).await?;
        let mut tables: BTreeMap<String, Vec<(String, Option<bool>)>> = BTreeMap::new();
        for row in rows {
            let nullable: Option<i64> = row.try_get(2)?;
            tables.entry(row.try_get(0)?).or_default().push((row.try_get(1)?, nullable.map(|n| n == 1)));
        }
        Ok(tables)
    }
}
