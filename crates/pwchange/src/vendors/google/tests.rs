//! Unit tests of Google's adapter, configuration and error rules.

use pwchange_core::classify::Verdict;
use serde_json::{Value, json};

use crate::adapter::Adapter;
use crate::{ErrorKind, LengthUnit, PolicySource, Settings, Vendor};

use super::send::GoogleAdapter;

fn classify(status: u16, body: &Value) -> Verdict {
    GoogleAdapter::classify_bytes(status, body.to_string().as_bytes())
}

/// Google's JSON error with one item.
fn google(status: u16, reason: &str, message: &str, canonical: Option<&str>) -> Value {
    let mut body = json!({"error": {"code": status, "message": message,
        "errors": [{"message": message, "domain": "global", "reason": reason}]}});
    if let Some(canonical) = canonical {
        body["error"]["status"] = json!(canonical);
    }
    body
}

/// The answers Google documents (the limits page) and its users report (`specs/google.yaml`).
#[test]
fn mapping_table() {
    let cases = [
        (
            400,
            google(400, "invalid", "Invalid Password", None),
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            google(400, "invalid", "invalid password", Some("INVALID_ARGUMENT")),
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            google(
                400,
                "invalid",
                "Invalid Given/Family Name: FamilyName",
                None,
            ),
            ErrorKind::InvalidInput,
        ),
        (
            401,
            google(
                401,
                "authError",
                "Invalid Credentials",
                Some("UNAUTHENTICATED"),
            ),
            ErrorKind::Unauthenticated,
        ),
        (
            403,
            google(
                403,
                "forbidden",
                "Not Authorized to access this resource/api",
                None,
            ),
            ErrorKind::PermissionDenied,
        ),
        (
            403,
            google(403, "userRateLimitExceeded", "Rate Limit Exceeded", None),
            ErrorKind::RateLimited,
        ),
        (
            403,
            google(403, "rateLimitExceeded", "Rate Limit Exceeded", None),
            ErrorKind::RateLimited,
        ),
        (
            403,
            google(403, "quotaExceeded", "Quota exceeded", None),
            ErrorKind::RateLimited,
        ),
        (
            403,
            google(403, "dailyLimitExceeded", "Daily Limit Exceeded", None),
            ErrorKind::RateLimited,
        ),
        (
            429,
            google(
                429,
                "rateLimitExceeded",
                "Quota exceeded",
                Some("RESOURCE_EXHAUSTED"),
            ),
            ErrorKind::RateLimited,
        ),
        // The v2 error format: no items, the canonical status alone.
        (
            429,
            json!({"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}),
            ErrorKind::RateLimited,
        ),
        (
            403,
            json!({"error": {"code": 403, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}),
            ErrorKind::RateLimited,
        ),
        (
            404,
            google(404, "notFound", "Resource Not Found: userKey", None),
            ErrorKind::UserNotFound,
        ),
        (404, json!("Not Found"), ErrorKind::InvalidInput),
        (
            404,
            json!({"error": {"code": 404, "message": "Requested entity was not found."}}),
            ErrorKind::InvalidInput,
        ),
        // The v2 error format's unknown user: the canonical status alone.
        (
            404,
            json!({"error": {"code": 404, "message": "Resource Not Found: userKey", "status": "NOT_FOUND"}}),
            ErrorKind::UserNotFound,
        ),
        // A quota reason on another status is not a quota.
        (
            400,
            google(400, "rateLimitExceeded", "Rate Limit Exceeded", None),
            ErrorKind::InvalidInput,
        ),
    ];
    for (status, body, kind) in cases {
        assert_eq!(classify(status, &body).kind, kind, "{status} {body}");
    }
    let verdict = classify(
        403,
        &google(
            403,
            "userRateLimitExceeded",
            "Rate Limit Exceeded",
            Some("PERMISSION_DENIED"),
        ),
    );
    assert_eq!(verdict.code.as_deref(), Some("userRateLimitExceeded"));
    assert_eq!(verdict.messages, ["Rate Limit Exceeded"]);
    let mut two = google(400, "invalid", "Invalid Input", None);
    two["error"]["errors"][0]["message"] = json!("Invalid Password");
    let verdict = classify(400, &two);
    assert_eq!(
        verdict.kind,
        ErrorKind::PolicyViolation,
        "an item's message counts"
    );
    assert_eq!(verdict.messages, ["Invalid Input", "Invalid Password"]);
}

#[test]
fn only_googles_body_with_its_own_status_below_500_is_the_vendors_own() {
    use crate::transport::VendorError;
    use pwchange_google::types::GoogleError;
    let body = |code: u16| -> GoogleError {
        serde_json::from_value(google(code, "backendError", "Backend Error", None)).unwrap()
    };
    assert!(body(403).is_vendors_own(403));
    assert!(body(429).is_vendors_own(429));
    assert!(!body(400).is_vendors_own(403), "another status's body");
    assert!(
        !body(503).is_vendors_own(503),
        "a backendError may come after the update"
    );
    assert!(!body(500).is_vendors_own(500));
}

#[test]
fn user_keys_are_an_email_an_alias_or_an_id_sent_as_given() {
    for key in [
        "alice@example.com",
        "Alice.Doe+ops@example.com",
        "114872901337154006843",
    ] {
        assert_eq!(GoogleAdapter::user_id(key).unwrap(), key);
    }
    assert_eq!(
        GoogleAdapter::user_id("  alice@example.com ").unwrap(),
        "alice@example.com"
    );
    for bad in [
        "",
        " ",
        "a b@example.com",
        "a/b",
        "a?b",
        "a#b",
        "a%40b",
        "..",
        "a\\b",
    ] {
        let err = GoogleAdapter::user_id(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
        assert!(err.to_string().contains("primary email address"), "{err}");
    }
}

#[test]
fn the_documented_policy_is_8_to_100_ascii_characters_and_names_the_domains_own() {
    let policy = GoogleAdapter::documented_policy();
    assert_eq!(
        (policy.min_length, policy.max_length, policy.length_unit),
        (8, Some(100), LengthUnit::Characters)
    );
    assert_eq!(policy.unchecked.len(), 1);
    assert!(policy.unchecked[0].contains("Admin console"));
    match &policy.source {
        PolicySource::Documented { reference } => {
            assert!(reference.contains("8 to 100"), "{reference}");
        }
        other => panic!("{other:?}"),
    }
}

fn settings(pairs: &[(&str, &str)]) -> Result<crate::Client, crate::Error> {
    let mut settings = Settings::new(Vendor::Google);
    for (key, value) in pairs {
        settings.set(key, *value, *key);
    }
    crate::Client::from_settings(settings)
}

#[test]
fn a_token_is_the_only_credential() {
    assert!(
        settings(&[
            ("base_url", "https://admin.googleapis.com"),
            ("token", "ya29.t0k3n")
        ])
        .is_ok()
    );
    let err = settings(&[("base_url", "https://admin.googleapis.com")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.setting(), Some("token"));
    assert!(err.to_string().contains("admin.directory.user"), "{err}");
    let err = settings(&[
        ("base_url", "https://admin.googleapis.com"),
        ("token", "ya29.t0k3n"),
        ("client_id", "x"),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("client_id"), "{err}");
    let err = settings(&[
        (
            "base_url",
            "https://admin.googleapis.com/admin/directory/v1",
        ),
        ("token", "ya29.t0k3n"),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("Directory API's root"), "{err}");
}
