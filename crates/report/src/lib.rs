//! The key statistics report in every format: an HTML page (standalone, or
//! the body the web app wraps), CSV, JSON and an Excel workbook with one sheet
//! per table. Pure: statistics in, text or bytes out. Every format is written
//! from one [`view::View`], so they agree figure for figure, and every figure
//! carries its metric id (DOMAIN.md section 6).
//!
//! ## Where things are
//!
//! `view` builds the sections and tables once. The crate root writes them as HTML (standalone or
//! the web body), CSV, JSON or xlsx. `svg` draws accessible charts by hand (each with a title, a
//! description and a table of the same numbers), the forecast's fan among them. `csv_out` is the one
//! CSV writer of every crate, with the one guard against spreadsheet formulas.

pub mod csv_out;
pub mod svg;
pub mod view;

use byname_stats::KeyStatistics;
use byname_stats::disclosure::Shown;
use byname_stats::metrics::{Unit, base_id, definition};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::{Map, Value, json};
use view::{Chart, Row, Table, View};

pub use view::build;

/// The report's own styles, print included: served by the web app and inlined in a standalone page.
pub const CSS: &str = include_str!("report.css");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Csv,
    Json,
    Xlsx,
}

impl Format {
    pub fn parse(input: &str) -> Option<Self> {
        match input {
            "html" => Some(Self::Html),
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("writing the spreadsheet: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// The report in one format.
pub fn render(stats: &KeyStatistics, public: bool, generated_at: &str, format: Format) -> Result<Vec<u8>, ReportError> {
    let view = build(stats, public, generated_at);
    Ok(match format {
        Format::Html => standalone(&view).into_string().into_bytes(),
        Format::Csv => csv(&view).into_bytes(),
        Format::Json => json(&view).into_bytes(),
        Format::Xlsx => xlsx(&view)?,
    })
}

fn number(shown: Shown, unit: Unit) -> String {
    match (shown, unit) {
        (Shown::Withheld, _) => "*".to_owned(),
        (Shown::Value(v), Unit::Count) => svg::format_number(v),
        (Shown::Value(v), _) => format!("{v:.1}"),
    }
}

/// The change from an earlier figure, when both are shown.
fn change(now: Shown, before: Option<Shown>, unit: Unit) -> String {
    match (now, before) {
        (Shown::Value(a), Some(Shown::Value(b))) => {
            let difference = a - b;
            let sign = if difference > 0.0 { "+" } else { "" };
            match unit {
                Unit::Count if b > 0.0 => {
                    format!("{sign}{} ({sign}{:.0}%)", svg::format_number(difference), 100.0 * difference / b)
                }
                Unit::Count => format!("{sign}{}", svg::format_number(difference)),
                _ => format!("{sign}{difference:.1}"),
            }
        }
        _ => String::new(),
    }
}

fn anchor(id: &str) -> String {
    format!("def-{}", base_id(id).replace('.', "-"))
}

fn figures_table(view: &View, table: &Table) -> Markup {
    let compare = table.compare && (view.previous_label.is_some() || view.year_ago_label.is_some());
    html! {
        table.figures id=(format!("table-{}", table.key.to_lowercase().replace(' ', "-"))) {
            caption { (table.title) }
            thead {
                tr {
                    th scope="col" { "Figure" }
                    th scope="col" .num { (table.heading.as_deref().unwrap_or(&view.period_heading)) }
                    @if compare {
                        @if let Some(previous) = &view.previous_heading { th scope="col" .num { (previous) } th scope="col" .num { "Change" } }
                        @if let Some(year_ago) = &view.year_ago_heading { th scope="col" .num { (year_ago) } th scope="col" .num { "Change" } }
                    }
                }
            }
            tbody {
                @for row in &table.rows {
                    tr data-metric=(row.id) {
                        th scope="row" {
                            @if definition(&row.id).is_some() { a href=(format!("#{}", anchor(&row.id))) { (row.label) } } @else { (row.label) }
                        }
                        td.num { (number(row.value, row.unit)) }
                        @if compare {
                            @if view.previous_label.is_some() {
                                td.num { (row.previous.map(|p| number(p, row.unit)).unwrap_or_default()) }
                                td.num { (change(row.value, row.previous, row.unit)) }
                            }
                            @if view.year_ago_label.is_some() {
                                td.num { (row.year_ago.map(|p| number(p, row.unit)).unwrap_or_default()) }
                                td.num { (change(row.value, row.year_ago, row.unit)) }
                            }
                        }
                    }
                }
                @if table.rows.is_empty() { tr { td colspan="2" { "No figures for this period." } } }
            }
        }
    }
}

/// A section's monthly figures in one table: one row a figure, one column a month.
fn month_matrix(title: &str, tables: &[&Table]) -> Markup {
    let months: Vec<&str> = tables[0].rows.iter().map(|r| r.label.as_str()).collect();
    html! {
        div.wide {
            table.figures.months {
                caption { (title) ", month by month" }
                thead { tr { th scope="col" { "Figure" } @for month in &months { th scope="col" .num { (month) } } } }
                tbody {
                    @for table in tables {
                        tr {
                            th scope="row" { a href=(format!("#{}", anchor(&table.rows[0].id))) { (table.title) } }
                            @for row in &table.rows { td.num data-metric=(row.id) { (number(row.value, row.unit)) } }
                        }
                    }
                }
            }
        }
    }
}

/// The report's body: the web app puts it inside its own layout.
pub fn body(view: &View) -> Markup {
    let mut bases: Vec<&str> = view.all.iter().map(|(id, _)| base_id(id)).collect();
    bases.dedup();
    bases.sort_unstable();
    bases.dedup();
    html! {
        article.report {
            header {
                h1 { (view.title) }
                p.meta {
                    @if view.public {
                        strong.badge { "Public" } " Small numbers are withheld (*) and counts rounded as the settings below say; no percentage or average is shown from a withheld count."
                    } @else {
                        strong.badge.internal { "Internal" } " Exact counts, for the Strategic Group. Not for publication."
                    }
                }
                p.meta { "Period " (view.period) ". Made " (view.generated_at) "." }
                nav.contents aria-label="Contents" {
                    ol {
                        @for section in &view.sections { li { a href=(format!("#{}", section.key)) { (section.title) } } }
                        li { a href="#findings" { "Findings" } }
                        li { a href="#settings" { "Settings" } }
                        li { a href="#definitions" { "Definitions" } }
                    }
                }
            }
            @for section in &view.sections {
                section id=(section.key) {
                    h2 { (section.title) }
                    p { (section.intro) }
                    @for (i, table) in section.tables.iter().enumerate().filter(|(_, t)| !t.monthly) {
                        @let chart_id = format!("chart-{}-{i}", section.key);
                        @match table.chart {
                            Some(Chart::Bars) if !table.rows.is_empty() => { (svg::bars(table, &chart_id)) }
                            Some(Chart::Trend) if !table.rows.is_empty() => { (svg::trend(table, &chart_id)) }
                            _ => {}
                        }
                        @if table.chart == Some(Chart::Trend) || table.rows.len() > 14 {
                            details { summary { (table.title) ": the numbers" } (figures_table(view, table)) }
                        } @else {
                            (figures_table(view, table))
                        }
                    }
                    @let months: Vec<&Table> = section.tables.iter().filter(|t| t.monthly).collect();
                    @if !months.is_empty() { (month_matrix(section.title, &months)) }
                }
            }
            section #findings {
                h2 { "Findings about the data" }
                ul { @for finding in &view.findings { li { (finding) } } }
            }
            section #settings {
                h2 { "Settings used" }
                table.figures {
                    caption { "Every threshold that is not official, as set for this report" }
                    thead { tr { th scope="col" { "Setting" } th scope="col" { "Value" } } }
                    tbody { @for (key, value) in &view.settings { tr { th scope="row" { code { (key) } } td { (value) } } } }
                }
            }
            section #definitions {
                h2 { "Definitions" }
                dl {
                    @for base in bases {
                        @if let Some(text) = definition(base) {
                            dt id=(anchor(base)) { code { (base) } }
                            dd { (text) }
                        }
                    }
                }
            }
        }
    }
}

/// A whole page that prints to a clean PDF from any browser.
pub fn standalone(view: &View) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (view.title) " · byname" }
                style { (PreEscaped(CSS)) }
            }
            body { main { (body(view)) } }
        }
    }
}

/// One row per figure: id, label, value and the comparisons, with its definition.
pub fn csv(view: &View) -> String {
    use csv_out::Cell::{Number, Text};
    let mut out = csv_out::CsvText::new(&[
        "section",
        "table",
        "metric_id",
        "label",
        "value",
        "previous_period",
        "change_previous",
        "same_period_last_year",
        "change_year",
        "definition",
    ]);
    let text = |s: Option<Shown>, unit: Unit| s.map(|s| number(s, unit)).unwrap_or_default();
    for section in &view.sections {
        for table in &section.tables {
            for Row { id, label, unit, value, previous, year_ago } in &table.rows {
                out.row(&[
                    Text(section.key),
                    Text(&table.key),
                    Text(id),
                    Text(label),
                    Number(&number(*value, *unit)),
                    Number(&text(*previous, *unit)),
                    Number(&change(*value, *previous, *unit)),
                    Number(&text(*year_ago, *unit)),
                    Number(&change(*value, *year_ago, *unit)),
                    Text(definition(id).unwrap_or_default()),
                ]);
            }
        }
    }
    // The settings the figures rest on, so the file says how they were counted.
    for (key, value) in &view.settings {
        out.row(&[
            Text("settings"),
            Text("Settings"),
            Text(key),
            Text(key),
            Text(value),
            Text(""),
            Text(""),
            Text(""),
            Text(""),
            Text("A setting of this report"),
        ]);
    }
    out.finish()
}

/// `{"period", "settings", "metrics"}`: every metric id to its number (`null` when withheld).
pub fn json(view: &View) -> String {
    let metrics: Map<String, Value> =
        view.all.iter().map(|(id, v)| (id.clone(), v.map_or(Value::Null, |v| json!(v)))).collect();
    let settings: Map<String, Value> = view.settings.iter().map(|(k, v)| ((*k).to_owned(), json!(v))).collect();
    let mut value = json!({
        "period": view.period,
        "period_label": view.period_label,
        "public": view.public,
        "settings": settings,
        "metrics": metrics,
        "findings": view.findings,
    });
    if let Some(night) = &view.single_night {
        value["single_night"] = json!(night);
    }
    if let Some(to) = &view.to {
        value["to"] = json!(to);
    }
    let mut text = serde_json::to_string_pretty(&value).expect("JSON of plain values");
    text.push('\n');
    text
}

/// One sheet per table, for analysts who live in Excel.
pub fn xlsx(view: &View) -> Result<Vec<u8>, ReportError> {
    use rust_xlsxwriter::{Format as CellFormat, Workbook};
    let mut workbook = Workbook::new();
    let bold = CellFormat::new().set_bold();
    let mut used = std::collections::HashSet::new();
    for section in &view.sections {
        for table in &section.tables {
            // Each table's own sheet name: chosen to fit Excel's 31 characters, unique, without
            // []:*?/\ (a test checks every name of a full report).
            let name: String = table.sheet.chars().filter(|c| !"[]:*?/\\".contains(*c)).collect();
            debug_assert!(name.chars().count() <= 31 && !used.contains(&name), "sheet name {name:?}");
            used.insert(name.clone());
            let sheet = workbook.add_worksheet().set_name(&name)?;
            sheet.write_string_with_format(0, 0, &table.title, &bold)?;
            let heading = table.heading.clone().unwrap_or_else(|| view.period_label.clone());
            let mut headers = vec!["Metric id".to_owned(), "Figure".to_owned(), heading];
            if table.compare {
                if let Some(previous) = &view.previous_label {
                    headers.push(previous.clone());
                }
                if let Some(year_ago) = &view.year_ago_label {
                    headers.push(year_ago.clone());
                }
            }
            for (c, header) in headers.iter().enumerate() {
                sheet.write_string_with_format(1, c as u16, header, &bold)?;
            }
            for (r, row) in table.rows.iter().enumerate() {
                let r = r as u32 + 2;
                sheet.write_string(r, 0, &row.id)?;
                sheet.write_string(r, 1, &row.label)?;
                let mut cells = vec![Some(row.value)];
                if table.compare {
                    if view.previous_label.is_some() {
                        cells.push(row.previous);
                    }
                    if view.year_ago_label.is_some() {
                        cells.push(row.year_ago);
                    }
                }
                for (c, cell) in cells.into_iter().enumerate() {
                    let column = c as u16 + 2;
                    match cell {
                        Some(Shown::Value(v)) => {
                            sheet.write_number(r, column, v)?;
                        }
                        Some(Shown::Withheld) => {
                            sheet.write_string(r, column, "*")?;
                        }
                        None => {}
                    }
                }
            }
            sheet.set_column_width(0, 42)?;
            sheet.set_column_width(1, 48)?;
        }
    }
    let sheet = workbook.add_worksheet().set_name("Settings")?;
    sheet.write_string_with_format(0, 0, "Setting", &bold)?;
    sheet.write_string_with_format(0, 1, "Value", &bold)?;
    for (r, (key, value)) in view.settings.iter().enumerate() {
        sheet.write_string(r as u32 + 1, 0, *key)?;
        sheet.write_string(r as u32 + 1, 1, value)?;
    }
    sheet.set_column_width(0, 40)?;
    Ok(workbook.save_to_buffer()?)
}
