//! One CSV table streamed row by row, with the header resolved through the
//! column mapping, values trimmed and mapped, and unknown columns kept.

use crate::mapping::{DateFormat, FileMapping};
use crate::spec::FileSpec;
use crate::{Diagnostic, FileError};
use byname_domain::records::Extra;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Read;

/// Longest field accepted; no name, place or code comes near it, so a longer
/// field is a broken export (an unclosed quote swallowing the file, say).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

pub struct Table<R: Read> {
    file: String,
    spec: &'static FileSpec,
    reader: csv::Reader<R>,
    /// For each documented column, its position in this file's header.
    positions: Vec<Option<usize>>,
    /// For each documented column, the value map from the mapping.
    value_maps: Vec<Option<BTreeMap<String, String>>>,
    date_format: Option<DateFormat>,
    /// Columns this file has that the format does not document.
    extra_columns: Vec<(usize, String)>,
    n_header_fields: usize,
    bytes: csv::ByteRecord,
    record: csv::StringRecord,
}

impl<R: Read> Table<R> {
    /// Reads the header. Returns warnings about the header (unknown columns)
    /// alongside the table, or a [`FileError`] when it cannot be a table of this kind.
    pub fn open(
        input: R,
        file: &str,
        spec: &'static FileSpec,
        mapping: &FileMapping,
    ) -> Result<(Self, Vec<Diagnostic>), FileError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(false).from_reader(input);
        let mut header = csv::ByteRecord::new();
        let has_header = reader.read_byte_record(&mut header).map_err(|e| csv_error(file, e))?;
        let header = csv::StringRecord::from_byte_record(header)
            .map_err(|_| FileError::HeaderEncoding { file: file.to_owned() })?;
        let names: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, h)| if i == 0 { h.trim_start_matches('\u{feff}') } else { h }.trim().to_owned())
            .collect();
        if !has_header || names.iter().all(String::is_empty) {
            return Err(FileError::Empty { file: file.to_owned() });
        }
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(FileError::DuplicateColumn { file: file.to_owned(), column: name.clone() });
            }
        }
        let header_of = |column: &str| mapping.columns.get(column).map(String::as_str).unwrap_or(column).to_owned();
        let positions: Vec<Option<usize>> =
            spec.columns.iter().map(|c| names.iter().position(|n| *n == header_of(c.name))).collect();
        let missing: Vec<String> = spec
            .columns
            .iter()
            .zip(&positions)
            .filter(|(c, p)| c.required && p.is_none())
            .map(|(c, _)| header_of(c.name))
            .collect();
        if !missing.is_empty() {
            return Err(FileError::MissingColumns { file: file.to_owned(), missing, found: names });
        }
        let extra_columns: Vec<(usize, String)> = names
            .iter()
            .enumerate()
            .filter(|(i, _)| !positions.contains(&Some(*i)))
            .map(|(i, n)| (i, n.clone()))
            .collect();
        let warnings = extra_columns
            .iter()
            .map(|(_, name)| {
                Diagnostic::new(file, 1, Some(name), "unknown column, kept as an extra attribute of each row")
            })
            .collect();
        let value_maps = spec.columns.iter().map(|c| mapping.values.get(c.name).cloned()).collect();
        let table = Self {
            file: file.to_owned(),
            spec,
            reader,
            positions,
            value_maps,
            date_format: mapping.date_format,
            extra_columns,
            n_header_fields: names.len(),
            bytes: csv::ByteRecord::new(),
            record: csv::StringRecord::new(),
        };
        Ok((table, warnings))
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// Reads the next row. A row that is not well formed (wrong number of
    /// fields, bytes that are not UTF-8, an over-long field) is a diagnostic.
    pub fn next_row(&mut self) -> Option<Result<Row<'_, R>, FileErrorOr>> {
        match self.reader.read_byte_record(&mut self.bytes) {
            Ok(false) => None,
            Err(error) => Some(Err(FileErrorOr::File(csv_error(&self.file, error)))),
            Ok(true) => {
                let line = self.bytes.position().map_or(0, |p| p.line());
                Some(self.check_row(line).map(|()| Row { table: self, line }).map_err(FileErrorOr::Row))
            }
        }
    }

    fn check_row(&mut self, line: u64) -> Result<(), Diagnostic> {
        let n_fields = self.bytes.len();
        if n_fields != self.n_header_fields {
            let hint = if n_fields < self.n_header_fields { " (a truncated or broken line?)" } else { "" };
            return Err(Diagnostic::new(
                &self.file,
                line,
                None,
                format!("the row has {n_fields} fields but the header has {}{hint}", self.n_header_fields),
            ));
        }
        if let Some(i) = self.bytes.iter().position(|f| f.len() > MAX_FIELD_BYTES) {
            return Err(Diagnostic::new(
                &self.file,
                line,
                Some(&self.column_name(i)),
                format!("the field is {} bytes long, over the limit of {MAX_FIELD_BYTES}", self.bytes[i].len()),
            ));
        }
        let bytes = std::mem::take(&mut self.bytes);
        match csv::StringRecord::from_byte_record(bytes) {
            Ok(record) => {
                self.record = record;
                Ok(())
            }
            Err(error) => {
                let field = error.utf8_error().field();
                self.bytes = error.into_byte_record();
                Err(Diagnostic::new(
                    &self.file,
                    line,
                    Some(&self.column_name(field)),
                    "the field is not valid UTF-8 text",
                ))
            }
        }
    }

    fn column_name(&self, position: usize) -> String {
        if let Some(spec_index) = self.positions.iter().position(|p| *p == Some(position)) {
            return self.spec.columns[spec_index].name.to_owned();
        }
        self.extra_columns.iter().find(|(i, _)| *i == position).map(|(_, n)| n.clone()).unwrap_or_default()
    }
}

/// A failure while reading a row: either that row alone, or the whole file.
#[derive(Debug)]
pub enum FileErrorOr {
    Row(Diagnostic),
    File(FileError),
}

fn csv_error(file: &str, error: csv::Error) -> FileError {
    match error.into_kind() {
        csv::ErrorKind::Io(source) => FileError::Read { file: file.to_owned(), source },
        other => FileError::Unreadable { file: file.to_owned(), reason: format!("{other:?}") },
    }
}

/// One well-formed row.
pub struct Row<'t, R: Read> {
    table: &'t Table<R>,
    line: u64,
}

impl<R: Read> Row<'_, R> {
    pub fn line(&self) -> u64 {
        self.line
    }

    pub fn file(&self) -> &str {
        &self.table.file
    }

    /// How dates in this file are written, if the mapping says.
    pub fn date_format(&self) -> Option<DateFormat> {
        self.table.date_format
    }

    /// A documented column's value: trimmed, passed through the mapping's
    /// value map, and `None` when blank or when the file lacks the column.
    pub fn get(&self, column: &str) -> Option<Cow<'_, str>> {
        let index =
            self.table.spec.column_index(column).unwrap_or_else(|| panic!("{column} is not a documented column"));
        let raw = self.table.record.get(self.table.positions[index]?)?.trim();
        let value = match &self.table.value_maps[index] {
            Some(map) => map.get(raw).map_or(Cow::Borrowed(raw), |v| Cow::Owned(v.clone())),
            None => Cow::Borrowed(raw),
        };
        (!value.is_empty()).then_some(value)
    }

    /// The values of columns the format does not document, by their header.
    pub fn extra(&self) -> Extra {
        self.table
            .extra_columns
            .iter()
            .filter_map(|(i, name)| {
                let value = self.table.record.get(*i)?.trim();
                (!value.is_empty()).then(|| (name.clone(), value.to_owned()))
            })
            .collect()
    }

    pub fn diagnostic(&self, column: &str, reason: impl Into<String>) -> Diagnostic {
        Diagnostic::new(&self.table.file, self.line, Some(column), reason)
    }
}
