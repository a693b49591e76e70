//! The automatic forecast judged on series from a CSV file at rolling origins (see
//! [`byname_forecast::evaluate`]), rendered as a table for people or as JSON with every
//! forecast, for setting it side by side with another forecaster.

use byname_forecast::evaluate::{self, EvaluateError, NamedSeries, OriginForecast, Plan, Score};
use serde_json::{Value, json};
use std::io::Read;
use std::time::Instant;

/// The forecasts of every series at every origin, their scores, and how long they took.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub plan: Plan,
    pub series: Vec<NamedSeries>,
    pub forecasts: Vec<OriginForecast>,
    pub scores: Vec<Score>,
    pub overall: Score,
    /// Wall seconds to fit and forecast every series at every origin (reading the file
    /// and scoring not included).
    pub fit_seconds: f64,
}

/// Reads the series of `reader` (named `file` in errors) and forecasts each at its origins.
pub fn evaluate(reader: impl Read, file: &str, plan: Plan) -> Result<Evaluation, EvaluateError> {
    let series = evaluate::read_series(reader, file)?;
    let started = Instant::now();
    let forecasts = evaluate::evaluate(&series, plan)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let (scores, overall) = evaluate::score(&series, &forecasts);
    Ok(Evaluation { plan, series, forecasts, scores, overall, fit_seconds })
}

fn mase_text(score: &Score) -> String {
    score.mase.map_or("-".to_owned(), |m| format!("{m:.3}"))
}

impl Evaluation {
    fn fits(&self) -> usize {
        self.forecasts.len()
    }

    pub fn to_table(&self) -> String {
        let Plan { horizon, origins, step } = self.plan;
        let mut out = format!(
            "{} series, {origins} origins each ({step} periods apart), {horizon} periods ahead: {} forecasts fitted in {:.3} s\n\n",
            self.series.len(),
            self.fits(),
            self.fit_seconds
        );
        out.push_str(&format!(
            "{:<48} {:<8} {:>8} {:>7} {:>7} {:>7}  {}\n",
            "series", "unit", "MASE", "80%", "95%", "points", "models chosen"
        ));
        for (k, (s, score)) in self.series.iter().zip(&self.scores).enumerate() {
            let models: Vec<&str> = self
                .forecasts
                .iter()
                .filter(|f| f.series == k)
                .map(|f| f.model.as_ref().map_or("failed", |m| m.code()))
                .collect();
            out.push_str(&format!(
                "{:<48} {:<8} {:>8} {:>6.1}% {:>6.1}% {:>7}  {}\n",
                s.id,
                s.unit.code(),
                mase_text(score),
                score.coverage_80 * 100.0,
                score.coverage_95 * 100.0,
                score.points,
                models.join(" ")
            ));
        }
        let o = &self.overall;
        out.push_str(&format!(
            "{:<48} {:<8} {:>8} {:>6.1}% {:>6.1}% {:>7}\n",
            "overall",
            "",
            mase_text(o),
            o.coverage_80 * 100.0,
            o.coverage_95 * 100.0,
            o.points
        ));
        if o.failed > 0 {
            out.push_str(&format!("{} forecasts failed and are not scored\n", o.failed));
        }
        out
    }

    pub fn to_json(&self) -> Value {
        let score_json = |s: &Score| {
            json!({
                "mase": s.mase,
                "coverage_80": s.coverage_80,
                "coverage_95": s.coverage_95,
                "points": s.points,
                "failed": s.failed,
            })
        };
        let series: Vec<Value> = self
            .series
            .iter()
            .zip(&self.scores)
            .map(|(s, score)| {
                let mut v = score_json(score);
                v["series_id"] = json!(s.id);
                v["unit"] = json!(s.unit.code());
                v["periods"] = json!(s.history.len());
                v
            })
            .collect();
        let forecasts: Vec<Value> = self
            .forecasts
            .iter()
            .map(|f| {
                let (model, error) = match &f.model {
                    Ok(m) => (Some(m.code()), None),
                    Err(e) => (None, Some(e.as_str())),
                };
                json!({
                    "series_id": self.series[f.series].id,
                    "origin": f.origin,
                    "model": model,
                    "error": error,
                    "steps": f.steps.iter().map(|s| json!({
                        "point": s.point,
                        "lower_80": s.lower_80,
                        "upper_80": s.upper_80,
                        "lower_95": s.lower_95,
                        "upper_95": s.upper_95,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "horizon": self.plan.horizon,
            "origins": self.plan.origins,
            "step": self.plan.step,
            "fits": self.fits(),
            "fit_seconds": self.fit_seconds,
            "overall": score_json(&self.overall),
            "series": series,
            "forecasts": forecasts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_and_the_json_carry_each_series_and_the_overall_score() {
        let mut text = String::from("series_id,unit,period_index,value\n");
        for t in 0..24 {
            text.push_str(&format!("beer,quarter,{t},{}\n", 100 + (t % 4) * 10 + t));
        }
        let plan = Plan { horizon: 4, origins: 2, step: 4 };
        let e = evaluate(text.as_bytes(), "q.csv", plan).unwrap();
        let table = e.to_table();
        assert!(
            table.starts_with("1 series, 2 origins each (4 periods apart), 4 periods ahead: 2 forecasts"),
            "{table}"
        );
        assert!(table.lines().any(|l| l.starts_with("beer") && l.contains("quarter")), "{table}");
        assert!(table.lines().any(|l| l.starts_with("overall")), "{table}");
        let json = e.to_json();
        assert_eq!(json["series"][0]["points"], 8);
        assert_eq!(json["forecasts"][1]["origin"], 20);
        assert_eq!(json["forecasts"][1]["steps"].as_array().unwrap().len(), 4);
        assert_eq!(json["overall"]["points"], 8);
    }
}
