//! Run-time contract checks: every request the simulator receives and every response it sends
//! is validated against the operation's schema in `specs/<vendor>.yaml`.
//!
//! The spec is turned into one JSON document (YAML parsed, OpenAPI 3.0 `nullable` rewritten to
//! JSON Schema); a body is validated with a draft-4 validator whose root is that document plus a
//! `$ref` to the operation's schema, so every `$ref` inside the spec resolves as written.
//! Violation messages name the spec, the operation and the JSON location, never the value (the
//! value may be a password).

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use serde_json::Value;

/// A request or response that breaks the vendor's spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// `specs/<vendor>.yaml`.
    pub spec: String,
    /// e.g. `POST /v2/users/{userId}/password response 200`.
    pub operation: String,
    /// What is wrong, with the JSON location but without the value.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.spec, self.operation, self.message)
    }
}

struct Operation {
    method: String,
    template: String,
    segments: Vec<Option<String>>,
    pointer: String,
}

/// The operations and schemas of one vendor's spec.
pub struct Contract {
    spec_file: String,
    document: Value,
    operations: Vec<Operation>,
    validators: Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
}

impl fmt::Debug for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Contract")
            .field("spec", &self.spec_file)
            .finish_non_exhaustive()
    }
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

impl Contract {
    /// The `minLength` and `maxLength` (in characters) of the string schema
    /// `components/schemas/<name>`: the limits a vendor's simulator enforces, read from its spec.
    pub fn length_limits(&self, schema: &str) -> (usize, usize) {
        let schema = self
            .document
            .pointer(&format!("/components/schemas/{}", escape(schema)));
        let limit = |key: &str| {
            schema
                .and_then(|s| s.get(key))
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
        };
        (
            limit("minLength").unwrap_or(0),
            limit("maxLength").unwrap_or(usize::MAX),
        )
    }

    /// A contract from spec text (used by the tests of a deliberately broken spec).
    pub fn from_yaml(spec_file: &str, text: &str) -> Self {
        // The specs are checked by `cargo xtask codegen` and a test below; a broken one is a
        // build-time bug, so an empty contract (which reports every operation as unknown) is
        // the safe fallback rather than a panic.
        let mut document: Value = serde_norway::from_str(text).unwrap_or(Value::Null);
        rewrite_nullable(&mut document);
        let mut operations = Vec::new();
        if let Some(paths) = document.get("paths").and_then(Value::as_object) {
            for (template, item) in paths {
                let Some(item) = item.as_object() else {
                    continue;
                };
                for method in item
                    .keys()
                    .filter(|m| ["get", "put", "post", "delete", "patch"].contains(&m.as_str()))
                {
                    operations.push(Operation {
                        method: method.to_ascii_uppercase(),
                        template: template.clone(),
                        segments: template
                            .split('/')
                            .map(|s| (!s.starts_with('{')).then(|| s.to_owned()))
                            .collect(),
                        pointer: format!("/paths/{}/{method}", escape(template)),
                    });
                }
            }
        }
        Self {
            spec_file: spec_file.to_owned(),
            document,
            operations,
            validators: Mutex::new(HashMap::new()),
        }
    }

    fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let segments: Vec<&str> = path.split('/').collect();
        self.operations.iter().find(|op| {
            op.method == method
                && op.segments.len() == segments.len()
                && op
                    .segments
                    .iter()
                    .zip(&segments)
                    .all(|(expected, actual)| match expected {
                        Some(literal) => literal == actual,
                        None => !actual.is_empty(),
                    })
        })
    }

    /// Whether the spec has an operation for this method and path.
    pub fn knows(&self, method: &str, path: &str) -> bool {
        self.find(method, path).is_some()
    }

    fn violation(&self, operation: String, message: String) -> Violation {
        Violation {
            spec: self.spec_file.clone(),
            operation,
            message,
        }
    }

    /// Checks a request: the operation exists, required headers are present, and a JSON body
    /// matches the request body schema.
    pub fn check_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Vec<Violation> {
        let Some(op) = self.find(method, path) else {
            return vec![self.violation(
                format!("{method} {path}"),
                "no operation in the spec has this method and path".into(),
            )];
        };
        let name = format!("{} {} request", op.method, op.template);
        let mut violations = Vec::new();
        let operation = self
            .document
            .pointer(&op.pointer)
            .cloned()
            .unwrap_or(Value::Null);
        for parameter in operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let parameter = self.resolve(parameter);
            let required = parameter
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if parameter.get("in").and_then(Value::as_str) == Some("header") && required {
                let header = parameter
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(header)) {
                    violations.push(
                        self.violation(
                            name.clone(),
                            format!("required header {header} is missing"),
                        ),
                    );
                }
            }
        }
        let body_pointer = format!("{}/requestBody", op.pointer);
        if let Some(request_body) = self.document.pointer(&body_pointer) {
            let content_type = headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
                .map(|(_, v)| {
                    v.split(';')
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_ascii_lowercase()
                })
                .unwrap_or_default();
            let required = request_body
                .get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let instance = match content_type.as_str() {
                "application/json" => serde_json::from_slice::<Value>(body)
                    .map_err(|_| "the body is not JSON".to_owned()),
                "application/x-www-form-urlencoded" => Ok(crate::form::to_json(body)),
                "" if body.is_empty() && !required => return violations,
                other => Err(format!("content type {other:?} is not declared")),
            };
            let media = format!("{body_pointer}/content/{}", escape(&content_type));
            match instance {
                Ok(instance) => {
                    violations.extend(self.validate(&format!("{media}/schema"), &instance, &name))
                }
                Err(message) => violations.push(self.violation(name, message)),
            }
        }
        violations
    }

    /// Checks a request's query: each required query parameter is there, and each declared one
    /// has its schema's type (`boolean`, `integer`), value (`enum`) and length (`minLength`).
    /// Unknown operations are [`check_request`](Self::check_request)'s to report.
    pub fn check_query(&self, method: &str, path: &str, query: &str) -> Vec<Violation> {
        let Some(op) = self.find(method, path) else {
            return Vec::new();
        };
        let name = format!("{} {} request", op.method, op.template);
        let given = crate::form::to_json(query.as_bytes());
        let operation = self
            .document
            .pointer(&op.pointer)
            .cloned()
            .unwrap_or(Value::Null);
        let mut violations = Vec::new();
        for parameter in operation
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let parameter = self.resolve(parameter);
            if parameter.get("in").and_then(Value::as_str) != Some("query") {
                continue;
            }
            let key = parameter
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let schema = self.resolve(parameter.get("schema").unwrap_or(&Value::Null));
            let Some(value) = given.get(key).and_then(Value::as_str) else {
                if parameter.get("required").and_then(Value::as_bool) == Some(true) {
                    violations.push(self.violation(
                        name.clone(),
                        format!("required query parameter {key} is missing"),
                    ));
                }
                continue;
            };
            let typed = match schema.get("type").and_then(Value::as_str) {
                Some("boolean") => value == "true" || value == "false",
                Some("integer") => value.parse::<i64>().is_ok(),
                _ => true,
            };
            let listed = schema
                .get("enum")
                .and_then(Value::as_array)
                .is_none_or(|values| values.iter().any(|v| v.as_str() == Some(value)));
            let long_enough = schema
                .get("minLength")
                .and_then(Value::as_u64)
                .is_none_or(|min| value.chars().count() as u64 >= min);
            if !(typed && listed && long_enough) {
                violations.push(self.violation(
                    name.clone(),
                    format!("query parameter {key} does not match its schema"),
                ));
            }
        }
        violations
    }

    /// Checks a response: its status is declared for the operation, and a JSON body matches
    /// the declared schema.
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: &str,
        body: &[u8],
    ) -> Vec<Violation> {
        let Some(op) = self.find(method, path) else {
            return Vec::new();
        };
        let name = format!("{} {} response {status}", op.method, op.template);
        let responses = format!("{}/responses", op.pointer);
        let range = format!("{}XX", status / 100);
        let Some(key) = [status.to_string(), range, "default".to_owned()]
            .into_iter()
            .find(|k| self.document.pointer(&format!("{responses}/{k}")).is_some())
        else {
            // Statuses the vendor may send with an undocumented body (the spec's
            // `x-pwchange-undocumented-statuses`): allowed, and their body is not checked.
            let undocumented = self
                .document
                .pointer(&format!("{}/x-pwchange-undocumented-statuses", op.pointer))
                .and_then(Value::as_array)
                .is_some_and(|list| list.iter().any(|s| s.as_u64() == Some(u64::from(status))));
            if undocumented {
                return Vec::new();
            }
            return vec![self.violation(name, format!("status {status} is not declared"))];
        };
        let mut pointer = format!("{responses}/{key}");
        if let Some(reference) = self
            .document
            .pointer(&pointer)
            .and_then(|r| r.get("$ref"))
            .and_then(Value::as_str)
        {
            pointer = reference.trim_start_matches('#').to_owned();
        }
        let declared = self
            .document
            .pointer(&format!("{pointer}/content"))
            .and_then(Value::as_object);
        match declared {
            None if body.is_empty() => Vec::new(),
            None => {
                vec![self.violation(name, "a body is sent where the spec declares none".into())]
            }
            Some(content) => {
                let media_type = content_type
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                if !content.contains_key(&media_type) {
                    return vec![
                        self.violation(
                            name,
                            format!("content type {media_type:?} is not declared"),
                        ),
                    ];
                }
                match serde_json::from_slice::<Value>(body) {
                    Ok(instance) => self.validate(
                        &format!("{pointer}/content/{}/schema", escape(&media_type)),
                        &instance,
                        &name,
                    ),
                    Err(_) => vec![self.violation(name, "the body is not JSON".into())],
                }
            }
        }
    }

    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| self.document.pointer(r.trim_start_matches('#')))
            .unwrap_or(value)
    }

    fn validate(&self, schema_pointer: &str, instance: &Value, name: &str) -> Vec<Violation> {
        if self.document.pointer(schema_pointer).is_none() {
            return vec![self.violation(
                name.to_owned(),
                format!("the spec has no schema at {schema_pointer}"),
            )];
        }
        let validator = {
            let mut cache = self.validators.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(v) = cache.get(schema_pointer) {
                v.clone()
            } else {
                let mut root = self.document.clone();
                let encoded = schema_pointer.replace('{', "%7B").replace('}', "%7D");
                if let Some(map) = root.as_object_mut() {
                    map.insert("$ref".into(), Value::String(format!("#{encoded}")));
                }
                match jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft4)
                    .build(&root)
                {
                    Ok(v) => {
                        let v = std::sync::Arc::new(v);
                        cache.insert(schema_pointer.to_owned(), v.clone());
                        v
                    }
                    Err(e) => {
                        return vec![self.violation(
                            name.to_owned(),
                            format!(
                                "the schema at {schema_pointer} does not compile: {}",
                                e.masked()
                            ),
                        )];
                    }
                }
            }
        };
        validator
            .iter_errors(instance)
            .map(|e| {
                self.violation(
                    name.to_owned(),
                    format!("at {:?}: {}", e.instance_path().as_str(), e.masked()),
                )
            })
            .collect()
    }
}

/// OpenAPI 3.0 `nullable: true` → JSON Schema `type: [T, "null"]` (or `anyOf` with null).
fn rewrite_nullable(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for child in map.values_mut() {
                rewrite_nullable(child);
            }
            if map.remove("nullable") == Some(Value::Bool(true)) {
                if let Some(Value::String(t)) = map.get("type").cloned() {
                    map.insert("type".into(), serde_json::json!([t, "null"]));
                } else {
                    let inner = Value::Object(std::mem::take(map));
                    map.insert("anyOf".into(), serde_json::json!([inner, {"type": "null"}]));
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_nullable),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Vendor;

    /// A small spec with what the checks must understand: a path parameter, a JSON request with
    /// a length limit, declared and undeclared statuses, `nullable`, a form-encoded request.
    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: test, version: "1"}
paths:
  /users/{userId}/password:
    post:
      operationId: setPassword
      parameters:
        - {name: userId, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/SetPassword'}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  details:
                    type: object
                    properties:
                      sequence: {type: string}
                  errors: {type: array, nullable: true, items: {type: string}}
        "404":
          description: not found
          content:
            application/json:
              schema:
                type: object
                required: [code]
                properties:
                  code: {type: integer}
  /token:
    post:
      operationId: token
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [grant_type, client_id, client_secret]
              properties:
                grant_type: {type: string}
                client_id: {type: string}
                client_secret: {type: string}
      responses:
        "200": {description: ok}
components:
  schemas:
    NewPassword: {type: string, format: password, minLength: 6, maxLength: 128}
    SetPassword:
      type: object
      required: [password]
      properties:
        password: {$ref: '#/components/schemas/NewPassword'}
"#;

    fn contract() -> Contract {
        Contract::from_yaml("specs/test.yaml", SPEC)
    }

    #[test]
    fn length_limits_come_from_the_spec() {
        let c = contract();
        assert_eq!(c.length_limits("NewPassword"), (6, 128));
        assert_eq!(c.length_limits("NoSuchSchema"), (0, usize::MAX));
    }

    #[test]
    fn every_vendor_spec_loads_with_its_operations() {
        for vendor in Vendor::ALL {
            let contract = Contract::load(vendor);
            assert!(!contract.operations.is_empty(), "{vendor}");
            assert_eq!(contract.spec_file, vendor.spec_path());
        }
    }

    #[test]
    fn requests_are_checked_against_the_schema_without_echoing_values() {
        let c = contract();
        let headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        let path = "/users/u-1/password";
        assert_eq!(
            c.check_request("POST", path, &headers, br#"{"password":"New-Passw0rd!"}"#),
            []
        );
        let v = c.check_request("POST", path, &headers, br#"{"password":"abc12"}"#);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(
            v[0].to_string().starts_with(
                "specs/test.yaml: POST /users/{userId}/password request: at \"/password\""
            ),
            "{}",
            v[0]
        );
        assert!(!v[0].to_string().contains("abc12"), "{}", v[0]);
        let unknown = c.check_request("GET", "/nope", &headers, b"");
        assert!(unknown[0].message.contains("no operation"));
    }

    #[test]
    fn responses_are_checked_by_status_and_schema() {
        let c = contract();
        let path = "/users/1/password";
        let json = "application/json";
        assert_eq!(
            c.check_response("POST", path, 200, json, br#"{"details":{"sequence":"2"}}"#),
            []
        );
        let wrong = c.check_response("POST", path, 200, json, br#"{"details":{"sequence":2}}"#);
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        let undeclared = c.check_response("POST", path, 418, json, b"{}");
        assert!(undeclared[0].message.contains("418 is not declared"));
        assert_eq!(
            c.check_response("POST", path, 404, json, br#"{"code":5}"#),
            []
        );
        assert_eq!(c.check_response("POST", path, 404, json, br#"{}"#).len(), 1);
    }

    #[test]
    fn query_parameters_are_checked_without_echoing_values() {
        let c = Contract::from_yaml(
            "query.yaml",
            r#"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users:
    get:
      parameters:
        - {name: username, in: query, required: true, schema: {type: string, minLength: 1}}
        - {name: exact, in: query, required: true, schema: {type: boolean}}
        - {name: max, in: query, schema: {type: integer}}
        - {name: type, in: query, schema: {type: string, enum: [PASSWORD]}}
      responses:
        "200": {description: ok}
"#,
        );
        let path = "/users";
        assert!(
            c.check_query("GET", path, "username=alice&exact=true&max=5&type=PASSWORD")
                .is_empty()
        );
        for (query, says) in [
            (
                "username=alice",
                "required query parameter exact is missing",
            ),
            (
                "username=alice&exact=maybe",
                "query parameter exact does not match",
            ),
            (
                "username=&exact=true",
                "query parameter username does not match",
            ),
            (
                "username=a&exact=true&max=ten",
                "query parameter max does not match",
            ),
            (
                "username=a&exact=true&type=AAA",
                "query parameter type does not match",
            ),
        ] {
            let v = c.check_query("GET", path, query);
            assert_eq!(v.len(), 1, "{query}: {v:?}");
            assert!(v[0].message.contains(says), "{query}: {}", v[0].message);
            for value in ["maybe", "ten", "AAA"] {
                assert!(!v[0].message.contains(value), "no value echoed");
            }
        }
        assert!(
            c.check_query("GET", "/nope", "").is_empty(),
            "check_request reports it"
        );
    }

    #[test]
    fn nullable_and_forms_are_understood() {
        let c = contract();
        let ok = c.check_response(
            "POST",
            "/users/x/password",
            200,
            "application/json",
            br#"{"errors":null}"#,
        );
        assert_eq!(ok, []);
        let headers = vec![(
            "content-type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        )];
        assert_eq!(
            c.check_request(
                "POST",
                "/token",
                &headers,
                b"grant_type=client_credentials&client_id=a&client_secret=b%2Bc"
            ),
            []
        );
        let missing = c.check_request("POST", "/token", &headers, b"grant_type=client_credentials");
        assert_eq!(missing.len(), 2, "{missing:?}");
    }
}
