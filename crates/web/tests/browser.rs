//! The by-name list in a real browser: headless Chromium, driven through
//! chromedriver, signs in with the form and reads the list at a phone's width.
//! Without chromedriver the test says loudly that it skipped, except under
//! `CI=true`, where `.ci/run` installs it and its absence is a failure.

mod support;

use byname_store::{Accounts, Linkage};
use fantoccini::{ClientBuilder, Locator};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PERSONS: &str = "chain_id,first_name,last_name,date_of_birth\n\
                       C1,Kazimierz,Wójcik-Przybyszewski,1970-01-01\nC2,Tesfay,Berhane,1990-05-05\n";
const CONTACTS: &str = "contact_id,chain_id,contact_date,location,borough,team,bedded_down\n\
                        K1,C1,2024-06-30,\"Strand, doorway of the former Lyceum Theatre box office\",Westminster,Westminster Outreach West End,Y\n\
                        K2,C2,2024-06-29,Marble Arch,Westminster,Night Outreach,Y\n";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn chromedriver() -> Option<String> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(str::to_owned)
}

async fn serve_app(dir: &std::path::Path) -> u16 {
    let (_, state) = support::seeded_state(dir, PERSONS, CONTACTS, false).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(byname_web::serve(state, listener));
    port
}

/// One browser at a time: two Chromium sessions starting together on two cores sometimes fail
/// to start at all.
static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

type Browser = (tokio::sync::MutexGuard<'static, ()>, Driver, fantoccini::Client, tempfile::TempDir);

/// A headless Chromium session through chromedriver at a phone's width, or `None` (with a loud
/// message) when chromedriver is not installed outside CI.
async fn browser() -> Option<Browser> {
    let turn = ONE_BROWSER.lock().await;
    let Some(chromedriver) = chromedriver() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but chromedriver is not installed");
        }
        eprintln!(
            "\n*** chromedriver is not installed: the browser test was SKIPPED (apt-get install chromium chromium-driver) ***\n"
        );
        return None;
    };
    let driver_port = free_port();
    let driver = Driver(
        Command::new(chromedriver)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", driver_port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start listening");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let profile = tempfile::tempdir().unwrap();
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            format!("--user-data-dir={}", profile.path().display()), "--window-size=390,844",
        ]}),
    );
    let mut attempts = 0;
    let client = loop {
        attempts += 1;
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
        {
            Ok(client) => break client,
            Err(error) if attempts < 3 => {
                eprintln!("Chromium did not start ({error}); trying again");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(error) => panic!("no Chromium session after {attempts} attempts: {error}"),
        }
    };
    Some((turn, driver, client, profile))
}

/// axe-core's source, from `crates/web/tests/axe` (`npm ci` there; `.ci/run` does it).
fn axe_source() -> Option<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/axe/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => panic!("CI=true but {} is missing", path.display()),
        Err(_) => {
            eprintln!(
                "\n*** axe-core is not installed (npm ci --prefix crates/web/tests/axe): accessibility checks SKIPPED ***\n"
            );
            None
        }
    }
}

/// Runs axe-core on the page the browser shows and fails on any serious or critical violation;
/// saves a screenshot of the page as a test artefact either way.
async fn accessible(client: &fantoccini::Client, name: &str) -> Result<(), fantoccini::error::CmdError> {
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).ok();
    std::fs::write(shots.join(format!("{name}.png")), client.screenshot().await?).ok();
    let Some(source) = axe_source() else { return Ok(()) };
    client.execute(&source, vec![]).await?;
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations
               .filter(v => v.impact === 'serious' || v.impact === 'critical')
               .map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
               .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await?;
    let violations: Vec<String> = serde_json::from_value(found).unwrap_or_default();
    assert!(violations.is_empty(), "{name}: serious or critical accessibility violations:\n{}", violations.join("\n"));
    Ok(())
}

async fn sign_in(client: &fantoccini::Client, base: &str, username: &str) -> Result<(), fantoccini::error::CmdError> {
    client.goto(&format!("{base}/login")).await?;
    client.find(Locator::Id("username")).await?.send_keys(username).await?;
    client.find(Locator::Id("password")).await?.send_keys(support::PASSWORD).await?;
    client.find(Locator::Css("button[type=submit]")).await?.click().await?;
    // Signed in once the browser has left the sign-in page (its own `main` is there at once).
    leave(client, "/login").await
}

/// Waits until the browser is no longer on `path`, after a click that navigates.
async fn leave(client: &fantoccini::Client, path: &str) -> Result<(), fantoccini::error::CmdError> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.current_url().await?.path() == path && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client.wait().for_element(Locator::Css("main")).await?;
    Ok(())
}

/// Waits until `page` (the `html` element of the page before a form was sent) is gone and the
/// next page has its `main`: for a form that answers with the same address.
async fn replaced(
    client: &fantoccini::Client,
    page: fantoccini::elements::Element,
) -> Result<(), fantoccini::error::CmdError> {
    let deadline = Instant::now() + Duration::from_secs(10);
    while page.tag_name().await.is_ok() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    client.wait().for_element(Locator::Css("main")).await?;
    Ok(())
}

/// Signs out with the header's button and waits for the sign-in page.
async fn sign_out(client: &fantoccini::Client) -> Result<(), fantoccini::error::CmdError> {
    let from = client.current_url().await?.path().to_owned();
    client.find(Locator::Css("form.inline[action='/logout'] button")).await?.click().await?;
    leave(client, &from).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outreach_worker_signs_in_and_reads_the_list_on_a_phone() {
    let Some((_turn, _driver, client, _profile)) = browser().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let app_port = serve_app(dir.path()).await;

    let result = async {
        let base = format!("http://127.0.0.1:{app_port}");
        client.goto(&format!("{base}/people")).await?;
        assert!(client.current_url().await?.as_str().ends_with("/login"), "the list asks for a sign-in first");
        accessible(&client, "login").await?;
        client.find(Locator::Id("username")).await?.send_keys("worker").await?;
        client.find(Locator::Id("password")).await?.send_keys("a long enough password").await?;
        client.find(Locator::Css("button[type=submit]")).await?.click().await?;
        client.wait().for_element(Locator::Css("table.list")).await?;
        assert!(client.current_url().await?.as_str().ends_with("/people"));

        let names: Vec<String> = {
            let mut names = Vec::new();
            for cell in client.find_all(Locator::Css("td[data-label=Name]")).await? {
                names.push(cell.text().await?);
            }
            names
        };
        assert_eq!(names, ["Kazimierz Wójcik-Przybyszewski", "Tesfay Berhane"]);

        // On a phone the list is a stack of cards: nothing runs off the side of the screen,
        // and each value carries its label.
        let fits = client.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await?;
        assert_eq!(fits, serde_json::Value::Bool(true), "the page scrolls sideways on a phone");
        let label = client
            .execute(
                "return getComputedStyle(document.querySelector('td[data-label=Lead]'), '::before').content;",
                vec![],
            )
            .await?;
        assert_eq!(label, serde_json::Value::String("\"Lead\"".into()));
        accessible(&client, "by-name-list-phone").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_parts_two_records_with_the_keyboard_alone() {
    let Some((_turn, _driver, client, _profile)) = browser().await else { return };
    let dir = tempfile::tempdir().unwrap();
    // The night team met C0003, whose second record E0003 links to it by itself: the outreach
    // service's lead sees both records, and so may part them.
    let contacts = format!("{CONTACTS}K3,C0003,2024-06-28,Strand,Westminster,Night Outreach,Y\n");
    let (store, state) = support::seeded_state(dir.path(), &support::many_persons(), &contacts, false).await;

    let organisation =
        store.organisations().await.unwrap().into_iter().find(|o| o.name == "Westminster Outreach Service").unwrap().id;
    byname_casework::accounts::add_user(
        &store,
        "lead",
        "Lee Lead",
        "service_lead",
        organisation,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 09:00 UTC),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(byname_web::serve(state, listener));
    let ids = store.link_inputs(false).await.unwrap();
    let id_of = |source_id: &str| ids.iter().find(|r| r.source_id == source_id).unwrap().record_id;
    let (left, right) = (id_of("C0003").min(id_of("E0003")), id_of("C0003").max(id_of("E0003")));

    let result = async {
        sign_in(&client, &base, "lead").await?;
        client.goto(&format!("{base}/review/{left}/{right}")).await?;
        client.wait().for_element(Locator::Css("table.explain")).await?;
        // The first choice has the focus; Tab reaches the second, Enter sends it.
        let focused = client.execute("return document.activeElement.value;", vec![]).await?;
        assert_eq!(focused, serde_json::Value::String("same".into()), "Same person has the focus");
        let fits = client.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await?;
        assert_eq!(fits, serde_json::Value::Bool(true), "the pair page scrolls sideways on a phone");
        accessible(&client, "review-pair-phone").await?;
        client.active_element().await?.send_keys("\u{E004}").await?; // Tab
        let focused = client.execute("return document.activeElement.value;", vec![]).await?;
        assert_eq!(focused, serde_json::Value::String("different".into()));
        client.active_element().await?.send_keys("\u{E007}").await?; // Enter
        let deadline = Instant::now() + Duration::from_secs(10);
        while client.current_url().await?.path().starts_with("/review/") && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.unwrap();
    let records = store.records(&[left, right]).await.unwrap();
    assert_ne!(records[0].person_id, records[1].person_id, "the keyboard decision parted them");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_statistics_page_reads_on_a_phone_with_its_charts() {
    let Some((_turn, _driver, client, _profile)) = browser().await else { return };
    let dir = tempfile::tempdir().unwrap();
    // Forty people seen in April to June 2024, some of them often.
    let mut contacts = String::from("contact_id,chain_id,contact_date,location,borough,team,bedded_down\n");
    for i in 0..40 {
        for visit in 0..(1 + i % 4) {
            let date = format!("2024-{:02}-{:02}", 4 + visit % 3, 1 + (i * 3 + visit * 9) % 28);
            contacts.push_str(&format!("K{i}-{visit},C{i:04},{date},Strand,Westminster,West End team,Y\n"));
        }
    }
    let (store, state) = support::seeded_state(dir.path(), &support::many_persons(), &contacts, false).await;
    support::add_analyst(&store).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(byname_web::serve(state, listener));

    let result = async {
        sign_in(&client, &base, "analyst").await?;
        client.goto(&format!("{base}/reports/key-statistics?period=FY2024-Q1")).await?;
        client.wait().for_element(Locator::Css("article.report")).await?;
        let charts = client.find_all(Locator::Css("figure.chart svg[role=img]")).await?;
        assert!(charts.len() >= 3, "{} charts", charts.len());
        let titled = client
            .execute("return [...document.querySelectorAll('figure.chart svg')].every(s => s.querySelector('title') && s.querySelector('desc'));", vec![])
            .await?;
        assert_eq!(titled, serde_json::Value::Bool(true), "every chart has a title and a description");
        let fits = client.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await?;
        assert_eq!(fits, serde_json::Value::Bool(true), "the report scrolls sideways on a phone");
        accessible(&client, "key-statistics-phone").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outreach_worker_finds_a_person_and_records_a_contact_and_another_organisation_sees_the_minimal_entry() {
    let Some((_turn, _driver, client, _profile)) = browser().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (store, state) = support::seeded_state(dir.path(), PERSONS, CONTACTS, false).await;
    let passage = byname_store::Accounts::upsert_organisation(&store, "The Passage", "day_centre").await.unwrap();
    byname_casework::accounts::add_user(
        &store,
        "daycentre",
        "Dee Centre",
        "outreach_worker",
        passage,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 08:00 UTC),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(byname_web::serve(state, listener));

    let result = async {
        sign_in(&client, &base, "worker").await?;
        // Find Kazimierz: filter the list, then open his record.
        client.find(Locator::Id("living_on_streets")).await?;
        client.find(Locator::LinkText("Kazimierz Wójcik-Przybyszewski")).await?.click().await?;
        client.wait().for_element(Locator::Css("ol.timeline")).await?;
        accessible(&client, "person-record-phone").await?;
        client.find(Locator::LinkText("Record a contact")).await?.click().await?;
        client.wait().for_element(Locator::Css("form.contact")).await?;
        accessible(&client, "record-contact-phone").await?;
        client.find(Locator::Id("place")).await?.send_keys("Embankment station, exit 2").await?;
        client.find(Locator::Id("note")).await?.send_keys("Asked about the day centre").await?;
        client.find(Locator::Css("form.contact button[type=submit]")).await?.click().await?;
        client.wait().for_element(Locator::Css("ol.timeline")).await?;
        let newest = client.find(Locator::Css("ol.timeline li")).await?.text().await?;
        assert!(
            newest.contains("Embankment station, exit 2") && newest.contains("Asked about the day centre"),
            "{newest}"
        );
        let fits = client.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await?;
        assert_eq!(fits, serde_json::Value::Bool(true), "the record scrolls sideways on a phone");
        let url = client.current_url().await?;
        sign_out(&client).await?;

        // A day-centre worker: their organisation has not met him and he has not consented.
        sign_in(&client, &base, "daycentre").await?;
        client.goto(url.as_str()).await?;
        let heading = client.find(Locator::Css("h1")).await?.text().await?;
        assert_eq!(heading, "K. W.", "initials only");
        let body = client.find(Locator::Css("main")).await?.text().await?;
        assert!(
            !body.contains("Kazimierz") && !body.contains("Embankment") && body.contains("minimal entry"),
            "{body}"
        );
        accessible(&client, "minimal-entry-phone").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_lead_raises_a_blockage_the_leader_answers_it_and_an_unanswered_one_moves_up() {
    let Some((_turn, _driver, client, _profile)) = browser().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (store, state) = support::seeded_state(dir.path(), PERSONS, CONTACTS, false).await;
    let outreach = store.upsert_organisation("Westminster Outreach Service", "outreach").await.unwrap();
    let care = store.upsert_organisation("Westminster Adult Social Care", "adult_social_care").await.unwrap();
    let add = async |username: &str, role: &str, organisation: i64, area: Option<&str>| {
        let id = byname_casework::accounts::add_user(
            &store,
            username,
            username,
            role,
            organisation,
            support::PASSWORD,
            time::macros::datetime!(2024-07-01 08:00 UTC),
        )
        .await
        .unwrap();
        byname_casework::accounts::set_profile(&store, id, role, area, false).await.unwrap();
    };
    add("lead", "service_lead", outreach, None).await;
    add("leader", "service_leader", care, Some("adult_social_care")).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(byname_web::serve(state, listener));
    let person = store.person_membership().await.unwrap().iter().find(|(_, id, _)| id == "C1").unwrap().2;

    let result = async {
        // The service lead raises a blockage from the person's page.
        sign_in(&client, &base, "lead").await?;
        client.goto(&format!("{base}/people/{person}")).await?;
        client.find(Locator::XPath("//summary[contains(., 'Raise a blockage')]")).await?.click().await?;
        client.find(Locator::Id("blocked")).await?.send_keys("Care Act assessment refused twice").await?;
        client.find(Locator::Id("needed")).await?.send_keys("An assessment this week").await?;
        client.find(Locator::XPath("//button[text()='Raise']")).await?.click().await?;
        // Raised: the browser is on the new escalation's page.
        client.wait().for_element(Locator::Css("main.escalation")).await?;
        client.goto(&format!("{base}/escalations")).await?;
        accessible(&client, "my-escalations-lead").await?;
        sign_out(&client).await?;

        // The area's leader acknowledges it, then resolves it.
        sign_in(&client, &base, "leader").await?;
        client.goto(&format!("{base}/escalations")).await?;
        client.find(Locator::XPath("//a[contains(., 'Care Act assessment refused twice')]")).await?.click().await?;
        client.wait().for_element(Locator::Css("main.escalation")).await?;
        accessible(&client, "escalation-leader").await?;
        client.find(Locator::XPath("//button[text()='Acknowledge']")).await?.click().await?;
        // The page after the answer, not the one before it, which has a resolve button too.
        client.wait().for_element(Locator::XPath("//dd[text()='Acknowledged']")).await?;
        client.find(Locator::XPath("//button[text()='Mark resolved']")).await?.click().await?;
        client.wait().for_element(Locator::XPath("//dd[text()='Resolved']")).await?;
        let state = client.find(Locator::Css("dl.facts")).await?.text().await?;
        assert!(state.contains("Resolved"), "{state}");
        let happened = client.find(Locator::Css("ol.timeline")).await?.text().await?;
        assert!(happened.contains("acknowledged") && happened.contains("resolved"), "{happened}");
        client.goto(&format!("{base}/notifications")).await?;
        accessible(&client, "notifications-leader").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;

    if let Err(error) = result {
        client.close().await.ok();
        panic!("{error}");
    }
    // A second blockage nobody answers: past its deadline, the step moves it to the head of service.
    let lead = byname_casework::accounts::sign_in(
        &store,
        "lead",
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 09:30 UTC),
    )
    .await
    .unwrap();
    let lead = byname_casework::accounts::session(&store, &lead, time::macros::datetime!(2024-07-01 09:31 UTC))
        .await
        .unwrap()
        .unwrap();
    let form = byname_casework::escalations::RaiseForm {
        service_area: "adult_social_care".into(),
        blocked: "No GP registration".into(),
        needed: "Registration".into(),
        needed_by: String::new(),
    };
    let unanswered = byname_casework::escalations::raise(
        &store,
        &lead,
        person,
        &form,
        time::macros::datetime!(2024-07-01 09:00 UTC),
    )
    .await
    .unwrap();
    let moved =
        byname_casework::escalations::step(&store, time::macros::datetime!(2024-07-15 09:00 UTC)).await.unwrap();
    assert_eq!(moved.len(), 1, "only the unanswered one moves");
    let result = async {
        client.goto(&format!("{base}/escalations/{unanswered}")).await?;
        let facts = client.find(Locator::Css("dl.facts")).await?.text().await?;
        assert!(facts.contains("Head of service"), "{facts}");
        accessible(&client, "escalation-moved-up").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_moves_a_team_name_to_another_organisation_and_reads_the_data_page_on_a_phone() {
    let Some((_turn, _driver, client, _profile)) = browser().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let (store, state) = support::seeded_state(dir.path(), PERSONS, CONTACTS, false).await;
    byname_store::Accounts::upsert_organisation(&store, "The Passage", "day_centre").await.unwrap();
    let council =
        byname_store::Accounts::upsert_organisation(&store, "Westminster City Council", "council").await.unwrap();
    byname_casework::accounts::add_user(
        &store,
        "admin",
        "Ada Min",
        "admin",
        council,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 08:00 UTC),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(byname_web::serve(state, listener));

    let result = async {
        sign_in(&client, &base, "admin").await?;
        client.goto(&format!("{base}/admin/organisations")).await?;
        accessible(&client, "organisations-phone").await?;
        let page = client.find(Locator::Css("html")).await?;
        client
            .find(Locator::Css("button[aria-label='Remove the name Night Outreach from Westminster Outreach Service']"))
            .await?
            .click()
            .await?;
        replaced(&client, page).await?;
        client.wait().for_element(Locator::Css("#unclaimed-names option[value='Night Outreach']")).await?;
        client.find(Locator::Css("#name-organisation option[value='The Passage']")).await?.click().await?;
        client.find(Locator::Id("name")).await?.send_keys("Night Outreach").await?;
        let page = client.find(Locator::Css("html")).await?;
        client
            .find(Locator::Css("form[action='/admin/organisations/names'] button[type=submit]"))
            .await?
            .click()
            .await?;
        replaced(&client, page).await?;
        let main = client.find(Locator::Css("main")).await?.text().await?;
        assert!(main.contains("The Passage (Day centre)\nNight Outreach: 1 record, 1 contact, 0 stays"), "{main}");
        let fits = client.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await?;
        assert_eq!(fits, serde_json::Value::Bool(true), "the organisations page scrolls sideways on a phone");

        client.find(Locator::LinkText("Data")).await?.click().await?;
        leave(&client, "/admin/organisations").await?;
        client.wait().for_element(Locator::Css("table.list")).await?;
        let main = client.find(Locator::Css("main")).await?.text().await?;
        assert!(main.contains("Every name seen in imports is claimed"), "{main}");
        accessible(&client, "data-phone").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_on_a_phone_finds_a_misspelt_name_from_the_header_and_opens_the_person() {
    let Some((_turn, _driver, client, _profile)) = browser().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let app_port = serve_app(dir.path()).await;

    let result = async {
        let base = format!("http://127.0.0.1:{app_port}");
        client.set_window_size(375, 812).await?;
        sign_in(&client, &base, "worker").await?;
        client.goto(&format!("{base}/escalations")).await?;
        // The header's box, found by its label as a screen reader would.
        let label = client.find(Locator::Css("label[for=header-search]")).await?.prop("textContent").await?;
        assert!(label.as_deref().is_some_and(|l| l.starts_with("Search for a person")), "{label:?}");
        let fits = client.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await?;
        assert_eq!(fits, serde_json::Value::Bool(true), "the header with its box scrolls sideways on a phone");
        let search = client.find(Locator::Id("header-search")).await?;
        search.send_keys("tesfai berhan").await?;
        search.send_keys("\u{E007}").await?; // Enter
        leave(&client, "/escalations").await?;
        assert_eq!(client.current_url().await?.path(), "/people/search");
        let first = client.find(Locator::Css("table.list td[data-label=Name] a")).await?;
        assert_eq!(first.text().await?, "Tesfay Berhane");
        let fits = client.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await?;
        assert_eq!(fits, serde_json::Value::Bool(true), "the results scroll sideways on a phone");
        accessible(&client, "search-results-phone").await?;
        first.click().await?;
        leave(&client, "/people/search").await?;
        assert!(client.current_url().await?.path().starts_with("/people/"));
        let heading = client.find(Locator::Css("h1")).await?.text().await?;
        assert!(heading.contains("Tesfay Berhane"), "{heading}");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outreach_worker_registers_someone_new_on_a_phone_after_checking_the_people_offered() {
    let Some((_turn, _driver, client, _profile)) = browser().await else { return };
    let dir = tempfile::tempdir().unwrap();
    let app_port = serve_app(dir.path()).await;

    let result = async {
        let base = format!("http://127.0.0.1:{app_port}");
        client.set_window_size(375, 812).await?;
        sign_in(&client, &base, "worker").await?;
        client.goto(&format!("{base}/people")).await?;
        client.find(Locator::LinkText("Register someone new")).await?.click().await?;
        leave(&client, "/people").await?;
        assert_eq!(client.current_url().await?.path(), "/people/new");
        let fits = client.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await?;
        assert_eq!(fits, serde_json::Value::Bool(true), "the form scrolls sideways on a phone");
        accessible(&client, "register-phone").await?;

        // Tesfaye Berhane, born the day Tesfay Berhane was: byname asks whether it is him.
        client.find(Locator::Id("first_name")).await?.send_keys("Tesfaye").await?;
        client.find(Locator::Id("last_name")).await?.send_keys("Berhane").await?;
        client.execute("document.getElementById('date_of_birth').value = '1990-05-05';", vec![]).await?;
        client.find(Locator::Css("#gender option[value=male]")).await?.click().await?;
        client.find(Locator::Css("#nationality option[value=ERI]")).await?.click().await?;
        client.find(Locator::Id("place")).await?.send_keys("Marble Arch, by the fountain").await?;
        client.find(Locator::Css("form.register button[type=submit]")).await?.click().await?;
        client.wait().for_element(Locator::Css("ul.matches")).await?;
        let offered = client.find(Locator::Css("ul.matches li a")).await?.text().await?;
        assert_eq!(offered, "Tesfay Berhane");
        accessible(&client, "register-possible-matches-phone").await?;

        // Not him: registered as new, and on their own page.
        client.find(Locator::XPath("//button[text()='None of these: register as new']")).await?.click().await?;
        leave(&client, "/people/new").await?;
        let path = client.current_url().await?.path().to_owned();
        assert!(path.starts_with("/people/") && path != "/people/new", "{path}");
        assert_eq!(client.find(Locator::Css("h1")).await?.text().await?, "Tesfaye Berhane");
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lists_filters_and_a_long_person_page_read_on_a_375_pixel_phone() {
    let Some((_turn, _driver, client, _profile)) = browser().await else { return };
    let dir = tempfile::tempdir().unwrap();
    // Kazimierz seen sixty times: more than a page of his timeline.
    let mut contacts = CONTACTS.to_owned();
    for i in 0..60 {
        let day = time::macros::date!(2024 - 03 - 01) + time::Duration::days(i * 2);
        contacts.push_str(&format!("L{i},C1,{day},\"Strand, doorway\",Westminster,Night Outreach,Y\n"));
    }
    let (store, state) = support::seeded_state(dir.path(), PERSONS, &contacts, false).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(byname_web::serve(state, listener));
    let person = store.person_membership().await.unwrap().iter().find(|(_, id, _)| id == "C1").unwrap().2;

    let result = async {
        client.set_window_size(375, 812).await?;
        sign_in(&client, &base, "worker").await?;
        let width = client.execute("return window.innerWidth;", vec![]).await?;
        assert_eq!(width, serde_json::json!(375), "a 375-pixel phone");
        client.goto(&format!("{base}/people")).await?;
        client.wait().for_element(Locator::Css("form.filters")).await?;
        let rect = |selector: &str| {
            let client = client.clone();
            let script = format!(
                "const r = document.querySelector({selector:?}).getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];"
            );
            async move {
                let value = client.execute(&script, vec![]).await?;
                Ok::<Vec<f64>, fantoccini::error::CmdError>(serde_json::from_value(value).unwrap())
            }
        };
        // Each checkbox before its own label, on one line.
        for id in ["new_this_month", "living_on_streets"] {
            let (boxed, label) = (rect(&format!("#{id}")).await?, rect(&format!("label[for={id}]")).await?);
            assert!(boxed[2] <= label[0], "{id}: the checkbox is not before its label: {boxed:?} {label:?}");
            let middle = |r: &[f64]| (r[1] + r[3]) / 2.0;
            assert!((middle(&boxed) - middle(&label)).abs() < 8.0, "{id}: not on one line: {boxed:?} {label:?}");
        }
        // The filters side by side, not one tall column; each label just above its control.
        let (organisation, lead) = (rect("#organisation").await?, rect("#lead").await?);
        assert!(lead[0] > organisation[2], "two filters share a row: {organisation:?} {lead:?}");
        let label = rect("label[for=need]").await?;
        let need = rect("#need").await?;
        assert!(need[1] >= label[3] - 1.0 && need[1] - label[3] < 12.0, "the need's label sits on its control");
        let fits = client.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await?;
        assert_eq!(fits, serde_json::Value::Bool(true), "the list scrolls sideways on a phone");
        accessible(&client, "by-name-list-filters-375").await?;

        client.goto(&format!("{base}/people/{person}")).await?;
        client.wait().for_element(Locator::Css("dl.summary")).await?;
        let summary = client.find(Locator::Css("dl.summary")).await?.text().await?;
        assert!(summary.contains("1970-01-01") && summary.contains("On the list"), "{summary}");
        // Label and value side by side, the value given most of the width.
        let value = rect("dl.summary dd").await?;
        assert!(value[2] - value[0] > 160.0, "the summary's values are squeezed: {value:?}");
        let headings = client.find_all(Locator::Css("h1")).await?.len();
        assert_eq!(headings, 1);
        let fits = client.execute("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]).await?;
        assert_eq!(fits, serde_json::Value::Bool(true), "the person page scrolls sideways on a phone");
        assert_eq!(client.find_all(Locator::Css("ol.timeline li")).await?.len(), 50);
        accessible(&client, "person-page-375").await?;
        client.find(Locator::Css("a[rel=next]")).await?.click().await?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while client.current_url().await?.query() != Some("page=2") && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        client.wait().for_element(Locator::Css("ol.timeline")).await?;
        assert_eq!(client.current_url().await?.query(), Some("page=2"), "show more leads to the next fifty");
        assert_eq!(client.find_all(Locator::Css("ol.timeline li")).await?.len(), 11);
        accessible(&client, "person-page-more-375").await?;
        Ok::<_, fantoccini::error::CmdError>(())
    }
    .await;
    client.close().await.ok();
    result.unwrap();
}
