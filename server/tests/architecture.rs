//! The layering ARCHITECTURE.md draws, checked on the source: no module of `server` or `app`
//! imports (through `crate::…`) a module that imports it back, at the top level or one level
//! down; nothing but the command line, tests and benchmarks reaches the development tools; and
//! every server function names its access level first.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `a/b/mod.rs` and `a/b.rs` are module `a::b`, cut to `depth` segments.
fn module_of(root: &Path, file: &Path, depth: usize) -> String {
    let relative = file.strip_prefix(root).unwrap().with_extension("");
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| p != "mod")
        .collect();
    parts[..parts.len().min(depth)].join("::")
}

/// The code of `file` without comments and without its unit-test module.
fn code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text[..],
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::a::b…` path named in `code`, cut to `depth` segments.
fn targets(code: &str, depth: usize) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let path: String = code[at + "crate::".len()..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == ':')
            .collect();
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        if !segments.is_empty() {
            out.insert(segments[..segments.len().min(depth)].join("::"));
        }
    }
    out
}

fn graph(root: &Path, depth: usize) -> Graph {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let from = module_of(root, &file, depth);
        for to in targets(&code(&file), depth) {
            // A module may use its own parent's or children's items; those are one unit.
            let related = to.starts_with(&format!("{from}::"))
                || from.starts_with(&format!("{to}::"))
                || to == from;
            if !related {
                graph.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    graph
}

/// A path `from → … → from`, if there is one.
fn cycle_through(graph: &Graph, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_owned()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().unwrap();
        for next in graph.get(last).into_iter().flatten() {
            if next == from {
                let mut found = path.clone();
                found.push(next.clone());
                return Some(found);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

fn cycles(root: &Path, depth: usize) -> Vec<String> {
    let graph = graph(root, depth);
    graph
        .keys()
        .filter_map(|m| cycle_through(&graph, m))
        .map(|c| c.join(" → "))
        .collect()
}

fn src(krate: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(krate)
        .join("src")
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    for krate in ["server", "app"] {
        for depth in [1, 2] {
            let found = cycles(&src(krate), depth);
            assert!(found.is_empty(), "{krate}: import circles {found:#?}");
        }
    }
}

#[test]
fn only_the_command_line_starts_development_tools() {
    let root = src("server");
    let graph = graph(&root, 1);
    let users: Vec<&String> = graph
        .iter()
        .filter(|(from, to)| to.contains("dev") && !["cli", "dev"].contains(&from.as_str()))
        .map(|(from, _)| from)
        .collect();
    assert!(
        users.is_empty(),
        "production modules importing dev/: {users:?}"
    );
}

/// The first statement of each `#[server]` function in `source`, by function name.
fn server_function_bodies(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // Only the attribute on a function (at a line's start), not `#[server(default)]` on an argument.
    for (at, _) in source.match_indices("\n#[server(") {
        let rest = &source[at..];
        let name_at = rest.find("pub async fn ").unwrap() + "pub async fn ".len();
        let name: String = rest[name_at..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // The body opens at the first `{` after the signature's `AppError>`.
        let body_at = rest.find("AppError>").unwrap();
        let body = rest[body_at..].split_once('{').unwrap().1.trim_start();
        out.push((name, body.chars().take(40).collect()));
    }
    out
}

#[test]
fn every_server_function_names_its_access_level_first() {
    let dir = src("app").join("api");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        for (name, body) in server_function_bodies(&std::fs::read_to_string(&path).unwrap()) {
            seen += 1;
            assert!(
                ["as_admin(", "as_user(", "as_reader(", "as_dashboard_reader(", "public("]
                    .iter()
                    .any(|level| body.starts_with(level)),
                "{}: `{name}` starts with {body:?}, not as_admin/as_user/as_reader/as_dashboard_reader/public",
                path.display()
            );
        }
    }
    assert!(seen >= 30, "only {seen} server functions found");
    let unchecked = "\n#[server(endpoint = \"x\")]\npub async fn x() -> Result<u8, AppError> {\n    backend()?.y()\n}";
    assert_eq!(
        server_function_bodies(unchecked),
        [("x".to_owned(), "backend()?.y()\n}".to_owned())]
    );
}

#[test]
fn the_checker_finds_a_circle_it_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| std::fs::write(dir.path().join(name), body).unwrap();
    write("a.rs", "use crate::b::Thing;\n");
    write(
        "b.rs",
        "// use crate::c is only a comment\npub struct Thing(crate::c::Other);\n",
    );
    write(
        "c.rs",
        "use crate::a::X;\n#[cfg(test)]\nmod tests { use crate::b::Y; }\n",
    );
    assert_eq!(cycles(dir.path(), 1).len(), 3, "a → b → c → a, from each");
    write("c.rs", "#[cfg(test)]\nmod tests { use crate::a::X; }\n");
    assert!(
        cycles(dir.path(), 1).is_empty(),
        "tests may import anything"
    );
}
