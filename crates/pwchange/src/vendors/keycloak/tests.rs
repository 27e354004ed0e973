//! Unit tests of Keycloak's adapter, configuration, policy parser and error rules.

use pwchange_core::classify::Verdict;
use pwchange_core::http::Answer;
use pwchange_keycloak::types;

use crate::adapter::Adapter;
use crate::transport::VendorError;
use crate::{ErrorKind, Settings, Vendor};

use super::send::{KeycloakAdapter, policy_of};

fn classify(status: u16, error: &str, description: Option<&str>) -> Verdict {
    <types::Error as VendorError>::verdict(&Answer {
        status,
        body: Some(types::Error {
            error: error.to_owned(),
            error_description: description.map(str::to_owned),
        }),
        text: None,
        retry_after: None,
    })
}

/// The answers Keycloak's code gives (`specs/keycloak.yaml`, "Behaviour a client must know").
#[test]
fn mapping_table() {
    let cases = [
        (
            400,
            "invalidPasswordMinLengthMessage",
            Some("Invalid password: minimum length 12."),
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            "invalidPasswordMaxLengthMessage",
            Some("invalidPasswordMaxLengthMessage"),
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            "invalidPasswordHistoryMessage",
            Some("Invalid password: must not be equal to any of last 3 passwords."),
            ErrorKind::PasswordReused,
        ),
        (
            400,
            "Resetting to 3 old passwords is not allowed.",
            None,
            ErrorKind::PasswordReused,
        ),
        (
            400,
            "Empty password not allowed",
            None,
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            "Can't reset password as account is read only",
            None,
            ErrorKind::Unsupported,
        ),
        (400, "No password provided", None, ErrorKind::InvalidInput),
        (
            401,
            "HTTP 401 Unauthorized",
            None,
            ErrorKind::Unauthenticated,
        ),
        (403, "unknown_error", None, ErrorKind::PermissionDenied),
        (404, "User not found", None, ErrorKind::UserNotFound),
        (404, "Realm not found.", None, ErrorKind::InvalidInput),
        (
            401,
            "invalid_grant",
            Some("Invalid user credentials"),
            ErrorKind::Unauthenticated,
        ),
        (
            400,
            "unauthorized_client",
            Some("Client not allowed for direct access grants"),
            ErrorKind::Unauthenticated,
        ),
        (
            500,
            "unknown_error",
            Some("For more on this error consult the server log."),
            ErrorKind::OutcomeUnknown,
        ),
    ];
    for (status, error, description, kind) in cases {
        assert_eq!(
            classify(status, error, description).kind,
            kind,
            "{status} {error}"
        );
    }
}

#[test]
fn only_rfc_6749_codes_are_the_token_endpoints_own_body() {
    let body = |error: &str| types::Error {
        error: error.to_owned(),
        error_description: None,
    };
    assert!(body("temporarily_unavailable").is_vendors_own(503));
    assert!(!body("HTTP 503 Service Unavailable").is_vendors_own(503));
}

#[test]
fn the_policy_string_parses_as_keycloak_parses_it() {
    let policy = policy_of(
        "length(12) and maxLength(40) and digits(2) and upperCase and lowerCase(1) and specialChars(3) and notUsername(undefined) and notEmail(undefined) and passwordHistory and regexPattern(^[^ ]+ and x$) and passwordBlacklist(rockyou.txt) and hashIterations(210000) and hashAlgorithm(pbkdf2-sha512) and forceExpiredPasswordChange(90) and futurePolicy(1)",
    )
    .unwrap();
    assert_eq!(policy.min_length, 12);
    assert_eq!(policy.max_length, Some(40));
    assert_eq!(
        (
            policy.min_digits,
            policy.min_uppercase,
            policy.min_lowercase,
            policy.min_symbols
        ),
        (2, 1, 1, 3)
    );
    assert_eq!(policy.length_unit, crate::LengthUnit::Utf16Units);
    assert_eq!(policy.character_classes, crate::CharacterClasses::Unicode);
    // Split on " and " as Keycloak splits it: the regex argument is cut, and its tail is a
    // policy pwchange does not know. Hashing and expiry do not concern the text.
    assert_eq!(
        policy.unchecked,
        [
            "notUsername: not the user name",
            "notEmail: not the email address",
            "passwordHistory: not one of the last 3 passwords",
            "regexPattern: matches the realm's pattern",
            "x$): a policy pwchange does not know",
            "passwordBlacklist: not on the realm's deny list",
            "futurePolicy: a policy pwchange does not know",
        ]
    );
    assert!(matches!(policy.source, crate::PolicySource::Vendor { .. }));
    // Defaults without an argument, the last of a repeated policy, an empty policy.
    let defaults = policy_of(
        "length and maxLength and length(10) and passwordHistory(1) and passwordHistory(4)",
    )
    .unwrap();
    assert_eq!((defaults.min_length, defaults.max_length), (10, Some(64)));
    assert_eq!(
        defaults.unchecked,
        ["passwordHistory: not one of the last 4 passwords"]
    );
    let none = policy_of("").unwrap();
    assert_eq!(
        (none.min_length, none.max_length, none.min_digits),
        (1, None, 0)
    );
    assert!(none.unchecked.is_empty());
    // A broken argument names the policy, not the text.
    let err = policy_of("digits(two)").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unexpected);
    assert!(err.to_string().contains("digits(…)"), "{err}");
}

#[test]
fn user_ids_and_names_are_taken_as_keycloak_takes_them() {
    assert_eq!(
        KeycloakAdapter::user_id(" 8F14E45F-CEEA-467F-A0E6-2B1F5B2C9A11 ").unwrap(),
        "8F14E45F-CEEA-467F-A0E6-2B1F5B2C9A11"
    );
    assert_eq!(KeycloakAdapter::user_id("Alice").unwrap(), "alice");
    assert_eq!(
        KeycloakAdapter::user_id("f:ldap:Alice").unwrap(),
        "f:ldap:Alice"
    );
    for bad in ["", "..", "a/b", "a b", "a?b", "a#b", "a%2F", "a\\b", "a\nb"] {
        let err = KeycloakAdapter::user_id(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
    }
}

fn settings(pairs: &[(&str, &str)]) -> Result<crate::Client, crate::Error> {
    let mut settings = Settings::new(Vendor::Keycloak)
        .with("base_url", "https://sso.example.com")
        .with("realm", "acme");
    for (key, value) in pairs {
        settings.set(key, *value, *key);
    }
    crate::Client::from_settings(settings)
}

#[test]
fn credentials_are_a_token_a_service_account_or_an_administrators_login() {
    assert!(settings(&[("token", "t0k3n-value")]).is_ok());
    assert!(settings(&[("client_id", "svc"), ("client_secret", "s3cret")]).is_ok());
    assert!(
        settings(&[
            ("username", "admin"),
            ("password", "pw"),
            ("admin_realm", "master")
        ])
        .is_ok()
    );
    for (pairs, says) in [
        (&[][..], "no credentials"),
        (
            &[("token", "t0k3n-value"), ("client_secret", "s")][..],
            "both set",
        ),
        (
            &[
                ("username", "admin"),
                ("client_secret", "s"),
                ("password", "p"),
            ][..],
            "not both",
        ),
        (
            &[("password", "p"), ("client_id", "c")][..],
            "without username",
        ),
        (&[("client_id", "svc")][..], "client_secret is not set"),
        (&[("username", "admin")][..], "password is not set"),
        (
            &[("token", "t0k3n-value"), ("realm", "a/b")][..],
            "not a realm name",
        ),
        (
            &[("token", "t0k3n-value"), ("admin_realm", "..")][..],
            "not a realm name",
        ),
    ] {
        let err = settings(pairs).unwrap_err();
        assert!(err.to_string().contains(says), "{pairs:?}: {err}");
    }
    let err = crate::Client::from_settings(
        Settings::new(Vendor::Keycloak)
            .with("base_url", "https://sso.example.com")
            .with("token", "t0k3n-value"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("realm is not set"), "{err}");
    let err = crate::Client::from_settings(
        Settings::new(Vendor::Keycloak)
            .with("base_url", "https://sso.example.com/realms/acme")
            .with("realm", "acme")
            .with("token", "t0k3n-value"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("server's root"), "{err}");
}
