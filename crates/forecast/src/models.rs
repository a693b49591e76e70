//! The candidate models. Each fits a history and forecasts with 80% and 95% intervals.

use crate::{Step, normal_step};
use augurs::ets::AutoETS;
use augurs::ets::trend::AutoETSTrendModel;
use augurs::mstl::MSTLModel;
use augurs::{Fit, Predict};
use serde::Serialize;

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

    /// Fits `y` and forecasts `horizon` periods, with a description of the fitted model.
    pub(crate) fn fit_predict(self, y: &[f64], season: usize, horizon: usize) -> Result<(Vec<Step>, String), String> {
        if y.len() < self.min_history(season) {
            return Err(format!("{} needs {} periods", self.code(), self.min_history(season)));
        }
        let (steps, detail) = match self {
            Self::Naive => (naive(y, 1, horizon), self.describe()),
            Self::SeasonalNaive => (naive(y, season, horizon), self.describe()),
            Self::Ets => {
                let fitted = AutoETS::non_seasonal().fit(y).map_err(|e| e.to_string())?;
                let form = fitted.model().model_type().to_string();
                let damped = if fitted.model().damped() { ", damped trend" } else { "" };
                (augurs_steps(&fitted, horizon)?, format!("{} ({form}{damped})", self.describe()))
            }
            Self::MstlEts => {
                let trend = AutoETSTrendModel::from(AutoETS::non_seasonal());
                let fitted = MSTLModel::new(vec![season], trend).fit(y).map_err(|e| e.to_string())?;
                (augurs_steps(&fitted, horizon)?, self.describe())
            }
        };
        if steps.iter().any(|s| ![s.point, s.lower_95, s.upper_95].iter().all(|v| v.is_finite())) {
            return Err(format!("{} gave a figure that is not a number", self.code()));
        }
        Ok((steps, detail))
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
