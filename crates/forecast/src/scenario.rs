//! The stock-and-flow scenario model: what happens to rough sleeping and the by-name list if a
//! capacity or a rate changes from a date ("200 fewer hotel rooms from July", "move-on 20%
//! faster").
//!
//! People are in one of the states of [`byname_stats::states`] each month: on the street (new,
//! intermittent, living on the streets), in a hotel, night shelter, assessment hub, longer-term
//! accommodation, a tenancy or an institution, or away for so many months. The model is fitted
//! to the stored events:
//! - **monthly transition rates** between states, counted over the last `window` months before
//!   the fit ends, one set for winter (December to February, when night shelters open) and one
//!   for the rest of the year;
//! - **arrivals** (people coming into view for the first time) by calendar month, the mean of
//!   the same month over the last few years, leaving out months in a structural break;
//! - **capacities** of the hotels, night shelters, hubs and longer-term accommodation, taken as
//!   their highest occupancy in the window;
//! - the share of each state that is **active on the by-name list**, to turn states into that
//!   figure.
//!
//! A projection is a seeded Monte Carlo simulation. Each path draws its own rates from their
//! posterior (a Dirichlet on the counted moves) and its own level of arrivals (their
//! year-to-year spread), then moves people month by month: multinomial draws for the moves,
//! Poisson draws for arrivals. Capacities bind: when more people would move into a kind of
//! accommodation than it has free places, only as many move in as fit and the rest stay where
//! they were (someone on the street stays on the street). Rooms close as they empty: a capacity
//! cut evicts nobody, it stops admissions until occupancy is under the new capacity. Baseline
//! and scenario paths share their random numbers, so the difference between them is the
//! change's, not noise.
//!
//! Hand-written: no crate does stock-and-flow simulation of this kind, and the model is the
//! product's own account of how people move through the partnership's services.

use crate::Step;
use crate::breaks::Break;
use byname_stats::states::{Counts, Panel, STATES, State};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution, Gamma, Poisson, StandardNormal};
use serde::Serialize;
use std::fmt;

/// The longest projection, in months.
pub const MAX_MONTHS: usize = 60;
/// The fewest months of history before the fit ends: a first year, when everyone already on
/// the street is new to the data, and a year of real arrivals.
pub const MIN_HISTORY: usize = 24;
/// Months at the start of the data whose arrivals are not counted: everyone already on the
/// street then is new to the data, not to the street.
const WARM_UP_MONTHS: usize = 12;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ScenarioError {
    #[error("{0:?} is not a change: expected NAME=AMOUNT, such as hotel_capacity=-200 or move_on=+20%")]
    NotAChange(String),
    #[error("no change is called {0:?}; these are: {known}", known = Lever::known())]
    UnknownLever(String),
    #[error("{lever} changes by a percentage, such as {lever}=+20% (got {amount:?})")]
    RateNeedsPercent { lever: Lever, amount: String },
    #[error("{amount:?} is not an amount for {lever}: expected a whole number of places (-200) or a percentage (-50%)")]
    BadAmount { lever: Lever, amount: String },
    #[error("{lever} would fall by {percent}%: a rate can fall by 100% at most")]
    RateBelowZero { lever: Lever, percent: f64 },
    #[error(
        "{lever} would be {result} from {from}: the fitted capacity is {baseline} places and the changes add up to {change}; a capacity cannot be negative"
    )]
    NegativeCapacity { lever: Lever, baseline: u32, change: i64, result: i64, from: String },
    #[error("a scenario projects at least one month")]
    ZeroMonths,
    #[error("{0} months is more than {MAX_MONTHS} months ahead: nothing can be said that far out")]
    TooFar(usize),
    #[error("the change from {from} starts before the first projected month, {first}: a scenario changes the future")]
    ChangeInThePast { from: String, first: String },
    #[error("the fit would end in {fit_to}, but the data run from {first} to {last}")]
    FitOutsideData { fit_to: String, first: String, last: String },
    #[error(
        "only {0} months of history come before the fit's end: at least {MIN_HISTORY} are needed to estimate the rates"
    )]
    TooShort(usize),
    #[error("at least one simulation path is needed")]
    NoPaths,
}

/// What a change acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lever {
    HotelCapacity,
    ShelterCapacity,
    HubCapacity,
    LongTermCapacity,
    /// People coming onto the street for the first time.
    Arrivals,
    /// From emergency accommodation into longer-term accommodation or a tenancy.
    MoveOn,
    /// From the street or away into any accommodation.
    Placement,
    /// From away back onto the street.
    Returns,
}

impl Lever {
    pub const ALL: [Lever; 8] = [
        Lever::HotelCapacity,
        Lever::ShelterCapacity,
        Lever::HubCapacity,
        Lever::LongTermCapacity,
        Lever::Arrivals,
        Lever::MoveOn,
        Lever::Placement,
        Lever::Returns,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Lever::HotelCapacity => "hotel_capacity",
            Lever::ShelterCapacity => "shelter_capacity",
            Lever::HubCapacity => "hub_capacity",
            Lever::LongTermCapacity => "longterm_capacity",
            Lever::Arrivals => "arrivals",
            Lever::MoveOn => "move_on",
            Lever::Placement => "placement",
            Lever::Returns => "returns",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Lever::HotelCapacity => "hotel rooms",
            Lever::ShelterCapacity => "night shelter beds",
            Lever::HubCapacity => "assessment hub beds",
            Lever::LongTermCapacity => "longer-term places (hostels, supported housing, Housing First)",
            Lever::Arrivals => "people new to the street each month",
            Lever::MoveOn => "the monthly rate of move-on from emergency into longer-term accommodation",
            Lever::Placement => "the monthly rate of placement from the street into accommodation",
            Lever::Returns => "the monthly rate of return to the street",
        }
    }

    fn known() -> String {
        Lever::ALL.iter().map(|l| l.code()).collect::<Vec<_>>().join(", ")
    }

    /// A number of places, rather than a rate.
    pub fn is_capacity(self) -> bool {
        self.capacity_state().is_some()
    }

    /// The state whose capacity this is.
    fn capacity_state(self) -> Option<State> {
        match self {
            Lever::HotelCapacity => Some(State::Hotel),
            Lever::ShelterCapacity => Some(State::Shelter),
            Lever::HubCapacity => Some(State::Hub),
            Lever::LongTermCapacity => Some(State::LongTerm),
            _ => None,
        }
    }
}

impl fmt::Display for Lever {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The states with a capacity, in [`Lever::ALL`] order.
const CAPACITY_STATES: [State; 4] = [State::Hotel, State::Shelter, State::Hub, State::LongTerm];
const EMERGENCY: [State; 3] = [State::Hotel, State::Shelter, State::Hub];
const STREET: [State; 3] = [State::New, State::Intermittent, State::LivingOnStreets];
const AWAY: [State; 6] =
    [State::Away1, State::Away2, State::Away3, State::Away4To6, State::Away7To12, State::Away13Plus];
const ACCOMMODATION: [State; 6] =
    [State::Hotel, State::Shelter, State::Hub, State::LongTerm, State::Tenancy, State::Institution];

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Amount {
    Places(i64),
    Percent(f64),
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Amount::Places(n) => write!(f, "{n:+}"),
            Amount::Percent(p) => write!(f, "{p:+}%"),
        }
    }
}

/// One change from a month on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Change {
    pub lever: Lever,
    pub amount: Amount,
    /// The month index it applies from.
    pub from: i32,
}

impl Change {
    /// `hotel_capacity=-200`, `hotel_capacity=-50%`, `move_on=+20%`.
    pub fn parse(text: &str, from: i32) -> Result<Change, ScenarioError> {
        let Some((name, amount)) = text.split_once('=') else {
            return Err(ScenarioError::NotAChange(text.to_owned()));
        };
        let name = name.trim();
        let lever = Lever::ALL
            .into_iter()
            .find(|l| l.code() == name || (name == "longer_term_capacity" && *l == Lever::LongTermCapacity))
            .ok_or_else(|| ScenarioError::UnknownLever(name.to_owned()))?;
        let text = amount.trim();
        let bad = || ScenarioError::BadAmount { lever, amount: text.to_owned() };
        let amount = match text.strip_suffix('%') {
            Some(p) => Amount::Percent(p.trim().parse::<f64>().ok().filter(|p| p.is_finite()).ok_or_else(bad)?),
            None if lever.capacity_state().is_none() => {
                return Err(ScenarioError::RateNeedsPercent { lever, amount: text.to_owned() });
            }
            None => Amount::Places(text.parse::<i64>().map_err(|_| bad())?),
        };
        if let (None, Amount::Percent(p)) = (lever.capacity_state(), amount)
            && p < -100.0
        {
            return Err(ScenarioError::RateBelowZero { lever, percent: p });
        }
        Ok(Change { lever, amount, from })
    }

    /// `hotel_capacity -200 from 2024-07`.
    pub fn describe(&self) -> String {
        format!("{} {} from {}", self.lever, self.amount, month_label(self.from))
    }
}

/// What a fit needs besides the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// The last month of data the model learns from; the panel's last month by default.
    pub fit_to: Option<i32>,
    /// Months of moves the rates are counted over.
    pub window: usize,
    /// Years of the same calendar month that arrivals are averaged over.
    pub arrival_years: usize,
    /// Months left out of the arrivals' averages.
    pub breaks: Vec<Break>,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self { fit_to: None, window: 12, arrival_years: 3, breaks: vec![Break::EVERYONE_IN] }
    }
}

/// Moves counted in one season: `[from][to]`.
type Moves = [[f64; STATES]; STATES];

/// The model, fitted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fit {
    /// The last month learnt from (month index); projections start the month after.
    pub fit_to: i32,
    /// The months the rates were counted over.
    pub window_from: i32,
    /// People in each state at the end of `fit_to`.
    pub start: Counts,
    /// Moves counted, for winter (index 0) and the rest of the year (1).
    #[serde(skip)]
    moves: [Moves; 2],
    /// Mean arrivals by calendar month (0 is January) and state.
    #[serde(skip)]
    arrivals: [[f64; STATES]; 12],
    /// The year-to-year spread of arrivals, as the standard deviation of their logarithm.
    pub arrival_spread: f64,
    /// Places in hotels, night shelters, hubs and longer-term accommodation.
    pub capacity: [u32; 4],
    /// The share of each state active on the by-name list.
    #[serde(skip)]
    active_share: [f64; STATES],
}

fn is_winter(month: i32) -> bool {
    matches!(month.rem_euclid(12), 11 | 0 | 1)
}

fn season(month: i32) -> usize {
    usize::from(!is_winter(month))
}

/// `2024-07` for a month index.
pub fn month_label(month: i32) -> String {
    format!("{:04}-{:02}", month.div_euclid(12), month.rem_euclid(12) + 1)
}

/// The month index of `YYYY-MM`.
pub fn parse_month(text: &str) -> Result<i32, String> {
    let month = text.trim().split_once('-').and_then(|(y, m)| {
        let (y, m): (i32, i32) = (y.parse().ok()?, m.parse().ok()?);
        (y.to_string().len() == 4 && (1..=12).contains(&m)).then_some(y * 12 + m - 1)
    });
    month.ok_or_else(|| format!("{text:?} is not a month: expected YYYY-MM, such as 2024-07"))
}

/// Fits the model to the panel's months up to `options.fit_to`.
pub fn fit(panel: &Panel, options: &FitOptions) -> Result<Fit, ScenarioError> {
    let fit_to = options.fit_to.unwrap_or(panel.last_month());
    if fit_to < panel.first_month || fit_to > panel.last_month() {
        return Err(ScenarioError::FitOutsideData {
            fit_to: month_label(fit_to),
            first: month_label(panel.first_month),
            last: month_label(panel.last_month()),
        });
    }
    let end = (fit_to - panel.first_month) as usize;
    if end + 1 < MIN_HISTORY {
        return Err(ScenarioError::TooShort(end + 1));
    }
    let window_start = (end + 1).saturating_sub(options.window.max(1)).max(1);
    let count = |from: usize, to: usize| {
        let mut moves = [[[0.0; STATES]; STATES]; 2];
        for k in from..=to {
            let s = season(panel.first_month + k as i32);
            for (i, row) in panel.moves[k].iter().enumerate() {
                for (j, n) in row.iter().enumerate() {
                    moves[s][i][j] += f64::from(*n);
                }
            }
        }
        moves
    };
    let window = count(window_start, end);
    let history = count(1, end);
    // A row with few moves in its season borrows the other season's, then the whole history's.
    let mut moves = window;
    let pooled =
        |counts: &[Moves; 2], i: usize| -> [f64; STATES] { std::array::from_fn(|j| counts[0][i][j] + counts[1][i][j]) };
    for season in &mut moves {
        for (i, row) in season.iter_mut().enumerate() {
            let total = |row: &[f64; STATES]| row.iter().sum::<f64>();
            if total(row) >= 20.0 {
                continue;
            }
            let both = pooled(&window, i);
            let fallback = if total(&both) >= 20.0 { both } else { pooled(&history, i) };
            row.iter_mut().zip(fallback).for_each(|(r, f)| *r += f);
            if total(row) == 0.0 {
                row[i] = 1.0;
            }
        }
    }
    let mut arrivals = [[0.0; STATES]; 12];
    let mut logs = Vec::new();
    let in_break = |m: i32| options.breaks.iter().any(|b| b.covers(m, m));
    for (calendar, mean) in arrivals.iter_mut().enumerate() {
        let same_month: Vec<usize> =
            (0..=end).rev().filter(|k| (panel.first_month + *k as i32).rem_euclid(12) == calendar as i32).collect();
        let clear: Vec<usize> = same_month
            .iter()
            .copied()
            .filter(|k| *k >= WARM_UP_MONTHS && !in_break(panel.first_month + *k as i32))
            .take(options.arrival_years.max(1))
            .collect();
        // When every such month is in a break, the break's figures are all there is.
        let used =
            if clear.is_empty() { same_month.into_iter().take(options.arrival_years.max(1)).collect() } else { clear };
        // In the data's first year everyone already on the street counts as arriving.
        let used: Vec<usize> = used.into_iter().filter(|k| *k >= WARM_UP_MONTHS).collect();
        for k in &used {
            for (j, n) in panel.arrivals[*k].iter().enumerate() {
                mean[j] += f64::from(*n) / used.len() as f64;
            }
        }
        let totals: Vec<f64> = used.iter().map(|k| f64::from(panel.arrivals[*k].iter().sum::<u32>())).collect();
        let average = totals.iter().sum::<f64>() / totals.len().max(1) as f64;
        logs.extend(totals.iter().filter(|t| **t > 0.0 && average > 0.0).map(|t| (t / average).ln()));
    }
    let spread = if logs.len() > 1 {
        let mean = logs.iter().sum::<f64>() / logs.len() as f64;
        (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / (logs.len() - 1) as f64).sqrt()
    } else {
        0.1
    };
    let mut capacity = [0u32; 4];
    for (c, state) in CAPACITY_STATES.iter().enumerate() {
        capacity[c] = (window_start..=end).map(|k| panel.stocks[k][state.index()]).max().unwrap_or(0);
    }
    let mut active_share = [0.0; STATES];
    for (s, share) in active_share.iter_mut().enumerate() {
        let stock: u32 = (window_start..=end).map(|k| panel.stocks[k][s]).sum();
        let active: u32 = (window_start..=end).map(|k| panel.active[k][s]).sum();
        *share = if stock > 0 { f64::from(active) / f64::from(stock) } else { 0.0 };
    }
    Ok(Fit {
        fit_to,
        window_from: panel.first_month + window_start as i32,
        start: panel.stocks[end],
        moves,
        arrivals,
        arrival_spread: spread.clamp(0.02, 0.5),
        capacity,
        active_share,
    })
}

impl Fit {
    /// The monthly rate, over the window and both seasons weighted by their moves, at which
    /// people in `from` move to `to`.
    pub fn rate(&self, from: &[State], to: &[State]) -> f64 {
        let (mut moved, mut all) = (0.0, 0.0);
        for s in 0..2 {
            for f in from {
                let row = &self.moves[s][f.index()];
                all += row.iter().sum::<f64>();
                moved += to.iter().map(|t| row[t.index()]).sum::<f64>();
            }
        }
        if all > 0.0 { moved / all } else { 0.0 }
    }

    /// The fitted capacity of a capacity lever.
    pub fn capacity_of(&self, lever: Lever) -> Option<u32> {
        let state = lever.capacity_state()?;
        CAPACITY_STATES.iter().position(|s| *s == state).map(|c| self.capacity[c])
    }

    /// Mean arrivals a month over the year ahead.
    pub fn arrivals_per_month(&self) -> f64 {
        self.arrivals.iter().map(|m| m.iter().sum::<f64>()).sum::<f64>() / 12.0
    }
}

/// The figures a projection follows, with what they count.
pub const TRACKED: [(&str, &str); 8] = [
    ("chain.total", "people seen rough sleeping in the month"),
    ("chain.new", "people seen rough sleeping for the first time"),
    ("chain.living_on_streets", "people living on the streets"),
    ("bfz.active", "people active on the by-name list at the month's end"),
    ("occupancy.hotel", "people in hotels"),
    ("occupancy.night_shelter", "people in night shelters"),
    ("occupancy.assessment_hub", "people in assessment hubs"),
    ("occupancy.longer_term", "people in longer-term accommodation"),
];

fn tracked_values(stock: &[f64; STATES], share: &[f64; STATES]) -> [f64; TRACKED.len()] {
    let at = |s: State| stock[s.index()];
    [
        STREET.iter().map(|s| at(*s)).sum(),
        at(State::New),
        at(State::LivingOnStreets),
        (0..STATES).map(|s| stock[s] * share[s]).sum(),
        at(State::Hotel),
        at(State::Shelter),
        at(State::Hub),
        at(State::LongTerm),
    ]
}

/// The same figures as recorded, for a month of the panel.
pub fn recorded(panel: &Panel, k: usize) -> [f64; TRACKED.len()] {
    let stock: [f64; STATES] = panel.stocks[k].map(f64::from);
    let mut values = tracked_values(&stock, &[0.0; STATES]);
    values[3] = f64::from(panel.active[k].iter().sum::<u32>());
    values
}

/// How a projection is run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunOptions {
    pub months: usize,
    pub paths: usize,
    pub seed: u64,
}

/// One figure, month by month: the baseline and the scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Track {
    pub metric: &'static str,
    pub baseline: Vec<Step>,
    pub scenario: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Projection {
    /// The first projected month (month index).
    pub first: i32,
    pub changes: Vec<Change>,
    /// Capacities from each change's month, per capacity lever changed.
    pub capacities: Vec<(Lever, i32, i64)>,
    pub tracks: Vec<Track>,
    pub paths: usize,
    pub seed: u64,
}

impl Projection {
    pub fn label(&self, step: usize) -> String {
        month_label(self.first + step as i32)
    }

    pub fn track(&self, metric: &str) -> Option<&Track> {
        self.tracks.iter().find(|t| t.metric == metric)
    }
}

/// Checks the changes against the fit and returns, for each capacity lever changed, its
/// capacity from each change's month.
fn plan(fit: &Fit, changes: &[Change], first: i32) -> Result<Vec<(Lever, i32, i64)>, ScenarioError> {
    let mut capacities = Vec::new();
    for change in changes {
        if change.from < first {
            return Err(ScenarioError::ChangeInThePast { from: month_label(change.from), first: month_label(first) });
        }
        let Some(baseline) = fit.capacity_of(change.lever) else { continue };
        let total: i64 = changes
            .iter()
            .filter(|c| c.lever == change.lever && c.from <= change.from)
            .map(|c| places(c.amount, baseline))
            .sum();
        let result = i64::from(baseline) + total;
        if result < 0 {
            return Err(ScenarioError::NegativeCapacity {
                lever: change.lever,
                baseline,
                change: total,
                result,
                from: month_label(change.from),
            });
        }
        capacities.push((change.lever, change.from, result));
    }
    Ok(capacities)
}

fn places(amount: Amount, baseline: u32) -> i64 {
    match amount {
        Amount::Places(n) => n,
        Amount::Percent(p) => (f64::from(baseline) * p / 100.0).round() as i64,
    }
}

/// Projects the baseline and the scenario `options.months` months after the fit.
pub fn project(fit: &Fit, changes: &[Change], options: RunOptions) -> Result<Projection, ScenarioError> {
    let RunOptions { months, paths, seed } = options;
    if months == 0 {
        return Err(ScenarioError::ZeroMonths);
    }
    if months > MAX_MONTHS {
        return Err(ScenarioError::TooFar(months));
    }
    if paths == 0 {
        return Err(ScenarioError::NoPaths);
    }
    let first = fit.fit_to + 1;
    let capacities = plan(fit, changes, first)?;
    let mut baseline = vec![vec![Vec::with_capacity(paths); months]; TRACKED.len()];
    let mut scenario = baseline.clone();
    for path in 0..paths {
        let draw = Draw::new(fit, seed, path as u64);
        let runs = [(&[][..], &mut baseline), (changes, &mut scenario)];
        for (changes, out) in runs {
            let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, path as u64, 1));
            simulate(fit, &draw, changes, months, &mut rng, |step, values| {
                for (t, v) in values.iter().enumerate() {
                    out[t][step].push(*v);
                }
            });
        }
    }
    let summarise = |per_month: Vec<Vec<f64>>| per_month.into_iter().map(bands).collect::<Vec<Step>>();
    let tracks = TRACKED
        .iter()
        .zip(baseline.into_iter().zip(scenario))
        .map(|((metric, _), (b, s))| Track { metric, baseline: summarise(b), scenario: summarise(s) })
        .collect();
    Ok(Projection { first, changes: changes.to_vec(), capacities, tracks, paths, seed })
}

/// The median and the 80% and 95% ranges of one month's paths.
fn bands(mut values: Vec<f64>) -> Step {
    values.sort_by(f64::total_cmp);
    let q = |p: f64| {
        let at = p * (values.len() - 1) as f64;
        let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
        values[lo] + (values[hi] - values[lo]) * (at - lo as f64)
    };
    Step { point: q(0.5), lower_80: q(0.1), upper_80: q(0.9), lower_95: q(0.025), upper_95: q(0.975) }
}

/// A seed for path `path` and stream `stream`, by SplitMix64, so paths do not depend on how many
/// there are.
fn mix(seed: u64, path: u64, stream: u64) -> u64 {
    let mut z = seed ^ path.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One path's parameters: rates from their posterior and a level of arrivals.
struct Draw {
    /// Transition probabilities by season, `[from][to]`.
    rates: [Moves; 2],
    arrival_level: f64,
}

impl Draw {
    fn new(fit: &Fit, seed: u64, path: u64) -> Draw {
        let mut rng = ChaCha8Rng::seed_from_u64(mix(seed, path, 0));
        let mut rates = [[[0.0; STATES]; STATES]; 2];
        for (drawn, counted) in rates.iter_mut().zip(&fit.moves) {
            for (i, (out, row)) in drawn.iter_mut().zip(counted).enumerate() {
                // Dirichlet(counts + 1/2 where any were counted): independent gammas, normalised.
                for (r, n) in out.iter_mut().zip(row) {
                    *r = if *n > 0.0 {
                        Gamma::new(n + 0.5, 1.0).map(|d| d.sample(&mut rng)).unwrap_or(0.0)
                    } else {
                        0.0
                    };
                }
                let sum: f64 = out.iter().sum();
                if sum > 0.0 {
                    out.iter_mut().for_each(|r| *r /= sum);
                } else {
                    out[i] = 1.0;
                }
            }
        }
        let z: f64 = StandardNormal.sample(&mut rng);
        Draw { rates, arrival_level: (z * fit.arrival_spread).exp() }
    }
}

/// Where people go when the accommodation they would have moved into is full: those in
/// accommodation stay where they are; the others carry on as the people in their state who
/// were not placed anywhere do, by the row's moves to places without a capacity.
fn refused(rates: &Moves, from: usize, n: u32, rng: &mut ChaCha8Rng) -> [u32; STATES] {
    let mut out = [0u32; STATES];
    let mut row = rates[from];
    for state in CAPACITY_STATES {
        row[state.index()] = 0.0;
    }
    row[State::Gone.index()] = 0.0;
    let mass: f64 = row.iter().sum();
    if CAPACITY_STATES.iter().any(|s| s.index() == from) || mass <= 0.0 {
        out[from] = n;
    } else {
        row.iter_mut().for_each(|p| *p /= mass);
        multinomial(n, &row, &mut out, rng);
    }
    out
}

/// Multiplies the rates from `from` into `to` by `factor`, taking the difference from (or
/// giving it to) the row's other moves in proportion.
fn scale(rates: &mut Moves, from: &[State], to: &[State], factor: f64) {
    for f in from {
        let row = &mut rates[f.index()];
        let into: f64 = to.iter().map(|t| row[t.index()]).sum();
        let rest = 1.0 - into;
        let wanted = (into * factor).min(1.0);
        if into <= 0.0 {
            continue;
        }
        let other = if rest > 0.0 { (1.0 - wanted) / rest } else { 1.0 };
        for (j, r) in row.iter_mut().enumerate() {
            *r *= if to.iter().any(|t| t.index() == j) { wanted / into } else { other };
        }
    }
}

fn simulate(
    fit: &Fit,
    draw: &Draw,
    changes: &[Change],
    months: usize,
    rng: &mut ChaCha8Rng,
    mut record: impl FnMut(usize, [f64; TRACKED.len()]),
) {
    let mut stock: Counts = fit.start;
    let mut waiting = [[0u32; STATES]; 4];
    for step in 0..months {
        let month = fit.fit_to + 1 + step as i32;
        let mut rates = draw.rates[season(month)];
        // The baseline's rates carry on as fitted; a capacity binds once a change sets it.
        let mut capacity: [Option<i64>; 4] = [None; 4];
        let mut arrival_factor = draw.arrival_level;
        for change in changes.iter().filter(|c| c.from <= month) {
            let factor = match change.amount {
                Amount::Percent(p) => 1.0 + p / 100.0,
                Amount::Places(_) => 1.0,
            };
            match change.lever {
                Lever::Arrivals => arrival_factor *= factor,
                Lever::MoveOn => scale(&mut rates, &EMERGENCY, &[State::LongTerm, State::Tenancy], factor),
                Lever::Placement => {
                    let from: Vec<State> = STREET.iter().chain(&AWAY).copied().collect();
                    scale(&mut rates, &from, &ACCOMMODATION, factor)
                }
                Lever::Returns => scale(&mut rates, &AWAY, &STREET, factor),
                lever => {
                    let c =
                        CAPACITY_STATES.iter().position(|s| Some(*s) == lever.capacity_state()).expect("a capacity");
                    let now = capacity[c].unwrap_or(i64::from(fit.capacity[c]));
                    capacity[c] = Some(now + places(change.amount, fit.capacity[c]));
                }
            }
        }
        // Everyone's move this month.
        let mut flows = [[0u32; STATES]; STATES];
        for i in 0..STATES {
            multinomial(stock[i], &rates[i], &mut flows[i], rng);
        }
        let calendar = month.rem_euclid(12) as usize;
        let mut arrivals = [0u32; STATES];
        for (j, a) in arrivals.iter_mut().enumerate() {
            let lambda = fit.arrivals[calendar][j] * arrival_factor;
            *a = if lambda > 0.0 { Poisson::new(lambda).map(|d| d.sample(rng) as u32).unwrap_or(0) } else { 0 };
        }
        // Capacities bind: those who do not fit stay where they were, and wait.
        let mut unused = [0u64; 4];
        let mut turned_away = [[0u32; STATES]; 4];
        for (c, state) in CAPACITY_STATES.iter().enumerate() {
            let Some(capacity) = capacity[c] else { continue };
            let s = state.index();
            let staying = i64::from(flows[s][s]);
            let free = (capacity - staying).max(0) as u64;
            let demand: u64 =
                (0..STATES).filter(|i| *i != s).map(|i| u64::from(flows[i][s])).sum::<u64>() + u64::from(arrivals[s]);
            if demand <= free {
                unused[c] = free - demand;
                continue;
            }
            // Places go to the would-be movers at random: each origin keeps a share drawn
            // without replacement (sequential hypergeometric by binomial thinning).
            let mut left_places = free;
            let mut left_demand = demand;
            for i in (0..STATES).filter(|i| *i != s) {
                let wanted = u64::from(flows[i][s]);
                if wanted == 0 {
                    continue;
                }
                let admitted = take(wanted, left_places, left_demand, rng);
                left_places -= admitted;
                left_demand -= wanted;
                flows[i][s] = admitted as u32;
                for (to, n) in refused(&rates, i, (wanted - admitted) as u32, rng).iter().enumerate() {
                    flows[i][to] += n;
                    turned_away[c][to] += n;
                }
            }
            // Newcomers who do not fit find somewhere else: they do not enter the model.
            arrivals[s] = take(u64::from(arrivals[s]), left_places, left_demand, rng) as u32;
        }
        let mut next = arrivals;
        for row in &flows {
            for (j, n) in row.iter().enumerate() {
                next[j] += n;
            }
        }
        // Places left free go first to those turned away last month who are still waiting
        // where they were sent: the model's waiting list.
        for (c, state) in CAPACITY_STATES.iter().enumerate() {
            let mut free = unused[c];
            for (j, waiting) in waiting[c].iter().enumerate() {
                let moved = u64::from(*waiting).min(free).min(u64::from(next[j])) as u32;
                next[j] -= moved;
                next[state.index()] += moved;
                free -= u64::from(moved);
            }
        }
        waiting = turned_away;
        next[State::Gone.index()] = 0;
        stock = next;
        let as_f64 = stock.map(f64::from);
        record(step, tracked_values(&as_f64, &fit.active_share));
    }
}

/// How many of `wanted` get one of `places` when `demand` people compete for them at random.
fn take(wanted: u64, places: u64, demand: u64, rng: &mut ChaCha8Rng) -> u64 {
    if wanted == 0 || places == 0 {
        return 0;
    }
    if places >= demand {
        return wanted;
    }
    let share = places as f64 / demand as f64;
    let drawn = Binomial::new(wanted, share).map(|d| d.sample(rng)).unwrap_or(0);
    drawn.min(places)
}

/// `n` people split among destinations with probabilities `p`, by successive binomials.
fn multinomial(n: u32, p: &[f64; STATES], out: &mut [u32; STATES], rng: &mut ChaCha8Rng) {
    let mut left = u64::from(n);
    let mut mass = 1.0;
    for j in 0..STATES {
        if left == 0 {
            break;
        }
        let q = if mass > 0.0 { (p[j] / mass).clamp(0.0, 1.0) } else { 1.0 };
        let k =
            if j == STATES - 1 || q >= 1.0 { left } else { Binomial::new(left, q).map(|d| d.sample(rng)).unwrap_or(0) };
        out[j] = k as u32;
        left -= k;
        mass -= p[j];
    }
}

/// How the projection compares with what was recorded, for months the data also has.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub metric: &'static str,
    /// Months compared.
    pub months: usize,
    /// The error of the scenario's median, and of the baseline's: the sum of absolute errors
    /// over the sum of recorded figures, in percent (weighted absolute percentage error, which
    /// stays meaningful when a figure falls towards zero).
    pub error_scenario: f64,
    pub error_baseline: f64,
    /// The mean recorded figure over the months compared.
    pub recorded_mean: f64,
    /// Share of recorded months inside the scenario's 80% and 95% ranges.
    pub coverage_80: f64,
    pub coverage_95: f64,
}

/// The recorded figures of the months after the fit, next to the projection.
pub fn check(panel: &Panel, projection: &Projection) -> Vec<Check> {
    let mut checks = Vec::new();
    for (t, (metric, _)) in TRACKED.iter().enumerate() {
        let Some(track) = projection.track(metric) else { continue };
        let (mut n, mut total, mut err_s, mut err_b, mut in80, mut in95) = (0usize, 0.0, 0.0, 0.0, 0usize, 0usize);
        for (step, (s, b)) in track.scenario.iter().zip(&track.baseline).enumerate() {
            let month = projection.first + step as i32;
            let Ok(k) = usize::try_from(month - panel.first_month) else { continue };
            if k >= panel.months() {
                break;
            }
            let actual = recorded(panel, k)[t];
            n += 1;
            total += actual;
            err_s += (s.point - actual).abs();
            err_b += (b.point - actual).abs();
            in80 += usize::from(s.lower_80 <= actual && actual <= s.upper_80);
            in95 += usize::from(s.lower_95 <= actual && actual <= s.upper_95);
        }
        if n > 0 && total > 0.0 {
            let n_f = n as f64;
            checks.push(Check {
                metric,
                months: n,
                error_scenario: 100.0 * err_s / total,
                error_baseline: 100.0 * err_b / total,
                recorded_mean: total / n_f,
                coverage_80: in80 as f64 / n_f,
                coverage_95: in95 as f64 / n_f,
            });
        }
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A panel made by a known process, month by month in whole people: 100 newcomers a month,
    /// a fifth of whom get a hotel room, rooms freed by move-on into longer-term places.
    fn known_panel(months: usize) -> Panel {
        use State::*;
        let rules: &[(State, &[(State, f64)])] = &[
            (New, &[(Intermittent, 0.3), (Hotel, 0.2), (Away1, 0.5)]),
            (Intermittent, &[(Intermittent, 0.5), (LivingOnStreets, 0.2), (Hotel, 0.1), (Away1, 0.2)]),
            (LivingOnStreets, &[(LivingOnStreets, 0.7), (Hotel, 0.1), (Away1, 0.2)]),
            (Hotel, &[(Hotel, 0.8), (LongTerm, 0.15), (Away1, 0.05)]),
            (LongTerm, &[(LongTerm, 0.95), (Away1, 0.05)]),
            (Away1, &[(Intermittent, 0.1), (Away2, 0.9)]),
            (Away2, &[(Intermittent, 0.05), (Away3, 0.95)]),
            (Away3, &[(Away4To6, 1.0)]),
            (Away4To6, &[(Away4To6, 0.6), (Away7To12, 0.4)]),
            (Away7To12, &[(Away7To12, 0.8), (Away13Plus, 0.2)]),
            (Away13Plus, &[(Away13Plus, 1.0)]),
        ];
        let mut panel = Panel {
            first_month: 2018 * 12,
            stocks: vec![[0; STATES]; months],
            active: vec![[0; STATES]; months],
            moves: vec![[[0; STATES]; STATES]; months],
            arrivals: vec![[0; STATES]; months],
        };
        for k in 0..months {
            let mut stock = [0u32; STATES];
            if k > 0 {
                for (from, to) in rules {
                    let n = panel.stocks[k - 1][from.index()];
                    let mut left = n;
                    for (i, (state, p)) in to.iter().enumerate() {
                        let moved = if i + 1 == to.len() { left } else { (f64::from(n) * p).round() as u32 };
                        let moved = moved.min(left);
                        left -= moved;
                        panel.moves[k][from.index()][state.index()] += moved;
                        stock[state.index()] += moved;
                    }
                }
            }
            panel.arrivals[k][New.index()] = 100;
            stock[New.index()] += 100;
            panel.stocks[k] = stock;
            for s in STREET {
                panel.active[k][s.index()] = stock[s.index()];
            }
        }
        panel
    }

    fn run(fit: &Fit, changes: &[Change]) -> Projection {
        project(fit, changes, RunOptions { months: 18, paths: 60, seed: 7 }).unwrap()
    }

    #[test]
    fn changes_are_read_with_their_units_and_bad_ones_are_named() {
        let from = 2024 * 12 + 6;
        assert_eq!(
            Change::parse("hotel_capacity=-200", from),
            Ok(Change { lever: Lever::HotelCapacity, amount: Amount::Places(-200), from })
        );
        assert_eq!(Change::parse("move_on=+20%", from).unwrap().amount, Amount::Percent(20.0));
        assert_eq!(Change::parse("longer_term_capacity=-10%", from).unwrap().lever, Lever::LongTermCapacity);
        let unknown = Change::parse("beds=-200", from).unwrap_err().to_string();
        assert!(unknown.contains("\"beds\"") && unknown.contains("hotel_capacity"), "{unknown}");
        let rate = Change::parse("move_on=20", from).unwrap_err().to_string();
        assert!(rate.contains("move_on=+20%"), "{rate}");
        assert!(matches!(Change::parse("hotel_capacity=lots", from), Err(ScenarioError::BadAmount { .. })));
        assert!(matches!(Change::parse("arrivals=-150%", from), Err(ScenarioError::RateBelowZero { .. })));
        assert!(matches!(Change::parse("hotel_capacity", from), Err(ScenarioError::NotAChange(_))));
    }

    #[test]
    fn the_fit_recovers_the_rates_and_capacities_of_the_process() {
        let panel = known_panel(120);
        let fit = fit(&panel, &FitOptions { breaks: vec![], ..FitOptions::default() }).unwrap();
        assert_eq!(fit.fit_to, panel.last_month());
        assert!((fit.rate(&[State::Hotel], &[State::LongTerm]) - 0.15).abs() < 0.01);
        assert!((fit.rate(&[State::New], &[State::Hotel]) - 0.2).abs() < 0.01);
        assert!((fit.arrivals_per_month() - 100.0).abs() < 1e-9);
        let hotel = fit.capacity_of(Lever::HotelCapacity).unwrap();
        assert_eq!(
            hotel,
            panel.stocks[119][State::Hotel.index()],
            "the process is steady, so the peak is the last month"
        );
    }

    #[test]
    fn a_steady_process_is_projected_steady_and_the_same_seed_gives_the_same_paths() {
        let panel = known_panel(120);
        let fit = fit(&panel, &FitOptions::default()).unwrap();
        let a = run(&fit, &[]);
        assert_eq!(a, run(&fit, &[]));
        let recorded_total = recorded(&panel, 119)[0];
        let total = &a.track("chain.total").unwrap().baseline;
        for step in total {
            assert!((step.point - recorded_total).abs() / recorded_total < 0.08, "{step:?} against {recorded_total}");
            assert!(step.lower_95 <= step.lower_80 && step.lower_80 <= step.point && step.point <= step.upper_80);
            assert!(step.upper_80 <= step.upper_95 && step.lower_95 < step.upper_95);
        }
    }

    #[test]
    fn fewer_hotel_rooms_leave_more_people_on_the_street_and_rooms_close_as_they_empty() {
        let panel = known_panel(120);
        let fit = fit(&panel, &FitOptions::default()).unwrap();
        let from = fit.fit_to + 3;
        let rooms = i64::from(fit.capacity_of(Lever::HotelCapacity).unwrap());
        let cut = Change::parse(&format!("hotel_capacity=-{}", rooms / 2), from).unwrap();
        let p = run(&fit, &[cut]);
        let without = run(&fit, &[]);
        assert_eq!(p.track("chain.total").unwrap().baseline, without.track("chain.total").unwrap().baseline);
        let hotel = p.track("occupancy.hotel").unwrap();
        let street = p.track("chain.total").unwrap();
        for step in 0..2 {
            assert_eq!(hotel.scenario[step], hotel.baseline[step], "nothing changes before the change's month");
        }
        let last = 17;
        assert!(hotel.scenario[last].upper_95 <= (rooms - rooms / 2) as f64, "{:?}", hotel.scenario[last]);
        assert!(street.scenario[last].point > street.baseline[last].point * 1.1, "{:?}", street.scenario[last]);
        // Nobody is evicted: from the change's month (step 2), occupancy falls no faster than
        // people leave on their own.
        let stay = fit.rate(&[State::Hotel], &[State::Hotel]);
        for k in 2..6 {
            let before = hotel.scenario[k - 1].point;
            assert!(hotel.scenario[k].point >= before * stay * 0.9, "{:?} after {before}", hotel.scenario[k]);
            assert!(hotel.scenario[k].point < hotel.baseline[k].point, "no new rooms are let while over capacity");
        }
    }

    #[test]
    fn faster_move_on_empties_hotels_sooner_and_more_arrivals_mean_more_new_people() {
        let panel = known_panel(120);
        let fit = fit(&panel, &FitOptions::default()).unwrap();
        let first = fit.fit_to + 1;
        let p =
            run(&fit, &[Change::parse("move_on=+50%", first).unwrap(), Change::parse("arrivals=+30%", first).unwrap()]);
        let new = p.track("chain.new").unwrap();
        assert!(new.scenario[5].point > new.baseline[5].point * 1.2, "{:?} {:?}", new.scenario[5], new.baseline[5]);
        let longer = p.track("occupancy.longer_term").unwrap();
        assert!(longer.scenario[17].point > longer.baseline[17].point, "more people moved on");
    }

    #[test]
    fn impossible_scenarios_are_refused_with_the_reason() {
        let panel = known_panel(120);
        let fit = fit(&panel, &FitOptions::default()).unwrap();
        let first = fit.fit_to + 1;
        let rooms = fit.capacity_of(Lever::HotelCapacity).unwrap();
        let too_many = Change::parse(&format!("hotel_capacity=-{}", rooms + 200), first).unwrap();
        let err = project(&fit, &[too_many], RunOptions { months: 12, paths: 10, seed: 1 }).unwrap_err();
        assert!(matches!(err, ScenarioError::NegativeCapacity { result: -200, .. }), "{err}");
        assert!(err.to_string().contains(&format!("the fitted capacity is {rooms} places")), "{err}");
        let past = Change::parse("arrivals=+10%", first - 1).unwrap();
        assert!(matches!(
            project(&fit, &[past], RunOptions { months: 12, paths: 10, seed: 1 }),
            Err(ScenarioError::ChangeInThePast { .. })
        ));
        let none = RunOptions { months: 0, paths: 10, seed: 1 };
        assert_eq!(project(&fit, &[], none), Err(ScenarioError::ZeroMonths));
        let short = known_panel(6);
        assert_eq!(super::fit(&short, &FitOptions::default()), Err(ScenarioError::TooShort(6)));
        assert_eq!(super::fit(&known_panel(23), &FitOptions::default()), Err(ScenarioError::TooShort(23)));
        let outside = FitOptions { fit_to: Some(2030 * 12), ..FitOptions::default() };
        assert!(matches!(super::fit(&panel, &outside), Err(ScenarioError::FitOutsideData { .. })));
    }

    #[test]
    fn the_check_compares_the_months_after_the_fit_with_what_was_recorded() {
        let panel = known_panel(120);
        let fit = fit(&panel, &FitOptions { fit_to: Some(panel.first_month + 107), ..FitOptions::default() }).unwrap();
        let p = run(&fit, &[]);
        let checks = check(&panel, &p);
        let total = checks.iter().find(|c| c.metric == "chain.total").unwrap();
        assert_eq!(total.months, 12, "twelve recorded months after the fit; the projection runs 18");
        assert!(total.error_scenario < 8.0, "{total:?}");
        assert!(total.coverage_95 >= 0.8, "{total:?}");
    }
}
