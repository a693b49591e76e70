//! Registering someone new, in process: `POST /api/v1/persons` (201, 409 with the possible
//! matches, 400 naming the field, 403) and the phone form with its CSRF token, the offer of
//! likely existing people and "none of these".

#[allow(dead_code)]
mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use byname_store::{Linkage, SqlStore};
use serde_json::Value;
use tower::ServiceExt;

struct App {
    router: axum::Router,
    store: SqlStore,
    _dir: tempfile::TempDir,
}

const PERSONS: &str = "chain_id,first_name,last_name,date_of_birth\nC1,Mary,O'Neill,1970-01-01\nC2,Old,Case,\n";
const CONTACTS: &str = "contact_id,chain_id,contact_date,location,borough,bedded_down,team\n\
                        K1,C1,2024-06-30,Soho Square,Westminster,Y,Night Outreach\n\
                        K2,C2,2023-01-01,Strand,Westminster,Y,Night Outreach\n";

async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let (store, state) = support::seeded_state(dir.path(), PERSONS, CONTACTS, true).await;
    support::add_analyst(&store).await;
    App { router: byname_web::router(state), store, _dir: dir }
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    cookies: Vec<String>,
    body: String,
}

async fn send(app: &App, request: Request<Body>) -> Reply {
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let location = response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned());
    let cookies =
        response.headers().get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    let body = axum::body::to_bytes(response.into_body(), 10 << 20).await.unwrap();
    Reply { status, location, cookies, body: String::from_utf8(body.to_vec()).unwrap() }
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

fn api_post(path: &str, cookie: &str, csrf: Option<&str>, json: &str) -> Request<Body> {
    let mut request =
        Request::post(path).header(header::COOKIE, cookie).header(header::CONTENT_TYPE, "application/json");
    if let Some(csrf) = csrf {
        request = request.header("x-csrf-token", csrf);
    }
    request.body(Body::from(json.to_owned())).unwrap()
}

fn hidden_value(body: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker).unwrap_or_else(|| panic!("no {name} field in {body}")) + marker.len();
    body[start..].split('"').next().unwrap().to_owned()
}

fn cookie_pair(cookies: &[String], name: &str) -> String {
    cookies.iter().find(|c| c.starts_with(&format!("{name}="))).unwrap().split(';').next().unwrap().to_owned()
}

async fn sign_in_as(app: &App, username: &str) -> String {
    let form = send(app, get("/login", None)).await;
    let csrf = hidden_value(&form.body, "csrf");
    let login_cookie = cookie_pair(&form.cookies, "byname_login_csrf");
    let body = format!("username={username}&password={}&csrf={csrf}", support::PASSWORD.replace(' ', "+"));
    let reply = send(app, post("/login", &login_cookie, &body)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    cookie_pair(&reply.cookies, "byname_session")
}

async fn api_csrf(app: &App, cookie: &str) -> String {
    let me: Value = serde_json::from_str(&send(app, get("/api/v1/me", Some(cookie))).await.body).unwrap();
    me["csrf_token"].as_str().unwrap().to_owned()
}

fn json(reply: &Reply) -> Value {
    serde_json::from_str(&reply.body).unwrap_or_else(|_| panic!("not JSON: {}", reply.body))
}

async fn mary(store: &SqlStore) -> i64 {
    store.person_membership().await.unwrap().iter().find(|(_, id, _)| id == "C1").unwrap().2
}

const CONTACT: &str =
    r#"{"date": "2024-06-30", "time": "23:15", "place": "Soho Square", "area": "Westminster", "bedded_down": true}"#;

#[tokio::test]
async fn the_api_offers_likely_people_with_409_registers_with_201_and_refuses_bad_input_with_400_and_roles_with_403() {
    let app = app().await;
    let mary = mary(&app.store).await;
    let worker = sign_in_as(&app, "worker").await;
    let csrf = api_csrf(&app, &worker).await;
    let marie = format!(
        r#"{{"first_name": "Marie", "last_name": "O'Neill", "date_of_birth": "1970-01-01", "gender": "female", "contact": {CONTACT}}}"#
    );
    let held = app.store.person_membership().await.unwrap().len();

    let no_token = send(&app, api_post("/api/v1/persons", &worker, None, &marie)).await;
    assert_eq!((no_token.status, json(&no_token)["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("csrf")));

    let offered = send(&app, api_post("/api/v1/persons", &worker, Some(&csrf), &marie)).await;
    assert_eq!(offered.status, StatusCode::CONFLICT, "{}", offered.body);
    let offered = json(&offered);
    assert_eq!(offered["error"]["code"], "possible_matches", "{offered}");
    let first = &offered["possible_matches"][0];
    assert_eq!(first["id"].as_i64(), Some(mary), "{offered}");
    assert_eq!((first["view"].as_str(), first["name"].as_str()), (Some("full"), Some("Mary O'Neill")));
    assert_eq!(first["date_of_birth"].as_str(), Some("1970-01-01"));
    assert!(first["probability"].as_f64().is_some_and(|p| p > 0.2 && p <= 1.0), "{offered}");
    assert_eq!(app.store.person_membership().await.unwrap().len(), held, "a 409 saves nothing");

    let confirmed = marie.replacen('{', r#"{"confirm_new": true, "#, 1);
    let created = send(&app, api_post("/api/v1/persons", &worker, Some(&csrf), &confirmed)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = json(&created)["id"].as_i64().unwrap();
    assert_ne!(id, mary);
    let person = json(&send(&app, get(&format!("/api/v1/persons/{id}"), Some(&worker))).await);
    assert_eq!((person["view"].as_str(), person["basis"].as_str()), (Some("full"), Some("works_with_person")));
    let list = json(&send(&app, get("/api/v1/persons", Some(&worker))).await);
    assert!(list["persons"].as_array().unwrap().iter().any(|p| p["id"].as_i64() == Some(id)), "{list}");

    // Someone like nobody held is saved at once.
    let kwame = format!(
        r#"{{"first_name": "Kwame", "last_name": "Mensah", "age": 40, "nationality": "GHA", "contact": {CONTACT}}}"#
    );
    let created = send(&app, api_post("/api/v1/persons", &worker, Some(&csrf), &kwame)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let held = app.store.person_membership().await.unwrap().len();
    let future_contact = CONTACT.replace("2024-06-30", "2024-07-02");
    for (body, field) in [
        (format!(r#"{{"known_as": "Red", "contact": {CONTACT}}}"#), "name"),
        (
            format!(r#"{{"description": "woman, 30s", "date_of_birth": "2025-01-01", "contact": {CONTACT}}}"#),
            "date_of_birth",
        ),
        (format!(r#"{{"description": "woman, 30s", "age": 121, "contact": {CONTACT}}}"#), "age"),
        (format!(r#"{{"description": "woman, 30s", "age": -3, "contact": {CONTACT}}}"#), "age"),
        (format!(r#"{{"description": "woman, 30s", "gender": "f", "contact": {CONTACT}}}"#), "gender"),
        (format!(r#"{{"description": "woman, 30s", "nationality": "ZZZ", "contact": {CONTACT}}}"#), "nationality"),
        (format!(r#"{{"description": "woman, 30s", "contact": {future_contact}}}"#), "contact.date"),
        (r#"{"description": "woman, 30s"}"#.to_owned(), "contact"),
    ] {
        let reply = send(&app, api_post("/api/v1/persons", &worker, Some(&csrf), &body)).await;
        let error = json(&reply);
        assert_eq!(
            (reply.status, error["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid")),
            "{body}"
        );
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{field}: {message}");
    }
    assert_eq!(app.store.person_membership().await.unwrap().len(), held, "bad input saves nothing");

    let analyst = sign_in_as(&app, "analyst").await;
    let analyst_csrf = api_csrf(&app, &analyst).await;
    let refused = send(&app, api_post("/api/v1/persons", &analyst, Some(&analyst_csrf), &kwame)).await;
    assert_eq!((refused.status, json(&refused)["error"]["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
}

#[tokio::test]
async fn the_form_offers_likely_people_then_registers_as_new_and_keeps_values_when_refused() {
    let app = app().await;
    let mary = mary(&app.store).await;
    let worker = sign_in_as(&app, "worker").await;
    let list = send(&app, get("/people", Some(&worker))).await;
    assert!(list.body.contains("href=\"/people/new\""), "the list links to the form");
    let form = send(&app, get("/people/new", Some(&worker))).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("Register someone new"));
    let csrf = hidden_value(&form.body, "csrf");

    let fields = "first_name=Marie&last_name=O%27Neill&date_of_birth=1970-01-01&gender=female&nationality=IRL\
                  &date=2024-06-30&time=23%3A15&place=Soho+Square&area=Westminster&bedded_down=1";
    let forged = send(&app, post("/people/new", &worker, &format!("csrf=forged&{fields}"))).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    let offered = send(&app, post("/people/new", &worker, &format!("csrf={csrf}&{fields}"))).await;
    assert_eq!(offered.status, StatusCode::OK, "{}", offered.body);
    assert!(offered.body.contains("Is this one of these people?"), "{}", offered.body);
    assert!(offered.body.contains(&format!("href=\"/people/{mary}\"")), "{}", offered.body);
    assert!(offered.body.contains("None of these: register as new"));
    assert_eq!(hidden_value(&offered.body, "confirm_new"), "1");
    assert_eq!(hidden_value(&offered.body, "first_name"), "Marie");

    let saved = send(&app, post("/people/new", &worker, &format!("csrf={csrf}&{fields}&confirm_new=1"))).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let location = saved.location.unwrap();
    let id: i64 = location.strip_prefix("/people/").unwrap().parse().unwrap();
    assert_ne!(id, mary);
    let page = send(&app, get(&location, Some(&worker))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Marie O&#39;Neill") || page.body.contains("Marie O'Neill"), "{}", page.body);

    let held = app.store.person_membership().await.unwrap().len();
    let nameless = "known_as=Red&date=2024-06-30&place=Under+the+arches&bedded_down=1";
    let refused = send(&app, post("/people/new", &worker, &format!("csrf={csrf}&{nameless}"))).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("give a first or last name, or a description"), "{}", refused.body);
    assert!(
        refused.body.contains("value=\"Under the arches\"") && refused.body.contains("value=\"Red\""),
        "values kept"
    );
    assert_eq!(app.store.person_membership().await.unwrap().len(), held);

    let analyst = sign_in_as(&app, "analyst").await;
    assert_eq!(send(&app, get("/people/new", Some(&analyst))).await.status, StatusCode::FORBIDDEN);
}
