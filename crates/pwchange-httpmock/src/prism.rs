//! Helpers for the `prism_mock` tests of each vendor crate: each generated client against
//! Stoplight Prism in mock mode, which answers with the spec's documented example; the client
//! must decode it into exactly that example. `.ci/contract-prism.sh` starts Prism and sets
//! `PWCHANGE_PRISM_MOCK_<VENDOR>`.

#![allow(clippy::unwrap_used)] // test support: a broken spec or missing example is a test failure

use serde_json::Value;

/// The URL of the Prism mock serving `vendor`'s spec: `PWCHANGE_PRISM_MOCK_<VENDOR>`, which
/// `.ci/contract-prism.sh` sets.
pub fn mock_url(vendor: &str) -> String {
    let name = format!("PWCHANGE_PRISM_MOCK_{}", vendor.to_ascii_uppercase());
    std::env::var(&name).unwrap_or_else(|_| panic!("{name} is not set: run this through .ci/run"))
}

/// The bearer token the Prism mocks accept (any token).
pub fn token() -> pwchange_core::SecretToken {
    pwchange_core::SecretToken::new("prism-mock-token").unwrap()
}

/// `vendor`'s spec, parsed.
pub fn spec(vendor: &str) -> Value {
    let path = format!("{}/../../specs/{vendor}.yaml", env!("CARGO_MANIFEST_DIR"));
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The example Prism serves for `pointer` (a media type object): its `example`, else its
/// schema's `example` (resolving a `$ref`).
pub fn example(spec: &Value, pointer: &str) -> Value {
    let media = spec
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no media type at {pointer}"));
    if let Some(example) = media.get("example") {
        return example.clone();
    }
    let schema = &media["schema"];
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => spec.pointer(r.trim_start_matches('#')).unwrap(),
        None => schema,
    };
    schema
        .get("example")
        .cloned()
        .unwrap_or_else(|| panic!("no example for {pointer}"))
}

/// Generated types omit empty arrays when serialising (`skip_serializing_if = "Vec::is_empty"`),
/// which is the same JSON value for a reader; drop them on both sides before comparing.
fn without_empty_arrays(mut value: Value) -> Value {
    fn walk(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.retain(|_, v| !matches!(v, Value::Array(a) if a.is_empty()));
                map.values_mut().for_each(walk);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}

/// Panics unless `decoded` serialises to `expected` (empty arrays aside).
#[track_caller]
pub fn assert_decodes_to_example<T: serde::Serialize>(decoded: &T, expected: Value) {
    let decoded = serde_json::to_value(decoded).unwrap();
    assert_eq!(
        without_empty_arrays(decoded),
        without_empty_arrays(expected)
    );
}
