//! Bytes to domain records. Each import format (FORMATS.md) is a set of CSV
//! tables read row by row from any `impl Read`, so a file of any size streams
//! through in constant memory. A bad row never stops an import: it becomes a
//! [`Diagnostic`] naming the file, line, column and reason, and the good rows
//! go on. Only a file that cannot be read as a table at all is a [`FileError`].
//!
//! ## Where things are
//!
//! - `table`: `Table` streams one CSV file from any `impl Read`, or one sheet of an Excel workbook
//!   (`workbook`, from any `impl Read + Seek`, its cells turned into the text a CSV file holds),
//!   its header resolved through the column mapping (`mapping`, the TOML that describes another
//!   system's file names, sheets, headers, date formats and codes).
//! - `chain`, `inform`, `street_count`, `health`: the per-format parsers; each returns a record,
//!   or every diagnostic in the row.
//! - `spec` lists the documented columns of every format.
//! - `ids`: `IdRegister` finds duplicate ids through 96-bit hashes, 16 bytes an id, so memory grows
//!   with the number of ids and not with the size of the file.

pub mod chain;
pub mod health;
pub mod ids;
pub mod inform;
pub mod mapping;
pub mod spec;
pub mod street_count;
pub mod table;
pub mod workbook;

mod fields;

pub use ids::IdRegister;
pub use mapping::{FileMapping, Mapping, MappingError};
pub use spec::FileSpec;
pub use table::{Row, Table};

use std::fmt;

/// Why one row (or one field of it) was not imported, or a warning about a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub file: String,
    /// The line the row starts on, counting the header as line 1 (in a workbook, the row's number
    /// as Excel shows it); 0 for the file as a whole.
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

impl Diagnostic {
    pub fn new(file: &str, line: u64, column: Option<&str>, reason: impl Into<String>) -> Self {
        Self { file: file.to_owned(), line, column: column.map(str::to_owned), reason: reason.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if let Some(column) = &self.column {
            write!(f, " [{column}]")?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// A file that cannot be imported at all; nothing of the import is stored.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{file}: the file is empty (expected a header row)")]
    Empty { file: String },
    #[error("{file}: the header lacks required column(s) {}; found {}", missing.join(", "), found.join(", "))]
    MissingColumns { file: String, missing: Vec<String>, found: Vec<String> },
    #[error("{file}: column {column:?} appears twice in the header")]
    DuplicateColumn { file: String, column: String },
    #[error("{file}: the header row is not valid UTF-8")]
    HeaderEncoding { file: String },
    #[error("{file}: {source}")]
    Read { file: String, source: std::io::Error },
    #[error("{file}: {reason}")]
    Unreadable { file: String, reason: String },
}
