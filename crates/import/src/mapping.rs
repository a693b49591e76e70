//! Column mappings: a small TOML file that tells byname how a real export
//! differs from the documented format, so it imports without code changes.
//!
//! ```toml
//! [persons]
//! file = "People.csv"            # the file's name in the export folder (.csv or .xlsx)
//! sheet = "People"               # a workbook's sheet (the first when absent)
//! date_format = "DD/MM/YYYY"     # how its dates are written
//! [persons.columns]              # our column = their header
//! chain_id = "Person Ref"
//! [persons.values.gender]        # their code = our code
//! "M" = "male"
//! ```

use crate::spec::{self, FileSpec};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum DateFormat {
    #[serde(rename = "YYYY-MM-DD")]
    Iso,
    #[serde(rename = "DD/MM/YYYY")]
    DayMonthYear,
}

impl DateFormat {
    pub fn pattern(self) -> &'static str {
        match self {
            Self::Iso => "YYYY-MM-DD",
            Self::DayMonthYear => "DD/MM/YYYY",
        }
    }
}

/// How one file of an export differs from the documented format.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileMapping {
    pub file: Option<String>,
    /// The sheet of an Excel workbook to read; the first when absent.
    pub sheet: Option<String>,
    pub date_format: Option<DateFormat>,
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub values: BTreeMap<String, BTreeMap<String, String>>,
}

/// A whole mapping file: one section per file key (`persons`, `contacts`, ...).
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    files: BTreeMap<String, FileMapping>,
}

#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error("{origin}: {message}")]
    Syntax { origin: String, message: String },
    #[error("{origin}: [{key}] is not a file of any import format; expected one of {}", expected.join(", "))]
    UnknownFile { origin: String, key: String, expected: Vec<&'static str> },
    #[error("{origin}: [{key}] has no column {column:?}; its columns are {}", expected.join(", "))]
    UnknownColumn { origin: String, key: String, column: String, expected: Vec<&'static str> },
}

static EMPTY: FileMapping =
    FileMapping { file: None, sheet: None, date_format: None, columns: BTreeMap::new(), values: BTreeMap::new() };

impl Mapping {
    /// Parses and checks a mapping; `origin` names it in errors (usually its path).
    pub fn parse(text: &str, origin: &str) -> Result<Self, MappingError> {
        let files: BTreeMap<String, FileMapping> = toml::from_str(text).map_err(|e| MappingError::Syntax {
            origin: origin.to_owned(),
            message: e.to_string().trim().to_owned(),
        })?;
        for (key, file) in &files {
            let Some(spec) = spec::ALL.iter().find(|s| s.key == key) else {
                return Err(MappingError::UnknownFile {
                    origin: origin.to_owned(),
                    key: key.clone(),
                    expected: spec::ALL.iter().map(|s| s.key).collect(),
                });
            };
            for column in file.columns.keys().chain(file.values.keys()) {
                if spec.column_index(column).is_none() {
                    return Err(MappingError::UnknownColumn {
                        origin: origin.to_owned(),
                        key: key.clone(),
                        column: column.clone(),
                        expected: spec.columns.iter().map(|c| c.name).collect(),
                    });
                }
            }
        }
        Ok(Self { files })
    }

    pub fn file(&self, spec: &FileSpec) -> &FileMapping {
        self.files.get(spec.key).unwrap_or(&EMPTY)
    }

    /// The file name to look for in an export folder.
    pub fn file_name<'a>(&'a self, spec: &'a FileSpec) -> &'a str {
        self.file(spec).file.as_deref().unwrap_or(spec.file_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mapping_renames_files_columns_and_codes() {
        let mapping = Mapping::parse(
            "[contacts]\nfile = \"Contacts export.csv\"\ndate_format = \"DD/MM/YYYY\"\n[contacts.columns]\ncontact_date = \"Date\"\n[contacts.values.bedded_down]\n\"Yes\" = \"Y\"\n",
            "map.toml",
        )
        .unwrap();
        let contacts = mapping.file(&spec::CHAIN_CONTACTS);
        assert_eq!(mapping.file_name(&spec::CHAIN_CONTACTS), "Contacts export.csv");
        assert_eq!(contacts.columns["contact_date"], "Date");
        assert_eq!(contacts.values["bedded_down"]["Yes"], "Y");
        assert_eq!(contacts.date_format, Some(DateFormat::DayMonthYear));
        assert_eq!(mapping.file_name(&spec::CHAIN_PERSONS), "persons.csv");
    }

    #[test]
    fn mistakes_in_a_mapping_are_named() {
        let unknown_file = Mapping::parse("[people]\n", "m.toml").unwrap_err().to_string();
        assert!(unknown_file.contains("[people] is not a file"), "{unknown_file}");
        let unknown_column =
            Mapping::parse("[persons.columns]\nsurname = \"Surname\"\n", "m.toml").unwrap_err().to_string();
        assert!(unknown_column.contains("no column \"surname\""), "{unknown_column}");
        let syntax = Mapping::parse("[persons\n", "m.toml").unwrap_err().to_string();
        assert!(syntax.starts_with("m.toml: "), "{syntax}");
        let bad_format = Mapping::parse("[persons]\ndate_format = \"MM/DD/YY\"\n", "m.toml").unwrap_err().to_string();
        assert!(bad_format.contains("MM/DD/YY"), "{bad_format}");
    }
}
