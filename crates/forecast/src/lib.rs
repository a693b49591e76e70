//! Forecasts of a monthly or quarterly figure, with their measured accuracy.
//!
//! Pure: a history in, a forecast out. Candidate models are fitted to the history and
//! each is judged by a rolling-origin backtest on the history itself (forecast from an
//! earlier point, compare with what happened); the most accurate is chosen, and its
//! accuracy (MASE, sMAPE, how often the 80% and 95% intervals held the actual figure)
//! goes out with the forecast, with a caution in plain words when it should not be
//! trusted.
//!
//! The exponential smoothing (automatic model selection by AICc) and the seasonal-trend
//! decomposition (MSTL) come from the `augurs` crates. augurs has no seasonal ETS, so
//! seasonality goes through MSTL with ETS on the deseasonalised rest. The naive and
//! seasonal naive models, the backtest and the measures are hand-written: each is a
//! few lines, and no crate offers them with prediction intervals on the same terms.
//!
//! ## Where things are
//!
//! - The candidate models are seasonal naive, augurs' AutoETS, and MSTL with ETS on the trend.
//!   Each is tested by a rolling-origin backtest (MASE, sMAPE, interval coverage; the exponential
//!   smoothing's form chosen at the earliest origin and refitted at the later ones) and the best is
//!   chosen. Intervals are widened to the backtest's errors. Structural breaks and gaps are drawn
//!   across and never scored. The series themselves come from `byname_stats::series`.
//! - `scenario` is the stock-and-flow model: rates, arrivals, capacities and by-name-list shares
//!   fitted to `byname_stats::states`, seeded Monte Carlo projections of a change against the
//!   baseline on shared random numbers, and the check against recorded months.
//! - `evaluate` judges the same forecast at rolling origins on series read from long CSV (MASE,
//!   coverage), on every core with results in input order, for `byname forecast evaluate` and
//!   `bench/forecast.sh`.

mod breaks;
pub mod evaluate;
mod models;
pub mod scenario;

pub use breaks::Break;
pub use models::Model;
use models::at_least_zero;

use serde::Serialize;

/// The longest forecast, in years.
pub const MAX_YEARS: usize = 5;

/// The 80% and 95% normal quantiles.
const Z80: f64 = 1.281_551_565_5;
const Z95: f64 = 1.959_963_984_5;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ForecastError {
    #[error("the horizon must be at least one period")]
    ZeroHorizon,
    #[error(
        "a horizon of {horizon} periods is more than {MAX_YEARS} years ahead ({max} periods): nothing can be said that far out"
    )]
    TooFar { horizon: usize, max: usize },
    #[error("only {0} periods of history can be used: at least 3 are needed to forecast anything")]
    TooShort(usize),
}

/// One period of a history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observation {
    Value(f64),
    /// Nothing was recorded at all: filled in for fitting, never scored.
    Gap,
    /// In a structural break: filled in for fitting, never scored.
    Break,
}

/// One future period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Step {
    pub point: f64,
    pub lower_80: f64,
    pub upper_80: f64,
    pub lower_95: f64,
    pub upper_95: f64,
}

/// How well a model forecast the history from earlier points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Accuracy {
    /// Mean absolute error over the mean absolute error of last year's figure (last period's,
    /// without seasons) in the history: under 1 beats that simple rule. `None` when the
    /// history never changes.
    pub mase: Option<f64>,
    /// Symmetric mean absolute percentage error, 0 to 200.
    pub smape: f64,
    pub mae: f64,
    /// Share of actual figures inside the model's own 80% and 95% intervals (those shown are
    /// widened to at least the errors measured here).
    pub coverage_80: f64,
    pub coverage_95: f64,
    /// Forecasts scored: backtest origins times periods ahead.
    pub forecasts: usize,
    pub origins: usize,
    /// Periods ahead in each backtest forecast.
    pub horizon: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub model: Model,
    pub accuracy: Accuracy,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Forecast {
    pub model: Model,
    /// The chosen model's own description, such as the ETS form `AAdN`.
    pub detail: String,
    pub accuracy: Option<Accuracy>,
    /// Every model tried, with its backtest.
    pub candidates: Vec<Candidate>,
    pub cautions: Vec<String>,
    pub steps: Vec<Step>,
    /// Periods of history used (after leading gaps and breaks).
    pub history: usize,
    pub gaps: usize,
    pub breaks: usize,
}

/// What a forecast needs besides the history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Periods in a year: 12 for months, 4 for quarters.
    pub season: usize,
    pub horizon: usize,
    /// The word for a period in cautions: "month" or "quarter".
    pub period_word: &'static str,
}

/// Forecasts `horizon` periods after `history`, choosing the model by backtest.
pub fn forecast(history: &[Observation], options: Options) -> Result<Forecast, ForecastError> {
    let Options { season, horizon, period_word } = options;
    if horizon == 0 {
        return Err(ForecastError::ZeroHorizon);
    }
    if horizon > MAX_YEARS * season {
        return Err(ForecastError::TooFar { horizon, max: MAX_YEARS * season });
    }
    let start = history.iter().position(|o| matches!(o, Observation::Value(_))).unwrap_or(history.len());
    let history = &history[start..];
    let scored: Vec<bool> = history.iter().map(|o| matches!(o, Observation::Value(_))).collect();
    let valid = scored.iter().filter(|s| **s).count();
    if valid < 3 {
        return Err(ForecastError::TooShort(valid));
    }
    let y = fill(history);
    let gaps = history.iter().filter(|o| **o == Observation::Gap).count();
    let breaks = history.iter().filter(|o| **o == Observation::Break).count();
    let n = y.len();
    let mut cautions = Vec::new();
    if gaps > 0 {
        cautions.push(format!(
            "{gaps} {period_word}{s} of the history had no record at all and {were} filled in from the {period_word}s around {them}; {they} are not scored.",
            s = plural(gaps),
            were = if gaps == 1 { "was" } else { "were" },
            them = if gaps == 1 { "it" } else { "them" },
            they = if gaps == 1 { "it is" } else { "they are" },
        ));
    }
    if breaks > 0 {
        cautions.push(format!(
            "{breaks} {period_word}{s} fall in a marked structural break: the model is fitted to a line across {them}, and the backtest does not score {them}.",
            s = plural(breaks),
            them = if breaks == 1 { "it" } else { "them" },
        ));
    }
    if y.iter().zip(&scored).all(|(v, s)| !s || *v == 0.0) {
        cautions.push(format!(
            "Every {period_word} of the history is zero: the forecast is zero, with no model and no measured accuracy behind it. Check the metric and the area."
        ));
        let zero = Step { point: 0.0, lower_80: 0.0, upper_80: 0.0, lower_95: 0.0, upper_95: 0.0 };
        return Ok(Forecast {
            model: Model::Naive,
            detail: Model::Naive.describe(),
            accuracy: None,
            candidates: Vec::new(),
            cautions,
            steps: vec![zero; horizon],
            history: n,
            gaps,
            breaks,
        });
    }

    let short = n < 2 * season;
    let models: &[Model] = if short { &[Model::Naive] } else { &[Model::SeasonalNaive, Model::Ets, Model::MstlEts] };
    if short {
        cautions.push(format!(
            "Only {n} {period_word}{s} of history, less than two years: no seasonal model can be fitted, so this is a naive forecast (the last {period_word}'s figure carried forward), labelled as such.",
            s = plural(n)
        ));
    }
    let scale = mase_scale(&y, &scored, if short { 1 } else { season });
    let back_horizon = horizon.min(season);
    let tested: Vec<(Candidate, Vec<Vec<f64>>)> = models
        .iter()
        .filter_map(|&model| {
            backtest(model, &y, &scored, season, back_horizon, scale)
                .map(|(accuracy, errors)| (Candidate { model, accuracy }, errors))
        })
        .collect();
    let tested: Vec<(Candidate, Vec<Vec<f64>>)> = if tested.is_empty() && !short {
        cautions.push(format!(
            "{n} {period_word}s of history leave no room to test the seasonal models against it (that needs {} or more): this is a naive forecast (the last {period_word}'s figure carried forward), labelled as such.",
            Model::MstlEts.min_history(season) + back_horizon
        ));
        backtest(Model::Naive, &y, &scored, season, back_horizon, scale)
            .map(|(accuracy, errors)| (Candidate { model: Model::Naive, accuracy }, errors))
            .into_iter()
            .collect()
    } else {
        tested
    };
    // The most accurate by MASE (by absolute error when the history never changes) first; on
    // a tie, the simpler model, which comes first already (the sort is stable).
    let mut order: Vec<&(Candidate, Vec<Vec<f64>>)> = tested.iter().collect();
    order.sort_by(|(a, _), (b, _)| {
        let key = |c: &Candidate| c.accuracy.mase.unwrap_or(c.accuracy.mae);
        key(a).total_cmp(&key(b))
    });
    // Fit the best to the whole history; should it fail there, the next best, then naive.
    let mut chosen = None;
    for model in order.iter().map(|(c, _)| c.model).chain([Model::Naive]) {
        if let Ok(fitted) = model.fit_predict(&y, season, horizon, None) {
            chosen = Some((model, fitted.steps, fitted.detail));
            break;
        }
    }
    let (model, mut steps, detail) = chosen.expect("the naive model fits any history of three periods");
    let found = tested.iter().find(|(c, _)| c.model == model);
    if let Some((_, errors)) = found {
        widen(&mut steps, errors);
    }
    let steps: Vec<Step> = steps.into_iter().map(at_least_zero).collect();
    let accuracy = found.map(|(c, _)| c.accuracy);
    let candidates: Vec<Candidate> = tested.into_iter().map(|(c, _)| c).collect();
    match accuracy {
        None => cautions.push(
            "The history is too short to test the forecast against what happened: its accuracy is not known."
                .to_owned(),
        ),
        Some(a) => cautions.extend(accuracy_cautions(model, short, &a, period_word)),
    }
    Ok(Forecast { model, detail, accuracy, candidates, cautions, steps, history: n, gaps, breaks })
}

/// What the backtest says a reader should beware of. MASE measures a model against the
/// benchmark of repeating the figure of a year before (the period before, for a short
/// history), which is what the seasonal naive (naive) model does: when the chosen model is
/// that benchmark, its MASE compares it with itself, and no caution is drawn from it.
fn accuracy_cautions(model: Model, short: bool, a: &Accuracy, period_word: &str) -> Vec<String> {
    let mut cautions = Vec::new();
    let benchmark = if short { Model::Naive } else { Model::SeasonalNaive };
    if let Some(mase) = a.mase
        && mase > 1.0
        && model != benchmark
    {
        cautions.push(format!(
            "Poor accuracy: tested on the history, this model's errors were {mase:.2} times those of simply repeating the figure of {} (MASE above 1). Read it as a rough guide only.",
            if short { format!("the {period_word} before") } else { "a year before".to_owned() }
        ));
    }
    if a.origins < 3 {
        cautions.push(format!(
            "The accuracy rests on only {} backtest forecast{}: it is itself uncertain.",
            a.origins,
            plural(a.origins)
        ));
    }
    if a.forecasts >= 10 && a.coverage_80 < 0.6 {
        cautions.push(format!(
            "In the backtest the model's own 80% intervals held the actual figure only {:.0}% of the time: the intervals shown are widened to the errors measured there, and may still be too narrow.",
            a.coverage_80 * 100.0
        ));
    }
    cautions
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The history with gaps and breaks replaced by a straight line between the figures either
/// side (the last figure carried forward at the end), so that no model sees them as they were.
fn fill(history: &[Observation]) -> Vec<f64> {
    let mut y: Vec<Option<f64>> =
        history.iter().map(|o| if let Observation::Value(v) = o { Some(*v) } else { None }).collect();
    let mut i = 0;
    while i < y.len() {
        if y[i].is_some() {
            i += 1;
            continue;
        }
        let before = y[..i].iter().rev().position(Option::is_some).map(|k| i - 1 - k);
        let after = y[i..].iter().position(Option::is_some).map(|k| i + k);
        let end = after.unwrap_or(y.len());
        for (k, slot) in y.iter_mut().enumerate().take(end).skip(i) {
            *slot = match (before, after) {
                (Some(b), Some(a)) => {
                    let (vb, va) = (history_value(&history[b]), history_value(&history[a]));
                    Some(vb + (va - vb) * (k - b) as f64 / (a - b) as f64)
                }
                (Some(b), None) => Some(history_value(&history[b])),
                (None, Some(a)) => Some(history_value(&history[a])),
                (None, None) => Some(0.0),
            };
        }
        i = end;
    }
    y.into_iter().map(|v| v.unwrap_or(0.0)).collect()
}

fn history_value(o: &Observation) -> f64 {
    if let Observation::Value(v) = o { *v } else { 0.0 }
}

/// The mean absolute error of repeating the figure `lag` periods before, over the history's
/// scored periods: the yardstick of MASE.
fn mase_scale(y: &[f64], scored: &[bool], lag: usize) -> Option<f64> {
    for lag in [lag, 1] {
        let errors: Vec<f64> =
            (lag..y.len()).filter(|&t| scored[t] && scored[t - lag]).map(|t| (y[t] - y[t - lag]).abs()).collect();
        if !errors.is_empty() {
            let mean = errors.iter().sum::<f64>() / errors.len() as f64;
            if mean > 0.0 {
                return Some(mean);
            }
        }
    }
    None
}

/// The most backtest origins, a period apart, ending with the last full horizon.
const ORIGINS: usize = 8;

/// Forecasts from up to [`ORIGINS`] earlier points, each `horizon` periods ahead, scored on
/// the periods that were really observed. `None` when the history leaves no room for one.
fn backtest(
    model: Model,
    y: &[f64],
    scored: &[bool],
    season: usize,
    horizon: usize,
    scale: Option<f64>,
) -> Option<(Accuracy, Vec<Vec<f64>>)> {
    let n = y.len();
    // Every model is tested from the same origins: those where the most demanding one fits.
    let min_train = Model::SeasonalNaive.min_history(season).max(Model::MstlEts.min_history(season));
    let min_train = if model == Model::Naive { model.min_history(season) } else { min_train };
    let (mut abs, mut smape, mut in80, mut in95, mut count, mut origins) = (0.0, 0.0, 0, 0, 0usize, 0usize);
    let mut errors = vec![Vec::new(); horizon];
    let cuts: Vec<usize> =
        (0..ORIGINS).map_while(|i| n.checked_sub(horizon + i)).take_while(|&origin| origin >= min_train).collect();
    // The earliest origin chooses the form of the exponential smoothing; the later ones refit
    // that form (and choose again only should it fail).
    let mut form = None;
    for &origin in cuts.iter().rev() {
        let fitted = match model.fit_predict(&y[..origin], season, horizon, form.as_ref()) {
            Err(_) if form.is_some() => model.fit_predict(&y[..origin], season, horizon, None),
            other => other,
        };
        let Ok(fitted) = fitted else { continue };
        if form.is_none() {
            form = fitted.form;
        }
        let steps: Vec<Step> = fitted.steps.into_iter().map(at_least_zero).collect();
        origins += 1;
        for (h, step) in steps.iter().enumerate() {
            let t = origin + h;
            if !scored[t] {
                continue;
            }
            let (actual, point) = (y[t], step.point);
            errors[h].push(actual - point);
            abs += (actual - point).abs();
            if actual != 0.0 || point != 0.0 {
                smape += 200.0 * (actual - point).abs() / (actual.abs() + point.abs());
            }
            in80 += usize::from((step.lower_80..=step.upper_80).contains(&actual));
            in95 += usize::from((step.lower_95..=step.upper_95).contains(&actual));
            count += 1;
        }
    }
    if count == 0 {
        return None;
    }
    let c = count as f64;
    let mae = abs / c;
    let accuracy = Accuracy {
        mase: scale.map(|s| mae / s),
        smape: smape / c,
        mae,
        coverage_80: in80 as f64 / c,
        coverage_95: in95 as f64 / c,
        forecasts: count,
        origins,
        horizon,
    };
    Some((accuracy, errors))
}

/// Widens the intervals to at least the errors the backtest measured, `h` periods ahead.
///
/// A model's own intervals can stay level however far ahead it looks: augurs' MSTL adds
/// the seasonal component as if it were known, and an ETS with a small smoothing weight
/// barely grows its variance. The backtest's root mean squared error at each horizon is a
/// floor (empirical intervals, as in Williams and Goodman, 1971); past the backtest's
/// horizon the last one grows with the square root of the steps, as a random walk's does.
/// The width never shrinks from one step to the next.
fn widen(steps: &mut [Step], errors: &[Vec<f64>]) {
    let rmse: Vec<Option<f64>> = errors
        .iter()
        .map(|e| (e.len() >= 3).then(|| (e.iter().map(|x| x * x).sum::<f64>() / e.len() as f64).sqrt()))
        .collect();
    let last = rmse.iter().rposition(Option::is_some);
    let mut floor = 0.0f64;
    for (h, step) in steps.iter_mut().enumerate() {
        let measured = match (rmse.get(h).copied().flatten(), last) {
            (Some(r), _) => r,
            (None, Some(k)) if h > k => rmse[k].unwrap_or(0.0) * ((h + 1) as f64 / (k + 1) as f64).sqrt(),
            _ => 0.0,
        };
        let own = (step.upper_95 - step.lower_95) / (2.0 * Z95);
        floor = floor.max(own).max(measured);
        *step = normal_step(step.point, floor);
    }
}

/// The intervals of a forecast whose errors are normal with standard deviation `sd`.
fn normal_step(point: f64, sd: f64) -> Step {
    Step {
        point,
        lower_80: point - Z80 * sd,
        upper_80: point + Z80 * sd,
        lower_95: point - Z95 * sd,
        upper_95: point + Z95 * sd,
    }
}

#[cfg(test)]
mod tests;
