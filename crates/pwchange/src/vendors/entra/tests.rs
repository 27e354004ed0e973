//! Unit tests of Entra ID's adapter, configuration and error rules.

use pwchange_core::classify::Verdict;
use pwchange_core::http::Answer;
use pwchange_entra::types;

use crate::adapter::Adapter;
use crate::transport::VendorError;
use crate::{ErrorKind, Settings, Vendor};

use super::send::EntraAdapter;

fn graph(status: u16, code: &str, message: &str) -> Verdict {
    <types::GraphError as VendorError>::verdict(&Answer {
        status,
        body: Some(types::GraphError {
            error: types::MainError {
                code: code.to_owned(),
                message: message.to_owned(),
                inner_error: None,
            },
        }),
        text: None,
        retry_after: None,
    })
}

fn token(status: u16, error: &str, codes: &[i64]) -> Verdict {
    <types::TokenError as VendorError>::verdict(&Answer {
        status,
        body: Some(types::TokenError {
            error: error.to_owned(),
            error_description: Some("AADSTS: text".to_owned()),
            error_codes: codes.to_vec(),
            timestamp: None,
            trace_id: None,
            correlation_id: None,
            suberror: None,
        }),
        text: None,
        retry_after: None,
    })
}

#[test]
fn graph_mapping_table() {
    let cases = [
        (
            400,
            "Request_BadRequest",
            "The specified password does not comply with password complexity requirements.",
            ErrorKind::PolicyViolation,
        ),
        (
            400,
            "Request_BadRequest",
            "Invalid value specified for property 'displayName'.",
            ErrorKind::InvalidInput,
        ),
        (
            401,
            "InvalidAuthenticationToken",
            "Access token has expired.",
            ErrorKind::Unauthenticated,
        ),
        (
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
            ErrorKind::PermissionDenied,
        ),
        (
            404,
            "Request_ResourceNotFound",
            "Resource does not exist.",
            ErrorKind::UserNotFound,
        ),
        (
            429,
            "TooManyRequests",
            "Too many requests.",
            ErrorKind::RateLimited,
        ),
        (
            503,
            "serviceNotAvailable",
            "Service unavailable.",
            ErrorKind::Unavailable,
        ),
    ];
    for (status, code, message, kind) in cases {
        assert_eq!(graph(status, code, message).kind, kind, "{status} {code}");
    }
}

#[test]
fn token_mapping_table_reads_the_aadsts_code_first() {
    let cases = [
        (
            400,
            "invalid_grant",
            &[50126][..],
            ErrorKind::CurrentPasswordInvalid,
            "AADSTS50126",
        ),
        (
            400,
            "invalid_grant",
            &[50034][..],
            ErrorKind::UserNotFound,
            "AADSTS50034",
        ),
        (
            400,
            "interaction_required",
            &[50076][..],
            ErrorKind::PermissionDenied,
            "AADSTS50076",
        ),
        (
            400,
            "invalid_grant",
            &[50053][..],
            ErrorKind::PermissionDenied,
            "AADSTS50053",
        ),
        (
            400,
            "invalid_request",
            &[90002][..],
            ErrorKind::InvalidInput,
            "AADSTS90002",
        ),
        (
            401,
            "invalid_client",
            &[7_000_215][..],
            ErrorKind::Unauthenticated,
            "AADSTS7000215",
        ),
        (
            400,
            "invalid_scope",
            &[][..],
            ErrorKind::PermissionDenied,
            "invalid_scope",
        ),
    ];
    for (status, error, codes, kind, first) in cases {
        let verdict = token(status, error, codes);
        assert_eq!(verdict.kind, kind, "{error} {codes:?}");
        assert_eq!(verdict.code.as_deref(), Some(first));
    }
}

#[test]
fn only_a_body_with_its_request_id_is_graphs_own() {
    let with = |id: Option<&str>| types::GraphError {
        error: types::MainError {
            code: "serviceNotAvailable".to_owned(),
            message: "x".to_owned(),
            inner_error: Some(types::InnerError {
                request_id: id.map(str::to_owned),
                client_request_id: None,
                date: None,
            }),
        },
    };
    assert!(with(Some("40cceaa0")).is_vendors_own(503));
    assert!(!with(None).is_vendors_own(503));
    assert!(!with(Some("")).is_vendors_own(503));
}

#[test]
fn user_ids_are_object_ids_or_principal_names() {
    for good in [
        "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
        "alice@contoso.com",
        "bob_x.com#EXT#@contoso.com",
    ] {
        assert_eq!(EntraAdapter::user_id(good).unwrap(), good);
    }
    for bad in ["", "a/b", "a b", "a?b", "a%2F", "$x@contoso.com", ".."] {
        assert_eq!(
            EntraAdapter::user_id(bad).unwrap_err().kind(),
            ErrorKind::InvalidInput,
            "{bad:?}"
        );
    }
}

#[test]
fn the_configuration_names_what_each_login_needs() {
    let build = |pairs: &[(&str, &str)]| {
        let mut settings =
            Settings::new(Vendor::Entra).with("base_url", "https://graph.microsoft.com");
        for (key, value) in pairs {
            settings.set(key, *value, *key);
        }
        crate::Client::from_settings(settings)
    };
    assert!(build(&[("token", "eyJ-token")]).is_ok());
    assert!(
        build(&[("tenant", "contoso.com"), ("login_client_id", "app")]).is_ok(),
        "self-service only"
    );
    assert!(
        build(&[
            ("tenant", "contoso.com"),
            ("client_id", "app"),
            ("client_secret", "s")
        ])
        .is_ok()
    );
    for (pairs, says) in [
        (
            &[("client_id", "app"), ("client_secret", "s")][..],
            "tenant is not set",
        ),
        (&[("login_client_id", "app")][..], "tenant is not set"),
        (
            &[("token", "eyJ-token"), ("client_id", "app")][..],
            "both set",
        ),
        (
            &[("tenant", "common"), ("login_client_id", "app")][..],
            "not a tenant",
        ),
        (
            &[("tenant", "a/b"), ("login_client_id", "app")][..],
            "not a tenant",
        ),
        (
            &[("tenant", "contoso.com"), ("login_client_secret", "s")][..],
            "without login_client_id",
        ),
        (
            &[
                ("token", "eyJ-token"),
                ("authority", "http://login.example"),
            ][..],
            "authority: plain http",
        ),
        (
            &[("tenant", "contoso.com"), ("client_id", "app")][..],
            "client_secret is not set",
        ),
    ] {
        let err = build(pairs).unwrap_err();
        assert!(err.to_string().contains(says), "{pairs:?}: {err}");
    }
    let err = crate::Client::from_settings(
        Settings::new(Vendor::Entra)
            .with("base_url", "https://graph.microsoft.com/v1.0")
            .with("token", "eyJ-token"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("without it"), "{err}");
}

#[test]
fn the_documented_policy_is_three_of_four_classes() {
    let policy = EntraAdapter::documented_policy();
    assert!(policy.check(&crate::Password::new("abcdefg1A")).is_ok());
    assert!(
        policy.check(&crate::Password::new("abcdefg12")).is_err(),
        "two classes"
    );
    assert!(
        policy.check(&crate::Password::new("aB1!")).is_err(),
        "too short"
    );
}

#[test]
fn only_an_rfc_6749_code_is_the_token_endpoints_own_body() {
    let body = |error: &str| types::TokenError {
        error: error.to_owned(),
        error_description: None,
        error_codes: Vec::new(),
        timestamp: None,
        trace_id: None,
        correlation_id: None,
        suberror: None,
    };
    assert!(body("temporarily_unavailable").is_vendors_own(503));
    assert!(!body("Service Unavailable").is_vendors_own(503));
}
