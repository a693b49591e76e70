//! Excel workbooks (`.xlsx`) read as tables: one sheet (the first, or the one the column
//! mapping names), each cell turned into the text a CSV export would hold, so that the same
//! parsers and diagnostics serve both. A date cell in a date column gives its ISO date (and the
//! row says so, whatever date format the mapping gives for text); a whole number in an id column
//! gives `12345`, not `12345.0`. Rows are numbered as Excel shows them.
//!
//! A workbook is a zip archive whose directory sits at its end, so it is read from an
//! `impl Read + Seek` and the sheet is held in memory while it is imported (Excel stops at
//! 1,048,576 rows); CSV files stream.

use crate::FileError;
use crate::spec::Kind;
use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader, Xlsx};
use std::io::{Read, Seek};

/// One sheet of a workbook, as read.
pub(crate) struct Sheet {
    pub name: String,
    pub range: calamine::Range<Data>,
    /// The first row's number as Excel shows it (1 for a sheet that starts at the top).
    pub first_row: u64,
    /// The first column's index (0 for a sheet that starts in column A).
    pub first_column: usize,
    pub is_1904: bool,
}

impl Sheet {
    pub fn height(&self) -> usize {
        self.range.height()
    }

    pub fn width(&self) -> usize {
        self.range.width()
    }

    pub fn cell(&self, row: usize, column: usize) -> &Data {
        self.range.get((row, column)).unwrap_or(&Data::Empty)
    }

    /// The row's number as Excel shows it.
    pub fn row_number(&self, row: usize) -> u64 {
        self.first_row + row as u64
    }

    /// Whether every cell of the row is blank.
    pub fn blank_row(&self, row: usize) -> bool {
        (0..self.width()).all(|c| match self.cell(row, c) {
            Data::Empty => true,
            Data::String(text) => text.trim().is_empty(),
            _ => false,
        })
    }
}

/// Reads the sheet named `sheet`, or the first one. A workbook that cannot be read, a sheet
/// that is not there and a sheet with merged cells are refused, naming the file.
pub(crate) fn read_sheet<RS: Read + Seek>(input: RS, file: &str, sheet: Option<&str>) -> Result<Sheet, FileError> {
    let unreadable = |reason: String| FileError::Unreadable { file: file.to_owned(), reason };
    let mut workbook: Xlsx<RS> = calamine::open_workbook_from_rs(input).map_err(|e| {
        unreadable(format!("not a readable Excel workbook (.xlsx): {e}; save it again from Excel as .xlsx, or as CSV"))
    })?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names.iter().find(|n| n.as_str() == wanted).cloned().ok_or_else(|| {
            unreadable(format!("the workbook has no sheet {wanted:?}; its sheets are {}", quoted(&names)))
        })?,
        None => names.first().cloned().ok_or_else(|| unreadable("the workbook has no sheet".to_owned()))?,
    };
    let merged = workbook.merge_cells_by_sheet_name(&name).map_err(|e| unreadable(format!("sheet {name:?}: {e}")))?;
    if let Some(first) = merged.iter().min_by_key(|d| d.start) {
        return Err(unreadable(format!(
            "sheet {name:?} has merged cells ({}{}:{}{}, row {}){}: a merged cell's value belongs to one cell only, \
             so the rows cannot be read safely; unmerge them and fill in each cell",
            column_letters(first.start.1 as usize),
            first.start.0 + 1,
            column_letters(first.end.1 as usize),
            first.end.0 + 1,
            first.start.0 + 1,
            if merged.len() > 1 { format!(" and {} more", merged.len() - 1) } else { String::new() },
        )));
    }
    let is_1904 = workbook.has_1904_epoch();
    let range = workbook.worksheet_range(&name).map_err(|e| unreadable(format!("sheet {name:?}: {e}")))?;
    let (first_row, first_column) = range.start().map_or((1, 0), |(row, column)| (u64::from(row) + 1, column as usize));
    Ok(Sheet { name, range, first_row, first_column, is_1904 })
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", ")
}

/// A column's letters as Excel shows them: 0 is A, 25 is Z, 26 is AA.
pub fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).expect("ASCII letters")
}

/// What one cell reads as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellText {
    Text(String),
    /// A cell Excel holds as a date, in a date column: its ISO date.
    Date(String),
    /// An Excel error value such as `#N/A`.
    Error(String),
}

impl CellText {
    pub fn is_blank(&self) -> bool {
        matches!(self, Self::Text(text) if text.trim().is_empty())
    }
}

/// The last serial number Excel shows as a date (9999-12-31).
const LAST_SERIAL: f64 = 2_958_465.0;
/// Below this, a plain whole number in a date column is taken for a year of birth (or a
/// mistake), not a serial date: serial 10,000 is 1927-05-18.
const FIRST_PLAIN_SERIAL: f64 = 10_000.0;

/// The text of one cell for a column of this kind. Dates and times follow the column: a date
/// column gets the ISO date of a date cell (and of a whole number from 10,000 up, a date whose
/// cell lost its format), a time column `HH:MM`; other columns get what Excel would show.
pub fn cell_text(cell: &Data, kind: Kind, is_1904: bool) -> CellText {
    match cell {
        Data::Empty => CellText::Text(String::new()),
        Data::String(text) => CellText::Text(text.clone()),
        Data::Bool(value) => CellText::Text(if *value { "TRUE" } else { "FALSE" }.to_owned()),
        Data::Int(number) => number_text(*number as f64, kind, is_1904),
        Data::Float(number) => number_text(*number, kind, is_1904),
        Data::DateTime(date) if date.is_duration() => CellText::Text(time_text(date.as_f64().fract(), is_1904)),
        Data::DateTime(date) => date_time_text(date.as_f64(), kind, is_1904),
        Data::DateTimeIso(text) => match (kind, text.split_once('T')) {
            (Kind::Date, Some((date, _))) => CellText::Date(date.to_owned()),
            (Kind::Date, None) if text.len() == 10 => CellText::Date(text.clone()),
            (Kind::Time, Some((_, time))) => CellText::Text(time.chars().take(5).collect()),
            _ => CellText::Text(text.clone()),
        },
        Data::DurationIso(text) => CellText::Text(text.clone()),
        Data::Error(error) => CellText::Error(error.to_string()),
    }
}

fn number_text(number: f64, kind: Kind, is_1904: bool) -> CellText {
    let whole = number.fract() == 0.0;
    if kind == Kind::Date && whole && (FIRST_PLAIN_SERIAL..=LAST_SERIAL).contains(&number) {
        return date_time_text(number, kind, is_1904);
    }
    if whole && number.abs() < 1e15 {
        CellText::Text(format!("{}", number as i64))
    } else {
        CellText::Text(format!("{number}"))
    }
}

fn date_time_text(serial: f64, kind: Kind, is_1904: bool) -> CellText {
    let date = || {
        let (year, month, day, ..) =
            ExcelDateTime::new(serial.trunc(), ExcelDateTimeType::DateTime, is_1904).to_ymd_hms_milli();
        format!("{year:04}-{month:02}-{day:02}")
    };
    match kind {
        Kind::Date => CellText::Date(date()),
        Kind::Time => CellText::Text(time_text(serial.fract(), is_1904)),
        Kind::Text if serial.fract() == 0.0 => CellText::Text(date()),
        Kind::Text if serial < 1.0 => CellText::Text(time_text(serial, is_1904)),
        Kind::Text => CellText::Text(format!("{} {}", date(), time_text(serial.fract(), is_1904))),
    }
}

/// `HH:MM` of a fraction of a day, with `:SS` when there are seconds.
fn time_text(fraction: f64, is_1904: bool) -> String {
    let (_, _, _, hour, minute, second, _) =
        ExcelDateTime::new(fraction, ExcelDateTimeType::DateTime, is_1904).to_ymd_hms_milli();
    if second == 0 { format!("{hour:02}:{minute:02}") } else { format!("{hour:02}:{minute:02}:{second:02}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::CellErrorType;

    fn text(cell: Data, kind: Kind) -> CellText {
        cell_text(&cell, kind, false)
    }

    fn date_cell(serial: f64) -> Data {
        Data::DateTime(ExcelDateTime::new(serial, ExcelDateTimeType::DateTime, false))
    }

    #[test]
    fn whole_numbers_read_without_a_decimal_point() {
        assert_eq!(text(Data::Float(12345.0), Kind::Text), CellText::Text("12345".into()));
        assert_eq!(text(Data::Int(9_434_765_919), Kind::Text), CellText::Text("9434765919".into()));
        assert_eq!(text(Data::Float(51.5074), Kind::Text), CellText::Text("51.5074".into()));
        assert_eq!(text(Data::Float(-0.1278), Kind::Text), CellText::Text("-0.1278".into()));
        assert_eq!(text(Data::Bool(true), Kind::Text), CellText::Text("TRUE".into()));
    }

    #[test]
    fn a_date_cell_gives_its_iso_date_in_a_date_column() {
        // 45352 is 2024-03-01 in Excel's 1900 system.
        assert_eq!(text(date_cell(45352.0), Kind::Date), CellText::Date("2024-03-01".into()));
        assert_eq!(text(date_cell(45352.75), Kind::Date), CellText::Date("2024-03-01".into()), "the time is dropped");
        assert_eq!(
            cell_text(
                &Data::DateTime(ExcelDateTime::new(43890.0, ExcelDateTimeType::DateTime, true)),
                Kind::Date,
                true
            ),
            CellText::Date("2024-03-01".into()),
            "a workbook of the 1904 system"
        );
        // A date whose cell lost its format is still a date, but a year of birth stays a year.
        assert_eq!(text(Data::Float(45352.0), Kind::Date), CellText::Date("2024-03-01".into()));
        assert_eq!(text(Data::Float(1980.0), Kind::Date), CellText::Text("1980".into()));
        assert_eq!(text(Data::Float(20240301.0), Kind::Date), CellText::Text("20240301".into()));
        assert_eq!(
            text(Data::DateTimeIso("2024-03-01T00:00:00".into()), Kind::Date),
            CellText::Date("2024-03-01".into())
        );
        // Dates written as text are left to the column's date format.
        assert_eq!(text(Data::String("01/03/2024".into()), Kind::Date), CellText::Text("01/03/2024".into()));
    }

    #[test]
    fn times_and_dates_in_other_columns_read_as_excel_shows_them() {
        assert_eq!(text(date_cell(0.5), Kind::Time), CellText::Text("12:00".into()));
        assert_eq!(text(date_cell(45352.25), Kind::Time), CellText::Text("06:00".into()));
        assert_eq!(text(date_cell(45352.0), Kind::Text), CellText::Text("2024-03-01".into()));
        assert_eq!(text(date_cell(45352.5), Kind::Text), CellText::Text("2024-03-01 12:00".into()));
        assert_eq!(text(date_cell(45352.0), Kind::Time), CellText::Text("00:00".into()));
    }

    #[test]
    fn an_error_value_is_named() {
        assert_eq!(text(Data::Error(CellErrorType::NA), Kind::Text), CellText::Error("#N/A".into()));
        assert!(text(Data::String("  ".into()), Kind::Text).is_blank());
        assert!(!text(Data::Float(0.0), Kind::Text).is_blank());
    }

    #[test]
    fn columns_are_lettered_as_in_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}
