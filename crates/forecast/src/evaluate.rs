//! The automatic forecast judged on series from elsewhere, at rolling origins, so that it
//! can be set side by side with another forecaster on exactly the same terms.
//!
//! A series is read from long CSV rows (`series_id,unit,period_index,value`); an empty
//! value is a period that was not observed (a gap, or a break): it is filled in for fitting
//! like any gap, and never scored. Each series is cut at its last `origins` origins, `step`
//! periods apart, the last leaving exactly `horizon` periods to forecast; [`forecast`]
//! (which chooses its model by its own backtest on the part before the origin) forecasts
//! the `horizon` periods after each cut. The errors are scaled by the in-sample seasonal
//! naive errors of the part before the origin (MASE, as in the M4 competition), and the
//! intervals are scored by how often they held the actual figure. Forecasts of different
//! series are independent, so they run on every core, with the results in input order.

use crate::{Observation, Options, Step, forecast};
use std::collections::BTreeMap;
use std::io::Read;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EvaluateError {
    #[error("{file}: cannot be read as CSV: {reason}")]
    Csv { file: String, reason: String },
    #[error("{file}: no column {column:?} in the header (expected series_id,unit,period_index,value)")]
    MissingColumn { file: String, column: &'static str },
    #[error("{file}, line {line}, {field}: {text:?} is not {expected}")]
    BadField { file: String, line: u64, field: &'static str, text: String, expected: &'static str },
    #[error("{file}, line {line}: series {series:?} was {was} before and is {now} here")]
    UnitChanges { file: String, line: u64, series: String, was: String, now: String },
    #[error("{file}, line {line}: series {series:?} has period {period} twice")]
    DuplicatePeriod { file: String, line: u64, series: String, period: i64 },
    #[error("{file}: no series at all")]
    Empty { file: String },
    #[error("the horizon and the number of origins must be at least one, and the step between origins too")]
    ZeroPlan,
    #[error(
        "series {series:?} has {periods} {unit}s: {origins} origins {step} apart with {horizon} {unit}s ahead need at least {needed} (three years of history before the first origin)"
    )]
    TooShort {
        series: String,
        unit: &'static str,
        periods: usize,
        origins: usize,
        step: usize,
        horizon: usize,
        needed: usize,
    },
}

/// Months or quarters: the season of the seasonal models. The one definition is the
/// statistics' [`PeriodUnit`](byname_stats::series::PeriodUnit); `Unit` is its name here.
pub use byname_stats::series::PeriodUnit as Unit;

/// One series to forecast, its periods consecutive from the first row's.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedSeries {
    pub id: String,
    pub unit: Unit,
    pub history: Vec<Observation>,
}

/// Reads long rows `series_id,unit,period_index,value` (other columns are ignored, the order
/// of rows does not matter). Periods missing between a series' first and last are gaps.
/// Series come out in the order they first appear.
pub fn read_series(reader: impl Read, file: &str) -> Result<Vec<NamedSeries>, EvaluateError> {
    let csv_error = |e: csv::Error| EvaluateError::Csv { file: file.to_owned(), reason: e.to_string() };
    let mut rows = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(reader);
    let header = rows.headers().map_err(csv_error)?.clone();
    let column = |name: &'static str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or(EvaluateError::MissingColumn { file: file.to_owned(), column: name })
    };
    let (id_at, unit_at, period_at, value_at) =
        (column("series_id")?, column("unit")?, column("period_index")?, column("value")?);
    // Each series: its unit and its observed periods, in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut found: BTreeMap<String, (Unit, BTreeMap<i64, Option<f64>>)> = BTreeMap::new();
    for row in rows.records() {
        let row = row.map_err(csv_error)?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |at: usize| row.get(at).unwrap_or("");
        let bad = |field: &'static str, text: &str, expected: &'static str| EvaluateError::BadField {
            file: file.to_owned(),
            line,
            field,
            text: text.to_owned(),
            expected,
        };
        let id = field(id_at);
        if id.is_empty() {
            return Err(bad("series_id", id, "a series id"));
        }
        let unit = Unit::parse(field(unit_at)).ok_or_else(|| bad("unit", field(unit_at), "month or quarter"))?;
        let period: i64 =
            field(period_at).parse().map_err(|_| bad("period_index", field(period_at), "a whole number"))?;
        let value = match field(value_at) {
            "" => None,
            text => match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => return Err(bad("value", text, "a number (or empty for a period not observed)")),
            },
        };
        let (known_unit, periods) = found.entry(id.to_owned()).or_insert_with(|| {
            order.push(id.to_owned());
            (unit, BTreeMap::new())
        });
        if *known_unit != unit {
            return Err(EvaluateError::UnitChanges {
                file: file.to_owned(),
                line,
                series: id.to_owned(),
                was: known_unit.code().to_owned(),
                now: unit.code().to_owned(),
            });
        }
        if periods.insert(period, value).is_some() {
            return Err(EvaluateError::DuplicatePeriod { file: file.to_owned(), line, series: id.to_owned(), period });
        }
    }
    if order.is_empty() {
        return Err(EvaluateError::Empty { file: file.to_owned() });
    }
    Ok(order
        .into_iter()
        .map(|id| {
            let (unit, periods) = found.remove(&id).expect("every id in the order was found");
            let first = *periods.keys().next().expect("a series has a row");
            let last = *periods.keys().next_back().expect("a series has a row");
            let history = (first..=last)
                .map(|p| match periods.get(&p) {
                    Some(Some(v)) => Observation::Value(*v),
                    _ => Observation::Gap,
                })
                .collect();
            NamedSeries { id, unit, history }
        })
        .collect())
}

/// Where the series are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Periods forecast from each origin.
    pub horizon: usize,
    /// Origins per series.
    pub origins: usize,
    /// Periods between two origins.
    pub step: usize,
}

/// The least history before the first origin: three seasons, enough for every candidate
/// model and its own backtest.
const MIN_YEARS_BEFORE: usize = 3;

impl Plan {
    /// The origins of a series of `n` periods, earliest first: each is the number of periods
    /// fitted, the last `n - horizon`.
    pub fn cuts(&self, n: usize) -> Option<Vec<usize>> {
        let last = n.checked_sub(self.horizon)?;
        let first = last.checked_sub(self.step * (self.origins - 1))?;
        Some((0..self.origins).map(|k| first + k * self.step).collect())
    }

    fn check(&self, series: &NamedSeries) -> Result<Vec<usize>, EvaluateError> {
        let needed = MIN_YEARS_BEFORE * series.unit.per_year() + self.step * (self.origins - 1) + self.horizon;
        match self.cuts(series.history.len()) {
            Some(cuts) if series.history.len() >= needed => Ok(cuts),
            _ => Err(EvaluateError::TooShort {
                series: series.id.clone(),
                unit: series.unit.code(),
                periods: series.history.len(),
                origins: self.origins,
                step: self.step,
                horizon: self.horizon,
                needed,
            }),
        }
    }
}

/// One forecast from one origin.
#[derive(Debug, Clone, PartialEq)]
pub struct OriginForecast {
    /// Index of the series in the input.
    pub series: usize,
    /// Periods fitted: the first forecast period's index.
    pub origin: usize,
    /// The model the forecast chose, or the error it gave.
    pub model: Result<crate::Model, String>,
    pub steps: Vec<Step>,
}

/// Forecasts every series from each of its origins, on every core; the results are in the
/// order of the series, then of the origins, whatever the number of cores.
pub fn evaluate(series: &[NamedSeries], plan: Plan) -> Result<Vec<OriginForecast>, EvaluateError> {
    if plan.horizon == 0 || plan.origins == 0 || plan.step == 0 {
        return Err(EvaluateError::ZeroPlan);
    }
    let mut jobs = Vec::new();
    for (k, s) in series.iter().enumerate() {
        jobs.extend(plan.check(s)?.into_iter().map(|origin| (k, origin)));
    }
    let run = |&(k, origin): &(usize, usize)| {
        let s = &series[k];
        let options = Options { season: s.unit.per_year(), horizon: plan.horizon, period_word: s.unit.code() };
        match forecast(&s.history[..origin], options) {
            Ok(f) => OriginForecast { series: k, origin, model: Ok(f.model), steps: f.steps },
            Err(e) => OriginForecast { series: k, origin, model: Err(e.to_string()), steps: Vec::new() },
        }
    };
    // Jobs differ in cost, so each core takes the next job not yet taken.
    Ok(byname_linkage::parallel::map_each(&jobs, run))
}

/// How one series (or all of them) fared.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Score {
    /// The mean over origins of the mean absolute error over the in-sample seasonal naive
    /// mean absolute error before that origin; for all series, the mean over series. `None`
    /// when no origin had a scale (a history that never changes from year to year).
    pub mase: Option<f64>,
    /// Share of the scored figures inside the 80% and 95% intervals.
    pub coverage_80: f64,
    pub coverage_95: f64,
    /// Figures scored: observed periods after an origin.
    pub points: usize,
    /// Forecasts that failed, which count as no forecast at all.
    pub failed: usize,
}

/// The mean absolute error of repeating the figure a season before, over the periods before
/// `origin` where both figures were observed: the yardstick of MASE.
pub fn seasonal_naive_scale(history: &[Observation], origin: usize, season: usize) -> Option<f64> {
    let values = |t: usize| if let Observation::Value(v) = history[t] { Some(v) } else { None };
    let errors: Vec<f64> = (season..origin).filter_map(|t| Some((values(t)? - values(t - season)?).abs())).collect();
    let mean = errors.iter().sum::<f64>() / errors.len() as f64;
    (!errors.is_empty() && mean > 0.0).then_some(mean)
}

/// The score of each series and of all of them: MASE is averaged over series (each counts
/// once), coverage over every scored figure.
pub fn score(series: &[NamedSeries], forecasts: &[OriginForecast]) -> (Vec<Score>, Score) {
    let mut scores = vec![Score::default(); series.len()];
    let mut mases: Vec<Vec<f64>> = vec![Vec::new(); series.len()];
    let (mut in80, mut in95) = (vec![0usize; series.len()], vec![0usize; series.len()]);
    for f in forecasts {
        let s = &series[f.series];
        if f.model.is_err() {
            scores[f.series].failed += 1;
            continue;
        }
        let (mut abs, mut n) = (0.0, 0usize);
        for (h, step) in f.steps.iter().enumerate() {
            let Some(Observation::Value(actual)) = s.history.get(f.origin + h) else { continue };
            abs += (actual - step.point).abs();
            n += 1;
            in80[f.series] += usize::from((step.lower_80..=step.upper_80).contains(actual));
            in95[f.series] += usize::from((step.lower_95..=step.upper_95).contains(actual));
        }
        scores[f.series].points += n;
        if n > 0
            && let Some(scale) = seasonal_naive_scale(&s.history, f.origin, s.unit.per_year())
        {
            mases[f.series].push(abs / n as f64 / scale);
        }
    }
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    for (k, score) in scores.iter_mut().enumerate() {
        score.mase = mean(&mases[k]);
        let points = score.points.max(1) as f64;
        score.coverage_80 = in80[k] as f64 / points;
        score.coverage_95 = in95[k] as f64 / points;
    }
    let points: usize = scores.iter().map(|s| s.points).sum();
    let overall = Score {
        mase: mean(&scores.iter().filter_map(|s| s.mase).collect::<Vec<_>>()),
        coverage_80: in80.iter().sum::<usize>() as f64 / points.max(1) as f64,
        coverage_95: in95.iter().sum::<usize>() as f64 / points.max(1) as f64,
        points,
        failed: scores.iter().map(|s| s.failed).sum(),
    };
    (scores, overall)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<NamedSeries>, EvaluateError> {
        read_series(text.as_bytes(), "series.csv")
    }

    fn monthly(id: &str, values: &[f64]) -> String {
        values.iter().enumerate().map(|(k, v)| format!("{id},month,{k},{v}\n")).collect()
    }

    #[test]
    fn rows_in_any_order_make_series_with_gaps_where_periods_are_missing_or_empty() {
        let text = "series_id,unit,period_index,value\nb,quarter,7,2\na,month,3,1.5\na,month,1,1\nb,quarter,5,\na,month,0,0.5\n";
        let series = read(text).unwrap();
        assert_eq!(series.len(), 2);
        assert_eq!(series[0].id, "b", "series keep the order they first appear in");
        assert_eq!(series[0].unit, Unit::Quarter);
        assert_eq!(series[0].history, vec![Observation::Gap, Observation::Gap, Observation::Value(2.0)]);
        assert_eq!(
            series[1].history,
            vec![Observation::Value(0.5), Observation::Value(1.0), Observation::Gap, Observation::Value(1.5)]
        );
    }

    #[test]
    fn bad_rows_name_the_file_the_line_and_the_field() {
        let e = read("series_id,unit,value\na,month,1\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "series.csv: no column \"period_index\" in the header (expected series_id,unit,period_index,value)"
        );
        let e = read("series_id,unit,period_index,value\na,month,0,1\na,month,1,many\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "series.csv, line 3, value: \"many\" is not a number (or empty for a period not observed)"
        );
        let e = read("series_id,unit,period_index,value\na,week,0,1\n").unwrap_err();
        assert!(e.to_string().contains("line 2, unit: \"week\" is not month or quarter"), "{e}");
        let e = read("series_id,unit,period_index,value\na,month,1.5,1\n").unwrap_err();
        assert!(e.to_string().contains("period_index: \"1.5\" is not a whole number"), "{e}");
        let e = read("series_id,unit,period_index,value\na,month,0,1\na,quarter,1,1\n").unwrap_err();
        assert!(matches!(e, EvaluateError::UnitChanges { line: 3, .. }), "{e}");
        let e = read("series_id,unit,period_index,value\na,month,0,1\na,month,0,2\n").unwrap_err();
        assert!(matches!(e, EvaluateError::DuplicatePeriod { line: 3, period: 0, .. }), "{e}");
        assert!(matches!(read("series_id,unit,period_index,value\n"), Err(EvaluateError::Empty { .. })));
    }

    #[test]
    fn origins_are_a_step_apart_and_the_last_leaves_the_horizon() {
        let plan = Plan { horizon: 12, origins: 3, step: 12 };
        assert_eq!(plan.cuts(120), Some(vec![84, 96, 108]));
        assert_eq!(Plan { horizon: 8, origins: 4, step: 1 }.cuts(40), Some(vec![29, 30, 31, 32]));
        assert_eq!(plan.cuts(40), Some(vec![4, 16, 28]), "room to cut, if not to fit");
        assert_eq!(plan.cuts(30), None);
        let short = read(&format!("series_id,unit,period_index,value\n{}", monthly("a", &[1.0; 50]))).unwrap();
        let e = evaluate(&short, plan).unwrap_err();
        assert_eq!(
            e.to_string(),
            "series \"a\" has 50 months: 3 origins 12 apart with 12 months ahead need at least 72 (three years of history before the first origin)"
        );
        assert_eq!(evaluate(&short, Plan { horizon: 0, ..plan }), Err(EvaluateError::ZeroPlan));
    }

    #[test]
    fn mase_is_scaled_by_the_seasonal_naive_errors_before_each_origin() {
        // A quarterly series whose year-on-year change is always 4, then a forecast 2 off
        // at every step: MASE 0.5 whatever the origin.
        let history: Vec<Observation> = (0..20).map(|t| Observation::Value(t as f64)).collect();
        let series = vec![NamedSeries { id: "a".into(), unit: Unit::Quarter, history }];
        assert_eq!(seasonal_naive_scale(&series[0].history, 16, 4), Some(4.0));
        let step = |actual: f64, off: f64, width: f64| Step {
            point: actual + off,
            lower_80: actual + off - width,
            upper_80: actual + off + width,
            lower_95: actual + off - 2.0 * width,
            upper_95: actual + off + 2.0 * width,
        };
        let forecasts = vec![
            OriginForecast {
                series: 0,
                origin: 16,
                model: Ok(crate::Model::Naive),
                steps: (16..20).map(|t| step(t as f64, 2.0, 1.5)).collect(),
            },
            OriginForecast {
                series: 0,
                origin: 18,
                model: Ok(crate::Model::Naive),
                steps: (18..20).map(|t| step(t as f64, -2.0, 3.0)).collect(),
            },
        ];
        let (each, overall) = score(&series, &forecasts);
        assert_eq!(each[0].mase, Some(0.5));
        assert_eq!(each[0].points, 6);
        assert_eq!(each[0].coverage_80, 2.0 / 6.0, "only the wide intervals of the second origin hold");
        assert_eq!(each[0].coverage_95, 1.0);
        assert_eq!(overall.mase, Some(0.5));
    }

    #[test]
    fn periods_not_observed_are_neither_scored_nor_in_the_scale() {
        let mut history: Vec<Observation> = (0..12).map(|t| Observation::Value((t % 4) as f64 * 10.0)).collect();
        history[5] = Observation::Gap;
        history[9] = Observation::Gap;
        assert_eq!(seasonal_naive_scale(&history, 10, 4), None, "the same every year: no scale");
        history[4] = Observation::Value(5.0);
        assert_eq!(seasonal_naive_scale(&history, 10, 4), Some(2.5), "pairs (0,4) (2,6) (3,7) and (4,8)");
        let series = vec![NamedSeries { id: "a".into(), unit: Unit::Quarter, history }];
        let flat = Step { point: 0.0, lower_80: 0.0, upper_80: 0.0, lower_95: 0.0, upper_95: 0.0 };
        let forecasts =
            vec![OriginForecast { series: 0, origin: 8, model: Ok(crate::Model::Naive), steps: vec![flat; 4] }];
        let (each, _) = score(&series, &forecasts);
        assert_eq!(each[0].points, 3, "period 9 is a gap");
    }

    #[test]
    fn evaluation_gives_the_same_results_in_input_order_and_beats_naive_on_a_seasonal_series() {
        let seasonal: Vec<f64> = (0..96)
            .map(|t| 100.0 + t as f64 + 30.0 * (std::f64::consts::TAU * t as f64 / 12.0).sin() + ((t * 7) % 5) as f64)
            .collect();
        let text = format!(
            "series_id,unit,period_index,value\n{}{}",
            monthly("seasonal", &seasonal),
            monthly("flat", &[3.0; 60])
        );
        let series = read(&text).unwrap();
        let plan = Plan { horizon: 6, origins: 2, step: 6 };
        let forecasts = evaluate(&series, plan).unwrap();
        let order: Vec<(usize, usize)> = forecasts.iter().map(|f| (f.series, f.origin)).collect();
        assert_eq!(order, vec![(0, 84), (0, 90), (1, 48), (1, 54)]);
        assert!(forecasts.iter().all(|f| f.steps.len() == 6));
        let each_alone: Vec<OriginForecast> =
            series.iter().flat_map(|s| evaluate(std::slice::from_ref(s), plan).unwrap()).collect();
        assert_eq!(
            forecasts.iter().map(|f| &f.steps).collect::<Vec<_>>(),
            each_alone.iter().map(|f| &f.steps).collect::<Vec<_>>()
        );
        let (each, overall) = score(&series, &forecasts);
        assert!(each[0].mase.unwrap() < 1.0, "{:?}", each[0]);
        assert_eq!(each[1].mase, None, "a flat history has no scale");
        assert_eq!(overall.points, 24);
    }
}
