//! Disclosure control for published figures (DOMAIN.md section 9).
//!
//! - **Primary suppression** by the rule in the settings: the NHS rule (the
//!   default) shows counts of 1 to 7 as `*` and rounds every other count to the
//!   nearest 5; the alternatives suppress counts under 5 or under 10 and show the
//!   rest exactly. Tables of special-category data (needs, history) use the stricter
//!   rule on top of the main one: withheld when either withholds, rounded as the
//!   coarser rounds, so by default 1 to 9 are withheld and the rest rounded to 5.
//! - **Secondary suppression**: a table is cells and the lines they add up along
//!   (a breakdown and its total; the rows and columns of a cross-tabulation and
//!   their margins). A line with exactly one withheld cell would give it away by
//!   subtraction, so more cells are withheld, smallest first, until no line has
//!   exactly one. Then nothing withheld can be worked out along rows and columns:
//!   every step of such working needs a line with a single unknown.
//! - No percentage, rate or average is shown from a withheld count.

use crate::metrics::{Metrics, Unit};
use crate::settings::{DisclosureRule, DisclosureSettings, Settings};
use std::collections::HashMap;

/// A figure as published.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shown {
    Value(f64),
    /// Withheld: shown as `*`.
    Withheld,
}

impl Shown {
    pub fn text(self, decimals: usize) -> String {
        match self {
            Self::Value(v) => format!("{v:.decimals$}"),
            Self::Withheld => "*".to_owned(),
        }
    }
}

/// A rule as applied: counts from 1 to `withholds_up_to` are withheld, the others rounded to
/// the nearest multiple of `rounds_to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub withholds_up_to: u64,
    pub rounds_to: u64,
}

impl Rule {
    pub fn of(rule: DisclosureRule) -> Self {
        Self { withholds_up_to: rule.withholds_up_to(), rounds_to: rule.rounds_to() }
    }

    /// Withholds what either rule withholds and rounds as the coarser rounds.
    pub fn with(self, other: Rule) -> Self {
        Self {
            withholds_up_to: self.withholds_up_to.max(other.withholds_up_to),
            rounds_to: self.rounds_to.max(other.rounds_to),
        }
    }

    /// The main rule of the settings.
    pub fn main(settings: &DisclosureSettings) -> Self {
        Self::of(settings.rule)
    }

    /// The rule for special-category tables: the stricter rule on top of the main one.
    pub fn special_category(settings: &DisclosureSettings) -> Self {
        Self::of(settings.rule).with(Self::of(settings.special_category_rule))
    }

    pub fn is_withheld(self, count: u64) -> bool {
        (1..=self.withholds_up_to).contains(&count)
    }

    /// A count as the rule shows it, when it is not withheld.
    pub fn rounded(self, count: u64) -> u64 {
        (count + self.rounds_to / 2) / self.rounds_to * self.rounds_to
    }

    /// A count as published on its own: withheld or rounded.
    pub fn shown(self, count: u64) -> Shown {
        if self.is_withheld(count) { Shown::Withheld } else { Shown::Value(self.rounded(count) as f64) }
    }
}

/// Whether the rule withholds a count.
pub fn is_withheld(rule: DisclosureRule, count: u64) -> bool {
    Rule::of(rule).is_withheld(count)
}

/// A count as the rule shows it, when it is not withheld.
pub fn rounded(rule: DisclosureRule, count: u64) -> u64 {
    Rule::of(rule).rounded(count)
}

/// Cells that must add up: `members` sum to `total` (all indexes into one table's cells).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub members: Vec<usize>,
    pub total: usize,
}

/// Withholds more cells until no line has exactly one withheld cell. `withheld` starts as
/// the primary suppression. Returns the cells withheld in this step.
pub fn secondary_suppression(values: &[u64], lines: &[Line], withheld: &mut [bool]) -> Vec<usize> {
    let mut added = Vec::new();
    loop {
        let mut changed = false;
        for line in lines {
            let cells: Vec<usize> = line.members.iter().copied().chain([line.total]).collect();
            let n_withheld = cells.iter().filter(|&&c| withheld[c]).count();
            if n_withheld != 1 {
                continue;
            }
            // The smallest other cell, preferring one that is not zero (a withheld zero protects
            // as well arithmetically, but readers learn less from hiding a non-zero), then the
            // one whose other lines already need a partner.
            let candidate =
                cells.iter().copied().filter(|&c| !withheld[c]).min_by_key(|&c| (values[c] == 0, values[c], c));
            if let Some(cell) = candidate {
                withheld[cell] = true;
                added.push(cell);
                changed = true;
            }
        }
        if !changed {
            return added;
        }
    }
}

/// Working out withheld cells by subtraction along lines, as far as it goes: the cells it
/// recovers. Used to test [`secondary_suppression`].
pub fn recoverable(lines: &[Line], withheld: &[bool]) -> Vec<usize> {
    let mut known: Vec<bool> = withheld.iter().map(|w| !w).collect();
    let mut recovered = Vec::new();
    loop {
        let mut progress = false;
        for line in lines {
            let cells: Vec<usize> = line.members.iter().copied().chain([line.total]).collect();
            let unknown: Vec<usize> = cells.iter().copied().filter(|&c| !known[c]).collect();
            if let [cell] = unknown[..] {
                known[cell] = true;
                recovered.push(cell);
                progress = true;
            }
        }
        if !progress {
            return recovered;
        }
    }
}

/// Metrics as published: counts by the rule, breakdown tables protected against
/// subtraction from their total, derived figures withheld with their source.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub shown: HashMap<String, Shown>,
    pub rule: DisclosureRule,
}

impl Published {
    pub fn get(&self, id: &str) -> Option<Shown> {
        self.shown.get(id).copied()
    }
}

/// Breakdowns of special-category data, protected by the stricter rule.
pub fn is_special_category(id: &str) -> bool {
    id.contains(".by_support_need.") || id.contains(".by_need.") || id.contains(".by_history.")
}

pub fn publish(metrics: &Metrics, settings: &Settings) -> Published {
    let (main, special) = (Rule::main(&settings.disclosure), Rule::special_category(&settings.disclosure));
    let rule_for = |id: &str| if is_special_category(id) { special } else { main };
    let counts: Vec<(&str, u64)> =
        metrics.iter().filter(|m| m.unit == Unit::Count).map(|m| (m.id.as_str(), m.value.round() as u64)).collect();
    let index: HashMap<&str, usize> = counts.iter().enumerate().map(|(i, (id, _))| (*id, i)).collect();
    let values: Vec<u64> = counts.iter().map(|(_, v)| *v).collect();
    let mut withheld: Vec<bool> = counts.iter().map(|(id, v)| rule_for(id).is_withheld(*v)).collect();

    // Each breakdown with its total shown is a line: `ID.by_DIM.*` adds up to `ID`, except the
    // breakdowns where a person may be in several cells (needs, history, organisation, area) or
    // that cover part of the total (months, new by nationality only adds up to new).
    let mut groups: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, (id, _)) in counts.iter().enumerate() {
        if let Some(pos) = id.find(".by_") {
            let base = &id[..pos];
            let rest = &id[pos + 4..];
            let dimension = rest.split('.').next().unwrap_or_default();
            if matches!(
                dimension,
                "nationality_group" | "age_band" | "sex" | "support_need" | "times_seen" | "quarters_seen"
            ) {
                groups.entry((base.to_owned(), dimension.to_owned())).or_default().push(i);
            }
        }
    }
    let mut lines: Vec<Line> = groups
        .into_iter()
        .filter_map(|((base, _), members)| index.get(base.as_str()).map(|&total| Line { members, total }))
        .collect();
    // CHAIN's partitions: flow + stock + returner = total, and
    // new + intermittent + living on the streets - new and living on the streets = total.
    // Only which cells a relation ties together matters, not its signs: a relation with one
    // unknown gives it away, whatever the signs.
    let line_of = |members: &[&str], total: &str| -> Option<Line> {
        Some(Line {
            members: members.iter().map(|m| index.get(m).copied()).collect::<Option<_>>()?,
            total: *index.get(total)?,
        })
    };
    lines.extend(line_of(&["chain.flow", "chain.stock", "chain.returner"], "chain.total"));
    lines.extend(line_of(
        &["chain.new", "chain.intermittent", "chain.living_on_streets", "chain.new_and_living_on_streets"],
        "chain.total",
    ));
    lines.sort_by(|a, b| (a.total, &a.members).cmp(&(b.total, &b.members)));
    secondary_suppression(&values, &lines, &mut withheld);

    let mut shown = HashMap::new();
    for (i, (id, value)) in counts.iter().enumerate() {
        let figure = if withheld[i] { Shown::Withheld } else { Shown::Value(rule_for(id).rounded(*value) as f64) };
        shown.insert((*id).to_owned(), figure);
    }
    for metric in metrics.iter().filter(|m| m.unit != Unit::Count) {
        // A figure whose source count is withheld, or not a count at all, is withheld with it.
        let source_withheld =
            metric.from.as_deref().is_some_and(|from| !matches!(shown.get(from), Some(Shown::Value(_))));
        let figure = if source_withheld { Shown::Withheld } else { Shown::Value(metric.value) };
        shown.insert(metric.id.clone(), figure);
    }
    Published { shown, rule: settings.disclosure.rule }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nhs_rule_hides_one_to_seven_and_rounds_the_rest_to_five() {
        let shown: Vec<String> = [0u64, 1, 7, 8, 12, 13, 2102]
            .iter()
            .map(|&c| {
                if is_withheld(DisclosureRule::Nhs, c) {
                    "*".into()
                } else {
                    rounded(DisclosureRule::Nhs, c).to_string()
                }
            })
            .collect();
        assert_eq!(shown, ["0", "*", "*", "10", "10", "15", "2100"]);
        assert!(is_withheld(DisclosureRule::Under10, 9) && !is_withheld(DisclosureRule::Under10, 10));
        assert!(is_withheld(DisclosureRule::Under5, 4) && !is_withheld(DisclosureRule::Under5, 5));
    }

    #[test]
    fn one_hidden_cell_of_a_breakdown_takes_the_next_smallest_with_it() {
        // 3 + 40 + 12 = 55: hiding 3 alone would give it away as 55 - 40 - 12.
        let values = [3, 40, 12, 55];
        let lines = [Line { members: vec![0, 1, 2], total: 3 }];
        let mut withheld = [true, false, false, false];
        assert_eq!(secondary_suppression(&values, &lines, &mut withheld), [2]);
        assert!(recoverable(&lines, &withheld).is_empty());
    }

    #[test]
    fn a_percentage_from_a_hidden_count_is_hidden_too() {
        let mut metrics = Metrics::default();
        metrics.count("chain.new", 4);
        metrics.derived("chain.new_seen_once_pct", 75.0, Unit::Percent, "chain.new");
        metrics.count("chain.total", 120);
        metrics.derived("ers.r1_over_month_per_100k", 58.7, Unit::Rate, "chain.total");
        let published = publish(&metrics, &Settings::default());
        assert_eq!(published.get("chain.new_seen_once_pct"), Some(Shown::Withheld));
        assert_eq!(published.get("chain.total"), Some(Shown::Value(120.0)));
        assert_eq!(published.get("ers.r1_over_month_per_100k"), Some(Shown::Value(58.7)));
    }

    /// A small deterministic generator for the property test (SplitMix64).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// A rows x columns table with row totals, column totals and the grand total, as cells
    /// and lines: cell (r, c) is r * (cols + 1) + c; column `cols` holds row totals, row
    /// `rows` column totals.
    fn cross_table(rng: &mut Rng, rows: usize, cols: usize) -> (Vec<u64>, Vec<Line>) {
        let width = cols + 1;
        let mut values = vec![0u64; (rows + 1) * width];
        for r in 0..rows {
            for c in 0..cols {
                // Many small counts, some zeros, a few large ones.
                values[r * width + c] = match rng.below(10) {
                    0..=1 => 0,
                    2..=5 => 1 + rng.below(9),
                    _ => rng.below(200),
                };
            }
        }
        for r in 0..rows {
            values[r * width + cols] = (0..cols).map(|c| values[r * width + c]).sum();
        }
        for c in 0..=cols {
            values[rows * width + c] = (0..rows).map(|r| values[r * width + c]).sum();
        }
        let mut lines = Vec::new();
        for r in 0..=rows {
            lines.push(Line { members: (0..cols).map(|c| r * width + c).collect(), total: r * width + cols });
        }
        for c in 0..=cols {
            lines.push(Line { members: (0..rows).map(|r| r * width + c).collect(), total: rows * width + c });
        }
        (values, lines)
    }

    #[test]
    fn no_hidden_cell_of_a_random_table_can_be_worked_out_by_subtraction() {
        let mut rng = Rng(2026);
        for case in 0..2_000 {
            let (rows, cols) = (1 + rng.below(6) as usize, 1 + rng.below(7) as usize);
            let (values, lines) = cross_table(&mut rng, rows, cols);
            for rule in [DisclosureRule::Nhs, DisclosureRule::Under5, DisclosureRule::Under10] {
                let mut withheld: Vec<bool> = values.iter().map(|&v| is_withheld(rule, v)).collect();
                let primary = withheld.clone();
                secondary_suppression(&values, &lines, &mut withheld);
                let recovered = recoverable(&lines, &withheld);
                assert!(
                    recovered.is_empty(),
                    "case {case} ({rows}x{cols}, {rule:?}): {recovered:?} of {values:?}, withheld {withheld:?}"
                );
                assert!(primary.iter().zip(&withheld).all(|(p, w)| !p || *w), "primary cells stay withheld");
            }
        }
    }

    #[test]
    fn the_special_category_rule_withholds_more_than_the_main_rule_and_still_rounds() {
        let settings = Settings::default();
        let special = Rule::special_category(&settings.disclosure);
        assert_eq!(special, Rule { withholds_up_to: 9, rounds_to: 5 }, "under10 under the NHS rule");
        let shown: Vec<String> = [0u64, 8, 9, 10, 12, 13, 47].iter().map(|&c| special.shown(c).text(0)).collect();
        assert_eq!(shown, ["0", "*", "*", "10", "10", "15", "45"]);
        for code in ["nhs", "under5", "under10"] {
            let text = format!("[disclosure]\nrule = \"{code}\"\nspecial_category_rule = \"{code}\"\n");
            let parsed = Settings::parse(&text).unwrap();
            let (main, special) = (Rule::main(&parsed.disclosure), Rule::special_category(&parsed.disclosure));
            assert!(special.withholds_up_to >= main.withholds_up_to && special.rounds_to >= main.rounds_to, "{code}");
        }
        // A lax special rule cannot loosen the main one.
        let lax = Settings::parse("[disclosure]\nspecial_category_rule = \"under5\"\n").unwrap();
        assert_eq!(Rule::special_category(&lax.disclosure), Rule { withholds_up_to: 7, rounds_to: 5 });
    }

    /// Random counts for the breakdowns of `total` cut into `cells` parts that add up to it.
    fn split(rng: &mut Rng, total: u64, cells: usize) -> Vec<u64> {
        let mut cuts: Vec<u64> = (0..cells - 1).map(|_| rng.below(total + 1)).collect();
        cuts.sort_unstable();
        let mut parts = Vec::with_capacity(cells);
        let mut last = 0;
        for cut in cuts.into_iter().chain([total]) {
            parts.push(cut - last);
            last = cut;
        }
        parts
    }

    /// A count that is often small.
    fn some_count(rng: &mut Rng) -> u64 {
        match rng.below(10) {
            0..=4 => rng.below(40),
            5..=7 => rng.below(200),
            _ => rng.below(3000),
        }
    }

    /// Random key statistics in the shape `compute` gives them: partitions of the total by
    /// every dimension that partitions it, CHAIN's two partitions, new by nationality, needs,
    /// histories, teams and areas that overlap, months, and percentages and rates from counts.
    /// Returns the metrics with the lines a reader could subtract along.
    fn random_metrics(rng: &mut Rng) -> (Metrics, Vec<(Vec<String>, String)>) {
        let mut metrics = Metrics::default();
        let mut lines = Vec::new();
        let total = some_count(rng);
        metrics.count("chain.total", total);
        // new only, new and living on the streets, living on the streets only, intermittent.
        let parts = split(rng, total, 4);
        let new = parts[0] + parts[1];
        metrics.count("chain.new", new);
        metrics.count("chain.new_and_living_on_streets", parts[1]);
        metrics.count("chain.living_on_streets", parts[1] + parts[2]);
        metrics.count("chain.intermittent", parts[3]);
        lines.push((
            ["chain.new", "chain.intermittent", "chain.living_on_streets", "chain.new_and_living_on_streets"]
                .map(String::from)
                .to_vec(),
            "chain.total".to_owned(),
        ));
        let flow = split(rng, total, 3);
        for (id, n) in ["chain.flow", "chain.stock", "chain.returner"].iter().zip(&flow) {
            metrics.count(*id, *n);
        }
        lines.push((["chain.flow", "chain.stock", "chain.returner"].map(String::from).to_vec(), "chain.total".into()));
        let partitions: [(&str, u64, &str, usize); 7] = [
            ("chain.total", total, "nationality_group", 8),
            ("chain.total", total, "age_band", 7),
            ("chain.total", total, "sex", 4),
            ("chain.total", total, "support_need", 8),
            ("chain.total", total, "times_seen", 5),
            ("chain.total", total, "quarters_seen", 4),
            ("chain.new", new, "nationality_group", 8),
        ];
        for (base, of, dimension, cells) in partitions {
            let ids: Vec<String> = (0..cells).map(|c| format!("{base}.by_{dimension}.c{c}")).collect();
            for (id, n) in ids.iter().zip(split(rng, of, cells)) {
                metrics.count(id.clone(), n);
            }
            lines.push((ids, base.to_owned()));
        }
        // A person may be in several of these, or in none: no line.
        for (dimension, cells) in [("need", 5), ("history", 4), ("organisation", 3), ("area", 3), ("month", 12)] {
            for c in 0..cells {
                let n = rng.below(total + 1).min(if rng.below(2) == 0 { rng.below(15) } else { total });
                metrics.count(format!("chain.total.by_{dimension}.c{c}"), n);
            }
        }
        metrics.count("ers.r1_single_night", rng.below(30));
        metrics.derived("chain.new_seen_once_pct", 12.5, Unit::Percent, "chain.new");
        metrics.derived("ers.r1_single_night_per_100k", 1.2, Unit::Rate, "ers.r1_single_night");
        metrics.derived("need.share_pct", 3.3, Unit::Percent, "chain.total.by_need.c0");
        metrics.derived("support.share_pct", 3.3, Unit::Percent, "chain.total.by_support_need.c1");
        (metrics, lines)
    }

    #[test]
    fn a_public_table_shows_no_exact_count_and_nothing_withheld_can_be_worked_out() {
        let mut rng = Rng(16);
        let mut settings = Settings::default();
        for case in 0..3_000 {
            settings.disclosure.special_category_rule =
                [DisclosureRule::Under10, DisclosureRule::Nhs, DisclosureRule::Under5][case % 3];
            let (metrics, lines) = random_metrics(&mut rng);
            let published = publish(&metrics, &settings);
            let special_up_to = Rule::special_category(&settings.disclosure).withholds_up_to;
            for metric in metrics.iter() {
                let shown = published.get(&metric.id).expect("every metric is published");
                if metric.unit == Unit::Count {
                    let count = metric.value as u64;
                    if let Shown::Value(v) = shown {
                        assert!(v % 5.0 == 0.0, "case {case}: {} = {count} shown as {v}", metric.id);
                    }
                    let up_to = if is_special_category(&metric.id) { special_up_to } else { 7 };
                    if (1..=up_to).contains(&count) {
                        assert_eq!(shown, Shown::Withheld, "case {case}: {} = {count}", metric.id);
                    }
                } else if let Some(from) = &metric.from
                    && published.get(from) == Some(Shown::Withheld)
                {
                    assert_eq!(shown, Shown::Withheld, "case {case}: {} from {from}", metric.id);
                }
            }
            // Subtraction along every line, with the test's own list of lines.
            let ids: Vec<&str> = metrics.iter().filter(|m| m.unit == Unit::Count).map(|m| m.id.as_str()).collect();
            let at = |id: &str| ids.iter().position(|i| *i == id).unwrap();
            let cells: Vec<Line> = lines
                .iter()
                .map(|(members, total)| Line { members: members.iter().map(|m| at(m)).collect(), total: at(total) })
                .collect();
            let withheld: Vec<bool> = ids.iter().map(|id| published.get(id) == Some(Shown::Withheld)).collect();
            let recovered: Vec<&str> = recoverable(&cells, &withheld).into_iter().map(|c| ids[c]).collect();
            assert!(recovered.is_empty(), "case {case}: {recovered:?} can be worked out");
        }
    }
}
