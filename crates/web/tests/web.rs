//! The web app driven in-process, as a browser would: sign in, see the list,
//! sign out; forms without their CSRF token and guessed passwords are refused.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use byname_store::{Accounts, Linkage};
use byname_store::{SqlStore, Store};
use tower::ServiceExt;

struct App {
    router: axum::Router,
    store: SqlStore,
    _dir: tempfile::TempDir,
}

const PERSONS: &str = "chain_id,first_name,last_name,date_of_birth\nC1,Mary,O'Neill,1970-01-01\nC2,Old,Case,\n";
const CONTACTS: &str = "contact_id,chain_id,contact_date,location,borough,bedded_down,team\n\
                        K1,C1,2024-06-30,Soho Square <garden>,Westminster,Y,Night Outreach\n\
                        K2,C2,2023-01-01,Strand,Westminster,Y,Night Outreach\n";

async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let (store, state) = support::seeded_state(dir.path(), PERSONS, CONTACTS, true).await;
    App { router: byname_web::router(state), store, _dir: dir }
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    cookies: Vec<String>,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(app: &App, request: Request<Body>) -> Reply {
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let location = response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned());
    let cookies =
        response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 10 << 20).await.unwrap();
    Reply { status, location, cookies, headers, body: String::from_utf8(body.to_vec()).unwrap() }
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    request.body(Body::empty()).unwrap()
}

fn post(path: &str, cookie: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_owned()))
        .unwrap()
}

fn hidden_value(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no {name} field in {body}")) + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

fn cookie_pair(cookies: &[String], name: &str) -> String {
    cookies.iter().find(|c| c.starts_with(&format!("{name}="))).unwrap().split(';').next().unwrap().to_owned()
}

/// Signs in through the form and returns the session cookie.
async fn sign_in(app: &App, password: &str) -> Reply {
    let form = send(app, get("/login", None)).await;
    let csrf = hidden_value(&form.body, "csrf");
    let login_cookie = cookie_pair(&form.cookies, "byname_login_csrf");
    send(
        app,
        post("/login", &login_cookie, &format!("username=worker&password={}&csrf={csrf}", password.replace(' ', "+"))),
    )
    .await
}

#[tokio::test]
async fn signing_in_leads_to_the_by_name_list() {
    let app = app().await;
    let anonymous = send(&app, get("/people", None)).await;
    assert_eq!((anonymous.status, anonymous.location.as_deref()), (StatusCode::SEE_OTHER, Some("/login")));

    let signed_in = sign_in(&app, "a long enough password").await;
    assert_eq!((signed_in.status, signed_in.location.as_deref()), (StatusCode::SEE_OTHER, Some("/")));
    let session_cookie = signed_in.cookies.iter().find(|c| c.starts_with("byname_session=")).unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(session_cookie.contains(attribute), "{session_cookie} lacks {attribute}");
    }
    let cookie = cookie_pair(&signed_in.cookies, "byname_session");

    let list = send(&app, get("/people", Some(&cookie))).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("<strong>1</strong> people active on 2024-07-01: seen from 2024-04-03 (the last 90 days)"),
        "{}",
        list.body
    );
    assert!(list.body.contains("Mary O&#39;Neill") || list.body.contains("Mary O'Neill"), "{}", list.body);
    assert!(list.body.contains("Soho Square &lt;garden&gt;, Westminster"), "text from imports is escaped");
    assert!(!list.body.contains("Old Case"), "not seen in the last 90 days");
    assert!(list.body.contains(r#"name="viewport""#), "readable on a phone");
    assert!(!list.body.contains("<script"), "no JavaScript needed");

    // One entry for the page (the worker's account, made by the operator, is in the log too).
    let audit = app.store.audit_entries(10).await.unwrap();
    let views: Vec<&str> =
        audit.iter().filter(|a| a.purpose.as_deref() != Some("administration")).map(|a| a.action.as_str()).collect();
    assert_eq!(views, ["view_by_name_list"]);
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused() {
    let app = app().await;
    let form = send(&app, get("/login", None)).await;
    let login_cookie = cookie_pair(&form.cookies, "byname_login_csrf");
    let forged =
        send(&app, post("/login", &login_cookie, "username=worker&password=a+long+enough+password&csrf=guess")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.cookies.iter().all(|c| !c.starts_with("byname_session=")));

    let signed_in = sign_in(&app, "a long enough password").await;
    let cookie = cookie_pair(&signed_in.cookies, "byname_session");
    let list = send(&app, get("/people", Some(&cookie))).await;
    let csrf = hidden_value(&list.body, "csrf");
    let refused = send(&app, post("/logout", &cookie, "csrf=wrong")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, get("/people", Some(&cookie))).await.status, StatusCode::OK, "still signed in");

    let signed_out = send(&app, post("/logout", &cookie, &format!("csrf={csrf}"))).await;
    assert_eq!(signed_out.location.as_deref(), Some("/login"));
    assert_eq!(send(&app, get("/people", Some(&cookie))).await.location.as_deref(), Some("/login"));
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_username_for_a_while() {
    let app = app().await;
    for _ in 0..5 {
        let reply = sign_in(&app, "not the password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.body.contains("Unknown username, wrong password or wrong code"));
    }
    let locked = sign_in(&app, "a long enough password").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.body.contains("Too many failed attempts"));
}

/// Signs in through the form as any user.
async fn sign_in_as(app: &App, username: &str, password: &str) -> String {
    let form = send(app, get("/login", None)).await;
    let csrf = hidden_value(&form.body, "csrf");
    let login_cookie = cookie_pair(&form.cookies, "byname_login_csrf");
    let body = format!("username={username}&password={}&csrf={csrf}", password.replace(' ', "+"));
    let reply = send(app, post("/login", &login_cookie, &body)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    cookie_pair(&reply.cookies, "byname_session")
}

#[tokio::test]
async fn a_reviewer_sees_why_two_records_match_and_parts_them() {
    let dir = tempfile::tempdir().unwrap();
    let contacts = "contact_id,chain_id,contact_date,location,borough,bedded_down,team\nK1,C0003,2024-06-30,Strand,Westminster,Y,Night Outreach\n";
    let (store, state) = support::seeded_state(dir.path(), &support::many_persons(), contacts, false).await;
    support::add_analyst(&store).await;
    let app = App { router: byname_web::router(state), store, _dir: dir };

    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    assert_eq!(
        send(&app, get("/review", Some(&worker))).await.status,
        StatusCode::FORBIDDEN,
        "outreach workers do not review"
    );
    let analyst = sign_in_as(&app, "analyst", support::PASSWORD).await;
    let queue = send(&app, get("/review", Some(&analyst))).await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains("pairs of records wait for a decision"), "{}", queue.body);

    // C0003 was met by the outreach service's night team, and E0003 is his second record,
    // linked automatically.
    let organisation = app
        .store
        .organisations()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == "Westminster Outreach Service")
        .unwrap()
        .id;
    byname_casework::accounts::add_user(
        &app.store,
        "lead",
        "Lee Lead",
        "service_lead",
        organisation,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 09:00 UTC),
    )
    .await
    .unwrap();
    let lead = sign_in_as(&app, "lead", support::PASSWORD).await;
    let ids = app.store.link_inputs(false).await.unwrap();
    let id_of = |source_id: &str| ids.iter().find(|r| r.source_id == source_id).unwrap().record_id;
    let (left, right) = (id_of("C0003").min(id_of("E0003")), id_of("C0003").max(id_of("E0003")));
    let pair = app.store.link_pair(left, right).await.unwrap().expect("scored");
    assert!(pair.probability >= 0.95, "above the automatic threshold");
    let persons = app.store.records(&[left, right]).await.unwrap();
    assert_eq!(persons[0].person_id, persons[1].person_id, "linked automatically");

    // The analyst reaches the review queue's pairs and their own decisions, not every pair:
    // walking pairs would undo the pseudonymised list.
    let page = send(&app, get(&format!("/review/{left}/{right}"), Some(&analyst))).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
    // The lead, whose organisation works with the man, sees why the two records match.
    let analyst = lead;
    let page = send(&app, get(&format!("/review/{left}/{right}"), Some(&analyst))).await;
    assert_eq!(page.status, StatusCode::OK);
    for shown in ["Are these the same person?", "Total match weight", "last name", "accesskey=\"s\"", "accesskey=\"d\""]
    {
        assert!(page.body.contains(shown), "{shown} missing from {}", page.body);
    }
    let csrf = hidden_value(&page.body, "csrf");
    let forged = send(&app, post(&format!("/review/{left}/{right}"), &analyst, "csrf=guess&decision=different")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let decided = send(
        &app,
        post(&format!("/review/{left}/{right}"), &analyst, &format!("csrf={csrf}&decision=different&reason=twins")),
    )
    .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);
    let persons = app.store.records(&[left, right]).await.unwrap();
    assert_ne!(persons[0].person_id, persons[1].person_id, "the reviewer parted them");

    // The person page says so, and offers the undo.
    let person = persons.iter().find(|r| r.source_id == "C0003").unwrap().person_id.unwrap();
    let page = send(&app, get(&format!("/people/{person}/linkage"), Some(&analyst))).await;
    assert!(page.body.contains("reviewed: different people") && page.body.contains("twins"), "{}", page.body);
    let batch = hidden_value(&page.body, "batch");
    let undone = send(&app, post("/linkage/undo", &analyst, &format!("csrf={csrf}&batch={batch}&back={person}"))).await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER);
    let persons = app.store.records(&[left, right]).await.unwrap();
    assert_eq!(persons[0].person_id, persons[1].person_id, "undone from the web page");

    // An outreach worker sees the records and why they were linked, but no merge or split.
    let case = send(&app, get(&format!("/people/{person}"), Some(&worker))).await;
    assert!(case.body.contains(&format!("/people/{person}/linkage")), "{}", case.body);
    let page = send(&app, get(&format!("/people/{person}/linkage"), Some(&worker))).await;
    assert!(page.body.contains("Source records and why they were linked"), "{}", page.body);
    assert!(!page.body.contains("Not this person") && !page.body.contains("Merge"), "{}", page.body);
}

#[tokio::test]
async fn the_key_statistics_page_and_its_downloads_agree_and_are_for_those_who_read_figures() {
    let app = app().await;
    support::add_analyst(&app.store).await;
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let refused = send(&app, get("/reports/key-statistics?period=FY2024-Q1", Some(&worker))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "outreach workers see people, not the partnership's figures");

    let analyst = sign_in_as(&app, "analyst", support::PASSWORD).await;
    let page = send(&app, get("/reports/key-statistics?period=FY2024-Q1", Some(&analyst))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Key statistics: 2024/25 Q1"), "{}", page.body);
    assert!(page.body.contains(r#"data-metric="chain.total""#));
    let json = send(&app, get("/reports/key-statistics?period=FY2024-Q1&format=json", Some(&analyst))).await;
    let json: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(json["metrics"]["chain.total"], 1.0, "Mary, seen on 30 June");
    let public = send(&app, get("/reports/key-statistics?period=FY2024-Q1&format=json&public=1", Some(&analyst))).await;
    let public: serde_json::Value = serde_json::from_str(&public.body).unwrap();
    assert!(public["metrics"]["chain.total"].is_null(), "one person is withheld in public");

    let bad = send(&app, get("/reports/key-statistics?period=FY24", Some(&analyst))).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("&quot;FY24&quot; is not a period") || bad.body.contains("\"FY24\" is not a period"),
        "{}",
        bad.body
    );
    let empty = send(&app, get("/reports/key-statistics?period=FY2019", Some(&analyst))).await;
    assert_eq!(empty.status, StatusCode::NOT_FOUND);
    assert!(empty.body.contains("has no data"), "never a page of zeros");
}

/// Thirty people and three years of contacts, more in summer, before the clock's 1 July 2024,
/// with an analyst to read the figures.
async fn three_summers() -> App {
    let mut persons = String::from("chain_id,first_name,last_name,date_of_birth\n");
    let mut contacts = String::from("contact_id,chain_id,contact_date,location,borough,bedded_down\n");
    for p in 0..30 {
        let (first, last) =
            (["Ann", "Bob", "Cy", "Di", "Ed"][p % 5], ["Hill", "Moss", "Reed", "Shaw", "Vale", "Wren"][p / 5]);
        persons.push_str(&format!("C{p},{first},{last},19{:02}-01-01\n", 50 + p));
    }
    let mut k = 0;
    for month in 0..36 {
        let (year, m) = (2021 + (month + 6) / 12, (month + 6) % 12 + 1);
        let seen = 10 + if (5..=9).contains(&m) { 12 } else { 0 } + month / 6;
        for p in 0..seen.min(30) {
            k += 1;
            contacts.push_str(&format!("K{k},C{p},{year}-{m:02}-{:02},Strand,Westminster,Y\n", 1 + p % 27));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let (store, state) = support::seeded_state(dir.path(), &persons, &contacts, true).await;
    let app = App { router: byname_web::router(state), store, _dir: dir };
    support::add_analyst(&app.store).await;
    app
}

#[tokio::test]
async fn the_forecasts_page_charts_a_forecast_with_its_accuracy_and_refuses_one_built_on_nothing() {
    let app = three_summers().await;
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let refused = send(&app, get("/forecasts", Some(&worker))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let analyst = sign_in_as(&app, "analyst", support::PASSWORD).await;
    let page = send(&app, get("/forecasts?metric=chain.total&unit=month&horizon=6", Some(&analyst))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<svg") && page.body.contains(r#"class="band95""#), "a chart with its intervals");
    assert!(page.body.contains("Model: ") && page.body.contains(r#"id="accuracy""#), "{}", page.body);
    assert!(page.body.contains("MASE"), "the accuracy is shown next to the forecast: {}", page.body);
    assert!(page.body.contains("2024-07") && page.body.contains("2024-12"), "six months ahead: {}", page.body);
    let json = send(&app, get("/forecasts?metric=chain.total&unit=month&horizon=6&format=json", Some(&analyst))).await;
    let json: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(json["steps"].as_array().unwrap().len(), 6);
    assert_eq!(json["history"].as_array().unwrap().len(), 36);

    let unknown = send(&app, get("/forecasts?metric=chain.everyone", Some(&analyst))).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("these can: chain.total"), "{}", unknown.body);

    // Two people seen eighteen months apart, nothing recorded between: no forecast at all.
    let sparse = crate::app().await;
    support::add_analyst(&sparse.store).await;
    let analyst = sign_in_as(&sparse, "analyst", support::PASSWORD).await;
    let nothing = send(&sparse, get("/forecasts", Some(&analyst))).await;
    assert_eq!(nothing.status, StatusCode::BAD_REQUEST);
    assert!(nothing.body.contains("at least 3 are needed") && !nothing.body.contains("<svg"), "{}", nothing.body);
}

#[tokio::test]
async fn the_scenarios_page_charts_a_change_against_the_baseline_and_refuses_impossible_ones() {
    let app = three_summers().await;
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    assert_eq!(send(&app, get("/scenarios", Some(&worker))).await.status, StatusCode::FORBIDDEN);

    let analyst = sign_in_as(&app, "analyst", support::PASSWORD).await;
    let url = "/scenarios?lever=returns&amount=-100%25&months=6&metric=chain.total";
    let page = send(&app, get(url, Some(&analyst))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(r#"class="base-band95""#) && page.body.contains(r#"class="band95""#), "both fans");
    assert!(page.body.contains("returns -100% from 2024-07") && page.body.contains("2024-12"), "{}", page.body);
    assert!(page.body.contains("Fitted to the months up to 2024-06"), "the model in plain words: {}", page.body);
    let json = send(&app, get(&format!("{url}&format=json"), Some(&analyst))).await;
    let json: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    let steps = json["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 6);
    let last = &steps[5];
    assert!(
        last["point"].as_f64() < last["baseline"]["point"].as_f64(),
        "nobody coming back, fewer on the street: {last}"
    );

    let refused = |url: &'static str, says: &'static str| {
        let app = &app;
        let analyst = analyst.clone();
        async move {
            let page = send(app, get(url, Some(&analyst))).await;
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "{url}");
            assert!(page.body.contains(says) && !page.body.contains("<svg"), "{url}: {}", page.body);
        }
    };
    // No hotel has been used here: a cut would leave fewer than none.
    refused("/scenarios?lever=hotel_capacity&amount=-5", "a capacity cannot be negative").await;
    refused("/scenarios?lever=move_on&amount=lots", "move_on changes by a percentage").await;
    refused("/scenarios?lever=hotel_capacity&amount=lots", "is not an amount for hotel_capacity").await;
    refused("/scenarios?validate=1", "the data run from 2021-07").await;
    refused("/scenarios?lever=arrivals&amount=%2B5%25&from=2020-01", "a scenario changes the future").await;
    refused("/scenarios?months=0", "Months: a whole number").await;
    let script = send(&app, get("/scenarios?area=%3Cscript%3Ealert(1)%3C%2Fscript%3E", Some(&analyst))).await;
    assert_eq!(script.status, StatusCode::BAD_REQUEST);
    assert!(!script.body.contains("<script>alert(1)") && script.body.contains("&lt;script&gt;"), "{}", script.body);
}

/// The consent states the access rules distinguish, given to all partners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConsentCase {
    None,
    Current,
    Expired,
    Withdrawn,
    /// A current consent for health care only (and one for research and statistics).
    OtherPurpose,
}

/// The view the rules give, written independently of the code under test.
fn expected_view(role: byname_domain::Role, works_with: bool, consent: ConsentCase) -> &'static str {
    use byname_domain::Role::*;
    match role {
        Admin | StrategicViewer => "none",
        Analyst => "pseudonymised",
        HealthPartner if works_with || consent == ConsentCase::OtherPurpose => "health",
        HealthPartner => "minimal",
        _ if works_with || consent == ConsentCase::Current => "full",
        _ => "minimal",
    }
}

#[tokio::test]
async fn every_role_relationship_and_consent_state_sees_exactly_what_the_rules_allow_on_every_person_route() {
    use byname_domain::Role;
    use byname_store::Casework;
    const NAME: &str = "Kazimierz";
    let cases = [
        ConsentCase::None,
        ConsentCase::Current,
        ConsentCase::Expired,
        ConsentCase::Withdrawn,
        ConsentCase::OtherPurpose,
    ];
    let mut checked = 0;
    for consent in cases {
        let dir = tempfile::tempdir().unwrap();
        let persons =
            "chain_id,first_name,last_name,date_of_birth,support_needs\nC1,Kazimierz,Wójcik,1970-01-01,alcohol\n";
        let contacts = "contact_id,chain_id,contact_date,location,borough,bedded_down,team\nK1,C1,2024-06-30,Strand,Westminster,Y,Night Outreach\n";
        let (store, state) = support::seeded_state(dir.path(), persons, contacts, false).await;
        let app = App { router: byname_web::router(state), store, _dir: dir };
        let person = app.store.person_membership().await.unwrap()[0].2;
        let ours = app.store.upsert_organisation("Westminster Outreach Service", "outreach").await.unwrap();
        let theirs = app.store.upsert_organisation("The Passage", "day_centre").await.unwrap();
        let recorder = app.store.user_by_username("worker").await.unwrap().unwrap().id;
        let give = async |purpose: &str, given: &str, expires: Option<&str>| byname_store::NewConsent {
            person_id: person,
            purpose: purpose.into(),
            organisations: None,
            given_on: byname_domain::date::parse_iso_date(given).unwrap(),
            expires_on: expires.map(|e| byname_domain::date::parse_iso_date(e).unwrap()),
            recorded_by: recorder,
            recorded_at: time::macros::datetime!(2024-06-30 10:00 UTC),
            break_glass_id: None,
        };
        // Each consent written with its audit entry, as the service writes them.
        let entry = byname_store::AuditEntry {
            at: "2024-06-30T10:00:00Z".into(),
            user_id: Some(recorder),
            organisation_id: None,
            action: "record_consent".into(),
            person_id: Some(person),
            purpose: Some("case_coordination".into()),
            basis: None,
            detail: Some(format!("consent {}", byname_store::CREATED_ID)),
            persons: Vec::new(),
        };
        let add = async |purpose: &str, given: &str, expires: Option<&str>| {
            let consent = give(purpose, given, expires).await;
            app.store.record(byname_store::CaseChange::AddConsent(&consent), &entry).await.unwrap().unwrap()
        };
        match consent {
            ConsentCase::None => {}
            ConsentCase::Current => {
                add("case_coordination", "2024-06-01", None).await;
            }
            ConsentCase::Expired => {
                add("case_coordination", "2023-06-01", Some("2024-06-01")).await;
            }
            ConsentCase::Withdrawn => {
                let consent_id = add("case_coordination", "2024-06-01", None).await;
                let change = byname_store::CaseChange::WithdrawConsent {
                    consent_id,
                    person_id: person,
                    by: recorder,
                    on: time::macros::date!(2024 - 06 - 20),
                    at: time::macros::datetime!(2024-06-20 10:00 UTC),
                };
                app.store.record(change, &entry).await.unwrap().unwrap();
            }
            ConsentCase::OtherPurpose => {
                add("health_care", "2024-06-01", None).await;
                add("research_statistics", "2024-06-01", None).await;
            }
        }
        for role in Role::ALL {
            for works_with in [true, false] {
                let username = format!("{}-{}", role.code(), works_with);
                let organisation = if works_with { ours } else { theirs };
                byname_casework::accounts::add_user(
                    &app.store,
                    &username,
                    "Tester",
                    role.code(),
                    organisation,
                    support::PASSWORD,
                    time::macros::datetime!(2024-07-01 08:00 UTC),
                )
                .await
                .unwrap();
                let cookie = sign_in_as(&app, &username, support::PASSWORD).await;
                let view = expected_view(role, works_with, consent);
                let names = matches!(view, "full" | "health");
                let what = format!("{role} works_with={works_with} consent={consent:?} (expected {view})");
                let shows = |reply: &Reply| reply.status == StatusCode::OK && reply.body.contains(NAME);

                let list = send(&app, get("/people", Some(&cookie))).await;
                assert_eq!(shows(&list), names, "list: {what}");
                let api_list = send(&app, get("/api/v1/persons", Some(&cookie))).await;
                assert_eq!(shows(&api_list), names, "API list: {what}");
                // A search by the name shows it exactly when the list would; a minimal entry is
                // found (initials, who to contact), nothing else is.
                let api_search = send(&app, get("/api/v1/persons?q=kazimierz%20wojcik", Some(&cookie))).await;
                assert_eq!(shows(&api_search), names, "API search: {what}");
                let found = api_search.status == StatusCode::OK && api_search.body.contains("\"view\":\"minimal\"");
                assert_eq!(found, view == "minimal", "API search's minimal entry: {what}");
                let api_person = send(&app, get(&format!("/api/v1/persons/{person}"), Some(&cookie))).await;
                assert_eq!(shows(&api_person), names, "API person: {what}");
                if view == "none" || view == "pseudonymised" {
                    assert_eq!(api_person.status, StatusCode::NOT_FOUND, "API person: {what}");
                }
                let csv = send(&app, get("/people?format=csv", Some(&cookie))).await;
                assert_eq!(shows(&csv), names, "CSV: {what}");
                // A filter on needs never reveals who has them, nor how many.
                let filtered = send(&app, get("/people?need=alcohol", Some(&cookie))).await;
                assert_eq!(shows(&filtered), names, "filtered list: {what}");
                if filtered.status == StatusCode::OK && !names {
                    assert!(
                        filtered.body.contains("<strong>0</strong> people"),
                        "filtered count: {what}: {}",
                        filtered.body
                    );
                }
                let page = send(&app, get(&format!("/people/{person}"), Some(&cookie))).await;
                assert_eq!(shows(&page), names, "person page: {what}");
                assert_eq!(page.body.contains("Seen bedded down"), view == "full", "timeline: {what}");
                // The summary (date of birth, ids, the list) only with the full record.
                for summary in ["summary-heading", "1970-01-01", "CHAIN id", "<dt>By-name list</dt>"] {
                    assert_eq!(page.body.contains(summary), view == "full", "summary's {summary}: {what}");
                }
                if view == "none" || view == "pseudonymised" {
                    assert!(
                        matches!(page.status, StatusCode::NOT_FOUND | StatusCode::SEE_OTHER),
                        "{what}: {}",
                        page.status
                    );
                }
                // The person's records and why they were linked: for who sees the full record (a
                // reviewer outside it only for pairs of the queue or of their own decisions, and
                // this person is in neither); nothing at all, and the same answer as for no
                // person, for those who see none of them.
                let linkage = send(&app, get(&format!("/people/{person}/linkage"), Some(&cookie))).await;
                assert_eq!(shows(&linkage), view == "full", "linkage page: {what}");
                if view == "none" || view == "pseudonymised" {
                    let missing = send(&app, get("/people/987654/linkage", Some(&cookie))).await;
                    assert_eq!(
                        (linkage.status, missing.status),
                        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND),
                        "{what}"
                    );
                }
                let form = send(&app, get(&format!("/people/{person}/contact"), Some(&cookie))).await;
                assert_eq!(
                    shows(&form),
                    view == "full" && byname_domain::access::can_record(role),
                    "contact form: {what}"
                );
                // Another organisation's person id in a URL: the same "not found" as no person.
                let nobody = send(&app, get("/people/987654", Some(&cookie))).await;
                assert!(!nobody.body.contains(NAME) && nobody.status != StatusCode::OK, "{what}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * 7 * 2);
}

#[tokio::test]
async fn a_contact_is_recorded_from_the_phone_form_and_forged_or_hostile_input_is_refused_or_escaped() {
    let app = app().await;
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let person = app.store.person_membership().await.unwrap().iter().find(|(_, id, _)| id == "C1").unwrap().2;
    let form = send(&app, get(&format!("/people/{person}/contact"), Some(&worker))).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let csrf = hidden_value(&form.body, "csrf");
    let fields = "date=2024-07-01&time=06%3A30&place=%3Cscript%3Ealert(1)%3C%2Fscript%3E&area=Westminster&bedded_down=1&note=x%27%3B+DROP+TABLE+contacts%3B--";
    let forged =
        send(&app, post(&format!("/people/{person}/contact"), &worker, &format!("csrf=forged&{fields}"))).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let missing = send(&app, post(&format!("/people/{person}/contact"), &worker, fields)).await;
    assert!(missing.status.is_client_error(), "no CSRF token at all: {}", missing.status);
    let saved = send(&app, post(&format!("/people/{person}/contact"), &worker, &format!("csrf={csrf}&{fields}"))).await;
    assert_eq!(
        (saved.status, saved.location.as_deref()),
        (StatusCode::SEE_OTHER, Some(format!("/people/{person}").as_str()))
    );
    let page = send(&app, get(&format!("/people/{person}"), Some(&worker))).await;
    assert!(
        page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.body.contains("<script>alert(1)"),
        "{}",
        page.body
    );
    assert!(page.body.contains("DROP TABLE contacts"), "stored as text");
    let oversized = format!("csrf={csrf}&date=2024-07-01&place=Strand&note={}", "x".repeat(3000));
    let refused = send(&app, post(&format!("/people/{person}/contact"), &worker, &oversized)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("at most 2000"), "{}", refused.body);
}

fn api_post(path: &str, cookie: &str, csrf: Option<&str>, json: &str) -> Request<Body> {
    let mut request =
        Request::post(path).header(header::COOKIE, cookie).header(header::CONTENT_TYPE, "application/json");
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    request.body(Body::from(json.to_owned())).unwrap()
}

#[tokio::test]
async fn the_api_answers_in_json_with_one_error_envelope_and_its_openapi_document_lists_the_routes() {
    let app = app().await;
    let error_code = |reply: &Reply| -> String {
        let value: serde_json::Value =
            serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("not JSON: {}", reply.body));
        value["error"]["code"].as_str().unwrap_or_default().to_owned()
    };
    let anonymous = send(&app, get("/api/v1/persons", None)).await;
    assert_eq!((anonymous.status, error_code(&anonymous).as_str()), (StatusCode::UNAUTHORIZED, "unauthenticated"));

    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let me: serde_json::Value = serde_json::from_str(&send(&app, get("/api/v1/me", Some(&worker))).await.body).unwrap();
    assert_eq!(me["role"], "outreach_worker");
    let csrf = me["csrf_token"].as_str().unwrap().to_owned();

    let list = send(&app, get("/api/v1/persons?sort=name&dir=asc", Some(&worker))).await;
    let list: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    assert_eq!(list["total"], 1, "{list}");
    let row = &list["persons"][0];
    assert_eq!((row["name"].as_str(), row["view"].as_str()), (Some("Mary O'Neill"), Some("full")), "{list}");
    let id = row["id"].as_i64().unwrap();
    let bad_filter = send(&app, get("/api/v1/persons?need=gambling", Some(&worker))).await;
    assert_eq!((bad_filter.status, error_code(&bad_filter).as_str()), (StatusCode::BAD_REQUEST, "invalid"));

    let contact = r#"{"date": "2024-07-01", "place": "Soho Square", "bedded_down": true, "note": "<b>hi</b>"}"#;
    let path = format!("/api/v1/persons/{id}/contacts");
    let no_token = send(&app, api_post(&path, &worker, None, contact)).await;
    assert_eq!((no_token.status, error_code(&no_token).as_str()), (StatusCode::FORBIDDEN, "csrf"));
    let created = send(&app, api_post(&path, &worker, Some(&csrf), contact)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let malformed = send(&app, api_post(&path, &worker, Some(&csrf), "{\"date\": ")).await;
    assert_eq!((malformed.status, error_code(&malformed).as_str()), (StatusCode::BAD_REQUEST, "invalid"));
    let future = send(&app, api_post(&path, &worker, Some(&csrf), r#"{"date": "2030-01-01", "place": "x"}"#)).await;
    assert_eq!((future.status, error_code(&future).as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid"));

    let person = send(&app, get(&format!("/api/v1/persons/{id}"), Some(&worker))).await;
    let person: serde_json::Value = serde_json::from_str(&person.body).unwrap();
    assert_eq!((person["view"].as_str(), person["basis"].as_str()), (Some("full"), Some("works_with_person")));
    assert_eq!(
        person["timeline"][0]["text"].as_str().map(|t| t.contains("<b>hi</b>")),
        Some(true),
        "JSON carries text as text"
    );
    for missing in ["/api/v1/persons/424242", "/api/v1/persons/not-a-number", "/api/v1/nothing-here"] {
        let reply = send(&app, get(missing, Some(&worker))).await;
        assert_eq!((reply.status, error_code(&reply).as_str()), (StatusCode::NOT_FOUND, "not_found"), "{missing}");
    }

    let consent = send(
        &app,
        api_post(
            &format!("/api/v1/persons/{id}/consents"),
            &worker,
            Some(&csrf),
            r#"{"purpose": "case_coordination"}"#,
        ),
    )
    .await;
    assert_eq!(consent.status, StatusCode::CREATED, "{}", consent.body);
    let consent_id: serde_json::Value = serde_json::from_str(&consent.body).unwrap();
    let withdraw = format!("/api/v1/persons/{id}/consents/{}/withdraw", consent_id["id"]);
    assert_eq!(send(&app, api_post(&withdraw, &worker, Some(&csrf), "")).await.status, StatusCode::NO_CONTENT);

    let doc = send(&app, get("/api/v1/openapi.json", None)).await;
    let doc: serde_json::Value = serde_json::from_str(&doc.body).unwrap();
    for path in ["/api/v1/persons", "/api/v1/persons/{id}", "/api/v1/persons/{id}/contacts", "/api/v1/me"] {
        assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test]
async fn an_administrator_manages_accounts_sees_no_person_and_a_reset_password_is_changed_first() {
    let app = app().await;
    let council = app.store.upsert_organisation("Westminster City Council", "council").await.unwrap();
    byname_casework::accounts::add_user(
        &app.store,
        "admin",
        "Ada Admin",
        "admin",
        council,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 08:00 UTC),
    )
    .await
    .unwrap();
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    assert_eq!(send(&app, get("/admin/users", Some(&worker))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        send(&app, get("/admin/audit", Some(&worker))).await.status,
        StatusCode::FORBIDDEN,
        "not a data-protection lead"
    );

    let admin = sign_in_as(&app, "admin", support::PASSWORD).await;
    let people = send(&app, get("/people", Some(&admin))).await;
    assert_eq!(
        (people.status, people.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/admin/users")),
        "no person data"
    );
    let person = app.store.person_membership().await.unwrap()[0].2;
    let record = send(&app, get(&format!("/api/v1/persons/{person}"), Some(&admin))).await;
    assert_eq!(record.status, StatusCode::NOT_FOUND);
    let page = send(&app, get("/admin/users", Some(&admin))).await;
    assert!(page.body.contains("worker") && page.body.contains("Add a user"), "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf");
    let organisation =
        app.store.organisations().await.unwrap().iter().find(|o| o.name == "Westminster Outreach Service").unwrap().id;
    let form = format!(
        "csrf={csrf}&username=new-worker&display_name=%3Cb%3ENew%3C%2Fb%3E&role=outreach_worker&organisation={organisation}&service_area=&password=first+password+here"
    );
    let forged = send(&app, post("/admin/users", &admin, &form.replace(&csrf, "forged"))).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, post("/admin/users", &admin, &form)).await.status, StatusCode::SEE_OTHER);
    let listed = send(&app, get("/admin/users", Some(&admin))).await;
    assert!(
        listed.body.contains("&lt;b&gt;New&lt;/b&gt;") && listed.body.contains("Must change password"),
        "{}",
        listed.body
    );
    let taken = send(&app, post("/admin/users", &admin, &form)).await;
    assert!(taken.body.contains("taken"), "{}", taken.body);
    let area = form.replace("service_area=", "service_area=housing").replace("new-worker", "other");
    let wrong = send(&app, post("/admin/users", &admin, &area)).await;
    assert!(wrong.body.contains("only a service leader"), "{}", wrong.body);

    // The new user must choose a password before anything else.
    let new = sign_in_as(&app, "new-worker", "first password here").await;
    let first = send(&app, get("/people", Some(&new))).await;
    assert_eq!(first.location.as_deref(), Some("/account/password"));
    let api = send(&app, get("/api/v1/persons", Some(&new))).await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    let form_page = send(&app, get("/account/password", Some(&new))).await;
    let csrf = hidden_value(&form_page.body, "csrf");
    let same = send(
        &app,
        post("/account/password", &new, &format!("csrf={csrf}&current=first+password+here&new=first+password+here")),
    )
    .await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    let changed = send(
        &app,
        post("/account/password", &new, &format!("csrf={csrf}&current=first+password+here&new=my+own+long+password")),
    )
    .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(send(&app, get("/people", Some(&new))).await.status, StatusCode::OK);

    // Disabled: the session ends at once.
    let id = app.store.user_by_username("new-worker").await.unwrap().unwrap().id;
    let page = send(&app, get("/admin/users", Some(&admin))).await;
    let csrf = hidden_value(&page.body, "csrf");
    assert_eq!(
        send(&app, post(&format!("/admin/users/{id}/disable"), &admin, &format!("csrf={csrf}"))).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(send(&app, get("/people", Some(&new))).await.location.as_deref(), Some("/login"));

    // The audit log: every view by the worker above is there, and the administrator sees ids only.
    let audit = send(&app, get("/admin/audit?action=view_by_name_list", Some(&admin))).await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains("view_by_name_list") && !audit.body.contains("Mary"), "{}", audit.body);
}

#[tokio::test]
async fn an_administrator_sets_a_head_of_service_an_email_and_the_deadlines_from_the_web() {
    use byname_store::Casework;
    let app = app().await;
    let council = app.store.upsert_organisation("Westminster City Council", "council").await.unwrap();
    let new_user = |name: &'static str, role: &'static str| {
        let store = app.store.clone();
        async move {
            byname_casework::accounts::add_user(
                &store,
                name,
                name,
                role,
                council,
                support::PASSWORD,
                time::macros::datetime!(2024-07-01 08:00 UTC),
            )
            .await
            .unwrap()
        }
    };
    new_user("admin", "admin").await;
    let leader = new_user("asc-head", "service_leader").await;
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    assert_eq!(send(&app, get(&format!("/admin/users/{leader}"), Some(&worker))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, get("/admin/settings", Some(&worker))).await.status, StatusCode::FORBIDDEN);

    let admin = sign_in_as(&app, "admin", support::PASSWORD).await;
    let page = send(&app, get(&format!("/admin/users/{leader}"), Some(&admin))).await;
    assert!(page.body.contains("Head of service"), "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf");
    let save = |form: String| send(&app, post(&format!("/admin/users/{leader}"), &admin, &form));
    // Refused whole: head of service with no area, and a bad address; nothing is saved.
    let refused = save(format!("csrf={csrf}&email=asc%40council.example.org&service_area=&head_of_service=1")).await;
    assert!(refused.body.contains("needs a service area"), "{}", refused.body);
    let refused =
        save(format!("csrf={csrf}&email=%3Cscript%3E&service_area=adult_social_care&head_of_service=1")).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("&lt;script&gt;") && !refused.body.contains("<script>"), "{}", refused.body);
    let row = app.store.user_by_id(leader).await.unwrap().unwrap();
    assert_eq!((row.service_area, row.head_of_service, row.email), (None, false, None));
    let forged = save("csrf=forged&email=&service_area=adult_social_care&head_of_service=1".into()).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let saved =
        save(format!("csrf={csrf}&email=asc%40council.example.org&service_area=adult_social_care&head_of_service=1"))
            .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let row = app.store.user_by_id(leader).await.unwrap().unwrap();
    assert_eq!(
        (row.service_area.as_deref(), row.head_of_service, row.email.as_deref()),
        (Some("adult_social_care"), true, Some("asc@council.example.org"))
    );
    let listed = send(&app, get("/admin/users", Some(&admin))).await;
    assert!(listed.body.contains("Head of service"), "{}", listed.body);

    // Settings: every value is checked before any is saved.
    let page = send(&app, get("/admin/settings", Some(&admin))).await;
    assert!(page.body.contains("Escalation deadlines") && page.body.contains(r#"value="90""#), "{}", page.body);
    let areas: String = byname_domain::org::SERVICE_AREAS.iter().map(|(code, _)| format!("&{code}=4")).collect();
    let bad = send(&app, post("/admin/settings", &admin, &format!("csrf={csrf}&window=30&default=0{areas}"))).await;
    assert!(bad.body.contains("default: from 1 to 60"), "{}", bad.body);
    assert_eq!(byname_casework::by_name_list::window_days(&app.store).await.unwrap(), 90, "nothing saved");
    let good = send(&app, post("/admin/settings", &admin, &format!("csrf={csrf}&window=30&default=7{areas}"))).await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    assert_eq!(byname_casework::by_name_list::window_days(&app.store).await.unwrap(), 30);
    let deadlines = byname_casework::escalations::deadline_settings(&app.store).await.unwrap();
    assert_eq!((deadlines.working_days("police"), deadlines.default_days), (4, 7));
    let audit = app.store.audit_entries(50).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "change_setting"), "{audit:?}");
    assert!(audit.iter().any(|a| a.action == "change_user_profile"));
}

/// Mary's person id: the CHAIN record C1.
async fn mary(store: &SqlStore) -> i64 {
    store.person_membership().await.unwrap().iter().find(|(s, id, _)| s == "chain" && id == "C1").unwrap().2
}

#[tokio::test]
async fn a_blockage_is_raised_answered_and_escaped_on_the_escalation_pages_and_forged_forms_are_refused() {
    use byname_store::Escalations;
    let app = app().await;
    let mary = mary(&app.store).await;
    let council = app.store.upsert_organisation("Westminster City Council", "council").await.unwrap();
    let leader = byname_casework::accounts::add_user(
        &app.store,
        "housing",
        "Hana Housing",
        "service_leader",
        council,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 09:00 UTC),
    )
    .await
    .unwrap();
    byname_casework::accounts::set_profile(&app.store, leader, "service_leader", Some("housing"), false).await.unwrap();

    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let person = send(&app, get(&format!("/people/{mary}"), Some(&worker))).await;
    assert!(person.body.contains("Raise a blockage"), "{}", person.body);
    assert!(person.body.contains(r#"<label for="blocked">"#), "every field has a label");
    let csrf = hidden_value(&person.body, "csrf");
    let hostile = "blocked=%3Cscript%3Ealert(1)%3C%2Fscript%3E+refused&needed=A+bed&service_area=housing&needed_by=";

    let forged =
        send(&app, post(&format!("/people/{mary}/escalations"), &worker, &format!("csrf=guess&{hostile}"))).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(app.store.escalations(&Default::default()).await.unwrap().is_empty(), "nothing raised");

    let raised =
        send(&app, post(&format!("/people/{mary}/escalations"), &worker, &format!("csrf={csrf}&{hostile}"))).await;
    assert_eq!(raised.status, StatusCode::SEE_OTHER, "{}", raised.body);
    let link = raised.location.unwrap();
    let page = send(&app, get(&link, Some(&worker))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt; refused"), "{}", page.body);
    assert!(!page.body.contains("<script>"), "the blockage text is escaped");
    assert!(!page.body.contains(r#"value="acknowledge""#), "the raiser does not acknowledge");
    let mine = send(&app, get("/escalations?state=open", Some(&worker))).await;
    assert!(mine.body.contains(&link) && mine.body.contains("Mary O"), "{}", mine.body);

    // The housing leader is told, and sees Mary's initials only.
    let leader_cookie = sign_in_as(&app, "housing", support::PASSWORD).await;
    let told = send(&app, get("/notifications", Some(&leader_cookie))).await;
    assert!(told.body.contains(&format!(r#"href="{link}""#)), "{}", told.body);
    let seen = send(&app, get(&link, Some(&leader_cookie))).await;
    assert!(seen.body.contains("M. O.") && !seen.body.contains("Mary"), "{}", seen.body);
    let leader_csrf = hidden_value(&seen.body, "csrf");
    let answer = format!("{link}/answer");
    let refused = send(&app, post(&answer, &leader_cookie, "csrf=wrong&action=acknowledge")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let no_reason =
        send(&app, post(&answer, &leader_cookie, &format!("csrf={leader_csrf}&action=decline&reason="))).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("reason"));
    let acknowledged =
        send(&app, post(&answer, &leader_cookie, &format!("csrf={leader_csrf}&action=acknowledge"))).await;
    assert_eq!(acknowledged.status, StatusCode::SEE_OTHER);
    let comment = send(
        &app,
        post(
            &format!("{link}/comment"),
            &leader_cookie,
            &format!("csrf={leader_csrf}&text=On+it+%3Cb%3Etoday%3C%2Fb%3E"),
        ),
    )
    .await;
    assert_eq!(comment.status, StatusCode::SEE_OTHER);
    let seen = send(&app, get(&link, Some(&leader_cookie))).await;
    assert!(
        seen.body.contains("Acknowledged") && seen.body.contains("On it &lt;b&gt;today&lt;/b&gt;"),
        "{}",
        seen.body
    );
    let read = send(&app, post("/notifications/read", &leader_cookie, &format!("csrf={leader_csrf}"))).await;
    assert_eq!(read.status, StatusCode::SEE_OTHER);
    assert!(!send(&app, get("/notifications", Some(&leader_cookie))).await.body.contains("New: "));

    // The agenda is for service leads and the Strategic Group, not outreach workers.
    assert_eq!(send(&app, get("/agenda", Some(&worker))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&app, get("/agenda", Some(&leader_cookie))).await.status, StatusCode::OK);
    // A user who may not see it gets the same answer as for one that does not exist.
    assert_eq!(send(&app, get("/escalations/999", Some(&leader_cookie))).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_session_made_on_one_server_works_on_another_sharing_one_postgresql_database() {
    let Some(database) = byname_test_support::PostgresDatabase::create("this test").await else { return };
    let url = database.url.clone();

    let one = SqlStore::connect(&url).await.unwrap();
    let two = SqlStore::connect(&url).await.unwrap();
    let organisation = one.upsert_organisation("Westminster Outreach Service", "outreach").await.unwrap();
    byname_casework::accounts::add_user(
        &one,
        "worker",
        "Sam Worker",
        "outreach_worker",
        organisation,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 09:00 UTC),
    )
    .await
    .unwrap();
    let server = |store: SqlStore| {
        let clock = std::sync::Arc::new(byname_pipeline::FixedClock(time::macros::datetime!(2024-07-01 09:00 UTC)));
        let state = byname_web::AppState::new(store.clone(), clock, byname_web::Config::default());
        App { router: byname_web::router(state), store, _dir: tempfile::tempdir().unwrap() }
    };
    let (first, second) = (server(one.clone()), server(two.clone()));

    let cookie = sign_in_as(&first, "worker", support::PASSWORD).await;
    let on_second = send(&second, get("/escalations", Some(&cookie))).await;
    assert_eq!(on_second.status, StatusCode::OK, "the session made on the first server works on the second");
    assert!(on_second.body.contains("Sam Worker"));
    let csrf = hidden_value(&on_second.body, "csrf");
    let signed_out = send(&second, post("/logout", &cookie, &format!("csrf={csrf}"))).await;
    assert_eq!(signed_out.location.as_deref(), Some("/login"));
    let on_first = send(&first, get("/escalations", Some(&cookie))).await;
    assert_eq!(on_first.location.as_deref(), Some("/login"), "signing out on one ends it on both");

    one.close().await;
    two.close().await;
    database.drop_database().await;
}

/// The CSRF token the API wants in `X-CSRF-Token`, from `GET /api/v1/me`.
async fn api_csrf(app: &App, cookie: &str) -> String {
    let me: serde_json::Value = serde_json::from_str(&send(app, get("/api/v1/me", Some(cookie))).await.body).unwrap();
    me["csrf_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn escalations_are_raised_listed_and_answered_through_the_api() {
    let app = app().await;
    let care = app.store.upsert_organisation("Westminster Adult Social Care", "adult_social_care").await.unwrap();
    let leader_id = byname_casework::accounts::add_user(
        &app.store,
        "leader",
        "Lee Leader",
        "service_leader",
        care,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 08:00 UTC),
    )
    .await
    .unwrap();
    byname_casework::accounts::set_profile(&app.store, leader_id, "service_leader", Some("adult_social_care"), false)
        .await
        .unwrap();
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let worker_csrf = api_csrf(&app, &worker).await;
    let person = app.store.person_membership().await.unwrap().iter().find(|(_, id, _)| id == "C1").unwrap().2;
    let raise = r#"{"service_area": "adult_social_care", "blocked": "Care Act assessment <refused>", "needed": "An assessment this week"}"#;
    let raised =
        send(&app, api_post(&format!("/api/v1/persons/{person}/escalations"), &worker, Some(&worker_csrf), raise))
            .await;
    assert_eq!(raised.status, StatusCode::CREATED, "{}", raised.body);
    let id: serde_json::Value = serde_json::from_str(&raised.body).unwrap();
    let id = id["id"].as_i64().unwrap();
    let bad_area = r#"{"service_area": "astrology", "blocked": "x", "needed": "y"}"#;
    let refused =
        send(&app, api_post(&format!("/api/v1/persons/{person}/escalations"), &worker, Some(&worker_csrf), bad_area))
            .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);

    let leader = sign_in_as(&app, "leader", support::PASSWORD).await;
    let mine: serde_json::Value =
        serde_json::from_str(&send(&app, get("/api/v1/escalations?state=open", Some(&leader))).await.body).unwrap();
    let item = mine.as_array().unwrap().iter().find(|e| e["id"] == id).expect("addressed to the area's leader");
    assert_eq!((item["blocked"].as_str(), item["level"].as_i64()), (Some("Care Act assessment <refused>"), Some(1)));
    assert!(
        !item["person"].as_str().unwrap().contains("Mary"),
        "the leader's organisation has no access to Mary: {item}"
    );
    let leader_csrf = api_csrf(&app, &leader).await;
    let answer =
        |body: &'static str| api_post(&format!("/api/v1/escalations/{id}/answer"), &leader, Some(&leader_csrf), body);
    let no_reason = send(&app, answer(r#"{"action": "decline"}"#)).await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY, "a decline needs a reason: {}", no_reason.body);
    assert_eq!(send(&app, answer(r#"{"action": "acknowledge"}"#)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(send(&app, answer(r#"{"action": "resolve"}"#)).await.status, StatusCode::NO_CONTENT);
    let done: serde_json::Value =
        serde_json::from_str(&send(&app, get("/api/v1/escalations?state=resolved", Some(&worker))).await.body).unwrap();
    assert!(done.as_array().unwrap().iter().any(|e| e["id"] == id), "{done}");
    let bad_state = send(&app, get("/api/v1/escalations?state=lost", Some(&worker))).await;
    assert_eq!(bad_state.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_shared_room_is_added_offered_from_the_person_page_and_its_outcome_recorded() {
    let app = app().await;
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let page = send(&app, get("/resources", Some(&worker))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf");
    let add = format!("csrf={csrf}&kind=hotel_room&name=Room+%3Ci%3E12%3C%2Fi%3E&available_from=2024-07-01");
    assert_eq!(
        send(&app, post("/resources", &worker, &add.replace(&csrf, "forged"))).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(send(&app, post("/resources", &worker, &add)).await.status, StatusCode::SEE_OTHER);
    let person = app.store.person_membership().await.unwrap().iter().find(|(_, id, _)| id == "C1").unwrap().2;
    let record = send(&app, get(&format!("/people/{person}"), Some(&worker))).await;
    assert!(
        record.body.contains("Offer a shared resource") && record.body.contains("Room &lt;i&gt;12&lt;/i&gt;"),
        "{}",
        record.body
    );
    let resource = hidden_option(&record.body, "resource");
    let offered = send(
        &app,
        post(
            &format!("/people/{person}/offer"),
            &worker,
            &format!("csrf={csrf}&resource={resource}&reason=Cold+night"),
        ),
    )
    .await;
    assert_eq!(offered.status, StatusCode::SEE_OTHER, "{}", offered.body);
    let list = send(&app, get("/resources", Some(&worker))).await;
    assert!(list.body.contains("Mary O&#39;Neill") || list.body.contains("Mary O'Neill"), "{}", list.body);
    assert!(list.body.contains("Cold night") && list.body.contains("offered"), "{}", list.body);
    let closed =
        send(&app, post(&format!("/resources/{resource}/outcome"), &worker, &format!("csrf={csrf}&outcome=accepted")))
            .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    assert!(send(&app, get("/resources", Some(&worker))).await.body.contains("taken"));
}

/// The value of the first option of a select.
fn hidden_option(body: &str, select: &str) -> String {
    let start = body.find(&format!("name=\"{select}\"")).unwrap_or_else(|| panic!("no {select} in {body}"));
    let marker = "<option value=\"";
    let at = body[start..].find(marker).unwrap() + start + marker.len();
    body[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn data_sharing_agreements_are_recorded_by_data_protection_leads_and_read_by_everyone() {
    let app = app().await;
    let council = app.store.upsert_organisation("Westminster City Council", "council").await.unwrap();
    let outreach = app.store.upsert_organisation("Westminster Outreach Service", "outreach").await.unwrap();
    let id = byname_casework::accounts::add_user(
        &app.store,
        "dpo",
        "Dee Pee",
        "service_lead",
        council,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 08:00 UTC),
    )
    .await
    .unwrap();
    byname_casework::accounts::set_profile(&app.store, id, "service_lead", None, true).await.unwrap();
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let page = send(&app, get("/admin/agreements", Some(&worker))).await;
    assert!(page.body.contains("None recorded") && !page.body.contains("Record an agreement"), "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf");
    let form = format!(
        "csrf={csrf}&title=Westminster+case+coordination&purpose=case_coordination&lawful_basis=6(1)(e)+public+task\
         &special_category_condition=9(2)(h)&starts_on=2024-04-01&organisation={council}&organisation={outreach}"
    );
    let refused = send(&app, post("/admin/agreements", &worker, &form)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "an outreach worker records no agreement");

    let dpo = sign_in_as(&app, "dpo", support::PASSWORD).await;
    let page = send(&app, get("/admin/agreements", Some(&dpo))).await;
    let csrf = hidden_value(&page.body, "csrf");
    let form =
        form.replace(&hidden_value(&send(&app, get("/admin/agreements", Some(&worker))).await.body, "csrf"), &csrf);
    let one_party =
        send(&app, post("/admin/agreements", &dpo, &form.replace(&format!("&organisation={outreach}"), ""))).await;
    assert!(one_party.body.contains("at least two partner organisations"), "{}", one_party.body);
    assert_eq!(send(&app, post("/admin/agreements", &dpo, &form)).await.status, StatusCode::SEE_OTHER);
    let listed = send(&app, get("/admin/agreements", Some(&worker))).await;
    assert!(
        listed.body.contains("Westminster case coordination") && listed.body.contains("6(1)(e) public task"),
        "{}",
        listed.body
    );
    assert!(listed.body.contains("Westminster City Council, Westminster Outreach Service"), "{}", listed.body);
}

#[tokio::test]
async fn a_user_turns_on_an_authenticator_and_sign_in_then_asks_for_its_code() {
    let app = app().await;
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let page = send(&app, get("/account/totp", Some(&worker))).await;
    let csrf = hidden_value(&page.body, "csrf");
    let refused = send(&app, post("/account/totp/start", &worker, &format!("csrf={csrf}"))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "setting up asks for the password");
    let password = support::PASSWORD.replace(' ', "+");
    let started = send(&app, post("/account/totp/start", &worker, &format!("csrf={csrf}&password={password}"))).await;
    let marker = "id=\"totp-secret\">";
    let at = started.body.find(marker).unwrap_or_else(|| panic!("{}", started.body)) + marker.len();
    let secret = started.body[at..].split('<').next().unwrap().to_owned();
    let key = byname_casework::totp::unbase32(&secret).unwrap();
    // The app's clock: 1 July 2024, 09:00 UTC.
    let now = time::macros::datetime!(2024-07-01 09:00 UTC).unix_timestamp();
    let wrong = send(&app, post("/account/totp/confirm", &worker, &format!("csrf={csrf}&code=000000"))).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    let code = byname_casework::totp::code_at(&key, now, 6);
    let on = send(&app, post("/account/totp/confirm", &worker, &format!("csrf={csrf}&code={code}"))).await;
    assert!(on.body.contains("Sign-in asks for a code"), "{}", on.body);

    let sign_in_with = async |code: &str| {
        let form = send(&app, get("/login", None)).await;
        let csrf = hidden_value(&form.body, "csrf");
        let cookie = cookie_pair(&form.cookies, "byname_login_csrf");
        let body = format!("username=worker&password={}&csrf={csrf}&code={code}", support::PASSWORD.replace(' ', "+"));
        send(&app, post("/login", &cookie, &body)).await
    };
    // A right password without its code reads as a wrong password: nothing confirms it.
    let without = sign_in_with("").await;
    assert_eq!(without.status, StatusCode::UNAUTHORIZED);
    assert!(without.body.contains("Unknown username, wrong password or wrong code."), "{}", without.body);
    assert!(!without.body.contains("asks for the code"), "{}", without.body);
    assert_eq!(sign_in_with("123456").await.status, StatusCode::UNAUTHORIZED);
    // The code that turned the factor on is spent; the next one signs in, once.
    assert_eq!(sign_in_with(&code).await.status, StatusCode::UNAUTHORIZED, "a spent code");
    let next = byname_casework::totp::code_at(&key, now + 30, 6);
    assert_eq!(sign_in_with(&next).await.status, StatusCode::SEE_OTHER, "the next code signs in");
    assert_eq!(sign_in_with(&next).await.status, StatusCode::UNAUTHORIZED, "and only once");
    // Turning it off takes the password and a current code, not the session alone.
    let page = send(&app, get("/account/totp", Some(&worker))).await;
    let csrf = hidden_value(&page.body, "csrf");
    let off = send(&app, post("/account/totp/disable", &worker, &format!("csrf={csrf}&password={password}"))).await;
    assert_eq!(off.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", off.body);
    let again = send(&app, post("/account/totp/start", &worker, &format!("csrf={csrf}&password={password}"))).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY, "enrolling again needs a code too");
    assert!(
        byname_store::Casework::user_by_id(&app.store, 1).await.unwrap().is_some_and(|u| u.totp_enabled),
        "still on"
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers_and_nothing_with_person_data_is_cached() {
    let app = app().await;
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let mary = mary(&app.store).await;
    for (path, cookie) in [
        ("/login", None),
        ("/people", Some(worker.as_str())),
        ("/people?format=csv", Some(worker.as_str())),
        (&format!("/people/{mary}") as &str, Some(worker.as_str())),
        ("/api/v1/persons", Some(worker.as_str())),
        ("/api/v1/no-such-route", None),
        ("/static/byname.css", None),
    ] {
        let reply = send(&app, get(path, cookie)).await;
        let header = |name: &str| reply.headers.get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
        let policy = header("content-security-policy");
        assert!(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), "{path}: {policy}");
        assert!(policy.contains("frame-ancestors 'none'"), "{path}: {policy}");
        assert_eq!(header("x-frame-options"), "DENY", "{path}");
        assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
        assert!(!header("referrer-policy").is_empty(), "{path}");
        assert!(header("strict-transport-security").contains("max-age="), "{path}: served with secure cookies");
        if path.starts_with("/static/") {
            assert!(!header("cache-control").contains("no-store"), "{path}: a stylesheet may be cached");
        } else {
            assert_eq!(header("cache-control"), "no-store", "{path}");
        }
    }
}

#[tokio::test]
async fn a_method_a_route_does_not_take_answers_in_the_api_envelope() {
    let app = app().await;
    let reply = send(&app, Request::delete("/api/v1/persons").body(Body::empty()).unwrap()).await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    let body: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON");
    assert_eq!(body["error"]["code"], "method_not_allowed", "{body}");
    let unknown = send(&app, Request::put("/api/v1/whatever").body(Body::empty()).unwrap()).await;
    let body: serde_json::Value = serde_json::from_str(&unknown.body).expect("JSON");
    assert_eq!(body["error"]["code"], "not_found", "{body}");
}

#[tokio::test]
async fn a_half_sent_request_is_cut_off_and_an_idle_connection_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let (_store, state) = support::seeded_state(dir.path(), PERSONS, CONTACTS, false).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(byname_web::serve_with(state, listener, std::time::Duration::from_millis(500)));
    // Half a request head, then nothing: the server closes the connection.
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    slow.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut buffer = Vec::new();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(5), slow.read_to_end(&mut buffer)).await;
    assert!(closed.is_ok(), "a half-sent request head is not cut off");
    // A kept-alive connection left idle after a request is closed too.
    let mut idle = tokio::net::TcpStream::connect(address).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut buffer = Vec::new();
    let closed = tokio::time::timeout(std::time::Duration::from_secs(5), idle.read_to_end(&mut buffer)).await;
    assert!(closed.is_ok(), "an idle kept-alive connection is not closed");
    assert!(String::from_utf8_lossy(&buffer).starts_with("HTTP/1.1 200"), "{}", String::from_utf8_lossy(&buffer));
    server.abort();
}

#[tokio::test]
async fn a_frontline_login_of_another_organisation_cannot_take_the_lead_withdraw_consent_or_close_an_offer() {
    use byname_store::Casework;
    let app = app().await;
    let mary = mary(&app.store).await;
    let passage = app.store.upsert_organisation("The Passage", "day_centre").await.unwrap();
    for (username, role) in [("passage-lead", "service_lead"), ("passage-worker", "outreach_worker")] {
        byname_casework::accounts::add_user(
            &app.store,
            username,
            username,
            role,
            passage,
            support::PASSWORD,
            time::macros::datetime!(2024-07-01 09:00 UTC),
        )
        .await
        .unwrap();
    }
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let lead = sign_in_as(&app, "passage-lead", support::PASSWORD).await;
    let outsider = sign_in_as(&app, "passage-worker", support::PASSWORD).await;

    // A lead is not a key: who sees only the minimal entry cannot name their own organisation.
    let csrf = api_csrf(&app, &lead).await;
    let taken =
        send(&app, post(&format!("/people/{mary}/lead"), &lead, &format!("csrf={csrf}&organisation={passage}"))).await;
    assert_eq!(taken.status, StatusCode::FORBIDDEN, "{}", taken.body);
    assert_eq!(app.store.person_lead(mary).await.unwrap().organisation, None);

    // A consent naming an organisation twice: 400, not a database error.
    let worker_csrf = api_csrf(&app, &worker).await;
    let ours = app
        .store
        .organisations()
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.name == "Westminster Outreach Service")
        .unwrap()
        .id;
    let twice = format!(r#"{{"purpose":"case_coordination","organisations":[{ours},{ours}]}}"#);
    let reply =
        send(&app, api_post(&format!("/api/v1/persons/{mary}/consents"), &worker, Some(&worker_csrf), &twice)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let once = format!(r#"{{"purpose":"case_coordination","organisations":[{ours}]}}"#);
    let reply =
        send(&app, api_post(&format!("/api/v1/persons/{mary}/consents"), &worker, Some(&worker_csrf), &once)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let consent: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    let consent = consent["id"].as_i64().unwrap();
    // A withdrawal by a guessed id from someone who does not see the record: refused.
    let outsider_csrf = api_csrf(&app, &outsider).await;
    let withdraw = format!("/api/v1/persons/{mary}/consents/{consent}/withdraw");
    let reply = send(&app, api_post(&withdraw, &outsider, Some(&outsider_csrf), "{}")).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert!(app.store.consents(mary).await.unwrap().iter().all(|c| c.withdrawn_on.is_none()));

    // The minimal entry says when and who to contact, not how often.
    let list: serde_json::Value =
        serde_json::from_str(&send(&app, get("/api/v1/persons", Some(&outsider))).await.body).unwrap();
    for row in list["persons"].as_array().unwrap() {
        assert_eq!((row["view"].as_str(), &row["times_seen"]), (Some("minimal"), &serde_json::Value::Null), "{row}");
    }

    // An offer's outcome belongs to the organisation that made it, or owns the room.
    let noon = time::macros::datetime!(2024-07-01 09:00 UTC);
    let worker_user =
        byname_casework::accounts::session(&app.store, worker.split('=').nth(1).unwrap(), noon).await.unwrap().unwrap();
    let room = byname_casework::resources::add(&app.store, &worker_user, "hotel_room", "Room 9", "2024-07-01", noon)
        .await
        .unwrap();
    byname_casework::resources::offer(&app.store, &worker_user, room, mary, "Sleeping out in the rain", noon)
        .await
        .unwrap();
    let closed = send(
        &app,
        post(&format!("/resources/{room}/outcome"), &outsider, &format!("csrf={outsider_csrf}&outcome=refused")),
    )
    .await;
    assert_eq!(closed.status, StatusCode::FORBIDDEN, "{}", closed.body);
    let closed = send(
        &app,
        post(&format!("/resources/{room}/outcome"), &worker, &format!("csrf={worker_csrf}&outcome=accepted")),
    )
    .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
}

/// The OpenAPI document, pinned: a change to a route, a parameter or a schema shows in review
/// as a change to `snapshots/web__the_openapi_document_is_as_recorded.snap`.
#[tokio::test]
async fn the_openapi_document_is_as_recorded() {
    let app = app().await;
    let reply = send(&app, get("/api/v1/openapi.json", None)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let document: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    insta::assert_json_snapshot!(document);
}

#[tokio::test]
async fn every_api_route_is_in_the_openapi_document_with_its_method_and_nothing_else_is() {
    let app = app().await;
    let document: serde_json::Value =
        serde_json::from_str(&send(&app, get("/api/v1/openapi.json", None)).await.body).unwrap();
    let paths = document["paths"].as_object().expect("paths");
    for (method, path) in byname_web::API_ROUTES {
        assert!(paths.get(*path).and_then(|p| p.get(*method)).is_some(), "{method} {path} is not documented");
    }
    for (path, methods) in paths {
        for method in methods.as_object().unwrap().keys() {
            assert!(
                byname_web::API_ROUTES.contains(&(method.as_str(), path.as_str())),
                "{method} {path} is documented but is no route"
            );
        }
    }
    for escalation in ["/api/v1/escalations", "/api/v1/persons/{id}/escalations", "/api/v1/escalations/{id}/answer"] {
        assert!(paths.contains_key(escalation), "{escalation}");
    }
    // Each documented route answers (401 without a session), not the catch-all's 404.
    for (method, path) in byname_web::API_ROUTES {
        let uri = path.replace("{id}", "1").replace("{consent}", "1");
        let request = Request::builder().method(method.to_uppercase().as_str()).uri(&uri).body(Body::empty()).unwrap();
        let reply = send(&app, request).await;
        assert_ne!(reply.status, StatusCode::NOT_FOUND, "{method} {path}: {}", reply.body);
    }
}

/// An administrator of the council, signed in; returns the session cookie.
async fn council_admin(app: &App) -> String {
    let council = app.store.upsert_organisation("Westminster City Council", "council").await.unwrap();
    byname_casework::accounts::add_user(
        &app.store,
        "admin",
        "Ada Min",
        "admin",
        council,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 08:00 UTC),
    )
    .await
    .unwrap();
    sign_in_as(app, "admin", support::PASSWORD).await
}

#[tokio::test]
async fn an_administrator_gives_a_team_name_to_another_organisation_and_its_worker_sees_whom_the_team_met_at_once() {
    let app = app().await;
    let admin = council_admin(&app).await;
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    assert_eq!(send(&app, get("/admin/organisations", Some(&worker))).await.status, StatusCode::FORBIDDEN);

    let page = send(&app, get("/admin/organisations", Some(&admin))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Night Outreach: 2 records, 2 contacts, 0 stays"), "{}", page.body);
    assert!(page.body.contains(r#"href="/admin/organisations""#), "in the administrators' menu: {}", page.body);
    let csrf = hidden_value(&page.body, "csrf");

    // A new organisation, with a worker who sees only initials: nothing ties it to Mary yet.
    let added =
        send(&app, post("/admin/organisations", &admin, &format!("csrf={csrf}&name=The+Passage&kind=outreach"))).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let passage = app.store.organisations().await.unwrap().into_iter().find(|o| o.name == "The Passage").unwrap();
    assert_eq!(passage.kind, "outreach");
    byname_casework::accounts::add_user(
        &app.store,
        "passage",
        "Pat Sage",
        "outreach_worker",
        passage.id,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 08:00 UTC),
    )
    .await
    .unwrap();
    let outsider = sign_in_as(&app, "passage", support::PASSWORD).await;
    let list = send(&app, get("/people", Some(&outsider))).await;
    assert!(list.body.contains("M. O.") && !list.body.contains("Mary"), "{}", list.body);

    // A name another organisation claims is refused, with who claims it; nothing changes.
    let form = |organisation: &str, name: &str| {
        format!("csrf={csrf}&organisation={}&name={}", organisation.replace(' ', "+"), name.replace(' ', "+"))
    };
    let claimed = send(&app, post("/admin/organisations/names", &admin, &form("The Passage", "Night Outreach"))).await;
    assert_eq!(claimed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(claimed.body.contains("already claimed by Westminster Outreach Service"), "{}", claimed.body);
    // A forged form changes nothing either.
    let forged = send(
        &app,
        post(
            "/admin/organisations/names/remove",
            &admin,
            "csrf=forged&organisation=Westminster+Outreach+Service&name=Night+Outreach",
        ),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let page = send(&app, get("/admin/organisations", Some(&admin))).await;
    assert!(page.body.contains("Every name seen in imports is claimed"), "{}", page.body);

    // Given up by the outreach service, the name is offered as unclaimed, then claimed.
    let removed = send(
        &app,
        post("/admin/organisations/names/remove", &admin, &form("Westminster Outreach Service", "Night Outreach")),
    )
    .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    let page = send(&app, get("/admin/organisations", Some(&admin))).await;
    assert!(page.body.contains(r#"<option value="Night Outreach">"#), "offered to claim: {}", page.body);
    let claimed = send(&app, post("/admin/organisations/names", &admin, &form("The Passage", "Night Outreach"))).await;
    assert_eq!(claimed.status, StatusCode::SEE_OTHER, "{}", claimed.body);
    let page = send(&app, get("/admin/organisations", Some(&admin))).await;
    let passage_section = page.body.split("The Passage (Outreach)").nth(1).unwrap();
    assert!(passage_section.starts_with("</h2><ul><li>Night Outreach: 2 records"), "{}", page.body);

    // At the very next request the Passage's worker sees Mary.
    let list = send(&app, get("/people", Some(&outsider))).await;
    assert!(list.body.contains("Mary"), "{}", list.body);
    let misspelt = send(&app, post("/admin/organisations/names", &admin, &form("The Pasage", "Soho team"))).await;
    assert_eq!(misspelt.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(misspelt.body.contains("did you mean &quot;The Passage&quot;?"), "{}", misspelt.body);
    let audit = app.store.audit_entries(50).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).filter(|a| a.contains("organisation")).collect();
    assert_eq!(actions.len(), 3, "{actions:?}");
}

#[tokio::test]
async fn the_data_page_shows_each_sources_imports_and_completeness_to_administrators_and_analysts() {
    let app = app().await;
    let admin = council_admin(&app).await;
    support::add_analyst(&app.store).await;
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    assert_eq!(send(&app, get("/admin/data", Some(&worker))).await.status, StatusCode::FORBIDDEN);
    let analyst = sign_in_as(&app, "analyst", support::PASSWORD).await;
    let page = send(&app, get("/admin/data", Some(&analyst))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"href="/admin/data""#), "in the analyst's menu");
    assert!(!page.body.contains("Change the organisations"), "an analyst does not change them");

    let page = send(&app, get("/admin/data", Some(&admin))).await;
    assert_eq!(page.status, StatusCode::OK);
    let chain = page.body.split("<th scope=\"row\" data-label=\"Source\"><div>CHAIN</div></th>").nth(1).unwrap();
    let chain = chain.split("</tr>").next().unwrap();
    // Read on 1 July, the day of the import: two persons and two contacts, none rejected; one of
    // the two records has a date of birth.
    for cell in ["<div>0</div>", "<div>4</div>", "<div>2</div>", "<div>50%</div>", "<div>0%</div>"] {
        assert!(chain.contains(cell), "{cell} in {chain}");
    }
    let inform = page.body.split("<div>Inform</div>").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(inform.contains("Never"), "{inform}");
    assert!(page.body.contains("pairs of records await review"), "{}", page.body);
    assert!(
        page.body.contains("Westminster Outreach Service: Night Outreach, Westminster Outreach West End"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"<a href="/admin/organisations">"#));
}

#[tokio::test]
async fn the_list_warns_when_a_source_was_last_imported_longer_ago_than_the_setting() {
    let app = app().await;
    let admin = council_admin(&app).await;
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let list = send(&app, get("/people", Some(&worker))).await;
    assert!(!list.body.contains("CHAIN was last imported"), "imported today: {}", list.body);
    assert!(
        !list.body.contains("The list may be out of date."),
        "a source never imported is not warned about: {}",
        list.body
    );

    // Two days later, with the default of fourteen days, CHAIN is not old.
    let later = byname_web::AppState::new(
        app.store.clone(),
        std::sync::Arc::new(byname_pipeline::FixedClock(time::macros::datetime!(2024-07-03 09:00 UTC))),
        byname_web::Config { secure_cookies: true, ..Default::default() },
    );
    let later = App { router: byname_web::router(later), store: app.store.clone(), _dir: tempfile::tempdir().unwrap() };
    let worker_later = sign_in_as(&later, "worker", support::PASSWORD).await;
    let list = send(&later, get("/people", Some(&worker_later))).await;
    assert!(!list.body.contains("CHAIN was last imported"), "{}", list.body);

    // The administrator sets it to one day: the list warns, as a status a screen reader reads.
    let page = send(&app, get("/admin/settings", Some(&admin))).await;
    assert!(page.body.contains(r#"name="stale_import_days""#) && page.body.contains(r#"value="14""#), "{}", page.body);
    let csrf = hidden_value(&page.body, "csrf");
    let areas: String = byname_domain::org::SERVICE_AREAS.iter().map(|(code, _)| format!("&{code}=4")).collect();
    let bad = send(
        &app,
        post("/admin/settings", &admin, &format!("csrf={csrf}&window=90&default=5&stale_import_days=0{areas}")),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let saved = send(
        &app,
        post("/admin/settings", &admin, &format!("csrf={csrf}&window=90&default=5&stale_import_days=1{areas}")),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let list = send(&later, get("/people", Some(&worker_later))).await;
    let banner =
        list.body.split(r#"<div class="notice" role="status">"#).nth(1).unwrap_or_else(|| panic!("{}", list.body));
    assert!(
        banner.contains("The list may be out of date.") && banner.contains("CHAIN was last imported 2 days ago."),
        "{banner}"
    );
}

#[tokio::test]
async fn every_signed_in_page_has_the_search_box_in_its_header() {
    let app = app().await;
    let cookie = sign_in_as(&app, "worker", support::PASSWORD).await;
    let person = app.store.person_membership().await.unwrap()[0].2;
    let login = send(&app, get("/login", None)).await;
    assert!(!login.body.contains("header-search"), "no search before signing in");
    for path in [
        "/people".to_owned(),
        format!("/people/{person}"),
        "/people/search?q=mary".to_owned(),
        "/people/search?q=%20".to_owned(),
        "/escalations".to_owned(),
        "/resources".to_owned(),
        "/admin/agreements".to_owned(),
        "/account/password".to_owned(),
    ] {
        let page = send(&app, get(&path, Some(&cookie))).await;
        let header = page.body.split("</header>").next().unwrap();
        assert!(
            header.contains(r#"<form class="search" role="search" method="get" action="/people/search">"#),
            "{path}"
        );
        assert!(
            header.contains(r#"<label class="visually-hidden" for="header-search">Search for a person"#)
                && header.contains(r#"id="header-search" type="search" name="q""#),
            "{path}: a labelled box"
        );
    }
    // The list has its own box too.
    let list = send(&app, get("/people", Some(&cookie))).await;
    assert!(list.body.contains(r#"id="list-search""#));
}

#[tokio::test]
async fn a_search_page_lists_people_best_first_with_links_and_says_when_no_one_is_found() {
    let app = app().await;
    let cookie = sign_in_as(&app, "worker", support::PASSWORD).await;
    let mary = app.store.person_membership().await.unwrap()[0].2;
    // Old Case was last seen in 2023: not on the list, but found.
    let found = send(&app, get("/people/search?q=mary%20oneil%2001%2F01%2F1970", Some(&cookie))).await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(
        found.body.contains(&format!(r#"<a href="/people/{mary}"><strong>Mary O&#39;Neill</strong></a>"#))
            || found.body.contains(&format!(r#"<a href="/people/{mary}"><strong>Mary O'Neill</strong></a>"#)),
        "{}",
        found.body
    );
    assert!(found.body.contains("Matched: name, date of birth"));
    let old = send(&app, get("/people/search?q=old%20case", Some(&cookie))).await;
    assert!(old.body.contains("Not on the list: last seen on 2023-01-01"), "{}", old.body);
    let none = send(&app, get("/people/search?q=zebedee%20quartermain", Some(&cookie))).await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(none.body.contains("No one found for “zebedee quartermain”") && none.body.contains("Check the spelling"));
    let empty = send(&app, get("/people/search?q=%20%20", Some(&cookie))).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("Type a name, a date of birth"), "{}", empty.body);
    assert!(empty.body.contains(r#"id="search""#), "the form to search again");
    let long = send(&app, get(&format!("/people/search?q={}", "a".repeat(2000)), Some(&cookie))).await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    assert!(long.body.contains("at most 200 characters; this one has 2000"), "{}", long.body);
    // Searches are audited with their terms.
    let audit = app.store.audit_entries(20).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|a| a.action == "search_people"
                && a.detail.as_deref() == Some("search \"zebedee quartermain\": 0 found"))
    );
}

#[tokio::test]
async fn the_api_searches_with_q_in_the_lists_shape_best_first_and_refuses_bad_searches() {
    let app = app().await;
    let cookie = sign_in_as(&app, "worker", support::PASSWORD).await;
    let reply = send(&app, get("/api/v1/persons?q=mary%20oneil%201970-01-01", Some(&cookie))).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(json["query"], "mary oneil 1970-01-01");
    let persons = json["persons"].as_array().unwrap();
    assert_eq!(persons[0]["name"], "Mary O'Neill");
    assert_eq!(persons[0]["view"], "full");
    assert!(persons[0]["id"].as_i64().is_some());
    assert_eq!(persons[0]["matched"], serde_json::json!(["name", "date of birth"]));
    for field in ["age_band", "last_seen", "last_place", "lead", "needs", "why", "score", "on_list"] {
        assert!(persons[0].get(field).is_some(), "{field}");
    }
    // Two people match "case mary" a little; the better match comes first.
    let both = send(&app, get("/api/v1/persons?q=mary%20case", Some(&cookie))).await;
    let json: serde_json::Value = serde_json::from_str(&both.body).unwrap();
    let scores: Vec<f64> = json["persons"].as_array().unwrap().iter().map(|p| p["score"].as_f64().unwrap()).collect();
    assert!(scores.len() == 2 && scores[0] >= scores[1], "{scores:?}");
    // Without q, the list as before.
    let list = send(&app, get("/api/v1/persons", Some(&cookie))).await;
    let json: serde_json::Value = serde_json::from_str(&list.body).unwrap();
    assert!(json.get("since").is_some() && json.get("query").is_none());
    for (q, message) in
        [("%20%20%20", "type a name"), (&"b".repeat(2000)[..], "at most 200 characters; this one has 2000")]
    {
        let refused = send(&app, get(&format!("/api/v1/persons?q={q}"), Some(&cookie))).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        let json: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
        assert_eq!(json["error"]["code"], "invalid");
        assert!(json["error"]["message"].as_str().unwrap().contains(message), "{}", refused.body);
    }
}

/// Mary, seen sixty times from March to June 2024 and counted on the street count of
/// 14 November 2023 (by CHAIN and by the count's own file), with everything CHAIN records.
async fn mary_seen_often() -> (App, i64) {
    let dir = tempfile::tempdir().unwrap();
    let persons = "chain_id,first_name,last_name,aliases,date_of_birth,gender,nationality,immigration_status,nhs_number\n\
                   C1,Mary,Keane,Molly Keane,1970-01-01,female,Ireland,british_or_irish,943 476 5919\n";
    let mut contacts =
        String::from("contact_id,chain_id,contact_date,location,borough,bedded_down,team,contact_type\n");
    for i in 0..60 {
        let day = time::macros::date!(2024 - 03 - 01) + time::Duration::days(i * 2);
        contacts.push_str(&format!("K{i},C1,{day},\"Strand, doorway\",Westminster,Y,Night Outreach,outreach\n"));
    }
    contacts.push_str("SC,C1,2023-11-14,Embankment,Westminster,Y,Night Outreach,street_count\n");
    let (store, state) = support::seeded_state(dir.path(), persons, &contacts, false).await;
    let count = dir.path().join("street-count.csv");
    std::fs::write(
        &count,
        "count_date,team,borough,location,name,chain_id\n2023-11-14,Night Outreach,Westminster,Embankment,Mary Keane,C1\n",
    )
    .unwrap();
    let clock = byname_pipeline::FixedClock(time::macros::datetime!(2024-07-01 09:00 UTC));
    byname_pipeline::import::import(
        &store,
        byname_pipeline::import::ImportKind::StreetCount,
        &count,
        &Default::default(),
        &byname_pipeline::import::Silent,
        &clock,
    )
    .await
    .unwrap();
    byname_pipeline::link::link(&store, &Default::default(), clock.0).await.unwrap();
    let person = store.person_membership().await.unwrap().iter().find(|(_, id, _)| id == "C1").unwrap().2;
    (App { router: byname_web::router(state), store, _dir: dir }, person)
}

/// The texts of every element `<tag class="class">` in a page, in order.
fn texts_of(body: &str, open: &str, close: &str) -> Vec<String> {
    body.split(open).skip(1).map(|rest| rest.split(close).next().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_person_page_sums_up_the_person_then_shows_fifty_events_by_month_and_kind() {
    let (app, mary) = mary_seen_often().await;
    let worker = sign_in_as(&app, "worker", support::PASSWORD).await;
    let page = send(&app, get(&format!("/people/{mary}"), Some(&worker))).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    // The summary first, each field as the full record shows it.
    let summary_at = body.find(r#"id="summary-heading""#).expect("a summary");
    assert!(summary_at < body.find(r#"id="timeline-heading""#).unwrap(), "the summary comes before the timeline");
    for shown in [
        "<dt>Names</dt><dd>Mary Keane</dd>",
        "<dt>Aliases</dt><dd>Molly Keane</dd>",
        "<dt>Date of birth</dt><dd>1970-01-01 (age 54)</dd>",
        "<dt>Gender</dt><dd>Female</dd>",
        "<dt>Nationality</dt><dd>Ireland</dd>",
        "<dt>Immigration status</dt><dd>British or Irish</dd>",
        "CHAIN id <span class=\"id\">C1</span>",
        "NHS number <span class=\"id\">943 476 5919</span>",
        "<strong>On the list. </strong>",
        "<dt>First seen</dt><dd>2023-11-14</dd>",
        "<time datetime=\"2024-06-27\">2024-06-27</time>, Strand, doorway, Westminster",
        "<dt>Times seen</dt><dd>61 contacts; bedded down on 61 days</dd>",
        "<dt>Usual places</dt><dd>Strand (60); Embankment (1)</dd>",
        "<dt>Lead organisation</dt>",
        "<dt>Accommodation</dt><dd>None recorded now</dd>",
        "<dt>Open escalations</dt><dd>None</dd>",
        "<dt>Consent to share for case coordination</dt><dd>Not given</dd>",
    ] {
        assert!(body.contains(shown), "the summary lacks {shown:?}: {body}");
    }
    // Fifty events, newest first, under their months, newest month first.
    assert_eq!(body.matches("<li class=\"event ").count(), 50);
    let months = texts_of(body, "<h3 class=\"month\">", "</h3>");
    assert_eq!(months, ["June 2024", "May 2024", "April 2024", "March 2024"], "{body}");
    assert!(body.contains("Events 1 to 50 of 61, newest first."), "{body}");
    let first_dates = texts_of(body, "<li class=\"event contact\"><time datetime=\"", "\"");
    assert!(first_dates.windows(2).all(|w| w[0] >= w[1]), "{first_dates:?}");
    // Show more: the next eleven, older, with the street-count night once.
    let more = format!("/people/{mary}?page=2");
    assert!(body.contains(&format!("href=\"{more}\"")) && body.contains("Show more (events 51 to 61)"), "{body}");
    let page2 = send(&app, get(&more, Some(&worker))).await;
    assert_eq!(page2.body.matches("<li class=\"event ").count(), 11, "{}", page2.body);
    let timeline2 = &page2.body[page2.body.find("timeline-heading").unwrap()..];
    let later_dates = texts_of(timeline2, "<time datetime=\"", "\"");
    assert!(later_dates.iter().all(|d| d.as_str() <= first_dates.last().unwrap().as_str()), "{later_dates:?}");
    assert_eq!(page2.body.matches("<li class=\"event street_count\">").count(), 1, "one night, shown once");
    assert_eq!(later_dates.iter().filter(|d| d.as_str() == "2023-11-14").count(), 1, "{}", page2.body);
    assert!(page2.body.contains("Newest events") && !page2.body.contains("Show more"), "{}", page2.body);

    // One kind at a time, with plain links.
    assert!(body.contains(&format!("href=\"/people/{mary}?kind=street_count\"")), "{body}");
    let nights = send(&app, get(&format!("/people/{mary}?kind=street_count"), Some(&worker))).await;
    assert_eq!(nights.body.matches("<li class=\"event ").count(), 1, "{}", nights.body);
    assert!(nights.body.contains("<li class=\"event street_count\">"), "{}", nights.body);
    let contacts = send(&app, get(&format!("/people/{mary}?kind=contact&page=2"), Some(&worker))).await;
    assert_eq!(contacts.body.matches("<li class=\"event contact\">").count(), 10, "{}", contacts.body);
    assert_eq!(contacts.body.matches("<li class=\"event ").count(), 10);
    let stays = send(&app, get(&format!("/people/{mary}?kind=stay"), Some(&worker))).await;
    assert!(stays.status == StatusCode::OK && stays.body.contains("No events of this kind."), "{}", stays.body);

    // A filter the page does not know is refused, saying what is wrong; never a server error.
    for (query, says) in [
        ("kind=bogus", "\"bogus\" is not a kind of event"),
        ("page=0", "\"0\" is not a page number"),
        ("page=abc", "\"abc\" is not a page number"),
        ("page=99999999999999999999999", "is not a page number"),
    ] {
        let refused = send(&app, get(&format!("/people/{mary}?{query}"), Some(&worker))).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(refused.body.contains(&says.replace('"', "&quot;")), "{query}: {}", refused.body);
    }
    for past_the_end in ["page=9", "page=18446744073709551615", "kind=&page="] {
        let last = send(&app, get(&format!("/people/{mary}?{past_the_end}"), Some(&worker))).await;
        assert_eq!(last.status, StatusCode::OK, "{past_the_end}");
    }

    // Another organisation's worker sees the minimal entry: no summary, no ids, no timeline.
    let passage = app.store.upsert_organisation("The Passage", "day_centre").await.unwrap();
    byname_casework::accounts::add_user(
        &app.store,
        "daycentre",
        "Dee",
        "outreach_worker",
        passage,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 08:00 UTC),
    )
    .await
    .unwrap();
    let other = sign_in_as(&app, "daycentre", support::PASSWORD).await;
    let minimal = send(&app, get(&format!("/people/{mary}"), Some(&other))).await;
    assert_eq!(minimal.status, StatusCode::OK);
    for withheld in
        ["summary-heading", "1970-01-01", "CHAIN id", "943 476 5919", "Ireland", "Strand", "<li class=\"event"]
    {
        assert!(!minimal.body.contains(withheld), "the minimal entry shows {withheld:?}: {}", minimal.body);
    }
    assert!(minimal.body.contains("<dt>Last seen</dt><dd>2024-06-27</dd>"), "{}", minimal.body);
    let asked = send(&app, get(&format!("/people/{mary}?kind=contact"), Some(&other))).await;
    assert!(asked.status == StatusCode::OK && !asked.body.contains("Strand"), "{}", asked.body);
}

/// Every page a signed-in user reaches by following links from the home page, once each.
async fn pages_reached(app: &App, cookie: &str) -> Vec<(String, Reply)> {
    let mut queue = vec!["/".to_owned()];
    let mut seen = std::collections::HashSet::new();
    let mut pages = Vec::new();
    while let Some(path) = queue.pop() {
        if !seen.insert(path.clone()) || seen.len() > 120 {
            continue;
        }
        let mut reply = send(app, get(&path, Some(cookie))).await;
        if let Some(location) = reply.location.clone().filter(|l| l.starts_with('/')) {
            reply = send(app, get(&location, Some(cookie))).await;
        }
        let html =
            reply.headers.get(header::CONTENT_TYPE).is_some_and(|t| t.to_str().unwrap().starts_with("text/html"));
        if !html {
            continue;
        }
        for link in texts_of(&reply.body, "href=\"", "\"") {
            let link = link.replace("&amp;", "&");
            let download = ["format=", ".csv", ".json", ".xlsx", "/static/", "/api/"].iter().any(|d| link.contains(d));
            if link.starts_with('/') && !download && !seen.contains(&link) {
                queue.push(link);
            }
        }
        pages.push((path, reply));
    }
    pages
}

#[tokio::test]
async fn every_page_a_signed_in_user_reaches_has_one_main_heading() {
    let app = app().await;
    support::add_analyst(&app.store).await;
    let council = app.store.upsert_organisation("Westminster City Council", "council").await.unwrap();
    byname_casework::accounts::add_user(
        &app.store,
        "admin",
        "Ada Min",
        "admin",
        council,
        support::PASSWORD,
        time::macros::datetime!(2024-07-01 08:00 UTC),
    )
    .await
    .unwrap();
    let mut missing = Vec::new();
    let mut walked = 0;
    for username in ["admin", "worker", "analyst"] {
        let cookie = sign_in_as(&app, username, support::PASSWORD).await;
        for (path, reply) in pages_reached(&app, &cookie).await {
            walked += 1;
            let headings = reply.body.matches("<h1").count();
            if headings != 1 {
                missing.push(format!("{username} {path} ({}): {headings} h1", reply.status));
            }
        }
    }
    assert!(walked >= 20, "only {walked} pages walked");
    assert!(missing.is_empty(), "pages without exactly one h1:\n{}", missing.join("\n"));
}
