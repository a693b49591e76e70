//! Forecasts as a web page for analysts and the Strategic Group: the history and the
//! forecast on one chart with its intervals, the model and its measured accuracy beside
//! it, any caution above the figures, and the same forecast as CSV or JSON. Aggregates
//! only: nothing here is written to the audit log.

use crate::AppState;
use crate::auth::StatisticsReader;
use crate::layout::{capitalise, download, encode, layout};
use crate::page_error::{Look, Notice, PageError};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use byname_pipeline::forecast::{ForecastRequest, ForecastServiceError, MetricForecast, forecast};
use byname_report::svg::{FanStep, format_number};
use byname_stats::Settings;
use byname_stats::series::{PeriodUnit, SERIES_METRICS};
use byname_store::Store;
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize, Default)]
pub struct ForecastParams {
    metric: Option<String>,
    unit: Option<String>,
    horizon: Option<String>,
    area: Option<String>,
    format: Option<String>,
}

struct Chosen {
    metric: String,
    unit: String,
    horizon: String,
    area: String,
}

fn picker(chosen: &Chosen) -> Markup {
    html! {
        form.report-picker method="get" action="/forecasts" {
            label for="metric" { "Figure" }
            select #metric name="metric" {
                @for (id, what) in SERIES_METRICS {
                    option value=(id) selected[chosen.metric == id] { (what) " (" (id) ")" }
                }
            }
            label for="unit" { "By" }
            select #unit name="unit" {
                option value="month" selected[chosen.unit == "month"] { "month" }
                option value="quarter" selected[chosen.unit == "quarter"] { "quarter" }
            }
            label for="horizon" { "Periods ahead" }
            input #horizon type="number" name="horizon" min="1" max="60" value=(chosen.horizon);
            label for="area" { "Area" }
            input #area type="text" name="area" value=(chosen.area) placeholder="the partnership" aria-describedby="area-help";
            p #area-help .help { "A borough as the data names it; leave empty for the partnership." }
            button type="submit" { "Forecast" }
        }
    }
}

pub async fn forecasts_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Query(params): Query<ForecastParams>,
    StatisticsReader(user): StatisticsReader,
) -> Result<Response, PageError> {
    let chosen = Chosen {
        metric: params.metric.clone().unwrap_or_else(|| "chain.total".to_owned()),
        unit: params.unit.clone().unwrap_or_else(|| "month".to_owned()),
        horizon: params.horizon.clone().unwrap_or_else(|| "12".to_owned()),
        area: params.area.clone().unwrap_or_default(),
    };
    // A request the forecast cannot answer is asked again, with the form as it was sent.
    let refused =
        |text: String| PageError::BadRequest(Notice::new("Forecasts", text, Look::Alert).with_form(picker(&chosen)));
    let unit = PeriodUnit::parse(&chosen.unit).ok_or_else(|| refused("Forecast by month or by quarter.".to_owned()))?;
    let horizon = match chosen.horizon.trim().parse::<usize>() {
        Ok(h) if h > 0 => h,
        _ => return Err(refused("Periods ahead: a whole number, 1 or more.".to_owned())),
    };
    let area = Some(chosen.area.trim().to_owned()).filter(|a| !a.is_empty());
    let request = ForecastRequest::new(&chosen.metric, unit, horizon, area);
    let result = match forecast(&state.store, request, &Settings::default(), state.clock.today()).await {
        Ok(result) => result,
        Err(ForecastServiceError::Statistics(error)) => return Err(PageError::server(error)),
        Err(error) => return Err(refused(error.to_string())),
    };
    Ok(match params.format.as_deref() {
        None | Some("html") => layout("Forecasts", Some(&user), page(&chosen, &result)).into_response(),
        Some("json") => download(format!("{:#}\n", result.to_json()), "application/json", &file_name(&chosen), "json"),
        Some("csv") => download(result.to_csv(), "text/csv; charset=utf-8", &file_name(&chosen), "csv"),
        Some(other) => return Err(refused(format!("{other:?} is not a format: csv or json"))),
    })
}

fn file_name(chosen: &Chosen) -> String {
    format!("forecast-{}-{}", chosen.metric, chosen.unit)
}

fn page(chosen: &Chosen, result: &MetricForecast) -> Markup {
    let f = &result.forecast;
    let what = SERIES_METRICS.iter().find(|(id, _)| *id == chosen.metric).map_or("", |(_, what)| what);
    let unit = result.request.unit.code();
    let place = result.request.area.clone().unwrap_or_else(|| "the partnership".to_owned());
    let title = format!("{} by {unit}, {place}: forecast {} {unit}s ahead", capitalise(what), f.steps.len());
    let history: Vec<(String, f64)> =
        result.series.values.iter().enumerate().map(|(k, v)| (result.series.label(k), *v)).collect();
    let labels = result.step_labels();
    let future: Vec<FanStep> = f
        .steps
        .iter()
        .zip(&labels)
        .map(|(s, label)| FanStep {
            label: label.clone(),
            point: s.point,
            lower_80: s.lower_80,
            upper_80: s.upper_80,
            lower_95: s.lower_95,
            upper_95: s.upper_95,
        })
        .collect();
    let query = |format: &str| {
        format!(
            "/forecasts?metric={}&unit={unit}&horizon={}&area={}&format={format}",
            encode(&chosen.metric),
            f.steps.len(),
            encode(&chosen.area)
        )
    };
    let round = |v: f64| format_number(v.round());
    html! {
        main {
            (picker(chosen))
            article.report {
                h1 { (title) }
                p.meta data-model=(f.model.code()) { "Model: " (f.detail) ", chosen because it forecast this history best when tested on it." }
                @match f.accuracy {
                    Some(a) => p.meta #accuracy {
                        "Accuracy when tested on the history (" (a.forecasts) " forecasts from " (a.origins) " earlier points, up to " (a.horizon) " " (unit) "s ahead): "
                        "MASE " (a.mase.map_or("not defined".to_owned(), |m| format!("{m:.2}")))
                        " (under 1 beats repeating last year's figure), sMAPE " (format!("{:.1}%", a.smape))
                        ", its 80% intervals held the actual figure " (format!("{:.0}%", a.coverage_80 * 100.0))
                        " of the time and its 95% intervals " (format!("{:.0}%", a.coverage_95 * 100.0)) "."
                    },
                    None => p.meta #accuracy { "Accuracy: not measured." },
                }
                @if !f.cautions.is_empty() {
                    div.caution role="note" {
                        @for caution in &f.cautions { p { strong { "Caution: " } (caution) } }
                    }
                }
                (byname_report::svg::forecast("forecast-chart", &title, &history, &future, &f.detail))
                table.figures {
                    caption { (title) }
                    thead { tr { th scope="col" { (capitalise(unit)) } th.num scope="col" { "Forecast" } th.num scope="col" { "80% interval" } th.num scope="col" { "95% interval" } } }
                    tbody {
                        @for step in &future {
                            tr {
                                th scope="row" { (step.label) }
                                td.num { (round(step.point)) }
                                td.num { (round(step.lower_80)) " to " (round(step.upper_80)) }
                                td.num { (round(step.lower_95)) " to " (round(step.upper_95)) }
                            }
                        }
                    }
                }
                p.downloads {
                    "Download: " a href=(query("csv")) { "CSV" } " · " a href=(query("json")) { "JSON" }
                    " · " a href="/scenarios" { "What if capacity or rates change? Scenarios" }
                }
            }
        }
    }
}
