//! Forecasts of a metric's monthly or quarterly series: the history from the statistics
//! snapshot, the model chosen by backtest, and the forecast as a table, CSV or JSON, with
//! the model and its measured accuracy next to the figures every time.

use crate::projection::{area_name, default_breaks, population, round};
use crate::statistics::StatisticsError;
use byname_forecast::{Break, Forecast, ForecastError, Observation, Options};
use byname_stats::Settings;
use byname_stats::series::{PeriodUnit, Series, SeriesError, series};
use byname_store::Store;
use serde_json::{Value, json};
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

    fn area_name(&self) -> &str {
        area_name(self.request.area.as_deref())
    }

    /// All the cautions as one paragraph, or `None`.
    pub fn caution(&self) -> Option<String> {
        (!self.forecast.cautions.is_empty()).then(|| self.forecast.cautions.join(" "))
    }

    pub fn to_json(&self) -> Value {
        let f = &self.forecast;
        let accuracy = f.accuracy.map(|a| {
            json!({
                "mase": a.mase.map(|m| round(m, 3)),
                "smape": round(a.smape, 2),
                "mae": round(a.mae, 2),
                "coverage_80": round(a.coverage_80, 3),
                "coverage_95": round(a.coverage_95, 3),
                "backtest_origins": a.origins,
                "backtest_horizon": a.horizon,
                "backtest_forecasts": a.forecasts,
            })
        });
        let candidates: Vec<Value> = f
            .candidates
            .iter()
            .map(|c| {
                json!({
                    "model": c.model.code(),
                    "mase": c.accuracy.mase.map(|m| round(m, 3)),
                    "smape": round(c.accuracy.smape, 2),
                    "coverage_80": round(c.accuracy.coverage_80, 3),
                    "coverage_95": round(c.accuracy.coverage_95, 3),
                })
            })
            .collect();
        // Whether each period was a figure the model was fitted to, a gap or a break (which
        // the model draws across), so that the history can be forecast again elsewhere.
        let observed = observations(&self.series, &self.request.breaks);
        let history: Vec<Value> = self
            .series
            .values
            .iter()
            .zip(&observed)
            .enumerate()
            .map(|(k, (v, o))| {
                let observation = match o {
                    Observation::Value(_) => "value",
                    Observation::Gap => "gap",
                    Observation::Break => "break",
                };
                json!({"period": self.series.label(k), "value": v, "observation": observation})
            })
            .collect();
        let steps: Vec<Value> = f
            .steps
            .iter()
            .zip(self.step_labels())
            .map(|(s, period)| {
                json!({
                    "period": period,
                    "point": round(s.point, 1),
                    "lower_80": round(s.lower_80, 1),
                    "upper_80": round(s.upper_80, 1),
                    "lower_95": round(s.lower_95, 1),
                    "upper_95": round(s.upper_95, 1),
                })
            })
            .collect();
        json!({
            "metric": self.request.metric,
            "area": self.request.area,
            "period_unit": self.request.unit.code(),
            "model": f.model.code(),
            "model_description": f.detail,
            "accuracy": accuracy,
            "caution": self.caution(),
            "cautions": f.cautions,
            "breaks": self.request.breaks.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "candidates": candidates,
            "history": history,
            "steps": steps,
        })
    }

    pub fn to_csv(&self) -> String {
        use byname_report::csv_out::Cell::{Number, Text};
        let mut out = byname_report::csv_out::CsvText::new(&[
            "metric", "area", "model", "period", "point", "lower_80", "upper_80", "lower_95", "upper_95",
        ]);
        let area = self.request.area.as_deref().unwrap_or("");
        let figure = |x: f64| format!("{x:.1}");
        for (s, period) in self.forecast.steps.iter().zip(self.step_labels()) {
            out.row(&[
                Text(&self.request.metric),
                Text(area),
                Text(self.forecast.model.code()),
                Text(&period),
                Number(&figure(s.point)),
                Number(&figure(s.lower_80)),
                Number(&figure(s.upper_80)),
                Number(&figure(s.lower_95)),
                Number(&figure(s.upper_95)),
            ]);
        }
        out.finish()
    }

    pub fn to_table(&self) -> String {
        let f = &self.forecast;
        let unit = self.request.unit.code();
        let mut out = format!(
            "{} by {unit}, {}: {} {unit}s ahead from {} {unit}s of history ({} to {})\n",
            self.request.metric,
            self.area_name(),
            f.steps.len(),
            self.series.values.len(),
            self.series.label(0),
            self.series.label(self.series.values.len() - 1),
        );
        out.push_str(&format!("Model: {}\n", f.detail));
        match f.accuracy {
            Some(a) => out.push_str(&format!(
                "Accuracy (backtest, {} forecasts from {} earlier points, up to {} {unit}s ahead): MASE {}, sMAPE {:.1}%, 80% intervals held {:.0}%, 95% held {:.0}%\n",
                a.forecasts,
                a.origins,
                a.horizon,
                a.mase.map_or("not defined".to_owned(), |m| format!("{m:.2}")),
                a.smape,
                a.coverage_80 * 100.0,
                a.coverage_95 * 100.0
            )),
            None => out.push_str("Accuracy: not measured\n"),
        }
        for caution in &f.cautions {
            out.push_str(&format!("Caution: {caution}\n"));
        }
        out.push_str(&format!("\n{:<10} {:>8} {:>19} {:>19}\n", "period", "forecast", "80% interval", "95% interval"));
        for (s, period) in f.steps.iter().zip(self.step_labels()) {
            out.push_str(&format!(
                "{period:<10} {:>8.0} {:>19} {:>19}\n",
                s.point,
                format!("{:.0} to {:.0}", s.lower_80, s.upper_80),
                format!("{:.0} to {:.0}", s.lower_95, s.upper_95)
            ));
        }
        out
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

#[cfg(test)]
mod tests {
    use super::*;
    use byname_forecast::{Model, Step};

    #[test]
    fn an_area_named_like_a_formula_is_text_in_the_csv_and_figures_stay_numbers() {
        let request =
            ForecastRequest::new("chain.total", PeriodUnit::Month, 1, Some("=HYPERLINK(\"http://x\")".into()));
        let series = Series {
            metric: "chain.total".into(),
            unit: PeriodUnit::Month,
            first: 2024 * 12,
            values: vec![3.0],
            recorded: vec![true],
        };
        let step = Step { point: 1.5, lower_80: -3.0, upper_80: 6.0, lower_95: -12.5, upper_95: 9.0 };
        let forecast = Forecast {
            model: Model::Naive,
            detail: String::new(),
            accuracy: None,
            candidates: Vec::new(),
            cautions: Vec::new(),
            steps: vec![step],
            history: 1,
            gaps: 0,
            breaks: 0,
        };
        let csv = MetricForecast { request, series, forecast }.to_csv();
        assert_eq!(
            csv,
            "metric,area,model,period,point,lower_80,upper_80,lower_95,upper_95\n\
             chain.total,\"'=HYPERLINK(\"\"http://x\"\")\",naive,2024-02,1.5,-3.0,6.0,-12.5,9.0\n"
        );
    }
}
