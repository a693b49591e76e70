//! Excel workbooks read as tables: the same rows as the CSV file with the same values, dates held
//! as Excel dates or as text, the sheet named in the mapping, diagnostics naming the file, the
//! sheet, the row as Excel numbers it and the column, and the sheets that are refused whole (a
//! title above the header, a repeated header, merged cells, a file that is not a workbook). The
//! workbooks are written here with rust_xlsxwriter, so no binary file is kept.

use byname_domain::records::PersonRecord;
use byname_import::mapping::{FileMapping, Mapping};
use byname_import::spec::{self, FileSpec};
use byname_import::table::FileErrorOr;
use byname_import::{Diagnostic, FileError, Table, chain, inform};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};
use std::io::Cursor;

/// One cell to write.
enum Cell {
    Text(&'static str),
    Number(f64),
    /// A date cell, shown as DD/MM/YYYY.
    Date(u16, u8, u8),
}
use Cell::{Date, Number, Text};

fn write_rows(sheet: &mut Worksheet, first_row: u32, rows: &[Vec<Cell>]) {
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (first_row + r as u32, c as u16);
            match cell {
                Text(text) => sheet.write_string(r, c, *text).map(|_| ()),
                Number(number) => sheet.write_number(r, c, *number).map(|_| ()),
                Date(y, m, d) => sheet
                    .write_datetime_with_format(r, c, ExcelDateTime::from_ymd(*y, *m, *d).unwrap(), &date_format)
                    .map(|_| ()),
            }
            .unwrap();
        }
    }
}

/// A workbook with one sheet per (name, rows).
fn workbook(sheets: &[(&str, Vec<Vec<Cell>>)]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).unwrap();
        write_rows(sheet, 0, rows);
    }
    workbook.save_to_buffer().unwrap()
}

fn open(bytes: Vec<u8>, spec: &'static FileSpec, mapping: &FileMapping) -> Result<Table<Cursor<Vec<u8>>>, FileError> {
    Table::open_workbook(Cursor::new(bytes), "export/persons.xlsx", spec, mapping).map(|(table, _)| table)
}

fn people(table: &mut Table<Cursor<Vec<u8>>>) -> Vec<Result<PersonRecord, Vec<Diagnostic>>> {
    let mut out = Vec::new();
    while let Some(row) = table.next_row() {
        out.push(match row {
            Ok(row) => chain::person(&row),
            Err(FileErrorOr::Row(diagnostic)) => Err(vec![diagnostic]),
            Err(FileErrorOr::File(error)) => panic!("{error}"),
        });
    }
    out
}

fn person_header() -> Vec<Cell> {
    vec![Text("chain_id"), Text("first_name"), Text("last_name"), Text("date_of_birth"), Text("nhs_number")]
}

#[test]
fn a_workbook_gives_the_records_the_csv_file_gives() {
    let csv = "chain_id,first_name,last_name,date_of_birth,nhs_number\n\
               12345,Ann,Lee,1980-02-03,9434765919\n\
               C2,Zoë,O'Brien,1975,\n";
    let (mut from_csv, _) =
        Table::open(csv.as_bytes(), "persons.csv", &spec::CHAIN_PERSONS, &FileMapping::default()).unwrap();
    let mut expected = Vec::new();
    while let Some(row) = from_csv.next_row() {
        expected.push(chain::person(&row.ok().unwrap()).unwrap());
    }
    let bytes = workbook(&[(
        "People",
        vec![
            person_header(),
            // The id and the NHS number as numbers, the date of birth as an Excel date.
            vec![Number(12345.0), Text("Ann"), Text("Lee"), Date(1980, 2, 3), Number(9434765919.0)],
            vec![],
            // A year of birth alone, as a number; a blank row above is skipped.
            vec![Text("C2"), Text("Zoë"), Text("O'Brien"), Number(1975.0)],
        ],
    )]);
    let mut table = open(bytes, &spec::CHAIN_PERSONS, &FileMapping::default()).unwrap();
    assert_eq!(table.file(), "export/persons.xlsx (sheet People)");
    let got: Vec<PersonRecord> = people(&mut table).into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(got, expected);
    assert_eq!(got[0].source_id, "12345", "not 12345.0");
}

#[test]
fn dates_read_as_excel_dates_and_as_text_in_the_mapping_format() {
    // Inform's dates are DD/MM/YYYY as text; an Excel date cell reads the same.
    let bytes = workbook(&[(
        "Clients",
        vec![
            vec![Text("inform_id"), Text("forename"), Text("surname"), Text("dob")],
            vec![Text("I1"), Text("Ann"), Text("Lee"), Date(1980, 2, 3)],
            vec![Text("I2"), Text("Bob"), Text("Ray"), Text("03/02/1980")],
            vec![Text("I3"), Text("Cy"), Text("Day"), Text("1980-02-03")],
        ],
    )]);
    let (mut table, _) =
        Table::open_workbook(Cursor::new(bytes), "clients.xlsx", &spec::INFORM_CLIENTS, &FileMapping::default())
            .unwrap();
    let mut results = Vec::new();
    while let Some(row) = table.next_row() {
        results.push(inform::client(&row.ok().unwrap()));
    }
    let dob = |i: usize| results[i].as_ref().unwrap().date_of_birth.map(|d| format!("{d:?}"));
    assert_eq!(dob(0), dob(1));
    assert!(dob(0).unwrap().contains("1980"), "{:?}", dob(0));
    let third = results[2].as_ref().unwrap_err();
    assert_eq!(
        third[0].to_string(),
        "clients.xlsx (sheet Clients):4 [dob]: \"1980-02-03\" is not a date in the form DD/MM/YYYY"
    );
}

#[test]
fn diagnostics_name_the_file_the_sheet_the_row_and_the_column() {
    let bytes = workbook(&[(
        "People",
        vec![
            vec![],
            vec![],
            person_header(),
            vec![Text("C1"), Text("Ann2"), Text("Lee"), Text("1980-02-30")],
            vec![Text("C2"), Text("Bob"), Text("Ray"), Text("1980-01-01"), Text(""), Text(""), Text("stray")],
        ],
    )]);
    let mut table = open(bytes, &spec::CHAIN_PERSONS, &FileMapping::default()).unwrap();
    let results = people(&mut table);
    let messages: Vec<String> = results[0].as_ref().unwrap_err().iter().map(Diagnostic::to_string).collect();
    assert_eq!(
        messages,
        [
            "export/persons.xlsx (sheet People):4 [first_name]: \"Ann2\" contains '2'; a name has only letters, hyphens, apostrophes and spaces",
            "export/persons.xlsx (sheet People):4 [date_of_birth]: \"1980-02-30\" is not a real calendar date",
        ]
    );
    assert_eq!(
        results[1].as_ref().unwrap_err()[0].to_string(),
        "export/persons.xlsx (sheet People):5: the row has a value in column G, which has no header"
    );
}

#[test]
fn the_mapping_names_the_sheet_and_its_headers() {
    let bytes = workbook(&[
        ("Notes", vec![vec![Text("Exported for the partnership")]]),
        (
            "People",
            vec![
                vec![Text("Person Ref"), Text("Forename"), Text("Surname"), Text("DOB")],
                vec![Text("C1"), Text("Ann"), Text("Lee"), Date(1980, 2, 3)],
            ],
        ),
    ]);
    let mapping = Mapping::parse(
        "[persons]\nfile = \"People.xlsx\"\nsheet = \"People\"\ndate_format = \"DD/MM/YYYY\"\n\
         [persons.columns]\nchain_id = \"Person Ref\"\nfirst_name = \"Forename\"\nlast_name = \"Surname\"\ndate_of_birth = \"DOB\"\n",
        "map.toml",
    )
    .unwrap();
    let file = mapping.file(&spec::CHAIN_PERSONS);
    let mut table = open(bytes.clone(), &spec::CHAIN_PERSONS, file).unwrap();
    let people = people(&mut table);
    assert_eq!(people.len(), 1);
    assert_eq!(format!("{:?}", people[0].as_ref().unwrap().date_of_birth), "Some(Full(1980-02-03))");

    let missing = Mapping::parse("[persons]\nsheet = \"Persons\"\n", "map.toml").unwrap();
    let error = open(bytes.clone(), &spec::CHAIN_PERSONS, missing.file(&spec::CHAIN_PERSONS)).err().unwrap();
    assert_eq!(
        error.to_string(),
        "export/persons.xlsx: the workbook has no sheet \"Persons\"; its sheets are \"Notes\", \"People\""
    );
    // Without the mapping's sheet, the first sheet is read, and it has no header.
    let error = open(bytes, &spec::CHAIN_PERSONS, &FileMapping::default()).err().unwrap();
    assert!(matches!(error, FileError::MissingColumns { .. }), "{error}");
    assert!(error.to_string().starts_with("export/persons.xlsx (sheet Notes): the header lacks"), "{error}");
}

#[test]
fn a_title_above_the_header_is_refused_naming_its_row() {
    let bytes = workbook(&[(
        "People",
        vec![
            vec![Text("CHAIN people export, March 2024")],
            person_header(),
            vec![Text("C1"), Text("Ann"), Text("Lee"), Text("1980-02-03")],
        ],
    )]);
    let error = open(bytes, &spec::CHAIN_PERSONS, &FileMapping::default()).err().unwrap();
    assert_eq!(
        error.to_string(),
        "export/persons.xlsx (sheet People): row 1 is above the header, which is on row 2: a sheet must start \
         with its one header row; delete the rows above it"
    );
}

#[test]
fn a_repeated_header_is_refused_naming_its_row() {
    let bytes = workbook(&[(
        "People",
        vec![
            person_header(),
            vec![Text("C1"), Text("Ann"), Text("Lee"), Text("1980-02-03")],
            person_header(),
            vec![Text("C2"), Text("Bob"), Text("Ray"), Text("1980-02-03")],
        ],
    )]);
    let error = open(bytes, &spec::CHAIN_PERSONS, &FileMapping::default()).err().unwrap();
    assert_eq!(
        error.to_string(),
        "export/persons.xlsx (sheet People): row 3 repeats the header row (row 1): a sheet has one header row; \
         delete the repeated one"
    );
}

#[test]
fn merged_cells_are_refused_naming_where() {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("People").unwrap();
    write_rows(sheet, 0, &[person_header(), vec![Text("C1"), Text("Ann"), Text("Lee"), Text("1980-02-03")]]);
    sheet.merge_range(2, 1, 2, 2, "Ann Lee", &Format::new()).unwrap();
    let error = open(workbook.save_to_buffer().unwrap(), &spec::CHAIN_PERSONS, &FileMapping::default()).err().unwrap();
    assert_eq!(
        error.to_string(),
        "export/persons.xlsx: sheet \"People\" has merged cells (B3:C3, row 3): a merged cell's value belongs to \
         one cell only, so the rows cannot be read safely; unmerge them and fill in each cell"
    );
}

#[test]
fn a_file_that_is_not_a_workbook_is_refused() {
    for bytes in [b"chain_id,first_name\nC1,Ann\n".to_vec(), Vec::new(), b"PK\x03\x04broken".to_vec()] {
        let error = open(bytes, &spec::CHAIN_PERSONS, &FileMapping::default()).err().unwrap();
        let message = error.to_string();
        assert!(message.starts_with("export/persons.xlsx: not a readable Excel workbook (.xlsx): "), "{message}");
        assert!(message.ends_with("save it again from Excel as .xlsx, or as CSV"), "{message}");
    }
}

#[test]
fn an_empty_sheet_is_an_empty_file() {
    let bytes = workbook(&[("People", vec![])]);
    let error = open(bytes, &spec::CHAIN_PERSONS, &FileMapping::default()).err().unwrap();
    assert!(matches!(error, FileError::Empty { .. }), "{error}");
}
