//! The key statistics report as sections of tables, built once and written in
//! every format, so the web page, CSV, JSON and spreadsheet always agree.
//! Each row carries its metric id; each figure is as published (exact for the
//! Strategic Group, disclosure-controlled with `--public`).

use byname_domain::age::AgeBand;
use byname_domain::codes::{DepartureReason, History, StayType, SupportNeed};
use byname_domain::nationality::NationalityGroup;
use byname_stats::disclosure::{Published, Shown, publish};
use byname_stats::metrics::{Metrics, Unit, base_id};
use byname_stats::{Figures, KeyStatistics};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chart {
    /// Horizontal bars, one per row.
    Bars,
    /// A line over months, with its twelve-month average.
    Trend,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: String,
    pub label: String,
    pub unit: Unit,
    pub value: Shown,
    pub previous: Option<Shown>,
    pub year_ago: Option<Shown>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Short, unique: the page anchor and the CSV's `table` column.
    pub key: String,
    /// The spreadsheet's sheet name: unique, readable, at most 31 characters, chosen for the
    /// table (never cut from its title).
    pub sheet: String,
    pub title: String,
    /// What the figures' column holds, when not the period's figures ("People seen" over the
    /// trend's months).
    pub heading: Option<String>,
    pub rows: Vec<Row>,
    pub chart: Option<Chart>,
    /// Whether the previous period and a year earlier are columns of this table.
    pub compare: bool,
    /// One figure by month (rows are months): the page shows a section's monthly tables
    /// together, months across.
    pub monthly: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub key: &'static str,
    pub title: &'static str,
    pub intro: String,
    pub tables: Vec<Table>,
}

#[derive(Debug, Clone)]
pub struct View {
    pub title: String,
    pub period: String,
    /// The span reported: `2024/25`, or `2026/27 to 30 November: 8 of 12 months`.
    pub period_label: String,
    pub previous_label: Option<String>,
    pub year_ago_label: Option<String>,
    /// The labels as column headings: `2026/27 to 30 Nov`.
    pub period_heading: String,
    pub previous_heading: Option<String>,
    pub year_ago_heading: Option<String>,
    /// The last day counted, when the period is cut where the data end (a period in progress).
    pub to: Option<String>,
    pub public: bool,
    pub generated_at: String,
    pub sections: Vec<Section>,
    pub settings: Vec<(&'static str, String)>,
    pub findings: Vec<String>,
    /// Every figure as shown, for JSON: id and value (`None` when withheld).
    pub all: Vec<(String, Option<f64>)>,
    pub single_night: Option<String>,
}

/// What a metric id is called on the page.
pub fn label(id: &str) -> String {
    let base = base_id(id);
    let value = id.strip_prefix(base).and_then(|rest| rest.strip_prefix(".by_")).and_then(|rest| rest.split_once('.'));
    if let Some((dimension, code)) = value {
        return match dimension {
            "nationality_group" => NationalityGroup::from_code(code).map_or(code.to_owned(), |g| g.label().to_owned()),
            "age_band" => {
                AgeBand::ALL.iter().find(|b| b.code() == code).map_or(code.to_owned(), |b| b.label().to_owned())
            }
            "sex" => match code {
                "not_known" => "Not known".to_owned(),
                other => capitalise(other),
            },
            "support_need" => needs_label(code),
            "need" => SupportNeed::parse(code).map_or(code.to_owned(), |n| n.label().to_owned()),
            "history" => History::parse(code).map_or(code.to_owned(), |h| h.label().to_owned()),
            "stay_type" => StayType::parse(code).map_or(code.to_owned(), |s| s.label().to_owned()),
            "reason" => match code {
                "not_recorded" => "Not recorded".to_owned(),
                other => DepartureReason::parse(other).map_or(other.to_owned(), |r| r.label().to_owned()),
            },
            "times_seen" => match code {
                "1" => "Once".to_owned(),
                "over_20" => "Over 20 times".to_owned(),
                range => format!("{} times", range.replace('_', " to ")),
            },
            "quarters_seen" => format!("{code} quarter{}", if code == "1" { "" } else { "s" }),
            _ => code.to_owned(),
        };
    }
    match id {
        "chain.total" => "Seen rough sleeping",
        "chain.new" => "New to the streets",
        "chain.living_on_streets" => "Living on the streets",
        "chain.new_and_living_on_streets" => "New and living on the streets",
        "chain.intermittent" => "Intermittent rough sleepers",
        "chain.flow" => "Flow (new this year)",
        "chain.stock" => "Stock (also seen last year)",
        "chain.returner" => "Returners",
        "chain.new_seen_once_pct" => "New people seen only once (%)",
        "ers.r1_over_month" => "R1 seen over the month",
        "ers.r1_single_night" => "R1 seen on a single night",
        "ers.r1_over_month_per_100k" => "R1 over the month per 100,000 residents",
        "ers.r1_single_night_per_100k" => "R1 single night per 100,000 residents",
        "ers.p1_new" => "P1 new (not seen in five years)",
        "ers.p2_left_institution" => "P2 left an institution",
        "ers.b1_long_term" => "B1 long term",
        "ers.nr1_returning" => "NR1 returning",
        "ers.moved_into_accommodation" => "Moved into accommodation",
        "ers.returned_after_accommodation" => "Returned after moving into accommodation",
        "ers.nights_out" => "Nights known to be spent out",
        "ers.days_to_long_term_accommodation.people" => "People moving into long-term accommodation",
        "ers.days_to_long_term_accommodation.median" => "Median days from first seen to long-term accommodation",
        "ers.days_to_long_term_accommodation.mean" => "Mean days from first seen to long-term accommodation",
        "bfz.active" => "Active on the by-name list",
        "bfz.newly_identified" => "Newly identified",
        "bfz.returned_from_housing" => "Returned from housing",
        "bfz.returned_from_inactive" => "Returned from inactive",
        "bfz.housed" => "Housed",
        "bfz.moved_to_inactive" => "Moved to inactive",
        "bfz.time_to_housing.median_days" => "Median days from identification to housing",
        "bfz.time_to_housing.mean_days" => "Mean days from identification to housing",
        other => other,
    }
    .to_owned()
}

/// `alcohol_mental_health` as "Alcohol and mental health".
fn needs_label(code: &str) -> String {
    if code == "none" {
        return "None of the three".to_owned();
    }
    let parts: Vec<&str> = [("alcohol", "alcohol"), ("drugs", "drugs"), ("mental_health", "mental health")]
        .iter()
        .filter(|(token, _)| code.contains(token))
        .map(|(_, words)| *words)
        .collect();
    capitalise(&parts.join(" and "))
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

struct Builder<'a> {
    now: &'a Figures,
    shown: Published,
    previous: Option<Published>,
    year_ago: Option<Published>,
    public: bool,
}

impl Builder<'_> {
    fn shown_in(&self, published: &Published, figures: &Figures, id: &str) -> Option<Shown> {
        if self.public { published.get(id) } else { figures.metrics.get(id).map(Shown::Value) }
    }

    fn row(&self, id: &str, previous: Option<&Figures>, year_ago: Option<&Figures>) -> Option<Row> {
        let metric = self.now.metrics.metric(id)?;
        let value = self.shown_in(&self.shown, self.now, id)?;
        let other = |published: &Option<Published>, figures: Option<&Figures>| {
            let (published, figures) = (published.as_ref()?, figures?);
            self.shown_in(published, figures, id)
        };
        Some(Row {
            id: id.to_owned(),
            label: label(id),
            unit: metric.unit,
            value,
            previous: other(&self.previous, previous),
            year_ago: other(&self.year_ago, year_ago),
        })
    }
}

fn period_label(figures: &Figures) -> String {
    figures.label()
}

/// `March 2025`.
fn month_label<M: std::fmt::Display>((year, month): (i32, M)) -> String {
    format!("{month} {year}")
}

/// Builds the report's sections from the key statistics.
pub fn build(stats: &KeyStatistics, public: bool, generated_at: &str) -> View {
    let settings = &stats.settings;
    let builder = Builder {
        now: &stats.figures,
        shown: publish(&stats.figures.metrics, settings),
        previous: stats.previous.as_ref().map(|f| publish(&f.metrics, settings)),
        year_ago: stats
            .year_ago
            .as_ref()
            .filter(|y| stats.previous.as_ref().is_none_or(|p| p.period != y.period))
            .map(|f| publish(&f.metrics, settings)),
        public,
    };
    // For a financial year the previous period is the year before: one comparison, not two.
    let year_ago = stats.year_ago.as_ref().filter(|y| stats.previous.as_ref().is_none_or(|p| p.period != y.period));
    let previous = stats.previous.as_ref();
    let rows = |ids: &[&str]| -> Vec<Row> { ids.iter().filter_map(|id| builder.row(id, previous, year_ago)).collect() };
    let breakdown = |id: &str, dimension: &str| -> Vec<Row> {
        let ids: Vec<String> = stats
            .figures
            .metrics
            .breakdown(id, dimension)
            .iter()
            .map(|(code, _)| format!("{id}.by_{dimension}.{code}"))
            .collect();
        ids.iter().filter_map(|i| builder.row(i, previous, year_ago)).collect()
    };
    let table = |key: &str, title: &str, rows: Vec<Row>, chart: Option<Chart>, compare: bool| Table {
        key: key.to_owned(),
        sheet: key.to_owned(),
        title: title.to_owned(),
        heading: None,
        rows,
        chart,
        compare,
        monthly: false,
    };
    let monthly = |key: String, sheet: &str, title: String, rows: Vec<Row>| Table {
        key: key.chars().take(31).collect(),
        sheet: sheet.to_owned(),
        heading: Some(title.clone()),
        title,
        rows,
        chart: None,
        compare: false,
        monthly: true,
    };
    let sheet = |mut table: Table, sheet: &str| {
        table.sheet = sheet.to_owned();
        table
    };
    let figures = &stats.figures;
    let metrics = &figures.metrics;
    let month_rows = |id: &str| -> Vec<Row> {
        metrics
            .breakdown(id, "month")
            .iter()
            .filter_map(|(code, _)| {
                let mut row = builder.row(&format!("{id}.by_month.{code}"), None, None)?;
                row.label = (*code).to_owned();
                Some(row)
            })
            .collect()
    };

    // The single night is shown with its date wherever it is.
    let dated_night = |rows: Vec<Row>| -> Vec<Row> {
        rows.into_iter()
            .map(|mut row| {
                if let (true, Some(night)) = (row.id == "ers.r1_single_night", figures.single_night) {
                    row.label = format!("{} ({night})", row.label);
                }
                row
            })
            .collect()
    };
    let mut sections = Vec::new();
    sections.push(Section {
        key: "headlines",
        title: "Headlines",
        intro: match figures.to {
            None => format!(
                "People seen rough sleeping in {}, with the change from the previous period and from the same period a \
                 year earlier.",
                period_label(figures)
            ),
            Some(to) => format!(
                "{} is in progress: the figures run from {} to {to}, the last day of data ({}). They are compared like \
                 for like: with the previous period and the same period a year earlier, each cut to as long.",
                figures.period.label(),
                figures.period.start(),
                period_label(figures).split(": ").nth(1).unwrap_or_default()
            ),
        },
        tables: vec![table(
            "Headlines",
            "Headline figures",
            dated_night(rows(&[
                "chain.total",
                "chain.new",
                "chain.living_on_streets",
                "chain.intermittent",
                "chain.new_seen_once_pct",
                "ers.r1_single_night",
                "bfz.active",
                "bfz.housed",
            ])),
            None,
            true,
        )],
    });
    let mut flow = vec![table(
        "Flow",
        "New, living on the streets and intermittent",
        rows(&[
            "chain.total",
            "chain.new",
            "chain.living_on_streets",
            "chain.new_and_living_on_streets",
            "chain.intermittent",
        ]),
        Some(Chart::Bars),
        true,
    )];
    if metrics.get("chain.flow").is_some() {
        flow.push(sheet(
            table(
                "Flow stock returner",
                "Flow, stock and returners over the year",
                rows(&["chain.flow", "chain.stock", "chain.returner"]),
                Some(Chart::Bars),
                true,
            ),
            "Flow, stock and returners",
        ));
        flow.push(table(
            "Quarters seen",
            "People by the number of quarters seen",
            breakdown("chain.total", "quarters_seen"),
            None,
            true,
        ));
    }
    flow.push(table(
        "Times seen",
        "People by times seen rough sleeping",
        breakdown("chain.total", "times_seen"),
        Some(Chart::Bars),
        true,
    ));
    sections.push(Section {
        key: "flow",
        title: "Flow",
        intro: "Who is new to the streets, who is living on them and who comes and goes (CHAIN definitions).".into(),
        tables: flow,
    });

    // The monthly indicators of one month (the last complete one), and the period's own figures
    // apart, each table holding what its caption says.
    let single_night_row = || dated_night(rows(&["ers.r1_single_night"]));
    let night_in_month = figures.single_night.is_some_and(|night| {
        figures.indicator_month.is_some_and(|(year, month)| night.year() == year && night.month() == month)
    });
    let mut month_rows_ers: Vec<Row> = rows(&["ers.r1_over_month", "ers.r1_over_month_per_100k"]);
    if night_in_month {
        month_rows_ers.extend(single_night_row());
        month_rows_ers.extend(rows(&["ers.r1_single_night_per_100k"]));
    }
    month_rows_ers.extend(rows(&[
        "ers.p1_new",
        "ers.p2_left_institution",
        "ers.b1_long_term",
        "ers.nr1_returning",
        "ers.moved_into_accommodation",
        "ers.returned_after_accommodation",
        "ers.nights_out",
    ]));
    let month_title = match figures.indicator_month {
        Some(month) if figures.to.is_some() => {
            format!("Monthly indicators for {}, the last complete month of the period", month_label(month))
        }
        Some(month) => format!("Monthly indicators for {}, the last month of the period", month_label(month)),
        None => format!("Monthly indicators for the days so far, {} to {}", figures.period.start(), figures.end()),
    };
    let mut period_rows_ers: Vec<Row> = Vec::new();
    if !night_in_month {
        period_rows_ers.extend(single_night_row());
        period_rows_ers.extend(rows(&["ers.r1_single_night_per_100k"]));
    }
    period_rows_ers.extend(rows(&[
        "ers.days_to_long_term_accommodation.people",
        "ers.days_to_long_term_accommodation.median",
        "ers.days_to_long_term_accommodation.mean",
    ]));
    let mut ers_tables = vec![
        sheet(table("Framework", &month_title, month_rows_ers, None, true), "ERS indicators, last month"),
        sheet(
            table(
                "Framework period",
                "Over the whole period: the single night and moves into long-term accommodation",
                period_rows_ers,
                None,
                true,
            ),
            "ERS over the whole period",
        ),
    ];
    for (id, name) in [
        ("ers.r1_over_month", "ERS R1 by month"),
        ("ers.p1_new", "ERS P1 by month"),
        ("ers.p2_left_institution", "ERS P2 by month"),
        ("ers.b1_long_term", "ERS B1 by month"),
        ("ers.nr1_returning", "ERS NR1 by month"),
        ("ers.moved_into_accommodation", "ERS moved in by month"),
        ("ers.returned_after_accommodation", "ERS returned by month"),
        ("ers.nights_out", "ERS nights out by month"),
    ] {
        let by_month = month_rows(id);
        if by_month.len() > 1 {
            ers_tables.push(monthly(format!("{} by month", label(id)), name, label(id), by_month));
        }
    }
    sections.push(Section {
        key: "framework",
        title: "Ending Rough Sleeping Data Framework",
        intro: format!(
            "The government's monthly indicators: rare (R1), prevented (P1, P2), brief (B1) and non-recurrent (NR1).{}",
            figures.single_night.map(|n| format!(" The single night is the street count of {n}.")).unwrap_or_default()
        ),
        tables: ers_tables,
    });

    let bfz_ids = [
        "bfz.active",
        "bfz.newly_identified",
        "bfz.returned_from_housing",
        "bfz.returned_from_inactive",
        "bfz.housed",
        "bfz.moved_to_inactive",
    ];
    let mut bfz_tables = vec![sheet(
        table(
            "Built for Zero",
            &match figures.to {
                None => "Active at the period's end, inflow and outflow over the period".to_owned(),
                Some(to) => format!("Active on {to}, the last day of data, and inflow and outflow to then"),
            },
            rows(&[&bfz_ids[..], &["bfz.time_to_housing.median_days", "bfz.time_to_housing.mean_days"]].concat()),
            None,
            true,
        ),
        "BfZ active, inflow and outflow",
    )];
    let bfz_sheets = [
        "BfZ active by month",
        "BfZ newly identified by month",
        "BfZ back from housing by month",
        "BfZ back from inactive by month",
        "BfZ housed by month",
        "BfZ to inactive by month",
    ];
    for (id, name) in bfz_ids.into_iter().zip(bfz_sheets) {
        let by_month = month_rows(id);
        if by_month.len() > 1 {
            bfz_tables.push(monthly(format!("BfZ {} by month", label(id)), name, label(id), by_month));
        }
    }
    sections.push(Section {
        key: "built-for-zero",
        title: "By-name list (Built for Zero)",
        intro: format!(
            "Active means seen within {} days of the month's end and not housed, deceased or moved away since.",
            settings.bfz.inactivity_days
        ),
        tables: bfz_tables,
    });

    sections.push(Section {
        key: "breakdowns",
        title: "Who is sleeping rough",
        intro: "People seen rough sleeping in the period, by nationality, age, sex, support needs and history. \
                A person with several needs or histories is counted under each."
            .into(),
        tables: vec![
            table(
                "Nationality",
                "By nationality group",
                breakdown("chain.total", "nationality_group"),
                Some(Chart::Bars),
                true,
            ),
            table(
                "New by nationality",
                "New people by nationality group",
                breakdown("chain.new", "nationality_group"),
                None,
                true,
            ),
            table(
                "Age",
                "By age band (age at the first contact in the period)",
                breakdown("chain.total", "age_band"),
                Some(Chart::Bars),
                true,
            ),
            table("Sex", "By sex", breakdown("chain.total", "sex"), None, true),
            table(
                "Needs",
                "By support needs: alcohol, drugs and mental health",
                breakdown("chain.total", "support_need"),
                Some(Chart::Bars),
                true,
            ),
            table("Each need", "By each support need", breakdown("chain.total", "need"), None, true),
            table("History", "By institutional history", breakdown("chain.total", "history"), None, true),
            table(
                "Organisation",
                "By the team or service that saw them",
                breakdown("chain.total", "organisation"),
                None,
                true,
            ),
            table("Area", "By area", breakdown("chain.total", "area"), None, true),
        ],
    });
    sections.push(Section {
        key: "outcomes",
        title: "Outcomes",
        intro: "Arrivals into accommodation, institutions and reconnection, and departures, in the period.".into(),
        tables: vec![
            table("Arrivals", "Arrivals by type", breakdown("outcomes.arrivals", "stay_type"), Some(Chart::Bars), true),
            table("Departures", "Departures by reason", breakdown("outcomes.departures", "reason"), None, true),
        ],
    });
    sections.push(Section {
        key: "trend",
        title: "Monthly trend",
        intro: {
            let months = metrics.breakdown("chain.total", "month");
            let (first, last) = (months.first().map_or("", |m| m.0), months.last().map_or("", |m| m.0));
            format!(
                "People seen rough sleeping each month over the {} months from {first} to {last}{}, with the average of \
                 the twelve months to each month: the line shows the seasons, the average the trend.",
                settings.chain.trend_months,
                if figures.to.is_some() { ", the last complete month" } else { "" }
            )
        },
        tables: vec![Table {
            heading: Some("People seen".into()),
            ..table("Trend", "People seen each month", month_rows("chain.total"), Some(Chart::Trend), false)
        }],
    });

    // The data quality counts follow the rule too when public, and a percentage is worked out
    // from the counts as shown (withheld with either of them), so it gives nothing more away.
    let quality = &stats.quality;
    let mut quality_counts = Metrics::default();
    for (id, n) in [
        ("quality.persons", quality.persons),
        ("quality.linked_chain_inform", quality.linked_chain_inform),
        ("quality.inform_records", quality.inform_records),
        ("quality.awaiting_review", quality.awaiting_review),
        ("quality.missing_date_of_birth", quality.missing_date_of_birth),
        ("quality.missing_nationality", quality.missing_nationality),
    ] {
        quality_counts.count(id, n);
    }
    let quality_published = publish(&quality_counts, settings);
    let count = |id: &str| -> Shown {
        if public {
            quality_published.get(id).unwrap_or(Shown::Withheld)
        } else {
            quality_counts.get(id).map_or(Shown::Withheld, Shown::Value)
        }
    };
    let share = |id: &str| match (count(id), count("quality.persons")) {
        (Shown::Value(n), Shown::Value(persons)) => Shown::Value(if persons > 0.0 { 100.0 * n / persons } else { 0.0 }),
        _ => Shown::Withheld,
    };
    let quality_row = |id: &str, label: &str, value: Shown, unit: Unit| Row {
        id: id.to_owned(),
        label: label.to_owned(),
        unit,
        value,
        previous: None,
        year_ago: None,
    };
    let quality_rows = vec![
        quality_row("quality.persons", "Persons (all records linked)", count("quality.persons"), Unit::Count),
        quality_row(
            "quality.linked_chain_inform",
            "Persons linked across CHAIN and Inform",
            count("quality.linked_chain_inform"),
            Unit::Count,
        ),
        quality_row("quality.inform_records", "Inform records", count("quality.inform_records"), Unit::Count),
        quality_row(
            "quality.awaiting_review",
            "Record pairs awaiting linkage review",
            count("quality.awaiting_review"),
            Unit::Count,
        ),
        quality_row(
            "quality.missing_date_of_birth_pct",
            "Persons with no date of birth (%)",
            share("quality.missing_date_of_birth"),
            Unit::Percent,
        ),
        quality_row(
            "quality.missing_nationality_pct",
            "Persons with no nationality (%)",
            share("quality.missing_nationality"),
            Unit::Percent,
        ),
    ];
    let quality_shown: Vec<(String, Option<f64>)> = quality_rows
        .iter()
        .map(|row| {
            let value = match row.value {
                Shown::Value(v) => Some(v),
                Shown::Withheld => None,
            };
            (row.id.clone(), value)
        })
        .collect();
    sections.push(Section {
        key: "data-quality",
        title: "Data quality",
        intro: "How far the figures can be trusted: how the records are linked and what they lack.".into(),
        tables: vec![table("Data quality", "The data behind the figures", quality_rows, None, false)],
    });

    let all = metrics
        .iter()
        .map(|m| {
            let shown = builder.shown_in(&builder.shown, figures, &m.id);
            let value = match shown {
                Some(Shown::Value(v)) => Some(v),
                _ => None,
            };
            (m.id.clone(), value)
        })
        .chain(quality_shown)
        .collect();
    // A finding that states exact counts stays in the internal report.
    let mut findings: Vec<String> =
        figures.findings.iter().filter(|f| !(public && f.states_counts())).map(|f| f.message.clone()).collect();
    if public && figures.findings.iter().any(|f| f.states_counts()) {
        findings.push(
            "Some findings state exact counts and are left out of this public report; the internal report has them."
                .into(),
        );
    }
    if !figures.findings.iter().any(|f| f.id == "bfz.invariant") {
        findings
            .push("Built for Zero: every month's active count equals last month's plus inflow minus outflow.".into());
    }
    View {
        title: format!("Key statistics: {}", period_label(figures)),
        period: figures.period.to_string(),
        period_label: period_label(figures),
        previous_label: previous.map(period_label),
        year_ago_label: year_ago.map(period_label),
        period_heading: figures.short_label(),
        previous_heading: previous.map(Figures::short_label),
        year_ago_heading: year_ago.map(Figures::short_label),
        to: figures.to.map(|d| d.to_string()),
        public,
        generated_at: generated_at.to_owned(),
        sections,
        settings: settings.entries(),
        findings,
        all,
        single_night: figures.single_night.map(|d| d.to_string()),
    }
}
