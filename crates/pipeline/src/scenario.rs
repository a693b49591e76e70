//! Capacity scenarios: the stock-and-flow model fitted to the current state of the data,
//! a scenario projected next to the baseline, and the result (shown as a table, CSV or JSON by
//! `crate::render`). When the fit ends before the data does, the months after it are compared
//! with what was recorded: that is how the model is validated (see [`VALIDATION`]).

use crate::projection::{default_breaks, population};
use crate::statistics::StatisticsError;
use byname_forecast::Break;
pub use byname_forecast::Step;
use byname_forecast::scenario::{
    Change, Check, Fit, FitOptions, Projection, RunOptions, ScenarioError, Track, check, fit, month_label, parse_month,
    project, recorded,
};
pub use byname_forecast::scenario::{Lever, TRACKED};
use byname_stats::Settings;
use byname_stats::series::SeriesError;
use byname_stats::states::{Panel, panel};
use byname_store::Store;
use time::Date;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioServiceError {
    #[error(transparent)]
    Statistics(#[from] StatisticsError),
    #[error(transparent)]
    Series(#[from] SeriesError),
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    Request(String),
}

/// The honest check of the model on the generated history: fitted to March 2021, the last month
/// hotel rooms were offered under Everyone In, it projects the 18 months after with the hotel
/// capacity closed to newcomers (`hotel_capacity=-100%` from April 2021), next to what was
/// recorded.
pub const VALIDATION: (&str, &str, &str, usize) = ("2021-03", "hotel_capacity=-100%", "2021-04", 18);

#[derive(Debug, Clone)]
pub struct ScenarioRequest {
    /// `NAME=AMOUNT` each, such as `hotel_capacity=-200`.
    pub changes: Vec<String>,
    /// `YYYY-MM`: the month the changes apply from; the first projected month when absent.
    pub from: Option<String>,
    pub months: usize,
    pub area: Option<String>,
    /// `YYYY-MM`: the last month the model learns from; the last month of data when absent.
    pub fit_to: Option<String>,
    /// Months the rates are counted over.
    pub window: usize,
    pub paths: usize,
    pub seed: u64,
    /// Months left out of the arrivals' averages.
    pub breaks: Vec<Break>,
    /// The figure shown first (`steps` in JSON), one of [`TRACKED`].
    pub metric: String,
}

impl ScenarioRequest {
    pub fn new(changes: Vec<String>, from: Option<String>, months: usize) -> Self {
        Self {
            changes,
            from,
            months,
            area: None,
            fit_to: None,
            window: 12,
            paths: 500,
            seed: 1,
            breaks: default_breaks(),
            metric: "chain.total".to_owned(),
        }
    }

    /// The request of [`VALIDATION`].
    pub fn validation() -> Self {
        let (fit_to, change, from, months) = VALIDATION;
        let mut request = Self::new(vec![change.to_owned()], Some(from.to_owned()), months);
        request.fit_to = Some(fit_to.to_owned());
        request
    }
}

#[derive(Debug, Clone)]
pub struct ScenarioResult {
    pub request: ScenarioRequest,
    pub fit: Fit,
    pub projection: Projection,
    /// The recorded figures of the months after the fit, where the data has them.
    pub checks: Vec<Check>,
    /// Recorded figures by month, from three years before the fit's end to the data's end.
    pub recorded: Vec<(String, [f64; TRACKED.len()])>,
    pub cautions: Vec<String>,
}

fn request_error(text: String) -> ScenarioServiceError {
    ScenarioServiceError::Request(text)
}

/// Fits the model to the current data and projects the request's scenario.
pub async fn scenario<S: Store>(
    store: &S,
    request: ScenarioRequest,
    settings: &Settings,
    today: Date,
) -> Result<ScenarioResult, ScenarioServiceError> {
    if !TRACKED.iter().any(|(id, _)| *id == request.metric) {
        let known: Vec<&str> = TRACKED.iter().map(|(id, _)| *id).collect();
        return Err(request_error(format!(
            "no figure {:?} is projected; these are: {}",
            request.metric,
            known.join(", ")
        )));
    }
    let fit_to = match &request.fit_to {
        Some(text) => Some(parse_month(text).map_err(|e| request_error(format!("--fit-to: {e}")))?),
        None => None,
    };
    let population = population(store, today).await?;
    let panel = panel(&population, request.area.as_deref(), settings, today)?;
    let options = FitOptions { fit_to, window: request.window, arrival_years: 3, breaks: request.breaks.clone() };
    let fit = fit(&panel, &options)?;
    let from = match &request.from {
        Some(text) => parse_month(text).map_err(|e| request_error(format!("--from: {e}")))?,
        None => fit.fit_to + 1,
    };
    let changes = request.changes.iter().map(|c| Change::parse(c, from)).collect::<Result<Vec<_>, _>>()?;
    let run = RunOptions { months: request.months, paths: request.paths, seed: request.seed };
    let projection = project(&fit, &changes, run)?;
    let checks = check(&panel, &projection);
    let cautions = cautions(&panel, &fit, &request, &changes);
    let start = (fit.fit_to - panel.first_month - 35).max(0) as usize;
    let recorded = (start..panel.months()).map(|k| (panel.label(k), recorded(&panel, k))).collect();
    Ok(ScenarioResult { request, fit, projection, checks, recorded, cautions })
}

fn cautions(panel: &Panel, fit: &Fit, request: &ScenarioRequest, changes: &[Change]) -> Vec<String> {
    let mut cautions = Vec::new();
    let window = (fit.window_from, fit.fit_to);
    if let Some(b) = request.breaks.iter().find(|b| b.covers(window.0, window.1)) {
        cautions.push(format!(
            "The rates were counted over {} to {}, which overlaps the structural break {b}: people moved differently then, and the projection carries those rates on.",
            month_label(window.0),
            month_label(window.1)
        ));
    }
    for change in changes {
        if let Some(0) = fit.capacity_of(change.lever) {
            cautions.push(format!(
                "Nobody was in {} in the months the model learnt from, so changing their capacity changes nothing.",
                change.lever.describe()
            ));
        } else if matches!(change.amount, byname_forecast::scenario::Amount::Places(n) if n > 0)
            || matches!(change.amount, byname_forecast::scenario::Amount::Percent(p) if p > 0.0 && change.lever.is_capacity())
        {
            cautions.push(format!(
                "More {} help only the people who would otherwise have waited for one: the model knows the placements made, not the demand turned away, so pair an increase with a faster placement rate (placement=+N%) to see its full effect.",
                change.lever.describe()
            ));
        }
    }
    if panel.months() < 36 {
        cautions.push(format!(
            "Only {} months of history: arrivals by month of the year rest on fewer than three years.",
            panel.months()
        ));
    }
    cautions
}

impl ScenarioResult {
    pub fn track(&self) -> &Track {
        self.projection.track(&self.request.metric).expect("the metric was checked")
    }

    /// The recorded figure of `metric` in a projected step, when the data has it.
    pub fn actual(&self, metric: &str, step: usize) -> Option<f64> {
        let t = TRACKED.iter().position(|(id, _)| *id == metric)?;
        let label = self.projection.label(step);
        self.recorded.iter().find(|(l, _)| *l == label).map(|(_, v)| v[t])
    }
}
