//! Exports saved from Excel: a CHAIN folder of `.xlsx` workbooks, with dates held as Excel dates
//! and as text, imports as the same people, contacts and stays as its CSV files; a workbook
//! that cannot be read safely stores nothing.

use crate::support::*;
use byname_pipeline::ImportError;
use byname_pipeline::import::ImportKind;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// The CSV text as a workbook of one sheet. Date columns hold Excel dates on every other row
/// and ISO text on the rest; times are Excel times; coordinates are numbers.
fn as_workbook(csv_text: &str) -> Vec<u8> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv_text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let header: Vec<String> = records[0].iter().map(str::to_owned).collect();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let time = Format::new().set_num_format("hh:mm");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, record) in records.iter().enumerate() {
        for (c, value) in record.iter().enumerate() {
            let (row, column) = (r as u32, c as u16);
            let name = header[c].as_str();
            let number = |v: &str| v.parse::<f64>().ok();
            if r == 0 || value.is_empty() {
                sheet.write_string(row, column, value).unwrap();
            } else if (name.ends_with("_date") || name == "date_of_birth") && value.len() == 10 && r % 2 == 1 {
                let part = |range: std::ops::Range<usize>| value[range].parse::<u16>().unwrap();
                let day = ExcelDateTime::from_ymd(part(0..4), part(5..7) as u8, part(8..10) as u8).unwrap();
                sheet.write_datetime_with_format(row, column, day, &date).unwrap();
            } else if name == "contact_time" {
                let at = ExcelDateTime::from_hms(value[..2].parse().unwrap(), value[3..].parse().unwrap(), 0).unwrap();
                sheet.write_datetime_with_format(row, column, at, &time).unwrap();
            } else if let (Some(n), true) = (number(value), name.starts_with("lat") || name.starts_with("lon")) {
                sheet.write_number(row, column, n).unwrap();
            } else {
                sheet.write_string(row, column, value).unwrap();
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

fn workbook_export() -> Export {
    let export = Export::new(&[]);
    export.write("persons.xlsx", &as_workbook(PERSONS));
    export.write("contacts.xlsx", &as_workbook(CONTACTS));
    export.write("stays.xlsx", &as_workbook(STAYS));
    export
}

fn without_history(snapshot: &byname_store::Snapshot) -> Vec<(String, i64, String)> {
    snapshot.tables.iter().filter(|(t, _, _)| t != "imports").cloned().collect()
}

#[tokio::test]
async fn a_chain_export_saved_as_workbooks_is_the_same_export_as_its_csv_files() {
    each_store(async |store, label| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        let from_csv = snapshot(store).await;

        // persons.csv is looked for, persons.xlsx found; every row is the one already stored.
        let outcome = import(store, ImportKind::Chain, workbook_export().path()).await.unwrap();
        assert!(outcome.rejected_sample.is_empty(), "{label}: {:?}", outcome.rejected_sample);
        let s = &outcome.summary;
        assert_eq!(
            (s.rows_read, s.imported, s.updated, s.unchanged, s.withdrawn, s.rejected),
            (10, 0, 0, 10, 0, 0),
            "{label}"
        );
        let files: Vec<&str> = outcome.files.iter().map(|f| f.file.rsplit('/').next().unwrap()).collect();
        assert_eq!(
            files,
            ["persons.xlsx (sheet Sheet1)", "contacts.xlsx (sheet Sheet1)", "stays.xlsx (sheet Sheet1)"],
            "{label}"
        );
        assert_eq!(without_history(&from_csv), without_history(&snapshot(store).await), "{label}");
    })
    .await;
}

#[tokio::test]
async fn a_workbook_into_an_empty_store_gives_the_people_its_csv_files_give() {
    each_store(async |store, label| {
        let outcome = import(store, ImportKind::Chain, workbook_export().path()).await.unwrap();
        let s = &outcome.summary;
        assert_eq!((s.rows_read, s.imported, s.rejected), (10, 10, 0), "{label}: {:?}", outcome.rejected_sample);
        // Importing the CSV files after it changes no row.
        let again = import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        assert_eq!((again.summary.unchanged, again.summary.updated), (10, 0), "{label}");
    })
    .await;
}

#[tokio::test]
async fn a_workbook_that_cannot_be_read_safely_stores_nothing() {
    each_store(async |store, label| {
        import(store, ImportKind::Chain, chain_export().path()).await.unwrap();
        let before = snapshot(store).await;

        // A title row above the contacts' header.
        let export = workbook_export();
        let titled = format!("Contacts exported from CHAIN,,,,,,,,,,\n{CONTACTS}");
        export.write("contacts.xlsx", &as_workbook(&titled));
        let error = import(store, ImportKind::Chain, export.path()).await.unwrap_err();
        assert!(matches!(error, ImportError::File(_)), "{label}: {error}");
        let message = error.to_string();
        assert!(
            message.contains("contacts.xlsx (sheet Sheet1): row 1 is above the header, which is on row 2"),
            "{label}: {message}"
        );
        assert_eq!(snapshot(store).await, before, "{label}: nothing stored, not even the persons read before");

        // A file named .xlsx that is not a workbook.
        let export = workbook_export();
        export.write("persons.xlsx", b"chain_id,first_name\nC001,John\n");
        let message = import(store, ImportKind::Chain, export.path()).await.unwrap_err().to_string();
        assert!(message.contains("persons.xlsx: not a readable Excel workbook (.xlsx)"), "{label}: {message}");
        assert_eq!(snapshot(store).await, before, "{label}");
    })
    .await;
}
