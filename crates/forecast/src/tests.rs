//! The forecast's unit tests, kept in their own file so that `lib.rs` reads as the method:
//! seeded seasonal, trending, broken and random-walk series go in, and the tests check that
//! the chosen model beats carrying the last figure forward where it should, that intervals
//! widen with the horizon, and that short, flat or broken histories fall back and say so.

use super::*;

fn noise(seed: u64, n: usize) -> Vec<f64> {
    // A small linear congruential generator: deterministic, uniform in -1..1.
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as f64 / (1u64 << 31) as f64) * 2.0 - 1.0
        })
        .collect()
}

/// Months of a figure that peaks in summer and dips in winter, around 200 and slowly rising.
fn seasonal(n: usize) -> Vec<f64> {
    let e = noise(7, n);
    (0..n)
        .map(|t| 200.0 + 0.5 * t as f64 + 40.0 * (std::f64::consts::TAU * t as f64 / 12.0).sin() + 6.0 * e[t])
        .collect()
}

fn values(v: &[f64]) -> Vec<Observation> {
    v.iter().map(|x| Observation::Value(*x)).collect()
}

fn monthly(horizon: usize) -> Options {
    Options { season: 12, horizon, period_word: "month" }
}

fn mae(a: &[f64], f: &[Step]) -> f64 {
    a.iter().zip(f).map(|(a, s)| (a - s.point).abs()).sum::<f64>() / a.len() as f64
}

#[test]
fn a_seasonal_series_is_forecast_better_than_by_carrying_the_last_figure_forward() {
    let all = seasonal(84);
    let (history, future) = all.split_at(72);
    let f = forecast(&values(history), monthly(12)).unwrap();
    assert_ne!(f.model, Model::Naive, "{f:?}");
    let chosen = mae(future, &f.steps);
    let last = history[history.len() - 1];
    let naive = future.iter().map(|a| (a - last).abs()).sum::<f64>() / 12.0;
    assert!(chosen < naive / 2.0, "chosen {} ({chosen:.1}) against naive {naive:.1}", f.model.code());
    let accuracy = f.accuracy.unwrap();
    assert!(accuracy.mase.unwrap() < 1.0, "{accuracy:?}");
    assert!(f.cautions.is_empty(), "{:?}", f.cautions);
    assert_eq!(f.candidates.len(), 3, "seasonal naive, ETS and MSTL were all tested: {:?}", f.candidates);
}

#[test]
fn intervals_widen_with_the_horizon_and_hold_the_point() {
    let f = forecast(&values(&seasonal(72)), monthly(24)).unwrap();
    for s in &f.steps {
        assert!(s.lower_95 <= s.lower_80 && s.lower_80 <= s.point && s.point <= s.upper_80 && s.upper_80 <= s.upper_95);
    }
    let width = |s: &Step| s.upper_95 - s.lower_95;
    for pair in f.steps.windows(2) {
        assert!(width(&pair[1]) >= width(&pair[0]) - 1e-9, "{pair:?}");
    }
    assert!(width(&f.steps[23]) > width(&f.steps[0]), "{:?} then {:?}", f.steps[0], f.steps[23]);
}

#[test]
fn a_short_history_falls_back_to_the_naive_forecast_and_says_so() {
    let f = forecast(&values(&seasonal(15)), monthly(6)).unwrap();
    assert_eq!(f.model, Model::Naive);
    assert!(f.cautions.iter().any(|c| c.contains("less than two years") && c.contains("naive")), "{:?}", f.cautions);
    assert!(f.steps.iter().all(|s| s.point == seasonal(15)[14]));
}

#[test]
fn an_all_zero_history_gives_zeros_with_a_caution_and_no_nan() {
    let f = forecast(&values(&[0.0; 40]), monthly(12)).unwrap();
    assert_eq!(f.steps.len(), 12);
    assert!(f.steps.iter().all(|s| s.point == 0.0 && s.upper_95 == 0.0));
    assert!(f.cautions.iter().any(|c| c.contains("zero")), "{:?}", f.cautions);
    assert!(f.accuracy.is_none());
}

#[test]
fn a_break_does_not_drag_the_forecast_down() {
    // Ten years of a seasonal figure whose fifteen months of hotels fall to a tenth,
    // four years before the end.
    let mut v = seasonal(120);
    let break_months = 70..85;
    let mut marked = values(&v);
    for t in break_months.clone() {
        v[t] /= 10.0;
        marked[t] = Observation::Break;
    }
    let unmarked = forecast(&values(&v), monthly(12)).unwrap();
    let f = forecast(&marked, monthly(12)).unwrap();
    assert_eq!(f.breaks, 15);
    assert!(f.cautions.iter().any(|c| c.contains("structural break")), "{:?}", f.cautions);
    let truth = &seasonal(132)[120..];
    assert!(
        mae(truth, &f.steps) <= mae(truth, &unmarked.steps) + 1e-9,
        "{} vs {}",
        mae(truth, &f.steps),
        mae(truth, &unmarked.steps)
    );
    assert!(mae(truth, &f.steps) < 25.0, "{:?}", f.steps);
}

#[test]
fn gaps_are_filled_and_counted_and_bad_horizons_are_refused() {
    let mut h = values(&seasonal(48));
    h[20] = Observation::Gap;
    let f = forecast(&h, monthly(3)).unwrap();
    assert_eq!(f.gaps, 1);
    assert!(f.cautions[0].contains("1 month of the history had no record"), "{:?}", f.cautions);
    assert_eq!(forecast(&h, monthly(0)), Err(ForecastError::ZeroHorizon));
    assert!(matches!(forecast(&h, monthly(61)), Err(ForecastError::TooFar { max: 60, .. })));
    assert_eq!(forecast(&values(&[4.0, 5.0]), monthly(3)), Err(ForecastError::TooShort(2)));
}

#[test]
fn a_random_walk_is_not_claimed_to_be_accurate() {
    let e = noise(11, 60);
    let mut level = 100.0;
    let walk: Vec<f64> = e
        .iter()
        .map(|x| {
            level += 25.0 * x;
            level
        })
        .collect();
    let f = forecast(&values(&walk), monthly(12)).unwrap();
    let width = |s: &Step| s.upper_95 - s.lower_95;
    assert!(width(&f.steps[11]) > 1.5 * width(&f.steps[0]), "a wandering figure is ever less certain: {:?}", f.steps);
    let a = f.accuracy.unwrap();
    assert!(a.origins >= 3 && a.forecasts > 20, "{a:?}");
    if a.mase.unwrap() > 1.0 {
        assert!(f.cautions.iter().any(|c| c.contains("Poor accuracy")), "{:?}", f.cautions);
    }
}

#[test]
fn breaks_read_and_cover_periods() {
    let b = Break::parse("2020-04..2021-06").unwrap();
    assert_eq!(b, Break::EVERYONE_IN);
    assert_eq!(b.to_string(), "2020-04..2021-06");
    assert!(b.covers(2021 * 12 + 3, 2021 * 12 + 5), "FY2021-Q1 overlaps");
    assert!(!b.covers(2021 * 12 + 6, 2021 * 12 + 8));
    assert!(Break::parse("2021-06..2020-04").unwrap_err().contains("ends before"));
    assert!(Break::parse("2020-13").is_err());
}

#[test]
fn two_years_are_too_few_to_test_a_seasonal_model_so_the_forecast_is_naive_and_says_so() {
    let f = forecast(&values(&seasonal(30)), monthly(12)).unwrap();
    assert_eq!(f.model, Model::Naive);
    assert!(f.cautions.iter().any(|c| c.contains("no room to test the seasonal models")), "{:?}", f.cautions);
    assert!(f.accuracy.is_some(), "the naive forecast itself is tested");
}

#[test]
fn a_form_chosen_once_is_refitted_alone_even_without_a_trend() {
    // A level with noise and no trend: the form has no trend, which augurs' search cannot
    // be limited to, so the one form is fitted directly.
    let level: Vec<f64> = noise(3, 60).iter().map(|e| 50.0 + 5.0 * e).collect();
    let chosen = Model::Ets.fit_predict(&level, 12, 6, None).unwrap();
    let form = chosen.form.expect("an ETS has a form");
    let refitted = Model::Ets.fit_predict(&level[..54], 12, 6, Some(&form)).unwrap();
    assert_eq!(refitted.detail, chosen.detail, "the same form");
    assert!(chosen.detail.contains("NN"), "{}", chosen.detail);
    let mstl = Model::MstlEts.fit_predict(&seasonal(60), 12, 6, None).unwrap();
    let again = Model::MstlEts.fit_predict(&seasonal(54), 12, 6, mstl.form.as_ref()).unwrap();
    assert_eq!(again.steps.len(), 6);
}

/// A caution compares the chosen model with a different benchmark, or says nothing: the
/// seasonal naive model is the benchmark of MASE, so its MASE compares it with itself.
#[test]
fn a_caution_never_compares_the_benchmark_model_with_itself() {
    let accuracy = Accuracy {
        mase: Some(1.23),
        smape: 12.0,
        mae: 10.0,
        coverage_80: 0.8,
        coverage_95: 0.95,
        forecasts: 48,
        origins: 8,
        horizon: 6,
    };
    let compares = |cautions: Vec<String>| cautions.iter().any(|c| c.contains("times those of"));
    assert!(!compares(accuracy_cautions(Model::SeasonalNaive, false, &accuracy, "month")));
    assert!(!compares(accuracy_cautions(Model::Naive, true, &accuracy, "month")));
    assert!(compares(accuracy_cautions(Model::Ets, false, &accuracy, "month")), "ETS is not the benchmark");
    assert!(compares(accuracy_cautions(Model::MstlEts, false, &accuracy, "month")));
    assert!(compares(accuracy_cautions(Model::SeasonalNaive, true, &accuracy, "month")), "against last month's figure");
}
