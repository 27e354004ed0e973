//! No import cycles between the top-level modules of a crate (rust-analyzer's tidy rule, at text
//! level): each crate's modules form layers, so a module can be read, tested and moved with what
//! it uses below it, and what two modules share sits below both (the answer types, the form
//! decoding).
//!
//! The graph is read from the source, not the compiler: a node is a top-level module (`src/m.rs`
//! or `src/m/`) or the crate root; an edge is a path from `crate::` (or from `super::` in a
//! top-level module's own file, which is the root) in a module's code, comments, string literals
//! and tests left out (test code may use anything). A name the root imports or re-exports
//! (`use m::Name`, `pub use m::*`) counts as a use of the module that defines it; the root's own
//! code uses a module through such a name or by its path. The root's `mod` and `pub use` lines
//! are its structure, not uses. Cycles inside a folder module (a registry and its children) are
//! not checked.

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

/// `text` with its comments (line, block, nested) and the contents of its string and character
/// literals (plain, byte, raw) blanked out, lines kept.
fn strip_comments_and_literals(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let keep_newlines = |out: &mut String, from: &[char]| {
        out.extend(from.iter().filter(|c| **c == '\n'));
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let (start, mut depth) = (i, 0);
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            keep_newlines(&mut out, &chars[start..i.min(chars.len())]);
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !chars[..i].last().is_some_and(|p| is_ident(*p))
        {
            // A raw string: r"…", r#"…"#, …
            let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let start = i;
            i += 2 + hashes;
            while i < chars.len() {
                if chars[i] == '"'
                    && chars[i + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|c| **c == '#')
                        .count()
                        == hashes
                {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            out.push_str("\"\"");
            keep_newlines(&mut out, &chars[start..i.min(chars.len())]);
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
            keep_newlines(&mut out, &chars[start..i.min(chars.len())]);
        } else if c == '\'' {
            // A character literal ('x', '\n', '"'); otherwise a lifetime.
            let literal_end = match (next, chars.get(i + 2)) {
                (Some('\\'), _) => chars[i + 2..]
                    .iter()
                    .position(|c| *c == '\'')
                    .map(|p| i + 3 + p),
                (Some(_), Some('\'')) => Some(i + 3),
                _ => None,
            };
            match literal_end {
                Some(end) => {
                    out.push_str("' '");
                    i = end;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The code of `file`: nothing for a file of tests (`tests.rs`, `*_tests.rs`); else its text up
/// to a `#[cfg(...test...)]` line right above `mod tests`, without comments and literals.
fn code_of(file: &Path, text: &str) -> String {
    let name = file
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name == "tests.rs" || name.ends_with("_tests.rs") {
        return String::new();
    }
    let lines: Vec<&str> = text.lines().collect();
    let end = lines
        .windows(2)
        .position(|pair| {
            let (line, next) = (pair[0].trim_start(), pair[1].trim_start());
            line.starts_with("#[cfg(") && line.contains("test") && next.starts_with("mod tests")
        })
        .unwrap_or(lines.len());
    strip_comments_and_literals(&lines[..end].join("\n"))
}

/// The leaves of a `use` tree (`a::{b::{C, D as E}, F}`): each leaf's path and the name it
/// brings in (`*` for a glob).
fn use_leaves(tree: &str) -> Vec<(Vec<String>, String)> {
    fn split_top(list: &str) -> Vec<&str> {
        let (mut parts, mut depth, mut start) = (Vec::new(), 0, 0);
        for (i, c) in list.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&list[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&list[start..]);
        parts
            .into_iter()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect()
    }
    fn walk(tree: &str, prefix: &[String], out: &mut Vec<(Vec<String>, String)>) {
        let tree = tree.trim();
        if let Some(open) = tree.find('{') {
            let head: Vec<String> = tree[..open]
                .split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let prefix: Vec<String> = prefix.iter().cloned().chain(head).collect();
            for part in split_top(inner) {
                walk(part, &prefix, out);
            }
            return;
        }
        let (path, alias) = match tree.split_once(" as ") {
            Some((path, alias)) => (path, Some(alias.trim())),
            None => (tree, None),
        };
        let segments: Vec<String> = prefix
            .iter()
            .cloned()
            .chain(path.split("::").map(|s| s.trim().to_owned()))
            .filter(|s| !s.is_empty())
            .collect();
        let name = alias.map_or_else(
            || segments.last().cloned().unwrap_or_default(),
            str::to_owned,
        );
        if name != "_" {
            out.push((segments, name));
        }
    }
    let mut out = Vec::new();
    walk(tree, &[], &mut out);
    out
}

/// The `use` statements of `code` that start a line (after indentation): each one's span (from
/// its first keyword to its `;`), whether it is public, and its tree.
fn use_spans(code: &str) -> Vec<(std::ops::Range<usize>, bool, String)> {
    let mut found = Vec::new();
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let public = ["pub use ", "pub(crate) use ", "pub(super) use "]
            .iter()
            .find(|prefix| trimmed.starts_with(*prefix));
        let start = match public {
            Some(prefix) => Some((true, prefix.len())),
            None => trimmed.starts_with("use ").then_some((false, 4)),
        };
        if let Some((public, skip)) = start {
            let begin = offset + (line.len() - trimmed.len());
            let at = begin + skip;
            if let Some(end) = code[at..].find(';') {
                found.push((begin..at + end + 1, public, code[at..at + end].to_owned()));
            }
        }
        offset += line.len();
    }
    found
}

/// The `use` statements of `code`: whether each is public, and its tree.
fn use_statements(code: &str) -> Vec<(bool, String)> {
    use_spans(code)
        .into_iter()
        .map(|(_, public, tree)| (public, tree))
        .collect()
}

/// `code` without its `use` statements.
fn without_use_statements(code: &str) -> String {
    let mut kept = String::with_capacity(code.len());
    let mut from = 0;
    for (span, _, _) in use_spans(code) {
        kept.push_str(&code[from..span.start]);
        from = span.end;
    }
    kept.push_str(&code[from..]);
    kept
}

/// `code` without the bodies of its inline modules (`mod m { … }`), where `super::` is not the
/// file's parent.
fn without_inline_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("mod ") {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + 4..];
        let name_len = after.chars().take_while(|c| is_ident(*c)).count();
        let opens = !before.is_some_and(is_ident)
            && name_len > 0
            && after[name_len..].trim_start().starts_with('{');
        if !opens {
            out.push_str(&rest[..at + 4]);
            rest = after;
            continue;
        }
        let open =
            at + 4 + name_len + (after[name_len..].len() - after[name_len..].trim_start().len());
        out.push_str(&rest[..=open]);
        let mut depth = 0;
        let mut close = rest.len();
        for (i, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = open + i;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.extend(rest[open + 1..close].chars().filter(|c| *c == '\n'));
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// The first segment of every path from `prefix` (`crate::`, `super::`) in `code`, each leaf of
/// a `prefix{a, b::C}` group counted; not `$crate::` (a macro's).
fn paths_from(code: &str, prefix: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        let after = &rest[at + prefix.len()..];
        rest = after;
        if before.is_some_and(|c| is_ident(c) || c == '$' || c == ':') {
            continue;
        }
        if after.starts_with('{') {
            let mut depth = 0;
            let end = after
                .char_indices()
                .find(|&(_, c)| {
                    depth += match c {
                        '{' => 1,
                        '}' => -1,
                        _ => 0,
                    };
                    depth == 0
                })
                .map_or(after.len(), |(i, _)| i + 1);
            names.extend(
                use_leaves(&after[..end])
                    .into_iter()
                    .filter_map(|(path, _)| path.into_iter().next()),
            );
        } else {
            let name: String = after.chars().take_while(|c| is_ident(*c)).collect();
            if !name.is_empty() {
                names.push(name);
            }
        }
    }
    names
}

/// The names the public items of `code` declare (functions, types, constants, re-exports), at
/// any visibility wider than private.
fn public_names(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in code.lines() {
        let line = line.trim_start();
        let Some(rest) = ["pub ", "pub(crate) ", "pub(super) "]
            .iter()
            .find_map(|prefix| line.strip_prefix(prefix))
        else {
            continue;
        };
        let rest = rest
            .trim_start_matches("async ")
            .trim_start_matches("unsafe ")
            .trim_start_matches("const fn ");
        for keyword in [
            "fn ", "struct ", "enum ", "const ", "trait ", "type ", "static ", "union ",
        ] {
            if let Some(rest) = rest.strip_prefix(keyword) {
                names.push(rest.chars().take_while(|c| is_ident(*c)).collect());
            }
        }
    }
    for (public, tree) in use_statements(code) {
        if public {
            names.extend(use_leaves(&tree).into_iter().map(|(_, name)| name));
        }
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
    // The module a root `use` path starts in (`m::…`, `crate::m::…`, `self::m::…`).
    let module_of = |path: &[String]| -> Option<String> {
        let first = match path.first().map(String::as_str) {
            Some("crate" | "self") => path.get(1),
            _ => path.first(),
        }?;
        modules.contains_key(first).then(|| first.clone())
    };
    // What each name the root imports or re-exports resolves to (`None`: another crate's), and
    // which of them the root re-exports (they resolve for the other modules too).
    let mut imported: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut defined_in: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (public, tree) in use_statements(&root_code) {
        for (path, name) in use_leaves(&tree) {
            let module = module_of(&path);
            if name == "*" {
                let Some(module) = module else { continue };
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
                    imported
                        .entry(name.clone())
                        .or_insert_with(|| Some(module.clone()));
                    if public {
                        defined_in
                            .entry(name)
                            .or_insert_with(|| Some(module.clone()));
                    }
                }
            } else {
                imported.insert(name.clone(), module.clone());
                if public {
                    defined_in.insert(name, module);
                }
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
            // `super::` in a top-level module's own file is the root, as `crate::` is.
            let top_file = file == *path || file == path.join("mod.rs");
            let prefixes: &[&str] = if top_file {
                &["crate::", "super::"]
            } else {
                &["crate::"]
            };
            for prefix in prefixes {
                let scanned = if *prefix == "super::" {
                    without_inline_modules(&code)
                } else {
                    code.clone()
                };
                for name in paths_from(&scanned, prefix) {
                    if let Some(target) = resolve(&name) {
                        add(module, target, format!("{prefix}{name} in {shown}"));
                    }
                }
            }
        }
    }
    // The root's own code (without its `mod` and `use` lines): a module by its path, or a name
    // imported from it.
    let own: String = root_code
        .lines()
        .filter(|line| {
            let line = line.trim_start();
            !["mod ", "pub mod ", "pub(crate) mod "]
                .iter()
                .any(|p| line.starts_with(p))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let own = without_use_statements(&own);
    for module in modules.keys() {
        let pattern = format!("{module}::");
        let used = own.match_indices(&pattern).any(|(at, _)| {
            let before = &own[..at];
            !before
                .chars()
                .next_back()
                .is_some_and(|c| is_ident(c) || c == ':' || c == '$')
                || before.ends_with("crate::") && !before.ends_with("$crate::")
                || before.ends_with("self::")
        });
        if used {
            add(ROOT, module.clone(), format!("{module}:: in the root"));
        }
    }
    let words: BTreeSet<&str> = own
        .split(|c: char| !is_ident(c))
        .filter(|w| !w.is_empty())
        .collect();
    for (name, module) in &imported {
        if let Some(module) = module
            && words.contains(name.as_str())
        {
            add(
                ROOT,
                module.clone(),
                format!("{name} (from {module}) in the root"),
            );
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

    // Through the root's imports: the root uses a module by a name it imports from it (also
    // a re-exported one), and the module uses an item of the root.
    for root in [
        "mod state;\nuse state::Shared;\npub struct Simulator;\nfn keep(_: Shared) {}\n",
        "mod state;\npub use self::state::{inner::{Shared}};\npub struct Simulator;\nfn keep(_: Shared) {}\n",
        "mod state;\npub struct Simulator;\nfn keep(_: crate::state::Shared) {}\n",
    ] {
        let (_dir, lib) = scratch_crate(&[
            ("lib.rs", root),
            (
                "state.rs",
                "pub struct Shared;\nfn of(_: &crate::Simulator) {}\n",
            ),
        ]);
        let cycle = module_graph(&lib).cycle();
        assert!(
            cycle
                .as_ref()
                .is_some_and(|c| c.iter().any(|step| step.starts_with("(root) -> state"))),
            "{root}: {cycle:?}"
        );
    }

    // `super::` in a top-level module's file is the root (`super::b` is module b), but not in
    // an inline module of that file, where it is the file's own module.
    let (_dir, lib) = scratch_crate(&[
        ("lib.rs", "mod a;\npub struct Root;\nfn f() { a::g() }\n"),
        (
            "a.rs",
            "pub mod types { pub struct T; }\npub mod builder { use super::types::T; }\npub fn g() {}\n",
        ),
    ]);
    let graph = module_graph(&lib);
    assert_eq!(graph.cycle(), None, "{graph:?}");

    let (_dir, lib) = scratch_crate(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        ("a.rs", "pub fn f() { super::b::g() }\n"),
        ("b.rs", "pub fn g() { crate::a::f() }\n"),
    ]);
    let cycle = module_graph(&lib)
        .cycle()
        .expect("the cycle through super::");
    assert!(
        cycle
            .iter()
            .any(|step| step.starts_with("a -> b (super::b in a.rs)")),
        "{cycle:?}"
    );

    // Tests, comments (line, trailing, block), string literals and `$crate::` in macros are not
    // uses; a folder module's files are.
    let (_dir, lib) = scratch_crate(&[
        ("lib.rs", "mod a;\nmod b;\n"),
        (
            "a.rs",
            "// crate::b::x\nfn f() -> &'static str { let _c = '\"'; \"crate::b::x\" } // crate::b\n/* crate::b\n /* nested */ crate::b */\nconst R: &str = r#\"crate::b \"\"#;\nmacro_rules! m { () => { $crate::b::x() } }\n#[cfg(test)]\nmod tests {\n    use crate::b;\n}\n",
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
