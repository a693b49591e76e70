//! Tests of what a user of the synthetic data would notice: that it is reproducible, that its
//! yearly figures look like Westminster's, and that the files follow FORMATS.md exactly.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::OnceLock;

use byname_synth::{Dataset, Settings, generate, is_valid_nhs_number};
use time::{Date, Month};

fn date(year: i32, month: Month, day: u8) -> Date {
    Date::from_calendar_date(year, month, day).unwrap()
}

/// Writes every file of a data set into memory, keyed by relative path.
fn files_of(dataset: &Dataset) -> BTreeMap<String, Vec<u8>> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut written: Vec<(String, std::rc::Rc<std::cell::RefCell<Vec<u8>>>)> = Vec::new();
    {
        struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
        impl std::io::Write for Shared {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.borrow_mut().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut open = |path: &str| {
            let buffer = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
            written.push((path.to_owned(), buffer.clone()));
            Ok(Shared(buffer))
        };
        dataset.write_all(&mut open).unwrap();
    }
    for (path, buffer) in written {
        files.insert(path, buffer.take());
    }
    files
}

/// Parses a written CSV file into its header and rows.
fn parse(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = reader.records().map(|record| record.unwrap().iter().map(str::to_owned).collect()).collect();
    (header, rows)
}

/// Ten years at Westminster scale, generated once for all tests that need it.
fn ten_years() -> &'static Dataset {
    static DATASET: OnceLock<Dataset> = OnceLock::new();
    DATASET.get_or_init(|| {
        generate(&Settings {
            seed: 20_150_401,
            from: date(2015, Month::April, 1),
            to: date(2025, Month::March, 31),
            scale: 1.0,
        })
    })
}

fn ten_years_files() -> &'static BTreeMap<String, Vec<u8>> {
    static FILES: OnceLock<BTreeMap<String, Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| files_of(ten_years()))
}

#[test]
fn the_same_settings_give_identical_files_and_another_seed_does_not() {
    let settings =
        Settings { seed: 7, from: date(2019, Month::April, 1), to: date(2021, Month::March, 31), scale: 0.5 };
    let first = files_of(&generate(&settings));
    let second = files_of(&generate(&settings));
    assert_eq!(first.len(), 9);
    for (path, bytes) in &first {
        assert!(bytes == &second[path], "{path} differs between two runs");
    }
    let other = files_of(&generate(&Settings { seed: 8, ..settings }));
    for (path, bytes) in &first {
        assert!(bytes != &other[path], "{path} is the same for two seeds");
    }
}

fn financial_year(date: Date) -> i32 {
    if date.month() >= Month::April { date.year() } else { date.year() - 1 }
}

#[test]
fn yearly_figures_look_like_westminster() {
    let dataset = ten_years();
    let mut first_seen: HashMap<u32, Date> = HashMap::new();
    let mut sightings_per_year: BTreeMap<i32, HashMap<u32, usize>> = BTreeMap::new();
    let mut people_per_month: BTreeMap<(i32, u8), HashSet<u32>> = BTreeMap::new();
    for (person, day) in dataset.bedded_down_sightings() {
        let first = first_seen.entry(person).or_insert(day);
        *first = (*first).min(day);
        *sightings_per_year.entry(financial_year(day)).or_default().entry(person).or_default() += 1;
        people_per_month.entry((day.year(), u8::from(day.month()))).or_default().insert(person);
    }
    let monthly = |year: i32, month: u8| people_per_month.get(&(year, month)).map_or(0, HashSet::len);
    let counts: BTreeMap<i32, usize> =
        dataset.street_count_nights().into_iter().map(|(night, count)| (night.year(), count)).collect();

    println!("FY       seen   new  share_new  seen_once  summer/month  winter/month  street_count");
    let mut failures = Vec::new();
    let mut summer_above_winter = 0;
    let mut years_compared = 0;
    for (&year, sightings) in &sightings_per_year {
        let year_start = date(year, Month::April, 1);
        let new: Vec<usize> =
            sightings.iter().filter(|(person, _)| first_seen[person] >= year_start).map(|(_, count)| *count).collect();
        let seen = sightings.len();
        let share_new = new.len() as f64 / seen as f64;
        let seen_once = new.iter().filter(|count| **count == 1).count() as f64 / new.len() as f64;
        let summer = (monthly(year, 6) + monthly(year, 7) + monthly(year, 8)) as f64 / 3.0;
        let winter = (monthly(year, 12) + monthly(year + 1, 1) + monthly(year + 1, 2)) as f64 / 3.0;
        let street_count = counts.get(&year).copied().unwrap_or(0);
        println!(
            "{year}/{:02}  {seen:5} {:5}  {share_new:9.3}  {seen_once:9.3}  {summer:12.0}  {winter:12.0}  {street_count:12}",
            (year + 1) % 100,
            new.len()
        );
        if year == 2020 || year == 2021 {
            continue;
        }
        if !(2_000..=3_000).contains(&seen) {
            failures.push(format!("{year}: {seen} people seen"));
        }
        // "New" means never seen before in the data. In the first exported year everyone is new,
        // and in the second, people returning after a gap of more than a year (about 13% of a
        // year's people in London) also look new, since their earlier sightings are before the
        // export. So the shares are only checked from the third year.
        let settled = year >= 2017;
        if settled && !(0.50..=0.70).contains(&share_new) {
            failures.push(format!("{year}: share new {share_new:.3}"));
        }
        if settled && !(0.55..=0.80).contains(&seen_once) {
            failures.push(format!("{year}: seen once {seen_once:.3}"));
        }
        years_compared += 1;
        if summer > winter {
            summer_above_winter += 1;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        summer_above_winter * 10 >= years_compared * 7,
        "summer above winter in only {summer_above_winter} of {years_compared} years"
    );

    let contacts_between = |first: Date, last: Date| {
        dataset.contacts.iter().filter(|contact| contact.date >= first && contact.date <= last).count()
    };
    let lockdown = contacts_between(date(2020, Month::April, 1), date(2020, Month::June, 30));
    let year_before = contacts_between(date(2019, Month::April, 1), date(2019, Month::June, 30));
    println!("contacts April to June: 2019 {year_before}, 2020 {lockdown}");
    assert!(
        (lockdown as f64) < 0.7 * year_before as f64,
        "Everyone In should empty the streets: {lockdown} contacts against {year_before}"
    );

    assert_eq!(counts.len(), 10, "one count each November");
    for (year, count) in counts {
        assert!((150..=420).contains(&count), "{year}: {count} counted");
    }
    println!(
        "{} contacts, {} people, {} CHAIN records",
        dataset.n_contacts(),
        dataset.n_people(),
        dataset.chain_persons.len()
    );
}

#[test]
fn nhs_numbers_are_valid_and_inform_chain_ids_exist() {
    let files = ten_years_files();
    let nhs_columns = [
        ("chain/persons.csv", "nhs_number"),
        ("inform/clients.csv", "nhs_number"),
        ("health-events.csv", "nhs_number"),
    ];
    for (path, column) in nhs_columns {
        let (header, rows) = parse(&files[path]);
        let index = header.iter().position(|name| name == column).unwrap();
        let mut n_numbers = 0;
        for row in &rows {
            if !row[index].is_empty() {
                n_numbers += 1;
                assert!(is_valid_nhs_number(&row[index]), "{path}: {}", row[index]);
            }
        }
        assert!(n_numbers > 0, "{path} has no NHS numbers");
    }

    let (_, persons) = parse(&files["chain/persons.csv"]);
    let chain_ids: HashSet<&str> = persons.iter().map(|row| row[0].as_str()).collect();
    let (_, truth) = parse(&files["truth.csv"]);
    let person_of: HashMap<(&str, &str), &str> =
        truth.iter().map(|row| ((row[0].as_str(), row[1].as_str()), row[2].as_str())).collect();
    let (_, clients) = parse(&files["inform/clients.csv"]);
    let (mut recorded, mut wrong) = (0, 0);
    for client in &clients {
        let chain_id = client[8].as_str();
        if chain_id.is_empty() {
            continue;
        }
        assert!(chain_ids.contains(chain_id), "Inform points to unknown {chain_id}");
        recorded += 1;
        if person_of[&("chain", chain_id)] != person_of[&("inform", client[0].as_str())] {
            wrong += 1;
        }
    }
    let recorded_share = recorded as f64 / clients.len() as f64;
    let wrong_share = wrong as f64 / recorded as f64;
    println!("Inform: {recorded_share:.3} record a CHAIN id, {wrong_share:.3} of those are wrong");
    assert!((0.45..=0.65).contains(&recorded_share));
    assert!((0.01..=0.06).contains(&wrong_share));
}

/// The column names FORMATS.md gives for each file, read from the specification itself.
fn documented_columns() -> BTreeMap<String, Vec<String>> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/spec/FORMATS.md");
    let text = std::fs::read_to_string(path).expect("FORMATS.md beside the repository");
    let backticked = |text: &str| -> Vec<String> { text.split('`').skip(1).step_by(2).map(str::to_owned).collect() };
    let without_parentheses = |text: &str| {
        let mut depth = 0;
        text.chars()
            .filter(|character| {
                match character {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        return false;
                    }
                    _ => {}
                }
                depth == 0
            })
            .collect::<String>()
    };
    let mut columns = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    for (index, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix('`') else {
            continue;
        };
        let Some((file, after)) = rest.split_once('`') else {
            continue;
        };
        if !file.ends_with(".csv") {
            continue;
        }
        let names: Vec<String> = if after.trim_end().ends_with(':') || after.contains("one row per") {
            lines[index + 1..]
                .iter()
                .skip_while(|line| !line.starts_with('|'))
                .take_while(|line| line.starts_with('|'))
                .filter_map(|line| line.split('|').nth(1))
                .flat_map(backticked)
                .collect()
        } else {
            // A paragraph that lists the columns inline, possibly over several lines.
            let paragraph: Vec<&str> = std::iter::once(after)
                .chain(lines[index + 1..].iter().copied().take_while(|line| !line.trim().is_empty()))
                .collect();
            backticked(&without_parentheses(&paragraph.join(" ")))
        };
        columns.insert(file.to_owned(), names);
    }
    columns
}

#[test]
fn headers_match_formats_md_and_truth_covers_every_record() {
    let files = ten_years_files();
    let documented = documented_columns();
    for (path, bytes) in files {
        let (header, _) = parse(bytes);
        if path == "truth.csv" {
            assert_eq!(header, ["source", "source_id", "person_key"]);
            continue;
        }
        let file_name = path.rsplit('/').next().unwrap();
        assert_eq!(&header, &documented[file_name], "{path}");
    }

    let (_, truth) = parse(&files["truth.csv"]);
    let covered: HashSet<(&str, &str)> = truth.iter().map(|row| (row[0].as_str(), row[1].as_str())).collect();
    let sources = [("chain", "chain/persons.csv"), ("inform", "inform/clients.csv"), ("health", "health-events.csv")];
    for (source, path) in sources {
        let (_, rows) = parse(&files[path]);
        assert!(!rows.is_empty(), "{path} is empty");
        for row in &rows {
            assert!(covered.contains(&(source, row[0].as_str())), "{source} {} not in truth", row[0]);
        }
    }
    let (_, street_count) = parse(&files["street-count.csv"]);
    let identified = street_count.iter().filter(|row| !row[8].is_empty() || !row[9].is_empty()).count();
    let n_truth_rows = truth.iter().filter(|row| row[0] == "street_count").count();
    assert_eq!(identified, n_truth_rows);
    let anonymous_share = 1.0 - identified as f64 / street_count.len() as f64;
    println!("street count: {anonymous_share:.3} anonymous");
    assert!((0.15..=0.35).contains(&anonymous_share));

    let person_keys: BTreeSet<&str> = truth.iter().map(|row| row[2].as_str()).collect();
    assert_eq!(person_keys.len(), ten_years().n_people());
}

#[test]
fn an_empty_period_still_writes_every_file_with_its_header() {
    let settings = Settings { seed: 1, from: date(2024, Month::April, 2), to: date(2024, Month::April, 1), scale: 1.0 };
    let dataset = generate(&settings);
    assert_eq!(dataset.n_contacts(), 0);
    let files = files_of(&dataset);
    assert_eq!(files.len(), 9);
    for (path, bytes) in &files {
        let (header, rows) = parse(bytes);
        assert!(!header.is_empty() && rows.is_empty(), "{path}");
    }
    let tiny = generate(&Settings { scale: 0.001, from: date(2024, Month::April, 1), ..settings });
    assert!(tiny.n_people() <= 5);
    files_of(&tiny);
}
