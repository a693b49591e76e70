//! Importing an export: files are streamed row by row through the format
//! parsers into one store transaction. Bad rows are reported (file, line,
//! column, reason) and skipped; the good rows and the report are committed
//! together, or, if anything fails on the way, nothing is.

use byname_domain::records::*;
use byname_import::street_count::{NightCounter, Sighting};
use byname_import::table::FileErrorOr;
use byname_import::{Diagnostic, FileError, FileSpec, IdRegister, Mapping, Row, Table, spec};
use byname_store::{ImportSummary, ImportTx, Store, StoreError, TableCounts, Withdrawal};
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Chain,
    Inform,
    StreetCount,
    Health,
}

impl ImportKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Chain => "chain",
            Self::Inform => "inform",
            Self::StreetCount => "street_count",
            Self::Health => "health",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub mapping: Mapping,
    /// A partial export only adds and updates: nothing missing from it is withdrawn,
    /// and its events may refer to records imported before.
    pub partial: bool,
    /// The largest share (0 to 1) of a table's live rows of one source that a full export may
    /// withdraw; a larger withdrawal refuses the whole import, since a header-only or
    /// truncated export would otherwise empty the list.
    pub max_withdrawal: f64,
    /// Withdraw whatever a full export leaves out, however much.
    pub confirm_withdrawals: bool,
    /// Run the whole import, then undo it: nothing is stored, not even the import's history.
    pub dry_run: bool,
}

/// The share of a source's live rows a full export may withdraw unless confirmed.
pub const DEFAULT_MAX_WITHDRAWAL: f64 = 0.10;

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            mapping: Mapping::default(),
            partial: false,
            max_withdrawal: DEFAULT_MAX_WITHDRAWAL,
            confirm_withdrawals: false,
            dry_run: false,
        }
    }
}

/// Told how far an import has got, for progress bars.
pub trait Progress: Sync {
    fn start_file(&self, file: &str, total_bytes: u64);
    fn advance(&self, bytes_read: u64);
    fn finish_file(&self);
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn start_file(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
    fn finish_file(&self) {}
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: file not found (an export folder needs {needed})")]
    MissingFile { path: PathBuf, needed: String },
    #[error("{path}: {source}")]
    Open { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "{file}: this full export would withdraw {withdrawn} of {live} live {what} ({}), more than the {} allowed; \
         if the export really is complete, import it again with --confirm-withdrawals (or --partial if it holds \
         only new and changed rows)",
        percent(*withdrawn as f64 / *live as f64),
        percent(*allowed)
    )]
    TooManyWithdrawals {
        /// The file whose rows (or whose events' rows) would be withdrawn.
        file: String,
        /// What the rows are, e.g. "CHAIN contacts".
        what: String,
        withdrawn: i64,
        live: i64,
        /// The share allowed, 0 to 1.
        allowed: f64,
    },
}

/// A share as a percentage for people: whole when it is, one decimal below 10%, and never
/// rounded up to 100% when it is less.
fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p.fract() == 0.0 {
        format!("{p}%")
    } else if p < 10.0 {
        format!("{:.1}%", p.max(0.1))
    } else {
        format!("{}%", p.round().min(99.0))
    }
}

/// What one file of an import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileOutcome {
    pub file: String,
    pub rows_read: i64,
    pub rejected: i64,
    /// Rows skipped because they belong to an erased person (`byname erase`): not errors.
    pub erased: i64,
    pub counts: TableCounts,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportOutcome {
    pub summary: ImportSummary,
    pub files: Vec<FileOutcome>,
    /// The first rejected rows, for showing; all of them are stored with the import.
    pub rejected_sample: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    /// A dry run: everything was counted, then undone, and `summary.id` was never stored.
    pub dry_run: bool,
    /// In a dry run, the withdrawals a real import would refuse, as their messages.
    pub refused_withdrawals: Vec<String>,
}

const BATCH_ROWS: usize = 2_000;
const SAMPLE: usize = 20;

/// Counts bytes as they are read and tells the progress bar now and then.
struct Counted<'p, R> {
    inner: R,
    read: u64,
    reported: u64,
    progress: &'p dyn Progress,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read - self.reported >= 1 << 20 || n == 0 {
            self.progress.advance(self.read);
            self.reported = self.read;
        }
        Ok(n)
    }
}

/// A workbook is read by seeking to its zip directory at the end.
impl<R: Seek> Seek for Counted<'_, R> {
    fn seek(&mut self, position: std::io::SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(position)
    }
}

/// Whether a file is an Excel workbook, by its name.
fn is_workbook(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"))
}

/// The state of one import run.
struct Run<'a> {
    tx: ImportTx,
    options: &'a ImportOptions,
    refused_withdrawals: Vec<String>,
    progress: &'a dyn Progress,
    files: Vec<FileOutcome>,
    rejected_sample: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    pending_rejections: Vec<Diagnostic>,
    n_rejected_rows: i64,
}

impl<'a> Run<'a> {
    fn open_file(&self, path: &Path) -> Result<(Counted<'a, BufReader<File>>, u64), ImportError> {
        let file = File::open(path).map_err(|source| ImportError::Open { path: path.to_owned(), source })?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let reader = BufReader::with_capacity(256 * 1024, file);
        Ok((Counted { inner: reader, read: 0, reported: 0, progress: self.progress }, size))
    }

    async fn reject(&mut self, diagnostics: Vec<Diagnostic>) -> Result<(), ImportError> {
        self.n_rejected_rows += 1;
        for d in &diagnostics {
            if self.rejected_sample.len() < SAMPLE {
                self.rejected_sample.push(d.clone());
            }
        }
        self.pending_rejections.extend(diagnostics);
        if self.pending_rejections.len() >= BATCH_ROWS {
            self.flush_rejections().await?;
        }
        Ok(())
    }

    async fn flush_rejections(&mut self) -> Result<(), ImportError> {
        let pending = std::mem::take(&mut self.pending_rejections);
        self.tx.add_diagnostics("error", &pending).await?;
        Ok(())
    }

    /// Streams one table: parse each row, skip the rows of erased people (`erased`), apply the
    /// cross-row `check`, write good rows in batches with `write`.
    #[allow(clippy::too_many_arguments)]
    async fn table<T, P, E, C, W>(
        &mut self,
        path: &Path,
        spec: &'static FileSpec,
        mapping: &Mapping,
        mut parse: P,
        erased: E,
        mut check: C,
        mut write: W,
    ) -> Result<(), ImportError>
    where
        P: FnMut(&Row<'_, Counted<'a, BufReader<File>>>) -> Result<T, Vec<Diagnostic>>,
        E: Fn(&T) -> bool,
        C: FnMut(&T, u64) -> Result<(), Diagnostic>,
        W: AsyncFnMut(&mut ImportTx, Vec<T>) -> Result<TableCounts, StoreError>,
    {
        let path_label = path.display().to_string();
        let (reader, size) = self.open_file(path)?;
        self.progress.start_file(&path_label, size);
        let (mut table, warnings) = if is_workbook(path) {
            Table::open_workbook(reader, &path_label, spec, mapping.file(spec))?
        } else {
            Table::open(reader, &path_label, spec, mapping.file(spec))?
        };
        // A workbook's table is named with its sheet; the cross-row checks name the file by its
        // path, and their diagnostics are this table's.
        let label = table.file().to_owned();
        let relabel = |mut diagnostic: Diagnostic| {
            diagnostic.file.clone_from(&label);
            diagnostic
        };
        self.tx.add_diagnostics("warning", &warnings).await?;
        self.warnings.extend(warnings);
        let mut outcome =
            FileOutcome { file: label.clone(), rows_read: 0, rejected: 0, erased: 0, counts: TableCounts::default() };
        let mut batch = Vec::with_capacity(BATCH_ROWS);
        loop {
            let parsed = match table.next_row() {
                None => break,
                Some(Err(FileErrorOr::File(error))) => return Err(error.into()),
                Some(Err(FileErrorOr::Row(diagnostic))) => Err(vec![diagnostic]),
                Some(Ok(row)) => {
                    let line = row.line();
                    match parse(&row) {
                        Ok(record) if erased(&record) => {
                            outcome.rows_read += 1;
                            outcome.erased += 1;
                            continue;
                        }
                        parsed => parsed
                            .and_then(|record| check(&record, line).map(|()| record).map_err(|d| vec![relabel(d)])),
                    }
                }
            };
            outcome.rows_read += 1;
            match parsed {
                Ok(record) => batch.push(record),
                Err(diagnostics) => {
                    outcome.rejected += 1;
                    self.reject(diagnostics).await?;
                }
            }
            if batch.len() >= BATCH_ROWS {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
                outcome.counts += write(&mut self.tx, full).await?;
            }
        }
        outcome.counts += write(&mut self.tx, batch).await?;
        self.flush_rejections().await?;
        self.progress.finish_file();
        self.files.push(outcome);
        Ok(())
    }

    /// Adds withdrawals to the last file's counts, and refuses them when they take more than
    /// the allowed share of the live rows, unless confirmed. A dry run notes the refusal and
    /// goes on, to report everything.
    fn withdrawn(&mut self, withdrawal: Withdrawal, what: &str) -> Result<(), ImportError> {
        let Some(last) = self.files.last_mut() else { return Ok(()) };
        last.counts.withdrawn += withdrawal.withdrawn;
        let allowed = self.options.max_withdrawal;
        let too_many = withdrawal.live > 0 && withdrawal.withdrawn as f64 > allowed * withdrawal.live as f64;
        if !too_many || self.options.confirm_withdrawals {
            return Ok(());
        }
        let error = ImportError::TooManyWithdrawals {
            file: last.file.clone(),
            what: what.to_owned(),
            withdrawn: withdrawal.withdrawn,
            live: withdrawal.live,
            allowed,
        };
        if self.options.dry_run {
            self.refused_withdrawals.push(error.to_string());
            return Ok(());
        }
        Err(error)
    }

    async fn commit(
        self,
        kind: ImportKind,
        origin: &str,
        started_at: time::OffsetDateTime,
        finished_at: time::OffsetDateTime,
    ) -> Result<ImportOutcome, ImportError> {
        let mut summary = ImportSummary {
            id: self.tx.import_id(),
            kind: kind.code().to_owned(),
            origin: origin.to_owned(),
            started_at,
            finished_at,
            rows_read: 0,
            imported: 0,
            updated: 0,
            unchanged: 0,
            withdrawn: 0,
            rejected: self.n_rejected_rows,
            warnings: self.warnings.len() as i64,
            erased: 0,
        };
        for file in &self.files {
            summary.rows_read += file.rows_read;
            summary.imported += file.counts.imported;
            summary.updated += file.counts.updated;
            summary.unchanged += file.counts.unchanged;
            summary.withdrawn += file.counts.withdrawn;
            summary.erased += file.erased;
        }
        let dry_run = self.options.dry_run;
        if dry_run {
            self.tx.rollback().await?;
        } else {
            self.tx.commit(&summary).await?;
        }
        Ok(ImportOutcome {
            summary,
            files: self.files,
            rejected_sample: self.rejected_sample,
            warnings: self.warnings,
            dry_run,
            refused_withdrawals: self.refused_withdrawals,
        })
    }
}

fn find(
    dir: &Path,
    mapping: &Mapping,
    spec: &FileSpec,
    required: &[&FileSpec],
) -> Result<Option<PathBuf>, ImportError> {
    let path = dir.join(mapping.file_name(spec));
    if path.is_file() {
        return Ok(Some(path));
    }
    // An export saved from Excel: `persons.xlsx` where `persons.csv` was looked for.
    let workbook = path.with_extension("xlsx");
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) && workbook.is_file() {
        return Ok(Some(workbook));
    }
    if required.iter().any(|r| std::ptr::eq(*r, spec)) {
        let needed = required.iter().map(|r| mapping.file_name(r).to_owned()).collect::<Vec<_>>().join(" and ");
        return Err(ImportError::MissingFile { path, needed });
    }
    Ok(None)
}

/// Whether an event refers to an erased person's record.
fn erased_ref(tombstones: &crate::tombstones::Tombstones, record: &RecordRef) -> bool {
    tombstones.record(record.source.code(), &record.source_id)
}

fn unknown_reference(file: &str, line: u64, column: &str, id: &str, parent_file: &str) -> Diagnostic {
    Diagnostic::new(file, line, Some(column), format!("{column} {id:?} is not in {parent_file}"))
}

/// Imports a folder or file of the given kind. The clock is read at the start and the end.
pub async fn import<S: Store>(
    store: &S,
    kind: ImportKind,
    path: &Path,
    options: &ImportOptions,
    progress: &dyn Progress,
    clock: &dyn crate::Clock,
) -> Result<ImportOutcome, ImportError> {
    let mapping = &options.mapping;
    // Every required file is found before anything is written.
    let files: Vec<Option<PathBuf>> = match kind {
        ImportKind::Chain => {
            let required = [&spec::CHAIN_PERSONS, &spec::CHAIN_CONTACTS];
            vec![
                find(path, mapping, &spec::CHAIN_PERSONS, &required)?,
                find(path, mapping, &spec::CHAIN_CONTACTS, &required)?,
                find(path, mapping, &spec::CHAIN_STAYS, &required)?,
            ]
        }
        ImportKind::Inform => {
            let required = [&spec::INFORM_CLIENTS];
            vec![
                find(path, mapping, &spec::INFORM_CLIENTS, &required)?,
                find(path, mapping, &spec::INFORM_PLACEMENTS, &required)?,
                find(path, mapping, &spec::INFORM_ASSESSMENTS, &required)?,
            ]
        }
        ImportKind::StreetCount | ImportKind::Health => {
            if !path.is_file() {
                return Err(ImportError::MissingFile {
                    path: path.to_owned(),
                    needed: "one CSV or Excel (.xlsx) file".into(),
                });
            }
            vec![Some(path.to_owned())]
        }
    };
    let origin = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()).display().to_string();
    let started_at = clock.now();
    let tombstones = crate::tombstones::Tombstones::load(store).await?;
    let tombstones = &tombstones;
    let tx = store.begin_import(kind.code(), &origin, started_at).await?;
    let mut run = Run {
        tx,
        options,
        refused_withdrawals: Vec::new(),
        progress,
        files: Vec::new(),
        rejected_sample: Vec::new(),
        warnings: Vec::new(),
        pending_rejections: Vec::new(),
        n_rejected_rows: 0,
    };
    match write_all(&mut run, kind, &files, options, tombstones).await {
        Ok(()) => run.commit(kind, &origin, started_at, clock.now()).await,
        Err(error) => {
            // Undone at once rather than when the transaction is dropped, so that nothing
            // after this waits on its lock.
            if let Err(rollback) = run.tx.rollback().await {
                tracing::warn!(%rollback, "rolling back a failed import");
            }
            Err(error)
        }
    }
}

/// Streams every file of the import into the run's transaction.
async fn write_all(
    run: &mut Run<'_>,
    kind: ImportKind,
    files: &[Option<PathBuf>],
    options: &ImportOptions,
    tombstones: &crate::tombstones::Tombstones,
) -> Result<(), ImportError> {
    let mapping = &options.mapping;
    let full = !options.partial;
    match kind {
        ImportKind::Chain => {
            import_people_and_events(run, mapping, files, Source::Chain, full, tombstones).await?;
        }
        ImportKind::Inform => {
            import_people_and_events(run, mapping, files, Source::Inform, full, tombstones).await?;
        }
        ImportKind::StreetCount => {
            let file = files[0].as_deref().expect("checked above");
            let mut nights_counter = NightCounter::default();
            let mut nights = std::collections::BTreeSet::new();
            run.table(
                file,
                &spec::STREET_COUNT,
                mapping,
                |row| byname_import::street_count::sighting(row, &mut nights_counter),
                |sighting: &Sighting| {
                    sighting.person.as_ref().is_some_and(|p| tombstones.record(p.source.code(), &p.source_id))
                        || sighting.contact.record.as_ref().is_some_and(|r| erased_ref(tombstones, r))
                },
                |sighting: &Sighting, _| {
                    nights.insert(byname_domain::date::iso(sighting.contact.date));
                    Ok(())
                },
                async |tx: &mut ImportTx, batch: Vec<Sighting>| {
                    let persons: Vec<PersonRecord> = batch.iter().filter_map(|s| s.person.clone()).collect();
                    tx.person_records(persons).await?;
                    let contacts: Vec<Contact> = batch.into_iter().map(|s| s.contact).collect();
                    tx.contacts(contacts).await
                },
            )
            .await?;
            if full {
                let nights: Vec<String> = nights.into_iter().collect();
                let withdrawal = run.tx.withdraw_contacts(Source::StreetCount, Some(&nights)).await?;
                run.withdrawn(withdrawal, "street-count sightings on the nights it covers")?;
            }
        }
        ImportKind::Health => {
            let file = files[0].as_deref().expect("checked above");
            let label = file.display().to_string();
            let mut ids = IdRegister::default();
            run.table(
                file,
                &spec::HEALTH_EVENTS,
                mapping,
                byname_import::health::event,
                |event: &HealthEvent| event.nhs_number.is_some_and(|n| tombstones.nhs_number(&n.as_digits())),
                |event: &HealthEvent, line| ids.register(&label, "event_id", &event.source_id, line),
                async |tx: &mut ImportTx, batch: Vec<HealthEvent>| tx.health_events(batch).await,
            )
            .await?;
            if full {
                let withdrawal = run.tx.withdraw_health_events().await?;
                run.withdrawn(withdrawal, "health events")?;
            }
        }
    }
    Ok(())
}

/// What a CHAIN or Inform table's rows are called, for messages.
fn rows_called(source: Source, table: &str) -> &'static str {
    match (source, table) {
        (Source::Chain, "persons") => "CHAIN person records",
        (Source::Chain, "contacts") => "CHAIN contacts",
        (Source::Chain, _) => "CHAIN stays",
        (_, "persons") => "Inform client records",
        (_, "placements") => "Inform placements",
        _ => "Inform assessments",
    }
}

/// A CHAIN or Inform folder: the person-level file first, then the events
/// that refer to its ids.
async fn import_people_and_events(
    run: &mut Run<'_>,
    mapping: &Mapping,
    files: &[Option<PathBuf>],
    source: Source,
    full: bool,
    tombstones: &crate::tombstones::Tombstones,
) -> Result<(), ImportError> {
    let (person_spec, id_column, event_specs) = match source {
        Source::Chain => (&spec::CHAIN_PERSONS, "chain_id", [&spec::CHAIN_CONTACTS, &spec::CHAIN_STAYS]),
        _ => (&spec::INFORM_CLIENTS, "inform_id", [&spec::INFORM_PLACEMENTS, &spec::INFORM_ASSESSMENTS]),
    };
    let person_file = files[0].as_deref().expect("the person file is required");
    let person_label = person_file.display().to_string();
    let parent_name = mapping.file_name(person_spec).to_owned();
    let mut known: HashSet<String> = HashSet::new();
    let mut ids = IdRegister::default();
    let parse_person = match source {
        Source::Chain => byname_import::chain::person,
        _ => byname_import::inform::client,
    };
    run.table(
        person_file,
        person_spec,
        mapping,
        parse_person,
        |record: &PersonRecord| tombstones.record(record.source.code(), &record.source_id),
        |record: &PersonRecord, line| {
            ids.register(&person_label, id_column, &record.source_id, line)?;
            known.insert(record.source_id.clone());
            Ok(())
        },
        async |tx: &mut ImportTx, batch: Vec<PersonRecord>| tx.person_records(batch).await,
    )
    .await?;
    if full {
        let withdrawal = run.tx.withdraw_person_records(source).await?;
        run.withdrawn(withdrawal, rows_called(source, "persons"))?;
    } else {
        // A partial export's events may refer to records imported before.
        known.extend(run.tx.record_ids(source).await?.keys().cloned());
    }

    for (spec, file) in event_specs.into_iter().zip(&files[1..]) {
        let Some(file) = file.as_deref() else { continue };
        let label = file.display().to_string();
        let mut ids = IdRegister::default();
        let id_name = spec.columns[0].name;
        let reference = |record: &RecordRef, line: u64| {
            if known.contains(&record.source_id) {
                Ok(())
            } else {
                Err(unknown_reference(&label, line, id_column, &record.source_id, &parent_name))
            }
        };
        match spec.key {
            "contacts" => {
                run.table(
                    file,
                    spec,
                    mapping,
                    byname_import::chain::contact,
                    |c: &Contact| c.record.as_ref().is_some_and(|r| erased_ref(tombstones, r)),
                    |c: &Contact, line| {
                        ids.register(&label, id_name, &c.source_id, line)?;
                        reference(c.record.as_ref().expect("CHAIN contacts name a person"), line)
                    },
                    async |tx: &mut ImportTx, batch: Vec<Contact>| tx.contacts(batch).await,
                )
                .await?;
                if full {
                    let withdrawal = run.tx.withdraw_contacts(source, None).await?;
                    run.withdrawn(withdrawal, rows_called(source, "contacts"))?;
                }
            }
            "stays" | "placements" => {
                let parse =
                    if spec.key == "stays" { byname_import::chain::stay } else { byname_import::inform::placement };
                run.table(
                    file,
                    spec,
                    mapping,
                    parse,
                    |s: &Stay| erased_ref(tombstones, &s.record),
                    |s: &Stay, line| {
                        ids.register(&label, id_name, &s.source_id, line)?;
                        reference(&s.record, line)
                    },
                    async |tx: &mut ImportTx, batch: Vec<Stay>| tx.stays(batch).await,
                )
                .await?;
                if full {
                    let withdrawal = run.tx.withdraw_stays(source).await?;
                    run.withdrawn(withdrawal, rows_called(source, spec.key))?;
                }
            }
            _ => {
                run.table(
                    file,
                    spec,
                    mapping,
                    byname_import::inform::assessment,
                    |a: &Assessment| erased_ref(tombstones, &a.record),
                    |a: &Assessment, line| {
                        ids.register(&label, "assessed_on", &a.source_id, line).map_err(|mut d| {
                            d.reason = format!("a second assessment of {} on the same day", a.record.source_id);
                            d
                        })?;
                        reference(&a.record, line)
                    },
                    async |tx: &mut ImportTx, batch: Vec<Assessment>| tx.assessments(batch).await,
                )
                .await?;
                if full {
                    let withdrawal = run.tx.withdraw_assessments(source).await?;
                    run.withdrawn(withdrawal, rows_called(source, spec.key))?;
                }
            }
        }
    }
    Ok(())
}
