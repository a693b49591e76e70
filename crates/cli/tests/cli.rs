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
    let list = http_get(port, "/by-name-list");
    child.kill().unwrap();
    child.wait().unwrap();

    for role in
        ["outreach_worker", "service_lead", "service_leader", "health_partner", "analyst", "strategic_viewer", "admin"]
    {
        assert!(printed.contains(role), "no demo login for {role}:\n{printed}");
    }
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
