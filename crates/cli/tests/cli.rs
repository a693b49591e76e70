//! The `byname` binary as a user runs it: the demo from nothing to serving,
//! generate then import, and an import killed half-way.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn byname(data_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_byname"));
    command.arg("--data-dir").arg(data_dir).env_remove("BYNAME_DATABASE_URL").env("BYNAME_LOG", "warn");
    command
}

fn run_ok(command: &mut Command) -> String {
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{command:?} failed:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn http_get(port: u16, path: &str) -> String {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[test]
fn the_demo_generates_imports_links_and_serves_with_a_login_per_role() {
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = byname(data.path())
        .args(["demo", "--years", "2", "--scale", "0.3", "--port", &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    let deadline = Instant::now() + Duration::from_secs(300);
    while !printed.contains("serving on") {
        assert!(Instant::now() < deadline, "the demo did not start serving:\n{printed}");
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            panic!("the demo exited before serving:\n{printed}");
        }
        printed.push_str(&line);
    }
    let login = http_get(port, "/login");
    let list = http_get(port, "/people");
    // A service manager's stop (SIGTERM) ends it cleanly.
    #[cfg(unix)]
    {
        assert!(Command::new("kill").arg(child.id().to_string()).status().unwrap().success());
        let status = child.wait().unwrap();
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        assert!(status.success() && rest.contains("stopped"), "{status:?}: {rest}");
    }
    #[cfg(not(unix))]
    {
        child.kill().unwrap();
        child.wait().unwrap();
    }

    for role in
        ["outreach_worker", "service_lead", "service_leader", "health_partner", "analyst", "strategic_viewer", "admin"]
    {
        assert!(printed.contains(role), "no demo login for {role}:\n{printed}");
    }
    assert!(printed.contains("head-of-service"), "escalations have a second level to go to:\n{printed}");
    assert!(printed.contains("linked"), "{printed}");
    assert!(login.starts_with("HTTP/1.1 200"), "{login}");
    assert!(login.contains("Sign in to byname"));
    assert!(list.starts_with("HTTP/1.1 303") && list.contains("location: /login"), "the list needs a session: {list}");

    // Started again on the same folder, the demo reuses the data it made.
    let again = run_ok(byname(data.path()).args(["demo", "--no-serve"]));
    assert!(again.contains("already holds data"), "{again}");
    let history = run_ok(byname(data.path()).args(["import", "history"]));
    for kind in ["chain", "inform", "street_count", "health"] {
        assert!(history.contains(kind), "{history}");
    }

    // The linkage can be checked against the generator's truth file.
    let export = data.path().join("persons.csv");
    run_ok(byname(data.path()).args(["persons", "export", "--out"]).arg(&export));
    let persons = std::fs::read_to_string(&export).unwrap();
    assert_eq!(persons.lines().next(), Some("source,source_id,person_id"));
    let mut records_per_person = std::collections::HashMap::new();
    for line in persons.lines().skip(1) {
        *records_per_person.entry(line.rsplit(',').next().unwrap().to_owned()).or_insert(0) += 1;
    }
    assert!(persons.lines().any(|l| l.starts_with("inform,")) && persons.lines().any(|l| l.starts_with("chain,")));
    assert!(records_per_person.values().any(|&n| n >= 2), "some CHAIN and Inform records are linked");
}

#[test]
fn an_import_killed_half_way_leaves_the_database_as_it_was() {
    let data = tempfile::tempdir().unwrap();
    let export = data.path().join("export");
    run_ok(
        byname(data.path())
            .args(["generate", "--seed", "7", "--from", "2019-04-01", "--to", "2024-03-31", "--scale", "2"])
            .arg("--out")
            .arg(&export),
    );
    run_ok(byname(data.path()).args(["import", "inform"]).arg(export.join("inform")));
    let before = run_ok(byname(data.path()).args(["import", "history"]));
    let database = data.path().join("byname.db");
    let digest_before = table_digest(&database);

    let mut child = byname(data.path())
        .args(["import", "chain"])
        .arg(export.join("chain"))
        .env("BYNAME_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("contacts.csv") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "the import ended before reaching contacts.csv");
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the import finished before it could be interrupted; use more data");
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success());

    assert_eq!(table_digest(&database), digest_before, "rows of the killed import are not in the database");
    assert_eq!(run_ok(byname(data.path()).args(["import", "history"])), before);
    // And the next import runs normally.
    let outcome = run_ok(byname(data.path()).args(["import", "chain"]).arg(export.join("chain")));
    assert!(outcome.contains(" 0 rejected"), "{outcome}");
}

/// Row counts of every table, read with the store's own snapshot through a fresh process.
fn table_digest(database: &Path) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        use byname_store::Store;
        let store = byname_store::SqlStore::connect(&format!("sqlite://{}", database.display())).await.unwrap();
        let snapshot = store.snapshot().await.unwrap();
        store.close().await;
        format!("{:?}", snapshot.tables)
    })
}

#[test]
fn bad_command_lines_get_clear_errors() {
    let data = tempfile::tempdir().unwrap();
    let missing = Command::new(env!("CARGO_BIN_EXE_byname"))
        .arg("--data-dir")
        .arg(data.path())
        .args(["import", "chain", "/no/such/folder"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("/no/such/folder/persons.csv: file not found"), "{stderr}");

    let bad_url =
        Command::new(env!("CARGO_BIN_EXE_byname")).args(["--database", "mysql://x", "link"]).output().unwrap();
    assert!(String::from_utf8_lossy(&bad_url.stderr).contains("unsupported database URL"), "{bad_url:?}");

    let mapping = data.path().join("m.toml");
    std::fs::write(&mapping, "[people]\n").unwrap();
    let bad_mapping = Command::new(env!("CARGO_BIN_EXE_byname"))
        .arg("--data-dir")
        .arg(data.path())
        .args(["import", "chain", "."])
        .arg("--mapping")
        .arg(&mapping)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad_mapping.stderr).contains("[people] is not a file of any import format"));
}

#[test]
fn link_csv_finds_duplicates_and_explains_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let link = |input: &Path| {
        Command::new(env!("CARGO_BIN_EXE_byname"))
            .args(["link", "csv", "--id-column", "rec_id", "--input"])
            .arg(input)
            .arg("--out")
            .arg(dir.path().join("pairs.csv"))
            .arg("--clusters")
            .arg(dir.path().join("clusters.csv"))
            .output()
            .unwrap()
    };
    let stderr = |output: &std::process::Output| String::from_utf8_lossy(&output.stderr).into_owned();

    let empty = link(&write("empty.csv", ""));
    assert!(!empty.status.success() && stderr(&empty).contains("empty.csv: the file is empty"), "{}", stderr(&empty));
    let no_id = link(&write("no_id.csv", "id,name\n1,Ann\n"));
    assert!(stderr(&no_id).contains("no id column \"rec_id\"; the columns are id, name"), "{}", stderr(&no_id));
    let duplicate = link(&write("dup.csv", "rec_id,given_name\na1,Ann\na1,Bob\n"));
    assert!(
        stderr(&duplicate).contains("dup.csv:3: duplicate rec_id \"a1\", first seen on line 2"),
        "{}",
        stderr(&duplicate)
    );

    // Real people with typos, a column that is always empty, ids that differ in case, many
    // people sharing a very common name and names in several scripts.
    let mut text = String::from("rec_id,given_name,surname,date_of_birth,notes\n");
    text.push_str("r1,Stefan,Popescu,1980-04-03,\nr2,Ștefan,Popescu,1980-04-03,\nr3,Tesfay,Berhane,1975-01-20,\nR3,Tesfay,Berhane,1975-01-02,\n");
    text.push_str("r5,Олександр,Шевченко,1990-05-05,\nr6,Олександр,Шевченко,1990-05-05,\nr7,أحمد,حسن,1985-02-02,\n");
    for i in 0..400 {
        // Days from the 13th on cannot be read as months: no date here is another swapped.
        text.push_str(&format!("m{i},Mohamed,Ali,19{:02}-{:02}-{:02},\n", 40 + i % 50, 1 + (i / 50) % 12, 13 + i % 15));
    }
    let output = link(&write("people.csv", &text));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("id \"R3\" differs from \"r3\" only in case"), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("not compared (an id, empty, or one value for all): notes"), "{stdout}");
    let pairs = std::fs::read_to_string(dir.path().join("pairs.csv")).unwrap();
    for (a, b) in [("r1", "r2"), ("r5", "r6"), ("R3", "r3")] {
        assert!(
            pairs.lines().any(|l| l.starts_with(&format!("{a},{b},")) || l.starts_with(&format!("{b},{a},"))),
            "{a}~{b} missing:\n{pairs}"
        );
    }
    let namesakes =
        pairs.lines().filter(|l| l.starts_with('m') && l.split(',').nth(1).is_some_and(|r| r.starts_with('m'))).count();
    assert_eq!(namesakes, 0, "400 different people called Mohamed Ali, born on different days, stay apart:\n{pairs}");
    let clusters = std::fs::read_to_string(dir.path().join("clusters.csv")).unwrap();
    assert_eq!(clusters.lines().count(), 408, "one row per record and a header");

    let one = link(&write("one.csv", "rec_id,given_name\nx1,Ann\n"));
    assert!(one.status.success(), "{}", stderr(&one));

    // Why two records score as they do, whether or not blocking paired them.
    let explain = |pairs: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_byname"));
        command.args(["link", "csv", "--id-column", "rec_id", "--input"]).arg(dir.path().join("people.csv"));
        command.arg("--out").arg(dir.path().join("pairs.csv"));
        for pair in pairs {
            command.args(["--explain", pair]);
        }
        command.output().unwrap()
    };
    let output = explain(&["r1,r2", "r1,r7"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("groups: ") && stdout.contains("records in larger groups"), "{stdout}");
    let first = stdout.split("why r1 and r2 score as they do:\n").nth(1).expect("r1 and r2 explained");
    assert!(first.contains("given_name") && first.contains("\"Stefan\" vs \"Ștefan\""), "{stdout}");
    assert!(first.contains("date_of_birth") && first.contains("exact"), "{stdout}");
    let total = first.lines().find(|l| l.starts_with("total")).expect("a total");
    let probability: f64 = total.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(probability > 0.9, "{total}");
    let second = stdout.split("why r1 and r7 score as they do:\n").nth(1).expect("r1 and r7 explained");
    let total = second.lines().find(|l| l.starts_with("total")).expect("a total");
    assert!(total.rsplit(' ').next().unwrap().parse::<f64>().unwrap() < 0.01, "{total}");
    let unknown = explain(&["r1,zz"]);
    assert!(
        !unknown.status.success() && stderr(&unknown).contains("--explain r1,zz: no record has the id \"zz\""),
        "{}",
        stderr(&unknown)
    );
    let malformed = explain(&["r1"]);
    assert!(!malformed.status.success() && stderr(&malformed).contains("LEFT_ID,RIGHT_ID"), "{}", stderr(&malformed));
}

/// Finds Chromium for the print test; under CI=true it must be there (`.ci/run` installs it).
fn chromium() -> Option<&'static str> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| Path::new(p).exists());
    if found.is_none() {
        assert!(std::env::var("CI").map_or(true, |v| v != "true"), "CI=true but Chromium is not installed");
        eprintln!("\n*** Chromium is not installed: the print-to-PDF check was SKIPPED ***\n");
    }
    found
}

#[test]
fn the_key_statistics_report_comes_in_every_format_and_refuses_bad_periods() {
    let data = tempfile::tempdir().unwrap();
    let export = data.path().join("export");
    run_ok(byname(data.path()).args(["generate", "--out"]).arg(&export).args([
        "--seed",
        "3",
        "--from",
        "2022-04-01",
        "--to",
        "2024-03-31",
        "--scale",
        "0.3",
    ]));
    run_ok(byname(data.path()).args(["import", "chain"]).arg(export.join("chain")));
    run_ok(byname(data.path()).args(["import", "street-count"]).arg(export.join("street-count.csv")));

    let json = run_ok(byname(data.path()).args(["report", "key-stats", "--period", "FY2023-Q2", "--format", "json"]));
    assert!(json.contains("\"period\": \"FY2023-Q2\"") && json.contains("\"chain.total\": "), "{json}");
    let csv = run_ok(byname(data.path()).args(["report", "key-stats", "--period", "FY2023", "--format", "csv"]));
    assert!(csv.lines().any(|l| l.contains(",chain.flow,")), "annual measures in a year's report:\n{csv}");
    let xlsx = data.path().join("ks.xlsx");
    run_ok(
        byname(data.path())
            .args(["report", "key-stats", "--period", "FY2023", "--format", "xlsx", "--public", "--out"])
            .arg(&xlsx),
    );
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"), "an xlsx is a zip file");

    let refused = |args: &[&str], says: &str| {
        let output = byname(data.path()).args(["report", "key-stats"]).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && output.stdout.is_empty(), "{args:?} gave a report");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    };
    refused(&["--period", "FY23"], "\"FY23\" is not a period");
    refused(&["--period", "FY2099"], "is in the future");
    refused(&["--period", "FY2015"], "has no data");
    refused(&["--period", "FY2023", "--format", "pdf"], "[possible values: html, csv, json, xlsx]");
    std::fs::write(data.path().join("typo.toml"), "[chain]\nliving_on_the_streets_days = 21\n").unwrap();
    let typo = data.path().join("typo.toml");
    refused(
        &["--period", "FY2023", "--settings", typo.to_str().unwrap()],
        "unknown field `living_on_the_streets_days`",
    );
    std::fs::write(data.path().join("negative.toml"), "[ers]\nreturning_gap_days = -90\n").unwrap();
    let negative = data.path().join("negative.toml");
    refused(&["--period", "FY2023", "--settings", negative.to_str().unwrap()], "returning_gap_days");

    // The page prints to a clean PDF: several A4 pages, the charts and tables in it.
    let html = data.path().join("ks.html");
    run_ok(byname(data.path()).args(["report", "key-stats", "--period", "FY2023", "--out"]).arg(&html));
    let Some(chromium) = chromium() else { return };
    let pdf = data.path().join("ks.pdf");
    let profile = tempfile::tempdir().unwrap();
    let status = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--no-first-run", "--no-pdf-header-footer"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let pages = text.matches("/Type /Page").count() - text.matches("/Type /Pages").count();
    assert!(bytes.starts_with(b"%PDF") && bytes.len() > 20_000, "{} bytes", bytes.len());
    assert!(pages >= 3, "{pages} pages");
    std::fs::copy(&pdf, std::env::temp_dir().join("byname-key-statistics.pdf")).ok();
}

#[test]
fn forecasts_come_with_their_model_and_accuracy_and_refuse_bad_requests() {
    let data = tempfile::tempdir().unwrap();
    let export = data.path().join("export");
    run_ok(byname(data.path()).args(["generate", "--out"]).arg(&export).args([
        "--seed",
        "5",
        "--from",
        "2021-07-01",
        "--to",
        "2025-06-30",
        "--scale",
        "0.3",
    ]));
    run_ok(byname(data.path()).args(["import", "chain"]).arg(export.join("chain")));

    let json = run_ok(byname(data.path()).args([
        "forecast",
        "--metric",
        "chain.total",
        "--horizon",
        "12",
        "--format",
        "json",
    ]));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["metric"], "chain.total");
    assert!(["seasonal_naive", "ets", "mstl_ets"].contains(&value["model"].as_str().unwrap()), "{json}");
    assert!(value["accuracy"]["mase"].as_f64().unwrap() > 0.0, "{json}");
    let steps = value["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 12);
    assert_eq!(steps[0]["period"], "2025-07", "the month after the data ends");
    for step in steps {
        let f = |key: &str| step[key].as_f64().unwrap();
        assert!(f("lower_95") <= f("lower_80") && f("lower_80") <= f("point"), "{step}");
        assert!(f("point") <= f("upper_80") && f("upper_80") <= f("upper_95") && f("lower_95") >= 0.0, "{step}");
    }

    let csv =
        run_ok(byname(data.path()).args(["forecast", "--metric", "bfz.active", "--horizon", "6", "--format", "csv"]));
    assert_eq!(csv.lines().next(), Some("metric,area,model,period,point,lower_80,upper_80,lower_95,upper_95"));
    assert_eq!(csv.lines().count(), 7, "{csv}");
    let table = run_ok(byname(data.path()).args([
        "forecast",
        "--metric",
        "chain.new",
        "--period-unit",
        "quarter",
        "--horizon",
        "4",
    ]));
    assert!(table.contains("FY2025-Q2") && table.contains("Model: ") && table.contains("Accuracy"), "{table}");
    assert!(table.contains("first 12 months of the data"), "the first year of 'new' is left out: {table}");

    // One area, a break of one's own, and none at all.
    let json = |args: &[&str]| -> serde_json::Value {
        let text =
            run_ok(byname(data.path()).args(["forecast", "--metric", "chain.total", "--format", "json"]).args(args));
        serde_json::from_str(&text).unwrap()
    };
    let area = json(&["--area", "Westminster", "--horizon", "3"]);
    assert_eq!(
        (area["area"].as_str(), area["steps"].as_array().map(Vec::len)),
        (Some("Westminster"), Some(3)),
        "{area}"
    );
    let own_break = json(&["--break", "2022-01..2022-03"]);
    let breaks: Vec<&str> = own_break["breaks"].as_array().unwrap().iter().filter_map(|b| b.as_str()).collect();
    assert!(breaks.iter().any(|b| b.contains("2022-01")), "{breaks:?}");
    let none = json(&["--no-breaks"]);
    assert_eq!(none["breaks"].as_array().map(Vec::len), Some(0), "{none}");

    let refused = |args: &[&str], says: &str| {
        let output = byname(data.path()).arg("forecast").args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && output.stdout.is_empty(), "{args:?} gave a forecast");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    };
    refused(&["--metric", "chain.totl"], "[possible values: chain.total, chain.new,");
    refused(&["--metric", "chain.total", "--horizon", "0"], "--horizon 0");
    refused(&["--metric", "chain.total", "--horizon", "100"], "more than 5 years ahead");
    refused(&["--metric", "chain.total", "--area", "Atlantis"], "no area \"Atlantis\" in the data; the areas are:");
    refused(&["--metric", "chain.total", "--period-unit", "week"], "[possible values: month, quarter]");
    refused(&["--metric", "chain.total", "--break", "2021-13..2022-01"], "is not a break");

    // Ten months of data: a naive forecast, labelled and cautioned as such.
    let short = tempfile::tempdir().unwrap();
    let export = short.path().join("export");
    run_ok(byname(short.path()).args(["generate", "--out"]).arg(&export).args([
        "--seed",
        "5",
        "--from",
        "2024-09-01",
        "--to",
        "2025-06-30",
        "--scale",
        "0.1",
    ]));
    run_ok(byname(short.path()).args(["import", "chain"]).arg(export.join("chain")));
    let json = run_ok(byname(short.path()).args(["forecast", "--metric", "chain.total", "--format", "json"]));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["model"], "naive", "{json}");
    assert!(value["caution"].as_str().unwrap().contains("less than two years"), "{json}");
}

#[test]
fn scenarios_project_against_the_baseline_validate_on_the_hotel_closures_and_refuse_the_impossible() {
    let data = tempfile::tempdir().unwrap();
    let export = data.path().join("export");
    run_ok(byname(data.path()).args(["generate", "--out"]).arg(&export).args([
        "--seed",
        "7",
        "--from",
        "2015-04-01",
        "--to",
        "2023-03-31",
        "--scale",
        "0.5",
    ]));
    run_ok(byname(data.path()).args(["import", "inform"]).arg(export.join("inform")).arg("--no-link"));
    run_ok(byname(data.path()).args(["import", "chain"]).arg(export.join("chain")));
    let json = |args: &[&str]| -> serde_json::Value {
        let text = run_ok(byname(data.path()).args(["scenario", "--format", "json", "--paths", "200"]).args(args));
        serde_json::from_str(&text).unwrap()
    };

    // The validation: fitted to March 2021, hotel rooms closed to newcomers from April, and the
    // 18 months after compared with what was recorded. Closing the rooms must explain who lived
    // on the streets and who stayed in hotels better than carrying the Everyone In rates on.
    let validation = json(&["--validate"]);
    assert_eq!(validation["changes"][0]["lever"], "hotel_capacity", "{validation}");
    let steps = validation["steps"].as_array().unwrap();
    assert_eq!((steps.len(), steps[0]["period"].as_str()), (18, Some("2021-04")));
    assert!(steps.iter().all(|s| s["recorded"].as_f64().is_some()), "the data has those months");
    let check = |metric: &str| validation["check"].as_array().unwrap().iter().find(|c| c["metric"] == metric).unwrap();
    let error = |c: &serde_json::Value, run: &str| c[format!("error_{run}")].as_f64().unwrap();
    for metric in ["chain.living_on_streets", "occupancy.hotel"] {
        let c = check(metric);
        assert!(error(c, "scenario") < error(c, "baseline") * 0.7, "closing the hotels explains {metric} better: {c}");
    }
    let total = check("chain.total");
    assert!(error(total, "scenario") < 15.0, "{total}");
    assert!(validation["cautions"][0].as_str().unwrap().contains("structural break"), "{validation}");

    // A scenario on the latest data: fewer longer-term places leave more people on the street.
    let cut = json(&["--change", "longterm_capacity=-30%", "--months", "12", "--metric", "chain.living_on_streets"]);
    let steps = cut["steps"].as_array().unwrap();
    assert_eq!((steps.len(), steps[0]["period"].as_str()), (12, Some("2023-04")), "{cut}");
    let last = &steps[11];
    assert!(last["point"].as_f64() > last["baseline"]["point"].as_f64(), "{last}");
    for step in steps {
        let f = |key: &str| step[key].as_f64().unwrap();
        assert!(f("lower_95") <= f("lower_80") && f("lower_80") <= f("point") && f("point") <= f("upper_80"), "{step}");
        assert!(f("upper_80") <= f("upper_95") && step["recorded"].is_null(), "{step}");
    }
    let places = cut["capacities_after_changes"][0]["places"].as_i64().unwrap();
    let fitted = cut["fit"]["capacities"]["longterm_capacity"].as_i64().unwrap();
    assert_eq!(places, fitted - (fitted as f64 * 0.3).round() as i64);

    let csv =
        run_ok(byname(data.path()).args(["scenario", "--change", "move_on=+20%", "--months", "6", "--format", "csv"]));
    assert_eq!(csv.lines().next(), Some("metric,period,run,point,lower_80,upper_80,lower_95,upper_95,recorded"));
    assert_eq!(csv.lines().count(), 1 + 8 * 2 * 6, "8 figures, baseline and scenario, 6 months");
    let table = run_ok(byname(data.path()).args(["scenario", "--validate", "--paths", "50"]));
    assert!(
        table.contains("hotel_capacity -100% from 2021-04") && table.contains("Against what was recorded"),
        "{table}"
    );

    let refused = |args: &[&str], says: &str| {
        let output = byname(data.path()).arg("scenario").args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && output.stdout.is_empty(), "{args:?} gave a scenario");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    };
    refused(&["--change", "longterm_capacity=-100000"], "a capacity cannot be negative");
    refused(&["--change", "beds=-10"], "no change is called \"beds\"; these are: hotel_capacity");
    refused(&["--change", "move_on=20"], "move_on=+20%");
    refused(&["--change", "arrivals=-10%", "--from", "2019-01"], "a scenario changes the future");
    refused(&["--change", "arrivals=-10%", "--from", "July"], "is not a month");
    refused(&["--months", "0"], "at least one month");
    refused(&["--months", "61"], "more than 60 months");
    refused(
        &["--metric", "chain.totl"],
        "[possible values: chain.total, chain.new, chain.living_on_streets, bfz.active, occupancy.hotel,",
    );
    refused(&["--fit-to", "2010-01"], "the data run from 2015-04");
    refused(&["--fit-to", "2016-01"], "at least 24 are needed");
    refused(&["--area", "Atlantis"], "no area \"Atlantis\"");
}

#[test]
fn forecasts_are_evaluated_at_rolling_origins_on_series_from_a_file_and_bad_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("series_id,unit,period_index,value\n");
    for t in 0..60 {
        let v = 100.0 + t as f64 + 20.0 * (std::f64::consts::TAU * t as f64 / 12.0).cos() + ((t * 5) % 7) as f64;
        text.push_str(&format!("visits,month,{t},{v}\n"));
    }
    for t in 0..32 {
        text.push_str(&format!(
            "beds,quarter,{t},{}\n",
            if t == 9 { String::new() } else { (50 + t % 4 * 3).to_string() }
        ));
    }
    let input = dir.path().join("series.csv");
    std::fs::write(&input, &text).unwrap();
    let evaluate = |args: &[&str]| {
        let mut command = byname(dir.path());
        command.args(["forecast", "evaluate", "--input"]).arg(&input).args(args);
        command
    };
    let table = run_ok(&mut evaluate(&["--horizon", "4", "--origins", "2"]));
    assert!(table.starts_with("2 series, 2 origins each (4 periods apart), 4 periods ahead: 4 forecasts"), "{table}");
    assert!(table.lines().any(|l| l.starts_with("visits") && l.contains("month")), "{table}");
    let json: serde_json::Value = serde_json::from_str(&run_ok(&mut evaluate(&[
        "--horizon",
        "4",
        "--origins",
        "3",
        "--step",
        "1",
        "--format",
        "json",
    ])))
    .unwrap();
    let origins: Vec<u64> =
        json["forecasts"].as_array().unwrap().iter().map(|f| f["origin"].as_u64().unwrap()).collect();
    assert_eq!(origins, vec![54, 55, 56, 26, 27, 28]);
    assert_eq!(json["overall"]["points"], 24);
    assert!(json["fit_seconds"].as_f64().unwrap() >= 0.0);

    let refused = |content: &str, args: &[&str], says: &str| {
        std::fs::write(&input, content).unwrap();
        let output = evaluate(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success() && output.stdout.is_empty(), "{content:?} was evaluated");
        assert!(stderr.contains(says), "{content:?}: {stderr}");
    };
    refused("series_id,unit,value\n", &[], "no column \"period_index\"");
    refused(&text.replace("beds,quarter,3,59", "beds,quarter,3,lots"), &[], "line 65, value: \"lots\" is not a number");
    refused(&text, &["--horizon", "12", "--origins", "3"], "series \"visits\" has 60 months");
    refused(&text, &["--format", "xml"], "[possible values: table, json]");
}

#[test]
fn the_escalation_commands_run_the_step_at_an_instant_and_refuse_bad_settings() {
    let data = tempfile::tempdir().unwrap();
    let stepped = run_ok(byname(data.path()).args(["escalations", "step", "--at", "2024-07-08T12:00:00Z"]));
    assert!(stepped.contains("0 escalations moved up"), "{stepped}");
    let set = run_ok(byname(data.path()).args(["escalations", "deadline", "housing", "7"]));
    assert!(set.contains("housing: 7 working days"), "{set}");
    for (args, message) in [
        (vec!["escalations", "step", "--at", "next tuesday"], "not an ISO 8601 instant"),
        (vec!["escalations", "deadline", "police", "0"], "from 1 to 60 working days, not 0"),
        (vec!["escalations", "head-of-service", "nobody"], "no user"),
    ] {
        let output = byname(data.path()).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    // An area that is not one is a bad command line, with the areas listed.
    let output = byname(data.path()).args(["escalations", "deadline", "astrology", "3"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("[possible values: default, adult_social_care,"), "{stderr}");
}

#[test]
fn the_persons_export_writes_an_id_that_looks_like_a_formula_as_text() {
    let data = tempfile::tempdir().unwrap();
    let chain = data.path().join("chain");
    std::fs::create_dir_all(&chain).unwrap();
    std::fs::write(
        chain.join("persons.csv"),
        "chain_id,first_name,last_name,aliases,date_of_birth,gender,nationality,ethnicity,immigration_status,support_needs,history,last_settled_base,nhs_number\n\
         =1+2,John,Smith,,1975-03-02,male,United Kingdom,,,,,,\n\
         C2,Amina,Yusuf,,1990-11-30,female,Eritrea,,,,,,\n",
    )
    .unwrap();
    std::fs::write(
        chain.join("contacts.csv"),
        "contact_id,chain_id,contact_date,contact_time,team,borough,location,latitude,longitude,bedded_down,contact_type\n\
         CT1,=1+2,2024-06-01,,Outreach,Westminster,Strand,,,Y,outreach\n\
         CT2,C2,2024-06-02,,Outreach,Westminster,Strand,,,Y,outreach\n",
    )
    .unwrap();
    std::fs::write(
        chain.join("stays.csv"),
        "stay_id,chain_id,provider,stay_type,arrival_date,departure_date,departure_reason\n",
    )
    .unwrap();
    run_ok(byname(data.path()).args(["import", "chain"]).arg(&chain));
    run_ok(byname(data.path()).arg("link"));
    let export = data.path().join("persons.csv");
    run_ok(byname(data.path()).args(["persons", "export", "--out"]).arg(&export));
    let persons = std::fs::read_to_string(&export).unwrap();
    let mut lines = persons.lines();
    assert_eq!(lines.next(), Some("source,source_id,person_id"), "{persons}");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "{persons}");
    assert!(rows.iter().any(|l| l.starts_with("chain,'=1+2,")), "{persons}");
    assert!(rows.iter().any(|l| l.starts_with("chain,C2,")), "{persons}");
}

#[test]
fn a_broken_export_is_refused_and_a_dry_run_stores_nothing() {
    let data = tempfile::tempdir().unwrap();
    let export = data.path().join("chain");
    std::fs::create_dir(&export).unwrap();
    let persons = "chain_id,first_name,last_name,date_of_birth\nC1,Ann,Lee,1980-01-01\nC2,Bob,Kay,1970-05-05\n";
    let contacts = "contact_id,chain_id,contact_date,bedded_down\nK1,C1,2024-06-01,Y\nK2,C2,2024-06-02,Y\n";
    std::fs::write(export.join("persons.csv"), persons).unwrap();
    std::fs::write(export.join("contacts.csv"), contacts).unwrap();

    // A dry run into an empty database: the counts, marked, and nothing stored.
    let dry = run_ok(byname(data.path()).args(["import", "chain", "--dry-run"]).arg(&export));
    assert!(dry.contains("dry run (chain): 4 rows read, 4 imported"), "{dry}");
    assert!(dry.contains("dry run: nothing was stored"), "{dry}");
    let database = data.path().join("byname.db");
    let empty = table_digest(&database);
    assert!(!empty.contains("\"source_records\", 2"), "{empty}");
    assert!(run_ok(byname(data.path()).args(["import", "history"])).lines().count() == 1);

    run_ok(byname(data.path()).args(["import", "chain"]).arg(&export));
    let before = table_digest(&database);
    let history = run_ok(byname(data.path()).args(["import", "history"]));

    // The persons file arrives with its header only.
    std::fs::write(export.join("persons.csv"), "chain_id,first_name,last_name,date_of_birth\n").unwrap();
    let refused = byname(data.path()).args(["import", "chain"]).arg(&export).output().unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("persons.csv: this full export would withdraw 2 of 2 live CHAIN person records (100%)"),
        "{stderr}"
    );
    assert!(stderr.contains("--confirm-withdrawals"), "{stderr}");
    assert_eq!(table_digest(&database), before);
    assert_eq!(run_ok(byname(data.path()).args(["import", "history"])), history);

    // A dry run says so, and still stores nothing.
    let dry = run_ok(byname(data.path()).args(["import", "chain", "--dry-run"]).arg(&export));
    assert!(dry.contains("a real import would be refused: "), "{dry}");
    assert!(dry.contains("dry run: nothing was stored"), "{dry}");
    assert_eq!(table_digest(&database), before);

    // Allowed all, or confirmed, it goes through.
    let done = run_ok(byname(data.path()).args(["import", "chain", "--max-withdrawal", "100"]).arg(&export));
    assert!(done.contains("2 rejected"), "{done}");
    assert!(done.contains(" 4 withdrawn"), "{done}");
    assert_ne!(table_digest(&database), before);
    let bad = byname(data.path()).args(["import", "chain", "--max-withdrawal", "150"]).arg(&export).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn a_subject_access_export_says_what_it_wrote() {
    let data = tempfile::tempdir().unwrap();
    let export = data.path().join("chain");
    std::fs::create_dir(&export).unwrap();
    std::fs::write(
        export.join("persons.csv"),
        "chain_id,first_name,last_name,date_of_birth,ethnicity\nC1,Ann,Lee,1980-01-01,White: Irish\nC2,Bob,Kay,1970-05-05,\n",
    )
    .unwrap();
    std::fs::write(
        export.join("contacts.csv"),
        "contact_id,chain_id,contact_date,bedded_down\nK1,C1,2024-06-01,Y\nK2,C1,2024-06-02,Y\nK3,C2,2024-06-02,Y\n",
    )
    .unwrap();
    run_ok(byname(data.path()).args(["import", "chain"]).arg(&export));
    let persons = data.path().join("persons.csv");
    run_ok(byname(data.path()).args(["persons", "export", "--out"]).arg(&persons));
    let persons = std::fs::read_to_string(&persons).unwrap();
    let ann = persons.lines().find(|l| l.starts_with("chain,C1,")).unwrap().rsplit(',').next().unwrap().to_owned();

    let out = data.path().join("sar.json");
    let said = run_ok(byname(data.path()).args(["sar", &ann, "--out"]).arg(&out));
    assert!(said.starts_with(&format!("wrote everything held on person {ann} to {}: ", out.display())), "{said}");
    assert!(said.contains("source_records 1") && said.contains("contacts 2,"), "{said}");
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["tables"]["source_records"][0]["ethnicity"], "White: Irish");
    // Without --out, the JSON itself.
    let printed: serde_json::Value = serde_json::from_str(&run_ok(byname(data.path()).args(["sar", &ann]))).unwrap();
    assert_eq!(printed["tables"]["contacts"].as_array().unwrap().len(), 2);
    assert!(!printed.to_string().contains("Bob"));
}

#[test]
fn erase_refuses_an_unknown_person_and_an_empty_reason_and_retention_dry_runs_change_nothing() {
    let data = tempfile::tempdir().unwrap();
    let export = data.path().join("export");
    // Four years of a small partnership that ended in 2020: long enough ago for six years'
    // retention to reach some of its people, and not others.
    run_ok(byname(data.path()).args(["generate", "--out"]).arg(&export).args([
        "--seed",
        "5",
        "--from",
        "2016-04-01",
        "--to",
        "2020-03-31",
        "--scale",
        "0.1",
    ]));
    run_ok(byname(data.path()).args(["import", "chain"]).arg(export.join("chain")));
    let database = data.path().join("byname.db");
    let before = table_digest(&database);

    for (args, message) in [
        (vec!["erase", "999999", "--reason", "Asked by the subject"], "no person 999999: nothing was changed"),
        (vec!["erase", "1", "--reason", "  "], "a reason is required"),
        (vec!["restrict", "999999", "--reason", "Accuracy contested"], "no person 999999"),
        (vec!["restrict", "1", "--lift"], "not restricted"),
        (vec!["settings", "retention-months", "0"], "from 1 to 1200 months, not 0"),
    ] {
        let output = byname(data.path()).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let output = byname(data.path()).args(["erase", "1"]).output().unwrap();
    assert!(!output.status.success(), "a reason is required by the command line too");
    assert_eq!(table_digest(&database), before, "refused commands change nothing");

    let settings = run_ok(byname(data.path()).args(["settings", "retention-months"]));
    assert!(settings.contains("72 months"), "six years by default: {settings}");
    let dry = run_ok(byname(data.path()).args(["retention", "--dry-run"]));
    assert_eq!(table_digest(&database), before, "a dry run changes nothing:\n{dry}");
    // The rows: person id, last seen, records.
    let rows = |text: &str| -> Vec<(i64, String)> {
        text.lines()
            .filter_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
                [id, day, records] if day.len() == 10 && records.parse::<u64>().is_ok() => {
                    Some((id.parse().ok()?, day.to_owned()))
                }
                _ => None,
            })
            .collect()
    };
    let listed = rows(&dry);
    assert!(!listed.is_empty(), "{dry}");
    assert!(dry.contains(&format!("{} people would be erased (dry run", listed.len())), "{dry}");
    let cutoff = dry.split("last seen before ").nth(1).unwrap().split_whitespace().next().unwrap();
    assert!(listed.iter().all(|(_, day)| day.as_str() < cutoff), "{cutoff}: {dry}");

    // Erase one of them by hand: it is gone from the next dry run.
    let first = listed[0].0;
    let erased = run_ok(byname(data.path()).args(["erase", &first.to_string(), "--reason", "Asked by the subject"]));
    assert!(
        erased.contains(&format!("erased person {first}: removed")) && erased.contains("source_records"),
        "{erased}"
    );
    let again = run_ok(byname(data.path()).args(["retention", "--dry-run"]));
    assert!(again.contains(&format!("{} people would be erased", listed.len() - 1)), "{again}");
    assert!(rows(&again).iter().all(|(id, _)| *id != first));
    let run = run_ok(byname(data.path()).args(["retention"]));
    assert!(run.contains(&format!("{} people erased", listed.len() - 1)), "{run}");
    let verify = run_ok(byname(data.path()).args(["audit", "verify"]));
    assert!(verify.contains("intact"), "{verify}");
    // The same export imported again brings none of them back.
    let reimport = run_ok(byname(data.path()).args(["import", "chain"]).arg(export.join("chain")));
    assert!(reimport.contains("skipped because they belong to people erased"), "{reimport}");
    let history = run_ok(byname(data.path()).args(["import", "history", "--limit", "1"]));
    let erased_column = history.lines().nth(1).and_then(|l| l.split_whitespace().nth(9)).unwrap();
    assert!(erased_column.parse::<u64>().unwrap() >= listed.len() as u64, "{history}");
    let after = run_ok(byname(data.path()).args(["retention", "--dry-run"]));
    assert!(after.contains("0 people would be erased"), "{after}");
}

/// `--database` and `--data-dir` are listed in the help of the commands that open a store and
/// nowhere else, and still work where they always have: before the subcommand, after it, and
/// from their environment variables.
#[test]
fn each_command_lists_only_the_flags_that_matter_to_it() {
    let help = |args: &[&str]| {
        run_ok(Command::new(env!("CARGO_BIN_EXE_byname")).args(args).arg("--help").env_remove("BYNAME_DATABASE_URL"))
    };
    for args in [
        &["generate"][..],
        &["generate-febrl"],
        &["import", "example-mapping"],
        &["link", "csv"],
        &["report", "example-settings"],
        &["forecast", "evaluate"],
    ] {
        let text = help(args);
        assert!(!text.contains("--database") && !text.contains("--data-dir"), "{args:?} opens no store:\n{text}");
    }
    for args in [&["import", "chain"][..], &["report", "key-stats"], &["serve"], &["link"], &["sar"], &["demo"]] {
        let text = help(args);
        assert!(text.contains("--database") && text.contains("--data-dir"), "{args:?} opens a store:\n{text}");
    }
    assert!(help(&[]).contains("--data-dir"), "the top level lists them");

    let data = tempfile::tempdir().unwrap();
    let export = data.path().join("export");
    // Before the subcommand, where they are no use but have always been accepted.
    run_ok(byname(data.path()).args(["generate", "--out"]).arg(&export).args([
        "--from",
        "2024-01-01",
        "--to",
        "2024-01-31",
        "--scale",
        "0.05",
    ]));
    // After the subcommand too, where a hidden copy takes them.
    run_ok(
        Command::new(env!("CARGO_BIN_EXE_byname"))
            .args(["generate", "--data-dir"])
            .arg(data.path())
            .arg("--out")
            .arg(data.path().join("again"))
            .args(["--from", "2024-01-01", "--to", "2024-01-31", "--scale", "0.05"]),
    );
    let before = data.path().join("before");
    let after = data.path().join("after");
    let from_env = data.path().join("env");
    let import = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_byname"));
        command.env_remove("BYNAME_DATABASE_URL").env_remove("BYNAME_DATA_DIR").env("BYNAME_LOG", "warn");
        command
    };
    run_ok(import().arg("--data-dir").arg(&before).args(["import", "chain", "--no-link"]).arg(export.join("chain")));
    run_ok(import().args(["import", "chain", "--no-link"]).arg(export.join("chain")).arg("--data-dir").arg(&after));
    run_ok(import().env("BYNAME_DATA_DIR", &from_env).args(["import", "chain", "--no-link"]).arg(export.join("chain")));
    for dir in [&before, &after, &from_env] {
        let history = run_ok(import().arg("--data-dir").arg(dir).args(["import", "history"]));
        assert!(history.contains("chain"), "{}: {history}", dir.display());
    }
}

/// A value outside a flag's closed set is a bad command line: exit 2, before anything is
/// opened, with the values it takes; each of those values still works.
#[test]
fn a_value_outside_a_closed_set_exits_2_naming_the_values_and_the_good_ones_work() {
    let data = tempfile::tempdir().unwrap();
    for (args, values) in [
        (
            &["report", "key-stats", "--period", "FY2023", "--format", "pdf"][..],
            "[possible values: html, csv, json, xlsx]",
        ),
        (&["forecast", "--metric", "chain.total", "--format", "xml"], "[possible values: table, csv, json]"),
        (&["scenario", "--format", "yaml"], "[possible values: table, csv, json]"),
        (&["forecast", "--metric", "chain.totl"], "[possible values: chain.total, chain.new,"),
        (&["scenario", "--metric", "occupancy.hotels"], "occupancy.hotel, occupancy.night_shelter,"),
        (&["forecast", "evaluate", "--input", "x.csv", "--format", "csv"], "[possible values: table, json]"),
        (&["forecast", "--metric", "chain.total", "--period-unit", "week"], "[possible values: month, quarter]"),
        (
            &["users", "add", "--username", "ann", "--organisation", "Outreach", "--role", "boss"],
            "[possible values: outreach_worker, service_lead, service_leader, health_partner, analyst, strategic_viewer, admin]",
        ),
        (
            &[
                "users",
                "add",
                "--username",
                "ann",
                "--organisation",
                "Outreach",
                "--role",
                "admin",
                "--service-area",
                "astrology",
            ],
            "[possible values: adult_social_care, substance_misuse,",
        ),
        (
            &["organisations", "add", "Outreach", "--kind", "charity"],
            "[possible values: outreach, day_centre, accommodation, council, adult_social_care, health, other]",
        ),
    ] {
        let output = byname(data.path()).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("invalid value") && stderr.contains(values), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    assert!(!data.path().join("byname.db").exists(), "a bad command line opens no store");

    // Every role is taken, spelt as before, in an organisation that exists.
    run_ok(byname(data.path()).args(["organisations", "add", "Outreach", "--kind", "outreach"]));
    for role in
        ["outreach_worker", "service_lead", "service_leader", "health_partner", "analyst", "strategic_viewer", "admin"]
    {
        let username = format!("user-{role}");
        let mut add = byname(data.path());
        add.args(["users", "add", "--username", &username, "--organisation", "Outreach", "--role", role])
            .env("BYNAME_NEW_PASSWORD", "a long enough password");
        if role == "service_leader" {
            add.args(["--service-area", "housing"]);
        }
        let said = run_ok(&mut add);
        assert!(said.contains(&format!("({role}, Outreach) saved")), "{said}");
    }
    let users = run_ok(byname(data.path()).args(["users", "list"]));
    assert!(users.contains("user-service_leader\tservice_leader\tOutreach\tactive\tarea housing"), "{users}");

    // The formats and period units, on a little history.
    let export = data.path().join("export");
    run_ok(byname(data.path()).args(["generate", "--out"]).arg(&export).args([
        "--seed",
        "3",
        "--from",
        "2021-04-01",
        "--to",
        "2024-03-31",
        "--scale",
        "0.1",
    ]));
    run_ok(byname(data.path()).args(["import", "chain"]).arg(export.join("chain")));
    for format in ["html", "csv", "json"] {
        let report =
            run_ok(byname(data.path()).args(["report", "key-stats", "--period", "FY2023", "--format", format]));
        assert!(!report.is_empty(), "{format}");
    }
    let report = run_ok(byname(data.path()).args(["report", "key-stats", "--period", "FY2023"]));
    assert!(report.to_lowercase().contains("<html"), "html by default");
    for unit in ["month", "quarter"] {
        for format in ["table", "csv", "json"] {
            let forecast = run_ok(byname(data.path()).args([
                "forecast",
                "--metric",
                "chain.total",
                "--horizon",
                "2",
                "--period-unit",
                unit,
                "--format",
                format,
            ]));
            assert!(!forecast.is_empty(), "{unit} {format}");
        }
    }
    let json =
        run_ok(byname(data.path()).args(["forecast", "--metric", "chain.total", "--horizon", "2", "--format", "json"]));
    assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok(), "{json}");
}

/// Logs go to standard error, without colour codes when it is not a terminal; a one-shot
/// command logs warnings and errors only unless `-v` asks for more, and BYNAME_LOG wins.
#[test]
fn one_shot_commands_log_quietly_without_colour_codes_and_v_brings_the_steps_back() {
    let stderr_of = |verbose: Option<&str>, log: Option<&str>| {
        let data = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_byname"));
        command.arg("--data-dir").arg(data.path()).env_remove("BYNAME_DATABASE_URL").env_remove("BYNAME_LOG");
        command.args(verbose).args(["import", "history"]);
        if let Some(log) = log {
            command.env("BYNAME_LOG", log);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "{stderr}");
        assert!(String::from_utf8_lossy(&output.stdout).contains("finished"), "the history goes to standard output");
        assert!(!stderr.contains('\u{1b}'), "no escape codes when standard error is not a terminal: {stderr:?}");
        stderr
    };
    // A new data directory: the migrations are applied, which is logged as INFO.
    let quiet = stderr_of(None, None);
    assert!(!quiet.contains("INFO"), "{quiet}");
    for verbose in ["-v", "--verbose"] {
        let told = stderr_of(Some(verbose), None);
        assert!(told.contains("INFO") && told.contains("applied migration"), "{verbose}: {told}");
    }
    let debug = stderr_of(Some("-vv"), None);
    assert!(debug.contains("INFO"), "{debug}");
    let from_env = stderr_of(None, Some("info"));
    assert!(from_env.contains("INFO") && from_env.contains("applied migration"), "{from_env}");
    let wins = stderr_of(Some("-v"), Some("error"));
    assert!(!wins.contains("INFO"), "BYNAME_LOG wins over -v: {wins}");
}

/// A partnership's first day from the command line: organisations, the names their teams go by
/// in the exports (those not yet claimed listed with what they cover), a name claimed twice, an
/// organisation misspelt, and the data's state.
#[test]
fn organisations_claim_the_names_in_imports_and_mistakes_exit_1_saying_what_to_fix() {
    let data = tempfile::tempdir().unwrap();
    let export = data.path().join("chain");
    std::fs::create_dir_all(&export).unwrap();
    std::fs::write(
        export.join("persons.csv"),
        "chain_id,first_name,last_name,date_of_birth,gender,nationality,nhs_number\n\
         C001,John,Smith,1975-03-02,male,United Kingdom,943 476 5919\n\
         C002,Stefan,Popescu,,male,Romania,\n",
    )
    .unwrap();
    std::fs::write(
        export.join("contacts.csv"),
        "contact_id,chain_id,contact_date,team,borough,location,bedded_down,contact_type\n\
         CT1,C001,2024-06-01,Westminster Outreach North,Westminster,Strand,Y,outreach\n\
         CT2,C001,2024-06-20,Westminster Outreach North,Westminster,Strand,Y,outreach\n\
         CT3,C002,2024-06-15,Night Outreach,Westminster,Marble Arch,Y,outreach\n",
    )
    .unwrap();
    run_ok(byname(data.path()).args(["import", "chain", "--no-link"]).arg(&export));
    let fails = |args: &[&str]| {
        let output =
            byname(data.path()).args(args).env("BYNAME_NEW_PASSWORD", "a long enough password").output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };

    run_ok(byname(data.path()).args(["organisations", "add", "Westminster Outreach Service", "--kind", "outreach"]));
    run_ok(byname(data.path()).args(["organisations", "add", "The Passage", "--kind", "day_centre"]));
    let list = run_ok(byname(data.path()).args(["organisations", "list"]));
    assert!(list.contains("Westminster Outreach Service (Outreach)\n  no names yet"), "{list}");
    let unclaimed = list.split("no organisation claims").nth(1).unwrap_or_else(|| panic!("{list}"));
    let north = unclaimed.find("Westminster Outreach North: 1 record, 2 contacts, 0 stays").unwrap();
    let night = unclaimed.find("Night Outreach: 1 record, 1 contact, 0 stays").unwrap();
    assert!(north < night, "most common first: {list}");

    let said = run_ok(byname(data.path()).args([
        "organisations",
        "add-name",
        "Westminster Outreach Service",
        "Westminster Outreach North",
    ]));
    assert!(said.contains("goes by \"Westminster Outreach North\""), "{said}");
    let list = run_ok(byname(data.path()).args(["organisations", "list"]));
    assert!(
        list.contains("Westminster Outreach Service (Outreach)\n  Westminster Outreach North: 1 record, 2 contacts"),
        "{list}"
    );
    assert!(!list.split("no organisation claims").nth(1).unwrap().contains("Westminster Outreach North"), "{list}");

    let claimed = fails(&["organisations", "add-name", "The Passage", "Westminster Outreach North"]);
    assert!(claimed.contains("already claimed by Westminster Outreach Service"), "{claimed}");
    let typo = fails(&["organisations", "add-name", "Westminster Outreach Servise", "Night Outreach"]);
    assert!(typo.contains("did you mean \"Westminster Outreach Service\""), "{typo}");
    let typo = fails(&["organisations", "remove-name", "The Pasage", "Night Outreach"]);
    assert!(typo.contains("did you mean \"The Passage\""), "{typo}");
    let not_its = fails(&["organisations", "remove-name", "The Passage", "Westminster Outreach North"]);
    assert!(not_its.contains("does not go by"), "{not_its}");
    let twice = fails(&["organisations", "add", "The Passage"]);
    assert!(twice.contains("exists already"), "{twice}");
    let user = fails(&[
        "users",
        "add",
        "--username",
        "ann",
        "--role",
        "outreach_worker",
        "--organisation",
        "westminster outreach service",
    ]);
    assert!(user.contains("did you mean \"Westminster Outreach Service\""), "{user}");
    let users = run_ok(byname(data.path()).args(["users", "list"]));
    assert!(!users.contains("ann"), "nothing half-done: {users}");
    let list = run_ok(byname(data.path()).args(["organisations", "list"]));
    assert_eq!(list.matches("(Outreach)").count() + list.matches("(Day centre)").count(), 2, "{list}");

    run_ok(byname(data.path()).args([
        "organisations",
        "remove-name",
        "Westminster Outreach Service",
        "Westminster Outreach North",
    ]));
    let status = run_ok(byname(data.path()).args(["data", "status"]));
    let chain = status.lines().find(|l| l.starts_with("CHAIN")).unwrap_or_else(|| panic!("{status}"));
    // Two persons and three contacts read, none rejected; half the records with a date of
    // birth, all with a nationality, half with an NHS number.
    let fields: Vec<&str> = chain.split_whitespace().collect();
    assert_eq!(&fields[2..], ["0", "5", "0", "2", "50%", "100%", "50%"], "{status}");
    assert!(status.lines().any(|l| l.starts_with("Inform") && l.contains("never")), "{status}");
    assert!(status.contains("Pairs awaiting review: 0"), "{status}");
    assert!(
        status.contains("  Westminster Outreach North: 1 record, 2 contacts"),
        "the removed name is unclaimed again: {status}"
    );
}

/// Runs a command expected to fail, and returns its standard output and error.
fn run_failing(command: &mut Command) -> (String, String) {
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{command:?} did not fail:\n{stdout}\n{stderr}");
    (stdout, stderr)
}

#[test]
fn check_says_what_to_fix_on_a_fresh_data_directory_and_passes_once_set_up() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("data");
    let (stdout, stderr) = run_failing(byname(&dir).arg("check"));
    assert!(stdout.contains("FIX  secret key: ") && stdout.contains("secret.key does not exist"), "{stdout}");
    assert!(stdout.contains("FIX  database: ") && stdout.contains("there is no database at"), "{stdout}");
    assert!(stdout.contains("--   administrators: not checked until the database answers"), "{stdout}");
    assert!(stderr.contains("error: 2 check(s) failed"), "{stderr}");
    assert!(!dir.join("byname.db").exists() && !dir.join("secret.key").exists(), "check creates nothing");

    let add = |username: &str, role: &str, organisation: &str| {
        run_ok(byname(&dir).env("BYNAME_NEW_PASSWORD", "correct horse battery").args([
            "users",
            "add",
            "--username",
            username,
            "--role",
            role,
            "--organisation",
            organisation,
        ]))
    };
    run_ok(byname(&dir).args(["organisations", "add", "Westminster Council", "--kind", "council"]));
    add("ada", "admin", "Westminster Council");
    let stdout = run_ok(byname(&dir).arg("check"));
    for line in [
        "ok   secret key: ",
        "ok   database: sqlite://",
        "ok   migrations: all ",
        "ok   organisations: ",
        "ok   administrators: 1 enabled",
        "byname is ready",
    ] {
        assert!(stdout.contains(line), "{line:?} in\n{stdout}");
    }

    // A frontline organisation without the names its records carry, and no administrator.
    run_ok(byname(&dir).args(["organisations", "add", "Street Outreach", "--kind", "outreach"]));
    add("olu", "outreach_worker", "Street Outreach");
    run_ok(byname(&dir).args(["users", "disable", "ada"]));
    let (stdout, stderr) = run_failing(byname(&dir).arg("check"));
    assert!(stdout.contains("FIX  organisations: no names for \"Street Outreach\""), "{stdout}");
    assert!(stdout.contains("FIX  administrators: none enabled"), "{stdout}");
    assert!(stderr.contains("error: 2 check(s) failed"), "{stderr}");

    // A key file others may read.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        run_ok(byname(&dir).args(["users", "enable", "ada"]));
        std::fs::set_permissions(dir.join("secret.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let (stdout, _) = run_failing(byname(&dir).arg("check"));
        assert!(stdout.contains("may be read by others (mode 644)"), "{stdout}");
        std::fs::set_permissions(dir.join("secret.key"), std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    // The organisation given the team name its imports carry: ready again.
    run_ok(byname(&dir).args(["users", "enable", "ada"]));
    run_ok(byname(&dir).args(["organisations", "add-name", "Street Outreach", "Street Outreach Night Team"]));
    let stdout = run_ok(byname(&dir).arg("check"));
    assert!(stdout.contains("ok   organisations: ") && stdout.contains("byname is ready"), "{stdout}");
}

#[test]
fn backup_writes_a_private_copy_with_its_audit_head_and_never_replaces_a_file() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().join("data");
    run_ok(byname(&dir).args(["organisations", "add", "Westminster Council", "--kind", "council"]));
    run_ok(byname(&dir).env("BYNAME_NEW_PASSWORD", "correct horse battery").args([
        "users",
        "add",
        "--username",
        "ada",
        "--role",
        "admin",
        "--organisation",
        "Westminster Council",
    ]));
    let file = data.path().join("byname-backup.db");
    let stdout = run_ok(byname(&dir).arg("backup").arg(&file));
    assert!(stdout.contains("backed up the database to"), "{stdout}");
    let head = std::fs::read_to_string(data.path().join("byname-backup.db.audit-head")).unwrap();
    let (id, hash) = head.trim().split_once(' ').unwrap();
    assert!(id.parse::<i64>().unwrap() >= 2 && hash.len() == 64, "{head}");
    #[cfg(unix)]
    for path in [file.clone(), data.path().join("byname-backup.db.audit-head")] {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "{path:?}");
    }
    // The backup is audited, in the live log and in the copy.
    let audit = run_ok(byname(&dir).args(["audit", "search", "--action", "backup"]));
    assert!(audit.contains("byname-backup.db"), "{audit}");

    // An existing path is refused, and left as it was.
    let taken = data.path().join("taken.db");
    std::fs::write(&taken, "keep me").unwrap();
    let (_, stderr) = run_failing(byname(&dir).arg("backup").arg(&taken));
    assert!(stderr.contains("taken.db exists: a backup never replaces a file"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&taken).unwrap(), "keep me");
    assert!(!data.path().join("taken.db.audit-head").exists());
    let (_, stderr) = run_failing(byname(&dir).arg("backup").arg(&file));
    assert!(stderr.contains("byname-backup.db exists"), "{stderr}");
    assert_eq!(std::fs::read_to_string(data.path().join("byname-backup.db.audit-head")).unwrap(), head);
}
