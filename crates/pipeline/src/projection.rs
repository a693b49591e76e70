//! What forecasts and scenarios share, defined once: the structural breaks (Everyone In by
//! default, `--break` and `--no-breaks`), the area's name in the text, the population of today
//! they both start from, and the rounding of figures in their JSON.
//!
//! Their errors stay two enums, `ForecastServiceError` and `ScenarioServiceError`, because
//! callers match on each (`Statistics` is a server error, the rest a bad request); both wrap
//! the same [`StatisticsError`] and `SeriesError`.

use crate::statistics::{StatisticsError, snapshot};
use byname_forecast::Break;
use byname_stats::timeline::Population;
use byname_store::Store;
use time::Date;

/// The breaks when none are given: Everyone In.
pub fn default_breaks() -> Vec<Break> {
    vec![Break::EVERYONE_IN]
}

/// The structural breaks of `--break` (each `YYYY-MM..YYYY-MM`) and `--no-breaks`: none at all
/// with `none`, [`default_breaks`] when none are given. The error names the flag.
pub fn breaks(none: bool, given: &[String]) -> Result<Vec<Break>, String> {
    if none {
        return Ok(Vec::new());
    }
    if given.is_empty() {
        return Ok(default_breaks());
    }
    given.iter().map(|b| Break::parse(b).map_err(|e| format!("--break: {e}"))).collect()
}

/// The area in words: its name, or the whole partnership when none was chosen.
pub fn area_name(area: Option<&str>) -> &str {
    area.unwrap_or("the partnership")
}

/// The population as of `today`, from the statistics snapshot.
pub(crate) async fn population<S: Store>(store: &S, today: Date) -> Result<Population, StatisticsError> {
    let (population, _) = snapshot(store, today).await?;
    Ok(population)
}

/// `x` rounded to `places` decimal places, for the JSON.
pub(crate) fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_default_to_everyone_in_and_no_breaks_means_none() {
        assert_eq!(breaks(false, &[]).unwrap(), vec![Break::EVERYONE_IN]);
        assert_eq!(breaks(true, &[]).unwrap(), Vec::<Break>::new());
        let given = breaks(false, &["2019-01..2019-03".to_owned()]).unwrap();
        assert_eq!(given.len(), 1);
        assert!(given[0].covers(2019 * 12, 2019 * 12));
        assert!(breaks(false, &["2019-13".to_owned()]).unwrap_err().starts_with("--break: "));
    }
}
