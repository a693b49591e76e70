//! The key statistics report as a web page for analysts and the Strategic Group, and as
//! downloads (CSV, JSON, spreadsheet) of exactly the same figures. Aggregates only: no
//! person data is shown, so nothing here is written to the audit log.

use crate::AppState;
use crate::auth::StatisticsReader;
use crate::layout::layout;
use crate::page_error::{Look, Notice, PageError};
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use byname_domain::period::Period;
use byname_pipeline::statistics::{StatisticsError, key_statistics};
use byname_report::Format;
use byname_stats::Settings;
use byname_store::Store;
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize, Default)]
pub struct ReportParams {
    period: Option<String>,
    public: Option<String>,
    format: Option<String>,
}

/// The last financial quarter that has ended by `today`.
fn last_complete_quarter(today: time::Date) -> Period {
    let fy = Period::financial_year_of(today);
    let year = match fy.kind() {
        byname_domain::period::PeriodKind::FinancialYear(year) => year,
        _ => today.year(),
    };
    let mut quarter = Period::financial_quarter(year, 1);
    for q in 1..=4 {
        let candidate = Period::financial_quarter(year, q);
        if candidate.end() < today {
            quarter = candidate;
        }
    }
    if quarter.end() >= today { quarter.previous() } else { quarter }
}

fn picker(period: &str, public: bool) -> Markup {
    html! {
        form.report-picker method="get" action="/reports/key-statistics" {
            label for="period" { "Period" }
            input #period type="text" name="period" value=(period) placeholder="FY2024-Q1" aria-describedby="period-help";
            p #period-help .help { "A financial year (FY2024), quarter (FY2024-Q1), month (2024-06) or range (2024-06-01..2024-06-30)." }
            label { input type="checkbox" name="public" value="1" checked[public]; " For publication (withhold small numbers)" }
            button type="submit" { "Show" }
        }
    }
}

pub async fn key_statistics_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Query(params): Query<ReportParams>,
    StatisticsReader(user): StatisticsReader,
) -> Result<Response, PageError> {
    let today = state.clock.today();
    let public = params.public.as_deref().is_some_and(|p| p == "1" || p == "on" || p == "true");
    let period_text = params.period.clone().unwrap_or_else(|| last_complete_quarter(today).to_string());
    // A period or format that makes no sense, or a period without figures, is asked again, with
    // the form as it was sent.
    let notice =
        |text: String| Notice::new("Key statistics", text, Look::Alert).with_form(picker(&period_text, public));
    let period = Period::parse(&period_text).map_err(|error| PageError::BadRequest(notice(error.to_string())))?;
    let format = match params.format.as_deref() {
        None | Some("html") => Format::Html,
        Some(other) => Format::parse(other)
            .ok_or_else(|| PageError::BadRequest(notice(format!("{other:?} is not a format: csv, json or xlsx"))))?,
    };
    let stats = match key_statistics(&state.store, period, &Settings::default(), today).await {
        Ok(stats) => stats,
        Err(StatisticsError::Stats(error)) => return Err(PageError::NotFound(notice(error.to_string()))),
        Err(error) => return Err(PageError::server(error)),
    };
    let generated_at = byname_store::sql_instant(state.clock.now());
    if format == Format::Html {
        let view = byname_report::build(&stats, public, &generated_at);
        let query = |format: &str| {
            format!("/reports/key-statistics?period={period}&format={format}{}", if public { "&public=1" } else { "" })
        };
        let body = html! {
            main {
                (picker(&period_text, public))
                p.downloads { "Download: " a href=(query("csv")) { "CSV" } " · " a href=(query("json")) { "JSON" } " · " a href=(query("xlsx")) { "spreadsheet (xlsx)" } " · print this page to PDF from your browser." }
                (byname_report::body(&view))
            }
        };
        return Ok(layout(&view.title, Some(&user), body).into_response());
    }
    let bytes = byname_report::render(&stats, public, &generated_at, format).map_err(PageError::server)?;
    let (content_type, extension) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "csv"),
        Format::Json => ("application/json", "json"),
        _ => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    };
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let name =
        format!("attachment; filename=\"key-statistics-{period}{}.{extension}\"", if public { "-public" } else { "" });
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
