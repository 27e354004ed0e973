//! Unit tests of Okta's adapter, configuration, policy reading and error rules.

use pwchange_core::classify::Verdict;
use pwchange_core::http::Answer;
use pwchange_okta::types;

use crate::adapter::Adapter;
use crate::transport::VendorError;
use crate::{ErrorKind, Settings, Vendor};

use super::send::{OktaAdapter, strictest};

fn body(code: &str, summary: &str, causes: &[&str]) -> types::Error {
    types::Error {
        error_code: code.to_owned(),
        error_summary: summary.to_owned(),
        error_link: Some(code.to_owned()),
        error_id: Some("oae123".to_owned()),
        error_causes: causes
            .iter()
            .map(|c| types::ErrorCause {
                error_summary: Some((*c).to_owned()),
            })
            .collect(),
    }
}

fn classify(status: u16, code: &str, causes: &[&str]) -> Verdict {
    <types::Error as VendorError>::verdict(&Answer {
        status,
        body: Some(body(code, "summary", causes)),
        text: None,
        retry_after: None,
    })
}

/// Okta's catalogue and the causes seen with it (`specs/okta.yaml`, "Behaviour a client must
/// know"): within a code, the cause decides.
#[test]
fn mapping_table() {
    let cases = [
        (
            403,
            "E0000014",
            &["oldPassword: The credentials provided were incorrect."][..],
            ErrorKind::CurrentPasswordInvalid,
        ),
        (
            403,
            "E0000014",
            &["Password requirements were not met"][..],
            ErrorKind::PolicyViolation,
        ),
        (403, "E0000014", &[][..], ErrorKind::PolicyViolation),
        (
            400,
            "E0000001",
            &["password: Password requirements were not met. …"][..],
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            "E0000001",
            &["password: Password has been used too recently"][..],
            ErrorKind::PasswordReused,
        ),
        (
            400,
            "E0000001",
            &["login: must not be blank"][..],
            ErrorKind::InvalidInput,
        ),
        (400, "E0000003", &[][..], ErrorKind::InvalidInput),
        (400, "E0000041", &[][..], ErrorKind::Unsupported),
        (401, "E0000011", &[][..], ErrorKind::Unauthenticated),
        (401, "E0000004", &[][..], ErrorKind::CurrentPasswordInvalid),
        (403, "E0000006", &[][..], ErrorKind::PermissionDenied),
        (403, "E0000035", &[][..], ErrorKind::PermissionDenied),
        (403, "E0000080", &[][..], ErrorKind::PolicyViolation),
        (404, "E0000007", &[][..], ErrorKind::UserNotFound),
        (409, "E0000112", &[][..], ErrorKind::Unavailable),
        (429, "E0000047", &[][..], ErrorKind::RateLimited),
        (500, "E0000009", &[][..], ErrorKind::OutcomeUnknown),
    ];
    for (status, code, causes, kind) in cases {
        assert_eq!(
            classify(status, code, causes).kind,
            kind,
            "{status} {code} {causes:?}"
        );
    }
}

#[test]
fn only_a_catalogue_code_with_an_error_id_is_okta_s_own_body() {
    assert!(body("E0000010", "Service is in read only mode", &[]).is_vendors_own(503));
    let mut no_id = body("E0000010", "x", &[]);
    no_id.error_id = None;
    assert!(!no_id.is_vendors_own(503));
    assert!(!body("Service Unavailable", "x", &[]).is_vendors_own(503));
    assert!(!body("E00000100", "x", &[]).is_vendors_own(503));
}

#[test]
fn no_policy_is_the_documented_default() {
    assert_eq!(strictest(&[]), OktaAdapter::documented_policy());
    let inactive_type = types::PasswordPolicy {
        type_: "OKTA_SIGN_ON".to_owned(),
        id: None,
        name: None,
        status: None,
        priority: None,
        system: None,
        settings: None,
    };
    assert_eq!(
        strictest(&[inactive_type]),
        OktaAdapter::documented_policy()
    );
}

#[test]
fn user_ids_and_logins_are_sent_as_given() {
    assert_eq!(
        OktaAdapter::user_id(" 00ub0oNGTSWTBKOLGLNR ").unwrap(),
        "00ub0oNGTSWTBKOLGLNR"
    );
    assert_eq!(
        OktaAdapter::user_id("Alice@Example.com").unwrap(),
        "Alice@Example.com"
    );
    for bad in ["", "..", "a/b", "a b", "a?b", "a#b", "a%2F", "a\\b"] {
        let err = OktaAdapter::user_id(bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
    }
}

#[test]
fn the_configuration_needs_a_token_and_names_its_mode() {
    let build = |pairs: &[(&str, &str)]| {
        let mut settings = Settings::new(Vendor::Okta).with("base_url", "https://example.okta.com");
        for (key, value) in pairs {
            settings.set(key, *value, *key);
        }
        crate::Client::from_settings(settings)
    };
    assert!(build(&[("token", "00abc-token")]).is_ok());
    assert!(
        build(&[
            ("token", "00abc-token"),
            ("authorization_mode", "Bearer"),
            ("strict", "true")
        ])
        .is_ok()
    );
    let err = build(&[]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.setting(), Some("token"));
    assert!(err.to_string().contains("token"), "{err}");
    let err = build(&[("token", "00abc-token"), ("authorization_mode", "basic")]).unwrap_err();
    assert!(err.to_string().contains("ssws or bearer"), "{err}");
    let err = build(&[("token", "00abc-token"), ("strict", "maybe")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let err = crate::Client::from_settings(
        Settings::new(Vendor::Okta)
            .with("base_url", "https://example.okta.com/api/v1")
            .with("token", "00abc-token"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("org's URL"), "{err}");
}

/// Each rule no client can check is named where a policy sets it, and only then.
#[test]
fn the_strictest_policy_names_only_the_rules_that_are_set() {
    let policy = |complexity: serde_json::Value, age: serde_json::Value| -> types::PasswordPolicy {
        serde_json::from_value(serde_json::json!({
            "type": "PASSWORD",
            "settings": {"password": {"complexity": complexity, "age": age}}
        }))
        .unwrap()
    };
    let unset = strictest(&[policy(
        serde_json::json!({"minLength": 8, "excludeUsername": false, "excludeAttributes": [], "maxConsecutiveCharacters": 0}),
        serde_json::json!({"historyCount": 0, "minAgeMinutes": 0}),
    )]);
    assert!(unset.unchecked.is_empty(), "{:?}", unset.unchecked);
    let set = strictest(&[policy(
        serde_json::json!({"minLength": 8, "excludeAttributes": ["firstName"], "maxConsecutiveCharacters": 3}),
        serde_json::json!({"historyCount": 1, "minAgeMinutes": 60}),
    )]);
    assert_eq!(
        set.unchecked,
        [
            "excludeAttributes: not the user's first or last name",
            "maxConsecutiveCharacters: at most 3 identical characters in a row",
            "historyCount: not one of the last 1 passwords",
            "minAgeMinutes: a password changed less than 60 minutes ago cannot change (with strict)",
        ]
    );
}
