//! The candidate models. Each fits a history and forecasts with 80% and 95% intervals.
//!
//! The exponential smoothing of `Ets` and of `MstlEts` (on the deseasonalised rest) chooses
//! its form (additive or multiplicative error, no trend, a trend or a damped trend) by AICc
//! among six fits. A backtest fits the same model at several origins a period apart, where
//! the form chosen hardly ever changes: it passes the form chosen at its earliest origin
//! ([`Form`]) to the later ones, which then fit one form instead of six.

use crate::{Step, normal_step};
use augurs::ets::AutoETS;
use augurs::ets::model::{Model as EtsModel, ModelType, Unfit};
use augurs::mstl::{FittedTrendModel, MSTLModel, TrendModel};
use augurs::{Fit, Forecast, Predict};
use serde::Serialize;
use std::borrow::Cow;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    /// The last figure carried forward.
    Naive,
    /// The figure of the same period a year before.
    SeasonalNaive,
    /// Exponential smoothing, its form (error, trend, damping) chosen by AICc; no seasons.
    Ets,
    /// Seasonal-trend decomposition (MSTL), with exponential smoothing on the rest.
    MstlEts,
}

impl Model {
    pub fn code(self) -> &'static str {
        match self {
            Self::Naive => "naive",
            Self::SeasonalNaive => "seasonal_naive",
            Self::Ets => "ets",
            Self::MstlEts => "mstl_ets",
        }
    }

    pub fn describe(self) -> String {
        match self {
            Self::Naive => "naive: the last figure carried forward",
            Self::SeasonalNaive => "seasonal naive: the figure of the same period a year before",
            Self::Ets => "exponential smoothing (ETS), its form chosen automatically",
            Self::MstlEts => "seasonal-trend decomposition (MSTL) with exponential smoothing on the trend",
        }
        .to_owned()
    }

    /// The shortest history the model is fitted to.
    pub(crate) fn min_history(self, season: usize) -> usize {
        match self {
            Self::Naive => 3,
            Self::SeasonalNaive => season + 2,
            Self::Ets => 10,
            // MSTL needs two full seasons; one more period gives the trend model room.
            Self::MstlEts => 2 * season + 1,
        }
    }

    /// Fits `y` and forecasts `horizon` periods, with a description of the fitted model and
    /// the form of its exponential smoothing. With a `form`, the smoothing fits that form
    /// alone instead of choosing one.
    pub(crate) fn fit_predict(
        self,
        y: &[f64],
        season: usize,
        horizon: usize,
        form: Option<&Form>,
    ) -> Result<Fitted, String> {
        if y.len() < self.min_history(season) {
            return Err(format!("{} needs {} periods", self.code(), self.min_history(season)));
        }
        let fitted = match self {
            Self::Naive => Fitted { steps: naive(y, 1, horizon), detail: self.describe(), form: None },
            Self::SeasonalNaive => Fitted { steps: naive(y, season, horizon), detail: self.describe(), form: None },
            Self::Ets => {
                let fitted = fit_ets(y, form).map_err(|e| e.to_string())?;
                let chosen = Form::of(&fitted);
                let damped = if chosen.damped { ", damped trend" } else { "" };
                let detail = format!("{} ({}{damped})", self.describe(), chosen.model_type);
                Fitted { steps: augurs_steps(&fitted, horizon)?, detail, form: Some(chosen) }
            }
            Self::MstlEts => {
                let trend = EtsTrend { form: form.copied(), chosen: OnceLock::new() };
                let model = MSTLModel::new(vec![season], trend);
                let fitted = model.fit(y).map_err(|e| e.to_string())?;
                let form = model.trend_model().chosen.get().copied();
                Fitted { steps: augurs_steps(&fitted, horizon)?, detail: self.describe(), form }
            }
        };
        if fitted.steps.iter().any(|s| ![s.point, s.lower_95, s.upper_95].iter().all(|v| v.is_finite())) {
            return Err(format!("{} gave a figure that is not a number", self.code()));
        }
        Ok(fitted)
    }
}

/// A model fitted to a history, and its forecast.
#[derive(Debug, Clone)]
pub(crate) struct Fitted {
    pub steps: Vec<Step>,
    /// The model's own description, such as the ETS form.
    pub detail: String,
    /// The form of the exponential smoothing, for the models that have one.
    pub form: Option<Form>,
}

/// The form of an exponential smoothing: its error, trend and season (`AAN`) and whether
/// the trend is damped.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Form {
    model_type: ModelType,
    damped: bool,
}

impl Form {
    fn of(fitted: &EtsModel) -> Self {
        Self { model_type: fitted.model_type(), damped: fitted.damped() }
    }
}

/// The exponential smoothing of `form`, or of the form with the least AICc among the
/// non-seasonal ones. (A search limited to one form cannot express "no trend", so the one
/// form is fitted directly.)
fn fit_ets(y: &[f64], form: Option<&Form>) -> Result<EtsModel, augurs::ets::Error> {
    match form {
        Some(form) => Unfit::new(form.model_type).damped(form.damped).fit(y),
        None => Ok(AutoETS::non_seasonal().fit(y)?.model().clone()),
    }
}

/// MSTL's trend model: exponential smoothing, remembering the form it chose.
#[derive(Debug)]
struct EtsTrend {
    form: Option<Form>,
    chosen: OnceLock<Form>,
}

type BoxedError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl TrendModel for EtsTrend {
    fn name(&self) -> Cow<'_, str> {
        Cow::Borrowed("AutoETS")
    }

    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedTrendModel + Sync + Send>, BoxedError> {
        let fitted = fit_ets(y, self.form.as_ref())?;
        // The trend model is fitted once per MSTL fit.
        let _ = self.chosen.set(Form::of(&fitted));
        Ok(Box::new(EtsTrendFitted(fitted)))
    }
}

#[derive(Debug)]
struct EtsTrendFitted(EtsModel);

impl FittedTrendModel for EtsTrendFitted {
    fn predict_inplace(&self, horizon: usize, level: Option<f64>, forecast: &mut Forecast) -> Result<(), BoxedError> {
        Ok(self.0.predict_inplace(horizon, level, forecast)?)
    }

    fn predict_in_sample_inplace(&self, level: Option<f64>, forecast: &mut Forecast) -> Result<(), BoxedError> {
        Ok(self.0.predict_in_sample_inplace(level, forecast)?)
    }

    fn training_data_size(&self) -> Option<usize> {
        Some(self.0.training_data_size())
    }
}

/// Figures are counts of people: nothing below zero.
pub(crate) fn at_least_zero(step: Step) -> Step {
    Step {
        point: step.point.max(0.0),
        lower_80: step.lower_80.max(0.0),
        upper_80: step.upper_80.max(0.0),
        lower_95: step.lower_95.max(0.0),
        upper_95: step.upper_95.max(0.0),
    }
}

/// Repeats the figure `lag` periods before (1: the last; a season: a year before). The
/// intervals are those of Hyndman and Athanasopoulos (FPP3, 5.5): the residuals' standard
/// deviation times the square root of the number of lags the forecast reaches over.
fn naive(y: &[f64], lag: usize, horizon: usize) -> Vec<Step> {
    let n = y.len();
    let residuals: Vec<f64> = (lag..n).map(|t| y[t] - y[t - lag]).collect();
    let sd = if residuals.is_empty() {
        0.0
    } else {
        (residuals.iter().map(|r| r * r).sum::<f64>() / residuals.len() as f64).sqrt()
    };
    (0..horizon)
        .map(|h| {
            let point = y[n - lag + h % lag];
            let reach = (h / lag + 1) as f64;
            normal_step(point, sd * reach.sqrt())
        })
        .collect()
}

/// Forecasts with augurs at both levels.
fn augurs_steps<P: Predict>(fitted: &P, horizon: usize) -> Result<Vec<Step>, String> {
    let f80 = fitted.predict(horizon, 0.8).map_err(|e| e.to_string())?;
    let f95 = fitted.predict(horizon, 0.95).map_err(|e| e.to_string())?;
    let (Some(i80), Some(i95)) = (f80.intervals, f95.intervals) else {
        return Err("no intervals".to_owned());
    };
    Ok((0..horizon)
        .map(|h| Step {
            point: f80.point[h],
            lower_80: i80.lower[h],
            upper_80: i80.upper[h],
            lower_95: i95.lower[h],
            upper_95: i95.upper[h],
        })
        .collect())
}
