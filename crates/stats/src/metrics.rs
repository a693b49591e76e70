//! Figures with stable ids (DOMAIN.md section 6), in the order a report shows
//! them. Breakdowns append `.by_DIMENSION.VALUE` to the id they break down.

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A number of people (or events): subject to disclosure control.
    Count,
    /// A share in percent, computed from counts.
    Percent,
    /// People per 100,000 residents.
    Rate,
    /// A number of days (a mean or median).
    Days,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub id: String,
    pub value: f64,
    pub unit: Unit,
    /// For a percentage, rate or average: the count it was computed from, so that disclosure
    /// control can withhold it when that count is withheld.
    pub from: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    entries: Vec<Metric>,
    index: HashMap<String, usize>,
}

impl Metrics {
    pub fn count(&mut self, id: impl Into<String>, value: u64) {
        self.push(Metric { id: id.into(), value: value as f64, unit: Unit::Count, from: None });
    }

    pub fn derived(&mut self, id: impl Into<String>, value: f64, unit: Unit, from: &str) {
        self.push(Metric { id: id.into(), value, unit, from: Some(from.to_owned()) });
    }

    pub fn push(&mut self, metric: Metric) {
        match self.index.get(&metric.id) {
            Some(&i) => self.entries[i] = metric,
            None => {
                self.index.insert(metric.id.clone(), self.entries.len());
                self.entries.push(metric);
            }
        }
    }

    pub fn get(&self, id: &str) -> Option<f64> {
        self.index.get(id).map(|&i| self.entries[i].value)
    }

    pub fn metric(&self, id: &str) -> Option<&Metric> {
        self.index.get(id).map(|&i| &self.entries[i])
    }

    pub fn iter(&self) -> impl Iterator<Item = &Metric> {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The values of one breakdown (`prefix.by_DIMENSION.`), in order, as `(value code, figure)`.
    pub fn breakdown(&self, id: &str, dimension: &str) -> Vec<(&str, f64)> {
        let prefix = format!("{id}.by_{dimension}.");
        self.entries.iter().filter_map(|m| m.id.strip_prefix(&prefix).map(|code| (code, m.value))).collect()
    }
}

/// The base id of a metric: the part before any `.by_` breakdown.
pub fn base_id(id: &str) -> &str {
    match id.find(".by_") {
        Some(i) => &id[..i],
        None => id,
    }
}

/// What each base id means, in words a reader can check against DOMAIN.md.
pub fn definition(id: &str) -> Option<&'static str> {
    Some(match base_id(id) {
        "chain.total" => "People seen rough sleeping (at least one bedded-down contact) in the period.",
        "chain.new" => "People seen rough sleeping in the period and never seen before its start.",
        "chain.living_on_streets" => {
            "People with a high number of contacts over three weeks or more: at least the set number of bedded-down contacts on different days in the period, the first and last at least the set number of days apart."
        }
        "chain.new_and_living_on_streets" => "New people who went straight to living on the streets.",
        "chain.intermittent" => "People seen in the period and before it, and not living on the streets.",
        "chain.flow" => "Financial year: people never seen before the year.",
        "chain.stock" => "Financial year: people also seen in the year before.",
        "chain.returner" => "Financial year: people seen before the previous year but not in it.",
        "chain.new_seen_once_pct" => "Share of new people with exactly one bedded-down contact in the period.",
        "chain.times_seen" => "People by the number of bedded-down contacts in the period.",
        "chain.quarters_seen" => "Financial year: people by the number of quarters they were seen in.",
        "ers.r1_over_month" => "R1: people seen rough sleeping over the month.",
        "ers.r1_single_night" => "R1: people seen bedded down on the single night (the street count's night).",
        "ers.r1_over_month_per_100k" => "R1 over the month per 100,000 residents.",
        "ers.r1_single_night_per_100k" => "R1 on the single night per 100,000 residents.",
        "ers.p1_new" => "P1: seen in the month and not seen in the set number of months before that sighting.",
        "ers.p2_left_institution" => {
            "P2: seen in the month and discharged from prison, hospital, care or asylum accommodation within the set number of days before the sighting."
        }
        "ers.b1_long_term" => "B1: seen in the month and in at least the set number of the last twelve months.",
        "ers.nr1_returning" => {
            "NR1: seen in the month and before, and either not seen in the set number of days before this month's first sighting or moved into accommodation since the last sighting."
        }
        "ers.moved_into_accommodation" => "People seen rough sleeping before who moved into accommodation.",
        "ers.returned_after_accommodation" => {
            "People seen in the month who had moved into accommodation since they were last seen rough sleeping."
        }
        "ers.nights_out" => {
            "Nights known to be spent out: each person's distinct nights seen bedded down in the month."
        }
        "ers.days_to_long_term_accommodation" => {
            "Days from first seen rough sleeping to moving into long-term accommodation (hostel, supported housing, Housing First, a tenancy)."
        }
        "bfz.active" => {
            "Active on the last day of the month: seen within the inactivity window and not housed, deceased or moved away since."
        }
        "bfz.newly_identified" => "Inflow: became active for the first time.",
        "bfz.returned_from_housing" => "Inflow: active again after being housed.",
        "bfz.returned_from_inactive" => "Inflow: active again after being inactive.",
        "bfz.housed" => "Outflow: moved from active into long-term accommodation.",
        "bfz.moved_to_inactive" => {
            "Outflow: moved from active to inactive (window passed, a long stay in an institution, moved away, died)."
        }
        "bfz.time_to_housing" => {
            "Days from identification (first contact) to housing, for people housed in the period."
        }
        "outcomes.arrivals" => "Arrivals into accommodation, institutions or reconnection in the period, by type.",
        "outcomes.departures" => "Departures in the period, by reason.",
        _ => return None,
    })
}
