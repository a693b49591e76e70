//! Forecasts of a metric's monthly or quarterly series: the history from the statistics
//! snapshot, the model chosen by backtest, and the forecast with the model and its measured
//! accuracy, always shown next to the figures (as a table, CSV or JSON, in `crate::render`).

use crate::projection::{default_breaks, population};
use crate::statistics::StatisticsError;
use byname_forecast::{Break, Forecast, ForecastError, Observation, Options};
use byname_stats::Settings;
use byname_stats::series::{PeriodUnit, Series, SeriesError, series};
use byname_store::Store;
use time::Date;

#[derive(Debug, thiserror::Error)]
pub enum ForecastServiceError {
    #[error(transparent)]
    Statistics(#[from] StatisticsError),
    #[error(transparent)]
    Series(#[from] SeriesError),
    #[error(transparent)]
    Forecast(#[from] ForecastError),
}

#[derive(Debug, Clone)]
pub struct ForecastRequest {
    pub metric: String,
    pub unit: PeriodUnit,
    pub horizon: usize,
    pub area: Option<String>,
    /// Spans whose figures followed other rules; [`Break::EVERYONE_IN`] by default.
    pub breaks: Vec<Break>,
}

impl ForecastRequest {
    /// A request with the default break, Everyone In.
    pub fn new(metric: &str, unit: PeriodUnit, horizon: usize, area: Option<String>) -> Self {
        Self { metric: metric.to_owned(), unit, horizon, area, breaks: default_breaks() }
    }
}

/// A forecast with the history it rests on.
#[derive(Debug, Clone)]
pub struct MetricForecast {
    pub request: ForecastRequest,
    pub series: Series,
    pub forecast: Forecast,
}

impl MetricForecast {
    /// The label of each forecast step.
    pub fn step_labels(&self) -> Vec<String> {
        (1..=self.forecast.steps.len()).map(|k| self.series.label_after(k)).collect()
    }
}

/// Months at the start of the data when "new" and "returner" mean nothing yet: everyone is
/// new when the data starts, and nobody can have been unseen for a year.
const WARM_UP_MONTHS: i32 = 12;

/// Whether the metric's first year is left out of the forecast's history.
fn needs_warm_up(metric: &str) -> bool {
    matches!(metric, "chain.new" | "chain.returner")
}

/// The history of each period: its figure, or a gap (nothing recorded at all), or a break.
/// For new people and returners, the first year is left out (see [`WARM_UP_MONTHS`]).
pub fn observations(series: &Series, breaks: &[Break]) -> Vec<Observation> {
    let warm_up_until = series.months(0).0 + if needs_warm_up(&series.metric) { WARM_UP_MONTHS } else { 0 };
    (0..series.values.len())
        .map(|k| {
            let (first, last) = series.months(k);
            if first < warm_up_until {
                Observation::Break
            } else if !series.recorded[k] {
                Observation::Gap
            } else if breaks.iter().any(|b| b.covers(first, last)) {
                Observation::Break
            } else {
                Observation::Value(series.values[k])
            }
        })
        .collect()
}

/// Forecasts a metric from the current state of the data.
pub async fn forecast<S: Store>(
    store: &S,
    request: ForecastRequest,
    settings: &Settings,
    today: Date,
) -> Result<MetricForecast, ForecastServiceError> {
    if request.horizon == 0 {
        return Err(ForecastError::ZeroHorizon.into());
    }
    let population = population(store, today).await?;
    let series = series(&population, &request.metric, request.unit, request.area.as_deref(), settings, today)?;
    let options =
        Options { season: request.unit.per_year(), horizon: request.horizon, period_word: request.unit.code() };
    let mut forecast = byname_forecast::forecast(&observations(&series, &request.breaks), options)?;
    if needs_warm_up(&request.metric) {
        forecast.cautions.insert(
            0,
            format!(
                "The first {WARM_UP_MONTHS} months of the data ({} on) are left out: everyone seen then counts as new, and nobody can yet be a returner.",
                series.label(0)
            ),
        );
    }
    Ok(MetricForecast { request, series, forecast })
}
