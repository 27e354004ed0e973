//! Loading and pre-flight checks of an OpenAPI document.
//!
//! progenitor panics on some documents it cannot generate (several success responses, several
//! error body types) and reports others without saying where. This module checks those rules
//! first and reports every problem as `<file>: at <JSON path>: <message>`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use openapiv3::{
    OpenAPI, ReferenceOr, Response, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};

/// A problem in a spec, located by file and JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    /// The spec file, relative to the workspace root.
    pub file: PathBuf,
    /// A JSON path into the document, `$` for the whole document.
    pub json_path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: at `{}`: {}",
            self.file.display(),
            self.json_path,
            self.message
        )
    }
}

impl std::error::Error for SpecError {}

fn error(file: &Path, json_path: impl Into<String>, message: impl Into<String>) -> SpecError {
    SpecError {
        file: file.to_owned(),
        json_path: json_path.into(),
        message: message.into(),
    }
}

/// Parses `text` (YAML or JSON) as an OpenAPI 3.0 document.
pub fn parse(file: &Path, text: &str) -> Result<OpenAPI, SpecError> {
    let value: serde_json::Value = serde_norway::from_str(text)
        .map_err(|e| error(file, "$", format!("not valid YAML: {e}")))?;
    check_version(file, &value)?;
    let spec: OpenAPI = serde_path_to_error::deserialize(&value).map_err(|e| {
        let at = e.path().to_string();
        refine(&value, &at)
            .unwrap_or_else(|| error(file, json_path(&at), e.into_inner().to_string()))
            .in_file(file)
    })?;
    check(file, &spec)?;
    check_secrets_are_named(file, &value, "$")?;
    Ok(spec)
}

/// Refuses a secret marker (`format: password`, `x-pwchange-secret`) anywhere but on a named
/// component schema: only those are replaced by the redacting types, so an inline one would be
/// generated as a plain `String` that prints itself.
fn check_secrets_are_named(
    file: &Path,
    value: &serde_json::Value,
    at: &str,
) -> Result<(), SpecError> {
    match value {
        serde_json::Value::Object(map) => {
            let named = at
                .strip_prefix("$.components.schemas.")
                .is_some_and(|name| !name.contains('.'));
            let marked = map.contains_key("x-pwchange-secret")
                || map.get("format").and_then(serde_json::Value::as_str) == Some("password");
            if marked && !named {
                return Err(error(
                    file,
                    at,
                    "a secret (`format: password` or `x-pwchange-secret`) must be a named schema under components.schemas, referenced with $ref: only those are generated as types that never print",
                ));
            }
            for (key, child) in map {
                check_secrets_are_named(file, child, &format!("{at}.{key}"))?;
            }
            Ok(())
        }
        serde_json::Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                check_secrets_are_named(file, child, &format!("{at}[{index}]"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// How to convert a Swagger 2.0 document, for the error that refuses one.
const CONVERT_SWAGGER_2: &str = "convert it to OpenAPI 3.0 first, e.g. with swagger2openapi \
     (`npx swagger2openapi@7 --yaml --outfile specs/<vendor>.yaml <file>`, \
     https://github.com/Mermade/oas-kit), then review what it wrote: `in: body` parameters become \
     `requestBody`, `definitions` become `components/schemas`";

/// How to turn an OpenAPI 3.1 document into 3.0, for the error that refuses one.
const CONVERT_OPENAPI_3_1: &str = "write it as OpenAPI 3.0.3 (`type: [string, \"null\"]` \
     becomes `type: string` with `nullable: true`, a schema's `examples` becomes `example`, \
     `const` becomes a one-value `enum`), or down-convert it, e.g. with \
     `npx @apiture/openapi-down-convert@0.14 --input <file> --output specs/<vendor>.yaml` \
     (https://github.com/apiture/openapi-down-convert), then review what it wrote";

/// Refuses, before anything else is read, a document progenitor cannot take: Swagger 2.0,
/// OpenAPI 3.1 or later, or no version at all. Its other errors would only name the first field
/// that differs (`unknown variant body` for Swagger's body parameters), not the cause.
fn check_version(file: &Path, document: &serde_json::Value) -> Result<(), SpecError> {
    const ONLY: &str = "progenitor reads OpenAPI 3.0.x only";
    let Some(object) = document.as_object() else {
        return Err(error(
            file,
            "$",
            "not an OpenAPI document: the top level is not a mapping",
        ));
    };
    if let Some(swagger) = object.get("swagger") {
        let version = swagger
            .as_str()
            .map_or_else(|| swagger.to_string(), str::to_owned);
        return Err(error(
            file,
            "$.swagger",
            format!(
                "this is a Swagger {version} document (OpenAPI 2), and {ONLY}: {CONVERT_SWAGGER_2}"
            ),
        ));
    }
    let version = match object.get("openapi") {
        None => {
            return Err(error(
                file,
                "$",
                format!("not an OpenAPI document: it has no `openapi` field ({ONLY})"),
            ));
        }
        Some(serde_json::Value::String(version)) => version,
        Some(other) => {
            return Err(error(
                file,
                "$.openapi",
                format!(
                    "the version must be a string such as \"3.0.3\", not {other}: quote it \
                     (YAML reads `openapi: 3.0` as a number)"
                ),
            ));
        }
    };
    if version.starts_with("3.0.") {
        return Ok(());
    }
    let message = if version.starts_with("3.0") {
        format!("version {version:?} is not a full version: write \"3.0.3\" ({ONLY})")
    } else if version.starts_with("3.") {
        format!("OpenAPI {version} is not supported ({ONLY}): {CONVERT_OPENAPI_3_1}")
    } else {
        format!("version {version:?} is not supported: {ONLY}")
    };
    Err(error(file, "$.openapi", message))
}

/// `a.b[0]` (serde_path_to_error) → `$.a.b[0]`.
fn json_path(serde_path: &str) -> String {
    if serde_path == "." {
        "$".to_owned()
    } else {
        format!("$.{serde_path}")
    }
}

/// serde loses the path inside untagged enums (`ReferenceOr<…>` in openapiv3), so an error in one
/// path item or component is first reported at `paths` or `components`. Deserialising the
/// entries of that map one by one finds the entry, and the path inside it.
fn refine(document: &serde_json::Value, at: &str) -> Option<SpecError> {
    fn first_error<T: serde::de::DeserializeOwned>(
        map: &serde_json::Value,
        prefix: &str,
    ) -> Option<SpecError> {
        map.as_object()?.iter().find_map(|(key, entry)| {
            if entry.get("$ref").is_some() {
                return None;
            }
            serde_path_to_error::deserialize::<_, T>(entry)
                .err()
                .map(|e| {
                    let inner = e.path().to_string();
                    let inner = if inner == "." {
                        String::new()
                    } else {
                        format!(".{inner}")
                    };
                    error(
                        Path::new(""),
                        format!("{prefix}['{key}']{inner}"),
                        e.into_inner().to_string(),
                    )
                })
        })
    }
    let components = document.get("components");
    match at {
        "paths" => first_error::<openapiv3::PathItem>(document.get("paths")?, "$.paths"),
        _ if at.starts_with("components") => {
            let components = components?;
            first_error::<openapiv3::Schema>(components.get("schemas")?, "$.components.schemas")
                .or_else(|| {
                    first_error::<Response>(components.get("responses")?, "$.components.responses")
                })
                .or_else(|| {
                    first_error::<openapiv3::Parameter>(
                        components.get("parameters")?,
                        "$.components.parameters",
                    )
                })
        }
        _ => None,
    }
}

impl SpecError {
    fn in_file(mut self, file: &Path) -> Self {
        self.file = file.to_owned();
        self
    }
}

/// The rules progenitor needs, each reported with a JSON path instead of a panic.
fn check(file: &Path, spec: &OpenAPI) -> Result<(), SpecError> {
    let mut operation_ids = BTreeMap::new();
    for (path, item) in &spec.paths.paths {
        let ReferenceOr::Item(item) = item else {
            return Err(error(
                file,
                format!("$.paths['{path}']"),
                "a `$ref` path item is not supported",
            ));
        };
        for (method, operation) in item.iter() {
            let at = format!("$.paths['{path}'].{method}");
            let Some(id) = &operation.operation_id else {
                return Err(error(file, at, "operation has no `operationId`"));
            };
            if let Some(first) = operation_ids.insert(id.clone(), at.clone()) {
                return Err(error(
                    file,
                    format!("{at}.operationId"),
                    format!("operationId {id:?} is also used at `{first}`; it must be unique"),
                ));
            }
            check_responses(file, spec, &at, operation)?;
        }
    }
    Ok(())
}

fn check_responses(
    file: &Path,
    spec: &OpenAPI,
    at: &str,
    operation: &openapiv3::Operation,
) -> Result<(), SpecError> {
    use openapiv3::StatusCode;
    let mut success = Vec::new();
    let mut error_bodies = BTreeSet::new();
    let mut error_codes = Vec::new();
    let responses = operation
        .responses
        .responses
        .iter()
        .map(|(code, response)| (code.to_string(), Some(code), response))
        .chain(
            operation
                .responses
                .default
                .iter()
                .map(|r| ("default".to_owned(), None, r)),
        );
    for (label, code, response) in responses {
        let response =
            resolve_response(file, spec, &format!("{at}.responses['{label}']"), response)?;
        let is_success = match code {
            None => true,
            Some(StatusCode::Code(c)) => (200..300).contains(c),
            Some(StatusCode::Range(r)) => *r == 2,
        };
        if is_success {
            success.push(label);
        } else {
            let body = response
                .content
                .get("application/json")
                .and_then(|media| media.schema.as_ref())
                .map(|schema| serde_json::to_string(schema).unwrap_or_default());
            error_bodies.insert(body);
            error_codes.push(label);
        }
    }
    if success.len() > 1 {
        return Err(error(
            file,
            format!("{at}.responses"),
            format!(
                "more than one success-like response ({}): progenitor generates exactly one; \
                 declare errors as explicit 4xx/5xx codes or 4XX/5XX ranges, not `default`",
                success.join(", ")
            ),
        ));
    }
    if error_bodies.len() > 1 {
        return Err(error(
            file,
            format!("{at}.responses"),
            format!(
                "the error responses ({}) have different bodies: progenitor needs one error type \
                 per operation; give them one schema or leave a status undeclared",
                error_codes.join(", ")
            ),
        ));
    }
    Ok(())
}

fn resolve_response<'a>(
    file: &Path,
    spec: &'a OpenAPI,
    at: &str,
    response: &'a ReferenceOr<Response>,
) -> Result<&'a Response, SpecError> {
    match response {
        ReferenceOr::Item(response) => Ok(response),
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix("#/components/responses/")
                .ok_or_else(|| {
                    error(
                        file,
                        at,
                        format!("unsupported response reference {reference:?}"),
                    )
                })?;
            match spec.components.as_ref().and_then(|c| c.responses.get(name)) {
                Some(ReferenceOr::Item(response)) => Ok(response),
                _ => Err(error(
                    file,
                    at,
                    format!("response reference {reference:?} does not resolve"),
                )),
            }
        }
    }
}

/// What a component schema is replaced with in the generated code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// The component schema name.
    pub schema: String,
    /// The Rust type path used instead.
    pub rust_type: String,
}

/// The secret types: every `format: password` schema becomes `pwchange_core::BoundedPassword<MIN, MAX>`
/// (from its `minLength`/`maxLength`), every `x-pwchange-secret: token` schema becomes
/// `pwchange_core::SecretToken`. Nothing else is replaced.
pub fn secret_replacements(file: &Path, spec: &OpenAPI) -> Result<Vec<Replacement>, SpecError> {
    let mut out = Vec::new();
    let Some(components) = &spec.components else {
        return Ok(out);
    };
    for (name, schema) in &components.schemas {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let at = format!("$.components.schemas.{name}");
        let marker = schema.schema_data.extensions.get("x-pwchange-secret");
        let string = match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) => Some(string),
            _ => None,
        };
        let is_password = string.is_some_and(|s| {
            matches!(
                s.format,
                VariantOrUnknownOrEmpty::Item(StringFormat::Password)
            )
        });
        let rust_type = match (marker, is_password) {
            (Some(marker), _) if marker != "token" => {
                return Err(error(
                    file,
                    format!("{at}.x-pwchange-secret"),
                    "the only value is `token`",
                ));
            }
            (Some(_), true) => {
                return Err(error(
                    file,
                    at,
                    "a schema is either `format: password` or `x-pwchange-secret: token`, not both",
                ));
            }
            (Some(_), false) if string.is_none() => {
                return Err(error(file, at, "`x-pwchange-secret` needs `type: string`"));
            }
            (Some(_), false) => "::pwchange_core::SecretToken".to_owned(),
            (None, true) => {
                let string = string.expect("is_password implies a string schema");
                match (string.min_length.unwrap_or(0), string.max_length) {
                    (0, None) => "::pwchange_core::UnboundedPassword".to_owned(),
                    (min, None) => {
                        format!("::pwchange_core::BoundedPassword<{min}, {{ usize::MAX }}>")
                    }
                    (min, Some(max)) if min <= max => {
                        format!("::pwchange_core::BoundedPassword<{min}, {max}>")
                    }
                    (min, Some(max)) => {
                        return Err(error(
                            file,
                            at,
                            format!("minLength {min} is larger than maxLength {max}"),
                        ));
                    }
                }
            }
            (None, false) => continue,
        };
        out.push(Replacement {
            schema: name.clone(),
            rust_type,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<OpenAPI, SpecError> {
        parse(Path::new("specs/test.yaml"), text)
    }

    const HEAD: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n";

    #[test]
    fn an_inline_secret_is_refused_with_its_path() {
        for marker in ["x-pwchange-secret: token", "format: password"] {
            let err = parse_str(&format!("{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A:\n      type: object\n      properties:\n        t: {{type: string, {marker}}}\n")).unwrap_err();
            assert_eq!(
                err.json_path, "$.components.schemas.A.properties.t",
                "{err}"
            );
            assert!(err.to_string().contains("named schema"), "{err}");
        }
        let named = format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    T: {{type: string, x-pwchange-secret: token}}\n"
        );
        parse_str(&named).unwrap();
    }

    #[test]
    fn a_type_error_names_file_and_json_path() {
        let err = parse_str(&format!("{HEAD}paths:\n  /x:\n    post:\n      operationId: x\n      deprecated: maybe\n      responses: {{'204': {{description: ok}}}}\n")).unwrap_err();
        assert_eq!(err.file, Path::new("specs/test.yaml"));
        assert!(err.json_path.contains("deprecated"), "{err}");
    }

    /// The shape of VMware's Cloud Director document: Swagger 2.0 with a body parameter, which
    /// openapiv3 alone reports as "unknown variant `body`".
    const SWAGGER_2: &str = "swagger: '2.0'\ninfo: {title: t, version: '37.2'}\nbasePath: /cloudapi\npaths:\n  /1.0.0/users/{userUrn}/changePassword:\n    post:\n      operationId: changePassword\n      parameters:\n        - {name: userUrn, in: path, required: true, type: string}\n        - {name: body, in: body, required: true, schema: {$ref: '#/definitions/PasswordChangeRequest'}}\n      responses: {'204': {description: ok}}\ndefinitions:\n  PasswordChangeRequest: {type: object}\n";

    #[test]
    fn swagger_2_is_refused_with_what_to_do() {
        let err = parse_str(SWAGGER_2).unwrap_err();
        assert_eq!(err.json_path, "$.swagger");
        let shown = err.to_string();
        assert!(
            shown.starts_with("specs/test.yaml: at `$.swagger`: this is a Swagger 2.0 document"),
            "{shown}"
        );
        assert!(shown.contains("convert it to OpenAPI 3.0 first"), "{shown}");
        assert!(shown.contains("swagger2openapi"), "{shown}");
        assert!(!shown.contains("unknown variant"), "{shown}");
        // Also as JSON, with the version as a number.
        let err = parse_str("{\"swagger\": 2.0, \"paths\": {}}").unwrap_err();
        assert!(err.message.contains("Swagger 2.0 document"), "{err}");
    }

    #[test]
    fn openapi_3_1_is_refused_with_what_to_do_before_its_schemas_are_read() {
        // `type: [string, "null"]` is 3.1 only: without the version check it would be the error.
        let err = parse_str("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Name: {type: [string, 'null']}\n").unwrap_err();
        assert_eq!(err.json_path, "$.openapi");
        assert!(
            err.message.starts_with(
                "OpenAPI 3.1.0 is not supported (progenitor reads OpenAPI 3.0.x only)"
            ),
            "{err}"
        );
        assert!(err.message.contains("nullable: true"), "{err}");
        assert!(err.message.contains("openapi-down-convert"), "{err}");
    }

    #[test]
    fn a_missing_unquoted_or_unknown_version_is_named() {
        let missing = parse_str("info: {title: t, version: '1'}\npaths: {}\n").unwrap_err();
        assert_eq!(missing.json_path, "$");
        assert!(missing.message.contains("no `openapi` field"), "{missing}");
        let unquoted =
            parse_str("openapi: 3.0\ninfo: {title: t, version: '1'}\npaths: {}\n").unwrap_err();
        assert_eq!(unquoted.json_path, "$.openapi");
        assert!(unquoted.message.contains("quote it"), "{unquoted}");
        let short =
            parse_str("openapi: '3.0'\ninfo: {title: t, version: '1'}\npaths: {}\n").unwrap_err();
        assert_eq!(
            short.message,
            "version \"3.0\" is not a full version: write \"3.0.3\" (progenitor reads OpenAPI 3.0.x only)"
        );
        let future =
            parse_str("openapi: 4.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n").unwrap_err();
        assert_eq!(
            future.message,
            "version \"4.0.0\" is not supported: progenitor reads OpenAPI 3.0.x only"
        );
        let not_a_map = parse_str("- openapi\n").unwrap_err();
        assert!(not_a_map.message.contains("not a mapping"), "{not_a_map}");
        parse_str(&format!("{HEAD}paths: {{}}\n")).unwrap();
    }

    #[test]
    fn two_success_responses_are_refused_before_progenitor_panics() {
        let err = parse_str(&format!(
            "{HEAD}paths:\n  /x:\n    post:\n      operationId: x\n      responses:\n        '200': {{description: ok}}\n        default: {{description: err}}\n"
        ))
        .unwrap_err();
        assert_eq!(err.json_path, "$.paths['/x'].post.responses");
        assert!(err.message.contains("200, default"), "{err}");
    }

    #[test]
    fn missing_and_duplicate_operation_ids_are_refused() {
        let missing = parse_str(&format!(
            "{HEAD}paths:\n  /x:\n    get:\n      responses: {{'204': {{description: ok}}}}\n"
        ))
        .unwrap_err();
        assert!(missing.message.contains("no `operationId`"));
        let dup = parse_str(&format!(
            "{HEAD}paths:\n  /x:\n    get:\n      operationId: a\n      responses: {{'204': {{description: ok}}}}\n  /y:\n    get:\n      operationId: a\n      responses: {{'204': {{description: ok}}}}\n"
        ))
        .unwrap_err();
        assert!(dup.message.contains("unique"), "{dup}");
    }

    #[test]
    fn different_error_bodies_are_refused() {
        let err = parse_str(&format!(
            "{HEAD}paths:\n  /x:\n    get:\n      operationId: a\n      responses:\n        '204': {{description: ok}}\n        '400': {{description: e, content: {{application/json: {{schema: {{type: string}}}}}}}}\n        '401': {{description: e}}\n"
        ))
        .unwrap_err();
        assert!(err.message.contains("different bodies"), "{err}");
    }

    #[test]
    fn password_and_token_schemas_map_to_secret_types() {
        let spec = parse_str(&format!(
            "{HEAD}paths: {{}}\ncomponents:\n  schemas:\n    A: {{type: string, format: password, minLength: 6, maxLength: 128}}\n    B: {{type: string, format: password}}\n    C: {{type: string, x-pwchange-secret: token}}\n    D: {{type: string}}\n"
        ))
        .unwrap();
        let got = secret_replacements(Path::new("t"), &spec).unwrap();
        let got: Vec<_> = got
            .iter()
            .map(|r| (r.schema.as_str(), r.rust_type.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("A", "::pwchange_core::BoundedPassword<6, 128>"),
                ("B", "::pwchange_core::UnboundedPassword"),
                ("C", "::pwchange_core::SecretToken"),
            ]
        );
    }
}
