//! Every threshold DOMAIN.md marks "(default)" is a named setting here, read
//! from one TOML file and printed in every report that uses it. An unknown key
//! or an impossible value is an error naming the key, never a silent default.

use serde::Deserialize;

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    pub chain: ChainSettings,
    pub ers: ErsSettings,
    pub bfz: BfzSettings,
    pub disclosure: DisclosureSettings,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChainSettings {
    /// Living on the streets: at least this many bedded-down contacts on different days in the period...
    pub living_on_streets_min_contacts: u32,
    /// ...the first and last at least this many days apart.
    pub living_on_streets_min_span_days: u32,
    /// Areas (boroughs) that make up the partnership; empty means every area in the data.
    pub areas: Vec<String>,
    /// Months of monthly trend in a report.
    pub trend_months: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ErsSettings {
    /// P1: not seen in this many months before the sighting.
    pub new_lookback_months: u32,
    /// P2: discharged from an institution within this many days before the sighting.
    pub left_institution_days: u32,
    /// B1: seen in at least this many of the last `long_term_window_months` months.
    pub long_term_months_seen: u32,
    pub long_term_window_months: u32,
    /// NR1: not seen in this many days before the month's first sighting.
    pub returning_gap_days: u32,
    /// Residents, for rates per 100,000.
    pub population: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BfzSettings {
    /// Active: seen within this many days of the month's last day.
    pub inactivity_days: u32,
    /// Inactive while in an institution for longer than this many days.
    pub institution_days: u32,
}

/// The rule for published figures (DOMAIN.md section 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisclosureRule {
    /// Counts of 1 to 7 shown as `*`, every other count rounded to the nearest 5.
    Nhs,
    /// Counts of 1 to 4 suppressed, others exact.
    Under5,
    /// Counts of 1 to 9 suppressed, others exact.
    Under10,
}

impl DisclosureRule {
    /// Counts from 1 to this are withheld.
    pub fn withholds_up_to(self) -> u64 {
        match self {
            Self::Nhs => 7,
            Self::Under5 => 4,
            Self::Under10 => 9,
        }
    }

    /// The other counts are rounded to the nearest multiple of this (1: exact).
    pub fn rounds_to(self) -> u64 {
        match self {
            Self::Nhs => 5,
            Self::Under5 | Self::Under10 => 1,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Nhs => "nhs",
            Self::Under5 => "under5",
            Self::Under10 => "under10",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DisclosureSettings {
    pub rule: DisclosureRule,
    /// The stricter rule for tables of special-category data (needs, health, history). It is
    /// applied on top of `rule`: a count either rule withholds is withheld, and the rest are
    /// rounded as the coarser of the two rounds, so `under10` under the NHS rule withholds 1 to
    /// 9 and rounds the rest to the nearest 5.
    pub special_category_rule: DisclosureRule,
}

impl Default for ChainSettings {
    fn default() -> Self {
        Self {
            living_on_streets_min_contacts: 3,
            living_on_streets_min_span_days: 21,
            areas: Vec::new(),
            trend_months: 36,
        }
    }
}

impl Default for ErsSettings {
    fn default() -> Self {
        Self {
            new_lookback_months: 60,
            left_institution_days: 85,
            long_term_months_seen: 3,
            long_term_window_months: 12,
            returning_gap_days: 90,
            // Westminster's usual residents at the 2021 census.
            population: 204_300,
        }
    }
}

impl Default for BfzSettings {
    fn default() -> Self {
        Self { inactivity_days: 90, institution_days: 90 }
    }
}

impl Default for DisclosureSettings {
    fn default() -> Self {
        Self { rule: DisclosureRule::Nhs, special_category_rule: DisclosureRule::Under10 }
    }
}

/// The settings file with every default, commented: `byname report example-settings`.
pub const EXAMPLE: &str = r#"# byname statistics settings. Every key is optional; these are the defaults.
# Thresholds DOMAIN.md marks "(default)" are not official: each report prints the values it used.

[chain]
# Living on the streets: at least this many bedded-down contacts on different days in the period,
living_on_streets_min_contacts = 3
# the first and last at least this many days apart.
living_on_streets_min_span_days = 21
# The partnership's areas (boroughs); empty means every area in the data.
areas = []
# Months of monthly trend in the report.
trend_months = 36

[ers]
# P1 new: not seen in this many months before the sighting.
new_lookback_months = 60
# P2: discharged from prison, hospital, care or asylum accommodation within this many days.
left_institution_days = 85
# B1 long term: seen in at least this many of the last long_term_window_months months.
long_term_months_seen = 3
long_term_window_months = 12
# NR1 returning: not seen in this many days before the month's first sighting.
returning_gap_days = 90
# Residents, for rates per 100,000 (Westminster, 2021 census).
population = 204300

[bfz]
# Active: seen within this many days of the month's end.
inactivity_days = 90
# Inactive while in an institution for longer than this many days.
institution_days = 90

[disclosure]
# nhs (1 to 7 withheld, the rest rounded to 5), under5 or under10.
rule = "nhs"
# The stricter rule for special-category tables (needs, history). It adds to the rule above:
# a count either withholds is withheld, and the rest are rounded as the rule above rounds
# (so under10 under nhs withholds 1 to 9 and rounds the rest to the nearest 5).
special_category_rule = "under10"
"#;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SettingsError {
    #[error("{0}")]
    Toml(String),
    #[error("{key} = {value}: {reason}")]
    Value { key: &'static str, value: String, reason: &'static str },
}

impl Settings {
    /// Reads a settings file's text; absent keys keep their defaults.
    pub fn parse(text: &str) -> Result<Self, SettingsError> {
        let settings: Settings =
            toml::from_str(text).map_err(|e| SettingsError::Toml(e.to_string().trim().to_owned()))?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        let positive = |key: &'static str, value: u32| {
            if value == 0 {
                Err(SettingsError::Value { key, value: value.to_string(), reason: "must be at least 1" })
            } else {
                Ok(())
            }
        };
        positive("chain.living_on_streets_min_contacts", self.chain.living_on_streets_min_contacts)?;
        positive("chain.trend_months", self.chain.trend_months)?;
        positive("ers.new_lookback_months", self.ers.new_lookback_months)?;
        positive("ers.left_institution_days", self.ers.left_institution_days)?;
        positive("ers.long_term_months_seen", self.ers.long_term_months_seen)?;
        positive("ers.long_term_window_months", self.ers.long_term_window_months)?;
        positive("ers.returning_gap_days", self.ers.returning_gap_days)?;
        positive("ers.population", self.ers.population)?;
        positive("bfz.inactivity_days", self.bfz.inactivity_days)?;
        positive("bfz.institution_days", self.bfz.institution_days)?;
        if self.ers.long_term_months_seen > self.ers.long_term_window_months {
            return Err(SettingsError::Value {
                key: "ers.long_term_months_seen",
                value: self.ers.long_term_months_seen.to_string(),
                reason: "cannot exceed ers.long_term_window_months",
            });
        }
        if self.chain.trend_months > 240 {
            return Err(SettingsError::Value {
                key: "chain.trend_months",
                value: self.chain.trend_months.to_string(),
                reason: "at most 240 months",
            });
        }
        Ok(())
    }

    /// Every setting with its value, for the report's "settings" section and JSON.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        vec![
            ("chain.living_on_streets_min_contacts", self.chain.living_on_streets_min_contacts.to_string()),
            ("chain.living_on_streets_min_span_days", self.chain.living_on_streets_min_span_days.to_string()),
            ("chain.areas", if self.chain.areas.is_empty() { "all".to_owned() } else { self.chain.areas.join(";") }),
            ("chain.trend_months", self.chain.trend_months.to_string()),
            ("ers.new_lookback_months", self.ers.new_lookback_months.to_string()),
            ("ers.left_institution_days", self.ers.left_institution_days.to_string()),
            ("ers.long_term_months_seen", self.ers.long_term_months_seen.to_string()),
            ("ers.long_term_window_months", self.ers.long_term_window_months.to_string()),
            ("ers.returning_gap_days", self.ers.returning_gap_days.to_string()),
            ("ers.population", self.ers.population.to_string()),
            ("bfz.inactivity_days", self.bfz.inactivity_days.to_string()),
            ("bfz.institution_days", self.bfz.institution_days.to_string()),
            ("disclosure.rule", self.disclosure.rule.code().to_owned()),
            ("disclosure.special_category_rule", self.disclosure.special_category_rule.code().to_owned()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_gives_the_defaults_and_a_partial_one_changes_only_what_it_says() {
        assert_eq!(Settings::parse("").unwrap(), Settings::default());
        let s = Settings::parse("[chain]\nliving_on_streets_min_span_days = 14\n").unwrap();
        assert_eq!(s.chain.living_on_streets_min_span_days, 14);
        assert_eq!(s.chain.living_on_streets_min_contacts, 3);
    }

    #[test]
    fn the_example_file_says_exactly_the_defaults() {
        assert_eq!(Settings::parse(EXAMPLE).unwrap(), Settings::default());
    }

    #[test]
    fn unknown_keys_and_impossible_values_are_refused_by_name() {
        let unknown = Settings::parse("[chain]\nliving_on_the_streets_days = 21\n").unwrap_err().to_string();
        assert!(unknown.contains("living_on_the_streets_days"), "{unknown}");
        let negative = Settings::parse("[ers]\nreturning_gap_days = -90\n").unwrap_err().to_string();
        assert!(negative.contains("returning_gap_days") || negative.contains("-90"), "{negative}");
        let zero = Settings::parse("[bfz]\ninactivity_days = 0\n").unwrap_err();
        assert_eq!(zero.to_string(), "bfz.inactivity_days = 0: must be at least 1");
        let rule = Settings::parse("[disclosure]\nrule = \"under3\"\n").unwrap_err().to_string();
        assert!(rule.contains("under3"), "{rule}");
    }
}
