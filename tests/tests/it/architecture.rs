//! Architecture invariants, enforced (rust-analyzer's rule: an invariant that is not a test is
//! a wish). See ARCHITECTURE.md, "Adding a vendor".
//!
//! - The registry (`pwchange_core::Vendor`) and `specs/` name the same vendors, and each has its
//!   crate and its facade feature.
//! - A vendor has one home: outside its spec, its crate and the files or folders named after it,
//!   it is named in at most [`MAX_REGISTRATIONS`] non-documentation files.
//! - No second vendor list: a file that names two vendors or more is one of the registration
//!   points, generated, or documentation.
//! - The facade builds with each vendor alone, without any other vendor's crate.
//! - Every vendor's folder in the facade has the same files, each with its concern.
//! - Nothing machine-local is tracked, and every path a tracked file cites is in the repository:
//!   a reader of a clone can follow every source.

use std::path::{Path, PathBuf};
use std::process::Command;

use pwchange_sim::Vendor;

/// The most files outside a vendor's home that may name it (its registrations).
const MAX_REGISTRATIONS: usize = 6;

/// The files that list the vendors on purpose: the registry and the one-line registrations.
const REGISTRATION_POINTS: &[&str] = &[
    "crates/pwchange-core/src/vendor.rs",
    "crates/pwchange/Cargo.toml",
    "crates/pwchange/src/vendors/mod.rs",
    "crates/pwchange-sim/src/vendors/mod.rs",
    "crates/pwchange-httpmock/Cargo.toml",
];

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// `cargo metadata --no-deps` of the workspace: its packages, their targets and manifests.
fn workspace_metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(&cargo)
        .args([
            "metadata",
            "--offline",
            "--locked",
            "--no-deps",
            "--format-version",
            "1",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Every tracked file (`git ls-files`), relative to the root.
fn tracked_files() -> Vec<String> {
    let output = Command::new("git")
        .arg("ls-files")
        .current_dir(root())
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git ls-files failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Whether `path` is documentation, a lock file, generated, or not text: not code that could
/// hold a second vendor list.
fn is_exempt(path: &str, text: Option<&str>) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    path.ends_with(".md")
        || name.ends_with(".lock")
        || name == "package-lock.json"
        || path.starts_with("LICENSE")
        || text.is_none_or(|t| t.lines().next().is_some_and(|l| l.contains("@generated")))
}

/// Whether `path` belongs to `vendor`'s home: its spec, its crate, or a file or folder named
/// after it (`.../<vendor>.rs`, `.../<vendor>/...`).
fn is_home(path: &str, vendor: Vendor) -> bool {
    let name = vendor.name();
    path == vendor.spec_path()
        || path.starts_with(&format!("crates/pwchange-{name}/"))
        || path
            .split('/')
            .any(|part| part == name || part.split_once('.').is_some_and(|(stem, _)| stem == name))
}

/// Files where a vendor's name is another product's: the secret store is OpenBao's (and
/// Vault's) KV v2, and the tests start a real OpenBao for it. They name the store, never the
/// vendor: [`product_names_are_not_vendor_uses`] checks that none of them uses the vendor
/// (its `Vendor` variant, its crate).
const PRODUCT_NOT_VENDOR: &[(Vendor, &[&str])] = &[(
    Vendor::Openbao,
    &[
        ".ci/openbao-requirements.txt",
        ".ci/run",
        "crates/pwchange-cli/src/cli.rs",
        "crates/pwchange-cli/tests/it/store.rs",
        "crates/pwchange-rotate/src/engine.rs",
        "crates/pwchange-rotate/src/lib.rs",
        "crates/pwchange-rotate/src/store/mod.rs",
        "crates/pwchange-rotate/src/store/vault.rs",
        "crates/pwchange-rotate/tests/it/store.rs",
        "crates/pwchange-sim/src/lib.rs",
    ],
)];

fn names_the_product(path: &str, vendor: Vendor) -> bool {
    PRODUCT_NOT_VENDOR
        .iter()
        .any(|(v, files)| *v == vendor && files.contains(&path))
}

#[test]
fn product_names_are_not_vendor_uses() {
    let root = root();
    for (vendor, files) in PRODUCT_NOT_VENDOR {
        let variant = format!("{vendor:?}");
        let uses = [
            format!("Vendor::{variant}"),
            format!("pwchange_{}", vendor.name()),
            format!("pwchange-{}", vendor.name()),
            format!("\"{}\"", vendor.name()),
        ];
        for file in *files {
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            for used in &uses {
                assert!(
                    !text.contains(used.as_str()),
                    "{file} uses the vendor ({used}), not only the product: it cannot stay in PRODUCT_NOT_VENDOR"
                );
            }
        }
    }
}

/// Whether `text` names `vendor`, leaving out a test binary's module index
/// (`tests/it/main.rs`) declaring the vendor's own test module (`mod <vendor>;`, its home).
fn names_outside_test_index(path: &str, text: &str, vendor: Vendor) -> bool {
    let declaration = format!("mod {};", vendor.name());
    text.lines()
        .filter(|line| !(path.ends_with("tests/it/main.rs") && line.trim() == declaration))
        .any(|line| without_other_names(&line.to_ascii_lowercase()).contains(vendor.name()))
}

/// Other names that hold a vendor's: protobuf's type URLs and types (`type.googleapis.com/…`,
/// `google.rpc.Status`, `google.protobuf.Any`), which a gRPC vendor's errors carry, and a
/// social login's identity provider (`google-oauth2|…`) are not the vendor of that name.
const OTHER_NAMES: &[&str] = &[
    "googleapis.com",
    "google.rpc",
    "google.protobuf",
    "google-oauth2",
];

/// `line` (in lower case) without [`OTHER_NAMES`].
fn without_other_names(line: &str) -> String {
    OTHER_NAMES
        .iter()
        .fold(line.to_owned(), |line, name| line.replace(name, ""))
}

/// The files outside each vendor's home that name it.
fn mentions() -> Vec<(Vendor, Vec<String>)> {
    let root = root();
    let files: Vec<(String, Option<String>)> = tracked_files()
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(root.join(&path)).ok();
            (path, text)
        })
        .collect();
    Vendor::ALL
        .into_iter()
        .map(|vendor| {
            let named: Vec<String> = files
                .iter()
                .filter(|(path, text)| {
                    !is_exempt(path, text.as_deref())
                        && !is_home(path, vendor)
                        && !names_the_product(path, vendor)
                })
                .filter(|(path, text)| {
                    text.as_deref()
                        .is_some_and(|t| names_outside_test_index(path, t, vendor))
                })
                .map(|(path, _)| path.clone())
                .collect();
            (vendor, named)
        })
        .collect()
}

#[test]
fn the_registry_and_specs_name_the_same_vendors() {
    let root = root();
    let mut specs: Vec<String> = std::fs::read_dir(root.join("specs"))
        .unwrap()
        .filter_map(|e| {
            e.unwrap()
                .file_name()
                .to_str()?
                .strip_suffix(".yaml")
                .map(str::to_owned)
        })
        .collect();
    specs.sort();
    let mut registry: Vec<String> = Vendor::ALL.map(|v| v.name().to_owned()).to_vec();
    registry.sort();
    assert_eq!(specs, registry, "specs/ and pwchange_core::Vendor differ");
    let facade = std::fs::read_to_string(root.join("crates/pwchange/Cargo.toml")).unwrap();
    for vendor in Vendor::ALL {
        let name = vendor.name();
        assert!(
            root.join(format!("crates/pwchange-{name}/Cargo.toml"))
                .exists(),
            "{name} has no crate"
        );
        assert!(
            facade.contains(&format!("\n{name} = [\"dep:pwchange-{name}\"")),
            "the facade has no feature {name}"
        );
    }
}

#[test]
fn a_vendor_is_named_in_few_files_outside_its_home() {
    let mut report = String::new();
    let mut over = false;
    for (vendor, files) in mentions() {
        report.push_str(&format!("{vendor}: {} files: {files:?}\n", files.len()));
        over |= files.len() > MAX_REGISTRATIONS;
    }
    assert!(
        !over,
        "a vendor is named in more than {MAX_REGISTRATIONS} files outside its home:\n{report}"
    );
}

#[test]
fn no_vendor_list_outside_the_registration_points() {
    let mut per_file: std::collections::BTreeMap<String, Vec<Vendor>> = Default::default();
    for (vendor, files) in mentions() {
        for file in files {
            per_file.entry(file).or_default().push(vendor);
        }
    }
    let lists: Vec<_> = per_file
        .iter()
        .filter(|(file, vendors)| {
            vendors.len() > 1 && !REGISTRATION_POINTS.contains(&file.as_str())
        })
        .collect();
    assert!(
        lists.is_empty(),
        "files that name several vendors outside the registration points (take the list from \
         pwchange_core::Vendor::ALL or `cargo xtask vendors` instead): {lists:?}"
    );
    for point in REGISTRATION_POINTS {
        let text = std::fs::read_to_string(root().join(point)).unwrap();
        for vendor in Vendor::ALL {
            assert!(
                text.contains(vendor.name()),
                "{point} is a registration point but does not register {vendor}"
            );
        }
    }
}

#[test]
fn the_facade_builds_with_each_vendor_alone() {
    for vendor in Vendor::ALL {
        let tree = normal_dependencies(&[
            "-p",
            "pwchange",
            "--no-default-features",
            "--features",
            vendor.name(),
        ]);
        let vendor_crates: Vec<&str> = tree
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|krate| {
                Vendor::ALL
                    .into_iter()
                    .any(|v| *krate == format!("pwchange-{}", v.name()))
            })
            .collect();
        let mut unique = vendor_crates.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique,
            [format!("pwchange-{}", vendor.name())],
            "the {vendor}-only facade depends on other vendor crates"
        );
    }
}

/// `cargo tree` of the normal dependencies `args` select, one package per line.
fn normal_dependencies(args: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(&cargo)
        .args(["tree", "--offline", "--locked"])
        .args(args)
        .args(["-e", "normal", "--prefix", "none", "--format", "{p}"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo tree {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The rotation library is for services: nothing of a terminal (argument parsing, progress
/// bars, colours, prompts) is in its dependency tree; the `pwchange` command adds those.
#[test]
fn the_rotation_library_depends_on_nothing_of_a_terminal() {
    let tree = normal_dependencies(&["-p", "pwchange-rotate"]);
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(crates.contains(&"age"), "{tree}");
    for terminal in ["clap", "indicatif", "console", "rpassword", "pwchange-cli"] {
        assert!(
            !crates.contains(&terminal),
            "pwchange-rotate depends on {terminal}:\n{tree}"
        );
    }
}

/// The files of every vendor's folder in the simulator: its table, and tests of its own rules.
const SIM_VENDOR_FILES: &[&str] = &["mod.rs", "tests.rs"];

/// The files of every vendor's folder in the facade: the same set for all, as OpenDAL's services
/// (`mod.rs` of declarations and re-exports, one file per concern), so that error tables,
/// configurations and tests can be compared file to file. ARCHITECTURE.md, "Adding a vendor".
const VENDOR_FILES: &[&str] = &[
    "config.rs",
    "error.rs",
    "facade_tests.rs",
    "mod.rs",
    "send.rs",
    "tests.rs",
];

#[test]
fn every_vendor_folder_has_the_same_files_each_with_its_concern() {
    let vendors = root().join("crates/pwchange/src/vendors");
    let mut folders: Vec<String> = std::fs::read_dir(&vendors)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut names: Vec<&str> = Vendor::ALL.iter().map(|v| v.name()).collect();
    names.sort();
    assert_eq!(
        folders,
        names,
        "one folder per vendor in {}",
        vendors.display()
    );
    for vendor in Vendor::ALL {
        let folder = vendors.join(vendor.name());
        assert_eq!(entry_names(&folder), VENDOR_FILES, "{vendor}'s folder");
        let read = |file: &str| std::fs::read_to_string(folder.join(file)).unwrap();
        // mod.rs declares and re-exports: no code of its own.
        for line in read("mod.rs").lines() {
            let code = line.trim_start();
            assert!(
                ![
                    "fn ",
                    "pub fn ",
                    "impl",
                    "struct ",
                    "pub struct ",
                    "enum ",
                    "pub enum "
                ]
                .iter()
                .any(|start| code.starts_with(start)),
                "{vendor}/mod.rs has code (`{line}`): it goes into config.rs, send.rs or error.rs"
            );
        }
        // Each concern in its file.
        for (file, marker) in [
            ("config.rs", "pub(super) const KEYS: &[Key]"),
            ("config.rs", "fn from_keys("),
            ("send.rs", "impl Adapter for "),
            ("error.rs", "impl VendorError for "),
        ] {
            // A token endpoint's error body implements it through the shared macro.
            let shared = file == "error.rs" && read(file).contains("oauth::oauth_error!(");
            assert!(
                read(file).contains(marker) || shared,
                "{vendor}/{file} lacks `{marker}`"
            );
        }
        for file in VENDOR_FILES.iter().filter(|f| **f != "error.rs") {
            assert!(
                !read(file).contains("impl VendorError for "),
                "{vendor}/{file} has error rules: they belong in error.rs"
            );
        }
    }
    for vendor in Vendor::ALL {
        let folder = root()
            .join("crates/pwchange-sim/src/vendors")
            .join(vendor.name());
        assert_eq!(
            entry_names(&folder),
            SIM_VENDOR_FILES,
            "{vendor}'s simulator folder"
        );
    }
}

/// Every crate but the workspace's own tools can be published: complete metadata, a README in
/// the package, its docs on docs.rs, and dependencies a registry can resolve. (`cargo package`
/// in CI proves that each one builds from its package.)
#[test]
fn every_published_crate_has_what_a_registry_needs() {
    let metadata = workspace_metadata();
    let packages = metadata["packages"].as_array().unwrap();
    let unpublished: Vec<&str> = packages
        .iter()
        .filter(|p| p["publish"] == serde_json::json!([]))
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        unpublished,
        ["pwchange-bench", "pwchange-contract-tests", "xtask"],
        "only the workspace's own tools stay unpublished"
    );
    let published: Vec<&serde_json::Value> =
        packages.iter().filter(|p| p["publish"].is_null()).collect();
    assert!(published.len() >= 4 + Vendor::ALL.len(), "{published:?}");
    for package in published {
        let name = package["name"].as_str().unwrap();
        let text = |key: &str| package[key].as_str().unwrap_or_default().to_owned();
        assert!(text("description").len() > 20, "{name}: description");
        assert_eq!(text("license"), "MIT OR Apache-2.0", "{name}: license");
        assert_eq!(
            text("documentation"),
            format!("https://docs.rs/{name}"),
            "{name}"
        );
        assert!(
            !text("repository").contains("invalid"),
            "{name}: a placeholder repository"
        );
        let readme = Path::new(&text("manifest_path")).with_file_name(text("readme"));
        assert!(
            text("readme") == "README.md" && readme.is_file(),
            "{name}: no README.md beside its Cargo.toml"
        );
        // crates.io's rules: at most five keywords of at most 20 ASCII characters, and five
        // categories.
        let keywords = package["keywords"].as_array().unwrap();
        assert!((1..=5).contains(&keywords.len()), "{name}: keywords");
        for keyword in keywords {
            let keyword = keyword.as_str().unwrap();
            assert!(
                keyword.len() <= 20
                    && keyword.starts_with(|c: char| c.is_ascii_alphabetic())
                    && keyword
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{name}: keyword {keyword}"
            );
        }
        let categories = package["categories"].as_array().unwrap();
        assert!((1..=5).contains(&categories.len()), "{name}: categories");
        for dependency in package["dependencies"].as_array().unwrap() {
            let dev = dependency["kind"] == "dev";
            if dependency["path"].is_string() && !dev {
                assert_ne!(
                    dependency["req"], "*",
                    "{name}: the path dependency {} has no version",
                    dependency["name"]
                );
                assert!(
                    !unpublished.contains(&dependency["name"].as_str().unwrap()),
                    "{name} depends on an unpublished crate"
                );
            }
        }
    }
}

/// The sources this project was first written from that are not in the repository (captures of
/// the vendors' pages, research notes): a tracked file cites their public originals instead.
const OUTSIDE_SOURCES: &[&str] = &["vendor-refs", "WIRE-NOTES", "../shared", "shared/seeds"];

/// Whether `word` is the name of a seed capture (`000_c12793aa6510a8cb.txt`).
fn is_seed_capture(word: &str) -> bool {
    let Some((number, rest)) = word.split_once('_') else {
        return false;
    };
    let Some(hash) = rest.strip_suffix(".txt") else {
        return false;
    };
    number.len() == 3
        && number.bytes().all(|b| b.is_ascii_digit())
        && hash.len() == 16
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Every tracked file and every folder holding one, relative to the root, without a trailing `/`.
fn repository_paths(files: &[String]) -> std::collections::BTreeSet<String> {
    let mut paths = std::collections::BTreeSet::new();
    for file in files {
        let mut prefix = String::new();
        for part in file.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            paths.insert(prefix.clone());
        }
    }
    paths
}

/// `base` joined with `relative`, `.` and `..` resolved; `None` when it leaves the root.
fn resolve(base: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

/// The folder of `path` (`""` for the root).
fn folder(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/')
}

/// How a line cites paths, by the kind of file it is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Citing {
    /// Documentation (`.md`): markdown links and backticked repository paths.
    Docs,
    /// Rust: doc links and backticked repository paths in comments, and the `../` paths of
    /// `include_str!`/`include_bytes!`/`#[path]` (other strings are data: URL paths, attacks,
    /// messages).
    Rust,
    /// Scripts and manifests: every `../` path, and backticked repository paths.
    Other,
}

impl Citing {
    fn of(file: &str) -> Self {
        if file.ends_with(".md") {
            Citing::Docs
        } else if file.ends_with(".rs") {
            Citing::Rust
        } else {
            Citing::Other
        }
    }
}

/// What a cited path is relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    /// The citing file's folder: `../` paths and markdown links.
    Folder,
    /// The repository root, or a crate's root (`tests/it/client.rs` of each crate).
    Repository,
}

/// The paths a line cites, each as written: `../` paths (see [`Citing`]), markdown links with a
/// `/` or a file extension, and backticked paths that start with a top-level folder of the
/// repository (`specs/…`, `crates/…`). Placeholders (`<vendor>`, `{v}`, `*`, `…`) are not paths.
fn cited_paths<'a>(line: &'a str, citing: Citing, top_level: &[String]) -> Vec<(Base, &'a str)> {
    let mut cited = Vec::new();
    let code_path = ["include_str!", "include_bytes!", "#[path"]
        .iter()
        .any(|m| line.contains(m));
    if citing == Citing::Other || (citing == Citing::Rust && code_path) {
        let mut rest = line;
        while let Some(at) = rest.find("../") {
            let before = rest[..at].chars().next_back();
            let len = rest[at..]
                .find(|c| !is_path_char(c))
                .unwrap_or(rest.len() - at);
            if !before.is_some_and(is_path_char) {
                cited.push((Base::Folder, rest[at..at + len].trim_end_matches('.')));
            }
            rest = &rest[at + len..];
        }
    }
    if citing == Citing::Rust && !line.trim_start().starts_with("//") {
        return cited; // in code, backticks and brackets are message text, not citations
    }
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let target = &rest[at + 2..];
        let end = target.find(')').unwrap_or(target.len());
        let target = target[..end].split('#').next().unwrap_or("");
        let is_file =
            target.contains('/') || target.rsplit_once('.').is_some_and(|(_, e)| e == "md");
        if is_file && !target.contains("://") && !target.contains("::") {
            cited.push((Base::Folder, target));
        }
        rest = &rest[at + 2..];
    }
    let is_placeholder = |c: char| matches!(c, '<' | '{' | '*' | '…' | '$' | ' ' | '[' | '"');
    for (i, quoted) in line.split('`').enumerate() {
        if i % 2 == 1
            && top_level
                .iter()
                .any(|dir| quoted.starts_with(&format!("{dir}/")))
            && !quoted.contains(is_placeholder)
        {
            // `path:line` and `path::item` cite the file.
            cited.push((Base::Repository, quoted.split(':').next().unwrap_or(quoted)));
        }
    }
    cited
}

/// This file: it names the outside sources and the local paths it refuses.
const THIS_FILE: &str = "tests/tests/it/architecture.rs";

/// Whether `.gitignore` ignores `path` (a build output such as `fuzz/target`): named, not cited.
fn is_ignored(path: &str) -> bool {
    Command::new("git")
        .args(["check-ignore", "--quiet", "--no-index", path])
        .current_dir(root())
        .status()
        .expect("git runs")
        .success()
}

#[test]
fn every_path_a_tracked_file_cites_is_in_the_repository() {
    let root = root();
    let canonical_root = root.canonicalize().unwrap();
    let files = tracked_files();
    let paths = repository_paths(&files);
    let top_level: Vec<String> = files
        .iter()
        .filter_map(|f| f.split_once('/').map(|(dir, _)| dir.to_owned()))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    // A path in the repository, or reached through a tracked symlink
    // (`crates/pwchange-sim/specs` → `specs`).
    let exists = |path: &str| {
        path.is_empty()
            || paths.contains(path)
            || root
                .join(path)
                .canonicalize()
                .ok()
                .and_then(|p| Some(p.strip_prefix(&canonical_root).ok()?.to_str()?.to_owned()))
                .is_some_and(|p| paths.contains(&p))
    };
    let mut problems = Vec::new();
    for file in &files {
        // This file names the outside sources to refuse them; fuzz inputs are data.
        if file == THIS_FILE || file.starts_with("fuzz/corpus/") {
            continue;
        }
        if file.ends_with(".lock") || file == "package-lock.json" {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(root.join(file)) else {
            continue; // not text
        };
        let citing = Citing::of(file);
        for (number, line) in text.lines().enumerate() {
            let at = format!("{file}:{}", number + 1);
            for source in OUTSIDE_SOURCES {
                if line.contains(source) {
                    problems.push(format!(
                        "{at}: cites `{source}`, which is not in the repository"
                    ));
                }
            }
            if let Some(capture) = line
                .split(|c: char| !is_path_char(c))
                .map(|word| word.trim_end_matches('.'))
                .find(|word| is_seed_capture(word.rsplit('/').next().unwrap_or(word)))
            {
                problems.push(format!(
                    "{at}: cites the seed capture `{capture}`, which is not in the repository"
                ));
            }
            for (base, cited) in cited_paths(line, citing, &top_level) {
                let cited = cited.trim_end_matches('/');
                let resolved = match base {
                    Base::Folder => resolve(folder(file), cited),
                    Base::Repository => Some(cited.to_owned()),
                };
                let found = match (&resolved, base) {
                    (None, _) => false,
                    (Some(path), Base::Folder) => exists(path),
                    (Some(path), Base::Repository) => {
                        exists(path) || paths.iter().any(|p| p.ends_with(&format!("/{path}")))
                    }
                };
                if !found && !resolved.as_deref().is_some_and(is_ignored) {
                    problems.push(format!(
                        "{at}: cites `{cited}`, which is not in the repository"
                    ));
                }
            }
        }
    }
    problems.dedup(); // a line that names an outside source is also a path that is not here
    assert!(
        problems.is_empty(),
        "tracked files cite paths outside the repository (cite the public source instead: \
         repository, path and commit, or the vendor's documentation URL):\n{}",
        problems.join("\n")
    );
}

#[test]
fn nothing_machine_local_is_tracked() {
    // Tracked files that .gitignore says are local (tool caches, editor files, build output).
    let output = Command::new("git")
        .args(["ls-files", "--cached", "--ignored", "--exclude-standard"])
        .current_dir(root())
        .output()
        .expect("git runs");
    assert!(output.status.success(), "git ls-files failed");
    let ignored = String::from_utf8(output.stdout).unwrap();
    assert!(
        ignored.is_empty(),
        "tracked files that .gitignore ignores (untrack them: git rm --cached):\n{ignored}"
    );
    // Absolute paths of a machine: this clone's location and home folder, and any user's.
    let root = root();
    let mut local = vec![format!("{}/", root.to_str().unwrap())];
    if let Some(home) = std::env::var("HOME").ok().filter(|h| h.len() > 1) {
        local.push(format!("{}/", home.trim_end_matches('/')));
    }
    local.extend(["/home/", "/Users/", "/root/", "C:\\Users\\"].map(str::to_owned));
    let mut problems = Vec::new();
    for file in tracked_files().into_iter().filter(|f| f != THIS_FILE) {
        let Ok(text) = std::fs::read_to_string(root.join(&file)) else {
            continue;
        };
        for (number, line) in text.lines().enumerate() {
            if let Some(path) = local_path(line, &local) {
                problems.push(format!(
                    "{file}:{}: names the local path {path}",
                    number + 1
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The first of `prefixes` that starts an absolute path in `line`: at the start of the line or
/// after a character that cannot be part of a path (`crates/x/src/` contains `/src/`, and a
/// URL's path is not a local one).
fn local_path<'a>(line: &str, prefixes: &'a [String]) -> Option<&'a str> {
    prefixes.iter().map(String::as_str).find(|prefix| {
        line.match_indices(prefix).any(|(at, _)| {
            line[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !is_path_char(c) && c != ':')
        })
    })
}

#[test]
fn cited_paths_are_found_and_placeholders_are_not_paths() {
    let top = ["specs".to_owned(), "crates".to_owned()];
    let line = "see `specs/a.yaml:3`, `crates/pwchange-<vendor>/src`, [a](docs/x.md#h), \
                [b](crate::Settings) and ../../specs";
    let (folder, repository) = (Base::Folder, Base::Repository);
    assert_eq!(
        cited_paths(line, Citing::Other, &top),
        [
            (folder, "../../specs"),
            (folder, "docs/x.md"),
            (repository, "specs/a.yaml")
        ]
    );
    // In Rust, a comment cites; a `../` string is data unless it is included, and a string's
    // backticks are message text. In docs, code is not a citation.
    assert_eq!(
        cited_paths(&format!("/// {line}"), Citing::Rust, &top),
        [(folder, "docs/x.md"), (repository, "specs/a.yaml")]
    );
    assert!(cited_paths(&format!("\"{line}\""), Citing::Rust, &top).is_empty());
    assert_eq!(
        cited_paths("include_str!(\"../README.md\")", Citing::Rust, &top),
        [(folder, "../README.md")]
    );
    assert!(cited_paths("`include_str!(\"../README.md\")`", Citing::Docs, &top).is_empty());
    assert!(
        cited_paths(
            "`a/../b` https://x.example/../y `other/path.rs`",
            Citing::Other,
            &top
        )
        .is_empty()
    );
    assert_eq!(
        resolve("crates/a/src", "../../../specs"),
        Some("specs".to_owned())
    );
    assert_eq!(resolve("crates", "../../x"), None);
    let prefixes = ["/src/".to_owned(), "/home/".to_owned()];
    assert_eq!(local_path("see \"/src/x\"", &prefixes), Some("/src/"));
    assert_eq!(local_path("/home/me/x", &prefixes), Some("/home/"));
    assert_eq!(
        local_path("crates/a/src/lib.rs https://x.example/home/", &prefixes),
        None
    );
    assert!(is_seed_capture("000_c12793aa6510a8cb.txt"));
    assert_eq!(
        "see seeds/000_c12793aa6510a8cb.txt."
            .split(|c: char| !is_path_char(c))
            .map(|w| w.trim_end_matches('.'))
            .find(|w| is_seed_capture(w.rsplit('/').next().unwrap_or(w))),
        Some("seeds/000_c12793aa6510a8cb.txt")
    );
    assert!(!is_seed_capture("000_c12793aa6510a8cb.yaml") && !is_seed_capture("0_1.txt"));
}

/// Integration-test files that stay test binaries of their own, each with the process-wide
/// state that keeps it apart. Every other integration test is a module of its crate's one
/// binary, `tests/it/main.rs`: each test binary links the whole stack, so each one more costs
/// every build its link (and `cargo test` runs binaries one after another).
const OWN_TEST_BINARIES: &[(&str, &str)] = &[
    (
        "crates/pwchange/tests/bounded_answers.rs",
        "it measures the process's peak memory",
    ),
    (
        "crates/pwchange/tests/secrets.rs",
        "it installs a process-wide trace subscriber",
    ),
    (
        "crates/pwchange/tests/tracing.rs",
        "tracing's callsite interest cache is process-wide",
    ),
];

#[test]
fn each_crate_has_one_integration_test_binary() {
    let mut found = Vec::new();
    for file in tracked_files() {
        // A test binary is a file directly in a crate's `tests/` (cargo's auto-discovery) or a
        // folder there with a main.rs.
        let Some((krate, rest)) = file.split_once("/tests/") else {
            continue;
        };
        if krate.starts_with("fuzz") || !root().join(krate).join("Cargo.toml").exists() {
            continue;
        }
        let binary = match rest.split_once('/') {
            None if rest.ends_with(".rs") => file.clone(),
            Some((folder, "main.rs")) => format!("{krate}/tests/{folder}/main.rs"),
            _ => continue,
        };
        found.push((krate.to_owned(), binary));
    }
    let mut crates_with_tests: Vec<&str> = found.iter().map(|(k, _)| k.as_str()).collect();
    crates_with_tests.dedup();
    assert!(
        crates_with_tests.len() >= 3,
        "found no integration tests: {found:?}"
    );
    for (krate, binary) in &found {
        let expected = format!("{krate}/tests/it/main.rs");
        assert!(
            *binary == expected || OWN_TEST_BINARIES.iter().any(|(own, _)| own == binary),
            "{binary} is a test binary of its own: make it a module of {expected} (or, if it \
             needs a process of its own, list it in OWN_TEST_BINARIES with the reason)"
        );
    }
    for (own, reason) in OWN_TEST_BINARIES {
        assert!(
            found.iter().any(|(_, binary)| binary == own),
            "{own} is listed in OWN_TEST_BINARIES ({reason}) but is not a test binary"
        );
    }
}

/// A library or binary built without its test harness (`test = false`, which spares the build a
/// second compile of generated code) must have no unit test: a `#[test]` there would never run.
#[test]
fn a_target_built_without_tests_has_none() {
    let metadata = workspace_metadata();
    let mut untested = 0;
    for target in metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|package| package["targets"].as_array().unwrap())
    {
        let kinds = target["kind"].as_array().unwrap();
        let is_lib_or_bin = kinds.iter().any(|kind| kind == "lib" || kind == "bin");
        if !is_lib_or_bin || target["test"].as_bool() != Some(false) {
            continue;
        }
        untested += 1;
        let src_path = PathBuf::from(target["src_path"].as_str().unwrap());
        // A library's modules are the files beside its root and below; a binary is its file.
        let files: Vec<PathBuf> = if kinds.iter().any(|kind| kind == "lib") {
            rust_files_below(src_path.parent().unwrap())
        } else {
            vec![src_path]
        };
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for attribute in ["#[test]", "#[tokio::test", "#[cfg(test)]"] {
                assert!(
                    !text.contains(attribute),
                    "{} has {attribute}, but its target {} is built with test = false: the test \
                     would never run (remove test = false from its [lib] or [[bin]])",
                    file.display(),
                    target["name"]
                );
            }
        }
    }
    assert!(
        untested > 0,
        "no target with test = false was found: is cargo metadata read right?"
    );
}

/// The names of the entries of `dir`, sorted.
fn entry_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every `.rs` file in `dir` and below.
pub(crate) fn rust_files_below(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files_below(&path));
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
    files
}

/// The (name, version) of every registry package in a Cargo.lock.
fn locked_registry_packages(lock: &str) -> Vec<(String, String)> {
    let mut packages = Vec::new();
    for entry in lock.split("[[package]]").skip(1) {
        let field = |key: &str| {
            entry.lines().find_map(|line| {
                line.strip_prefix(key)
                    .and_then(|rest| rest.strip_prefix(" = \""))
                    .and_then(|rest| rest.strip_suffix('"'))
                    .map(str::to_owned)
            })
        };
        if let (Some(name), Some(version), Some(_)) =
            (field("name"), field("version"), field("source"))
        {
            packages.push((name, version));
        }
    }
    packages
}

/// The fuzz workspace locks the versions the main workspace locks: `.ci/fuzz.sh` builds in the
/// workspace's target directory and reuses the dependency builds `cargo package` made just
/// before, which another version would make it compile again.
#[test]
fn the_fuzz_lock_pins_the_workspace_versions() {
    let read = |path: &str| std::fs::read_to_string(root().join(path)).unwrap();
    let workspace = locked_registry_packages(&read("Cargo.lock"));
    let fuzz = locked_registry_packages(&read("fuzz/Cargo.lock"));
    assert!(
        workspace.len() > 50 && fuzz.len() > 50,
        "the lock files were not read"
    );
    for (name, version) in &fuzz {
        let versions: Vec<&str> = workspace
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        assert!(
            versions.is_empty() || versions.contains(&version.as_str()),
            "fuzz/Cargo.lock has {name} {version}, Cargo.lock {versions:?}: run `cargo update \
             --manifest-path fuzz/Cargo.toml -p {name} --precise {}`",
            versions[0]
        );
    }
}
