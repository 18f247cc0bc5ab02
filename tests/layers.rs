//! The source layout keeps its shape: the library's top-level modules import each other
//! without cycles, and the library neither parses flags, nor prints, nor sets the
//! process's environment (that is the binary's job, in `src/main.rs` and `src/cli/`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level module a file belongs to: `src/checks/ground.rs` -> `checks`,
/// `src/run.rs` -> `run`; the binary's files -> `bin`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    let name = first.trim_end_matches(".rs").to_string();
    match name.as_str() {
        "main" | "cli" => "bin".into(),
        _ => name,
    }
}

/// Library files only, with the text of their non-test code (before `#[cfg(test)]`).
fn library() -> Vec<(String, String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap().to_string();
            (
                module_of(&src, f),
                f.strip_prefix(&src).unwrap().display().to_string(),
                code,
            )
        })
        .filter(|(m, ..)| m != "bin" && m != "lib")
        .collect()
}

/// Module -> the other top-level modules its code names as `crate::X`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, _, code) in library() {
        let deps = graph.entry(module.clone()).or_default();
        for piece in code.split("crate::").skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                deps.insert(name);
            }
        }
        // `use crate::{a, b}` groups.
        for group in code.split("crate::{").skip(1) {
            let inner = group.split('}').next().unwrap_or("");
            for item in inner.split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    deps.insert(name);
                }
            }
        }
    }
    graph
}

/// A cycle in `graph`, as the path that closes it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut cycle = path[i..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for d in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in graph.keys() {
        if let Some(c) = visit(n, graph, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn library_modules_import_each_other_without_cycles() {
    let graph = imports();
    assert!(graph.len() >= 10, "{graph:?}");
    assert_eq!(find_cycle(&graph), None, "import graph: {graph:#?}");
    // The stages sit in order: nothing below the pipeline reaches up into it.
    for low in [
        "checks", "inputs", "chunking", "model", "report", "text", "lang",
    ] {
        for high in ["pipeline", "summarize", "synthesize", "run", "compare"] {
            assert!(
                !graph[low].contains(high),
                "{low} imports {high}: {graph:#?}"
            );
        }
    }
}

#[test]
fn the_library_neither_parses_flags_nor_prints_nor_sets_the_environment() {
    for (_, file, code) in library() {
        for banned in ["clap::", "println!", "eprintln!", "set_var("] {
            assert!(!code.contains(banned), "src/{file} uses {banned}");
        }
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    g.insert("a".into(), ["b".to_string()].into());
    g.insert("b".into(), ["c".to_string()].into());
    g.insert("c".into(), ["a".to_string()].into());
    assert_eq!(
        find_cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
