//! The key statistics report in every format, from a small hand-built partnership:
//! the formats agree figure for figure, every figure carries its metric id and links
//! to its definition, and a public report withholds what could identify someone.

use byname_domain::nationality::NationalityGroup;
use byname_domain::period::Period;
use byname_report::{Format, build, render};
use byname_stats::disclosure::Shown;
use byname_stats::timeline::{Contact, NEED_ALCOHOL, NEED_DRUGS, NEED_MENTAL_HEALTH, Person, Population, day};
use byname_stats::{DataQuality, KeyStatistics, Settings, compute};
use serde_json::Value;
use time::macros::date;

/// 60 people seen in April to June 2024, of whom 11 (5, 10, ..., 55) were also seen in
/// January; 3 are African and the rest from the UK; 2 of the new people are seen once.
fn stats() -> KeyStatistics {
    stats_with_organisation("Outreach")
}

/// The same partnership, its one team named as given (an import can name it anything).
fn stats_with_organisation(organisation: &str) -> KeyStatistics {
    stats_with(organisation, |_, _| {}, DataQuality { persons: 60, ..DataQuality::default() })
}

/// The same partnership, each person as `decorate` leaves them, with the given data quality.
fn stats_with(organisation: &str, decorate: impl Fn(usize, &mut Person), quality: DataQuality) -> KeyStatistics {
    let mut people = Vec::new();
    for i in 0..60 {
        let mut person = Person::new(i + 1);
        let mut days = vec![date!(2024 - 04 - 03), date!(2024 - 04 - 20), date!(2024 - 05 - 30)];
        if i % 5 == 0 {
            days.insert(0, date!(2024 - 01 - 10));
        }
        if i < 2 {
            days = vec![date!(2024 - 06 - 01)];
        }
        person.contacts = days
            .into_iter()
            .map(|d| Contact { day: day(d), bedded_down: true, street_count: false, area: 0, organisation: 0 })
            .collect();
        person.nationality_group = if i >= 57 { NationalityGroup::Africa } else { NationalityGroup::Uk };
        decorate(i as usize, &mut person);
        people.push(person);
    }
    let population = Population {
        people,
        areas: vec!["Westminster".into()],
        organisations: vec![organisation.into()],
        ..Population::default()
    };
    let settings = Settings::default();
    let today = date!(2026 - 01 - 01);
    let period = Period::parse("FY2024-Q1").unwrap();
    KeyStatistics {
        figures: compute(&population, period, &settings, today).unwrap(),
        previous: compute(&population, period.previous(), &settings, today).ok(),
        year_ago: compute(&population, period.a_year_earlier(), &settings, today).ok(),
        settings,
        quality,
    }
}

fn json(public: bool) -> Value {
    let bytes = render(&stats(), public, "2026-01-01T09:00:00Z", Format::Json).unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// The whole JSON report on the small partnership, pinned: a change to any figure, name or
/// field shows in review as a change to `snapshots/formats__*.snap`.
#[test]
fn the_json_report_of_a_small_partnership_is_as_recorded() {
    insta::assert_json_snapshot!(json(false));
}

/// The same report made public: what is withheld, and how it says so.
#[test]
fn the_public_json_report_of_a_small_partnership_is_as_recorded() {
    insta::assert_json_snapshot!(json(true));
}

#[test]
fn json_has_the_period_the_settings_and_every_metric_by_id() {
    let json = json(false);
    assert_eq!(json["period"], "FY2024-Q1");
    assert_eq!(json["settings"]["chain.living_on_streets_min_span_days"], "21");
    let metrics = json["metrics"].as_object().unwrap();
    assert_eq!(metrics["chain.total"], 60.0);
    assert_eq!(metrics["chain.new"], 49.0, "11 of the 60 were seen in January");
    assert_eq!(metrics["chain.total.by_nationality_group.africa"], 3.0);
    for id in ["chain.living_on_streets", "ers.r1_over_month", "bfz.active", "chain.total.by_month.2024-04"] {
        assert!(metrics.contains_key(id), "{id}");
    }
}

#[test]
fn csv_says_what_json_says() {
    let json = json(false);
    let csv = String::from_utf8(render(&stats(), false, "now", Format::Csv).unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(&header[..5], ["section", "table", "metric_id", "label", "value"]);
    let mut checked = 0;
    for record in reader.records() {
        let record = record.unwrap();
        let (id, value) = (&record[2], &record[4]);
        if let Some(number) = json["metrics"][id].as_f64() {
            assert_eq!(value.parse::<f64>().unwrap(), (number * 10.0).round() / 10.0, "{id}");
            checked += 1;
        }
    }
    assert!(checked > 50, "{checked} figures compared");
    assert!(
        csv.contains("settings,Settings,chain.living_on_streets_min_span_days,"),
        "the settings used are in the file"
    );
}

#[test]
fn a_public_report_withholds_small_numbers_and_what_would_give_them_away() {
    let json = json(true);
    let metrics = &json["metrics"];
    assert_eq!(metrics["chain.total"], 60.0);
    assert!(metrics["chain.total.by_nationality_group.africa"].is_null(), "3 people: withheld");
    // With the total shown, the UK's 57 would give the 3 away: withheld too.
    assert!(metrics["chain.total.by_nationality_group.uk"].is_null());
    assert_eq!(metrics["chain.new"], 50.0, "rounded to the nearest 5");
    // No breakdown of the total shows exactly one withheld cell.
    for dimension in ["nationality_group", "age_band", "sex", "times_seen"] {
        let prefix = format!("chain.total.by_{dimension}.");
        let withheld =
            metrics.as_object().unwrap().iter().filter(|(k, v)| k.starts_with(&prefix) && v.is_null()).count();
        assert_ne!(withheld, 1, "{dimension}");
    }
    let html = String::from_utf8(render(&stats(), true, "now", Format::Html).unwrap()).unwrap();
    assert!(html.contains("Public") && html.contains("Small numbers are withheld"));
}

#[test]
fn the_page_links_every_figure_to_its_definition_and_describes_its_charts() {
    let view = build(&stats(), false, "now");
    let html = byname_report::standalone(&view).into_string();
    assert!(html.contains(r#"data-metric="chain.total""#));
    assert!(html.contains(r##"href="#def-chain-total""##) && html.contains(r#"id="def-chain-total""#));
    assert!(html.contains(r#"role="img""#) && html.contains("<title id=") && html.contains("<desc id="));
    assert!(html.contains("@media print"), "a print stylesheet");
    assert!(!html.contains("<script"), "no JavaScript");
    // The previous quarter (January to March) is compared: 11 people then.
    let headlines = &view.sections[0].tables[0];
    let total = headlines.rows.iter().find(|r| r.id == "chain.total").unwrap();
    assert_eq!(total.previous, Some(byname_stats::disclosure::Shown::Value(11.0)));
}

#[test]
fn the_spreadsheet_has_a_sheet_per_table() {
    let bytes = render(&stats(), false, "now", Format::Xlsx).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut workbook = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("xl/workbook.xml").unwrap(), &mut workbook).unwrap();
    for sheet in ["Headlines", "Flow", "Nationality", "Trend", "Data quality", "Settings"] {
        assert!(workbook.contains(&format!(r#"name="{sheet}""#)), "{sheet} missing: {workbook}");
    }
}

const HOSTILE: &str = "=HYPERLINK(\"http://x\")";

#[test]
fn a_team_named_like_a_formula_is_text_in_the_csv() {
    let stats = stats_with_organisation(HOSTILE);
    let csv = String::from_utf8(render(&stats, false, "now", Format::Csv).unwrap()).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "section",
            "table",
            "metric_id",
            "label",
            "value",
            "previous_period",
            "change_previous",
            "same_period_last_year",
            "change_year",
            "definition"
        ],
        "the columns are a public interface"
    );
    let row = reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[1] == "Organisation")
        .expect("the organisation breakdown is in the file");
    assert_eq!(&row[3], format!("'{HOSTILE}"), "the label is neutralised");
    assert_eq!(&row[4], "60", "the figure stays a number");
    for record in csv::Reader::from_reader(csv.as_bytes()).records() {
        for field in record.unwrap().iter() {
            assert!(!field.starts_with('='), "{field}");
        }
    }
}

#[test]
fn a_team_named_like_a_formula_is_a_string_cell_in_the_spreadsheet() {
    let bytes = render(&stats_with_organisation(HOSTILE), false, "now", Format::Xlsx).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("xl/sharedStrings.xml").unwrap(), &mut strings).unwrap();
    assert!(strings.contains("<t>=HYPERLINK("), "the label is a shared string");
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let name = file.name().unwrap().into_owned();
        if !name.starts_with("xl/worksheets/") {
            continue;
        }
        let mut sheet = String::new();
        std::io::Read::read_to_string(&mut file, &mut sheet).unwrap();
        assert!(!sheet.contains("<f>"), "no formula in {name}");
    }
}

/// Needs, histories and data quality whose exact counts are not multiples of 5: alcohol 23,
/// drugs 12 (all with alcohol), mental health 13, prison 15, care 11; 61 persons, 13 linked,
/// 47 Inform records, 3 pairs to review, 12 without a date of birth.
fn sensitive_stats() -> KeyStatistics {
    stats_with(
        "Outreach",
        |i, person| {
            if i < 23 {
                person.needs |= NEED_ALCOHOL;
            }
            if i < 12 {
                person.needs |= NEED_DRUGS;
            }
            if (40..53).contains(&i) {
                person.needs |= NEED_MENTAL_HEALTH;
            }
            if i % 4 == 0 {
                person.history |= 1;
            }
            if i < 11 {
                person.history |= 2;
            }
        },
        DataQuality {
            persons: 61,
            linked_chain_inform: 13,
            inform_records: 47,
            awaiting_review: 3,
            missing_date_of_birth: 12,
            missing_nationality: 0,
        },
    )
}

fn is_sensitive(id: &str) -> bool {
    ["chain.total.by_need.", "chain.total.by_support_need.", "chain.total.by_history.", "quality."]
        .iter()
        .any(|prefix| id.starts_with(prefix))
}

/// A published count: withheld, or a multiple of 5 (never exact when the exact count is not).
fn assert_published_count(id: &str, shown: &str, exact: f64) {
    if shown == "*" || shown.is_empty() {
        return;
    }
    let value: f64 = shown.parse().unwrap_or_else(|_| panic!("{id}: {shown:?}"));
    assert!(value % 5.0 == 0.0, "{id}: exact {exact} shown as {value}");
    assert!(!(1.0..=9.0).contains(&exact) || id.starts_with("quality."), "{id}: {exact} shown as {value}");
}

#[test]
fn a_public_report_shows_no_exact_count_of_needs_history_or_data_quality_in_any_format() {
    let stats = sensitive_stats();
    let exact: Value = serde_json::from_slice(&render(&stats, false, "now", Format::Json).unwrap()).unwrap();
    let public: Value = serde_json::from_slice(&render(&stats, true, "now", Format::Json).unwrap()).unwrap();
    let exact = exact["metrics"].as_object().unwrap();
    let public = public["metrics"].as_object().unwrap();
    assert_eq!(exact["chain.total.by_need.alcohol"], 23.0, "the fixture is as described");
    assert_eq!(exact["quality.awaiting_review"], 3.0, "data quality is in the JSON");
    let counts: Vec<(&String, f64)> = exact
        .iter()
        .filter(|(id, _)| is_sensitive(id) && !id.ends_with("_pct"))
        .map(|(id, v)| (id, v.as_f64().unwrap()))
        .collect();
    assert!(counts.len() >= 20, "{counts:?}");
    for (id, value) in &counts {
        let shown = public[id.as_str()].as_f64().map_or("*".to_owned(), |v| v.to_string());
        assert_published_count(id, &shown, *value);
    }
    assert!(public["quality.awaiting_review"].is_null(), "3 pairs: withheld");
    // 12 of 61 without a date of birth: as shown, 10 of 60.
    assert_eq!(public["quality.missing_date_of_birth_pct"].as_f64().map(|v| (v * 10.0).round() / 10.0), Some(16.7));
    assert_eq!(public["chain.total.by_need.alcohol"], 25.0);
    assert!(public["chain.total.by_history.care"].is_null() || public["chain.total.by_history.care"] == 10.0);

    let csv = String::from_utf8(render(&stats, true, "now", Format::Csv).unwrap()).unwrap();
    let mut seen = 0;
    for record in csv::Reader::from_reader(csv.as_bytes()).records() {
        let record = record.unwrap();
        let id = &record[2];
        if let Some(value) = exact.get(id).and_then(Value::as_f64).filter(|_| is_sensitive(id) && !id.ends_with("_pct"))
        {
            assert_published_count(id, &record[4], value);
            seen += 1;
        }
    }
    assert_eq!(seen, counts.len(), "every such count is in the CSV");

    let html = String::from_utf8(render(&stats, true, "now", Format::Html).unwrap()).unwrap();
    for (id, value) in &counts {
        let marker = format!(r#"data-metric="{id}""#);
        let at = html.find(&marker).unwrap_or_else(|| panic!("{id} is on the page"));
        let cell = &html[at..];
        let start = cell.find(r#"<td class="num">"#).unwrap() + r#"<td class="num">"#.len();
        let shown = &cell[start..start + cell[start..].find("</td>").unwrap()];
        assert_published_count(id, &shown.replace(',', ""), *value);
    }
}

#[test]
fn a_public_report_leaves_out_findings_that_state_exact_counts() {
    let mut stats = stats();
    stats.figures.findings.push(byname_stats::Finding {
        id: "bfz.invariant",
        message:
            "Built for Zero, 2024-05: active (13) is not last month's active (12) plus inflow (3) minus outflow (1)."
                .into(),
    });
    let public: Value = serde_json::from_slice(&render(&stats, true, "now", Format::Json).unwrap()).unwrap();
    let findings = public["findings"].to_string();
    assert!(!findings.contains("active (13)"), "{findings}");
    assert!(findings.contains("left out of this public report"), "{findings}");
    let internal: Value = serde_json::from_slice(&render(&stats, false, "now", Format::Json).unwrap()).unwrap();
    assert!(internal["findings"].to_string().contains("active (13)"));
}

/// A person seen bedded down on each day, the street count's contacts marked.
fn person_seen(id: i64, days: &[(time::Date, bool)]) -> Person {
    let mut person = Person::new(id);
    person.contacts = days
        .iter()
        .map(|&(d, street_count)| Contact { day: day(d), bedded_down: true, street_count, area: 0, organisation: 0 })
        .collect();
    person.contacts.sort_by_key(|c| c.day);
    person
}

/// Forty people seen every month from April 2023 to a given day, with an autumn street count
/// each year (13 November 2024 and 15 November 2023) and none in March, and the key statistics
/// of `period` as the service makes them: cut where the data end, compared like for like.
fn year_with_an_autumn_count(period: &str, data_end: time::Date, today: time::Date) -> KeyStatistics {
    let mut people = Vec::new();
    for i in 0..40i64 {
        let mut days = Vec::new();
        let mut d = date!(2023 - 04 - 01) + time::Duration::days(i % 20);
        while d <= data_end {
            days.push((d, false));
            d += time::Duration::days(9 + i % 5);
        }
        if i < 30 {
            days.push((date!(2024 - 11 - 13), true));
        }
        if i < 25 {
            days.push((date!(2023 - 11 - 15), true));
        }
        days.retain(|(d, _)| *d <= data_end);
        people.push(person_seen(i + 1, &days));
    }
    let population = Population {
        people,
        areas: vec!["Westminster".into()],
        organisations: vec!["Outreach".into()],
        ..Population::default()
    };
    let settings = Settings::default();
    let period = Period::parse(period).unwrap();
    let to = byname_stats::reported_to(period, byname_stats::data_ends(&population, today));
    let like = |other: Period| to.map(|to| byname_stats::same_length(period, to, other));
    KeyStatistics {
        figures: byname_stats::compute_to(&population, period, to, &settings, today).unwrap(),
        previous: byname_stats::compute_to(&population, period.previous(), like(period.previous()), &settings, today)
            .ok(),
        year_ago: byname_stats::compute_to(
            &population,
            period.a_year_earlier(),
            like(period.a_year_earlier()),
            &settings,
            today,
        )
        .ok(),
        settings,
        quality: DataQuality { persons: 40, ..DataQuality::default() },
    }
}

fn table<'a>(view: &'a byname_report::view::View, key: &str) -> &'a byname_report::view::Table {
    view.sections.iter().flat_map(|s| &s.tables).find(|t| t.key == key).unwrap_or_else(|| panic!("no table {key}"))
}

#[test]
fn a_year_in_progress_says_how_far_it_runs_and_compares_like_for_like() {
    let stats = year_with_an_autumn_count("FY2024", date!(2024 - 11 - 30), date!(2024 - 12 - 07));
    let view = build(&stats, false, "now");
    assert_eq!(view.period_label, "2024/25 to 30 November: 8 of 12 months");
    assert_eq!(view.period_heading, "2024/25 to 30 Nov");
    assert_eq!(view.previous_heading.as_deref(), Some("2023/24 to 30 Nov"), "the same eight months a year earlier");
    assert_eq!(view.to.as_deref(), Some("2024-11-30"));
    let headlines = table(&view, "Headlines");
    let active = headlines.rows.iter().find(|r| r.id == "bfz.active").unwrap();
    assert!(matches!(active.value, Shown::Value(v) if v > 30.0), "{active:?}: active on 30 November, not zero");
    let total = headlines.rows.iter().find(|r| r.id == "chain.total").unwrap();
    assert_eq!(total.previous, Some(Shown::Value(40.0)), "like for like: everyone was seen by November 2023");
    assert_eq!(total.value, Shown::Value(40.0));
    assert_eq!(
        table(&view, "Framework").title,
        "Monthly indicators for November 2024, the last complete month of the period"
    );
    let html = byname_report::standalone(&view).into_string();
    assert!(html.contains("2024/25 to 30 November: 8 of 12 months") && html.contains("is in progress"), "{html}");
    for month in ["2024-12", "2025-01", "2025-03"] {
        assert!(!html.contains(&format!(".by_month.{month}")), "{month} has not happened: no figure, no zero");
    }
    let json: Value = serde_json::from_slice(&render(&stats, false, "now", Format::Json).unwrap()).unwrap();
    assert_eq!(json["period"], "FY2024");
    assert_eq!(json["to"], "2024-11-30");
    assert!(json["metrics"].get("ers.r1_over_month.by_month.2024-12").is_none());
    assert!(json["metrics"].get("ers.r1_over_month.by_month.2024-11").is_some());
}

#[test]
fn a_year_shows_its_autumn_street_count_and_says_which_single_night_is_not_known() {
    let stats = year_with_an_autumn_count("FY2024", date!(2025 - 03 - 31), date!(2026 - 12 - 07));
    assert_eq!(stats.figures.single_night, Some(date!(2024 - 11 - 13)));
    let view = build(&stats, false, "now");
    let period = table(&view, "Framework period");
    let night = period.rows.iter().find(|r| r.id == "ers.r1_single_night").expect("the year's single night");
    assert_eq!(night.value, Shown::Value(30.0));
    assert_eq!(night.previous, Some(Shown::Value(25.0)), "the autumn count of 2023");
    assert!(night.label.contains("2024-11-13"), "{}", night.label);
    let html = byname_report::standalone(&view).into_string();
    assert!(html.contains("R1 seen on a single night (2024-11-13)"), "{html}");
    let finding = view.findings.iter().find(|f| f.contains("street count")).unwrap();
    assert!(finding.contains("no street count in March 2025") && finding.contains("2024-11-13"), "{finding}");
    assert!(!view.findings.iter().any(|f| f.starts_with("No street count")), "{:?}", view.findings);
}

#[test]
fn each_table_holds_what_its_caption_says() {
    let stats = year_with_an_autumn_count("FY2024", date!(2025 - 03 - 31), date!(2026 - 12 - 07));
    let view = build(&stats, false, "now");
    let month = table(&view, "Framework");
    assert_eq!(month.title, "Monthly indicators for March 2025, the last month of the period");
    assert!(month.rows.iter().all(|r| r.id.starts_with("ers.") && !r.id.contains("days_to_long_term")));
    assert!(!month.rows.iter().any(|r| r.id == "ers.r1_single_night"), "no street count in March");
    let period = table(&view, "Framework period");
    assert!(period.title.starts_with("Over the whole period"));
    assert!(period.rows.iter().any(|r| r.id == "ers.days_to_long_term_accommodation.people"));
    let trend = table(&view, "Trend");
    assert_eq!(trend.heading.as_deref(), Some("People seen"));
    let html = byname_report::standalone(&view).into_string();
    let trend_html = &html[html.find(r#"id="table-trend""#).unwrap()..];
    let trend_html = &trend_html[..trend_html.find("</thead>").unwrap()];
    assert!(trend_html.contains("People seen") && !trend_html.contains("2024/25"), "{trend_html}");
}

#[test]
fn every_sheet_name_of_a_full_report_is_unique_short_and_readable() {
    let stats = year_with_an_autumn_count("FY2024", date!(2025 - 03 - 31), date!(2026 - 12 - 07));
    let view = build(&stats, false, "now");
    let bytes = byname_report::xlsx(&view).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut workbook = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("xl/workbook.xml").unwrap(), &mut workbook).unwrap();
    let names: Vec<&str> = workbook.split(r#"<sheet name=""#).skip(1).map(|s| s.split('"').next().unwrap()).collect();
    let tables: Vec<(&str, &byname_report::view::Table)> =
        view.sections.iter().flat_map(|s| s.tables.iter().map(move |t| (s.title, t))).collect();
    assert_eq!(names.len(), tables.len() + 1, "a sheet per table and the settings: {names:?}");
    assert!(tables.iter().filter(|(_, t)| t.monthly).count() >= 14, "every monthly table is in a full report");
    let mut seen = std::collections::HashSet::new();
    for (name, (section, table)) in names.iter().zip(&tables) {
        assert_eq!(*name, table.sheet.replace('&', "&amp;"));
        assert!(seen.insert(name.to_lowercase()), "{name} twice (Excel ignores case)");
        assert!(name.chars().count() <= 31, "{name} is longer than Excel allows");
        assert!(!name.chars().any(|c| "[]:*?/\\".contains(c)), "{name}");
        // Readable: its last word is a whole word of the table's caption, section, key (when
        // not itself cut at 31 characters) or figures.
        let key = if table.key.chars().count() < 31 { table.key.as_str() } else { "" };
        let words: String = format!(
            "{section} {key} {} {} by month",
            table.title,
            table.rows.iter().map(|r| r.label.as_str()).collect::<Vec<_>>().join(" ")
        )
        .to_lowercase();
        let last = name.rsplit(' ').next().unwrap().to_lowercase();
        assert!(
            words.split(|c: char| !c.is_alphanumeric()).any(|w| w == last),
            "{name} ends in a cut word ({last:?} is not a word of {words:?})"
        );
    }
}
