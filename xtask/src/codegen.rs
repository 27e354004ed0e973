//! `cargo xtask codegen`: `specs/<vendor>.yaml` → `crates/pwchange-<vendor>/src/generated.rs`
//! and `crates/pwchange-httpmock/src/<vendor>.rs`.
//!
//! Architecture invariant: the output is a pure function of the spec bytes and the generator
//! versions in Cargo.lock, so running it twice gives byte-identical files and `--check` can
//! compare them.

use std::fmt::{self, Write as _};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use quote::quote;
use sha2::{Digest, Sha256};

use crate::spec::{self, SpecError};

/// The vendors: one per `specs/<name>.yaml`, sorted by name. Their spec file, crate and mock
/// module derive from the name; the Rust registry (`pwchange_core::Vendor`) is checked against
/// this list by a test.
pub fn vendors(root: &Path) -> Result<Vec<String>, CodegenError> {
    let dir = root.join("specs");
    let entries = std::fs::read_dir(&dir).map_err(|source| CodegenError::Io {
        path: PathBuf::from("specs"),
        source,
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".yaml")
                .map(str::to_owned)
        })
        .collect();
    names.sort();
    Ok(names)
}

/// Whether to write the files or only compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write files whose content changed.
    Write,
    /// Change nothing; fail when a file is stale.
    Check,
}

/// One generated file.
#[derive(Debug)]
pub struct Output {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// Full content, header included.
    pub content: String,
}

/// Why codegen failed.
#[derive(Debug)]
pub enum CodegenError {
    /// A spec is invalid or cannot be generated.
    Spec(SpecError),
    /// progenitor refused or panicked on a spec.
    Generator { file: PathBuf, message: String },
    /// Reading or writing a file failed.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `--check` found files that differ from what the specs generate.
    Stale(Vec<PathBuf>),
    /// Cargo.lock does not name a progenitor version.
    NoGeneratorVersion,
    /// A command-line spec names no vendor: not a file, not a vendor name.
    UnknownVendor { name: String, known: Vec<String> },
    /// A spec in `specs/` whose crate does not exist yet.
    MissingCrate { vendor: String },
    /// A command-line spec path that is not a file; `vendor` when its name is a vendor's.
    NoSuchFile {
        path: PathBuf,
        vendor: Option<String>,
    },
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodegenError::Spec(e) => write!(f, "{e}"),
            CodegenError::Generator { file, message } => {
                write!(
                    f,
                    "{}: at `$`: progenitor cannot generate a client: {message}",
                    file.display()
                )
            }
            CodegenError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            CodegenError::Stale(paths) => {
                writeln!(
                    f,
                    "generated code is stale; run `cargo xtask codegen` and commit the result:"
                )?;
                for path in paths {
                    writeln!(
                        f,
                        "  {} differs from what its spec generates",
                        path.display()
                    )?;
                }
                Ok(())
            }
            CodegenError::NoGeneratorVersion => {
                write!(
                    f,
                    "Cargo.lock has no `progenitor` package; run `cargo xtask codegen` from the workspace"
                )
            }
            CodegenError::UnknownVendor { name, known } => write!(
                f,
                "{name:?} is neither a file nor a vendor; the vendors are {} (one per specs/<name>.yaml)",
                known.join(", ")
            ),
            CodegenError::NoSuchFile { path, vendor } => {
                write!(f, "{}: no such file", path.display())?;
                match vendor {
                    Some(vendor) => {
                        write!(f, "; did you mean `specs/{vendor}.yaml` (or `{vendor}`)?")
                    }
                    None => Ok(()),
                }
            }
            CodegenError::MissingCrate { vendor } => write!(
                f,
                "specs/{vendor}.yaml has no crate: create crates/pwchange-{vendor}/ first \
                 (ARCHITECTURE.md, \"Adding a vendor\")"
            ),
        }
    }
}

impl From<SpecError> for CodegenError {
    fn from(e: SpecError) -> Self {
        CodegenError::Spec(e)
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// What one command-line argument of `cargo xtask codegen` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A vendor: `specs/<name>.yaml`, given by its path or its name.
    Vendor(String),
    /// A document outside `specs/`: checked (progenitor generates it), never written.
    Candidate(PathBuf),
}

/// Resolves a command-line argument: a vendor name (`<vendor>`), or a path relative to `cwd`.
/// A path that is a vendor's spec (`specs/<vendor>.yaml`, from any directory) names the vendor.
pub fn resolve(root: &Path, cwd: &Path, arg: &str) -> Result<Target, CodegenError> {
    let known = vendors(root)?;
    let looks_like_a_path = arg.contains(['/', '\\']) || arg.contains('.');
    if !looks_like_a_path {
        return if known.iter().any(|v| v == arg) {
            Ok(Target::Vendor(arg.to_owned()))
        } else {
            Err(CodegenError::UnknownVendor {
                name: arg.to_owned(),
                known,
            })
        };
    }
    let path = cwd.join(arg);
    if !path.is_file() {
        // `<vendor>.yaml` typed in the root: name what was meant.
        let file_name = Path::new(arg).file_name().and_then(|n| n.to_str());
        let vendor = file_name
            .and_then(|n| n.strip_suffix(".yaml"))
            .filter(|n| known.iter().any(|v| v == n));
        return Err(CodegenError::NoSuchFile {
            path: PathBuf::from(arg),
            vendor: vendor.map(str::to_owned),
        });
    }
    // The folder is compared after resolving links and `..`; the file name is taken as written
    // and must be a vendor's, so `specs/<Vendor>.yaml` on a case-insensitive file system, or
    // `specs/<vendor>.yml`, is a candidate, never a crate to write.
    let folder = path.parent().and_then(|p| p.canonicalize().ok());
    let specs = root.join("specs").canonicalize().ok();
    let vendor = path
        .file_name()
        .and_then(|name| name.to_str()?.strip_suffix(".yaml"))
        .filter(|name| folder.is_some() && folder == specs && known.iter().any(|v| v == name));
    Ok(match vendor {
        Some(vendor) => Target::Vendor(vendor.to_owned()),
        None => Target::Candidate(PathBuf::from(arg)),
    })
}

/// Generates the targets (every vendor when there are none) and writes (or checks) their files;
/// returns a human-readable report. Relative candidate paths are read from `cwd`.
pub fn run(
    root: &Path,
    cwd: &Path,
    mode: Mode,
    targets: &[Target],
) -> Result<String, CodegenError> {
    let mut report = String::new();
    let mut unique: Vec<&Target> = Vec::new();
    for target in targets {
        if !unique.contains(&target) {
            unique.push(target);
        }
    }
    let outputs = if targets.is_empty() {
        generate_all(root)?
    } else {
        let generator_version = progenitor_version(root)?;
        let mut outputs = Vec::new();
        for target in unique {
            match target {
                Target::Vendor(vendor) => {
                    outputs.extend(generate_spec_file(root, vendor, &generator_version)?.0);
                }
                Target::Candidate(path) => {
                    let text = std::fs::read_to_string(cwd.join(path)).map_err(|source| {
                        CodegenError::Io {
                            path: path.clone(),
                            source,
                        }
                    })?;
                    generate_vendor("candidate", path, &text, &generator_version)?;
                    let _ = writeln!(
                        report,
                        "checked     {}: progenitor generates a client from it; nothing written \
                         (only specs/<vendor>.yaml are generated into crates)",
                        path.display()
                    );
                }
            }
        }
        if targets.iter().any(|t| matches!(t, Target::Vendor(_))) {
            outputs.push(mock_index(&spec_texts(root)?, &generator_version));
        }
        outputs
    };
    if mode == Mode::Write && !outputs.is_empty() {
        // Every vendor's crate must exist before any file is written: the mock index names
        // every spec, also when one vendor is regenerated.
        for vendor in vendors(root)? {
            if !root.join(format!("crates/pwchange-{vendor}/src")).is_dir() {
                return Err(CodegenError::MissingCrate { vendor });
            }
        }
    }
    let mut stale = Vec::new();
    for output in &outputs {
        let path = root.join(&output.path);
        let current = std::fs::read_to_string(&path).ok();
        let fresh = current.as_deref() == Some(output.content.as_str());
        match (mode, fresh) {
            (_, true) => {
                let _ = writeln!(report, "up to date  {}", output.path.display());
            }
            (Mode::Check, false) => stale.push(output.path.clone()),
            (Mode::Write, false) => {
                write_whole(&path, &output.content).map_err(|source| CodegenError::Io {
                    path: output.path.clone(),
                    source,
                })?;
                let _ = writeln!(report, "wrote       {}", output.path.display());
            }
        }
    }
    if !stale.is_empty() {
        return Err(CodegenError::Stale(stale));
    }
    Ok(report)
}

/// Writes `content` to a temporary file beside `path`, then renames it over `path`: a reader
/// (or a failure halfway) never sees a half-written file.
fn write_whole(path: &Path, content: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("generated");
    let temporary = path.with_file_name(format!(".{name}.tmp"));
    std::fs::write(&temporary, content)
        .and_then(|()| std::fs::rename(&temporary, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&temporary);
        })
}

/// Generates every vendor's files in memory.
pub fn generate_all(root: &Path) -> Result<Vec<Output>, CodegenError> {
    let generator_version = progenitor_version(root)?;
    let mut outputs = Vec::new();
    let mut specs = Vec::new();
    for vendor in vendors(root)? {
        let (files, spec) = generate_spec_file(root, &vendor, &generator_version)?;
        outputs.extend(files);
        specs.push(spec);
    }
    outputs.push(mock_index(&specs, &generator_version));
    Ok(outputs)
}

/// One vendor's spec: its name, its path relative to the root, its text.
type SpecFile = (String, PathBuf, String);

/// Reads `specs/<vendor>.yaml`.
fn read_spec(root: &Path, vendor: &str) -> Result<SpecFile, CodegenError> {
    let spec_path = PathBuf::from(format!("specs/{vendor}.yaml"));
    let text =
        std::fs::read_to_string(root.join(&spec_path)).map_err(|source| CodegenError::Io {
            path: spec_path.clone(),
            source,
        })?;
    Ok((vendor.to_owned(), spec_path, text))
}

/// Every vendor's spec, read but not parsed: the mock index needs their hashes only, so one
/// vendor can be regenerated while another's spec is broken.
fn spec_texts(root: &Path) -> Result<Vec<SpecFile>, CodegenError> {
    vendors(root)?.iter().map(|v| read_spec(root, v)).collect()
}

/// Reads and generates one vendor's spec.
fn generate_spec_file(
    root: &Path,
    vendor: &str,
    generator_version: &str,
) -> Result<(Vec<Output>, SpecFile), CodegenError> {
    let spec = read_spec(root, vendor)?;
    let outputs = generate_vendor(vendor, &spec.1, &spec.2, generator_version)?;
    Ok((outputs, spec))
}

/// Generates the client and the httpmock module of one vendor from its spec text.
pub fn generate_vendor(
    vendor: &str,
    spec_path: &Path,
    text: &str,
    generator_version: &str,
) -> Result<Vec<Output>, CodegenError> {
    let spec = spec::parse(spec_path, text)?;
    let settings = settings(&spec::secret_replacements(spec_path, &spec)?);
    let crate_path = format!("pwchange_{vendor}");

    let client = catch_generator(spec_path, || {
        Generator::new(&settings).generate_tokens(&spec)
    })?;
    let mock = catch_generator(spec_path, || {
        Generator::new(&settings).httpmock(&spec, &crate_path)
    })?;

    let client_header = header(
        spec_path,
        text,
        &format!(
            "progenitor {generator_version} (builder interface; `Client::new` on pwchange's transport rules, by xtask)"
        ),
    );
    let header = header(
        spec_path,
        text,
        &format!("progenitor {generator_version} (httpmock)"),
    );
    let parse = |tokens, what: &str| -> Result<syn::File, CodegenError> {
        syn::parse2::<syn::File>(tokens).map_err(|e| CodegenError::Generator {
            file: spec_path.to_owned(),
            message: format!("the generated {what} is not valid Rust: {e}"),
        })
    };
    let mut client = parse(client, "client")?;
    harden_client_new(&mut client).map_err(|message| CodegenError::Generator {
        file: spec_path.to_owned(),
        message,
    })?;
    let mock = parse(mock, "mock module")?;
    Ok(vec![
        Output {
            path: PathBuf::from(format!("crates/pwchange-{vendor}/src/generated.rs")),
            content: format!("{client_header}{}", prettyplease::unparse(&client)),
        },
        Output {
            path: PathBuf::from(format!("crates/pwchange-httpmock/src/{vendor}.rs")),
            content: format!("{header}{}", prettyplease::unparse(&mock)),
        },
    ])
}

/// Replaces progenitor's `Client::new(baseurl, inner)`, whose reqwest client follows the
/// `HTTP_PROXY` family, redirects and plain http, with one on pwchange's transport rules
/// (`pwchange_core::http::client_for`). Everything else progenitor wrote stays as it is.
fn harden_client_new(file: &mut syn::File) -> Result<(), String> {
    let hardened: syn::ImplItemFn = syn::parse_quote! {
        /// Creates a client for `baseurl` on pwchange's transport rules
        /// (`pwchange_core::http::client_for`): no proxy (the `HTTP_PROXY` family is ignored), no
        /// redirects, rustls with the platform's roots, the default timeouts; plain `http://` only
        /// to a loopback host, else every request is refused. For a CA, a proxy or other settings,
        /// build a client with `pwchange_core::http::HttpConfig` and use
        /// [`Client::new_with_client`].
        pub fn new(baseurl: &str, inner: ::pwchange_core::ClientContext) -> Self {
            Self::new_with_client(baseurl, ::pwchange_core::http::client_for(baseurl), inner)
        }
    };
    let mut replaced = 0;
    for item in &mut file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = block.trait_.is_none()
            && matches!(&*block.self_ty, syn::Type::Path(path) if path.path.is_ident("Client"));
        if !is_client {
            continue;
        }
        for member in &mut block.items {
            if let syn::ImplItem::Fn(function) = member
                && function.sig.ident == "new"
            {
                *function = hardened.clone();
                replaced += 1;
            }
        }
    }
    match replaced {
        1 => Ok(()),
        n => Err(format!(
            "expected progenitor to write one `Client::new`, found {n}: the generator changed"
        )),
    }
}

/// `crates/pwchange-httpmock/src/lib.rs`: one module per spec, each behind its vendor's feature.
fn mock_index(specs: &[SpecFile], generator_version: &str) -> Output {
    let mut content = String::from(
        "// @generated by `cargo xtask codegen`. DO NOT EDIT: add a spec and regenerate.\n",
    );
    for (_, path, text) in specs {
        let _ = writeln!(
            content,
            "// spec: {} sha256: {}",
            path.display(),
            sha256(text)
        );
    }
    let _ = write!(
        content,
        "// generator: progenitor {generator_version} (httpmock), module list by xtask\n\n\
         //! Typed [`httpmock`] helpers for the pwchange vendor clients, generated by progenitor from\n\
         //! the same specs as the clients (`cargo xtask codegen`).\n\
         //!\n\
         //! One module per vendor, each behind the vendor's Cargo feature (none by default). Each\n\
         //! module's `MockServerExt` trait adds one method per operation to [`httpmock::MockServer`];\n\
         //! its closure receives typed `When`/`Then` wrappers that only accept the spec's values (each\n\
         //! vendor crate's documentation has an example). Use `into_inner()` on a wrapper to deviate\n\
         //! from the spec on purpose (e.g. to send a body the spec does not allow and test the\n\
         //! client's reaction). [`prism`] helps tests against Prism's mock mode, [`transport`] the\n\
         //! test that each generated `Client::new` obeys the transport rules.\n\n\
         pub mod prism;\n\
         pub mod transport;\n"
    );
    for (vendor, _, _) in specs {
        let _ = write!(
            content,
            "\n#[cfg(feature = \"{vendor}\")]\n#[rustfmt::skip]\n\
             #[allow(missing_docs, clippy::all, clippy::unwrap_used, unused_imports)]\n\
             pub mod {vendor};\n"
        );
    }
    Output {
        path: PathBuf::from("crates/pwchange-httpmock/src/lib.rs"),
        content,
    }
}

fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The settings every vendor is generated with; only the secret replacements differ.
fn settings(replacements: &[spec::Replacement]) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote!(::pwchange_core::ClientContext))
        .with_hooks(HooksMode::Expected);
    for replacement in replacements {
        // No trait impls are declared: typify must never format a secret through `Display`.
        settings.with_replacement(
            &replacement.schema,
            &replacement.rust_type,
            std::iter::empty(),
        );
    }
    settings
}

/// Runs progenitor, turning both its errors and its panics into [`CodegenError::Generator`].
fn catch_generator<T>(
    spec_path: &Path,
    generate: impl FnOnce() -> Result<T, progenitor::Error>,
) -> Result<T, CodegenError> {
    let previous_hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(generate));
    panic::set_hook(previous_hook);
    let message = match result {
        Ok(Ok(value)) => return Ok(value),
        Ok(Err(e)) => e.to_string(),
        Err(payload) => {
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_owned());
            format!("progenitor panicked: {text}")
        }
    };
    Err(CodegenError::Generator {
        file: spec_path.to_owned(),
        message,
    })
}

fn header(spec_path: &Path, text: &str, generator: &str) -> String {
    let hex = sha256(text);
    format!(
        "// @generated by `cargo xtask codegen`. DO NOT EDIT: change the spec and regenerate.\n\
         // spec: {}\n\
         // spec sha256: {hex}\n\
         // generator: {generator}, formatted by prettyplease\n\n",
        spec_path.display()
    )
}

/// The progenitor version recorded in Cargo.lock: what actually generated the code.
fn progenitor_version(root: &Path) -> Result<String, CodegenError> {
    let lock_path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).map_err(|source| CodegenError::Io {
        path: PathBuf::from("Cargo.lock"),
        source,
    })?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"progenitor\""
            && let Some(version) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'))
        {
            return Ok(version.to_owned());
        }
    }
    Err(CodegenError::NoGeneratorVersion)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed generated files are what the specs generate (the test twin of
    /// `cargo xtask codegen --check`).
    #[test]
    fn committed_generated_code_is_fresh() {
        let root = workspace_root();
        let outputs = generate_all(&root).unwrap_or_else(|e| panic!("{e}"));
        let stale: Vec<_> = outputs
            .iter()
            .filter(|o| {
                std::fs::read_to_string(root.join(&o.path)).ok().as_deref()
                    != Some(o.content.as_str())
            })
            .map(|o| o.path.display().to_string())
            .collect();
        assert!(
            stale.is_empty(),
            "stale generated files (run `cargo xtask codegen`): {stale:?}"
        );
    }

    #[test]
    fn generation_is_deterministic() {
        let root = workspace_root();
        let first = generate_all(&root).unwrap_or_else(|e| panic!("{e}"));
        let second = generate_all(&root).unwrap_or_else(|e| panic!("{e}"));
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(
                a.content,
                b.content,
                "{} differs between two runs",
                a.path.display()
            );
        }
    }

    #[test]
    fn every_file_starts_with_the_header() {
        let root = workspace_root();
        for output in generate_all(&root).unwrap_or_else(|e| panic!("{e}")) {
            if output.path.ends_with("lib.rs") {
                let head: Vec<_> = output.content.lines().collect();
                assert!(head[0].contains("DO NOT EDIT"));
                let specs = vendors(&root).unwrap();
                for (line, vendor) in head[1..].iter().zip(&specs) {
                    assert!(
                        line.starts_with(&format!("// spec: specs/{vendor}.yaml sha256: ")),
                        "{line}"
                    );
                }
                assert!(head[1 + specs.len()].starts_with("// generator: progenitor "));
                continue;
            }
            let head: Vec<_> = output.content.lines().take(4).collect();
            assert!(head[0].contains("DO NOT EDIT"), "{}", output.path.display());
            assert!(head[1].starts_with("// spec: specs/"));
            assert!(head[2].starts_with("// spec sha256: ") && head[2].len() == 16 + 64);
            assert!(head[3].starts_with("// generator: progenitor "));
            if output.path.ends_with("generated.rs") {
                assert!(head[3].contains("`Client::new` on pwchange's transport rules"));
                assert!(
                    output
                        .content
                        .contains("::pwchange_core::http::client_for(baseurl)")
                );
                assert!(!output.content.contains("reqwest::ClientBuilder::new()"));
            }
        }
    }

    /// A workspace in a temporary directory: `specs/` with the given vendors' specs, a
    /// Cargo.lock naming progenitor, and the httpmock crate's `src/`.
    fn scratch_workspace(vendors: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("specs")).unwrap();
        std::fs::create_dir_all(root.join("crates/pwchange-httpmock/src")).unwrap();
        std::fs::write(
            root.join("Cargo.lock"),
            "[[package]]\nname = \"progenitor\"\nversion = \"9.9.9\"\n",
        )
        .unwrap();
        for vendor in vendors {
            std::fs::write(
                root.join(format!("specs/{vendor}.yaml")),
                "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      operationId: x\n      responses: {'204': {description: ok}}\n",
            )
            .unwrap();
        }
        dir
    }

    #[test]
    fn one_vendor_is_written_then_up_to_date_and_the_index_names_every_spec() {
        let dir = scratch_workspace(&["alpha", "beta"]);
        let root = dir.path();
        std::fs::create_dir_all(root.join("crates/pwchange-alpha/src")).unwrap();
        std::fs::create_dir_all(root.join("crates/pwchange-beta/src")).unwrap();
        // beta's spec is broken: regenerating alpha alone does not parse it.
        std::fs::write(root.join("specs/beta.yaml"), "swagger: '2.0'\n").unwrap();
        // Named twice (by name and by path): generated once.
        let targets = [
            Target::Vendor("alpha".to_owned()),
            Target::Vendor("alpha".to_owned()),
        ];
        let report = run(root, root, Mode::Write, &targets).unwrap();
        assert_eq!(
            report,
            "wrote       crates/pwchange-alpha/src/generated.rs\n\
             wrote       crates/pwchange-httpmock/src/alpha.rs\n\
             wrote       crates/pwchange-httpmock/src/lib.rs\n"
        );
        let client =
            std::fs::read_to_string(root.join("crates/pwchange-alpha/src/generated.rs")).unwrap();
        assert!(client.contains("// spec: specs/alpha.yaml\n"), "{client}");
        assert!(
            client.contains("// generator: progenitor 9.9.9 "),
            "{client}"
        );
        let index =
            std::fs::read_to_string(root.join("crates/pwchange-httpmock/src/lib.rs")).unwrap();
        assert!(
            index.contains("pub mod alpha;") && index.contains("pub mod beta;"),
            "{index}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(root.join("crates/pwchange-httpmock/src"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|name| name.to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
        let again = run(root, root, Mode::Check, &targets).unwrap();
        assert_eq!(
            again
                .lines()
                .filter(|l| l.starts_with("up to date  "))
                .count(),
            3
        );
        // All vendors: beta's spec is read now, and refused.
        let err = run(root, root, Mode::Check, &[]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("specs/beta.yaml: at `$.swagger`: "),
            "{err}"
        );
    }

    #[test]
    fn a_spec_without_its_crate_is_refused_before_anything_is_written() {
        // alpha has its crate, gamma not: alpha's files are not written either, not even when
        // alpha alone is regenerated (the mock index would name gamma's missing module).
        let dir = scratch_workspace(&["alpha", "gamma"]);
        let root = dir.path();
        std::fs::create_dir_all(root.join("crates/pwchange-alpha/src")).unwrap();
        let err = run(root, root, Mode::Write, &[]).unwrap_err();
        assert!(matches!(err, CodegenError::MissingCrate { ref vendor } if vendor == "gamma"));
        assert_eq!(
            err.to_string(),
            "specs/gamma.yaml has no crate: create crates/pwchange-gamma/ first \
             (ARCHITECTURE.md, \"Adding a vendor\")"
        );
        assert!(!root.join("crates/pwchange-httpmock/src/lib.rs").exists());
        assert!(!root.join("crates/pwchange-alpha/src/generated.rs").exists());
        let alpha = [Target::Vendor("alpha".to_owned())];
        let err = run(root, root, Mode::Write, &alpha).unwrap_err();
        assert!(matches!(err, CodegenError::MissingCrate { ref vendor } if vendor == "gamma"));
        assert!(!root.join("crates/pwchange-alpha/src/generated.rs").exists());
        // --check says the files are missing, without the advice.
        let stale = run(root, root, Mode::Check, &[]).unwrap_err();
        assert!(
            matches!(stale, CodegenError::Stale(ref paths) if paths.len() == 5),
            "{stale}"
        );
    }

    #[test]
    fn an_argument_resolves_to_a_vendor_or_a_candidate() {
        let dir = scratch_workspace(&["alpha"]);
        let root = dir.path();
        let vendor = Target::Vendor("alpha".to_owned());
        assert_eq!(resolve(root, root, "alpha").unwrap(), vendor);
        assert_eq!(resolve(root, root, "specs/alpha.yaml").unwrap(), vendor);
        assert_eq!(
            resolve(root, &root.join("specs"), "alpha.yaml").unwrap(),
            vendor
        );
        assert_eq!(
            resolve(root, &root.join("crates"), "../specs/alpha.yaml").unwrap(),
            vendor
        );
        std::fs::write(root.join("alpha.yaml"), "").unwrap();
        assert_eq!(
            resolve(root, root, "alpha.yaml").unwrap(),
            Target::Candidate(PathBuf::from("alpha.yaml"))
        );
        // In specs/ but not a vendor's name: checked, never written.
        std::fs::write(root.join("specs/alpha.yml"), "").unwrap();
        assert_eq!(
            resolve(root, root, "specs/alpha.yml").unwrap(),
            Target::Candidate(PathBuf::from("specs/alpha.yml"))
        );
        assert!(matches!(
            resolve(root, root, "beta"),
            Err(CodegenError::UnknownVendor { ref known, .. }) if known == &["alpha"]
        ));
        let missing = resolve(root, root, "specs/beta.yaml").unwrap_err();
        assert_eq!(missing.to_string(), "specs/beta.yaml: no such file");
        std::fs::remove_file(root.join("alpha.yaml")).unwrap();
        let err = resolve(root, root, "alpha.yaml").unwrap_err();
        assert_eq!(
            err.to_string(),
            "alpha.yaml: no such file; did you mean `specs/alpha.yaml` (or `alpha`)?"
        );
    }

    #[test]
    fn a_spec_progenitor_rejects_is_reported_with_the_file_not_a_panic() {
        // A schema reference that does not resolve: typify's own error.
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      operationId: x\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Missing'}}}}\n      responses: {'204': {description: ok}}\n";
        let err =
            generate_vendor("test", Path::new("specs/broken.yaml"), text, "0.0.0").unwrap_err();
        let shown = err.to_string();
        assert!(shown.starts_with("specs/broken.yaml: "), "{shown}");
        assert!(matches!(err, CodegenError::Generator { .. }), "{shown}");
    }
}
