//! Capacity scenarios: the stock-and-flow model fitted to the current state of the data,
//! a scenario projected next to the baseline, and the result as a table, CSV or JSON. When the
//! fit ends before the data does, the months after it are compared with what was recorded:
//! that is how the model is validated (see [`VALIDATION`]).

use crate::projection::{area_name, default_breaks, population, round};
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
use byname_stats::states::{Panel, State, panel};
use byname_store::Store;
use serde_json::{Value, json};
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
    fn area_name(&self) -> &str {
        area_name(self.request.area.as_deref())
    }

    pub fn track(&self) -> &Track {
        self.projection.track(&self.request.metric).expect("the metric was checked")
    }

    /// The changes in words, or "no change".
    pub fn changes_text(&self) -> String {
        if self.projection.changes.is_empty() {
            return "no change (the baseline alone)".to_owned();
        }
        self.projection.changes.iter().map(Change::describe).collect::<Vec<_>>().join(", ")
    }

    /// The recorded figure of `metric` in a projected step, when the data has it.
    pub fn actual(&self, metric: &str, step: usize) -> Option<f64> {
        let t = TRACKED.iter().position(|(id, _)| *id == metric)?;
        let label = self.projection.label(step);
        self.recorded.iter().find(|(l, _)| *l == label).map(|(_, v)| v[t])
    }

    /// The fitted model in a few lines of plain words.
    pub fn fit_lines(&self) -> Vec<String> {
        let f = &self.fit;
        let pct = |x: f64| format!("{:.1}%", x * 100.0);
        let street = [State::New, State::Intermittent, State::LivingOnStreets];
        let emergency = [State::Hotel, State::Shelter, State::Hub];
        let accommodation =
            [State::Hotel, State::Shelter, State::Hub, State::LongTerm, State::Tenancy, State::Institution];
        let away = [State::Away1, State::Away2, State::Away3, State::Away4To6, State::Away7To12, State::Away13Plus];
        vec![
            format!(
                "Fitted to the months up to {}; rates counted over {} to {}.",
                month_label(f.fit_to),
                month_label(f.window_from),
                month_label(f.fit_to)
            ),
            format!(
                "Places (the highest occupancy in those months): {} hotel rooms, {} night shelter beds, {} assessment hub beds, {} longer-term places.",
                f.capacity[0], f.capacity[1], f.capacity[2], f.capacity[3]
            ),
            format!(
                "Each month: {:.0} people new to the street on average; of those on the street, {} are placed in accommodation; {} of people in emergency accommodation move on to longer-term accommodation or a tenancy; {} of people living on the streets are still living on the streets the month after.",
                f.arrivals_per_month(),
                pct(f.rate(&street, &accommodation)),
                pct(f.rate(&emergency, &[State::LongTerm, State::Tenancy])),
                pct(f.rate(&[State::LivingOnStreets], &[State::LivingOnStreets])),
            ),
            format!(
                "Of people away from the street and from services, {} come back onto the street each month.",
                pct(f.rate(&away, &street))
            ),
            format!(
                "{} simulated paths, seed {}; the scenario and the baseline share their random numbers.",
                self.projection.paths, self.projection.seed
            ),
        ]
    }

    pub fn to_table(&self) -> String {
        let metric = &self.request.metric;
        let describe = TRACKED.iter().find(|(id, _)| id == metric).map_or("", |(_, d)| *d);
        let mut out = format!(
            "Scenario for {}: {}\n{metric}: {describe}, {} months from {}\n",
            self.area_name(),
            self.changes_text(),
            self.projection.tracks[0].baseline.len(),
            self.projection.label(0)
        );
        for line in self.fit_lines() {
            out.push_str(&line);
            out.push('\n');
        }
        for caution in &self.cautions {
            out.push_str(&format!("Caution: {caution}\n"));
        }
        let track = self.track();
        let with_actual = (0..track.scenario.len()).any(|k| self.actual(metric, k).is_some());
        out.push_str(&format!(
            "\n{:<8} {:>8} {:>15} {:>8} {:>15} {:>15}{}\n",
            "month",
            "baseline",
            "80% range",
            "scenario",
            "80% range",
            "95% range",
            if with_actual { "   recorded" } else { "" }
        ));
        for (k, (b, s)) in track.baseline.iter().zip(&track.scenario).enumerate() {
            let actual = self.actual(metric, k).map(|a| format!(" {a:>10.0}")).unwrap_or_default();
            out.push_str(&format!(
                "{:<8} {:>8.0} {:>15} {:>8.0} {:>15} {:>15}{actual}\n",
                self.projection.label(k),
                b.point,
                format!("{:.0} to {:.0}", b.lower_80, b.upper_80),
                s.point,
                format!("{:.0} to {:.0}", s.lower_80, s.upper_80),
                format!("{:.0} to {:.0}", s.lower_95, s.upper_95),
            ));
        }
        if !self.checks.is_empty() {
            out.push_str("\nAgainst what was recorded after the fit (absolute errors of the median over the recorded figures):\n");
            for c in &self.checks {
                out.push_str(&format!(
                    "{:<24} {:>2} months, mean {:>6.0}: scenario {:>5.1}%, baseline {:>5.1}%; recorded inside the scenario's 80% range {:>3.0}%, 95% range {:>3.0}%\n",
                    c.metric,
                    c.months,
                    c.recorded_mean,
                    c.error_scenario,
                    c.error_baseline,
                    c.coverage_80 * 100.0,
                    c.coverage_95 * 100.0
                ));
            }
        }
        out
    }

    pub fn to_csv(&self) -> String {
        use byname_report::csv_out::Cell::{Number, Text};
        let mut out = byname_report::csv_out::CsvText::new(&[
            "metric", "period", "run", "point", "lower_80", "upper_80", "lower_95", "upper_95", "recorded",
        ]);
        let figure = |x: f64| format!("{x:.1}");
        for track in &self.projection.tracks {
            for (run, steps) in [("baseline", &track.baseline), ("scenario", &track.scenario)] {
                for (k, s) in steps.iter().enumerate() {
                    let actual = self.actual(track.metric, k).map(|a| format!("{a:.0}")).unwrap_or_default();
                    out.row(&[
                        Text(track.metric),
                        Text(&self.projection.label(k)),
                        Text(run),
                        Number(&figure(s.point)),
                        Number(&figure(s.lower_80)),
                        Number(&figure(s.upper_80)),
                        Number(&figure(s.lower_95)),
                        Number(&figure(s.upper_95)),
                        Number(&actual),
                    ]);
                }
            }
        }
        out.finish()
    }

    pub fn to_json(&self) -> Value {
        let step = |s: &byname_forecast::Step| {
            json!({
                "point": round(s.point, 1),
                "lower_80": round(s.lower_80, 1),
                "upper_80": round(s.upper_80, 1),
                "lower_95": round(s.lower_95, 1),
                "upper_95": round(s.upper_95, 1),
            })
        };
        let steps_of = |track: &Track| -> Vec<Value> {
            track
                .scenario
                .iter()
                .zip(&track.baseline)
                .enumerate()
                .map(|(k, (s, b))| {
                    let mut v = step(s);
                    v["period"] = json!(self.projection.label(k));
                    v["baseline"] = step(b);
                    v["recorded"] = json!(self.actual(track.metric, k));
                    v
                })
                .collect()
        };
        let tracks: serde_json::Map<String, Value> =
            self.projection.tracks.iter().map(|t| (t.metric.to_owned(), json!(steps_of(t)))).collect();
        let f = &self.fit;
        let capacities: serde_json::Map<String, Value> =
            Lever::ALL.iter().filter_map(|l| f.capacity_of(*l).map(|c| (l.code().to_owned(), json!(c)))).collect();
        let history: Vec<Value> = self
            .recorded
            .iter()
            .map(|(label, values)| {
                let mut v = serde_json::Map::new();
                v.insert("period".into(), json!(label));
                for ((id, _), x) in TRACKED.iter().zip(values) {
                    v.insert((*id).to_owned(), json!(x));
                }
                Value::Object(v)
            })
            .collect();
        json!({
            "metric": self.request.metric,
            "area": self.request.area,
            "changes": self.projection.changes.iter().map(|c| json!({
                "lever": c.lever.code(),
                "amount": c.amount.to_string(),
                "from": month_label(c.from),
            })).collect::<Vec<_>>(),
            "capacities_after_changes": self.projection.capacities.iter().map(|(l, from, n)| json!({
                "lever": l.code(), "from": month_label(*from), "places": n,
            })).collect::<Vec<_>>(),
            "fit": {
                "fit_to": month_label(f.fit_to),
                "window_from": month_label(f.window_from),
                "capacities": capacities,
                "arrivals_per_month": round(f.arrivals_per_month(), 1),
                "arrival_spread": round(f.arrival_spread * 1000.0, 1) / 1000.0,
                "description": self.fit_lines(),
            },
            "paths": self.projection.paths,
            "seed": self.projection.seed,
            "cautions": self.cautions,
            "steps": steps_of(self.track()),
            "tracks": tracks,
            "check": self.checks,
            "history": history,
        })
    }
}
