//! [`ImportTx`]: one import as one database transaction. Rows are written in
//! batches of multi-row statements; each row is inserted, updated (its
//! content fingerprint changed, or it was withdrawn and came back) or left
//! alone, so importing the same export twice changes nothing. Rows of a full
//! export that are missing are marked withdrawn, never deleted.

use crate::Result;
use crate::backend::{format_instant, instant, opt_text};
use crate::conn::{Conn, Value};
use crate::sql::SqlStore;
use crate::types::{ImportSummary, SourceCompleteness, StoredDiagnostic};
use byname_domain::date::iso;
use byname_domain::records::*;
use byname_import::Diagnostic;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;
use std::future::Future;

/// What an import did to one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TableCounts {
    pub imported: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub withdrawn: i64,
}

impl std::ops::AddAssign for TableCounts {
    fn add_assign(&mut self, other: Self) {
        self.imported += other.imported;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.withdrawn += other.withdrawn;
    }
}

/// What withdrawing the rows a full export no longer holds did to one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Withdrawal {
    /// Rows marked withdrawn.
    pub withdrawn: i64,
    /// Rows in scope that were live before this import: those it withdrew and those it saw again.
    pub live: i64,
}

struct NewRow {
    source_id: String,
    fingerprint: i64,
    values: Vec<Value>,
}

/// Ids looked up in one statement.
const IDS_PER_LOOKUP: usize = 500;

pub struct ImportTx {
    conn: Conn,
    import_id: i64,
    n_diagnostics: i64,
    /// Whether a (table, source) had rows before this import; when it had
    /// none, every row is new and nothing can be withdrawn.
    had_rows: HashMap<(&'static str, String), bool>,
    /// Per (table, source), how many rows this import saw again that were live before it.
    live_seen: HashMap<(&'static str, String), i64>,
    /// `source_id -> id` of person-level records, per source, read on demand.
    record_ids: HashMap<Source, HashMap<String, i64>>,
    /// Tables this import has written to.
    touched: Vec<&'static str>,
    /// Indexes dropped for a bulk load, rebuilt before commit.
    rebuild: Vec<String>,
}

fn text(value: Option<&str>) -> Value {
    Value::Text(value.map(str::to_owned))
}

fn extra_json(extra: &Extra) -> Value {
    Value::Text((!extra.is_empty()).then(|| {
        let map: serde_json::Map<String, serde_json::Value> =
            extra.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
        serde_json::Value::Object(map).to_string()
    }))
}

fn flag(value: Option<bool>) -> Value {
    Value::Int(value.map(i64::from))
}

impl ImportTx {
    pub(crate) async fn begin(mut conn: Conn, kind: &str, origin: &str, started_at: &str) -> Result<Self> {
        let import_id = conn
            .query_int(
                "INSERT INTO imports (kind, origin, started_at, finished_at, rows_read, imported, updated, unchanged, \
                 withdrawn, rejected, warnings) VALUES ($1, $2, $3, $3, 0, 0, 0, 0, 0, 0, 0) RETURNING id",
                vec![kind.into(), origin.into(), started_at.into()],
            )
            .await?;
        Ok(Self {
            conn,
            import_id,
            n_diagnostics: 0,
            had_rows: HashMap::new(),
            live_seen: HashMap::new(),
            record_ids: HashMap::new(),
            touched: Vec::new(),
            rebuild: Vec::new(),
        })
    }

    pub fn import_id(&self) -> i64 {
        self.import_id
    }

    async fn had_rows(&mut self, table: &'static str, source: &str) -> Result<bool> {
        if let Some(&had) = self.had_rows.get(&(table, source.to_owned())) {
            return Ok(had);
        }
        let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE source = $1 LIMIT 1) AS t");
        let n = self.conn.query_int(&sql, vec![source.into()]).await?;
        self.had_rows.insert((table, source.to_owned()), n > 0);
        Ok(n > 0)
    }

    /// The first write to a table that is empty drops its non-unique indexes
    /// and rebuilds them at commit: building an index once from sorted keys
    /// is several times faster than updating it a million times in random order.
    async fn prepare_bulk_load(&mut self, table: &'static str) -> Result<()> {
        if self.touched.contains(&table) {
            return Ok(());
        }
        self.touched.push(table);
        let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT 1) AS t");
        if self.conn.query_int(&sql, Vec::new()).await? > 0 {
            return Ok(());
        }
        for (name, create) in self.conn.secondary_indexes(table).await? {
            // Unique indexes stay: they guard the ids all along, and exports come
            // in id order, which a B-tree appends cheaply.
            if create.to_uppercase().starts_with("CREATE UNIQUE") {
                continue;
            }
            self.conn.execute(&format!("DROP INDEX {name}"), Vec::new()).await?;
            self.rebuild.push(create);
        }
        Ok(())
    }

    /// The stored ids of a source's person-level records, by source id.
    pub async fn record_ids(&mut self, source: Source) -> Result<&HashMap<String, i64>> {
        if !self.record_ids.contains_key(&source) {
            let rows = self
                .conn
                .query_text_ints(
                    "SELECT source_id, id FROM source_records WHERE source = $1",
                    vec![source.code().into()],
                    1,
                )
                .await?;
            let ids = rows.into_iter().map(|(source_id, ints)| (source_id, ints[0])).collect();
            self.record_ids.insert(source, ids);
        }
        Ok(&self.record_ids[&source])
    }

    /// The stored id of a person-level record, for events that refer to it.
    pub async fn record_id(&mut self, record: &RecordRef) -> Result<Option<i64>> {
        Ok(self.record_ids(record.source).await?.get(&record.source_id).copied())
    }

    async fn upsert(
        &mut self,
        table: &'static str,
        columns: &[&str],
        source: &str,
        rows: Vec<NewRow>,
    ) -> Result<TableCounts> {
        let mut counts = TableCounts::default();
        if rows.is_empty() {
            return Ok(counts);
        }
        let had_rows = self.had_rows(table, source).await?;
        self.prepare_bulk_load(table).await?;
        let mut existing: HashMap<String, (i64, i64, i64)> = HashMap::new();
        if had_rows {
            for chunk in rows.chunks(IDS_PER_LOOKUP) {
                let placeholders: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT source_id, id, fingerprint, withdrawn FROM {table} WHERE source = $1 AND source_id IN ({})",
                    placeholders.join(", ")
                );
                let mut params = vec![Value::from(source)];
                params.extend(chunk.iter().map(|row| Value::from(row.source_id.as_str())));
                for (source_id, ints) in self.conn.query_text_ints(&sql, params, 3).await? {
                    existing.insert(source_id, (ints[0], ints[1], ints[2]));
                }
            }
            self.mark_seen(table, rows.iter().map(|r| r.source_id.as_str())).await?;
        }
        let mut new_rows = Vec::with_capacity(rows.len());
        let live_seen = existing.values().filter(|&&(_, _, withdrawn)| withdrawn == 0).count() as i64;
        *self.live_seen.entry((table, source.to_owned())).or_default() += live_seen;
        for row in rows {
            match existing.get(&row.source_id) {
                None => new_rows.push(row),
                Some(&(_, fingerprint, withdrawn)) if fingerprint == row.fingerprint && withdrawn == 0 => {
                    counts.unchanged += 1
                }
                Some(&(id, _, _)) => {
                    self.update_row(table, columns, id, row).await?;
                    counts.updated += 1;
                }
            }
        }
        counts.imported = new_rows.len() as i64;
        self.insert_rows(table, columns, source, new_rows).await?;
        Ok(counts)
    }

    async fn insert_rows(&mut self, table: &str, columns: &[&str], source: &str, rows: Vec<NewRow>) -> Result<()> {
        let mut all_columns = vec!["source", "source_id", "fingerprint", "import_id"];
        all_columns.extend_from_slice(columns);
        let values = rows
            .into_iter()
            .map(|row| {
                let mut values = Vec::with_capacity(all_columns.len());
                values.extend([
                    Value::from(source),
                    Value::Text(Some(row.source_id)),
                    Value::from(row.fingerprint),
                    Value::from(self.import_id),
                ]);
                values.extend(row.values);
                values
            })
            .collect();
        self.conn.insert_rows(table, &all_columns, values).await
    }

    async fn update_row(&mut self, table: &str, columns: &[&str], id: i64, row: NewRow) -> Result<()> {
        let assignments: Vec<String> = columns.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 4)).collect();
        let sql = format!(
            "UPDATE {table} SET fingerprint = $1, import_id = $2, withdrawn = 0, {} WHERE id = $3",
            assignments.join(", ")
        );
        let mut params = vec![Value::from(row.fingerprint), Value::from(self.import_id), Value::from(id)];
        params.extend(row.values);
        self.conn.execute(&sql, params).await?;
        Ok(())
    }

    async fn mark_seen<'a>(&mut self, table: &str, ids: impl Iterator<Item = &'a str>) -> Result<()> {
        let rows = ids.map(|id| vec![Value::from(self.import_id), Value::from(table), Value::from(id)]).collect();
        self.conn.insert_rows("import_seen", &["import_id", "table_name", "source_id"], rows).await
    }

    /// Marks withdrawn the rows of `source` in `table` that this import did not
    /// see. `scope` limits it to rows whose `column` has one of the values
    /// (a street count withdraws only within the nights it covers). Says how many
    /// of the rows that were live before the import it withdrew, for the caller
    /// to judge; a withdrawal judged too large is undone with the whole import.
    async fn withdraw_missing(
        &mut self,
        table: &'static str,
        source: &str,
        scope: Option<(&str, &[String])>,
    ) -> Result<Withdrawal> {
        if !self.had_rows(table, source).await? {
            return Ok(Withdrawal::default());
        }
        let mut sql = format!(
            "UPDATE {table} SET withdrawn = 1, import_id = $1 WHERE source = $2 AND withdrawn = 0 AND NOT EXISTS \
             (SELECT 1 FROM import_seen s WHERE s.import_id = $1 AND s.table_name = $3 AND s.source_id = {table}.source_id)"
        );
        if let Some((column, values)) = scope {
            let placeholders: Vec<String> = (0..values.len()).map(|i| format!("${}", i + 4)).collect();
            sql.push_str(&format!(" AND {column} IN ({})", placeholders.join(", ")));
        }
        let mut params = vec![Value::from(self.import_id), Value::from(source), Value::from(table)];
        params.extend(scope.map(|(_, v)| v).unwrap_or_default().iter().map(|v| Value::from(v.as_str())));
        let withdrawn = self.conn.execute(&sql, params).await? as i64;
        let seen = self.live_seen.get(&(table, source.to_owned())).copied().unwrap_or(0);
        Ok(Withdrawal { withdrawn, live: withdrawn + seen })
    }

    pub async fn person_records(&mut self, records: Vec<PersonRecord>) -> Result<TableCounts> {
        const COLUMNS: &[&str] = &[
            "first_name",
            "last_name",
            "known_as",
            "aliases",
            "date_of_birth",
            "gender",
            "nationality",
            "ethnicity",
            "immigration_status",
            "support_needs",
            "history",
            "last_settled_base",
            "nhs_number",
            "recorded_chain_id",
            "extra",
        ];
        let Some(source) = records.first().map(|r| r.source) else { return Ok(TableCounts::default()) };
        let rows = records
            .iter()
            .map(|r| NewRow {
                source_id: r.source_id.clone(),
                fingerprint: r.fingerprint(),
                values: vec![
                    text(r.first_name.as_deref()),
                    text(r.last_name.as_deref()),
                    text(r.known_as.as_deref()),
                    Value::Text((!r.aliases.is_empty()).then(|| r.aliases.join(";"))),
                    Value::Text(r.date_of_birth.map(|d| d.to_string())),
                    text(r.gender.map(Gender::code)),
                    text(r.nationality.map(|n| n.alpha3())),
                    text(r.ethnicity.as_deref()),
                    text(r.immigration_status.map(ImmigrationStatus::code)),
                    Value::Text((!r.support_needs.is_empty()).then(|| join_codes(&r.support_needs, SupportNeed::code))),
                    Value::Text((!r.history.is_empty()).then(|| join_codes(&r.history, History::code))),
                    text(r.last_settled_base.map(SettledBase::code)),
                    Value::Text(r.nhs_number.map(|n| n.as_digits())),
                    text(r.recorded_chain_id.as_deref()),
                    extra_json(&r.extra),
                ],
            })
            .collect();
        let counts = self.upsert("source_records", COLUMNS, source.code(), rows).await?;
        // New records have ids the cache does not know yet.
        self.record_ids.remove(&source);
        Ok(counts)
    }

    /// Contacts whose record is unknown are the caller's to reject beforehand;
    /// here they are stored without a person (as anonymous sightings are).
    pub async fn contacts(&mut self, contacts: Vec<Contact>) -> Result<TableCounts> {
        const COLUMNS: &[&str] = &[
            "record_id",
            "contact_date",
            "contact_time",
            "team",
            "borough",
            "location",
            "latitude",
            "longitude",
            "bedded_down",
            "contact_type",
            "extra",
        ];
        let Some(source) = contacts.first().map(|c| c.source) else { return Ok(TableCounts::default()) };
        let mut rows = Vec::with_capacity(contacts.len());
        for c in contacts {
            let record_id = match &c.record {
                Some(record) => self.record_id(record).await?,
                None => None,
            };
            let fingerprint = c.fingerprint();
            rows.push(NewRow {
                source_id: c.source_id,
                fingerprint,
                values: vec![
                    Value::Int(record_id),
                    Value::Text(Some(iso(c.date))),
                    Value::Text(c.time),
                    Value::Text(c.team),
                    Value::Text(c.borough),
                    Value::Text(c.location),
                    Value::Real(c.latitude),
                    Value::Real(c.longitude),
                    Value::Int(Some(i64::from(c.bedded_down))),
                    text(Some(c.contact_type.code())),
                    extra_json(&c.extra),
                ],
            });
        }
        self.upsert("contacts", COLUMNS, source.code(), rows).await
    }

    pub async fn stays(&mut self, stays: Vec<Stay>) -> Result<TableCounts> {
        const COLUMNS: &[&str] =
            &["record_id", "provider", "stay_type", "arrival_date", "departure_date", "departure_reason", "extra"];
        let Some(source) = stays.first().map(|s| s.source) else { return Ok(TableCounts::default()) };
        let mut rows = Vec::with_capacity(stays.len());
        for s in stays {
            let fingerprint = s.fingerprint();
            rows.push(NewRow {
                values: vec![
                    Value::Int(self.record_id(&s.record).await?),
                    Value::Text(s.provider),
                    text(Some(s.stay_type.code())),
                    Value::Text(Some(iso(s.arrival))),
                    Value::Text(s.departure.map(iso)),
                    text(s.departure_reason.map(DepartureReason::code)),
                    extra_json(&s.extra),
                ],
                source_id: s.source_id,
                fingerprint,
            });
        }
        self.upsert("stays", COLUMNS, source.code(), rows).await
    }

    pub async fn assessments(&mut self, assessments: Vec<Assessment>) -> Result<TableCounts> {
        const COLUMNS: &[&str] =
            &["record_id", "assessed_on", "alcohol", "drugs", "mental_health", "physical_health", "extra"];
        let Some(source) = assessments.first().map(|a| a.source) else { return Ok(TableCounts::default()) };
        let mut rows = Vec::with_capacity(assessments.len());
        for a in &assessments {
            rows.push(NewRow {
                source_id: a.source_id.clone(),
                fingerprint: a.fingerprint(),
                values: vec![
                    Value::Int(self.record_id(&a.record).await?),
                    Value::Text(Some(iso(a.assessed_on))),
                    flag(a.alcohol),
                    flag(a.drugs),
                    flag(a.mental_health),
                    flag(a.physical_health),
                    extra_json(&a.extra),
                ],
            });
        }
        self.upsert("assessments", COLUMNS, source.code(), rows).await
    }

    pub async fn health_events(&mut self, events: Vec<HealthEvent>) -> Result<TableCounts> {
        const COLUMNS: &[&str] =
            &["nhs_number", "name", "date_of_birth", "event_type", "event_date", "provider", "extra"];
        let rows = events
            .into_iter()
            .map(|e| NewRow {
                fingerprint: e.fingerprint(),
                values: vec![
                    Value::Text(e.nhs_number.map(|n| n.as_digits())),
                    Value::Text(e.name),
                    Value::Text(e.date_of_birth.map(|d| d.to_string())),
                    text(Some(e.event_type.code())),
                    Value::Text(Some(iso(e.event_date))),
                    Value::Text(e.provider),
                    extra_json(&e.extra),
                ],
                source_id: e.source_id,
            })
            .collect();
        self.upsert("health_events", COLUMNS, Source::Health.code(), rows).await
    }

    /// Withdraws what a full export of `source` no longer contains, table by table.
    pub async fn withdraw_person_records(&mut self, source: Source) -> Result<Withdrawal> {
        self.withdraw_missing("source_records", source.code(), None).await
    }
    pub async fn withdraw_contacts(&mut self, source: Source, nights: Option<&[String]>) -> Result<Withdrawal> {
        self.withdraw_missing("contacts", source.code(), nights.map(|n| ("contact_date", n))).await
    }
    pub async fn withdraw_stays(&mut self, source: Source) -> Result<Withdrawal> {
        self.withdraw_missing("stays", source.code(), None).await
    }
    pub async fn withdraw_assessments(&mut self, source: Source) -> Result<Withdrawal> {
        self.withdraw_missing("assessments", source.code(), None).await
    }
    pub async fn withdraw_health_events(&mut self) -> Result<Withdrawal> {
        self.withdraw_missing("health_events", Source::Health.code(), None).await
    }

    /// Stores diagnostics as they arrive, so a file full of bad rows never
    /// piles up in memory.
    pub async fn add_diagnostics(&mut self, severity: &str, diagnostics: &[Diagnostic]) -> Result<()> {
        let mut rows = Vec::with_capacity(diagnostics.len());
        for d in diagnostics {
            self.n_diagnostics += 1;
            rows.push(vec![
                Value::from(self.import_id),
                Value::from(self.n_diagnostics),
                Value::from(severity),
                Value::from(d.file.as_str()),
                Value::from(d.line as i64),
                Value::Text(d.column.clone()),
                Value::from(d.reason.as_str()),
            ]);
        }
        self.conn
            .insert_rows(
                "import_diagnostics",
                &["import_id", "seq", "severity", "file", "line", "column_name", "reason"],
                rows,
            )
            .await
    }

    /// Undoes the whole import, its row in `imports` included: for a dry run, or an import
    /// refused after it was written.
    pub async fn rollback(self) -> Result<()> {
        self.conn.rollback().await
    }

    /// Writes the report and commits everything at once.
    pub async fn commit(mut self, summary: &crate::ImportSummary) -> Result<()> {
        let counts = [
            summary.rows_read,
            summary.imported,
            summary.updated,
            summary.unchanged,
            summary.withdrawn,
            summary.rejected,
            summary.warnings,
            summary.erased,
        ];
        let mut params = vec![Value::from(format_instant(summary.finished_at).as_str())];
        params.extend(counts.into_iter().map(Value::from));
        params.push(Value::from(self.import_id));
        self.conn
            .execute(
                "UPDATE imports SET finished_at = $1, rows_read = $2, imported = $3, updated = $4, unchanged = $5, \
                 withdrawn = $6, rejected = $7, warnings = $8, erased = $9 WHERE id = $10",
                params,
            )
            .await?;
        self.conn.execute("DELETE FROM import_seen WHERE import_id = $1", vec![Value::from(self.import_id)]).await?;
        for create in std::mem::take(&mut self.rebuild) {
            let started = std::time::Instant::now();
            self.conn.execute(&create, Vec::new()).await?;
            tracing::debug!(index = %create, seconds = started.elapsed().as_secs_f64(), "rebuilt index after bulk load");
        }
        if self.conn.is_postgres() && !self.touched.is_empty() {
            // PostgreSQL plans from table statistics, which autovacuum refreshes only later: after
            // a bulk load, a person's page would be planned as a scan of every contact.
            let mut tables = self.touched.clone();
            tables.sort_unstable();
            tables.dedup();
            self.conn.execute(&format!("ANALYZE {}", tables.join(", ")), Vec::new()).await?;
        }
        let started = std::time::Instant::now();
        self.conn.commit().await?;
        tracing::debug!(seconds = started.elapsed().as_secs_f64(), "committed import");
        Ok(())
    }
}

/// Imports: each export read into the store in one transaction, and the history of imports with their diagnostics.
pub trait Imports: Send + Sync {
    /// Starts an import: everything written through the returned transaction,
    /// rows and report alike, is stored on [`ImportTx::commit`] or not at all.
    fn begin_import(
        &self,
        kind: &str,
        origin: &str,
        started_at: time::OffsetDateTime,
    ) -> impl Future<Output = Result<ImportTx>> + Send;
    fn import_history(&self, limit: i64) -> impl Future<Output = Result<Vec<ImportSummary>>> + Send;
    fn import_diagnostics(&self, import_id: i64) -> impl Future<Output = Result<Vec<StoredDiagnostic>>> + Send;
    /// The latest import of each kind.
    fn latest_imports(&self) -> impl Future<Output = Result<Vec<ImportSummary>>> + Send;
    /// How many of each source's current records have a date of birth, a nationality and an
    /// NHS number.
    fn record_completeness(&self) -> impl Future<Output = Result<Vec<SourceCompleteness>>> + Send;
}

impl Imports for SqlStore {
    async fn begin_import(&self, kind: &str, origin: &str, started_at: time::OffsetDateTime) -> Result<ImportTx> {
        let conn = match &self.sqlite_path {
            Some(path) => Conn::open_sqlite(path)?,
            None => Conn::Postgres(self.pool.begin().await?),
        };
        ImportTx::begin(conn, kind, origin, &format_instant(started_at)).await
    }

    async fn import_history(&self, limit: i64) -> Result<Vec<ImportSummary>> {
        let rows = sqlx::query(
            "SELECT id, kind, origin, started_at, finished_at, rows_read, imported, updated, unchanged, withdrawn, \
             rejected, warnings, erased FROM imports ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(import_summary).collect()
    }

    async fn latest_imports(&self) -> Result<Vec<ImportSummary>> {
        let rows = sqlx::query(
            "SELECT id, kind, origin, started_at, finished_at, rows_read, imported, updated, unchanged, withdrawn, \
             rejected, warnings, erased FROM imports WHERE id IN (SELECT MAX(id) FROM imports GROUP BY kind) \
             ORDER BY kind",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(import_summary).collect()
    }

    async fn record_completeness(&self) -> Result<Vec<SourceCompleteness>> {
        let present = |column: &str| format!("COUNT(CASE WHEN {column} IS NOT NULL AND {column} <> '' THEN 1 END)");
        let sql = format!(
            "SELECT source, COUNT(*) AS records, {} AS dob, {} AS nationality, {} AS nhs FROM source_records \
             WHERE withdrawn = 0 GROUP BY source ORDER BY source",
            present("date_of_birth"),
            present("nationality"),
            present("nhs_number")
        );
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(SourceCompleteness {
                    source: r.try_get("source")?,
                    records: r.try_get("records")?,
                    with_date_of_birth: r.try_get("dob")?,
                    with_nationality: r.try_get("nationality")?,
                    with_nhs_number: r.try_get("nhs")?,
                })
            })
            .collect()
    }

    async fn import_diagnostics(&self, import_id: i64) -> Result<Vec<StoredDiagnostic>> {
        let rows = sqlx::query(
            "SELECT severity, file, line, column_name, reason FROM import_diagnostics WHERE import_id = $1 ORDER BY seq",
        )
        .bind(import_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredDiagnostic {
                    severity: r.try_get("severity")?,
                    file: r.try_get("file")?,
                    line: r.try_get("line")?,
                    column: opt_text(r, "column_name")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }
}

fn import_summary(r: &sqlx::any::AnyRow) -> Result<ImportSummary> {
    Ok(ImportSummary {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        origin: r.try_get("origin")?,
        started_at: instant(r, "started_at")?,
        finished_at: instant(r, "finished_at")?,
        rows_read: r.try_get("rows_read")?,
        imported: r.try_get("imported")?,
        updated: r.try_get("updated")?,
        unchanged: r.try_get("unchanged")?,
        withdrawn: r.try_get("withdrawn")?,
        rejected: r.try_get("rejected")?,
        warnings: r.try_get("warnings")?,
        erased: r.try_get("erased")?,
    })
}
