//! Unit tests of Auth0's adapter, configuration, policy reading and error rules.

use pwchange_auth0::types;
use serde_json::{Value, json};

use crate::adapter::Adapter;
use crate::{ErrorKind, LengthUnit, Settings, Vendor};

use super::send::{Auth0Adapter, legacy_level, policy_of};

fn classify(status: u16, body: &Value) -> crate::ErrorKind {
    Auth0Adapter::classify_bytes(status, body.to_string().as_bytes()).kind
}

fn management(status: u16, message: &str, code: Option<&str>) -> Value {
    let mut body = json!({"statusCode": status, "error": "Bad Request", "message": message});
    if let Some(code) = code {
        body["errorCode"] = json!(code);
    }
    body
}

/// The answers Auth0 documents and its users report (`specs/auth0.yaml`).
#[test]
fn mapping_table() {
    let cases = [
        (
            400,
            management(400, "PasswordStrengthError: Password is too weak", None),
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            management(
                400,
                "PasswordHistoryError: Password has previously been used",
                None,
            ),
            ErrorKind::PasswordReused,
        ),
        (
            400,
            management(400, "PasswordDictionaryError: Password is too common", None),
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            management(
                400,
                "PasswordNoUserInfoError: Password contains user information",
                None,
            ),
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            management(400, "Connection is not supported for this operation.", None),
            ErrorKind::Unsupported,
        ),
        (
            400,
            management(
                400,
                "Cannot change email or password for users in a disabled connection.",
                None,
            ),
            ErrorKind::Unsupported,
        ),
        (
            400,
            management(400, "Connection does not exist.", None),
            ErrorKind::InvalidInput,
        ),
        (
            400,
            management(400, "Payload validation error", Some("invalid_body")),
            ErrorKind::InvalidInput,
        ),
        (
            401,
            management(401, "Invalid token.", None),
            ErrorKind::Unauthenticated,
        ),
        (
            403,
            management(
                403,
                "Insufficient scope, expected any of: update:users",
                Some("insufficient_scope"),
            ),
            ErrorKind::PermissionDenied,
        ),
        (
            404,
            management(404, "The user does not exist.", Some("inexistent_user")),
            ErrorKind::UserNotFound,
        ),
        (
            404,
            management(404, "User not found.", None),
            ErrorKind::UserNotFound,
        ),
        (
            404,
            management(
                404,
                "The connection does not exist",
                Some("inexistent_connection"),
            ),
            ErrorKind::InvalidInput,
        ),
        (404, json!("Not Found"), ErrorKind::InvalidInput),
        (
            429,
            management(
                429,
                "Global limit has been reached",
                Some("too_many_requests"),
            ),
            ErrorKind::RateLimited,
        ),
        // The token endpoint's body.
        (
            403,
            json!({"error": "invalid_grant", "error_description": "Wrong email or password."}),
            ErrorKind::Unauthenticated,
        ),
        (
            429,
            json!({"error": "too_many_attempts", "error_description": "Your account has been blocked"}),
            ErrorKind::PermissionDenied,
        ),
        (
            429,
            json!({"error": "too_many_requests", "error_description": "Rate limit exceeded."}),
            ErrorKind::RateLimited,
        ),
        (
            401,
            json!({"error": "password_leaked", "error_description": "This login attempt has been blocked"}),
            ErrorKind::PermissionDenied,
        ),
        (
            401,
            json!({"error": "access_denied", "error_description": "Unauthorized"}),
            ErrorKind::PermissionDenied,
        ),
    ];
    for (status, body, kind) in cases {
        assert_eq!(classify(status, &body), kind, "{status} {body}");
    }
}

#[test]
fn only_auth0s_body_with_its_own_status_below_500_is_the_vendors_own() {
    use crate::transport::VendorError;
    let body = |status: u16| -> types::Error {
        serde_json::from_value(management(status, "Bad Request", None)).unwrap()
    };
    assert!(body(400).is_vendors_own(400));
    assert!(body(429).is_vendors_own(429));
    assert!(!body(400).is_vendors_own(403), "another status's body");
    // Every hapi server's shape: a 503 in it may come after the update was applied.
    assert!(!body(503).is_vendors_own(503));
    assert!(!body(500).is_vendors_own(500));
    let mut blank = body(400);
    blank.error = " ".to_owned();
    assert!(!blank.is_vendors_own(400), "no reason phrase: a look-alike");
}

#[test]
fn the_documented_policy_is_a_new_connections_good_level() {
    let policy = Auth0Adapter::documented_policy();
    assert_eq!((policy.min_length, policy.min_classes), (8, 3));
    match &policy.source {
        crate::PolicySource::Documented { reference } => {
            assert!(
                reference.contains("good") && reference.contains("72 bytes"),
                "{reference}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn legacy_levels_are_auth0s_strength_table() {
    let rules = |level: &str| {
        let p = legacy_level(level);
        (
            p.min_length,
            p.min_lowercase,
            p.min_uppercase,
            p.min_digits,
            p.min_classes,
            p.unchecked.len(),
        )
    };
    assert_eq!(rules("none"), (1, 0, 0, 0, 0, 0));
    assert_eq!(rules("low"), (6, 0, 0, 0, 0, 0));
    assert_eq!(rules("fair"), (8, 1, 1, 1, 0, 0));
    assert_eq!(rules("good"), (8, 0, 0, 0, 3, 0));
    assert_eq!(rules("excellent"), (10, 0, 0, 0, 3, 1));
    assert!(legacy_level("excellent").unchecked[0].contains("2 identical"));
    assert!(legacy_level("ultra").unchecked[0].contains("does not know"));
    let policy = legacy_level("good");
    assert_eq!(
        (policy.max_length, policy.length_unit),
        (Some(72), LengthUnit::Bytes)
    );
}

fn options(value: Value) -> types::ConnectionOptions {
    serde_json::from_value(value).unwrap()
}

#[test]
fn the_legacy_options_min_length_replaces_the_levels_and_toggles_are_named() {
    let policy = policy_of(&options(json!({
        "passwordPolicy": "excellent",
        "password_complexity_options": {"min_length": 14},
        "password_history": {"enable": true, "size": 5},
        "password_dictionary": {"enable": true, "dictionary": []},
        "password_no_personal_info": {"enable": true},
    })));
    assert_eq!((policy.min_length, policy.min_classes), (14, 3));
    assert_eq!(policy.unchecked.len(), 4, "{:?}", policy.unchecked);
    assert!(policy.unchecked[1].contains("last 5 passwords"));
    assert!(policy.unchecked[2].contains("password_dictionary"));
    assert!(policy.unchecked[3].contains("password_no_personal_info"));
    // Disabled toggles and null fields name nothing; no level is `none`.
    let policy = policy_of(&options(json!({
        "passwordPolicy": null,
        "password_complexity_options": null,
        "password_history": {"enable": false, "size": 5},
        "password_dictionary": null,
    })));
    assert_eq!((policy.min_length, policy.min_classes), (1, 0));
    assert!(policy.unchecked.is_empty());
    let policy = policy_of(&options(
        json!({"password_complexity_options": {"min_length": 0}}),
    ));
    assert_eq!(policy.min_length, 1, "a minimum is at least one byte");
}

#[test]
fn the_flexible_password_policy_replaces_the_legacy_fields() {
    let policy = policy_of(&options(json!({
        "passwordPolicy": "excellent",
        "password_options": {
            "complexity": {"min_length": 12, "character_types": ["uppercase", "lowercase", "number", "special"],
                "character_type_rule": "three_of_four", "identical_characters": "block",
                "sequential_characters": "block", "max_length_exceeded": "error"},
            "history": {"active": true, "size": 3},
            "dictionary": {"active": true, "default": "en_100k"},
            "profile_data": {"active": true},
        }
    })));
    assert_eq!((policy.min_length, policy.min_classes), (12, 3));
    assert_eq!(policy.required_classes(), Vec::<&str>::new());
    assert_eq!(policy.unchecked.len(), 5, "{:?}", policy.unchecked);
    assert!(policy.unchecked[0].contains("identical"));
    assert!(policy.unchecked[1].contains("sequential"));
    assert!(policy.unchecked[2].contains("last 3 passwords"));
    assert!(policy.unchecked[3].contains("dictionary"));
    assert!(policy.unchecked[4].contains("profile_data"));
    let policy = policy_of(&options(json!({
        "password_options": {
            "complexity": {"min_length": 9, "character_types": ["lowercase", "number"],
                "character_type_rule": "all", "identical_characters": "allow"},
            "history": {"active": false, "size": 3},
        }
    })));
    assert_eq!(policy.min_length, 9);
    assert_eq!(policy.required_classes(), ["lowercase", "digit"]);
    assert_eq!(policy.min_classes, 0);
    assert!(policy.unchecked.is_empty());
    let policy = policy_of(&options(json!({
        "password_options": {"complexity": {"character_types": ["uppercase", "special"]}}
    })));
    assert_eq!(policy.required_classes(), ["uppercase", "symbol"]);
    assert_eq!(policy.min_length, 1);
}

#[test]
fn user_ids_are_provider_and_id_sent_as_given() {
    for id in [
        "auth0|63d17c4ba030f2d4279f2c54",
        "google-oauth2|104965396198408263080",
        "email|abc",
    ] {
        assert_eq!(Auth0Adapter::user_id(id).unwrap(), id);
    }
    for bad in ["", " ", "auth0|a b", "a/b", "a?b", "a#b", "auth0%7Cx", ".."] {
        let err = Auth0Adapter::user_id(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
        assert!(err.to_string().contains("user_id"), "{err}");
    }
}

fn settings(pairs: &[(&str, &str)]) -> Result<crate::Client, crate::Error> {
    let mut settings = Settings::new(Vendor::Auth0).with("base_url", "https://acme.eu.auth0.com");
    for (key, value) in pairs {
        settings.set(key, *value, *key);
    }
    crate::Client::from_settings(settings)
}

#[test]
fn credentials_are_a_token_or_an_applications_client_credentials() {
    assert!(settings(&[("token", "eyJ.t0k3n")]).is_ok());
    assert!(settings(&[("client_id", "m2m"), ("client_secret", "s3cret")]).is_ok());
    assert!(
        settings(&[
            ("client_id", "m2m"),
            ("client_secret", "s3cret"),
            ("audience", "https://acme.eu.auth0.com/api/v2/"),
            ("connection", "Username-Password-Authentication"),
            ("verify_client_id", "login-app"),
            ("verify_client_secret", "v3rify"),
        ])
        .is_ok()
    );
    for (pairs, says) in [
        (&[][..], "no credentials"),
        (
            &[("token", "eyJ.t0k3n"), ("client_id", "m2m")][..],
            "both set",
        ),
        (&[("client_id", "m2m")][..], "client_secret is not set"),
        (&[("client_secret", "s")][..], "client_id is not set"),
        (
            &[("token", "eyJ.t0k3n"), ("audience", "https://x/api/v2/")][..],
            "audience is set with a token",
        ),
        (
            &[("token", "eyJ.t0k3n"), ("connection", "bad name")][..],
            "not a connection name",
        ),
        (
            &[("token", "eyJ.t0k3n"), ("connection", "a--b")][..],
            "not a connection name",
        ),
        (
            &[("token", "eyJ.t0k3n"), ("connection", "-db")][..],
            "not a connection name",
        ),
        (
            &[("token", "eyJ.t0k3n"), ("verify_client_secret", "v")][..],
            "without verify_client_id",
        ),
    ] {
        let err = settings(pairs).unwrap_err();
        assert!(err.to_string().contains(says), "{pairs:?}: {err}");
        assert!(!err.to_string().contains("s3cret"));
    }
    let long = "a".repeat(129);
    assert!(settings(&[("token", "eyJ.t0k3n"), ("connection", &long)]).is_err());
    assert!(settings(&[("token", "eyJ.t0k3n"), ("connection", &long[..128])]).is_ok());
    let err = crate::Client::from_settings(
        Settings::new(Vendor::Auth0)
            .with("base_url", "https://acme.eu.auth0.com/api/v2")
            .with("token", "eyJ.t0k3n"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("tenant's domain"), "{err}");
}
