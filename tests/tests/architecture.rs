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

#![allow(clippy::unwrap_used)] // test code

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

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
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
                .filter(|(path, text)| !is_exempt(path, text.as_deref()) && !is_home(path, vendor))
                .filter(|(_, text)| {
                    text.as_deref()
                        .is_some_and(|t| t.to_ascii_lowercase().contains(vendor.name()))
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
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for vendor in Vendor::ALL {
        let output = Command::new(&cargo)
            .args(["tree", "--offline", "--locked", "-p", "pwchange"])
            .args(["--no-default-features", "--features", vendor.name()])
            .args(["-e", "normal", "--prefix", "none", "--format", "{p}"])
            .current_dir(root())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "cargo tree for {vendor}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let tree = String::from_utf8(output.stdout).unwrap();
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

/// Every crate but the workspace's own tools can be published: complete metadata, a README in
/// the package, its docs on docs.rs, and dependencies a registry can resolve. (`cargo package`
/// in CI proves that each one builds from its package.)
#[test]
fn every_published_crate_has_what_a_registry_needs() {
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
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
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
