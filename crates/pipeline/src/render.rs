//! The pipeline's results in words and formats: a forecast and a scenario as a text table (the
//! command line), as CSV and JSON (downloads from the web and the command line), and the
//! sentences the pages show beside them. The use cases in `forecast` and `scenario` return typed
//! values; how they read is written here, once for both front ends.

use crate::forecast::{MetricForecast, observations};
use crate::projection::{area_name, round};
use crate::scenario::{Lever, ScenarioResult, TRACKED};
use byname_forecast::Observation;
use byname_forecast::scenario::{Change, Track, month_label};
use byname_stats::states::State;
use serde_json::{Value, json};

impl MetricForecast {
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

impl ScenarioResult {
    fn area_name(&self) -> &str {
        area_name(self.request.area.as_deref())
    }

    /// The changes in words, or "no change".
    pub fn changes_text(&self) -> String {
        if self.projection.changes.is_empty() {
            return "no change (the baseline alone)".to_owned();
        }
        self.projection.changes.iter().map(Change::describe).collect::<Vec<_>>().join(", ")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forecast::ForecastRequest;
    use byname_forecast::{Forecast, Model, Step};
    use byname_stats::series::{PeriodUnit, Series};

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
