//! Unit tests of UiPath's adapter, configuration and error rules.

#[test]
fn the_complexity_value_is_read_tolerantly() {
    let policy = |value: &str| policy_of(Some(value));
    let p = policy(r#"{"hasSpecialCharacter":false,"hasLowercase":true,"hasUppercase":false,"hasDigit":true,"Length":"10"}"#).unwrap();
    assert_eq!(p.min_length, 10);
    assert_eq!(p.required_classes(), ["lowercase", "digit"]);
    let p = policy(r#"{"HASSPECIALCHARACTER":"true","length":12}"#).unwrap();
    assert_eq!(
        (p.min_length, (p.min_symbols > 0), (p.min_digits > 0)),
        (12, true, false)
    );
    // Each flag is the setting's, not the default's (the default: lowercase and digit).
    let p = policy(r#"{"hasLowercase":false,"hasUppercase":true,"hasDigit":"FALSE","hasSpecialCharacter":"True","Length":9}"#).unwrap();
    assert_eq!(p.required_classes(), ["uppercase", "symbol"]);
    let p = policy(r#"{"hasLowercase":"false","hasDigit":"true","Length":9}"#).unwrap();
    assert_eq!(p.required_classes(), ["digit"]);
    for bad in [
        r#"{"hasDigit":"yes","Length":8}"#,
        "not json",
        "[1]",
        r#"{"Length":0}"#,
        r#"{"Length":257}"#,
        r#"{"Length":"ten"}"#,
        r#"{"hasDigit":1,"Length":8}"#,
        r#"{"hasDigit":"yes","Length":8}"#,
        r#"{"hasDigit":true}"#,
    ] {
        let err = policy(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unexpected, "{bad}");
        assert!(err.to_string().contains("PasswordComplexity"), "{err}");
    }
    let unset = policy_of(None).unwrap();
    assert_eq!(
        unset.min_length,
        UipathAdapter::documented_policy().min_length
    );
    assert!(
        matches!(unset.source, PolicySource::Vendor { ref operation } if operation.contains("not set"))
    );
}

use pwchange_core::classify::Verdict;
use pwchange_core::http::Answer;
use pwchange_uipath::types;

use crate::adapter::Adapter;
use crate::transport::VendorError;
use crate::{ErrorKind, PolicySource};

use super::error::*;
use super::send::*;

fn classify(answer: &Answer<types::ChangePasswordProblem>) -> Verdict {
    <types::ChangePasswordProblem as VendorError>::verdict(answer)
}

fn classify_token(answer: &Answer<types::OAuthError>) -> Verdict {
    <types::OAuthError as VendorError>::verdict(answer)
}

fn identity_code(code: &str) -> ErrorKind {
    let error = types::IdentityError {
        code: Some(code.into()),
        description: None,
    };
    identity_errors(200, &[error]).kind
}

#[test]
fn the_first_specific_error_in_the_vendors_order_decides() {
    let errors = |codes: &[&str]| -> Vec<types::IdentityError> {
        codes
            .iter()
            .map(|c| types::IdentityError {
                code: Some((*c).into()),
                description: None,
            })
            .collect()
    };
    for (codes, kind) in [
        (
            &["PasswordHistory", "PasswordTooShort"][..],
            ErrorKind::PasswordReused,
        ),
        (
            &["PasswordRequiresDigit", "PasswordMismatch"][..],
            ErrorKind::PolicyViolation,
        ),
        (
            &["DefaultError", "PasswordMismatch"][..],
            ErrorKind::CurrentPasswordInvalid,
        ),
        (&["DefaultError"][..], ErrorKind::InvalidInput),
        (&[][..], ErrorKind::InvalidInput),
    ] {
        let verdict = identity_errors(200, &errors(codes));
        assert_eq!(verdict.kind, kind, "{codes:?}");
        assert_eq!(verdict.code.as_deref(), codes.first().copied());
    }
}

#[test]
fn identity_code_table() {
    let cases = [
        ("PasswordMismatch", ErrorKind::CurrentPasswordInvalid),
        ("PasswordTooShort", ErrorKind::PolicyViolation),
        ("PasswordRequiresDigit", ErrorKind::PolicyViolation),
        (
            "PasswordRequiresNonAlphanumeric",
            ErrorKind::PolicyViolation,
        ),
        ("PasswordRequiresUniqueChars", ErrorKind::PolicyViolation),
        ("PasswordReuse", ErrorKind::PasswordReused),
        ("PasswordHistory", ErrorKind::PasswordReused),
        ("UserNotFound", ErrorKind::UserNotFound),
        ("DefaultError", ErrorKind::InvalidInput),
    ];
    for (code, expected) in cases {
        assert_eq!(identity_code(code), expected, "{code}");
    }
}

#[test]
fn both_400_forms_and_bare_statuses_classify() {
    let list = Answer {
        status: 400,
        body: Some(serde_json::from_value(serde_json::json!({
            "succeeded": false, "errors": [{"code": "DefaultError"}, {"code": "PasswordRequiresDigit", "description": "needs a digit"}]
        })).unwrap()),
        text: None,
        retry_after: None,
    };
    let verdict = classify(&list);
    assert_eq!(verdict.kind, ErrorKind::PolicyViolation);
    assert_eq!(verdict.messages, ["needs a digit"]);
    let map = Answer {
        status: 400,
        body: Some(
            serde_json::from_value(serde_json::json!({
                "title": "One or more validation errors occurred.", "status": 400,
                "errors": {"newPassword": ["The NewPassword field is required."]}
            }))
            .unwrap(),
        ),
        text: None,
        retry_after: None,
    };
    let verdict = classify(&map);
    assert_eq!(verdict.kind, ErrorKind::InvalidInput);
    assert_eq!(
        verdict.messages,
        ["newPassword: The NewPassword field is required."]
    );
    for (status, kind) in [
        (401, ErrorKind::Unauthenticated),
        (403, ErrorKind::PermissionDenied),
        (404, ErrorKind::UserNotFound),
        (429, ErrorKind::RateLimited),
        (503, ErrorKind::Unavailable),
    ] {
        let bare = Answer::<types::ChangePasswordProblem> {
            status,
            body: None,
            text: None,
            retry_after: None,
        };
        assert_eq!(classify(&bare).kind, kind, "{status}");
    }
}

#[test]
fn only_a_400_reads_the_problem_body() {
    for body in [
        serde_json::json!({"errors": [{"code": "PasswordMismatch"}]}),
        serde_json::json!({"title": "t", "errors": {"newPassword": ["required"]}}),
    ] {
        let answer = Answer {
            status: 403,
            body: Some(serde_json::from_value(body).unwrap()),
            text: None,
            retry_after: None,
        };
        assert_eq!(classify(&answer).kind, ErrorKind::PermissionDenied);
    }
}

#[test]
fn token_errors_classify() {
    for (error, kind) in [
        ("invalid_client", ErrorKind::Unauthenticated),
        ("invalid_scope", ErrorKind::PermissionDenied),
        ("server_error", ErrorKind::InvalidInput),
    ] {
        let answer = Answer {
            status: 400,
            body: Some(types::OAuthError {
                error: error.into(),
                error_description: None,
            }),
            text: None,
            retry_after: None,
        };
        assert_eq!(classify_token(&answer).kind, kind, "{error}");
    }
}

/// Issue #34: the grant's scope beside a token is not used: it is reported, not dropped.
#[test]
fn a_scope_beside_a_token_is_reported_unused() {
    let settings = crate::Settings::new(crate::Vendor::Uipath)
        .with("base_url", "https://cloud.uipath.com/acme/identity_")
        .with("token", "t0k")
        .with("scope", "PM.User");
    let error = crate::Config::from_settings(settings).unwrap_err();
    assert!(
        error
            .message()
            .contains("set but not used by this configuration: scope (from uipath setting scope"),
        "{error}"
    );
    let settings = crate::Settings::new(crate::Vendor::Uipath)
        .with("base_url", "https://cloud.uipath.com/acme/identity_")
        .with("client_id", "app")
        .with("client_secret", "s3cr3t")
        .with("scope", "PM.User");
    assert!(crate::Config::from_settings(settings).is_ok());
}

/// The grant's scope is part of the login: a token set in a higher layer (a flag, the
/// environment) replaces it with the rest of the login below, instead of leaving it unused.
#[test]
fn a_token_above_replaces_the_whole_grant_below_scope_included() {
    let mut settings = crate::Settings::new(crate::Vendor::Uipath)
        .with("base_url", "https://cloud.uipath.com/acme/identity_")
        .with("client_id", "app")
        .with("client_secret", "s3cr3t")
        .with("scope", "PM.User");
    settings.layer(crate::Settings::new(crate::Vendor::Uipath).with("token", "t0k"));
    assert!(!settings.contains("scope"));
    assert!(crate::Config::from_settings(settings).is_ok());
}
