//! Tidy checks over the whole workspace, run by `cargo test` so that the habits ARCHITECTURE.md
//! promises hold without anyone remembering them: every Rust file opens with a `//!` paragraph
//! saying why it exists, and the pure crates depend on no I/O crate (checked on the dependency
//! graph `cargo metadata` resolves, not on the manifests, so a dependency brought in
//! indirectly counts too).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crates that do no I/O (ARCHITECTURE.md, invariant 1, and the code map's "Pure").
const PURE_CRATES: &[&str] = &[
    "byname-domain",
    "byname-import",
    "byname-linkage",
    "byname-synth",
    "byname-forecast",
    "byname-stats",
    "byname-report",
];

/// Crates that do I/O: a database driver, an async runtime or an HTTP stack.
const IO_CRATES: &[&str] = &["sqlx", "tokio", "axum", "hyper", "rusqlite"];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name == "node_modules") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_doc_paragraph_saying_why_it_exists() {
    let root = workspace_root();
    let mut files = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let krate = krate.unwrap().path();
        rust_files(&krate.join("src"), &mut files);
        rust_files(&krate.join("tests"), &mut files);
    }
    assert!(files.len() > 50, "found only {} Rust files under {}", files.len(), root.display());
    files.sort();

    let offenders: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            !text.starts_with("//! ")
        })
        .map(|path| path.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "these files do not open with a `//!` paragraph saying why they exist:\n  {}",
        offenders.join("\n  ")
    );
}

/// One package of `cargo metadata`'s resolved graph: its name and its normal dependencies.
struct Node {
    name: String,
    normal_deps: Vec<String>,
}

/// The resolved dependency graph of the workspace, by package id.
fn resolved_graph() -> BTreeMap<String, Node> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();

    let names: BTreeMap<&str, &str> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|package| (package["id"].as_str().unwrap(), package["name"].as_str().unwrap()))
        .collect();
    metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|node| {
            let id = node["id"].as_str().unwrap();
            // A dependency is normal when one of its kinds is null (not "dev", not "build"),
            // on any target: a platform-specific I/O dependency counts as well.
            let normal_deps = node["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|dep| dep["dep_kinds"].as_array().unwrap().iter().any(|kind| kind["kind"].is_null()))
                .map(|dep| dep["pkg"].as_str().unwrap().to_owned())
                .collect();
            (id.to_owned(), Node { name: names[id].to_owned(), normal_deps })
        })
        .collect()
}

#[test]
fn the_pure_crates_depend_on_no_database_runtime_or_web_crate() {
    let graph = resolved_graph();
    let mut problems = Vec::new();
    for &pure in PURE_CRATES {
        let start = graph
            .iter()
            .find(|(_, node)| node.name == pure)
            .map(|(id, _)| id.clone())
            .unwrap_or_else(|| panic!("{pure} is not in the workspace"));
        // Breadth first, remembering how each package was reached, so a failure shows the path.
        let mut reached_from: BTreeMap<String, Option<String>> = BTreeMap::from([(start.clone(), None)]);
        let mut queue = VecDeque::from([start]);
        let mut found = BTreeSet::new();
        while let Some(id) = queue.pop_front() {
            let node = &graph[&id];
            if IO_CRATES.contains(&node.name.as_str()) {
                let mut path = vec![node.name.clone()];
                let mut at = reached_from[&id].clone();
                while let Some(parent) = at {
                    path.push(graph[&parent].name.clone());
                    at = reached_from[&parent].clone();
                }
                path.reverse();
                found.insert(path.join(" -> "));
                continue;
            }
            for dep in &node.normal_deps {
                if !reached_from.contains_key(dep) {
                    reached_from.insert(dep.clone(), Some(id.clone()));
                    queue.push_back(dep.clone());
                }
            }
        }
        problems.extend(found);
    }
    assert!(problems.is_empty(), "pure crates depend on I/O crates:\n  {}", problems.join("\n  "));
}
