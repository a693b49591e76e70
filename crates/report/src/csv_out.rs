//! Every CSV file byname writes goes through here: the key statistics, the by-name
//! list download, forecasts, scenarios and the persons export. Fields are quoted by
//! the `csv` crate, and a text cell a spreadsheet would take for a formula (one that
//! starts with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`,
//! as OWASP advises against CSV injection. The guard lives only here.
//!
//! A cell is either [`Cell::Text`], anything that came from data or from a person
//! (names, labels, ids, places), which is guarded, or [`Cell::Number`], a figure byname
//! wrote itself from a number (`-3`, `12.5`, `+3 (+5%)`, `*` for withheld), which is
//! left as it is so that a negative change stays a number.

use std::borrow::Cow;
use std::io::Write;

/// One field of a CSV row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell<'a> {
    /// Text from data or from a person: guarded against formulas.
    Text(&'a str),
    /// A figure byname formatted from a number: written as it is.
    Number(&'a str),
}

impl Cell<'_> {
    /// The field as written, before quoting.
    pub fn written(&self) -> Cow<'_, str> {
        match *self {
            Cell::Text(text) => guard(text),
            Cell::Number(text) => {
                debug_assert!(
                    !text.starts_with(['=', '@', '\t', '\r']),
                    "a number cell that looks like a formula: {text:?}"
                );
                Cow::Borrowed(text)
            }
        }
    }
}

/// The characters that make a spreadsheet read a cell as a formula.
const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as written: prefixed with `'` when it starts like a formula.
pub fn guard(text: &str) -> Cow<'_, str> {
    if text.starts_with(TRIGGERS) { Cow::Owned(format!("'{text}")) } else { Cow::Borrowed(text) }
}

/// A CSV file written row by row to any writer (a file for large exports).
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> CsvWriter<W> {
    /// Starts the file with its header (column names are byname's own and written as they are).
    pub fn new(writer: W, header: &[&str]) -> std::io::Result<Self> {
        let mut inner = csv::WriterBuilder::new().has_headers(false).from_writer(writer);
        inner.write_record(header).map_err(into_io)?;
        Ok(Self { inner })
    }

    pub fn row(&mut self, cells: &[Cell<'_>]) -> std::io::Result<()> {
        self.inner.write_record(cells.iter().map(|c| c.written().into_owned())).map_err(into_io)
    }

    /// Flushes and gives the writer back.
    pub fn finish(self) -> std::io::Result<W> {
        self.inner.into_inner().map_err(|e| e.into_error())
    }
}

fn into_io(error: csv::Error) -> std::io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// A whole CSV file as text.
#[derive(Debug)]
pub struct CsvText {
    inner: csv::Writer<Vec<u8>>,
}

impl CsvText {
    pub fn new(header: &[&str]) -> Self {
        let mut inner = csv::WriterBuilder::new().has_headers(false).from_writer(Vec::new());
        inner.write_record(header).expect("writing to memory");
        Self { inner }
    }

    pub fn row(&mut self, cells: &[Cell<'_>]) {
        self.inner.write_record(cells.iter().map(|c| c.written().into_owned())).expect("writing to memory");
    }

    pub fn finish(self) -> String {
        let bytes = self.inner.into_inner().expect("writing to memory");
        String::from_utf8(bytes).expect("UTF-8 in, UTF-8 out")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(cell: Cell<'_>) -> String {
        let mut out = CsvText::new(&["a"]);
        out.row(&[cell]);
        out.finish().strip_prefix("a\n").unwrap().to_owned()
    }

    #[test]
    fn every_trigger_character_starts_a_text_cell_with_a_quote_mark() {
        for text in ["=1+2", "+44 20", "-3 people", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"] {
            assert_eq!(guard(text), format!("'{text}"), "{text:?}");
        }
        for text in ["Westminster", "3 people", "", "a=b", " =x", "'already"] {
            assert_eq!(guard(text), text, "{text:?}");
        }
        assert_eq!(one(Cell::Text("=1+2")), "'=1+2\n");
        assert_eq!(one(Cell::Text("-3 people")), "'-3 people\n");
    }

    #[test]
    fn numbers_byname_writes_stay_numbers() {
        for number in ["-3", "-12.5", "+3 (+5%)", "0", "2100", "*"] {
            assert_eq!(one(Cell::Number(number)), format!("{number}\n"), "{number}");
        }
    }

    #[test]
    fn commas_quotes_and_line_breaks_are_quoted_and_read_back() {
        let rows: Vec<Vec<&str>> = vec![
            vec!["Smith, John", "say \"hi\"", "two\nlines", "-5", "=cmd|' /C calc'!A0"],
            vec!["cr\rhere", "", "plain", "+3 (+5%)", "\tindent"],
        ];
        let mut out = CsvText::new(&["name", "quote", "lines", "change", "hostile"]);
        for row in &rows {
            out.row(&[
                Cell::Text(row[0]),
                Cell::Text(row[1]),
                Cell::Text(row[2]),
                Cell::Number(row[3]),
                Cell::Text(row[4]),
            ]);
        }
        let text = out.finish();
        assert!(
            text.starts_with("name,quote,lines,change,hostile\n\"Smith, John\",\"say \"\"hi\"\"\",\"two\nlines\",-5,")
        );
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(reader.headers().unwrap(), vec!["name", "quote", "lines", "change", "hostile"]);
        let read: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        assert_eq!(read[0], ["Smith, John", "say \"hi\"", "two\nlines", "-5", "'=cmd|' /C calc'!A0"]);
        assert_eq!(read[1], ["cr\rhere", "", "plain", "+3 (+5%)", "'\tindent"]);
    }

    #[test]
    fn a_writer_streams_the_same_text() {
        let mut streamed = CsvWriter::new(Vec::new(), &["source", "source_id"]).unwrap();
        streamed.row(&[Cell::Text("chain"), Cell::Text("-1")]).unwrap();
        let mut text = CsvText::new(&["source", "source_id"]);
        text.row(&[Cell::Text("chain"), Cell::Text("-1")]);
        assert_eq!(String::from_utf8(streamed.finish().unwrap()).unwrap(), text.finish());
    }
}
