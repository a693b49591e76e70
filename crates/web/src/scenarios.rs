//! Capacity scenarios as a web page for analysts and the Strategic Group: up to two changes
//! ("hotel rooms -200 from July", "move-on +20%"), the projection of a figure against the
//! baseline on one chart with both ranges, the fitted model in plain words, and the model's
//! validation one click away. Aggregates only: nothing here is written to the audit log.

use crate::AppState;
use crate::auth::StatisticsReader;
use crate::layout::{capitalise, download, encode, layout};
use crate::page_error::{Look, Notice, PageError};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use byname_pipeline::scenario::{
    Lever, ScenarioRequest, ScenarioResult, ScenarioServiceError, Step, TRACKED, VALIDATION, scenario,
};
use byname_report::svg::{FanStep, format_number};
use byname_stats::Settings;
use byname_store::Store;
use maud::{Markup, html};
use serde::Deserialize;
use std::sync::Arc;

#[derive(Deserialize, Default, Clone)]
pub struct ScenarioParams {
    lever: Option<String>,
    amount: Option<String>,
    lever2: Option<String>,
    amount2: Option<String>,
    from: Option<String>,
    months: Option<String>,
    fit_to: Option<String>,
    area: Option<String>,
    metric: Option<String>,
    validate: Option<String>,
    format: Option<String>,
}

impl ScenarioParams {
    fn text(value: &Option<String>) -> &str {
        value.as_deref().map(str::trim).unwrap_or_default()
    }

    /// `NAME=AMOUNT` for each row with an amount.
    fn changes(&self) -> Vec<String> {
        [(&self.lever, &self.amount), (&self.lever2, &self.amount2)]
            .into_iter()
            .filter(|(_, amount)| !Self::text(amount).is_empty())
            .map(|(lever, amount)| format!("{}={}", Self::text(lever), Self::text(amount)))
            .collect()
    }

    fn query(&self, format: &str) -> String {
        let pairs = [
            ("lever", &self.lever),
            ("amount", &self.amount),
            ("lever2", &self.lever2),
            ("amount2", &self.amount2),
            ("from", &self.from),
            ("months", &self.months),
            ("fit_to", &self.fit_to),
            ("area", &self.area),
            ("metric", &self.metric),
            ("validate", &self.validate),
        ];
        let mut query: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !Self::text(v).is_empty())
            .map(|(k, v)| format!("{k}={}", encode(Self::text(v))))
            .collect();
        query.push(format!("format={format}"));
        format!("/scenarios?{}", query.join("&"))
    }
}

fn lever_select(name: &str, label: &str, chosen: &str) -> Markup {
    html! {
        label for=(name) { (label) }
        select #(name) name=(name) {
            @for lever in Lever::ALL {
                option value=(lever.code()) selected[chosen == lever.code()] { (capitalise(lever.describe())) }
            }
        }
    }
}

fn form(params: &ScenarioParams) -> Markup {
    let text = ScenarioParams::text;
    let metric = Some(text(&params.metric)).filter(|m| !m.is_empty()).unwrap_or("chain.total");
    html! {
        form.report-picker method="get" action="/scenarios" {
            (lever_select("lever", "Change", text(&params.lever)))
            label for="amount" { "By" }
            input #amount type="text" name="amount" value=(text(&params.amount)) placeholder="-200 or +20%" aria-describedby="amount-help" maxlength="12";
            (lever_select("lever2", "and", text(&params.lever2)))
            label for="amount2" { "By" }
            input #amount2 type="text" name="amount2" value=(text(&params.amount2)) placeholder="(none)" maxlength="12";
            p #amount-help .help { "Places as a whole number (-200) or a percentage (-50%); rates only as a percentage (+20%). Leave empty for the baseline alone." }
            label for="from" { "From (YYYY-MM)" }
            input #from type="text" name="from" value=(text(&params.from)) placeholder="the first projected month" maxlength="7";
            label for="months" { "Months" }
            input #months type="number" name="months" min="1" max="60" value=(Some(text(&params.months)).filter(|m| !m.is_empty()).unwrap_or("18"));
            label for="metric" { "Figure" }
            select #metric name="metric" {
                @for (id, what) in TRACKED {
                    option value=(id) selected[metric == id] { (capitalise(what)) }
                }
            }
            label for="fit_to" { "Learn from the data up to (YYYY-MM)" }
            input #fit_to type="text" name="fit_to" value=(text(&params.fit_to)) placeholder="the latest month" maxlength="7";
            label for="area" { "Area" }
            input #area type="text" name="area" value=(text(&params.area)) placeholder="the partnership" maxlength="100";
            button type="submit" { "Project" }
        }
    }
}

pub async fn scenarios_page<S: Store>(
    State(state): State<Arc<AppState<S>>>,
    Query(params): Query<ScenarioParams>,
    StatisticsReader(user): StatisticsReader,
) -> Result<Response, PageError> {
    let text = ScenarioParams::text;
    // A request the model cannot answer is asked again, with the form as it was sent.
    let refused =
        |text: String| PageError::BadRequest(Notice::new("Scenarios", text, Look::Alert).with_form(form(&params)));
    let mut request = if !text(&params.validate).is_empty() {
        ScenarioRequest::validation()
    } else {
        let months = match Some(text(&params.months)).filter(|m| !m.is_empty()).map(str::parse::<usize>) {
            None => 18,
            Some(Ok(m)) if m > 0 => m,
            Some(_) => return Err(refused("Months: a whole number, 1 or more.".to_owned())),
        };
        let from = Some(text(&params.from).to_owned()).filter(|f| !f.is_empty());
        let mut request = ScenarioRequest::new(params.changes(), from, months);
        request.fit_to = Some(text(&params.fit_to).to_owned()).filter(|f| !f.is_empty());
        request
    };
    request.area = Some(text(&params.area).to_owned()).filter(|a| !a.is_empty());
    if !text(&params.metric).is_empty() {
        request.metric = text(&params.metric).to_owned();
    }
    let result = match scenario(&state.store, request, &Settings::default(), state.clock.today()).await {
        Ok(result) => result,
        Err(ScenarioServiceError::Statistics(error)) => return Err(PageError::server(error)),
        Err(error) => return Err(refused(error.to_string())),
    };
    let name = format!("scenario-{}", result.request.metric);
    Ok(match params.format.as_deref() {
        None | Some("html") => layout("Scenarios", Some(&user), page(&params, &result)).into_response(),
        Some("json") => download(format!("{:#}\n", result.to_json()), "application/json", &name, "json"),
        Some("csv") => download(result.to_csv(), "text/csv; charset=utf-8", &name, "csv"),
        Some(other) => return Err(refused(format!("{other:?} is not a format: csv or json"))),
    })
}

fn fan(result: &ScenarioResult, steps: &[Step]) -> Vec<FanStep> {
    steps
        .iter()
        .enumerate()
        .map(|(k, s)| FanStep {
            label: result.projection.label(k),
            point: s.point,
            lower_80: s.lower_80,
            upper_80: s.upper_80,
            lower_95: s.lower_95,
            upper_95: s.upper_95,
        })
        .collect()
}

fn page(params: &ScenarioParams, result: &ScenarioResult) -> Markup {
    let metric = result.request.metric.as_str();
    let t = TRACKED.iter().position(|(id, _)| *id == metric).expect("a tracked figure");
    let what = TRACKED[t].1;
    let place = result.request.area.clone().unwrap_or_else(|| "the partnership".to_owned());
    let track = result.track();
    let title = format!("{} in {place}: {}", capitalise(what), result.changes_text());
    let first_projected = result.projection.label(0);
    let history: Vec<(String, f64)> =
        result.recorded.iter().take_while(|(l, _)| *l < first_projected).map(|(l, v)| (l.clone(), v[t])).collect();
    let recorded: Vec<Option<f64>> = (0..track.scenario.len()).map(|k| result.actual(metric, k)).collect();
    let baseline = fan(result, &track.baseline);
    let scenario = fan(result, &track.scenario);
    let round = |v: f64| format_number(v.round());
    let (fit_to, change, from, months) = VALIDATION;
    html! {
        main {
            (form(params))
            article.report {
                h1 { (title) }
                @for line in result.fit_lines() { p.meta { (line) } }
                @if !result.cautions.is_empty() {
                    div.caution role="note" {
                        @for caution in &result.cautions { p { strong { "Caution: " } (caution) } }
                    }
                }
                (byname_report::svg::scenario("scenario-chart", &title, &history, &baseline, &scenario, &recorded))
                table.figures {
                    caption { (title) }
                    thead {
                        tr {
                            th scope="col" { "Month" }
                            th.num scope="col" { "Baseline" }
                            th.num scope="col" { "80% range" }
                            th.num scope="col" { "Scenario" }
                            th.num scope="col" { "80% range" }
                            th.num scope="col" { "95% range" }
                            @if recorded.iter().any(Option::is_some) { th.num scope="col" { "Recorded" } }
                        }
                    }
                    tbody {
                        @for (k, (b, s)) in baseline.iter().zip(&scenario).enumerate() {
                            tr {
                                th scope="row" { (s.label) }
                                td.num { (round(b.point)) }
                                td.num { (round(b.lower_80)) " to " (round(b.upper_80)) }
                                td.num { (round(s.point)) }
                                td.num { (round(s.lower_80)) " to " (round(s.upper_80)) }
                                td.num { (round(s.lower_95)) " to " (round(s.upper_95)) }
                                @if recorded.iter().any(Option::is_some) {
                                    td.num { (recorded[k].map(round).unwrap_or_default()) }
                                }
                            }
                        }
                    }
                }
                @if !result.checks.is_empty() {
                    table.figures #check {
                        caption { "Against what was recorded after " (result.projection.label(0)) " began: absolute errors of the median over the recorded figures" }
                        thead { tr {
                            th scope="col" { "Figure" } th.num scope="col" { "Months" } th.num scope="col" { "Mean recorded" }
                            th.num scope="col" { "Scenario error" } th.num scope="col" { "Baseline error" }
                            th.num scope="col" { "Inside the 80% range" } th.num scope="col" { "Inside the 95% range" }
                        } }
                        tbody {
                            @for c in &result.checks {
                                tr {
                                    th scope="row" { (c.metric) }
                                    td.num { (c.months) }
                                    td.num { (round(c.recorded_mean)) }
                                    td.num { (format!("{:.1}%", c.error_scenario)) }
                                    td.num { (format!("{:.1}%", c.error_baseline)) }
                                    td.num { (format!("{:.0}%", c.coverage_80 * 100.0)) }
                                    td.num { (format!("{:.0}%", c.coverage_95 * 100.0)) }
                                }
                            }
                        }
                    }
                }
                p.downloads {
                    "Download: " a href=(params.query("csv")) { "CSV" } " · " a href=(params.query("json")) { "JSON" }
                    " · " a href="/scenarios?validate=1" {
                        "How well does the model predict? Fitted to " (fit_to) ", " (change) " from " (from) ", " (months) " months against the record"
                    }
                }
            }
        }
    }
}
