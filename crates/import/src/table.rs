//! One table streamed row by row, with the header resolved through the column mapping, values
//! trimmed and mapped, and unknown columns kept. A table is a CSV file, or one sheet of an Excel
//! workbook whose cells are turned into the same text (`workbook`), so every parser and
//! diagnostic serves both.

use crate::mapping::{DateFormat, FileMapping};
use crate::spec::{FileSpec, Kind};
use crate::workbook::{self, CellText, Sheet};
use crate::{Diagnostic, FileError};
use byname_domain::records::Extra;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{Read, Seek};

/// Longest field accepted; no name, place or code comes near it, so a longer
/// field is a broken export (an unclosed quote swallowing the file, say).
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// Where a table's rows come from.
enum Rows<R: Read> {
    Csv {
        reader: csv::Reader<R>,
        bytes: csv::ByteRecord,
    },
    /// A sheet, and the index of its next row.
    Sheet {
        sheet: Box<Sheet>,
        next: usize,
    },
}

/// A table's header, resolved through the column mapping.
struct Header {
    /// For each documented column, its position in this file's header.
    positions: Vec<Option<usize>>,
    /// Columns this file has that the format does not document.
    extra_columns: Vec<(usize, String)>,
    warnings: Vec<Diagnostic>,
}

fn resolve(names: &[String], file: &str, spec: &FileSpec, mapping: &FileMapping) -> Result<Header, FileError> {
    if names.iter().all(String::is_empty) {
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
        return Err(FileError::MissingColumns { file: file.to_owned(), missing, found: names.to_vec() });
    }
    let extra_columns: Vec<(usize, String)> =
        names.iter().enumerate().filter(|(i, _)| !positions.contains(&Some(*i))).map(|(i, n)| (i, n.clone())).collect();
    let warnings = extra_columns
        .iter()
        .map(|(_, name)| Diagnostic::new(file, 1, Some(name), "unknown column, kept as an extra attribute of each row"))
        .collect();
    Ok(Header { positions, extra_columns, warnings })
}

pub struct Table<R: Read> {
    file: String,
    spec: &'static FileSpec,
    rows: Rows<R>,
    /// For each documented column, its position in this file's header.
    positions: Vec<Option<usize>>,
    /// For each documented column, the value map from the mapping.
    value_maps: Vec<Option<BTreeMap<String, String>>>,
    date_format: Option<DateFormat>,
    /// Columns this file has that the format does not document.
    extra_columns: Vec<(usize, String)>,
    n_header_fields: usize,
    record: csv::StringRecord,
    /// For the current row, the documented columns (bits by their index in the spec) whose cell
    /// a workbook holds as a date: their text is an ISO date, whatever the mapping's format.
    excel_dates: u64,
}

/// How many rows below a sheet's first row its header is looked for, to say that a title row
/// stands above it.
const HEADER_SEARCH_ROWS: usize = 10;

impl<R: Read + Seek> Table<R> {
    /// Opens one sheet of an Excel workbook (the one named, or the first) and reads its header,
    /// which must be its first row that is not blank. The table's file is named with its sheet
    /// (`people.xlsx (sheet People)`), and its rows by their numbers in Excel. A workbook that
    /// cannot be read, merged cells, a title above the header and a header repeated further down
    /// are refused: nothing of such a sheet could be imported safely.
    pub fn open_workbook(
        input: R,
        file: &str,
        spec: &'static FileSpec,
        mapping: &FileMapping,
    ) -> Result<(Self, Vec<Diagnostic>), FileError> {
        let sheet = workbook::read_sheet(input, file, mapping.sheet.as_deref())?;
        let label = format!("{file} (sheet {})", sheet.name);
        let refuse = |reason: String| FileError::Unreadable { file: label.clone(), reason };
        let mut filled = (0..sheet.height()).filter(|&r| !sheet.blank_row(r));
        let Some(header_row) = filled.next() else { return Err(FileError::Empty { file: label }) };
        let names = |row: usize| -> Vec<String> {
            let mut names: Vec<String> = (0..sheet.width())
                .map(|c| match workbook::cell_text(sheet.cell(row, c), Kind::Text, sheet.is_1904) {
                    CellText::Text(text) | CellText::Date(text) | CellText::Error(text) => text.trim().to_owned(),
                })
                .collect();
            while names.last().is_some_and(String::is_empty) {
                names.pop();
            }
            names
        };
        let header = names(header_row);
        let resolved = match resolve(&header, &label, spec, mapping) {
            Ok(resolved) => resolved,
            Err(error @ FileError::MissingColumns { .. }) => {
                let below =
                    filled.take(HEADER_SEARCH_ROWS).find(|&r| resolve(&names(r), &label, spec, mapping).is_ok());
                return Err(match below {
                    Some(row) => refuse(format!(
                        "row {} is above the header, which is on row {}: a sheet must start with its one header \
                         row; delete the rows above it",
                        sheet.row_number(header_row),
                        sheet.row_number(row)
                    )),
                    None => error,
                });
            }
            Err(error) => return Err(error),
        };
        let named: Vec<(usize, &String)> = header.iter().enumerate().filter(|(_, n)| !n.is_empty()).collect();
        let repeats_header = |row: usize| {
            named.iter().all(|&(c, name)| matches!(sheet.cell(row, c), calamine::Data::String(s) if s.trim() == name))
        };
        if let Some(row) = (header_row + 1..sheet.height()).find(|&r| repeats_header(r)) {
            return Err(refuse(format!(
                "row {} repeats the header row (row {}): a sheet has one header row; delete the repeated one",
                sheet.row_number(row),
                sheet.row_number(header_row)
            )));
        }
        let n_header_fields = header.len();
        let rows = Rows::Sheet { sheet: Box::new(sheet), next: header_row + 1 };
        Ok(Self::new(&label, spec, mapping, rows, n_header_fields, resolved))
    }
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
        if !has_header {
            return Err(FileError::Empty { file: file.to_owned() });
        }
        let resolved = resolve(&names, file, spec, mapping)?;
        Ok(Self::new(file, spec, mapping, Rows::Csv { reader, bytes: csv::ByteRecord::new() }, names.len(), resolved))
    }

    fn new(
        file: &str,
        spec: &'static FileSpec,
        mapping: &FileMapping,
        rows: Rows<R>,
        n_header_fields: usize,
        header: Header,
    ) -> (Self, Vec<Diagnostic>) {
        let Header { positions, extra_columns, warnings } = header;
        let value_maps = spec.columns.iter().map(|c| mapping.values.get(c.name).cloned()).collect();
        let table = Self {
            file: file.to_owned(),
            spec,
            rows,
            positions,
            value_maps,
            date_format: mapping.date_format,
            extra_columns,
            n_header_fields,
            record: csv::StringRecord::new(),
            excel_dates: 0,
        };
        (table, warnings)
    }

    pub fn file(&self) -> &str {
        &self.file
    }

    /// Reads the next row. A row that is not well formed (wrong number of
    /// fields, bytes that are not UTF-8, an over-long field, an Excel error value) is a diagnostic.
    pub fn next_row(&mut self) -> Option<Result<Row<'_, R>, FileErrorOr>> {
        let line = match &mut self.rows {
            Rows::Csv { reader, bytes } => match reader.read_byte_record(bytes) {
                Ok(false) => return None,
                Err(error) => return Some(Err(FileErrorOr::File(csv_error(&self.file, error)))),
                Ok(true) => {
                    let line = bytes.position().map_or(0, |p| p.line());
                    if let Err(diagnostic) = self.check_csv_row(line) {
                        return Some(Err(FileErrorOr::Row(diagnostic)));
                    }
                    line
                }
            },
            Rows::Sheet { sheet, next } => {
                while *next < sheet.height() && sheet.blank_row(*next) {
                    *next += 1;
                }
                if *next >= sheet.height() {
                    return None;
                }
                let index = *next;
                *next += 1;
                let line = sheet.row_number(index);
                if let Err(diagnostic) = self.sheet_row(index, line) {
                    return Some(Err(FileErrorOr::Row(diagnostic)));
                }
                line
            }
        };
        Some(Ok(Row { table: self, line }))
    }

    fn check_csv_row(&mut self, line: u64) -> Result<(), Diagnostic> {
        let Rows::Csv { bytes, .. } = &mut self.rows else { unreachable!("a CSV table") };
        let n_fields = bytes.len();
        if n_fields != self.n_header_fields {
            let hint = if n_fields < self.n_header_fields { " (a truncated or broken line?)" } else { "" };
            return Err(Diagnostic::new(
                &self.file,
                line,
                None,
                format!("the row has {n_fields} fields but the header has {}{hint}", self.n_header_fields),
            ));
        }
        if let Some(i) = bytes.iter().position(|f| f.len() > MAX_FIELD_BYTES) {
            let length = bytes[i].len();
            return Err(Diagnostic::new(
                &self.file,
                line,
                Some(&self.column_name(i)),
                format!("the field is {length} bytes long, over the limit of {MAX_FIELD_BYTES}"),
            ));
        }
        let taken = std::mem::take(bytes);
        match csv::StringRecord::from_byte_record(taken) {
            Ok(record) => {
                self.record = record;
                Ok(())
            }
            Err(error) => {
                let field = error.utf8_error().field();
                *bytes = error.into_byte_record();
                Err(Diagnostic::new(
                    &self.file,
                    line,
                    Some(&self.column_name(field)),
                    "the field is not valid UTF-8 text",
                ))
            }
        }
    }

    /// Turns a sheet's row into the record a CSV row would give, noting its date cells.
    fn sheet_row(&mut self, index: usize, line: u64) -> Result<(), Diagnostic> {
        let Rows::Sheet { sheet, .. } = &self.rows else { unreachable!("a sheet") };
        let mut record = std::mem::take(&mut self.record);
        record.clear();
        let mut excel_dates = 0u64;
        for position in 0..sheet.width() {
            let spec_index = self.positions.iter().position(|p| *p == Some(position));
            let kind = spec_index.map_or(Kind::Text, |i| self.spec.columns[i].kind);
            let text = workbook::cell_text(sheet.cell(index, position), kind, sheet.is_1904);
            if position >= self.n_header_fields {
                if text.is_blank() {
                    continue;
                }
                self.record = record;
                return Err(Diagnostic::new(
                    &self.file,
                    line,
                    None,
                    format!(
                        "the row has a value in column {}, which has no header",
                        workbook::column_letters(position + sheet.first_column)
                    ),
                ));
            }
            let value = match text {
                CellText::Text(text) => text,
                CellText::Date(date) => {
                    if let Some(i) = spec_index {
                        excel_dates |= 1 << i;
                    }
                    date
                }
                CellText::Error(error) => {
                    self.record = record;
                    return Err(Diagnostic::new(
                        &self.file,
                        line,
                        Some(&self.column_name(position)),
                        format!("the cell holds the Excel error {error}, not a value"),
                    ));
                }
            };
            if value.len() > MAX_FIELD_BYTES {
                self.record = record;
                return Err(Diagnostic::new(
                    &self.file,
                    line,
                    Some(&self.column_name(position)),
                    format!("the field is {} bytes long, over the limit of {MAX_FIELD_BYTES}", value.len()),
                ));
            }
            record.push_field(&value);
        }
        while record.len() < self.n_header_fields {
            record.push_field("");
        }
        self.record = record;
        self.excel_dates = excel_dates;
        Ok(())
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

    /// Whether a documented date column's value came from a workbook's date cell, and so is
    /// an ISO date whatever the mapping's date format.
    pub fn is_excel_date(&self, column: &str) -> bool {
        self.table.spec.column_index(column).is_some_and(|i| self.table.excel_dates & (1 << i) != 0)
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
