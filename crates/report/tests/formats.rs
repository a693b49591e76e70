//! The key statistics report in every format, from a small hand-built partnership:
//! the formats agree figure for figure, every figure carries its metric id and links
//! to its definition, and a public report withholds what could identify someone.

use byname_domain::nationality::NationalityGroup;
use byname_domain::period::Period;
use byname_report::{Format, build, render};
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
