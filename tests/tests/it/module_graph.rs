//! No import cycles between the top-level modules of a crate (rust-analyzer's tidy rule, at text
//! level): each crate's modules form layers, so a module can be read, tested and moved with what
//! it uses below it, and a leaf (the answer types, the form decoding) stays a leaf.
//!
//! The graph is read from the source, not the compiler: a node is a top-level module (`src/m.rs`
//! or `src/m/`) or the crate root; an edge is a `crate::` path in a module's code (comments and
//! tests left out, since test code may use anything). A name the root re-exports
//! (`pub use m::Name`, `pub use m::*`) counts as a use of the module that defines it; the root's
//! own `mod` and `pub use` lines are its structure, not uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A crate's top-level modules and, for each, the modules it uses with one example path.
#[derive(Debug, Default)]
struct ModuleGraph {
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

/// The crate root's node.
const ROOT: &str = "(root)";

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `text` without tests and comments: a file named `tests.rs` or `*_tests.rs` is all test; a
/// `#[cfg(...test...)]` line right above `mod tests` ends the code.
fn code_of(file: &Path, text: &str) -> String {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name == "tests.rs" || name.ends_with("_tests.rs") {
        return String::new();
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut code = String::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let next = lines.get(i + 1).map(|l| l.trim_start()).unwrap_or_default();
        if trimmed.starts_with("#[cfg(")
            && trimmed.contains("test")
            && next.starts_with("mod tests")
        {
            break;
        }
        if !trimmed.starts_with("//") {
            code.push_str(line);
            code.push('\n');
        }
    }
    code
}

/// The first segment of every `crate::` path in `code` (each item of a `crate::{a, b::C}`
/// group), not counting `$crate::` in macros.
fn crate_paths(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + "crate::".len()..];
        rest = after;
        if before.is_some_and(|c| is_ident(c) || c == '$') {
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(group.len(), |(i, _)| i);
            let mut depth = 0;
            let mut item = String::new();
            for c in group[..end].chars().chain([',']) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        let first = item.split("::").next().unwrap_or_default().trim();
                        if !first.is_empty() && first != "self" {
                            names.push(first.to_owned());
                        }
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
        } else {
            let name: String = after.chars().take_while(|c| is_ident(*c)).collect();
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    names
}

/// The names a `pub use` statement brings in (the last segment, or the `as` name), and the
/// module path it starts with.
fn used_names(statement: &str) -> (String, Vec<String>) {
    let path = statement
        .trim()
        .trim_start_matches("pub ")
        .trim_start_matches("use ")
        .trim_end_matches(';');
    let first = path
        .split("::")
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    let tail = match (path.find('{'), path.rfind('}')) {
        (Some(open), Some(close)) => path[open + 1..close].to_owned(),
        _ => path.rsplit("::").next().unwrap_or_default().to_owned(),
    };
    let names = tail
        .split(',')
        .filter_map(|item| {
            let item = item.trim();
            let name = match item.split_once(" as ") {
                Some((_, alias)) => alias.trim(),
                None => item.rsplit("::").next().unwrap_or_default().trim(),
            };
            (!name.is_empty()).then(|| name.to_owned())
        })
        .collect();
    (first, names)
}

/// The statements of `code` that start with `prefix` at the start of a line, each up to its `;`.
fn statements<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        if line.starts_with(prefix)
            && let Some(end) = code[offset..].find(';')
        {
            found.push(&code[offset..offset + end + 1]);
        }
        offset += line.len();
    }
    found
}

/// The names `pub` items in `code` declare (functions, types, constants, re-exports).
fn public_names(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in code.lines() {
        let Some(rest) = line.trim_start().strip_prefix("pub ") else {
            continue;
        };
        for keyword in [
            "fn ", "struct ", "enum ", "const ", "trait ", "type ", "static ",
        ] {
            if let Some(rest) = rest.strip_prefix(keyword) {
                names.push(rest.chars().take_while(|c| is_ident(*c)).collect());
            }
        }
    }
    for statement in statements(code, "pub use ") {
        names.extend(used_names(statement).1);
    }
    names
}

/// A module's files: the file itself, or every `.rs` file of its folder, sorted.
fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_owned()];
    }
    let mut files = super::architecture::rust_files_below(path);
    files.sort();
    files
}

/// The module graph of the crate whose root file is `root_file` (`src/lib.rs`, `src/main.rs`).
fn module_graph(root_file: &Path) -> ModuleGraph {
    let src = root_file.parent().unwrap();
    let read = |path: &Path| std::fs::read_to_string(path).unwrap();
    let root_code = code_of(root_file, &read(root_file));
    // The top-level modules the root declares, and where each one's code is.
    let mut modules: BTreeMap<String, PathBuf> = BTreeMap::new();
    for line in root_code.lines() {
        let line = line.trim_start();
        let Some(rest) = ["pub mod ", "pub(crate) mod ", "mod "]
            .iter()
            .find_map(|prefix| line.strip_prefix(prefix))
        else {
            continue;
        };
        let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        let (file, dir) = (src.join(format!("{name}.rs")), src.join(&name));
        if file.is_file() {
            modules.insert(name, file);
        } else if dir.is_dir() {
            modules.insert(name, dir);
        }
    }
    // What each name the root re-exports resolves to (`None`: another crate's).
    let mut defined_in: BTreeMap<String, Option<String>> = BTreeMap::new();
    for statement in statements(&root_code, "pub use ") {
        let (first, names) = used_names(statement);
        let Some(module) = modules.get_key_value(&first).map(|(k, _)| k.clone()) else {
            for name in names {
                defined_in.insert(name, None);
            }
            continue;
        };
        if names == ["*"] {
            let main_file = match &modules[&module] {
                dir if dir.is_dir() => dir.join("mod.rs"),
                file => file.clone(),
            };
            let mut glob = public_names(&code_of(&main_file, &read(&main_file)));
            // The items of its own `pub use sub::*` (a registry re-exporting its vendors).
            if modules[&module].is_dir() {
                for file in rust_files(&modules[&module]) {
                    glob.extend(public_names(&code_of(&file, &read(&file))));
                }
            }
            for name in glob {
                defined_in
                    .entry(name)
                    .or_insert_with(|| Some(module.clone()));
            }
        } else {
            for name in names {
                defined_in.insert(name, Some(module.clone()));
            }
        }
    }
    let resolve = |name: &str| -> Option<String> {
        if modules.contains_key(name) {
            Some(name.to_owned())
        } else if let Some(module) = defined_in.get(name) {
            module.clone()
        } else if name == "self" || name == "super" {
            None
        } else {
            Some(ROOT.to_owned()) // defined in the root itself
        }
    };
    let mut graph = ModuleGraph::default();
    let mut add = |from: &str, to: String, example: String| {
        if from != to {
            graph
                .edges
                .entry(from.to_owned())
                .or_default()
                .entry(to)
                .or_insert(example);
        }
    };
    for (module, path) in &modules {
        for file in rust_files(path) {
            let code = code_of(&file, &read(&file));
            let shown = file.strip_prefix(src).unwrap().display().to_string();
            for name in crate_paths(&code) {
                if let Some(target) = resolve(&name) {
                    add(module, target, format!("crate::{name} in {shown}"));
                }
            }
            // `super::` in a top-level module's own file is the root.
            let top_file = file == *path || file == path.join("mod.rs");
            if top_file && code.contains("super::") {
                add(module, ROOT.to_owned(), format!("super:: in {shown}"));
            }
        }
    }
    // The root's own code (without its `mod` and `use` lines) uses modules by their names.
    let own: String = root_code
        .lines()
        .filter(|line| {
            let line = line.trim_start();
            ![
                "mod ",
                "pub mod ",
                "pub(crate) mod ",
                "use ",
                "pub use ",
                "pub(crate) use ",
            ]
            .iter()
            .any(|prefix| line.starts_with(prefix))
        })
        .collect::<Vec<_>>()
        .join("\n");
    for module in modules.keys() {
        let pattern = format!("{module}::");
        let used = own.match_indices(&pattern).any(|(at, _)| {
            !own[..at]
                .chars()
                .next_back()
                .is_some_and(|c| is_ident(c) || c == ':' || c == '$')
        });
        if used {
            add(ROOT, module.clone(), format!("{module}:: in the root"));
        }
    }
    graph
}

impl ModuleGraph {
    /// A cycle, as the modules along it with the path that makes each step, when there is one.
    fn cycle(&self) -> Option<Vec<String>> {
        fn visit(
            graph: &ModuleGraph,
            node: &str,
            path: &mut Vec<String>,
            done: &mut BTreeSet<String>,
        ) -> Option<Vec<String>> {
            if let Some(at) = path.iter().position(|n| n == node) {
                let mut cycle: Vec<String> = path[at..].to_vec();
                cycle.push(node.to_owned());
                return Some(cycle);
            }
            if !done.insert(node.to_owned()) {
                return None;
            }
            path.push(node.to_owned());
            for next in graph.edges.get(node).into_iter().flat_map(|e| e.keys()) {
                if let Some(cycle) = visit(graph, next, path, done) {
                    return Some(cycle);
                }
            }
            path.pop();
            None
        }
        let mut done = BTreeSet::new();
        for node in self.edges.keys() {
            // A node reached earlier without a cycle has none through it; start afresh otherwise.
            if done.contains(node) {
                continue;
            }
            let mut path = Vec::new();
            if let Some(cycle) = visit(self, node, &mut path, &mut done) {
                return Some(
                    cycle
                        .windows(2)
                        .map(|step| {
                            format!(
                                "{} -> {} ({})",
                                step[0], step[1], self.edges[&step[0]][&step[1]]
                            )
                        })
                        .collect(),
                );
            }
        }
        None
    }
}

/// Every crate root of the workspace: each package's `src/lib.rs`, else its `src/main.rs`.
fn crate_roots() -> Vec<PathBuf> {
    let root = super::architecture::root();
    let mut roots = Vec::new();
    let mut packages: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    packages.extend([root.join("xtask"), root.join("tests")]);
    packages.sort();
    for package in packages {
        let (lib, main) = (package.join("src/lib.rs"), package.join("src/main.rs"));
        let has_lib = lib.is_file();
        if has_lib {
            roots.push(lib);
        }
        if main.is_file()
            && (!has_lib || std::fs::read_to_string(&main).unwrap().contains("\nmod "))
        {
            roots.push(main);
        }
    }
    roots
}

#[test]
fn the_modules_of_every_crate_form_layers() {
    let roots = crate_roots();
    assert!(roots.len() >= 10, "{roots:?}");
    let mut cycles = Vec::new();
    for root_file in &roots {
        let graph = module_graph(root_file);
        if let Some(cycle) = graph.cycle() {
            cycles.push(format!(
                "{}:\n  {}",
                root_file.display(),
                cycle.join("\n  ")
            ));
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles (move what both sides use into a module below them):\n{}",
        cycles.join("\n")
    );
    // The scan sees the crates' layers at all: the facade's backend uses its adapter.
    let facade = module_graph(&super::architecture::root().join("crates/pwchange/src/lib.rs"));
    assert!(
        facade.edges["backend"].contains_key("adapter"),
        "{facade:?}"
    );
}

/// A crate in a temporary folder: `files` are (path under `src/`, text).
fn scratch_crate(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join("src").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    let lib = dir.path().join("src/lib.rs");
    (dir, lib)
}

#[test]
fn a_planted_cycle_is_found_and_named_step_by_step() {
    let layered = [
        (
            "lib.rs",
            "mod answer;\nmod http;\npub use answer::Answer;\npub use other_crate::{Error, Kind};\n",
        ),
        ("answer.rs", "pub struct Answer;\n"),
        ("http.rs", "use crate::{Answer, Error};\npub fn send() {}\n"),
    ];
    let (_dir, lib) = scratch_crate(&layered);
    let graph = module_graph(&lib);
    assert_eq!(graph.cycle(), None, "{graph:?}");
    // A re-export resolves to its module; another crate's is no edge.
    assert_eq!(
        graph.edges["http"].keys().collect::<Vec<_>>(),
        ["answer"],
        "{graph:?}"
    );

    // answer -> http through a group, http -> answer through the root's re-export.
    let mut planted = layered.to_vec();
    planted[1] = (
        "answer.rs",
        "use crate::{http::send, Other};\npub struct Answer;\n",
    );
    let (_dir, lib) = scratch_crate(&planted);
    let cycle = module_graph(&lib).cycle().expect("the planted cycle");
    assert_eq!(cycle.len(), 2, "{cycle:?}");
    assert!(
        cycle
            .iter()
            .any(|step| step.starts_with("answer -> http (crate::http in answer.rs)")),
        "{cycle:?}"
    );

    // Through the root: a module uses a root item while the root's code uses the module.
    let (_dir, lib) = scratch_crate(&[
        (
            "lib.rs",
            "mod state;\npub struct Shared;\nfn start() { state::run(); }\n",
        ),
        ("state.rs", "pub fn run(_: &crate::Shared) {}\n"),
    ]);
    let cycle = module_graph(&lib)
        .cycle()
        .expect("the cycle through the root");
    assert!(
        cycle.iter().any(|step| step.starts_with("(root) -> state")),
        "{cycle:?}"
    );

    // Tests, comments and `$crate::` in macros are not uses; a folder module's files are.
    let (_dir, lib) = scratch_crate(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        (
            "a.rs",
            "// crate::b::x\nmacro_rules! m { () => { $crate::b::x() } }\n#[cfg(test)]\nmod tests {\n    use crate::b;\n}\n",
        ),
        ("b/mod.rs", "mod inner;\n"),
        ("b/inner.rs", "pub fn x() { crate::a::y() }\n"),
        ("b/tests.rs", "use crate::a;\n"),
    ]);
    let graph = module_graph(&lib);
    assert_eq!(graph.cycle(), None, "{graph:?}");
    assert!(graph.edges["b"].contains_key("a"), "{graph:?}");
    assert!(!graph.edges.contains_key("a"), "{graph:?}");
}
