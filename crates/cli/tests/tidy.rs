//! Tidy checks over the whole workspace, run by `cargo test` so that the habits ARCHITECTURE.md
//! promises hold without anyone remembering them: every Rust file opens with a `//!` paragraph
//! saying why it exists, and the pure crates depend on no I/O crate (checked on the dependency
//! graph `cargo metadata` resolves, not on the manifests, so a dependency brought in
//! indirectly counts too), and within each crate the modules depend on each other one way,
//! never in a circle (a module's `crate::` and sibling `super::` paths are its dependencies).

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

/// The names a file reaches with `crate::NAME` (or, for a module directly under `src/`,
/// `super::NAME`), including each first name of a `crate::{a, b::c}` group. Comment lines are
/// left out, so an intra-doc link is not a dependency.
fn names_reached(text: &str, sibling_super: bool) -> Vec<String> {
    let code: String = text.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let mut names = Vec::new();
    let mut prefixes = vec!["crate::"];
    if sibling_super {
        prefixes.push("super::");
    }
    for prefix in prefixes {
        let mut from = 0;
        while let Some(found) = code[from..].find(prefix) {
            let start = from + found;
            from = start + prefix.len();
            let before = code[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let rest = &code[from..];
            if let Some(group) = rest.strip_prefix('{') {
                // The names at the group's top level: after `{` and after each `,` at depth 0.
                let mut depth = 0;
                let mut at_name = true;
                let mut name = String::new();
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => at_name = true,
                        c if at_name && (c.is_alphanumeric() || c == '_') => name.push(c),
                        c if at_name && c.is_whitespace() && name.is_empty() => {}
                        _ => {
                            if at_name && !name.is_empty() {
                                names.push(std::mem::take(&mut name));
                            }
                            at_name = false;
                        }
                    }
                    if !at_name && !name.is_empty() {
                        names.push(std::mem::take(&mut name));
                    }
                }
                if !name.is_empty() {
                    names.push(name);
                }
            } else {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    names.push(name);
                }
            }
        }
    }
    names
}

/// The module graph of one crate: for each module directly under `src/`, the other such
/// modules its files (and its submodules' files) name.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules = BTreeSet::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() || (path.extension().is_some_and(|ext| ext == "rs") && name != "lib" && name != "main") {
            modules.insert(name);
        }
    }
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = modules.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let top = relative.components().next().unwrap().as_os_str().to_string_lossy();
        let top = top.trim_end_matches(".rs").to_owned();
        if !modules.contains(&top) {
            continue;
        }
        let directly_under_src = relative.components().count() == 1;
        let text = std::fs::read_to_string(&file).unwrap();
        for name in names_reached(&text, directly_under_src) {
            if name != top && modules.contains(&name) {
                graph.get_mut(&top).unwrap().insert(name);
            }
        }
    }
    graph
}

/// The circles of a graph: its strongly connected components of more than one node, found by
/// asking, for each pair, whether each reaches the other (the graphs here have a few dozen nodes).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(node) = stack.pop() {
            for next in &graph[&node] {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&String, BTreeSet<String>> = graph.keys().map(|node| (node, reach(node))).collect();
    let mut found: Vec<BTreeSet<String>> = Vec::new();
    for node in graph.keys() {
        let circle: BTreeSet<String> = graph
            .keys()
            .filter(|other| reached[node].contains(*other) && reached[*other].contains(node))
            .cloned()
            .collect();
        if circle.len() > 1 && !found.contains(&circle) {
            found.push(circle);
        }
    }
    found
}

#[test]
fn the_modules_of_each_crate_depend_on_each_other_one_way() {
    let root = workspace_root();
    let mut problems = Vec::new();
    let mut crates = 0;
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = krate.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        crates += 1;
        let graph = module_graph(&src);
        for circle in circles(&graph) {
            let edges: Vec<String> = circle
                .iter()
                .map(|module| {
                    let within: Vec<&str> =
                        graph[module].iter().filter(|other| circle.contains(*other)).map(String::as_str).collect();
                    format!("{module} -> {}", within.join(", "))
                })
                .collect();
            problems.push(format!("{}: {}", src.strip_prefix(&root).unwrap().display(), edges.join("; ")));
        }
    }
    assert!(crates > 5, "found only {crates} crates under {}", root.display());
    assert!(problems.is_empty(), "modules that depend on each other in a circle:\n  {}", problems.join("\n  "));
}

#[test]
fn a_circle_of_modules_is_found_and_a_one_way_graph_is_not() {
    let text = "//! a\nuse crate::{alpha::A, beta};\n// crate::gamma in a comment\nfn f() { super::delta::g(); crate::epsilon::h() }";
    assert_eq!(names_reached(text, true), ["alpha", "beta", "epsilon", "delta"]);
    assert_eq!(names_reached(text, false), ["alpha", "beta", "epsilon"]);
    let graph = |edges: &[(&str, &str)]| {
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            graph.entry((*from).to_owned()).or_default().insert((*to).to_owned());
            graph.entry((*to).to_owned()).or_default();
        }
        graph
    };
    assert!(circles(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])).is_empty());
    let found = circles(&graph(&[("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]));
    assert_eq!(found, [BTreeSet::from(["a".to_owned(), "b".to_owned(), "c".to_owned()])]);
}
