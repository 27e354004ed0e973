//! `cargo xtask` as a developer runs it: the binary, its exit status and what it prints. Only
//! `--check` and documents outside `specs/` are used, so the tests never write to the tree.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn xtask(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

/// The first vendor `cargo xtask vendors` lists.
fn a_vendor() -> String {
    let out = xtask(&root(), &["vendors"]);
    text(&out.stdout).lines().next().unwrap().to_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes `content` to a file in a fresh temporary directory.
fn document(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

/// The shape VMware publishes its Cloud Director CloudAPI in: Swagger 2.0, a body parameter.
const SWAGGER_2: &str = r##"swagger: "2.0"
info: {title: VMware Cloud Director OpenAPI, version: "37.2"}
basePath: /cloudapi
paths:
  /1.0.0/users/{userUrn}/changePassword:
    post:
      operationId: changePassword
      parameters:
        - {name: userUrn, in: path, required: true, type: string}
        - {name: body, in: body, required: true, schema: {$ref: "#/definitions/PasswordChangeRequest"}}
      responses: {"204": {description: No Content}}
definitions:
  PasswordChangeRequest:
    type: object
    properties: {currentPassword: {type: string}, newPassword: {type: string}}
"##;

#[test]
fn a_swagger_2_document_is_refused_with_what_to_do() {
    let (dir, _) = document("swagger.yaml", SWAGGER_2);
    let out = xtask(dir.path(), &["codegen", "swagger.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: swagger.yaml: at `$.swagger`: this is a Swagger 2.0 document"),
        "{stderr}"
    );
    assert!(
        stderr.contains("convert it to OpenAPI 3.0 first"),
        "{stderr}"
    );
    assert!(stderr.contains("npx swagger2openapi"), "{stderr}");
    assert!(!stderr.contains("unknown variant"), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "nothing written"
    );
}

#[test]
fn an_openapi_3_1_document_is_refused_with_what_to_do() {
    let (dir, path) = document(
        "api.json",
        r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
            "components": {"schemas": {"Name": {"type": ["string", "null"]}}}}"#,
    );
    let out = xtask(&root(), &["codegen", "--check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("api.json: at `$.openapi`: OpenAPI 3.1.0 is not supported"),
        "{stderr}"
    );
    assert!(stderr.contains("nullable: true"), "{stderr}");
    assert!(
        stderr.contains("npx @apiture/openapi-down-convert"),
        "{stderr}"
    );
    drop(dir); // the document lives until here
}

#[test]
fn a_document_outside_specs_is_checked_and_nothing_is_written() {
    let (dir, _) = document(
        "candidate.yaml",
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      operationId: x\n      responses: {'204': {description: ok}}\n",
    );
    let out = xtask(dir.path(), &["codegen", "candidate.yaml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "checked     candidate.yaml: progenitor generates a client from it; nothing written \
         (only specs/<vendor>.yaml are generated into crates)\n"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let root = root();
    assert!(!root.join("crates/pwchange-candidate").exists());
    assert!(
        !root
            .join("crates/pwchange-httpmock/src/candidate.rs")
            .exists()
    );

    // With a vendor on the same command line: the vendor's files are checked, the candidate
    // only reported.
    let vendor = a_vendor();
    let spec = format!("{}/specs/{vendor}.yaml", root.display());
    let out = xtask(dir.path(), &["codegen", "--check", "candidate.yaml", &spec]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.starts_with("checked     candidate.yaml: "),
        "{stdout}"
    );
    let client = format!("up to date  crates/pwchange-{vendor}/src/generated.rs\n");
    assert!(stdout.contains(&client), "{stdout}");
    assert_eq!(stdout.lines().count(), 4, "{stdout}");

    // A document progenitor cannot generate is refused the same way as a vendor's spec.
    let (dir, _) = document(
        "broken.yaml",
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      responses: {'204': {description: ok}}\n",
    );
    let out = xtask(dir.path(), &["codegen", "broken.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: broken.yaml: at `$.paths['/x'].post`: operation has no `operationId`\n"
    );
}

/// The files `--check` reported on, in order.
fn checked(out: &Output) -> Vec<String> {
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| l.strip_prefix("up to date  ").unwrap_or(l).to_owned())
        .collect()
}

#[test]
fn one_vendor_is_regenerated_by_its_spec_path_or_its_name() {
    let root = root();
    let vendor = &a_vendor();
    let expected = [
        format!("crates/pwchange-{vendor}/src/generated.rs"),
        format!("crates/pwchange-httpmock/src/{vendor}.rs"),
        "crates/pwchange-httpmock/src/lib.rs".to_owned(),
    ];
    let by_path = xtask(
        &root,
        &["codegen", "--check", &format!("specs/{vendor}.yaml")],
    );
    assert_eq!(checked(&by_path), expected);
    let by_name = xtask(&root, &["codegen", "--check", vendor.as_str()]);
    assert_eq!(checked(&by_name), expected);
    // Named twice: checked once.
    let spec = format!("specs/{vendor}.yaml");
    let twice = xtask(&root, &["codegen", "--check", vendor.as_str(), &spec]);
    assert_eq!(checked(&twice), expected);
    // From another directory, with a relative path.
    let from_crates = xtask(
        &root.join("crates"),
        &["codegen", "--check", &format!("../specs/{vendor}.yaml")],
    );
    assert_eq!(checked(&from_crates), expected);
    // Every vendor: a client and a mock module each, and the index once.
    let all = checked(&xtask(&root, &["codegen", "--check"]));
    let vendors = text(&xtask(&root, &["vendors"]).stdout);
    assert_eq!(all.len(), 2 * vendors.lines().count() + 1, "{all:?}");
}

#[test]
fn a_name_that_is_no_vendor_and_a_misplaced_flag_are_usage_errors() {
    let root = root();
    let out = xtask(&root, &["codegen", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("error: \"nosuch\" is neither a file nor a vendor; the vendors are "),
        "{stderr}"
    );
    for vendor in text(&xtask(&root, &["vendors"]).stdout).lines() {
        assert!(stderr.contains(vendor), "{stderr}");
    }
    let out = xtask(&root, &["codegen", &a_vendor(), "--check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("`--check` comes first"));
    let out = xtask(&root, &["codegen", "specs/missing.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: specs/missing.yaml: no such file\n"
    );
    let vendor = a_vendor();
    let out = xtask(&root, &["codegen", &format!("{vendor}.yaml")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: {vendor}.yaml: no such file; did you mean `specs/{vendor}.yaml` (or `{vendor}`)?\n"
        )
    );
}
